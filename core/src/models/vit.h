// A small Vision Transformer (Dosovitskiy et al. 2021) with pre-norm blocks, a [CLS] token and
// learned position embeddings; attention is written out so that its weights can be shown.
#pragma once

#include "models/backbone.h"

#include <utility>

namespace pretext::models {

/// Multi-head self-attention from one qkv projection (Vaswani et al. 2017, eq. 1).
struct VitAttentionImpl : torch::nn::Module {
  VitAttentionImpl(int64_t dim, int64_t heads);
  torch::Tensor forward(torch::Tensor x) { return forwardWithWeights(x).first; }
  /// Output [B, T, D] and the softmax weights [B, heads, T, T] (each row sums to 1).
  std::pair<torch::Tensor, torch::Tensor> forwardWithWeights(torch::Tensor x);

  torch::nn::Linear qkv, proj;
  int64_t heads;
};
TORCH_MODULE(VitAttention);

/// x + attn(norm1(x)), then x + fc2(gelu(fc1(norm2(x)))) with a 4x wide MLP.
struct VitBlockImpl : torch::nn::Module {
  VitBlockImpl(int64_t dim, int64_t heads);
  torch::Tensor forward(torch::Tensor x);
  /// The block's output and its attention weights [B, heads, T, T].
  std::pair<torch::Tensor, torch::Tensor> forwardWithWeights(torch::Tensor x);

  torch::nn::LayerNorm norm1, norm2;
  VitAttention attn;
  torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(VitBlock);

/// Patches of options.patchSize() pixels, embedded by a strided conv to options.vitDim(), a
/// [CLS] token in front, options.vitDepth() blocks, a final LayerNorm; forward() returns the
/// normalised [CLS] token. Stages block1..blockN are the blocks' raw outputs [B, 1 + N, D].
/// Images must have the side given in the options (the position embeddings are learned for it);
/// forwardAnySize() takes other sides by resizing the position embeddings (DINO's local crops).
///
/// MAE (He et al. 2022) encodes only the visible patches:
///   auto vit = std::dynamic_pointer_cast<VitImpl>(backbone);
///   auto tokens = vit->embedPatches(images);            // [B, N, D], positions added
///   auto visible = tokens.gather(1, keep.unsqueeze(-1).expand({-1, -1, vit->dim()}));
///   auto latent = vit->encodeTokens(visible);           // [B, 1 + kept, D], [CLS] first
/// and reconstructs vit->patchify(images) [B, N, p * p * C].
///
/// With options.cpuBf16(), forward(), forwardAnySize(), embedPatches() and encodeTokens() run in
/// training mode on the CPU under bf16 autocast: the patch embedding, the linears of attention and
/// MLP and attention's two matmuls in bf16; the residual stream, LayerNorm, softmax and the
/// returned tokens in fp32 (the residual sums promote to fp32, so LayerNorm sees fp32).
class VitImpl : public BackboneImpl {
 public:
  explicit VitImpl(BackboneOptions options);
  /// The catalogue entry: name, title, traits, stages of the default build.
  static BackboneInfo describe();

  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::string> stageNames() const override;
  std::map<std::string, torch::Tensor> forwardStages(torch::Tensor x, const std::string& last = "") override;
  /// The [CLS] token of the stage after the final LayerNorm, for every block (as DINO reads
  /// intermediate layers); for the last block this equals forward().
  torch::Tensor stageFeatures(torch::Tensor x, const std::string& stage) override;
  int64_t featureDim() const override { return m_dim; }
  /// The patch embedding [D, C, p, p].
  torch::Tensor firstLayerWeight() const override { return m_patchEmbed->weight; }
  /// Softmax weights of the [CLS] query over the patch keys in the last block, [B, heads, N],
  /// exactly as computed (not renormalised): the softmax runs over all 1 + N tokens, so each
  /// row sums to 1 minus the [CLS] token's attention to itself, i.e. to at most 1.
  torch::Tensor clsAttention(torch::Tensor x) override;

  /// All attention weights of the last block, [B, heads, 1 + N, 1 + N], token 0 is [CLS].
  torch::Tensor lastAttention(torch::Tensor x);

  /// Images [B, C, H, W] -> pixel patches [B, N, p * p * C], row-major over the patch grid,
  /// each patch ordered (row, column, channel) as MAE's patchify.
  torch::Tensor patchify(const torch::Tensor& images) const;
  /// Inverse of patchify: [B, N, p * p * C] -> [B, C, H, W].
  torch::Tensor unpatchify(const torch::Tensor& patches) const;
  /// Patch embeddings plus their position embeddings, [B, N, D] (no [CLS] token), fp32.
  torch::Tensor embedPatches(const torch::Tensor& images);
  /// forward() for square images of any side that is a multiple of the patch size: the patch
  /// position embeddings are resized to the image's patch grid by patchPositions() (Caron et al.
  /// 2021, DINO's interpolate_pos_encoding), so that crops smaller than the built size can be
  /// encoded at their own resolution. At the built size it equals forward().
  torch::Tensor forwardAnySize(torch::Tensor x);
  /// Position embeddings of a grid x grid patch grid, [1, grid * grid, D] (no [CLS]): the learned
  /// ones at the built grid, else those resized bicubically (differentiable).
  torch::Tensor patchPositions(int64_t grid) const;
  /// Prepends the [CLS] token (with its position embedding) to any subset of embedded patch
  /// tokens [B, n, D], runs all blocks and the final LayerNorm: [B, 1 + n, D].
  torch::Tensor encodeTokens(const torch::Tensor& patchTokens);

  int64_t dim() const { return m_dim; }
  int64_t heads() const { return m_options.vitHeads(); }
  int64_t depth() const { return static_cast<int64_t>(m_blocks.size()); }
  int64_t patchSize() const { return m_options.patchSize(); }
  /// Patches per side.
  int64_t gridSize() const { return m_options.imageSize() / m_options.patchSize(); }
  int64_t numPatches() const { return gridSize() * gridSize(); }
  /// Learned position embeddings [1, 1 + N, D], [CLS] first.
  const torch::Tensor& positionEmbedding() const { return m_posEmbed; }

 private:
  torch::Tensor withClsToken(const torch::Tensor& patchTokens) const;
  /// embedPatches() without autocast: the built side checked, then embedAnySize().
  torch::Tensor embedBuiltSize(const torch::Tensor& images);
  /// Patch tokens of square images whose side is a multiple of the patch size, positions added.
  torch::Tensor embedAnySize(const torch::Tensor& images);

  int64_t m_dim;
  torch::nn::Conv2d m_patchEmbed{nullptr};
  torch::Tensor m_clsToken, m_posEmbed;
  std::vector<VitBlock> m_blocks;
  torch::nn::LayerNorm m_norm{nullptr};
};

}  // namespace pretext::models

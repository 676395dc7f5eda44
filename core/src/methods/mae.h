// MAE (He et al. 2022): mask most patches of an image, encode the visible ones with the ViT, and
// reconstruct the pixels of the masked ones with a light transformer decoder.
#pragma once

#include "methods/method.h"
#include "models/vit.h"

#include <vector>

namespace pretext::methods {

/// One random masking of a batch of patch sequences.
struct MaeMasking {
  torch::Tensor keep;     ///< int64 [B, visible]: indices of the visible patches, in shuffled order
  torch::Tensor restore;  ///< int64 [B, N]: position of each patch in the shuffled order (inverts the shuffle)
  torch::Tensor mask;     ///< float [B, N]: 1 for a masked patch, 0 for a visible one, in patch order
};

/// Patches left visible out of `patches` at `ratio`: round(patches (1 - ratio)).
int64_t maeVisiblePatches(int64_t patches, double ratio);

/// MAE's random_masking (He et al. 2022, sec. 3 "Masking"): per image, the patches are shuffled by
/// argsort of uniform `noise` [B, N]; the first maeVisiblePatches(N, ratio) stay visible.
MaeMasking maeRandomMasking(const torch::Tensor& noise, double ratio);

/// MAE's reconstruction loss (He et al. 2022, sec. 3 "Reconstruction target"): mean squared error
/// between `pred` and `target` [B, N, P] per patch, averaged over the masked patches only
/// (`mask` [B, N], 1 = masked). With `normPix` each target patch is first normalised by its own
/// mean and unbiased variance, (x - mean) / sqrt(var + 1e-6), the paper's best setting.
torch::Tensor maeLoss(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& mask, bool normPix);

/// Fixed 2-D sine-cosine position embeddings (MAE's decoder, after Vaswani et al. 2017) for a
/// grid x grid patch grid with a zero row for [CLS] first: [1, 1 + grid * grid, dim]; the first
/// half of the channels encodes the patch's row, the second its column. dim must divide by 4.
torch::Tensor sinCosPositions(int64_t dim, int64_t grid);

/// The options of MAE; names, ranges and help in specs().
struct MaeOptions {
  double maskRatio = 0.75;
  int64_t decoderDim = 128;
  int64_t decoderDepth = 2;
  int64_t decoderHeads = 4;
  bool normPix = true;
  static const OptionSpecs<MaeOptions>& specs();
};

class MaeImpl final : public MethodImpl {
 public:
  explicit MaeImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

  /// The decoder: latent [B, 1 + visible, D] from the encoder and the masking's restore indices ->
  /// predicted pixels of every patch [B, N, p * p * C].
  torch::Tensor decode(const torch::Tensor& latent, const torch::Tensor& restore);
  double maskRatio() const { return m_maskRatio; }

 private:
  std::shared_ptr<models::VitImpl> m_vit;
  torch::nn::Linear m_decoderEmbed{nullptr};
  torch::Tensor m_maskToken, m_decoderPos;
  std::vector<models::VitBlock> m_decoderBlocks;
  torch::nn::LayerNorm m_decoderNorm{nullptr};
  torch::nn::Linear m_decoderPred{nullptr};
  double m_maskRatio;
  bool m_normPix;
};

}  // namespace pretext::methods

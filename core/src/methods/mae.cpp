#include "methods/mae.h"

#include <cmath>
#include <stdexcept>

namespace pretext::methods {

MethodInfo MaeImpl::describe() {
  MethodInfo m;
  m.name = "mae";
  m.title = "MAE";
  m.family = "masked image modeling";
  m.paper = "He, Chen, Xie, Li, Dollar & Girshick 2022, Masked Autoencoders Are Scalable Vision Learners";
  m.description =
      "The image is cut into patches and most of them (75%) are hidden at random. The ViT encoder sees only the "
      "visible patches; a small decoder gets the encoded patches plus a shared 'mask' token at every hidden "
      "position and must paint the hidden pixels back. Guessing a missing sleeve or sole from a few scattered "
      "patches needs an understanding of shapes and parts, which is what the encoder learns. Hiding so much "
      "makes the task hard enough and the encoder cheap, since it skips the hidden patches.";
  m.lossFormula =
      "L = 1/|M| sum_{i in M} 1/P || x̂_i - norm(x_i) ||²  over the masked patches M only;  "
      "norm(x) = (x - mean(x)) / sqrt(var(x) + 1e-6) per patch when norm-pix = 1";
  m.defaultAugment = "light";
  m.requiredBackbone = "vit";
  m.options = describeOptions(MaeOptions::specs());
  return m;
}

const OptionSpecs<MaeOptions>& MaeOptions::specs() {
  static const OptionSpecs<MaeOptions> specs = {
      realOption("mask-ratio", &MaeOptions::maskRatio, openRange(0, 1),
                 "fraction of patches hidden from the encoder (paper 0.75)"),
      integerOption("decoder-dim", &MaeOptions::decoderDim, 4, 4096,
                    "width of the decoder (paper 512)"),
      integerOption("decoder-depth", &MaeOptions::decoderDepth, 1, 64,
                    "transformer blocks in the decoder (paper 8)"),
      integerOption("decoder-heads", &MaeOptions::decoderHeads, 1, 64,
                    "attention heads in the decoder (paper 16)"),
      switchOption("norm-pix", &MaeOptions::normPix,
                   "1: reconstruct each patch normalised by its own mean and variance (the paper's best); 0: raw pixels"),
  };
  return specs;
}

namespace F = torch::nn::functional;

int64_t maeVisiblePatches(int64_t patches, double ratio) {
  return int64_t(std::llround(double(patches) * (1.0 - ratio)));
}

MaeMasking maeRandomMasking(const torch::Tensor& noise, double ratio) {
  TORCH_CHECK(noise.dim() == 2, "maeRandomMasking: noise must be [B, N], got ", noise.sizes());
  const int64_t n = noise.size(1), visible = maeVisiblePatches(n, ratio);
  TORCH_CHECK(visible >= 1 && visible <= n, "maeRandomMasking: ratio ", ratio, " leaves ", visible, " of ", n,
              " patches visible");
  MaeMasking m;
  const auto shuffle = noise.argsort(/*dim=*/int64_t(1));  // ascending: small noise is kept
  m.restore = shuffle.argsort(int64_t(1));
  m.keep = shuffle.slice(1, 0, visible);
  // 0 for the first `visible` in shuffled order, 1 for the rest, then back to patch order.
  auto shuffled = torch::ones(noise.sizes(), noise.options().dtype(torch::kFloat));
  shuffled.slice(1, 0, visible).zero_();
  m.mask = shuffled.gather(1, m.restore);
  return m;
}

torch::Tensor maeLoss(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& mask, bool normPix) {
  TORCH_CHECK(pred.sizes() == target.sizes() && pred.dim() == 3 && mask.dim() == 2 &&
                  mask.size(0) == pred.size(0) && mask.size(1) == pred.size(1),
              "maeLoss: needs pred and target [B, N, P] and mask [B, N], got ", pred.sizes(), ", ", target.sizes(),
              ", ", mask.sizes());
  auto t = target.to(torch::kFloat);
  if (normPix) {
    const auto mean = t.mean(-1, /*keepdim=*/true);
    const auto var = t.var(-1, /*unbiased=*/true, /*keepdim=*/true);
    t = (t - mean) / (var + 1e-6).sqrt();
  }
  const auto perPatch = (pred.to(torch::kFloat) - t).pow(2).mean(-1);  // [B, N]
  const auto m = mask.to(torch::kFloat);
  return (perPatch * m).sum() / m.sum();
}

torch::Tensor sinCosPositions(int64_t dim, int64_t grid) {
  TORCH_CHECK(dim % 4 == 0 && dim > 0 && grid > 0, "sinCosPositions: dim must be a positive multiple of 4, got ",
              dim);
  const int64_t quarter = dim / 4;
  const auto omega = 1.0 / torch::pow(10000.0, torch::arange(quarter, torch::kDouble) / double(quarter));
  auto encode = [&](const torch::Tensor& pos) {  // [M] -> [M, dim / 2]
    const auto angles = pos.to(torch::kDouble).unsqueeze(1) * omega.unsqueeze(0);
    return torch::cat({angles.sin(), angles.cos()}, 1);
  };
  const auto index = torch::arange(grid * grid, torch::kLong);
  const auto patches = torch::cat({encode(index.div(grid, "floor")), encode(index.remainder(grid))}, 1);
  return torch::cat({torch::zeros({1, dim}, torch::kDouble), patches}).unsqueeze(0).to(torch::kFloat);
}

MaeImpl::MaeImpl(const MethodContext& context) : MethodImpl("mae", context) {
  const auto o = parsedOptions<MaeOptions>();
  m_maskRatio = o.maskRatio;
  m_normPix = o.normPix;
  m_vit = std::dynamic_pointer_cast<models::VitImpl>(m_backbone);
  if (!m_vit) {
    throw std::invalid_argument("mae: masked autoencoding needs the ViT backbone (--backbone vit), not " +
                                context.backbone.name());
  }
  const int64_t n = m_vit->numPatches(), visible = maeVisiblePatches(n, m_maskRatio);
  if (!(m_maskRatio > 0.0 && m_maskRatio < 1.0) || visible < 1 || visible >= n) {
    throw std::invalid_argument("mae: --mask-ratio " + std::to_string(m_maskRatio) + " must leave at least one of the " +
                                std::to_string(n) + " patches visible and mask at least one (paper 0.75)");
  }
  const int64_t dim = o.decoderDim, depth = o.decoderDepth, heads = o.decoderHeads;
  if (dim < 4 || dim % 4 != 0 || heads < 1 || dim % heads != 0 || depth < 1) {
    throw std::invalid_argument("mae: --decoder-dim (" + std::to_string(dim) + ") must be a multiple of 4 and of "
                                "--decoder-heads (" + std::to_string(heads) + "), and --decoder-depth (" +
                                std::to_string(depth) + ") at least 1");
  }
  const int64_t pixels = m_vit->patchSize() * m_vit->patchSize() * context.backbone.inChannels();
  m_decoderEmbed = register_module("decoder_embed", torch::nn::Linear(m_vit->dim(), dim));
  m_maskToken = register_parameter("mask_token", torch::zeros({1, 1, dim}));
  // Fixed, not learned (MAE's decoder_pos_embed has requires_grad=False); a buffer for checkpoints.
  m_decoderPos = register_buffer("decoder_pos", sinCosPositions(dim, m_vit->gridSize()));
  for (int64_t i = 0; i < depth; ++i) {
    m_decoderBlocks.push_back(register_module("decoder_block" + std::to_string(i + 1), models::VitBlock(dim, heads)));
  }
  m_decoderNorm = register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6)));
  m_decoderPred = register_module("decoder_pred", torch::nn::Linear(dim, pixels));

  // MAE's initialisation: xavier-uniform linears with zero biases, normal(0.02) mask token.
  torch::NoGradGuard noGrad;
  m_maskToken.normal_(0.0, 0.02);
  for (auto& child : named_children()) {
    if (child.key().rfind("decoder_", 0) != 0) continue;
    for (auto& module : child.value()->modules()) {
      if (auto* linear = module->as<torch::nn::Linear>()) {
        torch::nn::init::xavier_uniform_(linear->weight);
        linear->bias.zero_();
      }
    }
  }
}

torch::Tensor MaeImpl::decode(const torch::Tensor& latent, const torch::Tensor& restore) {
  auto x = m_decoderEmbed->forward(latent);  // [B, 1 + visible, Dd]
  const int64_t b = x.size(0), dim = x.size(2), n = restore.size(1);
  const auto masks = m_maskToken.expand({b, n - (x.size(1) - 1), dim});
  auto patches = torch::cat({x.slice(1, 1), masks.to(x.dtype())}, 1);  // shuffled order
  patches = patches.gather(1, restore.unsqueeze(-1).expand({b, n, dim}));  // back to patch order
  x = torch::cat({x.slice(1, 0, 1), patches}, 1) + m_decoderPos;
  for (auto& block : m_decoderBlocks) x = block->forward(x);
  return m_decoderPred->forward(m_decoderNorm->forward(x)).slice(1, 1);  // drop [CLS]
}

StepOutput MaeImpl::step(const Batch& batch) {
  const auto x = prepare(batch.images, m_context.augment);
  const auto tokens = m_vit->embedPatches(x);  // [B, N, D]
  const auto masking = maeRandomMasking(torch::rand({tokens.size(0), tokens.size(1)}, x.options().dtype(torch::kFloat)),
                                        m_maskRatio);
  const auto visible = tokens.gather(1, masking.keep.unsqueeze(-1).expand({-1, -1, tokens.size(2)}));
  const auto pred = decode(m_vit->encodeTokens(visible), masking.restore);
  StepOutput out;
  out.loss = maeLoss(pred, m_vit->patchify(x), masking.mask, m_normPix);
  return out;
}

}  // namespace pretext::methods

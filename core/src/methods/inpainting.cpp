#include "methods/inpainting.h"

#include "methods/patchgrid.h"

#include <cmath>
#include <stdexcept>

namespace pretext::methods {

namespace {

// Squares of side `square` at top-left corners (top, left) [B, K] marked 1 in [B, 1, side, side].
torch::Tensor squaresMask(const torch::Tensor& top, const torch::Tensor& left, int64_t square, int64_t side) {
  const auto pos = torch::arange(side, top.options());
  const auto rows = pos.view({1, 1, side, 1}), cols = pos.view({1, 1, 1, side});
  const auto t = top.unsqueeze(-1).unsqueeze(-1), l = left.unsqueeze(-1).unsqueeze(-1);  // [B, K, 1, 1]
  const auto inside = rows.ge(t) & rows.lt(t + square) & cols.ge(l) & cols.lt(l + square);  // [B, K, side, side]
  return inside.any(1, /*keepdim=*/true).to(torch::kFloat);
}

}  // namespace

torch::Tensor inpaintingMask(int64_t batch, int64_t side, InpaintingMask kind, double fraction,
                             const torch::Device& device) {
  const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(device);
  const int64_t blocks = kind == InpaintingMask::RandomBlocks ? 4 : 1;
  const int64_t square =
      std::clamp<int64_t>(std::llround(double(side) * std::sqrt(fraction / double(blocks))), 1, side);
  torch::Tensor top, left;
  if (kind == InpaintingMask::CentralSquare) {
    top = left = torch::full({batch, 1}, (side - square) / 2, longOpts);
  } else {
    top = torch::randint(0, side - square + 1, {batch, blocks}, longOpts);
    left = torch::randint(0, side - square + 1, {batch, blocks}, longOpts);
  }
  return squaresMask(top, left, square, side);
}

torch::Tensor maskedL2Loss(const torch::Tensor& prediction, const torch::Tensor& target, const torch::Tensor& mask,
                           double visibleWeight) {
  const auto m = mask.to(torch::kFloat);
  const auto weight = m + visibleWeight * (1.0 - m);
  const auto squared = (prediction.to(torch::kFloat) - target.to(torch::kFloat)).pow(2);
  const auto hidden = (m.sum() * double(prediction.size(1))).clamp_min(1.0);
  return (weight * squared).sum() / hidden;
}

InpaintingImpl::InpaintingImpl(const MethodContext& context)
    : MethodImpl("inpainting", context),
      m_fraction(context.option("inpainting", "mask-fraction")),
      m_visibleWeight(context.option("inpainting", "visible-weight")) {
  requireConvolutionalBackbone(context.backbone, m_info->title);
  m_mask = InpaintingMask(integerOption("inpainting", "mask", context.option("inpainting", "mask"), 0, 2));
  if (!(m_fraction > 0.0 && m_fraction < 1.0)) {
    throw std::invalid_argument("inpainting: --mask-fraction must be in (0, 1), got " + std::to_string(m_fraction));
  }
  if (!(m_visibleWeight >= 0.0)) {
    throw std::invalid_argument("inpainting: --visible-weight must be >= 0, got " + std::to_string(m_visibleWeight));
  }
  m_stage = stageByIndex(*m_backbone, integerOption("inpainting", "stage", context.option("inpainting", "stage"), 0, 64),
                         "inpainting");
  const auto [channels, side] = stageShape(*m_backbone, m_stage);
  const auto& o = context.backbone;
  m_decoder = register_module("decoder", ConvDecoder(channels, side, o.inChannels(), o.imageSize()));
}

// Pathak et al. 2016, eq. (1): the hidden region, filled with the dataset mean (0 after
// normalisation), is reconstructed from the encoder's feature map. The adversarial term of eq. (2)
// is left out.
StepOutput InpaintingImpl::step(const Batch& batch) {
  const auto x = prepare(batch.images, m_context.augment);
  const auto mask = inpaintingMask(x.size(0), x.size(-1), m_mask, m_fraction, x.device()).to(x.dtype());
  auto input = x * (1.0 - mask);
  if (m_context.channelsLast) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
  const auto features = m_backbone->forwardStages(input, m_stage).at(m_stage);
  StepOutput out;
  out.loss = maskedL2Loss(m_decoder->forward(features), x, mask, m_visibleWeight);
  return out;
}

}  // namespace pretext::methods

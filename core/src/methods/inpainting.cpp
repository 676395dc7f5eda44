#include "methods/inpainting.h"

#include "methods/patchgrid.h"

#include <cmath>
#include <stdexcept>

namespace pretext::methods {

MethodInfo InpaintingImpl::describe() {
  MethodInfo m;
  m.name = "inpainting";
  m.title = "Inpainting (context encoder)";
  m.family = "pretext task";
  m.paper = "Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, Context Encoders: Feature Learning by Inpainting";
  m.description =
      "A region of the image is hidden (filled with the dataset's mean colour) and a decoder on top of the "
      "encoder must paint it back from the surroundings. Filling a hole in a shirt or a shoe needs knowing what "
      "the object is and how its parts continue, so the encoder learns shapes and context. Only the squared "
      "error on the hidden region counts (plus, optionally, a small weight on the visible pixels); the "
      "paper's adversarial term, which makes the fill sharper, is left out.";
  m.lossFormula = "L = ( || M ⊙ (x - F((1-M) ⊙ x)) ||² + w_vis || (1-M) ⊙ (x - F(...)) ||² ) / |M|,  M: hidden region";
  m.defaultAugment = "light";
  m.options = describeOptions(InpaintingOptions::specs());
  return m;
}

const OptionSpecs<InpaintingOptions>& InpaintingOptions::specs() {
  static const OptionSpecs<InpaintingOptions> specs = {
      integerOption("mask", &InpaintingOptions::mask, 0, 2,
                    "hidden region: 0 central square, 1 random square, 2 four random blocks (paper: central, random block, random region)"),
      realOption("mask-fraction", &InpaintingOptions::maskFraction, openRange(0, 1),
                 "share of the image area hidden (paper: a quarter, the central 64x64 of 128x128)"),
      realOption("visible-weight", &InpaintingOptions::visibleWeight, closedRange(0, 100),
                 "weight of the error on visible pixels relative to hidden ones (paper eq. 1: 0)"),
      integerOption("stage", &InpaintingOptions::stage, 0, 64,
                    "encoder stage the decoder reads, 1..5 (convnet conv1..conv5), 0: the last (paper: the last)"),
  };
  return specs;
}

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

InpaintingImpl::InpaintingImpl(const MethodContext& context) : MethodImpl("inpainting", context) {
  requireConvolutionalBackbone(context.backbone, m_info->title);
  const auto o = parsedOptions<InpaintingOptions>();
  m_mask = InpaintingMask(o.mask);
  m_fraction = o.maskFraction;
  m_visibleWeight = o.visibleWeight;
  m_stage = stageByIndex(*m_backbone, o.stage, "inpainting");
  const auto [channels, side] = stageShape(*m_backbone, m_stage);
  const auto& b = context.backbone;
  m_decoder = register_module("decoder", ConvDecoder(channels, side, b.inChannels(), b.imageSize()));
}

// Pathak et al. 2016, eq. (1): the hidden region, filled with the dataset mean (0 after
// normalisation), is reconstructed from the encoder's feature map. The adversarial term of eq. (2)
// is left out.
StepOutput InpaintingImpl::step(const Batch& batch) {
  const auto x = prepare(batch.images, m_context.augment);
  const auto mask = inpaintingMask(x.size(0), x.size(-1), m_mask, m_fraction, x.device()).to(x.dtype());
  auto input = x * (1.0 - mask);
  if (m_context.channelsLast) input = toChannelsLast(input);
  const auto features = m_backbone->forwardStages(input, m_stage).at(m_stage);
  StepOutput out;
  out.loss = maskedL2Loss(m_decoder->forward(features), x, mask, m_visibleWeight);
  return out;
}

}  // namespace pretext::methods

#include "methods/convdecoder.h"

#include <stdexcept>

namespace pretext::methods {

std::string stageByIndex(const models::BackboneImpl& backbone, int64_t index, const std::string& method) {
  const auto names = backbone.stageNames();
  if (index < 0 || index > int64_t(names.size())) {
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + std::to_string(i + 1) + " " + names[i];
    throw std::invalid_argument(method + ": --stage must be 0 (the last stage) or one of " + list + ", got " +
                                std::to_string(index));
  }
  return index == 0 ? names.back() : names[std::size_t(index - 1)];
}

std::pair<int64_t, int64_t> stageShape(models::BackboneImpl& backbone, const std::string& stage) {
  torch::NoGradGuard noGrad;
  const bool training = backbone.is_training();
  backbone.eval();
  const auto& o = backbone.options();
  const auto probe = torch::zeros({1, o.inChannels(), o.imageSize(), o.imageSize()});
  const auto map = backbone.forwardStages(probe, stage).at(stage);
  backbone.train(training);
  if (map.dim() != 4) throw std::invalid_argument("stage '" + stage + "' gives no convolutional feature map");
  return {map.size(1), map.size(2)};
}

ConvDecoderImpl::ConvDecoderImpl(int64_t inChannels, int64_t inSide, int64_t outChannels, int64_t outSide_,
                                 int64_t outKernel)
    : outSide(outSide_) {
  body = register_module("body", torch::nn::Sequential());
  int64_t channels = inChannels, side = inSide;
  // Nearest x2 + 3x3 conv rather than a 4x4 stride-2 transposed conv: the same receptive field and
  // no checkerboard artefacts, and LibTorch 1.13's CPU transposed convolution measured 20x slower.
  while (2 * side <= outSide) {
    const int64_t next = std::max<int64_t>(16, channels / 2);
    body->push_back(torch::nn::Upsample(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
    body->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, next, 3).padding(1).bias(false)));
    body->push_back(torch::nn::BatchNorm2d(next));
    body->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    channels = next;
    side *= 2;
  }
  out = register_module("out", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, outChannels, outKernel).padding(outKernel / 2)));
}

torch::Tensor ConvDecoderImpl::forward(torch::Tensor x) {
  if (!body->is_empty()) x = body->forward(x);
  x = out->forward(x);
  if (x.size(-1) != outSide || x.size(-2) != outSide) {
    namespace F = torch::nn::functional;
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{outSide, outSide})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  return x;
}

}  // namespace pretext::methods

// A light decoder from a conv stage's feature map back to the image grid, shared by colorization
// (per-pixel colour-bin logits) and inpainting (pixels).
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <string>

namespace pretext::methods {

/// The name of stage `index` of `backbone` (1-based, 0: the last stage), checked against its stages.
std::string stageByIndex(const models::BackboneImpl& backbone, int64_t index, const std::string& method);

/// Channels and side of `stage`'s feature map for the backbone's own input size: {C, h}. Runs one
/// image through the backbone in evaluation mode (no statistics change) and restores training mode.
std::pair<int64_t, int64_t> stageShape(models::BackboneImpl& backbone, const std::string& stage);

/// Upsampling stages (nearest x2, 3x3 conv, BN, ReLU; each doubles the side and halves the channels,
/// at least 16) while twice the side still fits in `outSide`, a convolution (`outKernel` x
/// `outKernel`) to `outChannels`,
/// and a bilinear resize to `outSide` when the doublings do not land on it exactly.
struct ConvDecoderImpl : torch::nn::Module {
  ConvDecoderImpl(int64_t inChannels, int64_t inSide, int64_t outChannels, int64_t outSide, int64_t outKernel = 3);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Sequential body{nullptr};
  torch::nn::Conv2d out{nullptr};
  int64_t outSide;
};
TORCH_MODULE(ConvDecoder);

}  // namespace pretext::methods

// Building blocks shared by the convolutional backbones, and helpers of the backbone classes.
#pragma once

#include "dist/syncbn.h"

#include <torch/torch.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pretext::models {

/// Conv (no bias: BatchNorm follows) - BatchNorm - ReLU, with an optional 2x2 max-pool after.
/// In eval mode BatchNorm is folded into the convolution and the ReLU follows the pool: fewer passes
/// over the activations, the same output.
struct ConvBnReluImpl : torch::nn::Module {
  ConvBnReluImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, bool pool = false)
      : conv(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false)),
        bn(out),
        m_stride(stride),
        m_padding(kernel / 2),
        m_pool(pool) {
    register_module("conv", conv);
    register_module("bn", bn);
  }

  torch::Tensor forward(torch::Tensor x) {
    if (is_training()) {
      x = torch::relu(bn->forward(conv->forward(x)));
      return m_pool ? torch::max_pool2d(x, 2) : x;
    }
    // The running statistics make BatchNorm a per-channel affine map: scale the filters, add a bias.
    const auto scale = bn->weight * (bn->running_var + bn->options.eps()).rsqrt();
    const auto bias = bn->bias - bn->running_mean * scale;
    x = torch::conv2d(x, conv->weight * scale.view({-1, 1, 1, 1}), bias, m_stride, m_padding);
    // ReLU after the pool: the same values (max and ReLU commute), on a quarter of the activations.
    return (m_pool ? torch::max_pool2d(x, 2) : x).relu_();
  }

  torch::nn::Conv2d conv;
  dist::SyncableBatchNorm2d bn;  // torch's BatchNorm2d, synchronised in data-parallel training when asked

 private:
  int64_t m_stride, m_padding;
  bool m_pool;
};
TORCH_MODULE(ConvBnRelu);

/// He et al. 2015 init for every conv below `root` (fan_out, ReLU); BatchNorm weight 1, bias 0.
/// Callable from a constructor: `root` itself is not visited (it is not yet in a shared_ptr).
inline void initConvBnWeights(torch::nn::Module& root) {
  torch::NoGradGuard noGrad;
  for (auto& module : root.modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.fill_(1.0);
      bn->bias.zero_();
    }
  }
}

/// "a, b, c" for error messages.
inline std::string joinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

/// Throws std::invalid_argument unless `stage` is empty or one of `names`.
inline void checkStageName(const std::string& backbone, const std::vector<std::string>& names,
                           const std::string& stage) {
  if (stage.empty()) return;
  for (const auto& name : names)
    if (name == stage) return;
  throw std::invalid_argument("backbone '" + backbone + "' has no stage '" + stage +
                              "'; its stages are: " + joinNames(names));
}

/// Throws std::invalid_argument unless x is a [B, inChannels, H, W] batch.
inline void checkImages(const std::string& backbone, const torch::Tensor& x, int64_t inChannels) {
  if (x.dim() != 4 || x.size(1) != inChannels) {
    throw std::invalid_argument("backbone '" + backbone + "' expects images [B, " +
                                std::to_string(inChannels) + ", H, W], got " +
                                c10::str(x.sizes()));
  }
}

}  // namespace pretext::models

// CIFAR-style ResNet-18 (He et al. 2016): 3x3 stem at stride 1, no max-pool, BasicBlocks [2, 2, 2, 2].
#pragma once

#include "models/backbone.h"
#include "models/layers.h"

namespace pretext::models {

/// Two 3x3 Conv-BN with an identity (or 1x1 Conv-BN projection) shortcut, ReLU after the sum.
struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1, conv2;
  dist::SyncableBatchNorm2d bn1, bn2;
  torch::nn::Sequential shortcut{nullptr};  ///< empty holder where the shortcut is the identity
};
TORCH_MODULE(BasicBlock);

/// Stages stem, layer1..layer4 with widths w, w, 2w, 4w, 8w (w = options.width(), by default 64:
/// the standard ResNet-18, features [B, 512]); layer2..layer4 halve the resolution.
/// Parameter names follow torchvision (layer1.0.conv1.weight, layer2.0.shortcut.0.weight, ...).
class ResNet18Impl : public BackboneImpl {
 public:
  explicit ResNet18Impl(BackboneOptions options);
  /// The catalogue entry: name, title, traits, stages of the default build.
  static BackboneInfo describe();

  /// The stem's channels when the options leave the width at 0.
  static constexpr int64_t kDefaultWidth = 64;

  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::string> stageNames() const override;
  std::map<std::string, torch::Tensor> forwardStages(torch::Tensor x, const std::string& last = "") override;
  int64_t featureDim() const override;
  torch::Tensor firstLayerWeight() const override;

 private:
  ConvBnRelu m_stem{nullptr};
  std::vector<torch::nn::Sequential> m_layers;
};

}  // namespace pretext::models

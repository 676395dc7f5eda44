// A small AlexNet-style ConvNet with five conv stages, so that each layer's features can be probed.
#pragma once

#include "models/backbone.h"
#include "models/layers.h"

namespace pretext::models {

/// conv1 5x5 (w) + max-pool, conv2 3x3 (2w) + max-pool, conv3..conv5 3x3 (4w, 4w, 2w), each
/// Conv-BN-ReLU, then global average pooling: features [B, 2w] (w = options.width(), by default
/// 32: features [B, 64], 315k parameters for gray images). The widths keep AlexNet's proportions
/// (96, 256, 384, 384, 256; Krizhevsky et al. 2012) at a size a laptop CPU trains.
/// Any input side >= 4 works (28 -> 14 -> 7, 32 -> 16 -> 8, 96 -> 48 -> 24).
class ConvNetImpl : public BackboneImpl {
 public:
  explicit ConvNetImpl(BackboneOptions options);
  /// The catalogue entry: name, title, traits, stages of the default build.
  static BackboneInfo describe();

  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::string> stageNames() const override;
  std::map<std::string, torch::Tensor> forwardStages(torch::Tensor x, const std::string& last = "") override;
  int64_t featureDim() const override;
  torch::Tensor firstLayerWeight() const override;

  /// conv1's channels when the options leave the width at 0.
  static constexpr int64_t kDefaultWidth = 32;
  /// Channels of each stage, conv1..conv5.
  static std::vector<int64_t> stageWidths(int64_t width);

 private:
  std::vector<ConvBnRelu> m_stages;
};

}  // namespace pretext::models

// RotNet (Gidaris, Singh & Komodakis 2018): predict which of 4 rotations an image was given.
#pragma once

#include "methods/method.h"

#include <utility>

namespace pretext::methods {

/// Every image of the batch [B, C, H, W] in all four rotations: images [4B, C, H, W] (rotation r
/// of image i at r * B + i, counter-clockwise by r * 90 degrees) and their labels r, int64 [4B].
std::pair<torch::Tensor, torch::Tensor> rotationBatch(const torch::Tensor& images);

class RotationImpl final : public MethodImpl {
 public:
  explicit RotationImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

 private:
  torch::nn::Linear m_head{nullptr};
};

}  // namespace pretext::methods

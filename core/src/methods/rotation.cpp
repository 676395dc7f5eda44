#include "methods/rotation.h"

namespace pretext::methods {

std::pair<torch::Tensor, torch::Tensor> rotationBatch(const torch::Tensor& images) {
  const int64_t b = images.size(0);
  const auto opts = torch::TensorOptions().dtype(torch::kLong).device(images.device());
  const auto k = torch::arange(4, opts).repeat_interleave(b);
  return {augment::rotate90(images.repeat({4, 1, 1, 1}), k), k};
}

RotationImpl::RotationImpl(const MethodContext& context) : MethodImpl("rotation", context) {
  m_head = register_module("head", torch::nn::Linear(m_backbone->featureDim(), 4));
}

// Gidaris et al. 2018, eq. (1)-(2): mean cross-entropy over the four rotated copies.
StepOutput RotationImpl::step(const Batch& batch) {
  const auto [images, labels] = rotationBatch(prepare(batch.images, m_context.augment));
  return classificationOutput(m_head(m_backbone->forward(images)), labels);
}

}  // namespace pretext::methods

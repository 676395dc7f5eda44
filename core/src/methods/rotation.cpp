#include "methods/rotation.h"

namespace pretext::methods {

MethodInfo RotationImpl::describe() {
  MethodInfo m;
  m.name = "rotation";
  m.title = "Rotation prediction (RotNet)";
  m.family = "pretext task";
  m.paper = "Gidaris, Singh & Komodakis 2018, Unsupervised Representation Learning by Predicting Image Rotations";
  m.description =
      "Every image is shown rotated by 0, 90, 180 and 270 degrees, and the network must say which rotation it "
      "sees. To do that it has to recognise what the object is and which way is up (shoes stand on their "
      "soles, shirts hang from the collar), so its middle layers learn object parts without any label.";
  m.lossFormula = "L = -1/4 sum_{r in {0,90,180,270}} log p(r | rotate(x, r))";
  m.defaultAugment = "light";
  return m;
}

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
  auto [images, labels] = rotationBatch(prepare(batch.images, m_context.augment));
  // The four rotated copies come out of where() in the strides of a rotated view: NHWC again when asked.
  if (m_context.channelsLast) images = toChannelsLast(images);
  return classificationOutput(m_head(m_backbone->forward(images)), labels);
}

}  // namespace pretext::methods

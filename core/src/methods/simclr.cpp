#include "methods/simclr.h"

namespace pretext::methods {

namespace F = torch::nn::functional;

torch::Tensor ntXentLoss(const torch::Tensor& z1, const torch::Tensor& z2, double temperature) {
  const int64_t n = z1.size(0);
  const auto z = F::normalize(torch::cat({z1, z2}).to(torch::kFloat), F::NormalizeFuncOptions().dim(1));
  auto logits = torch::mm(z, z.t()) / temperature;
  // A view is never its own negative: mask the diagonal out of the softmax.
  logits = logits.masked_fill(torch::eye(2 * n, torch::TensorOptions().dtype(torch::kBool).device(z.device())), -1e9);
  const auto idx = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
  const auto targets = torch::cat({idx + n, idx});
  return F::cross_entropy(logits, targets);
}

SimClrImpl::SimClrImpl(const MethodContext& context)
    : MethodImpl("simclr", context), m_temperature(context.option("simclr", "temperature")) {
  const int64_t d = m_backbone->featureDim();
  m_projector = register_module("projector", mlpHead(d, std::max<int64_t>(d, 256), int64_t(context.option("simclr", "proj-dim"))));
}

StepOutput SimClrImpl::step(const Batch& batch) {
  const auto v1 = prepare(batch.images, m_context.augment);
  const auto v2 = prepare(batch.images, m_context.augment);
  const auto z = m_projector->forward(m_backbone->forward(torch::cat({v1, v2})));
  const auto halves = z.chunk(2);
  StepOutput out;
  out.loss = ntXentLoss(halves[0], halves[1], m_temperature);
  return out;
}

}  // namespace pretext::methods

#include "methods/barlow.h"

namespace pretext::methods {

namespace {

torch::Tensor standardise(const torch::Tensor& z) {
  const auto x = z.to(torch::kFloat);
  const auto centred = x - x.mean(0, /*keepdim=*/true);
  return centred / (centred.pow(2).mean(0, /*keepdim=*/true) + 1e-5).sqrt();  // BatchNorm's epsilon
}

}  // namespace

torch::Tensor barlowCrossCorrelation(const torch::Tensor& z1, const torch::Tensor& z2) {
  return torch::mm(standardise(z1).t(), standardise(z2)) / double(z1.size(0));
}

torch::Tensor barlowTwinsLoss(const torch::Tensor& z1, const torch::Tensor& z2, double lambda) {
  const auto c = barlowCrossCorrelation(z1, z2);
  const auto diagonal = c.diagonal();
  const auto onDiagonal = (1.0 - diagonal).pow(2).sum();
  const auto offDiagonal = c.pow(2).sum() - diagonal.pow(2).sum();
  return onDiagonal + lambda * offDiagonal;
}

BarlowTwinsImpl::BarlowTwinsImpl(const MethodContext& context) : MethodImpl("barlow", context) {
  const int64_t d = m_backbone->featureDim();
  const int64_t dim = int64_t(context.option("barlow", "proj-dim"));
  if (dim < 2) throw std::invalid_argument("barlow: --proj-dim must be at least 2");
  const double lambda = context.option("barlow", "lambda");
  if (lambda < 0) throw std::invalid_argument("barlow: --lambda must be >= 0 (0 picks 1/proj-dim)");
  m_lambda = lambda > 0 ? lambda : 1.0 / double(dim);
  m_scale = context.option("barlow", "scale");
  if (m_scale <= 0) throw std::invalid_argument("barlow: --scale must be positive");
  // Projector (sec. 2, "Implementation details"): three linear layers, BN and ReLU after the first two.
  m_projector = register_module("projector", threeLayerProjector(d, dim, /*lastBatchNorm=*/false));
}

StepOutput BarlowTwinsImpl::step(const Batch& batch) {
  const auto v = torch::cat({prepare(batch.images, m_context.augment), prepare(batch.images, m_context.augment)});
  const auto z = m_projector->forward(m_backbone->forward(v)).chunk(2);
  StepOutput out;
  out.loss = m_scale * barlowTwinsLoss(z[0], z[1], m_lambda);
  return out;
}

}  // namespace pretext::methods

#include "methods/simsiam.h"

namespace pretext::methods {

namespace F = torch::nn::functional;

namespace {

torch::Tensor negativeCosine(const torch::Tensor& p, const torch::Tensor& z) {
  const auto opts = F::CosineSimilarityFuncOptions().dim(1);
  return -F::cosine_similarity(p.to(torch::kFloat), z.to(torch::kFloat).detach(), opts).mean();
}

}  // namespace

torch::Tensor simSiamLoss(const torch::Tensor& p1, const torch::Tensor& p2, const torch::Tensor& z1,
                          const torch::Tensor& z2) {
  return 0.5 * negativeCosine(p1, z2) + 0.5 * negativeCosine(p2, z1);
}

SimSiamImpl::SimSiamImpl(const MethodContext& context) : MethodImpl("simsiam", context) {
  const int64_t d = m_backbone->featureDim();
  const int64_t dim = int64_t(context.option("simsiam", "proj-dim"));
  const int64_t hidden = int64_t(context.option("simsiam", "pred-hidden"));
  if (dim < 1 || hidden < 1) throw std::invalid_argument("simsiam: --proj-dim and --pred-hidden must be at least 1");
  // Projector (sec. 4.1): three layers with BN on every output, no ReLU after the last; the bias
  // before a BN is redundant and left out, and the last BN has no affine part (the authors' code).
  m_projector = register_module("projector", threeLayerProjector(d, dim, /*lastBatchNorm=*/true));
  // Predictor: a bottleneck MLP (paper 2048 -> 512 -> 2048), BN and ReLU in the hidden layer only.
  m_predictor = register_module("predictor", mlpHead(dim, hidden, dim));
}

StepOutput SimSiamImpl::step(const Batch& batch) {
  const auto v = torch::cat({prepare(batch.images, m_context.augment), prepare(batch.images, m_context.augment)});
  const auto z = m_projector->forward(m_backbone->forward(v));
  const auto p = m_predictor->forward(z);
  const auto zs = z.chunk(2), ps = p.chunk(2);
  StepOutput out;
  out.loss = simSiamLoss(ps[0], ps[1], zs[0], zs[1]);
  return out;
}

}  // namespace pretext::methods

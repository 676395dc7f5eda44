#include "methods/barlow.h"

#include "dist/dist.h"

namespace pretext::methods {

MethodInfo BarlowTwinsImpl::describe() {
  MethodInfo m;
  m.name = "barlow";
  m.title = "Barlow Twins";
  m.family = "non-contrastive";
  m.paper = "Zbontar, Jing, Misra, LeCun & Deny 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction";
  m.description =
      "The embeddings of two views of a batch are standardised along the batch, and their cross-correlation "
      "matrix (embedding dimension by embedding dimension) is pushed towards the identity. The diagonal "
      "term makes every dimension agree between the two views (invariance to augmentation); the "
      "off-diagonal term decorrelates the dimensions, so that they cannot all carry the same information, "
      "which rules out collapse without negatives, momentum encoders or stop-gradients.";
  m.lossFormula = "C_ij = sum_b z1n_bi z2n_bj / B;  L = scale [sum_i (1 - C_ii)^2 + lambda sum_{i!=j} C_ij^2]";
  m.defaultAugment = "simclr";
  m.options = describeOptions(BarlowTwinsOptions::specs());
  return m;
}

const OptionSpecs<BarlowTwinsOptions>& BarlowTwinsOptions::specs() {
  static const OptionSpecs<BarlowTwinsOptions> specs = {
      integerOption("proj-dim", &BarlowTwinsOptions::projDim, 2, 65536,
                    "width of the 3-layer projector and of the embedding (paper 8192)"),
      realOption("lambda", &BarlowTwinsOptions::lambda, closedRange(0, 100),
                 "weight of the off-diagonal term; 0 picks 1/proj-dim (paper 5e-3 for 8192-d)"),
      realOption("scale", &BarlowTwinsOptions::scale, openBelow(0, 100),
                 "factor on the loss, about 1/proj-dim, so plain SGD steps stay small (authors' early code: 1/32 with LARS)"),
  };
  return specs;
}

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
  const auto o = parsedOptions<BarlowTwinsOptions>();
  const int64_t dim = o.projDim;
  m_lambda = o.lambda > 0 ? o.lambda : 1.0 / double(dim);  // 0 picks 1/proj-dim
  m_scale = o.scale;
  // Projector (sec. 2, "Implementation details"): three linear layers, BN and ReLU after the first two.
  m_projector = register_module("projector", threeLayerProjector(d, dim, /*lastBatchNorm=*/false));
}

StepOutput BarlowTwinsImpl::step(const Batch& batch) {
  const auto v = torch::cat({prepare(batch.images, m_context.augment), prepare(batch.images, m_context.augment)});
  const auto z = m_projector->forward(m_backbone->forward(v)).chunk(2);
  StepOutput out;
  // The cross-correlation of the global batch in a data-parallel run (each rank computes the same loss).
  out.loss = m_scale * barlowTwinsLoss(dist::gatherWithGradient(z[0]), dist::gatherWithGradient(z[1]), m_lambda);
  return out;
}

}  // namespace pretext::methods

#include "methods/simsiam.h"

namespace pretext::methods {

MethodInfo SimSiamImpl::describe() {
  MethodInfo m;
  m.name = "simsiam";
  m.title = "SimSiam";
  m.family = "non-contrastive";
  m.paper = "Chen & He 2021, Exploring Simple Siamese Representation Learning";
  m.description =
      "Two augmented views go through the same encoder and projector; a small predictor MLP on one branch "
      "must output the other branch's projection. Unlike BYOL there is no moving-average target: the other "
      "branch is the same network, and only a stop-gradient on it keeps the two from collapsing to a constant "
      "output (the paper shows that without it the features collapse at once). Agreeing across crops and "
      "colour changes teaches features of the object itself.";
  m.lossFormula = "D(p, z) = -cos(p, sg(z));  L = D(p1, z2)/2 + D(p2, z1)/2,  p = h(z), z = g(f(x)), sg = stop-gradient";
  m.defaultAugment = "simclr";
  m.options = describeOptions(SimSiamOptions::specs());
  return m;
}

const OptionSpecs<SimSiamOptions>& SimSiamOptions::specs() {
  static const OptionSpecs<SimSiamOptions> specs = {
      integerOption("proj-dim", &SimSiamOptions::projDim, 1, 65536,
                    "width of the 3-layer projector and of its output (paper 2048)"),
      integerOption("pred-hidden", &SimSiamOptions::predHidden, 1, 65536,
                    "bottleneck width of the predictor (paper 512, a quarter of the output)"),
  };
  return specs;
}

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
  const auto o = parsedOptions<SimSiamOptions>();
  const int64_t dim = o.projDim, hidden = o.predHidden;
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

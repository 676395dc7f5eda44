#include "methods/byol.h"

#include <cmath>

namespace pretext::methods {

MethodInfo ByolImpl::describe() {
  MethodInfo m;
  m.name = "byol";
  m.title = "BYOL";
  m.family = "non-contrastive";
  m.paper = "Grill et al. 2020, Bootstrap Your Own Latent";
  m.description =
      "No negatives at all: an online network with an extra predictor learns to predict the projection that a "
      "target network (a moving average of the online one) gives for another view of the same image. The "
      "predictor and the slowly moving target keep the two from collapsing to a constant.";
  m.lossFormula = "L = 2 - 2 cos(q(z_online(v1)), sg(z_target(v2))), symmetrised over the two views";
  m.defaultAugment = "simclr";
  m.options = describeOptions(ByolOptions::specs());
  return m;
}

const OptionSpecs<ByolOptions>& ByolOptions::specs() {
  static const OptionSpecs<ByolOptions> specs = {
      realOption("momentum", &ByolOptions::momentum, closedRange(0, 1),
                 "base momentum of the target network, raised to 1 by a cosine schedule (paper 0.996)"),
      integerOption("proj-dim", &ByolOptions::projDim, 1, 65536,
                    "output size of projector and predictor"),
      integerOption("hidden", &ByolOptions::hidden, 1, 65536,
                    "hidden width of projector and predictor (paper 4096)"),
  };
  return specs;
}

namespace F = torch::nn::functional;

torch::Tensor byolLoss(const torch::Tensor& p, const torch::Tensor& z) {
  const auto pn = F::normalize(p.to(torch::kFloat), F::NormalizeFuncOptions().dim(1));
  const auto zn = F::normalize(z.to(torch::kFloat).detach(), F::NormalizeFuncOptions().dim(1));
  return (2.0 - 2.0 * (pn * zn).sum(1)).mean();
}

double byolMomentum(double base, double progress) {
  return 1.0 - (1.0 - base) * (std::cos(M_PI * std::clamp(progress, 0.0, 1.0)) + 1.0) / 2.0;
}

ByolImpl::ByolImpl(const MethodContext& context) : MethodImpl("byol", context) {
  const auto o = parsedOptions<ByolOptions>();
  m_baseMomentum = o.momentum;
  const int64_t d = m_backbone->featureDim();
  const int64_t dim = o.projDim, hidden = o.hidden;
  m_projector = register_module("projector", mlpHead(d, hidden, dim));
  m_predictor = register_module("predictor", mlpHead(dim, hidden, dim));
  m_targetBackbone = register_module("target_backbone", models::makeBackbone(m_backbone->options()));
  m_targetProjector = register_module("target_projector", mlpHead(d, hidden, dim));
  makeFrozenCopy(*m_targetBackbone, *m_backbone);
  makeFrozenCopy(*m_targetProjector, *m_projector);
}

std::vector<torch::Tensor> ByolImpl::trainableParameters() {
  return parametersWithout(*this, "target_");
}

StepOutput ByolImpl::step(const Batch& batch) {
  const auto v = torch::cat({prepare(batch.images, m_context.augment), prepare(batch.images, m_context.augment)});
  const auto p = m_predictor->forward(m_projector->forward(m_backbone->forward(v))).chunk(2);
  torch::Tensor z;
  {
    torch::NoGradGuard noGrad;
    z = m_targetProjector->forward(m_targetBackbone->forward(v));
  }
  const auto zs = z.chunk(2);
  StepOutput out;
  // Symmetrised: view 1 predicts the target of view 2 and vice versa (BYOL sec. 3.1).
  out.loss = byolLoss(p[0], zs[1]) + byolLoss(p[1], zs[0]);
  return out;
}

void ByolImpl::afterOptimizerStep(double progress) {
  const double m = byolMomentum(m_baseMomentum, progress);
  momentumUpdate(*m_targetBackbone, *m_backbone, m);
  momentumUpdate(*m_targetProjector, *m_projector, m);
}

}  // namespace pretext::methods

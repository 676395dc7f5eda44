#include "methods/simclr.h"

#include "dist/dist.h"

namespace pretext::methods {

MethodInfo SimClrImpl::describe() {
  MethodInfo m;
  m.name = "simclr";
  m.graphSafeStep = true;
  m.title = "SimCLR";
  m.family = "contrastive";
  m.paper = "Chen, Kornblith, Norouzi & Hinton 2020, A Simple Framework for Contrastive Learning of Visual Representations";
  m.description =
      "Two random augmentations of the same image form a positive pair; the other 2N-2 views in the batch are "
      "negatives. A projection head maps features to a sphere where the NT-Xent loss pulls positives together "
      "and pushes negatives apart, so the encoder learns what survives cropping, colour changes and blur.";
  m.lossFormula = "l(i,j) = -log exp(sim(z_i,z_j)/t) / sum_{k!=i} exp(sim(z_i,z_k)/t),  sim = cosine";
  m.defaultAugment = "simclr";
  m.options = describeOptions(SimClrOptions::specs());
  return m;
}

const OptionSpecs<SimClrOptions>& SimClrOptions::specs() {
  static const OptionSpecs<SimClrOptions> specs = {
      realOption("temperature", &SimClrOptions::temperature, openBelow(0, 10),
                 "softmax temperature t of NT-Xent (paper: 0.1-0.5; 0.2 suits small batches)"),
      integerOption("proj-dim", &SimClrOptions::projDim, 1, 65536,
                    "output size of the projection head"),
  };
  return specs;
}

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
    : MethodImpl("simclr", context), m_options(parsedOptions<SimClrOptions>()) {
  const int64_t d = m_backbone->featureDim();
  m_projector = register_module("projector", mlpHead(d, std::max<int64_t>(d, 256), m_options.projDim));
}

StepOutput SimClrImpl::step(const Batch& batch) {
  const auto v1 = prepare(batch.images, m_context.augment);
  const auto v2 = prepare(batch.images, m_context.augment);
  const auto z = m_projector->forward(m_backbone->forward(torch::cat({v1, v2})));
  const auto halves = z.chunk(2);
  StepOutput out;
  // Negatives from the global batch in a data-parallel run (each rank computes the same loss).
  out.loss = ntXentLoss(dist::gatherWithGradient(halves[0]), dist::gatherWithGradient(halves[1]), m_options.temperature);
  return out;
}

}  // namespace pretext::methods

#include "methods/moco.h"

#include "dist/dist.h"

namespace pretext::methods {

MethodInfo MocoImpl::describe() {
  MethodInfo m;
  m.name = "moco";
  m.title = "MoCo v2";
  m.family = "contrastive";
  m.paper = "He et al. 2020, Momentum Contrast; Chen, Fan, Girshick & He 2020, Improved Baselines (v2)";
  m.description =
      "Like SimCLR, but the negatives come from a long queue of keys computed by a slowly moving copy of the "
      "encoder (its weights follow the trained encoder by an exponential moving average). The queue gives many "
      "negatives without a huge batch, and the momentum encoder keeps those keys consistent.";
  m.lossFormula = "L = -log exp(q.k+/t) / (exp(q.k+/t) + sum_{k- in queue} exp(q.k-/t));  theta_k <- m theta_k + (1-m) theta_q";
  m.defaultAugment = "simclr";
  m.options = describeOptions(MocoOptions::specs());
  return m;
}

const OptionSpecs<MocoOptions>& MocoOptions::specs() {
  static const OptionSpecs<MocoOptions> specs = {
      realOption("temperature", &MocoOptions::temperature, openBelow(0, 10),
                 "softmax temperature t (MoCo v2: 0.2)"),
      realOption("momentum", &MocoOptions::momentum, closedRange(0, 1),
                 "momentum m of the key encoder (paper 0.999 for long ImageNet runs)"),
      integerOption("queue", &MocoOptions::queue, 1, 1048576,
                    "number of negative keys kept in the queue (paper 65536)"),
      integerOption("proj-dim", &MocoOptions::projDim, 1, 65536,
                    "output size of the projection head"),
  };
  return specs;
}

namespace F = torch::nn::functional;

torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                          double temperature) {
  const auto positive = (q * k).sum(1, /*keepdim=*/true);  // [B, 1]
  const auto negative = torch::mm(q, queue);                // [B, K]
  const auto logits = torch::cat({positive, negative}, 1).to(torch::kFloat) / temperature;
  const auto labels = torch::zeros({q.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(q.device()));
  return F::cross_entropy(logits, labels);
}

MocoImpl::MocoImpl(const MethodContext& context) : MethodImpl("moco", context) {
  const auto o = parsedOptions<MocoOptions>();
  m_temperature = o.temperature;
  m_momentum = o.momentum;
  const int64_t d = m_backbone->featureDim();
  const int64_t dim = o.projDim, size = o.queue;
  const int64_t hidden = std::max<int64_t>(d, 256);
  m_projector = register_module("projector", mlpHead(d, hidden, dim));
  m_keyBackbone = register_module("key_backbone", models::makeBackbone(m_backbone->options()));
  m_keyProjector = register_module("key_projector", mlpHead(d, hidden, dim));
  makeFrozenCopy(*m_keyBackbone, *m_backbone);
  makeFrozenCopy(*m_keyProjector, *m_projector);
  m_queue = register_buffer("queue", F::normalize(torch::randn({dim, size}), F::NormalizeFuncOptions().dim(0)));
  m_queuePtr = register_buffer("queue_ptr", torch::zeros({1}, torch::kLong));
}

std::vector<torch::Tensor> MocoImpl::trainableParameters() {
  return parametersWithout(*this, "key_");
}

void MocoImpl::enqueue(const torch::Tensor& keys) {
  torch::NoGradGuard noGrad;
  const int64_t size = m_queue.size(1);
  const auto opts = torch::TensorOptions().dtype(torch::kLong).device(m_queue.device());
  const auto idx = (m_queuePtr + torch::arange(keys.size(0), opts)).remainder(size);
  m_queue.index_copy_(1, idx, keys.t().to(m_queue.dtype()));
  m_queuePtr.add_(keys.size(0)).remainder_(size);
}

StepOutput MocoImpl::step(const Batch& batch) {
  const auto v1 = prepare(batch.images, m_context.augment);
  const auto v2 = prepare(batch.images, m_context.augment);
  const auto q = F::normalize(m_projector->forward(m_backbone->forward(v1)), F::NormalizeFuncOptions().dim(1));
  torch::Tensor k;
  {
    torch::NoGradGuard noGrad;
    k = F::normalize(m_keyProjector->forward(m_keyBackbone->forward(v2)), F::NormalizeFuncOptions().dim(1));
  }
  StepOutput out;
  out.loss = infoNceLoss(q.to(torch::kFloat), k.to(torch::kFloat), m_queue.clone(), m_temperature);
  // The queue takes the keys of the global batch in a data-parallel run, in rank order.
  const auto keys = k.to(torch::kFloat);
  enqueue(dist::currentGroup() ? dist::currentGroup()->allGather(keys, "MoCo's keys") : keys);
  return out;
}

void MocoImpl::afterOptimizerStep(double) {
  momentumUpdate(*m_keyBackbone, *m_backbone, m_momentum);
  momentumUpdate(*m_keyProjector, *m_projector, m_momentum);
}

}  // namespace pretext::methods

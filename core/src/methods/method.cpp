// What every method shares: option checking and input preparation in the base class, and the
// pieces several methods build on (momentum encoders, projection heads, classification output).
#include "methods/method.h"

#include "dist/syncbn.h"

namespace pretext::methods {

MethodImpl::MethodImpl(const std::string& name, const MethodContext& context)
    : m_info(&methodInfo(name)), m_context(context) {
  checkOptionValues(name, m_info->options, context.options);
  m_backbone = register_module("backbone", models::makeBackbone(context.backbone));
}

torch::Tensor MethodImpl::prepare(const torch::Tensor& images, const AugmentConfig& augment) const {
  const auto x = augment::normalize(augment::apply(images, augment), m_context.mean, m_context.std);
  return m_context.channelsLast ? toChannelsLast(x) : x;
}

torch::Tensor toChannelsLast(const torch::Tensor& x) {
  if (x.dim() != 4) return x;
  if (x.size(1) > 1 && x.size(2) * x.size(3) > 1) return x.contiguous(torch::MemoryFormat::ChannelsLast);
  return torch::empty(x.sizes(), x.options().memory_format(torch::MemoryFormat::ChannelsLast)).copy_(x);
}

void copyWeights(torch::nn::Module& target, const torch::nn::Module& source) {
  torch::NoGradGuard noGrad;
  const auto src = source.named_parameters(true);
  for (auto& p : target.named_parameters(true)) p.value().copy_(src[p.key()]);
  const auto srcBuffers = source.named_buffers(true);
  for (auto& b : target.named_buffers(true)) b.value().copy_(srcBuffers[b.key()]);
}

void makeFrozenCopy(torch::nn::Module& target, const torch::nn::Module& source) {
  copyWeights(target, source);
  for (auto& p : target.parameters()) p.set_requires_grad(false);
}

std::vector<torch::Tensor> parametersWithout(const torch::nn::Module& module, const std::string& prefix) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.named_parameters(true)) {
    if (p.key().rfind(prefix, 0) != 0) out.push_back(p.value());
  }
  return out;
}

void momentumUpdate(torch::nn::Module& target, const torch::nn::Module& source, double m) {
  torch::NoGradGuard noGrad;
  const auto src = source.named_parameters(true);
  for (auto& p : target.named_parameters(true)) p.value().mul_(m).add_(src[p.key()], 1.0 - m);
  // Normalisation statistics follow the online network directly.
  const auto srcBuffers = source.named_buffers(true);
  for (auto& b : target.named_buffers(true)) b.value().copy_(srcBuffers[b.key()]);
}

StepOutput classificationOutput(const torch::Tensor& logits, const torch::Tensor& labels) {
  StepOutput out;
  out.loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), labels);
  out.accuracy = logits.argmax(1).eq(labels).to(torch::kFloat).mean().detach();
  return out;
}

torch::nn::Sequential mlpHead(int64_t in, int64_t hidden, int64_t out, bool lastBatchNorm) {
  torch::nn::Sequential head(torch::nn::Linear(torch::nn::LinearOptions(in, hidden).bias(false)),
                             dist::SyncableBatchNorm1d(hidden), torch::nn::ReLU(torch::nn::ReLUOptions(true)),
                             torch::nn::Linear(out > 0 ? torch::nn::LinearOptions(hidden, out) : torch::nn::LinearOptions(hidden, hidden)));
  if (lastBatchNorm) head->push_back(dist::SyncableBatchNorm1d(torch::nn::BatchNorm1dOptions(out).affine(false)));
  return head;
}

torch::nn::Sequential threeLayerProjector(int64_t in, int64_t dim, bool lastBatchNorm) {
  using dist::SyncableBatchNorm1d;  // torch's BatchNorm1d, synchronised in data-parallel training when asked
  using torch::nn::Linear;
  using torch::nn::LinearOptions;
  using torch::nn::ReLU;
  torch::nn::Sequential projector(Linear(LinearOptions(in, dim).bias(false)), SyncableBatchNorm1d(dim), ReLU(),
                                  Linear(LinearOptions(dim, dim).bias(false)), SyncableBatchNorm1d(dim), ReLU(),
                                  Linear(LinearOptions(dim, dim).bias(false)));
  if (lastBatchNorm) projector->push_back(SyncableBatchNorm1d(torch::nn::BatchNorm1dOptions(dim).affine(false)));
  return projector;
}

}  // namespace pretext::methods

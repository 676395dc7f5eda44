#include "methods/supervised.h"

namespace pretext::methods {

SupervisedImpl::SupervisedImpl(const MethodContext& context) : MethodImpl("supervised", context) {
  m_head = register_module("head", torch::nn::Linear(m_backbone->featureDim(), context.numClasses));
}

StepOutput SupervisedImpl::step(const Batch& batch) {
  const auto logits = m_head(m_backbone->forward(prepare(batch.images, m_context.augment)));
  const auto labels = batch.labels.to(logits.device());
  StepOutput out;
  out.loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), labels);
  out.accuracy = logits.argmax(1).eq(labels).to(torch::kFloat).mean().detach();
  return out;
}

}  // namespace pretext::methods

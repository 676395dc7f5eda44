#include "methods/supervised.h"

namespace pretext::methods {

SupervisedImpl::SupervisedImpl(const MethodContext& context) : MethodImpl("supervised", context) {
  m_head = register_module("head", torch::nn::Linear(m_backbone->featureDim(), context.numClasses));
}

StepOutput SupervisedImpl::step(const Batch& batch) {
  const auto logits = m_head(m_backbone->forward(prepare(batch.images, m_context.augment)));
  return classificationOutput(logits, batch.labels.to(logits.device()));
}

}  // namespace pretext::methods

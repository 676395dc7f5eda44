#include "methods/supervised.h"

namespace pretext::methods {

MethodInfo SupervisedImpl::describe() {
  MethodInfo m;
  m.name = "supervised";
  m.title = "Supervised";
  m.family = "baseline";
  m.paper = "the ceiling: training with the labels";
  m.description =
      "A linear classifier on the encoder's pooled features, trained with the true labels and cross-entropy. "
      "It is the upper reference: self-supervised methods try to come close to it without ever seeing a label.";
  m.lossFormula = "L = -log softmax(W f(x))[y]";
  m.usesLabels = true;
  m.defaultAugment = "light";
  return m;
}

SupervisedImpl::SupervisedImpl(const MethodContext& context) : MethodImpl("supervised", context) {
  m_head = register_module("head", torch::nn::Linear(m_backbone->featureDim(), context.numClasses));
}

StepOutput SupervisedImpl::step(const Batch& batch) {
  const auto logits = m_head(m_backbone->forward(prepare(batch.images, m_context.augment)));
  return classificationOutput(logits, batch.labels.to(logits.device()));
}

}  // namespace pretext::methods

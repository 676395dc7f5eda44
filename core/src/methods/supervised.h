// The supervised baseline: a linear classifier on the pooled features, trained with the labels.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

class SupervisedImpl final : public MethodImpl {
 public:
  explicit SupervisedImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

 private:
  torch::nn::Linear m_head{nullptr};
};

}  // namespace pretext::methods

// Random init: the baseline that does not train; the encoder is evaluated as built.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

class RandomInitImpl final : public MethodImpl {
 public:
  explicit RandomInitImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  /// Throws std::logic_error: random init does not train.
  StepOutput step(const Batch& batch) override;
};

}  // namespace pretext::methods

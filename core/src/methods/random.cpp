#include "methods/random.h"

#include <stdexcept>

namespace pretext::methods {

MethodInfo RandomInitImpl::describe() {
  MethodInfo m;
  m.name = "random";
  m.title = "Random init";
  m.family = "baseline";
  m.paper = "the floor every method is compared with";
  m.description =
      "No training at all: the encoder keeps its random initial weights. Random convolutional features are "
      "surprisingly good for k-NN on simple images (about 72-78% on Fashion-MNIST), so a self-supervised "
      "method has to beat this number to show that it learned anything.";
  m.lossFormula = "none";
  m.trains = false;
  m.defaultAugment = "none";
  return m;
}

RandomInitImpl::RandomInitImpl(const MethodContext& context) : MethodImpl("random", context) {}

StepOutput RandomInitImpl::step(const Batch&) {
  throw std::logic_error("random init does not train; evaluate it directly");
}

}  // namespace pretext::methods

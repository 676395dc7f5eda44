// Linear probe on frozen features: multinomial logistic regression (the per-layer protocol of
// Zhang et al. 2016/2017 and Noroozi & Favaro 2016, the seed's Table 5).
#pragma once

#include "pretext/evaluation.h"

#include <torch/torch.h>

#include <functional>

namespace pretext::eval {

/// Standardises both sets with the training set's per-feature mean and standard deviation
/// (features constant on the training set are only centred).
std::pair<torch::Tensor, torch::Tensor> standardise(const torch::Tensor& train, const torch::Tensor& test);

struct ProbeFit {
  torch::Tensor weight;   ///< [K, D]
  torch::Tensor bias;     ///< [K]
  double trainAccuracy = 0.0;
  double testAccuracy = 0.0;
  double finalLoss = 0.0; ///< mean cross-entropy on the training set after the last step
  torch::Tensor testPredictions;  ///< [M] long: argmax class of each test feature
  torch::Tensor testConfidence;   ///< [M] float: its softmax probability
};

/// Softmax regression from zero weights: cross-entropy, SGD with momentum (PyTorch's
/// convention v = mu v + g, w -= lr v), weight decay on the weights only, learning rate
/// lr * (1 + cos(pi t / T)) / 2 at step t of T. batchSize 0 is full-batch (deterministic); else
/// shuffled minibatches from `seed`. Features are used as given (standardise first).
/// `afterEpoch(epoch)`, when given, is called after each epoch (0-based); it may throw to stop.
ProbeFit trainLinearProbe(const torch::Tensor& trainX, const torch::Tensor& trainY, const torch::Tensor& testX,
                          const torch::Tensor& testY, int64_t numClasses, const LinearProbeOptions& options,
                          const torch::Device& device = torch::kCPU,
                          const std::function<void(int)>& afterEpoch = {});

}  // namespace pretext::eval

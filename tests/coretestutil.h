// Helpers shared by the core tests that use LibTorch: the deterministic inputs the reference scripts
// (tests/reference/*_references.py) rebuild, and an observer that stops a run after N steps.
#pragma once

#include "shapesrun.h"

#include <pretext/training.h>

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace coretest {

/// x[i, j] = sin(0.7 i + 1.3 j + phase) + 0.1 j, as the reference scripts' fixed(rows, cols, phase).
inline torch::Tensor fixed(int64_t rows, int64_t cols, double phase) {
  const auto i = torch::arange(rows, torch::kDouble).unsqueeze(1);
  const auto j = torch::arange(cols, torch::kDouble).unsqueeze(0);
  return (torch::sin(0.7 * i + 1.3 * j + phase) + 0.1 * j).to(torch::kFloat);
}

/// Rows (dim 1) or columns (dim 0) scaled to unit length.
inline torch::Tensor unit(const torch::Tensor& x, int64_t dim = 1) {
  return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(dim));
}

/// Records every step's loss and every epoch's k-NN accuracy; asks `trainer` to stop after `after` steps.
struct StopAfter : pretext::TrainingObserver {
  pretext::Trainer* trainer = nullptr;
  std::int64_t steps = 0, after = 0;
  std::vector<double> losses, knn;
  void onStep(const pretext::StepReport& r) override {
    losses.push_back(r.loss);
    if (++steps == after && trainer) trainer->requestStop();
  }
  void onEpoch(const pretext::EpochReport& r) override { knn.push_back(r.knnAccuracy); }
};

}  // namespace coretest

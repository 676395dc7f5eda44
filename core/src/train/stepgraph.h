// One whole training step (batch gather, augmentation, forward, backward, optimizer update)
// recorded once as a CUDA graph and replayed: the GPU runs the step's ~1,000 kernels without the
// CPU launching each one. Used on CUDA for the methods whose step has no host synchronisation and
// no host-side state (TrainConfig::cudaGraphs).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <utility>

namespace pretext::train {

class StepGraph {
 public:
  /// The step: reads the batch's indices and the learning rate from the given device tensors
  /// (the graph's static inputs) and returns (loss, accuracy or undefined).
  using StepFn = std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor& indices, const torch::Tensor& lr)>;

  /// Whether this build has CUDA graphs (a CUDA LibTorch 2.x).
  static bool available();

  StepGraph(int64_t batch, const torch::Device& device);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  /// One training step on the images `indices` [batch] (long, on the device) at learning rate
  /// `lr`. The first calls run `step` eagerly on a side stream (warm-up: cuDNN/cuBLAS choices,
  /// optimizer state), the next records it; from then on the graph is replayed. Returns copies of
  /// the loss and accuracy. Throws when the step cannot be recorded (the step was then not run).
  std::pair<torch::Tensor, torch::Tensor> step(const torch::Tensor& indices, double lr, const StepFn& step);

  bool captured() const;

  /// Eager warm-up steps before the capture.
  static constexpr int kWarmupSteps = 3;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace pretext::train

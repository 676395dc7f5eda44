// Optimizers (SGD with momentum, LARS, AdamW) and the cosine schedule with linear warm-up.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace pretext::train {

struct OptimizerSetup {
  std::string name;        ///< sgd, lars or adamw
  double learningRate;     ///< peak learning rate (after warm-up)
  double weightDecay;
  double momentum;
  /// SGD/LARS: update all parameters of a group with a few multi-tensor (_foreach) kernels instead
  /// of four kernels per parameter; the same arithmetic as torch::optim::SGD and the same state
  /// (momentum buffers in the torch optimizer, so checkpoints do not change).
  bool foreach = true;
};

/// Parameters of rank <= 1 (biases, norm scales) get no weight decay and, for LARS, no trust-ratio
/// adaptation, as in You et al. 2017 and the SimCLR/BYOL recipes.
class Optimizer {
 public:
  Optimizer(const OptimizerSetup& setup, const std::vector<torch::Tensor>& parameters);
  void zeroGrad();
  /// Applies one update; `lr` is the scheduled learning rate of this step.
  void step(double lr);
  /// The same with the learning rate in a device tensor (0-dim float), for a step recorded as a
  /// CUDA graph. SGD and LARS with `foreach` only.
  void step(const torch::Tensor& lr);
  /// SGD or LARS updating with multi-tensor kernels: the only setups that take a device learning rate.
  bool foreachSgd() const { return m_setup.foreach && (m_setup.name == "sgd" || m_setup.name == "lars"); }
  torch::optim::Optimizer& torchOptimizer() { return *m_optimizer; }
  const OptimizerSetup& setup() const { return m_setup; }

 private:
  void larsAdapt();
  /// `lr`: the learning rate as a device tensor; undefined: each group's options().lr().
  void foreachSgdStep(const torch::Tensor& lr = {});

  OptimizerSetup m_setup;
  std::vector<torch::Tensor> m_matrices;  ///< rank >= 2: decayed (and LARS-adapted)
  std::vector<torch::Tensor> m_vectors;   ///< rank <= 1
  std::unique_ptr<torch::optim::Optimizer> m_optimizer;
};

/// Learning-rate factor in [0, 1] at `step` of `total`: linear warm-up over `warmup` steps, then
/// cosine decay to zero (Loshchilov & Hutter 2017).
double cosineWithWarmup(int64_t step, int64_t total, int64_t warmup);

}  // namespace pretext::train

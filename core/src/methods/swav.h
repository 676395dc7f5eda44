// SwAV (Caron, Misra, Mairal, Goyal, Bojanowski & Joulin 2020): online clustering with trainable
// prototypes; each view predicts the cluster code that Sinkhorn-Knopp gives the other view.
#pragma once

#include "methods/method.h"

namespace pretext::dist {
class ProcessGroup;
}

namespace pretext::methods {

/// SwAV eq. (3)-(5) and its Algorithm 1: codes Q [B, K] from prototype scores [B, K] with the
/// entropic equipartition constraint, by `iterations` Sinkhorn-Knopp steps on exp(scores / epsilon).
/// Every row of Q sums to 1 (a distribution over prototypes per image) and every column sums to
/// B / K as the iterations converge (prototypes used equally). No gradient.
/// With a `group` of several ranks, `scores` are this rank's rows of the global batch and the
/// equipartition holds over the global batch: the total mass and every prototype's mass are
/// all-reduced each iteration, B is the global row count (the SwAV code's distributed_sinkhorn;
/// the ranks may hold different row counts). Returns this rank's rows of the global codes.
torch::Tensor sinkhornKnopp(const torch::Tensor& scores, double epsilon, int64_t iterations,
                            dist::ProcessGroup* group = nullptr);

/// SwAV eq. (2)-(3): l(z_t, q_s) = -sum_k q_s^(k) log softmax(z_t . c / tau)^(k); the swapped loss
/// [l(z1, q2) + l(z2, q1)] / 2, mean over the batch. `scores1/2` [B, K] are z . C^T of each view,
/// `codes1/2` [B, K] their Sinkhorn codes (treated as constants).
torch::Tensor swavLoss(const torch::Tensor& scores1, const torch::Tensor& scores2, const torch::Tensor& codes1,
                       const torch::Tensor& codes2, double temperature);

/// The options of SwAV; names, ranges and help in specs().
struct SwavOptions {
  int64_t prototypes = 100;
  double temperature = 0.1;
  double epsilon = 0.05;
  int64_t sinkhornIters = 3;
  int64_t freezeSteps = 100;
  int64_t queue = 0;
  int64_t projDim = 128;
  static const OptionSpecs<SwavOptions>& specs();
};

class SwavImpl final : public MethodImpl {
 public:
  explicit SwavImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  void afterOptimizerStep(double progress) override;
  /// Prototypes C [K, dim], unit rows.
  torch::Tensor prototypes() const { return m_prototypes->weight; }
  /// [2, L, dim] features of earlier batches (empty when --queue 0).
  const torch::Tensor& queue() const { return m_queue; }
  /// Optimizer steps taken (int64 [1]): the prototypes are frozen while it is below --freeze-steps.
  const torch::Tensor& steps() const { return m_steps; }

 private:
  /// Codes of the batch's scores [B, K], with the queue's scores when the queue is full.
  torch::Tensor codes(const torch::Tensor& scores, int64_t view);
  void enqueue(const torch::Tensor& z1, const torch::Tensor& z2);

  torch::nn::Sequential m_projector{nullptr};
  torch::nn::Linear m_prototypes{nullptr};
  torch::Tensor m_queue;       ///< [2, L, dim]
  torch::Tensor m_queueCount;  ///< int64 [2]: features written so far (capped at L), and the write position
  torch::Tensor m_steps;       ///< int64 [1]
  int64_t m_queueFilled = -1;  ///< host copy of m_queueCount[0]; -1 until read after construction/resume
  double m_temperature, m_epsilon;
  int64_t m_iterations, m_freezeSteps;
};

}  // namespace pretext::methods

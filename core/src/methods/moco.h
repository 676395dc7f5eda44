// MoCo v2 (He et al. 2020; Chen et al. 2020): a queue of keys from a momentum encoder.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// InfoNCE, MoCo eq. (1): q and k are L2-normalised [B, D], queue [D, K] normalised negatives;
/// logits [B, 1 + K] = (q.k+, q.queue) / t, and the positive is class 0.
torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                          double temperature);

/// The options of MoCo v2; names, ranges and help in specs().
struct MocoOptions {
  double temperature = 0.2;
  double momentum = 0.99;
  int64_t queue = 4096;
  int64_t projDim = 128;
  static const OptionSpecs<MocoOptions>& specs();
};

class MocoImpl final : public MethodImpl {
 public:
  explicit MocoImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  void afterOptimizerStep(double progress) override;
  std::vector<torch::Tensor> trainableParameters() override;
  /// Writes keys [B, D] into the queue at its pointer, wrapping around (no host synchronisation).
  void enqueue(const torch::Tensor& keys);
  const torch::Tensor& queue() const { return m_queue; }
  const torch::Tensor& queuePointer() const { return m_queuePtr; }

 private:
  torch::nn::Sequential m_projector{nullptr};
  models::Backbone m_keyBackbone;
  torch::nn::Sequential m_keyProjector{nullptr};
  torch::Tensor m_queue;     ///< [D, K]
  torch::Tensor m_queuePtr;  ///< int64 [1]
  double m_temperature, m_momentum;
};

}  // namespace pretext::methods

// BYOL (Grill et al. 2020): predict a moving-average target's projection of another view.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// BYOL eq. (2): 2 - 2 cos(p, z) per pair, averaged over the batch (z is the target, no gradient).
torch::Tensor byolLoss(const torch::Tensor& p, const torch::Tensor& z);

/// BYOL's target momentum at `progress` in [0,1]: 1 - (1 - base) (cos(pi progress) + 1) / 2.
double byolMomentum(double base, double progress);

/// The options of BYOL; names, ranges and help in specs().
struct ByolOptions {
  double momentum = 0.99;
  int64_t projDim = 128;
  int64_t hidden = 512;
  static const OptionSpecs<ByolOptions>& specs();
};

class ByolImpl final : public MethodImpl {
 public:
  explicit ByolImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  void afterOptimizerStep(double progress) override;
  std::vector<torch::Tensor> trainableParameters() override;

 private:
  torch::nn::Sequential m_projector{nullptr};
  torch::nn::Sequential m_predictor{nullptr};
  models::Backbone m_targetBackbone;
  torch::nn::Sequential m_targetProjector{nullptr};
  double m_baseMomentum;
};

}  // namespace pretext::methods

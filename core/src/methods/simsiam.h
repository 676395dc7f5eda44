// SimSiam (Chen & He 2021): a Siamese network whose one branch predicts the other's projection,
// with a stop-gradient instead of negatives or a momentum encoder.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// SimSiam eq. (1)-(2), Chen & He 2021: D(p, z) = -cos(p, sg(z)), and
/// L = D(p1, sg(z2)) / 2 + D(p2, sg(z1)) / 2, averaged over the batch. No gradient reaches z1, z2.
torch::Tensor simSiamLoss(const torch::Tensor& p1, const torch::Tensor& p2, const torch::Tensor& z1,
                          const torch::Tensor& z2);

/// The options of SimSiam; names, ranges and help in specs().
struct SimSiamOptions {
  int64_t projDim = 256;
  int64_t predHidden = 64;
  static const OptionSpecs<SimSiamOptions>& specs();
};

class SimSiamImpl final : public MethodImpl {
 public:
  explicit SimSiamImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

 private:
  torch::nn::Sequential m_projector{nullptr};
  torch::nn::Sequential m_predictor{nullptr};
};

}  // namespace pretext::methods

// SimCLR (Chen et al. 2020): two views, a projection head, and the NT-Xent loss.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// NT-Xent, SimCLR eq. (1): for 2N projections, each view's positive is the other view of its image
/// and the remaining 2N-2 views are negatives; cosine similarity over temperature; mean over all 2N.
torch::Tensor ntXentLoss(const torch::Tensor& z1, const torch::Tensor& z2, double temperature);

class SimClrImpl final : public MethodImpl {
 public:
  explicit SimClrImpl(const MethodContext& context);
  StepOutput step(const Batch& batch) override;

 private:
  torch::nn::Sequential m_projector{nullptr};
  double m_temperature;
};

}  // namespace pretext::methods

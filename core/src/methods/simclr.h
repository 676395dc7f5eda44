// SimCLR (Chen et al. 2020): two views, a projection head, and the NT-Xent loss.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// NT-Xent, SimCLR eq. (1): for 2N projections, each view's positive is the other view of its image
/// and the remaining 2N-2 views are negatives; cosine similarity over temperature; mean over all 2N.
torch::Tensor ntXentLoss(const torch::Tensor& z1, const torch::Tensor& z2, double temperature);

/// The options of SimCLR; names, ranges and help in specs().
struct SimClrOptions {
  double temperature = 0.2;
  int64_t projDim = 128;
  static const OptionSpecs<SimClrOptions>& specs();
};

class SimClrImpl final : public MethodImpl {
 public:
  explicit SimClrImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

 private:
  torch::nn::Sequential m_projector{nullptr};
  SimClrOptions m_options;
};

}  // namespace pretext::methods

// Barlow Twins (Zbontar, Jing, Misra, LeCun & Deny 2021): make the cross-correlation matrix of the
// two views' embeddings the identity (invariance on the diagonal, redundancy reduction off it).
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// The cross-correlation matrix of Barlow Twins eq. (2): each view's embedding [B, D] standardised
/// along the batch (mean 0, biased variance 1, as the authors' BatchNorm), C = z1n^T z2n / B, [D, D].
torch::Tensor barlowCrossCorrelation(const torch::Tensor& z1, const torch::Tensor& z2);

/// Barlow Twins eq. (1): L = sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2.
torch::Tensor barlowTwinsLoss(const torch::Tensor& z1, const torch::Tensor& z2, double lambda);

/// Trains with scale * barlowTwinsLoss: the loss of a D-dimensional embedding grows with D, and
/// plain SGD (unlike the paper's LARS) needs it scaled down (the authors' first code had 1/32).
/// The options of Barlow Twins; names, ranges and help in specs().
struct BarlowTwinsOptions {
  int64_t projDim = 256;
  double lambda = 0.0;
  double scale = 0.005;
  static const OptionSpecs<BarlowTwinsOptions>& specs();
};

class BarlowTwinsImpl final : public MethodImpl {
 public:
  explicit BarlowTwinsImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  double lambda() const { return m_lambda; }

 private:
  torch::nn::Sequential m_projector{nullptr};
  double m_lambda, m_scale;
};

}  // namespace pretext::methods

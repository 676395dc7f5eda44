// Synchronized BatchNorm for data-parallel runs: in training mode inside a job whose ranks agreed to
// it, a BatchNorm layer normalises with the mean and variance of the global batch, and its backward
// hands every rank the gradient of the global statistics (PyTorch's SyncBatchNorm). Everywhere else
// (one process, evaluation, the switch off) the layers are torch's BatchNorm1d/2d, unchanged.
#pragma once

#include <torch/torch.h>

namespace pretext::dist {

class ProcessGroup;

/// Batch normalisation of `x` [N, C, ...] over the union of the ranks' batches (sizes may differ):
/// each rank's count, mean and centred sum of squares are all-gathered and combined (Chan et al.'s
/// parallel variance, stable where E[x^2] - E[x]^2 is not). Updates `runningMean` / `runningVar`
/// (when defined) with `momentum` and the global unbiased variance, identically on every rank.
/// Backward: the ranks' sums of dy and dy * x_hat are all-reduced, so that each rank gets its rows'
/// gradient of the sum of all ranks' losses; weight and bias get this rank's share, which the
/// gradient averaging then completes. `weight` and `bias` may be undefined (no affine).
torch::Tensor syncBatchNorm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            const torch::Tensor& runningMean, const torch::Tensor& runningVar, double momentum,
                            double eps, ProcessGroup& group);

/// The group whose BatchNorm layers synchronise on the calling thread, or null: the current group
/// (currentGroup()) when it has several ranks and a ScopedSyncBatchNorm switched it on.
ProcessGroup* syncBatchNormGroup();

/// Switches synchronized BatchNorm on (or off) for the calling thread while it lives.
class ScopedSyncBatchNorm {
 public:
  explicit ScopedSyncBatchNorm(bool on);
  ~ScopedSyncBatchNorm();
  ScopedSyncBatchNorm(const ScopedSyncBatchNorm&) = delete;
  ScopedSyncBatchNorm& operator=(const ScopedSyncBatchNorm&) = delete;

 private:
  bool m_previous;
};

namespace detail {
/// The forward of a BatchNorm layer: synchronised when syncBatchNormGroup() says so.
template <typename Base>
torch::Tensor batchNormForward(Base& bn, const torch::Tensor& x) {
  ProcessGroup* group = bn.is_training() ? syncBatchNormGroup() : nullptr;
  if (!group) return bn.Base::forward(x);
  double momentum = 0.0;
  if (bn.options.track_running_stats()) {
    torch::NoGradGuard noGrad;
    bn.num_batches_tracked.add_(1);
    momentum = bn.options.momentum() ? *bn.options.momentum() : 1.0 / bn.num_batches_tracked.template item<double>();
  }
  return syncBatchNorm(x, bn.options.affine() ? bn.weight : torch::Tensor(),
                       bn.options.affine() ? bn.bias : torch::Tensor(),
                       bn.options.track_running_stats() ? bn.running_mean : torch::Tensor(),
                       bn.options.track_running_stats() ? bn.running_var : torch::Tensor(), momentum,
                       bn.options.eps(), *group);
}
}  // namespace detail

/// torch::nn::BatchNorm1d that synchronises in data-parallel training (see syncBatchNorm): the same
/// parameters, buffers and names, so checkpoints and module->as<torch::nn::BatchNorm1d>() see no
/// difference.
class SyncableBatchNorm1dImpl : public torch::nn::BatchNorm1dImpl {
 public:
  explicit SyncableBatchNorm1dImpl(int64_t features) : torch::nn::BatchNorm1dImpl(torch::nn::BatchNorm1dOptions(features)) {}
  explicit SyncableBatchNorm1dImpl(const torch::nn::BatchNorm1dOptions& options) : torch::nn::BatchNorm1dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return detail::batchNormForward<torch::nn::BatchNorm1dImpl>(*this, x);
  }
};
TORCH_MODULE(SyncableBatchNorm1d);

/// torch::nn::BatchNorm2d that synchronises in data-parallel training (see SyncableBatchNorm1d).
class SyncableBatchNorm2dImpl : public torch::nn::BatchNorm2dImpl {
 public:
  explicit SyncableBatchNorm2dImpl(int64_t features) : torch::nn::BatchNorm2dImpl(torch::nn::BatchNorm2dOptions(features)) {}
  explicit SyncableBatchNorm2dImpl(const torch::nn::BatchNorm2dOptions& options) : torch::nn::BatchNorm2dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return detail::batchNormForward<torch::nn::BatchNorm2dImpl>(*this, x);
  }
};
TORCH_MODULE(SyncableBatchNorm2d);

}  // namespace pretext::dist

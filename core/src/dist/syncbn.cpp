// Synchronized BatchNorm (see syncbn.h): an autograd function on ProcessGroup's collectives.
#include "dist/syncbn.h"

#include "dist/dist.h"

#if PRETEXT_DEFINE_BATCHNORM_PRINT
// LibTorch 1.13 instantiates BatchNormImplBase's pretty_print inside libtorch without exporting it,
// and the vtables of classes derived from BatchNorm1d/2d (SyncableBatchNorm1d/2d) refer to it:
// defined here, printing what torch's does (CMake sets the macro where the header only declares it).
namespace torch::nn {
namespace {
template <size_t D>
void printBatchNorm(std::ostream& stream, const BatchNormOptions& o) {
  stream << std::boolalpha << "torch::nn::BatchNorm" << D << "d(" << o.num_features() << ", eps=" << o.eps()
         << ", momentum=";
  if (o.momentum()) stream << *o.momentum();
  else stream << "None";
  stream << ", affine=" << o.affine() << ", track_running_stats=" << o.track_running_stats() << ")";
}
}  // namespace
template <>
void BatchNormImplBase<1, BatchNorm1dImpl>::pretty_print(std::ostream& stream) const {
  printBatchNorm<1>(stream, options);
}
template <>
void BatchNormImplBase<2, BatchNorm2dImpl>::pretty_print(std::ostream& stream) const {
  printBatchNorm<2>(stream, options);
}
}  // namespace torch::nn
#endif

namespace pretext::dist {

namespace {

thread_local bool t_syncBatchNorm = false;

/// [1, C, 1, ...] for broadcasting a per-channel vector against x.
torch::Tensor channels(const torch::Tensor& v, int64_t dims) {
  std::vector<int64_t> shape(size_t(dims), 1);
  shape[1] = v.size(0);
  return v.view(shape);
}

std::vector<int64_t> reducedDims(const torch::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

struct SyncBatchNormFunction : torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias, torch::Tensor runningMean,
                               torch::Tensor runningVar, double momentum, double eps, int64_t groupAddress) {
    auto& group = *reinterpret_cast<ProcessGroup*>(groupAddress);
    TORCH_CHECK(input.dim() >= 2, "synchronized BatchNorm: expected [N, C, ...], got ", input.sizes());
    // Statistics in float at least (as BatchNorm under autocast), double stays double.
    const auto x = input.scalar_type() == torch::kDouble ? input : input.to(torch::kFloat);
    const int64_t c = x.size(1);
    const auto dims = reducedDims(x);
    const double count = double(x.numel() / std::max<int64_t>(1, c));
    torch::Tensor mean, m2;
    if (count > 0) {
      auto [var, m] = torch::var_mean(x, dims, /*unbiased=*/false);
      mean = m;
      m2 = var * count;
    } else {
      mean = torch::zeros({c}, x.options());
      m2 = torch::zeros({c}, x.options());
    }
    // Every rank's (count, mean, M2), combined in rank order (Chan et al.).
    const auto mine = torch::cat({torch::full({1}, count, x.options()), mean, m2}).unsqueeze(0);
    const auto all = group.allGather(mine, "the BatchNorm statistics").view({group.size(), 2 * c + 1});
    const auto counts = all.slice(1, 0, 1);                 // [W, 1]
    const auto means = all.slice(1, 1, 1 + c);               // [W, C]
    const auto m2s = all.slice(1, 1 + c, 1 + 2 * c);         // [W, C]
    const double n = counts.sum().item<double>();
    TORCH_CHECK(n > 1, "synchronized BatchNorm: needs more than one value per channel over the global batch");
    const auto globalMean = (means * counts).sum(0) / n;
    const auto globalM2 = (m2s + counts * (means - globalMean).pow(2)).sum(0);
    const auto var = globalM2 / n;
    const auto invstd = (var + eps).rsqrt();
    if (runningMean.numel() > 0) {
      torch::NoGradGuard noGrad;
      runningMean.mul_(1.0 - momentum).add_(globalMean.to(runningMean.dtype()), momentum);
      runningVar.mul_(1.0 - momentum).add_((globalM2 / (n - 1.0)).to(runningVar.dtype()), momentum);
    }
    const auto xhat = (x - channels(globalMean, x.dim())) * channels(invstd, x.dim());
    // A new tensor either way: the output may be changed in place (ReLU(inplace)), xhat is saved.
    auto y = weight.numel() > 0 ? xhat * channels(weight.to(x.scalar_type()), x.dim()) + channels(bias.to(x.scalar_type()), x.dim())
                              : xhat.clone();
    ctx->save_for_backward({xhat, invstd, weight});
    ctx->saved_data["group"] = groupAddress;
    ctx->saved_data["count"] = n;
    ctx->saved_data["inputType"] = int64_t(input.scalar_type());
    return y.to(input.scalar_type());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto& group = *reinterpret_cast<ProcessGroup*>(ctx->saved_data["group"].toInt());
    const double n = ctx->saved_data["count"].toDouble();
    const auto inputType = c10::ScalarType(ctx->saved_data["inputType"].toInt());
    const auto saved = ctx->get_saved_variables();
    const auto& xhat = saved[0];
    const auto& invstd = saved[1];
    const auto& weight = saved[2];
    const auto dy = grads[0].to(xhat.scalar_type());
    const int64_t c = xhat.size(1);
    const auto dims = reducedDims(xhat);
    const auto sumDy = dy.sum(dims);
    const auto sumDyXhat = (dy * xhat).sum(dims);
    // The sums over the global batch: every rank's rows enter every rank's statistics.
    auto sums = torch::cat({sumDy, sumDyXhat});
    group.allReduceSum(sums, "the BatchNorm gradient sums");
    const auto meanDy = sums.slice(0, 0, c) / n;
    const auto meanDyXhat = sums.slice(0, c, 2 * c) / n;
    auto scale = invstd;
    if (weight.numel() > 0) scale = scale * weight.to(xhat.scalar_type());
    const auto dx = (dy - channels(meanDy, xhat.dim()) - xhat * channels(meanDyXhat, xhat.dim())) * channels(scale, xhat.dim());
    torch::Tensor dWeight, dBias;
    if (weight.numel() > 0) {
      dWeight = sumDyXhat.to(weight.scalar_type());  // this rank's share
      dBias = sumDy.to(weight.scalar_type());
    }
    return {dx.to(inputType), dWeight, dBias, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor syncBatchNorm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            const torch::Tensor& runningMean, const torch::Tensor& runningVar, double momentum,
                            double eps, ProcessGroup& group) {
  // Autograd's custom functions take no undefined tensors: an empty one stands for "none".
  const auto none = torch::empty({0}, x.options());
  const auto orNone = [&](const torch::Tensor& t) { return t.defined() ? t : none; };
  return SyncBatchNormFunction::apply(x, orNone(weight), orNone(bias), orNone(runningMean), orNone(runningVar), momentum,
                                      eps, int64_t(reinterpret_cast<intptr_t>(&group)));
}

ProcessGroup* syncBatchNormGroup() {
  ProcessGroup* g = currentGroup();
  return t_syncBatchNorm && g && g->size() > 1 ? g : nullptr;
}

ScopedSyncBatchNorm::ScopedSyncBatchNorm(bool on) : m_previous(t_syncBatchNorm) { t_syncBatchNorm = on; }
ScopedSyncBatchNorm::~ScopedSyncBatchNorm() { t_syncBatchNorm = m_previous; }

}  // namespace pretext::dist

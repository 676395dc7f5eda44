#include "eval/linearprobe.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace pretext::eval {

std::pair<torch::Tensor, torch::Tensor> standardise(const torch::Tensor& train, const torch::Tensor& test) {
  const auto mean = train.mean(0, /*keepdim=*/true);
  auto std = train.std(0, /*unbiased=*/false, /*keepdim=*/true);
  std = torch::where(std > 1e-6, std, torch::ones_like(std));
  return {(train - mean) / std, (test - mean) / std};
}

namespace {

double accuracy(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& w, const torch::Tensor& b) {
  if (x.size(0) == 0) return 0.0;
  int64_t correct = 0;
  for (int64_t i = 0; i < x.size(0); i += 8192) {
    const auto xs = x.slice(0, i, std::min(i + 8192, x.size(0)));
    const auto pred = torch::addmm(b, xs, w.t()).argmax(1);
    correct += pred.eq(y.slice(0, i, i + xs.size(0))).sum().item<int64_t>();
  }
  return double(correct) / double(x.size(0));
}

}  // namespace

ProbeFit trainLinearProbe(const torch::Tensor& trainX, const torch::Tensor& trainY, const torch::Tensor& testX,
                          const torch::Tensor& testY, int64_t numClasses, const LinearProbeOptions& o,
                          const torch::Device& device, const std::function<void(int)>& afterEpoch) {
  if (o.epochs < 1) throw std::invalid_argument("linear probe: epochs must be at least 1, got " + std::to_string(o.epochs));
  if (o.batchSize < 0) throw std::invalid_argument("linear probe: batch size must be >= 0 (0: full batch)");
  if (!(o.learningRate > 0)) throw std::invalid_argument("linear probe: the learning rate must be positive");
  if (o.momentum < 0 || o.momentum >= 1) throw std::invalid_argument("linear probe: momentum must be in [0, 1)");
  if (o.weightDecay < 0) throw std::invalid_argument("linear probe: weight decay must be >= 0");
  TORCH_CHECK(trainX.dim() == 2 && trainX.size(0) == trainY.size(0), "linear probe: features [N, D] and labels [N]");
  const int64_t n = trainX.size(0), d = trainX.size(1);
  if (n < 1) throw std::invalid_argument("linear probe: no training features");
  const auto x = trainX.to(device, torch::kFloat), y = trainY.to(device, torch::kLong);
  const auto tx = testX.to(device, torch::kFloat), ty = testY.to(device, torch::kLong);
  auto w = torch::zeros({numClasses, d}, x.options()).requires_grad_(true);
  auto b = torch::zeros({numClasses}, x.options()).requires_grad_(true);
  auto vw = torch::zeros_like(w), vb = torch::zeros_like(b);
  const int64_t batch = o.batchSize == 0 ? n : std::min<int64_t>(o.batchSize, n);
  const int64_t stepsPerEpoch = (n + batch - 1) / batch;
  const int64_t total = stepsPerEpoch * o.epochs;
  auto gen = at::detail::createCPUGenerator(o.seed);
  int64_t t = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const auto perm = o.batchSize == 0 ? torch::Tensor()
                                       : torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kLong)).to(device);
    for (int64_t s = 0; s < stepsPerEpoch; ++s, ++t) {
      torch::Tensor xb = x, yb = y;
      if (perm.defined()) {
        const auto idx = perm.slice(0, s * batch, std::min((s + 1) * batch, n));
        xb = x.index_select(0, idx);
        yb = y.index_select(0, idx);
      }
      const auto loss = torch::nn::functional::cross_entropy(torch::addmm(b, xb, w.t()), yb);
      const auto grads = torch::autograd::grad({loss}, {w, b});
      const double lr = o.learningRate * 0.5 * (1.0 + std::cos(M_PI * double(t) / double(total)));
      torch::NoGradGuard noGrad;
      vw.mul_(o.momentum).add_(grads[0] + o.weightDecay * w);
      vb.mul_(o.momentum).add_(grads[1]);
      w.sub_(lr * vw);
      b.sub_(lr * vb);
    }
    if (afterEpoch) afterEpoch(epoch);
  }
  torch::NoGradGuard noGrad;
  ProbeFit fit;
  fit.weight = w.detach().to(torch::kCPU);
  fit.bias = b.detach().to(torch::kCPU);
  double lossSum = 0.0;
  for (int64_t i = 0; i < n; i += 8192) {
    const auto xs = x.slice(0, i, std::min(i + 8192, n));
    lossSum += torch::nn::functional::cross_entropy(torch::addmm(b, xs, w.t()), y.slice(0, i, i + xs.size(0)),
                                                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .item<double>();
  }
  fit.finalLoss = lossSum / double(n);
  fit.trainAccuracy = accuracy(x, y, w, b);
  fit.testAccuracy = accuracy(tx, ty, w, b);
  std::vector<torch::Tensor> predictions, confidence;
  for (int64_t i = 0; i < tx.size(0); i += 8192) {
    const auto p = torch::softmax(torch::addmm(b, tx.slice(0, i, std::min(i + 8192, tx.size(0))), w.t()), 1).max(1);
    confidence.push_back(std::get<0>(p).to(torch::kCPU, torch::kFloat));
    predictions.push_back(std::get<1>(p).to(torch::kCPU, torch::kLong));
  }
  fit.testPredictions = predictions.empty() ? torch::zeros({0}, torch::kLong) : torch::cat(predictions);
  fit.testConfidence = confidence.empty() ? torch::zeros({0}, torch::kFloat) : torch::cat(confidence);
  return fit;
}

}  // namespace pretext::eval

#include "eval/knn.h"

#include "train/compat.h"

namespace pretext::eval {

torch::Tensor extractFeatures(models::BackboneImpl& backbone, const torch::Tensor& images, const torch::Tensor& mean,
                              const torch::Tensor& std, const std::string& stage, const torch::Device& device,
                              const ExtractOptions& options) {
  torch::NoGradGuard noGrad;
  const bool wasTraining = backbone.is_training();
  backbone.eval();
  const auto m = mean.to(device).view({1, -1, 1, 1});
  const auto s = std.to(device).view({1, -1, 1, 1});
  // channels_last: oneDNN's bf16 convolutions measured faster on NHWC inputs (fp32 ones did not).
  const bool bf16 = options.cpuBf16() && device.is_cpu();
  compat::CpuBf16Autocast autocast(bf16);
  const int64_t batchSize = std::max<int64_t>(1, options.batchSize());
  std::vector<torch::Tensor> chunks;
  for (int64_t i = 0; i < images.size(0); i += batchSize) {
    auto x = images.slice(0, i, std::min(i + batchSize, images.size(0))).to(device, /*non_blocking=*/true);
    x = (x.to(torch::kFloat).div_(255.0) - m) / s;
    if (bf16) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    auto f = stage.empty() ? backbone.forward(x) : backbone.stageFeatures(x, stage);
    chunks.push_back(torch::nn::functional::normalize(f.to(torch::kFloat).flatten(1),
                                                      torch::nn::functional::NormalizeFuncOptions().dim(1)));
  }
  backbone.train(wasTraining);
  return torch::cat(chunks);
}

torch::Tensor knnPredict(const torch::Tensor& bank, const torch::Tensor& bankLabels, const torch::Tensor& queries,
                         int64_t numClasses, int64_t k, double temperature, int64_t chunk) {
  torch::NoGradGuard noGrad;
  k = std::min<int64_t>(k, bank.size(0));
  std::vector<torch::Tensor> predictions;
  const auto labels = bankLabels.to(bank.device());
  for (int64_t i = 0; i < queries.size(0); i += chunk) {
    const auto q = queries.slice(0, i, std::min(i + chunk, queries.size(0)));
    const auto sim = torch::mm(q, bank.t());                  // cosine: both normalised
    const auto top = sim.topk(k, /*dim=*/1);
    const auto weights = (std::get<0>(top) / temperature).exp();  // [m, k]
    const auto neighbourLabels = labels.index_select(0, std::get<1>(top).flatten()).view({q.size(0), k});
    auto votes = torch::zeros({q.size(0), numClasses}, weights.options());
    votes.scatter_add_(1, neighbourLabels, weights);
    predictions.push_back(votes.argmax(1));
  }
  return torch::cat(predictions);
}

double knnAccuracy(const torch::Tensor& bank, const torch::Tensor& bankLabels, const torch::Tensor& queries,
                   const torch::Tensor& queryLabels, int64_t numClasses, int64_t k, double temperature) {
  const auto pred = knnPredict(bank, bankLabels, queries, numClasses, k, temperature);
  return pred.eq(queryLabels.to(pred.device())).to(torch::kDouble).mean().item<double>();
}

}  // namespace pretext::eval

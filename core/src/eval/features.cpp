#include "eval/features.h"

#include <algorithm>

namespace pretext::eval {

torch::Tensor normaliseImages(const torch::Tensor& images, const torch::Tensor& mean, const torch::Tensor& std,
                              const torch::Device& device) {
  const auto m = mean.to(device).view({1, -1, 1, 1});
  const auto s = std.to(device).view({1, -1, 1, 1});
  return (images.to(device).to(torch::kFloat).div(255.0) - m) / s;
}

std::map<std::string, torch::Tensor> extractStageFeatures(models::BackboneImpl& backbone, const torch::Tensor& images,
                                                          const torch::Tensor& mean, const torch::Tensor& std,
                                                          const std::vector<std::string>& stages,
                                                          const torch::Device& device, int64_t grid,
                                                          int64_t batchSize) {
  if (grid < 1) throw std::invalid_argument("the pooling grid must be at least 1, got " + std::to_string(grid));
  const auto names = backbone.stageNames();
  // The deepest stage asked for; the pooled output needs the whole backbone.
  int64_t deepest = -1;
  for (const auto& s : stages) {
    if (s.empty()) {
      deepest = int64_t(names.size()) - 1;
      continue;
    }
    const auto it = std::find(names.begin(), names.end(), s);
    if (it == names.end()) {
      throw std::invalid_argument("backbone '" + backbone.options().name() + "' has no stage '" + s +
                                  "'; its stages are: " + [&] {
                                    std::string all;
                                    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
                                    return all;
                                  }());
    }
    deepest = std::max<int64_t>(deepest, it - names.begin());
  }
  std::map<std::string, std::vector<torch::Tensor>> chunks;
  if (deepest < 0) return {};
  torch::NoGradGuard noGrad;
  const bool wasTraining = backbone.is_training();
  backbone.eval();
  for (int64_t i = 0; i < images.size(0); i += batchSize) {
    const auto x = normaliseImages(images.slice(0, i, std::min(i + batchSize, images.size(0))), mean, std, device);
    const auto maps = backbone.forwardStages(x, names[std::size_t(deepest)]);
    for (const auto& s : stages) {
      const auto& map = maps.at(s.empty() ? names.back() : s);
      torch::Tensor f;
      if (map.dim() != 4) {
        f = s.empty() ? backbone.forward(x) : backbone.stageFeatures(x, s);
      } else if (s.empty()) {
        f = map.mean({2, 3});  // the conv backbones' forward(): global average pooling of the last stage
      } else {
        f = torch::adaptive_avg_pool2d(map, {grid, grid}).flatten(1);
      }
      chunks[s].push_back(f.to(torch::kFloat).to(torch::kCPU));
    }
  }
  backbone.train(wasTraining);
  std::map<std::string, torch::Tensor> out;
  for (auto& [s, list] : chunks) out[s] = torch::cat(list);
  return out;
}

}  // namespace pretext::eval

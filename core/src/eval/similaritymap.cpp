#include "eval/similaritymap.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pretext::eval {

torch::Tensor pooledFromLastStage(models::BackboneImpl& backbone, const torch::Tensor& last) {
  if (last.dim() == 4) return last.mean({2, 3});
  TORCH_CHECK(last.dim() == 3, "stage output [B, C, h, w] or [B, 1 + N, D] expected, got ", last.sizes());
  for (const auto& child : backbone.named_children()) {
    if (child.key() == "norm") {
      if (auto* norm = child.value()->as<torch::nn::LayerNorm>()) return norm->forward(last.select(1, 0));
    }
  }
  throw std::logic_error("backbone '" + backbone.options().name() + "' has token stages but no final LayerNorm 'norm'");
}

SimilarityGradient similarityGradient(models::BackboneImpl& backbone, const torch::Tensor& pair, const std::string& stage) {
  if (pair.dim() != 4 || pair.size(0) != 2) {
    throw std::invalid_argument("similarity maps need a pair of images [2, C, H, W]");
  }
  const auto names = backbone.stageNames();
  if (std::find(names.begin(), names.end(), stage) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("backbone '" + backbone.options().name() + "' has no stage '" + stage + "' (it has " +
                                known + ")");
  }
  torch::AutoGradMode enableGrad(true);
  // Every stage in one graph, so that the last one (and the pooled embedding) depends on `stage`'s
  // output and autograd can differentiate with respect to that intermediate tensor.
  const auto stages = backbone.forwardStages(pair, "");
  const auto& activations = stages.at(stage);
  const auto pooled = pooledFromLastStage(backbone, stages.at(names.back()));
  const auto similarity = torch::nn::functional::cosine_similarity(
      pooled.slice(0, 0, 1), pooled.slice(0, 1, 2), torch::nn::functional::CosineSimilarityFuncOptions().dim(1).eps(1e-12))[0];
  auto grads = torch::autograd::grad({similarity}, {activations}, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                     /*create_graph=*/false, /*allow_unused=*/true);
  SimilarityGradient out;
  out.similarity = similarity.detach();
  out.activations = activations.detach();
  out.gradients = grads[0].defined() ? grads[0].detach() : torch::zeros_like(out.activations);
  return out;
}

torch::Tensor gradCamMaps(const torch::Tensor& activations, const torch::Tensor& gradients) {
  TORCH_CHECK(activations.sizes() == gradients.sizes(), "activations ", activations.sizes(), " and gradients ",
              gradients.sizes(), " differ");
  if (activations.dim() == 4) {
    const auto weights = gradients.mean({2, 3}, /*keepdim=*/true);  // [B, C, 1, 1], Grad-CAM eq. (1)
    return torch::relu((weights * activations).sum(1));             // Grad-CAM eq. (2)
  }
  TORCH_CHECK(activations.dim() == 3, "activations [B, C, h, w] or tokens [B, 1 + N, D] expected, got ",
              activations.sizes());
  const auto a = activations.slice(1, 1), g = gradients.slice(1, 1);  // patch tokens [B, N, D]
  const int64_t n = a.size(1), side = int64_t(std::llround(std::sqrt(double(n))));
  TORCH_CHECK(side * side == n, "the ", n, " patch tokens do not form a square grid");
  const auto weights = g.mean(1, /*keepdim=*/true);  // [B, 1, D]
  return torch::relu((weights * a).sum(2)).view({a.size(0), side, side});
}

}  // namespace pretext::eval

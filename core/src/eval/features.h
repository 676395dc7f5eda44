// Frozen features of several stages in one forward pass, for the probes and the views.
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace pretext::eval {

/// Features of uint8 images [N, C, H, W] (CPU), float [N, D] on the CPU, per stage:
///  ""        the backbone's pooled output (forward());
///  a conv stage [B, C, h, w]: adaptive average pooling to grid x grid, flattened (C * grid^2);
///  a token stage (ViT): the stage's [CLS] feature as stageFeatures() gives it.
/// The backbone runs once per batch up to the deepest stage asked for (in eval mode, no grad).
std::map<std::string, torch::Tensor> extractStageFeatures(models::BackboneImpl& backbone, const torch::Tensor& images,
                                                          const torch::Tensor& mean, const torch::Tensor& std,
                                                          const std::vector<std::string>& stages,
                                                          const torch::Device& device, int64_t grid,
                                                          int64_t batchSize = 500);

/// Normalises uint8 images [B, C, H, W] with the dataset's per-channel statistics, on `device`.
torch::Tensor normaliseImages(const torch::Tensor& images, const torch::Tensor& mean, const torch::Tensor& std,
                              const torch::Device& device);

}  // namespace pretext::eval

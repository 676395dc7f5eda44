// Frozen features of several stages in one forward pass, for the probes and the views.
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <optional>
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

/// A 64-bit fingerprint of a module's parameters and buffers (names, dtypes, shapes and every
/// byte of their values, on the CPU): equal fingerprints mean the same weights, bit for bit.
std::uint64_t weightsFingerprint(const torch::nn::Module& module);

/// The k-NN monitor's features of the weights a checkpoint holds, kept beside last.pt so that an
/// Evaluator opening that checkpoint takes them instead of extracting again. They are reused only
/// when computed as the Evaluator computes them: same stage, device type and CPU bf16 setting, and
/// the same backbone weights (fingerprint); train and test are each used when their image count is
/// the Evaluator's split's.
struct CheckpointFeatures {
  std::string stage;          ///< "" pooled output
  std::string device;         ///< the device type they were computed on ("cpu", "cuda")
  bool cpuBf16 = false;       ///< extracted under CPU bf16 autocast
  int64_t globalStep = 0;     ///< the training step of the weights
  std::uint64_t weights = 0;  ///< weightsFingerprint(backbone)
  torch::Tensor train, test;  ///< L2-normalised features [N, D], as extractFeatures gives them
};

/// checkpoints/last_features.pt of a run folder (one set, for last.pt only).
std::string checkpointFeaturesPath(const std::string& runDir);
/// Writes atomically (a temporary file, then a rename); throws std::runtime_error naming the path.
void saveCheckpointFeatures(const std::string& path, const CheckpointFeatures& features);
/// The saved features on `device`, or nothing when the file is missing or unreadable (the caller
/// extracts them instead).
std::optional<CheckpointFeatures> loadCheckpointFeatures(const std::string& path, const torch::Device& device);

}  // namespace pretext::eval

// Weighted k-NN on frozen features (Wu et al. 2018, InstDisc, sec. 3.4): each of the k nearest
// training features (cosine) votes for its class with weight exp(sim / T).
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

namespace pretext::eval {

/// How extractFeatures runs the backbone.
struct ExtractOptions {
  /// images per forward pass; 0: the device's default (extractBatchSize)
  TORCH_ARG(int64_t, batchSize) = 0;
  /// on the CPU: the forward under bf16 autocast (the features are still float); a gain only where
  /// the CPU computes bf16 natively (cpuHasNativeBf16()). Ignored on other devices.
  TORCH_ARG(bool, cpuBf16) = false;
};

/// Images per forward pass: options.batchSize(), or by default 128 on the CPU (the NHWC bf16
/// activations stay in cache) and 512 on a GPU (fewer, larger launches).
inline int64_t extractBatchSize(const ExtractOptions& options, const torch::Device& device) {
  return options.batchSize() > 0 ? options.batchSize() : (device.is_cpu() ? 128 : 512);
}

/// Query rows per similarity slice in knnPredict by default: 256 on the CPU (a 61 MB slice against
/// a 60,000-image bank), 1024 on a GPU.
inline int64_t knnQuerySlice(const torch::Device& device) { return device.is_cpu() ? 256 : 1024; }

/// L2-normalised float features [N, D] of uint8 images [N, C, H, W] (any device; moved to `device`
/// batch by batch), from the pooled output of `stage` (empty: the backbone's output). On the CPU the
/// batches go in channels_last.
torch::Tensor extractFeatures(models::BackboneImpl& backbone, const torch::Tensor& images, const torch::Tensor& mean,
                              const torch::Tensor& std, const std::string& stage, const torch::Device& device,
                              const ExtractOptions& options = {});

/// The k largest entries of each row of a matrix [M, N]: values [M, k] in descending order and
/// their column indices, as matrix.topk(k, 1). On the CPU for float and k <= N / 32 it bounds the
/// k-th largest from below with group maxima and reads only the groups that reach the bound,
/// about 3x faster than topk on k-NN similarities; among equal values the lower index comes first.
std::tuple<torch::Tensor, torch::Tensor> topKRows(const torch::Tensor& matrix, int64_t k);

/// Predicted classes [M] of the query features; bank features [N, D] and labels [N] on one device.
torch::Tensor knnPredict(const torch::Tensor& bank, const torch::Tensor& bankLabels, const torch::Tensor& queries,
                         int64_t numClasses, int64_t k, double temperature, int64_t chunk = 0);

/// Accuracy in [0, 1] of knnPredict against `queryLabels`.
double knnAccuracy(const torch::Tensor& bank, const torch::Tensor& bankLabels, const torch::Tensor& queries,
                   const torch::Tensor& queryLabels, int64_t numClasses, int64_t k, double temperature);

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

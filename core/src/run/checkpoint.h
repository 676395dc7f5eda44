// Checkpoints: the method's module (encoder, heads, queues, momentum encoders, centres ...), the
// optimizer, the position in training and the RNG states, written atomically.
#pragma once

#include <torch/torch.h>

#include <string>

namespace pretext::train {

struct TrainingPosition {
  int64_t epoch = 0;        ///< epoch to continue (0-based)
  int64_t step = 0;         ///< next step within that epoch
  int64_t globalStep = 0;
  torch::Tensor permutation;  ///< the epoch's shuffle (int64 [N]), undefined at epoch starts
  torch::Tensor cpuRng;     ///< default CPU generator state
  torch::Tensor deviceRng;  ///< default CUDA generator state (undefined on CPU runs)
  int64_t worldSize = 1;    ///< processes of the run that wrote it (1 in checkpoints from before data-parallel runs)
};

/// Serialises into memory, then writes `path` through a temporary file and a rename: a crash
/// leaves the previous checkpoint intact. Throws std::runtime_error (disk full ...) naming the path.
void saveCheckpoint(const std::string& path, torch::nn::Module& method, torch::optim::Optimizer* optimizer,
                    const TrainingPosition& position);

/// Loads into `method` and `optimizer` (same configuration); throws std::runtime_error naming the
/// file when it is missing, truncated or from another configuration.
TrainingPosition loadCheckpoint(const std::string& path, torch::nn::Module& method, torch::optim::Optimizer* optimizer,
                                const torch::Device& device);

}  // namespace pretext::train

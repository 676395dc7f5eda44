// What the evaluation code reads of a live Trainer: its method (and so its encoder), dataset,
// input statistics and device. Core-internal, beside the Trainer's pimpl.
#pragma once

#include "methods/method.h"
#include "pretext/dataset.h"
#include "pretext/training.h"

#include <torch/torch.h>

namespace pretext::train {

struct TrainerState {
  methods::Method method;
  Dataset dataset;
  torch::Tensor mean, std;  ///< float [C] on the device
  torch::Device device{torch::kCPU};
  bool knnBf16 = false;  ///< k-NN features under CPU bf16 autocast (TrainConfig::knnBf16, on a CPU with native bf16)
};

TrainerState trainerState(Trainer& trainer);

}  // namespace pretext::train

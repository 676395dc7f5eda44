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
};

TrainerState trainerState(Trainer& trainer);

}  // namespace pretext::train

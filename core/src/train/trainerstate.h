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

/// While one lives, Trainers built on this thread leave the process's random generators alone (no
/// reseeding): the Evaluator builds one only to load a checkpoint into, perhaps while another thread
/// trains, and reseeding would restart that run's random stream. (Their initial weights still draw
/// from the shared generator; the checkpoint overwrites them.)
class EvaluationOnlyScope {
 public:
  EvaluationOnlyScope();
  ~EvaluationOnlyScope();
  EvaluationOnlyScope(const EvaluationOnlyScope&) = delete;
  EvaluationOnlyScope& operator=(const EvaluationOnlyScope&) = delete;
  static bool active();

 private:
  bool m_previous;
};

}  // namespace pretext::train

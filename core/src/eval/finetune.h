// Fine-tuning with a fraction of the labels (the semi-supervised protocol of Zhai et al. 2019 and
// SimCLR sec. 6): a class-balanced labelled subset, the encoder and a linear head trained end to end.
#pragma once

#include <functional>

#include "models/backbone.h"
#include "pretext/evaluation.h"

#include <torch/torch.h>

#include <utility>

namespace pretext::eval {

/// Indices (sorted) of round(fraction * n_c) images of every class c (at least one each), drawn
/// from `seed`. Labels < 0 are never chosen.
torch::Tensor balancedSubset(const torch::Tensor& labels, int64_t numClasses, double fraction, uint64_t seed);

struct FineTuneData {
  torch::Tensor trainImages, trainLabels, testImages, testLabels;  ///< uint8 images, CPU
  torch::Tensor mean, std;
  int64_t numClasses = 10;
  torch::Device device{torch::kCPU};
};

/// Trains a copy of `backbone` (the original is untouched) with a new linear head on the subset
/// for `fraction`.
struct FineTuneFit {
  int64_t labelledImages = 0;
  double accuracy = 0.0;          ///< on the test split, in [0, 1]
  torch::Tensor predictions;      ///< [M] long, per test image
  torch::Tensor confidence;       ///< [M] float: the softmax probability of the prediction
};
/// `progress` (when set) is told (done, total) in images: each training batch, then each slice of
/// the test split; an exception it throws (pretext::Cancelled) stops the fine-tuning.
FineTuneFit fineTune(const models::BackboneImpl& backbone, const FineTuneData& data, double fraction,
                                    const FineTuneOptions& options,
                                    const std::function<void(int64_t done, int64_t total)>& progress = {});

}  // namespace pretext::eval

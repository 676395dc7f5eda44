// The interface every method implements. Adding a method: its file pair (the class with its
// describe() and its options struct), one line in registry.cpp's table, its source in CMake.
#pragma once

#include "augment/augment.h"
#include "methods/options.h"
#include "models/backbone.h"
#include "pretext/methods.h"

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

namespace pretext::methods {

/// What a method is built from.
struct MethodContext {
  models::BackboneOptions backbone{"convnet", 1, 28};
  int64_t numClasses = 10;                 ///< classes of the dataset (supervised head only)
  int64_t datasetSize = 0;                 ///< training images (memory banks)
  std::map<std::string, double> options;   ///< overrides of the method's option defaults, by name
  AugmentConfig augment;                   ///< the views' augmentation
  torch::Tensor mean, std;                 ///< per-channel statistics of the dataset, float [C]
  torch::Device device{torch::kCPU};
  bool channelsLast = false;               ///< hand the encoder channels_last inputs
};

/// A training batch, resident on the training device.
struct Batch {
  torch::Tensor images;   ///< uint8 [B, C, H, W]
  torch::Tensor labels;   ///< int64 [B] (-1 for unlabelled); only the supervised baseline reads them
  torch::Tensor indices;  ///< int64 [B], positions in the training split (memory banks)
};

struct StepOutput {
  torch::Tensor loss;      ///< scalar, differentiable
  torch::Tensor accuracy;  ///< optional scalar in [0,1] of the method's own task (rotation, supervised)
};

class MethodImpl : public torch::nn::Module {
 public:
  /// Forward pass and loss of one batch, in training mode.
  virtual StepOutput step(const Batch& batch) = 0;
  /// At the start of every epoch (not when a run resumes in the middle of one), with the whole
  /// training split, uint8 [N, C, H, W] on the training device, in the order `Batch::indices` refer
  /// to: DeepCluster re-clusters here. The model is in training mode before and after.
  virtual void beginEpoch(int64_t epoch, const torch::Tensor& trainImages) {
    (void)epoch;
    (void)trainImages;
  }
  /// After each optimizer step; `progress` in [0,1] over the whole run (momentum schedules).
  virtual void afterOptimizerStep(double progress) { (void)progress; }
  /// Parameters the optimizer updates (excludes momentum encoders and other non-trained state).
  virtual std::vector<torch::Tensor> trainableParameters() { return parameters(); }
  /// The encoder whose features are evaluated (k-NN, probes, views).
  models::Backbone backbone() const { return m_backbone; }
  const MethodInfo& info() const { return *m_info; }

 protected:
  /// Checks the context's options against the method's (names and ranges) before building the
  /// backbone.
  MethodImpl(const std::string& name, const MethodContext& context);
  /// The context's options as the method's options struct O (checked, defaults filled in).
  template <class O>
  O parsedOptions() const {
    return parseOptions(m_info->name, O::specs(), m_context.options);
  }
  /// Augments and normalises a uint8 batch for the encoder.
  torch::Tensor prepare(const torch::Tensor& images, const AugmentConfig& augment) const;

  const MethodInfo* m_info;
  MethodContext m_context;
  models::Backbone m_backbone;
};

using Method = std::shared_ptr<MethodImpl>;

/// Builds a method by its catalogue name (registry.cpp).
Method makeMethod(const std::string& name, const MethodContext& context);

/// `x` in NHWC (channels_last) layout, allocated as such: a one-channel NCHW tensor also passes for
/// NHWC, so x.contiguous(ChannelsLast) would keep NCHW strides that the convolution reads as NCHW.
torch::Tensor toChannelsLast(const torch::Tensor& x);

/// Copies the parameters and buffers of `source` into `target` (same architecture).
void copyWeights(torch::nn::Module& target, const torch::nn::Module& source);
/// Makes `target` a frozen copy of `source` (momentum encoders start equal to the online ones).
void makeFrozenCopy(torch::nn::Module& target, const torch::nn::Module& source);
/// The parameters of `module` whose names do not start with `prefix` (leaves momentum encoders out).
std::vector<torch::Tensor> parametersWithout(const torch::nn::Module& module, const std::string& prefix);
/// target = m * target + (1 - m) * source, parameter by parameter (momentum encoders).
void momentumUpdate(torch::nn::Module& target, const torch::nn::Module& source, double m);

/// Cross-entropy of `logits` against `labels`, with the batch's accuracy (supervised, rotation).
StepOutput classificationOutput(const torch::Tensor& logits, const torch::Tensor& labels);

/// A projection / prediction MLP: Linear-BN-ReLU-Linear (SimCLR, MoCo v2, BYOL, SimSiam).
torch::nn::Sequential mlpHead(int64_t in, int64_t hidden, int64_t out, bool lastBatchNorm = false);

/// The three-layer projector of SimSiam and Barlow Twins: (Linear-BN-ReLU) twice, then Linear, all
/// `dim` wide and without biases (BN follows or the output is standardised); `lastBatchNorm` adds
/// SimSiam's non-affine BN on the output.
torch::nn::Sequential threeLayerProjector(int64_t in, int64_t dim, bool lastBatchNorm);

}  // namespace pretext::methods

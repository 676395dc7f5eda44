// Backbones: a small AlexNet-style ConvNet (conv1..conv5), a CIFAR-style ResNet-18 and a small ViT.
#pragma once

#include "pretext/backbones.h"

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pretext::models {

struct BackboneOptions {
  BackboneOptions(std::string name, int64_t inChannels, int64_t imageSize)
      : name_(std::move(name)), inChannels_(inChannels), imageSize_(imageSize) {}
  /// "convnet", "resnet18" or "vit"
  TORCH_ARG(std::string, name);
  /// channels of the input images (1 for gray, 3 for RGB)
  TORCH_ARG(int64_t, inChannels);
  /// side of the (square) input images
  TORCH_ARG(int64_t, imageSize);
  /// Channels of the first stage, later stages scale from it (ConvNet conv1; ResNet stem and
  /// layer1). 0 picks the backbone's default: 32 for the ConvNet (a Fashion-MNIST epoch in about
  /// a minute on 2 CPU cores), 64 for the ResNet (the standard ResNet-18). The built backbone's
  /// options() hold the width it used.
  TORCH_ARG(int64_t, width) = 0;
  /// ConvNet: side of conv1's kernels (odd); 0: the default, 5
  TORCH_ARG(int64_t, firstKernel) = 0;
  /// ViT: patch side in pixels
  TORCH_ARG(int64_t, patchSize) = 4;
  /// ViT: embedding dimension
  TORCH_ARG(int64_t, vitDim) = 192;
  /// ViT: transformer blocks
  TORCH_ARG(int64_t, vitDepth) = 6;
  /// ViT: attention heads
  TORCH_ARG(int64_t, vitHeads) = 3;
  /// In training mode on the CPU, forward() (the ViT also its MAE and multi-crop entries) under bf16
  /// autocast with its features returned in fp32 (TrainConfig::cpuBf16). Eval mode and
  /// forwardStages() are unaffected.
  TORCH_ARG(bool, cpuBf16) = false;
};

/// Every backbone maps images [B, C, H, W] (float, normalised) to pooled features [B, featureDim()],
/// and exposes its stages by name so that probes, k-NN and attention maps can read any of them.
class BackboneImpl : public torch::nn::Module {
 public:
  /// Pooled features of the last stage, [B, featureDim()].
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  /// Stage names in order: convnet conv1..conv5; resnet18 stem, layer1..layer4; vit block1..blockN.
  virtual std::vector<std::string> stageNames() const = 0;
  /// Outputs of every stage up to and including `last` (all if empty): conv stages [B, C, H, W]
  /// (after their nonlinearity), ViT blocks [B, 1 + patches, D] with [CLS] first.
  virtual std::map<std::string, torch::Tensor> forwardStages(torch::Tensor x, const std::string& last = "") = 0;
  /// Global-average-pooled features of one stage, [B, C] (ViT: the [CLS] token after the final
  /// LayerNorm). The last stage's equal forward()'s. Throws std::invalid_argument for an unknown stage.
  virtual torch::Tensor stageFeatures(torch::Tensor x, const std::string& stage);
  /// Width of forward()'s output.
  virtual int64_t featureDim() const = 0;
  /// Weights of the first layer [out, in, k, k] (ViT: patch embedding), for the filter view.
  virtual torch::Tensor firstLayerWeight() const = 0;
  /// ViT only: attention of the [CLS] token to every patch in the last block, [B, heads, patches]:
  /// the softmax weights as computed over all 1 + patches tokens, not renormalised, so a row sums
  /// to 1 minus [CLS]'s attention to itself. Others throw std::logic_error.
  virtual torch::Tensor clsAttention(torch::Tensor x);

  const BackboneOptions& options() const { return m_options; }
  /// The catalogue entry of this backbone: its traits (class token, default optimizer).
  const BackboneInfo& info() const { return backboneInfo(m_options.name()); }

 protected:
  explicit BackboneImpl(BackboneOptions options) : m_options(std::move(options)) {}
  /// Whether forward(x) runs under CPU bf16 autocast: options().cpuBf16(), training mode, x on the CPU.
  bool trainsInCpuBf16(const torch::Tensor& x) const { return m_options.cpuBf16() && is_training() && x.is_cpu(); }
  BackboneOptions m_options;
};

using Backbone = std::shared_ptr<BackboneImpl>;

/// Builds the backbone named in options (the table in backbone.cpp, in backboneCatalogue()'s
/// order); throws std::invalid_argument for an unknown name.
Backbone makeBackbone(const BackboneOptions& options);

/// Names makeBackbone accepts, in backboneCatalogue()'s order.
std::vector<std::string> backboneNames();

}  // namespace pretext::models

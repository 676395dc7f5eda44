// DINO (Caron et al. 2021): self-distillation with no labels. A student matches the centred,
// sharpened output distribution of a momentum teacher across multi-crop views.
#pragma once

#include "methods/method.h"

#include <vector>

namespace pretext::dist {
class ProcessGroup;
}

namespace pretext::methods {

/// DINO eq. (3) with multi-crop, Caron et al. 2021 (Algorithm 1 and the official DINOLoss):
/// teacher probabilities P_t = softmax((t - center) / teacherTemp) of each global view (no
/// gradient), student log-probabilities log softmax(s / studentTemp) of every view; the loss is
/// the cross-entropy -sum_k P_t log P_s over every (teacher view i, student view v) pair with
/// v != i, averaged over the batch and then over the pairs. Student view i (i < teacher.size())
/// must be the same crop as teacher view i; the later student views are the local crops.
torch::Tensor dinoLoss(const std::vector<torch::Tensor>& student, const std::vector<torch::Tensor>& teacher,
                       const torch::Tensor& center, double studentTemp, double teacherTemp);

/// DINO's centre update (sec. 3.1, Algorithm 1): c <- m c + (1 - m) mean of the teacher outputs
/// over the batch (all global views together). Returns the new centre, [1, K]. With a `group` of
/// several ranks the mean is the global batch's: the ranks' sums and row counts all-reduced (as
/// the official update_center), so every rank keeps the same centre.
torch::Tensor dinoCenter(const torch::Tensor& center, const torch::Tensor& teacherOutputs, double momentum,
                         dist::ProcessGroup* group = nullptr);

/// DINO's teacher momentum at `progress` in [0,1] of the run: a cosine from `base` (paper 0.996)
/// to 1, 1 - (1 - base) (cos(pi progress) + 1) / 2 (sec. 3.1 and appendix).
double dinoTeacherMomentum(double base, double progress);

/// DINO's projection head (sec. 3.1, appendix): a 3-layer MLP with GELU to a bottleneck,
/// L2 normalisation, and a weight-normalised linear layer to `out` dimensions whose norm g is
/// fixed to 1 (the paper's norm_last_layer), i.e. each output row of the weight is a unit vector.
struct DinoHeadImpl : torch::nn::Module {
  DinoHeadImpl(int64_t in, int64_t hidden, int64_t bottleneck, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Sequential mlp{nullptr};
  torch::Tensor lastWeight;  ///< the weight-normalised layer's direction v, [out, bottleneck]
};
TORCH_MODULE(DinoHead);

/// The options of DINO; names, ranges and help in specs().
struct DinoOptions {
  int64_t outDim = 1024;
  int64_t hidden = 512;
  int64_t bottleneck = 128;
  double studentTemp = 0.1;
  double teacherTemp = 0.04;
  double centerMomentum = 0.9;
  double momentum = 0.996;
  int64_t localCrops = 4;
  double localSize = 0.5;
  double globalScale = 0.4;
  double localScale = 0.4;
  static const OptionSpecs<DinoOptions>& specs();
};

class DinoImpl final : public MethodImpl {
 public:
  explicit DinoImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  void afterOptimizerStep(double progress) override;
  std::vector<torch::Tensor> trainableParameters() override;

  /// The teacher's output centre [1, out-dim] (a registered buffer: it survives stop/resume).
  const torch::Tensor& center() const { return m_center; }
  /// Side of the local crops in pixels (a multiple of the patch size for the ViT).
  int64_t localSide() const { return m_localSide; }
  /// 2 global crops at full size, then `local-crops` local ones, normalised for the encoder.
  std::vector<torch::Tensor> multiCrop(const torch::Tensor& images) const;

 private:
  torch::Tensor encode(models::BackboneImpl& backbone, const torch::Tensor& x) const;

  DinoHead m_head{nullptr};
  models::Backbone m_teacherBackbone;
  DinoHead m_teacherHead{nullptr};
  torch::Tensor m_center;
  AugmentConfig m_restAugment;  ///< the method's augmentation without its crop: DINO crops itself
  double m_studentTemp, m_teacherTemp, m_centerMomentum, m_baseMomentum;
  double m_globalScale, m_localScale;
  int64_t m_localCrops, m_localSide;
};

}  // namespace pretext::methods

// InstDisc (Wu, Xiong, Yu & Lin 2018): every training image is its own class; a memory bank of
// normalised features replaces the weights of an N-way classifier, and NCE approximates its softmax.
#pragma once

#include "methods/method.h"

namespace pretext::methods {

/// NCE loss of InstDisc eq. (5)-(6), Wu et al. 2018. Every row of `features` [B, D] (normalised
/// f_i) has its positive bank entry `positives` [B, D] (v_i, from the previous visit of image i) and
/// shares the m noise entries `noise` [m, D] drawn uniformly from the bank. With
/// P(i|v) = exp(v.f_i / t) / Z (eq. 4) and h(i, v) = P(i|v) / (P(i|v) + m / n) (n = bank size),
/// L = mean over i of [ -log h(i, v_i) - sum_k log(1 - h(i, v_k)) ].
torch::Tensor instDiscNceLoss(const torch::Tensor& features, const torch::Tensor& positives, const torch::Tensor& noise,
                              const torch::Tensor& normaliser, int64_t bankSize, double temperature);

/// InstDisc sec. 3.2: the normalising constant Z ~ n / m sum_k exp(v_k.f / t), estimated from one
/// batch (mean over the batch and its noise samples), a scalar tensor.
torch::Tensor instDiscNormaliser(const torch::Tensor& features, const torch::Tensor& noise, int64_t bankSize,
                                 double temperature);

/// The options of InstDisc; names, ranges and help in specs().
struct InstDiscOptions {
  int64_t dim = 128;
  int64_t negatives = 4096;
  double temperature = 0.07;
  double momentum = 0.5;
  static const OptionSpecs<InstDiscOptions>& specs();
};

class InstDiscImpl final : public MethodImpl {
 public:
  explicit InstDiscImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  /// Before the first epoch: fills the memory bank with the initial network's embeddings of every
  /// training image, so that Z (estimated from the first batch) measures real similarities.
  void beginEpoch(int64_t epoch, const torch::Tensor& trainImages) override;
  /// [N, dim], L2-normalised rows.
  const torch::Tensor& bank() const { return m_bank; }
  /// [1]; negative until the first batch has estimated it.
  const torch::Tensor& normaliser() const { return m_normaliser; }

 private:
  torch::nn::Linear m_projector{nullptr};
  torch::Tensor m_bank;        ///< [N, dim] memory bank v
  torch::Tensor m_normaliser;  ///< [1] Z, fixed after the first batch
  torch::Tensor m_bankFilled;  ///< [1] 1 once beginEpoch filled the bank
  double m_temperature, m_momentum;
  int64_t m_negatives;
};

}  // namespace pretext::methods

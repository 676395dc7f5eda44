#include "methods/instdisc.h"

#include "dist/dist.h"

namespace pretext::methods {

MethodInfo InstDiscImpl::describe() {
  MethodInfo m;
  m.name = "instdisc";
  m.title = "InstDisc (instance discrimination)";
  m.family = "contrastive";
  m.paper = "Wu, Xiong, Yu & Lin 2018, Unsupervised Feature Learning via Non-Parametric Instance Discrimination";
  m.description =
      "Every training image is treated as its own class. A memory bank keeps one normalised feature per image "
      "(a slowly updated copy of what the network gave it last time); the network learns to make an image's "
      "feature closer to its own bank entry than to randomly drawn entries of other images. Noise-contrastive "
      "estimation (NCE) replaces the softmax over all N images with a binary task: the true entry against m "
      "noise entries. Telling 60,000 images apart under augmentation forces features that capture what makes "
      "images similar, so images of one class end up close together.";
  m.lossFormula = "P(i|f) = exp(v_i.f/t) / Z;  h = P / (P + m/n);  L = -log h(i, v_i) - sum_{k=1..m} log(1 - h(i, v_k)),  v_k ~ uniform bank";
  m.defaultAugment = "simclr";
  m.options = describeOptions(InstDiscOptions::specs());
  return m;
}

const OptionSpecs<InstDiscOptions>& InstDiscOptions::specs() {
  static const OptionSpecs<InstDiscOptions> specs = {
      integerOption("dim", &InstDiscOptions::dim, 1, 65536,
                    "size of the normalised embedding kept in the memory bank (paper 128)"),
      integerOption("negatives", &InstDiscOptions::negatives, 1, 1048576,
                    "noise samples m drawn uniformly from the bank per batch (paper 4096)"),
      realOption("temperature", &InstDiscOptions::temperature, openBelow(0, 10),
                 "temperature t of exp(v.f/t) (paper 0.07)"),
      realOption("momentum", &InstDiscOptions::momentum, openAbove(0, 1),
                 "memory bank update v <- m v + (1-m) f, then renormalised (paper 0.5)"),
  };
  return specs;
}

namespace F = torch::nn::functional;

torch::Tensor instDiscNceLoss(const torch::Tensor& features, const torch::Tensor& positives, const torch::Tensor& noise,
                              const torch::Tensor& normaliser, int64_t bankSize, double temperature) {
  const auto f = features.to(torch::kFloat);
  const double m = double(noise.size(0));
  const double pn = m / double(bankSize);  // m P_n(i) with the uniform noise P_n = 1/n
  const auto z = normaliser.to(torch::kFloat);
  const auto pPos = ((f * positives.to(torch::kFloat)).sum(1) / temperature).exp() / z;  // [B]
  const auto pNoise = (torch::mm(f, noise.to(torch::kFloat).t()) / temperature).exp() / z;  // [B, m]
  // log h = log P - log(P + m Pn); log(1 - h) = log(m Pn) - log(P + m Pn).
  const auto logHPos = pPos.log() - (pPos + pn).log();
  const auto logOneMinusHNoise = std::log(pn) - (pNoise + pn).log();
  return -(logHPos + logOneMinusHNoise.sum(1)).mean();
}

torch::Tensor instDiscNormaliser(const torch::Tensor& features, const torch::Tensor& noise, int64_t bankSize,
                                 double temperature) {
  torch::NoGradGuard noGrad;
  return (torch::mm(features.to(torch::kFloat), noise.to(torch::kFloat).t()) / temperature).exp().mean() *
         double(bankSize);
}

InstDiscImpl::InstDiscImpl(const MethodContext& context) : MethodImpl("instdisc", context) {
  const auto o = parsedOptions<InstDiscOptions>();
  m_temperature = o.temperature;
  m_momentum = o.momentum;
  m_negatives = o.negatives;
  const int64_t dim = o.dim;
  if (context.datasetSize < 2) {
    throw std::invalid_argument("instdisc: the memory bank needs the training split's size (at least 2 images)");
  }
  // The paper's embedding is one linear layer on the pooled features.
  m_projector = register_module("projector", torch::nn::Linear(m_backbone->featureDim(), dim));
  m_bank = register_buffer("bank", F::normalize(torch::randn({context.datasetSize, dim}), F::NormalizeFuncOptions().dim(1)));
  m_normaliser = register_buffer("normaliser", torch::full({1}, -1.0));
  m_bankFilled = register_buffer("bank_filled", torch::zeros({1}));
}

void InstDiscImpl::beginEpoch(int64_t, const torch::Tensor& trainImages) {
  // The paper starts from a random bank and estimates Z from the first batch against it. On small
  // gray images the encoder's first embeddings are all alike (cosine near 1), so once the bank
  // fills with them during epoch 1, exp(v.f / 0.07) / Z exceeds Z's random-bank estimate by orders
  // of magnitude and the noise terms swamp the loss (measured on Fashion-MNIST: the NCE loss climbed
  // from 10 to over 300 and k-NN fell to 30%). Filling the bank with the initial embeddings first
  // makes the first batch's Z an estimate over real similarities.
  if (m_bankFilled.item<double>() > 0 || trainImages.size(0) != m_bank.size(0)) return;
  torch::NoGradGuard noGrad;
  eval();
  for (int64_t i = 0; i < trainImages.size(0); i += 512) {
    // On the model's device: the images may be CPU arrays (a training split that is streamed).
    const auto images = trainImages.slice(0, i, std::min(i + 512, trainImages.size(0))).to(m_context.device);
    const auto f = F::normalize(m_projector->forward(m_backbone->forward(prepare(images, AugmentConfig::none())))
                                    .to(torch::kFloat),
                                F::NormalizeFuncOptions().dim(1));
    m_bank.slice(0, i, i + images.size(0)).copy_(f.to(m_bank.dtype()));
  }
  m_bankFilled.fill_(1.0);
  train();
}

StepOutput InstDiscImpl::step(const Batch& batch) {
  const auto f = F::normalize(m_projector->forward(m_backbone->forward(prepare(batch.images, m_context.augment)))
                                  .to(torch::kFloat),
                              F::NormalizeFuncOptions().dim(1));
  const auto idx = batch.indices.to(m_bank.device());
  const int64_t n = m_bank.size(0);
  auto* group = dist::currentGroup();
  const bool distributed = group && group->size() > 1;
  // The batch shares its m noise samples (as MoCo's queue), which keeps memory at m x dim; the
  // global batch shares rank 0's.
  auto noiseIdx = distributed && group->rank() > 0 ? torch::empty({m_negatives}, idx.options())
                                                   : torch::randint(0, n, {m_negatives}, idx.options());
  if (distributed) group->broadcast({noiseIdx}, 0, "InstDisc's noise samples");
  const auto positives = m_bank.index_select(0, idx);
  const auto noise = m_bank.index_select(0, noiseIdx);
  {
    // Z is estimated once, from the first batch (sec. 3.2); kept without a host synchronisation.
    torch::NoGradGuard noGrad;
    auto estimate = instDiscNormaliser(f.detach(), noise, n, m_temperature);
    if (distributed) {
      // The global batch's mean (equal shares): the ranks' means averaged.
      estimate = estimate.reshape({1}).clone();
      group->allReduceSum(estimate, "InstDisc's normaliser");
      estimate = estimate.squeeze() / double(group->size());
    }
    m_normaliser.copy_(torch::where(m_normaliser.lt(0), estimate, m_normaliser));
  }
  StepOutput out;
  out.loss = instDiscNceLoss(f, positives, noise, m_normaliser.squeeze(), n, m_temperature);
  {
    // Memory bank update (sec. 3.1): v_i <- normalise(m v_i + (1 - m) f_i), with m = 0.5 in the authors' code.
    torch::NoGradGuard noGrad;
    const auto updated = F::normalize(positives * m_momentum + f.detach() * (1.0 - m_momentum), F::NormalizeFuncOptions().dim(1));
    if (distributed) {
      // Every rank writes the global batch's rows, so that the banks stay the same everywhere.
      m_bank.index_copy_(0, group->allGather(idx, "InstDisc's batch indices"),
                         group->allGather(updated.to(m_bank.dtype()), "InstDisc's bank rows"));
    } else {
      m_bank.index_copy_(0, idx, updated.to(m_bank.dtype()));
    }
  }
  return out;
}

}  // namespace pretext::methods

#include "eval/finetune.h"

#include "augment/augment.h"
#include "eval/features.h"
#include "methods/method.h"
#include "pretext/numbers.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace pretext::eval {

torch::Tensor balancedSubset(const torch::Tensor& labels, int64_t numClasses, double fraction, uint64_t seed) {
  if (!(fraction > 0 && fraction <= 1)) {
    throw std::invalid_argument("the labelled fraction must be in (0, 1], got " + formatGeneral(fraction));
  }
  auto gen = at::detail::createCPUGenerator(seed);
  const auto l = labels.to(torch::kCPU, torch::kLong);
  std::vector<torch::Tensor> chosen;
  for (int64_t c = 0; c < numClasses; ++c) {
    const auto idx = torch::nonzero(l == c).flatten();
    if (idx.numel() == 0) continue;
    const int64_t take = std::max<int64_t>(1, int64_t(std::llround(fraction * double(idx.numel()))));
    const auto perm = torch::randperm(idx.numel(), gen, torch::TensorOptions().dtype(torch::kLong));
    chosen.push_back(idx.index_select(0, perm.slice(0, 0, take)));
  }
  if (chosen.empty()) throw std::invalid_argument("fine-tuning: the training split has no labelled images");
  return std::get<0>(torch::cat(chosen).sort());
}

FineTuneFit fineTune(const models::BackboneImpl& source, const FineTuneData& data, double fraction,
                                    const FineTuneOptions& o, const std::function<void(int64_t, int64_t)>& progress) {
  if (o.epochs < 1) throw std::invalid_argument("fine-tuning: epochs must be at least 1");
  if (o.batchSize < 2) throw std::invalid_argument("fine-tuning: the batch size must be at least 2");
  if (!(o.learningRate > 0) || o.encoderLrScale < 0) {
    throw std::invalid_argument("fine-tuning: the learning rate must be positive and its encoder scale >= 0");
  }
  const auto subset = balancedSubset(data.trainLabels, data.numClasses, fraction, o.seed);
  const int64_t n = subset.numel();
  auto encoder = models::makeBackbone(source.options());
  methods::copyWeights(*encoder, source);
  encoder->to(data.device);
  torch::nn::Linear head(encoder->featureDim(), data.numClasses);
  head->to(data.device);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(encoder->parameters(),
                      std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(o.learningRate * o.encoderLrScale)
                                                                     .momentum(0.9)
                                                                     .weight_decay(o.weightDecay)));
  groups.emplace_back(head->parameters(), std::make_unique<torch::optim::SGDOptions>(
                                              torch::optim::SGDOptions(o.learningRate).momentum(0.9).weight_decay(o.weightDecay)));
  torch::optim::SGD optimizer(groups, torch::optim::SGDOptions(o.learningRate));
  const auto images = data.trainImages.index_select(0, subset).to(data.device);
  const auto labels = data.trainLabels.index_select(0, subset).to(data.device);
  auto gen = at::detail::createCPUGenerator(o.seed + 1);
  const int64_t batch = std::min<int64_t>(o.batchSize, n);
  const int64_t steps = std::max<int64_t>(1, n / batch);
  const int64_t total = steps * o.epochs;
  const AugmentConfig light = AugmentConfig::light();
  c10::optional<at::Generator> augGen;
  if (data.device.is_cpu()) augGen = gen;
  const int64_t work = total * batch + data.testImages.size(0);
  if (progress) progress(0, work);
  int64_t t = 0;
  encoder->train();
  head->train();
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const auto perm = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kLong)).to(data.device);
    for (int64_t s = 0; s < steps; ++s, ++t) {
      const auto idx = perm.slice(0, s * batch, (s + 1) * batch);
      auto x = augment::apply(images.index_select(0, idx), light, augGen);
      x = augment::normalize(x, data.mean, data.std);
      const double scale = 0.5 * (1.0 + std::cos(M_PI * double(t) / double(total)));
      static_cast<torch::optim::SGDOptions&>(optimizer.param_groups()[0].options()).lr(o.learningRate * o.encoderLrScale * scale);
      static_cast<torch::optim::SGDOptions&>(optimizer.param_groups()[1].options()).lr(o.learningRate * scale);
      optimizer.zero_grad();
      const auto loss = torch::nn::functional::cross_entropy(head->forward(encoder->forward(x)), labels.index_select(0, idx));
      loss.backward();
      optimizer.step();
      if (progress) progress((t + 1) * batch, work);
    }
  }
  torch::NoGradGuard noGrad;
  encoder->eval();
  head->eval();
  int64_t correct = 0;
  std::vector<torch::Tensor> predictions, confidence;
  for (int64_t i = 0; i < data.testImages.size(0); i += 500) {
    const auto x = normaliseImages(data.testImages.slice(0, i, std::min(i + 500, data.testImages.size(0))), data.mean,
                                   data.std, data.device);
    const auto top = torch::softmax(head->forward(encoder->forward(x)).to(torch::kFloat), 1).max(1);
    const auto& pred = std::get<1>(top);
    correct += pred.eq(data.testLabels.slice(0, i, i + x.size(0)).to(data.device)).sum().item<int64_t>();
    predictions.push_back(pred.to(torch::kCPU, torch::kLong));
    confidence.push_back(std::get<0>(top).to(torch::kCPU));
    if (progress) progress(total * batch + i + x.size(0), work);
  }
  FineTuneFit fit;
  fit.labelledImages = n;
  fit.accuracy = double(correct) / double(std::max<int64_t>(1, data.testImages.size(0)));
  fit.predictions = predictions.empty() ? torch::zeros({0}, torch::kLong) : torch::cat(predictions);
  fit.confidence = confidence.empty() ? torch::zeros({0}, torch::kFloat) : torch::cat(confidence);
  return fit;
}

}  // namespace pretext::eval

#include "models/convnet.h"

#include "run/compat.h"

namespace pretext::models {

BackboneInfo ConvNetImpl::describe() {
  BackboneInfo b;
  b.name = "convnet";
  b.title = "ConvNet";
  b.defaultOptimizer = "sgd";
  b.stages = {"conv1", "conv2", "conv3", "conv4", "conv5"};
  return b;
}

std::vector<int64_t> ConvNetImpl::stageWidths(int64_t width) {
  return {width, 2 * width, 4 * width, 4 * width, 2 * width};
}

ConvNetImpl::ConvNetImpl(BackboneOptions options) : BackboneImpl(std::move(options)) {
  if (m_options.width() == 0) m_options.width(kDefaultWidth);
  const int64_t width = m_options.width();
  if (width < 1) throw std::invalid_argument("convnet: width must be positive, got " + std::to_string(width));
  const auto widths = stageWidths(width);
  const auto names = stageNames();
  int64_t in = m_options.inChannels();
  for (size_t i = 0; i < widths.size(); ++i) {
    const int64_t kernel = i == 0 ? (m_options.firstKernel() > 0 ? m_options.firstKernel() : 5) : 3;
    const bool pool = i < 2;
    m_stages.push_back(register_module(names[i], ConvBnRelu(in, widths[i], kernel, 1, pool)));
    in = widths[i];
  }
  initConvBnWeights(*this);
}

std::vector<std::string> ConvNetImpl::stageNames() const {
  static const std::vector<std::string> names = describe().stages;
  return names;
}

torch::Tensor ConvNetImpl::forward(torch::Tensor x) {
  checkImages("convnet", x, m_options.inChannels());
  const bool bf16 = trainsInCpuBf16(x);
  compat::CpuBf16Autocast autocast(bf16);
  for (auto& stage : m_stages) x = stage->forward(x);
  return bf16 ? x.mean({2, 3}, /*keepdim=*/false, torch::kFloat) : x.mean({2, 3});
}

std::map<std::string, torch::Tensor> ConvNetImpl::forwardStages(torch::Tensor x, const std::string& last) {
  const auto names = stageNames();
  checkStageName("convnet", names, last);
  checkImages("convnet", x, m_options.inChannels());
  std::map<std::string, torch::Tensor> out;
  for (size_t i = 0; i < m_stages.size(); ++i) {
    x = m_stages[i]->forward(x);
    out[names[i]] = x;
    if (names[i] == last) break;
  }
  return out;
}

int64_t ConvNetImpl::featureDim() const { return stageWidths(m_options.width()).back(); }

torch::Tensor ConvNetImpl::firstLayerWeight() const { return m_stages.front()->conv->weight; }

}  // namespace pretext::models

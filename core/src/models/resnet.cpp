#include "models/resnet.h"

#include "run/compat.h"

namespace pretext::models {

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride)
    : conv1(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)),
      conv2(torch::nn::Conv2dOptions(out, out, 3).stride(1).padding(1).bias(false)),
      bn1(out),
      bn2(out) {
  register_module("conv1", conv1);
  register_module("bn1", bn1);
  register_module("conv2", conv2);
  register_module("bn2", bn2);
  if (stride != 1 || in != out) {
    shortcut = register_module(
        "shortcut",
        torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                              dist::SyncableBatchNorm2d(out)));
  }
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  auto y = torch::relu(bn1->forward(conv1->forward(x)));
  y = bn2->forward(conv2->forward(y));
  return torch::relu(y + (shortcut ? shortcut->forward(x) : x));
}

BackboneInfo ResNet18Impl::describe() {
  BackboneInfo b;
  b.name = "resnet18";
  b.title = "ResNet-18";
  b.defaultOptimizer = "sgd";
  b.stages = {"stem", "layer1", "layer2", "layer3", "layer4"};
  return b;
}

ResNet18Impl::ResNet18Impl(BackboneOptions options) : BackboneImpl(std::move(options)) {
  if (m_options.width() == 0) m_options.width(kDefaultWidth);
  const int64_t width = m_options.width();
  if (width < 1) throw std::invalid_argument("resnet18: width must be positive, got " + std::to_string(width));
  m_stem = register_module("stem", ConvBnRelu(m_options.inChannels(), width, 3));
  int64_t in = width;
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t out = width << i;
    const int64_t stride = i == 0 ? 1 : 2;
    torch::nn::Sequential layer(BasicBlock(in, out, stride), BasicBlock(out, out, 1));
    m_layers.push_back(register_module("layer" + std::to_string(i + 1), layer));
    in = out;
  }
  initConvBnWeights(*this);
}

std::vector<std::string> ResNet18Impl::stageNames() const {
  static const std::vector<std::string> names = describe().stages;
  return names;
}

torch::Tensor ResNet18Impl::forward(torch::Tensor x) {
  checkImages("resnet18", x, m_options.inChannels());
  const bool bf16 = trainsInCpuBf16(x);
  compat::CpuBf16Autocast autocast(bf16);
  x = m_stem->forward(x);
  for (auto& layer : m_layers) x = layer->forward(x);
  return bf16 ? x.mean({2, 3}, /*keepdim=*/false, torch::kFloat) : x.mean({2, 3});
}

std::map<std::string, torch::Tensor> ResNet18Impl::forwardStages(torch::Tensor x, const std::string& last) {
  const auto names = stageNames();
  checkStageName("resnet18", names, last);
  checkImages("resnet18", x, m_options.inChannels());
  std::map<std::string, torch::Tensor> out;
  x = m_stem->forward(x);
  out["stem"] = x;
  if (last == "stem") return out;
  for (size_t i = 0; i < m_layers.size(); ++i) {
    x = m_layers[i]->forward(x);
    out[names[i + 1]] = x;
    if (names[i + 1] == last) break;
  }
  return out;
}

int64_t ResNet18Impl::featureDim() const { return 8 * m_options.width(); }

torch::Tensor ResNet18Impl::firstLayerWeight() const { return m_stem->conv->weight; }

}  // namespace pretext::models

#include "models/backbone.h"
#include "models/convnet.h"
#include "models/layers.h"
#include "models/resnet.h"
#include "models/vit.h"

#include <functional>

namespace pretext::models {

torch::Tensor BackboneImpl::stageFeatures(torch::Tensor x, const std::string& stage) {
  checkStageName(m_options.name(), stageNames(), stage);
  if (stage.empty()) throw std::invalid_argument("stageFeatures: no stage named; use forward() for the last one");
  auto features = forwardStages(x, stage).at(stage);
  if (features.dim() == 4) return features.mean({2, 3});  // conv maps [B, C, H, W]
  if (features.dim() == 3) return features.select(1, 0);  // tokens [B, 1 + N, D]: the [CLS] token
  return features;
}

torch::Tensor BackboneImpl::clsAttention(torch::Tensor x) {
  (void)x;
  throw std::logic_error("clsAttention: backbone '" + m_options.name() +
                         "' has no attention; only the ViT has attention weights");
}

namespace {

using Factory = std::function<Backbone(const BackboneOptions&)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> factories = {
      {"convnet", [](const BackboneOptions& o) -> Backbone { return std::make_shared<ConvNetImpl>(o); }},
      {"resnet18", [](const BackboneOptions& o) -> Backbone { return std::make_shared<ResNet18Impl>(o); }},
      {"vit", [](const BackboneOptions& o) -> Backbone { return std::make_shared<VitImpl>(o); }},
  };
  return factories;
}

}  // namespace

Backbone makeBackbone(const BackboneOptions& options) {
  if (options.inChannels() < 1 || options.imageSize() < 1) {
    throw std::invalid_argument("backbone '" + options.name() + "': input channels (" +
                                std::to_string(options.inChannels()) + ") and image size (" +
                                std::to_string(options.imageSize()) + ") must be positive");
  }
  for (const auto& [name, factory] : registry())
    if (name == options.name()) return factory(options);
  throw std::invalid_argument("unknown backbone '" + options.name() + "'; valid names: " +
                              joinNames(backboneNames()));
}

std::vector<std::string> backboneNames() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

}  // namespace pretext::models

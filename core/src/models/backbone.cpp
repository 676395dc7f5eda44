#include "models/backbone.h"
#include "models/convnet.h"
#include "models/layers.h"
#include "models/resnet.h"
#include "models/vit.h"

#include <algorithm>
#include <cmath>

namespace pretext {
namespace models {

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

struct BackboneEntry {
  BackboneInfo info;
  Backbone (*make)(const BackboneOptions&);
};

template <class B>
BackboneEntry entry() {
  return {B::describe(), [](const BackboneOptions& o) -> Backbone { return std::make_shared<B>(o); }};
}

// One line per backbone, in the order panels list them.
const std::vector<BackboneEntry>& registry() {
  static const std::vector<BackboneEntry> table = {
      entry<ConvNetImpl>(),
      entry<ResNet18Impl>(),
      entry<VitImpl>(),
  };
  return table;
}

}  // namespace

Backbone makeBackbone(const BackboneOptions& options) {
  if (options.inChannels() < 1 || options.imageSize() < 1) {
    throw std::invalid_argument("backbone '" + options.name() + "': input channels (" +
                                std::to_string(options.inChannels()) + ") and image size (" +
                                std::to_string(options.imageSize()) + ") must be positive");
  }
  for (const auto& e : registry())
    if (e.info.name == options.name()) return e.make(options);
  throw std::invalid_argument("unknown backbone '" + options.name() + "'; valid names: " +
                              joinNames(backboneNames()));
}

std::vector<std::string> backboneNames() {
  std::vector<std::string> names;
  for (const auto& e : registry()) names.push_back(e.info.name);
  return names;
}

}  // namespace models

const std::vector<BackboneInfo>& backboneCatalogue() {
  static const std::vector<BackboneInfo> catalogue = [] {
    std::vector<BackboneInfo> c;
    for (const auto& e : models::registry()) c.push_back(e.info);
    return c;
  }();
  return catalogue;
}

const BackboneInfo& backboneInfo(const std::string& name) {
  for (const auto& b : backboneCatalogue())
    if (b.name == name) return b;
  throw std::invalid_argument("unknown backbone '" + name + "'; valid names: " + models::joinNames(models::backboneNames()));
}

std::string equivalentStage(const std::vector<std::string>& fromStages, const std::string& stage,
                            const std::vector<std::string>& toStages) {
  if (toStages.empty()) throw std::invalid_argument("equivalentStage: the target backbone has no stages");
  if (std::find(toStages.begin(), toStages.end(), stage) != toStages.end()) return stage;
  const auto it = std::find(fromStages.begin(), fromStages.end(), stage);
  if (it == fromStages.end()) {
    throw std::invalid_argument("unknown stage '" + stage + "'; the stages are: " + models::joinNames(fromStages));
  }
  const double index = double(it - fromStages.begin());
  const double last = double(std::max<std::size_t>(1, fromStages.size() - 1));
  return toStages[std::size_t(std::lround(index * double(toStages.size() - 1) / last))];
}

std::string equivalentStage(const std::string& fromBackbone, const std::string& stage, const std::string& toBackbone) {
  return equivalentStage(backboneInfo(fromBackbone).stages, stage, backboneInfo(toBackbone).stages);
}

}  // namespace pretext

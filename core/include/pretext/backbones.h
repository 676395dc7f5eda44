// The backbone catalogue as the window and the CLI show it, and the traits that differ between
// backbones: plain types only.
#pragma once

#include <string>
#include <vector>

namespace pretext {

struct BackboneInfo {
  std::string name;   ///< CLI name: convnet, resnet18, vit
  std::string title;  ///< e.g. "ResNet-18"
  /// The encoder works on patch tokens with a [CLS] token in front (the ViT): its stages give
  /// tokens [B, 1 + N, D] rather than feature maps, its input size is fixed when it is built, and
  /// it has attention weights to show.
  bool classToken = false;
  std::string defaultOptimizer;     ///< "adamw" for the ViT, "sgd" for the convolutional ones
  std::vector<std::string> stages;  ///< stage names in order, as built with the default options
};

/// Every backbone Pretext can build, in the order panels list them: convnet, resnet18, vit.
const std::vector<BackboneInfo>& backboneCatalogue();
/// Throws std::invalid_argument listing the known names when `name` is unknown.
const BackboneInfo& backboneInfo(const std::string& name);
/// The stage of `toBackbone` at the same relative depth as `stage` of `fromBackbone` (first to
/// first, last to last, the rest rounded to the nearest): "conv3" of the convnet is "layer2" of the
/// resnet18. `stage` itself when both backbones are the same or `toBackbone` has a stage of that
/// name. Throws std::invalid_argument for an unknown backbone or a stage `fromBackbone` lacks.
std::string equivalentStage(const std::string& fromBackbone, const std::string& stage, const std::string& toBackbone);
/// The same mapping between two stage lists, for backbones built with other than the default
/// options (a ViT of another depth): `stage` when `toStages` holds it, else the stage of `toStages`
/// at the relative depth of `stage` in `fromStages`. Throws std::invalid_argument when `fromStages`
/// lacks `stage` or `toStages` is empty.
std::string equivalentStage(const std::vector<std::string>& fromStages, const std::string& stage,
                            const std::vector<std::string>& toStages);

}  // namespace pretext

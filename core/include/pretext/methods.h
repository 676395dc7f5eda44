// The method catalogue as the window and the CLI show it: plain types only.
#pragma once

#include <string>
#include <vector>

namespace pretext {

/// A hyperparameter a user may tune, with the paper's default scaled for small images.
struct MethodOption {
  std::string name;      ///< e.g. "temperature" (CLI: --temperature, config.json: "temperature")
  double defaultValue = 0.0;
  std::string help;      ///< one line for tooltips and --help
};

struct MethodInfo {
  std::string name;         ///< CLI name: random, supervised, rotation, simclr, moco, byol, ...
  std::string title;        ///< e.g. "SimCLR"
  std::string family;       ///< baseline, pretext task, contrastive, non-contrastive, clustering, masked modeling
  std::string paper;        ///< e.g. "Chen et al. 2020, A Simple Framework for Contrastive Learning ..."
  std::string description;  ///< one paragraph for students: what it predicts or contrasts, and why it works
  std::string lossFormula;  ///< readable plain-text formula (Unicode allowed)
  bool usesLabels = false;  ///< only the supervised baseline
  bool trains = true;       ///< false for random init
  std::string defaultAugment;  ///< "simclr", "light" or "none"
  std::string requiredBackbone;  ///< a backbone the method cannot do without ("vit" for MAE); empty: any
  /// The step reads no value back to the host and keeps no host-side state between steps, so it can
  /// be recorded once as a CUDA graph (TrainConfig::cudaGraphs).
  bool graphSafeStep = false;
  std::vector<MethodOption> options;
};

/// Every method Pretext can train, in the order panels list them.
const std::vector<MethodInfo>& methodCatalogue();
/// Throws std::invalid_argument listing the known names when `name` is unknown.
const MethodInfo& methodInfo(const std::string& name);

}  // namespace pretext

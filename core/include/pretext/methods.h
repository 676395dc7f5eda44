// The method catalogue as the window and the CLI show it: plain types only.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pretext {

/// A hyperparameter a user may tune, with the paper's default scaled for small images, and the
/// range of values the method accepts (checked when the method is built).
struct MethodOption {
  std::string name;      ///< e.g. "temperature" (CLI: --temperature, config.json: "temperature")
  double defaultValue = 0.0;
  std::string help;      ///< one line for tooltips and --help
  double minValue = 0.0;       ///< smallest accepted value (excluded when minExclusive)
  double maxValue = 0.0;       ///< largest accepted value (excluded when maxExclusive)
  bool integer = false;        ///< whole numbers only (sizes, counts, indices, 0/1 switches)
  bool minExclusive = false;   ///< the range is open at minValue: "temperature > 0"
  bool maxExclusive = false;   ///< the range is open at maxValue: "a ratio < 1"
};

/// Whether `value` lies in the option's range (and is whole for an integer option).
bool optionAccepts(const MethodOption& option, double value);
/// The range as a reader writes it: "(0, 10]", "[0, 1)", "1..65536" (integers).
std::string optionRange(const MethodOption& option);

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
/// Checks option values against the method's options: throws std::invalid_argument naming the
/// method, the option, the value and its range, or for an unknown name, listing the method's options.
void checkMethodOptions(const std::string& method, const std::map<std::string, double>& values);

}  // namespace pretext

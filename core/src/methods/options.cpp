#include "methods/options.h"

#include "pretext/methodflags.h"
#include "pretext/numbers.h"

#include <cmath>
#include <stdexcept>

namespace pretext {

bool optionAccepts(const MethodOption& o, double value) {
  if (!std::isfinite(value)) return false;
  if (o.integer && value != std::floor(value)) return false;
  const bool aboveMin = o.minExclusive ? value > o.minValue : value >= o.minValue;
  const bool belowMax = o.maxExclusive ? value < o.maxValue : value <= o.maxValue;
  return aboveMin && belowMax;
}

std::string optionRange(const MethodOption& o) {
  if (o.integer) return formatFixed(o.minValue, 0) + ".." + formatFixed(o.maxValue, 0);
  return (o.minExclusive ? "(" : "[") + formatExact(o.minValue) + ", " + formatExact(o.maxValue) +
         (o.maxExclusive ? ")" : "]");
}

std::string methodOptionFlag(const std::string& name) {
  // The general options of pretext-cli train that a method option is named like (addTrain refuses
  // to start when another one is).
  static const char* const general[] = {"momentum"};
  for (const char* g : general) {
    if (name == g) return "--method-" + name;
  }
  return "--" + name;
}

void checkMethodOptions(const std::string& method, const std::map<std::string, double>& values) {
  methods::checkOptionValues(method, methodInfo(method).options, values);
}

namespace methods {

void checkOptionValues(const std::string& method, const std::vector<MethodOption>& options,
                       const std::map<std::string, double>& values) {
  for (const auto& [name, value] : values) {
    const MethodOption* option = nullptr;
    std::string known;
    for (const auto& o : options) {
      if (o.name == name) option = &o;
      known += (known.empty() ? "" : ", ") + methodOptionFlag(o.name);
    }
    if (!option) {
      throw std::invalid_argument(method + " has no option " + methodOptionFlag(name) + " (" +
                                  (known.empty() ? "it has no options" : "its options: " + known) + ")");
    }
    if (!optionAccepts(*option, value)) {
      throw std::invalid_argument(method + ": " + methodOptionFlag(name) + " must be " +
                                  (option->integer ? "a whole number in " : "in ") + optionRange(*option) + ", got " +
                                  formatExact(value));
    }
  }
}

}  // namespace methods
}  // namespace pretext

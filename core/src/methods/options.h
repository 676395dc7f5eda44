// Typed method options. A method declares its options once, as a struct whose members carry the
// defaults plus a list of specs binding each member to its name, range and help; the catalogue's
// MethodOption list and the parsing of MethodContext::options both come from that list.
#pragma once

#include "pretext/methods.h"

#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace pretext::methods {

/// An interval of accepted values; the constructors say which ends are open.
struct OptionRange {
  double min = 0.0, max = 0.0;
  bool minOpen = false, maxOpen = false;
};
/// [lo, hi]
constexpr OptionRange closedRange(double lo, double hi) { return {lo, hi, false, false}; }
/// (lo, hi]: temperatures, fractions of a side
constexpr OptionRange openBelow(double lo, double hi) { return {lo, hi, true, false}; }
/// [lo, hi): momenta that must leave a share to the new value
constexpr OptionRange openAbove(double lo, double hi) { return {lo, hi, false, true}; }
/// (lo, hi): ratios that must hide some and keep some
constexpr OptionRange openRange(double lo, double hi) { return {lo, hi, true, true}; }

/// The check behind parseOptions and pretext::checkMethodOptions: every name is one of `options`
/// and every value in its range, else std::invalid_argument naming the method, option, value, range.
void checkOptionValues(const std::string& method, const std::vector<MethodOption>& options,
                       const std::map<std::string, double>& values);

/// One option of the options struct O, bound to its member.
template <class O>
struct OptionSpec {
  using Member = std::variant<double O::*, int64_t O::*, bool O::*>;
  std::string name;
  Member member;
  OptionRange range;
  std::string help;
};

template <class O>
using OptionSpecs = std::vector<OptionSpec<O>>;

/// A real-valued option.
template <class O>
OptionSpec<O> realOption(std::string name, double O::*member, OptionRange range, std::string help) {
  return {std::move(name), member, range, std::move(help)};
}
/// A whole-number option in [lo, hi].
template <class O>
OptionSpec<O> integerOption(std::string name, int64_t O::*member, int64_t lo, int64_t hi, std::string help) {
  return {std::move(name), member, closedRange(double(lo), double(hi)), std::move(help)};
}
/// A 0/1 switch.
template <class O>
OptionSpec<O> switchOption(std::string name, bool O::*member, std::string help) {
  return {std::move(name), member, closedRange(0.0, 1.0), std::move(help)};
}

/// The options as the catalogue shows them; defaults are those of a default-constructed O.
template <class O>
std::vector<MethodOption> describeOptions(const OptionSpecs<O>& specs) {
  const O defaults{};
  std::vector<MethodOption> out;
  for (const auto& s : specs) {
    MethodOption o;
    o.name = s.name;
    o.help = s.help;
    o.defaultValue = std::visit([&](auto member) { return double(defaults.*member); }, s.member);
    o.minValue = s.range.min;
    o.maxValue = s.range.max;
    o.minExclusive = s.range.minOpen;
    o.maxExclusive = s.range.maxOpen;
    o.integer = !std::holds_alternative<double O::*>(s.member);
    out.push_back(std::move(o));
  }
  return out;
}

/// Checks `values` (names and ranges, see pretext::checkMethodOptions) and returns O with them
/// in place of the defaults.
template <class O>
O parseOptions(const std::string& method, const OptionSpecs<O>& specs, const std::map<std::string, double>& values) {
  checkOptionValues(method, describeOptions(specs), values);
  O out{};
  for (const auto& s : specs) {
    const auto it = values.find(s.name);
    if (it == values.end()) continue;
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(out.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            out.*member = it->second != 0.0;
          } else {
            out.*member = T(it->second);
          }
        },
        s.member);
  }
  return out;
}

/// A method without options.
struct NoOptions {
  static const OptionSpecs<NoOptions>& specs() {
    static const OptionSpecs<NoOptions> none;
    return none;
  }
};

}  // namespace pretext::methods

#include "pretext/numbers.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace pretext {

namespace {

std::string special(double v) {
  if (std::isnan(v)) return "nan";
  return v < 0 ? "-inf" : "inf";
}

std::string chars(double v, std::chars_format format, int precision) {
  if (!std::isfinite(v)) return special(v);
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, format, precision);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string();
}

}  // namespace

std::string formatGeneral(double v, int significant) {
  return chars(v, std::chars_format::general, significant < 1 ? 1 : significant);
}

std::string formatFixed(double v, int decimals) { return chars(v, std::chars_format::fixed, decimals < 0 ? 0 : decimals); }

std::string formatExact(double v) {
  if (!std::isfinite(v)) return special(v);
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool parseNumber(std::string_view text, double& value) {
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);  // from_chars takes no plus sign; strtod did
  double v = 0.0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
  value = v;
  return true;
}

double numberOr(std::string_view text, double fallback) {
  double v = 0.0;
  return parseNumber(text, v) ? v : fallback;
}

}  // namespace pretext

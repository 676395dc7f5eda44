// Reading typed values out of parsed JSON (nlohmann-json) by key, for the files Pretext writes and
// reads back: config.json (run/config.cpp), writer.json (io/runwriter.cpp), eval.json (eval/results.cpp),
// a prepared dataset's manifest.json and prepare's progress.json (datasets/prepare.cpp).
//
// Checked readers: a missing key gives the fallback (without a fallback, the key must be there:
// "'KEY': missing"); a value of another type, or a number outside
// the wanted type's range, throws std::runtime_error "'KEY': expected ..." (the caller puts the
// file's name in front). Two of them read whole numbers, and they differ in what they accept:
//   numberAs<T>  any JSON number converted to T; for an integer T a fraction is truncated toward
//                zero (2.0 and 2.5 both read as 2), as config.json has always been read.
//   wholeNumber  only a number written without a fraction or exponent: 2, not 2.0, 2.5 or 2e0, as
//                writer.json (which Pretext alone writes) is read.
// Lenient readers (numberOr, objectOrNull): a value of another type counts as no value, for
// eval.json's table cells, where one odd entry must not hide the others.
#pragma once

#include "pretext/numbers.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace pretext::io::jsonread {

using Json = nlohmann::json;

/// Throws "'KEY': WHAT".
[[noreturn]] inline void badKey(const std::string& key, const std::string& what) {
  throw std::runtime_error("'" + key + "': " + what);
}

/// The value at `key` of the object `j`; null when there is none or `j` is not an object.
inline const Json* member(const Json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

/// `source` parsed as a JSON object; a parse error or another kind of value throws
/// std::runtime_error with `prefix` in front ("config.json: ", or "" where the caller adds the name).
inline Json parseObject(const std::string& source, const std::string& prefix) {
  Json j;
  try {
    j = Json::parse(source);
  } catch (const Json::exception& e) {
    throw std::runtime_error(prefix + e.what());
  }
  if (!j.is_object()) throw std::runtime_error(prefix + "expected an object");
  return j;
}

// ---- checked -----------------------------------------------------------------------------------

/// The value at `key`, which must be there: "'KEY': missing" otherwise. For files Pretext alone
/// writes (a prepared dataset's manifest.json, prepare's progress.json), where a missing key means
/// a damaged file, not an older one.
inline const Json& required(const Json& j, const std::string& key) {
  const Json* v = member(j, key);
  if (!v) badKey(key, "missing");
  return *v;
}

/// The array at `key`, which must be there.
inline const Json& array(const Json& j, const std::string& key) {
  const Json& v = required(j, key);
  if (!v.is_array()) badKey(key, std::string("expected an array, found ") + v.type_name());
  return v;
}

/// The number at `key` converted to T (fractions truncated for an integer T), or an error naming
/// the key: casting a double outside T's range (1e300, NaN from a hand-edited file) to an integer or
/// float is undefined behaviour.
template <typename T>
T numberAs(const Json& j, const std::string& key, T fallback) {
  const Json* v = member(j, key);
  if (!v) return fallback;
  using Limits = std::numeric_limits<T>;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (Limits::is_integer && u > static_cast<std::uint64_t>(Limits::max())) badKey(key, std::to_string(u) + " is out of range");
    return T(u);
  }
  if (v->is_number_integer()) {
    const auto i = v->get<std::int64_t>();
    const bool inRange = Limits::is_integer ? (Limits::is_signed ? i >= std::int64_t(Limits::lowest()) : i >= 0) &&
                                                  (i < 0 || static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(Limits::max()))
                                            : true;
    if (!inRange) badKey(key, std::to_string(i) + " is out of range");
    return T(i);
  }
  if (!v->is_number()) badKey(key, std::string("expected a number, found ") + v->type_name());
  const double d = v->get<double>();
  const double lo = double(Limits::lowest());
  // For integers the first value past the range, 2^digits, is exact as a double; max() may not be.
  const bool inRange = Limits::is_integer ? d >= lo && d < std::ldexp(1.0, Limits::digits)
                                          : d >= lo && d <= double(Limits::max());
  if (!std::isfinite(d) || !inRange) badKey(key, formatGeneral(d) + " is out of range");
  return T(d);
}

/// The whole number at `key`, written as one (2, not 2.0 or 2.5), in the range of int64.
inline std::int64_t wholeNumber(const Json& j, const std::string& key, std::int64_t fallback) {
  const Json* v = member(j, key);
  if (!v) return fallback;
  if (v->is_number_float()) badKey(key, "expected a whole number, not " + v->dump());
  if (!v->is_number_integer()) badKey(key, std::string("expected a whole number, found ") + v->type_name());
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
    badKey(key, v->dump() + " is out of range");
  }
  return v->get<std::int64_t>();
}

/// The whole number at `key`, which must be there.
inline std::int64_t wholeNumber(const Json& j, const std::string& key) {
  required(j, key);
  return wholeNumber(j, key, 0);
}

/// The number at `key` as a double: any JSON number.
inline double number(const Json& j, const std::string& key, double fallback) {
  const Json* v = member(j, key);
  if (!v) return fallback;
  if (!v->is_number()) badKey(key, std::string("expected a number, found ") + v->type_name());
  return v->get<double>();
}

inline std::string text(const Json& j, const std::string& key, const std::string& fallback) {
  const Json* v = member(j, key);
  if (!v) return fallback;
  if (!v->is_string()) badKey(key, std::string("expected a string, found ") + v->type_name());
  return v->get<std::string>();
}

/// The string at `key`, which must be there.
inline std::string text(const Json& j, const std::string& key) {
  required(j, key);
  return text(j, key, std::string());
}

/// The array of strings at `key`, which must be there.
inline std::vector<std::string> texts(const Json& j, const std::string& key) {
  std::vector<std::string> out;
  for (const Json& v : array(j, key)) {
    if (!v.is_string()) badKey(key, std::string("expected an array of strings, found a ") + v.type_name() + " in it");
    out.push_back(v.get<std::string>());
  }
  return out;
}

inline bool boolean(const Json& j, const std::string& key, bool fallback) {
  const Json* v = member(j, key);
  if (!v) return fallback;
  if (!v->is_boolean()) badKey(key, std::string("expected a boolean, found ") + v->type_name());
  return v->get<bool>();
}

/// The object at `key`, null when there is none.
inline const Json* object(const Json& j, const std::string& key) {
  const Json* v = member(j, key);
  if (v && !v->is_object()) badKey(key, std::string("expected an object, found ") + v->type_name());
  return v;
}

// ---- lenient -----------------------------------------------------------------------------------

/// The number at `key`, or `fallback` when there is none, it is not a number or `j` is not an object.
inline double numberOr(const Json& j, const std::string& key, double fallback) {
  const Json* v = member(j, key);
  return v && v->is_number() ? v->get<double>() : fallback;
}

/// The object at `key`, or null when there is none, it is not an object or `j` is not an object.
inline const Json* objectOrNull(const Json& j, const std::string& key) {
  const Json* v = member(j, key);
  return v && v->is_object() ? v : nullptr;
}

}  // namespace pretext::io::jsonread

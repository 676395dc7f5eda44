// A small JSON value, parser and writer for run folders (config.json) — enough for configs, with
// strict parsing and error messages that give the byte offset, so a hand-edited config fails clearly.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pretext::io {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  Json(bool b) : m_type(Type::Bool), m_bool(b) {}
  Json(double d) : m_type(Type::Number), m_number(d) {}
  Json(int i) : m_type(Type::Number), m_number(i) {}
  Json(long long i) : m_type(Type::Number), m_number(double(i)) {}
  Json(const char* s) : m_type(Type::String), m_string(s) {}
  Json(std::string s) : m_type(Type::String), m_string(std::move(s)) {}
  static Json array() { Json j; j.m_type = Type::Array; return j; }
  static Json object() { Json j; j.m_type = Type::Object; return j; }

  Type type() const { return m_type; }
  bool isNull() const { return m_type == Type::Null; }
  bool isObject() const { return m_type == Type::Object; }

  /// Typed access; throws std::runtime_error naming the key path on a type mismatch.
  bool asBool() const;
  double asNumber() const;
  const std::string& asString() const;
  const std::vector<Json>& asArray() const;
  const std::map<std::string, Json>& asObject() const;

  /// Object access. operator[] inserts (turning null into an object); get() returns the member or
  /// `fallback`; at() throws naming the missing key.
  Json& operator[](const std::string& key);
  const Json& at(const std::string& key) const;
  bool contains(const std::string& key) const;
  double number(const std::string& key, double fallback) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key, bool fallback) const;

  void push(Json value);

  std::string dump(int indent = 2) const;
  /// Throws std::runtime_error("... at byte N: what") on malformed input.
  static Json parse(const std::string& text);

 private:
  void dumpTo(std::string& out, int indent, int depth) const;

  Type m_type = Type::Null;
  bool m_bool = false;
  double m_number = 0.0;
  std::string m_string;
  std::vector<Json> m_array;
  std::map<std::string, Json> m_object;
};

}  // namespace pretext::io

#include "io/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace pretext::io {

namespace {

const char* typeName(Json::Type t) {
  switch (t) {
    case Json::Type::Null: return "null";
    case Json::Type::Bool: return "a boolean";
    case Json::Type::Number: return "a number";
    case Json::Type::String: return "a string";
    case Json::Type::Array: return "an array";
    case Json::Type::Object: return "an object";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(const std::string& text) : m_text(text) {}

  Json document() {
    Json value = parseValue(0);
    skipSpace();
    if (m_pos != m_text.size()) fail("unexpected text after the value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("invalid JSON at byte " + std::to_string(m_pos) + ": " + what);
  }

  void skipSpace() {
    while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r' ||
                                     m_text[m_pos] == '\t')) {
      ++m_pos;
    }
  }

  bool consume(const char* word) {
    std::size_t n = 0;
    while (word[n]) ++n;
    if (m_text.compare(m_pos, n, word) == 0) {
      m_pos += n;
      return true;
    }
    return false;
  }

  Json parseValue(int depth) {
    if (depth > 64) fail("nested too deeply");
    skipSpace();
    if (m_pos >= m_text.size()) fail("unexpected end of input");
    const char c = m_text[m_pos];
    if (c == '{') return parseObject(depth);
    if (c == '[') return parseArray(depth);
    if (c == '"') return Json(parseString());
    if (consume("true")) return Json(true);
    if (consume("false")) return Json(false);
    if (consume("null")) return Json();
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
    fail(std::string("unexpected character '") + c + "'");
  }

  Json parseNumber() {
    const std::size_t start = m_pos;
    if (m_text[m_pos] == '-') ++m_pos;
    auto digits = [&] {
      const std::size_t s = m_pos;
      while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') ++m_pos;
      if (m_pos == s) fail("malformed number");
    };
    digits();
    if (m_pos < m_text.size() && m_text[m_pos] == '.') {
      ++m_pos;
      digits();
    }
    if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
      ++m_pos;
      if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-')) ++m_pos;
      digits();
    }
    // from_chars, not strtod: strtod follows LC_NUMERIC, and the window (Qt sets the user's
    // locale) would read "0.5" as 0 under a decimal-comma locale such as de_DE.
    double value = 0.0;
    const auto r = std::from_chars(m_text.data() + start, m_text.data() + m_pos, value);
    if (r.ec == std::errc::result_out_of_range) fail("number out of range");
    if (r.ec != std::errc() || r.ptr != m_text.data() + m_pos) fail("malformed number");
    return Json(value);
  }

  std::string parseString() {
    ++m_pos;  // opening quote
    std::string out;
    while (true) {
      if (m_pos >= m_text.size()) fail("unterminated string");
      const char c = m_text[m_pos++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (m_pos >= m_text.size()) fail("unterminated escape");
      const char e = m_text[m_pos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (m_pos + 4 > m_text.size()) fail("short \\u escape");
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = m_text[m_pos++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= unsigned(h - '0');
            else if (h >= 'a' && h <= 'f') code |= unsigned(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= unsigned(h - 'A' + 10);
            else fail("bad \\u escape");
          }
          // UTF-8 encode (surrogate pairs are kept as two code points: configs are ASCII).
          if (code < 0x80) {
            out += char(code);
          } else if (code < 0x800) {
            out += char(0xC0 | (code >> 6));
            out += char(0x80 | (code & 0x3F));
          } else {
            out += char(0xE0 | (code >> 12));
            out += char(0x80 | ((code >> 6) & 0x3F));
            out += char(0x80 | (code & 0x3F));
          }
          break;
        }
        default: fail(std::string("bad escape \\") + e);
      }
    }
  }

  Json parseArray(int depth) {
    ++m_pos;
    Json arr = Json::array();
    skipSpace();
    if (m_pos < m_text.size() && m_text[m_pos] == ']') {
      ++m_pos;
      return arr;
    }
    while (true) {
      arr.push(parseValue(depth + 1));
      skipSpace();
      if (m_pos >= m_text.size()) fail("unterminated array");
      const char c = m_text[m_pos++];
      if (c == ']') return arr;
      if (c != ',') fail("expected ',' or ']' in array");
    }
  }

  Json parseObject(int depth) {
    ++m_pos;
    Json obj = Json::object();
    skipSpace();
    if (m_pos < m_text.size() && m_text[m_pos] == '}') {
      ++m_pos;
      return obj;
    }
    while (true) {
      skipSpace();
      if (m_pos >= m_text.size() || m_text[m_pos] != '"') fail("expected a key string");
      const std::string key = parseString();
      skipSpace();
      if (m_pos >= m_text.size() || m_text[m_pos] != ':') fail("expected ':' after key");
      ++m_pos;
      obj[key] = parseValue(depth + 1);
      skipSpace();
      if (m_pos >= m_text.size()) fail("unterminated object");
      const char c = m_text[m_pos++];
      if (c == '}') return obj;
      if (c != ',') fail("expected ',' or '}' in object");
    }
  }

  const std::string& m_text;
  std::size_t m_pos = 0;
};

void escapeTo(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

bool Json::asBool() const {
  if (m_type != Type::Bool) throw std::runtime_error(std::string("expected a boolean, found ") + typeName(m_type));
  return m_bool;
}
double Json::asNumber() const {
  if (m_type != Type::Number) throw std::runtime_error(std::string("expected a number, found ") + typeName(m_type));
  return m_number;
}
const std::string& Json::asString() const {
  if (m_type != Type::String) throw std::runtime_error(std::string("expected a string, found ") + typeName(m_type));
  return m_string;
}
const std::vector<Json>& Json::asArray() const {
  if (m_type != Type::Array) throw std::runtime_error(std::string("expected an array, found ") + typeName(m_type));
  return m_array;
}
const std::map<std::string, Json>& Json::asObject() const {
  if (m_type != Type::Object) throw std::runtime_error(std::string("expected an object, found ") + typeName(m_type));
  return m_object;
}

Json& Json::operator[](const std::string& key) {
  if (m_type == Type::Null) m_type = Type::Object;
  if (m_type != Type::Object) throw std::runtime_error("'" + key + "': not an object");
  return m_object[key];
}

const Json& Json::at(const std::string& key) const {
  const auto& obj = asObject();
  const auto it = obj.find(key);
  if (it == obj.end()) throw std::runtime_error("missing key '" + key + "'");
  return it->second;
}

bool Json::contains(const std::string& key) const {
  return m_type == Type::Object && m_object.count(key) > 0;
}

double Json::number(const std::string& key, double fallback) const {
  if (!contains(key)) return fallback;
  try {
    return m_object.at(key).asNumber();
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + key + "': " + e.what());
  }
}

std::string Json::string(const std::string& key, const std::string& fallback) const {
  if (!contains(key)) return fallback;
  try {
    return m_object.at(key).asString();
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + key + "': " + e.what());
  }
}

bool Json::boolean(const std::string& key, bool fallback) const {
  if (!contains(key)) return fallback;
  try {
    return m_object.at(key).asBool();
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + key + "': " + e.what());
  }
}

void Json::push(Json value) {
  if (m_type == Type::Null) m_type = Type::Array;
  if (m_type != Type::Array) throw std::runtime_error("push onto a non-array");
  m_array.push_back(std::move(value));
}

std::string Json::dump(int indent) const {
  std::string out;
  dumpTo(out, indent, 0);
  out += '\n';
  return out;
}

void Json::dumpTo(std::string& out, int indent, int depth) const {
  const std::string pad(std::size_t(indent) * (depth + 1), ' '), padEnd(std::size_t(indent) * depth, ' ');
  switch (m_type) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += m_bool ? "true" : "false"; break;
    case Type::Number: {
      if (!std::isfinite(m_number)) {
        out += "null";  // JSON has no NaN/Inf
      } else if (m_number == std::floor(m_number) && std::fabs(m_number) < 1e15) {
        out += std::to_string(static_cast<long long>(m_number));
      } else {
        // Shortest text that reads back to the same double, in any locale (snprintf's %g would
        // write "0,5" under a decimal-comma locale: invalid JSON).
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, m_number);
        out.append(buf, r.ptr);
      }
      break;
    }
    case Type::String: escapeTo(out, m_string); break;
    case Type::Array: {
      out += '[';
      for (std::size_t i = 0; i < m_array.size(); ++i) {
        out += i ? ", " : "";
        m_array[i].dumpTo(out, indent, depth + 1);
      }
      out += ']';
      break;
    }
    case Type::Object: {
      out += "{\n";
      std::size_t i = 0;
      for (const auto& [key, value] : m_object) {
        out += pad;
        escapeTo(out, key);
        out += ": ";
        value.dumpTo(out, indent, depth + 1);
        out += ++i < m_object.size() ? ",\n" : "\n";
      }
      out += padEnd + "}";
      break;
    }
  }
}

Json Json::parse(const std::string& text) {
  return Parser(text).document();
}

}  // namespace pretext::io

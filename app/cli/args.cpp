#include "args.h"

#include <cstdlib>

namespace pretext::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string key = a.substr(2), value;
      const auto eq = key.find('=');
      if (eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else if (flags.count(key)) {
        value = "1";
      } else {
        if (i + 1 >= argv.size()) throw std::invalid_argument("option --" + key + " needs a value");
        value = argv[++i];
      }
      m_values[key] = value;
    } else {
      m_positionals.push_back(a);
    }
  }
}

std::string Args::value(const std::string& key, const std::string& fallback) const {
  m_read.insert(key);
  const auto it = m_values.find(key);
  return it == m_values.end() ? fallback : it->second;
}

double Args::number(const std::string& key, double fallback) const {
  if (!has(key)) {
    m_read.insert(key);
    return fallback;
  }
  const std::string v = value(key);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') throw std::invalid_argument("--" + key + " expects a number, got '" + v + "'");
  return d;
}

long long Args::integer(const std::string& key, long long fallback) const {
  if (!has(key)) {
    m_read.insert(key);
    return fallback;
  }
  const std::string v = value(key);
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') throw std::invalid_argument("--" + key + " expects a whole number, got '" + v + "'");
  return n;
}

std::vector<std::string> Args::unused() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : m_values) {
    if (!m_read.count(k)) out.push_back("--" + k);
  }
  return out;
}

void Args::rejectUnused(const std::string& what) const {
  std::string list;
  for (const auto& u : unused()) list += (list.empty() ? "" : ", ") + u;
  if (!list.empty()) throw std::invalid_argument(what + " " + list);
}

}  // namespace pretext::cli

// A small command-line parser: positionals, `--key value`, `--key=value` and `--flag`.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace pretext::cli {

class Args {
 public:
  /// `flags` are the options that take no value.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& flags);

  const std::vector<std::string>& positionals() const { return m_positionals; }
  bool has(const std::string& key) const { return m_values.count(key) > 0; }
  std::string value(const std::string& key, const std::string& fallback = "") const;
  /// Typed values; a malformed number throws std::invalid_argument naming the option.
  double number(const std::string& key, double fallback) const;
  long long integer(const std::string& key, long long fallback) const;
  /// Options given but never read: reported as errors so typos do not pass silently.
  std::vector<std::string> unused() const;
  /// Throws std::invalid_argument "<what> --a, --b" when some options were never read.
  void rejectUnused(const std::string& what = "unknown option(s)") const;
  const std::map<std::string, std::string>& all() const { return m_values; }

 private:
  std::vector<std::string> m_positionals;
  std::map<std::string, std::string> m_values;
  mutable std::set<std::string> m_read;
};

}  // namespace pretext::cli

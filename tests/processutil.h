// Whether a killed process has ended, read from the kernel's process table (/proc): shared by the
// tests that assert what a run folder says at the first look after its writer was SIGKILLed.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>

namespace testutil {

/// Whether the process `pid` has ended: gone from /proc, or a zombie its parent has not reaped yet.
inline bool processEnded(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return true;  // reaped
  const auto close = stat.rfind(')');  // the command may hold spaces and parentheses
  return close != std::string::npos && close + 2 < stat.size() && (stat[close + 2] == 'Z' || stat[close + 2] == 'X');
}

/// Waits (at most 120 s, a hang guard) until the SIGKILLed `pid` has ended, without running an event
/// loop: no timer looks at the run meanwhile. Whether it ended.
inline bool waitUntilEnded(std::int64_t pid) {
  const auto start = std::chrono::steady_clock::now();
  while (!processEnded(pid) && std::chrono::steady_clock::now() - start < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return processEnded(pid);
}

}  // namespace testutil

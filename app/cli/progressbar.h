// The CLI's progress display: a one-line bar on a terminal, a line per epoch otherwise.
#pragma once

#include <pretext/training.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace pretext::cli {

class ProgressBar final : public TrainingObserver {
 public:
  explicit ProgressBar(bool quiet);
  void onStart(const std::string& device, std::int64_t trainImages, std::int64_t stepsPerEpoch) override;
  void onStep(const StepReport& r) override;
  void onEpoch(const EpochReport& r) override;
  void onMessage(const std::string& message) override;

 private:
  bool m_tty = false;
  bool m_quiet = false;
  std::chrono::steady_clock::time_point m_lastDraw{};
};

/// A bar for counted work (pretext-cli prepare): done of total, items per second and time left,
/// redrawn on a terminal at most ten times a second; silent when stderr is not a terminal.
class CountBar {
 public:
  CountBar(std::string unit, bool quiet);
  void update(std::int64_t done, std::int64_t total, double seconds);
  void finish();  ///< ends the bar's line

 private:
  std::string m_unit;
  bool m_tty = false;
  bool m_quiet = false;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_lastDraw{};
};

std::string formatDuration(double seconds);

}  // namespace pretext::cli

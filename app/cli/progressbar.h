// The CLI's progress display: a one-line bar on a terminal, a line per epoch otherwise.
#pragma once

#include <pretext/training.h>

#include <chrono>

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

std::string formatDuration(double seconds);

}  // namespace pretext::cli

// The CLI's progress display: a one-line bar on a terminal, a line per epoch otherwise.
#pragma once

#include <pretext/training.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

/// Progress of an Evaluator's long steps (Evaluator::setProgress: feature extraction, the probe's
/// epochs, t-SNE's iterations) on stderr, in English and locale-free: on a terminal a bar rewritten
/// with \r and cleared when the step ends; otherwise a line at each tenth. A step that ends within
/// a second shows nothing. A step starts where the Evaluator reports 0 done.
class StepProgress {
 public:
  explicit StepProgress(bool quiet);
  ~StepProgress();
  /// What the next steps are: one (name, unit) per step, the last one for any further steps,
  /// e.g. {{"t-SNE: features", "images"}, {"t-SNE", "iterations"}}.
  void setSteps(std::vector<std::pair<std::string, std::string>> steps);
  /// The Evaluator's report (a ProgressFn).
  void report(std::int64_t done, std::int64_t total);
  /// Ends the step on show (clears a drawn bar).
  void finish();

 private:
  void draw(std::int64_t done, std::int64_t total, double seconds);
  std::vector<std::pair<std::string, std::string>> m_steps;
  std::size_t m_step = 0;
  bool m_started = false;
  bool m_tty = false;
  bool m_quiet = false;
  bool m_drawn = false;
  int m_tenths = -1;  // the last tenth written as a line
  std::size_t m_width = 0;
  std::chrono::steady_clock::time_point m_start{}, m_lastDraw{};
};

std::string formatDuration(double seconds);

}  // namespace pretext::cli

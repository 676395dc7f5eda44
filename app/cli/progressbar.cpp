#include "progressbar.h"

#include <pretext/numbers.h>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace pretext::cli {

std::string formatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const long s = long(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

ProgressBar::ProgressBar(bool quiet) : m_tty(::isatty(STDERR_FILENO)), m_quiet(quiet) {}

void ProgressBar::onStart(const std::string& device, std::int64_t trainImages, std::int64_t stepsPerEpoch) {
  if (m_quiet) return;
  std::fprintf(stderr, "training on %s: %lld images, %lld steps per epoch\n", device.c_str(),
               static_cast<long long>(trainImages), static_cast<long long>(stepsPerEpoch));
}

void ProgressBar::onStep(const StepReport& r) {
  if (m_quiet || !m_tty) return;
  const auto now = std::chrono::steady_clock::now();
  if (r.step != r.stepsPerEpoch && now - m_lastDraw < std::chrono::milliseconds(100)) return;
  m_lastDraw = now;
  constexpr int width = 24;
  const int filled = int(width * r.step / std::max<std::int64_t>(1, r.stepsPerEpoch));
  std::string bar(std::size_t(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\repoch %d/%d [%s] step %lld/%lld  loss %s  %s img/s  left %s   ", r.epoch + 1, r.epochs,
               bar.c_str(), static_cast<long long>(r.step), static_cast<long long>(r.stepsPerEpoch),
               formatFixed(r.loss, 4).c_str(), formatFixed(r.imagesPerSecond, 0).c_str(),
               formatDuration(r.secondsLeft).c_str());
  std::fflush(stderr);
}

void ProgressBar::onEpoch(const EpochReport& r) {
  if (m_quiet) return;
  if (m_tty) std::fprintf(stderr, "\n");
  if (r.epoch < 0) {
    if (r.knnAccuracy >= 0) std::fprintf(stderr, "before training: k-NN accuracy %s%%\n", formatFixed(100.0 * r.knnAccuracy, 2).c_str());
    return;
  }
  std::fprintf(stderr, "epoch %d done: mean loss %s, %s img/s, %s", r.epoch + 1, formatFixed(r.meanLoss, 4).c_str(),
               formatFixed(r.imagesPerSecond, 0).c_str(), formatDuration(r.seconds).c_str());
  if (r.knnAccuracy >= 0) std::fprintf(stderr, ", k-NN accuracy %s%%", formatFixed(100.0 * r.knnAccuracy, 2).c_str());
  std::fprintf(stderr, "\n");
}

void ProgressBar::onMessage(const std::string& message) {
  if (m_tty) std::fprintf(stderr, "\n");
  std::fprintf(stderr, "%s\n", message.c_str());
}

CountBar::CountBar(std::string unit, bool quiet) : m_unit(std::move(unit)), m_tty(::isatty(STDERR_FILENO)), m_quiet(quiet) {}

void CountBar::update(std::int64_t done, std::int64_t total, double seconds) {
  if (m_quiet || !m_tty) return;
  const auto now = std::chrono::steady_clock::now();
  if (done != total && m_drawn && now - m_lastDraw < std::chrono::milliseconds(100)) return;
  m_lastDraw = now;
  m_drawn = true;
  constexpr int width = 30;
  const int filled = int(width * done / std::max<std::int64_t>(1, total));
  std::string bar(std::size_t(filled), '#');
  bar.resize(width, '.');
  const double rate = seconds > 0 ? double(done) / seconds : 0.0;
  const double left = rate > 0 ? double(total - done) / rate : -1.0;
  std::fprintf(stderr, "\r[%s] %lld/%lld %s  %s %s/s  left %s   ", bar.c_str(), static_cast<long long>(done),
               static_cast<long long>(total), m_unit.c_str(), formatFixed(rate, 0).c_str(), m_unit.c_str(),
               formatDuration(left).c_str());
  std::fflush(stderr);
}

void CountBar::finish() {
  if (m_drawn) std::fprintf(stderr, "\n");
  m_drawn = false;
}

StepProgress::StepProgress(bool quiet) : m_tty(::isatty(STDERR_FILENO)), m_quiet(quiet) {}

StepProgress::~StepProgress() { finish(); }

void StepProgress::setSteps(std::vector<std::pair<std::string, std::string>> steps) {
  finish();
  m_steps = std::move(steps);
  m_step = 0;
  m_started = false;
}

void StepProgress::report(std::int64_t done, std::int64_t total) {
  if (m_quiet || total <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done == 0) {  // a new step
    finish();
    if (m_started && m_step + 1 < m_steps.size()) ++m_step;
    m_started = true;
    m_start = now;
    m_tenths = -1;
    return;
  }
  const double seconds = std::chrono::duration<double>(now - m_start).count();
  if (seconds < 1.0) return;  // short steps show nothing
  if (m_tty) {
    if (done != total && m_drawn && now - m_lastDraw < std::chrono::milliseconds(100)) return;
    m_lastDraw = now;
    draw(done, total, seconds);
    if (done >= total) finish();
    return;
  }
  const int tenths = int(10 * done / total);
  if (tenths == m_tenths) return;
  m_tenths = tenths;
  draw(done, total, seconds);
}

void StepProgress::draw(std::int64_t done, std::int64_t total, double seconds) {
  const std::string name = m_steps.empty() ? "working" : m_steps[m_step].first;
  const std::string unit = m_steps.empty() ? "items" : m_steps[m_step].second;
  const double rate = seconds > 0 ? double(done) / seconds : 0.0;
  const double left = rate > 0 ? double(total - done) / rate : -1.0;
  const std::string counts = std::to_string(done) + "/" + std::to_string(total) + " " + unit;
  const std::string speed = formatFixed(rate, rate < 10 ? 1 : 0) + " " + unit + "/s";
  if (m_tty) {
    constexpr int width = 24;
    std::string bar(std::size_t(width * done / total), '#');
    bar.resize(width, '.');
    const std::string line = name + " [" + bar + "] " + counts + "  " + speed + "  left " + formatDuration(left);
    const std::size_t pad = m_width > line.size() ? m_width - line.size() : 0;
    std::fprintf(stderr, "\r%s%s", line.c_str(), std::string(pad, ' ').c_str());
    m_width = line.size();
    m_drawn = true;
  } else {
    std::fprintf(stderr, "%s: %d%% (%s, %s, %s left)\n", name.c_str(), int(100 * done / total), counts.c_str(),
                 speed.c_str(), formatDuration(left).c_str());
  }
  std::fflush(stderr);
}

void StepProgress::finish() {
  if (!m_drawn) return;
  // The bar gives way to what follows on stdout.
  std::fprintf(stderr, "\r%s\r", std::string(m_width, ' ').c_str());
  std::fflush(stderr);
  m_drawn = false;
  m_width = 0;
}

}  // namespace pretext::cli

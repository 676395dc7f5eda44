// pretext-gui-bench: the GUI event loop's worst stall while the Training panel trains, for bench/run.sh.
//
//   pretext-gui-bench [--seconds 20] [--idle-seconds 5] [--method simclr] [--dataset fashion-mnist]
//
// A 5 ms timer ticks on the GUI thread; a stall is the longest gap between two ticks (5 ms when
// nothing blocks the loop). First the shown panel sits idle for --idle-seconds (the reference: what
// the loop gives with no training), then Start is clicked with the panel's defaults (ConvNet width
// 32, batch 256, all cores, k-NN monitor on) and the loop is watched through the monitor's k-NN
// pass before the first step and then --seconds of steps; then Stop is clicked and its answer
// timed. Runs headless: without a QT_QPA_PLATFORM it uses "offscreen". Prints one JSON line, like
// pretext-bench.
#include "livechart.h"
#include "trainingpanel.h"

#include <pretext/dataset.h>

#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPushButton>
#include <QLineEdit>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

namespace {

constexpr int kFirstStepLimitMs = 180000;  // the k-NN monitor before the first step, on a slow machine

/// Longest gap between consecutive ticks of a 5 ms timer on the calling (GUI) thread.
class StallMeter {
 public:
  StallMeter() {
    m_ticker.setTimerType(Qt::PreciseTimer);
    m_ticker.setInterval(5);
    QObject::connect(&m_ticker, &QTimer::timeout, [this] {
      if (m_gap.isValid()) {
        const qint64 gap = m_gap.elapsed();
        m_worst = std::max(m_worst, gap);
        ++m_ticks;
      }
      m_gap.restart();
    });
  }
  void start() {
    m_worst = 0;
    m_ticks = 0;
    m_gap.invalidate();
    m_ticker.start();
  }
  /// The worst gap so far, in ms, and starts a new interval (the timer keeps ticking).
  qint64 takeWorst() {
    const qint64 worst = m_worst;
    m_worst = 0;
    return worst;
  }
  void stop() { m_ticker.stop(); }
  long long ticks() const { return m_ticks; }

 private:
  QTimer m_ticker;
  QElapsedTimer m_gap;
  qint64 m_worst = 0;
  long long m_ticks = 0;
};

/// Runs the event loop for `ms` milliseconds, or until `done` returns true (checked every 5 ms).
template <typename Done>
void spin(int ms, Done done) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms && !done()) {
    QEventLoop loop;
    QTimer::singleShot(5, &loop, &QEventLoop::quit);
    loop.exec();
  }
}

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  std::map<std::string, std::string> options{
      {"seconds", "20"}, {"idle-seconds", "5"}, {"method", "simclr"}, {"dataset", "fashion-mnist"}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << "usage: pretext-gui-bench [--seconds 20] [--idle-seconds 5] [--method simclr] "
                   "[--dataset fashion-mnist]\nPrints one JSON line. See bench/README.md.\n";
      return 0;
    }
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc || !options.count(arg.substr(2))) {
      std::cerr << "pretext-gui-bench: unknown or incomplete option '" << arg << "' (--help)\n";
      return 2;
    }
    options[arg.substr(2)] = argv[++i];
  }
  QApplication app(argc, argv);
  try {
    const int seconds = std::stoi(options["seconds"]);
    const int idleSeconds = std::stoi(options["idle-seconds"]);
    const auto dataset = pretext::Dataset::load(pretext::DatasetSpec::parse(options["dataset"]));
    QTemporaryDir runs;

    TrainingPanel panel;
    panel.resize(1280, 800);
    panel.show();
    panel.setDataset(dataset);
    const int method = panel.methodBox()->findData(QString::fromStdString(options["method"]));
    if (method < 0) throw std::invalid_argument("unknown method '" + options["method"] + "'");
    panel.methodBox()->setCurrentIndex(method);
    panel.epochsBox()->setValue(100);  // runs past the measured window; stopped at its end
    panel.runFolderEdit()->setText(runs.filePath(QStringLiteral("run")));
    bool finished = false;
    QObject::connect(&panel, &TrainingPanel::runFinished, [&] { finished = true; });

    StallMeter meter;
    meter.start();
    spin(idleSeconds * 1000, [] { return false; });
    const qint64 idleWorst = meter.takeWorst();

    // The monitor's k-NN pass comes first, then the steps: the worst stall of each phase.
    const auto steps = [&] {
      const auto* plot = panel.chart()->lossPlot();
      return plot->graphCount() > 1 ? plot->graph(1)->dataCount() : 0;  // graph 1: smoothed loss, a point a step
    };
    panel.startButton()->click();
    QElapsedTimer window;
    window.start();
    spin(kFirstStepLimitMs, [&] { return steps() > 0 || finished; });
    const qint64 knnWorst = meter.takeWorst();
    const double firstStepSeconds = window.elapsed() / 1000.0;
    if (steps() == 0) {
      throw std::runtime_error("no training step within " + std::to_string(kFirstStepLimitMs / 1000) + " s");
    }
    spin(seconds * 1000, [&] { return finished; });
    const qint64 stepsWorst = meter.takeWorst();
    const long long ticks = meter.ticks();
    const int shownSteps = steps();

    QElapsedTimer answer;
    answer.start();
    panel.stopButton()->click();
    spin(30000, [&] { return finished; });
    const qint64 stopMs = answer.elapsed();
    meter.stop();
    if (!finished) throw std::runtime_error("the run did not finish within 30 s of Stop");

    char line[1024];
    std::snprintf(line, sizeof line,
                  "{\"bench\": \"gui-stall\", \"method\": \"%s\", \"dataset\": \"%s\", \"seconds\": %d, "
                  "\"worst_stall_ms\": %lld, \"worst_stall_knn_ms\": %lld, \"worst_stall_steps_ms\": %lld, "
                  "\"idle_worst_stall_ms\": %lld, \"first_step_seconds\": %.2f, \"steps_shown\": %d, "
                  "\"ticks\": %lld, \"stop_ms\": %lld, \"peak_rss_mb\": %.1f}",
                  options["method"].c_str(), dataset.spec().toString().c_str(), seconds,
                  static_cast<long long>(std::max(knnWorst, stepsWorst)), static_cast<long long>(knnWorst),
                  static_cast<long long>(stepsWorst), static_cast<long long>(idleWorst), firstStepSeconds,
                  shownSteps, ticks, static_cast<long long>(stopMs), peakRssMb());
    std::cout << line << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pretext-gui-bench: " << e.what() << '\n';
    return 1;
  }
}

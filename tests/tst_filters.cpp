// The first layer's two measures (pretext/filters.h): edge-likeness against a second
// implementation on torch's FFT and against filters whose answer is known, the change against a
// brute-force mean; and the run keeping its initial filters so that the change survives a resume.
#include "io/fileutil.h"
#include "shapesrun.h"
#include "testutil.h"

#include <pretext/evaluation.h>
#include <pretext/filters.h>
#include <pretext/metrics.h>
#include <pretext/training.h>

#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <functional>

using namespace pretext;
namespace fs = std::filesystem;

namespace {

FilterBank bankOf(const torch::Tensor& t) {
  const auto w = t.to(torch::kFloat).contiguous();
  FilterBank b;
  b.count = int(w.size(0));
  b.channels = int(w.size(1));
  b.size = int(w.size(2));
  b.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  return b;
}

torch::Tensor toTensor(const FilterBank& b) {
  return torch::from_blob(const_cast<float*>(b.weights.data()), {b.count, b.channels, b.size, b.size}, torch::kFloat)
      .clone();
}

/// The definition again, on torch's FFT with atan2 and cos/sin (the core uses its own DFT and
/// the squared complex frequency): one value per filter of w [O, I, k, k].
std::vector<double> referenceEdgeLikeness(const torch::Tensor& w) {
  const int64_t k = w.size(2);
  const auto x = w.to(torch::kDouble) - w.to(torch::kDouble).mean({2, 3}, true);
  const auto power = torch::fft::fft2(x).abs().pow(2).sum(1);  // [O, k, k]
  std::vector<double> out;
  for (int64_t f = 0; f < w.size(0); ++f) {
    double re = 0, im = 0, total = 0;
    for (int64_t u = 0; u < k; ++u) {
      for (int64_t v = 0; v < k; ++v) {
        if (u == 0 && v == 0) continue;
        const double fu = u <= k / 2 ? double(u) : double(u - k), fv = v <= k / 2 ? double(v) : double(v - k);
        const double theta = std::atan2(fu, fv);
        const double p = power[f][u][v].item<double>();
        re += p * std::cos(2 * theta);
        im += p * std::sin(2 * theta);
        total += p;
      }
    }
    out.push_back(total > 0 ? std::sqrt(re * re + im * im) / total : 0.0);
  }
  return out;
}

/// A gray k x k filter from f(row, column), centred coordinates.
torch::Tensor pattern(int k, const std::function<double(double, double)>& f) {
  auto t = torch::zeros({1, 1, k, k}, torch::kFloat);
  const double c = (k - 1) / 2.0;
  for (int r = 0; r < k; ++r)
    for (int s = 0; s < k; ++s) t[0][0][r][s] = float(f(r - c, s - c));
  return t;
}

}  // namespace

class TestFilters : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  std::string out(const std::string& name) { return (fs::path(m_tmp.path().toStdString()) / name).string(); }

 private Q_SLOTS:
  void edgeLikenessMatchesFftReference() {
    torch::manual_seed(3);
    for (int k : {3, 4, 5, 7, 9}) {
      for (int channels : {1, 3}) {
        const auto w = torch::randn({6, channels, k, k});
        const auto expected = referenceEdgeLikeness(w);
        const FilterMeasures m = measureFilters(bankOf(w));
        QCOMPARE(int(m.filterEdgeLikeness.size()), 6);
        double mean = 0;
        for (int f = 0; f < 6; ++f) {
          QVERIFY2(std::abs(m.filterEdgeLikeness[f] - expected[f]) < 1e-5,
                   qPrintable(QStringLiteral("k %1, %2 channels, filter %3: %4 vs %5")
                                  .arg(k).arg(channels).arg(f).arg(m.filterEdgeLikeness[f]).arg(expected[f])));
          mean += expected[f] / 6;
        }
        QVERIFY(std::abs(m.edgeLikeness - mean) < 1e-5);
        QCOMPARE(m.change, -1.0);  // no start given
      }
    }
  }

  void knownFilters() {
    const double pi = std::acos(-1.0);
    // A vertical step edge: all its energy along one orientation.
    const auto step = pattern(7, [](double, double x) { return x < 0 ? -1.0 : (x > 0 ? 1.0 : 0.0); });
    QVERIFY(std::abs(edgeLikeness(bankOf(step), 0) - 1.0) < 1e-9);
    // Horizontal stripes and a step edge plus a constant: the same.
    QVERIFY(std::abs(edgeLikeness(bankOf(pattern(9, [](double y, double) { return std::cos(y * 1.3) + 4; })), 0) - 1.0) < 1e-9);
    // A Gabor filter at 30 degrees, in colour (the same pattern in each channel, scaled).
    const auto gabor = pattern(9, [&](double y, double x) {
      const double t = x * std::cos(pi / 6) + y * std::sin(pi / 6);
      return std::exp(-(x * x + y * y) / (2 * 2.5 * 2.5)) * std::cos(2 * pi * t / 4.0);
    });
    const auto colourGabor = torch::cat({gabor, 0.5 * gabor, -gabor}, 1);
    QVERIFY2(edgeLikeness(bankOf(colourGabor), 0) > 0.8, qPrintable(QString::number(edgeLikeness(bankOf(colourGabor), 0))));
    // A centre-surround blob has no orientation; a constant has no energy at all.
    const auto blob = pattern(9, [](double y, double x) {
      const double r2 = x * x + y * y;
      return std::exp(-r2 / 2.0) - 0.5 * std::exp(-r2 / 8.0);
    });
    QVERIFY2(edgeLikeness(bankOf(blob), 0) < 0.05, qPrintable(QString::number(edgeLikeness(bankOf(blob), 0))));
    QCOMPARE(edgeLikeness(bankOf(torch::full({1, 3, 5, 5}, 0.7f)), 0), 0.0);
    // White noise: low on average, far from any edge (about sqrt(pi / (2n)), n = 24 frequencies of 7x7).
    torch::manual_seed(11);
    const FilterMeasures noise = measureFilters(bankOf(torch::randn({400, 1, 7, 7})));
    QVERIFY2(noise.edgeLikeness > 0.15 && noise.edgeLikeness < 0.35, qPrintable(QString::number(noise.edgeLikeness)));
    const FilterMeasures colourNoise = measureFilters(bankOf(torch::randn({400, 3, 7, 7})));
    QVERIFY2(colourNoise.edgeLikeness < noise.edgeLikeness, qPrintable(QString::number(colourNoise.edgeLikeness)));
  }

  void changeIsTheMeanAbsoluteDifference() {
    torch::manual_seed(5);
    const auto start = torch::randn({8, 3, 5, 5});
    const auto now = start + 0.1 * torch::randn({8, 3, 5, 5});
    const FilterBank a = bankOf(now), b = bankOf(start);
    const FilterMeasures m = measureFilters(a, &b);
    double total = 0;
    for (int f = 0; f < 8; ++f) {
      double sum = 0, mag = 0;
      for (int c = 0; c < 3; ++c)
        for (int r = 0; r < 5; ++r)
          for (int s = 0; s < 5; ++s) {
            sum += std::abs(now[f][c][r][s].item<double>() - start[f][c][r][s].item<double>());
            mag += std::abs(start[f][c][r][s].item<double>());
          }
      QVERIFY(std::abs(m.filterChange[f] - sum / 75) < 1e-6);
      QVERIFY(std::abs(m.filterStartMagnitude[f] - mag / 75) < 1e-6);
      total += sum;
    }
    QVERIFY(std::abs(m.change - total / (8 * 75)) < 1e-6);
    const FilterBank other = bankOf(torch::randn({8, 3, 7, 7}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, measureFilters(a, &other));
    FilterBank broken = a;
    broken.weights.pop_back();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, measureFilters(broken));
  }

  void metricsColumns() {
    MetricsRow row = MetricsRow::epochRow(1, 20, 1.5, 100.0, 0.7, 3.0);
    row.filterChange = 0.0123;
    row.edgeLikeness = 0.4567;
    MetricsRow back;
    QVERIFY(parseMetricsRow(formatMetricsRow(row), back));
    QCOMPARE(back.filterChange, 0.0123);
    QCOMPARE(back.edgeLikeness, 0.4567);
    // Not measured: empty cells, read back as -1.
    QVERIFY(parseMetricsRow(formatMetricsRow(MetricsRow::stepRow(0, 1, 1, 2.0, -1, 0.1, 10)), back));
    QCOMPARE(back.filterChange, -1.0);
    QCOMPARE(back.edgeLikeness, -1.0);
    // A metrics.csv written before the two columns still reads, header and all.
    std::vector<std::string> malformed;
    const auto rows = parseMetrics(metricsHeaderWithoutFilters() + "\nepoch,0,,6,1.5,,,200.0,0.7000,3.00\nstep,0,1,1,0.5,,0.06,100.0,,\n",
                                   &malformed);
    QVERIFY(malformed.empty());
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(rows[0].knnAccuracy, 0.7);
    QCOMPARE(rows[0].edgeLikeness, -1.0);
    QCOMPARE(rows[1].filterChange, -1.0);
  }

  void firstKernelOption() {
    TrainConfig c = testrun::shapesRun("simclr", 4);
    c.firstKernel = 9;
    Trainer trainer(c, Dataset::load(c.dataset));
    Evaluator live(trainer);
    QCOMPARE(live.filters().size, 9);
    QCOMPARE(live.filters().channels, 3);
    QCOMPARE(configFromJson(configToJson(c)).firstKernel, 9);
    QCOMPARE(configFromJson("{}").firstKernel, 0);  // older runs: the default
    for (int bad : {2, 1, 17, -3}) {
      c.firstKernel = bad;
      QVERIFY_THROWS_EXCEPTION(std::invalid_argument, validateConfig(c));
    }
  }

  void runRecordsBothAndKeepsTheStartAcrossResume() {
    const std::string dir = out("run");
    TrainConfig c = testrun::shapesRun("simclr", 24, dir);
    c.firstKernel = 7;
    c.knnK = 20;
    c.epochs = 1;
    {
      Trainer trainer(c, Dataset::load(c.dataset));
      const RunResult r = trainer.run();
      QCOMPARE(int(r.status), int(RunStatus::Finished));
    }
    const std::string initialPath = dir + "/checkpoints/initial_filters.pt";
    QVERIFY(io::fileExists(initialPath));
    const torch::Tensor initial = toTensor(Evaluator(dir).initialFilters());
    // The start is the weights of the model as built from the seed, before any step.
    {
      c.outDir.clear();
      Trainer fresh(c, Dataset::load(c.dataset));
      Evaluator built(fresh);
      Evaluator opened(dir);
      QVERIFY(toTensor(opened.initialFilters()).equal(toTensor(built.filters())));
      c.outDir = dir;
    }
    auto rows = readMetrics(dir + "/metrics.csv");
    QVERIFY(rows.size() >= 3);
    QVERIFY(rows.front().isEpoch() && rows.front().epoch == -1);  // the monitor before training
    QCOMPARE(rows.front().filterChange, 0.0);
    QVERIFY(rows.front().edgeLikeness > 0 && rows.front().edgeLikeness < 1);
    for (const auto& row : rows) QVERIFY(row.filterChange >= 0 && row.edgeLikeness >= 0);  // CPU: every row
    // The last row against the checkpoint's weights and the kept start, computed here.
    auto check = [&](const MetricsRow& last) {
      Evaluator e(dir);
      const auto now = toTensor(e.filters()), start = toTensor(e.initialFilters());
      const double change = (now - start).abs().mean().item<double>();
      QVERIFY2(std::abs(last.filterChange - change) < 1e-5 * std::max(1.0, change),
               qPrintable(QStringLiteral("%1 vs %2").arg(last.filterChange).arg(change)));
      double edge = 0;
      for (double v : referenceEdgeLikeness(now)) edge += v / now.size(0);
      QVERIFY(std::abs(last.edgeLikeness - edge) < 1e-4);
      QVERIFY(change > 0);
    };
    check(rows.back());
    // A run from before the file existed: resuming rebuilds the same start from the seed and
    // saves it; the change goes on from there.
    fs::remove(initialPath);
    {
      auto trainer = Trainer::resume(dir, 2);
      QCOMPARE(int(trainer->run().status), int(RunStatus::Finished));
    }
    QVERIFY(io::fileExists(initialPath));
    QVERIFY(toTensor(Evaluator(dir).initialFilters()).equal(initial));
    const std::string initialBytes = io::readTextFile(initialPath);
    // Resuming again keeps the saved file as it is.
    {
      auto trainer = Trainer::resume(dir, 3);
      QCOMPARE(int(trainer->run().status), int(RunStatus::Finished));
    }
    QVERIFY(io::readTextFile(initialPath) == initialBytes);
    rows = readMetrics(dir + "/metrics.csv");
    QVERIFY(rows.back().isEpoch() && rows.back().epoch == 2);
    check(rows.back());
  }
};

QTEST_GUILESS_MAIN(TestFilters)
#include "tst_filters.moc"

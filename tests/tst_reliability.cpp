// Reliability: the inputs the fuzzers found (and the ones found by reading the readers) stay
// fixed; names from users stay inside their run folder; a stop at an epoch boundary or during the
// k-NN monitor resumes exactly; a full disk, a deleted dataset, a NaN loss and running out of
// memory each give a clear message and keep what was already written.
#include "fuzz/contracts.h"
#include "io/fileutil.h"
#include "shapesrun.h"
#include "testconfig.h"
#include "testutil.h"

#include <pretext/evaluation.h>
#include <pretext/metrics.h>
#include <pretext/paths.h>
#include <pretext/training.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <sys/resource.h>

using namespace pretext;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

/// CPU seconds this process has used, all its threads together (unlike wall-clock time, about the
/// same on a quiet and on a busy machine).
double processCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

TrainConfig smallConfig(const std::string& method, const std::string& outDir = "") {
  TrainConfig c = testrun::shapesRun(method, 24, outDir);  // 192 train, 48 test images: 6 steps of 32 per epoch
  c.knnK = 20;
  return c;
}

/// Calls `atStep(globalStepCount)` after every step; records losses and k-NN reports.
struct Hook : TrainingObserver {
  std::function<void(int)> atStep;
  std::vector<double> knn;
  std::vector<std::string> messages;
  int steps = 0;
  void onStep(const StepReport&) override {
    ++steps;
    if (atStep) atStep(steps);
  }
  void onEpoch(const EpochReport& r) override { knn.push_back(r.knnAccuracy); }
  void onMessage(const std::string& m) override { messages.push_back(m); }
};

/// The method's tensors in a checkpoint, by dotted name (parameters and buffers).
void collectTensors(torch::serialize::InputArchive& archive, const std::string& prefix,
                    std::map<std::string, torch::Tensor>& out) {
  for (const auto& key : archive.keys()) {
    torch::Tensor t;
    if (archive.try_read(key, t)) {
      out[prefix + key] = t;
      continue;
    }
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) collectTensors(child, prefix + key + ".", out);
  }
}

std::map<std::string, torch::Tensor> methodTensors(const std::string& checkpoint) {
  torch::serialize::InputArchive archive, method;
  archive.load_from(checkpoint);
  archive.read("method", method);
  std::map<std::string, torch::Tensor> out;
  collectTensors(method, "", out);
  return out;
}

/// (loss, learning rate) of every step row of metrics.csv.
std::vector<std::pair<double, double>> stepCurve(const std::string& path) {
  std::vector<std::pair<double, double>> out;
  for (const MetricsRow& row : readMetrics(path))
    if (row.isStep()) out.emplace_back(row.loss, row.learningRate);
  return out;
}

/// Lowers the soft limit on file sizes (RLIMIT_FSIZE) with SIGXFSZ ignored, so a write past it
/// fails with EFBIG like a full disk; restores both when it goes out of scope.
class FileSizeLimit {
 public:
  FileSizeLimit() {
    ::getrlimit(RLIMIT_FSIZE, &m_saved);
    m_handler = std::signal(SIGXFSZ, SIG_IGN);
  }
  void set(rlim_t bytes) {
    rlimit r = m_saved;
    r.rlim_cur = bytes;
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &r), 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &m_saved);
    std::signal(SIGXFSZ, m_handler);
  }

 private:
  rlimit m_saved{};
  void (*m_handler)(int) = nullptr;
};

std::vector<std::uint8_t> bytesOf(const std::string& path) { return io::readFile(path); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

constexpr bool kAddressSanitizer =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

}  // namespace

class TstReliability : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  std::string out(const std::string& name) { return (fs::path(m_tmp.path().toStdString()) / name).string(); }

  /// A finished one-epoch run of `method` in `dir` (config says `epochs` in total).
  void trainOneEpoch(const std::string& dir, int epochs, const std::string& method = "simclr") {
    TrainConfig c = smallConfig(method, dir);
    c.epochs = epochs;
    c.knnEveryEpoch = false;
    Trainer t(c, Dataset::load(c.dataset));
    Hook hook;
    hook.atStep = [&](int step) {
      if (step == 6) t.requestStop();  // the last step of epoch 1
    };
    const RunResult r = t.run(&hook);
    QVERIFY2(r.status == (epochs == 1 ? RunStatus::Finished : RunStatus::Stopped), r.message.c_str());
  }

 private Q_SLOTS:
  // --- inputs found by fuzzing and by reading the readers ----------------------------------------

  void fuzzRegressionsStillHold() {
    const std::map<std::string, std::function<std::string(const std::uint8_t*, std::size_t)>> contract{
        {"fuzz_idx", contracts::idx},     {"fuzz_cifar", contracts::cifar},
        {"fuzz_stl10", contracts::stl10}, {"fuzz_imagefolder", contracts::imageFolder},
        {"fuzz_config", contracts::config},
        {"fuzz_checkpoint", contracts::checkpoint}, {"fuzz_prepared", contracts::prepared}};
    const fs::path root = fs::path(PRETEXT_SOURCE_DIR) / "tests/fuzz/regressions";
    int replayed = 0;
    for (const auto& dir : fs::directory_iterator(root)) {
      QVERIFY2(contract.count(dir.path().filename().string()), dir.path().c_str());
      for (const auto& file : fs::directory_iterator(dir.path())) {
        const auto bytes = io::readFile(file.path().string());
        const std::string failure = contract.at(dir.path().filename().string())(bytes.data(), bytes.size());
        QVERIFY2(failure.empty(), (file.path().string() + ": " + failure).c_str());
        ++replayed;
      }
    }
    QVERIFY2(replayed > 0, "no regression inputs found under tests/fuzz/regressions");
  }

  void idxDimensionsThatOverflowAreRejected() {
    // 2^28 x 2^28 x 2^8 bytes: the product wraps to 0 in 64 bits, which a 16-byte file "matches".
    std::vector<std::uint8_t> b;
    for (std::uint32_t v : {0x00000803u, 1u << 28, 1u << 28, 1u << 8}) testutil::putBe32(b, v);
    const std::string path = out("overflow-idx3-ubyte");
    testutil::writeBytes(path, b);
    try {
      datasets::readIdxImages(path);
      QFAIL("an IDX header whose size overflows was accepted");
    } catch (const DatasetError& e) {
      QVERIFY2(contains(e.what(), "implausible IDX size"), e.what());
    }
  }

  void metricsRowsKeepTheirFormat() {
    // Byte for byte the rows the Trainer wrote with snprintf before MetricsRow (C locale), so
    // that existing run folders read the same; since then two cells follow (the first layer's
    // change and edge-likeness), empty when not measured.
    const std::vector<double> values = {0.1925, 1.0, 1e-05, 123456789.0, 0.0, 2.5e-7, 6.02214076e23, 0.999999951};
    for (const double v : values) {
      char expected[256];
      std::snprintf(expected, sizeof expected, "step,%lld,%lld,%lld,%.6g,%s,%.6g,%.1f,,,,", 3LL, 4LL, 40LL, v,
                    std::to_string(v / 2).c_str(), v, v * 10);
      QCOMPARE(formatMetricsRow(MetricsRow::stepRow(3, 4, 40, v, v / 2, v, v * 10)), std::string(expected));
      std::snprintf(expected, sizeof expected, "epoch,%d,,%lld,%.6g,,,%.1f,%.4f,%.2f,,", -1, 40LL, v, v, v / 3, v * 7);
      QCOMPARE(formatMetricsRow(MetricsRow::epochRow(-1, 40, v, v, v / 3, v * 7)), std::string(expected));
    }
    // No task accuracy: an empty cell, read back as -1.
    MetricsRow row;
    QVERIFY(parseMetricsRow(formatMetricsRow(MetricsRow::stepRow(0, 1, 1, 2.5, -1.0, 0.06, 10)), row));
    QCOMPARE(row.taskAccuracy, -1.0);
    QCOMPARE(row.loss, 2.5);
    QVERIFY(row.isStep());
    // What a decimal-comma locale wrote, and other damage, is reported by line, not misread.
    const std::string text = metricsHeader() + "\n" + "step,0,1,1,0,1925,,0,06,100,0,,\n" +
                             "epoch,0,,6,1.5,,,200.0,0.7000,3.00\n" + "epoch,0,,6,1.5,,,200.0,0.7000\n" +
                             "step,x,1,1,0.5,,0.06,100.0,,\n" + "bogus\n";
    std::vector<std::string> malformed;
    const auto rows = parseMetrics(text, &malformed);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].knnAccuracy, 0.7);
    QCOMPARE(rows[0].seconds, 3.0);
    QCOMPARE(malformed.size(), std::size_t(4));
    QVERIFY2(malformed[0].rfind("line 2: step,0,1,1,0,1925", 0) == 0, malformed[0].c_str());
    QVERIFY2(malformed[3] == "line 6: bogus", malformed[3].c_str());
  }

  void filesIgnoreTheLocale() {
    // The window runs under the user's locale (Qt calls setlocale): under de_DE, printf's %g and
    // strtod write and read "0,5", which once put "0,1925" into metrics.csv (one column too many,
    // and `compare` read a k-NN accuracy of 17100). Build that locale in a scratch folder, since
    // few machines install it, then run every writer and reader under it and under C.
    const std::string locales = out("locales");
    fs::create_directories(locales);
    const std::string cmd = "localedef -i de_DE -f UTF-8 " + locales + "/de_DE.UTF-8 >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) QSKIP("localedef or the de_DE locale source is missing (package locales)");
    ::setenv("LOCPATH", locales.c_str(), 1);
    const std::string previous = std::setlocale(LC_ALL, nullptr);
    if (!std::setlocale(LC_ALL, "de_DE.UTF-8")) {
      ::unsetenv("LOCPATH");
      QSKIP("the de_DE locale built by localedef could not be selected");
    }
    std::setlocale(LC_ALL, previous.c_str());

    struct Written {
      std::string stepLine, epochLine, config, csv, markdown, evalJson;
      MetricsRow step, epoch;
      TrainConfig configBack;
      RunSummary summary;
      std::vector<MetricsRow> trained;  // metrics.csv of a short run trained under the locale
      std::vector<std::string> malformed;
      double knn = -1.0;
    };
    const auto writeAll = [&](const std::string& name) {
      Written w;
      MetricsRow step = MetricsRow::stepRow(2, 7, 31, 0.1925, 0.5625, 0.003, 1234.56);
      step.filterChange = 0.0123456789;
      step.edgeLikeness = 0.56789;
      const MetricsRow epoch = MetricsRow::epochRow(2, 36, 1.25, 987.6, 0.171, 12.5);
      w.stepLine = formatMetricsRow(step);
      w.epochLine = formatMetricsRow(epoch);
      parseMetricsRow(w.stepLine, w.step);
      parseMetricsRow(w.epochLine, w.epoch);
      TrainConfig c;
      c.learningRate = 0.003;
      c.knnTemperature = 0.07;
      c.methodOptions["temperature"] = 0.5;
      w.config = configToJson(c);
      w.configBack = configFromJson(w.config);

      // A real run folder: trained, evaluated and summarised under the locale.
      const std::string dir = out(name);
      TrainConfig run = smallConfig("simclr", dir);
      run.epochs = 1;
      run.knnEveryEpoch = true;
      const RunResult r = Trainer(run, Dataset::load(run.dataset)).run();
      if (r.status != RunStatus::Finished) throw std::runtime_error(r.message);
      {
        Evaluator ev(dir, "cpu");
        w.knn = ev.knn({""}, {20})[0].accuracy;
        ev.saveResults();
      }
      w.evalJson = io::readTextFile(dir + "/eval.json");
      w.trained = readMetrics(dir + "/metrics.csv", &w.malformed);
      w.summary = summarizeRun(dir);
      w.csv = resultsCsv({w.summary});
      w.markdown = resultsMarkdown({w.summary});
      return w;
    };
    const Written plain = writeAll("locale-c");
    std::setlocale(LC_ALL, "de_DE.UTF-8");
    char probe[16];
    std::snprintf(probe, sizeof probe, "%.1f", 0.5);
    Written comma;
    std::string failure;
    try {
      comma = writeAll("locale-de");
    } catch (const std::exception& e) {
      failure = e.what();
    }
    std::setlocale(LC_ALL, previous.c_str());
    ::unsetenv("LOCPATH");
    QCOMPARE(std::string(probe), std::string("0,5"));  // the locale really is decimal-comma
    QVERIFY2(failure.empty(), failure.c_str());

    for (const Written* w : {&plain, static_cast<const Written*>(&comma)}) {
      QCOMPARE(w->stepLine, std::string("step,2,7,31,0.1925,0.562500,0.003,1234.6,,,0.0123457,0.5679"));
      QCOMPARE(w->epochLine, std::string("epoch,2,,36,1.25,,,987.6,0.1710,12.50,,"));
      QCOMPARE(w->step.filterChange, 0.0123457);
      QCOMPARE(w->step.edgeLikeness, 0.5679);
      QCOMPARE(w->step.loss, 0.1925);
      QCOMPARE(w->step.taskAccuracy, 0.5625);
      QCOMPARE(w->step.learningRate, 0.003);
      QCOMPARE(w->epoch.knnAccuracy, 0.171);
      QCOMPARE(w->epoch.seconds, 12.5);
      QCOMPARE(w->configBack.learningRate, 0.003);
      QCOMPARE(w->configBack.methodOptions.at("temperature"), 0.5);
      QVERIFY2(w->malformed.empty(), w->malformed.empty() ? "" : w->malformed.front().c_str());
      QVERIFY(w->knn >= 0 && w->knn <= 1);
      QCOMPARE(w->summary.knn20, w->knn);
    }
    QCOMPARE(comma.config, plain.config);
    // The same seed on the CPU: the same losses, k-NN accuracies and evaluation, read back alike.
    QCOMPARE(comma.trained.size(), plain.trained.size());
    QCOMPARE(plain.trained.size(), std::size_t(2 + 6));  // the monitor before training, 6 steps, the epoch
    for (std::size_t i = 0; i < plain.trained.size(); ++i) {
      QCOMPARE(comma.trained[i].kind, plain.trained[i].kind);
      QCOMPARE(comma.trained[i].loss, plain.trained[i].loss);
      QCOMPARE(comma.trained[i].learningRate, plain.trained[i].learningRate);
      QCOMPARE(comma.trained[i].knnAccuracy, plain.trained[i].knnAccuracy);
    }
    QCOMPARE(comma.knn, plain.knn);
    QCOMPARE(comma.evalJson, plain.evalJson);
    QCOMPARE(comma.summary.knn200, plain.summary.knn200);
    QVERIFY(comma.summary.trainingSeconds > 0 && comma.summary.imagesPerSecond > 0);
    // The tables of one summary are the same text under both locales.
    std::setlocale(LC_ALL, "de_DE.UTF-8");
    const std::string csvComma = resultsCsv({plain.summary}), markdownComma = resultsMarkdown({plain.summary});
    std::setlocale(LC_ALL, previous.c_str());
    QCOMPARE(csvComma, plain.csv);
    QCOMPARE(markdownComma, plain.markdown);
    const std::string header = plain.csv.substr(0, plain.csv.find('\n'));
    const std::string row = plain.csv.substr(header.size() + 1);
    QCOMPARE(std::count(row.begin(), row.end(), ','), std::count(header.begin(), header.end(), ','));
  }

  void configNumbersOutOfRangeAreRejected() {
    for (const char* text : {R"({"epochs": 1e300})", R"({"batch_size": -3e9})", R"({"seed": -1})",
                             R"({"augment": {"flip": {"probability": 1e39}}})", R"({"knn_test_limit": 1e19})"}) {
      try {
        configFromJson(text);
        QFAIL(text);
      } catch (const std::runtime_error& e) {
        QVERIFY2(contains(e.what(), "out of range") && contains(e.what(), "config.json"), e.what());
      }
    }
    QCOMPARE(configFromJson(R"({"epochs": 2147483647})").epochs, 2147483647);
    // Out of double's range altogether: a parse error, not infinity.
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, configFromJson(R"({"learning_rate": 1e400})"));
  }

  void checkpointsWithImpossiblePositionsAreRejected() {
    auto& f = contracts::CheckpointFixture::get();
    const std::string good = out("good.pt");
    f.save(good);
    QVERIFY(train::loadCheckpoint(good, *f.model, &f.optimizer, torch::kCPU).epoch == 1);
    const auto rejects = [&](train::TrainingPosition p, const std::string& why) {
      const std::string path = out("bad.pt");
      train::saveCheckpoint(path, *f.model, &f.optimizer, p);
      try {
        train::loadCheckpoint(path, *f.model, &f.optimizer, torch::kCPU);
        QFAIL(why.c_str());
      } catch (const std::runtime_error& e) {
        QVERIFY2(contains(e.what(), why) && contains(e.what(), "bad.pt"), e.what());
      }
    };
    train::TrainingPosition p;
    p.epoch = -2;
    rejects(p, "'epoch' is negative");
    p = {};
    p.cpuRng = torch::zeros({7}, torch::kByte);
    rejects(p, "'cpu_rng' is not a generator state");
    p = {};
    p.permutation = torch::zeros({2, 2}, torch::kLong);
    rejects(p, "'permutation' is not an int64 vector");
  }

  void resumeRejectsACheckpointOfAnotherDataset() {
    const std::string dir = out("run-other-dataset");
    trainOneEpoch(dir, 3);  // stopped at the start of epoch 2: the checkpoint holds a permutation of 192
    TrainConfig c = configFromJson(io::readTextFile(dir + "/config.json"));
    c.dataset.shapesPerClass = 30;
    io::writeFileAtomic(dir + "/config.json", configToJson(c));
    try {
      Trainer::resume(dir);
      QFAIL("a checkpoint of 192 images resumed on 240");
    } catch (const TrainingError& e) {
      QVERIFY2(contains(e.what(), "does not match this run") && contains(e.what(), "240 training images"), e.what());
    }
  }

  // --- paths from users ------------------------------------------------------------------------

  void userNamesStayInsideTheRunFolder() {
    const std::string run = out("run-paths");
    fs::create_directories(run + "/views");
    QCOMPARE(pathInsideRun(run, "views/filters.png"), run + "/views/filters.png");
    QCOMPARE(pathInsideRun(run, "./loss.csv"), run + "/loss.csv");
    for (const char* bad : {"../outside.png", "views/../../outside.png", "/etc/passwd", "", "..", "."}) {
      QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pathInsideRun(run, bad));
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pathInsideRun(run, std::string("a\0b", 3)));
    // A symbolic link inside the run folder does not lead out of it either.
    fs::create_directory_symlink(m_tmp.path().toStdString(), run + "/escape");
    try {
      pathInsideRun(run, "escape/outside.png");
      QFAIL("a name through a symbolic link out of the run folder was accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(contains(e.what(), "symbolic link"), e.what());
    }
    QCOMPARE(safeFileName("../../etc/passwd"), std::string("___.._etc_passwd"));  // one name, no slash
    QCOMPARE(safeFileName(".hidden name"), std::string("_hidden_name"));
    QCOMPARE(safeFileName("SimCLR conv1 (epoch 3).png"), std::string("SimCLR_conv1__epoch_3_.png"));
    QCOMPARE(safeFileName(""), std::string("unnamed"));
    QCOMPARE(safeFileName(std::string(300, 'a')).size(), std::size_t(100));
  }

  // --- stop and resume -------------------------------------------------------------------------

  void stopAtAnEpochBoundaryResumesExactly() {
    // A: two epochs straight. B: Stop at the last step of epoch 1, so that the stop lands on the
    // k-NN monitor at the epoch's end and then on the first step of epoch 2; then resumed.
    const std::string a = out("boundary-a"), b = out("boundary-b");
    {
      TrainConfig c = smallConfig("simclr", a);
      Trainer t(c, Dataset::load(c.dataset));
      Hook hook;
      QVERIFY(t.run(&hook).status == RunStatus::Finished);
      QCOMPARE(int(hook.knn.size()), 3);  // before training, after epochs 1 and 2
      QVERIFY(hook.knn[1] >= 0);
    }
    {
      TrainConfig c = smallConfig("simclr", b);
      Trainer t(c, Dataset::load(c.dataset));
      Hook hook;
      hook.atStep = [&](int step) {
        if (step == 6) t.requestStop();
      };
      const RunResult r = t.run(&hook);
      QVERIFY(r.status == RunStatus::Stopped);
      QVERIFY2(contains(r.message, "epoch 2, step 0"), r.message.c_str());
      QCOMPARE(int(hook.knn.size()), 2);
      QVERIFY2(hook.knn[1] < 0, "the k-NN monitor ran to its end after Stop");
    }
    auto resumed = Trainer::resume(b);
    QCOMPARE(resumed->startEpoch(), 1);
    Hook rest;
    QVERIFY(resumed->run(&rest).status == RunStatus::Finished);
    QCOMPARE(rest.steps, 6);
    // Same loss and learning-rate curve, step by step, and the same final weights.
    const auto curveA = stepCurve(a + "/metrics.csv");
    const auto curveB = stepCurve(b + "/metrics.csv");
    QCOMPARE(int(curveA.size()), 12);
    QVERIFY(curveA == curveB);
    const auto wa = methodTensors(a + "/checkpoints/last.pt"), wb = methodTensors(b + "/checkpoints/last.pt");
    QVERIFY(wa.size() > 4);
    QCOMPARE(wa.size(), wb.size());
    for (const auto& [name, t] : wa) {
      QVERIFY2(wb.count(name), name.c_str());
      QVERIFY2(torch::allclose(t, wb.at(name), 1e-6, 1e-7), name.c_str());
    }
  }

  void stopAnswersDuringTheKnnMonitor() {
    // 4,800 training and 1,200 test images: the monitor extracts all of them, as it does the
    // 70,000 of Fashion-MNIST.
    TrainConfig c = smallConfig("simclr");
    c.dataset.shapesPerClass = 600;
    c.knnK = 200;
    const Dataset ds = Dataset::load(c.dataset);
    // Measured in the process's CPU time, not in wall-clock time: CI shares two cores at a load of
    // 10-20, where wall-clock seconds say more about the neighbours than about this code.
    Trainer whole(c, ds);
    const double cpu0 = processCpuSeconds();
    const auto t0 = Clock::now();
    QVERIFY(whole.knnAccuracy(c.knnK, 0.07) >= 0);
    const double full = processCpuSeconds() - cpu0;
    const double fullWall = std::chrono::duration<double>(Clock::now() - t0).count();

    // Stop once the monitor has used a third of that CPU time, whatever the wall-clock time.
    Trainer stopped(c, ds);
    std::atomic<bool> started{false}, done{false};
    std::atomic<double> requested{-1.0};
    std::thread stopper([&] {
      while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      const double from = processCpuSeconds();
      while (!done && processCpuSeconds() - from < full / 3) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      requested = processCpuSeconds();
      stopped.requestStop();
    });
    started = true;
    const double accuracy = stopped.knnAccuracy(c.knnK, 0.07);
    const double returned = processCpuSeconds();
    done = true;
    stopper.join();
    QVERIFY2(accuracy < 0, "the monitor finished instead of stopping");
    const double latency = returned - requested;
    qInfo("k-NN monitor: %.2f CPU s (%.2f s wall) in full, answered Stop after %.3f CPU s", full, fullWall, latency);
    // One extraction slice is 512 of 6,000 images (~9% of the monitor); allow about three times that.
    QVERIFY2(latency < 0.3 * full + 0.05, std::to_string(latency).c_str());
  }

  // --- failures that keep what was written ---------------------------------------------------

  void diskFullWhileCheckpointingKeepsThePreviousCheckpoint() {
    const std::string dir = out("run-full-checkpoint");
    trainOneEpoch(dir, 1);
    const std::string ckpt = dir + "/checkpoints/last.pt";
    const auto before = bytesOf(ckpt);
    auto t = Trainer::resume(dir, 2);
    FileSizeLimit limit;
    Hook hook;
    hook.atStep = [&](int step) {
      if (step == 1) limit.set(before.size() / 2);  // room for metrics, not for a checkpoint
    };
    const RunResult r = t->run(&hook);
    limit.set(RLIM_INFINITY);
    QVERIFY(r.status == RunStatus::Failed);
    QVERIFY2(contains(r.message, "cannot write") && contains(r.message, "last.pt") && contains(r.message, "kept"),
             r.message.c_str());
    QVERIFY(bytesOf(ckpt) == before);
    for (const auto& e : fs::directory_iterator(dir + "/checkpoints")) {
      QVERIFY2(!contains(e.path().filename().string(), ".tmp."), e.path().c_str());  // no half file left
    }
    QCOMPARE(Trainer::resume(dir)->startEpoch(), 1);
  }

  void diskFullWhileWritingMetricsLeavesWholeLines() {
    const std::string dir = out("run-full-metrics");
    trainOneEpoch(dir, 1);
    const std::string metrics = dir + "/metrics.csv";
    const auto ckpt = bytesOf(dir + "/checkpoints/last.pt");
    auto t = Trainer::resume(dir, 2);
    FileSizeLimit limit;
    Hook hook;
    hook.atStep = [&](int step) {
      if (step == 1) limit.set(fs::file_size(metrics) + 70);  // about one more row, then half of one
    };
    const RunResult r = t->run(&hook);
    limit.set(RLIM_INFINITY);
    QVERIFY(r.status == RunStatus::Failed);
    QVERIFY2(contains(r.message, "metrics.csv"), r.message.c_str());
    const std::string csv = io::readTextFile(metrics);
    QVERIFY(!csv.empty() && csv.back() == '\n');
    std::vector<std::string> malformed;
    const auto rows = parseMetrics(csv, &malformed);
    QVERIFY2(malformed.empty(), malformed.empty() ? "" : malformed.front().c_str());
    QCOMPARE(std::size_t(std::count(csv.begin(), csv.end(), '\n')), rows.size() + 1);  // whole rows after the header
    QVERIFY(bytesOf(dir + "/checkpoints/last.pt") == ckpt);
    // And the run goes on from its checkpoint once there is room again.
    auto again = Trainer::resume(dir, 2);
    QVERIFY(again->run().status == RunStatus::Finished);
  }

  void datasetDeletedDuringARun() {
    const std::string data = out("idx-data"), dir = out("run-deleted-dataset");
    fs::create_directories(data);
    testutil::writeBytes(data + "/train-images-idx3-ubyte", testutil::idxImages(96, 28, 28));
    testutil::writeBytes(data + "/train-labels-idx1-ubyte", testutil::idxLabels(96, 10));
    testutil::writeBytes(data + "/t10k-images-idx3-ubyte", testutil::idxImages(32, 28, 28));
    testutil::writeBytes(data + "/t10k-labels-idx1-ubyte", testutil::idxLabels(32, 10));
    TrainConfig c = smallConfig("rotation", dir);
    c.dataset = DatasetSpec::parse("mnist:" + data);
    c.epochs = 2;
    Trainer t(c, Dataset::load(c.dataset));
    Hook hook;
    hook.atStep = [&](int step) {
      if (step == 1) fs::remove(data + "/train-images-idx3-ubyte");
    };
    const RunResult r = t.run(&hook);
    // The images are in memory: the run itself is unaffected.
    QVERIFY2(r.status == RunStatus::Finished, r.message.c_str());
    const auto ckpt = bytesOf(dir + "/checkpoints/last.pt");
    try {
      Trainer::resume(dir, 3);
      QFAIL("resumed without its dataset");
    } catch (const DatasetError& e) {
      QVERIFY2(contains(e.what(), data), e.what());
    }
    QVERIFY(bytesOf(dir + "/checkpoints/last.pt") == ckpt);
    testutil::writeBytes(data + "/train-images-idx3-ubyte", testutil::idxImages(96, 28, 28));
    QCOMPARE(Trainer::resume(dir, 3)->startEpoch(), 2);
  }

  void nanLossInTheFirstEpochWritesNoCheckpoint() {
    const std::string dir = out("run-nan-first");
    TrainConfig c = smallConfig("rotation", dir);
    // The largest accepted learning rate and weight decay: the weights grow ~1e7-fold per step.
    c.learningRate = pretext::ConfigLimits::maxLearningRate;
    c.weightDecay = pretext::ConfigLimits::maxWeightDecay;
    c.knnEveryEpoch = false;
    Trainer t(c, Dataset::load(c.dataset));
    Hook hook;
    const RunResult r = t.run(&hook);
    QVERIFY(r.status == RunStatus::Failed);
    QVERIFY2(contains(r.message, "no checkpoint was written") && contains(r.message, "lower learning rate"),
             r.message.c_str());
    QVERIFY(!hook.messages.empty() && hook.messages.back() == r.message);
    QVERIFY(!fs::exists(dir + "/checkpoints/last.pt"));
  }

  void outOfMemorySaysSoAndSuggestsASmallerBatch() {
    if (kAddressSanitizer) QSKIP("AddressSanitizer reserves terabytes of address space: RLIMIT_AS cannot apply");
    // 2048 images of 32x32 through a 64-wide ConvNet: ~0.5 GB per activation, more than the
    // 1 GB of address space this test leaves the process.
    TrainConfig c = smallConfig("supervised");
    c.dataset.shapesPerClass = 256;
    c.batchSize = 2048;
    c.backboneWidth = 64;
    c.knnEveryEpoch = false;
    c.epochs = 1;
    Trainer t(c, Dataset::load(c.dataset));
    rlimit saved{};
    ::getrlimit(RLIMIT_AS, &saved);
    long pages = 0;
    {
      std::ifstream statm("/proc/self/statm");
      statm >> pages;
    }
    rlimit r = saved;
    r.rlim_cur = rlim_t(pages) * rlim_t(::sysconf(_SC_PAGESIZE)) + (rlim_t(1) << 30);
    QCOMPARE(::setrlimit(RLIMIT_AS, &r), 0);
    const RunResult result = t.run();
    ::setrlimit(RLIMIT_AS, &saved);
    QVERIFY2(result.status == RunStatus::Failed, result.message.c_str());
    QVERIFY2(contains(result.message, "out of memory") && contains(result.message, "--batch-size 1024"),
             result.message.c_str());
  }

  void cudaOutOfMemorySaysSoAndKeepsTheCheckpoint() {
    if (!cudaAvailable()) QSKIP("no CUDA device: this check runs on a GPU machine");
    // One epoch at a small batch writes a checkpoint; then 4096 images of 256x256 through a
    // 64-wide ConvNet in one batch need far more than any GPU holds.
    const std::string dir = out("run-cuda-oom");
    TrainConfig c = smallConfig("supervised", dir);
    c.device = "cuda";
    c.dataset.shapesPerClass = 512;
    c.dataset.shapesImageSize = 256;
    c.backboneWidth = 64;
    c.batchSize = 64;
    c.subset = 256;
    c.epochs = 1;
    c.knnEveryEpoch = false;
    {
      Trainer t(c, Dataset::load(c.dataset));
      QVERIFY(t.run().status == RunStatus::Finished);
    }
    const auto ckpt = bytesOf(dir + "/checkpoints/last.pt");
    c.batchSize = 4096;
    c.subset = 0;
    c.epochs = 2;
    io::writeFileAtomic(dir + "/config.json", configToJson(c));
    auto big = Trainer::resume(dir);
    const RunResult r = big->run();
    QVERIFY2(r.status == RunStatus::Failed, r.message.c_str());
    QVERIFY2(contains(r.message, "out of GPU memory") && contains(r.message, "--batch-size 2048"), r.message.c_str());
    QVERIFY(bytesOf(dir + "/checkpoints/last.pt") == ckpt);
  }
};

QTEST_APPLESS_MAIN(TstReliability)
#include "tst_reliability.moc"

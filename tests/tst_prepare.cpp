// pretext::prepareDataset and prepared datasets: folders written from the synthetic shapes (PNG and
// JPEG, nested, some corrupt, some unlabelled) are packed and compared pixel for pixel with direct
// decoding; unreadable files are skipped with reasons (or fatal under strict); an interrupted
// prepare leaves nothing that loads, and running it again (after SIGKILL or a cancel) continues
// and equals an uninterrupted one byte for byte, or restarts saying why; a cancel while listing
// returns at once; numpy reads the arrays; training from a prepared dataset equals training on the
// same images loaded directly. Binary kinds (CIFAR-10, STL-10 with unlabeled_X.bin, plain IDX)
// packed by ranges of records equal the bytes the test laid out; a prepared STL-10 trains on its
// unlabelled split; such a prepare cancels and resumes.
#include "coretestutil.h"
#include "datasets/datasetdata.h"
#include "datasets/imagefiles.h"
#include "run/model.h"
#include "testconfig.h"
#include "testutil.h"

#include <pretext/dataset.h>
#include <pretext/evaluation.h>
#include <pretext/numbers.h>
#include <pretext/prepare.h>
#include <pretext/training.h>

#include <QProcess>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>
#include <tuple>

#include <malloc.h>
#include <csignal>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

using namespace pretext;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

#ifdef PRETEXT_HAVE_OPENCV
// uint8 [3, H, W] RGB -> BGR cv::Mat, as imwrite wants it.
cv::Mat toBgr(const torch::Tensor& chw) {
  const auto hwc = chw.permute({1, 2, 0}).contiguous();
  cv::Mat rgb(int(hwc.size(0)), int(hwc.size(1)), CV_8UC3, hwc.data_ptr<std::uint8_t>());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

// What OpenCV decodes from `path`, as uint8 [3, H, W] RGB: the independent reference.
torch::Tensor decodeRgb(const std::string& path) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR), rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8).permute({2, 0, 1}).contiguous().clone();
}
#endif

std::vector<std::string> stringsOf(const std::vector<SkippedFile>& skipped) {
  std::vector<std::string> out;
  for (const auto& s : skipped) out.push_back(fs::path(s.path).filename().string() + ": " + s.reason);
  return out;
}

struct Recorder : TrainingObserver {
  std::vector<double> losses, knn;
  std::vector<std::string> messages;
  void onStep(const StepReport& r) override { losses.push_back(r.loss); }
  void onEpoch(const EpochReport& r) override { knn.push_back(r.knnAccuracy); }
  void onMessage(const std::string& m) override { messages.push_back(m); }
};

/// One epoch of SimCLR on a prepared dataset with a tiny ConvNet and batches of 8, the k-NN monitor
/// at k=5 in fp32, written to `out`.
TrainConfig tinyPreparedRun(const DatasetSpec& dataset, const std::string& out) {
  TrainConfig c;
  c.dataset = dataset;
  c.method = "simclr";
  c.backbone = "convnet";
  c.backboneWidth = 8;
  c.epochs = 1;
  c.batchSize = 8;
  c.threads = 2;
  c.device = "cpu";
  c.knnK = 5;
  c.knnBf16 = false;
  c.outDir = out;
  return c;
}

/// The same on a dataset spec's text ("prepared:DIR", a path, ...).
TrainConfig tinyPreparedRun(const std::string& packed, const std::string& out) {
  return tinyPreparedRun(DatasetSpec::parse(packed), out);
}

}  // namespace

class TstPrepare : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string path(const std::string& name) { return (fs::path(m_dir.path().toStdString()) / name).string(); }

  // The shapes (8 classes, 4 training and 1 test image each) as root/train/<class>/ and root/test/<class>/:
  // even images PNG, odd ones JPEG, every third in a nested subfolder.
  std::string shapesFolder(const std::string& name, bool jpeg = true) {
    const std::string root = path(name);
    if (fs::exists(root)) return root;
#ifdef PRETEXT_HAVE_OPENCV
    DatasetSpec spec;
    spec.kind = "shapes";
    spec.shapesPerClass = 4;
    const Dataset ds = Dataset::load(spec);
    for (Split split : {Split::Train, Split::Test}) {
      const auto& s = ds.data().get(split);
      for (int64_t i = 0; i < s.images.size(0); ++i) {
        const std::string cls = ds.classNames()[std::size_t(s.labels[i].item<int64_t>())];
        fs::path dir = fs::path(root) / splitName(split) / cls;
        if (i % 3 == 0) dir /= "nested";
        fs::create_directories(dir);
        const std::string file = (dir / ("img" + std::to_string(100 + i))).string() + (jpeg && i % 2 ? ".jpg" : ".png");
        if (!cv::imwrite(file, toBgr(s.images[i]))) qFatal("cannot write %s", file.c_str());
      }
    }
#endif
    return root;
  }

  PrepareOptions options(const std::string& source, const std::string& out) {
    PrepareOptions o;
    o.source = source;
    o.out = out;
    o.imageSize = 32;
    o.resize = "squash";
    o.threads = 3;
    return o;
  }

 private Q_SLOTS:
  void initTestCase() {
#ifndef PRETEXT_HAVE_OPENCV
    QSKIP("built without OpenCV (-DPRETEXT_WITH_OPENCV=OFF): image folders are not readable");
#endif
    QVERIFY(m_dir.isValid());
  }

  // First, before LibTorch starts its thread pool: the child of fork() runs only the folder route
  // (OpenCV and std::thread). It dies (_exit, no clean-up) part-way; nothing at OUT loads, the
  // dataset prepared before is untouched, and a second run starts afresh.
  void interruptedPrepareLeavesNothingThatLoads() {
    const std::string root = shapesFolder("labelled");
    const std::string out = path("interrupted");
    for (int round = 0; round < 2; ++round) {
      const pid_t child = ::fork();
      QVERIFY(child >= 0);
      if (child == 0) {
        try {
          prepareDataset(options(root, out), [](const PrepareProgress& p) {
            if (!p.listing && p.done > 0) ::_exit(3);  // killed mid-way: before the manifest and the rename
          });
        } catch (...) {
          ::_exit(4);
        }
        ::_exit(5);
      }
      int status = 0;
      QCOMPARE(::waitpid(child, &status, 0), child);
      QVERIFY(WIFEXITED(status));
      QCOMPARE(WEXITSTATUS(status), 3);
      QVERIFY(fs::exists(out + ".partial"));
      if (round == 0) {
        QVERIFY(!fs::exists(out));
        QVERIFY(!isPreparedDataset(out));
        bool threw = false;
        try {
          Dataset::load(DatasetSpec::parse("prepared:" + out));
        } catch (const DatasetError&) {
          threw = true;
        }
        QVERIFY(threw);
        // Run again: the leftover OUT.partial goes, the dataset appears whole.
        const auto r = prepareDataset(options(root, out));
        QCOMPARE(r.trainImages, int64_t(32));
        QVERIFY(!fs::exists(out + ".partial"));
        QVERIFY(verifyPreparedDataset(out));
      } else {
        // An interrupted re-prepare leaves the earlier dataset as it was.
        std::string why;
        QVERIFY2(verifyPreparedDataset(out, &why), why.c_str());
        QCOMPARE(Dataset::load(DatasetSpec::parse(out)).size(Split::Train), int64_t(32));
      }
    }
    // A cancel through the flag removes its OUT.partial.
    std::atomic<bool> cancel{true};
    const std::string cancelled = path("cancelled");
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(options(root, cancelled), {}, &cancel));
    QVERIFY(!fs::exists(cancelled));
    QVERIFY(!fs::exists(cancelled + ".partial"));
  }

  // A folder of `n` distinct noise images (every fifth a PNG, the rest JPEG, 96x80 px) in two
  // classes, with a zero-byte file and a text file named as images among them.
  std::string noiseFolder(const std::string& name, int n) {
    const std::string root = path(name);
    if (fs::exists(root)) return root;
#ifdef PRETEXT_HAVE_OPENCV
    cv::RNG rng(7);
    for (int i = 0; i < n; ++i) {
      const fs::path dir = fs::path(root) / (i % 2 ? "b" : "a");
      fs::create_directories(dir);
      cv::Mat img(80, 96, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 256);
      cv::GaussianBlur(img, img, cv::Size(5, 5), 0);  // some structure for the resize to keep
      char file[32];
      std::snprintf(file, sizeof file, "n%04d.%s", i, i % 5 == 0 ? "png" : "jpg");
      if (!cv::imwrite((dir / file).string(), img)) qFatal("cannot write %s", file);
    }
    std::ofstream(fs::path(root) / "a" / "n0003z.png");                        // zero bytes
    std::ofstream(fs::path(root) / "b" / "n0301z.jpg") << "not an image\n";  // text
#endif
    return root;
  }

  static std::string readText(const std::string& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Prepared datasets `a` and `b` hold the same arrays and the same manifest (checksums, files,
  // skipped files), and every image equals OpenCV's decoding of its file.
  void compareWhole(const std::string& a, const std::string& b) {
    QCOMPARE(readText(a + "/manifest.json"), readText(b + "/manifest.json"));
    std::string why;
    QVERIFY2(verifyPreparedDataset(a, &why), why.c_str());
    QVERIFY2(verifyPreparedDataset(b, &why), why.c_str());
    const Dataset da = Dataset::load(DatasetSpec::parse("prepared:" + a));
    const Dataset db = Dataset::load(DatasetSpec::parse("prepared:" + b));
    const auto& ta = da.data().get(Split::Train);
    const auto& tb = db.data().get(Split::Train);
    QVERIFY(torch::equal(ta.images, tb.images));
    QVERIFY(torch::equal(ta.labels, tb.labels));
  }

  // Killed (SIGKILL, from inside, in a forked child, after the record of done chunks was written)
  // and run again: the run continues from the record, and the result equals an uninterrupted
  // prepare byte for byte, the skipped files included. Before LibTorch's thread pool (fork).
  void killedPrepareResumes() {
    // Enough images that one thread is still decoding when the first chunk's record is on disk, even
    // on a fast, quiet machine (the coordinator reports every 50 ms; 400 images could finish in two).
    constexpr int count = 3000;
    const std::string root = noiseFolder("noise-many", count);
    const std::string out = path("resumed"), whole = path("whole");
    auto o = options(root, out);
    o.threads = 1;
    o.recordSeconds = 0;  // a record at every report, so that one exists early
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      try {
        prepareDataset(o, [&](const PrepareProgress& p) {
          if (p.listing || !fs::exists(out + ".partial/progress.json")) return;
          const auto record = Json::parse(readText(out + ".partial/progress.json"));
          if (record.at("splits")[0].at("done").get<std::string>().find('1') != std::string::npos) ::kill(::getpid(), SIGKILL);
        });
      } catch (...) {
        ::_exit(4);
      }
      ::_exit(5);  // finished before it could be killed
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
             ("the child was not killed part-way: " + (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                                          : "signal " + std::to_string(WTERMSIG(status))))
                 .c_str());
    QVERIFY(fs::exists(out + ".partial/progress.json"));
    QVERIFY(!fs::exists(out + ".partial/manifest.json"));
    QVERIFY(!fs::exists(out));

    std::vector<PrepareProgress> seen;
    o.threads = 3;  // the thread count may change between runs
    const auto r = prepareDataset(o, [&](const PrepareProgress& p) { seen.push_back(p); });
    qInfo("the killed prepare had %lld of %d images on disk", static_cast<long long>(r.resumed), count + 2);
    QVERIFY2(r.resumed >= 8 && r.resumed < count + 2, std::to_string(r.resumed).c_str());
    QVERIFY(r.restarted.empty());
    QCOMPARE(r.trainImages, int64_t(count));
    QCOMPARE(r.skipped.size(), std::size_t(2));
    bool told = false;
    for (const auto& p : seen) {
      if (p.message.empty()) continue;
      QVERIFY2(p.message.rfind("resuming ", 0) == 0 && p.message.find(std::to_string(r.resumed) + " of " + std::to_string(count + 2) + " images") != std::string::npos,
               p.message.c_str());
      told = true;
    }
    QVERIFY(told);
    QVERIFY(!fs::exists(out + ".partial"));

    auto w = options(root, whole);
    w.resume = false;
    const auto rw = prepareDataset(w);
    QCOMPARE(rw.resumed, int64_t(0));
    compareWhole(out, whole);
    // And each image against OpenCV's own decoding and resize of its file (squash to 32x32; a JPEG
    // at least twice the size is decoded at half size by libjpeg, as IMREAD_REDUCED_COLOR_2 does).
    const Dataset d = Dataset::load(DatasetSpec::parse("prepared:" + out));
    const auto files = Json::parse(readText(out + "/manifest.json")).at("splits")[0].at("files").get<std::vector<std::string>>();
    QCOMPARE(int64_t(files.size()), int64_t(count));
    for (std::size_t i = 0; i < files.size(); i += 37) {
      cv::Mat small;
      const bool jpeg = fs::path(files[i]).extension() == ".jpg";
      cv::resize(cv::imread(files[i], jpeg ? cv::IMREAD_REDUCED_COLOR_2 : cv::IMREAD_COLOR), small, cv::Size(32, 32), 0, 0,
                 cv::INTER_AREA);
      cv::Mat rgb;
      cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
      const auto expected = torch::from_blob(rgb.data, {32, 32, 3}, torch::kUInt8).permute({2, 0, 1});
      QVERIFY2(torch::equal(d.data().get(Split::Train).images[int64_t(i)], expected), files[i].c_str());
    }
  }

  // Cancelled through the flag part-way: OUT.partial stays with its record but nothing loads; the
  // same prepare continues; a changed option restarts and says which.
  void cancelledPrepareResumesOrRestarts() {
    const std::string root = noiseFolder("noise", 400);
    const std::string out = path("cancel-resume");
    auto o = options(root, out);
    o.threads = 1;
    o.recordSeconds = 0;
    std::atomic<bool> cancel{false};
    // Runs `opts` until `images` are done, then cancels through the flag. Counted, not timed: a
    // report of every image decoded comes before the packing, so the cancel always lands in time to
    // keep the record, even when the whole decoding ends before the coordinator's first report in
    // its loop (a loaded machine that leaves it waiting).
    const auto cancelAfter = [&](const PrepareOptions& opts, std::int64_t images) {
      cancel = false;
      QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(opts, [&](const PrepareProgress& p) {
                                 if (!p.listing && p.done >= images) cancel = true;
                               }, &cancel));
    };
    cancelAfter(o, 40);
    QVERIFY(!fs::exists(out));
    QVERIFY(fs::exists(out + ".partial/progress.json"));
    QVERIFY(!isPreparedDataset(out + ".partial"));
    bool loads = true;
    try {
      Dataset::load(DatasetSpec::parse("prepared:" + out + ".partial"));
    } catch (const DatasetError&) {
      loads = false;
    }
    QVERIFY(!loads);

    // A different size: started afresh, saying why.
    auto changed = o;
    changed.imageSize = 24;
    cancel = false;
    std::string message;
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(changed, [&](const PrepareProgress& p) {
                               if (!p.message.empty()) message = p.message;
                               if (!p.listing && p.done >= 40) cancel = true;
                             }, &cancel));
    QVERIFY2(message.find("restarting") != std::string::npos && message.find("--image-size differs (32 then, 24 now)") != std::string::npos,
             message.c_str());
    // The original options again: that record was replaced, so it restarts too, then completes.
    o.threads = 2;
    const auto r1 = prepareDataset(o);
    QVERIFY2(r1.restarted.find("--image-size differs (24 then, 32 now)") != std::string::npos, r1.restarted.c_str());
    QCOMPARE(r1.resumed, int64_t(0));

    // Cancelled again (a new output), then resumed: equal to the uninterrupted r1.
    const std::string again = path("cancel-resume-2");
    auto o2 = options(root, again);
    o2.threads = 1;
    o2.recordSeconds = 0;
    cancelAfter(o2, 100);
    const auto r2 = prepareDataset(o2);
    // At least the chunks done when the cancel was seen (a fast machine may have finished them all
    // by then; killedPrepareResumes proves a continuation from part-way).
    QVERIFY2(r2.resumed >= 100 - 25 && r2.resumed <= 402, std::to_string(r2.resumed).c_str());
    compareWhole(again, out);

    // --no-resume (resume = false): a cancel removes OUT.partial.
    auto o3 = options(root, path("no-resume"));
    o3.resume = false;
    o3.threads = 1;
    cancelAfter(o3, 40);
    QVERIFY(!fs::exists(o3.out + ".partial"));

    // A progress record with a value of another type: restarted, naming progress.json and the key.
    auto o4 = options(root, path("bad-record"));
    o4.threads = 1;
    o4.recordSeconds = 0;
    cancelAfter(o4, 40);
    const std::string recordPath = o4.out + ".partial/progress.json";
    auto record = Json::parse(readText(recordPath));
    record["chunk"] = std::to_string(record.at("chunk").get<std::int64_t>());
    std::ofstream(recordPath) << record.dump();
    const auto r4 = prepareDataset(o4);
    QVERIFY2(r4.restarted.find("progress.json") != std::string::npos &&
                 r4.restarted.find("'chunk': expected a whole number, found string") != std::string::npos,
             r4.restarted.c_str());
    QCOMPARE(r4.resumed, int64_t(0));
    compareWhole(o4.out, out);

    // Cancelled at the report of every image decoded (the decoding's last, before the packing): the
    // record keeps them all, and the rerun decodes none.
    auto o5 = options(root, path("cancel-at-end"));
    o5.threads = 1;
    cancelAfter(o5, 402);
    QVERIFY(!fs::exists(o5.out));
    QVERIFY(fs::exists(o5.out + ".partial/progress.json"));
    const auto r5 = prepareDataset(o5);
    QCOMPARE(r5.resumed, int64_t(402));
    compareWhole(o5.out, out);
  }

  // Cancelled part-way; then one source image whose chunk is already on disk is rewritten with
  // other pixels (its modification time moved on): the rerun decodes that chunk again, keeps the
  // rest, and equals a fresh prepare of the edited folder pixel for pixel.
  void editedSourceIsDecodedAgain() {
    const std::string root = noiseFolder("noise-edited", 400);
    const std::string out = path("edited"), fresh = path("edited-fresh");
    auto o = options(root, out);
    o.threads = 1;
    o.recordSeconds = 0;
    std::atomic<bool> cancel{false};
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(o, [&](const PrepareProgress& p) {
                               if (!p.listing && p.done >= 100) cancel = true;
                             }, &cancel));
    const auto record = Json::parse(readText(out + ".partial/progress.json"));
    const std::int64_t chunk = record.at("chunk").get<std::int64_t>();
    const std::string done = record.at("splits")[0].at("done").get<std::string>();
    const auto firstDone = done.find('1');
    QVERIFY2(firstDone != std::string::npos, done.c_str());
    std::int64_t doneImages = 0;  // the last chunk may be short (402 files)
    for (std::size_t c = 0; c < done.size(); ++c) {
      if (done[c] == '1') doneImages += std::min<std::int64_t>(chunk, 402 - std::int64_t(c) * chunk);
    }
    // The second file of that chunk, in manifest order (the scan's), rewritten with other noise.
    const auto scan = datasets::scanImageFolder(root, false);
    const std::size_t index = std::size_t(std::int64_t(firstDone) * chunk + 1);
    const std::string edited = scan.train[index].path;
    const auto before = decodeRgb(edited);
    {
      cv::RNG rng(99);
      cv::Mat img(80, 96, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 256);
      QVERIFY(cv::imwrite(edited, img));
      fs::last_write_time(edited, fs::last_write_time(edited) + std::chrono::seconds(2));
    }
    QVERIFY(!torch::equal(before, decodeRgb(edited)));

    std::string message;
    const auto r = prepareDataset(options(root, out), [&](const PrepareProgress& p) {
      if (!p.message.empty()) message = p.message;
    });
    QVERIFY(r.restarted.empty());
    QCOMPARE(r.changed, chunk);
    QVERIFY2(r.resumed >= 100 - chunk && r.resumed == doneImages - chunk,
             (std::to_string(r.resumed) + " resumed, " + std::to_string(doneImages) + " done").c_str());
    QVERIFY2(message.find(std::to_string(chunk) + " more are decoded again") != std::string::npos, message.c_str());

    auto f = options(root, fresh);
    f.resume = false;
    prepareDataset(f);
    compareWhole(out, fresh);
    // The edited row is the new file's decoding (squash of 96x80 PNG or JPEG to 32x32; a JPEG
    // is decoded at half size first, as IMREAD_REDUCED_COLOR_2 does).
    const Dataset d = Dataset::load(DatasetSpec::parse("prepared:" + out));
    const auto files = Json::parse(readText(out + "/manifest.json")).at("splits")[0].at("files").get<std::vector<std::string>>();
    const auto at = std::find(files.begin(), files.end(), edited);
    QVERIFY(at != files.end());
    cv::Mat small, rgb;
    const bool jpeg = fs::path(edited).extension() == ".jpg";
    cv::resize(cv::imread(edited, jpeg ? cv::IMREAD_REDUCED_COLOR_2 : cv::IMREAD_COLOR), small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
    const auto expected = torch::from_blob(rgb.data, {32, 32, 3}, torch::kUInt8).permute({2, 0, 1});
    QVERIFY(torch::equal(d.data().get(Split::Train).images[int64_t(at - files.begin())], expected));
  }

  // The listing reports its count and hears a cancel: a folder stops being listed at once.
  void cancelWhileListing() {
    const fs::path root = path("many");
    for (int d = 0; d < 4; ++d) {
      fs::create_directories(root / ("d" + std::to_string(d)));
      for (int i = 0; i < 1000; ++i) std::ofstream(root / ("d" + std::to_string(d)) / ("f" + std::to_string(i) + ".png"));
    }
    // The scan itself stops at its first report (every 256 entries), long before its end.
    int calls = 0;
    std::int64_t last = -1;
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, datasets::scanImageFolder(root.string(), true, [&](std::int64_t found) {
                               ++calls;
                               last = found;
                               throw PrepareCancelled();
                             }));
    QCOMPARE(calls, 1);
    QVERIFY(last >= 0 && last < 4000);
    // A whole listing reports a growing count, the last one every file.
    std::vector<std::int64_t> counts;
    const auto scan = datasets::scanImageFolder(root.string(), true, [&](std::int64_t found) { counts.push_back(found); });
    QCOMPARE(int64_t(scan.train.size()), int64_t(4000));
    QVERIFY(counts.size() >= 10);
    QVERIFY(std::is_sorted(counts.begin(), counts.end()));

    // prepareDataset: the first report says "listing"; a cancel there stops the listing at its
    // next report, leaving neither OUT nor OUT.partial. Counted, not timed: after the report that
    // cancelled at most one more, and none with the whole count (the listing never ended).
    std::atomic<bool> cancel{false};
    std::vector<PrepareProgress> reports;
    const std::string out = path("many-out");
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(options(root.string(), out), [&](const PrepareProgress& p) {
                               reports.push_back(p);
                               if (p.listing) cancel = true;
                             }, &cancel));
    QVERIFY(!reports.empty() && reports.front().listing);
    QVERIFY2(reports.size() <= 2, std::to_string(reports.size()).c_str());
    for (const auto& p : reports) QVERIFY2(p.listing && p.done < 4000, std::to_string(p.done).c_str());
    QVERIFY(!fs::exists(out));
    QVERIFY(!fs::exists(out + ".partial"));
  }

  void packedEqualsDirectDecoding() {
#ifdef PRETEXT_HAVE_OPENCV
    const std::string root = shapesFolder("labelled");
    const std::string out = path("packed");
    std::vector<PrepareProgress> seen;
    const auto r = prepareDataset(options(root, out), [&](const PrepareProgress& p) { seen.push_back(p); });
    QCOMPARE(r.trainImages, int64_t(32));
    QCOMPARE(r.testImages, int64_t(8));
    QVERIFY(r.labelled);
    QCOMPARE(r.channels, 3);
    QVERIFY(r.skipped.empty());
    QVERIFY(!seen.empty());
    QCOMPARE(seen.back().done, int64_t(40));
    QCOMPARE(seen.back().total, int64_t(40));

    const DatasetSpec spec = DatasetSpec::parse(out);
    QCOMPARE(spec.kind, std::string("prepared"));
    const Dataset prepared = Dataset::load(spec);
    DatasetSpec direct{};
    direct.kind = "folder";
    direct.path = root;
    const Dataset folder = Dataset::load(direct);
    QCOMPARE(prepared.classNames(), folder.classNames());
    for (Split split : {Split::Train, Split::Test}) {
      const auto& p = prepared.data().get(split);
      const auto& f = folder.data().get(split);
      QVERIFY(torch::equal(p.images, f.images));
      QVERIFY(torch::equal(p.labels, f.labels));
    }
    // Against OpenCV's decoding of each file in manifest order, and the shapes themselves for PNG.
    const auto scan = datasets::scanImageFolder(root);
    DatasetSpec shapesSpec;
    shapesSpec.kind = "shapes";
    shapesSpec.shapesPerClass = 4;
    const Dataset shapes = Dataset::load(shapesSpec);
    const auto& train = prepared.data().get(Split::Train);
    int pngs = 0;
    for (std::size_t i = 0; i < scan.train.size(); ++i) {
      QVERIFY(torch::equal(train.images[int64_t(i)], decodeRgb(scan.train[i].path)));
      if (fs::path(scan.train[i].path).extension() == ".png") {
        const int64_t k = std::stoll(fs::path(scan.train[i].path).stem().string().substr(3)) - 100;
        QVERIFY(torch::equal(train.images[int64_t(i)], shapes.data().get(Split::Train).images[k]));
        ++pngs;
      }
    }
    QCOMPARE(pngs, 16);
    std::string why;
    QVERIFY2(verifyPreparedDataset(out, &why), why.c_str());

    // The images are the file's pages, not a copy: the tensor's data lies in a mapping of the file.
    {
      const auto address = reinterpret_cast<std::uintptr_t>(train.images.data_ptr());
      std::ifstream maps("/proc/self/maps");
      bool mapped = false;
      for (std::string line; std::getline(maps, line);) {
        if (line.find("train_images.npy") == std::string::npos) continue;
        const auto dash = line.find('-'), space = line.find(' ');
        const auto lo = std::stoull(line.substr(0, dash), nullptr, 16), hi = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
        mapped = mapped || (address >= lo && address < hi);
      }
      QVERIFY(mapped);
      // The mapping lives as long as a tensor that views it, after its Dataset is gone.
      torch::Tensor kept;
      {
        const Dataset again = Dataset::load(spec);
        kept = again.data().get(Split::Test).images[3];
      }
      QVERIFY(torch::equal(kept, folder.data().get(Split::Test).images[3]));
    }

    // --resize crop on images that are not square: the shorter side to the size, the centre kept.
    const std::string wide = path("wide");
    fs::create_directories(wide + "/a");
    fs::create_directories(wide + "/b");
    cv::Mat img(40, 60, CV_8UC3);
    cv::randu(img, 0, 255);
    cv::imwrite(wide + "/a/x.png", img);
    cv::imwrite(wide + "/b/y.png", img.t());
    auto o = options(wide, path("wide-crop"));
    o.imageSize = 20;
    o.resize = "crop";
    prepareDataset(o);
    const Dataset crop = Dataset::load(DatasetSpec::parse("prepared:" + o.out));
    cv::Mat small, rgb;
    cv::resize(img, small, cv::Size(30, 20), 0, 0, cv::INTER_AREA);  // 60x40 -> 30x20
    cv::cvtColor(small(cv::Rect(5, 0, 20, 20)), rgb, cv::COLOR_BGR2RGB);
    const auto expected = torch::from_blob(rgb.data, {20, 20, 3}, torch::kUInt8).permute({2, 0, 1});
    QVERIFY(torch::equal(crop.data().get(Split::Train).images[0], expected));
    QCOMPARE(crop.height(), 20);
#endif
  }

  void unreadableFilesAreSkippedWithReasons() {
#ifdef PRETEXT_HAVE_OPENCV
    const std::string root = path("unlabelled");
    fs::create_directories(root + "/2024/june");
    fs::create_directories(root + "/2025");
    DatasetSpec shapesSpec;
    shapesSpec.kind = "shapes";
    shapesSpec.shapesPerClass = 2;
    const Dataset shapes = Dataset::load(shapesSpec);
    const auto& imgs = shapes.data().get(Split::Train).images;
    for (int i = 0; i < 12; ++i) {
      const std::string dir = i < 4 ? root : i < 8 ? root + "/2024/june" : root + "/2025";
      QVERIFY(cv::imwrite(dir + "/p" + std::to_string(10 + i) + (i % 2 ? ".jpg" : ".png"), toBgr(imgs[i])));
    }
    // The unreadable ones.
    testutil::writeBytes(root + "/2025/a-empty.png", {});
    std::ifstream good(root + "/p11.jpg", std::ios::binary);
    std::vector<std::uint8_t> jpg((std::istreambuf_iterator<char>(good)), std::istreambuf_iterator<char>());
    jpg.resize(jpg.size() / 2);
    testutil::writeBytes(root + "/2024/b-truncated.jpg", jpg);
    const std::string text = "just some text, not an image\n";
    testutil::writeBytes(root + "/c-text.jpg", std::vector<std::uint8_t>(text.begin(), text.end()));
    std::ifstream pngIn(root + "/p10.png", std::ios::binary);
    std::vector<std::uint8_t> png((std::istreambuf_iterator<char>(pngIn)), std::istreambuf_iterator<char>());
    for (int k = 0; k < 2; ++k) {  // IHDR width and height: 100000 x 100000
      png[std::size_t(16 + 4 * k)] = 0x00;
      png[std::size_t(17 + 4 * k)] = 0x01;
      png[std::size_t(18 + 4 * k)] = 0x86;
      png[std::size_t(19 + 4 * k)] = 0xA0;
    }
    testutil::writeBytes(root + "/d-huge.png", png);

    const std::string out = path("unlabelled-prepared");
    const auto r = prepareDataset(options(root, out));
    QVERIFY(!r.labelled);
    QCOMPARE(r.trainImages, int64_t(12));
    const auto skipped = stringsOf(r.skipped);
    QCOMPARE(int(skipped.size()), 4);
    const auto has = [&](const std::string& file, const std::string& reason) {
      for (const auto& s : skipped) {
        if (s.rfind(file, 0) == 0 && s.find(reason) != std::string::npos) return true;
      }
      return false;
    };
    QVERIFY(has("a-empty.png", "empty file"));
    QVERIFY(has("b-truncated.jpg", "truncated JPEG"));
    QVERIFY(has("c-text.jpg", "cannot decode"));
    QVERIFY(has("d-huge.png", "100000x100000"));
    const std::string manifest = QString::fromStdString(out + "/manifest.json").toStdString();
    std::ifstream m(manifest);
    const std::string text2((std::istreambuf_iterator<char>(m)), std::istreambuf_iterator<char>());
    QVERIFY(text2.find("b-truncated.jpg") != std::string::npos);
    QVERIFY(text2.find("truncated JPEG") != std::string::npos);

    const Dataset ds = Dataset::load(DatasetSpec::parse(out));
    QVERIFY(ds.hasSplit(Split::Unlabeled));
    QVERIFY(!ds.hasSplit(Split::Train));
    QCOMPARE(ds.size(Split::Unlabeled), int64_t(12));
    QCOMPARE(ds.numClasses(), 0);
    // Manifest order: sorted paths, the kept images moved up over the skipped ones.
    const auto scan = datasets::scanImageFolder(root);
    int64_t k = 0;
    for (const auto& f : scan.train) {
      if (fs::path(f.path).filename().string()[0] != 'p') continue;
      QVERIFY(torch::equal(ds.data().get(Split::Unlabeled).images[k++], decodeRgb(f.path)));
    }
    QCOMPARE(k, int64_t(12));

    // --strict: the first unreadable file in manifest order fails the prepare, naming it.
    auto o = options(root, path("strict"));
    o.strict = true;
    try {
      prepareDataset(o);
      QFAIL("no error under strict");
    } catch (const DatasetError& e) {
      const std::string msg = e.what();
      QVERIFY2(msg.find("b-truncated.jpg") != std::string::npos && msg.find("strict") != std::string::npos, msg.c_str());
    }
    QVERIFY(!fs::exists(o.out));
    QVERIFY(!fs::exists(o.out + ".partial"));
    // Loading the folder directly still refuses it, naming the file.
    DatasetSpec direct;
    direct.kind = "folder";
    direct.path = root;
    QVERIFY_THROWS_EXCEPTION(DatasetError, Dataset::load(direct));
#endif
  }

  void numpyReadsTheArrays() {
    const std::string out = path("packed");
    if (!fs::exists(out)) QSKIP("needs packedEqualsDirectDecoding's output");
    QProcess probe;
    probe.start("/usr/bin/python3", {"-c", "import numpy"});
    if (!probe.waitForFinished(30000) || probe.exitCode() != 0) {
      QSKIP("/usr/bin/python3 with numpy is not installed (Debian: python3-numpy)");
    }
    const Dataset ds = Dataset::load(DatasetSpec::parse(out));
    for (const char* name : {"train_images", "train_labels", "test_images"}) {
      const std::string file = out + "/" + name + ".npy";
      QProcess py;
      py.start("/usr/bin/python3", {"-c",
                                    "import sys, numpy\n"
                                    "a = numpy.load(sys.argv[1], mmap_mode='r')\n"
                                    "print(type(a).__name__, a.dtype, 'x'.join(map(str, a.shape)), int(a.astype('int64').sum()))",
                                    QString::fromStdString(file)});
      QVERIFY(py.waitForFinished(60000));
      QCOMPARE(py.exitCode(), 0);
      const std::string line = py.readAllStandardOutput().trimmed().toStdString();
      const auto& split = ds.data().get(std::string(name).rfind("train", 0) == 0 ? Split::Train : Split::Test);
      const auto t = std::string(name).find("labels") != std::string::npos ? split.labels : split.images;
      std::string shape;
      for (auto s : t.sizes()) shape += (shape.empty() ? "" : "x") + std::to_string(s);
      const std::string expected = std::string("memmap ") + (t.scalar_type() == torch::kUInt8 ? "uint8 " : "int64 ") +
                                   shape + " " + std::to_string(t.to(torch::kInt64).sum().item<int64_t>());
      QCOMPARE(line, expected);
    }
  }

  void trainingFromPreparedEqualsDirect() {
#ifdef PRETEXT_HAVE_OPENCV
    const std::string root = shapesFolder("labelled");
    const std::string out = path("packed");
    if (!fs::exists(out)) prepareDataset(options(root, out));
    auto losses = [](const DatasetSpec& spec) {
      TrainConfig c = tinyPreparedRun(spec, "");  // two epochs, seed 7, the monitor as it defaults
      c.epochs = 2;
      c.seed = 7;
      c.knnBf16 = TrainConfig{}.knnBf16;
      Trainer trainer(c, Dataset::load(spec));
      Recorder r;
      trainer.run(&r);
      return r;
    };
    DatasetSpec direct;
    direct.kind = "folder";
    direct.path = root;
    const Recorder a = losses(DatasetSpec::parse("prepared:" + out)), b = losses(direct);
    QCOMPARE(int(a.losses.size()), 8);
    QCOMPARE(a.losses, b.losses);
    QCOMPARE(a.knn, b.knn);
    QVERIFY(a.knn.back() >= 0);  // labelled train and test: the monitor runs

    // Unlabelled: trains, and the monitor says plainly that it needs labels.
    const std::string unl = path("unlabelled-prepared");
    if (fs::exists(unl)) {
      const Recorder u = losses(DatasetSpec::parse(unl));
      QCOMPARE(int(u.losses.size()), 2);  // 12 images, batches of 8
      for (double l : u.losses) QVERIFY(std::isfinite(l));
      for (double k : u.knn) QCOMPARE(k, -1.0);
      bool said = false;
      for (const auto& m : u.messages) said = said || m.find("k-NN monitor off: it needs labelled train and test splits, and Prepared unlabelled-prepared is unlabelled") != std::string::npos;
      QVERIFY(said);
    }
#endif
  }

  void datasetKindsArePacked() {
    // CIFAR-10's extracted folder, found from its parent; packed as it is, a test split carved.
    const std::string parent = path("downloads");
    const std::string bin = parent + "/cifar-10-batches-bin";
    fs::create_directories(bin);
    std::vector<std::uint8_t> records;
    for (int i = 0; i < 20; ++i) {
      records.push_back(std::uint8_t(i % 10));
      for (int k = 0; k < 3072; ++k) records.push_back(std::uint8_t((i * 31 + k) % 251));
    }
    testutil::writeBytes(bin + "/data_batch_1.bin", records);
    const DatasetSpec bare = DatasetSpec::parse(parent);
    QCOMPARE(bare.kind, std::string("cifar10"));
    QCOMPARE(Dataset::load(bare).size(Split::Train), int64_t(20));
    QCOMPARE(Dataset::load(DatasetSpec::parse("cifar10:" + parent)).size(Split::Train), int64_t(20));

    PrepareOptions o;
    o.source = "cifar10:" + parent;
    o.out = path("cifar-prepared");
    o.testFraction = 0.25;
    o.seed = 3;
    const auto r = prepareDataset(o);
    QCOMPARE(r.trainImages, int64_t(15));
    QCOMPARE(r.testImages, int64_t(5));
    const Dataset original = Dataset::load(bare), packed = Dataset::load(DatasetSpec::parse(o.out));
    QCOMPARE(packed.classNames(), original.classNames());
    const auto all = torch::cat({packed.data().get(Split::Train).labels, packed.data().get(Split::Test).labels});
    QCOMPARE(all.sum().item<int64_t>(), original.data().get(Split::Train).labels.sum().item<int64_t>());
    // Every packed image is one of the originals with its label.
    const auto& orig = original.data().get(Split::Train);
    for (Split s : {Split::Train, Split::Test}) {
      const auto& p = packed.data().get(s);
      for (int64_t i = 0; i < p.images.size(0); ++i) {
        bool found = false;
        for (int64_t j = 0; j < orig.images.size(0) && !found; ++j) {
          found = torch::equal(p.images[i], orig.images[j]) && p.labels[i].item<int64_t>() == orig.labels[j].item<int64_t>();
        }
        QVERIFY(found);
      }
    }
    // The same seed carves the same split.
    o.out = path("cifar-prepared-2");
    prepareDataset(o);
    QVERIFY(torch::equal(Dataset::load(DatasetSpec::parse(o.out)).data().get(Split::Test).images,
                         packed.data().get(Split::Test).images));
  }

  // A damaged prepared dataset is refused with a DatasetError naming the file and what is wrong.
  void malformedPreparedIsRefused() {
    const std::string good = path("packed");
    if (!fs::exists(good)) QSKIP("needs packedEqualsDirectDecoding's output");
    auto damaged = [&](const std::string& name, const std::function<void(const std::string&)>& damage,
                       const std::vector<std::string>& fragments) {
      const std::string d = path(name);
      fs::remove_all(d);
      fs::copy(good, d);
      damage(d);
      try {
        Dataset::load(DatasetSpec::parse("prepared:" + d));
        QFAIL(("no error for " + name).c_str());
      } catch (const DatasetError& e) {
        const std::string msg = e.what();
        for (const auto& f : fragments) QVERIFY2(msg.find(f) != std::string::npos, (msg + " lacks " + f).c_str());
      }
    };
    damaged("cut", [](const std::string& d) { fs::resize_file(d + "/train_images.npy", fs::file_size(d + "/train_images.npy") - 7); },
            {"train_images.npy", "truncated"});
    damaged("nonpy", [](const std::string& d) { testutil::writeBytes(d + "/test_labels.npy", {'h', 'e', 'l', 'l', 'o', '!', 0, 0, 0, 0, 0, 0}); },
            {"test_labels.npy", "not a .npy file"});
    damaged("json", [](const std::string& d) { testutil::writeBytes(d + "/manifest.json", {'{', '"'}); }, {"manifest.json"});
    damaged("newer", [](const std::string& d) {
      std::ifstream in(d + "/manifest.json");
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const auto at = text.find("\"version\": 1");
      QVERIFY(at != std::string::npos);
      text.replace(at, 12, "\"version\": 9");
      testutil::writeBytes(d + "/manifest.json", std::vector<std::uint8_t>(text.begin(), text.end()));
    }, {"manifest.json", "newer Pretext"});
    damaged("labels", [](const std::string& d) {
      std::fstream f(d + "/train_labels.npy", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(128);
      const std::int64_t bad = 99;
      f.write(reinterpret_cast<const char*>(&bad), sizeof bad);
    }, {"label 99"});
    // A changed byte keeps the shapes but fails the checksum.
    const std::string flipped = path("flipped");
    fs::remove_all(flipped);
    fs::copy(good, flipped);
    {
      std::fstream f(flipped + "/test_images.npy", std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(200);
      const char byte = char(f.get());
      f.seekp(200);
      f.put(char(byte ^ 0x5A));
    }
    std::string why;
    QVERIFY(!verifyPreparedDataset(flipped, &why));
    QVERIFY2(why.find("test_images.npy") != std::string::npos && why.find("checksum") != std::string::npos, why.c_str());
  }

  // A large JPEG is decoded at a fraction of its size (libjpeg's DCT scaling) before the resize:
  // close to decoding it whole and resizing.
  void largeJpegIsDecodedReduced() {
#ifdef PRETEXT_HAVE_OPENCV
    cv::Mat big(300, 400, CV_8UC3);
    for (int y = 0; y < big.rows; ++y) {
      for (int x = 0; x < big.cols; ++x) big.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 255 / 400), uchar(y * 255 / 300), uchar((x + y) % 256 / 2 + 60));
    }
    const std::string file = path("big.jpg");
    QVERIFY(cv::imwrite(file, big));
    std::vector<std::uint8_t> packed(3 * 32 * 32);
    QCOMPARE(datasets::decodeImageInto(file, 32, 3, datasets::ResizeMode::Crop, 0, packed.data()), std::string());
    cv::Mat full = cv::imread(file, cv::IMREAD_COLOR), small, rgb;
    cv::resize(full, small, cv::Size(42, 32), 0, 0, cv::INTER_AREA);  // 400x300 -> int(32 * 400 / 300) x 32
    cv::cvtColor(small(cv::Rect(5, 0, 32, 32)), rgb, cv::COLOR_BGR2RGB);
    const auto expected = torch::from_blob(rgb.data, {32, 32, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat);
    const auto got = torch::from_blob(packed.data(), {3, 32, 32}, torch::kUInt8).to(torch::kFloat);
    const double meanDiff = (got - expected).abs().mean().item<double>();
    QVERIFY2(meanDiff < 2.0, std::to_string(meanDiff).c_str());
    QVERIFY(meanDiff > 0);  // it was the reduced path
    // --exact-decode: the full-size decoding and resize, exactly.
    QCOMPARE(datasets::decodeImageInto(file, 32, 3, datasets::ResizeMode::Crop, 0, packed.data(), nullptr, true), std::string());
    QVERIFY(torch::equal(torch::from_blob(packed.data(), {3, 32, 32}, torch::kUInt8).to(torch::kFloat), expected));
#endif
  }

  void headerSizes() {
#ifdef PRETEXT_HAVE_OPENCV
    // The header parser agrees with OpenCV on every format it reads.
    cv::Mat img(13, 21, CV_8UC3, cv::Scalar(10, 20, 30));
    int formats = 0;
    for (const char* ext : {".png", ".jpg", ".bmp", ".webp", ".tif"}) {
      const std::string file = path(std::string("header") + ext);
      if (!cv::imwrite(file, img)) continue;  // an OpenCV built without the codec
      std::ifstream in(file, std::ios::binary);
      std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      int64_t w = 0, h = 0;
      QVERIFY2(datasets::readImageHeaderSize(b.data(), b.size(), w, h), ext);
      QCOMPARE(w, int64_t(21));
      QCOMPARE(h, int64_t(13));
      ++formats;
    }
    QVERIFY(formats >= 3);  // PNG, JPEG and BMP at least
#endif
  }

  // Training reads a prepared dataset through its memory mapping: the arrays are the mapped file
  // (by /proc/self/maps), and a trainer on 234 MB of images allocates far less than that, while the
  // same trainer on a copy in memory holds the copy. The input
  // statistics, summed over slices for images this large, equal a direct computation.
  void trainingReadsTheMappingNotACopy() {
    // 20,000 unlabelled 3x64x64 images written here as .npy + manifest, not by prepare.
    const std::string dir = path("mapped");
    fs::create_directories(dir);
    const std::int64_t n = 20000, side = 64;
    {
      const std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (20000, 3, 64, 64), }";
      std::string header = "\x93NUMPY";
      header += char(1);
      header += char(0);
      std::string padded = dict;
      while ((10 + padded.size() + 1) % 64 != 0) padded += ' ';
      padded += '\n';
      header += char(padded.size() & 0xff);
      header += char(padded.size() >> 8);
      header += padded;
      std::ofstream out(dir + "/unlabeled_images.npy", std::ios::binary);
      out.write(header.data(), std::streamsize(header.size()));
      std::vector<char> image(std::size_t(3 * side * side));
      std::uint32_t x = 12345;
      for (std::int64_t i = 0; i < n; ++i) {
        for (auto& b : image) {
          x = x * 1664525u + 1013904223u;
          b = char(x >> 24);
        }
        out.write(image.data(), std::streamsize(image.size()));
      }
      std::ofstream manifest(dir + "/manifest.json");
      manifest << R"({"format": "pretext-prepared", "version": 1, "image_size": 64, "channels": 3, "class_names": [],
                      "splits": [{"split": "unlabeled", "count": 20000, "images": "unlabeled_images.npy"}]})";
    }
    const Dataset ds = Dataset::load(DatasetSpec::parse("prepared:" + dir));
    const torch::Tensor images = ds.data().get(Split::Unlabeled).images;
    QCOMPARE(images.sizes().vec(), (std::vector<std::int64_t>{n, 3, side, side}));

    // The tensor's bytes lie in a mapping of unlabeled_images.npy.
    const auto address = reinterpret_cast<std::uintptr_t>(images.data_ptr());
    std::ifstream maps("/proc/self/maps");
    std::string line, mappedFile;
    while (std::getline(maps, line)) {
      std::uintptr_t begin = 0, end = 0;
      if (std::sscanf(line.c_str(), "%zx-%zx", &begin, &end) == 2 && address >= begin && address < end) {
        mappedFile = line.substr(line.find_last_of(' ') + 1);
      }
    }
    QCOMPARE(QString::fromStdString(fs::path(mappedFile).filename().string()), QStringLiteral("unlabeled_images.npy"));

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    // Bytes the process's allocations hold (malloc's heap and its own mappings; LibTorch's CPU
    // tensors come from there): a copy of the dataset shows, whatever the heap had free before.
    auto allocatedMb = [] {
      const struct mallinfo2 m = mallinfo2();
      return (long long)((m.uordblks + m.hblkhd) >> 20);
    };
#else
    QSKIP("needs glibc's mallinfo2 (2.33 or later) to measure what the process allocates");
    auto allocatedMb = [] { return 0LL; };
#endif
    TrainConfig c;
    c.method = "simclr";
    c.backbone = "convnet";
    c.backboneWidth = 8;
    c.epochs = 1;
    c.batchSize = 8;
    c.threads = 2;
    c.device = "cpu";
    c.augmentPreset = "none";
    c.knnEveryEpoch = false;
    struct StopAfter : TrainingObserver {
      Trainer* trainer = nullptr;
      int steps = 0;
      void onStep(const StepReport& r) override {
        if (r.globalStep >= 3) trainer->requestStop();
        ++steps;
      }
    };
    // The per-channel mean and standard deviation of the first 10,000 images, pixel by pixel.
    double expectedMean[3], expectedStd[3];
    for (int ch = 0; ch < 3; ++ch) {
      double sum = 0, squares = 0;
      const std::int64_t count = 10000 * side * side;
      for (std::int64_t i = 0; i < 10000; ++i) {
        const std::uint8_t* p = images.data_ptr<std::uint8_t>() + (i * 3 + ch) * side * side;
        for (std::int64_t k = 0; k < side * side; ++k) {
          sum += p[k] / 255.0;
          squares += (p[k] / 255.0) * (p[k] / 255.0);
        }
      }
      expectedMean[ch] = sum / double(count);
      expectedStd[ch] = std::sqrt(squares / double(count) - expectedMean[ch] * expectedMean[ch]);
    }
    // What making the dataset, building a trainer and three steps allocate, held while it lives.
    auto train = [&](const std::function<Dataset()>& make, bool checkStatistics) {
      const long long before = allocatedMb();
      Trainer trainer(c, make());
      StopAfter stop;
      stop.trainer = &trainer;
      trainer.run(&stop);
      [&] {
        QCOMPARE(stop.steps, 3);
        if (!checkStatistics) return;
        for (int ch = 0; ch < 3; ++ch) {
          QVERIFY(std::abs(trainer.model()->mean[ch].item<double>() - expectedMean[ch]) < 1e-6);
          QVERIFY(std::abs(trainer.model()->std[ch].item<double>() - expectedStd[ch]) < 1e-6);
        }
      }();
      return allocatedMb() - before;
    };
    c.dataset = DatasetSpec::parse("prepared:" + dir);
    train([&] { return ds; }, false);  // LibTorch's one-time allocations (thread pools, kernels)
    const long long mappedMb = train([&] { return ds; }, true);
    const long long copiedMb = train([&] {
      auto copy = std::make_shared<DatasetData>(ds.data());
      for (auto& s : copy->splits) s.images = s.images.clone();
      return Dataset(copy);
    }, true);
    qInfo("allocations grew by %lld MB training on the mapping, %lld MB on a copy of the %lld MB array", mappedMb,
          copiedMb, (long long)(images.numel() >> 20));
    QVERIFY2(mappedMb < 40, std::to_string(mappedMb).c_str());
    QVERIFY2(copiedMb >= 200, std::to_string(copiedMb).c_str());
  }

  // The prepared datasets in a folder, with their manifests' counts and sizes; one whose manifest
  // is broken is listed as not available, saying why; the data folders findDatasets() searches
  // ($PRETEXT_DATA) list them too; `pretext-cli datasets FOLDER` prints them.
  void preparedDatasetsAreFound() {
    const std::string packed = path("packed");
    if (!fs::exists(packed)) QSKIP("needs packedEqualsDirectDecoding's output (OpenCV)");
    const std::string folder = path("library");
    fs::remove_all(folder);
    fs::create_directories(folder + "/not-a-dataset");
    fs::copy(packed, folder + "/b-labelled");
    fs::create_directories(folder + "/a-broken");
    testutil::writeBytes(folder + "/a-broken/manifest.json", {'{', '"'});
    const auto entries = findPreparedDatasets(folder);
    QCOMPARE(int(entries.size()), 2);
    QCOMPARE(fs::path(entries[0].path).filename().string(), std::string("a-broken"));
    QVERIFY(!entries[0].available);
    QVERIFY2(entries[0].description.find("manifest.json") != std::string::npos, entries[0].description.c_str());
    const auto& e = entries[1];
    QVERIFY(e.available);
    QCOMPARE(e.kind, std::string("prepared"));
    // 32 training and 8 test images of 3x32x32, 8 classes; the arrays' bytes on disk.
    double bytes = 0;
    for (const auto& f : fs::directory_iterator(folder + "/b-labelled")) {
      if (f.path().extension() == ".npy") bytes += double(fs::file_size(f.path()));
    }
    const std::string expected = "Prepared: 32 train, 8 test images, 3x32x32, 8 classes, " + formatFixed(bytes / 1e6, 1) + " MB";
    QCOMPARE(e.description, expected);
    // The folder itself.
    const auto one = findPreparedDatasets(folder + "/b-labelled");
    QCOMPARE(int(one.size()), 1);
    QCOMPARE(one[0].description, expected);

    qputenv("PRETEXT_DATA", QByteArray::fromStdString(folder));
    const auto all = findDatasets();
    qunsetenv("PRETEXT_DATA");
    QVERIFY(std::any_of(all.begin(), all.end(), [&](const DatasetEntry& d) {
      return d.kind == "prepared" && d.description == expected && fs::equivalent(d.path, folder + "/b-labelled");
    }));

    QProcess cli;
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    cli.start(QStringLiteral(PRETEXT_CLI), {QStringLiteral("datasets"), QString::fromStdString(folder)});
    QVERIFY(cli.waitForFinished(60000));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput());
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(out.contains(QString::fromStdString(expected)) && out.contains(QStringLiteral("a-broken")), qPrintable(out));
  }

  // Unlabelled training images with a labelled evaluation dataset (--eval-dataset): the k-NN
  // monitor runs on the evaluation dataset's splits and agrees with the Evaluator on the same
  // checkpoint; without one, the monitor and the Evaluator say what they need; an evaluation
  // dataset of another image shape is refused, naming both shapes.
  void unlabelledTrainsWithAnEvaluationDataset() {
    const std::string unl = path("unlabelled-prepared"), packed = path("packed");
    if (!fs::exists(unl) || !fs::exists(packed)) QSKIP("needs the prepared datasets of the tests above (OpenCV)");
    TrainConfig c = tinyPreparedRun(unl, path("run-unlabelled"));
    c.batchSize = 4;
    {
      Trainer trainer(c, Dataset::load(c.dataset));
      Recorder r;
      QCOMPARE(trainer.run(&r).status, RunStatus::Finished);
      QCOMPARE(r.knn.back(), -1.0);
      bool said = false;
      for (const auto& m : r.messages) said = said || m.find("is unlabelled; give a labelled evaluation dataset (--eval-dataset DIR)") != std::string::npos;
      QVERIFY(said);
      Evaluator ev(c.outDir, "cpu");
      try {
        ev.knn({""}, {5});
        QFAIL("k-NN on an unlabelled dataset did not fail");
      } catch (const std::invalid_argument& e) {
        QVERIFY2(std::string(e.what()).find("needs a dataset with labelled train and test splits") != std::string::npos &&
                     std::string(e.what()).find("--eval-dataset") != std::string::npos, e.what());
      }
      // The same run evaluated on the labelled dataset.
      Evaluator labelled(c.outDir, "cpu", packed);
      QCOMPARE(labelled.dataset().numClasses(), 8);
      const auto k = labelled.knn({""}, {5});
      QVERIFY(k.front().accuracy >= 0 && k.front().accuracy <= 1);
    }
    c.evalDataset = "prepared:" + packed;
    c.outDir = path("run-evaldataset");
    double monitor = -1;
    {
      Trainer trainer(c, Dataset::load(c.dataset));
      Recorder r;
      QCOMPARE(trainer.run(&r).status, RunStatus::Finished);
      monitor = r.knn.back();
      QVERIFY(monitor >= 0);
      QCOMPARE(int(r.losses.size()), 3);  // the 12 unlabelled images, batches of 4
    }
    // config.json keeps the evaluation dataset; the Evaluator of the run uses it, and computes the
    // monitor's accuracy again from the checkpoint (8 test images: in steps of 1/8).
    Evaluator ev(c.outDir, "cpu");
    QCOMPARE(ev.dataset().name(), Dataset::load(DatasetSpec::parse("prepared:" + packed)).name());
    const auto k = ev.knn({""}, {5}, c.knnTemperature);
    QCOMPARE(k.front().accuracy, monitor);

    const std::string other = path("mapped");  // 3x64x64, from the test above
    if (fs::exists(other)) {
      c.evalDataset = other;
      c.outDir.clear();
      try {
        Trainer trainer(c, Dataset::load(c.dataset));
        QFAIL("an evaluation dataset of another shape was taken");
      } catch (const std::invalid_argument& e) {
        QVERIFY2(std::string(e.what()).find("3x64x64") != std::string::npos && std::string(e.what()).find("3x32x32") != std::string::npos,
                 e.what());
      }
    }
  }

 private:
  // Random bytes in the binary layouts the loaders read, written by the test.
  static std::vector<std::uint8_t> randomBytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> out(n);
    for (auto& b : out) b = std::uint8_t(rng() & 0xFF);
    return out;
  }

  // CIFAR-10 batches of 150 and 100 records (the chunks of 8 cross the files' boundary) and a test
  // batch of 60; STL-10 with 40 train, 30 test and 72 unlabelled images (the unlabelled split larger
  // than the train one, so that the split trained on can be told by its number of steps).
  std::string cifarBinary() {
    const std::string dir = path("stream-cifar");
    if (fs::exists(dir)) return dir;
    fs::create_directories(dir);
    int seed = 11;
    for (const auto& [name, n] : std::vector<std::pair<std::string, int>>{{"data_batch_1.bin", 150}, {"data_batch_2.bin", 100}, {"test_batch.bin", 60}}) {
      auto bytes = randomBytes(std::size_t(n) * 3073, std::uint32_t(seed++));
      for (int i = 0; i < n; ++i) bytes[std::size_t(i) * 3073] = std::uint8_t(bytes[std::size_t(i) * 3073] % 10);
      testutil::writeBytes(dir + "/" + name, bytes);
    }
    return dir;
  }

  std::string stlBinary() {
    const std::string dir = path("stream-stl");
    if (fs::exists(dir)) return dir;
    fs::create_directories(dir);
    const std::size_t image = 3 * 96 * 96;
    testutil::writeBytes(dir + "/train_X.bin", randomBytes(40 * image, 21));
    testutil::writeBytes(dir + "/test_X.bin", randomBytes(30 * image, 22));
    testutil::writeBytes(dir + "/unlabeled_X.bin", randomBytes(72 * image, 23));
    for (const auto& [name, n] : std::vector<std::pair<std::string, int>>{{"train_y.bin", 40}, {"test_y.bin", 30}}) {
      auto y = randomBytes(std::size_t(n), std::uint32_t(n));
      for (auto& v : y) v = std::uint8_t(1 + v % 10);
      testutil::writeBytes(dir + "/" + name, y);
    }
    return dir;
  }

  static std::vector<std::uint8_t> fileBytes(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
  }

  // Every split of two datasets equal, images and labels.
  static void compareSplits(const Dataset& a, const Dataset& b) {
    QCOMPARE(a.data().splits.size(), b.data().splits.size());
    for (const auto& s : a.data().splits) {
      const auto& t = b.data().get(s.split);
      QVERIFY2(torch::equal(s.images, t.images), splitName(s.split));
      QVERIFY2(torch::equal(s.labels, t.labels), splitName(s.split));
    }
  }

 private Q_SLOTS:
  // CIFAR-10, STL-10 (unlabeled_X.bin included) and plain IDX packed by reading ranges of records
  // straight into the output equal the bytes the test wrote, laid out by the test (CIFAR: label
  // byte + 3072 bytes; STL-10: each channel column-major), and the in-memory loaders' tensors.
  void binaryKindsAreStreamed() {
    {
      const std::string dir = cifarBinary();
      auto o = options("cifar10:" + dir, path("stream-cifar-prepared"));
      const auto r = prepareDataset(o);
      QCOMPARE(r.trainImages, int64_t(250));
      QCOMPARE(r.testImages, int64_t(60));
      QCOMPARE(r.imageSize, 32);
      const Dataset packed = Dataset::load(DatasetSpec::parse(o.out));
      auto expected = [&](const std::vector<std::string>& files) {
        std::vector<torch::Tensor> images, labels;
        for (const auto& f : files) {
          auto bytes = fileBytes(dir + "/" + f);
          const auto t = torch::from_blob(bytes.data(), {int64_t(bytes.size() / 3073), 3073}, torch::kUInt8).clone();
          labels.push_back(t.select(1, 0).to(torch::kInt64));
          images.push_back(t.slice(1, 1).reshape({-1, 3, 32, 32}));
        }
        return std::make_pair(torch::cat(images), torch::cat(labels));
      };
      const auto [trainImages, trainLabels] = expected({"data_batch_1.bin", "data_batch_2.bin"});
      const auto [testImages, testLabels] = expected({"test_batch.bin"});
      QVERIFY(torch::equal(packed.data().get(Split::Train).images, trainImages));
      QVERIFY(torch::equal(packed.data().get(Split::Train).labels, trainLabels));
      QVERIFY(torch::equal(packed.data().get(Split::Test).images, testImages));
      QVERIFY(torch::equal(packed.data().get(Split::Test).labels, testLabels));
      compareSplits(packed, Dataset::load(DatasetSpec::parse("cifar10:" + dir)));
      std::string why;
      QVERIFY2(verifyPreparedDataset(o.out, &why), why.c_str());
    }
    {
      const std::string dir = stlBinary();
      auto o = options("stl10:" + dir, path("stream-stl-prepared"));
      const auto r = prepareDataset(o);
      QCOMPARE(r.trainImages, int64_t(40));
      QCOMPARE(r.testImages, int64_t(30));
      QCOMPARE(r.unlabeledImages, int64_t(72));
      QCOMPARE(r.imageSize, 96);
      const Dataset packed = Dataset::load(DatasetSpec::parse(o.out));
      for (const auto& [split, x, y] : std::vector<std::tuple<Split, std::string, std::string>>{
               {Split::Train, "train_X.bin", "train_y.bin"}, {Split::Test, "test_X.bin", "test_y.bin"}, {Split::Unlabeled, "unlabeled_X.bin", ""}}) {
        auto bytes = fileBytes(dir + "/" + x);
        const int64_t n = int64_t(bytes.size() / (3 * 96 * 96));
        const auto images = torch::from_blob(bytes.data(), {n, 3, 96, 96}, torch::kUInt8).permute({0, 1, 3, 2});
        const auto& s = packed.data().get(split);
        QVERIFY2(torch::equal(s.images, images), x.c_str());
        if (y.empty()) {
          QCOMPARE(s.labels.min().item<int64_t>(), int64_t(-1));
          QCOMPARE(s.labels.max().item<int64_t>(), int64_t(-1));
          QVERIFY(!fs::exists(o.out + "/unlabeled_labels.npy"));
        } else {
          auto labels = fileBytes(dir + "/" + y);
          QVERIFY(torch::equal(s.labels, torch::from_blob(labels.data(), {n}, torch::kUInt8).to(torch::kInt64) - 1));
        }
      }
      DatasetSpec direct = DatasetSpec::parse("stl10:" + dir);
      direct.loadUnlabeled = true;
      compareSplits(packed, Dataset::load(direct));
      const Json manifest = Json::parse(readText(o.out + "/manifest.json"));
      std::vector<std::string> names;
      for (const auto& s : manifest.at("splits")) names.push_back(s.at("split").get<std::string>());
      QCOMPARE(names, (std::vector<std::string>{"train", "test", "unlabeled"}));
    }
    {
      // Plain (not gzipped) IDX files are read at their offsets too.
      const std::string dir = path("stream-idx");
      fs::create_directories(dir);
      testutil::writeBytes(dir + "/train-images-idx3-ubyte", testutil::idxImages(90, 28, 28));
      testutil::writeBytes(dir + "/train-labels-idx1-ubyte", testutil::idxLabels(90, 10));
      testutil::writeBytes(dir + "/t10k-images-idx3-ubyte", testutil::idxImages(20, 28, 28));
      testutil::writeBytes(dir + "/t10k-labels-idx1-ubyte", testutil::idxLabels(20, 10));
      auto o = options("mnist:" + dir, path("stream-idx-prepared"));
      prepareDataset(o);
      const Dataset packed = Dataset::load(DatasetSpec::parse(o.out));
      const auto& train = packed.data().get(Split::Train);
      QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{90, 1, 28, 28}));
      for (int64_t i : {0, 37, 89}) {
        for (int64_t p : {0, 300, 783}) QCOMPARE(int(train.images[i][0].flatten()[p].item<int>()), int((i * 7 + p) % 256));
        QCOMPARE(train.labels[i].item<int64_t>(), i % 10);
      }
      compareSplits(packed, Dataset::load(DatasetSpec::parse("mnist:" + dir)));
    }
  }

  // Gzip-compressed IDX is read by ranges from one forward-only stream, never inflated whole:
  // GzipRanges' ranges (crossing its pieces, out of order within its look-behind, and further back,
  // which restarts the stream) equal the raw file's bytes; a default reader's pass in consecutive
  // ranges taken out of order inflates every byte once; and a prepare of the gzip files on 4 threads
  // writes arrays equal byte for byte to those of the same files uncompressed.
  void gzipIdxIsStreamed() {
    const std::string raw = path("gz-idx-raw"), gz = path("gz-idx-gz");
    fs::create_directories(raw);
    fs::create_directories(gz);
    // IDX headers, random pixels (so that the gzip data is about as large as the images).
    const auto randomIdx = [](std::uint32_t n, std::uint32_t seed) {
      auto bytes = testutil::idxImages(n, 28, 28);
      const auto body = randomBytes(std::size_t(n) * 784, seed);
      std::copy(body.begin(), body.end(), bytes.begin() + 16);
      return bytes;
    };
    const auto trainImages = randomIdx(1500, 31), testImages = randomIdx(90, 32);
    const auto trainLabels = testutil::idxLabels(1500, 10), testLabels = testutil::idxLabels(90, 10);
    for (const auto& [name, bytes] : std::vector<std::pair<std::string, const std::vector<std::uint8_t>*>>{
             {"train-images-idx3-ubyte", &trainImages}, {"train-labels-idx1-ubyte", &trainLabels},
             {"t10k-images-idx3-ubyte", &testImages}, {"t10k-labels-idx1-ubyte", &testLabels}}) {
      testutil::writeBytes(raw + "/" + name, *bytes);
      testutil::writeGz(gz + "/" + name + ".gz", *bytes);
    }
    const std::string gzImages = gz + "/train-images-idx3-ubyte.gz";
    const std::uint64_t data = 1500 * 784;
    QVERIFY(data > 4 * datasets::GzipRanges::kPiece);
    auto expect = [&](const datasets::GzipRanges& r, std::uint64_t from, std::size_t n) {
      std::vector<std::uint8_t> got(n);
      r.read(from, n, got.data());
      return std::equal(got.begin(), got.end(), trainImages.begin() + 16 + std::ptrdiff_t(from));
    };
    {
      // Pieces of 1000 bytes, 5000 kept behind.
      datasets::GzipRanges r(gzImages, 16, data, 5000, 1000);
      QVERIFY(expect(r, 0, 2500));          // three pieces
      QVERIFY(expect(r, 2990, 20));         // ahead, across a piece's end
      QVERIFY(expect(r, 700, 1900));        // back, within what is kept
      QCOMPARE(r.restarts(), std::uint64_t(0));
      QVERIFY(expect(r, 20000, 7777));      // far ahead: the bytes between skipped
      QVERIFY(expect(r, 100, 50));          // further back than kept: from the beginning again
      QCOMPARE(r.restarts(), std::uint64_t(1));
      std::mt19937 rng(5);
      for (int k = 0; k < 200; ++k) {
        const std::uint64_t from = rng() % data;
        const std::size_t n = std::size_t(std::min<std::uint64_t>(data - from, 1 + rng() % 9000));
        QVERIFY2(expect(r, from, n), (std::to_string(from) + " + " + std::to_string(n)).c_str());
      }
      QVERIFY(expect(r, 0, std::size_t(data)));  // all of it at once
      try {
        std::uint8_t b = 0;
        r.read(data, 1, &b);
        QFAIL("a byte past the data was read");
      } catch (const std::out_of_range&) {
      }
    }
    {
      // The default reader, as prepare's threads use it: consecutive ranges of 24 images taken in
      // pairs out of order, and ranges across its 256 KiB pieces. Every byte inflated once.
      datasets::GzipRanges r(gzImages, 16, data);
      const std::uint64_t range = 24 * 784;
      for (std::uint64_t from = 0; from < data; from += 2 * range) {
        const std::uint64_t second = std::min(data, from + range);
        if (second < data) QVERIFY(expect(r, second, std::size_t(std::min(range, data - second))));
        QVERIFY(expect(r, from, std::size_t(second - from)));
      }
      QCOMPARE(r.restarts(), std::uint64_t(0));
      QCOMPARE(r.inflated(), 16 + data);
      QVERIFY(expect(r, datasets::GzipRanges::kPiece - 100, 300));
      QVERIFY(expect(r, 3 * datasets::GzipRanges::kPiece - 16, 16 + 1));
    }
    // Packed on 4 threads: the arrays equal those packed from the uncompressed files.
    auto o = options("mnist:" + raw, path("gz-idx-raw-prepared"));
    o.threads = 4;
    prepareDataset(o);
    auto og = options("mnist:" + gz, path("gz-idx-gz-prepared"));
    og.threads = 4;
    const auto r = prepareDataset(og);
    QCOMPARE(r.trainImages, int64_t(1500));
    QCOMPARE(r.testImages, int64_t(90));
    for (const char* file : {"train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy"}) {
      QVERIFY2(fileBytes(o.out + "/" + file) == fileBytes(og.out + "/" + file), file);
    }
    // And against the test's own bytes: the packed images are the file's after its header.
    const Dataset packed = Dataset::load(DatasetSpec::parse(og.out));
    const auto& images = packed.data().get(Split::Train).images;
    QVERIFY(std::equal(trainImages.begin() + 16, trainImages.end(), images.data_ptr<std::uint8_t>()));
    std::string why;
    QVERIFY2(verifyPreparedDataset(og.out, &why), why.c_str());
  }

  // With resizeDataset (the CLI's --image-size), a dataset spec's images are resized as folders'
  // are: each packed CIFAR image equals cv::resize (INTER_AREA) of the loaded one.
  void binaryKindIsResized() {
#ifdef PRETEXT_HAVE_OPENCV
    const std::string dir = cifarBinary();
    auto o = options("cifar10:" + dir, path("stream-cifar-24"));
    o.imageSize = 24;
    o.resizeDataset = true;
    const auto r = prepareDataset(o);
    QCOMPARE(r.imageSize, 24);
    const Dataset packed = Dataset::load(DatasetSpec::parse(o.out));
    const Dataset direct = Dataset::load(DatasetSpec::parse("cifar10:" + dir));
    for (Split split : {Split::Train, Split::Test}) {
      const auto& p = packed.data().get(split);
      const auto& d = direct.data().get(split);
      QCOMPARE(p.images.sizes().vec(), (std::vector<int64_t>{d.images.size(0), 3, 24, 24}));
      QVERIFY(torch::equal(p.labels, d.labels));
      for (int64_t i = 0; i < d.images.size(0); i += 7) {
        const auto hwc = d.images[i].permute({1, 2, 0}).contiguous();
        cv::Mat src(32, 32, CV_8UC3, hwc.data_ptr<std::uint8_t>()), small;
        cv::resize(src, small, cv::Size(24, 24), 0, 0, cv::INTER_AREA);
        const auto expected = torch::from_blob(small.data, {24, 24, 3}, torch::kUInt8).permute({2, 0, 1});
        QVERIFY2(torch::equal(p.images[i], expected), std::to_string(i).c_str());
      }
    }
    QCOMPARE(Json::parse(readText(o.out + "/manifest.json")).at("resize").get<std::string>(), std::string("squash"));
#endif
  }

  // --train-split (TrainConfig::trainSplit) chooses the split trained on: "train" the 40 labelled
  // images of a prepared STL-10 (5 steps of 8, said in the log, recorded in config.json), "unlabeled"
  // the 72 unlabelled ones, also for stl10:DIR loaded directly, whose unlabeled_X.bin the CLI then
  // reads; a split the dataset lacks, or "unlabeled" for a method on labels, is refused naming it.
  void trainSplitChoosesTheSplit() {
    const std::string packed = path("stream-stl-prepared");
    if (!fs::exists(packed)) QSKIP("needs binaryKindsAreStreamed's output");
    const Dataset ds = Dataset::load(DatasetSpec::parse(packed));
    QCOMPARE(trainingSplit(ds, false, "train").images.size(0), int64_t(40));
    QCOMPARE(trainingSplit(ds, false, "unlabeled").images.size(0), int64_t(72));
    QCOMPARE(trainingSplit(ds, false, "auto").images.size(0), int64_t(72));
    const auto refused = [](const Dataset& d, bool usesLabels, const char* split, const char* words) {
      try {
        trainingSplit(d, usesLabels, split);
      } catch (const std::invalid_argument& e) {
        return std::string(e.what()).find(words) != std::string::npos && std::string(e.what()).find("--train-split") != std::string::npos;
      }
      return false;
    };
    QVERIFY(refused(ds, true, "unlabeled", "trains on labels"));
    const std::string dir = stlBinary();
    const Dataset direct = Dataset::load(DatasetSpec::parse("stl10:" + dir));  // load_unlabeled off
    QVERIFY(refused(direct, false, "unlabeled", "unlabeled_X.bin"));
    DatasetSpec shapes;
    shapes.kind = "shapes";
    shapes.shapesPerClass = 2;
    QVERIFY(refused(Dataset::load(shapes), false, "unlabeled", "no unlabelled split"));

    TrainConfig c = tinyPreparedRun(packed, path("run-stl-train-split"));
    c.trainSplit = "train";
    {
      Trainer trainer(c, ds);
      Recorder r;
      QCOMPARE(trainer.run(&r).status, RunStatus::Finished);
      QCOMPARE(int(r.losses.size()), 5);
      QVERIFY(std::find(r.messages.begin(), r.messages.end(),
                        "training on the labelled train split (40 images, --train-split train); the unlabelled split is not "
                        "used") != r.messages.end());
    }
    QCOMPARE(configFromJson(readText(c.outDir + "/config.json")).trainSplit, std::string("train"));
    c.trainSplit = "everything";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, validateConfig(c));

    // The CLI on stl10:DIR: its unlabelled images, read because of the option.
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    const std::string out = path("run-stl-direct-unlabeled");
    QProcess cli;
    cli.start(QStringLiteral(PRETEXT_CLI),
              {QStringLiteral("train"), QString::fromStdString("--dataset=stl10:" + dir), QStringLiteral("--train-split=unlabeled"),
               QStringLiteral("--method=simclr"), QStringLiteral("--width=8"), QStringLiteral("--epochs=1"),
               QStringLiteral("--batch-size=8"), QStringLiteral("--threads=2"), QStringLiteral("--device=cpu"),
               QStringLiteral("--no-knn"), QStringLiteral("--quiet"), QString::fromStdString("--out=" + out)});
    QVERIFY(cli.waitForFinished(180000));
    const QString log = QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError());
    QVERIFY2(cli.exitCode() == 0, qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral("training on the dataset's unlabelled split (72 images)")), qPrintable(log));
    const Json config = Json::parse(readText(out + "/config.json"));
    QCOMPARE(config.at("train_split").get<std::string>(), std::string("unlabeled"));
    QVERIFY(config.at("dataset").at("load_unlabeled").get<bool>());

    // A config.json without load_unlabeled (written by hand, or before it was recorded) resumes on
    // the unlabelled split its train_split names: a second epoch of 72 / 8 = 9 steps from epoch 1's
    // checkpoint, where stl10:DIR's 40 train images would give 5 (and "unlabeled" be refused).
    Json edited = config;
    edited.at("dataset").erase("load_unlabeled");
    {
      std::ofstream f(out + "/config.json", std::ios::binary | std::ios::trunc);
      f << edited.dump(2);
    }
    QVERIFY(!configFromJson(readText(out + "/config.json")).dataset.loadUnlabeled);
    auto resumed = Trainer::resume(out, 2);
    QCOMPARE(resumed->startEpoch(), 1);
    Recorder r;
    const RunResult result = resumed->run(&r);
    QVERIFY2(result.status == RunStatus::Finished, result.message.c_str());
    QCOMPARE(int(r.losses.size()), 9);
    QVERIFY(std::any_of(r.messages.begin(), r.messages.end(), [](const std::string& m) {
      return m.find("training on the dataset's unlabelled split (72 images)") != std::string::npos;
    }));
  }

  // A prepared STL-10 trains a self-supervised method on its unlabelled split (72 images: 9 steps
  // of 8, where the 40 train images would give 5) and monitors k-NN on its labelled train and test
  // splits; a supervised method trains on the labelled train split.
  void preparedStl10TrainsOnItsUnlabelledSplit() {
    const std::string packed = path("stream-stl-prepared");
    if (!fs::exists(packed)) QSKIP("needs binaryKindsAreStreamed's output");
    const Dataset ds = Dataset::load(DatasetSpec::parse(packed));
    QCOMPARE(trainingSplit(ds, false).images.size(0), int64_t(72));
    QCOMPARE(trainingSplit(ds, true).images.size(0), int64_t(40));
    TrainConfig c = tinyPreparedRun(packed, path("run-stl-prepared"));
    Trainer trainer(c, ds);
    Recorder r;
    QCOMPARE(trainer.run(&r).status, RunStatus::Finished);
    QCOMPARE(int(r.losses.size()), 9);
    QVERIFY2(r.knn.back() >= 0 && r.knn.back() <= 1, std::to_string(r.knn.back()).c_str());
    QVERIFY(std::find(r.messages.begin(), r.messages.end(),
                      "training on the dataset's unlabelled split (72 images); its labelled train and test splits are the "
                      "evaluation data") != r.messages.end());
  }

  // A cancelled prepare of a dataset spec leaves only OUT.partial, which does not load; the same
  // prepare again continues from its record and equals an uninterrupted one; a source file whose
  // modification time moved since restarts it, saying so.
  void binaryPrepareCancelsAndResumes() {
    const std::string dir = stlBinary();
    const std::string fresh = path("stream-stl-prepared");
    if (!fs::exists(fresh)) QSKIP("needs binaryKindsAreStreamed's output");
    auto o = options("stl10:" + dir, path("stream-stl-cancelled"));
    o.threads = 1;
    o.recordSeconds = 0;
    std::atomic<bool> cancel{false};
    // Cancels once a report counts more images than one chunk (142 images on 1 thread: chunks of
    // 8, decoded in order), so that the first chunk is finished and recorded; waits for that
    // report, not for a time, which a loaded machine may spend without finishing any.
    auto cancelFirst = [&](const PrepareProgress& p) {
      if (!p.listing && p.done > 8) cancel = true;
    };
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(o, cancelFirst, &cancel));
    QVERIFY(!fs::exists(o.out));
    QVERIFY(fs::exists(o.out + ".partial/progress.json"));
    QVERIFY(!isPreparedDataset(o.out + ".partial"));
    bool loads = true;
    try {
      Dataset::load(DatasetSpec::parse("prepared:" + o.out + ".partial"));
    } catch (const DatasetError&) {
      loads = false;
    }
    QVERIFY(!loads);
    const auto r = prepareDataset(o);
    QVERIFY2(r.resumed > 0 && r.resumed <= 142, std::to_string(r.resumed).c_str());
    QVERIFY(r.restarted.empty());
    QCOMPARE(readText(o.out + "/manifest.json"), readText(fresh + "/manifest.json"));
    compareSplits(Dataset::load(DatasetSpec::parse(o.out)), Dataset::load(DatasetSpec::parse(fresh)));

    // Cancelled again; then unlabeled_X.bin's modification time moves: the rerun starts afresh.
    o.out = path("stream-stl-cancelled-2");
    cancel = false;
    QVERIFY_THROWS_EXCEPTION(PrepareCancelled, prepareDataset(o, cancelFirst, &cancel));
    const std::string x = dir + "/unlabeled_X.bin";
    fs::last_write_time(x, fs::last_write_time(x) + std::chrono::seconds(5));
    const auto r2 = prepareDataset(o);
    QCOMPARE(r2.resumed, int64_t(0));
    QVERIFY2(r2.restarted.find("the source files (size or modification time) differs") != std::string::npos, r2.restarted.c_str());
    compareSplits(Dataset::load(DatasetSpec::parse(o.out)), Dataset::load(DatasetSpec::parse(fresh)));
  }
};

QTEST_GUILESS_MAIN(TstPrepare)
#include "tst_prepare.moc"

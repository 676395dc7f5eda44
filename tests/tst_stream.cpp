// Streaming the training split (train/batchstream.h, TrainConfig::streamData) on the CPU: the
// gather against index_select, the background stream's batches against the epoch's permutation,
// and streamed training against resident training (same losses, step for step, for a fixed seed),
// on data in memory and on a memory-mapped prepared dataset, with the decision said in the log.
#include "train/batchstream.h"

#include <pretext/training.h>

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace pretext;

namespace {

struct Recorder : TrainingObserver {
  std::vector<double> losses;
  std::vector<std::string> messages;
  Trainer* stopAt = nullptr;
  std::int64_t stopStep = -1;
  void onStep(const StepReport& r) override {
    losses.push_back(r.loss);
    if (stopAt && r.globalStep == stopStep) stopAt->requestStop();
  }
  void onMessage(const std::string& m) override { messages.push_back(m); }
  bool said(const std::string& text) const {
    for (const auto& m : messages) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

TrainConfig tiny(const DatasetSpec& spec, const std::string& method, const std::string& stream) {
  TrainConfig c;
  c.dataset = spec;
  c.method = method;
  c.backbone = "convnet";
  c.backboneWidth = 8;
  c.epochs = 2;
  c.batchSize = 16;
  c.threads = 2;
  c.device = "cpu";
  c.seed = 11;
  c.knnEveryEpoch = false;
  c.streamData = stream;
  return c;
}

Recorder trainRun(const TrainConfig& c) {
  Trainer trainer(c, Dataset::load(c.dataset));
  Recorder r;
  const RunResult result = trainer.run(&r);
  if (result.status != RunStatus::Finished) qWarning("%s", result.message.c_str());
  return r;
}

// A .npy of uint8 [n, 3, side, side] with deterministic pixels, and a prepared manifest beside it.
void writePrepared(const std::string& dir, std::int64_t n, std::int64_t side) {
  std::filesystem::create_directories(dir);
  const std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + std::to_string(n) + ", 3, " +
                           std::to_string(side) + ", " + std::to_string(side) + "), }";
  std::string padded = dict;
  while ((10 + padded.size() + 1) % 64 != 0) padded += ' ';
  padded += '\n';
  std::string header = "\x93NUMPY";
  header += char(1);
  header += char(0);
  header += char(padded.size() & 0xff);
  header += char(padded.size() >> 8);
  header += padded;
  std::ofstream out(dir + "/unlabeled_images.npy", std::ios::binary);
  out.write(header.data(), std::streamsize(header.size()));
  std::uint32_t x = 2024;
  std::vector<char> row(std::size_t(3 * side * side));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      x = x * 1664525u + 1013904223u;
      // smooth-ish images: a gradient per image plus noise, so that the encoder sees structure
      row[k] = char((k % std::size_t(side)) * 3 + (i % 7) * 20 + (x >> 28));
    }
    out.write(row.data(), std::streamsize(row.size()));
  }
  std::ofstream manifest(dir + "/manifest.json");
  manifest << R"({"format": "pretext-prepared", "version": 1, "image_size": )" << side
           << R"(, "channels": 3, "class_names": [], "splits": [{"split": "unlabeled", "count": )" << n
           << R"(, "images": "unlabeled_images.npy"}]})";
}

}  // namespace

class TstStream : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void gatherEqualsIndexSelect() {
    torch::manual_seed(5);
    const auto images = torch::randint(0, 256, {97, 3, 5, 7}, torch::TensorOptions().dtype(torch::kUInt8));
    const auto indices = torch::randint(0, 97, {40}, torch::TensorOptions().dtype(torch::kLong));  // repeats too
    auto out = torch::empty({40, 3, 5, 7}, images.options());
    train::gatherRows(images.data_ptr<std::uint8_t>(), 97, 3 * 5 * 7, indices.data_ptr<std::int64_t>(), 40,
                      out.data_ptr<std::uint8_t>());
    QVERIFY(out.equal(images.index_select(0, indices)));
    const std::int64_t bad[] = {3, 97};
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, train::gatherRows(images.data_ptr<std::uint8_t>(), 97, 105, bad, 2,
                                                                   out.data_ptr<std::uint8_t>()));
    // One order, sorted by source row, serves every array of the batch (the stream's images and labels).
    const train::RowOrder order = train::rowOrder(97, indices.data_ptr<std::int64_t>(), 40);
    QCOMPARE(order.size(), std::size_t(40));
    QVERIFY(std::is_sorted(order.begin(), order.end()));
    const auto labels = torch::arange(97, torch::TensorOptions().dtype(torch::kLong)) * 5 - 2;
    auto outLabels = torch::empty({40}, labels.options());
    train::gatherRows(reinterpret_cast<const std::uint8_t*>(labels.data_ptr<std::int64_t>()), sizeof(std::int64_t), order,
                      reinterpret_cast<std::uint8_t*>(outLabels.data_ptr<std::int64_t>()));
    QVERIFY(outLabels.equal(labels.index_select(0, indices)));
    out.zero_();
    train::gatherRows(images.data_ptr<std::uint8_t>(), 3 * 5 * 7, order, out.data_ptr<std::uint8_t>());
    QVERIFY(out.equal(images.index_select(0, indices)));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, train::rowOrder(97, bad, 2));
  }

  void streamGivesTheEpochsBatches() {
    // Two ranks' shares of each step (stride 12, 5 rows each at offsets 0 and 5... of 10 per step
    // here: batch 10, local 5), from step 3 on, as index_select of the permutation gives them.
    torch::manual_seed(6);
    const auto images = torch::randint(0, 256, {120, 2, 3, 3}, torch::TensorOptions().dtype(torch::kUInt8));
    const auto labels = torch::arange(120, torch::TensorOptions().dtype(torch::kLong)) * 7 - 3;
    const auto order = torch::randperm(120, torch::TensorOptions().dtype(torch::kLong));
    for (int rank = 0; rank < 2; ++rank) {
      train::BatchStream stream(images, labels, torch::Device(torch::kCPU), 3);
      stream.start(order, 3, 12, 10, rank * 5, 5);
      for (std::int64_t step = 3; step < 12; ++step) {
        const auto idx = order.slice(0, step * 10 + rank * 5, step * 10 + rank * 5 + 5);
        const auto [x, y] = stream.next();
        QVERIFY(x.equal(images.index_select(0, idx)));
        QVERIFY(y.equal(labels.index_select(0, idx)));
      }
      QVERIFY_THROWS_EXCEPTION(std::logic_error, stream.next());
      // A second epoch restarts it, with another order.
      const auto again = torch::randperm(120, torch::TensorOptions().dtype(torch::kLong));
      stream.start(again, 0, 2, 10, 0, 10);
      QVERIFY(stream.next().first.equal(images.index_select(0, again.slice(0, 0, 10))));
    }
  }

  void streamedTrainsLikeResident() {
    // Labels too: the supervised baseline reads them, so its losses check the labels' gather.
    DatasetSpec shapes;
    shapes.kind = "shapes";
    shapes.shapesPerClass = 8;
    shapes.shapesImageSize = 16;
    for (const char* method : {"simclr", "supervised"}) {
      const Recorder resident = trainRun(tiny(shapes, method, "off"));
      const Recorder streamed = trainRun(tiny(shapes, method, "on"));
      QCOMPARE(int(resident.losses.size()), 8);  // 64 images, batches of 16, 2 epochs
      QCOMPARE(streamed.losses, resident.losses);
      QVERIFY(streamed.said("training data: 0 MiB in memory, streamed (batches gathered 4 ahead on a background thread)"));
      // Held in memory and not streamed: nothing to say, as before.
      QVERIFY(!resident.said("training data:"));
    }
  }

  void mappedDatasetIsStreamedAndResumes() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/mapped";
    writePrepared(dir, 96, 16);
    const DatasetSpec spec = DatasetSpec::parse("prepared:" + dir);
    TrainConfig c = tiny(spec, "simclr", "auto");
    const Recorder automatic = trainRun(c);
    QVERIFY(automatic.said("memory-mapped from the dataset's files, streamed from there, not copied"));
    c.streamData = "off";
    const Recorder off = trainRun(c);
    QVERIFY(off.said("memory-mapped from the dataset's files, gathered on the training thread (stream_data off)"));
    QCOMPARE(int(automatic.losses.size()), 12);  // 96 images, batches of 16, 2 epochs
    QCOMPARE(automatic.losses, off.losses);
    QVERIFY(automatic.said("streamed training data: the training thread waited "));
    QVERIFY(!off.said("streamed training data:"));

    // Stopped in the middle of the first epoch and resumed: the stream starts at the saved step,
    // and the run goes on as the uninterrupted one (the checkpoint keeps the generator's state).
    c.streamData = "auto";
    c.outDir = tmp.path().toStdString() + "/run";
    {
      Trainer first(c, Dataset::load(spec));
      Recorder r;
      r.stopAt = &first;
      r.stopStep = 4;
      QCOMPARE(int(first.run(&r).status), int(RunStatus::Stopped));
      QCOMPARE(std::vector<double>(r.losses.begin(), r.losses.end()),
               std::vector<double>(automatic.losses.begin(), automatic.losses.begin() + 4));
    }
    auto resumed = Trainer::resume(c.outDir);
    Recorder rest;
    QCOMPARE(int(resumed->run(&rest).status), int(RunStatus::Finished));
    QCOMPARE(rest.losses, std::vector<double>(automatic.losses.begin() + 4, automatic.losses.end()));
  }

  void badSettingIsRefused() {
    DatasetSpec shapes;
    shapes.kind = "shapes";
    // config.json keeps a setting other than auto (absent, as in older runs: auto).
    TrainConfig on = tiny(shapes, "simclr", "on");
    QCOMPARE(configFromJson(configToJson(on)).streamData, std::string("on"));
    on.streamData = "auto";
    QVERIFY(configToJson(on).find("stream_data") == std::string::npos);
    QCOMPARE(configFromJson("{}").streamData, std::string("auto"));
    TrainConfig c = tiny(shapes, "simclr", "sometimes");
    try {
      validateConfig(c);
      QFAIL("stream_data 'sometimes' was accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(std::string(e.what()).find("--stream, stream_data") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TstStream)
#include "tst_stream.moc"

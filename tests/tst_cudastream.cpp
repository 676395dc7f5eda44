// Streaming the training split to a CUDA device (CTest label "gpu"; skipped with the reason on a
// machine without one): the batches a BatchStream copies through pinned buffers on its side stream
// against index_select of the same rows moved to the device, and a streamed run against a resident
// one of the same seed, with the decision in the run's log.
#include "train/batchstream.h"

#include <pretext/training.h>

#include <QtTest>

#include <cmath>
#include <string>
#include <vector>

using namespace pretext;

namespace {

struct Recorder : TrainingObserver {
  std::vector<double> losses;
  std::vector<std::string> messages;
  void onStep(const StepReport& r) override { losses.push_back(r.loss); }
  void onMessage(const std::string& m) override { messages.push_back(m); }
  bool said(const std::string& text) const {
    for (const auto& m : messages) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace

class TstCudaStream : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (!cudaAvailable()) {
      QSKIP("no CUDA device on this machine: the pinned buffers, side stream and device copies of a streamed "
            "training split run on the GPU machine (ctest -L gpu); the CPU half is tst_stream");
    }
  }

  void streamedBatchesEqualResidentOnes() {
    torch::manual_seed(8);
    const auto images = torch::randint(0, 256, {4000, 3, 32, 32}, torch::TensorOptions().dtype(torch::kUInt8));
    const auto labels = torch::randint(0, 10, {4000}, torch::TensorOptions().dtype(torch::kLong));
    const auto resident = images.to(torch::kCUDA), residentLabels = labels.to(torch::kCUDA);
    const auto order = torch::randperm(4000, torch::TensorOptions().dtype(torch::kLong));
    train::BatchStream stream(images, labels, torch::Device(torch::kCUDA), 4);
    for (int epoch = 0; epoch < 2; ++epoch) {
      stream.start(order, epoch, 15, 256, 0, 256);
      for (std::int64_t step = epoch; step < 15; ++step) {
        const auto idx = order.slice(0, step * 256, step * 256 + 256).to(torch::kCUDA);
        const auto [x, y] = stream.next();
        QVERIFY(x.is_cuda() && y.is_cuda());
        // Work queued on the default stream right after next() sees the copied rows.
        QVERIFY(x.equal(resident.index_select(0, idx)));
        QVERIFY(y.equal(residentLabels.index_select(0, idx)));
      }
    }
    qInfo("the consumer waited %.3f s for batches", stream.waitedSeconds());
  }

  void streamedRunTrainsLikeResident() {
    TrainConfig c;
    c.dataset.kind = "shapes";
    c.dataset.shapesPerClass = 64;
    c.method = "simclr";
    c.backbone = "convnet";
    c.backboneWidth = 16;
    c.epochs = 2;
    c.batchSize = 64;
    c.device = "cuda";
    c.seed = 3;
    c.bf16 = false;  // fp32, so that the two runs differ only where cuDNN's choices do
    c.knnEveryEpoch = false;
    c.readbackEvery = 1;
    std::vector<double> losses[2];
    Recorder logs[2];
    for (int streamed = 0; streamed < 2; ++streamed) {
      c.streamData = streamed ? "on" : "auto";
      Trainer trainer(c, Dataset::load(c.dataset));
      const RunResult r = trainer.run(&logs[streamed]);
      QVERIFY2(r.status == RunStatus::Finished, r.message.c_str());
      losses[streamed] = logs[streamed].losses;
    }
    QVERIFY(logs[0].said("fits the device memory budget (half of the"));
    QVERIFY(logs[0].said(": resident on the device"));
    QVERIFY(logs[1].said("; stream_data on: streamed (batches gathered 4 ahead on a background thread into pinned buffers, "
                         "copied to the GPU on a side stream)"));
    QCOMPARE(losses[1].size(), losses[0].size());
    // The same batches and the same augmentation draws: equal up to cuDNN's non-deterministic sums.
    for (std::size_t i = 0; i < losses[0].size(); ++i) {
      QVERIFY2(std::abs(losses[1][i] - losses[0][i]) <= 1e-3 * std::abs(losses[0][i]),
               (std::to_string(i) + ": " + std::to_string(losses[1][i]) + " vs " + std::to_string(losses[0][i])).c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TstCudaStream)
#include "tst_cudastream.moc"

// CUDA checks (CTest label "gpu"): skipped with a reason on machines without a GPU.
#include "augment/augment.h"

#include <pretext/training.h>

using namespace pretext;

class TstCuda : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (!cudaAvailable()) QSKIP("no CUDA device on this machine; these checks run on the GPU machine (ctest -L gpu)");
  }

  void augmentationsRunOnTheDevice() {
    torch::manual_seed(3);
    const auto x = torch::randint(0, 256, {64, 3, 32, 32}, torch::TensorOptions().dtype(torch::kUInt8).device(torch::kCUDA));
    const auto y = augment::apply(x, AugmentConfig::simclr());
    QVERIFY(y.is_cuda());
    QCOMPARE(y.sizes(), x.sizes());
    QVERIFY(y.min().item<float>() >= 0.0f && y.max().item<float>() <= 1.0f);
  }

  void simclrResnetTrainsWithBf16() {
    TrainConfig c;
    c.dataset.kind = "shapes";
    c.dataset.shapesPerClass = 64;
    c.method = "simclr";
    c.backbone = "resnet18";
    c.epochs = 2;
    c.batchSize = 128;
    c.device = "cuda";
    c.knnK = 20;
    Trainer trainer(c, Dataset::load(c.dataset));
    const RunResult r = trainer.run();
    QVERIFY2(r.status == RunStatus::Finished, r.message.c_str());
    QVERIFY(r.finalKnnAccuracy > 0.125);
    qInfo("CUDA SimCLR ResNet-18: %.0f img/s, k-NN %.3f", r.imagesPerSecond, r.finalKnnAccuracy);
  }

  void outOfMemorySuggestsASmallerBatch() {
    TrainConfig c;
    c.dataset.kind = "shapes";
    c.dataset.shapesPerClass = 64;
    c.dataset.shapesImageSize = 256;
    c.method = "simclr";
    c.backbone = "resnet18";
    c.epochs = 1;
    c.batchSize = 512;
    c.subset = 512;
    c.device = "cuda";
    c.knnEveryEpoch = false;
    // 512 x 2 views of 256x256 through a stride-1 ResNet-18 needs far more than one GPU holds.
    Trainer trainer(c, Dataset::load(c.dataset));
    const RunResult r = trainer.run();
    if (r.status == RunStatus::Finished) QSKIP("this GPU had room for the batch");
    QVERIFY2(r.message.find("--batch-size 256") != std::string::npos, r.message.c_str());
  }
};

QTEST_APPLESS_MAIN(TstCuda)
#include "tst_cuda.moc"

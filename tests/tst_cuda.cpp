// CUDA checks (CTest label "gpu"): skipped with a reason on machines without a GPU.
#include "augment/augment.h"
#include "train/optim.h"

#include <pretext/training.h>

#include <cmath>

using namespace pretext;

namespace {

/// SimCLR on a ResNet-18 over the synthetic shapes (RGB 32x32), two short epochs on the GPU.
TrainConfig simclrResnet() {
  TrainConfig c;
  c.dataset.kind = "shapes";
  c.dataset.shapesPerClass = 64;
  c.method = "simclr";
  c.backbone = "resnet18";
  c.epochs = 2;
  c.batchSize = 128;
  c.device = "cuda";
  c.knnK = 20;
  return c;
}

}  // namespace

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
    const TrainConfig c = simclrResnet();
    Trainer trainer(c, Dataset::load(c.dataset));
    const RunResult r = trainer.run();
    QVERIFY2(r.status == RunStatus::Finished, r.message.c_str());
    QVERIFY(r.finalKnnAccuracy > 0.125);
    qInfo("CUDA SimCLR ResNet-18: %.0f img/s, k-NN %.3f", r.imagesPerSecond, r.finalKnnAccuracy);
  }

  void cudaGraphStepTrainsLikeTheEagerStep() {
    // The same SimCLR run eagerly and with its step replayed from a CUDA graph: the first steps
    // (eager warm-up) give the same losses, the replayed ones stay close (the learning rate comes
    // from a device tensor, and the augmentation draws its random numbers through the graph), and
    // both learn.
    std::vector<double> losses[2];
    std::vector<std::string> messages;
    struct Observer : TrainingObserver {
      std::vector<double>* losses;
      std::vector<std::string>* messages;
      void onStep(const StepReport& r) override { losses->push_back(r.loss); }
      void onMessage(const std::string& m) override { messages->push_back(m); }
    };
    double knn[2] = {0, 0};
    for (const bool graphs : {false, true}) {
      TrainConfig c = simclrResnet();
      c.readbackEvery = 1;
      c.cudaGraphs = graphs;
      Trainer trainer(c, Dataset::load(c.dataset));
      Observer obs;
      obs.losses = &losses[graphs ? 1 : 0];
      obs.messages = &messages;
      const RunResult r = trainer.run(&obs);
      QVERIFY2(r.status == RunStatus::Finished, r.message.c_str());
      knn[graphs ? 1 : 0] = r.finalKnnAccuracy;
    }
    bool announced = false;
    for (const auto& m : messages) announced = announced || m.find("CUDA graphs: the training step is recorded") == 0;
    QVERIFY2(announced, messages.empty() ? "no message" : messages.back().c_str());
    QCOMPARE(losses[0].size(), losses[1].size());
    QVERIFY(std::abs(losses[1].front() - losses[0].front()) < 1e-3 * losses[0].front());  // same weights, same batch
    for (std::size_t i = 0; i < losses[0].size(); ++i) {
      QVERIFY2(std::isfinite(losses[1][i]) && std::abs(losses[1][i] - losses[0][i]) < 0.1 * losses[0][i],
               qPrintable(QStringLiteral("step %1: graph %2, eager %3").arg(i).arg(losses[1][i]).arg(losses[0][i])));
    }
    QVERIFY(losses[1].back() < losses[1].front());
    QVERIFY(knn[1] > 0.125);
    qInfo("k-NN after 2 epochs: eager %.3f, CUDA graph %.3f", knn[0], knn[1]);
  }

  void foreachSgdMatchesTorchSgdOnTheGpu() {
    // The multi-tensor kernels (fused on CUDA) against torch::optim::SGD's per-parameter kernels,
    // over channels_last conv weights, plain matrices and vectors, with weight decay and momentum.
    torch::manual_seed(3);
    const auto cuda = torch::Device(torch::kCUDA);
    std::vector<torch::Tensor> start = {torch::randn({16, 3, 3, 3}).contiguous(torch::MemoryFormat::ChannelsLast),
                                        torch::randn({10, 64}), torch::randn({64}), torch::randn({7})};
    std::vector<std::vector<torch::Tensor>> grads;
    for (int step = 0; step < 3; ++step) {
      std::vector<torch::Tensor> g;
      for (const auto& t : start) g.push_back(torch::randn_like(t));
      grads.push_back(g);
    }
    std::vector<torch::Tensor> result[2];
    for (const bool foreach : {true, false}) {
      std::vector<torch::Tensor> params;
      for (const auto& t : start) params.push_back(t.to(cuda).clone().requires_grad_(true));
      train::OptimizerSetup setup{"sgd", 0.1, 5e-4, 0.9};
      setup.foreach = foreach;
      train::Optimizer opt(setup, params);
      for (int step = 0; step < 3; ++step) {
        for (std::size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[step][i].to(cuda);
        opt.step(0.1 / (step + 1));
      }
      for (const auto& p : params) result[foreach ? 0 : 1].push_back(p.detach().cpu());
    }
    for (std::size_t i = 0; i < start.size(); ++i) QVERIFY(torch::allclose(result[0][i], result[1][i], 1e-6, 1e-6));
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

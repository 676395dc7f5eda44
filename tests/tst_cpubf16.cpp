// CPU bf16 autocast and channels_last training (TrainConfig::cpuBf16, cpuChannelsLast) against the
// fp32 NCHW step on the same weights and the same batch: the loss and the gradients agree within
// bf16's precision, the weights and their gradients stay fp32, the layouts are really NHWC, and a
// run in bf16 lowers its loss as the fp32 run does.
#include "coretestutil.h"
#include "io/fileutil.h"
#include "methods/method.h"
#include "run/model.h"
#include "shapesrun.h"

#include <pretext/dataset.h>
#include <pretext/methods.h>
#include <pretext/training.h>

#include <QTemporaryDir>

#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace pretext;

namespace {

struct EpochLosses : TrainingObserver {
  std::vector<double> losses;
  void onEpoch(const EpochReport& r) override {
    if (r.epoch >= 0) losses.push_back(r.meanLoss);
  }
};

/// One step's loss and the flattened gradient of the backbone, with the method's random draws
/// (augmentations) from the same seed.
struct StepResult {
  double loss = 0.0;
  torch::Tensor backboneGrad;
};

StepResult oneStep(Model& model, const methods::Batch& batch) {
  torch::manual_seed(11);
  model.method->zero_grad();
  const auto out = model.method->step(batch);
  out.loss.backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : model.method->backbone()->parameters()) grads.push_back(p.grad().flatten());
  return {out.loss.item<double>(), torch::cat(grads).to(torch::kDouble)};
}

std::shared_ptr<Model> build(const TrainConfig& c, const Dataset& dataset) {
  torch::manual_seed(3);  // the same initial weights for every variant
  return buildModel(c, dataset, torch::Device(torch::kCPU));
}

methods::Batch firstBatch(const Dataset& dataset, int64_t n) {
  const auto& train = trainingSplit(dataset);
  methods::Batch b;
  b.images = train.images.slice(0, 0, n);
  b.labels = train.labels.slice(0, 0, n);
  b.indices = torch::arange(n, torch::kLong);
  return b;
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.dot(b) / (a.norm() * b.norm())).item<double>();
}

}  // namespace

class TstCpuBf16 : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(2); }

  void bf16StepMatchesFp32_data() {
    QTest::addColumn<QString>("method");
    QTest::newRow("simclr") << "simclr";
    QTest::newRow("rotation") << "rotation";
    QTest::newRow("byol") << "byol";
    QTest::newRow("barlow") << "barlow";
  }
  void bf16StepMatchesFp32() {
    QFETCH(QString, method);
    TrainConfig c = testrun::shapesRun(method.toStdString(), 8);  // 64 RGB 32x32 images
    const Dataset dataset = Dataset::load(c.dataset);
    const auto batch = firstBatch(dataset, 32);
    auto fp32 = build(c, dataset);
    c.cpuBf16 = true;
    auto bf16 = build(c, dataset);
    const StepResult a = oneStep(*fp32, batch);
    const StepResult b = oneStep(*bf16, batch);
    // Autocast really ran: bf16 rounding changes the loss (the fp32 step is deterministic on a
    // fixed seed and thread count, so equal losses would mean the same fp32 arithmetic).
    QVERIFY2(a.loss != b.loss, "the bf16 step computed the same loss as fp32: autocast did not engage");
    // bf16 keeps 8 significant bits (unit roundoff 2^-9, 0.2%): each of the five convolutions
    // rounds its inputs and weights, BatchNorm then rescales, so the pooled features carry errors of
    // a few tenths of a percent up to about 1%, and the loss, a smooth function of them computed in
    // fp32, moves by at most about as much relative (measured on this CPU: 1e-5 to 1.8e-3). 2% is
    // that bound with room for other thread counts and CPUs.
    qInfo("%s: fp32 loss %.6f, bf16 loss %.6f (relative %.2e)", qPrintable(method), a.loss, b.loss,
          std::abs(a.loss - b.loss) / std::abs(a.loss));
    QVERIFY2(std::abs(a.loss - b.loss) <= 0.02 * std::abs(a.loss) + 1e-4,
             qPrintable(QString("fp32 %1, bf16 %2").arg(a.loss).arg(b.loss)));
    // The gradient points the same way: the update is the fp32 update up to rounding.
    const double cos = cosine(a.backboneGrad, b.backboneGrad);
    qInfo("%s: cosine of the backbone gradients %.5f", qPrintable(method), cos);
    QVERIFY2(cos > 0.98, qPrintable(QString("gradient cosine %1").arg(cos)));
    // Master weights and their gradients stay fp32, also after an optimizer step.
    torch::optim::SGD sgd(bf16->method->trainableParameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    sgd.step();
    for (const auto& p : bf16->method->named_parameters(true)) {
      QVERIFY2(p.value().scalar_type() == torch::kFloat, p.key().c_str());
      if (p.value().grad().defined()) QVERIFY2(p.value().grad().scalar_type() == torch::kFloat, p.key().c_str());
    }
    // Eval mode (the k-NN monitor, probes) is fp32 as before: bf16 there is TrainConfig::knnBf16's.
    bf16->method->eval();
    fp32->method->eval();
    torch::NoGradGuard noGrad;
    const auto x = torch::rand({4, 3, 32, 32});
    QVERIFY(bf16->backbone().forward(x).scalar_type() == torch::kFloat);
  }

  void channelsLastReachesTheConvolution() {
    // A one-channel NCHW batch also passes for NHWC, so contiguous(ChannelsLast) keeps its NCHW
    // strides and a convolution on it computes (and outputs) NCHW: the bug that kept training NCHW.
    const auto gray = torch::rand({4, 1, 12, 12});
    const auto weight = torch::rand({8, 1, 3, 3});
    const auto kept = gray.contiguous(torch::MemoryFormat::ChannelsLast);
    QCOMPARE(kept.stride(1), int64_t(144));  // still NCHW
    QVERIFY(!torch::conv2d(kept, weight).is_contiguous(torch::MemoryFormat::ChannelsLast));
    // toChannelsLast allocates NHWC: the channel stride is 1 and the output follows in NHWC.
    const auto nhwc = methods::toChannelsLast(gray);
    QCOMPARE(nhwc.stride(1), int64_t(1));
    QCOMPARE(nhwc.stride(3), int64_t(1));
    QVERIFY(nhwc.equal(gray));
    const auto out = torch::conv2d(nhwc, methods::toChannelsLast(weight));
    QVERIFY(out.is_contiguous(torch::MemoryFormat::ChannelsLast));
    QCOMPARE(out.stride(1), int64_t(1));
    QVERIFY(out.allclose(torch::conv2d(gray, weight), 1e-5, 1e-5));
    // RGB: the usual conversion.
    QCOMPARE(methods::toChannelsLast(torch::rand({2, 3, 5, 5})).stride(1), int64_t(1));
  }

  void channelsLastStepMatchesNchw() {
    TrainConfig c = testrun::shapesRun("simclr", 8);
    const Dataset dataset = Dataset::load(c.dataset);
    const auto batch = firstBatch(dataset, 32);
    auto nchw = build(c, dataset);
    c.cpuChannelsLast = true;
    auto nhwc = build(c, dataset);
    const auto w = nhwc->backbone().firstLayerWeight();
    QCOMPARE(w.stride(1), int64_t(1));  // conv weights in NHWC
    QVERIFY(nchw->backbone().firstLayerWeight().is_contiguous());
    const StepResult a = oneStep(*nchw, batch);
    const StepResult b = oneStep(*nhwc, batch);
    // The same fp32 arithmetic in another order (oneDNN's NHWC kernels sum differently): float
    // rounding, about 1e-6 relative per layer.
    QVERIFY2(std::abs(a.loss - b.loss) <= 1e-4 * std::abs(a.loss), qPrintable(QString("%1 vs %2").arg(a.loss).arg(b.loss)));
    QVERIFY(cosine(a.backboneGrad, b.backboneGrad) > 0.9999);
  }

  void bf16TrainingLowersTheLoss() {
    // SimCLR on the shapes, 4 epochs: the bf16 + channels_last run's mean loss falls, and ends near
    // the fp32 run's (the same seed, so the same initial weights and batches; only rounding differs).
    TrainConfig c = testrun::shapesRun("simclr", 24);  // 192 images, 6 steps an epoch
    c.epochs = 4;
    c.knnEveryEpoch = false;
    EpochLosses fp32Losses, bf16Losses;
    {
      Trainer trainer(c, Dataset::load(c.dataset));
      QCOMPARE(int(trainer.run(&fp32Losses).status), int(RunStatus::Finished));
    }
    c.cpuBf16 = true;
    c.cpuChannelsLast = true;
    {
      Trainer trainer(c, Dataset::load(c.dataset));
      QCOMPARE(int(trainer.run(&bf16Losses).status), int(RunStatus::Finished));
    }
    QCOMPARE(bf16Losses.losses.size(), size_t(4));
    qInfo("mean loss per epoch, fp32: %.4f %.4f %.4f %.4f; bf16: %.4f %.4f %.4f %.4f", fp32Losses.losses[0],
          fp32Losses.losses[1], fp32Losses.losses[2], fp32Losses.losses[3], bf16Losses.losses[0], bf16Losses.losses[1],
          bf16Losses.losses[2], bf16Losses.losses[3]);
    QVERIFY(bf16Losses.losses.back() < bf16Losses.losses.front() - 0.05);
    QVERIFY(std::abs(bf16Losses.losses.back() - fp32Losses.losses.back()) < 0.05 * fp32Losses.losses.back());
  }

  void configOptions() {
    TrainConfig c;
    QVERIFY(!c.cpuBf16);
    QVERIFY(!c.cpuChannelsLast);
    c.cpuBf16 = true;
    c.cpuChannelsLast = true;
    const TrainConfig back = configFromJson(configToJson(c));
    QVERIFY(back.cpuBf16);
    QVERIFY(back.cpuChannelsLast);
    // An older config.json without the keys trains fp32 NCHW, as it did.
    QVERIFY(!configFromJson("{\"method\": \"simclr\"}").cpuBf16);
    validateConfig(c);
    c.backbone = "vit";
    QVERIFY_EXCEPTION_THROWN(validateConfig(c), std::invalid_argument);
  }

  /// --cpu-bf16 auto / --cpu-channels-last auto: on exactly for the methods that passed the paired
  /// test in bench/README.md ("The CPU defaults", written here from its table, not from the code), on
  /// the convnet and resnet18, on a CPU with native bf16; off for everything else.
  void autoFollowsThePairedTest() {
    const std::set<std::string> passed{"barlow"};
    const bool native = cpuHasNativeBf16();
    qInfo("this CPU %s native bf16", native ? "has" : "has no");
    for (const auto& m : methodCatalogue()) {
      for (const std::string backbone : {"convnet", "resnet18", "vit"}) {
        const bool expected = native && passed.count(m.name) && backbone != "vit";
        QVERIFY2(cpuBf16ByDefault(m.name, backbone) == expected, (m.name + " on " + backbone).c_str());
        TrainConfig c;
        c.method = m.name;
        c.backbone = backbone;
        c.cpuBf16Auto = c.cpuChannelsLastAuto = true;
        resolveCpuAuto(c);
        QCOMPARE(c.cpuBf16, expected);
        QCOMPARE(c.cpuChannelsLast, expected);
        QVERIFY(!c.cpuBf16Auto && !c.cpuChannelsLastAuto);
        validateConfig(c);  // auto never asks bf16 of a backbone that cannot have it
      }
    }
    // Without auto the fields hold whatever they say, for every method.
    TrainConfig on;
    on.method = "supervised";
    on.cpuBf16 = on.cpuChannelsLast = true;
    resolveCpuAuto(on);
    QVERIFY(on.cpuBf16 && on.cpuChannelsLast);
    TrainConfig off;
    off.method = *passed.begin();
    resolveCpuAuto(off);
    QVERIFY(!off.cpuBf16 && !off.cpuChannelsLast);
  }

  /// A run trained with auto records what was chosen; "auto" itself is kept only by a configuration
  /// no Trainer has resolved (the window's processes read it back); a config.json without the keys
  /// is fp32 NCHW, as before auto existed.
  void autoIsRecordedResolved() {
    const bool native = cpuHasNativeBf16();
    for (const std::string method : {std::string(*std::set<std::string>{"barlow"}.begin()), std::string("supervised")}) {
      QTemporaryDir tmp;
      TrainConfig c = testrun::shapesRun(method, 4, tmp.path().toStdString());  // 32 images, one batch
      c.epochs = 1;
      c.knnEveryEpoch = false;
      c.cpuBf16Auto = c.cpuChannelsLastAuto = true;
      Trainer trainer(c, Dataset::load(c.dataset));
      QCOMPARE(int(trainer.run().status), int(RunStatus::Finished));
      const std::string text = io::readTextFile(tmp.path().toStdString() + "/config.json");
      const bool expected = native && method != "supervised";
      QVERIFY2(text.find("\"cpu_bf16\": " + std::string(expected ? "true" : "false")) != std::string::npos, text.c_str());
      QVERIFY2(text.find("\"cpu_channels_last\": " + std::string(expected ? "true" : "false")) != std::string::npos, text.c_str());
      const TrainConfig written = configFromJson(text);
      QCOMPARE(written.cpuBf16, expected);
      QCOMPARE(written.cpuChannelsLast, expected);
      QVERIFY(!written.cpuBf16Auto && !written.cpuChannelsLastAuto);
    }
    TrainConfig unresolved;
    unresolved.cpuBf16Auto = true;
    const TrainConfig back = configFromJson(configToJson(unresolved));
    QVERIFY(back.cpuBf16Auto && !back.cpuChannelsLastAuto && !back.cpuBf16 && !back.cpuChannelsLast);
    const TrainConfig old = configFromJson("{\"method\": \"rotation\"}");
    QVERIFY(!old.cpuBf16 && !old.cpuBf16Auto && !old.cpuChannelsLast && !old.cpuChannelsLastAuto);
    try {
      configFromJson("{\"cpu_bf16\": \"yes\"}");
      QFAIL("a cpu_bf16 of \"yes\" was accepted");
    } catch (const std::exception& e) {
      QVERIFY2(std::string(e.what()).find("cpu_bf16") != std::string::npos, e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TstCpuBf16)
#include "tst_cpubf16.moc"

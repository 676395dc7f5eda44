// CPU bf16 autocast and channels_last training (TrainConfig::cpuBf16, cpuChannelsLast) against the
// fp32 NCHW step on the same weights and the same batch: the loss and the gradients agree within
// bf16's precision, the weights and their gradients stay fp32, the layouts are really NHWC, and a
// run in bf16 lowers its loss as the fp32 run does. The ViT: its bf16 forward and gradients against
// fp32 on the same weights, attention's softmax in fp32 under autocast, DINO's and MAE's steps.
#include "coretestutil.h"
#include "datasets/datasetdata.h"
#include "io/fileutil.h"
#include "methods/method.h"
#include "models/vit.h"
#include "run/compat.h"
#include "run/model.h"
#include "shapesrun.h"

#include <pretext/dataset.h>
#include <pretext/methods.h>
#include <pretext/training.h>

#include <QTemporaryDir>

#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <memory>
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

/// A small ViT (32x32 RGB, 4x4 patches: 64 patches and [CLS], width 64, 2 blocks of 4 heads) on the
/// same initial weights for every call, in training mode; bf16 sets BackboneOptions::cpuBf16.
std::shared_ptr<models::VitImpl> smallVit(bool bf16) {
  torch::manual_seed(5);
  const auto options =
      models::BackboneOptions("vit", 3, 32).patchSize(4).vitDim(64).vitDepth(2).vitHeads(4).cpuBf16(bf16);
  auto vit = std::dynamic_pointer_cast<models::VitImpl>(models::makeBackbone(options));
  vit->train();
  return vit;
}

double relativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b.to(torch::kDouble)).norm() / b.to(torch::kDouble).norm()).item<double>();
}

/// `dataset` with one channel: the mean of its RGB channels, rounded, as uint8 (the layout of
/// Fashion-MNIST, whose one-channel batches pass for NHWC without being it).
Dataset grayscale(const Dataset& dataset) {
  auto copy = std::make_shared<DatasetData>(dataset.data());
  for (auto& split : copy->splits) {
    split.images = split.images.to(torch::kFloat).mean(1, true).round().to(torch::kUInt8);
  }
  return Dataset(std::move(copy));
}

enum Layout { Nchw, Nhwc, Other, Untold };

/// A 4-D tensor's layout. With one pixel (H * W == 1) NCHW and NHWC strides are the same: untold.
/// One channel: NHWC only when allocated so (its channel stride 1), NCHW when contiguous.
Layout layoutOf(const torch::Tensor& t) {
  if (t.dim() != 4 || t.size(2) * t.size(3) == 1) return Untold;
  const auto c = t.size(1), w = t.size(3);
  if (t.stride(1) == 1 && t.stride(3) == c && t.stride(2) == c * w && t.stride(0) == c * w * t.size(2)) return Nhwc;
  return t.is_contiguous() ? Nchw : Other;
}

/// The layouts of the input and weight of every aten::convolution (the op every conv2d, the
/// backbones' and any other, dispatches to) while a ConvRecorder lives on this thread.
/// Only the model's convolutions count (their weight is one of `modelWeights`); the others (the
/// augmentation's Gaussian blur, which runs before the batch is laid out for the encoder) are
/// counted apart.
struct ConvLayouts {
  int calls = 0;
  int others = 0;
  int inputs[4] = {0, 0, 0, 0};
  int weights[4] = {0, 0, 0, 0};
  std::set<const void*> modelWeights;
  static ConvLayouts current;
};
ConvLayouts ConvLayouts::current;

/// Starts counting for `model`'s convolutions (every 4-D parameter, momentum encoders included).
ConvLayouts& countConvolutionsOf(const Model& model) {
  auto& seen = ConvLayouts::current;
  seen = ConvLayouts();
  for (const auto& p : model.method->parameters(true)) {
    if (p.dim() == 4) seen.modelWeights.insert(p.data_ptr());
  }
  return seen;
}

std::unique_ptr<at::ObserverContext> recordConvolution(const at::RecordFunction& fn) {
  if (std::string(fn.name()) != "aten::convolution") return nullptr;
  const auto args = fn.inputs();
  if (args.size() < 2 || !args[0].isTensor() || !args[1].isTensor()) return nullptr;
  auto& seen = ConvLayouts::current;
  if (!seen.modelWeights.count(args[1].toTensor().data_ptr())) {
    ++seen.others;
    return nullptr;
  }
  ++seen.calls;
  ++seen.inputs[layoutOf(args[0].toTensor())];
  ++seen.weights[layoutOf(args[1].toTensor())];
  return nullptr;
}

struct ConvRecorder {
  at::CallbackHandle handle;
  ConvRecorder()
      : handle(at::addThreadLocalCallback(at::RecordFunctionCallback(&recordConvolution)
                                              .needsInputs(true)
                                              .scopes({at::RecordScope::FUNCTION}))) {}
  ~ConvRecorder() { at::removeCallback(handle); }
  ConvRecorder(const ConvRecorder&) = delete;
  ConvRecorder& operator=(const ConvRecorder&) = delete;
};

#define SKIP_WITHOUT_NATIVE_BF16()                                                                              \
  if (!cpuHasNativeBf16())                                                                                      \
    QSKIP("this CPU has no native bf16 (AVX512-BF16 or AMX): bf16 training is meant for, and measured on, CPUs " \
          "that have it; here it would be emulated")

}  // namespace

class TstCpuBf16 : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(2); }

  void bf16StepMatchesFp32_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("backbone");
    QTest::newRow("simclr") << "simclr" << "convnet";
    QTest::newRow("rotation") << "rotation" << "convnet";
    QTest::newRow("byol") << "byol" << "convnet";
    QTest::newRow("barlow") << "barlow" << "convnet";
    // The ViT (192 wide, 6 blocks, 4x4 patches): DINO's global and local crops (forward and
    // forwardAnySize), MAE's visible patches (embedPatches and encodeTokens).
    QTest::newRow("dino-vit") << "dino" << "vit";
    QTest::newRow("mae-vit") << "mae" << "vit";
  }
  void bf16StepMatchesFp32() {
    QFETCH(QString, method);
    QFETCH(QString, backbone);
    if (backbone == "vit") SKIP_WITHOUT_NATIVE_BF16();
    TrainConfig c = testrun::shapesRun(method.toStdString(), 8);  // 64 RGB 32x32 images
    c.backbone = backbone.toStdString();
    const Dataset dataset = Dataset::load(c.dataset);
    const auto batch = firstBatch(dataset, backbone == "vit" ? 16 : 32);
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
    // fp32, moves by at most about as much relative (measured on this CPU: 1e-5 to 1.8e-3; the ViT's
    // DINO and MAE steps 6e-5 and 3e-5). 2% is that bound with room for other thread counts and CPUs.
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

  void vitAttentionSoftmaxIsFp32() {
    // LibTorch 1.13's CPU autocast leaves softmax in its input's type, so a bf16 score matrix would
    // give bf16 weights whose rows sum to 1 only within bf16's rounding (about 1e-2 over 65 keys).
    // The ViT normalises in fp32: the weights are fp32, rows sum to 1 within fp32's rounding, and
    // they equal a float64 softmax of the same (bf16-rounded) scores.
    SKIP_WITHOUT_NATIVE_BF16();
    torch::manual_seed(7);
    models::VitAttention attention(64, 4);
    const auto x = torch::randn({3, 65, 64});
    torch::Tensor out, weights;
    {
      compat::CpuBf16Autocast autocast(true);
      std::tie(out, weights) = attention->forwardWithWeights(x);
    }
    QVERIFY(out.scalar_type() == torch::kBFloat16);  // proj ran in bf16: autocast was on
    QVERIFY(weights.scalar_type() == torch::kFloat);
    const double rowError = (weights.sum(-1) - 1).abs().max().item<double>();
    qInfo("attention rows under autocast: largest |sum - 1| %.2e", rowError);
    QVERIFY2(rowError < 1e-5, qPrintable(QString::number(rowError)));
    // An independent softmax: q and k as autocast's linear computes them (inputs and weights
    // rounded to bf16, products summed in fp32, rounded to bf16), scores in float64.
    const auto bf = [](const torch::Tensor& t) { return t.to(torch::kBFloat16).to(torch::kDouble); };
    const auto qkv = bf(torch::addmm(bf(attention->qkv->bias).to(torch::kFloat),
                                     bf(x.reshape({-1, 64})).to(torch::kFloat),
                                     bf(attention->qkv->weight).t().to(torch::kFloat)))
                         .reshape({3, 65, 3, 4, 16})
                         .permute({2, 0, 3, 1, 4});
    const auto scores = bf(torch::matmul(qkv[0], qkv[1].transpose(-2, -1))) / 4.0;  // sqrt(16)
    const auto reference = torch::softmax(scores, -1);
    const double diff = (weights.to(torch::kDouble) - reference).abs().max().item<double>();
    qInfo("attention weights against a float64 softmax of the bf16 scores: largest difference %.2e", diff);
    // The two differ only by fp32 rounding and by matmul's summation order inside bf16 rounding
    // (a score that lands the other side of a bf16 rounding boundary: 2^-9 relative, < 0.01 absolute
    // for these scores of size about 1, so a weight moves by about that times itself).
    QVERIFY2(diff < 5e-3, qPrintable(QString::number(diff)));
  }

  void vitBf16ForwardMatchesFp32() {
    SKIP_WITHOUT_NATIVE_BF16();
    auto fp32 = smallVit(false);
    auto bf16 = smallVit(true);
    torch::manual_seed(8);
    const auto x = torch::randn({8, 3, 32, 32});
    const auto a = fp32->forward(x), b = bf16->forward(x);
    QVERIFY(b.scalar_type() == torch::kFloat);
    QVERIFY2(!a.equal(b), "the bf16 forward equals fp32: autocast did not engage");
    // Each linear rounds its inputs and weights to bf16 (2^-9 relative each); through the patch
    // embedding, 2 blocks (4 linears, 2 attention matmuls) and the final LayerNorm (which rescales
    // the [CLS] token to unit variance) the features carry errors of a few tenths of a percent
    // (measured: 4e-3, for forwardAnySize and encodeTokens 4e-3 and 3e-3). 3% leaves room for other
    // CPUs and thread counts.
    const double forwardError = relativeError(b, a);
    qInfo("ViT forward: relative error of bf16 against fp32 %.2e", forwardError);
    QVERIFY2(forwardError < 0.03, qPrintable(QString::number(forwardError)));
    // The other training entries: at another side (DINO's local crops) and MAE's embed + encode.
    const auto small = torch::randn({8, 3, 16, 16});
    const double anySizeError = relativeError(bf16->forwardAnySize(small), fp32->forwardAnySize(small));
    QVERIFY2(anySizeError < 0.03, qPrintable(QString::number(anySizeError)));
    const auto tokensA = fp32->embedPatches(x), tokensB = bf16->embedPatches(x);
    QVERIFY(tokensB.scalar_type() == torch::kFloat);
    const auto latentB = bf16->encodeTokens(tokensB.slice(1, 0, 16));
    QVERIFY(latentB.scalar_type() == torch::kFloat);
    const double encodeError = relativeError(latentB, fp32->encodeTokens(tokensA.slice(1, 0, 16)));
    qInfo("ViT forwardAnySize %.2e, encodeTokens %.2e", anySizeError, encodeError);
    QVERIFY2(encodeError < 0.03, qPrintable(QString::number(encodeError)));
    // Eval mode and forwardStages are fp32, bit for bit.
    bf16->eval();
    fp32->eval();
    QVERIFY(bf16->forward(x).equal(fp32->forward(x)));
    bf16->train();
    fp32->train();
    QVERIFY(bf16->forwardStages(x).at("block2").equal(fp32->forwardStages(x).at("block2")));
  }

  void vitBf16GradientsReachEveryParameter() {
    SKIP_WITHOUT_NATIVE_BF16();
    auto fp32 = smallVit(false);
    auto bf16 = smallVit(true);
    torch::manual_seed(9);
    const auto x = torch::randn({8, 3, 32, 32});
    const auto target = torch::randn({8, 64});
    // A loss that reaches every parameter: a regression of the features onto random targets.
    (fp32->forward(x) - target).square().mean().backward();
    (bf16->forward(x) - target).square().mean().backward();
    const auto paramsA = fp32->named_parameters(), paramsB = bf16->named_parameters();
    QCOMPARE(paramsB.size(), paramsA.size());
    std::vector<torch::Tensor> all32, all16;
    double worst = 1.0;
    std::string worstName;
    for (size_t i = 0; i < paramsB.size(); ++i) {
      const auto& name = paramsB[i].key();
      const auto& g = paramsB[i].value().grad();
      QVERIFY2(g.defined(), name.c_str());
      QVERIFY2(g.scalar_type() == torch::kFloat, name.c_str());
      QVERIFY2(g.abs().sum().item<double>() > 0, name.c_str());
      QVERIFY2(torch::isfinite(g).all().item<bool>(), name.c_str());
      const auto ga = paramsA[i].value().grad().flatten().to(torch::kDouble), gb = g.flatten().to(torch::kDouble);
      const double c = cosine(ga, gb);
      if (c < worst) {
        worst = c;
        worstName = name;
      }
      all32.push_back(ga);
      all16.push_back(gb);
    }
    const double overall = cosine(torch::cat(all32), torch::cat(all16));
    qInfo("ViT gradients, bf16 against fp32: cosine %.5f over all %d parameters, lowest %.5f (%s)", overall,
          int(paramsB.size()), worst, worstName.c_str());
    // bf16 rounding of activations and weights perturbs each gradient by well under 1% of its size
    // (measured: cosine 0.99999 overall, 0.99998 for the lowest parameter, the patch embedding).
    QVERIFY2(overall > 0.999, qPrintable(QString::number(overall)));
    QVERIFY2(worst > 0.99, qPrintable(QString("%1 (%2)").arg(worst).arg(worstName.c_str())));
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

  void channelsLastFp32StepMatchesNchw_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("backbone");
    QTest::addColumn<bool>("gray");
    // One-channel batches as Fashion-MNIST's (the layout that silently stayed NCHW), and RGB once.
    for (const char* backbone : {"convnet", "resnet18"}) {
      for (const char* method : {"simclr", "rotation", "byol", "moco", "barlow"}) {
        QTest::newRow((std::string(method) + "-" + backbone).c_str()) << method << backbone << true;
      }
    }
    QTest::newRow("simclr-convnet-rgb") << "simclr" << "convnet" << false;
  }
  /// fp32 channels_last (the layout auto chooses for the methods in bench/README.md's "channels_last
  /// alone in fp32") against fp32 NCHW: one step on the same weights and batch. Every convolution of
  /// the NHWC step, seen from outside the model (RecordFunction on aten::convolution), gets an NHWC
  /// input and an NHWC weight, and every one of the NCHW step NCHW ones; the loss and the gradients
  /// are equal to float rounding, because only the summation order inside the convolutions changes.
  void channelsLastFp32StepMatchesNchw() {
    QFETCH(QString, method);
    QFETCH(QString, backbone);
    QFETCH(bool, gray);
    TrainConfig c = testrun::shapesRun(method.toStdString(), 8);  // 64 32x32 images
    c.backbone = backbone.toStdString();
    const Dataset dataset = gray ? grayscale(Dataset::load(c.dataset)) : Dataset::load(c.dataset);
    QCOMPARE(dataset.channels(), gray ? 1 : 3);
    auto batch = firstBatch(dataset, 32);
    if (backbone == "convnet") {
      // The shapes' flat backgrounds give max-pooling windows of exactly equal values, and which of
      // them takes the gradient depends on the layout's kernel, not on rounding: with the crop's
      // draws of the time, rotation's and Barlow Twins' gradients differed by 1 - 3e-5 and 1 - 5e-5 in
      // cosine. A noise of a quarter of a grey level breaks the ties, and the comparison is then one
      // of summation order alone (cosine 1 - 4e-7 at most). ResNet-18 (strided convolutions, no
      // max-pool ties of that kind) keeps the plain batch and its looser bound below.
      torch::manual_seed(5);
      batch.images = (batch.images.to(torch::kFloat) / 255.0 + torch::rand(batch.images.sizes()) * 1e-3).clamp(0.0, 1.0);
    }
    auto nchw = build(c, dataset);
    c.cpuChannelsLast = true;
    auto nhwc = build(c, dataset);
    QCOMPARE(nhwc->backbone().firstLayerWeight().stride(1), int64_t(1));  // conv weights in NHWC
    QVERIFY(nchw->backbone().firstLayerWeight().is_contiguous());

    StepResult a, b;
    countConvolutionsOf(*nchw);
    {
      const ConvRecorder recorder;
      a = oneStep(*nchw, batch);
    }
    const ConvLayouts nchwSeen = ConvLayouts::current;
    countConvolutionsOf(*nhwc);
    {
      const ConvRecorder recorder;
      b = oneStep(*nhwc, batch);
    }
    const ConvLayouts nhwcSeen = ConvLayouts::current;
    qInfo("%s %s: the model's convolutions in the NCHW step %d (inputs NCHW %d, NHWC %d, other %d), in the NHWC "
          "step %d (inputs NHWC %d, NCHW %d, other %d; weights NHWC %d, NCHW %d); augmentation's %d",
          qPrintable(method), qPrintable(backbone), nchwSeen.calls, nchwSeen.inputs[Nchw], nchwSeen.inputs[Nhwc],
          nchwSeen.inputs[Other], nhwcSeen.calls, nhwcSeen.inputs[Nhwc], nhwcSeen.inputs[Nchw], nhwcSeen.inputs[Other],
          nhwcSeen.weights[Nhwc], nhwcSeen.weights[Nchw], nhwcSeen.others);
    // The recorder saw the step's convolutions: at least the backbone's (the ConvNet has 5,
    // ResNet-18 20 in one forward), and none of the NCHW step's is NHWC, so it tells them apart.
    QVERIFY2(nchwSeen.calls >= 5 && nhwcSeen.calls == nchwSeen.calls, "the recorder missed the convolutions");
    QCOMPARE(nchwSeen.inputs[Nhwc] + nchwSeen.weights[Nhwc], 0);
    QVERIFY(nchwSeen.inputs[Nchw] > 0);
    // The NHWC step: every input and weight with a telling layout (more than one pixel) is NHWC,
    // the first convolution's one-channel batch included.
    QCOMPARE(nhwcSeen.inputs[Nchw] + nhwcSeen.inputs[Other], 0);
    QCOMPARE(nhwcSeen.weights[Nchw] + nhwcSeen.weights[Other], 0);
    QCOMPARE(nhwcSeen.inputs[Nhwc], nchwSeen.calls - nchwSeen.inputs[Untold]);
    QVERIFY(nhwcSeen.weights[Nhwc] > 0);

    // The loss: the same to float rounding on every row (measured on this CPU: at most 4.1e-7
    // relative; another thread count moves it as much). 1e-5 leaves 20x room.
    const double lossError = std::abs(a.loss - b.loss) / std::max(std::abs(a.loss), 1e-3);
    const double cos = cosine(a.backboneGrad, b.backboneGrad);
    const double gradError = relativeError(b.backboneGrad, a.backboneGrad);
    qInfo("%s %s: loss NCHW %.8f, NHWC %.8f (relative %.2e); backbone gradients: cosine 1 - %.2e, relative "
          "difference %.2e",
          qPrintable(method), qPrintable(backbone), a.loss, b.loss, lossError, 1.0 - cos, gradError);
    QVERIFY2(lossError <= 1e-5, qPrintable(QString("%1 vs %2").arg(a.loss, 0, 'g', 10).arg(b.loss, 0, 'g', 10)));
    // The gradients are not all the same to float rounding. Measured on this CPU (2 threads), the
    // relative difference of the backbone's gradient against NCHW: the ConvNet 4e-6 to 5e-6 for
    // SimCLR, MoCo v2, Barlow Twins and RGB SimCLR (a 1-thread NCHW step differs from the 2-thread
    // one by 3e-6 to 1.5e-5: rounding), but rotation 2.6e-4 and BYOL 2.9e-3; ResNet-18 2.4e-5 (MoCo
    // v2) and 3e-3 to 9e-3 for the others (cosine down to 1 - 2.9e-5). channelsLastGradientsAgainstFloat64
    // finds ResNet-18's NHWC backward 0.5% off a float64 computation where NCHW is within 2e-6.
    // So the bound is the brief's 0.99999 for the ConvNet and 0.9999 for ResNet-18 (3x the worst).
    const double bound = backbone == "resnet18" ? 0.9999 : 0.99999;
    QVERIFY2(cos > bound, qPrintable(QString::number(cos, 'g', 10)));
  }

  /// The backbone alone, fp32 NCHW and fp32 NHWC against the same computation in float64 (weights
  /// and a one-channel batch converted; a random linear function of the features as the loss): the
  /// gradients of every parameter. The ConvNet's NHWC backward is as close to float64 as NCHW's;
  /// ResNet-18's is not with LibTorch 1.13 on this CPU (measured: NCHW 1.8e-6, NHWC 5.5e-3 relative,
  /// growing from 1.9e-3 at the last block's BatchNorm bias down to the stem), which is why
  /// fp32 channels_last is not auto's choice for ResNet-18 (bench/README.md). Marked as an expected
  /// failure: a LibTorch that fixes it makes the test report XPASS, the cue to measure again.
  void channelsLastGradientsAgainstFloat64_data() {
    QTest::addColumn<QString>("backbone");
    QTest::newRow("convnet") << "convnet";
    QTest::newRow("resnet18") << "resnet18";
  }
  void channelsLastGradientsAgainstFloat64() {
    QFETCH(QString, backbone);
    const auto options = models::BackboneOptions(backbone.toStdString(), 1, 32).width(8);
    const auto make = [&](bool nhwc, bool float64) {
      torch::manual_seed(3);  // the same initial weights
      auto b = models::makeBackbone(options);
      torch::NoGradGuard noGrad;
      if (float64) b->to(torch::kDouble);
      for (auto& p : b->parameters()) {
        if (nhwc && p.dim() == 4) p.set_data(methods::toChannelsLast(p.data()));
      }
      b->train();
      return b;
    };
    auto nchw = make(false, false), nhwc = make(true, false), exact = make(false, true);
    torch::manual_seed(4);
    const auto x = torch::randn({32, 1, 32, 32});
    const auto up = torch::randn({32, nchw->featureDim()});
    (nchw->forward(x) * up).sum().backward();
    (nhwc->forward(methods::toChannelsLast(x)) * up).sum().backward();
    (exact->forward(x.to(torch::kDouble)) * up.to(torch::kDouble)).sum().backward();
    const auto grads = [](const models::Backbone& b) {
      std::vector<torch::Tensor> g;
      for (const auto& p : b->parameters()) g.push_back(p.grad().flatten().to(torch::kDouble));
      return torch::cat(g);
    };
    const auto reference = grads(exact);
    const double nchwError = relativeError(grads(nchw), reference), nhwcError = relativeError(grads(nhwc), reference);
    qInfo("%s gradients against float64: NCHW %.2e, NHWC %.2e relative", qPrintable(backbone), nchwError, nhwcError);
    // fp32 rounding through 5 (ConvNet) or 20 (ResNet-18) layers and BatchNorm: a few 1e-6; 1e-4 is
    // a bound far from both that and the 5e-3 seen.
    QVERIFY2(nchwError < 1e-4, qPrintable(QString::number(nchwError)));
    if (backbone == "resnet18") {
      QEXPECT_FAIL("resnet18", "LibTorch 1.13's channels_last backward through ResNet-18 is about 0.5% off float64",
                   Continue);
    }
    QVERIFY2(nhwcError < 1e-4, qPrintable(QString::number(nhwcError)));
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
    c.backbone = "vit";  // every backbone trains in bf16 on request
    validateConfig(c);
  }

  /// --cpu-bf16 auto / --cpu-channels-last auto: on exactly for the methods that passed the paired
  /// test in bench/README.md ("The CPU defaults", written here from its table, not from the code), on
  /// the convnet and resnet18, on a CPU with native bf16; off for everything else.
  void autoFollowsThePairedTest() {
    const std::set<std::string> passed{"barlow"};
    // fp32 channels_last alone: the methods that passed "channels_last alone in fp32" on the convnet.
    const std::set<std::string> fasterNhwc{"rotation", "moco", "byol"};
    const bool native = cpuHasNativeBf16();
    qInfo("this CPU %s native bf16", native ? "has" : "has no");
    for (const auto& m : methodCatalogue()) {
      for (const std::string backbone : {"convnet", "resnet18", "vit"}) {
        const bool expected = native && passed.count(m.name) && backbone != "vit";
        const bool expectedNhwc = expected || (fasterNhwc.count(m.name) && backbone == "convnet");
        QVERIFY2(cpuBf16ByDefault(m.name, backbone) == expected, (m.name + " on " + backbone).c_str());
        QVERIFY2(cpuChannelsLastByDefault(m.name, backbone) == expectedNhwc, (m.name + " on " + backbone).c_str());
        TrainConfig c;
        c.method = m.name;
        c.backbone = backbone;
        c.cpuBf16Auto = c.cpuChannelsLastAuto = true;
        resolveCpuAuto(c);
        QCOMPARE(c.cpuBf16, expected);
        QCOMPARE(c.cpuChannelsLast, expectedNhwc);
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
    for (const std::string method : {std::string(*std::set<std::string>{"barlow"}.begin()), std::string("supervised"),
                                     std::string("rotation")}) {
      QTemporaryDir tmp;
      TrainConfig c = testrun::shapesRun(method, 4, tmp.path().toStdString());  // 32 images, one batch
      c.epochs = 1;
      c.knnEveryEpoch = false;
      c.cpuBf16Auto = c.cpuChannelsLastAuto = true;
      Trainer trainer(c, Dataset::load(c.dataset));
      QCOMPARE(int(trainer.run().status), int(RunStatus::Finished));
      const std::string text = io::readTextFile(tmp.path().toStdString() + "/config.json");
      const bool expected = native && method == "barlow";
      const bool expectedNhwc = expected || method == "rotation";  // rotation: fp32 channels_last on any CPU
      QVERIFY2(text.find("\"cpu_bf16\": " + std::string(expected ? "true" : "false")) != std::string::npos, text.c_str());
      QVERIFY2(text.find("\"cpu_channels_last\": " + std::string(expectedNhwc ? "true" : "false")) != std::string::npos,
               text.c_str());
      const TrainConfig written = configFromJson(text);
      QCOMPARE(written.cpuBf16, expected);
      QCOMPARE(written.cpuChannelsLast, expectedNhwc);
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

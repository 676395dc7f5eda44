// InstDisc, SimSiam, Barlow Twins, SwAV and DeepCluster: each loss against an independent
// computation (tests/reference/contrastive_clustering_references.py, Debian's python3-torch with the
// papers' formulas written out in loops), facts that hold by hand, the methods' state (memory bank,
// prototypes, queue, pseudo-labels) and exact resumption of a run stopped in the middle of an epoch.
#include "coretestutil.h"
#include "methods/barlow.h"
#include "methods/deepcluster.h"
#include "methods/instdisc.h"
#include "methods/simsiam.h"
#include "methods/swav.h"
#include "run/checkpoint.h"

#include <pretext/methods.h>
#include <pretext/training.h>

#include <filesystem>

using namespace pretext;
using namespace pretext::methods;
namespace fs = std::filesystem;

namespace {

using coretest::fixed;
using coretest::unit;
using coretest::StopAfter;

// Printed by tests/reference/contrastive_clustering_references.py.
const double kInstDiscZ_t05 = 320.129778758755;
const double kInstDiscNce_t05 = 2.066103620374;
const double kInstDiscZ_t007 = 26674280.921822190285;
const double kInstDiscNce_t007 = 1.581097002746;
const double kSimSiam = -0.076760463240;
const double kBarlow_l03 = 2.300624200450;
const double kBarlow_l0005 = 0.420336096415;
const double kSinkhorn_q1_00 = 0.053385350740;
const double kSinkhorn_q1_23 = 0.036844730160;
const double kSinkhorn_q2_51 = 0.060700075402;
const double kSwav_t01 = 1.474962185052;

bool near(double value, double expected, double relative = 1e-5) {
  return std::abs(value - expected) <= relative * std::max(1.0, std::abs(expected));
}

std::string describe(double value, double expected) {
  return std::to_string(value) + " (expected " + std::to_string(expected) + ")";
}

MethodContext tinyContext(int64_t datasetSize = 8) {
  MethodContext c;
  c.backbone = models::BackboneOptions("convnet", 1, 28).width(8);
  c.numClasses = 10;
  c.datasetSize = datasetSize;
  c.augment = AugmentConfig::simclr();
  c.mean = torch::full({1}, 0.3);
  c.std = torch::full({1}, 0.3);
  return c;
}

Batch tinyBatch(int64_t size, uint64_t seed = 0) {
  torch::manual_seed(seed);
  Batch b;
  b.images = torch::randint(0, 256, {size, 1, 28, 28}, torch::kUInt8);
  b.labels = torch::full({size}, -1, torch::kLong);
  b.indices = torch::arange(size, torch::kLong);
  return b;
}

TrainConfig shapesConfig(const std::string& method, const std::string& outDir,
                         const std::map<std::string, double>& options) {
  TrainConfig c = testrun::shapesRun(method, 24, outDir);  // 192 train images of 32x32 RGB: 6 steps of 32 per epoch
  c.knnEveryEpoch = false;
  c.methodOptions = options;
  return c;
}

// Every parameter and buffer of the method module in a run folder's last checkpoint.
std::map<std::string, torch::Tensor> checkpointTensors(const std::string& runDir, const TrainConfig& c) {
  MethodContext ctx;
  ctx.backbone = models::BackboneOptions("convnet", 3, 32).width(c.backboneWidth);
  ctx.numClasses = 8;
  ctx.datasetSize = 192;
  ctx.options = c.methodOptions;
  ctx.mean = torch::full({3}, 0.5);
  ctx.std = torch::full({3}, 0.25);
  auto method = makeMethod(c.method, ctx);
  train::loadCheckpoint(runDir + "/checkpoints/last.pt", *method, nullptr, torch::kCPU);
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : method->named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : method->named_buffers()) out["buffer:" + b.key()] = b.value().clone();
  return out;
}

}  // namespace

class TstContrastiveClustering : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;

  // A: two epochs straight. B: stopped after step 2 of epoch 2, then resumed. Same losses after the
  // stop, and bit-identical parameters and buffers at the end.
  void checkResumeIsExact(const std::string& method, const std::map<std::string, double>& options) {
    const std::string a = (fs::path(m_tmp.path().toStdString()) / (method + "-a")).string();
    const std::string b = (fs::path(m_tmp.path().toStdString()) / (method + "-b")).string();
    const TrainConfig ca = shapesConfig(method, a, options), cb = shapesConfig(method, b, options);
    StopAfter straight;
    {
      Trainer t(ca, Dataset::load(ca.dataset));
      const RunResult r = t.run(&straight);
      QVERIFY2(r.status == RunStatus::Finished, (method + ": " + r.message).c_str());
    }
    {
      Trainer t(cb, Dataset::load(cb.dataset));
      StopAfter first;
      first.trainer = &t;
      first.after = 6 + 2;
      QVERIFY2(t.run(&first).status == RunStatus::Stopped, method.c_str());
    }
    auto resumed = Trainer::resume(b);
    StopAfter rest;
    QVERIFY(resumed->run(&rest).status == RunStatus::Finished);
    QCOMPARE(int(rest.losses.size()), 4);
    for (int i = 0; i < 4; ++i) QVERIFY2(rest.losses[i] == straight.losses[8 + i], method.c_str());
    const auto ta = checkpointTensors(a, ca), tb = checkpointTensors(b, cb);
    QCOMPARE(ta.size(), tb.size());
    for (const auto& [name, tensor] : ta) {
      QVERIFY2(tb.count(name) && torch::equal(tensor, tb.at(name)), (method + ": " + name).c_str());
    }
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    torch::set_num_threads(1);
  }

  // ---- InstDisc ----

  void instDiscNceMatchesReference() {
    const auto f = unit(fixed(4, 6, 0.2), 1), v = unit(fixed(4, 6, 0.5), 1), noise = unit(fixed(5, 6, 1.1), 1);
    for (const auto& [t, zRef, lossRef] : {std::tuple{0.5, kInstDiscZ_t05, kInstDiscNce_t05},
                                           std::tuple{0.07, kInstDiscZ_t007, kInstDiscNce_t007}}) {
      const double z = instDiscNormaliser(f, noise, 100, t).item<double>();
      QVERIFY2(near(z, zRef), describe(z, zRef).c_str());
      const double loss = instDiscNceLoss(f, v, noise, torch::tensor(zRef), 100, t).item<double>();
      QVERIFY2(near(loss, lossRef), describe(loss, lossRef).c_str());
    }
  }

  void instDiscNceByHand() {
    // f = v_i = e1, so P(i|v_i) = exp(1/t) / Z; with Z = exp(1/t) n / m that is m/n and h = 1/2.
    // Noise orthogonal to f: P = 1/Z and -log(1 - h) = log(1 + exp(-1/t)) each.
    const double t = 0.5, n = 50, m = 3;
    const auto f = torch::tensor({{1.0f, 0.0f, 0.0f, 0.0f}});
    const auto noise = torch::tensor({{0.0f, 1.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 1.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 1.0f}});
    const auto z = torch::tensor(std::exp(1 / t) * n / m);
    const double expected = std::log(2.0) + m * std::log(1.0 + std::exp(-1 / t));
    const double loss = instDiscNceLoss(f, f, noise, z, int64_t(n), t).item<double>();
    QVERIFY2(near(loss, expected), describe(loss, expected).c_str());
    // A positive closer to the feature lowers the loss.
    QVERIFY(instDiscNceLoss(f, unit(torch::tensor({{1.0f, 1.0f, 0.0f, 0.0f}}), 1), noise, z, int64_t(n), t).item<double>() >
            loss);
  }

  void instDiscBankAndNormaliser() {
    MethodContext c = tinyContext(20);
    c.options["negatives"] = 16;
    c.options["dim"] = 8;
    InstDiscImpl method(c);
    QCOMPARE(method.bank().sizes(), (torch::IntArrayRef{20, 8}));
    QVERIFY(method.normaliser().item<double>() < 0);
    const auto before = method.bank().clone();
    Batch batch = tinyBatch(4);
    batch.indices = torch::tensor({3, 7, 11, 19}, torch::kLong);
    method.step(batch).loss.backward();
    const double z = method.normaliser().item<double>();
    QVERIFY(z > 0);
    const auto after = method.bank();
    QVERIFY(torch::allclose(after.norm(2, 1), torch::ones({20}), 1e-5, 1e-5));  // rows stay unit length
    for (int64_t i = 0; i < 20; ++i) {
      const bool inBatch = i == 3 || i == 7 || i == 11 || i == 19;
      QVERIFY2(torch::equal(after[i], before[i]) != inBatch, std::to_string(i).c_str());
    }
    method.step(tinyBatch(4, 1));
    QCOMPARE(method.normaliser().item<double>(), z);  // estimated once, then fixed
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("instdisc", tinyContext(0)));
    MethodContext bad = tinyContext(20);
    bad.options["momentum"] = 1.0;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("instdisc", bad));
    bad = tinyContext(20);
    bad.options["negatives"] = 0;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("instdisc", bad));
  }

  void instDiscFillsItsBankBeforeTraining() {
    MethodContext c = tinyContext(6);
    c.options["dim"] = 8;
    InstDiscImpl method(c);
    const Batch batch = tinyBatch(6);
    method.beginEpoch(0, batch.images);
    // Every row is the initial network's embedding of its image, without augmentation.
    torch::Tensor expected;
    {
      torch::NoGradGuard noGrad;
      method.eval();
      const auto x = augment::normalize(augment::toFloat(batch.images), c.mean, c.std);
      expected = torch::nn::functional::normalize(
          method.named_children()["projector"]->as<torch::nn::Linear>()->forward(method.backbone()->forward(x)),
          torch::nn::functional::NormalizeFuncOptions().dim(1));
      method.train();
    }
    QVERIFY(torch::allclose(method.bank(), expected, 1e-5, 1e-5));
    QVERIFY(method.is_training());
    // Only once: a later epoch (or a resumed run) keeps the bank as training left it.
    method.step(batch).loss.backward();
    const auto trained = method.bank().clone();
    method.beginEpoch(1, batch.images);
    QVERIFY(torch::equal(method.bank(), trained));
  }

  void instDiscResumeIsExact() { checkResumeIsExact("instdisc", {{"negatives", 64}}); }

  // ---- SimSiam ----

  void simSiamMatchesReferenceAndStopsGradient() {
    auto p1 = fixed(5, 4, 0.3).requires_grad_(true), p2 = fixed(5, 4, 0.9).requires_grad_(true);
    auto z1 = fixed(5, 4, 1.7).requires_grad_(true), z2 = fixed(5, 4, 2.5).requires_grad_(true);
    const auto loss = simSiamLoss(p1, p2, z1, z2);
    QVERIFY2(near(loss.item<double>(), kSimSiam), describe(loss.item<double>(), kSimSiam).c_str());
    loss.backward();
    // The stop-gradient: nothing flows into the projections that serve as targets.
    QVERIFY(!z1.grad().defined() || z1.grad().abs().sum().item<double>() == 0.0);
    QVERIFY(!z2.grad().defined() || z2.grad().abs().sum().item<double>() == 0.0);
    QVERIFY(p1.grad().abs().sum().item<double>() > 0 && p2.grad().abs().sum().item<double>() > 0);
    // By hand: perfect prediction -1, opposite prediction +1, scale does not matter.
    const auto v = fixed(3, 4, 0.1), w = fixed(3, 4, 1.2);
    QVERIFY(near(simSiamLoss(v, w, 2.0 * w, 0.5 * v).item<double>(), -1.0));
    QVERIFY(near(simSiamLoss(v, w, -w, -v).item<double>(), 1.0));
  }

  void simSiamResumeIsExact() { checkResumeIsExact("simsiam", {}); }

  // ---- Barlow Twins ----

  void barlowMatchesReferenceAndHand() {
    const auto z1 = fixed(6, 4, 0.1), z2 = fixed(6, 4, 0.8);
    QVERIFY2(near(barlowTwinsLoss(z1, z2, 0.3).item<double>(), kBarlow_l03),
             describe(barlowTwinsLoss(z1, z2, 0.3).item<double>(), kBarlow_l03).c_str());
    QVERIFY(near(barlowTwinsLoss(z1, z2, 0.005).item<double>(), kBarlow_l0005));
    // Standardised along the batch: shifting and scaling a dimension changes nothing.
    QVERIFY(near(barlowTwinsLoss(3.0 * z1 + 1.0, z2, 0.3).item<double>(), kBarlow_l03, 1e-4));  // up to BN epsilon
    // Identical views whose dimensions are decorrelated (columns of a Hadamard matrix without the
    // constant one): C = I, the loss is 0.
    const auto h = torch::tensor({{1.0f, 1.0f, 1.0f}, {1.0f, -1.0f, -1.0f}, {-1.0f, 1.0f, -1.0f}, {-1.0f, -1.0f, 1.0f}});
    QVERIFY(torch::allclose(barlowCrossCorrelation(h, h), torch::eye(3), 1e-4, 1e-4));
    QVERIFY(barlowTwinsLoss(h, h, 1.0).item<double>() < 1e-8);
    // Identical but fully redundant dimensions: diagonal 1, off-diagonal 1: lambda D (D - 1).
    const auto r = torch::tensor({{1.0f}, {2.0f}, {-1.0f}, {0.5f}}).repeat({1, 3});
    QVERIFY(near(barlowTwinsLoss(r, r, 0.1).item<double>(), 0.1 * 3 * 2, 1e-4));
    // Anti-correlated views: every diagonal entry -1, each costs (1 - (-1))^2 = 4.
    QVERIFY(near(barlowTwinsLoss(h, -h, 0.0).item<double>(), 12.0, 1e-4));
  }

  void barlowLambdaDefault() {
    MethodContext c = tinyContext();
    c.options["proj-dim"] = 64;
    QCOMPARE(BarlowTwinsImpl(c).lambda(), 1.0 / 64);
    c.options["lambda"] = 0.005;
    QCOMPARE(BarlowTwinsImpl(c).lambda(), 0.005);
    c.options["lambda"] = -1;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("barlow", c));
    c.options["lambda"] = 0;
    c.options["scale"] = 0;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("barlow", c));
  }

  void barlowResumeIsExact() { checkResumeIsExact("barlow", {}); }

  // ---- SwAV ----

  void sinkhornMarginals() {
    torch::manual_seed(3);
    const auto scores = unit(torch::randn({32, 8}), 1).mm(unit(torch::randn({8, 8}), 1).t());  // cosines
    const auto q = sinkhornKnopp(scores, 0.05, 3);
    QCOMPARE(q.sizes(), scores.sizes());
    QVERIFY(q.min().item<double>() >= 0);
    // Each image's code is a distribution over the prototypes (exact after the last step)...
    QVERIFY(torch::allclose(q.sum(1), torch::ones({32}), 1e-5, 1e-5));
    // ... and the prototypes share the batch equally, B/K each, as the iterations converge.
    const auto converged = sinkhornKnopp(scores, 0.05, 200);
    QVERIFY(torch::allclose(converged.sum(0), torch::full({8}, 32.0 / 8), 1e-3, 1e-3));
    QVERIFY((q.sum(0) - 4.0).abs().max().item<double>() < (sinkhornKnopp(scores, 0.05, 1).sum(0) - 4.0).abs().max().item<double>() + 1e-6);
    // Codes follow the scores: a larger epsilon gives softer codes.
    QVERIFY(sinkhornKnopp(scores, 1.0, 3).max().item<double>() < q.max().item<double>());
  }

  void swavMatchesReference() {
    const auto s1 = fixed(6, 5, 0.2) / 10.0, s2 = fixed(6, 5, 1.0) / 10.0;
    const auto q1 = sinkhornKnopp(s1, 0.05, 3), q2 = sinkhornKnopp(s2, 0.05, 3);
    QVERIFY2(near(q1[0][0].item<double>(), kSinkhorn_q1_00), describe(q1[0][0].item<double>(), kSinkhorn_q1_00).c_str());
    QVERIFY(near(q1[2][3].item<double>(), kSinkhorn_q1_23));
    QVERIFY(near(q2[5][1].item<double>(), kSinkhorn_q2_51));
    const double loss = swavLoss(s1, s2, q1, q2, 0.1).item<double>();
    QVERIFY2(near(loss, kSwav_t01), describe(loss, kSwav_t01).c_str());
    // By hand: equal scores for every prototype give -log(1/K) whatever the codes.
    const auto flat = torch::zeros({6, 5});
    QVERIFY(near(swavLoss(flat, flat, q1, q2, 0.1).item<double>(), std::log(5.0)));
    // The codes are targets: no gradient reaches them.
    auto c1 = q1.clone().requires_grad_(true);
    auto sc = s1.clone().requires_grad_(true);
    swavLoss(sc, s2, c1, q2, 0.1).backward();
    QVERIFY(!c1.grad().defined() || c1.grad().abs().sum().item<double>() == 0.0);
    QVERIFY(sc.grad().abs().sum().item<double>() > 0);
  }

  void swavPrototypesFreezeAndStayNormalised() {
    MethodContext c = tinyContext();
    c.options["prototypes"] = 10;
    c.options["freeze-steps"] = 1;
    SwavImpl swav(c);
    QVERIFY(torch::allclose(swav.prototypes().norm(2, 1), torch::ones({10}), 1e-5, 1e-5));
    swav.step(tinyBatch(8)).loss.backward();
    const auto grad = swav.prototypes().grad();
    QVERIFY(!grad.defined() || grad.abs().sum().item<double>() == 0.0);  // frozen for the first step
    QVERIFY(swav.backbone()->firstLayerWeight().grad().abs().sum().item<double>() > 0);
    {
      torch::NoGradGuard noGrad;
      swav.prototypes().mul_(3.0);  // as if the optimizer had moved them off the sphere
    }
    swav.afterOptimizerStep(0.1);
    QCOMPARE(swav.steps().item<int64_t>(), 1);
    QVERIFY(torch::allclose(swav.prototypes().norm(2, 1), torch::ones({10}), 1e-5, 1e-5));
    swav.zero_grad();
    swav.step(tinyBatch(8, 1)).loss.backward();
    QVERIFY(swav.prototypes().grad().abs().sum().item<double>() > 0);  // trained from now on
  }

  void swavQueueFillsAndWraps() {
    MethodContext c = tinyContext();
    c.options["prototypes"] = 6;
    c.options["queue"] = 12;
    c.options["proj-dim"] = 16;
    SwavImpl swav(c);
    QCOMPARE(swav.queue().sizes(), (torch::IntArrayRef{2, 12, 16}));
    for (uint64_t i = 0; i < 3; ++i) {
      const auto out = swav.step(tinyBatch(8, i));
      QVERIFY(std::isfinite(out.loss.item<double>()));  // the third step computes codes with a full queue
      swav.afterOptimizerStep(0.0);
    }
    // 24 features went into 12 slots per view; each written slot holds a unit feature.
    QVERIFY(torch::allclose(swav.queue().norm(2, 2), torch::ones({2, 12}), 1e-5, 1e-5));
    MethodContext bad = tinyContext();
    bad.options["queue"] = -1;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("swav", bad));
    bad = tinyContext();
    bad.options["epsilon"] = 0;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("swav", bad));
  }

  void swavResumeIsExact() { checkResumeIsExact("swav", {{"prototypes", 16}, {"freeze-steps", 3}, {"queue", 48}}); }

  // ---- DeepCluster ----

  void kMeansSeparatesBlobs() {
    // Three tight blobs of 20 points around (0,0), (10,0), (0,10).
    torch::manual_seed(5);
    const auto centres = torch::tensor({{0.0f, 0.0f}, {10.0f, 0.0f}, {0.0f, 10.0f}});
    const auto points = centres.repeat_interleave(20, 0) + 0.3 * torch::randn({60, 2});
    // Start from one point of each blob, in a shuffled order.
    const auto r = kMeans(points, points.index_select(0, torch::tensor({45, 3, 25}, torch::kLong)), 10);
    const auto labels = r.assignments;
    for (int blob = 0; blob < 3; ++blob) {
      const auto mine = labels.slice(0, 20 * blob, 20 * blob + 20);
      QVERIFY(mine.eq(mine[0]).all().item<bool>());  // a blob is one cluster ...
      QVERIFY(torch::allclose(r.centroids[mine[0].item<int64_t>()], points.slice(0, 20 * blob, 20 * blob + 20).mean(0),
                              1e-5, 1e-5));  // ... whose centroid is the blob's mean
    }
    QCOMPARE(std::get<0>(torch::_unique(labels)).size(0), 3);  // ... and blobs are different clusters
    QVERIFY(torch::equal(labels.slice(0, 0, 20), torch::full({20}, 1, torch::kLong)));
  }

  void kMeansLeavesNoClusterEmpty() {
    torch::manual_seed(6);
    const auto points = torch::tensor({{0.0f, 0.0f}, {10.0f, 0.0f}}).repeat_interleave(15, 0) + 0.5 * torch::randn({30, 2});
    // Two centroids in the blobs, two far from every point: both start empty.
    const auto initial = torch::tensor({{0.0f, 0.0f}, {10.0f, 0.0f}, {1000.0f, 1000.0f}, {-500.0f, 800.0f}});
    for (int64_t iterations : {0, 1, 5}) {
      const auto r = kMeans(points, initial, iterations);
      const auto counts = torch::bincount(r.assignments, {}, 4);
      QVERIFY2(counts.min().item<int64_t>() > 0, std::to_string(iterations).c_str());
      QCOMPARE(counts.sum().item<int64_t>(), 30);
      QVERIFY(r.centroids.abs().max().item<double>() < 20);  // the far centroids moved into the data
    }
    // Duplicated points cannot be split by a hyperplane: they are split by position.
    const auto same = torch::ones({6, 3});
    const auto r = kMeans(same, 3, 4);
    QVERIFY(torch::bincount(r.assignments, {}, 3).min().item<int64_t>() > 0);
    // As many clusters as points: one point each.
    QVERIFY(torch::bincount(kMeans(points, 30, 3).assignments, {}, 30).eq(1).all().item<bool>());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, kMeans(points, 31, 3));
  }

  void pcaWhitenAndClusterWeights() {
    torch::manual_seed(7);
    const auto x = torch::randn({50, 6}) * torch::tensor({5.0f, 1.0f, 0.2f, 3.0f, 0.5f, 1.0f});
    const auto y = pcaWhiten(x, 3);
    QCOMPARE(y.sizes(), (torch::IntArrayRef{50, 3}));
    QVERIFY(torch::allclose(y.norm(2, 1), torch::ones({50}), 1e-5, 1e-5));
    QVERIFY(torch::allclose(pcaWhiten(x, 0), unit(x, 1), 1e-5, 1e-5));
    // By hand: sizes 3 and 1 of 4 images in 2 clusters: N / (K size) = 4/6 and 2.
    const auto w = inverseClusterSizeWeights(torch::tensor({0, 1, 0, 0}, torch::kLong), 2);
    QVERIFY(torch::allclose(w, torch::tensor({4.0f / 6.0f, 2.0f})));
  }

  void deepClusterLabelsEveryImage() {
    MethodContext c = tinyContext(16);
    c.options["clusters"] = 4;
    DeepClusterImpl method(c);
    const auto weightBefore = method.named_parameters()["classifier.weight"].clone();
    const Batch batch = tinyBatch(16);
    method.train();
    method.beginEpoch(0, batch.images);
    QVERIFY(method.is_training());
    const auto labels = method.pseudoLabels();
    QCOMPARE(labels.size(0), 16);
    QVERIFY(torch::bincount(labels, {}, 4).min().item<int64_t>() > 0);
    QVERIFY(!torch::equal(method.named_parameters()["classifier.weight"], weightBefore));  // reset
    QVERIFY(method.lastClusteringSeconds() >= method.lastKMeansSeconds() && method.lastKMeansSeconds() >= 0);
    const auto out = method.step(batch);
    QVERIFY(std::isfinite(out.loss.item<double>()));
    QVERIFY(out.accuracy.item<double>() >= 0 && out.accuracy.item<double>() <= 1);
    MethodContext bad = tinyContext(16);
    bad.options["clusters"] = 17;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("deepcluster", bad));
    bad.options["clusters"] = 1;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("deepcluster", bad));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, method.beginEpoch(1, tinyBatch(15).images));
  }

  void deepClusterResumeIsExact() { checkResumeIsExact("deepcluster", {{"clusters", 16}}); }
};

QTEST_APPLESS_MAIN(TstContrastiveClustering)
#include "tst_contrastive_clustering.moc"

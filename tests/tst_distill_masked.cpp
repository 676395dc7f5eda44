// DINO and MAE: their losses against tests/reference/distill_masked_references.py (Debian's
// python3-torch, the papers' formulas written out with loops), facts by hand (centre update, momentum
// schedule, masking), the ViT's resized position embeddings, and exact stop/resume through the Trainer.
#include "coretestutil.h"
#include "methods/dino.h"
#include "methods/mae.h"
#include "models/vit.h"
#include "run/checkpoint.h"

#include <pretext/methods.h>
#include <pretext/training.h>

#include <filesystem>

using namespace pretext;
using namespace pretext::methods;
namespace fs = std::filesystem;

namespace {

using coretest::fixed;
using coretest::StopAfter;

// Printed by tests/reference/distill_masked_references.py.
const double kDino4 = 8.837355639617;
const double kDino2 = 5.055662229451;
const double kDino4Warm = 4.714246276834;
const double kMae = 0.866961680505;
const double kMaeNormPix = 0.433752399462;

models::BackboneOptions tinyVit(int64_t channels, int64_t size) {
  return models::BackboneOptions("vit", channels, size).vitDim(16).vitDepth(1).vitHeads(2).patchSize(4);
}

MethodContext context(const models::BackboneOptions& backbone, const std::string& augment = "simclr") {
  MethodContext c;
  c.backbone = backbone;
  c.numClasses = 10;
  c.datasetSize = 8;
  c.augment = augment == "simclr" ? AugmentConfig::simclr() : AugmentConfig::light();
  c.mean = torch::full({backbone.inChannels()}, 0.3);
  c.std = torch::full({backbone.inChannels()}, 0.3);
  return c;
}

Batch grayBatch(int64_t n, int64_t side) {
  Batch b;
  b.images = torch::randint(0, 256, {n, 1, side, side}, torch::kUInt8);
  b.labels = torch::zeros({n}, torch::kLong);
  b.indices = torch::arange(n, torch::kLong);
  return b;
}

TrainConfig shapesConfig(const std::string& method, const std::string& outDir) {
  TrainConfig c = testrun::shapesRun(method, 8, outDir);  // 64 train, 16 test images of 32x32: 4 steps of 16 per epoch
  c.batchSize = 16;
  c.knnK = 20;
  c.knnEveryEpoch = false;
  return c;
}

// Every parameter and buffer of the method module in the run's last checkpoint.
std::map<std::string, torch::Tensor> checkpointState(const TrainConfig& c, const std::string& runDir) {
  MethodContext ctx = context(models::BackboneOptions(c.backbone, 3, 32).width(c.backboneWidth));
  ctx.options = c.methodOptions;
  ctx.datasetSize = 64;
  auto method = makeMethod(c.method, ctx);
  train::loadCheckpoint(runDir + "/checkpoints/last.pt", *method, nullptr, torch::kCPU);
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : method->named_parameters()) state[p.key()] = p.value().detach().clone();
  for (const auto& b : method->named_buffers()) state["buffer:" + b.key()] = b.value().clone();
  return state;
}

}  // namespace

class TstDistillMasked : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  std::string out(const std::string& name) { return (fs::path(m_tmp.path().toStdString()) / name).string(); }

  // Two epochs straight vs stopped after step 2 of epoch 2 and resumed: same weights and buffers
  // (teacher, centre, decoder ...), same last loss.
  void checkResumeIsExact(const std::string& method, const std::map<std::string, double>& options,
                          const std::vector<std::string>& mustHave) {
    const std::string a = out(method + "-straight"), b = out(method + "-resumed");
    TrainConfig ca = shapesConfig(method, a), cb = shapesConfig(method, b);
    ca.methodOptions = cb.methodOptions = options;
    StopAfter straight;
    {
      Trainer t(ca, Dataset::load(ca.dataset));
      QVERIFY(t.run(&straight).status == RunStatus::Finished);
    }
    StopAfter first;
    {
      Trainer t(cb, Dataset::load(cb.dataset));
      first.trainer = &t;
      first.after = 4 + 2;  // 4 steps per epoch
      QVERIFY(t.run(&first).status == RunStatus::Stopped);
    }
    auto resumed = Trainer::resume(b);
    QCOMPARE(resumed->startEpoch(), 1);
    StopAfter rest;
    QVERIFY(resumed->run(&rest).status == RunStatus::Finished);
    QCOMPARE(int(rest.losses.size()), 2);
    QCOMPARE(straight.losses.back(), rest.losses.back());
    const auto sa = checkpointState(ca, a), sb = checkpointState(cb, b);
    QCOMPARE(sa.size(), sb.size());
    for (const auto& name : mustHave) QVERIFY2(sa.count(name) == 1, name.c_str());
    for (const auto& [name, value] : sa) QVERIFY2(torch::equal(value, sb.at(name)), (method + ": " + name).c_str());
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    torch::set_num_threads(2);
  }

  // ---- DINO ----

  void dinoLossMatchesReference() {
    const std::vector<torch::Tensor> teacher = {fixed(3, 5, 0.0), fixed(3, 5, 0.1)};
    const std::vector<torch::Tensor> student = {fixed(3, 5, 0.5), fixed(3, 5, 0.8), fixed(3, 5, 1.1), fixed(3, 5, 1.4)};
    const auto center = 0.5 * fixed(1, 5, 2.0);
    QVERIFY(std::abs(dinoLoss(student, teacher, center, 0.1, 0.04).item<double>() - kDino4) < 1e-4);
    QVERIFY(std::abs(dinoLoss({student[0], student[1]}, teacher, center, 0.1, 0.04).item<double>() - kDino2) < 1e-4);
    QVERIFY(std::abs(dinoLoss(student, teacher, center, 0.2, 0.07).item<double>() - kDino4Warm) < 1e-4);
  }

  void dinoLossByHand() {
    // Uniform outputs everywhere: every cross-entropy is log K.
    const auto flat = torch::zeros({4, 7});
    const double logK = std::log(7.0);
    QVERIFY(std::abs(dinoLoss({flat, flat, flat}, {flat, flat}, torch::zeros({1, 7}), 0.1, 0.04).item<double>() - logK) < 1e-5);
    // The centre is subtracted: a teacher equal to the centre is uniform whatever its values.
    const auto t = fixed(4, 7, 0.3);
    const auto same = dinoLoss({flat, flat}, {t.slice(0, 0, 1).expand({4, 7}), t.slice(0, 0, 1).expand({4, 7})},
                               t.slice(0, 0, 1), 0.1, 0.04);
    QVERIFY(std::abs(same.item<double>() - logK) < 1e-5);
    // Permuting the K outputs of every view and of the centre the same way changes nothing.
    const std::vector<torch::Tensor> teacher = {fixed(3, 5, 0.0), fixed(3, 5, 0.1)};
    const std::vector<torch::Tensor> student = {fixed(3, 5, 0.5), fixed(3, 5, 0.8), fixed(3, 5, 1.1)};
    const auto center = 0.5 * fixed(1, 5, 2.0);
    const auto perm = torch::tensor({3, 0, 4, 1, 2}, torch::kLong);
    auto permuted = [&](const std::vector<torch::Tensor>& v) {
      std::vector<torch::Tensor> out;
      for (const auto& x : v) out.push_back(x.index_select(1, perm));
      return out;
    };
    const double base = dinoLoss(student, teacher, center, 0.1, 0.04).item<double>();
    QVERIFY(std::abs(dinoLoss(permuted(student), permuted(teacher), center.index_select(1, perm), 0.1, 0.04).item<double>() - base) < 1e-5);
    // A student that copies the sharpened teacher exactly beats one that does not, and no gradient
    // reaches the teacher.
    auto tv = fixed(3, 5, 0.0).requires_grad_(true);
    auto sv = fixed(3, 5, 0.7).requires_grad_(true);
    auto loss = dinoLoss({sv, sv}, {tv, tv}, torch::zeros({1, 5}), 0.1, 0.04);
    loss.backward();
    QVERIFY(!tv.grad().defined());
    QVERIFY(sv.grad().defined() && sv.grad().abs().sum().item<double>() > 0);
    const auto copy = tv.detach() * (0.1 / 0.04);  // student logits / 0.1 == teacher logits / 0.04
    QVERIFY(dinoLoss({copy, copy}, {tv.detach(), tv.detach()}, torch::zeros({1, 5}), 0.1, 0.04).item<double>() <
            loss.item<double>());
    QVERIFY_THROWS_EXCEPTION(c10::Error, dinoLoss({flat}, {flat}, torch::zeros({1, 7}), 0.1, 0.04));
  }

  void dinoCenterByHand() {
    // c <- 0.9 c + 0.1 mean over the batch.
    const auto c0 = torch::tensor({{1.0f, -1.0f}});
    const auto outputs = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 0.0f}});
    const auto c1 = dinoCenter(c0, outputs, 0.9);
    QVERIFY(torch::allclose(c1, torch::tensor({{0.9f + 0.3f, -0.9f + 0.2f}})));
    QVERIFY(torch::equal(dinoCenter(c0, outputs, 1.0), c0));
    QVERIFY(torch::allclose(dinoCenter(c0, outputs, 0.0), torch::tensor({{3.0f, 2.0f}})));
  }

  void dinoMomentumSchedule() {
    QVERIFY(std::abs(dinoTeacherMomentum(0.996, 0.0) - 0.996) < 1e-12);
    QVERIFY(std::abs(dinoTeacherMomentum(0.996, 1.0) - 1.0) < 1e-12);
    QVERIFY(std::abs(dinoTeacherMomentum(0.996, 0.5) - 0.998) < 1e-12);
    // DINO's cosine_scheduler value at iteration i of n: 1 + (base - 1)(1 + cos(pi i / n)) / 2.
    QVERIFY(std::abs(dinoTeacherMomentum(0.99, 0.25) - (1.0 + (0.99 - 1.0) * (1.0 + std::cos(M_PI / 4)) / 2)) < 1e-12);
    double last = 0.0;
    for (int i = 0; i <= 20; ++i) {
      const double m = dinoTeacherMomentum(0.9, i / 20.0);
      QVERIFY(m >= last);
      last = m;
    }
    // The teacher follows the schedule: at progress 0 it moves by (1 - base) of the way.
    MethodContext c = context(models::BackboneOptions("convnet", 1, 28).width(4));
    c.options = {{"momentum", 0.5}, {"out-dim", 16}, {"hidden", 8}, {"bottleneck", 4}};
    DinoImpl dino(c);
    auto student = dino.named_parameters()["head.mlp.0.weight"];
    auto teacher = dino.named_parameters()["teacher_head.mlp.0.weight"];
    const auto before = teacher.clone();
    {
      torch::NoGradGuard g;
      student.add_(1.0);
    }
    dino.afterOptimizerStep(0.0);
    QVERIFY(torch::allclose(teacher, before + 0.5));
    dino.afterOptimizerStep(1.0);  // momentum 1 at the end: the teacher stays
    QVERIFY(torch::allclose(teacher, before + 0.5));
  }

  void dinoHeadIsNormalised() {
    DinoHead head(6, 16, 4, 10);
    const auto y = head->forward(fixed(5, 6, 0.2) * 100.0);
    QCOMPARE(y.sizes(), (torch::IntArrayRef{5, 10}));
    // Unit bottleneck times unit weight rows: every logit is a cosine.
    QVERIFY(y.abs().max().item<double>() <= 1.0 + 1e-5);
    // Scaling the direction v leaves the layer unchanged (weight normalisation with g = 1).
    const auto before = head->forward(fixed(5, 6, 0.2));
    {
      torch::NoGradGuard g;
      head->lastWeight.mul_(7.0);
    }
    QVERIFY(torch::allclose(head->forward(fixed(5, 6, 0.2)), before, 1e-5, 1e-6));
  }

  void dinoStepsWithConvNetAndVit() {
    torch::manual_seed(3);
    for (const auto& backbone : {models::BackboneOptions("convnet", 1, 28).width(4), tinyVit(1, 28)}) {
      MethodContext c = context(backbone);
      c.options = {{"out-dim", 32}, {"hidden", 16}, {"bottleneck", 8}, {"local-crops", 3}};
      DinoImpl dino(c);
      const auto views = dino.multiCrop(grayBatch(4, 28).images);
      QCOMPARE(int(views.size()), 2 + 3);
      for (int i = 0; i < 2; ++i) QCOMPARE(views[i].sizes(), (torch::IntArrayRef{4, 1, 28, 28}));
      // ConvNet: half the side; ViT: 14 rounded to whole 4-pixel patches.
      const int64_t local = backbone.name() == "vit" ? 16 : 14;
      QCOMPARE(dino.localSide(), local);
      for (int i = 2; i < 5; ++i) QCOMPARE(views[i].sizes(), (torch::IntArrayRef{4, 1, local, local}));

      const auto centerBefore = dino.center().clone();
      const auto out = dino.step(grayBatch(4, 28));
      QVERIFY(std::isfinite(out.loss.item<double>()));
      QVERIFY(!torch::equal(dino.center(), centerBefore));  // the centre moved towards the batch mean
      out.loss.backward();
      QVERIFY(dino.backbone()->firstLayerWeight().grad().abs().sum().item<double>() > 0);
      std::size_t teacherParams = 0;
      for (const auto& p : dino.named_parameters()) {
        if (p.key().rfind("teacher_", 0) != 0) continue;
        ++teacherParams;
        QVERIFY2(!p.value().grad().defined() && !p.value().requires_grad(), p.key().c_str());
      }
      QVERIFY(teacherParams > 0);
      QCOMPARE(dino.trainableParameters().size() + teacherParams, dino.parameters().size());
      QVERIFY(dino.named_buffers().contains("center"));
    }
  }

  void dinoRejectsBadOptions() {
    const auto backbone = models::BackboneOptions("convnet", 1, 28).width(4);
    for (const auto& [name, value] : std::vector<std::pair<std::string, double>>{{"out-dim", 1},
                                                                                 {"local-scale", 0.01},
                                                                                 {"global-scale", 0.0},
                                                                                 {"center-momentum", 1.0},
                                                                                 {"teacher-temp", 0.0},
                                                                                 {"momentum", 1.5},
                                                                                 {"local-crops", -1},
                                                                                 {"local-size", 0.1}}) {
      MethodContext c = context(backbone);
      c.options[name] = value;
      try {
        makeMethod("dino", c);
        QFAIL(("accepted " + name).c_str());
      } catch (const std::invalid_argument& e) {
        QVERIFY2(std::string(e.what()).find(name == "local-size" ? "local" : name) != std::string::npos, e.what());
      }
    }
  }

  void dinoResumeIsExact() {
    checkResumeIsExact("dino", {{"out-dim", 64}, {"hidden", 32}, {"bottleneck", 16}, {"local-crops", 2}},
                       {"buffer:center", "teacher_head.last_weight", "teacher_backbone.conv1.conv.weight"});
  }

  // ---- MAE ----

  void maeMaskingKeepsExactlyTheVisiblePatches() {
    torch::manual_seed(11);
    QCOMPARE(maeVisiblePatches(49, 0.75), int64_t(12));  // round(12.25)
    QCOMPARE(maeVisiblePatches(64, 0.75), int64_t(16));
    QCOMPARE(maeVisiblePatches(10, 0.55), int64_t(5));   // round(4.5) = 5, away from zero
    const auto noise = torch::rand({5, 49});
    const auto m = maeRandomMasking(noise, 0.75);
    QCOMPARE(m.keep.sizes(), (torch::IntArrayRef{5, 12}));
    QCOMPARE(m.mask.sizes(), (torch::IntArrayRef{5, 49}));
    for (int64_t b = 0; b < 5; ++b) {
      QCOMPARE(m.mask[b].sum().item<double>(), 49.0 - 12.0);  // exactly N - visible masked per image
      // The kept patches are the 12 with the smallest noise, and exactly those are unmasked.
      const auto smallest = std::get<0>(std::get<1>(noise[b].topk(12, 0, /*largest=*/false)).sort());
      QVERIFY(torch::equal(std::get<0>(m.keep[b].sort()), smallest));
      QVERIFY(torch::equal(m.mask[b].index_select(0, m.keep[b]), torch::zeros({12})));
    }
    // restore inverts the shuffle: shuffle[restore[i]] == i, so gathering a shuffled sequence with
    // restore gives the patch order back.
    const auto shuffle = noise.argsort(int64_t(1));
    const auto identity = torch::arange(49, torch::kLong).expand({5, 49});
    QVERIFY(torch::equal(shuffle.gather(1, m.restore), identity));
    const auto values = torch::arange(49, torch::kFloat).mul(3.0).expand({5, 49});
    QVERIFY(torch::equal(values.gather(1, shuffle).gather(1, m.restore), values));
    QVERIFY_THROWS_EXCEPTION(c10::Error, maeRandomMasking(noise, 1.0));
  }

  void maeLossMatchesReference() {
    const auto pred = fixed(12, 4, 0.3).view({2, 6, 4});
    const auto target = (2.0 * fixed(12, 4, 1.0)).view({2, 6, 4});
    const auto mask = torch::tensor({{1, 0, 1, 1, 0, 0}, {0, 1, 1, 0, 1, 1}}, torch::kFloat);
    QVERIFY(std::abs(maeLoss(pred, target, mask, false).item<double>() - kMae) < 1e-5);
    QVERIFY(std::abs(maeLoss(pred, target, mask, true).item<double>() - kMaeNormPix) < 1e-5);
    // Unmasked patches do not count: any prediction there leaves the loss unchanged.
    auto wild = pred.clone();
    wild.index_put_({mask.eq(0)}, 1e3);
    QVERIFY(std::abs(maeLoss(wild, target, mask, false).item<double>() - kMae) < 1e-5);
    // A perfect prediction of the masked patches costs nothing; of the normalised target too.
    QVERIFY(maeLoss(target, target, mask, false).item<double>() < 1e-12);
    const auto t = target.to(torch::kFloat);
    const auto normalised = (t - t.mean(-1, true)) / (t.var(-1, true, true) + 1e-6).sqrt();
    QVERIFY(maeLoss(normalised, target, mask, true).item<double>() < 1e-10);
    // By hand: one masked patch, prediction 0, target (1, 2, 3, 4): (1 + 4 + 9 + 16) / 4.
    const auto one = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 1, 4});
    QCOMPARE(maeLoss(torch::zeros({1, 1, 4}), one, torch::ones({1, 1}), false).item<float>(), 7.5f);
    // The gradient reaches the masked predictions only.
    auto p = pred.clone().requires_grad_(true);
    maeLoss(p, target, mask, true).backward();
    QVERIFY(torch::equal(p.grad().abs().sum(-1).gt(0), mask.gt(0)));
  }

  void maeSinCosPositions() {
    const auto pos = sinCosPositions(8, 3);
    QCOMPARE(pos.sizes(), (torch::IntArrayRef{1, 10, 8}));
    QVERIFY(torch::equal(pos[0][0], torch::zeros({8})));  // [CLS]
    // Patch (row 1, column 2) = index 5: sin, sin, cos, cos of row * omega, then of column * omega,
    // omega = 1 / 10000^(k / 2) for k = 0, 1.
    const auto p = pos[0][1 + 5];
    const double w1 = 1.0 / 100.0;
    const std::vector<double> expected = {std::sin(1.0), std::sin(w1), std::cos(1.0), std::cos(w1),
                                          std::sin(2.0), std::sin(2 * w1), std::cos(2.0), std::cos(2 * w1)};
    for (int i = 0; i < 8; ++i) QVERIFY(std::abs(p[i].item<double>() - expected[i]) < 1e-6);
    QVERIFY_THROWS_EXCEPTION(c10::Error, sinCosPositions(6, 3));
  }

  void maeStepsAndDecodesEveryPatch() {
    torch::manual_seed(12);
    MethodContext c = context(tinyVit(1, 28), "light");
    c.options = {{"decoder-dim", 16}, {"decoder-depth", 1}, {"decoder-heads", 2}};
    MaeImpl mae(c);
    auto vit = std::dynamic_pointer_cast<models::VitImpl>(mae.backbone());
    const auto masking = maeRandomMasking(torch::rand({3, 49}), 0.75);
    const auto latent = torch::randn({3, 1 + 12, 16});
    QCOMPARE(mae.decode(latent, masking.restore).sizes(), (torch::IntArrayRef{3, 49, 16}));
    const auto out = mae.step(grayBatch(3, 28));
    QVERIFY(std::isfinite(out.loss.item<double>()) && out.loss.item<double>() > 0);
    out.loss.backward();
    QVERIFY(vit->firstLayerWeight().grad().abs().sum().item<double>() > 0);
    QVERIFY(mae.named_parameters()["mask_token"].grad().abs().sum().item<double>() > 0);
    QVERIFY(mae.named_buffers().contains("decoder_pos"));  // fixed, not learned
    QCOMPARE(mae.trainableParameters().size(), mae.parameters().size());
  }

  void maeRejectsBadConfigurations() {
    try {
      makeMethod("mae", context(models::BackboneOptions("convnet", 1, 28).width(4)));
      QFAIL("mae accepted a ConvNet");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(std::string(e.what()).find("--backbone vit") != std::string::npos, e.what());
    }
    for (const auto& [name, value] : std::vector<std::pair<std::string, double>>{
             {"mask-ratio", 0.0}, {"mask-ratio", 1.0}, {"mask-ratio", 0.999}, {"decoder-dim", 18},
             {"decoder-heads", 3}, {"decoder-depth", 0}}) {
      MethodContext c = context(tinyVit(1, 28), "light");
      c.options[name] = value;
      try {
        makeMethod("mae", c);
        QFAIL(("accepted " + name).c_str());
      } catch (const std::invalid_argument& e) {
        QVERIFY2(std::string(e.what()).find(name) != std::string::npos, e.what());
      }
    }
    // The Trainer refuses it before building anything, naming the backbone to use.
    TrainConfig t = shapesConfig("mae", "");
    t.backbone = "convnet";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Trainer(t, Dataset::load(t.dataset)));
  }

  void maeResumeIsExact() {
    checkResumeIsExact("mae", {{"decoder-dim", 32}, {"decoder-depth", 1}, {"decoder-heads", 2}},
                       {"mask_token", "decoder_block1.attn.qkv.weight", "backbone.posEmbed", "buffer:decoder_pos"});
  }

  // ---- the ViT at other sizes (DINO's local crops) ----

  void vitResizesPositionEmbeddings() {
    torch::manual_seed(5);
    auto vit = std::make_shared<models::VitImpl>(tinyVit(1, 28));
    vit->eval();
    const auto x = torch::randn({2, 1, 28, 28});
    QVERIFY(torch::allclose(vit->forwardAnySize(x), vit->forward(x), 1e-5, 1e-6));
    QVERIFY(torch::equal(vit->patchPositions(7), vit->positionEmbedding().slice(1, 1)));
    QCOMPARE(vit->forwardAnySize(torch::randn({2, 1, 16, 16})).sizes(), (torch::IntArrayRef{2, 16}));
    QCOMPARE(vit->patchPositions(4).sizes(), (torch::IntArrayRef{1, 16, 16}));
    // Bicubic resizing keeps a constant embedding constant, and gradients reach the learned table.
    {
      torch::NoGradGuard g;
      vit->positionEmbedding().fill_(0.25);
    }
    QVERIFY(torch::allclose(vit->patchPositions(4), torch::full({1, 16, 16}, 0.25), 1e-5, 1e-6));
    vit->patchPositions(3).sum().backward();
    QVERIFY(vit->positionEmbedding().grad().abs().sum().item<double>() > 0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, vit->forwardAnySize(torch::randn({1, 1, 18, 18})));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, vit->forward(torch::randn({1, 1, 16, 16})));  // forward() still strict
  }
};

QTEST_APPLESS_MAIN(TstDistillMasked)
#include "tst_distill_masked.moc"

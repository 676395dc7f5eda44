// Each method's loss against an independent computation: reference values from
// tests/reference/make_loss_references.py (Debian's python3-torch, the papers' formulas written
// out separately), and facts that hold by hand.
#include "coretestutil.h"
#include "methods/byol.h"
#include "methods/moco.h"
#include "methods/rotation.h"
#include "methods/simclr.h"

#include <pretext/methodflags.h>
#include <pretext/methods.h>

#include <cmath>
#include <map>

using namespace pretext;
using namespace pretext::methods;

namespace {

using coretest::fixed;
using coretest::unit;

// Printed by tests/reference/make_loss_references.py.
const double kNtXent_t01 = 0.913294264546;
const double kNtXent_t05 = 1.479902302063;
const double kInfoNce_t02 = 0.543429881638;
const double kByol = 2.268238489661;

MethodContext tinyContext() {
  MethodContext c;
  c.backbone = models::BackboneOptions("convnet", 1, 28).width(8);
  c.numClasses = 10;
  c.datasetSize = 8;
  c.augment = AugmentConfig::simclr();
  c.mean = torch::full({1}, 0.3);
  c.std = torch::full({1}, 0.3);
  return c;
}

}  // namespace

class TstLosses : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void ntXentMatchesReference() {
    const auto z1 = fixed(6, 5, 0.0), z2 = fixed(6, 5, 0.4);
    QVERIFY(std::abs(ntXentLoss(z1, z2, 0.1).item<double>() - kNtXent_t01) < 1e-5);
    QVERIFY(std::abs(ntXentLoss(z1, z2, 0.5).item<double>() - kNtXent_t05) < 1e-5);
    // Aligned, well separated pairs score lower than shuffled ones.
    const auto e = torch::eye(6);
    QVERIFY(ntXentLoss(e, e, 0.1).item<double>() < ntXentLoss(e, e.roll(1, 0), 0.1).item<double>());
    // By hand: orthonormal, aligned pairs: positive sim 1, the 2N-2 negatives sim 0.
    const double t = 0.5, expected = -std::log(std::exp(1 / t) / (std::exp(1 / t) + 10.0));
    QVERIFY(std::abs(ntXentLoss(e, e, t).item<double>() - expected) < 1e-5);
  }

  void infoNceMatchesReference() {
    const auto q = unit(fixed(4, 6, 0.2), 1), k = unit(fixed(4, 6, 0.5), 1), queue = unit(fixed(6, 10, 1.1), 0);
    QVERIFY(std::abs(infoNceLoss(q, k, queue, 0.2).item<double>() - kInfoNce_t02) < 1e-5);
  }

  void byolMatchesReferenceAndHand() {
    QVERIFY(std::abs(byolLoss(fixed(5, 4, 0.3), fixed(5, 4, 2.0)).item<double>() - kByol) < 1e-5);
    const auto v = fixed(3, 4, 0.1);
    QVERIFY(byolLoss(v, v).item<double>() < 1e-6);
    QVERIFY(std::abs(byolLoss(v, -v).item<double>() - 4.0) < 1e-5);
    QVERIFY(std::abs(byolLoss(v, 3.0 * v).item<double>()) < 1e-6);  // scale-invariant
    QCOMPARE(byolMomentum(0.99, 0.0), 0.99);
    QVERIFY(std::abs(byolMomentum(0.99, 1.0) - 1.0) < 1e-12);
    QVERIFY(std::abs(byolMomentum(0.99, 0.5) - 0.995) < 1e-12);
  }

  void rotationBatchHasFourRotations() {
    const auto x = torch::arange(2 * 1 * 4 * 4, torch::kFloat).view({2, 1, 4, 4});
    const auto [images, labels] = rotationBatch(x);
    QCOMPARE(images.size(0), 8);
    QVERIFY(torch::equal(labels, torch::tensor({0, 0, 1, 1, 2, 2, 3, 3}, torch::kLong)));
    QVERIFY(torch::equal(images.slice(0, 0, 2), x));
    for (int r = 1; r < 4; ++r) {
      // Rotating back by -r quarter turns gives the originals.
      QVERIFY(torch::equal(torch::rot90(images.slice(0, 2 * r, 2 * r + 2), -r, {2, 3}), x));
    }
  }

  void mocoQueueWraps() {
    MethodContext c = tinyContext();
    c.options["queue"] = 5;
    MocoImpl moco(c);
    QCOMPARE(moco.queue().size(1), 5);
    moco.enqueue(torch::ones({3, 128}));
    QCOMPARE(moco.queuePointer().item<int64_t>(), 3);
    moco.enqueue(torch::full({3, 128}, 2.0));
    QCOMPARE(moco.queuePointer().item<int64_t>(), 1);  // 6 keys into 5 slots
    QCOMPARE(moco.queue()[0][0].item<float>(), 2.0f);    // slot 0 overwritten by the wrap
    QCOMPARE(moco.queue()[0][2].item<float>(), 1.0f);
  }

  void momentumUpdateEnds() {
    auto a = torch::nn::Linear(3, 2), b = torch::nn::Linear(3, 2);
    momentumUpdate(*a, *b, 1.0);
    QVERIFY(!torch::equal(a->weight, b->weight));
    momentumUpdate(*a, *b, 0.0);
    QVERIFY(torch::equal(a->weight, b->weight));
  }

  void everyMethodStepsWithGradients() {
    torch::manual_seed(0);
    Batch batch;
    batch.images = torch::randint(0, 256, {8, 1, 28, 28}, torch::kUInt8);
    batch.labels = torch::arange(8, torch::kLong) % 10;
    batch.indices = torch::arange(8, torch::kLong);
    for (const auto& info : methodCatalogue()) {
      MethodContext c = tinyContext();
      if (info.name == "moco") c.options["queue"] = 16;
      if (info.name == "deepcluster") c.options["clusters"] = 4;
      Batch input = batch;
      if (info.name == "colorization") {
        // Colour only: gray images are refused with the reason; its step runs on RGB images.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod(info.name, c));
        c.backbone = models::BackboneOptions("convnet", 3, 28).width(8);
        c.mean = torch::full({3}, 0.3);
        c.std = torch::full({3}, 0.3);
        input.images = torch::randint(0, 256, {8, 3, 28, 28}, torch::kUInt8);
      }
      if (info.requiredBackbone == "vit") c.backbone = models::BackboneOptions("vit", 1, 28).vitDim(16).vitDepth(1).vitHeads(2);
      auto method = makeMethod(info.name, c);
      if (!info.trains) {
        QVERIFY_THROWS_EXCEPTION(std::logic_error, method->step(input));
        continue;
      }
      method->beginEpoch(0, input.images);  // as the Trainer does (DeepCluster clusters here)
      const auto out = method->step(input);
      QVERIFY2(out.loss.dim() == 0 && std::isfinite(out.loss.item<double>()), info.name.c_str());
      out.loss.backward();
      const auto first = method->backbone()->firstLayerWeight();
      QVERIFY2(first.grad().defined() && first.grad().abs().sum().item<double>() > 0, info.name.c_str());
      // Momentum encoders get no gradient and are not handed to the optimizer.
      // Momentum encoders are recognised by their prefix (key_, target_, teacher_).
      std::size_t trainable = method->trainableParameters().size(), all = method->parameters().size(), momentum = 0;
      for (const auto& p : method->named_parameters()) {
        const auto& k = p.key();
        if (k.rfind("key_", 0) != 0 && k.rfind("target_", 0) != 0 && k.rfind("teacher_", 0) != 0) continue;
        ++momentum;
        QVERIFY2(!p.value().grad().defined(), (info.name + ": " + k).c_str());
      }
      QCOMPARE(trainable + momentum, all);
      if (info.name == "moco" || info.name == "byol") QVERIFY2(momentum > 0, info.name.c_str());
    }
  }

  void catalogueIsComplete() {
    for (const auto& info : methodCatalogue()) {
      QVERIFY2(!info.description.empty() && !info.lossFormula.empty() && !info.paper.empty(), info.name.c_str());
      QVERIFY(&methodInfo(info.name) == &info);
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, methodInfo("nosuch"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("nosuch", tinyContext()));
    MethodContext c = tinyContext();
    c.options["temprature"] = 0.1;  // a typo is an error, not a silent default
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("simclr", c));
  }

  // An option out of its range, a fraction where a whole number belongs, or an unknown name is
  // refused with a message naming the method, the option, the value and what is allowed.
  void optionsAreChecked() {
    auto refusal = [](const std::string& method, const std::map<std::string, double>& options) -> std::string {
      MethodContext c = tinyContext();
      c.options = options;
      try {
        makeMethod(method, c);
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "";
    };
    auto contains = [](const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; };
    std::string m = refusal("simclr", {{"temperature", 0.0}});
    QVERIFY2(contains(m, "simclr") && contains(m, "--temperature") && contains(m, "(0, 10]") && contains(m, "got 0"),
             m.c_str());
    m = refusal("simclr", {{"proj-dim", 12.5}});
    QVERIFY2(contains(m, "--proj-dim") && contains(m, "whole number") && contains(m, "1..65536") &&
                 contains(m, "got 12.5"),
             m.c_str());
    // A method's own momentum is --method-momentum: --momentum is the optimizer's (SGD/LARS).
    m = refusal("moco", {{"momentum", 1.5}});
    QVERIFY2(contains(m, "moco: --method-momentum must be in [0, 1], got 1.5"), m.c_str());
    m = refusal("byol", {{"momentm", 0.9}});
    QVERIFY2(contains(m, "has no option --momentm (its options: --method-momentum, --proj-dim, --hidden)"), m.c_str());
    QCOMPARE(methodOptionFlag("momentum"), std::string("--method-momentum"));
    QCOMPARE(methodOptionFlag("center-momentum"), std::string("--center-momentum"));
    QCOMPARE(methodOptionFlag("temperature"), std::string("--temperature"));
    m = refusal("simclr", {{"temprature", 0.1}});
    QVERIFY2(contains(m, "simclr") && contains(m, "temprature") && contains(m, "--temperature, --proj-dim"), m.c_str());
    m = refusal("rotation", {{"temperature", 0.1}});
    QVERIFY2(contains(m, "rotation") && contains(m, "no options"), m.c_str());
    // Open ends exclude the bound itself, closed ones include it.
    QVERIFY(!refusal("instdisc", {{"momentum", 1.0}}).empty());
    QVERIFY(refusal("instdisc", {{"momentum", 0.0}}).empty());
    QVERIFY(!refusal("simclr", {{"temperature", std::nan("")}}).empty());
    // The same check without building the method, for the CLI and the window.
    checkMethodOptions("moco", {{"queue", 16}, {"temperature", 0.5}});
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, checkMethodOptions("moco", {{"queue", 0}}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, checkMethodOptions("moco", {{"clusters", 4}}));
  }

  // The typed options: given values in place, the rest at their defaults.
  void optionsAreParsedIntoTheStruct() {
    const auto o = parseOptions("simclr", SimClrOptions::specs(), {{"proj-dim", 64}});
    QCOMPARE(o.projDim, int64_t(64));
    QCOMPARE(o.temperature, 0.2);
    const auto m = parseOptions("moco", MocoOptions::specs(), {{"temperature", 0.07}, {"queue", 256}});
    QCOMPARE(m.temperature, 0.07);
    QCOMPARE(m.queue, int64_t(256));
    QCOMPARE(m.momentum, 0.99);
  }

  // Every default of the catalogue lies in its range, so a method built with all its defaults
  // written out is the method built with none.
  void catalogueDefaultsAreInRange() {
    int options = 0;
    for (const auto& info : methodCatalogue()) {
      std::map<std::string, double> all;
      for (const auto& o : info.options) {
        const std::string what = info.name + " --" + o.name;
        QVERIFY2(optionAccepts(o, o.defaultValue), what.c_str());
        QVERIFY2(o.minValue < o.maxValue && !o.help.empty(), what.c_str());
        if (o.integer) {
          QVERIFY2(o.minValue == std::floor(o.minValue) && o.maxValue == std::floor(o.maxValue), what.c_str());
          QVERIFY2(!o.minExclusive && !o.maxExclusive, what.c_str());
          QVERIFY2(!optionAccepts(o, o.minValue - 1) && !optionAccepts(o, o.maxValue + 1), what.c_str());
          QVERIFY2(!optionAccepts(o, o.minValue + 0.5), what.c_str());
        } else {
          QVERIFY2(optionAccepts(o, o.minValue) != o.minExclusive, what.c_str());
          QVERIFY2(optionAccepts(o, o.maxValue) != o.maxExclusive, what.c_str());
        }
        all[o.name] = o.defaultValue;
        ++options;
      }
      checkMethodOptions(info.name, all);
    }
    QCOMPARE(options, 60);  // every option of the 17 methods
  }
};

QTEST_APPLESS_MAIN(TstLosses)
#include "tst_losses.moc"

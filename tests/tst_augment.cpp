// The batched augmentations: each op against values computed by hand, plus apply()'s contract
// (order, probabilities, seeding, shapes, 1- and 3-channel batches).
#include "augment/augment.h"

#include <pretext/dataset.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QtTest/QtTest>

#include <cmath>

using namespace pretext;
namespace aug = pretext::augment;

namespace {

torch::Tensor maskOf(std::initializer_list<int64_t> values) {
  return torch::tensor(std::vector<int64_t>(values)).to(torch::kBool);
}
torch::Tensor allOn(int64_t b) { return torch::ones({b}, torch::kBool); }
torch::Tensor allOff(int64_t b) { return torch::zeros({b}, torch::kBool); }
double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

void checkImages(const torch::Tensor& y, at::IntArrayRef sizes, const char* what) {
  QVERIFY2(y.sizes() == sizes, what);
  QVERIFY2(y.scalar_type() == torch::kFloat, what);
  QVERIFY2(!torch::isnan(y).any().item<bool>(), what);
  QVERIFY2(y.min().item<float>() >= 0.0f, what);
  QVERIFY2(y.max().item<float>() <= 1.0f, what);
}

AugmentConfig onlyOp(const std::string& name, float probability, float strength) {
  AugmentConfig c;
  for (auto& [opName, op] : c.ops())
    if (opName == name) *op = {true, probability, strength};
  return c;
}

const std::vector<std::string> kOpNames = {"crop", "flip", "jitter", "grayscale", "rotate",
                                           "blur", "cutout", "noise", "sobel"};

}  // namespace

class TstAugment : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() { torch::manual_seed(1234); }

  void toFloatScales() {
    const auto u = torch::tensor({0, 51, 255}, torch::kUInt8).view({1, 1, 1, 3});
    const auto f = aug::toFloat(u);
    QCOMPARE(f.scalar_type(), torch::kFloat);
    QVERIFY(maxAbsDiff(f, torch::tensor({0.0f, 0.2f, 1.0f}).view({1, 1, 1, 3})) < 1e-7);
  }

  void presets() {
    const auto s = AugmentConfig::simclr();
    QVERIFY(s.crop.enabled && s.crop.probability == 1.0f && s.crop.strength == 0.7f);
    QVERIFY(s.flip.enabled && s.flip.probability == 0.5f);
    QVERIFY(s.jitter.enabled && s.jitter.probability == 0.8f && s.jitter.strength == 0.5f);
    QVERIFY(s.grayscale.enabled && s.grayscale.probability == 0.2f);
    QVERIFY(s.blur.enabled && s.blur.probability == 0.5f && s.blur.strength == 0.5f);
    QVERIFY(!s.rotate.enabled && !s.cutout.enabled && !s.noise.enabled && !s.sobel.enabled);
    const auto l = AugmentConfig::light();
    QVERIFY(l.crop.enabled && l.crop.probability == 1.0f && l.crop.strength == 0.3f);
    QVERIFY(l.flip.enabled && l.flip.probability == 0.5f);
    int enabled = 0;
    for (const auto& [name, op] : l.ops()) enabled += op->enabled ? 1 : 0;
    QCOMPARE(enabled, 2);

    const auto ops = s.ops();
    QCOMPARE(ops.size(), kOpNames.size());
    for (size_t i = 0; i < ops.size(); ++i) QCOMPARE(ops[i].first, kOpNames[i]);
    QVERIFY(ops[5].second == &s.blur);
    AugmentConfig mutableConfig;
    mutableConfig.ops()[8].second->enabled = true;
    QVERIFY(mutableConfig.sobel.enabled);
  }

  void flipTwiceIsIdentity() {
    const auto x = torch::rand({4, 3, 5, 7});
    const auto once = aug::hflip(x, allOn(4));
    QVERIFY(torch::equal(aug::hflip(once, allOn(4)), x));
    QVERIFY(torch::equal(once.select(3, 0), x.select(3, 6)));
    QVERIFY(torch::equal(once.select(3, 2), x.select(3, 4)));
    const auto some = aug::hflip(x, maskOf({1, 0, 1, 0}));
    QVERIFY(torch::equal(some[0], once[0]));
    QVERIFY(torch::equal(some[1], x[1]));
    QVERIFY(torch::equal(some[3], x[3]));
  }

  void grayscaleIsLuma() {
    const auto x = torch::rand({3, 3, 6, 6});
    const auto g = aug::grayscale(x, allOn(3));
    QVERIFY(torch::equal(g.select(1, 0), g.select(1, 1)));
    QVERIFY(torch::equal(g.select(1, 0), g.select(1, 2)));
    const auto expected = x.select(1, 0) * 0.299 + x.select(1, 1) * 0.587 + x.select(1, 2) * 0.114;
    QVERIFY(maxAbsDiff(g.select(1, 0), expected) < 1e-6);

    const auto red = torch::zeros({1, 3, 1, 1});
    red[0][0] = 1.0;
    QVERIFY(std::abs(aug::grayscale(red, allOn(1))[0][2][0][0].item<float>() - 0.299f) < 1e-6);

    QVERIFY(torch::equal(aug::grayscale(x, allOff(3)), x));
    const auto mono = torch::rand({2, 1, 4, 4});
    QVERIFY(torch::equal(aug::grayscale(mono, allOn(2)), mono));
  }

  void rotate90() {
    const auto x = torch::rand({2, 3, 5, 5});
    const auto k1 = torch::ones({2}, torch::kLong);
    auto y = x;
    for (int i = 0; i < 4; ++i) y = aug::rotate90(y, k1);
    QVERIFY(torch::equal(y, x));
    QVERIFY(torch::equal(aug::rotate90(x, k1), torch::rot90(x, 1, {2, 3})));

    // [[1, 2], [3, 4]] turned a quarter counter-clockwise is [[2, 4], [1, 3]].
    const auto known = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 1, 2, 2});
    const auto turned = aug::rotate90(known, torch::ones({1}, torch::kLong));
    QVERIFY(torch::equal(turned, torch::tensor({2.0f, 4.0f, 1.0f, 3.0f}).view({1, 1, 2, 2})));

    const auto batch = torch::rand({4, 1, 3, 3});
    const auto mixed = aug::rotate90(batch, torch::tensor({0, 1, 2, 3}, torch::kLong));
    for (int64_t i = 0; i < 4; ++i)
      QVERIFY(torch::equal(mixed[i], torch::rot90(batch[i], i, {1, 2})));
  }

  void blurKeepsConstantsAndMass() {
    const auto flat = torch::full({2, 3, 16, 16}, 0.3f);
    const auto sigma = torch::tensor({0.5f, 2.0f});
    QVERIFY(maxAbsDiff(aug::gaussianBlur(flat, sigma, allOn(2)), flat) < 1e-6);

    // Content away from the border (margin > kernel radius 2 for 32 px): no mass leaves the image.
    auto x = torch::zeros({2, 1, 32, 32});
    x.narrow(2, 6, 20).narrow(3, 6, 20).copy_(torch::rand({2, 1, 20, 20}));
    const auto y = aug::gaussianBlur(x, sigma, allOn(2));
    QVERIFY(maxAbsDiff(y.sum({1, 2, 3}), x.sum({1, 2, 3})) < 1e-3);
    QVERIFY(maxAbsDiff(y, x) > 0.05);
    QVERIFY(y[1].var().item<double>() < x[1].var().item<double>());

    // A single bright pixel becomes the outer product of the normalised 1D Gaussian (radius 2).
    auto dot = torch::zeros({1, 1, 32, 32});
    dot[0][0][16][16] = 1.0;
    const double s = 1.0;
    double norm = 0.0;
    for (int t = -2; t <= 2; ++t) norm += std::exp(-t * t / (2 * s * s));
    const auto spread = aug::gaussianBlur(dot, torch::tensor({1.0f}), allOn(1));
    QVERIFY(std::abs(spread[0][0][16][16].item<double>() - 1.0 / (norm * norm)) < 1e-6);
    QVERIFY(std::abs(spread[0][0][16][18].item<double>() - std::exp(-2.0) / (norm * norm)) < 1e-6);
    QCOMPARE(spread[0][0][16][19].item<float>(), 0.0f);

    QVERIFY(maxAbsDiff(aug::gaussianBlur(x, torch::tensor({0.1f, 0.1f}), allOn(2)), x) < 1e-6);
    QVERIFY(torch::equal(aug::gaussianBlur(x, sigma, maskOf({0, 1}))[0], x[0]));
  }

  void cutoutErasesExactSquare() {
    for (int64_t channels : {1, 3}) {
      const auto x = torch::zeros({4, channels, 20, 20});
      const auto y = aug::cutout(x, 6, allOn(4));
      const auto erased = y == 0.5f;
      for (int64_t i = 0; i < 4; ++i) {
        for (int64_t c = 0; c < channels; ++c) QCOMPARE(erased[i][c].sum().item<int64_t>(), int64_t(36));
        QCOMPARE(erased[i][0].any(1).sum().item<int64_t>(), int64_t(6));  // rows touched
        QCOMPARE(erased[i][0].any(0).sum().item<int64_t>(), int64_t(6));  // columns touched
      }
      QCOMPARE((y != 0.5f).logical_and(y != 0.0f).sum().item<int64_t>(), int64_t(0));
    }
    const auto x = torch::zeros({2, 3, 8, 8});
    QVERIFY(torch::equal(aug::cutout(x, 4, allOff(2)), x));
    QCOMPARE((aug::cutout(x, 100, allOn(2)) == 0.5f).sum().item<int64_t>(), int64_t(2 * 3 * 64));
  }

  void noiseHasExpectedStd() {
    const auto x = torch::full({8, 3, 32, 32}, 0.5f);
    const auto y = aug::gaussianNoise(x, 0.1, allOn(8));
    checkImages(y, x.sizes(), "noise");
    const auto d = y - x;
    QVERIFY(std::abs(d.std().item<double>() - 0.1) < 0.003);
    QVERIFY(std::abs(d.mean().item<double>()) < 0.003);
    QVERIFY(torch::equal(aug::gaussianNoise(x, 0.1, allOff(8)), x));
    const auto clipped = aug::gaussianNoise(torch::ones({2, 1, 8, 8}), 0.5, allOn(2));
    QVERIFY(clipped.max().item<float>() == 1.0f && clipped.min().item<float>() < 1.0f);
  }

  void cropFullScaleIsIdentity() {
    const auto x = torch::rand({3, 3, 12, 12});
    const auto y = aug::randomResizedCrop(x, 1.0, 1.0, c10::nullopt, 1.0, 1.0);
    QVERIFY(y.sizes() == x.sizes());
    QVERIFY(maxAbsDiff(y, x) < 1e-5);
    // The ratio is width / height in pixels, so a wide image keeps its whole self at ratio W / H.
    const auto wide = torch::rand({3, 1, 12, 16});
    const auto same = aug::randomResizedCrop(wide, 1.0, 1.0, c10::nullopt, 16.0 / 12.0, 16.0 / 12.0);
    QVERIFY(maxAbsDiff(same, wide) < 1e-5);
  }

  void cropZoomsIntoARamp() {
    // Bilinear sampling is exact on a linear ramp: a quarter-area square crop halves the slope.
    const int64_t w = 16;
    const auto ramp = (torch::arange(w, torch::kFloat) / double(w - 1)).view({1, 1, 1, w}).expand({4, 1, w, w}).contiguous();
    const auto y = aug::randomResizedCrop(ramp, 0.25, 0.25, c10::nullopt, 1.0, 1.0);
    // Columns 1 .. w-2 sample inside the image; the outer ones may fall on the border padding.
    const auto steps = y.narrow(3, 2, w - 3) - y.narrow(3, 1, w - 3);
    QVERIFY(maxAbsDiff(steps, torch::full_like(steps, 0.5 / double(w - 1))) < 1e-5);
    QVERIFY(maxAbsDiff(y, y.narrow(2, 0, 1).expand_as(y)) < 1e-6);  // still constant down each column
    const auto first = y.select(3, 0).select(2, 0).view({4});
    QVERIFY(first.min().item<float>() >= 0.0f && first.max().item<float>() <= 0.5f + 1e-5f);
  }

  void cropBoxesFollowTorchvisionsRule() {
    // The SimCLR preset's crop on a square image: area fraction in [0.356, 1], ratio in [3/4, 4/3].
    const double smin = 1.0 - 0.92 * 0.7, smax = 1.0, rmin = 3.0 / 4.0, rmax = 4.0 / 3.0;
    const int64_t n = 200000;
    const auto gen = at::detail::createCPUGenerator(7);
    const auto boxes = aug::randomCropBoxes(n, 28, 28, smin, smax, rmin, rmax, gen, torch::kDouble);
    const auto w = boxes.width, h = boxes.height, drawn = boxes.drawn;
    QCOMPARE(w.size(0), n);
    QVERIFY(w.le(1.0).all().item<bool>() && h.le(1.0).all().item<bool>());
    const auto area = w * h, ratio = w / h;
    const auto d = drawn;
    QVERIFY(area.masked_select(d).ge(smin * 0.93).all().item<bool>());
    // Whole pixels, so the ratio and area hold up to a rounding of each side by half a pixel; the shortest
    // side is at least 28 sqrt(smin / rmax) = 14.5 pixels, so that moves them by at most (1 - 0.5 / 14.5)^2 > 0.93.
    QVERIFY(torch::allclose(w * 28.0, torch::round(w * 28.0)) && torch::allclose(h * 28.0, torch::round(h * 28.0)));
    QVERIFY(ratio.masked_select(d).ge(rmin * 0.93).all().item<bool>());
    QVERIFY(ratio.masked_select(d).le(rmax / 0.93).all().item<bool>());
    QVERIFY(area.masked_select(d.logical_not()).eq(1.0).all().item<bool>());

    // Independently, by integration over a grid of (s, u = log r), both uniform: a draw's box is
    // round(28 sqrt(s r)) x round(28 sqrt(s / r)) pixels and fits when both sides are at most 28.
    const int grid = 2000;
    const double lo = std::log(rmin), hi = std::log(rmax);
    double pFit = 0.0, areaFit = 0.0;
    for (int i = 0; i < grid; ++i) {
      const double u = lo + (hi - lo) * (i + 0.5) / grid;
      for (int j = 0; j < grid; ++j) {
        const double sj = smin + (smax - smin) * (j + 0.5) / grid;
        const double bw = std::nearbyint(28.0 * std::sqrt(sj * std::exp(u))), bh = std::nearbyint(28.0 * std::sqrt(sj / std::exp(u)));
        if (bw > 28.0 || bh > 28.0) continue;
        pFit += 1.0 / (double(grid) * grid);
        areaFit += bw * bh / 784.0 / (double(grid) * grid);
      }
    }
    const double pNone = std::pow(1.0 - pFit, double(aug::kCropDraws));
    const double meanArea = (1.0 - pNone) * (areaFit / pFit) + pNone * 1.0;
    const double fallback = 1.0 - drawn.to(torch::kDouble).mean().item<double>();
    const double mean = area.mean().item<double>(), se = area.std().item<double>() / std::sqrt(double(n));
    qInfo("one draw fits %.4f; no draw of %lld fits %.2g (sampled %.2g); mean area %.4f (sampled %.4f +- %.4f)",
          pFit, static_cast<long long>(aug::kCropDraws), pNone, fallback, meanArea, mean, se);
    QVERIFY(std::abs(fallback - pNone) < 4.0 * std::sqrt(pNone * (1.0 - pNone) / double(n)) + 1e-5);
    // The grid's own error (a cell straddling a rounding edge) is far below the sampling error.
    QVERIFY(std::abs(mean - meanArea) < 4.0 * se);
    // Clipping the boxes instead (the rule before) keeps more of the image: E[min(w,1) min(h,1)] over one draw.
    const auto s1 = torch::rand({n}, gen, torch::kDouble) * (smax - smin) + smin;
    const auto r1 = torch::exp(torch::rand({n}, gen, torch::kDouble) * (hi - lo) + lo);
    const double clipped = (torch::sqrt(s1 * r1).clamp_max(1.0) * torch::sqrt(s1 / r1).clamp_max(1.0)).mean().item<double>();
    QVERIFY(clipped > meanArea + 0.02);

    // A wide image whose own ratio no draw allows: the fallback keeps its full height and the centre square.
    const auto wide = aug::randomCropBoxes(16, 12, 16, 1.0, 1.0, 1.0, 1.0, gen, torch::kFloat);
    QVERIFY(wide.drawn.logical_not().all().item<bool>());
    QVERIFY(maxAbsDiff(wide.width, torch::full({16}, 0.75f)) < 1e-6 && maxAbsDiff(wide.height, torch::ones({16})) < 1e-6);
    const int64_t W = 16;
    const auto ramp = (torch::arange(W, torch::kFloat) / double(W - 1)).view({1, 1, 1, W}).expand({4, 1, 12, W}).contiguous();
    const auto y = aug::randomResizedCrop(ramp, 1.0, 1.0, gen, 1.0, 1.0);
    // Centred: the left and right output columns mirror each other about the ramp's middle value.
    QVERIFY(maxAbsDiff(y.select(3, 0) + y.select(3, W - 1), torch::ones_like(y.select(3, 0))) < 1e-5);
    const auto steps12 = y.narrow(3, 2, W - 3) - y.narrow(3, 1, W - 3);
    QVERIFY(maxAbsDiff(steps12, torch::full_like(steps12, 0.75 / double(W - 1))) < 1e-5);
    // An empty batch still checks its arguments and draws nothing.
    QCOMPARE(aug::randomResizedCrop(torch::zeros({0, 1, 8, 8}), 0.5, 1.0).size(0), int64_t(0));
  }

  void sobelFindsEdges() {
    const auto flat = torch::full({2, 3, 10, 10}, 0.7f);
    QVERIFY(aug::sobel(flat, allOn(2)).abs().max().item<float>() < 1e-5f);

    for (int64_t channels : {1, 3}) {
      auto edge = torch::zeros({1, channels, 10, 10});
      edge.narrow(3, 5, 5).fill_(1.0);
      const auto y = aug::sobel(edge, allOn(1));
      checkImages(y, edge.sizes(), "sobel");
      const auto columns = y[0][0].abs().amax(0);  // [W]
      for (int64_t c = 0; c < 10; ++c) {
        if (c == 4 || c == 5)
          QVERIFY(std::abs(columns[c].item<float>() - 1.0f) < 1e-5f);
        else
          QVERIFY(columns[c].item<float>() < 1e-5f);
      }
      if (channels == 3) QVERIFY(torch::equal(y[0][0], y[0][2]));
    }
  }

  void jitterStrengthZeroIsIdentity() {
    const auto x = torch::rand({4, 3, 8, 8});
    QVERIFY(torch::equal(aug::colorJitter(x, 0, 0, 0, 0, allOn(4)), x));
    QVERIFY(torch::equal(aug::apply(x, onlyOp("jitter", 1.0f, 0.0f)), x));
    QVERIFY(torch::equal(aug::colorJitter(x, 0.8, 0.8, 0.8, 0.5, allOff(4)), x));
  }

  void jitterStepsKeepWhatTheyShould() {
    const auto x = torch::rand({4, 3, 8, 8}) * 0.2 + 0.4;  // no clamping for these amounts

    // Brightness scales each image by one factor.
    const auto bright = aug::colorJitter(x, 0.5, 0, 0, 0, allOn(4));
    const auto ratio = bright / x;
    QVERIFY(maxAbsDiff(ratio, ratio.amax({1, 2, 3}, true).expand_as(ratio)) < 1e-5);
    QVERIFY(ratio.min().item<float>() >= 0.5f - 1e-5f && ratio.max().item<float>() <= 1.5f + 1e-5f);

    // Contrast keeps the mean luma, saturation keeps every pixel's luma.
    auto luma = [](const torch::Tensor& t) { return t.select(1, 0) * 0.299 + t.select(1, 1) * 0.587 + t.select(1, 2) * 0.114; };
    const auto contrasted = aug::colorJitter(x, 0, 0.5, 0, 0, allOn(4));
    QVERIFY(maxAbsDiff(luma(contrasted).mean({1, 2}), luma(x).mean({1, 2})) < 1e-5);
    const auto saturated = aug::colorJitter(x, 0, 0, 0.8, 0, allOn(4));
    QVERIFY(maxAbsDiff(luma(saturated), luma(x)) < 1e-5);
    QVERIFY(maxAbsDiff(saturated, x) > 1e-3);

    // A hue shift keeps value (max channel) and the min channel, and moves colours.
    const auto shifted = aug::colorJitter(x, 0, 0, 0, 0.5, allOn(4));
    QVERIFY(maxAbsDiff(shifted.amax(1), x.amax(1)) < 1e-5);
    QVERIFY(maxAbsDiff(shifted.amin(1), x.amin(1)) < 1e-5);
    QVERIFY(maxAbsDiff(shifted, x) > 1e-3);
    // RGB -> HSV -> RGB with a negligible shift gives the colours back.
    QVERIFY(maxAbsDiff(aug::colorJitter(x, 0, 0, 0, 1e-7, allOn(4)), x) < 1e-5);

    // One channel: brightness and contrast apply, saturation and hue are ignored.
    const auto mono = torch::rand({4, 1, 8, 8}) * 0.2 + 0.4;
    QVERIFY(torch::equal(aug::colorJitter(mono, 0, 0, 0.8, 0.5, allOn(4)), mono));
    const auto monoJittered = aug::colorJitter(mono, 0.5, 0.5, 0.8, 0.5, allOn(4));
    checkImages(monoJittered, mono.sizes(), "jitter 1 channel");
    QVERIFY(maxAbsDiff(monoJittered, mono) > 1e-3);
  }

  void everyOpKeepsShapeTypeRange_data() {
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("height");
    QTest::newRow("gray square") << 1 << 16;
    QTest::newRow("rgb square") << 3 << 16;
    QTest::newRow("gray wide") << 1 << 12;
    QTest::newRow("rgb wide") << 3 << 12;
  }

  void everyOpKeepsShapeTypeRange() {
    QFETCH(int, channels);
    QFETCH(int, height);
    const auto images = torch::randint(0, 256, {6, channels, height, 16}, torch::kUInt8);
    const auto sizes = images.sizes();
    for (const auto& name : kOpNames) checkImages(aug::apply(images, onlyOp(name, 1.0f, 0.8f)), sizes, name.c_str());
    AugmentConfig all;
    for (auto& entry : all.ops()) *entry.second = {true, 0.7f, 1.0f};
    checkImages(aug::apply(images, all), sizes, "all ops");
    checkImages(aug::apply(images, AugmentConfig::simclr()), sizes, "simclr");
    checkImages(aug::apply(aug::toFloat(images), AugmentConfig::light()), sizes, "light");
    if (height == 16) {
      // The rotated images are the input turned by 90, 180 or 270 degrees.
      const auto x = aug::toFloat(images);
      const auto y = aug::apply(x, onlyOp("rotate", 1.0f, 0.5f));
      for (int64_t i = 0; i < 6; ++i) {
        bool found = false;
        for (int64_t k = 1; k < 4; ++k) found = found || torch::equal(y[i], torch::rot90(x[i], k, {1, 2}));
        QVERIFY(found);
      }
    }
  }

  void probabilityZeroLeavesImagesUntouched() {
    const auto images = torch::randint(0, 256, {5, 3, 16, 16}, torch::kUInt8);
    const auto x = aug::toFloat(images);
    AugmentConfig off;
    for (auto& entry : off.ops()) *entry.second = {true, 0.0f, 1.0f};
    QVERIFY(torch::equal(aug::apply(images, off), x));
    QVERIFY(torch::equal(aug::apply(images, AugmentConfig::none()), x));
    QVERIFY(torch::equal(aug::apply(x, AugmentConfig::none()), x));

    const auto none = allOff(5);
    QVERIFY(torch::equal(aug::sobel(x, none), x));
    QVERIFY(torch::equal(aug::grayscale(x, none), x));
    QVERIFY(torch::equal(aug::hflip(x, none), x));
    QVERIFY(torch::equal(aug::rotate90(x, torch::zeros({5}, torch::kLong)), x));
  }

  void strengthScalesOps() {
    // Cutout: side = strength / 2 of the image side; noise: std = 0.2 strength.
    const auto zeros = torch::zeros({3, 1, 16, 16});
    const auto erased = aug::apply(zeros, onlyOp("cutout", 1.0f, 0.5f)) == 0.5f;
    QVERIFY(torch::equal(erased.sum({1, 2, 3}), torch::full({3}, 16, torch::kLong)));
    const auto gray = torch::full({8, 3, 32, 32}, 0.5f);
    const auto noisy = aug::apply(gray, onlyOp("noise", 1.0f, 0.5f));
    QVERIFY(std::abs((noisy - gray).std().item<double>() - 0.1) < 0.003);
  }

  void probabilityChoosesAFraction() {
    // Tiny two-pixel images [0, 1]: a flipped one reads [1, 0].
    const auto x = torch::tensor({0.0f, 1.0f}).view({1, 1, 1, 2}).expand({4000, 1, 1, 2}).contiguous();
    const auto y = aug::apply(x, onlyOp("flip", 0.3f, 0.5f));
    const double flipped = y.select(3, 0).mean().item<double>();
    QVERIFY2(std::abs(flipped - 0.3) < 0.03, qPrintable(QString::number(flipped)));
  }

  void applyIsSeeded() {
    const auto x = torch::rand({4, 3, 16, 16});
    AugmentConfig config = AugmentConfig::simclr();
    config.rotate = {true, 0.5f, 0.5f};
    config.cutout = {true, 0.5f, 0.5f};
    config.noise = {true, 0.5f, 0.5f};
    torch::manual_seed(7);
    const auto a = aug::apply(x, config);
    torch::manual_seed(7);
    const auto b = aug::apply(x, config);
    torch::manual_seed(8);
    const auto c = aug::apply(x, config);
    QVERIFY(torch::equal(a, b));
    QVERIFY(maxAbsDiff(a, c) > 1e-3);

    // An explicit generator is used instead of the default one.
    auto g1 = at::detail::createCPUGenerator(99);
    auto g2 = at::detail::createCPUGenerator(99);
    torch::manual_seed(1);
    const auto d = aug::apply(x, config, g1);
    torch::manual_seed(2);
    const auto e = aug::apply(x, config, g2);
    QVERIFY(torch::equal(d, e));
    QVERIFY(maxAbsDiff(d, aug::apply(x, config, g1)) > 1e-3);  // the generator advanced
  }

  void twoViewsDiffer() {
    const auto images = torch::randint(0, 256, {4, 3, 16, 16}, torch::kUInt8);
    const auto [v1, v2] = aug::twoViews(images, AugmentConfig::simclr());
    checkImages(v1, images.sizes(), "view 1");
    checkImages(v2, images.sizes(), "view 2");
    for (int64_t i = 0; i < 4; ++i) QVERIFY(maxAbsDiff(v1[i], v2[i]) > 1e-3);
    const auto [m1, m2] = aug::twoViews(images.narrow(1, 0, 1), AugmentConfig::simclr());
    QCOMPARE(m1.size(1), int64_t(1));
    QVERIFY(maxAbsDiff(m1, m2) > 1e-3);
  }

  void normalizePerChannel() {
    auto x = torch::zeros({1, 2, 1, 2});
    x[0][0].fill_(0.5);
    x[0][1].fill_(0.2);
    const auto y = aug::normalize(x, torch::tensor({0.5, 0.1}), torch::tensor({0.25, 0.2}));
    QVERIFY(maxAbsDiff(y[0][0], torch::zeros({1, 2})) < 1e-6);
    QVERIFY(maxAbsDiff(y[0][1], torch::full({1, 2}, 0.5f)) < 1e-6);
    QVERIFY_THROWS_EXCEPTION(c10::Error, aug::normalize(x, torch::tensor({0.5}), torch::tensor({0.25})));
  }

  void previewIsDeterministicAndChecksIndices() {
    pretext::DatasetSpec spec;
    spec.kind = "shapes";
    spec.shapesPerClass = 4;
    const auto ds = pretext::Dataset::load(spec);
    const auto a = pretext::previewAugmentations(ds, {0, 3, 5}, pretext::AugmentConfig::simclr(), 7);
    const auto b = pretext::previewAugmentations(ds, {0, 3, 5}, pretext::AugmentConfig::simclr(), 7);
    QCOMPARE(a.first.size(), std::size_t(3));
    QCOMPARE(a.second.size(), std::size_t(3));
    QVERIFY(a.originals[1].pixels == ds.image(pretext::Split::Train, 3).pixels);
    QVERIFY(a.first[1].pixels == b.first[1].pixels);  // same seed, same pictures
    QVERIFY(a.first[1].pixels != a.second[1].pixels);  // two independent draws
    const auto none = pretext::previewAugmentations(ds, {2}, pretext::AugmentConfig::none(), 1);
    QVERIFY(none.first[0].pixels == none.originals[0].pixels);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range,
                             pretext::previewAugmentations(ds, {ds.size(pretext::Split::Train)},
                                                           pretext::AugmentConfig::simclr(), 1));
  }

  void badInputsThrow() {
    QVERIFY_THROWS_EXCEPTION(c10::Error, aug::apply(torch::rand({3, 8, 8}), AugmentConfig::light()));
    QVERIFY_THROWS_EXCEPTION(c10::Error, aug::hflip(torch::rand({2, 1, 4, 4}), allOn(3)));
    QVERIFY_THROWS_EXCEPTION(c10::Error, aug::rotate90(torch::rand({1, 1, 4, 5}), torch::ones({1}, torch::kLong)));
  }
};

QTEST_APPLESS_MAIN(TstAugment)
#include "tst_augment.moc"

// The pretext-task methods (jigsaw, context prediction, colorization, inpainting): their losses
// and samplers against an independent computation (tests/reference/pretext_tasks_references.py,
// Debian's python3-torch) and facts that hold by hand, bad configurations, and exact resumption.
#include "coretestutil.h"
#include "io/fileutil.h"
#include "methods/colorization.h"
#include "methods/context.h"
#include "methods/inpainting.h"
#include "methods/jigsaw.h"

#include <pretext/methods.h>
#include <pretext/training.h>

#include <filesystem>
#include <set>

using namespace pretext;
using namespace pretext::methods;
namespace fs = std::filesystem;

namespace {

using coretest::fixed;
using coretest::StopAfter;

// Printed by tests/reference/pretext_tasks_references.py.
const int64_t kJigsawRows[5][9] = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, {1, 0, 3, 2, 5, 4, 7, 8, 6}, {2, 3, 0, 1, 6, 7, 8, 4, 5}, {3, 2, 1, 0, 7, 8, 5, 6, 4}, {4, 5, 6, 7, 8, 0, 1, 2, 3}};
const int64_t kJigsawChecksum = 910939;  // sum_n sum_i (n+1)(i+1) P[n][i]
const int64_t kJigsawMinDistance = 6;
const double kLab[6][3] = {{86.737965, -33.217285, 33.881767}, {79.167906, -4.826048, 56.328854}, {63.259183, 28.028443, 55.428279}, {44.472959, 43.446900, 28.376939}, {29.639216, 41.491060, -25.764878}, {31.258892, 39.082985, -64.876727}};
const int64_t kSoftIndex[4][2] = {{2, 0}, {2, 1}, {1, 2}, {1, 0}};
const double kSoftWeight[4][2] = {{0.961214783, 0.038785217}, {0.764965015, 0.235034985}, {0.937028580, 0.062971420}, {0.867701008, 0.132298992}};
const double kSmoothed[5] = {0.396482706, 0.223017112, 0.137425516, 0.149998146, 0.093076521};
const double kRebalance[5] = {0.714820519, 1.007945223, 1.263621324, 1.218229530, 1.454835331};
const double kColorizationLoss = 2.098601251835;
const double kMaskedL2_v0 = 0.393849650810;
const double kMaskedL2_v01 = 0.502525048024;

// An image whose every pixel holds its own index y * side + x (one channel).
torch::Tensor indexImage(int64_t batch, int64_t side) {
  return torch::arange(side * side, torch::kFloat).view({1, 1, side, side}).repeat({batch, 1, 1, 1});
}

MethodContext contextFor(int64_t channels, int64_t side) {
  MethodContext c;
  c.backbone = models::BackboneOptions("convnet", channels, side).width(8);
  c.numClasses = 8;
  c.datasetSize = 64;
  c.augment = AugmentConfig::light();
  c.mean = torch::full({channels}, 0.3);
  c.std = torch::full({channels}, 0.3);
  return c;
}

TrainConfig smallConfig(const std::string& method, const std::string& outDir) {
  TrainConfig c = testrun::shapesRun(method, 16, outDir);  // 128 train, 32 test images of 32x32: 4 steps per epoch
  c.knnK = 20;
  c.knnEveryEpoch = false;
  return c;
}

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol; }

}  // namespace

class TstPretextTasks : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  std::string out(const std::string& name) { return (fs::path(m_tmp.path().toStdString()) / name).string(); }

 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(2); }

  // --- Jigsaw ------------------------------------------------------------------------------------

  void jigsawPermutationsMatchReference() {
    const auto p = maximalHammingPermutations(100);
    QCOMPARE(p.size(0), 100);
    QCOMPARE(p.size(1), 9);
    for (int n = 0; n < 5; ++n)
      for (int i = 0; i < 9; ++i) QCOMPARE(p[n][i].item<int64_t>(), kJigsawRows[n][i]);
    const auto weights = torch::arange(1, 101, torch::kLong).unsqueeze(1) * torch::arange(1, 10, torch::kLong).unsqueeze(0);
    QCOMPARE((p * weights).sum().item<int64_t>(), kJigsawChecksum);
  }

  void jigsawPermutationSetByHand() {
    const auto p = maximalHammingPermutations(100);
    // Row 0 is the identity; every row is a permutation of 0..8.
    QVERIFY(torch::equal(p[0], torch::arange(9, torch::kLong)));
    QVERIFY(torch::equal(std::get<0>(p.sort(1)), torch::arange(9, torch::kLong).expand({100, 9})));
    // All distinct, and the chosen set is farther apart than random sets of the same size.
    const auto d = hammingDistances(p, p) + torch::eye(100, torch::kLong) * 100;
    const int64_t chosenMin = d.min().item<int64_t>();
    QCOMPARE(chosenMin, kJigsawMinDistance);
    torch::manual_seed(0);
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<torch::Tensor> rows;
      for (int n = 0; n < 100; ++n) rows.push_back(torch::randperm(9, torch::kLong));
      const auto r = torch::stack(rows);
      const int64_t randomMin = (hammingDistances(r, r) + torch::eye(100, torch::kLong) * 100).min().item<int64_t>();
      QVERIFY2(chosenMin >= randomMin, (std::to_string(chosenMin) + " < " + std::to_string(randomMin)).c_str());
    }
    // The first rows of a larger set are the smaller set (greedy, deterministic).
    QVERIFY(torch::equal(maximalHammingPermutations(10), p.slice(0, 0, 10)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, maximalHammingPermutations(0));
  }

  void tileGridGeometry() {
    const auto g = TileGrid::make(28, 0.75, "jigsaw");
    QCOMPARE(g.cell, 9);
    QCOMPARE(g.tile, 7);
    QCOMPARE(g.margin, 0);
    const auto g32 = TileGrid::make(32, 0.75, "jigsaw");
    QCOMPARE(g32.cell, 10);
    QCOMPARE(g32.tile, 8);
    QCOMPARE(g32.margin, 1);
    torch::manual_seed(1);
    const auto [top, left] = gridTileCorners(g32, 64, true, torch::kCPU);
    const auto k = torch::arange(9, torch::kLong);
    const auto cellTop = g32.margin + k.div(3, "floor") * g32.cell, cellLeft = g32.margin + (k % 3) * g32.cell;
    // Every tile lies inside its own cell; the jitter uses the whole slack.
    QVERIFY((top >= cellTop).all().item<bool>() && (top + g32.tile <= cellTop + g32.cell).all().item<bool>());
    QVERIFY((left >= cellLeft).all().item<bool>() && (left + g32.tile <= cellLeft + g32.cell).all().item<bool>());
    QCOMPARE((top - cellTop).max().item<int64_t>(), g32.cell - g32.tile);
    QCOMPARE((left - cellLeft).min().item<int64_t>(), 0);
    // Without jitter: centred.
    const auto [t0, l0] = gridTileCorners(g32, 2, false, torch::kCPU);
    QVERIFY(torch::equal(t0[0], cellTop + 1) && torch::equal(l0[1], cellLeft + 1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, TileGrid::make(5, 0.75, "jigsaw"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, TileGrid::make(28, 1.5, "jigsaw"));
  }

  void jigsawTilesReassembleByTheInversePermutation() {
    const int64_t side = 28, b = 4;
    const auto g = TileGrid::make(side, 0.75, "jigsaw");
    const auto images = indexImage(b, side);
    torch::manual_seed(2);
    const auto [top, left] = gridTileCorners(g, b, true, torch::kCPU);
    const auto tiles = extractTiles(images, top, left, g.tile);  // [B, 9, 1, t, t]
    QCOMPARE(tiles.sizes().vec(), (std::vector<int64_t>{b, 9, 1, g.tile, g.tile}));
    // Each tile is the image's block at its corner: value (top + i) * side + (left + j).
    for (int64_t i = 0; i < b; ++i)
      for (int64_t k = 0; k < 9; ++k) {
        const int64_t y = top[i][k].item<int64_t>(), x = left[i][k].item<int64_t>();
        QVERIFY(torch::equal(tiles[i][k][0], images[i][0].slice(0, y, y + g.tile).slice(1, x, x + g.tile)));
      }
    const auto perms = maximalHammingPermutations(100).index_select(0, torch::tensor({0, 7, 42, 99}, torch::kLong));
    const auto shuffled = shuffleTiles(tiles, perms);
    // Position i shows tile perms[i]; the identity leaves the order alone.
    QVERIFY(torch::equal(shuffled[0], tiles[0]));
    for (int64_t i = 0; i < 9; ++i) QVERIFY(torch::equal(shuffled[2][i], tiles[2][perms[2][i].item<int64_t>()]));
    QVERIFY(!torch::equal(shuffled[3], tiles[3]));
    // The inverse permutation puts every tile back, and pasted at its corner it rebuilds the image there.
    const auto back = unshuffleTiles(shuffled, perms);
    QVERIFY(torch::equal(back, tiles));
    auto canvas = torch::full_like(images, -1.0);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t k = 0; k < 9; ++k) {
        const int64_t y = top[i][k].item<int64_t>(), x = left[i][k].item<int64_t>();
        canvas[i][0].slice(0, y, y + g.tile).slice(1, x, x + g.tile).copy_(back[i][k][0]);
      }
    const auto pasted = canvas.ge(0);
    QCOMPARE(pasted.sum().item<int64_t>(), b * 9 * g.tile * g.tile);
    QVERIFY(torch::equal(canvas.masked_select(pasted), images.masked_select(pasted)));
  }

  void jigsawTileNormalization() {
    const auto t = normalizeEachTile(fixed(6, 16, 0.3).view({2, 3, 4, 4}) * 5.0 + 2.0);
    QVERIFY(t.mean({2, 3}).abs().max().item<double>() < 1e-5);
    QVERIFY((t.std(std::vector<int64_t>{2, 3}, false) - 1.0).abs().max().item<double>() < 1e-4);
    // A flat tile stays flat (0) instead of dividing by zero.
    QVERIFY(torch::equal(normalizeEachTile(torch::ones({1, 1, 3, 3})), torch::zeros({1, 1, 3, 3})));
  }

  // --- Context prediction ------------------------------------------------------------------------

  void contextLabelsMatchTheNeighbourOffset() {
    const int64_t side = 32, b = 256;
    const auto g = TileGrid::make(side, 0.75, "context");
    torch::manual_seed(3);
    const auto images = indexImage(b, side);
    const auto pairs = contextPairs(images, g);
    QCOMPARE(pairs.tiles.sizes().vec(), (std::vector<int64_t>{b, 2, 1, g.tile, g.tile}));
    // The offset of the neighbour's cell from the centre cell, by label, as in the paper's fig. 2.
    const int dy[8] = {-1, -1, -1, 0, 0, 1, 1, 1}, dx[8] = {-1, 0, 1, -1, 1, -1, 0, 1};
    std::set<int64_t> seen;
    for (int64_t i = 0; i < b; ++i) {
      const int64_t label = pairs.labels[i].item<int64_t>();
      seen.insert(label);
      int64_t cell[2][2];
      for (int t = 0; t < 2; ++t) {
        const auto tile = pairs.tiles[i][t][0];
        const int64_t v = tile[0][0].item<int64_t>(), y = v / side, x = v % side;
        // A contiguous block of the image (rows of `side`, unit steps inside a row).
        QCOMPARE(tile[g.tile - 1][g.tile - 1].item<int64_t>(), v + (g.tile - 1) * (side + 1));
        cell[t][0] = (y - g.margin) / g.cell;
        cell[t][1] = (x - g.margin) / g.cell;
        // Inside that cell entirely.
        QVERIFY(y + g.tile <= g.margin + (cell[t][0] + 1) * g.cell && x + g.tile <= g.margin + (cell[t][1] + 1) * g.cell);
      }
      QCOMPARE(cell[0][0], 1);
      QCOMPARE(cell[0][1], 1);
      QCOMPARE(cell[1][0] - 1, int64_t(dy[label]));
      QCOMPARE(cell[1][1] - 1, int64_t(dx[label]));
    }
    QCOMPARE(int(seen.size()), 8);
    QVERIFY(torch::equal(neighbourCell(torch::arange(8, torch::kLong)), torch::tensor({0, 1, 2, 3, 5, 6, 7, 8}, torch::kLong)));
  }

  // --- Colorization ------------------------------------------------------------------------------

  void rgbToLabKnownValues() {
    const auto rgb = torch::tensor({1.0f, 1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 1.0f})
                         .view({5, 3}).t().contiguous().view({1, 3, 5, 1});
    const auto lab = rgbToLab(rgb)[0].squeeze(-1).t();  // [5, 3]
    auto check = [&](int i, double l, double a, double b) {
      QVERIFY2(near(lab[i][0].item<double>(), l, 0.01) && near(lab[i][1].item<double>(), a, 0.01) &&
                   near(lab[i][2].item<double>(), b, 0.01),
               c10::str(lab[i]).c_str());
    };
    check(0, 100.0, 0.0, 0.0);       // white
    check(1, 53.24, 80.09, 67.20);   // pure red
    check(2, 0.0, 0.0, 0.0);         // black
    check(3, 87.73, -86.18, 83.18);  // pure green
    check(4, 32.30, 79.19, -107.86); // pure blue
    // Grays have no chroma.
    const auto gray = rgbToLab(torch::full({1, 3, 2, 2}, 0.37f));
    QVERIFY(gray.slice(1, 1, 3).abs().max().item<double>() < 1e-3);
  }

  void rgbToLabMatchesReference() {
    const auto colours = ((fixed(6, 3, 0.5) + 1.3) / 2.6).clamp(0, 1);  // [6, 3]
    const auto lab = rgbToLab(colours.t().contiguous().view({1, 3, 6, 1}))[0].squeeze(-1).t();
    for (int i = 0; i < 6; ++i)
      for (int c = 0; c < 3; ++c) QVERIFY2(near(lab[i][c].item<double>(), kLab[i][c], 2e-3), c10::str(lab[i]).c_str());
  }

  void abBinsCoverTheGamut() {
    const auto bins = abGamutBins(10.0);
    const int64_t q = bins.centres.size(0);
    // The paper keeps 313 bins of side 10; the sampled sRGB gamut gives about as many.
    QVERIFY2(q > 250 && q < 340, std::to_string(q).c_str());
    QVERIFY((bins.centres.remainder(10.0).abs() < 1e-4).all().item<bool>());  // centred on multiples of 10
    // Any colour lands in a kept bin whose centre is within half a cell per axis.
    torch::manual_seed(4);
    const auto rgb = torch::rand({1, 3, 64, 64});
    const auto ab = rgbToLab(rgb).slice(1, 1, 3).permute({0, 2, 3, 1}).reshape({-1, 2});
    const auto idx = quantizeAb(ab, bins, 10.0);
    QVERIFY(((bins.centres.index_select(0, idx) - ab).abs() <= 5.0 + 1e-3).all().item<bool>());
    // Out-of-gamut ab values get the nearest kept bin.
    const auto far = torch::tensor({{300.0f, -300.0f}});
    const auto nearest = ((bins.centres - far).pow(2).sum(1)).argmin();
    QCOMPARE(quantizeAb(far, bins, 10.0)[0].item<int64_t>(), nearest.item<int64_t>());
  }

  void softEncodingMatchesReference() {
    const auto centres = torch::tensor({0.0f, 0.0f, 10.0f, 0.0f, 0.0f, 10.0f, 20.0f, 20.0f, -10.0f, 0.0f}).view({5, 2});
    const auto [idx, w] = softEncodeAb(12.0 * fixed(4, 2, 0.1), centres, 2, 5.0);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 2; ++j) {
        QCOMPARE(idx[i][j].item<int64_t>(), kSoftIndex[i][j]);
        QVERIFY(near(w[i][j].item<double>(), kSoftWeight[i][j], 1e-6));
      }
    // k = 1 is the hard one-hot target; a value on a centre puts all its weight there.
    const auto [i1, w1] = softEncodeAb(torch::tensor({{10.0f, 0.0f}}), centres, 1, 5.0);
    QCOMPARE(i1[0][0].item<int64_t>(), 1);
    QCOMPARE(w1[0][0].item<float>(), 1.0f);
  }

  void rebalancingWeightsMatchReference() {
    const auto centres = torch::tensor({0.0f, 0.0f, 10.0f, 0.0f, 0.0f, 10.0f, 20.0f, 20.0f, -10.0f, 0.0f}).view({5, 2});
    const auto p = torch::tensor({0.5f, 0.2f, 0.1f, 0.15f, 0.05f});
    const auto [smoothed, w] = rebalancingWeights(p, centres, 0.5, 5.0);
    for (int q = 0; q < 5; ++q) {
      QVERIFY(near(smoothed[q].item<double>(), kSmoothed[q], 1e-6));
      QVERIFY(near(w[q].item<double>(), kRebalance[q], 1e-5));
    }
    // By hand: the expected weight is 1; rare colours weigh more; lambda 1 gives uniform weights.
    QVERIFY(near((smoothed * w).sum().item<double>(), 1.0, 1e-6));
    QVERIFY(w[4].item<double>() > w[0].item<double>());
    QVERIFY((std::get<1>(rebalancingWeights(p, centres, 1.0, 5.0)) - 1.0).abs().max().item<double>() < 1e-6);
  }

  void colorizationLossMatchesReference() {
    const auto logits = 3.0 * fixed(6, 5, 0.3);
    const auto p = torch::arange(6, torch::kLong);
    const auto idx = torch::stack({p % 5, (p + 2) % 5}, 1);
    const auto w = torch::tensor({0.7f, 0.3f}).expand({6, 2});
    const auto cw = 0.5 + 0.1 * torch::arange(5, torch::kFloat);
    QVERIFY(near(colorizationLoss(logits, idx, w, cw).item<double>(), kColorizationLoss, 1e-5));
    // By hand: a confident right answer costs nothing; uniform logits cost log Q (times the mean v).
    const auto hard = idx.slice(1, 0, 1).contiguous();
    const auto one = torch::ones({6, 1});
    const auto sure = torch::one_hot(hard.squeeze(1), 5).to(torch::kFloat) * 100.0;
    QVERIFY(colorizationLoss(sure, hard, one, cw).item<double>() < 1e-6);
    const double meanV = cw.index_select(0, hard.squeeze(1)).mean().item<double>();
    QVERIFY(near(colorizationLoss(torch::zeros({6, 5}), hard, one, cw).item<double>(), meanV * std::log(5.0), 1e-5));
  }

  void colorizationNeedsColourAndEstimatesItsPrior() {
    try {
      ColorizationImpl gray(contextFor(1, 28));
      QFAIL("a one-channel dataset was accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(std::string(e.what()).find("colour") != std::string::npos, e.what());
    }
    ColorizationImpl method(contextFor(3, 32));
    QVERIFY(!method.priorEstimated());
    QVERIFY(torch::equal(method.classWeights(), torch::ones_like(method.classWeights())));
    // Mostly red images with a gray border: red's bin is common, so it weighs less than gray's.
    auto images = torch::zeros({4, 3, 32, 32}, torch::kUInt8);
    images.fill_(128);
    images.slice(2, 4, 28).slice(3, 4, 28).select(1, 0).fill_(255);
    images.slice(2, 4, 28).slice(3, 4, 28).slice(1, 1, 3).fill_(0);
    method.beginEpoch(0, images);
    QVERIFY(method.priorEstimated());
    const auto bins = AbBins{method.binCentres(), abGamutBins(10.0).lookup, abGamutBins(10.0).radius};
    const int64_t red = quantizeAb(torch::tensor({{80.09f, 67.20f}}), bins, 10.0)[0].item<int64_t>();
    const int64_t gray = quantizeAb(torch::tensor({{0.0f, 0.0f}}), bins, 10.0)[0].item<int64_t>();
    const auto w = method.classWeights();
    QVERIFY(w[red].item<double>() < w[gray].item<double>());
    QVERIFY(near((method.binPrior() * w).sum().item<double>(), 1.0, 1e-5));
    QVERIFY(method.binPrior()[red].item<double>() > 0.3);
    // A later epoch keeps the estimate (it is state, checkpointed with the weights).
    const auto before = w.clone();
    method.beginEpoch(1, torch::zeros({4, 3, 32, 32}, torch::kUInt8));
    QVERIFY(torch::equal(method.classWeights(), before));
  }

  // --- Inpainting --------------------------------------------------------------------------------

  void maskedL2MatchesReference() {
    const auto pred = fixed(16, 4, 0.2).view({2, 2, 4, 4}), target = fixed(16, 4, 1.1).view({2, 2, 4, 4});
    auto mask = torch::zeros({2, 1, 4, 4});
    for (int64_t b = 0; b < 2; ++b) mask[b][0].slice(0, 1, 3).slice(1, b, b + 2).fill_(1.0);
    QVERIFY(near(maskedL2Loss(pred, target, mask, 0.0).item<double>(), kMaskedL2_v0, 1e-6));
    QVERIFY(near(maskedL2Loss(pred, target, mask, 0.1).item<double>(), kMaskedL2_v01, 1e-6));
    // By hand: perfect inside the hole -> 0; what happens outside does not count at weight 0.
    auto perfect = target.clone();
    QCOMPARE(maskedL2Loss(perfect, target, mask, 0.0).item<double>(), 0.0);
    auto outside = target + (1.0 - mask) * 7.0;
    QCOMPARE(maskedL2Loss(outside, target, mask, 0.0).item<double>(), 0.0);
    QVERIFY(near(maskedL2Loss(pred + (1.0 - mask) * 3.0, target, mask, 0.0).item<double>(), kMaskedL2_v0, 1e-6));
    // Predicting the (normalised) mean 0 for a target of ones costs exactly 1 per hidden value.
    QVERIFY(near(maskedL2Loss(torch::zeros({2, 2, 4, 4}), torch::ones({2, 2, 4, 4}), mask, 0.0).item<double>(), 1.0, 1e-6));
  }

  void inpaintingMasksByHand() {
    // Central: a quarter of the area -> a 14x14 square in the middle of 28x28.
    const auto central = inpaintingMask(3, 28, InpaintingMask::CentralSquare, 0.25, torch::kCPU);
    QCOMPARE(central.sizes().vec(), (std::vector<int64_t>{3, 1, 28, 28}));
    QVERIFY(torch::equal(central.sum({1, 2, 3}), torch::full({3}, 196.0f)));
    QCOMPARE(central[0][0].slice(0, 7, 21).slice(1, 7, 21).min().item<float>(), 1.0f);
    torch::manual_seed(5);
    const auto square = inpaintingMask(64, 32, InpaintingMask::RandomSquare, 0.25, torch::kCPU);
    QVERIFY(torch::equal(square.sum({1, 2, 3}), torch::full({64}, 256.0f)));  // wholly inside
    QVERIFY(!torch::equal(square[0], square[1]) || !torch::equal(square[1], square[2]));
    const auto blocks = inpaintingMask(64, 32, InpaintingMask::RandomBlocks, 0.25, torch::kCPU);
    const auto area = blocks.sum({1, 2, 3});
    QVERIFY((area <= 256.0).all().item<bool>() && (area >= 64.0).all().item<bool>());
  }

  // --- All four ----------------------------------------------------------------------------------

  void badConfigurationsThrow() {
    for (const char* name : {"jigsaw", "context", "inpainting", "colorization"}) {
      MethodContext vit = contextFor(3, 32);
      vit.backbone = models::BackboneOptions("vit", 3, 32).vitDim(32).vitDepth(1).vitHeads(2);
      try {
        makeMethod(name, vit);
        QFAIL("the ViT was accepted");
      } catch (const std::invalid_argument& e) {
        QVERIFY2(std::string(e.what()).find("convolutional backbone") != std::string::npos, e.what());
      }
      // ResNet works.
      MethodContext resnet = contextFor(3, 32);
      resnet.backbone = models::BackboneOptions("resnet18", 3, 32).width(4);
      QVERIFY(makeMethod(name, resnet) != nullptr);
    }
    auto with = [](const std::string& option, double value) {
      MethodContext c = contextFor(3, 32);
      c.options[option] = value;
      return c;
    };
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("jigsaw", with("permutations", 1)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("jigsaw", with("permutations", 10.5)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("jigsaw", with("tile", 0.0)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("jigsaw", with("tile-norm", 2)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("context", with("patch", 1.2)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("context", with("patch-resize", -1)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("inpainting", with("mask", 3)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("inpainting", with("mask-fraction", 1.0)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("inpainting", with("visible-weight", -0.5)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("inpainting", with("stage", 6)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("colorization", with("grid", 1)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("colorization", with("lambda", 1.5)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("colorization", with("soft-k", 0)));
    // Fashion-MNIST-sized images too small for a grid are refused with the reason.
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeMethod("jigsaw", contextFor(1, 5)));
  }

  void everyMethodStepsOnEveryStage() {
    // The decoders fit every conv stage's feature map (sides 14, 7 for 28x28; 16, 8 for 32x32).
    torch::manual_seed(6);
    Batch batch;
    batch.images = torch::randint(0, 256, {4, 3, 32, 32}, torch::kUInt8);
    batch.labels = torch::zeros({4}, torch::kLong);
    batch.indices = torch::arange(4, torch::kLong);
    for (const char* name : {"inpainting", "colorization"}) {
      for (int stage = 1; stage <= 5; ++stage) {
        MethodContext c = contextFor(3, 32);
        c.options["stage"] = stage;
        const auto out = makeMethod(name, c)->step(batch);
        QVERIFY2(std::isfinite(out.loss.item<double>()), name);
      }
    }
    for (int resize : {0, 16, 32}) {
      MethodContext c = contextFor(3, 32);
      c.options["tile-resize"] = resize;
      QVERIFY(std::isfinite(makeMethod("jigsaw", c)->step(batch).loss.item<double>()));
    }
  }

  void stopAndResumeAreExact() {
    // For each method, A: two epochs straight; B: stopped in the middle of the second, then resumed.
    for (const std::string name : {"jigsaw", "context", "inpainting", "colorization"}) {
      const std::string a = out(name + "-a"), b = out(name + "-b");
      {
        TrainConfig c = smallConfig(name, a);
        Trainer t(c, Dataset::load(c.dataset));
        QVERIFY2(t.run().status == RunStatus::Finished, name.c_str());
      }
      {
        TrainConfig c = smallConfig(name, b);
        Trainer t(c, Dataset::load(c.dataset));
        StopAfter obs;
        obs.trainer = &t;
        obs.after = 4 + 2;  // stop after step 2 of epoch 2
        QVERIFY(t.run(&obs).status == RunStatus::Stopped);
      }
      auto resumed = Trainer::resume(b);
      QCOMPARE(resumed->startEpoch(), 1);
      StopAfter rest;
      QVERIFY(resumed->run(&rest).status == RunStatus::Finished);
      QCOMPARE(int(rest.losses.size()), 2);
      const auto ma = io::readTextFile(a + "/metrics.csv"), mb = io::readTextFile(b + "/metrics.csv");
      auto lastLoss = [](const std::string& csv) {  // the loss column of the last step row
        const auto row = csv.rfind("\nstep,");
        std::size_t at = row;
        for (int comma = 0; comma < 5; ++comma) at = csv.find(',', at + 1);
        return csv.substr(at + 1, csv.find(',', at + 1) - at - 1);
      };
      QVERIFY2(lastLoss(ma) == lastLoss(mb), (name + ": " + lastLoss(ma) + " vs " + lastLoss(mb)).c_str());
      auto ra = Trainer::resume(a), rb = Trainer::resume(b);
      QCOMPARE(ra->knnAccuracy(5, 0.07), rb->knnAccuracy(5, 0.07));
    }
  }
};

QTEST_APPLESS_MAIN(TstPretextTasks)
#include "tst_pretext_tasks.moc"

// "Why are these two neighbours?" (eval/similaritymap.h) and pictures from outside the dataset as
// queries (pretext/imagefile.h): the similarity's gradient against central finite differences on
// tiny networks in double precision, the Grad-CAM map against its formula written out, the maps of
// an Evaluator on a shapes run (similarity against the encoder's own forward pass, swapping the
// pair, identical images, occlusion), and the conversion of a picture against OpenCV directly, a
// hand-made case and the image-folder reader.
#include "coretestutil.h"
#include "datasets/datasetdata.h"
#include "eval/features.h"
#include "eval/similaritymap.h"
#include "io/fileutil.h"
#include "models/backbone.h"
#include "models/layers.h"
#include "models/vit.h"
#include "run/model.h"

#include <pretext/evaluation.h>
#include <pretext/imagefile.h>
#include <pretext/training.h>

#include <QTemporaryDir>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

#include <filesystem>
#include <functional>

using namespace pretext;
namespace fs = std::filesystem;

namespace {

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a * b).sum().item<double>() / std::sqrt((a * a).sum().item<double>() * (b * b).sum().item<double>());
}

// Central differences of cos(rest(A)[0], rest(A)[1]) with respect to every entry of A, in double.
torch::Tensor finiteDifferences(const torch::Tensor& activations, const std::function<torch::Tensor(torch::Tensor)>& rest,
                                double eps) {
  torch::NoGradGuard noGrad;
  auto a = activations.clone();
  auto flat = a.view({-1});
  auto grad = torch::zeros_like(a);
  auto gflat = grad.view({-1});
  auto sim = [&] {
    const auto z = rest(a);
    return cosine(z[0], z[1]);
  };
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double v = flat[i].item<double>();
    flat[i] = v + eps;
    const double up = sim();
    flat[i] = v - eps;
    const double down = sim();
    flat[i] = v;
    gflat[i] = (up - down) / (2 * eps);
  }
  return grad;
}

void compareGradients(const torch::Tensor& analytic, const torch::Tensor& numeric) {
  QVERIFY(analytic.sizes() == numeric.sizes());
  const auto a = analytic.flatten(), n = numeric.flatten();
  const double scale = n.abs().max().item<double>();
  QVERIFY2(scale > 1e-6, "the finite differences are all zero: nothing was tested");
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a[i].item<double>(), y = n[i].item<double>();
    QVERIFY2(std::abs(x - y) <= 1e-7 + 1e-5 * scale,
             (std::to_string(i) + ": autograd " + std::to_string(x) + ", finite differences " + std::to_string(y)).c_str());
  }
}

// Grad-CAM written out with loops: w[b][c] = mean over positions of G, map = max(0, sum_c w A).
torch::Tensor gradCamByLoops(const torch::Tensor& a, const torch::Tensor& g) {
  const int64_t B = a.size(0), C = a.size(1), H = a.size(2), W = a.size(3);
  auto out = torch::zeros({B, H, W}, torch::kDouble);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t c = 0; c < C; ++c) {
      double w = 0;
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) w += g[b][c][y][x].item<double>();
      w /= double(H * W);
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) out[b][y][x] += w * a[b][c][y][x].item<double>();
    }
  }
  return out.clamp_min(0);
}

TrainConfig shapesConfig(const std::string& outDir) {
  TrainConfig c = testrun::shapesRun("simclr", 24, outDir);  // 192 train, 48 test images of 32x32
  c.epochs = 2;
  c.device = "cpu";
  c.knnEveryEpoch = false;
  c.knnBf16 = false;  // float features, so that brute force in float agrees to 1e-5
  return c;
}

// Pixels of a square around (cx, cy) set to the image's mean colour.
Image occlude(const Image& image, int cx, int cy, int side) {
  Image out = image;
  std::vector<double> mean(std::size_t(image.channels), 0.0);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) mean[i % std::size_t(image.channels)] += image.pixels[i];
  for (auto& m : mean) m /= double(image.width) * image.height;
  const int x0 = std::clamp(cx - side / 2, 0, image.width - side), y0 = std::clamp(cy - side / 2, 0, image.height - side);
  for (int y = y0; y < y0 + side; ++y)
    for (int x = x0; x < x0 + side; ++x)
      for (int c = 0; c < image.channels; ++c) out.at(x, y)[c] = std::uint8_t(std::lround(mean[std::size_t(c)]));
  return out;
}

// Where a map is largest and smallest (on a grid of block x block cells, the mean over each cell).
std::pair<std::pair<int, int>, std::pair<int, int>> extremeCells(const std::vector<float>& map, int width, int height, int block) {
  double best = -1, worst = 1e9;
  std::pair<int, int> hi{0, 0}, lo{0, 0};
  for (int y0 = 0; y0 + block <= height; y0 += block / 2) {
    for (int x0 = 0; x0 + block <= width; x0 += block / 2) {
      double s = 0;
      for (int y = y0; y < y0 + block; ++y)
        for (int x = x0; x < x0 + block; ++x) s += map[std::size_t(y) * width + x];
      if (s > best) best = s, hi = {x0 + block / 2, y0 + block / 2};
      if (s < worst) worst = s, lo = {x0 + block / 2, y0 + block / 2};
    }
  }
  return {hi, lo};
}

}  // namespace

class TstSimilarity : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  std::string m_run;

  std::string out(const std::string& name) { return (fs::path(m_tmp.path().toStdString()) / name).string(); }

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(2);
    QVERIFY(m_tmp.isValid());
  }

  void convnetGradientMatchesFiniteDifferences() {
    torch::manual_seed(3);
    auto bb = models::makeBackbone(models::BackboneOptions("convnet", 1, 12).width(2));
    bb->to(torch::kDouble);
    // Running statistics other than the initial 0 and 1, so that the folded BatchNorm matters.
    for (auto& buffer : bb->named_buffers()) {
      if (buffer.key().find("running_mean") != std::string::npos) buffer.value().uniform_(-0.2, 0.2);
      if (buffer.key().find("running_var") != std::string::npos) buffer.value().uniform_(0.5, 2.0);
    }
    bb->eval();
    const auto pair = torch::randn({2, 1, 12, 12}, torch::kDouble);
    const auto g = eval::similarityGradient(*bb, pair, "conv3");
    QVERIFY(g.activations.sizes() == torch::IntArrayRef({2, 8, 3, 3}));
    auto children = bb->named_children();
    auto* conv4 = children["conv4"]->as<models::ConvBnRelu>();
    auto* conv5 = children["conv5"]->as<models::ConvBnRelu>();
    QVERIFY(conv4 && conv5);
    // The rest of the network after conv3, written out from its layers.
    auto rest = [&](torch::Tensor a) { return conv5->forward(conv4->forward(a)).mean({2, 3}); };
    {
      torch::NoGradGuard noGrad;
      const auto z = bb->forward(pair);
      QVERIFY(std::abs(g.similarity.item<double>() - cosine(z[0], z[1])) < 1e-12);
      QVERIFY(torch::allclose(rest(g.activations), z, 1e-12, 1e-12));
    }
    compareGradients(g.gradients, finiteDifferences(g.activations, rest, 1e-6));
    // The map from the gradients by the formula, with loops.
    const auto map = eval::gradCamMaps(g.activations, g.gradients);
    QVERIFY(torch::allclose(map, gradCamByLoops(g.activations, g.gradients), 1e-12, 1e-14));
    QVERIFY(map.max().item<double>() > 0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, eval::similarityGradient(*bb, pair, "conv9"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, eval::similarityGradient(*bb, pair.slice(0, 0, 1), "conv3"));
  }

  void vitGradientMatchesFiniteDifferences() {
    torch::manual_seed(4);
    auto bb = models::makeBackbone(
        models::BackboneOptions("vit", 1, 8).patchSize(4).vitDim(8).vitDepth(2).vitHeads(2));
    bb->to(torch::kDouble);
    bb->eval();
    const auto pair = torch::randn({2, 1, 8, 8}, torch::kDouble);
    const auto g = eval::similarityGradient(*bb, pair, "block1");
    QVERIFY(g.activations.sizes() == torch::IntArrayRef({2, 5, 8}));  // [CLS] + 2 x 2 patches
    auto children = bb->named_children();
    auto* block2 = children["block2"]->as<models::VitBlock>();
    auto* norm = children["norm"]->as<torch::nn::LayerNorm>();
    QVERIFY(block2 && norm);
    auto rest = [&](torch::Tensor a) { return norm->forward(block2->forward(a).select(1, 0)); };
    {
      torch::NoGradGuard noGrad;
      const auto z = bb->forward(pair);
      QVERIFY(std::abs(g.similarity.item<double>() - cosine(z[0], z[1])) < 1e-12);
    }
    compareGradients(g.gradients, finiteDifferences(g.activations, rest, 1e-6));
    // Patch tokens on their grid, [CLS] left out: the loops on [B, D, 2, 2].
    const auto map = eval::gradCamMaps(g.activations, g.gradients);
    QVERIFY(map.sizes() == torch::IntArrayRef({2, 2, 2}));
    const auto asMaps = [](const torch::Tensor& t) { return t.slice(1, 1).transpose(1, 2).reshape({2, 8, 2, 2}); };
    QVERIFY(torch::allclose(map, gradCamByLoops(asMaps(g.activations), asMaps(g.gradients)), 1e-12, 1e-14));
  }

  void evaluatorSimilarityMaps() {
    m_run = out("run-simclr");
    {
      TrainConfig c = shapesConfig(m_run);
      Trainer t(c, Dataset::load(c.dataset));
      QVERIFY(t.run().status == RunStatus::Finished);
    }
    Evaluator ev(m_run, "cpu");
    const auto& ds = ev.dataset();
    // The encoder as the run folder holds it, built here without the Evaluator.
    const TrainConfig config = configFromJson(io::readTextFile(io::joinPath(m_run, "config.json")));
    auto model = buildModel(config, ds, torch::kCPU);
    loadModelWeights(*model, io::joinPath(io::joinPath(m_run, "checkpoints"), "last.pt"));
    model->backbone().eval();
    auto embed = [&](const Image& image) {
      torch::NoGradGuard noGrad;
      return model->backbone().forward(eval::normaliseImages(imageToTensor(image).unsqueeze(0), model->mean, model->std,
                                                             torch::kCPU))[0];
    };

    const auto queries = ev.sampleTestImages(8);
    const auto nbs = ev.neighbours(queries, 1);
    double dropHigh = 0, dropLow = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const Image q = ds.image(Split::Test, queries[i]), n = ds.image(Split::Train, nbs[i].indices[0]);
      const auto m = ev.similarityMaps(q, n, "", 2);
      QCOMPARE(m.stage, std::string("conv5"));
      QCOMPARE(m.width, 32);
      QCOMPARE(m.height, 32);
      QCOMPARE(int(m.query.size()), 32 * 32);
      QCOMPARE(m.queryOverlay.width, 64);
      QCOMPARE(m.neighbourOverlay.height, 64);
      QVERIFY(std::abs(m.similarity - cosine(embed(q), embed(n))) < 1e-5);
      QVERIFY(std::abs(m.similarity - nbs[i].similarities[0]) < 1e-4);  // the retrieval's own similarity
      for (const auto* map : {&m.query, &m.neighbour}) {
        const auto [lo, hi] = std::minmax_element(map->begin(), map->end());
        QVERIFY(*lo >= 0.0f);
        QVERIFY(std::abs(*hi - 1.0f) < 1e-6);
      }
      // Swapping the pair swaps the maps.
      const auto swapped = ev.similarityMaps(n, q, "conv5", 1);
      QVERIFY(std::abs(swapped.similarity - m.similarity) < 1e-6);
      for (std::size_t p = 0; p < m.query.size(); ++p) {
        QVERIFY(std::abs(swapped.neighbour[p] - m.query[p]) < 1e-4);
        QVERIFY(std::abs(swapped.query[p] - m.neighbour[p]) < 1e-4);
      }
      // Hiding the region the neighbour's map marks costs more similarity than hiding the one it
      // marks least (summed over the pairs: Grad-CAM is a first-order account).
      const auto [high, low] = extremeCells(m.neighbour, 32, 32, 10);
      dropHigh += m.similarity - cosine(embed(q), embed(occlude(n, high.first, high.second, 10)));
      dropLow += m.similarity - cosine(embed(q), embed(occlude(n, low.first, low.second, 10)));
    }
    qInfo("similarity lost by occluding the marked regions %.4f, the unmarked ones %.4f (8 pairs)", dropHigh, dropLow);
    QVERIFY(dropHigh > dropLow);
    QVERIFY(dropHigh > 0);

    // Identical images: the similarity is 1, its gradient 0, no region raises it.
    const Image same = ds.image(Split::Test, queries[0]);
    const auto m = ev.similarityMaps(same, same);
    QVERIFY(std::abs(m.similarity - 1.0) < 1e-6);
    for (std::size_t p = 0; p < m.query.size(); ++p) QVERIFY(m.query[p] == 0.0f && m.neighbour[p] == 0.0f);
    QVERIFY(m.query == m.neighbour);
    // A conv stage by name; unknown stages and other sizes are refused with what to do.
    QCOMPARE(ev.similarityMaps(same, ds.image(Split::Train, 0), "conv3").stage, std::string("conv3"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ev.similarityMaps(same, same, "layer9"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ev.similarityMaps(Image(28, 28, 1), same));
  }

  void ownImageQueries() {
    QVERIFY(!m_run.empty());
    Evaluator ev(m_run, "cpu");
    const auto& ds = ev.dataset();
    // A test image given as a picture finds what the dataset query finds.
    const auto queries = ev.sampleTestImages(4);
    const auto expected = ev.neighbours(queries, 5);
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const auto nb = ev.neighboursOfImage(ds.image(Split::Test, queries[i]), 5);
      QCOMPARE(nb.query, std::int64_t(-1));
      QVERIFY(nb.indices == expected[i].indices);
      for (std::size_t j = 0; j < nb.similarities.size(); ++j)
        QVERIFY(std::abs(nb.similarities[j] - expected[i].similarities[j]) < 1e-5);
    }
    // Brute force: every training image's similarity to a picture that is not in the dataset.
    Image picture(50, 40, 3);
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 50; ++x)
        for (int c = 0; c < 3; ++c) picture.at(x, y)[c] = std::uint8_t((x * 5 + y * 3 * (c + 1)) % 256);
    const Image query = ev.conformToDataset(picture);
    QCOMPARE(query.width, 32);
    QCOMPARE(query.channels, 3);
    const auto nb = ev.neighboursOfImage(query, 3);
    const auto train = ds.data().find(Split::Train)->images;
    const TrainConfig config = configFromJson(io::readTextFile(io::joinPath(m_run, "config.json")));
    auto model = buildModel(config, ds, torch::kCPU);
    loadModelWeights(*model, io::joinPath(io::joinPath(m_run, "checkpoints"), "last.pt"));
    model->backbone().eval();
    torch::NoGradGuard noGrad;
    auto unitOf = [&](const torch::Tensor& images) {
      const auto f = model->backbone().forward(eval::normaliseImages(images, model->mean, model->std, torch::kCPU));
      return f / f.norm(2, 1, true);
    };
    const auto sims = torch::mv(unitOf(train), unitOf(imageToTensor(query).unsqueeze(0))[0]);
    const auto order = sims.argsort(0, /*descending=*/true);
    for (int j = 0; j < 3; ++j) {
      QVERIFY(std::abs(nb.similarities[std::size_t(j)] - sims[order[j]].item<double>()) < 1e-4);
      QCOMPARE(nb.labels[std::size_t(j)], int(ds.data().find(Split::Train)->labels[nb.indices[std::size_t(j)]].item<int64_t>()));
    }
    // Attention maps of a picture: as of the same image taken from the dataset.
    const Image a = ev.attentionMapsOf({ds.image(Split::Test, queries[0])}, {"x"}, {"conv1", "conv3"});
    const Image b = ev.attentionMaps({queries[0]}, {"conv1", "conv3"});
    QCOMPARE(a.width, b.width);
    QCOMPARE(a.height, b.height);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ev.neighboursOfImage(picture, 3));
  }

  void conformImageByHand() {
    // A 2N x N picture: quarters red | green green | blue. At size N the shorter side keeps its
    // size and the centre square is the green half.
    const int n = 16;
    Image wide(2 * n, n, 3);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < 2 * n; ++x) {
        const int part = x < n / 2 ? 0 : (x < 3 * n / 2 ? 1 : 2);
        wide.at(x, y)[part] = 200;
        wide.at(x, y)[(part + 1) % 3] = std::uint8_t(x + y);
      }
    const Image rgb = conformImage(wide, 3, n);
    QCOMPARE(rgb.width, n);
    QCOMPARE(rgb.height, n);
    QCOMPARE(rgb.channels, 3);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x)
        for (int c = 0; c < 3; ++c) QCOMPARE(rgb.at(x, y)[c], wide.at(x + n / 2, y)[c]);
    // Gray: 0.299 R + 0.587 G + 0.114 B, rounded (OpenCV's fixed point may differ by one).
    const Image gray = conformImage(wide, 1, n);
    QCOMPARE(gray.channels, 1);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const auto* p = wide.at(x + n / 2, y);
        QVERIFY(std::abs(gray.at(x, y)[0] - (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])) <= 1.0);
      }
    // A gray picture made RGB repeats its value.
    const Image back = conformImage(gray, 3, n);
    for (int i = 0; i < n * n; ++i) QVERIFY(back.pixels[3 * i] == gray.pixels[i] && back.pixels[3 * i + 2] == gray.pixels[i]);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, conformImage(Image(), 1, n));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, conformImage(wide, 2, n));
  }

  void conformImageAgainstOpenCv() {
#ifndef PRETEXT_HAVE_OPENCV
    QSKIP("this build has no OpenCV: pictures from outside a dataset cannot be converted");
#else
    // A tall photo-like picture made smaller (area averaging) and a small one made larger (bilinear),
    // against OpenCV called directly: cvtColor, resize of the shorter side, centre crop.
    for (const auto& [w, h, size] : std::vector<std::tuple<int, int, int>>{{45, 70, 28}, {13, 10, 32}}) {
      cv::Mat bgr(h, w, CV_8UC3);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 7 % 256), uchar(y * 11 % 256), uchar((x * y) % 256));
      cv::Mat rgbMat;
      cv::cvtColor(bgr, rgbMat, cv::COLOR_BGR2RGB);
      Image picture(w, h, 3);
      std::memcpy(picture.pixels.data(), rgbMat.data, picture.pixels.size());
      for (const int channels : {1, 3}) {
        cv::Mat ref;
        if (channels == 1) cv::cvtColor(rgbMat, ref, cv::COLOR_RGB2GRAY);
        else ref = rgbMat.clone();
        const double f = double(size) / std::min(w, h);
        const int rw = w <= h ? size : int(std::int64_t(size) * w / h), rh = w <= h ? int(std::int64_t(size) * h / w) : size;
        cv::resize(ref, ref, cv::Size(rw, rh), 0, 0, f < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        ref = ref(cv::Rect(int(std::lround((rw - size) / 2.0)), int(std::lround((rh - size) / 2.0)), size, size)).clone();
        const Image got = conformImage(picture, channels, size);
        QCOMPARE(got.width, size);
        QCOMPARE(got.channels, channels);
        QVERIFY(std::memcmp(got.pixels.data(), ref.data, got.pixels.size()) == 0);
      }
      // Squashed: each side scaled to the size.
      {
        cv::Mat ref;
        cv::cvtColor(rgbMat, ref, cv::COLOR_RGB2GRAY);
        cv::resize(ref, ref, cv::Size(size, size), 0, 0, w > size ? cv::INTER_AREA : cv::INTER_LINEAR);
        const Image got = conformImage(picture, 1, size, /*crop=*/false);
        QVERIFY(std::memcmp(got.pixels.data(), ref.data, got.pixels.size()) == 0);
      }
      // The same picture as a file: what an image-folder dataset of that file holds (a folder
      // loaded directly squashes its images).
      const std::string dir = out("folder-" + std::to_string(w));
      fs::create_directories(dir + "/a");
      const std::string path = dir + "/a/picture.png";
      QVERIFY(cv::imwrite(path, bgr));
      DatasetSpec spec;
      spec.kind = "folder";
      spec.path = dir;
      spec.imageSize = size;
      const Dataset folder = Dataset::load(spec);
      const Image fromFolder = folder.image(Split::Train, 0);
      const Image fromFile = readImageFile(path, folder.channels(), size, /*crop=*/false);
      QCOMPARE(fromFile.channels, fromFolder.channels);
      QVERIFY(fromFile.pixels == fromFolder.pixels);
    }
    QVERIFY_THROWS_EXCEPTION(DatasetError, readImageFile(out("missing.png"), 1, 28));
#endif
  }
};

QTEST_APPLESS_MAIN(TstSimilarity)
#include "tst_similarity.moc"

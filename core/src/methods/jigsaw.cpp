#include "methods/jigsaw.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>

namespace pretext::methods {

MethodInfo JigsawImpl::describe() {
  MethodInfo m;
  m.name = "jigsaw";
  m.title = "Jigsaw puzzle";
  m.family = "pretext task";
  m.paper = "Noroozi & Favaro 2016, Unsupervised Learning of Visual Representations by Solving Jigsaw Puzzles";
  m.description =
      "The image is cut into a 3x3 grid of tiles, the tiles are shuffled by one of a fixed set of permutations, "
      "and the network must say which permutation it sees. Every tile goes through the same encoder on its own, "
      "so the encoder has to describe what each piece shows (the toe of a shoe, a sleeve, a collar) well enough "
      "for the head to put the pieces back in place. The tiles are cut with random gaps between them, so that "
      "continuing lines across tile edges does not give the answer away; the permutations are chosen far apart "
      "in Hamming distance, so that neighbouring answers cannot be confused by moving a single tile.";
  m.lossFormula = "L = -log p(P | f(x_P(1)), ..., f(x_P(9))),  P drawn from the fixed permutation set";
  m.defaultAugment = "light";
  m.options = describeOptions(JigsawOptions::specs());
  return m;
}

const OptionSpecs<JigsawOptions>& JigsawOptions::specs() {
  static const OptionSpecs<JigsawOptions> specs = {
      integerOption("permutations", &JigsawOptions::permutations, 2, 5000,
                    "size of the permutation set, chosen by maximal Hamming distance (paper 1000)"),
      realOption("tile", &JigsawOptions::tile, openBelow(0, 1),
                 "tile side as a fraction of its grid cell; the rest is the random gap (paper 64 of 75 px, 0.85)"),
      integerOption("tile-resize", &JigsawOptions::tileResize, 0, 512,
                    "side in pixels the tiles are resized to for the encoder, 0: native (paper 64 px, native)"),
      switchOption("tile-norm", &JigsawOptions::tileNorm,
                   "1: normalise each tile to zero mean, unit variance (paper: 1, against low-level shortcuts)"),
      integerOption("hidden", &JigsawOptions::hidden, 8, 65536,
                    "hidden width of the head over the 9 concatenated tile features (paper 4096)"),
  };
  return specs;
}

namespace {

constexpr int kTiles = 9;
constexpr int64_t kAllPermutations = 362880;  // 9!

torch::Tensor buildPermutations(int64_t count) {
  std::vector<std::array<std::uint8_t, kTiles>> all;
  all.reserve(kAllPermutations);
  std::array<std::uint8_t, kTiles> p{};
  std::iota(p.begin(), p.end(), std::uint8_t(0));
  do all.push_back(p);
  while (std::next_permutation(p.begin(), p.end()));

  std::vector<std::uint8_t> minDistance(all.size(), std::uint8_t(kTiles + 1));
  std::vector<std::uint32_t> sumDistance(all.size(), 0);
  auto out = torch::empty({count, kTiles}, torch::kLong);
  auto* o = out.data_ptr<int64_t>();
  std::size_t chosen = 0;  // the identity, first in lexicographic order
  for (int64_t n = 0; n < count; ++n) {
    const auto& c = all[chosen];
    for (int i = 0; i < kTiles; ++i) o[n * kTiles + i] = c[i];
    for (std::size_t j = 0; j < all.size(); ++j) {
      std::uint8_t d = 0;
      for (int i = 0; i < kTiles; ++i) d += all[j][i] != c[i];
      minDistance[j] = std::min(minDistance[j], d);
      sumDistance[j] += d;
    }
    // Chosen permutations have minimum distance 0 and are never picked again.
    std::size_t best = 0;
    for (std::size_t j = 1; j < all.size(); ++j) {
      if (minDistance[j] > minDistance[best] ||
          (minDistance[j] == minDistance[best] && sumDistance[j] > sumDistance[best])) {
        best = j;
      }
    }
    chosen = best;
  }
  return out;
}

}  // namespace

torch::Tensor maximalHammingPermutations(int64_t count) {
  if (count < 1 || count > kAllPermutations) {
    throw std::invalid_argument("jigsaw: the number of permutations must be from 1 to 9! = 362880, got " +
                                std::to_string(count));
  }
  // A set of 1000 takes seconds to build: each size is built once per process.
  static std::mutex mutex;
  static std::map<int64_t, torch::Tensor> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(count);
  if (it == cache.end()) it = cache.emplace(count, buildPermutations(count)).first;
  return it->second.clone();
}

torch::Tensor hammingDistances(const torch::Tensor& a, const torch::Tensor& b) {
  return a.unsqueeze(1).ne(b.unsqueeze(0)).sum(-1);
}

torch::Tensor shuffleTiles(const torch::Tensor& tiles, const torch::Tensor& permutations) {
  const int64_t b = tiles.size(0);
  const auto image = torch::arange(b, permutations.options()).unsqueeze(1);
  return tiles.index({image, permutations});
}

torch::Tensor unshuffleTiles(const torch::Tensor& shuffled, const torch::Tensor& permutations) {
  return shuffleTiles(shuffled, permutations.argsort(int64_t(1)));
}

torch::Tensor normalizeEachTile(const torch::Tensor& tiles) {
  const auto mean = tiles.mean({2, 3}, /*keepdim=*/true);
  const auto std = tiles.std(std::vector<int64_t>{2, 3}, /*unbiased=*/false, /*keepdim=*/true).clamp_min(1e-2);
  return (tiles - mean) / std;
}

JigsawImpl::JigsawImpl(const MethodContext& context) : MethodImpl("jigsaw", context) {
  requireConvolutionalBackbone(context.backbone, m_info->title);
  const auto o = parsedOptions<JigsawOptions>();
  m_grid = TileGrid::make(context.backbone.imageSize(), o.tile, m_info->title);
  m_resize = o.tileResize;
  m_tileNorm = o.tileNorm;
  const int64_t count = o.permutations;
  m_permutations = register_buffer("permutations", maximalHammingPermutations(count));
  const int64_t d = m_backbone->featureDim();
  const int64_t hidden = o.hidden;
  // The 9 tile features in shuffled order, concatenated (the paper's fc7 over the 9 fc6 outputs).
  m_head = register_module("head", mlpHead(kTiles * d, hidden, count));
}

// Noroozi & Favaro 2016, sec. 3: cross-entropy over the permutation index.
StepOutput JigsawImpl::step(const Batch& batch) {
  const auto x = prepare(batch.images, m_context.augment);
  const int64_t b = x.size(0), c = x.size(1);
  const auto [top, left] = gridTileCorners(m_grid, b, /*jitter=*/true, x.device());
  const auto labels = torch::randint(0, m_permutations.size(0), {b},
                                     torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  auto tiles = shuffleTiles(extractTiles(x, top, left, m_grid.tile), m_permutations.index_select(0, labels));
  tiles = tiles.view({b * kTiles, c, m_grid.tile, m_grid.tile});
  if (m_tileNorm) tiles = normalizeEachTile(tiles);
  tiles = resizeTiles(tiles, m_resize);
  if (m_context.channelsLast) tiles = toChannelsLast(tiles);
  const auto features = m_backbone->forward(tiles).view({b, -1});
  return classificationOutput(m_head->forward(features), labels);
}

}  // namespace pretext::methods

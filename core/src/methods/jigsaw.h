// Jigsaw puzzle (Noroozi & Favaro 2016): which of a fixed set of permutations shuffled 9 tiles?
#pragma once

#include "methods/method.h"
#include "methods/patchgrid.h"

namespace pretext::methods {

/// The paper's permutation set (Noroozi & Favaro 2016, Algorithm 1), built greedily from all 9!
/// orders of the tiles: it starts with the identity and adds, one at a time, the permutation that
/// is farthest in Hamming distance from those already chosen: largest minimum distance to the
/// chosen set, ties broken by the paper's criterion (largest total distance), then by the
/// lexicographically first. Deterministic (no seed needed), int64 [count, 9]; row 0 is the identity.
/// Throws std::invalid_argument unless 1 <= count <= 9!.
torch::Tensor maximalHammingPermutations(int64_t count);

/// Hamming distances between the rows of two permutation sets [N, 9] and [M, 9]: int64 [N, M].
torch::Tensor hammingDistances(const torch::Tensor& a, const torch::Tensor& b);

/// Puts the tiles [B, 9, ...] in the order of `permutations` [B, 9]: position i of image b shows
/// tile permutations[b][i].
torch::Tensor shuffleTiles(const torch::Tensor& tiles, const torch::Tensor& permutations);
/// The inverse of shuffleTiles: puts shuffled tiles back in grid order.
torch::Tensor unshuffleTiles(const torch::Tensor& shuffled, const torch::Tensor& permutations);

/// Zero mean and unit variance per tile and channel, the paper's defence against low-level shortcuts
/// (sec. 3.2); tiles [N, C, t, t].
torch::Tensor normalizeEachTile(const torch::Tensor& tiles);

/// The options of Jigsaw puzzle; names, ranges and help in specs().
struct JigsawOptions {
  int64_t permutations = 100;
  double tile = 0.75;
  int64_t tileResize = 16;
  bool tileNorm = false;
  int64_t hidden = 512;
  static const OptionSpecs<JigsawOptions>& specs();
};

class JigsawImpl final : public MethodImpl {
 public:
  explicit JigsawImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

  /// The permutation set, a registered buffer [N, 9].
  const torch::Tensor& permutations() const { return m_permutations; }

 private:
  TileGrid m_grid;
  int64_t m_resize;
  bool m_tileNorm;
  torch::Tensor m_permutations;
  torch::nn::Sequential m_head{nullptr};
};

}  // namespace pretext::methods

// Tiles cut from a 3x3 grid with gaps and random jitter: the sampling shared by the jigsaw puzzle
// (Noroozi & Favaro 2016) and context prediction (Doersch, Gupta & Efros 2015).
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <string>
#include <utility>

namespace pretext::methods {

/// A 3x3 grid over a square image: cells of side imageSize / 3 (the left-over pixels split evenly
/// as a margin), and inside each cell one square tile smaller than the cell. The unused rest of the
/// cell is the gap that keeps neighbouring tiles from sharing an edge.
struct TileGrid {
  int64_t imageSize = 0;
  int64_t cell = 0;    ///< side of a grid cell
  int64_t tile = 0;    ///< side of a tile, <= cell
  int64_t margin = 0;  ///< offset of the grid from the top-left corner

  /// The grid for `imageSize` with tiles of `tileFraction` of the cell side (rounded, at least 2 px).
  /// Throws std::invalid_argument naming `method` when the image is too small or the fraction is
  /// outside (0, 1].
  static TileGrid make(int64_t imageSize, double tileFraction, const std::string& method);
};

/// Top-left corners (rows, columns) of one tile per grid cell, int64 [B, 9] each, cell k at row
/// k / 3 and column k % 3. With `jitter` each tile lies at a uniformly random position inside its
/// cell (drawn on `device`'s default generator); without, it is centred in the cell.
std::pair<torch::Tensor, torch::Tensor> gridTileCorners(const TileGrid& grid, int64_t batch, bool jitter,
                                                        const torch::Device& device);

/// Cuts tiles of side `tile` with top-left corners (top, left) [B, K] out of images [B, C, H, W]:
/// tiles [B, K, C, tile, tile].
torch::Tensor extractTiles(const torch::Tensor& images, const torch::Tensor& top, const torch::Tensor& left,
                           int64_t tile);

/// Throws std::invalid_argument when `method` (its title) cannot work on `backbone`: the tile and
/// decoder methods need a convolutional backbone that accepts any input size and gives feature maps,
/// not a token backbone (BackboneInfo::classToken).
void requireConvolutionalBackbone(const models::BackboneOptions& backbone, const std::string& method);

/// Resizes a batch of tiles [N, C, t, t] to `side` x `side` (bilinear); side 0 or t returns them as they are.
torch::Tensor resizeTiles(const torch::Tensor& tiles, int64_t side);

}  // namespace pretext::methods

#include "methods/patchgrid.h"

#include "pretext/backbones.h"

#include <cmath>
#include <stdexcept>

namespace pretext::methods {

TileGrid TileGrid::make(int64_t imageSize, double tileFraction, const std::string& method) {
  if (!(tileFraction > 0.0 && tileFraction <= 1.0)) {
    throw std::invalid_argument(method + ": the tile size must be a fraction of the grid cell in (0, 1], got " +
                                std::to_string(tileFraction));
  }
  TileGrid g;
  g.imageSize = imageSize;
  g.cell = imageSize / 3;
  g.tile = std::min<int64_t>(g.cell, std::llround(tileFraction * double(g.cell)));
  g.margin = (imageSize - 3 * g.cell) / 2;
  if (g.tile < 2) {
    throw std::invalid_argument(method + ": images of " + std::to_string(imageSize) +
                                " pixels are too small for a 3x3 grid of tiles (a tile would be " +
                                std::to_string(g.tile) + " px); use images of at least 9 pixels or a larger tile fraction");
  }
  return g;
}

std::pair<torch::Tensor, torch::Tensor> gridTileCorners(const TileGrid& grid, int64_t batch, bool jitter,
                                                        const torch::Device& device) {
  const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(device);
  const auto k = torch::arange(9, longOpts);
  const auto cellTop = (grid.margin + k.div(3, "floor") * grid.cell).unsqueeze(0).expand({batch, 9});
  const auto cellLeft = (grid.margin + (k % 3) * grid.cell).unsqueeze(0).expand({batch, 9});
  const int64_t slack = grid.cell - grid.tile;
  if (!jitter || slack == 0) {
    return {cellTop + slack / 2, cellLeft + slack / 2};
  }
  const auto dy = torch::randint(0, slack + 1, {batch, 9}, longOpts);
  const auto dx = torch::randint(0, slack + 1, {batch, 9}, longOpts);
  return {cellTop + dy, cellLeft + dx};
}

torch::Tensor extractTiles(const torch::Tensor& images, const torch::Tensor& top, const torch::Tensor& left,
                           int64_t tile) {
  using torch::indexing::TensorIndex;
  const int64_t b = images.size(0);
  const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(images.device());
  const auto offsets = torch::arange(tile, longOpts);
  const auto rows = (top.unsqueeze(-1) + offsets).unsqueeze(-1);    // [B, K, t, 1]
  const auto cols = (left.unsqueeze(-1) + offsets).unsqueeze(-2);   // [B, K, 1, t]
  const auto image = torch::arange(b, longOpts).view({b, 1, 1, 1});  // [B, 1, 1, 1]
  // One gather for every tile of the batch: [B, H, W, C] indexed -> [B, K, t, t, C].
  const auto tiles = images.permute({0, 2, 3, 1}).index({TensorIndex(image), TensorIndex(rows), TensorIndex(cols)});
  return tiles.permute({0, 1, 4, 2, 3}).contiguous();
}

void requireConvolutionalBackbone(const models::BackboneOptions& backbone, const std::string& method) {
  const BackboneInfo& info = backboneInfo(backbone.name());
  if (!info.classToken) return;
  std::string convolutional;
  for (const auto& b : backboneCatalogue()) {
    if (!b.classToken) convolutional += (convolutional.empty() ? "" : " or ") + b.name;
  }
  throw std::invalid_argument(method + " needs a convolutional backbone (" + convolutional + "): it works on " +
                              "image tiles or convolutional feature maps, which the " + info.title +
                              " (fixed input size, token outputs) does not provide; choose --backbone " + convolutional);
}

torch::Tensor resizeTiles(const torch::Tensor& tiles, int64_t side) {
  if (side <= 0 || side == tiles.size(-1)) return tiles;
  namespace F = torch::nn::functional;
  return F::interpolate(tiles, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{side, side})
                                   .mode(torch::kBilinear)
                                   .align_corners(false));
}

}  // namespace pretext::methods

#include "methods/context.h"

namespace pretext::methods {

torch::Tensor neighbourCell(const torch::Tensor& labels) { return labels + labels.ge(4).to(labels.scalar_type()); }

ContextPairs contextPairs(const torch::Tensor& images, const TileGrid& grid) {
  const int64_t b = images.size(0);
  const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(images.device());
  const auto [top, left] = gridTileCorners(grid, b, /*jitter=*/true, images.device());
  ContextPairs out;
  out.labels = torch::randint(0, 8, {b}, longOpts);
  const auto cells = torch::stack({torch::full({b}, 4, longOpts), neighbourCell(out.labels)}, 1);  // [B, 2]
  out.tiles = extractTiles(images, top.gather(1, cells), left.gather(1, cells), grid.tile);
  return out;
}

ContextImpl::ContextImpl(const MethodContext& context) : MethodImpl("context", context) {
  requireConvolutionalBackbone(context.backbone, m_info->title);
  m_grid = TileGrid::make(context.backbone.imageSize(), context.option("context", "patch"), m_info->title);
  m_resize = integerOption("context", "patch-resize", context.option("context", "patch-resize"), 0, 512);
  const int64_t hidden = integerOption("context", "hidden", context.option("context", "hidden"), 8, 65536);
  // The two patch features side by side (the paper's fc6 pair joined at fc7), then 8 positions.
  m_head = register_module("head", mlpHead(2 * m_backbone->featureDim(), hidden, 8));
}

// Doersch et al. 2015, sec. 3: 8-way cross-entropy over the neighbour's position.
StepOutput ContextImpl::step(const Batch& batch) {
  const auto x = prepare(batch.images, m_context.augment);
  const int64_t b = x.size(0), c = x.size(1);
  const auto pairs = contextPairs(x, m_grid);
  auto tiles = resizeTiles(pairs.tiles.view({b * 2, c, m_grid.tile, m_grid.tile}), m_resize);
  if (m_context.channelsLast) tiles = tiles.contiguous(torch::MemoryFormat::ChannelsLast);
  const auto features = m_backbone->forward(tiles).view({b, -1});
  return classificationOutput(m_head->forward(features), pairs.labels);
}

}  // namespace pretext::methods

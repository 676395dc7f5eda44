#include "methods/context.h"

namespace pretext::methods {

MethodInfo ContextImpl::describe() {
  MethodInfo m;
  m.name = "context";
  m.title = "Context prediction (relative patch position)";
  m.family = "pretext task";
  m.paper = "Doersch, Gupta & Efros 2015, Unsupervised Visual Representation Learning by Context Prediction";
  m.description =
      "Two patches are cut from a 3x3 grid over the image: the centre one and one of its 8 neighbours. The same "
      "encoder describes both, and a head on the pair says where the neighbour lies (top-left, top, ..., "
      "bottom-right). Answering needs knowing what the patches show and how object parts sit relative to each "
      "other (a collar above a sleeve, a heel behind a sole). Gaps and random jitter between the patches stop "
      "the network from cheating by matching edges or lines that run across the patch border.";
  m.lossFormula = "L = -log p(position | f(x_centre), f(x_neighbour)),  8 positions";
  m.defaultAugment = "light";
  m.options = describeOptions(ContextOptions::specs());
  return m;
}

const OptionSpecs<ContextOptions>& ContextOptions::specs() {
  static const OptionSpecs<ContextOptions> specs = {
      realOption("patch", &ContextOptions::patch, openBelow(0, 1),
                 "patch side as a fraction of its grid cell; the rest is the random gap and jitter (paper 96 of 144 px, 0.67)"),
      integerOption("patch-resize", &ContextOptions::patchResize, 0, 512,
                    "side in pixels the patches are resized to for the encoder, 0: native (paper 96 px, native)"),
      integerOption("hidden", &ContextOptions::hidden, 8, 65536,
                    "hidden width of the head over the two concatenated patch features (paper 4096)"),
  };
  return specs;
}

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
  const auto o = parsedOptions<ContextOptions>();
  m_grid = TileGrid::make(context.backbone.imageSize(), o.patch, m_info->title);
  m_resize = o.patchResize;
  const int64_t hidden = o.hidden;
  // The two patch features side by side (the paper's fc6 pair joined at fc7), then 8 positions.
  m_head = register_module("head", mlpHead(2 * m_backbone->featureDim(), hidden, 8));
}

// Doersch et al. 2015, sec. 3: 8-way cross-entropy over the neighbour's position.
StepOutput ContextImpl::step(const Batch& batch) {
  const auto x = prepare(batch.images, m_context.augment);
  const int64_t b = x.size(0), c = x.size(1);
  const auto pairs = contextPairs(x, m_grid);
  auto tiles = resizeTiles(pairs.tiles.view({b * 2, c, m_grid.tile, m_grid.tile}), m_resize);
  if (m_context.channelsLast) tiles = toChannelsLast(tiles);
  const auto features = m_backbone->forward(tiles).view({b, -1});
  return classificationOutput(m_head->forward(features), pairs.labels);
}

}  // namespace pretext::methods

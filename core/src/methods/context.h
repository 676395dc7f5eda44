// Context prediction (Doersch, Gupta & Efros 2015): where does a patch lie relative to the centre one?
#pragma once

#include "methods/method.h"
#include "methods/patchgrid.h"

namespace pretext::methods {

/// A pair of patches per image and the neighbour's position: tiles [B, 2, C, t, t] (the centre
/// cell's patch first, then one of its 8 neighbours), labels int64 [B] in 0..7 numbering the
/// neighbours row by row with the centre left out (0 top-left, 1 top, 2 top-right, 3 left,
/// 4 right, 5 bottom-left, 6 bottom, 7 bottom-right), as in the paper's fig. 2. Patches are cut
/// from the grid's cells with random jitter; the labels are drawn uniformly.
struct ContextPairs {
  torch::Tensor tiles, labels;
};
ContextPairs contextPairs(const torch::Tensor& images, const TileGrid& grid);

/// The grid cell (0..8, row-major) of neighbour position `label` (0..7).
torch::Tensor neighbourCell(const torch::Tensor& labels);

/// The options of Context prediction; names, ranges and help in specs().
struct ContextOptions {
  double patch = 0.75;
  int64_t patchResize = 16;
  int64_t hidden = 512;
  static const OptionSpecs<ContextOptions>& specs();
};

class ContextImpl final : public MethodImpl {
 public:
  explicit ContextImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

 private:
  TileGrid m_grid;
  int64_t m_resize;
  torch::nn::Sequential m_head{nullptr};
};

}  // namespace pretext::methods

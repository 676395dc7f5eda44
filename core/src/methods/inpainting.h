// Context encoder (Pathak et al. 2016): reconstruct a hidden region of the image from its surroundings.
#pragma once

#include "methods/convdecoder.h"
#include "methods/method.h"

namespace pretext::methods {

/// Which region is hidden (the paper's sec. 3.3 region masks).
enum class InpaintingMask { CentralSquare = 0, RandomSquare = 1, RandomBlocks = 2 };

/// Masks float [B, 1, side, side], 1 on hidden pixels. A square covers `fraction` of the image
/// area (side round(side * sqrt(fraction)), at least 1 px); the central one is centred, a random
/// one lies wholly inside the image; random blocks are 4 squares of a quarter of that area each,
/// placed independently (they may overlap, so they hide at most `fraction`). Random positions
/// come from `device`'s default generator.
torch::Tensor inpaintingMask(int64_t batch, int64_t side, InpaintingMask kind, double fraction,
                             const torch::Device& device);

/// Context encoder reconstruction loss, Pathak et al. 2016 eq. (1): the squared error on the hidden
/// region M, || M ⊙ (x - x̂) ||², plus `visibleWeight` times the error on the visible pixels,
/// divided by the number of hidden values (hidden pixels x channels), so that 0 means a perfect
/// fill and 1 the error of predicting the normalised mean. prediction, target [B, C, H, W];
/// mask [B, 1, H, W] (1 hidden, 0 visible).
torch::Tensor maskedL2Loss(const torch::Tensor& prediction, const torch::Tensor& target, const torch::Tensor& mask,
                           double visibleWeight);

/// The options of Inpainting; names, ranges and help in specs().
struct InpaintingOptions {
  int64_t mask = 0;
  double maskFraction = 0.25;
  double visibleWeight = 0.0;
  int64_t stage = 0;
  static const OptionSpecs<InpaintingOptions>& specs();
};

class InpaintingImpl final : public MethodImpl {
 public:
  explicit InpaintingImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;

 private:
  InpaintingMask m_mask;
  double m_fraction, m_visibleWeight;
  std::string m_stage;
  ConvDecoder m_decoder{nullptr};
};

}  // namespace pretext::methods

// Colorful image colorization (Zhang, Isola & Efros 2016): predict the colour of every pixel from
// its lightness, as a classification over quantised ab bins with class rebalancing.
#pragma once

#include "methods/convdecoder.h"
#include "methods/method.h"

namespace pretext::methods {

/// sRGB in [0, 1] (gamma-encoded), [B, 3, H, W] -> CIE L*a*b* under D65, [B, 3, H, W]: L in
/// [0, 100], a and b roughly in [-110, 110]. Exact formulas: the sRGB transfer curve, the sRGB ->
/// XYZ matrix (IEC 61966-2-1) and CIE 1976 L*a*b* with the D65 white (0.95047, 1, 1.08883).
torch::Tensor rgbToLab(const torch::Tensor& rgb);

/// The ab colour bins: grid cells of side `grid` centred on multiples of `grid` in the ab plane,
/// kept when some sRGB colour (any lightness) falls in them (the paper's 313 "in-gamut" bins for
/// grid 10). Deterministic; built once per grid size in a process.
struct AbBins {
  torch::Tensor centres;  ///< float [Q, 2]: (a, b) of each kept bin
  torch::Tensor lookup;   ///< int64 [S, S]: for the cell (round(a/grid) + r, round(b/grid) + r), the nearest kept bin
  int64_t radius = 0;     ///< r: the lookup covers cells -r..r on both axes
};
AbBins abGamutBins(double grid);

/// Hard quantisation: the index of the bin holding each ab value, via the lookup; ab [..., 2] -> int64 [...].
torch::Tensor quantizeAb(const torch::Tensor& ab, const AbBins& bins, double grid);

/// Soft encoding (paper sec. 2.1): the `k` nearest bin centres of every ab value [N, 2] and their
/// Gaussian weights exp(-d²/2σ²), normalised to sum 1: indices int64 [N, k], nearest first, and
/// weights float [N, k]. k = 1 is the hard one-hot target.
std::pair<torch::Tensor, torch::Tensor> softEncodeAb(const torch::Tensor& ab, const torch::Tensor& centres, int64_t k,
                                                     double sigma);

/// Class-rebalancing weights, paper eq. (4): with p̃ the empirical bin distribution `p` [Q] smoothed
/// by a Gaussian of `sigma` over the bin centres and renormalised, w ∝ ((1 - λ) p̃ + λ / Q)⁻¹,
/// scaled so that Σ_q p̃_q w_q = 1. Returns {p̃, w}, float [Q] each.
std::pair<torch::Tensor, torch::Tensor> rebalancingWeights(const torch::Tensor& p, const torch::Tensor& centres,
                                                           double lambda, double sigma);

/// Colorization loss, paper eq. (2): -Σ_pixels v(Z_p) Σ_q Z_pq log softmax(logits_p)_q, here as a
/// mean over the pixels. logits [N, Q] (pixels as rows); the target distribution Z_p is given
/// sparsely by `indices` / `weights` [N, k] (softEncodeAb); v(Z_p) = classWeights[indices[p, 0]],
/// the weight of the target's most likely bin.
torch::Tensor colorizationLoss(const torch::Tensor& logits, const torch::Tensor& indices, const torch::Tensor& weights,
                               const torch::Tensor& classWeights);

/// The options of Colorization; names, ranges and help in specs().
struct ColorizationOptions {
  double grid = 10.0;
  double lambda = 0.5;
  int64_t softK = 5;
  int64_t stage = 0;
  static const OptionSpecs<ColorizationOptions>& specs();
};

class ColorizationImpl final : public MethodImpl {
 public:
  explicit ColorizationImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  /// Estimates the bin distribution from the training images the first time (kept in buffers).
  void beginEpoch(int64_t epoch, const torch::Tensor& trainImages) override;

  /// Registered buffers: bin centres [Q, 2], smoothed empirical distribution p̃ [Q], rebalancing
  /// weights [Q] (all 1 until estimated), and whether they were estimated (0/1).
  const torch::Tensor& binCentres() const { return m_centres; }
  const torch::Tensor& binPrior() const { return m_prior; }
  const torch::Tensor& classWeights() const { return m_classWeights; }
  bool priorEstimated() const { return m_priorReady.item<int64_t>() != 0; }

  /// The encoder's input for RGB images in [0, 1]: L / 100 copied to every channel, normalised
  /// with the dataset's statistics like any image (so the k-NN monitor's colour images and the
  /// lightness the encoder trains on share one scale).
  torch::Tensor lightnessInput(const torch::Tensor& lab) const;

 private:
  void estimatePrior(const torch::Tensor& images);

  double m_grid, m_lambda, m_sigma;
  int64_t m_softK;
  std::string m_stage;
  torch::Tensor m_centres, m_lookup, m_prior, m_classWeights, m_priorReady;
  ConvDecoder m_decoder{nullptr};
};

}  // namespace pretext::methods

// Two numbers for watching a network's first layer learn, in plain types (no torch): how far its
// filters moved from their random start, and how edge-like they are. The Trainer records both in
// metrics.csv (filter_change, edge_likeness), the Filters panel charts them.
#pragma once

#include <cstddef>
#include <vector>

namespace pretext {

/// A bank of square 2-D filters, [count, channels, size, size] in row-major order: a first
/// convolution layer's weights (out channels, in channels, kernel rows, kernel columns).
struct FilterBank {
  int count = 0, channels = 0, size = 0;
  std::vector<float> weights;

  bool empty() const { return count == 0; }
  std::size_t filterLength() const { return std::size_t(channels) * size * size; }
  const float* filter(int i) const { return weights.data() + std::size_t(i) * filterLength(); }
};

/// How edge-like filter `i` is, from 0 (no preferred orientation: noise, a blob, a constant) to 1
/// (a straight edge or stripe pattern: all its energy along one orientation). Precisely: each
/// channel has its mean removed and its 2-D DFT F_c(u, v) taken (u: row frequency, v: column
/// frequency, an index j read as the signed frequency j when j <= size/2, else j - size); with the
/// power P(u, v) = sum_c |F_c(u, v)|^2 and the frequency's angle theta = atan2(u, v),
///     edge-likeness = | sum P(u, v) exp(2 i theta) | / sum P(u, v)     over (u, v) != (0, 0),
/// the orientation coherence of the spectrum (the doubled angle makes opposite directions, the
/// two halves of a real filter's spectrum, count as one orientation). A filter with no energy
/// left after removing its mean scores 0. White noise (means of 400): gray 5x5 0.25, 7x7 0.18,
/// 9x9 0.14; colour 0.15, 0.10, 0.08. A 9x9 Gabor filter at 30 degrees scores 0.94.
double edgeLikeness(const FilterBank& bank, int i);
/// The mean absolute difference between filter `i` of `now` and of `start` over its weights.
double filterChange(const FilterBank& now, const FilterBank& start, int i);

struct FilterMeasures {
  double edgeLikeness = -1.0;     ///< mean over the filters; < 0 for an empty bank
  double change = -1.0;           ///< mean absolute change over all weights; < 0 without a start
  double startMagnitude = -1.0;   ///< mean absolute weight of the start (for relative change); < 0 without one
  std::vector<double> filterEdgeLikeness;  ///< per filter
  std::vector<double> filterChange;        ///< per filter; empty without a start
  std::vector<double> filterStartMagnitude;  ///< per filter: mean |weight| of its start; empty without one
};

/// Both measures of `now`, and its change from `start` when that is given and not empty. Throws
/// std::invalid_argument when `start` has another shape than `now` or the weights do not fill the
/// bank.
FilterMeasures measureFilters(const FilterBank& now, const FilterBank* start = nullptr);

}  // namespace pretext

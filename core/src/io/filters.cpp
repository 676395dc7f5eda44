#include "pretext/filters.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace pretext {

namespace {

void checkBank(const FilterBank& bank, const char* what) {
  if (bank.count < 0 || bank.channels < 0 || bank.size < 0 ||
      bank.weights.size() != std::size_t(bank.count) * bank.filterLength()) {
    throw std::invalid_argument(std::string(what) + " filters: " + std::to_string(bank.weights.size()) +
                                " weights do not fill " + std::to_string(bank.count) + " x " +
                                std::to_string(bank.channels) + " x " + std::to_string(bank.size) + " x " +
                                std::to_string(bank.size));
  }
}

}  // namespace

double edgeLikeness(const FilterBank& bank, int i) {
  const int k = bank.size;
  const float* w = bank.filter(i);
  const double pi = std::acos(-1.0);
  std::vector<double> power(std::size_t(k) * k, 0.0);
  std::vector<double> x(std::size_t(k) * k);
  for (int c = 0; c < bank.channels; ++c) {
    const float* wc = w + std::size_t(c) * k * k;
    double mean = 0.0;
    for (int j = 0; j < k * k; ++j) mean += wc[j];
    mean /= double(k) * k;
    for (int j = 0; j < k * k; ++j) x[j] = wc[j] - mean;
    // The DFT directly: k is a first layer's kernel side (3 to 15), k^4 operations at most 51k.
    for (int u = 0; u < k; ++u) {
      for (int v = 0; v < k; ++v) {
        double re = 0.0, im = 0.0;
        for (int r = 0; r < k; ++r) {
          for (int s = 0; s < k; ++s) {
            const double a = -2.0 * pi * (double(u) * r + double(v) * s) / k;
            re += x[std::size_t(r) * k + s] * std::cos(a);
            im += x[std::size_t(r) * k + s] * std::sin(a);
          }
        }
        power[std::size_t(u) * k + v] += re * re + im * im;
      }
    }
  }
  double total = 0.0, cosSum = 0.0, sinSum = 0.0;
  for (int u = 0; u < k; ++u) {
    const double fu = u <= k / 2 ? u : u - k;
    for (int v = 0; v < k; ++v) {
      if (u == 0 && v == 0) continue;
      const double fv = v <= k / 2 ? v : v - k;
      const double p = power[std::size_t(u) * k + v];
      const double r2 = fu * fu + fv * fv;
      // exp(2 i theta) with theta = atan2(fu, fv): (fv + i fu)^2 / |f|^2.
      cosSum += p * (fv * fv - fu * fu) / r2;
      sinSum += p * (2.0 * fu * fv) / r2;
      total += p;
    }
  }
  // Energy at rounding level is a constant filter, not an orientation.
  double scale = 0.0;
  for (int j = 0; j < int(bank.filterLength()); ++j) scale += double(w[j]) * w[j];
  if (total <= 1e-12 * std::max(scale, 1e-30) * k * k || total <= 0.0) return 0.0;
  return std::min(1.0, std::hypot(cosSum, sinSum) / total);
}

double filterChange(const FilterBank& now, const FilterBank& start, int i) {
  const float* a = now.filter(i);
  const float* b = start.filter(i);
  double sum = 0.0;
  for (std::size_t j = 0; j < now.filterLength(); ++j) sum += std::abs(double(a[j]) - double(b[j]));
  return now.filterLength() ? sum / double(now.filterLength()) : 0.0;
}

FilterMeasures measureFilters(const FilterBank& now, const FilterBank* start) {
  checkBank(now, "the");
  FilterMeasures m;
  if (now.empty() || now.filterLength() == 0) return m;
  double sum = 0.0;
  for (int i = 0; i < now.count; ++i) {
    m.filterEdgeLikeness.push_back(edgeLikeness(now, i));
    sum += m.filterEdgeLikeness.back();
  }
  m.edgeLikeness = sum / now.count;
  if (start && !start->empty()) {
    checkBank(*start, "the start's");
    if (start->count != now.count || start->channels != now.channels || start->size != now.size) {
      throw std::invalid_argument("the start's filters are " + std::to_string(start->count) + " x " +
                                  std::to_string(start->channels) + " x " + std::to_string(start->size) + " x " +
                                  std::to_string(start->size) + ", the current ones " + std::to_string(now.count) +
                                  " x " + std::to_string(now.channels) + " x " + std::to_string(now.size) + " x " +
                                  std::to_string(now.size));
    }
    double change = 0.0, magnitude = 0.0;
    for (int i = 0; i < now.count; ++i) {
      m.filterChange.push_back(filterChange(now, *start, i));
      double mag = 0.0;
      const float* b = start->filter(i);
      for (std::size_t j = 0; j < start->filterLength(); ++j) mag += std::abs(double(b[j]));
      m.filterStartMagnitude.push_back(mag / double(start->filterLength()));
      change += m.filterChange.back();
      magnitude += m.filterStartMagnitude.back();
    }
    m.change = change / now.count;
    m.startMagnitude = magnitude / now.count;
  }
  return m;
}

}  // namespace pretext

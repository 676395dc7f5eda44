#include "eval/views.h"

#include "datasets/datasetdata.h"
#include "eval/features.h"
#include "io/sheet.h"
#include "pretext/evaluation.h"

#include <algorithm>
#include <cmath>

namespace pretext::eval {

Image filterGrid(const torch::Tensor& weight, int scale, const SheetColours& colours) {
  TORCH_CHECK(weight.dim() == 4, "filters [O, I, k, k] expected, got ", weight.sizes());
  const auto w = weight.detach().to(torch::kCPU, torch::kFloat);
  const int64_t o = w.size(0), in = w.size(1);
  std::vector<Image> tiles;
  for (int64_t f = 0; f < o; ++f) {
    auto t = in == 3 ? w[f] : (in == 1 ? w[f] : w[f].mean(0, true));
    const double lo = t.min().item<double>(), hi = t.max().item<double>();
    t = (t - lo) / std::max(hi - lo, 1e-12);
    tiles.push_back(upscale(tensorToImage(t), std::max(1, scale)));
  }
  const int columns = o <= 8 ? int(o) : (o <= 64 ? 8 : 16);
  return makeSheet(tiles, columns, 2, {}, 1, colours);
}

torch::Tensor activationAttention(const torch::Tensor& maps, double p) {
  TORCH_CHECK(maps.dim() == 4, "feature maps [B, C, h, w] expected, got ", maps.sizes());
  if (!(p > 0)) throw std::invalid_argument("the attention exponent p must be positive");
  return maps.to(torch::kFloat).abs().pow(p).mean(1);
}

torch::Tensor upsampleNormalised(const torch::Tensor& maps, int64_t height, int64_t width) {
  auto up = torch::nn::functional::interpolate(
                maps.unsqueeze(1).to(torch::kFloat),
                torch::nn::functional::InterpolateFuncOptions()
                    .size(std::vector<int64_t>{height, width})
                    .mode(torch::kBilinear)
                    .align_corners(false))
                .squeeze(1);
  const auto flat = up.flatten(1);
  const auto lo = std::get<0>(flat.min(1, true)), hi = std::get<0>(flat.max(1, true));
  return ((flat - lo) / (hi - lo).clamp_min(1e-12)).view_as(up);
}

std::array<std::uint8_t, 3> heatColour(double v) {
  // Stops of matplotlib's inferno at 0, 1/4, 1/2, 3/4, 1.
  static const double stops[5][3] = {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}};
  v = std::clamp(v, 0.0, 1.0) * 4.0;
  const int i = std::min(3, int(v));
  const double f = v - i;
  std::array<std::uint8_t, 3> c{};
  for (int k = 0; k < 3; ++k) c[std::size_t(k)] = std::uint8_t(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  return c;
}

Image overlayHeat(const torch::Tensor& image, const torch::Tensor& heat, int scale) {
  const Image base = toRgb(upscale(tensorToImage(image), scale));
  const auto h = heat.to(torch::kCPU, torch::kFloat).contiguous();
  TORCH_CHECK(h.size(0) == base.height && h.size(1) == base.width, "heat map size ", h.sizes(), " differs from the image's");
  const float* hv = h.data_ptr<float>();
  Image out(base.width, base.height, 3);
  for (int y = 0; y < base.height; ++y) {
    for (int x = 0; x < base.width; ++x) {
      const std::uint8_t* p = base.at(x, y);
      const double gray = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      const auto c = heatColour(hv[std::size_t(y) * base.width + x]);
      for (int k = 0; k < 3; ++k) out.at(x, y)[k] = std::uint8_t(std::lround(0.35 * gray + 0.65 * c[std::size_t(k)]));
    }
  }
  return out;
}

Image attentionGrid(models::BackboneImpl& backbone, const torch::Tensor& images, const std::vector<std::string>& captions,
                    const torch::Tensor& mean, const torch::Tensor& std, const torch::Device& device,
                    const std::vector<std::string>& stages, double p, int scale, const SheetColours& colours) {
  if (images.size(0) == 0) throw std::invalid_argument("attention maps: no images given");
  scale = std::max(1, scale);
  const int64_t h = images.size(2) * scale, w = images.size(3) * scale;
  torch::NoGradGuard noGrad;
  const bool wasTraining = backbone.is_training();
  backbone.eval();
  const auto x = normaliseImages(images, mean, std, device);
  std::vector<std::pair<std::string, torch::Tensor>> columns;  // caption, [B, h, w] in [0, 1]
  if (backbone.info().classToken) {
    const auto attn = backbone.clsAttention(x).to(torch::kFloat).mean(1);  // [B, N]
    const int64_t g = int64_t(std::llround(std::sqrt(double(attn.size(1)))));
    columns.emplace_back("CLS attn", upsampleNormalised(attn.view({-1, g, g}), h, w).cpu());
  } else {
    if (stages.empty()) throw std::invalid_argument("attention maps: name at least one stage");
    const auto names = backbone.stageNames();
    std::string deepest;
    std::size_t at = 0;
    for (const auto& s : stages) {
      const auto it = std::find(names.begin(), names.end(), s);
      if (it == names.end()) {
        throw std::invalid_argument("backbone '" + backbone.options().name() + "' has no stage '" + s + "'");
      }
      if (std::size_t(it - names.begin()) >= at) at = std::size_t(it - names.begin()), deepest = s;
    }
    const auto maps = backbone.forwardStages(x, deepest);
    for (const auto& s : stages) columns.emplace_back(s, upsampleNormalised(activationAttention(maps.at(s), p), h, w).cpu());
  }
  backbone.train(wasTraining);
  std::vector<Image> tiles;
  std::vector<std::string> tileCaptions;
  for (int64_t b = 0; b < images.size(0); ++b) {
    tiles.push_back(toRgb(upscale(tensorToImage(images[b]), scale)));
    tileCaptions.push_back(std::size_t(b) < captions.size() ? captions[std::size_t(b)] : "");
    for (const auto& [name, heat] : columns) {
      tiles.push_back(overlayHeat(images[b], heat[b], scale));
      tileCaptions.push_back(name);
    }
  }
  return makeSheet(tiles, int(columns.size()) + 1, 3, tileCaptions, 1, colours);
}

void frame(Image& image, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  const std::uint8_t c[3] = {r, g, b};
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (x < 2 || y < 2 || x >= image.width - 2 || y >= image.height - 2) {
        for (int k = 0; k < image.channels; ++k) image.at(x, y)[k] = c[k % 3];
      }
    }
  }
}

}  // namespace pretext::eval

namespace pretext {

namespace {

constexpr int kGlyphH = 11;

void fillRect(Image& image, int x0, int y0, int w, int h, const std::uint8_t* rgb) {
  for (int y = std::max(0, y0); y < std::min(image.height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(image.width, x0 + w); ++x) std::copy(rgb, rgb + 3, image.at(x, y));
}

}  // namespace

Image sideBySide(const Image& left, const std::string& leftCaption, const Image& right, const std::string& rightCaption) {
  const Image l = toRgb(left), r = toRgb(right);
  constexpr int gap = 12, top = kGlyphH + 8;
  Image out(l.width + r.width + 3 * gap, std::max(l.height, r.height) + top + gap, 3);
  std::fill(out.pixels.begin(), out.pixels.end(), std::uint8_t(255));
  auto paste = [&](const Image& src, int ox) {
    for (int y = 0; y < src.height; ++y) std::copy(src.at(0, y), src.at(0, y) + 3 * src.width, out.at(ox, top + y));
  };
  paste(l, gap);
  paste(r, 2 * gap + l.width);
  drawText(out, gap, 4, leftCaption, 20, 20, 20);
  drawText(out, 2 * gap + l.width, 4, rightCaption, 20, 20, 20);
  return out;
}

Image textImage(const std::string& text, int scale) {
  scale = std::max(1, scale);
  std::vector<std::string> lines;
  std::size_t start = 0, longest = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    longest = std::max(longest, lines.back().size());
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  constexpr int pad = 8, lineH = kGlyphH + 3;
  Image out(int(longest) * 6 * scale + 2 * pad, int(lines.size()) * lineH * scale + 2 * pad, 3);
  std::fill(out.pixels.begin(), out.pixels.end(), std::uint8_t(255));
  for (std::size_t i = 0; i < lines.size(); ++i) drawText(out, pad, pad + int(i) * lineH * scale, lines[i], 20, 20, 20, scale);
  return out;
}

Image scatterPlot(const Projection& p, int size) {
  static const std::uint8_t palette[10][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                              {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                              {188, 189, 34}, {23, 190, 207}};
  size = std::max(200, size);
  std::size_t longest = 0;
  for (const auto& n : p.classNames) longest = std::max(longest, n.size());
  const int legendW = int(longest) * 6 + 40, margin = 20, top = kGlyphH + 10;
  Image out(size + legendW, size + top, 3);
  std::fill(out.pixels.begin(), out.pixels.end(), std::uint8_t(255));
  const std::uint8_t gray[3] = {150, 150, 150};
  const int x0 = margin, y0 = top, plot = size - 2 * margin;
  fillRect(out, x0 - 1, y0 - 1, plot + 2, 1, gray);
  fillRect(out, x0 - 1, y0 + plot, plot + 2, 1, gray);
  fillRect(out, x0 - 1, y0 - 1, 1, plot + 2, gray);
  fillRect(out, x0 + plot, y0 - 1, 1, plot + 2, gray);
  drawText(out, margin, 4, (p.kind == "tsne" ? "t-SNE" : p.kind == "pca" ? "PCA" : p.kind) + " of " +
                               std::to_string(p.x.size()) + " test images", 20, 20, 20);
  if (!p.x.empty()) {
    const auto [xmin, xmax] = std::minmax_element(p.x.begin(), p.x.end());
    const auto [ymin, ymax] = std::minmax_element(p.y.begin(), p.y.end());
    const double sx = std::max(1e-12, double(*xmax - *xmin)), sy = std::max(1e-12, double(*ymax - *ymin));
    // Points drawn in a scrambled order so that no class hides under the next one.
    const std::size_t n = p.x.size();
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = n % 7919 ? (k * 7919) % n : k;
      const int label = i < p.labels.size() ? p.labels[i] : 0;
      const std::uint8_t* c = palette[(label < 0 ? 7 : label) % 10];
      const int px = x0 + int(std::lround((p.x[i] - *xmin) / sx * (plot - 3)));
      const int py = y0 + plot - 3 - int(std::lround((p.y[i] - *ymin) / sy * (plot - 3)));
      fillRect(out, px, py, 3, 3, c);
    }
  }
  for (std::size_t c = 0; c < p.classNames.size(); ++c) {
    const int ly = top + 4 + int(c) * (kGlyphH + 5);
    fillRect(out, size + 4, ly + 2, 8, 8, palette[c % 10]);
    drawText(out, size + 16, ly, p.classNames[c], 20, 20, 20);
  }
  return out;
}

}  // namespace pretext

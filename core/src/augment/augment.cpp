#include "augment/augment.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pretext {

AugmentConfig AugmentConfig::simclr() {
  AugmentConfig c;
  c.crop = {true, 1.0f, 0.7f};
  c.flip = {true, 0.5f, 0.5f};
  c.jitter = {true, 0.8f, 0.5f};
  c.grayscale = {true, 0.2f, 0.5f};
  c.blur = {true, 0.5f, 0.5f};
  return c;
}

const std::vector<std::string>& AugmentConfig::presetNames() {
  static const std::vector<std::string> names = {"simclr", "light", "none"};
  return names;
}

AugmentConfig AugmentConfig::preset(const std::string& name) {
  if (name == "simclr") return simclr();
  if (name == "light") return light();
  if (name == "none") return none();
  throw std::invalid_argument("unknown augmentation preset '" + name + "' (simclr, light or none)");
}

AugmentConfig AugmentConfig::light() {
  AugmentConfig c;
  c.crop = {true, 1.0f, 0.3f};
  c.flip = {true, 0.5f, 0.5f};
  return c;
}

std::vector<std::pair<std::string, AugmentOp*>> AugmentConfig::ops() {
  return {{"crop", &crop},     {"flip", &flip},   {"jitter", &jitter}, {"grayscale", &grayscale}, {"rotate", &rotate},
          {"blur", &blur},     {"cutout", &cutout}, {"noise", &noise},   {"sobel", &sobel}};
}

std::vector<std::pair<std::string, const AugmentOp*>> AugmentConfig::ops() const {
  return {{"crop", &crop},     {"flip", &flip},   {"jitter", &jitter}, {"grayscale", &grayscale}, {"rotate", &rotate},
          {"blur", &blur},     {"cutout", &cutout}, {"noise", &noise},   {"sobel", &sobel}};
}

}  // namespace pretext

namespace pretext::augment {

namespace F = torch::nn::functional;

namespace {

/// `gen` when it can draw on `device`, else nullopt, which makes ATen use the device's default generator.
c10::optional<at::Generator> generatorFor(const c10::optional<at::Generator>& gen, const torch::Device& device) {
  if (gen.has_value() && gen->defined() && gen->device().type() == device.type()) return gen;
  return c10::nullopt;
}

/// U[lo, hi) per image, [B] on x's device and dtype.
torch::Tensor perImageUniform(const torch::Tensor& x, double lo, double hi, const c10::optional<at::Generator>& gen) {
  return torch::rand({x.size(0)}, gen, x.options()) * (hi - lo) + lo;
}

void checkBatch(const torch::Tensor& x, const char* op) {
  TORCH_CHECK(x.defined() && x.dim() == 4, op, ": expected a batch [B, C, H, W], got sizes ",
              x.defined() ? x.sizes() : c10::IntArrayRef{});
  TORCH_CHECK(x.is_floating_point(), op, ": expected a floating batch in [0, 1], got ", x.scalar_type(),
              " (convert uint8 with toFloat)");
}

/// The mask as bool [B, 1, 1, 1] on x's device, ready to broadcast in torch::where.
torch::Tensor imageMask(const torch::Tensor& mask, const torch::Tensor& x, const char* op) {
  TORCH_CHECK(mask.defined() && mask.numel() == x.size(0), op, ": mask must hold one entry per image (",
              x.size(0), "), got ", mask.defined() ? mask.numel() : 0);
  return mask.to(x.device(), torch::kBool).reshape({x.size(0), 1, 1, 1});
}

/// ITU-R BT.601 luma of RGB images, [B, 1, H, W].
torch::Tensor luma(const torch::Tensor& rgb) {
  return rgb.narrow(1, 0, 1) * 0.299 + rgb.narrow(1, 1, 1) * 0.587 + rgb.narrow(1, 2, 1) * 0.114;
}

/// One gray plane per image, [B, 1, H, W], whatever the channel count.
torch::Tensor grayPlane(const torch::Tensor& x) {
  if (x.size(1) == 3) return luma(x);
  if (x.size(1) == 1) return x;
  return x.mean(1, true);
}

// RGB <-> HSV on [B, 3, H, W], all planes in [0, 1] (the formulas of torchvision's functional_tensor).
void rgbToHsv(const torch::Tensor& rgb, torch::Tensor& h, torch::Tensor& s, torch::Tensor& v) {
  const auto r = rgb.narrow(1, 0, 1), g = rgb.narrow(1, 1, 1), b = rgb.narrow(1, 2, 1);
  const auto maxc = torch::maximum(torch::maximum(r, g), b);
  const auto minc = torch::minimum(torch::minimum(r, g), b);
  const auto flat = maxc == minc;
  const auto ones = torch::ones_like(maxc);
  const auto chroma = maxc - minc;
  s = chroma / torch::where(flat, ones, maxc);
  const auto divisor = torch::where(flat, ones, chroma);
  const auto rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor;
  const auto hue = torch::where(maxc == r, bc - gc, torch::where(maxc == g, rc - bc + 2.0, gc - rc + 4.0));
  h = torch::remainder(hue / 6.0 + 1.0, 1.0);
  v = maxc;
}

torch::Tensor hsvToRgb(const torch::Tensor& h, const torch::Tensor& s, const torch::Tensor& v) {
  const auto h6 = h * 6.0;
  const auto sector = torch::floor(h6);
  const auto f = h6 - sector;
  const auto index = sector.to(torch::kLong).remainder(6);
  const auto p = (v * (1.0 - s)).clamp(0.0, 1.0);
  const auto q = (v * (1.0 - s * f)).clamp(0.0, 1.0);
  const auto t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0);
  const auto red = torch::cat({v, q, p, p, t, v}, 1).gather(1, index);
  const auto green = torch::cat({t, v, v, q, p, p}, 1).gather(1, index);
  const auto blue = torch::cat({p, p, t, v, v, q}, 1).gather(1, index);
  return torch::cat({red, green, blue}, 1);
}

/// Depthwise 2D convolution of [1, N, H, W] with one kernel per plane ([N, 1, kh, kw]).
torch::Tensor depthwise(const torch::Tensor& planes, const torch::Tensor& kernels) {
  return F::conv2d(planes, kernels, F::Conv2dFuncOptions().groups(planes.size(1)));
}

}  // namespace

torch::Tensor toFloat(const torch::Tensor& images) {
  TORCH_CHECK(images.defined(), "toFloat: undefined tensor");
  if (images.is_floating_point()) return images.to(torch::kFloat);
  TORCH_CHECK(images.scalar_type() == torch::kUInt8, "toFloat: expected uint8 or floating images, got ",
              images.scalar_type());
  return images.to(torch::kFloat).div_(255.0);
}

CropBoxes randomCropBoxes(int64_t count, int64_t height, int64_t width, double scaleMin, double scaleMax,
                          double ratioMin, double ratioMax, c10::optional<at::Generator> gen,
                          const torch::TensorOptions& options) {
  TORCH_CHECK(scaleMin > 0.0 && scaleMin <= scaleMax && scaleMax <= 1.0,
              "randomResizedCrop: need 0 < scaleMin <= scaleMax <= 1, got [", scaleMin, ", ", scaleMax, "]");
  TORCH_CHECK(ratioMin > 0.0 && ratioMin <= ratioMax, "randomResizedCrop: need 0 < ratioMin <= ratioMax, got [",
              ratioMin, ", ", ratioMax, "]");
  TORCH_CHECK(count >= 0 && height > 0 && width > 0, "randomResizedCrop: bad batch ", count, " x ", height, " x ", width);
  const auto g = generatorFor(gen, options.device());
  // All draws at once: [count, kCropDraws] areas, then as many ratios (log-uniform).
  const auto scale = torch::rand({count, kCropDraws}, g, options) * (scaleMax - scaleMin) + scaleMin;
  const auto logRatio = torch::rand({count, kCropDraws}, g, options) * (std::log(ratioMax) - std::log(ratioMin)) +
                        std::log(ratioMin);
  const auto ratio = torch::exp(logRatio);
  // Box width and height in whole pixels, as torchvision's: w_px / h_px ~ ratio, w_px * h_px ~ scale * H * W.
  const double pixels = static_cast<double>(height) * static_cast<double>(width);
  const auto w = torch::round(torch::sqrt(scale * ratio * pixels)), h = torch::round(torch::sqrt(scale / ratio * pixels));
  const auto fits = w.ge(1.0).logical_and(w.le(static_cast<double>(width))).logical_and(h.ge(1.0)).logical_and(
      h.le(static_cast<double>(height)));
  const auto drawn = fits.any(1);
  const auto first = fits.to(torch::kLong).argmax(1, /*keepdim=*/true);  // the first draw that fits
  // None fits: the whole image, cut to the nearest allowed ratio along its longer side (as torchvision).
  const double imageRatio = static_cast<double>(width) / static_cast<double>(height);
  const double fallbackW = imageRatio > ratioMax ? std::round(height * ratioMax) / width : 1.0;
  const double fallbackH = imageRatio < ratioMin ? std::round(width / ratioMin) / height : 1.0;
  return {torch::where(drawn, w.gather(1, first).squeeze(1) / static_cast<double>(width), torch::full({count}, fallbackW, options)),
          torch::where(drawn, h.gather(1, first).squeeze(1) / static_cast<double>(height), torch::full({count}, fallbackH, options)),
          drawn};
}

torch::Tensor randomResizedCrop(const torch::Tensor& x, double scaleMin, double scaleMax,
                                c10::optional<at::Generator> gen, double ratioMin, double ratioMax) {
  checkBatch(x, "randomResizedCrop");
  const auto boxes =
      randomCropBoxes(x.size(0), x.size(2), x.size(3), scaleMin, scaleMax, ratioMin, ratioMax, gen, x.options());
  if (x.size(0) == 0) return x;
  const auto g = generatorFor(gen, x.device());
  const auto& wf = boxes.width;
  const auto& hf = boxes.height;
  // In affine_grid's [-1, 1] coordinates the box is centre +- (wf, hf); keep it inside the image.
  // A fallback box is centred, as torchvision's.
  const auto cx = torch::where(boxes.drawn, perImageUniform(x, -1.0, 1.0, g) * (1.0 - wf), torch::zeros_like(wf));
  const auto cy = torch::where(boxes.drawn, perImageUniform(x, -1.0, 1.0, g) * (1.0 - hf), torch::zeros_like(hf));
  const auto zero = torch::zeros_like(wf);
  const auto theta = torch::stack({wf, zero, cx, zero, hf, cy}, 1).view({x.size(0), 2, 3});
  const auto grid = F::affine_grid(theta, x.sizes(), /*align_corners=*/false);
  return F::grid_sample(x, grid,
                        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false))
      .clamp(0.0, 1.0);
}

torch::Tensor hflip(const torch::Tensor& x, const torch::Tensor& mask) {
  checkBatch(x, "hflip");
  return torch::where(imageMask(mask, x, "hflip"), x.flip({3}), x);
}

torch::Tensor colorJitter(const torch::Tensor& x, double brightness, double contrast, double saturation, double hue,
                          const torch::Tensor& mask, c10::optional<at::Generator> gen) {
  checkBatch(x, "colorJitter");
  TORCH_CHECK(brightness >= 0.0 && contrast >= 0.0 && saturation >= 0.0,
              "colorJitter: amounts must be >= 0, got brightness ", brightness, ", contrast ", contrast,
              ", saturation ", saturation);
  TORCH_CHECK(hue >= 0.0 && hue <= 0.5, "colorJitter: hue must be in [0, 0.5], got ", hue);
  const auto m = imageMask(mask, x, "colorJitter");
  const auto g = generatorFor(gen, x.device());
  const bool rgb = x.size(1) == 3;
  const int64_t b = x.size(0);
  auto factor = [&](double amount) { return perImageUniform(x, std::max(0.0, 1.0 - amount), 1.0 + amount, g).view({b, 1, 1, 1}); };

  auto out = x;
  if (brightness > 0.0) out = (out * factor(brightness)).clamp(0.0, 1.0);
  if (contrast > 0.0) {
    const auto mean = grayPlane(out).mean({1, 2, 3}, true);
    out = ((out - mean) * factor(contrast) + mean).clamp(0.0, 1.0);
  }
  if (rgb && saturation > 0.0) {
    const auto gray = luma(out);
    out = ((out - gray) * factor(saturation) + gray).clamp(0.0, 1.0);
  }
  if (rgb && hue > 0.0) {
    torch::Tensor h, s, v;
    rgbToHsv(out, h, s, v);
    h = torch::remainder(h + perImageUniform(x, -hue, hue, g).view({b, 1, 1, 1}), 1.0);
    out = hsvToRgb(h, s, v).clamp(0.0, 1.0);
  }
  return torch::where(m, out, x);
}

torch::Tensor grayscale(const torch::Tensor& x, const torch::Tensor& mask) {
  checkBatch(x, "grayscale");
  const auto m = imageMask(mask, x, "grayscale");
  if (x.size(1) != 3) return x;
  return torch::where(m, luma(x).clamp(0.0, 1.0).expand_as(x), x);
}

torch::Tensor rotate90(const torch::Tensor& x, const torch::Tensor& k) {
  checkBatch(x, "rotate90");
  TORCH_CHECK(x.size(2) == x.size(3), "rotate90: needs square images, got ", x.size(2), "x", x.size(3));
  TORCH_CHECK(k.defined() && k.numel() == x.size(0), "rotate90: k must hold one entry per image (", x.size(0),
              "), got ", k.defined() ? k.numel() : 0);
  const auto quarter = k.to(x.device(), torch::kLong).remainder(4).reshape({x.size(0), 1, 1, 1});
  const auto r1 = torch::rot90(x, 1, {2, 3});
  return torch::where(quarter == 1, r1,
                      torch::where(quarter == 2, x.flip({2, 3}), torch::where(quarter == 3, r1.flip({2, 3}), x)));
}

torch::Tensor gaussianBlur(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& mask) {
  checkBatch(x, "gaussianBlur");
  const auto m = imageMask(mask, x, "gaussianBlur");
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  TORCH_CHECK(sigma.defined() && sigma.numel() == b, "gaussianBlur: sigma must hold one entry per image (", b,
              "), got ", sigma.defined() ? sigma.numel() : 0);
  if (b == 0) return x;
  const int64_t radius = std::max<int64_t>(1, std::llround(0.05 * static_cast<double>(std::min(h, w))));
  const int64_t size = 2 * radius + 1;

  const auto s = sigma.to(x.device(), x.scalar_type()).reshape({b, 1}).abs().clamp_min(1e-3);
  const auto t = torch::arange(-radius, radius + 1, x.options()).view({1, size});
  auto kernel = torch::exp(-(t * t) / (2.0 * s * s));
  kernel = kernel / kernel.sum(1, true);                                      // [B, size]
  kernel = kernel.unsqueeze(1).expand({b, c, size}).reshape({b * c, 1, 1, size});  // one per plane

  const bool reflect = radius < h && radius < w;
  auto padding = [&](std::vector<int64_t> pad) {
    auto options = F::PadFuncOptions(std::move(pad));
    return reflect ? options.mode(torch::kReflect) : options.mode(torch::kReplicate);
  };
  auto planes = x.reshape({1, b * c, h, w});
  planes = depthwise(F::pad(planes, padding({radius, radius, 0, 0})), kernel);
  planes = depthwise(F::pad(planes, padding({0, 0, radius, radius})), kernel.view({b * c, 1, size, 1}));
  return torch::where(m, planes.view({b, c, h, w}).clamp(0.0, 1.0), x);
}

torch::Tensor cutout(const torch::Tensor& x, int64_t side, const torch::Tensor& mask, c10::optional<at::Generator> gen) {
  checkBatch(x, "cutout");
  const auto m = imageMask(mask, x, "cutout");
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  side = std::min({side, h, w});
  if (side <= 0 || b == 0) return x;
  const auto g = generatorFor(gen, x.device());
  const auto longs = x.options().dtype(torch::kLong);
  const auto top = torch::randint(0, h - side + 1, {b, 1, 1}, g, longs);
  const auto left = torch::randint(0, w - side + 1, {b, 1, 1}, g, longs);
  const auto rows = torch::arange(h, longs).view({1, h, 1});
  const auto cols = torch::arange(w, longs).view({1, 1, w});
  const auto box = (rows >= top) & (rows < top + side) & (cols >= left) & (cols < left + side);  // [B, H, W]
  return x.masked_fill(box.unsqueeze(1) & m, 0.5);
}

torch::Tensor gaussianNoise(const torch::Tensor& x, double stddev, const torch::Tensor& mask,
                            c10::optional<at::Generator> gen) {
  checkBatch(x, "gaussianNoise");
  TORCH_CHECK(stddev >= 0.0, "gaussianNoise: stddev must be >= 0, got ", stddev);
  const auto m = imageMask(mask, x, "gaussianNoise");
  const auto g = generatorFor(gen, x.device());
  const auto noisy = (x + torch::randn(x.sizes(), g, x.options()) * stddev).clamp(0.0, 1.0);
  return torch::where(m, noisy, x);
}

torch::Tensor sobel(const torch::Tensor& x, const torch::Tensor& mask) {
  checkBatch(x, "sobel");
  const auto m = imageMask(mask, x, "sobel");
  if (x.size(0) == 0) return x;
  const auto smooth = torch::tensor({1.0, 2.0, 1.0}, x.options()).view({3, 1});
  const auto diff = torch::tensor({-1.0, 0.0, 1.0}, x.options()).view({1, 3});
  const auto kx = smooth * diff;  // d/dx, columns
  const auto kernels = torch::stack({kx, kx.t()}).unsqueeze(1);  // [2, 1, 3, 3]
  const auto gray = F::pad(grayPlane(x), F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
  const auto magnitude = F::conv2d(gray, kernels).pow(2).sum(1, true).sqrt();  // [B, 1, H, W]
  const auto peak = magnitude.amax({2, 3}, true).clamp_min(1e-2);
  return torch::where(m, (magnitude / peak).clamp(0.0, 1.0).expand_as(x), x);
}

torch::Tensor normalize(const torch::Tensor& x, const torch::Tensor& mean, const torch::Tensor& std) {
  checkBatch(x, "normalize");
  const int64_t c = x.size(1);
  TORCH_CHECK(mean.numel() == c && std.numel() == c, "normalize: need ", c, " means and stds, got ", mean.numel(),
              " and ", std.numel());
  return (x - mean.to(x.options()).view({1, c, 1, 1})) / std.to(x.options()).view({1, c, 1, 1});
}

torch::Tensor apply(const torch::Tensor& images, const AugmentConfig& config, c10::optional<at::Generator> gen) {
  TORCH_CHECK(images.defined() && images.dim() == 4, "augment::apply: expected a batch [B, C, H, W], got sizes ",
              images.defined() ? images.sizes() : c10::IntArrayRef{});
  auto x = toFloat(images);
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  if (b == 0) return x;
  const auto g = generatorFor(gen, x.device());

  auto active = [](const AugmentOp& op) { return op.enabled && op.probability > 0.0f; };
  auto strength = [](const AugmentOp& op) { return std::clamp(static_cast<double>(op.strength), 0.0, 1.0); };
  auto choose = [&](const AugmentOp& op) {
    if (op.probability >= 1.0f) return torch::ones({b}, x.options().dtype(torch::kBool));
    return torch::rand({b}, g, x.options()) < static_cast<double>(op.probability);
  };

  if (active(config.crop)) {
    const auto m = choose(config.crop);
    const auto cropped = randomResizedCrop(x, 1.0 - 0.92 * strength(config.crop), 1.0, g);
    x = config.crop.probability >= 1.0f ? cropped : torch::where(m.view({b, 1, 1, 1}), cropped, x);
  }
  if (active(config.flip)) x = hflip(x, choose(config.flip));
  if (active(config.jitter)) {
    const double s = strength(config.jitter);
    x = colorJitter(x, 0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s, choose(config.jitter), g);
  }
  if (active(config.grayscale) && c == 3) x = grayscale(x, choose(config.grayscale));
  if (active(config.rotate)) {
    const auto m = choose(config.rotate);
    if (h == w) {
      x = rotate90(x, torch::randint(1, 4, {b}, g, x.options().dtype(torch::kLong)) * m.to(torch::kLong));
    } else {
      x = torch::where(m.view({b, 1, 1, 1}), x.flip({2, 3}), x);  // a quarter turn would change the shape
    }
  }
  if (active(config.blur)) {
    const auto m = choose(config.blur);
    x = gaussianBlur(x, perImageUniform(x, 0.1, std::max(0.1, 2.0 * strength(config.blur)), g), m);
  }
  if (active(config.cutout)) {
    const auto side = std::llround(0.5 * strength(config.cutout) * static_cast<double>(std::min(h, w)));
    const auto m = choose(config.cutout);
    if (side > 0) x = cutout(x, side, m, g);
  }
  if (active(config.noise)) {
    const auto m = choose(config.noise);
    const double stddev = 0.2 * strength(config.noise);
    if (stddev > 0.0) x = gaussianNoise(x, stddev, m, g);
  }
  if (active(config.sobel)) x = sobel(x, choose(config.sobel));
  return x;
}

std::pair<torch::Tensor, torch::Tensor> twoViews(const torch::Tensor& images, const AugmentConfig& config,
                                                 c10::optional<at::Generator> gen) {
  const auto x = toFloat(images);
  auto first = apply(x, config, gen);
  auto second = apply(x, config, gen);
  return {std::move(first), std::move(second)};
}

}  // namespace pretext::augment

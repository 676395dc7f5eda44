#include "methods/colorization.h"

#include "methods/patchgrid.h"

#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

namespace pretext::methods {

MethodInfo ColorizationImpl::describe() {
  MethodInfo m;
  m.name = "colorization";
  m.title = "Colorization";
  m.family = "pretext task";
  m.paper = "Zhang, Isola & Efros 2016, Colorful Image Colorization";
  m.description =
      "The encoder sees only the lightness L of a colour image and must guess every pixel's colour (the a*b* "
      "channels of the Lab colour space), as a choice among quantised colour bins rather than one averaged "
      "colour, so it can say 'red or blue' instead of a dull brown. To colour a pixel right it has to know "
      "what object the pixel belongs to and where that object's edges are, which teaches shape and "
      "segmentation without labels. Rare colours count more (class rebalancing), so that it does not just "
      "predict the common grayish colours everywhere. It needs colour images: one-channel datasets such as "
      "Fashion-MNIST have no colour to predict.";
  m.lossFormula = "L = -mean_pixels v(Z) sum_q Z_q log p_q(L),  Z: soft-encoded true ab bin,  v = ((1-λ) p̃ + λ/Q)^-1 normalised";
  m.defaultAugment = "light";
  m.options = describeOptions(ColorizationOptions::specs());
  return m;
}

const OptionSpecs<ColorizationOptions>& ColorizationOptions::specs() {
  static const OptionSpecs<ColorizationOptions> specs = {
      realOption("grid", &ColorizationOptions::grid, closedRange(2, 64),
                 "side of an ab colour bin; bins outside the sRGB gamut are dropped (paper 10: 313 bins)"),
      realOption("lambda", &ColorizationOptions::lambda, closedRange(0, 1),
                 "share of the uniform distribution in the rebalancing weights (paper 0.5)"),
      integerOption("soft-k", &ColorizationOptions::softK, 1, 32,
                    "nearest bins the true colour is spread over, Gaussian sigma = grid/2 (paper 5, sigma 5)"),
      integerOption("stage", &ColorizationOptions::stage, 0, 64,
                    "encoder stage the decoder reads, 1..5 (convnet conv1..conv5), 0: the last (paper: the last)"),
  };
  return specs;
}

namespace {

// Squared Euclidean distances between the rows of a [N, 2] and b [M, 2]: [N, M].
torch::Tensor squaredDistances(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(-1);
}

AbBins buildBins(double grid) {
  // Every 4th level of each 8-bit channel and the top one: 65³ colours span the sRGB gamut's ab
  // footprint at every lightness; a cell they miss gets the nearest kept bin through the lookup.
  auto levels = torch::cat({torch::arange(0, 256, 4, torch::kFloat), torch::full({1}, 255.0f)}) / 255.0f;
  const int64_t n = levels.size(0);
  const auto r = levels.view({n, 1, 1}).expand({n, n, n});
  const auto g = levels.view({1, n, 1}).expand({n, n, n});
  const auto b = levels.view({1, 1, n}).expand({n, n, n});
  const auto rgb = torch::stack({r.reshape(-1), g.reshape(-1), b.reshape(-1)}).view({1, 3, -1, 1});
  const auto lab = rgbToLab(rgb);
  AbBins bins;
  bins.radius = int64_t(std::ceil(128.0 / grid)) + 1;
  const int64_t side = 2 * bins.radius + 1;
  const auto ia = (lab[0][1].reshape(-1) / grid).round().to(torch::kLong) + bins.radius;
  const auto ib = (lab[0][2].reshape(-1) / grid).round().to(torch::kLong) + bins.radius;
  const auto occupied = torch::zeros({side * side}, torch::kBool).index_fill_(0, ia * side + ib, true).view({side, side});
  const auto cells = occupied.nonzero();  // row-major: a first, then b
  bins.centres = ((cells - bins.radius).to(torch::kFloat) * float(grid)).contiguous();
  const auto k = torch::arange(side, torch::kLong);
  const auto allCells = torch::stack({k.repeat_interleave(side), k.repeat(side)}, 1);
  const auto allCentres = (allCells - bins.radius).to(torch::kFloat) * float(grid);
  bins.lookup = squaredDistances(allCentres, bins.centres).argmin(1).view({side, side}).contiguous();
  return bins;
}

}  // namespace

torch::Tensor rgbToLab(const torch::Tensor& rgb) {
  const auto c = rgb.to(torch::kFloat).clamp(0.0, 1.0);
  const auto linear = torch::where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055).pow(2.4));
  const auto r = linear.select(1, 0), g = linear.select(1, 1), b = linear.select(1, 2);
  const auto x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const auto y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
  const auto z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
  // CIE f(t): cube root above (6/29)³, the linear segment t / (3 (6/29)²) + 4/29 below.
  const double delta = 6.0 / 29.0;
  auto f = [&](const torch::Tensor& t) {
    return torch::where(t > delta * delta * delta, t.clamp_min(1e-12).pow(1.0 / 3.0), t / (3.0 * delta * delta) + 4.0 / 29.0);
  };
  const auto fx = f(x), fy = f(y), fz = f(z);
  return torch::stack({116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)}, 1);
}

AbBins abGamutBins(double grid) {
  if (!(grid >= 2.0 && grid <= 64.0)) {
    throw std::invalid_argument("colorization: --grid (the side of an ab bin) must be from 2 to 64, got " +
                                std::to_string(grid));
  }
  static std::mutex mutex;
  static std::map<double, AbBins> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(grid);
  if (it == cache.end()) it = cache.emplace(grid, buildBins(grid)).first;
  return {it->second.centres.clone(), it->second.lookup.clone(), it->second.radius};
}

torch::Tensor quantizeAb(const torch::Tensor& ab, const AbBins& bins, double grid) {
  const int64_t side = bins.lookup.size(0);
  const auto cell = (ab / grid).round().to(torch::kLong).clamp(-bins.radius, bins.radius) + bins.radius;
  const auto flat = cell.select(-1, 0) * side + cell.select(-1, 1);
  return bins.lookup.reshape(-1).index_select(0, flat.reshape(-1)).view(flat.sizes());
}

std::pair<torch::Tensor, torch::Tensor> softEncodeAb(const torch::Tensor& ab, const torch::Tensor& centres, int64_t k,
                                                     double sigma) {
  std::vector<torch::Tensor> indices, weights;
  const int64_t n = ab.size(0), chunk = 32768;  // bounds the [chunk, Q] distance matrix
  for (int64_t start = 0; start < n; start += chunk) {
    const auto d2 = squaredDistances(ab.slice(0, start, std::min(n, start + chunk)).to(torch::kFloat), centres);
    auto [nearest, index] = d2.topk(k, /*dim=*/1, /*largest=*/false, /*sorted=*/true);
    // Shifted by the nearest distance so that far-off values do not underflow to 0/0.
    auto w = torch::exp(-(nearest - nearest.select(1, 0).unsqueeze(1)) / (2.0 * sigma * sigma));
    weights.push_back(w / w.sum(1, /*keepdim=*/true));
    indices.push_back(index);
  }
  return {torch::cat(indices), torch::cat(weights)};
}

std::pair<torch::Tensor, torch::Tensor> rebalancingWeights(const torch::Tensor& p, const torch::Tensor& centres,
                                                           double lambda, double sigma) {
  const int64_t q = p.size(0);
  // Each bin's mass spread over its neighbours by the Gaussian (columns sum to 1: mass is kept).
  auto kernel = torch::exp(-squaredDistances(centres, centres) / (2.0 * sigma * sigma));
  kernel = kernel / kernel.sum(0, /*keepdim=*/true);
  // Elementwise rather than mv: under CUDA autocast a matrix product would round to bf16.
  auto smoothed = (kernel * p.to(torch::kFloat).unsqueeze(0)).sum(1);
  smoothed = smoothed / smoothed.sum().clamp_min(1e-12);
  auto w = 1.0 / ((1.0 - lambda) * smoothed + lambda / double(q));
  w = w / (smoothed * w).sum();
  return {smoothed, w};
}

torch::Tensor colorizationLoss(const torch::Tensor& logits, const torch::Tensor& indices, const torch::Tensor& weights,
                               const torch::Tensor& classWeights) {
  const auto logp = torch::log_softmax(logits.to(torch::kFloat), 1).gather(1, indices);
  const auto perPixel = -(weights * logp).sum(1);
  const auto v = classWeights.index_select(0, indices.select(1, 0));
  return (v * perPixel).mean();
}

ColorizationImpl::ColorizationImpl(const MethodContext& context) : MethodImpl("colorization", context) {
  const auto o = parsedOptions<ColorizationOptions>();
  m_grid = o.grid;
  m_lambda = o.lambda;
  requireConvolutionalBackbone(context.backbone, m_info->title);
  if (context.backbone.inChannels() != 3) {
    throw std::invalid_argument(
        "colorization needs colour (RGB) images: it learns by predicting each pixel's colour (the a*b* channels) "
        "from its lightness, and a dataset with " + std::to_string(context.backbone.inChannels()) +
        " channel(s), such as Fashion-MNIST or MNIST, has no colour to predict. Choose an RGB dataset (shapes, "
        "CIFAR-10, STL-10 or an image folder) or another method");
  }
  m_sigma = 0.5 * m_grid;  // the paper's sigma 5 for its grid of 10
  m_softK = o.softK;
  const AbBins bins = abGamutBins(m_grid);
  const int64_t q = bins.centres.size(0);
  m_softK = std::min(m_softK, q);
  m_centres = register_buffer("bin_centres", bins.centres);
  m_lookup = register_buffer("bin_lookup", bins.lookup);
  m_prior = register_buffer("bin_prior", torch::full({q}, 1.0f / float(q)));
  m_classWeights = register_buffer("class_weights", torch::ones({q}));
  m_priorReady = register_buffer("prior_ready", torch::zeros({1}, torch::kLong));
  m_stage = stageByIndex(*m_backbone, o.stage, "colorization");
  const auto [channels, side] = stageShape(*m_backbone, m_stage);
  m_decoder = register_module("decoder", ConvDecoder(channels, side, q, context.backbone.imageSize(), /*outKernel=*/1));
}

torch::Tensor ColorizationImpl::lightnessInput(const torch::Tensor& lab) const {
  const int64_t c = m_context.backbone.inChannels();
  auto x = augment::normalize((lab.slice(1, 0, 1) / 100.0).expand({-1, c, -1, -1}), m_context.mean, m_context.std);
  return m_context.channelsLast ? toChannelsLast(x) : x.contiguous();
}

void ColorizationImpl::estimatePrior(const torch::Tensor& images) {
  torch::NoGradGuard noGrad;
  const AbBins bins{m_centres, m_lookup, (m_lookup.size(0) - 1) / 2};
  auto counts = torch::zeros({m_centres.size(0)}, torch::TensorOptions().dtype(torch::kDouble).device(m_centres.device()));
  const int64_t n = std::min<int64_t>(images.size(0), 10000), chunk = 256;
  for (int64_t start = 0; start < n; start += chunk) {
    // On the centres' device: the images may be CPU arrays (a training split that is streamed).
    const auto lab = rgbToLab(augment::toFloat(images.slice(0, start, std::min(n, start + chunk)).to(m_centres.device())));
    const auto bin = quantizeAb(lab.slice(1, 1, 3).permute({0, 2, 3, 1}), bins, m_grid).reshape(-1);
    counts += torch::bincount(bin, {}, m_centres.size(0)).to(torch::kDouble);
  }
  const auto [smoothed, weights] = rebalancingWeights((counts / counts.sum()).to(torch::kFloat), m_centres, m_lambda, m_sigma);
  m_prior.copy_(smoothed);
  m_classWeights.copy_(weights);
  m_priorReady.fill_(1);
}

void ColorizationImpl::beginEpoch(int64_t, const torch::Tensor& trainImages) {
  if (!priorEstimated()) estimatePrior(trainImages);
}

// Zhang et al. 2016, eq. (2)-(4): rebalanced cross-entropy of every pixel's ab bin given L.
StepOutput ColorizationImpl::step(const Batch& batch) {
  if (!priorEstimated()) estimatePrior(batch.images);  // no beginEpoch (a step outside the trainer)
  torch::Tensor lab;
  {
    torch::NoGradGuard noGrad;
    lab = rgbToLab(augment::apply(batch.images, m_context.augment));
  }
  const auto features = m_backbone->forwardStages(lightnessInput(lab), m_stage).at(m_stage);
  const auto logits = m_decoder->forward(features);  // [B, Q, H, W]
  const auto pixels = logits.permute({0, 2, 3, 1}).reshape({-1, logits.size(1)});
  torch::Tensor indices, weights;
  {
    torch::NoGradGuard noGrad;
    std::tie(indices, weights) = softEncodeAb(lab.slice(1, 1, 3).permute({0, 2, 3, 1}).reshape({-1, 2}), m_centres,
                                              m_softK, m_sigma);
  }
  StepOutput out;
  out.loss = colorizationLoss(pixels, indices, weights, m_classWeights);
  out.accuracy = pixels.argmax(1).eq(indices.select(1, 0)).to(torch::kFloat).mean().detach();
  return out;
}

}  // namespace pretext::methods

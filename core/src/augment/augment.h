// Batched augmentations on the training device (CPU or CUDA): every op works on a whole float batch
// [B, C, H, W] in [0, 1] at once, with per-image random parameters drawn on that device.
//
// Random draws use `gen` when it is given and lives on the batch's device type, else the device's
// default generator (seeded by torch::manual_seed). No op synchronises with the host.
// Every op returns a new float tensor of the input's shape with values in [0, 1]; images whose
// `mask` entry is false are returned bit-for-bit unchanged.
#pragma once

#include "pretext/augment.h"

#include <torch/torch.h>

#include <utility>

namespace pretext::augment {

/// uint8 [B,C,H,W] (any device) -> float32 in [0,1] on the same device.
torch::Tensor toFloat(const torch::Tensor& images);

/// Applies the enabled ops of `config` in order. `gen` may be undefined: the device's default
/// generator is then used (the trainer seeds it), so runs are reproducible from a seed.
/// `images` is uint8 or floating [B,C,H,W]; the result is float32 on the same device.
/// With nothing enabled the float input itself is returned.
torch::Tensor apply(const torch::Tensor& images, const AugmentConfig& config,
                    c10::optional<at::Generator> gen = c10::nullopt);

/// Two independently augmented views of the same batch (the contrastive methods and the preview).
std::pair<torch::Tensor, torch::Tensor> twoViews(const torch::Tensor& images, const AugmentConfig& config,
                                                 c10::optional<at::Generator> gen = c10::nullopt);

// The single ops. `mask` is a bool [B] choosing the images an op is applied to.

/// Crops a box of area fraction in [scaleMin, scaleMax] and aspect ratio (width/height, drawn
/// log-uniformly) in [ratioMin, ratioMax] from every image and resizes it back to H x W (bilinear).
/// The boxes are torchvision's RandomResizedCrop's (randomCropBoxes), placed uniformly inside the image.
torch::Tensor randomResizedCrop(const torch::Tensor& x, double scaleMin, double scaleMax,
                                c10::optional<at::Generator> gen = c10::nullopt,
                                double ratioMin = 3.0 / 4.0, double ratioMax = 4.0 / 3.0);

/// How many boxes randomCropBoxes draws per image before it falls back to the whole image (torchvision's 10).
constexpr int64_t kCropDraws = 10;
/// Box sizes as fractions of the image's width and height (float [count] each, options' device and dtype).
struct CropBoxes {
  torch::Tensor width, height;
  torch::Tensor drawn;  ///< bool [count]: false where no draw fitted and the box is the fallback
};
/// torchvision's RandomResizedCrop rule, vectorised: per image kCropDraws draws of an area fraction
/// (uniform in [scaleMin, scaleMax]) and a ratio (log-uniform in [ratioMin, ratioMax]), each rounded to a
/// box of whole pixels; the first box that fits inside the image is taken. When none fits, the whole
/// image, cut to ratioMax (ratioMin) along its width (height) when its own ratio is wider (narrower)
/// than that; randomResizedCrop centres it. A box larger than the image is drawn again rather than
/// clipped, which favours smaller crops: on Fashion-MNIST's SimCLR preset it keeps 0.63 of the image on
/// average, clipping kept 0.67.
CropBoxes randomCropBoxes(int64_t count, int64_t height, int64_t width, double scaleMin, double scaleMax,
                          double ratioMin, double ratioMax, c10::optional<at::Generator> gen,
                          const torch::TensorOptions& options);

torch::Tensor hflip(const torch::Tensor& x, const torch::Tensor& mask);
/// torchvision's ColorJitter semantics (factors in [max(0, 1 - b), 1 + b], hue shift in [-hue, hue],
/// hue <= 0.5), applied in the fixed order brightness, contrast, saturation, hue. One-channel
/// images get brightness and contrast only. A zero amount skips that step exactly.
torch::Tensor colorJitter(const torch::Tensor& x, double brightness, double contrast, double saturation,
                          double hue, const torch::Tensor& mask, c10::optional<at::Generator> gen = c10::nullopt);
/// ITU-R 601 luma copied to every channel; identity for one-channel images.
torch::Tensor grayscale(const torch::Tensor& x, const torch::Tensor& mask);
/// Rotates image i by k[i] * 90 degrees counter-clockwise (k int64 [B], values 0..3). Square images.
torch::Tensor rotate90(const torch::Tensor& x, const torch::Tensor& k);
/// Separable Gaussian blur with per-image `sigma` (float [B]); kernel 2r+1 with r = max(1, round(5% of
/// the shorter side)), reflect padding (replicate for images too small to reflect).
torch::Tensor gaussianBlur(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& mask);
/// Fills one `side` x `side` square per image with 0.5. The square lies wholly inside the image
/// (side is clipped to the shorter side), so exactly side^2 pixels per channel are erased.
torch::Tensor cutout(const torch::Tensor& x, int64_t side, const torch::Tensor& mask,
                     c10::optional<at::Generator> gen = c10::nullopt);
/// Adds N(0, stddev^2) per pixel, then clamps to [0, 1].
torch::Tensor gaussianNoise(const torch::Tensor& x, double stddev, const torch::Tensor& mask,
                            c10::optional<at::Generator> gen = c10::nullopt);
/// Sobel gradient magnitude of the luma (replicate padding), divided by the image's largest
/// magnitude (at least 1e-2, so flat images stay black), copied to every channel.
torch::Tensor sobel(const torch::Tensor& x, const torch::Tensor& mask);

/// Per-channel normalisation to zero mean, unit variance with the dataset's statistics
/// (`mean` and `std` hold C values; any device or dtype).
torch::Tensor normalize(const torch::Tensor& x, const torch::Tensor& mean, const torch::Tensor& std);

}  // namespace pretext::augment

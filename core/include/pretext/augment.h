// The seed's augmentations as a plain configuration (the window's panel edits this struct).
#pragma once

#include "pretext/image.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pretext {

class Dataset;

/// One augmentation: applied to each image with `probability`; `strength` in [0, 1] scales it.
struct AugmentOp {
  bool enabled = false;
  float probability = 1.0f;
  float strength = 0.5f;
};

/// All augmentations, applied in this order to a batch on the training device:
/// crop -> flip -> jitter -> grayscale -> rotate -> blur -> cutout -> noise -> sobel.
/// An op with probability <= 0 (or not enabled) draws no random numbers and leaves images untouched.
/// Ops that need colour (saturation, hue, grayscale) skip images with one channel.
struct AugmentConfig {
  AugmentOp crop;       ///< random resized crop; strength s: area scale drawn from [1 - 0.92 s, 1], aspect [3/4, 4/3]
  AugmentOp flip;       ///< horizontal flip (strength unused)
  AugmentOp jitter;     ///< colour jitter; strength s: brightness/contrast/saturation 0.8 s, hue 0.2 s
  AugmentOp grayscale;  ///< colour drop (strength unused)
  AugmentOp rotate;     ///< rotation by 90, 180 or 270 degrees (180 only for non-square images; strength unused)
  AugmentOp blur;       ///< Gaussian blur; strength s: sigma drawn from [0.1, 2 s] (kernel ~ 10% of the side)
  AugmentOp cutout;     ///< one square erased to 0.5 gray; strength s: side = s/2 of the image side
  AugmentOp noise;      ///< additive Gaussian noise; strength s: std 0.2 s
  AugmentOp sobel;      ///< Sobel gradient magnitude replaces the image (strength unused)

  /// SimCLR's recipe (Chen et al. 2020, appendix A) scaled for small images.
  static AugmentConfig simclr();
  /// Light augmentation for supervised and pretext tasks: crop (mild) and flip.
  static AugmentConfig light();
  /// Nothing enabled.
  static AugmentConfig none() { return {}; }
  /// The named recipes, in the order panels list them: simclr, light, none.
  static const std::vector<std::string>& presetNames();
  /// The recipe of that name; throws std::invalid_argument listing presetNames() for another.
  static AugmentConfig preset(const std::string& name);

  /// (name, op) pairs in application order, for panels, config files and the CLI.
  /// Names: crop, flip, jitter, grayscale, rotate, blur, cutout, noise, sobel.
  std::vector<std::pair<std::string, AugmentOp*>> ops();
  std::vector<std::pair<std::string, const AugmentOp*>> ops() const;
};

/// Two augmented views of some training images, for the preview that panels and the CLI show.
struct AugmentPreview {
  std::vector<Image> originals, first, second;  ///< one entry per requested index, in order
};

/// Augments the training images at `indices` (the unlabelled split when there is no training
/// split) twice with `config` on the CPU, drawing from a generator seeded with `seed`: the same
/// arguments give the same pictures. Throws std::out_of_range for an index outside the split.
AugmentPreview previewAugmentations(const Dataset& dataset, const std::vector<std::int64_t>& indices,
                                    const AugmentConfig& config, std::uint64_t seed);

}  // namespace pretext

// Pictures of what an encoder learned: first-layer filters, activation-based attention maps
// (Zagoruyko & Komodakis 2017) and ViT [CLS] attention, as plain images for PNG export.
#pragma once

#include "models/backbone.h"
#include "pretext/evaluation.h"
#include "pretext/image.h"

#include <torch/torch.h>

#include <array>
#include <string>
#include <vector>

namespace pretext::eval {

/// Filters [O, I, k, k] as a grid of k x k tiles, each normalised to its own [min, max] (RGB for
/// I == 3, gray otherwise: the mean over input channels when I != 1), scaled up by `scale`.
Image filterGrid(const torch::Tensor& weight, int scale, const SheetColours& colours = {});

/// Activation-based spatial attention (Zagoruyko & Komodakis 2017, eq. 2 with mean instead of
/// sum): mean over channels of |a|^p for feature maps [B, C, h, w] -> [B, h, w].
torch::Tensor activationAttention(const torch::Tensor& maps, double p);

/// Maps [B, h, w] scaled bilinearly to height x width and each normalised to [0, 1].
torch::Tensor upsampleNormalised(const torch::Tensor& maps, int64_t height, int64_t width);

/// An inferno-like colour for v in [0, 1].
std::array<std::uint8_t, 3> heatColour(double v);

/// The image (uint8 [C, H, W]) scaled up by `scale`, in gray, with `heat` [H*scale, W*scale] in
/// [0, 1] blended over it.
Image overlayHeat(const torch::Tensor& image, const torch::Tensor& heat, int scale);

/// One row per image: the image, then its attention overlay at each stage (ViT: one column,
/// the last block's [CLS] attention averaged over heads).
Image attentionGrid(models::BackboneImpl& backbone, const torch::Tensor& images, const std::vector<std::string>& captions,
                    const torch::Tensor& mean, const torch::Tensor& std, const torch::Device& device,
                    const std::vector<std::string>& stages, double p, int scale, const SheetColours& colours = {});

/// A 2-pixel frame in the given colour (wrong neighbours in the retrieval gallery).
void frame(Image& image, std::uint8_t r, std::uint8_t g, std::uint8_t b);

}  // namespace pretext::eval

// Plain images that cross the core's boundary: no torch, no Qt.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pretext {

/// An 8-bit image, rows top to bottom, channels interleaved (gray: 1, RGB: 3).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;  ///< width * height * channels bytes

  Image() = default;
  Image(int w, int h, int c) : width(w), height(h), channels(c), pixels(std::size_t(w) * h * c, 0) {}
  bool empty() const { return pixels.empty(); }
  std::uint8_t* at(int x, int y) { return pixels.data() + (std::size_t(y) * width + x) * channels; }
  const std::uint8_t* at(int x, int y) const { return pixels.data() + (std::size_t(y) * width + x) * channels; }
};

/// Writes an 8-bit PNG (gray or RGB). Written to a temporary file and renamed, so a reader never
/// sees half a file. Throws std::runtime_error naming the path when it cannot be written.
void savePng(const Image& image, const std::string& path);

/// Scales an image by an integer factor with nearest-neighbour sampling (for small 28x28 tiles).
Image upscale(const Image& image, int factor);

/// Converts gray to RGB (RGB is returned unchanged).
Image toRgb(const Image& image);

/// Tiles images into a grid with a gap between them; captions, if given, are drawn under each
/// tile with a built-in 5x7 pixel font (ASCII only), so headless runs can label their sheets.
Image makeGrid(const std::vector<Image>& tiles, int columns, int gap = 2,
               const std::vector<std::string>& captions = {}, int scale = 1);

/// Draws text with the built-in 5x7 font at (x, y), in the given RGB colour.
void drawText(Image& image, int x, int y, const std::string& text, std::uint8_t r, std::uint8_t g,
              std::uint8_t b, int scale = 1);

}  // namespace pretext

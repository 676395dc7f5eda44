// A PNG writer (8-bit gray and RGB, zlib for deflate and the checksums) and image-sheet helpers,
// so that the core and the headless CLI can write pictures without Qt or OpenCV (the GPU servers
// have neither). Format: PNG specification, ISO/IEC 15948.
#include "io/fileutil.h"
#include "io/sheet.h"
#include "pretext/image.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

namespace pretext {
namespace {

const std::uint8_t kFont[95][11] = {
#include "io/font6x11.inc"
};
constexpr int kGlyphW = 6;
constexpr int kGlyphH = 11;

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(std::uint8_t(v >> 24));
  out.push_back(std::uint8_t(v >> 16));
  out.push_back(std::uint8_t(v >> 8));
  out.push_back(std::uint8_t(v));
}

// Length, type, data, and the CRC-32 of type and data.
void putChunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
  putU32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = ::crc32(::crc32(0L, Z_NULL, 0), out.data() + start, uInt(out.size() - start));
  putU32(out, static_cast<std::uint32_t>(crc));
}

// A zlib stream (deflate with its Adler-32 trailer), as IDAT holds it.
std::vector<std::uint8_t> zlibCompress(const std::vector<std::uint8_t>& raw, const std::string& path) {
  uLongf size = compressBound(uLong(raw.size()));
  std::vector<std::uint8_t> out(size);
  const int rc = compress2(out.data(), &size, raw.data(), uLong(raw.size()), 6);
  if (rc != Z_OK) throw std::runtime_error("savePng " + path + ": zlib error " + std::to_string(rc));
  out.resize(size);
  return out;
}

}  // namespace

void savePng(const Image& image, const std::string& path) {
  if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != std::size_t(image.width) * image.height * image.channels) {
    throw std::invalid_argument("savePng " + path + ": bad image " + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + "x" + std::to_string(image.channels));
  }
  const std::size_t stride = std::size_t(image.width) * image.channels;
  std::vector<std::uint8_t> raw;
  raw.reserve((stride + 1) * image.height);
  for (int y = 0; y < image.height; ++y) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), image.pixels.begin() + y * stride, image.pixels.begin() + (y + 1) * stride);
  }
  std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> ihdr;
  putU32(ihdr, std::uint32_t(image.width));
  putU32(ihdr, std::uint32_t(image.height));
  ihdr.insert(ihdr.end(), {8, std::uint8_t(image.channels == 1 ? 0 : 2), 0, 0, 0});
  putChunk(png, "IHDR", ihdr);
  putChunk(png, "IDAT", zlibCompress(raw, path));
  putChunk(png, "IEND", {});
  io::writeFileAtomic(path, png.data(), png.size());
}

Image upscale(const Image& image, int factor) {
  if (factor <= 1) return image;
  Image out(image.width * factor, image.height * factor, image.channels);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      std::memcpy(out.at(x, y), image.at(x / factor, y / factor), image.channels);
    }
  }
  return out;
}

Image toRgb(const Image& image) {
  if (image.channels == 3) return image;
  Image out(image.width, image.height, 3);
  for (std::size_t i = 0; i < std::size_t(image.width) * image.height; ++i) {
    out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = image.pixels[i];
  }
  return out;
}

void drawText(Image& image, int x, int y, const std::string& text, std::uint8_t r, std::uint8_t g,
              std::uint8_t b, int scale) {
  const std::uint8_t rgb[3] = {r, g, b};
  for (char ch : text) {
    const int code = static_cast<unsigned char>(ch);
    const auto& glyph = kFont[(code >= 32 && code < 127) ? code - 32 : '?' - 32];
    for (int gy = 0; gy < kGlyphH * scale; ++gy) {
      for (int gx = 0; gx < kGlyphW * scale; ++gx) {
        if (!((glyph[gy / scale] >> (kGlyphW - 1 - gx / scale)) & 1)) continue;
        const int px = x + gx, py = y + gy;
        if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
        std::uint8_t* p = image.at(px, py);
        if (image.channels >= 3) {
          p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
          if (image.channels == 4) p[3] = 255;
        } else {
          p[0] = std::uint8_t((299 * r + 587 * g + 114 * b) / 1000);
        }
      }
    }
    x += kGlyphW * scale;
  }
}

Image makeGrid(const std::vector<Image>& tiles, int columns, int gap, const std::vector<std::string>& captions,
               int scale) {
  return makeSheet(tiles, columns, gap, captions, scale, SheetColours{});
}

Image makeSheet(const std::vector<Image>& tiles, int columns, int gap, const std::vector<std::string>& captions,
                int scale, const SheetColours& colours) {
  const int channels = colours.transparent ? 4 : 3;
  if (tiles.empty()) return Image(1, 1, channels);
  columns = std::max(1, std::min<int>(columns, int(tiles.size())));
  const int rows = (int(tiles.size()) + columns - 1) / columns;
  int tileW = 0, tileH = 0;
  for (const auto& t : tiles) {
    tileW = std::max(tileW, t.width * scale);
    tileH = std::max(tileH, t.height * scale);
  }
  std::size_t longest = 0;
  for (const auto& c : captions) longest = std::max(longest, c.size());
  const int captionH = captions.empty() ? 0 : kGlyphH + 2;
  // Captions keep one glyph of space between neighbours.
  const int cellW = std::max<int>(tileW, longest ? int(longest + 1) * kGlyphW : 0) + gap;
  const int cellH = tileH + captionH + gap;
  Image out(columns * cellW + gap, rows * cellH + gap, channels);
  for (std::size_t i = 0; i < out.pixels.size(); i += std::size_t(channels)) {
    std::copy(colours.paper, colours.paper + 3, out.pixels.begin() + std::ptrdiff_t(i));
    if (channels == 4) out.pixels[i + 3] = 0;
  }
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const Image tile = toRgb(upscale(tiles[i], scale));
    const int cx = gap + int(i % columns) * cellW, cy = gap + int(i / columns) * cellH;
    const int ox = cx + (cellW - gap - tile.width) / 2;
    for (int y = 0; y < tile.height; ++y) {
      if (channels == 3) {
        std::memcpy(out.at(ox, cy + y), tile.at(0, y), std::size_t(tile.width) * 3);
        continue;
      }
      for (int x = 0; x < tile.width; ++x) {
        std::uint8_t* p = out.at(ox + x, cy + y);
        std::memcpy(p, tile.at(x, y), 3);
        p[3] = 255;
      }
    }
    if (i < captions.size()) {
      const int textW = int(captions[i].size()) * kGlyphW;
      drawText(out, cx + (cellW - gap - textW) / 2, cy + tileH + 1, captions[i], colours.ink[0], colours.ink[1],
               colours.ink[2]);
    }
  }
  return out;
}

}  // namespace pretext

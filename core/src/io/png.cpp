// A small PNG writer/reader (8-bit gray and RGB) and image-sheet helpers, so that the core and the
// headless CLI can write pictures without Qt or OpenCV (the GPU servers have neither).
#include "io/fileutil.h"
#include "pretext/image.h"

#include <array>
#include <cstring>
#include <stdexcept>

#ifdef PRETEXT_HAVE_ZLIB
#include <zlib.h>
#endif

namespace pretext {
namespace {

const std::uint8_t kFont[95][11] = {
#include "io/font6x11.inc"
};
constexpr int kGlyphW = 6;
constexpr int kGlyphH = 11;

std::uint32_t crc32(const std::uint8_t* data, std::size_t n, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t adler32(const std::uint8_t* data, std::size_t n) {
  std::uint32_t a = 1, b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(std::uint8_t(v >> 24));
  out.push_back(std::uint8_t(v >> 16));
  out.push_back(std::uint8_t(v >> 8));
  out.push_back(std::uint8_t(v));
}

std::uint32_t getU32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

void putChunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
  putU32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  putU32(out, crc32(out.data() + start, out.size() - start));
}

// zlib stream of stored (uncompressed) deflate blocks, for builds without zlib.
std::vector<std::uint8_t> zlibStored(const std::vector<std::uint8_t>& raw) {
  std::vector<std::uint8_t> out{0x78, 0x01};
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(std::uint8_t(n & 0xFF));
    out.push_back(std::uint8_t(n >> 8));
    out.push_back(std::uint8_t(~n & 0xFF));
    out.push_back(std::uint8_t((~n >> 8) & 0xFF));
    out.insert(out.end(), raw.begin() + pos, raw.begin() + pos + n);
    pos += n;
  } while (pos < raw.size());
  putU32(out, adler32(raw.data(), raw.size()));
  return out;
}

std::vector<std::uint8_t> zlibCompress(const std::vector<std::uint8_t>& raw) {
#ifdef PRETEXT_HAVE_ZLIB
  uLongf size = compressBound(raw.size());
  std::vector<std::uint8_t> out(size);
  if (compress2(out.data(), &size, raw.data(), raw.size(), 6) == Z_OK) {
    out.resize(size);
    return out;
  }
#endif
  return zlibStored(raw);
}

std::vector<std::uint8_t> zlibInflate(const std::vector<std::uint8_t>& z, std::size_t expected,
                                      const std::string& path) {
#ifdef PRETEXT_HAVE_ZLIB
  std::vector<std::uint8_t> out(expected);
  uLongf size = expected;
  if (uncompress(out.data(), &size, z.data(), z.size()) != Z_OK || size != expected) {
    throw std::runtime_error(path + ": corrupt PNG image data");
  }
  return out;
#else
  // Stored blocks only.
  std::vector<std::uint8_t> out;
  std::size_t pos = 2;
  bool last = false;
  while (!last) {
    if (pos + 5 > z.size() || (z[pos] & 0x06) != 0) {
      throw std::runtime_error(path + ": compressed PNG needs zlib, which this build lacks");
    }
    last = z[pos] & 1;
    const std::size_t n = z[pos + 1] | (z[pos + 2] << 8);
    pos += 5;
    if (pos + n > z.size()) throw std::runtime_error(path + ": truncated PNG image data");
    out.insert(out.end(), z.begin() + pos, z.begin() + pos + n);
    pos += n;
  }
  if (out.size() != expected) throw std::runtime_error(path + ": corrupt PNG image data");
  return out;
#endif
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
  putChunk(png, "IDAT", zlibCompress(raw));
  putChunk(png, "IEND", {});
  io::writeFileAtomic(path, png.data(), png.size());
}

Image loadPng(const std::string& path) {
  const auto bytes = io::readFile(path);
  static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), sig, 8) != 0) {
    throw std::runtime_error(path + ": not a PNG file");
  }
  Image image;
  std::vector<std::uint8_t> z;
  std::size_t pos = 8;
  bool end = false;
  while (!end) {
    if (pos + 12 > bytes.size()) throw std::runtime_error(path + ": truncated PNG");
    const std::uint32_t len = getU32(&bytes[pos]);
    if (len > bytes.size() - pos - 12) throw std::runtime_error(path + ": truncated PNG chunk");
    const std::string type(reinterpret_cast<const char*>(&bytes[pos + 4]), 4);
    const std::uint8_t* data = &bytes[pos + 8];
    if (crc32(&bytes[pos + 4], len + 4) != getU32(data + len)) {
      throw std::runtime_error(path + ": PNG chunk " + type + " has a bad checksum");
    }
    if (type == "IHDR") {
      if (len != 13) throw std::runtime_error(path + ": bad PNG header");
      image.width = int(getU32(data));
      image.height = int(getU32(data + 4));
      if (data[8] != 8 || (data[9] != 0 && data[9] != 2) || data[12] != 0 || image.width <= 0 ||
          image.height <= 0 || image.width > 1 << 15 || image.height > 1 << 15) {
        throw std::runtime_error(path + ": only 8-bit gray/RGB non-interlaced PNGs are supported");
      }
      image.channels = data[9] == 0 ? 1 : 3;
    } else if (type == "IDAT") {
      z.insert(z.end(), data, data + len);
    } else if (type == "IEND") {
      end = true;
    }
    pos += 12 + len;
  }
  if (image.channels == 0) throw std::runtime_error(path + ": PNG without header");
  const std::size_t stride = std::size_t(image.width) * image.channels;
  // Deflate expands at most ~1032:1, so a header promising far more pixels than the image data
  // could hold is corrupt: refuse it before allocating gigabytes for a few bytes of input.
  if ((stride + 1) * std::size_t(image.height) > 1100 * z.size() + 1024) {
    throw std::runtime_error(path + ": PNG header promises " + std::to_string(image.width) + "x" +
                             std::to_string(image.height) + " pixels, more than its " + std::to_string(z.size()) +
                             " bytes of image data can hold");
  }
  const auto raw = zlibInflate(z, (stride + 1) * image.height, path);
  image.pixels.resize(stride * image.height);
  const int bpp = image.channels;
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    std::uint8_t* out = &image.pixels[y * stride];
    const std::uint8_t* up = y > 0 ? out - stride : nullptr;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= std::size_t(bpp) ? out[x - bpp] : 0;
      const int b = up ? up[x] : 0;
      const int c = (up && x >= std::size_t(bpp)) ? up[x - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          break;
        }
        default: throw std::runtime_error(path + ": bad PNG row filter");
      }
      out[x] = std::uint8_t(in[x] + pred);
    }
  }
  return image;
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
        if (image.channels == 3) {
          p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
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
  if (tiles.empty()) return Image(1, 1, 3);
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
  Image out(columns * cellW + gap, rows * cellH + gap, 3);
  std::fill(out.pixels.begin(), out.pixels.end(), std::uint8_t(255));
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const Image tile = toRgb(upscale(tiles[i], scale));
    const int cx = gap + int(i % columns) * cellW, cy = gap + int(i / columns) * cellH;
    const int ox = cx + (cellW - gap - tile.width) / 2;
    for (int y = 0; y < tile.height; ++y) {
      std::memcpy(out.at(ox, cy + y), tile.at(0, y), std::size_t(tile.width) * 3);
    }
    if (i < captions.size()) {
      const int textW = int(captions[i].size()) * kGlyphW;
      drawText(out, cx + (cellW - gap - textW) / 2, cy + tileH + 1, captions[i], 20, 20, 20);
    }
  }
  return out;
}

}  // namespace pretext

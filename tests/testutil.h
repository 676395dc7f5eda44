// Helpers shared by the core tests: a scratch folder, small file writers, and a PNG reader for
// checking what savePng writes.
#pragma once

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

namespace testutil {

inline void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  QVERIFY2(out.good(), path.c_str());
}

inline void writeGz(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  QVERIFY(f != nullptr);
  QCOMPARE(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
}

inline void putBe32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(std::uint8_t(v >> s));
}

/// IDX image file: n images of h x w, pixel value (i * 7 + y * w + x) % 256.
inline std::vector<std::uint8_t> idxImages(std::uint32_t n, std::uint32_t h, std::uint32_t w) {
  std::vector<std::uint8_t> b;
  putBe32(b, 0x00000803);
  putBe32(b, n);
  putBe32(b, h);
  putBe32(b, w);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t p = 0; p < h * w; ++p) b.push_back(std::uint8_t((i * 7 + p) % 256));
  return b;
}

/// IDX label file: label i % classes.
inline std::vector<std::uint8_t> idxLabels(std::uint32_t n, std::uint32_t classes) {
  std::vector<std::uint8_t> b;
  putBe32(b, 0x00000801);
  putBe32(b, n);
  for (std::uint32_t i = 0; i < n; ++i) b.push_back(std::uint8_t(i % classes));
  return b;
}

/// The pixels of a PNG as savePng writes it (8-bit gray or RGB, every row with filter 0), read
/// with zlib alone: each chunk's CRC-32 checked with crc32(), the IDAT data inflated with
/// uncompress() (which checks its Adler-32). Fails the test on anything else.
struct DecodedPng {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};
inline DecodedPng decodePng(const std::string& path) {
  DecodedPng png;
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || !std::equal(sig, sig + 8, bytes.begin())) {
    QTest::qFail(("not a PNG: " + path).c_str(), __FILE__, __LINE__);
    return {};
  }
  const auto be32 = [&](std::size_t at) {
    return (std::uint32_t(bytes[at]) << 24) | (std::uint32_t(bytes[at + 1]) << 16) | (std::uint32_t(bytes[at + 2]) << 8) |
           bytes[at + 3];
  };
  std::vector<std::uint8_t> idat;
  bool ended = false;
  for (std::size_t pos = 8; !ended;) {
    if (pos + 12 > bytes.size() || be32(pos) > bytes.size() - pos - 12) {
      QTest::qFail(("truncated PNG: " + path).c_str(), __FILE__, __LINE__);
      return {};
    }
    const std::uint32_t len = be32(pos);
    const std::string type(bytes.begin() + long(pos) + 4, bytes.begin() + long(pos) + 8);
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), &bytes[pos + 4], len + 4);
    if (crc != be32(pos + 8 + len)) {
      QTest::qFail(("bad CRC-32 in chunk " + type + " of " + path).c_str(), __FILE__, __LINE__);
      return {};
    }
    const std::uint8_t* data = &bytes[pos + 8];
    if (type == "IHDR") {
      png.width = int(be32(pos + 8));
      png.height = int(be32(pos + 12));
      png.channels = data[9] == 0 ? 1 : data[9] == 2 ? 3 : 0;
      if (len != 13 || data[8] != 8 || png.channels == 0 || data[10] || data[11] || data[12]) {
        QTest::qFail(("not an 8-bit gray/RGB PNG: " + path).c_str(), __FILE__, __LINE__);
        return {};
      }
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (type == "IEND") {
      ended = true;
    }
    pos += 12 + len;
  }
  const std::size_t stride = std::size_t(png.width) * png.channels;
  std::vector<std::uint8_t> raw((stride + 1) * std::size_t(png.height));
  uLongf size = uLongf(raw.size());
  if (uncompress(raw.data(), &size, idat.data(), uLong(idat.size())) != Z_OK || size != raw.size()) {
    QTest::qFail(("IDAT does not inflate to the image's size: " + path).c_str(), __FILE__, __LINE__);
    return {};
  }
  for (int y = 0; y < png.height; ++y) {
    const auto row = raw.begin() + long(y * (stride + 1));
    if (*row != 0) {
      QTest::qFail(("row filter other than 0: " + path).c_str(), __FILE__, __LINE__);
      return {};
    }
    png.pixels.insert(png.pixels.end(), row + 1, row + 1 + long(stride));
  }
  return png;
}

}  // namespace testutil

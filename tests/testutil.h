// Helpers shared by the core tests: a scratch folder and small file writers.
#pragma once

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#ifdef PRETEXT_HAVE_ZLIB
#include <zlib.h>
#endif

namespace testutil {

inline void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  QVERIFY2(out.good(), path.c_str());
}

inline void writeGz(const std::string& path, const std::vector<std::uint8_t>& bytes) {
#ifdef PRETEXT_HAVE_ZLIB
  gzFile f = gzopen(path.c_str(), "wb");
  QVERIFY(f != nullptr);
  QCOMPARE(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
#else
  Q_UNUSED(path);
  Q_UNUSED(bytes);
  QSKIP("built without zlib");
#endif
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

}  // namespace testutil

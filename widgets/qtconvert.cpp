#include "qtconvert.h"

#include "pretext/image.h"

#include <cstring>

namespace pretext {

QImage toQImage(const Image& image) {
  QImage::Format format = QImage::Format_Invalid;
  switch (image.channels) {
    case 1: format = QImage::Format_Grayscale8; break;
    case 3: format = QImage::Format_RGB888; break;
    case 4: format = QImage::Format_RGBA8888; break;
    default: return {};
  }
  const std::size_t rowBytes = std::size_t(image.width) * image.channels;
  if (image.width <= 0 || image.height <= 0 || image.pixels.size() < rowBytes * image.height) return {};
  QImage out(image.width, image.height, format);
  // QImage rows are padded to 4 bytes, the core's are not: copy row by row.
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(out.scanLine(y), image.pixels.data() + rowBytes * y, rowBytes);
  }
  return out;
}

Image fromQImage(const QImage& image) {
  if (image.isNull()) return {};
  QImage src;
  int channels = 3;
  if (image.format() == QImage::Format_Grayscale8 || image.format() == QImage::Format_Grayscale16) {
    src = image.convertToFormat(QImage::Format_Grayscale8);
    channels = 1;
  } else if (image.hasAlphaChannel()) {
    src = image.convertToFormat(QImage::Format_RGBA8888);
    channels = 4;
  } else {
    src = image.convertToFormat(QImage::Format_RGB888);
  }
  Image out(src.width(), src.height(), channels);
  const std::size_t rowBytes = std::size_t(src.width()) * channels;
  for (int y = 0; y < src.height(); ++y) {
    std::memcpy(out.pixels.data() + rowBytes * y, src.constScanLine(y), rowBytes);
  }
  return out;
}

}  // namespace pretext

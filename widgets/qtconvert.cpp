#include "qtconvert.h"

#include "pretext/image.h"

#include <QFontMetrics>
#include <QPainter>
#include <QStringList>

#include <algorithm>
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

namespace {

QString joined(const std::vector<double>& values) {
  QStringList parts;
  for (double v : values) parts << QString::number(v, 'g', 8);  // C locale, whatever the user's
  return parts.join(QLatin1Char(' '));
}

std::vector<double> split(const QString& text) {
  std::vector<double> out;
  for (const QString& part : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) out.push_back(part.toDouble());
  return out;
}

}  // namespace

void attachFilterMeasures(QImage& grid, const FilterMeasures& m) {
  grid.setText(QStringLiteral("edge_likeness"), QString::number(m.edgeLikeness, 'g', 8));
  grid.setText(QStringLiteral("filter_change"), QString::number(m.change, 'g', 8));
  grid.setText(QStringLiteral("start_magnitude"), QString::number(m.startMagnitude, 'g', 8));
  grid.setText(QStringLiteral("filter_edge_likeness"), joined(m.filterEdgeLikeness));
  grid.setText(QStringLiteral("filter_changes"), joined(m.filterChange));
  grid.setText(QStringLiteral("filter_start_magnitudes"), joined(m.filterStartMagnitude));
}

FilterMeasures filterMeasuresOf(const QImage& grid) {
  FilterMeasures m;
  bool ok = false;
  const double edge = grid.text(QStringLiteral("edge_likeness")).toDouble(&ok);
  if (!ok) return m;
  m.edgeLikeness = edge;
  m.change = grid.text(QStringLiteral("filter_change")).toDouble();
  m.startMagnitude = grid.text(QStringLiteral("start_magnitude")).toDouble();
  m.filterEdgeLikeness = split(grid.text(QStringLiteral("filter_edge_likeness")));
  m.filterChange = split(grid.text(QStringLiteral("filter_changes")));
  m.filterStartMagnitude = split(grid.text(QStringLiteral("filter_start_magnitudes")));
  return m;
}

}  // namespace pretext

int SideBySideLayout::captionBand(const QFont& font) { return QFontMetrics(font).height() + 8; }

QImage captionedSideBySide(const QImage& left, const QString& leftCaption, const QImage& right, const QString& rightCaption,
                           const QFont& font) {
  const QFontMetrics metrics(font);
  const int gap = SideBySideLayout::gap, top = SideBySideLayout::captionBand(font);
  const int leftW = std::max(left.width(), metrics.horizontalAdvance(leftCaption));
  const int rightW = std::max(right.width(), metrics.horizontalAdvance(rightCaption));
  QImage out(leftW + rightW + 3 * gap, std::max(left.height(), right.height()) + top + gap, QImage::Format_RGB32);
  out.fill(Qt::white);
  QPainter painter(&out);
  painter.drawImage(gap, top, left);
  painter.drawImage(2 * gap + leftW, top, right);
  painter.setFont(font);
  painter.setPen(QColor(20, 20, 20));
  painter.setRenderHint(QPainter::TextAntialiasing);
  painter.drawText(QRect(gap, 4, leftW, top - 4), Qt::AlignLeft | Qt::AlignTop | Qt::TextSingleLine, leftCaption);
  painter.drawText(QRect(2 * gap + leftW, 4, rightW, top - 4), Qt::AlignLeft | Qt::AlignTop | Qt::TextSingleLine, rightCaption);
  return out;
}

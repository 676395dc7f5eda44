// What the widget tests share.
#pragma once

#include "shapesrun.h"

#include <pretext/training.h>

#include <QApplication>
#include <QColor>
#include <QFont>
#include <QFontMetrics>
#include <QImage>
#include <QLabel>
#include <QPalette>
#include <QtTest/QtTest>

namespace widgettest {

/// A run on the synthetic shapes (16 a class) that trains in a second or two: ConvNet width 8.
inline pretext::TrainConfig shapesConfig(const std::string& method, const QString& outDir) {
  pretext::TrainConfig c = testrun::shapesRun(method, 16, outDir.toStdString());
  c.epochs = 1;
  return c;
}

/// A dark palette for screenshots of a panel alone (the window's own comes with MainWindow).
inline QPalette darkPalette() {
  QPalette p;
  p.setColor(QPalette::Window, QColor(0x30, 0x30, 0x30));
  p.setColor(QPalette::Base, QColor(0x24, 0x24, 0x24));
  p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
  p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
  p.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
  p.setColor(QPalette::Button, QColor(0x40, 0x40, 0x40));
  return p;
}

/// View > Large font: a caption set a size above the application's font (x1.3, bold) grows with it
/// and comes back.
inline void checkCaptionFollowsAppFont(const QLabel* caption) {
  const QFont normal = QApplication::font();
  const double before = caption->font().pointSizeF();
  QVERIFY(before > normal.pointSizeF());
  QVERIFY(caption->font().bold());
  QFont large = normal;
  large.setPointSizeF(normal.pointSizeF() * 1.5);
  QApplication::setFont(large);
  QTRY_COMPARE(caption->font().pointSizeF(), large.pointSizeF() * 1.3);
  QApplication::setFont(normal);
  QTRY_COMPARE(caption->font().pointSizeF(), before);
}

/// Whether `out` is `left` and `right` side by side under captions as the window saves such sheets
/// (qtconvert.h, captionedSideBySide): each sheet's pixels, over white, at its place below a
/// caption band of the font's height, and dark caption ink in the band above each of them. The
/// places are computed here from the layout's gap and band, not taken from the drawing code.
inline bool isCaptionedSideBySide(const QImage& out, const QImage& left, const QString& leftCaption, const QImage& right,
                                  const QString& rightCaption, const QFont& font, QString* why) {
  const int gap = 12, top = QFontMetrics(font).height() + 8;
  const auto fail = [why](const QString& text) {
    *why = text;
    return false;
  };
  if (out.height() != std::max(left.height(), right.height()) + top + gap) return fail(QStringLiteral("height %1").arg(out.height()));
  const QFontMetrics metrics(font);
  const int leftW = std::max(left.width(), metrics.horizontalAdvance(leftCaption));
  const int rightW = std::max(right.width(), metrics.horizontalAdvance(rightCaption));
  if (out.width() != leftW + rightW + 3 * gap) return fail(QStringLiteral("width %1").arg(out.width()));
  const auto overWhite = [](QRgb c) {
    const int a = qAlpha(c);
    const auto mix = [a](int v) { return (v * a + 255 * (255 - a) + 127) / 255; };
    return qRgb(mix(qRed(c)), mix(qGreen(c)), mix(qBlue(c)));
  };
  const QImage l = left.convertToFormat(QImage::Format_ARGB32), r = right.convertToFormat(QImage::Format_ARGB32);
  for (const auto& [sheet, x0] : {std::pair<const QImage&, int>{l, gap}, std::pair<const QImage&, int>{r, 2 * gap + leftW}}) {
    for (int y = 0; y < sheet.height(); ++y) {
      for (int x = 0; x < sheet.width(); ++x) {
        const QRgb want = overWhite(sheet.pixel(x, y)), got = out.pixel(x0 + x, top + y);
        if (std::abs(qRed(want) - qRed(got)) > 1 || std::abs(qGreen(want) - qGreen(got)) > 1 || std::abs(qBlue(want) - qBlue(got)) > 1) {
          return fail(QStringLiteral("pixel (%1, %2) of the sheet at x %3").arg(x).arg(y).arg(x0));
        }
      }
    }
    int ink = 0;
    for (int y = 0; y < top; ++y) {
      for (int x = x0; x < x0 + std::min(sheet.width(), 40); ++x) ink += qGray(out.pixel(x, y)) < 128;
    }
    if (ink < 5) return fail(QStringLiteral("no caption above the sheet at x %1").arg(x0));
  }
  return true;
}

}  // namespace widgettest

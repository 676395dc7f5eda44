// Conversions between the core's plain images and Qt's, at the edge of the widgets.
#pragma once

#include <pretext/filters.h>

#include <QFont>
#include <QImage>
#include <QString>

namespace pretext {
struct Image;

/// Writes `measures` into the texts of a filter grid (QImage::setText), so that the live grids the
/// training worker sends carry them; filterMeasuresOf reads them back (edgeLikeness < 0: none).
void attachFilterMeasures(QImage& grid, const FilterMeasures& measures);
FilterMeasures filterMeasuresOf(const QImage& grid);

/// A deep copy of `image` as a QImage: gray (1 channel) becomes Format_Grayscale8, RGB (3)
/// Format_RGB888, RGBA (4) Format_RGBA8888. Any other channel count gives a null QImage.
QImage toQImage(const Image& image);

/// The pixels of `image` as a plain image: gray formats give 1 channel, images with alpha 4,
/// everything else 3 (RGB). A null QImage gives an empty Image.
Image fromQImage(const QImage& image);

}  // namespace pretext

/// Two sheets side by side under their captions, as pretext::sideBySide lays them out for the CLI,
/// but with the captions drawn by Qt in `font` (the window's font, which has CJK glyphs), so that a
/// sheet the window saves is captioned in the window's language. White paper, dark ink (RGB32):
/// each column is as wide as its sheet or its caption, whichever is wider; transparent gaps of a
/// themed sheet come out white.
QImage captionedSideBySide(const QImage& left, const QString& leftCaption, const QImage& right, const QString& rightCaption,
                           const QFont& font);
/// The layout captionedSideBySide uses: the gap around and between the columns, and the height of
/// the caption band above the sheets.
struct SideBySideLayout {
  static constexpr int gap = 12;
  static int captionBand(const QFont& font);
};

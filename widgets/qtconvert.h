// Conversions between the core's plain images and Qt's, at the edge of the widgets.
#pragma once

#include <pretext/filters.h>

#include <QImage>

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

// QCustomPlot draws in fixed colours (white paper, black ink); this makes a plot follow the window's
// palette, so charts are dark in the dark theme.
#pragma once

#include <QPalette>

class QCustomPlot;

/// Background, axes, grid, legend and the title element (row 0 of the layout, when it is one) in the
/// palette's colours. Graph colours are left alone. Does not replot.
void applyPaletteToPlot(QCustomPlot* plot, const QPalette& palette);

/// True when the palette's base (the plot's background) is dark.
inline bool isDarkPalette(const QPalette& palette) { return palette.color(QPalette::Base).lightness() < 128; }

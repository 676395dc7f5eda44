#include "plottheme.h"

#include <qcustomplot.h>

void applyPaletteToPlot(QCustomPlot* plot, const QPalette& pal) {
  if (!plot) return;
  const QColor ink = pal.color(QPalette::Text);
  QColor grid = pal.color(QPalette::Mid);
  grid.setAlpha(90);
  plot->setBackground(pal.brush(QPalette::Base));
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
    axis->setBasePen(QPen(ink));
    axis->setTickPen(QPen(ink));
    axis->setSubTickPen(QPen(ink));
    axis->setTickLabelColor(ink);
    axis->setLabelColor(ink);
    axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    QColor zero = grid;
    zero.setAlpha(160);
    axis->grid()->setZeroLinePen(QPen(zero, 1));
  }
  QColor legendBack = pal.color(QPalette::Base);
  legendBack.setAlpha(210);
  plot->legend->setBrush(legendBack);
  plot->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
  plot->legend->setTextColor(ink);
  if (plot->plotLayout()->elementCount() > 0) {
    if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0))) title->setTextColor(ink);
  }
}

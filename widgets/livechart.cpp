#include "livechart.h"

#include "plottheme.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QMenu>
#include <QMessageBox>
#include <QPageSize>
#include <QPdfWriter>
#include <QPushButton>
#include <QSaveFile>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

const QColor kRunColours[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                              QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b)};

QCustomPlot* makePlot(const QString& title, const QString& x, const QString& y, bool legend, QWidget* parent) {
  auto* plot = new QCustomPlot(parent);
  plot->plotLayout()->insertRow(0);
  auto* heading = new QCPTextElement(plot, title, QFont(plot->font().family(), plot->font().pointSize() + 1, QFont::Bold));
  heading->setMargins(QMargins(0, 4, 0, 0));
  plot->plotLayout()->addElement(0, 0, heading);
  plot->xAxis->setLabel(x);
  plot->yAxis->setLabel(y);
  plot->legend->setVisible(false);  // shown with the first run (an empty legend is a stray box)
  plot->setProperty("pretextLegend", legend);
  QFont small = plot->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  plot->legend->setFont(small);
  plot->legend->setRowSpacing(0);
  plot->legend->setBrush(QColor(255, 255, 255, 210));
  plot->legend->setBorderPen(QPen(QColor(0, 0, 0, 60)));
  plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  plot->setMinimumSize(220, 160);
  plot->setToolTip(QObject::tr("Wheel: zoom · drag: pan · double-click: follow the data again · right-click: export"));
  return plot;
}

QString csvCell(const QString& s) {
  if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))) return s;
  QString quoted = s;
  quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + quoted + QLatin1Char('"');
}

/// PNG or PDF of `plots` laid out in a grid of `columns`, each cell width/columns wide.
bool renderPlots(const QList<QCustomPlot*>& plots, int columns, const QString& path, int width, int height) {
  const int rows = (int(plots.size()) + columns - 1) / columns;
  const int cellW = width / columns, cellH = height / rows;
  auto draw = [&](QCPPainter& painter) {
    for (int i = 0; i < plots.size(); ++i) {
      painter.save();
      painter.translate((i % columns) * cellW, (i / columns) * cellH);
      plots[i]->toPainter(&painter, cellW, cellH);
      painter.restore();
    }
  };
  bool ok = false;
  if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)) {
    QPdfWriter writer(path);
    writer.setResolution(72);  // one unit a point: the plots keep their on-screen proportions
    writer.setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setCreator(QStringLiteral("Pretext"));
    QCPPainter painter;
    if (painter.begin(&writer)) {
      painter.setMode(QCPPainter::pmVectorized);
      draw(painter);
      ok = painter.end();
    }
  } else {
    QImage image(width, height, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QCPPainter painter;
    if (painter.begin(&image)) {
      draw(painter);
      painter.end();
      ok = image.save(path, "PNG");
    }
  }
  // toPainter lays each plot out for the picture's size: lay them out for the screen again.
  for (QCustomPlot* plot : plots) plot->replot(QCustomPlot::rpQueuedReplot);
  return ok && QFileInfo(path).size() > 0;
}

}  // namespace

void LiveChart::Extent::add(double x, double y) {
  if (!std::isfinite(x) || !std::isfinite(y)) return;
  if (empty) {
    xMin = xMax = x;
    yMin = yMax = y;
    empty = false;
    return;
  }
  xMin = std::min(xMin, x);
  xMax = std::max(xMax, x);
  yMin = std::min(yMin, y);
  yMax = std::max(yMax, y);
}

LiveChart::LiveChart(QWidget* parent) : QWidget(parent) {
  m_loss = makePlot(tr("Training loss (thick: smoothed)"), tr("step"), tr("loss"), true, this);
  m_knn = makePlot(tr("k-NN accuracy"), tr("epoch"), tr("accuracy (%)"), true, this);
  m_lr = makePlot(tr("Learning rate"), tr("step"), tr("learning rate"), false, this);
  m_speed = makePlot(tr("Throughput"), tr("step"), tr("images / s"), false, this);
  // Accuracy rises: its legend goes where the curves are not.
  m_knn->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  QSharedPointer<QCPAxisTickerFixed> wholeEpochs(new QCPAxisTickerFixed);
  wholeEpochs->setTickStep(1.0);
  wholeEpochs->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  m_knn->xAxis->setTicker(wholeEpochs);

  m_resetZoom = new QPushButton(tr("Reset zoom"));
  m_resetZoom->setToolTip(tr("Show the whole of every run again, and follow new points"));
  connect(m_resetZoom, &QPushButton::clicked, this, &LiveChart::resetZoom);
  m_export = new QPushButton(tr("Export charts…"));
  m_export->setToolTip(tr("The four charts as PNG or PDF, or every series of every run as CSV"));
  connect(m_export, &QPushButton::clicked, this, [this] { exportDialog(nullptr); });
  auto* tools = new QHBoxLayout;
  tools->addStretch(1);
  tools->addWidget(m_resetZoom);
  tools->addWidget(m_export);

  auto* grid = new QGridLayout;
  grid->setSpacing(4);
  grid->addWidget(m_loss, 0, 0);
  grid->addWidget(m_knn, 0, 1);
  grid->addWidget(m_lr, 1, 0);
  grid->addWidget(m_speed, 1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(tools);
  layout->addLayout(grid, 1);
  applyTheme();

  for (int c = 0; c < ChartCount; ++c) {
    QCustomPlot* p = plot(Chart(c));
    connect(p, &QCustomPlot::customContextMenuRequested, this, [this, p](const QPoint& pos) {
      QMenu menu;
      menu.addAction(tr("Export this chart as PNG or PDF…"), this, [this, p] { exportDialog(p); });
      menu.addAction(tr("Export all charts or CSV…"), this, [this] { exportDialog(nullptr); });
      menu.addSeparator();
      menu.addAction(tr("Reset zoom"), this, &LiveChart::resetZoom);
      menu.exec(p->mapToGlobal(pos));
    });
    connect(p, &QCustomPlot::mouseDoubleClick, this, [this, c] {
      m_follow[c] = true;
      markDirty(Chart(c));
    });
    // A range that changes while the chart is not fitting itself was changed by the user (wheel,
    // drag, or a caller): keep it. The step charts share their x range, so that zooming into the
    // warm-up of the learning rate shows the loss of the same steps.
    connect(p->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this, c] {
      if (!m_fitting) m_follow[c] = false;
    });
    connect(p->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this, c](const QCPRange& range) {
      if (m_fitting) return;
      m_follow[c] = false;
      if (c == Knn) return;
      for (Chart other : {Loss, Lr, Speed}) {
        if (other == c || plot(other)->xAxis->range() == range) continue;
        m_follow[other] = false;
        plot(other)->xAxis->setRange(range);
        plot(other)->replot(QCustomPlot::rpQueuedReplot);
      }
    });
  }

  m_timer = new QTimer(this);
  m_timer->setSingleShot(true);
  m_timer->setTimerType(Qt::PreciseTimer);  // a coarse timer may fire 5% early: the interval is a floor
  m_timer->setInterval(kReplotIntervalMs);
  connect(m_timer, &QTimer::timeout, this, &LiveChart::replotDirty);
}

QCustomPlot* LiveChart::plot(Chart chart) const {
  switch (chart) {
    case Loss: return m_loss;
    case Knn: return m_knn;
    case Lr: return m_lr;
    case Speed: return m_speed;
    case ChartCount: break;
  }
  return nullptr;
}

void LiveChart::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) applyTheme();
}

void LiveChart::applyTheme() {
  for (QCustomPlot* p : {m_loss, m_knn, m_lr, m_speed}) {
    applyPaletteToPlot(p, palette());
    p->replot(QCustomPlot::rpQueuedReplot);
  }
}

void LiveChart::beginRun(const QString& name) {
  Run run;
  run.name = name;
  for (int n = 2; std::any_of(m_runs.cbegin(), m_runs.cend(), [&](const Run& r) { return r.name == run.name; }); ++n) {
    run.name = QStringLiteral("%1 (%2)").arg(name).arg(n);
  }
  run.colour = kRunColours[m_runs.size() % int(sizeof kRunColours / sizeof kRunColours[0])];
  for (QCustomPlot* plot : {m_loss, m_knn, m_lr, m_speed}) plot->legend->setVisible(plot->property("pretextLegend").toBool());
  QColor light = run.colour;
  light.setAlpha(90);
  run.raw = m_loss->addGraph();
  run.raw->setPen(QPen(light));
  run.raw->setName(run.name);
  run.raw->removeFromLegend();
  run.smooth = m_loss->addGraph();
  run.smooth->setPen(QPen(run.colour, 2));
  run.smooth->setName(run.name);  // the thick line; the thin one (per step, not in the legend) is raw
  run.accuracy = m_knn->addGraph();
  run.accuracy->setPen(QPen(run.colour, 2));
  run.accuracy->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  run.accuracy->setName(run.name);
  run.lr = m_lr->addGraph();
  run.lr->setPen(QPen(run.colour, 1.5));
  run.lr->setName(run.name);
  run.speed = m_speed->addGraph();
  run.speed->setPen(QPen(run.colour, 1.5));
  run.speed->setName(run.name);
  m_runs.push_back(run);
  for (int c = 0; c < ChartCount; ++c) markDirty(Chart(c));
}

void LiveChart::addStep(double globalStep, double loss, double learningRate, double imagesPerSecond) {
  if (m_runs.isEmpty()) beginRun(tr("run"));
  Run& run = m_runs.last();
  // Exponential moving average with bias correction (as TensorBoard's smoothing), so that the smoothed
  // line starts on the data instead of lagging behind from zero.
  constexpr double beta = 0.9;
  if (!run.raw->data()->isEmpty() && globalStep <= run.raw->data()->at(run.raw->data()->size() - 1)->key) {
    // A resumed run trains the steps after its checkpoint again: they replace the points from there
    // on, and the average starts again from the points kept.
    constexpr double end = std::numeric_limits<double>::max();
    for (QCPGraph* g : {run.raw, run.smooth, run.lr, run.speed}) g->data()->remove(globalStep, end);
    run.ema = run.emaWeight = 0.0;
    for (auto it = run.raw->data()->constBegin(); it != run.raw->data()->constEnd(); ++it) {
      run.ema = beta * run.ema + (1.0 - beta) * it->value;
      run.emaWeight = beta * run.emaWeight + (1.0 - beta);
    }
  }
  run.ema = beta * run.ema + (1.0 - beta) * loss;
  run.emaWeight = beta * run.emaWeight + (1.0 - beta);
  run.raw->addData(globalStep, loss);
  run.smooth->addData(globalStep, run.ema / run.emaWeight);
  m_extent[Loss].add(globalStep, loss);
  markDirty(Loss);
  if (learningRate >= 0) {
    run.lr->addData(globalStep, learningRate);
    m_extent[Lr].add(globalStep, learningRate);
    markDirty(Lr);
  }
  if (imagesPerSecond >= 0) {
    run.speed->addData(globalStep, imagesPerSecond);
    m_extent[Speed].add(globalStep, imagesPerSecond);
    markDirty(Speed);
  }
}

void LiveChart::addEpoch(double epoch, double knnAccuracy, bool beforeTraining) {
  if (m_runs.isEmpty()) beginRun(tr("run"));
  if (knnAccuracy < 0) return;
  Run& run = m_runs.last();
  const double percent = 100.0 * knnAccuracy;
  if (!run.accuracy->data()->isEmpty() && epoch <= run.accuracy->data()->at(run.accuracy->data()->size() - 1)->key) {
    run.accuracy->data()->remove(epoch, std::numeric_limits<double>::max());  // a resumed run measures again
  }
  run.accuracy->addData(epoch, percent);
  m_extent[Knn].add(epoch, percent);
  if (beforeTraining) {
    if (!run.randomInit) {
      run.randomInit = new QCPItemStraightLine(m_knn);
      QPen dashed(run.colour, 1.5, Qt::DashLine);
      run.randomInit->setPen(dashed);
      run.randomInitLabel = new QCPItemText(m_knn);
      run.randomInitLabel->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
      run.randomInitLabel->position->setTypeY(QCPItemPosition::ptPlotCoords);
      run.randomInitLabel->setColor(run.colour);
      run.randomInitLabel->setPadding(QMargins(3, 0, 3, 1));
      run.randomInitLabel->setBrush(QColor(255, 255, 255, 210));  // readable where another run's line passes
    }
    run.randomInit->point1->setCoords(0.0, percent);
    run.randomInit->point2->setCoords(1.0, percent);
    relabelRandomInit();
  }
  markDirty(Knn);
}

void LiveChart::relabelRandomInit() {
  // Runs of one experiment start from similar (often equal) random-init accuracies: their labels, in
  // the runs' colours, take turns above and below the lines and move right every other pair, so that
  // they do not cover each other.
  int line = 0;
  for (const Run& r : m_runs) {
    if (!r.randomInitLabel) continue;
    const double percent = r.randomInit->point1->coords().y();
    r.randomInitLabel->setText(tr("random init (%1%)").arg(percent, 0, 'f', 1));
    r.randomInitLabel->setPositionAlignment(Qt::AlignLeft | (line % 2 == 0 ? Qt::AlignBottom : Qt::AlignTop));
    r.randomInitLabel->position->setCoords(0.07 + 0.4 * ((line / 2) % 2), percent);
    ++line;
  }
}

double LiveChart::randomInitAccuracy(int run) const {
  if (run < 0 || run >= m_runs.size() || !m_runs[run].randomInit) return -1.0;
  return m_runs[run].randomInit->point1->coords().y();
}

bool LiveChart::followsData(const QCustomPlot* p) const {
  for (int c = 0; c < ChartCount; ++c)
    if (plot(Chart(c)) == p) return m_follow[c];
  return false;
}

void LiveChart::resetZoom() {
  for (int c = 0; c < ChartCount; ++c) {
    m_follow[c] = true;
    markDirty(Chart(c));
  }
}

void LiveChart::markDirty(Chart chart) {
  m_dirty[chart] = true;
  if (!m_timer->isActive()) m_timer->start();
}

void LiveChart::replotDirty() {
  for (int c = 0; c < ChartCount; ++c) {
    if (!m_dirty[c]) continue;
    m_dirty[c] = false;
    if (m_follow[c]) fitToData(Chart(c));
    plot(Chart(c))->replot(QCustomPlot::rpQueuedReplot);
  }
}

void LiveChart::fitToData(Chart chart) {
  const Extent& e = m_extent[chart];
  if (e.empty) return;
  QCustomPlot* p = plot(chart);
  double xLower = e.xMin, xUpper = e.xMax, yLower = e.yMin, yUpper = e.yMax;
  if (chart == Knn) {
    // Whole epochs with half an epoch each side, so that the first and last points are not on the frame.
    xLower -= 0.5;
    xUpper += 0.5;
    yLower -= 2.0;
    yUpper += 2.0;
  } else {
    if (xUpper <= xLower) xUpper = xLower + 1.0;
    if (chart == Lr || chart == Speed) yLower = std::min(0.0, yLower);  // a rate is read from zero
    const double pad = yUpper > yLower ? 0.05 * (yUpper - yLower) : std::max(1e-3, 0.05 * std::abs(yUpper));
    yUpper += pad;
    if (chart == Loss) yLower -= pad;
  }
  m_fitting = true;
  p->xAxis->setRange(xLower, xUpper);
  p->yAxis->setRange(yLower, yUpper);
  m_fitting = false;
}

QString LiveChart::csv() const {
  QString out = QStringLiteral("run,series,x_axis,x,y\n");
  auto write = [&out](const QString& run, const QString& series, const char* xAxis, const QCPGraph* g) {
    const QString prefix = csvCell(run) + QLatin1Char(',') + csvCell(series) + QLatin1Char(',') + QLatin1String(xAxis) + QLatin1Char(',');
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
      out += prefix + QString::number(it->key, 'g', 10) + QLatin1Char(',') + QString::number(it->value, 'g', 10) + QLatin1Char('\n');
    }
  };
  for (const Run& r : m_runs) {
    write(r.name, QStringLiteral("loss"), "step", r.raw);
    write(r.name, QStringLiteral("loss (smoothed)"), "step", r.smooth);
    write(r.name, QStringLiteral("learning rate"), "step", r.lr);
    write(r.name, QStringLiteral("images/s"), "step", r.speed);
    write(r.name, QStringLiteral("k-NN accuracy (%)"), "epoch", r.accuracy);
    if (r.randomInit) {
      out += csvCell(r.name) + QStringLiteral(",random init k-NN accuracy (%),epoch,0,") +
             QString::number(r.randomInit->point1->coords().y(), 'g', 10) + QLatin1Char('\n');
    }
  }
  return out;
}

bool LiveChart::saveCsv(const QString& path) const {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  file.write(csv().toUtf8());
  return file.commit();
}

bool LiveChart::saveImage(const QString& path, int width, int height) {
  replotDirty();  // the picture shows every point received, not the last repaint's
  if (width <= 0 || height <= 0) {
    width = std::max(1200, m_loss->width() + m_knn->width());
    height = std::max(800, m_loss->height() + m_lr->height());
  }
  return renderPlots(plots(), 2, path, width, height);
}

void LiveChart::exportDialog(QCustomPlot* single) {
  const QString png = tr("PNG image (*.png)"), pdf = tr("PDF (*.pdf)"), csvFilter = tr("CSV of every series (*.csv)");
  QString filter = png;
  QString path = QFileDialog::getSaveFileName(this, single ? tr("Export chart") : tr("Export charts"),
                                              QStringLiteral("training-charts.png"),
                                              single ? png + QStringLiteral(";;") + pdf
                                                     : png + QStringLiteral(";;") + pdf + QStringLiteral(";;") + csvFilter,
                                              &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) {
    path += filter == pdf ? QStringLiteral(".pdf") : filter == csvFilter ? QStringLiteral(".csv") : QStringLiteral(".png");
  }
  bool ok = false;
  if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) {
    ok = saveCsv(path);
  } else if (single) {
    replotDirty();
    ok = renderPlots({single}, 1, path, std::max(800, single->width()), std::max(500, single->height()));
  } else {
    ok = saveImage(path);
  }
  if (!ok) QMessageBox::warning(this, tr("Export"), tr("Could not write %1.").arg(path));
}

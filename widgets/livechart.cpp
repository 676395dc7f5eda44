#include "livechart.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QMenu>
#include <QTimer>
#include <QVBoxLayout>

namespace {

const QColor kRunColours[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                              QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b)};

QCustomPlot* makePlot(const QString& x, const QString& y, QWidget* parent) {
  auto* plot = new QCustomPlot(parent);
  plot->xAxis->setLabel(x);
  plot->yAxis->setLabel(y);
  plot->legend->setVisible(true);
  plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  plot->setMinimumHeight(160);
  return plot;
}

}  // namespace

LiveChart::LiveChart(QWidget* parent) : QWidget(parent) {
  m_loss = makePlot(tr("step"), tr("loss"), this);
  m_knn = makePlot(tr("epoch"), tr("k-NN accuracy (%)"), this);
  QSharedPointer<QCPAxisTickerFixed> wholeEpochs(new QCPAxisTickerFixed);
  wholeEpochs->setTickStep(1.0);
  wholeEpochs->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  m_knn->xAxis->setTicker(wholeEpochs);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_loss, 3);
  layout->addWidget(m_knn, 2);
  for (QCustomPlot* plot : {m_loss, m_knn}) {
    connect(plot, &QCustomPlot::customContextMenuRequested, this, [this, plot](const QPoint& pos) {
      QMenu menu;
      menu.addAction(tr("Export PNG, PDF or CSV…"), this, [this, plot] { exportPlot(plot); });
      menu.addAction(tr("Reset zoom"), this, [plot] {
        plot->rescaleAxes();
        plot->replot();
      });
      menu.exec(plot->mapToGlobal(pos));
    });
  }
  m_timer = new QTimer(this);
  m_timer->setInterval(33);  // ~30 repaints per second at most, whatever the step rate
  connect(m_timer, &QTimer::timeout, this, [this] {
    if (!m_dirty) return;
    m_dirty = false;
    m_loss->rescaleAxes();
    m_knn->rescaleAxes();
    m_knn->yAxis->setRange(m_knn->yAxis->range().lower - 1, m_knn->yAxis->range().upper + 1);
    m_loss->replot(QCustomPlot::rpQueuedReplot);
    m_knn->replot(QCustomPlot::rpQueuedReplot);
  });
  m_timer->start();
}

void LiveChart::beginRun(const QString& name) {
  const QColor colour = kRunColours[m_runs % (sizeof kRunColours / sizeof kRunColours[0])];
  ++m_runs;
  QColor light = colour;
  light.setAlpha(110);
  m_raw = m_loss->addGraph();
  m_raw->setPen(QPen(light));
  m_raw->removeFromLegend();
  m_smooth = m_loss->addGraph();
  m_smooth->setPen(QPen(colour, 2));
  m_smooth->setName(name + tr(" (smoothed)"));
  m_accuracy = m_knn->addGraph();
  m_accuracy->setPen(QPen(colour, 2));
  m_accuracy->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  m_accuracy->setName(name);
  m_ema = 0.0;
  m_emaWeight = 0.0;
  scheduleReplot();
}

void LiveChart::addStep(double globalStep, double loss) {
  if (!m_raw) beginRun(tr("run"));
  // Exponential moving average with bias correction (as TensorBoard's smoothing), so that the smoothed
  // line starts on the data instead of lagging behind from zero.
  constexpr double beta = 0.9;
  m_ema = beta * m_ema + (1.0 - beta) * loss;
  m_emaWeight = beta * m_emaWeight + (1.0 - beta);
  m_raw->addData(globalStep, loss);
  m_smooth->addData(globalStep, m_ema / m_emaWeight);
  scheduleReplot();
}

void LiveChart::addEpoch(double epoch, double knnAccuracy) {
  if (!m_accuracy) beginRun(tr("run"));
  if (knnAccuracy < 0) return;
  m_accuracy->addData(epoch, 100.0 * knnAccuracy);
  scheduleReplot();
}

void LiveChart::scheduleReplot() {
  m_dirty = true;
}

void LiveChart::exportPlot(QCustomPlot* plot) {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("chart.png"),
                                                    tr("PNG (*.png);;PDF (*.pdf);;CSV (*.csv)"));
  if (path.isEmpty()) return;
  if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)) {
    plot->savePdf(path);
  } else if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return;
    QTextStream out(&file);
    out << "graph,x,y\n";
    for (int g = 0; g < plot->graphCount(); ++g) {
      const auto* graph = plot->graph(g);
      for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        out << g << ',' << it->key << ',' << it->value << '\n';
      }
    }
  } else {
    plot->savePng(path);
  }
}

#include "histogramchart.h"

#include <QContextMenuEvent>
#include <QFile>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QTextStream>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

HistogramChart::HistogramChart(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);

  m_plot->plotLayout()->insertRow(0);
  m_title = new QCPTextElement(m_plot, QString());
  m_plot->plotLayout()->addElement(0, 0, m_title);
  m_plot->plotLayout()->setRowStretchFactor(0, 0.001);

  m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
  m_bars->setWidth(0.72);
  m_bars->setAntialiased(false);

  m_plot->xAxis->setSubTicks(false);
  m_plot->xAxis->setTickLength(0, 4);
  m_plot->xAxis->grid()->setVisible(false);
  m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  m_plot->yAxis->setLabel(tr("images"));
  m_plot->yAxis->setNumberFormat(QStringLiteral("f"));
  m_plot->yAxis->setNumberPrecision(0);
  m_plot->yAxis->setPadding(6);

  m_message = new QCPItemText(m_plot);
  m_message->position->setType(QCPItemPosition::ptAxisRectRatio);
  m_message->position->setCoords(0.5, 0.5);
  m_message->setPositionAlignment(Qt::AlignCenter);
  m_message->setClipToAxisRect(false);
  m_message->setVisible(false);

  applyFonts();
  applyPalette();
  clear();
}

int HistogramChart::barCount() const { return m_bars->data()->size(); }

QStringList HistogramChart::barTexts() const {
  QStringList out;
  for (const auto* text : m_valueTexts) out << (text->visible() ? text->text() : QString());
  return out;
}

void HistogramChart::setData(const QStringList& labels, const QVector<double>& counts, const QString& title) {
  m_labels = labels;
  m_counts = counts;
  m_labels.resize(std::max(m_labels.size(), m_counts.size()));
  m_counts.resize(m_labels.size());
  m_title->setText(title);
  m_message->setVisible(false);
  rebuild();
}

void HistogramChart::clear(const QString& message) {
  m_labels.clear();
  m_counts.clear();
  m_title->setText(QString());
  m_message->setText(message);
  m_message->setVisible(!message.isEmpty());
  rebuild();
}

void HistogramChart::rebuild() {
  for (auto* text : m_valueTexts) m_plot->removeItem(text);
  m_valueTexts.clear();

  QVector<double> keys(m_counts.size());
  for (int i = 0; i < keys.size(); ++i) keys[i] = i;
  m_bars->setData(keys, m_counts, true);

  const double maxCount = m_counts.isEmpty() ? 0.0 : *std::max_element(m_counts.begin(), m_counts.end());
  for (int i = 0; i < m_counts.size(); ++i) {
    auto* text = new QCPItemText(m_plot);
    text->position->setType(QCPItemPosition::ptPlotCoords);
    text->position->setCoords(i, m_counts[i]);
    text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    text->setPadding(QMargins(0, 0, 0, 2));
    text->setClipToAxisRect(false);
    text->setText(QString::number(qint64(std::llround(m_counts[i]))));
    m_valueTexts.push_back(text);
  }
  m_plot->xAxis->setRange(-0.6, std::max<int>(1, int(m_counts.size())) - 0.4);
  // Headroom above the tallest bar for its number.
  m_plot->yAxis->setRange(0, maxCount > 0 ? maxCount * 1.15 : 1.0);
  m_plot->yAxis->setVisible(!m_counts.isEmpty());
  m_plot->xAxis->setVisible(!m_counts.isEmpty());
  applyFonts();
  applyPalette();
  layoutLabels();
  // The buffers drawn now, not at the queued replot: a grab (a screenshot) taken before the event
  // loop runs again showed the previous data's bars beside the new summary.
  m_plot->replot(QCustomPlot::rpQueuedRefresh);
  scheduleLayout();
}

// Chooses how the class names fit under the bars: straight when they fit, at 45 degrees when
// they do not, upright and thinned out (every k-th name) when even that is too crowded. Counts
// sit above their bars when they fit across a bar, else upright inside it.
void HistogramChart::layoutLabels() {
  if (m_inLayout) return;
  m_inLayout = true;
  auto ticker = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  ticker->clear();
  const int n = int(m_labels.size());
  if (n > 0) {
    const QFontMetrics fm(m_plot->xAxis->tickLabelFont());
    const QFontMetrics valueFm(m_valueTexts.isEmpty() ? font() : m_valueTexts.front()->font());
    // The axis rect is known after a layout pass; before the first one estimate it.
    int plotWidth = m_plot->axisRect()->width();
    if (plotWidth <= 10) plotWidth = std::max(50, width() - 80);
    const double perBar = double(plotWidth) / n;
    int widest = 0;
    for (const auto& label : m_labels) widest = std::max(widest, fm.horizontalAdvance(label));
    double rotation = 0;
    int step = 1;
    if (widest + fm.averageCharWidth() > perBar) {
      if (fm.height() * 1.5 <= perBar) {
        rotation = -45;
      } else {
        rotation = -90;
        step = int(std::ceil(fm.height() * 1.2 / perBar));
      }
    }
    m_plot->xAxis->setTickLabelRotation(rotation);
    // Names turned 45 degrees hang down to the left of their bars: keep the first one inside.
    int left = 0;
    if (rotation == -45) {
      const double hang = fm.horizontalAdvance(m_labels.front()) * 0.71 + fm.height() * 0.35;
      left = int(std::ceil(hang - perBar * 0.6)) + 4;
    }
    m_plot->axisRect()->setMinimumMargins(QMargins(std::max(0, left), 0, 0, 0));
    for (int i = 0; i < n; i += step) ticker->addTick(i, m_labels[i]);

    const QPalette pal = palette();
    for (int i = 0; i < m_valueTexts.size(); ++i) {
      QCPItemText* text = m_valueTexts[i];
      const int textWidth = valueFm.horizontalAdvance(text->text());
      const double barHeight =
          std::abs(m_plot->yAxis->coordToPixel(0) - m_plot->yAxis->coordToPixel(m_counts[i]));
      if (textWidth + valueFm.averageCharWidth() <= perBar) {
        text->setRotation(0);
        text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        text->setPadding(QMargins(0, 0, 0, 2));
        text->setColor(pal.color(QPalette::Text));
        text->setVisible(true);
      } else if (valueFm.height() <= perBar * 0.9 && barHeight >= textWidth + 8) {
        // Turned a quarter counter-clockwise, its end at the top of the bar, reading upwards.
        text->setRotation(-90);
        text->setPositionAlignment(Qt::AlignRight | Qt::AlignVCenter);
        text->setPadding(QMargins(0, 0, 4, 0));
        text->setColor(pal.color(QPalette::HighlightedText));
        text->setVisible(true);
      } else {
        text->setVisible(false);
      }
    }
  }
  m_plot->replot(QCustomPlot::rpQueuedReplot);
  m_inLayout = false;
}

// Lays the plot out at its current size first, so label decisions use the real axis rect.
void HistogramChart::scheduleLayout() {
  if (m_layoutScheduled) return;
  m_layoutScheduled = true;
  QMetaObject::invokeMethod(this, [this] {
    m_layoutScheduled = false;
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    layoutLabels();
  }, Qt::QueuedConnection);
}

void HistogramChart::applyFonts() {
  const QFont base = font();
  QFont title = base;
  title.setBold(true);
  m_title->setFont(title);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setTickLabelFont(base);
    axis->setLabelFont(base);
  }
  QFont small = base;
  small.setPointSizeF(base.pointSizeF() > 0 ? base.pointSizeF() * 0.9 : 8.0);
  for (auto* text : m_valueTexts) text->setFont(small);
  m_message->setFont(base);
}

void HistogramChart::applyPalette() {
  const QPalette pal = palette();
  const QColor text = pal.color(QPalette::WindowText);
  QColor grid = pal.color(QPalette::WindowText);
  grid.setAlpha(45);
  m_plot->setBackground(pal.color(QPalette::Window));
  // An empty chart is just its message, without an empty white plot area.
  m_plot->axisRect()->setBackground(pal.color(m_counts.isEmpty() ? QPalette::Window : QPalette::Base));
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setBasePen(QPen(text, 1));
    axis->setTickPen(QPen(text, 1));
    axis->setSubTickPen(QPen(text, 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
  }
  const QColor accent = pal.color(QPalette::Highlight);
  QColor fill = accent;
  fill.setAlpha(200);
  m_bars->setPen(QPen(accent.darker(130), 1));
  m_bars->setBrush(fill);
  m_title->setTextColor(text);
  m_message->setColor(pal.color(QPalette::PlaceholderText));
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramChart::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) {
    applyPalette();
    layoutLabels();
  } else if (event->type() == QEvent::FontChange) {
    applyFonts();
    layoutLabels();
    scheduleLayout();
  }
  QWidget::changeEvent(event);
}

void HistogramChart::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  scheduleLayout();
}

void HistogramChart::contextMenuEvent(QContextMenuEvent* event) {
  if (m_counts.isEmpty()) return;
  QMenu menu(this);
  auto ask = [this](const QString& caption, const QString& name, const QString& filter) {
    return QFileDialog::getSaveFileName(this, caption, name, filter);
  };
  menu.addAction(tr("Save chart as PNG…"), this, [this, ask] {
    const QString path = ask(tr("Save chart"), QStringLiteral("histogram.png"), tr("PNG images (*.png)"));
    if (!path.isEmpty() && !savePng(path)) QMessageBox::warning(this, tr("Save chart"), tr("Could not write %1.").arg(path));
  });
  menu.addAction(tr("Save chart as PDF…"), this, [this, ask] {
    const QString path = ask(tr("Save chart"), QStringLiteral("histogram.pdf"), tr("PDF documents (*.pdf)"));
    if (!path.isEmpty() && !savePdf(path)) QMessageBox::warning(this, tr("Save chart"), tr("Could not write %1.").arg(path));
  });
  menu.addAction(tr("Save counts as CSV…"), this, [this, ask] {
    const QString path = ask(tr("Save counts"), QStringLiteral("histogram.csv"), tr("CSV files (*.csv)"));
    if (!path.isEmpty() && !saveCsv(path)) QMessageBox::warning(this, tr("Save counts"), tr("Could not write %1.").arg(path));
  });
  menu.exec(event->globalPos());
}

bool HistogramChart::savePng(const QString& path, int width, int height) {
  return m_plot->savePng(path, width, height);
}

bool HistogramChart::savePdf(const QString& path) { return m_plot->savePdf(path); }

bool HistogramChart::saveCsv(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&file);
  out << "class,count\n";
  for (int i = 0; i < m_labels.size(); ++i) {
    QString label = m_labels[i];
    if (label.contains(QLatin1Char(',')) || label.contains(QLatin1Char('"'))) {
      label = QLatin1Char('"') + label.replace(QLatin1String("\""), QLatin1String("\"\"")) + QLatin1Char('"');
    }
    out << label << ',' << qint64(std::llround(m_counts[i])) << '\n';
  }
  out.flush();
  return file.error() == QFile::NoError;
}

QSize HistogramChart::sizeHint() const { return {420, 300}; }
QSize HistogramChart::minimumSizeHint() const { return {200, 160}; }

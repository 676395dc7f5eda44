#include "filterspanel.h"

#include "panelcommon.h"

#include "pixelimageview.h"
#include "plottheme.h"
#include "qtconvert.h"
#include "runconfig.h"
#include "runinspector.h"

#include <pretext/evaluation.h>
#include <pretext/methods.h>
#include <pretext/metrics.h>
#include <pretext/training.h>

#include <QCheckBox>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QFontMetrics>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QTextStream>
#include <QTime>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <exception>

namespace {

struct CheckpointFilters {
  QImage grid;
  pretext::FilterMeasures measures;
  double startEdge = -1.0;  // edge-likeness of the run's initial filters
  QString method;  // title, e.g. "SimCLR"
  QString where;   // "checkpoint after epoch 2"
};



// Which point of the run the checkpoint holds, read from metrics.csv (a row per step, a row per
// epoch end). A run that goes on writing rows after its checkpoint (a CLI run still training)
// holds the end of its last finished epoch; one whose last row is a step stopped there.
QString checkpointPosition(const QString& runDir) {
  const QString path = QDir(runDir).filePath(QStringLiteral("metrics.csv"));
  if (!QFileInfo::exists(path)) return QObject::tr("checkpoint");
  int epochsDone = 0;
  bool endsWithStep = false;
  qint64 stepEpoch = 0, step = 0;
  for (const auto& row : pretext::readMetrics(path.toStdString())) {
    if (row.isEpoch()) {
      if (row.epoch >= 0) {
        epochsDone = int(row.epoch + 1);
        endsWithStep = false;
      }
    } else {
      endsWithStep = true;
      stepEpoch = row.epoch;
      step = row.step;
    }
  }
  const QFileInfo metrics(path);
  const QFileInfo checkpoint(QDir(runDir).filePath(QStringLiteral("checkpoints/last.pt")));
  const bool rowsAfterCheckpoint = metrics.lastModified().toMSecsSinceEpoch() >
                                   checkpoint.lastModified().toMSecsSinceEpoch() + 2000;
  if (endsWithStep && !rowsAfterCheckpoint) {
    return QObject::tr("checkpoint at epoch %1, step %2").arg(stepEpoch + 1).arg(step);
  }
  if (epochsDone > 0) return QObject::tr("checkpoint after epoch %1").arg(epochsDone);
  return QObject::tr("checkpoint before training");
}

}  // namespace

FiltersPanel::FiltersPanel(RunInspector* inspector, QWidget* parent) : InspectionPanel(inspector, parent) {
  m_caption = new QLabel;
  m_caption->setTextFormat(Qt::PlainText);
  m_caption->setWordWrap(true);

  m_explanation = new QLabel(
      tr("Each tile is one filter of the network's first layer: the small pattern of weights it compares with "
         "every patch of the image (colour images: in colour), stretched to its own range from dark to bright. "
         "At the start they are random noise. As the network learns, many turn into edge and stripe detectors "
         "(bright beside dark, at some angle) and colour blobs, the same kind of detectors found in the "
         "first layers of every trained image network, and in our own visual cortex."));
  m_explanation->setWordWrap(true);

  busyIndicator()->setMaximumWidth(100);
  busyIndicator()->setToolTip(tr("Loading the filters from the checkpoint"));
  m_compare = new QCheckBox(tr("Compare with the start"));
  m_compare->setToolTip(tr("Show the first filters this panel received for the run beside the current ones: "
                           "before and after."));
  m_save = new QPushButton(tr("Save PNG…"));
  m_save->setToolTip(tr("Save what is shown as a PNG image"));
  m_save->setEnabled(false);
  connect(m_compare, &QCheckBox::toggled, this, &FiltersPanel::setCompareWithStart);
  m_movement = new QCheckBox(tr("Show how far each filter moved"));
  m_movement->setChecked(true);
  m_movement->setToolTip(tr("An orange bar on each filter: how far it moved since the random start, as a percentage of "
                            "its starting weights' size; the filter that moved most has a full bar"));
  connect(m_movement, &QCheckBox::toggled, this, [this] { m_currentView->update(); });
  connect(m_save, &QPushButton::clicked, this, [this] { exportAs(); });

  auto* top = new QHBoxLayout;
  top->addWidget(m_caption, 1);
  top->addWidget(busyIndicator());
  top->addWidget(m_compare);
  top->addWidget(m_save);

  auto makeView = [] {
    auto* view = new PixelImageView;
    view->setMinimumSize(200, 200);
    return view;
  };
  m_startView = makeView();
  m_currentView = makeView();
  m_startTitle = new QLabel;
  m_currentTitle = new QLabel;
  for (auto* title : {m_startTitle, m_currentTitle}) {
    title->setAlignment(Qt::AlignCenter);
  }
  m_startColumn = new QWidget;
  auto* startLayout = new QVBoxLayout(m_startColumn);
  startLayout->setContentsMargins(0, 0, 0, 0);
  startLayout->addWidget(m_startTitle);
  startLayout->addWidget(m_startView, 1);
  auto* currentColumn = new QWidget;
  auto* currentLayout = new QVBoxLayout(currentColumn);
  currentLayout->setContentsMargins(0, 0, 0, 0);
  currentLayout->addWidget(m_currentTitle);
  currentLayout->addWidget(m_currentView, 1);
  m_startColumn->hide();
  m_currentTitle->hide();
  auto* views = new QHBoxLayout;
  views->addWidget(m_startColumn, 1);
  views->addWidget(currentColumn, 1);

  m_message = makeErrorLabel();

  m_measuresLabel = new QLabel;
  m_measuresLabel->setWordWrap(true);
  m_measuresLabel->setToolTip(
      tr("Edge-likeness: how much of each filter's pattern runs along one orientation, from 0 (noise, blobs) to 1 "
         "(a straight edge or stripes), averaged over the filters; random filters score about 0.1 to 0.3. "
         "Change: the mean absolute difference of the weights from the random start. The orange bar on each "
         "filter shows how far that filter moved: the one that moved most has a full bar, and the percentage "
         "compares its change with the size of its starting weights."));
  m_chart = new QCustomPlot;
  m_chart->setMinimumHeight(150);
  m_chart->setMaximumHeight(220);
  m_chart->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  m_chart->addGraph(m_chart->xAxis, m_chart->yAxis);
  m_chart->addGraph(m_chart->xAxis, m_chart->yAxis2);
  m_chart->graph(0)->setPen(QPen(QColor(0x1f, 0x77, 0xb4), 2));
  m_chart->graph(0)->setName(tr("edge-likeness"));
  m_chart->graph(1)->setPen(QPen(QColor(0xff, 0x7f, 0x0e), 2));
  m_chart->graph(1)->setName(tr("mean change since the start"));
  m_chart->xAxis->setLabel(tr("step"));
  m_chart->yAxis->setLabel(tr("edge-likeness"));
  m_chart->yAxis->setRange(0, 1);
  m_chart->yAxis2->setVisible(true);
  m_chart->yAxis2->setLabel(tr("change"));
  m_chart->legend->setVisible(true);
  m_chart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  applyPaletteToPlot(m_chart, palette());
  m_currentView->setOverlay([this](QPainter& painter, const QRect& target) { paintMovement(painter, target); });

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_explanation);
  layout->addLayout(views, 1);
  auto* measures = new QHBoxLayout;
  measures->addWidget(m_measuresLabel, 1);
  measures->addWidget(m_movement);
  layout->addLayout(measures);
  layout->addWidget(m_chart);
  layout->addWidget(m_message);
  updateTitleFonts();
  showPlaceholder();
}

// Titles are a size larger than the panel's font, also after View > Large font changes it.
void FiltersPanel::updateTitleFonts() {
  QFont big = font();
  big.setBold(true);
  if (big.pointSizeF() > 0) big.setPointSizeF(big.pointSizeF() * 1.3);
  else big.setPixelSize(int(big.pixelSize() * 1.3));
  for (auto* title : {m_caption, m_startTitle, m_currentTitle}) title->setFont(big);
}

void FiltersPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange && m_caption) updateTitleFonts();
  if (event->type() == QEvent::PaletteChange && m_chart) {
    applyPaletteToPlot(m_chart, palette());
    m_chart->replot();
  }
  if (event->type() == QEvent::LanguageChange && m_chart) updateMeasuresText();
}

bool FiltersPanel::liveActive() const {
  return m_training && m_lastLive.isValid() && m_lastLive.elapsed() < kLiveHoldMs;
}

bool FiltersPanel::hasCheckpoint() const {
  return !run().isEmpty() && QFileInfo::exists(QDir(run()).filePath(QStringLiteral("checkpoints/last.pt")));
}

void FiltersPanel::runChanged() {
  m_method.clear();
  m_source.clear();
  m_current = QImage();
  m_currentWhere.clear();
  m_start = QImage();
  m_startWhere.clear();
  m_training = false;
  m_lastLive.invalidate();
  m_message->hide();
  m_measures = pretext::FilterMeasures();
  m_startEdge = -1.0;
  m_sinceHistory.invalidate();
  readMethod();
  reloadHistory(true);
  updateMeasuresText();
  showPlaceholder();
}

// The method's name from config.json (a small file), so that live grids have it before any
// checkpoint. A run that is starting writes its config.json after the window learns its folder.
void FiltersPanel::readMethod() {
  if (run().isEmpty() || !m_method.isEmpty()) return;
  // An error is not said here: the checkpoint job reads the same config.json and says what is wrong.
  const RunConfigRead read = readRunConfig(run());
  if (read.config) m_method = methodTitle(read.config->method);
}

void FiltersPanel::checkpointChanged(const QString&) {
  if (liveActive()) return;  // the live grids are newer than any checkpoint
  refresh();
}

void FiltersPanel::reload() {
  if (liveActive()) return;  // as above
  if (!hasCheckpoint()) {  // nothing to load (yet): the placeholder says why
    drop(QStringLiteral("checkpoint"));
    showPlaceholder();
    return;
  }
  const QString dir = run();
  request<CheckpointFilters>(
      QStringLiteral("checkpoint"),
      [dir](InspectContext& context) {
        auto& evaluator = context.evaluator(dir);
        CheckpointFilters out;
        pretext::SheetColours sheet;
        sheet.transparent = true;  // the gaps show the panel's background, light or dark
        out.grid = pretext::toQImage(evaluator.filterGrid(6, sheet));
        out.method = methodTitle(evaluator.method());
        out.where = checkpointPosition(dir);
        out.measures = evaluator.filterMeasures();
        const pretext::FilterBank start = evaluator.initialFilters();
        if (!start.empty()) out.startEdge = pretext::measureFilters(start).edgeLikeness;
        return out;
      },
      [this](const CheckpointFilters& result) {
        m_message->hide();
        m_method = result.method;
        if (liveActive()) return;  // live grids came while it was computed
        if (result.startEdge >= 0) m_startEdge = result.startEdge;
        setMeasures(result.measures);
        reloadHistory(true);
        showGrid(result.grid, QStringLiteral("checkpoint"), result.where);
      },
      [this](const QString& error) {
        m_message->setText(tr("Could not load the filters of %1: %2").arg(runFolderName(run()), error));
        m_message->show();
        if (m_current.isNull()) {
          m_currentView->setPlaceholderText(tr("No filters to show for %1.").arg(runFolderName(run())));
        }
      });
}

void FiltersPanel::showLiveFilters(const QImage& grid) {
  if (grid.isNull()) return;
  m_training = true;
  m_lastLive.start();
  const QString step = grid.text(QStringLiteral("step"));
  const QString where = step.isEmpty() ? tr("live, %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")))
                                       : tr("live, step %1").arg(step);
  drop(QStringLiteral("checkpoint"));  // the checkpoint being loaded is older than this
  readMethod();
  const pretext::FilterMeasures measures = pretext::filterMeasuresOf(grid);
  // The grid before the first step is the random start.
  if (m_startEdge < 0 && measures.edgeLikeness >= 0 && measures.change == 0.0) m_startEdge = measures.edgeLikeness;
  setMeasures(measures);
  reloadHistory(false);
  showGrid(grid, QStringLiteral("live"), where);
}

void FiltersPanel::trainingFinished() {
  if (!m_training) return;
  m_training = false;
  refresh();
}

void FiltersPanel::showGrid(const QImage& grid, const QString& source, const QString& where) {
  m_current = grid;
  m_source = source;
  m_currentWhere = where;
  if (m_start.isNull()) {
    m_start = grid;
    m_startWhere = where;
  }
  m_message->hide();
  m_currentView->setImage(m_current);
  m_startView->setImage(m_start);
  m_save->setEnabled(true);
  updateCaption();
  emit gridChanged();
}

void FiltersPanel::showPlaceholder() {
  if (!m_current.isNull()) return;
  QString text;
  if (run().isEmpty()) {
    text = tr("No run to show yet.\n\nStart training in the Training panel, or open a run folder: the first "
              "layer's filters appear here and change as the network learns.");
  } else if (!QFileInfo::exists(QDir(run()).filePath(QStringLiteral("config.json")))) {
    text = tr("%1 is not a run folder: it has no config.json (yet).\n\nIf a run is starting there, its filters "
              "appear as soon as it trains.")
               .arg(QDir::toNativeSeparators(run()));
  } else if (!hasCheckpoint()) {
    text = tr("%1 has no checkpoint yet.\n\nIts filters appear here as soon as it trains (live), or after its "
              "first epoch.")
               .arg(runFolderName(run()));
  } else {
    text = tr("Loading the filters of %1…").arg(runFolderName(run()));
  }
  m_currentView->clear();
  m_currentView->setPlaceholderText(text);
  m_startView->clear();
  m_save->setEnabled(false);
  updateCaption();
}

void FiltersPanel::updateCaption() {
  QString title;
  if (run().isEmpty() && m_current.isNull()) {
    title = tr("First-layer filters");
  } else {
    title = run().isEmpty() ? tr("Training") : runFolderName(run());
    if (!m_method.isEmpty()) title += QStringLiteral(" · ") + m_method;
    if (!m_currentWhere.isEmpty()) title += QStringLiteral(" — ") + m_currentWhere;
  }
  m_caption->setText(title);
  const bool comparing = m_compare->isChecked() && !m_start.isNull();
  m_startColumn->setVisible(comparing);
  m_currentTitle->setVisible(comparing);
  m_startTitle->setText(tr("Start: %1").arg(m_startWhere));
  m_currentTitle->setText(tr("Now: %1").arg(m_currentWhere));
}

void FiltersPanel::setCompareWithStart(bool compare) {
  if (m_compare->isChecked() != compare) {
    m_compare->setChecked(compare);  // re-enters through toggled
    return;
  }
  updateCaption();
}

QImage FiltersPanel::exportImage() const {
  if (m_current.isNull()) return {};
  if (!m_compare->isChecked() || m_start.isNull()) return m_current;
  // Captions drawn by Qt in the window's language (the core's font, which the CLI's PNGs use, is ASCII).
  return captionedSideBySide(m_start, tr("start: %1").arg(m_startWhere), m_current, tr("now: %1").arg(m_currentWhere), font());
}

bool FiltersPanel::savePng(const QString& path) {
  const QImage image = exportImage();
  if (image.isNull() || !image.save(path, "PNG")) {
    m_message->setText(image.isNull() ? tr("There are no filters to save yet.") : tr("Could not write %1.").arg(path));
    m_message->show();
    return false;
  }
  return true;
}

InspectionPanel::ExportFile FiltersPanel::exportFile() const {
  const QString name = m_compare->isChecked() ? QStringLiteral("filters-start-vs-now.png") : QStringLiteral("filters.png");
  return {tr("Save the filters"), run().isEmpty() ? QStringLiteral("filters.png") : QDir(run()).filePath(name),
          tr("PNG images (*.png)")};
}

void FiltersPanel::setMeasures(const pretext::FilterMeasures& measures) {
  m_measures = measures;
  updateMeasuresText();
  m_currentView->update();
}

QVector<double> FiltersPanel::tileMovement() const {
  QVector<double> out;
  const auto& change = m_measures.filterChange;
  const auto& start = m_measures.filterStartMagnitude;
  if (change.empty() || change.size() != start.size()) return out;
  for (std::size_t i = 0; i < change.size(); ++i) out.push_back(start[i] > 0 ? change[i] / start[i] : 0.0);
  return out;
}

// The chart from the run's metrics.csv: the step rows (and the row before training) that carry
// the two measures. While live, read again at most once a second (the file grows by a row a step).
void FiltersPanel::reloadHistory(bool force) {
  if (!force && m_sinceHistory.isValid() && m_sinceHistory.elapsed() < 1000) return;
  m_sinceHistory.start();
  QVector<double> steps, edge, changeSteps, change;
  const QString path = run().isEmpty() ? QString() : QDir(run()).filePath(QStringLiteral("metrics.csv"));
  if (!path.isEmpty() && QFileInfo::exists(path)) {
    try {
      for (const auto& row : pretext::readMetrics(path.toStdString())) {
        if (row.isEpoch() && row.epoch >= 0) continue;  // the same weights as the step row before it
        const double x = double(row.globalStep);
        if (!steps.isEmpty() && x < steps.last()) {  // a resumed run wrote these steps again
          while (!steps.isEmpty() && steps.last() >= x) steps.removeLast(), edge.removeLast();
          while (!changeSteps.isEmpty() && changeSteps.last() >= x) changeSteps.removeLast(), change.removeLast();
        }
        if (row.edgeLikeness >= 0) {
          steps << x;
          edge << row.edgeLikeness;
        }
        if (row.filterChange >= 0) {
          changeSteps << x;
          change << row.filterChange;
        }
      }
    } catch (const std::exception&) {
      // unreadable now (being replaced): the next grid reads it again
    }
  }
  m_chart->graph(0)->setData(steps, edge, /*alreadySorted=*/true);
  m_chart->graph(1)->setData(changeSteps, change, true);
  double xMax = 1.0, cMax = 0.0;
  if (!steps.isEmpty()) xMax = std::max(xMax, steps.last());
  if (!changeSteps.isEmpty()) xMax = std::max(xMax, changeSteps.last());
  for (double c : change) cMax = std::max(cMax, c);
  m_chart->xAxis->setRange(0, xMax);
  m_chart->yAxis2->setRange(0, cMax > 0 ? cMax * 1.1 : 1.0);
  m_chart->replot(QCustomPlot::rpQueuedReplot);
}

void FiltersPanel::updateMeasuresText() {
  QStringList parts;
  if (m_measures.edgeLikeness >= 0) {
    QString edge = tr("Edge-likeness %1").arg(m_measures.edgeLikeness, 0, 'f', 2);
    if (m_startEdge >= 0) edge += QLatin1Char(' ') + tr("(random start: %1)").arg(m_startEdge, 0, 'f', 2);
    parts << edge;
  }
  if (m_measures.change >= 0 && m_measures.startMagnitude > 0) {
    parts << tr("mean change since the start %1 (%2% of the starting weights' size)")
                 .arg(m_measures.change, 0, 'g', 3)
                 .arg(100.0 * m_measures.change / m_measures.startMagnitude, 0, 'f', 0);
  } else if (m_measures.edgeLikeness >= 0) {
    parts << tr("this run kept no copy of its starting filters, so their change is unknown");
  }
  m_measuresLabel->setText(parts.join(QStringLiteral(" · ")));
  m_measuresLabel->setVisible(!parts.isEmpty());
}

// A bar along the bottom of each tile: how far that filter moved, the one that moved most full (the
// changes soon pass the starting weights' size), with the change as a percentage of its starting
// weights' size when the tile is large enough.
// The tiles sit where Evaluator::filterGrid puts them: a gap of 2 pixels, 8 columns up to 64
// filters (all in one row up to 8), 16 beyond.
void FiltersPanel::paintMovement(QPainter& painter, const QRect& target) const {
  const QVector<double> moved = tileMovement();
  if (!m_movement->isChecked() || moved.isEmpty() || m_current.isNull() || target.isEmpty() || m_source.isEmpty()) return;
  const int count = int(moved.size()), gap = 2;
  const double most = *std::max_element(moved.begin(), moved.end());
  const int columns = count <= 8 ? count : (count <= 64 ? 8 : 16);
  const int rows = (count + columns - 1) / columns;
  const int w = m_current.width(), h = m_current.height();
  if ((w - gap) % columns != 0 || (h - gap) % rows != 0) return;  // not a grid of these filters
  const int cellW = (w - gap) / columns, cellH = (h - gap) / rows;
  const double sx = double(target.width()) / w, sy = double(target.height()) / h;
  QFont font = painter.font();
  font.setPixelSize(std::max(8, int(std::min((cellW - gap) * sx, (cellH - gap) * sy) * 0.11)));
  painter.setFont(font);
  const int barH = std::max(4, QFontMetrics(font).height());
  const bool labels = (cellW - gap) * sx >= QFontMetrics(font).horizontalAdvance(QStringLiteral("100%")) + 4;
  for (int i = 0; i < count; ++i) {
    const QRectF tile(target.left() + (gap + (i % columns) * cellW) * sx, target.top() + (gap + (i / columns) * cellH) * sy,
                      (cellW - gap) * sx, (cellH - gap) * sy);
    const QRectF bar(tile.left(), tile.bottom() - barH, tile.width(), barH);
    painter.fillRect(bar, QColor(0, 0, 0, 110));
    const double f = most > 0 ? std::clamp(moved[i] / most, 0.0, 1.0) : 0.0;
    painter.fillRect(QRectF(bar.left(), bar.top(), bar.width() * f, bar.height()), QColor(255, 150, 0, 220));
    if (labels) {
      painter.setPen(Qt::white);
      painter.drawText(bar, Qt::AlignCenter, QStringLiteral("%1%").arg(std::lround(100.0 * moved[i])));
    }
  }
}

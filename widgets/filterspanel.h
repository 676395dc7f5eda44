// The Filters panel: the first convolution layer's filters of a run as one big, crisp grid, so a class
// watches edges and colour blobs appear while a method trains. Grids come live from the training
// worker (TrainingPanel::filtersUpdated, about once a second) or from the run folder's checkpoint
// through the RunInspector; while training, the live ones win. "Compare with the start" shows the
// first grid the panel received for the run beside the current one (before / after). The run's
// lifecycle (set, follow checkpoints, busy, export) is InspectionPanel's. Two numbers say how far
// the filters are from their random start (pretext/filters.h): their edge-likeness and mean change,
// charted over the run from metrics.csv, and a bar on each tile shows how far that filter moved.
#pragma once

#include "inspectionpanel.h"

#include <pretext/filters.h>

#include <QElapsedTimer>
#include <QImage>
#include <QString>
#include <QVector>

class PixelImageView;
class QCheckBox;
class QCustomPlot;
class QPainter;
class QLabel;
class QPushButton;

class FiltersPanel final : public InspectionPanel {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(FiltersPanel)

 public:
  /// `inspector` (not owned) must outlive the panel.
  explicit FiltersPanel(RunInspector* inspector, QWidget* parent = nullptr);

  /// Where the grid on show came from: "live", "checkpoint", or "" (none).
  QString source() const { return m_source; }
  QImage currentGrid() const { return m_current; }
  /// The first grid received for this run ("compare with the start"); null before any.
  QImage startGrid() const { return m_start; }
  /// What "Save PNG…" writes: the current grid, or start and now side by side while comparing.
  QImage exportImage() const;
  /// Writes exportImage() as PNG; false (and a message in the panel) when it cannot.
  bool savePng(const QString& path);
  bool exportTo(const QString& path) override { return savePng(path); }

  /// The measures of the grid on show: the live grid's (TrainingWorker attaches them) or the
  /// checkpoint's; edgeLikeness < 0 while unknown, change < 0 when the run kept no start.
  pretext::FilterMeasures measures() const { return m_measures; }
  /// Edge-likeness of the run's random start (its initial filters); < 0 when unknown.
  double startEdgeLikeness() const { return m_startEdge; }
  /// How far each filter moved since the start, as a fraction of its starting weights' mean
  /// absolute size (the number on its tile; its bar is this over the largest): empty when the start
  /// is unknown.
  QVector<double> tileMovement() const;
  /// The chart over the run (from metrics.csv): graph 0 edge-likeness, graph 1 mean change.
  QCustomPlot* measuresChart() const { return m_chart; }
  QLabel* measuresLabel() const { return m_measuresLabel; }

  QLabel* captionLabel() const { return m_caption; }
  QLabel* messageLabel() const { return m_message; }
  QCheckBox* compareBox() const { return m_compare; }
  /// "Show how far each filter moved": the bars on the tiles (on by default).
  QCheckBox* movementBox() const { return m_movement; }
  QPushButton* saveButton() const { return m_save; }
  PixelImageView* currentView() const { return m_currentView; }
  PixelImageView* startView() const { return m_startView; }

  /// Live grids this long after the last one still win over a checkpoint (training sends one
  /// about every second; a stop or a pause ends the stream).
  static constexpr int kLiveHoldMs = 10000;

 public slots:
  /// A grid from the training worker (TrainingPanel::filtersUpdated). QImage::text("step"), when
  /// set, names the global step it was taken at. Live grids win over checkpoints while they come.
  void showLiveFilters(const QImage& grid);
  /// The training run ended (TrainingPanel::runFinished): its last checkpoint is shown again.
  void trainingFinished() override;
  void setCompareWithStart(bool compare);

 signals:
  /// A new grid is on show (live or from a checkpoint).
  void gridChanged();

 protected:
  void changeEvent(QEvent* event) override;
  void runChanged() override;
  void reload() override;
  void checkpointChanged(const QString& runDir) override;
  ExportFile exportFile() const override;
  void exportFinished(const QString&, bool) override {}  // savePng says what went wrong

 private:
  void updateTitleFonts();
  bool liveActive() const;
  bool hasCheckpoint() const;
  void readMethod();
  void showGrid(const QImage& grid, const QString& source, const QString& where);
  void showPlaceholder();
  void updateCaption();
  void setMeasures(const pretext::FilterMeasures& measures);
  void reloadHistory(bool force);
  void updateMeasuresText();
  void paintMovement(QPainter& painter, const QRect& target) const;

  QString m_method;          // the run's method title, when known
  QString m_source;
  QImage m_current;
  QString m_currentWhere;    // "live, step 120", "checkpoint after epoch 2"
  QImage m_start;
  QString m_startWhere;
  bool m_training = false;   // live grids came and training has not been said to have finished
  QElapsedTimer m_lastLive;
  pretext::FilterMeasures m_measures;
  double m_startEdge = -1.0;
  QElapsedTimer m_sinceHistory;  // metrics.csv is read again at most once a second while live

  QLabel* m_caption = nullptr;
  QLabel* m_explanation = nullptr;
  QLabel* m_message = nullptr;
  QLabel* m_startTitle = nullptr;
  QLabel* m_currentTitle = nullptr;
  QCheckBox* m_compare = nullptr;
  QCheckBox* m_movement = nullptr;
  QPushButton* m_save = nullptr;
  PixelImageView* m_currentView = nullptr;
  PixelImageView* m_startView = nullptr;
  QWidget* m_startColumn = nullptr;
  QLabel* m_measuresLabel = nullptr;
  QCustomPlot* m_chart = nullptr;
};

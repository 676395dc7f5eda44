// The Filters panel: the first convolution layer's filters of a run as one big, crisp grid, so a class
// watches edges and colour blobs appear while a method trains. Grids come live from the training
// worker (TrainingPanel::filtersUpdated, about once a second) or from the run folder's checkpoint
// through the RunInspector; while training, the live ones win. "Compare with the start" shows the
// first grid the panel received for the run beside the current one (before / after). The run's
// lifecycle (set, follow checkpoints, busy, export) is InspectionPanel's.
#pragma once

#include "inspectionpanel.h"

#include <QElapsedTimer>
#include <QImage>
#include <QString>

class PixelImageView;
class QCheckBox;
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

  QLabel* captionLabel() const { return m_caption; }
  QLabel* messageLabel() const { return m_message; }
  QCheckBox* compareBox() const { return m_compare; }
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

  QString m_method;          // the run's method title, when known
  QString m_source;
  QImage m_current;
  QString m_currentWhere;    // "live, step 120", "checkpoint after epoch 2"
  QImage m_start;
  QString m_startWhere;
  bool m_training = false;   // live grids came and training has not been said to have finished
  QElapsedTimer m_lastLive;

  QLabel* m_caption = nullptr;
  QLabel* m_explanation = nullptr;
  QLabel* m_message = nullptr;
  QLabel* m_startTitle = nullptr;
  QLabel* m_currentTitle = nullptr;
  QCheckBox* m_compare = nullptr;
  QPushButton* m_save = nullptr;
  PixelImageView* m_currentView = nullptr;
  PixelImageView* m_startView = nullptr;
  QWidget* m_startColumn = nullptr;
};

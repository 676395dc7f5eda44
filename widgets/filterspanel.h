// The Filters panel: the first convolution layer's filters of a run as one big, crisp grid, so a class
// watches edges and colour blobs appear while a method trains. Grids come live from the training
// worker (TrainingPanel::filtersUpdated, about once a second) or from the run folder's checkpoint
// through the RunInspector; while training, the live ones win. "Compare with the start" shows the
// first grid the panel received for the run beside the current one (before / after).
#pragma once

#include <QElapsedTimer>
#include <QImage>
#include <QString>
#include <QWidget>

class PixelImageView;
class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class RunInspector;

class FiltersPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(FiltersPanel)

 public:
  /// `inspector` (not owned) must outlive the panel.
  explicit FiltersPanel(RunInspector* inspector, QWidget* parent = nullptr);

  QString run() const { return m_run; }
  /// Where the grid on show came from: "live", "checkpoint", or "" (none).
  QString source() const { return m_source; }
  QImage currentGrid() const { return m_current; }
  /// The first grid received for this run ("compare with the start"); null before any.
  QImage startGrid() const { return m_start; }
  /// What "Save PNG…" writes: the current grid, or start and now side by side while comparing.
  QImage exportImage() const;
  /// Writes exportImage() as PNG; false (and a message in the panel) when it cannot.
  bool savePng(const QString& path);
  /// A checkpoint grid is being computed for this panel.
  bool busy() const { return m_pending; }

  QLabel* captionLabel() const { return m_caption; }
  QLabel* messageLabel() const { return m_message; }
  QCheckBox* compareBox() const { return m_compare; }
  QPushButton* saveButton() const { return m_save; }
  QProgressBar* busyIndicator() const { return m_busy; }
  PixelImageView* currentView() const { return m_currentView; }
  PixelImageView* startView() const { return m_startView; }

  /// Live grids this long after the last one still win over a checkpoint (training sends one
  /// about every second; a stop or a pause ends the stream).
  static constexpr int kLiveHoldMs = 10000;

 public slots:
  /// The run to show (the one training now or one the user opened); empty: none.
  void setRun(const QString& runDir);
  /// Reloads the grid if `runDir` is this panel's run (when next shown, if hidden now), unless
  /// live grids are arriving.
  void checkpointWritten(const QString& runDir);
  /// A grid from the training worker (TrainingPanel::filtersUpdated). QImage::text("step"), when
  /// set, names the global step it was taken at.
  void showLiveFilters(const QImage& grid);
  /// The training run ended (TrainingPanel::runFinished): its last checkpoint is shown again.
  void trainingFinished();
  void setCompareWithStart(bool compare);
  /// Reloads the grid from the checkpoint (when next shown, if hidden now).
  void refresh();
  /// Asks for a file name, then savePng().
  void saveAs();

 signals:
  /// A new grid is on show (live or from a checkpoint).
  void gridChanged();

 protected:
  void showEvent(QShowEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void updateTitleFonts();
  bool liveActive() const;
  bool hasCheckpoint() const;
  void readMethod();
  void requestCheckpointGrid();
  void showGrid(const QImage& grid, const QString& source, const QString& where);
  void showPlaceholder();
  void updateCaption();
  void setPending(bool pending);

  RunInspector* m_inspector = nullptr;
  QString m_run;
  QString m_method;          // the run's method title, when known
  QString m_source;
  QImage m_current;
  QString m_currentWhere;    // "live, step 120", "checkpoint after epoch 2"
  QImage m_start;
  QString m_startWhere;
  bool m_training = false;   // live grids came and training has not been said to have finished
  QElapsedTimer m_lastLive;
  bool m_dirty = false;      // a checkpoint reload waits for the panel to be shown
  bool m_pending = false;
  quint64 m_generation = 0;  // answers to older requests are dropped

  QLabel* m_caption = nullptr;
  QLabel* m_explanation = nullptr;
  QLabel* m_message = nullptr;
  QLabel* m_startTitle = nullptr;
  QLabel* m_currentTitle = nullptr;
  QCheckBox* m_compare = nullptr;
  QPushButton* m_save = nullptr;
  QProgressBar* m_busy = nullptr;
  PixelImageView* m_currentView = nullptr;
  PixelImageView* m_startView = nullptr;
  QWidget* m_startColumn = nullptr;
};

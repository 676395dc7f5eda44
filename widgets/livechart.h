// Live training charts (QCustomPlot) in a 2x2 grid: loss per step (raw and smoothed), k-NN accuracy
// per epoch with a dashed "random init" line at the accuracy measured before training, learning rate
// per step (warm-up and cosine decay) and throughput per step. One colour per run, overlaid, with a
// legend; wheel zoom and drag pan (a chart the user zoomed stops following the data until "Reset
// zoom" or a double-click). Points are appended; repaints are coalesced to at most one per chart
// every kReplotIntervalMs, however many points arrive, and idle charts do not repaint at all.
#pragma once

#include <QColor>
#include <QList>
#include <QString>
#include <QVector>
#include <QWidget>

class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCustomPlot;
class QPushButton;
class QTimer;

class LiveChart final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(LiveChart)

 public:
  explicit LiveChart(QWidget* parent = nullptr);

  /// The shortest time between two repaints of a chart (about the screen's rate, not the step rate).
  static constexpr int kReplotIntervalMs = 33;

  /// Starts a new run's graphs (a new colour) named `name` in the legends (a repeated name gets
  /// " (2)", " (3)" ... so that legends and CSV tell the runs apart).
  void beginRun(const QString& name);
  /// One training step; a learning rate or throughput < 0 is not drawn.
  void addStep(double globalStep, double loss, double learningRate = -1.0, double imagesPerSecond = -1.0);
  /// One k-NN measurement (< 0: not measured, no point). `beforeTraining`: the measurement of the
  /// untrained encoder, also drawn as the run's dashed "random init" reference line.
  void addEpoch(double epoch, double knnAccuracy, bool beforeTraining = false);

  /// Graphs of run r: lossPlot graph 2r (raw) and 2r+1 (smoothed); knnPlot, lrPlot and speedPlot graph r.
  QCustomPlot* lossPlot() const { return m_loss; }
  QCustomPlot* knnPlot() const { return m_knn; }
  QCustomPlot* lrPlot() const { return m_lr; }
  QCustomPlot* speedPlot() const { return m_speed; }
  QList<QCustomPlot*> plots() const { return {m_loss, m_knn, m_lr, m_speed}; }
  int runs() const { return int(m_runs.size()); }
  QString runName(int run) const { return m_runs.value(run).name; }
  /// Run r's random-init k-NN accuracy in percent (its reference line), or < 0 when none was measured.
  double randomInitAccuracy(int run) const;
  QPushButton* resetZoomButton() const { return m_resetZoom; }
  QPushButton* exportButton() const { return m_export; }

  /// False once the user zoomed or panned `plot`: it keeps its view while points arrive.
  bool followsData(const QCustomPlot* plot) const;
  /// Every chart follows its data again (the whole of every run in view).
  void resetZoom();

  /// Every series of every run, one point a row: run,series,x_axis,x,y (x_axis: step or epoch).
  QString csv() const;
  bool saveCsv(const QString& path) const;
  /// The four charts as one picture: PDF (vector) when `path` ends in .pdf, else PNG.
  /// Size 0: the charts' size on screen (at least 1200 x 800).
  bool saveImage(const QString& path, int width = 0, int height = 0);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void applyTheme();
  struct Run {
    QString name;
    QColor colour;
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QCPGraph* accuracy = nullptr;
    QCPGraph* lr = nullptr;
    QCPGraph* speed = nullptr;
    QCPItemStraightLine* randomInit = nullptr;
    QCPItemText* randomInitLabel = nullptr;
    double ema = 0.0;
    double emaWeight = 0.0;
  };
  /// Extent of a chart's data, kept as points arrive so that following the data costs nothing per point.
  struct Extent {
    double xMin = 0, xMax = 0, yMin = 0, yMax = 0;
    bool empty = true;
    void add(double x, double y);
  };
  enum Chart { Loss, Knn, Lr, Speed, ChartCount };

  void markDirty(Chart chart);
  void replotDirty();
  void fitToData(Chart chart);
  void relabelRandomInit();
  void exportDialog(QCustomPlot* single);
  QCustomPlot* plot(Chart chart) const;

  QCustomPlot* m_loss = nullptr;
  QCustomPlot* m_knn = nullptr;
  QCustomPlot* m_lr = nullptr;
  QCustomPlot* m_speed = nullptr;
  QPushButton* m_resetZoom = nullptr;
  QPushButton* m_export = nullptr;
  QVector<Run> m_runs;
  Extent m_extent[ChartCount];
  bool m_dirty[ChartCount] = {};
  bool m_follow[ChartCount] = {true, true, true, true};
  bool m_fitting = false;  ///< ranges change because the chart follows its data, not because of the user
  QTimer* m_timer = nullptr;
};

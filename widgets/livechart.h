// Live training charts (QCustomPlot): loss per step (raw and smoothed) and k-NN accuracy per epoch,
// one colour per run with a legend. Points are appended; repaints are coalesced to ~30 per second.
#pragma once

#include <QWidget>

class QCPGraph;
class QCustomPlot;
class QTimer;

class LiveChart final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(LiveChart)

 public:
  explicit LiveChart(QWidget* parent = nullptr);

  /// Starts a new run's graphs (a new colour) named `name` in the legends.
  void beginRun(const QString& name);
  void addStep(double globalStep, double loss);
  void addEpoch(double epoch, double knnAccuracy);

  QCustomPlot* lossPlot() const { return m_loss; }
  QCustomPlot* knnPlot() const { return m_knn; }
  int runs() const { return m_runs; }

 private:
  void scheduleReplot();
  void exportPlot(QCustomPlot* plot);

  QCustomPlot* m_loss = nullptr;
  QCustomPlot* m_knn = nullptr;
  QCPGraph* m_raw = nullptr;
  QCPGraph* m_smooth = nullptr;
  QCPGraph* m_accuracy = nullptr;
  double m_ema = 0.0;
  double m_emaWeight = 0.0;
  int m_runs = 0;
  bool m_dirty = false;
  QTimer* m_timer = nullptr;
};

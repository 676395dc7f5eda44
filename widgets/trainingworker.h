// Runs the core's Trainer in a worker thread (the worker-object pattern, ARCHITECTURE.md "Threads"):
// start() is queued in, reports come out as queued signals carrying value types; no exception
// leaves the thread.
#pragma once

#include <pretext/training.h>

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <mutex>


class TrainingWorker final : public QObject {
  friend class WorkerObserver;
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(TrainingWorker)

 public:
  explicit TrainingWorker(QObject* parent = nullptr);

  /// Called from the GUI thread while start() blocks the worker's thread: they only set the
  /// running Trainer's atomic flags (checked once per batch), under a mutex that guards the pointer.
  void requestStop();
  void setPaused(bool paused);

 public slots:
  /// Trains `config` on `dataset` (an invalid one: on config.dataset, loaded on this thread);
  /// `resumeDir` non-empty continues that run folder instead.
  void start(const pretext::TrainConfig& config, const pretext::Dataset& dataset, const QString& resumeDir);

 signals:
  void started(const QString& device, qint64 trainImages, qint64 stepsPerEpoch, int firstEpoch);
  void stepReported(const pretext::StepReport& report);
  void epochReported(const pretext::EpochReport& report);
  void message(const QString& text);
  /// The first layer's filters (Evaluator::filterGrid), at the start, about once a second while
  /// training and after each epoch, so the class watches them form.
  void filtersReady(const QImage& grid);
  /// A checkpoint was written into `runDir`.
  void checkpointWritten(const QString& runDir);
  void finished(const pretext::RunResult& result);

 private:
  std::mutex m_mutex;
  pretext::Trainer* m_trainer = nullptr;
  bool m_stopRequested = false;
  int m_filterIntervalMs = 1000;

 public:
  /// How often filtersReady comes during training (ms); 0: only at the start and at epoch ends.
  void setFilterInterval(int ms) { m_filterIntervalMs = ms; }
};

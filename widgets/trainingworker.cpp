#include "trainingworker.h"
#include "translation.h"

#include "qtconvert.h"

#include <pretext/evaluation.h>

#include <QElapsedTimer>

// Converts the core's callbacks (on the worker thread) into the worker's signals, and renders the
// first layer's filters now and then (on the training thread, between steps, so no lock is needed).
class WorkerObserver final : public pretext::TrainingObserver {
 public:
  WorkerObserver(TrainingWorker* worker, pretext::Trainer& trainer) : m_worker(worker), m_evaluator(trainer) {
    sendFilters();
  }
  void onStep(const pretext::StepReport& r) override {
    emit m_worker->stepReported(r);
    m_step = r.globalStep;
    if (m_worker->m_filterIntervalMs > 0 && m_sinceFilters.elapsed() >= m_worker->m_filterIntervalMs) sendFilters();
  }
  void onEpoch(const pretext::EpochReport& r) override {
    emit m_worker->epochReported(r);
    if (r.epoch >= 0) sendFilters();
  }
  void onMessage(const std::string& text) override { emit m_worker->message(i18n::coreMessage(QString::fromStdString(text))); }
  void onCheckpoint(const std::string& runDir) override { emit m_worker->checkpointWritten(QString::fromStdString(runDir)); }

 private:
  void sendFilters() {
    m_sinceFilters.restart();
    try {
      pretext::SheetColours sheet;
      sheet.transparent = true;  // the gaps show the panel's background, light or dark
      QImage grid = pretext::toQImage(m_evaluator.filterGrid(6, sheet));
      grid.setText(QStringLiteral("step"), QString::number(m_step));  // the step the weights are from
      pretext::attachFilterMeasures(grid, m_evaluator.filterMeasures());
      emit m_worker->filtersReady(grid);
    } catch (const std::exception& e) {
      // A backbone without a first-layer filter bank: nothing to show, training goes on.
      if (!m_warned) emit m_worker->message(QString::fromUtf8(e.what()));
      m_warned = true;
    }
  }

  TrainingWorker* m_worker;
  pretext::Evaluator m_evaluator;
  QElapsedTimer m_sinceFilters;
  bool m_warned = false;
  qint64 m_step = 0;
};

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<pretext::TrainConfig>();
  qRegisterMetaType<pretext::Dataset>();
  qRegisterMetaType<pretext::StepReport>();
  qRegisterMetaType<pretext::EpochReport>();
  qRegisterMetaType<pretext::RunResult>();
}

void TrainingWorker::requestStop() {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_stopRequested = true;
  if (m_trainer) m_trainer->requestStop();
}

void TrainingWorker::setPaused(bool paused) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_trainer) m_trainer->setPaused(paused);
}

void TrainingWorker::start(const pretext::TrainConfig& config, const pretext::Dataset& dataset,
                           const QString& resumeDir) {
  pretext::RunResult result;
  try {
    // No dataset given: the run loads config.dataset here, off the GUI thread (STL-10's unlabelled
    // split, which the window's dataset was opened without).
    std::unique_ptr<pretext::Trainer> trainer =
        resumeDir.isEmpty()
            ? std::make_unique<pretext::Trainer>(config, dataset.valid() ? dataset : pretext::Dataset::load(config.dataset))
            : pretext::Trainer::resume(resumeDir.toStdString());
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_trainer = trainer.get();
      if (m_stopRequested) trainer->requestStop();
    }
    emit started(QString::fromStdString(trainer->deviceName()), 0, 0, trainer->startEpoch());
    WorkerObserver observer(this, *trainer);
    result = trainer->run(&observer);
    std::lock_guard<std::mutex> lock(m_mutex);
    m_trainer = nullptr;
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_trainer = nullptr;
    result.status = pretext::RunStatus::Failed;
    result.message = e.what();
  }
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stopRequested = false;
  }
  emit finished(result);
}

#include "trainingworker.h"

namespace {

// Converts the core's callbacks (on the worker thread) into the worker's signals.
class SignalObserver final : public pretext::TrainingObserver {
 public:
  explicit SignalObserver(TrainingWorker* worker) : m_worker(worker) {}
  void onStep(const pretext::StepReport& r) override { emit m_worker->stepReported(r); }
  void onEpoch(const pretext::EpochReport& r) override { emit m_worker->epochReported(r); }
  void onMessage(const std::string& text) override { emit m_worker->message(QString::fromStdString(text)); }

 private:
  TrainingWorker* m_worker;
};

}  // namespace

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
    std::unique_ptr<pretext::Trainer> trainer = resumeDir.isEmpty()
                                                    ? std::make_unique<pretext::Trainer>(config, dataset)
                                                    : pretext::Trainer::resume(resumeDir.toStdString());
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_trainer = trainer.get();
      if (m_stopRequested) trainer->requestStop();
    }
    emit started(QString::fromStdString(trainer->deviceName()), 0, 0, trainer->startEpoch());
    SignalObserver observer(this);
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

// Evaluates run folders in a worker thread for the inspection panels (filters, attention maps,
// retrieval gallery, embedding, results), in the worker-object pattern (ARCHITECTURE.md, "Threads"):
// a job goes in by a queued call, its result (a value) comes back to the GUI thread; no exception
// leaves the worker.
//
// A job is a function of an InspectContext, which opens one pretext::Evaluator per run folder and
// keeps it (features cached) until that folder's checkpoint changes, so a run still training is
// seen as of its latest checkpoint.
#pragma once

#include <pretext/evaluation.h>

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <any>
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <vector>

/// A job's progress and cancel flag, shared by the panel that asked (GUI thread) and the job
/// (worker thread): the Evaluators the job opens report into `done` / `total` and stop with
/// pretext::Cancelled once `cancel` is set.
struct JobControl {
  std::atomic<bool> cancel{false};
  std::atomic<std::int64_t> done{0}, total{0};
};

/// What a job sees on the worker thread.
class InspectContext {
 public:
  InspectContext() = default;
  InspectContext(const InspectContext&) = delete;
  InspectContext& operator=(const InspectContext&) = delete;

  /// The Evaluator of `runDir` (opened on "auto": CUDA when there is one), reopened when
  /// checkpoints/last.pt has changed since it was opened. Throws std::runtime_error for a folder
  /// that is not a run folder or has no checkpoint yet.
  pretext::Evaluator& evaluator(const QString& runDir);

  /// The running job's control (null: none): the Evaluators evaluator() returns report to it.
  void setControl(std::shared_ptr<JobControl> control);
  JobControl* control() const { return m_control.get(); }

  /// At most this many run folders stay open (the least recently used is closed).
  static constexpr int kCacheSize = 3;

 private:
  struct Entry {
    QString dir;
    QDateTime stamp;
    qint64 size = 0;
    std::uint64_t lastUse = 0;
    std::unique_ptr<pretext::Evaluator> evaluator;
  };
  void applyControl(pretext::Evaluator& evaluator) const;

  std::vector<Entry> m_cache;
  std::uint64_t m_uses = 0;
  std::shared_ptr<JobControl> m_control;
};

using InspectJob = std::function<std::any(InspectContext&)>;

/// Lives in RunInspector's thread and runs one job at a time.
class InspectWorker final : public QObject {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(InspectWorker)

 public:
  explicit InspectWorker(QObject* parent = nullptr) : QObject(parent) {}

  /// Runs `job`; emits done or failed. Called by a queued invocation only.
  void run(quint64 id, const InspectJob& job);

 signals:
  void done(quint64 id, const std::any& result);
  void failed(quint64 id, const QString& message);

 private:
  InspectContext m_context;
};

/// The GUI thread's side: owns the worker thread and its queue.
class RunInspector final : public QObject {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(RunInspector)

 public:
  explicit RunInspector(QObject* parent = nullptr);
  /// Drops the queued jobs, waits for the running one and joins the thread.
  ~RunInspector() override;

  /// Queues `job`. Later, on the GUI thread, `onDone(result)` or `onFailed(message)` is called,
  /// unless `receiver` has been destroyed by then. A job with a non-empty `key` replaces a queued job
  /// of the same key that has not started (only the latest request of a kind is computed; the
  /// replaced one never reports).
  template <class Result>
  void submit(QObject* receiver, const QString& key, std::function<Result(InspectContext&)> job,
              std::function<void(const Result&)> onDone, std::function<void(const QString&)> onFailed = {}) {
    enqueue(
        receiver, key, [job = std::move(job)](InspectContext& c) { return std::any(job(c)); },
        [onDone = std::move(onDone)](const std::any& r) {
          if (onDone) onDone(std::any_cast<const Result&>(r));
        },
        std::move(onFailed));
  }

  /// True while a job runs or waits.
  bool busy() const { return m_inFlight != 0 || !m_queue.empty(); }
  /// Jobs waiting (not counting the running one).
  int queued() const { return int(m_queue.size()); }

 signals:
  void busyChanged(bool busy);

 private:
  struct Pending {
    quint64 id = 0;
    QString key;
    InspectJob job;
    QPointer<QObject> receiver;
    std::function<void(const std::any&)> onDone;
    std::function<void(const QString&)> onFailed;
  };

  void enqueue(QObject* receiver, const QString& key, InspectJob job, std::function<void(const std::any&)> onDone,
               std::function<void(const QString&)> onFailed);
  void pump();
  void finish(quint64 id, const std::any* result, const QString& error);

  QThread m_thread;
  InspectWorker* m_worker = nullptr;
  std::list<Pending> m_queue;
  Pending m_running;
  quint64 m_inFlight = 0;
  quint64 m_nextId = 1;
};

#include "runinspector.h"
#include "translation.h"

#include "panelcommon.h"

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>

#include <algorithm>
#include <exception>

Q_DECLARE_METATYPE(std::any)

pretext::Evaluator& InspectContext::evaluator(const QString& runDir) {
  const QString dir = runFolderPath(runDir);
  const QFileInfo checkpoint(QDir(dir).filePath(QStringLiteral("checkpoints/last.pt")));
  const QDateTime stamp = checkpoint.lastModified();
  const qint64 size = checkpoint.size();
  ++m_uses;
  auto it = std::find_if(m_cache.begin(), m_cache.end(), [&](const Entry& e) { return sameRunFolder(e.dir, dir); });
  if (it != m_cache.end()) {
    if (it->stamp == stamp && it->size == size) {
      it->lastUse = m_uses;
      applyControl(*it->evaluator);
      return *it->evaluator;
    }
    m_cache.erase(it);  // a newer checkpoint: open it again
  }
  if (int(m_cache.size()) >= kCacheSize) {
    m_cache.erase(std::min_element(m_cache.begin(), m_cache.end(),
                                   [](const Entry& a, const Entry& b) { return a.lastUse < b.lastUse; }));
  }
  Entry e;
  e.dir = dir;
  e.stamp = stamp;
  e.size = size;
  e.lastUse = m_uses;
  e.evaluator = std::make_unique<pretext::Evaluator>(dir.toStdString(), "auto");
  m_cache.push_back(std::move(e));
  applyControl(*m_cache.back().evaluator);
  return *m_cache.back().evaluator;
}

void InspectContext::setControl(std::shared_ptr<JobControl> control) {
  m_control = std::move(control);
  for (auto& e : m_cache) applyControl(*e.evaluator);
}

void InspectContext::applyControl(pretext::Evaluator& evaluator) const {
  if (!m_control) {
    evaluator.setProgress({}, nullptr);
    return;
  }
  JobControl* c = m_control.get();  // the job holds the control alive while it runs
  evaluator.setProgress(
      [c](std::int64_t done, std::int64_t total) {
        c->total = total;
        c->done = done;
      },
      &c->cancel);
}

void InspectWorker::run(quint64 id, const InspectJob& job) {
  try {
    const std::any result = job(m_context);
    emit done(id, result);
  } catch (const std::exception& e) {
    emit failed(id, i18n::coreMessage(QString::fromUtf8(e.what())));  // translate() is thread-safe
  } catch (...) {
    emit failed(id, tr("unknown error"));
  }
}

RunInspector::RunInspector(QObject* parent) : QObject(parent) {
  qRegisterMetaType<std::any>();
  m_thread.setObjectName(QStringLiteral("pretext-inspector"));
  m_worker = new InspectWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &InspectWorker::done, this, [this](quint64 id, const std::any& r) { finish(id, &r, {}); });
  connect(m_worker, &InspectWorker::failed, this, [this](quint64 id, const QString& e) { finish(id, nullptr, e); });
  m_thread.start();
}

RunInspector::~RunInspector() {
  m_queue.clear();
  m_thread.quit();
  m_thread.wait();
}

void RunInspector::enqueue(QObject* receiver, const QString& key, InspectJob job,
                           std::function<void(const std::any&)> onDone, std::function<void(const QString&)> onFailed) {
  const bool wasBusy = busy();
  if (!key.isEmpty()) {
    m_queue.remove_if([&](const Pending& p) { return p.key == key; });
  }
  Pending p;
  p.id = m_nextId++;
  p.key = key;
  p.job = std::move(job);
  p.receiver = receiver;
  p.onDone = std::move(onDone);
  p.onFailed = std::move(onFailed);
  m_queue.push_back(std::move(p));
  pump();
  if (!wasBusy) emit busyChanged(true);
}

void RunInspector::pump() {
  if (m_inFlight != 0 || m_queue.empty()) return;
  m_running = std::move(m_queue.front());
  m_queue.pop_front();
  m_inFlight = m_running.id;
  QMetaObject::invokeMethod(
      m_worker, [worker = m_worker, id = m_running.id, job = m_running.job] { worker->run(id, job); },
      Qt::QueuedConnection);
  m_running.job = nullptr;  // the worker holds its own copy
}

void RunInspector::finish(quint64 id, const std::any* result, const QString& error) {
  if (id != m_inFlight) return;
  Pending done = std::move(m_running);
  m_running = Pending();
  m_inFlight = 0;
  pump();
  if (done.receiver) {
    if (result) {
      if (done.onDone) done.onDone(*result);
    } else if (done.onFailed) {
      done.onFailed(error);
    }
  }
  if (!busy()) emit busyChanged(false);
}

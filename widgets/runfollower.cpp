#include "runfollower.h"

#include "panelcommon.h"
#include "runconfig.h"

#include <pretext/training.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>

RunFollower::RunFollower(QObject* parent) : QObject(parent) {
  m_timer = new QTimer(this);
  m_timer->setInterval(1000);
  connect(m_timer, &QTimer::timeout, this, &RunFollower::poll);
  m_soon = new QTimer(this);
  m_soon->setSingleShot(true);
  m_soon->setInterval(50);
  connect(m_soon, &QTimer::timeout, this, &RunFollower::poll);
}

RunFollower::~RunFollower() = default;

void RunFollower::setPollInterval(int ms) { m_timer->setInterval(std::max(10, ms)); }
int RunFollower::pollInterval() const { return m_timer->interval(); }

std::int64_t RunFollower::rowsRead() const { return m_tail ? m_tail->rowsRead() : 0; }

QString RunFollower::path(const QString& name) const { return QDir(m_dir).filePath(name); }

void RunFollower::follow(const QString& runDir) {
  stop();
  m_dir = runFolderPath(runDir);
  m_tail = std::make_unique<pretext::MetricsTail>(QFile::encodeName(path(QStringLiteral("metrics.csv"))).toStdString());
  m_watcher = new QFileSystemWatcher(this);
  connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &RunFollower::schedulePoll);
  connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &RunFollower::schedulePoll);
  m_checkpoint = checkpointSignature();  // the checkpoint there now is shown with the run itself
  m_configTime = {};
  m_configError.clear();
  m_lastRow = {};
  m_lastEpochRow = {};
  m_epochs = 0;
  m_ended = false;
  m_writer = {};
  m_writerSignature.clear();
  m_lastStep = -1;
  m_timer->start();
  poll();
}

void RunFollower::stop() {
  m_timer->stop();
  m_soon->stop();
  delete m_watcher;
  m_watcher = nullptr;
  m_tail.reset();
}

void RunFollower::schedulePoll() {
  if (m_tail && !m_soon->isActive()) m_soon->start();
}

QString RunFollower::checkpointSignature() const {
  const QFileInfo info(path(QStringLiteral("checkpoints/last.pt")));
  if (!info.exists()) return {};
  return QStringLiteral("%1/%2/%3")
      .arg(info.lastModified().toMSecsSinceEpoch())
      .arg(info.size())
      .arg(info.metadataChangeTime().toMSecsSinceEpoch());
}

void RunFollower::readConfig() {
  const QFileInfo info(path(QStringLiteral("config.json")));
  if (!info.exists() || info.lastModified() == m_configTime) return;
  const RunConfigRead read = readRunConfig(m_dir);
  if (!read.config) {  // the next poll tries again; each error is said once
    if (!read.error.isEmpty() && read.error != m_configError) {
      emit configUnreadable(read.error);
      emit message(read.error);
    }
    m_configError = read.error;
    return;
  }
  m_configTime = info.lastModified();
  m_configError.clear();
  m_epochs = read.config->epochs;
  emit configRead(*read.config);
}

void RunFollower::watchWhatExists() {
  // A watched file that was replaced by a rename drops out of the watcher: add it again.
  QStringList wanted;
  for (const QString& name : {QString(), QStringLiteral("checkpoints"), QStringLiteral("metrics.csv")}) {
    const QString p = name.isEmpty() ? m_dir : path(name);
    if (QFileInfo::exists(p) && !m_watcher->files().contains(p) && !m_watcher->directories().contains(p)) wanted << p;
  }
  if (!wanted.isEmpty()) m_watcher->addPaths(wanted);
}

void RunFollower::poll() {
  if (!m_tail) return;
  watchWhatExists();
  readConfig();
  const pretext::MetricsTail::Update update = m_tail->poll();
  if (update.restarted) {
    m_ended = false;
    m_lastEpochRow = {};
    m_lastStep = -1;
    emit restarted();
  }
  for (const auto& row : update.rows) m_lastStep = std::max(m_lastStep, row.globalStep);
  for (const auto& line : update.malformed) {
    emit message(tr("%1: skipped %2").arg(QDir::toNativeSeparators(path(QStringLiteral("metrics.csv"))), QString::fromStdString(line)));
  }
  if (!update.rows.empty()) {
    m_lastRow = QDateTime::currentDateTime();
    emit rowsAdded(update.rows);
    if (!m_tail) return;  // a receiver stopped following
  }
  readWriter();
  if (!m_tail) return;
  if (update.rows.empty() && m_lastRow.isValid() && !m_ended && m_writer.kind == pretext::RunWriterStatus::Kind::None) {
    const qint64 ms = m_lastRow.msecsTo(QDateTime::currentDateTime());
    if (ms >= m_quietAfterMs) emit quiet(ms / 1000);
  }
  const QString checkpoint = checkpointSignature();
  if (checkpoint != m_checkpoint) {
    m_checkpoint = checkpoint;
    if (!checkpoint.isEmpty()) emit checkpointChanged(m_dir);
    if (!m_tail) return;
  }
  // The Trainer writes the last epoch's row, then its checkpoint: the run has ended once both are there.
  if (!m_ended && m_epochs > 0 && !m_lastEpochRow.isValid()) {
    for (const auto& row : update.rows) {
      if (row.isEpoch() && row.epoch >= m_epochs - 1) m_lastEpochRow = QDateTime::currentDateTime();
    }
  }
  if (!m_ended && m_writer.kind == pretext::RunWriterStatus::Kind::Finished) {
    // The writer said it finished after its last row and checkpoint.
    m_ended = true;
    emit runEnded(m_dir);
    return;
  }
  if (!m_ended && m_lastEpochRow.isValid()) {
    // The checkpoint after the last epoch's row may never come (checkpoint_every_epochs 0, a process
    // killed or failed between the two): 10 s after that row the run is taken as ended, for runs
    // without a writer record (older versions). A writer record that says its process is over
    // (stopped, failed, or gone from this host) ends it at once: nothing more will be written.
    using Kind = pretext::RunWriterStatus::Kind;
    const bool writerOver = m_writer.kind == Kind::Stopped || m_writer.kind == Kind::Failed || m_writer.kind == Kind::Gone;
    const QFileInfo last(path(QStringLiteral("checkpoints/last.pt"))), metrics(path(QStringLiteral("metrics.csv")));
    if ((last.exists() && last.lastModified() >= metrics.lastModified()) || writerOver ||
        m_lastEpochRow.msecsTo(QDateTime::currentDateTime()) > 10000) {
      m_ended = true;
      emit runEnded(m_dir);
    }
  }
}

void RunFollower::readWriter() {
  m_writer = pretext::runWriterStatus(QFile::encodeName(m_dir).toStdString());
  using Kind = pretext::RunWriterStatus::Kind;
  const auto& r = m_writer.record;
  // A new signal when the state, the process or its checkpoint change, and each poll while silent.
  const QString signature = QStringLiteral("%1/%2/%3/%4/%5")
                                .arg(int(m_writer.kind))
                                .arg(r.pid)
                                .arg(r.checkpointStep)
                                .arg(m_writer.kind == Kind::Silent ? m_writer.heartbeatAgeMs / 1000 : 0)
                                .arg(QString::fromStdString(r.host));
  if (signature == m_writerSignature) return;
  m_writerSignature = signature;
  if (m_writer.kind != Kind::None) emit writerChanged(m_writer);
}

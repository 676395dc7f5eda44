// Follows a run folder that another process writes (pretext-cli train, the Training panel's
// processes, a cluster job on a shared filesystem): the rows metrics.csv gains, its newest
// checkpoint, and the end of the run. A QFileSystemWatcher answers at once where the filesystem
// tells (inotify); a polling timer catches everything else (NFS and other network filesystems
// deliver no events). Checkpoints are written through a rename, so a changed checkpoints/last.pt
// is always a whole one.
#pragma once

#include <pretext/metrics.h>
#include <pretext/runwriter.h>
#include <pretext/training.h>

#include <QDateTime>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

class QFileSystemWatcher;
class QTimer;

class RunFollower final : public QObject {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(RunFollower)

 public:
  explicit RunFollower(QObject* parent = nullptr);
  ~RunFollower() override;

  /// Starts following `runDir` (absolute or relative; it may not exist yet). The rows already in
  /// its metrics.csv come with the first poll, which runs at once.
  void follow(const QString& runDir);
  /// Stops following (no more signals).
  void stop();
  bool following() const { return m_tail != nullptr; }
  QString runDir() const { return m_dir; }
  /// The polling interval (default 1000 ms): the longest a change waits without filesystem events.
  void setPollInterval(int ms);
  int pollInterval() const;
  /// How long without a new row before quiet() is said (default 30 s).
  void setQuietAfter(int ms) { m_quietAfterMs = ms; }
  int quietAfter() const { return m_quietAfterMs; }

  /// The run's epochs as its config.json says (0 before config.json is there).
  int epochs() const { return m_epochs; }
  /// Whether the run's last epoch row and the checkpoint after it have been read (training ran to its end).
  bool ended() const { return m_ended; }
  std::int64_t rowsRead() const;
  /// When the last new row was read (invalid before any).
  QDateTime lastRowTime() const { return m_lastRow; }
  /// What the run's writer record (writer.json) said at the last poll.
  const pretext::RunWriterStatus& writerStatus() const { return m_writer; }
  /// The last global step read from metrics.csv (-1 before any row).
  std::int64_t lastStep() const { return m_lastStep; }

 public slots:
  /// Reads what changed now.
  void poll();

 signals:
  /// metrics.csv was truncated or replaced: the rows that follow start from its beginning.
  void restarted();
  /// New complete rows of metrics.csv, in order.
  void rowsAdded(const std::vector<pretext::MetricsRow>& rows);
  /// checkpoints/last.pt of the run changed (a newer checkpoint was renamed into place).
  void checkpointChanged(const QString& runDir);
  /// The run's last epoch row arrived: training ran to its end.
  void runEnded(const QString& runDir);
  /// The run's config.json was read (when following starts, or when it changed: a resume).
  void configRead(const pretext::TrainConfig& config);
  /// No new row for `seconds` (quietAfter() or more; said at each poll while it lasts): the run may have
  /// stopped without ending (Ctrl-C, a killed job), or it is in a long evaluation. Only for runs
  /// without a writer record (older versions): writerChanged() says more.
  void quiet(qint64 seconds);
  /// The writer record says something new: running (pid, host), finished, stopped, failed, gone
  /// (its process on this host ended without finishing), or silent (no heartbeat; said at each
  /// poll while it lasts). Also at the first poll that finds a record.
  void writerChanged(const pretext::RunWriterStatus& status);
  /// Something the user may want to know (malformed lines, an unreadable config.json).
  void message(const QString& text);
  /// The run's config.json is there but cannot be read as a config (not JSON, a wrong type, cut
  /// short): readRunConfig's error, naming the file. Said once per error, with message(); a later
  /// configRead() says it was mended.
  void configUnreadable(const QString& error);

 private:
  QString path(const QString& name) const;
  QString checkpointSignature() const;
  void readConfig();
  void readWriter();
  void watchWhatExists();
  void schedulePoll();

  QString m_dir;
  std::unique_ptr<pretext::MetricsTail> m_tail;
  QFileSystemWatcher* m_watcher = nullptr;
  QTimer* m_timer = nullptr;
  QTimer* m_soon = nullptr;  ///< coalesces the watcher's bursts of events into one poll
  QString m_checkpoint;      ///< signature of the checkpoint seen last
  QDateTime m_configTime;
  QString m_configError;  ///< what message() said last about config.json
  QDateTime m_lastRow;
  QDateTime m_lastEpochRow;  ///< when the last epoch's row was read (the checkpoint follows it)
  pretext::RunWriterStatus m_writer;
  QString m_writerSignature;  ///< what writerChanged() said last
  std::int64_t m_lastStep = -1;
  int m_epochs = 0;
  int m_quietAfterMs = 30000;
  bool m_ended = false;
};

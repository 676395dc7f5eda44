// The writer record of a run folder (writer.json): which process writes the run (its pid, host, and
// the start time the kernel gives the process, so that a reused pid is not taken for it), a
// heartbeat it refreshes every few seconds, and how it ended. A follower (the window's File >
// Follow run folder, `pretext-cli status RUN`) reads it to tell a running run from one that
// finished, stopped, or whose process is gone without finishing (SIGKILL, a crash, a machine that
// went down). Written atomically (a rename), so a reader sees the old record or the new one.
// Plain C++: no torch, no Qt.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace pretext {

struct WriterRecord {
  enum class State { Running, Finished, Stopped, Failed };
  State state = State::Running;
  std::int64_t pid = 0;
  std::string host;
  /// The process's start as the kernel counts it ("BOOT_ID:START_TICKS" from /proc on Linux; empty
  /// where it cannot be read): a later process with the same pid has another one.
  std::string processStart;
  std::int64_t startedMs = 0;        ///< wall clock, milliseconds since the Unix epoch
  std::int64_t heartbeatMs = 0;      ///< wall clock of the last refresh
  std::int64_t heartbeatEveryMs = 2000;
  int worldSize = 1;                 ///< processes of the job (this record is rank 0's)
  std::int64_t step = 0;             ///< the last global step trained (as of the last refresh)
  std::int64_t checkpointStep = -1;  ///< global step of the last checkpoint written; -1: none yet
  std::string message;               ///< stopped, failed: the trainer's message
};

const char* writerStateName(WriterRecord::State state);  ///< "running", "finished", "stopped", "failed"
/// `runDir`/writer.json
std::string writerRecordPath(const std::string& runDir);
std::string writerRecordToJson(const WriterRecord& record);
/// Throws std::runtime_error saying what is wrong.
WriterRecord writerRecordFromJson(const std::string& json);

/// This process, as a record names it.
std::int64_t currentProcessId();
std::string currentHostName();
/// The kernel's start of process `pid` ("BOOT_ID:START_TICKS"); empty when there is no such
/// process, when it is a zombie (it has ended; its parent has not reaped it yet), or where /proc
/// cannot tell.
std::string processStartToken(std::int64_t pid);
std::int64_t wallClockMs();

/// Keeps a run folder's writer.json while this process writes the run: created Running, refreshed
/// every `every` by a thread of its own, and ended with finish(). Errors writing it (a full disk)
/// are kept from the trainer: the record is advisory.
class RunWriterRecord {
 public:
  RunWriterRecord(std::string runDir, int worldSize, std::int64_t step,
                  std::chrono::milliseconds every = std::chrono::milliseconds(2000));
  /// A record that was never finished is marked failed ("ended without finishing"): the process is
  /// still here, so it is not gone.
  ~RunWriterRecord();
  RunWriterRecord(const RunWriterRecord&) = delete;
  RunWriterRecord& operator=(const RunWriterRecord&) = delete;

  /// The last global step trained (written with the next refresh).
  void progress(std::int64_t step);
  /// A checkpoint of global step `step` was written (the record is rewritten at once).
  void checkpointed(std::int64_t step);
  /// Stops the heartbeat and writes the end: finished, stopped or failed at global step `step`.
  void finish(WriterRecord::State state, std::int64_t step, const std::string& message = "");
  const std::string& path() const { return m_path; }

 private:
  void write();
  void beat();

  std::string m_path;
  std::chrono::milliseconds m_every;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  WriterRecord m_record;
  bool m_ended = false;
  std::thread m_thread;
};

/// What the writer record of a run folder says, checked against the process table where the
/// writer ran on this machine and against the heartbeat's age elsewhere.
struct RunWriterStatus {
  enum class Kind {
    None,      ///< no writer.json (not started yet, or written by a version before it)
    Running,   ///< the writer is alive (this host), or its heartbeat is fresh (another host)
    Finished,
    Stopped,   ///< stopped cleanly (Ctrl-C, Stop): the checkpoint resumes it
    Failed,    ///< the trainer ended with an error, and said so
    Gone,      ///< this host: the process is not there any more (or the pid is another process's) and never said it ended
    Silent,    ///< no heartbeat for silentAfterMs (another host; or this host with the process there but hung or paused)
    Unreadable ///< writer.json exists but cannot be read (`error`)
  };
  Kind kind = Kind::None;
  WriterRecord record;
  bool thisHost = false;
  std::int64_t heartbeatAgeMs = 0;
  std::string error;

  /// One line of English for scripts and logs (the window says the same through its translations):
  /// "running (pid N on HOST)", "finished", "stopped at step S: the process N on this host is gone
  /// without finishing (killed?) — last checkpoint at step C, resume with pretext-cli train
  /// --resume DIR", "no heartbeat from HOST for N s", ... `lastStep` (the last global step of
  /// metrics.csv, or -1) improves the step the record knows.
  std::string describe(const std::string& runDir, std::int64_t lastStep = -1) const;
  /// The command that resumes the run: pretext-cli train --resume DIR [--nproc N], N the job's
  /// world size, or `processes` when > 0 (a machine that runs fewer: the global batch is kept).
  /// The one spelling of it: `pretext-cli status` prints it and the window shows and runs it.
  std::string resumeCommand(const std::string& runDir, int processes = 0) const;

  /// Whether the run may be resumed now, and if not, why not.
  enum class Resumable {
    Yes,           ///< gone, stopped, failed, or silent on another host, with a checkpoint to resume from
    WriterAlive,   ///< running, or silent on this host (the process is there): resuming would make two writers
    Finished,      ///< nothing left to train (a longer run: train --resume DIR --epochs N)
    NoCheckpoint,  ///< it ended before its first checkpoint (or checkpoints/last.pt is missing): start it again
    Unknown        ///< no writer record (an older version's run) or an unreadable one
  };
  /// Decided from the record and whether `runDir`/checkpoints/last.pt exists. The window offers its
  /// Resume button and `pretext-cli status` prints the resume line exactly when this says Yes.
  Resumable resumable(const std::string& runDir) const;
  /// The step the run got to: the record's, or `lastStep` when later.
  std::int64_t stepReached(std::int64_t lastStep) const;
};

/// Reads `runDir`'s writer record and judges it at `nowMs`. `silentAfterMs` 0: five heartbeat
/// intervals, at least 15 s. Never throws.
RunWriterStatus runWriterStatus(const std::string& runDir, std::int64_t nowMs = wallClockMs(), std::int64_t silentAfterMs = 0);

}  // namespace pretext

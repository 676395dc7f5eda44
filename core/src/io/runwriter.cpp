// writer.json: see pretext/runwriter.h. Every number in it is an integer (nlohmann-json writes
// integers without the locale), times in milliseconds since the Unix epoch.
#include "pretext/runwriter.h"

#include "io/fileutil.h"
#include "io/jsonread.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <signal.h>
#include <unistd.h>

namespace pretext {

namespace {

using namespace io::jsonread;  // Json, parseObject, wholeNumber, text, badKey

std::string readSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string bootId() {
  std::string id = readSmallFile("/proc/sys/kernel/random/boot_id");
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

/// Whether /proc describes this machine's processes (Linux); elsewhere a pid's liveness comes from kill(pid, 0).
bool haveProc() {
  static const bool have = !readSmallFile("/proc/self/stat").empty();
  return have;
}

WriterRecord::State stateFromName(const std::string& name) {
  for (auto s : {WriterRecord::State::Running, WriterRecord::State::Finished, WriterRecord::State::Stopped,
                 WriterRecord::State::Failed}) {
    if (name == writerStateName(s)) return s;
  }
  badKey("state", "expected running, finished, stopped or failed, not '" + name + "'");
}

std::string seconds(std::int64_t ms) { return std::to_string((ms + 500) / 1000) + " s"; }

}  // namespace

const char* writerStateName(WriterRecord::State state) {
  switch (state) {
    case WriterRecord::State::Running: return "running";
    case WriterRecord::State::Finished: return "finished";
    case WriterRecord::State::Stopped: return "stopped";
    case WriterRecord::State::Failed: return "failed";
  }
  return "running";
}

std::string writerRecordPath(const std::string& runDir) { return io::joinPath(runDir, "writer.json"); }

std::string writerRecordToJson(const WriterRecord& r) {
  Json j = Json::object();
  j["state"] = writerStateName(r.state);
  j["pid"] = r.pid;
  j["host"] = r.host;
  j["process_start"] = r.processStart;
  j["started_ms"] = r.startedMs;
  j["heartbeat_ms"] = r.heartbeatMs;
  j["heartbeat_every_ms"] = r.heartbeatEveryMs;
  j["world_size"] = r.worldSize;
  j["step"] = r.step;
  j["checkpoint_step"] = r.checkpointStep;
  if (!r.message.empty()) j["message"] = r.message;
  return j.dump(2) + "\n";
}

WriterRecord writerRecordFromJson(const std::string& source) {
  const Json j = parseObject(source, "");
  WriterRecord r;
  r.state = stateFromName(text(j, "state", ""));
  r.pid = wholeNumber(j, "pid", 0);
  if (r.pid <= 0) badKey("pid", "missing or not positive");
  r.host = text(j, "host", "");
  r.processStart = text(j, "process_start", "");
  r.startedMs = wholeNumber(j, "started_ms", 0);
  r.heartbeatMs = wholeNumber(j, "heartbeat_ms", 0);
  r.heartbeatEveryMs = std::max<std::int64_t>(1, wholeNumber(j, "heartbeat_every_ms", 2000));
  const std::int64_t world = wholeNumber(j, "world_size", 1);
  if (world < 1 || world > INT_MAX) badKey("world_size", std::to_string(world) + " is out of range");
  r.worldSize = int(world);
  r.step = wholeNumber(j, "step", 0);
  r.checkpointStep = wholeNumber(j, "checkpoint_step", -1);
  r.message = text(j, "message", "");
  return r;
}

std::int64_t currentProcessId() { return std::int64_t(::getpid()); }

std::string currentHostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::string processStartToken(std::int64_t pid) {
  if (pid <= 0 || !haveProc()) return {};
  const std::string stat = readSmallFile("/proc/" + std::to_string(pid) + "/stat");
  // pid (comm) state ppid ... : the command may hold spaces and parentheses, so fields count from the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 1));
  std::string state, field;
  fields >> state;
  if (state == "Z" || state == "X" || state == "x") return {};
  // starttime is field 22; state was field 3.
  for (int i = 4; i <= 22; ++i) {
    if (!(fields >> field)) return {};
  }
  return bootId() + ":" + field;
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------------------------------------
// RunWriterRecord

RunWriterRecord::RunWriterRecord(std::string runDir, int worldSize, std::int64_t step, std::chrono::milliseconds every)
    : m_path(writerRecordPath(runDir)), m_every(std::max(every, std::chrono::milliseconds(10))) {
  m_record.pid = currentProcessId();
  m_record.host = currentHostName();
  m_record.processStart = processStartToken(m_record.pid);
  m_record.startedMs = wallClockMs();
  m_record.heartbeatEveryMs = m_every.count();
  m_record.worldSize = worldSize;
  m_record.step = step;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    write();
  }
  m_thread = std::thread([this] { beat(); });
}

RunWriterRecord::~RunWriterRecord() {
  bool ended;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    ended = m_ended;
  }
  if (!ended) finish(WriterRecord::State::Failed, m_record.step, "ended without finishing");
}

void RunWriterRecord::write() {
  m_record.heartbeatMs = wallClockMs();
  try {
    io::writeFileAtomic(m_path, writerRecordToJson(m_record));
  } catch (const std::exception&) {
    // Advisory: a follower then sees an older heartbeat.
  }
}

void RunWriterRecord::beat() {
  std::unique_lock<std::mutex> lock(m_mutex);
  while (!m_ended) {
    if (m_wake.wait_for(lock, m_every, [this] { return m_ended; })) break;
    write();
  }
}

void RunWriterRecord::progress(std::int64_t step) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_record.step = step;
}

void RunWriterRecord::checkpointed(std::int64_t step) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_ended) return;
  m_record.checkpointStep = step;
  m_record.step = std::max(m_record.step, step);
  write();
}

void RunWriterRecord::finish(WriterRecord::State state, std::int64_t step, const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_ended) return;
    m_ended = true;
    m_record.state = state;
    m_record.step = step;
    m_record.message = message;
    write();
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

// ---------------------------------------------------------------------------------------------
// RunWriterStatus

RunWriterStatus runWriterStatus(const std::string& runDir, std::int64_t nowMs, std::int64_t silentAfterMs) {
  RunWriterStatus s;
  const std::string path = writerRecordPath(runDir);
  if (!io::fileExists(path)) return s;
  try {
    s.record = writerRecordFromJson(io::readTextFile(path));
  } catch (const std::exception& e) {
    s.kind = RunWriterStatus::Kind::Unreadable;
    s.error = path + ": " + e.what();
    return s;
  }
  const WriterRecord& r = s.record;
  s.heartbeatAgeMs = std::max<std::int64_t>(0, nowMs - r.heartbeatMs);
  // The same machine: same host name, and (where the record has it) the same boot.
  const std::string boot = bootId();
  const auto colon = r.processStart.find(':');
  const bool sameBoot = colon == std::string::npos || boot.empty() || r.processStart.substr(0, colon) == boot;
  s.thisHost = r.host == currentHostName() && sameBoot;
  switch (r.state) {
    case WriterRecord::State::Finished: s.kind = RunWriterStatus::Kind::Finished; return s;
    case WriterRecord::State::Stopped: s.kind = RunWriterStatus::Kind::Stopped; return s;
    case WriterRecord::State::Failed: s.kind = RunWriterStatus::Kind::Failed; return s;
    case WriterRecord::State::Running: break;
  }
  if (silentAfterMs <= 0) silentAfterMs = std::max<std::int64_t>(15000, 5 * r.heartbeatEveryMs);
  if (s.thisHost) {
    bool alive;
    if (haveProc()) {
      const std::string token = processStartToken(r.pid);
      alive = !token.empty() && (r.processStart.empty() || token == r.processStart);
    } else {
      alive = ::kill(pid_t(r.pid), 0) == 0 || errno == EPERM;
    }
    if (!alive) {
      s.kind = RunWriterStatus::Kind::Gone;
      return s;
    }
  } else if (colon != std::string::npos && !boot.empty() && r.host == currentHostName()) {
    // This host name, another boot: the machine restarted since, so the process is gone.
    s.kind = RunWriterStatus::Kind::Gone;
    return s;
  }
  s.kind = s.heartbeatAgeMs > silentAfterMs ? RunWriterStatus::Kind::Silent : RunWriterStatus::Kind::Running;
  return s;
}

std::int64_t RunWriterStatus::stepReached(std::int64_t lastStep) const { return std::max(record.step, lastStep); }

RunWriterStatus::Resumable RunWriterStatus::resumable(const std::string& runDir) const {
  switch (kind) {
    case Kind::None:
    case Kind::Unreadable: return Resumable::Unknown;
    case Kind::Running: return Resumable::WriterAlive;
    case Kind::Silent:
      if (thisHost) return Resumable::WriterAlive;
      break;
    case Kind::Finished: return Resumable::Finished;
    case Kind::Stopped:
    case Kind::Failed:
    case Kind::Gone: break;
  }
  if (record.checkpointStep < 0 || !io::fileExists(io::joinPath(io::joinPath(runDir, "checkpoints"), "last.pt"))) {
    return Resumable::NoCheckpoint;
  }
  return Resumable::Yes;
}

std::string RunWriterStatus::resumeCommand(const std::string& runDir, int processes) const {
  // Quoted for a POSIX shell when the folder has characters a shell would take apart.
  const bool plain = !runDir.empty() && runDir.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                "0123456789/._-+:=@,%") == std::string::npos;
  std::string quoted = "'";
  for (char ch : runDir) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  quoted += "'";
  std::string command = "pretext-cli train --resume " + (plain ? runDir : quoted);
  const int nproc = processes > 0 ? processes : record.worldSize;
  if (nproc > 1) command += " --nproc " + std::to_string(nproc);
  return command;
}

std::string RunWriterStatus::describe(const std::string& runDir, std::int64_t lastStep) const {
  const WriterRecord& r = record;
  const std::string step = std::to_string(stepReached(lastStep));
  const std::string checkpoint = r.checkpointStep >= 0 ? "last checkpoint at step " + std::to_string(r.checkpointStep) +
                                                             ", resume with " + resumeCommand(runDir)
                                                       : "no checkpoint yet: start it again";
  switch (kind) {
    case Kind::None: return "no writer record (not started yet, or written by an older version)";
    case Kind::Unreadable: return "writer record unreadable: " + error;
    case Kind::Running:
      return "running (pid " + std::to_string(r.pid) + " on " + r.host + "), step " + step;
    case Kind::Finished: return "finished at step " + step;
    case Kind::Stopped: return "stopped at step " + step + "; " + checkpoint;
    case Kind::Failed:
      return "failed at step " + step + (r.message.empty() ? "" : ": " + r.message) + "; " + checkpoint;
    case Kind::Gone:
      return "stopped at step " + step + ": the process " + std::to_string(r.pid) +
             " on this host is gone without finishing (killed?) - " + checkpoint;
    case Kind::Silent:
      if (thisHost) {
        return "no heartbeat from pid " + std::to_string(r.pid) + " on this host for " + seconds(heartbeatAgeMs) +
               " (the process is there: paused or hung?), step " + step;
      }
      return "no heartbeat from " + r.host + " for " + seconds(heartbeatAgeMs) + " (pid " + std::to_string(r.pid) +
             "; killed, or the machine is down or unreachable?), step " + step + " - " + checkpoint;
  }
  return {};
}

}  // namespace pretext

// pretext-cli status RUN: what a run folder's writer record says (pretext/runwriter.h), for scripts:
// "key: value" lines in English whatever the locale, and an exit code for the state.
#include "commands.h"

#include <pretext/metrics.h>
#include <pretext/runwriter.h>
#include <pretext/training.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace pretext::cli {

namespace {

const char* kindName(RunWriterStatus::Kind kind) {
  switch (kind) {
    case RunWriterStatus::Kind::None: return "unknown";
    case RunWriterStatus::Kind::Running: return "running";
    case RunWriterStatus::Kind::Finished: return "finished";
    case RunWriterStatus::Kind::Stopped: return "stopped";
    case RunWriterStatus::Kind::Failed: return "failed";
    case RunWriterStatus::Kind::Gone: return "gone";
    case RunWriterStatus::Kind::Silent: return "silent";
    case RunWriterStatus::Kind::Unreadable: return "unreadable";
  }
  return "unknown";
}

int runStatus(const std::string& run) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(run)) throw std::runtime_error(run + ": not a folder");
  if (!fs::exists(fs::path(run) / "config.json")) throw std::runtime_error(run + " is not a run folder (no config.json)");
  const RunWriterStatus s = runWriterStatus(run);
  std::int64_t lastStep = -1;
  const std::string metrics = (fs::path(run) / "metrics.csv").string();
  if (fs::exists(metrics)) {
    try {
      for (const auto& row : readMetrics(metrics)) lastStep = std::max(lastStep, row.globalStep);
    } catch (const std::exception&) {
      // The record alone still says the state.
    }
  }
  const WriterRecord& r = s.record;
  std::printf("state: %s\n", kindName(s.kind));
  if (s.kind != RunWriterStatus::Kind::None && s.kind != RunWriterStatus::Kind::Unreadable) {
    std::printf("pid: %lld\nhost: %s\nthis_host: %s\nworld_size: %d\nstep: %lld\ncheckpoint_step: %lld\n"
                "heartbeat_age_s: %lld\n",
                static_cast<long long>(r.pid), r.host.c_str(), s.thisHost ? "yes" : "no", r.worldSize,
                static_cast<long long>(s.stepReached(lastStep)), static_cast<long long>(r.checkpointStep),
                static_cast<long long>(s.heartbeatAgeMs / 1000));
    // Exactly when the window offers its Resume button, and the command it runs.
    if (s.resumable(run) == RunWriterStatus::Resumable::Yes) std::printf("resume: %s\n", s.resumeCommand(run).c_str());
  }
  std::printf("summary: %s\n", s.describe(run, lastStep).c_str());
  switch (s.kind) {
    case RunWriterStatus::Kind::Running:
    case RunWriterStatus::Kind::Finished: return 0;
    case RunWriterStatus::Kind::Stopped:
    case RunWriterStatus::Kind::Failed:
    case RunWriterStatus::Kind::Gone: return 3;
    default: return 4;
  }
}

}  // namespace

Command addStatus(CLI::App& app) {
  auto* cmd = app.add_subcommand("status", "whether a run folder's training is running, finished, or stopped");
  cmd->footer(
      "Reads RUN/writer.json, which the process writing the run keeps fresh every 2 s, and checks that process: on this\n"
      "machine in the process table (a reused pid does not count), elsewhere by the age of its heartbeat.\n"
      "Prints 'key: value' lines (state, pid, host, step, checkpoint_step, resume, summary).\n"
      "Exit code: 0 running or finished; 3 stopped, failed, or gone (killed) - resume prints the command;\n"
      "4 silent (no heartbeat for 15 s) or no record (an older run); 1 not a run folder.");
  auto run = std::make_shared<std::string>();
  cmd->add_option("RUN", *run, "the run folder")->required();
  return {cmd, [run] { return runStatus(*run); }};
}

}  // namespace pretext::cli

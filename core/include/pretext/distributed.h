// Data-parallel training: who this process is in a job, as the launcher says through the
// environment. No torch here; the process group itself is core-internal (core/src/dist/dist.h).
#pragma once

#include <stdexcept>
#include <string>

namespace pretext {

/// A collective failed: a peer died, hung past the timeout, or the rendezvous did not complete.
/// The message names this rank and the operation.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// This process's place in a data-parallel job.
struct DistributedEnvironment {
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;
  int localWorldSize = 1;
  std::string masterAddr;   ///< TCPStore host (rank 0 serves it)
  int masterPort = 0;
  std::string storePath;    ///< a FileStore on a shared filesystem instead of the TCPStore (PRETEXT_DIST_STORE)
  /// torchrun's agent serves the TCPStore itself (TORCHELASTIC_USE_AGENT_STORE): every rank is a
  /// client, under the prefix torchrun gives its workers (/worker/attempt_N).
  bool launcherStore = false;
  std::string storePrefix;
  int timeoutSeconds = 300; ///< rendezvous and every collective (PRETEXT_DIST_TIMEOUT)
  std::string source;       ///< "torchrun", "slurm" or empty (single process)
  /// The c10d backend asked for (PRETEXT_DIST_BACKEND, which `pretext-cli train --dist-backend`
  /// sets): "auto" (NCCL when the build has it and the run is on CUDA, else Gloo), "gloo" or "nccl".
  std::string backendRequest = "auto";

  bool distributed() const { return worldSize > 1; }
  /// Whether this process joins a process group: a job of several processes, or a job of one
  /// (WORLD_SIZE=1, --nproc 1) with an explicit backend, which then runs every collective of the
  /// data-parallel path on its own (what the "world size 1 against the plain path" check measures).
  /// A job of one with "auto" is the plain path.
  bool joinsGroup() const { return worldSize > 1 || (!source.empty() && backendRequest != "auto"); }
};

/// Reads the launcher's environment: torchrun's (and `pretext-cli train --nproc`'s) RANK,
/// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; otherwise SLURM's
/// SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE when MASTER_ADDR is set (so that
/// a plain command inside an allocation stays a single process); PRETEXT_DIST_TIMEOUT (seconds)
/// and PRETEXT_DIST_STORE (a FileStore path) in both; PRETEXT_DIST_BACKEND (auto, gloo or nccl).
/// None of them: a single process. Throws std::invalid_argument naming the variable that is
/// malformed or missing.
DistributedEnvironment distributedEnvironment();

/// The CUDA devices this process sees (0 without CUDA): `--nproc` on CUDA starts at most one
/// process per device.
int cudaDeviceCount();

}  // namespace pretext

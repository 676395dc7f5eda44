// Data-parallel training on LibTorch's c10d: a process group from the launcher's environment
// (torchrun, SLURM, or `pretext-cli train --nproc`), parameter broadcast, gradient averaging in flat
// buckets, and an all-gather that carries a gradient. Gloo on the CPU, NCCL on CUDA builds.
// Everything c10d stays in dist.cpp, the one translation unit compiled with USE_C10D_GLOO, and in
// nccl.cpp (USE_C10D_NCCL, CUDA builds only).
#pragma once

#include "pretext/distributed.h"

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pretext::dist {

/// One rank's membership of a job: `size` processes with the same model, each on its own shard.
/// Every collective throws DistributedError naming this rank and the operation when a peer dies
/// or does not answer within the timeout.
class ProcessGroup {
 public:
  /// Joins the job `env` describes: rendezvous through a TCPStore on env.masterAddr:masterPort
  /// (rank 0 serves it) or a FileStore when env.storePath is set, within env.timeoutSeconds, which
  /// also bounds every collective. `backend` (see chooseBackend):
  /// - "gloo": every collective through Gloo, on CPU tensors (and on CUDA tensors through Gloo's
  ///   host copies, slowly: what an explicit --dist-backend gloo on CUDA asks for);
  /// - "nccl": `device` is this rank's GPU (rankDevice); collectives on CUDA tensors go through
  ///   NCCL on it (a tensor on another GPU is copied there and back), those on CPU tensors (flags,
  ///   counts, losses read back: small metadata) through a Gloo group of the same ranks beside it,
  ///   so that they never wait for the GPU; in a build without Gloo they are copied to the GPU.
  ///   Callers need not care where their tensors are: each collective goes where its tensor is.
  explicit ProcessGroup(const DistributedEnvironment& env, const std::string& backend = "gloo",
                        const torch::Device& device = torch::kCPU);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return m_rank; }
  int size() const { return m_size; }
  std::chrono::milliseconds timeout() const { return m_timeout; }
  /// "gloo" or "nccl".
  const std::string& backend() const { return m_backend; }

  /// Overwrites `tensors` on every rank with rank `root`'s (in flat buckets, one per dtype).
  void broadcast(const std::vector<torch::Tensor>& tensors, int root, const std::string& what);
  /// Replaces every defined gradient of `parameters` by its mean over the ranks. The gradients are
  /// packed into flat buckets of at most `bucketBytes` (one dtype each), so that every all-reduce
  /// has the same shape on every rank, as Gloo requires.
  void averageGradients(const std::vector<torch::Tensor>& parameters, int64_t bucketBytes = 25 << 20);
  /// The sum over the ranks, in place.
  void allReduceSum(torch::Tensor& tensor, const std::string& what);
  /// The ranks' `tensor`s concatenated along dim 0 in rank order (equal shapes on every rank).
  torch::Tensor allGather(const torch::Tensor& tensor, const std::string& what);
  /// True on every rank when `flag` is true on any: a barrier that also agrees on a decision.
  bool anyTrue(bool flag, const std::string& what);
  void barrier(const std::string& what) { anyTrue(false, what); }

  /// Seconds this rank spent blocked in collectives since the group was made, by
  /// kind: the gradient all-reduce, the all-gathers of embeddings (forward, and the all-reduce of
  /// their gradient in backward), BatchNorm statistics (SyncBN, forward and backward), and the rest
  /// (stop flags, losses read back, queues, banks, broadcasts). Kept always: two clock reads a call.
  struct Times {
    enum Kind { Gradients, Gathers, BatchNorm, Other, Kinds };
    double seconds[Kinds] = {};
    int64_t calls[Kinds] = {};
    double total() const { return seconds[Gradients] + seconds[Gathers] + seconds[BatchNorm] + seconds[Other]; }
    /// What was added since `start` (an earlier copy of the same group's times).
    Times since(const Times& start) const {
      Times d;
      for (int k = 0; k < Kinds; ++k) {
        d.seconds[k] = seconds[k] - start.seconds[k];
        d.calls[k] = calls[k] - start.calls[k];
      }
      return d;
    }
  };
  const Times& times() const { return m_times; }

 private:
  friend class OverlappedGradients;
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  int m_rank = 0;
  int m_size = 1;
  std::chrono::milliseconds m_timeout;
  std::string m_backend;
  Times m_times;
};

/// Whether this build has c10d's NCCL (a CUDA LibTorch with ProcessGroupNCCL, found when Pretext was
/// configured: core/CMakeLists.txt).
bool ncclCompiled();

/// The c10d backend of a data-parallel run on `device` for `request` (--dist-backend,
/// PRETEXT_DIST_BACKEND): "auto" is NCCL on CUDA when `haveNccl` (the build has it), else Gloo;
/// "gloo" and "nccl" are taken as asked. Throws std::invalid_argument naming --dist-backend for an
/// unknown name, for nccl in a build without it, and for nccl on the CPU.
std::string chooseBackend(const std::string& request, const torch::Device& device, bool haveNccl = ncclCompiled());

/// This rank's training device in a job of several processes: one process per GPU, so a CUDA
/// device becomes cuda:LOCAL_RANK (torchrun's LOCAL_RANK, SLURM's SLURM_LOCALID, --nproc's ranks);
/// a CPU device stays. `deviceCount` is the CUDA devices this process sees; when that is one and
/// `visibleDevices` (CUDA_VISIBLE_DEVICES) names a single device, the launcher bound one GPU to
/// each process (srun --gpus-per-task=1), and it is cuda:0 whatever the local rank. Throws
/// std::invalid_argument when the local rank has no GPU (more processes on this host than GPUs) or
/// when --device names one GPU for several processes on this host.
torch::Device rankDevice(const DistributedEnvironment& env, const torch::Device& device, int64_t deviceCount,
                         const char* visibleDevices);

/// Makes a CUDA `device` with an index the calling thread's current device (through c10's
/// device-generic guard, so that this compiles in CPU builds), so that the caching allocator,
/// streams and synchronisation of a rank act on its own GPU and no rank makes a context on cuda:0.
/// Other devices: nothing.
void makeCurrent(const torch::Device& device);

/// Gradient averaging overlapped with the backward pass (what DistributedDataParallel does): the
/// parameters are laid out once in flat buckets of at most `bucketBytes` (one dtype and device
/// each) in reverse order, as backward produces their gradients; a hook on each parameter copies
/// its gradient into its bucket, and the all-reduce of a bucket starts as soon as all of its
/// gradients are in, while backward goes on. Buckets start in their fixed order on every rank (a
/// full bucket waits for the ones before it), so that the ranks issue the same collectives in the
/// same order. finish() starts what is left (buckets with parameters that got no gradient in this
/// step), waits for all, and writes the means into the gradients of the parameters that got one;
/// the others keep theirs (undefined or zero), as averageGradients() leaves them. The result equals
/// averageGradients()'s. Needs one backward between begin() and finish().
class OverlappedGradients {
 public:
  OverlappedGradients(ProcessGroup& group, const std::vector<torch::Tensor>& parameters,
                      int64_t bucketBytes = 25 << 20);
  ~OverlappedGradients();
  OverlappedGradients(const OverlappedGradients&) = delete;
  OverlappedGradients& operator=(const OverlappedGradients&) = delete;

  /// Arms the hooks for the next backward.
  void begin();
  /// Waits for every bucket and writes the means into the gradients (see the class).
  void finish();
  int64_t buckets() const;
  /// Buckets of the last step whose all-reduce started during backward (the rest at finish()).
  int64_t startedInBackward() const;

 private:
  struct State;
  ProcessGroup& m_group;
  std::shared_ptr<State> m_state;
  std::vector<std::pair<torch::Tensor, unsigned>> m_hooks;
};

/// The group the calling thread trains in (set by the Trainer for the duration of a run), or null:
/// the methods ask it, so that the single-process path is untouched.
ProcessGroup* currentGroup();

/// Makes `group` the calling thread's current group while it lives.
class ScopedGroup {
 public:
  explicit ScopedGroup(ProcessGroup* group);
  ~ScopedGroup();
  ScopedGroup(const ScopedGroup&) = delete;
  ScopedGroup& operator=(const ScopedGroup&) = delete;

 private:
  ProcessGroup* m_previous;
};

/// All-gather with a gradient (solo-learn's GatherLayer): forward, the ranks' `x` concatenated
/// along dim 0 in rank order; backward, the incoming gradient summed over the ranks (every rank
/// computed the same global loss) and this rank's slice of it. With the gradients then averaged
/// over the ranks, the update equals a single process's on the whole batch. Without a group (or
/// with one rank) `x` itself comes back.
torch::Tensor gatherWithGradient(const torch::Tensor& x, ProcessGroup* group = currentGroup());

/// The BatchNorm running statistics among `module`'s buffers (running_mean,
/// running_var, num_batches_tracked): what rank 0 broadcasts at epoch ends.
std::vector<torch::Tensor> batchNormBuffers(const torch::nn::Module& module);

}  // namespace pretext::dist

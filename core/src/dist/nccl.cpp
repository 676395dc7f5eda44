// NCCL's process group (see nccl.h). Compiled only where CMake found a CUDA LibTorch with
// ProcessGroupNCCL.hpp and nccl.h, with USE_C10D_NCCL (which that header needs) and
// PRETEXT_HAVE_NCCL; on this CPU machine packaging/check-cuda-compile.sh (CTest label
// cuda-compile) compiles it, syntax only, against Debian's 1.13 headers and the CUDA toolkit's.
#define PRETEXT_COMPAT_C10D 1
#include "dist/nccl.h"

#if PRETEXT_HAVE_NCCL

#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>

#include <cstdlib>

namespace pretext::dist::nccl {

c10::intrusive_ptr<compat::CollectiveBackend> makeGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                        std::chrono::milliseconds timeout, const c10::Device& device) {
  TORCH_CHECK(device.is_cuda() && device.has_index(), "NCCL needs a CUDA device with an index, not ", device.str());
  // The rank's GPU is the thread's current device: what the model, the caching allocator, the
  // streams and torch::cuda::synchronize() of this process use, so that no rank makes a context on
  // another rank's GPU (c10d's NCCL group would otherwise guess rank % devices for a barrier).
  c10::cuda::set_device(device.index());
  // What NCCL needs that Gloo did not: its collectives are queued on an NCCL stream of their own and
  // Work::wait() only makes the current stream wait for them; the CPU goes on. A peer that dies or
  // hangs then leaves this rank's GPU waiting forever unless c10d's watchdog watches the timeout:
  // with asynchronous error handling on (LibTorch 1.13: NCCL_ASYNC_ERROR_HANDLING, off by default,
  // switched on here unless set; 2.x: TORCH_NCCL_ASYNC_ERROR_HANDLING, on by default, left as it is)
  // it aborts the communicator and ends this process after `timeout`, saying which rank and which
  // collective (kind and sequence number). Blocking waits (NCCL_BLOCKING_WAIT) would make every
  // wait() a CPU wait instead, and stall the host at each of the step's SyncBN and gather
  // collectives; they stay the environment's choice.
#if TORCH_VERSION_MAJOR < 2
  ::setenv("NCCL_ASYNC_ERROR_HANDLING", "1", /*overwrite=*/0);
#endif
  auto options = c10d::ProcessGroupNCCL::Options::create(/*is_high_priority_stream=*/false);
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}

void synchronize(const c10::Device& device) { c10::cuda::getCurrentCUDAStream(device.index()).synchronize(); }

}  // namespace pretext::dist::nccl

#endif  // PRETEXT_HAVE_NCCL

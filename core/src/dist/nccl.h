// NCCL for dist.cpp: the one part of the data-parallel layer that needs CUDA's and NCCL's headers
// (ProcessGroupNCCL.hpp includes nccl.h, cuda_runtime.h and ATen/cuda), so it lives in its own
// translation unit, nccl.cpp, compiled only in builds whose LibTorch has CUDA and NCCL
// (PRETEXT_HAVE_NCCL; core/CMakeLists.txt), with USE_C10D_NCCL and no precompiled header.
// packaging/check-cuda-compile.sh compiles it against the CPU LibTorch's headers and a CUDA toolkit.
#pragma once

#if PRETEXT_HAVE_NCCL

#include "run/compat.h"  // with PRETEXT_COMPAT_C10D defined by the includer

#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>

namespace pretext::dist::nccl {

/// A c10d::ProcessGroupNCCL of `size` ranks on `store` (the job's TCPStore or FileStore) for this
/// rank's GPU `device` (cuda:LOCAL_RANK), which becomes the calling thread's current device. Its
/// collectives fail after `timeout` (asynchronous error handling is switched on for that, unless the
/// environment chose otherwise: see nccl.cpp). The communicator itself is made at the first
/// collective.
c10::intrusive_ptr<compat::CollectiveBackend> makeGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                        std::chrono::milliseconds timeout, const c10::Device& device);

/// Waits until the work queued on `device`'s current stream (and so every NCCL collective already
/// waited for) has finished: for measuring the time collectives take.
void synchronize(const c10::Device& device);

}  // namespace pretext::dist::nccl

#endif  // PRETEXT_HAVE_NCCL

// The few LibTorch calls that differ between Debian's 1.13 and the 2.x of the GPU machines.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace pretext::compat {

/// bf16 autocast for CUDA on the calling thread (autocast state is thread-local).
inline void setCudaBf16Autocast(bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
#endif
  if (!enabled) at::autocast::clear_cache();
}

/// bf16 autocast for the CPU on the calling thread while it lives (autocast state is thread-local);
/// the state before comes back after. Disabled, it changes nothing.
class CpuBf16Autocast {
 public:
  explicit CpuBf16Autocast(bool enabled) : m_active(enabled) {
    if (!m_active) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    m_wasEnabled = at::autocast::is_autocast_enabled(at::kCPU);
    m_previousDtype = at::autocast::get_autocast_dtype(at::kCPU);
    at::autocast::set_autocast_enabled(at::kCPU, true);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
#else
    m_wasEnabled = at::autocast::is_cpu_enabled();
    m_previousDtype = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
#endif
  }
  ~CpuBf16Autocast() {
    if (!m_active) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCPU, m_wasEnabled);
    at::autocast::set_autocast_dtype(at::kCPU, m_previousDtype);
#else
    at::autocast::set_cpu_enabled(m_wasEnabled);
    at::autocast::set_autocast_cpu_dtype(m_previousDtype);
#endif
    if (!m_wasEnabled) at::autocast::clear_cache();
  }
  CpuBf16Autocast(const CpuBf16Autocast&) = delete;
  CpuBf16Autocast& operator=(const CpuBf16Autocast&) = delete;

 private:
  bool m_active;
  bool m_wasEnabled = false;
  at::ScalarType m_previousDtype = at::kBFloat16;
};

/// The default generator of a device (CPU or CUDA), whose state goes into checkpoints: a data-parallel
/// rank's own GPU's (cuda:LOCAL_RANK), cuda:0's when the device names none.
inline at::Generator defaultGenerator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(
      device.is_cuda() ? torch::Device(torch::kCUDA, device.has_index() ? device.index() : 0) : device);
}

}  // namespace pretext::compat

// c10d (only where the including file asked for it: src/dist/dist.cpp and src/dist/nccl.cpp, the
// translation units core/CMakeLists.txt compiles with USE_C10D_GLOO / USE_C10D_NCCL, which
// ProcessGroupGloo.hpp / ProcessGroupNCCL.hpp need).
#ifdef PRETEXT_COMPAT_C10D
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace pretext::compat {

/// What a Gloo or NCCL group is to call its collectives through: a ProcessGroup on 1.13, a Backend
/// on 2.x (whose ProcessGroup dispatches to backends). The collectives' signatures are the same, and
/// so are the NCCL options Pretext sets (ProcessGroupNCCL::Options::create(is_high_priority_stream)
/// and the `timeout` its base class has on both).
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

/// TCPStore's options: 1.13's fields; 2.x added more (masterListenFd, useLibUV), left at their defaults.
inline c10d::TCPStoreOptions tcpStoreOptions(int port, bool isServer, int numWorkers, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(port);
  o.isServer = isServer;
  o.numWorkers = static_cast<std::size_t>(numWorkers);
  o.waitWorkers = true;
  o.timeout = timeout;
  return o;
}

}  // namespace pretext::compat
#endif  // PRETEXT_COMPAT_C10D

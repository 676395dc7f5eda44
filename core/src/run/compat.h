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

/// The default generator of a device (CPU or CUDA), whose state goes into checkpoints.
inline at::Generator defaultGenerator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device.is_cuda() ? torch::Device(torch::kCUDA, 0) : device);
}

}  // namespace pretext::compat

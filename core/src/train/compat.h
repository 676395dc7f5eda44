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

/// The default generator of a device (CPU or CUDA), whose state goes into checkpoints.
inline at::Generator defaultGenerator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device.is_cuda() ? torch::Device(torch::kCUDA, 0) : device);
}

}  // namespace pretext::compat

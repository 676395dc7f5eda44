#include "pretext/training.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace pretext {

void setTorchThreads(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

void keepLargeAllocations() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    // Activations of a training step are tens of MB (conv1 of 512 SimCLR views: 51 MB). glibc
    // serves such blocks with mmap and returns them to the system when freed, so every step
    // page-faults them in again (measured: ~30% of a CPU step). Keep them in the heap instead,
    // unless the user tuned malloc through the environment.
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr && std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) {
      const int ok = mallopt(M_MMAP_THRESHOLD, 1 << 30) && mallopt(M_TRIM_THRESHOLD, 1 << 30);
      if (!ok) std::fprintf(stderr, "pretext: could not raise malloc's mmap threshold; training may be slower\n");
    }
#endif
  });
}

bool cudaAvailable() {
  return torch::cuda::is_available();
}

std::string bestDevice() {
  return cudaAvailable() ? "cuda" : "cpu";
}

}  // namespace pretext

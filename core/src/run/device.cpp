#include "pretext/training.h"

#include <malloc.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace pretext {

void setTorchThreads(int threads) {
  if (threads <= 0) {
    threads = int(std::max(1u, std::thread::hardware_concurrency()));
    // The processes of a data-parallel job on this machine (torchrun, --nproc) share its cores.
    if (const char* local = std::getenv("LOCAL_WORLD_SIZE")) threads = std::max(1, threads / std::max(1, std::atoi(local)));
  }
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

bool cpuHasNativeBf16() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return false;  // OSXSAVE
    unsigned xcr0 = 0, xcr0High = 0;
    __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
    if ((xcr0 & 0xE6) != 0xE6) return false;  // SSE, AVX and the three AVX-512 states
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    const unsigned maxSubleaf = eax;
    const bool amxBf16 = edx & (1u << 22);
    bool avx512Bf16 = false;
    if (maxSubleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) avx512Bf16 = eax & (1u << 5);
    return avx512Bf16 || amxBf16;
  }();
  return has;
#else
  return false;
#endif
}

std::string bestDevice() {
  return cudaAvailable() ? "cuda" : "cpu";
}

}  // namespace pretext

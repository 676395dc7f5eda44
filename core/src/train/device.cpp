#include "pretext/training.h"

#include <thread>

namespace pretext {

void setTorchThreads(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

bool cudaAvailable() {
  return torch::cuda::is_available();
}

std::string bestDevice() {
  return cudaAvailable() ? "cuda" : "cpu";
}

}  // namespace pretext

#include "train/stepgraph.h"

#include <stdexcept>

#if defined(PRETEXT_HAVE_CUDA_GRAPHS)
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>
#endif

namespace pretext::train {

#if defined(PRETEXT_HAVE_CUDA_GRAPHS)

struct StepGraph::Impl {
  at::cuda::CUDAGraph graph;
  torch::Tensor indices, lr;  // static inputs
  torch::Tensor loss, accuracy;  // static outputs
  int warmups = 0;
  bool captured = false;
};

bool StepGraph::available() { return true; }

StepGraph::StepGraph(int64_t batch, const torch::Device& device) : m_impl(std::make_unique<Impl>()) {
  if (!device.is_cuda()) throw std::invalid_argument("CUDA graphs need a CUDA device");
  m_impl->indices = torch::zeros({batch}, torch::TensorOptions().dtype(torch::kLong).device(device));
  m_impl->lr = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat).device(device));
}

StepGraph::~StepGraph() = default;

bool StepGraph::captured() const { return m_impl->captured; }

std::pair<torch::Tensor, torch::Tensor> StepGraph::step(const torch::Tensor& indices, double lr, const StepFn& fn) {
  auto& s = *m_impl;
  s.indices.copy_(indices, /*non_blocking=*/true);
  s.lr.fill_(lr);
  if (!s.captured) {
    // Warm-up and capture run on a side stream (capture cannot use the default stream); the
    // current stream waits for it afterwards.
    const auto current = c10::cuda::getCurrentCUDAStream();
    const auto side = c10::cuda::getStreamFromPool();
    at::cuda::CUDAEvent ready;
    ready.record(current);
    ready.block(side);
    // The autocast weight-cast cache would keep casts made outside the graph's memory.
    const bool cache = at::autocast::is_autocast_cache_enabled();
    struct Restore {
      c10::cuda::CUDAStream stream;
      bool cache;
      ~Restore() {
        c10::cuda::setCurrentCUDAStream(stream);
        at::autocast::set_autocast_cache_enabled(cache);
      }
    } restore{current, cache};
    c10::cuda::setCurrentCUDAStream(side);
    at::autocast::set_autocast_cache_enabled(false);
    std::pair<torch::Tensor, torch::Tensor> out;
    if (s.warmups < kWarmupSteps) {
      out = fn(s.indices, s.lr);
      ++s.warmups;
    } else {
      torch::cuda::synchronize();
      s.graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      try {
        out = fn(s.indices, s.lr);
        s.loss = out.first.detach();
        s.accuracy = out.second.defined() ? out.second.detach() : out.second;
        s.graph.capture_end();
      } catch (...) {
        try {
          s.graph.capture_end();
        } catch (...) {
        }
        s.graph.reset();
        throw;
      }
      s.captured = true;
    }
    at::cuda::CUDAEvent done;
    done.record(side);
    done.block(current);
    if (!s.captured) return {out.first.detach(), out.second.defined() ? out.second.detach() : out.second};
  }
  s.graph.replay();  // a capture records the step without running it: this runs it
  return {s.loss.clone(), s.accuracy.defined() ? s.accuracy.clone() : s.accuracy};
}

#else

struct StepGraph::Impl {};

bool StepGraph::available() { return false; }

StepGraph::StepGraph(int64_t, const torch::Device&) {
  throw std::runtime_error("this build has no CUDA graphs (it needs a CUDA LibTorch 2.x)");
}

StepGraph::~StepGraph() = default;

bool StepGraph::captured() const { return false; }

std::pair<torch::Tensor, torch::Tensor> StepGraph::step(const torch::Tensor&, double, const StepFn&) {
  throw std::runtime_error("this build has no CUDA graphs");
}

#endif

}  // namespace pretext::train

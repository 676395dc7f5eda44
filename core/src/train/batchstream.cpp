#include "train/batchstream.h"

#include <c10/core/Event.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>
#define PRETEXT_HAVE_POSIX 1
#endif

namespace pretext::train {

bool inFileMapping(const void* p) {
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%zx-%zx", &begin, &end) != 2 || address < begin || address >= end) continue;
    // start-end perms offset dev inode [path]: a file has an inode and a path ("[heap]" has neither).
    std::istringstream fields(line);
    std::string range, perms, offset, dev, path;
    unsigned long long inode = 0;
    fields >> range >> perms >> offset >> dev >> inode >> path;
    return inode != 0 && !path.empty() && path[0] == '/';
  }
  return false;
}

bool cudaMemoryInfo(std::int64_t& freeBytes, std::int64_t& totalBytes) {
#ifdef PRETEXT_HAVE_POSIX
  using MemGetInfo = int (*)(std::size_t*, std::size_t*);  // cudaMemGetInfo and cuMemGetInfo_v2: 0 is success
  std::size_t f = 0, t = 0;
  // The runtime LibTorch uses (a shared libcudart, found among the loaded libraries) ...
  if (auto fn = reinterpret_cast<MemGetInfo>(dlsym(RTLD_DEFAULT, "cudaMemGetInfo")); fn && fn(&f, &t) == 0 && t > 0) {
    freeBytes = std::int64_t(f);
    totalBytes = std::int64_t(t);
    return true;
  }
  // ... else the driver (one per process), in the context the runtime made current on this thread.
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!driver) driver = dlopen("libcuda.so.1", RTLD_NOW);
  if (driver) {
    const auto fn = reinterpret_cast<MemGetInfo>(dlsym(driver, "cuMemGetInfo_v2"));
    const bool ok = fn && fn(&f, &t) == 0 && t > 0;
    dlclose(driver);
    if (ok) {
      freeBytes = std::int64_t(f);
      totalBytes = std::int64_t(t);
      return true;
    }
  }
#endif
  (void)freeBytes;
  (void)totalBytes;
  return false;
}

RowOrder rowOrder(std::int64_t rows, const std::int64_t* indices, std::int64_t count) {
  RowOrder order(std::size_t(std::max<std::int64_t>(count, 0)));
  for (std::int64_t i = 0; i < count; ++i) {
    if (indices[i] < 0 || indices[i] >= rows) {
      throw std::out_of_range("batch index " + std::to_string(indices[i]) + " outside the " + std::to_string(rows) +
                              " training images");
    }
    order[std::size_t(i)] = {indices[i], i};
  }
  std::sort(order.begin(), order.end());
  return order;
}

void gatherRows(const std::uint8_t* source, std::int64_t rowBytes, const RowOrder& order, std::uint8_t* out) {
  for (const auto& [row, position] : order) std::memcpy(out + position * rowBytes, source + row * rowBytes, std::size_t(rowBytes));
}

void gatherRows(const std::uint8_t* source, std::int64_t rows, std::int64_t rowBytes, const std::int64_t* indices,
                std::int64_t count, std::uint8_t* out) {
  gatherRows(source, rowBytes, rowOrder(rows, indices, count), out);
}

void adviseRows(const std::uint8_t* source, std::int64_t rowBytes, const std::int64_t* indices, std::int64_t count) {
#if defined(PRETEXT_HAVE_POSIX) && defined(MADV_WILLNEED)
  static const std::uintptr_t page = std::uintptr_t(sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096);
  for (std::int64_t i = 0; i < count; ++i) {
    const auto begin = reinterpret_cast<std::uintptr_t>(source + indices[i] * rowBytes);
    const std::uintptr_t first = begin & ~(page - 1), end = begin + std::uintptr_t(rowBytes);
    ::madvise(reinterpret_cast<void*>(first), end - first, MADV_WILLNEED);  // a hint: its failure changes nothing
  }
#else
  (void)source;
  (void)rowBytes;
  (void)indices;
  (void)count;
#endif
}

struct BatchStream::Ready {
  torch::Tensor images, labels;
  std::unique_ptr<c10::Event> copied;  // CUDA: recorded on the side stream after the copies
};

struct BatchStream::Cuda {
  c10::Device device;
  c10::Stream side;
};

namespace {
constexpr std::int64_t kAdviseAhead = 2;  // batches past the one being gathered whose pages are asked for
}

BatchStream::BatchStream(torch::Tensor images, torch::Tensor labels, const torch::Device& device, int depth)
    : m_images(std::move(images)), m_labels(std::move(labels)), m_device(device), m_depth(std::max(1, depth)) {
  if (!m_images.device().is_cpu() || m_images.scalar_type() != torch::kUInt8 || !m_images.is_contiguous() ||
      m_images.dim() < 1) {
    throw std::invalid_argument("BatchStream: the images must be contiguous uint8 CPU rows");
  }
  if (!m_labels.device().is_cpu() || m_labels.scalar_type() != torch::kLong || !m_labels.is_contiguous() ||
      m_labels.size(0) != m_images.size(0)) {
    throw std::invalid_argument("BatchStream: the labels must be contiguous int64 CPU values, one per image");
  }
  m_rowBytes = m_images.size(0) > 0 ? m_images.numel() / m_images.size(0) : 0;
  if (m_device.is_cuda()) {
    const c10::impl::VirtualGuardImpl impl(c10::DeviceType::CUDA);
    const c10::Device cuda = m_device.has_index() ? c10::Device(m_device) : impl.getDevice();
    m_device = cuda;
    m_cuda = std::make_unique<Cuda>(Cuda{cuda, impl.getStreamFromGlobalPool(cuda)});
  }
}

BatchStream::~BatchStream() { stop(); }

void BatchStream::start(torch::Tensor order, std::int64_t first, std::int64_t last, std::int64_t stride,
                        std::int64_t offset, std::int64_t count) {
  stop();
  m_order = order.to(torch::kCPU, torch::kLong).contiguous();
  if (first < last && ((last - 1) * stride + offset + count > m_order.size(0) || first * stride + offset < 0)) {
    throw std::out_of_range("BatchStream: steps past the end of the epoch's order");
  }
  m_next = first;
  m_last = last;
  m_stride = stride;
  m_offset = offset;
  m_count = count;
  m_error = nullptr;
  const std::int64_t* o = m_order.data_ptr<std::int64_t>();
  for (std::int64_t s = first; s < std::min(last, first + kAdviseAhead); ++s) {
    adviseRows(m_images.data_ptr<std::uint8_t>(), m_rowBytes, o + s * m_stride + m_offset, m_count);
  }
  m_thread = std::thread([this] { run(); });
}

void BatchStream::stop() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) m_thread.join();
  std::lock_guard<std::mutex> lock(m_mutex);
  m_ready.clear();
  m_stop = false;
}

void BatchStream::run() {
  for (;;) {
    std::int64_t step = 0;
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_changed.wait(lock, [&] { return m_stop || (m_next < m_last && int(m_ready.size()) < m_depth); });
      if (m_stop) return;
      step = m_next;
    }
    try {
      auto ready = std::make_shared<Ready>(gather(step));
      std::lock_guard<std::mutex> lock(m_mutex);
      if (m_stop) return;
      m_ready.push_back(std::move(ready));
      ++m_next;
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_error = std::current_exception();
      m_changed.notify_all();
      return;
    }
    m_changed.notify_all();
  }
}

BatchStream::Ready BatchStream::gather(std::int64_t step) {
  const std::int64_t* order = m_order.data_ptr<std::int64_t>();
  const std::uint8_t* images = m_images.data_ptr<std::uint8_t>();
  const std::int64_t n = m_images.size(0);
  // The pages of a later batch are read in by the kernel while this one is copied.
  if (step + kAdviseAhead < m_last) adviseRows(images, m_rowBytes, order + (step + kAdviseAhead) * m_stride + m_offset, m_count);
  const std::int64_t* rows = order + step * m_stride + m_offset;
  std::vector<std::int64_t> shape = m_images.sizes().vec();
  shape[0] = m_count;
  // CUDA: page-locked staging (the pinned allocator LibTorch's tensor.pin_memory() uses), which a
  // non_blocking copy reads without a further copy; it caches freed blocks and reuses one only once
  // the copy that read it has finished.
  const auto host = torch::TensorOptions().pinned_memory(m_cuda != nullptr);
  Ready r;
  r.images = torch::empty(shape, host.dtype(torch::kUInt8));
  r.labels = torch::empty({m_count}, host.dtype(torch::kLong));
  const RowOrder byRow = rowOrder(n, rows, m_count);
  gatherRows(images, m_rowBytes, byRow, r.images.data_ptr<std::uint8_t>());
  gatherRows(reinterpret_cast<const std::uint8_t*>(m_labels.data_ptr<std::int64_t>()), sizeof(std::int64_t), byRow,
             reinterpret_cast<std::uint8_t*>(r.labels.data_ptr<std::int64_t>()));
  if (!m_cuda) return r;

  // The device tensors are allocated on the consumer's stream (this thread's current one, the
  // default stream), so that the caching allocator orders their reuse with the work that reads them;
  // the side stream first waits for what that stream had queued when they were allocated (a block
  // freed by it may still be read there), then copies; the consumer's stream waits on `copied`.
  const c10::impl::VirtualGuardImpl impl(c10::DeviceType::CUDA);
  const c10::Stream main = impl.getStream(m_cuda->device);
  auto deviceImages = torch::empty(shape, torch::TensorOptions().dtype(torch::kUInt8).device(m_cuda->device));
  auto deviceLabels = torch::empty({m_count}, torch::TensorOptions().dtype(torch::kLong).device(m_cuda->device));
  c10::Event allocated(c10::DeviceType::CUDA);
  allocated.record(main);
  allocated.block(m_cuda->side);
  {
    const c10::StreamGuard onSide(m_cuda->side);
    deviceImages.copy_(r.images, /*non_blocking=*/true);
    deviceLabels.copy_(r.labels, /*non_blocking=*/true);
  }
  r.copied = std::make_unique<c10::Event>(c10::DeviceType::CUDA);
  r.copied->record(m_cuda->side);
  r.images = std::move(deviceImages);
  r.labels = std::move(deviceLabels);
  return r;
}

std::pair<torch::Tensor, torch::Tensor> BatchStream::next() {
  std::shared_ptr<Ready> r;
  {
    std::unique_lock<std::mutex> lock(m_mutex);
    if (m_ready.empty() && !m_error && m_next >= m_last) {
      throw std::logic_error("BatchStream: no batch left in this epoch");
    }
    if (m_ready.empty() && !m_error) {
      const auto t0 = std::chrono::steady_clock::now();
      m_changed.wait(lock, [&] { return !m_ready.empty() || m_error; });
      m_waited += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (m_ready.empty() && m_error) std::rethrow_exception(m_error);
    r = std::move(m_ready.front());
    m_ready.pop_front();
  }
  m_changed.notify_all();
  if (r->copied) {
    const c10::impl::VirtualGuardImpl impl(c10::DeviceType::CUDA);
    r->copied->block(impl.getStream(m_cuda->device));
  }
  return {r->images, r->labels};
}

}  // namespace pretext::train

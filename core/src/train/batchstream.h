// Streaming the training split: the batches of an epoch's permutation gathered ahead on a
// background thread from CPU arrays (a prepared dataset's memory map), so that the training thread
// never waits on page faults or gathers, and the process's memory does not grow with the dataset.
// On CUDA the rows are gathered into pinned staging tensors and copied to the device on a side
// stream (non_blocking), several batches ahead; the batch's consumer waits on the copy's event.
// Only device-generic c10 APIs (c10::Stream, c10::Event, VirtualGuardImpl): this compiles in a CPU
// LibTorch and runs on CUDA where LibTorch has it.
#pragma once

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pretext::train {

/// Whether the memory at `p` lies in a file-backed mapping (Linux: /proc/self/maps names a file
/// for its range). False where that cannot be read.
bool inFileMapping(const void* p);

/// Free and total memory of the current CUDA device, from the CUDA runtime or driver the process
/// has loaded (looked up at run time: no CUDA headers). False when neither answers.
bool cudaMemoryInfo(std::int64_t& freeBytes, std::int64_t& totalBytes);

/// (source row, position in the batch) for rows `indices[0..count)`, sorted by row: the order in
/// which gatherRows visits the source (one pass through the mapping instead of random jumps back and
/// forth), computed once for the images and the labels of a batch. Throws std::out_of_range for an
/// index outside [0, rows).
using RowOrder = std::vector<std::pair<std::int64_t, std::int64_t>>;
RowOrder rowOrder(std::int64_t rows, const std::int64_t* indices, std::int64_t count);

/// Copies the rows of `source` (rows of `rowBytes`) named by `order` to their positions in `out`.
void gatherRows(const std::uint8_t* source, std::int64_t rowBytes, const RowOrder& order, std::uint8_t* out);

/// Copies rows `indices[0..count)` of `source` to `out` in that order, visiting the source rows in
/// ascending order: gatherRows(source, rowBytes, rowOrder(rows, indices, count), out).
void gatherRows(const std::uint8_t* source, std::int64_t rows, std::int64_t rowBytes, const std::int64_t* indices,
                std::int64_t count, std::uint8_t* out);

/// Asks the kernel to read the pages of rows `indices[0..count)` of `source` now, asynchronously
/// (madvise MADV_WILLNEED), so that a later gather finds them in memory. No-op where unsupported.
void adviseRows(const std::uint8_t* source, std::int64_t rowBytes, const std::int64_t* indices, std::int64_t count);

class BatchStream {
 public:
  /// Batches of `images` (uint8 [N, ...], CPU, contiguous) and `labels` (int64 [N], CPU) for
  /// `device`, up to `depth` batches ready ahead of the consumer.
  BatchStream(torch::Tensor images, torch::Tensor labels, const torch::Device& device, int depth = 4);
  ~BatchStream();
  BatchStream(const BatchStream&) = delete;
  BatchStream& operator=(const BatchStream&) = delete;

  /// Starts gathering the batches of steps [first, last) of `order` (int64, CPU): step s is rows
  /// order[s * stride + offset, s * stride + offset + count). Stops a previous epoch's gathering.
  void start(torch::Tensor order, std::int64_t first, std::int64_t last, std::int64_t stride, std::int64_t offset,
             std::int64_t count);
  /// The next step's images and labels on the device (waiting for them; on CUDA the calling
  /// thread's current stream waits for their copy). Rethrows a failure of the gathering thread.
  std::pair<torch::Tensor, torch::Tensor> next();
  /// Stops the gathering thread (waits for it).
  void stop();

  int depth() const { return m_depth; }
  /// Time the consumer waited in next() for a batch that was not ready yet (seconds, all epochs).
  double waitedSeconds() const { return m_waited; }

 private:
  struct Ready;
  void run();
  Ready gather(std::int64_t step);

  torch::Tensor m_images, m_labels;
  torch::Device m_device;
  int m_depth;
  std::int64_t m_rowBytes = 0;
  torch::Tensor m_order;
  std::int64_t m_next = 0, m_last = 0, m_stride = 0, m_offset = 0, m_count = 0;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::shared_ptr<Ready>> m_ready;
  std::exception_ptr m_error;
  bool m_stop = false;
  std::thread m_thread;
  double m_waited = 0;
  struct Cuda;
  std::unique_ptr<Cuda> m_cuda;  // the side stream (CUDA only)
};

}  // namespace pretext::train

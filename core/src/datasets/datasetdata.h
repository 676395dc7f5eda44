// The tensors behind pretext::Dataset, and the readers that fill them.
#pragma once

#include "pretext/dataset.h"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pretext {

struct SplitData {
  Split split = Split::Train;
  torch::Tensor images;  ///< uint8 [N, C, H, W], contiguous, CPU
  torch::Tensor labels;  ///< int64 [N]; -1 where unlabelled
};

struct DatasetData {
  std::string name;
  DatasetSpec spec;
  std::vector<std::string> classNames;
  std::vector<SplitData> splits;

  const SplitData* find(Split split) const;
  const SplitData& get(Split split) const;  ///< throws DatasetError when the split is missing
  /// Checks shapes, dtypes and label ranges; throws DatasetError naming what is inconsistent.
  void validate() const;
};

namespace datasets {

/// IDX (MNIST layout): the folder holds train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]
/// (t10k-... for the test split).
torch::Tensor readIdxImages(const std::string& path);  ///< uint8 [N, 1, H, W]
torch::Tensor readIdxLabels(const std::string& path);  ///< int64 [N]
DatasetData loadIdx(const DatasetSpec& spec, const std::string& name, std::vector<std::string> classNames);

/// CIFAR-10 (data_batch_1..5.bin, test_batch.bin, batches.meta.txt) and CIFAR-100 (train.bin,
/// test.bin, fine_label_names.txt) binary versions.
SplitData readCifarFile(const std::string& path, bool cifar100);
DatasetData loadCifar(const DatasetSpec& spec, bool cifar100);

/// STL-10 binary: train_X.bin/train_y.bin, test_X.bin/test_y.bin, unlabeled_X.bin (96x96, column-major).
SplitData readStlSplit(const std::string& xPath, const std::string& yPath, Split split);
DatasetData loadStl10(const DatasetSpec& spec);

/// root/<class>/*.png|jpg; root/train and root/test (or val) when present, else one split.
DatasetData loadImageFolder(const DatasetSpec& spec);

/// A prepared dataset (`pretext-cli prepare`): DIR/manifest.json and its .npy arrays, memory-mapped
/// (the tensors keep the mappings alive). prepare.cpp.
DatasetData loadPrepared(const DatasetSpec& spec);

/// Coloured shapes drawn from a seed (circle, square, triangle, cross, ring, bar, diamond, star-ish).
DatasetData makeShapes(const DatasetSpec& spec);

/// One split of a dataset read by ranges of records: what both the loaders (the whole split, as
/// tensors) and `prepare` (chunk by chunk, straight into its output, never holding the split) read
/// through. The binary kinds read their files as asked; other kinds hold their tensors.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  Split split = Split::Train;
  std::int64_t count = 0;
  std::vector<std::int64_t> shape;  ///< C, H, W of each image
  bool labelled = true;             ///< false: every label is -1
  std::vector<std::string> files;   ///< the files the records come from (empty: held in memory)
  std::int64_t imageBytes() const;
  /// Records [from, from + n): the images as uint8 [n, C, H, W] into `images`, the labels into
  /// `labels` (-1 where unlabelled). Thread-safe. Throws DatasetError naming the file (a short
  /// read, a label out of range).
  virtual void read(std::int64_t from, std::int64_t n, std::uint8_t* images, std::int64_t* labels) const = 0;
};

/// A dataset's splits as record sources, with its name and class names.
struct DatasetRecords {
  std::string name;
  std::vector<std::string> classNames;
  std::vector<std::shared_ptr<const RecordSource>> splits;
};

/// The whole split, read through `source`.
SplitData readRecords(const RecordSource& source);
/// Records over tensors already in memory (generated or mapped datasets).
std::shared_ptr<const RecordSource> tensorRecords(const SplitData& split);
DatasetRecords cifarRecords(const DatasetSpec& spec, bool cifar100);
DatasetRecords stl10Records(const DatasetSpec& spec);
DatasetRecords idxRecords(const DatasetSpec& spec, const std::string& name, std::vector<std::string> classNames);
/// Any dataset spec but an image folder: CIFAR, STL-10 and IDX files are read from their files as
/// asked (gzip-compressed IDX through GzipRanges, never inflated whole); the other kinds are loaded
/// and served from memory. Resolves the spec as Dataset::load does.
DatasetRecords openRecords(const DatasetSpec& spec);

/// A plain file read at offsets (pread), from any thread.
class PlainFile {
 public:
  /// Throws DatasetError naming the file when it cannot be opened.
  explicit PlainFile(const std::string& path);
  ~PlainFile();
  PlainFile(const PlainFile&) = delete;
  PlainFile& operator=(const PlainFile&) = delete;
  std::uint64_t size() const { return m_size; }
  const std::string& path() const { return m_path; }
  /// Exactly `n` bytes at `offset`; throws DatasetError naming the file on an error or a short read.
  void readAt(std::uint64_t offset, std::uint8_t* out, std::size_t n) const;

 private:
  std::string m_path;
  int m_fd = -1;
  std::uint64_t m_size = 0;
};

/// A file read front to back, gunzipped on the fly when its name ends in .gz, so that a reader can
/// stop where its header says the data ends instead of inflating whatever the file holds (a few
/// megabytes of gzip can hold gigabytes of zeros).
class ByteReader {
 public:
  /// Throws DatasetError naming the file when it cannot be opened.
  explicit ByteReader(const std::string& path);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  /// Reads up to `n` bytes into `out`; fewer only at the end of the data. Throws DatasetError
  /// naming the file on a read error or corrupt gzip data.
  std::size_t read(std::uint8_t* out, std::size_t n);
  /// The most bytes the data can hold: a plain file's size, or what a gzip file's compressed size
  /// can inflate to (deflate expands at most 1032:1).
  std::uint64_t capacity() const;
  /// Bytes handed out by read() so far.
  std::uint64_t bytesRead() const;
  bool gzipped() const;
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Ranges of the bytes a gzip-compressed file inflates to, from a forward-only stream (gzip has no
/// random access): a range at or after the end of the last one continues the stream, skipping what
/// lies between; one that starts within the last `lookBehind` bytes inflated is served from them
/// (threads that take consecutive ranges may ask out of order); one further back starts the stream
/// again from the beginning of the file (restarts()). Memory: lookBehind bytes (fewer for a smaller
/// file) and one piece, whatever the file's size. The data is the `size` bytes after `offset` (a
/// header): a stream that ends before them is "truncated", and one that holds more after them
/// (checked when their last byte is read) has "unexpected bytes"; both throw DatasetError naming
/// the file, as do corrupt gzip data and a file that cannot be opened.
class GzipRanges {
 public:
  static constexpr std::size_t kLookBehind = std::size_t(16) << 20;
  static constexpr std::size_t kPiece = std::size_t(256) << 10;  ///< inflated at a time
  GzipRanges(const std::string& path, std::uint64_t offset, std::uint64_t size, std::size_t lookBehind = kLookBehind,
             std::size_t piece = kPiece);
  ~GzipRanges();
  GzipRanges(const GzipRanges&) = delete;
  GzipRanges& operator=(const GzipRanges&) = delete;
  /// Bytes [from, from + n) of the data into `out`. Thread-safe (one stream, taken in turn).
  void read(std::uint64_t from, std::size_t n, std::uint8_t* out) const;
  std::uint64_t restarts() const;  ///< times the stream was started again from the beginning
  std::uint64_t inflated() const;  ///< bytes inflated so far, restarts included

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// The bytes of a file, gunzipped when its name ends in .gz. Throws DatasetError naming the file.
std::vector<std::uint8_t> readFileBytes(const std::string& path);

/// The data of an IDX file with `dims` dimensions (3: images, 1: labels), uint8 of the shape its
/// header gives. Reads the header first and then no more than the bytes it promises, plus a small
/// probe for trailing data; refuses a file holding fewer or more bytes, naming it (DatasetError).
torch::Tensor readIdx(ByteReader& in, int dims);

}  // namespace datasets
}  // namespace pretext

namespace pretext {
/// uint8 [C, H, W] (or float in [0,1]) -> Image; and back (uint8 [C, H, W]).
Image tensorToImage(const torch::Tensor& chw);
torch::Tensor imageToTensor(const Image& image);
}  // namespace pretext

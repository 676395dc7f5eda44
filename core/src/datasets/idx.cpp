// IDX files (MNIST, Fashion-MNIST), plain or gzip-compressed. Format: LeCun et al.,
// http://yann.lecun.com/exdb/mnist/ — big-endian magic 0x00000803 (images) / 0x00000801 (labels),
// then the dimension sizes, then the bytes.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace pretext::datasets {

namespace fs = std::filesystem;

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

// Bytes read past the data to tell a file that ends there from one with more after it.
constexpr std::size_t kTrailingProbe = std::size_t(1) << 16;

// What an IDX header promises: the dimensions, and the data's size in bytes (their product; one
// byte an element).
struct IdxHeader {
  std::vector<int64_t> dims;
  std::uint64_t bytes = 1;
};

// Checks the magic number and that the sizes are plausible.
IdxHeader parseIdxHeader(const std::uint8_t* header, std::size_t size, const std::string& path, int wantDims) {
  if (size < 4) throw DatasetError(path + ": truncated IDX file (" + std::to_string(size) + " bytes)");
  const std::uint32_t magic = be32(header);
  const std::uint32_t want = 0x00000800u | std::uint32_t(wantDims);
  if (magic != want) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%08X (expected 0x%08X)", magic, want);
    throw DatasetError(path + ": bad IDX magic number " + buf +
                       (wantDims == 3 ? ", not an image file" : ", not a label file"));
  }
  if (size < 4 + 4 * std::size_t(wantDims)) throw DatasetError(path + ": truncated IDX header");
  IdxHeader h;
  for (int d = 0; d < wantDims; ++d) {
    const std::uint32_t n = be32(header + 4 + 4 * d);
    if (n == 0 || n > (1u << 28)) throw DatasetError(path + ": implausible IDX dimension " + std::to_string(n));
    h.dims.push_back(int64_t(n));
    // Checked before multiplying: three dimensions of up to 2^28 would overflow 64 bits, wrap to a
    // small size that matches a short file, and then ask for an absurd tensor.
    if (h.bytes > (std::uint64_t(1) << 36) / n) throw DatasetError(path + ": implausible IDX size");
    h.bytes *= n;
  }
  return h;
}

// Sizes the file cannot match, refused before anything is allocated or inflated: a plain IDX file
// (`capacity`: its size) must hold exactly the bytes its header promises after the header; a
// gzip-compressed one cannot inflate to more than `capacity` (ByteReader::capacity()).
void checkIdxSize(const std::string& path, bool gzipped, std::uint64_t capacity, std::size_t headerSize,
                  std::uint64_t expected) {
  const std::uint64_t room = capacity - std::min<std::uint64_t>(capacity, headerSize);
  if (gzipped) {
    if (room >= expected) return;
    throw DatasetError(path + ": truncated: the header promises " + std::to_string(expected) +
                       " bytes of data, more than its " + std::to_string(capacity / 1032) +
                       " bytes of gzip data can hold");
  }
  if (room == expected) return;
  if (room < expected) {
    throw DatasetError(path + ": truncated: the header promises " + std::to_string(expected) +
                       " bytes of data, the file holds " + std::to_string(room));
  }
  throw DatasetError(path + ": " + std::to_string(room - expected) + " unexpected bytes after the " +
                     std::to_string(expected) + " bytes of data its header promises");
}

std::string findIdxFile(const std::string& folder, const std::string& prefix, const std::string& what) {
  for (const char* sep : {"-", "."}) {
    for (const char* ext : {"", ".gz"}) {
      const std::string name = prefix + "-" + what + sep + (what == "images" ? "idx3-ubyte" : "idx1-ubyte") + ext;
      const std::string path = io::joinPath(folder, name);
      if (io::fileExists(path)) return path;
    }
  }
  return {};
}

}  // namespace

torch::Tensor readIdx(ByteReader& in, int wantDims) {
  const std::string& path = in.path();
  std::uint8_t header[16];
  const std::size_t headerSize = 4 + 4 * std::size_t(wantDims);
  const auto [dims, expected] = parseIdxHeader(header, in.read(header, headerSize), path, wantDims);
  checkIdxSize(path, in.gzipped(), in.capacity(), headerSize, expected);
  auto data = torch::empty(dims, torch::kUInt8);
  const std::size_t have = in.read(data.data_ptr<std::uint8_t>(), std::size_t(expected));
  if (have < expected) {
    throw DatasetError(path + ": truncated: the header promises " + std::to_string(expected) +
                       " bytes of data, the file holds " + std::to_string(have));
  }
  std::vector<std::uint8_t> probe(kTrailingProbe + 1);
  const std::size_t extra = in.read(probe.data(), probe.size());
  if (extra > 0) {
    const std::string count =
        extra > kTrailingProbe ? "more than " + std::to_string(kTrailingProbe) : std::to_string(extra);
    throw DatasetError(path + ": " + count + " unexpected bytes after the " + std::to_string(expected) +
                       " bytes of data its header promises");
  }
  return data;
}

torch::Tensor readIdxImages(const std::string& path) {
  ByteReader in(path);
  return readIdx(in, 3).unsqueeze(1).contiguous();
}

torch::Tensor readIdxLabels(const std::string& path) {
  ByteReader in(path);
  return readIdx(in, 1).to(torch::kInt64);
}

namespace {

// The data of one IDX file read by byte ranges: a plain file at its offsets, a gzip-compressed one
// through GzipRanges (never inflated whole). The header is read and its sizes checked when opened.
class IdxData {
 public:
  IdxData(const std::string& path, int wantDims) : m_path(path) {
    const std::size_t headerSize = 4 + 4 * std::size_t(wantDims);
    std::uint8_t header[16] = {};
    const bool gzipped = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    IdxHeader h;
    std::uint64_t capacity = 0;
    if (gzipped) {
      ByteReader in(path);
      h = parseIdxHeader(header, in.read(header, headerSize), path, wantDims);
      capacity = in.capacity();
    } else {
      m_plain = std::make_unique<PlainFile>(path);
      capacity = m_plain->size();
      const std::size_t have = std::size_t(std::min<std::uint64_t>(capacity, headerSize));
      m_plain->readAt(0, header, have);
      h = parseIdxHeader(header, have, path, wantDims);
    }
    checkIdxSize(path, gzipped, capacity, headerSize, h.bytes);
    dims = h.dims;
    bytes = h.bytes;
    if (gzipped) m_gz = std::make_unique<GzipRanges>(path, headerSize, bytes);
    else m_offset = headerSize;
  }
  const std::string& path() const { return m_path; }
  void read(std::uint64_t from, std::size_t n, std::uint8_t* out) const {
    if (m_gz) m_gz->read(from, n, out);
    else m_plain->readAt(m_offset + from, out, n);
  }
  std::vector<int64_t> dims;
  std::uint64_t bytes = 0;

 private:
  std::string m_path;
  std::uint64_t m_offset = 0;
  std::unique_ptr<PlainFile> m_plain;
  std::unique_ptr<GzipRanges> m_gz;
};

// An IDX split: its images and labels files (plain or gzip-compressed), read by ranges.
class IdxRecords : public RecordSource {
 public:
  IdxRecords(const std::string& imagesPath, const std::string& labelsPath, Split which, std::int64_t classes,
             const std::string& name)
      : m_classes(classes), m_name(name), m_images(imagesPath, 3), m_labels(labelsPath, 1) {
    split = which;
    files = {imagesPath, labelsPath};
    count = m_images.dims[0];
    shape = {1, m_images.dims[1], m_images.dims[2]};
    if (m_labels.dims[0] != count) {
      throw DatasetError(labelsPath + ": " + std::to_string(m_labels.dims[0]) + " labels for " + std::to_string(count) +
                         " images in " + imagesPath);
    }
  }

  void read(std::int64_t from, std::int64_t n, std::uint8_t* images, std::int64_t* labels) const override {
    const std::int64_t bytes = imageBytes();
    m_images.read(std::uint64_t(from * bytes), std::size_t(n * bytes), images);
    thread_local std::vector<std::uint8_t> lab;
    lab.resize(std::size_t(n));
    m_labels.read(std::uint64_t(from), std::size_t(n), lab.data());
    for (std::int64_t i = 0; i < n; ++i) {
      if (lab[std::size_t(i)] >= m_classes) {
        throw DatasetError(files[1] + ": label " + std::to_string(lab[std::size_t(i)]) + " in the " + splitName(split) +
                           " labels, but " + m_name + " has " + std::to_string(m_classes) + " classes");
      }
      labels[i] = lab[std::size_t(i)];
    }
  }

 private:
  std::int64_t m_classes;
  std::string m_name;
  IdxData m_images, m_labels;
};

}  // namespace

DatasetRecords idxRecords(const DatasetSpec& spec, const std::string& name, std::vector<std::string> classNames) {
  if (!io::isDirectory(spec.path)) {
    throw DatasetError(name + ": folder " + spec.path + " not found" +
                       (spec.kind == "fashion-mnist" ? " (install the dataset-fashion-mnist package or give a folder)" : ""));
  }
  DatasetRecords data;
  data.name = name;
  data.classNames = std::move(classNames);
  // A split counts as present when either of its files is, so that a missing image file is
  // reported by name rather than as a missing split.
  const auto has = [&](const char* prefix) {
    return !findIdxFile(spec.path, prefix, "images").empty() || !findIdxFile(spec.path, prefix, "labels").empty();
  };
  const bool hasTrain = has("train");
  const bool hasTest = has("t10k");
  if (!hasTrain && !hasTest) throw DatasetError(spec.path + ": no IDX image files (train-images-idx3-ubyte[.gz])");
  auto add = [&](const char* prefix, Split split) {
    const std::string imagesPath = findIdxFile(spec.path, prefix, "images");
    const std::string labelsPath = findIdxFile(spec.path, prefix, "labels");
    if (imagesPath.empty()) throw DatasetError(spec.path + ": no " + prefix + "-images-idx3-ubyte[.gz]");
    if (labelsPath.empty()) throw DatasetError(spec.path + ": no " + prefix + "-labels-idx1-ubyte[.gz]");
    data.splits.push_back(std::make_shared<IdxRecords>(imagesPath, labelsPath, split, std::int64_t(data.classNames.size()), name));
  };
  if (hasTrain) add("train", Split::Train);
  if (hasTest) add("t10k", Split::Test);
  return data;
}

DatasetData loadIdx(const DatasetSpec& spec, const std::string& name, std::vector<std::string> classNames) {
  const DatasetRecords records = idxRecords(spec, name, std::move(classNames));
  DatasetData data;
  data.name = records.name;
  data.classNames = records.classNames;
  for (const auto& s : records.splits) data.splits.push_back(readRecords(*s));
  return data;
}

}  // namespace pretext::datasets

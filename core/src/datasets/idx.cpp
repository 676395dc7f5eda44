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

// Returns the dimensions after checking the magic number and that the sizes are plausible.
std::vector<int64_t> parseIdxHeader(const std::uint8_t* header, std::size_t size, const std::string& path,
                                    int wantDims) {
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
  std::vector<int64_t> dims;
  std::size_t expected = 1;
  for (int d = 0; d < wantDims; ++d) {
    const std::uint32_t n = be32(header + 4 + 4 * d);
    if (n == 0 || n > (1u << 28)) throw DatasetError(path + ": implausible IDX dimension " + std::to_string(n));
    dims.push_back(int64_t(n));
    // Checked before multiplying: three dimensions of up to 2^28 would overflow 64 bits, wrap to a
    // small size that matches a short file, and then ask for an absurd tensor.
    if (expected > (std::size_t(1) << 36) / n) throw DatasetError(path + ": implausible IDX size");
    expected *= n;
  }
  return dims;
}

// A plain IDX file must hold exactly the bytes its header promises.
void checkPlainSize(const std::string& path, std::uint64_t room, std::uint64_t expected) {
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
  const auto dims = parseIdxHeader(header, in.read(header, headerSize), path, wantDims);
  std::uint64_t expected = 1;
  for (auto d : dims) expected *= std::uint64_t(d);
  const std::uint64_t room = in.capacity() - std::min<std::uint64_t>(in.capacity(), headerSize);
  // Sizes the file cannot match are refused before anything is allocated or inflated.
  if (!in.gzipped()) checkPlainSize(path, room, expected);
  if (room < expected) {
    throw DatasetError(path + ": truncated: the header promises " + std::to_string(expected) +
                       " bytes of data, more than its " + std::to_string(in.capacity() / 1032) +
                       " bytes of gzip data can hold");
  }
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

// An IDX split: a plain images file read at its offsets (a gzip-compressed one, which has no random
// access, inflated whole when opened), with its labels (a byte an image, read whole).
class IdxRecords : public RecordSource {
 public:
  IdxRecords(const std::string& imagesPath, const std::string& labelsPath, Split which, std::int64_t classes,
             const std::string& name)
      : m_classes(classes), m_name(name) {
    split = which;
    files = {imagesPath, labelsPath};
    if (imagesPath.size() > 3 && imagesPath.compare(imagesPath.size() - 3, 3, ".gz") == 0) {
      m_images = readIdxImages(imagesPath);
      count = m_images.size(0);
      shape = {1, m_images.size(2), m_images.size(3)};
    } else {
      m_file = std::make_unique<PlainFile>(imagesPath);
      std::uint8_t header[16] = {};
      const std::size_t have = std::size_t(std::min<std::uint64_t>(m_file->size(), sizeof header));
      m_file->readAt(0, header, have);
      const auto dims = parseIdxHeader(header, have, imagesPath, 3);
      checkPlainSize(imagesPath, m_file->size() - std::min<std::uint64_t>(m_file->size(), sizeof header),
                     std::uint64_t(dims[0]) * std::uint64_t(dims[1]) * std::uint64_t(dims[2]));
      count = dims[0];
      shape = {1, dims[1], dims[2]};
    }
    m_labels = readIdxLabels(labelsPath);
    if (m_labels.size(0) != count) {
      throw DatasetError(labelsPath + ": " + std::to_string(m_labels.size(0)) + " labels for " + std::to_string(count) +
                         " images in " + imagesPath);
    }
  }

  void read(std::int64_t from, std::int64_t n, std::uint8_t* images, std::int64_t* labels) const override {
    const std::int64_t bytes = imageBytes();
    if (m_file) {
      m_file->readAt(16 + std::uint64_t(from * bytes), images, std::size_t(n * bytes));
    } else {
      std::memcpy(images, m_images.data_ptr<std::uint8_t>() + from * bytes, std::size_t(n * bytes));
    }
    const std::int64_t* lab = m_labels.data_ptr<std::int64_t>() + from;
    for (std::int64_t i = 0; i < n; ++i) {
      if (lab[i] >= m_classes) {
        throw DatasetError(files[1] + ": label " + std::to_string(lab[i]) + " in the " + splitName(split) + " labels, but " +
                           m_name + " has " + std::to_string(m_classes) + " classes");
      }
      labels[i] = lab[i];
    }
  }

 private:
  std::int64_t m_classes;
  std::string m_name;
  std::unique_ptr<PlainFile> m_file;
  torch::Tensor m_images, m_labels;
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

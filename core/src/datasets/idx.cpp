// IDX files (MNIST, Fashion-MNIST), plain or gzip-compressed. Format: LeCun et al.,
// http://yann.lecun.com/exdb/mnist/ — big-endian magic 0x00000803 (images) / 0x00000801 (labels),
// then the dimension sizes, then the bytes.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

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
  if (!in.gzipped() && room != expected) {
    if (room < expected) {
      throw DatasetError(path + ": truncated: the header promises " + std::to_string(expected) +
                         " bytes of data, the file holds " + std::to_string(room));
    }
    throw DatasetError(path + ": " + std::to_string(room - expected) + " unexpected bytes after the " +
                       std::to_string(expected) + " bytes of data its header promises");
  }
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

SplitData readIdxSplit(const std::string& folder, const std::string& prefix, Split split) {
  const std::string imagesPath = findIdxFile(folder, prefix, "images");
  const std::string labelsPath = findIdxFile(folder, prefix, "labels");
  if (imagesPath.empty()) throw DatasetError(folder + ": no " + prefix + "-images-idx3-ubyte[.gz]");
  if (labelsPath.empty()) throw DatasetError(folder + ": no " + prefix + "-labels-idx1-ubyte[.gz]");
  SplitData s;
  s.split = split;
  s.images = readIdxImages(imagesPath);
  s.labels = readIdxLabels(labelsPath);
  if (s.labels.size(0) != s.images.size(0)) {
    throw DatasetError(labelsPath + ": " + std::to_string(s.labels.size(0)) + " labels for " +
                       std::to_string(s.images.size(0)) + " images in " + imagesPath);
  }
  return s;
}

DatasetData loadIdx(const DatasetSpec& spec, const std::string& name, std::vector<std::string> classNames) {
  if (!io::isDirectory(spec.path)) {
    throw DatasetError(name + ": folder " + spec.path + " not found" +
                       (spec.kind == "fashion-mnist" ? " (install the dataset-fashion-mnist package or give a folder)" : ""));
  }
  DatasetData data;
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
  if (hasTrain) data.splits.push_back(readIdxSplit(spec.path, "train", Split::Train));
  if (hasTest) data.splits.push_back(readIdxSplit(spec.path, "t10k", Split::Test));
  for (const auto& s : data.splits) {
    const auto hi = s.labels.max().item<int64_t>();
    if (hi >= int64_t(data.classNames.size())) {
      throw DatasetError(spec.path + ": label " + std::to_string(hi) + " in the " + splitName(s.split) +
                         " labels, but " + name + " has " + std::to_string(data.classNames.size()) + " classes");
    }
  }
  return data;
}

}  // namespace pretext::datasets

// STL-10 binary version (Coates et al. 2011, https://cs.stanford.edu/~acoates/stl10/): *_X.bin holds
// uint8 images 3x96x96, each channel stored column-major; *_y.bin holds labels 1..10.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <sstream>

namespace pretext::datasets {

namespace {
constexpr int64_t kSide = 96;
constexpr int64_t kImageBytes = 3 * kSide * kSide;
}  // namespace

SplitData readStlSplit(const std::string& xPath, const std::string& yPath, Split split) {
  const auto x = readFileBytes(xPath);
  if (x.empty() || int64_t(x.size()) % kImageBytes != 0) {
    throw DatasetError(xPath + ": " + std::to_string(x.size()) + " bytes is not a whole number of 96x96x3 " +
                       "STL-10 images (truncated or not an STL-10 file)");
  }
  const int64_t n = int64_t(x.size()) / kImageBytes;
  SplitData s;
  s.split = split;
  // Column-major per channel: stored [N, C, W, H]; transpose to [N, C, H, W].
  s.images = torch::from_blob(const_cast<std::uint8_t*>(x.data()), {n, 3, kSide, kSide}, torch::kUInt8)
                 .transpose(2, 3)
                 .contiguous();
  if (yPath.empty()) {
    s.labels = torch::full({n}, -1, torch::kInt64);
    return s;
  }
  const auto y = readFileBytes(yPath);
  if (int64_t(y.size()) != n) {
    throw DatasetError(yPath + ": " + std::to_string(y.size()) + " labels for " + std::to_string(n) +
                       " images in " + xPath);
  }
  s.labels = torch::empty({n}, torch::kInt64);
  auto* lab = s.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (y[std::size_t(i)] < 1 || y[std::size_t(i)] > 10) {
      throw DatasetError(yPath + ": label " + std::to_string(y[std::size_t(i)]) + " at position " +
                         std::to_string(i) + " is outside 1..10");
    }
    lab[i] = y[std::size_t(i)] - 1;
  }
  return s;
}

DatasetData loadStl10(const DatasetSpec& spec) {
  if (!io::isDirectory(spec.path)) throw DatasetError("STL-10: folder " + spec.path + " not found");
  DatasetData data;
  data.name = "STL-10";
  data.classNames = {"airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"};
  const std::string names = io::joinPath(spec.path, "class_names.txt");
  if (io::fileExists(names)) {
    std::istringstream in(io::readTextFile(names));
    std::vector<std::string> read;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) read.push_back(line);
    }
    if (read.size() == 10) data.classNames = read;
  }
  auto path = [&](const char* f) { return io::joinPath(spec.path, f); };
  if (io::fileExists(path("train_X.bin"))) data.splits.push_back(readStlSplit(path("train_X.bin"), path("train_y.bin"), Split::Train));
  if (io::fileExists(path("test_X.bin"))) data.splits.push_back(readStlSplit(path("test_X.bin"), path("test_y.bin"), Split::Test));
  if (spec.loadUnlabeled && io::fileExists(path("unlabeled_X.bin"))) {
    data.splits.push_back(readStlSplit(path("unlabeled_X.bin"), "", Split::Unlabeled));
  }
  if (data.splits.empty()) throw DatasetError(spec.path + ": no STL-10 files (train_X.bin, test_X.bin)");
  return data;
}

}  // namespace pretext::datasets

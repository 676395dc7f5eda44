// CIFAR-10 / CIFAR-100 binary versions (Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html):
// records of <label byte(s)><3072 bytes: R plane, G plane, B plane, 32x32 row-major>.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <cstring>
#include <sstream>

namespace pretext::datasets {

namespace {

constexpr int64_t kPixels = 3 * 32 * 32;

std::vector<std::string> readLines(const std::string& path) {
  std::vector<std::string> lines;
  if (!io::fileExists(path)) return lines;
  std::istringstream in(io::readTextFile(path));
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

SplitData readCifarFile(const std::string& path, bool cifar100) {
  const auto bytes = readFileBytes(path);
  const int64_t labelBytes = cifar100 ? 2 : 1;
  const int64_t record = labelBytes + kPixels;
  if (bytes.empty()) throw DatasetError(path + ": empty file");
  if (int64_t(bytes.size()) % record != 0) {
    throw DatasetError(path + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                       std::to_string(record) + "-byte CIFAR" + (cifar100 ? "-100" : "-10") +
                       " records (truncated or not a CIFAR batch)");
  }
  const int64_t n = int64_t(bytes.size()) / record;
  SplitData s;
  s.images = torch::empty({n, 3, 32, 32}, torch::kUInt8);
  s.labels = torch::empty({n}, torch::kInt64);
  auto* img = s.images.data_ptr<std::uint8_t>();
  auto* lab = s.labels.data_ptr<int64_t>();
  const int64_t classes = cifar100 ? 100 : 10;
  for (int64_t i = 0; i < n; ++i) {
    const std::uint8_t* r = bytes.data() + i * record;
    lab[i] = r[labelBytes - 1];  // CIFAR-100: <coarse><fine>, we use the fine label
    if (lab[i] >= classes) {
      throw DatasetError(path + ": record " + std::to_string(i) + " has label " + std::to_string(lab[i]) +
                         ", outside 0.." + std::to_string(classes - 1));
    }
    std::memcpy(img + i * kPixels, r + labelBytes, kPixels);
  }
  return s;
}

DatasetData loadCifar(const DatasetSpec& spec, bool cifar100) {
  if (!io::isDirectory(spec.path)) throw DatasetError((cifar100 ? "CIFAR-100" : "CIFAR-10") + std::string(": folder ") + spec.path + " not found");
  DatasetData data;
  data.name = cifar100 ? "CIFAR-100" : "CIFAR-10";
  std::vector<std::string> trainFiles, testFiles;
  if (cifar100) {
    trainFiles = {"train.bin"};
    testFiles = {"test.bin"};
    data.classNames = readLines(io::joinPath(spec.path, "fine_label_names.txt"));
  } else {
    for (int i = 1; i <= 5; ++i) trainFiles.push_back("data_batch_" + std::to_string(i) + ".bin");
    testFiles = {"test_batch.bin"};
    data.classNames = readLines(io::joinPath(spec.path, "batches.meta.txt"));
  }
  const std::size_t classes = cifar100 ? 100 : 10;
  if (data.classNames.size() != classes) {
    data.classNames.clear();
    if (!cifar100) {
      data.classNames = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
    } else {
      for (std::size_t i = 0; i < classes; ++i) data.classNames.push_back("class " + std::to_string(i));
    }
  }
  auto readAll = [&](const std::vector<std::string>& files, Split split) {
    std::vector<torch::Tensor> images, labels;
    for (const auto& f : files) {
      const std::string path = io::joinPath(spec.path, f);
      if (!io::fileExists(path)) continue;
      auto s = readCifarFile(path, cifar100);
      images.push_back(s.images);
      labels.push_back(s.labels);
    }
    if (images.empty()) return;
    SplitData s;
    s.split = split;
    s.images = images.size() == 1 ? images[0] : torch::cat(images);
    s.labels = labels.size() == 1 ? labels[0] : torch::cat(labels);
    data.splits.push_back(std::move(s));
  };
  readAll(trainFiles, Split::Train);
  readAll(testFiles, Split::Test);
  if (data.splits.empty()) {
    throw DatasetError(spec.path + ": no " + data.name + " batch files (" + trainFiles.front() + ", " +
                       testFiles.front() + ")");
  }
  return data;
}

}  // namespace pretext::datasets

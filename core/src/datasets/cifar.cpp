// CIFAR-10 / CIFAR-100 binary versions (Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html):
// records of <label byte(s)><3072 bytes: R plane, G plane, B plane, 32x32 row-major>.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <algorithm>
#include <cstring>
#include <memory>
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

namespace {

// The records of one or more batch files, read at their offsets: <label byte(s)><3072 pixel bytes>.
class CifarRecords : public RecordSource {
 public:
  CifarRecords(const std::vector<std::string>& paths, bool cifar100, Split which) : m_cifar100(cifar100) {
    split = which;
    shape = {3, 32, 32};
    const std::int64_t record = recordBytes();
    for (const auto& path : paths) {
      auto file = std::make_unique<PlainFile>(path);
      if (file->size() == 0) throw DatasetError(path + ": empty file");
      if (std::int64_t(file->size()) % record != 0) {
        throw DatasetError(path + ": " + std::to_string(file->size()) + " bytes is not a whole number of " +
                           std::to_string(record) + "-byte CIFAR" + (cifar100 ? "-100" : "-10") +
                           " records (truncated or not a CIFAR batch)");
      }
      m_first.push_back(count);
      count += std::int64_t(file->size()) / record;
      m_files.push_back(std::move(file));
      files.push_back(path);
    }
  }
  std::int64_t recordBytes() const { return (m_cifar100 ? 2 : 1) + kPixels; }

  void read(std::int64_t from, std::int64_t n, std::uint8_t* images, std::int64_t* labels) const override {
    const std::int64_t labelBytes = m_cifar100 ? 2 : 1, record = recordBytes(), classes = m_cifar100 ? 100 : 10;
    thread_local std::vector<std::uint8_t> buffer;
    std::size_t f = std::size_t(std::upper_bound(m_first.begin(), m_first.end(), from) - m_first.begin() - 1);
    for (std::int64_t done = 0; done < n;) {
      const std::int64_t local = from + done - m_first[f];
      const std::int64_t inFile = (f + 1 < m_first.size() ? m_first[f + 1] : count) - m_first[f];
      const std::int64_t m = std::min({n - done, inFile - local, std::int64_t(1024)});
      buffer.resize(std::size_t(m * record));
      m_files[f]->readAt(std::uint64_t(local * record), buffer.data(), buffer.size());
      for (std::int64_t i = 0; i < m; ++i) {
        const std::uint8_t* r = buffer.data() + i * record;
        const std::int64_t label = r[labelBytes - 1];  // CIFAR-100: <coarse><fine>, we use the fine label
        if (label >= classes) {
          throw DatasetError(m_files[f]->path() + ": record " + std::to_string(local + i) + " has label " + std::to_string(label) +
                             ", outside 0.." + std::to_string(classes - 1));
        }
        labels[done + i] = label;
        std::memcpy(images + (done + i) * kPixels, r + labelBytes, kPixels);
      }
      done += m;
      if (local + m == inFile) ++f;
    }
  }

 private:
  bool m_cifar100;
  std::vector<std::unique_ptr<PlainFile>> m_files;
  std::vector<std::int64_t> m_first;  // the first record of each file
};

}  // namespace

SplitData readCifarFile(const std::string& path, bool cifar100) { return readRecords(CifarRecords({path}, cifar100, Split::Train)); }

DatasetRecords cifarRecords(const DatasetSpec& spec, bool cifar100) {
  if (!io::isDirectory(spec.path)) throw DatasetError((cifar100 ? "CIFAR-100" : "CIFAR-10") + std::string(": folder ") + spec.path + " not found");
  DatasetRecords data;
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
  auto add = [&](const std::vector<std::string>& names, Split split) {
    std::vector<std::string> paths;
    for (const auto& f : names) {
      const std::string path = io::joinPath(spec.path, f);
      if (io::fileExists(path)) paths.push_back(path);
    }
    if (!paths.empty()) data.splits.push_back(std::make_shared<CifarRecords>(paths, cifar100, split));
  };
  add(trainFiles, Split::Train);
  add(testFiles, Split::Test);
  if (data.splits.empty()) {
    throw DatasetError(spec.path + ": no " + data.name + " batch files (" + trainFiles.front() + ", " +
                       testFiles.front() + ")");
  }
  return data;
}

DatasetData loadCifar(const DatasetSpec& spec, bool cifar100) {
  const DatasetRecords records = cifarRecords(spec, cifar100);
  DatasetData data;
  data.name = records.name;
  data.classNames = records.classNames;
  for (const auto& s : records.splits) data.splits.push_back(readRecords(*s));
  return data;
}

}  // namespace pretext::datasets

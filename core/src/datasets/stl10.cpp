// STL-10 binary version (Coates et al. 2011, https://cs.stanford.edu/~acoates/stl10/): *_X.bin holds
// uint8 images 3x96x96, each channel stored column-major; *_y.bin holds labels 1..10.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <algorithm>
#include <memory>
#include <sstream>

namespace pretext::datasets {

namespace {
constexpr int64_t kSide = 96;
constexpr int64_t kImageBytes = 3 * kSide * kSide;
}  // namespace

namespace {

// The images of an *_X.bin file, read at their offsets, with the labels of its *_y.bin (read whole
// when opened: a byte an image).
class StlRecords : public RecordSource {
 public:
  StlRecords(const std::string& xPath, const std::string& yPath, Split which) : m_x(xPath) {
    split = which;
    shape = {3, kSide, kSide};
    files.push_back(xPath);
    if (m_x.size() == 0 || std::int64_t(m_x.size()) % kImageBytes != 0) {
      throw DatasetError(xPath + ": " + std::to_string(m_x.size()) + " bytes is not a whole number of 96x96x3 " +
                         "STL-10 images (truncated or not an STL-10 file)");
    }
    count = std::int64_t(m_x.size()) / kImageBytes;
    labelled = !yPath.empty();
    if (!labelled) return;
    files.push_back(yPath);
    m_y = readFileBytes(yPath);
    if (int64_t(m_y.size()) != count) {
      throw DatasetError(yPath + ": " + std::to_string(m_y.size()) + " labels for " + std::to_string(count) +
                         " images in " + xPath);
    }
    for (std::size_t i = 0; i < m_y.size(); ++i) {
      if (m_y[i] < 1 || m_y[i] > 10) {
        throw DatasetError(yPath + ": label " + std::to_string(m_y[i]) + " at position " + std::to_string(i) +
                           " is outside 1..10");
      }
    }
  }

  void read(std::int64_t from, std::int64_t n, std::uint8_t* images, std::int64_t* labels) const override {
    thread_local std::vector<std::uint8_t> buffer;
    for (std::int64_t done = 0; done < n;) {
      const std::int64_t m = std::min<std::int64_t>(n - done, 256);
      buffer.resize(std::size_t(m * kImageBytes));
      m_x.readAt(std::uint64_t((from + done) * kImageBytes), buffer.data(), buffer.size());
      // Column-major per channel: stored [C, W, H]; written [C, H, W].
      for (std::int64_t i = 0; i < m * 3; ++i) {
        const std::uint8_t* in = buffer.data() + i * kSide * kSide;
        std::uint8_t* out = images + (done * 3 + i) * kSide * kSide;
        for (std::int64_t h = 0; h < kSide; ++h) {
          for (std::int64_t w = 0; w < kSide; ++w) out[h * kSide + w] = in[w * kSide + h];
        }
      }
      for (std::int64_t i = 0; i < m; ++i) labels[done + i] = labelled ? std::int64_t(m_y[std::size_t(from + done + i)]) - 1 : -1;
      done += m;
    }
  }

 private:
  PlainFile m_x;
  std::vector<std::uint8_t> m_y;
};

}  // namespace

SplitData readStlSplit(const std::string& xPath, const std::string& yPath, Split split) {
  return readRecords(StlRecords(xPath, yPath, split));
}

DatasetRecords stl10Records(const DatasetSpec& spec) {
  if (!io::isDirectory(spec.path)) throw DatasetError("STL-10: folder " + spec.path + " not found");
  DatasetRecords data;
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
  if (io::fileExists(path("train_X.bin"))) data.splits.push_back(std::make_shared<StlRecords>(path("train_X.bin"), path("train_y.bin"), Split::Train));
  if (io::fileExists(path("test_X.bin"))) data.splits.push_back(std::make_shared<StlRecords>(path("test_X.bin"), path("test_y.bin"), Split::Test));
  if (spec.loadUnlabeled && io::fileExists(path("unlabeled_X.bin"))) {
    data.splits.push_back(std::make_shared<StlRecords>(path("unlabeled_X.bin"), "", Split::Unlabeled));
  }
  if (data.splits.empty()) throw DatasetError(spec.path + ": no STL-10 files (train_X.bin, test_X.bin)");
  return data;
}

DatasetData loadStl10(const DatasetSpec& spec) {
  const DatasetRecords records = stl10Records(spec);
  DatasetData data;
  data.name = records.name;
  data.classNames = records.classNames;
  for (const auto& s : records.splits) data.splits.push_back(readRecords(*s));
  return data;
}

}  // namespace pretext::datasets

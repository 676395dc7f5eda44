// Prepared datasets: `pretext-cli prepare` packs an image folder (or any dataset Pretext reads)
// into .npy arrays + manifest.json, decoding on every core straight into memory-mapped files, and
// the reader maps them back (the tensors wrap the mappings). Format version 1:
//   DIR/manifest.json           format, version, image size, channels, splits with their source
//                               files in order, skipped files with reasons, CRC-32 of each array
//   DIR/classes.txt             class names, one a line (labelled data only)
//   DIR/<split>_images.npy      uint8 [N, C, H, W]  (split: train, test, unlabeled)
//   DIR/<split>_labels.npy      int64 [N]            (labelled splits only)
#include "datasets/datasetdata.h"
#include "datasets/imagefiles.h"
#include "io/fileutil.h"

#include "pretext/numbers.h"
#include "pretext/prepare.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/core/utility.hpp>
#endif

namespace pretext {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr const char* kFormat = "pretext-prepared";
constexpr int kVersion = 1;
constexpr std::size_t kNpyHeader = 128;  // fixed, so the header can be rewritten with the final count

std::string sysError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string npyHeader(const char* descr, const std::vector<std::int64_t>& shape) {
  std::string dims;
  for (auto s : shape) dims += std::to_string(s) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  else dims.pop_back();  // "(N,)"
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t room = kNpyHeader - 10 - 1;
  if (dict.size() > room) throw std::runtime_error("npy header too long");
  dict.append(room - dict.size(), ' ');
  dict += '\n';
  std::string h("\x93NUMPY\x01\x00", 8);
  h += char(dict.size() & 0xFF);
  h += char(dict.size() >> 8);
  return h + dict;
}

// A .npy file of up to `rows` rows of `rowBytes`, mapped for writing.
class NpyWriter {
 public:
  NpyWriter(std::string path, const char* descr, std::vector<std::int64_t> rowShape, std::int64_t rows)
      : m_path(std::move(path)), m_descr(descr), m_rowShape(std::move(rowShape)) {
    m_rowBytes = descr[1] == 'i' ? 8 : 1;
    for (auto s : m_rowShape) m_rowBytes *= s;
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_fd < 0) throw std::runtime_error(sysError("cannot create", m_path));
    m_size = kNpyHeader + std::size_t(rows * m_rowBytes);
    // posix_fallocate reserves the blocks, so a full disk fails here and not as SIGBUS later.
    const int r = ::posix_fallocate(m_fd, 0, off_t(m_size));
    if (r != 0) {
      errno = r;
      const std::string message = sysError("cannot reserve " + std::to_string(m_size) + " bytes for", m_path);
      ::close(m_fd);
      throw std::runtime_error(message);
    }
    void* p = ::mmap(nullptr, m_size, PROT_READ | PROT_WRITE, MAP_SHARED, m_fd, 0);
    if (p == MAP_FAILED) {
      const std::string message = sysError("cannot map", m_path);
      ::close(m_fd);
      throw std::runtime_error(message);
    }
    m_base = static_cast<std::uint8_t*>(p);
  }
  ~NpyWriter() {
    if (m_base) ::munmap(m_base, m_size);
    if (m_fd >= 0) ::close(m_fd);
  }
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  std::uint8_t* row(std::int64_t i) { return m_base + kNpyHeader + i * m_rowBytes; }
  std::int64_t rowBytes() const { return m_rowBytes; }

  /// Keeps the first `rows` rows: the header says so, the file is cut there and synced. Returns the
  /// CRC-32 of the data.
  std::uint32_t finish(std::int64_t rows) {
    std::vector<std::int64_t> shape{rows};
    shape.insert(shape.end(), m_rowShape.begin(), m_rowShape.end());
    const std::string h = npyHeader(m_descr, shape);
    std::memcpy(m_base, h.data(), h.size());
    const std::size_t bytes = std::size_t(rows * m_rowBytes);
    std::uint32_t crc = std::uint32_t(crc32_z(0L, Z_NULL, 0));
    crc = std::uint32_t(crc32_z(crc, m_base + kNpyHeader, bytes));
    if (::msync(m_base, m_size, MS_SYNC) != 0) throw std::runtime_error(sysError("cannot write", m_path));
    ::munmap(m_base, m_size);
    m_base = nullptr;
    if (::ftruncate(m_fd, off_t(kNpyHeader + bytes)) != 0 || ::fsync(m_fd) != 0) {
      throw std::runtime_error(sysError("cannot write", m_path));
    }
    ::close(m_fd);
    m_fd = -1;
    return crc;
  }

 private:
  std::string m_path;
  const char* m_descr;
  std::vector<std::int64_t> m_rowShape;
  std::int64_t m_rowBytes = 1;
  int m_fd = -1;
  std::size_t m_size = 0;
  std::uint8_t* m_base = nullptr;
};

std::string crcText(std::uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", crc);
  return buf;
}

// One split of the output as the prepare writes it.
struct SplitOut {
  Split split = Split::Train;
  std::vector<datasets::FolderScan::File> files;  // folder route
  torch::Tensor images, labels;                   // dataset route
  std::int64_t kept = 0;
  std::vector<std::string> keptPaths;
};

void syncFolder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

struct Clock {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
};

}  // namespace

bool isPreparedDataset(const std::string& folder) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(folder) / "manifest.json", ec);
}

PrepareResult prepareDataset(const PrepareOptions& o, const std::function<void(const PrepareProgress&)>& progress,
                             const std::atomic<bool>* cancel) {
  const Clock clock;
  if (o.out.empty()) throw std::invalid_argument("--out: give the folder of the prepared dataset");
  if (o.imageSize < 8 || o.imageSize > 1024) throw std::invalid_argument("--image-size " + std::to_string(o.imageSize) + " outside 8..1024");
  if (!(o.testFraction >= 0 && o.testFraction < 1)) throw std::invalid_argument("--test-fraction must be in [0, 1)");
  if (o.threads < 0) throw std::invalid_argument("--threads must be >= 0");
  const auto mode = datasets::parseResizeMode(o.resize);

  DatasetSpec spec = DatasetSpec::parse(o.source);
  const bool folderRoute = spec.kind == "folder";
  PrepareResult result;
  result.imageSize = o.imageSize;
  std::vector<SplitOut> outs;
  std::string sourceText = spec.toString();

  if (folderRoute) {
    auto scan = datasets::scanImageFolder(spec.path, o.unlabelled);
    sourceText = fs::absolute(spec.path).lexically_normal().string();
    result.labelled = scan.labelled;
    result.classNames = scan.classNames;
    if (scan.labelled && scan.test.empty() && o.testFraction > 0) {
      std::vector<std::size_t> order(scan.train.size());
      std::iota(order.begin(), order.end(), std::size_t(0));
      std::mt19937_64 rng(o.seed);
      std::shuffle(order.begin(), order.end(), rng);
      const std::size_t k = std::size_t(std::llround(o.testFraction * double(order.size())));
      if (k == 0 || k >= order.size()) {
        throw std::invalid_argument("--test-fraction " + std::to_string(o.testFraction) + " of " + std::to_string(order.size()) +
                                    " images leaves an empty split");
      }
      std::vector<bool> isTest(order.size(), false);
      for (std::size_t i = 0; i < k; ++i) isTest[order[i]] = true;
      std::vector<datasets::FolderScan::File> train, test;
      for (std::size_t i = 0; i < order.size(); ++i) (isTest[i] ? test : train).push_back(scan.train[i]);
      scan.train = std::move(train);
      scan.test = std::move(test);
    }
    outs.push_back({scan.labelled ? Split::Train : Split::Unlabeled, std::move(scan.train), {}, {}, 0, {}});
    if (!scan.test.empty()) outs.push_back({Split::Test, std::move(scan.test), {}, {}, 0, {}});
    // The channels of the first file that decodes: 1 for gray, 3 for anything else.
    for (const auto& f : outs.front().files) {
      result.channels = datasets::probeChannels(f.path);
      if (result.channels) break;
      if (o.strict) break;
    }
    if (result.channels == 0) {
      std::vector<std::uint8_t> slot(std::size_t(3 * o.imageSize * o.imageSize));
      const auto& f = outs.front().files.front();
      const std::string why = datasets::decodeImageInto(f.path, o.imageSize, 3, mode, o.maxPixels, slot.data());
      throw DatasetError(f.path + ": " + (why.empty() ? "cannot decode the image" : why) +
                         (o.strict ? " (--strict)" : " (and no other file of the folder decodes)"));
    }
  } else {
    const Dataset ds = Dataset::load(spec);
    const auto& data = ds.data();
    result.classNames = data.classNames;
    result.labelled = !data.classNames.empty();
    result.channels = ds.channels();
    result.imageSize = ds.height();
    for (const auto& s : data.splits) outs.push_back({s.split, {}, s.images, s.labels, 0, {}});
    if (result.labelled && !data.find(Split::Test) && o.testFraction > 0 && data.find(Split::Train)) {
      auto& train = outs.front();
      const std::int64_t n = train.images.size(0);
      std::vector<std::int64_t> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), std::int64_t(0));
      std::mt19937_64 rng(o.seed);
      std::shuffle(order.begin(), order.end(), rng);
      const std::int64_t k = std::llround(o.testFraction * double(n));
      if (k == 0 || k >= n) {
        throw std::invalid_argument("--test-fraction " + std::to_string(o.testFraction) + " of " + std::to_string(n) +
                                    " images leaves an empty split");
      }
      std::vector<std::int64_t> testIdx(order.begin(), order.begin() + k), trainIdx(order.begin() + k, order.end());
      std::sort(testIdx.begin(), testIdx.end());
      std::sort(trainIdx.begin(), trainIdx.end());
      const auto ti = torch::tensor(testIdx, torch::kInt64), tr = torch::tensor(trainIdx, torch::kInt64);
      SplitOut test{Split::Test, {}, train.images.index_select(0, ti), train.labels.index_select(0, ti), 0, {}};
      train.images = train.images.index_select(0, tr);
      train.labels = train.labels.index_select(0, tr);
      outs.push_back(std::move(test));
    }
  }

  // A fresh OUT.partial: whatever an interrupted run left there goes first.
  fs::path outDir = fs::absolute(o.out).lexically_normal();
  if (outDir.filename().empty()) outDir = outDir.parent_path();  // "out/"
  const fs::path partial = outDir.string() + ".partial";
  std::error_code ec;
  if (fs::exists(outDir, ec) && !isPreparedDataset(outDir.string()) &&
      !(fs::is_directory(outDir, ec) && fs::is_empty(outDir, ec))) {
    throw std::invalid_argument(outDir.string() + " exists and is not a prepared dataset: give another --out");
  }
  fs::remove_all(partial, ec);
  if (ec) throw std::runtime_error("cannot remove " + partial.string() + ": " + ec.message());
  io::makeDirectories(partial.string());

  std::int64_t total = 0;
  for (const auto& s : outs) total += folderRoute ? std::int64_t(s.files.size()) : s.images.size(0);
  std::atomic<std::int64_t> done{0};
  auto report = [&] {
    if (progress) progress({done.load(), total, clock.seconds()});
  };
  auto cancelled = [&] { return cancel && cancel->load(); };
  auto abandon = [&] {
    fs::remove_all(partial, ec);
    throw PrepareCancelled();
  };

  Json manifest;
  manifest["format"] = kFormat;
  manifest["version"] = kVersion;
  manifest["source"] = sourceText;
  manifest["image_size"] = result.imageSize;
  manifest["channels"] = result.channels;
  manifest["resize"] = folderRoute ? datasets::resizeModeName(mode) : "none";
  manifest["labelled"] = result.labelled;
  manifest["class_names"] = result.classNames;
  manifest["splits"] = Json::array();
  Json skipped = Json::array();
  Json checksums = Json::object();

  const int threads = o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency()));
#ifdef PRETEXT_HAVE_OPENCV
  const int cvThreads = cv::getNumThreads();
  cv::setNumThreads(1);  // the pool is the parallelism; OpenCV's own threads would only compete
  struct RestoreCv {
    int n;
    ~RestoreCv() { cv::setNumThreads(n); }
  } restoreCv{cvThreads};
#endif

  report();
  for (auto& s : outs) {
    const std::string name = splitName(s.split);
    const std::int64_t n = folderRoute ? std::int64_t(s.files.size()) : s.images.size(0);
    const int side = result.imageSize;
    const std::string imagesFile = name + "_images.npy", labelsFile = name + "_labels.npy";
    NpyWriter images((partial / imagesFile).string(), "|u1", {result.channels, side, side}, n);
    std::vector<std::int64_t> labels;
    if (folderRoute) {
      std::vector<std::string> reasons(static_cast<std::size_t>(n));
      std::atomic<std::int64_t> next{0};
      std::atomic<bool> stop{false};
      std::atomic<std::int64_t> splitDone{0};
      auto work = [&] {
        while (!stop.load(std::memory_order_relaxed)) {
          const std::int64_t i = next.fetch_add(1);
          if (i >= n) break;
          const auto& f = s.files[std::size_t(i)];
          try {
            reasons[std::size_t(i)] = datasets::decodeImageInto(f.path, side, result.channels, mode, o.maxPixels, images.row(i));
          } catch (const std::exception& e) {  // out of memory in a decoder: this file, not the process
            reasons[std::size_t(i)] = std::string("cannot decode the image (") + e.what() + ")";
          }
          if (o.strict && !reasons[std::size_t(i)].empty()) stop = true;
          done.fetch_add(1);
          splitDone.fetch_add(1);
        }
      };
      std::vector<std::thread> pool;
      for (int t = 0; t < std::min<std::int64_t>(threads, std::max<std::int64_t>(1, n)); ++t) pool.emplace_back(work);
      bool wasCancelled = false;
      while (splitDone.load() < n && !stop.load()) {
        if (cancelled()) {
          stop = true;
          wasCancelled = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        report();
      }
      for (auto& t : pool) t.join();
      if (wasCancelled || cancelled()) abandon();
      // Manifest order: the kept images move up over the holes the skipped ones left.
      std::int64_t k = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const auto& f = s.files[std::size_t(i)];
        const std::string& why = reasons[std::size_t(i)];
        if (!why.empty()) {
          if (o.strict) {
            fs::remove_all(partial, ec);
            throw DatasetError(f.path + ": " + why + " (--strict: unreadable files are fatal)");
          }
          result.skipped.push_back({f.path, why});
          skipped.push_back({{"path", f.path}, {"reason", why}});
          continue;
        }
        if (k != i) std::memcpy(images.row(k), images.row(i), std::size_t(images.rowBytes()));
        s.keptPaths.push_back(f.path);
        labels.push_back(f.label);
        ++k;
      }
      s.kept = k;
    } else {
      const auto src = s.images.contiguous();
      const std::uint8_t* from = src.data_ptr<std::uint8_t>();
      const std::int64_t chunk = 1024;
      for (std::int64_t i = 0; i < n; i += chunk) {
        if (cancelled()) abandon();
        const std::int64_t m = std::min(chunk, n - i);
        std::memcpy(images.row(i), from + i * images.rowBytes(), std::size_t(m * images.rowBytes()));
        done += m;
        report();
      }
      const auto lab = s.labels.contiguous();
      labels.assign(lab.data_ptr<std::int64_t>(), lab.data_ptr<std::int64_t>() + n);
      s.kept = n;
    }
    if (s.kept == 0) {
      fs::remove_all(partial, ec);
      throw DatasetError(std::string("no image of the ") + name + " split could be read (" +
                         std::to_string(result.skipped.size()) + " skipped; the first: " +
                         (result.skipped.empty() ? "" : result.skipped.front().path + ": " + result.skipped.front().reason) + ")");
    }
    Json entry;
    entry["split"] = name;
    entry["count"] = s.kept;
    entry["images"] = imagesFile;
    checksums[imagesFile] = "crc32:" + crcText(images.finish(s.kept));
    if (s.split != Split::Unlabeled) {
      NpyWriter labelWriter((partial / labelsFile).string(), "<i8", {}, s.kept);
      std::memcpy(labelWriter.row(0), labels.data(), labels.size() * sizeof(std::int64_t));
      checksums[labelsFile] = "crc32:" + crcText(labelWriter.finish(s.kept));
      entry["labels"] = labelsFile;
    }
    if (folderRoute) entry["files"] = s.keptPaths;
    manifest["splits"].push_back(entry);
    if (s.split == Split::Test) result.testImages = s.kept;
    else result.trainImages = s.kept;
  }
  report();
  manifest["skipped"] = skipped;
  manifest["checksums"] = checksums;

  if (result.labelled) {
    std::string names;
    for (const auto& c : result.classNames) names += c + "\n";
    io::writeFileAtomic((partial / "classes.txt").string(), names);
  }
  // The manifest last: a folder without it is never taken for a dataset.
  io::writeFileAtomic((partial / "manifest.json").string(), manifest.dump(1));
  syncFolder(partial.string());
  if (cancelled()) abandon();

  if (fs::exists(outDir, ec)) {
    const fs::path old = outDir.string() + ".old";
    fs::remove_all(old, ec);
    fs::rename(outDir, old, ec);
    if (ec) throw std::runtime_error("cannot move the previous " + outDir.string() + " aside: " + ec.message());
    fs::rename(partial, outDir, ec);
    if (ec) throw std::runtime_error("cannot rename " + partial.string() + " to " + outDir.string() + ": " + ec.message());
    fs::remove_all(old, ec);
  } else {
    fs::rename(partial, outDir, ec);
    if (ec) throw std::runtime_error("cannot rename " + partial.string() + " to " + outDir.string() + ": " + ec.message());
  }
  syncFolder(outDir.parent_path().string());
  result.out = outDir.string();
  result.seconds = clock.seconds();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

struct Mapping {
  void* base = nullptr;
  std::size_t size = 0;
  ~Mapping() {
    if (base) ::munmap(base, size);
  }
};

// Maps a .npy file of `descr` and returns its data as a tensor that keeps the mapping alive.
torch::Tensor mapNpy(const std::string& path, const std::string& descr, std::vector<std::int64_t>& shape) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DatasetError(sysError("cannot open", path));
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw DatasetError(sysError("cannot read", path));
  }
  const std::size_t size = std::size_t(st.st_size);
  if (size < 12) {
    ::close(fd);
    throw DatasetError(path + ": too short for a .npy file");
  }
  // MAP_PRIVATE and writable: a stray in-place write copies a page instead of faulting, and never
  // reaches the file.
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw DatasetError(sysError("cannot map", path));
  auto mapping = std::make_shared<Mapping>();
  mapping->base = p;
  mapping->size = size;
  const auto* d = static_cast<const std::uint8_t*>(p);
  if (std::memcmp(d, "\x93NUMPY", 6) != 0) throw DatasetError(path + ": not a .npy file");
  std::size_t headerLen = 0, offset = 0;
  if (d[6] == 1) {
    headerLen = std::size_t(d[8]) | std::size_t(d[9]) << 8;
    offset = 10;
  } else if (d[6] == 2 || d[6] == 3) {
    headerLen = std::size_t(d[8]) | std::size_t(d[9]) << 8 | std::size_t(d[10]) << 16 | std::size_t(d[11]) << 24;
    offset = 12;
  } else {
    throw DatasetError(path + ": .npy version " + std::to_string(d[6]) + " is not supported");
  }
  if (offset + headerLen > size) throw DatasetError(path + ": .npy header runs past the end of the file");
  const std::string header(reinterpret_cast<const char*>(d + offset), headerLen);
  offset += headerLen;
  if (header.find("'descr': '" + descr + "'") == std::string::npos) {
    throw DatasetError(path + ": expected dtype " + descr + ", the header says " + header);
  }
  if (header.find("'fortran_order': False") == std::string::npos) throw DatasetError(path + ": Fortran-order arrays are not supported");
  const auto open = header.find("'shape': (");
  const auto close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos) throw DatasetError(path + ": no shape in the .npy header");
  shape.clear();
  std::string dims = header.substr(open + 10, close - open - 10);
  for (std::size_t start = 0; start < dims.size();) {
    const auto comma = std::min(dims.find(',', start), dims.size());
    std::string item = dims.substr(start, comma - start);
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    if (!item.empty()) {
      if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 15) {
        throw DatasetError(path + ": bad shape in the .npy header: (" + dims + ")");
      }
      shape.push_back(std::stoll(item));
    }
    start = comma + 1;
  }
  const std::size_t item = descr == "<i8" ? 8 : 1;
  std::uint64_t bytes = item;
  for (auto s : shape) {
    // A product past 64 bits would wrap, and a file holding the wrapped size would "match".
    if (s != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / std::uint64_t(s)) {
      throw DatasetError(path + ": the shape in the .npy header, (" + dims + "), is too large");
    }
    bytes *= std::uint64_t(s);
  }
  if (offset + bytes != size) {
    throw DatasetError(path + ": the header promises " + std::to_string(bytes) + " bytes of data, the file holds " +
                       std::to_string(size - offset) + " (truncated or not written to the end)");
  }
  void* data = static_cast<std::uint8_t*>(p) + offset;
  return torch::from_blob(data, shape, [mapping](void*) mutable { mapping.reset(); },
                          torch::TensorOptions().dtype(item == 8 ? torch::kInt64 : torch::kUInt8));
}

Json readManifest(const std::string& folder) {
  const std::string path = (fs::path(folder) / "manifest.json").string();
  if (!io::fileExists(path)) throw DatasetError(folder + ": not a prepared dataset (no manifest.json)");
  Json m;
  try {
    m = Json::parse(io::readTextFile(path));
  } catch (const std::exception& e) {
    throw DatasetError(path + ": " + e.what());
  }
  if (!m.is_object() || m.value("format", "") != kFormat) throw DatasetError(path + ": not a Pretext prepared-dataset manifest");
  if (m.value("version", 0) > kVersion) {
    throw DatasetError(path + ": format version " + std::to_string(m.value("version", 0)) +
                       " was written by a newer Pretext (this one reads version " + std::to_string(kVersion) + ")");
  }
  return m;
}

}  // namespace

namespace datasets {

DatasetData loadPrepared(const DatasetSpec& spec) {
  DatasetData data;
  try {
    const Json m = readManifest(spec.path);
    data.name = "Prepared " + fs::path(spec.path).lexically_normal().filename().string();
    if (data.name == "Prepared ") data.name = "Prepared " + fs::path(spec.path).lexically_normal().parent_path().filename().string();
    data.classNames = m.at("class_names").get<std::vector<std::string>>();
    const std::int64_t side = m.at("image_size").get<std::int64_t>(), channels = m.at("channels").get<std::int64_t>();
    for (const auto& e : m.at("splits")) {
      SplitData s;
      const std::string name = e.at("split").get<std::string>();
      if (name == "train") s.split = Split::Train;
      else if (name == "test") s.split = Split::Test;
      else if (name == "unlabeled") s.split = Split::Unlabeled;
      else throw DatasetError(spec.path + "/manifest.json: unknown split '" + name + "'");
      const std::int64_t count = e.at("count").get<std::int64_t>();
      std::vector<std::int64_t> shape;
      const std::string imagesPath = (fs::path(spec.path) / e.at("images").get<std::string>()).string();
      s.images = mapNpy(imagesPath, "|u1", shape);
      if (shape != std::vector<std::int64_t>{count, channels, side, side}) {
        throw DatasetError(imagesPath + ": shape differs from the manifest's " + std::to_string(count) + " x " +
                           std::to_string(channels) + " x " + std::to_string(side) + " x " + std::to_string(side));
      }
      if (e.contains("labels")) {
        const std::string labelsPath = (fs::path(spec.path) / e.at("labels").get<std::string>()).string();
        s.labels = mapNpy(labelsPath, "<i8", shape);
        if (shape != std::vector<std::int64_t>{count}) throw DatasetError(labelsPath + ": not " + std::to_string(count) + " labels");
      } else {
        s.labels = torch::full({count}, -1, torch::kInt64);
      }
      data.splits.push_back(std::move(s));
    }
  } catch (const nlohmann::json::exception& e) {
    throw DatasetError(spec.path + "/manifest.json: " + e.what());
  }
  return data;
}

}  // namespace datasets

namespace {

// "1,234,567"
std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

DatasetEntry describePrepared(const fs::path& dir) {
  DatasetEntry e;
  e.kind = "prepared";
  e.path = dir.string();
  try {
    const Json m = readManifest(e.path);
    std::string splits;
    std::uintmax_t bytes = 0;
    for (const auto& s : m.at("splits")) {
      splits += (splits.empty() ? "" : ", ") + thousands(s.at("count").get<std::int64_t>()) + " " + s.at("split").get<std::string>();
      for (const char* key : {"images", "labels"}) {
        std::error_code ec;
        if (!s.contains(key)) continue;
        const auto size = fs::file_size(dir / s.at(key).get<std::string>(), ec);
        if (!ec) bytes += size;
      }
    }
    const auto side = std::to_string(m.at("image_size").get<int>());
    const auto classes = m.at("class_names").size();
    e.description = "Prepared: " + splits + " images, " + std::to_string(m.at("channels").get<int>()) + "x" + side + "x" +
                    side + ", " + (classes ? std::to_string(classes) + " classes" : std::string("unlabelled")) + ", " +
                    formatFixed(double(bytes) / 1e6, 1) + " MB";
    e.available = true;
  } catch (const std::exception& ex) {
    e.description = std::string("Prepared dataset that cannot be read: ") + ex.what();
  }
  return e;
}

}  // namespace

std::vector<DatasetEntry> findPreparedDatasets(const std::string& folder) {
  std::vector<DatasetEntry> out;
  std::error_code ec;
  if (folder.empty() || !fs::is_directory(folder, ec)) return out;
  if (fs::exists(fs::path(folder) / "manifest.json", ec)) return {describePrepared(folder)};
  std::vector<fs::path> dirs;
  for (fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code ec2;
    if (it->is_directory(ec2) && fs::exists(it->path() / "manifest.json", ec2)) dirs.push_back(it->path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) out.push_back(describePrepared(d));
  return out;
}

bool verifyPreparedDataset(const std::string& folder, std::string* why) {
  try {
    const Json m = readManifest(folder);
    for (const auto& [file, expected] : m.at("checksums").items()) {
      std::vector<std::int64_t> shape;
      const std::string path = (fs::path(folder) / file).string();
      const auto t = mapNpy(path, file.find("labels") != std::string::npos ? "<i8" : "|u1", shape);
      const auto* p = static_cast<const std::uint8_t*>(t.data_ptr());
      std::uint32_t crc = std::uint32_t(crc32_z(0L, Z_NULL, 0));
      crc = std::uint32_t(crc32_z(crc, p, std::size_t(t.numel() * t.element_size())));
      if ("crc32:" + crcText(crc) != expected.get<std::string>()) {
        if (why) *why = path + ": checksum " + crcText(crc) + ", the manifest says " + expected.get<std::string>();
        return false;
      }
    }
    return true;
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return false;
  }
}

}  // namespace pretext

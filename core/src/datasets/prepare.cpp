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
#include "io/jsonread.h"

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
#include <memory>
#include <exception>
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

// The CRC-32 of `n` bytes of the file `fd` from `offset`, in slices on every core, combined (zlib's
// crc32_combine). Read through the file in 4 MiB pieces, not through a mapping: the process never
// holds more than a piece a thread, whatever the size of the array.
std::uint32_t parallelCrc32(int fd, std::size_t offset, std::size_t n, const std::string& path) {
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t slice = std::max<std::size_t>(std::size_t(64) << 20, (n + threads - 1) / threads);
  const std::size_t parts = n == 0 ? 1 : (n + slice - 1) / slice;
  std::vector<std::uint32_t> crcs(parts);
  std::vector<std::thread> pool;
  std::mutex errorMutex;
  std::string error;
  for (std::size_t k = 0; k < parts; ++k) {
    pool.emplace_back([&, k] {
      const std::size_t from = k * slice, len = std::min(slice, n - std::min(n, from));
      std::vector<std::uint8_t> piece(std::min<std::size_t>(len, std::size_t(4) << 20));
      std::uint32_t crc = std::uint32_t(crc32_z(0L, Z_NULL, 0));
      for (std::size_t at = 0; at < len;) {
        const ssize_t got = ::pread(fd, piece.data(), std::min(piece.size(), len - at), off_t(offset + from + at));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          std::lock_guard<std::mutex> lock(errorMutex);
          error = sysError("cannot read back", path);
          return;
        }
        crc = std::uint32_t(crc32_z(crc, piece.data(), std::size_t(got)));
        at += std::size_t(got);
      }
      crcs[k] = crc;
    });
  }
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  std::uint32_t crc = crcs[0];
  for (std::size_t k = 1; k < parts; ++k) {
    crc = std::uint32_t(crc32_combine(crc, crcs[k], z_off_t(std::min(slice, n - k * slice))));
  }
  return crc;
}

// A .npy file of up to `rows` rows of `rowBytes`, mapped for writing.
class NpyWriter {
 public:
  /// `keep`: map the file an interrupted run left (its size must be the one expected) instead of
  /// creating it empty.
  NpyWriter(std::string path, const char* descr, std::vector<std::int64_t> rowShape, std::int64_t rows, bool keep = false)
      : m_path(std::move(path)), m_descr(descr), m_rowShape(std::move(rowShape)) {
    m_rowBytes = rowBytes(descr, m_rowShape);
    m_fd = ::open(m_path.c_str(), keep ? O_RDWR | O_CLOEXEC : O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_fd < 0) throw std::runtime_error(sysError(keep ? "cannot open" : "cannot create", m_path));
    m_size = fileBytes(descr, m_rowShape, rows);
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
  /// The bytes of one row ("|u1": 1 a value, "<i8": 8) and of the whole file for `rows` rows.
  static std::int64_t rowBytes(const char* descr, const std::vector<std::int64_t>& rowShape) {
    std::int64_t bytes = descr[1] == 'i' ? 8 : 1;
    for (auto s : rowShape) bytes *= s;
    return bytes;
  }
  static std::size_t fileBytes(const char* descr, const std::vector<std::int64_t>& rowShape, std::int64_t rows) {
    return kNpyHeader + std::size_t(rows * rowBytes(descr, rowShape));
  }
  ~NpyWriter() {
    if (m_base) ::munmap(m_base, m_size);
    if (m_fd >= 0) ::close(m_fd);
  }
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  std::uint8_t* row(std::int64_t i) { return m_base + kNpyHeader + i * m_rowBytes; }
  std::int64_t rowBytes() const { return m_rowBytes; }

  /// Row `i` written through the file (the page cache the mapping shares): cheaper than storing into
  /// the mapping, whose every new page is a fault.
  void writeRow(std::int64_t i, const std::uint8_t* data) { writeRows(i, data, 1); }
  /// Rows i .. i + count - 1, the same way.
  void writeRows(std::int64_t i, const std::uint8_t* data, std::int64_t count) {
    std::size_t left = std::size_t(count * m_rowBytes);
    off_t at = off_t(kNpyHeader + std::size_t(i * m_rowBytes));
    while (left > 0) {
      const ssize_t n = ::pwrite(m_fd, data, left, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(sysError("cannot write", m_path));
      data += n;
      at += n;
      left -= std::size_t(n);
    }
  }

  /// Waits until what was written to the mapping so far is on disk.
  void sync() {
    if (::msync(m_base, m_size, MS_SYNC) != 0) throw std::runtime_error(sysError("cannot write", m_path));
  }

  /// Keeps the first `rows` rows: the header says so, the file is cut there and synced. Returns the
  /// CRC-32 of the data.
  std::uint32_t finish(std::int64_t rows) {
    std::vector<std::int64_t> shape{rows};
    shape.insert(shape.end(), m_rowShape.begin(), m_rowShape.end());
    const std::string h = npyHeader(m_descr, shape);
    std::memcpy(m_base, h.data(), h.size());
    const std::size_t bytes = std::size_t(rows * m_rowBytes);
    const std::uint32_t crc = parallelCrc32(m_fd, kNpyHeader, bytes, m_path);
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
  std::vector<datasets::FolderScan::File> files;            // folder route
  std::shared_ptr<const datasets::RecordSource> source;    // dataset route: read by ranges of records
  std::vector<std::int64_t> rows;                          // the source's records in order (empty: all)
  std::int64_t kept = 0;
  std::vector<std::string> keptPaths;
  std::int64_t count() const {
    return source ? (rows.empty() ? source->count : std::int64_t(rows.size())) : std::int64_t(files.size());
  }
};

void syncFolder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// What a resume knows of a source file's contents without reading it: its size and modification
// time in nanoseconds; nothing (ok false) for a file that cannot be stat-ed.
struct FileStamp {
  bool ok = false;
  std::int64_t size = 0, mtimeNs = 0;
};

FileStamp fileStamp(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, std::int64_t(st.st_size), std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + std::int64_t(st.st_mtim.tv_nsec)};
}

// The stamps of a chunk of files folded into a 64-bit FNV-1a hash. A file that cannot be stat-ed
// folds in -1s, so it differs from any file that could.
struct ChunkStamp {
  std::uint64_t hash = 14695981039346656037ull;
  void add(const std::string& path) {
    const FileStamp f = fileStamp(path);
    const std::int64_t v[2] = {f.ok ? f.size : -1, f.ok ? f.mtimeNs : -1};
    const auto* b = reinterpret_cast<const std::uint8_t*>(v);
    for (std::size_t i = 0; i < sizeof v; ++i) {
      hash ^= b[i];
      hash *= 1099511628211ull;
    }
  }
  std::string text() const {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
    return buf;
  }
};

struct Clock {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
};

}  // namespace

PrepareSource inspectPrepareSource(const std::string& source) {
  PrepareSource out;
  try {
    DatasetSpec spec = DatasetSpec::parse(source);
    out.kind = spec.kind;
    out.path = spec.path;
    if (spec.kind == "folder" || spec.kind == "prepared" || spec.kind == "shapes") return out;
    // The binary kinds: their records' counts and shape from file sizes and headers.
    spec.loadUnlabeled = true;
    const datasets::DatasetRecords records = datasets::openRecords(spec);
    out.name = records.name;
    for (const auto& r : records.splits) {
      out.images += r->count;
      if (!r->files.empty()) out.path = fs::path(r->files.front()).parent_path().string();
    }
    const auto& shape = records.splits.front()->shape;
    out.channels = int(shape.at(0));
    out.height = int(shape.at(1));
    out.width = int(shape.at(2));
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

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
  std::vector<std::int64_t> resizeFrom;  // a dataset spec resized: its own height and width

  auto cancelled = [&] { return cancel && cancel->load(); };
  double lastListingReport = -1;
  auto reportListing = [&](std::int64_t found, bool force) {
    if (cancelled()) throw PrepareCancelled();  // nothing written yet
    const double now = clock.seconds();
    if (!progress || (!force && now - lastListingReport < 0.1)) return;
    lastListingReport = now;
    PrepareProgress p;
    p.done = found;
    p.seconds = now;
    p.listing = true;
    progress(p);
  };

  if (folderRoute) {
    reportListing(0, true);
    auto scan = datasets::scanImageFolder(spec.path, o.unlabelled, [&](std::int64_t found) { reportListing(found, false); });
    reportListing(std::int64_t(scan.train.size() + scan.test.size()), true);
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
    outs.push_back({scan.labelled ? Split::Train : Split::Unlabeled, std::move(scan.train), nullptr, {}, 0, {}});
    if (!scan.test.empty()) outs.push_back({Split::Test, std::move(scan.test), nullptr, {}, 0, {}});
    // The channels of the first file that decodes: 1 for gray, 3 for anything else.
    for (const auto& f : outs.front().files) {
      if (cancelled()) throw PrepareCancelled();
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
    // Read by ranges of records straight into the output: never the whole set in memory. STL-10's
    // unlabelled images are packed beside its labelled train and test splits.
    spec.loadUnlabeled = true;
    const datasets::DatasetRecords records = datasets::openRecords(spec);
    result.classNames = records.classNames;
    result.labelled = !records.classNames.empty();
    const auto& shape = records.splits.front()->shape;
    if (o.resizeDataset) {
      resizeFrom = {shape.at(1), shape.at(2)};
      if (shape[1] == o.imageSize && shape[2] == o.imageSize) resizeFrom.clear();  // already that size
    }
    if (resizeFrom.empty() && (shape.size() != 3 || shape[1] != shape[2])) {
      throw DatasetError(o.source + ": images of " + std::to_string(shape.at(1)) + " x " + std::to_string(shape.at(2)) +
                         " pixels; a prepared dataset holds square images");
    }
    result.channels = int(shape[0]);
    result.imageSize = resizeFrom.empty() ? int(shape[1]) : o.imageSize;
    for (const auto& r : records.splits) outs.push_back({r->split, {}, r, {}, 0, {}});
    const auto has = [&](Split split) {
      return std::find_if(outs.begin(), outs.end(), [&](const SplitOut& s) { return s.split == split; });
    };
    if (result.labelled && has(Split::Test) == outs.end() && o.testFraction > 0 && has(Split::Train) != outs.end()) {
      auto& train = *has(Split::Train);
      const std::int64_t n = train.source->count;
      std::vector<std::int64_t> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), std::int64_t(0));
      std::mt19937_64 rng(o.seed);
      std::shuffle(order.begin(), order.end(), rng);
      const std::int64_t k = std::llround(o.testFraction * double(n));
      if (k == 0 || k >= n) {
        throw std::invalid_argument("--test-fraction " + std::to_string(o.testFraction) + " of " + std::to_string(n) +
                                    " images leaves an empty split");
      }
      std::vector<std::int64_t> testRows(order.begin(), order.begin() + k), trainRows(order.begin() + k, order.end());
      std::sort(testRows.begin(), testRows.end());
      std::sort(trainRows.begin(), trainRows.end());
      train.rows = std::move(trainRows);
      SplitOut test{Split::Test, {}, train.source, std::move(testRows), 0, {}};
      outs.push_back(std::move(test));
    }
  }

  result.times.listing = clock.seconds();
  fs::path outDir = fs::absolute(o.out).lexically_normal();
  if (outDir.filename().empty()) outDir = outDir.parent_path();  // "out/"
  const fs::path partial = outDir.string() + ".partial";
  const fs::path recordPath = partial / "progress.json";
  std::error_code ec;
  if (fs::exists(outDir, ec) && !isPreparedDataset(outDir.string()) &&
      !(fs::is_directory(outDir, ec) && fs::is_empty(outDir, ec))) {
    throw std::invalid_argument(outDir.string() + " exists and is not a prepared dataset: give another --out");
  }
  const bool resumable = o.resume;

  std::int64_t total = 0;
  for (const auto& s : outs) total += s.count();
  const int threads = o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency()));

  // What a run's OUT.partial must match to be continued: every option that changes a pixel or the
  // order, and the source files themselves (paths and labels in manifest order). The files'
  // contents are checked per chunk (ChunkStamp: sizes and modification times), so that a file
  // edited in place since costs its chunk, not the whole resume. A dataset spec's few large files
  // are identified by their sizes and modification times here: any change restarts.
  Json fingerprint;
  fingerprint["version"] = kVersion;
  fingerprint["source"] = sourceText;
  fingerprint["image_size"] = result.imageSize;
  fingerprint["channels"] = result.channels;
  const char* resizeName = folderRoute || !resizeFrom.empty() ? datasets::resizeModeName(mode) : "none";
  fingerprint["resize"] = resizeName;
  fingerprint["strict"] = o.strict;
  fingerprint["unlabelled"] = o.unlabelled;
  fingerprint["test_fraction"] = o.testFraction;
  fingerprint["seed"] = o.seed;
  fingerprint["max_pixels"] = o.maxPixels;
  fingerprint["exact_decode"] = o.exactDecode;
  {
    Json files = Json::array();
    for (const auto& s : outs) {
      std::uint32_t crc = std::uint32_t(crc32_z(0L, Z_NULL, 0));
      auto add = [&](const std::string& line) {
        crc = std::uint32_t(crc32_z(crc, reinterpret_cast<const Bytef*>(line.data()), line.size()));
      };
      for (const auto& f : s.files) add(f.path + "\t" + std::to_string(f.label) + "\n");
      if (s.source) {
        for (const auto& f : s.source->files) {
          const FileStamp st = fileStamp(f);  // zeros when it cannot be stat-ed
          add(f + "\t" + std::to_string(st.size) + "\t" + std::to_string(st.mtimeNs / 1'000'000'000) + "." +
              std::to_string(st.mtimeNs % 1'000'000'000) + "\n");
        }
      }
      files.push_back({{"split", splitName(s.split)}, {"count", s.count()}, {"crc32", crcText(crc)}});
    }
    fingerprint["files"] = files;
  }
  const char* optionName[][2] = {{"source", "the source folder"},       {"image_size", "--image-size"},
                                 {"channels", "the channels"},          {"resize", "--resize"},
                                 {"strict", "--strict"},                {"unlabelled", "--unlabelled"},
                                 {"test_fraction", "--test-fraction"},  {"seed", "--seed"},
                                 {"max_pixels", "--max-pixels"},        {"exact_decode", "--exact-decode"},
                                 {"files", folderRoute ? "the list of source files" : "the source files (size or modification time)"},
                                 {"version", "the format version"}};

  // Each split's images: one .npy in OUT.partial, rows of [C, H, W] uint8.
  const std::vector<std::int64_t> imageRow{result.channels, result.imageSize, result.imageSize};
  const auto imagesPath = [&](Split split) { return partial / (std::string(splitName(split)) + "_images.npy"); };
  const auto labelsPath = [&](Split split) { return partial / (std::string(splitName(split)) + "_labels.npy"); };

  // Chunks of images: the unit of work and of the record. A resumed run keeps the record's size.
  std::int64_t chunk = std::clamp<std::int64_t>(total / (std::int64_t(threads) * 16), 8, 256);
  std::vector<std::vector<std::uint8_t>> chunkDone(outs.size());  // recorded as done (on disk)
  std::vector<std::vector<std::string>> chunkStamps(outs.size());  // each done chunk's files as decoded
  std::vector<std::vector<std::string>> reasons(outs.size());
  std::int64_t changedImages = 0;  // in done chunks whose files changed since: decoded again
  std::string firstChanged;
  std::string notice;  // resuming, or why not
  bool resuming = false;
  if (resumable && fs::exists(partial, ec)) {
    std::string why;
    try {
      if (!fs::exists(recordPath, ec)) {
        why = "it holds no progress record (interrupted before its first chunk of images, or while finishing)";
      } else {
        namespace jr = io::jsonread;
        const Json record = jr::parseObject(io::readTextFile(recordPath.string()), "");
        const Json& before = jr::required(record, "fingerprint");
        for (const auto& [key, label] : optionName) {
          if (!before.contains(key) || before.at(key) != fingerprint.at(key)) {
            why = std::string(label) + " differs";
            if (key != std::string("files") && before.contains(key)) {
              why += " (" + before.at(key).dump() + " then, " + fingerprint.at(key).dump() + " now)";
            }
            break;
          }
        }
        if (why.empty()) {
          chunk = jr::wholeNumber(record, "chunk");
          if (chunk < 1) throw std::runtime_error("bad chunk size");
          const Json& splits = jr::array(record, "splits");
          if (splits.size() != outs.size()) throw std::runtime_error("splits differ");
          for (std::size_t k = 0; k < outs.size(); ++k) {
            const std::int64_t n = outs[k].count();
            const std::string bits = jr::text(splits[k], "done");
            if (std::int64_t(bits.size()) != (n + chunk - 1) / chunk) throw std::runtime_error("chunk map size differs");
            const std::string stamps = jr::text(splits[k], "stamps");
            if (stamps.size() != 16 * bits.size()) throw std::runtime_error("stamp list size differs");
            chunkDone[k].assign(bits.size(), 0);
            chunkStamps[k].assign(bits.size(), std::string());
            for (std::size_t c = 0; c < bits.size(); ++c) {
              chunkDone[k][c] = bits[c] == '1';
              if (chunkDone[k][c]) chunkStamps[k][c] = stamps.substr(16 * c, 16);
            }
            reasons[k].assign(std::size_t(n), std::string());
            for (const auto& [index, reason] : jr::required(splits[k], "skipped").items()) {
              const std::int64_t i = std::stoll(index);
              if (i < 0 || i >= n) throw std::runtime_error("skipped index out of range");
              if (!reason.is_string()) jr::badKey("skipped", "'" + index + "': expected a string, found " + reason.type_name());
              reasons[k][std::size_t(i)] = reason.get<std::string>();
            }
            const std::uintmax_t want = NpyWriter::fileBytes("|u1", imageRow, n);
            const auto have = fs::file_size(imagesPath(outs[k].split), ec);
            if (ec || have != want) throw std::runtime_error(std::string(splitName(outs[k].split)) + "_images.npy has the wrong size");
            if (outs[k].source && outs[k].split != Split::Unlabeled &&
                fs::file_size(labelsPath(outs[k].split), ec) != NpyWriter::fileBytes("<i8", {}, n)) {
              throw std::runtime_error(std::string(splitName(outs[k].split)) + "_labels.npy has the wrong size");
            }
          }
          resuming = true;
          // Each done chunk's files as they are now (stat only, on the decoding threads): a chunk
          // holding a file whose size or modification time changed since it was decoded is decoded
          // again, the rest is kept.
          struct Item {
            std::size_t split;
            std::size_t chunk;
          };
          std::vector<Item> items;
          for (std::size_t k = 0; k < outs.size(); ++k) {
            for (std::size_t c = 0; c < chunkDone[k].size(); ++c) {
              if (chunkDone[k][c]) items.push_back({k, c});
            }
          }
          std::vector<std::uint8_t> changed(items.size(), 0);
          std::atomic<std::size_t> nextItem{0};
          auto check = [&] {
            for (std::size_t w; (w = nextItem.fetch_add(1)) < items.size();) {
              const auto& files = outs[items[w].split].files;
              const std::size_t from = items[w].chunk * std::size_t(chunk), to = std::min(files.size(), from + std::size_t(chunk));
              ChunkStamp stamp;
              for (std::size_t i = from; i < to; ++i) stamp.add(files[i].path);
              changed[w] = stamp.text() != chunkStamps[items[w].split][items[w].chunk];
            }
          };
          std::vector<std::thread> checkers;
          for (int t = 1; t < std::min<int>(threads, int(std::max<std::size_t>(1, items.size() / 16))); ++t) checkers.emplace_back(check);
          check();
          for (auto& t : checkers) t.join();
          for (std::size_t w = 0; w < items.size(); ++w) {
            if (!changed[w]) continue;
            const std::size_t k = items[w].split, c = items[w].chunk;
            const std::int64_t n = std::int64_t(outs[k].files.size());
            const std::int64_t from = std::int64_t(c) * chunk, to = std::min(n, from + chunk);
            chunkDone[k][c] = 0;
            chunkStamps[k][c].clear();
            for (std::int64_t i = from; i < to; ++i) reasons[k][std::size_t(i)].clear();
            changedImages += to - from;
            if (firstChanged.empty()) firstChanged = outs[k].files[std::size_t(from)].path;
          }
        }
      }
    } catch (const std::exception& e) {
      why = "its progress record " + recordPath.filename().string() + " cannot be used (" + e.what() + ")";
    }
    if (!resuming) {
      result.restarted = why;
      notice = "restarting: " + partial.string() + " was left by a different or unfinished prepare: " + why;
    }
  }
  if (!resuming) {
    // A fresh OUT.partial: whatever an interrupted run left there goes first.
    fs::remove_all(partial, ec);
    if (ec) throw std::runtime_error("cannot remove " + partial.string() + ": " + ec.message());
    io::makeDirectories(partial.string());
    for (std::size_t k = 0; k < outs.size(); ++k) {
      const std::int64_t n = outs[k].count();
      chunkDone[k].assign(std::size_t((n + chunk - 1) / chunk), 0);
      chunkStamps[k].assign(chunkDone[k].size(), std::string());
      reasons[k].assign(std::size_t(n), std::string());
    }
  }

  std::atomic<std::int64_t> done{0};
  bool noticed = notice.empty();
  auto report = [&] {
    if (!progress) return;
    PrepareProgress p;
    p.done = done.load();
    p.total = total;
    p.seconds = clock.seconds();
    if (!noticed) p.message = notice;
    noticed = true;
    progress(p);
  };
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
  manifest["resize"] = resizeName;
  if (folderRoute) {
    manifest["decode"] = o.exactDecode ? "exact"
                                       : "jpeg-dct-scaled (a JPEG at least 2, 4 or 8 times the size decoded at 1/2, 1/4 or 1/8 "
                                         "by libjpeg, then resized; --exact-decode: full size)";
  }
  manifest["labelled"] = result.labelled;
  manifest["class_names"] = result.classNames;
  manifest["splits"] = Json::array();
  Json skipped = Json::array();
  Json checksums = Json::object();

#ifdef PRETEXT_HAVE_OPENCV
  const int cvThreads = cv::getNumThreads();
  cv::setNumThreads(1);  // the pool is the parallelism; OpenCV's own threads would only compete
  struct RestoreCv {
    int n;
    ~RestoreCv() { cv::setNumThreads(n); }
  } restoreCv{cvThreads};
#endif

  // Every split's array, sized for all its files, open at once: the chunks of all splits are one
  // list of work, and a resumed run finds each where it was.
  // A dataset spec's labels too, written with its images (an image folder's at the end, in the
  // order the kept files leave).
  std::vector<std::unique_ptr<NpyWriter>> writers, labelWriters;
  for (const auto& s : outs) {
    writers.push_back(std::make_unique<NpyWriter>(imagesPath(s.split).string(), "|u1", imageRow, s.count(), resuming));
    labelWriters.push_back(s.source && s.split != Split::Unlabeled
                               ? std::make_unique<NpyWriter>(labelsPath(s.split).string(), "<i8", std::vector<std::int64_t>{},
                                                             s.count(), resuming)
                               : nullptr);
  }

  {
    const double decodingStart = clock.seconds();
    struct Work {
      std::size_t split;
      std::int64_t chunk;
    };
    std::vector<Work> work;
    for (std::size_t k = 0; k < outs.size(); ++k) {
      const std::int64_t n = outs[k].count();
      for (std::int64_t c = 0; c < std::int64_t(chunkDone[k].size()); ++c) {
        if (chunkDone[k][std::size_t(c)]) {
          const std::int64_t m = std::min(chunk, n - c * chunk);
          done += m;
          result.resumed += m;
        } else {
          work.push_back({k, c});
        }
      }
    }
    if (resuming) {
      notice = "resuming " + partial.string() + ": " + std::to_string(result.resumed) + " of " + std::to_string(total) +
               " images were done by an earlier run";
      if (changedImages > 0) {
        notice += "; " + std::to_string(changedImages) +
                  " more are decoded again because source files among them changed since (size or modification time; "
                  "the first chunk starts at " + firstChanged + ")";
      }
      result.changed = changedImages;
      noticed = false;
    }
    // finished[w]: work item w is decoded into the mapping (set by its worker, release).
    std::vector<std::atomic<std::uint8_t>> finished(work.size());
    for (auto& f : finished) f.store(0);
    std::vector<std::string> workStamps(work.size());  // set before finished[w]
    std::vector<std::uint8_t> recorded(work.size(), 0);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> itemsDone{0};
    std::mutex timesMutex;
    std::exception_ptr writeError;
    auto worker = [&] {
      datasets::DecodeTimes times;
      std::vector<std::uint8_t> slot;
      std::vector<std::int64_t> labels;
      std::vector<std::uint8_t> native;  // a dataset spec's records at their own size, when resized
      while (!stop.load(std::memory_order_relaxed)) {
        const std::size_t w = next.fetch_add(1);
        if (w >= work.size()) break;
        auto& s = outs[work[w].split];
        auto& why = reasons[work[w].split];
        NpyWriter& images = *writers[work[w].split];
        const std::int64_t n = s.count();
        const std::int64_t from = work[w].chunk * chunk, to = std::min(n, from + chunk);
        bool whole = true;
        ChunkStamp stamp;
        if (s.source) {
          // A range of records: read, then written as one piece (labels beside).
          const std::int64_t m = to - from;
          try {
            auto t = std::chrono::steady_clock::now();
            slot.resize(std::size_t(m * images.rowBytes()));
            labels.resize(std::size_t(m));
            const std::int64_t recordBytes = s.source->imageBytes();
            std::uint8_t* into = slot.data();
            if (!resizeFrom.empty()) {
              native.resize(std::size_t(m * recordBytes));
              into = native.data();
            }
            if (s.rows.empty()) {
              s.source->read(from, m, into, labels.data());
            } else {
              for (std::int64_t j = 0; j < m; ++j) s.source->read(s.rows[std::size_t(from + j)], 1, into + j * recordBytes, labels.data() + j);
            }
            auto t2 = std::chrono::steady_clock::now();
            times.read += std::chrono::duration<double>(t2 - t).count();
            if (!resizeFrom.empty()) {
              for (std::int64_t j = 0; j < m; ++j) {
                const std::string why = datasets::resizePlanarInto(native.data() + j * recordBytes, result.channels, int(resizeFrom[0]),
                                                                   int(resizeFrom[1]), result.imageSize, mode,
                                                                   slot.data() + j * images.rowBytes());
                if (!why.empty()) throw DatasetError(sourceText + ": " + splitName(s.split) + " image " + std::to_string(from + j) + ": " + why);
              }
              const auto t3 = std::chrono::steady_clock::now();
              times.resize += std::chrono::duration<double>(t3 - t2).count();
              t2 = t3;
            }
            images.writeRows(from, slot.data(), m);
            if (auto& l = labelWriters[work[w].split]) l->writeRows(from, reinterpret_cast<const std::uint8_t*>(labels.data()), m);
            times.store += std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
            done.fetch_add(m);
          } catch (...) {  // a source that cannot be read, or the disk: the whole prepare
            std::lock_guard<std::mutex> lock(timesMutex);
            if (!writeError) writeError = std::current_exception();
            stop = true;
            whole = false;
          }
        }
        for (std::int64_t i = s.source ? to : from; i < to; ++i) {
          if (stop.load(std::memory_order_relaxed)) {
            whole = false;
            break;
          }
          // Before the read: a file changed after its stat differs from its stamp at the resume.
          if (resumable) stamp.add(s.files[std::size_t(i)].path);
          try {
            slot.resize(std::size_t(images.rowBytes()));
            why[std::size_t(i)] = datasets::decodeImageInto(s.files[std::size_t(i)].path, result.imageSize, result.channels, mode,
                                                            o.maxPixels, slot.data(), &times, o.exactDecode);
          } catch (const std::exception& e) {  // out of memory in a decoder: this file, not the process
            why[std::size_t(i)] = std::string("cannot decode the image (") + e.what() + ")";
          }
          if (why[std::size_t(i)].empty()) {
            auto t = std::chrono::steady_clock::now();
            try {
              images.writeRow(i, slot.data());
            } catch (...) {  // a write error (the disk): the whole prepare, not this file
              std::lock_guard<std::mutex> lock(timesMutex);
              if (!writeError) writeError = std::current_exception();
              stop = true;
              whole = false;
              break;
            }
            times.store += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
          }
          if (o.strict && !why[std::size_t(i)].empty()) stop = true;
          done.fetch_add(1);
        }
        if (whole) {
          workStamps[w] = stamp.text();
          finished[w].store(1, std::memory_order_release);
        }
        itemsDone.fetch_add(1);
      }
      std::lock_guard<std::mutex> lock(timesMutex);
      result.times.read += times.read;
      result.times.decode += times.decode;
      result.times.resize += times.resize;
      result.times.store += times.store;
    };
    // The record: the chunks whose data is on disk (synced first), and the reasons of their
    // skipped files; replaced atomically, so a kill at any moment leaves a true one.
    auto writeRecord = [&] {
      if (!resumable) return;
      std::vector<std::size_t> fresh;
      for (std::size_t w = 0; w < work.size(); ++w) {
        if (!recorded[w] && finished[w].load(std::memory_order_acquire)) fresh.push_back(w);
      }
      if (fresh.empty() && fs::exists(recordPath, ec)) return;
      for (auto& wr : writers) wr->sync();
      for (auto& wr : labelWriters) {
        if (wr) wr->sync();
      }
      for (const auto w : fresh) {
        recorded[w] = 1;
        chunkDone[work[w].split][std::size_t(work[w].chunk)] = 1;
        chunkStamps[work[w].split][std::size_t(work[w].chunk)] = workStamps[w];
      }
      Json record;
      record["format"] = "pretext-prepare-progress";
      record["fingerprint"] = fingerprint;
      record["chunk"] = chunk;
      record["splits"] = Json::array();
      for (std::size_t k = 0; k < outs.size(); ++k) {
        std::string bits(chunkDone[k].size(), '0'), stamps(16 * chunkDone[k].size(), '0');
        Json skip = Json::object();
        const std::int64_t n = outs[k].count();
        for (std::size_t c = 0; c < bits.size(); ++c) {
          if (!chunkDone[k][c]) continue;
          bits[c] = '1';
          stamps.replace(16 * c, 16, chunkStamps[k][c]);
          for (std::int64_t i = std::int64_t(c) * chunk; i < std::min(n, std::int64_t(c + 1) * chunk); ++i) {
            if (!reasons[k][std::size_t(i)].empty()) skip[std::to_string(i)] = reasons[k][std::size_t(i)];
          }
        }
        record["splits"].push_back({{"split", splitName(outs[k].split)}, {"done", bits}, {"stamps", stamps}, {"skipped", skip}});
      }
      io::writeFileAtomic(recordPath.string(), record.dump());
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < std::min<std::int64_t>(threads, std::max<std::int64_t>(1, std::int64_t(work.size()))); ++t) {
      pool.emplace_back(worker);
    }
    bool wasCancelled = false;
    double lastRecord = clock.seconds();
    try {
      report();
      while (itemsDone.load() < work.size() && !stop.load()) {
        if (cancelled()) {
          wasCancelled = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        report();
        if (clock.seconds() - lastRecord >= o.recordSeconds) {
          writeRecord();
          lastRecord = clock.seconds();
        }
      }
    } catch (...) {
      stop = true;
      for (auto& t : pool) t.join();
      throw;
    }
    stop = true;
    for (auto& t : pool) t.join();
    result.times.decoding = clock.seconds() - decodingStart;
    if (writeError) std::rethrow_exception(writeError);
    // The decoding's last count, reported before the cancel is looked at: a cancel asked at any
    // report of the decoding, this one included, keeps the record of the chunks done. (A decoding
    // shorter than the loop's first sleep reports nothing in the loop.)
    if (!wasCancelled) report();
    if (wasCancelled || cancelled()) {
      if (!resumable) abandon();
      writeRecord();  // what was finished stays for the next run
      throw PrepareCancelled();
    }
    if (o.strict) {
      for (std::size_t k = 0; k < outs.size(); ++k) {
        for (std::size_t i = 0; i < reasons[k].size(); ++i) {
          if (reasons[k][i].empty()) continue;
          fs::remove_all(partial, ec);
          throw DatasetError(outs[k].files[i].path + ": " + reasons[k][i] + " (--strict: unreadable files are fatal)");
        }
      }
    }
    // From here on the arrays are compacted in place: a run interrupted now starts afresh.
    fs::remove(recordPath, ec);
  }

  const double finishStart = clock.seconds();
  for (std::size_t k = 0; k < outs.size(); ++k) {
    auto& s = outs[k];
    NpyWriter& images = *writers[k];
    const std::string name = splitName(s.split);
    const std::int64_t n = s.count();
    const std::string imagesFile = name + "_images.npy", labelsFile = name + "_labels.npy";
    std::vector<std::int64_t> labels;
    if (folderRoute) {
      // Manifest order: the kept images move up over the holes the skipped ones left.
      std::int64_t kept = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const auto& f = s.files[std::size_t(i)];
        const std::string& why = reasons[k][std::size_t(i)];
        if (!why.empty()) {
          result.skipped.push_back({f.path, why});
          skipped.push_back({{"path", f.path}, {"reason", why}});
          continue;
        }
        if (kept != i) std::memcpy(images.row(kept), images.row(i), std::size_t(images.rowBytes()));
        s.keptPaths.push_back(f.path);
        labels.push_back(f.label);
        ++kept;
      }
      s.kept = kept;
    } else {
      s.kept = n;  // every record; the labels are in their file already
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
    if (labelWriters[k]) {
      checksums[labelsFile] = "crc32:" + crcText(labelWriters[k]->finish(s.kept));
      entry["labels"] = labelsFile;
    } else if (s.split != Split::Unlabeled) {
      NpyWriter labelWriter((partial / labelsFile).string(), "<i8", {}, s.kept);
      std::memcpy(labelWriter.row(0), labels.data(), labels.size() * sizeof(std::int64_t));
      checksums[labelsFile] = "crc32:" + crcText(labelWriter.finish(s.kept));
      entry["labels"] = labelsFile;
    }
    if (folderRoute) entry["files"] = s.keptPaths;
    manifest["splits"].push_back(entry);
    if (s.split == Split::Test) result.testImages = s.kept;
    else if (s.split == Split::Unlabeled && result.labelled) result.unlabeledImages = s.kept;
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
  result.times.finish = result.seconds - finishStart;
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

/// What a prepared dataset's manifest.json says, as its readers below use it.
struct Manifest {
  struct Entry {
    std::string split;           // "train", "test" or "unlabeled" (as written; loadPrepared checks it)
    std::int64_t count = 0;
    std::string images, labels;  // file names in the folder; labels empty for an unlabelled split
  };
  std::vector<std::string> classNames;
  std::int64_t imageSize = 0, channels = 0;
  std::vector<Entry> splits;
  bool hasChecksums = false;
  std::vector<std::pair<std::string, std::string>> checksums;  // file name, "crc32:..."
};

/// FOLDER/manifest.json, read and checked: a DatasetError naming the file, and the key of a value
/// that is missing or of another type.
Manifest readManifest(const std::string& folder) {
  namespace jr = io::jsonread;
  const std::string path = (fs::path(folder) / "manifest.json").string();
  if (!io::fileExists(path)) throw DatasetError(folder + ": not a prepared dataset (no manifest.json)");
  Manifest out;
  try {
    const Json m = jr::parseObject(io::readTextFile(path), "");
    if (jr::text(m, "format", "") != kFormat) throw DatasetError(path + ": not a Pretext prepared-dataset manifest");
    const std::int64_t version = jr::wholeNumber(m, "version", 0);
    if (version > kVersion) {
      throw DatasetError(path + ": format version " + std::to_string(version) +
                         " was written by a newer Pretext (this one reads version " + std::to_string(kVersion) + ")");
    }
    out.classNames = jr::texts(m, "class_names");
    out.imageSize = jr::wholeNumber(m, "image_size");
    out.channels = jr::wholeNumber(m, "channels");
    for (const Json& e : jr::array(m, "splits")) {
      Manifest::Entry entry;
      entry.split = jr::text(e, "split");
      entry.count = jr::wholeNumber(e, "count");
      entry.images = jr::text(e, "images");
      entry.labels = jr::text(e, "labels", "");
      out.splits.push_back(std::move(entry));
    }
    if (const Json* sums = jr::object(m, "checksums")) {
      out.hasChecksums = true;
      for (const auto& [file, sum] : sums->items()) {
        if (!sum.is_string()) jr::badKey("checksums", "'" + file + "': expected a string, found " + sum.type_name());
        out.checksums.emplace_back(file, sum.get<std::string>());
      }
    }
  } catch (const DatasetError&) {
    throw;
  } catch (const std::exception& e) {
    throw DatasetError(path + ": " + e.what());
  }
  return out;
}

}  // namespace

namespace datasets {

DatasetData loadPrepared(const DatasetSpec& spec) {
  DatasetData data;
  const Manifest m = readManifest(spec.path);
  data.name = "Prepared " + fs::path(spec.path).lexically_normal().filename().string();
  if (data.name == "Prepared ") data.name = "Prepared " + fs::path(spec.path).lexically_normal().parent_path().filename().string();
  data.classNames = m.classNames;
  const std::int64_t side = m.imageSize, channels = m.channels;
  for (const auto& e : m.splits) {
    SplitData s;
    const std::string& name = e.split;
    if (name == "train") s.split = Split::Train;
    else if (name == "test") s.split = Split::Test;
    else if (name == "unlabeled") s.split = Split::Unlabeled;
    else throw DatasetError(spec.path + "/manifest.json: unknown split '" + name + "'");
    const std::int64_t count = e.count;
    std::vector<std::int64_t> shape;
    const std::string imagesPath = (fs::path(spec.path) / e.images).string();
    s.images = mapNpy(imagesPath, "|u1", shape);
    if (shape != std::vector<std::int64_t>{count, channels, side, side}) {
      throw DatasetError(imagesPath + ": shape differs from the manifest's " + std::to_string(count) + " x " +
                         std::to_string(channels) + " x " + std::to_string(side) + " x " + std::to_string(side));
    }
    if (!e.labels.empty()) {
      const std::string labelsPath = (fs::path(spec.path) / e.labels).string();
      s.labels = mapNpy(labelsPath, "<i8", shape);
      if (shape != std::vector<std::int64_t>{count}) throw DatasetError(labelsPath + ": not " + std::to_string(count) + " labels");
    } else {
      s.labels = torch::full({count}, -1, torch::kInt64);
    }
    data.splits.push_back(std::move(s));
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
    const Manifest m = readManifest(e.path);
    std::string splits;
    std::uintmax_t bytes = 0;
    for (const auto& s : m.splits) {
      splits += (splits.empty() ? "" : ", ") + thousands(s.count) + " " + s.split;
      for (const std::string* file : {&s.images, &s.labels}) {
        std::error_code ec;
        if (file->empty()) continue;
        const auto size = fs::file_size(dir / *file, ec);
        if (!ec) bytes += size;
      }
    }
    const auto side = std::to_string(m.imageSize);
    const auto classes = m.classNames.size();
    e.description = "Prepared: " + splits + " images, " + std::to_string(m.channels) + "x" + side + "x" +
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
    const Manifest m = readManifest(folder);
    if (!m.hasChecksums) throw DatasetError((fs::path(folder) / "manifest.json").string() + ": 'checksums': missing");
    for (const auto& [file, expected] : m.checksums) {
      std::vector<std::int64_t> shape;
      const std::string path = (fs::path(folder) / file).string();
      const auto t = mapNpy(path, file.find("labels") != std::string::npos ? "<i8" : "|u1", shape);
      const auto* p = static_cast<const std::uint8_t*>(t.data_ptr());
      std::uint32_t crc = std::uint32_t(crc32_z(0L, Z_NULL, 0));
      crc = std::uint32_t(crc32_z(crc, p, std::size_t(t.numel() * t.element_size())));
      if ("crc32:" + crcText(crc) != expected) {
        if (why) *why = path + ": checksum " + crcText(crc) + ", the manifest says " + expected;
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

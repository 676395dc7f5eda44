// pretext::Dataset, DatasetSpec and the default locations of the datasets.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"
#include "pretext/prepare.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <random>

#include <zlib.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pretext {

namespace fs = std::filesystem;

const char* splitName(Split split) {
  switch (split) {
    case Split::Train: return "train";
    case Split::Test: return "test";
    case Split::Unlabeled: return "unlabeled";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// DatasetSpec

namespace {

const std::vector<std::string>& knownKinds() {
  static const std::vector<std::string> kinds{"fashion-mnist", "mnist", "cifar10", "cifar100",
                                              "stl10", "folder", "shapes", "prepared"};
  return kinds;
}

bool isKnownKind(const std::string& k) {
  const auto& kinds = knownKinds();
  return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

bool hasIdx(const fs::path& dir, const std::string& prefix) {
  for (const char* sep : {"-images-idx3-ubyte", "-images.idx3-ubyte"}) {
    for (const char* ext : {"", ".gz"}) {
      if (fs::exists(dir / (prefix + sep + ext))) return true;
    }
  }
  return false;
}

// The folder an archive extracts to, when the user points at the folder holding it: CIFAR-10's
// cifar-10-batches-bin/, CIFAR-100's cifar-100-binary/, STL-10's stl10_binary/.
fs::path standardChild(const std::string& kind, const fs::path& dir) {
  static const std::vector<std::pair<std::string, std::string>> children{
      {"cifar10", "cifar-10-batches-bin"}, {"cifar100", "cifar-100-binary"}, {"stl10", "stl10_binary"}};
  std::error_code ec;
  for (const auto& [k, child] : children) {
    if ((kind.empty() || kind == k) && fs::is_directory(dir / child, ec)) return dir / child;
  }
  return {};
}

// Detects the kind of dataset stored at `path` from the files it holds.
std::string detectKind(const fs::path& dir) {
  if (fs::exists(dir / "manifest.json")) return "prepared";
  const std::string lower = [&] {
    std::string s = dir.string();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  }();
  if (hasIdx(dir, "train") || hasIdx(dir, "t10k")) {
    return lower.find("fashion") != std::string::npos ? "fashion-mnist" : "mnist";
  }
  if (fs::exists(dir / "data_batch_1.bin") || fs::exists(dir / "test_batch.bin")) return "cifar10";
  if (fs::exists(dir / "fine_label_names.txt") ||
      ((fs::exists(dir / "train.bin") || fs::exists(dir / "test.bin")) && lower.find("100") != std::string::npos)) {
    return "cifar100";
  }
  if (fs::exists(dir / "train_X.bin") || fs::exists(dir / "test_X.bin") || fs::exists(dir / "unlabeled_X.bin")) {
    return "stl10";
  }
  return "folder";
}

}  // namespace

DatasetSpec DatasetSpec::parse(const std::string& text) {
  DatasetSpec spec;
  const auto colon = text.find(':');
  const std::string head = text.substr(0, colon);
  if (isKnownKind(head)) {
    spec.kind = head;
    if (colon != std::string::npos) spec.path = text.substr(colon + 1);
    return spec;
  }
  if (text.empty()) throw DatasetError("no dataset given");
  fs::path path(text);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    std::string kinds;
    for (const auto& k : knownKinds()) kinds += (kinds.empty() ? "" : ", ") + k;
    throw DatasetError("'" + text + "' is neither a dataset kind (" + kinds + ") nor an existing file or folder");
  }
  if (!fs::is_directory(path, ec)) path = path.parent_path();
  if (const fs::path child = standardChild("", path); !child.empty()) path = child;
  spec.kind = detectKind(path);
  spec.path = path.string();
  return spec;
}

std::string DatasetSpec::toString() const {
  return path.empty() ? kind : kind + ":" + path;
}

// ---------------------------------------------------------------------------------------------
// DatasetData

const SplitData* DatasetData::find(Split split) const {
  for (const auto& s : splits) {
    if (s.split == split) return &s;
  }
  return nullptr;
}

const SplitData& DatasetData::get(Split split) const {
  const SplitData* s = find(split);
  if (!s) throw DatasetError(name + " has no " + splitName(split) + " split");
  return *s;
}

void DatasetData::validate() const {
  if (splits.empty()) throw DatasetError(name + ": no images found");
  const auto& first = splits.front().images;
  for (const auto& s : splits) {
    const std::string where = name + " (" + splitName(s.split) + ")";
    if (s.images.dim() != 4 || s.images.scalar_type() != torch::kUInt8) {
      throw DatasetError(where + ": images must be uint8 [N, C, H, W]");
    }
    if (s.images.size(0) == 0) throw DatasetError(where + ": the split is empty");
    if (s.images.sizes().slice(1) != first.sizes().slice(1)) {
      throw DatasetError(where + ": image shape differs between splits");
    }
    if (s.labels.dim() != 1 || s.labels.size(0) != s.images.size(0)) {
      throw DatasetError(where + ": " + std::to_string(s.labels.numel()) + " labels for " +
                         std::to_string(s.images.size(0)) + " images");
    }
    if (s.split != Split::Unlabeled && s.labels.numel() > 0) {
      const auto lo = s.labels.min().item<int64_t>(), hi = s.labels.max().item<int64_t>();
      if (lo < 0 || hi >= int64_t(classNames.size())) {
        throw DatasetError(where + ": label " + std::to_string(lo < 0 ? lo : hi) + " outside 0.." +
                           std::to_string(classNames.size() - 1));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dataset

Dataset::Dataset() = default;
Dataset::Dataset(std::shared_ptr<const DatasetData> data) : m_data(std::move(data)) {}

namespace {

// The folder an archive extracted to, when the spec names the folder holding it.
DatasetSpec resolved(const DatasetSpec& given) {
  DatasetSpec spec = given;
  if (!spec.path.empty()) {
    if (const fs::path child = standardChild(spec.kind, spec.path); !child.empty()) spec.path = child.string();
  }
  return spec;
}

const std::vector<std::string>& fashionMnistClasses() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

const std::vector<std::string>& digitClasses() {
  static const std::vector<std::string> names{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

}  // namespace

Dataset Dataset::load(const DatasetSpec& given) {
  DatasetData data;
  const DatasetSpec spec = resolved(given);
  if (spec.kind == "fashion-mnist") {
    DatasetSpec s = spec;
    if (s.path.empty()) s.path = defaultFashionMnistPath();
    data = datasets::loadIdx(s, "Fashion-MNIST", fashionMnistClasses());
  } else if (spec.kind == "mnist") {
    if (spec.path.empty()) throw DatasetError("MNIST: give the folder holding its IDX files (mnist:/path)");
    data = datasets::loadIdx(spec, "MNIST", digitClasses());
  } else if (spec.kind == "cifar10" || spec.kind == "cifar100") {
    if (spec.path.empty()) throw DatasetError(spec.kind + ": give the folder holding its .bin files");
    data = datasets::loadCifar(spec, spec.kind == "cifar100");
  } else if (spec.kind == "stl10") {
    if (spec.path.empty()) throw DatasetError("STL-10: give the folder holding its .bin files");
    data = datasets::loadStl10(spec);
  } else if (spec.kind == "folder") {
    data = datasets::loadImageFolder(spec);
  } else if (spec.kind == "shapes") {
    data = datasets::makeShapes(spec);
  } else if (spec.kind == "prepared") {
    if (spec.path.empty()) throw DatasetError("prepared: give the folder pretext-cli prepare wrote (prepared:DIR)");
    data = datasets::loadPrepared(spec);
  } else {
    throw DatasetError("unknown dataset kind '" + spec.kind + "'");
  }
  data.spec = given;
  data.validate();
  return Dataset(std::make_shared<const DatasetData>(std::move(data)));
}

static const DatasetData& checked(const std::shared_ptr<const DatasetData>& d) {
  if (!d) throw std::logic_error("empty pretext::Dataset");
  return *d;
}

const std::string& Dataset::name() const { return checked(m_data).name; }
const DatasetSpec& Dataset::spec() const { return checked(m_data).spec; }
int Dataset::channels() const { return int(checked(m_data).splits.front().images.size(1)); }
int Dataset::height() const { return int(checked(m_data).splits.front().images.size(2)); }
int Dataset::width() const { return int(checked(m_data).splits.front().images.size(3)); }
const std::vector<std::string>& Dataset::classNames() const { return checked(m_data).classNames; }
bool Dataset::hasSplit(Split split) const { return checked(m_data).find(split) != nullptr; }

std::vector<SplitInfo> Dataset::splits() const {
  std::vector<SplitInfo> out;
  for (const auto& s : checked(m_data).splits) {
    SplitInfo info;
    info.split = s.split;
    info.size = s.images.size(0);
    if (s.split != Split::Unlabeled && !m_data->classNames.empty()) {
      const auto counts = torch::bincount(s.labels, {}, int64_t(m_data->classNames.size()));
      info.classCounts.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::int64_t Dataset::size(Split split) const {
  const SplitData* s = checked(m_data).find(split);
  return s ? s->images.size(0) : 0;
}

int Dataset::label(Split split, std::int64_t index) const {
  const auto& s = checked(m_data).get(split);
  TORCH_CHECK(index >= 0 && index < s.labels.size(0), "image index ", index, " outside 0..", s.labels.size(0) - 1);
  return int(s.labels[index].item<int64_t>());
}

Image Dataset::image(Split split, std::int64_t index) const {
  const auto& s = checked(m_data).get(split);
  TORCH_CHECK(index >= 0 && index < s.images.size(0), "image index ", index, " outside 0..", s.images.size(0) - 1);
  return tensorToImage(s.images[index]);
}

std::vector<std::int64_t> Dataset::sampleIndices(Split split, int count, std::uint64_t draw) const {
  const auto& s = checked(m_data).get(split);
  const int64_t n = s.images.size(0);
  std::vector<int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  if (draw != 0) {
    std::mt19937_64 rng(draw);
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::vector<std::int64_t> out;
  const int classes = numClasses();
  if (count <= 0) return out;
  if (split == Split::Unlabeled || classes == 0) {
    out.assign(order.begin(), order.begin() + std::min<int64_t>(count, n));
    return out;
  }
  // Round-robin over the classes, each in the order above, so a grid shows every class. Draw 0
  // keeps the sample it has always given: at most count / classes (rounded up) of a class, fewer
  // images when some class has fewer. A new draw takes more of the other classes then.
  std::vector<std::vector<int64_t>> perClass(static_cast<std::size_t>(classes));
  const int64_t* labels = s.labels.data_ptr<int64_t>();
  const std::size_t cap = draw == 0 ? std::size_t((count + classes - 1) / classes) : std::size_t(count);
  for (const int64_t i : order) {
    const int64_t label = labels[i];
    if (label < 0 || label >= classes) continue;
    auto& bucket = perClass[std::size_t(label)];
    if (bucket.size() < cap) bucket.push_back(i);
  }
  const int first = int((draw * std::uint64_t(count)) % std::uint64_t(classes));
  for (std::size_t round = 0; int(out.size()) < count; ++round) {
    bool any = false;
    for (int c = 0; c < classes && int(out.size()) < count; ++c) {
      const auto& bucket = perClass[std::size_t((first + c) % classes)];
      if (round < bucket.size()) {
        out.push_back(bucket[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  // A new draw fills up with unlabelled images.
  if (draw != 0 && int(out.size()) < count) {
    std::vector<bool> taken(static_cast<std::size_t>(n), false);
    for (const auto i : out) taken[std::size_t(i)] = true;
    for (std::size_t k = 0; k < order.size() && int(out.size()) < count; ++k) {
      if (!taken[std::size_t(order[k])]) out.push_back(order[k]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Locations

std::string defaultFashionMnistPath() {
  if (const char* env = std::getenv("PRETEXT_FASHION_MNIST"); env && *env) return env;
  return "/usr/share/datasets/fashion-mnist";
}

std::vector<DatasetEntry> findDatasets() {
  std::vector<DatasetEntry> out;
  auto addIfFound = [&](const std::string& kind, const fs::path& dir, const std::string& what) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return false;
    if (detectKind(dir) != kind) return false;
    for (const auto& e : out) {
      if (e.kind == kind && fs::equivalent(e.path, dir, ec)) return true;
    }
    out.push_back({kind, dir.string(), what, true});
    return true;
  };
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("PRETEXT_DATA"); env && *env) roots.emplace_back(env);
  if (const char* home = std::getenv("HOME"); home && *home) roots.emplace_back(fs::path(home) / ".local/share/pretext/datasets");
  roots.emplace_back("/usr/share/datasets");

  const std::string fm = defaultFashionMnistPath();
  if (!addIfFound("fashion-mnist", fm, "Fashion-MNIST, 70,000 28x28 gray images of clothing, 10 classes")) {
    out.push_back({"fashion-mnist", fm, "Fashion-MNIST (not found: install the dataset-fashion-mnist package)", false});
  }
  const std::vector<std::pair<std::string, std::vector<std::string>>> candidates{
      {"fashion-mnist", {"fashion-mnist", "fashion_mnist", "FashionMNIST"}},
      {"mnist", {"mnist", "MNIST"}},
      {"cifar10", {"cifar-10-batches-bin", "cifar10", "cifar-10"}},
      {"cifar100", {"cifar-100-binary", "cifar100", "cifar-100"}},
      {"stl10", {"stl10_binary", "stl10", "stl-10"}},
  };
  const std::map<std::string, std::string> descriptions{
      {"fashion-mnist", "Fashion-MNIST, 28x28 gray clothing, 10 classes"},
      {"mnist", "MNIST, 28x28 gray digits, 10 classes"},
      {"cifar10", "CIFAR-10, 32x32 colour, 10 classes"},
      {"cifar100", "CIFAR-100, 32x32 colour, 100 classes"},
      {"stl10", "STL-10, 96x96 colour, 10 classes + 100,000 unlabelled"},
  };
  for (const auto& root : roots) {
    for (const auto& [kind, names] : candidates) {
      for (const auto& name : names) addIfFound(kind, root / name, descriptions.at(kind));
    }
  }
  // Prepared datasets (pretext-cli prepare --out ROOT/NAME) in the same folders.
  for (const auto& root : roots) {
    for (auto& e : findPreparedDatasets(root.string())) {
      std::error_code ec;
      const bool seen = std::any_of(out.begin(), out.end(), [&](const DatasetEntry& o) {
        return o.kind == e.kind && fs::equivalent(o.path, e.path, ec);
      });
      if (!seen) out.push_back(std::move(e));
    }
  }
  out.push_back({"shapes", "", "Synthetic shapes, 32x32 colour, 8 classes, generated from a seed (needs nothing installed)", true});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading files

namespace datasets {

struct ByteReader::Impl {
  std::string path;
  gzFile gz = nullptr;
  std::FILE* plain = nullptr;
  std::uint64_t capacity = 0;
  std::uint64_t read = 0;
};

ByteReader::ByteReader(const std::string& path) : m_impl(std::make_unique<Impl>()) {
  m_impl->path = path;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw DatasetError("cannot open " + path + ": " + ec.message());
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gz) {
    m_impl->gz = gzopen(path.c_str(), "rb");
    if (!m_impl->gz) throw DatasetError("cannot open " + path);
    // zlib inflates ahead into a buffer twice this size: the most it reads past what was asked.
    gzbuffer(m_impl->gz, 1 << 18);
    // Deflate's best ratio is 1032:1 (258-byte matches coded in 2 bits); the gzip header and
    // trailer take at least 18 bytes.
    m_impl->capacity = std::uint64_t(size) * 1032 + 1024;
  } else {
    m_impl->plain = std::fopen(path.c_str(), "rb");
    if (!m_impl->plain) throw DatasetError("cannot open " + path + ": " + std::strerror(errno));
    m_impl->capacity = size;
  }
}

ByteReader::~ByteReader() {
  if (m_impl->gz) gzclose(m_impl->gz);
  if (m_impl->plain) std::fclose(m_impl->plain);
}

std::size_t ByteReader::read(std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const std::size_t want = std::min<std::size_t>(n - done, std::size_t(1) << 30);
    std::size_t got = 0;
    if (m_impl->gz) {
      const int r = gzread(m_impl->gz, out + done, unsigned(want));
      if (r < 0) {
        int err = 0;
        const std::string msg = gzerror(m_impl->gz, &err);
        throw DatasetError(m_impl->path + ": corrupt gzip data (" + msg + ")");
      }
      got = std::size_t(r);
    } else {
      got = std::fread(out + done, 1, want, m_impl->plain);
      if (got < want && std::ferror(m_impl->plain)) {
        throw DatasetError("cannot read " + m_impl->path + ": " + std::strerror(errno));
      }
    }
    done += got;
    if (got < want) break;
  }
  if (m_impl->gz && done < n) {
    // The end of the data, or a stream cut short: gzread reports the latter only through gzerror.
    int err = 0;
    const std::string msg = gzerror(m_impl->gz, &err);
    if (err != Z_OK && err != Z_STREAM_END) throw DatasetError(m_impl->path + ": corrupt gzip data (" + msg + ")");
  }
  m_impl->read += done;
  return done;
}

std::uint64_t ByteReader::capacity() const { return m_impl->capacity; }
std::uint64_t ByteReader::bytesRead() const { return m_impl->read; }
bool ByteReader::gzipped() const { return m_impl->gz != nullptr; }
const std::string& ByteReader::path() const { return m_impl->path; }

struct GzipRanges::Impl {
  std::string path;
  std::uint64_t offset = 0, size = 0;  // the data: [offset, offset + size) of what the file inflates to
  std::size_t lookBehind = 0, piece = 0;
  std::mutex mutex;
  std::unique_ptr<ByteReader> in;  // opened at the first read, and again at each restart
  std::uint64_t pos = 0;           // bytes of the stream inflated so far
  std::uint64_t kept = 0;          // of those, the last `kept` are in `ring`, at their position % ring.size()
  bool probed = false;             // the bytes after the data were looked for
  std::vector<std::uint8_t> ring, buffer;
  std::uint64_t restarts = 0, inflated = 0;

  // Copies between the ring and `p` for stream positions [at, at + n), n <= ring.size().
  void put(std::uint64_t at, const std::uint8_t* p, std::size_t n) {
    const std::size_t start = std::size_t(at % ring.size()), first = std::min(n, ring.size() - start);
    std::memcpy(ring.data() + start, p, first);
    std::memcpy(ring.data(), p + first, n - first);
  }
  void get(std::uint64_t at, std::uint8_t* p, std::size_t n) const {
    const std::size_t start = std::size_t(at % ring.size()), first = std::min(n, ring.size() - start);
    std::memcpy(p, ring.data() + start, first);
    std::memcpy(p + first, ring.data(), n - first);
  }
  void restart() {
    in = std::make_unique<ByteReader>(path);
    if (pos > 0) ++restarts;
    pos = kept = 0;
  }
};

GzipRanges::GzipRanges(const std::string& path, std::uint64_t offset, std::uint64_t size, std::size_t lookBehind,
                       std::size_t piece)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->path = path;
  m_impl->offset = offset;
  m_impl->size = size;
  m_impl->lookBehind = std::max<std::size_t>(1, lookBehind);
  m_impl->piece = std::max<std::size_t>(1, piece);
}

GzipRanges::~GzipRanges() = default;

void GzipRanges::read(std::uint64_t from, std::size_t n, std::uint8_t* out) const {
  Impl& d = *m_impl;
  if (from > d.size || n > d.size - from) {
    throw std::out_of_range(d.path + ": bytes " + std::to_string(from) + ".." + std::to_string(from + n) + " outside the " +
                            std::to_string(d.size) + " bytes of data");
  }
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(d.mutex);
  if (d.ring.empty()) d.ring.resize(std::size_t(std::min<std::uint64_t>(d.lookBehind, d.offset + d.size)));
  const std::uint64_t a = d.offset + from, b = a + n, end = d.offset + d.size;
  if (!d.in || a < d.pos - d.kept) d.restart();  // before what is kept: from the beginning again
  // What was inflated already, from the ring.
  if (a < d.pos) d.get(a, out, std::size_t(std::min(b, d.pos) - a));
  // Then onwards, a piece at a time, up to the end of the data at most.
  d.buffer.resize(std::min<std::size_t>(d.piece, d.ring.size()));
  while (d.pos < b) {
    const std::size_t want = std::size_t(std::min<std::uint64_t>(d.buffer.size(), end - d.pos));
    const std::size_t got = d.in->read(d.buffer.data(), want);
    d.inflated += got;
    if (got > 0) {
      d.put(d.pos, d.buffer.data(), got);
      const std::uint64_t lo = std::max(a, d.pos), hi = std::min(b, d.pos + got);
      if (lo < hi) std::memcpy(out + (lo - a), d.buffer.data() + (lo - d.pos), std::size_t(hi - lo));
      d.pos += got;
      d.kept = std::min<std::uint64_t>(d.ring.size(), d.kept + got);
    }
    if (got < want) {
      throw DatasetError(d.path + ": truncated: the header promises " + std::to_string(d.size) +
                         " bytes of data, the file holds " + std::to_string(d.pos > d.offset ? d.pos - d.offset : 0));
    }
  }
  if (d.pos == end && !d.probed) {
    // Nothing may follow the data: a small probe, not whatever the file could inflate to.
    constexpr std::size_t kProbe = std::size_t(1) << 16;
    std::vector<std::uint8_t> probe(kProbe + 1);
    const std::size_t extra = d.in->read(probe.data(), probe.size());
    d.probed = true;
    if (extra > 0) {
      d.restart();  // the stream is past the data now
      const std::string count = extra > kProbe ? "more than " + std::to_string(kProbe) : std::to_string(extra);
      d.probed = false;
      throw DatasetError(d.path + ": " + count + " unexpected bytes after the " + std::to_string(d.size) +
                         " bytes of data its header promises");
    }
  }
}

std::uint64_t GzipRanges::restarts() const {
  std::lock_guard<std::mutex> lock(m_impl->mutex);
  return m_impl->restarts;
}

std::uint64_t GzipRanges::inflated() const {
  std::lock_guard<std::mutex> lock(m_impl->mutex);
  return m_impl->inflated;
}

PlainFile::PlainFile(const std::string& path) : m_path(path) {
  m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (m_fd < 0) throw DatasetError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st{};
  if (::fstat(m_fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(m_fd);
    throw DatasetError("cannot read " + path + ": " + why);
  }
  m_size = std::uint64_t(st.st_size);
}

PlainFile::~PlainFile() {
  if (m_fd >= 0) ::close(m_fd);
}

void PlainFile::readAt(std::uint64_t offset, std::uint8_t* out, std::size_t n) const {
  while (n > 0) {
    const ssize_t got = ::pread(m_fd, out, std::min<std::size_t>(n, std::size_t(1) << 30), off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw DatasetError("cannot read " + m_path + ": " + std::strerror(errno));
    if (got == 0) throw DatasetError("cannot read " + m_path + ": the file ends at byte " + std::to_string(offset) + " (it shrank while reading)");
    out += got;
    offset += std::uint64_t(got);
    n -= std::size_t(got);
  }
}

std::int64_t RecordSource::imageBytes() const {
  std::int64_t bytes = 1;
  for (auto s : shape) bytes *= s;
  return bytes;
}

SplitData readRecords(const RecordSource& source) {
  SplitData s;
  s.split = source.split;
  std::vector<std::int64_t> dims{source.count};
  dims.insert(dims.end(), source.shape.begin(), source.shape.end());
  s.images = torch::empty(dims, torch::kUInt8);
  s.labels = torch::empty({source.count}, torch::kInt64);
  const std::int64_t step = std::max<std::int64_t>(1, (std::int64_t(64) << 20) / std::max<std::int64_t>(1, source.imageBytes()));
  for (std::int64_t i = 0; i < source.count; i += step) {
    const std::int64_t n = std::min(step, source.count - i);
    source.read(i, n, s.images.data_ptr<std::uint8_t>() + i * source.imageBytes(), s.labels.data_ptr<std::int64_t>() + i);
  }
  return s;
}

namespace {

class TensorRecords : public RecordSource {
 public:
  explicit TensorRecords(const SplitData& s) : m_images(s.images.contiguous()), m_labels(s.labels.contiguous()) {
    split = s.split;
    count = m_images.size(0);
    shape.assign(m_images.sizes().begin() + 1, m_images.sizes().end());
    labelled = split != Split::Unlabeled;
  }
  void read(std::int64_t from, std::int64_t n, std::uint8_t* images, std::int64_t* labels) const override {
    TORCH_CHECK(from >= 0 && n >= 0 && from + n <= count, "records ", from, "..", from + n, " outside 0..", count);
    std::memcpy(images, m_images.data_ptr<std::uint8_t>() + from * imageBytes(), std::size_t(n * imageBytes()));
    std::memcpy(labels, m_labels.data_ptr<std::int64_t>() + from, std::size_t(n) * sizeof(std::int64_t));
  }

 private:
  torch::Tensor m_images, m_labels;
};

}  // namespace

std::shared_ptr<const RecordSource> tensorRecords(const SplitData& split) { return std::make_shared<TensorRecords>(split); }

DatasetRecords openRecords(const DatasetSpec& given) {
  const DatasetSpec spec = resolved(given);
  DatasetRecords r;
  if (spec.kind == "fashion-mnist") {
    DatasetSpec s = spec;
    if (s.path.empty()) s.path = defaultFashionMnistPath();
    r = idxRecords(s, "Fashion-MNIST", fashionMnistClasses());
  } else if (spec.kind == "mnist") {
    if (spec.path.empty()) throw DatasetError("MNIST: give the folder holding its IDX files (mnist:/path)");
    r = idxRecords(spec, "MNIST", digitClasses());
  } else if (spec.kind == "cifar10" || spec.kind == "cifar100") {
    if (spec.path.empty()) throw DatasetError(spec.kind + ": give the folder holding its .bin files");
    r = cifarRecords(spec, spec.kind == "cifar100");
  } else if (spec.kind == "stl10") {
    if (spec.path.empty()) throw DatasetError("STL-10: give the folder holding its .bin files");
    r = stl10Records(spec);
  } else {
    const Dataset ds = Dataset::load(given);
    r.name = ds.name();
    r.classNames = ds.classNames();
    for (const auto& s : ds.data().splits) r.splits.push_back(tensorRecords(s));
    return r;
  }
  for (const auto& s : r.splits) {
    if (s->count == 0) throw DatasetError(r.name + " (" + splitName(s->split) + "): the split is empty");
    if (s->shape != r.splits.front()->shape) throw DatasetError(r.name + " (" + splitName(s->split) + "): image shape differs between splits");
  }
  return r;
}

std::vector<std::uint8_t> readFileBytes(const std::string& path) {
  ByteReader in(path);
  std::vector<std::uint8_t> out;
  if (!in.gzipped()) {
    out.resize(std::size_t(in.capacity()));
    if (in.read(out.data(), out.size()) != out.size()) throw DatasetError("cannot read " + path + ": file shrank while reading");
    return out;
  }
  std::size_t used = 0;
  out.resize(1 << 22);
  while (true) {
    if (used == out.size()) out.resize(out.size() * 2);
    const std::size_t n = in.read(out.data() + used, out.size() - used);
    used += n;
    if (used < out.size()) break;
  }
  out.resize(used);
  return out;
}

}  // namespace datasets
}  // namespace pretext

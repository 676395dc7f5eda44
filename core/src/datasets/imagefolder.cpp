// Image folders: torchvision's ImageFolder layout (root/<class>/**, or root/train/<class>/** with
// root/test or root/val beside it) or an unlabelled tree of images. Decoded with OpenCV and resized
// to spec.imageSize. The folder scan and the decoder of one file serve `pretext-cli prepare` too
// (prepare.cpp), which skips the unreadable files that loading a folder directly refuses.
#include "datasets/datasetdata.h"
#include "datasets/imagefiles.h"
#include "io/fileutil.h"
#include "pretext/imagefile.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif
#ifdef PRETEXT_HAVE_LIBJPEG
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
#endif

namespace pretext::datasets {

namespace fs = std::filesystem;

namespace {

std::string lowerExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// Every image file under `dir`, at any depth (hidden files and folders left out), sorted by path.
// `found` (when set) hears the running count of image files every 256 entries; it may throw to stop.
std::vector<std::string> imagesUnder(const fs::path& dir, const ScanProgress& found = {}, std::int64_t before = 0) {
  std::vector<std::string> files;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw DatasetError("cannot read folder " + dir.string() + ": " + ec.message());
  std::int64_t seen = 0;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw DatasetError("cannot read folder " + dir.string() + ": " + ec.message());
    if (found && ++seen % 256 == 0) found(before + std::int64_t(files.size()));
    if (hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && isImageFile(it->path().string())) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> subfolders(const fs::path& root) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.is_directory() && !hidden(e.path())) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool holdsImagesDirectly(const fs::path& root) {
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.is_regular_file() && !hidden(e.path()) && isImageFile(e.path().string())) return true;
  }
  return false;
}

std::vector<FolderScan::File> labelledFiles(const fs::path& root, const std::vector<std::string>& classes,
                                            const ScanProgress& found, std::int64_t before = 0) {
  std::vector<FolderScan::File> files;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const fs::path dir = root / classes[c];
    if (!fs::is_directory(dir)) continue;
    for (auto& p : imagesUnder(dir, found, before + std::int64_t(files.size()))) files.push_back({std::move(p), std::int64_t(c)});
  }
  return files;
}

std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]; }
std::uint32_t be16(const std::uint8_t* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
std::uint32_t le32(const std::uint8_t* p) { return std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0]; }
std::uint32_t le16(const std::uint8_t* p) { return std::uint32_t(p[1]) << 8 | p[0]; }

bool isJpeg(const std::uint8_t* d, std::size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }

// A JPEG's entropy-coded data ends with the end-of-image marker (FF D9); libjpeg decodes a file
// cut short without an error (it fills the rest with grey and warns), so look for the marker
// after the first start-of-scan.
bool jpegComplete(const std::uint8_t* d, std::size_t n) {
  std::size_t pos = 2;
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) return false;
    const std::uint8_t m = d[pos + 1];
    if (m == 0xFF) { ++pos; continue; }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { pos += 2; continue; }
    if (m == 0xD9) return false;  // end before any scan
    const std::size_t len = be16(d + pos + 2);
    if (m == 0xDA) {
      // From the end backwards: the marker is nearly always the file's last two bytes.
      for (std::size_t i = n - 1; i > pos + 2 + len; --i) {
        if (d[i] == 0xD9 && d[i - 1] == 0xFF) return true;
      }
      return false;
    }
    pos += 2 + len;
  }
  return false;
}

#ifdef PRETEXT_HAVE_OPENCV
double secondsSince(std::chrono::steady_clock::time_point& t) {
  const auto now = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

// The whole file into `bytes` (reused between calls): open, fstat, one read (more only when the
// file grew since), close.
void readAll(const std::string& path, std::vector<std::uint8_t>& bytes, std::string& why) {
  bytes.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::string("cannot open the file: ") + std::strerror(errno);
    return;
  }
  struct stat st{};
  std::size_t want = ::fstat(fd, &st) == 0 && st.st_size > 0 ? std::size_t(st.st_size) + 1 : 65536;
  std::size_t got = 0;
  bool bad = false;
  for (;;) {
    if (bytes.size() < got + want) bytes.resize(got + want);
    const ssize_t n = ::read(fd, bytes.data() + got, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      bad = true;
      break;
    }
    if (n == 0) break;
    got += std::size_t(n);
    if (std::size_t(n) < want) break;  // a regular file's short read is its end
    want = std::max<std::size_t>(65536, got);
  }
  ::close(fd);
  bytes.resize(got);
  if (bad) why = "read error";
  else if (bytes.empty()) why = "empty file (0 bytes)";
}

#ifdef PRETEXT_HAVE_LIBJPEG
// The Exif orientation of a JPEG (1 when it has none); 0 when an Exif block cannot be read.
int exifOrientation(const std::uint8_t* d, std::size_t n) {
  std::size_t pos = 2;
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) return 0;
    const std::uint8_t m = d[pos + 1];
    if (m == 0xFF) { ++pos; continue; }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { pos += 2; continue; }
    if (m == 0xDA || m == 0xD9) return 1;
    const std::size_t len = be16(d + pos + 2);
    if (m == 0xE1 && len >= 8 && pos + 2 + len <= n && std::memcmp(d + pos + 4, "Exif\0\0", 6) == 0) {
      const std::uint8_t* t = d + pos + 10;
      const std::size_t tn = len - 8;
      if (tn < 8) return 0;
      const bool ii = t[0] == 'I' && t[1] == 'I', mm = t[0] == 'M' && t[1] == 'M';
      if (!ii && !mm) return 0;
      auto u16 = [&](std::size_t at) { return ii ? le16(t + at) : be16(t + at); };
      auto u32 = [&](std::size_t at) { return ii ? le32(t + at) : be32(t + at); };
      const std::size_t ifd = u32(4);
      if (ifd + 2 > tn) return 0;
      const std::size_t entries = u16(ifd);
      for (std::size_t e = 0; e < entries; ++e) {
        const std::size_t at = ifd + 2 + 12 * e;
        if (at + 12 > tn) return 0;
        if (u16(at) == 0x0112) return int(u16(at + 8));
      }
      return 1;
    }
    pos += 2 + len;
  }
  return 1;
}

struct JpegError {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

extern "C" void jpegErrorExit(j_common_ptr cinfo) { std::longjmp(reinterpret_cast<JpegError*>(cinfo->err)->jump, 1); }
extern "C" void jpegSilent(j_common_ptr) {}

// What OpenCV's JPEG decoder does (libjpeg's defaults; out_color_space RGB for a colour request,
// GRAYSCALE for a gray one, DCT scaling 1/denom), without its final RGB -> BGR swap: the pixels are
// left RGB in `out` (rows x cols x channels, its buffer reused). False where OpenCV would do more
// (CMYK, an Exif orientation to apply) or libjpeg fails: the caller asks OpenCV then.
bool decodeJpegRgb(const std::vector<std::uint8_t>& bytes, int channels, int denom, cv::Mat& out) {
  const int orientation = exifOrientation(bytes.data(), bytes.size());
  if (orientation != 1) return false;
  jpeg_decompress_struct cinfo{};
  JpegError err{};
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpegErrorExit;
  err.pub.output_message = jpegSilent;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    out.release();
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, const_cast<unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.num_components == 4) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.scale_num = 1;
  cinfo.scale_denom = unsigned(denom);
  cinfo.out_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_start_decompress(&cinfo);
  if (int(cinfo.output_components) != channels) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  out.create(int(cinfo.output_height), int(cinfo.output_width), channels == 3 ? CV_8UC3 : CV_8UC1);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.ptr<std::uint8_t>(int(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}
#endif

// The checks every decode goes through: empty, too many pixels, a JPEG cut short, not decodable.
// `minSide` > 0: a JPEG whose sides are both at least 2, 4 or 8 times minSide is decoded at 1/2,
// 1/4 or 1/8 of its size by libjpeg's DCT scaling (IMREAD_REDUCED_*), which is several times faster
// for photos packed to a small size; the resize that follows does the rest.
// `rgb` (when set) allows a JPEG to come back RGB through libjpeg directly (*rgb says whether it did).
cv::Mat decodeChecked(const std::string& path, int flags, std::int64_t maxPixels, std::string& why, int minSide = 0,
                      DecodeTimes* times = nullptr, bool* rgb = nullptr) {
  thread_local std::vector<std::uint8_t> bytes;
  struct Shrink {  // one huge file does not keep its buffer in every thread
    ~Shrink() {
      if (bytes.capacity() > (std::size_t(16) << 20)) std::vector<std::uint8_t>().swap(bytes);
    }
  } shrink;
  auto t = std::chrono::steady_clock::now();
  readAll(path, bytes, why);
  if (times) times->read += secondsSince(t);
  if (!why.empty()) return {};
  std::int64_t w = 0, h = 0;
  if (readImageHeaderSize(bytes.data(), bytes.size(), w, h)) {
    if (w <= 0 || h <= 0) {
      why = "header gives an image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels";
      return {};
    }
    if (maxPixels > 0 && w * h > maxPixels) {
      why = "header promises " + std::to_string(w) + "x" + std::to_string(h) + " pixels, more than the limit of " +
            std::to_string(maxPixels) + " (--max-pixels)";
      return {};
    }
  }
  if (isJpeg(bytes.data(), bytes.size()) && !jpegComplete(bytes.data(), bytes.size())) {
    why = "truncated JPEG (no end-of-image marker after the scan data)";
    return {};
  }
  int denom = 1;
  if (minSide > 0 && w > 0 && h > 0 && isJpeg(bytes.data(), bytes.size()) &&
      (flags == cv::IMREAD_COLOR || flags == cv::IMREAD_GRAYSCALE)) {
    const std::int64_t shorter = std::min(w, h);
    const bool gray = flags == cv::IMREAD_GRAYSCALE;
    if (shorter >= 8 * std::int64_t(minSide)) flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8, denom = 8;
    else if (shorter >= 4 * std::int64_t(minSide)) flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4, denom = 4;
    else if (shorter >= 2 * std::int64_t(minSide)) flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2, denom = 2;
  }
  cv::Mat img;
  if (rgb) *rgb = false;
#ifdef PRETEXT_HAVE_LIBJPEG
  const bool plain = flags == cv::IMREAD_COLOR || flags == cv::IMREAD_GRAYSCALE || flags == cv::IMREAD_REDUCED_COLOR_2 ||
                     flags == cv::IMREAD_REDUCED_COLOR_4 || flags == cv::IMREAD_REDUCED_COLOR_8 ||
                     flags == cv::IMREAD_REDUCED_GRAYSCALE_2 || flags == cv::IMREAD_REDUCED_GRAYSCALE_4 ||
                     flags == cv::IMREAD_REDUCED_GRAYSCALE_8;
  const int want = flags == cv::IMREAD_COLOR || flags == cv::IMREAD_REDUCED_COLOR_2 || flags == cv::IMREAD_REDUCED_COLOR_4 ||
                           flags == cv::IMREAD_REDUCED_COLOR_8
                       ? 3
                       : 1;
  if (rgb && plain && isJpeg(bytes.data(), bytes.size()) && decodeJpegRgb(bytes, want, denom, img)) *rgb = true;
#else
  (void)denom;
#endif
  if (img.empty()) {
    try {
      img = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data())), flags);
    } catch (const cv::Exception& e) {
      why = "cannot decode the image (" + e.err + ")";
      return {};
    }
  }
  if (times) times->decode += secondsSince(t);
  if (img.empty()) why = "cannot decode the image (corrupt or not an image)";
  else if (maxPixels > 0 && std::int64_t(img.cols) * img.rows > maxPixels) {
    why = "decodes to " + std::to_string(img.cols) + "x" + std::to_string(img.rows) + " pixels, more than the limit of " +
          std::to_string(maxPixels) + " (--max-pixels)";
    img = cv::Mat();
  }
  return img;
}
#endif

}  // namespace

bool isImageFile(const std::string& path) {
  const std::string ext = lowerExtension(path);
  for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}) {
    if (ext == e) return true;
  }
  return false;
}

FolderScan scanImageFolder(const std::string& rootText, bool unlabelled, const ScanProgress& found) {
  const fs::path root(rootText);
  std::error_code ec;
  if (rootText.empty() || !fs::is_directory(root, ec)) throw DatasetError("image folder '" + rootText + "' not found");
  FolderScan scan;
  scan.root = rootText;
  fs::path trainRoot = root, testRoot;
  if (fs::is_directory(root / "train")) {
    for (const char* t : {"test", "val"}) {
      if (fs::is_directory(root / t)) {
        trainRoot = root / "train";
        testRoot = root / t;
        scan.testFolder = t;
        break;
      }
    }
  }
  if (unlabelled || holdsImagesDirectly(trainRoot)) {
    for (auto& p : imagesUnder(root, found)) scan.train.push_back({std::move(p), -1});
    scan.testFolder.clear();
    if (scan.train.empty()) throw DatasetError(rootText + ": no image files (.jpg .jpeg .png .bmp .webp .tif .tiff)");
    return scan;
  }
  scan.labelled = true;
  scan.classNames = subfolders(trainRoot);
  if (scan.classNames.empty()) {
    throw DatasetError(trainRoot.string() + ": no class folders and no images (expected root/<class>/*.png|jpg, or images anywhere below root)");
  }
  scan.train = labelledFiles(trainRoot, scan.classNames, found);
  if (scan.train.empty()) {
    throw DatasetError(trainRoot.string() + ": no .png/.jpg images in its class folders (expected root/<class>/*.png)");
  }
  if (!testRoot.empty()) {
    scan.test = labelledFiles(testRoot, scan.classNames, found, std::int64_t(scan.train.size()));
    if (scan.test.empty()) {
      throw DatasetError(testRoot.string() + ": no images in class folders named as in " + trainRoot.string());
    }
  }
  return scan;
}

ResizeMode parseResizeMode(const std::string& text) {
  if (text == "crop") return ResizeMode::Crop;
  if (text == "squash") return ResizeMode::Squash;
  throw std::invalid_argument("resize mode '" + text + "': expected crop or squash");
}

const char* resizeModeName(ResizeMode mode) { return mode == ResizeMode::Crop ? "crop" : "squash"; }

bool readImageHeaderSize(const std::uint8_t* d, std::size_t n, std::int64_t& width, std::int64_t& height) {
  static const std::uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 24 && std::equal(png, png + 8, d) && std::equal(d + 12, d + 16, "IHDR")) {
    width = be32(d + 16);
    height = be32(d + 20);
    return true;
  }
  if (isJpeg(d, n)) {
    std::size_t pos = 2;
    while (pos + 4 <= n) {
      if (d[pos] != 0xFF) return false;
      const std::uint8_t m = d[pos + 1];
      if (m == 0xFF) { ++pos; continue; }
      if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { pos += 2; continue; }
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
        if (pos + 9 > n) return false;
        height = be16(d + pos + 5);
        width = be16(d + pos + 7);
        return true;
      }
      if (m == 0xDA || m == 0xD9) return false;
      pos += 2 + be16(d + pos + 2);
    }
    return false;
  }
  if (n >= 26 && d[0] == 'B' && d[1] == 'M') {
    if (le32(d + 14) == 12) {
      width = le16(d + 18);
      height = le16(d + 20);
    } else {
      width = std::int32_t(le32(d + 18));
      height = std::llabs(std::int64_t(std::int32_t(le32(d + 22))));
    }
    return true;
  }
  if (n >= 30 && std::equal(d, d + 4, "RIFF") && std::equal(d + 8, d + 12, "WEBP")) {
    if (std::equal(d + 12, d + 16, "VP8X")) {
      width = 1 + (d[24] | d[25] << 8 | d[26] << 16);
      height = 1 + (d[27] | d[28] << 8 | d[29] << 16);
      return true;
    }
    if (std::equal(d + 12, d + 16, "VP8L") && n >= 25) {
      const std::uint32_t bits = le32(d + 21);
      width = 1 + (bits & 0x3FFF);
      height = 1 + ((bits >> 14) & 0x3FFF);
      return true;
    }
    if (std::equal(d + 12, d + 16, "VP8 ")) {
      width = le16(d + 26) & 0x3FFF;
      height = le16(d + 28) & 0x3FFF;
      return true;
    }
    return false;
  }
  const bool ii = n >= 8 && d[0] == 'I' && d[1] == 'I' && d[2] == 42 && d[3] == 0;
  const bool mm = n >= 8 && d[0] == 'M' && d[1] == 'M' && d[2] == 0 && d[3] == 42;
  if (ii || mm) {
    auto u16 = [&](std::size_t at) { return ii ? le16(d + at) : be16(d + at); };
    auto u32 = [&](std::size_t at) { return ii ? le32(d + at) : be32(d + at); };
    const std::size_t ifd = u32(4);
    if (ifd + 2 > n) return false;
    const std::size_t entries = u16(ifd);
    bool haveW = false, haveH = false;
    for (std::size_t e = 0; e < entries && ifd + 2 + 12 * (e + 1) <= n; ++e) {
      const std::size_t at = ifd + 2 + 12 * e;
      const std::uint32_t tag = u16(at), type = u16(at + 2);
      if (tag != 256 && tag != 257) continue;
      const std::int64_t value = type == 3 ? std::int64_t(u16(at + 8)) : std::int64_t(u32(at + 8));
      if (tag == 256) { width = value; haveW = true; }
      else { height = value; haveH = true; }
    }
    return haveW && haveH;
  }
  return false;
}

int probeChannels(const std::string& path) {
#ifdef PRETEXT_HAVE_OPENCV
  std::string why;
  const cv::Mat img = decodeChecked(path, cv::IMREAD_UNCHANGED, std::int64_t(1) << 28, why);
  if (img.empty()) return 0;
  return img.channels() == 1 ? 1 : 3;
#else
  (void)path;
  return 0;
#endif
}

#ifdef PRETEXT_HAVE_OPENCV
namespace {

// `img` to size x size in place: Squash scales each side; Crop is torchvision's Resize(size)
// (shorter side to size, the longer one int(size * long / short)) and CenterCrop(size) (offsets
// rounded). Returns why it failed, or an empty string.
std::string resizeSquare(cv::Mat& img, int size, ResizeMode mode) {
  try {
    if (mode == ResizeMode::Squash) {
      if (img.cols != size || img.rows != size) {
        cv::resize(img, img, cv::Size(size, size), 0, 0, img.cols > size ? cv::INTER_AREA : cv::INTER_LINEAR);
      }
    } else {
      int w = size, h = size;
      if (img.cols < img.rows) h = int(std::int64_t(size) * img.rows / img.cols);
      else w = int(std::int64_t(size) * img.cols / img.rows);
      if (img.cols != w || img.rows != h) {
        cv::resize(img, img, cv::Size(w, h), 0, 0, img.cols > w ? cv::INTER_AREA : cv::INTER_LINEAR);
      }
      const int left = int(std::lround((w - size) / 2.0)), top = int(std::lround((h - size) / 2.0));
      img = img(cv::Rect(left, top, size, size));
    }
  } catch (const cv::Exception& e) {
    return "cannot resize the image (" + e.err + ")";
  }
  return {};
}

}  // namespace
#endif

std::string resizePlanarInto(const std::uint8_t* chw, int channels, int height, int width, int size, ResizeMode mode,
                             std::uint8_t* out) {
#ifndef PRETEXT_HAVE_OPENCV
  (void)chw; (void)channels; (void)height; (void)width; (void)size; (void)mode; (void)out;
  return "resizing needs OpenCV, and this build has none (configure with -DPRETEXT_WITH_OPENCV=ON)";
#else
  const std::int64_t plane = std::int64_t(height) * width;
  cv::Mat img(height, width, channels == 1 ? CV_8UC1 : CV_8UC3);
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = img.ptr<std::uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) row[channels * x + c] = chw[c * plane + std::int64_t(y) * width + x];
    }
  }
  const std::string why = resizeSquare(img, size, mode);
  if (!why.empty()) return why;
  const std::int64_t outPlane = std::int64_t(size) * size;
  for (int y = 0; y < size; ++y) {
    const std::uint8_t* row = img.ptr<std::uint8_t>(y);
    for (int x = 0; x < size; ++x) {
      for (int c = 0; c < channels; ++c) out[c * outPlane + std::int64_t(y) * size + x] = row[channels * x + c];
    }
  }
  return {};
#endif
}

std::string decodeImageInto(const std::string& path, int size, int channels, ResizeMode mode, std::int64_t maxPixels,
                            std::uint8_t* out, DecodeTimes* times, bool exact) {
#ifndef PRETEXT_HAVE_OPENCV
  (void)path; (void)size; (void)channels; (void)mode; (void)maxPixels; (void)out; (void)times; (void)exact;
  return "image files need OpenCV, and this build has none (configure with -DPRETEXT_WITH_OPENCV=ON)";
#else
  std::string why;
  bool rgb = false;
  cv::Mat img = decodeChecked(path, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR, maxPixels, why, exact ? 0 : size, times, &rgb);
  if (img.empty()) return why;
  auto t = std::chrono::steady_clock::now();
  why = resizeSquare(img, size, mode);
  if (times) times->resize += secondsSince(t);
  if (!why.empty()) return why;
  // OpenCV's BGR (or libjpeg's RGB), HWC -> RGB, CHW in one pass (the resize above does not care
  // about the order).
  const std::int64_t plane = std::int64_t(size) * size;
  const int r = rgb ? 0 : 2, b = rgb ? 2 : 0;
  for (int y = 0; y < size; ++y) {
    const std::uint8_t* row = img.ptr<std::uint8_t>(y);
    std::uint8_t* dst = out + std::int64_t(y) * size;
    if (channels == 1) {
      std::memcpy(dst, row, std::size_t(size));
      continue;
    }
    for (int x = 0; x < size; ++x) {
      dst[x] = row[3 * x + r];
      dst[plane + x] = row[3 * x + 1];
      dst[2 * plane + x] = row[3 * x + b];
    }
  }
  if (times) times->store += secondsSince(t);
  return {};
#endif
}

namespace {

SplitData readSplit(const std::vector<FolderScan::File>& files, Split split, int size, int channels) {
  SplitData s;
  s.split = split;
  const int64_t n = int64_t(files.size());
  const int64_t bytes = int64_t(channels) * size * size;
  s.images = torch::empty({n, channels, size, size}, torch::kUInt8);
  s.labels = torch::empty({n}, torch::kInt64);
  auto* out = s.images.data_ptr<std::uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const auto& f = files[std::size_t(i)];
    const std::string why = decodeImageInto(f.path, size, channels, ResizeMode::Squash, 0, out + i * bytes);
    if (!why.empty()) {
      throw DatasetError(f.path + ": " + why + " (pretext-cli prepare skips unreadable files and lists them)");
    }
    s.labels[i] = f.label;
  }
  return s;
}

}  // namespace

DatasetData loadImageFolder(const DatasetSpec& spec) {
#ifndef PRETEXT_HAVE_OPENCV
  throw DatasetError(spec.path + ": image folders need OpenCV, and this build has none "
                     "(configure with -DPRETEXT_WITH_OPENCV=ON)");
#else
  if (spec.imageSize < 8 || spec.imageSize > 512) {
    throw DatasetError("image size " + std::to_string(spec.imageSize) + " outside 8..512");
  }
  const FolderScan scan = scanImageFolder(spec.path);
  DatasetData data;
  data.name = "Image folder " + fs::path(spec.path).filename().string();
  data.classNames = scan.classNames;
  const int channels = probeChannels(scan.train.front().path);
  if (channels == 0) {
    readSplit({scan.train.front()}, Split::Train, spec.imageSize, 3);  // throws naming the file and why
  }
  // Loaded directly, images are squashed to imageSize x imageSize (as Pretext always has);
  // `pretext-cli prepare --resize crop|squash` offers both.
  data.splits.push_back(readSplit(scan.train, scan.labelled ? Split::Train : Split::Unlabeled, spec.imageSize, channels));
  if (!scan.test.empty()) data.splits.push_back(readSplit(scan.test, Split::Test, spec.imageSize, channels));
  return data;
#endif
}

}  // namespace pretext::datasets

namespace pretext {

namespace {

void checkTarget(int channels, int size) {
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("images can be converted to 1 or 3 channels, not " + std::to_string(channels));
  }
  if (size < 1) throw std::invalid_argument("image size must be positive, got " + std::to_string(size));
}

}  // namespace

Image conformImage(const Image& image, int channels, int size, bool crop) {
  checkTarget(channels, size);
  if (image.empty() || image.width < 1 || image.height < 1) throw std::invalid_argument("the image is empty");
  if (image.channels != 1 && image.channels != 3 && image.channels != 4) {
    throw std::invalid_argument("images with " + std::to_string(image.channels) + " channels cannot be converted");
  }
#ifndef PRETEXT_HAVE_OPENCV
  throw std::runtime_error("converting images needs OpenCV, and this build has none (configure with -DPRETEXT_WITH_OPENCV=ON)");
#else
  const int type = image.channels == 1 ? CV_8UC1 : (image.channels == 3 ? CV_8UC3 : CV_8UC4);
  const cv::Mat in(image.height, image.width, type, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat img;
  if (channels == 1) {
    if (image.channels == 1) img = in.clone();
    else cv::cvtColor(in, img, image.channels == 3 ? cv::COLOR_RGB2GRAY : cv::COLOR_RGBA2GRAY);
  } else {
    if (image.channels == 1) cv::cvtColor(in, img, cv::COLOR_GRAY2RGB);
    else if (image.channels == 4) cv::cvtColor(in, img, cv::COLOR_RGBA2RGB);
    else img = in.clone();
  }
  const std::string why = datasets::resizeSquare(img, size, crop ? datasets::ResizeMode::Crop : datasets::ResizeMode::Squash);
  if (!why.empty()) throw std::runtime_error(why);
  Image out(size, size, channels);
  for (int y = 0; y < size; ++y) std::memcpy(out.at(0, y), img.ptr<std::uint8_t>(y), std::size_t(size) * channels);
  return out;
#endif
}

Image readImageFile(const std::string& path, int channels, int size, bool crop) {
  checkTarget(channels, size);
  std::vector<std::uint8_t> planar(std::size_t(channels) * size * size);
  const std::string why =
      datasets::decodeImageInto(path, size, channels, crop ? datasets::ResizeMode::Crop : datasets::ResizeMode::Squash,
                                std::int64_t(1) << 28, planar.data());
  if (!why.empty()) throw DatasetError(path + ": " + why);
  Image out(size, size, channels);
  const std::size_t plane = std::size_t(size) * size;
  for (std::size_t i = 0; i < plane; ++i)
    for (int c = 0; c < channels; ++c) out.pixels[i * std::size_t(channels) + std::size_t(c)] = planar[std::size_t(c) * plane + i];
  return out;
}

}  // namespace pretext

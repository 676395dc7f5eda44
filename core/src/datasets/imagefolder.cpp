// Image folders in torchvision's ImageFolder layout: root/<class>/*.png|jpg, or root/train/<class>/...
// with root/test (or root/val) beside it. Decoded with OpenCV and resized to spec.imageSize.
#include "datasets/datasetdata.h"
#include "io/fileutil.h"

#include <filesystem>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace pretext::datasets {

namespace fs = std::filesystem;

namespace {

bool isImageFile(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<std::string> classFolders(const fs::path& root) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.is_directory() && e.path().filename().string()[0] != '.') names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

#ifdef PRETEXT_HAVE_OPENCV
// cv::imread returns an empty image for most bad files but throws cv::Exception for some (a BMP
// header with a width over OpenCV's limit, found by fuzz_imagefolder): both become DatasetError.
cv::Mat decode(const std::string& path, int flags) {
  cv::Mat img;
  try {
    img = cv::imread(path, flags);
  } catch (const cv::Exception& e) {
    throw DatasetError(path + ": cannot decode the image (" + e.err + ")");
  }
  if (img.empty()) throw DatasetError(path + ": cannot decode the image (corrupt or not an image)");
  return img;
}

SplitData readSplit(const fs::path& root, const std::vector<std::string>& classes, Split split, int size,
                    int& channels) {
  std::vector<std::pair<fs::path, int64_t>> files;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const fs::path dir = root / classes[c];
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> inClass;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && isImageFile(e.path())) inClass.push_back(e.path());
    }
    std::sort(inClass.begin(), inClass.end());
    for (auto& p : inClass) files.emplace_back(std::move(p), int64_t(c));
  }
  if (files.empty()) {
    throw DatasetError(root.string() + ": no .png/.jpg images in its class folders (expected root/<class>/*.png)");
  }
  if (channels == 0) {
    const cv::Mat first = decode(files.front().first.string(), cv::IMREAD_UNCHANGED);
    channels = first.channels() == 1 ? 1 : 3;
  }
  SplitData s;
  s.split = split;
  const int64_t n = int64_t(files.size());
  s.images = torch::empty({n, channels, size, size}, torch::kUInt8);
  s.labels = torch::empty({n}, torch::kInt64);
  auto* out = s.images.data_ptr<std::uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const std::string path = files[std::size_t(i)].first.string();
    cv::Mat img = decode(path, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    if (img.cols != size || img.rows != size) {
      cv::resize(img, img, cv::Size(size, size), 0, 0,
                 img.cols > size ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    // HWC -> CHW
    std::uint8_t* dst = out + i * int64_t(channels) * size * size;
    for (int y = 0; y < size; ++y) {
      const std::uint8_t* row = img.ptr<std::uint8_t>(y);
      for (int x = 0; x < size; ++x) {
        for (int c = 0; c < channels; ++c) dst[(int64_t(c) * size + y) * size + x] = row[x * channels + c];
      }
    }
    s.labels[i] = files[std::size_t(i)].second;
  }
  return s;
}
#endif

}  // namespace

DatasetData loadImageFolder(const DatasetSpec& spec) {
#ifndef PRETEXT_HAVE_OPENCV
  throw DatasetError(spec.path + ": image folders need OpenCV, and this build has none "
                     "(configure with -DPRETEXT_WITH_OPENCV=ON)");
#else
  const fs::path root(spec.path);
  std::error_code ec;
  if (spec.path.empty() || !fs::is_directory(root, ec)) throw DatasetError("image folder '" + spec.path + "' not found");
  if (spec.imageSize < 8 || spec.imageSize > 512) {
    throw DatasetError("image size " + std::to_string(spec.imageSize) + " outside 8..512");
  }
  fs::path trainRoot = root, testRoot;
  for (const char* t : {"test", "val"}) {
    if (fs::is_directory(root / "train") && fs::is_directory(root / t)) {
      trainRoot = root / "train";
      testRoot = root / t;
      break;
    }
  }
  DatasetData data;
  data.name = "Image folder " + root.filename().string();
  data.classNames = classFolders(trainRoot);
  if (data.classNames.empty()) {
    throw DatasetError(trainRoot.string() + ": no class folders (expected root/<class>/*.png|jpg)");
  }
  int channels = 0;
  data.splits.push_back(readSplit(trainRoot, data.classNames, Split::Train, spec.imageSize, channels));
  if (!testRoot.empty()) data.splits.push_back(readSplit(testRoot, data.classNames, Split::Test, spec.imageSize, channels));
  return data;
#endif
}

}  // namespace pretext::datasets

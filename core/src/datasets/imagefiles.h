// A user's own image files: finding them in a folder (torchvision's ImageFolder layout or an
// unlabelled tree) and decoding one into a fixed-size uint8 [C, H, W] slot, with every reason a
// file can be unreadable reported as text instead of thrown, so that a caller can skip it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pretext::datasets {

/// What a folder holds. Labelled: root/<class>/** (torchvision's ImageFolder), the class names
/// sorted; root/train/<class> beside root/test/<class> (or root/val/<class>) gives two splits.
/// Unlabelled: every image file under root, at any depth, when root itself holds image files or
/// `unlabelled` is asked for. Files are in sorted order of their relative paths.
struct FolderScan {
  std::string root;
  bool labelled = false;
  std::vector<std::string> classNames;
  struct File {
    std::string path;
    std::int64_t label = -1;
  };
  std::vector<File> train;
  std::vector<File> test;  ///< empty without a test/ or val/ folder
  std::string testFolder;  ///< "test" or "val" when there is one
};

/// The extensions OpenCV decodes that a folder scan takes: .jpg .jpeg .png .bmp .webp .tif .tiff.
bool isImageFile(const std::string& path);

/// Hears the count of image files found so far while a folder is listed (every 256 entries); it
/// may throw to stop the listing (a cancel).
using ScanProgress = std::function<void(std::int64_t found)>;

/// Throws DatasetError naming the folder when it is missing or holds no image files.
FolderScan scanImageFolder(const std::string& root, bool unlabelled = false, const ScanProgress& found = {});

enum class ResizeMode {
  Crop,    ///< scale the shorter side to the size, then cut the centre square (torchvision's Resize + CenterCrop)
  Squash,  ///< scale each side to the size, ignoring the aspect ratio
};
ResizeMode parseResizeMode(const std::string& text);  ///< "crop" | "squash"; throws std::invalid_argument
const char* resizeModeName(ResizeMode mode);

/// Width and height from an image file's header (PNG, JPEG, BMP, WebP, TIFF), without decoding;
/// false when the header is not one of these or is cut short.
bool readImageHeaderSize(const std::uint8_t* data, std::size_t size, std::int64_t& width, std::int64_t& height);

/// The channels (1 or 3) an image file decodes to, or 0 when it cannot be decoded.
int probeChannels(const std::string& path);

/// Seconds spent in each stage of decodeImageInto, added up (one per thread, then summed).
struct DecodeTimes {
  double read = 0;    ///< open, read, close
  double decode = 0;  ///< header checks and the codec
  double resize = 0;  ///< resize and crop
  double store = 0;   ///< BGR HWC -> RGB CHW into the output slot
};

/// Decodes `path` and resizes it (a JPEG at least twice the size on its shorter side decoded at 1/2,
/// 1/4 or 1/8 by libjpeg's DCT scaling first, unless `exact`) to size x size into `out` (channels x size x size bytes, RGB or
/// gray, planar). Returns an empty string on success, else why the file is unreadable: empty,
/// header promising more than `maxPixels` pixels, a JPEG cut short, not an image OpenCV decodes.
std::string decodeImageInto(const std::string& path, int size, int channels, ResizeMode mode,
                            std::int64_t maxPixels, std::uint8_t* out, DecodeTimes* times = nullptr,
                            bool exact = false);

/// A planar uint8 image (channels x height x width, RGB or gray) resized as decodeImageInto does
/// to size x size into `out` (planar). Returns an empty string, or why it failed.
std::string resizePlanarInto(const std::uint8_t* chw, int channels, int height, int width, int size, ResizeMode mode,
                             std::uint8_t* out);

}  // namespace pretext::datasets

// Pictures from outside a dataset (a file, the clipboard) made the way a dataset's images were
// made, so that an encoder can take them as queries: plain types only.
#pragma once

#include "pretext/image.h"

#include <string>

namespace pretext {

/// A picture (gray, RGB or RGBA) made the way image folders are read: gray for channels == 1
/// (OpenCV's RGB-to-gray weights), RGB for 3 (alpha dropped), then to size x size (area averaging
/// down, bilinear up): `crop`, the shorter side scaled to `size` and the centre square cut
/// (torchvision's Resize + CenterCrop, `pretext-cli prepare --resize crop`); else each side scaled
/// to `size` (squash: a folder loaded directly, `prepare --resize squash`). Throws
/// std::invalid_argument for an empty image.
Image conformImage(const Image& image, int channels, int size, bool crop = true);

/// An image file decoded and resized exactly as the image-folder reader decodes a dataset's files
/// (crop or squash as above). Throws DatasetError naming the file when it cannot be read.
Image readImageFile(const std::string& path, int channels, int size, bool crop = true);

}  // namespace pretext

// Packing a user's images once into a prepared dataset: uint8 images [N, C, H, W] and int64
// labels as .npy files (numpy.load(path, mmap_mode="r") reads them), class names and a manifest.
// Pretext memory-maps the same files (`--dataset DIR`, `prepared:DIR`).
#pragma once

#include "pretext/dataset.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pretext {

struct PrepareOptions {
  std::string source;           ///< an image folder, or any dataset spec Pretext reads (cifar10:DIR, ...)
  std::string out;              ///< the prepared dataset's folder
  int imageSize = 32;           ///< image folders: every image becomes imageSize x imageSize
  std::string resize = "crop";  ///< "crop": shorter side to imageSize, then the centre; "squash": both sides
  bool strict = false;          ///< an unreadable file fails the whole prepare instead of being skipped
  bool unlabelled = false;      ///< treat a folder's subfolders as nesting, not as classes
  double testFraction = 0;      ///< a labelled source without a test split: this fraction becomes one
  std::uint64_t seed = 1;       ///< the draw of that test split
  std::int64_t maxPixels = 100'000'000;  ///< a header promising more pixels makes the file unreadable
  int threads = 0;              ///< decoding threads; 0: every core
};

struct PrepareProgress {
  std::int64_t done = 0;   ///< images decoded (or skipped) so far
  std::int64_t total = 0;  ///< images to decode
  double seconds = 0;
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct PrepareResult {
  std::string out;
  std::int64_t trainImages = 0;  ///< the train split, or the unlabelled one
  std::int64_t testImages = 0;
  int channels = 0;
  int imageSize = 0;
  bool labelled = false;
  std::vector<std::string> classNames;
  std::vector<SkippedFile> skipped;
  double seconds = 0;
};

/// Thrown when a prepare is cancelled through its flag; nothing loadable is left at `out`.
class PrepareCancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "prepare cancelled"; }
};

/// Decodes and resizes on `threads` threads in manifest order straight into memory-mapped .npy
/// files in OUT.partial, then writes manifest.json and renames OUT.partial to OUT (an existing
/// prepared dataset at OUT is replaced; any other non-empty folder there is refused). A prepare
/// that is interrupted leaves only OUT.partial, which the next run removes. `progress` is called
/// from the calling thread several times a second. Throws DatasetError (bad source, a file
/// unreadable under `strict`, naming it), std::invalid_argument (bad option), std::runtime_error
/// (a write failed, naming the file), PrepareCancelled.
PrepareResult prepareDataset(const PrepareOptions& options,
                             const std::function<void(const PrepareProgress&)>& progress = {},
                             const std::atomic<bool>* cancel = nullptr);

/// Whether `folder` holds a prepared dataset (its manifest.json).
bool isPreparedDataset(const std::string& folder);

/// The CRC-32 of every array file's data as the manifest records it, recomputed from the files:
/// true when they all match. `why` says which file differs.
bool verifyPreparedDataset(const std::string& folder, std::string* why = nullptr);

/// The prepared datasets in `folder`: the folder itself when it is one, else its sub-folders that
/// are (by their manifest.json), sorted by path. Each entry's description gives its split counts,
/// image shape, classes and size on disk from the manifest; a manifest that cannot be read gives
/// an entry that is not available, with the reason as its description.
std::vector<DatasetEntry> findPreparedDatasets(const std::string& folder);

}  // namespace pretext

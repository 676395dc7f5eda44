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
  /// An image folder, or any dataset spec Pretext reads (cifar10:DIR, stl10:DIR, ...), packed at its
  /// own image size (`imageSize` and `resize` are for image folders) and read by ranges of records
  /// straight into the output, never held whole; STL-10's unlabeled_X.bin becomes the "unlabeled"
  /// split beside train and test.
  std::string source;
  std::string out;              ///< the prepared dataset's folder
  /// A dataset spec: resize its images to imageSize x imageSize (`resize`) where that differs from
  /// its own size (the CLI: when --image-size is given). false: packed at its own size.
  bool resizeDataset = false;
  int imageSize = 32;           ///< image folders: every image becomes imageSize x imageSize
  std::string resize = "crop";  ///< "crop": shorter side to imageSize, then the centre; "squash": both sides
  bool strict = false;          ///< an unreadable file fails the whole prepare instead of being skipped
  bool unlabelled = false;      ///< treat a folder's subfolders as nesting, not as classes
  double testFraction = 0;      ///< a labelled source without a test split: this fraction becomes one
  std::uint64_t seed = 1;       ///< the draw of that test split
  std::int64_t maxPixels = 100'000'000;  ///< a header promising more pixels makes the file unreadable
  int threads = 0;              ///< decoding threads; 0: every core
  /// Decode every JPEG at full size before resizing. Otherwise (the default) a JPEG at least twice
  /// the size on its shorter side is decoded at 1/2, 1/4 or 1/8 by libjpeg's DCT scaling and then
  /// resized: several times faster for photos, within about 2 grey levels on average of the exact
  /// path. The manifest's "decode" says which.
  bool exactDecode = false;
  /// An image folder's OUT.partial left by an interrupted prepare (cancel, Ctrl-C, SIGKILL) is
  /// continued when its record matches this prepare (the same source files in order, size, mode,
  /// channels and options), else removed with a message saying why; a cancel keeps OUT.partial
  /// and its record for the next run. Chunks of files whose size or modification time changed
  /// since they were decoded are decoded again. A dataset spec (cifar10:, stl10:, idx ...) resumes
  /// the same way while its files keep their sizes and modification times; any change restarts.
  /// false: always start afresh, and a cancel removes OUT.partial.
  bool resume = true;
  double recordSeconds = 1;  ///< how often that record is written (each waits for the data to reach the disk)
};

struct PrepareProgress {
  std::int64_t done = 0;   ///< images decoded (or skipped) so far; while listing, image files found so far
  std::int64_t total = 0;  ///< images to decode; 0 while listing
  double seconds = 0;
  bool listing = false;    ///< the folder is still being listed ("listing: N files found so far")
  std::string message;     ///< once, with the first report after the listing: resuming, or why not
};

/// Where a prepare's time went: wall seconds for the serial stages, thread-seconds (summed over the
/// decoding threads) for the per-image ones.
struct PrepareTimes {
  double listing = 0;  ///< scanning the folder and probing the channels
  double read = 0;     ///< reading the files (thread-seconds)
  double decode = 0;   ///< header checks and the codec (thread-seconds)
  double resize = 0;   ///< resize and crop (thread-seconds)
  double store = 0;    ///< into the mapped output (thread-seconds)
  double decoding = 0; ///< the whole decoding stage, wall
  double finish = 0;   ///< compacting over skipped files, checksums, syncing, manifest, rename
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct PrepareResult {
  std::string out;
  std::int64_t trainImages = 0;  ///< the train split, or the unlabelled one
  std::int64_t testImages = 0;
  std::int64_t unlabeledImages = 0;  ///< an unlabelled split beside labelled ones (STL-10)
  int channels = 0;
  int imageSize = 0;
  bool labelled = false;
  std::vector<std::string> classNames;
  std::vector<SkippedFile> skipped;
  double seconds = 0;
  std::int64_t resumed = 0;  ///< images an earlier, interrupted run had already done
  /// Images of the earlier run's chunks decoded again because a source file among them changed
  /// since (its size or modification time; a file rewritten with both kept is not noticed).
  std::int64_t changed = 0;
  std::string restarted;     ///< why an earlier OUT.partial was not continued (empty: none, or resumed)
  PrepareTimes times;
};

/// Thrown when a prepare is cancelled through its flag; nothing loadable is left at `out`.
class PrepareCancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "prepare cancelled"; }
};

/// Decodes and resizes on `threads` threads in manifest order straight into memory-mapped .npy
/// files in OUT.partial, then writes manifest.json and renames OUT.partial to OUT (an existing
/// prepared dataset at OUT is replaced; any other non-empty folder there is refused). A prepare
/// that is interrupted leaves only OUT.partial (never a manifest.json in it), with a record of
/// the chunks of images done that the next run continues from (see `resume`; the record is
/// written atomically after the chunks' data is synced, about once a second). `progress` is
/// called from the calling thread several times a second, during the listing too, and once more
/// when the decoding has ended: a cancel set by then (by the callback itself, say) keeps OUT.partial
/// and its record; one set later, while packing, removes OUT.partial. `cancel` is checked while
/// listing as well. Throws DatasetError (bad source, a file
/// unreadable under `strict`, naming it), std::invalid_argument (bad option), std::runtime_error
/// (a write failed, naming the file), PrepareCancelled.
PrepareResult prepareDataset(const PrepareOptions& options,
                             const std::function<void(const PrepareProgress&)>& progress = {},
                             const std::atomic<bool>* cancel = nullptr);

/// What prepareDataset finds at a source before it packs anything, for a window to say: an image
/// folder, or a dataset's own files (CIFAR-10/100 and STL-10 binary, MNIST-format IDX), also when
/// `source` is the folder holding the one an archive extracts to (cifar-10-batches-bin/,
/// cifar-100-binary/, stl10_binary/). The same detection as DatasetSpec::parse, which prepare uses.
struct PrepareSource {
  std::string kind;         ///< "folder" (images to decode), a dataset kind (cifar10, mnist, ...), or "prepared"
  std::string path;         ///< the folder read: the extracted one when `source` holds it
  std::string name;         ///< a dataset kind's name ("CIFAR-10"); empty for a folder
  std::int64_t images = 0;  ///< a dataset kind's images in all its splits (STL-10's unlabelled ones too)
  int channels = 0, height = 0, width = 0;  ///< a dataset kind's image shape
  std::string error;        ///< why `source` cannot be prepared (not found, a dataset's files unreadable)
};

/// Reads only what tells the kind and counts (file sizes, headers): cheap enough to call as a user
/// types. Never throws.
PrepareSource inspectPrepareSource(const std::string& source);

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

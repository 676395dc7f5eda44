// Datasets as the app, the CLI and the tests see them: plain types only.
#pragma once

#include "pretext/image.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pretext {

/// A dataset file or folder that cannot be read: the message names the file and what is wrong.
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Split { Train, Test, Unlabeled };
const char* splitName(Split split);

/// What to load. `kind` is one of: fashion-mnist, mnist, cifar10, cifar100, stl10, folder, shapes,
/// prepared (a folder `pretext-cli prepare` wrote, detected by its manifest.json).
struct DatasetSpec {
  std::string kind = "fashion-mnist";
  std::string path;             ///< file or folder; empty means the default location for the kind
  int imageSize = 32;           ///< image folders: every image is resized to imageSize x imageSize
  int shapesPerClass = 200;     ///< shapes: training images per class (test gets a quarter)
  int shapesImageSize = 32;     ///< shapes: side of the generated images
  std::uint64_t seed = 1;       ///< shapes: generator seed
  bool loadUnlabeled = false;   ///< stl10: also read unlabeled_X.bin (100,000 images, 2.7 GB)

  /// Parses "kind", "kind:path" or a bare path (the kind is then detected from the files).
  static DatasetSpec parse(const std::string& text);
  std::string toString() const;
};

/// One split: images as uint8 [N, C, H, W] inside the core, labels (-1 where unlabelled).
struct SplitInfo {
  Split split = Split::Train;
  std::int64_t size = 0;
  std::vector<std::int64_t> classCounts;  ///< per class; empty for unlabelled splits
};

struct DatasetData;  // tensors, defined inside core/src

/// A loaded dataset. Cheap to copy (the data is shared and immutable).
class Dataset {
 public:
  Dataset();
  explicit Dataset(std::shared_ptr<const DatasetData> data);

  /// Loads what `spec` names; throws DatasetError with a message a user can act on.
  static Dataset load(const DatasetSpec& spec);

  const std::string& name() const;
  const DatasetSpec& spec() const;
  int channels() const;
  int height() const;
  int width() const;
  const std::vector<std::string>& classNames() const;
  int numClasses() const { return static_cast<int>(classNames().size()); }

  bool hasSplit(Split split) const;
  std::vector<SplitInfo> splits() const;
  std::int64_t size(Split split) const;
  int label(Split split, std::int64_t index) const;
  Image image(Split split, std::int64_t index) const;

  /// `count` images of a split whose labels are spread over the classes, taken from each class in
  /// turn (sample grids, attention maps, retrieval queries). Draw 0: the first images of each class,
  /// in order, at most count / classes (rounded up) of each. Draw n > 0: another class-balanced
  /// sample, the same for the same n: the split shuffled with std::mt19937_64 seeded with n, the
  /// turn starting at another class each draw, classes that run short made up by the others, and
  /// unlabelled images filling up to `count`.
  std::vector<std::int64_t> sampleIndices(Split split, int count, std::uint64_t draw = 0) const;

  const DatasetData& data() const { return *m_data; }
  bool valid() const { return m_data != nullptr; }

 private:
  std::shared_ptr<const DatasetData> m_data;
};

/// A dataset the CLI or the window can offer, and whether it was found on this machine.
struct DatasetEntry {
  std::string kind;
  std::string path;
  std::string description;
  bool available = false;
};

/// Looks in the default locations (the Debian dataset packages, ~/.local/share/pretext/datasets,
/// $PRETEXT_DATA) for every kind it can read.
std::vector<DatasetEntry> findDatasets();

/// Default folder of Fashion-MNIST: $PRETEXT_FASHION_MNIST, else the dataset-fashion-mnist package.
std::string defaultFashionMnistPath();

/// A sample sheet: `count` images with their class names under each, as one RGB image.
Image sampleSheet(const Dataset& dataset, Split split, int count, int columns, int scale = 2);

}  // namespace pretext

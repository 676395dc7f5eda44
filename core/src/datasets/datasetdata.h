// The tensors behind pretext::Dataset, and the readers that fill them.
#pragma once

#include "pretext/dataset.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace pretext {

struct SplitData {
  Split split = Split::Train;
  torch::Tensor images;  ///< uint8 [N, C, H, W], contiguous, CPU
  torch::Tensor labels;  ///< int64 [N]; -1 where unlabelled
};

struct DatasetData {
  std::string name;
  DatasetSpec spec;
  std::vector<std::string> classNames;
  std::vector<SplitData> splits;

  const SplitData* find(Split split) const;
  const SplitData& get(Split split) const;  ///< throws DatasetError when the split is missing
  /// Checks shapes, dtypes and label ranges; throws DatasetError naming what is inconsistent.
  void validate() const;
};

namespace datasets {

/// IDX (MNIST layout): `prefix` is e.g. "train" and the folder holds train-images-idx3-ubyte[.gz]
/// and train-labels-idx1-ubyte[.gz].
SplitData readIdxSplit(const std::string& folder, const std::string& prefix, Split split);
torch::Tensor readIdxImages(const std::string& path);  ///< uint8 [N, 1, H, W]
torch::Tensor readIdxLabels(const std::string& path);  ///< int64 [N]
DatasetData loadIdx(const DatasetSpec& spec, const std::string& name, std::vector<std::string> classNames);

/// CIFAR-10 (data_batch_1..5.bin, test_batch.bin, batches.meta.txt) and CIFAR-100 (train.bin,
/// test.bin, fine_label_names.txt) binary versions.
SplitData readCifarFile(const std::string& path, bool cifar100);
DatasetData loadCifar(const DatasetSpec& spec, bool cifar100);

/// STL-10 binary: train_X.bin/train_y.bin, test_X.bin/test_y.bin, unlabeled_X.bin (96x96, column-major).
SplitData readStlSplit(const std::string& xPath, const std::string& yPath, Split split);
DatasetData loadStl10(const DatasetSpec& spec);

/// root/<class>/*.png|jpg; root/train and root/test (or val) when present, else one split.
DatasetData loadImageFolder(const DatasetSpec& spec);

/// Coloured shapes drawn from a seed (circle, square, triangle, cross, ring, bar, diamond, star-ish).
DatasetData makeShapes(const DatasetSpec& spec);

/// The bytes of a file, gunzipped when its name ends in .gz. Throws DatasetError naming the file.
std::vector<std::uint8_t> readFileBytes(const std::string& path);

}  // namespace datasets
}  // namespace pretext

namespace pretext {
/// uint8 [C, H, W] (or float in [0,1]) -> Image; and back (uint8 [C, H, W]).
Image tensorToImage(const torch::Tensor& chw);
torch::Tensor imageToTensor(const Image& image);
}  // namespace pretext

// The augmentation preview: the training pipeline's own ops on a few images, as plain images.
#include "augment/augment.h"
#include "datasets/datasetdata.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

namespace pretext {

AugmentPreview previewAugmentations(const Dataset& dataset, const std::vector<std::int64_t>& indices,
                                    const AugmentConfig& config, std::uint64_t seed) {
  const auto& data = dataset.data();
  const SplitData& split = data.get(data.find(Split::Train) ? Split::Train : Split::Unlabeled);
  const std::int64_t n = split.images.size(0);
  for (const auto i : indices) {
    if (i < 0 || i >= n) {
      throw std::out_of_range("preview: image " + std::to_string(i) + " is outside the training split (" +
                              std::to_string(n) + " images)");
    }
  }
  AugmentPreview preview;
  if (indices.empty()) return preview;
  torch::NoGradGuard noGrad;
  const auto images = split.images.index_select(0, torch::tensor(indices, torch::kLong));
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto [first, second] = augment::twoViews(images, config, gen);
  for (std::int64_t i = 0; i < images.size(0); ++i) {
    preview.originals.push_back(tensorToImage(images[i]));
    preview.first.push_back(tensorToImage(first[i]));
    preview.second.push_back(tensorToImage(second[i]));
  }
  return preview;
}

}  // namespace pretext

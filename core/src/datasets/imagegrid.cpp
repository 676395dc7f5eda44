// Conversions between tensors and plain images, and the labelled sample sheet.
#include "datasets/datasetdata.h"

namespace pretext {

Image tensorToImage(const torch::Tensor& chw) {
  TORCH_CHECK(chw.dim() == 3, "expected an image tensor [C, H, W], got ", chw.sizes());
  torch::Tensor t = chw.detach().to(torch::kCPU);
  if (t.scalar_type() != torch::kUInt8) t = (t.to(torch::kFloat).clamp(0, 1) * 255.0).round().to(torch::kUInt8);
  const int c = int(t.size(0));
  TORCH_CHECK(c == 1 || c == 3, "images have 1 or 3 channels, got ", c);
  t = t.permute({1, 2, 0}).contiguous();
  Image image(int(t.size(1)), int(t.size(0)), c);
  std::memcpy(image.pixels.data(), t.data_ptr<std::uint8_t>(), image.pixels.size());
  return image;
}

torch::Tensor imageToTensor(const Image& image) {
  auto t = torch::from_blob(const_cast<std::uint8_t*>(image.pixels.data()), {image.height, image.width, image.channels},
                            torch::kUInt8);
  return t.permute({2, 0, 1}).contiguous();
}

Image sampleSheet(const Dataset& dataset, Split split, int count, int columns, int scale) {
  std::vector<Image> tiles;
  std::vector<std::string> captions;
  const bool labelled = split != Split::Unlabeled;
  for (const auto i : dataset.sampleIndices(split, count)) {
    tiles.push_back(dataset.image(split, i));
    captions.push_back(labelled ? dataset.classNames().at(std::size_t(dataset.label(split, i))) : "#" + std::to_string(i));
  }
  return makeGrid(tiles, columns, 4, captions, scale);
}

}  // namespace pretext

#include "eval/export.h"

#include "io/fileutil.h"
#include "pretext/evaluation.h"

#include <cstring>

namespace pretext::eval {

std::string npyHeader(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string dims;
  for (const auto d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // "(3,)" for one dimension, "(3, 4)" otherwise
  else if (shape.size() == 1) dims.resize(dims.size() - 1);
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string header = "\x93NUMPY";
  header += char(1);
  header += char(0);
  header += char(dict.size() & 0xff);
  header += char((dict.size() >> 8) & 0xff);
  return header + dict;
}

void saveNpy(const std::string& path, const torch::Tensor& tensor) {
  static_assert(sizeof(float) == 4, "float32");
  const auto t = tensor.detach().to(torch::kCPU).contiguous();
  std::string descr;
  switch (t.scalar_type()) {
    case torch::kFloat: descr = "<f4"; break;
    case torch::kDouble: descr = "<f8"; break;
    case torch::kLong: descr = "<i8"; break;
    case torch::kInt: descr = "<i4"; break;
    case torch::kByte: descr = "|u1"; break;
    default: throw std::invalid_argument("saveNpy: unsupported dtype " + std::string(c10::toString(t.scalar_type())));
  }
  const uint16_t probe = 1;
  if (*reinterpret_cast<const uint8_t*>(&probe) != 1) throw std::runtime_error("saveNpy: big-endian hosts are not supported");
  std::string bytes = npyHeader(descr, t.sizes().vec());
  const std::size_t size = std::size_t(t.numel()) * t.element_size();
  const std::size_t offset = bytes.size();
  bytes.resize(offset + size);
  if (size) std::memcpy(&bytes[offset], t.data_ptr(), size);
  io::writeFileAtomic(path, bytes.data(), bytes.size());
}

namespace {

// A ResNet-18's names as torchvision.models.resnet18 has them: the stem's conv and BatchNorm are
// conv1 and bn1 there, a block's projection shortcut is its downsample. Other backbones keep theirs.
std::string exportedName(const std::string& backbone, std::string name) {
  if (backbone != "resnet18") return name;
  const auto replacePrefix = [&](const std::string& from, const std::string& to) {
    if (name.compare(0, from.size(), from) == 0) name = to + name.substr(from.size());
  };
  replacePrefix("stem.conv.", "conv1.");
  replacePrefix("stem.bn.", "bn1.");
  const std::string shortcut = ".shortcut.";
  if (const auto at = name.find(shortcut); at != std::string::npos) name.replace(at, shortcut.size(), ".downsample.");
  return name;
}

}  // namespace

void exportEncoder(const std::string& path, const models::BackboneImpl& backbone, const torch::Tensor& mean,
                   const torch::Tensor& std) {
  c10::Dict<std::string, torch::Tensor> state;
  const std::string name = backbone.options().name();
  for (const auto& p : backbone.named_parameters(/*recurse=*/true)) {
    state.insert(exportedName(name, p.key()), p.value().detach().cpu().contiguous().clone());
  }
  for (const auto& b : backbone.named_buffers(/*recurse=*/true)) {
    state.insert(exportedName(name, b.key()), b.value().detach().cpu().contiguous().clone());
  }
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("format", int64_t(1));
  root.insert("state_dict", state);
  root.insert("mean", mean.detach().cpu().to(torch::kFloat).contiguous().clone());
  root.insert("std", std.detach().cpu().to(torch::kFloat).contiguous().clone());
  root.insert("backbone", backbone.options().name());
  root.insert("width", backbone.options().width());
  root.insert("in_channels", backbone.options().inChannels());
  root.insert("image_size", backbone.options().imageSize());
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(root));
  io::writeFileAtomic(path, bytes.data(), bytes.size());
}

}  // namespace pretext::eval

namespace pretext {

void saveNpy(const std::string& path, const std::vector<float>& data, const std::vector<std::int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n != int64_t(data.size())) throw std::invalid_argument("saveNpy: the shape does not match the data's size");
  eval::saveNpy(path, torch::from_blob(const_cast<float*>(data.data()), shape, torch::kFloat));
}

void saveNpy(const std::string& path, const std::vector<std::int64_t>& data, const std::vector<std::int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n != int64_t(data.size())) throw std::invalid_argument("saveNpy: the shape does not match the data's size");
  eval::saveNpy(path, torch::from_blob(const_cast<std::int64_t*>(data.data()), shape, torch::kLong));
}

}  // namespace pretext

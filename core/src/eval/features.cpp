#include "eval/features.h"

#include "io/fileutil.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace pretext::eval {

torch::Tensor normaliseImages(const torch::Tensor& images, const torch::Tensor& mean, const torch::Tensor& std,
                              const torch::Device& device) {
  const auto m = mean.to(device).view({1, -1, 1, 1});
  const auto s = std.to(device).view({1, -1, 1, 1});
  return (images.to(device).to(torch::kFloat).div(255.0) - m) / s;
}

std::map<std::string, torch::Tensor> extractStageFeatures(models::BackboneImpl& backbone, const torch::Tensor& images,
                                                          const torch::Tensor& mean, const torch::Tensor& std,
                                                          const std::vector<std::string>& stages,
                                                          const torch::Device& device, int64_t grid,
                                                          int64_t batchSize) {
  if (grid < 1) throw std::invalid_argument("the pooling grid must be at least 1, got " + std::to_string(grid));
  const auto names = backbone.stageNames();
  // The deepest stage asked for; the pooled output needs the whole backbone.
  int64_t deepest = -1;
  for (const auto& s : stages) {
    if (s.empty()) {
      deepest = int64_t(names.size()) - 1;
      continue;
    }
    const auto it = std::find(names.begin(), names.end(), s);
    if (it == names.end()) {
      throw std::invalid_argument("backbone '" + backbone.options().name() + "' has no stage '" + s +
                                  "'; its stages are: " + [&] {
                                    std::string all;
                                    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
                                    return all;
                                  }());
    }
    deepest = std::max<int64_t>(deepest, it - names.begin());
  }
  std::map<std::string, std::vector<torch::Tensor>> chunks;
  if (deepest < 0) return {};
  torch::NoGradGuard noGrad;
  const bool wasTraining = backbone.is_training();
  backbone.eval();
  for (int64_t i = 0; i < images.size(0); i += batchSize) {
    const auto x = normaliseImages(images.slice(0, i, std::min(i + batchSize, images.size(0))), mean, std, device);
    const auto maps = backbone.forwardStages(x, names[std::size_t(deepest)]);
    for (const auto& s : stages) {
      const auto& map = maps.at(s.empty() ? names.back() : s);
      torch::Tensor f;
      if (map.dim() != 4) {
        f = s.empty() ? backbone.forward(x) : backbone.stageFeatures(x, s);
      } else if (s.empty()) {
        f = map.mean({2, 3});  // the conv backbones' forward(): global average pooling of the last stage
      } else {
        f = torch::adaptive_avg_pool2d(map, {grid, grid}).flatten(1);
      }
      chunks[s].push_back(f.to(torch::kFloat).to(torch::kCPU));
    }
  }
  backbone.train(wasTraining);
  std::map<std::string, torch::Tensor> out;
  for (auto& [s, list] : chunks) out[s] = torch::cat(list);
  return out;
}

namespace {

// 64-bit words mixed in one after another (a multiply-xorshift: any changed byte changes the result).
struct Fingerprint {
  std::uint64_t h = 0x243F6A8885A308D3ULL;
  void word(std::uint64_t w) {
    h ^= w + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      word(w);
    }
    std::uint64_t tail = 0;
    if (n > i) std::memcpy(&tail, p + i, n - i);
    word(tail ^ (std::uint64_t(n) << 56));
  }
  void tensor(const std::string& name, const torch::Tensor& t) {
    bytes(name.data(), name.size());
    word(std::uint64_t(t.scalar_type()));
    for (const auto s : t.sizes()) word(std::uint64_t(s));
    const auto c = t.detach().to(torch::kCPU).contiguous();
    bytes(c.data_ptr(), std::size_t(c.numel()) * c.element_size());
  }
};

torch::Tensor textTensor(const std::string& text) {
  auto t = torch::empty({int64_t(text.size())}, torch::kUInt8);
  if (!text.empty()) std::memcpy(t.data_ptr(), text.data(), text.size());
  return t;
}

std::string tensorText(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kUInt8).contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), std::size_t(c.numel()));
}

}  // namespace

std::uint64_t weightsFingerprint(const torch::nn::Module& module) {
  Fingerprint f;
  for (const auto& p : module.named_parameters(true)) f.tensor(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) f.tensor(b.key(), b.value());
  return f.h;
}

std::string checkpointFeaturesPath(const std::string& runDir) {
  return io::joinPath(io::joinPath(runDir, "checkpoints"), "last_features.pt");
}

void saveCheckpointFeatures(const std::string& path, const CheckpointFeatures& features) {
  torch::serialize::OutputArchive archive;
  archive.write("format", torch::tensor(int64_t(1)));
  archive.write("stage", textTensor(features.stage));
  archive.write("device", textTensor(features.device));
  archive.write("cpu_bf16", torch::tensor(int64_t(features.cpuBf16 ? 1 : 0)));
  archive.write("global_step", torch::tensor(features.globalStep));
  int64_t weights = 0;
  std::memcpy(&weights, &features.weights, sizeof weights);
  archive.write("weights", torch::tensor(weights));
  archive.write("train", features.train.to(torch::kCPU).contiguous());
  archive.write("test", features.test.to(torch::kCPU).contiguous());
  std::ostringstream bytes;
  archive.save_to(bytes);
  const std::string data = bytes.str();
  io::writeFileAtomic(path, data.data(), data.size());
}

std::optional<CheckpointFeatures> loadCheckpointFeatures(const std::string& path, const torch::Device& device) {
  if (!io::fileExists(path)) return std::nullopt;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    torch::Tensor format, stage, dev, bf16, step, weights;
    CheckpointFeatures f;
    archive.read("format", format);
    if (format.item<int64_t>() != 1) return std::nullopt;
    archive.read("stage", stage);
    archive.read("device", dev);
    archive.read("cpu_bf16", bf16);
    archive.read("global_step", step);
    archive.read("weights", weights);
    archive.read("train", f.train);
    archive.read("test", f.test);
    f.stage = tensorText(stage);
    f.device = tensorText(dev);
    f.cpuBf16 = bf16.item<int64_t>() != 0;
    f.globalStep = step.item<int64_t>();
    const int64_t w = weights.item<int64_t>();
    std::memcpy(&f.weights, &w, sizeof w);
    if (f.train.dim() != 2 || f.test.dim() != 2 || f.train.size(1) != f.test.size(1)) return std::nullopt;
    return f;
  } catch (const std::exception&) {
    return std::nullopt;  // truncated or foreign: extracted instead
  }
}

}  // namespace pretext::eval

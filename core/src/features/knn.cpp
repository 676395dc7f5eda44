#include "features/knn.h"

#include "io/archive.h"
#include "io/fileutil.h"
#include "run/compat.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

namespace pretext::eval {

torch::Tensor extractFeatures(models::BackboneImpl& backbone, const torch::Tensor& images, const torch::Tensor& mean,
                              const torch::Tensor& std, const std::string& stage, const torch::Device& device,
                              const ExtractOptions& options) {
  torch::NoGradGuard noGrad;
  const bool wasTraining = backbone.is_training();
  backbone.eval();
  const auto m = mean.to(device).view({1, -1, 1, 1});
  const auto s = std.to(device).view({1, -1, 1, 1});
  compat::CpuBf16Autocast autocast(options.cpuBf16() && device.is_cpu());
  const int64_t batchSize = extractBatchSize(options, device);
  std::vector<torch::Tensor> chunks;
  for (int64_t i = 0; i < images.size(0); i += batchSize) {
    const auto batch = images.slice(0, i, std::min(i + batchSize, images.size(0))).to(device, /*non_blocking=*/true);
    torch::Tensor x;
    if (device.is_cpu()) {
      // NHWC on the CPU: a convolution's output takes its input's layout, and oneDNN's NHWC kernels
      // beat NCHW, where each layer reorders (features of Fashion-MNIST: 1.5x in fp32, 3x in bf16).
      // Allocated NHWC, because a one-channel NCHW batch also passes for NHWC and contiguous(ChannelsLast)
      // would keep its NCHW strides, which the convolution then reads as NCHW.
      x = torch::empty(batch.sizes(), batch.options().dtype(torch::kFloat).memory_format(torch::MemoryFormat::ChannelsLast));
      x.copy_(batch).div_(255.0).sub_(m).div_(s);
    } else {
      x = (batch.to(torch::kFloat).div_(255.0) - m) / s;
    }
    auto f = stage.empty() ? backbone.forward(x) : backbone.stageFeatures(x, stage);
    chunks.push_back(torch::nn::functional::normalize(f.to(torch::kFloat).flatten(1),
                                                      torch::nn::functional::NormalizeFuncOptions().dim(1)));
  }
  backbone.train(wasTraining);
  return torch::cat(chunks);
}

std::tuple<torch::Tensor, torch::Tensor> topKRows(const torch::Tensor& matrix, int64_t k) {
  // Group g holds the entries g, g + groups, g + 2 groups, ... of a row, so that the group maxima
  // are elementwise maxima of kGroup contiguous slices (vectorised). The k-th largest group maximum
  // is a lower bound of the row's k-th largest entry: each of those k groups holds an entry that large.
  constexpr int64_t kGroup = 32;
  const int64_t groups = matrix.dim() == 2 ? matrix.size(1) / kGroup : 0;
  if (!matrix.is_cpu() || matrix.scalar_type() != torch::kFloat || k < 1 || groups < k) return matrix.topk(k, 1);
  const auto x = matrix.contiguous();
  const int64_t m = x.size(0), n = x.size(1);
  auto values = torch::empty({m, k}, x.options());
  auto indices = torch::empty({m, k}, x.options().dtype(torch::kLong));
  const float* data = x.data_ptr<float>();
  float* valuesOut = values.data_ptr<float>();
  int64_t* indicesOut = indices.data_ptr<int64_t>();
  std::atomic<bool> sawNaN{false};
  at::parallel_for(0, m, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> maxima(static_cast<std::size_t>(groups)), scratch(maxima.size());
    std::vector<std::pair<float, int64_t>> candidates;
    for (int64_t r = begin; r < end; ++r) {
      const float* row = data + r * n;
      std::copy(row, row + groups, maxima.begin());
      for (int64_t s = 1; s < kGroup; ++s) {
        const float* slice = row + s * groups;
        for (int64_t g = 0; g < groups; ++g) {
          maxima[g] = (slice[g] > maxima[g] || slice[g] != slice[g]) ? slice[g] : maxima[g];  // NaN wins
        }
      }
      bool rowNaN = false;
      for (int64_t j = groups * kGroup; j < n; ++j) rowNaN |= row[j] != row[j];
      for (const float v : maxima) rowNaN |= v != v;
      if (rowNaN) {  // topk's order puts NaN first; leave such matrices to it
        sawNaN = true;
        return;
      }
      scratch = maxima;
      std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end(), std::greater<float>());
      const float bound = scratch[std::size_t(k - 1)];
      candidates.clear();
      for (int64_t g = 0; g < groups; ++g) {
        if (maxima[g] < bound) continue;
        for (int64_t j = g; j < groups * kGroup; j += groups) {
          if (row[j] >= bound) candidates.emplace_back(row[j], j);
        }
      }
      for (int64_t j = groups * kGroup; j < n; ++j) {
        if (row[j] >= bound) candidates.emplace_back(row[j], j);
      }
      std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end(), [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
      });
      for (int64_t j = 0; j < k; ++j) {
        valuesOut[r * k + j] = candidates[std::size_t(j)].first;
        indicesOut[r * k + j] = candidates[std::size_t(j)].second;
      }
    }
  });
  if (sawNaN) return x.topk(k, 1);
  return {values, indices};
}

torch::Tensor knnPredict(const torch::Tensor& bank, const torch::Tensor& bankLabels, const torch::Tensor& queries,
                         int64_t numClasses, int64_t k, double temperature, int64_t chunk) {
  torch::NoGradGuard noGrad;
  k = std::min<int64_t>(k, bank.size(0));
  if (chunk <= 0) chunk = knnQuerySlice(bank.device());
  std::vector<torch::Tensor> predictions;
  const auto labels = bankLabels.to(bank.device());
  for (int64_t i = 0; i < queries.size(0); i += chunk) {
    const auto q = queries.slice(0, i, std::min(i + chunk, queries.size(0)));
    const auto sim = torch::mm(q, bank.t());                  // cosine: both normalised
    const auto top = topKRows(sim, k);
    const auto weights = (std::get<0>(top) / temperature).exp();  // [m, k]
    const auto neighbourLabels = labels.index_select(0, std::get<1>(top).flatten()).view({q.size(0), k});
    auto votes = torch::zeros({q.size(0), numClasses}, weights.options());
    votes.scatter_add_(1, neighbourLabels, weights);
    predictions.push_back(votes.argmax(1));
  }
  return torch::cat(predictions);
}

double knnAccuracy(const torch::Tensor& bank, const torch::Tensor& bankLabels, const torch::Tensor& queries,
                   const torch::Tensor& queryLabels, int64_t numClasses, int64_t k, double temperature) {
  const auto pred = knnPredict(bank, bankLabels, queries, numClasses, k, temperature);
  return pred.eq(queryLabels.to(pred.device())).to(torch::kDouble).mean().item<double>();
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
  io::writeArchiveAtomic(path, archive);
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

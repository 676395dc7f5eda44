#include "models/vit.h"
#include "models/layers.h"
#include "run/compat.h"

#include <cmath>

namespace pretext::models {

namespace {

torch::nn::LayerNorm layerNorm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6));
}

}  // namespace

VitAttentionImpl::VitAttentionImpl(int64_t dim, int64_t heads)
    : qkv(torch::nn::Linear(dim, 3 * dim)), proj(torch::nn::Linear(dim, dim)), heads(heads) {
  register_module("qkv", qkv);
  register_module("proj", proj);
}

std::pair<torch::Tensor, torch::Tensor> VitAttentionImpl::forwardWithWeights(torch::Tensor x) {
  const int64_t batch = x.size(0), tokens = x.size(1), dim = x.size(2);
  const int64_t headDim = dim / heads;
  // [B, T, 3, heads, headDim] -> [3, B, heads, T, headDim]
  auto qkvHeads = qkv->forward(x).reshape({batch, tokens, 3, heads, headDim}).permute({2, 0, 3, 1, 4});
  auto q = qkvHeads[0], k = qkvHeads[1], v = qkvHeads[2];
  // Under CPU bf16 autocast the scores come out of matmul in bf16 and LibTorch 1.13's CPU autocast
  // keeps softmax in the input's type (only CUDA's lists softmax as fp32): scale and normalise them
  // in fp32 (only half-precision scores are converted: fp32 and the tests' float64 stay as they are),
  // so the weights are the fp32 softmax of the rounded scores. The product with v then rounds the
  // weights to bf16 once, as autocast does for every matmul.
  auto scores = torch::matmul(q, k.transpose(-2, -1));
  if (scores.scalar_type() == torch::kBFloat16 || scores.scalar_type() == torch::kHalf) scores = scores.to(torch::kFloat);
  auto weights = torch::softmax(scores * (1.0 / std::sqrt(double(headDim))), -1);
  auto out = torch::matmul(weights, v).transpose(1, 2).reshape({batch, tokens, dim});
  return {proj->forward(out), weights};
}

VitBlockImpl::VitBlockImpl(int64_t dim, int64_t heads)
    : norm1(layerNorm(dim)),
      norm2(layerNorm(dim)),
      attn(dim, heads),
      fc1(torch::nn::Linear(dim, 4 * dim)),
      fc2(torch::nn::Linear(4 * dim, dim)) {
  register_module("norm1", norm1);
  register_module("attn", attn);
  register_module("norm2", norm2);
  register_module("fc1", fc1);
  register_module("fc2", fc2);
}

torch::Tensor VitBlockImpl::forward(torch::Tensor x) {
  x = x + attn->forward(norm1->forward(x));
  return x + fc2->forward(torch::gelu(fc1->forward(norm2->forward(x))));
}

std::pair<torch::Tensor, torch::Tensor> VitBlockImpl::forwardWithWeights(torch::Tensor x) {
  auto [attended, weights] = attn->forwardWithWeights(norm1->forward(x));
  x = x + attended;
  return {x + fc2->forward(torch::gelu(fc1->forward(norm2->forward(x)))), weights};
}

BackboneInfo VitImpl::describe() {
  BackboneInfo b;
  b.name = "vit";
  b.title = "ViT";
  b.classToken = true;
  b.defaultOptimizer = "adamw";  // as DINO and MAE train it
  const int64_t depth = BackboneOptions("vit", 1, 1).vitDepth();
  for (int64_t i = 0; i < depth; ++i) b.stages.push_back("block" + std::to_string(i + 1));
  return b;
}

VitImpl::VitImpl(BackboneOptions options) : BackboneImpl(std::move(options)), m_dim(m_options.vitDim()) {
  const auto& o = m_options;
  if (o.patchSize() < 1 || o.imageSize() < 1 || o.imageSize() % o.patchSize() != 0) {
    throw std::invalid_argument("vit: the image size " + std::to_string(o.imageSize()) +
                                " must be a positive multiple of the patch size " +
                                std::to_string(o.patchSize()));
  }
  if (o.vitDepth() < 1 || o.vitHeads() < 1 || m_dim < 1 || m_dim % o.vitHeads() != 0) {
    throw std::invalid_argument("vit: needs depth >= 1 and an embedding dimension (" + std::to_string(m_dim) +
                                ") divisible by the number of heads (" + std::to_string(o.vitHeads()) +
                                "), depth is " + std::to_string(o.vitDepth()));
  }
  m_patchEmbed = register_module(
      "patchEmbed",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(o.inChannels(), m_dim, o.patchSize()).stride(o.patchSize())));
  m_clsToken = register_parameter("clsToken", torch::zeros({1, 1, m_dim}));
  m_posEmbed = register_parameter("posEmbed", torch::zeros({1, 1 + numPatches(), m_dim}));
  for (int64_t i = 0; i < o.vitDepth(); ++i)
    m_blocks.push_back(register_module("block" + std::to_string(i + 1), VitBlock(m_dim, o.vitHeads())));
  m_norm = register_module("norm", layerNorm(m_dim));

  // Initialisation as in timm / DINO: normal(0.02) tokens and linears, zero biases, LayerNorm (1, 0);
  // the patch embedding like a linear layer over flattened patches (MAE).
  torch::NoGradGuard noGrad;
  m_clsToken.normal_(0.0, 0.02);
  m_posEmbed.normal_(0.0, 0.02);
  torch::nn::init::xavier_uniform_(m_patchEmbed->weight.view({m_dim, -1}));
  m_patchEmbed->bias.zero_();
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, 0.02);
      linear->bias.zero_();
    }
  }
}

std::vector<std::string> VitImpl::stageNames() const {
  std::vector<std::string> names;
  for (size_t i = 0; i < m_blocks.size(); ++i) names.push_back("block" + std::to_string(i + 1));
  return names;
}

torch::Tensor VitImpl::patchify(const torch::Tensor& images) const {
  checkImages("vit", images, m_options.inChannels());
  const int64_t p = patchSize(), g = images.size(2) / p;
  TORCH_CHECK(images.size(2) % p == 0 && images.size(3) == images.size(2),
              "vit: patchify needs square images with a side divisible by ", p, ", got ", images.sizes());
  // [B, C, g, p, g, p] -> [B, g, g, p, p, C]
  return images.reshape({images.size(0), images.size(1), g, p, g, p})
      .permute({0, 2, 4, 3, 5, 1})
      .reshape({images.size(0), g * g, p * p * images.size(1)});
}

torch::Tensor VitImpl::unpatchify(const torch::Tensor& patches) const {
  const int64_t p = patchSize(), c = m_options.inChannels();
  const int64_t g = static_cast<int64_t>(std::lround(std::sqrt(double(patches.size(1)))));
  TORCH_CHECK(patches.dim() == 3 && g * g == patches.size(1) && patches.size(2) == p * p * c,
              "vit: unpatchify expects [B, N, ", p * p * c, "] with a square N, got ", patches.sizes());
  return patches.reshape({patches.size(0), g, g, p, p, c})
      .permute({0, 5, 1, 3, 2, 4})
      .reshape({patches.size(0), c, g * p, g * p});
}

torch::Tensor VitImpl::embedPatches(const torch::Tensor& images) {
  compat::CpuBf16Autocast autocast(trainsInCpuBf16(images));
  return embedBuiltSize(images);
}

torch::Tensor VitImpl::embedBuiltSize(const torch::Tensor& images) {
  checkImages("vit", images, m_options.inChannels());
  const int64_t side = m_options.imageSize();
  if (images.size(2) != side || images.size(3) != side) {
    throw std::invalid_argument("vit: built for " + std::to_string(side) + "x" + std::to_string(side) +
                                " images (its position embeddings are learned per patch), got " +
                                std::to_string(images.size(2)) + "x" + std::to_string(images.size(3)));
  }
  return embedAnySize(images);
}

torch::Tensor VitImpl::patchPositions(int64_t grid) const {
  TORCH_CHECK(grid >= 1, "vit: a patch grid needs at least one patch per side, got ", grid);
  const auto learned = m_posEmbed.slice(1, 1);  // [1, N, D]
  if (grid == gridSize()) return learned;
  namespace F = torch::nn::functional;
  const int64_t g = gridSize();
  // [1, N, D] -> [1, D, g, g], resized to [1, D, grid, grid] -> [1, grid * grid, D]
  const auto planes = learned.reshape({1, g, g, m_dim}).permute({0, 3, 1, 2});
  const auto resized = F::interpolate(planes, F::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{grid, grid})
                                                  .mode(torch::kBicubic)
                                                  .align_corners(false));
  return resized.permute({0, 2, 3, 1}).reshape({1, grid * grid, m_dim});
}

torch::Tensor VitImpl::embedAnySize(const torch::Tensor& images) {
  checkImages("vit", images, m_options.inChannels());
  const int64_t p = patchSize();
  if (images.size(2) != images.size(3) || images.size(2) % p != 0) {
    throw std::invalid_argument("vit: needs square images with a side divisible by the patch size " +
                                std::to_string(p) + ", got " + std::to_string(images.size(2)) + "x" +
                                std::to_string(images.size(3)));
  }
  auto tokens = m_patchEmbed->forward(images).flatten(2).transpose(1, 2);  // [B, N, D]
  return tokens + patchPositions(images.size(2) / p);
}

torch::Tensor VitImpl::forwardAnySize(torch::Tensor x) {
  compat::CpuBf16Autocast autocast(trainsInCpuBf16(x));
  auto cls = withClsToken(embedAnySize(x));
  for (auto& block : m_blocks) cls = block->forward(cls);
  return m_norm->forward(cls.select(1, 0));
}

torch::Tensor VitImpl::withClsToken(const torch::Tensor& patchTokens) const {
  TORCH_CHECK(patchTokens.dim() == 3 && patchTokens.size(2) == m_dim,
              "vit: expects patch tokens [B, n, ", m_dim, "], got ", patchTokens.sizes());
  auto cls = (m_clsToken + m_posEmbed.slice(1, 0, 1)).expand({patchTokens.size(0), 1, m_dim});
  return torch::cat({cls, patchTokens}, 1);
}

torch::Tensor VitImpl::encodeTokens(const torch::Tensor& patchTokens) {
  compat::CpuBf16Autocast autocast(trainsInCpuBf16(patchTokens));
  auto x = withClsToken(patchTokens);
  for (auto& block : m_blocks) x = block->forward(x);
  return m_norm->forward(x);
}

torch::Tensor VitImpl::forward(torch::Tensor x) {
  compat::CpuBf16Autocast autocast(trainsInCpuBf16(x));
  auto cls = withClsToken(embedBuiltSize(x));
  for (auto& block : m_blocks) cls = block->forward(cls);
  return m_norm->forward(cls.select(1, 0));
}

std::map<std::string, torch::Tensor> VitImpl::forwardStages(torch::Tensor x, const std::string& last) {
  const auto names = stageNames();
  checkStageName("vit", names, last);
  x = withClsToken(embedBuiltSize(x));
  std::map<std::string, torch::Tensor> out;
  for (size_t i = 0; i < m_blocks.size(); ++i) {
    x = m_blocks[i]->forward(x);
    out[names[i]] = x;
    if (names[i] == last) break;
  }
  return out;
}

torch::Tensor VitImpl::stageFeatures(torch::Tensor x, const std::string& stage) {
  return m_norm->forward(BackboneImpl::stageFeatures(x, stage));
}

torch::Tensor VitImpl::lastAttention(torch::Tensor x) {
  x = withClsToken(embedBuiltSize(x));
  for (size_t i = 0; i + 1 < m_blocks.size(); ++i) x = m_blocks[i]->forward(x);
  return m_blocks.back()->forwardWithWeights(x).second;
}

torch::Tensor VitImpl::clsAttention(torch::Tensor x) {
  return lastAttention(x).select(2, 0).slice(2, 1);
}

}  // namespace pretext::models

#include "methods/deepcluster.h"

#include "dist/dist.h"
#include "features/knn.h"

#include <chrono>
#include <cstdio>

namespace pretext::methods {

MethodInfo DeepClusterImpl::describe() {
  MethodInfo m;
  m.name = "deepcluster";
  m.title = "DeepCluster";
  m.family = "clustering";
  m.paper = "Caron, Bojanowski, Joulin & Douze 2018, Deep Clustering for Unsupervised Learning of Visual Features";
  m.description =
      "At the start of every epoch the network's features of all training images are reduced by PCA, whitened, "
      "normalised and grouped by k-means; the cluster index of each image becomes its pseudo-label, and for the "
      "rest of the epoch the network is trained to classify images into these clusters (with a freshly reset "
      "classifier, and every cluster weighted equally so that large clusters do not take over). Even random "
      "features cluster images by simple cues; learning to predict the clusters sharpens the features, and "
      "re-clustering with the better features gives better labels.";
  m.lossFormula = "y_n = argmin_k |phi(x_n) - mu_k|^2 (k-means);  L = sum_n w(y_n) (-log softmax(W f(x_n))[y_n]),  w(k) ~ 1/|cluster k|";
  m.defaultAugment = "light";
  m.options = describeOptions(DeepClusterOptions::specs());
  return m;
}

const OptionSpecs<DeepClusterOptions>& DeepClusterOptions::specs() {
  static const OptionSpecs<DeepClusterOptions> specs = {
      integerOption("clusters", &DeepClusterOptions::clusters, 2, 1048576,
                    "number of k-means clusters (paper 10000 for ImageNet; about 10x the classes)"),
      integerOption("pca", &DeepClusterOptions::pca, 0, 65536,
                    "PCA dimensions (whitened) before k-means; 0: no PCA (paper 256)"),
      integerOption("kmeans-iters", &DeepClusterOptions::kmeansIters, 1, 1000,
                    "k-means iterations per epoch (paper 20, with faiss)"),
  };
  return specs;
}

namespace F = torch::nn::functional;

namespace {

using Clock = std::chrono::steady_clock;

// Nearest centroid of every point, in chunks so that N x K distances never sit in memory at once.
torch::Tensor assign(const torch::Tensor& points, const torch::Tensor& centroids) {
  const auto centroidNorms = centroids.pow(2).sum(1).unsqueeze(0);  // [1, K]
  std::vector<torch::Tensor> out;
  constexpr int64_t chunk = 8192;
  for (int64_t i = 0; i < points.size(0); i += chunk) {
    const auto x = points.slice(0, i, std::min(i + chunk, points.size(0)));
    // |x - c|^2 without the |x|^2 term, which does not change the argmin.
    out.push_back((centroidNorms - 2.0 * torch::mm(x, centroids.t())).argmin(1));
  }
  return torch::cat(out);
}

// DeepCluster sec. 3.3: every empty cluster j takes over half of a large cluster m (drawn with
// probability proportional to its size beyond one point): both centroids start from the mean of m's
// points, moved apart along a small random direction, and m's points go to the nearer of the two.
// A hyperplane through the points' own mean always has points on both sides unless they all
// coincide, in which case they are split by position.
void fixEmptyClusters(const torch::Tensor& points, torch::Tensor& centroids, torch::Tensor& assignments) {
  const int64_t k = centroids.size(0);
  auto counts = torch::bincount(assignments, {}, k).to(torch::kCPU);
  const auto empty = counts.eq(0).nonzero().flatten();
  for (int64_t e = 0; e < empty.size(0); ++e) {
    const int64_t j = empty[e].item<int64_t>();
    const auto spare = (counts - 1).clamp_min(0).to(torch::kDouble);
    const int64_t m = torch::multinomial(spare, 1).item<int64_t>();
    const auto members = assignments.eq(m).nonzero().flatten();
    const auto pts = points.index_select(0, members);
    const auto mean = pts.mean(0);
    const auto spread = (pts - mean).norm(2, 1).mean();
    const auto delta = F::normalize(torch::randn({points.size(1)}, points.options()), F::NormalizeFuncOptions().dim(0)) *
                       (spread * 1e-3 + 1e-12);
    auto toJ = torch::mv(pts - mean, delta).gt(0);
    const int64_t moved = toJ.sum().item<int64_t>();
    if (moved == 0 || moved == members.size(0)) {
      toJ = torch::arange(members.size(0), members.options()).ge(members.size(0) / 2);
    }
    const auto movedMembers = members.masked_select(toJ);
    assignments.index_fill_(0, movedMembers, j);
    centroids[j].copy_(mean + delta);
    centroids[m].copy_(mean - delta);
    const int64_t n = movedMembers.size(0);
    counts[j] = n;
    counts[m] -= n;
  }
}

void updateCentroids(const torch::Tensor& points, torch::Tensor& centroids, const torch::Tensor& assignments) {
  const int64_t k = centroids.size(0);
  auto sums = torch::zeros_like(centroids).index_add_(0, assignments, points);
  const auto counts = torch::bincount(assignments, {}, k).to(points.dtype()).unsqueeze(1);
  centroids = torch::where(counts.gt(0), sums / counts.clamp_min(1), centroids);
}

// The data-parallel k-means: `points` is this rank's shard, in rank order, of the global points.

bool distributed(dist::ProcessGroup* group) { return group && group->size() > 1; }

int64_t globalSum(int64_t local, dist::ProcessGroup& g, const std::string& what) {
  auto t = torch::full({1}, local, torch::kLong);
  g.allReduceSum(t, what);
  return t.item<int64_t>();
}

/// This rank's first row in the global order, and the global row count.
std::pair<int64_t, int64_t> shardOffset(int64_t rows, dist::ProcessGroup& g, const std::string& what) {
  const auto sizes = g.allGather(torch::full({1}, rows, torch::kLong), what);
  return {sizes.slice(0, 0, g.rank()).sum().item<int64_t>(), sizes.sum().item<int64_t>()};
}

/// The ranks' `x` (different row counts allowed) concatenated in rank order.
torch::Tensor gatherShards(const torch::Tensor& x, dist::ProcessGroup& g, const std::string& what) {
  const auto sizes = g.allGather(torch::full({1}, x.size(0), torch::kLong), what + " (sizes)");
  const int64_t most = sizes.max().item<int64_t>();
  auto padded = torch::zeros({most}, x.options());
  padded.slice(0, 0, x.size(0)).copy_(x);
  const auto all = g.allGather(padded, what);
  std::vector<torch::Tensor> parts;
  for (int r = 0; r < g.size(); ++r) parts.push_back(all.slice(0, r * most, r * most + sizes[r].item<int64_t>()));
  return torch::cat(parts);
}

void fixEmptyClustersDistributed(const torch::Tensor& points, torch::Tensor& centroids, torch::Tensor& assignments,
                                 dist::ProcessGroup& g) {
  const int64_t k = centroids.size(0), d = points.size(1);
  auto counts = torch::bincount(assignments, {}, k).to(torch::kCPU).to(torch::kLong);
  g.allReduceSum(counts, "k-means cluster sizes");
  const auto empty = counts.eq(0).nonzero().flatten();
  for (int64_t e = 0; e < empty.size(0); ++e) {
    const int64_t j = empty[e].item<int64_t>();
    // Rank 0 draws the cluster to split and the direction, in the order one process draws them.
    auto draw = torch::zeros({d + 1}, points.options());
    if (g.rank() == 0) {
      const auto spare = (counts - 1).clamp_min(0).to(torch::kDouble);
      const int64_t m = torch::multinomial(spare, 1).item<int64_t>();
      draw.slice(0, 0, d).copy_(F::normalize(torch::randn({d}, points.options()), F::NormalizeFuncOptions().dim(0)));
      draw[d] = double(m);
    }
    g.broadcast({draw}, 0, "the k-means cluster to split");
    const int64_t m = std::llround(draw[d].item<double>());
    const auto members = assignments.eq(m).nonzero().flatten();
    const auto pts = points.index_select(0, members);
    auto moments = torch::cat({pts.sum(0), torch::full({1}, double(members.size(0)), points.options())});
    g.allReduceSum(moments, "the split cluster's sum");
    const double total = moments[d].item<double>();
    const auto mean = moments.slice(0, 0, d) / total;
    auto spreadSum = (pts - mean).norm(2, 1).sum().reshape({1});
    g.allReduceSum(spreadSum, "the split cluster's spread");
    const auto delta = draw.slice(0, 0, d) * (spreadSum / total * 1e-3 + 1e-12);
    auto toJ = torch::mv(pts - mean, delta).gt(0);
    const int64_t moved = globalSum(toJ.sum().item<int64_t>(), g, "the split's sizes");
    if (moved == 0 || moved == int64_t(total)) {
      const int64_t offset = shardOffset(members.size(0), g, "the split cluster's members").first;
      toJ = (torch::arange(members.size(0), members.options()) + offset).ge(int64_t(total) / 2);
    }
    const auto movedMembers = members.masked_select(toJ);
    assignments.index_fill_(0, movedMembers, j);
    centroids[j].copy_(mean + delta);
    centroids[m].copy_(mean - delta);
    const int64_t n = globalSum(movedMembers.size(0), g, "the split's sizes");
    counts[j] = n;
    counts[m] -= n;
  }
}

void updateCentroidsDistributed(const torch::Tensor& points, torch::Tensor& centroids, const torch::Tensor& assignments,
                                dist::ProcessGroup& g) {
  const int64_t k = centroids.size(0), d = points.size(1);
  auto sums = torch::cat({torch::zeros_like(centroids).index_add_(0, assignments, points),
                          torch::bincount(assignments, {}, k).to(points.dtype()).unsqueeze(1)},
                         1);
  g.allReduceSum(sums, "k-means cluster sums");
  const auto counts = sums.slice(1, d, d + 1);
  centroids = torch::where(counts.gt(0), sums.slice(1, 0, d) / counts.clamp_min(1), centroids);
}

}  // namespace

KMeansResult kMeans(const torch::Tensor& points, const torch::Tensor& initial, int64_t iterations,
                    dist::ProcessGroup* group) {
  torch::NoGradGuard noGrad;
  const auto x = points.to(torch::kFloat);
  const int64_t k = initial.size(0);
  const bool global = distributed(group);
  const int64_t n = global ? globalSum(x.size(0), *group, "the k-means point count") : x.size(0);
  if (k > n) {
    throw std::invalid_argument("k-means: " + std::to_string(k) + " clusters need at least as many points (got " +
                                std::to_string(n) + "); lower --clusters");
  }
  KMeansResult r;
  r.centroids = initial.to(x.options()).clone();
  for (int64_t it = 0; it <= iterations; ++it) {
    r.assignments = assign(x, r.centroids);
    if (global) {
      fixEmptyClustersDistributed(x, r.centroids, r.assignments, *group);
      updateCentroidsDistributed(x, r.centroids, r.assignments, *group);
    } else {
      fixEmptyClusters(x, r.centroids, r.assignments);
      updateCentroids(x, r.centroids, r.assignments);
    }
  }
  return r;
}

KMeansResult kMeans(const torch::Tensor& points, int64_t clusters, int64_t iterations, dist::ProcessGroup* group) {
  if (distributed(group)) {
    // Rank 0 draws the initial points among the global ones; each rank contributes those it holds.
    torch::NoGradGuard noGrad;
    const auto [offset, n] = shardOffset(points.size(0), *group, "the k-means point count");
    if (clusters > n) {
      throw std::invalid_argument("k-means: " + std::to_string(clusters) + " clusters need at least as many points (got " +
                                  std::to_string(n) + "); lower --clusters");
    }
    auto pick = torch::zeros({clusters}, torch::kLong);
    if (group->rank() == 0) pick = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong)).slice(0, 0, clusters).clone();
    group->broadcast({pick}, 0, "the initial k-means centroids");
    auto initial = torch::zeros({clusters, points.size(1)}, points.options().dtype(torch::kFloat));
    const auto mine = pick.ge(offset).logical_and(pick.lt(offset + points.size(0))).nonzero().flatten();
    initial.index_copy_(0, mine.to(initial.device()),
                        points.to(torch::kFloat).index_select(0, (pick.index_select(0, mine) - offset).to(points.device())));
    group->allReduceSum(initial, "the initial k-means centroids");
    return kMeans(points, initial, iterations, group);
  }
  if (clusters > points.size(0)) {
    throw std::invalid_argument("k-means: " + std::to_string(clusters) + " clusters need at least as many points (got " +
                                std::to_string(points.size(0)) + "); lower --clusters");
  }
  const auto pick = torch::randperm(points.size(0), torch::TensorOptions().dtype(torch::kLong).device(points.device()))
                        .slice(0, 0, clusters);
  return kMeans(points, points.index_select(0, pick), iterations);
}

torch::Tensor pcaWhiten(const torch::Tensor& features, int64_t dims, dist::ProcessGroup* group) {
  torch::NoGradGuard noGrad;
  auto x = features.to(torch::kDouble);
  if (dims > 0 && dims < x.size(1)) {
    torch::Tensor cov;
    if (distributed(group)) {
      const int64_t d = x.size(1);
      auto sums = torch::cat({x.sum(0), torch::full({1}, double(x.size(0)), x.options())});
      group->allReduceSum(sums, "the PCA mean");
      const double n = sums[d].item<double>();
      x = x - (sums.slice(0, 0, d) / n).unsqueeze(0);
      cov = torch::mm(x.t(), x);
      group->allReduceSum(cov, "the PCA covariance");
      cov /= std::max(1.0, n - 1.0);
    } else {
      x = x - x.mean(0, /*keepdim=*/true);
      cov = torch::mm(x.t(), x) / double(std::max<int64_t>(1, x.size(0) - 1));
    }
    const auto [values, vectors] = at::linalg_eigh(cov, "L");  // ascending eigenvalues
    const int64_t d = x.size(1);
    const auto top = vectors.slice(1, d - dims, d);
    const auto scale = (values.slice(0, d - dims, d).clamp_min(0) + 1e-8).rsqrt();
    x = torch::mm(x, top) * scale.unsqueeze(0);
  }
  return F::normalize(x, F::NormalizeFuncOptions().dim(1)).to(torch::kFloat);
}

torch::Tensor inverseClusterSizeWeights(const torch::Tensor& assignments, int64_t clusters) {
  const auto counts = torch::bincount(assignments, {}, clusters).to(torch::kFloat);
  return double(assignments.size(0)) / (double(clusters) * counts.clamp_min(1));
}

DeepClusterImpl::DeepClusterImpl(const MethodContext& context) : MethodImpl("deepcluster", context) {
  const auto o = parsedOptions<DeepClusterOptions>();
  m_clusters = o.clusters;
  m_pca = o.pca;
  m_iterations = o.kmeansIters;
  if (context.datasetSize < m_clusters) {
    throw std::invalid_argument("deepcluster: " + std::to_string(m_clusters) + " clusters need at least as many "
                                "training images (the split has " + std::to_string(context.datasetSize) +
                                "); lower --clusters");
  }
  m_classifier = register_module("classifier", torch::nn::Linear(m_backbone->featureDim(), m_clusters));
  // Before the first clustering (a method built outside the Trainer): arbitrary, balanced labels.
  m_labels = register_buffer("pseudo_labels", torch::arange(context.datasetSize, torch::kLong).remainder(m_clusters));
  m_classWeights = register_buffer("class_weights", torch::ones({m_clusters}));
}

void DeepClusterImpl::beginEpoch(int64_t epoch, const torch::Tensor& trainImages) {
  const auto start = Clock::now();
  if (trainImages.size(0) != m_labels.size(0)) {
    throw std::invalid_argument("deepcluster: built for " + std::to_string(m_labels.size(0)) +
                                " training images but given " + std::to_string(trainImages.size(0)));
  }
  // Data-parallel: each rank extracts and assigns its share of the images; the statistics are global.
  auto* group = dist::currentGroup();
  const bool shared = distributed(group);
  const int64_t n = trainImages.size(0);
  const int64_t per = shared ? (n + group->size() - 1) / group->size() : n;
  const int64_t begin = shared ? std::min(n, group->rank() * per) : 0, end = std::min(n, begin + per);
  // On the model's device: the images may be CPU arrays (a training split that is streamed).
  const auto features =
      begin < end ? eval::extractFeatures(*m_backbone, trainImages.slice(0, begin, end), m_context.mean, m_context.std, "",
                                          m_context.device)
                  : torch::zeros({0, m_backbone->featureDim()}, torch::TensorOptions().dtype(torch::kFloat).device(m_context.device));
  const auto points = pcaWhiten(features, m_pca, group);
  const auto kMeansStart = Clock::now();
  KMeansResult r = kMeans(points, m_clusters, m_iterations, group);
  if (shared) r.assignments = gatherShards(r.assignments.to(torch::kCPU), *group, "the pseudo-labels").to(m_labels.device());
  const auto finish = Clock::now();
  {
    torch::NoGradGuard noGrad;
    m_labels.copy_(r.assignments);
    m_classWeights.copy_(inverseClusterSizeWeights(r.assignments, m_clusters));
  }
  // The classifier of the previous clustering means nothing for the new cluster indices (sec. 3.2).
  m_classifier->reset_parameters();
  m_clusteringSeconds = std::chrono::duration<double>(finish - start).count();
  m_kMeansSeconds = std::chrono::duration<double>(finish - kMeansStart).count();
  const auto counts = torch::bincount(r.assignments, {}, m_clusters);
  std::fprintf(stderr, "deepcluster: epoch %lld: clustered %lld images into %lld clusters (sizes %lld..%lld) in %.2f s "
               "(k-means %.2f s)\n", static_cast<long long>(epoch + 1), static_cast<long long>(trainImages.size(0)),
               static_cast<long long>(m_clusters), static_cast<long long>(counts.min().item<int64_t>()),
               static_cast<long long>(counts.max().item<int64_t>()), m_clusteringSeconds, m_kMeansSeconds);
}

StepOutput DeepClusterImpl::step(const Batch& batch) {
  const auto logits = m_classifier->forward(m_backbone->forward(prepare(batch.images, m_context.augment))).to(torch::kFloat);
  const auto labels = m_labels.index_select(0, batch.indices.to(m_labels.device()));
  StepOutput out;
  out.loss = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().weight(m_classWeights));
  out.accuracy = logits.argmax(1).eq(labels).to(torch::kFloat).mean().detach();
  return out;
}

}  // namespace pretext::methods

// DeepCluster (Caron, Bojanowski, Joulin & Douze 2018): alternate k-means on the network's own
// features and classification of the resulting cluster indices as pseudo-labels.
#pragma once

#include "methods/method.h"

namespace pretext::dist {
class ProcessGroup;
}

namespace pretext::methods {

struct KMeansResult {
  torch::Tensor centroids;    ///< [K, D]
  torch::Tensor assignments;  ///< int64 [N], every cluster non-empty
};

/// Lloyd's k-means from `initial` centroids [K, D] for `iterations` rounds on points [N, D], with
/// DeepCluster's empty-cluster rule (sec. 3.3, as in faiss): an empty cluster takes a perturbed copy
/// of a large cluster's centroid (chosen with probability proportional to its size), the two
/// centroids move apart symmetrically, and the large cluster's points are split between them.
/// The final assignments leave no cluster empty. Throws std::invalid_argument when K > N.
///
/// With a `group` of several ranks, `points` are this rank's shard of the global points (the shards
/// in rank order make up the whole; sizes may differ) and every statistic is global: the clusters'
/// sums and sizes are all-reduced each round, an empty cluster's split uses the global members,
/// and rank 0 draws what is random. Every rank ends with the same centroids and the assignments of
/// its own points: those one process computes on all the points.
KMeansResult kMeans(const torch::Tensor& points, const torch::Tensor& initial, int64_t iterations,
                    dist::ProcessGroup* group = nullptr);
/// k-means from K distinct points drawn at random (the default generator; rank 0's with a group)
/// as initial centroids.
KMeansResult kMeans(const torch::Tensor& points, int64_t clusters, int64_t iterations,
                    dist::ProcessGroup* group = nullptr);

/// DeepCluster's preprocessing (sec. 3.3 / 4): PCA to `dims` components, whitened, then L2-normalised.
/// `dims` <= 0 or >= D: only the L2 normalisation. With a `group`, `features` are this rank's
/// shard and the mean and covariance are the global ones (all-reduced sums).
torch::Tensor pcaWhiten(const torch::Tensor& features, int64_t dims, dist::ProcessGroup* group = nullptr);

/// The class weights of DeepCluster's classification loss, N / (K |cluster k|) (mean 1 over the
/// images), so that every cluster weighs the same in the loss, float [K]. The paper samples images
/// uniformly over the clusters instead; here the Trainer owns the sampling, so the loss is weighted.
torch::Tensor inverseClusterSizeWeights(const torch::Tensor& assignments, int64_t clusters);

/// The options of DeepCluster; names, ranges and help in specs().
struct DeepClusterOptions {
  int64_t clusters = 100;
  int64_t pca = 32;
  int64_t kmeansIters = 20;
  static const OptionSpecs<DeepClusterOptions>& specs();
};

class DeepClusterImpl final : public MethodImpl {
 public:
  explicit DeepClusterImpl(const MethodContext& context);
  /// The catalogue entry: title, paper, description, loss and options.
  static MethodInfo describe();
  StepOutput step(const Batch& batch) override;
  /// Extracts features of every training image, clusters them and resets the classifier.
  void beginEpoch(int64_t epoch, const torch::Tensor& trainImages) override;
  /// int64 [N]: the cluster of every training image.
  const torch::Tensor& pseudoLabels() const { return m_labels; }
  /// Seconds the last beginEpoch took (features, PCA, k-means), and the k-means part alone.
  double lastClusteringSeconds() const { return m_clusteringSeconds; }
  double lastKMeansSeconds() const { return m_kMeansSeconds; }

 private:
  torch::nn::Linear m_classifier{nullptr};
  torch::Tensor m_labels;        ///< int64 [N] pseudo-labels
  torch::Tensor m_classWeights;  ///< float [K]: cross-entropy weight of each cluster
  int64_t m_clusters, m_pca, m_iterations;
  double m_clusteringSeconds = 0.0, m_kMeansSeconds = 0.0;
};

}  // namespace pretext::methods

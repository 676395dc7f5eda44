// Nearest-neighbour retrieval metrics: precision@K and mean average precision over a ranking by
// cosine similarity (e.g. Manning, Raghavan & Schuetze 2008, ch. 8.4).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace pretext::eval {

/// Average precision of one ranking: `relevant` in rank order (the first entry is the nearest).
/// AP = (1 / R) sum_k P@k * rel_k with R = `totalRelevant` (all relevant items of the database, so
/// relevant items the ranking misses count as zero). R = 0 gives 0.
double averagePrecision(const std::vector<bool>& relevant, int64_t totalRelevant);

struct RetrievalMetrics {
  std::vector<double> precisionAtK;  ///< one per k, mean over queries
  double meanAveragePrecision = 0.0;
};

/// Queries [M, D] and database [N, D] L2-normalised (cosine = dot product), labels int64.
/// Ranking by decreasing similarity, ties in database order. cutoff 0: AP over the full ranking
/// (R = the query's class count in the database); cutoff c > 0: AP@c with R = min(class count, c).
RetrievalMetrics retrievalMetrics(const torch::Tensor& queries, const torch::Tensor& queryLabels,
                                  const torch::Tensor& database, const torch::Tensor& databaseLabels,
                                  const std::vector<int>& ks, int64_t cutoff, int64_t chunk = 256);

}  // namespace pretext::eval

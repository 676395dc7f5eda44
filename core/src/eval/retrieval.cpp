#include "eval/retrieval.h"

#include <algorithm>

namespace pretext::eval {

double averagePrecision(const std::vector<bool>& relevant, int64_t totalRelevant) {
  if (totalRelevant <= 0) return 0.0;
  double sum = 0.0;
  int64_t hits = 0;
  for (std::size_t k = 0; k < relevant.size(); ++k) {
    if (!relevant[k]) continue;
    ++hits;
    sum += double(hits) / double(k + 1);
  }
  return sum / double(totalRelevant);
}

RetrievalMetrics retrievalMetrics(const torch::Tensor& queries, const torch::Tensor& queryLabels,
                                  const torch::Tensor& database, const torch::Tensor& databaseLabels,
                                  const std::vector<int>& ks, int64_t cutoff, int64_t chunk) {
  torch::NoGradGuard noGrad;
  const int64_t n = database.size(0), m = queries.size(0);
  if (n < 1 || m < 1) throw std::invalid_argument("retrieval needs at least one query and one database item");
  for (int k : ks) {
    if (k < 1 || k > n) {
      throw std::invalid_argument("precision@K: K must be in [1, " + std::to_string(n) + "], got " + std::to_string(k));
    }
  }
  if (cutoff < 0) throw std::invalid_argument("the mAP cutoff must be >= 0 (0: the full ranking)");
  const int64_t depth = cutoff > 0 ? std::min(cutoff, n) : n;
  const int64_t kmax = ks.empty() ? 0 : *std::max_element(ks.begin(), ks.end());
  const auto dbLabels = databaseLabels.to(database.device(), torch::kLong);
  const auto qLabels = queryLabels.to(database.device(), torch::kLong);
  const int64_t classes = std::max(dbLabels.max().item<int64_t>(), qLabels.max().item<int64_t>()) + 1;
  const auto classCounts = torch::bincount(dbLabels.clamp_min(0), {}, classes).to(torch::kDouble);
  std::vector<double> precisionSum(ks.size(), 0.0);
  double apSum = 0.0;
  const auto ranks = torch::arange(1, std::max(depth, kmax) + 1, database.options().dtype(torch::kDouble));
  for (int64_t i = 0; i < m; i += chunk) {
    const auto q = queries.slice(0, i, std::min(i + chunk, m));
    const auto ql = qLabels.slice(0, i, i + q.size(0));
    const auto sim = torch::mm(q, database.t());
    // A stable sort keeps ties in database order, so the ranking is reproducible.
    const auto order = std::get<1>(torch::sort(sim, /*stable=*/true, /*dim=*/1, /*descending=*/true))
                           .slice(1, 0, std::max(depth, kmax));
    const auto rel = dbLabels.index_select(0, order.flatten()).view(order.sizes()).eq(ql.unsqueeze(1)).to(torch::kDouble);
    for (std::size_t j = 0; j < ks.size(); ++j) {
      precisionSum[j] += rel.slice(1, 0, ks[j]).sum().item<double>() / double(ks[j]);
    }
    const auto relD = rel.slice(1, 0, depth);
    const auto precision = relD.cumsum(1) / ranks.slice(0, 0, depth);
    auto r = classCounts.index_select(0, ql.clamp_min(0));
    if (cutoff > 0) r = r.clamp_max(double(depth));
    const auto ap = (precision * relD).sum(1) / r.clamp_min(1.0);
    apSum += ap.sum().item<double>();
  }
  RetrievalMetrics out;
  for (double s : precisionSum) out.precisionAtK.push_back(s / double(m));
  out.meanAveragePrecision = apSum / double(m);
  return out;
}

}  // namespace pretext::eval

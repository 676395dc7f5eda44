#include "eval/embedding.h"

#include "pretext/numbers.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace pretext::eval {

double alignment(const torch::Tensor& x, const torch::Tensor& y, double alpha) {
  TORCH_CHECK(x.sizes() == y.sizes() && x.dim() == 2, "alignment: two [N, D] views, got ", x.sizes(), " and ", y.sizes());
  return (x.to(torch::kDouble) - y.to(torch::kDouble)).norm(2, 1).pow(alpha).mean().item<double>();
}

double uniformity(const torch::Tensor& x, double t) {
  TORCH_CHECK(x.dim() == 2 && x.size(0) >= 2, "uniformity: at least two rows [N, D], got ", x.sizes());
  // log-mean-exp over the N(N-1)/2 pairs, stable.
  const auto e = torch::pdist(x.to(torch::kDouble)).pow(2).mul(-t);
  return (torch::logsumexp(e, 0) - std::log(double(e.numel()))).item<double>();
}

torch::Tensor pca2d(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(0) >= 2 && x.size(1) >= 2, "PCA: at least 2 rows and 2 columns, got ", x.sizes());
  const auto xc = x.to(torch::kDouble) - x.to(torch::kDouble).mean(0, true);
  const auto cov = torch::mm(xc.t(), xc) / double(x.size(0) - 1);
  const auto eig = at::linalg_eigh(cov, "L");  // ATen spelling: torch::linalg needs another header in 2.x
  auto v = std::get<1>(eig).flip({1}).slice(1, 0, 2).clone();  // eigenvalues ascend: the last two lead
  for (int64_t c = 0; c < 2; ++c) {
    const auto col = v.select(1, c);
    if (col[col.abs().argmax()].item<double>() < 0) col.neg_();
  }
  return torch::mm(xc, v);
}

torch::Tensor conditionalProbabilities(const torch::Tensor& squaredDistances, double perplexity) {
  const auto d = squaredDistances.to(torch::kDouble).contiguous();
  const int64_t n = d.size(0), m = d.size(1);
  if (!(perplexity > 0) || perplexity > double(m)) {
    throw std::invalid_argument("t-SNE perplexity must be in (0, " + std::to_string(m) + "] here, got " +
                                formatGeneral(perplexity));
  }
  auto p = torch::zeros_like(d);
  const double* dd = d.data_ptr<double>();
  double* pp = p.data_ptr<double>();
  const double target = std::log(perplexity);  // entropy in nats
  for (int64_t i = 0; i < n; ++i) {
    const double* row = dd + i * m;
    double* out = pp + i * m;
    double minD = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < m; ++j) minD = std::min(minD, row[j]);
    double beta = 1.0, lo = 0.0, hi = std::numeric_limits<double>::infinity();
    for (int iter = 0; iter < 200; ++iter) {
      double sum = 0.0, weighted = 0.0;
      for (int64_t j = 0; j < m; ++j) {
        out[j] = 0.0;
        if (!std::isfinite(row[j])) continue;  // excluded candidates (the point itself)
        const double w = std::exp(-beta * (row[j] - minD));
        out[j] = w;
        sum += w;
        weighted += w * (row[j] - minD);
      }
      // H = log(sum) + beta * E[d - minD]
      const double entropy = std::log(sum) + beta * weighted / sum;
      for (int64_t j = 0; j < m; ++j) out[j] /= sum;
      if (std::abs(entropy - target) < 1e-10) break;
      if (entropy > target) {
        lo = beta;
        beta = std::isinf(hi) ? beta * 2.0 : 0.5 * (beta + hi);
      } else {
        hi = beta;
        beta = 0.5 * (beta + lo);
      }
    }
  }
  return p;
}

namespace {

/// The exact gradient (eq. 5) into g [2N] for positions y [2N] and a dense row-major P [N * N].
void exactGradient(const double* p, const double* y, int64_t n, double* g) {
  std::vector<double> w(std::size_t(n * n), 0.0);
  double z = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double v = 1.0 / (1.0 + dx * dx + dy * dy);  // Student-t kernel
      w[std::size_t(i * n + j)] = w[std::size_t(j * n + i)] = v;
      z += 2.0 * v;
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    double gx = 0.0, gy = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double v = w[std::size_t(i * n + j)];
      const double f = (p[i * n + j] - v / z) * v;
      gx += f * (y[2 * i] - y[2 * j]);
      gy += f * (y[2 * i + 1] - y[2 * j + 1]);
    }
    g[2 * i] = 4.0 * gx;
    g[2 * i + 1] = 4.0 * gy;
  }
}

}  // namespace

torch::Tensor tsneGradientExact(const torch::Tensor& p, const torch::Tensor& y) {
  const auto pc = p.to(torch::kDouble).contiguous(), yc = y.to(torch::kDouble).contiguous();
  auto grad = torch::zeros_like(yc);
  exactGradient(pc.data_ptr<double>(), yc.data_ptr<double>(), yc.size(0), grad.data_ptr<double>());
  return grad;
}

namespace {

/// A point quadtree over 2-D positions with per-cell mass and centre of mass.
class QuadTree {
 public:
  explicit QuadTree(const double* y, int64_t n) : m_y(y) {
    double x0 = y[0], x1 = y[0], y0 = y[1], y1 = y[1];
    for (int64_t i = 1; i < n; ++i) {
      x0 = std::min(x0, y[2 * i]), x1 = std::max(x1, y[2 * i]);
      y0 = std::min(y0, y[2 * i + 1]), y1 = std::max(y1, y[2 * i + 1]);
    }
    const double half = 0.5 * std::max(x1 - x0, y1 - y0) + 1e-5;
    m_nodes.push_back(Node{0.5 * (x0 + x1), 0.5 * (y0 + y1), half});
    for (int64_t i = 0; i < n; ++i) insert(0, i, 0);
  }

  /// Adds the repulsive terms of point i: sum_j w_ij^2 (y_i - y_j) into f, sum_j w_ij into z.
  void repulsion(int64_t i, double theta, double f[2], double& z) const {
    const double xi = m_y[2 * i], yi = m_y[2 * i + 1];
    std::vector<int32_t> stack{0};
    while (!stack.empty()) {
      const Node& node = m_nodes[std::size_t(stack.back())];
      stack.pop_back();
      if (node.count == 0) continue;
      const double cx = node.sx / node.count, cy = node.sy / node.count;
      const double dx = xi - cx, dy = yi - cy, d2 = dx * dx + dy * dy;
      if (node.leaf || 2.0 * node.half < theta * std::sqrt(d2)) {
        // A leaf at i's very position holds i (identical positions share a leaf): leave i's own term out.
        const double count = node.leaf && d2 == 0.0 ? node.count - 1 : node.count;
        if (count == 0) continue;
        const double w = 1.0 / (1.0 + d2);
        z += count * w;
        f[0] += count * w * w * dx;
        f[1] += count * w * w * dy;
        continue;
      }
      for (int32_t c : node.children)
        if (c >= 0) stack.push_back(c);
    }
  }

 private:
  struct Node {
    double cx, cy, half;
    double sx = 0.0, sy = 0.0;
    double count = 0.0;
    bool leaf = true;
    int64_t point = -1;
    int32_t children[4] = {-1, -1, -1, -1};
  };

  int32_t child(int32_t index, int quadrant) {
    if (m_nodes[std::size_t(index)].children[quadrant] < 0) {
      const Node& n = m_nodes[std::size_t(index)];
      const double h = 0.5 * n.half;
      Node c{n.cx + ((quadrant & 1) ? h : -h), n.cy + ((quadrant & 2) ? h : -h), h};
      m_nodes.push_back(c);
      m_nodes[std::size_t(index)].children[quadrant] = int32_t(m_nodes.size() - 1);
    }
    return m_nodes[std::size_t(index)].children[quadrant];
  }

  int quadrantOf(int32_t index, int64_t i) const {
    const Node& n = m_nodes[std::size_t(index)];
    return (m_y[2 * i] > n.cx ? 1 : 0) + (m_y[2 * i + 1] > n.cy ? 2 : 0);
  }

  void insert(int32_t index, int64_t i, int depth) {
    Node* n = &m_nodes[std::size_t(index)];
    n->sx += m_y[2 * i];
    n->sy += m_y[2 * i + 1];
    n->count += 1.0;
    if (n->leaf) {
      if (n->count == 1.0) {
        n->point = i;
        return;
      }
      // Identical positions (or a very deep tree) stay together in one leaf.
      const int64_t other = n->point;
      if (depth > 48 || (m_y[2 * other] == m_y[2 * i] && m_y[2 * other + 1] == m_y[2 * i + 1])) return;
      n->leaf = false;
      n->point = -1;
      // The points already here (count - 1 of them, all at `other`'s position) move down.
      const double moved = n->count - 1.0;
      const int q = quadrantOf(index, other);
      const int32_t c = child(index, q);
      Node& cn = m_nodes[std::size_t(c)];
      cn.sx = moved * m_y[2 * other];
      cn.sy = moved * m_y[2 * other + 1];
      cn.count = moved;
      cn.point = other;
    }
    const int q = quadrantOf(index, i);
    const int32_t c = child(index, q);
    insert(c, i, depth + 1);
  }

  const double* m_y;
  std::vector<Node> m_nodes;
};

}  // namespace

torch::Tensor tsneGradientBarnesHut(const SparseP& p, const torch::Tensor& y, double theta) {
  const auto yc = y.to(torch::kDouble).contiguous();
  const int64_t n = yc.size(0);
  const double* yy = yc.data_ptr<double>();
  auto grad = torch::zeros({n, 2}, torch::kDouble);
  double* g = grad.data_ptr<double>();
  // Attraction: sum_j p_ij w_ij (y_i - y_j).
  for (std::size_t k = 0; k < p.values.size(); ++k) {
    const int64_t i = p.rows[k], j = p.cols[k];
    const double dx = yy[2 * i] - yy[2 * j], dy = yy[2 * i + 1] - yy[2 * j + 1];
    const double w = 1.0 / (1.0 + dx * dx + dy * dy);
    g[2 * i] += 4.0 * p.values[k] * w * dx;
    g[2 * i + 1] += 4.0 * p.values[k] * w * dy;
  }
  // Repulsion: sum_j q_ij w_ij (y_i - y_j) = (1/Z) sum_j w_ij^2 (y_i - y_j).
  const QuadTree tree(yy, n);
  std::vector<double> rep(std::size_t(2 * n), 0.0);
  double z = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double f[2] = {0.0, 0.0};
    tree.repulsion(i, theta, f, z);
    rep[std::size_t(2 * i)] = f[0];
    rep[std::size_t(2 * i + 1)] = f[1];
  }
  for (int64_t i = 0; i < 2 * n; ++i) g[i] -= 4.0 * rep[std::size_t(i)] / z;
  return grad;
}

torch::Tensor tsne2d(const torch::Tensor& xIn, const TsneOptions& o, const std::function<void(int)>& onIteration) {
  TORCH_CHECK(xIn.dim() == 2, "t-SNE: features [N, D], got ", xIn.sizes());
  const int64_t n = xIn.size(0);
  if (n < 4) throw std::invalid_argument("t-SNE needs at least 4 points, got " + std::to_string(n));
  if (o.iterations < 1) throw std::invalid_argument("t-SNE needs at least one iteration");
  if (o.theta < 0 || o.theta > 1.5) throw std::invalid_argument("t-SNE theta must be in [0, 1.5]");
  const double perplexity = std::min(o.perplexity, double(n - 1) / 3.0);
  if (!(perplexity > 0)) throw std::invalid_argument("t-SNE perplexity must be positive");
  auto x = xIn.to(torch::kDouble);
  x = x - x.mean(0, true);
  const bool exact = n <= o.exactLimit;
  torch::Tensor pDense;
  SparseP pSparse;
  if (exact) {
    auto d2 = torch::cdist(x, x).pow(2);
    d2.fill_diagonal_(std::numeric_limits<double>::infinity());
    const auto cond = conditionalProbabilities(d2, perplexity);
    pDense = (cond + cond.t()) / (2.0 * double(n));
  } else {
    const int64_t k = std::min<int64_t>(n - 1, int64_t(3.0 * perplexity));
    std::vector<torch::Tensor> dists, idxs;
    for (int64_t i = 0; i < n; i += 1024) {
      const auto xs = x.slice(0, i, std::min(i + 1024, n));
      auto d2 = torch::cdist(xs, x).pow(2);
      for (int64_t r = 0; r < xs.size(0); ++r) d2[r][i + r] = std::numeric_limits<double>::infinity();
      auto top = d2.topk(k, 1, /*largest=*/false);
      dists.push_back(std::get<0>(top));
      idxs.push_back(std::get<1>(top));
    }
    const auto cond = conditionalProbabilities(torch::cat(dists), perplexity).contiguous();
    const auto idx = torch::cat(idxs).contiguous();
    // Symmetrise: P_ij = (p_{j|i} + p_{i|j}) / 2N over the union of neighbour lists.
    std::vector<std::map<int64_t, double>> rows(static_cast<std::size_t>(n));
    const double* c = cond.data_ptr<double>();
    const int64_t* id = idx.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t a = 0; a < k; ++a) {
        const int64_t j = id[i * k + a];
        const double v = c[i * k + a] / (2.0 * double(n));
        rows[std::size_t(i)][j] += v;
        rows[std::size_t(j)][i] += v;
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      for (const auto& [j, v] : rows[std::size_t(i)]) {
        pSparse.rows.push_back(i);
        pSparse.cols.push_back(j);
        pSparse.values.push_back(v);
      }
    }
  }
  auto gen = at::detail::createCPUGenerator(o.seed);
  const auto y0 = (torch::randn({n, 2}, gen, torch::TensorOptions().dtype(torch::kDouble)) * 1e-4).contiguous();
  // The optimisation runs on plain arrays: thousands of tiny tensor ops per iteration would cost
  // more in dispatch and thread wake-ups than the arithmetic.
  std::vector<double> y(y0.data_ptr<double>(), y0.data_ptr<double>() + 2 * n);
  std::vector<double> velocity(std::size_t(2 * n), 0.0), gains(std::size_t(2 * n), 1.0), grad(std::size_t(2 * n), 0.0);
  if (exact) pDense = pDense.contiguous();
  const double lr = std::max(double(n) / 12.0, 50.0);
  constexpr int kExaggerationIters = 250;
  constexpr double kExaggeration = 12.0;
  if (exact) pDense.mul_(kExaggeration);
  for (auto& v : pSparse.values) v *= kExaggeration;
  for (int it = 0; it < o.iterations; ++it) {
    if (it == kExaggerationIters) {
      if (exact) pDense.div_(kExaggeration);
      for (auto& v : pSparse.values) v /= kExaggeration;
    }
    const double momentum = it < kExaggerationIters ? 0.5 : 0.8;
    if (exact) {
      exactGradient(pDense.data_ptr<double>(), y.data(), n, grad.data());
    } else {
      const auto yt = torch::from_blob(y.data(), {n, 2}, torch::kDouble);
      const auto g = tsneGradientBarnesHut(pSparse, yt, o.theta);
      std::copy(g.data_ptr<double>(), g.data_ptr<double>() + 2 * n, grad.begin());
    }
    double mx = 0.0, my = 0.0;
    for (std::size_t k = 0; k < y.size(); ++k) {
      gains[k] = (grad[k] > 0) == (velocity[k] > 0) ? gains[k] * 0.8 : gains[k] + 0.2;
      gains[k] = std::max(gains[k], 0.01);
      velocity[k] = momentum * velocity[k] - lr * gains[k] * grad[k];
      y[k] += velocity[k];
      (k % 2 ? my : mx) += y[k];
    }
    for (std::size_t k = 0; k < y.size(); ++k) y[k] -= (k % 2 ? my : mx) / double(n);
    if (onIteration) onIteration(it + 1);
  }
  return torch::from_blob(y.data(), {n, 2}, torch::kDouble).to(torch::kFloat);
}

}  // namespace pretext::eval

// Measures and 2-D maps of an embedding: alignment and uniformity (Wang & Isola 2020), PCA and
// t-SNE (van der Maaten & Hinton 2008; Barnes-Hut: van der Maaten 2014).
#pragma once

#include "pretext/evaluation.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace pretext::eval {

/// Wang & Isola 2020, eq. (4): E ||x_i - y_i||_2^alpha over rows (positive pairs).
double alignment(const torch::Tensor& x, const torch::Tensor& y, double alpha = 2.0);
/// Wang & Isola 2020, eq. (5): log of the mean over pairs i < j of exp(-t ||x_i - x_j||^2).
double uniformity(const torch::Tensor& x, double t = 2.0);

/// Projection of the rows of x [N, D] on its two leading principal axes [N, 2] (centred; each axis'
/// sign chosen so that its largest-magnitude loading is positive).
torch::Tensor pca2d(const torch::Tensor& x);

/// Conditional probabilities p_{j|i} (van der Maaten & Hinton 2008, eq. 1) from squared distances
/// [N, M] (row i: distances to i's candidates; excluded entries +inf), each row's Gaussian width
/// found by bisection so that its perplexity 2^H equals `perplexity`. Rows sum to 1.
torch::Tensor conditionalProbabilities(const torch::Tensor& squaredDistances, double perplexity);

/// Exact t-SNE gradient (eq. 5) of KL(P || Q) for symmetric joint P [N, N] (zero diagonal) at Y [N, 2].
torch::Tensor tsneGradientExact(const torch::Tensor& p, const torch::Tensor& y);

/// Sparse joint P: entry k is P[rows[k], cols[k]] = values[k] (both (i, j) and (j, i) present).
struct SparseP {
  std::vector<int64_t> rows, cols;
  std::vector<double> values;
};

/// The same gradient with the repulsive forces from a quadtree (Barnes-Hut): a cell whose side
/// over its distance to the point is below `theta` acts as one body at its centre of mass.
/// theta = 0 is exact. y is [N, 2] double; returns [N, 2] double.
torch::Tensor tsneGradientBarnesHut(const SparseP& p, const torch::Tensor& y, double theta);

/// t-SNE of x [N, D] to [N, 2]: exact P and gradient up to options.exactLimit points, else P on the
/// floor(3 * perplexity) nearest neighbours and the Barnes-Hut gradient. Early exaggeration 12 for
/// the first 250 iterations, momentum 0.5 then 0.8, learning rate max(N / 12, 50), gains as in
/// van der Maaten's implementation. Deterministic for a seed. `onIteration` (when set) is called
/// after each iteration with the number done (1 .. options.iterations); an exception it throws
/// (pretext::Cancelled) stops the optimisation and leaves tsne2d.
torch::Tensor tsne2d(const torch::Tensor& x, const TsneOptions& options,
                     const std::function<void(int)>& onIteration = {});

}  // namespace pretext::eval

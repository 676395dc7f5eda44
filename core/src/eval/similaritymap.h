// "Why are these two neighbours?": Grad-CAM (Selvaraju et al. 2017, eqs. 1-2) with the cosine
// similarity of two images' pooled embeddings in place of a class score, so that it needs no label
// and no classifier: the channels of a stage are weighted by the spatial mean of the similarity's
// gradient, and their weighted sum, kept where positive, shows which regions make the two
// embeddings alike.
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <string>

namespace pretext::eval {

struct SimilarityGradient {
  torch::Tensor similarity;   ///< scalar: cos(f(x0), f(x1)) of the pooled embeddings
  torch::Tensor activations;  ///< the stage's output for both images: [2, C, h, w] or tokens [2, 1 + N, D]
  torch::Tensor gradients;    ///< d similarity / d activations, the same shape
};

/// The backbone's pooled output computed from its last stage's output, as forward() computes it:
/// the spatial mean of conv maps [B, C, h, w]; for token stages [B, 1 + N, D] (a backbone with a
/// class token) the [CLS] token through the backbone's final LayerNorm, its child module "norm".
torch::Tensor pooledFromLastStage(models::BackboneImpl& backbone, const torch::Tensor& last);

/// The activations of `stage` for a pair of normalised images [2, C, H, W] and the gradient of the
/// cosine similarity of their pooled embeddings with respect to them (autograd through the stages
/// after `stage`, in the backbone's current mode and dtype). Throws std::invalid_argument for an
/// unknown stage or a batch that is not a pair.
SimilarityGradient similarityGradient(models::BackboneImpl& backbone, const torch::Tensor& pair, const std::string& stage);

/// Grad-CAM maps [B, h, w]: ReLU(sum_c w_c A_c) with w_c the spatial mean of the gradient of
/// channel c. Token stages [B, 1 + N, D]: the N patch tokens on their sqrt(N) x sqrt(N) grid, the
/// [CLS] token left out of the mean and of the map.
torch::Tensor gradCamMaps(const torch::Tensor& activations, const torch::Tensor& gradients);

}  // namespace pretext::eval

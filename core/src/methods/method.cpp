// The method registry and catalogue, and what every method shares.
#include "methods/method.h"

#include "methods/barlow.h"
#include "methods/byol.h"
#include "methods/colorization.h"
#include "methods/context.h"
#include "methods/deepcluster.h"
#include "methods/dino.h"
#include "methods/inpainting.h"
#include "methods/instdisc.h"
#include "methods/jigsaw.h"
#include "methods/mae.h"
#include "methods/moco.h"
#include "methods/rotation.h"
#include "methods/simclr.h"
#include "methods/simsiam.h"
#include "methods/supervised.h"
#include "methods/swav.h"

#include <stdexcept>

namespace pretext {

const std::vector<MethodInfo>& methodCatalogue() {
  static const std::vector<MethodInfo> catalogue = [] {
    std::vector<MethodInfo> c;
    {
      MethodInfo m;
      m.name = "random";
      m.title = "Random init";
      m.family = "baseline";
      m.paper = "the floor every method is compared with";
      m.description =
          "No training at all: the encoder keeps its random initial weights. Random convolutional features are "
          "surprisingly good for k-NN on simple images (about 72-78% on Fashion-MNIST), so a self-supervised "
          "method has to beat this number to show that it learned anything.";
      m.lossFormula = "none";
      m.trains = false;
      m.defaultAugment = "none";
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "supervised";
      m.title = "Supervised";
      m.family = "baseline";
      m.paper = "the ceiling: training with the labels";
      m.description =
          "A linear classifier on the encoder's pooled features, trained with the true labels and cross-entropy. "
          "It is the upper reference: self-supervised methods try to come close to it without ever seeing a label.";
      m.lossFormula = "L = -log softmax(W f(x))[y]";
      m.usesLabels = true;
      m.defaultAugment = "light";
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "rotation";
      m.title = "Rotation prediction (RotNet)";
      m.family = "pretext task";
      m.paper = "Gidaris, Singh & Komodakis 2018, Unsupervised Representation Learning by Predicting Image Rotations";
      m.description =
          "Every image is shown rotated by 0, 90, 180 and 270 degrees, and the network must say which rotation it "
          "sees. To do that it has to recognise what the object is and which way is up (shoes stand on their "
          "soles, shirts hang from the collar), so its middle layers learn object parts without any label.";
      m.lossFormula = "L = -1/4 sum_{r in {0,90,180,270}} log p(r | rotate(x, r))";
      m.defaultAugment = "light";
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "simclr";
      m.graphSafeStep = true;
      m.title = "SimCLR";
      m.family = "contrastive";
      m.paper = "Chen, Kornblith, Norouzi & Hinton 2020, A Simple Framework for Contrastive Learning of Visual Representations";
      m.description =
          "Two random augmentations of the same image form a positive pair; the other 2N-2 views in the batch are "
          "negatives. A projection head maps features to a sphere where the NT-Xent loss pulls positives together "
          "and pushes negatives apart, so the encoder learns what survives cropping, colour changes and blur.";
      m.lossFormula = "l(i,j) = -log exp(sim(z_i,z_j)/t) / sum_{k!=i} exp(sim(z_i,z_k)/t),  sim = cosine";
      m.defaultAugment = "simclr";
      m.options = {{"temperature", 0.2, "softmax temperature t of NT-Xent (paper: 0.1-0.5; 0.2 suits small batches)"},
                   {"proj-dim", 128, "output size of the projection head"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "moco";
      m.title = "MoCo v2";
      m.family = "contrastive";
      m.paper = "He et al. 2020, Momentum Contrast; Chen, Fan, Girshick & He 2020, Improved Baselines (v2)";
      m.description =
          "Like SimCLR, but the negatives come from a long queue of keys computed by a slowly moving copy of the "
          "encoder (its weights follow the trained encoder by an exponential moving average). The queue gives many "
          "negatives without a huge batch, and the momentum encoder keeps those keys consistent.";
      m.lossFormula = "L = -log exp(q.k+/t) / (exp(q.k+/t) + sum_{k- in queue} exp(q.k-/t));  theta_k <- m theta_k + (1-m) theta_q";
      m.defaultAugment = "simclr";
      m.options = {{"temperature", 0.2, "softmax temperature t (MoCo v2: 0.2)"},
                   {"momentum", 0.99, "momentum m of the key encoder (paper 0.999 for long ImageNet runs)"},
                   {"queue", 4096, "number of negative keys kept in the queue (paper 65536)"},
                   {"proj-dim", 128, "output size of the projection head"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "byol";
      m.title = "BYOL";
      m.family = "non-contrastive";
      m.paper = "Grill et al. 2020, Bootstrap Your Own Latent";
      m.description =
          "No negatives at all: an online network with an extra predictor learns to predict the projection that a "
          "target network (a moving average of the online one) gives for another view of the same image. The "
          "predictor and the slowly moving target keep the two from collapsing to a constant.";
      m.lossFormula = "L = 2 - 2 cos(q(z_online(v1)), sg(z_target(v2))), symmetrised over the two views";
      m.defaultAugment = "simclr";
      m.options = {{"momentum", 0.99, "base momentum of the target network, raised to 1 by a cosine schedule (paper 0.996)"},
                   {"proj-dim", 128, "output size of projector and predictor"},
                   {"hidden", 512, "hidden width of projector and predictor (paper 4096)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "instdisc";
      m.title = "InstDisc (instance discrimination)";
      m.family = "contrastive";
      m.paper = "Wu, Xiong, Yu & Lin 2018, Unsupervised Feature Learning via Non-Parametric Instance Discrimination";
      m.description =
          "Every training image is treated as its own class. A memory bank keeps one normalised feature per image "
          "(a slowly updated copy of what the network gave it last time); the network learns to make an image's "
          "feature closer to its own bank entry than to randomly drawn entries of other images. Noise-contrastive "
          "estimation (NCE) replaces the softmax over all N images with a binary task: the true entry against m "
          "noise entries. Telling 60,000 images apart under augmentation forces features that capture what makes "
          "images similar, so images of one class end up close together.";
      m.lossFormula = "P(i|f) = exp(v_i.f/t) / Z;  h = P / (P + m/n);  L = -log h(i, v_i) - sum_{k=1..m} log(1 - h(i, v_k)),  v_k ~ uniform bank";
      m.defaultAugment = "simclr";
      m.options = {{"dim", 128, "size of the normalised embedding kept in the memory bank (paper 128)"},
                   {"negatives", 4096, "noise samples m drawn uniformly from the bank per batch (paper 4096)"},
                   {"temperature", 0.07, "temperature t of exp(v.f/t) (paper 0.07)"},
                   {"momentum", 0.5, "memory bank update v <- m v + (1-m) f, then renormalised (paper 0.5)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "simsiam";
      m.title = "SimSiam";
      m.family = "non-contrastive";
      m.paper = "Chen & He 2021, Exploring Simple Siamese Representation Learning";
      m.description =
          "Two augmented views go through the same encoder and projector; a small predictor MLP on one branch "
          "must output the other branch's projection. Unlike BYOL there is no moving-average target: the other "
          "branch is the same network, and only a stop-gradient on it keeps the two from collapsing to a constant "
          "output (the paper shows that without it the features collapse at once). Agreeing across crops and "
          "colour changes teaches features of the object itself.";
      m.lossFormula = "D(p, z) = -cos(p, sg(z));  L = D(p1, z2)/2 + D(p2, z1)/2,  p = h(z), z = g(f(x)), sg = stop-gradient";
      m.defaultAugment = "simclr";
      m.options = {{"proj-dim", 256, "width of the 3-layer projector and of its output (paper 2048)"},
                   {"pred-hidden", 64, "bottleneck width of the predictor (paper 512, a quarter of the output)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "dino";
      m.title = "DINO";
      m.family = "non-contrastive";
      m.paper = "Caron, Touvron, Misra, Jegou, Mairal, Bojanowski & Joulin 2021, Emerging Properties in Self-Supervised Vision Transformers";
      m.description =
          "Self-distillation with no labels: a student network learns to output the same probability distribution "
          "over K abstract 'classes' as a teacher network (a moving average of the student) gives for another crop "
          "of the same image. The teacher sees only two large crops, the student also sees small local crops, so it "
          "must infer the whole object from a part. Centring the teacher's outputs (subtracting a running mean) and "
          "sharpening them (a low temperature) pull in opposite directions and keep the outputs from collapsing.";
      m.lossFormula =
          "L = mean over pairs (global view i, any other view v) of -sum_k P_t(x_i)_k log P_s(x_v)_k;  "
          "P_t = softmax((g_t(x) - c) / 0.04), P_s = softmax(g_s(x) / 0.1);  c <- 0.9 c + 0.1 mean g_t;  "
          "theta_t <- m theta_t + (1-m) theta_s";
      m.defaultAugment = "simclr";
      m.options = {{"out-dim", 1024, "K, outputs of the DINO head (paper 65536)"},
                   {"hidden", 512, "hidden width of the head's MLP (paper 2048)"},
                   {"bottleneck", 128, "bottleneck before the L2-normalised, weight-normalised last layer (paper 256)"},
                   {"student-temp", 0.1, "student temperature (paper 0.1)"},
                   {"teacher-temp", 0.04, "teacher temperature, sharpening (paper 0.04, warmed up to 0.07 in long runs)"},
                   {"center-momentum", 0.9, "momentum of the teacher's output centre (paper 0.9)"},
                   {"momentum", 0.996, "base momentum of the teacher, raised to 1 by a cosine schedule (paper 0.996)"},
                   {"local-crops", 4, "small crops per image seen by the student only (paper 10; 0 = two global crops only)"},
                   {"local-size", 0.5, "side of a local crop as a fraction of the image side (paper 96/224 = 0.43)"},
                   {"global-scale", 0.4, "global crops cover [global-scale, 1] of the image area (paper 0.4)"},
                   {"local-scale", 0.4, "local crops cover [0.05, local-scale] of the image area (paper 0.4)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "barlow";
      m.title = "Barlow Twins";
      m.family = "non-contrastive";
      m.paper = "Zbontar, Jing, Misra, LeCun & Deny 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction";
      m.description =
          "The embeddings of two views of a batch are standardised along the batch, and their cross-correlation "
          "matrix (embedding dimension by embedding dimension) is pushed towards the identity. The diagonal "
          "term makes every dimension agree between the two views (invariance to augmentation); the "
          "off-diagonal term decorrelates the dimensions, so that they cannot all carry the same information, "
          "which rules out collapse without negatives, momentum encoders or stop-gradients.";
      m.lossFormula = "C_ij = sum_b z1n_bi z2n_bj / B;  L = scale [sum_i (1 - C_ii)^2 + lambda sum_{i!=j} C_ij^2]";
      m.defaultAugment = "simclr";
      m.options = {{"proj-dim", 256, "width of the 3-layer projector and of the embedding (paper 8192)"},
                   {"lambda", 0, "weight of the off-diagonal term; 0 picks 1/proj-dim (paper 5e-3 for 8192-d)"},
                   {"scale", 0.005, "factor on the loss, about 1/proj-dim, so plain SGD steps stay small (authors' early code: 1/32 with LARS)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "swav";
      m.title = "SwAV";
      m.family = "clustering";
      m.paper = "Caron, Misra, Mairal, Goyal, Bojanowski & Joulin 2020, Unsupervised Learning of Visual Features by "
                "Contrasting Cluster Assignments";
      m.description =
          "A set of trainable prototype vectors acts as cluster centres on the unit sphere. For each view, the "
          "Sinkhorn-Knopp algorithm turns its similarities to the prototypes into soft cluster codes that use all "
          "prototypes equally over the batch (which rules out putting every image in one cluster). Each view must "
          "then predict the code of the other view from its own features: swapping the codes makes the features "
          "invariant to the augmentation while clustering the data online. Two views of equal size only: the "
          "paper's multi-crop (extra small crops) is left out.";
      m.lossFormula = "Q = Sinkhorn(exp(Z C^T / eps));  L = -1/2 sum_k [q2_k log softmax(z1.C/tau)_k + q1_k log softmax(z2.C/tau)_k]";
      m.defaultAugment = "simclr";
      m.options = {{"prototypes", 100, "number K of prototypes (paper 3000 for ImageNet; about 10x the classes)"},
                   {"temperature", 0.1, "softmax temperature tau of the swapped prediction (paper 0.1)"},
                   {"epsilon", 0.05, "entropic regularisation of Sinkhorn-Knopp (paper 0.05)"},
                   {"sinkhorn-iters", 3, "Sinkhorn-Knopp iterations (paper 3)"},
                   {"freeze-steps", 100, "optimizer steps with frozen prototypes at the start (paper: the first epoch, 313 iterations)"},
                   {"queue", 0, "features of earlier batches kept per view for the codes; 0: no queue (paper 3840 for small batches)"},
                   {"proj-dim", 128, "output size of the projection head (paper 128)"}};
      c.push_back(m);
    }
    {
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
      m.options = {{"clusters", 100, "number of k-means clusters (paper 10000 for ImageNet; about 10x the classes)"},
                   {"pca", 32, "PCA dimensions (whitened) before k-means; 0: no PCA (paper 256)"},
                   {"kmeans-iters", 20, "k-means iterations per epoch (paper 20, with faiss)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "jigsaw";
      m.title = "Jigsaw puzzle";
      m.family = "pretext task";
      m.paper = "Noroozi & Favaro 2016, Unsupervised Learning of Visual Representations by Solving Jigsaw Puzzles";
      m.description =
          "The image is cut into a 3x3 grid of tiles, the tiles are shuffled by one of a fixed set of permutations, "
          "and the network must say which permutation it sees. Every tile goes through the same encoder on its own, "
          "so the encoder has to describe what each piece shows (the toe of a shoe, a sleeve, a collar) well enough "
          "for the head to put the pieces back in place. The tiles are cut with random gaps between them, so that "
          "continuing lines across tile edges does not give the answer away; the permutations are chosen far apart "
          "in Hamming distance, so that neighbouring answers cannot be confused by moving a single tile.";
      m.lossFormula = "L = -log p(P | f(x_P(1)), ..., f(x_P(9))),  P drawn from the fixed permutation set";
      m.defaultAugment = "light";
      m.options = {{"permutations", 100, "size of the permutation set, chosen by maximal Hamming distance (paper 1000)"},
                   {"tile", 0.75, "tile side as a fraction of its grid cell; the rest is the random gap (paper 64 of 75 px, 0.85)"},
                   {"tile-resize", 16, "side in pixels the tiles are resized to for the encoder, 0: native (paper 64 px, native)"},
                   {"tile-norm", 0, "1: normalise each tile to zero mean, unit variance (paper: 1, against low-level shortcuts)"},
                   {"hidden", 512, "hidden width of the head over the 9 concatenated tile features (paper 4096)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "context";
      m.title = "Context prediction (relative patch position)";
      m.family = "pretext task";
      m.paper = "Doersch, Gupta & Efros 2015, Unsupervised Visual Representation Learning by Context Prediction";
      m.description =
          "Two patches are cut from a 3x3 grid over the image: the centre one and one of its 8 neighbours. The same "
          "encoder describes both, and a head on the pair says where the neighbour lies (top-left, top, ..., "
          "bottom-right). Answering needs knowing what the patches show and how object parts sit relative to each "
          "other (a collar above a sleeve, a heel behind a sole). Gaps and random jitter between the patches stop "
          "the network from cheating by matching edges or lines that run across the patch border.";
      m.lossFormula = "L = -log p(position | f(x_centre), f(x_neighbour)),  8 positions";
      m.defaultAugment = "light";
      m.options = {{"patch", 0.75, "patch side as a fraction of its grid cell; the rest is the random gap and jitter (paper 96 of 144 px, 0.67)"},
                   {"patch-resize", 16, "side in pixels the patches are resized to for the encoder, 0: native (paper 96 px, native)"},
                   {"hidden", 512, "hidden width of the head over the two concatenated patch features (paper 4096)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "colorization";
      m.title = "Colorization";
      m.family = "pretext task";
      m.paper = "Zhang, Isola & Efros 2016, Colorful Image Colorization";
      m.description =
          "The encoder sees only the lightness L of a colour image and must guess every pixel's colour (the a*b* "
          "channels of the Lab colour space), as a choice among quantised colour bins rather than one averaged "
          "colour, so it can say 'red or blue' instead of a dull brown. To colour a pixel right it has to know "
          "what object the pixel belongs to and where that object's edges are, which teaches shape and "
          "segmentation without labels. Rare colours count more (class rebalancing), so that it does not just "
          "predict the common grayish colours everywhere. It needs colour images: one-channel datasets such as "
          "Fashion-MNIST have no colour to predict.";
      m.lossFormula = "L = -mean_pixels v(Z) sum_q Z_q log p_q(L),  Z: soft-encoded true ab bin,  v = ((1-λ) p̃ + λ/Q)^-1 normalised";
      m.defaultAugment = "light";
      m.options = {{"grid", 10, "side of an ab colour bin; bins outside the sRGB gamut are dropped (paper 10: 313 bins)"},
                   {"lambda", 0.5, "share of the uniform distribution in the rebalancing weights (paper 0.5)"},
                   {"soft-k", 5, "nearest bins the true colour is spread over, Gaussian sigma = grid/2 (paper 5, sigma 5)"},
                   {"stage", 0, "encoder stage the decoder reads, 1..5 (convnet conv1..conv5), 0: the last (paper: the last)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "inpainting";
      m.title = "Inpainting (context encoder)";
      m.family = "pretext task";
      m.paper = "Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, Context Encoders: Feature Learning by Inpainting";
      m.description =
          "A region of the image is hidden (filled with the dataset's mean colour) and a decoder on top of the "
          "encoder must paint it back from the surroundings. Filling a hole in a shirt or a shoe needs knowing what "
          "the object is and how its parts continue, so the encoder learns shapes and context. Only the squared "
          "error on the hidden region counts (plus, optionally, a small weight on the visible pixels); the "
          "paper's adversarial term, which makes the fill sharper, is left out.";
      m.lossFormula = "L = ( || M ⊙ (x - F((1-M) ⊙ x)) ||² + w_vis || (1-M) ⊙ (x - F(...)) ||² ) / |M|,  M: hidden region";
      m.defaultAugment = "light";
      m.options = {{"mask", 0, "hidden region: 0 central square, 1 random square, 2 four random blocks (paper: central, random block, random region)"},
                   {"mask-fraction", 0.25, "share of the image area hidden (paper: a quarter, the central 64x64 of 128x128)"},
                   {"visible-weight", 0, "weight of the error on visible pixels relative to hidden ones (paper eq. 1: 0)"},
                   {"stage", 0, "encoder stage the decoder reads, 1..5 (convnet conv1..conv5), 0: the last (paper: the last)"}};
      c.push_back(m);
    }
    {
      MethodInfo m;
      m.name = "mae";
      m.title = "MAE";
      m.family = "masked image modeling";
      m.paper = "He, Chen, Xie, Li, Dollar & Girshick 2022, Masked Autoencoders Are Scalable Vision Learners";
      m.description =
          "The image is cut into patches and most of them (75%) are hidden at random. The ViT encoder sees only the "
          "visible patches; a small decoder gets the encoded patches plus a shared 'mask' token at every hidden "
          "position and must paint the hidden pixels back. Guessing a missing sleeve or sole from a few scattered "
          "patches needs an understanding of shapes and parts, which is what the encoder learns. Hiding so much "
          "makes the task hard enough and the encoder cheap, since it skips the hidden patches.";
      m.lossFormula =
          "L = 1/|M| sum_{i in M} 1/P || x̂_i - norm(x_i) ||²  over the masked patches M only;  "
          "norm(x) = (x - mean(x)) / sqrt(var(x) + 1e-6) per patch when norm-pix = 1";
      m.defaultAugment = "light";
      m.requiredBackbone = "vit";
      m.options = {{"mask-ratio", 0.75, "fraction of patches hidden from the encoder (paper 0.75)"},
                   {"decoder-dim", 128, "width of the decoder (paper 512)"},
                   {"decoder-depth", 2, "transformer blocks in the decoder (paper 8)"},
                   {"decoder-heads", 4, "attention heads in the decoder (paper 16)"},
                   {"norm-pix", 1, "1: reconstruct each patch normalised by its own mean and variance (the paper's best); 0: raw pixels"}};
      c.push_back(m);
    }
    return c;
  }();
  return catalogue;
}

const MethodInfo& methodInfo(const std::string& name) {
  std::string known;
  for (const auto& m : methodCatalogue()) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw std::invalid_argument("unknown method '" + name + "' (known: " + known + ")");
}

namespace methods {

double MethodContext::option(const std::string& method, const std::string& name) const {
  for (const auto& o : methodInfo(method).options) {
    if (o.name != name) continue;
    const auto it = options.find(name);
    return it == options.end() ? o.defaultValue : it->second;
  }
  throw std::invalid_argument(method + " has no option '" + name + "'");
}

MethodImpl::MethodImpl(const std::string& name, const MethodContext& context)
    : m_info(&methodInfo(name)), m_context(context) {
  for (const auto& [key, value] : context.options) {
    (void)value;
    context.option(name, key);  // rejects options this method does not have
  }
  m_backbone = register_module("backbone", models::makeBackbone(context.backbone));
}

torch::Tensor MethodImpl::prepare(const torch::Tensor& images, const AugmentConfig& augment) const {
  const auto x = augment::normalize(augment::apply(images, augment), m_context.mean, m_context.std);
  return m_context.channelsLast ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

namespace {

// Random init: the encoder is evaluated as built.
class RandomInitImpl final : public MethodImpl {
 public:
  explicit RandomInitImpl(const MethodContext& c) : MethodImpl("random", c) {}
  StepOutput step(const Batch&) override {
    throw std::logic_error("random init does not train; evaluate it directly");
  }
};

}  // namespace

Method makeMethod(const std::string& name, const MethodContext& context) {
  methodInfo(name);  // unknown names throw with the list
  if (name == "random") return std::make_shared<RandomInitImpl>(context);
  if (name == "supervised") return std::make_shared<SupervisedImpl>(context);
  if (name == "rotation") return std::make_shared<RotationImpl>(context);
  if (name == "simclr") return std::make_shared<SimClrImpl>(context);
  if (name == "moco") return std::make_shared<MocoImpl>(context);
  if (name == "byol") return std::make_shared<ByolImpl>(context);
  if (name == "instdisc") return std::make_shared<InstDiscImpl>(context);
  if (name == "simsiam") return std::make_shared<SimSiamImpl>(context);
  if (name == "barlow") return std::make_shared<BarlowTwinsImpl>(context);
  if (name == "swav") return std::make_shared<SwavImpl>(context);
  if (name == "deepcluster") return std::make_shared<DeepClusterImpl>(context);
  if (name == "jigsaw") return std::make_shared<JigsawImpl>(context);
  if (name == "context") return std::make_shared<ContextImpl>(context);
  if (name == "colorization") return std::make_shared<ColorizationImpl>(context);
  if (name == "inpainting") return std::make_shared<InpaintingImpl>(context);
  if (name == "dino") return std::make_shared<DinoImpl>(context);
  if (name == "mae") return std::make_shared<MaeImpl>(context);
  throw std::logic_error("method '" + name + "' is in the catalogue but not in makeMethod");
}

void copyWeights(torch::nn::Module& target, const torch::nn::Module& source) {
  torch::NoGradGuard noGrad;
  const auto src = source.named_parameters(true);
  for (auto& p : target.named_parameters(true)) p.value().copy_(src[p.key()]);
  const auto srcBuffers = source.named_buffers(true);
  for (auto& b : target.named_buffers(true)) b.value().copy_(srcBuffers[b.key()]);
}

void makeFrozenCopy(torch::nn::Module& target, const torch::nn::Module& source) {
  copyWeights(target, source);
  for (auto& p : target.parameters()) p.set_requires_grad(false);
}

std::vector<torch::Tensor> parametersWithout(const torch::nn::Module& module, const std::string& prefix) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.named_parameters(true)) {
    if (p.key().rfind(prefix, 0) != 0) out.push_back(p.value());
  }
  return out;
}

void momentumUpdate(torch::nn::Module& target, const torch::nn::Module& source, double m) {
  torch::NoGradGuard noGrad;
  const auto src = source.named_parameters(true);
  for (auto& p : target.named_parameters(true)) p.value().mul_(m).add_(src[p.key()], 1.0 - m);
  // Normalisation statistics follow the online network directly.
  const auto srcBuffers = source.named_buffers(true);
  for (auto& b : target.named_buffers(true)) b.value().copy_(srcBuffers[b.key()]);
}

StepOutput classificationOutput(const torch::Tensor& logits, const torch::Tensor& labels) {
  StepOutput out;
  out.loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), labels);
  out.accuracy = logits.argmax(1).eq(labels).to(torch::kFloat).mean().detach();
  return out;
}

torch::nn::Sequential mlpHead(int64_t in, int64_t hidden, int64_t out, bool lastBatchNorm) {
  torch::nn::Sequential head(torch::nn::Linear(torch::nn::LinearOptions(in, hidden).bias(false)),
                             torch::nn::BatchNorm1d(hidden), torch::nn::ReLU(torch::nn::ReLUOptions(true)),
                             torch::nn::Linear(out > 0 ? torch::nn::LinearOptions(hidden, out) : torch::nn::LinearOptions(hidden, hidden)));
  if (lastBatchNorm) head->push_back(torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(out).affine(false)));
  return head;
}

torch::nn::Sequential threeLayerProjector(int64_t in, int64_t dim, bool lastBatchNorm) {
  using torch::nn::BatchNorm1d;
  using torch::nn::Linear;
  using torch::nn::LinearOptions;
  using torch::nn::ReLU;
  torch::nn::Sequential projector(Linear(LinearOptions(in, dim).bias(false)), BatchNorm1d(dim), ReLU(),
                                  Linear(LinearOptions(dim, dim).bias(false)), BatchNorm1d(dim), ReLU(),
                                  Linear(LinearOptions(dim, dim).bias(false)));
  if (lastBatchNorm) projector->push_back(BatchNorm1d(torch::nn::BatchNorm1dOptions(dim).affine(false)));
  return projector;
}

}  // namespace methods
}  // namespace pretext

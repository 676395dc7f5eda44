// The method registry and catalogue, and what every method shares.
#include "methods/method.h"

#include "methods/byol.h"
#include "methods/colorization.h"
#include "methods/context.h"
#include "methods/inpainting.h"
#include "methods/jigsaw.h"
#include "methods/moco.h"
#include "methods/rotation.h"
#include "methods/simclr.h"
#include "methods/supervised.h"

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
  if (name == "jigsaw") return std::make_shared<JigsawImpl>(context);
  if (name == "context") return std::make_shared<ContextImpl>(context);
  if (name == "colorization") return std::make_shared<ColorizationImpl>(context);
  if (name == "inpainting") return std::make_shared<InpaintingImpl>(context);
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

}  // namespace methods
}  // namespace pretext

// The method registry and catalogue, and what every method shares.
#include "methods/method.h"

#include "methods/byol.h"
#include "methods/dino.h"
#include "methods/mae.h"
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

}  // namespace methods
}  // namespace pretext

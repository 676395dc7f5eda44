#include "methods/dino.h"

#include "dist/dist.h"
#include "models/vit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pretext::methods {

MethodInfo DinoImpl::describe() {
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
  m.options = describeOptions(DinoOptions::specs());
  return m;
}

const OptionSpecs<DinoOptions>& DinoOptions::specs() {
  static const OptionSpecs<DinoOptions> specs = {
      integerOption("out-dim", &DinoOptions::outDim, 2, 262144,
                    "K, outputs of the DINO head (paper 65536)"),
      integerOption("hidden", &DinoOptions::hidden, 1, 65536,
                    "hidden width of the head's MLP (paper 2048)"),
      integerOption("bottleneck", &DinoOptions::bottleneck, 1, 65536,
                    "bottleneck before the L2-normalised, weight-normalised last layer (paper 256)"),
      realOption("student-temp", &DinoOptions::studentTemp, openBelow(0, 10),
                 "student temperature (paper 0.1)"),
      realOption("teacher-temp", &DinoOptions::teacherTemp, openBelow(0, 10),
                 "teacher temperature, sharpening (paper 0.04, warmed up to 0.07 in long runs)"),
      realOption("center-momentum", &DinoOptions::centerMomentum, openAbove(0, 1),
                 "momentum of the teacher's output centre (paper 0.9)"),
      realOption("momentum", &DinoOptions::momentum, closedRange(0, 1),
                 "base momentum of the teacher, raised to 1 by a cosine schedule (paper 0.996)"),
      integerOption("local-crops", &DinoOptions::localCrops, 0, 32,
                    "small crops per image seen by the student only (paper 10; 0 = two global crops only)"),
      realOption("local-size", &DinoOptions::localSize, openBelow(0, 1),
                 "side of a local crop as a fraction of the image side (paper 96/224 = 0.43)"),
      realOption("global-scale", &DinoOptions::globalScale, openBelow(0, 1),
                 "global crops cover [global-scale, 1] of the image area (paper 0.4)"),
      realOption("local-scale", &DinoOptions::localScale, closedRange(0.05, 1),
                 "local crops cover [0.05, local-scale] of the image area (paper 0.4)"),
  };
  return specs;
}

namespace F = torch::nn::functional;

torch::Tensor dinoLoss(const std::vector<torch::Tensor>& student, const std::vector<torch::Tensor>& teacher,
                       const torch::Tensor& center, double studentTemp, double teacherTemp) {
  TORCH_CHECK(!teacher.empty() && student.size() >= teacher.size() && student.size() >= 2,
              "dinoLoss: needs at least one teacher view and two student views, got ", teacher.size(), " and ",
              student.size());
  std::vector<torch::Tensor> targets;
  for (const auto& t : teacher) {
    targets.push_back(torch::softmax((t.detach().to(torch::kFloat) - center.to(torch::kFloat)) / teacherTemp, -1));
  }
  torch::Tensor total;
  int64_t terms = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    for (std::size_t v = 0; v < student.size(); ++v) {
      if (v == i) continue;  // a view is never its own target
      const auto logp = torch::log_softmax(student[v].to(torch::kFloat) / studentTemp, -1);
      const auto term = (-targets[i] * logp).sum(-1).mean();
      total = total.defined() ? total + term : term;
      ++terms;
    }
  }
  return total / double(terms);
}

torch::Tensor dinoCenter(const torch::Tensor& center, const torch::Tensor& teacherOutputs, double momentum,
                         dist::ProcessGroup* group) {
  torch::Tensor batchCenter;
  if (group && group->size() > 1) {
    // The global batch's mean: every rank's sum, and its row count in one extra column.
    const auto t = teacherOutputs.detach().to(torch::kFloat);
    auto sums = torch::cat({t.sum(0), torch::full({1}, double(t.size(0)), t.options())}).unsqueeze(0);
    group->allReduceSum(sums, "DINO's teacher output sums");
    const int64_t k = t.size(1);
    batchCenter = sums.slice(1, 0, k) / sums.slice(1, k, k + 1);
  } else {
    batchCenter = teacherOutputs.detach().to(torch::kFloat).mean(0, /*keepdim=*/true);
  }
  return center * momentum + batchCenter.to(center.dtype()) * (1.0 - momentum);
}

double dinoTeacherMomentum(double base, double progress) {
  return 1.0 - (1.0 - base) * (std::cos(M_PI * std::clamp(progress, 0.0, 1.0)) + 1.0) / 2.0;
}

DinoHeadImpl::DinoHeadImpl(int64_t in, int64_t hidden, int64_t bottleneck, int64_t out) {
  mlp = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(in, hidden), torch::nn::GELU(),
                                                      torch::nn::Linear(hidden, hidden), torch::nn::GELU(),
                                                      torch::nn::Linear(hidden, bottleneck)));
  // The direction of the last layer starts as a default nn.Linear weight, as in the paper's code.
  lastWeight = register_parameter("last_weight", torch::nn::Linear(torch::nn::LinearOptions(bottleneck, out).bias(false))->weight.detach().clone());
  torch::NoGradGuard noGrad;
  for (auto& module : mlp->modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, 0.02);  // the paper's trunc_normal(std=0.02)
      linear->bias.zero_();
    }
  }
}

torch::Tensor DinoHeadImpl::forward(const torch::Tensor& x) {
  const auto z = F::normalize(mlp->forward(x), F::NormalizeFuncOptions().dim(-1));
  return F::linear(z, F::normalize(lastWeight, F::NormalizeFuncOptions().dim(1)));
}

DinoImpl::DinoImpl(const MethodContext& context) : MethodImpl("dino", context) {
  const auto o = parsedOptions<DinoOptions>();
  m_studentTemp = o.studentTemp;
  m_teacherTemp = o.teacherTemp;
  m_centerMomentum = o.centerMomentum;
  m_baseMomentum = o.momentum;
  m_globalScale = o.globalScale;
  m_localScale = o.localScale;
  m_localCrops = o.localCrops;
  const int64_t side = context.backbone.imageSize();
  m_localSide = std::max<int64_t>(1, std::llround(side * o.localSize));
  if (m_backbone->info().classToken) {
    // Local crops are encoded at their own size with resized position embeddings (as DINO's ViT),
    // so their side must hold whole patches.
    const int64_t p = context.backbone.patchSize();
    m_localSide = std::max<int64_t>(p, std::llround(double(m_localSide) / double(p)) * p);
  } else if (m_localCrops > 0 && m_localSide < 8) {
    throw std::invalid_argument("dino: local crops of " + std::to_string(m_localSide) +
                                " pixels are too small for the " + context.backbone.name() +
                                "; raise --local-size");
  }
  const int64_t outDim = o.outDim, hidden = o.hidden, bottleneck = o.bottleneck;
  m_restAugment = context.augment;
  m_restAugment.crop.enabled = false;

  const int64_t d = m_backbone->featureDim();
  m_head = register_module("head", DinoHead(d, hidden, bottleneck, outDim));
  m_teacherBackbone = register_module("teacher_backbone", models::makeBackbone(m_backbone->options()));
  m_teacherHead = register_module("teacher_head", DinoHead(d, hidden, bottleneck, outDim));
  makeFrozenCopy(*m_teacherBackbone, *m_backbone);
  makeFrozenCopy(*m_teacherHead, *m_head);
  m_center = register_buffer("center", torch::zeros({1, outDim}));
}

std::vector<torch::Tensor> DinoImpl::trainableParameters() { return parametersWithout(*this, "teacher_"); }

std::vector<torch::Tensor> DinoImpl::multiCrop(const torch::Tensor& images) const {
  const auto x = augment::toFloat(images);
  std::vector<torch::Tensor> views;
  for (int i = 0; i < 2; ++i) views.push_back(prepare(augment::randomResizedCrop(x, m_globalScale, 1.0), m_restAugment));
  for (int64_t i = 0; i < m_localCrops; ++i) {
    auto crop = augment::randomResizedCrop(x, 0.05, m_localScale);
    crop = F::interpolate(crop, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{m_localSide, m_localSide})
                                    .mode(torch::kBilinear)
                                    .align_corners(false))
               .clamp(0.0, 1.0);
    views.push_back(prepare(crop, m_restAugment));
  }
  return views;
}

torch::Tensor DinoImpl::encode(models::BackboneImpl& backbone, const torch::Tensor& x) const {
  if (x.size(-1) != backbone.options().imageSize()) {
    if (auto* vit = dynamic_cast<models::VitImpl*>(&backbone)) return vit->forwardAnySize(x);
  }
  return backbone.forward(x);  // the ConvNet and ResNet pool globally: any size works
}

StepOutput DinoImpl::step(const Batch& batch) {
  const auto views = multiCrop(batch.images);
  const int64_t b = batch.images.size(0);
  const std::vector<torch::Tensor> globals(views.begin(), views.begin() + 2);
  // Same-sized crops go through the student together (two forward passes, as DINO's MultiCropWrapper).
  auto features = encode(*m_backbone, torch::cat(globals));
  if (m_localCrops > 0) {
    const std::vector<torch::Tensor> locals(views.begin() + 2, views.end());
    features = torch::cat({features, encode(*m_backbone, torch::cat(locals))});
  }
  const auto student = m_head->forward(features).split(b);
  torch::Tensor teacherOut;
  {
    torch::NoGradGuard noGrad;
    teacherOut = m_teacherHead->forward(encode(*m_teacherBackbone, torch::cat(globals))).to(torch::kFloat);
  }
  StepOutput out;
  out.loss = dinoLoss(student, teacherOut.split(b), m_center, m_studentTemp, m_teacherTemp);
  {
    torch::NoGradGuard noGrad;
    m_center.copy_(dinoCenter(m_center, teacherOut, m_centerMomentum, dist::currentGroup()));
  }
  return out;
}

void DinoImpl::afterOptimizerStep(double progress) {
  const double m = dinoTeacherMomentum(m_baseMomentum, progress);
  momentumUpdate(*m_teacherBackbone, *m_backbone, m);
  momentumUpdate(*m_teacherHead, *m_head, m);
}

}  // namespace pretext::methods

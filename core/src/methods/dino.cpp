#include "methods/dino.h"

#include "models/vit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pretext::methods {

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

torch::Tensor dinoCenter(const torch::Tensor& center, const torch::Tensor& teacherOutputs, double momentum) {
  const auto batchCenter = teacherOutputs.detach().to(torch::kFloat).mean(0, /*keepdim=*/true);
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

namespace {

double positive(const MethodContext& c, const std::string& name) {
  const double v = c.option("dino", name);
  if (!(v > 0.0)) throw std::invalid_argument("dino: --" + name + " must be > 0, got " + std::to_string(v));
  return v;
}

}  // namespace

DinoImpl::DinoImpl(const MethodContext& context)
    : MethodImpl("dino", context),
      m_studentTemp(positive(context, "student-temp")),
      m_teacherTemp(positive(context, "teacher-temp")),
      m_centerMomentum(context.option("dino", "center-momentum")),
      m_baseMomentum(context.option("dino", "momentum")),
      m_globalScale(context.option("dino", "global-scale")),
      m_localScale(context.option("dino", "local-scale")),
      m_localCrops(int64_t(context.option("dino", "local-crops"))) {
  if (m_centerMomentum < 0.0 || m_centerMomentum >= 1.0) {
    throw std::invalid_argument("dino: --center-momentum must be in [0, 1), got " + std::to_string(m_centerMomentum));
  }
  if (m_baseMomentum < 0.0 || m_baseMomentum > 1.0) {
    throw std::invalid_argument("dino: --momentum must be in [0, 1], got " + std::to_string(m_baseMomentum));
  }
  if (!(m_globalScale > 0.0 && m_globalScale <= 1.0)) {
    throw std::invalid_argument("dino: --global-scale must be in (0, 1], got " + std::to_string(m_globalScale));
  }
  if (!(m_localScale >= 0.05 && m_localScale <= 1.0)) {
    throw std::invalid_argument("dino: --local-scale must be in [0.05, 1] (local crops cover [0.05, local-scale] of "
                                "the image), got " + std::to_string(m_localScale));
  }
  if (m_localCrops < 0 || m_localCrops > 32) {
    throw std::invalid_argument("dino: --local-crops must be in 0..32, got " + std::to_string(m_localCrops));
  }
  const double localSize = context.option("dino", "local-size");
  if (!(localSize > 0.0 && localSize <= 1.0)) {
    throw std::invalid_argument("dino: --local-size must be in (0, 1] (a fraction of the image side), got " +
                                std::to_string(localSize));
  }
  const int64_t side = context.backbone.imageSize();
  m_localSide = std::max<int64_t>(1, std::llround(side * localSize));
  if (context.backbone.name() == "vit") {
    // Local crops are encoded at their own size with resized position embeddings (as DINO's ViT),
    // so their side must hold whole patches.
    const int64_t p = context.backbone.patchSize();
    m_localSide = std::max<int64_t>(p, std::llround(double(m_localSide) / double(p)) * p);
  } else if (m_localCrops > 0 && m_localSide < 8) {
    throw std::invalid_argument("dino: local crops of " + std::to_string(m_localSide) +
                                " pixels are too small for the " + context.backbone.name() +
                                "; raise --local-size");
  }
  const int64_t outDim = int64_t(context.option("dino", "out-dim"));
  const int64_t hidden = int64_t(context.option("dino", "hidden"));
  const int64_t bottleneck = int64_t(context.option("dino", "bottleneck"));
  if (outDim < 2 || hidden < 1 || bottleneck < 1) {
    throw std::invalid_argument("dino: --out-dim must be >= 2 and --hidden, --bottleneck >= 1");
  }
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
    m_center.copy_(dinoCenter(m_center, teacherOut, m_centerMomentum));
  }
  return out;
}

void DinoImpl::afterOptimizerStep(double progress) {
  const double m = dinoTeacherMomentum(m_baseMomentum, progress);
  momentumUpdate(*m_teacherBackbone, *m_backbone, m);
  momentumUpdate(*m_teacherHead, *m_head, m);
}

}  // namespace pretext::methods

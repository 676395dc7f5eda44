#include "run/model.h"

#include "run/checkpoint.h"

#include <algorithm>

namespace pretext {

namespace {

AugmentConfig augmentFor(const TrainConfig& c, const MethodInfo& info) {
  const std::string preset = c.augmentPreset.empty() ? info.defaultAugment : c.augmentPreset;
  if (preset.empty()) return AugmentConfig::none();
  if (preset == "custom") return c.augment;
  return AugmentConfig::preset(preset);
}

}  // namespace

bool Model::knnBf16() const { return config.knnBf16 && device.is_cpu() && cpuHasNativeBf16(); }

torch::Device resolveDevice(const std::string& name) {
  if (name == "auto") return torch::Device(bestDevice());
  if (name == "cpu" || name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (name != "cpu" && !cudaAvailable()) throw TrainingError("--device " + name + ": no CUDA device is available");
    return torch::Device(name);
  }
  throw std::invalid_argument("unknown device '" + name + "' (auto, cpu or cuda)");
}

const SplitData& trainingSplit(const Dataset& dataset) {
  const auto& data = dataset.data();
  return data.get(data.find(Split::Train) ? Split::Train : Split::Unlabeled);
}

std::shared_ptr<Model> buildModel(const TrainConfig& c, const Dataset& dataset, const torch::Device& device) {
  const MethodInfo& info = methodInfo(c.method);
  if (!info.requiredBackbone.empty() && c.backbone != info.requiredBackbone) {
    throw std::invalid_argument(info.title + " needs the " + info.requiredBackbone + " backbone (--backbone " +
                                info.requiredBackbone + "), not " + c.backbone);
  }
  const SplitData& train = trainingSplit(dataset);
  int64_t n = train.images.size(0);
  if (c.subset > 0) n = std::min(n, c.subset);

  auto model = std::make_shared<Model>();
  model->config = c;
  model->dataset = dataset;
  model->device = device;
  model->trainImages = n;
  {
    // Per-channel statistics of (up to 10,000) training images.
    const auto sample = train.images.slice(0, 0, std::min<int64_t>(n, 10000)).to(torch::kFloat).div(255.0);
    model->mean = sample.mean({0, 2, 3}).to(device);
    model->std = sample.std(std::vector<int64_t>{0, 2, 3}, /*unbiased=*/false).clamp_min(1e-3).to(device);
  }

  methods::MethodContext ctx;
  ctx.backbone = models::BackboneOptions(c.backbone, dataset.channels(), dataset.height())
                     .width(c.backboneWidth)
                     .cpuBf16(device.is_cpu() && c.cpuBf16);
  ctx.numClasses = std::max(1, dataset.numClasses());
  ctx.datasetSize = n;
  ctx.options = c.methodOptions;
  ctx.augment = augmentFor(c, info);
  ctx.mean = model->mean;
  ctx.std = model->std;
  ctx.device = device;
  ctx.channelsLast = device.is_cuda() ? c.channelsLast : c.cpuChannelsLast;
  model->method = methods::makeMethod(c.method, ctx);
  model->method->to(device);
  if (ctx.channelsLast) {
    // NHWC convolutions (cuDNN's fast path for bf16 tensor cores, oneDNN's on the CPU): 4-D weights
    // change layout in place, allocated NHWC (a one-input-channel weight also passes for NCHW).
    torch::NoGradGuard noGrad;
    for (auto& p : model->method->parameters()) {
      if (p.dim() == 4) p.set_data(methods::toChannelsLast(p.data()));
    }
  }
  return model;
}

void loadModelWeights(Model& model, const std::string& checkpoint) {
  train::loadCheckpoint(checkpoint, *model.method, nullptr, model.device);
}

}  // namespace pretext

#include "run/model.h"

#include "pretext/trainsplit.h"

#include "io/fileutil.h"
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

DatasetSpec trainingDatasetSpec(const TrainConfig& config) {
  DatasetSpec spec = config.dataset;
  if (config.trainSplit == "unlabeled") spec.loadUnlabeled = true;  // stl10:DIR's unlabeled_X.bin
  return spec;
}

std::string trainSplitRefusal(const Dataset& dataset, bool usesLabels, const std::string& trainSplit) {
  if (trainSplit == "train" && !dataset.hasSplit(Split::Train)) {
    return "--train-split train: " + dataset.name() + " has no labelled train split";
  }
  if (trainSplit == "unlabeled") {
    if (usesLabels) return "--train-split unlabeled: this method trains on labels";
    if (!dataset.hasSplit(Split::Unlabeled)) {
      return "--train-split unlabeled: " + dataset.name() + " has no unlabelled split" +
             (dataset.spec().kind == "stl10" ? " (no unlabeled_X.bin in " + dataset.spec().path + ")" : "");
    }
  }
  return {};
}

const SplitData& trainingSplit(const Dataset& dataset, bool usesLabels, const std::string& trainSplit) {
  const auto& data = dataset.data();
  if (const std::string why = trainSplitRefusal(dataset, usesLabels, trainSplit); !why.empty()) throw std::invalid_argument(why);
  if (trainSplit == "train") return data.get(Split::Train);
  if (trainSplit == "unlabeled") return data.get(Split::Unlabeled);
  if (!usesLabels && data.find(Split::Unlabeled)) return data.get(Split::Unlabeled);
  return data.get(data.find(Split::Train) ? Split::Train : Split::Unlabeled);
}

std::shared_ptr<Model> buildModel(const TrainConfig& c, const Dataset& dataset, const torch::Device& device) {
  const MethodInfo& info = methodInfo(c.method);
  if (!info.requiredBackbone.empty() && c.backbone != info.requiredBackbone) {
    throw std::invalid_argument(info.title + " needs the " + info.requiredBackbone + " backbone (--backbone " +
                                info.requiredBackbone + "), not " + c.backbone);
  }
  const SplitData& train = trainingSplit(dataset, info.usesLabels, c.trainSplit);
  int64_t n = train.images.size(0);
  if (c.subset > 0) n = std::min(n, c.subset);

  auto model = std::make_shared<Model>();
  model->config = c;
  model->dataset = dataset;
  model->evaluation = dataset;
  if (!c.evalDataset.empty()) {
    try {
      model->evaluation = Dataset::load(DatasetSpec::parse(c.evalDataset));
    } catch (const DatasetError& e) {
      throw DatasetError("evaluation dataset " + c.evalDataset + ": " + e.what());
    }
    const Dataset& e = model->evaluation;
    if (e.channels() != dataset.channels() || e.height() != dataset.height() || e.width() != dataset.width()) {
      auto shape = [](const Dataset& d) {
        return std::to_string(d.channels()) + "x" + std::to_string(d.height()) + "x" + std::to_string(d.width());
      };
      throw std::invalid_argument("evaluation dataset " + c.evalDataset + " holds " + shape(e) +
                                  " images; the training images are " + shape(dataset) +
                                  " (prepare both at the same --image-size)");
    }
  }
  model->device = device;
  model->trainImages = n;
  {
    // Per-channel statistics of (up to 10,000) training images.
    const auto images = train.images.slice(0, 0, std::min<int64_t>(n, 10000));
    if (images.numel() * int64_t(sizeof(float)) <= (int64_t(256) << 20)) {
      const auto sample = images.to(torch::kFloat).div(255.0);
      model->mean = sample.mean({0, 2, 3}).to(device);
      model->std = sample.std(std::vector<int64_t>{0, 2, 3}, /*unbiased=*/false).clamp_min(1e-3).to(device);
    } else {
      // Larger images (a prepared dataset at 64 px and up, STL-10): the same statistics from sums
      // over slices of 64 images, so that a memory-mapped dataset is read, never copied whole
      // (10,000 images of 3x96x96 as float are 1.1 GB).
      auto sum = torch::zeros({images.size(1)}, torch::kDouble), squares = sum.clone();
      for (int64_t i = 0; i < images.size(0); i += 64) {
        const auto x = images.slice(0, i, std::min<int64_t>(i + 64, images.size(0))).to(torch::kDouble).div(255.0);
        sum += x.sum({0, 2, 3});
        squares += x.square().sum({0, 2, 3});
      }
      const double count = double(images.size(0) * images.size(2) * images.size(3));
      const auto mean = sum / count;
      model->mean = mean.to(torch::kFloat).to(device);
      model->std = (squares / count - mean.square()).clamp_min(0).sqrt().to(torch::kFloat).clamp_min(1e-3).to(device);
    }
  }

  methods::MethodContext ctx;
  ctx.backbone = models::BackboneOptions(c.backbone, dataset.channels(), dataset.height())
                     .width(c.backboneWidth)
                     .firstKernel(c.firstKernel)
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

FilterBank filterBank(const torch::Tensor& weight) {
  TORCH_CHECK(weight.dim() == 4 && weight.size(2) == weight.size(3), "square filters [O, I, k, k] expected, got ",
              weight.sizes());
  const auto w = weight.detach().to(torch::kCPU, torch::kFloat).contiguous();
  FilterBank bank;
  bank.count = int(w.size(0));
  bank.channels = int(w.size(1));
  bank.size = int(w.size(2));
  bank.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  return bank;
}

std::string initialFiltersPath(const std::string& runDir) {
  return io::joinPath(io::joinPath(runDir, "checkpoints"), "initial_filters.pt");
}

torch::Tensor loadInitialFilters(const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::Tensor weight;
    archive.read("weight", weight);
    if (weight.dim() != 4) throw std::runtime_error("expected filters [O, I, k, k]");
    return weight.to(torch::kCPU, torch::kFloat);
  } catch (const std::exception& e) {
    throw std::runtime_error("initial filters " + path + ": " + e.what());
  }
}

}  // namespace pretext

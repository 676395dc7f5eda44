// TrainConfig <-> config.json, through nlohmann-json: integers keep all 64 bits (a seed above 2^53
// survives a resume), numbers are written and read the same under every locale.
#include "pretext/numbers.h"
#include "pretext/training.h"

#include "io/jsonread.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace pretext {

namespace {

using namespace io::jsonread;  // Json, parseObject, numberAs, number, text, boolean, object

// cpu_bf16 / cpu_channels_last: true or false (what a run chose), or "auto" (an experiment file
// written before a Trainer chose); absent: false, as in runs written before "auto" existed.
void cpuSwitch(const Json& j, const std::string& key, bool& value, bool& automatic) {
  const Json* v = member(j, key);
  if (v && v->is_string() && v->get<std::string>() != "auto") {
    badKey(key, "expected true, false or \"auto\", found \"" + v->get<std::string>() + "\"");
  }
  automatic = v && v->is_string();
  value = automatic ? false : boolean(j, key, false);
}

// "learning rate (--lr) must be from 0 to 100, not nan": every option, its flag, its range.
void checkRange(const std::string& what, double value, double lo, double hi, bool openHigh = false, bool openLow = false) {
  const bool ok = std::isfinite(value) && (openLow ? value > lo : value >= lo) && (openHigh ? value < hi : value <= hi);
  if (ok) return;
  const std::string range = std::string(openLow ? "greater than " : "from ") + formatGeneral(lo) + (openHigh ? " to below " : " to ") +
                            formatGeneral(hi);
  throw std::invalid_argument(what + " must be " + range + ", not " + formatGeneral(value));
}

}  // namespace

void validateConfig(const TrainConfig& c) {
  using L = ConfigLimits;
  constexpr double maxInt = double(std::numeric_limits<int>::max());
  constexpr double maxInt64 = 9.2e18;
  checkRange("backbone width (--width)", c.backboneWidth, L::minWidth, L::maxWidth);
  if (c.trainSplit != "auto" && c.trainSplit != "train" && c.trainSplit != "unlabeled") {
    throw std::invalid_argument("training split (--train-split) must be auto, train or unlabeled, not '" + c.trainSplit + "'");
  }
  if (c.firstKernel != 0 && (c.firstKernel < 3 || c.firstKernel > L::maxFirstKernel || c.firstKernel % 2 == 0)) {
    throw std::invalid_argument("first-layer kernel (--first-kernel) must be 0 (the default, 5) or odd from 3 to " +
                                std::to_string(L::maxFirstKernel) + ", not " + std::to_string(c.firstKernel));
  }
  checkRange("epochs (--epochs)", c.epochs, 0, L::maxEpochs);
  checkRange("batch size (--batch-size)", c.batchSize, L::minBatch, maxInt);
  checkRange("subset (--subset, 0: all images)", double(c.subset), 0, maxInt64);
  checkRange("learning rate (--lr, 0: the optimizer's default)", c.learningRate, 0, L::maxLearningRate);
  checkRange("weight decay (--weight-decay, <0: the optimizer's default)", c.weightDecay, -1, L::maxWeightDecay);
  checkRange("momentum (--momentum)", c.momentum, 0, L::maxMomentum, /*openHigh=*/true);
  checkRange("warm-up epochs (--warmup-epochs)", c.warmupEpochs, 0, L::maxWarmupEpochs);
  checkRange("threads (--threads, 0: all cores)", c.threads, 0, L::maxThreads);
  checkRange("k-NN k (--knn-k)", c.knnK, 1, L::maxKnnK);
  checkRange("k-NN temperature (knn_temperature)", c.knnTemperature, 0, L::maxKnnTemperature, false, /*openLow=*/true);
  checkRange("k-NN test limit (--knn-test-limit, 0: all)", double(c.knnTestLimit), 0, maxInt64);
  checkRange("read-back interval (readback_every, 0: automatic)", c.readbackEvery, 0, maxInt);
  checkRange("checkpoint interval (checkpoint_every_epochs)", c.checkpointEveryEpochs, 0, maxInt);
  checkRange("synchronized BatchNorm (sync_batchnorm: -1 the method's default, 0 off, 1 on)", c.syncBatchNorm, -1, 1);
  checkRange("world size (world_size)", c.worldSize, 1, 65536);
  if (c.streamData != "auto" && c.streamData != "on" && c.streamData != "off") {
    throw std::invalid_argument("streaming the training data (--stream, stream_data) is auto, on or off, not '" +
                                c.streamData + "'");
  }
  // The seed is any 64-bit unsigned number: nothing to check.
  for (const auto& [name, op] : c.augment.ops()) {
    checkRange("augmentation " + name + " probability", op->probability, 0, 1);
    checkRange("augmentation " + name + " strength", op->strength, 0, 1);
  }
}

bool cpuBf16ByDefault(const std::string& method, const std::string& backbone) {
  // The methods that passed bench/README.md's paired test ("The CPU defaults": bf16 + channels_last
  // minus fp32 on the same seeds, both 95% intervals inside +/-0.3 points, and faster), measured on
  // the ConvNet with Fashion-MNIST: Barlow Twins, 6 pairs, k-NN +0.01 [-0.16, +0.18], probe -0.12
  // [-0.27, +0.02], 1.96x. SimCLR, rotation, MoCo v2 and BYOL did not pass; a method not measured
  // stays fp32 NCHW too.
  static const char* const passed[] = {"barlow"};
  const bool listed = std::any_of(std::begin(passed), std::end(passed), [&](const char* m) { return method == m; });
  return listed && (backbone == "convnet" || backbone == "resnet18") && cpuHasNativeBf16();
}

bool cpuChannelsLastByDefault(const std::string& method, const std::string& backbone) {
  // fp32 channels_last alone (bench/README.md, "channels_last alone in fp32": at least 3 AB/BA pairs
  // of pretext-bench train, every pair faster and the geometric-mean speed-up >= 1.05), measured on
  // the ConvNet with Fashion-MNIST: rotation 1.65x, MoCo v2 1.56x, BYOL 1.30x. SimCLR did not pass
  // (one pair slower on a loaded machine). Not ResNet-18: its NHWC backward is 0.5% off float64 with
  // this LibTorch (tst_cpubf16). The same arithmetic otherwise, so no native bf16 is needed.
  static const char* const passed[] = {"rotation", "moco", "byol"};
  const bool listed = std::any_of(std::begin(passed), std::end(passed), [&](const char* m) { return method == m; });
  return cpuBf16ByDefault(method, backbone) || (listed && backbone == "convnet");
}

void resolveCpuAuto(TrainConfig& c) {
  if (c.cpuBf16Auto) c.cpuBf16 = cpuBf16ByDefault(c.method, c.backbone);
  if (c.cpuChannelsLastAuto) c.cpuChannelsLast = cpuChannelsLastByDefault(c.method, c.backbone);
  c.cpuBf16Auto = c.cpuChannelsLastAuto = false;
}

std::string configToJson(const TrainConfig& c) {
  Json j = Json::object();
  Json ds = Json::object();
  ds["kind"] = c.dataset.kind;
  ds["path"] = c.dataset.path;
  ds["image_size"] = c.dataset.imageSize;
  ds["shapes_per_class"] = c.dataset.shapesPerClass;
  ds["shapes_image_size"] = c.dataset.shapesImageSize;
  ds["seed"] = c.dataset.seed;
  ds["load_unlabeled"] = c.dataset.loadUnlabeled;
  j["dataset"] = ds;
  if (!c.evalDataset.empty()) j["eval_dataset"] = c.evalDataset;
  if (c.trainSplit != "auto") j["train_split"] = c.trainSplit;  // absent: auto, as in older runs
  j["method"] = c.method;
  j["backbone"] = c.backbone;
  j["backbone_width"] = c.backboneWidth;
  if (c.firstKernel != 0) j["first_kernel"] = c.firstKernel;  // absent: the default, as in older runs
  j["epochs"] = c.epochs;
  j["batch_size"] = c.batchSize;
  j["subset"] = c.subset;
  j["optimizer"] = c.optimizer;
  j["learning_rate"] = c.learningRate;
  j["weight_decay"] = c.weightDecay;
  j["momentum"] = c.momentum;
  j["warmup_epochs"] = c.warmupEpochs;
  j["device"] = c.device;
  j["seed"] = c.seed;
  j["threads"] = c.threads;
  j["bf16"] = c.bf16;
  j["channels_last"] = c.channelsLast;
  j["readback_every"] = c.readbackEvery;
  j["foreach_optimizer"] = c.foreachOptimizer;
  j["sync_batchnorm"] = c.syncBatchNorm;
  j["world_size"] = c.worldSize;
  if (!c.distBackend.empty()) j["dist_backend"] = c.distBackend;
  j["overlap_allreduce"] = c.overlapAllReduce;
  j["cuda_graphs"] = c.cudaGraphs;
  if (c.streamData != "auto") j["stream_data"] = c.streamData;  // absent: auto, as in older runs
  j["knn_every_epoch"] = c.knnEveryEpoch;
  j["knn_k"] = c.knnK;
  j["knn_temperature"] = c.knnTemperature;
  j["knn_stage"] = c.knnStage;
  j["knn_test_limit"] = c.knnTestLimit;
  j["knn_bf16"] = c.knnBf16;
  // A Trainer has resolved "auto" (resolveCpuAuto) before it writes config.json: runs record the choice.
  if (c.cpuBf16Auto) j["cpu_bf16"] = "auto"; else j["cpu_bf16"] = c.cpuBf16;
  if (c.cpuChannelsLastAuto) j["cpu_channels_last"] = "auto"; else j["cpu_channels_last"] = c.cpuChannelsLast;
  j["augment_preset"] = c.augmentPreset;
  Json aug = Json::object();
  for (const auto& [name, op] : c.augment.ops()) {
    Json o = Json::object();
    o["enabled"] = op->enabled;
    o["probability"] = double(op->probability);
    o["strength"] = double(op->strength);
    aug[name] = o;
  }
  j["augment"] = aug;
  Json opts = Json::object();
  for (const auto& [k, v] : c.methodOptions) opts[k] = v;
  j["method_options"] = opts;
  j["checkpoint_every_epochs"] = c.checkpointEveryEpochs;
  return j.dump(2) + "\n";
}

TrainConfig configFromJson(const std::string& source, const std::string& name) {
  const Json j = parseObject(source, name + ": ");
  TrainConfig c;
  try {
    if (const Json* ds = object(j, "dataset")) {
      c.dataset.kind = text(*ds, "kind", c.dataset.kind);
      c.dataset.path = text(*ds, "path", "");
      c.dataset.imageSize = numberAs<int>(*ds, "image_size", c.dataset.imageSize);
      c.dataset.shapesPerClass = numberAs<int>(*ds, "shapes_per_class", c.dataset.shapesPerClass);
      c.dataset.shapesImageSize = numberAs<int>(*ds, "shapes_image_size", c.dataset.shapesImageSize);
      c.dataset.seed = numberAs<std::uint64_t>(*ds, "seed", c.dataset.seed);
      c.dataset.loadUnlabeled = boolean(*ds, "load_unlabeled", false);
    }
    c.evalDataset = text(j, "eval_dataset", "");
    c.trainSplit = text(j, "train_split", "auto");
    c.method = text(j, "method", c.method);
    c.backbone = text(j, "backbone", c.backbone);
    c.backboneWidth = numberAs<int>(j, "backbone_width", c.backboneWidth);
    c.firstKernel = numberAs<int>(j, "first_kernel", 0);
    c.epochs = numberAs<int>(j, "epochs", c.epochs);
    c.batchSize = numberAs<int>(j, "batch_size", c.batchSize);
    c.subset = numberAs<std::int64_t>(j, "subset", std::int64_t(0));
    c.optimizer = text(j, "optimizer", c.optimizer);
    c.learningRate = number(j, "learning_rate", c.learningRate);
    c.weightDecay = number(j, "weight_decay", c.weightDecay);
    c.momentum = number(j, "momentum", c.momentum);
    c.warmupEpochs = number(j, "warmup_epochs", c.warmupEpochs);
    c.device = text(j, "device", c.device);
    c.seed = numberAs<std::uint64_t>(j, "seed", c.seed);
    c.threads = numberAs<int>(j, "threads", c.threads);
    c.bf16 = boolean(j, "bf16", c.bf16);
    c.channelsLast = boolean(j, "channels_last", c.channelsLast);
    c.readbackEvery = numberAs<int>(j, "readback_every", c.readbackEvery);
    c.foreachOptimizer = boolean(j, "foreach_optimizer", c.foreachOptimizer);
    c.syncBatchNorm = numberAs<int>(j, "sync_batchnorm", c.syncBatchNorm);
    c.worldSize = numberAs<int>(j, "world_size", 1);
    c.distBackend = text(j, "dist_backend", "");
    c.overlapAllReduce = boolean(j, "overlap_allreduce", c.overlapAllReduce);
    c.cudaGraphs = boolean(j, "cuda_graphs", c.cudaGraphs);
    c.streamData = text(j, "stream_data", "auto");
    c.knnEveryEpoch = boolean(j, "knn_every_epoch", c.knnEveryEpoch);
    c.knnK = numberAs<int>(j, "knn_k", c.knnK);
    c.knnTemperature = number(j, "knn_temperature", c.knnTemperature);
    c.knnStage = text(j, "knn_stage", "");
    c.knnTestLimit = numberAs<std::int64_t>(j, "knn_test_limit", std::int64_t(0));
    c.knnBf16 = boolean(j, "knn_bf16", c.knnBf16);
    cpuSwitch(j, "cpu_bf16", c.cpuBf16, c.cpuBf16Auto);
    cpuSwitch(j, "cpu_channels_last", c.cpuChannelsLast, c.cpuChannelsLastAuto);
    c.augmentPreset = text(j, "augment_preset", "");
    if (const Json* aug = object(j, "augment")) {
      for (auto& [name, op] : c.augment.ops()) {
        const Json* o = object(*aug, name);
        if (!o) continue;
        op->enabled = boolean(*o, "enabled", op->enabled);
        op->probability = numberAs<float>(*o, "probability", op->probability);
        op->strength = numberAs<float>(*o, "strength", op->strength);
      }
    }
    if (const Json* opts = object(j, "method_options")) {
      for (auto it = opts->begin(); it != opts->end(); ++it) c.methodOptions[it.key()] = number(*opts, it.key(), 0.0);
    }
    c.checkpointEveryEpochs = numberAs<int>(j, "checkpoint_every_epochs", 1);
  } catch (const std::exception& e) {
    throw std::runtime_error(name + ": " + e.what());
  }
  return c;
}

}  // namespace pretext

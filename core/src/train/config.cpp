// TrainConfig <-> config.json.
#include "io/json.h"
#include "pretext/training.h"

#include <cmath>
#include <limits>

namespace pretext {

namespace {

// A number from the JSON converted to T, or an error naming the key: casting a double outside T's
// range (1e300, NaN from a hand-edited file) to an integer or float is undefined behaviour.
template <typename T>
T numberAs(const io::Json& j, const std::string& key, T fallback) {
  const double v = j.number(key, double(fallback));
  const double lo = double(std::numeric_limits<T>::lowest());
  // For integers the first value past the range, 2^digits, is exact as a double; max() may not be.
  const bool inRange = std::numeric_limits<T>::is_integer
                           ? v >= lo && v < std::ldexp(1.0, std::numeric_limits<T>::digits)
                           : v >= lo && v <= double(std::numeric_limits<T>::max());
  if (!std::isfinite(v) || !inRange) {
    throw std::runtime_error("'" + key + "': " + std::to_string(v) + " is out of range");
  }
  return T(v);
}

}  // namespace

std::string configToJson(const TrainConfig& c) {
  io::Json j = io::Json::object();
  io::Json ds = io::Json::object();
  ds["kind"] = c.dataset.kind;
  ds["path"] = c.dataset.path;
  ds["image_size"] = c.dataset.imageSize;
  ds["shapes_per_class"] = c.dataset.shapesPerClass;
  ds["shapes_image_size"] = c.dataset.shapesImageSize;
  ds["seed"] = double(c.dataset.seed);
  ds["load_unlabeled"] = c.dataset.loadUnlabeled;
  j["dataset"] = ds;
  j["method"] = c.method;
  j["backbone"] = c.backbone;
  j["backbone_width"] = c.backboneWidth;
  j["epochs"] = c.epochs;
  j["batch_size"] = c.batchSize;
  j["subset"] = double(c.subset);
  j["optimizer"] = c.optimizer;
  j["learning_rate"] = c.learningRate;
  j["weight_decay"] = c.weightDecay;
  j["momentum"] = c.momentum;
  j["warmup_epochs"] = c.warmupEpochs;
  j["device"] = c.device;
  j["seed"] = double(c.seed);
  j["threads"] = c.threads;
  j["bf16"] = c.bf16;
  j["channels_last"] = c.channelsLast;
  j["readback_every"] = c.readbackEvery;
  j["foreach_optimizer"] = c.foreachOptimizer;
  j["cuda_graphs"] = c.cudaGraphs;
  j["knn_every_epoch"] = c.knnEveryEpoch;
  j["knn_k"] = c.knnK;
  j["knn_temperature"] = c.knnTemperature;
  j["knn_stage"] = c.knnStage;
  j["knn_test_limit"] = double(c.knnTestLimit);
  j["knn_bf16"] = c.knnBf16;
  j["augment_preset"] = c.augmentPreset;
  io::Json aug = io::Json::object();
  for (const auto& [name, op] : c.augment.ops()) {
    io::Json o = io::Json::object();
    o["enabled"] = op->enabled;
    o["probability"] = double(op->probability);
    o["strength"] = double(op->strength);
    aug[name] = o;
  }
  j["augment"] = aug;
  io::Json opts = io::Json::object();
  for (const auto& [k, v] : c.methodOptions) opts[k] = v;
  j["method_options"] = opts;
  j["checkpoint_every_epochs"] = c.checkpointEveryEpochs;
  return j.dump();
}

TrainConfig configFromJson(const std::string& text) {
  const io::Json j = io::Json::parse(text);
  if (!j.isObject()) throw std::runtime_error("config.json: expected an object");
  TrainConfig c;
  try {
    if (j.contains("dataset")) {
      const auto& ds = j.at("dataset");
      c.dataset.kind = ds.string("kind", c.dataset.kind);
      c.dataset.path = ds.string("path", "");
      c.dataset.imageSize = numberAs<int>(ds, "image_size", c.dataset.imageSize);
      c.dataset.shapesPerClass = numberAs<int>(ds, "shapes_per_class", c.dataset.shapesPerClass);
      c.dataset.shapesImageSize = numberAs<int>(ds, "shapes_image_size", c.dataset.shapesImageSize);
      c.dataset.seed = numberAs<std::uint64_t>(ds, "seed", c.dataset.seed);
      c.dataset.loadUnlabeled = ds.boolean("load_unlabeled", false);
    }
    c.method = j.string("method", c.method);
    c.backbone = j.string("backbone", c.backbone);
    c.backboneWidth = numberAs<int>(j, "backbone_width", c.backboneWidth);
    c.epochs = numberAs<int>(j, "epochs", c.epochs);
    c.batchSize = numberAs<int>(j, "batch_size", c.batchSize);
    c.subset = numberAs<std::int64_t>(j, "subset", std::int64_t(0));
    c.optimizer = j.string("optimizer", c.optimizer);
    c.learningRate = j.number("learning_rate", c.learningRate);
    c.weightDecay = j.number("weight_decay", c.weightDecay);
    c.momentum = j.number("momentum", c.momentum);
    c.warmupEpochs = j.number("warmup_epochs", c.warmupEpochs);
    c.device = j.string("device", c.device);
    c.seed = numberAs<std::uint64_t>(j, "seed", c.seed);
    c.threads = numberAs<int>(j, "threads", c.threads);
    c.bf16 = j.boolean("bf16", c.bf16);
    c.channelsLast = j.boolean("channels_last", c.channelsLast);
    c.readbackEvery = int(j.number("readback_every", c.readbackEvery));
    c.foreachOptimizer = j.boolean("foreach_optimizer", c.foreachOptimizer);
    c.cudaGraphs = j.boolean("cuda_graphs", c.cudaGraphs);
    c.knnEveryEpoch = j.boolean("knn_every_epoch", c.knnEveryEpoch);
    c.knnK = numberAs<int>(j, "knn_k", c.knnK);
    c.knnTemperature = j.number("knn_temperature", c.knnTemperature);
    c.knnStage = j.string("knn_stage", "");
    c.knnTestLimit = numberAs<std::int64_t>(j, "knn_test_limit", std::int64_t(0));
    c.knnBf16 = j.boolean("knn_bf16", c.knnBf16);
    c.augmentPreset = j.string("augment_preset", "");
    if (j.contains("augment")) {
      const auto& aug = j.at("augment");
      for (auto& [name, op] : c.augment.ops()) {
        if (!aug.contains(name)) continue;
        const auto& o = aug.at(name);
        op->enabled = o.boolean("enabled", op->enabled);
        op->probability = numberAs<float>(o, "probability", op->probability);
        op->strength = numberAs<float>(o, "strength", op->strength);
      }
    }
    if (j.contains("method_options")) {
      for (const auto& [k, v] : j.at("method_options").asObject()) c.methodOptions[k] = v.asNumber();
    }
    c.checkpointEveryEpochs = numberAs<int>(j, "checkpoint_every_epochs", 1);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("config.json: ") + e.what());
  }
  return c;
}

}  // namespace pretext

// The training loop shared by the CLI and the window: data resident on the device, batches,
// shuffling and augmentation there too; pause/stop checked once per batch; atomic checkpoints.
#include "datasets/datasetdata.h"
#include "eval/knn.h"
#include "io/fileutil.h"
#include "methods/method.h"
#include "pretext/metrics.h"
#include "pretext/training.h"
#include "train/checkpoint.h"
#include "train/compat.h"
#include "train/optim.h"
#include "train/stepgraph.h"
#include "train/trainerstate.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>
#include <tuple>

namespace pretext {

namespace {

using Clock = std::chrono::steady_clock;

bool isOutOfMemory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return true;
  const std::string what = e.what();
  // CUDA: "CUDA out of memory" / "CUDA error: out of memory"; CPU: "DefaultCPUAllocator: can't allocate memory".
  return what.find("out of memory") != std::string::npos || what.find("can't allocate memory") != std::string::npos;
}

AugmentConfig augmentFor(const TrainConfig& c, const MethodInfo& info) {
  const std::string preset = c.augmentPreset.empty() ? info.defaultAugment : c.augmentPreset;
  if (preset == "simclr") return AugmentConfig::simclr();
  if (preset == "light") return AugmentConfig::light();
  if (preset == "none" || preset.empty()) return AugmentConfig::none();
  if (preset == "custom") return c.augment;
  throw std::invalid_argument("unknown augmentation preset '" + preset + "' (simclr, light, none or custom)");
}

}  // namespace

struct Trainer::Impl {
  TrainingObserver* observer = nullptr;  // during run(): told of each checkpoint
  TrainConfig config;
  Dataset dataset;
  torch::Device device{torch::kCPU};
  methods::Method method;
  std::unique_ptr<train::Optimizer> optimizer;
  torch::Tensor trainImages, trainLabels;  // on the device
  torch::Tensor bankImages, bankLabels;    // the whole training split: the k-NN monitor's memory bank
  torch::Tensor testImages, testLabels;    // CPU; moved in batches by the k-NN monitor
  torch::Tensor mean, std;                 // float [C] on the device
  train::TrainingPosition position;
  int64_t stepsPerEpoch = 0;
  int64_t lastGoodEpoch = -1;              // last epoch with a checkpoint on disk

  bool knnBf16() const { return config.knnBf16 && device.is_cpu() && cpuHasNativeBf16(); }

  std::string checkpointPath() const { return io::joinPath(io::joinPath(config.outDir, "checkpoints"), "last.pt"); }
  std::string metricsPath() const { return io::joinPath(config.outDir, "metrics.csv"); }

  void appendMetrics(const MetricsRow& row) {
    if (config.outDir.empty()) return;
    appendMetricsRow(metricsPath(), row);
  }

  void checkpoint() {
    if (config.outDir.empty()) return;
    position.cpuRng = compat::defaultGenerator(torch::kCPU).get_state();
    if (device.is_cuda()) position.deviceRng = compat::defaultGenerator(device).get_state();
    train::saveCheckpoint(checkpointPath(), *method, &optimizer->torchOptimizer(), position);
    if (observer) observer->onCheckpoint(config.outDir);
  }
};

namespace train {
namespace {
thread_local bool t_evaluationOnly = false;
}
EvaluationOnlyScope::EvaluationOnlyScope() : m_previous(t_evaluationOnly) { t_evaluationOnly = true; }
EvaluationOnlyScope::~EvaluationOnlyScope() { t_evaluationOnly = m_previous; }
bool EvaluationOnlyScope::active() { return t_evaluationOnly; }
}  // namespace train

Trainer::Trainer(TrainConfig config, Dataset dataset) : m_impl(std::make_unique<Impl>()) {
  auto& d = *m_impl;
  d.config = std::move(config);
  d.dataset = std::move(dataset);
  const auto& c = d.config;
  setTorchThreads(c.threads);
  keepLargeAllocations();

  if (c.device == "auto") {
    d.device = torch::Device(bestDevice());
  } else if (c.device == "cpu" || c.device == "cuda" || c.device.rfind("cuda:", 0) == 0) {
    if (c.device != "cpu" && !cudaAvailable()) throw TrainingError("--device " + c.device + ": no CUDA device is available");
    d.device = torch::Device(c.device);
  } else {
    throw std::invalid_argument("unknown device '" + c.device + "' (auto, cpu or cuda)");
  }
  if (c.epochs < 0) throw std::invalid_argument("epochs must be >= 0");
  if (c.batchSize < 2) throw std::invalid_argument("batch size must be at least 2");

  const MethodInfo& info = methodInfo(c.method);
  if (!info.requiredBackbone.empty() && c.backbone != info.requiredBackbone) {
    throw std::invalid_argument(info.title + " needs the " + info.requiredBackbone + " backbone (--backbone " +
                                info.requiredBackbone + "), not " + c.backbone);
  }
  const auto& data = d.dataset.data();
  const auto& train = data.get(data.find(Split::Train) ? Split::Train : Split::Unlabeled);
  int64_t n = train.images.size(0);
  if (c.subset > 0) n = std::min(n, c.subset);
  if (n < 2) throw std::invalid_argument("the training split has fewer than 2 images");
  if (!train::EvaluationOnlyScope::active()) {
    torch::manual_seed(c.seed);
    if (d.device.is_cuda()) torch::cuda::manual_seed_all(c.seed);
  }

  d.trainImages = train.images.slice(0, 0, n).to(d.device);
  d.trainLabels = train.labels.slice(0, 0, n).to(d.device);
  if (info.usesLabels && d.trainLabels.min().item<int64_t>() < 0) {
    throw std::invalid_argument(info.title + " needs labels, and the training split has unlabelled images");
  }
  // Per-channel statistics of (up to 10,000) training images.
  {
    const auto sample = train.images.slice(0, 0, std::min<int64_t>(n, 10000)).to(torch::kFloat).div(255.0);
    d.mean = sample.mean({0, 2, 3}).to(d.device);
    d.std = sample.std(std::vector<int64_t>{0, 2, 3}, /*unbiased=*/false).clamp_min(1e-3).to(d.device);
  }
  // The monitor's bank is the whole labelled training split, also when training on a subset, so
  // that runs on different subsets are compared on the same footing.
  d.bankImages = train.images;
  d.bankLabels = train.labels;
  if (const SplitData* test = data.find(Split::Test)) {
    int64_t m = test->images.size(0);
    if (c.knnTestLimit > 0) m = std::min(m, c.knnTestLimit);
    d.testImages = test->images.slice(0, 0, m);
    d.testLabels = test->labels.slice(0, 0, m);
  }

  methods::MethodContext ctx;
  ctx.backbone = models::BackboneOptions(c.backbone, d.dataset.channels(), d.dataset.height()).width(c.backboneWidth);
  ctx.numClasses = std::max(1, d.dataset.numClasses());
  ctx.datasetSize = n;
  ctx.options = c.methodOptions;
  ctx.augment = augmentFor(c, info);
  ctx.mean = d.mean;
  ctx.std = d.std;
  ctx.device = d.device;
  ctx.channelsLast = d.device.is_cuda() && c.channelsLast;  // on this CPU it measured no faster
  d.method = methods::makeMethod(c.method, ctx);
  d.method->to(d.device);
  if (ctx.channelsLast) {
    // NHWC convolutions (cuDNN's fast path for bf16 tensor cores): 4-D weights change layout in place.
    torch::NoGradGuard noGrad;
    for (auto& p : d.method->parameters()) {
      if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }

  train::OptimizerSetup setup;
  setup.name = c.optimizer.empty() ? (c.backbone == "vit" ? "adamw" : "sgd") : c.optimizer;
  const double scale = c.batchSize / 256.0;
  const double baseLr = setup.name == "adamw" ? 1e-3 : (setup.name == "lars" ? 0.3 : 0.06);
  setup.learningRate = c.learningRate > 0 ? c.learningRate : baseLr * scale;
  setup.weightDecay = c.weightDecay >= 0 ? c.weightDecay : (setup.name == "adamw" ? 0.05 : 5e-4);
  setup.momentum = c.momentum;
  setup.foreach = c.foreachOptimizer;
  d.optimizer = std::make_unique<train::Optimizer>(setup, d.method->trainableParameters());

  const int64_t b = std::min<int64_t>(c.batchSize, n);
  d.stepsPerEpoch = std::max<int64_t>(1, n / b);  // drop the last partial batch
}

Trainer::~Trainer() = default;

const TrainConfig& Trainer::config() const { return m_impl->config; }
int Trainer::startEpoch() const { return int(m_impl->position.epoch); }
std::string Trainer::deviceName() const {
  return m_impl->device.is_cuda() ? "CUDA (" + m_impl->device.str() + ")" : "CPU, " + std::to_string(at::get_num_threads()) + " threads";
}

std::unique_ptr<Trainer> Trainer::resume(const std::string& runDir, int epochs) {
  const std::string configPath = io::joinPath(runDir, "config.json");
  if (!io::fileExists(configPath)) throw TrainingError(runDir + " is not a run folder (no config.json)");
  TrainConfig config = configFromJson(io::readTextFile(configPath));
  config.outDir = runDir;
  if (epochs > 0) config.epochs = epochs;
  auto trainer = std::make_unique<Trainer>(config, Dataset::load(config.dataset));
  auto& d = *trainer->m_impl;
  const std::string ckpt = d.checkpointPath();
  if (io::fileExists(ckpt)) {
    d.position = train::loadCheckpoint(ckpt, *d.method, &d.optimizer->torchOptimizer(), d.device);
    const int64_t n = d.trainImages.size(0);
    const auto& perm = d.position.permutation;
    if (d.position.step > d.stepsPerEpoch ||
        (perm.defined() && (perm.size(0) != n || !std::get<0>(perm.sort()).equal(torch::arange(n))))) {
      throw TrainingError("checkpoint " + ckpt + " does not match this run (" + std::to_string(n) +
                          " training images, " + std::to_string(d.stepsPerEpoch) +
                          " steps per epoch): was the dataset or the batch size changed?");
    }
    if (d.position.cpuRng.defined()) compat::defaultGenerator(torch::kCPU).set_state(d.position.cpuRng);
    if (d.device.is_cuda() && d.position.deviceRng.defined()) {
      compat::defaultGenerator(d.device).set_state(d.position.deviceRng);
    }
    d.lastGoodEpoch = d.position.epoch - 1;
  }
  return trainer;
}

double Trainer::knnAccuracy(int k, double temperature, const std::string& stage) {
  auto& d = *m_impl;
  if (!d.testImages.defined() || d.testLabels.min().item<int64_t>() < 0 || d.bankLabels.min().item<int64_t>() < 0) {
    return -1.0;  // needs labelled train and test splits
  }
  auto& backbone = *d.method->backbone();
  // Slice by slice, checking Stop in between, so that a stop during the monitor (the bank is the
  // whole training split: 10-20 s for Fashion-MNIST on two cores) answers within about a batch.
  // Same slices as eval::extractFeatures / knnPredict use inside, so the result is identical.
  const auto options = eval::ExtractOptions().cpuBf16(d.knnBf16());
  const int64_t extractSlice = eval::extractBatchSize(options, d.device);
  const int64_t querySlice = eval::knnQuerySlice(d.device);
  const auto extract = [&](const torch::Tensor& images) {
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < images.size(0); i += extractSlice) {
      if (m_stop) return torch::Tensor();
      const auto slice = images.slice(0, i, std::min(i + extractSlice, images.size(0)));
      parts.push_back(eval::extractFeatures(backbone, slice, d.mean, d.std, stage, d.device, options));
    }
    return torch::cat(parts);
  };
  const auto bank = extract(d.bankImages);
  const auto queries = bank.defined() ? extract(d.testImages) : torch::Tensor();
  if (!queries.defined()) return -1.0;  // stopped
  int64_t correct = 0;
  for (int64_t i = 0; i < queries.size(0); i += querySlice) {
    if (m_stop) return -1.0;
    const int64_t end = std::min(i + querySlice, queries.size(0));
    const auto predicted = eval::knnPredict(bank, d.bankLabels, queries.slice(0, i, end), d.dataset.numClasses(), k,
                                            temperature);
    correct += predicted.eq(d.testLabels.slice(0, i, end).to(predicted.device())).sum().item<int64_t>();
  }
  return double(correct) / double(queries.size(0));
}

RunResult Trainer::run(TrainingObserver* observer) {
  auto& d = *m_impl;
  const auto& c = d.config;
  RunResult result;
  TrainingObserver silent;
  TrainingObserver& obs = observer ? *observer : silent;
  d.observer = &obs;
  struct ForgetObserver {
    Impl& d;
    ~ForgetObserver() { d.observer = nullptr; }
  } forgetObserver{d};
  const auto runStart = Clock::now();
  setTorchThreads(c.threads);
  const bool cuda = d.device.is_cuda();
  const int64_t n = d.trainImages.size(0);
  const int64_t batch = std::min<int64_t>(c.batchSize, n);
  const int64_t totalSteps = d.stepsPerEpoch * c.epochs;
  const int64_t warmupSteps = int64_t(std::llround(c.warmupEpochs * d.stepsPerEpoch));

  try {
    if (!c.outDir.empty()) {
      io::makeDirectories(io::joinPath(c.outDir, "checkpoints"));
      io::removeStaleTemporaries(io::joinPath(c.outDir, "checkpoints"));
      io::writeFileAtomic(io::joinPath(c.outDir, "config.json"), configToJson(c));
    }
    obs.onStart(deviceName(), n, d.stepsPerEpoch);
    const double peakLr = d.optimizer->setup().learningRate;

    auto monitor = [&](int epoch, double meanLoss, double seconds, double ips) {
      EpochReport e;
      e.epoch = epoch;
      e.meanLoss = meanLoss;
      e.seconds = seconds;
      e.imagesPerSecond = ips;
      if (c.knnEveryEpoch) e.knnAccuracy = knnAccuracy(c.knnK, c.knnTemperature, c.knnStage);
      MetricsRow row;
      row.kind = MetricsRow::Kind::Epoch;
      row.epoch = epoch;
      row.globalStep = d.position.globalStep;
      row.loss = meanLoss;
      row.imagesPerSecond = ips;
      row.knnAccuracy = e.knnAccuracy;
      row.seconds = seconds;
      d.appendMetrics(row);
      obs.onEpoch(e);
      result.finalKnnAccuracy = e.knnAccuracy;
      return e;
    };

    if (!d.method->info().trains) {
      // Random init: the floor every method is compared with.
      monitor(-1, 0.0, 0.0, 0.0);
      d.position.epoch = c.epochs;
      d.checkpoint();
      result.message = "random init: evaluated without training";
      result.seconds = std::chrono::duration<double>(Clock::now() - runStart).count();
      return result;
    }
    if (d.position.epoch == 0 && d.position.step == 0 && c.knnEveryEpoch) monitor(-1, 0.0, 0.0, 0.0);

    double ipsEma = 0.0;
    int64_t trainedImages = 0;
    double trainedSeconds = 0.0;
    // Losses stay on the device until a group of steps is read back at once: on CUDA each read
    // waits for the queue to drain, so reading every step leaves the GPU idle between steps.
    const int64_t readbackEvery = c.readbackEvery > 0 ? c.readbackEvery : (cuda ? 16 : 1);
    struct PendingStep {
      torch::Tensor loss, accuracy;
      int64_t epoch, step, globalStep;
      double lr;
    };
    std::vector<PendingStep> pending;
    auto groupStart = Clock::now();
    double lossSum = 0.0;
    int64_t lossCount = 0;
    // Reads the pending steps back, reports them and writes their metrics rows. False (with the
    // result filled in) when a loss is not finite: nothing after it is reported.
    auto readBack = [&]() -> bool {
      if (pending.empty()) return true;
      std::vector<torch::Tensor> values;
      for (const auto& p : pending) {
        values.push_back(p.loss.detach().to(torch::kFloat).reshape({1}));
        values.push_back(p.accuracy.defined() ? p.accuracy.detach().to(torch::kFloat).reshape({1})
                                              : torch::full({1}, -1.0f, p.loss.options().dtype(torch::kFloat)));
      }
      const auto host = torch::cat(values).to(torch::kCPU, torch::kDouble).contiguous();
      const double* v = host.data_ptr<double>();
      const double groupSeconds = std::chrono::duration<double>(Clock::now() - groupStart).count();
      const double stepSeconds = std::max(groupSeconds / double(pending.size()), 1e-9);
      for (size_t i = 0; i < pending.size(); ++i) {
        const auto& p = pending[i];
        const double loss = v[2 * i], accuracy = v[2 * i + 1];
        if (!std::isfinite(loss)) {
          result.status = RunStatus::Failed;
          result.message = "the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " at epoch " +
                           std::to_string(p.epoch + 1) + ", step " + std::to_string(p.step) +
                           ": training stopped. Try a lower learning rate (now " + std::to_string(p.lr) + ")" +
                           (d.lastGoodEpoch >= 0 ? "; the last good checkpoint (end of epoch " +
                                                       std::to_string(d.lastGoodEpoch + 1) + ") is kept"
                                                 : "; no checkpoint was written");
          obs.onMessage(result.message);
          result.epochsDone = int(p.epoch);
          pending.clear();
          return false;
        }
        trainedImages += batch;
        trainedSeconds += stepSeconds;
        const double ips = batch / stepSeconds;
        ipsEma = ipsEma == 0.0 ? ips : 0.9 * ipsEma + 0.1 * ips;
        lossSum += loss;
        ++lossCount;

        StepReport r;
        r.epoch = int(p.epoch);
        r.epochs = c.epochs;
        r.step = p.step;
        r.stepsPerEpoch = d.stepsPerEpoch;
        r.globalStep = p.globalStep;
        r.loss = loss;
        r.taskAccuracy = accuracy;
        r.learningRate = p.lr;
        r.imagesPerSecond = ipsEma;
        r.secondsLeft = double(totalSteps - p.globalStep) * batch / std::max(ipsEma, 1e-9);
        obs.onStep(r);
        MetricsRow row;
        row.epoch = p.epoch;
        row.step = p.step;
        row.globalStep = p.globalStep;
        row.loss = loss;
        row.taskAccuracy = accuracy;
        row.learningRate = p.lr;
        row.imagesPerSecond = ipsEma;
        d.appendMetrics(row);
      }
      pending.clear();
      groupStart = Clock::now();
      return true;
    };

    // One step's forward and backward on the training images `idx` (on the device).
    auto forwardBackward = [&](const torch::Tensor& idx) {
      methods::Batch b;
      b.images = d.trainImages.index_select(0, idx);
      b.labels = d.trainLabels.index_select(0, idx);
      b.indices = idx;
      if (cuda && c.bf16) compat::setCudaBf16Autocast(true);
      methods::StepOutput out = d.method->step(b);
      if (cuda && c.bf16) compat::setCudaBf16Autocast(false);
      out.loss.backward();
      return out;
    };
    // The same step with its learning rate on the device, as a CUDA graph records it.
    const train::StepGraph::StepFn graphStep = [&](const torch::Tensor& idx, const torch::Tensor& lrTensor) {
      d.optimizer->zeroGrad();
      methods::StepOutput out = forwardBackward(idx);
      d.optimizer->step(lrTensor);
      return std::make_pair(out.loss, out.accuracy);
    };
    std::unique_ptr<train::StepGraph> stepGraph;
    bool graphAnnounced = false;
    if (cuda && c.cudaGraphs) {
      std::string why;
      if (!train::StepGraph::available()) why = "this build has no CUDA graphs (it needs a CUDA LibTorch 2.1 or later)";
      else if (!d.method->info().graphSafeStep) why = d.method->info().title + "'s step keeps state on the host";
      else if (!d.optimizer->foreachSgd()) why = "they need SGD or LARS with multi-tensor updates";
      if (why.empty()) stepGraph = std::make_unique<train::StepGraph>(batch, d.device);
      else obs.onMessage("CUDA graphs are off for this run: " + why);
    }

    for (int64_t epoch = d.position.epoch; epoch < c.epochs; ++epoch) {
      d.position.epoch = epoch;
      d.method->train();
      if (!d.position.permutation.defined()) {
        d.position.permutation = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));
        d.position.step = 0;
        d.method->beginEpoch(epoch, d.trainImages);
        d.method->train();
      }
      const auto perm = d.position.permutation.to(d.device);
      lossSum = 0.0;
      lossCount = 0;
      const auto epochStart = Clock::now();
      groupStart = epochStart;
      for (int64_t step = d.position.step; step < d.stepsPerEpoch; ++step) {
        if (m_paused && !m_stop) {
          if (!readBack()) return result;
          while (m_paused && !m_stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
          groupStart = Clock::now();
        }
        if (m_stop) {
          if (!readBack()) return result;  // a NaN among the last steps: no checkpoint of NaN weights
          d.position.step = step;
          d.checkpoint();
          result.status = RunStatus::Stopped;
          result.message = "stopped at epoch " + std::to_string(epoch + 1) + ", step " + std::to_string(step) +
                           (c.outDir.empty() ? "" : "; checkpoint written, resume continues from here");
          obs.onMessage(result.message);
          result.epochsDone = int(epoch);
          result.seconds = std::chrono::duration<double>(Clock::now() - runStart).count();
          result.imagesPerSecond = trainedSeconds > 0 ? trainedImages / trainedSeconds : 0.0;
          return result;
        }
        const auto idx = perm.slice(0, step * batch, (step + 1) * batch);
        const double lr = peakLr * train::cosineWithWarmup(d.position.globalStep, totalSteps, warmupSteps);

        methods::StepOutput out;
        bool graphed = false;
        if (stepGraph) {
          try {
            std::tie(out.loss, out.accuracy) = stepGraph->step(idx, lr, graphStep);
            graphed = true;
            if (!graphAnnounced && stepGraph->captured()) {
              obs.onMessage("CUDA graphs: the training step is recorded once and replayed");
              graphAnnounced = true;
            }
          } catch (const std::exception& e) {
            // Not recorded, so not run: this step goes the usual way, and so do the next ones.
            obs.onMessage(std::string("CUDA graphs are off for this run: ") + e.what());
            stepGraph.reset();
          }
        }
        if (!graphed) {
          d.optimizer->zeroGrad();
          out = forwardBackward(idx);
          d.optimizer->step(lr);
        }
        d.method->afterOptimizerStep(double(d.position.globalStep + 1) / double(std::max<int64_t>(1, totalSteps)));

        ++d.position.globalStep;
        d.position.step = step + 1;
        pending.push_back({out.loss.detach(), out.accuracy.defined() ? out.accuracy.detach() : out.accuracy, epoch, step + 1, d.position.globalStep, lr});
        if (int64_t(pending.size()) >= readbackEvery && !readBack()) return result;
      }
      if (!readBack()) return result;
      const double epochSeconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
      d.position.epoch = epoch + 1;
      d.position.step = 0;
      d.position.permutation = torch::Tensor();
      monitor(int(epoch), lossCount ? lossSum / lossCount : 0.0, epochSeconds,
              lossCount ? lossCount * batch / std::max(epochSeconds, 1e-9) : 0.0);
      if (c.checkpointEveryEpochs > 0 && ((epoch + 1) % c.checkpointEveryEpochs == 0 || epoch + 1 == c.epochs)) {
        d.checkpoint();
        d.lastGoodEpoch = epoch;
      }
      result.epochsDone = int(epoch + 1);
    }
    result.status = RunStatus::Finished;
    result.message = "finished " + std::to_string(c.epochs) + " epochs";
    result.imagesPerSecond = trainedSeconds > 0 ? trainedImages / trainedSeconds : 0.0;
  } catch (const std::exception& e) {
    if (cuda) compat::setCudaBf16Autocast(false);
    result.status = RunStatus::Failed;
    if (isOutOfMemory(e)) {
      result.message = std::string(cuda ? "out of GPU memory" : "out of memory") + " at batch size " +
                       std::to_string(c.batchSize) + ": try --batch-size " +
                       std::to_string(std::max(2, c.batchSize / 2)) + " (the last checkpoint on disk is kept)";
    } else {
      const auto* ce = dynamic_cast<const c10::Error*>(&e);
      result.message = ce ? ce->what_without_backtrace() : e.what();
    }
    obs.onMessage(result.message);
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - runStart).count();
  return result;
}

}  // namespace pretext

namespace pretext::train {

TrainerState trainerState(Trainer& trainer) {
  auto& d = trainer.impl();
  return {d.method, d.dataset, d.mean, d.std, d.device, d.knnBf16()};
}

}  // namespace pretext::train

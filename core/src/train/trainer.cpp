// The training loop shared by the CLI and the window: data resident on the device, batches,
// shuffling and augmentation there too; pause/stop checked once per batch; atomic checkpoints.
#include "datasets/datasetdata.h"
#include "dist/dist.h"
#include "dist/syncbn.h"
#include "features/knn.h"
#include "io/archive.h"
#include "io/fileutil.h"
#include "methods/method.h"
#include "methods/selfsynced.h"
#include "pretext/backbones.h"
#include "pretext/filters.h"
#include "pretext/metrics.h"
#include "pretext/numbers.h"
#include "pretext/runwriter.h"
#include "pretext/training.h"
#include "pretext/trainsplit.h"
#include "run/checkpoint.h"
#include "run/compat.h"
#include "run/model.h"
#include "train/batchstream.h"
#include "train/optim.h"
#include "train/stepgraph.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

namespace pretext {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// The gradient buckets' size cap in data-parallel runs: PRETEXT_DIST_BUCKET_MB, default 25 (DDP's).
int64_t gradientBucketBytes() {
  const char* v = std::getenv("PRETEXT_DIST_BUCKET_MB");
  if (!v || !*v) return int64_t(25) << 20;
  double mb = 0.0;
  if (!parseNumber(v, mb) || !(mb > 0.0) || mb > 1e6) {
    throw std::invalid_argument(std::string("environment variable PRETEXT_DIST_BUCKET_MB=") + v +
                                " is not a size in MB above 0");
  }
  return std::max<int64_t>(1, int64_t(mb * 1024.0 * 1024.0));
}

bool isOutOfMemory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return true;
  const std::string what = e.what();
  // CUDA: "CUDA out of memory" / "CUDA error: out of memory"; CPU: "DefaultCPUAllocator: can't allocate memory".
  return what.find("out of memory") != std::string::npos || what.find("can't allocate memory") != std::string::npos;
}

}  // namespace

struct Trainer::Impl {
  TrainingObserver* observer = nullptr;  // during run(): told of each checkpoint
  TrainConfig config;
  std::shared_ptr<Model> model;            // the method, its input statistics, dataset and device
  torch::Device device{torch::kCPU};
  std::unique_ptr<train::Optimizer> optimizer;
  torch::Tensor trainImages, trainLabels;  // on the device; CPU (the arrays as loaded) when streamed
  /// The batches come from a BatchStream (TrainConfig::streamData): gathered ahead on a background
  /// thread from the CPU arrays instead of index_select on the training thread.
  bool streamed = false;
  torch::Tensor bankImages, bankLabels;    // the whole training split: the k-NN monitor's memory bank
  torch::Tensor testImages, testLabels;    // CPU; moved in batches by the k-NN monitor
  train::TrainingPosition position;
  int64_t stepsPerEpoch = 0;
  int64_t lastGoodEpoch = -1;              // last epoch with a checkpoint on disk
  std::unique_ptr<dist::ProcessGroup> group;  // data-parallel runs only (see dist/dist.h)
  std::unique_ptr<dist::OverlappedGradients> overlap;  // with TrainConfig::overlapAllReduce
  int64_t bucketBytes = int64_t(25) << 20;             // the gradient buckets' cap (PRETEXT_DIST_BUCKET_MB)
  int rank = 0, worldSize = 1;
  /// writer.json while run() writes the run folder (pretext/runwriter.h).
  std::unique_ptr<RunWriterRecord> writer;
  /// Data-parallel: BatchNorm over the global batch (TrainConfig::syncBatchNorm resolved).
  bool syncBatchNorm() const {
    if (config.syncBatchNorm >= 0) return config.syncBatchNorm == 1;
    const std::string& family = methodInfo(config.method).family;
    return family == "contrastive" || family == "non-contrastive";
  }

  /// Whether this process writes the run folder: rank 0 of a data-parallel run writes it alone.
  bool writes() const { return !config.outDir.empty() && rank == 0; }
  std::vector<std::string> notices;        // values Pretext changed, told to the observer at the start

  methods::MethodImpl& method() const { return *model->method; }

  /// Trainer::knnAccuracy in a data-parallel run, with the features `extract` gives (undefined
  /// after a stop).
  double shardedKnnAccuracy(const std::function<torch::Tensor(const torch::Tensor&)>& extract, int k, double temperature);

  std::string checkpointPath() const { return io::joinPath(io::joinPath(config.outDir, "checkpoints"), "last.pt"); }
  std::string metricsPath() const { return io::joinPath(config.outDir, "metrics.csv"); }
  std::string initialFiltersPath() const { return pretext::initialFiltersPath(config.outDir); }

  /// model->initialFilters as a FilterBank, converted once per start tensor (a resume replaces it).
  mutable torch::Tensor startSource;
  mutable FilterBank start;

  /// The first layer's change from its initial weights and its edge-likeness, into `row`.
  void measureFilters(MetricsRow& row) const {
    if (!writes()) return;
    const FilterBank now = filterBank(model->backbone().firstLayerWeight());
    if (!startSource.is_same(model->initialFilters)) {
      startSource = model->initialFilters;
      start = startSource.defined() ? filterBank(startSource) : FilterBank{};
    }
    const FilterMeasures m = pretext::measureFilters(now, start.empty() ? nullptr : &start);
    row.edgeLikeness = m.edgeLikeness;
    row.filterChange = m.change;
  }

  /// The initial first-layer weights, kept beside the checkpoints so that a resumed run measures
  /// the change from the same start.
  void saveInitialFilters() const {
    if (!writes() || !model->initialFilters.defined() || io::fileExists(initialFiltersPath())) return;
    torch::serialize::OutputArchive archive;
    archive.write("weight", model->initialFilters);
    io::writeArchiveAtomic(initialFiltersPath(), archive);
  }

  void appendMetrics(const MetricsRow& row) {
    if (!writes()) return;
    appendMetricsRow(metricsPath(), row);
  }

  /// The k-NN monitor's last features and the step of the weights they are of (features of the
  /// evaluation's train split only when the bank is that split): written beside the checkpoint of
  /// the same step, for an Evaluator to take instead of extracting again.
  std::optional<eval::CheckpointFeatures> monitorFeatures;
  bool bankIsEvaluationTrain = false;

  /// checkpoints/last_features.pt for the checkpoint about to be written: the monitor's features of
  /// these very weights, else none (a stale set is removed; the Evaluator would refuse it anyway).
  /// Written first, so that a crash between the two leaves features that do not match last.pt.
  void saveMonitorFeatures() {
    const std::string path = eval::checkpointFeaturesPath(config.outDir);
    std::error_code ignored;
    if (monitorFeatures && monitorFeatures->globalStep == position.globalStep) {
      try {
        eval::saveCheckpointFeatures(path, *monitorFeatures);
        return;
      } catch (const std::exception&) {
        // Only a saving of time: the run goes on, the Evaluator extracts.
      }
    }
    std::filesystem::remove(path, ignored);
  }

  void checkpoint() {
    if (!writes()) return;
    saveMonitorFeatures();
    monitorFeatures.reset();
    position.cpuRng = compat::defaultGenerator(torch::kCPU).get_state();
    if (device.is_cuda()) position.deviceRng = compat::defaultGenerator(device).get_state();
    position.worldSize = worldSize;
    train::saveCheckpoint(checkpointPath(), method(), &optimizer->torchOptimizer(), position);
    if (writer) writer->checkpointed(position.globalStep);
    if (observer) observer->onCheckpoint(config.outDir);
  }

  /// Decides whether the training split (trainImages and trainLabels, CPU, as loaded) stays resident
  /// on the device (moved there) or is streamed (TrainConfig::streamData), and returns the line the
  /// run's log shows for it ("" for a CPU split held in memory, which simply stays where it is).
  std::string placeTrainingData() {
    const std::string& mode = config.streamData;
    const double bytes = double(trainImages.numel()) + double(trainLabels.numel()) * double(sizeof(int64_t));
    const auto mib = [](double b) { return formatFixed(b / 1048576.0, 0) + " MiB"; };
    const bool mapped = trainImages.numel() > 0 && train::inFileMapping(trainImages.data_ptr());
    const std::string what = "training data: " + mib(bytes) + (mapped ? " memory-mapped from the dataset's files" : " in memory");
    const std::string how = " (batches gathered " + std::to_string(kStreamDepth) + " ahead on a background thread" +
                            (device.is_cuda() ? " into pinned buffers, copied to the GPU on a side stream)" : ")");
    if (device.is_cpu()) {
      streamed = mode == "on" || (mode == "auto" && mapped);
      if (!streamed && !mapped) return "";  // in memory, indexed there as always
      if (!streamed) return what + ", gathered on the training thread (stream_data off)";
      return what + (mapped ? ", streamed from there, not copied" : ", streamed") + how;
    }
    std::int64_t freeBytes = 0, totalBytes = 0;
    const bool known = train::cudaMemoryInfo(freeBytes, totalBytes);
    const double budget = 0.5 * double(freeBytes);
    const bool fits = !known || bytes <= budget;
    streamed = mode == "on" || (mode == "auto" && !fits);
    std::string rule = known ? (fits ? " fits" : " does not fit") + std::string(" the device memory budget (half of the ") +
                                   mib(double(freeBytes)) + " free of " + mib(double(totalBytes)) + " once the model is built)"
                             : " (the free device memory could not be read: taken to fit)";
    if (mode != "auto") rule += "; stream_data " + mode;
    if (streamed) return what + rule + ": streamed" + how;
    trainImages = trainImages.to(device);
    trainLabels = trainLabels.to(device);
    return what + rule + ": resident on the device";
  }
  static constexpr int kStreamDepth = 4;  // batches a stream gathers ahead
};

Trainer::Trainer(TrainConfig config, Dataset dataset) : m_impl(std::make_unique<Impl>()) {
  auto& d = *m_impl;
  d.config = std::move(config);
  const bool bf16ByAuto = d.config.cpuBf16Auto;
  const bool channelsLastByAuto = d.config.cpuChannelsLastAuto;
  resolveCpuAuto(d.config);  // "auto" becomes what this CPU and method get; config.json records it
  const auto& c = d.config;
  validateConfig(c);
  setTorchThreads(c.threads);
  keepLargeAllocations();

  d.device = resolveDevice(c.device);
  const DistributedEnvironment env = distributedEnvironment();
  // One process per GPU (cuda:LOCAL_RANK), and the c10d backend (--dist-backend: NCCL on CUDA).
  if (env.joinsGroup()) {
    d.device = dist::rankDevice(env, d.device, cudaDeviceCount(), std::getenv("CUDA_VISIBLE_DEVICES"));
    dist::makeCurrent(d.device);  // before the model is built on it
  }
  const std::string backend = dist::chooseBackend(env.backendRequest, d.device);
  if (env.distributed() && c.batchSize % env.worldSize != 0) {
    throw std::invalid_argument("batch size " + std::to_string(c.batchSize) + " does not divide among " +
                                std::to_string(env.worldSize) + " processes: the batch size is the global one");
  }

  const MethodInfo& info = methodInfo(c.method);
  const SplitData& train = trainingSplit(dataset, info.usesLabels, c.trainSplit);
  int64_t n = train.images.size(0);
  if (c.subset > 0) n = std::min(n, c.subset);
  if (n < 2) throw std::invalid_argument("the training split has fewer than 2 images");
  if (info.usesLabels && train.labels.slice(0, 0, n).min().item<int64_t>() < 0) {
    throw std::invalid_argument(info.title + " needs labels, and the training split has unlabelled images");
  }
  // Seeded here, just before the model is built: its initial weights are the first draws.
  torch::manual_seed(c.seed);
  if (d.device.is_cuda()) torch::cuda::manual_seed_all(c.seed);
  d.model = buildModel(c, dataset, d.device);
  m_model = d.model;
  if (env.joinsGroup()) {
    // Rank 0's weights everywhere; then each rank its own augmentation draws (the epoch's
    // permutation comes from rank 0).
    d.group = std::make_unique<dist::ProcessGroup>(env, backend, d.device);
    d.rank = env.rank;
    d.worldSize = env.worldSize;
    std::vector<torch::Tensor> state = d.method().parameters();
    for (const auto& b : d.method().buffers()) state.push_back(b);
    d.group->broadcast(state, 0, "parameters and buffers");
    if (d.rank > 0) torch::manual_seed(c.seed + 7919 * uint64_t(d.rank));
  }
  // config.json records the job that writes the run (a resume with another number of processes rewrites it).
  d.config.worldSize = d.worldSize;
  d.config.distBackend = d.group ? d.group->backend() : "";

  // The first layer as built (rank 0's in a data-parallel run): the start its change is measured from.
  d.model->initialFilters = d.model->backbone().firstLayerWeight().detach().to(torch::kCPU, torch::kFloat).clone();
  d.trainImages = train.images.slice(0, 0, n);
  d.trainLabels = train.labels.slice(0, 0, n);
  if (std::string where = d.placeTrainingData(); !where.empty()) d.notices.push_back(where);
  if (bf16ByAuto && c.cpuBf16 && d.device.is_cpu()) {
    d.notices.push_back("CPU bf16 autocast chosen (--cpu-bf16 auto): this CPU computes bf16 natively and the paired "
                        "test in bench/README.md found this method as accurate that way, about 2x faster; "
                        "--cpu-bf16 off trains in fp32");
  }
  if (channelsLastByAuto && c.cpuChannelsLast && !c.cpuBf16 && d.device.is_cpu()) {
    d.notices.push_back("CPU channels_last chosen (--cpu-channels-last auto): fp32 in NHWC layout, the same "
                        "arithmetic in another order, which bench/README.md measured faster for this method; "
                        "--cpu-channels-last off trains NCHW");
  }
  if (train.split == Split::Unlabeled && dataset.data().find(Split::Train)) {
    d.notices.push_back("training on the dataset's unlabelled split (" + std::to_string(train.images.size(0)) +
                        " images); its labelled train and test splits are the evaluation data");
  } else if (c.trainSplit == "train" && dataset.data().find(Split::Unlabeled)) {
    d.notices.push_back("training on the labelled train split (" + std::to_string(train.images.size(0)) +
                        " images, --train-split train); the unlabelled split is not used");
  }
  // The monitor's bank is the whole labelled training split, also when training on a subset, so
  // that runs on different subsets are compared on the same footing.
  // With an evaluation dataset (TrainConfig::evalDataset), its labelled splits instead; training on
  // an unlabelled split beside a labelled one (STL-10), that one.
  const Dataset& evaluation = d.model->evaluation;
  const SplitData* bank = evaluation.data().find(Split::Train);
  if (c.evalDataset.empty() && !bank) bank = &train;
  if (bank) {
    d.bankImages = bank->images;
    d.bankLabels = bank->labels;
  }
  if (const SplitData* evaluationTrain = evaluation.data().find(Split::Train)) {
    d.bankIsEvaluationTrain = d.bankImages.defined() && evaluationTrain->images.defined() &&
                              d.bankImages.is_same(evaluationTrain->images);
  }
  if (const SplitData* test = evaluation.data().find(Split::Test)) {
    int64_t m = test->images.size(0);
    if (c.knnTestLimit > 0) m = std::min(m, c.knnTestLimit);
    d.testImages = test->images.slice(0, 0, m);
    d.testLabels = test->labels.slice(0, 0, m);
  }

  train::OptimizerSetup setup;
  setup.name = c.optimizer.empty() ? backboneInfo(c.backbone).defaultOptimizer : c.optimizer;
  // A batch larger than the training split is one batch of the whole split, and said so.
  const int64_t b = std::min<int64_t>(c.batchSize, n);
  if (b < c.batchSize) {
    d.notices.push_back("batch size " + std::to_string(c.batchSize) + " is larger than the " + std::to_string(n) +
                        " training images: using " + std::to_string(b));
  }
  if (c.cpuBf16 && d.device.is_cpu() && !cpuHasNativeBf16()) {
    d.notices.push_back("CPU bf16 training: this CPU has no native bf16 (AVX512-BF16 or AMX), so it is emulated and "
                        "slower than fp32");
  }
  const double scale = double(b) / 256.0;
  const double baseLr = setup.name == "adamw" ? 1e-3 : (setup.name == "lars" ? 0.3 : 0.06);
  setup.learningRate = c.learningRate > 0 ? c.learningRate : baseLr * scale;
  setup.weightDecay = c.weightDecay >= 0 ? c.weightDecay : (setup.name == "adamw" ? 0.05 : 5e-4);
  setup.momentum = c.momentum;
  // AdamW has no momentum setting (its moving averages are betas 0.9 and 0.95): say so rather than ignore it.
  if (setup.name == "adamw" && c.momentum != TrainConfig{}.momentum) {
    d.notices.push_back("momentum " + formatGeneral(c.momentum) +
                        " is not used: the AdamW optimizer has no momentum setting (its betas are 0.9 and 0.95)");
  }
  setup.foreach = c.foreachOptimizer;
  d.optimizer = std::make_unique<train::Optimizer>(setup, d.method().trainableParameters());
  if (d.group) d.bucketBytes = gradientBucketBytes();
  if (d.group && c.overlapAllReduce) {
    d.overlap = std::make_unique<dist::OverlappedGradients>(*d.group, d.method().trainableParameters(), d.bucketBytes);
  }

  if (b % d.worldSize != 0) {
    throw std::invalid_argument("the batch of " + std::to_string(b) + " images (the whole training split) does not divide among " +
                                std::to_string(d.worldSize) + " processes");
  }
  d.stepsPerEpoch = std::max<int64_t>(1, n / b);  // drop the last partial batch
}

Trainer::~Trainer() = default;

const TrainConfig& Trainer::config() const { return m_impl->config; }
int Trainer::startEpoch() const { return int(m_impl->position.epoch); }
std::string Trainer::deviceName() const {
  const auto& d = *m_impl;
  return (d.device.is_cuda() ? "CUDA (" + d.device.str() + ")" : "CPU, " + std::to_string(at::get_num_threads()) + " threads") +
         (d.group ? "; rank " + std::to_string(d.rank) + " of " + std::to_string(d.worldSize) +
                        (d.group->backend() == "nccl" ? " (NCCL)" : " (Gloo)") : "");
}

std::unique_ptr<Trainer> Trainer::resume(const std::string& runDir, int epochs) {
  const std::string configPath = io::joinPath(runDir, "config.json");
  if (!io::fileExists(configPath)) throw TrainingError(runDir + " is not a run folder (no config.json)");
  TrainConfig config = configFromJson(io::readTextFile(configPath));
  config.outDir = runDir;
  if (epochs > 0) config.epochs = epochs;
  // The split the run trained on, also for a config.json with train_split "unlabeled" but without
  // dataset.load_unlabeled (written by hand, or before load_unlabeled was recorded).
  config.dataset = trainingDatasetSpec(config);
  auto trainer = std::make_unique<Trainer>(config, Dataset::load(config.dataset));
  auto& d = *trainer->m_impl;
  const std::string ckpt = d.checkpointPath();
  if (io::fileExists(ckpt)) {
    d.position = train::loadCheckpoint(ckpt, d.method(), &d.optimizer->torchOptimizer(), d.device);
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
    if (d.position.worldSize != d.worldSize && d.rank == 0) {
      // The batch size is the global one: the run goes on as if it had always had this many processes.
      const auto processes = [](int64_t n) { return std::to_string(n) + (n == 1 ? " process" : " processes"); };
      d.notices.push_back("resuming a checkpoint written by " + processes(d.position.worldSize) + " with " +
                          processes(d.worldSize) + ": the global batch stays " + std::to_string(config.batchSize) +
                          " (" + std::to_string(config.batchSize / d.worldSize) + " per process), the epoch's order, step "
                          "and learning rate continue, and the method's state (queues, memory banks, centres) is the "
                          "saved one; only the augmentation draws differ from an uninterrupted run");
    }
    d.position.worldSize = d.worldSize;
    // The saved start; a run from before it was saved keeps the one rebuilt from its seed above
    // (the same draws), and saves it when it goes on.
    if (io::fileExists(d.initialFiltersPath())) d.model->initialFilters = loadInitialFilters(d.initialFiltersPath());
    // Every rank restored rank 0's generator: the others draw their own augmentations again.
    if (d.rank > 0) torch::manual_seed(config.seed + 7919 * uint64_t(d.rank) + uint64_t(d.position.globalStep));
  }
  return trainer;
}

double Trainer::knnAccuracy(int k, double temperature, const std::string& stage) {
  auto& d = *m_impl;
  const Model& model = *d.model;
  if (!d.testImages.defined() || !d.bankImages.defined() || d.testLabels.min().item<int64_t>() < 0 ||
      d.bankLabels.min().item<int64_t>() < 0) {
    return -1.0;  // needs labelled train and test splits
  }
  auto& backbone = model.backbone();
  // Slice by slice, checking Stop in between, so that a stop during the monitor (the bank is the
  // whole training split: 10-20 s for Fashion-MNIST on two cores) answers within about a batch.
  // Same slices as eval::extractFeatures / knnPredict use inside, so the result is identical.
  const auto options = eval::ExtractOptions().cpuBf16(model.knnBf16());
  const int64_t extractSlice = eval::extractBatchSize(options, d.device);
  const int64_t querySlice = eval::knnQuerySlice(d.device);
  const auto extract = [&](const torch::Tensor& images) {
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < images.size(0); i += extractSlice) {
      if (m_stop) return torch::Tensor();
      const auto slice = images.slice(0, i, std::min(i + extractSlice, images.size(0)));
      parts.push_back(eval::extractFeatures(backbone, slice, model.mean, model.std, stage, d.device, options));
    }
    return torch::cat(parts);
  };
  if (d.group) return d.shardedKnnAccuracy(extract, k, temperature);
  const auto bank = extract(d.bankImages);
  const auto queries = bank.defined() ? extract(d.testImages) : torch::Tensor();
  if (!queries.defined()) return -1.0;  // stopped
  if (d.writes()) {  // for the checkpoint of these weights (Impl::saveMonitorFeatures)
    eval::CheckpointFeatures kept;
    kept.stage = stage;
    kept.device = torch::Device(d.device.type()).str();
    kept.cpuBf16 = model.knnBf16();
    kept.globalStep = d.position.globalStep;
    kept.weights = eval::weightsFingerprint(backbone);
    kept.train = d.bankIsEvaluationTrain ? bank : bank.slice(0, 0, 0);
    kept.test = queries;
    d.monitorFeatures = std::move(kept);
  }
  int64_t correct = 0;
  for (int64_t i = 0; i < queries.size(0); i += querySlice) {
    if (m_stop) return -1.0;
    const int64_t end = std::min(i + querySlice, queries.size(0));
    const auto predicted = eval::knnPredict(bank, d.bankLabels, queries.slice(0, i, end), model.evaluation.numClasses(),
                                            k, temperature);
    correct += predicted.eq(d.testLabels.slice(0, i, end).to(predicted.device())).sum().item<int64_t>();
  }
  return double(correct) / double(queries.size(0));
}

double Trainer::Impl::shardedKnnAccuracy(const std::function<torch::Tensor(const torch::Tensor&)>& extract, int k,
                                         double temperature) {
  // Each rank extracts its share of the bank and of the queries; the bank is gathered, and the
  // correct predictions summed. The ranks agree on a stop before each collective.
  auto& d = *this;
  auto& g = *d.group;
  const auto share = [&](const torch::Tensor& images) {
    const int64_t n = images.size(0), per = (n + g.size() - 1) / g.size();
    const int64_t begin = std::min(n, g.rank() * per), end = std::min(n, begin + per);
    return std::make_tuple(begin, end, per);
  };
  const auto extractShare = [&](const torch::Tensor& images, int64_t begin, int64_t end) {
    if (end > begin) return extract(images.slice(0, begin, end));
    const auto one = extract(images.slice(0, 0, 1));  // an empty share: no rows, the right width
    return one.defined() ? one.slice(0, 0, 0) : one;
  };
  const auto [bankBegin, bankEnd, bankPer] = share(d.bankImages);
  auto local = extractShare(d.bankImages, bankBegin, bankEnd);
  if (g.anyTrue(!local.defined(), "the k-NN monitor's stop flag")) return -1.0;
  local = local.contiguous();
  const auto padded = torch::cat({local, local.new_zeros({bankPer - local.size(0), local.size(1)})});
  const auto gathered = g.allGather(padded, "the k-NN monitor's bank features");
  std::vector<torch::Tensor> rows;
  for (int r = 0; r < g.size(); ++r) {
    const int64_t begin = std::min<int64_t>(d.bankImages.size(0), r * bankPer);
    const int64_t end = std::min<int64_t>(d.bankImages.size(0), begin + bankPer);
    rows.push_back(gathered.slice(0, r * bankPer, r * bankPer + (end - begin)));
  }
  const auto bank = torch::cat(rows);
  const auto [queryBegin, queryEnd, queryPer] = share(d.testImages);
  const auto queries = extractShare(d.testImages, queryBegin, queryEnd);
  if (g.anyTrue(!queries.defined(), "the k-NN monitor's stop flag")) return -1.0;
  const int64_t querySlice = eval::knnQuerySlice(d.device);
  double correct = 0.0;
  for (int64_t i = 0; i < queries.size(0); i += querySlice) {
    const int64_t end = std::min(i + querySlice, queries.size(0));
    const auto predicted = eval::knnPredict(bank, d.bankLabels, queries.slice(0, i, end), d.model->evaluation.numClasses(),
                                            k, temperature);
    const auto labels = d.testLabels.slice(0, queryBegin + i, queryBegin + end).to(predicted.device());
    correct += double(predicted.eq(labels).sum().item<int64_t>());
  }
  auto total = torch::full({1}, correct, torch::kDouble);
  g.allReduceSum(total, "the k-NN monitor's counts");
  return total.item<double>() / double(d.testImages.size(0));
}

/// One call of Trainer::run, in named steps: the epoch loop, one training step, the grouped
/// read-back of losses (with their reports and metrics rows), the k-NN monitor at epoch ends, and
/// the one finish path that builds the RunResult.
class Trainer::Run {
 public:
  Run(Trainer& trainer, TrainingObserver& observer)
      : m_trainer(trainer),
        d(*trainer.m_impl),
        c(d.config),
        m_observer(observer),
        m_cuda(d.device.is_cuda()),
        m_batch(std::min<int64_t>(c.batchSize, d.trainImages.size(0))),
        m_localBatch(m_batch / d.worldSize),
        m_totalSteps(d.stepsPerEpoch * c.epochs),
        m_warmupSteps(int64_t(std::llround(c.warmupEpochs * d.stepsPerEpoch))),
        // Losses stay on the device until a group of steps is read back at once: on CUDA each read
        // waits for the queue to drain, so reading every step leaves the GPU idle between steps.
        m_readbackEvery(c.readbackEvery > 0 ? c.readbackEvery : (m_cuda ? 16 : 1)) {}

  RunResult run() {
    try {
      if (d.writes()) {
        io::makeDirectories(io::joinPath(c.outDir, "checkpoints"));
        io::removeStaleTemporaries(io::joinPath(c.outDir, "checkpoints"));
        io::removeStaleTemporaries(c.outDir);  // writer.json's, when a writer was killed mid-refresh
        io::writeFileAtomic(io::joinPath(c.outDir, "config.json"), configToJson(c));
        d.saveInitialFilters();
        if (d.position.globalStep > 0) {
          // Resumed: the steps after the checkpoint are trained again, so a killed writer's rows of
          // them go (metrics.csv keeps each step once).
          if (const std::int64_t dropped = dropMetricsAfter(d.metricsPath(), d.position.globalStep); dropped > 0) {
            d.notices.push_back("metrics.csv: " + std::to_string(dropped) + " rows after step " +
                                std::to_string(d.position.globalStep) +
                                " dropped (written after the checkpoint this run resumes from)");
          }
        }
        d.writer = std::make_unique<RunWriterRecord>(c.outDir, d.worldSize, d.position.globalStep);
      }
      m_observer.onStart(m_trainer.deviceName(), d.trainImages.size(0), d.stepsPerEpoch);
      if (c.knnEveryEpoch) {
        const bool unlabelled = !d.bankImages.defined() || d.bankLabels.min().item<int64_t>() < 0;
        const char* why = !d.bankImages.defined() ? " has no train split"
                          : unlabelled ? " is unlabelled"
                          : !d.testImages.defined() ? " has no test split"
                          : d.testLabels.min().item<int64_t>() < 0 ? " has an unlabelled test split"
                          : nullptr;
        if (why) {
          m_observer.onMessage("k-NN monitor off: it needs labelled train and test splits, and " +
                               d.model->evaluation.name() + why +
                               (c.evalDataset.empty() ? "; give a labelled evaluation dataset (--eval-dataset DIR)" : "") +
                               "; the run trains without it");
        }
      }
      for (const auto& notice : d.notices) m_observer.onMessage(notice);
      m_peakLr = d.optimizer->setup().learningRate;
      if (d.group && d.rank == 0) {
        m_observer.onMessage("data-parallel: " + std::to_string(d.worldSize) + " processes, global batch " +
                             std::to_string(m_batch) + " (" + std::to_string(m_localBatch) + " each), " +
                             (d.syncBatchNorm() ? "synchronized BatchNorm (statistics of the global batch)"
                                                : "BatchNorm on each process's share"));
      }
      if (!d.method().info().trains) {
        // Random init: the floor every method is compared with.
        monitor(-1, 0.0, 0.0, 0.0);
        d.position.epoch = c.epochs;
        d.checkpoint();
        return finish(RunStatus::Finished, "random init: evaluated without training");
      }
      if (d.position.epoch == 0 && d.position.step == 0 && c.knnEveryEpoch) {
        monitor(-1, 0.0, 0.0, 0.0);
        d.monitorFeatures.reset();  // of the initial weights: no checkpoint follows before they change
      }
      setUpStepGraph();
      if (const char* profile = std::getenv("PRETEXT_PROFILE_DIST"); profile && std::string(profile) == "1") {
        m_profile = std::make_unique<Profile>();
        if (d.group) m_profile->times = d.group->times();
      }
      return epochLoop();
    } catch (const std::exception& e) {
      if (m_cuda) compat::setCudaBf16Autocast(false);
      return finish(RunStatus::Failed, failureMessage(e));
    }
  }

 private:
  /// A step whose loss is still on the device.
  struct PendingStep {
    torch::Tensor loss, accuracy;
    int64_t epoch, step, globalStep;
    double lr;
  };

  RunResult epochLoop() {
    const int64_t n = d.trainImages.size(0);
    for (int64_t epoch = d.position.epoch; epoch < c.epochs; ++epoch) {
      d.position.epoch = epoch;
      d.method().train();
      if (!d.position.permutation.defined()) {
        d.position.permutation = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));
        if (d.group) d.group->broadcast({d.position.permutation}, 0, "the epoch's permutation");
        d.position.step = 0;
        d.method().beginEpoch(epoch, d.trainImages);
        d.method().train();
        // What beginEpoch computed from its own random draws (DeepCluster's pseudo-labels and freshly
        // reset classifier, InstDisc's first bank): rank 0's everywhere. Buffers the method keeps
        // identical itself (InstDisc's bank) only at the first epoch this run starts.
        if (d.group) {
          std::vector<torch::Tensor> state = d.method().parameters();
          const auto selfSynced = m_stateSent ? methods::selfSyncedBuffers(d.method()) : std::vector<torch::Tensor>();
          for (const auto& t : d.method().buffers()) {
            if (std::none_of(selfSynced.begin(), selfSynced.end(), [&](const torch::Tensor& s) { return s.is_same(t); })) {
              state.push_back(t);
            }
          }
          d.group->broadcast(state, 0, "the method's parameters and buffers at the epoch start");
          m_stateSent = true;
        }
      }
      const auto perm = d.position.permutation.to(d.device);
      if (d.streamed) {
        // This rank's share of each remaining step's batch, gathered ahead from the CPU arrays.
        if (!m_stream) m_stream = std::make_unique<train::BatchStream>(d.trainImages, d.trainLabels, d.device, Impl::kStreamDepth);
        m_stream->start(d.position.permutation, d.position.step, d.stepsPerEpoch, m_batch, d.rank * m_localBatch, m_localBatch);
      }
      m_lossSum = 0.0;
      m_lossCount = 0;
      const auto epochStart = Clock::now();
      m_groupStart = epochStart;
      for (int64_t step = d.position.step; step < d.stepsPerEpoch; ++step) {
        if (m_trainer.m_paused && !m_trainer.m_stop) {
          if (!readBack()) return finish(RunStatus::Failed, m_failure);
          while (m_trainer.m_paused && !m_trainer.m_stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
          m_groupStart = Clock::now();
        }
        // The ranks agree on a stop before each step, so that all of them leave at the same one.
        const bool stop = d.group ? d.group->anyTrue(m_trainer.m_stop, "the stop flag") : bool(m_trainer.m_stop);
        if (stop) {
          if (!readBack()) return finish(RunStatus::Failed, m_failure);  // a NaN among the last steps: no checkpoint of NaN weights
          d.position.step = step;
          d.checkpoint();
          m_epochsDone = int(epoch);
          return finish(RunStatus::Stopped,
                        "stopped at epoch " + std::to_string(epoch + 1) + ", step " + std::to_string(step) +
                            (c.outDir.empty() ? "" : "; checkpoint written, resume continues from here"));
        }
        trainStep(perm, epoch, step);
        if (int64_t(m_pending.size()) >= m_readbackEvery && !readBack()) return finish(RunStatus::Failed, m_failure);
      }
      if (!readBack()) return finish(RunStatus::Failed, m_failure);
      if (m_stream) m_stream->stop();
      endEpoch(epoch, secondsSince(epochStart));
    }
    return finish(RunStatus::Finished, "finished " + std::to_string(c.epochs) + " epochs");
  }

  /// Step `step` of `epoch` on the shuffled training images `perm`: forward, backward and update,
  /// its loss left on the device among the pending ones.
  void trainStep(const torch::Tensor& perm, int64_t epoch, int64_t step) {
    // This rank's share of the global batch (all of it in a single process).
    const auto idx = perm.slice(0, step * m_batch + d.rank * m_localBatch, step * m_batch + (d.rank + 1) * m_localBatch);
    const double lr = m_peakLr * train::cosineWithWarmup(d.position.globalStep, m_totalSteps, m_warmupSteps);

    methods::StepOutput out;
    bool graphed = false;
    if (m_stepGraph) {
      try {
        std::tie(out.loss, out.accuracy) = m_stepGraph->step(idx, lr, m_graphStep);
        graphed = true;
        if (!m_graphAnnounced && m_stepGraph->captured()) {
          m_observer.onMessage("CUDA graphs: the training step is recorded once and replayed");
          m_graphAnnounced = true;
        }
      } catch (const std::exception& e) {
        // Not recorded, so not run: this step goes the usual way, and so do the next ones.
        m_observer.onMessage(std::string("CUDA graphs are off for this run: ") + e.what());
        m_stepGraph.reset();
      }
    }
    if (!graphed) {
      const auto t0 = Clock::now();
      const auto before = m_profile && d.group ? d.group->times() : dist::ProcessGroup::Times();
      d.optimizer->zeroGrad();
      if (d.overlap) d.overlap->begin();
      out = forwardBackward(idx);
      // Profiling on CUDA: the device's work is asynchronous, so each part waits for it to end.
      const auto mark = [&] {
        if (m_profile && m_cuda) torch::cuda::synchronize();
        return Clock::now();
      };
      const auto t1 = mark();
      if (d.overlap) d.overlap->finish();
      else if (d.group) d.group->averageGradients(d.method().trainableParameters(), d.bucketBytes);
      const auto t2 = mark();
      d.optimizer->step(lr);
      if (m_profile) {
        mark();
        const auto during = d.group ? d.group->times().since(before) : dist::ProcessGroup::Times();
        // Collectives during forward and backward (gathers, BatchNorm, ...): all but the gradients'.
        const double inside = during.total() - during.seconds[dist::ProcessGroup::Times::Gradients];
        m_profile->forwardBackward += seconds(t0, t1);
        m_profile->collectivesInside += inside;
        m_profile->averaging += seconds(t1, t2);
        m_profile->optimizer += secondsSince(t2);
        ++m_profile->steps;
      }
    }
    d.method().afterOptimizerStep(double(d.position.globalStep + 1) / double(std::max<int64_t>(1, m_totalSteps)));

    ++d.position.globalStep;
    d.position.step = step + 1;
    m_pending.push_back({out.loss.detach(), out.accuracy.defined() ? out.accuracy.detach() : out.accuracy, epoch,
                         step + 1, d.position.globalStep, lr});
  }

  /// One step's forward and backward on the training images `idx` (on the device).
  methods::StepOutput forwardBackward(const torch::Tensor& idx) {
    const auto t0 = Clock::now();
    methods::Batch b;
    if (m_stream) {
      std::tie(b.images, b.labels) = m_stream->next();  // the rows of `idx`, gathered ahead
    } else {
      b.images = d.trainImages.index_select(0, idx);
      b.labels = d.trainLabels.index_select(0, idx);
    }
    b.indices = idx;
    if (m_profile) m_profile->data += secondsSince(t0);
    if (m_cuda && c.bf16) compat::setCudaBf16Autocast(true);
    methods::StepOutput out = d.method().step(b);
    if (m_cuda && c.bf16) compat::setCudaBf16Autocast(false);
    out.loss.backward();
    return out;
  }

  void setUpStepGraph() {
    if (!m_cuda || !c.cudaGraphs) return;
    std::string why;
    if (d.group) why = "the data-parallel step averages gradients between backward and update";
    else if (d.streamed) why = "the training data is streamed (each batch comes from a background thread, not by indices on the device)";
    else if (!train::StepGraph::available()) why = "this build has no CUDA graphs (it needs a CUDA LibTorch 2.1 or later)";
    else if (!d.method().info().graphSafeStep) why = d.method().info().title + "'s step keeps state on the host";
    else if (!d.optimizer->foreachSgd()) why = "they need SGD or LARS with multi-tensor updates";
    if (!why.empty()) {
      m_observer.onMessage("CUDA graphs are off for this run: " + why);
      return;
    }
    // The same step with its learning rate on the device, as a CUDA graph records it.
    m_graphStep = [this](const torch::Tensor& idx, const torch::Tensor& lrTensor) {
      d.optimizer->zeroGrad();
      methods::StepOutput out = forwardBackward(idx);
      d.optimizer->step(lrTensor);
      return std::make_pair(out.loss, out.accuracy);
    };
    m_stepGraph = std::make_unique<train::StepGraph>(m_batch, d.device);
  }

  /// Reads the pending steps back, reports them and writes their metrics rows. False (with
  /// m_failure said) when a loss is not finite: nothing after it is reported.
  bool readBack() {
    if (m_pending.empty()) return true;
    std::vector<torch::Tensor> values;
    for (const auto& p : m_pending) {
      values.push_back(p.loss.detach().to(torch::kFloat).reshape({1}));
      values.push_back(p.accuracy.defined() ? p.accuracy.detach().to(torch::kFloat).reshape({1})
                                            : torch::full({1}, -1.0f, p.loss.options().dtype(torch::kFloat)));
    }
    auto host = torch::cat(values).to(torch::kCPU, torch::kDouble).contiguous();
    if (d.group) {
      // The global batch's losses (each rank's is its shard's mean): every rank reports, and stops
      // on a NaN, alike.
      d.group->allReduceSum(host, "the losses read back");
      host.div_(double(d.worldSize));
    }
    const double* v = host.data_ptr<double>();
    const double stepSeconds = std::max(secondsSince(m_groupStart) / double(m_pending.size()), 1e-9);
    for (size_t i = 0; i < m_pending.size(); ++i) {
      const auto& p = m_pending[i];
      const double loss = v[2 * i], accuracy = v[2 * i + 1];
      if (!std::isfinite(loss)) {
        m_failure = "the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " at epoch " +
                    std::to_string(p.epoch + 1) + ", step " + std::to_string(p.step) +
                    ": training stopped. Try a lower learning rate (now " + formatGeneral(p.lr) + ")" +
                    (d.lastGoodEpoch >= 0 ? "; the last good checkpoint (end of epoch " +
                                                std::to_string(d.lastGoodEpoch + 1) + ") is kept"
                                          : "; no checkpoint was written");
        m_epochsDone = int(p.epoch);
        m_pending.clear();
        return false;
      }
      m_trainedImages += m_batch;
      m_trainedSeconds += stepSeconds;
      const double ips = m_batch / stepSeconds;
      m_ipsEma = m_ipsEma == 0.0 ? ips : 0.9 * m_ipsEma + 0.1 * ips;
      m_lossSum += loss;
      ++m_lossCount;

      StepReport r;
      r.epoch = int(p.epoch);
      r.epochs = c.epochs;
      r.step = p.step;
      r.stepsPerEpoch = d.stepsPerEpoch;
      r.globalStep = p.globalStep;
      r.loss = loss;
      r.taskAccuracy = accuracy;
      r.learningRate = p.lr;
      r.imagesPerSecond = m_ipsEma;
      r.secondsLeft = double(m_totalSteps - p.globalStep) * m_batch / std::max(m_ipsEma, 1e-9);
      m_observer.onStep(r);
      MetricsRow row = MetricsRow::stepRow(p.epoch, p.step, p.globalStep, loss, accuracy, p.lr, m_ipsEma);
      if (i + 1 == m_pending.size()) d.measureFilters(row);  // the weights are those after the last step read
      d.appendMetrics(row);
    }
    if (d.writer) d.writer->progress(d.position.globalStep);
    m_pending.clear();
    m_groupStart = Clock::now();
    return true;
  }

  /// The end of `epoch` (all its losses read back): the monitor and the checkpoint.
  void endEpoch(int64_t epoch, double epochSeconds) {
    d.position.epoch = epoch + 1;
    d.position.step = 0;
    d.position.permutation = torch::Tensor();
    if (d.group) d.group->broadcast(dist::batchNormBuffers(d.method()), 0, "BatchNorm statistics");
    monitor(int(epoch), m_lossCount ? m_lossSum / m_lossCount : 0.0, epochSeconds,
            m_lossCount ? m_lossCount * m_batch / std::max(epochSeconds, 1e-9) : 0.0);
    if (c.checkpointEveryEpochs > 0 && ((epoch + 1) % c.checkpointEveryEpochs == 0 || epoch + 1 == c.epochs)) {
      d.checkpoint();
      d.lastGoodEpoch = epoch;
    }
    d.monitorFeatures.reset();  // not kept through the next epoch
    m_epochsDone = int(epoch + 1);
  }

  /// The k-NN monitor (when configured), the epoch's metrics row and report.
  void monitor(int epoch, double meanLoss, double seconds, double ips) {
    EpochReport e;
    e.epoch = epoch;
    e.meanLoss = meanLoss;
    e.seconds = seconds;
    e.imagesPerSecond = ips;
    if (c.knnEveryEpoch) e.knnAccuracy = m_trainer.knnAccuracy(c.knnK, c.knnTemperature, c.knnStage);
    MetricsRow row = MetricsRow::epochRow(epoch, d.position.globalStep, meanLoss, ips, e.knnAccuracy, seconds);
    d.measureFilters(row);
    d.appendMetrics(row);
    m_observer.onEpoch(e);
    m_finalKnn = e.knnAccuracy;
  }

  /// Where a step's time went (PRETEXT_PROFILE_DIST=1), in ms per step: this rank's own clock.
  struct Profile {
    int64_t steps = 0;
    double data = 0, forwardBackward = 0, collectivesInside = 0, averaging = 0, optimizer = 0;
    Clock::time_point start = Clock::now();
    dist::ProcessGroup::Times times;  // the group's at the start
  };

  static double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

  std::string profileSummary() const {
    using Times = dist::ProcessGroup::Times;
    const auto& p = *m_profile;
    const Times t = d.group ? d.group->times().since(p.times) : Times();
    const double n = double(p.steps), wall = secondsSince(p.start);
    const auto ms = [n](double s) { return formatFixed(1000.0 * s / n, 2); };
    const double compute = p.forwardBackward - p.data - p.collectivesInside;
    const double accounted = p.data + compute + t.total() + p.optimizer;
    std::string s = "profile" + (d.group ? " of rank " + std::to_string(d.rank) : std::string()) + ", ms per step over " +
                    std::to_string(p.steps) + " steps (" + formatFixed(n * m_localBatch / std::max(wall, 1e-9), 1) +
                    " img/s on this process): wall " + ms(wall) + " = compute (forward+backward) " + ms(compute) +
                    " + gradient all-reduce " + ms(t.seconds[Times::Gradients]) + " blocked (" +
                    (d.overlap ? "overlapped with backward" : "after backward") + ", " +
                    formatFixed(double(t.calls[Times::Gradients]) / n, 1) + " buckets) + embedding gathers " +
                    ms(t.seconds[Times::Gathers]) + " + BatchNorm statistics " + ms(t.seconds[Times::BatchNorm]) +
                    " + other collectives " + ms(t.seconds[Times::Other]) + " + data " + ms(p.data) + " + optimizer " +
                    ms(p.optimizer) + " + rest " + ms(wall - accounted);
    return s;
  }

  std::string failureMessage(const std::exception& e) const {
    if (isOutOfMemory(e)) {
      return std::string(m_cuda ? "out of GPU memory" : "out of memory") + " at batch size " +
             std::to_string(c.batchSize) + ": try --batch-size " + std::to_string(std::max(2, c.batchSize / 2)) +
             " (the last checkpoint on disk is kept)";
    }
    const auto* ce = dynamic_cast<const c10::Error*>(&e);
    return ce ? ce->what_without_backtrace() : e.what();
  }

  /// The one way out of run(): a stop or a failure is also told to the observer.
  RunResult finish(RunStatus status, std::string message) {
    if (m_stream) {
      // Whether streaming cost the training thread anything: the time it waited for a batch.
      m_observer.onMessage("streamed training data: the training thread waited " + formatFixed(m_stream->waitedSeconds(), 3) +
                           " s in all for batches not yet gathered");
    }
    if (status != RunStatus::Finished) m_observer.onMessage(message);
    if (d.writer) {
      d.writer->finish(status == RunStatus::Finished  ? WriterRecord::State::Finished
                       : status == RunStatus::Stopped ? WriterRecord::State::Stopped
                                                      : WriterRecord::State::Failed,
                       d.position.globalStep, message);
      d.writer.reset();
    }
    if (m_profile && m_profile->steps > 0) m_observer.onMessage(profileSummary());
    RunResult result;
    result.status = status;
    result.message = std::move(message);
    result.epochsDone = m_epochsDone;
    result.finalKnnAccuracy = m_finalKnn;
    result.seconds = secondsSince(m_start);
    if (status != RunStatus::Failed && m_trainedSeconds > 0) result.imagesPerSecond = m_trainedImages / m_trainedSeconds;
    return result;
  }

  Trainer& m_trainer;
  Trainer::Impl& d;
  const TrainConfig& c;
  TrainingObserver& m_observer;
  const Clock::time_point m_start = Clock::now();
  const bool m_cuda;
  const int64_t m_batch;
  const int64_t m_localBatch;  // this rank's share of m_batch
  const int64_t m_totalSteps;
  const int64_t m_warmupSteps;
  const int64_t m_readbackEvery;
  double m_peakLr = 0.0;

  std::unique_ptr<Profile> m_profile;
  bool m_stateSent = false;  // the epoch-start broadcast has sent everything once in this run
  std::unique_ptr<train::BatchStream> m_stream;  // d.streamed: the epoch's batches, gathered ahead
  std::unique_ptr<train::StepGraph> m_stepGraph;
  train::StepGraph::StepFn m_graphStep;
  bool m_graphAnnounced = false;

  std::vector<PendingStep> m_pending;
  Clock::time_point m_groupStart = Clock::now();
  double m_lossSum = 0.0;      // this epoch's losses read back so far
  int64_t m_lossCount = 0;
  double m_ipsEma = 0.0;
  int64_t m_trainedImages = 0;
  double m_trainedSeconds = 0.0;

  int m_epochsDone = 0;
  double m_finalKnn = -1.0;
  std::string m_failure;       // why readBack() returned false
};

RunResult Trainer::run(TrainingObserver* observer) {
  auto& d = *m_impl;
  TrainingObserver silent;
  TrainingObserver& obs = observer ? *observer : silent;
  d.observer = &obs;
  struct ForgetObserver {
    Impl& d;
    ~ForgetObserver() { d.observer = nullptr; }
  } forgetObserver{d};
  setTorchThreads(d.config.threads);
  dist::ScopedGroup group(d.group.get());
  dist::ScopedSyncBatchNorm syncBatchNorm(d.syncBatchNorm());
  return Run(*this, obs).run();
}

}  // namespace pretext

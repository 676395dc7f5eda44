// pretext-bench: Pretext's side of the benchmarks that bench/run.sh sets against bench/reference.py.
// Each subcommand measures one thing in its own process and prints one JSON line, with the
// process's peak RSS (getrusage ru_maxrss) at the end, so that the figure belongs to that task only.
//
//   pretext-bench load  [--dataset fashion-mnist] [--repeats 3]
//   pretext-bench train [--method simclr] [--batch-size 256] [--steps 30] [--warmup 5] [--threads 2]
//                       [--augment PRESET] [--dataset fashion-mnist] [--device cpu|cuda]
//                       [--backbone convnet|resnet18|vit] [--bf16 1|0] [--channels-last 1|0]
//                       [--shapes-per-class 200]   (the synthetic dataset's size, --dataset shapes)
//                       [--readback-every 0]       (steps between loss read-backs; 0: the trainer's default)
//                       [--foreach 1]              (SGD/LARS multi-tensor updates; 0: torch::optim::SGD per parameter)
//                       [--cuda-graphs 0]          (CUDA, SimCLR: 1 records the step once as a CUDA graph)
//                       [--whole 0]                (1: batches drawn from the whole training split, not
//                                                   its first (warmup + steps) * batch images; stops there)
//                       [--resident 0]             (prepared:DIR: 1 reads the arrays into memory instead
//                                                   of mapping them; the reference of bench/stream.sh)
//                       [--cpu-bf16 0]             (CPU: 1 trains the encoder's forward under bf16 autocast)
//                       [--cpu-channels-last 0]    (CPU: 1 trains with NHWC inputs and conv weights)
//   pretext-bench knn   [--threads 2] [--repeats 1] [--dataset fashion-mnist] [--device cpu|cuda]
//                       [--backbone convnet] [--knn-bf16 1|0]   (CPU bf16 features where the CPU has it)
//
// Only the public API of pretext_core: the numbers are those a user of the CLI or the window gets;
// except --resident, the reference of bench/stream.sh, which copies a dataset's tensors into memory,
// and `comm`, which reads a method's parameter sizes (core/src/methods/method.h).
#include "datasets/datasetdata.h"
#include "methods/method.h"
#include "pretext/dataset.h"
#include "pretext/training.h"

#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

/// The process's largest anonymous (private) and file-backed resident memory, sampled every 20 ms
/// from /proc/self/status while it lives: what a copy of the dataset would add shows in the first,
/// the pages of a memory-mapped dataset that the kernel keeps in the second (reclaimable page cache).
class RssSampler {
 public:
  RssSampler() : m_thread([this] {
    while (!m_done) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }) {}
  ~RssSampler() { stop(); }
  void stop() {
    if (m_thread.joinable()) {
      m_done = true;
      m_thread.join();
      sample();
    }
  }
  double anonMb() const { return double(m_anonKb) / 1024.0; }
  double fileMb() const { return double(m_fileKb) / 1024.0; }

 private:
  void sample() {
    std::ifstream in("/proc/self/status");
    std::string key;
    long long kb = 0;
    while (in >> key) {
      if (key == "RssAnon:" && in >> kb) m_anonKb = std::max(m_anonKb, kb);
      else if (key == "RssFile:" && in >> kb) m_fileKb = std::max(m_fileKb, kb);
    }
  }
  std::atomic<bool> m_done{false};
  long long m_anonKb = 0, m_fileKb = 0;
  std::thread m_thread;
};

/// "--name value" pairs after the subcommand; every name must be one the subcommand knows.
class Options {
 public:
  Options(int argc, char** argv, std::map<std::string, std::string> defaults) : m_values(std::move(defaults)) {
    for (int i = 2; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("expected --name value, got '" + arg + "'");
      const std::string name = arg.substr(2);
      if (!m_values.count(name)) throw std::invalid_argument("unknown option '" + arg + "'");
      m_values[name] = argv[++i];
    }
  }
  std::string text(const std::string& name) const { return m_values.at(name); }
  int integer(const std::string& name) const {
    const std::string value = text(name);
    size_t used = 0;
    const int parsed = std::stoi(value, &used);
    if (used != value.size()) throw std::invalid_argument("--" + name + ": not an integer: '" + value + "'");
    return parsed;
  }

 private:
  std::map<std::string, std::string> m_values;
};

/// One flat JSON object, keys in insertion order.
class JsonLine {
 public:
  JsonLine& add(const std::string& key, const std::string& value) {
    return raw(key, "\"" + value + "\"");
  }
  JsonLine& add(const std::string& key, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return raw(key, buffer);
  }
  JsonLine& add(const std::string& key, long long value) { return raw(key, std::to_string(value)); }
  JsonLine& add(const std::string& key, int value) { return raw(key, std::to_string(value)); }
  std::string str() const { return "{" + m_body + "}"; }

 private:
  JsonLine& raw(const std::string& key, const std::string& value) {
    m_body += (m_body.empty() ? "\"" : ", \"") + key + "\": " + value;
    return *this;
  }
  std::string m_body;
};

/// Step times of the whole loop (batch gather, augmentation, forward, backward, optimizer step, loss
/// read-back) after the warm-up. Where every step is reported (the CPU), the median wall time between
/// consecutive reports. Where the trainer reads losses back in groups (CUDA), reports arrive in
/// bursts at the moment the group's last step finished: the rate is then taken between the first
/// burst that ends past the warm-up and the last burst.
class StepTimer final : public pretext::TrainingObserver {
 public:
  explicit StepTimer(int warmup, pretext::Trainer* stopAfter = nullptr, std::int64_t steps = 0)
      : m_warmup(warmup), m_trainer(stopAfter), m_stopSteps(steps) {}
  void onStep(const pretext::StepReport& report) override {
    const auto now = Clock::now();
    if (m_trainer && report.globalStep >= m_stopSteps) m_trainer->requestStop();
    if (report.globalStep > m_warmup) m_seconds.push_back(std::chrono::duration<double>(now - m_last).count());
    m_last = now;
    m_reports.emplace_back(report.globalStep, std::chrono::duration<double>(now - m_start).count());
  }
  void onMessage(const std::string& message) override { std::cerr << message << '\n'; }
  const std::vector<double>& seconds() const { return m_seconds; }

  /// Mean seconds per step between bursts of reports (reports less than 2 ms apart form one burst,
  /// stamped with its last step), from the first burst ending at or past the warm-up to the last.
  double burstSecondsPerStep() const {
    std::vector<std::pair<std::int64_t, double>> bursts;
    for (std::size_t i = 0; i < m_reports.size(); ++i) {
      const bool lastOfBurst = i + 1 == m_reports.size() || m_reports[i + 1].second - m_reports[i].second > 2e-3;
      if (lastOfBurst) bursts.push_back(m_reports[i]);
    }
    const auto first = std::find_if(bursts.begin(), bursts.end(), [&](const auto& b) { return b.first >= m_warmup; });
    if (first == bursts.end() || first->first >= bursts.back().first) return 0.0;
    return (bursts.back().second - first->second) / double(bursts.back().first - first->first);
  }

 private:
  int m_warmup;
  pretext::Trainer* m_trainer;
  std::int64_t m_stopSteps;
  Clock::time_point m_start = Clock::now(), m_last = Clock::now();
  std::vector<double> m_seconds;
  std::vector<std::pair<std::int64_t, double>> m_reports;
};

int benchLoad(const Options& options) {
  const auto spec = pretext::DatasetSpec::parse(options.text("dataset"));
  const int repeats = std::max(1, options.integer("repeats"));
  std::vector<double> times;
  std::int64_t trainSize = 0;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    const auto dataset = pretext::Dataset::load(spec);
    times.push_back(secondsSince(start));
    trainSize = dataset.size(pretext::Split::Train);
  }
  std::cout << JsonLine()
                   .add("bench", "load")
                   .add("dataset", spec.toString())
                   .add("seconds", median(times))
                   .add("repeats", repeats)
                   .add("train_images", (long long)trainSize)
                   .add("peak_rss_mb", peakRssMb())
                   .str()
            << std::endl;
  return 0;
}

int benchTrain(const Options& options) {
  RssSampler rss;
  pretext::TrainConfig config;
  config.dataset = pretext::DatasetSpec::parse(options.text("dataset"));
  const bool resident = options.integer("resident") != 0;
  const bool whole = options.integer("whole") != 0;
  config.dataset.shapesPerClass = options.integer("shapes-per-class");
  config.method = options.text("method");
  config.batchSize = options.integer("batch-size");
  config.threads = options.integer("threads");
  config.augmentPreset = options.text("augment");
  config.device = options.text("device");
  config.backbone = options.text("backbone");
  config.bf16 = options.integer("bf16") != 0;
  config.channelsLast = options.integer("channels-last") != 0;
  config.readbackEvery = options.integer("readback-every");
  config.foreachOptimizer = options.integer("foreach") != 0;
  config.cudaGraphs = options.integer("cuda-graphs") != 0;
  config.cpuBf16 = options.integer("cpu-bf16") != 0;
  config.cpuChannelsLast = options.integer("cpu-channels-last") != 0;
  config.epochs = 1;
  config.knnEveryEpoch = false;
  const int warmup = std::max(1, options.integer("warmup"));
  const int steps = std::max(1, options.integer("steps"));
  config.subset = std::int64_t(warmup + steps) * config.batchSize;  // one epoch of exactly warmup + steps

  auto dataset = pretext::Dataset::load(config.dataset);
  if (resident) {
    // The same arrays read into memory, as the other dataset kinds hold theirs.
    auto copy = std::make_shared<pretext::DatasetData>(dataset.data());
    for (auto& split : copy->splits) {
      split.images = split.images.clone();
      split.labels = split.labels.clone();
    }
    dataset = pretext::Dataset(std::move(copy));
  }
  const long long trainImages = dataset.size(pretext::Split::Train) ? dataset.size(pretext::Split::Train)
                                                                     : dataset.size(pretext::Split::Unlabeled);
  const double datasetMb = double(trainImages) * dataset.channels() * dataset.height() * dataset.width() / (1024.0 * 1024.0);
  if (whole) {
    config.subset = 0;  // the epoch's permutation runs over every image; stopped after warmup + steps
    if (trainImages < std::int64_t(warmup + steps) * config.batchSize) {
      throw std::invalid_argument("--warmup + --steps batches need more than the " + std::to_string(trainImages) + " training images");
    }
  } else if (dataset.size(pretext::Split::Train) < config.subset) {
    throw std::invalid_argument("--warmup + --steps batches need " + std::to_string(config.subset) +
                                " training images; the dataset has " +
                                std::to_string(dataset.size(pretext::Split::Train)));
  }
  pretext::Trainer trainer(config, std::move(dataset));
  StepTimer timer(warmup, whole ? &trainer : nullptr, warmup + steps);
  const auto result = trainer.run(&timer);
  const bool done = result.status == pretext::RunStatus::Finished || (whole && result.status == pretext::RunStatus::Stopped);
  if (!done) throw std::runtime_error("training failed: " + result.message);
  rss.stop();

  const auto& seconds = timer.seconds();
  // Every step reported (the CPU's default): the median step; grouped reports: the mean between bursts.
  const bool everyStep = config.readbackEvery == 1 || (config.readbackEvery == 0 && trainer.deviceName().rfind("CPU", 0) == 0);
  const double stepSeconds = everyStep ? median(seconds) : timer.burstSecondsPerStep();
  std::cout << JsonLine()
                   .add("bench", "train")
                   .add("method", config.method)
                   .add("backbone", config.backbone)
                   .add("device", trainer.deviceName())
                   .add("dataset", config.dataset.toString())
                   .add("augment", config.augmentPreset.empty() ? "default" : config.augmentPreset)
                   .add("images_per_second", config.batchSize / std::max(stepSeconds, 1e-9))
                   .add("timing", everyStep ? "median step" : "mean step between groups of reports")
                   .add("readback_every", config.readbackEvery)
                   .add("foreach_optimizer", config.foreachOptimizer)
                   .add("cuda_graphs", config.cudaGraphs)
                   .add("cpu_bf16", config.cpuBf16)
                   .add("cpu_channels_last", config.cpuChannelsLast)
                   .add("native_bf16", pretext::cpuHasNativeBf16())
                   .add("threads", config.threads)
                   .add("batch_size", config.batchSize)
                   .add("steps", (long long)seconds.size())
                   .add("warmup", warmup)
                   .add("whole_split", whole)
                   .add("resident", resident)
                   .add("train_images", trainImages)
                   .add("train_array_mb", datasetMb)
                   .add("peak_rss_anon_mb", rss.anonMb())
                   .add("peak_rss_file_mb", rss.fileMb())
                   .add("peak_rss_mb", peakRssMb())
                   .str()
            << std::endl;
  return 0;
}

int benchKnn(const Options& options) {
  pretext::TrainConfig config;
  config.dataset = pretext::DatasetSpec::parse(options.text("dataset"));
  config.method = "random";
  config.threads = options.integer("threads");
  config.device = options.text("device");
  config.backbone = options.text("backbone");
  config.knnBf16 = options.integer("knn-bf16") != 0;
  config.epochs = 0;
  auto dataset = pretext::Dataset::load(config.dataset);
  const auto bank = dataset.size(pretext::Split::Train);
  const auto queries = dataset.size(pretext::Split::Test);
  pretext::Trainer trainer(config, std::move(dataset));
  const bool bf16 = config.knnBf16 && trainer.deviceName().rfind("CPU", 0) == 0 && pretext::cpuHasNativeBf16();
  const int repeats = std::max(1, options.integer("repeats"));
  std::vector<double> times;
  double accuracy = -1.0;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    accuracy = trainer.knnAccuracy(config.knnK, config.knnTemperature);
    times.push_back(secondsSince(start));
  }
  std::cout << JsonLine()
                   .add("bench", "knn")
                   .add("device", trainer.deviceName())
                   .add("backbone", config.backbone)
                   .add("includes", "features of bank and queries (eval forward) + cosine top-k votes")
                   .add("features", bf16 ? "bf16 autocast" : "fp32")
                   .add("seconds", median(times))
                   .add("accuracy", accuracy)
                   .add("k", config.knnK)
                   .add("bank", (long long)bank)
                   .add("queries", (long long)queries)
                   .add("threads", config.threads)
                   .add("repeats", repeats)
                   .add("peak_rss_mb", peakRssMb())
                   .str()
            << std::endl;
  return 0;
}

/// What a data-parallel step of `--method` on `--backbone` sends, from the model's own sizes (no
/// training): the gradients the all-reduce averages (fp32, as the master weights), their buckets
/// (25 MB, reverse parameter order, as dist::OverlappedGradients lays them out), the BatchNorm
/// layers whose statistics synchronized BatchNorm exchanges, and the width of the embeddings a
/// contrastive loss gathers (the projector's output). bench/dist_scaling.py turns it into times.
int benchComm(const Options& options) {
  pretext::methods::MethodContext ctx;
  ctx.backbone = pretext::models::BackboneOptions(options.text("backbone"), options.integer("channels"),
                                                  options.integer("image-size"));
  ctx.datasetSize = 1000;
  ctx.mean = torch::full({options.integer("channels")}, 0.5);
  ctx.std = torch::full({options.integer("channels")}, 0.25);
  auto method = pretext::methods::makeMethod(options.text("method"), ctx);
  const int64_t bucketCap = int64_t(options.integer("bucket-mb")) << 20;
  int64_t params = 0, bytes = 0, filled = 0;
  std::vector<int64_t> buckets;
  const auto trainable = method->trainableParameters();
  for (auto it = trainable.rbegin(); it != trainable.rend(); ++it) {
    const int64_t b = it->numel() * int64_t(it->element_size());
    params += it->numel();
    bytes += b;
    if (buckets.empty() || (filled > 0 && filled + b > bucketCap)) {
      buckets.push_back(0);
      filled = 0;
    }
    buckets.back() += b;
    filled += b;
  }
  int64_t bnLayers = 0, bnChannels = 0;
  for (const auto& item : method->named_buffers()) {
    const std::string& name = item.key();
    const std::string suffix = "running_mean";
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      ++bnLayers;
      bnChannels += item.value().numel();
    }
  }
  // The embedding a contrastive loss gathers: the projector's last layer's output width.
  int64_t embedding = 0;
  for (const auto& item : method->named_parameters()) {
    if (item.key().rfind("projector.", 0) == 0 && item.value().dim() == 2) embedding = item.value().size(0);
  }
  std::string bucketList;
  for (const auto b : buckets) bucketList += (bucketList.empty() ? "" : " ") + std::to_string(b);
  std::cout << JsonLine()
                   .add("bench", "comm")
                   .add("method", options.text("method"))
                   .add("backbone", options.text("backbone"))
                   .add("image_size", options.integer("image-size"))
                   .add("trainable_parameters", (long long)params)
                   .add("gradient_bytes", (long long)bytes)
                   .add("bucket_bytes", bucketList)
                   .add("batchnorm_layers", (long long)bnLayers)
                   .add("batchnorm_channels", (long long)bnChannels)
                   .add("embedding_dim", (long long)embedding)
                   .str()
            << std::endl;
  return 0;
}

const char* kUsage =
    "usage: pretext-bench load  [--dataset fashion-mnist] [--repeats 3]\n"
    "       pretext-bench train [--method simclr] [--batch-size 256] [--steps 30] [--warmup 5] [--threads 2]\n"
    "                           [--augment simclr|light|none] [--dataset fashion-mnist] [--device cpu|cuda]\n"
    "                           [--backbone convnet|resnet18|vit] [--bf16 1|0] [--channels-last 1|0]\n"
    "                           [--shapes-per-class 200] [--readback-every 0] [--foreach 1]\n"
    "                           [--cuda-graphs 0|1] [--cpu-bf16 0|1] [--cpu-channels-last 0|1]\n"
    "       pretext-bench knn   [--threads 2] [--repeats 1] [--dataset fashion-mnist] [--device cpu|cuda]\n"
    "                           [--backbone convnet] [--knn-bf16 1|0]\n"
    "       pretext-bench comm  [--method simclr] [--backbone resnet18] [--image-size 32] [--channels 3]\n"
    "                           [--bucket-mb 25]\n"
    "Prints one JSON line. See bench/README.md; bench/run.sh runs all of them against bench/reference.py.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "load") return benchLoad(Options(argc, argv, {{"dataset", "fashion-mnist"}, {"repeats", "3"}}));
    if (command == "train") {
      return benchTrain(Options(argc, argv,
                                {{"dataset", "fashion-mnist"}, {"method", "simclr"}, {"batch-size", "256"},
                                 {"steps", "30"}, {"warmup", "5"}, {"threads", "2"}, {"augment", ""},
                                 {"device", "cpu"}, {"backbone", "convnet"}, {"bf16", "1"}, {"channels-last", "1"},
                                 {"shapes-per-class", "200"}, {"readback-every", "0"},
                                 {"foreach", "1"}, {"cuda-graphs", "0"}, {"whole", "0"}, {"resident", "0"},
                                 {"cpu-bf16", "0"}, {"cpu-channels-last", "0"}}));
    }
    if (command == "knn") {
      return benchKnn(Options(argc, argv, {{"dataset", "fashion-mnist"}, {"threads", "2"}, {"repeats", "1"},
                                           {"device", "cpu"}, {"backbone", "convnet"}, {"knn-bf16", "1"}}));
    }
    if (command == "comm") {
      return benchComm(Options(argc, argv, {{"method", "simclr"}, {"backbone", "resnet18"}, {"image-size", "32"},
                                            {"channels", "3"}, {"bucket-mb", "25"}}));
    }
    std::cerr << "unknown subcommand '" << command << "'\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pretext-bench " << command << ": " << e.what() << '\n';
    return 1;
  }
}

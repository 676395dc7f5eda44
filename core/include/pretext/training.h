// Training as the CLI and the window drive it: a plain configuration in, plain reports out through
// an observer. No torch and no Qt here; the Trainer's tensors live behind a pimpl.
#pragma once

#include "pretext/augment.h"
#include "pretext/dataset.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pretext {

/// A run's model: the method, its input statistics, dataset and device (core-internal, defined in
/// core/src/run/model.h; training and evaluation build it the same way).
struct Model;

struct TrainConfig {
  DatasetSpec dataset;
  /// Labelled data for what needs labels (the k-NN monitor, linear probe, retrieval, class colours)
  /// when `dataset` has none, as STL-10 pairs unlabelled images with labelled train/test splits: a
  /// dataset spec ("prepared:DIR", a path, ...) whose images have the training images' shape. Empty:
  /// the training dataset itself.
  std::string evalDataset;
  /// The split trained on (--train-split, config.json "train_split", absent: auto). "auto": a
  /// self-supervised method the unlabelled split when the dataset has one beside labelled ones
  /// (STL-10), else the train split; "train": the labelled train split also then; "unlabeled": the
  /// unlabelled split (the run then loads trainingDatasetSpec, pretext/trainsplit.h: stl10:DIR reads
  /// its unlabeled_X.bin), refused for a method that trains on labels or a dataset without one
  /// (trainSplitRefusal: the Trainer's refusal, which the window's control also shows).
  std::string trainSplit = "auto";
  std::string method = "simclr";
  std::string backbone = "convnet";
  int backboneWidth = 32;          ///< convnet: channels of conv1
  /// convnet: side of conv1's kernels (odd, 3 to ConfigLimits::maxFirstKernel); 0: the default, 5.
  /// Other backbones ignore it.
  int firstKernel = 0;
  int epochs = 10;
  int batchSize = 256;
  std::int64_t subset = 0;         ///< train on the first N training images (0: all)
  std::string optimizer = "";      ///< sgd, lars or adamw; empty: the method's usual choice
  double learningRate = 0.0;       ///< 0: the optimizer's default scaled by batch/256
  double weightDecay = -1.0;       ///< <0: the optimizer's default
  double momentum = 0.9;           ///< SGD/LARS momentum
  double warmupEpochs = 1.0;       ///< linear warm-up, then cosine decay to zero
  std::string device = "auto";     ///< auto, cpu or cuda
  std::uint64_t seed = 1;
  int threads = 0;                 ///< CPU threads; 0: all cores
  bool bf16 = true;                ///< CUDA only: bf16 autocast
  bool channelsLast = true;        ///< CUDA only: conv weights and inputs in channels_last layout
  bool foreachOptimizer = true;    ///< SGD/LARS: multi-tensor updates (same arithmetic, fewer kernels)
  /// Data-parallel runs: BatchNorm with the global batch's statistics (synchronized BatchNorm).
  /// -1: on for contrastive and non-contrastive methods (as solo-learn's configs), off for others;
  /// 0 off (each process normalises its own share); 1 on. No effect in a single process.
  int syncBatchNorm = -1;
  /// The job that writes the run, recorded in config.json by the Trainer (world_size, dist_backend):
  /// its number of processes and the c10d backend ("gloo" or "nccl"; empty for one process). A record only:
  /// the launcher sets the number of processes, and a resume with another number keeps the global
  /// batch. A config.json without them reads as 1 process.
  int worldSize = 1;
  std::string distBackend;
  /// Data-parallel runs: start each bucket's gradient all-reduce during the backward pass, as soon
  /// as its gradients are in (gradient hooks), rather than after backward. The same averages. No
  /// effect in a single process. Off by default: on the CPU with Gloo the all-reduce is under 1% of
  /// a step and overlapping it gained nothing measurable (bench/dist.sh, bench/README.md).
  bool overlapAllReduce = false;
  /// CUDA only: record the whole training step once as a CUDA graph and replay it, for methods whose
  /// step has no host synchronisation (MethodInfo::graphSafeStep: SimCLR) with SGD/LARS and
  /// foreachOptimizer; other runs, and any step that cannot be recorded, train eagerly. Off by
  /// default: 1.09x faster on an H200, but peak GPU memory went from 2.2 to 6.3 GB (bf16, batch 512).
  bool cudaGraphs = false;
  /// How the training images reach the training device. "auto": a split that fits the device's
  /// memory budget stays resident (on CUDA: half the device memory free once the model is built),
  /// one that does not is streamed; on the CPU a memory-mapped split (a prepared dataset) is
  /// streamed from its mapping, never copied. Streamed: a background thread gathers the epoch's
  /// batches ahead from the CPU arrays (on CUDA into pinned buffers, copied on a side stream).
  /// "on" / "off": always / never streamed. The batches and losses are the same either way.
  std::string streamData = "auto";
  /// Steps between reads of the loss back to the host (each read waits for the device to finish).
  /// 0: every step on the CPU (where it costs nothing), every 16 steps on CUDA. Reports and the
  /// NaN check then come in groups; a stop, a pause and an epoch end read everything first.
  int readbackEvery = 0;
  bool knnEveryEpoch = true;       ///< weighted k-NN monitor at each epoch end
  int knnK = 200;
  double knnTemperature = 0.07;
  std::string knnStage;            ///< stage whose pooled features the monitor reads; empty: the last
  std::int64_t knnTestLimit = 0;   ///< use the first N test images (0: all)
  /// k-NN features (the monitor, and the Evaluator's k-NN and retrieval) under bf16 autocast on a
  /// CPU that computes bf16 natively (cpuHasNativeBf16()): about 2x faster, accuracy within 0.1
  /// points of fp32 on Fashion-MNIST. false: fp32. No effect on CUDA or on other CPUs.
  bool knnBf16 = true;
  /// CPU only: the encoder's training forward (every backbone) under bf16 autocast, its features
  /// back in fp32, so that heads, losses (softmax over similarities, normalisation, Sinkhorn,
  /// k-means) and the optimizer's fp32 master weights stay fp32; backward runs the bf16 ops' own
  /// backward. Off in a TrainConfig; the CLI and the window ask for "auto" (cpuBf16Auto), which turns
  /// it on only where bench/README.md's paired test passed (cpuBf16ByDefault). Meant for a CPU with
  /// native bf16 (cpuHasNativeBf16()); elsewhere bf16 is emulated and slower, and the Trainer says so.
  bool cpuBf16 = false;
  /// CPU only: training inputs and 4-D weights in NHWC (channels_last) layout, allocated so even
  /// one-channel batches (which also pass for NCHW) reach oneDNN's NHWC kernels. Off in a
  /// TrainConfig; "auto" (cpuChannelsLastAuto) as for cpuBf16.
  bool cpuChannelsLast = false;
  /// "auto" for cpuBf16 and cpuChannelsLast (--cpu-bf16 auto, --cpu-channels-last auto, the CLI's and
  /// the window's default): the Trainer chooses each (resolveCpuAuto) and config.json records the
  /// choice. false: cpuBf16 and cpuChannelsLast hold as they are (a TrainConfig's own default: fp32 NCHW).
  bool cpuBf16Auto = false;
  bool cpuChannelsLastAuto = false;
  std::string augmentPreset = "";  ///< simclr, light or none; empty: the method's default
  AugmentConfig augment;           ///< used when augmentPreset == "custom"
  std::map<std::string, double> methodOptions;  ///< overrides of the method's option defaults
  std::string outDir;              ///< run folder; empty: nothing written
  int checkpointEveryEpochs = 1;
};

/// The ranges validateConfig accepts; the window's fields use the same.
struct ConfigLimits {
  static constexpr int minWidth = 1, maxWidth = 4096;
  static constexpr int maxFirstKernel = 15;
  static constexpr int maxEpochs = 1000000;
  static constexpr int minBatch = 2;                 ///< above the training split: one batch of the split
  static constexpr double maxLearningRate = 1e6;     ///< 0: the optimizer's default
  static constexpr double maxWeightDecay = 10.0;     ///< <0: the optimizer's default
  static constexpr double maxMomentum = 1.0;         ///< momentum in [0, 1)
  static constexpr double maxWarmupEpochs = 1000000.0;
  static constexpr int maxThreads = 4096;
  static constexpr int maxKnnK = 1000000;
  static constexpr double maxKnnTemperature = 100.0; ///< temperature in (0, max]
};

/// Throws std::invalid_argument naming the first numeric option out of its range (with the range),
/// NaN and infinities included; method options are checked by checkMethodOptions. The Trainer
/// calls it, so the CLI, config.json on resume and the window all get the same check.
void validateConfig(const TrainConfig& config);

/// Reads and writes config.json.
std::string configToJson(const TrainConfig& config);
/// Throws std::runtime_error naming the bad key, after `name` (the file the text came from, as the
/// message should say it: a full path where the caller has one).
TrainConfig configFromJson(const std::string& json, const std::string& name = "config.json");

struct StepReport {
  int epoch = 0;                   ///< 0-based
  int epochs = 0;
  std::int64_t step = 0;           ///< step within the epoch, 1-based
  std::int64_t stepsPerEpoch = 0;
  std::int64_t globalStep = 0;
  double loss = 0.0;
  double taskAccuracy = -1.0;      ///< the method's own task (rotation, supervised); <0 when none
  double learningRate = 0.0;
  double imagesPerSecond = 0.0;
  double secondsLeft = 0.0;
};

struct EpochReport {
  int epoch = 0;                   ///< 0-based, the epoch just finished (-1: before training)
  double meanLoss = 0.0;
  double knnAccuracy = -1.0;       ///< in [0,1]; <0 when not measured
  double seconds = 0.0;            ///< training time of this epoch
  double imagesPerSecond = 0.0;
};

/// Receives reports on the training thread; implementations queue them to their own thread.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void onStart(const std::string& device, std::int64_t trainImages, std::int64_t stepsPerEpoch) {}
  virtual void onStep(const StepReport& report) {}
  virtual void onEpoch(const EpochReport& report) {}
  virtual void onMessage(const std::string& message) {}
  /// A checkpoint was written into the run folder `runDir` (at an epoch end or on a stop).
  virtual void onCheckpoint(const std::string& runDir) {}
};

/// How a run ended.
enum class RunStatus { Finished, Stopped, Failed };

struct RunResult {
  RunStatus status = RunStatus::Finished;
  std::string message;             ///< why it stopped or failed, for the user
  int epochsDone = 0;
  double finalKnnAccuracy = -1.0;
  double seconds = 0.0;
  double imagesPerSecond = 0.0;
};

/// Thrown for a NaN/Inf loss, out-of-memory and bad configurations: the message says what to do.
class TrainingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Trainer {
 public:
  /// Builds the method and optimizer for `config` on `dataset`. Throws TrainingError or
  /// std::invalid_argument for a bad configuration.
  Trainer(TrainConfig config, Dataset dataset);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Continues a run folder from its last checkpoint (config from its config.json); `epochs` > 0
  /// sets a new total number of epochs (extending a finished run; the schedule stretches with it).
  static std::unique_ptr<Trainer> resume(const std::string& runDir, int epochs = 0);

  /// Trains until the last epoch or a stop; checkpoints at epoch ends and on stop. Never throws for
  /// training failures: they come back as RunStatus::Failed with the message (a NaN loss keeps
  /// the last good checkpoint).
  RunResult run(TrainingObserver* observer = nullptr);

  /// Thread-safe controls, checked once per batch.
  void requestStop() { m_stop = true; }
  void setPaused(bool paused) { m_paused = paused; }
  bool paused() const { return m_paused; }

  const TrainConfig& config() const;
  int startEpoch() const;
  std::string deviceName() const;

  /// Weighted k-NN accuracy (InstDisc, Wu et al. 2018) of the current encoder on the test split;
  /// <0 when the dataset has no labelled test split, or when a stop was requested (checked
  /// between batches of the feature extraction).
  double knnAccuracy(int k, double temperature, const std::string& stage = "");

  /// The model being trained, shared with an Evaluator of this live run (Evaluator(Trainer&)).
  const std::shared_ptr<Model>& model() const { return m_model; }

  struct Impl;

 private:
  class Run;
  std::unique_ptr<Impl> m_impl;
  std::shared_ptr<Model> m_model;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_paused{false};
};

/// Sets LibTorch's intra-op threads (0: all cores); Debian's LibTorch starts with one.
void setTorchThreads(int threads);
/// Keeps large freed blocks in the process instead of returning them to the system after every
/// training step (glibc); called once by the Trainer.
void keepLargeAllocations();
/// "cuda" when a CUDA device is usable, else "cpu".
std::string bestDevice();
bool cudaAvailable();
/// Whether this CPU has bf16 arithmetic in hardware (x86 AVX512-BF16 or AMX-BF16, with the OS
/// saving AVX-512 state). Without it bf16 is emulated and slower than fp32.
bool cpuHasNativeBf16();
/// What "auto" chooses for CPU bf16 autocast and for channels_last training: on for the methods
/// whose paired test against fp32 (bench/README.md, "The CPU defaults") kept k-NN and probe accuracy
/// within 0.3 points and trained faster, on the convnet and resnet18 backbones, on a CPU with native
/// bf16 (cpuHasNativeBf16()); off for every other method, backbone and CPU.
bool cpuBf16ByDefault(const std::string& method, const std::string& backbone);
/// What "auto" chooses for channels_last training on the CPU: where cpuBf16ByDefault() chooses bf16,
/// and in fp32 for the methods whose paired speed test (bench/README.md, "channels_last alone in
/// fp32") passed on the convnet (rotation, moco, byol), on any CPU; NCHW for everything else.
bool cpuChannelsLastByDefault(const std::string& method, const std::string& backbone);
/// Replaces cpuBf16Auto / cpuChannelsLastAuto by what cpuBf16ByDefault() and
/// cpuChannelsLastByDefault() choose (and clears them).
void resolveCpuAuto(TrainConfig& config);

}  // namespace pretext

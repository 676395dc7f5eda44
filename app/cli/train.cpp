// pretext-cli train: a run folder from the command line, and --resume to continue one.
#include "commands.h"
#include "launch.h"
#include "progressbar.h"

#include <pretext/distributed.h>
#include <pretext/methodflags.h>
#include <pretext/methods.h>
#include <pretext/numbers.h>
#include <pretext/training.h>
#include <pretext/trainsplit.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>

namespace pretext::cli {

namespace {

std::atomic<Trainer*> g_trainer{nullptr};
volatile std::sig_atomic_t g_stopRequested = 0;

extern "C" void onSignal(int) {
  g_stopRequested = 1;
  if (Trainer* t = g_trainer.load()) t->requestStop();  // an atomic store: safe in a signal handler
}

struct TrainOptions {
  TrainConfig config;
  std::string dataset = "fashion-mnist";
  int imageSize = DatasetSpec().imageSize;
  std::string backbone;
  std::string resume;
  std::string configFile;
  bool noBf16 = false;
  bool noChannelsLast = false;
  bool noKnn = false;
  bool quiet = false;
  int nproc = 0;
  int distTimeout = 0;
  std::string distBackend;
  std::string syncBn;
  std::string overlapAllReduce;
  std::string cpuBf16 = "auto";
  std::string cpuChannelsLast = "auto";
  /// The options of every method in the catalogue, each name once, under its flag (methodOptionFlag:
  /// --method-momentum for momentum); values checked as they parse, then read from the option's text
  /// for the chosen method.
  std::map<std::string, double> methodValues;
  std::map<std::string, CLI::Option*> methodOptions;
};

// One help entry per method option name: the methods that have it, each with its default and help.
std::string methodOptionHelp(const std::string& name) {
  std::string help;
  for (const auto& m : methodCatalogue()) {
    for (const auto& o : m.options) {
      if (o.name != name) continue;
      help += (help.empty() ? "" : "\n") + m.name + " (" + formatGeneral(o.defaultValue) + "): " + o.help;
    }
  }
  return help;
}

// runs/METHOD-DATASET-YYYYMMDD-HHMMSS under the current directory (-2, -3, ... when taken): a run
// without --out is kept, never trained into nothing.
std::string defaultRunFolder(const TrainConfig& c) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  const std::string base = "runs/" + c.method + "-" + c.dataset.kind + "-" + stamp;
  std::string folder = base;
  for (int i = 2; std::filesystem::exists(folder); ++i) folder = base + "-" + std::to_string(i);
  return folder;
}

// --config FILE: the whole configuration from a config.json (what the window writes for its
// processes); only the options that say where and how to run may go with it.
void applyConfigFile(TrainOptions& o, CLI::App& cmd) {
  std::string others;
  for (const CLI::Option* opt : cmd.get_options()) {
    const std::string name = opt->get_name();
    static const char* const allowed[] = {"--config", "--out", "--epochs", "--threads", "--device", "--seed",
                                          "--quiet", "--nproc", "--dist-timeout", "--dist-backend"};
    if (opt->count() && std::none_of(std::begin(allowed), std::end(allowed), [&](const char* a) { return name == a; })) {
      others += (others.empty() ? "" : ", ") + name;
    }
  }
  if (!others.empty()) throw std::invalid_argument("train --config takes its settings from " + o.configFile + ", not " + others);
  std::ifstream in(o.configFile, std::ios::binary);
  if (!in) throw std::invalid_argument("--config " + o.configFile + ": cannot be read");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TrainConfig c;
  try {
    c = configFromJson(text, o.configFile);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("--config ") + e.what());
  }
  // What the command line gives goes over the file.
  const TrainConfig& given = o.config;
  if (cmd.get_option("--out")->count()) c.outDir = given.outDir;
  if (cmd.get_option("--epochs")->count()) c.epochs = given.epochs;
  if (cmd.get_option("--threads")->count()) c.threads = given.threads;
  if (cmd.get_option("--device")->count()) c.device = given.device;
  if (cmd.get_option("--seed")->count()) c.seed = given.seed;
  o.config = c;
  o.dataset = c.dataset.toString();
}

int runTrain(TrainOptions& o, CLI::App& cmd) {
  if (!o.configFile.empty()) {
    if (!o.resume.empty()) throw std::invalid_argument("train takes --config or --resume, not both");
    applyConfigFile(o, cmd);
  }
  if (o.distTimeout > 0) ::setenv("PRETEXT_DIST_TIMEOUT", std::to_string(o.distTimeout).c_str(), 1);
  // Like the timeout, through the environment: the workers of --nproc and torchrun's read it alike.
  if (!o.distBackend.empty()) ::setenv("PRETEXT_DIST_BACKEND", o.distBackend.c_str(), 1);
  if (o.nproc > 0) {
    if (distributedEnvironment().distributed()) {
      throw std::invalid_argument("--nproc starts its own processes: leave it out under torchrun or srun");
    }
    std::string out;
    if (o.resume.empty() && o.config.outDir.empty()) {
      // Chosen once here, so that every worker writes (rank 0) and names the same folder.
      TrainConfig named = o.config;
      if (o.configFile.empty()) named.dataset = DatasetSpec::parse(o.dataset);
      out = defaultRunFolder(named);
      std::fprintf(stderr, "no --out given: training into %s\n", out.c_str());
    }
    return launchWorkers(o.nproc, out);
  }
  // Installed before the dataset loads, so that a stop requested during start-up is not lost.
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::unique_ptr<Trainer> trainer;
  if (!o.resume.empty()) {
    std::string others;
    for (const CLI::Option* opt : cmd.get_options()) {
      const std::string name = opt->get_name();
      if (opt->count() && name != "--resume" && name != "--epochs" && name != "--quiet" && name != "--nproc" &&
          name != "--dist-timeout" && name != "--dist-backend") {
        others += (others.empty() ? "" : ", ") + name;
      }
    }
    if (!others.empty()) throw std::invalid_argument("train --resume takes its settings from the run folder, not " + others);
    const int epochs = cmd.get_option("--epochs")->count() ? o.config.epochs : 0;
    trainer = Trainer::resume(o.resume, epochs);
    if (distributedEnvironment().rank == 0) std::fprintf(stderr, "resuming %s at epoch %d\n", o.resume.c_str(), trainer->startEpoch() + 1);
  } else if (!o.configFile.empty()) {
    TrainConfig& c = o.config;
    validateConfig(c);  // before the dataset loads (the Trainer checks again)
    c.dataset = trainingDatasetSpec(c);  // stl10:DIR reads its unlabeled_X.bin for --train-split unlabeled
    if (c.outDir.empty()) {
      c.outDir = defaultRunFolder(c);
      if (distributedEnvironment().rank == 0) std::fprintf(stderr, "no --out given: training into %s\n", c.outDir.c_str());
    }
    trainer = std::make_unique<Trainer>(c, Dataset::load(c.dataset));
  } else {
    TrainConfig& c = o.config;
    c.dataset = DatasetSpec::parse(o.dataset);
    c.dataset.imageSize = o.imageSize;
    c.dataset = trainingDatasetSpec(c);  // stl10:DIR reads its unlabeled_X.bin for --train-split unlabeled
    const MethodInfo& info = methodInfo(c.method);
    if (!o.backbone.empty()) c.backbone = o.backbone;
    else if (!info.requiredBackbone.empty()) c.backbone = info.requiredBackbone;
    c.bf16 = !o.noBf16;
    c.channelsLast = !o.noChannelsLast;
    c.knnEveryEpoch = !o.noKnn;
    if (!o.syncBn.empty()) c.syncBatchNorm = o.syncBn == "on" ? 1 : 0;
    if (!o.overlapAllReduce.empty()) c.overlapAllReduce = o.overlapAllReduce == "on";
    c.cpuBf16Auto = o.cpuBf16 == "auto";  // the Trainer chooses (resolveCpuAuto)
    c.cpuBf16 = o.cpuBf16 == "on";
    c.cpuChannelsLastAuto = o.cpuChannelsLast == "auto";
    c.cpuChannelsLast = o.cpuChannelsLast == "on";
    // Each method option by its own flag: --momentum is the optimizer's only, a method's own
    // momentum is --method-momentum (config.json: method_options' "momentum").
    for (const auto& opt : info.options) {
      const CLI::Option* given = o.methodOptions.at(opt.name);
      if (!given->count()) continue;
      double value = 0.0;
      if (!parseNumber(given->results().back(), value)) {
        throw std::invalid_argument(methodOptionFlag(opt.name) + " expects a number");
      }
      c.methodOptions[opt.name] = value;
    }
    std::string foreign;
    for (const auto& [name, option] : o.methodOptions) {
      const bool own = std::any_of(info.options.begin(), info.options.end(), [&](const MethodOption& m) { return m.name == name; });
      if (option->count() && !own) foreign += (foreign.empty() ? "" : ", ") + methodOptionFlag(name);
    }
    if (!foreign.empty()) throw std::invalid_argument("train --method " + c.method + " does not understand " + foreign);
    checkMethodOptions(c.method, c.methodOptions);  // their ranges, before a run folder is named
    validateConfig(c);  // before the dataset loads (the Trainer checks again)
    if (c.outDir.empty()) {
      c.outDir = defaultRunFolder(c);
      if (distributedEnvironment().rank == 0) std::fprintf(stderr, "no --out given: training into %s\n", c.outDir.c_str());
    }
    // Until --method-momentum, --momentum set a method's own momentum too: say which one it set,
    // loudly for a value that reads like a moving average's rate (BYOL's paper: 0.996).
    const auto ownMomentum = std::find_if(info.options.begin(), info.options.end(),
                                          [](const MethodOption& m) { return m.name == "momentum"; });
    if (ownMomentum != info.options.end() && cmd.get_option("--momentum")->count() &&
        !o.methodOptions.at("momentum")->count() && distributedEnvironment().rank == 0) {
      const std::string flag = methodOptionFlag("momentum");
      const std::string own = formatGeneral(ownMomentum->defaultValue);
      if (c.momentum >= 0.99) {
        std::fprintf(stderr,
                     "warning: --momentum %s sets the optimizer's (SGD/LARS) momentum only; %s's own momentum stays "
                     "at its default %s: for that one, use %s %s\n",
                     formatGeneral(c.momentum).c_str(), c.method.c_str(), own.c_str(), flag.c_str(),
                     formatGeneral(c.momentum).c_str());
      } else {
        std::fprintf(stderr, "note: --momentum %s sets the optimizer's (SGD/LARS) momentum; %s's own is %s (default %s)\n",
                     formatGeneral(c.momentum).c_str(), c.method.c_str(), flag.c_str(), own.c_str());
      }
    }
    trainer = std::make_unique<Trainer>(c, Dataset::load(c.dataset));
  }
  ProgressBar progress(o.quiet);
  g_trainer = trainer.get();
  if (g_stopRequested) trainer->requestStop();
  const RunResult r = trainer->run(&progress);
  g_trainer = nullptr;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  // In a data-parallel job rank 0 speaks for all; the others only say why they failed.
  if (r.status != RunStatus::Failed && distributedEnvironment().rank > 0) return r.status == RunStatus::Stopped ? 130 : 0;
  std::printf("%s: %s", r.status == RunStatus::Finished ? "finished" : r.status == RunStatus::Stopped ? "stopped" : "failed",
              r.message.c_str());
  if (r.finalKnnAccuracy >= 0) std::printf("; k-NN accuracy %s%%", formatFixed(100.0 * r.finalKnnAccuracy, 2).c_str());
  std::printf("; %s, %s img/s\n", formatDuration(r.seconds).c_str(), formatFixed(r.imagesPerSecond, 0).c_str());
  std::error_code error;
  const auto where = std::filesystem::absolute(trainer->config().outDir, error);
  std::printf("run folder: %s\n", error ? trainer->config().outDir.c_str() : where.lexically_normal().string().c_str());
  return r.status == RunStatus::Failed ? 1 : (r.status == RunStatus::Stopped ? 130 : 0);
}

}  // namespace

Command addTrain(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train a method and write a run folder");
  cmd->footer(
      "examples:\n"
      "  pretext-cli train --dataset DATASET --method METHOD [options] [--out RUN_FOLDER]\n"
      "  pretext-cli train --resume RUN_FOLDER [--epochs N]   (N: a new total, to extend a run)");
  auto o = std::make_shared<TrainOptions>();
  TrainConfig& c = o->config;
  cmd->add_option("--dataset", o->dataset,
                  "fashion-mnist, mnist:PATH, cifar10:PATH, cifar100:PATH, stl10:PATH,\nfolder:PATH, shapes, or a path")
      ->capture_default_str();
  cmd->add_option("--image-size", o->imageSize, "image folders: resize to NxN")->capture_default_str();
  cmd->add_option("--eval-dataset", c.evalDataset,
                  "labelled train/test splits for the k-NN monitor and `eval` when --dataset has no labels\n"
                  "(e.g. a prepared folder of labelled images the same size)");
  cmd->add_option("--train-split", c.trainSplit,
                  "auto: a self-supervised method trains on the unlabelled split where a dataset has one\n"
                  "beside labelled ones (STL-10 prepared), else on train; train: the labelled train split;\n"
                  "unlabeled: the unlabelled split (stl10:DIR then reads its 100,000 unlabeled_X.bin images)")
      ->check(CLI::IsMember({"auto", "train", "unlabeled"}))
      ->capture_default_str();
  cmd->add_option("--method", c.method, "see `pretext-cli methods`")->capture_default_str();
  cmd->add_option("--backbone", o->backbone, "convnet (default; vit for MAE), resnet18, vit");
  cmd->add_option("--width", c.backboneWidth, "convnet: channels of conv1")->capture_default_str();
  cmd->add_option("--first-kernel", c.firstKernel, "convnet: side of conv1's kernels, odd (0: 5)")->capture_default_str();
  cmd->add_option("--epochs", c.epochs, "with --resume: a new total, to extend a run")->capture_default_str();
  cmd->add_option("--batch-size", c.batchSize)->capture_default_str();
  cmd->add_option("--subset", c.subset, "train on the first N training images (0: all)")->capture_default_str();
  cmd->add_option("--optimizer", c.optimizer, "sgd, lars, adamw (default: sgd; adamw for the ViT)");
  addNumber(*cmd, "--lr", c.learningRate, "peak learning rate (0: 0.06 x batch/256 for SGD)");
  addNumber(*cmd, "--weight-decay", c.weightDecay, "(<0: 5e-4 SGD/LARS, 0.05 AdamW)");
  addNumber(*cmd, "--warmup-epochs", c.warmupEpochs, "linear warm-up before the cosine decay");
  cmd->add_option("--augment", c.augmentPreset, "simclr, light, none (default: the method's)");
  cmd->add_option("--device", c.device, "auto, cpu, cuda")->capture_default_str();
  cmd->add_option("--threads", c.threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--seed", c.seed)->capture_default_str();
  cmd->add_option("--knn-k", c.knnK, "neighbours of the k-NN monitor")->capture_default_str();
  cmd->add_option("--knn-stage", c.knnStage,
                  "stage the monitor reads (convnet: conv1..conv5; default: the pooled output)");
  cmd->add_option("--knn-test-limit", c.knnTestLimit, "use the first N test images in the monitor (0: all)")
      ->capture_default_str();
  cmd->add_flag("--no-knn", o->noKnn, "no k-NN monitor");
  cmd->add_option("--out", c.outDir,
                  "run folder: config.json, metrics.csv, checkpoints/last.pt\n(default: runs/METHOD-DATASET-TIME here)");
  cmd->add_option("--resume", o->resume, "continue the run in this folder, with its own settings");
  cmd->add_option("--config", o->configFile,
                  "train with the settings of this config.json (a run folder's, or one the window\n"
                  "writes); only --out, --epochs, --threads, --device, --seed go with it");
  cmd->add_flag("--quiet", o->quiet, "no progress output");
  cmd->add_option("--nproc", o->nproc,
                  "data-parallel: start N local processes, each on its share of every batch (CPU:\n"
                  "and of the threads; CUDA: one process per GPU, on cuda:LOCAL_RANK); --batch-size\n"
                  "is the global batch. Under torchrun or srun (RANK/WORLD_SIZE or\n"
                  "SLURM_PROCID/SLURM_NTASKS with MASTER_ADDR) leave it out")
      ->check(CLI::Range(1, 1024))
      ->group("Data-parallel");
  cmd->add_option("--dist-timeout", o->distTimeout,
                  "data-parallel: seconds the rendezvous and each collective may take before a\n"
                  "missing peer ends the run (default 300)")
      ->check(CLI::Range(1, 86400))
      ->group("Data-parallel");
  cmd->add_option("--dist-backend", o->distBackend,
                  "data-parallel: c10d's backend, auto (NCCL on CUDA when this build has it, else\n"
                  "Gloo), gloo or nccl (CUDA builds, CUDA runs); with a job of one process\n"
                  "(--nproc 1, WORLD_SIZE=1) a named backend runs every collective")
      ->check(CLI::IsMember({"auto", "gloo", "nccl"}))
      ->group("Data-parallel");
  cmd->add_option("--sync-bn", o->syncBn,
                  "data-parallel: BatchNorm with the statistics of the global batch (on) or of\n"
                  "each process's share (off); default on for contrastive and non-contrastive\n"
                  "methods, as solo-learn")
      ->check(CLI::IsMember({"on", "off"}))
      ->group("Data-parallel");
  cmd->add_option("--overlap-allreduce", o->overlapAllReduce,
                  "data-parallel: average gradients while the backward pass runs, bucket by\n"
                  "bucket (on), or after it (off, default); the same result")
      ->check(CLI::IsMember({"on", "off"}))
      ->group("Data-parallel");
  cmd->add_flag("--no-bf16", o->noBf16, "CUDA: train in fp32 instead of bf16 autocast")->group("CUDA");
  cmd->add_flag("--no-channels-last", o->noChannelsLast, "CUDA: keep NCHW layout")->group("CUDA");
  cmd->add_option("--cpu-bf16", o->cpuBf16,
                  "CPU: the encoder's training forward under bf16 autocast (every backbone;\n"
                  "heads, losses and weights stay fp32): auto (default), on or off. auto: on\n"
                  "for barlow with convnet or resnet18 on a CPU with native bf16 (AVX512-BF16,\n"
                  "AMX), where bench/README.md measured the same accuracy, faster; off otherwise")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->group("CPU");
  cmd->add_option("--cpu-channels-last", o->cpuChannelsLast,
                  "CPU: train with NHWC (channels_last) inputs and conv weights: auto (default),\n"
                  "on or off. auto: on where --cpu-bf16 auto chooses bf16, and in fp32 for\n"
                  "rotation, moco and byol with convnet, measured faster (bench/README.md)")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->group("CPU");
  cmd->add_flag("--cuda-graphs", c.cudaGraphs,
                "CUDA: record the training step once as a CUDA graph and replay it (SimCLR\n"
                "with SGD or LARS; faster, but takes about 3x the GPU memory)")
      ->group("CUDA");
  cmd->add_option("--stream", c.streamData,
                  "how training images reach the device: auto (resident where the split fits\n"
                  "the device's memory budget, else streamed; a prepared dataset on the CPU is\n"
                  "streamed from its memory map), on (batches gathered ahead on a background\n"
                  "thread; CUDA: pinned buffers, side-stream copies) or off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();

  // --momentum is the optimizer's only; a method's own momentum is --method-momentum (below).
  addNumber(*cmd, "--momentum", c.momentum,
            "SGD/LARS momentum (the optimizer's only; a method's own, e.g. BYOL's target\n"
            "network, is " + methodOptionFlag("momentum") + ")");

  // The methods' own options, from the catalogue: each name once, listing the methods that read it;
  // one named like a general option goes by methodOptionFlag's distinct flag (--method-momentum).
  const std::string methodGroup = "Method options (each method reads its own; `pretext-cli methods NAME` lists them)";
  for (const auto& m : methodCatalogue()) {
    for (const auto& opt : m.options) {
      if (o->methodOptions.count(opt.name)) continue;
      const std::string flag = methodOptionFlag(opt.name);
      if (cmd->get_option_no_throw(flag)) {
        throw std::logic_error("method option " + opt.name + " of " + m.name + " has the flag of a general option, " +
                               flag + ": give it a distinct one in methodOptionFlag");
      }
      std::string help = methodOptionHelp(opt.name);
      if (flag != "--" + opt.name) help = "the method's own " + opt.name + ", not the general --" + opt.name + ":\n" + help;
      double& value = o->methodValues[opt.name];
      value = opt.defaultValue;
      o->methodOptions[opt.name] = addNumber(*cmd, flag, value, help)->default_str("")->group(methodGroup);
    }
  }
  return {cmd, [o, cmd] { return runTrain(*o, *cmd); }};
}

}  // namespace pretext::cli

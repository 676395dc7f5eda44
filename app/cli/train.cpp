// pretext-cli train: a run folder from the command line, and --resume to continue one.
#include "commands.h"
#include "progressbar.h"

#include <pretext/methods.h>
#include <pretext/training.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace pretext::cli {

namespace {

std::atomic<Trainer*> g_trainer{nullptr};
volatile std::sig_atomic_t g_stopRequested = 0;

extern "C" void onSignal(int) {
  g_stopRequested = 1;
  if (Trainer* t = g_trainer.load()) t->requestStop();  // an atomic store: safe in a signal handler
}

}  // namespace

void printTrainHelp() {
  std::cout <<
      "usage: pretext-cli train --dataset DATASET --method METHOD [options] --out RUN_FOLDER\n"
      "       pretext-cli train --resume RUN_FOLDER [--epochs N]   (N: a new total, to extend a run)\n\n"
      "  --dataset D        fashion-mnist (default), mnist:PATH, cifar10:PATH, cifar100:PATH, stl10:PATH,\n"
      "                     folder:PATH, shapes, or a path\n"
      "  --method M         see `pretext-cli methods` (default simclr)\n"
      "  --backbone B       convnet (default; vit for MAE), resnet18, vit\n"
      "  --width N          convnet: channels of conv1 (default 32)\n"
      "  --epochs N         (default 10)\n"
      "  --batch-size N     (default 256)\n"
      "  --subset N         train on the first N training images\n"
      "  --optimizer O      sgd, lars, adamw (default: sgd; adamw for the ViT)\n"
      "  --lr X             peak learning rate (default: 0.06 x batch/256 for SGD)\n"
      "  --weight-decay X   (default 5e-4 SGD/LARS, 0.05 AdamW)\n"
      "  --warmup-epochs X  linear warm-up before the cosine decay (default 1)\n"
      "  --augment P        simclr, light, none (default: the method's)\n"
      "  --device D         auto (default), cpu, cuda\n"
      "  --no-bf16          CUDA: train in fp32 instead of bf16 autocast\n"
      "  --no-channels-last CUDA: keep NCHW layout\n"
      "  --cuda-graphs      CUDA: record the training step once as a CUDA graph and replay it (SimCLR\n"
      "                     with SGD or LARS; faster, but takes about 3x the GPU memory)\n"
      "  --threads N        CPU threads (default: all cores)\n"
      "  --seed N           (default 1)\n"
      "  --knn-k N          neighbours of the k-NN monitor (default 200)\n"
      "  --knn-stage S      stage the monitor reads (convnet: conv1..conv5; default: the pooled output)\n"
      "  --knn-test-limit N use the first N test images in the monitor\n"
      "  --no-knn           no k-NN monitor\n"
      "  --out DIR          run folder: config.json, metrics.csv, checkpoints/last.pt\n"
      "  --quiet            no progress output\n\n"
      "method options (each method reads its own; `pretext-cli methods NAME` lists them):\n";
  for (const auto& m : methodCatalogue()) {
    for (const auto& o : m.options) {
      std::printf("  --%-18s %-8g %-10s %s\n", o.name.c_str(), o.defaultValue, m.name.c_str(), o.help.c_str());
    }
  }
}

int cmdTrain(const Args& args) {
  // Installed before the dataset loads, so that a stop requested during start-up is not lost.
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::unique_ptr<Trainer> trainer;
  const bool quiet = args.has("quiet");
  args.value("quiet");
  if (args.has("resume")) {
    const std::string dir = args.value("resume");
    trainer = Trainer::resume(dir, int(args.integer("epochs", 0)));
    std::fprintf(stderr, "resuming %s at epoch %d\n", dir.c_str(), trainer->startEpoch() + 1);
  } else {
    TrainConfig c;
    c.dataset = DatasetSpec::parse(args.value("dataset", "fashion-mnist"));
    c.dataset.imageSize = int(args.integer("image-size", c.dataset.imageSize));
    c.method = args.value("method", c.method);
    const MethodInfo& info = methodInfo(c.method);
    c.backbone = args.value("backbone", info.requiredBackbone.empty() ? c.backbone : info.requiredBackbone);
    c.backboneWidth = int(args.integer("width", c.backboneWidth));
    c.epochs = int(args.integer("epochs", c.epochs));
    c.batchSize = int(args.integer("batch-size", c.batchSize));
    c.subset = args.integer("subset", 0);
    c.optimizer = args.value("optimizer", "");
    c.learningRate = args.number("lr", 0.0);
    c.weightDecay = args.number("weight-decay", -1.0);
    c.momentum = args.number("momentum", c.momentum);
    c.warmupEpochs = args.number("warmup-epochs", c.warmupEpochs);
    c.augmentPreset = args.value("augment", "");
    c.device = args.value("device", c.device);
    c.bf16 = !args.has("no-bf16");
    c.channelsLast = !args.has("no-channels-last");
    args.value("no-bf16");
    args.value("no-channels-last");
    c.cudaGraphs = args.has("cuda-graphs");
    args.value("cuda-graphs");
    c.threads = int(args.integer("threads", 0));
    c.seed = std::uint64_t(args.integer("seed", 1));
    c.knnK = int(args.integer("knn-k", c.knnK));
    c.knnStage = args.value("knn-stage", "");
    c.knnTestLimit = args.integer("knn-test-limit", 0);
    c.knnEveryEpoch = !args.has("no-knn");
    args.value("no-knn");
    c.outDir = args.value("out", "");
    for (const auto& o : info.options) {
      if (args.has(o.name)) c.methodOptions[o.name] = args.number(o.name, o.defaultValue);
    }
    // Options of other methods are typos here: report them with the unknown ones.
    args.rejectUnused("train --method " + c.method + " does not understand");
    if (c.outDir.empty()) std::fprintf(stderr, "note: no --out given, nothing will be written\n");
    trainer = std::make_unique<Trainer>(c, Dataset::load(c.dataset));
  }
  ProgressBar progress(quiet);
  g_trainer = trainer.get();
  if (g_stopRequested) trainer->requestStop();
  const RunResult r = trainer->run(&progress);
  g_trainer = nullptr;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::printf("%s: %s", r.status == RunStatus::Finished ? "finished" : r.status == RunStatus::Stopped ? "stopped" : "failed",
              r.message.c_str());
  if (r.finalKnnAccuracy >= 0) std::printf("; k-NN accuracy %.2f%%", 100.0 * r.finalKnnAccuracy);
  std::printf("; %s, %.0f img/s\n", formatDuration(r.seconds).c_str(), r.imagesPerSecond);
  return r.status == RunStatus::Failed ? 1 : (r.status == RunStatus::Stopped ? 130 : 0);
}

}  // namespace pretext::cli

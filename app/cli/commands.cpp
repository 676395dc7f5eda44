#include "commands.h"

#include <pretext/dataset.h>
#include <pretext/methods.h>
#include <pretext/training.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace pretext::cli {

namespace {

std::string withThousands(std::int64_t n) {
  std::string s = std::to_string(n), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

}  // namespace

void printHelp(const std::string& command) {
  if (command == "inspect") {
    std::cout << "usage: pretext-cli inspect DATASET [--out sheet.png] [--split train|test|unlabeled] [--count N]\n"
                 "  DATASET: fashion-mnist, mnist:PATH, cifar10:PATH, cifar100:PATH, stl10:PATH,\n"
                 "           folder:PATH, shapes, or a path (the kind is detected)\n"
                 "  Prints split sizes, image shape and class counts; writes a PNG grid of samples with labels.\n"
                 "  --image-size N   image folders: resize to NxN (default 32)\n"
                 "  --unlabeled      STL-10: also read the 100,000 unlabelled images\n";
  } else if (command == "datasets") {
    std::cout << "usage: pretext-cli datasets\n  Lists the datasets found on this machine.\n";
  } else if (command == "methods") {
    std::cout << "usage: pretext-cli methods [NAME]\n  Lists the methods, or one method's description and options.\n";
  } else if (command == "train") {
    printTrainHelp();
  } else if (command == "eval") {
    std::cout <<
        "usage: pretext-cli eval RUN_FOLDER [protocols] [options]\n"
        "  Evaluates a run's encoder on the test split and saves the results in RUN_FOLDER/eval.json\n"
        "  (read by `pretext-cli compare`), with a CSV (and PNG) per table. Without a protocol: --knn.\n"
        "protocols:\n"
        "  --knn               weighted k-NN (cosine, InstDisc) at k=20 and 200 -> knn.csv\n"
        "  --linear            linear probe per stage (conv1..conv5 and pooled) -> linear_probe.csv/.png\n"
        "  --retrieval         queries = test images, database = training split: P@K, mAP -> retrieval.csv\n"
        "  --alignment         alignment and uniformity of the normalised embedding (Wang & Isola 2020)\n"
        "  --pca, --tsne       2-D maps of the pooled test features -> pca.png, tsne.png\n"
        "  --finetune          fine-tune encoder + linear head with 1% and 10% of the labels\n"
        "  --export-embedding  embedding.npy + labels.npy (pooled test features) for NumPy\n"
        "  --export-encoder    encoder.pt: torch.load gives state_dict, mean, std and the architecture\n"
        "  --all               everything above\n"
        "options:\n"
        "  --stages LIST       stages, comma-separated; an empty name or 'pooled' is the pooled output\n"
        "                      (k-NN default: pooled; linear default: every stage and pooled)\n"
        "  --knn-k LIST        (default 20,200)   --knn-temperature T (default 0.07)\n"
        "  --probe-epochs N    (default 10)  --probe-grid G: pool conv maps to GxG (default 2)\n"
        "  --probe-lr X (0.1)  --probe-weight-decay X (5e-4)  --probe-batch-size N (256; 0 full batch)\n"
        "  --precision-at LIST (default 1,10,100)  --map-cutoff N: AP@N (default 0: the full ranking)\n"
        "  --train-limit N, --test-limit N   use the first N images of a split\n"
        "  --projection-limit N (default 2000 test images)  --perplexity X (30)  --tsne-iterations N (750)\n"
        "  --alignment-images N (default 2000)  --finetune-epochs N (default 10)\n"
        "  --device D (auto, cpu, cuda)  --threads N\n";
  } else if (command == "views") {
    std::cout <<
        "usage: pretext-cli views RUN_FOLDER [--filters] [--attention] [--gallery] [options]\n"
        "  Writes PNGs into the run folder (default: --filters --attention):\n"
        "  --filters           first-layer filters, each normalised -> filters.png\n"
        "  --attention         mean over channels of |activation|^p, overlaid on test images, per stage\n"
        "                      (ViT: [CLS] attention of the last block) -> attention.png\n"
        "  --gallery           each test image with its K nearest training images -> retrieval.png\n"
        "  --images LIST       test image indices (default: 8 spread over the classes)\n"
        "  --stages LIST       attention stages (default conv1,conv3,conv5)\n"
        "  --p X               attention exponent (default 2)   --k N: gallery neighbours (default 8)\n"
        "  --against RUN2      the same views of a second run side by side -> *-vs-RUN2.png\n"
        "  --device D (auto, cpu, cuda)  --threads N\n";
  } else if (command == "compare") {
    std::cout << "usage: pretext-cli compare RUN_FOLDER... [--out PREFIX]\n"
                 "  The results table over run folders (config.json, metrics.csv, eval.json): method, backbone,\n"
                 "  epochs, k-NN, linear probe per stage, fine-tune 1%/10%, retrieval mAP, training time,\n"
                 "  images/s. Prints Markdown; writes PREFIX.csv, PREFIX.md and PREFIX.png (default: compare).\n";
  } else {
    std::cout << "pretext-cli: self-supervised visual representation learning, headless\n\n"
                 "commands:\n"
                 "  datasets            list the datasets found on this machine\n"
                 "  inspect DATASET     split sizes, classes, and a PNG sheet of samples\n"
                 "  methods [NAME]      the methods, their papers and options\n"
                 "  train ...           train a method and write a run folder (train --help)\n"
                 "  eval RUN            evaluate a run: k-NN, linear probe, retrieval, t-SNE ... (eval --help)\n"
                 "  views RUN           filters, attention maps and retrieval galleries as PNG\n"
                 "  compare RUN...      the results table over run folders (CSV, Markdown)\n\n"
                 "pretext-cli COMMAND --help for a command's options.\n";
  }
}

int cmdDatasets(const Args& args) {
  args.rejectUnused();
  std::printf("%-14s %-10s %s\n", "KIND", "FOUND", "WHERE / WHAT");
  for (const auto& e : findDatasets()) {
    std::printf("%-14s %-10s %s%s%s\n", e.kind.c_str(), e.available ? "yes" : "no", e.path.c_str(),
                e.path.empty() ? "" : "  ", e.description.c_str());
  }
  return 0;
}

int cmdInspect(const Args& args) {
  if (args.positionals().size() != 1) throw std::invalid_argument("inspect needs one DATASET");
  DatasetSpec spec = DatasetSpec::parse(args.positionals()[0]);
  spec.imageSize = int(args.integer("image-size", spec.imageSize));
  spec.loadUnlabeled = args.has("unlabeled");
  args.value("unlabeled");
  const std::string splitText = args.value("split", "train");
  const int count = int(args.integer("count", 40));
  std::string out = args.value("out", "");
  args.rejectUnused();

  const auto t0 = std::chrono::steady_clock::now();
  const Dataset ds = Dataset::load(spec);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("%s (%s)\n", ds.name().c_str(), spec.toString().c_str());
  std::printf("loaded in %.3f s\n", seconds);
  std::printf("image shape: %d x %d x %d (channels x height x width)\n", ds.channels(), ds.height(), ds.width());
  std::printf("classes: %d\n", ds.numClasses());
  for (const auto& s : ds.splits()) {
    std::printf("split %-10s %s images\n", splitName(s.split), withThousands(s.size).c_str());
  }
  const auto splits = ds.splits();
  std::printf("\n%-4s %-20s", "id", "class");
  for (const auto& s : splits) {
    if (!s.classCounts.empty()) std::printf(" %10s", splitName(s.split));
  }
  std::printf("\n");
  for (int c = 0; c < ds.numClasses(); ++c) {
    std::printf("%-4d %-20s", c, ds.classNames()[std::size_t(c)].c_str());
    for (const auto& s : splits) {
      if (!s.classCounts.empty()) std::printf(" %10s", withThousands(s.classCounts[std::size_t(c)]).c_str());
    }
    std::printf("\n");
  }
  Split split = Split::Train;
  if (splitText == "test") split = Split::Test;
  else if (splitText == "unlabeled") split = Split::Unlabeled;
  else if (splitText != "train") throw std::invalid_argument("--split must be train, test or unlabeled");
  if (!ds.hasSplit(split)) throw std::invalid_argument(ds.name() + " has no " + splitText + " split");
  if (out.empty()) {
    std::string base = spec.kind;
    out = base + "-" + splitText + "-samples.png";
  }
  const int scale = ds.width() <= 32 ? 2 : 1;
  savePng(sampleSheet(ds, split, count, 10, scale), out);
  std::printf("\nwrote %s (%d %s samples with labels)\n", out.c_str(), count, splitText.c_str());
  return 0;
}

int cmdMethods(const Args& args) {
  const auto& pos = args.positionals();
  args.rejectUnused();
  if (pos.empty()) {
    std::printf("%-12s %-18s %-16s %s\n", "NAME", "METHOD", "FAMILY", "PAPER");
    for (const auto& m : methodCatalogue()) {
      std::printf("%-12s %-18s %-16s %s\n", m.name.c_str(), m.title.c_str(), m.family.c_str(), m.paper.c_str());
    }
    return 0;
  }
  const MethodInfo& m = methodInfo(pos[0]);
  std::printf("%s (%s) — %s\n%s\n\n%s\n\nloss: %s\n", m.title.c_str(), m.name.c_str(), m.family.c_str(),
              m.paper.c_str(), m.description.c_str(), m.lossFormula.c_str());
  if (!m.options.empty()) {
    std::printf("\noptions (pretext-cli train --method %s ...):\n", m.name.c_str());
    for (const auto& o : m.options) {
      std::printf("  --%-18s %-10g %s\n", o.name.c_str(), o.defaultValue, o.help.c_str());
    }
  }
  return 0;
}

}  // namespace pretext::cli

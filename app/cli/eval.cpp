// pretext-cli eval / views / compare: the evaluation protocols, feature views and the results table
// over run folders. What eval measures goes into the run folder's eval.json (read by compare).
#include "commands.h"

#include <pretext/evaluation.h>
#include <pretext/training.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace pretext::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// "a,b,c" -> {"a", "b", "c"}; an empty item stays (it names the pooled output).
std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> list;
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    list.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return list;
}

std::vector<std::string> stageList(const std::string& text) {
  std::vector<std::string> list;
  for (auto s : splitList(text)) list.push_back(s == "pooled" ? std::string() : s);
  return list;
}

std::vector<int> intList(const std::string& option, const std::string& text) {
  std::vector<int> out;
  for (const auto& item : splitList(text)) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0') throw std::invalid_argument("--" + option + " expects numbers like 20,200, got '" + text + "'");
    out.push_back(int(v));
  }
  return out;
}

std::vector<std::int64_t> indexList(const std::string& option, const std::string& text) {
  std::vector<std::int64_t> out;
  for (int v : intList(option, text)) out.push_back(v);
  return out;
}

std::string stageName(const std::string& s) { return s.empty() ? "pooled" : s; }

std::string inRun(const std::string& runDir, const std::string& name) {
  return (std::filesystem::path(runDir) / name).string();
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int cmdEval(const Args& args) {
  if (args.positionals().size() != 1) throw std::invalid_argument("eval needs one RUN_FOLDER");
  const std::string run = args.positionals()[0];
  const bool all = args.has("all");
  auto flag = [&](const char* name) {
    args.value(name);
    return all || args.has(name);
  };
  bool knn = flag("knn");
  const bool linear = flag("linear"), retrieval = flag("retrieval"), alignment = flag("alignment"), pca = flag("pca"),
             tsne = flag("tsne"), finetune = flag("finetune"), embedding = flag("export-embedding"),
             encoder = flag("export-encoder");
  args.value("all");
  if (!(knn || linear || retrieval || alignment || pca || tsne || finetune || embedding || encoder)) knn = true;
  const bool stagesGiven = args.has("stages");
  const std::string stagesText = args.value("stages", "");
  const auto ks = intList("knn-k", args.value("knn-k", "20,200"));
  const double temperature = args.number("knn-temperature", 0.07);
  LinearProbeOptions probe;
  probe.epochs = int(args.integer("probe-epochs", probe.epochs));
  probe.batchSize = int(args.integer("probe-batch-size", probe.batchSize));
  probe.learningRate = args.number("probe-lr", probe.learningRate);
  probe.weightDecay = args.number("probe-weight-decay", probe.weightDecay);
  probe.poolGrid = int(args.integer("probe-grid", probe.poolGrid));
  probe.trainLimit = args.integer("train-limit", 0);
  probe.testLimit = args.integer("test-limit", 0);
  RetrievalOptions ret;
  ret.precisionAt = intList("precision-at", args.value("precision-at", "1,10,100"));
  ret.mapCutoff = int(args.integer("map-cutoff", 0));
  ret.queryLimit = args.integer("test-limit", 0);
  const std::int64_t projectionLimit = args.integer("projection-limit", 2000);
  const std::int64_t alignmentImages = args.integer("alignment-images", 2000);
  TsneOptions tsneOptions;
  tsneOptions.perplexity = args.number("perplexity", tsneOptions.perplexity);
  tsneOptions.iterations = int(args.integer("tsne-iterations", tsneOptions.iterations));
  FineTuneOptions ft;
  ft.epochs = int(args.integer("finetune-epochs", ft.epochs));
  ft.testLimit = args.integer("test-limit", 0);
  const std::string device = args.value("device", "auto");
  const int threads = int(args.integer("threads", 0));
  args.rejectUnused();

  Evaluator ev(run, device);
  setTorchThreads(threads);
  std::printf("%s: %s, %s\n", run.c_str(), ev.method().c_str(), ev.backbone().c_str());
  std::fflush(stdout);
  if (knn) {
    const auto stages = stagesGiven ? stageList(stagesText) : std::vector<std::string>{""};
    std::printf("\nweighted k-NN (T=%g), test accuracy:\n  %-8s", temperature, "stage");
    for (int k : ks) std::printf(" %8s", ("k=" + std::to_string(k)).c_str());
    std::printf("\n");
    std::string csv = "stage,k,temperature,accuracy\n";
    for (const auto& s : stages) {
      std::printf("  %-8s", stageName(s).c_str());
      for (const auto& r : ev.knn({s}, ks, temperature)) {
        std::printf(" %7.2f%%", 100.0 * r.accuracy);
        char line[128];
        std::snprintf(line, sizeof line, "%s,%d,%g,%.6f\n", stageName(s).c_str(), r.k, r.temperature, r.accuracy);
        csv += line;
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    writeText(inRun(run, "knn.csv"), csv);
  }
  if (linear) {
    std::vector<std::string> stages;
    if (stagesGiven) {
      stages = stageList(stagesText);
    } else {
      stages = ev.stages();
      stages.push_back("");
    }
    const auto t0 = Clock::now();
    std::printf("\nlinear probe (%d epochs, grid %dx%d, lr %g, wd %g), test accuracy:\n", probe.epochs, probe.poolGrid,
                probe.poolGrid, probe.learningRate, probe.weightDecay);
    std::fflush(stdout);
    const auto rows = ev.linearProbe(stages, probe);
    std::string table, csv = "stage,feature_dim,accuracy,train_accuracy,seconds\n";
    char line[160];
    std::snprintf(line, sizeof line, "  %-8s %6s %9s %9s\n", "stage", "dim", "test", "train");
    table += line;
    for (const auto& r : rows) {
      std::snprintf(line, sizeof line, "  %-8s %6d %8.2f%% %8.2f%%\n", stageName(r.stage).c_str(), r.featureDim,
                    100.0 * r.accuracy, 100.0 * r.trainAccuracy);
      table += line;
      std::snprintf(line, sizeof line, "%s,%d,%.6f,%.6f,%.2f\n", stageName(r.stage).c_str(), r.featureDim, r.accuracy,
                    r.trainAccuracy, r.seconds);
      csv += line;
    }
    std::printf("%s  (%.0f s)\n", table.c_str(), secondsSince(t0));
    writeText(inRun(run, "linear_probe.csv"), csv);
    savePng(textImage(ev.method() + " (" + ev.backbone() + "): linear probe\n\n" + table, 2),
            inRun(run, "linear_probe.png"));
  }
  if (retrieval) {
    const auto t0 = Clock::now();
    const auto r = ev.retrieval(ret);
    std::printf("\nretrieval (%lld test queries, %lld training images, cosine on %s features):\n",
                static_cast<long long>(r.queries), static_cast<long long>(r.database), stageName(r.stage).c_str());
    std::string csv = "metric,value\n";
    for (std::size_t i = 0; i < r.ks.size(); ++i) {
      std::printf("  P@%-5d %.2f%%\n", r.ks[i], 100.0 * r.precisionAtK[i]);
      csv += "precision_at_" + std::to_string(r.ks[i]) + "," + std::to_string(r.precisionAtK[i]) + "\n";
    }
    std::printf("  mAP%s %.2f%%  (%.0f s)\n", r.mapCutoff ? ("@" + std::to_string(r.mapCutoff)).c_str() : "   ",
                100.0 * r.meanAveragePrecision, secondsSince(t0));
    csv += "map" + (r.mapCutoff ? "_at_" + std::to_string(r.mapCutoff) : std::string()) + "," +
           std::to_string(r.meanAveragePrecision) + "\n";
    writeText(inRun(run, "retrieval.csv"), csv);
  }
  if (alignment) {
    const auto r = ev.alignmentUniformity(alignmentImages);
    std::printf("\nalignment %.4f, uniformity %.4f (%lld test images, two %s views; lower is better)\n", r.alignment,
                r.uniformity, static_cast<long long>(r.images), r.augment.c_str());
  }
  for (const auto& [on, kind] : {std::make_pair(pca, std::string("pca")), std::make_pair(tsne, std::string("tsne"))}) {
    if (!on) continue;
    const auto p = ev.projection(kind, projectionLimit, tsneOptions);
    const std::string png = inRun(run, kind + ".png");
    savePng(scatterPlot(p), png);
    std::printf("\n%s of %zu test images: %s (%.1f s)\n", kind.c_str(), p.x.size(), png.c_str(), p.seconds);
  }
  if (finetune) {
    std::printf("\nfine-tuning (%d epochs), test accuracy:\n", ft.epochs);
    std::fflush(stdout);
    for (const auto& r : ev.fineTune(ft)) {
      std::printf("  %5.1f%% of the labels (%lld images): %.2f%%  (%.0f s)\n", 100.0 * r.fraction,
                  static_cast<long long>(r.labelledImages), 100.0 * r.accuracy, r.seconds);
      std::fflush(stdout);
    }
  }
  if (embedding) {
    ev.exportEmbedding(inRun(run, "embedding.npy"), inRun(run, "labels.npy"));
    std::printf("\nwrote %s and %s (pooled test features and labels)\n", inRun(run, "embedding.npy").c_str(),
                inRun(run, "labels.npy").c_str());
  }
  if (encoder) {
    ev.exportEncoder(inRun(run, "encoder.pt"));
    std::printf("\nwrote %s (torch.load: state_dict, mean, std, architecture)\n", inRun(run, "encoder.pt").c_str());
  }
  ev.saveResults();
  std::printf("\nsaved %s\n", inRun(run, "eval.json").c_str());
  return 0;
}

int cmdViews(const Args& args) {
  if (args.positionals().size() != 1) throw std::invalid_argument("views needs one RUN_FOLDER");
  const std::string run = args.positionals()[0];
  args.value("filters");
  args.value("attention");
  args.value("gallery");
  bool filters = args.has("filters"), attention = args.has("attention");
  const bool gallery = args.has("gallery");
  if (!filters && !attention && !gallery) filters = attention = true;
  const std::string imagesText = args.value("images", "");
  const std::string stagesText = args.value("stages", "conv1,conv3,conv5");
  const double p = args.number("p", 2.0);
  const int k = int(args.integer("k", 8));
  const std::string against = args.value("against", "");
  const std::string device = args.value("device", "auto");
  const int threads = int(args.integer("threads", 0));
  args.rejectUnused();

  Evaluator ev(run, device);
  std::unique_ptr<Evaluator> other;
  if (!against.empty()) other = std::make_unique<Evaluator>(against, device);
  setTorchThreads(threads);
  const auto images = imagesText.empty() ? ev.sampleTestImages(8) : indexList("images", imagesText);
  auto stagesFor = [&](const Evaluator& e) {
    // Stage names that the backbone lacks (e.g. conv5 on a ResNet) fall back to its own first,
    // middle and last stages.
    std::vector<std::string> wanted = stageList(stagesText), own = e.stages();
    for (const auto& s : wanted)
      if (std::find(own.begin(), own.end(), s) == own.end()) return std::vector<std::string>{own.front(), own[own.size() / 2], own.back()};
    return wanted;
  };
  auto label = [](const Evaluator& e, const std::string& dir) {
    std::string name = std::filesystem::path(dir).filename().string();
    if (name.empty()) name = std::filesystem::path(dir).parent_path().filename().string();
    return name + " (" + e.method() + ")";
  };
  auto write = [&](const Image& image, const std::string& name) {
    savePng(image, inRun(run, name));
    std::printf("wrote %s\n", inRun(run, name).c_str());
  };
  const std::string suffix = other ? "-vs-" + std::filesystem::path(against).filename().string() : "";
  if (filters) {
    Image f = ev.filterGrid();
    if (other) f = sideBySide(f, label(ev, run), other->filterGrid(), label(*other, against));
    write(f, "filters" + suffix + ".png");
  }
  if (attention) {
    Image a = ev.attentionMaps(images, stagesFor(ev), p);
    if (other) a = sideBySide(a, label(ev, run), other->attentionMaps(images, stagesFor(*other), p), label(*other, against));
    write(a, "attention" + suffix + ".png");
  }
  if (gallery) {
    Image g = ev.retrievalGallery(images, k);
    if (other) g = sideBySide(g, label(ev, run), other->retrievalGallery(images, k), label(*other, against));
    write(g, "retrieval" + suffix + ".png");
  }
  return 0;
}

int cmdCompare(const Args& args) {
  if (args.positionals().empty()) throw std::invalid_argument("compare needs one or more RUN_FOLDERs");
  const std::string prefix = args.value("out", "compare");
  args.rejectUnused();
  std::vector<RunSummary> runs;
  for (const auto& dir : args.positionals()) {
    if (!std::filesystem::exists(std::filesystem::path(dir) / "config.json")) {
      std::fprintf(stderr, "skipping %s: not a run folder\n", dir.c_str());
      continue;
    }
    runs.push_back(summarizeRun(dir));
  }
  if (runs.empty()) throw std::invalid_argument("compare: none of the folders is a run folder (no config.json)");
  const std::string md = resultsMarkdown(runs);
  std::printf("%s", md.c_str());
  writeText(prefix + ".csv", resultsCsv(runs));
  writeText(prefix + ".md", md);
  savePng(textImage(md), prefix + ".png");
  std::fprintf(stderr, "wrote %s.csv, %s.md and %s.png\n", prefix.c_str(), prefix.c_str(), prefix.c_str());
  return 0;
}

}  // namespace pretext::cli

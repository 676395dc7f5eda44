// pretext-cli eval / views / compare: the evaluation protocols, feature views and the results table
// over run folders. What eval measures goes into the run folder's eval.json (read by compare).
#include "commands.h"
#include "progressbar.h"

#include <pretext/backbones.h>
#include <pretext/evaluation.h>
#include <pretext/imagefile.h>
#include <pretext/numbers.h>
#include <pretext/training.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace pretext::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> stageList(const std::string& text) {
  std::vector<std::string> list;
  for (auto s : splitList(text)) list.push_back(s == "pooled" ? std::string() : s);
  return list;
}

std::vector<int> intList(const std::string& option, const std::string& text) {
  std::vector<int> out;
  for (const auto& item : splitList(text)) {
    double v = 0.0;
    if (!parseNumber(item, v) || v != double(int(v))) {
      throw std::invalid_argument("--" + option + " expects whole numbers like 20,200, got '" + text + "'");
    }
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

std::string percent(double fraction, int decimals = 2) { return formatFixed(100.0 * fraction, decimals) + "%"; }

std::string inRun(const std::string& runDir, const std::string& name) {
  return (std::filesystem::path(runDir) / name).string();
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string padLeft(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

void addDeviceOptions(CLI::App& cmd, std::string& device, int& threads) {
  cmd.add_option("--device", device, "auto, cpu, cuda")->capture_default_str();
  cmd.add_option("--threads", threads, "CPU threads (0: all cores)")->capture_default_str();
}

struct EvalOptions {
  std::string run;
  std::string evalDataset;
  bool all = false, knn = false, linear = false, retrieval = false, alignment = false, pca = false, tsne = false,
       finetune = false, embedding = false, encoder = false;
  std::string stages;
  std::string knnK = "20,200";
  double temperature = 0.07;
  LinearProbeOptions probe;
  std::string precisionAt = "1,10,100";
  int mapCutoff = 0;
  std::int64_t trainLimit = 0, testLimit = 0;
  std::int64_t projectionLimit = 2000, alignmentImages = 2000;
  TsneOptions tsneOptions;
  FineTuneOptions fineTune;
  std::string device = "auto";
  int threads = 0;
  bool quiet = false;
};

int runEval(EvalOptions& o, bool stagesGiven) {
  const std::string& run = o.run;
  const auto flag = [&](bool on) { return o.all || on; };
  bool knn = flag(o.knn);
  const bool linear = flag(o.linear), retrieval = flag(o.retrieval), alignment = flag(o.alignment), pca = flag(o.pca),
             tsne = flag(o.tsne), finetune = flag(o.finetune), embedding = flag(o.embedding), encoder = flag(o.encoder);
  if (!(knn || linear || retrieval || alignment || pca || tsne || finetune || embedding || encoder)) knn = true;
  const auto ks = intList("knn-k", o.knnK);
  LinearProbeOptions& probe = o.probe;
  probe.trainLimit = o.trainLimit;
  probe.testLimit = o.testLimit;
  RetrievalOptions ret;
  ret.precisionAt = intList("precision-at", o.precisionAt);
  ret.mapCutoff = o.mapCutoff;
  ret.queryLimit = o.testLimit;
  FineTuneOptions& ft = o.fineTune;
  ft.testLimit = o.testLimit;

  Evaluator ev(run, o.device, o.evalDataset);
  setTorchThreads(o.threads);
  // Long steps show their progress on stderr; stdout keeps the results alone.
  StepProgress progress(o.quiet);
  ev.setProgress([&progress](std::int64_t done, std::int64_t total) { progress.report(done, total); });
  const auto features = [&](const std::string& what) { progress.setSteps({{what + ": features", "images"}}); };
  std::printf("%s: %s, %s\n", run.c_str(), ev.method().c_str(), ev.backbone().c_str());
  std::fflush(stdout);
  if (knn) {
    const auto stages = stagesGiven ? stageList(o.stages) : std::vector<std::string>{""};
    std::printf("\nweighted k-NN (T=%s), test accuracy:\n  %-8s", formatGeneral(o.temperature).c_str(), "stage");
    for (int k : ks) std::printf(" %8s", ("k=" + std::to_string(k)).c_str());
    std::printf("\n");
    std::string csv = "stage,k,temperature,accuracy\n";
    for (const auto& s : stages) {
      features("k-NN " + stageName(s));
      const auto results = ev.knn({s}, ks, o.temperature);
      progress.finish();
      std::printf("  %-8s", stageName(s).c_str());
      for (const auto& r : results) {
        std::printf(" %8s", percent(r.accuracy).c_str());
        csv += stageName(s) + "," + std::to_string(r.k) + "," + formatGeneral(r.temperature) + "," +
               formatFixed(r.accuracy, 6) + "\n";
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    writeText(inRun(run, "knn.csv"), csv);
  }
  if (linear) {
    std::vector<std::string> stages;
    if (stagesGiven) {
      stages = stageList(o.stages);
    } else {
      stages = ev.stages();
      stages.push_back("");
    }
    const auto t0 = Clock::now();
    std::printf("\nlinear probe (%d epochs, grid %dx%d, lr %s, wd %s), test accuracy:\n", probe.epochs, probe.poolGrid,
                probe.poolGrid, formatGeneral(probe.learningRate).c_str(), formatGeneral(probe.weightDecay).c_str());
    std::fflush(stdout);
    progress.setSteps({{"linear probe: features, then epochs", "images"}});
    const auto rows = ev.linearProbe(stages, probe);
    progress.finish();
    std::string table, csv = "stage,feature_dim,accuracy,train_accuracy,seconds\n";
    char line[160];
    std::snprintf(line, sizeof line, "  %-8s %6s %9s %9s\n", "stage", "dim", "test", "train");
    table += line;
    for (const auto& r : rows) {
      std::snprintf(line, sizeof line, "  %-8s %6d %9s %9s\n", stageName(r.stage).c_str(), r.featureDim,
                    percent(r.accuracy).c_str(), percent(r.trainAccuracy).c_str());
      table += line;
      csv += stageName(r.stage) + "," + std::to_string(r.featureDim) + "," + formatFixed(r.accuracy, 6) + "," +
             formatFixed(r.trainAccuracy, 6) + "," + formatFixed(r.seconds, 2) + "\n";
    }
    std::printf("%s  (%s s)\n", table.c_str(), formatFixed(secondsSince(t0), 0).c_str());
    writeText(inRun(run, "linear_probe.csv"), csv);
    savePng(textImage(ev.method() + " (" + ev.backbone() + "): linear probe\n\n" + table, 2),
            inRun(run, "linear_probe.png"));
    // The confusion of the pooled features' probe (else of the last stage probed).
    const auto shown = std::find_if(rows.begin(), rows.end(), [](const StageAccuracy& r) { return r.stage.empty(); });
    if (!rows.empty()) {
      const auto& confusion = (shown != rows.end() ? *shown : rows.back()).confusion;
      const auto written = saveConfusion(confusion, run);
      std::printf("confusion matrix (%s features, rows: true class): %s, %s; per test image: %s\n",
                  stageName(confusion.stage).c_str(), written[0].c_str(), written[1].c_str(), written[2].c_str());
    }
  }
  if (retrieval) {
    const auto t0 = Clock::now();
    features("retrieval");
    const auto r = ev.retrieval(ret);
    progress.finish();
    std::printf("\nretrieval (%lld test queries, %lld training images, cosine on %s features):\n",
                static_cast<long long>(r.queries), static_cast<long long>(r.database), stageName(r.stage).c_str());
    std::string csv = "metric,value\n";
    for (std::size_t i = 0; i < r.ks.size(); ++i) {
      std::printf("  P@%-5d %s\n", r.ks[i], percent(r.precisionAtK[i]).c_str());
      csv += "precision_at_" + std::to_string(r.ks[i]) + "," + formatFixed(r.precisionAtK[i], 6) + "\n";
    }
    std::printf("  mAP%s %s  (%s s)\n", r.mapCutoff ? ("@" + std::to_string(r.mapCutoff)).c_str() : "   ",
                percent(r.meanAveragePrecision).c_str(), formatFixed(secondsSince(t0), 0).c_str());
    csv += "map" + (r.mapCutoff ? "_at_" + std::to_string(r.mapCutoff) : std::string()) + "," +
           formatFixed(r.meanAveragePrecision, 6) + "\n";
    writeText(inRun(run, "retrieval.csv"), csv);
  }
  if (alignment) {
    const auto r = ev.alignmentUniformity(o.alignmentImages);
    std::printf("\nalignment %s, uniformity %s (%lld test images, two %s views; lower is better)\n",
                formatFixed(r.alignment, 4).c_str(), formatFixed(r.uniformity, 4).c_str(),
                static_cast<long long>(r.images), r.augment.c_str());
  }
  for (const auto& [on, kind] : {std::make_pair(pca, std::string("pca")), std::make_pair(tsne, std::string("tsne"))}) {
    if (!on) continue;
    if (kind == "tsne") progress.setSteps({{"t-SNE: features", "images"}, {"t-SNE", "iterations"}});
    else features("PCA");
    const auto p = ev.projection(kind, o.projectionLimit, o.tsneOptions);
    progress.finish();
    const std::string png = inRun(run, kind + ".png");
    savePng(scatterPlot(p), png);
    std::printf("\n%s of %zu test images: %s (%s s)\n", kind.c_str(), p.x.size(), png.c_str(),
                formatFixed(p.seconds, 1).c_str());
  }
  if (finetune) {
    std::printf("\nfine-tuning (%d epochs), test accuracy:\n", ft.epochs);
    std::fflush(stdout);
    progress.setSteps({{"fine-tuning", "images"}});
    const auto fineTuned = ev.fineTune(ft);
    progress.finish();
    for (const auto& r : fineTuned) {
      std::printf("  %s of the labels (%lld images): %s  (%s s)\n", padLeft(percent(r.fraction, 1), 6).c_str(),
                  static_cast<long long>(r.labelledImages), percent(r.accuracy).c_str(),
                  formatFixed(r.seconds, 0).c_str());
      // Beside the probe's confusion.csv, named by the fraction.
      const auto written = saveConfusion(r.confusion, run, fineTuneConfusionName(r.fraction));
      std::printf("    confusion matrix (rows: true class): %s, %s; per test image: %s\n", written[0].c_str(),
                  written[1].c_str(), written[2].c_str());
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

struct ViewsOptions {
  std::string run;
  bool filters = false, attention = false, gallery = false;
  std::string images;
  std::string stages = "conv1,conv3,conv5";
  double p = 2.0;
  int k = 8;
  std::string against;
  std::string similarity;       // QUERY:NEIGHBOUR
  std::string similarityStage;  // "" the last stage
  std::string device = "auto";
  int threads = 0;
  bool quiet = false;
};

// --similarity QUERY:NEIGHBOUR: QUERY a test image index or an image file, NEIGHBOUR a training
// image index or #K, the query's K-th nearest training image. Splits at the last ':' (a path may
// hold one).
struct SimilarityPair {
  std::string queryFile;          // empty: a test image
  std::int64_t queryIndex = -1;
  std::int64_t neighbourIndex = -1;
  int neighbourRank = 0;          // > 0: the K-th nearest neighbour
};

SimilarityPair parseSimilarityPair(const std::string& text) {
  const auto colon = text.rfind(':');
  const std::string usage = "--similarity expects QUERY:NEIGHBOUR (QUERY a test image index or an image file, "
                            "NEIGHBOUR a training image index or #K for the K-th nearest), got '" + text + "'";
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) throw std::invalid_argument(usage);
  const std::string q = text.substr(0, colon), n = text.substr(colon + 1);
  SimilarityPair pair;
  double v = 0.0;
  if (parseNumber(q, v) && v == double(std::int64_t(v)) && v >= 0) pair.queryIndex = std::int64_t(v);
  else if (std::filesystem::is_regular_file(q)) pair.queryFile = q;
  else throw std::invalid_argument("--similarity: '" + q + "' is neither a test image index nor an image file");
  const bool rank = n[0] == '#';
  if (!parseNumber(rank ? n.substr(1) : n, v) || v != double(std::int64_t(v)) || v < (rank ? 1 : 0)) {
    throw std::invalid_argument(usage);
  }
  if (rank) pair.neighbourRank = int(v);
  else pair.neighbourIndex = std::int64_t(v);
  return pair;
}

// Query, neighbour and their similarity maps as one sheet with captions.
Image similaritySheet(Evaluator& ev, const SimilarityPair& pair, const std::string& stage, std::string& title) {
  const auto& ds = ev.dataset();
  Image query;
  std::string queryCaption;
  if (!pair.queryFile.empty()) {
    query = ev.readQueryImage(pair.queryFile);
    queryCaption = std::filesystem::path(pair.queryFile).filename().string();
  } else {
    if (pair.queryIndex >= ds.size(Split::Test)) {
      throw std::invalid_argument("--similarity: test image " + std::to_string(pair.queryIndex) +
                                  " does not exist (the test split has " + std::to_string(ds.size(Split::Test)) + ")");
    }
    query = ds.image(Split::Test, pair.queryIndex);
    queryCaption = "test #" + std::to_string(pair.queryIndex);
  }
  std::int64_t n = pair.neighbourIndex;
  if (pair.neighbourRank > 0) {
    const auto nb = pair.queryFile.empty() ? ev.neighbours({pair.queryIndex}, pair.neighbourRank).front()
                                           : ev.neighboursOfImage(query, pair.neighbourRank);
    n = nb.indices.back();
  }
  if (n >= ds.size(Split::Train)) {
    throw std::invalid_argument("--similarity: training image " + std::to_string(n) +
                                " does not exist (the training split has " + std::to_string(ds.size(Split::Train)) + ")");
  }
  const Image neighbour = ds.image(Split::Train, n);
  const int scale = std::max(1, 112 / std::max(1, ds.height()));
  const auto maps = ev.similarityMaps(query, neighbour, stage, scale);
  title = queryCaption + " and train #" + std::to_string(n) + ": cosine similarity " + formatFixed(maps.similarity, 4) +
          ", maps at " + maps.stage;
  auto named = [&](const std::string& caption, Split split, std::int64_t i) {
    const int label = i >= 0 ? ds.label(split, i) : -1;
    return label >= 0 && std::size_t(label) < ds.classNames().size() ? caption + " " + ds.classNames()[std::size_t(label)]
                                                                    : caption;
  };
  const std::vector<Image> tiles = {toRgb(upscale(query, scale)), toRgb(upscale(neighbour, scale)), maps.queryOverlay,
                                    maps.neighbourOverlay};
  const std::vector<std::string> captions = {
      named(queryCaption, Split::Test, pair.queryFile.empty() ? pair.queryIndex : -1),
      named("train #" + std::to_string(n), Split::Train, n), "query: why similar", "neighbour: why similar"};
  // The title (what the maps explain) over the four tiles.
  const Image grid = makeGrid(tiles, 4, 6, captions);
  Image sheet(std::max(grid.width, int(title.size()) * 6 + 12), grid.height + 20, 3);
  std::fill(sheet.pixels.begin(), sheet.pixels.end(), std::uint8_t(255));
  const Image rgb = toRgb(grid);
  for (int y = 0; y < rgb.height; ++y) std::copy(rgb.at(0, y), rgb.at(0, y) + 3 * rgb.width, sheet.at(0, y + 20));
  drawText(sheet, 6, 5, title, 20, 20, 20);
  return sheet;
}

int runViews(const ViewsOptions& o) {
  const std::string& run = o.run;
  bool filters = o.filters, attention = o.attention;
  if (!filters && !attention && !o.gallery && o.similarity.empty()) filters = attention = true;
  const SimilarityPair similarityPair = o.similarity.empty() ? SimilarityPair{} : parseSimilarityPair(o.similarity);
  Evaluator ev(run, o.device);
  std::unique_ptr<Evaluator> other;
  if (!o.against.empty()) other = std::make_unique<Evaluator>(o.against, o.device);
  setTorchThreads(o.threads);
  // The neighbours' features (gallery, #K) show their progress on stderr.
  StepProgress progress(o.quiet);
  progress.setSteps({{"neighbours: features", "images"}});
  for (Evaluator* e : {&ev, other.get()}) {
    if (e) e->setProgress([&progress](std::int64_t done, std::int64_t total) { progress.report(done, total); });
  }
  const auto images = o.images.empty() ? ev.sampleTestImages(8) : indexList("images", o.images);
  auto stagesFor = [&](const Evaluator& e) {
    // Stage names that the backbone lacks (e.g. conv5 on a ResNet) fall back to its own first,
    // middle and last stages.
    std::vector<std::string> wanted = stageList(o.stages), own = e.stages();
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
  const std::string suffix = other ? "-vs-" + std::filesystem::path(o.against).filename().string() : "";
  if (filters) {
    Image f = ev.filterGrid();
    if (other) f = sideBySide(f, label(ev, run), other->filterGrid(), label(*other, o.against));
    write(f, "filters" + suffix + ".png");
    const FilterMeasures m = ev.filterMeasures();
    const FilterBank start = ev.initialFilters();
    std::printf("first layer: edge-likeness %s", formatFixed(m.edgeLikeness, 4).c_str());
    if (!start.empty()) {
      std::printf(" (initial %s), mean change from the initial weights %s (%s%% of their mean size)",
                  formatFixed(measureFilters(start).edgeLikeness, 4).c_str(), formatGeneral(m.change, 4).c_str(),
                  formatFixed(100.0 * m.change / m.startMagnitude, 1).c_str());
    }
    std::printf("\n");
  }
  if (attention) {
    Image a = ev.attentionMaps(images, stagesFor(ev), o.p);
    if (other) {
      a = sideBySide(a, label(ev, run), other->attentionMaps(images, stagesFor(*other), o.p), label(*other, o.against));
    }
    write(a, "attention" + suffix + ".png");
  }
  if (o.gallery) {
    Image g = ev.retrievalGallery(images, o.k);
    if (other) g = sideBySide(g, label(ev, run), other->retrievalGallery(images, o.k), label(*other, o.against));
    write(g, "retrieval" + suffix + ".png");
  }
  if (!o.similarity.empty()) {
    std::string title, otherTitle;
    Image sheet = similaritySheet(ev, similarityPair, o.similarityStage, title);
    std::printf("%s\n", title.c_str());
    if (other) {
      // The other backbone's stage at the same depth when it lacks this one.
      const std::string stage =
          o.similarityStage.empty() ? "" : equivalentStage(ev.stages(), o.similarityStage, other->stages());
      const Image second = similaritySheet(*other, similarityPair, stage, otherTitle);
      std::printf("%s: %s\n", label(*other, o.against).c_str(), otherTitle.c_str());
      sheet = sideBySide(sheet, label(ev, run), second, label(*other, o.against));
    }
    std::string name = "similarity-" + (similarityPair.queryFile.empty()
                                            ? std::to_string(similarityPair.queryIndex)
                                            : std::filesystem::path(similarityPair.queryFile).stem().string());
    name += similarityPair.neighbourRank > 0 ? "-nn" + std::to_string(similarityPair.neighbourRank)
                                             : "-train" + std::to_string(similarityPair.neighbourIndex);
    write(sheet, name + suffix + ".png");
  }
  return 0;
}

int runCompare(const std::vector<std::string>& dirs, const std::string& prefix) {
  std::vector<RunSummary> runs;
  for (const auto& dir : dirs) {
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

}  // namespace

Command addEval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "evaluate a run: k-NN, linear probe, retrieval, t-SNE ...");
  cmd->footer(
      "Evaluates a run's encoder on the test split and saves the results in RUN_FOLDER/eval.json\n"
      "(read by `pretext-cli compare`), with a CSV (and PNG) per table. Without a protocol: --knn.");
  auto o = std::make_shared<EvalOptions>();
  cmd->add_option("RUN_FOLDER", o->run, "a run folder written by pretext-cli train or the window")->required();
  cmd->add_option("--eval-dataset", o->evalDataset,
                  "evaluate on this labelled dataset instead of the run's (its --eval-dataset, else its --dataset)");
  const std::string protocols = "Protocols";
  cmd->add_flag("--knn", o->knn, "weighted k-NN (cosine, InstDisc) at k=20 and 200 -> knn.csv")->group(protocols);
  cmd->add_flag("--linear", o->linear, "linear probe per stage (conv1..conv5 and pooled) -> linear_probe.csv/.png,\n"
                "confusion.csv/.png (pooled probe; rows: true class) and confusion_predictions.csv")
      ->group(protocols);
  cmd->add_flag("--retrieval", o->retrieval,
                "queries = test images, database = training split: P@K, mAP -> retrieval.csv")
      ->group(protocols);
  cmd->add_flag("--alignment", o->alignment,
                "alignment and uniformity of the normalised embedding (Wang & Isola 2020)")
      ->group(protocols);
  cmd->add_flag("--pca", o->pca, "2-D map of the pooled test features -> pca.png")->group(protocols);
  cmd->add_flag("--tsne", o->tsne, "2-D map of the pooled test features -> tsne.png")->group(protocols);
  cmd->add_flag("--finetune", o->finetune, "fine-tune encoder + linear head with 1% and 10% of the labels\n"
                "-> confusion_finetune_1pct.csv/.png, confusion_finetune_10pct.csv/.png")
      ->group(protocols);
  cmd->add_flag("--export-embedding", o->embedding, "embedding.npy + labels.npy (pooled test features) for NumPy")
      ->group(protocols);
  cmd->add_flag("--export-encoder", o->encoder,
                "encoder.pt: torch.load gives state_dict, mean, std and the architecture")
      ->group(protocols);
  cmd->add_flag("--all", o->all, "everything above")->group(protocols);
  auto* stages = cmd->add_option("--stages", o->stages,
                                 "stages, comma-separated; an empty name or 'pooled' is the pooled output\n"
                                 "(k-NN default: pooled; linear default: every stage and pooled)");
  cmd->add_option("--knn-k", o->knnK, "neighbour counts, comma-separated")->capture_default_str();
  addNumber(*cmd, "--knn-temperature", o->temperature, "temperature of the k-NN vote");
  cmd->add_option("--probe-epochs", o->probe.epochs)->capture_default_str();
  cmd->add_option("--probe-grid", o->probe.poolGrid, "pool conv maps to GxG")->capture_default_str();
  addNumber(*cmd, "--probe-lr", o->probe.learningRate, "learning rate of the linear probe");
  addNumber(*cmd, "--probe-weight-decay", o->probe.weightDecay, "weight decay of the linear probe");
  cmd->add_option("--probe-batch-size", o->probe.batchSize, "0: full batch")->capture_default_str();
  cmd->add_option("--precision-at", o->precisionAt, "retrieval: the K of P@K, comma-separated")->capture_default_str();
  cmd->add_option("--map-cutoff", o->mapCutoff, "AP@N (0: the full ranking)")->capture_default_str();
  cmd->add_option("--train-limit", o->trainLimit, "use the first N training images (0: all)");
  cmd->add_option("--test-limit", o->testLimit, "use the first N test images (0: all)");
  cmd->add_option("--projection-limit", o->projectionLimit, "test images in the PCA and t-SNE maps")
      ->capture_default_str();
  addNumber(*cmd, "--perplexity", o->tsneOptions.perplexity, "t-SNE perplexity");
  cmd->add_option("--tsne-iterations", o->tsneOptions.iterations)->capture_default_str();
  cmd->add_option("--alignment-images", o->alignmentImages)->capture_default_str();
  cmd->add_option("--finetune-epochs", o->fineTune.epochs)->capture_default_str();
  addDeviceOptions(*cmd, o->device, o->threads);
  cmd->add_flag("--quiet", o->quiet, "no progress output on stderr");
  return {cmd, [o, stages] { return runEval(*o, stages->count() > 0); }};
}

Command addViews(CLI::App& app) {
  auto* cmd = app.add_subcommand("views", "filters, attention maps and retrieval galleries as PNG");
  cmd->footer("Writes PNGs into the run folder (default: --filters --attention).");
  auto o = std::make_shared<ViewsOptions>();
  cmd->add_option("RUN_FOLDER", o->run, "a run folder written by pretext-cli train or the window")->required();
  cmd->add_flag("--filters", o->filters, "first-layer filters, each normalised -> filters.png");
  cmd->add_flag("--attention", o->attention,
                "mean over channels of |activation|^p, overlaid on test images, per stage\n"
                "(ViT: [CLS] attention of the last block) -> attention.png");
  cmd->add_flag("--gallery", o->gallery, "each test image with its K nearest training images -> retrieval.png");
  cmd->add_option("--images", o->images, "test image indices, comma-separated (default: 8 spread over the classes)");
  cmd->add_option("--stages", o->stages, "attention stages")->capture_default_str();
  addNumber(*cmd, "--p", o->p, "attention exponent");
  cmd->add_option("--k", o->k, "gallery neighbours")->capture_default_str();
  cmd->add_option("--against", o->against, "the same views of a second run side by side -> *-vs-RUN2.png");
  cmd->add_option("--similarity", o->similarity,
                  "QUERY:NEIGHBOUR: why two images are neighbours, the Grad-CAM map of their cosine similarity\n"
                  "on both (no labels); QUERY a test image index or an image file, NEIGHBOUR a training\n"
                  "image index or #K for the K-th nearest -> similarity-QUERY-NEIGHBOUR.png");
  cmd->add_option("--similarity-stage", o->similarityStage, "the stage of the similarity maps (default: the last)");
  addDeviceOptions(*cmd, o->device, o->threads);
  cmd->add_flag("--quiet", o->quiet, "no progress output on stderr");
  return {cmd, [o] { return runViews(*o); }};
}

Command addCompare(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "the results table over run folders (CSV, Markdown)");
  cmd->footer(
      "The results table over run folders (config.json, metrics.csv, eval.json): method, backbone,\n"
      "epochs, k-NN, linear probe per stage, fine-tune 1%/10%, retrieval mAP, training time,\n"
      "images/s. Prints Markdown; writes PREFIX.csv, PREFIX.md and PREFIX.png.");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto prefix = std::make_shared<std::string>("compare");
  cmd->add_option("RUN_FOLDER", *dirs, "run folders; others are skipped")->required();
  cmd->add_option("--out", *prefix, "PREFIX of the files written")->capture_default_str();
  return {cmd, [dirs, prefix] { return runCompare(*dirs, *prefix); }};
}

}  // namespace pretext::cli

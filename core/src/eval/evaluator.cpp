// The Evaluator: a run folder's (or a live trainer's) encoder under the evaluation protocols, and
// eval.json, the record that `pretext-cli compare` reads.
#include "augment/augment.h"
#include "datasets/datasetdata.h"
#include "eval/embedding.h"
#include "eval/export.h"
#include "eval/features.h"
#include "eval/finetune.h"
#include "eval/linearprobe.h"
#include "eval/retrieval.h"
#include "eval/similaritymap.h"
#include "eval/views.h"
#include "features/knn.h"
#include "io/fileutil.h"
#include "pretext/evaluation.h"
#include "pretext/imagefile.h"
#include "pretext/numbers.h"
#include "pretext/training.h"
#include "run/model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>

namespace pretext {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string stageKey(const std::string& stage) { return stage.empty() ? "pooled" : stage; }

std::string numberKey(double v) { return formatGeneral(v, 6); }

}  // namespace

struct Evaluator::Impl {
  std::string runDir;
  std::shared_ptr<Model> model;  // shared with a live Trainer, or built from the run folder
  torch::Tensor trainImages, trainLabels, testImages, testLabels;  // CPU, whole splits
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> normalised;  // stage -> (train, test) unit features
  Json results = Json::object();
  ProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
  int64_t workDone = 0, workTotal = 0;  // the current step's progress
  bool fromCheckpoint = false;  // opened from a run folder's last.pt (not sharing a live trainer's model)
  bool savedRead = false;
  std::optional<eval::CheckpointFeatures> saved;  // the monitor's features of that checkpoint, when usable
  int64_t reusedImages = 0;

  void checkCancel() const {
    if (cancel && cancel->load()) throw Cancelled();
  }
  /// A new step of `total` units (reported at 0 of total).
  void beginWork(int64_t total) {
    checkCancel();
    workDone = 0;
    workTotal = std::max<int64_t>(total, 0);
    if (progress) progress(workDone, workTotal);
  }
  /// `n` more units of the step done; stops with Cancelled when asked to.
  void advance(int64_t n) {
    workDone = std::min(workTotal, workDone + n);
    if (progress) progress(workDone, workTotal);
    checkCancel();
  }
  /// Images per chunk between two progress reports (and cancel checks).
  int64_t chunkSize() const { return model->device.is_cpu() ? 1024 : 8192; }

  /// eval::extractFeatures in chunks, reporting each (its batches are independent: eval mode).
  torch::Tensor features(const torch::Tensor& images, const std::string& stage, const eval::ExtractOptions& options = {}) {
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < images.size(0); i += chunkSize()) {
      const auto part = images.slice(0, i, std::min(i + chunkSize(), images.size(0)));
      parts.push_back(eval::extractFeatures(backbone(), part, model->mean, model->std, stage, model->device, options));
      advance(part.size(0));
    }
    return parts.empty() ? eval::extractFeatures(backbone(), images, model->mean, model->std, stage, model->device, options)
                         : torch::cat(parts);
  }
  /// eval::extractStageFeatures in chunks, reporting each.
  std::map<std::string, torch::Tensor> stageFeatures(const torch::Tensor& images, const std::vector<std::string>& stages,
                                                     int64_t grid) {
    std::map<std::string, std::vector<torch::Tensor>> parts;
    for (int64_t i = 0; i < images.size(0); i += chunkSize()) {
      const auto part = images.slice(0, i, std::min(i + chunkSize(), images.size(0)));
      for (auto& [s, f] : eval::extractStageFeatures(backbone(), part, model->mean, model->std, stages, model->device, grid))
        parts[s].push_back(f);
      advance(part.size(0));
    }
    if (parts.empty()) return eval::extractStageFeatures(backbone(), images, model->mean, model->std, stages, model->device, grid);
    std::map<std::string, torch::Tensor> out;
    for (auto& [s, list] : parts) out[s] = torch::cat(list);
    return out;
  }

  Confusion confusion(const std::string& stage, const torch::Tensor& predictions, const torch::Tensor& confidence,
                      int64_t m) const {
    const auto l = testLabels.slice(0, 0, m).to(torch::kCPU, torch::kLong).contiguous();
    const auto p = predictions.to(torch::kCPU, torch::kLong).contiguous();
    const auto c = confidence.to(torch::kCPU, torch::kFloat).contiguous();
    std::vector<int> labels(static_cast<std::size_t>(m)), predicted(static_cast<std::size_t>(m));
    std::vector<float> conf(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    for (int64_t i = 0; i < m; ++i) {
      labels[std::size_t(i)] = int(l.data_ptr<int64_t>()[i]);
      predicted[std::size_t(i)] = int(p.data_ptr<int64_t>()[i]);
    }
    std::vector<std::string> names = model->dataset.classNames();
    for (int k = int(names.size()); k < numClasses(); ++k) names.push_back(std::to_string(k));
    Confusion out = confusionFromPredictions(labels, predicted, conf, names);
    out.stage = stage;
    return out;
  }

  models::BackboneImpl& backbone() const { return model->backbone(); }
  const TrainConfig& config() const { return model->config; }

  void open(std::shared_ptr<Model> opened) {
    model = std::move(opened);
    const auto& data = model->evaluation.data();
    const SplitData* train = data.find(Split::Train);
    const SplitData* test = data.find(Split::Test);
    if (train) {
      trainImages = train->images;
      trainLabels = train->labels;
    }
    if (test) {
      testImages = test->images;
      testLabels = test->labels;
    }
    if (!runDir.empty() && io::fileExists(io::joinPath(runDir, "eval.json"))) {
      const std::string path = io::joinPath(runDir, "eval.json");
      try {
        results = Json::parse(io::readTextFile(path));
      } catch (const Json::exception& e) {
        throw std::runtime_error(path + ": " + e.what());
      }
      if (!results.is_object()) throw std::runtime_error(path + ": expected an object");
    }
    results["dataset"] = config().dataset.toString();
    if (!config().evalDataset.empty()) results["eval_dataset"] = config().evalDataset;
    results["method"] = config().method;
    results["backbone"] = config().backbone;
  }

  /// Labelled train and test splits, or an error the user can act on.
  void requireLabels(const std::string& what) const {
    if (!trainImages.defined() || !testImages.defined() || trainLabels.numel() == 0 || testLabels.numel() == 0 ||
        trainLabels.min().item<int64_t>() < 0 || testLabels.min().item<int64_t>() < 0) {
      throw std::invalid_argument(what + " needs a dataset with labelled train and test splits; " +
                                  model->evaluation.name() + " has none" +
                                  (config().evalDataset.empty() ? " (give a labelled evaluation dataset: --eval-dataset DIR)" : ""));
    }
  }

  int64_t limited(int64_t n, int64_t limit) const { return limit > 0 ? std::min(n, limit) : n; }

  /// The k-NN monitor's features of this Evaluator's checkpoint (checkpoints/last_features.pt) when
  /// they were computed as unitFeatures computes them: same stage, device type, CPU bf16 and weights.
  const eval::CheckpointFeatures* savedFeatures(const std::string& stage) {
    if (!savedRead) {
      savedRead = true;
      if (fromCheckpoint) {
        saved = eval::loadCheckpointFeatures(eval::checkpointFeaturesPath(runDir), model->device);
        if (saved && (saved->device != torch::Device(model->device.type()).str() || saved->cpuBf16 != model->knnBf16() ||
                      saved->weights != eval::weightsFingerprint(backbone()))) {
          saved.reset();  // another device, precision or checkpoint
        }
      }
    }
    return saved && saved->stage == stage ? &*saved : nullptr;
  }

  const std::pair<torch::Tensor, torch::Tensor>& unitFeatures(const std::string& stage) {
    auto it = normalised.find(stage);
    if (it != normalised.end()) return it->second;
    // As the trainer's k-NN monitor computes them, so that the two agree on one checkpoint.
    const auto options = eval::ExtractOptions().cpuBf16(model->knnBf16());
    beginWork(trainImages.size(0) + testImages.size(0));
    const eval::CheckpointFeatures* kept = savedFeatures(stage);
    // A kept part is used only when it has a row for every image (the monitor may use fewer test images).
    int64_t reused = 0;
    const auto part = [&](const torch::Tensor* keptPart, const torch::Tensor& images) {
      if (!keptPart || keptPart->size(0) != images.size(0)) return features(images, stage, options);
      advance(images.size(0));
      reused += images.size(0);
      return *keptPart;
    };
    const torch::Tensor train = part(kept ? &kept->train : nullptr, trainImages);
    const torch::Tensor test = part(kept ? &kept->test : nullptr, testImages);
    reusedImages += reused;
    return normalised[stage] = {train, test};
  }

  int numClasses() const { return std::max(1, model->evaluation.numClasses()); }
};

Evaluator::Evaluator(const std::string& runDir, const std::string& device, const std::string& evalDataset)
    : m_impl(std::make_unique<Impl>()) {
  auto& d = *m_impl;
  const std::string configPath = io::joinPath(runDir, "config.json");
  if (!io::fileExists(configPath)) throw std::runtime_error(runDir + " is not a run folder (no config.json)");
  const std::string ckpt = io::joinPath(io::joinPath(runDir, "checkpoints"), "last.pt");
  if (!io::fileExists(ckpt)) throw std::runtime_error(runDir + " has no checkpoint yet (checkpoints/last.pt)");
  TrainConfig config = configFromJson(io::readTextFile(configPath));
  config.outDir.clear();  // evaluating writes nothing into the run through the model's config
  config.device = device;
  config.threads = 0;
  // The monitor's saved features are of the run's own evaluation dataset.
  const bool ownEvaluationData = evalDataset.empty() || evalDataset == config.evalDataset;
  if (!evalDataset.empty()) config.evalDataset = evalDataset;
  d.runDir = runDir;
  setTorchThreads(config.threads);
  keepLargeAllocations();
  // The process's generators are left alone (another thread may be training): the initial
  // weights drawn here are overwritten by the checkpoint's.
  auto model = buildModel(config, Dataset::load(config.dataset), resolveDevice(config.device));
  loadModelWeights(*model, ckpt);
  if (io::fileExists(initialFiltersPath(runDir))) model->initialFilters = loadInitialFilters(initialFiltersPath(runDir));
  d.fromCheckpoint = ownEvaluationData;
  d.open(std::move(model));
}

Evaluator::Evaluator(Trainer& trainer) : m_impl(std::make_unique<Impl>()) {
  m_impl->runDir = trainer.model()->config.outDir;
  m_impl->open(trainer.model());
}

Evaluator::~Evaluator() = default;

std::string Evaluator::runDir() const { return m_impl->runDir; }
std::int64_t Evaluator::reusedFeatureImages() const { return m_impl->reusedImages; }
void Evaluator::setProgress(ProgressFn progress, const std::atomic<bool>* cancel) {
  m_impl->progress = std::move(progress);
  m_impl->cancel = cancel;
}
std::string Evaluator::method() const { return m_impl->config().method; }
std::string Evaluator::backbone() const { return m_impl->config().backbone; }
std::vector<std::string> Evaluator::stages() const { return m_impl->backbone().stageNames(); }
const std::vector<std::string>& Evaluator::classNames() const { return m_impl->model->evaluation.classNames(); }
const Dataset& Evaluator::dataset() const { return m_impl->model->evaluation; }
std::vector<std::int64_t> Evaluator::sampleTestImages(int count) const {
  const auto& ds = m_impl->model->evaluation;
  if (!ds.hasSplit(Split::Test)) throw std::invalid_argument(ds.name() + " has no test split");
  return ds.sampleIndices(Split::Test, count);
}

std::vector<StageAccuracy> Evaluator::linearProbe(const std::vector<std::string>& stages,
                                                  const LinearProbeOptions& options) {
  auto& d = *m_impl;
  d.requireLabels("the linear probe");
  const int64_t n = d.limited(d.trainImages.size(0), options.trainLimit);
  const int64_t m = d.limited(d.testImages.size(0), options.testLimit);
  if (options.epochs < 1) throw std::invalid_argument("linear probe: epochs must be at least 1, got " + std::to_string(options.epochs));
  d.beginWork(n + m + int64_t(stages.size()) * options.epochs);
  auto train = d.stageFeatures(d.trainImages.slice(0, 0, n), stages, options.poolGrid);
  auto test = d.stageFeatures(d.testImages.slice(0, 0, m), stages, options.poolGrid);
  std::vector<StageAccuracy> out;
  for (const auto& s : stages) {
    const auto t0 = Clock::now();
    auto [x, tx] = eval::standardise(train.at(s), test.at(s));
    train.erase(s);
    const auto fit = eval::trainLinearProbe(x, d.trainLabels.slice(0, 0, n), tx, d.testLabels.slice(0, 0, m),
                                            d.numClasses(), options, d.model->device, [&d](int) { d.advance(1); });
    StageAccuracy r;
    r.stage = s;
    r.featureDim = int(x.size(1));
    r.accuracy = fit.testAccuracy;
    r.trainAccuracy = fit.trainAccuracy;
    r.seconds = secondsSince(t0);
    r.confusion = d.confusion(s, fit.testPredictions, fit.testConfidence, m);
    out.push_back(r);
  }
  // Kept once all stages are done: a cancelled probe leaves eval.json's record as it was.
  Json& probe = d.results["linear_probe"];
  Json opts = Json::object();
  opts["epochs"] = options.epochs;
  opts["batch_size"] = options.batchSize;
  opts["learning_rate"] = options.learningRate;
  opts["momentum"] = options.momentum;
  opts["weight_decay"] = options.weightDecay;
  opts["pool_grid"] = options.poolGrid;
  opts["train_images"] = (std::int64_t)n;
  opts["test_images"] = (std::int64_t)m;
  probe["options"] = opts;
  for (const auto& r : out) {
    Json j = Json::object();
    j["accuracy"] = r.accuracy;
    j["train_accuracy"] = r.trainAccuracy;
    j["feature_dim"] = r.featureDim;
    j["seconds"] = r.seconds;
    j["confusion"] = r.confusion.counts;
    Json perClass = Json::array();
    for (const double a : r.confusion.perClassAccuracy) perClass.push_back(a < 0 ? Json() : Json(a));
    j["per_class_accuracy"] = perClass;
    probe["stages"][stageKey(r.stage)] = j;
  }
  return out;
}

std::vector<KnnResult> Evaluator::knn(const std::vector<std::string>& stages, const std::vector<int>& ks,
                                      double temperature) {
  auto& d = *m_impl;
  d.requireLabels("k-NN");
  if (!(temperature > 0)) throw std::invalid_argument("the k-NN temperature must be positive");
  std::vector<KnnResult> out;
  for (const auto& s : stages) {
    const auto& [bank, queries] = d.unitFeatures(s);
    for (int k : ks) {
      if (k < 1) throw std::invalid_argument("k-NN: k must be at least 1, got " + std::to_string(k));
      KnnResult r;
      r.stage = s;
      r.k = k;
      r.temperature = temperature;
      r.accuracy = eval::knnAccuracy(bank, d.trainLabels, queries, d.testLabels, d.numClasses(), k, temperature);
      out.push_back(r);
      d.results["knn"][stageKey(s)][std::to_string(k)] = r.accuracy;
    }
  }
  d.results["knn"]["temperature"] = temperature;
  return out;
}

RetrievalResult Evaluator::retrieval(const RetrievalOptions& options) {
  auto& d = *m_impl;
  d.requireLabels("retrieval");
  const auto& [db, queries] = d.unitFeatures(options.stage);
  const int64_t m = d.limited(queries.size(0), options.queryLimit);
  const auto metrics = eval::retrievalMetrics(queries.slice(0, 0, m), d.testLabels.slice(0, 0, m), db, d.trainLabels,
                                              options.precisionAt, options.mapCutoff);
  RetrievalResult r;
  r.stage = options.stage;
  r.ks = options.precisionAt;
  r.precisionAtK = metrics.precisionAtK;
  r.meanAveragePrecision = metrics.meanAveragePrecision;
  r.mapCutoff = options.mapCutoff;
  r.queries = m;
  r.database = db.size(0);
  Json j = Json::object();
  j["stage"] = stageKey(r.stage);
  j["map"] = r.meanAveragePrecision;
  j["map_cutoff"] = r.mapCutoff;
  j["queries"] = (std::int64_t)r.queries;
  j["database"] = (std::int64_t)r.database;
  Json p = Json::object();
  for (std::size_t i = 0; i < r.ks.size(); ++i) p[std::to_string(r.ks[i])] = r.precisionAtK[i];
  j["precision_at"] = p;
  d.results["retrieval"] = j;
  return r;
}

std::vector<Neighbours> Evaluator::neighbours(const std::vector<std::int64_t>& testIndices, int k,
                                              const std::string& stage) {
  auto& d = *m_impl;
  d.requireLabels("retrieval");
  const auto& [db, queries] = d.unitFeatures(stage);
  k = std::max(1, std::min<int>(k, int(db.size(0))));
  std::vector<Neighbours> out;
  for (const auto q : testIndices) {
    if (q < 0 || q >= queries.size(0)) {
      throw std::invalid_argument("test image " + std::to_string(q) + " does not exist (the test split has " +
                                  std::to_string(queries.size(0)) + ")");
    }
    const auto sim = torch::mv(db, queries[q]);
    const auto top = sim.topk(k);
    Neighbours nb;
    nb.query = q;
    nb.queryLabel = int(d.testLabels[q].item<int64_t>());
    const auto idx = std::get<1>(top);
    for (int64_t i = 0; i < k; ++i) {
      const int64_t j = idx[i].item<int64_t>();
      nb.indices.push_back(j);
      nb.similarities.push_back(std::get<0>(top)[i].item<double>());
      nb.labels.push_back(int(d.trainLabels[j].item<int64_t>()));
    }
    out.push_back(nb);
  }
  return out;
}

Image Evaluator::retrievalGallery(const std::vector<std::int64_t>& testIndices, int k, const std::string& stage) {
  auto& d = *m_impl;
  const auto all = neighbours(testIndices, k, stage);
  std::vector<Image> tiles;
  std::vector<std::string> captions;
  for (const auto& nb : all) {
    tiles.push_back(toRgb(tensorToImage(d.testImages[nb.query])));
    captions.push_back("query");
    for (std::size_t i = 0; i < nb.indices.size(); ++i) {
      Image t = toRgb(tensorToImage(d.trainImages[nb.indices[i]]));
      if (nb.labels[i] != nb.queryLabel) eval::frame(t, 230, 30, 30);
      tiles.push_back(t);
      captions.push_back(formatFixed(nb.similarities[i], 2));
    }
  }
  return makeGrid(tiles, k + 1, 3, captions, 2);
}

AlignmentUniformity Evaluator::alignmentUniformity(std::int64_t images, const std::string& augment, std::uint64_t seed) {
  auto& d = *m_impl;
  if (!d.testImages.defined()) throw std::invalid_argument("alignment/uniformity needs a test split");
  if (images < 2) throw std::invalid_argument("alignment/uniformity needs at least 2 images");
  if (augment == "none") throw std::invalid_argument("alignment views need an augmentation (simclr or light), not none");
  const AugmentConfig config = AugmentConfig::preset(augment);
  const int64_t n = std::min<int64_t>(images, d.testImages.size(0));
  auto& bb = d.backbone();
  torch::NoGradGuard noGrad;
  const bool wasTraining = bb.is_training();
  bb.eval();
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<torch::Tensor> fx, fy;
  for (int64_t i = 0; i < n; i += 500) {
    const auto batch = d.testImages.slice(0, i, std::min(i + 500, n));
    // Views drawn on the CPU from a fixed seed, so the measure is the same on every device.
    const auto [v1, v2] = augment::twoViews(batch, config, gen);
    auto f1 = bb.forward(augment::normalize(v1, d.model->mean, d.model->std).to(d.model->device));
    auto f2 = bb.forward(augment::normalize(v2, d.model->mean, d.model->std).to(d.model->device));
    fx.push_back(torch::nn::functional::normalize(f1.to(torch::kFloat), torch::nn::functional::NormalizeFuncOptions().dim(1)).cpu());
    fy.push_back(torch::nn::functional::normalize(f2.to(torch::kFloat), torch::nn::functional::NormalizeFuncOptions().dim(1)).cpu());
  }
  bb.train(wasTraining);
  const auto x = torch::cat(fx), y = torch::cat(fy);
  AlignmentUniformity r;
  r.images = n;
  r.augment = augment;
  r.alignment = eval::alignment(x, y, r.alpha);
  r.uniformity = 0.5 * (eval::uniformity(x, r.t) + eval::uniformity(y, r.t));
  Json j = Json::object();
  j["alignment"] = r.alignment;
  j["uniformity"] = r.uniformity;
  j["alpha"] = r.alpha;
  j["t"] = r.t;
  j["images"] = (std::int64_t)r.images;
  j["augment"] = r.augment;
  d.results["alignment_uniformity"] = j;
  return r;
}

Projection Evaluator::projection(const std::string& kind, std::int64_t limit, const TsneOptions& tsne) {
  auto& d = *m_impl;
  if (!d.testImages.defined()) throw std::invalid_argument("the projection needs a test split");
  if (kind != "pca" && kind != "tsne") throw std::invalid_argument("projection '" + kind + "': use pca or tsne");
  const int64_t n = d.limited(d.testImages.size(0), limit);
  const auto t0 = Clock::now();
  d.beginWork(n);
  const auto features = d.features(d.testImages.slice(0, 0, n), "").cpu();
  torch::Tensor xy;
  if (kind == "pca") {
    xy = eval::pca2d(features);
  } else {
    // A second step: the optimisation's iterations, each reported and a point to cancel at.
    d.beginWork(tsne.iterations);
    xy = eval::tsne2d(features, tsne, [&d](int) { d.advance(1); });
  }
  Projection p;
  p.kind = kind;
  p.seconds = secondsSince(t0);
  xy = xy.to(torch::kFloat).contiguous();
  const float* v = xy.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    p.x.push_back(v[2 * i]);
    p.y.push_back(v[2 * i + 1]);
    p.labels.push_back(int(d.testLabels[i].item<int64_t>()));
  }
  p.classNames = d.model->evaluation.classNames();
  return p;
}

std::vector<FineTuneResult> Evaluator::fineTune(const FineTuneOptions& options) {
  auto& d = *m_impl;
  d.requireLabels("fine-tuning");
  std::vector<FineTuneResult> out;
  for (const double f : options.fractions) {
    const auto t0 = Clock::now();
    eval::FineTuneData data{d.trainImages, d.trainLabels, d.testImages.slice(0, 0, d.limited(d.testImages.size(0), options.testLimit)),
                            d.testLabels.slice(0, 0, d.limited(d.testLabels.size(0), options.testLimit)), d.model->mean,
                            d.model->std, d.numClasses(), d.model->device};
    // A step per fraction: its training images, then the test split.
    const auto r = eval::fineTune(d.backbone(), data, f, options, [&d](int64_t done, int64_t total) {
      if (done == 0) d.beginWork(total);
      else d.advance(done - d.workDone);
    });
    FineTuneResult res;
    res.fraction = f;
    res.labelledImages = r.labelledImages;
    res.accuracy = r.accuracy;
    res.confusion = d.confusion("finetune", r.predictions, r.confidence, data.testImages.size(0));
    res.seconds = secondsSince(t0);
    out.push_back(res);
  }
  // Kept once every fraction is done: a cancelled fine-tuning leaves eval.json's record as it was.
  for (const auto& res : out) {
    Json j = Json::object();
    j["accuracy"] = res.accuracy;
    j["labelled_images"] = (std::int64_t)res.labelledImages;
    j["epochs"] = options.epochs;
    j["seconds"] = res.seconds;
    j["confusion"] = res.confusion.counts;
    d.results["fine_tune"][numberKey(res.fraction)] = j;
  }
  return out;
}

Image Evaluator::filterGrid(int scale, const SheetColours& colours) const {
  return eval::filterGrid(m_impl->backbone().firstLayerWeight(), scale, colours);
}

FilterBank Evaluator::filters() const { return filterBank(m_impl->backbone().firstLayerWeight()); }

FilterBank Evaluator::initialFilters() const {
  const auto& start = m_impl->model->initialFilters;
  return start.defined() ? filterBank(start) : FilterBank{};
}

FilterMeasures Evaluator::filterMeasures() const {
  const FilterBank start = initialFilters();
  return measureFilters(filters(), start.empty() ? nullptr : &start);
}

Image Evaluator::attentionMaps(const std::vector<std::int64_t>& testIndices, const std::vector<std::string>& stages,
                               double p, int scale, const SheetColours& colours) {
  auto& d = *m_impl;
  if (!d.testImages.defined()) throw std::invalid_argument("attention maps need a test split");
  std::vector<torch::Tensor> images;
  std::vector<std::string> captions;
  for (const auto i : testIndices) {
    if (i < 0 || i >= d.testImages.size(0)) {
      throw std::invalid_argument("test image " + std::to_string(i) + " does not exist (the test split has " +
                                  std::to_string(d.testImages.size(0)) + ")");
    }
    images.push_back(d.testImages[i]);
    const int64_t label = d.testLabels[i].item<int64_t>();
    captions.push_back(label >= 0 ? d.model->evaluation.classNames().at(std::size_t(label)) : "#" + std::to_string(i));
  }
  return eval::attentionGrid(d.backbone(), torch::stack(images), captions, d.model->mean, d.model->std, d.model->device,
                             stages, p, scale, colours);
}

namespace {

// An image the encoder can take: the dataset's channels and size, as uint8 [C, H, W].
torch::Tensor datasetImageTensor(const Dataset& ds, const Image& image, const std::string& what) {
  if (image.channels != ds.channels() || image.width != ds.width() || image.height != ds.height()) {
    throw std::invalid_argument(what + " is " + std::to_string(image.width) + "x" + std::to_string(image.height) + " with " +
                                std::to_string(image.channels) + " channels; " + ds.name() + "'s images are " +
                                std::to_string(ds.width()) + "x" + std::to_string(ds.height()) + " with " +
                                std::to_string(ds.channels()) + " (convert it with conformToDataset)");
  }
  return imageToTensor(image);
}

// How the dataset's images were brought to their size, so that a picture from elsewhere is made the
// same way: a folder loaded directly squashes (datasets/imagefolder.cpp), a prepared folder did what
// its manifest says, and the fixed-size datasets (IDX, CIFAR, STL-10) are taken as centre crops.
bool datasetCrops(const Dataset& ds) {
  const auto& spec = ds.spec();
  if (spec.kind == "folder") return false;
  if (spec.kind == "prepared") {
    const std::string path = io::joinPath(spec.path, "manifest.json");
    if (!io::fileExists(path)) return true;
    try {
      const auto manifest = Json::parse(io::readTextFile(path));
      return manifest.value("resize", std::string("crop")) != "squash";
    } catch (const Json::exception&) {
      return true;
    }
  }
  return true;
}

std::vector<float> toVector(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

SimilarityMaps Evaluator::similarityMaps(const Image& query, const Image& neighbour, const std::string& stage, int scale) {
  auto& d = *m_impl;
  const auto& ds = d.model->dataset;
  const auto images = torch::stack({datasetImageTensor(ds, query, "the query image"),
                                    datasetImageTensor(ds, neighbour, "the neighbour image")});
  auto& bb = d.backbone();
  const std::string s = stage.empty() ? bb.stageNames().back() : stage;
  const bool wasTraining = bb.is_training();
  bb.eval();
  eval::SimilarityGradient g;
  try {
    g = eval::similarityGradient(bb, eval::normaliseImages(images, d.model->mean, d.model->std, d.model->device).to(torch::kFloat), s);
  } catch (...) {
    bb.train(wasTraining);
    throw;
  }
  bb.train(wasTraining);
  auto maps = eval::gradCamMaps(g.activations.to(torch::kFloat), g.gradients.to(torch::kFloat));
  // Embeddings that coincide to float precision: the similarity is at its maximum, its gradient is
  // rounding noise, and no region raises it (the maps are left at 0 rather than noise stretched to [0, 1]).
  if (g.similarity.item<double>() > 1.0 - 1e-6) maps.zero_();
  scale = std::max(1, scale);
  const int64_t h = images.size(2), w = images.size(3);
  const auto exact = eval::upsampleNormalised(maps, h, w).cpu();
  const auto scaled = scale == 1 ? exact : eval::upsampleNormalised(maps, h * scale, w * scale).cpu();
  SimilarityMaps out;
  out.stage = s;
  out.similarity = g.similarity.item<double>();
  out.width = int(w);
  out.height = int(h);
  out.query = toVector(exact[0]);
  out.neighbour = toVector(exact[1]);
  out.queryOverlay = eval::overlayHeat(images[0], scaled[0], scale);
  out.neighbourOverlay = eval::overlayHeat(images[1], scaled[1], scale);
  return out;
}

Image Evaluator::conformToDataset(const Image& image) const {
  const auto& ds = m_impl->model->dataset;
  if (ds.width() != ds.height()) throw std::invalid_argument(ds.name() + "'s images are not square");
  return conformImage(image, ds.channels(), ds.height(), datasetCrops(ds));
}

Image Evaluator::readQueryImage(const std::string& path) const {
  const auto& ds = m_impl->model->dataset;
  if (ds.width() != ds.height()) throw std::invalid_argument(ds.name() + "'s images are not square");
  return readImageFile(path, ds.channels(), ds.height(), datasetCrops(ds));
}

Neighbours Evaluator::neighboursOfImage(const Image& query, int k, const std::string& stage) {
  auto& d = *m_impl;
  d.requireLabels("retrieval");
  const auto image = datasetImageTensor(d.model->dataset, query, "the query image").unsqueeze(0);
  const auto& db = d.unitFeatures(stage).first;
  // As unitFeatures extracts the database, so that a test image given as a picture finds what
  // neighbours() finds for it.
  const auto q = eval::extractFeatures(d.backbone(), image, d.model->mean, d.model->std, stage, d.model->device,
                                       eval::ExtractOptions().cpuBf16(d.model->knnBf16()));
  k = std::max(1, std::min<int>(k, int(db.size(0))));
  const auto top = torch::mv(db, q[0].to(db.device())).topk(k);
  Neighbours nb;
  nb.query = -1;
  nb.queryLabel = -1;
  const auto values = std::get<0>(top).cpu(), idx = std::get<1>(top).cpu();
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = idx[i].item<int64_t>();
    nb.indices.push_back(j);
    nb.similarities.push_back(values[i].item<double>());
    nb.labels.push_back(int(d.trainLabels[j].item<int64_t>()));
  }
  return nb;
}

Image Evaluator::attentionMapsOf(const std::vector<Image>& images, const std::vector<std::string>& captions,
                                 const std::vector<std::string>& stages, double p, int scale,
                                 const SheetColours& colours) {
  auto& d = *m_impl;
  std::vector<torch::Tensor> tensors;
  for (const auto& image : images) tensors.push_back(datasetImageTensor(d.model->dataset, image, "the image"));
  if (tensors.empty()) throw std::invalid_argument("attention maps: no images given");
  return eval::attentionGrid(d.backbone(), torch::stack(tensors), captions, d.model->mean, d.model->std, d.model->device,
                             stages, p, scale, colours);
}

void Evaluator::exportEmbedding(const std::string& featuresPath, const std::string& labelsPath, std::int64_t limit,
                                bool normalised) {
  auto& d = *m_impl;
  if (!d.testImages.defined()) throw std::invalid_argument("the embedding export needs a test split");
  const int64_t n = d.limited(d.testImages.size(0), limit);
  torch::Tensor f;
  if (normalised) {
    f = eval::extractFeatures(d.backbone(), d.testImages.slice(0, 0, n), d.model->mean, d.model->std, "", d.model->device);
  } else {
    f = eval::extractStageFeatures(d.backbone(), d.testImages.slice(0, 0, n), d.model->mean, d.model->std, {""},
                                   d.model->device, 1)
            .at("");
  }
  eval::saveNpy(featuresPath, f.cpu());
  eval::saveNpy(labelsPath, d.testLabels.slice(0, 0, n).to(torch::kLong).cpu());
}

void Evaluator::exportEncoder(const std::string& path) const {
  const auto& d = *m_impl;
  eval::exportEncoder(path, d.backbone(), d.model->mean, d.model->std);
}

std::string Evaluator::resultsJson() const { return m_impl->results.dump(2) + "\n"; }

void Evaluator::saveResults() const {
  const auto& d = *m_impl;
  if (d.runDir.empty()) throw std::runtime_error("this evaluation has no run folder to save eval.json into");
  io::writeFileAtomic(io::joinPath(d.runDir, "eval.json"), resultsJson());
}

}  // namespace pretext

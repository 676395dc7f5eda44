// Evaluation protocols, feature views and exports of a trained encoder, as the CLI and the window
// call them: plain types only (no torch, no Qt). An Evaluator opens a run folder (building its
// model the way training does, then loading the checkpoint) or shares a live Trainer's model; its
// results are structs of numbers and strings, its pictures pretext::Image.
#pragma once

#include "pretext/dataset.h"
#include "pretext/filters.h"
#include "pretext/image.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pretext {

class Trainer;

/// Thrown by an Evaluator whose cancel flag was set (Evaluator::setProgress): the work stopped
/// between two batches and nothing it had computed is kept.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

/// Progress of one long step of an Evaluator (feature extraction, a probe): `done` of `total`
/// units, called on the evaluating thread; `done` never decreases within a step and ends at `total`.
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

/// A classifier's answers on the test split: the confusion matrix (counts, true class x predicted
/// class), per-class accuracy and, per test image, the prediction and its softmax probability.
struct Confusion {
  std::string stage;                              ///< the probe's stage ("" pooled); "finetune" for fine-tuning
  std::vector<std::string> classNames;
  std::vector<std::vector<std::int64_t>> counts;  ///< counts[true][predicted]
  std::vector<double> perClassAccuracy;           ///< counts[c][c] / row c's sum; -1 for a class with no test image
  std::vector<int> labels;                        ///< per test image (index = test index): its class
  std::vector<int> predictions;                   ///< the predicted class
  std::vector<float> confidence;                  ///< the softmax probability of the predicted class

  int classes() const { return int(counts.size()); }
  std::int64_t total() const;
  double accuracy() const;                        ///< the diagonal's share of all counts
  /// The test images of true class `trueClass` predicted as `predicted`, the most confident first.
  std::vector<std::int64_t> examples(int trueClass, int predicted) const;
};

/// Counts the predictions into a Confusion (labels and predictions in [0, classes); classes =
/// classNames.size()). Throws std::invalid_argument for lists of different lengths or a class
/// out of range.
Confusion confusionFromPredictions(const std::vector<int>& labels, const std::vector<int>& predictions,
                                   const std::vector<float>& confidence, const std::vector<std::string>& classNames);
/// confusion.csv: a header "true/predicted" then the class names and "accuracy"; one row per
/// true class: its name, the counts, its accuracy (numbers.h, locale-free).
std::string confusionCsv(const Confusion& confusion);
/// confusion_predictions.csv: test_index,label,prediction,confidence.
std::string predictionsCsv(const Confusion& confusion);
/// The heat map: one cell per (true, predicted) with its count, shaded by the row's share, class
/// names on the left, per-class accuracy on the right (the core's 6x11 font, `scale` times).
Image confusionImage(const Confusion& confusion, int scale = 2);
/// The name the linear probe's confusion is saved under ("confusion": confusion.csv ...).
inline const char* const kProbeConfusion = "confusion";
/// The name fine-tuning with `fraction` of the labels saves its confusion under, so that it and
/// the probe's coexist: "confusion_finetune_10pct" for 0.1, "confusion_finetune_0.5pct" for 0.005.
std::string fineTuneConfusionName(double fraction);
/// Writes NAME.csv, NAME.png and NAME_predictions.csv into `folder`; returns the paths written.
std::vector<std::string> saveConfusion(const Confusion& confusion, const std::string& folder,
                                       const std::string& name = kProbeConfusion);
/// Reads what saveConfusion wrote into `folder` under `name`. Throws std::runtime_error naming the
/// file that is missing or malformed.
Confusion loadConfusion(const std::string& folder, const std::string& name = kProbeConfusion);
/// Whether `folder` holds a confusion saved under `name` (NAME_predictions.csv and NAME.csv).
bool hasConfusion(const std::string& folder, const std::string& name = kProbeConfusion);
/// A confusion saved in a run folder: the probe's or fine-tuning's with a fraction of the labels.
struct SavedConfusion {
  std::string name;       ///< as saveConfusion took it
  bool fineTune = false;
  double fraction = 0.0;  ///< fine-tuning's fraction of the labels
};
/// The confusions saved in `folder`: the probe's first, then fine-tuning's by fraction.
std::vector<SavedConfusion> savedConfusions(const std::string& folder);

/// The colours of an image sheet (filter and attention grids): the paper between and under the
/// tiles and the captions' ink. `transparent`: the sheet is RGBA and the paper has alpha 0 (it
/// takes the colour of what it is drawn on; its RGB is still `paper`).
struct SheetColours {
  std::uint8_t paper[3] = {255, 255, 255};
  std::uint8_t ink[3] = {20, 20, 20};
  bool transparent = false;
};

/// Linear probe on frozen features (the per-layer protocol of the seed's Table 5): features of
/// each stage average-pooled to a poolGrid x poolGrid grid (the pooled output: the backbone's
/// own features), standardised with the training statistics, then multinomial logistic regression
/// trained by SGD with momentum and a cosine learning rate, evaluated on the test split.
struct LinearProbeOptions {
  int epochs = 10;               ///< passes over the training features
  int batchSize = 256;           ///< 0: full-batch gradient descent (deterministic)
  double learningRate = 0.1;     ///< peak, cosine-decayed to zero
  double momentum = 0.9;
  double weightDecay = 5e-4;
  int poolGrid = 2;              ///< conv stages: adaptive average pooling to grid x grid cells
  std::int64_t trainLimit = 0;   ///< use the first N training images (0: all)
  std::int64_t testLimit = 0;    ///< use the first N test images (0: all)
  std::uint64_t seed = 0;        ///< minibatch order
};

struct StageAccuracy {
  std::string stage;             ///< "" for the pooled output (shown as "pooled")
  int featureDim = 0;
  double accuracy = 0.0;         ///< test accuracy in [0, 1]
  double trainAccuracy = 0.0;
  double seconds = 0.0;          ///< probe training time (feature extraction excluded)
  Confusion confusion;           ///< on the test split
};

/// Weighted k-NN (InstDisc, Wu et al. 2018) of one stage's L2-normalised pooled features.
struct KnnResult {
  std::string stage;
  int k = 200;
  double temperature = 0.07;
  double accuracy = 0.0;
};

/// Nearest-neighbour retrieval: queries = the test split, database = the training split, cosine
/// similarity of the L2-normalised pooled features; a neighbour is relevant when its class equals
/// the query's.
struct RetrievalOptions {
  std::string stage;                      ///< "" pooled output
  std::vector<int> precisionAt = {1, 10, 100};
  int mapCutoff = 0;                      ///< 0: AP over the full ranking; else AP@cutoff
  std::int64_t queryLimit = 0;            ///< first N test images (0: all)
};

struct RetrievalResult {
  std::string stage;
  std::vector<int> ks;
  std::vector<double> precisionAtK;       ///< mean over queries of (relevant in top K) / K
  double meanAveragePrecision = 0.0;
  int mapCutoff = 0;
  std::int64_t queries = 0;
  std::int64_t database = 0;
};

/// One query's top-K neighbours (indices into the training split).
struct Neighbours {
  std::int64_t query = 0;                 ///< index into the test split
  int queryLabel = -1;
  std::vector<std::int64_t> indices;
  std::vector<double> similarities;
  std::vector<int> labels;
};

/// "Why are these two neighbours?": Grad-CAM (Selvaraju et al. 2017) with the cosine similarity of
/// the two images' pooled embeddings as the score, so no label and no classifier: on each image,
/// ReLU(sum_c w_c A_c) over the channels A_c of a stage (a ViT: its patch tokens), w_c the spatial
/// mean of d similarity / d A_c; upsampled to the image and normalised.
struct SimilarityMaps {
  std::string stage;                      ///< the stage whose activations were weighted
  double similarity = 0.0;                ///< cosine similarity of the two pooled embeddings
  int width = 0, height = 0;              ///< the images' size, and the maps'
  /// Row-major maps in [0, 1], each scaled by its own range; all 0 where no region raises the
  /// similarity (identical images: the similarity is at its maximum and its gradient is 0).
  std::vector<float> query, neighbour;
  Image queryOverlay, neighbourOverlay;   ///< the maps over the images in gray, scaled up by `scale`
};

/// Alignment and uniformity of the L2-normalised embedding (Wang & Isola 2020, eqs. 4-5):
/// align = E ||f(x) - f(y)||^alpha over positive pairs (two augmented views of one test image),
/// uniform = log E exp(-t ||f(x) - f(y)||^2) over all pairs of distinct images. Lower is better for both.
struct AlignmentUniformity {
  double alignment = 0.0;
  double uniformity = 0.0;
  double alpha = 2.0;
  double t = 2.0;
  std::int64_t images = 0;
  std::string augment;                    ///< the views' augmentation preset
};

/// A 2-D projection of the test embedding.
struct Projection {
  std::string kind;                       ///< "pca" or "tsne"
  std::vector<float> x, y;
  std::vector<int> labels;
  std::vector<std::string> classNames;
  double seconds = 0.0;
};

struct TsneOptions {
  double perplexity = 30.0;
  int iterations = 750;
  double theta = 0.5;                     ///< Barnes-Hut accuracy; used above exactLimit points
  int exactLimit = 1000;                  ///< at most this many points: exact O(N^2) gradient
  std::uint64_t seed = 1;
};

/// Fine-tuning with a fraction of the labels (the semi-supervised protocol): a class-balanced
/// subset of the training split drawn from `seed`, the encoder and a new linear head trained end
/// to end with SGD and light augmentation, evaluated on the test split.
struct FineTuneOptions {
  std::vector<double> fractions = {0.01, 0.1};
  int epochs = 10;                        ///< passes over the labelled subset
  int batchSize = 64;
  double learningRate = 0.05;             ///< head; the encoder uses learningRate * encoderLrScale
  double encoderLrScale = 0.1;
  double weightDecay = 5e-4;
  std::uint64_t seed = 0;
  std::int64_t testLimit = 0;
};

struct FineTuneResult {
  double fraction = 0.0;
  std::int64_t labelledImages = 0;
  double accuracy = 0.0;
  double seconds = 0.0;
  Confusion confusion;           ///< on the test split
};

/// One row of the results table over run folders (from config.json, metrics.csv and eval.json);
/// numbers < 0 were not measured.
struct RunSummary {
  std::string folder;
  std::string method, backbone, dataset;
  int epochs = 0;
  double knn20 = -1.0, knn200 = -1.0;
  std::map<std::string, double> linearProbe;  ///< stage ("pooled", "conv1", ...) -> accuracy
  double fineTune1 = -1.0, fineTune10 = -1.0;
  double retrievalMap = -1.0;
  double trainingSeconds = -1.0;
  double imagesPerSecond = -1.0;
};

/// The order of stage names in tables: conv1 < conv2 < ... < conv10, layer1 < layer2, block2 <
/// block10; "pooled" last.
bool stageOrderLess(const std::string& a, const std::string& b);

/// Reads a run folder's summary; throws std::runtime_error when it has no config.json.
RunSummary summarizeRun(const std::string& runDir);
/// The comparison table, as CSV (one header line, one row per run, fractions in [0, 1]) and as
/// Markdown (percentages), with one linear-probe column per stage that any run measured.
std::string resultsCsv(const std::vector<RunSummary>& runs);
std::string resultsMarkdown(const std::vector<RunSummary>& runs);

/// Writes a NumPy .npy file (format 1.0, little-endian, C order).
void saveNpy(const std::string& path, const std::vector<float>& data, const std::vector<std::int64_t>& shape);
void saveNpy(const std::string& path, const std::vector<std::int64_t>& data, const std::vector<std::int64_t>& shape);

/// Two images (or grids) next to each other with a caption over each, for run-against-run views.
Image sideBySide(const Image& left, const std::string& leftCaption, const Image& right, const std::string& rightCaption);

/// A scatter plot of a projection, coloured by class, with a legend.
Image scatterPlot(const Projection& projection, int size = 640);

/// Monospaced text (e.g. a printed table) as an image, for PNG export of tables.
Image textImage(const std::string& text, int scale = 1);

class Evaluator {
 public:
  /// Opens a run folder: its config, dataset and last checkpoint (on `device`: auto, cpu, cuda).
  /// Throws std::runtime_error naming the folder when it is not a run folder.
  /// `evalDataset`: evaluate on this dataset instead of the run's (TrainConfig::evalDataset, or
  /// its training dataset), e.g. a labelled set for an encoder trained on unlabelled images.
  explicit Evaluator(const std::string& runDir, const std::string& device = "auto", const std::string& evalDataset = "");
  /// Evaluates a live trainer's encoder: the Evaluator shares the Trainer's model (Trainer::model()),
  /// so it sees each step's weights and keeps the model alive after the Trainer is gone.
  explicit Evaluator(Trainer& trainer);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  std::string runDir() const;
  /// Long steps (feature extraction, the linear probe's epochs, t-SNE's iterations, fine-tuning's
  /// batches per fraction) report to `progress` and stop
  /// with pretext::Cancelled between two batches once `*cancel` is true; the caller keeps the
  /// flag alive while it is set. Empty / null: none.
  void setProgress(ProgressFn progress, const std::atomic<bool>* cancel = nullptr);
  /// Images whose features this Evaluator took from its checkpoint's saved k-NN monitor features
  /// (checkpoints/last_features.pt, written by the trainer beside last.pt) instead of extracting
  /// them: only features of the same stage, device type, CPU bf16 setting and weights are taken.
  std::int64_t reusedFeatureImages() const;
  std::string method() const;
  std::string backbone() const;
  /// The backbone's stage names (convnet conv1..conv5, ...); "" (pooled) is not among them.
  std::vector<std::string> stages() const;
  const std::vector<std::string>& classNames() const;
  /// The dataset the encoder is evaluated on (its images for galleries and tooltips).
  const Dataset& dataset() const;
  /// Test images whose labels are spread over the classes (for attention maps and galleries).
  std::vector<std::int64_t> sampleTestImages(int count) const;

  std::vector<StageAccuracy> linearProbe(const std::vector<std::string>& stages, const LinearProbeOptions& options = {});
  std::vector<KnnResult> knn(const std::vector<std::string>& stages, const std::vector<int>& ks = {20, 200},
                             double temperature = 0.07);
  RetrievalResult retrieval(const RetrievalOptions& options = {});
  /// Top-k neighbours of the given test images (for the retrieval gallery).
  std::vector<Neighbours> neighbours(const std::vector<std::int64_t>& testIndices, int k, const std::string& stage = "");
  /// A gallery PNG: each row a query followed by its neighbours, wrong classes framed in red.
  Image retrievalGallery(const std::vector<std::int64_t>& testIndices, int k, const std::string& stage = "");
  AlignmentUniformity alignmentUniformity(std::int64_t images = 2000, const std::string& augment = "simclr",
                                          std::uint64_t seed = 0);
  /// kind "pca" or "tsne" on the first `limit` test images (0: all) of the pooled features.
  /// t-SNE reports two steps: the extraction (images), then its iterations (tsne.iterations).
  Projection projection(const std::string& kind, std::int64_t limit = 2000, const TsneOptions& tsne = {});
  std::vector<FineTuneResult> fineTune(const FineTuneOptions& options = {});

  /// First-layer filters, each normalised to its own range, as a grid (RGB for 3 input channels).
  Image filterGrid(int scale = 6, const SheetColours& colours = {}) const;
  /// The first layer's weights now, and before training when the run kept them
  /// (checkpoints/initial_filters.pt, or a live Trainer's); an empty bank when unknown.
  FilterBank filters() const;
  FilterBank initialFilters() const;
  /// measureFilters(filters(), initialFilters()): edge-likeness, and change when the start is known.
  FilterMeasures filterMeasures() const;
  /// Activation-based attention (mean over channels of |a|^p, Zagoruyko & Komodakis 2017)
  /// upsampled and overlaid on the test images; one row per image, one column per stage after the
  /// image itself. ViT: the last block's [CLS] attention (mean over heads) for any stage list.
  Image attentionMaps(const std::vector<std::int64_t>& testIndices, const std::vector<std::string>& stages,
                      double p = 2.0, int scale = 3, const SheetColours& colours = {});

  /// Similarity maps of two images in the dataset's channels and size (Dataset::image, or
  /// conformToDataset for a picture from elsewhere), at `stage` ("" the last stage: conv5, layer4,
  /// the ViT's last block). Throws std::invalid_argument for an unknown stage or a wrong image size.
  SimilarityMaps similarityMaps(const Image& query, const Image& neighbour, const std::string& stage = "",
                                int scale = 3);
  /// A picture from outside the dataset (a file, the clipboard) in the dataset's channels and size,
  /// made as its images were (conformImage in pretext/imagefile.h): squashed for a folder loaded
  /// directly, as its manifest says for a prepared folder, a centre crop otherwise.
  Image conformToDataset(const Image& image) const;
  /// An image file as conformToDataset makes it (readImageFile); throws DatasetError naming the file.
  Image readQueryImage(const std::string& path) const;
  /// Top-k training neighbours of an image in the dataset's channels and size, as neighbours()
  /// finds them for a test image (query = -1, queryLabel = -1).
  Neighbours neighboursOfImage(const Image& query, int k, const std::string& stage = "");
  /// attentionMaps for images in the dataset's channels and size, one caption each.
  Image attentionMapsOf(const std::vector<Image>& images, const std::vector<std::string>& captions,
                        const std::vector<std::string>& stages, double p = 2.0, int scale = 3,
                        const SheetColours& colours = {});

  /// The pooled test features [N, D] (L2-normalised when `normalised`) and labels as .npy files.
  void exportEmbedding(const std::string& featuresPath, const std::string& labelsPath, std::int64_t limit = 0,
                       bool normalised = false);
  /// The encoder as a file Python's torch.load reads: a dict with "state_dict" (parameter and
  /// buffer names as in the backbone; a ResNet-18's as in torchvision.models.resnet18), "mean",
  /// "std" (per-channel input statistics), "backbone", "width", "in_channels", "image_size".
  void exportEncoder(const std::string& path) const;

  /// The results saved so far and added by this Evaluator, as eval.json text.
  std::string resultsJson() const;
  /// Writes eval.json into the run folder (merged with what earlier evaluations wrote).
  void saveResults() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> m_impl;
};

}  // namespace pretext

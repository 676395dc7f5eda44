// The one path from a configuration to a model, shared by training and evaluation: the backbone
// and method of a TrainConfig, with the input statistics of its dataset, on a device; and the
// weights of a checkpoint loaded into it.
#pragma once

#include "datasets/datasetdata.h"
#include "methods/method.h"
#include "pretext/dataset.h"
#include "pretext/filters.h"
#include "pretext/training.h"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace pretext {

/// A run's model: what the Trainer trains and the Evaluator reads.
struct Model {
  TrainConfig config;
  Dataset dataset;
  Dataset evaluation;                ///< labelled splits for evaluation: config.evalDataset, else dataset
  methods::Method method;
  torch::Tensor mean, std;           ///< per-channel input statistics, float [C] on the device
  torch::Device device{torch::kCPU};
  std::int64_t trainImages = 0;      ///< images of the training split it trains on (TrainConfig::subset)
  /// The first layer's weights before training (float, CPU), for the filters' change; undefined
  /// when unknown (a run folder from before checkpoints/initial_filters.pt).
  torch::Tensor initialFilters;

  models::BackboneImpl& backbone() const { return *method->backbone(); }
  /// k-NN features under CPU bf16 autocast (TrainConfig::knnBf16, on a CPU with native bf16).
  bool knnBf16() const;
};

/// The device a configuration names: auto (CUDA when there is one), cpu, cuda or cuda:N. Throws
/// TrainingError when CUDA is asked for and missing, std::invalid_argument for other names.
torch::Device resolveDevice(const std::string& name);

/// The split a method trains on: a self-supervised method (`usesLabels` false) the unlabelled split
/// when the dataset has one beside labelled ones (STL-10 with its unlabeled_X.bin, loaded directly or
/// prepared), whose train and test splits are then the labelled evaluation data; otherwise the
/// training split, or the unlabelled one when there is none. `trainSplit` (TrainConfig::trainSplit)
/// "train" or "unlabeled" chooses instead; a split the dataset lacks, or "unlabeled" for a method
/// that uses labels, throws std::invalid_argument naming --train-split.
const SplitData& trainingSplit(const Dataset& dataset, bool usesLabels = true, const std::string& trainSplit = "auto");

/// Builds `config`'s method for `dataset` on `device`: per-channel statistics of (up to 10,000 of)
/// its training images, the backbone and the method's heads. The initial weights are drawn from
/// the default generators, which this never seeds: a caller that wants reproducible weights (the
/// Trainer) seeds them first. Throws std::invalid_argument for a bad configuration.
std::shared_ptr<Model> buildModel(const TrainConfig& config, const Dataset& dataset, const torch::Device& device);

/// Filters [O, I, k, k] (any device and type) as a FilterBank (float, row-major).
FilterBank filterBank(const torch::Tensor& weight);
/// Where a run keeps its first layer's initial weights: <run>/checkpoints/initial_filters.pt.
std::string initialFiltersPath(const std::string& runDir);
/// Reads that file's weights; throws std::runtime_error naming the file when it cannot.
torch::Tensor loadInitialFilters(const std::string& path);

/// The method's weights from a checkpoint (not the optimizer, not the position); throws
/// std::runtime_error naming the file when it is missing or from another configuration.
void loadModelWeights(Model& model, const std::string& checkpoint);

}  // namespace pretext

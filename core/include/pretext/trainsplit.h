// The split a run trains on (TrainConfig::trainSplit: --train-split, config.json "train_split") and
// the dataset it loads for it: one rule for the CLI, the Trainer and the window. No torch, no Qt.
#pragma once

#include "pretext/dataset.h"
#include "pretext/training.h"

#include <string>

namespace pretext {

/// The dataset a run of `config` loads: config.dataset, with loadUnlabeled set when it trains on the
/// unlabelled split (trainSplit "unlabeled"), so that stl10:DIR reads its unlabeled_X.bin. Every
/// other setting as config.dataset has it.
DatasetSpec trainingDatasetSpec(const TrainConfig& config);

/// Why a method (`usesLabels`: it trains on labels, as the supervised baseline) cannot train on
/// `trainSplit` ("auto", "train" or "unlabeled") of `dataset`, in the words the Trainer refuses it
/// with (naming --train-split): "train" on a dataset without a labelled train split, "unlabeled" for
/// a method that trains on labels or a dataset without an unlabelled split. Empty when it can ("auto"
/// always can).
std::string trainSplitRefusal(const Dataset& dataset, bool usesLabels, const std::string& trainSplit);

}  // namespace pretext

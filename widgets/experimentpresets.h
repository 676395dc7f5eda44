// One-click experiments for demonstrations: a preset is a dataset and a list of runs that the
// Training panel trains one after another, overlaid on its charts. An experiment file (a lesson a
// teacher hands out: File > Save experiment, File > Open experiment, `pretext lesson.json`) is one
// preset as a JSON object; the presets shipped with Pretext are such files, resources/presets/*.json.
#pragma once

#include <pretext/training.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantMap>

struct PresetRun {
  QString label;                ///< the run's name in the charts' legend
  pretext::TrainConfig config;  ///< the panel's settings with the preset's overrides
};

struct ExperimentPreset {
  QString title;
  QString description;
  QString dataset;  ///< a dataset spec ("fashion-mnist", "shapes", ...)
  /// The panels to show while it runs, first one first: names from experimentCharts()
  /// (training: the loss and k-NN charts; filters; ...). Empty: training.
  QStringList charts;
  /// Overrides of the Training panel's settings, one object per run: label, method, epochs, subset,
  /// batch_size, backbone, width, first_kernel, optimizer, learning_rate, seed, method_options (an
  /// object of numbers), augment (a recipe name, or an object of operations, each {enabled,
  /// probability, strength}, as config.json writes them), knn_stage,
  /// eval_dataset (a labelled dataset spec for the k-NN monitor and probe; absent: none).
  QList<QVariantMap> runs;
};

/// The panel names an experiment's "charts" may list: training, filters, augmentations, attention,
/// retrieval, embedding, results.
const QStringList& experimentCharts();

/// Parses a JSON array of presets. Throws std::invalid_argument naming the preset and the key that is
/// wrong (an unknown method, key or augmentation, a missing title or an empty run list).
QList<ExperimentPreset> parsePresets(const QByteArray& json);

/// Parses one experiment file's text (a JSON object); `file` names it in messages. Throws
/// std::invalid_argument "FILE: FIELD: what is wrong" (e.g. "lesson.json: runs[2].method: unknown
/// method 'simclear' ...").
ExperimentPreset parseExperiment(const QByteArray& json, const QString& file);
/// Reads and parses the experiment file at `path`; throws std::invalid_argument naming it.
ExperimentPreset readExperimentFile(const QString& path);
/// The experiment as a file's text (indented JSON, the keys parseExperiment reads).
QByteArray experimentJson(const ExperimentPreset& preset);
/// Writes experimentJson(preset) to `path`; throws std::runtime_error naming it when it cannot.
void writeExperimentFile(const QString& path, const ExperimentPreset& preset);
/// One run of `config` on `dataset` (a spec) as an experiment: what File > Save experiment writes.
ExperimentPreset experimentFromSettings(const QString& title, const QString& description, const QString& dataset,
                                        const pretext::TrainConfig& config, const QStringList& charts);

/// The presets shipped in the resources: every :/presets/*.json in the order of the file names.
QList<ExperimentPreset> builtInPresets();

/// The runs of `preset` on top of `base` (the Training panel's settings). Each run gets a folder
/// under `runsRoot`: <preset>/<label>-<time>.
QList<PresetRun> presetRuns(const ExperimentPreset& preset, const pretext::TrainConfig& base, const QString& runsRoot);

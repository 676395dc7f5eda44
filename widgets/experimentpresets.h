// One-click experiments for demonstrations: a preset is a dataset and a list of runs that the
// Training panel trains one after another, overlaid on its charts. The presets shipped with Pretext
// are resources/presets/experiments.json.
#pragma once

#include <pretext/training.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariantMap>

struct PresetRun {
  QString label;                ///< the run's name in the charts' legend
  pretext::TrainConfig config;  ///< the panel's settings with the preset's overrides
};

struct ExperimentPreset {
  QString title;
  QString description;
  QString dataset;  ///< a dataset spec ("fashion-mnist", "shapes", ...)
  /// Overrides of the Training panel's settings, one object per run: method, epochs, subset,
  /// batch_size, backbone, augment (a preset name), knn_stage, and label.
  QList<QVariantMap> runs;
};

/// Parses a JSON array of presets. Throws std::invalid_argument naming the preset and the key that is
/// wrong (an unknown method, key or augmentation, a missing title or an empty run list).
QList<ExperimentPreset> parsePresets(const QByteArray& json);

/// The presets shipped in the resources (:/presets/experiments.json).
QList<ExperimentPreset> builtInPresets();

/// The runs of `preset` on top of `base` (the Training panel's settings). Each run gets a folder
/// under `runsRoot`: <preset>/<label>-<time>.
QList<PresetRun> presetRuns(const ExperimentPreset& preset, const pretext::TrainConfig& base, const QString& runsRoot);

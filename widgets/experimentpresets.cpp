#include "experimentpresets.h"

#include <pretext/augment.h>
#include <pretext/dataset.h>
#include <pretext/methods.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>

#include <stdexcept>

namespace {

const QStringList kRunKeys{QStringLiteral("label"),      QStringLiteral("method"),  QStringLiteral("epochs"),
                           QStringLiteral("subset"),     QStringLiteral("batch_size"), QStringLiteral("backbone"),
                           QStringLiteral("augment"),    QStringLiteral("knn_stage"),  QStringLiteral("width"),
                           QStringLiteral("first_kernel"), QStringLiteral("optimizer"), QStringLiteral("learning_rate"),
                           QStringLiteral("seed"),       QStringLiteral("method_options"), QStringLiteral("eval_dataset")};
const QStringList kExperimentKeys{QStringLiteral("title"),  QStringLiteral("description"), QStringLiteral("dataset"),
                                  QStringLiteral("charts"), QStringLiteral("runs"),        QStringLiteral("pretext_experiment")};
const QStringList kIntegerKeys{QStringLiteral("epochs"), QStringLiteral("subset"), QStringLiteral("batch_size"),
                               QStringLiteral("width"), QStringLiteral("first_kernel"), QStringLiteral("seed")};
const QStringList kTextKeys{QStringLiteral("label"), QStringLiteral("method"), QStringLiteral("backbone"),
                            QStringLiteral("knn_stage"), QStringLiteral("optimizer"), QStringLiteral("eval_dataset")};

[[noreturn]] void fail(const QString& where, const QString& what) {
  throw std::invalid_argument(QStringLiteral("%1: %2").arg(where, what).toStdString());
}

QString slug(const QString& text) {
  QString s = text.toLower();
  s.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
  return s.remove(QRegularExpression(QStringLiteral("^-+|-+$")));
}

QString typeName(const QJsonValue& v) {
  switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("true/false");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("text");
    case QJsonValue::Array: return QStringLiteral("a list");
    case QJsonValue::Object: return QStringLiteral("an object");
    default: return QStringLiteral("nothing");
  }
}

/// An augmentation object {"crop": {"enabled": true, "probability": 1, "strength": 0.5}, ...} onto `config`.
void readAugment(const QJsonObject& o, const QString& where, pretext::AugmentConfig& config) {
  auto ops = config.ops();
  for (auto it = o.begin(); it != o.end(); ++it) {
    const QString field = where + QLatin1Char('.') + it.key();
    pretext::AugmentOp* op = nullptr;
    QStringList names;
    for (auto& [name, p] : ops) {
      names << QString::fromStdString(name);
      if (QString::fromStdString(name) == it.key()) op = p;
    }
    if (!op) fail(field, QStringLiteral("unknown augmentation (known: %1)").arg(names.join(QStringLiteral(", "))));
    if (!it.value().isObject()) fail(field, QStringLiteral("expected an object, not %1").arg(typeName(it.value())));
    const QJsonObject a = it.value().toObject();
    for (auto k = a.begin(); k != a.end(); ++k) {
      if (k.key() == QLatin1String("enabled")) {
        if (!k.value().isBool()) fail(field + QStringLiteral(".enabled"), QStringLiteral("expected true or false"));
        op->enabled = k.value().toBool();
      } else if (k.key() == QLatin1String("probability") || k.key() == QLatin1String("strength")) {
        const double v = k.value().toDouble(-1.0);
        if (!k.value().isDouble() || v < 0 || v > 1) {
          fail(field + QLatin1Char('.') + k.key(), QStringLiteral("expected a number from 0 to 1"));
        }
        (k.key() == QLatin1String("probability") ? op->probability : op->strength) = float(v);
      } else {
        fail(field + QLatin1Char('.') + k.key(), QStringLiteral("unknown key (known: enabled, probability, strength)"));
      }
    }
  }
}

/// One preset from its JSON object; `where` prefixes every field in messages.
ExperimentPreset presetFromObject(const QJsonObject& o, const QString& where, bool strictKeys) {
  ExperimentPreset p;
  if (strictKeys) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!kExperimentKeys.contains(it.key())) {
        fail(where + it.key(), QStringLiteral("unknown key (known: %1)").arg(kExperimentKeys.join(QStringLiteral(", "))));
      }
    }
  }
  const QJsonValue title = o.value(QStringLiteral("title"));
  if (!title.isString() || title.toString().isEmpty()) fail(where + QStringLiteral("title"), QStringLiteral("missing: an experiment needs a title"));
  p.title = title.toString();
  p.description = o.value(QStringLiteral("description")).toString();
  const QJsonValue dataset = o.value(QStringLiteral("dataset"));
  if (!dataset.isUndefined() && !dataset.isString()) fail(where + QStringLiteral("dataset"), QStringLiteral("expected text such as \"shapes\""));
  p.dataset = dataset.toString(QStringLiteral("fashion-mnist"));
  try {
    pretext::DatasetSpec::parse(p.dataset.toStdString());
  } catch (const std::exception& e) {
    fail(where + QStringLiteral("dataset"), QString::fromUtf8(e.what()));
  }
  const QJsonValue charts = o.value(QStringLiteral("charts"));
  if (!charts.isUndefined()) {
    if (!charts.isArray()) fail(where + QStringLiteral("charts"), QStringLiteral("expected a list such as [\"training\", \"filters\"]"));
    for (const QJsonValue& c : charts.toArray()) {
      if (!experimentCharts().contains(c.toString())) {
        fail(where + QStringLiteral("charts"), QStringLiteral("unknown chart '%1' (known: %2)")
                                                   .arg(c.toVariant().toString(), experimentCharts().join(QStringLiteral(", "))));
      }
      p.charts << c.toString();
    }
  }
  const QJsonValue runs = o.value(QStringLiteral("runs"));
  if (!runs.isArray() || runs.toArray().isEmpty()) fail(where + QStringLiteral("runs"), QStringLiteral("has no runs"));
  int index = 0;
  for (const QJsonValue& r : runs.toArray()) {
    const QString at = where + QStringLiteral("runs[%1]").arg(index++);
    if (!r.isObject()) fail(at, QStringLiteral("expected an object, not %1").arg(typeName(r)));
    const QJsonObject run = r.toObject();
    for (auto it = run.begin(); it != run.end(); ++it) {
      const QString field = at + QLatin1Char('.') + it.key();
      if (!kRunKeys.contains(it.key())) fail(at, QStringLiteral("unknown key '%1' in a run").arg(it.key()));
      if (kIntegerKeys.contains(it.key()) && (!it.value().isDouble() || it.value().toDouble() < 0 ||
                                             it.value().toDouble() != double(qint64(it.value().toDouble())))) {
        fail(field, QStringLiteral("expected a whole number, not %1").arg(it.value().toVariant().toString()));
      }
      if (kTextKeys.contains(it.key()) && !it.value().isString()) fail(field, QStringLiteral("expected text, not %1").arg(typeName(it.value())));
      if (it.key() == QLatin1String("learning_rate") && (!it.value().isDouble() || it.value().toDouble() < 0)) {
        fail(field, QStringLiteral("expected a number >= 0"));
      }
    }
    const QString method = run.value(QStringLiteral("method")).toString();
    try {
      pretext::methodInfo(method.toStdString());
    } catch (const std::exception& e) {
      fail(at + QStringLiteral(".method"), QString::fromUtf8(e.what()));
    }
    const QJsonValue augment = run.value(QStringLiteral("augment"));
    if (augment.isString() && !augment.toString().isEmpty() && augment.toString() != QLatin1String("custom")) {
      try {
        pretext::AugmentConfig::preset(augment.toString().toStdString());
      } catch (const std::exception& e) {
        fail(at + QStringLiteral(".augment"), QString::fromUtf8(e.what()));
      }
    } else if (augment.isObject()) {
      pretext::AugmentConfig check;
      readAugment(augment.toObject(), at + QStringLiteral(".augment"), check);
    } else if (!augment.isUndefined() && !augment.isString()) {
      fail(at + QStringLiteral(".augment"), QStringLiteral("expected a recipe name or an object of operations"));
    }
    const QJsonValue options = run.value(QStringLiteral("method_options"));
    if (!options.isUndefined()) {
      if (!options.isObject()) fail(at + QStringLiteral(".method_options"), QStringLiteral("expected an object of numbers"));
      const QJsonObject opts = options.toObject();
      for (auto it = opts.begin(); it != opts.end(); ++it) {
        if (!it.value().isDouble()) fail(at + QStringLiteral(".method_options.") + it.key(), QStringLiteral("expected a number"));
      }
    }
    pretext::TrainConfig c;
    const auto width = run.value(QStringLiteral("width"));
    if (!width.isUndefined()) c.backboneWidth = width.toInt();
    c.firstKernel = run.value(QStringLiteral("first_kernel")).toInt(0);
    try {
      pretext::validateConfig(c);
    } catch (const std::exception& e) {
      fail(at, QString::fromUtf8(e.what()));
    }
    p.runs.push_back(run.toVariantMap());
  }
  return p;
}

QJsonDocument parseJson(const QByteArray& json, const QString& file) {
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
  if (error.error != QJsonParseError::NoError) {
    throw std::invalid_argument(QStringLiteral("%1: %2 at offset %3").arg(file, error.errorString()).arg(error.offset).toStdString());
  }
  return doc;
}

}  // namespace

const QStringList& experimentCharts() {
  static const QStringList charts{QStringLiteral("training"),  QStringLiteral("filters"),   QStringLiteral("augmentations"),
                                  QStringLiteral("attention"), QStringLiteral("retrieval"), QStringLiteral("embedding"),
                                  QStringLiteral("results")};
  return charts;
}

QList<ExperimentPreset> parsePresets(const QByteArray& json) {
  const QJsonDocument doc = parseJson(json, QStringLiteral("presets"));
  if (!doc.isArray()) throw std::invalid_argument("presets: expected a JSON array of presets");
  QList<ExperimentPreset> presets;
  int index = 0;
  for (const QJsonValue& value : doc.array()) {
    ++index;
    const QJsonObject o = value.toObject();
    const QString title = o.value(QStringLiteral("title")).toString();
    const QString where = title.isEmpty() ? QStringLiteral("preset #%1: ").arg(index) : QStringLiteral("preset '%1': ").arg(title);
    try {
      presets.push_back(presetFromObject(o, where, /*strictKeys=*/false));
    } catch (const std::invalid_argument& e) {
      const QString what = QString::fromUtf8(e.what());
      if (what.endsWith(QLatin1String("missing: an experiment needs a title"))) fail(where + QStringLiteral("title"), QStringLiteral("has no title"));
      throw;
    }
  }
  return presets;
}

ExperimentPreset parseExperiment(const QByteArray& json, const QString& file) {
  const QJsonDocument doc = parseJson(json, file);
  if (!doc.isObject()) throw std::invalid_argument(QStringLiteral("%1: expected one experiment, a JSON object").arg(file).toStdString());
  const QJsonObject o = doc.object();
  const QJsonValue version = o.value(QStringLiteral("pretext_experiment"));
  if (!version.isUndefined() && version.toInt(-1) != 1) {
    fail(file + QStringLiteral(": pretext_experiment"),
         QStringLiteral("version %1 is newer than this Pretext reads (1)").arg(version.toVariant().toString()));
  }
  return presetFromObject(o, file + QStringLiteral(": "), /*strictKeys=*/true);
}

ExperimentPreset readExperimentFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    throw std::invalid_argument(QStringLiteral("%1: cannot be read (%2)").arg(QDir::toNativeSeparators(path), file.errorString()).toStdString());
  }
  return parseExperiment(file.readAll(), QDir::toNativeSeparators(path));
}

QByteArray experimentJson(const ExperimentPreset& preset) {
  QJsonObject o;
  o.insert(QStringLiteral("pretext_experiment"), 1);
  o.insert(QStringLiteral("title"), preset.title);
  o.insert(QStringLiteral("description"), preset.description);
  o.insert(QStringLiteral("dataset"), preset.dataset);
  if (!preset.charts.isEmpty()) o.insert(QStringLiteral("charts"), QJsonArray::fromStringList(preset.charts));
  QJsonArray runs;
  for (const QVariantMap& run : preset.runs) runs.append(QJsonObject::fromVariantMap(run));
  o.insert(QStringLiteral("runs"), runs);
  return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

void writeExperimentFile(const QString& path, const ExperimentPreset& preset) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(experimentJson(preset)) < 0 || !file.commit()) {
    throw std::runtime_error(QStringLiteral("%1: cannot be written (%2)").arg(QDir::toNativeSeparators(path), file.errorString()).toStdString());
  }
}

ExperimentPreset experimentFromSettings(const QString& title, const QString& description, const QString& dataset,
                                        const pretext::TrainConfig& c, const QStringList& charts) {
  ExperimentPreset p;
  p.title = title;
  p.description = description;
  p.dataset = dataset;
  p.charts = charts;
  QVariantMap run;
  run.insert(QStringLiteral("label"), QString::fromStdString(pretext::methodInfo(c.method).title));
  run.insert(QStringLiteral("method"), QString::fromStdString(c.method));
  run.insert(QStringLiteral("epochs"), c.epochs);
  run.insert(QStringLiteral("subset"), qint64(c.subset));
  run.insert(QStringLiteral("batch_size"), c.batchSize);
  run.insert(QStringLiteral("backbone"), QString::fromStdString(c.backbone));
  run.insert(QStringLiteral("width"), c.backboneWidth);
  if (c.firstKernel != 0) run.insert(QStringLiteral("first_kernel"), c.firstKernel);
  if (!c.optimizer.empty()) run.insert(QStringLiteral("optimizer"), QString::fromStdString(c.optimizer));
  if (c.learningRate > 0) run.insert(QStringLiteral("learning_rate"), c.learningRate);
  run.insert(QStringLiteral("seed"), qint64(c.seed));
  if (!c.knnStage.empty()) run.insert(QStringLiteral("knn_stage"), QString::fromStdString(c.knnStage));
  if (!c.evalDataset.empty()) run.insert(QStringLiteral("eval_dataset"), QString::fromStdString(c.evalDataset));
  if (!c.methodOptions.empty()) {
    QVariantMap options;
    for (const auto& [k, v] : c.methodOptions) options.insert(QString::fromStdString(k), v);
    run.insert(QStringLiteral("method_options"), options);
  }
  if (c.augmentPreset == "custom") {
    QVariantMap ops;
    for (const auto& [name, op] : c.augment.ops()) {
      ops.insert(QString::fromStdString(name), QVariantMap{{QStringLiteral("enabled"), op->enabled},
                                                           {QStringLiteral("probability"), double(op->probability)},
                                                           {QStringLiteral("strength"), double(op->strength)}});
    }
    run.insert(QStringLiteral("augment"), ops);
  } else if (!c.augmentPreset.empty()) {
    run.insert(QStringLiteral("augment"), QString::fromStdString(c.augmentPreset));
  }
  p.runs.push_back(run);
  return p;
}

QList<ExperimentPreset> builtInPresets() {
  QList<ExperimentPreset> out;
  const QDir dir(QStringLiteral(":/presets"));
  for (const QString& name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
    out.push_back(readExperimentFile(dir.filePath(name)));
  }
  return out;
}

QList<PresetRun> presetRuns(const ExperimentPreset& preset, const pretext::TrainConfig& base, const QString& runsRoot) {
  QList<PresetRun> out;
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  for (const QVariantMap& run : preset.runs) {
    PresetRun r;
    r.config = base;
    r.config.method = run.value(QStringLiteral("method")).toString().toStdString();
    r.config.methodOptions.clear();  // the panel's options belong to its own method
    const QVariantMap options = run.value(QStringLiteral("method_options")).toMap();
    for (auto it = options.begin(); it != options.end(); ++it) r.config.methodOptions[it.key().toStdString()] = it.value().toDouble();
    if (run.contains(QStringLiteral("epochs"))) r.config.epochs = run.value(QStringLiteral("epochs")).toInt();
    if (run.contains(QStringLiteral("subset"))) r.config.subset = run.value(QStringLiteral("subset")).toLongLong();
    if (run.contains(QStringLiteral("batch_size"))) r.config.batchSize = run.value(QStringLiteral("batch_size")).toInt();
    if (run.contains(QStringLiteral("backbone"))) r.config.backbone = run.value(QStringLiteral("backbone")).toString().toStdString();
    if (run.contains(QStringLiteral("width"))) r.config.backboneWidth = run.value(QStringLiteral("width")).toInt();
    r.config.firstKernel = run.value(QStringLiteral("first_kernel"), 0).toInt();
    if (run.contains(QStringLiteral("optimizer"))) r.config.optimizer = run.value(QStringLiteral("optimizer")).toString().toStdString();
    if (run.contains(QStringLiteral("learning_rate"))) r.config.learningRate = run.value(QStringLiteral("learning_rate")).toDouble();
    if (run.contains(QStringLiteral("seed"))) r.config.seed = run.value(QStringLiteral("seed")).toULongLong();
    const QVariant augment = run.value(QStringLiteral("augment"));
    if (augment.typeId() == QMetaType::QVariantMap) {
      r.config.augmentPreset = "custom";
      r.config.augment = pretext::AugmentConfig::none();
      readAugment(QJsonObject::fromVariantMap(augment.toMap()), QStringLiteral("augment"), r.config.augment);
    } else {
      r.config.augmentPreset = augment.toString().toStdString();
    }
    r.config.knnStage = run.value(QStringLiteral("knn_stage")).toString().toStdString();
    r.config.evalDataset = run.value(QStringLiteral("eval_dataset")).toString().toStdString();
    const auto& info = pretext::methodInfo(r.config.method);
    if (!info.requiredBackbone.empty()) r.config.backbone = info.requiredBackbone;
    if (!info.trains) r.config.epochs = 0;  // evaluated as built
    r.label = run.value(QStringLiteral("label"), QString::fromStdString(info.title)).toString();
    r.config.outDir = QDir(runsRoot).filePath(slug(preset.title) + QLatin1Char('/') + slug(r.label) + QLatin1Char('-') + stamp)
                          .toStdString();
    out.push_back(r);
  }
  return out;
}

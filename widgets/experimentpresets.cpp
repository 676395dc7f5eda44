#include "experimentpresets.h"

#include <pretext/augment.h>
#include <pretext/methods.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <stdexcept>

namespace {

const QStringList kRunKeys{QStringLiteral("label"),      QStringLiteral("method"),  QStringLiteral("epochs"),
                           QStringLiteral("subset"),     QStringLiteral("batch_size"), QStringLiteral("backbone"),
                           QStringLiteral("augment"),    QStringLiteral("knn_stage")};

[[noreturn]] void fail(const QString& where, const QString& what) {
  throw std::invalid_argument(QStringLiteral("preset %1: %2").arg(where, what).toStdString());
}

QString slug(const QString& text) {
  QString s = text.toLower();
  s.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
  return s.remove(QRegularExpression(QStringLiteral("^-+|-+$")));
}

}  // namespace

QList<ExperimentPreset> parsePresets(const QByteArray& json) {
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
  if (error.error != QJsonParseError::NoError) {
    throw std::invalid_argument(QStringLiteral("presets: %1 at offset %2").arg(error.errorString()).arg(error.offset).toStdString());
  }
  if (!doc.isArray()) throw std::invalid_argument("presets: expected a JSON array of presets");
  QList<ExperimentPreset> presets;
  int index = 0;
  for (const QJsonValue& value : doc.array()) {
    ++index;
    const QJsonObject o = value.toObject();
    ExperimentPreset p;
    p.title = o.value(QStringLiteral("title")).toString();
    const QString where = p.title.isEmpty() ? QStringLiteral("#%1").arg(index) : QStringLiteral("'%1'").arg(p.title);
    if (p.title.isEmpty()) fail(where, QStringLiteral("has no title"));
    p.description = o.value(QStringLiteral("description")).toString();
    p.dataset = o.value(QStringLiteral("dataset")).toString(QStringLiteral("fashion-mnist"));
    for (const QJsonValue& r : o.value(QStringLiteral("runs")).toArray()) {
      const QVariantMap run = r.toObject().toVariantMap();
      for (auto it = run.begin(); it != run.end(); ++it) {
        if (!kRunKeys.contains(it.key())) fail(where, QStringLiteral("unknown key '%1' in a run").arg(it.key()));
      }
      const QString method = run.value(QStringLiteral("method")).toString();
      try {
        pretext::methodInfo(method.toStdString());
      } catch (const std::exception& e) {
        fail(where, QString::fromUtf8(e.what()));
      }
      const QString augment = run.value(QStringLiteral("augment")).toString();
      if (!augment.isEmpty()) {
        try {
          pretext::AugmentConfig::preset(augment.toStdString());
        } catch (const std::exception& e) {
          fail(where, QString::fromUtf8(e.what()));
        }
      }
      p.runs.push_back(run);
    }
    if (p.runs.isEmpty()) fail(where, QStringLiteral("has no runs"));
    presets.push_back(p);
  }
  return presets;
}

QList<ExperimentPreset> builtInPresets() {
  QFile file(QStringLiteral(":/presets/experiments.json"));
  if (!file.open(QIODevice::ReadOnly)) return {};
  return parsePresets(file.readAll());
}

QList<PresetRun> presetRuns(const ExperimentPreset& preset, const pretext::TrainConfig& base, const QString& runsRoot) {
  QList<PresetRun> out;
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  for (const QVariantMap& run : preset.runs) {
    PresetRun r;
    r.config = base;
    r.config.method = run.value(QStringLiteral("method")).toString().toStdString();
    r.config.methodOptions.clear();  // the panel's options belong to its own method
    if (run.contains(QStringLiteral("epochs"))) r.config.epochs = run.value(QStringLiteral("epochs")).toInt();
    if (run.contains(QStringLiteral("subset"))) r.config.subset = run.value(QStringLiteral("subset")).toLongLong();
    if (run.contains(QStringLiteral("batch_size"))) r.config.batchSize = run.value(QStringLiteral("batch_size")).toInt();
    if (run.contains(QStringLiteral("backbone"))) r.config.backbone = run.value(QStringLiteral("backbone")).toString().toStdString();
    r.config.augmentPreset = run.value(QStringLiteral("augment")).toString().toStdString();
    r.config.knnStage = run.value(QStringLiteral("knn_stage")).toString().toStdString();
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

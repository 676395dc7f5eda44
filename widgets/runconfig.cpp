#include "runconfig.h"

#include "translation.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <exception>

RunConfigRead readRunConfig(const QString& dir) {
  RunConfigRead out;
  QFile file(QDir(dir).filePath(QStringLiteral("config.json")));
  if (!file.exists()) return out;
  const QString name = QDir::toNativeSeparators(file.fileName());
  if (!file.open(QIODevice::ReadOnly)) {
    out.error = QCoreApplication::translate("RunConfig", "Cannot read %1: %2").arg(name, file.errorString());
    return out;
  }
  try {
    out.config = pretext::configFromJson(file.readAll().toStdString());
  } catch (const std::exception& e) {
    // configFromJson names the file by its bare name ("config.json: …"); the full path says it here.
    QString detail = QString::fromUtf8(e.what());
    const QString bare = QStringLiteral("config.json: ");
    if (detail.startsWith(bare)) detail.remove(0, bare.size());
    out.error = QCoreApplication::translate("RunConfig", "%1: %2").arg(name, i18n::coreMessage(detail));
  }
  return out;
}

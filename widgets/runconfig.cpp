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
    out.config = pretext::configFromJson(file.readAll().toStdString(), name.toStdString());
  } catch (const std::exception& e) {
    out.error = i18n::coreMessage(QString::fromUtf8(e.what()));  // "PATH: what", the path kept
  }
  return out;
}

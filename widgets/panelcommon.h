// What the inspection panels share: how they name a run folder and a method in captions, and their
// error line.
#pragma once

#include <pretext/methods.h>

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QString>

#include <exception>
#include <string>

/// The folder's last component ("runs/simclr-1" -> "simclr-1"); the path itself when it has none.
inline QString runFolderName(const QString& dir) {
  const QFileInfo info(QDir::cleanPath(dir));
  return info.fileName().isEmpty() ? dir : info.fileName();
}

/// The catalogue's title of a method ("simclr" -> "SimCLR"); the name itself when it is unknown.
inline QString methodTitle(const std::string& name) {
  try {
    return QString::fromStdString(pretext::methodInfo(name).title);
  } catch (const std::exception&) {
    return QString::fromStdString(name);
  }
}

/// A hidden, word-wrapped, selectable line in red for what went wrong (shown by the panel).
inline QLabel* makeErrorLabel() {
  auto* label = new QLabel;
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label->setStyleSheet(QStringLiteral("color: #c62828;"));
  label->hide();
  return label;
}

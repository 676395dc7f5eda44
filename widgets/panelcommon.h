// What the inspection panels share: when two paths are the same run folder, how they name a run
// folder and a method in captions, and their error line.
#pragma once

#include <pretext/dataset.h>
#include <pretext/methods.h>

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QString>
#include <QUrl>

#include <exception>
#include <string>

/// A run folder as the panels and the window keep it: absolute and clean ("runs/./a/" ->
/// "/home/me/runs/a"); empty stays empty.
inline QString runFolderPath(const QString& dir) {
  return dir.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
}

/// Whether `a` and `b` name the same run folder: their absolute, clean paths are equal, or, where the
/// folders exist, their canonical paths (symbolic links resolved). An empty path names no folder.
/// The one place that decides it, for every panel and the window.
inline bool sameRunFolder(const QString& a, const QString& b) {
  if (a.isEmpty() || b.isEmpty()) return false;
  const QString pa = runFolderPath(a), pb = runFolderPath(b);
  if (pa == pb) return true;
  const QString ca = QFileInfo(pa).canonicalFilePath();
  return !ca.isEmpty() && ca == QFileInfo(pb).canonicalFilePath();
}

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

/// The first local file among dropped or pasted URLs (an image of the user's own as a query), or
/// an empty string.
inline QString localFileIn(const QMimeData* mime) {
  if (!mime || !mime->hasUrls()) return {};
  for (const auto& url : mime->urls()) {
    if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile()) return url.toLocalFile();
  }
  return {};
}

/// Identifies a test split: two runs whose keys differ have different test images (the Attention
/// and Retrieval panels' comparisons refuse those).
inline QString datasetKey(const pretext::Dataset& ds) {
  return QStringLiteral("%1 (%2 test images of %3x%4)")
      .arg(QString::fromStdString(ds.name()))
      .arg(ds.hasSplit(pretext::Split::Test) ? ds.size(pretext::Split::Test) : 0)
      .arg(ds.width())
      .arg(ds.height());
}

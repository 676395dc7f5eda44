// Loads datasets off the GUI thread: lives in a QThread owned by the DatasetPanel. Requests come
// in by queued calls, results go out by queued signals carrying value types; no exception
// leaves load().
#pragma once

#include "pretext/dataset.h"

#include <QObject>
#include <QString>

#include <atomic>

class DatasetLoader final : public QObject {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(DatasetLoader)

 public:
  explicit DatasetLoader(QObject* parent = nullptr);

  /// Called from any thread: requests older than `request` are skipped when their turn comes.
  void supersede(quint64 request) { m_latest.store(request); }

  /// Runs in the loader's thread.
  void load(quint64 request, const pretext::DatasetSpec& spec);

 signals:
  void loaded(quint64 request, const pretext::Dataset& dataset, double seconds);
  void failed(quint64 request, const QString& message);

 private:
  std::atomic<quint64> m_latest{0};
};

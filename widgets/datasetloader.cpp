#include "datasetloader.h"
#include "translation.h"

#include <QElapsedTimer>

DatasetLoader::DatasetLoader(QObject* parent) : QObject(parent) {}

void DatasetLoader::load(quint64 request, const pretext::DatasetSpec& spec) {
  if (request < m_latest.load()) return;  // the user already asked for something else
  QElapsedTimer timer;
  timer.start();
  try {
    pretext::Dataset dataset = pretext::Dataset::load(spec);
    emit loaded(request, dataset, timer.nsecsElapsed() / 1e9);
  } catch (const pretext::DatasetError& e) {
    emit failed(request, i18n::coreMessage(QString::fromStdString(e.what())));
  } catch (const std::bad_alloc&) {
    emit failed(request, tr("not enough memory to load this dataset"));
  } catch (const std::exception& e) {
    emit failed(request, i18n::coreMessage(QString::fromStdString(e.what())));
  } catch (...) {
    emit failed(request, tr("unknown error while loading"));
  }
}

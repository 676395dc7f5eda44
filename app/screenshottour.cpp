#include "screenshottour.h"

#include "mainwindow.h"
#include "retrievalpanel.h"
#include "runinspector.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace {

constexpr int kSettleMs = 2500;        // layouts, the first queued jobs, chart replots
constexpr int kPanelTimeoutMs = 300000;  // a retrieval query on a CPU extracts every image's features

struct Tour {
  MainWindow* window = nullptr;
  QString dir;
  QStringList titles;
  int next = 0;
  QElapsedTimer onPanel;
};

void step(const std::shared_ptr<Tour>& tour);

void waitThenShoot(const std::shared_ptr<Tour>& tour) {
  const bool settled = tour->onPanel.elapsed() >= kSettleMs && !tour->window->inspector()->busy();
  if (!settled && tour->onPanel.elapsed() < kPanelTimeoutMs) {
    QTimer::singleShot(250, tour->window, [tour] { waitThenShoot(tour); });
    return;
  }
  QTimer::singleShot(300, tour->window, [tour] {
    const QString name = QStringLiteral("%1-%2.png")
                             .arg(tour->next, 2, 10, QLatin1Char('0'))
                             .arg(tour->titles.at(tour->next - 1).toLower().replace(QLatin1Char(' '), QLatin1Char('-')));
    const QString path = QDir(tour->dir).filePath(name);
    if (!tour->window->grab().save(path, "PNG")) {
      std::fprintf(stderr, "pretext: could not write %s\n", qPrintable(path));
      qApp->exit(1);
      return;
    }
    std::fprintf(stderr, "pretext: %s\n", qPrintable(path));
    step(tour);
  });
}

void step(const std::shared_ptr<Tour>& tour) {
  if (tour->next >= tour->titles.size()) {
    qApp->exit(0);
    return;
  }
  MainWindow& w = *tour->window;
  w.showPanel(tour->next);
  ++tour->next;
  // A gallery is more telling than the grid of candidates: ask for the first one's neighbours.
  RetrievalPanel* retrieval = w.retrievalPanel();
  if (w.currentPanel() == retrieval) {
    QTimer::singleShot(kSettleMs, &w, [retrieval] {
      if (!retrieval->candidates().empty() && retrieval->shownQuery() < 0) retrieval->showQuery(retrieval->candidates().front());
    });
  }
  tour->onPanel.restart();
  QTimer::singleShot(kSettleMs, &w, [tour] { waitThenShoot(tour); });
}

}  // namespace

void startScreenshotTour(MainWindow& window, const QString& dir) {
  QDir().mkpath(dir);
  auto tour = std::make_shared<Tour>();
  tour->window = &window;
  tour->dir = dir;
  tour->titles = window.panelTitles();
  step(tour);
}

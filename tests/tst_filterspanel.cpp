// The Filters panel: the grid it shows is the Evaluator's, enlarged by whole pixels; live grids win
// over checkpoints while training; "compare with the start" keeps the first grid of the run; hidden
// panels compute nothing; failures say why; repeated refreshes coalesce; a real training run feeds it.
// PRETEXT_SCREENSHOT_DIR=/some/dir saves pictures of the panel there (and PRETEXT_SCREENSHOT_RUN
// names a real run folder to show).
#include "filterspanel.h"
#include "widgettestutil.h"
#include "panelcommon.h"
#include "pixelimageview.h"
#include "runinspector.h"
#include "trainingpanel.h"

#include <pretext/evaluation.h>
#include <pretext/metrics.h>
#include <pretext/training.h>

#include <qcustomplot.h>

#include "qtconvert.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest/QtTest>

namespace {

pretext::DatasetSpec shapesSpec() {
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  spec.shapesPerClass = 16;
  return spec;
}

/// Trains a tiny run folder on the synthetic shapes (a few seconds on two cores).
void trainRun(const QString& dir, const std::string& method, int epochs) {
  pretext::TrainConfig c;
  c.dataset = shapesSpec();
  c.method = method;
  c.backboneWidth = 8;
  c.epochs = epochs;
  c.batchSize = 32;
  c.subset = 64;
  c.device = "cpu";
  c.outDir = dir.toStdString();
  pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
  const auto result = trainer.run();
  QVERIFY2(result.status == pretext::RunStatus::Finished, result.message.c_str());
}

QImage evaluatorGrid(const QString& dir) {
  pretext::Evaluator ev(dir.toStdString(), "cpu");
  pretext::SheetColours sheet;
  sheet.transparent = true;  // as the panel asks for it: gaps in the panel's background
  return pretext::toQImage(ev.filterGrid(6, sheet));
}

QImage liveGrid(QRgb colour, int step) {
  QImage image(48, 24, QImage::Format_RGB888);
  image.fill(colour);
  image.setPixel(3, 5, qRgb(255, 255, 255));
  image.setText(QStringLiteral("step"), QString::number(step));
  return image;
}

void screenshot(QWidget& widget, const QString& name) {
  const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
  if (dir.isEmpty()) return;
  QCoreApplication::processEvents();
  widget.grab().save(QDir(dir).filePath(name));
}

}  // namespace

class TstFiltersPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  QString m_run;        // simclr, 2 epochs
  QString m_noCheckpoint, m_notRun, m_corrupt;

 private slots:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_run = m_tmp.filePath(QStringLiteral("simclr-run"));
    trainRun(m_run, "simclr", 2);
    // A run folder whose training has not reached its first checkpoint.
    m_noCheckpoint = m_tmp.filePath(QStringLiteral("starting"));
    QDir().mkpath(m_noCheckpoint);
    QFile::copy(QDir(m_run).filePath(QStringLiteral("config.json")), QDir(m_noCheckpoint).filePath(QStringLiteral("config.json")));
    m_notRun = m_tmp.filePath(QStringLiteral("holiday-photos"));
    QDir().mkpath(m_notRun);
    m_corrupt = m_tmp.filePath(QStringLiteral("corrupt"));
    QDir().mkpath(m_corrupt + QStringLiteral("/checkpoints"));
    QFile::copy(QDir(m_run).filePath(QStringLiteral("config.json")), QDir(m_corrupt).filePath(QStringLiteral("config.json")));
    QFile bad(QDir(m_corrupt).filePath(QStringLiteral("checkpoints/last.pt")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("this is not a checkpoint");
  }

  void placeholderWithoutRun() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(900, 700);
    panel.show();
    QVERIFY(panel.currentView()->image().isNull());
    QVERIFY(panel.currentView()->placeholderText().contains(QStringLiteral("No run")));
    QVERIFY(!panel.saveButton()->isEnabled());
    QVERIFY(!panel.busy());
    QVERIFY(!panel.savePng(m_tmp.filePath(QStringLiteral("nothing.png"))));
    QVERIFY(panel.messageLabel()->text().contains(QStringLiteral("no filters")));
    QVERIFY(!QFile::exists(m_tmp.filePath(QStringLiteral("nothing.png"))));
    screenshot(panel, QStringLiteral("filters-empty.png"));

    // View > Large font: the captions grow with the application's font.
    widgettest::checkCaptionFollowsAppFont(panel.captionLabel());
  }

  void checkpointGridIsTheEvaluatorsEnlargedByWholePixels() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(1000, 800);
    panel.show();
    QSignalSpy changed(&panel, &FiltersPanel::gridChanged);
    panel.setRun(m_run);
    QVERIFY(panel.busy());
    QVERIFY(panel.busyIndicator()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QVERIFY(!panel.busyIndicator()->isVisible());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.source(), QStringLiteral("checkpoint"));
    const QImage expected = evaluatorGrid(m_run);
    QCOMPARE(panel.currentGrid(), expected);
    QCOMPARE(panel.currentView()->image(), expected);
    const QString caption = panel.captionLabel()->text();
    QVERIFY2(caption.contains(QStringLiteral("simclr-run")) && caption.contains(QStringLiteral("SimCLR")) &&
                 caption.contains(QStringLiteral("checkpoint after epoch 2")),
             qPrintable(caption));
    QVERIFY(panel.saveButton()->isEnabled());

    // Fitted to the panel: far larger than the grid, and every grid pixel a uniform block (with
    // the movement bars, which cover the tiles' lower edge, turned off).
    QVERIFY(panel.movementBox()->isChecked());
    panel.movementBox()->setChecked(false);
    QCoreApplication::processEvents();
    const QRect target = panel.currentView()->imageRect();
    QVERIFY2(target.width() >= 2 * expected.width() || target.height() >= 2 * expected.height(),
             qPrintable(QStringLiteral("%1x%2").arg(target.width()).arg(target.height())));
    // In the dark theme: the gaps between filters are transparent, so they show the view's dark
    // background, never white blocks.
    panel.setPalette(widgettest::darkPalette());
    QCoreApplication::processEvents();
    const QRgb background = panel.currentView()->palette().color(QPalette::Base).rgb();
    QVERIFY(qGray(background) < 100);
    const QImage shot = panel.currentView()->grab().toImage().convertToFormat(QImage::Format_RGB888);
    int gaps = 0;
    const double fx = double(target.width()) / expected.width(), fy = double(target.height()) / expected.height();
    int checked = 0;
    for (int y = 0; y < expected.height(); y += 3) {
      for (int x = 0; x < expected.width(); x += 3) {
        // The middle of the block that source pixel (x, y) becomes.
        const int px = target.left() + int((x + 0.5) * fx), py = target.top() + int((y + 0.5) * fy);
        const QRgb want = expected.pixel(x, y);
        if (qAlpha(want) == 0) ++gaps;
        QCOMPARE(shot.pixel(px, py), qAlpha(want) == 0 ? background : want);
        ++checked;
      }
    }
    QVERIFY(checked > 50);
    QVERIFY(gaps > 0);
    screenshot(panel, QStringLiteral("filters-checkpoint.png"));
  }

  void liveGridsWinWhileTraining() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.show();
    panel.setRun(m_run);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    const QImage live = liveGrid(qRgb(200, 30, 30), 42);
    panel.showLiveFilters(live);
    QCOMPARE(panel.source(), QStringLiteral("live"));
    QCOMPARE(panel.currentGrid(), live);
    QVERIFY2(panel.captionLabel()->text().contains(QStringLiteral("live, step 42")), qPrintable(panel.captionLabel()->text()));
    // A checkpoint written meanwhile is older than the live grid: nothing is computed.
    panel.checkpointWritten(m_run);
    QVERIFY(!panel.busy());
    QVERIFY(!inspector.busy());
    QCOMPARE(panel.currentGrid(), live);
    // Training over: the checkpoint is shown again.
    panel.trainingFinished();
    QVERIFY(panel.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QCOMPARE(panel.source(), QStringLiteral("checkpoint"));
    QCOMPARE(panel.currentGrid(), evaluatorGrid(m_run));

    // A checkpoint answer that comes after a live grid is dropped.
    FiltersPanel other(&inspector);
    other.show();
    other.setRun(m_run);
    QVERIFY(other.busy());
    other.showLiveFilters(live);
    QVERIFY(!other.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 60000);
    QCoreApplication::processEvents();
    QCOMPARE(other.source(), QStringLiteral("live"));
    QCOMPARE(other.currentGrid(), live);
  }

  void compareWithTheStartKeepsTheFirstGrid() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(1000, 600);
    panel.show();
    const QImage first = liveGrid(qRgb(20, 20, 160), 0), second = liveGrid(qRgb(20, 160, 20), 10),
                 third = liveGrid(qRgb(160, 160, 20), 20);
    panel.showLiveFilters(first);
    panel.showLiveFilters(second);
    panel.showLiveFilters(third);
    QCOMPARE(panel.startGrid(), first);
    QCOMPARE(panel.exportImage(), third);  // not comparing: the current grid alone
    QVERIFY(!panel.startView()->isVisible());
    QTest::mouseClick(panel.compareBox(), Qt::LeftButton);
    QVERIFY(panel.compareBox()->isChecked());
    QVERIFY(panel.startView()->isVisible());
    QCOMPARE(panel.startView()->image(), first);
    QCOMPARE(panel.currentView()->image(), third);

    // The captions are drawn by Qt (the window's language), the sheets pasted unchanged.
    const QImage expected = panel.exportImage();
    QString why;
    QVERIFY2(widgettest::isCaptionedSideBySide(expected, first, QStringLiteral("start: live, step 0"), third,
                                                 QStringLiteral("now: live, step 20"), panel.font(), &why), qPrintable(why));
    const QString path = m_tmp.filePath(QStringLiteral("before-after.png"));
    QVERIFY(panel.savePng(path));
    QCOMPARE(QImage(path).convertToFormat(QImage::Format_RGB888), expected.convertToFormat(QImage::Format_RGB888));
    QVERIFY(!panel.savePng(m_tmp.filePath(QStringLiteral("no/such/folder/x.png"))));
    QVERIFY(panel.messageLabel()->isVisible());

    // Another run starts afresh: its first grid is its own start.
    panel.setRun(m_run);
    QVERIFY(panel.startGrid().isNull());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QCOMPARE(panel.startGrid(), evaluatorGrid(m_run));
    panel.showLiveFilters(second);
    QCOMPARE(panel.startGrid(), evaluatorGrid(m_run));
    QCOMPARE(panel.currentGrid(), second);
    QVERIFY(panel.startView()->isVisible());
  }

  void hiddenPanelComputesWhenShown() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.setRun(m_run);
    QVERIFY(!panel.busy());
    QVERIFY(!inspector.busy());
    panel.show();
    QVERIFY(panel.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QCOMPARE(panel.currentGrid(), evaluatorGrid(m_run));
    panel.hide();
    panel.checkpointWritten(m_run);
    QVERIFY(!inspector.busy());
    panel.show();
    QVERIFY(panel.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    // Another run's checkpoint is not this panel's business.
    panel.checkpointWritten(m_noCheckpoint);
    QVERIFY(!panel.busy());
  }

  // "The same run folder" is one decision (sameRunFolder): another spelling of the path, or a
  // symbolic link to the folder, is the run on show.
  void otherSpellingsAreTheSameRun() {
    const QString link = m_tmp.filePath(QStringLiteral("simclr-link"));
    QVERIFY(QFile::link(m_run, link));
    QVERIFY(sameRunFolder(m_run, link));
    QVERIFY(sameRunFolder(m_run, m_run + QStringLiteral("/./")));
    QVERIFY(!sameRunFolder(m_run, m_noCheckpoint));
    QVERIFY(!sameRunFolder(m_run, QString()));
    QCOMPARE(runFolderPath(QStringLiteral("runs/./a/")), QDir(QDir::currentPath()).filePath(QStringLiteral("runs/a")));
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.show();
    panel.setRun(m_run + QStringLiteral("/"));
    QCOMPARE(panel.run(), m_run);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    panel.setRun(link);  // the run on show already
    QVERIFY(!panel.busy());
    QCOMPARE(panel.run(), m_run);
    panel.checkpointWritten(link);
    QVERIFY(panel.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QCOMPARE(panel.currentGrid(), evaluatorGrid(m_run));
  }

  void failuresSayWhy() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(900, 600);
    panel.show();
    panel.setRun(m_noCheckpoint);
    QVERIFY(!panel.busy());
    QVERIFY2(panel.currentView()->placeholderText().contains(QStringLiteral("no checkpoint yet")),
             qPrintable(panel.currentView()->placeholderText()));
    QVERIFY(panel.captionLabel()->text().contains(QStringLiteral("SimCLR")));  // read from config.json
    screenshot(panel, QStringLiteral("filters-no-checkpoint.png"));
    panel.setRun(m_notRun);
    QVERIFY2(panel.currentView()->placeholderText().contains(QStringLiteral("not a run folder")),
             qPrintable(panel.currentView()->placeholderText()));
    panel.setRun(m_corrupt);
    QVERIFY(panel.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QVERIFY(panel.messageLabel()->isVisible());
    QVERIFY2(panel.messageLabel()->text().contains(QStringLiteral("Could not load the filters of corrupt")),
             qPrintable(panel.messageLabel()->text()));
    QVERIFY(panel.currentGrid().isNull());
    QVERIFY(!panel.saveButton()->isEnabled());
    screenshot(panel, QStringLiteral("filters-corrupt.png"));
    // The next run clears the message.
    panel.setRun(m_run);
    QVERIFY(!panel.messageLabel()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
    QVERIFY(!panel.messageLabel()->isVisible());
  }

  void repeatedRefreshesCoalesce() {
    RunInspector inspector;
    QObject owner;
    // Hold the worker so that the panel's requests wait in the queue.
    inspector.submit<int>(&owner, QStringLiteral("blocker"), [](InspectContext&) {
      QThread::msleep(400);
      return 0;
    }, [](const int&) {});
    FiltersPanel panel(&inspector);
    panel.show();
    QSignalSpy changed(&panel, &FiltersPanel::gridChanged);
    panel.setRun(m_run);
    for (int i = 0; i < 5; ++i) panel.checkpointWritten(m_run);
    panel.refresh();
    QCOMPARE(inspector.queued(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 60000);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.currentGrid(), evaluatorGrid(m_run));
  }

  void destroyedWhileComputing() {
    RunInspector inspector;
    auto* panel = new FiltersPanel(&inspector);
    panel->show();
    panel->setRun(m_run);
    QVERIFY(inspector.busy());
    delete panel;
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 60000);
  }

  void realTrainingFeedsThePanel() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(1000, 700);
    panel.show();
    TrainingPanel training;
    training.setDataset(pretext::Dataset::load(shapesSpec()));
    connect(&training, &TrainingPanel::runFolderChanged, &panel, &FiltersPanel::setRun);
    connect(&training, &TrainingPanel::checkpointWritten, &panel, &FiltersPanel::checkpointWritten);
    connect(&training, &TrainingPanel::filtersUpdated, &panel, &FiltersPanel::showLiveFilters);
    connect(&training, &TrainingPanel::runFinished, &panel, &FiltersPanel::trainingFinished);
    QSignalSpy finished(&training, &TrainingPanel::runFinished);
    QSignalSpy live(&training, &TrainingPanel::filtersUpdated);
    const QString dir = m_tmp.filePath(QStringLiteral("live-run"));
    training.methodBox()->setCurrentIndex(training.methodBox()->findData(QStringLiteral("rotation")));
    training.widthBox()->setValue(8);
    training.batchBox()->setValue(32);
    training.epochsBox()->setValue(2);
    training.runFolderEdit()->setText(dir);
    panel.setCompareWithStart(true);
    QStringList sources;  // what each shown grid came from, in order
    QString liveCaption;
    connect(&panel, &FiltersPanel::gridChanged, &panel, [&] {
      sources << panel.source();
      if (sources.size() == 2) {
        liveCaption = panel.captionLabel()->text();
        screenshot(panel, QStringLiteral("filters-live.png"));
      }
    });
    training.start();
    QCOMPARE(panel.run(), dir);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!sources.isEmpty() && sources.last() == QStringLiteral("checkpoint"), 60000);
    QVERIFY(!panel.busy());
    QVERIFY(live.count() >= 3);  // the start and each epoch's end, at least
    QCOMPARE(sources.count(QStringLiteral("live")), live.count());
    QCOMPARE(sources.count(QStringLiteral("checkpoint")), 1);  // after the training, not during it
    QVERIFY2(liveCaption.contains(QStringLiteral("live-run · Rotation")) && liveCaption.contains(QStringLiteral("live")),
             qPrintable(liveCaption));
    const QImage start = live.first().at(0).value<QImage>();  // the filters before the first step
    QCOMPARE(panel.currentGrid(), evaluatorGrid(dir));
    QCOMPARE(panel.currentGrid(), live.last().at(0).value<QImage>());  // the last live grid is the checkpoint's
    QCOMPARE(panel.startGrid(), start);
    QVERIFY(panel.currentGrid() != start);  // two epochs moved the filters
    QVERIFY(panel.captionLabel()->text().contains(QStringLiteral("checkpoint after epoch 2")));
    screenshot(panel, QStringLiteral("filters-before-after.png"));
  }

  void measuresFollowTheRunFiles() {
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(1000, 800);
    panel.show();
    panel.setRun(m_run);
    QTRY_VERIFY_WITH_TIMEOUT(panel.source() == QStringLiteral("checkpoint"), 60000);
    // The numbers on show are the checkpoint's weights against the kept start.
    pretext::Evaluator ev(m_run.toStdString(), "cpu");
    const pretext::FilterBank now = ev.filters(), start = ev.initialFilters();
    QVERIFY(!start.empty());
    double change = 0, edge = 0;
    for (std::size_t j = 0; j < now.weights.size(); ++j) change += std::abs(double(now.weights[j]) - start.weights[j]);
    change /= double(now.weights.size());
    for (int i = 0; i < now.count; ++i) edge += pretext::edgeLikeness(now, i) / now.count;
    QVERIFY(std::abs(panel.measures().change - change) < 1e-6);
    QVERIFY(std::abs(panel.measures().edgeLikeness - edge) < 1e-9);
    const QVector<double> moved = panel.tileMovement();
    QCOMPARE(int(moved.size()), now.count);
    for (int i = 0; i < now.count; ++i) {
      double d = 0, s = 0;
      for (std::size_t j = 0; j < now.filterLength(); ++j) {
        d += std::abs(double(now.filter(i)[j]) - start.filter(i)[j]);
        s += std::abs(double(start.filter(i)[j]));
      }
      QVERIFY(std::abs(moved[i] - d / s) < 1e-6);
    }
    QVERIFY(panel.startEdgeLikeness() > 0);
    QVERIFY(panel.measuresLabel()->text().contains(QString::number(panel.measures().edgeLikeness, 'f', 2)));
    // The chart is metrics.csv's rows: those before training and of each step.
    QVector<double> steps, edges, changes;
    for (const auto& row : pretext::readMetrics(QDir(m_run).filePath(QStringLiteral("metrics.csv")).toStdString())) {
      if (row.isEpoch() && row.epoch >= 0) continue;
      steps << double(row.globalStep);
      edges << row.edgeLikeness;
      changes << row.filterChange;
    }
    QCOMPARE(steps.size(), 1 + 2 * 2);  // before training, 2 epochs of 2 steps
    QCPGraph* edgeGraph = panel.measuresChart()->graph(0);
    QCPGraph* changeGraph = panel.measuresChart()->graph(1);
    QCOMPARE(edgeGraph->dataCount(), int(steps.size()));
    QCOMPARE(changeGraph->dataCount(), int(steps.size()));
    for (int i = 0; i < steps.size(); ++i) {
      QCOMPARE(edgeGraph->data()->at(i)->key, steps[i]);
      QCOMPARE(edgeGraph->data()->at(i)->value, edges[i]);
      QCOMPARE(changeGraph->data()->at(i)->value, changes[i]);
    }
    QCOMPARE(changes.first(), 0.0);
    QVERIFY(std::abs(changes.last() - change) < 1e-5);  // the last step's row: the checkpoint's weights
    screenshot(panel, QStringLiteral("filters-measures.png"));
  }

  void screenshotOfARealRun() {
    const QString run = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUN");
    if (run.isEmpty() || qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR").isEmpty()) {
      QSKIP("set PRETEXT_SCREENSHOT_DIR and PRETEXT_SCREENSHOT_RUN to take pictures of a real run");
    }
    RunInspector inspector;
    FiltersPanel panel(&inspector);
    panel.resize(1280, 800);
    panel.show();
    panel.setRun(run);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 120000);
    screenshot(panel, QStringLiteral("filters-real-1280.png"));
    panel.resize(800, 560);
    screenshot(panel, QStringLiteral("filters-real-800.png"));
    panel.setPalette(widgettest::darkPalette());  // the gaps between filters follow the theme
    QTest::qWait(50);
    screenshot(panel, QStringLiteral("filters-real-800-dark.png"));
  }
};

QTEST_MAIN(TstFiltersPanel)
#include "tst_filterspanel.moc"

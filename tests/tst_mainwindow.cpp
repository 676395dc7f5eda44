// The window as a whole: its panels in order, a run folder opened or trained reaching every
// inspection panel and the Results table, a folder that is no run refused.
#include "attentionpanel.h"
#include "embeddingpanel.h"
#include "filterspanel.h"
#include "experimentpresets.h"
#include "mainwindow.h"
#include "presetspanel.h"
#include "resultspanel.h"
#include "retrievalpanel.h"
#include "trainingpanel.h"
#include "widgettestutil.h"

#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest/QtTest>

class TstMainWindow : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  QString m_run;

  QString path(const QString& name) const { return QDir::cleanPath(m_tmp.filePath(name)); }

  /// Each inspection panel and the Results list show `dir`.
  static void expectRunEverywhere(MainWindow& w, const QString& dir) {
    QCOMPARE(w.currentRun(), dir);
    QCOMPARE(w.filtersPanel()->run(), dir);
    QCOMPARE(w.attentionPanel()->run(), dir);
    QCOMPARE(w.retrievalPanel()->runDir(), dir);
    QCOMPARE(w.embeddingPanel()->runDir(), dir);
    QVERIFY2(w.resultsPanel()->runs().contains(dir), qPrintable(w.resultsPanel()->runs().join(QLatin1Char(' '))));
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_run = path(QStringLiteral("rotation"));
    pretext::TrainConfig c = widgettest::shapesConfig("rotation", m_run);
    c.knnEveryEpoch = false;
    pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
    QVERIFY(trainer.run().status == pretext::RunStatus::Finished);
  }

  void panelsInOrder() {
    MainWindow w(/*useSettings=*/false);
    QCOMPARE(w.panelTitles(), (QStringList{"Dataset", "Augmentations", "Training", "Experiments", "Filters", "Attention",
                                           "Retrieval", "Embedding", "Results"}));
    QVERIFY(w.showPanel(QStringLiteral("embedding")));
    QCOMPARE(w.currentPanel(), static_cast<QWidget*>(w.embeddingPanel()));
    QVERIFY(!w.showPanel(QStringLiteral("no such panel")));
  }

  void savedExperimentOpensAsItWas() {
    MainWindow w(false);
    w.trainingPanel()->methodBox()->setCurrentIndex(w.trainingPanel()->methodBox()->findData(QStringLiteral("byol")));
    w.trainingPanel()->epochsBox()->setValue(2);
    w.trainingPanel()->widthBox()->setValue(8);
    w.showPanel(w.filtersPanel());
    const QString file = path(QStringLiteral("lesson.json"));
    QVERIFY(w.saveExperiment(file, false));
    const ExperimentPreset saved = w.currentExperiment(QStringLiteral("lesson"));
    QCOMPARE(saved.charts.first(), QStringLiteral("filters"));  // the panel on show
    MainWindow other(false);
    const int before = int(other.presetsPanel()->presets().size());
    QVERIFY(other.openExperiment(file, false));
    QCOMPARE(int(other.presetsPanel()->presets().size()), before + 1);
    const ExperimentPreset opened = other.presetsPanel()->presets().last();
    QCOMPARE(opened.title, QStringLiteral("lesson"));
    QCOMPARE(opened.charts, saved.charts);
    QCOMPARE(opened.runs, saved.runs);
    QCOMPARE(opened.runs.first().value(QStringLiteral("method")).toString(), QStringLiteral("byol"));
    QCOMPARE(opened.runs.first().value(QStringLiteral("width")).toInt(), 8);
    QCOMPARE(other.currentPanel(), static_cast<QWidget*>(other.presetsPanel()));
    QCOMPARE(other.presetsPanel()->list()->currentRow(), before);
    // A broken file: no new experiment, and a message naming the file and the field.
    QFile broken(path(QStringLiteral("broken.json")));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write(R"({"title": "x", "runs": [{"method": "simclr", "subset": -5}]})");
    broken.close();
    QVERIFY(!other.openExperiment(broken.fileName(), false));
    QVERIFY2(other.lastExperimentError().contains(QStringLiteral("broken.json: runs[0].subset: ")), qPrintable(other.lastExperimentError()));
    QCOMPARE(int(other.presetsPanel()->presets().size()), before + 1);
  }

  void openedRunReachesEveryPanel() {
    MainWindow w(false);
    QVERIFY(w.openRun(m_run));
    expectRunEverywhere(w, m_run);
    // The Filters panel computes the checkpoint's grid when it is on show.
    w.resize(1100, 750);
    w.show();
    w.showPanel(w.filtersPanel());
    QTRY_VERIFY_WITH_TIMEOUT(!w.filtersPanel()->currentGrid().isNull(), 60000);
    QCOMPARE(w.filtersPanel()->source(), QStringLiteral("checkpoint"));

    // A folder without config.json is refused and changes nothing.
    QDir().mkpath(path(QStringLiteral("empty")));
    QVERIFY(!w.openRun(path(QStringLiteral("empty"))));
    expectRunEverywhere(w, m_run);
  }

  void embeddingSelectionQueriesRetrieval() {
    MainWindow w(false);
    w.resize(1100, 750);
    w.show();
    QVERIFY(w.openRun(m_run));
    w.showPanel(w.embeddingPanel());
    emit w.embeddingPanel()->queryRequested(5);  // what "Query in Retrieval" sends
    QCOMPARE(w.currentPanel(), static_cast<QWidget*>(w.retrievalPanel()));
    QTRY_COMPARE_WITH_TIMEOUT(w.retrievalPanel()->shownQuery(), std::int64_t(5), 60000);
  }

  void trainedRunReachesEveryPanel() {
    MainWindow w(false);
    w.resize(1100, 750);
    w.show();
    TrainingPanel* t = w.trainingPanel();
    pretext::DatasetSpec spec;
    spec.kind = "shapes";
    spec.shapesPerClass = 16;
    t->setDataset(pretext::Dataset::load(spec));
    t->methodBox()->setCurrentIndex(t->methodBox()->findData(QStringLiteral("simclr")));
    t->widthBox()->setValue(8);
    t->batchBox()->setValue(32);
    t->epochsBox()->setValue(2);
    const QString dir = path(QStringLiteral("trained"));
    t->runFolderEdit()->setText(dir);
    w.showPanel(w.filtersPanel());
    QSignalSpy finished(t, &TrainingPanel::runFinished);
    t->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QVERIFY(finished.at(0).at(0).value<pretext::RunResult>().status == pretext::RunStatus::Finished);
    expectRunEverywhere(w, dir);
    // The live grids arrived while it trained, and the last checkpoint's grid after it.
    QTRY_COMPARE_WITH_TIMEOUT(w.filtersPanel()->source(), QStringLiteral("checkpoint"), 60000);
    QVERIFY(!w.filtersPanel()->currentGrid().isNull());
    QVERIFY(!w.filtersPanel()->startGrid().isNull());
  }

  void resultsPanelResumesARun() {
    MainWindow w(false);
    const QString dir = path(QStringLiteral("trained"));  // two epochs, finished
    QVERIFY(QFile::exists(dir + QStringLiteral("/checkpoints/last.pt")));
    QSignalSpy finished(w.trainingPanel(), &TrainingPanel::runFinished);
    emit w.resultsPanel()->resumeRequested(dir);
    QCOMPARE(w.currentPanel(), static_cast<QWidget*>(w.trainingPanel()));
    QCOMPARE(w.trainingPanel()->currentRunDir(), dir);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    // Nothing left to train: it ends at once, and says so rather than failing.
    QVERIFY(finished.at(0).at(0).value<pretext::RunResult>().status != pretext::RunStatus::Failed);
    expectRunEverywhere(w, dir);
  }
};

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"

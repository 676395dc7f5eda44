// The window as a whole: its panels in order, a run folder opened or trained reaching every
// inspection panel and the Results table, a folder that is no run refused.
#include "attentionpanel.h"
#include "embeddingpanel.h"
#include "filterspanel.h"
#include "experimentdialog.h"
#include "experimentpresets.h"
#include "mainwindow.h"
#include "presetspanel.h"
#include "resultspanel.h"
#include "retrievalpanel.h"
#include "trainingpanel.h"
#include "translation.h"
#include "widgettestutil.h"

#include <QComboBox>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonArray>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTranslator>
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

  /// The Training panel's first-layer size: the ConvNet's only, in the configuration, in a saved
  /// experiment with the lesson's title and description, and back when the file is opened.
  void firstLayerSizeAndLessonTextTravelInTheFile() {
    MainWindow w(false);
    TrainingPanel* t = w.trainingPanel();
    QComboBox* kernel = t->firstKernelBox();
    QComboBox* backbone = t->findChild<QComboBox*>();
    for (auto* box : t->findChildren<QComboBox*>()) {
      if (box->findText(QStringLiteral("resnet18")) >= 0) backbone = box;
    }
    QVERIFY(kernel->isEnabled());
    QCOMPARE(kernel->currentData().toInt(), 5);
    QCOMPARE(t->config().firstKernel, 0);  // the default, written as before
    QStringList sides;
    for (int i = 0; i < kernel->count(); ++i) sides << QString::number(kernel->itemData(i).toInt());
    QCOMPARE(sides, (QStringList{"3", "5", "7", "9", "11", "13", "15"}));
    kernel->setCurrentIndex(kernel->findData(9));
    QCOMPARE(t->config().firstKernel, 9);
    backbone->setCurrentText(QStringLiteral("resnet18"));
    QVERIFY(!kernel->isEnabled());
    QVERIFY2(kernel->toolTip().contains(QStringLiteral("resnet18")), qPrintable(kernel->toolTip()));
    QCOMPARE(t->config().firstKernel, 0);  // other backbones have their own first layer
    backbone->setCurrentText(QStringLiteral("convnet"));
    QVERIFY(kernel->isEnabled());
    QCOMPARE(t->config().firstKernel, 9);

    const QString file = path(QStringLiteral("clothes.json"));
    const QString description = QStringLiteral("Watch the first layer of a ConvNet on clothes.\nCompare with the start.");
    QVERIFY(w.saveExperiment(file, false, QStringLiteral("Filters on clothes"), description));
    QCOMPARE(w.lesson().title, QStringLiteral("Filters on clothes"));
    QVERIFY(w.windowTitle().contains(QStringLiteral("Filters on clothes")));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(o.value(QStringLiteral("title")).toString(), QStringLiteral("Filters on clothes"));
    QCOMPARE(o.value(QStringLiteral("description")).toString(), description);
    QCOMPARE(o.value(QStringLiteral("runs")).toArray().first().toObject().value(QStringLiteral("first_kernel")).toInt(), 9);

    MainWindow other(false);
    QCOMPARE(other.trainingPanel()->config().firstKernel, 0);
    QVERIFY(other.openExperiment(file, false));
    const ExperimentPreset opened = other.presetsPanel()->presets().last();
    QCOMPARE(opened.title, QStringLiteral("Filters on clothes"));
    QCOMPARE(opened.description, description);
    QVERIFY(other.windowTitle().contains(QStringLiteral("Filters on clothes")));
    QVERIFY(other.presetsPanel()->descriptionLabel()->text().contains(QStringLiteral("Compare with the start.")));
    const auto runs = presetRuns(opened, other.trainingPanel()->config(), path(QStringLiteral("runs")));
    QCOMPARE(runs.first().config.firstKernel, 9);
    // Save again: the dialog starts from the lesson in hand.
    ExperimentTextDialog dialog(other.lesson().title, other.lesson().description);
    QCOMPARE(dialog.title(), QStringLiteral("Filters on clothes"));
    QCOMPARE(dialog.description(), description);
    dialog.titleEdit()->setText(QStringLiteral("   "));
    QVERIFY(!dialog.saveButton()->isEnabled());  // a lesson needs a title
    dialog.titleEdit()->setText(QStringLiteral("  Edges   and blobs "));
    QVERIFY(dialog.saveButton()->isEnabled());
    QCOMPARE(dialog.title(), QStringLiteral("Edges and blobs"));
  }

  /// PRETEXT_SCREENSHOT_DIR=DIR: pictures of what this branch changed (the Training panel's
  /// first-layer control, the Save experiment dialog, an opened lesson, the filters saved side by
  /// side) in the language PRETEXT_SCREENSHOT_LANG (en or zh_CN); PRETEXT_SCREENSHOT_QM adds a
  /// compiled translation of strings not yet in the .ts files.
  void screenshotsOfTheLesson() {
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR (and PRETEXT_SCREENSHOT_LANG) for pictures");
    const QString language = qEnvironmentVariable("PRETEXT_SCREENSHOT_LANG", QStringLiteral("en"));
    i18n::installTranslator(language);
    QTranslator extra;
    if (!qEnvironmentVariable("PRETEXT_SCREENSHOT_QM").isEmpty()) {
      QVERIFY(extra.load(qEnvironmentVariable("PRETEXT_SCREENSHOT_QM")));
      QCoreApplication::installTranslator(&extra);
    }
    const auto shot = [&](QWidget& widget, const QString& name) {
      QCoreApplication::processEvents();
      QVERIFY(widget.grab().save(QDir(dir).filePath(QStringLiteral("%1-%2.png").arg(name, language))));
    };
    {
      MainWindow w(false);
      w.resize(1300, 860);
      w.show();
      w.showPanel(w.trainingPanel());
      w.trainingPanel()->firstKernelBox()->setCurrentIndex(w.trainingPanel()->firstKernelBox()->findData(9));
      shot(w, QStringLiteral("training-first-layer"));
      const QString file = path(QStringLiteral("shot-lesson.json"));
      QVERIFY(w.saveExperiment(file, false, QStringLiteral("Filters on clothes"),
                               QStringLiteral("SimCLR trains a ConvNet with a 9×9 first layer on Fashion-MNIST. Watch the "
                                              "Filters panel: the noisy tiles turn into edges within two minutes.")));
      ExperimentTextDialog dialog(w.lesson().title, w.lesson().description, &w);
      dialog.show();
      shot(dialog, QStringLiteral("save-experiment-dialog"));
      MainWindow other(false);
      other.resize(1300, 860);
      other.show();
      QVERIFY(other.openExperiment(file, false));
      shot(other, QStringLiteral("opened-lesson"));
      qInfo("window title: %s; status: %s", qPrintable(other.windowTitle()), qPrintable(other.statusBar()->currentMessage()));
      // A core message in the window's language, in the status bar.
      other.statusBar()->showMessage(i18n::coreMessage(
          QStringLiteral("/data/fashion/train-images-idx3-ubyte: truncated: the header promises 47040000 bytes of data, the file holds 1000")));
      shot(other, QStringLiteral("core-message"));
    }
    // The filters saved side by side: a random start and a trained layer (PNG files when given).
    FiltersPanel* panel = nullptr;
    MainWindow w(false);
    panel = w.filtersPanel();
    w.resize(1300, 860);
    w.show();
    w.showPanel(panel);
    QImage start(qEnvironmentVariable("PRETEXT_SCREENSHOT_START")), now(qEnvironmentVariable("PRETEXT_SCREENSHOT_NOW"));
    if (start.isNull() || now.isNull()) {
      start = QImage(160, 80, QImage::Format_RGB888);
      start.fill(Qt::gray);
      now = start;
      now.fill(Qt::darkGray);
    }
    start.setText(QStringLiteral("step"), QStringLiteral("0"));
    now.setText(QStringLiteral("step"), QStringLiteral("35"));
    panel->showLiveFilters(start);
    panel->showLiveFilters(now);
    panel->compareBox()->setChecked(true);
    QVERIFY(panel->exportImage().save(QDir(dir).filePath(QStringLiteral("filters-saved-%1.png").arg(language))));
    QCoreApplication::removeTranslator(&extra);
    i18n::installTranslator(QStringLiteral("en"));
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

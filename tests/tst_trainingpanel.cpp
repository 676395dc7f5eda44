// The Training panel: controls make the configuration, charts receive points, a real run on the
// synthetic shapes finishes, Stop ends it within a step, and the GUI thread's event loop runs while
// it trains. No pass/fail on wall-clock times: CI shares two cores at a load of 10-20 (the times go
// to the log; bench/gui_stall measures them).
#include "experimentpresets.h"
#include "livechart.h"
#include "trainingpanel.h"
#include "trainingworker.h"

#include <pretext/methods.h>
#include <pretext/prepare.h>
#include <pretext/trainsplit.h>

#include <qcustomplot.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QDir>
#include <QFileDialog>
#include <QImage>
#include <QLabel>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QtTest>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace {

pretext::Dataset shapes() {
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  spec.shapesPerClass = 16;
  return pretext::Dataset::load(spec);
}

void smallRun(TrainingPanel& panel, const QString& method, int epochs, const QString& folder) {
  panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(method));
  panel.widthBox()->setValue(8);
  panel.batchBox()->setValue(32);
  panel.epochsBox()->setValue(epochs);
  panel.runFolderEdit()->setText(folder);
}

// An unlabelled prepared dataset of `n` 3 x 32 x 32 images (.npy and manifest written here).
std::string writeUnlabelled(const std::string& dir, int n) {
  std::filesystem::create_directories(dir);
  std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + std::to_string(n) + ", 3, 32, 32), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string header = "\x93NUMPY";
  header += char(1);
  header += char(0);
  header += char(dict.size() & 0xff);
  header += char(dict.size() >> 8);
  std::ofstream out(dir + "/unlabeled_images.npy", std::ios::binary);
  out << header << dict;
  std::uint32_t x = 99;
  for (std::int64_t i = 0; i < std::int64_t(n) * 3 * 32 * 32; ++i) {
    x = x * 1664525u + 1013904223u;
    out.put(char(x >> 24));
  }
  std::ofstream manifest(dir + "/manifest.json");
  manifest << R"({"format": "pretext-prepared", "version": 1, "image_size": 32, "channels": 3, "class_names": [],
                  "splits": [{"split": "unlabeled", "count": )" << n << R"(, "images": "unlabeled_images.npy"}]})";
  return "prepared:" + dir;
}

// An STL-10 binary folder (stl10_binary's layout) of 96 x 96 colour images: 40 labelled train, 16
// labelled test and `unlabelled` unlabelled ones, random bytes, labels 1..10 as the format has them.
std::string writeStl10(const std::string& dir, int unlabelled) {
  std::filesystem::create_directories(dir);
  std::uint32_t x = 7;
  const auto write = [&](const std::string& name, std::int64_t bytes, bool labels) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    for (std::int64_t i = 0; i < bytes; ++i) {
      x = x * 1664525u + 1013904223u;
      out.put(char(labels ? 1 + (x >> 24) % 10 : x >> 24));
    }
  };
  const std::int64_t image = 3 * 96 * 96;
  write("train_X.bin", 40 * image, false);
  write("train_y.bin", 40, true);
  write("test_X.bin", 16 * image, false);
  write("test_y.bin", 16, true);
  write("unlabeled_X.bin", unlabelled * image, false);
  return dir;
}

std::string readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

}  // namespace

class TstTrainingPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;

 private slots:
  // A run without a folder of its own goes under the runs folder: absolute, the user's, whatever
  // the current directory (a desktop menu starts the window in /), and remembered in the settings.
  void runsFolderIsAbsoluteAndRemembered() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("PretextTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_trainingpanel"));
    QSettings().remove(QStringLiteral("training/runsFolder"));
    const QString home = QDir::currentPath();
    QVERIFY(QDir::setCurrent(QStringLiteral("/")));
    const QString def = TrainingPanel::defaultRunsFolder();
    QVERIFY2(QDir::isAbsolutePath(def) && def.endsWith(QStringLiteral("/Pretext/runs")), qPrintable(def));
    QVERIFY(def.startsWith(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)));
    {
      TrainingPanel panel;
      panel.useSettings();
      QCOMPARE(panel.runsFolder(), def);
      QCOMPARE(panel.runsFolderEdit()->text(), def);  // shown in the panel
      panel.setDataset(shapes());
      const QString out = QString::fromStdString(panel.config().outDir);
      QVERIFY2(out.startsWith(def + QStringLiteral("/simclr-shapes-")), qPrintable(out));
      // Changed in the panel, it is remembered.
      panel.runsFolderEdit()->setText(m_tmp.filePath(QStringLiteral("my runs")));
      emit panel.runsFolderEdit()->editingFinished();
      QCOMPARE(QString::fromStdString(panel.config().outDir).section(QLatin1Char('/'), 0, -2),
               m_tmp.filePath(QStringLiteral("my runs")));
    }
    {
      TrainingPanel panel;
      panel.useSettings();
      QCOMPARE(panel.runsFolder(), m_tmp.filePath(QStringLiteral("my runs")));
      // Empty means the default again.
      panel.setRunsFolder(QString());
      QCOMPARE(panel.runsFolder(), def);
    }
    QCOMPARE(QSettings().value(QStringLiteral("training/runsFolder")).toString(), def);
    {
      TrainingPanel panel;  // without settings: the default, whatever was stored
      QCOMPARE(panel.runsFolder(), def);
    }
    QSettings().remove(QStringLiteral("training/runsFolder"));
    QVERIFY(QDir::setCurrent(home));
  }

  // The fields offer the ranges the core accepts.
  void fieldsHaveTheCoreRanges() {
    TrainingPanel panel;
    QCOMPARE(panel.batchBox()->minimum(), pretext::ConfigLimits::minBatch);
    QCOMPARE(panel.epochsBox()->maximum(), pretext::ConfigLimits::maxEpochs);
    QVERIFY(panel.widthBox()->minimum() >= pretext::ConfigLimits::minWidth);
    QVERIFY(panel.widthBox()->maximum() <= pretext::ConfigLimits::maxWidth);
    panel.setDataset(shapes());
    pretext::validateConfig(panel.config());
    const auto& info = pretext::methodInfo("simclr");
    for (const auto& o : info.options) {
      auto* box = panel.findChild<QDoubleSpinBox*>(QString::fromStdString(o.name));
      QVERIFY2(box, o.name.c_str());
      QVERIFY2(box->minimum() >= o.minValue && box->maximum() <= o.maxValue, o.name.c_str());
    }
  }

  void methodChoiceShowsItsOptions() {
    TrainingPanel panel;
    panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(QStringLiteral("moco")));
    const auto& info = pretext::methodInfo("moco");
    QCOMPARE(panel.optionsForm()->rowCount(), int(info.options.size()));
    for (const auto& o : info.options) {
      auto* box = panel.findChild<QDoubleSpinBox*>(QString::fromStdString(o.name));
      QVERIFY2(box, o.name.c_str());
      QCOMPARE(box->value(), o.defaultValue);
      QVERIFY(!box->toolTip().isEmpty());
    }
    // Tooltips name the command line's flags: MoCo's own momentum is --method-momentum (--momentum
    // is the optimizer's); config.json keeps "momentum".
    auto* temperature = panel.findChild<QDoubleSpinBox*>(QStringLiteral("temperature"));
    auto* momentum = panel.findChild<QDoubleSpinBox*>(QStringLiteral("momentum"));
    QVERIFY2(temperature->toolTip().startsWith(QStringLiteral("--temperature: ")), qPrintable(temperature->toolTip()));
    QVERIFY2(momentum->toolTip().startsWith(QStringLiteral("--method-momentum: ")), qPrintable(momentum->toolTip()));
    temperature->setValue(0.3);
    momentum->setValue(0.95);
    panel.setDataset(shapes());
    const pretext::TrainConfig c = panel.config();
    QCOMPARE(c.method, std::string("moco"));
    QCOMPARE(c.methodOptions.at("temperature"), 0.3);
    QCOMPARE(c.methodOptions.at("momentum"), 0.95);
    QCOMPARE(c.momentum, pretext::TrainConfig().momentum);  // the optimizer's stays
    QCOMPARE(c.dataset.kind, std::string("shapes"));
    QVERIFY(c.cpuBf16Auto && c.cpuChannelsLastAuto);  // as the CLI: the Trainer chooses for the CPU and method
    panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(QStringLiteral("random")));
    QCOMPARE(panel.optionsForm()->rowCount(), 1);  // "no options" note
    QVERIFY(panel.config().methodOptions.empty());
  }

  void chartTakesPoints() {
    LiveChart chart;
    chart.beginRun(QStringLiteral("a"));
    for (int i = 1; i <= 100; ++i) chart.addStep(i, 1.0 / i);
    chart.addEpoch(1, 0.5);
    chart.addEpoch(2, -1.0);  // not measured: no point
    QCOMPARE(chart.lossPlot()->graph(0)->dataCount(), 100);
    QCOMPARE(chart.lossPlot()->graph(1)->dataCount(), 100);
    QCOMPARE(chart.knnPlot()->graph(0)->dataCount(), 1);
    chart.beginRun(QStringLiteral("b"));  // a second run overlays in a new colour
    QCOMPARE(chart.knnPlot()->graphCount(), 2);
    QVERIFY(chart.knnPlot()->graph(0)->pen().color() != chart.knnPlot()->graph(1)->pen().color());
  }

  void realRunFinishesAndStopIsQuick() {
    TrainingPanel panel;
    panel.setDataset(shapes());
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    smallRun(panel, QStringLiteral("rotation"), 2, m_tmp.filePath(QStringLiteral("a")));
    QTest::mouseClick(panel.startButton(), Qt::LeftButton);
    QVERIFY(panel.running());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    auto result = finished.takeFirst().at(0).value<pretext::RunResult>();
    QVERIFY2(result.status == pretext::RunStatus::Finished, result.message.c_str());
    QCOMPARE(panel.chart()->lossPlot()->graph(1)->dataCount(), 2 * (128 / 32));
    QCOMPARE(panel.chart()->knnPlot()->graph(0)->dataCount(), 3);  // before training + 2 epochs
    QVERIFY(QFile::exists(m_tmp.filePath(QStringLiteral("a/checkpoints/last.pt"))));
    {
      // The run recorded what "auto" chose for rotation on this CPU.
      std::ifstream in(m_tmp.filePath(QStringLiteral("a/config.json")).toStdString());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const pretext::TrainConfig written = pretext::configFromJson(text);
      QCOMPARE(written.cpuBf16, pretext::cpuBf16ByDefault("rotation", "convnet"));
      QCOMPARE(written.cpuChannelsLast, pretext::cpuChannelsLastByDefault("rotation", "convnet"));
      QVERIFY(!written.cpuBf16Auto && !written.cpuChannelsLastAuto);
    }

    // A long run, stopped. What a person sees, whatever the machine's load: after Stop at most one
    // more training step completes, and the GUI thread's event loop runs between the steps.
    smallRun(panel, QStringLiteral("simclr"), 500, m_tmp.filePath(QStringLiteral("b")));
    panel.batchBox()->setValue(8);  // 16 steps an epoch: a Stop that waited for the epoch's end would run 15 more
    std::atomic<int> ticks{0};
    QTimer ticker;
    ticker.setInterval(5);
    QObject::connect(&ticker, &QTimer::timeout, [&] { ticks.fetch_add(1); });
    // On the training thread as each step is reported: the event loop's tick count then. At the first
    // step of the second epoch the thread waits there until Stop is pressed, so that the press falls
    // at a known step however slow the machine is.
    std::vector<std::int64_t> steps;  // written on the training thread, read once the run finished
    std::vector<int> ticksAtStep;
    std::atomic<std::int64_t> pressedAt{-1};
    QSemaphore pressed;
    QObject context;
    QObject::connect(
        panel.worker(), &TrainingWorker::stepReported, &context,
        [&](const pretext::StepReport& r) {
          steps.push_back(r.globalStep);
          ticksAtStep.push_back(ticks.load());
          if (r.epoch == 1 && r.step == 1) {
            pressedAt = r.globalStep;
            pressed.tryAcquire(1, 600000);  // the test presses Stop meanwhile (a failed test does not hang)
          }
        },
        Qt::DirectConnection);
    ticker.start();
    QTest::mouseClick(panel.startButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(pressedAt.load() > 0, 300000);
    QElapsedTimer answer;
    answer.start();
    QTest::mouseClick(panel.stopButton(), Qt::LeftButton);
    pressed.release();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    const qint64 stopMs = answer.elapsed();
    ticker.stop();
    result = finished.takeFirst().at(0).value<pretext::RunResult>();
    QVERIFY2(result.status == pretext::RunStatus::Stopped, result.message.c_str());
    QVERIFY(!panel.running());
    const std::int64_t stepsAfterStop = steps.back() - pressedAt.load();
    int pairsWithEvents = 0;  // consecutive steps (before Stop) with the event loop's ticks between them
    int pairs = 0;
    for (std::size_t i = 1; i < steps.size() && steps[i] <= pressedAt.load(); ++i, ++pairs) {
      if (ticksAtStep[i] > ticksAtStep[i - 1]) ++pairsWithEvents;
    }
    qInfo("Stop pressed after step %lld: %lld more step(s), answered in %lld ms; the event loop ran between "
          "%d of %d pairs of steps (%d ticks in all)",
          static_cast<long long>(pressedAt.load()), static_cast<long long>(stepsAfterStop), stopMs, pairsWithEvents,
          pairs, ticks.load());
    QVERIFY2(stepsAfterStop <= 1, qPrintable(QStringLiteral("%1 steps after Stop (%2)")
                                                 .arg(stepsAfterStop)
                                                 .arg(QString::fromStdString(result.message))));
    QCOMPARE(pairs, 128 / 8);  // the first epoch's steps and the one Stop was pressed at
    // A blocked GUI thread (training on it, or waiting for each step) has no tick between any two steps;
    // a loaded machine may starve it for a step now and then, not for most of them.
    QVERIFY2(2 * pairsWithEvents >= pairs, qPrintable(QStringLiteral("%1 of %2").arg(pairsWithEvents).arg(pairs)));
    QCOMPARE(panel.chart()->lossPlot()->graph(3)->dataCount(), int(steps.size()));  // every step reached the chart
    QVERIFY(QFile::exists(m_tmp.filePath(QStringLiteral("b/checkpoints/last.pt"))));
  }

  // An unlabelled training set: the panel says what it cannot show until an evaluation dataset is
  // chosen; the choice reaches the run (its k-NN monitor measures on the labelled set) and an
  // experiment file.
  void evaluationDatasetField() {
    const std::string unlabelled = writeUnlabelled(m_tmp.filePath(QStringLiteral("unlabelled")).toStdString(), 64);
    pretext::PrepareOptions labelled;
    labelled.source = "shapes";  // 8 classes, 32 x 32 RGB like the unlabelled images
    labelled.out = m_tmp.filePath(QStringLiteral("labelled-shapes")).toStdString();
    pretext::prepareDataset(labelled);
    const QString evalSpec = QStringLiteral("prepared:") + QString::fromStdString(labelled.out);

    TrainingPanel panel;
    panel.show();
    QCOMPARE(panel.evalDatasetBox()->itemData(0).toString(), QString());  // None first, chosen
    QCOMPARE(panel.evalDatasetBox()->currentIndex(), 0);
    panel.setDataset(shapes());
    QVERIFY(!panel.evalNote()->isVisible());  // labelled: nothing to say
    panel.setDataset(pretext::Dataset::load(pretext::DatasetSpec::parse(unlabelled)));
    QVERIFY(panel.evalNote()->isVisible());
    QVERIFY2(panel.evalNote()->text().contains(QStringLiteral("has no labels")) &&
                 panel.evalNote()->text().contains(QStringLiteral("k-NN monitor")) &&
                 panel.evalNote()->text().contains(QStringLiteral("class colours")),
             qPrintable(panel.evalNote()->text()));
    QCOMPARE(panel.config().evalDataset, std::string());

    panel.evalDatasetBox()->setEditText(evalSpec);  // typed, as for a folder not listed
    QVERIFY(!panel.evalNote()->isVisible());
    QCOMPARE(QString::fromStdString(panel.config().evalDataset), evalSpec);

    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    smallRun(panel, QStringLiteral("simclr"), 1, m_tmp.filePath(QStringLiteral("unlabelled-run")));
    panel.start();
    QVERIFY(!panel.evalDatasetBox()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 180000);
    const auto result = finished.takeFirst().at(0).value<pretext::RunResult>();
    QVERIFY2(result.status == pretext::RunStatus::Finished, result.message.c_str());
    QVERIFY(result.finalKnnAccuracy >= 0);  // measured on the labelled shapes
    QCOMPARE(panel.chart()->knnPlot()->graph(0)->dataCount(), 2);  // before training + 1 epoch
    const pretext::TrainConfig written = pretext::configFromJson(
        [&] {
          QFile f(m_tmp.filePath(QStringLiteral("unlabelled-run/config.json")));
          return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
        }());
    QCOMPARE(QString::fromStdString(written.evalDataset), evalSpec);

    // An experiment file keeps it, and its runs get it back.
    const ExperimentPreset saved = parseExperiment(
        experimentJson(experimentFromSettings(QStringLiteral("mine"), {}, QString::fromStdString(unlabelled), panel.config(), {})),
        QStringLiteral("mine.json"));
    const auto runs = presetRuns(saved, pretext::TrainConfig{}, m_tmp.path());
    QCOMPARE(QString::fromStdString(runs.first().config.evalDataset), evalSpec);
    panel.evalDatasetBox()->setCurrentIndex(0);
    QCOMPARE(panel.config().evalDataset, std::string());
  }

  // Browse… beside the evaluation data, the folder chosen in the (non-native) file dialog: a folder
  // that is not a prepared dataset, an unlabelled one and one of another image size are refused
  // with a message naming them and the field keeps its choice; a labelled one of the training set's
  // shape becomes the run's evaluation dataset.
  void evaluationDatasetBrowse() {
    const QString root = m_tmp.filePath(QStringLiteral("browse"));
    const QString plain = root + QStringLiteral("/not-prepared");
    QVERIFY(QDir().mkpath(plain));
    const std::string unlabelled = writeUnlabelled((root + QStringLiteral("/unlabelled")).toStdString(), 16);
    pretext::PrepareOptions labelled;
    labelled.source = "shapes";  // 8 classes, 32 x 32 RGB like the training shapes
    labelled.out = (root + QStringLiteral("/labelled")).toStdString();
    pretext::prepareDataset(labelled);
    // Labelled, 16 x 16: a folder of two classes prepared at another size.
    for (int c = 0; c < 2; ++c) {
      const QString cls = root + QStringLiteral("/small-src/c%1").arg(c);
      QVERIFY(QDir().mkpath(cls));
      for (int i = 0; i < 3; ++i) {
        QImage image(20, 20, QImage::Format_RGB32);
        image.fill(QColor(40 * i, 100 * c, 90));
        QVERIFY(image.save(cls + QStringLiteral("/%1.png").arg(i)));
      }
    }
    pretext::PrepareOptions small;
    small.source = (root + QStringLiteral("/small-src")).toStdString();
    small.out = (root + QStringLiteral("/small")).toStdString();
    small.imageSize = 16;
    pretext::prepareDataset(small);

    TrainingPanel panel;
    panel.show();
    panel.setDataset(shapes());
    QVERIFY(panel.evalBrowseButton()->isEnabled());
    // The dialog is modal: choose `dir` in it from a timer while it runs.
    auto browse = [&](const QString& dir) {
      bool chosen = false;
      QTimer timer;
      timer.setInterval(20);
      connect(&timer, &QTimer::timeout, &panel, [&] {
        auto* dialog = panel.findChild<QFileDialog*>();
        if (!dialog || !dialog->isVisible()) return;
        timer.stop();
        chosen = dialog->fileMode() == QFileDialog::Directory;
        dialog->setDirectory(dir);
        QMetaObject::invokeMethod(dialog, "accept", Qt::DirectConnection);  // as its Choose button does
      });
      timer.start();
      QTest::mouseClick(panel.evalBrowseButton(), Qt::LeftButton);  // returns when the dialog closes
      return chosen;
    };
    const std::string none = panel.config().evalDataset;
    QCOMPARE(none, std::string());
    const struct {
      QString dir, says;
    } refused[] = {{plain, QStringLiteral("is not a prepared dataset")},
                   {QString::fromStdString(unlabelled).mid(9), QStringLiteral("has no labels")},
                   {QString::fromStdString(small.out), QStringLiteral("3×16×16, the training set 3×32×32")}};
    for (const auto& r : refused) {
      QVERIFY(browse(r.dir));
      QVERIFY2(panel.evalError()->isVisible(), qPrintable(r.dir));
      QVERIFY2(panel.evalError()->text().contains(r.dir) && panel.evalError()->text().contains(r.says),
               qPrintable(panel.evalError()->text()));
      QCOMPARE(panel.config().evalDataset, none);
    }
    QVERIFY(browse(QString::fromStdString(labelled.out)));
    QVERIFY2(!panel.evalError()->isVisible(), qPrintable(panel.evalError()->text()));
    const std::string chosen = panel.config().evalDataset;
    QCOMPARE(pretext::DatasetSpec::parse(chosen).kind, std::string("prepared"));
    QCOMPARE(QFileInfo(QString::fromStdString(pretext::DatasetSpec::parse(chosen).path)).canonicalFilePath(),
             QFileInfo(QString::fromStdString(labelled.out)).canonicalFilePath());
    QCOMPARE(panel.evalDatasetBox()->currentText(), QStringLiteral("prepared: labelled"));
    // A refusal after a good choice keeps the good choice.
    QVERIFY(browse(plain));
    QVERIFY(panel.evalError()->isVisible());
    QCOMPARE(panel.config().evalDataset, chosen);
    if (const QString shots = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR"); !shots.isEmpty()) {
      panel.resize(1200, 800);
      QVERIFY(panel.grab().save(QDir(shots).filePath(QStringLiteral("training-eval-browse.png"))));
    }
  }

  // The Training split control (TrainConfig::trainSplit, pretext-cli train --train-split): its choice
  // reaches the run's configuration and the config file the window writes for pretext-cli processes,
  // and a followed run's config.json sets it. A choice the core refuses (the unlabelled split for the
  // supervised baseline, or of a dataset without one) is greyed out and said, and Start refuses it
  // with the Trainer's own reason, starting nothing. An STL-10 opened without its unlabelled images
  // (as the Dataset panel opens it) trains on them when chosen: the run reads unlabeled_X.bin.
  void trainingSplitControl() {
    TrainingPanel panel;
    QComboBox* box = panel.trainSplitBox();
    auto* items = qobject_cast<QStandardItemModel*>(box->model());
    QVERIFY(items);
    const int unlabelled = box->findData(QStringLiteral("unlabeled"));
    const int train = box->findData(QStringLiteral("train"));
    QVERIFY(unlabelled >= 0 && train >= 0);
    QCOMPARE(box->currentData().toString(), QStringLiteral("auto"));
    QVERIFY(box->toolTip().contains(QStringLiteral("--train-split")));
    panel.setDataset(shapes());
    QCOMPARE(panel.config().trainSplit, std::string("auto"));
    box->setCurrentIndex(train);
    QCOMPARE(panel.config().trainSplit, std::string("train"));
    QVERIFY(panel.trainSplitNote()->isHidden());

    // What the Trainer itself says of a configuration on a dataset (empty: it builds).
    const auto trainerRefusal = [](pretext::TrainConfig c, const pretext::Dataset& d) {
      c.outDir.clear();  // nothing written
      try {
        pretext::Trainer trainer(c, d);
      } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
      }
      return QString();
    };
    QSignalSpy started(&panel, &TrainingPanel::runStarted);
    const auto refusedLikeTheTrainer = [&](const pretext::Dataset& runData, const char* words, const QString& folder) {
      const QString why = trainerRefusal(panel.config(), runData);
      QVERIFY2(why.contains(QLatin1String(words)) && why.contains(QStringLiteral("--train-split unlabeled")), qPrintable(why));
      QVERIFY(!items->item(unlabelled)->isEnabled());
      const QString reason = why.section(QStringLiteral(": "), 1);  // after "--train-split unlabeled: "
      QCOMPARE(box->itemData(unlabelled, Qt::ToolTipRole).toString(), reason);
      QVERIFY(!panel.trainSplitNote()->isHidden());
      QVERIFY2(panel.trainSplitNote()->text().contains(reason), qPrintable(panel.trainSplitNote()->text()));
      panel.runFolderEdit()->setText(folder);
      panel.start();
      QVERIFY(!panel.running());
      QCOMPARE(started.count(), 0);
      QVERIFY2(panel.statusLabel()->text().contains(why), qPrintable(panel.statusLabel()->text()));
      QVERIFY(!QFileInfo::exists(folder));
    };
    // The shapes have no unlabelled split; chosen anyway (as a run's config.json may choose it).
    box->setCurrentIndex(unlabelled);
    refusedLikeTheTrainer(shapes(), "no unlabelled split", m_tmp.filePath(QStringLiteral("split-shapes")));

    // STL-10 opened without unlabeled_X.bin's images: a self-supervised method may choose them...
    const std::string stlDir = writeStl10(m_tmp.filePath(QStringLiteral("stl10_binary")).toStdString(), 24);
    const pretext::Dataset stl = pretext::Dataset::load(pretext::DatasetSpec::parse("stl10:" + stlDir));
    QVERIFY(!stl.hasSplit(pretext::Split::Unlabeled));
    panel.setDataset(stl);
    smallRun(panel, QStringLiteral("simclr"), 1, m_tmp.filePath(QStringLiteral("split-stl")));
    panel.batchBox()->setValue(8);
    QVERIFY(items->item(unlabelled)->isEnabled());
    QVERIFY(panel.trainSplitNote()->isHidden());
    QVERIFY(box->itemData(unlabelled, Qt::ToolTipRole).toString().contains(QStringLiteral("unlabeled_X.bin")));
    QVERIFY(box->itemData(box->findData(QStringLiteral("auto")), Qt::ToolTipRole).toString().contains(QStringLiteral("train split")));
    QVERIFY(panel.config().dataset.loadUnlabeled);  // the spec the run loads, as the CLI's
    QVERIFY(pretext::trainingDatasetSpec(panel.config()).loadUnlabeled);
    // ...the supervised baseline may not: the Trainer refuses it on the dataset the run would load.
    panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(QStringLiteral("supervised")));
    refusedLikeTheTrainer(pretext::Dataset::load(pretext::trainingDatasetSpec(panel.config())), "trains on labels",
                          m_tmp.filePath(QStringLiteral("split-supervised")));
    if (const QString shots = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR"); !shots.isEmpty()) {
      panel.resize(1200, 800);
      panel.show();
      QVERIFY(panel.grab().save(QDir(shots).filePath(QStringLiteral("training-split-refused.png"))));
    }
    panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(QStringLiteral("simclr")));
    QVERIFY(items->item(unlabelled)->isEnabled());
    QVERIFY(panel.trainSplitNote()->isHidden());

    // The config file the window writes for pretext-cli processes: a stand-in program keeps a copy.
    const QString seen = m_tmp.filePath(QStringLiteral("split-config-seen.json"));
    const QString fake = m_tmp.filePath(QStringLiteral("fake-cli.sh"));
    {
      QFile script(fake);
      QVERIFY(script.open(QIODevice::WriteOnly));
      script.write(QStringLiteral("#!/bin/sh\n# train --config FILE --nproc N --out DIR\ncp \"$3\" '%1'\nexit 3\n").arg(seen).toUtf8());
    }
    QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    panel.setCliProgram(fake);
    panel.processesBox()->setValue(2);
    panel.runFolderEdit()->setText(m_tmp.filePath(QStringLiteral("split-processes")));
    panel.start();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 60000);
    const pretext::TrainConfig written = pretext::configFromJson(readFile(seen));
    QCOMPARE(written.trainSplit, std::string("unlabeled"));
    QCOMPARE(written.dataset.kind, std::string("stl10"));
    QVERIFY(written.dataset.loadUnlabeled);
    panel.processesBox()->setValue(1);

    // A followed run's config.json sets the control.
    pretext::TrainConfig recorded = panel.config();
    recorded.trainSplit = "train";
    const QString followed = m_tmp.filePath(QStringLiteral("split-followed"));
    QVERIFY(QDir().mkpath(followed));
    {
      QFile f(QDir(followed).filePath(QStringLiteral("config.json")));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QByteArray::fromStdString(pretext::configToJson(recorded)));
    }
    QVERIFY(panel.followRun(followed));
    QTRY_COMPARE_WITH_TIMEOUT(box->currentData().toString(), QStringLiteral("train"), 30000);
    panel.stop();
    QVERIFY(!panel.running());

    // In this process: the 24 unlabelled images are read by the run and trained on (3 steps of 8;
    // the 40 labelled train images would give 5), recorded in config.json so that a resume reads them too.
    box->setCurrentIndex(unlabelled);
    smallRun(panel, QStringLiteral("simclr"), 1, m_tmp.filePath(QStringLiteral("split-stl")));
    panel.batchBox()->setValue(8);
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    const int graphs = panel.chart()->lossPlot()->graphCount();
    panel.start();
    QVERIFY(panel.running());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    const auto result = finished.takeFirst().at(0).value<pretext::RunResult>();
    QVERIFY2(result.status == pretext::RunStatus::Finished, result.message.c_str());
    QVERIFY(panel.chart()->lossPlot()->graphCount() > graphs);
    QCOMPARE(panel.chart()->lossPlot()->graph(panel.chart()->lossPlot()->graphCount() - 1)->dataCount(), 24 / 8);
    const pretext::TrainConfig run = pretext::configFromJson(readFile(m_tmp.filePath(QStringLiteral("split-stl/config.json"))));
    QCOMPARE(run.trainSplit, std::string("unlabeled"));
    QVERIFY(run.dataset.loadUnlabeled);

    // An experiment's supervised baseline, with the form on the unlabelled split, trains on the 40
    // labelled images (5 steps of 8) rather than failing the experiment.
    PresetRun baseline{QStringLiteral("supervised"), panel.config()};
    baseline.config.method = "supervised";
    baseline.config.methodOptions.clear();
    baseline.config.outDir = m_tmp.filePath(QStringLiteral("split-baseline")).toStdString();
    panel.startRuns({baseline});
    QVERIFY(panel.running());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    const auto baselineResult = finished.takeFirst().at(0).value<pretext::RunResult>();
    QVERIFY2(baselineResult.status == pretext::RunStatus::Finished, baselineResult.message.c_str());
    QCOMPARE(panel.chart()->lossPlot()->graph(panel.chart()->lossPlot()->graphCount() - 1)->dataCount(), 40 / 8);
    QCOMPARE(pretext::configFromJson(readFile(m_tmp.filePath(QStringLiteral("split-baseline/config.json")))).trainSplit,
             std::string("auto"));
  }

  void stoppingTwiceQuicklyIsHarmless() {
    TrainingPanel panel;
    panel.setDataset(shapes());
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    for (int round = 0; round < 2; ++round) {  // the worker is reusable after a double stop
      smallRun(panel, QStringLiteral("simclr"), 500, m_tmp.filePath(QStringLiteral("twice%1").arg(round)));
      panel.start();
      QTRY_VERIFY_WITH_TIMEOUT(panel.chart()->lossPlot()->graph(2 * round + 1)->dataCount() >= 2, 120000);
      panel.stop();
      panel.stop();
      QTest::mouseClick(panel.stopButton(), Qt::LeftButton);  // disabled or not, a third press changes nothing
      QTRY_COMPARE_WITH_TIMEOUT(finished.count(), round + 1, 120000);
      QVERIFY(!panel.running());
      QTest::qWait(200);
      QCOMPARE(finished.count(), round + 1);  // one run, one answer
      QVERIFY(finished.last().at(0).value<pretext::RunResult>().status == pretext::RunStatus::Stopped);
    }
  }

  void closingDuringTrainingStopsCleanly() {
    auto* panel = new TrainingPanel;
    panel->setDataset(shapes());
    smallRun(*panel, QStringLiteral("byol"), 500, m_tmp.filePath(QStringLiteral("c")));
    panel->batchBox()->setValue(8);  // 16 steps an epoch
    // As in realRunFinishesAndStopIsQuick: the training thread waits at the first step of the second
    // epoch until the panel is about to close, then goes on while it closes.
    std::atomic<std::int64_t> last{-1}, closedAt{-1};
    QSemaphore closing;
    QObject context;
    QObject::connect(
        panel->worker(), &TrainingWorker::stepReported, &context,
        [&](const pretext::StepReport& r) {
          last = r.globalStep;
          if (r.epoch == 1 && r.step == 1) {
            closedAt = r.globalStep;
            closing.tryAcquire(1, 600000);
          }
        },
        Qt::DirectConnection);
    panel->start();
    QTRY_VERIFY_WITH_TIMEOUT(closedAt.load() > 0, 300000);
    QElapsedTimer t;
    t.start();
    closing.release();
    delete panel;  // stops the worker, which writes its checkpoint, and joins the thread
    const std::int64_t stepsAfter = last.load() - closedAt.load();
    qInfo("closed after step %lld: %lld more step(s), in %lld ms", static_cast<long long>(closedAt.load()),
          static_cast<long long>(stepsAfter), t.elapsed());
    // The step the release let start, and at most one more should the closing thread be descheduled
    // between the release and the stop request; not the rest of the epoch's 15.
    QVERIFY2(stepsAfter <= 2, qPrintable(QString::number(stepsAfter)));
    QVERIFY(QFile::exists(m_tmp.filePath(QStringLiteral("c/checkpoints/last.pt"))));
  }
};

QTEST_MAIN(TstTrainingPanel)
#include "tst_trainingpanel.moc"

// Experiment presets: the shipped ones parse and name real methods, bad ones say what is wrong,
// and a preset's runs train one after another in the Training panel, each a series of its own.
#include "experimentpresets.h"
#include "livechart.h"
#include "presetspanel.h"
#include "trainingpanel.h"

#include <pretext/methods.h>

#include <qcustomplot.h>

#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

class TstPresetsPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;

 private slots:
  void builtInPresetsAreValid() {
    const auto presets = builtInPresets();
    QVERIFY(presets.size() >= 3);
    for (const auto& p : presets) {
      QVERIFY(!p.description.isEmpty());
      QVERIFY(!p.runs.isEmpty());
      pretext::DatasetSpec::parse(p.dataset.toStdString());  // throws for an unknown dataset
      pretext::TrainConfig base;
      const auto runs = presetRuns(p, base, m_tmp.path());
      QCOMPARE(runs.size(), p.runs.size());
      for (const auto& r : runs) {
        QVERIFY(!r.label.isEmpty());
        QVERIFY(QString::fromStdString(r.config.outDir).startsWith(m_tmp.path()));
        // A demonstration fits in a couple of minutes on a laptop: at most 3 epochs of at most 10,000 images.
        QVERIFY2(r.config.epochs <= 3 && (!pretext::methodInfo(r.config.method).trains || (r.config.subset > 0 && r.config.subset <= 10000)),
                 qPrintable(p.title));
      }
    }
    PresetsPanel panel;
    QCOMPARE(panel.list()->count(), presets.size());
    QVERIFY(panel.descriptionLabel()->text().contains(presets.first().title.toHtmlEscaped()));
  }

  void badPresetsSayWhy() {
    auto message = [](const char* json) {
      try {
        parsePresets(QByteArray(json));
      } catch (const std::invalid_argument& e) {
        return QString::fromUtf8(e.what());
      }
      return QString();
    };
    QVERIFY(message(R"([{"title": "x", "runs": [{"method": "nosuch"}]}])").contains(QStringLiteral("nosuch")));
    QVERIFY(message(R"([{"title": "x", "runs": [{"method": "simclr", "epoch": 2}]}])").contains(QStringLiteral("'epoch'")));
    QVERIFY(message(R"([{"title": "x", "runs": []}])").contains(QStringLiteral("no runs")));
    QVERIFY(message(R"([{"runs": [{"method": "simclr"}]}])").contains(QStringLiteral("no title")));
    QVERIFY(message(R"([{"title": "x", "runs": [{"method": "simclr", "augment": "strong"}]}])").contains(QStringLiteral("strong")));
    QVERIFY(!message("[{").isEmpty());
  }

  void runsTrainOneAfterAnother() {
    const auto presets = parsePresets(R"([{"title": "tiny", "description": "two tiny runs", "dataset": "shapes",
        "runs": [{"label": "random", "method": "random"},
                 {"label": "rotation", "method": "rotation", "epochs": 1, "subset": 64, "batch_size": 32}]}])");
    PresetsPanel presetsPanel(presets);
    QSignalSpy requested(&presetsPanel, &PresetsPanel::runRequested);
    QTest::mouseClick(presetsPanel.runButton(), Qt::LeftButton);
    QCOMPARE(requested.count(), 1);

    TrainingPanel panel;
    pretext::DatasetSpec spec;
    spec.kind = "shapes";
    spec.shapesPerClass = 16;
    panel.setDataset(pretext::Dataset::load(spec));
    panel.widthBox()->setValue(8);
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.startRuns(presetRuns(presets.first(), panel.config(), m_tmp.path()));
    QVERIFY(panel.running());
    QCOMPARE(panel.queuedRuns(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
    QTRY_VERIFY(!panel.running());
    QCOMPARE(panel.methodBox()->currentData().toString(), QStringLiteral("rotation"));  // the form showed each run
    QCOMPARE(panel.epochsBox()->value(), 1);
    for (const auto& args : finished) {
      QVERIFY(args.at(0).value<pretext::RunResult>().status == pretext::RunStatus::Finished);
    }
    // Two series in the k-NN chart, named by the preset's labels.
    auto* knn = panel.chart()->knnPlot();
    QStringList names;
    for (int i = 0; i < knn->graphCount(); ++i) names << knn->graph(i)->name();
    QVERIFY2(names.contains(QStringLiteral("random")) && names.contains(QStringLiteral("rotation")), qPrintable(names.join(QLatin1Char(','))));
    QVERIFY(QDir(m_tmp.filePath(QStringLiteral("tiny"))).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size() == 2);
  }
};

QTEST_MAIN(TstPresetsPanel)
#include "tst_presetspanel.moc"

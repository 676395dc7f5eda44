// Experiment presets: the shipped ones parse and name real methods, bad ones say what is wrong,
// and a preset's runs train one after another in the Training panel, each a series of its own.
// Experiment files: saving and opening gives the same configuration back; a broken file's message
// names the file and the field; the core's messages reach the window translated, names kept.
#include "experimentpresets.h"
#include "translation.h"
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
#include <QTranslator>
#include <QtTest/QtTest>

namespace {

/// Translates every CoreMessages text to "ZH<" + text + ">", so that a test sees what was looked up.
class MarkingTranslator final : public QTranslator {
 public:
  QString translate(const char* context, const char* source, const char* = nullptr, int = -1) const override {
    if (QByteArray(context) != "CoreMessages") return {};
    return QStringLiteral("ZH<%1>").arg(QString::fromUtf8(source));
  }
  bool isEmpty() const override { return false; }
};

}  // namespace

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

  void experimentFileRoundTrip() {
    pretext::TrainConfig c;
    c.method = "byol";
    c.epochs = 2;
    c.subset = 3000;
    c.batchSize = 128;
    c.backbone = "convnet";
    c.backboneWidth = 16;
    c.firstKernel = 9;
    c.optimizer = "lars";
    c.learningRate = 0.25;
    c.seed = 42;
    c.knnStage = "conv3";
    c.methodOptions = {{"momentum", 0.99}, {"hidden", 256}};
    c.augmentPreset = "custom";
    c.augment = pretext::AugmentConfig::simclr();
    c.augment.blur.enabled = false;
    c.augment.jitter.strength = 0.3f;
    c.augment.cutout.enabled = true;
    c.augment.cutout.probability = 0.25f;
    const ExperimentPreset saved =
        experimentFromSettings(QStringLiteral("My lesson"), QStringLiteral("Why BYOL needs no negatives"),
                               QStringLiteral("shapes"), c, {QStringLiteral("filters"), QStringLiteral("training")});
    const QString path = m_tmp.filePath(QStringLiteral("lesson.json"));
    writeExperimentFile(path, saved);
    const ExperimentPreset opened = readExperimentFile(path);
    QCOMPARE(opened.title, saved.title);
    QCOMPARE(opened.description, saved.description);
    QCOMPARE(opened.dataset, QStringLiteral("shapes"));
    QCOMPARE(opened.charts, (QStringList{QStringLiteral("filters"), QStringLiteral("training")}));
    // The runs it gives on top of any base are the saved configuration.
    pretext::TrainConfig base;
    base.method = "rotation";
    base.methodOptions = {{"other", 1.0}};
    const auto runs = presetRuns(opened, base, m_tmp.path());
    QCOMPARE(runs.size(), 1);
    const pretext::TrainConfig& r = runs.first().config;
    QCOMPARE(r.method, c.method);
    QCOMPARE(r.epochs, c.epochs);
    QCOMPARE(r.subset, c.subset);
    QCOMPARE(r.batchSize, c.batchSize);
    QCOMPARE(r.backbone, c.backbone);
    QCOMPARE(r.backboneWidth, c.backboneWidth);
    QCOMPARE(r.firstKernel, c.firstKernel);
    QCOMPARE(r.optimizer, c.optimizer);
    QCOMPARE(r.learningRate, c.learningRate);
    QCOMPARE(r.seed, c.seed);
    QCOMPARE(r.knnStage, c.knnStage);
    QVERIFY(r.methodOptions == c.methodOptions);
    QCOMPARE(r.augmentPreset, std::string("custom"));
    const auto want = c.augment.ops();
    const auto got = r.augment.ops();
    for (std::size_t i = 0; i < want.size(); ++i) {
      QCOMPARE(got[i].first, want[i].first);
      QCOMPARE(got[i].second->enabled, want[i].second->enabled);
      QCOMPARE(got[i].second->probability, want[i].second->probability);
      QCOMPARE(got[i].second->strength, want[i].second->strength);
    }
    // A named recipe stays a name.
    c.augmentPreset = "light";
    const auto light = presetRuns(parseExperiment(experimentJson(experimentFromSettings(QStringLiteral("t"), {}, QStringLiteral("shapes"), c, {})),
                                                  QStringLiteral("x.json")),
                                  base, m_tmp.path());
    QCOMPARE(light.first().config.augmentPreset, std::string("light"));
    // The built-in presets are such files too: each one written and read back is itself.
    for (const auto& p : builtInPresets()) {
      const ExperimentPreset again = parseExperiment(experimentJson(p), QStringLiteral("again.json"));
      QCOMPARE(again.title, p.title);
      QCOMPARE(again.charts, p.charts);
      QCOMPARE(again.runs, p.runs);
    }
  }

  void brokenExperimentFilesSayWhichFieldAndFile() {
    auto message = [this](const QByteArray& json) {
      const QString path = m_tmp.filePath(QStringLiteral("broken.json"));
      QFile file(path);
      if (!file.open(QIODevice::WriteOnly)) return QStringLiteral("cannot write the test file");
      file.write(json);
      file.close();
      try {
        readExperimentFile(path);
      } catch (const std::invalid_argument& e) {
        return QString::fromUtf8(e.what());
      }
      return QString();
    };
    const QString file = QDir::toNativeSeparators(m_tmp.filePath(QStringLiteral("broken.json")));
    auto expect = [&](const QByteArray& json, const QString& start, const QString& part) {
      const QString m = message(json);
      QVERIFY2(m.startsWith(file + QStringLiteral(": ") + start) && m.contains(part), qPrintable(m));
    };
    const QByteArray good = R"("title": "t", "dataset": "shapes")";
    expect("{" + good + R"(, "runs": [{"method": "simclr", "epochs": "two"}]})", QStringLiteral("runs[0].epochs: "),
           QStringLiteral("whole number"));
    expect("{" + good + R"(, "runs": [{"method": "simclear"}]})", QStringLiteral("runs[0].method: "), QStringLiteral("simclear"));
    expect("{" + good + R"(, "runs": [{"method": "simclr"}, {"method": "simclr", "first_kernel": 4}]})", QStringLiteral("runs[1]: "),
           QStringLiteral("first-layer kernel"));
    expect("{" + good + R"(, "runs": [{"method": "simclr", "augment": {"zoom": {"enabled": true}}}]})",
           QStringLiteral("runs[0].augment.zoom: "), QStringLiteral("unknown augmentation"));
    expect("{" + good + R"(, "runs": [{"method": "simclr", "augment": {"crop": {"strength": 3}}}]})",
           QStringLiteral("runs[0].augment.crop.strength: "), QStringLiteral("0 to 1"));
    expect("{" + good + R"(, "charts": ["loss"], "runs": [{"method": "simclr"}]})", QStringLiteral("charts: "),
           QStringLiteral("unknown chart 'loss'"));
    expect("{" + good + R"(, "runs": []})", QStringLiteral("runs: "), QStringLiteral("has no runs"));
    expect(R"({"dataset": "shapes", "runs": [{"method": "simclr"}]})", QStringLiteral("title: "), QStringLiteral("title"));
    expect("{" + good + R"(, "run": [{"method": "simclr"}]})", QStringLiteral("run: "), QStringLiteral("unknown key"));
    expect("{" + good + R"(, "runs": [{"method": "simclr"})", QString(), QStringLiteral("at offset"));
    expect("[]", QString(), QStringLiteral("JSON object"));
    expect(R"({"pretext_experiment": 2, "title": "t", "runs": [{"method": "simclr"}]})", QStringLiteral("pretext_experiment: "),
           QStringLiteral("newer"));
    // A file that is not there.
    try {
      readExperimentFile(m_tmp.filePath(QStringLiteral("nowhere.json")));
      QFAIL("no exception");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("nowhere.json: cannot be read")), e.what());
    }
    try {
      writeExperimentFile(m_tmp.filePath(QStringLiteral("no/such/folder/x.json")), builtInPresets().first());
      QFAIL("no exception");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("x.json: cannot be written")), e.what());
    }
  }

  void coreMessagesAreTranslatedWithTheirNames() {
    // Without a translation: the English comes back unchanged, also for messages not in the list.
    QCOMPARE(i18n::coreMessage(QStringLiteral("/runs/a is not a run folder (no config.json)")),
             QStringLiteral("/runs/a is not a run folder (no config.json)"));
    QCOMPARE(i18n::coreMessage(QStringLiteral("something the list does not know")), QStringLiteral("something the list does not know"));
    MarkingTranslator translator;
    QCoreApplication::installTranslator(&translator);
    QCOMPARE(i18n::coreMessage(QStringLiteral("/runs/a is not a run folder (no config.json)")),
             QStringLiteral("ZH</runs/a is not a run folder (no config.json)>"));
    QCOMPARE(i18n::coreMessage(QStringLiteral("batch size 512 is larger than the 100 training images: using 100")),
             QStringLiteral("ZH<batch size 512 is larger than the 100 training images: using 100>"));
    QCOMPARE(i18n::coreMessage(QStringLiteral("the loss became NaN at epoch 2, step 7: training stopped. Try a lower learning "
                                              "rate (now 0.5); no checkpoint was written")),
             QStringLiteral("ZH<the loss became NaN at epoch 2, step 7: training stopped. Try a lower learning rate (now 0.5); "
                            "no checkpoint was written>"));
    // "where: what": the place kept, the message translated.
    QCOMPARE(i18n::coreMessage(QStringLiteral("lesson.json: runs: has no runs")), QStringLiteral("lesson.json: runs: ZH<has no runs>"));
    QCOMPARE(i18n::coreMessage(QStringLiteral("something the list does not know")), QStringLiteral("something the list does not know"));
    QCoreApplication::removeTranslator(&translator);
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

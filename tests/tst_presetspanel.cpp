// Experiment presets: the shipped ones parse and name real methods, bad ones say what is wrong,
// and a preset's runs train one after another in the Training panel, each a series of its own.
// Experiment files: saving and opening gives the same configuration back; a broken file's message
// names the file and the field; the core's messages reach the window translated, names kept.
#include "experimentpresets.h"
#include "translation.h"
#include "livechart.h"
#include "presetspanel.h"
#include "trainingpanel.h"

#include <pretext/dataset.h>
#include <pretext/methods.h>
#include <pretext/training.h>

#include <qcustomplot.h>

#include <QComboBox>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
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
    looked.insert(QString::fromUtf8(source));
    return QStringLiteral("ZH<%1>").arg(QString::fromUtf8(source));
  }
  bool isEmpty() const override { return false; }
  mutable QSet<QString> looked;  // the sources asked for
};

/// What `run` throws (it must throw).
template <class F>
QString thrown(F&& run) {
  try {
    run();
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return QStringLiteral("<nothing thrown>");
}

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) qFatal("cannot write %s", qPrintable(path));
}

/// An IDX header: magic 0x0000080N and the dimensions, big-endian.
QByteArray idxHeader(int dims, std::initializer_list<quint32> sizes) {
  QByteArray b(4, '\0');
  b[2] = 8;
  b[3] = char(dims);
  for (quint32 n : sizes) {
    for (int shift = 24; shift >= 0; shift -= 8) b.append(char((n >> shift) & 0xff));
  }
  return b;
}

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

  /// Every pattern of coremessages.cpp translates a real message: the range checks of the run's
  /// settings and the IDX reader's complaints as the core throws them today, the other dataset,
  /// method-option and data-parallel messages as the core's code writes them. Names, paths and
  /// numbers come through unchanged; an unknown message passes through as it is.
  void everyCoreMessagePatternTranslates() {
    QStringList messages;
    // validateConfig: each setting out of its range.
    const auto bad = [&](auto change) {
      pretext::TrainConfig c;
      change(c);
      messages << thrown([&] { pretext::validateConfig(c); });
    };
    bad([](auto& c) { c.backboneWidth = 0; });
    bad([](auto& c) { c.firstKernel = 4; });
    bad([](auto& c) { c.epochs = -1; });
    bad([](auto& c) { c.batchSize = 1; });
    bad([](auto& c) { c.subset = -1; });
    bad([](auto& c) { c.learningRate = -0.5; });
    bad([](auto& c) { c.weightDecay = 11; });
    bad([](auto& c) { c.momentum = 1.0; });
    bad([](auto& c) { c.warmupEpochs = std::nan(""); });
    bad([](auto& c) { c.threads = -2; });
    bad([](auto& c) { c.knnK = 0; });
    bad([](auto& c) { c.knnTemperature = 0; });
    bad([](auto& c) { c.knnTestLimit = -3; });
    bad([](auto& c) { c.readbackEvery = -1; });
    bad([](auto& c) { c.checkpointEveryEpochs = -1; });
    bad([](auto& c) { c.syncBatchNorm = 2; });
    bad([](auto& c) { c.augment.ops().front().second->probability = 1.5f; });
    bad([](auto& c) { c.augment.ops().front().second->strength = -1.0f; });
    // Method options: an unknown one, one out of range, a whole number that is not.
    messages << thrown([] { pretext::checkMethodOptions("simclr", {{"nope", 1.0}}); });
    messages << thrown([] { pretext::checkMethodOptions("simclr", {{"temperature", -1.0}}); });
    for (const auto& m : pretext::methodCatalogue()) {
      if (m.options.empty() && messages.filter(QStringLiteral("(it has no options)")).isEmpty()) {
        messages << thrown([&] { pretext::checkMethodOptions(m.name, {{"nope", 1.0}}); });
      }
      for (const auto& o : m.options) {
        if (o.integer && messages.filter(QStringLiteral("must be a whole number")).isEmpty()) {
          messages << thrown([&] { pretext::checkMethodOptions(m.name, {{o.name, o.minValue + 0.5}}); });
        }
      }
    }
    // The IDX reader on broken files (an MNIST folder).
    const QString dir = m_tmp.filePath(QStringLiteral("idx"));
    const auto load = [&](const QByteArray& images, const QByteArray& labels) {
      QDir(dir).removeRecursively();
      QDir().mkpath(dir);
      if (!images.isNull()) writeBytes(dir + QStringLiteral("/train-images-idx3-ubyte"), images);
      if (!labels.isNull()) writeBytes(dir + QStringLiteral("/train-labels-idx1-ubyte"), labels);
      messages << thrown([&] { pretext::Dataset::load(pretext::DatasetSpec::parse("mnist:" + dir.toStdString())); });
    };
    const QByteArray twoImages = idxHeader(3, {2, 2, 2}) + QByteArray(8, 'x');
    const QByteArray twoLabels = idxHeader(1, {2}) + QByteArray(2, '\1');
    load(QByteArray("ab"), twoLabels);                                    // truncated IDX file (2 bytes)
    load(idxHeader(1, {2}) + QByteArray(2, '\1'), twoLabels);            // a label file as images
    load(twoImages, twoImages);                                           // an image file as labels
    load(idxHeader(3, {2}), twoLabels);                                   // truncated IDX header
    load(idxHeader(3, {2, 0, 2}), twoLabels);                             // implausible IDX dimension 0
    load(idxHeader(3, {1u << 28, 1u << 28, 4}), twoLabels);               // implausible IDX size
    load(idxHeader(3, {2, 2, 2}) + QByteArray(3, 'x'), twoLabels);        // truncated: the header promises 8
    load(twoImages + QByteArray(5, 'x'), twoLabels);                      // 5 unexpected bytes after
    load(twoImages, idxHeader(1, {3}) + QByteArray(3, '\1'));            // 3 labels for 2 images
    load(twoImages, idxHeader(1, {2}) + QByteArray(2, '\14'));           // label 12, MNIST has 10 classes
    load(twoImages, QByteArray());                                        // no train-labels-idx1-ubyte[.gz]
    load(QByteArray(), QByteArray());                                     // no IDX image files
    messages << thrown([&] { pretext::Dataset::load(pretext::DatasetSpec::parse("mnist:" + dir.toStdString() + "/none")); });
    messages << thrown([&] {
      pretext::DatasetSpec spec = pretext::DatasetSpec::parse("fashion-mnist");
      spec.path = (dir + QStringLiteral("/none")).toStdString();
      pretext::Dataset::load(spec);
    });
    // The other dataset readers' messages, as their code writes them after the file's name.
    messages << QStringLiteral("/data/cifar/data_batch_1.bin: empty file")
             << QStringLiteral("/data/cifar/data_batch_1.bin: 3074 bytes is not a whole number of 3073-byte CIFAR-10 records "
                               "(truncated or not a CIFAR batch)")
             << QStringLiteral("/data/cifar/data_batch_1.bin: record 7 has label 11, outside 0..9")
             << QStringLiteral("/data/stl/train_X.bin: 5 bytes is not a whole number of 96x96x3 STL-10 images (truncated or not "
                               "an STL-10 file)")
             << QStringLiteral("/data/stl/train_y.bin: label 0 at position 3 is outside 1..10")
             << QStringLiteral("/data/stl/train_y.bin: 4 labels for 5 images in /data/stl/train_X.bin")
             << QStringLiteral("/data/f/train-images-idx3-ubyte.gz: corrupt gzip data (invalid stored block lengths)")
             << QStringLiteral("cannot read /data/f/x.bin: file shrank while reading")
             << QStringLiteral("Fashion-MNIST train: images must be uint8 [N, C, H, W]")
             << QStringLiteral("Fashion-MNIST test: the split is empty")
             << QStringLiteral("Fashion-MNIST test: image shape differs between splits")
             << QStringLiteral("Fashion-MNIST test: 5 labels for 6 images")
             << QStringLiteral("Fashion-MNIST test: label -1 outside 0..9")
             << QStringLiteral("/data/p/train_images.npy: too short for a .npy file")
             << QStringLiteral("/data/p/train-images-idx3-ubyte.gz: more than 65536 unexpected bytes after the 47040000 bytes of data "
                               "its header promises")
             << QStringLiteral("/data/p/train-images-idx3-ubyte.gz: truncated: the header promises 47040000 bytes of data, more "
                               "than its 1032 bytes of gzip data can hold")
             << QStringLiteral("CIFAR-10: folder /data/none not found");
    // Data-parallel: as dist.cpp and the CLI's launcher write them (the window shows the launcher's lines).
    messages << QStringLiteral("rank 0: all_gather of the BatchNorm statistics failed: rank 1 stopped answering (no heartbeat "
                               "for 2.5 s: it died or hangs): [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection "
                               "closed by peer [127.0.0.1]:40203")
             << QStringLiteral("rank 1: all_reduce of gradients failed: rank 0 stopped answering (the rendezvous store it "
                               "serves at 127.0.0.1:29500 does not answer: it died or hangs): Timed out waiting 300000ms")
             << QStringLiteral("rank 2: broadcast of parameters and buffers failed (a peer died or did not answer within 300 s): "
                               "Timed out waiting 300000ms")
             << QStringLiteral("rank 1 of 2: the rendezvous at 127.0.0.1:29500 did not complete within 300 s: Connection refused")
             << QStringLiteral("rank 1 exited with status 1: stopping the others")
             << QStringLiteral("resuming a checkpoint written by 4 processes with 2 processes: the global batch stays 32 (16 "
                               "per process), the epoch's order, step and learning rate continue, and the method's state "
                               "(queues, memory banks, centres) is the saved one; only the augmentation draws differ from an "
                               "uninterrupted run")
             << QStringLiteral("metrics.csv: 3 rows after step 180 dropped (written after the checkpoint this run resumes from)")
             << QStringLiteral("CPU bf16 autocast chosen (--cpu-bf16 auto): this CPU computes bf16 natively and the paired "
                               "test in bench/README.md found this method as accurate that way, about 2x faster; "
                               "--cpu-bf16 off trains in fp32")
             << QStringLiteral("rank 1 was killed by signal 9 (Killed)")
             << QStringLiteral("rank 1 did not stop: killed")
             << QStringLiteral("rank 3 is not below the world size 2")
             << QStringLiteral("environment variable WORLD_SIZE is not set (the number of processes)")
             << QStringLiteral("MASTER_PORT 70000 is not a port")
             << QStringLiteral("--nproc 2: this build of Pretext has no Gloo (its headers were not found when it was configured: "
                               "install libgloo-dev, or use a LibTorch that ships them, and configure again), so it trains in one "
                               "process only")
             << QStringLiteral("batch size 63 does not divide among 2 processes: the batch size is the global one");
    // The first 30 (run folders, datasets, training, experiment files).
    messages << QStringLiteral("/runs/a is not a run folder (no config.json)") << QStringLiteral("/runs/a has no checkpoint yet (checkpoints/last.pt)")
             << QStringLiteral("checkpoint /runs/a/x.pt not found") << QStringLiteral("no dataset given")
             << QStringLiteral("'x' is neither a dataset kind (fashion-mnist, shapes) nor an existing file or folder")
             << QStringLiteral("unknown dataset kind 'x'") << QStringLiteral("STL-10 has no test split") << QStringLiteral("STL-10: no images found")
             << QStringLiteral("cannot open /data/x") << QStringLiteral("cannot read /data/x") << QStringLiteral("the training split has fewer than 2 images")
             << QStringLiteral("supervised needs labels, and the training split has unlabelled images")
             << QStringLiteral("batch size 512 is larger than the 100 training images: using 100")
             << QStringLiteral("out of memory at batch size 512: try --batch-size 256 (the last checkpoint on disk is kept)")
             << QStringLiteral("out of GPU memory at batch size 512: try --batch-size 256 (the last checkpoint on disk is kept)")
             << QStringLiteral("the loss became NaN at epoch 2, step 7: training stopped. Try a lower learning rate (now 0.5); the last "
                               "good checkpoint (end of epoch 1) is kept")
             << QStringLiteral("the loss became infinite at epoch 1, step 3: training stopped. Try a lower learning rate (now 2); no "
                               "checkpoint was written")
             << QStringLiteral("random init: evaluated without training") << QStringLiteral("l.json: runs: has no runs")
             << QStringLiteral("l.json: title: missing: an experiment needs a title") << QStringLiteral("l.json: runs[0]: unknown key 'x' in a run")
             << QStringLiteral("l.json: run: unknown key (known: title, runs)") << QStringLiteral("l.json: runs[0].epochs: expected a whole number, not two")
             << QStringLiteral("l.json: runs[0].label: expected text, not a number") << QStringLiteral("l.json: cannot be read (No such file)")
             << QStringLiteral("l.json: cannot be written (Permission denied)") << QStringLiteral("l.json: runs[0].method: unknown method 'simclear'")
             << QStringLiteral("l.json: charts: unknown chart 'loss' (known: training, filters)")
             << QStringLiteral("l.json: unterminated object at offset 12");
    // The training split's refusals (trainSplitRefusal), as the Training panel shows them.
    messages << QStringLiteral("--train-split unlabeled: this method trains on labels")
             << QStringLiteral("--train-split unlabeled: STL-10 has no unlabelled split (no unlabeled_X.bin in /data/stl10)")
             << QStringLiteral("--train-split unlabeled: Shapes has no unlabelled split")
             << QStringLiteral("--train-split train: holiday-photos has no labelled train split");

    MarkingTranslator translator;
    QCoreApplication::installTranslator(&translator);
    const QRegularExpression numbers(QStringLiteral("-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|nan"));
    const QRegularExpression option(QStringLiteral("--[a-z0-9-]+"));
    for (const QString& english : messages) {
      const QString shown = i18n::coreMessage(english);
      QVERIFY2(shown != english && shown.contains(QStringLiteral("ZH<")), qPrintable(QStringLiteral("not translated: ") + english));
      // Every number and option name of the message is still there, as many times.
      QStringList want, got;
      for (auto it = numbers.globalMatch(english); it.hasNext();) want << it.next().captured();
      for (auto it = numbers.globalMatch(shown); it.hasNext();) got << it.next().captured();
      want.sort();
      got.sort();
      QVERIFY2(want == got, qPrintable(english + QStringLiteral("\n -> ") + shown));
      // A range check keeps the option it names (the window's Training panel says "batch size" itself).
      if (english.contains(QStringLiteral(" must be "))) {
        for (auto it = option.globalMatch(english); it.hasNext();) {
          const QString name = it.next().captured();
          QVERIFY2(shown.contains(name), qPrintable(name + QStringLiteral(" lost: ") + shown));
        }
      }
    }
    // The setting a range check names is translated too, inside the sentence.
    QCOMPARE(i18n::coreMessage(messages.first()),
             QStringLiteral("ZH<ZH<backbone width (--width)> must be from 1 to 4096, not 0>"));
    QCOMPARE(i18n::coreMessage(QStringLiteral("l.json: runs[1]: learning rate (--lr, 0: the optimizer's default) must be from 0 to 1e+06, "
                                              "not -1")),
             QStringLiteral("ZH<l.json: runs[1]: ZH<learning rate (--lr, 0: the optimizer's default)> must be from 0 to 1e+06, not -1>"));
    // A rank that stopped: the operation and Gloo's detail kept, the reason translated.
    QVERIFY(i18n::coreMessage(messages.filter(QStringLiteral("no heartbeat")).first())
                .startsWith(QStringLiteral("ZH<rank 0: all_gather of the BatchNorm statistics failed: ZH<rank 1 stopped answering (no "
                                           "heartbeat for 2.5 s: it died or hangs)>: [../third_party")));
    // Each pattern was used, and nothing else was asked for.
    const QStringList sources = i18n::coreMessageSources();
    QSet<QString> all(sources.begin(), sources.end());
    QCOMPARE(int(all.size()), int(sources.size()));  // no pattern twice
    QStringList unused;
    for (const QString& s : sources) {
      if (!translator.looked.contains(s)) unused << s;
    }
    QVERIFY2(unused.isEmpty(), qPrintable(QStringLiteral("no message reached: ") + unused.join(QStringLiteral(" | "))));
    QVERIFY(translator.looked.subtract(all).isEmpty());
    // Unknown text, and text that merely resembles a pattern, pass through as they are.
    for (const QString& other : {QStringLiteral("something the list does not know"), QStringLiteral("rank 1 is fine"),
                                 QStringLiteral("the batch size must be from outer space"), QString()}) {
      QCOMPARE(i18n::coreMessage(other), other);
    }
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
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 60000);
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

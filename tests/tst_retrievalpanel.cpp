// The Retrieval panel on a dataset whose test split is a copy of its training split, so that the
// exported test features are the training features too: the neighbours the gallery shows are checked
// against a brute-force cosine ranking of those features, the red frames against the labels written
// into the dataset files, P@K against counts over that ranking; and the controls, exports, failures,
// a hidden panel and a panel destroyed mid-job.
#include "imagegridwidget.h"
#include "retrievalpanel.h"
#include "widgettestutil.h"
#include "runinspector.h"

#include <pretext/dataset.h>
#include <pretext/evaluation.h>
#include <pretext/training.h>

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <set>

namespace {

constexpr int kSide = 28;

void putBe32(QByteArray& out, quint32 v) {
  for (int s = 24; s >= 0; s -= 8) out.append(char(v >> s));
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// A float32 [rows, cols] .npy file (format 1.0, little-endian, C order), as saveNpy writes it.
std::vector<float> readNpy(const QString& path, qint64& rows, qint64& cols) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QByteArray bytes = f.readAll();
  if (!bytes.startsWith("\x93NUMPY")) return {};
  const int headerLength = quint8(bytes[8]) | (quint8(bytes[9]) << 8);
  const QString header = QString::fromLatin1(bytes.mid(10, headerLength));
  if (!header.contains(QLatin1String("'<f4'"))) return {};
  const QRegularExpression shape(QStringLiteral("\\((\\d+),\\s*(\\d+)\\)"));
  const auto m = shape.match(header);
  if (!m.hasMatch()) return {};
  rows = m.captured(1).toLongLong();
  cols = m.captured(2).toLongLong();
  std::vector<float> out(std::size_t(rows * cols));
  if (bytes.size() < 10 + headerLength + qint64(out.size() * sizeof(float))) return {};
  std::memcpy(out.data(), bytes.constData() + 10 + headerLength, out.size() * sizeof(float));
  return out;
}

}  // namespace

class TstRetrievalPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  QString m_run;
  std::unique_ptr<RunInspector> m_inspector;
  qint64 m_n = 0, m_dim = 0;
  std::vector<float> m_features;          // L2-normalised, test split == training split
  std::vector<int> m_labels;              // as written into the label files
  std::vector<QImage> m_images;           // as written into the image files
  QStringList m_classNames;
  std::vector<std::int64_t> m_sample;     // Evaluator::sampleTestImages(kCandidates)

  double similarity(qint64 a, qint64 b) const {
    double s = 0.0;
    for (qint64 d = 0; d < m_dim; ++d) s += double(m_features[a * m_dim + d]) * m_features[b * m_dim + d];
    return s;
  }

  // The training images ranked by cosine similarity to test image q (ties in index order).
  std::vector<qint64> ranking(qint64 q, std::vector<double>* sims = nullptr) const {
    std::vector<double> s(static_cast<std::size_t>(m_n));
    for (qint64 j = 0; j < m_n; ++j) s[j] = similarity(q, j);
    std::vector<qint64> order(static_cast<std::size_t>(m_n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](qint64 a, qint64 b) { return s[a] > s[b]; });
    if (sims) *sims = s;
    return order;
  }

  // Checks the gallery against the brute-force ranking: "" when it agrees, else what differs.
  // `marked` counts the neighbours framed in red.
  QString checkGallery(const RetrievalPanel& panel, qint64 q, int k, int* marked = nullptr) const {
    std::vector<double> sims;
    const auto order = ranking(q, &sims);
    const ImageGridWidget* g = panel.galleryGrid();
    const auto& indices = panel.neighbourIndices();
    const auto& shownSims = panel.neighbourSimilarities();
    if (panel.shownQuery() != q) return QStringLiteral("shows query %1").arg(panel.shownQuery());
    if (g->count() != k + 1 || int(indices.size()) != k || int(shownSims.size()) != k) {
      return QStringLiteral("%1 tiles, %2 neighbours for K = %3").arg(g->count()).arg(indices.size()).arg(k);
    }
    if (panel.queryLabel() != m_labels[q]) return QStringLiteral("query label %1").arg(panel.queryLabel());
    if (g->image(0) != m_images[q]) return QStringLiteral("the first tile is not the query");
    if (!g->caption(0).contains(m_classNames[m_labels[q]]) || g->isMarked(0)) return QStringLiteral("query tile");
    // The test image's own copy in the training split comes first, at similarity 1.
    if (indices[0] != q || std::abs(shownSims[0] - 1.0) > 1e-4) {
      return QStringLiteral("first neighbour #%1 at %2, not the query's copy").arg(indices[0]).arg(shownSims[0]);
    }
    int framed = 0;
    for (int i = 0; i < k; ++i) {
      const qint64 j = indices[std::size_t(i)];
      const double shown = shownSims[std::size_t(i)];
      const double best = sims[order[std::size_t(i)]];
      // The i-th best similarity, and the shown image really has it (ties may swap equal images).
      if (std::abs(shown - best) > 1e-4 || std::abs(shown - sims[j]) > 1e-4) {
        return QStringLiteral("rank %1: #%2 at %3 (its brute-force %4), brute force #%5 at %6")
            .arg(i).arg(j).arg(shown).arg(sims[j]).arg(order[std::size_t(i)]).arg(best);
      }
      const bool clearAbove = i == 0 || sims[order[i - 1]] - best > 1e-4;
      const bool clearBelow = i + 1 >= m_n || best - sims[order[i + 1]] > 1e-4;
      if (clearAbove && clearBelow && j != order[std::size_t(i)]) {
        return QStringLiteral("rank %1: #%2, brute force #%3").arg(i).arg(j).arg(order[std::size_t(i)]);
      }
      if (panel.neighbourLabels()[std::size_t(i)] != m_labels[j]) return QStringLiteral("label at rank %1").arg(i);
      if (g->image(i + 1) != m_images[j]) return QStringLiteral("image at rank %1 is not training image %2").arg(i).arg(j);
      const QString caption =
          QStringLiteral("%1 · %2").arg(m_classNames[m_labels[j]], QLocale().toString(shown, 'f', 3));
      if (g->caption(i + 1) != caption) return QStringLiteral("caption '%1', expected '%2'").arg(g->caption(i + 1), caption);
      const bool wrong = m_labels[j] != m_labels[q];
      if (g->isMarked(i + 1) != wrong) return QStringLiteral("rank %1 marked %2, wrong class %3").arg(i).arg(g->isMarked(i + 1)).arg(wrong);
      framed += wrong ? 1 : 0;
    }
    const double precision = double(k - framed) / k;
    if (std::abs(panel.queryPrecision() - precision) > 1e-12) return QStringLiteral("P@K %1").arg(panel.queryPrecision());
    const QString text = QStringLiteral("P@%1 for this query: %2").arg(k).arg(QLocale().toString(precision, 'f', 2));
    if (!panel.precisionLabel()->text().contains(text)) return QStringLiteral("label: ") + panel.precisionLabel()->text();
    if (marked) *marked = framed;
    return {};
  }

  static void clickTile(ImageGridWidget* grid, int index) {
    QTest::mouseClick(grid->viewport(), Qt::LeftButton, {}, grid->tileRect(index).center());
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    // Gray 28x28 images of the synthetic shapes (8 classes), written as Fashion-MNIST IDX files
    // whose t10k split repeats the training split.
    pretext::DatasetSpec shapesSpec;
    shapesSpec.kind = "shapes";
    shapesSpec.shapesPerClass = 15;
    shapesSpec.shapesImageSize = kSide;
    const auto shapes = pretext::Dataset::load(shapesSpec);
    m_n = shapes.size(pretext::Split::Train);
    QByteArray images, labels;
    putBe32(images, 0x803);
    putBe32(images, quint32(m_n));
    putBe32(images, kSide);
    putBe32(images, kSide);
    putBe32(labels, 0x801);
    putBe32(labels, quint32(m_n));
    for (qint64 i = 0; i < m_n; ++i) {
      const auto im = shapes.image(pretext::Split::Train, i);
      QImage gray(kSide, kSide, QImage::Format_Grayscale8);
      for (int y = 0; y < kSide; ++y) {
        for (int x = 0; x < kSide; ++x) {
          const auto* p = im.at(x, y);
          const char v = char((int(p[0]) + p[1] + p[2]) / 3);
          images.append(v);
          gray.scanLine(y)[x] = uchar(v);
        }
      }
      m_images.push_back(gray);
      m_labels.push_back(shapes.label(pretext::Split::Train, i));
      labels.append(char(m_labels.back()));
    }
    const QString data = m_tmp.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(data));
    for (const char* split : {"train", "t10k"}) {
      QVERIFY(writeFile(data + QStringLiteral("/%1-images-idx3-ubyte").arg(split), images));
      QVERIFY(writeFile(data + QStringLiteral("/%1-labels-idx1-ubyte").arg(split), labels));
    }

    m_run = m_tmp.filePath(QStringLiteral("run"));
    pretext::TrainConfig c;
    c.dataset.kind = "fashion-mnist";
    c.dataset.path = data.toStdString();
    c.method = "random";  // features of a random encoder: enough neighbours of other classes to mark
    c.backboneWidth = 8;
    c.epochs = 1;
    c.batchSize = 32;
    c.device = "cpu";
    c.knnEveryEpoch = false;
    // fp32 features, as the exported embedding the brute force reads (bf16 on an AMX CPU would move
    // near-ties by 1e-4).
    c.knnBf16 = false;
    c.outDir = m_run.toStdString();
    {
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      const auto r = trainer.run();
      QVERIFY2(r.status == pretext::RunStatus::Finished, r.message.c_str());
    }
    pretext::Evaluator ev(m_run.toStdString(), "auto");  // the device the inspector uses
    for (const auto& name : ev.classNames()) m_classNames << QString::fromStdString(name);
    m_sample = ev.sampleTestImages(RetrievalPanel::kCandidates);
    const QString features = m_tmp.filePath(QStringLiteral("features.npy"));
    ev.exportEmbedding(features.toStdString(), m_tmp.filePath(QStringLiteral("labels.npy")).toStdString(), 0, true);
    m_features = readNpy(features, m_n, m_dim);
    QVERIFY(!m_features.empty());
    QCOMPARE(m_n, qint64(m_labels.size()));
    m_inspector = std::make_unique<RunInspector>();
  }

  void cleanupTestCase() { m_inspector.reset(); }

  void galleryShowsTheNearestTrainingImages() {
    RetrievalPanel panel(m_inspector.get());
    panel.resize(1100, 700);
    QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    panel.show();
    panel.setRun(m_run);
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 60000);
    QCOMPARE(panel.candidates(), m_sample);  // spread over the classes (3 each of the 8 shapes here)
    QCOMPARE(panel.queryGrid()->count(), int(m_sample.size()));
    for (std::size_t i = 0; i < panel.candidates().size(); ++i) {
      const qint64 q = panel.candidates()[i];
      QVERIFY(q >= 0 && q < m_n);
      QCOMPARE(panel.queryGrid()->image(int(i)), m_images[q]);
      QCOMPARE(panel.queryGrid()->caption(int(i)), m_classNames[m_labels[q]]);
    }
    QVERIFY(!panel.saveButton()->isEnabled());

    QCOMPARE(panel.k(), 10);
    int marked = 0;
    for (int tile : {0, 5, 11, 18}) {
      clickTile(panel.queryGrid(), tile);
      QVERIFY(panel.busy());
      QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
      const qint64 q = panel.candidates()[std::size_t(tile)];
      QCOMPARE(shown.takeFirst().at(0).toLongLong(), q);
      QVERIFY(!panel.busy());
      int m = 0;
      const QString error = checkGallery(panel, q, 10, &m);
      QVERIFY2(error.isEmpty(), qPrintable(QStringLiteral("query %1: %2").arg(q).arg(error)));
      marked += m;
    }
    QVERIFY2(marked > 0, "no neighbour of another class: the red frames were not exercised");
    QVERIFY(panel.saveButton()->isEnabled());

    // K changes what is computed.
    const qint64 q = panel.shownQuery();
    panel.kBox()->setValue(4);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(checkGallery(panel, q, 4), QString());
    panel.kBox()->setValue(25);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 60000);
    QCOMPARE(checkGallery(panel, q, 25), QString());
  }

  void meanPrecisionOverTheTestSplit() {
    RetrievalPanel panel(m_inspector.get());
    QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
    QSignalSpy measured(&panel, &RetrievalPanel::precisionMeasured);
    panel.show();
    panel.setRun(m_run);
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 60000);
    for (int k : {10, 3}) {
      panel.kBox()->setValue(k);
      QCOMPARE(panel.meanPrecision(), -1.0);
      QTest::mouseClick(panel.measureButton(), Qt::LeftButton);
      QTRY_COMPARE_WITH_TIMEOUT(measured.count(), 1, 60000);
      const double shown = measured.takeFirst().at(0).toDouble();
      double sum = 0.0;
      for (qint64 q = 0; q < m_n; ++q) {
        const auto order = ranking(q);
        int hits = 0;
        for (int i = 0; i < k; ++i) hits += m_labels[order[std::size_t(i)]] == m_labels[q] ? 1 : 0;
        sum += double(hits) / k;
      }
      const double expected = sum / double(m_n);
      // A near-tie across classes at rank K may order differently: at most a few such queries.
      QVERIFY2(std::abs(shown - expected) <= 2.5 / (double(k) * double(m_n)),
               qPrintable(QStringLiteral("P@%1 shown %2, brute force %3").arg(k).arg(shown).arg(expected)));
      QCOMPARE(panel.meanPrecision(), shown);
      QVERIFY(panel.meanPrecisionLabel()->text().contains(QStringLiteral("Mean P@%1").arg(k)));
      QVERIFY(panel.meanPrecisionLabel()->text().contains(QLocale().toString(shown, 'f', 3)));
    }
    panel.checkpointWritten(m_run);  // a newer checkpoint makes the measure stale
    QCOMPARE(panel.meanPrecision(), -1.0);
  }

  void otherQueriesAreAnotherBalancedDraw() {
    RetrievalPanel panel(m_inspector.get());
    QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
    panel.show();
    panel.setRun(m_run);
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 60000);
    const auto first = panel.candidates();
    QTest::mouseClick(panel.otherQueriesButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 2, 60000);
    const auto second = panel.candidates();
    QCOMPARE(int(second.size()), RetrievalPanel::kCandidates);
    QVERIFY(second != first);
    QCOMPARE(int(std::set<qint64>(second.begin(), second.end()).size()), RetrievalPanel::kCandidates);
    std::map<int, int> perClass;
    for (std::size_t i = 0; i < second.size(); ++i) {
      const qint64 q = second[i];
      QVERIFY(q >= 0 && q < m_n);
      QCOMPARE(panel.queryGrid()->image(int(i)), m_images[q]);
      ++perClass[m_labels[q]];
    }
    QCOMPARE(int(perClass.size()), 8);  // the 8 shapes, as evenly as 30 allows: 3 or 4 each
    for (const auto& [label, count] : perClass) {
      QVERIFY(count == RetrievalPanel::kCandidates / 8 || count == RetrievalPanel::kCandidates / 8 + 1);
    }
  }

  void savesTheGalleryAsPng() {
    RetrievalPanel panel(m_inspector.get());
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    panel.show();
    QVERIFY(!panel.saveGallery(m_tmp.filePath(QStringLiteral("none.png"))));  // nothing shown yet
    panel.setRun(m_run);
    panel.showQuery(7);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    const QString path = m_tmp.filePath(QStringLiteral("gallery.png"));
    QVERIFY(panel.saveGallery(path));
    QImage saved(path);
    QVERIFY(!saved.isNull());
    const QImage grid = panel.galleryGrid()->renderAll(11);
    QVERIFY(saved.width() >= grid.width());
    QVERIFY(saved.height() > grid.height());  // the title line above the tiles
    QVERIFY(!panel.saveGallery(m_tmp.filePath(QStringLiteral("no/such/folder/g.png"))));
  }

  void failuresSayWhatIsWrong() {
    RetrievalPanel panel(m_inspector.get());
    QSignalSpy failed(&panel, &RetrievalPanel::failed);
    QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
    panel.show();
    QVERIFY(!panel.otherQueriesButton()->isEnabled());
    QVERIFY(!panel.measureButton()->isEnabled());

    panel.setRun(m_tmp.filePath(QStringLiteral("data")));  // a dataset folder, not a run folder
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 60000);
    QVERIFY2(failed.last().at(0).toString().contains(QLatin1String("not a run folder")),
             qPrintable(failed.last().at(0).toString()));
    QVERIFY(panel.statusLabel()->text().contains(QLatin1String("not a run folder")));
    QVERIFY(!panel.busy());

    // A run folder whose first epoch has not ended yet: config.json, no checkpoint.
    const QString early = m_tmp.filePath(QStringLiteral("early"));
    QVERIFY(QDir().mkpath(early));
    QVERIFY(QFile::copy(m_run + QStringLiteral("/config.json"), early + QStringLiteral("/config.json")));
    panel.setRun(early);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 60000);
    QVERIFY2(failed.last().at(0).toString().contains(QLatin1String("no checkpoint yet")),
             qPrintable(failed.last().at(0).toString()));
    // Its checkpoint arrives: the panel loads it.
    QVERIFY(QDir().mkpath(early + QStringLiteral("/checkpoints")));
    QVERIFY(QFile::copy(m_run + QStringLiteral("/checkpoints/last.pt"), early + QStringLiteral("/checkpoints/last.pt")));
    panel.checkpointWritten(m_run);  // another run's checkpoint: nothing to do
    QVERIFY(!panel.busy());
    panel.checkpointWritten(early);
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 60000);
    QVERIFY(panel.statusLabel()->text().contains(QLatin1String("Click a query")));

    panel.setRun(QString());
    QCOMPARE(panel.queryGrid()->count(), 0);
    QVERIFY(!panel.otherQueriesButton()->isEnabled());
  }

  void hiddenPanelComputesWhenShown() {
    RetrievalPanel panel(m_inspector.get());
    QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    panel.setRun(m_run);
    QVERIFY(!panel.busy());
    QVERIFY(!m_inspector->busy());
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 60000);
    panel.showQuery(panel.candidates()[2]);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    // A new checkpoint of a hidden panel's run: recomputed when shown again, not before.
    panel.hide();
    panel.checkpointWritten(m_run);
    QVERIFY(!panel.busy());
    panel.show();
    QVERIFY(panel.busy());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 60000);
    QCOMPARE(panel.shownQuery(), panel.candidates()[2]);
  }

  void destroyedWhileAJobRuns() {
    RunInspector inspector;
    auto* panel = new RetrievalPanel(&inspector);
    panel->show();
    panel->setRun(m_run);
    panel->showQuery(3);
    panel->measurePrecision();
    QVERIFY(inspector.busy());
    delete panel;
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 60000);
  }

  // PRETEXT_SCREENSHOT_DIR=/tmp/shots PRETEXT_SCREENSHOT_RUN=/path/to/run tst_retrievalpanel screenshots
  // (on a Fashion-MNIST run and a busy CPU, also QTEST_FUNCTION_TIMEOUT=1200000)
  void screenshots() {
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    const QString run = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUN", m_run);
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR (and PRETEXT_SCREENSHOT_RUN) to save screenshots");
    QDir().mkpath(dir);
    for (const bool dark : {false, true}) {
      RetrievalPanel panel(m_inspector.get());
      if (dark) {
        panel.setPalette(widgettest::darkPalette());
      }
      QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
      QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
      QSignalSpy measured(&panel, &RetrievalPanel::precisionMeasured);
      panel.resize(1280, 760);
      panel.show();
      panel.setRun(run);
      QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 300000);
      clickTile(panel.queryGrid(), 6);
      QTest::qWait(300);
      panel.grab().save(dir + (dark ? "/retrieval-busy-dark.png" : "/retrieval-busy.png"));
      QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 300000);
      if (!dark) {  // the measure is the slow part on a big test split: once is enough
        QTest::mouseClick(panel.measureButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(measured.count(), 1, 600000);
      }
      panel.grab().save(dir + (dark ? "/retrieval-dark.png" : "/retrieval.png"));
      panel.saveGallery(dir + (dark ? "/retrieval-gallery-dark.png" : "/retrieval-gallery.png"));
    }
  }
};

QTEST_MAIN(TstRetrievalPanel)
#include "tst_retrievalpanel.moc"

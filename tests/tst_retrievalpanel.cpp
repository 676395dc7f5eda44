// The Retrieval panel on a dataset whose test split is a copy of its training split, so that the
// exported test features are the training features too: the neighbours the gallery shows are checked
// against a brute-force cosine ranking of those features, the red frames against the labels written
// into the dataset files, P@K against counts over that ranking; and the controls, exports, failures,
// a hidden panel and a panel destroyed mid-job. A clicked neighbour's similarity maps are the
// Evaluator's for that pair, at the brute-force similarity; a picture of the user's own (the same
// image enlarged, as a file, dropped or pasted) finds the brute-force neighbours of the image it
// shows; a second run's gallery is checked against a brute-force ranking of its own features.
#include "imagegridwidget.h"
#include "qtconvert.h"
#include "retrievalpanel.h"
#include "widgettestutil.h"
#include "runinspector.h"

#include <pretext/dataset.h>
#include <pretext/evaluation.h>
#include <pretext/training.h>

#include <QClipboard>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QGuiApplication>
#include <QMimeData>
#include <QPainter>
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
  QString m_second;                       // another random encoder on the same data
  std::vector<float> m_features2;         // its L2-normalised features

  // The training images ranked by cosine similarity to test image q under `features`.
  std::vector<qint64> rankingOf(const std::vector<float>& features, qint64 q, std::vector<double>& s) const {
    s.assign(static_cast<std::size_t>(m_n), 0.0);
    for (qint64 j = 0; j < m_n; ++j) {
      for (qint64 d = 0; d < m_dim; ++d) s[j] += double(features[q * m_dim + d]) * features[j * m_dim + d];
    }
    std::vector<qint64> order(static_cast<std::size_t>(m_n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](qint64 a, qint64 b) { return s[a] > s[b]; });
    return order;
  }

  // Shown neighbours against a brute-force ranking: the i-th shows the i-th best similarity, and
  // the shown image has it. "" when they agree.
  QString checkRanking(const std::vector<float>& features, qint64 q, const std::vector<std::int64_t>& indices,
                       const std::vector<double>& shown) const {
    std::vector<double> s;
    const auto order = rankingOf(features, q, s);
    if (indices.size() != shown.size() || indices.empty()) return QStringLiteral("%1 neighbours").arg(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) {
      if (std::abs(shown[i] - s[order[i]]) > 1e-4 || std::abs(shown[i] - s[indices[i]]) > 1e-4) {
        return QStringLiteral("rank %1: #%2 at %3, brute force #%4 at %5").arg(i).arg(indices[i]).arg(shown[i]).arg(order[i]).arg(s[order[i]]);
      }
    }
    return {};
  }

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
    // A second random encoder (another seed) on the same data, for the side-by-side gallery.
    m_second = m_tmp.filePath(QStringLiteral("run2"));
    c.outDir = m_second.toStdString();
    c.seed = 7;
    {
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      const auto r = trainer.run();
      QVERIFY2(r.status == pretext::RunStatus::Finished, r.message.c_str());
    }
    {
      pretext::Evaluator ev2(m_second.toStdString(), "auto");
      const QString features2 = m_tmp.filePath(QStringLiteral("features2.npy"));
      ev2.exportEmbedding(features2.toStdString(), m_tmp.filePath(QStringLiteral("labels2.npy")).toStdString(), 0, true);
      qint64 n2 = 0, dim2 = 0;
      m_features2 = readNpy(features2, n2, dim2);
      QCOMPARE(n2, m_n);
      QCOMPARE(dim2, m_dim);
    }
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

  void clickedNeighbourShowsWhyItIsOne() {
    RetrievalPanel panel(m_inspector.get());
    panel.resize(1280, 760);
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    QSignalSpy why(&panel, &RetrievalPanel::similarityShown);
    panel.show();
    panel.setRun(m_run);
    const qint64 q = 9;
    panel.showQuery(q);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(panel.similarityGrid()->count(), 0);
    QCOMPARE(panel.similarityNeighbour(), qint64(-1));
    pretext::Evaluator ev(m_run.toStdString(), "auto");
    const auto& ds = ev.dataset();
    for (const int rank : {2, 0}) {
      clickTile(panel.galleryGrid(), rank + 1);
      QTRY_COMPARE_WITH_TIMEOUT(why.count(), 1, 60000);
      const auto args = why.takeFirst();
      const qint64 j = panel.neighbourIndices()[std::size_t(rank)];
      QCOMPARE(args.at(0).toInt(), 0);
      QCOMPARE(args.at(1).toLongLong(), j);
      QCOMPARE(panel.similarityNeighbour(), j);
      QCOMPARE(panel.similarityGallery(), 0);
      // The similarity the maps explain is the brute-force cosine of the two features.
      QVERIFY2(std::abs(panel.shownSimilarity() - similarity(q, j)) < 1e-4,
               qPrintable(QStringLiteral("%1 vs %2").arg(panel.shownSimilarity()).arg(similarity(q, j))));
      // The overlays are the Evaluator's maps of that pair (28 px images, shown 3x).
      const auto maps = ev.similarityMaps(ds.image(pretext::Split::Test, q), ds.image(pretext::Split::Train, j), "", 3);
      QCOMPARE(panel.similarityGrid()->count(), 2);
      QCOMPARE(panel.similarityGrid()->image(0), pretext::toQImage(maps.queryOverlay));
      QCOMPARE(panel.similarityGrid()->image(1), pretext::toQImage(maps.neighbourOverlay));
      QCOMPARE(panel.similarityGrid()->image(0).width(), 3 * kSide);
      QVERIFY(panel.similarityLabel()->text().contains(QLocale().toString(panel.shownSimilarity(), 'f', 3)));
      QVERIFY(panel.similarityLabel()->text().contains(QString::fromStdString(maps.stage)));
      // Rank 0 is the query's own copy: nothing can raise a similarity of 1.
      QCOMPARE(panel.similarityLabel()->text().contains(QStringLiteral("flat")), rank == 0);
    }
    // Another query clears the maps.
    panel.showQuery(q + 1);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 60000);
    QCOMPARE(panel.similarityGrid()->count(), 0);
    QCOMPARE(panel.similarityNeighbour(), qint64(-1));
  }

  void ownImageAsTheQuery() {
    RetrievalPanel panel(m_inspector.get());
    panel.resize(1280, 760);
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    QSignalSpy why(&panel, &RetrievalPanel::similarityShown);
    panel.show();
    panel.setRun(m_run);
    // Test image q enlarged twice (each pixel a 2x2 block) and in RGB: converted back to the
    // dataset's 28x28 gray (area averaging, equal channels) it is test image q again, so its
    // neighbours are q's by brute force.
    const qint64 q = 21;
    const QImage big = m_images[q].scaled(2 * kSide, 2 * kSide, Qt::IgnoreAspectRatio, Qt::FastTransformation)
                           .convertToFormat(QImage::Format_RGB888);
    const QString file = m_tmp.filePath(QStringLiteral("my-picture.png"));
    QVERIFY(big.save(file));
    auto check = [&](const QString& how) {
      QVERIFY2(panel.showsOwnQuery(), qPrintable(how));
      QCOMPARE(panel.shownQuery(), qint64(-1));
      QCOMPARE(panel.shownQueryImage(), m_images[q]);
      QCOMPARE(panel.galleryGrid()->image(0), m_images[q]);
      const QString error = checkRanking(m_features, q, panel.neighbourIndices(), panel.neighbourSimilarities());
      QVERIFY2(error.isEmpty(), qPrintable(how + QStringLiteral(": ") + error));
      for (int i = 0; i < panel.galleryGrid()->count(); ++i) QVERIFY(!panel.galleryGrid()->isMarked(i));  // no class
      QCOMPARE(panel.queryPrecision(), -1.0);
    };
    panel.showImageFile(file);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(shown.takeFirst().at(0).toLongLong(), qint64(-1));
    check(QStringLiteral("file"));
    QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("my-picture.png")));

    // Dropped on the panel.
    {
      QMimeData mime;
      mime.setUrls({QUrl::fromLocalFile(file)});
      QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
      // Straight to the panel: QApplication delivers drops only during a drag it runs itself.
      static_cast<QObject&>(panel).event(&drop);
      QVERIFY(drop.isAccepted());
    }
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    shown.clear();
    check(QStringLiteral("drop"));
    // Pasted from the clipboard (Ctrl+V).
    QGuiApplication::clipboard()->setImage(big);
    if (QGuiApplication::clipboard()->image().isNull()) QSKIP("this platform has no clipboard");
    panel.activateWindow();
    panel.galleryGrid()->setFocus();
    QTest::keyClick(panel.galleryGrid(), Qt::Key_V, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    shown.clear();
    check(QStringLiteral("paste"));
    // Its similarity maps: the converted picture against the neighbour.
    clickTile(panel.galleryGrid(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(why.count(), 1, 60000);
    QVERIFY(std::abs(panel.shownSimilarity() - similarity(q, panel.neighbourIndices()[1])) < 1e-4);
    // Not an image: said, and nothing else changes.
    const QString text = m_tmp.filePath(QStringLiteral("notes.png"));
    QVERIFY(writeFile(text, QByteArray("not a picture")));
    QSignalSpy failed(&panel, &RetrievalPanel::failed);
    panel.showImageFile(text);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 60000);
    QVERIFY2(failed.last().at(0).toString().contains(QStringLiteral("notes.png")), qPrintable(failed.last().at(0).toString()));
  }

  void secondRunSideBySide() {
    RetrievalPanel panel(m_inspector.get());
    panel.resize(1280, 760);
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    QSignalSpy second(&panel, &RetrievalPanel::secondNeighboursShown);
    QSignalSpy why(&panel, &RetrievalPanel::similarityShown);
    panel.show();
    panel.setRun(m_run);
    QVERIFY(!panel.secondGalleryGrid()->isVisible());
    panel.setSecondRun(m_second);
    QVERIFY(panel.secondGalleryGrid()->isVisible());
    QCOMPARE(panel.secondRun(), QDir::cleanPath(QFileInfo(m_second).absoluteFilePath()));
    for (const qint64 q : {4, 30}) {
      panel.showQuery(q);
      QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
      QTRY_COMPARE_WITH_TIMEOUT(second.count(), 1, 60000);
      shown.clear();
      second.clear();
      QCOMPARE(checkGallery(panel, q, 10), QString());
      const QString error = checkRanking(m_features2, q, panel.secondNeighbourIndices(), panel.secondNeighbourSimilarities());
      QVERIFY2(error.isEmpty(), qPrintable(error));
      QCOMPARE(panel.secondGalleryGrid()->count(), 11);
      QCOMPARE(panel.secondGalleryGrid()->image(0), m_images[q]);
      QCOMPARE(panel.secondGalleryGrid()->image(3), m_images[panel.secondNeighbourIndices()[2]]);
      QVERIFY(panel.secondCaptionLabel()->text().contains(QStringLiteral("run2")));
      QVERIFY(panel.secondNeighbourIndices() != panel.neighbourIndices());  // two encoders, two rankings
    }
    // Save PNG writes both galleries: the first run's under its title, then the second's under its own.
    {
      const QImage first = panel.galleryGrid()->renderAll(11), second = panel.secondGalleryGrid()->renderAll(11);
      const QString path = m_tmp.filePath(QStringLiteral("two-galleries.png"));
      QVERIFY(panel.saveGallery(path));
      const QImage saved = QImage(path).convertToFormat(QImage::Format_RGB32);
      const int band = (saved.height() - first.height() - second.height()) / 2;
      QVERIFY(band > 0);
      QCOMPARE(saved.height(), 2 * band + first.height() + second.height());
      QCOMPARE(saved.copy(0, band, first.width(), first.height()), first.convertToFormat(QImage::Format_RGB32));
      QCOMPARE(saved.copy(0, saved.height() - second.height(), second.width(), second.height()),
               second.convertToFormat(QImage::Format_RGB32));
      const QString shots = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
      if (!shots.isEmpty()) QVERIFY(panel.saveGallery(QDir(shots).filePath(QStringLiteral("retrieval-two-galleries-shapes.png"))));
    }
    // A neighbour of the second gallery: its maps under the second run.
    clickTile(panel.secondGalleryGrid(), 4);
    QTRY_COMPARE_WITH_TIMEOUT(why.count(), 1, 60000);
    QCOMPARE(panel.similarityGallery(), 1);
    const qint64 j = panel.secondNeighbourIndices()[3];
    QCOMPARE(panel.similarityNeighbour(), j);
    double s = 0.0;
    for (qint64 d = 0; d < m_dim; ++d) s += double(m_features2[30 * m_dim + d]) * m_features2[j * m_dim + d];
    QVERIFY(std::abs(panel.shownSimilarity() - s) < 1e-4);
    // Closing the comparison hides the second gallery.
    panel.setSecondRun(QString());
    QVERIFY(!panel.secondGalleryGrid()->isVisible());
    QCOMPARE(panel.secondGalleryGrid()->count(), 0);
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

  // PRETEXT_SCREENSHOT_DIR=/tmp/shots PRETEXT_SCREENSHOT_RUN=/path/to/run PRETEXT_SCREENSHOT_SECOND=/path/to/run2
  // tst_retrievalpanel similarityScreenshots: a clicked neighbour's similarity maps, a drawn T-shirt
  // of the user's own as the query, and the two runs side by side.
  void similarityScreenshots() {
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    const QString run = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUN", m_run);
    const QString secondRun = qEnvironmentVariable("PRETEXT_SCREENSHOT_SECOND", m_second);
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR (and PRETEXT_SCREENSHOT_RUN, _SECOND) to save screenshots");
    QDir().mkpath(dir);
    RetrievalPanel panel(m_inspector.get());
    QSignalSpy candidates(&panel, &RetrievalPanel::candidatesShown);
    QSignalSpy shown(&panel, &RetrievalPanel::neighboursShown);
    QSignalSpy second(&panel, &RetrievalPanel::secondNeighboursShown);
    QSignalSpy why(&panel, &RetrievalPanel::similarityShown);
    panel.resize(1400, 760);
    panel.show();
    panel.setRun(run);
    QTRY_COMPARE_WITH_TIMEOUT(candidates.count(), 1, 600000);
    clickTile(panel.queryGrid(), 6);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 600000);
    clickTile(panel.galleryGrid(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(why.count(), 1, 600000);
    panel.grab().save(dir + "/retrieval-why.png");

    // A T-shirt drawn as a photo-sized picture (light on dark, 200x260 RGB).
    QImage shirt(200, 260, QImage::Format_RGB32);
    shirt.fill(QColor(12, 12, 16));
    {
      QPainter p(&shirt);
      p.setRenderHint(QPainter::Antialiasing);
      p.setPen(Qt::NoPen);
      p.setBrush(QColor(215, 205, 190));
      const QPolygonF body({QPointF(60, 50), QPointF(85, 40), QPointF(100, 55), QPointF(115, 40), QPointF(140, 50),
                            QPointF(185, 95), QPointF(160, 120), QPointF(145, 105), QPointF(145, 230),
                            QPointF(55, 230), QPointF(55, 105), QPointF(40, 120), QPointF(15, 95)});
      p.drawPolygon(body);
    }
    const QString file = dir + "/my-tshirt.png";
    shirt.save(file);
    shown.clear();
    why.clear();
    panel.showImageFile(file);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 600000);
    clickTile(panel.galleryGrid(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(why.count(), 1, 600000);
    panel.grab().save(dir + "/retrieval-own-image.png");

    shown.clear();
    why.clear();
    panel.setSecondRun(secondRun);
    panel.showQuery(panel.candidates()[6]);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 600000);
    QTRY_COMPARE_WITH_TIMEOUT(second.count(), 1, 600000);
    clickTile(panel.secondGalleryGrid(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(why.count(), 1, 600000);
    panel.grab().save(dir + "/retrieval-two-runs.png");
    panel.saveGallery(dir + "/retrieval-two-runs-gallery.png");  // Save PNG: both galleries
  }
};

QTEST_MAIN(TstRetrievalPanel)
#include "tst_retrievalpanel.moc"

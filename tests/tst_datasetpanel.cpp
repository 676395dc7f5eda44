// The Dataset panel and its widgets, on the synthetic shapes dataset (needs nothing installed).
// Run with QT_QPA_PLATFORM=offscreen (CTest sets it).
#include "datasetpanel.h"
#include "histogramchart.h"
#include "imagegridwidget.h"
#include "qtconvert.h"

#include "pretext/dataset.h"
#include "pretext/image.h"

#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <qcustomplot.h>

namespace {

pretext::DatasetSpec smallShapes() {
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  spec.shapesPerClass = 12;
  spec.shapesImageSize = 32;
  spec.seed = 7;
  return spec;
}

QVector<double> countsOf(const pretext::Dataset& dataset, pretext::Split split) {
  for (const auto& info : dataset.splits()) {
    if (info.split == split) return QVector<double>(info.classCounts.begin(), info.classCounts.end());
  }
  return {};
}

QVector<double> barValues(HistogramChart* chart) {
  QVector<double> out;
  auto* bars = qobject_cast<QCPBars*>(chart->plot()->plottable(0));
  if (!bars) return out;
  for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) out << it->value;
  return out;
}

QStringList namesOf(const pretext::Dataset& dataset) {
  QStringList out;
  for (const auto& name : dataset.classNames()) out << QString::fromStdString(name);
  return out;
}

// Waits for the panel to finish its background load.
bool waitIdle(DatasetPanel& panel) {
  return QTest::qWaitFor([&] { return !panel.isLoading(); }, 60000);
}

}  // namespace

class TstDatasetPanel : public QObject {
  Q_OBJECT

 private slots:
  void qtconvertGrayRoundTrip();
  void qtconvertRgbRoundTrip();
  void qtconvertRejectsOddChannels();
  void imageGridTiles();
  void histogramBars();
  void defaultSpecIsInstalledDataset();
  void loadsShapes();
  void switchingSplitChangesCounts();
  void badInputKeepsPreviousDataset_data();
  void badInputKeepsPreviousDataset();
  void unparsablePathShowsError();
};

void TstDatasetPanel::qtconvertGrayRoundTrip() {
  pretext::Image gray(5, 3, 1);  // odd width: QImage pads rows to 4 bytes, the core does not
  for (std::size_t i = 0; i < gray.pixels.size(); ++i) gray.pixels[i] = std::uint8_t(i * 17 + 3);
  const QImage q = pretext::toQImage(gray);
  QCOMPARE(q.format(), QImage::Format_Grayscale8);
  QCOMPARE(q.size(), QSize(5, 3));
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x) QCOMPARE(q.constScanLine(y)[x], gray.at(x, y)[0]);
  }
  const pretext::Image back = pretext::fromQImage(q);
  QCOMPARE(back.width, 5);
  QCOMPARE(back.height, 3);
  QCOMPARE(back.channels, 1);
  QVERIFY(back.pixels == gray.pixels);
}

void TstDatasetPanel::qtconvertRgbRoundTrip() {
  pretext::Image rgb(7, 4, 3);
  for (std::size_t i = 0; i < rgb.pixels.size(); ++i) rgb.pixels[i] = std::uint8_t((i * 37 + 11) % 256);
  const QImage q = pretext::toQImage(rgb);
  QCOMPARE(q.format(), QImage::Format_RGB888);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 7; ++x) {
      const std::uint8_t* p = rgb.at(x, y);
      QCOMPARE(q.pixel(x, y), qRgb(p[0], p[1], p[2]));
    }
  }
  const pretext::Image back = pretext::fromQImage(q);
  QCOMPARE(back.channels, 3);
  QVERIFY(back.pixels == rgb.pixels);
  // Another QImage format comes back as the same RGB bytes.
  QVERIFY(pretext::fromQImage(q.convertToFormat(QImage::Format_RGB32)).pixels == rgb.pixels);
}

void TstDatasetPanel::qtconvertRejectsOddChannels() {
  QVERIFY(pretext::toQImage(pretext::Image(4, 4, 2)).isNull());
  QVERIFY(pretext::toQImage(pretext::Image()).isNull());
  QVERIFY(pretext::fromQImage(QImage()).empty());
}

void TstDatasetPanel::imageGridTiles() {
  ImageGridWidget grid;
  grid.resize(400, 300);
  grid.show();
  QVERIFY(QTest::qWaitForWindowExposed(&grid));
  QList<QImage> images;
  QStringList captions;
  for (int i = 0; i < 10; ++i) {
    QImage image(28, 28, QImage::Format_Grayscale8);
    image.fill(i * 20);
    images << image;
    captions << QStringLiteral("tile %1").arg(i);
  }
  grid.setImages(images, captions);
  grid.setTileSize(64);
  QCOMPARE(grid.count(), 10);
  QCOMPARE(grid.caption(3), QStringLiteral("tile 3"));
  QCOMPARE(grid.image(3), images[3]);
  QVERIFY(grid.columnCount() >= 2);
  for (int i = 0; i < grid.count(); ++i) {
    const QRect r = grid.tileRect(i);
    if (r.bottom() < grid.viewport()->height()) QCOMPARE(grid.indexAt(r.center()), i);
  }
  QVERIFY(!grid.isMarked(2));
  grid.setMarked(2, true);
  QVERIFY(grid.isMarked(2));
  grid.clearMarks();
  QVERIFY(!grid.isMarked(2));

  QSignalSpy clicked(&grid, &ImageGridWidget::tileClicked);
  QTest::mouseClick(grid.viewport(), Qt::LeftButton, {}, grid.tileRect(1).center());
  QCOMPARE(clicked.count(), 1);
  QCOMPARE(clicked.at(0).at(0).toInt(), 1);

  grid.setTileSize(100000);
  QCOMPARE(grid.tileSize(), ImageGridWidget::kMaxTileSize);
  grid.setTileSize(64);
  const QImage sheet = grid.renderAll(5);
  QVERIFY(!sheet.isNull());
  QVERIFY(sheet.width() > 5 * 64 && sheet.height() > 2 * 64);

  grid.clear();
  QCOMPARE(grid.count(), 0);
}

void TstDatasetPanel::histogramBars() {
  HistogramChart chart;
  chart.resize(500, 300);
  chart.setData({QStringLiteral("a"), QStringLiteral("b, c"), QStringLiteral("d")}, {3, 10, 0});
  QCOMPARE(chart.barCount(), 3);
  QCOMPARE(barValues(&chart), (QVector<double>{3, 10, 0}));
  QCOMPARE(chart.barTexts(), (QStringList{QStringLiteral("3"), QStringLiteral("10"), QStringLiteral("0")}));

  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString csv = dir.filePath(QStringLiteral("counts.csv"));
  QVERIFY(chart.saveCsv(csv));
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
  QCOMPARE(QString::fromUtf8(file.readAll()), QStringLiteral("class,count\na,3\n\"b, c\",10\nd,0\n"));

  chart.clear(QStringLiteral("no labels"));
  QCOMPARE(chart.barCount(), 0);
}

void TstDatasetPanel::defaultSpecIsInstalledDataset() {
  bool fashion = false;
  for (const auto& entry : pretext::findDatasets()) fashion |= entry.kind == "fashion-mnist" && entry.available;
  QCOMPARE(QString::fromStdString(DatasetPanel::defaultSpec().kind),
           fashion ? QStringLiteral("fashion-mnist") : QStringLiteral("shapes"));
}

void TstDatasetPanel::loadsShapes() {
  const pretext::DatasetSpec spec = smallShapes();
  const pretext::Dataset reference = pretext::Dataset::load(spec);

  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.setSampleCount(20);
  QSignalSpy changed(&panel, &DatasetPanel::datasetChanged);
  panel.loadDataset(spec);
  QVERIFY(panel.isLoading());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);
  QVERIFY(!panel.isLoading());
  QCOMPARE(changed.count(), 1);
  QVERIFY(panel.errorMessage().isEmpty());
  QCOMPARE(panel.dataset().name(), reference.name());
  QCOMPARE(panel.split(), pretext::Split::Train);

  // The grid: one tile per sample, each with its image and its class name.
  const auto indices = reference.sampleIndices(pretext::Split::Train, 20);
  QCOMPARE(int(indices.size()), 20);
  QCOMPARE(panel.grid()->count(), 20);
  for (int i = 0; i < 20; ++i) {
    const int label = reference.label(pretext::Split::Train, indices[std::size_t(i)]);
    QCOMPARE(panel.grid()->caption(i), QString::fromStdString(reference.classNames()[std::size_t(label)]));
    QCOMPARE(panel.grid()->image(i), pretext::toQImage(reference.image(pretext::Split::Train, indices[std::size_t(i)])));
  }

  // The histogram: one bar per class, the dataset's counts, class names as labels.
  QCOMPARE(panel.histogram()->barCount(), reference.numClasses());
  QCOMPARE(panel.histogram()->labels(), namesOf(reference));
  QCOMPARE(panel.histogram()->counts(), countsOf(reference, pretext::Split::Train));
  QCOMPARE(barValues(panel.histogram()), countsOf(reference, pretext::Split::Train));

  // The summary: split sizes, image shape, number of classes.
  const QString summary = panel.summaryText();
  QVERIFY2(summary.contains(QStringLiteral("32 × 32 × 3")), qPrintable(summary));
  QVERIFY(summary.contains(QString::number(reference.size(pretext::Split::Train))));
  QVERIFY(summary.contains(QString::number(reference.size(pretext::Split::Test))));
  QVERIFY(summary.contains(QStringLiteral("<td>%1</td>").arg(reference.numClasses())));

  // The emitted dataset is the loaded one.
  const auto emitted = changed.at(0).at(0).value<pretext::Dataset>();
  QCOMPARE(emitted.size(pretext::Split::Train), reference.size(pretext::Split::Train));
}

void TstDatasetPanel::switchingSplitChangesCounts() {
  const pretext::DatasetSpec spec = smallShapes();
  const pretext::Dataset reference = pretext::Dataset::load(spec);
  const auto trainCounts = countsOf(reference, pretext::Split::Train);
  const auto testCounts = countsOf(reference, pretext::Split::Test);
  QVERIFY(trainCounts != testCounts);

  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.setSampleCount(16);
  panel.loadDataset(spec);
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);
  QCOMPARE(panel.histogram()->counts(), trainCounts);

  // Through the split selector, as a user would.
  QComboBox* splits = panel.splitCombo();
  const int testRow = splits->findData(int(pretext::Split::Test));
  QVERIFY(testRow >= 0);
  splits->setCurrentIndex(testRow);
  emit splits->activated(testRow);
  QCOMPARE(panel.split(), pretext::Split::Test);
  QCOMPARE(panel.histogram()->counts(), testCounts);
  QCOMPARE(barValues(panel.histogram()), testCounts);
  const auto indices = reference.sampleIndices(pretext::Split::Test, 16);
  QCOMPARE(panel.grid()->count(), int(indices.size()));
  for (int i = 0; i < panel.grid()->count(); ++i) {
    const int label = reference.label(pretext::Split::Test, indices[std::size_t(i)]);
    QCOMPARE(panel.grid()->caption(i), QString::fromStdString(reference.classNames()[std::size_t(label)]));
  }

  // And back through the API.
  panel.setSplit(pretext::Split::Train);
  QCOMPARE(panel.histogram()->counts(), trainCounts);
  QCOMPARE(splits->currentData().toInt(), int(pretext::Split::Train));
}

void TstDatasetPanel::badInputKeepsPreviousDataset_data() {
  QTest::addColumn<QString>("what");
  QTest::newRow("empty folder") << QStringLiteral("empty");
  QTest::newRow("garbage IDX file") << QStringLiteral("garbage");
}

void TstDatasetPanel::badInputKeepsPreviousDataset() {
  QFETCH(QString, what);
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  QString path = dir.path();
  if (what == QLatin1String("garbage")) {
    QFile file(dir.filePath(QStringLiteral("train-images-idx3-ubyte")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("this is not an IDX file, only some text pretending to be one");
    file.close();
    path = file.fileName();
  }

  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.setSampleCount(16);
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);
  const QString comboText = panel.datasetCombo()->currentText();
  const auto counts = panel.histogram()->counts();
  const QString firstCaption = panel.grid()->caption(0);

  QSignalSpy failed(&panel, &DatasetPanel::loadFailed);
  QSignalSpy changed(&panel, &DatasetPanel::datasetChanged);
  QVERIFY(panel.loadText(path));  // the path parses; reading it fails in the background
  QVERIFY(waitIdle(panel));
  QCOMPARE(failed.count(), 1);
  QCOMPARE(changed.count(), 0);
  const QString message = panel.errorMessage();
  QVERIFY2(message.contains(QStringLiteral("Could not load")), qPrintable(message));
  QVERIFY2(message.contains(QStringLiteral("Still showing Shapes")), qPrintable(message));

  // The previous dataset stays on screen, selected in the picker.
  QCOMPARE(QString::fromStdString(panel.dataset().name()), QStringLiteral("Shapes"));
  QCOMPARE(panel.grid()->count(), 16);
  QCOMPARE(panel.grid()->caption(0), firstCaption);
  QCOMPARE(panel.histogram()->counts(), counts);
  QCOMPARE(panel.datasetCombo()->currentText(), comboText);

  // A good load afterwards clears the message.
  panel.loadDataset(smallShapes());
  QVERIFY(waitIdle(panel));
  QVERIFY(panel.errorMessage().isEmpty());
}

void TstDatasetPanel::unparsablePathShowsError() {
  DatasetPanel panel;
  QSignalSpy failed(&panel, &DatasetPanel::loadFailed);
  QVERIFY(!panel.loadText(QStringLiteral("/nonexistent/pretext/dataset")));
  QCOMPARE(failed.count(), 1);
  QVERIFY(panel.errorMessage().contains(QStringLiteral("/nonexistent/pretext/dataset")));
  QVERIFY(!panel.hasDataset());
}

QTEST_MAIN(TstDatasetPanel)
#include "tst_datasetpanel.moc"

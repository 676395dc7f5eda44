// The Dataset panel and its widgets, on the synthetic shapes dataset (needs nothing installed).
// Run with QT_QPA_PLATFORM=offscreen (CTest sets it).
#include "datasetpanel.h"
#include "histogramchart.h"
#include "imagegridwidget.h"
#include "qtconvert.h"

#include "pretext/dataset.h"
#include "pretext/image.h"
#include "pretext/prepare.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSemaphore>
#include <QSignalSpy>
#include <QCheckBox>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QtTest>

#include <qcustomplot.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <set>

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

// The bars `plot` has drawn into its buffers, read from its pixels: each run of the bar fill along
// a row just above the x axis is a bar, whose top is found going up from its middle. Positions in
// the plot's pixels.
struct DrawnBar {
  int x = 0, top = 0;
};
std::vector<DrawnBar> drawnBars(QCustomPlot* plot) {
  const QImage image = plot->grab().toImage().convertToFormat(QImage::Format_RGB32);
  const QPalette pal = plot->palette();
  const QColor base = pal.color(QPalette::Base), accent = pal.color(QPalette::Highlight);
  const auto over = [](int a, int b) { return (a * 200 + b * 55 + 127) / 255; };  // the fill's alpha 200
  const QColor fill(over(accent.red(), base.red()), over(accent.green(), base.green()), over(accent.blue(), base.blue()));
  const auto isFill = [&](int x, int y) {
    const QColor c = image.pixelColor(x, y);
    return std::abs(c.red() - fill.red()) <= 12 && std::abs(c.green() - fill.green()) <= 12 && std::abs(c.blue() - fill.blue()) <= 12;
  };
  const QRect rect = plot->axisRect()->rect();
  const int row = rect.bottom() - 3;
  std::vector<DrawnBar> bars;
  for (int x = rect.left(); x <= rect.right(); ++x) {
    if (!isFill(x, row)) continue;
    int end = x;
    while (end + 1 <= rect.right() && isFill(end + 1, row)) ++end;
    if (end - x >= 2) {
      DrawnBar bar;
      bar.x = (x + end) / 2;
      bar.top = row;
      while (bar.top - 1 >= rect.top() && isFill(bar.x, bar.top - 1)) --bar.top;
      bars.push_back(bar);
    }
    x = end;
  }
  return bars;
}

QStringList namesOf(const pretext::Dataset& dataset) {
  QStringList out;
  for (const auto& name : dataset.classNames()) out << QString::fromStdString(name);
  return out;
}

// "Prepare a folder…" as a person uses it: the action opens the modal dialog, and a timer, once the
// dialog shows, hands it to `fill` to set its fields and then presses Prepare (or Cancel, when
// `fill` returns false: a field it needs is missing). Returns when the dialog has closed: whether
// it opened and `fill` accepted it.
bool prepareThroughDialog(DatasetPanel& panel, const std::function<bool(QDialog&)>& fill) {
  bool filled = false;
  QTimer timer;
  timer.setInterval(20);
  QObject::connect(&timer, &QTimer::timeout, &panel, [&] {
    auto* dialog = panel.findChild<QDialog*>(QStringLiteral("prepareDialog"));
    if (!dialog || !dialog->isVisible()) return;
    timer.stop();
    auto* buttons = dialog->findChild<QDialogButtonBox*>();
    filled = buttons && fill(*dialog);
    if (filled) buttons->button(QDialogButtonBox::Ok)->click();
    else dialog->reject();
  });
  timer.start();
  panel.prepareFolderAction()->trigger();  // returns when the dialog closes
  return filled;
}

// Waits for the panel to finish its background load.
bool waitIdle(DatasetPanel& panel) {
  return QTest::qWaitFor([&] { return !panel.isLoading(); }, 60000);
}

// The colour of image `index` of class `cls` in the generated folders: unique per image, so a
// prepared image says which file it came from whatever the resize did to a uniform picture.
QRgb folderColour(int cls, int index) { return qRgb(40 + 150 * cls, 10 + 5 * index, 230 - 3 * index); }

bool writeText(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// `count` files named 00000.png... in `folder`, hard links to one noisy PNG of side `side` (slow
// to decode, free to write); copies where the file system has no hard links.
bool linkedPngs(const QString& folder, int count, int side, quint32 seed) {
  QImage noise(side, side, QImage::Format_RGB32);
  QRandomGenerator rng(seed);
  for (int y = 0; y < side; ++y) {
    auto* line = reinterpret_cast<QRgb*>(noise.scanLine(y));
    for (int x = 0; x < side; ++x) line[x] = rng.generate() | 0xff000000u;
  }
  QPainter painter(&noise);  // something to see in a screenshot
  painter.setBrush(QColor::fromHsv(int(seed * 47 % 360), 200, 230));
  painter.drawEllipse(side / 4, side / 4, side / 2, side / 2);
  painter.end();
  if (!QDir().mkpath(folder)) return false;
  const std::filesystem::path first = QDir(folder).filePath(QStringLiteral("00000.png")).toStdString();
  if (!noise.save(QString::fromStdString(first.string()))) return false;
  for (int i = 1; i < count; ++i) {
    const std::filesystem::path path = QDir(folder).filePath(QStringLiteral("%1.png").arg(i, 5, 10, QLatin1Char('0'))).toStdString();
    std::error_code ec;
    std::filesystem::create_hard_link(first, path, ec);
    if (ec && !std::filesystem::copy_file(first, path, ec)) return false;
  }
  return true;
}

// Holds a panel's prepare on its own thread at the first report of the decoding that `when`
// accepts (prepareReported, connected directly) until the panel asks it to stop
// (prepareCancelRequested) or release() is called. What the test does meanwhile falls at a known
// point of the prepare, before it writes its dataset, however fast or loaded the machine is.
// Declared before the panel, so that the panel's destruction (which cancels) releases it.
class PrepareHold {
 public:
  void attach(DatasetPanel& panel, std::function<bool(qint64 done, qint64 total)> when) {
    QObject::connect(
        &panel, &DatasetPanel::prepareReported, &m_context,
        [this, when = std::move(when)](qint64 done, qint64 total) {
          if (total == 0 || m_at.load() >= 0 || !when(done, total)) return;
          m_total = total;
          m_holding = true;  // before m_at: a test that sees m_at sees the prepare held
          m_at = done;
          m_release.tryAcquire(1, 600000);  // a failed test does not hang
          m_holding = false;
        },
        Qt::DirectConnection);
    QObject::connect(
        &panel, &DatasetPanel::prepareCancelRequested, &m_context,
        [this] {
          m_cancelledWhileHeld = m_holding.load();
          release();
        },
        Qt::DirectConnection);
  }
  void release() { m_release.release(); }
  /// The images done at the report held (-1: none yet), of `heldTotal`.
  qint64 heldAt() const { return m_at.load(); }
  qint64 heldTotal() const { return m_total.load(); }
  /// The panel asked the prepare to stop while it was held, so before it could end.
  bool cancelledWhileHeld() const { return m_cancelledWhileHeld.load(); }

 private:
  QObject m_context;
  QSemaphore m_release;
  std::atomic<qint64> m_at{-1}, m_total{-1};
  std::atomic<bool> m_holding{false}, m_cancelledWhileHeld{false};
};

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
  void preparesFolderThroughDialog();
  void preparesCifarLayoutThroughDialog();
  void cancelledPrepareLeavesNoDataset();
  void closingPanelMidPrepareLeavesNoDataset();
  void failedPrepareSaysWhyAndLosesNothing();
  void dialogPassesStrictThreadsAndPixelLimit();
  void histogramAfterPrepare();
  void screenshotPreparing();
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
  QVERIFY(QTest::qWaitForWindowExposed(&grid, 60000));
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

// "Prepare a folder…" as a person does it: the dialog filled in (here by a timer while it is open),
// the prepare on its worker thread, then the prepared dataset loaded and selected. The generated
// folder's images are uniform colours that name their file, so the check needs no decoder.
void TstDatasetPanel::preparesFolderThroughDialog() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString source = dir.filePath(QStringLiteral("photos"));
  const QStringList classes{QStringLiteral("cat"), QStringLiteral("dog")};
  const int perClass[] = {21, 16};
  for (int c = 0; c < 2; ++c) {
    QVERIFY(QDir().mkpath(source + QLatin1Char('/') + classes[c]));
    for (int i = 0; i < perClass[c]; ++i) {
      QImage image(20 + 3 * i, 24 + 2 * c, QImage::Format_RGB32);  // sizes differ; the prepare resizes
      image.fill(folderColour(c, i));
      QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(source, classes[c]).arg(i, 3, 10, QLatin1Char('0'))));
    }
  }
  const QString broken = QStringLiteral("%1/dog/broken.png").arg(source);
  QVERIFY(writeText(broken, "not a PNG, only text with an image extension\n"));
  const QString out = dir.filePath(QStringLiteral("prepared/photos-16"));

  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);

  QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);
  QSignalSpy progress(&panel, &DatasetPanel::prepareProgress);
  bool suggested = false;
  const bool filled = prepareThroughDialog(panel, [&](QDialog& dialog) {
    auto* sourceEdit = dialog.findChild<QLineEdit*>(QStringLiteral("prepareSource"));
    auto* size = dialog.findChild<QSpinBox*>(QStringLiteral("prepareSize"));
    auto* resize = dialog.findChild<QComboBox*>(QStringLiteral("prepareResize"));
    auto* outEdit = dialog.findChild<QLineEdit*>(QStringLiteral("prepareOut"));
    if (!sourceEdit || !size || !resize || !outEdit) return false;
    sourceEdit->setText(source);
    auto* found = dialog.findChild<QLabel*>(QStringLiteral("prepareFound"));
    if (!found || !found->isHidden()) return false;  // an image folder: nothing to say before it runs
    size->setValue(16);
    // The suggested place: the dataset library, named after the folder and the size.
    suggested = outEdit->text().endsWith(QStringLiteral("/.local/share/pretext/datasets/photos-16"));
    resize->setCurrentIndex(resize->findData(QStringLiteral("squash")));
    outEdit->setText(out);
    if (const QString shots = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR"); !shots.isEmpty()) {
      dialog.grab().save(QDir(shots).filePath(QStringLiteral("dataset-prepare-dialog.png")));
    }
    return true;
  });
  QVERIFY2(filled && suggested, "the dialog did not open with its fields, or did not suggest a place in the library");
  QVERIFY(panel.isPreparing());
  QVERIFY(!panel.prepareFolderAction()->isEnabled());
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
  QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
  QVERIFY(!panel.isPreparing());
  QVERIFY(panel.prepareFolderAction()->isEnabled());
  QVERIFY(progress.count() >= 1);
  QCOMPARE(progress.last().at(0).toLongLong(), qint64(21 + 16 + 1));  // every file counted, the broken one too
  QCOMPARE(progress.last().at(1).toLongLong(), qint64(21 + 16 + 1));

  // Written under the name given, nothing left beside it.
  QVERIFY(pretext::isPreparedDataset(out.toStdString()));
  QVERIFY(!QFileInfo::exists(out + QStringLiteral(".partial")));
  std::string why;
  QVERIFY2(pretext::verifyPreparedDataset(out.toStdString(), &why), why.c_str());

  // The outcome and the skipped file, listed with its reason.
  const QString text = panel.prepareText();
  QVERIFY2(text.contains(QStringLiteral("Prepared 37 images")), qPrintable(text));
  QVERIFY2(text.contains(QStringLiteral("Unreadable files skipped: 1")), qPrintable(text));
  QCOMPARE(panel.prepareSkipped().size(), 1);
  QVERIFY2(panel.prepareSkipped().at(0).startsWith(QFileInfo(broken).absoluteFilePath() + QStringLiteral(": ")) ||
               panel.prepareSkipped().at(0).startsWith(broken + QStringLiteral(": ")),
           qPrintable(panel.prepareSkipped().join(QLatin1Char('\n'))));

  // Loaded and selected in the panel.
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset() && panel.dataset().spec().kind == "prepared", 60000);
  QVERIFY(waitIdle(panel));
  QVERIFY2(panel.errorMessage().isEmpty(), qPrintable(panel.errorMessage()));
  QCOMPARE(QFileInfo(QString::fromStdString(panel.dataset().spec().path)).canonicalFilePath(),
           QFileInfo(out).canonicalFilePath());
  QVERIFY2(panel.datasetCombo()->currentText().contains(QFileInfo(out).fileName()),
           qPrintable(panel.datasetCombo()->currentText()));

  // Against the folder: the classes, and every readable file once, in its class, squashed to 16 x 16.
  const pretext::Dataset& prepared = panel.dataset();
  QCOMPARE(namesOf(prepared), classes);
  QVERIFY(!prepared.hasSplit(pretext::Split::Test));
  QCOMPARE(prepared.size(pretext::Split::Train), std::int64_t(21 + 16));
  QCOMPARE(prepared.channels(), 3);
  std::set<std::pair<int, int>> seen;
  for (std::int64_t n = 0; n < prepared.size(pretext::Split::Train); ++n) {
    const QImage image = pretext::toQImage(prepared.image(pretext::Split::Train, n)).convertToFormat(QImage::Format_RGB32);
    QCOMPARE(image.size(), QSize(16, 16));
    const QRgb colour = image.pixel(0, 0);
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 16; ++x) QCOMPARE(image.pixel(x, y), colour);
    }
    const int cls = qRed(colour) == 40 ? 0 : qRed(colour) == 190 ? 1 : -1;
    const int index = (qGreen(colour) - 10) / 5;
    QVERIFY2(cls >= 0 && index >= 0 && index < perClass[cls] && folderColour(cls, index) == colour,
             qPrintable(QStringLiteral("image %1: colour %2 is no file's").arg(n).arg(colour, 8, 16)));
    QCOMPARE(prepared.label(pretext::Split::Train, n), cls);
    QVERIFY2(seen.insert({cls, index}).second, qPrintable(QStringLiteral("image %1 twice").arg(n)));
  }
  QCOMPARE(int(seen.size()), 21 + 16);
  QCOMPARE(panel.histogram()->counts(), (QVector<double>{21, 16}));
}

// The data of a version 1 .npy file (numpy's format: magic, 2 version bytes, a little-endian uint16
// header length, the header), read here without the core's reader.
QByteArray npyData(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  const QByteArray bytes = file.readAll();
  if (!bytes.startsWith("\x93NUMPY") || bytes.size() < 10 || bytes.at(6) != 1) return {};
  const int header = quint8(bytes.at(8)) | (quint8(bytes.at(9)) << 8);
  return bytes.mid(10 + header);
}

// A folder holding CIFAR-10's extracted cifar-10-batches-bin/ (as its archive unpacks), with a
// few records written in the documented binary format (https://www.cs.toronto.edu/~kriz/cifar.html:
// a label byte, then 1024 red, 1024 green and 1024 blue bytes, rows of 32): the Prepare dialog says
// what it found, fills in its size, packs it as CIFAR-10 through the same core call as
// `pretext-cli prepare cifar10:DIR`, and the prepared arrays hold the records' bytes.
void TstDatasetPanel::preparesCifarLayoutThroughDialog() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString parent = dir.filePath(QStringLiteral("downloads"));
  const QString bin = parent + QStringLiteral("/cifar-10-batches-bin");
  QVERIFY(QDir().mkpath(bin));
  QRandomGenerator rng(14);
  QByteArray trainImages, testImages;
  std::vector<qint64> trainLabels, testLabels;
  auto batch = [&](const QString& name, int records, QByteArray& images, std::vector<qint64>& labels) {
    QByteArray bytes;
    for (int r = 0; r < records; ++r) {
      const int label = int(rng.bounded(10));
      QByteArray pixels(3072, Qt::Uninitialized);
      for (auto& p : pixels) p = char(rng.bounded(256));
      bytes.append(char(label)).append(pixels);
      images.append(pixels);  // the channel planes are [C, H, W] as they are
      labels.push_back(label);
    }
    return writeText(bin + QLatin1Char('/') + name, bytes);
  };
  QVERIFY(batch(QStringLiteral("data_batch_1.bin"), 7, trainImages, trainLabels));
  QVERIFY(batch(QStringLiteral("data_batch_2.bin"), 5, trainImages, trainLabels));
  QVERIFY(batch(QStringLiteral("test_batch.bin"), 4, testImages, testLabels));
  const QString out = dir.filePath(QStringLiteral("prepared/cifar10-32"));

  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);

  QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);
  QString foundText, suggestedOut;
  int sizeShown = 0;
  bool unlabelledOff = false;
  const bool filled = prepareThroughDialog(panel, [&](QDialog& dialog) {
    auto* sourceEdit = dialog.findChild<QLineEdit*>(QStringLiteral("prepareSource"));
    auto* found = dialog.findChild<QLabel*>(QStringLiteral("prepareFound"));
    auto* size = dialog.findChild<QSpinBox*>(QStringLiteral("prepareSize"));
    auto* unlabelled = dialog.findChild<QCheckBox*>(QStringLiteral("prepareUnlabelled"));
    auto* outEdit = dialog.findChild<QLineEdit*>(QStringLiteral("prepareOut"));
    if (!sourceEdit || !found || !size || !unlabelled || !outEdit) return false;
    size->setValue(64);                // an image folder's size, chosen before the folder
    sourceEdit->setText(parent);       // the folder the archive was extracted into
    foundText = found->isVisible() ? found->text() : QString();
    sizeShown = size->value();
    unlabelledOff = !unlabelled->isEnabled();
    suggestedOut = outEdit->text();
    outEdit->setText(out);
    if (const QString shots = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR"); !shots.isEmpty()) {
      dialog.grab().save(QDir(shots).filePath(QStringLiteral("dataset-prepare-cifar-dialog.png")));
    }
    return true;
  });
  QVERIFY(filled);
  QVERIFY2(foundText.contains(QStringLiteral("CIFAR-10 binary files found in cifar-10-batches-bin: 16 images, packed as "
                                             "CIFAR-10")),
           qPrintable(foundText));
  QVERIFY2(foundText.contains(QStringLiteral("32 × 32 pixels")), qPrintable(foundText));
  QCOMPARE(sizeShown, 32);  // its own size, so nothing is resized
  QVERIFY(unlabelledOff);   // the folder options do not apply
  QVERIFY2(suggestedOut.endsWith(QStringLiteral("/cifar10-32")), qPrintable(suggestedOut));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
  QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
  QVERIFY2(panel.prepareText().contains(QStringLiteral("Prepared 16 images")), qPrintable(panel.prepareText()));

  // The arrays, read as numpy would: the records' pixel bytes in order, and their labels.
  QCOMPARE(npyData(out + QStringLiteral("/train_images.npy")), trainImages);
  QCOMPARE(npyData(out + QStringLiteral("/test_images.npy")), testImages);
  auto labelsBytes = [](const std::vector<qint64>& labels) {
    QByteArray bytes;
    for (const qint64 l : labels) {
      for (int b = 0; b < 8; ++b) bytes.append(char((quint64(l) >> (8 * b)) & 0xff));  // little-endian int64
    }
    return bytes;
  };
  QCOMPARE(npyData(out + QStringLiteral("/train_labels.npy")), labelsBytes(trainLabels));
  QCOMPARE(npyData(out + QStringLiteral("/test_labels.npy")), labelsBytes(testLabels));

  // Loaded and selected, with CIFAR-10's classes.
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset() && panel.dataset().spec().kind == "prepared", 60000);
  QVERIFY(waitIdle(panel));
  QCOMPARE(panel.dataset().size(pretext::Split::Train), std::int64_t(12));
  QCOMPARE(panel.dataset().size(pretext::Split::Test), std::int64_t(4));
  QCOMPARE(panel.dataset().classNames().front(), std::string("airplane"));
}

// Cancel mid-way: the prepare stops, nothing that loads is left (its OUT.partial has no manifest),
// the panel keeps what it showed, and the same prepare run again completes.
void TstDatasetPanel::cancelledPrepareLeavesNoDataset() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString source = dir.filePath(QStringLiteral("unlabelled"));
  QVERIFY(linkedPngs(source + QStringLiteral("/nested"), 240, 512, 3));  // ~1 s on one thread
  const QString out = dir.filePath(QStringLiteral("out"));
  const QString partial = out + QStringLiteral(".partial");

  PrepareHold hold;
  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);

  pretext::PrepareOptions options;
  options.source = source.toStdString();
  options.out = out.toStdString();
  options.imageSize = 24;
  options.unlabelled = true;  // "nested" is not a class
  options.threads = 1;
  // The prepare waits at its first report with images done, and the panel cancels at that same
  // report (queued to it before the wait): the cancel falls mid-way however fast the machine is.
  hold.attach(panel, [](qint64 done, qint64) { return done > 0; });
  qint64 doneAtCancel = -1, total = -1;
  bool onlyPartial = false;
  const auto cancelOnProgress = connect(&panel, &DatasetPanel::prepareProgress, &panel, [&](qint64 done, qint64 all) {
    if (done == 0 || doneAtCancel >= 0) return;
    doneAtCancel = done;
    total = all;
    onlyPartial = QFileInfo(partial).isDir() && !QFileInfo::exists(out);  // the half dataset has the temporary name
    QCOMPARE(panel.prepareBar()->value(), int(done));
    QVERIFY2(panel.prepareText().contains(QStringLiteral("of 240 images")), qPrintable(panel.prepareText()));
    panel.cancelPrepare();
  });
  QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);
  QVERIFY(panel.startPrepare(options));
  QVERIFY(!panel.startPrepare(options));  // one at a time
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
  QVERIFY2(doneAtCancel > 0, "no progress was reported before the end");
  QCOMPARE(total, qint64(240));
  QCOMPARE(hold.heldAt(), doneAtCancel);
  QVERIFY2(hold.cancelledWhileHeld(), "the prepare was not held when it was cancelled");
  QVERIFY(onlyPartial);
  QVERIFY(!finished.at(0).at(0).toBool());
  QVERIFY2(panel.prepareText().contains(QStringLiteral("cancelled")), qPrintable(panel.prepareText()));
  QVERIFY(!panel.isPreparing());

  // Nothing that loads: neither the name given nor the temporary one (kept, with its record of the
  // images done, for the next run to continue; never with a manifest).
  QVERIFY(!QFileInfo::exists(out));
  QVERIFY(!pretext::isPreparedDataset(partial.toStdString()));
  QVERIFY(!pretext::isPreparedDataset(out.toStdString()));
  bool loads = true;
  try {
    pretext::Dataset::load(pretext::DatasetSpec::parse("prepared:" + out.toStdString()));
  } catch (const std::exception&) {
    loads = false;
  }
  QVERIFY(!loads);
  QCOMPARE(QString::fromStdString(panel.dataset().name()), QStringLiteral("Shapes"));
  QVERIFY(panel.errorMessage().isEmpty());

  // The same prepare again, not cancelled: a whole dataset of every image, unlabelled.
  disconnect(cancelOnProgress);
  options.threads = 0;
  QVERIFY(panel.startPrepare(options));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
  QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
  QVERIFY(!QFileInfo::exists(partial));
  QTRY_VERIFY_WITH_TIMEOUT(panel.dataset().spec().kind == "prepared", 60000);
  QCOMPARE(panel.dataset().size(pretext::Split::Unlabeled), std::int64_t(240));
  QVERIFY(panel.prepareSkipped().isEmpty());
}

// The window closed while a prepare runs: the panel cancels it and waits, so nothing is left.
void TstDatasetPanel::closingPanelMidPrepareLeavesNoDataset() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString source = dir.filePath(QStringLiteral("flat"));
  QVERIFY(linkedPngs(source, 240, 512, 5));
  const QString out = dir.filePath(QStringLiteral("out"));
  pretext::PrepareOptions options;
  options.source = source.toStdString();
  options.out = out.toStdString();
  options.imageSize = 24;
  options.threads = 1;
  const QString partial = out + QStringLiteral(".partial");
  PrepareHold hold;  // outlives the panel, whose destruction releases it
  {
    DatasetPanel panel;
    panel.show();
    // The prepare waits at its first report with images done while the panel is destroyed: the
    // close falls mid-way however fast the machine is.
    hold.attach(panel, [](qint64 done, qint64) { return done > 0; });
    QVERIFY(panel.startPrepare(options));
    QTRY_VERIFY_WITH_TIMEOUT(hold.heldAt() > 0, 60000);
    QVERIFY(QFileInfo(partial).isDir());
  }  // destroyed mid-way
  QVERIFY2(hold.cancelledWhileHeld(), "the destruction did not cancel the prepare");
  QCOMPARE(hold.heldTotal(), qint64(240));
  QVERIFY(!QFileInfo::exists(out));
  QVERIFY(!pretext::isPreparedDataset(partial.toStdString()));
  // Waited for: its record of the images done is there, for the same prepare to continue.
  QVERIFY(QFileInfo::exists(partial + QStringLiteral("/progress.json")));
}

// A folder that is not there, and a place to save that holds other files: each says why, naming
// the path, the other files stay, and the panel keeps its dataset.
void TstDatasetPanel::failedPrepareSaysWhyAndLosesNothing() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  DatasetPanel panel;
  panel.show();
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);
  QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);

  pretext::PrepareOptions options;
  options.source = dir.filePath(QStringLiteral("no-such-folder")).toStdString();
  options.out = dir.filePath(QStringLiteral("out")).toStdString();
  QVERIFY(panel.startPrepare(options));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
  QVERIFY(!finished.at(0).at(0).toBool());
  QVERIFY2(panel.errorMessage().contains(QStringLiteral("Could not prepare")) &&
               panel.errorMessage().contains(QStringLiteral("no-such-folder")),
           qPrintable(panel.errorMessage()));
  QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("out"))));

  const QString source = dir.filePath(QStringLiteral("images"));
  QVERIFY(linkedPngs(source, 3, 16, 1));
  const QString busy = dir.filePath(QStringLiteral("my-documents"));
  QVERIFY(QDir().mkpath(busy));
  QVERIFY(writeText(busy + QStringLiteral("/thesis.txt"), "chapter 1\n"));
  options.source = source.toStdString();
  options.out = busy.toStdString();
  QVERIFY(panel.startPrepare(options));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
  QVERIFY(!finished.at(1).at(0).toBool());
  QVERIFY2(panel.errorMessage().contains(busy), qPrintable(panel.errorMessage()));
  QFile thesis(busy + QStringLiteral("/thesis.txt"));
  QVERIFY(thesis.open(QIODevice::ReadOnly));
  QCOMPARE(thesis.readAll(), QByteArray("chapter 1\n"));
  QCOMPARE(QDir(busy).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("thesis.txt")});
  QVERIFY(!QFileInfo::exists(busy + QStringLiteral(".partial")));
  QCOMPARE(QString::fromStdString(panel.dataset().name()), QStringLiteral("Shapes"));
  QVERIFY(!panel.isPreparing());
  QVERIFY(panel.prepareFolderAction()->isEnabled());
}

// PRETEXT_SCREENSHOT_DIR: the panel preparing a few thousand images (one thread, so that the bar
// is seen moving) and after, with the skipped files listed.
// The dialog's Strict, Threads and Largest image reach the prepare: strict, a text file named .png
// fails the whole prepare naming it and leaves nothing; not strict, with a limit of 0.1 megapixels,
// a 400 x 400 PNG (0.16 megapixels) is skipped as unreadable and the rest is prepared.
void TstDatasetPanel::dialogPassesStrictThreadsAndPixelLimit() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString source = dir.filePath(QStringLiteral("mixed"));
  QVERIFY(QDir().mkpath(source));
  for (int i = 0; i < 4; ++i) {
    QImage image(30, 30, QImage::Format_RGB32);
    image.fill(folderColour(0, i));
    QVERIFY(image.save(QStringLiteral("%1/small%2.png").arg(source).arg(i)));
  }
  QImage big(400, 400, QImage::Format_RGB32);
  big.fill(Qt::darkCyan);
  QVERIFY(big.save(source + QStringLiteral("/big.png")));
  const QString broken = source + QStringLiteral("/broken.png");
  QVERIFY(writeText(broken, "text with an image extension\n"));

  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  auto prepare = [&](const QString& out, bool strictOn, int threadCount, double megapixels) {
    bool defaults = false;
    QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);
    const bool filled = prepareThroughDialog(panel, [&](QDialog& dialog) {
      auto* sourceEdit = dialog.findChild<QLineEdit*>(QStringLiteral("prepareSource"));
      auto* outEdit = dialog.findChild<QLineEdit*>(QStringLiteral("prepareOut"));
      auto* unlabelled = dialog.findChild<QCheckBox*>(QStringLiteral("prepareUnlabelled"));
      auto* strict = dialog.findChild<QCheckBox*>(QStringLiteral("prepareStrict"));
      auto* threads = dialog.findChild<QSpinBox*>(QStringLiteral("prepareThreads"));
      auto* maxPixels = dialog.findChild<QDoubleSpinBox*>(QStringLiteral("prepareMaxPixels"));
      if (!sourceEdit || !outEdit || !unlabelled || !strict || !threads || !maxPixels) return false;
      // The defaults are the CLI's: skip unreadable files, every core, 100 megapixels.
      defaults = !strict->isChecked() && threads->value() == 0 && qFuzzyCompare(maxPixels->value(), 100.0);
      sourceEdit->setText(source);
      outEdit->setText(out);
      unlabelled->setChecked(true);
      strict->setChecked(strictOn);
      threads->setValue(threadCount);
      maxPixels->setValue(megapixels);
      return true;
    });
    if (!filled || !defaults || !QTest::qWaitFor([&] { return finished.count() == 1; }, 60000)) return std::make_pair(false, QString());
    return std::make_pair(finished.at(0).at(0).toBool(), finished.at(0).at(1).toString());
  };

  const QString strictOut = dir.filePath(QStringLiteral("strict-16"));
  const auto [strictOk, strictMessage] = prepare(strictOut, true, 1, 100.0);
  QVERIFY2(!strictOk, qPrintable(strictMessage));
  QVERIFY2(strictMessage.contains(QStringLiteral("broken.png")), qPrintable(strictMessage));
  QVERIFY(!pretext::isPreparedDataset(strictOut.toStdString()));
  QVERIFY(!QFileInfo::exists(strictOut + QStringLiteral(".partial")));

  const QString limitedOut = dir.filePath(QStringLiteral("limited-16"));
  const auto [ok, message] = prepare(limitedOut, false, 2, 0.1);
  QVERIFY2(ok, qPrintable(message));
  QVERIFY(pretext::isPreparedDataset(limitedOut.toStdString()));
  const QStringList skipped = panel.prepareSkipped();
  QCOMPARE(skipped.size(), 2);
  QVERIFY2(skipped.filter(QStringLiteral("big.png: ")).size() == 1, qPrintable(skipped.join(QLatin1Char('\n'))));
  QVERIFY2(skipped.filter(QStringLiteral("broken.png: ")).size() == 1, qPrintable(skipped.join(QLatin1Char('\n'))));
  QVERIFY2(panel.prepareText().contains(QStringLiteral("Prepared 4 images")), qPrintable(panel.prepareText()));
}

// Right after a prepare and its open (the moment a screenshot of the last session was taken), the
// histogram holds the new set's label counts, counted here from the generated folder, and has drawn
// them: the bars read from its pixels in the very call that announces the new dataset (before any
// queued replot could run) stand where the axes put those counts, not where the previous dataset's
// were.
void TstDatasetPanel::histogramAfterPrepare() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString source = dir.filePath(QStringLiteral("three"));
  const QStringList classes{QStringLiteral("ant"), QStringLiteral("bee"), QStringLiteral("fly")};
  const QVector<double> perClass{7, 2, 4};
  for (int c = 0; c < classes.size(); ++c) {
    QVERIFY(QDir().mkpath(source + QLatin1Char('/') + classes[c]));
    for (int i = 0; i < int(perClass[c]); ++i) {
      QImage image(18, 18, QImage::Format_RGB32);
      image.fill(folderColour(c % 2, i));
      QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(source, classes[c]).arg(i)));
    }
  }
  DatasetPanel panel;
  panel.resize(1100, 700);
  panel.show();
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset() && !panel.isLoading(), 60000);
  const int shapesClasses = int(countsOf(panel.dataset(), pretext::Split::Train).size());
  QTRY_COMPARE_WITH_TIMEOUT(int(drawnBars(panel.histogram()->plot()).size()), shapesClasses, 60000);

  pretext::PrepareOptions options;
  options.source = source.toStdString();
  options.out = dir.filePath(QStringLiteral("three-16")).toStdString();
  options.imageSize = 16;
  options.resize = "squash";
  QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);
  std::vector<DrawnBar> atOnce;
  std::vector<QPoint> expected;  // where the axes put each count's bar top at that moment
  int replots = -1;              // the histogram's replots since the prepared set was announced
  connect(panel.histogram()->plot(), &QCustomPlot::afterReplot, &panel, [&] {
    if (replots >= 0) ++replots;
  });
  connect(&panel, &DatasetPanel::datasetChanged, &panel, [&](const pretext::Dataset& d) {
    if (d.spec().kind != "prepared") return;
    QCustomPlot* plot = panel.histogram()->plot();
    replots = 0;
    atOnce = drawnBars(plot);
    for (int i = 0; i < perClass.size(); ++i) {
      expected.emplace_back(int(std::lround(plot->xAxis->coordToPixel(i))), int(std::lround(plot->yAxis->coordToPixel(perClass[i]))));
    }
  });
  QVERIFY(panel.startPrepare(options));
  QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1 && panel.dataset().spec().kind == "prepared" && !panel.isLoading(), 60000);
  QCOMPARE(panel.histogram()->labels(), classes);
  QCOMPARE(panel.histogram()->counts(), perClass);
  QCOMPARE(barValues(panel.histogram()), perClass);
  QCOMPARE(int(atOnce.size()), int(perClass.size()));
  for (std::size_t i = 0; i < atOnce.size(); ++i) {
    QVERIFY2(std::abs(atOnce[i].x - expected[i].x()) <= 2 && std::abs(atOnce[i].top - expected[i].y()) <= 2,
             qPrintable(QStringLiteral("bar %1 drawn at (%2, %3), its count %4 is at (%5, %6)")
                            .arg(i).arg(atOnce[i].x).arg(atOnce[i].top).arg(perClass[int(i)]).arg(expected[i].x()).arg(expected[i].y())));
  }
  // And so it stays once the queued replots and the label layout have run: waited for, not timed.
  // They are posted events (the layout the new data scheduled replots at once and queues one more
  // replot), run until a pass over the posted events replots no more.
  QTRY_VERIFY_WITH_TIMEOUT(replots >= 2, 60000);
  for (int pass = 0, before = -1; pass < 50 && before != replots; ++pass) {
    before = replots;
    QCoreApplication::sendPostedEvents();
  }
  QCOMPARE(int(drawnBars(panel.histogram()->plot()).size()), int(perClass.size()));
}

void TstDatasetPanel::screenshotPreparing() {
  const QString shots = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
  if (shots.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR to save screenshots of a prepare");
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString source = dir.filePath(QStringLiteral("holiday-photos"));
  const QStringList classes{QStringLiteral("beach"), QStringLiteral("city"), QStringLiteral("forest")};
  for (int c = 0; c < classes.size(); ++c) QVERIFY(linkedPngs(source + QLatin1Char('/') + classes[c], 1200, 256, quint32(c + 1)));
  QVERIFY(writeText(source + QStringLiteral("/city/IMG_0042.jpg"), QByteArray()));  // zero bytes
  QVERIFY(writeText(source + QStringLiteral("/forest/notes.png"), "shopping list: bread, milk\n"));
  const QString out = dir.filePath(QStringLiteral("holiday-photos-64"));

  PrepareHold hold;
  DatasetPanel panel;
  panel.resize(1200, 760);
  panel.show();
  panel.loadDataset(smallShapes());
  QTRY_VERIFY_WITH_TIMEOUT(panel.hasDataset(), 60000);
  pretext::PrepareOptions options;
  options.source = source.toStdString();
  options.out = out.toStdString();
  options.imageSize = 64;
  options.threads = 1;
  // Held past a third until the picture is taken.
  hold.attach(panel, [](qint64 done, qint64 total) { return 3 * done > total; });
  QSignalSpy finished(&panel, &DatasetPanel::prepareFinished);
  QVERIFY(panel.startPrepare(options));
  QTRY_VERIFY_WITH_TIMEOUT(hold.heldAt() >= 0 && panel.prepareBar()->value() == hold.heldAt() &&
                               panel.prepareText().contains(QStringLiteral("left")), 120000);
  QVERIFY(panel.grab().save(QDir(shots).filePath(QStringLiteral("dataset-preparing.png"))));
  hold.release();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
  QTRY_VERIFY_WITH_TIMEOUT(panel.dataset().spec().kind == "prepared" && !panel.isLoading(), 60000);
  QCOMPARE(panel.prepareSkipped().size(), 2);
  QVERIFY(panel.grab().save(QDir(shots).filePath(QStringLiteral("dataset-prepared.png"))));
}

QTEST_MAIN(TstDatasetPanel)
#include "tst_datasetpanel.moc"

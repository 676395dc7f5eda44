// The Attention panel: its sheets are the Evaluator's for the images and stages the controls name;
// a second run is drawn beside on the same images (other backbones at the same depth); a ViT shows
// its [CLS] attention; failures say why; hidden panels compute nothing; repeated requests coalesce.
// PRETEXT_SCREENSHOT_DIR=/some/dir saves pictures of the panel there (PRETEXT_SCREENSHOT_RUN and
// PRETEXT_SCREENSHOT_SECOND name real run folders to show).
#include "attentionpanel.h"
#include "translation.h"
#include "widgettestutil.h"
#include "pixelimageview.h"
#include "qtconvert.h"
#include "runinspector.h"

#include <pretext/evaluation.h>
#include <pretext/training.h>

#include <QCheckBox>
#include <QDropEvent>
#include <QMimeData>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QThread>
#include <QApplication>
#include <QtTest/QtTest>

#include <set>

namespace {

/// Trains (or, for "random", only initialises) a tiny run folder on the synthetic shapes.
void makeRun(const QString& dir, const std::string& method, const std::string& backbone, int epochs,
             int shapesPerClass = 16) {
  pretext::TrainConfig c;
  c.dataset.kind = "shapes";
  c.dataset.shapesPerClass = shapesPerClass;
  c.method = method;
  c.backbone = backbone;
  c.backboneWidth = 8;
  c.epochs = epochs;
  c.batchSize = 32;
  c.subset = 64;
  c.device = "cpu";
  c.outDir = dir.toStdString();
  pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
  const auto result = trainer.run();
  QVERIFY2(result.status == pretext::RunStatus::Finished, result.message.c_str());
}

/// The sheet colours the panels ask for: transparent paper, the palette's text as ink.
pretext::SheetColours themedSheet() {
  pretext::SheetColours c;
  c.transparent = true;
  const QColor paper = QApplication::palette().color(QPalette::Window), ink = QApplication::palette().color(QPalette::WindowText);
  c.paper[0] = std::uint8_t(paper.red()), c.paper[1] = std::uint8_t(paper.green()), c.paper[2] = std::uint8_t(paper.blue());
  c.ink[0] = std::uint8_t(ink.red()), c.ink[1] = std::uint8_t(ink.green()), c.ink[2] = std::uint8_t(ink.blue());
  return c;
}

std::vector<std::int64_t> toVector(const QList<qint64>& list) { return {list.begin(), list.end()}; }

QImage evaluatorSheet(const QString& dir, const QList<qint64>& images, const std::vector<std::string>& stages) {
  pretext::Evaluator ev(dir.toStdString(), "cpu");
  return pretext::toQImage(ev.attentionMaps(toVector(images), stages, 2.0, 3, themedSheet()));
}

void waitIdle(AttentionPanel& panel) {
  QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 60000);
}

void screenshot(QWidget& widget, const QString& name) {
  const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
  if (dir.isEmpty()) return;
  QCoreApplication::processEvents();
  widget.grab().save(QDir(dir).filePath(name));
}

const std::vector<std::string> kDefault{"conv1", "conv3", "conv5"};

}  // namespace

class TstAttentionPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  QString m_simclr, m_rotation, m_vit, m_resnet, m_otherData, m_noCheckpoint, m_notRun;

 private slots:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_simclr = m_tmp.filePath(QStringLiteral("simclr-run"));
    makeRun(m_simclr, "simclr", "convnet", 1);
    m_rotation = m_tmp.filePath(QStringLiteral("rotation-run"));
    makeRun(m_rotation, "rotation", "convnet", 1);
    m_vit = m_tmp.filePath(QStringLiteral("vit-random"));
    makeRun(m_vit, "random", "vit", 1);
    m_resnet = m_tmp.filePath(QStringLiteral("resnet-random"));
    makeRun(m_resnet, "random", "resnet18", 1);
    m_otherData = m_tmp.filePath(QStringLiteral("fewer-shapes"));
    makeRun(m_otherData, "random", "convnet", 1, 8);
    m_noCheckpoint = m_tmp.filePath(QStringLiteral("starting"));
    QDir().mkpath(m_noCheckpoint);
    QFile::copy(QDir(m_simclr).filePath(QStringLiteral("config.json")), QDir(m_noCheckpoint).filePath(QStringLiteral("config.json")));
    m_notRun = m_tmp.filePath(QStringLiteral("holiday-photos"));
    QDir().mkpath(m_notRun);
  }

  void placeholderWithoutRun() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1000, 700);
    panel.show();
    QVERIFY(panel.view()->image().isNull());
    QVERIFY(panel.view()->placeholderText().contains(QStringLiteral("No run")));
    QVERIFY(!panel.saveButton()->isEnabled());
    QVERIFY(panel.availableStages().isEmpty());
    QVERIFY(!panel.busy());
    QVERIFY(!panel.secondView()->isVisible());
    QVERIFY(!panel.savePng(m_tmp.filePath(QStringLiteral("nothing.png"))));
    QVERIFY(panel.messageLabel()->text().contains(QStringLiteral("no attention maps")));
    screenshot(panel, QStringLiteral("attention-empty.png"));

    // View > Large font: the captions grow with the application's font.
    widgettest::checkCaptionFollowsAppFont(panel.captionLabel());
  }

  void defaultsAreTheEvaluators() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1000, 800);
    panel.show();
    QSignalSpy busy(&panel, &AttentionPanel::busyChanged);
    panel.setRun(m_simclr);
    QVERIFY(panel.busy());
    QVERIFY(panel.busyIndicator()->isVisible());
    waitIdle(panel);
    QVERIFY(!panel.busyIndicator()->isVisible());
    QCOMPARE(busy.count(), 2);  // on, then off once
    QCOMPARE(panel.availableStages(), (QStringList{"conv1", "conv2", "conv3", "conv4", "conv5"}));
    QCOMPARE(panel.stages(), (QStringList{"conv1", "conv3", "conv5"}));
    pretext::Evaluator ev(m_simclr.toStdString(), "cpu");
    const auto sample = ev.sampleTestImages(AttentionPanel::kDefaultImages);
    QCOMPARE(toVector(panel.images()), sample);
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps(sample, kDefault, 2.0, 3, themedSheet())));
    QCOMPARE(panel.view()->image(), panel.image());
    QCOMPARE(panel.shownStages(), panel.stages());
    QCOMPARE(panel.imagesEdit()->text().split(QStringLiteral(", ")).size(), AttentionPanel::kDefaultImages);
    QVERIFY(panel.captionLabel()->text().contains(QStringLiteral("simclr-run")));
    QVERIFY(panel.captionLabel()->text().contains(QStringLiteral("SimCLR")));
    QVERIFY(panel.saveButton()->isEnabled());
    QVERIFY(!panel.messageLabel()->isVisible());
    screenshot(panel, QStringLiteral("attention-one-run.png"));
  }

  /// Under zh_CN the images' names, which the core writes in English with its ASCII font, are
  /// written by Qt in Chinese: only the caption band under each row's first tile changes (every
  /// row's), the maps and the stage captions stay the core's, pixel for pixel.
  void imageNamesInTheWindowsLanguage() {
    QCOMPARE(i18n::installTranslator(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1000, 800);
    panel.show();
    panel.setRun(m_simclr);
    waitIdle(panel);
    screenshot(panel, QStringLiteral("attention-zh_CN.png"));
    const QImage core = evaluatorSheet(m_simclr, panel.images(), kDefault).convertToFormat(QImage::Format_ARGB32);
    const QImage shown = panel.image().convertToFormat(QImage::Format_ARGB32);
    QCOMPARE(panel.exportImage(), panel.image());
    i18n::installTranslator(QStringLiteral("en"));
    QCOMPARE(shown.size(), core.size());
    // makeSheet's layout: 3-pixel gaps, a 13-pixel caption band under each tile.
    const int rows = int(panel.images().size()), columns = int(kDefault.size()) + 1, gap = 3, band = 13;
    const int cellW = (core.width() - gap) / columns, cellH = (core.height() - gap) / rows, tileH = cellH - band - gap;
    QVector<int> changedInBand(rows, 0);
    int changedElsewhere = 0;
    for (int y = 0; y < core.height(); ++y) {
      for (int x = 0; x < core.width(); ++x) {
        if (shown.pixel(x, y) == core.pixel(x, y)) continue;
        const int row = (y - gap) / cellH, inCell = (y - gap) % cellH;
        const bool band0 = y >= gap && row < rows && x >= gap && x < cellW && inCell >= tileH && inCell < tileH + band;
        if (band0) ++changedInBand[row];
        else ++changedElsewhere;
      }
    }
    QCOMPARE(changedElsewhere, 0);
    for (int r = 0; r < rows; ++r) QVERIFY2(changedInBand[r] > 10, qPrintable(QStringLiteral("row %1: %2").arg(r).arg(changedInBand[r])));
  }

  void controlsChangeWhatIsComputed() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.show();
    panel.setRun(m_simclr);
    waitIdle(panel);
    pretext::Evaluator ev(m_simclr.toStdString(), "cpu");

    // Stages: untick conv3.
    QTest::mouseClick(panel.stageBox(QStringLiteral("conv3")), Qt::LeftButton);
    QVERIFY(panel.busy());
    waitIdle(panel);
    QCOMPARE(panel.stages(), (QStringList{"conv1", "conv5"}));
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps(toVector(panel.images()), {"conv1", "conv5"}, 2.0, 3, themedSheet())));

    // Images typed by number.
    panel.imagesEdit()->setFocus();
    panel.imagesEdit()->selectAll();
    QTest::keyClicks(panel.imagesEdit(), QStringLiteral("3, 7 11"));
    QTest::keyClick(panel.imagesEdit(), Qt::Key_Return);
    QCOMPARE(panel.images(), (QList<qint64>{3, 7, 11}));
    QCOMPARE(panel.countBox()->value(), 3);
    waitIdle(panel);
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps({3, 7, 11}, {"conv1", "conv5"}, 2.0, 3, themedSheet())));

    // Other images: a new sample of as many, one per class.
    const auto before = panel.images();
    QTest::mouseClick(panel.otherImagesButton(), Qt::LeftButton);
    waitIdle(panel);
    QCOMPARE(panel.images().size(), 3);
    QVERIFY(panel.images() != before);
    std::set<int> labels;
    for (const auto i : panel.images()) labels.insert(ev.dataset().label(pretext::Split::Test, i));
    QCOMPARE(int(labels.size()), 3);
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps(toVector(panel.images()), {"conv1", "conv5"}, 2.0, 3, themedSheet())));
    QCOMPARE(panel.imagesEdit()->text().split(QStringLiteral(", ")).size(), 3);
    const auto second = panel.images();
    panel.pickOtherImages();
    waitIdle(panel);
    QVERIFY(panel.images() != second);

    // How many.
    panel.countBox()->setValue(5);
    waitIdle(panel);
    QCOMPARE(panel.images().size(), 5);
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps(toVector(panel.images()), {"conv1", "conv5"}, 2.0, 3, themedSheet())));

    // No stage ticked: nothing to compute, and the panel says so.
    panel.setStages({});
    QVERIFY(!panel.busy());
    QVERIFY(panel.messageLabel()->isVisible());
    QVERIFY(panel.messageLabel()->text().contains(QStringLiteral("at least one stage")));
    panel.setStages({QStringLiteral("conv2")});
    QVERIFY(!panel.messageLabel()->isVisible());
    waitIdle(panel);
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps(toVector(panel.images()), {"conv2"}, 2.0, 3, themedSheet())));
  }

  void secondRunSideBySide() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1200, 800);
    panel.show();
    panel.setRun(m_simclr);
    panel.setSecondRun(m_rotation);
    QVERIFY(panel.secondView()->isVisible());
    QVERIFY(panel.clearSecondButton()->isVisible());
    waitIdle(panel);
    QCOMPARE(panel.secondImage(), evaluatorSheet(m_rotation, panel.images(), kDefault));
    QCOMPARE(panel.image(), evaluatorSheet(m_simclr, panel.images(), kDefault));
    QCOMPARE(panel.captionLabel()->text(), QStringLiteral("simclr-run · SimCLR · convnet"));
    QCOMPARE(panel.secondCaptionLabel()->text(), QStringLiteral("rotation-run · Rotation prediction (RotNet) · convnet"));
    // The captions are drawn by Qt (the window's language), the sheets pasted unchanged.
    const QImage expected = panel.exportImage();
    QString why;
    QVERIFY2(widgettest::isCaptionedSideBySide(expected, panel.image(), QStringLiteral("simclr-run · SimCLR · convnet"),
                                                 panel.secondImage(),
                                                 QStringLiteral("rotation-run · Rotation prediction (RotNet) · convnet"),
                                                 panel.font(), &why), qPrintable(why));
    const QString path = m_tmp.filePath(QStringLiteral("two-runs.png"));
    QVERIFY(panel.savePng(path));
    QCOMPARE(QImage(path).convertToFormat(QImage::Format_RGB888), expected.convertToFormat(QImage::Format_RGB888));
    screenshot(panel, QStringLiteral("attention-two-runs.png"));

    // Both sides follow the controls.
    panel.setImages({1, 2});
    waitIdle(panel);
    QCOMPARE(panel.secondImage(), evaluatorSheet(m_rotation, {1, 2}, kDefault));

    // Another backbone: its stages at the same depth.
    panel.setSecondRun(m_resnet);
    waitIdle(panel);
    QCOMPARE(panel.secondShownStages(), (QStringList{"stem", "layer2", "layer4"}));
    QCOMPARE(panel.secondImage(), evaluatorSheet(m_resnet, {1, 2}, {"stem", "layer2", "layer4"}));

    QTest::mouseClick(panel.clearSecondButton(), Qt::LeftButton);
    QVERIFY(panel.secondRun().isEmpty());
    QVERIFY(!panel.secondView()->isVisible());
    QCOMPARE(panel.exportImage(), panel.image());
  }

  void ownImageInTheFirstRow() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1200, 800);
    panel.show();
    panel.setRun(m_simclr);
    waitIdle(panel);
    // Test image 5 enlarged twice (each pixel a 2x2 block): read as the dataset's image files are
    // read (area averaging to 32x32) it is test image 5 again.
    pretext::Evaluator ev(m_simclr.toStdString(), "cpu");
    const auto& ds = ev.dataset();
    const QImage original = pretext::toQImage(ds.image(pretext::Split::Test, 5));
    const QString file = m_tmp.filePath(QStringLiteral("my-shape.png"));
    QVERIFY(original.scaled(64, 64, Qt::IgnoreAspectRatio, Qt::FastTransformation).save(file));
    auto expected = [&](const QList<qint64>& indices, const std::vector<std::string>& stages) {
      std::vector<pretext::Image> images{ds.image(pretext::Split::Test, 5)};
      std::vector<std::string> captions{"your image"};
      for (const auto i : indices) {
        images.push_back(ds.image(pretext::Split::Test, i));
        captions.push_back(ds.classNames()[std::size_t(ds.label(pretext::Split::Test, i))]);
      }
      return pretext::toQImage(ev.attentionMapsOf(images, captions, stages, 2.0, 3, themedSheet()));
    };
    panel.showImageFile(file);
    QCOMPARE(panel.ownImageName(), QStringLiteral("my-shape.png"));
    QVERIFY(panel.removeOwnImageButton()->isVisible());
    waitIdle(panel);
    QCOMPARE(panel.image(), expected(panel.images(), kDefault));
    // Its rows are the dataset image's: the sheet of test image 5 and the sample, captions aside.
    const QImage plain = evaluatorSheet(m_simclr, QList<qint64>{5} + panel.images(), kDefault);
    QCOMPARE(panel.image().size(), plain.size());
    // The second run converts it for its own dataset and shows it too.
    panel.setSecondRun(m_rotation);
    waitIdle(panel);
    pretext::Evaluator rot(m_rotation.toStdString(), "cpu");
    std::vector<pretext::Image> images{ds.image(pretext::Split::Test, 5)};
    std::vector<std::string> captions{"your image"};
    for (const auto i : panel.images()) {
      images.push_back(ds.image(pretext::Split::Test, i));
      captions.push_back(ds.classNames()[std::size_t(ds.label(pretext::Split::Test, i))]);
    }
    QCOMPARE(panel.secondImage(), pretext::toQImage(rot.attentionMapsOf(images, captions, kDefault, 2.0, 3, themedSheet())));
    // A dropped picture replaces it; removing it gives the plain sheet back.
    {
      QMimeData mime;
      mime.setImageData(original);
      QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
      // Straight to the panel: QApplication delivers drops only during a drag it runs itself.
      static_cast<QObject&>(panel).event(&drop);
      QVERIFY(drop.isAccepted());
    }
    QCOMPARE(panel.ownImageName(), QStringLiteral("dropped image"));
    waitIdle(panel);
    QCOMPARE(panel.image(), expected(panel.images(), kDefault));
    QTest::mouseClick(panel.removeOwnImageButton(), Qt::LeftButton);
    waitIdle(panel);
    QVERIFY(panel.ownImageName().isEmpty());
    QCOMPARE(panel.image(), evaluatorSheet(m_simclr, panel.images(), kDefault));
  }

  void vitShowsItsClsAttention() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1000, 700);
    panel.show();
    panel.setRun(m_vit);
    waitIdle(panel);
    QVERIFY(!panel.availableStages().isEmpty());
    QVERIFY(!panel.stageBox(panel.availableStages().first())->isVisibleTo(&panel));
    QCOMPARE(panel.shownStages(), QStringList{QStringLiteral("[CLS]")});
    pretext::Evaluator ev(m_vit.toStdString(), "cpu");
    QCOMPARE(panel.image(), pretext::toQImage(ev.attentionMaps(toVector(panel.images()), {ev.stages().back()}, 2.0, 3, themedSheet())));
    // A ConvNet beside it shows its deepest stage.
    panel.setSecondRun(m_simclr);
    waitIdle(panel);
    QCOMPARE(panel.secondShownStages(), QStringList{QStringLiteral("conv5")});
    screenshot(panel, QStringLiteral("attention-vit.png"));
  }

  void failuresSayWhy() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1000, 700);
    panel.show();
    panel.setRun(m_noCheckpoint);
    QVERIFY(!panel.busy());
    QVERIFY2(panel.view()->placeholderText().contains(QStringLiteral("no checkpoint yet")),
             qPrintable(panel.view()->placeholderText()));
    panel.setRun(m_notRun);
    QVERIFY(panel.view()->placeholderText().contains(QStringLiteral("not a run folder")));

    panel.setRun(m_simclr);
    waitIdle(panel);
    panel.setSecondRun(m_notRun);
    QVERIFY(panel.messageLabel()->isVisible());
    QVERIFY2(panel.messageLabel()->text().contains(QStringLiteral("not a run folder")), qPrintable(panel.messageLabel()->text()));
    panel.setSecondRun(m_otherData);
    QVERIFY(!panel.messageLabel()->text().contains(QStringLiteral("not a run folder")));
    waitIdle(panel);
    QVERIFY2(panel.messageLabel()->text().contains(QStringLiteral("different test images")), qPrintable(panel.messageLabel()->text()));
    QVERIFY(panel.secondImage().isNull());
    QVERIFY(!panel.image().isNull());  // the first run is unaffected
    screenshot(panel, QStringLiteral("attention-error.png"));
    panel.setSecondRun(QString());
    QVERIFY(!panel.messageLabel()->isVisible());

    panel.imagesEdit()->setText(QStringLiteral("2, 99999"));
    emit panel.imagesEdit()->editingFinished();
    waitIdle(panel);
    QVERIFY2(panel.messageLabel()->text().contains(QStringLiteral("does not exist")), qPrintable(panel.messageLabel()->text()));
    QVERIFY(panel.image().isNull());
    QVERIFY(!panel.saveButton()->isEnabled());
    panel.imagesEdit()->setText(QStringLiteral("2, x"));
    emit panel.imagesEdit()->editingFinished();
    QVERIFY(panel.messageLabel()->text().contains(QStringLiteral("\"x\" is not a test image number")));
    panel.setImages({2});
    waitIdle(panel);
    QVERIFY(!panel.messageLabel()->isVisible());
    QCOMPARE(panel.image(), evaluatorSheet(m_simclr, {2}, kDefault));
  }

  void firstCheckpointArrives() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.show();
    const QString dir = m_tmp.filePath(QStringLiteral("growing"));
    QDir().mkpath(dir + QStringLiteral("/checkpoints"));
    QFile::copy(QDir(m_simclr).filePath(QStringLiteral("config.json")), QDir(dir).filePath(QStringLiteral("config.json")));
    panel.setRun(dir);
    QVERIFY(!panel.busy());
    QVERIFY(panel.view()->placeholderText().contains(QStringLiteral("no checkpoint yet")));
    QFile::copy(QDir(m_simclr).filePath(QStringLiteral("checkpoints/last.pt")), QDir(dir).filePath(QStringLiteral("checkpoints/last.pt")));
    panel.checkpointWritten(dir);
    QVERIFY(panel.busy());
    waitIdle(panel);
    QCOMPARE(panel.image(), evaluatorSheet(m_simclr, panel.images(), kDefault));
    // A later checkpoint recomputes; another run's does not.
    panel.checkpointWritten(m_rotation);
    QVERIFY(!panel.busy());
    panel.checkpointWritten(dir);
    QVERIFY(panel.busy());
    waitIdle(panel);
  }

  void hiddenPanelComputesWhenShown() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.setRun(m_simclr);
    panel.setSecondRun(m_rotation);
    QVERIFY(!inspector.busy());
    panel.show();
    QVERIFY(panel.busy());
    waitIdle(panel);
    QVERIFY(!panel.image().isNull());
    QVERIFY(!panel.secondImage().isNull());
    const auto before = panel.images();
    panel.hide();
    panel.pickOtherImages();
    panel.checkpointWritten(m_simclr);
    QVERIFY(!inspector.busy());
    panel.show();
    waitIdle(panel);
    QVERIFY(panel.images() != before);
    QCOMPARE(panel.image(), evaluatorSheet(m_simclr, panel.images(), kDefault));
    QCOMPARE(panel.secondImage(), evaluatorSheet(m_rotation, panel.images(), kDefault));
  }

  void repeatedRequestsCoalesce() {
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.show();
    panel.setRun(m_simclr);
    panel.setSecondRun(m_rotation);
    waitIdle(panel);
    QObject owner;
    inspector.submit<int>(&owner, QStringLiteral("blocker"), [](InspectContext&) {
      QThread::msleep(400);
      return 0;
    }, [](const int&) {});
    QSignalSpy changed(&panel, &AttentionPanel::mapsChanged);
    for (int i = 0; i < 6; ++i) QTest::mouseClick(panel.stageBox(QStringLiteral("conv2")), Qt::LeftButton);
    panel.checkpointWritten(m_simclr);
    panel.refresh();
    QCOMPARE(inspector.queued(), 2);  // one sheet per run
    waitIdle(panel);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(panel.image(), evaluatorSheet(m_simclr, panel.images(), kDefault));
  }

  void destroyedWhileComputing() {
    RunInspector inspector;
    auto* panel = new AttentionPanel(&inspector);
    panel->show();
    panel->setRun(m_simclr);
    panel->setSecondRun(m_rotation);
    QVERIFY(inspector.busy());
    delete panel;
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 60000);
  }

  void screenshotOfRealRuns() {
    const QString run = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUN");
    if (run.isEmpty() || qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR").isEmpty()) {
      QSKIP("set PRETEXT_SCREENSHOT_DIR and PRETEXT_SCREENSHOT_RUN (and PRETEXT_SCREENSHOT_SECOND) for pictures");
    }
    RunInspector inspector;
    AttentionPanel panel(&inspector);
    panel.resize(1280, 800);
    panel.show();
    panel.setRun(run);
    panel.setSecondRun(qEnvironmentVariable("PRETEXT_SCREENSHOT_SECOND"));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 300000);
    screenshot(panel, QStringLiteral("attention-real-1280.png"));
    panel.resize(900, 600);
    screenshot(panel, QStringLiteral("attention-real-900.png"));
    panel.setPalette(widgettest::darkPalette());  // gaps and captions follow the theme (a new sheet)
    QTest::qWait(50);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 300000);
    screenshot(panel, QStringLiteral("attention-real-900-dark.png"));
    // PRETEXT_SCREENSHOT_OWN: an image file of one's own in the first row.
    const QString own = qEnvironmentVariable("PRETEXT_SCREENSHOT_OWN");
    if (!own.isEmpty()) {
      panel.resize(1280, 800);
      panel.showImageFile(own);
      QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), 300000);
      screenshot(panel, QStringLiteral("attention-own-image.png"));
    }
  }
};

QTEST_MAIN(TstAttentionPanel)
#include "tst_attentionpanel.moc"

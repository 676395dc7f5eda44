// The Augmentations panel: presets set the controls, moving a control makes the configuration
// custom and reaches the training panel, and the preview shows what the training pipeline does
// (nothing with every op off, an exact mirror with flip alone, new pictures on a new draw).
#include "augmentpanel.h"
#include "imagegridwidget.h"
#include "trainingpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QSignalSpy>
#include <QSlider>
#include <QtTest/QtTest>

namespace {

pretext::Dataset shapes() {
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  spec.shapesPerClass = 8;
  return pretext::Dataset::load(spec);
}

QList<QImage> images(const ImageGridWidget* grid) {
  QList<QImage> out;
  for (int i = 0; i < grid->count(); ++i) out.push_back(grid->image(i));
  return out;
}

const char* const kOps[] = {"crop", "flip", "jitter", "grayscale", "rotate", "blur", "cutout", "noise", "sobel"};

// Only `keep` switched on, applied to every image.
void only(AugmentPanel& panel, const QString& keep) {
  for (const char* op : kOps) panel.enabledBox(QString::fromLatin1(op))->setChecked(keep == QLatin1String(op));
  panel.probabilitySlider(keep)->setValue(100);
  panel.refreshPreview();
}

}  // namespace

class TstAugmentPanel : public QObject {
  Q_OBJECT

 private slots:
  void presetsSetTheControls() {
    AugmentPanel panel;
    QCOMPARE(panel.preset(), QString());  // the method decides until the user does
    const auto simclr = pretext::AugmentConfig::simclr();
    QCOMPARE(panel.enabledBox(QStringLiteral("crop"))->isChecked(), simclr.crop.enabled);
    QCOMPARE(panel.strengthSlider(QStringLiteral("crop"))->value(), int(std::lround(simclr.crop.strength * 100)));
    QCOMPARE(panel.probabilitySlider(QStringLiteral("jitter"))->value(), int(std::lround(simclr.jitter.probability * 100)));
    panel.setPreset(QStringLiteral("light"));
    QCOMPARE(panel.preset(), QStringLiteral("light"));
    QVERIFY(panel.enabledBox(QStringLiteral("crop"))->isChecked());
    QVERIFY(!panel.enabledBox(QStringLiteral("jitter"))->isChecked());
    QVERIFY(!panel.probabilitySlider(QStringLiteral("jitter"))->isEnabled());  // off: its sliders are greyed
    panel.setPreset(QStringLiteral("none"));
    for (const char* op : kOps) QVERIFY(!panel.enabledBox(QString::fromLatin1(op))->isChecked());
    // Flip has no strength to set.
    panel.setPreset(QStringLiteral("simclr"));
    QVERIFY(!panel.strengthSlider(QStringLiteral("flip"))->isEnabled());
    QVERIFY(panel.strengthSlider(QStringLiteral("crop"))->isEnabled());
  }

  void movingAControlMakesItCustomAndReachesTraining() {
    AugmentPanel panel;
    TrainingPanel training;
    connect(&panel, &AugmentPanel::augmentationChanged, &training, &TrainingPanel::setAugmentation);
    QSignalSpy changed(&panel, &AugmentPanel::augmentationChanged);
    QCOMPARE(training.config().augmentPreset, std::string());
    panel.strengthSlider(QStringLiteral("blur"))->setValue(80);
    QCOMPARE(panel.preset(), QStringLiteral("custom"));
    QVERIFY(changed.count() >= 1);
    QCOMPARE(changed.last().at(0).toString(), QStringLiteral("custom"));
    const auto c = training.config();
    QCOMPARE(c.augmentPreset, std::string("custom"));
    QVERIFY(c.augment.blur.enabled);
    QCOMPARE(c.augment.blur.strength, 0.8f);
    QCOMPARE(c.augment.crop.strength, pretext::AugmentConfig::simclr().crop.strength);
    panel.setPreset(QStringLiteral("none"));
    QCOMPARE(training.config().augmentPreset, std::string("none"));
  }

  void previewShowsWhatThePipelineDoes() {
    AugmentPanel panel;
    panel.setDataset(shapes());
    QCOMPARE(panel.originalsGrid()->count(), 16);
    QCOMPARE(panel.firstViewGrid()->count(), 16);
    QCOMPARE(panel.secondViewGrid()->count(), 16);
    const auto originals = images(panel.originalsGrid());

    // SimCLR's recipe: the views differ from the images and from each other; the same draw repeats.
    panel.setPreset(QStringLiteral("simclr"));
    panel.refreshPreview();
    const auto first = images(panel.firstViewGrid()), second = images(panel.secondViewGrid());
    QVERIFY(first != originals);
    QVERIFY(first != second);
    panel.refreshPreview();
    QVERIFY(images(panel.firstViewGrid()) == first);
    panel.redraw();
    QVERIFY(images(panel.firstViewGrid()) != first);
    QVERIFY(images(panel.originalsGrid()) == originals);  // a new draw keeps the images

    // Everything off: both views are the images themselves.
    panel.setPreset(QStringLiteral("none"));
    panel.refreshPreview();
    QVERIFY(images(panel.firstViewGrid()) == originals);
    QVERIFY(images(panel.secondViewGrid()) == originals);

    // Flip alone, always: an exact mirror image.
    only(panel, QStringLiteral("flip"));
    const auto flipped = images(panel.firstViewGrid());
    for (int i = 0; i < originals.size(); ++i) {
      QCOMPARE(flipped[i], originals[i].mirrored(true, false));
    }

    // Other images are other images.
    panel.pickOtherImages();
    QVERIFY(images(panel.originalsGrid()) != originals);
  }
};

QTEST_MAIN(TstAugmentPanel)
#include "tst_augmentpanel.moc"

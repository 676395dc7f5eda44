// The Attention panel: where a network looks. For a few test images, the activation-based attention
// of chosen stages (mean over channels of |a|^2, Zagoruyko & Komodakis 2017; a ViT: its [CLS]
// token's attention) overlaid on each image, for the current run and, side by side, a second run
// ("Compare with…", e.g. supervised against rotation). Computed by Evaluator::attentionMaps in
// RunInspector jobs; the run's lifecycle (set, follow checkpoints, busy, export) is InspectionPanel's.
#pragma once

#include "inspectionpanel.h"

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>

class PixelImageView;
class QCheckBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

class AttentionPanel final : public InspectionPanel {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(AttentionPanel)

 public:
  /// `inspector` (not owned) must outlive the panel.
  explicit AttentionPanel(RunInspector* inspector, QWidget* parent = nullptr);

  QString secondRun() const { return m_second.dir; }
  /// The test images shown (indices into the test split).
  QList<qint64> images() const { return m_indices; }
  /// The stages whose attention is shown (of the first run; the second maps them by depth).
  QStringList stages() const;
  /// The first run's stages, as offered by the checkboxes.
  QStringList availableStages() const { return m_stageNames; }
  /// The sheets on show: one row per image, the image then one overlay per stage.
  QImage image() const { return m_first.image; }
  QImage secondImage() const { return m_second.image; }
  /// The stages each sheet shows (a second run of another backbone: its stages at the same depth).
  QStringList shownStages() const { return m_first.shownStages; }
  QStringList secondShownStages() const { return m_second.shownStages; }
  /// What "Save PNG…": the first run's sheet, or both side by side with their captions.
  QImage exportImage() const;
  /// Writes exportImage() as PNG; false (and a message in the panel) when it cannot.
  bool savePng(const QString& path);
  bool exportTo(const QString& path) override { return savePng(path); }

  QSpinBox* countBox() const { return m_count; }
  QLineEdit* imagesEdit() const { return m_imagesEdit; }
  QPushButton* otherImagesButton() const { return m_otherImages; }
  QCheckBox* stageBox(const QString& stage) const;
  QPushButton* compareButton() const { return m_compareButton; }
  QPushButton* clearSecondButton() const { return m_clearSecond; }
  QPushButton* saveButton() const { return m_save; }
  QLabel* messageLabel() const { return m_message; }
  QLabel* captionLabel() const { return m_first.caption; }
  QLabel* secondCaptionLabel() const { return m_second.caption; }
  PixelImageView* view() const { return m_first.view; }
  PixelImageView* secondView() const { return m_second.view; }

  /// The caption of the picture of the user's own shown in the first row; empty when none is.
  QString ownImageName() const { return m_ownName; }
  QPushButton* openImageButton() const { return m_openImage; }
  QPushButton* removeOwnImageButton() const { return m_removeOwn; }

  static constexpr int kDefaultImages = 4;
  static constexpr int kMaxImages = 16;

 public slots:
  /// The run shown beside the first one; empty: none.
  void setSecondRun(const QString& runDir);
  /// Shows these test images (indices into the test split).
  void setImages(const QList<qint64>& testIndices);
  /// Another sample of test images, spread over the classes.
  void pickOtherImages();
  /// Checks these stages (names of the first run's backbone) and unchecks the others.
  void setStages(const QStringList& stages);
  /// Asks for a run folder to compare with, then setSecondRun().
  void chooseSecondRun();
  /// Shows an image file of the user's own in the first row, read as the dataset's image files are
  /// read (converted to its channels and size); showImageQuery the same for a picture (clipboard,
  /// drop). clearOwnImage removes it.
  void showImageFile(const QString& path);
  void showImageQuery(const QImage& picture, const QString& name);
  void clearOwnImage();
  /// Asks for an image file, then showImageFile(); pastes an image from the clipboard.
  void openImage();
  void pasteImage();

 signals:
  /// A sheet (either run's) was computed and is on show.
  void mapsChanged();

 protected:
  void changeEvent(QEvent* event) override;
  void runChanged() override;
  void reload() override;
  /// The run on show and the second run.
  bool follows(const QString& runDir) const override;
  void checkpointChanged(const QString& runDir) override;
  ExportFile exportFile() const override;
  void exportFinished(const QString&, bool) override {}  // savePng says what went wrong
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  struct Side {
    QString channel;        // its request's, "left" or "right"
    QString dir;            // the first side's is run()
    QString title;          // "folder · SimCLR · convnet"
    QImage image;
    QStringList shownStages;
    QLabel* caption = nullptr;
    PixelImageView* view = nullptr;
  };
  struct Facts;

  void updateTitleFonts();
  void describeRun(bool newSample);
  void onDescribed(const Facts& facts, bool newSample);
  void requestMaps();
  void requestSide(Side& side, bool second);
  void clearSide(Side& side, const QString& placeholder);
  void rebuildStageBoxes(const QStringList& names, const QStringList& checked, bool enabled);
  void onImagesEdited();
  void showImagesText();
  void showError(const QString& text);
  void updateMessage();
  QString placeholderFor(const QString& dir) const;

  Side m_first;
  Side m_second;
  QString m_dataset;             // the first run's dataset name: images are indices into its test split
  QString m_backbone;
  QStringList m_stageNames;
  QList<qint64> m_indices;
  int m_draw = 0;                // Dataset::sampleIndices's draw: 0 as Evaluator::sampleTestImages
  bool m_described = false;      // m_stageNames and m_dataset belong to run()
  bool m_resample = false;       // a new sample is wanted when the panel is next shown
  QString m_leftError, m_rightError, m_inputError;
  QString m_ownFile;             // an image file of the user's own, shown first
  QImage m_ownPicture;           // or a picture (clipboard, drop)
  QString m_ownName;

  QSpinBox* m_count = nullptr;
  QLineEdit* m_imagesEdit = nullptr;
  QPushButton* m_otherImages = nullptr;
  QHBoxLayout* m_stagesLayout = nullptr;
  QList<QCheckBox*> m_stageBoxes;
  QLabel* m_stageNote = nullptr;
  QPushButton* m_compareButton = nullptr;
  QPushButton* m_openImage = nullptr;
  QPushButton* m_removeOwn = nullptr;
  QPushButton* m_clearSecond = nullptr;
  QPushButton* m_save = nullptr;
  QLabel* m_message = nullptr;
};

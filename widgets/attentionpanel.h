// The Attention panel: where a network looks. For a few test images, the activation-based attention
// of chosen stages (mean over channels of |a|^2, Zagoruyko & Komodakis 2017; a ViT: its [CLS]
// token's attention) overlaid on each image, for the current run and, side by side, a second run
// ("Compare with…", e.g. supervised against rotation). Computed by Evaluator::attentionMaps in
// RunInspector jobs.
#pragma once

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class PixelImageView;
class QCheckBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class RunInspector;

class AttentionPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(AttentionPanel)

 public:
  /// `inspector` (not owned) must outlive the panel.
  explicit AttentionPanel(RunInspector* inspector, QWidget* parent = nullptr);

  QString run() const { return m_run.dir; }
  QString secondRun() const { return m_second.dir; }
  /// The test images shown (indices into the test split).
  QList<qint64> images() const { return m_indices; }
  /// The stages whose attention is shown (of the first run; the second maps them by depth).
  QStringList stages() const;
  /// The first run's stages, as offered by the checkboxes.
  QStringList availableStages() const { return m_stageNames; }
  /// The sheets on show: one row per image, the image then one overlay per stage.
  QImage image() const { return m_run.image; }
  QImage secondImage() const { return m_second.image; }
  /// The stages each sheet shows (a second run of another backbone: its stages at the same depth).
  QStringList shownStages() const { return m_run.shownStages; }
  QStringList secondShownStages() const { return m_second.shownStages; }
  /// What "Save PNG…": the first run's sheet, or both side by side with their captions.
  QImage exportImage() const;
  /// Writes exportImage() as PNG; false (and a message in the panel) when it cannot.
  bool savePng(const QString& path);
  /// A computation for this panel is queued or running.
  bool busy() const;

  QSpinBox* countBox() const { return m_count; }
  QLineEdit* imagesEdit() const { return m_imagesEdit; }
  QPushButton* otherImagesButton() const { return m_otherImages; }
  QCheckBox* stageBox(const QString& stage) const;
  QPushButton* compareButton() const { return m_compareButton; }
  QPushButton* clearSecondButton() const { return m_clearSecond; }
  QPushButton* saveButton() const { return m_save; }
  QProgressBar* busyIndicator() const { return m_busy; }
  QLabel* messageLabel() const { return m_message; }
  QLabel* captionLabel() const { return m_run.caption; }
  QLabel* secondCaptionLabel() const { return m_second.caption; }
  PixelImageView* view() const { return m_run.view; }
  PixelImageView* secondView() const { return m_second.view; }

  static constexpr int kDefaultImages = 4;
  static constexpr int kMaxImages = 16;

 public slots:
  /// The run to show (the one training now or one the user opened); empty: none.
  void setRun(const QString& runDir);
  /// Recomputes the maps of `runDir` if it is shown here (when next shown, if hidden now).
  void checkpointWritten(const QString& runDir);
  /// The run shown beside the first one; empty: none.
  void setSecondRun(const QString& runDir);
  /// Shows these test images (indices into the test split).
  void setImages(const QList<qint64>& testIndices);
  /// Another sample of test images, spread over the classes.
  void pickOtherImages();
  /// Checks these stages (names of the first run's backbone) and unchecks the others.
  void setStages(const QStringList& stages);
  /// Recomputes everything (when next shown, if hidden now).
  void refresh();
  /// Asks for a run folder to compare with, then setSecondRun().
  void chooseSecondRun();
  /// Asks for a file name, then savePng().
  void saveAs();

 signals:
  /// A sheet (either run's) was computed and is on show.
  void mapsChanged();
  void busyChanged(bool busy);

 protected:
  void showEvent(QShowEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  struct Side {
    QString dir;
    QString title;          // "folder · SimCLR · convnet"
    QImage image;
    QStringList shownStages;
    quint64 generation = 0;
    bool pending = false;
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
  void setPending(bool& flag, bool pending);
  void showError(const QString& text);
  void updateMessage();
  QString placeholderFor(const QString& dir) const;

  RunInspector* m_inspector = nullptr;
  Side m_run;
  Side m_second;
  QString m_dataset;             // the first run's dataset name: images are indices into its test split
  QString m_backbone;
  QStringList m_stageNames;
  QList<qint64> m_indices;
  int m_draw = 0;                // 0: Evaluator::sampleTestImages; n: the n-th random draw
  quint64 m_describeGeneration = 0;
  bool m_describePending = false;
  bool m_described = false;      // m_stageNames and m_dataset belong to m_run.dir
  bool m_dirty = false;
  bool m_resample = false;       // a new sample is wanted when the panel is next shown
  bool m_lastBusy = false;
  QString m_leftError, m_rightError, m_inputError;

  QSpinBox* m_count = nullptr;
  QLineEdit* m_imagesEdit = nullptr;
  QPushButton* m_otherImages = nullptr;
  QHBoxLayout* m_stagesLayout = nullptr;
  QList<QCheckBox*> m_stageBoxes;
  QLabel* m_stageNote = nullptr;
  QPushButton* m_compareButton = nullptr;
  QPushButton* m_clearSecond = nullptr;
  QPushButton* m_save = nullptr;
  QProgressBar* m_busy = nullptr;
  QLabel* m_message = nullptr;
};

// The Augmentations panel: each of the seed's augmentations with on/off, probability and strength,
// and a live preview of two augmented views of the same training images, redrawn as a control moves.
// The training panel trains with what this panel describes ("Method's default" leaves the choice to
// the method).
#pragma once

#include <pretext/augment.h>
#include <pretext/dataset.h>

#include <QList>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

class ImageGridWidget;
class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QTimer;

class AugmentPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(AugmentPanel)

 public:
  explicit AugmentPanel(QWidget* parent = nullptr);

  void setDataset(const pretext::Dataset& dataset);

  /// "" (the method's default), "simclr", "light", "none" or "custom" (the controls as set).
  QString preset() const;
  /// What the controls show (for "" the SimCLR recipe is shown as a starting point).
  pretext::AugmentConfig augmentConfig() const;
  /// Chooses a preset: "", "simclr", "light" or "none" set the controls; "custom" keeps them.
  void setPreset(const QString& preset);

  /// Redraws the preview now instead of at the next coalesced update (tests, screenshots).
  void refreshPreview();
  /// A new draw of the random parameters for the same images.
  void redraw();
  /// Other training images.
  void pickOtherImages();

  QCheckBox* enabledBox(const QString& op) const;
  QSlider* probabilitySlider(const QString& op) const;
  QSlider* strengthSlider(const QString& op) const;
  QComboBox* presetBox() const { return m_preset; }
  ImageGridWidget* originalsGrid() const { return m_originals; }
  ImageGridWidget* firstViewGrid() const { return m_first; }
  ImageGridWidget* secondViewGrid() const { return m_second; }

 signals:
  /// The augmentation the next training run should use changed.
  void augmentationChanged(const QString& preset, const pretext::AugmentConfig& config);

 private:
  struct Row {
    QString name;
    QCheckBox* enabled = nullptr;
    QSlider* probability = nullptr;
    QSlider* strength = nullptr;
    QLabel* probabilityText = nullptr;
    QLabel* strengthText = nullptr;
    bool usesStrength = true;
  };

  void showConfig(const pretext::AugmentConfig& config);
  void onControlChanged();
  void updateLabels();
  void schedulePreview();
  const Row* row(const QString& op) const;

  pretext::Dataset m_dataset;
  std::vector<std::int64_t> m_indices;
  std::uint64_t m_seed = 1;
  std::uint64_t m_imageSeed = 1;
  bool m_updating = false;

  QComboBox* m_preset = nullptr;
  QList<Row> m_rows;
  QLabel* m_message = nullptr;
  ImageGridWidget* m_originals = nullptr;
  ImageGridWidget* m_first = nullptr;
  ImageGridWidget* m_second = nullptr;
  QTimer* m_previewTimer = nullptr;
};

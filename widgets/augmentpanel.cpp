#include "augmentpanel.h"

#include "imagegridwidget.h"
#include "qtconvert.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <random>

namespace {

constexpr int kPreviewImages = 16;  // two rows of a 1280-pixel-wide window

struct OpText {
  const char* name;
  const char* title;
  const char* help;        // what it does and why contrastive methods need it
  bool usesStrength;
};

// The seed's list, in the order the training pipeline applies them (pretext/augment.h).
const OpText kOps[] = {
    {"crop", QT_TRANSLATE_NOOP("AugmentPanel", "Random crop"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Crops a random box and resizes it back: views share parts of the object, so the "
                                       "network must match a part to the whole. Strength: how small the box may get."),
     true},
    {"flip", QT_TRANSLATE_NOOP("AugmentPanel", "Horizontal flip"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Mirrors the image left-right."),
     false},
    {"jitter", QT_TRANSLATE_NOOP("AugmentPanel", "Colour jitter"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Changes brightness, contrast, saturation and hue, so colour statistics alone "
                                       "cannot tell two images apart. Strength: how much."),
     true},
    {"grayscale", QT_TRANSLATE_NOOP("AugmentPanel", "Colour drop"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Turns the image gray (colour images only)."),
     false},
    {"rotate", QT_TRANSLATE_NOOP("AugmentPanel", "Rotation"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Rotates by 90, 180 or 270 degrees."),
     false},
    {"blur", QT_TRANSLATE_NOOP("AugmentPanel", "Gaussian blur"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Blurs with a random sigma. Strength: the largest sigma."),
     true},
    {"cutout", QT_TRANSLATE_NOOP("AugmentPanel", "Cutout"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Erases a square to gray. Strength: the square's side."),
     true},
    {"noise", QT_TRANSLATE_NOOP("AugmentPanel", "Gaussian noise"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Adds pixel noise. Strength: its standard deviation."),
     true},
    {"sobel", QT_TRANSLATE_NOOP("AugmentPanel", "Sobel filter"),
     QT_TRANSLATE_NOOP("AugmentPanel", "Replaces the image by its edge magnitude."),
     false},
};

}  // namespace

AugmentPanel::AugmentPanel(QWidget* parent) : QWidget(parent) {
  m_preset = new QComboBox;
  m_preset->addItem(tr("Method's default"), QString());
  m_preset->addItem(tr("SimCLR recipe"), QStringLiteral("simclr"));
  m_preset->addItem(tr("Light (crop and flip)"), QStringLiteral("light"));
  m_preset->addItem(tr("None"), QStringLiteral("none"));
  m_preset->addItem(tr("Custom"), QStringLiteral("custom"));
  m_preset->setToolTip(tr("What the next training run uses. Moving any control makes it Custom."));
  auto* redrawButton = new QPushButton(tr("New draw"));
  redrawButton->setToolTip(tr("Draw new random parameters for the same images"));
  auto* imagesButton = new QPushButton(tr("Other images"));
  imagesButton->setToolTip(tr("Show other training images"));
  connect(redrawButton, &QPushButton::clicked, this, &AugmentPanel::redraw);
  connect(imagesButton, &QPushButton::clicked, this, &AugmentPanel::pickOtherImages);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Augmentation for training:")));
  top->addWidget(m_preset);
  top->addStretch(1);
  top->addWidget(redrawButton);
  top->addWidget(imagesButton);

  auto* controls = new QGroupBox(tr("Applied in this order"));
  auto* grid = new QGridLayout(controls);
  grid->addWidget(new QLabel(tr("<b>On</b>")), 0, 0);
  grid->addWidget(new QLabel(tr("<b>Probability</b>")), 0, 1, 1, 2);
  grid->addWidget(new QLabel(tr("<b>Strength</b>")), 0, 3, 1, 2);
  int r = 1;
  for (const auto& op : kOps) {
    Row row;
    row.name = QString::fromLatin1(op.name);
    row.enabled = new QCheckBox(tr(op.title));
    row.enabled->setObjectName(row.name);
    row.enabled->setToolTip(tr(op.help));
    row.probability = new QSlider(Qt::Horizontal);
    row.probability->setRange(0, 100);
    row.probability->setToolTip(tr("Share of the images this augmentation is applied to"));
    row.probabilityText = new QLabel;
    row.strength = new QSlider(Qt::Horizontal);
    row.strength->setRange(0, 100);
    row.usesStrength = op.usesStrength;
    row.strength->setToolTip(op.usesStrength ? tr(op.help) : tr("%1 has no strength").arg(tr(op.title)));
    row.strengthText = new QLabel;
    for (auto* label : {row.probabilityText, row.strengthText}) {
      label->setMinimumWidth(label->fontMetrics().horizontalAdvance(QStringLiteral("100%")) + 4);
      label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    grid->addWidget(row.enabled, r, 0);
    grid->addWidget(row.probability, r, 1);
    grid->addWidget(row.probabilityText, r, 2);
    grid->addWidget(row.strength, r, 3);
    grid->addWidget(row.strengthText, r, 4);
    connect(row.enabled, &QCheckBox::toggled, this, &AugmentPanel::onControlChanged);
    connect(row.probability, &QSlider::valueChanged, this, &AugmentPanel::onControlChanged);
    connect(row.strength, &QSlider::valueChanged, this, &AugmentPanel::onControlChanged);
    m_rows.push_back(row);
    ++r;
  }
  grid->setColumnStretch(1, 1);
  grid->setColumnStretch(3, 1);
  grid->setRowStretch(r, 1);

  auto makeGrid = [](const QString& placeholder) {
    auto* g = new ImageGridWidget;
    g->setPlaceholderText(placeholder);
    g->setTileSize(60);
    g->setMinimumHeight(110);
    return g;
  };
  m_originals = makeGrid(tr("Load a dataset to see its images"));
  m_first = makeGrid(QString());
  m_second = makeGrid(QString());
  auto* previews = new QVBoxLayout;
  auto titled = [&](const QString& title, ImageGridWidget* g) {
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(title));
    previews->addWidget(label);
    previews->addWidget(g, 1);
  };
  titled(tr("Training images"), m_originals);
  titled(tr("View 1"), m_first);
  titled(tr("View 2: the same images, augmented again. A contrastive method must tell that they match."),
         m_second);
  m_message = new QLabel;
  m_message->setWordWrap(true);
  previews->addWidget(m_message);

  auto* body = new QHBoxLayout;
  body->addWidget(controls, 2);
  body->addLayout(previews, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(body, 1);

  m_previewTimer = new QTimer(this);
  m_previewTimer->setSingleShot(true);
  m_previewTimer->setInterval(30);  // coalesce a slider drag into a few redraws per second
  connect(m_previewTimer, &QTimer::timeout, this, &AugmentPanel::refreshPreview);

  connect(m_preset, &QComboBox::currentIndexChanged, this, [this] {
    setPreset(m_preset->currentData().toString());
  });
  showConfig(pretext::AugmentConfig::simclr());
}

const AugmentPanel::Row* AugmentPanel::row(const QString& op) const {
  for (const auto& r : m_rows) {
    if (r.name == op) return &r;
  }
  return nullptr;
}

QCheckBox* AugmentPanel::enabledBox(const QString& op) const { return row(op) ? row(op)->enabled : nullptr; }
QSlider* AugmentPanel::probabilitySlider(const QString& op) const { return row(op) ? row(op)->probability : nullptr; }
QSlider* AugmentPanel::strengthSlider(const QString& op) const { return row(op) ? row(op)->strength : nullptr; }

QString AugmentPanel::preset() const { return m_preset->currentData().toString(); }

pretext::AugmentConfig AugmentPanel::augmentConfig() const {
  pretext::AugmentConfig config;
  for (auto& [name, op] : config.ops()) {
    const Row* r = row(QString::fromStdString(name));
    op->enabled = r->enabled->isChecked();
    op->probability = float(r->probability->value()) / 100.0f;
    op->strength = float(r->strength->value()) / 100.0f;
  }
  return config;
}

void AugmentPanel::showConfig(const pretext::AugmentConfig& config) {
  m_updating = true;
  for (const auto& [name, op] : config.ops()) {
    const Row* r = row(QString::fromStdString(name));
    r->enabled->setChecked(op->enabled);
    r->probability->setValue(int(std::lround(op->probability * 100.0f)));
    r->strength->setValue(int(std::lround(op->strength * 100.0f)));
  }
  m_updating = false;
  updateLabels();
}

void AugmentPanel::setPreset(const QString& preset) {
  const int index = m_preset->findData(preset);
  if (index >= 0 && index != m_preset->currentIndex()) {
    m_preset->setCurrentIndex(index);  // re-enters through currentIndexChanged
    return;
  }
  if (preset != QLatin1String("custom")) {
    const auto& names = pretext::AugmentConfig::presetNames();
    const bool known = std::find(names.begin(), names.end(), preset.toStdString()) != names.end();
    showConfig(pretext::AugmentConfig::preset(known ? preset.toStdString() : std::string("simclr")));
  }
  schedulePreview();
  emit augmentationChanged(this->preset(), augmentConfig());
}

void AugmentPanel::onControlChanged() {
  if (m_updating) return;
  updateLabels();
  if (preset() != QLatin1String("custom")) {
    const QSignalBlocker block(m_preset);
    m_preset->setCurrentIndex(m_preset->findData(QStringLiteral("custom")));
  }
  schedulePreview();
  emit augmentationChanged(preset(), augmentConfig());
}

void AugmentPanel::updateLabels() {
  for (auto& r : m_rows) {
    const bool on = r.enabled->isChecked();
    r.probability->setEnabled(on);
    r.probabilityText->setEnabled(on);
    r.probabilityText->setText(QStringLiteral("%1%").arg(r.probability->value()));
    r.strength->setEnabled(on && r.usesStrength);
    r.strengthText->setEnabled(on);
    r.strengthText->setText(r.usesStrength ? QStringLiteral("%1%").arg(r.strength->value()) : QString());
  }
}

void AugmentPanel::setDataset(const pretext::Dataset& dataset) {
  m_dataset = dataset;
  m_imageSeed = 1;
  pickOtherImages();
}

void AugmentPanel::pickOtherImages() {
  m_indices.clear();
  if (!m_dataset.valid()) return;
  const auto split = m_dataset.size(pretext::Split::Train) > 0 ? pretext::Split::Train : pretext::Split::Unlabeled;
  const std::int64_t n = m_dataset.size(split);
  std::mt19937_64 rng(m_imageSeed++);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(0, n - 1));
  for (int i = 0; i < kPreviewImages && i < n; ++i) m_indices.push_back(pick(rng));
  refreshPreview();
}

void AugmentPanel::redraw() {
  ++m_seed;
  refreshPreview();
}

void AugmentPanel::schedulePreview() {
  if (!m_previewTimer->isActive()) m_previewTimer->start();
}

void AugmentPanel::refreshPreview() {
  m_previewTimer->stop();
  if (!m_dataset.valid() || m_indices.empty()) {
    m_originals->clear();
    m_first->clear();
    m_second->clear();
    return;
  }
  try {
    // A few small images on the CPU: milliseconds, so the GUI thread can afford it.
    const auto preview = pretext::previewAugmentations(m_dataset, m_indices, augmentConfig(), m_seed);
    auto toList = [](const std::vector<pretext::Image>& images) {
      QList<QImage> list;
      for (const auto& image : images) list.push_back(pretext::toQImage(image));
      return list;
    };
    m_originals->setImages(toList(preview.originals));
    m_first->setImages(toList(preview.first));
    m_second->setImages(toList(preview.second));
    const bool gray = m_dataset.channels() == 1;
    m_message->setText(gray ? tr("Gray images: saturation, hue and colour drop have nothing to change.") : QString());
  } catch (const std::exception& e) {
    m_message->setText(tr("Preview failed: %1").arg(QString::fromUtf8(e.what())));
  }
}

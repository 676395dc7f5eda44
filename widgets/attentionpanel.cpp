#include "attentionpanel.h"

#include "panelcommon.h"

#include "pixelimageview.h"
#include "qtconvert.h"
#include "runinspector.h"
#include "translation.h"

#include <pretext/backbones.h>
#include <pretext/evaluation.h>
#include <pretext/methods.h>

#include <QCheckBox>
#include <QClipboard>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGuiApplication>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

struct AttentionPanel::Facts {
  QString backbone;
  QStringList stages;
  QString dataset;                // identifies the test split: name, size, image size
  QList<qint64> sample;
};

namespace {

struct Sheet {
  QImage image;
  QString title;
  QStringList stages;
  QStringList captions;  // the core's caption under each image (English), one a row
  int columns = 0;       // tiles a row: the image and its maps
};

// The core captions each image of the sheet (the first tile of each row) in its ASCII font, in
// English. Where the window's language names the image otherwise (a class, "your image"), its
// caption band is painted over in the paper colour and the name written by Qt, which has CJK
// glyphs. The band is where makeSheet (core/src/io/png.cpp) writes captions: 3-pixel gaps, 13 pixels
// (its 11-pixel glyphs and 2) under each tile. Nothing changes where the names are the same.
void relabelImages(QImage& sheet, int columns, const QStringList& english, const QStringList& shown, const QColor& paper,
                   const QColor& ink, const QFont& font) {
  constexpr int gap = 3, band = 13;
  const int rows = int(english.size());
  if (sheet.isNull() || rows == 0 || columns <= 0 || english == shown) return;
  const int cellW = (sheet.width() - gap) / columns, cellH = (sheet.height() - gap) / rows;
  const int tileH = cellH - band - gap;
  if (tileH <= 0 || cellW <= gap) return;
  const QImage::Format format = sheet.format();
  QImage out = sheet.convertToFormat(sheet.hasAlphaChannel() ? QImage::Format_ARGB32 : QImage::Format_RGB32);
  QFont small = font;
  small.setPixelSize(band - 2);
  const QFontMetrics metrics(small);
  QPainter painter(&out);
  painter.setFont(small);
  painter.setPen(ink);
  for (int r = 0; r < rows && r < shown.size(); ++r) {
    if (shown[r] == english[r]) continue;
    const QRect rect(gap, gap + r * cellH + tileH, cellW - gap, band);
    painter.setCompositionMode(QPainter::CompositionMode_Source);
    painter.fillRect(rect, sheet.hasAlphaChannel() ? QColor(Qt::transparent) : paper);
    painter.setCompositionMode(QPainter::CompositionMode_SourceOver);
    painter.drawText(rect, Qt::AlignHCenter | Qt::AlignVCenter, metrics.elidedText(shown[r], Qt::ElideRight, rect.width()));
  }
  painter.end();
  sheet = out.convertToFormat(format);
}

// The stages to draw for a backbone: the wanted ones it has; the others at the same relative depth
// of its own stage list (conv3 of a ConvNet is layer2 of a ResNet-18), as pretext::equivalentStage maps them.
std::vector<std::string> stagesFor(const std::vector<std::string>& own, const QStringList& wanted,
                                   const QStringList& reference) {
  std::vector<std::string> from;
  for (const auto& r : reference) from.push_back(r.toStdString());
  std::vector<std::string> out;
  for (const auto& w : wanted) {
    const std::string name = pretext::equivalentStage(from, w.toStdString(), own);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

// Backbones with a class token show the attention of that token (the ViT's [CLS]), not stages.
bool classToken(const QString& backbone) { return pretext::backboneInfo(backbone.toStdString()).classToken; }

QString indexText(const QList<qint64>& indices) {
  QStringList parts;
  for (const auto i : indices) parts << QString::number(i);
  return parts.join(QStringLiteral(", "));
}

QStringList defaultStages(const QStringList& names) {
  QStringList wanted{QStringLiteral("conv1"), QStringLiteral("conv3"), QStringLiteral("conv5")};
  if (std::all_of(wanted.begin(), wanted.end(), [&](const QString& s) { return names.contains(s); })) return wanted;
  if (names.size() <= 3) return names;
  return {names.front(), names[names.size() / 2], names.back()};
}

}  // namespace

AttentionPanel::AttentionPanel(RunInspector* inspector, QWidget* parent) : InspectionPanel(inspector, parent) {
  m_count = new QSpinBox;
  m_count->setRange(1, kMaxImages);
  m_count->setValue(kDefaultImages);
  m_count->setToolTip(tr("How many test images"));
  m_imagesEdit = new QLineEdit;
  m_imagesEdit->setMinimumWidth(m_imagesEdit->fontMetrics().horizontalAdvance(QStringLiteral("0000, 0000, 0000, 0000")));
  m_imagesEdit->setPlaceholderText(tr("test image numbers, e.g. 0, 17, 42"));
  m_imagesEdit->setToolTip(tr("The test images shown, by their number in the test split. Type others and press "
                              "Enter."));
  m_otherImages = new QPushButton(tr("Other images"));
  m_otherImages->setToolTip(tr("Another sample of test images, one of each class in turn"));
  connect(m_count, &QSpinBox::valueChanged, this, [this] { describeRun(true); });
  connect(m_imagesEdit, &QLineEdit::editingFinished, this, &AttentionPanel::onImagesEdited);
  connect(m_otherImages, &QPushButton::clicked, this, &AttentionPanel::pickOtherImages);
  m_openImage = new QPushButton(tr("Open image…"));
  m_openImage->setToolTip(tr("Show the attention on an image of your own, in the first row: it is converted to the "
                             "dataset's channels and size as the dataset's images were made. You can also drop an "
                             "image file on the panel or paste an image with Ctrl+V."));
  m_removeOwn = new QPushButton(tr("Remove your image"));
  m_removeOwn->hide();
  connect(m_openImage, &QPushButton::clicked, this, &AttentionPanel::openImage);
  connect(m_removeOwn, &QPushButton::clicked, this, &AttentionPanel::clearOwnImage);
  auto* paste = new QShortcut(QKeySequence::Paste, this);
  paste->setContext(Qt::WidgetWithChildrenShortcut);
  connect(paste, &QShortcut::activated, this, &AttentionPanel::pasteImage);
  setAcceptDrops(true);

  m_stagesLayout = new QHBoxLayout;
  m_stagesLayout->setContentsMargins(0, 0, 0, 0);
  m_stageNote = new QLabel;
  m_stageNote->hide();

  m_compareButton = new QPushButton(tr("Compare with…"));
  m_compareButton->setToolTip(tr("Show a second run folder's attention on the same images, side by side"));
  m_clearSecond = new QPushButton(tr("Close comparison"));
  m_clearSecond->hide();
  m_save = new QPushButton(tr("Save PNG…"));
  m_save->setToolTip(tr("Save what is shown as a PNG image"));
  m_save->setEnabled(false);
  busyIndicator()->setMaximumWidth(100);
  busyIndicator()->setToolTip(tr("Computing attention maps"));
  connect(m_compareButton, &QPushButton::clicked, this, &AttentionPanel::chooseSecondRun);
  connect(m_clearSecond, &QPushButton::clicked, this, [this] { setSecondRun(QString()); });
  connect(m_save, &QPushButton::clicked, this, [this] { exportAs(); });

  auto* imagesRow = new QHBoxLayout;
  imagesRow->addWidget(new QLabel(tr("Images:")));
  imagesRow->addWidget(m_count);
  imagesRow->addWidget(m_imagesEdit, 1);
  imagesRow->addWidget(m_otherImages);
  imagesRow->addSpacing(16);
  imagesRow->addWidget(new QLabel(tr("Stages:")));
  imagesRow->addLayout(m_stagesLayout);
  imagesRow->addWidget(m_stageNote);

  auto* actionsRow = new QHBoxLayout;
  actionsRow->addWidget(m_compareButton);
  actionsRow->addWidget(m_clearSecond);
  actionsRow->addSpacing(16);
  actionsRow->addWidget(m_openImage);
  actionsRow->addWidget(m_removeOwn);
  actionsRow->addStretch(1);
  actionsRow->addWidget(busyIndicator());
  actionsRow->addWidget(m_save);

  auto* explanation = new QLabel(
      tr("Bright means strong: the attention of a stage is the mean over its channels of the squared "
         "activations, scaled to each image's own range (ViT: how much the [CLS] token looks at each patch). "
         "Early stages light up on edges everywhere; deeper ones on the parts that tell the object apart."));
  explanation->setWordWrap(true);

  // One grid: the captions share a row, so the two sheets get the same room and scale.
  auto* views = new QGridLayout;
  int column = 0;
  m_first.channel = QStringLiteral("left");
  m_second.channel = QStringLiteral("right");
  for (Side* side : {&m_first, &m_second}) {
    side->caption = new QLabel;
    side->caption->setTextFormat(Qt::PlainText);
    side->caption->setAlignment(Qt::AlignCenter);
    side->caption->setWordWrap(true);
    side->view = new PixelImageView;
    side->view->setMinimumSize(200, 200);
    views->addWidget(side->caption, 0, column);
    views->addWidget(side->view, 1, column);
    views->setColumnStretch(column, 1);
    ++column;
  }
  views->setRowStretch(1, 1);
  m_second.caption->hide();
  m_second.view->hide();

  m_message = makeErrorLabel();

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(imagesRow);
  layout->addLayout(actionsRow);
  layout->addWidget(explanation);
  layout->addLayout(views, 1);
  layout->addWidget(m_message);
  updateTitleFonts();
  clearSide(m_first, placeholderFor(QString()));
}

// Captions are a size larger than the panel's font, also after View > Large font changes it.
void AttentionPanel::updateTitleFonts() {
  QFont big = font();
  big.setBold(true);
  if (big.pointSizeF() > 0) big.setPointSizeF(big.pointSizeF() * 1.3);
  else big.setPixelSize(int(big.pixelSize() * 1.3));
  m_first.caption->setFont(big);
  m_second.caption->setFont(big);
}

void AttentionPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange && m_first.caption) updateTitleFonts();
  if (event->type() == QEvent::PaletteChange && !m_first.image.isNull()) refresh();  // the captions' ink
}

QStringList AttentionPanel::stages() const {
  QStringList out;
  for (auto* box : m_stageBoxes) {
    if (box->isChecked()) out << box->objectName();
  }
  return out;
}

QCheckBox* AttentionPanel::stageBox(const QString& stage) const {
  for (auto* box : m_stageBoxes) {
    if (box->objectName() == stage) return box;
  }
  return nullptr;
}

QString AttentionPanel::placeholderFor(const QString& dir) const {
  if (dir.isEmpty()) {
    return tr("No run to show yet.\n\nTrain a method in the Training panel, or open a run folder: its attention "
              "maps appear here.");
  }
  if (!QFileInfo::exists(QDir(dir).filePath(QStringLiteral("config.json")))) {
    return tr("%1 is not a run folder: it has no config.json.").arg(QDir::toNativeSeparators(dir));
  }
  if (!QFileInfo::exists(QDir(dir).filePath(QStringLiteral("checkpoints/last.pt")))) {
    return tr("%1 has no checkpoint yet.\n\nAttention maps need trained weights: they appear after its first "
              "epoch.")
        .arg(runFolderName(dir));
  }
  return {};
}

void AttentionPanel::runChanged() {
  m_first.dir = run();
  m_described = false;
  m_leftError.clear();
  m_inputError.clear();
  const QString why = placeholderFor(run());
  clearSide(m_first, why.isEmpty() ? tr("Computing the attention maps of %1…").arg(runFolderName(run())) : why);
  if (!m_second.dir.isEmpty()) {
    const QString secondWhy = placeholderFor(m_second.dir);
    clearSide(m_second, secondWhy.isEmpty() ? tr("Waiting for the first run…") : secondWhy);
  }
  updateMessage();
}

void AttentionPanel::setSecondRun(const QString& runDir) {
  m_second.dir = runFolderPath(runDir);
  m_rightError.clear();
  const QString dir = m_second.dir;
  m_second.caption->setVisible(!dir.isEmpty());
  m_second.view->setVisible(!dir.isEmpty());
  m_clearSecond->setVisible(!dir.isEmpty());
  m_compareButton->setText(dir.isEmpty() ? tr("Compare with…") : tr("Compare with another…"));
  if (dir.isEmpty()) {
    clearSide(m_second, QString());
  } else {
    const QString why = placeholderFor(dir);
    clearSide(m_second, !why.isEmpty() ? why
                        : m_described ? tr("Computing the attention maps of %1…").arg(runFolderName(dir))
                                      : tr("Waiting for the first run…"));
    if (!why.isEmpty()) m_rightError = why;
    else requestSide(m_second, true);
  }
  updateMessage();
}

bool AttentionPanel::follows(const QString& runDir) const {
  return sameRunFolder(runDir, run()) || sameRunFolder(runDir, m_second.dir);
}

void AttentionPanel::checkpointChanged(const QString& runDir) {
  if (sameRunFolder(runDir, run())) {
    if (!m_described) {  // its first checkpoint: read its stages and sample
      const QString why = placeholderFor(run());
      clearSide(m_first, why.isEmpty() ? tr("Computing the attention maps of %1…").arg(runFolderName(run())) : why);
      if (why.isEmpty()) describeRun(false);
    } else {
      requestSide(m_first, false);
    }
  }
  if (sameRunFolder(runDir, m_second.dir)) setSecondRun(m_second.dir);
}

void AttentionPanel::reload() {
  if (!m_described || m_resample) describeRun(m_resample);
  else requestMaps();
}

void AttentionPanel::describeRun(bool newSample) {
  if (run().isEmpty() || !placeholderFor(run()).isEmpty()) return;
  if (deferWhileHidden()) {
    m_resample = m_resample || newSample;  // the sample is drawn when the panel is shown
    return;
  }
  m_resample = false;
  const QString dir = run();
  const int count = m_count->value();
  const auto draw = std::uint64_t(m_draw);
  request<Facts>(
      QStringLiteral("describe"),
      [dir, count, draw](InspectContext& context) {
        auto& ev = context.evaluator(dir);
        Facts f;
        f.backbone = QString::fromStdString(ev.backbone());
        for (const auto& s : ev.stages()) f.stages << QString::fromStdString(s);
        f.dataset = datasetKey(ev.dataset());
        for (const auto i : ev.dataset().sampleIndices(pretext::Split::Test, count, draw)) f.sample << qint64(i);
        return f;
      },
      [this, newSample](const Facts& facts) { onDescribed(facts, newSample); },  // asks for the sheets: busy stays on
      [this](const QString& error) {
        m_leftError = tr("%1: %2").arg(runFolderName(run()), error);
        clearSide(m_first, error);
        updateMessage();
      });
}

void AttentionPanel::onDescribed(const Facts& facts, bool newSample) {
  const bool sameStages = facts.stages == m_stageNames;
  if (newSample || facts.dataset != m_dataset || m_indices.isEmpty()) {
    m_indices = facts.sample;
    m_inputError.clear();
  }
  m_dataset = facts.dataset;
  m_backbone = facts.backbone;
  m_described = true;
  const bool vit = classToken(facts.backbone);
  rebuildStageBoxes(facts.stages, sameStages ? stages() : defaultStages(facts.stages), !vit);
  m_stageNote->setText(tr("the ViT's [CLS] token: its attention in the last block"));
  m_stageNote->setVisible(vit);
  showImagesText();
  requestMaps();
}

void AttentionPanel::rebuildStageBoxes(const QStringList& names, const QStringList& checked, bool enabled) {
  if (names != m_stageNames) {
    qDeleteAll(m_stageBoxes);
    m_stageBoxes.clear();
    for (const auto& name : names) {
      auto* box = new QCheckBox(name);
      box->setObjectName(name);
      box->setToolTip(tr("Show the attention of %1").arg(name));
      connect(box, &QCheckBox::toggled, this, &AttentionPanel::requestMaps);
      m_stagesLayout->addWidget(box);
      m_stageBoxes << box;
    }
    m_stageNames = names;
  }
  for (auto* box : m_stageBoxes) {
    const QSignalBlocker block(box);
    box->setChecked(checked.contains(box->objectName()));
    box->setEnabled(enabled);
    box->setVisible(enabled);
  }
}

void AttentionPanel::setStages(const QStringList& wanted) {
  for (auto* box : m_stageBoxes) {
    const QSignalBlocker block(box);
    box->setChecked(wanted.contains(box->objectName()));
  }
  requestMaps();
}

void AttentionPanel::setImages(const QList<qint64>& testIndices) {
  if (testIndices.isEmpty()) return;
  m_indices = testIndices.mid(0, kMaxImages);
  m_inputError.clear();
  {
    const QSignalBlocker block(m_count);
    m_count->setValue(int(m_indices.size()));
  }
  showImagesText();
  updateMessage();
  requestMaps();
}

void AttentionPanel::pickOtherImages() {
  ++m_draw;
  describeRun(true);
}

void AttentionPanel::onImagesEdited() {
  QList<qint64> indices;
  for (const auto& part : m_imagesEdit->text().split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qint64 i = part.toLongLong(&ok);
    if (!ok || i < 0) {
      m_inputError = tr("\"%1\" is not a test image number: type whole numbers from 0, separated by commas.").arg(part);
      updateMessage();
      return;
    }
    if (!indices.contains(i)) indices << i;
  }
  if (indices.isEmpty()) {
    showImagesText();
    return;
  }
  if (indices.size() > kMaxImages) {
    m_inputError = tr("At most %1 images at once: the first %1 are shown.").arg(kMaxImages);
  } else {
    m_inputError.clear();
  }
  updateMessage();
  if (indices.mid(0, kMaxImages) == m_indices) return;
  const QString keep = m_inputError;
  setImages(indices);
  m_inputError = keep;
  updateMessage();
}

void AttentionPanel::showImagesText() {
  const QSignalBlocker block(m_imagesEdit);
  m_imagesEdit->setText(indexText(m_indices));
}

void AttentionPanel::requestMaps() {
  if (run().isEmpty() || !m_described || waiting(QStringLiteral("describe"))) return;
  const QString tick = tr("Tick at least one stage.");
  const bool noStage = stages().isEmpty() && !classToken(m_backbone);
  if (noStage) m_inputError = tick;
  else if (m_inputError == tick) m_inputError.clear();
  updateMessage();
  requestSide(m_first, false);
  if (!m_second.dir.isEmpty() && placeholderFor(m_second.dir).isEmpty()) requestSide(m_second, true);
}

void AttentionPanel::requestSide(Side& side, bool second) {
  if (!m_described || m_indices.isEmpty()) return;
  const bool vit = classToken(m_backbone);
  if (stages().isEmpty() && !vit) return;
  if (deferWhileHidden()) return;
  const QString dir = side.dir;
  std::vector<std::int64_t> indices(m_indices.begin(), m_indices.end());
  const QStringList wanted = vit ? m_stageNames.mid(m_stageNames.size() - 1) : stages();
  const QStringList reference = m_stageNames;
  const QString dataset = second ? m_dataset : QString();
  // Gaps in the panel's background (transparent), captions in its text colour.
  pretext::SheetColours colours;
  colours.transparent = true;
  const QColor paper = palette().color(QPalette::Window), ink = palette().color(QPalette::WindowText);
  colours.paper[0] = std::uint8_t(paper.red()), colours.paper[1] = std::uint8_t(paper.green()), colours.paper[2] = std::uint8_t(paper.blue());
  colours.ink[0] = std::uint8_t(ink.red()), colours.ink[1] = std::uint8_t(ink.green()), colours.ink[2] = std::uint8_t(ink.blue());
  const QString ownFile = m_ownFile;
  const QImage ownPicture = m_ownPicture;
  request<Sheet>(
      side.channel,
      [dir, indices, wanted, reference, dataset, colours, ownFile, ownPicture](InspectContext& context) {
        auto& ev = context.evaluator(dir);
        if (!dataset.isEmpty() && datasetKey(ev.dataset()) != dataset) {
          throw std::runtime_error(QObject::tr("it was trained on %1, the first run on %2: they have different test "
                                               "images")
                                       .arg(datasetKey(ev.dataset()), dataset)
                                       .toStdString());
        }
        Sheet out;
        const auto own = ev.stages();
        const bool vit = pretext::backboneInfo(ev.backbone()).classToken;
        const auto use = vit ? std::vector<std::string>{own.back()} : stagesFor(own, wanted, reference);
        if (!ownFile.isEmpty() || !ownPicture.isNull()) {
          // The user's image first, converted for this run's dataset, then the test images.
          const auto& ds = ev.dataset();
          std::vector<pretext::Image> images{!ownFile.isEmpty() ? ev.readQueryImage(ownFile.toStdString())
                                                                : ev.conformToDataset(pretext::fromQImage(ownPicture))};
          std::vector<std::string> captions{"your image"};
          for (const auto i : indices) {
            if (i < 0 || i >= ds.size(pretext::Split::Test)) {
              throw std::invalid_argument("test image " + std::to_string(i) + " does not exist (the test split has " +
                                          std::to_string(ds.size(pretext::Split::Test)) + ")");
            }
            images.push_back(ds.image(pretext::Split::Test, i));
            const int label = ds.label(pretext::Split::Test, i);
            captions.push_back(label >= 0 && std::size_t(label) < ds.classNames().size() ? ds.classNames()[std::size_t(label)]
                                                                                        : "#" + std::to_string(i));
          }
          out.image = pretext::toQImage(ev.attentionMapsOf(images, captions, use, 2.0, 3, colours));
          for (const auto& c : captions) out.captions << QString::fromStdString(c);
        } else {
          out.image = pretext::toQImage(ev.attentionMaps(indices, use, 2.0, 3, colours));
          // The captions attentionMaps writes: the class name, or #index without a label.
          const auto& ds = ev.dataset();
          for (const auto i : indices) {
            const int label = i >= 0 && i < ds.size(pretext::Split::Test) ? ds.label(pretext::Split::Test, i) : -1;
            out.captions << (label >= 0 && std::size_t(label) < ds.classNames().size()
                                 ? QString::fromStdString(ds.classNames()[std::size_t(label)])
                                 : QStringLiteral("#%1").arg(i));
          }
        }
        out.columns = int(use.size()) + 1;
        if (vit) {
          out.stages << QStringLiteral("[CLS]");
        } else {
          for (const auto& s : use) out.stages << QString::fromStdString(s);
        }
        out.title = QStringLiteral("%1 · %2 · %3")
                        .arg(runFolderName(dir), methodTitle(ev.method()), QString::fromStdString(ev.backbone()));
        return out;
      },
      [this, &side](const Sheet& sheet) {
        (&side == &m_first ? m_leftError : m_rightError).clear();
        // The images' names in the window's language (the core's are English).
        QStringList shown;
        for (const QString& c : sheet.captions) {
          shown << (c == QLatin1String("your image") ? tr("your image") : i18n::catalogueText(i18n::kClasses, c));
        }
        QImage image = sheet.image;
        relabelImages(image, sheet.columns, sheet.captions, shown, palette().color(QPalette::Window),
                      palette().color(QPalette::WindowText), font());
        side.image = image;
        side.title = sheet.title;
        side.shownStages = sheet.stages;
        side.view->setImage(image);
        side.caption->setText(sheet.title);
        m_save->setEnabled(!m_first.image.isNull());
        updateMessage();
        emit mapsChanged();
      },
      [this, &side](const QString& error) {
        (&side == &m_first ? m_leftError : m_rightError) = tr("%1: %2").arg(runFolderName(side.dir), error);
        clearSide(side, error);
        updateMessage();
      });
}

void AttentionPanel::clearSide(Side& side, const QString& placeholder) {
  side.image = QImage();
  side.title.clear();
  side.shownStages.clear();
  drop(side.channel);
  side.view->clear();
  side.view->setPlaceholderText(placeholder);
  side.caption->setText(side.dir.isEmpty() ? tr("Attention maps") : runFolderName(side.dir));
  m_save->setEnabled(!m_first.image.isNull());
}

void AttentionPanel::updateMessage() {
  QStringList lines;
  for (const auto* text : {&m_inputError, &m_leftError, &m_rightError}) {
    if (!text->isEmpty()) lines << *text;
  }
  m_message->setText(lines.join(QLatin1Char('\n')));
  m_message->setVisible(!lines.isEmpty());
}

void AttentionPanel::showError(const QString& text) {
  m_inputError = text;
  updateMessage();
}

QImage AttentionPanel::exportImage() const {
  if (m_first.image.isNull()) return {};
  if (m_second.dir.isEmpty() || m_second.image.isNull()) return m_first.image;
  // The CLI's "views --against" layout, the captions drawn by Qt in the window's language.
  return captionedSideBySide(m_first.image, m_first.title, m_second.image, m_second.title, font());
}

bool AttentionPanel::savePng(const QString& path) {
  const QImage image = exportImage();
  if (image.isNull() || !image.save(path, "PNG")) {
    showError(image.isNull() ? tr("There are no attention maps to save yet.") : tr("Could not write %1.").arg(path));
    return false;
  }
  return true;
}

InspectionPanel::ExportFile AttentionPanel::exportFile() const {
  const QString name = m_second.image.isNull() ? QStringLiteral("attention.png")
                                               : QStringLiteral("attention-vs-%1.png").arg(runFolderName(m_second.dir));
  return {tr("Save the attention maps"), run().isEmpty() ? name : QDir(run()).filePath(name), tr("PNG images (*.png)")};
}

void AttentionPanel::chooseSecondRun() {
  const QString start = m_second.dir.isEmpty() ? (run().isEmpty() ? QString() : QFileInfo(run()).path())
                                               : m_second.dir;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with the run folder"), start);
  if (!dir.isEmpty()) setSecondRun(dir);
}

void AttentionPanel::showImageFile(const QString& path) {
  if (path.isEmpty()) return;
  m_ownFile = path;
  m_ownPicture = QImage();
  m_ownName = QFileInfo(path).fileName();
  m_removeOwn->show();
  requestMaps();
}

void AttentionPanel::showImageQuery(const QImage& picture, const QString& name) {
  if (picture.isNull()) {
    showError(tr("That is not an image Pretext can read."));
    return;
  }
  m_ownFile.clear();
  m_ownPicture = picture;
  m_ownName = name;
  m_removeOwn->show();
  requestMaps();
}

void AttentionPanel::clearOwnImage() {
  m_ownFile.clear();
  m_ownPicture = QImage();
  m_ownName.clear();
  m_removeOwn->hide();
  requestMaps();
}

void AttentionPanel::openImage() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open an image"), QString(),
                                                    tr("Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"));
  if (!path.isEmpty()) showImageFile(path);
}

void AttentionPanel::pasteImage() {
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  if (mime && mime->hasImage()) showImageQuery(qvariant_cast<QImage>(mime->imageData()), tr("pasted image"));
  else if (const QString file = localFileIn(mime); !file.isEmpty()) showImageFile(file);
  else showError(tr("The clipboard holds no image."));
}

void AttentionPanel::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasImage() || !localFileIn(mime).isEmpty()) event->acceptProposedAction();
}

void AttentionPanel::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (const QString file = localFileIn(mime); !file.isEmpty()) showImageFile(file);
  else if (mime->hasImage()) showImageQuery(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
  else return;
  event->acceptProposedAction();
}

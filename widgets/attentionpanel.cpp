#include "attentionpanel.h"

#include "panelcommon.h"

#include "pixelimageview.h"
#include "qtconvert.h"
#include "runinspector.h"

#include <pretext/evaluation.h>
#include <pretext/methods.h>

#include <QCheckBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <numeric>
#include <random>
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
};



QString datasetKey(const pretext::Dataset& ds) {
  return QStringLiteral("%1 (%2 test images of %3x%4)")
      .arg(QString::fromStdString(ds.name()))
      .arg(ds.hasSplit(pretext::Split::Test) ? ds.size(pretext::Split::Test) : 0)
      .arg(ds.width())
      .arg(ds.height());
}

// Test images spread over the classes: the Evaluator's own sample for draw 0, else a seeded
// shuffle taken round-robin over the classes, starting at another class each draw.
std::vector<std::int64_t> sampleImages(const pretext::Evaluator& ev, int count, int draw) {
  if (draw == 0) return ev.sampleTestImages(count);
  const auto& ds = ev.dataset();
  if (!ds.hasSplit(pretext::Split::Test)) throw std::invalid_argument(ds.name() + " has no test split");
  const std::int64_t n = ds.size(pretext::Split::Test);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t(0));
  std::mt19937_64 rng(static_cast<std::uint64_t>(draw));
  std::shuffle(order.begin(), order.end(), rng);
  const int classes = ds.numClasses();
  std::vector<std::int64_t> out;
  if (classes > 0) {
    std::vector<std::vector<std::int64_t>> perClass(static_cast<std::size_t>(classes));
    for (const auto i : order) {
      const int label = ds.label(pretext::Split::Test, i);
      if (label >= 0 && label < classes && int(perClass[std::size_t(label)].size()) < count) {
        perClass[std::size_t(label)].push_back(i);
      }
    }
    const int first = int((std::int64_t(draw) * count) % classes);
    for (std::size_t round = 0; int(out.size()) < count; ++round) {
      bool any = false;
      for (int c = 0; c < classes && int(out.size()) < count; ++c) {
        const auto& bucket = perClass[std::size_t((first + c) % classes)];
        if (round < bucket.size()) {
          out.push_back(bucket[round]);
          any = true;
        }
      }
      if (!any) break;
    }
  }
  for (std::size_t k = 0; int(out.size()) < count && k < order.size(); ++k) {  // unlabelled images
    if (std::find(out.begin(), out.end(), order[k]) == out.end()) out.push_back(order[k]);
  }
  return out;
}

// The stages to draw for a backbone: the wanted ones it has; the others at the same relative depth
// of its own stage list (conv3 of a ConvNet is layer2 of a ResNet-18).
std::vector<std::string> stagesFor(const std::vector<std::string>& own, const QStringList& wanted,
                                   const QStringList& reference) {
  std::vector<std::string> out;
  for (const auto& w : wanted) {
    std::string name = w.toStdString();
    if (std::find(own.begin(), own.end(), name) == own.end()) {
      const int index = std::max(0, int(reference.indexOf(w)));
      const int last = std::max(1, int(reference.size()) - 1);
      name = own[std::size_t(std::lround(double(index) * double(own.size() - 1) / last))];
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

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

AttentionPanel::AttentionPanel(RunInspector* inspector, QWidget* parent) : QWidget(parent), m_inspector(inspector) {
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
  m_busy = new QProgressBar;
  m_busy->setRange(0, 0);
  m_busy->setMaximumWidth(100);
  m_busy->setTextVisible(false);
  m_busy->setToolTip(tr("Computing attention maps"));
  m_busy->hide();
  connect(m_compareButton, &QPushButton::clicked, this, &AttentionPanel::chooseSecondRun);
  connect(m_clearSecond, &QPushButton::clicked, this, [this] { setSecondRun(QString()); });
  connect(m_save, &QPushButton::clicked, this, &AttentionPanel::saveAs);

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
  actionsRow->addStretch(1);
  actionsRow->addWidget(m_busy);
  actionsRow->addWidget(m_save);

  auto* explanation = new QLabel(
      tr("Bright means strong: the attention of a stage is the mean over its channels of the squared "
         "activations, scaled to each image's own range (ViT: how much the [CLS] token looks at each patch). "
         "Early stages light up on edges everywhere; deeper ones on the parts that tell the object apart."));
  explanation->setWordWrap(true);

  // One grid: the captions share a row, so the two sheets get the same room and scale.
  auto* views = new QGridLayout;
  int column = 0;
  for (Side* side : {&m_run, &m_second}) {
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
  clearSide(m_run, placeholderFor(QString()));
}

// Captions are a size larger than the panel's font, also after View > Large font changes it.
void AttentionPanel::updateTitleFonts() {
  QFont big = font();
  big.setBold(true);
  if (big.pointSizeF() > 0) big.setPointSizeF(big.pointSizeF() * 1.3);
  else big.setPixelSize(int(big.pixelSize() * 1.3));
  m_run.caption->setFont(big);
  m_second.caption->setFont(big);
}

void AttentionPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange && m_run.caption) updateTitleFonts();
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

bool AttentionPanel::busy() const { return m_describePending || m_run.pending || m_second.pending; }

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

void AttentionPanel::setRun(const QString& runDir) {
  if (runDir == m_run.dir && !runDir.isEmpty()) return;
  m_run.dir = runDir;
  m_described = false;
  m_leftError.clear();
  m_inputError.clear();
  ++m_describeGeneration;
  setPending(m_describePending, false);
  const QString why = placeholderFor(runDir);
  clearSide(m_run, why.isEmpty() ? tr("Computing the attention maps of %1…").arg(runFolderName(runDir)) : why);
  if (!m_second.dir.isEmpty()) {
    const QString secondWhy = placeholderFor(m_second.dir);
    clearSide(m_second, secondWhy.isEmpty() ? tr("Waiting for the first run…") : secondWhy);
  }
  updateMessage();
  if (why.isEmpty()) describeRun(false);
}

void AttentionPanel::setSecondRun(const QString& runDir) {
  m_second.dir = runDir;
  m_rightError.clear();
  m_second.caption->setVisible(!runDir.isEmpty());
  m_second.view->setVisible(!runDir.isEmpty());
  m_clearSecond->setVisible(!runDir.isEmpty());
  m_compareButton->setText(runDir.isEmpty() ? tr("Compare with…") : tr("Compare with another…"));
  if (runDir.isEmpty()) {
    clearSide(m_second, QString());
  } else {
    const QString why = placeholderFor(runDir);
    clearSide(m_second, !why.isEmpty() ? why
                        : m_described ? tr("Computing the attention maps of %1…").arg(runFolderName(runDir))
                                      : tr("Waiting for the first run…"));
    if (!why.isEmpty()) m_rightError = why;
    else requestSide(m_second, true);
  }
  updateMessage();
}

void AttentionPanel::checkpointWritten(const QString& runDir) {
  const QString dir = QDir::cleanPath(runDir);
  if (!m_run.dir.isEmpty() && dir == QDir::cleanPath(m_run.dir)) {
    if (!m_described) {  // its first checkpoint: read its stages and sample
      const QString why = placeholderFor(m_run.dir);
      clearSide(m_run, why.isEmpty() ? tr("Computing the attention maps of %1…").arg(runFolderName(m_run.dir)) : why);
      if (why.isEmpty()) describeRun(false);
    } else {
      requestSide(m_run, false);
    }
  }
  if (!m_second.dir.isEmpty() && dir == QDir::cleanPath(m_second.dir)) {
    setSecondRun(m_second.dir);
  }
}

void AttentionPanel::refresh() {
  if (m_run.dir.isEmpty()) return;
  if (!m_described || m_resample) describeRun(m_resample);
  else requestMaps();
}

void AttentionPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_dirty) {
    m_dirty = false;
    refresh();
  }
}

void AttentionPanel::describeRun(bool newSample) {
  if (m_run.dir.isEmpty() || !placeholderFor(m_run.dir).isEmpty()) return;
  if (!isVisible()) {
    m_dirty = true;
    m_resample = m_resample || newSample;  // the sample is drawn when the panel is shown
    return;
  }
  m_resample = false;
  const quint64 generation = ++m_describeGeneration;
  const QString dir = m_run.dir;
  const int count = m_count->value();
  const int draw = m_draw;
  setPending(m_describePending, true);
  m_inspector->submit<Facts>(
      this, QStringLiteral("attention-describe:%1").arg(quintptr(this), 0, 16),
      [dir, count, draw](InspectContext& context) {
        auto& ev = context.evaluator(dir);
        Facts f;
        f.backbone = QString::fromStdString(ev.backbone());
        for (const auto& s : ev.stages()) f.stages << QString::fromStdString(s);
        f.dataset = datasetKey(ev.dataset());
        for (const auto i : sampleImages(ev, count, draw)) f.sample << qint64(i);
        return f;
      },
      [this, generation, newSample](const Facts& facts) {
        if (generation != m_describeGeneration) return;
        m_describePending = false;
        onDescribed(facts, newSample);          // asks for the sheets: busy stays on
        setPending(m_describePending, false);
      },
      [this, generation](const QString& error) {
        if (generation != m_describeGeneration) return;
        setPending(m_describePending, false);
        m_leftError = tr("%1: %2").arg(runFolderName(m_run.dir), error);
        clearSide(m_run, error);
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
  const bool vit = facts.backbone == QLatin1String("vit");
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
  if (m_run.dir.isEmpty() || !m_described || m_describePending) return;
  const QString tick = tr("Tick at least one stage.");
  const bool noStage = stages().isEmpty() && m_backbone != QLatin1String("vit");
  if (noStage) m_inputError = tick;
  else if (m_inputError == tick) m_inputError.clear();
  updateMessage();
  requestSide(m_run, false);
  if (!m_second.dir.isEmpty() && placeholderFor(m_second.dir).isEmpty()) requestSide(m_second, true);
}

void AttentionPanel::requestSide(Side& side, bool second) {
  if (!m_described || m_indices.isEmpty()) return;
  const bool vit = m_backbone == QLatin1String("vit");
  if (stages().isEmpty() && !vit) return;
  if (!isVisible()) {
    m_dirty = true;
    return;
  }
  const QString key = QStringLiteral("attention-%1:%2").arg(second ? QStringLiteral("right") : QStringLiteral("left"))
                          .arg(quintptr(this), 0, 16);
  const quint64 generation = ++side.generation;
  const QString dir = side.dir;
  std::vector<std::int64_t> indices(m_indices.begin(), m_indices.end());
  const QStringList wanted = vit ? m_stageNames.mid(m_stageNames.size() - 1) : stages();
  const QStringList reference = m_stageNames;
  const QString dataset = second ? m_dataset : QString();
  setPending(side.pending, true);
  m_inspector->submit<Sheet>(
      this, key,
      [dir, indices, wanted, reference, dataset](InspectContext& context) {
        auto& ev = context.evaluator(dir);
        if (!dataset.isEmpty() && datasetKey(ev.dataset()) != dataset) {
          throw std::runtime_error(QObject::tr("it was trained on %1, the first run on %2: they have different test "
                                               "images")
                                       .arg(datasetKey(ev.dataset()), dataset)
                                       .toStdString());
        }
        Sheet out;
        const auto own = ev.stages();
        const bool vit = ev.backbone() == "vit";
        const auto use = vit ? std::vector<std::string>{own.back()} : stagesFor(own, wanted, reference);
        out.image = pretext::toQImage(ev.attentionMaps(indices, use));
        if (vit) {
          out.stages << QStringLiteral("[CLS]");
        } else {
          for (const auto& s : use) out.stages << QString::fromStdString(s);
        }
        out.title = QStringLiteral("%1 · %2 · %3")
                        .arg(runFolderName(dir), methodTitle(ev.method()), QString::fromStdString(ev.backbone()));
        return out;
      },
      [this, &side, generation](const Sheet& sheet) {
        if (generation != side.generation) return;
        setPending(side.pending, false);
        (&side == &m_run ? m_leftError : m_rightError).clear();
        side.image = sheet.image;
        side.title = sheet.title;
        side.shownStages = sheet.stages;
        side.view->setImage(sheet.image);
        side.caption->setText(sheet.title);
        m_save->setEnabled(!m_run.image.isNull());
        updateMessage();
        emit mapsChanged();
      },
      [this, &side, generation](const QString& error) {
        if (generation != side.generation) return;
        setPending(side.pending, false);
        (&side == &m_run ? m_leftError : m_rightError) = tr("%1: %2").arg(runFolderName(side.dir), error);
        clearSide(side, error);
        updateMessage();
      });
}

void AttentionPanel::clearSide(Side& side, const QString& placeholder) {
  side.image = QImage();
  side.title.clear();
  side.shownStages.clear();
  ++side.generation;
  setPending(side.pending, false);
  side.view->clear();
  side.view->setPlaceholderText(placeholder);
  side.caption->setText(side.dir.isEmpty() ? tr("Attention maps") : runFolderName(side.dir));
  m_save->setEnabled(!m_run.image.isNull());
}

void AttentionPanel::setPending(bool& flag, bool pending) {
  flag = pending;
  const bool now = busy();
  m_busy->setVisible(now);
  if (now != m_lastBusy) {
    m_lastBusy = now;
    emit busyChanged(now);
  }
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
  if (m_run.image.isNull()) return {};
  if (m_second.dir.isEmpty() || m_second.image.isNull()) return m_run.image;
  // The core's side-by-side sheet, as the CLI's "views --against" draws it (ASCII captions).
  auto ascii = [](const QString& text) { return QString(text).replace(QStringLiteral(" · "), QStringLiteral(" - ")).toLatin1().toStdString(); };
  return pretext::toQImage(pretext::sideBySide(pretext::fromQImage(m_run.image), ascii(m_run.title),
                                               pretext::fromQImage(m_second.image), ascii(m_second.title)));
}

bool AttentionPanel::savePng(const QString& path) {
  const QImage image = exportImage();
  if (image.isNull() || !image.save(path, "PNG")) {
    showError(image.isNull() ? tr("There are no attention maps to save yet.") : tr("Could not write %1.").arg(path));
    return false;
  }
  return true;
}

void AttentionPanel::saveAs() {
  const QString name = m_second.image.isNull() ? QStringLiteral("attention.png")
                                               : QStringLiteral("attention-vs-%1.png").arg(runFolderName(m_second.dir));
  const QString suggested = m_run.dir.isEmpty() ? name : QDir(m_run.dir).filePath(name);
  const QString path = QFileDialog::getSaveFileName(this, tr("Save the attention maps"), suggested,
                                                    tr("PNG images (*.png)"));
  if (!path.isEmpty()) savePng(path);
}

void AttentionPanel::chooseSecondRun() {
  const QString start = m_second.dir.isEmpty() ? (m_run.dir.isEmpty() ? QString() : QFileInfo(m_run.dir).path())
                                               : m_second.dir;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with the run folder"), start);
  if (!dir.isEmpty()) setSecondRun(dir);
}

#include "presetspanel.h"

#include "translation.h"

#include <pretext/methods.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

PresetsPanel::PresetsPanel(QList<ExperimentPreset> presets, QWidget* parent)
    : QWidget(parent), m_presets(presets.isEmpty() ? builtInPresets() : std::move(presets)) {
  m_list = new QListWidget;
  for (const auto& p : m_presets) m_list->addItem(i18n::catalogueText(i18n::kPresets, p.title));
  m_list->setMaximumWidth(m_list->fontMetrics().averageCharWidth() * 36);
  m_description = new QLabel;
  m_description->setWordWrap(true);
  m_description->setTextFormat(Qt::RichText);
  m_description->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_run = new QPushButton(tr("Run this experiment"));
  m_run->setToolTip(tr("Loads the dataset if needed and trains the runs one after another in the Training panel"));
  connect(m_list, &QListWidget::currentRowChanged, this, &PresetsPanel::showPreset);
  connect(m_run, &QPushButton::clicked, this, [this] {
    const int row = m_list->currentRow();
    if (row >= 0 && row < m_presets.size()) emit runRequested(m_presets[row]);
  });

  auto* right = new QVBoxLayout;
  right->addWidget(m_description, 1);
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(m_run);
  right->addLayout(buttons);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(m_list);
  layout->addLayout(right, 1);
  if (!m_presets.isEmpty()) m_list->setCurrentRow(0);
  else m_description->setText(tr("No experiment presets were found."));
}

int PresetsPanel::addExperiment(const ExperimentPreset& preset) {
  int row = 0;
  while (row < m_presets.size() && m_presets[row].title != preset.title) ++row;
  if (row < m_presets.size()) {
    m_presets[row] = preset;
  } else {
    m_presets.push_back(preset);
    m_list->addItem(i18n::catalogueText(i18n::kPresets, preset.title));
  }
  if (m_list->currentRow() == row) showPreset(row);
  else m_list->setCurrentRow(row);
  return row;
}

void PresetsPanel::setTrainingRunning(bool running) {
  m_training = running;
  m_run->setEnabled(!running && m_list->currentRow() >= 0);
}

void PresetsPanel::showPreset(int row) {
  m_run->setEnabled(!m_training && row >= 0);
  if (row < 0 || row >= m_presets.size()) return;
  const auto& p = m_presets[row];
  QString runs;
  for (const auto& run : p.runs) {
    const auto& info = pretext::methodInfo(run.value(QStringLiteral("method")).toString().toStdString());
    QStringList details;
    if (run.contains(QStringLiteral("epochs"))) details << tr("%1 epochs").arg(run.value(QStringLiteral("epochs")).toInt());
    if (run.contains(QStringLiteral("subset"))) details << tr("%L1 images").arg(run.value(QStringLiteral("subset")).toLongLong());
    if (run.contains(QStringLiteral("augment"))) {
      const QVariant augment = run.value(QStringLiteral("augment"));
      details << tr("augmentation: %1").arg(augment.typeId() == QMetaType::QVariantMap ? tr("custom") : augment.toString());
    }
    if (run.contains(QStringLiteral("first_kernel"))) {
      const int k = run.value(QStringLiteral("first_kernel")).toInt();
      details << tr("first layer %1×%2").arg(k).arg(k);
    }
    if (run.contains(QStringLiteral("knn_stage")))
      details << tr("k-NN on %1").arg(run.value(QStringLiteral("knn_stage")).toString());
    runs += QStringLiteral("<li><b>%1</b> — %2%3</li>")
                .arg(i18n::catalogueText(i18n::kPresets, run.value(QStringLiteral("label"), QString::fromStdString(info.title)).toString())
                         .toHtmlEscaped(),
                     i18n::catalogueText(i18n::kMethods, info.title).toHtmlEscaped(),
                     details.isEmpty() ? QString() : tr(" (%1)").arg(details.join(tr(", "))));
  }
  m_description->setText(QStringLiteral("<h2>%1</h2><p>%2</p><p><b>%3</b> %4</p><ol>%5</ol>")
                             .arg(i18n::catalogueText(i18n::kPresets, p.title).toHtmlEscaped(),
                                  i18n::catalogueText(i18n::kPresets, p.description).toHtmlEscaped(), tr("Dataset:"),
                                  p.dataset.toHtmlEscaped(), runs));
}

#include "datasetpanel.h"

#include "datasetloader.h"
#include "histogramchart.h"
#include "imagegridwidget.h"
#include "qtconvert.h"

#include "translation.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDataStream>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

namespace {

QString kindLabel(const std::string& kind) {
  if (kind == "fashion-mnist") return QStringLiteral("Fashion-MNIST");
  if (kind == "mnist") return QStringLiteral("MNIST");
  if (kind == "cifar10") return QStringLiteral("CIFAR-10");
  if (kind == "cifar100") return QStringLiteral("CIFAR-100");
  if (kind == "stl10") return QStringLiteral("STL-10");
  if (kind == "folder") return DatasetPanel::tr("Image folder");
  if (kind == "shapes") return DatasetPanel::tr("Synthetic shapes");
  if (kind == "prepared") return DatasetPanel::tr("Prepared dataset");
  return QString::fromStdString(kind);
}

// The same dataset whether named by kind alone or by its default folder.
QString specKey(const pretext::DatasetSpec& spec) {
  std::string path = spec.path;
  if (path.empty() && spec.kind == "fashion-mnist") path = pretext::defaultFashionMnistPath();
  QString p = QString::fromStdString(path);
  if (!p.isEmpty()) {
    const QString canonical = QFileInfo(p).canonicalFilePath();
    p = canonical.isEmpty() ? QDir::cleanPath(p) : canonical;
  }
  return QString::fromStdString(spec.kind) + QLatin1Char(':') + p;
}

const pretext::Split kSplits[] = {pretext::Split::Train, pretext::Split::Test, pretext::Split::Unlabeled};

// "1:05" or "1:02:03".
QString clockText(qint64 seconds) {
  const QLatin1Char zero('0');
  if (seconds >= 3600) {
    return QStringLiteral("%1:%2:%3").arg(seconds / 3600).arg(seconds / 60 % 60, 2, 10, zero).arg(seconds % 60, 2, 10, zero);
  }
  return QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, zero);
}

}  // namespace

DatasetPanel::DatasetPanel(QWidget* parent) : QWidget(parent) {
  qRegisterMetaType<pretext::Dataset>();
  m_lastDir = QDir::homePath();
  if (QFileInfo::exists(QStringLiteral("/usr/share/datasets"))) m_lastDir = QStringLiteral("/usr/share/datasets");

  buildUi();
  fillDatasetCombo();

  m_loader = new DatasetLoader;
  m_loader->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_loader, &QObject::deleteLater);
  connect(m_loader, &DatasetLoader::loaded, this, &DatasetPanel::onLoaded);
  connect(m_loader, &DatasetLoader::failed, this, &DatasetPanel::onFailed);
  m_thread.setObjectName(QStringLiteral("DatasetLoader"));
  m_thread.start();
}

DatasetPanel::~DatasetPanel() {
  if (m_prepareThread) {
    // Cancelled, the prepare leaves only OUT.partial (no manifest, so it never loads) with its record
    // of the images done, which the same prepare continues; waited for, so nothing is mid-write.
    cancelPrepare();
    m_prepareThread->wait();
    delete m_prepareThread;
  }
  m_loader->supersede(~quint64(0));  // skip queued requests; a running one finishes first
  m_thread.quit();
  m_thread.wait();
}

pretext::DatasetSpec DatasetPanel::defaultSpec() {
  for (const auto& entry : pretext::findDatasets()) {
    if (entry.kind == "fashion-mnist" && entry.available) {
      pretext::DatasetSpec spec;
      spec.kind = entry.kind;
      spec.path = entry.path;
      return spec;
    }
  }
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  return spec;
}

void DatasetPanel::buildUi() {
  m_datasetCombo = new QComboBox;
  m_datasetCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_datasetCombo->setMinimumContentsLength(20);
  m_datasetCombo->setToolTip(tr("Datasets found on this computer"));
  m_datasetCombo->setPlaceholderText(tr("Choose a dataset"));
  connect(m_datasetCombo, &QComboBox::activated, this, &DatasetPanel::onDatasetActivated);

  m_openFolderAction = new QAction(tr("Open dataset folder…"), this);
  m_openFolderAction->setToolTip(tr("Open a dataset folder: IDX, CIFAR or STL-10 binaries, or class sub-folders of images"));
  connect(m_openFolderAction, &QAction::triggered, this, &DatasetPanel::openFolderDialog);
  m_openFileAction = new QAction(tr("Open dataset file…"), this);
  m_openFileAction->setToolTip(tr("Open one file of a dataset (e.g. train-images-idx3-ubyte.gz); its folder is read"));
  connect(m_openFileAction, &QAction::triggered, this, &DatasetPanel::openFileDialog);

  m_prepareAction = new QAction(tr("Prepare a folder…"), this);
  m_prepareAction->setToolTip(tr("Pack a folder of images once into a prepared dataset (memory-mapped arrays), "
                                 "decoding on every core; unreadable files are skipped and listed"));
  connect(m_prepareAction, &QAction::triggered, this, &DatasetPanel::prepareFolderDialog);

  m_openButton = new QToolButton;
  m_openButton->setText(tr("Open…"));
  m_openButton->setToolTip(m_openFolderAction->toolTip());
  m_openButton->setPopupMode(QToolButton::MenuButtonPopup);
  auto* openMenu = new QMenu(m_openButton);
  openMenu->addAction(m_openFolderAction);
  openMenu->addAction(m_openFileAction);
  openMenu->addSeparator();
  openMenu->addAction(m_prepareAction);
  m_openButton->setMenu(openMenu);
  connect(m_openButton, &QToolButton::clicked, this, &DatasetPanel::openFolderDialog);

  m_splitCombo = new QComboBox;
  for (pretext::Split split : kSplits) {
    m_splitCombo->addItem(i18n::catalogueText(i18n::kDatasets, std::string(pretext::splitName(split))), int(split));
  }
  connect(m_splitCombo, &QComboBox::activated, this, &DatasetPanel::onSplitActivated);

  m_countSpin = new QSpinBox;
  m_countSpin->setRange(1, 1000);
  m_countSpin->setValue(m_sampleCount);
  m_countSpin->setToolTip(tr("Number of sample images in the grid"));
  connect(m_countSpin, &QSpinBox::valueChanged, this, &DatasetPanel::setSampleCount);

  m_zoomSlider = new QSlider(Qt::Horizontal);
  m_zoomSlider->setRange(50, 300);
  m_zoomSlider->setValue(100);
  m_zoomSlider->setMaximumWidth(140);
  m_zoomSlider->setToolTip(tr("Tile size (Ctrl+wheel over the grid)"));
  connect(m_zoomSlider, &QSlider::valueChanged, this, &DatasetPanel::updateTileSize);

  m_busyBar = new QProgressBar;
  m_busyBar->setRange(0, 0);
  m_busyBar->setMaximumWidth(120);
  m_busyBar->setTextVisible(false);
  m_busyBar->hide();
  m_busyLabel = new QLabel;
  m_busyLabel->hide();

  auto* datasetLabel = new QLabel(tr("&Dataset:"));
  datasetLabel->setBuddy(m_datasetCombo);
  auto* splitLabel = new QLabel(tr("S&plit:"));
  splitLabel->setBuddy(m_splitCombo);
  auto* countLabel = new QLabel(tr("&Show:"));
  countLabel->setBuddy(m_countSpin);
  auto* zoomLabel = new QLabel(tr("&Zoom:"));
  zoomLabel->setBuddy(m_zoomSlider);

  auto* bar = new QHBoxLayout;
  bar->addWidget(datasetLabel);
  bar->addWidget(m_datasetCombo, 1);
  bar->addWidget(m_openButton);
  bar->addSpacing(12);
  bar->addWidget(splitLabel);
  bar->addWidget(m_splitCombo);
  bar->addSpacing(12);
  bar->addWidget(countLabel);
  bar->addWidget(m_countSpin);
  bar->addSpacing(12);
  bar->addWidget(zoomLabel);
  bar->addWidget(m_zoomSlider);
  bar->addSpacing(12);
  bar->addWidget(m_busyBar);
  bar->addWidget(m_busyLabel);

  // The running prepare: the images done, the rate and time left, and Cancel; then its outcome
  // and the files it skipped, until closed.
  m_prepareFrame = new QFrame;
  m_prepareFrame->setObjectName(QStringLiteral("preparePanel"));
  m_prepareFrame->setFrameShape(QFrame::StyledPanel);
  m_prepareName = new QLabel;
  m_prepareName->setStyleSheet(QStringLiteral("font-weight: bold"));
  m_prepareBar = new QProgressBar;
  m_prepareBar->setMinimumWidth(200);
  m_prepareLabel = new QLabel;
  m_prepareLabel->setWordWrap(true);
  m_prepareLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_prepareCancelButton = new QPushButton(tr("Cancel"));
  m_prepareCancelButton->setToolTip(tr("Stop preparing; the partly written dataset is removed"));
  connect(m_prepareCancelButton, &QPushButton::clicked, this, &DatasetPanel::cancelPrepare);
  m_prepareClose = new QToolButton;
  m_prepareClose->setText(QStringLiteral("✕"));
  m_prepareClose->setAutoRaise(true);
  m_prepareClose->setToolTip(tr("Hide this message"));
  connect(m_prepareClose, &QToolButton::clicked, m_prepareFrame, &QWidget::hide);
  m_prepareList = new QPlainTextEdit;
  m_prepareList->setReadOnly(true);
  m_prepareList->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_prepareList->hide();
  auto* prepareRow = new QHBoxLayout;
  prepareRow->addWidget(m_prepareName);
  prepareRow->addWidget(m_prepareBar, 1);
  prepareRow->addWidget(m_prepareLabel, 2);
  prepareRow->addWidget(m_prepareCancelButton, 0, Qt::AlignTop);
  prepareRow->addWidget(m_prepareClose, 0, Qt::AlignTop);
  auto* prepareLayout = new QVBoxLayout(m_prepareFrame);
  prepareLayout->setContentsMargins(8, 6, 4, 6);
  prepareLayout->addLayout(prepareRow);
  prepareLayout->addWidget(m_prepareList);
  m_prepareFrame->hide();

  m_errorFrame = new QFrame;
  m_errorFrame->setObjectName(QStringLiteral("datasetError"));
  // Translucent red reads on light and dark themes alike.
  m_errorFrame->setStyleSheet(QStringLiteral(
      "#datasetError { background: rgba(211, 47, 47, 40); border: 1px solid #d32f2f; border-radius: 4px; }"));
  m_errorLabel = new QLabel;
  m_errorLabel->setWordWrap(true);
  m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* closeError = new QToolButton;
  closeError->setText(QStringLiteral("✕"));
  closeError->setAutoRaise(true);
  closeError->setToolTip(tr("Hide this message"));
  connect(closeError, &QToolButton::clicked, this, &DatasetPanel::hideError);
  auto* errorLayout = new QHBoxLayout(m_errorFrame);
  errorLayout->setContentsMargins(10, 6, 4, 6);
  errorLayout->addWidget(m_errorLabel, 1);
  errorLayout->addWidget(closeError, 0, Qt::AlignTop);
  m_errorFrame->hide();

  m_grid = new ImageGridWidget;
  m_grid->setPlaceholderText(tr("Loading…"));
  auto* samplesBox = new QGroupBox(tr("Samples"));
  auto* samplesLayout = new QVBoxLayout(samplesBox);
  samplesLayout->addWidget(m_grid);

  m_summary = new QLabel;
  m_summary->setTextFormat(Qt::RichText);
  m_summary->setWordWrap(true);
  m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* summaryBox = new QGroupBox(tr("Summary"));
  auto* summaryLayout = new QVBoxLayout(summaryBox);
  summaryLayout->addWidget(m_summary);

  m_chart = new HistogramChart;
  auto* chartBox = new QGroupBox(tr("Class histogram"));
  auto* chartLayout = new QVBoxLayout(chartBox);
  chartLayout->addWidget(m_chart);

  auto* side = new QWidget;
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->setContentsMargins(0, 0, 0, 0);
  sideLayout->addWidget(summaryBox);
  sideLayout->addWidget(chartBox, 1);

  m_splitter = new QSplitter(Qt::Horizontal);
  m_splitter->addWidget(samplesBox);
  m_splitter->addWidget(side);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  m_splitter->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(m_prepareFrame);
  layout->addWidget(m_errorFrame);
  layout->addWidget(m_splitter, 1);
}

void DatasetPanel::fillDatasetCombo() {
  m_specs.clear();
  m_datasetCombo->clear();
  auto* model = qobject_cast<QStandardItemModel*>(m_datasetCombo->model());
  for (const auto& entry : pretext::findDatasets()) {
    pretext::DatasetSpec spec;
    spec.kind = entry.kind;
    spec.path = entry.path;
    QString text = kindLabel(entry.kind);
    if (!entry.available) text += tr(" (not installed)");
    else if (!entry.path.empty()) text += QStringLiteral(" — ") + QString::fromStdString(entry.path);
    m_datasetCombo->addItem(text);
    const int row = m_datasetCombo->count() - 1;
    m_datasetCombo->setItemData(row, i18n::catalogueText(i18n::kDatasets, entry.description), Qt::ToolTipRole);
    if (!entry.available && model) model->item(row)->setEnabled(false);
    m_specs.push_back(spec);
  }
}

int DatasetPanel::comboIndexFor(const pretext::DatasetSpec& spec) const {
  const QString key = specKey(spec);
  for (std::size_t i = 0; i < m_specs.size(); ++i) {
    if (specKey(m_specs[i]) == key) return int(i);
  }
  return -1;
}

void DatasetPanel::selectComboFor(const pretext::DatasetSpec& spec) {
  const QSignalBlocker block(m_datasetCombo);
  int index = comboIndexFor(spec);
  if (index < 0) {
    QString text = kindLabel(spec.kind);
    if (!spec.path.empty()) text += QStringLiteral(" — ") + QString::fromStdString(spec.path);
    m_datasetCombo->addItem(text);
    index = m_datasetCombo->count() - 1;
    m_datasetCombo->setItemData(index, QString::fromStdString(spec.toString()), Qt::ToolTipRole);
    m_specs.push_back(spec);
  } else {
    m_specs[std::size_t(index)] = spec;  // keep the exact options (e.g. shapes' size)
  }
  m_datasetCombo->setCurrentIndex(index);
}

QString DatasetPanel::describe(const pretext::DatasetSpec& spec) const {
  QString text = kindLabel(spec.kind);
  if (!spec.path.empty()) text += QStringLiteral(" (") + QString::fromStdString(spec.path) + QLatin1Char(')');
  return text;
}

void DatasetPanel::loadDataset(const pretext::DatasetSpec& spec) {
  const quint64 request = ++m_lastRequest;
  m_pending = request;
  m_pendingSpec = spec;
  m_loader->supersede(request);
  QMetaObject::invokeMethod(m_loader, [loader = m_loader, request, spec] { loader->load(request, spec); },
                            Qt::QueuedConnection);
  const QString what = tr("Loading %1…").arg(describe(spec));
  setBusy(what);
  if (!m_dataset.valid()) m_grid->setPlaceholderText(what);
  emit loadingStarted(what);
  emit statusMessage(what);
}

bool DatasetPanel::loadText(const QString& text) {
  try {
    loadDataset(pretext::DatasetSpec::parse(text.toStdString()));
    return true;
  } catch (const std::exception& e) {
    const QString message = tr("Could not open “%1”: %2").arg(text, QString::fromStdString(e.what()));
    showError(message);
    emit loadFailed(message);
    return false;
  }
}

void DatasetPanel::openFolderDialog() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open dataset folder"), m_lastDir);
  if (dir.isEmpty()) return;
  m_lastDir = dir;
  loadText(dir);
}

void DatasetPanel::openFileDialog() {
  const QString file = QFileDialog::getOpenFileName(
      this, tr("Open dataset file"), m_lastDir,
      tr("Dataset files (*-ubyte *-ubyte.gz *.bin *.png *.jpg *.jpeg manifest.json);;All files (*)"));
  if (file.isEmpty()) return;
  m_lastDir = QFileInfo(file).absolutePath();
  loadText(file);
}

void DatasetPanel::prepareFolderDialog() {
  if (isPreparing()) {
    emit statusMessage(tr("A folder is being prepared already"));
    return;
  }
  QDialog dialog(this);
  dialog.setObjectName(QStringLiteral("prepareDialog"));
  dialog.setWindowTitle(tr("Prepare a folder of images"));
  auto* source = new QLineEdit;
  source->setObjectName(QStringLiteral("prepareSource"));
  source->setPlaceholderText(tr("class sub-folders (and train/, test/), images at any depth, or CIFAR, STL-10 or MNIST files"));
  auto* browseSource = new QPushButton(tr("Browse…"));
  // What the folder holds, said as it is chosen: a dataset's own files (CIFAR, STL-10, IDX; also in
  // the folder its archive extracts to) are packed as that dataset, the core's own detection.
  auto* found = new QLabel;
  found->setObjectName(QStringLiteral("prepareFound"));
  found->setWordWrap(true);
  found->setTextInteractionFlags(Qt::TextSelectableByMouse);
  found->hide();
  auto* size = new QSpinBox;
  size->setObjectName(QStringLiteral("prepareSize"));
  size->setRange(8, 1024);
  size->setValue(64);
  size->setSuffix(tr(" px"));
  auto* resize = new QComboBox;
  resize->setObjectName(QStringLiteral("prepareResize"));
  resize->addItem(tr("Crop: shorter side to the size, then the centre"), QStringLiteral("crop"));
  resize->addItem(tr("Squash: both sides to the size"), QStringLiteral("squash"));
  auto* unlabelled = new QCheckBox(tr("Unlabelled: sub-folders are only nesting, not classes"));
  unlabelled->setObjectName(QStringLiteral("prepareUnlabelled"));
  auto* testPercent = new QSpinBox;
  testPercent->setObjectName(QStringLiteral("prepareTestPercent"));
  testPercent->setRange(0, 90);
  testPercent->setSuffix(QStringLiteral(" %"));
  testPercent->setSpecialValueText(tr("none (or the folder's test/ or val/)"));
  testPercent->setToolTip(tr("A labelled folder without a test/ folder: this share of its images, drawn at random, "
                             "becomes the test split"));
  // The CLI's --strict, --threads and --max-pixels.
  auto* strict = new QCheckBox(tr("Strict: stop at the first unreadable file instead of skipping it"));
  strict->setObjectName(QStringLiteral("prepareStrict"));
  auto* threads = new QSpinBox;
  threads->setObjectName(QStringLiteral("prepareThreads"));
  threads->setRange(0, 1024);
  threads->setValue(0);
  threads->setSpecialValueText(tr("every core (%1)").arg(QThread::idealThreadCount()));
  threads->setToolTip(tr("Threads that decode and resize the images"));
  auto* maxPixels = new QDoubleSpinBox;
  maxPixels->setObjectName(QStringLiteral("prepareMaxPixels"));
  maxPixels->setDecimals(1);
  maxPixels->setRange(0.1, 10000.0);
  maxPixels->setValue(double(pretext::PrepareOptions().maxPixels) / 1e6);
  maxPixels->setSuffix(tr(" megapixels"));
  maxPixels->setToolTip(tr("A file whose header promises more pixels than this is skipped as unreadable (its decoded "
                           "image would take about 3 bytes a pixel), before any memory is taken for it"));
  auto* out = new QLineEdit;
  out->setObjectName(QStringLiteral("prepareOut"));
  auto* browseOut = new QPushButton(tr("Browse…"));
  // A dataset's files found: packed at their own size (nativeSize) unless the size is changed; the
  // options for decoding image files do not apply.
  pretext::PrepareSource inspected;
  QString inspectedText;
  int nativeSize = 0;
  const auto isDatasetKind = [](const pretext::PrepareSource& s) {
    return !s.kind.empty() && s.kind != "folder" && s.kind != "prepared" && s.kind != "shapes";
  };
  auto inspect = [&, isDatasetKind] {
    const QString text = source->text().trimmed();
    if (text == inspectedText) return;
    inspectedText = text;
    const QString before = QString::fromStdString(inspected.kind + ':' + inspected.path);
    inspected = text.isEmpty() ? pretext::PrepareSource{} : pretext::inspectPrepareSource(text.toStdString());
    const bool dataset = isDatasetKind(inspected);
    for (QWidget* w : std::initializer_list<QWidget*>{unlabelled, strict, maxPixels}) w->setEnabled(!dataset);
    found->setStyleSheet(QString());
    if (dataset && !inspected.error.empty()) {
      found->setStyleSheet(QStringLiteral("color: #c62828"));
      found->setText(tr("%1 files found, but they cannot be read: %2")
                         .arg(kindLabel(inspected.kind), QString::fromStdString(inspected.error)));
    } else if (dataset) {
      const QString name = QString::fromStdString(inspected.name);
      const QString files = inspected.kind == "mnist" || inspected.kind == "fashion-mnist" ? tr("%1 IDX files").arg(name)
                                                                                            : tr("%1 binary files").arg(name);
      const QString folder = QDir::cleanPath(QString::fromStdString(inspected.path));
      const QString what = folder == QDir::cleanPath(text) ? tr("%1 found").arg(files)
                                                           : tr("%1 found in %2").arg(files, QFileInfo(folder).fileName());
      found->setText(tr("%1: %2 images, packed as %3 with its own splits and labels, at %4 × %4 pixels unless you "
                        "change the image size.")
                         .arg(what, QLocale().toString(qlonglong(inspected.images)), name, QString::number(inspected.height)));
      if (QString::fromStdString(inspected.kind + ':' + inspected.path) != before) {
        nativeSize = inspected.height;
        size->setValue(std::clamp(nativeSize, size->minimum(), size->maximum()));
      }
    } else if (inspected.kind == "prepared") {
      found->setText(tr("This folder is a prepared dataset already: it can be opened as it is."));
    } else {
      found->clear();
    }
    if (!dataset) nativeSize = 0;
    found->setVisible(!found->text().isEmpty());
    // As tall as its wrapped lines at the width of the row above, and the dialog taller for it.
    if (found->isVisible() && source->isVisible()) {
      found->setFixedHeight(found->heightForWidth(browseSource->geometry().right() - source->geometry().left()));
      if (QLayout* l = dialog.layout()) l->activate();
      if (dialog.sizeHint().height() > dialog.height()) dialog.resize(dialog.width(), dialog.sizeHint().height());
    }
  };
  connect(source, &QLineEdit::textChanged, &dialog, inspect);
  // The default place is one that the dataset list searches.
  const QString library = QDir::homePath() + QStringLiteral("/.local/share/pretext/datasets");
  bool outEdited = false;
  auto suggest = [=, &outEdited, &inspected] {
    if (outEdited) return;
    // A dataset's files by their kind (the folder holding them may have any name).
    const QString name = isDatasetKind(inspected) ? QString::fromStdString(inspected.kind)
                                                  : QFileInfo(QDir::cleanPath(source->text())).fileName();
    const QSignalBlocker block(out);
    out->setText(name.isEmpty() ? QString() : library + QLatin1Char('/') + name + QLatin1Char('-') + QString::number(size->value()));
  };
  connect(source, &QLineEdit::textChanged, &dialog, suggest);
  connect(size, &QSpinBox::valueChanged, &dialog, suggest);
  connect(out, &QLineEdit::textEdited, &dialog, [&outEdited] { outEdited = true; });
  connect(browseSource, &QPushButton::clicked, &dialog, [&] {
    const QString dir = QFileDialog::getExistingDirectory(&dialog, tr("Folder of images to prepare"), m_lastDir);
    if (!dir.isEmpty()) source->setText(dir);
  });
  connect(browseOut, &QPushButton::clicked, &dialog, [&] {
    // A folder to save in: the dataset goes into it under the name suggested (or typed).
    const QString dir = QFileDialog::getExistingDirectory(&dialog, tr("Folder to save the prepared dataset in"),
                                                          QFileInfo(out->text()).absolutePath());
    if (dir.isEmpty()) return;
    const QString name = QFileInfo(QDir::cleanPath(out->text())).fileName();
    outEdited = true;
    out->setText(name.isEmpty() ? dir : QDir(dir).filePath(name));
  });
  auto row = [](QWidget* edit, QWidget* button) {
    auto* layout = new QHBoxLayout;
    layout->addWidget(edit, 1);
    layout->addWidget(button);
    return layout;
  };
  auto* form = new QFormLayout;
  // A row that is a layout gets no buddy from QFormLayout: made here, so that the & works.
  auto* sourceLabel = new QLabel(tr("&Folder:"));
  sourceLabel->setBuddy(source);
  auto* outLabel = new QLabel(tr("Save &as:"));
  outLabel->setBuddy(out);
  form->addRow(sourceLabel, row(source, browseSource));
  form->addRow(QString(), found);
  form->addRow(tr("Image &size:"), size);
  form->addRow(tr("&Resize:"), resize);
  form->addRow(QString(), unlabelled);
  form->addRow(tr("&Test split:"), testPercent);
  form->addRow(QString(), strict);
  form->addRow(tr("T&hreads:"), threads);
  form->addRow(tr("Largest &image:"), maxPixels);
  form->addRow(outLabel, row(out, browseOut));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Prepare"));
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    // Said here, with the dialog still open; the rest (an unreadable folder...) after it runs.
    QString why;
    const QString target = QDir::cleanPath(out->text().trimmed());
    if (source->text().trimmed().isEmpty()) {
      why = tr("Choose the folder of images to prepare.");
    } else if (out->text().trimmed().isEmpty()) {
      why = tr("Choose where to save the prepared dataset.");
    } else if (QFileInfo(target).exists() && !pretext::isPreparedDataset(target.toStdString()) &&
               !(QFileInfo(target).isDir() && QDir(target).isEmpty())) {
      why = tr("%1 exists and is not a prepared dataset; choose another place to save.").arg(target);
    }
    if (!why.isEmpty()) {
      QMessageBox::warning(&dialog, dialog.windowTitle(), why);
      return;
    }
    if (pretext::isPreparedDataset(target.toStdString()) &&
        QMessageBox::question(&dialog, dialog.windowTitle(),
                              tr("%1 holds a prepared dataset already. Replace it?").arg(target)) != QMessageBox::Yes) {
      return;
    }
    dialog.accept();
  });
  auto* layout = new QVBoxLayout(&dialog);
  layout->addLayout(form);
  layout->addWidget(buttons);
  dialog.resize(std::max(640, dialog.sizeHint().width()), dialog.sizeHint().height());
  if (dialog.exec() != QDialog::Accepted) return;

  inspect();  // a text set without a change signal seen: the options below follow what it holds
  m_lastDir = source->text().trimmed();
  pretext::PrepareOptions options;
  options.source = source->text().trimmed().toStdString();
  options.out = QDir::cleanPath(out->text().trimmed()).toStdString();
  options.imageSize = size->value();
  options.resizeDataset = nativeSize > 0 && size->value() != nativeSize;  // the CLI's --image-size with a dataset
  options.resize = resize->currentData().toString().toStdString();
  options.unlabelled = unlabelled->isChecked();
  options.testFraction = testPercent->value() / 100.0;
  options.strict = strict->isChecked();
  options.threads = threads->value();
  options.maxPixels = std::int64_t(std::llround(maxPixels->value() * 1e6));
  startPrepare(options);
}

bool DatasetPanel::startPrepare(const pretext::PrepareOptions& options) {
  if (isPreparing()) {
    emit statusMessage(tr("A folder is being prepared already"));
    return false;
  }
  m_prepareCancel = std::make_shared<std::atomic<bool>>(false);
  m_prepareSource = QString::fromStdString(options.source);
  m_prepareOut = QString::fromStdString(options.out);
  m_prepareDone0 = -1;
  m_prepareSkipped.clear();
  m_prepareBar->setRange(0, 0);  // busy until the files are listed
  m_prepareBar->setValue(0);
  m_prepareBar->show();
  m_prepareLabel->setText(tr("Listing the images of %1…").arg(m_prepareSource));
  m_prepareCancelButton->setEnabled(true);
  m_prepareCancelButton->show();
  m_prepareClose->hide();
  m_prepareList->clear();
  m_prepareList->hide();
  // Which folder, by its name; the tooltip has the whole of both paths.
  m_prepareName->setText(QFileInfo(QDir::cleanPath(m_prepareSource)).fileName());
  m_prepareName->show();
  m_prepareFrame->setToolTip(tr("Preparing %1 into %2…").arg(m_prepareSource, m_prepareOut));
  m_prepareFrame->show();
  m_prepareAction->setEnabled(false);
  // The worker reports through queued calls to this panel; the destructor cancels and waits for
  // it, and calls queued for a destroyed panel are dropped.
  m_prepareThread = QThread::create([this, options, cancel = m_prepareCancel] {
    pretext::PrepareResult result;
    bool ok = false, cancelled = false;
    QString error;
    try {
      result = pretext::prepareDataset(
          options,
          [this](const pretext::PrepareProgress& p) {
            QMetaObject::invokeMethod(
                this,
                [this, p] {
                  if (!p.message.empty()) emit statusMessage(QString::fromStdString(p.message));
                  onPrepareProgress(p.done, p.total, p.seconds);
                },
                Qt::QueuedConnection);
            emit prepareReported(p.done, p.total);
          },
          cancel.get());
      ok = true;
    } catch (const pretext::PrepareCancelled&) {
      cancelled = true;
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this, [this, ok, cancelled, error, result] { onPrepareDone(ok, cancelled, error, result); }, Qt::QueuedConnection);
  });
  m_prepareThread->setObjectName(QStringLiteral("Prepare"));
  m_prepareThread->start();
  emit statusMessage(tr("Preparing %1 into %2…").arg(m_prepareSource, m_prepareOut));
  return true;
}

void DatasetPanel::cancelPrepare() {
  if (!isPreparing() || m_prepareCancel->exchange(true)) return;  // none running, or asked already
  m_prepareCancelButton->setEnabled(false);
  m_prepareLabel->setText(tr("Cancelling…"));
  emit prepareCancelRequested();
}

QString DatasetPanel::prepareText() const { return m_prepareLabel->text(); }

void DatasetPanel::onPrepareProgress(qint64 done, qint64 total, double seconds) {
  if (!isPreparing() || m_prepareCancel->load()) return;
  if (total == 0) {  // still listing the folder: `done` counts the image files found
    m_prepareBar->setRange(0, 0);
    m_prepareLabel->setText(tr("Listing the folder: %1 image files found so far").arg(QLocale().toString(done)));
    return;
  }
  if (m_prepareDone0 < 0) {
    m_prepareDone0 = done;
    m_prepareSeconds0 = seconds;
  }
  if (total <= INT_MAX) {
    m_prepareBar->setRange(0, int(total));
    m_prepareBar->setValue(int(done));
  } else {  // in thousandths
    m_prepareBar->setRange(0, 1000);
    m_prepareBar->setValue(int(1000 * done / total));
  }
  const QLocale locale;
  QString text = tr("%1 of %2 images").arg(locale.toString(done), locale.toString(total));
  // The rate since the first report, which comes after the listing.
  const double elapsed = seconds - m_prepareSeconds0;
  if (elapsed >= 0.25 && done > m_prepareDone0) {
    const double rate = double(done - m_prepareDone0) / elapsed;
    text = tr("%1 of %2 images, %3 images/s, %4 left")
               .arg(locale.toString(done), locale.toString(total), locale.toString(rate, 'f', 0),
                    clockText(qint64(std::ceil(double(total - done) / rate))));
  }
  m_prepareLabel->setText(text);
  emit prepareProgress(done, total);
}

void DatasetPanel::onPrepareDone(bool ok, bool cancelled, const QString& error, const pretext::PrepareResult& result) {
  if (m_prepareThread) {
    m_prepareThread->wait();  // its last act was to queue this call
    delete m_prepareThread;
    m_prepareThread = nullptr;
  }
  m_prepareAction->setEnabled(true);
  m_prepareCancelButton->hide();
  m_prepareClose->show();
  m_prepareBar->hide();
  m_prepareName->hide();
  m_prepareFrame->setToolTip(QString());
  QString message;
  if (cancelled) {
    message = tr("Preparing %1 was cancelled; nothing was left at %2. Preparing it again with the same settings "
                 "continues where it stopped.")
                  .arg(m_prepareSource, m_prepareOut);
  } else if (!ok) {
    message = tr("Could not prepare %1: %2").arg(m_prepareSource, error);
    m_prepareFrame->hide();
    showError(message);
  } else {
    message = tr("Prepared %1 images into %2 in %3 s.")
                  .arg(QLocale().toString(qlonglong(result.trainImages + result.testImages + result.unlabeledImages)),
                       QString::fromStdString(result.out))
                  .arg(result.seconds, 0, 'f', 1);
    if (result.resumed > 0) {
      message += QLatin1Char(' ') + tr("Continued an interrupted prepare: %1 images were already done.")
                                        .arg(QLocale().toString(qlonglong(result.resumed)));
    }
    if (result.changed > 0) {
      message += QLatin1Char(' ') + tr("%1 images were decoded again: source files among them had changed since.")
                                        .arg(QLocale().toString(qlonglong(result.changed)));
    }
    for (const auto& f : result.skipped) {
      m_prepareSkipped << QString::fromStdString(f.path) + QStringLiteral(": ") + QString::fromStdString(f.reason);
    }
    if (!m_prepareSkipped.isEmpty()) {
      message += QLatin1Char(' ') + tr("Unreadable files skipped: %1 (listed below and in its manifest.json).")
                                        .arg(QLocale().toString(qlonglong(m_prepareSkipped.size())));
      m_prepareList->setPlainText(m_prepareSkipped.join(QLatin1Char('\n')));
      // As tall as the list, up to 6 lines; it scrolls beyond.
      const int lines = int(std::min<qsizetype>(m_prepareSkipped.size(), 6));
      m_prepareList->setFixedHeight(lines * m_prepareList->fontMetrics().lineSpacing() +
                                    2 * (m_prepareList->frameWidth() + int(m_prepareList->document()->documentMargin())) + 2);
      m_prepareList->show();
    }
    fillDatasetCombo();
    pretext::DatasetSpec spec;
    spec.kind = "prepared";
    spec.path = result.out;
    loadDataset(spec);
  }
  m_prepareLabel->setText(message);
  emit statusMessage(message);
  emit prepareFinished(ok, message);
}

void DatasetPanel::onDatasetActivated(int index) {
  if (index < 0 || std::size_t(index) >= m_specs.size()) return;
  const auto& spec = m_specs[std::size_t(index)];
  if (!isLoading() && m_dataset.valid() && specKey(spec) == specKey(m_dataset.spec())) return;  // already shown
  loadDataset(spec);
}

void DatasetPanel::onLoaded(quint64 request, const pretext::Dataset& dataset, double seconds) {
  if (request != m_pending) return;  // a newer request is on its way
  m_pending = 0;
  setBusy(QString());
  hideError();
  m_dataset = dataset;
  m_loadSeconds = seconds;
  selectComboFor(dataset.spec());
  updateSplitCombo();
  updateTileSize();
  refreshView();
  qint64 total = 0;
  for (const auto& info : m_dataset.splits()) total += info.size;
  emit statusMessage(tr("Loaded %1: %2 images in %3 s")
                         .arg(QString::fromStdString(m_dataset.name()), QLocale().toString(total))
                         .arg(seconds, 0, 'f', 1));
  emit datasetChanged(m_dataset);
}

void DatasetPanel::onFailed(quint64 request, const QString& message) {
  if (request != m_pending) return;
  m_pending = 0;
  setBusy(QString());
  QString text = tr("Could not load %1: %2").arg(describe(m_pendingSpec), message);
  if (m_dataset.valid()) {
    text += QLatin1Char('\n') + tr("Still showing %1.").arg(QString::fromStdString(m_dataset.name()));
    selectComboFor(m_dataset.spec());
  } else {
    text += QLatin1Char('\n') + tr("Pick another dataset above.");
    m_grid->setPlaceholderText(tr("No dataset loaded."));
    const QSignalBlocker block(m_datasetCombo);
    m_datasetCombo->setCurrentIndex(-1);
  }
  showError(text);
  emit statusMessage(tr("Could not load %1").arg(describe(m_pendingSpec)));
  emit loadFailed(text);
}

void DatasetPanel::showError(const QString& message) {
  m_errorLabel->setText(message);
  m_errorFrame->show();
}

void DatasetPanel::hideError() {
  m_errorLabel->clear();
  m_errorFrame->hide();
}

QString DatasetPanel::errorMessage() const { return m_errorFrame->isHidden() ? QString() : m_errorLabel->text(); }

QString DatasetPanel::summaryText() const { return m_summary->text(); }

// The bar says only "Loading…" (a long path there would widen the window); the tooltip and the
// status bar name what.
void DatasetPanel::setBusy(const QString& what) {
  m_busyBar->setVisible(!what.isEmpty());
  m_busyLabel->setVisible(!what.isEmpty());
  m_busyLabel->setText(what.isEmpty() ? QString() : tr("Loading…"));
  m_busyLabel->setToolTip(what);
  m_busyBar->setToolTip(what);
}

void DatasetPanel::updateSplitCombo() {
  auto* model = qobject_cast<QStandardItemModel*>(m_splitCombo->model());
  for (int row = 0; row < m_splitCombo->count(); ++row) {
    const auto split = pretext::Split(m_splitCombo->itemData(row).toInt());
    if (model) model->item(row)->setEnabled(m_dataset.hasSplit(split));
  }
  if (!m_dataset.hasSplit(m_split)) {
    for (pretext::Split split : kSplits) {
      if (m_dataset.hasSplit(split)) {
        m_split = split;
        break;
      }
    }
  }
  const QSignalBlocker block(m_splitCombo);
  m_splitCombo->setCurrentIndex(m_splitCombo->findData(int(m_split)));
}

void DatasetPanel::onSplitActivated(int index) {
  setSplit(pretext::Split(m_splitCombo->itemData(index).toInt()));
}

void DatasetPanel::setSplit(pretext::Split split) {
  if (m_dataset.valid() && !m_dataset.hasSplit(split)) return;
  const bool changed = split != m_split;
  m_split = split;
  {
    const QSignalBlocker block(m_splitCombo);
    m_splitCombo->setCurrentIndex(m_splitCombo->findData(int(split)));
  }
  if (changed && m_dataset.valid()) refreshView();
}

void DatasetPanel::setSampleCount(int count) {
  count = std::clamp(count, 1, 1000);
  if (count == m_sampleCount) return;
  m_sampleCount = count;
  {
    const QSignalBlocker block(m_countSpin);
    m_countSpin->setValue(count);
  }
  if (m_dataset.valid()) refreshView();
}

void DatasetPanel::refreshView() {
  if (!m_dataset.valid()) {
    m_grid->clear();
    m_chart->clear();
    m_summary->clear();
    return;
  }
  try {
    const auto& names = m_dataset.classNames();
    auto className = [&](int label) {
      return label >= 0 && label < int(names.size()) ? i18n::catalogueText(i18n::kClasses, names[std::size_t(label)]) : QString();
    };
    QList<QImage> images;
    QStringList captions, tips;
    for (const std::int64_t index : m_dataset.sampleIndices(m_split, m_sampleCount)) {
      images << pretext::toQImage(m_dataset.image(m_split, index));
      const QString name = className(m_split == pretext::Split::Unlabeled ? -1 : m_dataset.label(m_split, index));
      captions << (name.isEmpty() ? QStringLiteral("#%1").arg(index) : name);
      tips << (name.isEmpty() ? tr("image %1 (no label)").arg(index) : tr("image %1: %2").arg(index).arg(name));
    }
    m_grid->setImages(images, captions, tips);

    const QString splitName = i18n::catalogueText(i18n::kDatasets, std::string(pretext::splitName(m_split)));
    for (const auto& info : m_dataset.splits()) {
      if (info.split != m_split) continue;
      if (info.classCounts.empty()) {
        m_chart->clear(tr("The %1 split has no class labels.").arg(splitName));
      } else {
        QStringList labels;
        QVector<double> counts;
        for (std::size_t c = 0; c < info.classCounts.size(); ++c) {
          labels << className(int(c));
          counts << double(info.classCounts[c]);
        }
        m_chart->setData(labels, counts,
                         tr("%1 split: %2 images").arg(splitName, QLocale().toString(qint64(info.size))));
      }
    }
    updateSummary(m_loadSeconds);
  } catch (const std::exception& e) {
    showError(tr("Could not show %1: %2")
                  .arg(QString::fromStdString(m_dataset.name()), QString::fromStdString(e.what())));
  }
}

void DatasetPanel::updateSummary(double loadSeconds) {
  const QLocale locale;
  const int channels = m_dataset.channels();
  const QString colour = channels == 1 ? tr("gray") : channels == 3 ? tr("RGB") : tr("%1 channels").arg(channels);
  QString splits;
  qint64 total = 0;
  for (const auto& info : m_dataset.splits()) {
    splits += QStringLiteral("<tr><td>%1</td><td align=right>%2</td></tr>")
                  .arg(i18n::catalogueText(i18n::kDatasets, std::string(pretext::splitName(info.split))),
                       locale.toString(qint64(info.size)));
    total += info.size;
  }
  const QString row = QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td>%2</td></tr>");
  QString html = QStringLiteral("<p style='font-size:large'><b>%1</b></p><table cellspacing=2>")
                     .arg(QString::fromStdString(m_dataset.name()).toHtmlEscaped());
  pretext::DatasetSpec source = m_dataset.spec();
  if (source.path.empty() && source.kind == "fashion-mnist") source.path = pretext::defaultFashionMnistPath();
  html += row.arg(tr("Source"), QString::fromStdString(source.toString()).toHtmlEscaped());
  html += row.arg(tr("Image shape"), tr("%1 × %2 × %3 (%4)")
                                         .arg(m_dataset.width())
                                         .arg(m_dataset.height())
                                         .arg(channels)
                                         .arg(colour));
  html += row.arg(tr("Classes"), QString::number(m_dataset.numClasses()));
  html += row.arg(tr("Images"), locale.toString(total));
  html += row.arg(tr("Loaded in"), tr("%1 s").arg(loadSeconds, 0, 'f', 2));
  html += QStringLiteral("</table><p><b>%1</b></p><table cellspacing=2>").arg(tr("Splits"));
  html += splits + QStringLiteral("</table>");
  m_summary->setText(html);
}

// Tiles big enough to show small images pixel-sharp and their class names unclipped; the zoom
// slider scales from there.
void DatasetPanel::updateTileSize() {
  int base = 96;
  if (m_dataset.valid()) {
    const int side = std::max(m_dataset.width(), m_dataset.height());
    base = side * std::max(1, int(std::lround(88.0 / side)));
    const QFontMetrics fm(m_grid->font());
    int widest = 0;
    for (const auto& name : m_dataset.classNames()) widest = std::max(widest, fm.horizontalAdvance(i18n::catalogueText(i18n::kClasses, name)));
    base = std::max(base, std::min(widest + fm.averageCharWidth(), 200));
  }
  m_grid->setTileSize(int(std::lround(base * m_zoomSlider->value() / 100.0)));
}

void DatasetPanel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::FontChange) updateTileSize();
  QWidget::changeEvent(event);
}

QByteArray DatasetPanel::saveState() const {
  QByteArray state;
  QDataStream out(&state, QIODevice::WriteOnly);
  out << quint8(1) << m_splitter->saveState() << qint32(m_sampleCount) << qint32(m_zoomSlider->value());
  return state;
}

void DatasetPanel::restoreState(const QByteArray& state) {
  QDataStream in(state);
  quint8 version = 0;
  QByteArray splitter;
  qint32 count = 0, zoom = 0;
  in >> version >> splitter >> count >> zoom;
  if (in.status() != QDataStream::Ok || version != 1) return;
  m_splitter->restoreState(splitter);
  if (count > 0) setSampleCount(count);
  if (zoom > 0) m_zoomSlider->setValue(zoom);
}

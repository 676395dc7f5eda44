#include "mainwindow.h"

#include "attentionpanel.h"
#include "augmentpanel.h"
#include "embeddingpanel.h"
#include "filterspanel.h"
#include "panelcommon.h"
#include "resultspanel.h"
#include "retrievalpanel.h"
#include "runfollower.h"
#include "runinspector.h"
#include "datasetpanel.h"
#include "experimentdialog.h"
#include "experimentpresets.h"
#include "presetspanel.h"
#include "trainingpanel.h"
#include "translation.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>

#include <algorithm>
#include <memory>
#include <utility>

#include <qcustomplot.h>

#ifndef PRETEXT_VERSION
#define PRETEXT_VERSION "dev"
#endif

namespace {

// Projector mode: text readable from the back of a classroom.
constexpr double kLargeFontScale = 1.5;

QPalette darkPalette() {
  const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), button(0x3c, 0x3f, 0x41);
  const QColor text(0xe8, 0xe8, 0xe8), disabled(0x80, 0x80, 0x80);
  QPalette p;
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, button);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, button);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
  p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x50));
  p.setColor(QPalette::Midlight, QColor(0x42, 0x45, 0x48));
  p.setColor(QPalette::Mid, QColor(0x5a, 0x5d, 0x60));
  p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
  p.setColor(QPalette::Shadow, QColor(0x0c, 0x0c, 0x0d));
  p.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xe0));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
  p.setColor(QPalette::LinkVisited, QColor(0xb0, 0x8c, 0xff));
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
    p.setColor(QPalette::Disabled, role, disabled);
  }
  p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x50, 0x50, 0x50));
  return p;
}

QPalette lightPalette() {
  QPalette p = QStyleFactory::create(QStringLiteral("Fusion"))->standardPalette();
  p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xd0));
  p.setColor(QPalette::HighlightedText, Qt::white);
  return p;
}

QString themeStyleSheet(MainWindow::Theme theme) {
  QFile file(theme == MainWindow::Theme::Dark ? QStringLiteral(":/styles/dark.qss")
                                              : QStringLiteral(":/styles/light.qss"));
  return file.open(QIODevice::ReadOnly | QIODevice::Text) ? QString::fromUtf8(file.readAll()) : QString();
}

}  // namespace

MainWindow::MainWindow(bool useSettings, QWidget* parent)
    : QMainWindow(parent), m_useSettings(useSettings), m_normalFont(QApplication::font()) {
  setWindowTitle(QStringLiteral("Pretext"));
  setObjectName(QStringLiteral("MainWindow"));

  m_navigation = new QListWidget;
  m_navigation->setObjectName(QStringLiteral("navigation"));
  m_navigation->setFrameShape(QFrame::NoFrame);
  m_navigation->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_navigation->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
  m_stack = new QStackedWidget;
  connect(m_navigation, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);

  auto* central = new QWidget;
  auto* layout = new QHBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(m_navigation);
  layout->addWidget(m_stack, 1);
  setCentralWidget(central);

  m_datasetPanel = new DatasetPanel;
  addPanel(m_datasetPanel, tr("Dataset"), tr("Pick a dataset, see its images, classes and splits"));
  m_augmentPanel = new AugmentPanel;
  addPanel(m_augmentPanel, tr("Augmentations"), tr("Switch augmentations on and off, set their strength, preview two views"));
  connect(m_datasetPanel, &DatasetPanel::datasetChanged, m_augmentPanel, &AugmentPanel::setDataset);
  m_trainingPanel = new TrainingPanel;
  addPanel(m_trainingPanel, tr("Training"), tr("Pick a method, train it, watch loss and k-NN accuracy"));
  connect(m_datasetPanel, &DatasetPanel::datasetChanged, m_trainingPanel, &TrainingPanel::setDataset);
  connect(m_augmentPanel, &AugmentPanel::augmentationChanged, m_trainingPanel, &TrainingPanel::setAugmentation);
  m_presetsPanel = new PresetsPanel;
  addPanel(m_presetsPanel, tr("Experiments"), tr("One-click demonstrations for a class"));
  connect(m_presetsPanel, &PresetsPanel::runRequested, this, &MainWindow::runPreset);
  connect(m_trainingPanel, &TrainingPanel::runStarted, m_presetsPanel, [this] { m_presetsPanel->setTrainingRunning(true); });
  connect(m_trainingPanel, &TrainingPanel::runFinished, m_presetsPanel,
          [this] { m_presetsPanel->setTrainingRunning(m_trainingPanel->running()); });
  connect(m_trainingPanel, &TrainingPanel::statusMessage, this, [this](const QString& message) {
    statusBar()->showMessage(message, 10000);
  });
  // Inspection: what the run on show has learned. One worker thread evaluates for all of them; each
  // panel follows the run on show (setCurrentRun), its checkpoints and the end of training.
  m_inspector = new RunInspector(this);
  m_filtersPanel = new FiltersPanel(m_inspector);
  addPanel(m_filtersPanel, tr("Filters"), tr("The first layer's filters, live while training"));
  m_attentionPanel = new AttentionPanel(m_inspector);
  addPanel(m_attentionPanel, tr("Attention"), tr("Where each stage looks, for this run and a second one"));
  m_retrievalPanel = new RetrievalPanel(m_inspector);
  addPanel(m_retrievalPanel, tr("Retrieval"), tr("Click a test image, see its nearest training images"));
  m_embeddingPanel = new EmbeddingPanel(m_inspector);
  addPanel(m_embeddingPanel, tr("Embedding"), tr("The test images' features in 2-D (PCA or t-SNE), by class"));
  m_resultsPanel = new ResultsPanel(m_inspector, nullptr, m_useSettings);
  addPanel(m_resultsPanel, tr("Results"), tr("The comparison table over runs; export CSV or Markdown"));
  m_inspectionPanels = {m_filtersPanel, m_attentionPanel, m_retrievalPanel, m_embeddingPanel, m_resultsPanel};
  for (InspectionPanel* panel : m_inspectionPanels) {
    connect(m_trainingPanel, &TrainingPanel::checkpointWritten, panel, &InspectionPanel::checkpointWritten);
    connect(m_trainingPanel, &TrainingPanel::runFinished, panel, &InspectionPanel::trainingFinished);
  }
  connect(m_trainingPanel, &TrainingPanel::runFolderChanged, this, &MainWindow::setCurrentRun);
  connect(m_trainingPanel, &TrainingPanel::filtersUpdated, m_filtersPanel, &FiltersPanel::showLiveFilters);
  connect(m_resultsPanel, &ResultsPanel::openRequested, this, [this](const QString& dir) {
    if (openRun(dir)) showPanel(m_filtersPanel);
  });
  connect(m_resultsPanel, &ResultsPanel::resumeRequested, this, [this](const QString& dir) {
    if (m_trainingPanel->running()) {
      statusBar()->showMessage(tr("A run is going: stop it before resuming another"), 10000);
      return;
    }
    if (!openRun(dir)) return;
    showPanel(m_trainingPanel);
    m_trainingPanel->resumeRun(dir);
  });
  connect(m_embeddingPanel, &EmbeddingPanel::queryRequested, this, [this](qint64 testIndex) {
    showPanel(m_retrievalPanel);
    m_retrievalPanel->showQuery(testIndex);
  });
  connect(m_trainingPanel, &TrainingPanel::runStarted, this, &MainWindow::updateResumeAction);
  connect(m_trainingPanel, &TrainingPanel::runFinished, this, &MainWindow::updateResumeAction);
  connect(m_trainingPanel, &TrainingPanel::runFinished, this, &MainWindow::updateRunStatus);
  connect(m_trainingPanel, &TrainingPanel::followedStateChanged, this, &MainWindow::updateRunStatus);
  // While following, the status bar names the followed run's dataset rather than the window's own.
  connect(m_trainingPanel->follower(), &RunFollower::configRead, this, [this](const pretext::TrainConfig& c) {
    if (!m_trainingPanel->following()) return;
    if (!m_datasetFollowed) m_ownDatasetText = m_datasetStatus->text();
    m_datasetFollowed = true;
    m_datasetStatus->setText(tr("Followed run: %1").arg(QString::fromStdString(c.dataset.toString())));
  });
  connect(m_trainingPanel, &TrainingPanel::runFinished, this, [this] {
    if (!m_datasetFollowed || m_trainingPanel->following()) return;
    m_datasetStatus->setText(m_ownDatasetText);
    m_datasetFollowed = false;
  });
  m_navigation->setCurrentRow(0);

  m_runStatus = new QLabel;
  m_runStatus->setContentsMargins(0, 0, 16, 0);
  statusBar()->addPermanentWidget(m_runStatus);
  m_datasetStatus = new QLabel;
  statusBar()->addPermanentWidget(m_datasetStatus);
  connect(m_datasetPanel, &DatasetPanel::statusMessage, this, [this](const QString& message) {
    statusBar()->showMessage(message, 10000);
  });
  connect(m_datasetPanel, &DatasetPanel::datasetChanged, this, &MainWindow::onDatasetChanged);
  connect(m_datasetPanel, &DatasetPanel::loadFailed, this, &MainWindow::onLoadFailed);

  createMenus();
  resize(1280, 800);
  if (m_useSettings) readSettings();
  else {
    setTheme(Theme::Light);
    setLargeFont(false);
  }
}

MainWindow::~MainWindow() = default;

int MainWindow::addPanel(QWidget* panel, const QString& title, const QString& toolTip) {
  const int index = m_stack->addWidget(panel);
  auto* item = new QListWidgetItem(title, m_navigation);
  item->setToolTip(toolTip);
  updateNavigationWidth();
  return index;
}

void MainWindow::showPanel(int index) {
  m_navigation->setCurrentRow(index);
}

void MainWindow::runPreset(const ExperimentPreset& preset) {
  if (m_trainingPanel->running()) {
    statusBar()->showMessage(tr("A run is going: stop it before starting an experiment"), 10000);
    return;
  }
  pretext::DatasetSpec spec;
  try {
    spec = pretext::DatasetSpec::parse(preset.dataset.toStdString());
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Experiment '%1': %2").arg(preset.title, QString::fromUtf8(e.what())), 10000);
    return;
  }
  auto go = [this, preset] {
    QWidget* first = preset.charts.isEmpty() ? nullptr : chartPanel(preset.charts.first());
    showPanel(first ? first : m_trainingPanel);
    m_trainingPanel->startRuns(presetRuns(preset, m_trainingPanel->config(), m_trainingPanel->runsFolder()));
  };
  const auto& current = m_datasetPanel->dataset();
  if (current.valid() && current.spec().toString() == spec.toString()) {
    go();
    return;
  }
  // Start once this dataset has loaded; forget the experiment if it fails to load.
  auto pending = std::make_shared<std::pair<QMetaObject::Connection, QMetaObject::Connection>>();
  auto forget = [pending] {
    disconnect(pending->first);
    disconnect(pending->second);
  };
  pending->first = connect(m_datasetPanel, &DatasetPanel::datasetChanged, this, [forget, go] {
    forget();
    go();
  });
  pending->second = connect(m_datasetPanel, &DatasetPanel::loadFailed, this, [forget] { forget(); });
  m_datasetPanel->loadDataset(spec);
}

QStringList MainWindow::panelTitles() const {
  QStringList titles;
  for (int row = 0; row < m_navigation->count(); ++row) titles << m_navigation->item(row)->text();
  return titles;
}

QWidget* MainWindow::currentPanel() const { return m_stack->currentWidget(); }

void MainWindow::showPanel(QWidget* panel) {
  showPanel(m_stack->indexOf(panel));
}

bool MainWindow::showPanel(const QString& title) {
  for (int row = 0; row < m_navigation->count(); ++row) {
    // The English title works in every language (--panel Training under zh_CN).
    const QString text = m_navigation->item(row)->text();
    if (text.compare(title, Qt::CaseInsensitive) == 0 ||
        text == QCoreApplication::translate("MainWindow", title.toUtf8().constData()) ||
        text == QCoreApplication::translate("MainWindow", (title.left(1).toUpper() + title.mid(1)).toUtf8().constData())) {
      showPanel(row);
      return true;
    }
  }
  return false;
}

// Wide enough for the longest title in the current font.
void MainWindow::updateNavigationWidth() {
  int widest = 0;
  for (int row = 0; row < m_navigation->count(); ++row) {
    widest = std::max(widest, m_navigation->fontMetrics().horizontalAdvance(m_navigation->item(row)->text()));
  }
  m_navigation->setFixedWidth(widest + 2 * m_navigation->fontMetrics().averageCharWidth() + 40);
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* openFolder = m_datasetPanel->openFolderAction();
  openFolder->setText(tr("&Open dataset…"));
  openFolder->setShortcut(QKeySequence::Open);
  file->addAction(openFolder);
  QAction* openFile = m_datasetPanel->openFileAction();
  openFile->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  file->addAction(openFile);
  file->addAction(m_datasetPanel->prepareFolderAction());
  QAction* openRunAction = file->addAction(tr("Open &run folder…"), this, &MainWindow::chooseRunFolder);
  openRunAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  openRunAction->setToolTip(tr("Show a run folder (from the window or pretext-cli) in the inspection panels"));
  QAction* followAction = file->addAction(tr("&Follow run folder…"), this, &MainWindow::chooseFollowFolder);
  followAction->setToolTip(tr("Follow a run folder that another process writes (pretext-cli, a cluster job): "
                              "charts and inspection panels grow with it"));
  m_resumeAction = file->addAction(tr("Resume &training of this run"), this, &MainWindow::resumeCurrentRun);
  m_resumeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  m_resumeAction->setEnabled(false);
  file->addSeparator();
  QAction* openExperimentAction = file->addAction(tr("Open e&xperiment…"), this, &MainWindow::chooseExperimentToOpen);
  openExperimentAction->setToolTip(tr("Open a lesson saved as an experiment file (.json)"));
  QAction* saveExperimentAction = file->addAction(tr("&Save experiment…"), this, &MainWindow::chooseExperimentToSave);
  saveExperimentAction->setShortcut(QKeySequence::Save);
  saveExperimentAction->setToolTip(tr("Save the dataset, augmentations, method, options and the panel on show as "
                                      "one experiment file to hand out"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
  quit->setMenuRole(QAction::QuitRole);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  m_largeFontAction = view->addAction(tr("&Large font (projector)"));
  m_largeFontAction->setCheckable(true);
  m_largeFontAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
  connect(m_largeFontAction, &QAction::toggled, this, &MainWindow::setLargeFont);
  m_darkThemeAction = view->addAction(tr("&Dark theme"));
  m_darkThemeAction->setCheckable(true);
  m_darkThemeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  connect(m_darkThemeAction, &QAction::toggled, this,
          [this](bool dark) { setTheme(dark ? Theme::Dark : Theme::Light); });
  createLanguageMenu(view);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* about = help->addAction(tr("&About Pretext"), this, &MainWindow::showAbout);
  about->setMenuRole(QAction::AboutRole);
  QAction* aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
  aboutQt->setMenuRole(QAction::AboutQtRole);
}

// View > Language: System, English, 简体中文. The choice is saved and applies at the next start (the
// panels build their text once); a restart prompt says so.
void MainWindow::createLanguageMenu(QMenu* view) {
  QMenu* menu = view->addMenu(tr("&Language"));
  auto* group = new QActionGroup(menu);
  const QString saved = m_useSettings ? i18n::savedLanguage() : QString();
  auto add = [&](const QString& code, const QString& text) {
    QAction* action = menu->addAction(text);
    action->setCheckable(true);
    action->setData(code);
    action->setChecked(code == saved);
    group->addAction(action);
  };
  add(QString(), tr("System"));
  for (const QString& code : i18n::languages()) add(code, i18n::languageName(code));
  connect(group, &QActionGroup::triggered, this, [this](QAction* action) {
    const QString code = action->data().toString();
    if (m_useSettings) i18n::saveLanguage(code);
    if (i18n::resolveLanguage(code) == i18n::currentLanguage()) return;
    // Not modal: the prompt says when the choice applies, the window goes on.
    auto* box = new QMessageBox(QMessageBox::Information, tr("Language"),
                                tr("The window will be in %1 the next time Pretext starts.")
                                    .arg(i18n::languageName(i18n::resolveLanguage(code))),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("languagePrompt"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  });
}

void MainWindow::setTheme(Theme theme) {
  m_theme = theme;
  // Fusion draws with the palette everywhere, so both themes look the same on every desktop.
  if (qApp->style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0) {
    qApp->setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  }
  qApp->setPalette(theme == Theme::Dark ? darkPalette() : lightPalette());
  qApp->setStyleSheet(themeStyleSheet(theme));
  const QSignalBlocker block(m_darkThemeAction);
  m_darkThemeAction->setChecked(theme == Theme::Dark);
}

void MainWindow::setLargeFont(bool large) {
  m_largeFont = large;
  QFont font = m_normalFont;
  if (large) {
    if (font.pointSizeF() > 0) font.setPointSizeF(font.pointSizeF() * kLargeFontScale);
    else font.setPixelSize(int(font.pixelSize() * kLargeFontScale));
  }
  QApplication::setFont(font);
  // Widgets already polished by the style sheet keep their old font until it is applied again.
  qApp->setStyleSheet(themeStyleSheet(m_theme));
  updateNavigationWidth();
  const QSignalBlocker block(m_largeFontAction);
  m_largeFontAction->setChecked(large);
}

void MainWindow::openInitialDataset(const QString& spec) {
  if (!spec.isEmpty()) {
    m_datasetPanel->loadText(spec);
    return;
  }
  const QString last = m_useSettings ? QSettings().value(QStringLiteral("dataset/last")).toString() : QString();
  if (last.isEmpty()) {
    m_datasetPanel->loadDefault();
    return;
  }
  m_fallBackToDefault = true;
  if (!m_datasetPanel->loadText(last)) {
    m_fallBackToDefault = false;
    m_datasetPanel->loadDefault();
  }
}

void MainWindow::onDatasetChanged(const pretext::Dataset& dataset) {
  m_fallBackToDefault = false;
  qint64 total = 0;
  for (const auto& info : dataset.splits()) total += info.size;
  const QString text = tr("%1 · %2 images · %3 classes")
                           .arg(QString::fromStdString(dataset.name()), QLocale().toString(total))
                           .arg(dataset.numClasses());
  if (m_datasetFollowed) {
    m_ownDatasetText = text;  // shown again when following ends
  } else {
    m_datasetStatus->setText(text);
  }
  if (m_useSettings) QSettings().setValue(QStringLiteral("dataset/last"), QString::fromStdString(dataset.spec().toString()));
}

void MainWindow::onLoadFailed(const QString& message) {
  if (!m_fallBackToDefault || m_datasetPanel->hasDataset()) return;
  // The dataset remembered from last time has gone: say so and show the default one.
  m_fallBackToDefault = false;
  statusBar()->showMessage(message.section(QLatin1Char('\n'), 0, 0), 20000);
  m_datasetPanel->loadDefault();
}

bool MainWindow::openRun(const QString& dir) {
  const QString path = runFolderPath(dir);
  if (!QFileInfo::exists(QDir(path).filePath(QStringLiteral("config.json")))) {
    statusBar()->showMessage(tr("%1 is not a run folder: it has no config.json").arg(QDir::toNativeSeparators(path)), 15000);
    return false;
  }
  setCurrentRun(path);  // the Results panel adds it as a row
  return true;
}

void MainWindow::setCurrentRun(const QString& rawDir) {
  const QString dir = runFolderPath(rawDir);
  m_currentRun = dir;
  for (InspectionPanel* panel : m_inspectionPanels) panel->setRun(dir);
  updateRunStatus();
  updateResumeAction();
  if (m_useSettings && !dir.isEmpty()) QSettings().setValue(QStringLiteral("run/last"), dir);
}

void MainWindow::updateRunStatus() {
  const QString& dir = m_currentRun;
  const bool following = m_trainingPanel->following() && sameRunFolder(dir, m_trainingPanel->currentRunDir());
  const QString state = following ? m_trainingPanel->followedState() : QString();
  m_runStatus->setText(dir.isEmpty() ? QString()
                       : following ? (state.isEmpty() ? tr("Following: %1").arg(QDir(dir).dirName())
                                                      : tr("Following: %1 · %2").arg(QDir(dir).dirName(), state))
                                   : tr("Run: %1").arg(QDir(dir).dirName()));
  m_runStatus->setToolTip(QDir::toNativeSeparators(dir));
}

bool MainWindow::followRun(const QString& dir) {
  if (m_trainingPanel->running()) {
    statusBar()->showMessage(tr("A run is going: stop it before following another"), 10000);
    return false;
  }
  const QFileInfo info(runFolderPath(dir));
  if (info.exists() && !info.isDir()) {
    statusBar()->showMessage(tr("%1 is not a folder").arg(QDir::toNativeSeparators(info.filePath())), 15000);
    return false;
  }
  showPanel(m_trainingPanel);
  if (!m_trainingPanel->followRun(dir)) return false;
  updateRunStatus();
  statusBar()->showMessage(tr("Following %1: the charts grow as it writes metrics.csv").arg(QDir::toNativeSeparators(runFolderPath(dir))),
                           10000);
  return true;
}

void MainWindow::chooseFollowFolder() {
  const QString start = m_currentRun.isEmpty() ? m_trainingPanel->runsFolder() : QFileInfo(m_currentRun).path();
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Follow a run folder"), start);
  if (!dir.isEmpty()) followRun(dir);
}

// Resuming needs a run on show and no run going.
void MainWindow::updateResumeAction() {
  m_resumeAction->setEnabled(!m_currentRun.isEmpty() && !m_trainingPanel->running());
}

void MainWindow::chooseRunFolder() {
  const QString start = m_currentRun.isEmpty() ? m_trainingPanel->runsFolder() : QFileInfo(m_currentRun).path();
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a run folder"), start);
  if (!dir.isEmpty()) openRun(dir);
}

void MainWindow::resumeCurrentRun() {
  if (m_currentRun.isEmpty() || m_trainingPanel->running()) return;
  showPanel(m_trainingPanel);
  m_trainingPanel->resumeRun(m_currentRun);
}

void MainWindow::showAbout() {
  QMessageBox::about(
      this, tr("About Pretext"),
      tr("<h3>Pretext %1</h3>"
         "<p>A workbench for self-supervised visual representation learning: pick a dataset and a "
         "method, train, and see what was learned while it is being learned.</p>"
         "<p>Built with Qt %2, QCustomPlot %3 and LibTorch.</p>")
          .arg(QStringLiteral(PRETEXT_VERSION), QString::fromLatin1(qVersion()),
               QStringLiteral(QCUSTOMPLOT_VERSION_STR)));
}

void MainWindow::readSettings() {
  QSettings settings;
  m_trainingPanel->useSettings();  // the runs folder
  if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1280, 800);
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  m_datasetPanel->restoreState(settings.value(QStringLiteral("datasetPanel/state")).toByteArray());
  const int page = settings.value(QStringLiteral("window/panel"), 0).toInt();
  if (page >= 0 && page < m_navigation->count()) m_navigation->setCurrentRow(page);
  setTheme(settings.value(QStringLiteral("view/theme")).toString() == QLatin1String("dark") ? Theme::Dark
                                                                                          : Theme::Light);
  setLargeFont(settings.value(QStringLiteral("view/largeFont"), false).toBool());
  // The run shown last time, when it is still there.
  const QString run = settings.value(QStringLiteral("run/last")).toString();
  if (!run.isEmpty() && QFileInfo::exists(QDir(run).filePath(QStringLiteral("config.json")))) setCurrentRun(run);
}

void MainWindow::writeSettings() const {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  settings.setValue(QStringLiteral("window/panel"), m_navigation->currentRow());
  settings.setValue(QStringLiteral("datasetPanel/state"), m_datasetPanel->saveState());
  settings.setValue(QStringLiteral("view/theme"), m_theme == Theme::Dark ? QStringLiteral("dark") : QStringLiteral("light"));
  settings.setValue(QStringLiteral("view/largeFont"), m_largeFont);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_useSettings) writeSettings();
  QMainWindow::closeEvent(event);
}

QWidget* MainWindow::chartPanel(const QString& chart) const {
  const QList<QPair<QString, QWidget*>> panels{
      {QStringLiteral("training"), m_trainingPanel},     {QStringLiteral("filters"), m_filtersPanel},
      {QStringLiteral("augmentations"), m_augmentPanel}, {QStringLiteral("attention"), m_attentionPanel},
      {QStringLiteral("retrieval"), m_retrievalPanel},   {QStringLiteral("embedding"), m_embeddingPanel},
      {QStringLiteral("results"), m_resultsPanel}};
  for (const auto& [name, panel] : panels) {
    if (name == chart) return panel;
  }
  return nullptr;
}

bool MainWindow::openExperiment(const QString& path, bool showErrors) {
  ExperimentPreset preset;
  try {
    preset = readExperimentFile(path);
  } catch (const std::exception& e) {
    m_experimentError = i18n::coreMessage(QString::fromUtf8(e.what()));
    statusBar()->showMessage(m_experimentError, 15000);
    if (showErrors) QMessageBox::warning(this, tr("Open experiment"), tr("Could not open the experiment: %1").arg(m_experimentError));
    return false;
  }
  m_experimentError.clear();
  m_presetsPanel->addExperiment(preset);
  showLesson(preset);
  showPanel(m_presetsPanel);
  // The dataset now, so that the lesson starts at once when Run is clicked.
  try {
    const auto spec = pretext::DatasetSpec::parse(preset.dataset.toStdString());
    const auto& current = m_datasetPanel->dataset();
    if (!m_trainingPanel->running() && (!current.valid() || current.spec().toString() != spec.toString())) {
      m_datasetPanel->loadDataset(spec);
    }
  } catch (const std::exception&) {
    // checked when the file was read
  }
  statusBar()->showMessage(tr("Opened the experiment '%1': click Run this experiment to start it")
                               .arg(i18n::catalogueText(i18n::kPresets, preset.title)),
                           15000);
  return true;
}

void MainWindow::showLesson(const ExperimentPreset& preset) {
  m_lesson = std::make_shared<ExperimentPreset>(preset);
  setWindowTitle(tr("%1 — Pretext").arg(i18n::catalogueText(i18n::kPresets, preset.title)));
}

const ExperimentPreset& MainWindow::lesson() const {
  static const ExperimentPreset none;
  return m_lesson ? *m_lesson : none;
}

ExperimentPreset MainWindow::currentExperiment(const QString& title, const QString& description) const {
  const auto& dataset = m_datasetPanel->dataset();
  const QString spec = dataset.valid() ? QString::fromStdString(dataset.spec().toString()) : QStringLiteral("fashion-mnist");
  QString chart = QStringLiteral("training");
  for (const QString& name : experimentCharts()) {
    if (chartPanel(name) == currentPanel()) chart = name;
  }
  QStringList charts{chart};
  if (chart != QLatin1String("training")) charts << QStringLiteral("training");
  return experimentFromSettings(title, description, spec, m_trainingPanel->config(), charts);
}

bool MainWindow::saveExperiment(const QString& path, bool showErrors, const QString& title, const QString& description) {
  const ExperimentPreset experiment = currentExperiment(title.isEmpty() ? QFileInfo(path).completeBaseName() : title, description);
  try {
    writeExperimentFile(path, experiment);
  } catch (const std::exception& e) {
    m_experimentError = QString::fromUtf8(e.what());
    statusBar()->showMessage(m_experimentError, 15000);
    if (showErrors) QMessageBox::warning(this, tr("Save experiment"), tr("Could not save the experiment: %1").arg(m_experimentError));
    return false;
  }
  showLesson(experiment);
  statusBar()->showMessage(tr("Saved the experiment to %1").arg(QDir::toNativeSeparators(path)), 10000);
  return true;
}

void MainWindow::chooseExperimentToOpen() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open an experiment"), QString(), tr("Experiments (*.json)"));
  if (!path.isEmpty()) openExperiment(path);
}

void MainWindow::chooseExperimentToSave() {
  // The title and the description for students first (those of the lesson opened last to start with).
  ExperimentTextDialog text(lesson().title, lesson().description, this);
  if (text.exec() != QDialog::Accepted) return;
  QString path = QFileDialog::getSaveFileName(this, tr("Save the experiment"), tr("lesson.json"), tr("Experiments (*.json)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
  saveExperiment(path, true, text.title(), text.description());
}

#include "trainingpanel.h"

#include "formulas.h"
#include "livechart.h"
#include "panelcommon.h"
#include "runconfig.h"
#include "runfollower.h"
#include "trainingworker.h"
#include "translation.h"

#include <pretext/backbones.h>
#include <pretext/distributed.h>
#include <pretext/methodflags.h>
#include <pretext/methods.h>
#include <pretext/trainsplit.h>

#include <QComboBox>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMetaObject>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

namespace {

QString duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return QStringLiteral("--:--");
  const qint64 s = qint64(seconds + 0.5);
  const QChar zero(QLatin1Char('0'));
  return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, zero).arg(s % 60, 2, 10, zero)
                   : QStringLiteral("%1:%2").arg(s / 60, 2, 10, zero).arg(s % 60, 2, 10, zero);
}

}  // namespace

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
  m_worker = new TrainingWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &TrainingWorker::stepReported, this, &TrainingPanel::onStep);
  connect(m_worker, &TrainingWorker::epochReported, this, &TrainingPanel::onEpoch);
  connect(m_worker, &TrainingWorker::finished, this, &TrainingPanel::onFinished);
  connect(m_worker, &TrainingWorker::filtersReady, this, &TrainingPanel::filtersUpdated);
  connect(m_worker, &TrainingWorker::checkpointWritten, this, &TrainingPanel::checkpointWritten);
  connect(m_worker, &TrainingWorker::message, this, [this](const QString& text) {
    m_status->setText(text);
    emit statusMessage(text);
  });
  connect(m_worker, &TrainingWorker::started, this, [this](const QString& device, qint64, qint64, int) {
    m_device->setText(tr("Device: %1").arg(device));
  });
  m_thread.setObjectName(QStringLiteral("training"));
  m_thread.start();

  m_method = new QComboBox;
  for (const auto& m : pretext::methodCatalogue()) {
    m_method->addItem(tr("%1  (%2)").arg(i18n::catalogueText(i18n::kMethods, m.title),
                                         i18n::catalogueText(i18n::kMethods, m.family)),
                      QString::fromStdString(m.name));
  }
  m_method->setCurrentIndex(m_method->findData(QStringLiteral("simclr")));
  m_backbone = new QComboBox;
  for (const auto& b : pretext::backboneCatalogue()) {
    m_backbone->addItem(QString::fromStdString(b.name));
    m_backbone->setItemData(m_backbone->count() - 1, QString::fromStdString(b.title), Qt::ToolTipRole);
  }
  m_width = new QSpinBox;
  m_width->setRange(std::max(4, pretext::ConfigLimits::minWidth), std::min(256, pretext::ConfigLimits::maxWidth));
  m_width->setValue(32);
  m_width->setToolTip(tr("ConvNet: channels of conv1 (later stages scale from it)"));
  m_firstKernel = new QComboBox;
  for (int k = 3; k <= pretext::ConfigLimits::maxFirstKernel; k += 2) m_firstKernel->addItem(QStringLiteral("%1×%1").arg(k), k);
  showFirstKernel(0);
  connect(m_backbone, &QComboBox::currentTextChanged, this, &TrainingPanel::updateFirstKernel);
  m_epochs = new QSpinBox;
  m_epochs->setRange(0, pretext::ConfigLimits::maxEpochs);
  m_epochs->setValue(3);
  m_batch = new QSpinBox;
  m_batch->setRange(pretext::ConfigLimits::minBatch, 1 << 20);
  m_batch->setValue(256);
  m_subset = new QSpinBox;
  m_subset->setRange(0, 10000000);
  m_subset->setSpecialValueText(tr("all images"));
  m_subset->setValue(0);
  m_subset->setToolTip(tr("Train on the first N training images (quick demonstrations)"));
  m_lr = new QDoubleSpinBox;
  m_lr->setDecimals(4);
  m_lr->setRange(0.0, pretext::ConfigLimits::maxLearningRate);
  m_lr->setSingleStep(0.01);
  m_lr->setSpecialValueText(tr("default"));
  m_lr->setToolTip(tr("Peak learning rate; default: 0.06 x batch/256 for SGD, 1e-3 x batch/256 for AdamW"));
  // The split trained on (TrainConfig::trainSplit), as pretext-cli train --train-split.
  m_trainSplit = new QComboBox;
  m_trainSplit->setObjectName(QStringLiteral("trainSplit"));
  m_trainSplit->addItem(tr("Automatic"), QStringLiteral("auto"));
  m_trainSplit->addItem(tr("Labelled train split"), QStringLiteral("train"));
  m_trainSplit->addItem(tr("Unlabelled split"), QStringLiteral("unlabeled"));
  m_trainSplit->setToolTip(tr("The images the run trains on (--train-split). Automatic: a self-supervised method trains "
                              "on the unlabelled split where the dataset has one beside labelled ones (STL-10), else on "
                              "the train split; a method that trains on labels, on the train split"));
  m_trainSplitNote = makeErrorLabel();
  m_trainSplitNote->setObjectName(QStringLiteral("trainSplitNote"));
  connect(m_trainSplit, &QComboBox::currentIndexChanged, this, &TrainingPanel::updateTrainSplit);
  // Labelled images for what needs labels, when the training set has none (TrainConfig::evalDataset).
  m_evalDataset = new QComboBox;
  m_evalDataset->setObjectName(QStringLiteral("evalDataset"));
  m_evalDataset->setEditable(true);
  m_evalDataset->setInsertPolicy(QComboBox::NoInsert);
  m_evalDataset->setToolTip(tr("Labelled images for what needs labels (the k-NN monitor, the linear probe, retrieval "
                               "precision, class colours) when the training set has none, as STL-10 pairs its unlabelled "
                               "images with labelled splits. Same image size as the training images; type a folder or "
                               "prepared:DIR for one not listed"));
  m_evalNote = new QLabel;
  m_evalNote->setObjectName(QStringLiteral("evalNote"));
  m_evalNote->setWordWrap(true);
  m_evalNote->hide();
  fillEvalDatasets();
  connect(m_evalDataset, &QComboBox::currentTextChanged, this, &TrainingPanel::updateEvalNote);
  m_browseEval = new QPushButton(tr("Browse…"));
  m_browseEval->setObjectName(QStringLiteral("browseEvalDataset"));
  m_browseEval->setToolTip(tr("Choose a prepared dataset folder with labels as the evaluation data"));
  connect(m_browseEval, &QPushButton::clicked, this, &TrainingPanel::browseEvalDataset);
  m_evalError = makeErrorLabel();
  m_evalError->setObjectName(QStringLiteral("evalError"));
  connect(m_evalDataset, &QComboBox::currentTextChanged, m_evalError, &QLabel::hide);
  auto* evalRow = new QHBoxLayout;
  evalRow->addWidget(m_evalDataset, 1);
  evalRow->addWidget(m_browseEval);
  m_runFolder = new QLineEdit;
  m_runFolder->setPlaceholderText(tr("<runs folder>/<method>-<dataset>-<time> (default)"));
  auto* browse = new QPushButton(tr("Browse…"));
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Run folder"),
                                                          QFileInfo::exists(runsFolder()) ? runsFolder() : QDir::homePath());
    if (!dir.isEmpty()) m_runFolder->setText(dir);
  });
  auto* folderRow = new QHBoxLayout;
  folderRow->addWidget(m_runFolder, 1);
  folderRow->addWidget(browse);
  m_runsFolder = new QLineEdit(defaultRunsFolder());
  m_runsFolder->setToolTip(tr("Each run without a run folder of its own goes into a new subfolder here "
                              "(created when the first run starts)"));
  m_browseRuns = new QPushButton(tr("Browse…"));
  connect(m_browseRuns, &QPushButton::clicked, this, [this] {
    const QString start = QFileInfo::exists(runsFolder()) ? runsFolder() : QDir::homePath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Runs folder"), start);
    if (!dir.isEmpty()) setRunsFolder(dir);
  });
  connect(m_runsFolder, &QLineEdit::editingFinished, this, [this] { setRunsFolder(m_runsFolder->text()); });
  // Data-parallel: the CLI's launcher, each process on its share of every batch (Gloo on the CPU,
  // one process per GPU with NCCL on CUDA builds).
  m_processes = new QSpinBox;
  m_localProcesses = pretext::cudaAvailable() ? std::max(1, pretext::cudaDeviceCount()) : std::max(2, QThread::idealThreadCount());
  m_processes->setRange(1, m_localProcesses);
  m_processes->setValue(1);
  m_processes->setToolTip(tr("Data-parallel training: more than 1 runs pretext-cli train --nproc N, each process "
                             "on its share of every batch, and follows its run folder here"));
  auto* runsRow = new QHBoxLayout;
  runsRow->addWidget(m_runsFolder, 1);
  runsRow->addWidget(m_browseRuns);

  // Over the form while a followed run's config.json cannot be read: the form then shows the
  // panel's own settings, not the run's.
  m_followedConfigError = makeErrorLabel();
  m_followedConfigError->setObjectName(QStringLiteral("followedConfigError"));

  auto* setup = new QGroupBox(tr("Run"));
  auto* form = new QFormLayout(setup);
  form->addRow(m_followedConfigError);
  form->addRow(tr("Method:"), m_method);
  form->addRow(tr("Backbone:"), m_backbone);
  form->addRow(tr("Width:"), m_width);
  form->addRow(tr("First layer:"), m_firstKernel);
  form->addRow(tr("Epochs:"), m_epochs);
  form->addRow(tr("Batch size:"), m_batch);
  form->addRow(tr("Subset:"), m_subset);
  form->addRow(tr("Training split:"), m_trainSplit);
  form->addRow(m_trainSplitNote);
  form->addRow(tr("Learning rate:"), m_lr);
  form->addRow(tr("Evaluation data:"), evalRow);
  form->addRow(m_evalError);
  form->addRow(m_evalNote);
  form->addRow(pretext::cudaAvailable() ? tr("GPUs:") : tr("Processes:"), m_processes);
  form->addRow(tr("Runs folder:"), runsRow);
  form->addRow(tr("Run folder:"), folderRow);

  auto* optionsBox = new QGroupBox(tr("Method options"));
  m_options = new QFormLayout(optionsBox);
  m_description = new QLabel;
  m_description->setWordWrap(true);
  m_description->setTextFormat(Qt::RichText);
  m_description->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  auto* aboutBox = new QGroupBox(tr("What it learns"));
  auto* aboutLayout = new QVBoxLayout(aboutBox);
  // The description and the formula may be taller than the space left (a long paragraph, Chinese
  // text, a large font): they scroll instead of being cut off.
  auto* aboutScroll = new QScrollArea;
  aboutScroll->setWidget(m_description);
  aboutScroll->setWidgetResizable(true);
  aboutScroll->setFrameShape(QFrame::NoFrame);
  aboutScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  aboutLayout->addWidget(aboutScroll);

  m_start = new QPushButton(tr("Start"));
  m_start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  m_start->setToolTip(tr("Start training (Ctrl+Return)"));
  m_pause = new QPushButton(tr("Pause"));
  m_pause->setToolTip(tr("Pause or resume after the current batch"));
  m_stop = new QPushButton(tr("Stop"));
  m_stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  m_stop->setToolTip(tr("Stop after the current batch and write a checkpoint (Ctrl+.)"));
  auto* resume = new QPushButton(tr("Resume run folder…"));
  connect(m_start, &QPushButton::clicked, this, &TrainingPanel::start);
  connect(m_pause, &QPushButton::clicked, this, &TrainingPanel::togglePause);
  connect(m_stop, &QPushButton::clicked, this, &TrainingPanel::stop);
  connect(resume, &QPushButton::clicked, this, &TrainingPanel::resumeFolder);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_start);
  buttons->addWidget(m_pause);
  buttons->addWidget(m_stop);
  buttons->addStretch();
  buttons->addWidget(resume);

  m_progress = new QProgressBar;
  m_progress->setFormat(tr("epoch %v"));
  m_status = new QLabel(tr("Ready."));
  m_status->setWordWrap(true);
  m_resumeFollowed = new QPushButton(tr("Resume"));
  m_resumeFollowed->setObjectName(QStringLiteral("resumeFollowed"));
  m_resumeFollowed->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
  m_resumeFollowed->hide();
  connect(m_resumeFollowed, &QPushButton::clicked, this, &TrainingPanel::resumeFollowed);
  m_resumeNote = new QLabel;
  m_resumeNote->setWordWrap(true);
  m_resumeNote->hide();
  auto* resumeRow = new QHBoxLayout;
  resumeRow->addWidget(m_resumeFollowed, 0, Qt::AlignLeft);
  resumeRow->addWidget(m_resumeNote, 1);
  m_device = new QLabel(tr("Device: %1").arg(QString::fromStdString(pretext::bestDevice()).toUpper()));
  m_log = new QPlainTextEdit;
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(500);
  m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_log->setFixedHeight(5 * m_log->fontMetrics().lineSpacing() + 12);
  m_log->setPlaceholderText(tr("Output of the training processes"));
  m_log->hide();  // shown once processes run

  m_follower = new RunFollower(this);
  connect(m_follower, &RunFollower::rowsAdded, this, &TrainingPanel::onFollowedRows);
  connect(m_follower, &RunFollower::checkpointChanged, this, &TrainingPanel::checkpointWritten);
  connect(m_follower, &RunFollower::restarted, this, [this] {
    // A resume rewrites metrics.csv without the rows after its checkpoint, and the rows read again
    // replace the chart's from their step on; a run started again in the folder gets a line of its
    // own. Which of the two: whether its first step is the line's first step (onFollowedRows).
    m_restartPending = true;
    m_followedEpochs = 0;
  });
  connect(m_follower, &RunFollower::configUnreadable, this, [this](const QString& error) {
    m_followedConfigError->setText(
        tr("The followed run's settings cannot be read; the form shows this panel's own, not the run's. %1").arg(error));
    m_followedConfigError->show();
    // Its wrapped lines' height, at a width under the form's (as the training split's note).
    m_followedConfigError->setMinimumHeight(m_followedConfigError->heightForWidth(320));
  });
  connect(m_follower, &RunFollower::configRead, this, [this](const pretext::TrainConfig& c) {
    m_followedConfigError->hide();
    // The form shows what the followed run trains (as it does for an experiment's runs).
    const int method = m_method->findData(QString::fromStdString(c.method));
    if (method >= 0) m_method->setCurrentIndex(method);
    m_backbone->setCurrentText(QString::fromStdString(c.backbone));
    m_width->setValue(c.backboneWidth);
    showFirstKernel(c.firstKernel);
    m_epochs->setValue(c.epochs);
    m_batch->setValue(c.batchSize);
    m_subset->setValue(int(std::min<std::int64_t>(c.subset, m_subset->maximum())));
    m_lr->setValue(c.learningRate);
    m_trainSplit->setCurrentIndex(std::max(0, m_trainSplit->findData(QString::fromStdString(c.trainSplit))));
    // The number of processes the run records (runs before the record: 1).
    m_processes->setMaximum(std::max(m_processes->maximum(), c.worldSize));
    m_processes->setValue(c.worldSize);
    setEvalDataset(c.evalDataset);
    for (auto* box : m_optionBoxes) {
      const auto it = c.methodOptions.find(box->objectName().toStdString());
      if (it != c.methodOptions.end()) box->setValue(it->second);
    }
  });
  connect(m_follower, &RunFollower::message, this, [this](const QString& text) {
    appendLog(text);
    emit statusMessage(text);
  });
  connect(m_follower, &RunFollower::quiet, this, [this](qint64 seconds) {
    m_status->setText(tr("Following %1: nothing new for %2; the run may have stopped")
                          .arg(QDir(m_runDir).dirName(), duration(double(seconds))));
  });
  connect(m_follower, &RunFollower::writerChanged, this, [this](const pretext::RunWriterStatus& s) {
    if (!m_following) return;
    using Kind = pretext::RunWriterStatus::Kind;
    const auto& r = s.record;
    const QString host = QString::fromStdString(r.host);
    const qint64 step = s.stepReached(m_follower->lastStep());
    const QString resume =
        r.checkpointStep >= 0
            ? tr("last checkpoint at step %1, resume with %2")
                  .arg(r.checkpointStep)
                  .arg(QString::fromStdString(s.resumeCommand(QDir::toNativeSeparators(m_runDir).toStdString())))
            : tr("no checkpoint yet: start it again");
    const qint64 silent = s.heartbeatAgeMs / 1000;
    QString state, detail, brief;  // the panel says state — detail; the status bar the brief form
    switch (s.kind) {
      case Kind::None: return;
      case Kind::Running: state = tr("running (pid %1 on %2)").arg(r.pid).arg(host); break;
      case Kind::Finished: state = tr("finished"); break;
      case Kind::Stopped: state = tr("stopped at step %1").arg(step); detail = resume; break;
      case Kind::Failed:
        state = tr("failed at step %1").arg(step);
        detail = i18n::coreMessage(QString::fromStdString(r.message)) + QStringLiteral("; ") + resume;
        break;
      case Kind::Gone:
        state = tr("stopped at step %1: the process %2 on this host is gone without finishing (killed?)").arg(step).arg(r.pid);
        brief = tr("gone at step %1 (killed?)").arg(step);
        detail = resume;
        break;
      case Kind::Silent:
        state = s.thisHost ? tr("no heartbeat from pid %1 for %2 s (the process is there: paused or hung?)").arg(r.pid).arg(silent)
                           : tr("no heartbeat from %1 for %2 s").arg(host).arg(silent);
        brief = tr("no heartbeat for %1 s").arg(silent);
        if (!s.thisHost) detail = resume;
        break;
      case Kind::Unreadable: state = tr("writer record unreadable"); detail = QString::fromStdString(s.error); break;
    }
    m_followedState = brief.isEmpty() ? state : brief;
    if (!m_process) {
      m_device->setText(r.worldSize > 1 ? tr("Written by pid %1 on %2 (rank 0 of %3 processes)").arg(r.pid).arg(host).arg(r.worldSize)
                                        : tr("Written by pid %1 on %2").arg(r.pid).arg(host));
    }
    if (s.kind != Kind::Running && s.kind != Kind::Finished) {
      const QString text = detail.isEmpty() ? state : tr("%1 — %2").arg(state, detail);
      m_status->setText(tr("Following %1: %2").arg(QDir(m_runDir).dirName(), text));
      emit statusMessage(text);
    }
    updateResumeOffer(s);
    emit followedStateChanged();
  });
  connect(m_follower, &RunFollower::runEnded, this, [this] {
    if (m_process) return;  // its exit status says how it ended
    pretext::RunResult r;
    r.epochsDone = m_followedEpochs;
    r.finalKnnAccuracy = m_followedKnn;
    // After its last epoch's row the process may still fail (the final checkpoint not written) or
    // vanish: its writer record says so, and the run is reported failed, not finished.
    using Kind = pretext::RunWriterStatus::Kind;
    const pretext::RunWriterStatus& w = m_follower->writerStatus();
    if (w.kind == Kind::Failed) {
      r.status = pretext::RunStatus::Failed;
      r.message = w.record.message.empty() ? tr("its writer record says it failed").toStdString() : w.record.message;
    } else if (w.kind == Kind::Gone) {
      r.status = pretext::RunStatus::Failed;
      r.message = tr("the process %1 on this host is gone without finishing (killed?)").arg(w.record.pid).toStdString();
    }
    finishFollowing(r);
  });

  auto* left = new QVBoxLayout;
  left->addWidget(setup);
  left->addWidget(optionsBox);
  left->addWidget(aboutBox, 1);
  auto* leftWidget = new QWidget;
  leftWidget->setLayout(left);
  leftWidget->setMaximumWidth(460);

  m_chart = new LiveChart;
  auto* right = new QVBoxLayout;
  right->addLayout(buttons);
  right->addWidget(m_progress);
  right->addWidget(m_status);
  right->addLayout(resumeRow);
  right->addWidget(m_device);
  right->addWidget(m_log);
  right->addWidget(m_chart, 1);

  auto* layout = new QHBoxLayout(this);
  layout->addWidget(leftWidget);
  layout->addLayout(right, 1);

  connect(m_method, &QComboBox::currentIndexChanged, this, &TrainingPanel::rebuildOptions);
  connect(m_method, &QComboBox::currentIndexChanged, this, &TrainingPanel::updateTrainSplit);
  rebuildOptions();
  updateTrainSplit();
  setRunning(false);
}

TrainingPanel::~TrainingPanel() {
  if (m_process) {
    // The processes write their checkpoint on SIGINT; the window waits for that, not longer.
    disconnect(m_process, nullptr, this, nullptr);
#ifdef Q_OS_UNIX
    ::kill(pid_t(m_process->processId()), SIGINT);
#else
    m_process->terminate();
#endif
    if (!m_process->waitForFinished(60000)) m_process->kill();
  }
  m_worker->requestStop();  // the run returns within one batch and writes its checkpoint
  m_thread.quit();
  m_thread.wait();
}

void TrainingPanel::setDataset(const pretext::Dataset& dataset) {
  m_dataset = dataset;
  m_start->setEnabled(!m_running && m_dataset.valid());
  fillEvalDatasets();  // a folder prepared since is listed too
  updateEvalNote();
  updateTrainSplit();
}

void TrainingPanel::fillEvalDatasets() {
  const QString current = m_evalDataset->count() > 0 ? evalDatasetSpec() : QString();
  {
    const QSignalBlocker block(m_evalDataset);
    m_evalDataset->clear();
    m_evalDataset->addItem(tr("None"), QString());
    // The labelled datasets the Dataset panel lists (installed kinds and prepared sets with classes).
    for (const auto& entry : pretext::findDatasets()) {
      if (!entry.available) continue;
      if (entry.kind == "prepared" && entry.description.find(" classes") == std::string::npos) continue;  // unlabelled
      pretext::DatasetSpec spec;
      spec.kind = entry.kind;
      spec.path = entry.path;
      const QString name = entry.path.empty() ? QString::fromStdString(entry.kind)
                                              : QStringLiteral("%1: %2").arg(QString::fromStdString(entry.kind),
                                                                             QFileInfo(QString::fromStdString(entry.path)).fileName());
      m_evalDataset->addItem(name, QString::fromStdString(spec.toString()));
      m_evalDataset->setItemData(m_evalDataset->count() - 1,
                                 QStringLiteral("%1\n%2").arg(QString::fromStdString(spec.toString()),
                                                               QString::fromStdString(entry.description)),
                                 Qt::ToolTipRole);
    }
  }
  setEvalDataset(current.toStdString());
}

void TrainingPanel::setEvalDataset(const std::string& spec) {
  const QString data = QString::fromStdString(spec);
  int index = m_evalDataset->findData(data);
  if (index < 0) {  // one typed in, or from a run's config: listed as itself
    m_evalDataset->addItem(data, data);
    index = m_evalDataset->count() - 1;
  }
  m_evalDataset->setCurrentIndex(index);
  updateEvalNote();
}

// Browse…: a folder becomes the evaluation data only when it would serve: a prepared dataset that
// loads as the Dataset panel's open loads it, with labels, and with the training set's image shape.
// Otherwise the reason is shown under the field, which keeps its choice.
void TrainingPanel::browseEvalDataset() {
  QString start = QDir::homePath();
  if (const QString spec = evalDatasetSpec(); spec.startsWith(QStringLiteral("prepared:"))) {
    const QFileInfo chosen(spec.mid(9));
    if (chosen.exists()) start = chosen.absolutePath();
  }
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Evaluation data: a prepared dataset folder"), start);
  if (dir.isEmpty()) return;
  const auto shape = [](const pretext::Dataset& d) {
    return QStringLiteral("%1×%2×%3").arg(d.channels()).arg(d.height()).arg(d.width());
  };
  QString why;
  pretext::DatasetSpec spec;
  try {
    spec = pretext::DatasetSpec::parse(dir.toStdString());
    if (spec.kind != "prepared") {
      why = tr("%1 is not a prepared dataset (it has no manifest.json). Prepare it first: Dataset panel, "
               "Prepare a folder…, or pretext-cli prepare.")
                .arg(dir);
    } else {
      const pretext::Dataset d = pretext::Dataset::load(spec);
      if (d.numClasses() == 0) {
        why = tr("%1 has no labels; evaluation data needs them (the k-NN monitor, the linear probe, class colours).").arg(dir);
      } else if (m_dataset.valid() && (d.channels() != m_dataset.channels() || d.height() != m_dataset.height() ||
                                       d.width() != m_dataset.width())) {
        why = tr("%1 holds images of %2, the training set %3; evaluation data must have the same shape.")
                  .arg(dir, shape(d), shape(m_dataset));
      }
    }
  } catch (const std::exception& e) {
    why = tr("Could not open “%1”: %2").arg(dir, i18n::coreMessage(QString::fromStdString(e.what())));
  }
  if (!why.isEmpty()) {
    m_evalError->setText(why);
    m_evalError->show();
    emit statusMessage(why);
    return;
  }
  const QString data = QString::fromStdString(spec.toString());
  if (m_evalDataset->findData(data) < 0) {  // named as the listed ones are
    m_evalDataset->addItem(QStringLiteral("prepared: %1").arg(QFileInfo(dir).fileName()), data);
    m_evalDataset->setItemData(m_evalDataset->count() - 1, data, Qt::ToolTipRole);
  }
  setEvalDataset(spec.toString());
  m_evalError->hide();
}

QString TrainingPanel::evalDatasetSpec() const {
  const QString text = m_evalDataset->currentText().trimmed();
  const int index = m_evalDataset->findText(text);
  return index >= 0 ? m_evalDataset->itemData(index).toString() : text;
}

void TrainingPanel::updateEvalNote() {
  const bool unlabelled = m_dataset.valid() && m_dataset.numClasses() == 0;
  m_evalNote->setVisible(unlabelled && evalDatasetSpec().isEmpty());
  if (m_evalNote->isHidden()) return;
  m_evalNote->setText(tr("%1 has no labels. Without an evaluation dataset this run cannot show the k-NN monitor, the "
                         "linear probe or class colours; it trains, and the retrieval galleries and the embedding "
                         "(without colours) still work.")
                          .arg(QString::fromStdString(m_dataset.name())));
  // A wrapped label in a form gets the height of its unwrapped line unless it asks for more: the
  // lines it needs at a width somewhat under the form's (the panel's left side is at most 460 px).
  m_evalNote->setMinimumHeight(m_evalNote->heightForWidth(320));
}

bool TrainingPanel::reloadsDataset(const pretext::TrainConfig& c) const {
  // DatasetSpec::loadUnlabeled: only stl10 reads a split of its own for it (unlabeled_X.bin).
  return m_dataset.valid() && pretext::trainingDatasetSpec(c).loadUnlabeled && m_dataset.spec().kind == "stl10" &&
         !m_dataset.spec().loadUnlabeled;
}

QString TrainingPanel::trainSplitProblem(const QString& split) const {
  if (!m_dataset.valid()) return {};
  const bool usesLabels = pretext::methodInfo(m_method->currentData().toString().toStdString()).usesLabels;
  pretext::TrainConfig c;
  c.dataset = m_dataset.spec();
  c.trainSplit = split.toStdString();
  // The run reads the unlabelled images the panel's STL-10 lacks: only the method's part of the rule applies now.
  if (!usesLabels && reloadsDataset(c)) return {};
  return QString::fromStdString(pretext::trainSplitRefusal(m_dataset, usesLabels, c.trainSplit));
}

void TrainingPanel::updateTrainSplit() {
  auto* model = qobject_cast<QStandardItemModel*>(m_trainSplit->model());
  pretext::TrainConfig unlabelledRun;
  unlabelledRun.trainSplit = "unlabeled";
  for (int i = 0; i < m_trainSplit->count(); ++i) {
    const QString split = m_trainSplit->itemData(i).toString();
    const QString why = trainSplitProblem(split);
    if (model) model->item(i)->setEnabled(why.isEmpty());
    pretext::TrainConfig c;
    c.trainSplit = split.toStdString();
    QString tip;
    if (!why.isEmpty()) tip = i18n::coreMessage(why.section(QStringLiteral(": "), 1));  // after "--train-split X: "
    else if (reloadsDataset(c)) tip = tr("%1 was opened without its unlabelled images: the run reads them (unlabeled_X.bin) "
                                         "when it starts").arg(QString::fromStdString(m_dataset.name()));
    else if (split == QLatin1String("auto") && reloadsDataset(unlabelledRun))
      tip = tr("%1 was opened without its unlabelled images: Automatic trains on its train split; choose Unlabelled "
               "split to train on them").arg(QString::fromStdString(m_dataset.name()));
    m_trainSplit->setItemData(i, tip.isEmpty() ? QVariant() : QVariant(tip), Qt::ToolTipRole);
  }
  // A refused choice that is chosen (a run's config.json, a method changed since) is said, and Start refuses it.
  const QString why = trainSplitProblem(m_trainSplit->currentData().toString());
  m_trainSplitNote->setText(why.isEmpty() ? QString()
                                          : tr("Cannot train on this split: %1")
                                                .arg(i18n::coreMessage(why.section(QStringLiteral(": "), 1))));
  m_trainSplitNote->setVisible(!why.isEmpty());
  // Its wrapped lines' height, at a width under the form's (as the evaluation note's).
  if (!why.isEmpty()) m_trainSplitNote->setMinimumHeight(m_trainSplitNote->heightForWidth(320));
}

void TrainingPanel::rebuildOptions() {
  while (m_options->rowCount() > 0) m_options->removeRow(0);
  m_optionBoxes.clear();
  const auto& info = pretext::methodInfo(m_method->currentData().toString().toStdString());
  for (const auto& o : info.options) {
    auto* box = new QDoubleSpinBox;
    box->setObjectName(QString::fromStdString(o.name));
    box->setDecimals(o.defaultValue == std::floor(o.defaultValue) ? 0 : 4);
    box->setRange(std::max(o.minValue, -1e7), std::min(o.maxValue, 1e7));  // the ranges checkMethodOptions takes
    box->setSingleStep(o.defaultValue >= 10 ? 64 : 0.01);
    box->setValue(o.defaultValue);
    // The command line's flag: --method-momentum for a method's own momentum (--momentum is the optimizer's).
    box->setToolTip(QStringLiteral("%1: %2").arg(QString::fromStdString(pretext::methodOptionFlag(o.name)),
                                                 i18n::catalogueText(i18n::kOptions, o.help)));
    m_options->addRow(tr("%1:").arg(i18n::catalogueText(i18n::kOptionNames, o.name)), box);
    m_optionBoxes.append(box);
  }
  if (info.options.empty()) m_options->addRow(new QLabel(tr("This method has no options.")));
  // The loss as a slide shows it (formulas.cpp); the core's plain formula where there is no rendering.
  QString loss = formulas::lossHtml(QString::fromStdString(info.name));
  if (loss.isEmpty()) loss = QStringLiteral("<tt>%1</tt>").arg(QString::fromStdString(info.lossFormula).toHtmlEscaped());
  m_description->setText(QStringLiteral("<b>%1</b><br><i>%2</i><p>%3</p><p><b>%4</b></p>%5")
                             .arg(i18n::catalogueText(i18n::kMethods, info.title).toHtmlEscaped(),
                                  i18n::catalogueText(i18n::kMethods, info.paper).toHtmlEscaped(),
                                  i18n::catalogueText(i18n::kMethods, info.description).toHtmlEscaped(),
                                  tr("Loss:"), loss));
}

void TrainingPanel::setAugmentation(const QString& preset, const pretext::AugmentConfig& config) {
  m_augmentPreset = preset;
  m_augment = config;
}

QString TrainingPanel::defaultRunsFolder() {
  QString base = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  if (base.isEmpty()) base = QDir::homePath();
  return QDir::cleanPath(QDir(base).absoluteFilePath(QStringLiteral("Pretext/runs")));
}

QString TrainingPanel::runsFolder() const {
  const QString text = m_runsFolder->text().trimmed();
  return text.isEmpty() ? defaultRunsFolder() : QDir::cleanPath(QDir(text).absolutePath());
}

void TrainingPanel::setRunsFolder(const QString& dir) {
  const QString text = dir.trimmed();
  m_runsFolder->setText(text.isEmpty() ? defaultRunsFolder() : QDir::cleanPath(QDir(text).absolutePath()));
  if (m_useSettings) QSettings().setValue(QStringLiteral("training/runsFolder"), m_runsFolder->text());
}

void TrainingPanel::useSettings() {
  m_useSettings = true;
  const QString stored = QSettings().value(QStringLiteral("training/runsFolder")).toString();
  m_runsFolder->setText(stored.isEmpty() ? defaultRunsFolder() : stored);
}

pretext::TrainConfig TrainingPanel::config() const {
  pretext::TrainConfig c;
  if (m_dataset.valid()) c.dataset = m_dataset.spec();
  c.method = m_method->currentData().toString().toStdString();
  c.backbone = m_backbone->currentText().toStdString();
  c.backboneWidth = m_width->value();
  const int kernel = m_firstKernel->currentData().toInt();
  c.firstKernel = c.backbone == "convnet" && kernel != 5 ? kernel : 0;  // 0: the default, 5 (config.json as before)
  c.epochs = m_epochs->value();
  c.batchSize = m_batch->value();
  c.subset = m_subset->value();
  c.learningRate = m_lr->value();
  c.cpuBf16Auto = c.cpuChannelsLastAuto = true;  // as the CLI: the Trainer chooses for this CPU and method
  c.evalDataset = evalDatasetSpec().toStdString();
  c.trainSplit = m_trainSplit->currentData().toString().toStdString();
  c.dataset = pretext::trainingDatasetSpec(c);  // as the CLI: stl10 then reads its unlabeled_X.bin
  for (const auto* box : m_optionBoxes) c.methodOptions[box->objectName().toStdString()] = box->value();
  c.augmentPreset = m_augmentPreset.toStdString();
  if (m_augmentPreset == QLatin1String("custom")) c.augment = m_augment;
  QString folder = m_runFolder->text().trimmed();
  if (folder.isEmpty()) {
    folder = QDir(runsFolder()).filePath(QStringLiteral("%1-%2-%3")
                                          .arg(QString::fromStdString(c.method), QString::fromStdString(c.dataset.kind),
                                               QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
  }
  c.outDir = folder.toStdString();
  return c;
}

void TrainingPanel::start() {
  if (m_running || !m_dataset.valid()) return;
  if (const QString why = trainSplitProblem(m_trainSplit->currentData().toString()); !why.isEmpty()) {
    const QString text = tr("Cannot start: %1").arg(i18n::coreMessage(why));
    m_status->setText(text);
    emit statusMessage(text);
    return;
  }
  m_queue.clear();
  const pretext::TrainConfig c = config();
  const QString label = QStringLiteral("%1 %2").arg(QString::fromStdString(c.method), QString::fromStdString(c.backbone));
  if (m_processes->value() > 1) startProcesses(c, label);
  else startConfig(c, label);
}

void TrainingPanel::startRuns(const QList<PresetRun>& runs) {
  if (m_running || !m_dataset.valid() || runs.isEmpty()) return;
  m_queue = runs;
  m_queueTotal = int(runs.size());
  startQueued();
}

void TrainingPanel::startQueued() {
  const PresetRun next = m_queue.takeFirst();
  pretext::TrainConfig c = next.config;
  // The runs take the form's training split; a method on labels (the supervised baseline), which
  // cannot train on the unlabelled split, trains on the labelled one instead of failing the experiment.
  if (c.trainSplit == "unlabeled" && pretext::methodInfo(c.method).usesLabels) {
    c.trainSplit = "auto";
    c.dataset.loadUnlabeled = m_dataset.valid() && m_dataset.spec().loadUnlabeled;
    emit statusMessage(tr("%1 trains on labels: in this experiment it trains on the labelled train split").arg(next.label));
  }
  // The form shows what runs, so that a class sees the method being trained.
  m_method->setCurrentIndex(m_method->findData(QString::fromStdString(c.method)));
  m_backbone->setCurrentText(QString::fromStdString(c.backbone));
  showFirstKernel(c.firstKernel);
  m_epochs->setValue(c.epochs);
  m_batch->setValue(c.batchSize);
  m_subset->setValue(int(c.subset));
  m_trainSplit->setCurrentIndex(std::max(0, m_trainSplit->findData(QString::fromStdString(c.trainSplit))));
  setEvalDataset(c.evalDataset);
  // With the form's Processes, as Start: an experiment's runs are compared with runs trained alike.
  if (m_processes->value() > 1) startProcesses(c, next.label);
  else startConfig(c, next.label);
  if (!m_running) {  // pretext-cli could not be started (said in the status line): nor can the rest
    m_queue.clear();
    return;
  }
  m_status->setText(tr("Experiment run %1 of %2: %3 …").arg(m_queueTotal - int(m_queue.size())).arg(m_queueTotal).arg(next.label));
}

void TrainingPanel::startConfig(const pretext::TrainConfig& config, const QString& label) {
  pretext::TrainConfig c = config;
  c.dataset = pretext::trainingDatasetSpec(config);
  // STL-10 opened without its unlabelled images, trained on them: the worker loads c.dataset.
  const bool reload = reloadsDataset(c);
  m_chart->beginRun(label);
  m_progress->setRange(0, std::max(1, c.epochs));
  m_progress->setValue(0);
  m_status->setText((reload ? tr("Starting %1 on %2: reading its unlabelled images first …") : tr("Starting %1 on %2 …"))
                        .arg(QString::fromStdString(c.method), QString::fromStdString(m_dataset.name())));
  setRunning(true);
  m_runDir = QString::fromStdString(c.outDir);
  QMetaObject::invokeMethod(m_worker, "start", Qt::QueuedConnection, Q_ARG(pretext::TrainConfig, c),
                            Q_ARG(pretext::Dataset, reload ? pretext::Dataset{} : m_dataset), Q_ARG(QString, QString()));
  emit runStarted();
  emit runFolderChanged(m_runDir);
}

void TrainingPanel::resumeFolder() {
  if (m_running) return;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Resume a run folder"), QDir::currentPath());
  if (!dir.isEmpty()) resumeRun(dir);
}

namespace {

/// Why a run whose writer is alive is not resumed (Resume run folder… and the followed run's Resume).
QString writerAliveText(const QString& name, const pretext::RunWriterStatus& s) {
  return TrainingPanel::tr("%1 is still being written by pid %2 on %3: resuming it too would make two writers")
      .arg(name)
      .arg(s.record.pid)
      .arg(QString::fromStdString(s.record.host));
}

}  // namespace

bool TrainingPanel::resumeRun(const QString& dir) {
  if (m_running) return false;
  const std::string runDir = QFile::encodeName(runFolderPath(dir)).toStdString();
  const pretext::RunWriterStatus s = pretext::runWriterStatus(runDir);
  if (s.resumable(runDir) == pretext::RunWriterStatus::Resumable::WriterAlive) {
    const QString text = writerAliveText(QDir(dir).dirName(), s);
    m_status->setText(text);
    emit statusMessage(text);
    return false;
  }
  return resumeAsRecorded(dir, s, false);
}

void TrainingPanel::resumeHere(const QString& dir, bool continueChart) {
  m_queue.clear();
  if (!continueChart) m_chart->beginRun(QDir(dir).dirName());
  m_status->setText(tr("Resuming %1 …").arg(dir));
  setRunning(true);
  m_runDir = dir;
  QMetaObject::invokeMethod(m_worker, "start", Qt::QueuedConnection, Q_ARG(pretext::TrainConfig, pretext::TrainConfig{}),
                            Q_ARG(pretext::Dataset, pretext::Dataset{}), Q_ARG(QString, dir));
  emit runStarted();
  emit runFolderChanged(m_runDir);
}

int TrainingPanel::resumeProcesses(int recorded, int batch) const {
  if (recorded <= m_localProcesses) return std::max(1, recorded);
  // Fewer: the global batch is kept, so each process takes an equal share of it.
  for (int n = m_localProcesses; n > 1; --n) {
    if (batch <= 0 || batch % n == 0) return n;
  }
  return 1;
}

namespace {

/// What the run folder's config.json records of its job: the global batch size (0 when it cannot be
/// read) and the number of processes (world_size; 1 when it cannot be read).
struct RecordedJob {
  int batch = 0;
  int processes = 1;
};

RecordedJob recordedJob(const QString& dir) {
  // An error is not said here: RunFollower says it for a followed run, and the resume says the trainer's.
  const RunConfigRead read = readRunConfig(dir);
  if (!read.config) return {};
  return {read.config->batchSize, std::max(1, read.config->worldSize)};
}

}  // namespace

void TrainingPanel::updateResumeOffer(const pretext::RunWriterStatus& s) {
  const QString dir = QDir::toNativeSeparators(m_runDir);
  const bool offer = !m_runDir.isEmpty() && !m_process && (m_following || !m_running) &&
                     s.resumable(QFile::encodeName(m_runDir).toStdString()) == pretext::RunWriterStatus::Resumable::Yes;
  m_resumeFollowed->setVisible(offer);
  m_resumeNote->setVisible(false);
  if (!offer) return;
  const int recorded = std::max(1, s.record.worldSize);
  const int batch = recordedJob(m_runDir).batch;
  const int n = resumeProcesses(recorded, batch);
  const bool gpus = pretext::cudaAvailable();
  m_resumeFollowed->setText(n == 1 ? tr("Resume this run")
                            : gpus ? tr("Resume on %1 GPUs").arg(n)
                                   : tr("Resume with %1 processes").arg(n));
  m_resumeFollowed->setToolTip(tr("Continue from the checkpoint at step %1 here: %2")
                                   .arg(s.record.checkpointStep)
                                   .arg(QString::fromStdString(s.resumeCommand(dir.toStdString(), n == recorded ? 0 : n))));
  if (n != recorded) {
    m_resumeNote->setText((gpus ? tr("This machine has %1 GPUs and the run had %2: resuming on %3 keeps the global batch of "
                                     "%4 (%5 a GPU).")
                                : tr("This machine runs at most %1 processes and the run had %2: resuming with %3 keeps the "
                                     "global batch of %4 (%5 a process)."))
                              .arg(m_localProcesses)
                              .arg(recorded)
                              .arg(n)
                              .arg(batch)
                              .arg(n > 0 ? batch / n : batch));
    m_resumeNote->show();
  }
}

bool TrainingPanel::resumeFollowed() {
  const QString dir = m_runDir;
  const QString name = QDir(dir).dirName();
  if (dir.isEmpty()) return false;
  if (m_process || (m_running && !m_following)) return refuseResume(tr("A run is going here: stop it before resuming another"));
  // What the record says now, not at the last poll: another process may have resumed it since.
  const std::string runDir = QFile::encodeName(dir).toStdString();
  const pretext::RunWriterStatus s = pretext::runWriterStatus(runDir);
  using Resumable = pretext::RunWriterStatus::Resumable;
  switch (s.resumable(runDir)) {
    case Resumable::Yes: break;
    case Resumable::WriterAlive:
      return refuseResume(writerAliveText(name, s));
    case Resumable::Finished: return refuseResume(tr("%1 finished: there is nothing to resume").arg(name));
    case Resumable::NoCheckpoint: return refuseResume(tr("%1 has no checkpoint to resume from: start it again").arg(name));
    case Resumable::Unknown:
      return refuseResume(tr("%1 has no writer record that says its process ended: resume it with Resume run folder… "
                             "once you know nothing writes it any more")
                              .arg(name));
  }
  return resumeAsRecorded(dir, s, true);
}

bool TrainingPanel::refuseResume(const QString& text) {
  m_status->setText(text);
  emit statusMessage(text);
  m_resumeFollowed->hide();
  m_resumeNote->hide();
  return false;
}

bool TrainingPanel::resumeAsRecorded(const QString& dir, const pretext::RunWriterStatus& s, bool continueChart) {
  if (s.kind == pretext::RunWriterStatus::Kind::Silent &&
      QMessageBox::question(this, tr("Resume"),
                            tr("Nothing has been heard from %1 for %2 s. If its process still runs there, resuming here "
                               "makes two processes write the same run. Resume?")
                                .arg(QString::fromStdString(s.record.host))
                                .arg(s.heartbeatAgeMs / 1000)) != QMessageBox::Yes) {
    return false;
  }
  // The job's number of processes: its writer record's (the job that wrote it last), else what
  // config.json records (a run written before writer records).
  const RecordedJob job = recordedJob(dir);
  const bool hasRecord = s.kind != pretext::RunWriterStatus::Kind::None && s.kind != pretext::RunWriterStatus::Kind::Unreadable;
  const int recorded = hasRecord ? std::max(1, s.record.worldSize) : job.processes;
  const int n = resumeProcesses(recorded, job.batch);
  if (n > 1 && (cliProgram().isEmpty() || !QFileInfo(cliProgram()).isExecutable())) {
    return refuseResume(tr("training in %1 processes needs pretext-cli beside the window (%2) or on PATH")
                            .arg(n)
                            .arg(QDir::toNativeSeparators(QCoreApplication::applicationDirPath())));
  }
  if (m_following) {
    pretext::RunResult stopped;
    stopped.status = pretext::RunStatus::Stopped;
    finishFollowing(stopped);
  }
  m_resumeFollowed->hide();
  m_resumeNote->hide();
  if (n == 1) {
    resumeHere(dir, continueChart);
    return true;
  }
  const QString folder = runFolderPath(dir);
  launchCli({QStringLiteral("train"), QStringLiteral("--resume"), folder, QStringLiteral("--nproc"), QString::number(n)}, folder,
            QDir(folder).dirName(), n, continueChart);
  if (n != recorded) {
    // Said where the person looks (the offer's note is for the followed run's button only).
    const QString text = tr("%1 had %2 processes and this machine runs %3: resuming with %3 keeps the global batch of %4")
                             .arg(QDir(folder).dirName())
                             .arg(recorded)
                             .arg(n)
                             .arg(job.batch);
    appendLog(text);
    emit statusMessage(text);
  }
  return true;
}

void TrainingPanel::togglePause() {
  if (!m_running) return;
  m_paused = !m_paused;
  m_worker->setPaused(m_paused);
  m_pause->setText(m_paused ? tr("Resume") : tr("Pause"));
  m_status->setText(m_paused ? tr("Paused.") : tr("Training …"));
}

void TrainingPanel::stop() {
  if (!m_running) return;
  if (m_process) {
#ifdef Q_OS_UNIX
    ::kill(pid_t(m_process->processId()), SIGINT);  // like Ctrl-C: every process stops at the same step
#else
    m_process->terminate();
#endif
    m_status->setText(tr("Stopping the processes after this batch …"));
    return;
  }
  if (m_following) {
    pretext::RunResult r;
    r.status = pretext::RunStatus::Stopped;
    r.epochsDone = m_followedEpochs;
    r.finalKnnAccuracy = m_followedKnn;
    finishFollowing(r);
    return;
  }
  m_worker->requestStop();
  m_worker->setPaused(false);
  m_status->setText(tr("Stopping after this batch …"));
}

void TrainingPanel::setRunning(bool running) {
  m_running = running;
  if (running) {
    m_resumeFollowed->hide();
    m_resumeNote->hide();
    m_followedConfigError->hide();  // a new run or follow: its own config.json says again
  }
  m_paused = false;
  m_start->setEnabled(!running && m_dataset.valid());
  m_pause->setEnabled(running);
  m_pause->setText(tr("Pause"));
  m_stop->setEnabled(running);
  for (QWidget* w : std::initializer_list<QWidget*>{m_method, m_backbone, m_width, m_epochs, m_batch, m_subset, m_lr, m_trainSplit, m_runFolder,
                                                     m_runsFolder, m_browseRuns, m_processes, m_evalDataset,
                                                     m_browseEval}) {
    w->setEnabled(!running);
  }
  updateFirstKernel();
}

void TrainingPanel::showFirstKernel(int kernel) {
  const int index = m_firstKernel->findData(kernel == 0 ? 5 : kernel);
  m_firstKernel->setCurrentIndex(index >= 0 ? index : m_firstKernel->findData(5));
}

void TrainingPanel::updateFirstKernel() {
  const bool convnet = m_backbone->currentText() == QLatin1String("convnet");
  m_firstKernel->setEnabled(convnet && !m_running);
  m_firstKernel->setToolTip(convnet ? tr("ConvNet: side of the first layer's filters (--first-kernel). Larger filters "
                                         "(7×7, 9×9) show edges and colour blobs more clearly in the Filters panel; "
                                         "5×5 is the default")
                                    : tr("Only the ConvNet backbone has a first-layer size to choose; %1 keeps its own")
                                          .arg(m_backbone->currentText()));
}

void TrainingPanel::onStep(const pretext::StepReport& r) {
  m_chart->addStep(double(r.globalStep), r.loss, r.learningRate, r.imagesPerSecond);
  m_progress->setMaximum(std::max(1, r.epochs));
  m_progress->setValue(r.epoch);
  m_progress->setFormat(tr("epoch %1/%2 · step %3/%4").arg(r.epoch + 1).arg(r.epochs).arg(r.step).arg(r.stepsPerEpoch));
  if (!m_paused) {
    QString text = tr("loss %1 · %2 img/s · lr %3 · %4 left")
                       .arg(r.loss, 0, 'f', 4)
                       .arg(r.imagesPerSecond, 0, 'f', 0)
                       .arg(r.learningRate, 0, 'g', 3)
                       .arg(duration(r.secondsLeft));
    if (r.taskAccuracy >= 0) text += tr(" · task accuracy %1%").arg(100.0 * r.taskAccuracy, 0, 'f', 1);
    m_status->setText(text);
  }
}

void TrainingPanel::onEpoch(const pretext::EpochReport& r) {
  m_chart->addEpoch(double(r.epoch + 1), r.knnAccuracy, r.epoch < 0);
  if (r.knnAccuracy >= 0) {
    emit statusMessage(r.epoch < 0 ? tr("Before training: k-NN accuracy %1%").arg(100.0 * r.knnAccuracy, 0, 'f', 2)
                                   : tr("Epoch %1: k-NN accuracy %2%").arg(r.epoch + 1).arg(100.0 * r.knnAccuracy, 0, 'f', 2));
  }
}

void TrainingPanel::onFinished(const pretext::RunResult& r) {
  setRunning(false);
  // The core's message is English (the CLI prints it): the window says the usual outcomes itself.
  QString text = i18n::coreMessage(QString::fromStdString(r.message));
  if (r.status == pretext::RunStatus::Finished) {
    text = r.epochsDone > 0 ? tr("Finished %1 epochs").arg(r.epochsDone) : tr("Evaluated without training");
  } else if (r.status == pretext::RunStatus::Stopped) {
    text = tr("Stopped after %1 complete epochs; the checkpoint lets the run resume from here").arg(r.epochsDone);
  }
  if (r.finalKnnAccuracy >= 0) text += tr(" · k-NN accuracy %1%").arg(100.0 * r.finalKnnAccuracy, 0, 'f', 2);
  m_status->setText((r.status == pretext::RunStatus::Failed ? tr("Failed: ") : QString()) + text);
  if (r.status == pretext::RunStatus::Finished) m_progress->setValue(m_progress->maximum());
  emit statusMessage(text);
  emit runFinished(r);
  if (r.status != pretext::RunStatus::Finished) m_queue.clear();
  if (!m_queue.isEmpty() && !m_running) startQueued();
}

QString TrainingPanel::cliProgram() const {
  if (!m_cliProgram.isEmpty()) return m_cliProgram;
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("pretext-cli"));
  if (QFileInfo(beside).isExecutable()) return beside;
  return QStandardPaths::findExecutable(QStringLiteral("pretext-cli"));
}

bool TrainingPanel::followRun(const QString& dir) {
  if (m_running || dir.trimmed().isEmpty()) return false;
  m_queue.clear();
  m_device->setText(tr("Written by another process"));  // until its writer record says which
  beginFollowing(dir, QDir(runFolderPath(dir)).dirName());
  return true;
}

void TrainingPanel::beginFollowing(const QString& dir, const QString& label, bool continueChart) {
  m_runDir = runFolderPath(dir);
  m_following = true;
  m_restartPending = false;
  if (!continueChart) m_firstStep = -1;
  m_followedState.clear();
  m_followedEpochs = 0;
  m_followedKnn = -1.0;
  if (!continueChart) m_chart->beginRun(label);
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_progress->setFormat(tr("waiting for metrics.csv"));
  setRunning(true);
  m_pause->setEnabled(false);  // another process: it has no pause
  m_status->setText(tr("Following %1 …").arg(QDir::toNativeSeparators(m_runDir)));
  emit runStarted();
  emit runFolderChanged(m_runDir);
  m_follower->follow(m_runDir);
}

void TrainingPanel::onFollowedRows(const std::vector<pretext::MetricsRow>& rows) {
  if (!m_following) return;
  if (m_restartPending) {
    const auto first = std::find_if(rows.begin(), rows.end(), [](const pretext::MetricsRow& r) { return r.isStep(); });
    if (first != rows.end()) {
      m_restartPending = false;
      if (first->globalStep != m_firstStep || first->loss != m_firstLoss) {
        m_chart->beginRun(tr("%1 (restarted)").arg(QDir(m_runDir).dirName()));
        m_firstStep = -1;
      }
    }
  }
  const int epochs = m_follower->epochs();
  const pretext::MetricsRow* lastStep = nullptr;
  for (const auto& row : rows) {
    if (row.isStep()) {
      if (m_firstStep < 0) {
        m_firstStep = row.globalStep;
        m_firstLoss = row.loss;
      }
      m_chart->addStep(double(row.globalStep), row.loss, row.learningRate, row.imagesPerSecond);
      lastStep = &row;
    } else {
      pretext::EpochReport e;
      e.epoch = int(row.epoch);
      e.meanLoss = row.loss;
      e.knnAccuracy = row.knnAccuracy;
      e.seconds = row.seconds;
      e.imagesPerSecond = row.imagesPerSecond;
      onEpoch(e);
      if (row.epoch >= 0) m_followedEpochs = int(row.epoch + 1);
      if (row.knnAccuracy >= 0) m_followedKnn = row.knnAccuracy;
    }
  }
  m_progress->setMaximum(std::max(1, epochs));
  m_progress->setValue(std::min(m_followedEpochs, std::max(1, epochs)));
  if (lastStep) {
    m_progress->setFormat(epochs > 0 ? tr("epoch %1/%2 · step %3").arg(lastStep->epoch + 1).arg(epochs).arg(lastStep->step)
                                     : tr("epoch %1 · step %2").arg(lastStep->epoch + 1).arg(lastStep->step));
    m_status->setText(tr("Following %1: loss %2 · %3 img/s · lr %4")
                          .arg(QDir(m_runDir).dirName())
                          .arg(lastStep->loss, 0, 'f', 4)
                          .arg(lastStep->imagesPerSecond, 0, 'f', 0)
                          .arg(lastStep->learningRate, 0, 'g', 3));
  }
}

void TrainingPanel::finishFollowing(const pretext::RunResult& result) {
  if (!m_following) return;
  m_follower->poll();  // the rows written last
  m_follower->stop();
  m_following = false;
  // A followed run may have been written by more processes than this machine runs (a cluster job):
  // the form's next Start launches no more than the local limit.
  m_processes->setMaximum(m_localProcesses);
  pretext::RunResult r = result;
  r.epochsDone = std::max(r.epochsDone, m_followedEpochs);
  if (r.finalKnnAccuracy < 0) r.finalKnnAccuracy = m_followedKnn;
  if (r.status == pretext::RunStatus::Stopped && !m_launched) {
    // Only the following stopped: the other process goes on.
    setRunning(false);
    const auto writer = m_follower->writerStatus().kind;
    const bool over = writer == pretext::RunWriterStatus::Kind::Gone || writer == pretext::RunWriterStatus::Kind::Stopped ||
                      writer == pretext::RunWriterStatus::Kind::Failed;
    const QString text = over ? tr("Stopped following %1").arg(QDir(m_runDir).dirName())
                              : tr("Stopped following %1 (the run itself goes on)").arg(QDir(m_runDir).dirName());
    m_status->setText(text);
    emit statusMessage(text);
    r.message = text.toStdString();
    emit runFinished(r);
    updateResumeOffer(pretext::runWriterStatus(QFile::encodeName(m_runDir).toStdString()));
    return;
  }
  onFinished(r);
  if (!m_running) updateResumeOffer(pretext::runWriterStatus(QFile::encodeName(m_runDir).toStdString()));
}

void TrainingPanel::startProcesses(const pretext::TrainConfig& c, const QString& label) {
  const int n = m_processes->value();
  auto fail = [this](const QString& text) {
    m_status->setText(tr("Failed: ") + text);
    emit statusMessage(text);
  };
  const QString cli = cliProgram();
  if (cli.isEmpty() || !QFileInfo(cli).isExecutable()) {
    fail(tr("training in %1 processes needs pretext-cli beside the window (%2) or on PATH")
             .arg(n)
             .arg(QDir::toNativeSeparators(QCoreApplication::applicationDirPath())));
    return;
  }
  // The panel's whole configuration, as the config.json the CLI reads with --config.
  auto launchDir = std::make_unique<QTemporaryDir>();
  const QString configPath = launchDir->isValid() ? launchDir->filePath(QStringLiteral("config.json")) : QString();
  QFile file(configPath);
  const QByteArray json = QByteArray::fromStdString(pretext::configToJson(c));
  if (configPath.isEmpty() || !file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.flush()) {
    fail(tr("cannot write the configuration for pretext-cli (%1)").arg(QDir::toNativeSeparators(configPath)));
    return;
  }
  file.close();
  m_launchDir = std::move(launchDir);
  launchCli({QStringLiteral("train"), QStringLiteral("--config"), configPath, QStringLiteral("--nproc"), QString::number(n),
             QStringLiteral("--out"), QString::fromStdString(c.outDir)},
            QString::fromStdString(c.outDir), tr("%1 ×%2").arg(label).arg(n), n, false);
}

void TrainingPanel::launchCli(const QStringList& arguments, const QString& runDir, const QString& label, int n,
                              bool continueChart) {
  const QString cli = cliProgram();
  m_launched = true;
  m_lastLines.clear();
  m_partial[0].clear();
  m_partial[1].clear();
  m_log->clear();
  m_log->show();
  m_process = new QProcess(this);
  m_process->setProgram(cli);
  m_process->setArguments(arguments);
  connect(m_process, &QProcess::readyReadStandardError, this, [this] { readProcessOutput(QProcess::StandardError); });
  connect(m_process, &QProcess::readyReadStandardOutput, this, [this] { readProcessOutput(QProcess::StandardOutput); });
  connect(m_process, &QProcess::finished, this, &TrainingPanel::onProcessFinished);
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;  // the others end in finished()
    appendLog(m_process->errorString());
    onProcessFinished(-1, QProcess::CrashExit);
  });
  appendLog(QStringLiteral("$ %1 %2").arg(QDir::toNativeSeparators(cli), m_process->arguments().join(QLatin1Char(' '))));
  beginFollowing(runDir, label, continueChart);
  m_device->setText(pretext::cudaAvailable() ? tr("Device: %1 GPUs (pretext-cli)").arg(n)
                                             : tr("Device: CPU, %1 processes (pretext-cli)").arg(n));
  m_process->start();
}

void TrainingPanel::appendLog(const QString& line) {
  m_log->appendPlainText(line);
  m_lastLines.append(line);
  while (m_lastLines.size() > 20) m_lastLines.removeFirst();
}

void TrainingPanel::readProcessOutput(QProcess::ProcessChannel channel) {
  if (!m_process) return;
  QByteArray& partial = m_partial[channel == QProcess::StandardError ? 1 : 0];
  m_process->setReadChannel(channel);
  partial += m_process->readAll();
  // Lines end in \n; a progress bar's \r ends one too.
  for (;;) {
    qsizetype first = partial.indexOf('\n');
    const qsizetype cr = partial.indexOf('\r');
    if (cr >= 0 && (first < 0 || cr < first)) first = cr;
    if (first < 0) break;
    const QString line = QString::fromUtf8(partial.left(first)).trimmed();
    partial.remove(0, first + 1);
    if (line.isEmpty()) continue;
    appendLog(line);  // the log as the processes wrote it; the status line in the window's language
    emit statusMessage(i18n::coreMessage(line));
  }
}

void TrainingPanel::onProcessFinished(int exitCode, QProcess::ExitStatus status) {
  if (!m_process) return;
  readProcessOutput(QProcess::StandardError);
  readProcessOutput(QProcess::StandardOutput);
  for (QByteArray& partial : m_partial) {
    const QString rest = QString::fromUtf8(partial).trimmed();
    if (!rest.isEmpty()) appendLog(rest);
    partial.clear();
  }
  pretext::RunResult r;
  if (status == QProcess::NormalExit && exitCode == 0) {
    r.status = pretext::RunStatus::Finished;
  } else if (status == QProcess::NormalExit && exitCode == 130) {
    r.status = pretext::RunStatus::Stopped;
  } else {
    r.status = pretext::RunStatus::Failed;
    // The line that says why: the CLI's "error: ..." or a rank's failure, else its last line.
    QString why = m_lastLines.isEmpty() ? QString() : m_lastLines.last();
    for (const QString& line : m_lastLines) {
      if (line.startsWith(QLatin1String("error")) || line.contains(QLatin1String("failed")) || line.startsWith(QLatin1String("rank "))) {
        why = line;
        break;
      }
    }
    const QString head = status == QProcess::NormalExit ? tr("pretext-cli exited with status %1").arg(exitCode)
                                                        : tr("pretext-cli did not run to its end");
    r.message = (why.isEmpty() ? head : tr("%1: %2").arg(head, why)).toStdString();
  }
  m_process->deleteLater();
  m_process = nullptr;
  // Its configuration file goes when this returns: an experiment's next run, started from
  // finishFollowing, has its own.
  const std::unique_ptr<QTemporaryDir> launchDir = std::move(m_launchDir);
  finishFollowing(r);
  if (!m_process) m_launched = false;
}

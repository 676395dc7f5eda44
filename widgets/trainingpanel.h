// The Training panel: pick a method and backbone, set the run's options, start / pause / stop, and
// watch loss and k-NN accuracy live. Training runs in a TrainingWorker on its own thread.
#pragma once

#include <pretext/dataset.h>
#include <pretext/metrics.h>
#include <pretext/runwriter.h>
#include <pretext/training.h>

#include "experimentpresets.h"

#include <QImage>
#include <QList>
#include <QProcess>
#include <QThread>
#include <QWidget>

#include <memory>
#include <vector>

class LiveChart;
class QPlainTextEdit;
class QTemporaryDir;
class RunFollower;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class TrainingWorker;

class TrainingPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(TrainingPanel)

 public:
  explicit TrainingPanel(QWidget* parent = nullptr);
  /// Stops a running training (it writes its checkpoint) and joins the worker thread.
  ~TrainingPanel() override;

  void setDataset(const pretext::Dataset& dataset);
  /// The augmentation of the next run: preset "" (the method's default), "simclr", "light", "none",
  /// or "custom" with `config` (the Augmentations panel).
  void setAugmentation(const QString& preset, const pretext::AugmentConfig& config);
  /// The configuration the controls describe.
  pretext::TrainConfig config() const;
  bool running() const { return m_running; }
  /// The folder of the run going on, or of the last one started (empty before any).
  QString currentRunDir() const { return m_runDir; }

  QComboBox* methodBox() const { return m_method; }
  QFormLayout* optionsForm() const { return m_options; }
  LiveChart* chart() const { return m_chart; }
  /// The worker that trains in this panel's thread (for tests: its signals, connected with
  /// Qt::DirectConnection, arrive on the training thread as the steps happen).
  TrainingWorker* worker() const { return m_worker; }
  QPushButton* startButton() const { return m_start; }
  QPushButton* pauseButton() const { return m_pause; }
  QPushButton* stopButton() const { return m_stop; }
  QSpinBox* epochsBox() const { return m_epochs; }
  QSpinBox* batchBox() const { return m_batch; }
  QSpinBox* subsetBox() const { return m_subset; }
  QSpinBox* widthBox() const { return m_width; }
  /// The split the run trains on (TrainConfig::trainSplit, --train-split): Automatic ("auto", the item
  /// data), Labelled train split ("train"), Unlabelled split ("unlabeled"). A choice the core would
  /// refuse for the method and dataset is greyed out, its tooltip saying why.
  QComboBox* trainSplitBox() const { return m_trainSplit; }
  /// Why the chosen split cannot be trained on (the core's refusal; hidden when it can). Start then
  /// refuses, saying the same.
  QLabel* trainSplitNote() const { return m_trainSplitNote; }
  /// The ConvNet's first-layer kernel side (3, 5, ... 15; the item data); disabled for other backbones.
  QComboBox* firstKernelBox() const { return m_firstKernel; }
  /// The evaluation dataset (TrainConfig::evalDataset): "None" (item data "") or a labelled dataset
  /// or prepared set as a spec; editable, for a path typed in.
  QComboBox* evalDatasetBox() const { return m_evalDataset; }
  /// What an unlabelled training set without an evaluation dataset cannot show (hidden otherwise).
  QLabel* evalNote() const { return m_evalNote; }
  /// Browse… beside the evaluation dataset: a prepared dataset folder (QFileDialog).
  QPushButton* evalBrowseButton() const { return m_browseEval; }
  /// Why the folder last browsed to cannot be the evaluation data (hidden otherwise).
  QLabel* evalError() const { return m_evalError; }
  QLineEdit* runFolderEdit() const { return m_runFolder; }
  QLineEdit* runsFolderEdit() const { return m_runsFolder; }
  /// Processes (CPU) or GPUs (CUDA) of the next run: more than 1 trains in `pretext-cli train
  /// --nproc N` processes, whose run folder the panel follows.
  QSpinBox* processesBox() const { return m_processes; }
  /// The output of those processes (their stderr and stdout lines).
  QPlainTextEdit* processLog() const { return m_log; }
  RunFollower* follower() const { return m_follower; }
  /// Whether the panel follows a run folder another process writes (followRun, or its own processes).
  bool following() const { return m_following; }
  /// While following: what the run's writer record says, in a few words for the status bar
  /// ("running (pid N on HOST)", "finished", "gone at step S (killed?)", "no heartbeat for N s");
  /// statusLabel() has the whole of it. Empty when the run has no record (written by an older
  /// version) or nothing is followed.
  QString followedState() const { return m_following ? m_followedState : QString(); }
  /// The panel's status line (progress, outcome, what a followed run's writer says).
  QLabel* statusLabel() const { return m_status; }
  /// Shown while the followed run (or the one followed last) can be resumed: its writer is gone,
  /// stopped or failed (RunWriterStatus::resumable); resumeFollowed() when pressed. Its tooltip has
  /// the command it runs, the one `pretext-cli status` prints.
  QPushButton* resumeFollowedButton() const { return m_resumeFollowed; }
  /// Beside it when this machine runs fewer processes than the run had: with how many it resumes.
  QLabel* resumeNote() const { return m_resumeNote; }
  /// Over the form while the followed run's config.json cannot be read (not JSON, a wrong type, cut
  /// short): the file and readRunConfig's error, and that the form shows the panel's own settings.
  /// Hidden once it is read, and when another run or follow starts.
  QLabel* followedConfigError() const { return m_followedConfigError; }

  /// pretext-cli, which trains in several processes: the one set here, else the one next to this
  /// program, else the one on PATH (empty when there is none).
  QString cliProgram() const;
  void setCliProgram(const QString& path) { m_cliProgram = path; }

  /// Where a run without its own folder goes: RUNS/<method>-<dataset>-<time>. Absolute, and the
  /// user's (documents/Pretext/runs by default), so that it works whatever the current directory.
  QString runsFolder() const;
  void setRunsFolder(const QString& dir);
  /// The documents location + "/Pretext/runs" (home or app data where there is no documents folder).
  static QString defaultRunsFolder();
  /// Reads the runs folder from QSettings ("training/runsFolder") and writes it there when it changes.
  void useSettings();

 public slots:
  void start();
  /// Trains `runs` one after another (a preset experiment), each a series of its own in the charts.
  /// A stop or a failure drops the runs not yet started.
  void startRuns(const QList<PresetRun>& runs);
  /// Runs still waiting in the current experiment.
  int queuedRuns() const { return int(m_queue.size()); }
  /// Continues the run folder `dir` from its last checkpoint (its own config and dataset) with the
  /// job's recorded number of processes, as the followed run's Resume does (File > Resume training
  /// of this run, the Results panel's Resume, Resume run folder…). Refused (false, said in the
  /// status line) while the run's writer is alive.
  bool resumeRun(const QString& dir);
  /// Resumes the followed run (or the one followed last) whose writer is gone, stopped or failed, as
  /// the Resume button offers: with its recorded number of processes through the launcher Start uses
  /// (pretext-cli train --resume DIR --nproc N; in this process when N is 1), or with as many as
  /// this machine runs when that is fewer (the global batch is kept). The chart's run goes on from
  /// the checkpoint's step. Refused (false, said in the status line) when the writer is alive, the
  /// run finished, or there is no checkpoint.
  bool resumeFollowed();
  void togglePause();
  void stop();
  /// Follows the run folder `dir` that another process writes (pretext-cli, a cluster job): the
  /// charts grow with its metrics.csv and its checkpoints reach the inspection panels. False when
  /// a run is going here. Stop stops following (the other process goes on).
  bool followRun(const QString& dir);

 signals:
  void runStarted();
  void runFinished(const pretext::RunResult& result);
  void statusMessage(const QString& text);
  /// A run started or resumed writing to `dir`.
  void runFolderChanged(const QString& dir);
  /// The run in `dir` has a new checkpoint (an epoch ended, or the run stopped or finished): the
  /// inspection panels may show it.
  void checkpointWritten(const QString& dir);
  /// The running encoder's first-layer filters (see TrainingWorker::filtersReady).
  void filtersUpdated(const QImage& grid);
  /// followedState() changed.
  void followedStateChanged();

 private:
  void rebuildOptions();
  void fillEvalDatasets();
  void setEvalDataset(const std::string& spec);
  QString evalDatasetSpec() const;
  void updateEvalNote();
  /// Greys out the training splits the core would refuse, says why under a refused choice.
  void updateTrainSplit();
  /// Why `split` cannot be trained on with the chosen method and the panel's dataset: the core's
  /// refusal (trainSplitRefusal, English); empty when it can or there is no dataset.
  QString trainSplitProblem(const QString& split) const;
  /// Whether run `c` loads its dataset again instead of training on the panel's: it asks for the
  /// unlabelled split (trainingDatasetSpec) of an STL-10 the panel's dataset was opened without.
  bool reloadsDataset(const pretext::TrainConfig& c) const;
  void browseEvalDataset();
  void startConfig(const pretext::TrainConfig& c, const QString& label);
  void startQueued();
  void setRunning(bool running);
  /// Shows `kernel` (TrainConfig::firstKernel, 0: the default 5) in the first-layer control.
  void showFirstKernel(int kernel);
  /// Enables the first-layer control for the ConvNet only, with a tooltip saying why when not.
  void updateFirstKernel();
  void onStep(const pretext::StepReport& r);
  void onEpoch(const pretext::EpochReport& r);
  void onFinished(const pretext::RunResult& r);
  void resumeFolder();
  void startProcesses(const pretext::TrainConfig& c, const QString& label);
  /// Runs pretext-cli with `arguments` (train ... --nproc n) and follows `runDir`.
  void launchCli(const QStringList& arguments, const QString& runDir, const QString& label, int n, bool continueChart);
  void resumeHere(const QString& dir, bool continueChart);
  /// The one way a run is resumed (resumeRun, resumeFollowed), once they have checked its writer
  /// record `s`: asks first when another host's writer is silent (it may still run there); then with
  /// the job's recorded number of processes (the writer record's, else config.json's world_size)
  /// through the launcher Start uses, pretext-cli train --resume DIR --nproc N, or in this process
  /// when that is 1; with as many as this machine runs when fewer (the global batch kept, said in the
  /// log). `continueChart`: the chart's current line goes on.
  bool resumeAsRecorded(const QString& dir, const pretext::RunWriterStatus& s, bool continueChart);
  /// Says why a resume does not happen (status line and status bar), hides the followed run's offer; false.
  bool refuseResume(const QString& text);
  /// Shows or hides the Resume button for the run in m_runDir as `s` says.
  void updateResumeOffer(const pretext::RunWriterStatus& s);
  /// The processes a resume of a run of `recorded` processes and global batch `batch` uses here.
  int resumeProcesses(int recorded, int batch) const;
  /// `continueChart`: the chart's current run goes on (a resume of the run it shows).
  void beginFollowing(const QString& dir, const QString& label, bool continueChart = false);
  void onFollowedRows(const std::vector<pretext::MetricsRow>& rows);
  void finishFollowing(const pretext::RunResult& r);
  void readProcessOutput(QProcess::ProcessChannel channel);
  void onProcessFinished(int exitCode, QProcess::ExitStatus status);
  void appendLog(const QString& line);

  pretext::Dataset m_dataset;
  QString m_runDir;
  QList<PresetRun> m_queue;
  int m_queueTotal = 0;
  QString m_augmentPreset;
  pretext::AugmentConfig m_augment;
  QThread m_thread;
  TrainingWorker* m_worker = nullptr;
  bool m_running = false;
  bool m_paused = false;

  QComboBox* m_method = nullptr;
  QComboBox* m_backbone = nullptr;
  QSpinBox* m_width = nullptr;
  QComboBox* m_firstKernel = nullptr;
  QSpinBox* m_epochs = nullptr;
  QSpinBox* m_batch = nullptr;
  QSpinBox* m_subset = nullptr;
  QDoubleSpinBox* m_lr = nullptr;
  QComboBox* m_trainSplit = nullptr;
  QLabel* m_trainSplitNote = nullptr;
  QComboBox* m_evalDataset = nullptr;
  QPushButton* m_browseEval = nullptr;
  QLabel* m_evalError = nullptr;
  QLabel* m_evalNote = nullptr;
  QFormLayout* m_options = nullptr;
  QList<QDoubleSpinBox*> m_optionBoxes;
  QLabel* m_description = nullptr;
  QLineEdit* m_runFolder = nullptr;
  QLineEdit* m_runsFolder = nullptr;
  QPushButton* m_browseRuns = nullptr;
  bool m_useSettings = false;
  QPushButton* m_start = nullptr;
  QPushButton* m_pause = nullptr;
  QPushButton* m_stop = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_status = nullptr;
  QLabel* m_device = nullptr;
  LiveChart* m_chart = nullptr;

  QSpinBox* m_processes = nullptr;
  int m_localProcesses = 2;  // the most processes (CPU) or GPUs this machine starts; a followed run may show more
  QPlainTextEdit* m_log = nullptr;
  RunFollower* m_follower = nullptr;
  bool m_following = false;
  QProcess* m_process = nullptr;                ///< pretext-cli train --nproc N, while it runs
  bool m_launched = false;                      ///< the followed run is m_process's (until it has ended)
  bool m_restartPending = false;                ///< metrics.csv started over: a resume's, or a new run's?
  std::int64_t m_firstStep = -1;                ///< the chart line's first step row (-1: none yet)
  double m_firstLoss = 0.0;
  QPushButton* m_resumeFollowed = nullptr;
  QLabel* m_resumeNote = nullptr;
  QLabel* m_followedConfigError = nullptr;
  std::unique_ptr<QTemporaryDir> m_launchDir;   ///< the config file it reads
  QString m_cliProgram;
  QByteArray m_partial[2];                      ///< its stdout and stderr after the last newline
  QStringList m_lastLines;                      ///< its last lines, for the message when it fails
  int m_followedEpochs = 0;                     ///< epoch rows read (complete epochs)
  double m_followedKnn = -1.0;
  QString m_followedState;                      ///< see followedState()
};

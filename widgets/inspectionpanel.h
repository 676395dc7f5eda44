// The base of the inspection panels (Filters, Attention, Retrieval, Embedding, Results): each shows
// something about "the run on show", a run folder the window sets, computed from its checkpoint by
// RunInspector jobs. The base owns the lifecycle they share, so that each panel writes only what it
// shows:
//   - setRun: the run on show, kept as an absolute, clean path; the answers about the old run are
//     dropped;
//   - checkpointWritten: a panel that follows that folder (sameRunFolder) reloads;
//   - stale-on-show: a reload asked for while the panel is hidden waits until it is shown;
//   - requests: RunInspector jobs on named channels; a newer request on a channel replaces an older
//     one still queued and drops its answer (the generation counter); busy() and the busy
//     indicator while any waits;
//   - progress and cancel: while a request waits or runs, the busy indicator shows the progress its
//     Evaluator reports (JobControl) and a Cancel button beside it stops the panel's requests; a
//     cancelled request answers its onFailed with cancelledText();
//   - export: a file dialog, then the panel's exportTo.
// The hooks say what differs: what a new run clears (runChanged), what to (re)load (reload), which
// folders a panel follows and what their checkpoint changes, and what to export.
#pragma once

#include "runinspector.h"

#include <QString>
#include <QWidget>

#include <functional>
#include <map>
#include <memory>

class QProgressBar;
class QPushButton;
class QTimer;

class InspectionPanel : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(InspectionPanel)

 public:
  ~InspectionPanel() override;

  /// The run on show (absolute, clean path), empty for none.
  QString run() const { return m_run; }
  /// True while one of this panel's requests waits or runs.
  bool busy() const { return !m_waiting.empty(); }
  /// Shown while busy(); the panel places it in its layout.
  QProgressBar* busyIndicator() const { return m_busy; }
  /// Shown beside the busy indicator while busy(): cancels this panel's requests (cancel()).
  QPushButton* cancelButton() const { return m_cancel; }
  /// What a cancelled request's onFailed receives.
  static QString cancelledText();

  /// Writes what the panel shows to `path`, in the format its suffix names (exportFile().filters);
  /// false when there is nothing to export or the file cannot be written.
  virtual bool exportTo(const QString& path) = 0;

 public slots:
  /// The run to show (the one training now or one the user opened); empty: none.
  void setRun(const QString& runDir);
  /// A checkpoint of `runDir` was written: a panel that follows that folder reloads (when next
  /// shown, if hidden now).
  void checkpointWritten(const QString& runDir);
  /// The training run ended (TrainingPanel::runFinished).
  virtual void trainingFinished() {}
  /// Reloads what the panel shows for the run (when next shown, if hidden now).
  void refresh();
  /// Asks for a file name (exportFile()), then exportTo().
  void exportAs();
  /// Stops this panel's requests: the running one between two batches, the queued ones before
  /// they start; each answers its onFailed with cancelledText(). Nothing they computed is kept.
  void cancel();

 signals:
  /// busy() changed.
  void busyChanged(bool busy);
  /// A request failed; `message` says why (the panel shows it too).
  void failed(const QString& message);

 protected:
  /// `inspector` (not owned, may be null for a panel that can do without) must outlive the panel.
  explicit InspectionPanel(RunInspector* inspector, QWidget* parent = nullptr);

  RunInspector* inspector() const { return m_inspector; }

  /// The run on show changed to run() (the requests about the old one are dropped already): clear
  /// what was shown. refresh() follows.
  virtual void runChanged() = 0;
  /// setRun was called again with the run already on show.
  virtual void runSetAgain() {}
  /// (Re)loads what the panel shows for run(), which is not empty; the panel is visible.
  virtual void reload() = 0;
  /// Whether a checkpoint of `runDir` concerns this panel: by default, when it is the run on show.
  virtual bool follows(const QString& runDir) const;
  /// A checkpoint of `runDir`, a folder this panel follows, was written. By default: refresh().
  virtual void checkpointChanged(const QString& runDir);

  /// What exportAs's file dialog says: its title, the file name it suggests and its file filters.
  struct ExportFile {
    QString title, name, filters;
  };
  virtual ExportFile exportFile() const = 0;
  /// After exportAs wrote `path` (`ok`) or could not. By default a message box says a failure.
  virtual void exportFinished(const QString& path, bool ok);

  /// When the panel is hidden: remembers to refresh when it is shown, and returns true.
  bool deferWhileHidden();

  /// What setRun does to a request: drops its answer (the default), or keeps it (work that is not
  /// about the run on show, e.g. an evaluation the user queued).
  enum class Scope { Run, Panel };

  /// Queues `job` on the RunInspector as this panel's request on `channel`, which replaces the
  /// channel's earlier request: only the latest answer of a channel reaches `onDone` / `onFailed`
  /// (then the panel emits failed()). busy() holds until every channel has answered.
  template <class Result>
  void request(const QString& channel, std::function<Result(InspectContext&)> job,
               std::function<void(const Result&)> onDone, std::function<void(const QString&)> onFailed = {},
               Scope scope = Scope::Run) {
    if (!m_inspector) return;
    auto control = std::make_shared<JobControl>();
    const quint64 id = beginRequest(channel, scope, control);
    m_inspector->submit<Result>(
        this, channel + QLatin1Char(':') + QString::number(quintptr(this), 16),
        [job = std::move(job), control](InspectContext& c) {
          if (control->cancel) throw pretext::Cancelled();
          ControlScope scope(c, control);
          return job(c);
        },
        [this, channel, id, onDone = std::move(onDone)](const Result& result) {
          if (!endRequest(channel, id)) return;
          if (onDone) onDone(result);
          updateBusy();
        },
        [this, channel, id, control, onFailed = std::move(onFailed)](const QString& message) {
          if (!endRequest(channel, id)) return;
          const bool cancelled = control->cancel;
          if (onFailed) onFailed(cancelled ? cancelledText() : message);
          updateBusy();
          if (!cancelled) emit failed(message);
        });
    updateBusy();
  }
  /// Drops the request on `channel`: its answer will not be delivered.
  void drop(const QString& channel);
  /// Whether `channel`'s request waits or runs.
  bool waiting(const QString& channel) const { return m_waiting.count(channel) != 0; }
  /// Shows the busy indicator as busy() says, and emits busyChanged when that changed.
  void updateBusy();

  void showEvent(QShowEvent* event) override;

 private:
  struct Waiting {
    quint64 id = 0;
    Scope scope = Scope::Run;
    std::shared_ptr<JobControl> control;
  };
  /// Sets the context's job control for the job's lifetime (also when it throws).
  struct ControlScope {
    ControlScope(InspectContext& c, std::shared_ptr<JobControl> control) : context(c) { c.setControl(std::move(control)); }
    ~ControlScope() { context.setControl(nullptr); }
    ControlScope(const ControlScope&) = delete;
    ControlScope& operator=(const ControlScope&) = delete;
    InspectContext& context;
  };
  quint64 beginRequest(const QString& channel, Scope scope, std::shared_ptr<JobControl> control);
  void showProgress();
  void placeCancelButton();
  bool endRequest(const QString& channel, quint64 id);

  RunInspector* m_inspector = nullptr;
  QString m_run;
  bool m_stale = false;       // a refresh waits for the panel to be shown
  quint64 m_lastRequest = 0;  // the generation counter: each request gets the next number
  std::map<QString, Waiting> m_waiting;
  bool m_shownBusy = false;   // what busyChanged last said
  QProgressBar* m_busy = nullptr;
  QPushButton* m_cancel = nullptr;
  QTimer* m_progressTimer = nullptr;
};

#include "inspectionpanel.h"

#include "panelcommon.h"

#include <QBoxLayout>
#include <QFileDialog>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>

#include <algorithm>

InspectionPanel::InspectionPanel(RunInspector* inspector, QWidget* parent) : QWidget(parent), m_inspector(inspector) {
  m_busy = new QProgressBar;
  m_busy->setRange(0, 0);  // indeterminate
  m_busy->setTextVisible(false);
  m_busy->setMaximumWidth(120);
  m_busy->hide();
  m_cancel = new QPushButton(tr("Cancel"));
  m_cancel->setToolTip(tr("Stop this panel's computation; what it computed so far is discarded"));
  m_cancel->hide();
  connect(m_cancel, &QPushButton::clicked, this, &InspectionPanel::cancel);
  m_progressTimer = new QTimer(this);
  m_progressTimer->setInterval(100);
  connect(m_progressTimer, &QTimer::timeout, this, &InspectionPanel::showProgress);
}

// m_busy is in the panel's layout (a child) or, before, owned by no one.
InspectionPanel::~InspectionPanel() {
  if (!m_busy->parent()) delete m_busy;
  if (!m_cancel->parent()) delete m_cancel;
}

QString InspectionPanel::cancelledText() { return tr("Cancelled."); }

void InspectionPanel::cancel() {
  for (auto& [channel, waiting] : m_waiting)
    if (waiting.control) waiting.control->cancel = true;
  m_cancel->setEnabled(false);
}

// The running request's progress (the one whose Evaluator reported a total), else indeterminate.
void InspectionPanel::showProgress() {
  std::int64_t done = 0, total = 0;
  for (const auto& [channel, waiting] : m_waiting) {
    if (waiting.control && waiting.control->total > 0) {
      done = waiting.control->done;
      total = waiting.control->total;
      break;
    }
  }
  if (total > 0) {
    const int permille = int(std::min<std::int64_t>(1000, 1000 * done / total));
    if (m_busy->maximum() != 1000) m_busy->setRange(0, 1000);
    m_busy->setValue(permille);
    m_busy->setTextVisible(true);
    m_busy->setFormat(QStringLiteral("%1%").arg(permille / 10));
    m_busy->setToolTip(tr("%1 of %2").arg(qlonglong(done)).arg(qlonglong(total)));
  } else if (m_busy->maximum() != 0) {
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
  }
}

// Beside the busy indicator, in the layout the panel put it in.
void InspectionPanel::placeCancelButton() {
  if (m_cancel->parent() || !m_busy->parentWidget()) return;
  std::function<bool(QLayout*)> place = [&](QLayout* layout) {
    if (!layout) return false;
    if (auto* box = qobject_cast<QBoxLayout*>(layout)) {
      const int at = box->indexOf(m_busy);
      if (at >= 0) {
        box->insertWidget(at + 1, m_cancel);
        return true;
      }
    }
    for (int i = 0; i < layout->count(); ++i)
      if (place(layout->itemAt(i)->layout())) return true;
    return false;
  };
  for (QWidget* w = m_busy->parentWidget(); w; w = w == this ? nullptr : w->parentWidget())
    if (place(w->layout())) return;
}

void InspectionPanel::setRun(const QString& runDir) {
  const QString dir = runFolderPath(runDir);
  if (!dir.isEmpty() && sameRunFolder(dir, m_run)) {
    runSetAgain();
    return;
  }
  m_run = dir;
  m_stale = false;
  for (auto it = m_waiting.begin(); it != m_waiting.end();) {  // answers about the old run are dropped
    it = it->second.scope == Scope::Run ? m_waiting.erase(it) : std::next(it);
  }
  runChanged();
  refresh();
  updateBusy();
}

void InspectionPanel::checkpointWritten(const QString& runDir) {
  if (follows(runDir)) checkpointChanged(runFolderPath(runDir));
}

bool InspectionPanel::follows(const QString& runDir) const { return sameRunFolder(runDir, m_run); }

void InspectionPanel::checkpointChanged(const QString&) { refresh(); }

void InspectionPanel::refresh() {
  if (m_run.isEmpty()) {
    m_stale = false;
    return;
  }
  if (deferWhileHidden()) return;
  m_stale = false;
  reload();
}

bool InspectionPanel::deferWhileHidden() {
  if (isVisible()) return false;
  m_stale = true;
  return true;
}

void InspectionPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_stale) refresh();
}

quint64 InspectionPanel::beginRequest(const QString& channel, Scope scope, std::shared_ptr<JobControl> control) {
  const quint64 id = ++m_lastRequest;
  m_waiting[channel] = {id, scope, std::move(control)};
  m_cancel->setEnabled(true);
  return id;
}

bool InspectionPanel::endRequest(const QString& channel, quint64 id) {
  const auto it = m_waiting.find(channel);
  if (it == m_waiting.end() || it->second.id != id) return false;
  m_waiting.erase(it);
  return true;
}

void InspectionPanel::drop(const QString& channel) {
  m_waiting.erase(channel);
  updateBusy();
}

void InspectionPanel::updateBusy() {
  const bool now = busy();
  m_busy->setVisible(now);
  placeCancelButton();
  m_cancel->setVisible(now);
  if (now && !m_progressTimer->isActive()) {
    m_cancel->setEnabled(true);
    showProgress();
    m_progressTimer->start();
  } else if (!now) {
    m_progressTimer->stop();
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
  }
  if (now != m_shownBusy) {
    m_shownBusy = now;
    emit busyChanged(now);
  }
}

void InspectionPanel::exportAs() {
  const ExportFile file = exportFile();
  const QString path = QFileDialog::getSaveFileName(this, file.title, file.name, file.filters);
  if (path.isEmpty()) return;
  exportFinished(path, exportTo(path));
}

void InspectionPanel::exportFinished(const QString& path, bool ok) {
  if (!ok) QMessageBox::warning(this, exportFile().title, tr("Could not write %1.").arg(path));
}

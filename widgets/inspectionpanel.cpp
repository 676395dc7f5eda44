#include "inspectionpanel.h"

#include "panelcommon.h"

#include <QFileDialog>
#include <QMessageBox>
#include <QProgressBar>

InspectionPanel::InspectionPanel(RunInspector* inspector, QWidget* parent) : QWidget(parent), m_inspector(inspector) {
  m_busy = new QProgressBar;
  m_busy->setRange(0, 0);  // indeterminate
  m_busy->setTextVisible(false);
  m_busy->setMaximumWidth(120);
  m_busy->hide();
}

// m_busy is in the panel's layout (a child) or, before, owned by no one.
InspectionPanel::~InspectionPanel() {
  if (!m_busy->parent()) delete m_busy;
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

quint64 InspectionPanel::beginRequest(const QString& channel, Scope scope) {
  const quint64 id = ++m_lastRequest;
  m_waiting[channel] = {id, scope};
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

// The Experiments panel: one-click demonstrations (presets) that show a visible result within a
// couple of minutes on a laptop CPU, each with a description written for a class.
#pragma once

#include "experimentpresets.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

class PresetsPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(PresetsPanel)

 public:
  /// Shows `presets` (the built-in ones when empty).
  explicit PresetsPanel(QList<ExperimentPreset> presets = {}, QWidget* parent = nullptr);

  const QList<ExperimentPreset>& presets() const { return m_presets; }
  QListWidget* list() const { return m_list; }
  QPushButton* runButton() const { return m_run; }
  QLabel* descriptionLabel() const { return m_description; }

  /// Adds an experiment (one opened from a file) to the end of the list and selects it; a preset of
  /// the same title is replaced instead. Returns its row.
  int addExperiment(const ExperimentPreset& preset);

  /// Enables the run button only while no training runs.
  void setTrainingRunning(bool running);

 signals:
  void runRequested(const ExperimentPreset& preset);

 private:
  void showPreset(int row);

  QList<ExperimentPreset> m_presets;
  QListWidget* m_list = nullptr;
  QLabel* m_description = nullptr;
  QPushButton* m_run = nullptr;
  bool m_training = false;
};

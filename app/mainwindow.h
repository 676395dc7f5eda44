// The Pretext window: a navigation list of panels on the left, the current panel on the right,
// a status bar below. Panels are added with addPanel(); the Dataset panel is the first.
#pragma once

#include <memory>

#include <QFont>
#include <QList>
#include <QMainWindow>

class AttentionPanel;
class AugmentPanel;
class EmbeddingPanel;
class ResultsPanel;
class RetrievalPanel;
class FiltersPanel;
class InspectionPanel;
class RunInspector;
class PresetsPanel;
struct ExperimentPreset;
class DatasetPanel;
class TrainingPanel;
class QAction;
class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;

namespace pretext {
class Dataset;
}

class MainWindow final : public QMainWindow {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(MainWindow)

 public:
  enum class Theme { Light, Dark };

  /// `useSettings` false: neither read nor write QSettings (screenshots, checks).
  explicit MainWindow(bool useSettings = true, QWidget* parent = nullptr);
  ~MainWindow() override;

  DatasetPanel* datasetPanel() const { return m_datasetPanel; }
  TrainingPanel* trainingPanel() const { return m_trainingPanel; }
  AugmentPanel* augmentPanel() const { return m_augmentPanel; }
  PresetsPanel* presetsPanel() const { return m_presetsPanel; }
  FiltersPanel* filtersPanel() const { return m_filtersPanel; }
  AttentionPanel* attentionPanel() const { return m_attentionPanel; }
  RetrievalPanel* retrievalPanel() const { return m_retrievalPanel; }
  EmbeddingPanel* embeddingPanel() const { return m_embeddingPanel; }
  ResultsPanel* resultsPanel() const { return m_resultsPanel; }
  /// Filters, Attention, Retrieval, Embedding and Results, in the navigation's order.
  QList<InspectionPanel*> inspectionPanels() const { return m_inspectionPanels; }
  RunInspector* inspector() const { return m_inspector; }

  /// The run the inspection panels show: the one training, or a run folder the user opened
  /// (written by the window or by pretext-cli). False, with a message, when `dir` is no run folder.
  bool openRun(const QString& dir);
  QString currentRun() const { return m_currentRun; }
  /// Follows the run folder `dir` that another process writes (a CLI run, a cluster job): the
  /// Training panel's charts grow with it and the inspection panels follow its checkpoints. False,
  /// with a message, while a run is going in the window.
  bool followRun(const QString& dir);
  /// Loads the preset's dataset when another one is open, then trains its runs in the Training panel
  /// and shows the first of its charts.
  void runPreset(const ExperimentPreset& preset);
  /// Opens an experiment file (File > Open experiment, `pretext lesson.json`): it joins the
  /// Experiments panel, selected and on show, ready to run. False when the file is bad: the
  /// message names the file and the field (lastExperimentError(); a message box when `showErrors`).
  bool openExperiment(const QString& path, bool showErrors = true);
  QString lastExperimentError() const { return m_experimentError; }
  /// The dataset and the Training panel's settings as one experiment; `charts` the panel on show.
  ExperimentPreset currentExperiment(const QString& title, const QString& description = QString()) const;
  /// Writes currentExperiment() to `path` with `title` (empty: the file's name) and `description`
  /// for students; false (and a message) when it cannot.
  bool saveExperiment(const QString& path, bool showErrors = true, const QString& title = QString(),
                      const QString& description = QString());
  /// The experiment opened or saved last (empty before any): its title names the window.
  const ExperimentPreset& lesson() const;
  /// The panel an experiment's chart name shows (experimentCharts()), or nullptr.
  QWidget* chartPanel(const QString& chart) const;
  /// Shows the panel at `index` (the order of addPanel calls).
  void showPanel(int index);
  void showPanel(QWidget* panel);
  /// Shows the panel whose navigation title is `title` (case-insensitive); false when none is.
  bool showPanel(const QString& title);

  /// The navigation titles, in order, and the panel on show.
  QStringList panelTitles() const;
  QWidget* currentPanel() const;

  /// Adds a page to the navigation list; returns its index.
  int addPanel(QWidget* panel, const QString& title, const QString& toolTip = {});

  /// Loads `spec` ("kind", "kind:path" or a path); empty: the last dataset, else the default.
  void openInitialDataset(const QString& spec);

  void setTheme(Theme theme);
  Theme theme() const { return m_theme; }
  void setLargeFont(bool large);
  bool largeFont() const { return m_largeFont; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createMenus();
  void createLanguageMenu(QMenu* view);
  void updateNavigationWidth();
  void readSettings();
  void writeSettings() const;
  void showAbout();
  void onDatasetChanged(const pretext::Dataset& dataset);
  void onLoadFailed(const QString& message);
  void setCurrentRun(const QString& dir);
  void chooseRunFolder();
  void chooseFollowFolder();
  void updateRunStatus();
  void chooseExperimentToOpen();
  void chooseExperimentToSave();
  /// Remembers `preset` as the lesson in hand and names the window after it.
  void showLesson(const ExperimentPreset& preset);
  void resumeCurrentRun();
  void updateResumeAction();

  bool m_useSettings = true;
  Theme m_theme = Theme::Light;
  bool m_largeFont = false;
  QFont m_normalFont;
  bool m_fallBackToDefault = false;  // the remembered dataset failed: load the default instead

  QListWidget* m_navigation = nullptr;
  QStackedWidget* m_stack = nullptr;
  DatasetPanel* m_datasetPanel = nullptr;
  TrainingPanel* m_trainingPanel = nullptr;
  AugmentPanel* m_augmentPanel = nullptr;
  PresetsPanel* m_presetsPanel = nullptr;
  QString m_experimentError;
  std::shared_ptr<ExperimentPreset> m_lesson;  // opened or saved last
  RunInspector* m_inspector = nullptr;
  FiltersPanel* m_filtersPanel = nullptr;
  AttentionPanel* m_attentionPanel = nullptr;
  RetrievalPanel* m_retrievalPanel = nullptr;
  EmbeddingPanel* m_embeddingPanel = nullptr;
  ResultsPanel* m_resultsPanel = nullptr;
  QList<InspectionPanel*> m_inspectionPanels;
  QString m_currentRun;
  QLabel* m_runStatus = nullptr;
  QAction* m_resumeAction = nullptr;
  QLabel* m_datasetStatus = nullptr;
  bool m_datasetFollowed = false;  ///< m_datasetStatus names a followed run's dataset
  QString m_ownDatasetText;        ///< meanwhile, the window's own
  QAction* m_largeFontAction = nullptr;
  QAction* m_darkThemeAction = nullptr;
};

// The Results panel: the comparison table over run folders, like the seed's tables. One row per run
// folder (pretext::summarizeRun: config.json, metrics.csv, eval.json), one column per measurement;
// columns that no run measured are hidden, "—" marks what a run did not measure. Rows come from
// "Add run folder…", "Scan folder…" (every subfolder with a config.json) and the window (setRun,
// checkpointWritten); the list persists between sessions (QSettings "results/runs"). Sorting by a
// header click (numbers as numbers), export as CSV / Markdown (pretext::resultsCsv / resultsMarkdown),
// "Evaluate" (k-NN at k = 20 and 200 and a linear probe on the pooled features, on the RunInspector's
// thread, saved into the run's eval.json), "Resume training", and a double-click to inspect a run.
// As an InspectionPanel its run on show is the selected row, and it follows the checkpoints of every
// row; rows are re-read at once, shown or not (a few small files).
// Under the table, for the one selected run, the confusion matrix of its linear probe (the files
// pretext::saveConfusion wrote: `pretext-cli eval --linear` or Evaluate) as a heat map with counts
// and per-class accuracy; clicking a cell shows the test images of that (true, predicted) pair,
// the most confident first.
#pragma once

#include "inspectionpanel.h"

#include <pretext/evaluation.h>

#include <QString>
#include <QStringList>

#include <vector>

class ImageGridWidget;
class QComboBox;
class QLabel;
class QPushButton;
class QStackedLayout;
class QTableWidget;

class ResultsPanel final : public InspectionPanel {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(ResultsPanel)

 public:
  /// `useSettings` false: the list of runs is neither read from nor written to QSettings (tests).
  explicit ResultsPanel(RunInspector* inspector, QWidget* parent = nullptr, bool useSettings = true);

  /// The run folders in the table, in the order they were added (absolute, clean paths).
  QStringList runs() const;
  /// The run folders in the order the table shows them (after sorting).
  QStringList shownRuns() const;
  /// The run folders of the selected rows, in table order.
  QStringList selectedRuns() const;
  /// The summary of `dir`'s row (a default RunSummary when there is no such row).
  pretext::RunSummary summary(const QString& dir) const;
  /// The table in the order shown, as pretext::resultsCsv / resultsMarkdown write it.
  QString csv() const;
  QString markdown() const;
  bool saveCsv(const QString& path) const;
  bool saveMarkdown(const QString& path) const;
  /// saveMarkdown for a path ending in .md, else saveCsv.
  bool exportTo(const QString& path) override;
  /// Adds every direct subfolder of `dir` (and `dir` itself) that has a config.json; returns how many were new.
  int scanFolder(const QString& dir);
  /// True while an evaluation runs.
  bool evaluating() const { return !m_evaluating.isEmpty(); }

  QTableWidget* table() const { return m_table; }
  QLabel* statusLabel() const { return m_status; }
  QPushButton* addButton() const { return m_add; }
  QPushButton* scanButton() const { return m_scan; }
  QPushButton* removeButton() const { return m_remove; }
  QPushButton* evaluateButton() const { return m_evaluate; }
  QPushButton* resumeButton() const { return m_resume; }
  QPushButton* inspectButton() const { return m_inspect; }
  QPushButton* exportCsvButton() const { return m_exportCsv; }
  QPushButton* exportMarkdownButton() const { return m_exportMarkdown; }
  QPushButton* copyMarkdownButton() const { return m_copyMarkdown; }
  /// The selected run's confusion heat map: row t, column p holds the count of test images of
  /// class t predicted as p; the last column per-class accuracy.
  QTableWidget* confusionTable() const { return m_confusionTable; }
  /// The test images of the clicked cell, most confidently wrong first.
  ImageGridWidget* examplesGrid() const { return m_examples; }
  QLabel* confusionLabel() const { return m_confusionLabel; }
  /// Which classifier's confusion is on show when the run has several (the linear probe's,
  /// fine-tuning's per fraction of the labels); hidden when it has one or none. Item data: the name
  /// the confusion was saved under (pretext::saveConfusion).
  QComboBox* confusionChoice() const { return m_confusionChoice; }
  /// The confusion on show (empty counts: none); the run it belongs to.
  const pretext::Confusion& confusion() const { return m_confusion; }
  QString confusionRun() const { return m_confusionRun; }
  /// The test indices the gallery shows (or is loading) for the last cell clicked.
  QList<qint64> exampleIndices() const { return m_exampleIndices; }

 public slots:
  /// Adds the run folder `dir` (a row re-read when it is already there). A folder without a
  /// config.json is refused with a message in the status line.
  void addRun(const QString& dir);
  /// Removes the selected rows from the table (the folders stay on disk).
  void removeSelected();
  /// Evaluates the selected runs one after another: k-NN (k = 20, 200) and a linear probe on the
  /// pooled features, saved into each run's eval.json; the rows are re-read when done.
  void evaluateSelected();
  /// Copies the table as Markdown to the clipboard.
  void copyMarkdown();
  /// Shows the test images of true class `trueClass` predicted as `predicted` (at most 64).
  void showExamples(int trueClass, int predicted);

 signals:
  /// The user asked to inspect `dir` in the inspection panels (double-click or "Inspect").
  void openRequested(const QString& dir);
  /// The user asked to continue training `dir` from its last checkpoint.
  void resumeRequested(const QString& dir);
  /// An evaluation finished (`ok`) or failed for `dir`.
  void evaluated(const QString& dir, bool ok);
  /// The examples of a confusion cell are in the gallery.
  void examplesShown(int trueClass, int predicted);

 protected:
  /// setRun adds the run on show and selects its row. A run that has just started may not have
  /// written its config.json yet: it is added at its first checkpoint.
  void runChanged() override { showRun(); }
  void runSetAgain() override { showRun(); }
  /// Nothing waits for the panel to be shown: rows are read when they change.
  void reload() override {}
  /// The checkpoints of every row, and of the run on show while it waits for its config.json.
  bool follows(const QString& dir) const override;
  /// Re-reads the row of `dir` (its metrics and eval.json have changed), or adds the waiting run.
  void checkpointChanged(const QString& dir) override;
  ExportFile exportFile() const override;
  void exportFinished(const QString& path, bool ok) override;
  void changeEvent(QEvent* event) override;

 private:
  struct Row {
    QString dir;
    pretext::RunSummary summary;
  };

  void showRun();
  bool readRun(const QString& dir, bool reportFailure);
  int indexOf(const QString& dir) const;
  void rebuildTable();
  void fitColumns();
  void selectRun(const QString& dir);
  void updateButtons();
  void saveSettings() const;
  void showStatus(const QString& text);
  void evaluateNext();
  std::vector<pretext::RunSummary> shownSummaries() const;
  void addFolderDialog();
  void scanFolderDialog();
  void exportDialog(bool markdown);
  /// Reads the confusion of the one selected run (or clears it).
  void updateConfusion();
  /// The heat map's cell colours, from the palette.
  void shadeConfusion();

  bool m_useSettings = true;
  bool m_exportingMarkdown = false;  ///< what exportAs writes: Markdown, or CSV
  std::vector<Row> m_rows;
  QString m_pending;            ///< the run on show, waiting for its config.json
  QStringList m_evaluating;     ///< the running evaluation first, then those queued
  QStackedLayout* m_stack = nullptr;  ///< the placeholder while the table is empty, else the table
  QTableWidget* m_table = nullptr;
  QLabel* m_placeholder = nullptr;
  QLabel* m_status = nullptr;
  QPushButton* m_add = nullptr;
  QPushButton* m_scan = nullptr;
  QPushButton* m_remove = nullptr;
  QPushButton* m_evaluate = nullptr;
  QPushButton* m_resume = nullptr;
  QPushButton* m_inspect = nullptr;
  QPushButton* m_exportCsv = nullptr;
  QPushButton* m_exportMarkdown = nullptr;
  QPushButton* m_copyMarkdown = nullptr;
  pretext::Confusion m_confusion;
  QString m_confusionRun;
  QList<qint64> m_exampleIndices;
  QWidget* m_confusionBox = nullptr;
  QLabel* m_confusionLabel = nullptr;
  QTableWidget* m_confusionTable = nullptr;
  QComboBox* m_confusionChoice = nullptr;
  QLabel* m_examplesLabel = nullptr;
  ImageGridWidget* m_examples = nullptr;
};

// The Dataset panel: pick a dataset and a split, see sample images with their classes, the class
// histogram and a summary. Loading runs in a background thread; a dataset that fails to load
// leaves the previous one on screen and says why.
#pragma once

#include "pretext/dataset.h"

#include <QThread>
#include <QWidget>

#include <vector>

class DatasetLoader;
class HistogramChart;
class ImageGridWidget;
class QAction;
class QComboBox;
class QFrame;
class QLabel;
class QProgressBar;
class QSlider;
class QSpinBox;
class QSplitter;
class QToolButton;

class DatasetPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(DatasetPanel)

 public:
  explicit DatasetPanel(QWidget* parent = nullptr);
  ~DatasetPanel() override;

  /// Fashion-MNIST when it is installed, else the synthetic shapes.
  static pretext::DatasetSpec defaultSpec();

  /// Starts loading `spec` in the background; datasetChanged() or loadFailed() follows.
  void loadDataset(const pretext::DatasetSpec& spec);
  void loadDefault() { loadDataset(defaultSpec()); }
  /// Parses `text` ("kind", "kind:path" or a path) and loads it; a text that does not parse is
  /// shown as an error right away and false is returned.
  bool loadText(const QString& text);

  bool hasDataset() const { return m_dataset.valid(); }
  const pretext::Dataset& dataset() const { return m_dataset; }
  bool isLoading() const { return m_pending != 0; }

  pretext::Split split() const { return m_split; }
  void setSplit(pretext::Split split);

  /// How many sample images the grid shows.
  int sampleCount() const { return m_sampleCount; }
  void setSampleCount(int count);

  /// The error on display ("" when there is none).
  QString errorMessage() const;
  QString summaryText() const;

  ImageGridWidget* grid() const { return m_grid; }
  HistogramChart* histogram() const { return m_chart; }
  QComboBox* datasetCombo() const { return m_datasetCombo; }
  QComboBox* splitCombo() const { return m_splitCombo; }

  /// Menu actions the main window shares with the panel's Open button.
  QAction* openFolderAction() const { return m_openFolderAction; }
  QAction* openFileAction() const { return m_openFileAction; }

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 public slots:
  void openFolderDialog();
  void openFileDialog();

 signals:
  void datasetChanged(const pretext::Dataset& dataset);
  void loadingStarted(const QString& what);
  void loadFailed(const QString& message);
  void statusMessage(const QString& message);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void buildUi();
  void fillDatasetCombo();
  int comboIndexFor(const pretext::DatasetSpec& spec) const;
  void selectComboFor(const pretext::DatasetSpec& spec);
  void onDatasetActivated(int index);
  void onSplitActivated(int index);
  void onLoaded(quint64 request, const pretext::Dataset& dataset, double seconds);
  void onFailed(quint64 request, const QString& message);
  void showError(const QString& message);
  void hideError();
  void setBusy(const QString& what);
  void updateSplitCombo();
  void refreshView();
  void updateSummary(double loadSeconds);
  void updateTileSize();
  QString describe(const pretext::DatasetSpec& spec) const;

  QThread m_thread;
  DatasetLoader* m_loader = nullptr;
  quint64 m_lastRequest = 0;
  quint64 m_pending = 0;
  pretext::DatasetSpec m_pendingSpec;

  pretext::Dataset m_dataset;
  pretext::Split m_split = pretext::Split::Train;
  int m_sampleCount = 64;
  double m_loadSeconds = 0;
  std::vector<pretext::DatasetSpec> m_specs;  // one per dataset combo item
  QString m_lastDir;

  QComboBox* m_datasetCombo = nullptr;
  QToolButton* m_openButton = nullptr;
  QAction* m_openFolderAction = nullptr;
  QAction* m_openFileAction = nullptr;
  QComboBox* m_splitCombo = nullptr;
  QSpinBox* m_countSpin = nullptr;
  QSlider* m_zoomSlider = nullptr;
  QProgressBar* m_busyBar = nullptr;
  QLabel* m_busyLabel = nullptr;
  QFrame* m_errorFrame = nullptr;
  QLabel* m_errorLabel = nullptr;
  QSplitter* m_splitter = nullptr;
  ImageGridWidget* m_grid = nullptr;
  QLabel* m_summary = nullptr;
  HistogramChart* m_chart = nullptr;
};

// The Dataset panel: pick a dataset and a split, see sample images with their classes, the class
// histogram and a summary. Loading runs in a background thread; a dataset that fails to load
// leaves the previous one on screen and says why. "Prepare a folder…" packs a folder of images
// into a prepared dataset on a worker thread, with a progress bar and Cancel, and then opens it.
#pragma once

#include "pretext/dataset.h"
#include "pretext/prepare.h"

#include <QStringList>
#include <QThread>
#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

class DatasetLoader;
class HistogramChart;
class ImageGridWidget;
class QAction;
class QComboBox;
class QFrame;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
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
  QAction* prepareFolderAction() const { return m_prepareAction; }

  /// Packs a folder of images (or any dataset Pretext reads) into a prepared dataset with
  /// pretext::prepareDataset on a worker thread, showing the images done, images/s, the time left
  /// and Cancel. When it is done the prepared dataset is loaded and selected, and the unreadable
  /// files it skipped are listed. False (and said) while another prepare runs.
  bool startPrepare(const pretext::PrepareOptions& options);
  bool isPreparing() const { return m_prepareThread != nullptr; }
  /// Asks the running prepare to stop; it removes what it wrote, and prepareFinished(false, ...)
  /// follows (or true, when it had already finished).
  void cancelPrepare();
  QProgressBar* prepareBar() const { return m_prepareBar; }
  /// The progress line while preparing; the outcome once done.
  QString prepareText() const;
  /// The files the last prepare skipped, as "path: reason".
  QStringList prepareSkipped() const { return m_prepareSkipped; }

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 public slots:
  void openFolderDialog();
  void openFileDialog();
  /// Asks for a folder, the image size, the resize, labels and where to write; then startPrepare().
  /// A folder holding a dataset's own files (CIFAR-10/100, STL-10 binary, MNIST-format IDX, also
  /// in the folder its archive extracts to) is said as found (pretext::inspectPrepareSource) and
  /// packed as that dataset at its own size unless the size is changed, as the CLI's prepare does.
  void prepareFolderDialog();

 signals:
  void datasetChanged(const pretext::Dataset& dataset);
  void loadingStarted(const QString& what);
  void loadFailed(const QString& message);
  void statusMessage(const QString& message);
  /// Progress of the running prepare (on the GUI thread, several times a second).
  void prepareProgress(qint64 done, qint64 total);
  /// Each progress report of the running prepare as it is made, on the prepare thread, after it
  /// has been queued for the panel (`total` is 0 while the folder is listed). A slot connected with
  /// Qt::DirectConnection runs on that thread, and the prepare waits for it: a test can hold the
  /// prepare at a known report until prepareCancelRequested, instead of racing it.
  void prepareReported(qint64 done, qint64 total);
  /// The running prepare was asked to stop, by cancelPrepare() (the Cancel button) or by the
  /// panel's destruction; emitted once, on the GUI thread, after the request is set.
  void prepareCancelRequested();
  /// A prepare ended: done (its dataset is loading), cancelled or failed; `message` says which.
  void prepareFinished(bool ok, const QString& message);

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
  void onPrepareProgress(qint64 done, qint64 total, double seconds);
  void onPrepareDone(bool ok, bool cancelled, const QString& error, const pretext::PrepareResult& result);

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
  QAction* m_prepareAction = nullptr;
  QThread* m_prepareThread = nullptr;
  std::shared_ptr<std::atomic<bool>> m_prepareCancel;
  QString m_prepareSource, m_prepareOut;
  qint64 m_prepareDone0 = -1;  // the first report: the rate counts from there (listing excluded)
  double m_prepareSeconds0 = 0;
  QStringList m_prepareSkipped;
  QFrame* m_prepareFrame = nullptr;
  QLabel* m_prepareName = nullptr;
  QProgressBar* m_prepareBar = nullptr;
  QLabel* m_prepareLabel = nullptr;
  QPushButton* m_prepareCancelButton = nullptr;
  QToolButton* m_prepareClose = nullptr;
  QPlainTextEdit* m_prepareList = nullptr;
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

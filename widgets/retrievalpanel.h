// The Retrieval panel: click a test image, see its K nearest training images by cosine similarity
// of the encoder's pooled features, each captioned "class · similarity", neighbours of another class
// framed in red, and this query's precision@K; the mean P@K over the whole test split on request.
// Everything is computed by a RunInspector job on the run folder's last checkpoint.
#pragma once

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <vector>

class ImageGridWidget;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class RunInspector;

class RetrievalPanel final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(RetrievalPanel)

 public:
  explicit RetrievalPanel(RunInspector* inspector, QWidget* parent = nullptr);

  /// The run shown (as given to setRun), empty for none.
  QString runDir() const { return m_runDir; }
  /// K, the number of neighbours shown.
  int k() const;
  /// Test-split indices of the candidate queries, in the order of the query grid.
  const std::vector<std::int64_t>& candidates() const { return m_candidates; }
  /// The test image whose neighbours the gallery shows, or -1.
  std::int64_t shownQuery() const { return m_shownQuery; }
  /// Training-split indices, similarities and labels of the shown neighbours (best first).
  const std::vector<std::int64_t>& neighbourIndices() const { return m_indices; }
  const std::vector<double>& neighbourSimilarities() const { return m_similarities; }
  const std::vector<int>& neighbourLabels() const { return m_labels; }
  /// Label of the shown query (-1 when none).
  int queryLabel() const { return m_queryLabel; }
  /// This query's precision@K (<0 when no query is shown).
  double queryPrecision() const;
  /// The mean P@K over the test split last measured for this run, checkpoint and K (<0: none).
  double meanPrecision() const { return m_meanPrecision; }
  /// True while one of this panel's jobs waits or runs.
  bool busy() const;

  /// Writes the gallery (query and neighbours, with a title line) as PNG; false when there is
  /// nothing to save or the file cannot be written.
  bool saveGallery(const QString& path) const;
  /// The image saveGallery writes.
  QImage galleryImage() const;

  ImageGridWidget* queryGrid() const { return m_queries; }
  /// Tile 0 is the query, tiles 1..K its neighbours.
  ImageGridWidget* galleryGrid() const { return m_gallery; }
  QSpinBox* kBox() const { return m_k; }
  QPushButton* otherQueriesButton() const { return m_other; }
  QPushButton* measureButton() const { return m_measure; }
  QPushButton* saveButton() const { return m_save; }
  QLabel* statusLabel() const { return m_status; }
  QLabel* precisionLabel() const { return m_precision; }
  QLabel* meanPrecisionLabel() const { return m_mean; }

  /// Candidate queries shown at a time.
  static constexpr int kCandidates = 30;

 public slots:
  /// The run to show (the one training now, or one the user opened); empty: none.
  void setRun(const QString& runDir);
  /// Refreshes the gallery when `runDir` is this panel's run (now if visible, else when next shown).
  void checkpointWritten(const QString& runDir);
  /// Shows the K nearest neighbours of test image `testIndex`.
  void showQuery(qint64 testIndex);
  /// Another class-balanced draw of candidate queries from the test split.
  void drawOtherQueries();
  /// Measures the mean P@K over the whole test split.
  void measurePrecision();

 signals:
  /// The candidate grid shows a new set of queries.
  void candidatesShown();
  /// The gallery shows the neighbours of `testIndex`.
  void neighboursShown(qint64 testIndex);
  /// The mean P@K over the test split was measured.
  void precisionMeasured(double meanPrecision);
  /// A job failed; `message` is what the panel shows.
  void failed(const QString& message);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void refresh();
  void loadCandidates();
  void requestNeighbours();
  void clearGallery(const QString& placeholder);
  void showFailure(const QString& message);
  void updateBusy();
  void updateButtons();
  void saveGalleryAs();
  QString className(int label) const;

  RunInspector* m_inspector = nullptr;
  QString m_runDir;
  bool m_stale = false;          // the run or its checkpoint changed while the panel was hidden
  bool m_featuresReady = false;  // a query on this checkpoint has run (the features are cached)
  std::uint64_t m_drawSeed = 0;  // 0: Evaluator::sampleTestImages, else a random draw
  std::vector<std::int64_t> m_candidates;
  std::int64_t m_trainSize = 0;
  std::int64_t m_testSize = 0;
  QStringList m_classNames;

  std::int64_t m_requestedQuery = -1;
  std::int64_t m_shownQuery = -1;
  int m_shownK = 0;
  int m_queryLabel = -1;
  std::vector<std::int64_t> m_indices;
  std::vector<double> m_similarities;
  std::vector<int> m_labels;
  double m_meanPrecision = -1.0;

  // The latest request of each kind; an answer to an older one is dropped. 0: none waiting.
  quint64 m_nextRequest = 1;
  quint64 m_waitCandidates = 0;
  quint64 m_waitNeighbours = 0;
  quint64 m_waitPrecision = 0;

  QSpinBox* m_k = nullptr;
  QPushButton* m_other = nullptr;
  QPushButton* m_measure = nullptr;
  QPushButton* m_save = nullptr;
  QProgressBar* m_busy = nullptr;
  ImageGridWidget* m_queries = nullptr;
  ImageGridWidget* m_gallery = nullptr;
  QLabel* m_precision = nullptr;
  QLabel* m_mean = nullptr;
  QLabel* m_status = nullptr;
};

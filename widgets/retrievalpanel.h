// The Retrieval panel: click a test image, see its K nearest training images by cosine similarity
// of the encoder's pooled features, each captioned "class · similarity", neighbours of another class
// framed in red, and this query's precision@K; the mean P@K over the whole test split on request.
// Everything is computed by a RunInspector job on the run folder's last checkpoint; the run's
// lifecycle (set, follow checkpoints, busy, export) is InspectionPanel's.
#pragma once

#include "inspectionpanel.h"

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

class ImageGridWidget;
class QLabel;
class QPushButton;
class QSpinBox;

class RetrievalPanel final : public InspectionPanel {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(RetrievalPanel)

 public:
  explicit RetrievalPanel(RunInspector* inspector, QWidget* parent = nullptr);

  /// The run shown (as given to setRun), empty for none.
  QString runDir() const { return run(); }
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

  /// Writes the gallery (query and neighbours, with a title line) as PNG; false when there is
  /// nothing to save or the file cannot be written.
  bool saveGallery(const QString& path) const;
  bool exportTo(const QString& path) override { return saveGallery(path); }
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

 protected:
  void runChanged() override;
  void reload() override;
  void checkpointChanged(const QString& runDir) override;
  ExportFile exportFile() const override;

 private:
  void loadCandidates();
  void requestNeighbours();
  void clearGallery(const QString& placeholder);
  void showFailure(const QString& message);
  void updateButtons();
  QString className(int label) const;

  bool m_featuresReady = false;  // a query on this checkpoint has run (the features are cached)
  std::uint64_t m_draw = 0;      // Dataset::sampleIndices's draw: 0 as Evaluator::sampleTestImages
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

  QSpinBox* m_k = nullptr;
  QPushButton* m_other = nullptr;
  QPushButton* m_measure = nullptr;
  QPushButton* m_save = nullptr;
  ImageGridWidget* m_queries = nullptr;
  ImageGridWidget* m_gallery = nullptr;
  QLabel* m_precision = nullptr;
  QLabel* m_mean = nullptr;
  QLabel* m_status = nullptr;
};

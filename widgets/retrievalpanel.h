// The Retrieval panel: click a test image, see its K nearest training images by cosine similarity
// of the encoder's pooled features, each captioned "class · similarity", neighbours of another class
// framed in red, and this query's precision@K; the mean P@K over the whole test split on request.
// The query may be a picture from outside the dataset (Open image…, a file dropped on the panel, the
// clipboard), converted to the dataset's channels and size as the dataset's images were made. A
// click on a neighbour shows why the two are neighbours: the Grad-CAM map of their cosine similarity
// on both (Evaluator::similarityMaps). "Compare with…" shows the neighbours of the same query under
// a second run beside the first. Everything is computed by RunInspector jobs on the run folders'
// last checkpoints; the run's lifecycle (set, follow checkpoints, busy, export) is InspectionPanel's.
#pragma once

#include "inspectionpanel.h"

#include <pretext/image.h>

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

class ImageGridWidget;
class QGridLayout;
class QGroupBox;
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

  /// Writes the gallery (query and neighbours, with a title line) as PNG, and under it the second
  /// run's gallery of the same query when two runs are compared; false when there is nothing to
  /// save or the file cannot be written.
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

  /// Whether the gallery's query is a picture from outside the dataset (shownQuery() is then -1).
  bool showsOwnQuery() const { return m_hasGallery && m_shownQuery < 0; }
  /// The query as the encoder sees it (the dataset's channels and size); null when none is shown.
  QImage shownQueryImage() const;

  /// The second run ("Compare with…"), empty for none, and the neighbours of the same query under it.
  QString secondRun() const { return m_secondDir; }
  const std::vector<std::int64_t>& secondNeighbourIndices() const { return m_second.indices; }
  const std::vector<double>& secondNeighbourSimilarities() const { return m_second.similarities; }
  /// Tile 0 the query, tiles 1..K its neighbours under the second run.
  ImageGridWidget* secondGalleryGrid() const { return m_secondGallery; }
  QLabel* secondCaptionLabel() const { return m_secondCaption; }

  /// Why the clicked neighbour is one: tile 0 the query's similarity map, tile 1 the neighbour's.
  ImageGridWidget* similarityGrid() const { return m_why; }
  QLabel* similarityLabel() const { return m_whyLabel; }
  /// The clicked neighbour (a training image), the gallery it is in (0 the first run's, 1 the
  /// second's) and the cosine similarity the maps explain; -1 when none is shown.
  std::int64_t similarityNeighbour() const { return m_whyNeighbour; }
  int similarityGallery() const { return m_whyGallery; }
  double shownSimilarity() const { return m_whySimilarity; }

  QPushButton* openImageButton() const { return m_openImage; }
  QPushButton* compareButton() const { return m_compare; }

  /// Candidate queries shown at a time.
  static constexpr int kCandidates = 30;

 public slots:
  /// Shows the neighbours of a picture from outside the dataset (the clipboard, a dropped image);
  /// `name` captions it.
  void showImageQuery(const QImage& picture, const QString& name);
  /// Shows the neighbours of an image file, read as the dataset's image files are read.
  void showImageFile(const QString& path);
  /// Asks for an image file, then showImageFile().
  void openImage();
  /// Pastes an image (or an image file's name) from the clipboard as the query.
  void pasteImage();
  /// The run whose neighbours of the same query are shown beside the first; empty: none.
  void setSecondRun(const QString& runDir);
  /// Asks for a run folder to compare with, then setSecondRun().
  void chooseSecondRun();
  /// Shows the similarity maps of the query and its neighbour at `rank` (0 the nearest) in
  /// `gallery` (0 the first run's, 1 the second's).
  void showSimilarity(int gallery, int rank);
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
  /// The second gallery shows the neighbours of the query under the second run.
  void secondNeighboursShown();
  /// The similarity maps of the query and training image `trainIndex` are on show.
  void similarityShown(int gallery, qint64 trainIndex);

 protected:
  void runChanged() override;
  void reload() override;
  bool follows(const QString& runDir) const override;
  void checkpointChanged(const QString& runDir) override;
  ExportFile exportFile() const override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  // The neighbours one gallery shows.
  struct Shown {
    std::vector<std::int64_t> indices;
    std::vector<double> similarities;
    std::vector<int> labels;
    pretext::Image query;  // the query as that run's encoder took it
  };

  void loadCandidates();
  void requestNeighbours();
  void requestSecondNeighbours();
  void clearSecondGallery(const QString& placeholder);
  void clearSimilarity(const QString& placeholder);
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
  QString m_datasetKey;        // the first run's test split (a second run must have the same for a test query)

  std::int64_t m_requestedQuery = -1;
  QString m_requestedFile;     // an image file as the query
  QImage m_requestedPicture;   // a picture as the query (clipboard, drop)
  QString m_ownName;           // the caption of a file or picture query
  bool m_hasGallery = false;
  std::int64_t m_shownQuery = -1;
  int m_shownK = 0;
  int m_queryLabel = -1;
  std::vector<std::int64_t> m_indices;
  std::vector<double> m_similarities;
  std::vector<int> m_labels;
  double m_meanPrecision = -1.0;
  pretext::Image m_shownQueryPixels;

  QString m_secondDir;
  Shown m_second;
  std::int64_t m_whyNeighbour = -1;
  int m_whyGallery = -1;
  double m_whySimilarity = 0.0;

  QSpinBox* m_k = nullptr;
  QPushButton* m_other = nullptr;
  QPushButton* m_measure = nullptr;
  QPushButton* m_save = nullptr;
  ImageGridWidget* m_queries = nullptr;
  ImageGridWidget* m_gallery = nullptr;
  ImageGridWidget* m_secondGallery = nullptr;
  QLabel* m_secondCaption = nullptr;
  QLabel* m_firstCaption = nullptr;
  QGridLayout* m_galleries = nullptr;
  QGroupBox* m_whyBox = nullptr;
  ImageGridWidget* m_why = nullptr;
  QLabel* m_whyLabel = nullptr;
  QPushButton* m_openImage = nullptr;
  QPushButton* m_compare = nullptr;
  QPushButton* m_closeCompare = nullptr;
  QLabel* m_precision = nullptr;
  QLabel* m_mean = nullptr;
  QLabel* m_status = nullptr;
};

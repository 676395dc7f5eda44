// The Embedding panel: a 2-D projection (PCA or t-SNE) of the encoder's pooled features of the first
// N test images, as a scatter with one colour per class and a legend; hovering a point shows its test
// image, enlarged, and its class. Computed by a RunInspector job on the run's last checkpoint; the
// run's lifecycle (set, follow checkpoints, busy, export) is InspectionPanel's.
// Selections: with "Select" on (or Shift held), dragging draws a lasso (free-form polygon; with Alt
// a rectangle) that selects the points inside; a gallery beside the plot shows the selected images
// with their classes and the selection's class make-up; a selected image can be sent to Retrieval
// as its query (queryRequested).
#pragma once

#include "inspectionpanel.h"

#include <pretext/evaluation.h>

#include <QImage>
#include <QList>
#include <QPointF>
#include <QPolygonF>
#include <QString>

#include <cstdint>
#include <vector>

class ImageGridWidget;
class QCPCurve;
class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTimer;

/// The indices i whose point (x[i], y[i]) lies inside `polygon` (even-odd rule, the polygon closed
/// from its last vertex to its first; a point on an edge may fall either way), in index order.
std::vector<int> pointsInPolygon(const std::vector<float>& x, const std::vector<float>& y, const QPolygonF& polygon);
/// How many of `indices` have each label: counts[c] for c in [0, classes); unlabelled (< 0) and
/// labels >= classes are not counted.
std::vector<std::int64_t> classMakeup(const std::vector<int>& labels, const std::vector<int>& indices, int classes);

class EmbeddingPanel final : public InspectionPanel {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(EmbeddingPanel)

 public:
  explicit EmbeddingPanel(RunInspector* inspector, QWidget* parent = nullptr);
  ~EmbeddingPanel() override;

  QString runDir() const { return run(); }
  /// "pca" or "tsne", as chosen.
  QString kind() const;
  /// How many test images (the first N of the test split) are projected.
  int points() const;
  /// The projection shown: point i is test image i. Empty before the first result.
  const pretext::Projection& projection() const { return m_projection; }

  /// The test image under `pos` (plot widget coordinates): the nearest point within a few pixels, or -1.
  int pointAt(const QPoint& pos) const;
  /// Where point `index` is drawn, in plot widget coordinates.
  QPointF pointPosition(int index) const;
  /// The test image hovered now, or -1; its picture and text as the hover shows them.
  int hoveredPoint() const { return m_hovered; }
  QWidget* hoverWidget() const { return m_hover; }
  QImage hoverImage() const;
  QString hoverText() const;

  /// Writes the plot as PNG or PDF (by the suffix) or CSV (x, y, label, class, test index);
  /// false when there is nothing to export or the file cannot be written.
  bool exportTo(const QString& path) override;

  QCustomPlot* plot() const { return m_plot; }
  QComboBox* kindBox() const { return m_kind; }
  QSpinBox* pointsBox() const { return m_points; }
  QPushButton* exportButton() const { return m_export; }
  QLabel* statusLabel() const { return m_status; }
  /// What the panel says now: in place of the plot while there is none, else under it.
  QString message() const;

  /// Selects the points inside `polygon`, given in plot coordinates (the axes' units); an empty
  /// polygon clears the selection.
  void selectPolygon(const QPolygonF& polygon);
  /// The selected test images, in index order.
  const std::vector<int>& selection() const { return m_selection; }
  /// The selection's class make-up (classMakeup over the projection's classes).
  std::vector<std::int64_t> selectionMakeup() const;
  ImageGridWidget* selectionGrid() const { return m_gallery; }
  QLabel* makeupLabel() const { return m_makeup; }
  QPushButton* selectButton() const { return m_select; }
  QPushButton* queryButton() const { return m_query; }
  /// The selected image chosen in the gallery (the one "Query in Retrieval" sends), or -1.
  int chosenPoint() const { return m_chosen; }
  /// At most this many selected images are shown in the gallery.
  static constexpr int kGalleryLimit = 300;

  /// Hover radius around a point's centre, in pixels.
  static constexpr int kHoverRadius = 6;

 public slots:
  /// Computes the projection the controls describe (when next shown, if hidden now).
  void compute();

 signals:
  /// A new projection is on the plot.
  void projectionShown();
  /// The selection changed.
  void selectionChanged();
  /// The user asked to see test image `testIndex` as the Retrieval panel's query.
  void queryRequested(qint64 testIndex);

 protected:
  void runChanged() override;
  void reload() override { compute(); }
  ExportFile exportFile() const override;
  void hideEvent(QHideEvent* event) override;
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void showProjection(const pretext::Projection& p, const QList<QImage>& images);
  void clearPlot(const QString& message);
  /// Says `text` under the plot, and in its place while there is no plot.
  void setMessage(const QString& text);
  void applyTheme();
  void updateHover(const QPoint& pos);
  void hideHover();
  QString className(int label) const;
  void showSelection();
  void drawLasso();

  pretext::Projection m_projection;
  QList<QImage> m_images;
  int m_hovered = -1;

  QComboBox* m_kind = nullptr;
  QSpinBox* m_points = nullptr;
  QPushButton* m_export = nullptr;
  QCustomPlot* m_plot = nullptr;
  QLabel* m_placeholder = nullptr;
  QStackedWidget* m_stack = nullptr;
  QLabel* m_status = nullptr;
  QTimer* m_debounce = nullptr;
  QWidget* m_hover = nullptr;
  QLabel* m_hoverImage = nullptr;
  QLabel* m_hoverText = nullptr;
  QPushButton* m_select = nullptr;
  QPushButton* m_query = nullptr;
  QWidget* m_side = nullptr;
  QLabel* m_makeup = nullptr;
  ImageGridWidget* m_gallery = nullptr;
  QCPCurve* m_selectedGraph = nullptr;   // rings around the selected points (not a graph: graphs are classes)
  QCPCurve* m_lassoCurve = nullptr;      // the lasso while it is drawn
  bool m_lassoing = false;
  bool m_rectangle = false;
  QPointF m_lassoStart;                  // plot coordinates
  QPolygonF m_lasso;                     // plot coordinates
  std::vector<int> m_selection;
  int m_chosen = -1;
};

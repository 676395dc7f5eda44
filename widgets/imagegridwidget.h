// A scrollable grid of image tiles with a caption under each: dataset samples now, filters and
// retrieval galleries later. Tiles scale with setTileSize() or Ctrl+wheel; any tile can be
// marked with a red frame (a wrong neighbour in a retrieval gallery).
#pragma once

#include <QAbstractScrollArea>
#include <QImage>
#include <QList>
#include <QPixmap>
#include <QString>
#include <QStringList>
#include <QVector>

class ImageGridWidget final : public QAbstractScrollArea {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(ImageGridWidget)

 public:
  explicit ImageGridWidget(QWidget* parent = nullptr);

  /// Replaces all tiles. `captions` and `toolTips` may be shorter than `images` (or empty).
  void setImages(const QList<QImage>& images, const QStringList& captions = {},
                 const QStringList& toolTips = {});
  void clear();

  int count() const { return int(m_tiles.size()); }
  QImage image(int index) const;
  QString caption(int index) const;

  void setMarked(int index, bool marked);
  bool isMarked(int index) const;
  void clearMarks();

  /// Side of the square each image is fitted into, in device-independent pixels.
  void setTileSize(int pixels);
  int tileSize() const { return m_tileSize; }
  static constexpr int kMinTileSize = 16;
  static constexpr int kMaxTileSize = 512;

  /// Scale small images by whole pixels (crisp 28x28 digits) instead of smoothing them.
  void setPixelated(bool pixelated);

  /// Shown in the middle of the empty grid.
  void setPlaceholderText(const QString& text);

  /// The tile under `pos` (viewport coordinates), or -1.
  int indexAt(const QPoint& pos) const;
  /// Where tile `index` is drawn, image and caption, in viewport coordinates.
  QRect tileRect(int index) const;
  int columnCount() const;

  /// The whole grid (all rows, not only the visible ones) as one image, for exports.
  QImage renderAll(int columns = 0) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  void tileClicked(int index);
  void tileSizeChanged(int pixels);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  void changeEvent(QEvent* event) override;
  bool viewportEvent(QEvent* event) override;

 private:
  struct Tile {
    QImage image;
    QString caption;
    QString toolTip;
    bool marked = false;
    QPixmap scaled;  // cache at the current tile size and device pixel ratio
  };

  int captionHeight() const;
  QSize cellSize() const;
  int columnsFor(int width) const;
  int leftEdge(int columns) const;
  QRect cellRect(int index, int columns, int left) const;
  void paintTile(QPainter& painter, Tile& tile, const QRect& cell, bool hovered, qreal dpr);
  QPixmap scaledPixmap(Tile& tile, qreal dpr) const;
  void updateScrollBars();
  void saveImageAs();

  QVector<Tile> m_tiles;
  QString m_placeholder;
  int m_tileSize = 84;
  int m_hover = -1;
  bool m_pixelated = true;
  static constexpr int kMargin = 8;
  static constexpr int kSpacing = 8;
  static constexpr int kMarkWidth = 3;
};

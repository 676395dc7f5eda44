// One picture (a filter grid, a sheet of attention maps) fitted to the widget: enlarged with
// nearest-neighbour sampling, so every weight or pixel stays a sharp square on a projector, and
// reduced smoothly when it is larger than the widget. A placeholder text stands in for no picture.
#pragma once

#include <QImage>
#include <QPixmap>
#include <QString>
#include <QWidget>

#include <functional>

class QPainter;

class PixelImageView final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(PixelImageView)

 public:
  explicit PixelImageView(QWidget* parent = nullptr);

  void setImage(const QImage& image);
  QImage image() const { return m_image; }
  void clear() { setImage({}); }

  /// Shown in the middle when there is no picture.
  void setPlaceholderText(const QString& text);
  QString placeholderText() const { return m_placeholder; }

  /// Where the picture is drawn, in widget coordinates (empty without one).
  QRect imageRect() const;

  /// Painted over the picture after it, in widget coordinates at screen resolution (text stays
  /// sharp): `target` is imageRect(). An empty function draws nothing.
  using Overlay = std::function<void(QPainter& painter, const QRect& target)>;
  void setOverlay(Overlay overlay);

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  QImage m_image;
  QPixmap m_scaled;  // cache at the current size and device pixel ratio
  QString m_placeholder;
  Overlay m_overlay;
  static constexpr int kMargin = 6;
};

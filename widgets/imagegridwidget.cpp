#include "imagegridwidget.h"

#include <QContextMenuEvent>
#include <QFileDialog>
#include <QHelpEvent>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace {

const QColor kMarkColor(0xd3, 0x2f, 0x2f);

}  // namespace

ImageGridWidget::ImageGridWidget(QWidget* parent) : QAbstractScrollArea(parent) {
  setFrameShape(QFrame::StyledPanel);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  viewport()->setMouseTracking(true);
  viewport()->setBackgroundRole(QPalette::Base);
  viewport()->setAutoFillBackground(true);
  verticalScrollBar()->setSingleStep(24);
}

void ImageGridWidget::setImages(const QList<QImage>& images, const QStringList& captions,
                                const QStringList& toolTips) {
  m_tiles.clear();
  m_tiles.reserve(images.size());
  for (int i = 0; i < images.size(); ++i) {
    Tile tile;
    tile.image = images[i];
    if (i < captions.size()) tile.caption = captions[i];
    if (i < toolTips.size()) tile.toolTip = toolTips[i];
    m_tiles.push_back(std::move(tile));
  }
  m_hover = -1;
  verticalScrollBar()->setValue(0);
  updateScrollBars();
  viewport()->update();
}

void ImageGridWidget::clear() { setImages({}); }

QImage ImageGridWidget::image(int index) const {
  return index >= 0 && index < m_tiles.size() ? m_tiles[index].image : QImage();
}

QString ImageGridWidget::caption(int index) const {
  return index >= 0 && index < m_tiles.size() ? m_tiles[index].caption : QString();
}

void ImageGridWidget::setMarked(int index, bool marked) {
  if (index < 0 || index >= m_tiles.size() || m_tiles[index].marked == marked) return;
  m_tiles[index].marked = marked;
  viewport()->update();
}

bool ImageGridWidget::isMarked(int index) const {
  return index >= 0 && index < m_tiles.size() && m_tiles[index].marked;
}

void ImageGridWidget::clearMarks() {
  for (auto& tile : m_tiles) tile.marked = false;
  viewport()->update();
}

void ImageGridWidget::setTileSize(int pixels) {
  pixels = std::clamp(pixels, kMinTileSize, kMaxTileSize);
  if (pixels == m_tileSize) return;
  m_tileSize = pixels;
  for (auto& tile : m_tiles) tile.scaled = QPixmap();
  updateScrollBars();
  viewport()->update();
  updateGeometry();
  emit tileSizeChanged(m_tileSize);
}

void ImageGridWidget::setPixelated(bool pixelated) {
  if (pixelated == m_pixelated) return;
  m_pixelated = pixelated;
  for (auto& tile : m_tiles) tile.scaled = QPixmap();
  viewport()->update();
}

void ImageGridWidget::setPlaceholderText(const QString& text) {
  m_placeholder = text;
  viewport()->update();
}

int ImageGridWidget::captionHeight() const {
  const bool any = std::any_of(m_tiles.begin(), m_tiles.end(), [](const Tile& t) { return !t.caption.isEmpty(); });
  return any ? fontMetrics().height() + 2 : 0;
}

QSize ImageGridWidget::cellSize() const {
  const int side = m_tileSize + 2 * kMarkWidth;
  const int caption = captionHeight();
  return {side, side + (caption > 0 ? caption + 2 : 0)};
}

int ImageGridWidget::columnsFor(int width) const {
  return std::max(1, (width - 2 * kMargin + kSpacing) / (cellSize().width() + kSpacing));
}

int ImageGridWidget::columnCount() const { return columnsFor(viewport()->width()); }

// The grid is centred in the viewport, so spare width is split evenly left and right.
int ImageGridWidget::leftEdge(int columns) const {
  const int used = columns * cellSize().width() + (columns - 1) * kSpacing;
  return std::max(kMargin, (viewport()->width() - used) / 2);
}

QRect ImageGridWidget::cellRect(int index, int columns, int left) const {
  const QSize cell = cellSize();
  const int row = index / columns, col = index % columns;
  return {left + col * (cell.width() + kSpacing), kMargin + row * (cell.height() + kSpacing), cell.width(),
          cell.height()};
}

QRect ImageGridWidget::tileRect(int index) const {
  if (index < 0 || index >= m_tiles.size()) return {};
  const int columns = columnCount();
  return cellRect(index, columns, leftEdge(columns)).translated(0, -verticalScrollBar()->value());
}

int ImageGridWidget::indexAt(const QPoint& pos) const {
  const int columns = columnCount();
  const QSize cell = cellSize();
  const int x = pos.x() - leftEdge(columns), y = pos.y() + verticalScrollBar()->value() - kMargin;
  if (x < 0 || y < 0) return -1;
  const int col = x / (cell.width() + kSpacing), row = y / (cell.height() + kSpacing);
  if (col >= columns || x % (cell.width() + kSpacing) >= cell.width() ||
      y % (cell.height() + kSpacing) >= cell.height()) {
    return -1;
  }
  const int index = row * columns + col;
  return index < m_tiles.size() ? index : -1;
}

void ImageGridWidget::updateScrollBars() {
  const int columns = columnCount();
  const int rows = (int(m_tiles.size()) + columns - 1) / columns;
  const QSize cell = cellSize();
  const int contentHeight = rows == 0 ? 0 : 2 * kMargin + rows * cell.height() + (rows - 1) * kSpacing;
  verticalScrollBar()->setPageStep(viewport()->height());
  verticalScrollBar()->setSingleStep(std::max(8, cell.height() / 3));
  verticalScrollBar()->setRange(0, std::max(0, contentHeight - viewport()->height()));
}

QPixmap ImageGridWidget::scaledPixmap(Tile& tile, qreal dpr) const {
  if (!tile.scaled.isNull() && qFuzzyCompare(tile.scaled.devicePixelRatio(), dpr)) return tile.scaled;
  if (tile.image.isNull()) return {};
  const int target = int(std::lround(m_tileSize * dpr));
  const QSize size = tile.image.size().scaled(target, target, Qt::KeepAspectRatio);
  const bool upscale = size.width() >= tile.image.width();
  const auto mode = m_pixelated && upscale ? Qt::FastTransformation : Qt::SmoothTransformation;
  tile.scaled = QPixmap::fromImage(tile.image.scaled(size, Qt::KeepAspectRatio, mode));
  tile.scaled.setDevicePixelRatio(dpr);
  return tile.scaled;
}

void ImageGridWidget::paintTile(QPainter& painter, Tile& tile, const QRect& cell, bool hovered, qreal dpr) {
  const QRect square(cell.x() + kMarkWidth, cell.y() + kMarkWidth, m_tileSize, m_tileSize);
  if (hovered) {
    QColor highlight = palette().color(QPalette::Highlight);
    highlight.setAlpha(60);
    painter.fillRect(cell.adjusted(-2, -2, 2, 2), highlight);
  }
  const QPixmap pixmap = scaledPixmap(tile, dpr);
  QRect imageRect = square;
  if (!pixmap.isNull()) {
    const QSize logical = (QSizeF(pixmap.size()) / dpr).toSize();
    imageRect = QRect(QPoint(0, 0), logical);
    imageRect.moveCenter(square.center());
    painter.drawPixmap(imageRect.topLeft(), pixmap);
  }
  if (tile.marked) {
    painter.setPen(QPen(kMarkColor, kMarkWidth, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    painter.setBrush(Qt::NoBrush);
    const qreal h = kMarkWidth / 2.0;
    painter.drawRect(QRectF(imageRect).adjusted(-h, -h, h, h));
  } else {
    painter.setPen(QPen(palette().color(QPalette::Mid), 1));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(QRectF(imageRect).adjusted(-0.5, -0.5, 0.5, 0.5));
  }
  if (!tile.caption.isEmpty()) {
    const int top = cell.y() + 2 * kMarkWidth + m_tileSize + 2;
    const QRect textRect(cell.x(), top, cell.width(), cell.bottom() - top + 1);
    QFont font = painter.font();
    font.setBold(tile.marked);
    painter.setFont(font);
    painter.setPen(tile.marked ? kMarkColor : palette().color(QPalette::Text));
    const QString text = QFontMetrics(font).elidedText(tile.caption, Qt::ElideRight, textRect.width());
    painter.drawText(textRect, Qt::AlignHCenter | Qt::AlignTop, text);
  }
}

void ImageGridWidget::paintEvent(QPaintEvent*) {
  QPainter painter(viewport());
  painter.setFont(font());
  if (m_tiles.isEmpty()) {
    if (!m_placeholder.isEmpty()) {
      painter.setPen(palette().color(QPalette::PlaceholderText));
      painter.drawText(viewport()->rect().adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap,
                       m_placeholder);
    }
    return;
  }
  const int columns = columnCount();
  const int offset = verticalScrollBar()->value();
  const QRect visible = viewport()->rect().translated(0, offset);
  const qreal dpr = viewport()->devicePixelRatioF();
  const int left = leftEdge(columns);
  painter.translate(0, -offset);
  for (int i = 0; i < m_tiles.size(); ++i) {
    const QRect cell = cellRect(i, columns, left);
    if (cell.top() > visible.bottom()) break;
    if (!cell.intersects(visible)) continue;
    paintTile(painter, m_tiles[i], cell, i == m_hover, dpr);
  }
}

QImage ImageGridWidget::renderAll(int columns) const {
  if (m_tiles.isEmpty()) return {};
  if (columns <= 0) columns = columnCount();
  columns = std::min(columns, int(m_tiles.size()));
  const int rows = (int(m_tiles.size()) + columns - 1) / columns;
  const QSize cell = cellSize();
  QImage out(2 * kMargin + columns * cell.width() + (columns - 1) * kSpacing,
             2 * kMargin + rows * cell.height() + (rows - 1) * kSpacing, QImage::Format_RGB32);
  out.fill(palette().color(QPalette::Base));
  QPainter painter(&out);
  painter.setFont(font());
  auto* self = const_cast<ImageGridWidget*>(this);  // only the pixmap caches change
  for (int i = 0; i < m_tiles.size(); ++i) self->paintTile(painter, self->m_tiles[i], cellRect(i, columns, kMargin), false, 1.0);
  return out;
}

void ImageGridWidget::resizeEvent(QResizeEvent* event) {
  QAbstractScrollArea::resizeEvent(event);
  updateScrollBars();
}

void ImageGridWidget::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0) setTileSize(int(std::lround(m_tileSize * std::pow(1.15, steps))));
    event->accept();
    return;
  }
  QAbstractScrollArea::wheelEvent(event);
}

void ImageGridWidget::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) {
    const int index = indexAt(event->position().toPoint());
    if (index >= 0) emit tileClicked(index);
  }
  QAbstractScrollArea::mousePressEvent(event);
}

void ImageGridWidget::mouseMoveEvent(QMouseEvent* event) {
  const int index = indexAt(event->position().toPoint());
  if (index != m_hover) {
    m_hover = index;
    viewport()->update();
  }
  QAbstractScrollArea::mouseMoveEvent(event);
}

void ImageGridWidget::leaveEvent(QEvent* event) {
  if (m_hover != -1) {
    m_hover = -1;
    viewport()->update();
  }
  QAbstractScrollArea::leaveEvent(event);
}

bool ImageGridWidget::viewportEvent(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int index = indexAt(help->pos());
    if (index >= 0) {
      const Tile& tile = m_tiles[index];
      const QString text = tile.toolTip.isEmpty() ? tile.caption : tile.toolTip;
      if (!text.isEmpty()) {
        QToolTip::showText(help->globalPos(), text, viewport(), tileRect(index));
        return true;
      }
    }
    QToolTip::hideText();
    event->ignore();
    return true;
  }
  return QAbstractScrollArea::viewportEvent(event);
}

void ImageGridWidget::contextMenuEvent(QContextMenuEvent* event) {
  if (m_tiles.isEmpty()) return;
  QMenu menu(this);
  menu.addAction(tr("Save grid as PNG…"), this, &ImageGridWidget::saveImageAs);
  menu.addSeparator();
  menu.addAction(tr("Larger tiles"), this, [this] { setTileSize(int(m_tileSize * 1.25)); });
  menu.addAction(tr("Smaller tiles"), this, [this] { setTileSize(int(m_tileSize / 1.25)); });
  menu.exec(event->globalPos());
}

void ImageGridWidget::saveImageAs() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save grid"), QStringLiteral("grid.png"),
                                                    tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  if (!renderAll().save(path, "PNG")) {
    QMessageBox::warning(this, tr("Save grid"), tr("Could not write %1.").arg(path));
  }
}

void ImageGridWidget::changeEvent(QEvent* event) {
  if (event->type() == QEvent::FontChange) {
    updateScrollBars();
    updateGeometry();
    viewport()->update();
  }
  QAbstractScrollArea::changeEvent(event);
}

QSize ImageGridWidget::sizeHint() const {
  const QSize cell = cellSize();
  return {2 * kMargin + 6 * cell.width() + 5 * kSpacing + verticalScrollBar()->sizeHint().width() + 2 * frameWidth(),
          2 * kMargin + 4 * cell.height() + 3 * kSpacing + 2 * frameWidth()};
}

QSize ImageGridWidget::minimumSizeHint() const {
  const QSize cell = cellSize();
  return {2 * kMargin + cell.width() + verticalScrollBar()->sizeHint().width() + 2 * frameWidth(),
          2 * kMargin + cell.height() + 2 * frameWidth()};
}

#include "pixelimageview.h"

#include <QPainter>
#include <QResizeEvent>

#include <algorithm>
#include <cmath>

PixelImageView::PixelImageView(QWidget* parent) : QWidget(parent) {
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void PixelImageView::setImage(const QImage& image) {
  m_image = image;
  m_scaled = QPixmap();
  update();
}

void PixelImageView::setPlaceholderText(const QString& text) {
  m_placeholder = text;
  if (m_image.isNull()) update();
}

QRect PixelImageView::imageRect() const {
  if (m_image.isNull()) return {};
  const QRect area = rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
  if (area.width() <= 0 || area.height() <= 0) return {};
  const double factor = std::min(double(area.width()) / m_image.width(), double(area.height()) / m_image.height());
  const int w = std::max(1, int(std::floor(m_image.width() * factor)));
  const int h = std::max(1, int(std::floor(m_image.height() * factor)));
  return {area.left() + (area.width() - w) / 2, area.top() + (area.height() - h) / 2, w, h};
}

void PixelImageView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  if (m_image.isNull()) {
    if (!m_placeholder.isEmpty()) {
      painter.setPen(palette().color(QPalette::PlaceholderText));
      painter.drawText(rect().adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
    }
    return;
  }
  const QRect target = imageRect();
  if (target.isEmpty()) return;
  const qreal dpr = devicePixelRatioF();
  const QSize device(int(std::lround(target.width() * dpr)), int(std::lround(target.height() * dpr)));
  if (m_scaled.isNull() || m_scaled.size() != device) {
    // Enlarging samples the nearest pixel (a weight stays a square); reducing averages.
    const bool enlarging = device.width() >= m_image.width();
    m_scaled = QPixmap::fromImage(m_image.scaled(device, Qt::IgnoreAspectRatio,
                                                 enlarging ? Qt::FastTransformation : Qt::SmoothTransformation));
    m_scaled.setDevicePixelRatio(dpr);
  }
  painter.drawPixmap(target.topLeft(), m_scaled);
  if (m_overlay) m_overlay(painter, target);
}

void PixelImageView::setOverlay(Overlay overlay) {
  m_overlay = std::move(overlay);
  update();
}

void PixelImageView::resizeEvent(QResizeEvent* event) {
  m_scaled = QPixmap();
  QWidget::resizeEvent(event);
}

QSize PixelImageView::sizeHint() const { return {480, 360}; }

QSize PixelImageView::minimumSizeHint() const { return {120, 90}; }

#include "embeddingpanel.h"

#include "imagegridwidget.h"
#include "panelcommon.h"
#include "plottheme.h"
#include "qtconvert.h"
#include "runinspector.h"

#include "translation.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QMouseEvent>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

const QString kProjectionChannel = QStringLiteral("projection");
constexpr int kLegendLimit = 20;    // more classes than this: no legend (hover tells the class)
constexpr int kHoverSide = 112;     // the hovered image is enlarged by a whole factor to about this

// Matplotlib's tab10 then tab20's light halves: distinct hues of middle lightness, which read on white
// and on dark backgrounds alike; beyond 20 classes, hues around the circle by the golden angle.
QColor classColour(int c) {
  static const QColor kTab[] = {
      QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
      QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
      QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf), QColor(0xae, 0xc7, 0xe8), QColor(0xff, 0xbb, 0x78),
      QColor(0x98, 0xdf, 0x8a), QColor(0xff, 0x98, 0x96), QColor(0xc5, 0xb0, 0xd5), QColor(0xc4, 0x9c, 0x94),
      QColor(0xf7, 0xb6, 0xd2), QColor(0xc7, 0xc7, 0xc7), QColor(0xdb, 0xdb, 0x8d), QColor(0x9e, 0xda, 0xe5)};
  if (c >= 0 && c < int(std::size(kTab))) return kTab[c];
  return QColor::fromHsvF(std::fmod(0.618033988749895 * c, 1.0), 0.65, 0.85);
}


struct ProjectionView {
  pretext::Projection projection;
  QList<QImage> images;
};

}  // namespace

std::vector<int> pointsInPolygon(const std::vector<float>& x, const std::vector<float>& y, const QPolygonF& polygon) {
  std::vector<int> out;
  const int n = int(polygon.size());
  if (n < 3) return out;
  const QRectF box = polygon.boundingRect();
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    const double px = x[i], py = y[i];
    if (px < box.left() || px > box.right() || py < box.top() || py > box.bottom()) continue;
    // Ray casting to the right: an edge counts when it straddles the point's height (half-open in
    // y, so a vertex at that height counts once) and crosses right of the point.
    bool inside = false;
    for (int a = 0, b = n - 1; a < n; b = a++) {
      const QPointF& p = polygon[a];
      const QPointF& q = polygon[b];
      if ((p.y() > py) != (q.y() > py)) {
        const double cross = p.x() + (py - p.y()) * (q.x() - p.x()) / (q.y() - p.y());
        if (px < cross) inside = !inside;
      }
    }
    if (inside) out.push_back(int(i));
  }
  return out;
}

std::vector<std::int64_t> classMakeup(const std::vector<int>& labels, const std::vector<int>& indices, int classes) {
  std::vector<std::int64_t> counts(std::size_t(std::max(0, classes)), 0);
  for (const int i : indices) {
    if (i < 0 || std::size_t(i) >= labels.size()) continue;
    const int c = labels[std::size_t(i)];
    if (c >= 0 && c < classes) ++counts[std::size_t(c)];
  }
  return counts;
}

EmbeddingPanel::EmbeddingPanel(RunInspector* inspector, QWidget* parent) : InspectionPanel(inspector, parent) {
  m_kind = new QComboBox;
  m_kind->addItem(tr("PCA"), QStringLiteral("pca"));
  m_kind->addItem(tr("t-SNE"), QStringLiteral("tsne"));
  m_kind->setToolTip(tr("PCA: the plane of largest variance (linear, instant). t-SNE: keeps each point's "
                        "near neighbours near (van der Maaten & Hinton 2008); seconds for thousands of points."));
  m_points = new QSpinBox;
  m_points->setRange(50, 100000);
  m_points->setSingleStep(500);
  m_points->setValue(2000);
  m_points->setGroupSeparatorShown(true);
  m_points->setSuffix(tr(" test images"));
  m_points->setToolTip(tr("The first N images of the test split are projected"));
  m_export = new QPushButton(tr("Export…"));
  m_export->setToolTip(tr("Save the plot as PNG or PDF, or the points as CSV"));
  m_select = new QPushButton(tr("Select"));
  m_select->setCheckable(true);
  m_select->setToolTip(tr("Drag a lasso around points to select them (or hold Shift while dragging); hold Alt for a "
                          "rectangle; a click clears the selection"));

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Projection:")));
  top->addWidget(m_kind);
  top->addWidget(new QLabel(tr("of the first")));
  top->addWidget(m_points);
  top->addWidget(m_export);
  top->addWidget(m_select);
  top->addStretch(1);
  top->addWidget(busyIndicator());

  m_plot = new QCustomPlot;
  m_plot->setMinimumSize(320, 240);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->setMouseTracking(true);
  m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
  m_plot->installEventFilter(this);
  m_plot->plotLayout()->insertRow(0);
  QFont titleFont = font();
  titleFont.setBold(true);
  m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, QString(), titleFont));
  // The legend right of the axis rect, so it never hides points.
  auto* side = new QCPLayoutGrid;
  m_plot->axisRect()->insetLayout()->take(m_plot->legend);
  m_plot->plotLayout()->addElement(1, 1, side);
  side->setMargins(QMargins(4, 0, 6, 6));
  side->addElement(0, 0, m_plot->legend);
  side->addElement(1, 0, new QCPLayoutElement(m_plot));
  side->setRowStretchFactor(1, 100);
  m_plot->plotLayout()->setColumnStretchFactor(1, 0.001);
  m_plot->legend->setVisible(false);

  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  m_placeholder = new QLabel;
  m_placeholder->setAlignment(Qt::AlignCenter);
  m_placeholder->setWordWrap(true);
  m_placeholder->setMargin(24);
  m_placeholder->setForegroundRole(QPalette::PlaceholderText);
  m_placeholder->setBackgroundRole(QPalette::Base);
  m_placeholder->setAutoFillBackground(true);
  m_placeholder->setFrameShape(QFrame::StyledPanel);
  m_stack = new QStackedWidget;
  m_stack->addWidget(m_placeholder);
  m_stack->addWidget(m_plot);

  // The selection: its class make-up, its images, and the chosen one sent to Retrieval.
  m_makeup = new QLabel;
  m_makeup->setWordWrap(true);
  m_makeup->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_gallery = new ImageGridWidget;
  m_gallery->setPixelated(true);
  m_gallery->setTileSize(48);
  m_query = new QPushButton(tr("Query in Retrieval"));
  m_query->setToolTip(tr("Show the nearest training images of the image chosen in the gallery"));
  m_query->setEnabled(false);
  m_side = new QWidget;
  auto* sideLayout = new QVBoxLayout(m_side);
  sideLayout->setContentsMargins(0, 0, 0, 0);
  sideLayout->addWidget(m_makeup);
  sideLayout->addWidget(m_gallery, 1);
  sideLayout->addWidget(m_query);
  m_side->setMinimumWidth(220);
  m_side->hide();
  auto* middle = new QHBoxLayout;
  middle->addWidget(m_stack, 3);
  middle->addWidget(m_side, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(middle, 1);
  layout->addWidget(m_status);

  // The hover: a small floating window with the enlarged image and its class.
  m_hover = new QFrame(this, Qt::ToolTip | Qt::FramelessWindowHint);
  static_cast<QFrame*>(m_hover)->setFrameShape(QFrame::Box);
  m_hover->setBackgroundRole(QPalette::ToolTipBase);
  m_hover->setForegroundRole(QPalette::ToolTipText);
  m_hover->setAutoFillBackground(true);
  m_hoverImage = new QLabel;
  m_hoverImage->setAlignment(Qt::AlignCenter);
  m_hoverText = new QLabel;
  m_hoverText->setAlignment(Qt::AlignCenter);
  m_hoverText->setForegroundRole(QPalette::ToolTipText);
  auto* hoverLayout = new QVBoxLayout(m_hover);
  hoverLayout->setContentsMargins(6, 6, 6, 4);
  hoverLayout->setSpacing(3);
  hoverLayout->addWidget(m_hoverImage);
  hoverLayout->addWidget(m_hoverText);
  m_hover->hide();

  // The selection's rings and the lasso on a layer above the points.
  m_plot->addLayer(QStringLiteral("selection"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
  m_selectedGraph = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
  m_selectedGraph->removeFromLegend();
  m_selectedGraph->setLineStyle(QCPCurve::lsNone);
  m_selectedGraph->setLayer(QStringLiteral("selection"));
  m_lassoCurve = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
  m_lassoCurve->removeFromLegend();
  m_lassoCurve->setLayer(QStringLiteral("selection"));
  m_lassoCurve->setVisible(false);
  connect(m_gallery, &ImageGridWidget::tileClicked, this, [this](int tile) {
    if (tile < 0 || tile >= int(m_selection.size())) return;
    m_gallery->clearMarks();
    m_gallery->setMarked(tile, true);
    m_chosen = m_selection[std::size_t(tile)];
    m_query->setEnabled(true);
    m_query->setText(tr("Query in Retrieval: #%1").arg(m_chosen));
  });
  connect(m_query, &QPushButton::clicked, this, [this] {
    if (m_chosen >= 0) emit queryRequested(m_chosen);
  });

  m_debounce = new QTimer(this);
  m_debounce->setSingleShot(true);
  m_debounce->setInterval(400);  // a spin box being typed into or stepped: compute once it settles
  connect(m_debounce, &QTimer::timeout, this, &EmbeddingPanel::compute);
  connect(m_kind, &QComboBox::currentIndexChanged, this, [this] { m_debounce->start(0); });
  connect(m_points, &QSpinBox::valueChanged, this, [this] { m_debounce->start(); });
  connect(m_export, &QPushButton::clicked, this, [this] {
    if (!m_projection.x.empty()) exportAs();
  });
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
    if (e->buttons() == Qt::NoButton) updateHover(e->pos());
    else hideHover();
  });
  connect(m_plot, &QCustomPlot::customContextMenuRequested, this, [this](const QPoint& pos) {
    hideHover();
    QMenu menu;
    QAction* exportAction = menu.addAction(tr("Export PNG, PDF or CSV…"), this, [this] { exportAs(); });
    exportAction->setEnabled(!m_projection.x.empty());
    menu.addAction(tr("Reset zoom"), this, [this] {
      m_plot->rescaleAxes();
      m_plot->replot();
    });
    menu.exec(m_plot->mapToGlobal(pos));
  });
  applyTheme();
  runChanged();
}

EmbeddingPanel::~EmbeddingPanel() = default;

QString EmbeddingPanel::kind() const { return m_kind->currentData().toString(); }
int EmbeddingPanel::points() const { return m_points->value(); }

QString EmbeddingPanel::className(int label) const {
  const auto& names = m_projection.classNames;
  if (label >= 0 && label < int(names.size())) return i18n::catalogueText(i18n::kClasses, names[std::size_t(label)]);
  return label < 0 ? tr("unlabelled") : tr("class %1").arg(label);
}

void EmbeddingPanel::runChanged() {
  m_debounce->stop();
  clearPlot(run().isEmpty() ? tr("No run: train one, or open a run folder.") : QString());
}

void EmbeddingPanel::compute() {
  m_debounce->stop();
  if (run().isEmpty() || !inspector()) return;
  if (deferWhileHidden()) return;  // computed when the panel is next shown
  const QString dir = run();
  const std::string kind = this->kind().toStdString();
  const std::int64_t limit = points();
  request<ProjectionView>(
      kProjectionChannel,
      [dir, kind, limit](InspectContext& c) {
        auto& ev = c.evaluator(dir);
        ProjectionView v;
        v.projection = ev.projection(kind, limit);
        const auto& ds = ev.dataset();
        for (std::size_t i = 0; i < v.projection.x.size(); ++i) {
          v.images << pretext::toQImage(ds.image(pretext::Split::Test, std::int64_t(i)));
        }
        return v;
      },
      [this](const ProjectionView& v) {
        showProjection(v.projection, v.images);
        emit projectionShown();
      },
      [this](const QString& message) { clearPlot(QStringLiteral("<b>%1</b>").arg(message.toHtmlEscaped())); });
  const QString n = QLocale().toString(limit);
  setMessage(kind == "tsne" ? tr("Computing t-SNE of the first %1 test images… (seconds on a CPU for a few thousand "
                                 "points: exact up to 1,000 points, Barnes-Hut above)")
                                  .arg(n)
                            : tr("Computing PCA of the first %1 test images…").arg(n));
}

void EmbeddingPanel::clearPlot(const QString& message) {
  hideHover();
  m_projection = pretext::Projection();
  m_images.clear();
  m_plot->clearGraphs();
  m_selection.clear();
  showSelection();
  m_plot->legend->setVisible(false);
  if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))) title->setText(QString());
  m_plot->xAxis->setLabel(QString());
  m_plot->yAxis->setLabel(QString());
  m_plot->replot();
  m_export->setEnabled(false);
  m_stack->setCurrentWidget(m_placeholder);
  setMessage(message);
}

void EmbeddingPanel::setMessage(const QString& text) {
  const bool placeholder = m_projection.x.empty();
  m_placeholder->setText(placeholder ? text : QString());
  m_status->setText(placeholder ? QString() : text);
}

QString EmbeddingPanel::message() const { return m_projection.x.empty() ? m_placeholder->text() : m_status->text(); }

void EmbeddingPanel::showProjection(const pretext::Projection& p, const QList<QImage>& images) {
  hideHover();
  m_projection = p;
  m_images = images;
  m_plot->clearGraphs();
  const int classes = std::max<int>(int(p.classNames.size()),
                                    p.labels.empty() ? 0 : *std::max_element(p.labels.begin(), p.labels.end()) + 1);
  const bool dark = isDarkPalette(palette());
  const double size = p.x.size() > 5000 ? 3.5 : 5.0;
  // One graph per class, in class order, so the legend lists the classes in the dataset's order;
  // unlabelled points (label -1) last.
  std::vector<QVector<double>> xs(std::size_t(classes) + 1), ys(std::size_t(classes) + 1);
  for (std::size_t i = 0; i < p.x.size(); ++i) {
    const std::size_t slot = p.labels[i] < 0 ? std::size_t(classes) : std::size_t(p.labels[i]);
    xs[slot].push_back(p.x[i]);
    ys[slot].push_back(p.y[i]);
  }
  for (int c = 0; c <= classes; ++c) {
    if (c == classes && xs[std::size_t(c)].isEmpty()) break;
    QColor colour = c == classes ? palette().color(QPalette::Mid) : classColour(c);
    if (dark && colour.lightness() < 110) colour = colour.lighter(140);
    colour.setAlpha(210);
    auto* g = m_plot->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, size));
    g->setPen(QPen(colour));
    g->setName(className(c == classes ? -1 : c));
    g->setData(xs[std::size_t(c)], ys[std::size_t(c)]);
  }
  // The selection's rings, over the classes' discs.
  const QColor ring = palette().color(QPalette::WindowText);
  m_selectedGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(ring, 1.5), Qt::NoBrush, size + 5));
  m_selection.erase(std::remove_if(m_selection.begin(), m_selection.end(), [&](int i) { return i >= int(p.x.size()); }),
                    m_selection.end());
  m_plot->legend->setVisible(classes <= kLegendLimit);
  const bool tsne = p.kind == "tsne";
  m_plot->xAxis->setLabel(tsne ? tr("t-SNE 1") : tr("principal component 1"));
  m_plot->yAxis->setLabel(tsne ? tr("t-SNE 2") : tr("principal component 2"));
  const QLocale locale;
  const QString what = tsne ? tr("t-SNE") : tr("PCA");
  if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))) {
    title->setText(tr("%1 of the pooled features · %2 · %3 test images")
                       .arg(what, runFolderName(run()), locale.toString(qlonglong(p.x.size()))));
  }
  m_plot->rescaleAxes();
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    const QCPRange r = axis->range();
    const double pad = std::max(r.size() * 0.04, 1e-6);
    axis->setRange(r.lower - pad, r.upper + pad);
  }
  m_plot->replot();
  m_export->setEnabled(!p.x.empty());
  QString text = tr("%1 of the first %2 test images in %3 s. Hover a point to see its image; drag to pan, wheel "
                    "to zoom, right-click to reset.")
                     .arg(what, locale.toString(qlonglong(p.x.size())), locale.toString(p.seconds, 'f', 1));
  if (classes > kLegendLimit) text += tr(" %1 classes: no legend; hover a point for its class.").arg(classes);
  m_stack->setCurrentWidget(m_plot);
  setMessage(text);
  showSelection();
}

void EmbeddingPanel::selectPolygon(const QPolygonF& polygon) {
  m_selection = pointsInPolygon(m_projection.x, m_projection.y, polygon);
  showSelection();
}

std::vector<std::int64_t> EmbeddingPanel::selectionMakeup() const {
  const int classes = std::max<int>(int(m_projection.classNames.size()),
                                    m_projection.labels.empty()
                                        ? 0
                                        : *std::max_element(m_projection.labels.begin(), m_projection.labels.end()) + 1);
  return classMakeup(m_projection.labels, m_selection, classes);
}

void EmbeddingPanel::showSelection() {
  if (m_selectedGraph) {
    QVector<double> t, xs, ys;
    for (const int i : m_selection) {
      t << t.size();
      xs << m_projection.x[std::size_t(i)];
      ys << m_projection.y[std::size_t(i)];
    }
    m_selectedGraph->setData(t, xs, ys, true);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  m_chosen = -1;
  m_query->setEnabled(false);
  m_query->setText(tr("Query in Retrieval"));
  m_gallery->clear();
  // Beside the plot while there is one (so that the plot keeps its size when a selection is made).
  m_side->setVisible(!m_projection.x.empty());
  if (m_selection.empty()) {
    m_makeup->setText(tr("Drag with Shift held (or with Select on) to select points; Alt for a rectangle."));
    emit selectionChanged();
    return;
  }
  const auto counts = selectionMakeup();
  std::vector<int> order(counts.size());
  for (std::size_t c = 0; c < order.size(); ++c) order[c] = int(c);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return counts[std::size_t(a)] > counts[std::size_t(b)]; });
  const QLocale locale;
  const double total = double(m_selection.size());
  QString text = tr("<b>%1 selected</b>").arg(locale.toString(qlonglong(m_selection.size())));
  for (const int c : order) {
    const auto n = counts[std::size_t(c)];
    if (n == 0) continue;
    text += QStringLiteral("<br>%1: %2 (%3%)")
                .arg(className(c).toHtmlEscaped(), locale.toString(qlonglong(n)), locale.toString(100.0 * double(n) / total, 'f', 0));
  }
  if (int(m_selection.size()) > kGalleryLimit) text += tr("<br>The gallery shows the first %1.").arg(kGalleryLimit);
  m_makeup->setText(text);
  QList<QImage> images;
  QStringList captions, tips;
  for (std::size_t k = 0; k < m_selection.size() && k < std::size_t(kGalleryLimit); ++k) {
    const int i = m_selection[k];
    images << (i < m_images.size() ? m_images[i] : QImage());
    captions << className(m_projection.labels[std::size_t(i)]);
    tips << tr("test image #%1 (click, then Query in Retrieval)").arg(i);
  }
  m_gallery->setImages(images, captions, tips);
  emit selectionChanged();
}

void EmbeddingPanel::drawLasso() {
  QVector<double> t, xs, ys;
  for (int i = 0; i <= m_lasso.size(); ++i) {
    const QPointF& p = m_lasso[i % m_lasso.size()];
    t << i;
    xs << p.x();
    ys << p.y();
  }
  m_lassoCurve->setData(t, xs, ys, true);
  QPen pen(palette().color(QPalette::WindowText), 1.2, Qt::DashLine);
  m_lassoCurve->setPen(pen);
  m_lassoCurve->setBrush(Qt::NoBrush);
  m_lassoCurve->setVisible(true);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int EmbeddingPanel::pointAt(const QPoint& pos) const {
  if (m_projection.x.empty() || !m_plot->axisRect()->rect().contains(pos)) return -1;
  const double limit = double(kHoverRadius) * kHoverRadius;
  double best = std::numeric_limits<double>::infinity();
  int found = -1;
  for (std::size_t i = 0; i < m_projection.x.size(); ++i) {
    const double dx = m_plot->xAxis->coordToPixel(m_projection.x[i]) - pos.x();
    const double dy = m_plot->yAxis->coordToPixel(m_projection.y[i]) - pos.y();
    const double d = dx * dx + dy * dy;
    if (d <= limit && d < best) {
      best = d;
      found = int(i);
    }
  }
  return found;
}

QPointF EmbeddingPanel::pointPosition(int index) const {
  if (index < 0 || index >= int(m_projection.x.size())) return {};
  return {m_plot->xAxis->coordToPixel(m_projection.x[std::size_t(index)]),
          m_plot->yAxis->coordToPixel(m_projection.y[std::size_t(index)])};
}

QImage EmbeddingPanel::hoverImage() const {
  const QPixmap pixmap = m_hoverImage->pixmap();
  return m_hovered >= 0 ? pixmap.toImage() : QImage();
}

QString EmbeddingPanel::hoverText() const { return m_hovered >= 0 ? m_hoverText->text() : QString(); }

void EmbeddingPanel::updateHover(const QPoint& pos) {
  const int index = pointAt(pos);
  if (index < 0) {
    hideHover();
    return;
  }
  if (index != m_hovered) {
    m_hovered = index;
    const QImage image = index < m_images.size() ? m_images[index] : QImage();
    if (!image.isNull()) {
      // Small images enlarged by whole pixels (crisp 28x28 digits); large ones brought down smoothly.
      const int side = std::max(image.width(), image.height());
      const QImage shown =
          side > 2 * kHoverSide
              ? image.scaled(2 * kHoverSide, 2 * kHoverSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)
              : image.scaled(image.size() * std::max(1, kHoverSide / side), Qt::IgnoreAspectRatio, Qt::FastTransformation);
      m_hoverImage->setPixmap(QPixmap::fromImage(shown));
    } else {
      m_hoverImage->clear();
    }
    m_hoverText->setText(tr("<b>%1</b><br>test image #%2")
                             .arg(className(m_projection.labels[std::size_t(index)]).toHtmlEscaped())
                             .arg(index));
    m_hover->adjustSize();
  }
  QPoint at = m_plot->mapToGlobal(pos) + QPoint(16, 16);
  if (const QScreen* screen = m_plot->screen()) {
    const QRect area = screen->availableGeometry();
    if (at.x() + m_hover->width() > area.right()) at.rx() -= m_hover->width() + 32;
    if (at.y() + m_hover->height() > area.bottom()) at.ry() -= m_hover->height() + 32;
  }
  m_hover->move(at);
  m_hover->show();
}

void EmbeddingPanel::hideHover() {
  m_hovered = -1;
  if (m_hover) m_hover->hide();
}

void EmbeddingPanel::hideEvent(QHideEvent* event) {
  hideHover();
  QWidget::hideEvent(event);
}

bool EmbeddingPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_plot && !m_projection.x.empty()) {
    const auto coord = [this](const QPointF& pos) {
      return QPointF(m_plot->xAxis->pixelToCoord(pos.x()), m_plot->yAxis->pixelToCoord(pos.y()));
    };
    if (event->type() == QEvent::MouseButtonPress) {
      auto* e = static_cast<QMouseEvent*>(event);
      if (e->button() == Qt::LeftButton && (m_select->isChecked() || e->modifiers().testFlag(Qt::ShiftModifier))) {
        hideHover();
        m_lassoing = true;
        m_rectangle = e->modifiers().testFlag(Qt::AltModifier);
        m_lassoStart = coord(e->position());
        m_lasso = QPolygonF{m_lassoStart};
        return true;
      }
    } else if (event->type() == QEvent::MouseMove && m_lassoing) {
      const QPointF at = coord(static_cast<QMouseEvent*>(event)->position());
      if (m_rectangle) {
        m_lasso = QPolygonF{m_lassoStart, QPointF(at.x(), m_lassoStart.y()), at, QPointF(m_lassoStart.x(), at.y())};
      } else {
        m_lasso << at;
      }
      drawLasso();
      return true;
    } else if (event->type() == QEvent::MouseButtonRelease && m_lassoing) {
      m_lassoing = false;
      m_lassoCurve->setVisible(false);
      // A click (no area) clears the selection.
      const QRectF box = m_lasso.boundingRect();
      const bool area = m_lasso.size() >= 3 && box.width() > 0 && box.height() > 0;
      selectPolygon(area ? m_lasso : QPolygonF());
      m_lasso.clear();
      m_plot->replot(QCustomPlot::rpQueuedReplot);
      return true;
    }
  }
  if (watched == m_plot && (event->type() == QEvent::Leave || event->type() == QEvent::Wheel)) hideHover();
  return QWidget::eventFilter(watched, event);
}

void EmbeddingPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) applyTheme();
}

// QCustomPlot draws in fixed colours (white paper, black ink); the panel follows the window's palette.
void EmbeddingPanel::applyTheme() {
  if (!m_plot) return;
  applyPaletteToPlot(m_plot, palette());
  if (!m_projection.x.empty()) {
    const auto p = m_projection;
    const auto images = m_images;
    showProjection(p, images);  // the class colours depend on the background's lightness
  } else {
    m_plot->replot();
  }
}

bool EmbeddingPanel::exportTo(const QString& path) {
  if (m_projection.x.empty()) return false;
  if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)) return m_plot->savePdf(path);
  if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
    QTextStream out(&file);
    out << "test_index,x,y,label,class\n";
    for (std::size_t i = 0; i < m_projection.x.size(); ++i) {
      QString cls = className(m_projection.labels[i]);
      cls.replace(QLatin1Char('"'), QLatin1String("\"\""));
      out << i << ',' << QString::number(m_projection.x[i], 'g', 8) << ',' << QString::number(m_projection.y[i], 'g', 8)
          << ',' << m_projection.labels[i] << ",\"" << cls << "\"\n";
    }
    return out.status() == QTextStream::Ok && file.flush();
  }
  return m_plot->savePng(path, 0, 0, 2.0);
}

InspectionPanel::ExportFile EmbeddingPanel::exportFile() const {
  return {tr("Export projection"), QStringLiteral("%1-%2.png").arg(runFolderName(run()), kind()),
          tr("PNG (*.png);;PDF (*.pdf);;CSV (*.csv)")};
}

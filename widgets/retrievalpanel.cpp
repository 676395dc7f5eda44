#include "retrievalpanel.h"

#include "imagegridwidget.h"
#include "panelcommon.h"
#include "qtconvert.h"
#include "runinspector.h"

#include "translation.h"

#include <pretext/evaluation.h>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <chrono>

namespace {

// The panel's requests (InspectionPanel channels).
const QString kCandidatesChannel = QStringLiteral("candidates");
const QString kNeighboursChannel = QStringLiteral("neighbours");
const QString kPrecisionChannel = QStringLiteral("precision");

QStringList toQStringList(const std::vector<std::string>& names) {
  QStringList out;
  for (const auto& n : names) out << QString::fromStdString(n);
  return out;
}

// What the worker sends back for the query grid.
struct CandidateSet {
  std::vector<std::int64_t> indices;
  std::vector<int> labels;
  QList<QImage> images;
  QStringList classNames;
  std::int64_t trainSize = 0;
  std::int64_t testSize = 0;
};

// Tiles at least as wide as their longest caption (`bold` where a marked tile draws it so), so that
// "class · similarity" is not cut short; never narrower than the user made them.
void fitCaptions(ImageGridWidget* grid, const QStringList& captions, bool bold) {
  QFont font = grid->font();
  font.setBold(bold);
  const QFontMetrics metrics(font);
  int widest = 0;
  for (const auto& c : captions) widest = std::max(widest, metrics.horizontalAdvance(c));
  grid->setTileSize(std::max(grid->tileSize(), std::min(widest, 160)));
}

// The gallery: query and neighbours as tiles, the numbers for the panel.
struct NeighbourView {
  std::int64_t query = -1;
  int k = 0;
  pretext::Neighbours neighbours;
  QImage queryImage;
  QList<QImage> images;
  QStringList classNames;
  double seconds = 0.0;
};

}  // namespace

RetrievalPanel::RetrievalPanel(RunInspector* inspector, QWidget* parent) : InspectionPanel(inspector, parent) {
  m_k = new QSpinBox;
  m_k->setRange(1, 100);
  m_k->setValue(10);
  m_k->setToolTip(tr("Number of nearest training images shown for a query"));
  m_other = new QPushButton(tr("Other queries"));
  m_other->setToolTip(tr("Draw other test images as queries (a few of each class)"));
  m_measure = new QPushButton(tr("Measure P@K over the test split"));
  m_measure->setToolTip(tr("Mean precision@K with every test image as a query, and the mean average precision "
                           "over the full ranking. Costs a similarity row and a sort per test image."));
  m_save = new QPushButton(tr("Save PNG…"));
  m_save->setToolTip(tr("Save the query and its neighbours as a PNG image"));

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Neighbours K:")));
  top->addWidget(m_k);
  top->addWidget(m_other);
  top->addWidget(m_measure);
  top->addWidget(m_save);
  top->addStretch(1);
  top->addWidget(busyIndicator());

  m_queries = new ImageGridWidget;
  m_queries->setTileSize(60);
  m_queries->setPlaceholderText(tr("No run: train one, or open a run folder"));
  auto* queryBox = new QGroupBox(tr("Queries (test images): click one"));
  auto* queryLayout = new QVBoxLayout(queryBox);
  queryLayout->addWidget(m_queries);

  m_gallery = new ImageGridWidget;
  m_gallery->setTileSize(72);
  m_gallery->setPlaceholderText(tr("Click a query to see its nearest training images"));
  m_precision = new QLabel;
  m_precision->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_mean = new QLabel;
  m_mean->setWordWrap(true);
  m_mean->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* galleryBox = new QGroupBox(tr("The query and its nearest training images (cosine similarity of the pooled "
                                      "features); another class is framed in red"));
  auto* galleryLayout = new QVBoxLayout(galleryBox);
  galleryLayout->addWidget(m_gallery, 1);
  galleryLayout->addWidget(m_precision);
  galleryLayout->addWidget(m_mean);

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(queryBox);
  splitter->addWidget(galleryBox);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  splitter->setChildrenCollapsible(false);

  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);
  layout->addWidget(m_status);

  connect(m_queries, &ImageGridWidget::tileClicked, this, [this](int tile) {
    if (tile >= 0 && tile < int(m_candidates.size())) showQuery(m_candidates[std::size_t(tile)]);
  });
  connect(m_k, &QSpinBox::valueChanged, this, [this] {
    m_meanPrecision = -1.0;
    if (!run().isEmpty()) m_mean->setText(tr("Mean P@%1 over the test split: not measured yet.").arg(k()));
    if (m_requestedQuery >= 0) requestNeighbours();
    updateButtons();
  });
  connect(m_other, &QPushButton::clicked, this, &RetrievalPanel::drawOtherQueries);
  connect(m_measure, &QPushButton::clicked, this, &RetrievalPanel::measurePrecision);
  connect(m_save, &QPushButton::clicked, this, [this] {
    if (m_shownQuery >= 0) exportAs();
  });
  runChanged();
}

int RetrievalPanel::k() const { return m_k->value(); }

double RetrievalPanel::queryPrecision() const {
  if (m_shownQuery < 0 || m_labels.empty()) return -1.0;
  const auto hits = std::count(m_labels.begin(), m_labels.end(), m_queryLabel);
  return double(hits) / double(m_labels.size());
}

QString RetrievalPanel::className(int label) const {
  if (label >= 0 && label < m_classNames.size()) return i18n::catalogueText(i18n::kClasses, m_classNames[label]);
  return label < 0 ? tr("unlabelled") : tr("class %1").arg(label);
}

void RetrievalPanel::runChanged() {
  m_featuresReady = false;
  m_draw = 0;
  m_candidates.clear();
  m_classNames.clear();
  m_trainSize = m_testSize = 0;
  m_requestedQuery = -1;
  m_meanPrecision = -1.0;
  m_queries->clear();
  clearGallery(tr("Click a query to see its nearest training images"));
  m_mean->clear();
  m_status->clear();
  m_queries->setPlaceholderText(run().isEmpty() ? tr("No run: train one, or open a run folder")
                                                : tr("Loading the test images…"));
  updateButtons();
}

void RetrievalPanel::checkpointChanged(const QString&) {
  m_featuresReady = false;  // the inspector reopens the run on its new checkpoint
  if (m_meanPrecision >= 0) {
    m_meanPrecision = -1.0;
    m_mean->setText(tr("A newer checkpoint was written: measure again."));
  }
  updateButtons();
  refresh();
}

void RetrievalPanel::reload() {
  if (m_candidates.empty()) loadCandidates();
  if (m_requestedQuery >= 0) requestNeighbours();
}

void RetrievalPanel::loadCandidates() {
  const QString dir = run();
  const std::uint64_t draw = m_draw;
  request<CandidateSet>(
      kCandidatesChannel,
      [dir, draw](InspectContext& c) {
        auto& ev = c.evaluator(dir);
        const auto& ds = ev.dataset();
        CandidateSet set;
        set.indices = ds.sampleIndices(pretext::Split::Test, kCandidates, draw);
        for (const auto i : set.indices) {
          set.images << pretext::toQImage(ds.image(pretext::Split::Test, i));
          set.labels.push_back(ds.label(pretext::Split::Test, i));
        }
        set.classNames = toQStringList(ds.classNames());
        set.trainSize = ds.hasSplit(pretext::Split::Train) ? ds.size(pretext::Split::Train) : 0;
        set.testSize = ds.size(pretext::Split::Test);
        return set;
      },
      [this](const CandidateSet& set) {
        m_candidates = set.indices;
        m_classNames = set.classNames;
        m_trainSize = set.trainSize;
        m_testSize = set.testSize;
        QStringList captions, tips;
        for (std::size_t i = 0; i < set.indices.size(); ++i) {
          captions << className(set.labels[i]);
          tips << tr("Test image #%1 (%2): click to see its neighbours")
                      .arg(set.indices[i])
                      .arg(className(set.labels[i]));
        }
        fitCaptions(m_queries, captions, false);
        m_queries->setImages(set.images, captions, tips);
        if (m_requestedQuery < 0) {
          m_status->setText(tr("%1 test images, %2 training images. Click a query.")
                                .arg(QLocale().toString(qlonglong(m_testSize)))
                                .arg(QLocale().toString(qlonglong(m_trainSize))));
        }
        updateButtons();
        emit candidatesShown();
      },
      [this](const QString& message) {
        m_queries->clear();
        m_queries->setPlaceholderText(message);
        showFailure(message);
      });
}

void RetrievalPanel::drawOtherQueries() {
  if (run().isEmpty() || !inspector()) return;
  ++m_draw;
  loadCandidates();
}

void RetrievalPanel::showQuery(qint64 testIndex) {
  if (run().isEmpty() || !inspector() || testIndex < 0) return;
  m_requestedQuery = testIndex;
  requestNeighbours();
}

void RetrievalPanel::requestNeighbours() {
  const QString dir = run();
  const std::int64_t query = m_requestedQuery;
  const int kk = k();
  request<NeighbourView>(
      kNeighboursChannel,
      [dir, query, kk](InspectContext& c) {
        const auto t0 = std::chrono::steady_clock::now();
        auto& ev = c.evaluator(dir);
        NeighbourView v;
        v.query = query;
        v.k = kk;
        v.neighbours = ev.neighbours({query}, kk).front();
        const auto& ds = ev.dataset();
        v.queryImage = pretext::toQImage(ds.image(pretext::Split::Test, query));
        for (const auto j : v.neighbours.indices) v.images << pretext::toQImage(ds.image(pretext::Split::Train, j));
        v.classNames = toQStringList(ds.classNames());
        v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return v;
      },
      [this](const NeighbourView& v) {
        m_featuresReady = true;
        if (m_classNames.isEmpty()) m_classNames = v.classNames;
        const auto& nb = v.neighbours;
        m_shownQuery = v.query;
        m_shownK = int(nb.indices.size());
        m_queryLabel = nb.queryLabel;
        m_indices = nb.indices;
        m_similarities = nb.similarities;
        m_labels = nb.labels;

        QList<QImage> images{v.queryImage};
        images << v.images;
        const QString queryClass = className(nb.queryLabel);
        QStringList captions{tr("query: %1").arg(queryClass)};
        QStringList tips{tr("Query: test image #%1 (%2)").arg(v.query).arg(queryClass)};
        const QLocale locale;
        for (std::size_t i = 0; i < nb.indices.size(); ++i) {
          const QString cls = className(nb.labels[i]);
          // Three decimals: neighbours of a trained encoder often all lie above 0.99.
          const QString sim = locale.toString(nb.similarities[i], 'f', 3);
          captions << QStringLiteral("%1 · %2").arg(cls, sim);
          QString tip = tr("#%1: training image #%2 (%3)\ncosine similarity %4")
                            .arg(i + 1)
                            .arg(nb.indices[i])
                            .arg(cls, locale.toString(nb.similarities[i], 'f', 4));
          if (nb.labels[i] != nb.queryLabel) tip += tr("\nnot the query's class (%1)").arg(queryClass);
          tips << tip;
        }
        fitCaptions(m_gallery, captions, true);
        m_gallery->setImages(images, captions, tips);
        for (std::size_t i = 0; i < nb.labels.size(); ++i) {
          m_gallery->setMarked(int(i) + 1, nb.labels[i] != nb.queryLabel);
        }

        const auto hits = std::count(nb.labels.begin(), nb.labels.end(), nb.queryLabel);
        m_precision->setText(tr("<b>P@%1 for this query: %2</b> (%3 of %1 neighbours are %4; %5 framed in red)")
                                 .arg(m_shownK)
                                 .arg(locale.toString(queryPrecision(), 'f', 2))
                                 .arg(hits)
                                 .arg(queryClass.toHtmlEscaped())
                                 .arg(m_shownK - hits));
        m_status->setText(tr("Test image #%1: its %2 nearest training images in %3 s.")
                              .arg(v.query)
                              .arg(m_shownK)
                              .arg(locale.toString(v.seconds, 'f', 1)));
        updateButtons();
        emit neighboursShown(v.query);
      },
      [this](const QString& message) {
        clearGallery(message);
        showFailure(message);
      });
  QString message;
  if (!m_featuresReady) {
    message = tr("Finding the neighbours of test image #%1… The first query on a checkpoint extracts the features of "
                 "all %2 training and %3 test images once: seconds on a GPU, a minute or more on a busy CPU. Later "
                 "queries are quick.")
                  .arg(query)
                  .arg(m_trainSize > 0 ? QLocale().toString(qlonglong(m_trainSize)) : QStringLiteral("the"))
                  .arg(m_testSize > 0 ? QLocale().toString(qlonglong(m_testSize)) : QStringLiteral("the"));
  } else {
    message = tr("Finding the neighbours of test image #%1…").arg(query);
  }
  m_status->setText(message);
  if (m_gallery->count() == 0) m_gallery->setPlaceholderText(message);
}

void RetrievalPanel::measurePrecision() {
  if (run().isEmpty() || !inspector()) return;
  const QString dir = run();
  const int kk = k();
  request<pretext::RetrievalResult>(
      kPrecisionChannel,
      [dir, kk](InspectContext& c) {
        pretext::RetrievalOptions options;
        options.precisionAt = {kk};
        return c.evaluator(dir).retrieval(options);
      },
      [this, kk](const pretext::RetrievalResult& r) {
        m_featuresReady = true;
        updateButtons();
        if (kk != k()) return;  // K changed meanwhile: the number would be about another K
        m_meanPrecision = r.precisionAtK.front();
        const QLocale locale;
        m_mean->setText(tr("<b>Mean P@%1 over the test split: %2</b> (%3 queries against %4 training images; "
                           "mAP over the full ranking %5)")
                            .arg(kk)
                            .arg(locale.toString(m_meanPrecision, 'f', 3))
                            .arg(locale.toString(qlonglong(r.queries)))
                            .arg(locale.toString(qlonglong(r.database)))
                            .arg(locale.toString(r.meanAveragePrecision, 'f', 3)));
        emit precisionMeasured(m_meanPrecision);
      },
      [this](const QString& message) {
        m_mean->setText(tr("Could not measure P@K: %1").arg(message.toHtmlEscaped()));
        showFailure(message);
      });
  m_mean->setText(tr("Measuring P@%1 with each of the %2 test images as a query…")
                      .arg(kk)
                      .arg(m_testSize > 0 ? QLocale().toString(qlonglong(m_testSize)) : tr("all")));
  updateButtons();
}

void RetrievalPanel::clearGallery(const QString& placeholder) {
  m_shownQuery = -1;
  m_shownK = 0;
  m_queryLabel = -1;
  m_indices.clear();
  m_similarities.clear();
  m_labels.clear();
  m_gallery->clear();
  m_gallery->setPlaceholderText(placeholder);
  m_precision->clear();
}

// InspectionPanel emits failed(message) after this.
void RetrievalPanel::showFailure(const QString& message) {
  m_status->setText(QStringLiteral("<b>%1</b>").arg(message.toHtmlEscaped()));
  updateButtons();
}

void RetrievalPanel::updateButtons() {
  const bool haveRun = !run().isEmpty() && inspector();
  m_other->setEnabled(haveRun && !m_candidates.empty());
  m_measure->setEnabled(haveRun && !m_candidates.empty() && !waiting(kPrecisionChannel));
  m_save->setEnabled(m_shownQuery >= 0);
}

QImage RetrievalPanel::galleryImage() const {
  if (m_shownQuery < 0 || m_gallery->count() == 0) return {};
  const QImage grid = m_gallery->renderAll(std::min(m_gallery->count(), 11));
  const QString title = tr("%1 · query: test image #%2 (%3) · P@%4 = %5")
                            .arg(runFolderName(run()))
                            .arg(m_shownQuery)
                            .arg(className(m_queryLabel))
                            .arg(m_shownK)
                            .arg(QLocale().toString(queryPrecision(), 'f', 2));
  const QFontMetrics metrics(font());
  const int band = metrics.height() + 12;
  QImage out(std::max(grid.width(), metrics.horizontalAdvance(title) + 16), grid.height() + band,
             QImage::Format_RGB32);
  out.fill(palette().color(QPalette::Base));
  QPainter painter(&out);
  painter.setFont(font());
  painter.setPen(palette().color(QPalette::Text));
  painter.drawText(QRect(8, 0, out.width() - 16, band), Qt::AlignLeft | Qt::AlignVCenter, title);
  painter.drawImage(0, band, grid);
  return out;
}

bool RetrievalPanel::saveGallery(const QString& path) const {
  const QImage image = galleryImage();
  return !image.isNull() && image.save(path, "PNG");
}

InspectionPanel::ExportFile RetrievalPanel::exportFile() const {
  return {tr("Save retrieval gallery"),
          QStringLiteral("%1-query%2-k%3.png").arg(runFolderName(run())).arg(m_shownQuery).arg(m_shownK),
          tr("PNG images (*.png)")};
}

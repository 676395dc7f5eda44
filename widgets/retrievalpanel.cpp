#include "retrievalpanel.h"

#include "imagegridwidget.h"
#include "panelcommon.h"
#include "qtconvert.h"
#include "runinspector.h"

#include "translation.h"

#include <pretext/evaluation.h>

#include <QClipboard>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
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
const QString kSecondChannel = QStringLiteral("neighbours2");
const QString kSimilarityChannel = QStringLiteral("similarity");

QStringList toQStringList(const std::vector<std::string>& names) {
  QStringList out;
  for (const auto& n : names) out << QString::fromStdString(n);
  return out;
}

// What a query is: a test image, an image file or a picture (clipboard, drop).
struct QuerySource {
  std::int64_t test = -1;
  QString file;
  QImage picture;
  bool valid() const { return test >= 0 || !file.isEmpty() || !picture.isNull(); }
};

// A run's neighbours of a query, and the query as that run's encoder takes it: a file read as the
// dataset's image files are read, a picture converted the same way (Evaluator::conformToDataset).
struct Found {
  pretext::Neighbours neighbours;
  pretext::Image query;
};

Found findNeighbours(pretext::Evaluator& ev, const QuerySource& q, int k) {
  Found f;
  if (q.test >= 0) {
    f.neighbours = ev.neighbours({q.test}, k).front();
    f.query = ev.dataset().image(pretext::Split::Test, q.test);
  } else {
    f.query = !q.file.isEmpty() ? ev.readQueryImage(q.file.toStdString())
                                : ev.conformToDataset(pretext::fromQImage(q.picture));
    f.neighbours = ev.neighboursOfImage(f.query, k);
  }
  return f;
}

QString runTitle(const QString& dir, const pretext::Evaluator& ev) {
  return QStringLiteral("%1 · %2 · %3")
      .arg(runFolderName(dir), methodTitle(ev.method()), QString::fromStdString(ev.backbone()));
}

// Why a neighbour is one: the similarity maps on both images.
struct SimilarityView {
  QImage query, neighbour;
  double similarity = 0.0;
  QString stage;
  bool flat = false;
};

// What the worker sends back for the query grid.
struct CandidateSet {
  std::vector<std::int64_t> indices;
  std::vector<int> labels;
  QList<QImage> images;
  QStringList classNames;
  std::int64_t trainSize = 0;
  std::int64_t testSize = 0;
  QString datasetKey;
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
  pretext::Image queryPixels;
  QImage queryImage;
  QList<QImage> images;
  QStringList classNames;
  QString title;
  double seconds = 0.0;
};

// The neighbours of a query under the run `dir`, with the pictures and names the gallery shows.
NeighbourView neighbourView(pretext::Evaluator& ev, const QString& dir, const QuerySource& source, int k) {
  NeighbourView v;
  v.query = source.test;
  v.k = k;
  Found found = findNeighbours(ev, source, k);
  v.neighbours = std::move(found.neighbours);
  v.queryPixels = std::move(found.query);
  v.queryImage = pretext::toQImage(v.queryPixels);
  const auto& ds = ev.dataset();
  for (const auto j : v.neighbours.indices) v.images << pretext::toQImage(ds.image(pretext::Split::Train, j));
  v.classNames = toQStringList(ds.classNames());
  v.title = runTitle(dir, ev);
  return v;
}

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
  m_openImage = new QPushButton(tr("Open image…"));
  m_openImage->setToolTip(tr("Use an image of your own as the query: it is converted to the dataset's channels and "
                             "size as the dataset's images were made. You can also drop an image file on the panel "
                             "or paste an image with Ctrl+V."));
  m_compare = new QPushButton(tr("Compare with…"));
  m_compare->setToolTip(tr("Show the neighbours of the same query under a second run folder, beside these"));
  m_closeCompare = new QPushButton(tr("Close comparison"));
  m_closeCompare->hide();

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Neighbours K:")));
  top->addWidget(m_k);
  top->addWidget(m_other);
  top->addWidget(m_measure);
  top->addWidget(m_save);
  top->addStretch(1);
  top->addWidget(busyIndicator());
  // A query of one's own and a second run: a row of their own, so the panel is no wider than before.
  auto* second = new QHBoxLayout;
  second->addWidget(m_openImage);
  second->addWidget(m_compare);
  second->addWidget(m_closeCompare);
  second->addStretch(1);

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
  m_secondGallery = new ImageGridWidget;
  m_secondGallery->setTileSize(72);
  m_firstCaption = new QLabel;
  m_secondCaption = new QLabel;
  for (auto* caption : {m_firstCaption, m_secondCaption}) {
    caption->setTextFormat(Qt::PlainText);
    caption->setAlignment(Qt::AlignCenter);
    caption->setWordWrap(true);
    QFont bold = caption->font();
    bold.setBold(true);
    caption->setFont(bold);
    caption->hide();
  }
  m_secondGallery->hide();
  auto* galleries = m_galleries = new QGridLayout;
  galleries->addWidget(m_firstCaption, 0, 0);
  galleries->addWidget(m_gallery, 1, 0);
  galleries->addWidget(m_secondCaption, 0, 1);
  galleries->addWidget(m_secondGallery, 1, 1);
  galleries->setColumnStretch(0, 1);
  galleries->setColumnStretch(1, 0);  // 1 while a second run is shown
  galleries->setRowStretch(1, 1);
  auto* galleryLayout = new QVBoxLayout(galleryBox);
  galleryLayout->addLayout(galleries, 1);
  galleryLayout->addWidget(m_precision);
  galleryLayout->addWidget(m_mean);

  m_why = new ImageGridWidget;
  m_why->setTileSize(120);
  m_why->setPlaceholderText(tr("Click a neighbour to see which regions make it similar to the query"));
  m_whyLabel = new QLabel;
  m_whyLabel->setWordWrap(true);
  m_whyLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_whyBox = new QGroupBox(tr("Why are they neighbours?"));
  // Two tiles and their captions; the explanation right under them.
  m_why->setFixedHeight(m_why->tileSize() + 4 * fontMetrics().height());
  // It takes what the splitter gives it: the window keeps its minimum width (its maps scroll).
  m_whyBox->setMinimumWidth(1);
  m_why->setMinimumWidth(1);
  auto* whyLayout = new QVBoxLayout(m_whyBox);
  whyLayout->addWidget(m_why);
  whyLayout->addWidget(m_whyLabel);
  whyLayout->addStretch(1);

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(queryBox);
  splitter->addWidget(galleryBox);
  splitter->addWidget(m_whyBox);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  splitter->setStretchFactor(2, 1);
  splitter->setChildrenCollapsible(false);

  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(second);
  layout->addWidget(splitter, 1);
  layout->addWidget(m_status);

  connect(m_queries, &ImageGridWidget::tileClicked, this, [this](int tile) {
    if (tile >= 0 && tile < int(m_candidates.size())) showQuery(m_candidates[std::size_t(tile)]);
  });
  connect(m_gallery, &ImageGridWidget::tileClicked, this, [this](int tile) {
    if (tile >= 1) showSimilarity(0, tile - 1);
  });
  connect(m_secondGallery, &ImageGridWidget::tileClicked, this, [this](int tile) {
    if (tile >= 1) showSimilarity(1, tile - 1);
  });
  connect(m_openImage, &QPushButton::clicked, this, &RetrievalPanel::openImage);
  connect(m_compare, &QPushButton::clicked, this, &RetrievalPanel::chooseSecondRun);
  connect(m_closeCompare, &QPushButton::clicked, this, [this] { setSecondRun(QString()); });
  auto* paste = new QShortcut(QKeySequence::Paste, this);
  paste->setContext(Qt::WidgetWithChildrenShortcut);
  connect(paste, &QShortcut::activated, this, &RetrievalPanel::pasteImage);
  setAcceptDrops(true);
  connect(m_k, &QSpinBox::valueChanged, this, [this] {
    m_meanPrecision = -1.0;
    if (!run().isEmpty()) m_mean->setText(tr("Mean P@%1 over the test split: not measured yet.").arg(k()));
    if (m_requestedQuery >= 0 || !m_requestedFile.isEmpty() || !m_requestedPicture.isNull()) requestNeighbours();
    updateButtons();
  });
  connect(m_other, &QPushButton::clicked, this, &RetrievalPanel::drawOtherQueries);
  connect(m_measure, &QPushButton::clicked, this, &RetrievalPanel::measurePrecision);
  connect(m_save, &QPushButton::clicked, this, [this] {
    if (m_hasGallery) exportAs();
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
  m_requestedFile.clear();
  m_requestedPicture = QImage();
  m_datasetKey.clear();
  m_meanPrecision = -1.0;
  m_queries->clear();
  clearGallery(tr("Click a query to see its nearest training images"));
  m_mean->clear();
  m_status->clear();
  if (!m_secondDir.isEmpty()) clearSecondGallery(tr("Click a query to see its neighbours under both runs"));
  m_queries->setPlaceholderText(run().isEmpty() ? tr("No run: train one, or open a run folder")
                                                : tr("Loading the test images…"));
  updateButtons();
}

bool RetrievalPanel::follows(const QString& runDir) const {
  return sameRunFolder(runDir, run()) || sameRunFolder(runDir, m_secondDir);
}

void RetrievalPanel::checkpointChanged(const QString& runDir) {
  if (!sameRunFolder(runDir, run())) {  // the second run's: its neighbours again
    if (!deferWhileHidden()) requestSecondNeighbours();
    return;
  }
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
  if (m_requestedQuery >= 0 || !m_requestedFile.isEmpty() || !m_requestedPicture.isNull()) requestNeighbours();
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
        set.datasetKey = datasetKey(ds);
        return set;
      },
      [this](const CandidateSet& set) {
        m_candidates = set.indices;
        m_classNames = set.classNames;
        m_trainSize = set.trainSize;
        m_testSize = set.testSize;
        m_datasetKey = set.datasetKey;
        QStringList captions, tips;
        for (std::size_t i = 0; i < set.indices.size(); ++i) {
          captions << className(set.labels[i]);
          tips << tr("Test image #%1 (%2): click to see its neighbours")
                      .arg(set.indices[i])
                      .arg(className(set.labels[i]));
        }
        fitCaptions(m_queries, captions, false);
        m_queries->setImages(set.images, captions, tips);
        if (m_requestedQuery < 0 && m_requestedFile.isEmpty() && m_requestedPicture.isNull()) {
          m_status->setText(tr("%1 test images, %2 training images. Click a query, or use an image of your own.")
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
  m_requestedFile.clear();
  m_requestedPicture = QImage();
  requestNeighbours();
}

void RetrievalPanel::showImageFile(const QString& path) {
  if (run().isEmpty() || !inspector() || path.isEmpty()) return;
  m_requestedQuery = -1;
  m_requestedFile = path;
  m_requestedPicture = QImage();
  m_ownName = QFileInfo(path).fileName();
  requestNeighbours();
}

void RetrievalPanel::showImageQuery(const QImage& picture, const QString& name) {
  if (run().isEmpty() || !inspector()) return;
  if (picture.isNull()) {
    m_status->setText(tr("<b>That is not an image Pretext can read.</b>"));
    return;
  }
  m_requestedQuery = -1;
  m_requestedFile.clear();
  m_requestedPicture = picture;
  m_ownName = name;
  requestNeighbours();
}

void RetrievalPanel::openImage() {
  if (run().isEmpty()) return;
  const QString path = QFileDialog::getOpenFileName(this, tr("Open an image as the query"), QString(),
                                                    tr("Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"));
  if (!path.isEmpty()) showImageFile(path);
}

void RetrievalPanel::pasteImage() {
  if (run().isEmpty()) return;
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  if (mime && mime->hasImage()) {
    showImageQuery(qvariant_cast<QImage>(mime->imageData()), tr("pasted image"));
  } else if (const QString file = localFileIn(mime); !file.isEmpty()) {
    showImageFile(file);
  } else {
    m_status->setText(tr("The clipboard holds no image to use as the query."));
  }
}

void RetrievalPanel::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (!run().isEmpty() && (mime->hasImage() || !localFileIn(mime).isEmpty())) event->acceptProposedAction();
}

void RetrievalPanel::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (const QString file = localFileIn(mime); !file.isEmpty()) {
    showImageFile(file);
  } else if (mime->hasImage()) {
    showImageQuery(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
  } else {
    return;
  }
  event->acceptProposedAction();
}

void RetrievalPanel::requestNeighbours() {
  const QString dir = run();
  QuerySource source;
  source.test = m_requestedQuery;
  source.file = m_requestedFile;
  source.picture = m_requestedPicture;
  if (!source.valid()) return;
  const int kk = k();
  request<NeighbourView>(
      kNeighboursChannel,
      [dir, source, kk](InspectContext& c) {
        const auto t0 = std::chrono::steady_clock::now();
        auto& ev = c.evaluator(dir);
        NeighbourView v = neighbourView(ev, dir, source, kk);
        v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return v;
      },
      [this](const NeighbourView& v) {
        m_featuresReady = true;
        if (m_classNames.isEmpty()) m_classNames = v.classNames;
        const auto& nb = v.neighbours;
        m_hasGallery = true;
        m_shownQuery = v.query;
        m_shownQueryPixels = v.queryPixels;
        m_shownK = int(nb.indices.size());
        m_queryLabel = nb.queryLabel;
        m_indices = nb.indices;
        m_similarities = nb.similarities;
        m_labels = nb.labels;
        const bool own = v.query < 0;

        QList<QImage> images{v.queryImage};
        images << v.images;
        const QString queryClass = own ? m_ownName : className(nb.queryLabel);
        QStringList captions{own ? tr("your image") : tr("query: %1").arg(queryClass)};
        QStringList tips{own ? tr("Your image (%1) as the encoder sees it: %2x%3, converted as the dataset's images were made")
                                   .arg(m_ownName)
                                   .arg(v.queryImage.width())
                                   .arg(v.queryImage.height())
                             : tr("Query: test image #%1 (%2)").arg(v.query).arg(queryClass)};
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
          if (!own && nb.labels[i] != nb.queryLabel) tip += tr("\nnot the query's class (%1)").arg(queryClass);
          tip += QLatin1Char('\n') + tr("Click: why is it a neighbour?");
          tips << tip;
        }
        fitCaptions(m_gallery, captions, true);
        m_gallery->setImages(images, captions, tips);
        for (std::size_t i = 0; i < nb.labels.size(); ++i) {
          m_gallery->setMarked(int(i) + 1, !own && nb.labels[i] != nb.queryLabel);
        }
        m_firstCaption->setText(own || nb.labels.empty() ? v.title
                                                         : tr("%1 · P@%2 = %3")
                                                               .arg(v.title)
                                                               .arg(m_shownK)
                                                               .arg(locale.toString(queryPrecision(), 'f', 2)));
        clearSimilarity(tr("Click a neighbour to see which regions make it similar to the query"));

        if (own) {
          m_precision->setText(tr("Your image has no class, so there is no P@%1 to count.").arg(m_shownK));
          m_status->setText(tr("%1: its %2 nearest training images in %3 s.")
                                .arg(m_ownName.toHtmlEscaped())
                                .arg(m_shownK)
                                .arg(locale.toString(v.seconds, 'f', 1)));
        } else {
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
        }
        updateButtons();
        emit neighboursShown(v.query);
      },
      [this](const QString& message) {
        clearGallery(message);
        showFailure(message);
      });
  const QString what = source.test >= 0 ? tr("test image #%1").arg(source.test) : m_ownName.toHtmlEscaped();
  QString message;
  if (!m_featuresReady) {
    message = tr("Finding the neighbours of %1… The first query on a checkpoint extracts the features of "
                 "all %2 training and %3 test images once: seconds on a GPU, a minute or more on a busy CPU. Later "
                 "queries are quick.")
                  .arg(what)
                  .arg(m_trainSize > 0 ? QLocale().toString(qlonglong(m_trainSize)) : QStringLiteral("the"))
                  .arg(m_testSize > 0 ? QLocale().toString(qlonglong(m_testSize)) : QStringLiteral("the"));
  } else {
    message = tr("Finding the neighbours of %1…").arg(what);
  }
  m_status->setText(message);
  if (m_gallery->count() == 0) m_gallery->setPlaceholderText(message);
  requestSecondNeighbours();
}

void RetrievalPanel::requestSecondNeighbours() {
  if (m_secondDir.isEmpty() || !inspector()) return;
  QuerySource source;
  source.test = m_requestedQuery;
  source.file = m_requestedFile;
  source.picture = m_requestedPicture;
  if (!source.valid()) return;
  const QString dir = m_secondDir;
  const QString key = m_datasetKey;
  const int kk = k();
  request<NeighbourView>(
      kSecondChannel,
      [dir, source, key, kk](InspectContext& c) {
        auto& ev = c.evaluator(dir);
        const auto& ds = ev.dataset();
        if (source.test >= 0 && !key.isEmpty() && datasetKey(ds) != key) {
          throw std::runtime_error(QObject::tr("it was trained on %1, the first run on %2: they have different test "
                                               "images (an image of your own can be compared)")
                                       .arg(datasetKey(ds), key)
                                       .toStdString());
        }
        return neighbourView(ev, dir, source, kk);
      },
      [this](const NeighbourView& v) {
        const auto& nb = v.neighbours;
        m_second.indices = nb.indices;
        m_second.similarities = nb.similarities;
        m_second.labels = nb.labels;
        m_second.query = v.queryPixels;
        auto name = [&](int label) {
          return label >= 0 && label < v.classNames.size() ? i18n::catalogueText(i18n::kClasses, v.classNames[label])
                                                           : className(label);
        };
        const bool own = v.query < 0;
        QList<QImage> images{v.queryImage};
        images << v.images;
        QStringList captions{own ? tr("your image") : tr("query: %1").arg(name(nb.queryLabel))};
        QStringList tips{captions.front()};
        const QLocale locale;
        for (std::size_t i = 0; i < nb.indices.size(); ++i) {
          captions << QStringLiteral("%1 · %2").arg(name(nb.labels[i]), locale.toString(nb.similarities[i], 'f', 3));
          tips << tr("#%1: training image #%2 (%3)\ncosine similarity %4")
                      .arg(i + 1)
                      .arg(nb.indices[i])
                      .arg(name(nb.labels[i]), locale.toString(nb.similarities[i], 'f', 4)) +
                      QLatin1Char('\n') + tr("Click: why is it a neighbour?");
        }
        fitCaptions(m_secondGallery, captions, true);
        m_secondGallery->setImages(images, captions, tips);
        for (std::size_t i = 0; i < nb.labels.size(); ++i) {
          m_secondGallery->setMarked(int(i) + 1, !own && nb.labels[i] != nb.queryLabel);
        }
        if (own || nb.labels.empty()) {
          m_secondCaption->setText(v.title);
        } else {
          const auto hits = std::count(nb.labels.begin(), nb.labels.end(), nb.queryLabel);
          m_secondCaption->setText(tr("%1 · P@%2 = %3")
                                       .arg(v.title)
                                       .arg(nb.labels.size())
                                       .arg(locale.toString(double(hits) / double(nb.labels.size()), 'f', 2)));
        }
        emit secondNeighboursShown();
      },
      [this](const QString& message) {
        clearSecondGallery(tr("%1: %2").arg(runFolderName(m_secondDir), message));
        showFailure(tr("%1: %2").arg(runFolderName(m_secondDir), message));
      });
  if (m_secondGallery->count() == 0) m_secondGallery->setPlaceholderText(tr("Finding the neighbours under %1…").arg(runFolderName(dir)));
}

void RetrievalPanel::setSecondRun(const QString& runDir) {
  m_secondDir = runFolderPath(runDir);
  const bool on = !m_secondDir.isEmpty();
  m_secondGallery->setVisible(on);
  m_secondCaption->setVisible(on);
  m_firstCaption->setVisible(on);
  m_closeCompare->setVisible(on);
  m_galleries->setColumnStretch(1, on ? 1 : 0);
  m_compare->setText(on ? tr("Compare with another…") : tr("Compare with…"));
  if (m_whyGallery == 1) clearSimilarity(tr("Click a neighbour to see which regions make it similar to the query"));
  clearSecondGallery(on ? tr("Click a query to see its neighbours under both runs") : QString());
  if (!on) return;
  m_secondCaption->setText(runFolderName(m_secondDir));
  if (!deferWhileHidden()) requestSecondNeighbours();
}

void RetrievalPanel::chooseSecondRun() {
  const QString start = m_secondDir.isEmpty() ? (run().isEmpty() ? QString() : QFileInfo(run()).path()) : m_secondDir;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with the run folder"), start);
  if (!dir.isEmpty()) setSecondRun(dir);
}

void RetrievalPanel::clearSecondGallery(const QString& placeholder) {
  drop(kSecondChannel);
  m_second = Shown{};
  m_secondGallery->clear();
  m_secondGallery->setPlaceholderText(placeholder);
}

void RetrievalPanel::showSimilarity(int gallery, int rank) {
  const bool second = gallery == 1;
  const auto& indices = second ? m_second.indices : m_indices;
  const pretext::Image query = second ? m_second.query : m_shownQueryPixels;
  if (rank < 0 || rank >= int(indices.size()) || query.empty() || !inspector()) return;
  const QString dir = second ? m_secondDir : run();
  const std::int64_t j = indices[std::size_t(rank)];
  request<SimilarityView>(
      kSimilarityChannel,
      [dir, query, j](InspectContext& c) {
        auto& ev = c.evaluator(dir);
        const auto& ds = ev.dataset();
        // Overlays about 100 pixels high, in whole multiples of the image.
        const int scale = std::max(1, 100 / std::max(1, ds.height()));
        const auto maps = ev.similarityMaps(query, ds.image(pretext::Split::Train, j), "", scale);
        SimilarityView w;
        w.query = pretext::toQImage(maps.queryOverlay);
        w.neighbour = pretext::toQImage(maps.neighbourOverlay);
        w.similarity = maps.similarity;
        w.stage = QString::fromStdString(maps.stage);
        w.flat = std::all_of(maps.query.begin(), maps.query.end(), [](float v) { return v == 0.0f; }) &&
                 std::all_of(maps.neighbour.begin(), maps.neighbour.end(), [](float v) { return v == 0.0f; });
        return w;
      },
      [this, gallery, j](const SimilarityView& w) {
        m_whyNeighbour = j;
        m_whyGallery = gallery;
        m_whySimilarity = w.similarity;
        const QLocale locale;
        m_why->setImages({w.query, w.neighbour}, {tr("query"), tr("neighbour #%1").arg(j)},
                         {tr("Where the query's activations raise the similarity"),
                          tr("Where training image #%1's activations raise the similarity").arg(j)});
        QString text = tr("<b>Cosine similarity %1</b> of the query and training image #%2 under %3. Bright: the "
                          "regions whose activations at %4 raise the similarity of the two embeddings (its gradient, "
                          "weighted per channel as Grad-CAM weights it; no labels, no classifier).")
                           .arg(locale.toString(w.similarity, 'f', 3))
                           .arg(j)
                           .arg((gallery == 1 ? runFolderName(m_secondDir) : runFolderName(run())).toHtmlEscaped())
                           .arg(w.stage);
        if (w.flat) text += tr(" The two embeddings coincide: nothing can raise their similarity, so the maps are flat.");
        m_whyLabel->setText(text);
        emit similarityShown(gallery, j);
      },
      [this](const QString& message) { clearSimilarity(message); });
  m_whyLabel->setText(tr("Computing why training image #%1 is a neighbour…").arg(j));
}

void RetrievalPanel::clearSimilarity(const QString& placeholder) {
  drop(kSimilarityChannel);
  m_whyNeighbour = -1;
  m_whyGallery = -1;
  m_whySimilarity = 0.0;
  m_why->clear();
  m_why->setPlaceholderText(placeholder);
  m_whyLabel->clear();
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
  m_hasGallery = false;
  m_shownQueryPixels = pretext::Image();
  clearSimilarity(tr("Click a neighbour to see which regions make it similar to the query"));
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
  m_save->setEnabled(m_hasGallery);
  m_openImage->setEnabled(haveRun);
  m_compare->setEnabled(haveRun);
}

QImage RetrievalPanel::shownQueryImage() const {
  return m_hasGallery ? pretext::toQImage(m_shownQueryPixels) : QImage();
}

QImage RetrievalPanel::galleryImage() const {
  if (!m_hasGallery || m_gallery->count() == 0) return {};
  const QString title = m_shownQuery < 0 ? tr("%1 · query: %2 (your image)").arg(runFolderName(run()), m_ownName)
                                         : tr("%1 · query: test image #%2 (%3) · P@%4 = %5")
                                               .arg(runFolderName(run()))
                                               .arg(m_shownQuery)
                                               .arg(className(m_queryLabel))
                                               .arg(m_shownK)
                                               .arg(QLocale().toString(queryPrecision(), 'f', 2));
  // Each gallery under its title line: the first run's, then, when two runs are compared, the
  // second run's neighbours of the same query.
  std::vector<std::pair<QString, QImage>> parts{{title, m_gallery->renderAll(std::min(m_gallery->count(), 11))}};
  if (!m_secondDir.isEmpty() && m_secondGallery->count() > 0) {
    parts.emplace_back(m_secondCaption->text(), m_secondGallery->renderAll(std::min(m_secondGallery->count(), 11)));
  }
  const QFontMetrics metrics(font());
  const int band = metrics.height() + 12;
  int width = 0, height = 0;
  for (const auto& [text, grid] : parts) {
    width = std::max({width, grid.width(), metrics.horizontalAdvance(text) + 16});
    height += band + grid.height();
  }
  QImage out(width, height, QImage::Format_RGB32);
  out.fill(palette().color(QPalette::Base));
  QPainter painter(&out);
  painter.setFont(font());
  painter.setPen(palette().color(QPalette::Text));
  int y = 0;
  for (const auto& [text, grid] : parts) {
    painter.drawText(QRect(8, y, out.width() - 16, band), Qt::AlignLeft | Qt::AlignVCenter, text);
    painter.drawImage(0, y + band, grid);
    y += band + grid.height();
  }
  return out;
}

bool RetrievalPanel::saveGallery(const QString& path) const {
  const QImage image = galleryImage();
  return !image.isNull() && image.save(path, "PNG");
}

InspectionPanel::ExportFile RetrievalPanel::exportFile() const {
  return {tr("Save retrieval gallery"),
          m_shownQuery < 0 ? QStringLiteral("%1-%2-k%3.png").arg(runFolderName(run()), QFileInfo(m_ownName).completeBaseName()).arg(m_shownK)
                           : QStringLiteral("%1-query%2-k%3.png").arg(runFolderName(run())).arg(m_shownQuery).arg(m_shownK),
          tr("PNG images (*.png)")};
}

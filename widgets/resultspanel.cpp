#include "resultspanel.h"

#include "imagegridwidget.h"
#include "panelcommon.h"
#include "plottheme.h"
#include "qtconvert.h"
#include "runinspector.h"
#include "translation.h"

#include <pretext/methods.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSignalBlocker>
#include <QStackedLayout>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <set>

namespace {

const QString kSettingsKey = QStringLiteral("results/runs");
const QString kNotMeasured = QStringLiteral("—");
constexpr int kDirRole = Qt::UserRole + 1;   ///< a row's run folder; a header's column key
constexpr int kSortRole = Qt::UserRole + 2;

bool isRunFolder(const QString& dir) { return QFileInfo::exists(QDir(dir).filePath(QStringLiteral("config.json"))); }

/// A cell that sorts by its number (kSortRole) when it has one, else by its text.
class SortItem final : public QTableWidgetItem {
 public:
  using QTableWidgetItem::QTableWidgetItem;
  bool operator<(const QTableWidgetItem& other) const override {
    const QVariant a = data(kSortRole), b = other.data(kSortRole);
    if (a.isValid() && b.isValid()) return a.toDouble() < b.toDouble();
    return text().localeAwareCompare(other.text()) < 0;
  }
};


QString duration(double seconds) {
  if (seconds < 90) return QObject::tr("%1 s").arg(seconds, 0, 'f', 0);
  if (seconds < 90 * 60) return QObject::tr("%1 min").arg(seconds / 60.0, 0, 'f', 1);
  return QObject::tr("%1 h").arg(seconds / 3600.0, 0, 'f', 1);
}


QString runName(const QString& dir) { return QFileInfo(dir).fileName(); }

/// One column of the table: its key (as resultsCsv names it), header, tooltip, and how a run fills it.
struct Column {
  enum Kind { Text, Count, Percent, Seconds, Rate };
  QString key, title, toolTip;
  Kind kind = Text;
  std::function<double(const pretext::RunSummary&)> number;       ///< < 0: not measured
  std::function<QString(const pretext::RunSummary&)> text;        ///< Text columns
};

/// The columns a table over `runs` may have; headers of measurements take two lines, so that the
/// table of a dozen columns fits a window's width as the seed's tables fit a page.
std::vector<Column> allColumns(const std::vector<pretext::RunSummary>& runs) {
  using S = pretext::RunSummary;
  std::vector<Column> c;
  auto text = [&](const char* key, const QString& title, const QString& tip, std::function<QString(const S&)> f) {
    Column col;
    col.key = QLatin1String(key);
    col.title = title;
    col.toolTip = tip;
    col.text = std::move(f);
    c.push_back(std::move(col));
  };
  auto number = [&](const QString& key, const QString& title, const QString& tip, Column::Kind kind,
                    std::function<double(const S&)> f) {
    Column col;
    col.key = key;
    col.title = title;
    col.toolTip = tip;
    col.kind = kind;
    col.number = std::move(f);
    c.push_back(std::move(col));
  };
  text("run", QObject::tr("Run"), QObject::tr("The run folder (hover a name for its path)"),
       [](const S& s) { return runName(QString::fromStdString(s.folder)); });
  text("method", QObject::tr("Method"), QObject::tr("The self-supervised method trained"),
       [](const S& s) { return methodTitle(s.method); });
  text("backbone", QObject::tr("Backbone"), QObject::tr("The encoder's architecture"),
       [](const S& s) { return QString::fromStdString(s.backbone); });
  text("dataset", QObject::tr("Dataset"), QObject::tr("The dataset the run trained on"),
       [](const S& s) { return QString::fromStdString(s.dataset); });
  number(QStringLiteral("epochs"), QObject::tr("Epochs"), QObject::tr("Epochs the run was configured for"), Column::Count,
         [](const S& s) { return double(s.epochs); });
  number(QStringLiteral("knn20"), QObject::tr("k-NN\n@20"),
         QObject::tr("Weighted k-NN accuracy with k = 20 on the pooled features (test split)"), Column::Percent,
         [](const S& s) { return s.knn20; });
  number(QStringLiteral("knn200"), QObject::tr("k-NN\n@200"),
         QObject::tr("Weighted k-NN accuracy with k = 200 on the pooled features (the training monitor's last value "
                     "when no evaluation measured it)"),
         Column::Percent, [](const S& s) { return s.knn200; });
  std::vector<std::string> stages;
  for (const auto& r : runs)
    for (const auto& [stage, v] : r.linearProbe)
      if (std::find(stages.begin(), stages.end(), stage) == stages.end()) stages.push_back(stage);
  std::sort(stages.begin(), stages.end(), pretext::stageOrderLess);
  for (const auto& stage : stages) {
    const QString name = QString::fromStdString(stage);
    number(QStringLiteral("linear_") + name, QObject::tr("Linear\n%1").arg(name),
           QObject::tr("Linear probe accuracy on the frozen features of %1 (test split)").arg(name), Column::Percent,
           [stage](const S& s) {
             const auto it = s.linearProbe.find(stage);
             return it == s.linearProbe.end() ? -1.0 : it->second;
           });
  }
  number(QStringLiteral("finetune_1pct"), QObject::tr("Fine-tune\n1%"),
         QObject::tr("Accuracy after fine-tuning end to end on 1% of the labels"), Column::Percent,
         [](const S& s) { return s.fineTune1; });
  number(QStringLiteral("finetune_10pct"), QObject::tr("Fine-tune\n10%"),
         QObject::tr("Accuracy after fine-tuning end to end on 10% of the labels"), Column::Percent,
         [](const S& s) { return s.fineTune10; });
  number(QStringLiteral("retrieval_map"), QObject::tr("Retrieval\nmAP"),
         QObject::tr("Mean average precision of nearest-neighbour retrieval (test queries, training database)"),
         Column::Percent, [](const S& s) { return s.retrievalMap; });
  number(QStringLiteral("training_seconds"), QObject::tr("Training\ntime"), QObject::tr("Time spent training (all epochs)"),
         Column::Seconds, [](const S& s) { return s.trainingSeconds; });
  number(QStringLiteral("images_per_second"), QObject::tr("img/s"), QObject::tr("Training throughput, images per second"),
         Column::Rate, [](const S& s) { return s.imagesPerSecond; });
  return c;
}

QString cellText(const Column& c, double v) {
  if (v < 0) return kNotMeasured;
  switch (c.kind) {
    case Column::Count: return QString::number(qint64(v));
    case Column::Percent: return QString::number(100.0 * v, 'f', 1) + QLatin1Char('%');
    case Column::Seconds: return duration(v);
    case Column::Rate: return QStringLiteral("%L1").arg(v, 0, 'f', 0);
    case Column::Text: break;
  }
  return {};
}

bool writeText(const QString& path, const QString& text) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  file.write(text.toUtf8());
  return file.commit();
}

struct EvaluationResult {
  double knn20 = -1.0, knn200 = -1.0, linear = -1.0;
};

struct ExampleImages {
  QList<QImage> images;
};

constexpr int kMaxExamples = 64;

}  // namespace

ResultsPanel::ResultsPanel(RunInspector* inspector, QWidget* parent, bool useSettings)
    : InspectionPanel(inspector, parent), m_useSettings(useSettings) {
  m_table = new QTableWidget;
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setAlternatingRowColors(true);
  m_table->setWordWrap(false);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionsClickable(true);
  m_table->horizontalHeader()->setSortIndicatorShown(true);
  m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // the order rows were added in
  m_table->horizontalHeader()->setHighlightSections(false);
  m_table->setToolTip(tr("Click a header to sort · double-click a run to inspect it · Delete removes the selected rows"));
  auto* removeAction = new QAction(tr("Remove"), m_table);
  removeAction->setShortcut(QKeySequence::Delete);
  removeAction->setShortcutContext(Qt::WidgetShortcut);
  connect(removeAction, &QAction::triggered, this, &ResultsPanel::removeSelected);
  m_table->addAction(removeAction);

  m_placeholder = new QLabel(tr("<h3>No runs in the table yet</h3>"
                                "<p>Runs trained in the Training panel appear here at their first checkpoint.</p>"
                                "<p>To compare earlier runs, use <b>Add run folder…</b> for one run, or <b>Scan folder…</b> "
                                "on a folder of runs (such as <tt>runs/</tt>): every subfolder with a <tt>config.json</tt> "
                                "becomes a row.</p>"));
  m_placeholder->setAlignment(Qt::AlignCenter);
  m_placeholder->setWordWrap(true);
  m_placeholder->setTextFormat(Qt::RichText);

  m_add = new QPushButton(tr("Add run folder…"));
  m_add->setToolTip(tr("Add one run folder (a folder with a config.json) to the table"));
  m_scan = new QPushButton(tr("Scan folder…"));
  m_scan->setToolTip(tr("Add every subfolder with a config.json, e.g. the runs/ folder"));
  m_remove = new QPushButton(tr("Remove"));
  m_remove->setToolTip(tr("Remove the selected rows from the table (the folders stay on disk)"));
  m_evaluate = new QPushButton(tr("Evaluate"));
  m_evaluate->setToolTip(tr("Measure k-NN accuracy (k = 20 and 200) and a linear probe on the pooled features of the "
                            "selected runs' last checkpoints; the results are saved in each run's eval.json"));
  m_inspect = new QPushButton(tr("Inspect"));
  m_inspect->setToolTip(tr("Show the selected run in the inspection panels (or double-click its row)"));
  m_resume = new QPushButton(tr("Resume training"));
  m_resume->setToolTip(tr("Continue training the selected run from its last checkpoint in the Training panel"));
  m_copyMarkdown = new QPushButton(tr("Copy as Markdown"));
  m_copyMarkdown->setToolTip(tr("Copy the table, in the order shown, as a Markdown table"));
  m_exportCsv = new QPushButton(tr("Export CSV…"));
  m_exportCsv->setToolTip(tr("Save the table as CSV (accuracies as fractions in [0, 1])"));
  m_exportMarkdown = new QPushButton(tr("Export Markdown…"));
  m_exportMarkdown->setToolTip(tr("Save the table as a Markdown file (accuracies in percent)"));
  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  connect(m_add, &QPushButton::clicked, this, &ResultsPanel::addFolderDialog);
  connect(m_scan, &QPushButton::clicked, this, &ResultsPanel::scanFolderDialog);
  connect(m_remove, &QPushButton::clicked, this, &ResultsPanel::removeSelected);
  connect(m_evaluate, &QPushButton::clicked, this, &ResultsPanel::evaluateSelected);
  connect(m_inspect, &QPushButton::clicked, this, [this] {
    const QStringList selected = selectedRuns();
    if (selected.size() == 1) emit openRequested(selected.first());
  });
  connect(m_resume, &QPushButton::clicked, this, [this] {
    const QStringList selected = selectedRuns();
    if (selected.size() == 1) emit resumeRequested(selected.first());
  });
  connect(m_copyMarkdown, &QPushButton::clicked, this, &ResultsPanel::copyMarkdown);
  connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportDialog(false); });
  connect(m_exportMarkdown, &QPushButton::clicked, this, [this] { exportDialog(true); });
  connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (QTableWidgetItem* item = m_table->item(row, 0)) emit openRequested(item->data(kDirRole).toString());
  });
  connect(m_table, &QTableWidget::itemSelectionChanged, this, &ResultsPanel::updateButtons);
  connect(m_table, &QTableWidget::itemSelectionChanged, this, &ResultsPanel::updateConfusion);
  // A header click flips the indicator (a first click sorts numbers best first: each number column's
  // InitialSortOrderRole is descending); the rows follow the indicator.
  connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, [this](int section, Qt::SortOrder order) {
    if (section >= 0 && section < m_table->columnCount()) m_table->sortItems(section, order);
    fitColumns();
  });

  auto* top = new QHBoxLayout;
  top->addWidget(m_add);
  top->addWidget(m_scan);
  top->addWidget(m_remove);
  top->addStretch(1);
  top->addWidget(m_evaluate);
  top->addWidget(m_inspect);
  top->addWidget(m_resume);
  m_stack = new QStackedLayout;
  m_stack->addWidget(m_placeholder);
  m_stack->addWidget(m_table);
  auto* bottom = new QHBoxLayout;
  bottom->addWidget(busyIndicator());
  bottom->addWidget(m_status, 1);
  bottom->addWidget(m_copyMarkdown);
  bottom->addWidget(m_exportCsv);
  bottom->addWidget(m_exportMarkdown);
  m_confusionLabel = new QLabel;
  m_confusionLabel->setWordWrap(true);
  m_confusionTable = new QTableWidget;
  m_confusionTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_confusionTable->setSelectionMode(QAbstractItemView::SingleSelection);
  m_confusionTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_confusionTable->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_confusionTable->setToolTip(tr("Rows: true class · columns: predicted class · click a cell to see its test images"));
  m_examplesLabel = new QLabel(tr("Click a cell to see its test images."));
  m_examplesLabel->setWordWrap(true);
  m_examples = new ImageGridWidget;
  m_examples->setPixelated(true);
  m_examples->setTileSize(56);
  m_examples->setPlaceholderText(tr("The test images of a (true, predicted) pair, most confident first"));
  connect(m_confusionTable, &QTableWidget::cellClicked, this, [this](int row, int col) {
    if (col < m_confusion.classes()) showExamples(row, col);
  });
  m_confusionChoice = new QComboBox;
  m_confusionChoice->setToolTip(tr("The run has several confusion matrices: the linear probe's and fine-tuning's"));
  m_confusionChoice->hide();
  connect(m_confusionChoice, &QComboBox::currentIndexChanged, this, [this] {
    m_confusionRun.clear();  // the same run, another classifier
    updateConfusion();
  });
  auto* heat = new QVBoxLayout;
  heat->setContentsMargins(0, 0, 0, 0);
  auto* heatTop = new QHBoxLayout;
  heatTop->addWidget(m_confusionLabel, 1);
  heatTop->addWidget(m_confusionChoice, 0, Qt::AlignTop);
  heat->addLayout(heatTop);
  heat->addWidget(m_confusionTable, 1);
  auto* gallery = new QVBoxLayout;
  gallery->setContentsMargins(0, 0, 0, 0);
  gallery->addWidget(m_examplesLabel);
  gallery->addWidget(m_examples, 1);
  m_confusionBox = new QWidget;
  auto* confusionLayout = new QHBoxLayout(m_confusionBox);
  confusionLayout->setContentsMargins(0, 0, 0, 0);
  confusionLayout->addLayout(heat, 3);
  confusionLayout->addLayout(gallery, 2);
  m_confusionBox->hide();

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(m_stack, 1);
  layout->addWidget(m_confusionBox, 2);
  layout->addLayout(bottom);

  if (m_useSettings) {
    for (const QString& dir : QSettings().value(kSettingsKey).toStringList()) readRun(dir, false);
  }
  rebuildTable();
}

QStringList ResultsPanel::runs() const {
  QStringList out;
  for (const Row& r : m_rows) out << r.dir;
  return out;
}

QStringList ResultsPanel::shownRuns() const {
  QStringList out;
  for (int row = 0; row < m_table->rowCount(); ++row) out << m_table->item(row, 0)->data(kDirRole).toString();
  return out;
}

QStringList ResultsPanel::selectedRuns() const {
  std::set<int> rows;
  for (const QModelIndex& index : m_table->selectionModel()->selectedRows()) rows.insert(index.row());
  QStringList out;
  for (int row : rows) out << m_table->item(row, 0)->data(kDirRole).toString();
  return out;
}

pretext::RunSummary ResultsPanel::summary(const QString& dir) const {
  const int i = indexOf(runFolderPath(dir));
  return i < 0 ? pretext::RunSummary{} : m_rows[size_t(i)].summary;
}

// Rows keep runFolderPath's form: the same string first, then sameRunFolder (symbolic links).
int ResultsPanel::indexOf(const QString& dir) const {
  for (size_t i = 0; i < m_rows.size(); ++i)
    if (m_rows[i].dir == dir) return int(i);
  for (size_t i = 0; i < m_rows.size(); ++i)
    if (sameRunFolder(m_rows[i].dir, dir)) return int(i);
  return -1;
}

std::vector<pretext::RunSummary> ResultsPanel::shownSummaries() const {
  std::vector<pretext::RunSummary> out;
  for (const QString& dir : shownRuns()) out.push_back(m_rows[size_t(indexOf(dir))].summary);
  return out;
}

QString ResultsPanel::csv() const { return QString::fromStdString(pretext::resultsCsv(shownSummaries())); }

QString ResultsPanel::markdown() const { return QString::fromStdString(pretext::resultsMarkdown(shownSummaries())); }

bool ResultsPanel::saveCsv(const QString& path) const { return writeText(path, csv()); }

bool ResultsPanel::saveMarkdown(const QString& path) const { return writeText(path, markdown()); }

bool ResultsPanel::exportTo(const QString& path) {
  return path.endsWith(QLatin1String(".md"), Qt::CaseInsensitive) ? saveMarkdown(path) : saveCsv(path);
}

bool ResultsPanel::readRun(const QString& rawDir, bool reportFailure) {
  const QString dir = runFolderPath(rawDir);
  pretext::RunSummary s;
  try {
    s = pretext::summarizeRun(dir.toStdString());
  } catch (const std::exception& e) {
    if (reportFailure) showStatus(QString::fromUtf8(e.what()));
    return false;
  }
  const int i = indexOf(dir);
  if (i >= 0) {
    m_rows[size_t(i)].summary = std::move(s);
  } else {
    m_rows.push_back({dir, std::move(s)});
  }
  return true;
}

void ResultsPanel::addRun(const QString& dir) {
  if (dir.isEmpty()) return;
  const bool isNew = indexOf(runFolderPath(dir)) < 0;
  if (!readRun(dir, true)) return;
  rebuildTable();
  if (isNew) {
    saveSettings();
    showStatus(tr("Added %1.").arg(runName(runFolderPath(dir))));
  }
}

void ResultsPanel::showRun() {
  const QString dir = run();
  if (dir.isEmpty()) return;
  if (!isRunFolder(dir) && indexOf(dir) < 0) {
    // A run that has just started writes its config.json on the training thread: add it at its first checkpoint.
    m_pending = dir;
    return;
  }
  m_pending.clear();
  addRun(dir);
  selectRun(dir);
}

bool ResultsPanel::follows(const QString& dir) const { return sameRunFolder(dir, m_pending) || indexOf(dir) >= 0; }

void ResultsPanel::checkpointChanged(const QString& dir) {
  if (sameRunFolder(dir, m_pending)) {
    showRun();
    return;
  }
  const int i = indexOf(dir);
  if (i >= 0 && readRun(m_rows[size_t(i)].dir, false)) rebuildTable();
}

int ResultsPanel::scanFolder(const QString& rawDir) {
  const QString root = runFolderPath(rawDir);
  QStringList candidates;
  if (isRunFolder(root)) candidates << root;
  const QDir parent(root);
  for (const QString& name : parent.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    const QString dir = parent.filePath(name);
    if (isRunFolder(dir)) candidates << runFolderPath(dir);
  }
  int added = 0;
  for (const QString& dir : candidates) {
    const bool isNew = indexOf(dir) < 0;
    if (readRun(dir, false) && isNew) ++added;
  }
  rebuildTable();
  saveSettings();
  if (candidates.isEmpty()) {
    showStatus(tr("No run folders (folders with a config.json) in %1.").arg(root));
  } else {
    showStatus(added == 0   ? tr("No new runs in %1.").arg(root)
               : added == 1 ? tr("Added 1 run from %1.").arg(root)
                            : tr("Added %1 runs from %2.").arg(added).arg(root));
  }
  return added;
}

void ResultsPanel::removeSelected() {
  const QStringList selected = selectedRuns();
  if (selected.isEmpty()) return;
  m_rows.erase(std::remove_if(m_rows.begin(), m_rows.end(), [&](const Row& r) { return selected.contains(r.dir); }),
               m_rows.end());
  for (const QString& dir : selected)
    if (sameRunFolder(dir, m_pending)) m_pending.clear();
  m_table->clearSelection();
  rebuildTable();
  saveSettings();
  showStatus(selected.size() == 1 ? tr("Removed %1 from the table.").arg(runName(selected.first()))
                                  : tr("Removed %1 runs from the table.").arg(selected.size()));
}

void ResultsPanel::selectRun(const QString& dir) {
  for (int row = 0; row < m_table->rowCount(); ++row) {
    if (m_table->item(row, 0)->data(kDirRole).toString() == dir) {
      m_table->selectRow(row);
      m_table->scrollToItem(m_table->item(row, 0));
      return;
    }
  }
}

void ResultsPanel::rebuildTable() {
  const QStringList selected = selectedRuns();
  const QString current = m_table->currentRow() >= 0 && m_table->item(m_table->currentRow(), 0)
                              ? m_table->item(m_table->currentRow(), 0)->data(kDirRole).toString()
                              : QString();
  QHeaderView* header = m_table->horizontalHeader();
  QString sortKey;
  if (header->sortIndicatorSection() >= 0 && m_table->horizontalHeaderItem(header->sortIndicatorSection())) {
    sortKey = m_table->horizontalHeaderItem(header->sortIndicatorSection())->data(kDirRole).toString();
  }
  const Qt::SortOrder sortOrder = header->sortIndicatorOrder();

  std::vector<pretext::RunSummary> summaries;
  for (const Row& r : m_rows) summaries.push_back(r.summary);
  // Columns of measurements that no run has are hidden.
  std::vector<Column> columns;
  for (Column& c : allColumns(summaries)) {
    const bool any = !c.number || std::any_of(summaries.begin(), summaries.end(), [&](const auto& s) { return c.number(s) >= 0; });
    if (any) columns.push_back(std::move(c));
  }

  m_table->clearSelection();
  m_table->clear();
  m_table->setColumnCount(int(columns.size()));
  m_table->setRowCount(int(m_rows.size()));
  int sortColumn = -1;
  for (int col = 0; col < int(columns.size()); ++col) {
    const Column& c = columns[size_t(col)];
    auto* head = new QTableWidgetItem(c.title);
    head->setToolTip(c.toolTip);
    head->setData(kDirRole, c.key);
    head->setData(Qt::InitialSortOrderRole, c.number ? Qt::DescendingOrder : Qt::AscendingOrder);
    m_table->setHorizontalHeaderItem(col, head);
    if (c.key == sortKey) sortColumn = col;
  }
  for (int row = 0; row < int(m_rows.size()); ++row) {
    const Row& r = m_rows[size_t(row)];
    for (int col = 0; col < int(columns.size()); ++col) {
      const Column& c = columns[size_t(col)];
      auto* item = new SortItem;
      if (c.number) {
        const double v = c.number(r.summary);
        item->setText(cellText(c, v));
        // Not measured sorts below every measurement.
        item->setData(kSortRole, v < 0 ? -std::numeric_limits<double>::infinity() : v);
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (v < 0) item->setToolTip(tr("Not measured"));
      } else {
        item->setText(c.text(r.summary));
      }
      if (col == 0) {
        item->setData(kDirRole, r.dir);
        item->setToolTip(r.dir);
      } else if (c.key == QLatin1String("method")) {
        item->setToolTip(QString::fromStdString(r.summary.method));
      } else if (c.key == QLatin1String("dataset")) {
        item->setToolTip(item->text());
      }
      m_table->setItem(row, col, item);
    }
  }
  {
    const QSignalBlocker quiet(header);
    header->setSortIndicator(sortColumn, sortOrder);  // -1 when the sorted column is gone
  }
  if (sortColumn >= 0) m_table->sortItems(sortColumn, sortOrder);
  fitColumns();
  // The selection survives a re-read.
  for (int row = 0; row < m_table->rowCount(); ++row) {
    const QString dir = m_table->item(row, 0)->data(kDirRole).toString();
    if (selected.contains(dir)) {
      m_table->selectionModel()->select(m_table->model()->index(row, 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    if (dir == current) m_table->selectionModel()->setCurrentIndex(m_table->model()->index(row, 0), QItemSelectionModel::NoUpdate);
  }
  m_stack->setCurrentWidget(m_rows.empty() ? static_cast<QWidget*>(m_placeholder) : m_table);
  updateButtons();
}

void ResultsPanel::fitColumns() {
  // QHeaderView's own fit reserves room for a sort arrow in every column, as wide as the (two-line)
  // header is high: a dozen columns would not fit the window. Only the sorted column gets that room.
  const QFontMetrics cellMetrics(m_table->font()), headMetrics(m_table->horizontalHeader()->font());
  const int arrow = m_table->style()->pixelMetric(QStyle::PM_HeaderMarkSize, nullptr, m_table->horizontalHeader());
  for (int col = 0; col < m_table->columnCount(); ++col) {
    int width = 0;
    for (const QString& line : m_table->horizontalHeaderItem(col)->text().split(QLatin1Char('\n')))
      width = std::max(width, headMetrics.horizontalAdvance(line));
    if (col == m_table->horizontalHeader()->sortIndicatorSection()) width += arrow + 4;
    for (int row = 0; row < m_table->rowCount(); ++row)
      width = std::max(width, cellMetrics.horizontalAdvance(m_table->item(row, col)->text()));
    m_table->setColumnWidth(col, std::min(width + 16, 320));
  }
}

void ResultsPanel::updateButtons() {
  const int selected = int(m_table->selectionModel()->selectedRows().size());
  const bool any = !m_rows.empty();
  m_remove->setEnabled(selected > 0);
  m_inspect->setEnabled(selected == 1);
  m_resume->setEnabled(selected == 1);
  m_evaluate->setEnabled(selected > 0 && inspector() && !evaluating());
  m_evaluate->setText(evaluating() ? tr("Evaluating…") : tr("Evaluate"));
  m_copyMarkdown->setEnabled(any);
  m_exportCsv->setEnabled(any);
  m_exportMarkdown->setEnabled(any);
}

void ResultsPanel::saveSettings() const {
  if (m_useSettings) QSettings().setValue(kSettingsKey, runs());
}

void ResultsPanel::showStatus(const QString& text) { m_status->setText(text); }

void ResultsPanel::copyMarkdown() {
  if (m_rows.empty()) return;
  QApplication::clipboard()->setText(markdown());
  showStatus(tr("Copied the table as Markdown."));
}

void ResultsPanel::evaluateSelected() {
  if (!inspector()) return;
  const bool idle = !evaluating();
  for (const QString& dir : selectedRuns())
    if (!m_evaluating.contains(dir)) m_evaluating << dir;
  if (idle && evaluating()) evaluateNext();
}

void ResultsPanel::evaluateNext() {
  if (m_evaluating.isEmpty()) {
    updateButtons();
    return;
  }
  const QString dir = m_evaluating.first();
  updateButtons();
  showStatus(m_evaluating.size() > 1
                 ? tr("Evaluating %1 (k-NN, linear probe; %2 more waiting) …").arg(runName(dir)).arg(m_evaluating.size() - 1)
                 : tr("Evaluating %1 (k-NN, linear probe) …").arg(runName(dir)));
  request<EvaluationResult>(
      QStringLiteral("evaluate"),
      [dir](InspectContext& c) {
        pretext::Evaluator& ev = c.evaluator(dir);
        EvaluationResult r;
        const auto knn = ev.knn({""}, {20, 200});
        for (const auto& k : knn) (k.k == 20 ? r.knn20 : r.knn200) = k.accuracy;
        const auto probe = ev.linearProbe({""});
        if (!probe.empty()) {
          r.linear = probe.front().accuracy;
          pretext::saveConfusion(probe.front().confusion, dir.toStdString());
        }
        ev.saveResults();
        return r;
      },
      [this, dir](const EvaluationResult& r) {
        m_evaluating.removeAll(dir);
        if (indexOf(dir) >= 0 && readRun(dir, false)) rebuildTable();  // unless the row was removed meanwhile
        showStatus(tr("Evaluated %1: k-NN@20 %2%, k-NN@200 %3%, linear probe (pooled) %4% — saved in eval.json.")
                       .arg(runName(dir))
                       .arg(100.0 * r.knn20, 0, 'f', 1)
                       .arg(100.0 * r.knn200, 0, 'f', 1)
                       .arg(100.0 * r.linear, 0, 'f', 1));
        emit evaluated(dir, true);
        if (sameRunFolder(dir, m_confusionRun) || selectedRuns() == QStringList{dir}) {
          m_confusionRun.clear();
          updateConfusion();
        }
        evaluateNext();
      },
      [this, dir](const QString& error) {
        m_evaluating.removeAll(dir);
        if (error == cancelledText()) {
          m_evaluating.clear();  // Cancel stops the queued evaluations too
          showStatus(tr("Evaluation of %1 cancelled; its eval.json is as it was.").arg(runName(dir)));
          emit evaluated(dir, false);
          updateButtons();
          return;
        }
        showStatus(tr("Could not evaluate %1: %2").arg(runName(dir), error));
        emit evaluated(dir, false);
        evaluateNext();
      },
      Scope::Panel);  // another run on show does not cancel an evaluation the user asked for
}

void ResultsPanel::addFolderDialog() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a run folder"), QDir::currentPath());
  if (dir.isEmpty()) return;
  addRun(dir);
  selectRun(runFolderPath(dir));
}

void ResultsPanel::scanFolderDialog() {
  const QString start = QDir(QDir::currentPath()).exists(QStringLiteral("runs")) ? QDir::current().filePath(QStringLiteral("runs"))
                                                                                   : QDir::currentPath();
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Scan a folder of runs"), start);
  if (!dir.isEmpty()) scanFolder(dir);
}

void ResultsPanel::exportDialog(bool markdownFile) {
  if (m_rows.empty()) return;
  m_exportingMarkdown = markdownFile;
  exportAs();
}

InspectionPanel::ExportFile ResultsPanel::exportFile() const {
  if (m_exportingMarkdown) return {tr("Export the results as Markdown"), QStringLiteral("results.md"), tr("Markdown (*.md)")};
  return {tr("Export the results as CSV"), QStringLiteral("results.csv"), tr("CSV (*.csv)")};
}

void ResultsPanel::exportFinished(const QString& path, bool ok) {
  showStatus(ok ? tr("Saved %1.").arg(path) : tr("Could not write %1.").arg(path));
}

void ResultsPanel::changeEvent(QEvent* event) {
  InspectionPanel::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) shadeConfusion();  // the heat map's shades follow the theme
}

void ResultsPanel::shadeConfusion() {
  const int k = m_confusion.classes();
  if (m_confusionTable->rowCount() != k || m_confusionTable->columnCount() != k + 1) return;
  // From the background (none) to blue (the whole row): dark blue on light, middle blue on dark.
  const QPalette pal = palette();
  const QColor light = pal.color(QPalette::Base), dark = isDarkPalette(pal) ? QColor(66, 146, 198) : QColor(8, 48, 107);
  for (int t = 0; t < k; ++t) {
    const auto& row = m_confusion.counts[std::size_t(t)];
    qint64 sum = 0;
    for (const auto n : row) sum += n;
    for (int p = 0; p < k; ++p) {
      QTableWidgetItem* item = m_confusionTable->item(t, p);
      if (!item) continue;
      const double share = sum > 0 ? double(row[std::size_t(p)]) / double(sum) : 0.0;
      const QColor shade = QColor::fromRgbF(light.redF() + share * (dark.redF() - light.redF()),
                                            light.greenF() + share * (dark.greenF() - light.greenF()),
                                            light.blueF() + share * (dark.blueF() - light.blueF()));
      item->setBackground(shade);
      item->setForeground(shade.lightness() < 128 ? QColor(Qt::white) : QColor(Qt::black));
    }
  }
}

void ResultsPanel::updateConfusion() {
  const QStringList selected = selectedRuns();
  const QString dir = selected.size() == 1 ? selected.first() : QString();
  if (!dir.isEmpty() && dir == m_confusionRun) return;
  m_confusionRun = dir;
  m_confusion = pretext::Confusion();
  m_exampleIndices.clear();
  m_examples->clear();
  m_examplesLabel->setText(tr("Click a cell to see its test images."));
  m_confusionTable->clear();
  m_confusionTable->setRowCount(0);
  m_confusionTable->setColumnCount(0);
  drop(QStringLiteral("examples"));
  if (dir.isEmpty()) {
    m_confusionBox->hide();
    return;
  }
  m_confusionBox->show();
  // The linear probe's and fine-tuning's confusions (pretext-cli eval --finetune), the one chosen
  // before kept when this run has it too.
  const auto saved = pretext::savedConfusions(dir.toStdString());
  const QString wanted = m_confusionChoice->currentData().toString();
  const pretext::SavedConfusion* chosen = saved.empty() ? nullptr : &saved.front();
  {
    const QSignalBlocker block(m_confusionChoice);
    m_confusionChoice->clear();
    for (const auto& c : saved) {
      m_confusionChoice->addItem(c.fineTune ? tr("Fine-tuning, %1% of the labels").arg(QLocale().toString(100.0 * c.fraction, 'g', 4))
                                            : tr("Linear probe"),
                                 QString::fromStdString(c.name));
      if (QString::fromStdString(c.name) == wanted) chosen = &c;
    }
    if (chosen) m_confusionChoice->setCurrentIndex(m_confusionChoice->findData(QString::fromStdString(chosen->name)));
  }
  m_confusionChoice->setVisible(saved.size() > 1);
  if (!chosen) {
    m_confusionTable->hide();
    m_confusionLabel->setText(tr("%1 has no confusion matrix yet: Evaluate it (or run pretext-cli eval --linear).")
                                  .arg(runName(dir)));
    return;
  }
  try {
    m_confusion = pretext::loadConfusion(dir.toStdString(), chosen->name);
  } catch (const std::exception& e) {
    m_confusionTable->hide();
    m_confusionLabel->setText(tr("Could not read the confusion matrix: %1").arg(QString::fromStdString(e.what())));
    return;
  }
  const int k = m_confusion.classes();
  m_confusionTable->setRowCount(k);
  m_confusionTable->setColumnCount(k + 1);
  QStringList names;
  for (int c = 0; c < k; ++c) names << i18n::catalogueText(i18n::kClasses, m_confusion.classNames[std::size_t(c)]);
  m_confusionTable->setVerticalHeaderLabels(names);
  QStringList columns;
  for (int c = 0; c < k; ++c) columns << QString::number(c);
  columns << tr("accuracy");
  m_confusionTable->setHorizontalHeaderLabels(columns);
  for (int c = 0; c < k; ++c) {
    m_confusionTable->horizontalHeaderItem(c)->setToolTip(tr("predicted: %1").arg(names[c]));
    m_confusionTable->verticalHeaderItem(c)->setText(QStringLiteral("%1 %2").arg(c).arg(names[c]));
  }
  for (int t = 0; t < k; ++t) {
    const auto& row = m_confusion.counts[std::size_t(t)];
    qint64 sum = 0;
    for (const auto n : row) sum += n;
    for (int p = 0; p < k; ++p) {
      const qint64 n = row[std::size_t(p)];
      const double share = sum > 0 ? double(n) / double(sum) : 0.0;
      auto* item = new QTableWidgetItem(QString::number(n));
      item->setTextAlignment(Qt::AlignCenter);
      item->setToolTip(tr("%1 predicted as %2: %3 test images (%4% of the class)")
                           .arg(names[t], names[p])
                           .arg(n)
                           .arg(100.0 * share, 0, 'f', 1));
      m_confusionTable->setItem(t, p, item);
    }
    const double a = m_confusion.perClassAccuracy[std::size_t(t)];
    auto* acc = new QTableWidgetItem(a < 0 ? kNotMeasured : QStringLiteral("%1%").arg(100.0 * a, 0, 'f', 1));
    acc->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_confusionTable->setItem(t, k, acc);
  }
  shadeConfusion();
  m_confusionTable->show();
  if (chosen->fineTune) {
    m_confusionLabel->setText(tr("Fine-tuning of %1 with %2% of the labels, on %3 test images: %4% correct. Rows: "
                                 "true class, columns: predicted class; click a cell to see its images.")
                                  .arg(runName(dir), QLocale().toString(100.0 * chosen->fraction, 'g', 4))
                                  .arg(QLocale().toString(qlonglong(m_confusion.total())))
                                  .arg(100.0 * m_confusion.accuracy(), 0, 'f', 1));
    return;
  }
  m_confusionLabel->setText(tr("Linear probe of %1 on %2 test images: %3% correct. Rows: true class, columns: "
                               "predicted class; click a cell to see its images.")
                                .arg(runName(dir))
                                .arg(QLocale().toString(qlonglong(m_confusion.total())))
                                .arg(100.0 * m_confusion.accuracy(), 0, 'f', 1));
}

void ResultsPanel::showExamples(int trueClass, int predicted) {
  const int k = m_confusion.classes();
  if (m_confusionRun.isEmpty() || trueClass < 0 || predicted < 0 || trueClass >= k || predicted >= k) return;
  const auto all = m_confusion.examples(trueClass, predicted);
  m_exampleIndices.clear();
  for (std::size_t i = 0; i < all.size() && i < std::size_t(kMaxExamples); ++i) m_exampleIndices << all[i];
  const QString t = i18n::catalogueText(i18n::kClasses, m_confusion.classNames[std::size_t(trueClass)]);
  const QString p = i18n::catalogueText(i18n::kClasses, m_confusion.classNames[std::size_t(predicted)]);
  const QString what = trueClass == predicted ? tr("%1, predicted right").arg(t) : tr("%1 predicted as %2").arg(t, p);
  m_examplesLabel->setText(all.size() > std::size_t(kMaxExamples)
                               ? tr("%1: %2 test images, the %3 most confident first").arg(what).arg(all.size()).arg(kMaxExamples)
                               : tr("%1: %2 test images, most confident first").arg(what).arg(all.size()));
  m_examples->clear();
  if (m_exampleIndices.isEmpty() || !inspector()) {
    emit examplesShown(trueClass, predicted);
    return;
  }
  const QString dir = m_confusionRun;
  const QList<qint64> indices = m_exampleIndices;
  QStringList captions, tips;
  for (const qint64 i : indices) {
    const double sure = 100.0 * m_confusion.confidence[std::size_t(i)];
    captions << QStringLiteral("%1%").arg(sure, 0, 'f', 0);
    tips << tr("test image #%1: %2 with %3% confidence").arg(i).arg(p).arg(sure, 0, 'f', 1);
  }
  request<ExampleImages>(
      QStringLiteral("examples"),
      [dir, indices](InspectContext& c) {
        const pretext::Dataset& ds = c.evaluator(dir).dataset();
        ExampleImages out;
        for (const qint64 i : indices) out.images << pretext::toQImage(ds.image(pretext::Split::Test, i));
        return out;
      },
      [this, captions, tips, trueClass, predicted](const ExampleImages& r) {
        m_examples->setImages(r.images, captions, tips);
        emit examplesShown(trueClass, predicted);
      },
      [this](const QString& error) { m_examplesLabel->setText(tr("Could not load the images: %1").arg(error)); });
}

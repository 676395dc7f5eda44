// The Results panel: rows from run folders (scan, add, setRun, checkpointWritten), the cells against
// pretext::summarizeRun, hidden columns, numeric sorting, CSV / Markdown export against the core's
// writers, persistence through QSettings, the signals, and Evaluate against an Evaluator called directly.
#include "resultspanel.h"
#include "imagegridwidget.h"
#include "qtconvert.h"
#include "widgettestutil.h"
#include "runinspector.h"

#include <pretext/evaluation.h>
#include <pretext/training.h>

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

namespace {

using widgettest::shapesConfig;

void writeFile(const QString& path, const QByteArray& text) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(text);
}

/// A run folder written by hand: config.json, and eval.json when `eval` is not empty.
void handmadeRun(const QString& dir, const std::string& method, const QByteArray& eval) {
  pretext::TrainConfig c;
  c.method = method;
  c.epochs = 3;
  writeFile(QDir(dir).filePath("config.json"), QByteArray::fromStdString(pretext::configToJson(c)));
  if (!eval.isEmpty()) writeFile(QDir(dir).filePath("eval.json"), eval);
}

QStringList headers(const QTableWidget* t) {
  QStringList out;
  // Headers of measurements take two lines: "k-NN\n@20" reads "k-NN@20", "Linear\nconv1" "Linear conv1".
  for (int c = 0; c < t->columnCount(); ++c)
    out << t->horizontalHeaderItem(c)->text().replace(QStringLiteral("\n@"), QStringLiteral("@")).replace(QLatin1Char('\n'), QLatin1Char(' '));
  return out;
}

int column(const QTableWidget* t, const QString& title) { return headers(t).indexOf(title); }

int rowOf(const QTableWidget* t, const QString& name) {
  for (int r = 0; r < t->rowCount(); ++r)
    if (t->item(r, 0)->text() == name) return r;
  return -1;
}

QString cell(const QTableWidget* t, const QString& run, const QString& title) {
  const int r = rowOf(t, run), c = column(t, title);
  return r < 0 || c < 0 ? QStringLiteral("<none>") : t->item(r, c)->text();
}

QStringList columnTexts(const QTableWidget* t, int c) {
  QStringList out;
  for (int r = 0; r < t->rowCount(); ++r) out << t->item(r, c)->text();
  return out;
}

void clickHeader(QTableWidget* t, int c) {
  QHeaderView* h = t->horizontalHeader();
  QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, QPoint(h->sectionViewportPosition(c) + h->sectionSize(c) / 2, h->height() / 2));
}

void selectRun(QTableWidget* t, const QString& name) {
  const int r = rowOf(t, name);
  QVERIFY(r >= 0);
  t->clearSelection();
  t->selectRow(r);
}

}  // namespace

class TstResultsPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  QString m_runs;  ///< a folder of run folders, as runs/ is

  QString run(const QString& name) const { return QDir(m_runs).filePath(name); }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings goes to a test location, not the user's
    QCoreApplication::setOrganizationName(QStringLiteral("pretext-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_resultspanel"));
    QSettings().clear();
    m_runs = m_tmp.filePath(QStringLiteral("runs"));
    for (const char* method : {"rotation", "simclr"}) {
      const pretext::TrainConfig c = shapesConfig(method, run(QLatin1String(method)));
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      const auto result = trainer.run();
      QVERIFY2(result.status == pretext::RunStatus::Finished, result.message.c_str());
    }
    handmadeRun(run("handmade"), "byol",
                R"({"knn": {"pooled": {"20": 0.71, "200": 0.69}},
                    "linear_probe": {"stages": {"conv1": {"accuracy": 0.6}, "pooled": {"accuracy": 0.8}, "conv10": {"accuracy": 0.1}}},
                    "fine_tune": {"0.01": {"accuracy": 0.3}}, "retrieval": {"map": 0.25}})");
    QDir().mkpath(run("notes"));  // not a run folder: no config.json
    writeFile(QDir(run("notes")).filePath("readme.txt"), "not a run");
  }

  void scanFindsRunFoldersAndCellsMatchTheSummaries() {
    ResultsPanel panel(nullptr, nullptr, false);
    QVERIFY(panel.runs().isEmpty());
    QCOMPARE(panel.scanFolder(m_runs), 3);
    QCOMPARE(panel.scanFolder(m_runs), 0);  // scanning again adds nothing
    QStringList names;
    for (const QString& d : panel.runs()) names << QFileInfo(d).fileName();
    QCOMPARE(names, (QStringList{"handmade", "rotation", "simclr"}));
    const QTableWidget* t = panel.table();
    QCOMPARE(t->rowCount(), 3);
    // Columns: every measurement some run has; nobody fine-tuned on 10%, so that column is hidden.
    QCOMPARE(headers(t), (QStringList{"Run", "Method", "Backbone", "Dataset", "Epochs", "k-NN@20", "k-NN@200",
                                      "Linear conv1", "Linear conv10", "Linear pooled", "Fine-tune 1%",
                                      "Retrieval mAP", "Training time", "img/s"}));
    QCOMPARE(cell(t, "handmade", "Method"), QStringLiteral("BYOL"));
    QCOMPARE(cell(t, "handmade", "Epochs"), QStringLiteral("3"));
    QCOMPARE(cell(t, "handmade", "k-NN@20"), QStringLiteral("71.0%"));
    QCOMPARE(cell(t, "handmade", "Linear conv10"), QStringLiteral("10.0%"));
    QCOMPARE(cell(t, "handmade", "Retrieval mAP"), QStringLiteral("25.0%"));
    QCOMPARE(cell(t, "handmade", "Training time"), QStringLiteral("—"));  // no metrics.csv
    QCOMPARE(cell(t, "rotation", "k-NN@20"), QStringLiteral("—"));
    // The trained runs' cells are their summaries (the k-NN monitor stands in for k = 200).
    for (const QString name : {"rotation", "simclr"}) {
      const pretext::RunSummary s = pretext::summarizeRun(run(name).toStdString());
      QVERIFY(s.knn200 >= 0 && s.imagesPerSecond > 0);
      QCOMPARE(cell(t, name, "k-NN@200"), QString::number(100.0 * s.knn200, 'f', 1) + '%');
      QCOMPARE(cell(t, name, "img/s"), QStringLiteral("%L1").arg(s.imagesPerSecond, 0, 'f', 0));
      QCOMPARE(cell(t, name, "Backbone"), QString::fromStdString(s.backbone));
      QCOMPARE(t->item(rowOf(t, name), 0)->toolTip(), QDir::cleanPath(run(name)));
    }
  }

  void unmeasuredColumnsAreHidden() {
    ResultsPanel panel(nullptr, nullptr, false);
    panel.addRun(run("rotation"));
    QCOMPARE(headers(panel.table()),
             (QStringList{"Run", "Method", "Backbone", "Dataset", "Epochs", "k-NN@200", "Training time", "img/s"}));
    panel.addRun(run("handmade"));
    QVERIFY(headers(panel.table()).contains(QStringLiteral("Linear pooled")));
  }

  void notARunFolderIsRefused() {
    ResultsPanel panel(nullptr, nullptr, false);
    panel.addRun(run("notes"));
    QVERIFY(panel.runs().isEmpty());
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("not a run folder")), qPrintable(panel.statusLabel()->text()));
    QCOMPARE(panel.scanFolder(run("notes")), 0);
    QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("No run folders")));
  }

  void headersSortNumbersAsNumbers() {
    // k-NN@200 of 9%, 50% and 10%: as text "10.0%" < "50.0%" < "9.0%"; as numbers 9 < 10 < 50.
    const QString root = m_tmp.filePath(QStringLiteral("sorting"));
    handmadeRun(QDir(root).filePath("a"), "simclr", R"({"knn": {"pooled": {"200": 0.09}}})");
    handmadeRun(QDir(root).filePath("b"), "moco", R"({"knn": {"pooled": {"200": 0.5}}})");
    handmadeRun(QDir(root).filePath("c"), "byol", R"({"knn": {"pooled": {"200": 0.1}}})");
    handmadeRun(QDir(root).filePath("d"), "rotation", "");  // not measured
    ResultsPanel panel(nullptr, nullptr, false);
    panel.resize(1000, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QCOMPARE(panel.scanFolder(root), 4);
    QTableWidget* t = panel.table();
    QTest::qWait(20);  // the table replaces the placeholder: let the layout give it its size
    for (int pass = 0; pass < 5; ++pass) QCoreApplication::processEvents();  // passes, however busy the machine
    const int knn = column(t, "k-NN@200");
    QVERIFY(knn > 0);
    clickHeader(t, knn);  // numbers: best first
    QCOMPARE(columnTexts(t, knn), (QStringList{"50.0%", "10.0%", "9.0%", "—"}));
    clickHeader(t, knn);
    QCOMPARE(columnTexts(t, knn), (QStringList{"—", "9.0%", "10.0%", "50.0%"}));
    const int method = column(t, "Method");
    clickHeader(t, method);  // text: A to Z
    QCOMPARE(columnTexts(t, method), (QStringList{"BYOL", "MoCo v2", "Rotation prediction (RotNet)", "SimCLR"}));
    // Exports follow the order shown.
    QStringList shown;
    for (const QString& d : panel.shownRuns()) shown << QFileInfo(d).fileName();
    QCOMPARE(shown, (QStringList{"c", "b", "d", "a"}));
    // A re-read keeps the sort and the selection.
    selectRun(t, "a");
    handmadeRun(QDir(root).filePath("a"), "simclr", R"({"knn": {"pooled": {"200": 0.95}}})");
    panel.checkpointWritten(QDir(root).filePath("a"));
    QCOMPARE(cell(t, "a", "k-NN@200"), QStringLiteral("95.0%"));
    QCOMPARE(columnTexts(t, column(t, "Method")), (QStringList{"BYOL", "MoCo v2", "Rotation prediction (RotNet)", "SimCLR"}));
    QCOMPARE(panel.selectedRuns(), QStringList{QDir::cleanPath(QDir(root).filePath("a"))});
  }

  void exportsAreTheCoreTables() {
    ResultsPanel panel(nullptr, nullptr, false);
    QVERIFY(!panel.exportCsvButton()->isEnabled());
    panel.scanFolder(m_runs);
    QVERIFY(panel.exportCsvButton()->isEnabled());
    std::vector<pretext::RunSummary> expected;
    for (const QString& d : panel.shownRuns()) expected.push_back(pretext::summarizeRun(d.toStdString()));
    const QString csvPath = m_tmp.filePath(QStringLiteral("results.csv"));
    const QString mdPath = m_tmp.filePath(QStringLiteral("results.md"));
    QVERIFY(panel.saveCsv(csvPath));
    QVERIFY(panel.saveMarkdown(mdPath));
    QFile csv(csvPath), md(mdPath);
    QVERIFY(csv.open(QIODevice::ReadOnly) && md.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().toStdString(), pretext::resultsCsv(expected));
    QCOMPARE(md.readAll().toStdString(), pretext::resultsMarkdown(expected));
    QTest::mouseClick(panel.copyMarkdownButton(), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text().toStdString(), pretext::resultsMarkdown(expected));
    QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("| handmade | byol | convnet | 3 | 71.0 | 69.0 |")));
  }

  void runListPersists() {
    QSettings().remove(QStringLiteral("results/runs"));
    {
      ResultsPanel panel(nullptr);
      QVERIFY(panel.runs().isEmpty());
      panel.addRun(run("rotation"));
      panel.addRun(run("handmade"));
    }
    {
      ResultsPanel panel(nullptr);
      QCOMPARE(panel.runs(), (QStringList{QDir::cleanPath(run("rotation")), QDir::cleanPath(run("handmade"))}));
      selectRun(panel.table(), "rotation");
      QTest::mouseClick(panel.removeButton(), Qt::LeftButton);
      QCOMPARE(panel.runs(), QStringList{QDir::cleanPath(run("handmade"))});
      QVERIFY(QDir(run("rotation")).exists());  // removed from the table only
    }
    {
      ResultsPanel panel(nullptr);
      QCOMPARE(panel.runs(), QStringList{QDir::cleanPath(run("handmade"))});
    }
    ResultsPanel isolated(nullptr, nullptr, false);  // tests neither read nor write the list
    QVERIFY(isolated.runs().isEmpty());
    isolated.addRun(run("simclr"));
    QCOMPARE(QSettings().value(QStringLiteral("results/runs")).toStringList(), QStringList{QDir::cleanPath(run("handmade"))});
  }

  void setRunWaitsForTheFirstCheckpoint() {
    ResultsPanel panel(nullptr, nullptr, false);
    panel.addRun(run("rotation"));
    // A run just started: no config.json yet. It becomes a row, selected, at its first checkpoint.
    const QString fresh = m_tmp.filePath(QStringLiteral("fresh"));
    panel.setRun(fresh);
    QCOMPARE(panel.runs().size(), 1);
    panel.checkpointWritten(run("simclr"));  // another run's checkpoint: not a row, not added
    QCOMPARE(panel.runs().size(), 1);
    handmadeRun(fresh, "simclr", "");
    panel.checkpointWritten(fresh);
    QCOMPARE(panel.runs().size(), 2);
    QCOMPARE(panel.selectedRuns(), QStringList{QDir::cleanPath(fresh)});
    // Its next checkpoint (or an evaluation) re-reads the row.
    QCOMPARE(cell(panel.table(), "fresh", "k-NN@20"), QStringLiteral("<none>"));
    writeFile(QDir(fresh).filePath("eval.json"), R"({"knn": {"pooled": {"20": 0.425}}})");
    panel.checkpointWritten(fresh);
    QCOMPARE(cell(panel.table(), "fresh", "k-NN@20"), QStringLiteral("42.5%"));
    QCOMPARE(cell(panel.table(), "rotation", "k-NN@20"), QStringLiteral("—"));
    // setRun of a row already there selects it.
    panel.setRun(run("rotation"));
    QCOMPARE(panel.selectedRuns(), QStringList{QDir::cleanPath(run("rotation"))});
    QCOMPARE(panel.runs().size(), 2);
  }

  void openAndResumeAreSignalled() {
    ResultsPanel panel(nullptr, nullptr, false);
    panel.resize(1000, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.scanFolder(m_runs);
    QTest::qWait(20);
    for (int pass = 0; pass < 5; ++pass) QCoreApplication::processEvents();  // the layout settles, however busy the machine
    QSignalSpy open(&panel, &ResultsPanel::openRequested);
    QSignalSpy resume(&panel, &ResultsPanel::resumeRequested);
    QTableWidget* t = panel.table();
    QVERIFY(!panel.resumeButton()->isEnabled());
    const int r = rowOf(t, "simclr");
    const QRect rect = t->visualItemRect(t->item(r, 1));
    // A double-click as the window system delivers it: press, release, then a double-click event.
    QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, rect.center());
    QMouseEvent dbl(QEvent::MouseButtonDblClick, rect.center(), t->viewport()->mapToGlobal(rect.center()), Qt::LeftButton,
                    Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(t->viewport(), &dbl);
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.takeFirst().at(0).toString(), QDir::cleanPath(run("simclr")));
    selectRun(t, "rotation");
    QVERIFY(panel.resumeButton()->isEnabled());
    QTest::mouseClick(panel.resumeButton(), Qt::LeftButton);
    QCOMPARE(resume.count(), 1);
    QCOMPARE(resume.takeFirst().at(0).toString(), QDir::cleanPath(run("rotation")));
    QTest::mouseClick(panel.inspectButton(), Qt::LeftButton);
    QCOMPARE(open.takeFirst().at(0).toString(), QDir::cleanPath(run("rotation")));
    // Two rows selected: one run to resume or inspect is ambiguous.
    t->selectAll();
    QVERIFY(!panel.resumeButton()->isEnabled() && !panel.inspectButton()->isEnabled());
    QVERIFY(panel.removeButton()->isEnabled());
  }

  void evaluateMeasuresAndSaves() {
    RunInspector inspector;
    ResultsPanel panel(&inspector, nullptr, false);
    panel.addRun(run("rotation"));
    QTableWidget* t = panel.table();
    QVERIFY(!panel.evaluateButton()->isEnabled());  // nothing selected
    selectRun(t, "rotation");
    QSignalSpy evaluated(&panel, &ResultsPanel::evaluated);
    QTest::mouseClick(panel.evaluateButton(), Qt::LeftButton);
    QVERIFY(panel.evaluating());
    QVERIFY(!panel.evaluateButton()->isEnabled());
    QVERIFY(panel.findChild<QProgressBar*>()->isVisibleTo(&panel));
    QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 60000);
    QVERIFY2(evaluated.first().at(1).toBool(), qPrintable(panel.statusLabel()->text()));
    QVERIFY(!panel.evaluating());
    QVERIFY(!panel.findChild<QProgressBar*>()->isVisibleTo(&panel));
    QVERIFY(QFile::exists(QDir(run("rotation")).filePath("eval.json")));

    // The same measurements by an Evaluator of our own on the same checkpoint.
    pretext::Evaluator ev(run("rotation").toStdString(), "auto");
    const auto knn = ev.knn({""}, {20, 200});
    const auto probe = ev.linearProbe({""});
    const pretext::RunSummary s = panel.summary(run("rotation"));
    QVERIFY(std::abs(s.knn20 - knn[0].accuracy) < 1e-8);
    QVERIFY(std::abs(s.knn200 - knn[1].accuracy) < 1e-8);
    QVERIFY(std::abs(s.linearProbe.at("pooled") - probe[0].accuracy) < 1e-8);
    QCOMPARE(cell(t, "rotation", "k-NN@20"), QString::number(100.0 * knn[0].accuracy, 'f', 1) + '%');
    QCOMPARE(cell(t, "rotation", "Linear pooled"), QString::number(100.0 * probe[0].accuracy, 'f', 1) + '%');
    QVERIFY(panel.statusLabel()->text().startsWith(QStringLiteral("Evaluated rotation")));
  }

  void confusionHeatMapIsTheFile() {
    // The probe's confusion as the CLI writes it into the run folder.
    const QString dir = run("simclr");
    {
      pretext::Evaluator ev(dir.toStdString(), "cpu");
      pretext::LinearProbeOptions o;
      o.epochs = 3;
      pretext::saveConfusion(ev.linearProbe({""}, o).front().confusion, dir.toStdString());
    }
    // Read back here, independently of the core's reader.
    QFile matrixFile(QDir(dir).filePath("confusion.csv")), predictionsFile(QDir(dir).filePath("confusion_predictions.csv"));
    QVERIFY(matrixFile.open(QIODevice::ReadOnly | QIODevice::Text) && predictionsFile.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList matrix = QString::fromUtf8(matrixFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QStringList header = matrix.first().split(QLatin1Char(','));
    const int k = int(header.size()) - 2;
    QCOMPARE(int(matrix.size()), k + 1);
    struct Prediction { qint64 index; int label, predicted; double confidence; };
    std::vector<Prediction> predictions;
    for (const QString& line : QString::fromUtf8(predictionsFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts).mid(1)) {
      const QStringList f = line.split(QLatin1Char(','));
      predictions.push_back({f[0].toLongLong(), f[1].toInt(), f[2].toInt(), f[3].toDouble()});
    }

    RunInspector inspector;
    ResultsPanel panel(&inspector, nullptr, false);
    panel.resize(1100, 800);
    panel.show();
    panel.addRun(dir);
    selectRun(panel.table(), "simclr");
    QTableWidget* heat = panel.confusionTable();
    QVERIFY(heat->isVisible());
    QCOMPARE(heat->rowCount(), k);
    QCOMPARE(heat->columnCount(), k + 1);
    int bestT = 0, bestP = 1, bestCount = -1;
    for (int t = 0; t < k; ++t) {
      const QStringList row = matrix[t + 1].split(QLatin1Char(','));
      QVERIFY(heat->verticalHeaderItem(t)->text().endsWith(row[0]));
      for (int p = 0; p < k; ++p) {
        QCOMPARE(heat->item(t, p)->text(), row[p + 1]);
        if (t != p && row[p + 1].toInt() > bestCount) bestT = t, bestP = p, bestCount = row[p + 1].toInt();
      }
      QCOMPARE(heat->item(t, k)->text(), row[k + 1].isEmpty() ? QStringLiteral("—")
                                                                : QString::number(100.0 * row[k + 1].toDouble(), 'f', 1) + '%');
    }
    // Clicking the most confused cell: its test images, most confident first.
    if (bestCount == 0) bestP = bestT;  // nothing confused: the diagonal
    std::vector<Prediction> want;
    for (const auto& p : predictions)
      if (p.label == bestT && p.predicted == bestP) want.push_back(p);
    std::stable_sort(want.begin(), want.end(), [](const Prediction& a, const Prediction& b) { return a.confidence > b.confidence; });
    QSignalSpy shown(&panel, &ResultsPanel::examplesShown);
    const QRect cellRect = heat->visualItemRect(heat->item(bestT, bestP));
    QTest::mouseClick(heat->viewport(), Qt::LeftButton, {}, cellRect.center());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(panel.exampleIndices().size(), qsizetype(std::min<std::size_t>(want.size(), 64)));
    pretext::Evaluator ev(dir.toStdString(), "cpu");
    for (int i = 0; i < panel.exampleIndices().size(); ++i) {
      QCOMPARE(panel.exampleIndices()[i], want[std::size_t(i)].index);
      QCOMPARE(panel.examplesGrid()->image(i), pretext::toQImage(ev.dataset().image(pretext::Split::Test, want[std::size_t(i)].index)));
    }
    const QString shot = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    if (!shot.isEmpty()) QVERIFY(panel.grab().save(QDir(shot).filePath(QStringLiteral("results-confusion-shapes.png"))));
  }

  // Fine-tuning's confusion (pretext-cli eval --finetune) beside the probe's: a choice between them,
  // each table the counts of its own predictions.
  void fineTuneConfusionIsAChoice() {
    const QString dir = m_tmp.filePath(QStringLiteral("finetuned"));  // a copy, outside the runs folder
    QVERIFY(QDir().mkpath(QDir(dir).filePath(QStringLiteral("checkpoints"))));
    for (const char* file : {"config.json", "metrics.csv", "checkpoints/last.pt"})
      QVERIFY(QFile::copy(QDir(run("simclr")).filePath(QLatin1String(file)), QDir(dir).filePath(QLatin1String(file))));
    std::vector<int> labels, right, shifted;
    std::vector<float> confidence;
    std::vector<std::string> names;
    {
      pretext::Evaluator ev(dir.toStdString(), "cpu");
      const auto& ds = ev.dataset();
      names = ds.classNames();
      for (std::int64_t i = 0; i < ds.size(pretext::Split::Test); ++i) {
        const int label = int(ds.label(pretext::Split::Test, i));
        labels.push_back(label);
        right.push_back(label);
        shifted.push_back((label + 1) % int(names.size()));  // every image taken for the next class
        confidence.push_back(0.5f);
      }
    }
    const int k = int(names.size());
    std::vector<int> perClass(std::size_t(k), 0);
    for (const int l : labels) ++perClass[std::size_t(l)];
    pretext::saveConfusion(pretext::confusionFromPredictions(labels, right, confidence, names), dir.toStdString());
    pretext::saveConfusion(pretext::confusionFromPredictions(labels, shifted, confidence, names), dir.toStdString(),
                           pretext::fineTuneConfusionName(0.1));

    RunInspector inspector;
    ResultsPanel panel(&inspector, nullptr, false);
    panel.resize(1100, 800);
    panel.show();
    panel.addRun(dir);
    selectRun(panel.table(), "finetuned");
    QComboBox* choice = panel.confusionChoice();
    QVERIFY(choice->isVisible());
    QCOMPARE(choice->count(), 2);
    QCOMPARE(choice->itemData(0).toString(), QStringLiteral("confusion"));
    QCOMPARE(choice->itemData(1).toString(), QStringLiteral("confusion_finetune_10pct"));
    QCOMPARE(choice->itemText(1), QStringLiteral("Fine-tuning, 10% of the labels"));
    QTableWidget* heat = panel.confusionTable();
    QCOMPARE(heat->rowCount(), k);
    for (int t = 0; t < k; ++t) QCOMPARE(heat->item(t, t)->text(), QString::number(perClass[std::size_t(t)]));
    QVERIFY(panel.confusionLabel()->text().startsWith(QStringLiteral("Linear probe")));
    choice->setCurrentIndex(1);
    QCOMPARE(heat->rowCount(), k);
    for (int t = 0; t < k; ++t) {
      QCOMPARE(heat->item(t, (t + 1) % k)->text(), QString::number(perClass[std::size_t(t)]));
      QCOMPARE(heat->item(t, t)->text(), QStringLiteral("0"));
    }
    QVERIFY2(panel.confusionLabel()->text().startsWith(QStringLiteral("Fine-tuning of finetuned with 10% of the labels")),
             qPrintable(panel.confusionLabel()->text()));
    // Its cells show their images as the probe's do.
    QSignalSpy shown(&panel, &ResultsPanel::examplesShown);
    QTest::mouseClick(heat->viewport(), Qt::LeftButton, {}, heat->visualItemRect(heat->item(0, 1 % k)).center());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(panel.exampleIndices().size(), qsizetype(std::min(perClass[0], 64)));
    for (const qint64 i : panel.exampleIndices()) QCOMPARE(labels[std::size_t(i)], 0);
    const QString shot = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    if (!shot.isEmpty()) QVERIFY(panel.grab().save(QDir(shot).filePath(QStringLiteral("results-finetune-choice-shapes.png"))));
    // A run with only the probe's: no choice shown.
    selectRun(panel.table(), "finetuned");
    QFile::remove(QDir(dir).filePath(QStringLiteral("confusion_finetune_10pct.csv")));
    panel.addRun(run("simclr"));
    selectRun(panel.table(), "simclr");
    QVERIFY(!choice->isVisible());
  }

  void cancelStopsAnEvaluation() {
    RunInspector inspector;
    ResultsPanel panel(&inspector, nullptr, false);
    panel.show();
    const QString dir = run("simclr");
    const QString evalJson = QDir(dir).filePath("eval.json");
    QFile before(evalJson);
    const QByteArray saved = before.open(QIODevice::ReadOnly) ? before.readAll() : QByteArray();
    panel.addRun(dir);
    selectRun(panel.table(), "simclr");
    QSignalSpy evaluated(&panel, &ResultsPanel::evaluated);
    QTest::mouseClick(panel.evaluateButton(), Qt::LeftButton);
    QVERIFY(panel.cancelButton()->isVisible());
    QTest::mouseClick(panel.cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 120000);
    QVERIFY(!evaluated.first().at(1).toBool());
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("cancelled")), qPrintable(panel.statusLabel()->text()));
    QVERIFY(!panel.evaluating());
    QVERIFY(!panel.cancelButton()->isVisible());
    QVERIFY(!panel.busyIndicator()->isVisible());
    QFile after(evalJson);
    QCOMPARE(after.open(QIODevice::ReadOnly) ? after.readAll() : QByteArray(), saved);  // nothing partial saved
    // The panel stays usable: the next evaluation runs to its end.
    QVERIFY(panel.evaluateButton()->isEnabled());
    panel.evaluateSelected();
    QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 2, 120000);
    QVERIFY2(evaluated.last().at(1).toBool(), qPrintable(panel.statusLabel()->text()));
  }

  void evaluateWithoutCheckpointSaysSo() {
    RunInspector inspector;
    ResultsPanel panel(&inspector, nullptr, false);
    const QString dir = m_tmp.filePath(QStringLiteral("nocheckpoint"));
    handmadeRun(dir, "simclr", "");
    panel.addRun(dir);
    selectRun(panel.table(), "nocheckpoint");
    QSignalSpy evaluated(&panel, &ResultsPanel::evaluated);
    panel.evaluateSelected();
    QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 120000);
    QVERIFY(!evaluated.first().at(1).toBool());
    QVERIFY2(panel.statusLabel()->text().startsWith(QStringLiteral("Could not evaluate nocheckpoint: ")),
             qPrintable(panel.statusLabel()->text()));
    QVERIFY(panel.evaluateButton()->isEnabled());
  }

  void destroyedWhileEvaluating() {
    RunInspector inspector;
    auto* panel = new ResultsPanel(&inspector, nullptr, false);
    panel->addRun(run("simclr"));
    selectRun(panel->table(), "simclr");
    panel->evaluateSelected();
    QVERIFY(inspector.busy());
    delete panel;  // the job finishes on the worker thread; its answer finds no panel
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 60000);
  }

  void screenshot() {
    // PRETEXT_SCREENSHOT_RUNS: a folder of runs to show; PRETEXT_SCREENSHOT_EVALUATE=1 evaluates
    // them (it writes their eval.json: use a copy).
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR to save a screenshot");
    RunInspector inspector;
    ResultsPanel panel(&inspector, nullptr, false);
    panel.resize(1200, 500);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(panel.grab().save(QDir(dir).filePath(QStringLiteral("results-empty.png"))));
    const QString runs = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUNS", m_runs);
    panel.scanFolder(runs);
    QTest::qWait(20);
    if (qEnvironmentVariableIsSet("PRETEXT_SCREENSHOT_EVALUATE")) {
      panel.table()->selectAll();
      QSignalSpy evaluated(&panel, &ResultsPanel::evaluated);
      QElapsedTimer t;
      t.start();
      panel.evaluateSelected();
      QTest::qWait(200);
      // Mid-job: once the progress bar has moved.
      QTRY_VERIFY_WITH_TIMEOUT(panel.busyIndicator()->maximum() > 0 && panel.busyIndicator()->value() > 100, 600000);
      QVERIFY(panel.grab().save(QDir(dir).filePath(QStringLiteral("results-evaluating.png"))));
      QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), panel.table()->rowCount(), 600000);
      qInfo("evaluated %d runs in %lld ms: %s", int(evaluated.count()), t.elapsed(), qPrintable(panel.statusLabel()->text()));
    }
    selectRun(panel.table(), QFileInfo(panel.runs().first()).fileName());
    clickHeader(panel.table(), column(panel.table(), "k-NN@200"));
    QTest::qWait(50);
    QVERIFY(panel.grab().save(QDir(dir).filePath(QStringLiteral("results.png"))));
    qInfo("%s", qPrintable(panel.markdown()));
    // The selected run's confusion: click its most confused cell.
    QTableWidget* heat = panel.confusionTable();
    if (heat->isVisible() && heat->rowCount() > 1) {
      int bt = 0, bp = 1, most = -1;
      for (int t = 0; t < heat->rowCount(); ++t)
        for (int p = 0; p < heat->rowCount(); ++p)
          if (t != p && heat->item(t, p)->text().toInt() > most) bt = t, bp = p, most = heat->item(t, p)->text().toInt();
      QSignalSpy shown(&panel, &ResultsPanel::examplesShown);
      panel.resize(1300, 900);
      heat->scrollToItem(heat->item(bt, bp));
      QTest::mouseClick(heat->viewport(), Qt::LeftButton, {}, heat->visualItemRect(heat->item(bt, bp)).center());
      QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 300000);
      QTest::qWait(50);
      QVERIFY(panel.grab().save(QDir(dir).filePath(QStringLiteral("results-confusion.png"))));
      panel.setPalette(widgettest::darkPalette());
      QTest::qWait(50);
      QVERIFY(panel.grab().save(QDir(dir).filePath(QStringLiteral("results-confusion-dark.png"))));
    }
  }
};

QTEST_MAIN(TstResultsPanel)
#include "tst_resultspanel.moc"

// The Embedding panel on a random-init run over the synthetic shapes: the scatter is the projection
// Evaluator::projection computes, one graph per class with the class names in the legend; hovering
// point i shows test image i; the kind and size controls change what is computed; exports, failures,
// a hidden panel and a panel destroyed mid-job.
#include "embeddingpanel.h"
#include "imagegridwidget.h"
#include "widgettestutil.h"
#include "qtconvert.h"
#include "runinspector.h"

#include <pretext/dataset.h>
#include <pretext/evaluation.h>
#include <pretext/training.h>

#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <memory>

namespace {

pretext::DatasetSpec shapesSpec() {
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  spec.shapesPerClass = 60;  // 480 training, 120 test images
  return spec;
}

// Largest |a_i - s b_i| over i, with the sign s in {+1, -1} that fits best: an eigenvector's sign is
// arbitrary, and a principal axis may come out flipped on another device.
double axisDistance(const std::vector<float>& a, const std::vector<float>& b) {
  double plus = 0.0, minus = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    plus = std::max(plus, std::abs(double(a[i]) - b[i]));
    minus = std::max(minus, std::abs(double(a[i]) + b[i]));
  }
  return std::min(plus, minus);
}

double spread(const std::vector<float>& a) {
  const auto [lo, hi] = std::minmax_element(a.begin(), a.end());
  return double(*hi - *lo);
}

}  // namespace

class TstEmbeddingPanel : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;
  QString m_run;
  pretext::Dataset m_dataset;
  std::unique_ptr<RunInspector> m_inspector;

  // A visible panel showing the projection `kind` of the first `points` test images of the run.
  std::unique_ptr<EmbeddingPanel> shownPanel(const QString& kind, int points) {
    auto panel = std::make_unique<EmbeddingPanel>(m_inspector.get());
    panel->kindBox()->setCurrentIndex(panel->kindBox()->findData(kind));
    panel->pointsBox()->setValue(points);
    panel->resize(900, 640);
    QSignalSpy shown(panel.get(), &EmbeddingPanel::projectionShown);
    panel->show();
    panel->setRun(m_run);
    [&] {
      QVERIFY(panel->busy());
      QVERIFY2(panel->message().startsWith(QLatin1String("Computing")), qPrintable(panel->message()));
      QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    }();
    return panel;
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_dataset = pretext::Dataset::load(shapesSpec());
    m_run = m_tmp.filePath(QStringLiteral("run"));
    pretext::TrainConfig c;
    c.dataset = shapesSpec();
    c.method = "random";
    c.backboneWidth = 8;
    c.epochs = 1;
    c.device = "cpu";
    c.knnEveryEpoch = false;
    c.outDir = m_run.toStdString();
    pretext::Trainer trainer(c, m_dataset);
    const auto r = trainer.run();
    QVERIFY2(r.status == pretext::RunStatus::Finished, r.message.c_str());
    m_inspector = std::make_unique<RunInspector>();
  }

  void cleanupTestCase() { m_inspector.reset(); }

  void scatterIsTheEvaluatorsProjection() {
    auto panel = shownPanel(QStringLiteral("pca"), 100);
    QVERIFY(!panel->busy());
    const auto& p = panel->projection();
    pretext::Evaluator ev(m_run.toStdString(), "auto");
    const auto ref = ev.projection("pca", 100);
    QCOMPARE(p.kind, std::string("pca"));
    QCOMPARE(int(p.x.size()), 100);
    QCOMPARE(p.labels, ref.labels);
    for (int i = 0; i < 100; ++i) QCOMPARE(p.labels[std::size_t(i)], m_dataset.label(pretext::Split::Test, i));
    QVERIFY2(axisDistance(p.x, ref.x) <= 1e-4 * spread(ref.x), "the first axis differs from Evaluator::projection");
    QVERIFY2(axisDistance(p.y, ref.y) <= 1e-4 * spread(ref.y), "the second axis differs from Evaluator::projection");

    // One graph per class, named after it, holding exactly that class's points.
    const auto& names = m_dataset.classNames();
    QCustomPlot* plot = panel->plot();
    QCOMPARE(plot->graphCount(), int(names.size()));
    QVERIFY(plot->legend->visible());
    std::vector<QColor> colours;
    for (int c = 0; c < plot->graphCount(); ++c) {
      QCPGraph* g = plot->graph(c);
      QCOMPARE(g->name(), QString::fromStdString(names[std::size_t(c)]));
      std::vector<std::pair<double, double>> want, have;
      for (std::size_t i = 0; i < p.x.size(); ++i) {
        if (p.labels[i] == c) want.emplace_back(p.x[i], p.y[i]);
      }
      for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) have.emplace_back(it->key, it->value);
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      QCOMPARE(have, want);
      colours.push_back(g->scatterStyle().brush().color());
    }
    for (std::size_t a = 0; a < colours.size(); ++a) {
      for (std::size_t b = a + 1; b < colours.size(); ++b) QVERIFY(colours[a].rgb() != colours[b].rgb());
    }
    QVERIFY(plot->xAxis->label().contains(QLatin1String("principal component")));
  }

  void polygonSelectionAgainstBruteForce() {
    // Known coordinates: a concave "L" and points inside, outside and in its notch.
    const QPolygonF l{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 4}, {0, 4}};
    const std::vector<float> x{0.5f, 3.5f, 2.0f, 0.5f, 5.0f, -1.0f, 0.5f};
    const std::vector<float> y{0.5f, 0.5f, 2.0f, 3.5f, 0.5f, 2.0f, 4.5f};
    QCOMPARE(pointsInPolygon(x, y, l), (std::vector<int>{0, 1, 3}));
    QVERIFY(pointsInPolygon(x, y, QPolygonF{{0, 0}, {1, 1}}).empty());  // no area
    // Random points against Qt's own even-odd test on a random self-crossing polygon.
    QRandomGenerator rng(7);
    std::vector<float> rx, ry;
    for (int i = 0; i < 3000; ++i) {
      rx.push_back(float(rng.generateDouble() * 10 - 5));
      ry.push_back(float(rng.generateDouble() * 10 - 5));
    }
    QPolygonF star;
    for (int k = 0; k < 9; ++k) {
      const double a = 2 * M_PI * k * 4 / 9.0;  // a {9/4} star: edges cross
      star << QPointF(4 * std::cos(a), 4 * std::sin(a));
    }
    std::vector<int> brute;
    for (int i = 0; i < 3000; ++i)
      if (star.containsPoint(QPointF(rx[std::size_t(i)], ry[std::size_t(i)]), Qt::OddEvenFill)) brute.push_back(i);
    QVERIFY(brute.size() > 100 && brute.size() < 2900);
    QCOMPARE(pointsInPolygon(rx, ry, star), brute);
    // The class make-up against a recount.
    const std::vector<int> labels{2, 0, 2, -1, 1, 2, 7};
    QCOMPARE(classMakeup(labels, {0, 2, 3, 4, 6}, 3), (std::vector<std::int64_t>{0, 1, 2}));
  }

  void lassoSelectsAndSendsAQuery() {
    auto panel = shownPanel(QStringLiteral("pca"), 120);
    const auto& p = panel->projection();
    QCOMPARE(panel->selectionGrid()->count(), 0);
    QTest::qWait(50);  // the layout settles with the gallery beside the plot
    for (int pass = 0; pass < 5; ++pass) QCoreApplication::processEvents();  // passes, however busy the machine
    panel->plot()->replot();
    // Where the points are drawn (the plot keeps its size when the gallery fills).
    std::vector<QPointF> drawn;
    for (int i = 0; i < int(p.x.size()); ++i) drawn.push_back(panel->pointPosition(i));
    // A rectangle (Shift + Alt drag) over the middle of the plot, by mouse events.
    const QRect area = panel->plot()->axisRect()->rect();
    const QPoint from = area.center() - QPoint(area.width() / 4, area.height() / 4);
    const QPoint to = area.center() + QPoint(area.width() / 5, area.height() / 5);
    auto send = [&](QEvent::Type type, const QPoint& at, Qt::MouseButtons buttons) {
      QMouseEvent e(type, QPointF(at), panel->plot()->mapToGlobal(QPointF(at)), Qt::LeftButton, buttons,
                    Qt::ShiftModifier | Qt::AltModifier);
      QApplication::sendEvent(panel->plot(), &e);
    };
    QSignalSpy changed(panel.get(), &EmbeddingPanel::selectionChanged);
    send(QEvent::MouseButtonPress, from, Qt::LeftButton);
    send(QEvent::MouseMove, (from + to) / 2, Qt::LeftButton);
    send(QEvent::MouseMove, to, Qt::LeftButton);
    send(QEvent::MouseButtonRelease, to, Qt::NoButton);
    QCOMPARE(changed.count(), 1);
    // Brute force in pixels: the points drawn inside the rectangle.
    const QRectF box = QRectF(QPointF(from), QPointF(to)).normalized();
    std::vector<int> inside;
    for (int i = 0; i < int(p.x.size()); ++i)
      if (box.contains(drawn[std::size_t(i)])) inside.push_back(i);
    QVERIFY(!inside.empty());
    QCOMPARE(panel->selection(), inside);
    std::vector<std::int64_t> recount(m_dataset.classNames().size(), 0);
    for (const int i : inside) ++recount[std::size_t(m_dataset.label(pretext::Split::Test, i))];
    QCOMPARE(panel->selectionMakeup(), recount);
    QCOMPARE(panel->selectionGrid()->count(), int(inside.size()));
    QVERIFY(panel->selectionGrid()->isVisible());
    for (int k = 0; k < int(inside.size()); ++k) {
      const int i = inside[std::size_t(k)];
      QCOMPARE(panel->selectionGrid()->caption(k), QString::fromStdString(m_dataset.classNames()[std::size_t(m_dataset.label(pretext::Split::Test, i))]));
      QCOMPARE(panel->selectionGrid()->image(k), pretext::toQImage(m_dataset.image(pretext::Split::Test, i)));
    }
    QVERIFY(panel->makeupLabel()->text().contains(QString::number(inside.size())));
    // Choosing an image in the gallery, then sending it to Retrieval.
    QVERIFY(!panel->queryButton()->isEnabled());
    QSignalSpy query(panel.get(), &EmbeddingPanel::queryRequested);
    const int last = int(inside.size()) - 1;
    QTest::mouseClick(panel->selectionGrid()->viewport(), Qt::LeftButton, {}, panel->selectionGrid()->tileRect(last).center());
    QCOMPARE(panel->chosenPoint(), inside.back());
    QTest::mouseClick(panel->queryButton(), Qt::LeftButton);
    QCOMPARE(query.count(), 1);
    QCOMPARE(query.first().at(0).toLongLong(), qint64(inside.back()));
    // A free-form lasso with the Select button: a triangle, against Qt's even-odd test in pixels.
    panel->selectButton()->setChecked(true);
    const QPoint a = area.topLeft() + QPoint(10, 10), b = area.topRight() + QPoint(-10, 10), c = area.bottomLeft() + QPoint(10, -10);
    auto sendPlain = [&](QEvent::Type type, const QPoint& at, Qt::MouseButtons buttons) {
      QMouseEvent e(type, QPointF(at), panel->plot()->mapToGlobal(QPointF(at)), Qt::LeftButton, buttons, Qt::NoModifier);
      QApplication::sendEvent(panel->plot(), &e);
    };
    sendPlain(QEvent::MouseButtonPress, a, Qt::LeftButton);
    sendPlain(QEvent::MouseMove, b, Qt::LeftButton);
    sendPlain(QEvent::MouseMove, c, Qt::LeftButton);
    sendPlain(QEvent::MouseButtonRelease, c, Qt::NoButton);
    const QPolygonF triangle{QPointF(a), QPointF(b), QPointF(c)};
    std::vector<int> inTriangle;
    for (int i = 0; i < int(p.x.size()); ++i)
      if (triangle.containsPoint(drawn[std::size_t(i)], Qt::OddEvenFill)) inTriangle.push_back(i);
    QCOMPARE(panel->selection(), inTriangle);
    // A click clears it.
    sendPlain(QEvent::MouseButtonPress, a, Qt::LeftButton);
    sendPlain(QEvent::MouseButtonRelease, a, Qt::NoButton);
    QVERIFY(panel->selection().empty());
    QCOMPARE(panel->selectionGrid()->count(), 0);
    for (int i = 0; i < int(p.x.size()); ++i) QCOMPARE(panel->pointPosition(i), drawn[std::size_t(i)]);
  }

  void hoverShowsThePointsTestImage() {
    auto panel = shownPanel(QStringLiteral("pca"), 120);
    const auto& p = panel->projection();
    QCOMPARE(int(p.x.size()), 120);
    QCustomPlot* plot = panel->plot();
    int checked = 0;
    for (int i : {0, 1, 17, 64, 119}) {
      const QPointF at = panel->pointPosition(i);
      // Skip a point with another one within a pixel: which one a pixel shows is then a matter of rounding.
      bool crowded = false;
      for (int j = 0; j < int(p.x.size()); ++j) {
        crowded = crowded || (j != i && QLineF(at, panel->pointPosition(j)).length() < 1.5);
      }
      if (crowded) continue;
      const QPoint pixel = at.toPoint();
      QCOMPARE(panel->pointAt(pixel), i);
      QTest::mouseMove(plot, pixel);
      QTRY_COMPARE_WITH_TIMEOUT(panel->hoveredPoint(), i, 60000);
      QVERIFY(panel->hoverWidget()->isVisible());
      const QImage image = pretext::toQImage(m_dataset.image(pretext::Split::Test, i));
      const int factor = std::max(1, 112 / image.width());
      QVERIFY(factor > 1);  // enlarged
      const QImage expected = image.scaled(image.size() * factor, Qt::IgnoreAspectRatio, Qt::FastTransformation);
      QCOMPARE(panel->hoverImage().convertToFormat(QImage::Format_RGB32), expected.convertToFormat(QImage::Format_RGB32));
      const QString cls = QString::fromStdString(m_dataset.classNames()[std::size_t(m_dataset.label(pretext::Split::Test, i))]);
      QVERIFY2(panel->hoverText().contains(cls), qPrintable(panel->hoverText()));
      QVERIFY(panel->hoverText().contains(QStringLiteral("#%1").arg(i)));
      ++checked;
      // A few pixels off still finds it; far off finds nothing.
      QCOMPARE(panel->pointAt(pixel + QPoint(2, -2)) >= 0, true);
    }
    QVERIFY(checked >= 3);
    // The corner of the axis rect is padded empty: moving there hides the hover.
    const QPoint corner = plot->axisRect()->rect().topLeft() + QPoint(2, 2);
    QCOMPARE(panel->pointAt(corner), -1);
    QTest::mouseMove(plot, corner);
    QTRY_COMPARE_WITH_TIMEOUT(panel->hoveredPoint(), -1, 60000);
    QVERIFY(!panel->hoverWidget()->isVisible());
  }

  void controlsChangeWhatIsComputed() {
    auto panel = shownPanel(QStringLiteral("pca"), 100);
    QSignalSpy shown(panel.get(), &EmbeddingPanel::projectionShown);
    panel->pointsBox()->setValue(60);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(int(panel->projection().x.size()), 60);
    QCOMPARE(panel->projection().kind, std::string("pca"));

    panel->kindBox()->setCurrentIndex(panel->kindBox()->findData(QStringLiteral("tsne")));
    QTRY_VERIFY_WITH_TIMEOUT(panel->busy(), 60000);  // t-SNE takes a while: the panel says so meanwhile
    QVERIFY(panel->message().contains(QLatin1String("t-SNE")));
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 120000);
    const auto& p = panel->projection();
    QCOMPARE(p.kind, std::string("tsne"));
    QCOMPARE(int(p.x.size()), 60);
    pretext::Evaluator ev(m_run.toStdString(), "auto");
    const auto ref = ev.projection("tsne", 60);
    QCOMPARE(p.labels, ref.labels);
    QVERIFY2(axisDistance(p.x, ref.x) <= 1e-3 * spread(ref.x), "t-SNE differs from Evaluator::projection");
    QVERIFY2(axisDistance(p.y, ref.y) <= 1e-3 * spread(ref.y), "t-SNE differs from Evaluator::projection");
    QVERIFY(panel->plot()->xAxis->label().contains(QLatin1String("t-SNE")));

    // More points than the test split has: all of them.
    panel->pointsBox()->setValue(5000);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 3, 120000);
    QCOMPARE(qint64(panel->projection().x.size()), m_dataset.size(pretext::Split::Test));
  }

  void exportsPngPdfAndCsv() {
    auto panel = std::make_unique<EmbeddingPanel>(m_inspector.get());
    QVERIFY(!panel->exportTo(m_tmp.filePath(QStringLiteral("empty.png"))));  // nothing to export yet
    QVERIFY(!panel->exportButton()->isEnabled());
    panel = shownPanel(QStringLiteral("pca"), 80);
    QVERIFY(panel->exportButton()->isEnabled());
    const QString png = m_tmp.filePath(QStringLiteral("e.png"));
    const QString pdf = m_tmp.filePath(QStringLiteral("e.pdf"));
    const QString csv = m_tmp.filePath(QStringLiteral("e.csv"));
    QVERIFY(panel->exportTo(png));
    QVERIFY(panel->exportTo(pdf));
    QVERIFY(panel->exportTo(csv));
    QVERIFY(!QImage(png).isNull());
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    QVERIFY(pdfFile.read(5) == "%PDF-");
    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(csvFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 81);
    QCOMPARE(lines[0], QStringLiteral("test_index,x,y,label,class"));
    const auto& p = panel->projection();
    for (int i : {0, 41, 79}) {
      const QStringList f = lines[i + 1].split(QLatin1Char(','));
      QCOMPARE(f[0].toInt(), i);
      QVERIFY(std::abs(f[1].toDouble() - p.x[std::size_t(i)]) < 1e-5 * (1 + std::abs(p.x[std::size_t(i)])));
      QVERIFY(std::abs(f[2].toDouble() - p.y[std::size_t(i)]) < 1e-5 * (1 + std::abs(p.y[std::size_t(i)])));
      QCOMPARE(f[3].toInt(), p.labels[std::size_t(i)]);
    }
  }

  void failuresSayWhatIsWrong() {
    EmbeddingPanel panel(m_inspector.get());
    QSignalSpy failed(&panel, &EmbeddingPanel::failed);
    QSignalSpy shown(&panel, &EmbeddingPanel::projectionShown);
    panel.pointsBox()->setValue(50);
    panel.show();
    QVERIFY(panel.message().contains(QLatin1String("No run")));
    panel.setRun(m_tmp.path());  // not a run folder
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 60000);
    QVERIFY2(failed.last().at(0).toString().contains(QLatin1String("not a run folder")),
             qPrintable(failed.last().at(0).toString()));
    QVERIFY(panel.message().contains(QLatin1String("not a run folder")));
    QCOMPARE(panel.plot()->graphCount(), 0);

    const QString early = m_tmp.filePath(QStringLiteral("early"));
    QVERIFY(QDir().mkpath(early + QStringLiteral("/checkpoints")));
    QVERIFY(QFile::copy(m_run + QStringLiteral("/config.json"), early + QStringLiteral("/config.json")));
    panel.setRun(early);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 60000);
    QVERIFY2(failed.last().at(0).toString().contains(QLatin1String("no checkpoint yet")),
             qPrintable(failed.last().at(0).toString()));
    QVERIFY(QFile::copy(m_run + QStringLiteral("/checkpoints/last.pt"), early + QStringLiteral("/checkpoints/last.pt")));
    panel.checkpointWritten(early);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(int(panel.projection().x.size()), 50);
    panel.setRun(QString());
    QCOMPARE(panel.plot()->graphCount(), 0);
    QVERIFY(panel.projection().x.empty());
  }

  void hiddenPanelComputesWhenShown() {
    EmbeddingPanel panel(m_inspector.get());
    QSignalSpy shown(&panel, &EmbeddingPanel::projectionShown);
    panel.pointsBox()->setValue(50);
    panel.setRun(m_run);
    QTest::qWait(600);  // past the spin box's debounce
    QVERIFY(!panel.busy());
    QVERIFY(!m_inspector->busy());
    QCOMPARE(shown.count(), 0);
    panel.show();
    QVERIFY(panel.busy());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    panel.hide();
    panel.checkpointWritten(m_run);
    panel.kindBox()->setCurrentIndex(panel.kindBox()->findData(QStringLiteral("tsne")));
    QTest::qWait(100);
    QVERIFY(!panel.busy());
    QCOMPARE(panel.projection().kind, std::string("pca"));
    panel.show();
    QVERIFY(panel.busy());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 60000);
    QCOMPARE(panel.projection().kind, std::string("tsne"));
    QTest::qWait(600);
    QCOMPARE(shown.count(), 2);  // one computation for the two changes
  }

  void destroyedWhileAJobRuns() {
    RunInspector inspector;
    auto* panel = new EmbeddingPanel(&inspector);
    panel->kindBox()->setCurrentIndex(panel->kindBox()->findData(QStringLiteral("tsne")));
    panel->pointsBox()->setValue(120);
    panel->show();
    panel->setRun(m_run);
    QVERIFY(inspector.busy());
    delete panel;
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 120000);
  }

  // PRETEXT_SCREENSHOT_DIR=/tmp/shots PRETEXT_SCREENSHOT_RUN=/path/to/run tst_embeddingpanel tsneProgressScreenshot:
  // the bar while t-SNE iterates (after the features), then Cancel.
  void tsneProgressScreenshot() {
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    const QString run = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUN", m_run);
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR (and PRETEXT_SCREENSHOT_RUN) to save screenshots");
    QDir().mkpath(dir);
    RunInspector inspector;  // nothing cached: the features are extracted first
    EmbeddingPanel panel(&inspector);
    panel.kindBox()->setCurrentIndex(panel.kindBox()->findData(QStringLiteral("tsne")));
    panel.resize(1100, 720);
    panel.show();
    panel.setRun(run);
    const QString iterating = QStringLiteral(" of %1").arg(pretext::TsneOptions().iterations);
    QTRY_VERIFY_WITH_TIMEOUT(panel.busyIndicator()->toolTip().endsWith(iterating) && panel.busyIndicator()->value() > 300, 600000);
    panel.grab().save(dir + QStringLiteral("/embedding-tsne-progress.png"));
    QTest::mouseClick(panel.cancelButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!inspector.busy(), 120000);
    QTest::qWait(200);
    panel.grab().save(dir + QStringLiteral("/embedding-tsne-cancelled.png"));
  }

  // PRETEXT_SCREENSHOT_DIR=/tmp/shots PRETEXT_SCREENSHOT_RUN=/path/to/run tst_embeddingpanel screenshots
  // (on a Fashion-MNIST run and a busy CPU, also QTEST_FUNCTION_TIMEOUT=1200000)
  void screenshots() {
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    const QString run = qEnvironmentVariable("PRETEXT_SCREENSHOT_RUN", m_run);
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR (and PRETEXT_SCREENSHOT_RUN) to save screenshots");
    QDir().mkpath(dir);
    for (const QString kind : {QStringLiteral("pca"), QStringLiteral("tsne")}) {
      for (const bool dark : {false, true}) {
        EmbeddingPanel panel(m_inspector.get());
        if (dark) {
          panel.setPalette(widgettest::darkPalette());
        }
        panel.kindBox()->setCurrentIndex(panel.kindBox()->findData(kind));
        QSignalSpy shown(&panel, &EmbeddingPanel::projectionShown);
        panel.resize(1100, 720);
        panel.show();
        panel.setRun(run);
        QTest::qWait(300);
        if (!dark) panel.grab().save(dir + QStringLiteral("/embedding-%1-busy.png").arg(kind));
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 300000);
        // Hover the point nearest the middle of the plot.
        const QPoint middle = panel.plot()->axisRect()->rect().center();
        int best = 0;
        for (int i = 1; i < int(panel.projection().x.size()); ++i) {
          if (QLineF(panel.pointPosition(i), middle).length() < QLineF(panel.pointPosition(best), middle).length()) best = i;
        }
        QTest::mouseMove(panel.plot(), panel.pointPosition(best).toPoint());
        QTest::qWait(100);
        QPixmap shot = panel.grab();
        if (panel.hoverWidget()->isVisible()) {  // a separate window: paint it where it floats
          QPainter painter(&shot);
          painter.drawPixmap(panel.mapFromGlobal(panel.hoverWidget()->pos()), panel.hoverWidget()->grab());
        }
        shot.save(dir + QStringLiteral("/embedding-%1%2.png").arg(kind, dark ? QStringLiteral("-dark") : QString()));
        panel.exportTo(dir + QStringLiteral("/embedding-%1%2-export.png").arg(kind, dark ? QStringLiteral("-dark") : QString()));
        // A free-form lasso around the middle (a rough circle by mouse events), then one image chosen.
        QTest::mouseMove(panel.plot(), QPoint(2, 2));
        const QRect area = panel.plot()->axisRect()->rect();
        const double radius = std::min(area.width(), area.height()) / 6.0;
        for (int k = 0; k <= 24; ++k) {
          const double a = 2 * M_PI * k / 24.0;
          const QPointF at = QPointF(middle) + QPointF(radius * std::cos(a) * (1 + 0.25 * std::sin(3 * a)), radius * std::sin(a));
          const QEvent::Type type = k == 0 ? QEvent::MouseButtonPress : (k == 24 ? QEvent::MouseButtonRelease : QEvent::MouseMove);
          QMouseEvent e(type, at, panel.plot()->mapToGlobal(at), Qt::LeftButton, k == 24 ? Qt::NoButton : Qt::LeftButton,
                        Qt::ShiftModifier);
          QApplication::sendEvent(panel.plot(), &e);
        }
        if (!panel.selection().empty()) {
          QTest::mouseClick(panel.selectionGrid()->viewport(), Qt::LeftButton, {}, panel.selectionGrid()->tileRect(0).center());
        }
        QTest::qWait(100);
        panel.grab().save(dir + QStringLiteral("/embedding-%1-lasso%2.png").arg(kind, dark ? QStringLiteral("-dark") : QString()));
      }
    }
  }
};

QTEST_MAIN(TstEmbeddingPanel)
#include "tst_embeddingpanel.moc"

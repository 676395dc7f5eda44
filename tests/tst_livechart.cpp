// LiveChart: each series lands in its chart, the random-init reference line, zoom that the data
// does not undo, CSV / PNG / PDF export, and repaints bounded by the timer (not by the points) with
// 100,000 points per series.
#include "livechart.h"

#include <qcustomplot.h>

#include <QElapsedTimer>
#include <QPushButton>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QtTest/QtTest>

#include <cmath>

namespace {

/// Counts the replots of every chart.
struct ReplotCounter {
  explicit ReplotCounter(LiveChart& chart) {
    for (QCustomPlot* p : chart.plots()) QObject::connect(p, &QCustomPlot::afterReplot, [this] { ++count; });
  }
  int count = 0;
};

double lr(int step, int steps) { return 0.1 * 0.5 * (1.0 + std::cos(M_PI * step / steps)); }

QList<QStringList> parseCsv(const QString& text) {
  QList<QStringList> rows;
  for (const QString& line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
    QStringList cells;
    QString cell;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
      const QChar ch = line[i];
      if (quoted) {
        if (ch == QLatin1Char('"') && i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
          cell += ch;
          ++i;
        } else if (ch == QLatin1Char('"')) {
          quoted = false;
        } else {
          cell += ch;
        }
      } else if (ch == QLatin1Char('"')) {
        quoted = true;
      } else if (ch == QLatin1Char(',')) {
        cells << cell;
        cell.clear();
      } else {
        cell += ch;
      }
    }
    cells << cell;
    rows << cells;
  }
  return rows;
}

}  // namespace

class TstLiveChart : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;

 private slots:
  void everySeriesLandsInItsChart() {
    LiveChart chart;
    chart.beginRun(QStringLiteral("a"));
    chart.addEpoch(0, 0.25, true);
    for (int i = 1; i <= 50; ++i) chart.addStep(i, 2.0 / i, lr(i, 50), 100.0 + i);
    chart.addStep(51, 0.1);  // no learning rate nor throughput reported: only the loss gets a point
    chart.addEpoch(1, 0.5);
    chart.addEpoch(2, -1.0);  // not measured
    QCOMPARE(chart.lossPlot()->graphCount(), 2);
    QCOMPARE(chart.lossPlot()->graph(0)->dataCount(), 51);
    QCOMPARE(chart.lossPlot()->graph(1)->dataCount(), 51);
    QCOMPARE(chart.lrPlot()->graph(0)->dataCount(), 50);
    QCOMPARE(chart.speedPlot()->graph(0)->dataCount(), 50);
    QCOMPARE(chart.knnPlot()->graph(0)->dataCount(), 2);  // before training (epoch 0) and epoch 1
    QCOMPARE(chart.lrPlot()->graph(0)->data()->at(0)->value, lr(1, 50));
    QCOMPARE(chart.speedPlot()->graph(0)->data()->at(49)->value, 150.0);
    QCOMPARE(chart.knnPlot()->graph(0)->data()->at(1)->value, 50.0);
    // The smoothed loss is the bias-corrected moving average: its first point is the first loss.
    QCOMPARE(chart.lossPlot()->graph(1)->data()->at(0)->value, 2.0);
    const double second = (0.9 * 0.1 * 2.0 + 0.1 * 1.0) / (0.9 * 0.1 + 0.1);
    QVERIFY(std::abs(chart.lossPlot()->graph(1)->data()->at(1)->value - second) < 1e-12);

    chart.beginRun(QStringLiteral("a"));  // the same name again: the legend and CSV still tell them apart
    QCOMPARE(chart.runs(), 2);
    QCOMPARE(chart.runName(1), QStringLiteral("a (2)"));
    for (QCustomPlot* p : {chart.knnPlot(), chart.lrPlot(), chart.speedPlot()}) {
      QCOMPARE(p->graphCount(), 2);
      QVERIFY(p->graph(0)->pen().color() != p->graph(1)->pen().color());
    }
    QCOMPARE(chart.lossPlot()->graphCount(), 4);
    QCOMPARE(chart.lossPlot()->graph(3)->name(), QStringLiteral("a (2)"));
  }

  // A resumed run reports the steps after its checkpoint again: they replace the points from there
  // on in every step series and in the k-NN chart, and the smoothed line is the moving average of
  // the points kept (computed here independently over the final sequence).
  void repeatedStepsReplaceThePointsFromThere() {
    LiveChart chart;
    chart.beginRun(QStringLiteral("r"));
    chart.addEpoch(0, 0.2, true);
    for (int i = 1; i <= 10; ++i) chart.addStep(i, 3.0 - 0.1 * i, 0.01 * i, 100.0 + i);
    for (int e = 1; e <= 2; ++e) chart.addEpoch(e, 0.3 + 0.1 * e);
    std::vector<double> losses;
    for (int i = 1; i <= 5; ++i) losses.push_back(3.0 - 0.1 * i);
    for (int i = 6; i <= 12; ++i) {  // resumed after step 5 (epoch 1), on to step 12
      const double loss = 1.0 + 0.05 * i;
      losses.push_back(loss);
      chart.addStep(i, loss, 0.02 * i, 200.0 + i);
    }
    chart.addEpoch(2, 0.9);
    QCPGraph* raw = chart.lossPlot()->graph(0);
    QCPGraph* smooth = chart.lossPlot()->graph(1);
    QCOMPARE(raw->dataCount(), 12);
    QCOMPARE(smooth->dataCount(), 12);
    QCOMPARE(chart.lrPlot()->graph(0)->dataCount(), 12);
    QCOMPARE(chart.speedPlot()->graph(0)->dataCount(), 12);
    double ema = 0.0, weight = 0.0;
    for (int i = 0; i < 12; ++i) {
      QCOMPARE(raw->data()->at(i)->key, double(i + 1));
      QCOMPARE(raw->data()->at(i)->value, losses[std::size_t(i)]);
      ema = 0.9 * ema + 0.1 * losses[std::size_t(i)];
      weight = 0.9 * weight + 0.1;
      QVERIFY2(std::abs(smooth->data()->at(i)->value - ema / weight) < 1e-12, qPrintable(QString::number(i + 1)));
    }
    QCOMPARE(chart.lrPlot()->graph(0)->data()->at(5)->value, 0.12);
    QCOMPARE(chart.speedPlot()->graph(0)->data()->at(4)->value, 105.0);
    // k-NN: before training, epoch 1, and epoch 2 measured again.
    QCOMPARE(chart.knnPlot()->graph(0)->dataCount(), 3);
    QCOMPARE(chart.knnPlot()->graph(0)->data()->at(2)->value, 90.0);
  }

  void randomInitIsADashedLineInView() {
    LiveChart chart;
    chart.resize(900, 600);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.beginRun(QStringLiteral("rotation"));
    chart.addEpoch(0, 0.125, true);
    chart.addEpoch(1, 0.6);
    chart.addEpoch(2, 0.7);
    QCOMPARE(chart.randomInitAccuracy(0), 12.5);
    QCOMPARE(chart.knnPlot()->itemCount(), 2);  // the line and its label
    auto* line = qobject_cast<QCPItemStraightLine*>(chart.knnPlot()->item(0));
    auto* label = qobject_cast<QCPItemText*>(chart.knnPlot()->item(1));
    QVERIFY(line && label);
    QCOMPARE(line->point1->coords().y(), 12.5);
    QCOMPARE(line->point2->coords().y(), 12.5);  // horizontal
    QCOMPARE(line->pen().style(), Qt::DashLine);
    QCOMPARE(line->pen().color(), chart.knnPlot()->graph(0)->pen().color());
    QCOMPARE(label->text(), QStringLiteral("random init (12.5%)"));

    // A run without a measurement before training has no line; labels of several lines do not overlap.
    chart.beginRun(QStringLiteral("resumed"));
    chart.addEpoch(3, 0.72);
    QCOMPARE(chart.randomInitAccuracy(1), -1.0);
    QCOMPARE(chart.knnPlot()->itemCount(), 2);
    chart.beginRun(QStringLiteral("simclr"));
    chart.addEpoch(0, 0.1, true);
    QCOMPARE(chart.knnPlot()->itemCount(), 4);
    auto* second = qobject_cast<QCPItemText*>(chart.knnPlot()->item(3));
    QVERIFY(second);
    QCOMPARE(second->text(), QStringLiteral("random init (10.0%)"));
    QCOMPARE(second->color(), chart.knnPlot()->graph(2)->pen().color());
    // Equal accuracies would put the labels on top of each other: one goes above its line, one below.
    QVERIFY(label->positionAlignment() & Qt::AlignBottom);
    QVERIFY(second->positionAlignment() & Qt::AlignTop);

    // The chart follows its data and keeps the reference lines in view (at its next replot: waited
    // for, not assumed within a few intervals, which a busy machine may not give the event loop).
    QTRY_VERIFY2_WITH_TIMEOUT(chart.knnPlot()->yAxis->range().lower < 10.0 && chart.knnPlot()->yAxis->range().upper > 72.0,
                              qPrintable(QStringLiteral("%1..%2")
                                             .arg(chart.knnPlot()->yAxis->range().lower)
                                             .arg(chart.knnPlot()->yAxis->range().upper)),
                              60000);
    const QCPRange x = chart.knnPlot()->xAxis->range();
    QVERIFY(x.lower < 0.0 && x.upper > 3.0);
  }

  void zoomIsKeptUntilReset() {
    LiveChart chart;
    chart.resize(900, 600);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.beginRun(QStringLiteral("a"));
    for (int i = 1; i <= 200; ++i) chart.addStep(i, 1.0 / i, lr(i, 400), 500.0);
    QTRY_COMPARE_WITH_TIMEOUT(chart.lossPlot()->xAxis->range().upper, 200.0, 60000);
    QVERIFY(chart.followsData(chart.lossPlot()));

    // The mouse wheel over the loss chart zooms it; the other step charts show the same steps.
    const QPoint centre = chart.lossPlot()->axisRect()->rect().center();
    QWheelEvent wheel(centre, chart.lossPlot()->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(chart.lossPlot(), &wheel);
    const QCPRange zoomed = chart.lossPlot()->xAxis->range();
    QVERIFY2(zoomed.size() < 199.0, qPrintable(QStringLiteral("%1..%2").arg(zoomed.lower).arg(zoomed.upper)));
    QVERIFY(!chart.followsData(chart.lossPlot()));
    QVERIFY(!chart.followsData(chart.lrPlot()));
    QCOMPARE(chart.lrPlot()->xAxis->range(), zoomed);
    QCOMPARE(chart.speedPlot()->xAxis->range(), zoomed);
    QVERIFY(chart.followsData(chart.knnPlot()));  // epochs are another axis

    // New points do not undo the zoom (checked after the replot they cause) ...
    {
      int lossReplots = 0;
      QObject context;
      QObject::connect(chart.lossPlot(), &QCustomPlot::afterReplot, &context, [&] { ++lossReplots; });
      for (int i = 201; i <= 400; ++i) chart.addStep(i, 1.0 / i, lr(i, 400), 500.0);
      QTRY_VERIFY_WITH_TIMEOUT(lossReplots > 0, 60000);
    }
    QCOMPARE(chart.lossPlot()->xAxis->range(), zoomed);
    // ... until Reset zoom, which shows them all and follows again.
    QTest::mouseClick(chart.resetZoomButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(chart.lossPlot()->xAxis->range().upper, 400.0, 60000);
    QTRY_COMPARE_WITH_TIMEOUT(chart.lrPlot()->xAxis->range().upper, 400.0, 60000);
    QVERIFY(chart.followsData(chart.lossPlot()));
    QCOMPARE(chart.lrPlot()->yAxis->range().lower, 0.0);  // rates are read from zero
  }

  void csvNamesRunAndSeries() {
    LiveChart chart;
    chart.beginRun(QStringLiteral("simclr, light"));  // a comma: the cell is quoted
    chart.addEpoch(0, 0.25, true);
    for (int i = 1; i <= 3; ++i) chart.addStep(i, 1.0 / i, 0.01 * i, 10.0 * i);
    chart.addEpoch(1, 0.5);
    chart.beginRun(QStringLiteral("rotation"));
    chart.addStep(1, 4.0, 0.2, 7.0);
    const QString path = m_tmp.filePath(QStringLiteral("series.csv"));
    QVERIFY(chart.saveCsv(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const auto rows = parseCsv(QString::fromUtf8(file.readAll()));
    QCOMPARE(rows.first(), (QStringList{"run", "series", "x_axis", "x", "y"}));
    // 3 steps x 4 step series + 2 k-NN points + the random-init line, then 1 step x 4 series.
    QCOMPARE(rows.size(), 1 + 3 * 4 + 2 + 1 + 4);
    auto find = [&](const QString& run, const QString& series, double x) -> QStringList {
      for (const auto& r : rows)
        if (r.size() == 5 && r[0] == run && r[1] == series && r[3].toDouble() == x) return r;
      return {};
    };
    QCOMPARE(find("simclr, light", "loss", 2).value(4).toDouble(), 0.5);
    QCOMPARE(find("simclr, light", "learning rate", 3).value(4).toDouble(), 0.03);
    QCOMPARE(find("simclr, light", "images/s", 1).value(2), QStringLiteral("step"));
    QCOMPARE(find("simclr, light", "k-NN accuracy (%)", 1).value(4).toDouble(), 50.0);
    QCOMPARE(find("simclr, light", "k-NN accuracy (%)", 1).value(2), QStringLiteral("epoch"));
    QCOMPARE(find("simclr, light", "random init k-NN accuracy (%)", 0).value(4).toDouble(), 25.0);
    QCOMPARE(find("rotation", "images/s", 1).value(4).toDouble(), 7.0);
    QVERIFY(find("rotation", "random init k-NN accuracy (%)", 0).isEmpty());
  }

  void pngAndPdfExport() {
    LiveChart chart;
    chart.resize(900, 600);
    chart.beginRun(QStringLiteral("a"));
    chart.addEpoch(0, 0.2, true);
    for (int i = 1; i <= 100; ++i) chart.addStep(i, 1.0 / i, lr(i, 100), 300.0);
    chart.addEpoch(1, 0.4);
    const QString png = m_tmp.filePath(QStringLiteral("charts.png"));
    QVERIFY(chart.saveImage(png, 1000, 700));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1000, 700));
    // Each quarter holds a chart: the run's colour appears in all four.
    const QColor blue = chart.lossPlot()->graph(1)->pen().color();
    for (int quarter = 0; quarter < 4; ++quarter) {
      const QRect cell((quarter % 2) * 500, (quarter / 2) * 350, 500, 350);
      bool found = false;
      for (int y = cell.top(); y <= cell.bottom() && !found; ++y)
        for (int x = cell.left(); x <= cell.right() && !found; ++x) found = QColor(image.pixel(x, y)) == blue;
      QVERIFY2(found, qPrintable(QStringLiteral("no curve in chart %1").arg(quarter)));
    }
    const QString pdf = m_tmp.filePath(QStringLiteral("charts.pdf"));
    QVERIFY(chart.saveImage(pdf));
    QFile file(pdf);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.read(5) == "%PDF-");
  }

  void hundredThousandPointsReplotAtTheTimersRate() {
    LiveChart chart;
    chart.resize(1000, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.beginRun(QStringLiteral("long run"));
    chart.addEpoch(0, 0.1, true);
    QTRY_VERIFY_WITH_TIMEOUT(chart.knnPlot()->xAxis->range().lower < 0.0, 60000);  // fitted to the epoch
    QTest::qWait(3 * LiveChart::kReplotIntervalMs);  // and replotted
    ReplotCounter replots(chart);

    // Points without an event loop in between: nothing repaints while they arrive.
    constexpr int kPoints = 100000;
    constexpr int kChunk = 500;
    for (int i = 1; i <= kChunk; ++i) chart.addStep(i, 1.0 / i, lr(i, kPoints), 1000.0);
    QCOMPARE(replots.count, 0);

    // The rest as a fast training run sends them, in 200 chunks over at least 400 ms: the event loop
    // runs between chunks.
    QElapsedTimer elapsed;
    elapsed.start();
    for (int start = kChunk + 1; start <= kPoints; start += kChunk) {
      for (int i = start; i < start + kChunk; ++i) chart.addStep(i, 1.0 / i + 0.01 * std::sin(i), lr(i, kPoints), 1000.0 + i % 7);
      QTest::qWait(2);
    }
    // The charts fit the last points (waited for: a busy machine may hold the event loop back for
    // longer than a few intervals); the wait's first pass of the event loop runs the replots queued then.
    QTRY_COMPARE_WITH_TIMEOUT(chart.lossPlot()->xAxis->range().upper, double(kPoints), 60000);
    QTest::qWait(3 * LiveChart::kReplotIntervalMs);
    const qint64 ms = elapsed.elapsed();
    for (QCustomPlot* p : {chart.lossPlot(), chart.lrPlot(), chart.speedPlot()}) QCOMPARE(p->graph(0)->dataCount(), kPoints);
    QCOMPARE(chart.lossPlot()->graph(1)->dataCount(), kPoints);
    // 200 chunks arrived; at most one repaint per step chart per timer interval (plus the last one),
    // however many points: 3 step charts x (elapsed / interval + 2).
    const qint64 bound = 3 * (ms / LiveChart::kReplotIntervalMs + 2);
    qInfo("100,000 points per series in %lld ms: %d replots (bound %lld); a replot took %.1f ms on average", ms,
          replots.count, bound, chart.lossPlot()->replotTime(true));
    QVERIFY(replots.count >= 6);  // the charts were redrawn while the points arrived, not only at the end
    QVERIFY2(replots.count <= bound, qPrintable(QStringLiteral("%1 replots in %2 ms").arg(replots.count).arg(ms)));
    QCOMPARE(chart.lossPlot()->xAxis->range().upper, double(kPoints));

    // Idle: no repaint at all.
    const int settled = replots.count;
    QTest::qWait(10 * LiveChart::kReplotIntervalMs);
    QCOMPARE(replots.count, settled);

    // A full replot of 100,000 points per series, timed for the log only (no pass/fail on a busy machine).
    QElapsedTimer one;
    one.start();
    for (QCustomPlot* p : chart.plots()) p->replot(QCustomPlot::rpImmediateRefresh);
    qInfo("an immediate replot of the four charts took %lld ms", one.elapsed());
  }

  void screenshot() {
    const QString dir = qEnvironmentVariable("PRETEXT_SCREENSHOT_DIR");
    if (dir.isEmpty()) QSKIP("set PRETEXT_SCREENSHOT_DIR to save a screenshot");
    LiveChart chart;
    chart.resize(1100, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const int steps = 40, epochs = 10;
    const QStringList names{QStringLiteral("SimCLR"), QStringLiteral("rotation")};
    for (int r = 0; r < 2; ++r) {
      chart.beginRun(names[r]);
      chart.addEpoch(0, 0.42 + 0.01 * r, true);
      for (int e = 0; e < epochs; ++e) {
        for (int s = 1; s <= steps; ++s) {
          const int g = e * steps + s;
          const double warm = std::min(1.0, g / double(steps));
          const double rate = 0.3 * warm * 0.5 * (1 + std::cos(M_PI * g / (steps * epochs)));
          chart.addStep(g, (r ? 1.2 : 5.0) * std::exp(-g / 150.0) + 0.3 + 0.05 * std::sin(g * 1.7), rate,
                        (r ? 900 : 600) + 40 * std::sin(g / 5.0));
        }
        chart.addEpoch(e + 1, 0.55 + 0.2 * (1 - std::exp(-e / 3.0)) - 0.08 * r);
      }
    }
    QTest::qWait(5 * LiveChart::kReplotIntervalMs);
    QVERIFY(chart.grab().save(QDir(dir).filePath(QStringLiteral("livechart.png"))));
    QVERIFY(chart.saveImage(QDir(dir).filePath(QStringLiteral("livechart-export.png"))));
    QVERIFY(chart.saveImage(QDir(dir).filePath(QStringLiteral("livechart-export.pdf"))));
    QVERIFY(chart.saveCsv(QDir(dir).filePath(QStringLiteral("livechart.csv"))));
  }
};

QTEST_MAIN(TstLiveChart)
#include "tst_livechart.moc"

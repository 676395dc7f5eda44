// Following a run folder that another process writes: the incremental metrics.csv reader (rows
// written in pieces, half lines, truncation, a replaced file, a file that appears late), the window
// following a folder (the chart's points, the inspection panels on a new checkpoint), and the
// Training panel's processes (pretext-cli train --nproc 2 on the shapes, its run folder and chart).
#include "experimentpresets.h"
#include "filterspanel.h"
#include "livechart.h"
#include "mainwindow.h"
#include "qtconvert.h"
#include "runfollower.h"
#include "trainingpanel.h"
#include "processutil.h"
#include "runconfig.h"
#include "widgettestutil.h"

#include "testconfig.h"

#include <pretext/evaluation.h>
#include <pretext/metrics.h>
#include <pretext/runwriter.h>

#include <qcustomplot.h>

#include <QAction>
#include <QComboBox>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QMessageBox>
#include <QTimer>
#include <QPushButton>
#include <QThread>
#include <QProcess>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <csignal>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

void appendBytes(const QString& path, const std::string& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::Append));
  QCOMPARE(f.write(bytes.data(), qint64(bytes.size())), qint64(bytes.size()));
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Writes `bytes` to `path` through a temporary file and a rename, as the Trainer writes checkpoints.
bool writeAtomically(const QString& path, const QByteArray& bytes) {
  const QString tmp = path + QStringLiteral(".tmp");
  QFile f(tmp);
  if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) return false;
  f.close();
  return std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) == 0;
}

/// Whether `a` is the row `b` as metrics.csv keeps it (6 significant digits, fixed decimals).
bool sameRow(const pretext::MetricsRow& a, const pretext::MetricsRow& b) {
  auto close = [](double x, double y) { return std::abs(x - y) <= 1e-5 * std::max(1.0, std::abs(y)) + 0.05 * (y > 100); };
  if (a.kind != b.kind || a.epoch != b.epoch || a.globalStep != b.globalStep || !close(a.loss, b.loss)) return false;
  if (a.isStep()) return a.step == b.step && close(a.learningRate, b.learningRate) && std::abs(a.imagesPerSecond - b.imagesPerSecond) <= 0.05;
  return std::abs(a.knnAccuracy - b.knnAccuracy) <= 5e-5 && std::abs(a.seconds - b.seconds) <= 0.005;
}

std::vector<pretext::MetricsRow> someRows(int n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<pretext::MetricsRow> rows;
  for (int i = 0; i < n; ++i) {
    if (i % 7 == 6) rows.push_back(pretext::MetricsRow::epochRow(i / 7, i, 5 * u(rng), 1000 * u(rng), u(rng), 10 * u(rng)));
    else rows.push_back(pretext::MetricsRow::stepRow(i / 7, i % 7 + 1, i, 8 * u(rng), -1.0, 0.1 * u(rng), 900 * u(rng)));
  }
  return rows;
}

/// A supervised run without augmentation: nothing random but the epoch order, which the checkpoint
/// keeps, so that a resume with the same number of processes continues exactly. 4 steps an epoch.
QStringList exactArgs(const QString& out, int nproc, int epochs = 20) {
  QStringList a{"train", "--dataset", "shapes", "--method", "supervised", "--width", "4", "--augment", "none",
                "--optimizer", "sgd", "--lr", "0.05", "--epochs", QString::number(epochs), "--batch-size", "32",
                "--subset", "128", "--no-knn", "--threads", "2", "--quiet", "--out", out};
  if (nproc > 1) a << "--nproc" << QString::number(nproc);
  return a;
}

std::vector<pretext::MetricsRow> stepRows(const QString& run) {
  std::vector<pretext::MetricsRow> steps;
  for (const auto& r : pretext::readMetrics((run + QStringLiteral("/metrics.csv")).toStdString())) {
    if (r.isStep()) steps.push_back(r);
  }
  return steps;
}

/// Waits until `runDir` has a checkpoint and metrics.csv a step after it, early in the next epoch,
/// then SIGKILLs the process that writes it (rank 0). Its pid, or 0 when the run ended first.
qint64 killWriterAfterCheckpoint(const std::string& runDir, QProcess& cli) {
  QElapsedTimer clock;
  clock.start();
  while (cli.state() != QProcess::NotRunning && clock.elapsed() < 240000) {
    const pretext::RunWriterStatus s = pretext::runWriterStatus(runDir);
    if (s.kind == pretext::RunWriterStatus::Kind::Running && s.record.checkpointStep >= 0) {
      std::int64_t last = -1;
      try {
        for (const auto& r : pretext::readMetrics(runDir + "/metrics.csv")) last = std::max(last, r.globalStep);
      } catch (const std::exception&) {
      }
      if (last > s.record.checkpointStep && last % 4 != 0 && last % 4 != 3) {
        if (::kill(pid_t(s.record.pid), SIGKILL) != 0) return 0;
        return s.record.pid;
      }
    }
    QThread::msleep(2);
  }
  return 0;
}

/// The resume line `pretext-cli status RUN` prints ("" when none).
QString statusResumeLine(const QString& run) {
  QProcess status;
  status.start(QStringLiteral(PRETEXT_CLI), {QStringLiteral("status"), run});
  if (!status.waitForFinished(60000)) return {};
  for (const QString& line : QString::fromUtf8(status.readAllStandardOutput()).split(QLatin1Char('\n'))) {
    if (line.startsWith(QLatin1String("resume: "))) return line.mid(8);
  }
  return {};
}

/// `run`, resumed after a kill, against the uninterrupted `reference`: each step once, 1..steps in
/// order, the losses equal to metrics.csv's 6 digits, and the same first-layer weights.
void sameAsUninterrupted(const QString& run, const QString& reference, int steps) {
  const auto resumed = stepRows(run), whole = stepRows(reference);
  QCOMPARE(int(whole.size()), steps);
  QCOMPARE(int(resumed.size()), steps);
  for (int i = 0; i < steps; ++i) {
    QCOMPARE(resumed[std::size_t(i)].globalStep, std::int64_t(i + 1));
    const double a = resumed[std::size_t(i)].loss, b = whole[std::size_t(i)].loss;
    QVERIFY2(std::abs(a - b) <= 2e-6 * std::max(1.0, std::abs(b)),
             qPrintable(QStringLiteral("step %1: loss %2 resumed, %3 uninterrupted").arg(i + 1).arg(a, 0, 'g', 9).arg(b, 0, 'g', 9)));
  }
  const pretext::FilterBank w = pretext::Evaluator(run.toStdString()).filters();
  const pretext::FilterBank v = pretext::Evaluator(reference.toStdString()).filters();
  QVERIFY(!w.empty());
  QCOMPARE(w.weights.size(), v.weights.size());
  double most = 0.0;
  for (std::size_t i = 0; i < w.weights.size(); ++i) most = std::max(most, double(std::abs(w.weights[i] - v.weights[i])));
  qInfo("first-layer weights after the resume differ from the uninterrupted run's by at most %.3g", most);
  QVERIFY(most <= 1e-5);
}

/// The chart's last run has exactly the points 1..steps.
void chartHasEachStepOnce(LiveChart* chart, int steps) {
  QCPGraph* loss = chart->lossPlot()->graph(2 * (chart->runs() - 1));
  QCOMPARE(loss->dataCount(), steps);
  for (int i = 0; i < steps; ++i) QCOMPARE(loss->data()->at(i)->key, double(i + 1));
}

pretext::Dataset shapes() {
  pretext::DatasetSpec spec;
  spec.kind = "shapes";
  spec.shapesPerClass = 16;
  return pretext::Dataset::load(spec);
}

/// Every file under `dir` (relative path -> bytes), to tell a folder left untouched.
QMap<QString, QByteArray> folderContents(const QString& dir) {
  QMap<QString, QByteArray> files;
  QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString file = it.next();
    files.insert(QDir(dir).relativeFilePath(file), readAll(file));
  }
  return files;
}

/// Answers the modal question box the code under test opens (QMessageBox::question) with `answer`,
/// as a person would, and keeps its text; it polls, so nothing blocks. Saves a picture of it to
/// $PRETEXT_FOLLOW_SHOTS/`shot` when that is set.
class QuestionAnswerer : public QObject {
 public:
  QuestionAnswerer(QMessageBox::StandardButton answer, QString shot) : m_answer(answer), m_shot(std::move(shot)) {
    connect(&m_timer, &QTimer::timeout, this, [this] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box || !box->button(m_answer)) return;
      ++asked;
      text = box->text();
      buttons = box->standardButtons();
      if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) box->grab().save(QString::fromLocal8Bit(shots) + "/" + m_shot);
      box->button(m_answer)->click();
    });
    m_timer.start(20);
  }
  int asked = 0;
  QString text;
  QMessageBox::StandardButtons buttons;

 private:
  QMessageBox::StandardButton m_answer;
  QString m_shot;
  QTimer m_timer;
};

/// Two epochs of three steps, as metrics.csv holds them (header, step rows, epoch rows).
std::string twoEpochRows() {
  std::string text = pretext::metricsHeader() + "\n";
  for (int e = 0; e < 2; ++e) {
    for (int s = 1; s <= 3; ++s) text += pretext::formatMetricsRow(pretext::MetricsRow::stepRow(e, s, 3 * e + s, 2.0, -1.0, 0.1, 500.0)) + "\n";
    text += pretext::formatMetricsRow(pretext::MetricsRow::epochRow(e, 3 * e + 3, 2.0, 500.0, -1.0, 1.0)) + "\n";
  }
  return text;
}

/// A pid that has ended, with its start token: a `sleep` of this test, started, killed and reaped.
bool endedProcess(std::int64_t& pid, std::string& start) {
  QProcess sleeper;
  sleeper.start(QStringLiteral("sleep"), {QStringLiteral("60")});
  if (!sleeper.waitForStarted()) return false;
  pid = sleeper.processId();
  start = pretext::processStartToken(pid);
  sleeper.kill();
  return !start.empty() && sleeper.waitForFinished() && testutil::processEnded(pid);
}

}  // namespace

class TstRunFollow : public QObject {
  Q_OBJECT
  QTemporaryDir m_tmp;

  QString path(const QString& name) const { return m_tmp.filePath(name); }

 private slots:
  void initTestCase() { QVERIFY(m_tmp.isValid()); }

  // Rows appended in pieces of every size, cutting lines anywhere: each poll returns exactly the
  // rows whose newline has been written, in order, and nothing twice.
  void tailReadsCompleteLinesOnly() {
    const QString file = path(QStringLiteral("tail.csv"));
    pretext::MetricsTail tail(QFile::encodeName(file).toStdString());
    QVERIFY(tail.poll().rows.empty());  // not there yet
    const auto rows = someRows(60, 7);
    std::string text = pretext::metricsHeader() + "\n";
    std::vector<std::size_t> ends;  // where each row's line ends (after its newline)
    for (const auto& r : rows) {
      text += pretext::formatMetricsRow(r) + "\n";
      ends.push_back(text.size());
    }
    std::mt19937 rng(3);
    std::vector<pretext::MetricsRow> read;
    std::size_t written = 0;
    int halfLines = 0;
    while (written < text.size()) {
      const std::size_t piece = std::min<std::size_t>(text.size() - written, 1 + rng() % 90);
      appendBytes(file, text.substr(written, piece));
      written += piece;
      if (text[written - 1] != '\n') ++halfLines;
      const auto update = tail.poll();
      QVERIFY(!update.restarted);
      QVERIFY(update.malformed.empty());
      read.insert(read.end(), update.rows.begin(), update.rows.end());
      const auto complete = std::size_t(std::upper_bound(ends.begin(), ends.end(), written) - ends.begin());
      QCOMPARE(read.size(), complete);
      QCOMPARE(tail.offset(), complete == 0 ? std::uint64_t(text.find('\n') + 1 <= written ? text.find('\n') + 1 : 0)
                                            : std::uint64_t(ends[complete - 1]));
    }
    QVERIFY(halfLines > 10);
    QCOMPARE(read.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) QVERIFY2(sameRow(read[i], rows[i]), qPrintable(QString::number(i)));
    QVERIFY(tail.poll().rows.empty());  // nothing new
  }

  // Truncated, replaced or deleted: the reader starts over and says so; a malformed complete line
  // is reported, not taken.
  void tailStartsOverOnTruncationAndReplacement() {
    const QString file = path(QStringLiteral("tail2.csv"));
    pretext::MetricsTail tail(QFile::encodeName(file).toStdString());
    const auto rows = someRows(20, 11);
    std::string all = pretext::metricsHeader() + "\n";
    for (const auto& r : rows) all += pretext::formatMetricsRow(r) + "\n";
    appendBytes(file, all);
    QCOMPARE(tail.poll().rows.size(), rows.size());

    // Truncated (a run started again in the same folder): shorter than what was read.
    QVERIFY(QFile::resize(file, 0));
    appendBytes(file, pretext::metricsHeader() + "\n" + pretext::formatMetricsRow(rows[3]) + "\n");
    auto update = tail.poll();
    QVERIFY(update.restarted);
    QCOMPARE(update.rows.size(), std::size_t(1));
    QVERIFY(sameRow(update.rows[0], rows[3]));

    // Replaced by a longer file with other bytes before the read position.
    std::string other = pretext::metricsHeader() + "\n";
    for (int i = 10; i < 20; ++i) other += pretext::formatMetricsRow(rows[std::size_t(i)]) + "\n";
    QVERIFY(writeAtomically(file, QByteArray::fromStdString(other)));
    update = tail.poll();
    QVERIFY(update.restarted);
    QCOMPARE(update.rows.size(), std::size_t(10));
    for (std::size_t i = 0; i < 10; ++i) QVERIFY(sameRow(update.rows[i], rows[10 + i]));

    appendBytes(file, "step,1,2,oops\n" + pretext::formatMetricsRow(rows[0]) + "\n");
    update = tail.poll();
    QVERIFY(!update.restarted);
    QCOMPARE(update.rows.size(), std::size_t(1));
    QCOMPARE(update.malformed.size(), std::size_t(1));
    QVERIFY(update.malformed[0].find("line 12: step,1,2,oops") == 0);

    QVERIFY(QFile::remove(file));
    QVERIFY(tail.poll().restarted);
    QVERIFY(!tail.poll().restarted);
  }

  // A config.json that is not a valid config is said once, naming the file and the key, and read
  // as soon as it is mended; a folder without one says nothing.
  void followerSaysABrokenConfigOnce() {
    const QString run = path(QStringLiteral("broken-config"));
    QVERIFY(QDir().mkpath(run));
    RunFollower follower;
    QSignalSpy messages(&follower, &RunFollower::message);
    QSignalSpy configs(&follower, &RunFollower::configRead);
    follower.follow(run);
    follower.poll();
    QCOMPARE(messages.count(), 0);  // no config.json yet: a starting run

    const QString config = run + QStringLiteral("/config.json");
    QVERIFY(writeAtomically(config, QByteArrayLiteral(R"({"epochs": "many"})")));
    for (int i = 0; i < 3; ++i) follower.poll();
    QCOMPARE(messages.count(), 1);
    const QString text = messages.at(0).at(0).toString();
    QVERIFY2(text.startsWith(QDir::toNativeSeparators(config) + QStringLiteral(": ")) && text.contains(QStringLiteral("'epochs'")),
             qPrintable(text));
    QCOMPARE(configs.count(), 0);
    QCOMPARE(follower.epochs(), 0);

    pretext::TrainConfig c;
    c.epochs = 7;
    c.batchSize = 24;
    QVERIFY(writeAtomically(config, QByteArray::fromStdString(pretext::configToJson(c))));
    for (int i = 0; i < 3; ++i) follower.poll();
    QCOMPARE(configs.count(), 1);  // once, not at every poll
    QCOMPARE(configs.at(0).at(0).value<pretext::TrainConfig>().batchSize, 24);
    QCOMPARE(follower.epochs(), 7);
    QCOMPARE(messages.count(), 1);

    QVERIFY(writeAtomically(config, QByteArrayLiteral("{")));  // broken again (a hand edit): said again
    {  // a modification time the follower has not seen, however coarse the filesystem's clock
      QFile f(config);
      QVERIFY(f.open(QIODevice::ReadWrite));
      QVERIFY(f.setFileTime(QDateTime::currentDateTime().addSecs(5), QFileDevice::FileModificationTime));
    }
    for (int i = 0; i < 3; ++i) follower.poll();
    QCOMPARE(messages.count(), 2);
    QVERIFY2(messages.at(1).at(0).toString().startsWith(QDir::toNativeSeparators(config)), qPrintable(messages.at(1).at(0).toString()));
    QCOMPARE(configs.count(), 1);
    follower.stop();
  }

  // The Training panel following a run whose config.json is there but broken (not JSON, a wrong
  // type, cut short) says so over its form, naming the file and what is wrong as readRunConfig has
  // it, while the curves still grow from metrics.csv; once config.json is mended the note goes and
  // the form shows the run's settings.
  void panelSaysABrokenConfig() {
    pretext::TrainConfig good;
    good.epochs = 7;
    good.batchSize = 24;
    const std::string json = pretext::configToJson(good);
    const std::vector<std::pair<QString, QByteArray>> broken{
        {QStringLiteral("not-json"), QByteArrayLiteral("this is not JSON")},
        {QStringLiteral("wrong-type"), QByteArrayLiteral(R"({"epochs": "many"})")},
        {QStringLiteral("cut-short"), QByteArray::fromStdString(json.substr(0, json.size() / 2))}};
    const auto rows = someRows(20, 5);
    std::string text = pretext::metricsHeader() + "\n";
    int steps = 0;
    for (const auto& r : rows) {
      text += pretext::formatMetricsRow(r) + "\n";
      steps += r.isStep();
    }
    for (const auto& [name, bytes] : broken) {
      const QString run = path(QStringLiteral("panel-broken-") + name);
      QVERIFY(QDir().mkpath(run));
      const QString config = run + QStringLiteral("/config.json");
      QVERIFY(writeAtomically(config, bytes));
      appendBytes(run + QStringLiteral("/metrics.csv"), text);
      TrainingPanel panel;
      panel.follower()->setPollInterval(20);
      QVERIFY(panel.epochsBox()->value() != 7 && panel.batchBox()->value() != 24);
      QVERIFY(panel.followRun(run));  // its first poll runs at once
      QLabel* note = panel.followedConfigError();
      QVERIFY2(!note->isHidden(), qPrintable(name));
      const RunConfigRead read = readRunConfig(run);
      QVERIFY(!read.config && !read.error.isEmpty());
      // The full path once, then what is wrong (was: "<path>: config.json: …").
      QVERIFY2(read.error.startsWith(QDir::toNativeSeparators(config) + QStringLiteral(": ")), qPrintable(read.error));
      QCOMPARE(read.error.count(QStringLiteral("config.json")), 1);
      if (name == QStringLiteral("wrong-type")) {
        QCOMPARE(read.error, QDir::toNativeSeparators(config) + QStringLiteral(": 'epochs': expected a number, found string"));
      } else {
        QVERIFY2(read.error.contains(QStringLiteral("json.exception")), qPrintable(read.error));  // the parse detail kept
      }
      QVERIFY2(note->text().contains(read.error), qPrintable(note->text()));
      QVERIFY2(note->text().contains(QDir::toNativeSeparators(config)), qPrintable(note->text()));
      QVERIFY2(note->text().contains(QStringLiteral("not the run's")), qPrintable(note->text()));
      if (name == QStringLiteral("wrong-type")) QVERIFY2(note->text().contains(QStringLiteral("'epochs'")), qPrintable(note->text()));
      // The curves are followed all the same: every step row on the chart.
      QTRY_COMPARE_WITH_TIMEOUT(panel.chart()->lossPlot()->graph(0)->dataCount(), steps, 60000);
      QVERIFY(panel.following());
      QVERIFY(!note->isHidden());
      QVERIFY(panel.epochsBox()->value() != 7);

      QVERIFY(writeAtomically(config, QByteArray::fromStdString(json)));  // mended
      QTRY_VERIFY_WITH_TIMEOUT(note->isHidden(), 60000);
      QCOMPARE(panel.epochsBox()->value(), 7);
      QCOMPARE(panel.batchBox()->value(), 24);
      panel.stop();
    }
  }

  // A followed run whose process ends after its last epoch's row without a checkpoint after it
  // (checkpoint_every_epochs 0; killed or failed between the two): while its writer record says it
  // runs, the follow waits for the checkpoint; at the first poll that finds the record over (failed,
  // stopped, or its pid gone from this host) the follow ends, after the writer's news, without
  // waiting out the 10 s kept for runs without a record. No clocks asserted: the order of events.
  void writerOverEndsTheFollowAtOnce() {
    using Kind = pretext::RunWriterStatus::Kind;
    pretext::TrainConfig c;
    c.epochs = 2;
    c.checkpointEveryEpochs = 0;
    const std::string text = twoEpochRows();
    std::int64_t deadPid = 0;  // a pid that has ended: a process of this test, reaped
    std::string deadStart;
    QVERIFY(endedProcess(deadPid, deadStart));

    const auto record = [](pretext::WriterRecord::State state, std::int64_t pid, const std::string& start) {
      pretext::WriterRecord r;
      r.state = state;
      r.pid = pid;
      r.host = pretext::currentHostName();
      r.processStart = start;
      r.startedMs = r.heartbeatMs = pretext::wallClockMs();
      r.step = 6;
      if (state == pretext::WriterRecord::State::Failed) r.message = "cannot write the checkpoint";
      return r;
    };
    const std::int64_t self = pretext::currentProcessId();
    const pretext::WriterRecord alive = record(pretext::WriterRecord::State::Running, self, pretext::processStartToken(self));
    struct Over {
      const char* name;
      pretext::WriterRecord record;
      Kind kind;
    };
    const std::vector<Over> overs{{"failed", record(pretext::WriterRecord::State::Failed, self, ""), Kind::Failed},
                                  {"stopped", record(pretext::WriterRecord::State::Stopped, self, ""), Kind::Stopped},
                                  {"gone", record(pretext::WriterRecord::State::Running, deadPid, deadStart), Kind::Gone}};
    for (const auto& over : overs) {
      const QString run = path(QStringLiteral("writer-over-") + QString::fromLatin1(over.name));
      QVERIFY(QDir().mkpath(run));
      QVERIFY(writeAtomically(run + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
      appendBytes(run + QStringLiteral("/metrics.csv"), text);
      const QString writer = QString::fromStdString(pretext::writerRecordPath(run.toStdString()));
      QVERIFY(writeAtomically(writer, QByteArray::fromStdString(pretext::writerRecordToJson(alive))));
      RunFollower follower;
      QStringList events;
      connect(&follower, &RunFollower::writerChanged, &follower,
              [&events](const pretext::RunWriterStatus& s) { events << QStringLiteral("writer %1").arg(int(s.kind)); });
      connect(&follower, &RunFollower::runEnded, &follower, [&events] { events << QStringLiteral("ended"); });
      follower.follow(run);  // its first poll: every row, the last epoch's among them
      QCOMPARE(follower.rowsRead(), std::int64_t(8));
      QCOMPARE(follower.epochs(), 2);
      QVERIFY(follower.writerStatus().kind == Kind::Running);
      QVERIFY(!follower.ended());  // the writer lives: a checkpoint may follow the last row
      follower.poll();
      QVERIFY(!follower.ended());

      QVERIFY(writeAtomically(writer, QByteArray::fromStdString(pretext::writerRecordToJson(over.record))));
      follower.poll();
      QVERIFY2(follower.writerStatus().kind == over.kind, over.name);
      QVERIFY2(follower.ended(), over.name);
      QCOMPARE(events, (QStringList{QStringLiteral("writer %1").arg(int(Kind::Running)),
                                    QStringLiteral("writer %1").arg(int(over.kind)), QStringLiteral("ended")}));
      follower.poll();
      QCOMPARE(events.size(), 3);  // ended once
      QVERIFY(!QFileInfo::exists(run + QStringLiteral("/checkpoints/last.pt")));
      follower.stop();
    }
    // Without a writer record (an older version's run) the follow does not end at the last row: the
    // checkpoint after it may still come (10 s, not waited out here).
    const QString old = path(QStringLiteral("writer-over-none"));
    QVERIFY(QDir().mkpath(old));
    QVERIFY(writeAtomically(old + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
    appendBytes(old + QStringLiteral("/metrics.csv"), text);
    RunFollower follower;
    follower.follow(old);
    QCOMPARE(follower.rowsRead(), std::int64_t(8));
    QVERIFY(follower.writerStatus().kind == Kind::None);
    QVERIFY(!follower.ended());
    follower.stop();
  }

  // The panel following a run whose process failed after its last epoch's row (the final checkpoint
  // could not be written) or vanished without finishing reports the failure, with the writer
  // record's reason, not "Finished"; a record that says finished stays finished; a run without a
  // record still waits for the checkpoint after its last row. States after the follow's first poll.
  void panelSaysAFailedEnd() {
    using State = pretext::WriterRecord::State;
    pretext::TrainConfig c;
    c.epochs = 2;
    c.checkpointEveryEpochs = 0;
    const std::string text = twoEpochRows();
    std::int64_t deadPid = 0;  // a pid that has ended: a process of this test, reaped
    std::string deadStart;
    QVERIFY(endedProcess(deadPid, deadStart));
    const std::int64_t self = pretext::currentProcessId();
    const auto record = [](State state, std::int64_t pid, const std::string& start, const std::string& message) {
      pretext::WriterRecord r;
      r.state = state;
      r.pid = pid;
      r.host = pretext::currentHostName();
      r.processStart = start;
      r.startedMs = r.heartbeatMs = pretext::wallClockMs();
      r.step = 6;
      r.message = message;
      return r;
    };
    struct Case {
      const char* name;
      std::optional<pretext::WriterRecord> record;
      pretext::RunStatus status;
      QString says;  // in the status line
    };
    const std::vector<Case> cases{
        {"failed", record(State::Failed, self, "", "cannot write the checkpoint"), pretext::RunStatus::Failed,
         QStringLiteral("Failed: cannot write the checkpoint")},
        {"failed-silently", record(State::Failed, self, "", ""), pretext::RunStatus::Failed,
         QStringLiteral("Failed: its writer record says it failed")},
        {"gone", record(State::Running, deadPid, deadStart, ""), pretext::RunStatus::Failed,
         QStringLiteral("Failed: the process %1 on this host is gone without finishing").arg(deadPid)},
        {"finished", record(State::Finished, self, "", ""), pretext::RunStatus::Finished, QStringLiteral("Finished 2 epochs")},
        {"none", std::nullopt, pretext::RunStatus::Finished, QString()}};
    for (const auto& one : cases) {
      const QString run = path(QStringLiteral("panel-end-") + QString::fromLatin1(one.name));
      QVERIFY(QDir().mkpath(run));
      QVERIFY(writeAtomically(run + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
      appendBytes(run + QStringLiteral("/metrics.csv"), text);
      if (one.record) {
        QVERIFY(writeAtomically(QString::fromStdString(pretext::writerRecordPath(run.toStdString())),
                                QByteArray::fromStdString(pretext::writerRecordToJson(*one.record))));
      }
      TrainingPanel panel;
      std::vector<pretext::RunResult> results;
      connect(&panel, &TrainingPanel::runFinished, &panel, [&results](const pretext::RunResult& r) { results.push_back(r); });
      QVERIFY(panel.followRun(run));  // its first poll runs at once: every row and the record
      if (!one.record) {
        // No record: the checkpoint after the last row may still come (10 s, not waited out here).
        QVERIFY2(panel.following(), one.name);
        QVERIFY(results.empty());
        panel.stop();
        continue;
      }
      QVERIFY2(!panel.following(), one.name);
      QCOMPARE(results.size(), std::size_t(1));
      QVERIFY2(results[0].status == one.status, one.name);
      QCOMPARE(results[0].epochsDone, 2);
      QVERIFY2(panel.statusLabel()->text().startsWith(one.says), qPrintable(panel.statusLabel()->text()));
      if (one.status == pretext::RunStatus::Failed) QVERIFY(!panel.statusLabel()->text().contains(QStringLiteral("Finished")));
    }
  }

  // The window follows a folder another process writes: rows arrive in pieces (with half lines),
  // the chart gets each complete step row once, the Filters panel shows the checkpoint renamed in
  // later (compared with the Evaluator's own grid of that checkpoint), and the end is noticed.
  void windowFollowsAFolder() {
    // A real run to copy from: one epoch (checkpoint A), then a second (checkpoint B).
    const QString source = path(QStringLiteral("source"));
    {
      pretext::TrainConfig c = widgettest::shapesConfig("simclr", source);
      c.knnEveryEpoch = true;
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      QVERIFY(trainer.run().status == pretext::RunStatus::Finished);
    }
    const QByteArray checkpointA = readAll(source + QStringLiteral("/checkpoints/last.pt"));
    {
      auto trainer = pretext::Trainer::resume(source.toStdString(), 2);
      QVERIFY(trainer->run().status == pretext::RunStatus::Finished);
    }
    const QByteArray checkpointB = readAll(source + QStringLiteral("/checkpoints/last.pt"));
    QVERIFY(!checkpointA.isEmpty() && !checkpointB.isEmpty() && checkpointA != checkpointB);
    pretext::SheetColours sheet;
    sheet.transparent = true;  // as the Filters panel asks for it: gaps in the panel's background
    const QImage gridB = pretext::toQImage(pretext::Evaluator(source.toStdString()).filterGrid(6, sheet));
    const std::string metrics = readAll(source + QStringLiteral("/metrics.csv")).toStdString();
    const auto rows = pretext::readMetrics((source + QStringLiteral("/metrics.csv")).toStdString());
    int stepRows = 0;
    for (const auto& r : rows) stepRows += r.isStep();
    QVERIFY(stepRows >= 8);

    // The followed folder: config.json and checkpoint A now; metrics.csv appears later.
    const QString run = path(QStringLiteral("followed"));
    QVERIFY(QDir().mkpath(run + QStringLiteral("/checkpoints")));
    QVERIFY(QFile::copy(source + QStringLiteral("/config.json"), run + QStringLiteral("/config.json")));
    QVERIFY(writeAtomically(run + QStringLiteral("/checkpoints/last.pt"), checkpointA));

    MainWindow window(false);
    window.show();
    TrainingPanel* training = window.trainingPanel();
    training->follower()->setPollInterval(30);
    QSignalSpy finished(training, &TrainingPanel::runFinished);
    QVERIFY(window.followRun(run));
    QVERIFY(training->following());
    QVERIFY(training->running());
    QCOMPARE(window.currentRun(), QDir::cleanPath(run));
    // The form shows what the followed run trains (its config.json), not the panel's own settings.
    QCOMPARE(training->methodBox()->currentData().toString(), QStringLiteral("simclr"));
    QCOMPARE(training->widthBox()->value(), 8);
    QCOMPARE(training->epochsBox()->value(), 2);
    QCOMPARE(training->batchBox()->value(), 32);
    QVERIFY(window.statusBar()->findChildren<QLabel*>().size() > 0);
    bool statusSays = false;
    for (QLabel* label : window.statusBar()->findChildren<QLabel*>()) statusSays |= label->text().contains(QStringLiteral("Following"));
    QVERIFY(statusSays);

    FiltersPanel* filters = window.filtersPanel();
    window.showPanel(filters);
    QTRY_VERIFY_WITH_TIMEOUT(!filters->currentGrid().isNull(), 60000);
    const QImage gridA = filters->currentGrid();
    QVERIFY(gridA != gridB);

    // metrics.csv in pieces of 37 bytes: the chart has exactly the complete step rows written.
    QCPGraph* loss = training->chart()->lossPlot()->graph(0);
    QVERIFY(loss);
    const QString csv = run + QStringLiteral("/metrics.csv");
    int expected = 0;
    for (std::size_t written = 0; written < metrics.size();) {
      const std::size_t piece = std::min<std::size_t>(37, metrics.size() - written);
      appendBytes(csv, metrics.substr(written, piece));
      written += piece;
      expected = 0;
      for (std::size_t at = 0; (at = metrics.find("\nstep,", at)) != std::string::npos && metrics.find('\n', at + 1) < written; ++at) ++expected;
      QTRY_COMPARE_WITH_TIMEOUT(loss->dataCount(), expected, 60000);
      // Before the last row nothing says the run ended.
      if (written < metrics.size()) QCOMPARE(finished.count(), 0);
    }
    QCOMPARE(expected, stepRows);
    // The points are the rows: global step and loss, in order.
    int i = 0;
    for (const auto& r : rows) {
      if (!r.isStep()) continue;
      QCOMPARE(loss->data()->at(i)->key, double(r.globalStep));
      QCOMPARE(loss->data()->at(i)->value, r.loss);
      ++i;
    }
    // The k-NN chart got every measured epoch (before training and after each epoch).
    int measured = 0;
    for (const auto& r : rows) measured += r.isEpoch() && r.knnAccuracy >= 0;
    QVERIFY(measured >= 2);
    QTRY_COMPARE_WITH_TIMEOUT(training->chart()->knnPlot()->graph(0)->dataCount(), measured, 60000);

    // Checkpoint B renamed into place: the Filters panel shows it.
    QSignalSpy checkpoints(training, &TrainingPanel::checkpointWritten);
    QVERIFY(writeAtomically(run + QStringLiteral("/checkpoints/last.pt"), checkpointB));
    QTRY_VERIFY_WITH_TIMEOUT(checkpoints.count() >= 1, 60000);
    QCOMPARE(checkpoints.first().first().toString(), QDir::cleanPath(run));
    QTRY_VERIFY_WITH_TIMEOUT(filters->currentGrid() == gridB, 60000);

    // The last epoch's row came before the checkpoint: now the run has ended.
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    const auto result = finished.first().first().value<pretext::RunResult>();
    QVERIFY(result.status == pretext::RunStatus::Finished);
    QCOMPARE(result.epochsDone, 2);
    QVERIFY(!training->running());
    QVERIFY(!training->following());
    for (QLabel* label : window.statusBar()->findChildren<QLabel*>()) QVERIFY(!label->text().contains(QStringLiteral("Following")));
  }

  // Stop while following another process's run: following ends, the folder is untouched.
  void stopFollowing() {
    const QString run = path(QStringLiteral("later"));  // does not exist yet
    TrainingPanel panel;
    panel.follower()->setPollInterval(20);
    QVERIFY(panel.followRun(run));
    QVERIFY(!panel.followRun(run));  // one at a time
    QVERIFY(QDir().mkpath(run));
    // Written by 16 processes elsewhere (a cluster job): the form shows 16 while following, and once
    // following ends the next Start launches no more processes than this machine offers.
    const int localMax = panel.processesBox()->maximum();
    {
      pretext::TrainConfig c = widgettest::shapesConfig("simclr", run);
      c.worldSize = 16;
      c.distBackend = "gloo";
      QVERIFY(writeAtomically(run + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
    }
    QTRY_COMPARE_WITH_TIMEOUT(panel.processesBox()->value(), 16, 60000);
    const auto rows = someRows(5, 1);
    std::string text = pretext::metricsHeader() + "\n";
    for (const auto& r : rows) text += pretext::formatMetricsRow(r) + "\n";
    appendBytes(run + QStringLiteral("/metrics.csv"), text);
    QTRY_COMPARE_WITH_TIMEOUT(panel.chart()->lossPlot()->graph(0)->dataCount(), 5, 60000);
    // Nothing new for a while (a run stopped without ending): the follower says so.
    panel.follower()->setQuietAfter(150);
    QSignalSpy quiet(panel.follower(), &RunFollower::quiet);
    QTRY_VERIFY_WITH_TIMEOUT(quiet.count() >= 1, 60000);
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.stop();
    QCOMPARE(finished.count(), 1);
    QVERIFY(finished.first().first().value<pretext::RunResult>().status == pretext::RunStatus::Stopped);
    QVERIFY(!panel.running());
    QCOMPARE(panel.processesBox()->maximum(), localMax);
    QVERIFY(panel.processesBox()->value() <= localMax);
    appendBytes(run + QStringLiteral("/metrics.csv"), pretext::formatMetricsRow(rows[0]) + "\n");
    QTest::qWait(100);
    QCOMPARE(panel.chart()->lossPlot()->graph(0)->dataCount(), 5);
  }

  // Processes = 2 without a pretext-cli to run: nothing starts, and the status says what is missing.
  void processesWithoutCli() {
    TrainingPanel panel;
    panel.setCliProgram(path(QStringLiteral("no-such-pretext-cli")));
    panel.setDataset(shapes());
    panel.processesBox()->setValue(2);
    QSignalSpy status(&panel, &TrainingPanel::statusMessage);
    QSignalSpy started(&panel, &TrainingPanel::runStarted);
    panel.start();
    QVERIFY(!panel.running());
    QCOMPARE(started.count(), 0);
    QCOMPARE(status.count(), 1);
    QVERIFY2(status.first().first().toString().contains(QStringLiteral("pretext-cli")), qPrintable(status.first().first().toString()));
  }

  // Processes = 2: Start runs pretext-cli train --nproc 2 with the panel's configuration and follows
  // its run folder; the folder is a normal run folder and the chart has its rows.
  void twoProcessesTrain() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    TrainingPanel panel;
    panel.setCliProgram(QStringLiteral(PRETEXT_CLI));
    panel.follower()->setPollInterval(50);
    panel.setDataset(shapes());
    const QString run = path(QStringLiteral("twoprocs"));
    panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(QStringLiteral("simclr")));
    panel.widthBox()->setValue(8);
    panel.batchBox()->setValue(32);
    panel.epochsBox()->setValue(1);
    panel.runFolderEdit()->setText(run);
    QVERIFY(panel.processesBox()->maximum() >= 2);
    panel.processesBox()->setValue(2);
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.start();
    QVERIFY(panel.running());
    QVERIFY(panel.following());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 300000);
    QCOMPARE(finished.count(), 1);
    const auto result = finished.first().first().value<pretext::RunResult>();
    const QString log = panel.processLog()->toPlainText();
    if (result.status == pretext::RunStatus::Failed && log.contains(QStringLiteral("Gloo"))) {
      QSKIP(qPrintable(QStringLiteral("this build has no Gloo: ") + QString::fromStdString(result.message)));
    }
    QVERIFY2(result.status == pretext::RunStatus::Finished, qPrintable(log));
    QCOMPARE(result.epochsDone, 1);
    QVERIFY2(log.contains(QStringLiteral("data-parallel: 2 processes")), qPrintable(log));

    // A run folder like any other, trained with the panel's settings.
    const auto config = pretext::configFromJson(readAll(run + QStringLiteral("/config.json")).toStdString());
    QCOMPARE(QString::fromStdString(config.method), QStringLiteral("simclr"));
    QCOMPARE(config.backboneWidth, 8);
    QCOMPARE(config.batchSize, 32);
    QCOMPARE(config.dataset.shapesPerClass, 16);
    QVERIFY(QFileInfo::exists(run + QStringLiteral("/checkpoints/last.pt")));
    const auto rows = pretext::readMetrics((run + QStringLiteral("/metrics.csv")).toStdString());
    int steps = 0;
    for (const auto& r : rows) steps += r.isStep();
    QCOMPARE(steps, 128 / 32);  // 8 classes x 16 images, global batch 32
    QCOMPARE(panel.chart()->lossPlot()->graph(0)->dataCount(), steps);
    QVERIFY(!QFileInfo::exists(run + QStringLiteral("/metrics.csv.tmp")));
  }

  // Stop sends SIGINT: the processes stop at the same step and leave a resumable checkpoint.
  void twoProcessesStop() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    TrainingPanel panel;
    panel.setCliProgram(QStringLiteral(PRETEXT_CLI));
    panel.follower()->setPollInterval(50);
    panel.setDataset(shapes());
    const QString run = path(QStringLiteral("stopped"));
    panel.methodBox()->setCurrentIndex(panel.methodBox()->findData(QStringLiteral("simclr")));
    panel.widthBox()->setValue(8);
    panel.batchBox()->setValue(32);
    panel.epochsBox()->setValue(200);
    panel.runFolderEdit()->setText(run);
    panel.processesBox()->setValue(2);
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.start();
    QTRY_VERIFY_WITH_TIMEOUT(panel.chart()->lossPlot()->graph(0)->dataCount() >= 2 || !panel.running(), 300000);
    if (!panel.running() && panel.processLog()->toPlainText().contains(QStringLiteral("Gloo"))) QSKIP("this build has no Gloo");
    panel.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 120000);
    QCOMPARE(finished.count(), 1);
    const auto result = finished.first().first().value<pretext::RunResult>();
    QVERIFY2(result.status == pretext::RunStatus::Stopped, qPrintable(panel.processLog()->toPlainText()));
    QVERIFY(QFileInfo::exists(run + QStringLiteral("/checkpoints/last.pt")));
    // Rank 0 said it stopped cleanly, at the step of its checkpoint.
    const pretext::RunWriterStatus writer = pretext::runWriterStatus(run.toStdString());
    QVERIFY(writer.kind == pretext::RunWriterStatus::Kind::Stopped);
    QCOMPARE(writer.record.checkpointStep, writer.record.step);
    QCOMPARE(writer.record.worldSize, 2);
    // Resumable: it continues from there (in one process, to the end of the epoch it stopped in),
    // and the steps follow on without a gap or a repeat.
    const int at = pretext::Trainer::resume(run.toStdString())->startEpoch();
    QVERIFY(at >= 0 && at < 200);
    auto trainer = pretext::Trainer::resume(run.toStdString(), at + 1);
    QVERIFY(trainer->run().status == pretext::RunStatus::Finished);
    std::int64_t next = 1;
    for (const auto& r : pretext::readMetrics((run + QStringLiteral("/metrics.csv")).toStdString())) {
      if (!r.isStep()) continue;
      QCOMPARE(r.globalStep, next);
      ++next;
    }
    QCOMPARE(next - 1, std::int64_t(at + 1) * (128 / 32));
  }

  // A 2-process `pretext-cli train` followed from the window: the form shows its 2 processes, the
  // status bar its dataset and the process writing it; rank 0 killed with SIGKILL is said to be
  // gone, with the step it got to and the command that resumes it.
  void followedCliRunKilled() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    const QString run = path(QStringLiteral("killed"));
    const std::string runDir = run.toStdString();
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(QStringLiteral(PRETEXT_CLI),
              {"train", "--dataset", "shapes", "--method", "simclr", "--width", "4", "--epochs", "1000", "--batch-size", "32",
               "--subset", "128", "--no-knn", "--threads", "2", "--nproc", "2", "--quiet", "--out", run});
    QVERIFY(cli.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(cli.state() == QProcess::NotRunning ||
                                 (pretext::runWriterStatus(runDir).kind == pretext::RunWriterStatus::Kind::Running &&
                                  pretext::runWriterStatus(runDir).record.checkpointStep >= 0),
                             240000);
    if (cli.state() == QProcess::NotRunning) {
      const QByteArray output = cli.readAll();
      if (output.contains("Gloo")) QSKIP("this build has no Gloo");
      QFAIL(output.constData());
    }
    const qint64 pid = pretext::runWriterStatus(runDir).record.pid;
    QVERIFY(pid != cli.processId());  // rank 0 writes, not the launcher

    MainWindow window(false);
    window.show();
    TrainingPanel* training = window.trainingPanel();
    training->follower()->setPollInterval(50);
    QVERIFY(window.followRun(run));
    QCOMPARE(training->processesBox()->value(), 2);
    QCOMPARE(training->widthBox()->value(), 4);
    const QString running = QStringLiteral("running (pid %1 on ").arg(pid);
    QTRY_VERIFY_WITH_TIMEOUT(training->followedState().startsWith(running), 60000);
    const auto statusBarSays = [&window](const QString& text) {
      for (QLabel* label : window.statusBar()->findChildren<QLabel*>()) {
        if (label->text().contains(text)) return true;
      }
      return false;
    };
    QVERIFY(statusBarSays(QStringLiteral("Followed run: shapes")));
    QVERIFY(statusBarSays(QStringLiteral("Following: killed · ") + running));
    bool device = false;
    for (QLabel* label : training->findChildren<QLabel*>()) device |= label->text() == QStringLiteral("Written by pid %1 on ").arg(pid) + QString::fromStdString(pretext::currentHostName()) + QStringLiteral(" (rank 0 of 2 processes)");
    QVERIFY(device);
    if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
      QTest::qWait(1500);  // a few rows in the charts, the status bar laid out
      window.grab().save(QString::fromLocal8Bit(shots) + "/following.png");
    }

    QElapsedTimer clock;
    clock.start();
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    // Once the kernel has ended rank 0 (a zombie its launcher has not reaped is ended too), the
    // follower's first look says it is gone: from the process table, not from a heartbeat gone stale
    // seconds later. No limit in milliseconds: CI's load may hold this thread back for seconds.
    QVERIFY(testutil::waitUntilEnded(pid));
    const qint64 endedAfter = clock.elapsed();
    training->follower()->poll();
    qInfo("rank 0 killed: ended after %lld ms, said gone at the first look: %s", static_cast<long long>(endedAfter),
          training->followedState().contains(QStringLiteral("(killed?)")) ? "yes" : "no");
    QVERIFY2(training->followedState().contains(QStringLiteral("(killed?)")), qPrintable(training->followedState()));
    const QString said = training->statusLabel()->text();
    QVERIFY2(said.contains(QStringLiteral("the process %1 on this host is gone").arg(pid)), qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("resume with pretext-cli train --resume %1 --nproc 2").arg(QDir::toNativeSeparators(run))),
             qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("is gone without finishing (killed?)")), qPrintable(said));
    QVERIFY(statusBarSays(QStringLiteral("Following: killed · gone at step ")));
    if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
      QTest::qWait(300);
      window.grab().save(QString::fromLocal8Bit(shots) + "/killed.png");
    }
    // The other rank notices and the launcher fails.
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY(cli.exitCode() != 0);
    training->stop();
    QVERIFY(!training->following());
    QVERIFY(training->statusLabel()->text().startsWith(QStringLiteral("Stopped following killed")));
    QVERIFY(!training->statusLabel()->text().contains(QStringLiteral("goes on")));
    QVERIFY(!statusBarSays(QStringLiteral("Followed run:")));  // the window's own dataset again
  }

  // An experiment (a preset's runs) with Processes = 2 trains each run as Start does, through the
  // launcher (pretext-cli train --nproc 2), one after the other, each in its own folder and chart
  // line; without pretext-cli it starts nothing and says why.
  void experimentRunsWithProcesses() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    TrainingPanel panel;
    panel.follower()->setPollInterval(50);
    panel.setDataset(shapes());
    QVERIFY(panel.processesBox()->maximum() >= 2);
    panel.processesBox()->setValue(2);
    QList<PresetRun> runs;
    for (const QString& name : {QStringLiteral("experiment-a"), QStringLiteral("experiment-b")}) {
      PresetRun r;
      r.label = name;
      r.config = widgettest::shapesConfig(name.endsWith(QLatin1Char('a')) ? "simclr" : "supervised", path(name));  // 128 images, batch 32, 1 epoch
      runs << r;
    }
    panel.setCliProgram(path(QStringLiteral("no-such-cli")));
    panel.startRuns(runs);
    QVERIFY(!panel.running());
    QCOMPARE(panel.queuedRuns(), 0);
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("needs pretext-cli")), qPrintable(panel.statusLabel()->text()));

    panel.setCliProgram(QStringLiteral(PRETEXT_CLI));
    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.startRuns(runs);
    QVERIFY(panel.running());
    QVERIFY(panel.following());  // pretext-cli's processes write it
    QCOMPARE(panel.queuedRuns(), 1);
    QVERIFY2(panel.processLog()->toPlainText().contains(QStringLiteral(" --nproc 2 --out %1").arg(path(QStringLiteral("experiment-a")))),
             qPrintable(panel.processLog()->toPlainText()));
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2 || (finished.count() == 1 && !panel.running()), 300000);
    const QString log = panel.processLog()->toPlainText();
    if (finished.first().first().value<pretext::RunResult>().status == pretext::RunStatus::Failed && log.contains(QStringLiteral("Gloo"))) {
      QSKIP("this build has no Gloo");
    }
    QCOMPARE(finished.count(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 60000);
    QCOMPARE(panel.chart()->runs(), 2);
    for (int i = 0; i < 2; ++i) {
      QVERIFY2(finished.at(i).first().value<pretext::RunResult>().status == pretext::RunStatus::Finished, qPrintable(log));
      const QString run = path(runs[i].label);
      const pretext::RunWriterStatus s = pretext::runWriterStatus(run.toStdString());
      QVERIFY(s.kind == pretext::RunWriterStatus::Kind::Finished);
      QCOMPARE(s.record.worldSize, 2);
      const auto config = pretext::configFromJson(readAll(run + QStringLiteral("/config.json")).toStdString());
      QCOMPARE(config.worldSize, 2);
      QCOMPARE(QString::fromStdString(config.method), QString::fromStdString(runs[i].config.method));
      const auto steps = stepRows(run);
      QCOMPARE(int(steps.size()), 128 / 32);
      for (int k = 0; k < 4; ++k) QCOMPARE(steps[std::size_t(k)].globalStep, std::int64_t(k + 1));
      QCOMPARE(panel.chart()->lossPlot()->graph(2 * i)->dataCount(), 4);
    }
    QVERIFY2(log.contains(QStringLiteral("data-parallel: 2 processes")), qPrintable(log));  // the second run's
    if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
      panel.resize(1200, 800);
      panel.show();
      QTest::qWait(200);
      panel.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/experiment-processes.png"));
    }
  }

  // A 2-process CLI run followed from the window, rank 0 killed early in an epoch: the Resume button
  // appears with the command `pretext-cli status` prints; pressed, it resumes the run with 2
  // processes through the panel's launcher, the chart's run goes on from the checkpoint, and the
  // run ends as an uninterrupted one: each step once in metrics.csv and the chart, the same losses
  // and weights.
  void resumeKilledTwoProcessRun() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    const QString run = path(QStringLiteral("resume2")), reference = path(QStringLiteral("resume2-whole"));
    {
      QProcess whole;
      whole.setProcessChannelMode(QProcess::MergedChannels);
      whole.start(QStringLiteral(PRETEXT_CLI), exactArgs(reference, 2));
      QVERIFY(whole.waitForFinished(300000));
      const QByteArray output = whole.readAll();
      if (whole.exitCode() != 0 && output.contains("Gloo")) QSKIP("this build has no Gloo");
      QVERIFY2(whole.exitCode() == 0, output.constData());
    }
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(QStringLiteral(PRETEXT_CLI), exactArgs(run, 2));
    QVERIFY(cli.waitForStarted());

    MainWindow window(false);
    window.show();
    TrainingPanel* training = window.trainingPanel();
    training->setCliProgram(QStringLiteral(PRETEXT_CLI));
    training->follower()->setPollInterval(50);
    QVERIFY(window.followRun(run));
    QPushButton* resume = training->resumeFollowedButton();
    QTRY_VERIFY_WITH_TIMEOUT(training->followedState().startsWith(QStringLiteral("running (pid")), 120000);
    QVERIFY(resume->isHidden());  // its writer is alive
    const qint64 pid = killWriterAfterCheckpoint(run.toStdString(), cli);
    QVERIFY2(pid > 0, "the run ended before it could be killed");
    // Gone at the follower's first look once the kernel ended rank 0 (as in followedCliRunKilled).
    QVERIFY(testutil::waitUntilEnded(pid));
    training->follower()->poll();
    QVERIFY2(training->followedState().contains(QStringLiteral("(killed?)")), qPrintable(training->followedState()));
    QTRY_VERIFY_WITH_TIMEOUT(!resume->isHidden(), 60000);
    QVERIFY(resume->isEnabled());
    QCOMPARE(resume->text(), QStringLiteral("Resume with 2 processes"));
    // The window shows the command `pretext-cli status` prints: one function writes it.
    const QString command = statusResumeLine(run);
    QCOMPARE(command, QStringLiteral("pretext-cli train --resume %1 --nproc 2").arg(run));
    QVERIFY2(resume->toolTip().endsWith(command), qPrintable(resume->toolTip()));
    QVERIFY2(training->statusLabel()->text().contains(QStringLiteral("resume with ") + command), qPrintable(training->statusLabel()->text()));
    const pretext::RunWriterStatus killed = pretext::runWriterStatus(run.toStdString());
    const std::int64_t lastBefore = stepRows(run).back().globalStep;
    qInfo("rank 0 killed at step %lld, its last checkpoint at step %lld", static_cast<long long>(lastBefore),
          static_cast<long long>(killed.record.checkpointStep));
    if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
      QTest::qWait(300);
      window.grab().save(QString::fromLocal8Bit(shots) + "/resume-offered.png");
    }
    // The other rank noticed, the launcher ended (maybe already, while the checks above ran).
    QVERIFY(cli.state() == QProcess::NotRunning || cli.waitForFinished(120000));
    QVERIFY(cli.exitCode() != 0);

    const int chartRuns = training->chart()->runs();
    QSignalSpy finished(training, &TrainingPanel::runFinished);
    resume->click();
    QVERIFY(training->running());
    QVERIFY(training->following());
    QVERIFY(resume->isHidden());
    QVERIFY2(training->processLog()->toPlainText().contains(QStringLiteral(" train --resume %1 --nproc 2").arg(run)),
             qPrintable(training->processLog()->toPlainText()));
    QTRY_VERIFY_WITH_TIMEOUT(training->followedState().startsWith(QStringLiteral("running (pid")) || !training->running(), 120000);
    if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
      QTest::qWait(400);
      window.grab().save(QString::fromLocal8Bit(shots) + "/resumed.png");
    }
    QTRY_VERIFY_WITH_TIMEOUT(!training->running(), 300000);
    QVERIFY(finished.count() >= 1);
    const auto result = finished.last().first().value<pretext::RunResult>();
    QVERIFY2(result.status == pretext::RunStatus::Finished, qPrintable(training->processLog()->toPlainText()));
    QVERIFY(pretext::runWriterStatus(run.toStdString()).kind == pretext::RunWriterStatus::Kind::Finished);
    if (lastBefore > killed.record.checkpointStep) {
      QVERIFY2(training->processLog()->toPlainText().contains(
                   QStringLiteral("metrics.csv: %1 rows after step %2 dropped").arg(lastBefore - killed.record.checkpointStep).arg(killed.record.checkpointStep)),
               qPrintable(training->processLog()->toPlainText()));
    }
    sameAsUninterrupted(run, reference, 80);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(training->chart()->runs(), chartRuns);  // the followed run's line goes on
    chartHasEachStepOnce(training->chart(), 80);
    QVERIFY(resume->isHidden());  // finished: nothing to resume
  }

  // A single-process CLI run killed: Resume continues it in the window's own process (as Start does
  // with Processes 1), and it ends as the uninterrupted run.
  void resumeKilledSingleProcessRun() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    const QString run = path(QStringLiteral("resume1")), reference = path(QStringLiteral("resume1-whole"));
    {
      QProcess whole;
      whole.setProcessChannelMode(QProcess::MergedChannels);
      whole.start(QStringLiteral(PRETEXT_CLI), exactArgs(reference, 1));
      QVERIFY(whole.waitForFinished(300000));
      QVERIFY2(whole.exitCode() == 0, whole.readAll().constData());
    }
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(QStringLiteral(PRETEXT_CLI), exactArgs(run, 1));
    QVERIFY(cli.waitForStarted());
    TrainingPanel panel;
    panel.follower()->setPollInterval(50);
    QVERIFY(panel.followRun(run));
    QTRY_VERIFY_WITH_TIMEOUT(panel.followedState().startsWith(QStringLiteral("running (pid %1 ").arg(cli.processId())), 120000);
    QVERIFY(panel.resumeFollowedButton()->isHidden());
    QCOMPARE(killWriterAfterCheckpoint(run.toStdString(), cli), cli.processId());
    QVERIFY(cli.waitForFinished(120000));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.resumeFollowedButton()->isHidden(), 60000);
    QCOMPARE(panel.resumeFollowedButton()->text(), QStringLiteral("Resume this run"));
    const QString command = statusResumeLine(run);
    QCOMPARE(command, QStringLiteral("pretext-cli train --resume %1").arg(run));
    QVERIFY(panel.resumeFollowedButton()->toolTip().endsWith(command));

    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.resumeFollowedButton()->click();
    QVERIFY(panel.running());
    QVERIFY(!panel.following());  // in this process
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 300000);
    QVERIFY(finished.last().first().value<pretext::RunResult>().status == pretext::RunStatus::Finished);
    sameAsUninterrupted(run, reference, 80);
    if (QTest::currentTestFailed()) return;
    chartHasEachStepOnce(panel.chart(), 80);
    QCOMPARE(panel.chart()->runs(), 1);
  }

  // A run of 4 processes killed on a machine that runs fewer: Resume offers as many as it runs and
  // says the global batch stays; pressed, the run goes on from its checkpoint with them (the core
  // says so in the log) and ends with each step once.
  void resumeWithFewerProcesses() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    const int local = std::max(2, QThread::idealThreadCount());
    if (local >= 4) QSKIP("this machine runs 4 processes: a 4-process run resumes with all of them (resumeKilledTwoProcessRun)");
    const QString run = path(QStringLiteral("resume4"));
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(QStringLiteral(PRETEXT_CLI), exactArgs(run, 4, 8));
    QVERIFY(cli.waitForStarted());
    TrainingPanel panel;
    panel.setCliProgram(QStringLiteral(PRETEXT_CLI));
    panel.follower()->setPollInterval(50);
    QVERIFY(panel.followRun(run));
    QTRY_VERIFY_WITH_TIMEOUT(panel.followedState().startsWith(QStringLiteral("running (pid")) || cli.state() == QProcess::NotRunning,
                             120000);
    const qint64 pid = killWriterAfterCheckpoint(run.toStdString(), cli);
    if (pid == 0 && cli.readAll().contains("Gloo")) QSKIP("this build has no Gloo");
    QVERIFY2(pid > 0, "the run ended before it could be killed");
    QVERIFY(cli.state() == QProcess::NotRunning || cli.waitForFinished(120000));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.resumeFollowedButton()->isHidden(), 60000);
    int n = local;
    while (32 % n != 0) --n;
    QCOMPARE(panel.resumeFollowedButton()->text(), QStringLiteral("Resume with %1 processes").arg(n));
    QVERIFY(panel.resumeFollowedButton()->toolTip().endsWith(QStringLiteral("pretext-cli train --resume %1 --nproc %2").arg(run).arg(n)));
    QVERIFY(!panel.resumeNote()->isHidden());
    QVERIFY2(panel.resumeNote()->text().contains(QStringLiteral("the run had 4: resuming with %1 keeps the global batch of 32").arg(n)),
             qPrintable(panel.resumeNote()->text()));
    // The CLI names the job's own number: what a machine with 4 would run.
    QCOMPARE(statusResumeLine(run), QStringLiteral("pretext-cli train --resume %1 --nproc 4").arg(run));

    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    panel.resumeFollowedButton()->click();
    QVERIFY(panel.following());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 300000);
    const QString log = panel.processLog()->toPlainText();
    QVERIFY2(finished.last().first().value<pretext::RunResult>().status == pretext::RunStatus::Finished, qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral("resuming a checkpoint written by 4 processes with %1 processes: the global batch stays 32 (%2 per process)")
                              .arg(n)
                              .arg(32 / n)),
             qPrintable(log));
    const auto steps = stepRows(run);
    QCOMPARE(int(steps.size()), 32);
    for (int i = 0; i < 32; ++i) QCOMPARE(steps[std::size_t(i)].globalStep, std::int64_t(i + 1));
    chartHasEachStepOnce(panel.chart(), 32);
    QCOMPARE(pretext::runWriterStatus(run.toStdString()).record.worldSize, n);
  }

  // Resumed from the command line while the window follows: metrics.csv starts over without the
  // rows after the checkpoint, and the chart's line goes on (no second line, each step once).
  void followedThroughAnOutsideResume() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    const QString run = path(QStringLiteral("outside"));
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(QStringLiteral(PRETEXT_CLI), exactArgs(run, 1, 8));
    QVERIFY(cli.waitForStarted());
    TrainingPanel panel;
    panel.follower()->setPollInterval(50);
    QVERIFY(panel.followRun(run));
    QCOMPARE(killWriterAfterCheckpoint(run.toStdString(), cli), cli.processId());
    QVERIFY(cli.state() == QProcess::NotRunning || cli.waitForFinished(120000));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.resumeFollowedButton()->isHidden(), 60000);
    const std::int64_t before = stepRows(run).back().globalStep;
    QTRY_COMPARE_WITH_TIMEOUT(panel.chart()->lossPlot()->graph(0)->dataCount(), int(before), 60000);
    QProcess resumed;
    resumed.setProcessChannelMode(QProcess::MergedChannels);
    resumed.start(QStringLiteral(PRETEXT_CLI), {"train", "--resume", run});
    QVERIFY(resumed.waitForFinished(300000));
    const QByteArray output = resumed.readAll();
    QVERIFY2(resumed.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("rows after step"), output.constData());  // something was dropped
    QTRY_VERIFY_WITH_TIMEOUT(!panel.following(), 60000);  // the record says finished
    QCOMPARE(panel.chart()->runs(), 1);
    chartHasEachStepOnce(panel.chart(), 32);
  }

  // No Resume while the writer may still write (alive here, or another host's fresh heartbeat), once
  // the run finished, or without a checkpoint; resumeFollowed() refuses and starts nothing. A run of
  // more processes than this machine runs is offered with as many as it runs, the global batch kept.
  void noResumeWhileTheWriterLives() {
    const QString run = path(QStringLiteral("alive"));
    {
      pretext::TrainConfig c = widgettest::shapesConfig("simclr", run);  // batch 32
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      QVERIFY(trainer.run().status == pretext::RunStatus::Finished);
      // Its metrics.csv ends before the last of 5 epochs: only the writer record says how it ended.
      c.epochs = 5;
      QVERIFY(writeAtomically(run + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
    }
    const std::string dir = run.toStdString();
    QVERIFY(pretext::runWriterStatus(dir).kind == pretext::RunWriterStatus::Kind::Finished);
    TrainingPanel panel;
    panel.follower()->setPollInterval(20);
    QSignalSpy started(&panel, &TrainingPanel::runStarted);
    const auto follow = [&](const pretext::WriterRecord& r) {
      if (panel.following()) panel.stop();
      QVERIFY(writeAtomically(QString::fromStdString(pretext::writerRecordPath(dir)),
                              QByteArray::fromStdString(pretext::writerRecordToJson(r))));
      QVERIFY(panel.followRun(run));
      QTRY_VERIFY_WITH_TIMEOUT(!panel.followedState().isEmpty(), 60000);
      started.clear();
    };
    const auto refused = [&](const QString& why) {
      QVERIFY(panel.resumeFollowedButton()->isHidden());
      QVERIFY(!panel.resumeFollowed());
      QVERIFY2(panel.statusLabel()->text().contains(why), qPrintable(panel.statusLabel()->text()));
      QCOMPARE(started.count(), 0);
      QVERIFY(panel.following());  // still following; nothing was started
    };
    pretext::WriterRecord alive = pretext::runWriterStatus(dir).record;
    alive.state = pretext::WriterRecord::State::Running;
    alive.pid = pretext::currentProcessId();
    alive.processStart = pretext::processStartToken(alive.pid);
    alive.heartbeatMs = pretext::wallClockMs();
    alive.checkpointStep = 4;
    follow(alive);
    refused(QStringLiteral("still being written"));
    // Resume run folder… (and the Results panel's Resume) refuse it too.
    panel.stop();
    QVERIFY(!panel.resumeRun(run));
    QVERIFY(!panel.running());
    QCOMPARE(started.count(), 0);
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("resuming it too would make two writers")),
             qPrintable(panel.statusLabel()->text()));
    pretext::WriterRecord elsewhere = alive;
    elsewhere.host = "node-17.cluster";
    elsewhere.pid = 12345;
    elsewhere.processStart = "another-boot:99";
    elsewhere.heartbeatMs = pretext::wallClockMs() + 60000;  // fresh for the whole check
    follow(elsewhere);
    refused(QStringLiteral("still being written by pid 12345 on node-17.cluster"));
    // Finished: following ends at once, and there is nothing to resume.
    pretext::WriterRecord finished = alive;
    finished.state = pretext::WriterRecord::State::Finished;
    panel.stop();
    QVERIFY(writeAtomically(QString::fromStdString(pretext::writerRecordPath(dir)),
                            QByteArray::fromStdString(pretext::writerRecordToJson(finished))));
    QVERIFY(panel.followRun(run));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 60000);
    started.clear();
    QVERIFY(panel.resumeFollowedButton()->isHidden());
    QVERIFY(!panel.resumeFollowed());
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("finished: there is nothing to resume")),
             qPrintable(panel.statusLabel()->text()));
    QCOMPARE(started.count(), 0);

    // Gone: an ended process's pid. Without a checkpoint, nothing to resume from.
    QProcess done;
    done.start(QStringLiteral("true"), {});
    QVERIFY(done.waitForStarted());
    pretext::WriterRecord gone = alive;
    gone.pid = done.processId();
    QVERIFY(done.waitForFinished(60000));
    gone.processStart = alive.processStart.substr(0, alive.processStart.find(':')) + ":1";
    gone.checkpointStep = -1;
    follow(gone);
    refused(QStringLiteral("no checkpoint"));

    // Written by 16 processes elsewhere, gone: offered with what this machine runs.
    gone.checkpointStep = 4;
    gone.worldSize = 16;
    follow(gone);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.resumeFollowedButton()->isHidden(), 60000);
    const int local = std::max(2, QThread::idealThreadCount());
    int n = std::min(16, local);
    while (32 % n != 0) --n;
    if (n == 16) return;  // a machine that runs 16: the recorded number, nothing to say
    QCOMPARE(panel.resumeFollowedButton()->text(), QStringLiteral("Resume with %1 processes").arg(n));
    QVERIFY(panel.resumeFollowedButton()->toolTip().endsWith(QStringLiteral("pretext-cli train --resume %1 --nproc %2").arg(run).arg(n)));
    QVERIFY(!panel.resumeNote()->isHidden());
    QVERIFY2(panel.resumeNote()->text().contains(QStringLiteral("the run had 16: resuming with %1 keeps the global batch of 32 (%2 a process)")
                                                     .arg(n)
                                                     .arg(32 / n)),
             qPrintable(panel.resumeNote()->text()));
    panel.stop();  // following ends; the offer stays for the run followed last
    QVERIFY(!panel.resumeFollowedButton()->isHidden());
  }

  // File > Resume training of this run on a killed 2-process run (the Results panel's Resume calls
  // the same TrainingPanel::resumeRun): it goes through the launcher with the job's 2 processes, as
  // the followed run's Resume does, not in the window's one process, and the run ends with each
  // step once in metrics.csv and in the chart.
  void fileResumeOfTwoProcessRun() {
    if (!QFileInfo(QStringLiteral(PRETEXT_CLI)).isExecutable()) QSKIP("pretext-cli was not built (" PRETEXT_CLI ")");
    const QString run = path(QStringLiteral("file-resume2"));
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(QStringLiteral(PRETEXT_CLI), exactArgs(run, 2, 8));
    QVERIFY(cli.waitForStarted());
    const qint64 pid = killWriterAfterCheckpoint(run.toStdString(), cli);
    if (pid == 0 && cli.readAll().contains("Gloo")) QSKIP("this build has no Gloo");
    QVERIFY2(pid > 0, "the run ended before it could be killed");
    QVERIFY(cli.state() == QProcess::NotRunning || cli.waitForFinished(120000));
    const pretext::RunWriterStatus killed = pretext::runWriterStatus(run.toStdString());
    QCOMPARE(killed.record.worldSize, 2);
    const std::int64_t lastBefore = stepRows(run).back().globalStep;
    QVERIFY(lastBefore > killed.record.checkpointStep);

    MainWindow window(false);
    window.show();
    TrainingPanel* training = window.trainingPanel();
    training->setCliProgram(QStringLiteral(PRETEXT_CLI));
    training->follower()->setPollInterval(50);
    QVERIFY(window.openRun(run));
    QAction* resume = nullptr;
    for (QAction* a : window.findChildren<QAction*>()) {
      if (a->text() == QStringLiteral("Resume &training of this run")) resume = a;
    }
    QVERIFY(resume);
    QVERIFY(resume->isEnabled());
    QSignalSpy finished(training, &TrainingPanel::runFinished);
    resume->trigger();
    QVERIFY(training->running());
    QVERIFY(training->following());  // pretext-cli's processes write it; the window follows
    QVERIFY2(training->processLog()->toPlainText().contains(QStringLiteral(" train --resume %1 --nproc 2").arg(run)),
             qPrintable(training->processLog()->toPlainText()));
    QTRY_VERIFY_WITH_TIMEOUT(training->followedState().startsWith(QStringLiteral("running (pid")) || !training->running(), 120000);
    if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
      QTest::qWait(400);
      window.grab().save(QString::fromLocal8Bit(shots) + "/file-resumed.png");
    }
    QTRY_VERIFY_WITH_TIMEOUT(!training->running(), 300000);
    const QString log = training->processLog()->toPlainText();
    QVERIFY2(finished.count() >= 1 && finished.last().first().value<pretext::RunResult>().status == pretext::RunStatus::Finished,
             qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral("metrics.csv: %1 rows after step %2 dropped")
                              .arg(lastBefore - killed.record.checkpointStep)
                              .arg(killed.record.checkpointStep)),
             qPrintable(log));
    const pretext::RunWriterStatus done = pretext::runWriterStatus(run.toStdString());
    QVERIFY(done.kind == pretext::RunWriterStatus::Kind::Finished);
    QCOMPARE(done.record.worldSize, 2);
    const auto steps = stepRows(run);
    QCOMPARE(int(steps.size()), 32);
    for (int i = 0; i < 32; ++i) QCOMPARE(steps[std::size_t(i)].globalStep, std::int64_t(i + 1));
    chartHasEachStepOnce(training->chart(), 32);
  }

  // A run whose writer record names another host that has been silent longer than the timeout: it
  // may still run there, so resuming asks first (Yes/No). No: nothing starts and the folder is left
  // as it was, from Resume run folder… / File > Resume (resumeRun) and from the followed run's
  // Resume alike. Yes: the run resumes and trains to its end.
  void silentHostIsAskedFirst() {
    const QString run = path(QStringLiteral("silent"));
    int stepsPerEpoch = 0;
    {
      pretext::TrainConfig c = widgettest::shapesConfig("simclr", run);  // 1 epoch
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      QVERIFY(trainer.run().status == pretext::RunStatus::Finished);
      stepsPerEpoch = int(stepRows(run).size());
      c.epochs = 2;  // one more epoch to train from the checkpoint
      QVERIFY(writeAtomically(run + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
    }
    QVERIFY(stepsPerEpoch > 0);
    const std::string dir = run.toStdString();
    pretext::WriterRecord silent = pretext::runWriterStatus(dir).record;
    QVERIFY(silent.checkpointStep == stepsPerEpoch);
    silent.state = pretext::WriterRecord::State::Running;
    silent.host = "node-17.cluster";
    silent.pid = 12345;
    silent.processStart = "another-boot:99";
    silent.heartbeatMs = pretext::wallClockMs() - 600000;  // ten minutes ago
    QVERIFY(writeAtomically(QString::fromStdString(pretext::writerRecordPath(dir)),
                            QByteArray::fromStdString(pretext::writerRecordToJson(silent))));
    const pretext::RunWriterStatus s = pretext::runWriterStatus(dir);
    QVERIFY(s.kind == pretext::RunWriterStatus::Kind::Silent);
    QVERIFY(!s.thisHost);
    QVERIFY(s.resumable(dir) == pretext::RunWriterStatus::Resumable::Yes);
    const QMap<QString, QByteArray> before = folderContents(run);
    QVERIFY(before.contains(QStringLiteral("checkpoints/last.pt")));

    TrainingPanel panel;
    QSignalSpy started(&panel, &TrainingPanel::runStarted);
    const auto askedAbout = [&](const QuestionAnswerer& q) {
      QCOMPARE(q.asked, 1);
      QCOMPARE(q.buttons, QMessageBox::Yes | QMessageBox::No);
      QVERIFY2(q.text.contains(QStringLiteral("Nothing has been heard from node-17.cluster for 60")) && q.text.endsWith(QStringLiteral("Resume?")),
               qPrintable(q.text));
    };
    {
      QuestionAnswerer no(QMessageBox::No, QStringLiteral("silent-question.png"));
      QVERIFY(!panel.resumeRun(run));
      askedAbout(no);
    }
    QVERIFY(!panel.running());
    QTest::qWait(300);
    QCOMPARE(started.count(), 0);
    QVERIFY(folderContents(run) == before);

    // The followed run's Resume asks the same question through the same code.
    panel.follower()->setPollInterval(20);
    QVERIFY(panel.followRun(run));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.resumeFollowedButton()->isHidden(), 60000);
    started.clear();
    {
      QuestionAnswerer no(QMessageBox::No, QStringLiteral("silent-question-followed.png"));
      QVERIFY(!panel.resumeFollowed());
      askedAbout(no);
    }
    QVERIFY(panel.following());  // still only following
    QCOMPARE(started.count(), 0);
    panel.stop();
    QVERIFY(!panel.running());
    QVERIFY(folderContents(run) == before);

    QSignalSpy finished(&panel, &TrainingPanel::runFinished);
    {
      QuestionAnswerer yes(QMessageBox::Yes, QStringLiteral("silent-question-yes.png"));
      QVERIFY(panel.resumeRun(run));
      askedAbout(yes);
    }
    QVERIFY(panel.running());
    QVERIFY(!panel.following());  // one process: in the window's own
    QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 120000);
    QVERIFY(finished.last().first().value<pretext::RunResult>().status == pretext::RunStatus::Finished);
    const pretext::RunWriterStatus after = pretext::runWriterStatus(dir);
    QVERIFY(after.kind == pretext::RunWriterStatus::Kind::Finished);
    QVERIFY(after.thisHost);
    const auto steps = stepRows(run);
    QCOMPARE(int(steps.size()), 2 * stepsPerEpoch);
    for (int i = 0; i < 2 * stepsPerEpoch; ++i) QCOMPARE(steps[std::size_t(i)].globalStep, std::int64_t(i + 1));
  }

  // resumeRun of a run written by more processes than this machine runs: as many as it runs that
  // divide the global batch, said in the log. The count is the writer record's, or config.json's
  // world_size for a run without a record. (The launcher here is `true`: only the command matters.)
  void fileResumeWithFewerProcesses() {
    const int local = std::max(2, QThread::idealThreadCount());
    if (local >= 16) QSKIP("this machine runs 16 processes: a 16-process run resumes with all of them");
    int n = local;
    while (32 % n != 0) --n;
    const QString truePath = QStandardPaths::findExecutable(QStringLiteral("true"));
    if (truePath.isEmpty()) QSKIP("no `true` program on PATH");
    const QString run = path(QStringLiteral("fewer"));
    pretext::TrainConfig c = widgettest::shapesConfig("simclr", run);  // batch 32
    {
      pretext::Trainer trainer(c, pretext::Dataset::load(c.dataset));
      QVERIFY(trainer.run().status == pretext::RunStatus::Finished);
    }
    const std::string dir = run.toStdString();
    const QString recordPath = QString::fromStdString(pretext::writerRecordPath(dir));
    TrainingPanel panel;
    panel.setCliProgram(truePath);
    const auto resumedWith = [&](int recorded) {
      QVERIFY(panel.resumeRun(run));
      QVERIFY(panel.following());
      const QString log = panel.processLog()->toPlainText();
      QVERIFY2(log.contains(QStringLiteral(" train --resume %1 --nproc %2").arg(run).arg(n)), qPrintable(log));
      QVERIFY2(log.contains(QStringLiteral("fewer had %1 processes and this machine runs %2: resuming with %2 keeps the global batch of 32")
                                .arg(recorded)
                                .arg(n)),
               qPrintable(log));
      QTRY_VERIFY_WITH_TIMEOUT(!panel.running(), 60000);
      if (const char* shots = std::getenv("PRETEXT_FOLLOW_SHOTS")) {
        panel.resize(1200, 800);
        panel.show();
        QTest::qWait(200);
        panel.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/fewer-%1.png").arg(recorded));
      }
    };
    // A writer record: stopped by a job of 16.
    pretext::WriterRecord stopped = pretext::runWriterStatus(dir).record;
    stopped.state = pretext::WriterRecord::State::Stopped;
    stopped.worldSize = 16;
    QVERIFY(writeAtomically(recordPath, QByteArray::fromStdString(pretext::writerRecordToJson(stopped))));
    resumedWith(16);
    if (QTest::currentTestFailed()) return;
    // No writer record: config.json's world_size says 8.
    QVERIFY(QFile::remove(recordPath));
    c.worldSize = 8;
    QVERIFY(writeAtomically(run + QStringLiteral("/config.json"), QByteArray::fromStdString(pretext::configToJson(c))));
    if (n == 8) return;  // a machine that runs 8: the recorded number, nothing to say
    resumedWith(8);
  }
};

QTEST_MAIN(TstRunFollow)
#include "tst_runfollow.moc"

// The writer record of a run folder (pretext/runwriter.h): a pretext-cli train killed with SIGKILL is
// reported gone within seconds, Ctrl-C (SIGINT) is a clean stop with a checkpoint to resume from,
// a finished run is finished, and a pid that another process now has is not taken for the writer.
#include "processutil.h"
#include "testconfig.h"

#include <pretext/metrics.h>
#include <pretext/runwriter.h>
#include <pretext/training.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <thread>

#include <signal.h>

using namespace pretext;
namespace fs = std::filesystem;

namespace {

void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// A record of process `pid`, as its own RunWriterRecord would write it, with the given start token.
WriterRecord recordOf(std::int64_t pid, const std::string& token, std::int64_t heartbeatAgeMs = 0) {
  WriterRecord r;
  r.pid = pid;
  r.host = currentHostName();
  r.processStart = token;
  r.startedMs = wallClockMs() - 60000;
  r.heartbeatMs = wallClockMs() - heartbeatAgeMs;
  r.step = 12;
  r.checkpointStep = 8;
  return r;
}

/// The kernel's start of `pid`, read here independently of processStartToken: field 22 of /proc/PID/stat.
std::string startTicks(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  for (int i = 3; i <= 22; ++i) fields >> f;
  return f;
}

QStringList trainArgs(const QString& dir, int epochs) {
  return {"train", "--dataset", "shapes", "--method", "simclr", "--width", "4", "--epochs", QString::number(epochs),
          "--batch-size", "32", "--subset", "128", "--no-knn", "--threads", "1", "--quiet", "--out", dir};
}

std::int64_t lastMetricsStep(const std::string& dir) {
  std::int64_t last = -1;
  for (const auto& row : readMetrics(dir + "/metrics.csv")) last = std::max(last, row.globalStep);
  return last;
}

}  // namespace

class TstRunWriter : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void recordRoundTrip() {
    WriterRecord r = recordOf(4242, "boot:123");
    r.state = WriterRecord::State::Stopped;
    r.worldSize = 4;
    r.message = "stopped at epoch 2, step 3";
    const WriterRecord back = writerRecordFromJson(writerRecordToJson(r));
    QCOMPARE(back.pid, r.pid);
    QCOMPARE(back.host, r.host);
    QCOMPARE(back.processStart, r.processStart);
    QCOMPARE(back.heartbeatMs, r.heartbeatMs);
    QCOMPARE(back.worldSize, 4);
    QCOMPARE(back.step, std::int64_t(12));
    QCOMPARE(back.checkpointStep, std::int64_t(8));
    QCOMPARE(back.message, r.message);
    QVERIFY(back.state == WriterRecord::State::Stopped);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, writerRecordFromJson("{\"state\": \"dancing\", \"pid\": 3}"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, writerRecordFromJson("{\"state\": \"running\"}"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, writerRecordFromJson("{\"state\": \"running\", \"pid\": 1.5}"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, writerRecordFromJson("not json"));
    RunWriterStatus s;
    s.record = r;
    QCOMPARE(s.resumeCommand("/runs/a-1"), std::string("pretext-cli train --resume /runs/a-1 --nproc 4"));
    QCOMPARE(s.resumeCommand("/my runs/it's"), std::string("pretext-cli train --resume '/my runs/it'\\''s' --nproc 4"));
    // A machine that runs fewer processes: the command with its own number; 1 has no --nproc.
    QCOMPARE(s.resumeCommand("/runs/a-1", 2), std::string("pretext-cli train --resume /runs/a-1 --nproc 2"));
    QCOMPARE(s.resumeCommand("/runs/a-1", 1), std::string("pretext-cli train --resume /runs/a-1"));

    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    QVERIFY(runWriterStatus(dir).kind == RunWriterStatus::Kind::None);  // a run from before the record
    writeText(writerRecordPath(dir), "{\"state\": \"running\"");
    const RunWriterStatus bad = runWriterStatus(dir);
    QVERIFY(bad.kind == RunWriterStatus::Kind::Unreadable);
    QVERIFY2(bad.error.find("writer.json") != std::string::npos, bad.error.c_str());
  }

  void startTokenIsTheKernels() {
    if (!fs::exists("/proc/self/stat")) QSKIP("no /proc: the start time cannot be read here");
    const std::string token = processStartToken(currentProcessId());
    QVERIFY(!token.empty());
    QCOMPARE(token.substr(token.find(':') + 1), startTicks(currentProcessId()));
    QCOMPARE(processStartToken(0), std::string());
  }

  // The heartbeat advances while the record lives and stops at finish().
  void heartbeatAndFinish() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    {
      RunWriterRecord writer(dir, 2, 5, std::chrono::milliseconds(50));
      const WriterRecord first = writerRecordFromJson(writerRecordToJson(runWriterStatus(dir).record));
      QCOMPARE(first.pid, currentProcessId());
      QCOMPARE(first.worldSize, 2);
      const RunWriterStatus running = runWriterStatus(dir);
      QVERIFY(running.kind == RunWriterStatus::Kind::Running);
      QVERIFY(running.thisHost);
      QCOMPARE(running.describe(dir), "running (pid " + std::to_string(currentProcessId()) + " on " + currentHostName() +
                                          "), step 5");
      writer.progress(9);
      QTRY_VERIFY_WITH_TIMEOUT(runWriterStatus(dir).record.heartbeatMs > first.heartbeatMs, 60000);
      QTRY_COMPARE_WITH_TIMEOUT(runWriterStatus(dir).record.step, std::int64_t(9), 60000);
      writer.checkpointed(11);
      QCOMPARE(runWriterStatus(dir).record.checkpointStep, std::int64_t(11));  // at once, not at the next beat
      writer.finish(WriterRecord::State::Finished, 11);
    }
    const RunWriterStatus done = runWriterStatus(dir);
    QVERIFY(done.kind == RunWriterStatus::Kind::Finished);
    QVERIFY(done.thisHost);
    const auto written = fs::last_write_time(writerRecordPath(dir));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    QVERIFY(fs::last_write_time(writerRecordPath(dir)) == written);  // no beat after the end
    // A record left unfinished (the trainer's object destroyed) says so, not "gone".
    { RunWriterRecord writer(dir, 1, 0); }
    QVERIFY(runWriterStatus(dir).kind == RunWriterStatus::Kind::Failed);
  }

  // A pid alive now but with another start time is another process: the writer is gone.
  void reusedPidIsNotTheWriter() {
    if (!fs::exists("/proc/self/stat")) QSKIP("no /proc: a reused pid cannot be told from its writer here");
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const std::string token = processStartToken(currentProcessId());
    const std::string boot = token.substr(0, token.find(':'));
    const std::string otherStart = boot + ":" + std::to_string(std::stoll(startTicks(currentProcessId())) + 1);
    writeText(writerRecordPath(dir), writerRecordToJson(recordOf(currentProcessId(), token)));
    QVERIFY(runWriterStatus(dir).kind == RunWriterStatus::Kind::Running);
    writeText(writerRecordPath(dir), writerRecordToJson(recordOf(currentProcessId(), otherStart)));
    const RunWriterStatus reused = runWriterStatus(dir);
    QVERIFY(reused.kind == RunWriterStatus::Kind::Gone);
    QCOMPARE(reused.describe(dir, 14), "stopped at step 14: the process " + std::to_string(currentProcessId()) +
                                           " on this host is gone without finishing (killed?) - last checkpoint at step 8, "
                                           "resume with pretext-cli train --resume " + dir);
    // An ended process whose pid nobody has yet.
    QProcess done;
    done.start("true", {});
    QVERIFY(done.waitForStarted());
    const qint64 donePid = done.processId();
    QVERIFY(done.waitForFinished(60000));
    writeText(writerRecordPath(dir), writerRecordToJson(recordOf(donePid, boot + ":1")));
    QVERIFY(runWriterStatus(dir).kind == RunWriterStatus::Kind::Gone);
    // Alive here, heartbeat stopped (SIGSTOP, a hang): silent, not gone.
    writeText(writerRecordPath(dir), writerRecordToJson(recordOf(currentProcessId(), token, 60000)));
    const RunWriterStatus hung = runWriterStatus(dir);
    QVERIFY(hung.kind == RunWriterStatus::Kind::Silent);
    QVERIFY(hung.thisHost);
  }

  // Resumable exactly when no writer may still be writing, the run did not finish, and a checkpoint
  // is there: each state of the record, this host and another, with and without checkpoints/last.pt.
  void resumableOnlyWithoutALiveWriter() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    using R = RunWriterStatus::Resumable;
    const auto resumable = [&](const WriterRecord& r) {
      writeText(writerRecordPath(dir), writerRecordToJson(r));
      return runWriterStatus(dir).resumable(dir);
    };
    QVERIFY(runWriterStatus(dir).resumable(dir) == R::Unknown);  // no record
    const std::string token = processStartToken(currentProcessId());
    QProcess done;  // an ended process: its record is gone
    done.start("true", {});
    QVERIFY(done.waitForStarted());
    const qint64 donePid = done.processId();
    QVERIFY(done.waitForFinished(60000));
    WriterRecord gone = recordOf(donePid, token.substr(0, token.find(':')) + ":1");
    WriterRecord alive = recordOf(currentProcessId(), token);
    WriterRecord hung = recordOf(currentProcessId(), token, 60000);
    WriterRecord elsewhere = recordOf(12345, "another-boot:99", 0), silentElsewhere = recordOf(12345, "another-boot:99", 60000);
    elsewhere.host = silentElsewhere.host = "node-17.cluster";
    WriterRecord finished = alive, stopped = alive, failed = alive;
    finished.state = WriterRecord::State::Finished;
    stopped.state = WriterRecord::State::Stopped;
    failed.state = WriterRecord::State::Failed;
    // checkpointStep 8 in the record, but no checkpoints/last.pt yet.
    QVERIFY(resumable(gone) == R::NoCheckpoint);
    QVERIFY(resumable(alive) == R::WriterAlive);
    QVERIFY(fs::create_directories(dir + "/checkpoints"));
    writeText(dir + "/checkpoints/last.pt", "x");
    QVERIFY(resumable(gone) == R::Yes);
    QVERIFY(resumable(stopped) == R::Yes);
    QVERIFY(resumable(failed) == R::Yes);
    QVERIFY(resumable(silentElsewhere) == R::Yes);  // no heartbeat from the other host for 60 s
    QVERIFY(resumable(alive) == R::WriterAlive);
    QVERIFY(resumable(hung) == R::WriterAlive);      // the process is there: it may wake up
    QVERIFY(resumable(elsewhere) == R::WriterAlive);  // a fresh heartbeat from another host
    QVERIFY(resumable(finished) == R::Finished);
    gone.checkpointStep = -1;  // killed before its first checkpoint
    QVERIFY(resumable(gone) == R::NoCheckpoint);
    writeText(writerRecordPath(dir), "{oops");
    QVERIFY(runWriterStatus(dir).resumable(dir) == R::Unknown);
  }

  // A resumed run's metrics.csv: rows after the checkpoint's step go, and a line cut off by the
  // kill; the header, earlier rows and malformed complete lines stay byte for byte.
  void dropMetricsAfterTheCheckpoint() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("metrics.csv").toStdString();
    QCOMPARE(dropMetricsAfter(path, 3), std::int64_t(0));
    QVERIFY(!fs::exists(path));  // nothing created
    std::string kept = metricsHeader() + "\n" + formatMetricsRow(MetricsRow::epochRow(-1, 0, 0.0, 0.0, 0.25, 0.0)) + "\n";
    for (int step = 1; step <= 4; ++step) kept += formatMetricsRow(MetricsRow::stepRow(0, step, step, 5.0 - step, -1, 0.1, 90)) + "\n";
    kept += formatMetricsRow(MetricsRow::epochRow(0, 4, 3.5, 80.0, 0.5, 1.25)) + "\n";
    kept += "not,a,row\n";
    std::string after;
    for (int step = 5; step <= 6; ++step) after += formatMetricsRow(MetricsRow::stepRow(1, step - 4, step, 1.0, -1, 0.1, 90)) + "\n";
    const std::string cut = formatMetricsRow(MetricsRow::stepRow(1, 3, 7, 1.0, -1, 0.1, 90)).substr(0, 9);
    writeText(path, kept + after + cut);
    QCOMPARE(dropMetricsAfter(path, 4), std::int64_t(2));
    std::ifstream in(path, std::ios::binary);
    const std::string now((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    QCOMPARE(now, kept);
    const auto mtime = fs::last_write_time(path);
    QCOMPARE(dropMetricsAfter(path, 4), std::int64_t(0));  // nothing to drop: not rewritten
    QVERIFY(fs::last_write_time(path) == mtime);
    QVERIFY(fs::exists(path));
  }

  // Another machine: only the heartbeat's age can tell.
  void otherHostByHeartbeat() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    WriterRecord r = recordOf(12345, "another-boot:99", 3000);
    r.host = "node-17.cluster";
    r.worldSize = 8;
    writeText(writerRecordPath(dir), writerRecordToJson(r));
    const RunWriterStatus fresh = runWriterStatus(dir);
    QVERIFY(fresh.kind == RunWriterStatus::Kind::Running);
    QVERIFY(!fresh.thisHost);
    r.heartbeatMs = wallClockMs() - 42000;
    writeText(writerRecordPath(dir), writerRecordToJson(r));
    const RunWriterStatus silent = runWriterStatus(dir);
    QVERIFY(silent.kind == RunWriterStatus::Kind::Silent);
    const std::string text = silent.describe(dir);
    QVERIFY2(text.rfind("no heartbeat from node-17.cluster for 42 s", 0) == 0, text.c_str());
    QVERIFY2(text.find("pretext-cli train --resume " + dir + " --nproc 8") != std::string::npos, text.c_str());
  }

  // pretext-cli train killed with SIGKILL: no handler runs, the record still says running, and the
  // status says gone within a few seconds. Then Ctrl-C of a resumed run: stopped, resumable.
  void killedTrainingIsGone() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QString qdir = tmp.filePath("run");
    const std::string dir = qdir.toStdString();
    QProcess cli;
    cli.start(PRETEXT_CLI, trainArgs(qdir, 1000));
    QVERIFY(cli.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(runWriterStatus(dir).kind == RunWriterStatus::Kind::Running &&
                                 runWriterStatus(dir).record.checkpointStep >= 0,
                             180000);
    const RunWriterStatus running = runWriterStatus(dir);
    QCOMPARE(running.record.pid, std::int64_t(cli.processId()));
    QVERIFY(running.thisHost);
    QCOMPARE(configFromJson(readTextFileForTest(dir + "/config.json")).worldSize, 1);

    QElapsedTimer clock;
    const pid_t pid = pid_t(cli.processId());
    ::kill(pid, SIGKILL);
    clock.start();
    // Once the kernel has ended the process the status says gone, at the first look: from the process
    // table, not from a heartbeat gone stale some seconds later (no limit in milliseconds: CI's load
    // may hold this thread back for seconds). Not waiting for QProcess to reap it (no event loop runs
    // here): a killed child that is still a zombie is gone too.
    QVERIFY(testutil::waitUntilEnded(pid));
    const RunWriterStatus firstLook = runWriterStatus(dir);
    qInfo("SIGKILL: the process ended after %lld ms, reported %s at once", static_cast<long long>(clock.elapsed()),
          firstLook.kind == RunWriterStatus::Kind::Gone ? "gone" : "not gone");
    QVERIFY2(firstLook.kind == RunWriterStatus::Kind::Gone, firstLook.describe(dir).c_str());
    QVERIFY(cli.waitForFinished(60000));
    const RunWriterStatus gone = runWriterStatus(dir);
    QVERIFY(gone.record.state == WriterRecord::State::Running);  // it never said it ended
    QVERIFY(gone.kind == RunWriterStatus::Kind::Gone);
    const std::string text = gone.describe(dir, lastMetricsStep(dir));
    QVERIFY2(text.find("is gone without finishing (killed?)") != std::string::npos, text.c_str());
    QVERIFY2(text.find("resume with pretext-cli train --resume " + dir) != std::string::npos, text.c_str());

    // `pretext-cli status` prints the same for scripts.
    QProcess status;
    status.start(PRETEXT_CLI, {"status", qdir});
    QVERIFY(status.waitForFinished(120000));
    const QString printed = QString::fromUtf8(status.readAllStandardOutput());
    QCOMPARE(status.exitCode(), 3);
    QVERIFY2(printed.startsWith(QStringLiteral("state: gone\n")), qPrintable(printed));
    QVERIFY2(printed.contains(QStringLiteral("resume: pretext-cli train --resume ") + qdir + QLatin1Char('\n')), qPrintable(printed));
    QVERIFY2(printed.contains(QStringLiteral("summary: ") + QString::fromStdString(gone.describe(dir, lastMetricsStep(dir)))),
             qPrintable(printed));

    // Resumed, then stopped with SIGINT (Ctrl-C): a clean stop, the checkpoint at the step it stopped.
    QProcess resumed;
    resumed.start(PRETEXT_CLI, {"train", "--resume", qdir, "--quiet"});
    QVERIFY(resumed.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(runWriterStatus(dir).kind == RunWriterStatus::Kind::Running &&
                                 runWriterStatus(dir).record.pid == resumed.processId(),
                             180000);
    const std::int64_t before = lastMetricsStep(dir);
    QTRY_VERIFY_WITH_TIMEOUT(lastMetricsStep(dir) > before, 120000);
    ::kill(pid_t(resumed.processId()), SIGINT);
    QVERIFY(resumed.waitForFinished(120000));
    QCOMPARE(resumed.exitCode(), 130);
    const RunWriterStatus stopped = runWriterStatus(dir);
    QVERIFY(stopped.kind == RunWriterStatus::Kind::Stopped);
    QCOMPARE(stopped.record.checkpointStep, stopped.record.step);
    QCOMPARE(stopped.record.step, lastMetricsStep(dir));
    QCOMPARE(Trainer::resume(dir)->startEpoch(), int(stopped.record.step / 4));  // --subset 128, batch 32: 4 steps an epoch
    status.start(PRETEXT_CLI, {"status", qdir});
    QVERIFY(status.waitForFinished(120000));
    QCOMPARE(status.exitCode(), 3);
    QVERIFY(status.readAllStandardOutput().startsWith("state: stopped\n"));
    // No temporary of the killed writer's record is left once a run went on in the folder.
    for (const auto& e : fs::directory_iterator(dir)) {
      QVERIFY2(e.path().filename().string().find(".tmp.") == std::string::npos, e.path().c_str());
    }
  }

  // A run that ends: finished, and config.json records one process.
  void finishedRunIsFinished() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("done").toStdString();
    TrainConfig c;
    c.dataset.kind = "shapes";
    c.dataset.shapesPerClass = 8;
    c.method = "rotation";
    c.backboneWidth = 4;
    c.epochs = 1;
    c.batchSize = 16;
    c.knnEveryEpoch = false;
    c.threads = 1;
    c.outDir = dir;
    Trainer trainer(c, Dataset::load(c.dataset));
    QVERIFY(trainer.run().status == RunStatus::Finished);
    const RunWriterStatus s = runWriterStatus(dir);
    QVERIFY(s.kind == RunWriterStatus::Kind::Finished);
    QCOMPARE(s.record.step, lastMetricsStep(dir));
    QCOMPARE(s.describe(dir), "finished at step " + std::to_string(lastMetricsStep(dir)));
    const TrainConfig written = configFromJson(readTextFileForTest(dir + "/config.json"));
    QCOMPARE(written.worldSize, 1);
    QCOMPARE(written.distBackend, std::string());
    // An older config.json without the keys reads as one process.
    std::string old = readTextFileForTest(dir + "/config.json");
    const auto at = old.find("\"world_size\"");
    QVERIFY(at != std::string::npos);
    const auto lineStart = old.rfind('\n', at), lineEnd = old.find('\n', at);
    const bool last = old[lineEnd - 1] != ',';
    old.erase(lineStart, lineEnd - lineStart);
    if (last) old.erase(old.rfind(',', lineStart), 1);  // the key before it ends the object now
    QVERIFY(old.find("world_size") == std::string::npos);
    QCOMPARE(configFromJson(old).worldSize, 1);
  }

 private:
  static std::string readTextFileForTest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

QTEST_GUILESS_MAIN(TstRunWriter)
#include "tst_runwriter.moc"

// SIGKILL at random moments during `pretext-cli train`: whatever is on disk afterwards is a complete
// checkpoint (the previous or the new one, never half of one) and the run resumes from it.
#include "testconfig.h"

#include <pretext/training.h>

#include <QProcess>
#include <QRandomGenerator>

#include <filesystem>

using namespace pretext;
namespace fs = std::filesystem;

class TstKillResume : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void killedRunsResume() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    QRandomGenerator rng(7);
    int resumedFromCheckpoint = 0;
    for (int round = 0; round < 8; ++round) {
      QProcess cli;
      QStringList args;
      if (fs::exists(dir + "/config.json")) {
        args << "train" << "--resume" << QString::fromStdString(dir) << "--quiet";
      } else {
        args << "train" << "--dataset" << "shapes" << "--method" << "simclr" << "--width" << "8" << "--epochs"
             << "1000" << "--batch-size" << "32" << "--no-knn" << "--threads" << "1" << "--quiet" << "--out"
             << QString::fromStdString(dir);
      }
      const std::string ckpt = dir + "/checkpoints/last.pt";
      cli.start(PRETEXT_CLI, args);
      QVERIFY(cli.waitForStarted());
      if (round == 0) {
        // However slow the machine, the first round lets one checkpoint be written.
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(ckpt), 120000);
      }
      QThread::msleep(rng.bounded(1500));
      cli.kill();  // SIGKILL: no handler runs
      QVERIFY(cli.waitForFinished(60000));
      QVERIFY(fs::exists(ckpt));
      auto trainer = Trainer::resume(dir);  // throws if the checkpoint is damaged
      QVERIFY(trainer->startEpoch() >= 1);
      ++resumedFromCheckpoint;
    }
    // A resumed run (one more epoch, to the end) clears what killed writers left behind.
    const int next = Trainer::resume(dir)->startEpoch() + 1;
    QProcess last;
    last.start(PRETEXT_CLI, {"train", "--resume", QString::fromStdString(dir), "--epochs", QString::number(next), "--quiet"});
    QVERIFY(last.waitForStarted());
    QVERIFY(last.waitForFinished(300000));
    QCOMPARE(last.exitCode(), 0);
    for (const auto& e : fs::directory_iterator(dir + "/checkpoints")) {
      QVERIFY2(e.path().filename() == "last.pt" || e.path().filename() == "initial_filters.pt", e.path().c_str());
    }
    QCOMPARE(resumedFromCheckpoint, 8);
    qInfo("%d of 8 killed runs resumed from their checkpoint", resumedFromCheckpoint);
  }
};

QTEST_APPLESS_MAIN(TstKillResume)
#include "tst_killresume.moc"

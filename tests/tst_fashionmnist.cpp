// The real Fashion-MNIST from Debian's dataset-fashion-mnist package (installed by the README's
// test command).
#include <QtTest/QtTest>

#include <pretext/dataset.h>

#include <chrono>
#include <filesystem>

using namespace pretext;

class TstFashionMnist : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (!std::filesystem::exists(defaultFashionMnistPath() + "/train-images-idx3-ubyte.gz")) {
      QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, which the README's test "
            "command does)");
    }
  }

  void realDataset() {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset ds = Dataset::load(DatasetSpec::parse("fashion-mnist"));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    qInfo("loaded 70,000 Fashion-MNIST images in %.3f s", seconds);
    QCOMPARE(ds.size(Split::Train), 60000);
    QCOMPARE(ds.size(Split::Test), 10000);
    QCOMPARE(ds.channels(), 1);
    QCOMPARE(ds.height(), 28);
    QCOMPARE(ds.width(), 28);
    QCOMPARE(ds.numClasses(), 10);
    for (const auto& s : ds.splits()) {
      const std::int64_t per = s.split == Split::Train ? 6000 : 1000;
      QCOMPARE(s.classCounts, std::vector<std::int64_t>(10, per));
    }
    QCOMPARE(ds.label(Split::Test, 0), 9);
    QCOMPARE(ds.classNames()[9], std::string("Ankle boot"));
    QCOMPARE(ds.label(Split::Train, 0), 9);  // the first training image is an ankle boot too
  }
};

QTEST_APPLESS_MAIN(TstFashionMnist)
#include "tst_fashionmnist.moc"

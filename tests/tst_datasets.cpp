// Each dataset reader on files this test writes, and every malformed case it must reject clearly.
#include "datasets/datasetdata.h"
#include "testutil.h"

#include <pretext/dataset.h>

#include <QElapsedTimer>

#include <filesystem>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

using namespace pretext;
namespace fs = std::filesystem;

class TstDatasets : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string dir(const std::string& name) {
    const auto p = fs::path(m_dir.path().toStdString()) / name;
    fs::create_directories(p);
    return p.string();
  }
  // Expects Dataset::load to throw a DatasetError whose message contains every fragment.
  void expectError(const DatasetSpec& spec, const std::vector<std::string>& fragments) {
    try {
      Dataset::load(spec);
      QFAIL(("no error for " + spec.toString()).c_str());
    } catch (const DatasetError& e) {
      const std::string msg = e.what();
      for (const auto& f : fragments) {
        QVERIFY2(msg.find(f) != std::string::npos, ("'" + msg + "' lacks '" + f + "'").c_str());
      }
    }
  }

  std::vector<std::uint8_t> cifarRecords(int n, int labelBytes, int classes) {
    std::vector<std::uint8_t> b;
    for (int i = 0; i < n; ++i) {
      if (labelBytes == 2) b.push_back(std::uint8_t(i % 20));  // coarse
      b.push_back(std::uint8_t(i % classes));
      for (int p = 0; p < 3072; ++p) b.push_back(std::uint8_t((p / 1024) * 80 + i));  // channel-coded value
    }
    return b;
  }

 private Q_SLOTS:
  void idxPlainAndGz() {
    const auto plain = dir("idx-plain");
    testutil::writeBytes(plain + "/train-images-idx3-ubyte", testutil::idxImages(30, 28, 28));
    testutil::writeBytes(plain + "/train-labels-idx1-ubyte", testutil::idxLabels(30, 10));
    testutil::writeBytes(plain + "/t10k-images-idx3-ubyte", testutil::idxImages(10, 28, 28));
    testutil::writeBytes(plain + "/t10k-labels-idx1-ubyte", testutil::idxLabels(10, 10));
    const Dataset a = Dataset::load(DatasetSpec::parse("mnist:" + plain));
    QCOMPARE(a.size(Split::Train), 30);
    QCOMPARE(a.size(Split::Test), 10);
    QCOMPARE(a.channels(), 1);
    QCOMPARE(a.height(), 28);
    QCOMPARE(a.label(Split::Train, 13), 3);
    const Image img = a.image(Split::Train, 2);
    QCOMPARE(img.width, 28);
    QCOMPARE(int(img.pixels[5]), (2 * 7 + 5) % 256);

    const auto gz = dir("fashion-gz");
    testutil::writeGz(gz + "/train-images-idx3-ubyte.gz", testutil::idxImages(30, 28, 28));
    testutil::writeGz(gz + "/train-labels-idx1-ubyte.gz", testutil::idxLabels(30, 10));
    const DatasetSpec spec = DatasetSpec::parse(gz);  // detected from the files and the folder name
    QCOMPARE(spec.kind, std::string("fashion-mnist"));
    const Dataset b = Dataset::load(spec);
    QCOMPARE(b.size(Split::Train), 30);
    QVERIFY(!b.hasSplit(Split::Test));
    QCOMPARE(b.classNames()[9], std::string("Ankle boot"));
    QVERIFY(torch::equal(a.data().get(Split::Train).images, b.data().get(Split::Train).images));
  }

  void idxMalformed() {
    const auto d = dir("idx-bad-magic");
    auto images = testutil::idxImages(5, 28, 28);
    images[3] = 0x01;  // label magic in an image file
    testutil::writeBytes(d + "/train-images-idx3-ubyte", images);
    testutil::writeBytes(d + "/train-labels-idx1-ubyte", testutil::idxLabels(5, 10));
    expectError({"mnist", d}, {"train-images-idx3-ubyte", "bad IDX magic number"});

    const auto t = dir("idx-truncated");
    images = testutil::idxImages(5, 28, 28);
    images.resize(images.size() - 100);
    testutil::writeBytes(t + "/train-images-idx3-ubyte", images);
    testutil::writeBytes(t + "/train-labels-idx1-ubyte", testutil::idxLabels(5, 10));
    expectError({"mnist", t}, {"train-images-idx3-ubyte", "truncated", "3920", "3820"});

    const auto c = dir("idx-count");
    testutil::writeBytes(c + "/train-images-idx3-ubyte", testutil::idxImages(5, 28, 28));
    testutil::writeBytes(c + "/train-labels-idx1-ubyte", testutil::idxLabels(4, 10));
    expectError({"mnist", c}, {"4 labels for 5 images"});

    const auto g = dir("idx-corrupt-gz");
    testutil::writeGz(g + "/train-images-idx3-ubyte.gz", testutil::idxImages(50, 28, 28));
    testutil::writeBytes(g + "/train-labels-idx1-ubyte", testutil::idxLabels(50, 10));
    auto bytes = testutil::idxImages(0, 0, 0);
    {
      std::ifstream in(g + "/train-images-idx3-ubyte.gz", std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes.resize(bytes.size() / 2);  // cut the gzip stream in the middle
    testutil::writeBytes(g + "/train-images-idx3-ubyte.gz", bytes);
    expectError({"mnist", g}, {"train-images-idx3-ubyte.gz"});

    const auto l = dir("idx-label-range");
    testutil::writeBytes(l + "/train-images-idx3-ubyte", testutil::idxImages(5, 28, 28));
    testutil::writeBytes(l + "/train-labels-idx1-ubyte", testutil::idxLabels(5, 12));
    // 5 images, labels 0..4: fine; now label 11 at the end
    auto labels = testutil::idxLabels(5, 10);
    labels.back() = 11;
    testutil::writeBytes(l + "/train-labels-idx1-ubyte", labels);
    expectError({"mnist", l}, {"label 11", "10 classes"});

    expectError({"mnist", dir("idx-empty")}, {"no IDX image files"});
    expectError({"fashion-mnist", m_dir.path().toStdString() + "/does-not-exist"}, {"not found"});
  }

  void idxGzipStopsWhereItsHeaderSays() {
    // A gzip whose header promises 10 images of 28x28 (7840 bytes), followed by 50 MB of zeros
    // (about 50 KB compressed): refused, naming the file, after reading the promised bytes and a
    // small probe, not the 50 MB.
    const auto d = dir("idx-gz-bomb");
    const std::string path = d + "/train-images-idx3-ubyte.gz";
    auto bytes = testutil::idxImages(10, 28, 28);
    bytes.resize(bytes.size() + (std::size_t(50) << 20), 0);
    testutil::writeGz(path, bytes);
    bytes = {};
    QVERIFY(fs::file_size(path) < (std::size_t(1) << 20));
    {
      datasets::ByteReader in(path);
      QElapsedTimer timer;
      timer.start();
      try {
        datasets::readIdx(in, 3);
        QFAIL("an IDX gzip with 50 MB after its data was accepted");
      } catch (const DatasetError& e) {
        const std::string msg = e.what();
        QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("unexpected bytes after the 7840 bytes") != std::string::npos, msg.c_str());
      }
      // The header, the data and a probe of at most 64 KiB + 1: nowhere near 50 MB.
      // (Counted, not timed: the bytes read are the property; the time is for the log.)
      QVERIFY2(in.bytesRead() <= 16 + 7840 + 65537, std::to_string(in.bytesRead()).c_str());
      qInfo("the IDX gzip bomb was refused after %lld ms", timer.elapsed());
    }
    testutil::writeBytes(d + "/train-labels-idx1-ubyte", testutil::idxLabels(10, 10));
    expectError({"mnist", d}, {"train-images-idx3-ubyte.gz", "unexpected bytes"});

    // Fewer bytes than the header promises: 9 images where it says 10.
    auto short9 = testutil::idxImages(10, 28, 28);
    short9.resize(short9.size() - 784);
    testutil::writeGz(path, short9);
    expectError({"mnist", d}, {"train-images-idx3-ubyte.gz", "truncated", "7840", "7056"});

    // A header promising more than its gzip data could ever inflate to (1032:1) is refused before
    // anything is allocated: 2^24 images of 28x28 (13 GB) from a few hundred bytes.
    auto huge = testutil::idxImages(1, 28, 28);
    huge[4] = 0x01;  // n = 0x01000000
    huge[7] = 0x00;
    testutil::writeGz(path, huge);
    datasets::ByteReader in(path);
    try {
      datasets::readIdx(in, 3);
      QFAIL("a gzip promising 13 GB from a few hundred bytes was accepted");
    } catch (const DatasetError& e) {
      QVERIFY2(std::string(e.what()).find("more than its") != std::string::npos, e.what());
    }
    QVERIFY(in.bytesRead() <= 16);
  }

  void cifar10() {
    const auto d = dir("cifar-10-batches-bin");
    testutil::writeBytes(d + "/data_batch_1.bin", cifarRecords(12, 1, 10));
    testutil::writeBytes(d + "/data_batch_2.bin", cifarRecords(8, 1, 10));
    testutil::writeBytes(d + "/test_batch.bin", cifarRecords(5, 1, 10));
    const DatasetSpec spec = DatasetSpec::parse(d);
    QCOMPARE(spec.kind, std::string("cifar10"));
    const Dataset ds = Dataset::load(spec);
    QCOMPARE(ds.size(Split::Train), 20);
    QCOMPARE(ds.size(Split::Test), 5);
    QCOMPARE(ds.channels(), 3);
    QCOMPARE(ds.classNames()[0], std::string("airplane"));
    QCOMPARE(ds.label(Split::Train, 12 + 3), 3);  // second file, 4th record
    const Image img = ds.image(Split::Train, 1);
    QCOMPARE(int(img.at(0, 0)[0]), 1);        // R plane: 0*80 + i
    QCOMPARE(int(img.at(5, 7)[1]), 80 + 1);   // G plane
    QCOMPARE(int(img.at(31, 31)[2]), 160 + 1);

    const auto bad = dir("cifar-bad");
    auto bytes = cifarRecords(3, 1, 10);
    bytes.pop_back();
    testutil::writeBytes(bad + "/data_batch_1.bin", bytes);
    expectError({"cifar10", bad}, {"data_batch_1.bin", "3073-byte"});
    bytes = cifarRecords(3, 1, 10);
    bytes[3073] = 12;  // label of record 1
    testutil::writeBytes(bad + "/data_batch_1.bin", bytes);
    expectError({"cifar10", bad}, {"record 1", "label 12"});
  }

  void cifar100() {
    const auto d = dir("cifar-100-binary");
    testutil::writeBytes(d + "/train.bin", cifarRecords(10, 2, 100));
    testutil::writeBytes(d + "/test.bin", cifarRecords(4, 2, 100));
    const DatasetSpec spec = DatasetSpec::parse(d);
    QCOMPARE(spec.kind, std::string("cifar100"));
    const Dataset ds = Dataset::load(spec);
    QCOMPARE(ds.numClasses(), 100);
    QCOMPARE(ds.size(Split::Train), 10);
    QCOMPARE(ds.label(Split::Train, 7), 7);  // the fine label
  }

  void stl10() {
    const auto d = dir("stl10_binary");
    const int n = 3, side = 96;
    std::vector<std::uint8_t> x;
    // Column-major per channel: byte (c, col, row) = c*50 + (row < 10 ? 200 : 0) for a horizontal bar.
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c)
        for (int col = 0; col < side; ++col)
          for (int row = 0; row < side; ++row) x.push_back(std::uint8_t(c * 20 + (row < 10 ? 200 : 0) + i));
    testutil::writeBytes(d + "/train_X.bin", x);
    testutil::writeBytes(d + "/train_y.bin", {1, 10, 5});
    testutil::writeBytes(d + "/unlabeled_X.bin", x);
    DatasetSpec spec = DatasetSpec::parse(d);
    QCOMPARE(spec.kind, std::string("stl10"));
    spec.loadUnlabeled = true;
    const Dataset ds = Dataset::load(spec);
    QCOMPARE(ds.size(Split::Train), 3);
    QCOMPARE(ds.size(Split::Unlabeled), 3);
    QCOMPARE(ds.label(Split::Train, 1), 9);
    QCOMPARE(ds.height(), 96);
    const Image img = ds.image(Split::Train, 2);
    QCOMPARE(int(img.at(50, 5)[0]), 200 + 2);  // rows 0..9 are the bar: column-major was transposed
    QCOMPARE(int(img.at(5, 50)[0]), 2);
    QCOMPARE(int(img.at(5, 50)[2]), 40 + 2);
    QCOMPARE(ds.label(Split::Unlabeled, 0), -1);

    testutil::writeBytes(d + "/train_y.bin", {1, 11, 5});
    expectError({"stl10", d}, {"train_y.bin", "label 11"});
    testutil::writeBytes(d + "/train_y.bin", {1, 2});
    expectError({"stl10", d}, {"2 labels for 3 images"});
    x.resize(x.size() - 1);
    testutil::writeBytes(d + "/train_X.bin", x);
    expectError({"stl10", d}, {"train_X.bin", "not a whole number"});
  }

  void imageFolder() {
#ifndef PRETEXT_HAVE_OPENCV
    QSKIP("built without OpenCV (-DPRETEXT_WITH_OPENCV=OFF): image folders are not readable");
#else
    const auto root = dir("folder");
    for (const char* cls : {"cats", "dogs"}) {
      fs::create_directories(root + "/" + cls);
      for (int i = 0; i < 3; ++i) {
        cv::Mat img(40 + i, 50, CV_8UC3, cv::Scalar(std::string(cls) == "cats" ? 255 : 0, 0, 100));  // BGR
        cv::imwrite(root + "/" + cls + "/" + std::to_string(i) + (i == 2 ? ".jpg" : ".png"), img);
      }
    }
    DatasetSpec spec = DatasetSpec::parse(root);
    QCOMPARE(spec.kind, std::string("folder"));
    spec.imageSize = 24;
    const Dataset ds = Dataset::load(spec);
    QCOMPARE(ds.classNames(), (std::vector<std::string>{"cats", "dogs"}));
    QCOMPARE(ds.size(Split::Train), 6);
    QCOMPARE(ds.height(), 24);
    QCOMPARE(ds.channels(), 3);
    QCOMPARE(ds.label(Split::Train, 4), 1);
    const Image cat = ds.image(Split::Train, 0);
    QCOMPARE(int(cat.at(10, 10)[2]), 255);  // BGR blue became RGB blue
    QCOMPARE(int(cat.at(10, 10)[0]), 100);

    testutil::writeBytes(root + "/dogs/broken.png", {0x89, 'P', 'N', 'G', 1, 2, 3});
    expectError(spec, {"broken.png", "cannot decode"});

    const auto empty = dir("empty-folder");
    expectError({"folder", empty}, {"no class folders"});
    fs::create_directories(empty + "/a");
    expectError({"folder", empty}, {"no .png/.jpg images"});
#endif
  }

  void shapesAreDeterministic() {
    DatasetSpec spec;
    spec.kind = "shapes";
    spec.shapesPerClass = 6;
    const Dataset a = Dataset::load(spec), b = Dataset::load(spec);
    QCOMPARE(a.size(Split::Train), 48);
    QCOMPARE(a.size(Split::Test), 8);
    QCOMPARE(a.numClasses(), 8);
    QVERIFY(torch::equal(a.data().get(Split::Train).images, b.data().get(Split::Train).images));
    spec.seed = 2;
    const Dataset c = Dataset::load(spec);
    QVERIFY(!torch::equal(a.data().get(Split::Train).images, c.data().get(Split::Train).images));
    const auto counts = a.splits()[0].classCounts;
    QCOMPARE(counts, std::vector<std::int64_t>(8, 6));
    // A shape is visible: the image is not flat.
    const auto img = a.data().get(Split::Train).images[0].to(torch::kFloat);
    QVERIFY(img.std().item<double>() > 20.0);
  }

  void sampleIndicesCoverClasses() {
    DatasetSpec spec;
    spec.kind = "shapes";
    spec.shapesPerClass = 5;
    const Dataset ds = Dataset::load(spec);
    const auto idx = ds.sampleIndices(Split::Train, 16);
    QCOMPARE(int(idx.size()), 16);
    std::vector<int> seen(8, 0);
    for (auto i : idx) seen[std::size_t(ds.label(Split::Train, i))]++;
    QCOMPARE(seen, std::vector<int>(8, 2));
  }

  void specParsing() {
    QCOMPARE(DatasetSpec::parse("shapes").kind, std::string("shapes"));
    const auto s = DatasetSpec::parse("cifar10:/x/y");
    QCOMPARE(s.kind, std::string("cifar10"));
    QCOMPARE(s.path, std::string("/x/y"));
    QVERIFY_THROWS_EXCEPTION(DatasetError, DatasetSpec::parse("/no/such/place"));
    QVERIFY_THROWS_EXCEPTION(DatasetError, DatasetSpec::parse(""));
  }
};

QTEST_APPLESS_MAIN(TstDatasets)
#include "tst_datasets.moc"

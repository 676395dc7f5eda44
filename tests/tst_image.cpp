// The PNG writer, sheets with captions, and config.json's reader and writer.
#include "pretext/image.h"
#include "pretext/training.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>

#ifdef PRETEXT_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

using namespace pretext;

class TstImage : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void pngWriter() {
    // What savePng writes, read back by zlib alone (chunk CRCs, IDAT inflated) and by OpenCV's
    // PNG decoder where the build has it.
    QTemporaryDir dir;
    for (int channels : {1, 3}) {
      Image img(37, 23, channels);
      for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = std::uint8_t((i * 31) % 251);
      const std::string path = dir.filePath("x.png").toStdString();
      savePng(img, path);
      const auto back = testutil::decodePng(path);
      QCOMPARE(back.width, 37);
      QCOMPARE(back.height, 23);
      QCOMPARE(back.channels, channels);
      QVERIFY(back.pixels == img.pixels);
#ifdef PRETEXT_HAVE_OPENCV
      const cv::Mat m = cv::imread(path, cv::IMREAD_UNCHANGED);
      QCOMPARE(m.cols, 37);
      QCOMPARE(m.rows, 23);
      QCOMPARE(m.channels(), channels);
      for (int y = 0; y < m.rows; ++y) {
        for (int x = 0; x < m.cols; ++x) {
          for (int c = 0; c < channels; ++c) {
            // OpenCV stores colour as BGR.
            const int cvc = channels == 3 ? 2 - c : 0;
            QCOMPARE(int(m.ptr<std::uint8_t>(y)[x * channels + cvc]), int(img.at(x, y)[c]));
          }
        }
      }
#endif
    }
    // A larger image compresses: deflate, not stored blocks.
    Image flat(256, 256, 3);
    const std::string path = dir.filePath("flat.png").toStdString();
    savePng(flat, path);
    QVERIFY(QFileInfo(QString::fromStdString(path)).size() < 4096);
    QVERIFY(testutil::decodePng(path).pixels == flat.pixels);
  }

  void pngWriterRejectsBadImages() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.png").toStdString();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, savePng(Image(0, 0, 3), path));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, savePng(Image(4, 4, 2), path));
    Image wrongSize(4, 4, 3);
    wrongSize.pixels.pop_back();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, savePng(wrongSize, path));
    QVERIFY(!QFileInfo::exists(QString::fromStdString(path)));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, savePng(Image(4, 4, 3), dir.filePath("no/such/folder/x.png").toStdString()));
  }

  void gridWithCaptions() {
    std::vector<Image> tiles(5, Image(8, 8, 1));
    for (auto& t : tiles) std::fill(t.pixels.begin(), t.pixels.end(), std::uint8_t(0));
    const Image sheet = makeGrid(tiles, 3, 2, {"a", "b", "c", "d", "e"});
    QCOMPARE(sheet.channels, 3);
    QCOMPARE(sheet.width, 3 * (12 + 2) + 2);  // a one-letter caption plus a glyph of space is 12 wide
    // Two rows of tiles with an 11-pixel caption line under each.
    QCOMPARE(sheet.height, 2 * (8 + 13 + 2) + 2);
    // Tile pixels are black, the background white, and the captions draw dark pixels.
    QCOMPARE(int(sheet.at(2 + 2, 2)[0]), 0);  // tiles are centred in their cells
    QCOMPARE(int(sheet.at(0, 0)[0]), 255);
    int dark = 0;
    for (int y = 2 + 8; y < 2 + 8 + 13; ++y)
      for (int x = 0; x < sheet.width; ++x) dark += sheet.at(x, y)[0] < 128;
    QVERIFY(dark > 10);
  }

  void configRejectsMalformedJson() {
    // config.json is parsed strictly (nlohmann-json): no trailing commas, no trailing text, no
    // unknown escapes; the message says it is config.json and where the parser stopped.
    for (const char* bad : {"{", "{\"a\" 1}", "[1,]", "tru", "{\"a\": 1} x", "\"\\q\"", "{\"epochs\": 1,}"}) {
      QVERIFY_THROWS_EXCEPTION(std::runtime_error, configFromJson(bad));
    }
    try {
      configFromJson("{\"a\": [1, 2,, 3]}");
      QFAIL("no error");
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      QVERIFY2(what.find("config.json") != std::string::npos && what.find("column 13") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, configFromJson("[1, 2]"));  // not an object
  }

  void configRoundTrip() {
    TrainConfig c;
    c.dataset = DatasetSpec::parse("shapes");
    c.method = "moco";
    c.epochs = 7;
    c.methodOptions["temperature"] = 0.3;
    c.augment.cutout.enabled = true;
    c.augment.cutout.strength = 0.25f;
    const TrainConfig back = configFromJson(configToJson(c));
    QCOMPARE(back.method, std::string("moco"));
    QCOMPARE(back.epochs, 7);
    QCOMPARE(back.dataset.kind, std::string("shapes"));
    QCOMPARE(back.methodOptions.at("temperature"), 0.3);
    QVERIFY(back.augment.cutout.enabled);
    QCOMPARE(back.augment.cutout.strength, 0.25f);
    try {
      configFromJson("{\"epochs\": \"many\"}");
      QFAIL("a string was read as the number of epochs");
    } catch (const std::runtime_error& e) {
      QVERIFY2(std::string(e.what()).find("'epochs'") != std::string::npos, e.what());
    }
    try {
      configFromJson("{\"dataset\": {\"seed\": true}}");
      QFAIL("a boolean was read as the dataset seed");
    } catch (const std::runtime_error& e) {
      QVERIFY2(std::string(e.what()).find("'seed'") != std::string::npos, e.what());
    }
  }

  void configKeepsSixtyFourBitIntegers() {
    // Seeds above 2^53 (the last integer a double holds exactly) survive a write and a read.
    TrainConfig c;
    c.seed = (std::uint64_t(1) << 63) + 5;
    c.dataset.seed = ~std::uint64_t(0);
    c.subset = (std::int64_t(1) << 62) + 1;
    c.knnTestLimit = (std::int64_t(1) << 53) + 1;
    const std::string text = configToJson(c);
    QVERIFY2(text.find("9223372036854775813") != std::string::npos, text.c_str());
    const TrainConfig back = configFromJson(text);
    QCOMPARE(back.seed, (std::uint64_t(1) << 63) + 5);
    QCOMPARE(back.dataset.seed, ~std::uint64_t(0));
    QCOMPARE(back.subset, (std::int64_t(1) << 62) + 1);
    QCOMPARE(back.knnTestLimit, (std::int64_t(1) << 53) + 1);
    QCOMPARE(configToJson(back), text);
    // A 64-bit value does not fit a 32-bit field: an error naming the key, not a wrapped number.
    try {
      configFromJson("{\"epochs\": 9223372036854775813}");
      QFAIL("epochs wrapped around");
    } catch (const std::runtime_error& e) {
      QVERIFY2(std::string(e.what()).find("'epochs'") != std::string::npos &&
                   std::string(e.what()).find("out of range") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, configFromJson("{\"subset\": 9223372036854775813}"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, configFromJson("{\"seed\": -1}"));
  }
};

QTEST_APPLESS_MAIN(TstImage)
#include "tst_image.moc"

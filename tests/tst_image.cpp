// The PNG writer, sheets with captions, and the config JSON reader/writer.
#include "io/json.h"
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

  void jsonRoundTrip() {
    const auto j = io::Json::parse(R"({"a": 1.5, "b": [true, null, "x\n\u00e9"], "c": {"d": -2e3}})");
    QCOMPARE(j.at("a").asNumber(), 1.5);
    QCOMPARE(j.at("b").asArray()[2].asString(), std::string("x\n\xc3\xa9"));
    QCOMPARE(j.at("c").at("d").asNumber(), -2000.0);
    const auto again = io::Json::parse(j.dump());
    QCOMPARE(again.dump(), j.dump());
    for (const char* bad : {"{", "{\"a\" 1}", "[1,]", "tru", "{\"a\": 1} x", "\"\\q\""}) {
      QVERIFY_THROWS_EXCEPTION(std::runtime_error, io::Json::parse(bad));
    }
    try {
      io::Json::parse("{\"a\": [1, 2,, 3]}");
      QFAIL("no error");
    } catch (const std::runtime_error& e) {
      QVERIFY(std::string(e.what()).find("at byte 12") != std::string::npos);
    }
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
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, configFromJson("{\"epochs\": \"many\"}"));
  }
};

QTEST_APPLESS_MAIN(TstImage)
#include "tst_image.moc"

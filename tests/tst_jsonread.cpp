// What each JSON reader accepts and refuses (io/jsonread.h, shared by five files): config.json
// (configFromJson), writer.json (writerRecordFromJson, runWriterStatus), eval.json (summarizeRun) and
// a prepared dataset's manifest.json (findPreparedDatasets, verifyPreparedDataset; prepare's
// progress.json is in tst_prepare).
// Whole-number doubles, fractions, numbers written as strings, missing keys and wrong types, for each
// reader, and the messages that name the key and the file. The expectations are written by hand from
// each file's documented rules, not taken from the code's output.
#include "io/fileutil.h"
#include "io/jsonread.h"

#include <pretext/evaluation.h>
#include <pretext/prepare.h>
#include <pretext/runwriter.h>
#include <pretext/training.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace pretext;

namespace {

/// The message `f` throws (std::runtime_error), or "no error".
std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

std::string configError(const std::string& text) {
  return errorOf([&] { configFromJson(text); });
}

/// writer.json with the two keys every record needs, and `more` after them.
std::string writerJson(const std::string& more) {
  return "{\"state\": \"running\", \"pid\": 7" + (more.empty() ? std::string() : ", " + more) + "}";
}

std::string writerError(const std::string& text) {
  return errorOf([&] { writerRecordFromJson(text); });
}

}  // namespace

class TstJsonRead : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void configJson() {
    const TrainConfig defaults;
    // Whole numbers: written with or without a fraction; a fraction is truncated toward zero.
    QCOMPARE(configFromJson(R"({"epochs": 3})").epochs, 3);
    QCOMPARE(configFromJson(R"({"epochs": 3.0})").epochs, 3);
    QCOMPARE(configFromJson(R"({"epochs": 2.5})").epochs, 2);
    QCOMPARE(configFromJson(R"({"epochs": 2e0})").epochs, 2);
    QCOMPARE(configFromJson(R"({"subset": 3000000000})").subset, std::int64_t(3000000000));
    QCOMPARE(configFromJson(R"({"seed": 18446744073709551615})").seed, std::numeric_limits<std::uint64_t>::max());
    QCOMPARE(configFromJson(R"({"dataset": {"image_size": 32.0}})").dataset.imageSize, 32);
    // Real numbers: whole numbers are real numbers too.
    QCOMPARE(configFromJson(R"({"learning_rate": 2})").learningRate, 2.0);
    QCOMPARE(configFromJson(R"({"learning_rate": 0.25})").learningRate, 0.25);
    QCOMPARE(configFromJson(R"({"augment": {"flip": {"probability": 1}}})").augment.flip.probability, 1.0f);
    QCOMPARE(configFromJson(R"({"method_options": {"temperature": 1}})").methodOptions.at("temperature"), 1.0);
    // Missing keys: the defaults.
    const TrainConfig empty = configFromJson("{}");
    QCOMPARE(empty.epochs, defaults.epochs);
    QCOMPARE(empty.method, defaults.method);
    QCOMPARE(empty.learningRate, defaults.learningRate);
    QCOMPARE(empty.bf16, defaults.bf16);
    QCOMPARE(empty.worldSize, 1);
    QCOMPARE(empty.checkpointEveryEpochs, 1);
    QCOMPARE(empty.streamData, std::string("auto"));
    // Wrong types, numbers written as strings among them: refused, naming the file and the key.
    QCOMPARE(configError(R"({"epochs": "3"})"), std::string("config.json: 'epochs': expected a number, found string"));
    QCOMPARE(configError(R"({"epochs": true})"), std::string("config.json: 'epochs': expected a number, found boolean"));
    QCOMPARE(configError(R"({"epochs": null})"), std::string("config.json: 'epochs': expected a number, found null"));
    QCOMPARE(configError(R"({"learning_rate": "0.1"})"),
             std::string("config.json: 'learning_rate': expected a number, found string"));
    QCOMPARE(configError(R"({"dataset": {"image_size": "32"}})"),
             std::string("config.json: 'image_size': expected a number, found string"));
    QCOMPARE(configError(R"({"method": 3})"), std::string("config.json: 'method': expected a string, found number"));
    QCOMPARE(configError(R"({"bf16": 1})"), std::string("config.json: 'bf16': expected a boolean, found number"));
    QCOMPARE(configError(R"({"dataset": []})"), std::string("config.json: 'dataset': expected an object, found array"));
    QCOMPARE(configError(R"({"method_options": {"temperature": "0.5"}})"),
             std::string("config.json: 'temperature': expected a number, found string"));
    // Out of the type's range: refused with the value.
    QCOMPARE(configError(R"({"epochs": 2147483648})"), std::string("config.json: 'epochs': 2147483648 is out of range"));
    QCOMPARE(configError(R"({"epochs": -2147483649})"), std::string("config.json: 'epochs': -2147483649 is out of range"));
    QCOMPARE(configError(R"({"epochs": 2147483648.5})"), std::string("config.json: 'epochs': 2.14748e+09 is out of range"));
    QCOMPARE(configError(R"({"seed": -1})"), std::string("config.json: 'seed': -1 is out of range"));
    QCOMPARE(configError("[1]"), std::string("config.json: expected an object"));
  }

  void writerJsonReads() {
    // Whole numbers only as written by nlohmann-json for an integer: no fraction, no exponent.
    const WriterRecord r = writerRecordFromJson(writerJson("\"step\": 12, \"checkpoint_step\": 8, \"world_size\": 2, "
                                                           "\"host\": \"h\", \"heartbeat_ms\": 9007199254740993"));
    QCOMPARE(r.pid, std::int64_t(7));
    QCOMPARE(r.step, std::int64_t(12));
    QCOMPARE(r.checkpointStep, std::int64_t(8));
    QCOMPARE(r.worldSize, 2);
    QCOMPARE(r.host, std::string("h"));
    QCOMPARE(r.heartbeatMs, std::int64_t(9007199254740993));  // 2^53 + 1: not through a double
    QVERIFY(r.state == WriterRecord::State::Running);
    // Missing keys: the documented defaults.
    const WriterRecord bare = writerRecordFromJson(writerJson(""));
    QCOMPARE(bare.step, std::int64_t(0));
    QCOMPARE(bare.checkpointStep, std::int64_t(-1));
    QCOMPARE(bare.heartbeatEveryMs, std::int64_t(2000));
    QCOMPARE(bare.worldSize, 1);
    QCOMPARE(bare.host, std::string());
    QCOMPARE(bare.message, std::string());
    // A whole number written with a fraction or exponent, a fraction, a string: refused, naming the key.
    QCOMPARE(writerError(writerJson("\"step\": 12.0")), std::string("'step': expected a whole number, not 12.0"));
    QCOMPARE(writerError(writerJson("\"step\": 2.5")), std::string("'step': expected a whole number, not 2.5"));
    QCOMPARE(writerError(writerJson("\"step\": 1e3")), std::string("'step': expected a whole number, not 1000.0"));
    QCOMPARE(writerError(writerJson("\"step\": \"12\"")), std::string("'step': expected a whole number, found string"));
    QCOMPARE(writerError(writerJson("\"step\": null")), std::string("'step': expected a whole number, found null"));
    QCOMPARE(writerError(writerJson("\"world_size\": [2]")), std::string("'world_size': expected a whole number, found array"));
    QCOMPARE(writerError(writerJson("\"step\": 9223372036854775808")), std::string("'step': 9223372036854775808 is out of range"));
    QCOMPARE(writerError("{\"state\": \"running\", \"pid\": 7.0}"), std::string("'pid': expected a whole number, not 7.0"));
    QCOMPARE(writerError(writerJson("\"host\": 5")), std::string("'host': expected a string, found number"));
    QCOMPARE(writerError(writerJson("\"message\": false")), std::string("'message': expected a string, found boolean"));
    // The record's own rules.
    QCOMPARE(writerError("{\"state\": \"running\"}"), std::string("'pid': missing or not positive"));
    QCOMPARE(writerError("{\"state\": \"running\", \"pid\": 0}"), std::string("'pid': missing or not positive"));
    QCOMPARE(writerError(writerJson("\"world_size\": 0")), std::string("'world_size': 0 is out of range"));
    QCOMPARE(writerError(writerJson("\"world_size\": 2147483648")), std::string("'world_size': 2147483648 is out of range"));
    QCOMPARE(writerError("{\"state\": \"dancing\", \"pid\": 7}"),
             std::string("'state': expected running, finished, stopped or failed, not 'dancing'"));
    QCOMPARE(writerError("{\"pid\": 7}"), std::string("'state': expected running, finished, stopped or failed, not ''"));
    QCOMPARE(writerError("[]"), std::string("expected an object"));

    // The file's name comes in front where the record is read from a run folder.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString();
    const std::string path = writerRecordPath(dir);
    io::writeFileAtomic(path, writerJson("\"step\": 2.5"));
    const RunWriterStatus s = runWriterStatus(dir, wallClockMs());
    QVERIFY(s.kind == RunWriterStatus::Kind::Unreadable);
    QCOMPARE(s.error, path + ": 'step': expected a whole number, not 2.5");
  }

  void evalJsonCells() {
    // eval.json read into the results table: a cell of another type is an empty cell, the others stay.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString();
    io::writeFileAtomic(dir + "/config.json", configToJson(TrainConfig{}));
    const std::string evalPath = dir + "/eval.json";
    io::writeFileAtomic(evalPath, R"({"knn": {"pooled": {"20": "0.7", "200": 1}},
        "linear_probe": {"stages": {"conv1": {"accuracy": "0.6"}, "conv2": [0.5], "pooled": {"accuracy": 0.75}}},
        "fine_tune": {"0.01": [0.3], "0.1": {"accuracy": 0.4}}, "retrieval": {"map": null}})");
    RunSummary s = summarizeRun(dir);
    QCOMPARE(s.knn20, -1.0);
    QCOMPARE(s.knn200, 1.0);  // a whole number is a number
    QCOMPARE(s.linearProbe.at("conv1"), -1.0);
    QCOMPARE(s.linearProbe.at("conv2"), -1.0);
    QCOMPARE(s.linearProbe.at("pooled"), 0.75);
    QCOMPARE(s.fineTune1, -1.0);
    QCOMPARE(s.fineTune10, 0.4);
    QCOMPARE(s.retrievalMap, -1.0);
    // Sections of another type, or a file that is not an object: no cells, no error.
    for (const char* text : {R"({"knn": [1], "linear_probe": {"stages": 3}, "fine_tune": "x", "retrieval": 0.5})", "[1, 2]",
                             "{}"}) {
      io::writeFileAtomic(evalPath, text);
      s = summarizeRun(dir);
      QCOMPARE(s.knn20, -1.0);
      QCOMPARE(s.knn200, -1.0);
      QVERIFY(s.linearProbe.empty());
      QCOMPARE(s.fineTune1, -1.0);
      QCOMPARE(s.retrievalMap, -1.0);
    }
    // Not JSON: an error naming the file.
    io::writeFileAtomic(evalPath, "{\"knn\": ");
    const std::string error = errorOf([&] { summarizeRun(dir); });
    QVERIFY2(error.rfind(evalPath + ": ", 0) == 0, error.c_str());
    // config.json's errors name it too, with the run folder's reader.
    io::writeFileAtomic(dir + "/config.json", R"({"epochs": "2"})");
    QCOMPARE(errorOf([&] { summarizeRun(dir); }), std::string("config.json: 'epochs': expected a number, found string"));
  }

  void requiredKeys() {
    // The readers without a fallback, for files Pretext alone writes: a missing key is an error.
    using namespace io::jsonread;
    const Json j = Json::parse(R"({"n": 3, "f": 3.0, "s": "x", "a": ["p", "q"], "mixed": ["p", 1], "o": {}})");
    QCOMPARE(wholeNumber(j, "n"), std::int64_t(3));
    QCOMPARE(errorOf([&] { wholeNumber(j, "m"); }), std::string("'m': missing"));
    QCOMPARE(errorOf([&] { wholeNumber(j, "f"); }), std::string("'f': expected a whole number, not 3.0"));
    QCOMPARE(text(j, "s"), std::string("x"));
    QCOMPARE(errorOf([&] { text(j, "n"); }), std::string("'n': expected a string, found number"));
    QCOMPARE(errorOf([&] { text(j, "t"); }), std::string("'t': missing"));
    QCOMPARE(texts(j, "a"), (std::vector<std::string>{"p", "q"}));
    QCOMPARE(errorOf([&] { texts(j, "mixed"); }), std::string("'mixed': expected an array of strings, found a number in it"));
    QCOMPARE(errorOf([&] { texts(j, "s"); }), std::string("'s': expected an array, found string"));
    QCOMPARE(errorOf([&] { array(j, "o"); }), std::string("'o': expected an array, found object"));
    QCOMPARE(array(j, "a").size(), std::size_t(2));
    QCOMPARE(errorOf([&] { required(Json::array({1}), "n"); }), std::string("'n': missing"));
  }

  void preparedManifestJson() {
    // A prepared dataset's manifest.json, as the dataset list describes it: each wrong or missing
    // value is said with the file and the key.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString() + "/set", path = dir + "/manifest.json";
    io::makeDirectories(dir);
    const auto describe = [&](const std::string& text) {
      io::writeFileAtomic(path, text);
      const auto entries = findPreparedDatasets(dir);
      return entries.size() == 1 ? entries[0].description : std::string("not listed");
    };
    const std::string good = R"({"format": "pretext-prepared", "version": 1, "image_size": 8, "channels": 3,
        "class_names": ["a", "b"], "splits": [{"split": "train", "count": 1234, "images": "train_images.npy",
        "labels": "train_labels.npy"}, {"split": "unlabeled", "count": 5, "images": "unlabeled_images.npy"}]})";
    const auto with = [&](const std::string& from, const std::string& to) {
      std::string text = good;
      const auto at = text.find(from);
      if (at == std::string::npos) return "the test's text lacks " + from;
      return describe(text.replace(at, from.size(), to));
    };
    QCOMPARE(describe(good), std::string("Prepared: 1,234 train, 5 unlabeled images, 3x8x8, 2 classes, 0.0 MB"));
    const std::string cannot = "Prepared dataset that cannot be read: " + path + ": ";
    QCOMPARE(with(R"("image_size": 8)", R"("image_size": "8")"), cannot + "'image_size': expected a whole number, found string");
    QCOMPARE(with(R"("channels": 3,)", ""), cannot + "'channels': missing");
    QCOMPARE(with(R"("count": 1234)", R"("count": 12.5)"), cannot + "'count': expected a whole number, not 12.5");
    QCOMPARE(with(R"("split": "train", )", ""), cannot + "'split': missing");
    QCOMPARE(with(R"(["a", "b"])", R"(["a", 2])"), cannot + "'class_names': expected an array of strings, found a number in it");
    QCOMPARE(with(R"(["a", "b"])", R"({"a": "b"})"), cannot + "'class_names': expected an array, found object");
    QCOMPARE(with(R"("format": "pretext-prepared")", R"("format": 1)"), cannot + "'format': expected a string, found number");
    QCOMPARE(with(R"("format": "pretext-prepared")", R"("format": "other")"), cannot + "not a Pretext prepared-dataset manifest");
    QCOMPARE(with(R"("version": 1)", R"("version": 9)"),
             cannot + "format version 9 was written by a newer Pretext (this one reads version 1)");
    QCOMPARE(with(R"("version": 1)", R"("version": "1")"), cannot + "'version': expected a whole number, found string");
    QCOMPARE(describe("[1]"), cannot + "expected an object");
    // The checksums verifyPreparedDataset compares must be there, and be strings.
    std::string why;
    io::writeFileAtomic(path, good);
    QVERIFY(!verifyPreparedDataset(dir, &why));
    QCOMPARE(why, path + ": 'checksums': missing");
    QCOMPARE(with(R"("version": 1)", R"("version": 1, "checksums": {"train_images.npy": 7})"),
             cannot + "'checksums': 'train_images.npy': expected a string, found number");
  }
};

QTEST_GUILESS_MAIN(TstJsonRead)
#include "tst_jsonread.moc"

// Every method's first 20 training losses and the checkpoint after them, for a fixed seed on the CPU,
// against tests/golden/methods.txt (recorded before the core's redesign, issue 13). A change that moves
// any loss or any weight shows here first; where a change of random-number order is intended,
// re-record the file and say why in the commit:
//   PRETEXT_GOLDEN_RECORD=tests/golden/methods.txt build/tests/tst_golden
#include "coretestutil.h"
#include "testconfig.h"

#include <pretext/methods.h>
#include <pretext/training.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

// One method's record: its losses, and per checkpoint tensor a sum, a sum of |x| and an FNV-1a hash
// of its bytes (equal bytes: the run is bit for bit the same).
struct Record {
  std::vector<double> losses;
  std::map<std::string, std::vector<std::string>> tensors;  // key -> {sum, abs sum, hash}
};

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// LibTorch 1.13's SGD keys its per-parameter state by the parameter's address ("state.0x5641...");
// such keys become "state.#" and their tensors are told apart by their order of bytes instead.
std::string withoutAddress(const std::string& key) {
  return key.rfind("0x", 0) == 0 ? std::string("#") : key;
}

void walk(torch::serialize::InputArchive& archive, const std::string& prefix,
          std::map<std::string, std::vector<std::vector<std::string>>>& out) {
  for (const auto& key : archive.keys()) {
    const std::string name = prefix.empty() ? withoutAddress(key) : prefix + "." + withoutAddress(key);
    torch::serialize::InputArchive sub;
    torch::Tensor t;
    if (archive.try_read(key, t) || archive.try_read(key, t, /*is_buffer=*/true)) {
      if (key == "cpu_rng" || key == "device_rng") continue;  // the generator's state: compared through the losses
      const auto c = t.contiguous().to(torch::kCPU);
      std::uint64_t h = 1469598103934665603ull;
      const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
      for (std::size_t i = 0; i < c.nbytes(); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
      const auto d = c.to(torch::kDouble);
      out[name].push_back({exact(d.sum().item<double>()), exact(d.abs().sum().item<double>()), hex(h)});
    } else if (archive.try_read(key, sub)) {
      walk(sub, name, out);
    }
  }
}

Record runMethod(const std::string& method, const QString& dir) {
  auto config = testrun::shapesRun(method, 40, dir.toStdString());  // 320 images, 10 steps per epoch
  config.threads = 1;                                                // one thread: one summation order
  config.seed = 7;
  config.knnEveryEpoch = false;
  coretest::StopAfter observer;
  pretext::Trainer trainer(config, pretext::Dataset::load(config.dataset));
  const auto result = trainer.run(&observer);
  if (result.status == pretext::RunStatus::Failed) throw std::runtime_error(method + ": " + result.message);
  Record r;
  r.losses = observer.losses;
  torch::serialize::InputArchive archive;
  archive.load_from((dir + "/checkpoints/last.pt").toStdString());
  std::map<std::string, std::vector<std::vector<std::string>>> tensors;
  walk(archive, "", tensors);
  for (auto& [key, list] : tensors) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a[2] < b[2]; });
    for (std::size_t i = 0; i < list.size(); ++i) {
      r.tensors[list.size() == 1 ? key : key + "[" + std::to_string(i) + "]"] = list[i];
    }
  }
  return r;
}

std::string format(const std::string& method, const Record& r) {
  std::ostringstream out;
  for (std::size_t i = 0; i < r.losses.size(); ++i) out << method << " loss " << i << ' ' << exact(r.losses[i]) << '\n';
  for (const auto& [key, v] : r.tensors) out << method << " tensor " << key << ' ' << v[0] << ' ' << v[1] << ' ' << v[2] << '\n';
  return out.str();
}

std::map<std::string, Record> readGolden(const std::string& path) {
  std::map<std::string, Record> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string method, kind, key;
    s >> method >> kind >> key;
    if (kind == "loss") {
      double v = 0;
      s >> v;
      out[method].losses.push_back(v);
    } else if (kind == "tensor") {
      std::string sum, abs, hash;
      s >> sum >> abs >> hash;
      out[method].tensors[key] = {sum, abs, hash};
    }
  }
  return out;
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)); }

}  // namespace

class TestGolden : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void methodsMatchTheRecord() {
    const char* record = std::getenv("PRETEXT_GOLDEN_RECORD");
    const std::string goldenPath = PRETEXT_SOURCE_DIR "/tests/golden/methods.txt";
    const auto golden = record ? std::map<std::string, Record>() : readGolden(goldenPath);
    if (!record) QVERIFY2(!golden.empty(), ("no record at " + goldenPath).c_str());
    std::string recorded;
    int identical = 0, total = 0;
    for (const auto& info : pretext::methodCatalogue()) {
      QTemporaryDir dir;
      const Record r = runMethod(info.name, dir.path());
      if (record) {
        recorded += format(info.name, r);
        continue;
      }
      ++total;
      const auto it = golden.find(info.name);
      QVERIFY2(it != golden.end(), (info.name + " is not in the record").c_str());
      const Record& g = it->second;
      QCOMPARE(r.losses.size(), g.losses.size());
      bool same = true;
      for (std::size_t i = 0; i < r.losses.size(); ++i) {
        QVERIFY2(close(r.losses[i], g.losses[i]),
                 (info.name + " loss " + std::to_string(i) + ": " + exact(r.losses[i]) + ", recorded " +
                  exact(g.losses[i])).c_str());
        same = same && exact(r.losses[i]) == exact(g.losses[i]);
      }
      QCOMPARE(r.tensors.size(), g.tensors.size());
      for (const auto& [key, v] : g.tensors) {
        const auto t = r.tensors.find(key);
        QVERIFY2(t != r.tensors.end(), (info.name + ": the checkpoint has no " + key).c_str());
        for (int k = 0; k < 2; ++k) {
          QVERIFY2(close(std::stod(t->second[k]), std::stod(v[k])),
                   (info.name + " " + key + ": " + t->second[k] + ", recorded " + v[k]).c_str());
        }
        same = same && t->second[2] == v[2];
      }
      identical += same;
      qInfo("%s: %zu losses and %zu checkpoint tensors %s", info.name.c_str(), r.losses.size(), r.tensors.size(),
            same ? "bit for bit identical" : "within 1e-6 (not bit for bit)");
    }
    if (record) {
      std::ofstream(record) << recorded;
      qInfo("recorded %s", record);
    } else {
      qInfo("%d of %d methods bit for bit identical to the record", identical, total);
    }
  }
};

QTEST_GUILESS_MAIN(TestGolden)
#include "tst_golden.moc"

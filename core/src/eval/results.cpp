// The results table over run folders: config.json (what ran), metrics.csv (how long) and
// eval.json (what `pretext-cli eval` measured).
#include "io/fileutil.h"
#include "io/jsonread.h"
#include "pretext/evaluation.h"
#include "pretext/metrics.h"
#include "pretext/numbers.h"
#include "pretext/training.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace pretext {

bool stageOrderLess(const std::string& a, const std::string& b) {
  if (a == "pooled" || b == "pooled") return b == "pooled" && a != "pooled";
  auto split = [](const std::string& s) {
    std::size_t i = s.size();
    while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
    return std::make_pair(s.substr(0, i), i < s.size() ? std::stol(s.substr(i)) : -1L);
  };
  return split(a) < split(b);
}

namespace {

using namespace io::jsonread;  // Json, numberOr, objectOrNull

std::vector<std::string> probeStages(const std::vector<RunSummary>& runs) {
  std::vector<std::string> stages;
  for (const auto& r : runs)
    for (const auto& [s, v] : r.linearProbe)
      if (std::find(stages.begin(), stages.end(), s) == stages.end()) stages.push_back(s);
  std::sort(stages.begin(), stages.end(), stageOrderLess);
  return stages;
}

std::string fraction(double v) { return v < 0 ? "" : formatFixed(v, 4); }

std::string percent(double v) { return v < 0 ? "-" : formatFixed(100.0 * v, 1); }

std::string plain(double v, int decimals) { return v < 0 ? "" : formatFixed(v, decimals); }

std::string csvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

RunSummary summarizeRun(const std::string& runDir) {
  const std::string configPath = io::joinPath(runDir, "config.json");
  if (!io::fileExists(configPath)) throw std::runtime_error(runDir + " is not a run folder (no config.json)");
  const TrainConfig c = configFromJson(io::readTextFile(configPath));
  RunSummary s;
  s.folder = runDir;
  s.method = c.method;
  s.backbone = c.backbone;
  s.dataset = c.dataset.toString();
  s.epochs = c.epochs;
  const std::string metricsPath = io::joinPath(runDir, "metrics.csv");
  double lastKnn = -1.0;
  if (io::fileExists(metricsPath)) {
    double seconds = 0.0, images = 0.0;
    bool any = false;
    for (const MetricsRow& row : readMetrics(metricsPath)) {
      if (!row.isEpoch()) continue;
      if (row.knnAccuracy >= 0) lastKnn = row.knnAccuracy;
      if (row.epoch < 0) continue;  // the row before training
      seconds += row.seconds;
      images += row.seconds * row.imagesPerSecond;
      any = true;
    }
    if (any) {
      s.trainingSeconds = seconds;
      s.imagesPerSecond = seconds > 0 ? images / seconds : 0.0;
    }
  }
  // The k-NN monitor's last value stands in for k=200 when eval has not measured it.
  if (c.knnK == 200 && c.knnStage.empty() && c.knnTestLimit == 0) s.knn200 = lastKnn;
  const std::string evalPath = io::joinPath(runDir, "eval.json");
  if (io::fileExists(evalPath)) {
    Json e;
    try {
      e = Json::parse(io::readTextFile(evalPath));
    } catch (const Json::exception& error) {
      throw std::runtime_error(evalPath + ": " + error.what());
    }
    if (const Json* knn = objectOrNull(e, "knn")) {
      if (const Json* k = objectOrNull(*knn, "pooled")) {
        s.knn20 = numberOr(*k, "20", s.knn20);
        s.knn200 = numberOr(*k, "200", s.knn200);
      }
    }
    if (const Json* probe = objectOrNull(e, "linear_probe")) {
      if (const Json* stages = objectOrNull(*probe, "stages")) {
        for (const auto& [stage, v] : stages->items()) s.linearProbe[stage] = numberOr(v, "accuracy", -1.0);
      }
    }
    if (const Json* f = objectOrNull(e, "fine_tune")) {
      if (const Json* one = objectOrNull(*f, "0.01")) s.fineTune1 = numberOr(*one, "accuracy", -1.0);
      if (const Json* ten = objectOrNull(*f, "0.1")) s.fineTune10 = numberOr(*ten, "accuracy", -1.0);
    }
    if (const Json* r = objectOrNull(e, "retrieval")) s.retrievalMap = numberOr(*r, "map", -1.0);
  }
  return s;
}

std::string resultsCsv(const std::vector<RunSummary>& runs) {
  const auto stages = probeStages(runs);
  std::string out = "folder,method,backbone,dataset,epochs,knn20,knn200";
  for (const auto& s : stages) out += ",linear_" + s;
  out += ",finetune_1pct,finetune_10pct,retrieval_map,training_seconds,images_per_second\n";
  for (const auto& r : runs) {
    out += csvCell(r.folder) + "," + csvCell(r.method) + "," + csvCell(r.backbone) + "," + csvCell(r.dataset) + "," +
           std::to_string(r.epochs) + "," + fraction(r.knn20) + "," + fraction(r.knn200);
    for (const auto& s : stages) {
      const auto it = r.linearProbe.find(s);
      out += "," + (it == r.linearProbe.end() ? std::string() : fraction(it->second));
    }
    out += "," + fraction(r.fineTune1) + "," + fraction(r.fineTune10) + "," + fraction(r.retrievalMap) + "," +
           plain(r.trainingSeconds, 1) + "," + plain(r.imagesPerSecond, 0) + "\n";
  }
  return out;
}

std::string resultsMarkdown(const std::vector<RunSummary>& runs) {
  const auto stages = probeStages(runs);
  std::string head = "| run | method | backbone | epochs | k-NN 20 | k-NN 200 |";
  std::string rule = "|---|---|---|---:|---:|---:|";
  for (const auto& s : stages) {
    head += " linear " + s + " |";
    rule += "---:|";
  }
  head += " fine-tune 1% | fine-tune 10% | retrieval mAP | training time | images/s |\n";
  rule += "---:|---:|---:|---:|---:|\n";
  std::string out = head + rule;
  for (const auto& r : runs) {
    std::string name = r.folder;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    name = name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1);
    out += "| " + name + " | " + r.method + " | " + r.backbone + " | " + std::to_string(r.epochs) + " | " +
           percent(r.knn20) + " | " + percent(r.knn200) + " |";
    for (const auto& s : stages) {
      const auto it = r.linearProbe.find(s);
      out += " " + (it == r.linearProbe.end() ? std::string("-") : percent(it->second)) + " |";
    }
    const std::string time = r.trainingSeconds >= 0 ? formatFixed(r.trainingSeconds / 60.0, 1) + " min" : "-";
    out += " " + percent(r.fineTune1) + " | " + percent(r.fineTune10) + " | " + percent(r.retrievalMap) + " | " + time +
           " | " + (r.imagesPerSecond >= 0 ? plain(r.imagesPerSecond, 0) : "-") + " |\n";
  }
  return out;
}

}  // namespace pretext

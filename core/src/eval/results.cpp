// The results table over run folders: config.json (what ran), metrics.csv (how long) and
// eval.json (what `pretext-cli eval` measured).
#include "io/fileutil.h"
#include "io/json.h"
#include "pretext/evaluation.h"
#include "pretext/training.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

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

std::vector<std::string> splitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

double numberOr(const std::string& text, double fallback) {
  if (text.empty()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return *end == '\0' ? v : fallback;
}

std::vector<std::string> probeStages(const std::vector<RunSummary>& runs) {
  std::vector<std::string> stages;
  for (const auto& r : runs)
    for (const auto& [s, v] : r.linearProbe)
      if (std::find(stages.begin(), stages.end(), s) == stages.end()) stages.push_back(s);
  std::sort(stages.begin(), stages.end(), stageOrderLess);
  return stages;
}

std::string fraction(double v) {
  if (v < 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string percent(double v) {
  if (v < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * v);
  return buf;
}

std::string plain(double v, const char* format) {
  if (v < 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

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
    std::istringstream in(io::readTextFile(metricsPath));
    std::string line;
    double seconds = 0.0, images = 0.0;
    bool any = false;
    while (std::getline(in, line)) {
      const auto cells = splitCsvLine(line);
      // kind,epoch,step,global_step,loss,task_accuracy,learning_rate,images_per_second,knn_accuracy,seconds
      if (cells.size() < 10 || cells[0] != "epoch") continue;
      if (numberOr(cells[8], -1.0) >= 0) lastKnn = numberOr(cells[8], -1.0);
      if (numberOr(cells[1], -1.0) < 0) continue;  // the row before training
      const double sec = numberOr(cells[9], 0.0);
      seconds += sec;
      images += sec * numberOr(cells[7], 0.0);
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
    const io::Json e = io::Json::parse(io::readTextFile(evalPath));
    if (e.contains("knn") && e.at("knn").contains("pooled")) {
      const auto& k = e.at("knn").at("pooled");
      s.knn20 = k.number("20", s.knn20);
      s.knn200 = k.number("200", s.knn200);
    }
    if (e.contains("linear_probe") && e.at("linear_probe").contains("stages")) {
      for (const auto& [stage, v] : e.at("linear_probe").at("stages").asObject()) s.linearProbe[stage] = v.number("accuracy", -1.0);
    }
    if (e.contains("fine_tune")) {
      const auto& f = e.at("fine_tune");
      if (f.contains("0.01")) s.fineTune1 = f.at("0.01").number("accuracy", -1.0);
      if (f.contains("0.1")) s.fineTune10 = f.at("0.1").number("accuracy", -1.0);
    }
    if (e.contains("retrieval")) s.retrievalMap = e.at("retrieval").number("map", -1.0);
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
           plain(r.trainingSeconds, "%.1f") + "," + plain(r.imagesPerSecond, "%.0f") + "\n";
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
    char time[32] = "-";
    if (r.trainingSeconds >= 0) std::snprintf(time, sizeof time, "%.1f min", r.trainingSeconds / 60.0);
    out += " " + percent(r.fineTune1) + " | " + percent(r.fineTune10) + " | " + percent(r.retrievalMap) + " | " + time +
           " | " + (r.imagesPerSecond >= 0 ? plain(r.imagesPerSecond, "%.0f") : "-") + " |\n";
  }
  return out;
}

}  // namespace pretext

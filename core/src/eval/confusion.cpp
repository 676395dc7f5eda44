// The confusion matrix of a classifier on the test split (the linear probe, fine-tuning): counting,
// its CSV files and its heat map, drawn with the core's PNG writer and 6x11 font.
#include "io/fileutil.h"
#include "pretext/evaluation.h"
#include "pretext/numbers.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <sstream>

namespace pretext {

namespace {

constexpr int kGlyphW = 6, kGlyphH = 11;

// NAME.csv, NAME_predictions.csv, NAME.png (NAME "confusion" for the probe).
std::string matrixFile(const std::string& name) { return name + ".csv"; }
std::string predictionsFile(const std::string& name) { return name + "_predictions.csv"; }
std::string imageFile(const std::string& name) { return name + ".png"; }
const char* const kFineTunePrefix = "confusion_finetune_";

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// One CSV line into fields (quotes as csvField writes them).
std::vector<std::string> csvFields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

void fillRect(Image& image, int x0, int y0, int w, int h, const std::uint8_t rgb[3]) {
  for (int y = std::max(0, y0); y < std::min(image.height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(image.width, x0 + w); ++x) std::copy(rgb, rgb + 3, image.at(x, y));
}

}  // namespace

std::int64_t Confusion::total() const {
  std::int64_t n = 0;
  for (const auto& row : counts) n = std::accumulate(row.begin(), row.end(), n);
  return n;
}

double Confusion::accuracy() const {
  std::int64_t right = 0;
  for (std::size_t c = 0; c < counts.size(); ++c) right += counts[c][c];
  const std::int64_t n = total();
  return n > 0 ? double(right) / double(n) : 0.0;
}

std::vector<std::int64_t> Confusion::examples(int trueClass, int predicted) const {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < labels.size() && i < predictions.size(); ++i)
    if (labels[i] == trueClass && predictions[i] == predicted) out.push_back(std::int64_t(i));
  std::stable_sort(out.begin(), out.end(), [&](std::int64_t a, std::int64_t b) {
    const float ca = std::size_t(a) < confidence.size() ? confidence[std::size_t(a)] : 0.f;
    const float cb = std::size_t(b) < confidence.size() ? confidence[std::size_t(b)] : 0.f;
    return ca > cb;
  });
  return out;
}

Confusion confusionFromPredictions(const std::vector<int>& labels, const std::vector<int>& predictions,
                                   const std::vector<float>& confidence, const std::vector<std::string>& classNames) {
  if (labels.size() != predictions.size() || (!confidence.empty() && confidence.size() != labels.size())) {
    throw std::invalid_argument("confusion matrix: " + std::to_string(labels.size()) + " labels, " +
                                std::to_string(predictions.size()) + " predictions and " +
                                std::to_string(confidence.size()) + " confidences differ in number");
  }
  const int k = int(classNames.size());
  Confusion c;
  c.classNames = classNames;
  c.counts.assign(std::size_t(k), std::vector<std::int64_t>(std::size_t(k), 0));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= k || predictions[i] < 0 || predictions[i] >= k) {
      throw std::invalid_argument("confusion matrix: test image " + std::to_string(i) + " has class " +
                                  std::to_string(labels[i]) + " and prediction " + std::to_string(predictions[i]) +
                                  ", outside the " + std::to_string(k) + " classes");
    }
    ++c.counts[std::size_t(labels[i])][std::size_t(predictions[i])];
  }
  for (int t = 0; t < k; ++t) {
    const auto& row = c.counts[std::size_t(t)];
    const std::int64_t n = std::accumulate(row.begin(), row.end(), std::int64_t(0));
    c.perClassAccuracy.push_back(n > 0 ? double(row[std::size_t(t)]) / double(n) : -1.0);
  }
  c.labels = labels;
  c.predictions = predictions;
  c.confidence = confidence.empty() ? std::vector<float>(labels.size(), 0.f) : confidence;
  return c;
}

std::string confusionCsv(const Confusion& c) {
  std::string out = "true/predicted";
  for (const auto& name : c.classNames) out += "," + csvField(name);
  out += ",accuracy\n";
  for (int t = 0; t < c.classes(); ++t) {
    out += csvField(std::size_t(t) < c.classNames.size() ? c.classNames[std::size_t(t)] : std::to_string(t));
    for (const auto n : c.counts[std::size_t(t)]) out += "," + std::to_string(n);
    const double a = c.perClassAccuracy[std::size_t(t)];
    out += "," + (a < 0 ? std::string() : formatFixed(a, 6)) + "\n";
  }
  return out;
}

std::string predictionsCsv(const Confusion& c) {
  std::string out = "test_index,label,prediction,confidence\n";
  for (std::size_t i = 0; i < c.labels.size(); ++i) {
    out += std::to_string(i) + "," + std::to_string(c.labels[i]) + "," + std::to_string(c.predictions[i]) + "," +
           formatFixed(i < c.confidence.size() ? c.confidence[i] : 0.0, 6) + "\n";
  }
  return out;
}

Image confusionImage(const Confusion& c, int scale) {
  const int k = c.classes();
  std::int64_t most = 0;
  std::size_t longest = 0;
  for (const auto& row : c.counts)
    for (const auto n : row) most = std::max(most, n);
  for (int t = 0; t < k; ++t) {
    const std::string name = std::size_t(t) < c.classNames.size() ? c.classNames[std::size_t(t)] : "";
    longest = std::max(longest, std::to_string(t).size() + 1 + name.size());
  }
  const int cellW = std::max<int>(int(std::to_string(most).size()), 3) * kGlyphW + 8, cellH = kGlyphH + 6;
  const int left = int(longest) * kGlyphW + 10, top = 2 * cellH + 4;
  const int accW = 7 * kGlyphW + 8;
  Image out(left + k * cellW + accW + 6, top + k * cellH + cellH + 6, 3);
  std::fill(out.pixels.begin(), out.pixels.end(), std::uint8_t(255));
  drawText(out, left, 3, "predicted ->", 20, 20, 20);
  drawText(out, left + k * cellW + 6, cellH + 4, "acc.", 20, 20, 20);
  for (int p = 0; p < k; ++p) {
    const std::string s = std::to_string(p);
    drawText(out, left + p * cellW + (cellW - int(s.size()) * kGlyphW) / 2, cellH + 4, s, 20, 20, 20);
  }
  for (int t = 0; t < k; ++t) {
    const auto& row = c.counts[std::size_t(t)];
    const std::int64_t rowSum = std::accumulate(row.begin(), row.end(), std::int64_t(0));
    const int y = top + t * cellH;
    const std::string label =
        std::to_string(t) + " " + (std::size_t(t) < c.classNames.size() ? c.classNames[std::size_t(t)] : "");
    drawText(out, left - 6 - int(label.size()) * kGlyphW, y + 3, label, 20, 20, 20);
    for (int p = 0; p < k; ++p) {
      const std::int64_t n = row[std::size_t(p)];
      const double share = rowSum > 0 ? double(n) / double(rowSum) : 0.0;
      // Matplotlib's "Blues": near white for none, dark blue for the whole row.
      const std::uint8_t rgb[3] = {std::uint8_t(247 - share * (247 - 8)), std::uint8_t(251 - share * (251 - 48)),
                                   std::uint8_t(255 - share * (255 - 107))};
      fillRect(out, left + p * cellW, y, cellW - 1, cellH - 1, rgb);
      const std::string s = std::to_string(n);
      const std::uint8_t ink = share > 0.45 ? 255 : 20;
      drawText(out, left + p * cellW + (cellW - 1 - int(s.size()) * kGlyphW) / 2, y + 3, s, ink, ink, ink);
    }
    const double a = c.perClassAccuracy[std::size_t(t)];
    drawText(out, left + k * cellW + 6, y + 3, a < 0 ? "-" : formatFixed(100.0 * a, 1) + "%", 20, 20, 20);
  }
  drawText(out, 4, top + k * cellH + 6,
           "rows: true class; accuracy " + formatFixed(100.0 * c.accuracy(), 2) + "% of " + std::to_string(c.total()),
           20, 20, 20);
  return scale > 1 ? upscale(out, scale) : out;
}

std::string fineTuneConfusionName(double fraction) {
  return kFineTunePrefix + formatGeneral(100.0 * fraction, 6) + "pct";
}

std::vector<std::string> saveConfusion(const Confusion& c, const std::string& folder, const std::string& name) {
  const std::string matrix = io::joinPath(folder, matrixFile(name)), predictions = io::joinPath(folder, predictionsFile(name)),
                    png = io::joinPath(folder, imageFile(name));
  io::writeFileAtomic(matrix, confusionCsv(c));
  io::writeFileAtomic(predictions, predictionsCsv(c));
  savePng(confusionImage(c), png);
  return {matrix, png, predictions};
}

bool hasConfusion(const std::string& folder, const std::string& name) {
  return io::fileExists(io::joinPath(folder, matrixFile(name))) && io::fileExists(io::joinPath(folder, predictionsFile(name)));
}

std::vector<SavedConfusion> savedConfusions(const std::string& folder) {
  std::vector<SavedConfusion> out;
  if (hasConfusion(folder, kProbeConfusion)) out.push_back({kProbeConfusion, false, 0.0});
  std::vector<SavedConfusion> fineTuned;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string file = entry.path().filename().string();
    const std::string prefix = kFineTunePrefix, suffix = "pct.csv";
    if (file.size() <= prefix.size() + suffix.size() || file.compare(0, prefix.size(), prefix) != 0 ||
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    double percent = 0.0;
    const std::string number = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
    const std::string name = file.substr(0, file.size() - 4);
    if (!parseNumber(number, percent) || !(percent > 0) || !hasConfusion(folder, name)) continue;
    fineTuned.push_back({name, true, percent / 100.0});
  }
  std::sort(fineTuned.begin(), fineTuned.end(),
            [](const SavedConfusion& a, const SavedConfusion& b) { return a.fraction < b.fraction; });
  out.insert(out.end(), fineTuned.begin(), fineTuned.end());
  return out;
}

Confusion loadConfusion(const std::string& folder, const std::string& name) {
  const std::string matrixPath = io::joinPath(folder, matrixFile(name)),
                    predictionsPath = io::joinPath(folder, predictionsFile(name));
  for (const auto& path : {matrixPath, predictionsPath})
    if (!io::fileExists(path)) {
      throw std::runtime_error(path + " does not exist (run pretext-cli eval " +
                               (name == kProbeConfusion ? "--linear" : "--finetune") + ")");
    }
  const auto matrixLines = lines(io::readTextFile(matrixPath));
  if (matrixLines.empty()) throw std::runtime_error(matrixPath + ": empty");
  auto header = csvFields(matrixLines[0]);
  if (header.size() < 3 || header.front() != "true/predicted" || header.back() != "accuracy")
    throw std::runtime_error(matrixPath + ": expected a header true/predicted,CLASS...,accuracy");
  const std::vector<std::string> names(header.begin() + 1, header.end() - 1);
  std::vector<int> labels, predictions;
  std::vector<float> confidence;
  const auto predictionLines = lines(io::readTextFile(predictionsPath));
  if (predictionLines.empty() || predictionLines[0] != "test_index,label,prediction,confidence")
    throw std::runtime_error(predictionsPath + ": expected a header test_index,label,prediction,confidence");
  for (std::size_t i = 1; i < predictionLines.size(); ++i) {
    const auto f = csvFields(predictionLines[i]);
    double index = 0, label = 0, prediction = 0, conf = 0;
    if (f.size() != 4 || !parseNumber(f[0], index) || !parseNumber(f[1], label) || !parseNumber(f[2], prediction) ||
        !parseNumber(f[3], conf) || std::int64_t(index) != std::int64_t(i - 1)) {
      throw std::runtime_error(predictionsPath + ", line " + std::to_string(i + 1) + ": expected " +
                               std::to_string(i - 1) + ",LABEL,PREDICTION,CONFIDENCE");
    }
    labels.push_back(int(label));
    predictions.push_back(int(prediction));
    confidence.push_back(float(conf));
  }
  try {
    return confusionFromPredictions(labels, predictions, confidence, names);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(predictionsPath + ": " + e.what());
  }
}

}  // namespace pretext

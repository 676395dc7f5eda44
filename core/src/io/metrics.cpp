#include "pretext/metrics.h"

#include "io/fileutil.h"
#include "pretext/numbers.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

namespace pretext {

namespace {

constexpr int kColumns = 12;
constexpr int kOldColumns = 10;  // before filter_change and edge_likeness

std::string integer(std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool parseInteger(std::string_view text, std::int64_t& value) {
  if (text.empty()) return false;
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
  value = v;
  return true;
}

/// An empty cell reads as `fallback`; any other cell must be a number.
bool parseOptional(std::string_view text, double fallback, double& value) {
  if (text.empty()) {
    value = fallback;
    return true;
  }
  return parseNumber(text, value);
}

}  // namespace

MetricsRow MetricsRow::stepRow(std::int64_t epoch, std::int64_t step, std::int64_t globalStep, double loss,
                               double taskAccuracy, double learningRate, double imagesPerSecond) {
  return {Kind::Step, epoch, step, globalStep, loss, taskAccuracy, learningRate, imagesPerSecond};
}

MetricsRow MetricsRow::epochRow(std::int64_t epoch, std::int64_t globalStep, double meanLoss, double imagesPerSecond,
                                double knnAccuracy, double seconds) {
  return {Kind::Epoch, epoch, 0, globalStep, meanLoss, -1.0, 0.0, imagesPerSecond, knnAccuracy, seconds};
}

const std::string& metricsHeaderWithoutFilters() {
  static const std::string header =
      "kind,epoch,step,global_step,loss,task_accuracy,learning_rate,images_per_second,knn_accuracy,seconds";
  return header;
}

const std::string& metricsHeader() {
  static const std::string header = metricsHeaderWithoutFilters() + ",filter_change,edge_likeness";
  return header;
}

std::string formatMetricsRow(const MetricsRow& r) {
  const std::string filters = "," + (r.filterChange >= 0 ? formatGeneral(r.filterChange, 6) : std::string()) + "," +
                              (r.edgeLikeness >= 0 ? formatFixed(r.edgeLikeness, 4) : std::string());
  if (r.isEpoch()) {
    return "epoch," + integer(r.epoch) + ",," + integer(r.globalStep) + "," + formatGeneral(r.loss, 6) + ",,," +
           formatFixed(r.imagesPerSecond, 1) + "," + formatFixed(r.knnAccuracy, 4) + "," + formatFixed(r.seconds, 2) +
           filters;
  }
  return "step," + integer(r.epoch) + "," + integer(r.step) + "," + integer(r.globalStep) + "," +
         formatGeneral(r.loss, 6) + "," + (r.taskAccuracy >= 0 ? formatFixed(r.taskAccuracy, 6) : std::string()) + "," +
         formatGeneral(r.learningRate, 6) + "," + formatFixed(r.imagesPerSecond, 1) + ",," + filters;
}

bool parseMetricsRow(std::string_view line, MetricsRow& row) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view cells[kColumns];
  int n = 0;
  for (std::size_t start = 0;; ++n) {
    const std::size_t comma = line.find(',', start);
    if (n == kColumns) return false;  // more cells than columns (a number written with a decimal comma)
    cells[n] = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (n + 1 != kColumns && n + 1 != kOldColumns) return false;
  MetricsRow r;
  if (n + 1 == kColumns &&
      (!parseOptional(cells[10], -1.0, r.filterChange) || !parseOptional(cells[11], -1.0, r.edgeLikeness))) {
    return false;
  }
  if (cells[0] == "step") {
    r.kind = MetricsRow::Kind::Step;
    if (!parseInteger(cells[1], r.epoch) || !parseInteger(cells[2], r.step) || !parseInteger(cells[3], r.globalStep) ||
        !parseNumber(cells[4], r.loss) || !parseOptional(cells[5], -1.0, r.taskAccuracy) ||
        !parseNumber(cells[6], r.learningRate) || !parseNumber(cells[7], r.imagesPerSecond) || !cells[8].empty() ||
        !cells[9].empty()) {
      return false;
    }
  } else if (cells[0] == "epoch") {
    r.kind = MetricsRow::Kind::Epoch;
    if (!parseInteger(cells[1], r.epoch) || !cells[2].empty() || !parseInteger(cells[3], r.globalStep) ||
        !parseNumber(cells[4], r.loss) || !cells[5].empty() || !cells[6].empty() ||
        !parseNumber(cells[7], r.imagesPerSecond) || !parseOptional(cells[8], -1.0, r.knnAccuracy) ||
        !parseNumber(cells[9], r.seconds)) {
      return false;
    }
  } else {
    return false;
  }
  row = r;
  return true;
}

std::vector<MetricsRow> parseMetrics(std::string_view text, std::vector<std::string>* malformed) {
  std::vector<MetricsRow> rows;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line == metricsHeader() || line == metricsHeaderWithoutFilters()) continue;
    MetricsRow row;
    if (parseMetricsRow(line, row)) rows.push_back(row);
    else if (malformed) malformed->push_back("line " + std::to_string(number) + ": " + std::string(line));
  }
  return rows;
}

std::vector<MetricsRow> readMetrics(const std::string& path, std::vector<std::string>* malformed) {
  return parseMetrics(io::readTextFile(path), malformed);
}

void appendMetricsRow(const std::string& path, const MetricsRow& row) {
  io::appendToFile(path, formatMetricsRow(row) + '\n', metricsHeader() + '\n');
}

std::int64_t dropMetricsAfter(const std::string& path, std::int64_t globalStep) {
  if (!io::fileExists(path)) return 0;
  const std::string text = io::readTextFile(path);
  std::string kept;
  kept.reserve(text.size());
  std::int64_t dropped = 0;
  bool changed = false;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) {  // cut off by the kill: the next row would be appended to it
      changed = true;
      break;
    }
    std::string_view line(text.data() + at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    MetricsRow row;
    if (parseMetricsRow(line, row) && row.globalStep > globalStep) {
      ++dropped;
      changed = true;
    } else {
      kept.append(text, at, end + 1 - at);
    }
    at = end + 1;
  }
  if (changed) io::writeFileAtomic(path, kept);
  return dropped;
}

MetricsTail::Update MetricsTail::poll() {
  Update update;
  // The file is read again from its start, and the update says so.
  const auto startOver = [&] {
    m_offset = 0;
    m_anchor.clear();
    m_rows = m_lines = 0;
    update.restarted = true;
  };
  std::FILE* f = std::fopen(m_path.c_str(), "rb");
  if (!f) {
    if (m_offset > 0) startOver();  // it was there and has gone: whatever comes next starts over
    return update;
  }
  std::string data;
  char buffer[65536];
  // The bytes just before the read position must still be the ones read last time.
  bool same = true;
  if (m_offset > 0) {
    same = std::fseek(f, long(m_offset - m_anchor.size()), SEEK_SET) == 0;
    if (same) {
      const std::size_t n = std::fread(buffer, 1, m_anchor.size(), f);
      same = n == m_anchor.size() && std::string_view(buffer, n) == m_anchor;
    }
  }
  if (!same) {
    startOver();
    std::fseek(f, 0, SEEK_SET);
  }
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) data.append(buffer, n);
  std::fclose(f);
  const std::size_t complete = data.rfind('\n');
  if (complete == std::string::npos) return update;  // nothing new, or half a line
  std::string_view text(data.data(), complete + 1);
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    ++m_lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line == metricsHeader()) continue;
    MetricsRow row;
    if (parseMetricsRow(line, row)) update.rows.push_back(row);
    else update.malformed.push_back("line " + std::to_string(m_lines) + ": " + std::string(line));
  }
  m_rows += std::int64_t(update.rows.size());
  const std::size_t tail = std::min<std::size_t>(complete + 1, 64);
  const std::string consumed = m_anchor + data.substr(complete + 1 - tail, tail);
  m_offset += complete + 1;
  m_anchor = consumed.substr(consumed.size() - std::min<std::size_t>(consumed.size(), 64));
  return update;
}

}  // namespace pretext

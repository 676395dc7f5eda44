// metrics.csv, a run folder's training record: one row per step and one per epoch end. MetricsRow
// is its only writer and reader (the Trainer appends rows, the results table and the tests read
// them), so the columns are defined here once. Numbers go through pretext/numbers.h: the file is
// the same under every locale.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pretext {

struct MetricsRow {
  enum class Kind { Step, Epoch };
  Kind kind = Kind::Step;
  std::int64_t epoch = 0;          ///< 0-based; an epoch row of -1 is the k-NN monitor before training
  std::int64_t step = 0;           ///< step rows: the step within the epoch, 1-based
  std::int64_t globalStep = 0;
  double loss = 0.0;               ///< step rows: the step's loss; epoch rows: the epoch's mean loss
  double taskAccuracy = -1.0;      ///< step rows: the method's own task; <0 when none (empty cell)
  double learningRate = 0.0;       ///< step rows
  double imagesPerSecond = 0.0;    ///< step rows: smoothed; epoch rows: over the epoch
  double knnAccuracy = -1.0;       ///< epoch rows: the k-NN monitor; <0 when not measured
  double seconds = 0.0;            ///< epoch rows: training time of the epoch
  /// The first layer's mean absolute change from its initial weights (pretext/filters.h); <0 when
  /// not measured (an empty cell: rows of runs before this column, rows between two read-backs).
  double filterChange = -1.0;
  /// The first layer's mean edge-likeness (pretext/filters.h); <0 when not measured.
  double edgeLikeness = -1.0;

  static MetricsRow stepRow(std::int64_t epoch, std::int64_t step, std::int64_t globalStep, double loss,
                            double taskAccuracy, double learningRate, double imagesPerSecond);
  static MetricsRow epochRow(std::int64_t epoch, std::int64_t globalStep, double meanLoss, double imagesPerSecond,
                             double knnAccuracy, double seconds);

  bool isStep() const { return kind == Kind::Step; }
  bool isEpoch() const { return kind == Kind::Epoch; }
};

/// The header line, without its newline:
/// kind,epoch,step,global_step,loss,task_accuracy,learning_rate,images_per_second,knn_accuracy,seconds,
/// filter_change,edge_likeness
const std::string& metricsHeader();
/// The header of metrics.csv files written before the two filter columns (still read).
const std::string& metricsHeaderWithoutFilters();
/// One row as a line, without its newline. Step rows: loss and learning rate to 6 significant
/// digits, task accuracy to 6 decimals, images/s to 1 decimal; epoch rows: mean loss to 6
/// significant digits, images/s to 1 decimal, k-NN accuracy to 4 decimals, seconds to 2; both:
/// filter change to 6 significant digits and edge-likeness to 4 decimals, empty when not measured.
std::string formatMetricsRow(const MetricsRow& row);
/// Reads one line written by formatMetricsRow, or by earlier versions without the two filter
/// columns (read as not measured); false for the header and for malformed lines.
bool parseMetricsRow(std::string_view line, MetricsRow& row);

/// The rows of a metrics.csv text, in order. Lines that are neither the header nor a row are
/// skipped; when `malformed` is given, each is added to it as "line N: <text>".
std::vector<MetricsRow> parseMetrics(std::string_view text, std::vector<std::string>* malformed = nullptr);
/// parseMetrics of the file at `path`; throws std::runtime_error naming the path when it cannot be read.
std::vector<MetricsRow> readMetrics(const std::string& path, std::vector<std::string>* malformed = nullptr);
/// Appends one row to the file at `path` (starting it with the header when it is new), in one
/// write that leaves whole lines when the disk fills up; throws std::runtime_error naming the path.
void appendMetricsRow(const std::string& path, const MetricsRow& row);
/// A resumed run trains the steps after its checkpoint again: drops the rows of the file at `path`
/// whose global step is after `globalStep` (a killed writer's, written after its last checkpoint),
/// and a last line cut off without its newline, so that the file keeps each step once. The header,
/// the rows kept and malformed complete lines stay as they were. Rewritten atomically, and only when
/// something is dropped; a file that does not exist is left so. Returns the rows dropped; throws
/// std::runtime_error naming the path when it cannot be read or written.
std::int64_t dropMetricsAfter(const std::string& path, std::int64_t globalStep);

/// Follows a metrics.csv that another process is appending to (a CLI run, a cluster job on a shared
/// filesystem): each poll() reads the complete lines added since the last one. A partly written
/// last line waits for its newline; a file that does not exist yet reads as empty; a file that was
/// truncated or replaced (shorter than what was read, or different bytes before the read position)
/// is read again from its start, and the update says so.
class MetricsTail {
 public:
  explicit MetricsTail(std::string path) : m_path(std::move(path)) {}

  struct Update {
    std::vector<MetricsRow> rows;          ///< the new complete rows, in file order
    std::vector<std::string> malformed;    ///< complete lines that are neither the header nor a row
    bool restarted = false;                ///< the file was truncated or replaced: rows start over
  };
  /// Reads what was added; never throws (an unreadable file reads as nothing new).
  Update poll();

  const std::string& path() const { return m_path; }
  /// Bytes of complete lines consumed so far.
  std::uint64_t offset() const { return m_offset; }
  /// Rows read since the start (or the last restart).
  std::int64_t rowsRead() const { return m_rows; }

 private:
  std::string m_path;
  std::uint64_t m_offset = 0;
  std::string m_anchor;   ///< the last bytes before m_offset, to notice a replaced file
  std::int64_t m_rows = 0;
  std::int64_t m_lines = 0;
};

}  // namespace pretext

// A bar chart of counts per class (QCustomPlot): class names as tick labels, the count on top of
// each bar. Labels turn and thin out when there is no room for them; colours follow the palette.
#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

class QCPBars;
class QCPItemText;
class QCPTextElement;
class QCustomPlot;

class HistogramChart final : public QWidget {
  Q_OBJECT
  Q_DISABLE_COPY_MOVE(HistogramChart)

 public:
  explicit HistogramChart(QWidget* parent = nullptr);

  /// One bar per label. `title` goes above the plot.
  void setData(const QStringList& labels, const QVector<double>& counts, const QString& title = {});
  /// No bars; `message` (e.g. "no labels in this split") in the middle instead.
  void clear(const QString& message = {});

  QStringList labels() const { return m_labels; }
  QVector<double> counts() const { return m_counts; }
  int barCount() const;
  /// The numbers drawn on the bars ("" where there is no room to draw one).
  QStringList barTexts() const;

  QCustomPlot* plot() const { return m_plot; }

  bool savePng(const QString& path, int width = 0, int height = 0);
  bool savePdf(const QString& path);
  bool saveCsv(const QString& path) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  void applyPalette();
  void applyFonts();
  void layoutLabels();
  void scheduleLayout();
  void rebuild();

  QCustomPlot* m_plot = nullptr;
  QCPBars* m_bars = nullptr;
  QCPTextElement* m_title = nullptr;
  QCPItemText* m_message = nullptr;
  QVector<QCPItemText*> m_valueTexts;
  QStringList m_labels;
  QVector<double> m_counts;
  bool m_inLayout = false;
  bool m_layoutScheduled = false;
};

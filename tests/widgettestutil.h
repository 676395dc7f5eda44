// What the widget tests share.
#pragma once

#include "shapesrun.h"

#include <pretext/training.h>

#include <QApplication>
#include <QColor>
#include <QFont>
#include <QLabel>
#include <QPalette>
#include <QtTest/QtTest>

namespace widgettest {

/// A run on the synthetic shapes (16 a class) that trains in a second or two: ConvNet width 8.
inline pretext::TrainConfig shapesConfig(const std::string& method, const QString& outDir) {
  pretext::TrainConfig c = testrun::shapesRun(method, 16, outDir.toStdString());
  c.epochs = 1;
  return c;
}

/// A dark palette for screenshots of a panel alone (the window's own comes with MainWindow).
inline QPalette darkPalette() {
  QPalette p;
  p.setColor(QPalette::Window, QColor(0x30, 0x30, 0x30));
  p.setColor(QPalette::Base, QColor(0x24, 0x24, 0x24));
  p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
  p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
  p.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
  p.setColor(QPalette::Button, QColor(0x40, 0x40, 0x40));
  return p;
}

/// View > Large font: a caption set a size above the application's font (x1.3, bold) grows with it
/// and comes back.
inline void checkCaptionFollowsAppFont(const QLabel* caption) {
  const QFont normal = QApplication::font();
  const double before = caption->font().pointSizeF();
  QVERIFY(before > normal.pointSizeF());
  QVERIFY(caption->font().bold());
  QFont large = normal;
  large.setPointSizeF(normal.pointSizeF() * 1.5);
  QApplication::setFont(large);
  QTRY_COMPARE(caption->font().pointSizeF(), large.pointSizeF() * 1.3);
  QApplication::setFont(normal);
  QTRY_COMPARE(caption->font().pointSizeF(), before);
}

}  // namespace widgettest

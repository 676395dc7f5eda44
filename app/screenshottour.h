// `pretext --screenshot-tour DIR`: shows every panel in turn and saves a PNG of the window for each
// (DIR/01-dataset.png ...), waiting for each panel's background work to finish, then quits. For the
// docs and for looking at every panel during a real run without a person at the keyboard.
#pragma once

#include <QString>

class MainWindow;

/// Starts the tour now; the application exits with 0 after the last picture (1 when one could not
/// be written).
void startScreenshotTour(MainWindow& window, const QString& dir);

// The Pretext window. `pretext --dataset SPEC --screenshot FILE` loads a dataset, saves a PNG of
// the window once it is shown, and quits (for the docs and for checks without a person).
#include "datasetpanel.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Pretext"));
  QApplication::setOrganizationDomain(QStringLiteral("pretext.invalid"));
  QApplication::setApplicationName(QStringLiteral("Pretext"));
  QApplication::setApplicationVersion(QStringLiteral(PRETEXT_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("pretext"));
  QIcon icon;
  for (int size : {16, 32, 48, 64, 128, 256}) icon.addFile(QStringLiteral(":/icons/pretext-%1.png").arg(size));
  QApplication::setWindowIcon(icon);

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Workbench for self-supervised visual representation learning"));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption datasetOption(
      QStringLiteral("dataset"),
      QStringLiteral("Dataset to open: a kind (fashion-mnist, mnist, cifar10, cifar100, stl10, folder, shapes), "
                     "kind:path, or a path."),
      QStringLiteral("SPEC"));
  const QCommandLineOption screenshotOption(
      QStringLiteral("screenshot"),
      QStringLiteral("Save a PNG of the window to FILE once the dataset has loaded, then quit "
                     "(exit status 1 when the dataset failed to load). Settings are neither read nor written."),
      QStringLiteral("FILE"));
  const QCommandLineOption themeOption(QStringLiteral("theme"), QStringLiteral("Colour theme: light or dark."),
                                       QStringLiteral("THEME"));
  const QCommandLineOption largeFontOption(QStringLiteral("large-font"),
                                           QStringLiteral("Large font, for projectors."));
  parser.addOptions({datasetOption, screenshotOption, themeOption, largeFontOption});
  parser.process(app);

  const QString theme = parser.value(themeOption);
  if (!theme.isEmpty() && theme != QLatin1String("light") && theme != QLatin1String("dark")) {
    std::fprintf(stderr, "pretext: --theme must be light or dark, not '%s'\n", qPrintable(theme));
    return 2;
  }
  const QString screenshot = parser.value(screenshotOption);

  MainWindow window(/*useSettings=*/screenshot.isEmpty());
  if (!theme.isEmpty()) window.setTheme(theme == QLatin1String("dark") ? MainWindow::Theme::Dark : MainWindow::Theme::Light);
  if (parser.isSet(largeFontOption)) window.setLargeFont(true);

  if (!screenshot.isEmpty()) {
    DatasetPanel* panel = window.datasetPanel();
    auto takeShot = [&window, &app, screenshot](int status) {
      // Let queued layouts and chart replots run before grabbing.
      QTimer::singleShot(400, &window, [&window, &app, screenshot, status] {
        if (!window.grab().save(screenshot, "PNG")) {
          std::fprintf(stderr, "pretext: could not write %s\n", qPrintable(screenshot));
          app.exit(1);
          return;
        }
        app.exit(status);
      });
    };
    QObject::connect(panel, &DatasetPanel::datasetChanged, &window, [takeShot] { takeShot(0); });
    QObject::connect(panel, &DatasetPanel::loadFailed, &window, [takeShot](const QString& message) {
      std::fprintf(stderr, "pretext: %s\n", qPrintable(message));
      takeShot(1);
    });
    QTimer::singleShot(300000, &app, [&app] {
      std::fprintf(stderr, "pretext: the dataset did not load within 5 minutes\n");
      app.exit(1);
    });
  }

  window.show();
  window.openInitialDataset(parser.value(datasetOption));
  return app.exec();
}

// The Pretext window. `pretext --dataset SPEC --screenshot FILE` loads a dataset, saves a PNG of
// the window once it is shown, and quits (for the docs and for checks without a person).
#include "datasetpanel.h"
#include "mainwindow.h"
#include "experimentpresets.h"
#include "presetspanel.h"
#include "screenshottour.h"
#include "trainingpanel.h"
#include "translation.h"

#include <QComboBox>
#include <QPushButton>
#include <QSpinBox>

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <algorithm>
#include <memory>

#include <cstdio>
#include <cstring>

namespace {

// --help and --version answer without a display: they need no window system, and where there is
// none (a terminal, a build machine) a QApplication would abort on the missing platform plugin.
bool onlyHelpOrVersion(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i) {
    for (const char* flag : {"-h", "--help", "-?", "--help-all", "-v", "--version"}) {
      if (std::strcmp(argv[i], flag) == 0) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char* argv[]) {
  const std::unique_ptr<QCoreApplication> application =
      onlyHelpOrVersion(argc, argv) ? std::make_unique<QCoreApplication>(argc, argv) : std::make_unique<QApplication>(argc, argv);
  QCoreApplication& app = *application;
  QApplication::setOrganizationName(QStringLiteral("Pretext"));
  QApplication::setOrganizationDomain(QStringLiteral("pretext.invalid"));
  QApplication::setApplicationName(QStringLiteral("Pretext"));
  QApplication::setApplicationVersion(QStringLiteral(PRETEXT_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("pretext"));
  if (qobject_cast<QApplication*>(&app)) {
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256}) icon.addFile(QStringLiteral(":/icons/pretext-%1.png").arg(size));
    QApplication::setWindowIcon(icon);
  }

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
  const QCommandLineOption trainOption(
      QStringLiteral("train"),
      QStringLiteral("Once the dataset has loaded, open the Training panel and start METHOD (with --screenshot: "
                     "the picture is taken when the run ends or after --screenshot-after seconds)."),
      QStringLiteral("METHOD"));
  const QCommandLineOption epochsOption(QStringLiteral("epochs"), QStringLiteral("Epochs for --train."), QStringLiteral("N"), QStringLiteral("3"));
  const QCommandLineOption subsetOption(QStringLiteral("subset"), QStringLiteral("Training images for --train (0: all)."),
                                        QStringLiteral("N"), QStringLiteral("0"));
  const QCommandLineOption processesOption(
      QStringLiteral("processes"),
      QStringLiteral("Processes for --train (the Training panel's Processes; more than 1 trains in pretext-cli "
                     "train --nproc N and follows its run folder)."),
      QStringLiteral("N"), QStringLiteral("1"));
  const QCommandLineOption shotAfterOption(QStringLiteral("screenshot-after"),
                                           QStringLiteral("With --train: take the screenshot after SECONDS of training; otherwise SECONDS after the dataset is up."),
                                           QStringLiteral("SECONDS"));
  const QCommandLineOption panelOption(QStringLiteral("panel"),
                                      QStringLiteral("Panel to show first, by its title (e.g. augmentations)."),
                                      QStringLiteral("TITLE"));
  const QCommandLineOption experimentOption(
      QStringLiteral("experiment"),
      QStringLiteral("Run the experiment preset TITLE (see the Experiments panel) once the window is up (with "
                     "--screenshot: the picture is taken when its last run ends or after --screenshot-after seconds)."),
      QStringLiteral("TITLE"));
  const QCommandLineOption runOption(QStringLiteral("run"),
                                    QStringLiteral("Show the run folder DIR (written by the window or pretext-cli) in "
                                                   "the inspection panels (Filters, Attention, Retrieval, Embedding)."),
                                    QStringLiteral("DIR"));
  const QCommandLineOption followOption(
      QStringLiteral("follow"),
      QStringLiteral("Follow the run folder DIR that another process writes (pretext-cli train, a cluster job on a "
                     "shared filesystem): the charts grow with its metrics.csv, the inspection panels follow its "
                     "checkpoints. DIR may not exist yet."),
      QStringLiteral("DIR"));
  const QCommandLineOption languageOption(
      QStringLiteral("language"),
      QStringLiteral("Language of the window: en, zh_CN, or system (the system's locale). Default: the choice "
                     "made under View > Language, else the system's locale."),
      QStringLiteral("LANG"));
  const QCommandLineOption tourOption(
      QStringLiteral("screenshot-tour"),
      QStringLiteral("Like --screenshot, but a PNG of every panel in turn into DIR (each once its background work "
                     "is done), then quit. With --train: after the first epoch's checkpoint, unless --screenshot-after."),
      QStringLiteral("DIR"));
  parser.addOptions({tourOption, datasetOption, screenshotOption, themeOption, largeFontOption, trainOption, epochsOption,
                     subsetOption, processesOption, shotAfterOption, panelOption, experimentOption, runOption, followOption, languageOption});
  parser.addPositionalArgument(QStringLiteral("experiment.json"),
                               QStringLiteral("An experiment file to open (a lesson saved with File > Save experiment): it "
                                              "appears in the Experiments panel, its dataset loaded, ready to run; "
                                              "--experiment with its title runs it."),
                               QStringLiteral("[experiment.json]"));
  parser.process(app);
  if (parser.positionalArguments().size() > 1) {
    std::fprintf(stderr, "pretext: one experiment file at a time, not %lld\n", qlonglong(parser.positionalArguments().size()));
    return 2;
  }

  const QString theme = parser.value(themeOption);
  if (!theme.isEmpty() && theme != QLatin1String("light") && theme != QLatin1String("dark")) {
    std::fprintf(stderr, "pretext: --theme must be light or dark, not '%s'\n", qPrintable(theme));
    return 2;
  }
  const QString tour = parser.value(tourOption);
  const QString screenshot = parser.value(screenshotOption);

  // The translator goes in before the first widget is built: the window reads its text once.
  const bool useSettings = screenshot.isEmpty() && tour.isEmpty();
  QString language = parser.value(languageOption);
  if (language == QLatin1String("system")) language.clear();
  else if (!language.isEmpty() && !i18n::languages().contains(language)) {
    std::fprintf(stderr, "pretext: --language must be %s or system, not '%s'\n",
                 qPrintable(i18n::languages().join(QStringLiteral(", "))), qPrintable(language));
    return 2;
  }
  if (!parser.isSet(languageOption) && useSettings) language = i18n::savedLanguage();
  i18n::installTranslator(language);

  MainWindow window(useSettings);
  if (!theme.isEmpty()) window.setTheme(theme == QLatin1String("dark") ? MainWindow::Theme::Dark : MainWindow::Theme::Light);
  if (parser.isSet(largeFontOption)) window.setLargeFont(true);

  if (!screenshot.isEmpty() || !tour.isEmpty()) {
    DatasetPanel* panel = window.datasetPanel();
    auto fired = std::make_shared<bool>(false);
    auto takeShot = [&window, &app, screenshot, tour, fired](int status) {
      if (*fired) return;  // the run's end and the timer may both ask
      *fired = true;
      if (!tour.isEmpty()) {
        if (status == 0) startScreenshotTour(window, tour);
        else app.exit(status);
        return;
      }
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
    if (!parser.isSet(trainOption) && !parser.isSet(experimentOption)) {
      // With --screenshot-after: that long after the dataset is up (an inspection panel computing).
      const int delayMs = parser.isSet(shotAfterOption) ? int(1000 * parser.value(shotAfterOption).toDouble()) : 0;
      QObject::connect(panel, &DatasetPanel::datasetChanged, &window, [takeShot, delayMs, &window] {
        QTimer::singleShot(delayMs, &window, [takeShot] { takeShot(0); });
      }, Qt::SingleShotConnection);
    } else {
      TrainingPanel* training = window.trainingPanel();
      QObject::connect(training, &TrainingPanel::runFinished, &window, [takeShot, training](const pretext::RunResult& r) {
        if (r.status == pretext::RunStatus::Failed) takeShot(1);
        else if (training->queuedRuns() == 0) takeShot(0);  // an experiment's last run
      });
      if (parser.isSet(shotAfterOption)) {
        QObject::connect(training, &TrainingPanel::runStarted, &window, [&, takeShot] {
          QTimer::singleShot(int(1000 * parser.value(shotAfterOption).toDouble()), &window, [takeShot] { takeShot(0); });
        });
      } else if (!tour.isEmpty()) {
        // The inspection panels need a checkpoint: tour once the first epoch has written one.
        QObject::connect(training, &TrainingPanel::checkpointWritten, &window, [takeShot] { takeShot(0); },
                         Qt::SingleShotConnection);
      }
    }
    QObject::connect(panel, &DatasetPanel::loadFailed, &window, [takeShot](const QString& message) {
      std::fprintf(stderr, "pretext: %s\n", qPrintable(message));
      takeShot(1);
    });
    // A bound on the dataset's load only: training runs as long as it needs.
    auto* watchdog = new QTimer(&window);
    watchdog->setSingleShot(true);
    QObject::connect(watchdog, &QTimer::timeout, &app, [&app] {
      std::fprintf(stderr, "pretext: the dataset did not load within 5 minutes\n");
      app.exit(1);
    });
    QObject::connect(panel, &DatasetPanel::datasetChanged, watchdog, &QTimer::stop);
    watchdog->start(300000);
  }

  if (parser.isSet(trainOption)) {
    TrainingPanel* training = window.trainingPanel();
    QObject::connect(window.datasetPanel(), &DatasetPanel::datasetChanged, &window, [&, training] {
      if (training->running()) return;
      const int method = training->methodBox()->findData(parser.value(trainOption));
      if (method < 0) {
        std::fprintf(stderr, "pretext: unknown method '%s'\n", qPrintable(parser.value(trainOption)));
        app.exit(2);
        return;
      }
      training->methodBox()->setCurrentIndex(method);
      training->epochsBox()->setValue(parser.value(epochsOption).toInt());
      training->subsetBox()->setValue(parser.value(subsetOption).toInt());
      training->processesBox()->setValue(parser.value(processesOption).toInt());
      if (!parser.isSet(panelOption)) window.showPanel(training);
      training->start();
    });
  }

  const bool experimentFile = !parser.positionalArguments().isEmpty();
  if (experimentFile && !window.openExperiment(parser.positionalArguments().first(), /*showErrors=*/useSettings)) {
    std::fprintf(stderr, "pretext: %s\n", qPrintable(window.lastExperimentError()));
    if (!useSettings) return 2;
  }
  if (parser.isSet(experimentOption)) {
    const QString title = parser.value(experimentOption);
    const auto& presets = window.presetsPanel()->presets();
    const auto it = std::find_if(presets.begin(), presets.end(),
                                 [&](const ExperimentPreset& p) { return p.title.compare(title, Qt::CaseInsensitive) == 0; });
    if (it == presets.end()) {
      QStringList titles;
      for (const auto& p : presets) titles << p.title;
      std::fprintf(stderr, "pretext: no experiment titled '%s' (%s)\n", qPrintable(title), qPrintable(titles.join(QStringLiteral(", "))));
      return 2;
    }
    const ExperimentPreset preset = *it;
    // Once the first dataset is up (the preset loads its own when that is another one).
    QObject::connect(window.datasetPanel(), &DatasetPanel::datasetChanged, &window,
                     [&window, preset] { window.runPreset(preset); }, Qt::SingleShotConnection);
  }
  if (parser.isSet(followOption)) {
    if (parser.isSet(trainOption) || parser.isSet(experimentOption) || parser.isSet(runOption)) {
      std::fprintf(stderr, "pretext: --follow goes without --train, --experiment and --run\n");
      return 2;
    }
    if (!window.followRun(parser.value(followOption))) {
      std::fprintf(stderr, "pretext: --follow %s: not a folder\n", qPrintable(parser.value(followOption)));
      return 2;
    }
  }
  if (parser.isSet(panelOption) && !window.showPanel(parser.value(panelOption))) {
    std::fprintf(stderr, "pretext: no panel titled '%s'\n", qPrintable(parser.value(panelOption)));
    return 2;
  }
  if (parser.isSet(runOption) && !window.openRun(parser.value(runOption))) {
    std::fprintf(stderr, "pretext: %s is not a run folder (no config.json)\n", qPrintable(parser.value(runOption)));
    return 2;
  }
  window.show();
  // An experiment file loads its own dataset (unless --dataset names another).
  if (!experimentFile || parser.isSet(datasetOption) || window.lastExperimentError().size() > 0) {
    window.openInitialDataset(parser.value(datasetOption));
  }
  return app.exec();
}

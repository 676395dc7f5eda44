// The window's two languages: every catalogue string of the core (methods, option help, dataset
// descriptions, class names of the built-in datasets, presets) has a finished entry in
// resources/translations/pretext_zh_CN.ts; every method has a rendered formula; built under zh_CN
// no panel shows English other than proper names and mathematical symbols; and at the window's
// minimum size no label or button is cut off, in either language.
#include "formulas.h"
#include "experimentpresets.h"
#include "mainwindow.h"
#include "trainingpanel.h"
#include "translation.h"

#include <pretext/backbones.h>
#include <pretext/dataset.h>
#include <pretext/methods.h>

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QGroupBox>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSet>
#include <QSettings>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QVBoxLayout>
#include <QXmlStreamReader>
#include <QtTest/QtTest>

#include <map>
#include <set>

namespace {

using Key = std::pair<QString, QString>;  // context, English

/// Every catalogue string the window shows, read from the core's registries at run time.
std::set<Key> liveCatalogue() {
  std::set<Key> out;
  auto add = [&](const char* context, const std::string& text) {
    if (!text.empty()) out.insert({QString::fromLatin1(context), QString::fromStdString(text)});
  };
  for (const auto& m : pretext::methodCatalogue()) {
    add(i18n::kMethods, m.title);
    add(i18n::kMethods, m.family);
    add(i18n::kMethods, m.description);
    add(i18n::kMethods, m.paper);
    for (const auto& o : m.options) {
      add(i18n::kOptions, o.help);
      add(i18n::kOptionNames, o.name);
    }
  }
  // Prepared datasets are described from their manifests (counts, sizes): not catalogue text.
  for (const auto& d : pretext::findDatasets()) {
    if (d.kind != "prepared") add(i18n::kDatasets, d.description);
  }
  for (auto split : {pretext::Split::Train, pretext::Split::Test, pretext::Split::Unlabeled}) {
    add(i18n::kDatasets, pretext::splitName(split));
  }
  // Class names of the datasets that need no download; the others' names are in the list by hand.
  const auto shapes = pretext::Dataset::load(pretext::DatasetSpec::parse("shapes"));
  for (const auto& name : shapes.classNames()) add(i18n::kClasses, name);
  try {
    const auto fashion = pretext::Dataset::load(pretext::DatasetSpec::parse("fashion-mnist"));
    for (const auto& name : fashion.classNames()) add(i18n::kClasses, name);
  } catch (const std::exception&) {
    // Fashion-MNIST is not installed: its names are still checked through the source list below.
  }
  for (const auto& p : builtInPresets()) {
    add(i18n::kPresets, p.title.toStdString());
    add(i18n::kPresets, p.description.toStdString());
    for (const auto& run : p.runs) {
      if (run.contains(QStringLiteral("label"))) add(i18n::kPresets, run.value(QStringLiteral("label")).toString().toStdString());
    }
  }
  return out;
}

/// The finished entries of a .ts file: (context, source) -> translation. `problems` collects the
/// unfinished, obsolete and vanished ones.
std::map<Key, QString> readTs(const QString& path, QStringList* problems) {
  std::map<Key, QString> out;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return out;
  QXmlStreamReader xml(&file);
  QString context, source, translation, type;
  while (!xml.atEnd()) {
    xml.readNext();
    if (!xml.isStartElement()) continue;
    if (xml.name() == QLatin1String("name")) context = xml.readElementText();
    else if (xml.name() == QLatin1String("source")) source = xml.readElementText();
    else if (xml.name() == QLatin1String("translation")) {
      type = xml.attributes().value(QLatin1String("type")).toString();
      translation = xml.readElementText();
      if (!type.isEmpty()) problems->append(QStringLiteral("%1 (%2): %3").arg(type, context, source.left(60)));
      else if (translation.isEmpty()) problems->append(QStringLiteral("empty (%1): %2").arg(context, source.left(60)));
      else out[{context, source}] = translation;
    }
  }
  if (xml.hasError()) problems->append(QStringLiteral("%1: %2").arg(path, xml.errorString()));
  return out;
}

bool hasCjk(const QString& s) {
  static const QRegularExpression cjk(QStringLiteral("[\\x{4e00}-\\x{9fff}]"));
  return cjk.match(s).hasMatch();
}

/// Words that stay in every language: proper names, abbreviations, units and the names of
/// mathematical functions.
const QSet<QString>& properNames() {
  static const QSet<QString> names = [] {
    QSet<QString> s;
    for (const auto& m : pretext::methodCatalogue()) {
      for (const QString& w : QString::fromStdString(m.title).split(QRegularExpression(QStringLiteral("[^A-Za-z0-9-]+")), Qt::SkipEmptyParts)) s << w;
    }
    for (const auto& b : pretext::backboneCatalogue()) {
      s << QString::fromStdString(b.name) << QString::fromStdString(b.title);
      for (const auto& stage : b.stages) s << QString::fromStdString(stage);
    }
    for (const char* w : {"SimCLR", "MoCo", "BYOL", "DINO", "MAE", "ResNet", "ViT", "NN", "k-NN", "PCA", "t-SNE", "CSV", "Markdown",
                          "PNG", "PDF", "Pretext", "Fashion-MNIST", "MNIST", "CIFAR", "STL", "ConvNet", "CPU", "CUDA", "GPU",
                          "Qt", "LibTorch", "QCustomPlot", "softmax", "log", "exp", "cos", "sim", "argmin", "mean", "norm",
                          "var", "Sinkhorn", "Sinkhorn-Knopp", "rot", "sg", "vis", "NT-Xent", "SGD", "AdamW", "lr", "ab", "RGB",
                          "img", "ImageNet", "Adam", "convnet", "resnet18", "vit", "Ctrl", "Shift", "Alt", "Return", "Esc", "HW",
                          "Sobel", "ms", "px", "MLP", "NCE", "LARS", "Lab", "faiss", "sRGB", "Transformer", "Barnes-Hut", "resnet", "k-means", "conv", "fashion-mnist", "CLS"}) {
      s << QString::fromLatin1(w);
    }
    return s;
  }();
  return names;
}

/// English words in `text` that are not proper names (empty when the text reads as Chinese).
QStringList englishWords(const QString& text) {
  QStringList out;
  static const QRegularExpression word(QStringLiteral("[A-Za-z][A-Za-z-]*[A-Za-z]"));
  for (auto it = word.globalMatch(text); it.hasNext();) {
    const QString w = it.next().captured();
    if (w.size() < 3 || properNames().contains(w)) continue;
    out << w;
  }
  return out;
}

QString plain(const QString& maybeHtml) {
  if (!Qt::mightBeRichText(maybeHtml)) return maybeHtml;
  QTextDocument doc;
  doc.setHtml(maybeHtml);
  return doc.toPlainText();
}

/// The texts a user reads in `root`: labels, buttons, group boxes, tabs, list items, combo items.
QList<QPair<QString, QString>> visibleTexts(QWidget* root) {
  QList<QPair<QString, QString>> out;  // where, text
  auto where = [](QObject* o) { return QString::fromLatin1(o->metaObject()->className()) + QLatin1Char(' ') + o->objectName(); };
  for (QLabel* l : root->findChildren<QLabel*>()) out << qMakePair(where(l), l->text());
  for (QAbstractButton* b : root->findChildren<QAbstractButton*>()) out << qMakePair(where(b), b->text());
  for (QGroupBox* g : root->findChildren<QGroupBox*>()) out << qMakePair(where(g), g->title());
  for (QTabWidget* t : root->findChildren<QTabWidget*>()) {
    for (int i = 0; i < t->count(); ++i) out << qMakePair(where(t), t->tabText(i));
  }
  for (QListWidget* list : root->findChildren<QListWidget*>()) {
    for (int i = 0; i < list->count(); ++i) out << qMakePair(where(list), list->item(i)->text());
  }
  for (QComboBox* c : root->findChildren<QComboBox*>()) {
    if (c->isEditable()) continue;
    for (int i = 0; i < c->count(); ++i) out << qMakePair(where(c), c->itemText(i));
  }
  return out;
}

}  // namespace

class TstTranslations : public QObject {
  Q_OBJECT

 private slots:
  void cleanup() { i18n::installTranslator(QStringLiteral("en")); }

  /// A string the core's catalogues gained without an entry in cataloguestrings.cpp fails here, with
  /// the line to add.
  void catalogueStringsAreListed() {
    std::set<Key> listed;
    for (const auto& [context, text] : i18n::catalogueSourceStrings()) listed.insert({QString::fromLatin1(context), QString::fromUtf8(text)});
    QStringList missing;
    for (const auto& key : liveCatalogue()) {
      if (listed.count(key)) continue;
      QString text = key.second;
      text.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""));
      missing << QStringLiteral("      {\"%1\", QT_TRANSLATE_NOOP(\"%1\", \"%2\")},").arg(key.first, text);
    }
    QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("add to widgets/cataloguestrings.cpp, then run `ninja update_translations` "
                                                          "and translate:\n") + missing.join(QLatin1Char('\n'))));
  }

  /// Every listed catalogue string has a finished Chinese entry in the .ts file, and the .ts file has
  /// no unfinished or obsolete entries at all.
  void tsHasEveryCatalogueString() {
    QStringList problems;
    const auto ts = readTs(QStringLiteral(PRETEXT_TS_FILE), &problems);
    QVERIFY2(!ts.empty(), PRETEXT_TS_FILE);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    QStringList missing;
    for (const auto& [context, text] : i18n::catalogueSourceStrings()) {
      if (!ts.count({QString::fromLatin1(context), QString::fromUtf8(text)})) missing << QStringLiteral("%1: %2").arg(context, text);
    }
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
  }

  /// Loaded from the embedded .qm, the catalogue reads as Chinese; only proper names (method titles
  /// such as SimCLR) and paper citations stay as they are.
  void catalogueReadsChineseUnderZh() {
    QCOMPARE(i18n::installTranslator(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
    QCOMPARE(i18n::catalogueText(i18n::kMethods, std::string("contrastive")), QStringLiteral("对比学习"));
    QStringList english;
    for (const auto& [context, text] : i18n::catalogueSourceStrings()) {
      const QString zh = i18n::catalogueText(context, std::string(text));
      if (hasCjk(zh) || englishWords(zh).isEmpty()) continue;
      if (QString::fromLatin1(context) == QLatin1String(i18n::kMethods) &&
          QRegularExpression(QStringLiteral("(19|20)\\d\\d")).match(zh).hasMatch()) {
        continue;  // a paper's authors and title
      }
      english << QStringLiteral("%1: %2").arg(context, zh);
    }
    QVERIFY2(english.isEmpty(), qPrintable(english.join(QLatin1Char('\n'))));
  }

  /// Every method of the catalogue has a rendering as a slide: HTML with real symbols and no ASCII
  /// stand-ins, and a legend in both languages.
  void everyMethodHasAFormula() {
    QStringList missing;
    for (const auto& m : pretext::methodCatalogue()) {
      const QString name = QString::fromStdString(m.name);
      const QString html = formulas::lossHtml(name);
      if (html.isEmpty()) {
        missing << name;
        continue;
      }
      QVERIFY2(Qt::mightBeRichText(html), qPrintable(name));
      for (const char* ascii : {"sum_", "!=", "->", "<-", "theta", "lambda", "tau", "||"}) {
        QVERIFY2(!plain(html).contains(QLatin1String(ascii)), qPrintable(name + QStringLiteral(": ") + QLatin1String(ascii)));
      }
    }
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char(' '))));
    QCOMPARE(formulas::methods().size(), int(pretext::methodCatalogue().size()));
    QVERIFY(formulas::lossHtml(QStringLiteral("simclr")).contains(QStringLiteral("τ")));
    QVERIFY(formulas::lossHtml(QStringLiteral("simclr")).contains(QStringLiteral("<sub>")));
    i18n::installTranslator(QStringLiteral("zh_CN"));
    for (const auto& m : pretext::methodCatalogue()) {
      const QString html = formulas::lossHtml(QString::fromStdString(m.name));
      QVERIFY2(hasCjk(plain(html)), qPrintable(QString::fromStdString(m.name)));
    }
  }

  /// With PRETEXT_FORMULA_SHEET=DIR: every method's formula as the Training panel draws it, in both
  /// languages, into DIR/formulas-en.png and DIR/formulas-zh_CN.png, to look at.
  void formulaSheet() {
    const QString dir = qEnvironmentVariable("PRETEXT_FORMULA_SHEET");
    if (dir.isEmpty()) QSKIP("set PRETEXT_FORMULA_SHEET=DIR to draw every formula into DIR");
    for (const QString& language : {QStringLiteral("en"), QStringLiteral("zh_CN")}) {
      i18n::installTranslator(language);
      QWidget sheet;
      auto* layout = new QVBoxLayout(&sheet);
      for (const auto& m : pretext::methodCatalogue()) {
        auto* label = new QLabel(QStringLiteral("<b>%1</b>%2").arg(i18n::catalogueText(i18n::kMethods, m.title),
                                                                 formulas::lossHtml(QString::fromStdString(m.name))));
        label->setWordWrap(true);
        label->setFixedWidth(420);  // the Training panel's description column
        label->setFixedHeight(label->heightForWidth(420));
        layout->addWidget(label);
      }
      sheet.setPalette(QApplication::palette());
      sheet.adjustSize();
      QVERIFY(sheet.grab().save(QDir(dir).filePath(QStringLiteral("formulas-%1.png").arg(language))));
    }
  }

  /// Built under zh_CN, no panel shows English in a label, button, group box, tab, list or menu,
  /// other than proper names, numbers and mathematical symbols.
  void noEnglishLeftUnderZh() {
    i18n::installTranslator(QStringLiteral("zh_CN"));
    MainWindow w(/*useSettings=*/false);
    QStringList citations;
    for (const auto& m : pretext::methodCatalogue()) citations << QString::fromStdString(m.paper);
    QStringList english;
    QStringList equations;  // symbols, the same in every language; their legends are checked
    for (const auto& m : pretext::methodCatalogue()) equations << formulas::equationsHtml(QString::fromStdString(m.name));
    auto check = [&](const QString& where, QString text) {
      for (const QString& e : equations) text.remove(e);
      text.replace(QLatin1String("<sub>"), QLatin1String(" ")).replace(QLatin1String("<sup>"), QLatin1String(" "));  // symbols
      text = plain(text);
      for (const QString& c : citations) text.remove(c);
      // Paths and file names (runs/, config.json, /usr/share/datasets/...) are not words.
      static const QRegularExpression path(QStringLiteral("\\S*/\\S*|\\S*\\.[A-Za-z]\\S*"));
      text.remove(path);
      const QStringList words = englishWords(text);
      if (!words.isEmpty()) english << QStringLiteral("%1: \"%2\" (%3)").arg(where, text.left(80), words.join(QLatin1Char(' ')));
    };
    // Every method's description, in turn, in the Training panel.
    QComboBox* method = w.trainingPanel()->methodBox();
    for (int i = 0; i < method->count(); ++i) {
      method->setCurrentIndex(i);
      for (const auto& [where, text] : visibleTexts(w.trainingPanel())) check(where, text);
    }
    for (const auto& [where, text] : visibleTexts(&w)) check(where, text);
    for (QAction* menu : w.menuBar()->actions()) {
      check(QStringLiteral("menu"), menu->text());
      if (menu->menu()) {
        for (QAction* a : menu->menu()->actions()) {
          if (a->text() == QLatin1String("English")) continue;  // the language's own name
          check(QStringLiteral("menu"), a->text());
          if (a->menu()) for (QAction* b : a->menu()->actions()) if (b->text() != QLatin1String("English")) check(QStringLiteral("menu"), b->text());
        }
      }
    }
    english.removeDuplicates();
    QVERIFY2(english.isEmpty(), qPrintable(english.join(QLatin1Char('\n'))));
  }

  /// View > Language offers System, English and 简体中文, follows the saved choice, saves a new one
  /// and says that it applies at the next start.
  void languageMenuSavesTheChoice() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    QSettings::setDefaultFormat(QSettings::NativeFormat);
    i18n::saveLanguage(QString());
    QCOMPARE(i18n::savedLanguage(), QString());
    MainWindow w(/*useSettings=*/true);
    QMenu* language = nullptr;
    for (QMenu* m : w.menuBar()->findChildren<QMenu*>()) {
      if (m->title() == QLatin1String("&Language")) language = m;
    }
    QVERIFY(language);
    QStringList texts;
    QAction* chinese = nullptr;
    for (QAction* a : language->actions()) {
      texts << a->text();
      if (a->data().toString() == QLatin1String("zh_CN")) chinese = a;
    }
    QCOMPARE(texts, (QStringList{QStringLiteral("System"), QStringLiteral("English"), QStringLiteral("简体中文")}));
    QVERIFY(language->actions().first()->isChecked());  // nothing saved: follow the system
    QVERIFY(chinese);
    chinese->trigger();
    QCOMPARE(i18n::savedLanguage(), QStringLiteral("zh_CN"));
    QVERIFY(chinese->isChecked());
    auto* prompt = w.findChild<QMessageBox*>(QStringLiteral("languagePrompt"));
    QVERIFY(prompt);
    QVERIFY2(prompt->text().contains(QStringLiteral("简体中文")), qPrintable(prompt->text()));
    prompt->close();
    QCOMPARE(i18n::resolveLanguage(i18n::savedLanguage()), QStringLiteral("zh_CN"));
    QCOMPARE(i18n::installTranslator(i18n::savedLanguage()), QStringLiteral("zh_CN"));
    QCOMPARE(QCoreApplication::translate("MainWindow", "&Language"), QStringLiteral("语言(&L)"));
  }

  void noTextCutOffAtMinimumSize_data() {
    QTest::addColumn<QString>("language");
    QTest::newRow("en") << QStringLiteral("en");
    QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
  }

  /// At the window's minimum size, every visible label and button of every panel gets at least the
  /// width its text needs (no clipped text); word-wrapped labels get at least their height for it.
  void noTextCutOffAtMinimumSize() {
    QFETCH(QString, language);
    i18n::installTranslator(language);
    MainWindow w(/*useSettings=*/false);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.resize(w.minimumSizeHint().expandedTo(w.minimumSize()));
    auto* stack = w.findChild<QStackedWidget*>();
    QVERIFY(stack);
    QStringList cut;
    int checked = 0;
    for (int i = 0; i < stack->count(); ++i) {
      w.showPanel(i);
      QCoreApplication::processEvents();
      QWidget* panel = stack->widget(i);
      for (QLabel* l : panel->findChildren<QLabel*>()) {
        if (!l->isVisibleTo(&w) || l->text().isEmpty() || l->pixmap().isNull() == false) continue;
        ++checked;
        if (l->wordWrap()) {
          // A label in a scroll area scrolls; any other must be tall enough for its wrapped text.
          if (qobject_cast<QScrollArea*>(l->parentWidget() ? l->parentWidget()->parentWidget() : nullptr)) continue;
          if (l->height() < l->heightForWidth(l->width()) - 1) {
            cut << QStringLiteral("panel %1 label \"%2\": height %3 < %4").arg(i).arg(l->text().left(50)).arg(l->height()).arg(l->heightForWidth(l->width()));
          }
        } else if (l->width() < l->minimumSizeHint().width()) {
          cut << QStringLiteral("panel %1 label \"%2\": width %3 < %4").arg(i).arg(l->text().left(50)).arg(l->width()).arg(l->minimumSizeHint().width());
        }
      }
      for (QAbstractButton* b : panel->findChildren<QAbstractButton*>()) {
        if (!b->isVisibleTo(&w) || b->text().isEmpty()) continue;
        ++checked;
        if (b->width() < b->minimumSizeHint().width()) {
          cut << QStringLiteral("panel %1 button \"%2\": width %3 < %4").arg(i).arg(b->text()).arg(b->width()).arg(b->minimumSizeHint().width());
        }
      }
    }
    qInfo("%s: %d labels and buttons checked in a %dx%d window", qPrintable(language), checked, w.width(), w.height());
    QVERIFY(checked > 50);
    QVERIFY2(cut.isEmpty(), qPrintable(QStringLiteral("window %1x%2\n").arg(w.width()).arg(w.height()) + cut.join(QLatin1Char('\n'))));
  }
};

QTEST_MAIN(TstTranslations)
#include "tst_translations.moc"

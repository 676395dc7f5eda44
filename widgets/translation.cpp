#include "translation.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

namespace i18n {

namespace {

QString g_current = QStringLiteral("en");

QList<QTranslator*>& installed() {
  static QList<QTranslator*> list;
  return list;
}

}  // namespace

QStringList languages() { return {QStringLiteral("en"), QStringLiteral("zh_CN")}; }

QString languageName(const QString& code) {
  if (code == QLatin1String("zh_CN")) return QStringLiteral("简体中文");
  if (code == QLatin1String("en")) return QStringLiteral("English");
  return code;
}

QString savedLanguage() {
  const QString code = QSettings().value(QStringLiteral("view/language")).toString();
  return languages().contains(code) ? code : QString();
}

void saveLanguage(const QString& code) {
  QSettings settings;
  if (code.isEmpty()) settings.remove(QStringLiteral("view/language"));
  else settings.setValue(QStringLiteral("view/language"), code);
}

QString resolveLanguage(const QString& code) {
  if (languages().contains(code)) return code;
  if (!code.isEmpty()) return QStringLiteral("en");
  // The system's preferred languages in order: the first one we have wins.
  for (const QString& ui : QLocale::system().uiLanguages()) {
    const QLocale locale(ui);
    if (locale.language() == QLocale::Chinese) return QStringLiteral("zh_CN");
    if (locale.language() == QLocale::English) return QStringLiteral("en");
  }
  return QStringLiteral("en");
}

QString installTranslator(const QString& code) {
  for (QTranslator* t : installed()) {
    QCoreApplication::removeTranslator(t);
    delete t;
  }
  installed().clear();
  g_current = resolveLanguage(code);
  if (g_current == QLatin1String("en")) return g_current;
  auto* own = new QTranslator;
  if (own->load(QStringLiteral(":/i18n/pretext_%1.qm").arg(g_current))) {
    QCoreApplication::installTranslator(own);
    installed().append(own);
  } else {
    delete own;
  }
  // Qt's own dialogs and standard buttons, when Debian's qt6-translations-l10n is installed.
  auto* qt = new QTranslator;
  if (qt->load(QLocale(g_current), QStringLiteral("qtbase"), QStringLiteral("_"),
               QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    QCoreApplication::installTranslator(qt);
    installed().append(qt);
  } else {
    delete qt;
  }
  return g_current;
}

QString currentLanguage() { return g_current; }

QString catalogueText(const char* context, const std::string& english) {
  return english.empty() ? QString() : QCoreApplication::translate(context, english.c_str());
}

QString catalogueText(const char* context, const QString& english) {
  if (english.isEmpty()) return english;
  const QByteArray utf8 = english.toUtf8();
  return QCoreApplication::translate(context, utf8.constData());
}

}  // namespace i18n

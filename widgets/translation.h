// The window's languages: English (the source text) and Simplified Chinese (resources/translations,
// compiled by lrelease into :/i18n/pretext_zh_CN.qm). Text the window writes itself goes through
// tr(); text from the core's catalogues (method titles, families, descriptions, option help, class
// names, dataset descriptions, presets) through catalogueText(), whose entries lupdate finds in
// cataloguestrings.cpp. The CLI stays English.
#pragma once

#include <QString>
#include <QStringList>

#include <string>
#include <utility>
#include <vector>

namespace i18n {

/// The languages offered under View > Language, as codes: "en", "zh_CN". "" means "follow the system".
QStringList languages();
/// The language's own name: "English", "简体中文".
QString languageName(const QString& code);
/// The language the user chose ("" when none: follow the system), from QSettings "view/language".
QString savedLanguage();
void saveLanguage(const QString& code);
/// The language `code` stands for: "" resolves to the system locale ("zh_CN" for any Chinese locale,
/// else "en"); an unknown code resolves to "en".
QString resolveLanguage(const QString& code);
/// Installs the translators for `code` ("" = the system locale) on the application, replacing the
/// ones installed before, and returns the language in effect. Widgets built afterwards are translated.
QString installTranslator(const QString& code);
/// The language installed by the last installTranslator call ("en" before any).
QString currentLanguage();

/// Contexts of the core's catalogue text.
inline constexpr const char* kMethods = "Methods";           ///< titles, families, descriptions, papers
inline constexpr const char* kOptions = "MethodOptions";     ///< option help texts
inline constexpr const char* kOptionNames = "OptionNames";   ///< option names (the CLI's --name)
inline constexpr const char* kDatasets = "Datasets";         ///< dataset descriptions
inline constexpr const char* kClasses = "ClassNames";        ///< class names of the built-in datasets
inline constexpr const char* kPresets = "Presets";           ///< experiment presets (resources/presets)

/// `english` from the core's catalogues, translated in `context`.
QString catalogueText(const char* context, const std::string& english);
QString catalogueText(const char* context, const QString& english);

/// Context of the core's messages and picture captions that the window translates (coremessages.cpp).
inline constexpr const char* kCoreMessages = "CoreMessages";

/// A message of the core (an exception's text, a training notice) in the window's language: the
/// known ones (coremessages.cpp: errors of run folders, datasets, training and experiment files)
/// are matched whole or at their start and translated with their names and numbers kept; any
/// other stays as the core wrote it (English). "A: B" is translated part by part.
QString coreMessage(const QString& english);
/// The English templates coreMessage knows (its patterns' sources, in the CoreMessages context).
QStringList coreMessageSources();

/// Every catalogue string lupdate sees (cataloguestrings.cpp), as (context, English) pairs.
const std::vector<std::pair<const char*, const char*>>& catalogueSourceStrings();

}  // namespace i18n

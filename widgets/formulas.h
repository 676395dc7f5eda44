// Each method's loss as a slide would show it: HTML rich text with Unicode math (subscripts,
// fractions as small tables, Σ, τ, ‖·‖, θ) for a QLabel, plus a translated legend of the symbols.
// The core keeps its plain-text formula (MethodInfo::lossFormula) for the CLI; this table, keyed by
// the method's CLI name, is the window's rendering of the same loss.
#pragma once

#include <QString>
#include <QStringList>

namespace formulas {

/// The method's loss as HTML (a table of rows, one equation per row) followed by its legend in the
/// current language; empty for a method that has no entry.
QString lossHtml(const QString& method);
/// The equations alone (no words, the same in every language).
QString equationsHtml(const QString& method);
/// The methods that have an entry (tst_translations checks the catalogue against it).
QStringList methods();

}  // namespace formulas

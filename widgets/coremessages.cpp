// The core's messages as the window shows them: the core writes English (the CLI's language, and
// the one its tests read), and the window translates the ones a user meets most, matching each
// with a pattern whose parts in parentheses (names, numbers, paths) are kept as they are.
// Messages not listed here stay English; the list in README ("Languages") says which.
#include "translation.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <vector>

namespace i18n {

namespace {

struct Pattern {
  const char* regex;   // matched against the whole message (or one "A: B" part of it)
  const char* source;  // the English template, %1.. the regex's groups in order
};

// Each source is the English text with the captured parts as %N, in the "CoreMessages" context.
const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> list = {
      {R"(^(.+) is not a run folder \(no config\.json\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 is not a run folder (no config.json)")},
      {R"(^(.+) has no checkpoint yet \(checkpoints/last\.pt\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 has no checkpoint yet (checkpoints/last.pt)")},
      {R"(^checkpoint (.+) not found$)", QT_TRANSLATE_NOOP("CoreMessages", "checkpoint %1 not found")},
      {R"(^no dataset given$)", QT_TRANSLATE_NOOP("CoreMessages", "no dataset given")},
      {R"(^'(.+)' is neither a dataset kind \((.+)\) nor an existing file or folder$)",
       QT_TRANSLATE_NOOP("CoreMessages", "'%1' is neither a dataset kind (%2) nor an existing file or folder")},
      {R"(^unknown dataset kind '(.+)'$)", QT_TRANSLATE_NOOP("CoreMessages", "unknown dataset kind '%1'")},
      {R"(^(.+) has no (train|test|unlabeled) split$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 has no %2 split")},
      {R"(^no images found$)", QT_TRANSLATE_NOOP("CoreMessages", "no images found")},
      {R"(^cannot open (.+)$)", QT_TRANSLATE_NOOP("CoreMessages", "cannot open %1")},
      {R"(^cannot read (.+)$)", QT_TRANSLATE_NOOP("CoreMessages", "cannot read %1")},
      {R"(^the training split has fewer than 2 images$)",
       QT_TRANSLATE_NOOP("CoreMessages", "the training split has fewer than 2 images")},
      {R"(^(.+) needs labels, and the training split has unlabelled images$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 needs labels, and the training split has unlabelled images")},
      {R"(^batch size (\d+) is larger than the (\d+) training images: using (\d+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "batch size %1 is larger than the %2 training images: using %3")},
      {R"(^out of memory at batch size (\d+): try --batch-size (\d+) \(the last checkpoint on disk is kept\)$)",
       QT_TRANSLATE_NOOP("CoreMessages",
                         "out of memory at batch size %1: try batch size %2 (the last checkpoint on disk is kept)")},
      {R"(^out of GPU memory at batch size (\d+): try --batch-size (\d+) \(the last checkpoint on disk is kept\)$)",
       QT_TRANSLATE_NOOP("CoreMessages",
                         "out of GPU memory at batch size %1: try batch size %2 (the last checkpoint on disk is kept)")},
      {R"(^the loss became (NaN|infinite) at epoch (\d+), step (\d+): training stopped\. Try a lower learning rate \(now ([^)]+)\); the last good checkpoint \(end of epoch (\d+)\) is kept$)",
       QT_TRANSLATE_NOOP("CoreMessages", "the loss became %1 at epoch %2, step %3: training stopped. Try a lower "
                                         "learning rate (now %4); the last good checkpoint (end of epoch %5) is kept")},
      {R"(^the loss became (NaN|infinite) at epoch (\d+), step (\d+): training stopped\. Try a lower learning rate \(now ([^)]+)\); no checkpoint was written$)",
       QT_TRANSLATE_NOOP("CoreMessages", "the loss became %1 at epoch %2, step %3: training stopped. Try a lower "
                                         "learning rate (now %4); no checkpoint was written")},
      {R"(^random init: evaluated without training$)",
       QT_TRANSLATE_NOOP("CoreMessages", "random init: evaluated without training")},
      // Experiment files (widgets/experimentpresets.cpp): "FILE: FIELD: what", the what part.
      {R"(^has no runs$)", QT_TRANSLATE_NOOP("CoreMessages", "has no runs")},
      {R"(^missing: an experiment needs a title$)", QT_TRANSLATE_NOOP("CoreMessages", "missing: an experiment needs a title")},
      {R"(^unknown key '(.+)' in a run$)", QT_TRANSLATE_NOOP("CoreMessages", "unknown key '%1' in a run")},
      {R"(^unknown key \(known: (.+)\)$)", QT_TRANSLATE_NOOP("CoreMessages", "unknown key (known: %1)")},
      {R"(^expected a whole number, not (.*)$)", QT_TRANSLATE_NOOP("CoreMessages", "expected a whole number, not %1")},
      {R"(^expected text, not (.+)$)", QT_TRANSLATE_NOOP("CoreMessages", "expected text, not %1")},
      {R"(^cannot be read \((.+)\)$)", QT_TRANSLATE_NOOP("CoreMessages", "cannot be read (%1)")},
      {R"(^cannot be written \((.+)\)$)", QT_TRANSLATE_NOOP("CoreMessages", "cannot be written (%1)")},
      {R"(^unknown method '([^']+)'(.*)$)", QT_TRANSLATE_NOOP("CoreMessages", "unknown method '%1'%2")},
      {R"(^unknown chart '(.+)' \(known: (.+)\)$)", QT_TRANSLATE_NOOP("CoreMessages", "unknown chart '%1' (known: %2)")},
      {R"(^(.+) at offset (\d+)$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 at offset %2")},
  };
  return list;
}

QString translateWhole(const QString& text) {
  for (const Pattern& p : patterns()) {
    const QRegularExpression re(QString::fromLatin1(p.regex));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch()) continue;
    QString out = QCoreApplication::translate(kCoreMessages, p.source);
    for (int i = 1; i <= m.lastCapturedIndex(); ++i) out = out.arg(m.captured(i));
    return out;
  }
  return {};
}

}  // namespace

QString coreMessage(const QString& english) {
  const QString whole = translateWhole(english);
  if (!whole.isEmpty()) return whole;
  // "where: what" (a file or folder named first): the part after each ": " tried in turn.
  int from = 0;
  while (true) {
    const int colon = english.indexOf(QStringLiteral(": "), from);
    if (colon < 0) return english;
    const QString rest = translateWhole(english.mid(colon + 2));
    if (!rest.isEmpty()) return english.left(colon + 2) + rest;
    from = colon + 2;
  }
}

}  // namespace i18n

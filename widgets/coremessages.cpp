// The core's messages as the window shows them: the core writes English (the CLI's language, and
// the one its tests read), and the window translates the ones a user meets most, matching each
// with a pattern whose parts in parentheses (names, numbers, paths) are kept as they are.
// Messages not listed here stay English; the list in README ("Languages") says which.
#include "translation.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QStringList>

#include <vector>

namespace i18n {

namespace {

struct Pattern {
  const char* regex;   // matched against the whole message (or one "A: B" part of it); nullptr: the source itself, exactly
  const char* source;  // the English template, %1.. the regex's groups in order
  unsigned nested = 0; // bit i-1 set: group i is itself a core message (coreMessage), not a name or number kept as is
};

constexpr unsigned group1 = 1u, group2 = 2u, group3 = 4u;

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
      // --train-split's refusals (trainSplitRefusal), after "--train-split unlabeled: ".
      {R"(^this method trains on labels$)", QT_TRANSLATE_NOOP("CoreMessages", "this method trains on labels")},
      {R"(^(.+) has no unlabelled split \(no unlabeled_X\.bin in (.*)\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 has no unlabelled split (no unlabeled_X.bin in %2)")},
      {R"(^(.+) has no unlabelled split$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 has no unlabelled split")},
      {R"(^(.+) has no labelled train split$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 has no labelled train split")},
      {R"(^no images found$)", QT_TRANSLATE_NOOP("CoreMessages", "no images found")},
      {R"(^cannot read (.+): file shrank while reading$)", QT_TRANSLATE_NOOP("CoreMessages", "cannot read %1: file shrank while reading")},
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

      // Range checks of the run's settings (validateConfig, run/config.cpp): "WHAT must be from A to
      // B, not C", WHAT one of the settings below with its option name kept.
      {R"(^(.+) must be from (\S+) to below (\S+), not (\S+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 must be from %2 to below %3, not %4"), group1},
      {R"(^(.+) must be from (\S+) to (\S+), not (\S+)$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 must be from %2 to %3, not %4"),
       group1},
      {R"(^(.+) must be greater than (\S+) to (\S+), not (\S+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 must be greater than %2 to %3, not %4"), group1},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "backbone width (--width)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "epochs (--epochs)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "batch size (--batch-size)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "subset (--subset, 0: all images)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "learning rate (--lr, 0: the optimizer's default)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "weight decay (--weight-decay, <0: the optimizer's default)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "momentum (--momentum)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "warm-up epochs (--warmup-epochs)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "threads (--threads, 0: all cores)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "k-NN k (--knn-k)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "k-NN temperature (knn_temperature)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "k-NN test limit (--knn-test-limit, 0: all)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "read-back interval (readback_every, 0: automatic)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "checkpoint interval (checkpoint_every_epochs)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "synchronized BatchNorm (sync_batchnorm: -1 the method's default, 0 off, 1 on)")},
      {R"(^augmentation (\S+) probability$)", QT_TRANSLATE_NOOP("CoreMessages", "augmentation %1 probability")},
      {R"(^augmentation (\S+) strength$)", QT_TRANSLATE_NOOP("CoreMessages", "augmentation %1 strength")},
      {R"(^first-layer kernel \(--first-kernel\) must be 0 \(the default, 5\) or odd from 3 to (\d+), not (-?\d+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "first-layer kernel (--first-kernel) must be 0 (the default, 5) or odd from 3 to %1, not %2")},
      {R"(^batch size (\d+) does not divide among (\d+) processes: the batch size is the global one$)",
       QT_TRANSLATE_NOOP("CoreMessages", "batch size %1 does not divide among %2 processes: the batch size is the global one")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages",
                                  "CPU bf16 autocast chosen (--cpu-bf16 auto): this CPU computes bf16 natively and the "
                                  "paired test in bench/README.md found this method as accurate that way, about 2x "
                                  "faster; --cpu-bf16 off trains in fp32")},
      // Resuming (trainer.cpp): another number of processes, and rows a killed writer left after the checkpoint.
      {R"(^resuming a checkpoint written by (\d+) process(?:es)? with (\d+) process(?:es)?: the global batch stays (\d+) \((\d+) per process\), the epoch's order, step and learning rate continue, and the method's state \(queues, memory banks, centres\) is the saved one; only the augmentation draws differ from an uninterrupted run$)",
       QT_TRANSLATE_NOOP("CoreMessages",
                         "resuming a checkpoint written by %1 process(es) with %2 process(es): the global batch stays %3 (%4 "
                         "per process), the epoch's order, step and learning rate continue, and the method's state (queues, "
                         "memory banks, centres) is the saved one; only the augmentation draws differ from an uninterrupted run")},
      {R"(^metrics\.csv: (\d+) rows? after step (\d+) dropped \(written after the checkpoint this run resumes from\)$)",
       QT_TRANSLATE_NOOP("CoreMessages",
                         "metrics.csv: %1 rows after step %2 dropped (written after the checkpoint this run resumes from)")},
      // Method options (checkMethodOptions).
      {R"(^(\S+): --(\S+) must be a whole number in (\S+), got (\S+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1: --%2 must be a whole number in %3, got %4")},
      {R"(^(\S+): --(\S+) must be in (.+), got (\S+)$)", QT_TRANSLATE_NOOP("CoreMessages", "%1: --%2 must be in %3, got %4")},
      {R"(^(\S+) has no option --(\S+) \(it has no options\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 has no option --%2 (it has no options)")},
      {R"(^(\S+) has no option --(\S+) \(its options: (.+)\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 has no option --%2 (its options: %3)")},

      // Corrupt or short dataset files (datasets/*.cpp), after "FILE: ".
      {R"(^truncated IDX file \((\d+) bytes\)$)", QT_TRANSLATE_NOOP("CoreMessages", "truncated IDX file (%1 bytes)")},
      {R"(^bad IDX magic number (\S+) \(expected (\S+)\), not an image file$)",
       QT_TRANSLATE_NOOP("CoreMessages", "bad IDX magic number %1 (expected %2), not an image file")},
      {R"(^bad IDX magic number (\S+) \(expected (\S+)\), not a label file$)",
       QT_TRANSLATE_NOOP("CoreMessages", "bad IDX magic number %1 (expected %2), not a label file")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "truncated IDX header")},
      {R"(^implausible IDX dimension (\d+)$)", QT_TRANSLATE_NOOP("CoreMessages", "implausible IDX dimension %1")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "implausible IDX size")},
      {R"(^truncated: the header promises (\d+) bytes of data, the file holds (\d+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "truncated: the header promises %1 bytes of data, the file holds %2")},
      {R"(^truncated: the header promises (\d+) bytes of data, more than its (\d+) bytes of gzip data can hold$)",
       QT_TRANSLATE_NOOP("CoreMessages", "truncated: the header promises %1 bytes of data, more than its %2 bytes of gzip data can hold")},
      {R"(^(\d+) unexpected bytes after the (\d+) bytes of data its header promises$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 unexpected bytes after the %2 bytes of data its header promises")},
      {R"(^more than (\d+) unexpected bytes after the (\d+) bytes of data its header promises$)",
       QT_TRANSLATE_NOOP("CoreMessages", "more than %1 unexpected bytes after the %2 bytes of data its header promises")},
      {R"(^no ((?:train|t10k)-(?:images-idx3|labels-idx1)-ubyte\[\.gz\])$)", QT_TRANSLATE_NOOP("CoreMessages", "no %1")},
      {R"(^no IDX image files \((.+)\)$)", QT_TRANSLATE_NOOP("CoreMessages", "no IDX image files (%1)")},
      {R"(^(\d+) labels for (\d+) images in (.+)$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 labels for %2 images in %3")},
      {R"(^(\d+) labels for (\d+) images$)", QT_TRANSLATE_NOOP("CoreMessages", "%1 labels for %2 images")},
      {R"(^label (\d+) in the (\S+) labels, but (.+) has (\d+) classes$)",
       QT_TRANSLATE_NOOP("CoreMessages", "label %1 in the %2 labels, but %3 has %4 classes")},
      {R"(^folder (.+) not found \(install the dataset-fashion-mnist package or give a folder\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "folder %1 not found (install the dataset-fashion-mnist package or give a folder)")},
      {R"(^folder (.+) not found$)", QT_TRANSLATE_NOOP("CoreMessages", "folder %1 not found")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "empty file")},
      {R"(^(\d+) bytes is not a whole number of (\d+)-byte (CIFAR-10|CIFAR-100) records \(truncated or not a CIFAR batch\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 bytes is not a whole number of %2-byte %3 records (truncated or not a CIFAR batch)")},
      {R"(^record (\d+) has label (\d+), outside 0\.\.(\d+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "record %1 has label %2, outside 0..%3")},
      {R"(^(\d+) bytes is not a whole number of 96x96x3 STL-10 images \(truncated or not an STL-10 file\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1 bytes is not a whole number of 96x96x3 STL-10 images (truncated or not an STL-10 file)")},
      {R"(^label (\d+) at position (\d+) is outside 1\.\.10$)",
       QT_TRANSLATE_NOOP("CoreMessages", "label %1 at position %2 is outside 1..10")},
      {R"(^corrupt gzip data \((.+)\)$)", QT_TRANSLATE_NOOP("CoreMessages", "corrupt gzip data (%1)")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "images must be uint8 [N, C, H, W]")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "the split is empty")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "image shape differs between splits")},
      {R"(^label (-?\d+) outside 0\.\.(\d+)$)", QT_TRANSLATE_NOOP("CoreMessages", "label %1 outside 0..%2")},
      {nullptr, QT_TRANSLATE_NOOP("CoreMessages", "too short for a .npy file")},

      // Data-parallel runs (dist/dist.cpp, the CLI's launcher): a rank that died or hangs, a
      // rendezvous that did not complete. The operation and Gloo's own detail stay as written.
      {R"(^rank (\d+): (.+?) failed: (rank \d+(?:, rank \d+)* stopped answering \(.+?: it died or hangs\))(: .*)?$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank %1: %2 failed: %3%4"), group3},
      {R"(^rank (\d+): (.+?) failed \(a peer died or did not answer within (\d+) s\)(: .*)?$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank %1: %2 failed (a peer died or did not answer within %3 s)%4")},
      {R"(^rank (\d+(?:, rank \d+)*) stopped answering \(no heartbeat for ([\d.]+) s: it died or hangs\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank %1 stopped answering (no heartbeat for %2 s: it died or hangs)")},
      {R"(^rank 0 stopped answering \(the rendezvous store it serves at (.+) does not answer: it died or hangs\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank 0 stopped answering (the rendezvous store it serves at %1 does not answer: it died or hangs)")},
      {R"(^rank (\d+) of (\d+): the rendezvous at (.+?) did not complete within (\d+) s(: .*)?$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank %1 of %2: the rendezvous at %3 did not complete within %4 s%5")},
      {R"(^(.+): stopping the others$)", QT_TRANSLATE_NOOP("CoreMessages", "%1: stopping the others"), group1},
      {R"(^rank (\d+) exited with status (\d+)$)", QT_TRANSLATE_NOOP("CoreMessages", "rank %1 exited with status %2")},
      {R"(^rank (\d+) was killed by signal (\d+) \((.+)\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank %1 was killed by signal %2 (%3)")},
      {R"(^rank (\d+) did not stop: killed$)", QT_TRANSLATE_NOOP("CoreMessages", "rank %1 did not stop: killed")},
      {R"(^rank (\d+) is not below the world size (\d+)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "rank %1 is not below the world size %2")},
      {R"(^environment variable (\S+) is not set \((.+)\)$)",
       QT_TRANSLATE_NOOP("CoreMessages", "environment variable %1 is not set (%2)")},
      {R"(^MASTER_PORT (\d+) is not a port$)", QT_TRANSLATE_NOOP("CoreMessages", "MASTER_PORT %1 is not a port")},
      {R"(^(.+): this build of Pretext has no Gloo \(its headers were not found when it was configured: install libgloo-dev, or use a LibTorch that ships them, and configure again\), so it trains in one process only$)",
       QT_TRANSLATE_NOOP("CoreMessages", "%1: this build of Pretext has no Gloo (its headers were not found when it was "
                                         "configured: install libgloo-dev, or use a LibTorch that ships them, and configure "
                                         "again), so it trains in one process only")},
  };
  return list;
}

/// The patterns compiled once (matching is thread-safe: the inspector translates on its threads).
const std::vector<QRegularExpression>& compiled() {
  static const std::vector<QRegularExpression> list = [] {
    std::vector<QRegularExpression> out;
    for (const Pattern& p : patterns()) {
      const QString re = p.regex ? QString::fromUtf8(p.regex)
                                 : QStringLiteral("^%1$").arg(QRegularExpression::escape(QString::fromUtf8(p.source)));
      out.emplace_back(re);
    }
    return out;
  }();
  return list;
}

/// `text` with each %N replaced by parts[N-1] in one pass, so that a part holding "%2" (a path, a
/// number format) is not substituted again, as a chain of QString::arg calls would.
QString substitute(const QString& text, const QStringList& parts) {
  QString out;
  for (qsizetype i = 0; i < text.size(); ++i) {
    qsizetype j = i + 1;
    int n = 0;
    while (text[i] == QLatin1Char('%') && j < text.size() && text[j].isDigit() && n < 10) n = 10 * n + text[j++].digitValue();
    if (n >= 1 && n <= parts.size()) {
      out += parts[n - 1];
      i = j - 1;
    } else {
      out += text[i];
    }
  }
  return out;
}

QString translateWhole(const QString& text) {
  const auto& list = patterns();
  const auto& res = compiled();
  for (std::size_t k = 0; k < list.size(); ++k) {
    const QRegularExpressionMatch m = res[k].match(text);
    if (!m.hasMatch()) continue;
    const Pattern& p = list[k];
    // Every group, also an optional one that took no part (it stands for nothing).
    QStringList parts;
    for (int i = 1; i <= res[k].captureCount(); ++i) {
      const QString part = m.captured(i);
      parts << ((p.nested >> (i - 1)) & 1u ? coreMessage(part) : part);
    }
    return substitute(QCoreApplication::translate(kCoreMessages, p.source), parts);
  }
  return {};
}

}  // namespace

QStringList coreMessageSources() {
  QStringList out;
  for (const Pattern& p : patterns()) out << QString::fromUtf8(p.source);
  return out;
}

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

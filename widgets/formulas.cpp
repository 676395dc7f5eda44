#include "formulas.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QtGlobal>

#include <map>
#include <vector>

namespace formulas {

namespace {

// Building blocks. Qt's rich text has no inline tables, so an equation is one table row whose cells
// hold text or a fraction (a nested table: numerator, rule, denominator), centred vertically.
QString frac(const QString& num, const QString& den) {
  return QStringLiteral("<table cellspacing=\"0\" cellpadding=\"0\" style=\"margin:0\">"
                        "<tr><td align=\"center\" style=\"padding:0 2px\">%1</td></tr>"
                        "<tr><td style=\"border-top:1px solid palette(text);padding:0 2px\" align=\"center\">%2</td></tr>"
                        "</table>")
      .arg(num, den);
}

using Row = std::vector<QString>;  // cells: plain HTML or a frac()

QString equation(const Row& cells) {
  QString out = QStringLiteral("<tr>");
  for (const QString& c : cells) out += QStringLiteral("<td valign=\"middle\" style=\"white-space:nowrap\">%1</td>").arg(c);
  return out + QStringLiteral("</tr>");
}

struct Entry {
  std::vector<Row> rows;
  const char* legend;  // translated in the "Formulas" context
};

const std::map<QString, Entry>& table() {
  static const std::map<QString, Entry> t = [] {
    std::map<QString, Entry> m;
    const QString L = QStringLiteral("<i>L</i> = ");
    m[QStringLiteral("random")] = {
        {{QStringLiteral("—")}},
        QT_TRANSLATE_NOOP("Formulas", "No loss: the encoder keeps its random initial weights.")};
    m[QStringLiteral("supervised")] = {
        {{L + QStringLiteral("−log softmax(<i>W</i> <i>f</i>(<i>x</i>))<sub><i>y</i></sub>")}},
        QT_TRANSLATE_NOOP("Formulas", "f: the encoder, W: a linear classifier, y: the true label (cross-entropy).")};
    m[QStringLiteral("rotation")] = {
        {{L + QStringLiteral("−"), frac(QStringLiteral("1"), QStringLiteral("4")),
          QStringLiteral("Σ<sub><i>r</i> ∈ {0°, 90°, 180°, 270°}</sub> log <i>p</i>(<i>r</i> | rot(<i>x</i>, <i>r</i>))")}},
        QT_TRANSLATE_NOOP("Formulas", "rot(x, r): the image turned by r; p: the probability the network gives to the true rotation.")};
    m[QStringLiteral("jigsaw")] = {
        {{L + QStringLiteral("−log <i>p</i>(<i>P</i> | <i>f</i>(<i>x</i><sub><i>P</i>(1)</sub>), …, <i>f</i>(<i>x</i><sub><i>P</i>(9)</sub>))")}},
        QT_TRANSLATE_NOOP("Formulas", "P: a permutation from the fixed set; x_P(k): the tile shuffled to place k; f: the encoder.")};
    m[QStringLiteral("context")] = {
        {{L + QStringLiteral("−log <i>p</i>(<i>k</i> | <i>f</i>(<i>x</i><sub>c</sub>), <i>f</i>(<i>x</i><sub><i>k</i></sub>)),&nbsp;&nbsp; <i>k</i> ∈ {1, …, 8}")}},
        QT_TRANSLATE_NOOP("Formulas", "x_c: the centre patch, x_k: its neighbour at position k (one of 8); f: the encoder.")};
    m[QStringLiteral("colorization")] = {
        {{L + QStringLiteral("−"), frac(QStringLiteral("1"), QStringLiteral("<i>HW</i>")),
          QStringLiteral("Σ<sub><i>h</i>,<i>w</i></sub> <i>v</i>(<b>Z</b><sub><i>h</i>,<i>w</i></sub>) Σ<sub><i>q</i></sub> "
                         "<b>Z</b><sub><i>h</i>,<i>w</i>,<i>q</i></sub> log <i>p</i><sub><i>h</i>,<i>w</i>,<i>q</i></sub>")},
         {QStringLiteral("<i>v</i> ∝ ((1 − λ) <i>p̃</i> + "), frac(QStringLiteral("λ"), QStringLiteral("<i>Q</i>")),
          QStringLiteral(")<sup>−1</sup>")}},
        QT_TRANSLATE_NOOP("Formulas", "Z: the true colour (ab) spread over Q colour bins; p: the bins predicted from the lightness alone; "
                                      "v: a weight that favours rare colours, p̃: the colour prior.")};
    m[QStringLiteral("inpainting")] = {
        {{L, frac(QStringLiteral("‖<i>M</i> ⊙ (<i>x</i> − <i>F</i>(<i>x̃</i>))‖² + <i>w</i><sub>vis</sub> ‖(1 − <i>M</i>) ⊙ (<i>x</i> − <i>F</i>(<i>x̃</i>))‖²"),
                  QStringLiteral("|<i>M</i>|"))},
         {QStringLiteral("<i>x̃</i> = (1 − <i>M</i>) ⊙ <i>x</i>")}},
        QT_TRANSLATE_NOOP("Formulas", "M: the mask of the hidden region, F: encoder and decoder, ⊙: element-wise product, "
                                      "w_vis: weight of the visible pixels.")};
    m[QStringLiteral("instdisc")] = {
        {{QStringLiteral("<i>P</i>(<i>i</i> | <b>v</b>) = "),
          frac(QStringLiteral("exp(<b>v</b><sub><i>i</i></sub><sup>⊤</sup><b>v</b> / τ)"), QStringLiteral("<i>Z</i>")),
          QStringLiteral(",&nbsp;&nbsp; <i>h</i>(<i>i</i>, <b>v</b>) = "),
          frac(QStringLiteral("<i>P</i>(<i>i</i> | <b>v</b>)"), QStringLiteral("<i>P</i>(<i>i</i> | <b>v</b>) + <i>m</i>/<i>n</i>"))},
         {L + QStringLiteral("−log <i>h</i>(<i>i</i>, <b>f</b><sub><i>i</i></sub>) − Σ<sub><i>k</i>=1</sub><sup><i>m</i></sup> log(1 − <i>h</i>(<i>i</i>, <b>v</b><sub><i>k</i></sub>))")}},
        QT_TRANSLATE_NOOP("Formulas", "v_i: image i's feature in the memory bank; f_i: its new feature; v_k: m noise samples drawn "
                                      "uniformly from the bank; n: images; τ: temperature; Z: the normaliser.")};
    m[QStringLiteral("simclr")] = {
        {{QStringLiteral("ℓ<sub><i>i</i>,<i>j</i></sub> = −log"),
          frac(QStringLiteral("exp(sim(<b>z</b><sub><i>i</i></sub>, <b>z</b><sub><i>j</i></sub>) / τ)"),
               QStringLiteral("Σ<sub><i>k</i> ≠ <i>i</i></sub> exp(sim(<b>z</b><sub><i>i</i></sub>, <b>z</b><sub><i>k</i></sub>) / τ)"))},
         {QStringLiteral("sim(<b>u</b>, <b>v</b>) = "),
          frac(QStringLiteral("<b>u</b><sup>⊤</sup><b>v</b>"), QStringLiteral("‖<b>u</b>‖ ‖<b>v</b>‖"))}},
        QT_TRANSLATE_NOOP("Formulas", "z_i, z_j: projections of two views of one image (a positive pair); the sum runs over the "
                                      "other 2N − 1 views of the batch; τ: temperature.")};
    m[QStringLiteral("moco")] = {
        {{L + QStringLiteral("−log"),
          frac(QStringLiteral("exp(<b>q</b>·<b>k</b><sub>+</sub> / τ)"),
               QStringLiteral("exp(<b>q</b>·<b>k</b><sub>+</sub> / τ) + Σ<sub><b>k</b><sub>−</sub> ∈ <i>Q</i></sub> exp(<b>q</b>·<b>k</b><sub>−</sub> / τ)"))},
         {QStringLiteral("θ<sub><i>k</i></sub> ← <i>m</i> θ<sub><i>k</i></sub> + (1 − <i>m</i>) θ<sub><i>q</i></sub>")}},
        QT_TRANSLATE_NOOP("Formulas", "q: the query, k+: the key of another view of the same image, Q: the queue of negative keys; "
                                      "the key encoder θ_k follows the query encoder θ_q with momentum m.")};
    m[QStringLiteral("byol")] = {
        {{QStringLiteral("ℓ(<i>a</i>, <i>b</i>) = 2 − 2 · "),
          frac(QStringLiteral("⟨<i>q</i><sub>θ</sub>(<b>z</b><sub><i>a</i></sub>), sg(<b>z</b>′<sub><i>b</i></sub>)⟩"),
               QStringLiteral("‖<i>q</i><sub>θ</sub>(<b>z</b><sub><i>a</i></sub>)‖ ‖<b>z</b>′<sub><i>b</i></sub>‖"))},
         {L + QStringLiteral("ℓ(1, 2) + ℓ(2, 1),&nbsp;&nbsp; ξ ← <i>m</i> ξ + (1 − <i>m</i>) θ")}},
        QT_TRANSLATE_NOOP("Formulas", "q_θ: the online network's predictor, z′: the target network's projection, sg: stop-gradient; "
                                      "the target weights ξ follow the online weights θ with momentum m.")};
    m[QStringLiteral("simsiam")] = {
        {{QStringLiteral("<i>D</i>(<b>p</b>, <b>z</b>) = −"),
          frac(QStringLiteral("<b>p</b>"), QStringLiteral("‖<b>p</b>‖<sub>2</sub>")), QStringLiteral("·"),
          frac(QStringLiteral("sg(<b>z</b>)"), QStringLiteral("‖sg(<b>z</b>)‖<sub>2</sub>"))},
         {L, frac(QStringLiteral("1"), QStringLiteral("2")), QStringLiteral("<i>D</i>(<b>p</b><sub>1</sub>, <b>z</b><sub>2</sub>) +"),
          frac(QStringLiteral("1"), QStringLiteral("2")), QStringLiteral("<i>D</i>(<b>p</b><sub>2</sub>, <b>z</b><sub>1</sub>)")}},
        QT_TRANSLATE_NOOP("Formulas", "z = g(f(x)): the projection, p = h(z): the predictor's output, sg: stop-gradient.")};
    m[QStringLiteral("barlow")] = {
        {{QStringLiteral("<i>C</i><sub><i>ij</i></sub> = "),
          frac(QStringLiteral("Σ<sub><i>b</i></sub> <i>z</i><sup>A</sup><sub><i>b</i>,<i>i</i></sub> <i>z</i><sup>B</sup><sub><i>b</i>,<i>j</i></sub>"),
               QStringLiteral("<i>B</i>"))},
         {L + QStringLiteral("<i>s</i> [ Σ<sub><i>i</i></sub> (1 − <i>C</i><sub><i>ii</i></sub>)² + λ Σ<sub><i>i</i> ≠ <i>j</i></sub> <i>C</i><sub><i>ij</i></sub>² ]")}},
        QT_TRANSLATE_NOOP("Formulas", "z^A, z^B: embeddings of the two views, standardised along the batch of B images; "
                                      "C: their cross-correlation matrix; λ: weight of the off-diagonal term; s: scale.")};
    m[QStringLiteral("swav")] = {
        {{L + QStringLiteral("−"), frac(QStringLiteral("1"), QStringLiteral("2")),
          QStringLiteral("Σ<sub><i>k</i></sub> [ <i>q</i><sub>2,<i>k</i></sub> log <i>p</i><sub>1,<i>k</i></sub> + <i>q</i><sub>1,<i>k</i></sub> log <i>p</i><sub>2,<i>k</i></sub> ]")},
         {QStringLiteral("<i>p</i><sub><i>v</i></sub> = softmax("),
          frac(QStringLiteral("<b>z</b><sub><i>v</i></sub><sup>⊤</sup><i>C</i>"), QStringLiteral("τ")),
          QStringLiteral("),&nbsp;&nbsp; <i>Q</i> = Sinkhorn(exp("),
          frac(QStringLiteral("<i>Z</i><sup>⊤</sup><i>C</i>"), QStringLiteral("ε")), QStringLiteral("))")}},
        QT_TRANSLATE_NOOP("Formulas", "C: the prototypes; q: codes computed from the other view by Sinkhorn-Knopp (the swap); "
                                      "τ: temperature; ε: entropic regularisation.")};
    m[QStringLiteral("deepcluster")] = {
        {{QStringLiteral("<i>y</i><sub><i>n</i></sub> = argmin<sub><i>k</i></sub> ‖φ(<i>x</i><sub><i>n</i></sub>) − μ<sub><i>k</i></sub>‖²")},
         {L + QStringLiteral("Σ<sub><i>n</i></sub> <i>w</i>(<i>y</i><sub><i>n</i></sub>) · (−log softmax(<i>W</i> <i>f</i>(<i>x</i><sub><i>n</i></sub>))<sub><i>y</i><sub><i>n</i></sub></sub>),&nbsp;&nbsp; <i>w</i>(<i>k</i>) ∝"),
          frac(QStringLiteral("1"), QStringLiteral("|<i>C</i><sub><i>k</i></sub>|"))}},
        QT_TRANSLATE_NOOP("Formulas", "φ: PCA-whitened features, μ_k: k-means centroids, y_n: the pseudo-label of image n, "
                                      "C_k: cluster k, w: weights that balance the cluster sizes.")};
    m[QStringLiteral("dino")] = {
        {{L + QStringLiteral("mean<sub><i>i</i> ∈ <i>G</i>, <i>v</i> ≠ <i>i</i></sub> [ −Σ<sub><i>k</i></sub> <i>P</i><sub>t</sub>(<i>x</i><sub><i>i</i></sub>)<sub><i>k</i></sub> log <i>P</i><sub>s</sub>(<i>x</i><sub><i>v</i></sub>)<sub><i>k</i></sub> ]")},
         {QStringLiteral("<i>P</i><sub>t</sub> = softmax("),
          frac(QStringLiteral("<i>g</i><sub>t</sub>(<i>x</i>) − <b>c</b>"), QStringLiteral("τ<sub>t</sub>")),
          QStringLiteral("),&nbsp;&nbsp; <i>P</i><sub>s</sub> = softmax("),
          frac(QStringLiteral("<i>g</i><sub>s</sub>(<i>x</i>)"), QStringLiteral("τ<sub>s</sub>")), QStringLiteral(")")},
         {QStringLiteral("<b>c</b> ← 0.9 <b>c</b> + 0.1 mean <i>g</i><sub>t</sub>,&nbsp;&nbsp; θ<sub>t</sub> ← <i>m</i> θ<sub>t</sub> + (1 − <i>m</i>) θ<sub>s</sub>")}},
        QT_TRANSLATE_NOOP("Formulas", "t: teacher, s: student; G: the global crops, which only the teacher sees (the student sees every crop); "
                                      "c: the centre of the teacher's outputs; τ: temperatures.")};
    m[QStringLiteral("mae")] = {
        {{L, frac(QStringLiteral("1"), QStringLiteral("|<i>M</i>|")), QStringLiteral("Σ<sub><i>i</i> ∈ <i>M</i></sub>"),
          frac(QStringLiteral("1"), QStringLiteral("<i>P</i>")),
          QStringLiteral("‖ <i>x̂</i><sub><i>i</i></sub> − norm(<i>x</i><sub><i>i</i></sub>) ‖²")},
         {QStringLiteral("norm(<i>x</i>) = "),
          frac(QStringLiteral("<i>x</i> − mean(<i>x</i>)"), QStringLiteral("√(var(<i>x</i>) + 10<sup>−6</sup>)"))}},
        QT_TRANSLATE_NOOP("Formulas", "M: the masked patches (the loss counts only them), P: pixels per patch, "
                                      "x̂_i: the decoder's reconstruction of patch i.")};
    return m;
  }();
  return t;
}

// The legends are plain text in the .ts files (translators need no HTML): symbols written x_i,
// x_P(k), z^A or θ_k there are set as sub- and superscripts here.
QString legendHtml(const QString& legend) {
  QString html = legend.toHtmlEscaped();
  static const QRegularExpression sub(QStringLiteral("([A-Za-zα-ωθξμφ′̂]+)_([A-Za-z0-9+θ]+(?:\\([A-Za-z0-9]+\\))?)"));
  static const QRegularExpression sup(QStringLiteral("([A-Za-z])\\^([A-Za-z0-9]+)"));
  html.replace(sub, QStringLiteral("<i>\\1</i><sub>\\2</sub>"));
  html.replace(sup, QStringLiteral("<i>\\1</i><sup>\\2</sup>"));
  return html;
}

}  // namespace

QString equationsHtml(const QString& method) {
  const auto it = table().find(method);
  if (it == table().end()) return {};
  QString html = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\" style=\"font-size:large\">");
  for (const Row& row : it->second.rows) {
    html += QStringLiteral("<tr><td><table cellspacing=\"0\" cellpadding=\"1\">%1</table></td></tr>").arg(equation(row));
  }
  return html + QStringLiteral("</table>");
}

QString lossHtml(const QString& method) {
  const auto it = table().find(method);
  if (it == table().end()) return {};
  QString html = equationsHtml(method);
  html += QStringLiteral("<p style=\"margin-top:4px\">%1</p>")
              .arg(legendHtml(QCoreApplication::translate("Formulas", it->second.legend)));
  return html;
}

QStringList methods() {
  QStringList out;
  for (const auto& [name, entry] : table()) out << name;
  return out;
}

}  // namespace formulas

// Numbers as text, the same under every locale: every number Pretext writes into a file or a table,
// or reads back from one, goes through here. The C library's printf and strtod follow LC_NUMERIC,
// which Qt sets from the user's locale, so under de_DE "%.6g" writes 0,1925 and metrics.csv gains a
// column; std::to_chars and std::from_chars never look at the locale.
#pragma once

#include <string>
#include <string_view>

namespace pretext {

/// `v` with at most `significant` significant digits, as printf's "%.<significant>g" writes it in the
/// C locale ("0.1925", "1e-05", "nan", "inf").
std::string formatGeneral(double v, int significant = 6);
/// `v` with exactly `decimals` digits after the point, as printf's "%.<decimals>f" in the C locale.
std::string formatFixed(double v, int decimals);
/// The shortest text that reads back as exactly `v`.
std::string formatExact(double v);
/// Parses all of `text` (C locale: a point, never a comma); false when it is empty or not a number.
bool parseNumber(std::string_view text, double& value);
/// parseNumber, or `fallback`.
double numberOr(std::string_view text, double fallback);

}  // namespace pretext

// The few pieces of JavaScript semantics pm2 applies to its targets:
// `isNaN(string)` (which decides between the name and the id branch) and the
// regular expressions built from `/.../` targets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pm2guard {

/// JavaScript `isNaN(s)` for a string argument, i.e. `Number(s)` is NaN.
/// Follows StringToNumber: surrounding whitespace is trimmed, "" is 0, and
/// decimal, `0x`/`0o`/`0b` integers, exponents, signs and Infinity parse.
bool js_is_nan(std::string_view s);

/// JavaScript `parseInt(s)` is NaN (used by `pm2 sendSignal`).
bool js_parse_int_is_nan(std::string_view s);

/// pm2 treats a target as a regex when `isNaN(t)` and it starts and ends
/// with '/'; it then removes every '/' and builds `new RegExp(rest)`.
bool pm2_is_regex_target(std::string_view target);
std::string pm2_regex_source(std::string_view target);

struct RegexVerdict {
  /// false when JavaScript would throw a SyntaxError for this pattern.
  bool valid = true;
  /// The pattern matches every process name (an unanchored test on any
  /// non-empty single-line name succeeds).
  bool matches_everything = false;
  /// An invalid pattern that reads as a shell glob meaning "everything"
  /// (`*`, `**`, `?*`): what its author meant, although JavaScript rejects it.
  bool glob_everything = false;
  /// The pattern uses constructs whose JavaScript meaning this analysis does
  /// not model exactly (lookbehind, named groups, \p{..}, ...).
  bool approximate = false;
  std::string error;  ///< why it is invalid, when !valid
};

/// Analyses a JavaScript regex source (no flags: pm2 does not pass any).
RegexVerdict analyse_js_regex(std::string_view source);

}  // namespace pm2guard

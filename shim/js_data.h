// Whether a document pm2 evaluates as JavaScript (a `.json` ecosystem file,
// a document on stdin: `vm.runInThisContext('(' + text + ')')`) is plain
// data: object and array literals, strings, numbers, true, false, null,
// with comments, trailing commas and unquoted keys. Anything else — a call,
// an identifier such as `process` or `require`, an operator, a function, a
// template with a substitution, a getter, `__proto__` — makes the document
// code: what it yields may differ each time it runs.
#pragma once

#include <string>
#include <string_view>

namespace pm2guard::shim {

struct JsDataVerdict {
  bool data = true;
  /// Why not: what was found, and where (1-based line and column).
  std::string why;
  unsigned line = 0, col = 0;
};

/// Checks `text` as the expression `(text)`. Nesting deeper than 256 levels
/// is not data either (it is answered, never overflows the stack).
JsDataVerdict check_js_data(std::string_view text);

}  // namespace pm2guard::shim

// Test helpers for the YAML stage: where a token of a decoded script sits in
// the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "mapped_text.h"
#include "source.h"

namespace pm2guard::lint::testing {

/// 1-based file line and column of the first byte of the `nth` (0-based)
/// occurrence of `token` in `text`; {0, 0} when it does not occur.
inline std::pair<uint32_t, uint32_t> where(const SourceFile& file, const MappedText& text, std::string_view token,
                                           size_t nth = 0) {
  size_t at = text.text().find(token);
  for (size_t k = 0; k < nth && at != std::string::npos; ++k) at = text.text().find(token, at + 1);
  if (at == std::string::npos) return {0, 0};
  return file.line_col(text.origin(at));
}

using LineCol = std::pair<uint32_t, uint32_t>;

}  // namespace pm2guard::lint::testing

// Re-decoding YAML scalars from the raw file bytes, so that every byte of a
// decoded value (a `run:` script) maps back to the file offset it came from.
//
// yaml-cpp 0.7 gives a scalar's decoded value and the Mark of its first byte,
// but neither its style nor where each decoded byte was written. The decoder
// here scans the source the way yaml-cpp does; its result is only trusted when
// it equals yaml-cpp's value (map_scalar), so a decoding difference costs
// precision, never correctness.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "mapped_text.h"

namespace YAML {
class Node;
struct Mark;
}  // namespace YAML

namespace pm2guard::lint {

enum class ScalarStyle {
  Plain,
  SingleQuoted,  ///< '...'
  DoubleQuoted,  ///< "..."
  Literal,       ///< | |- |+ |2 ...
  Folded,        ///< > >- >+ >2 ...
};

/// Offset of the scalar proper at `pos`: node properties (`!!str`, `!tag`,
/// `&anchor`) and the blanks, comments and line breaks after them skipped.
/// yaml-cpp reports a node with properties at its first property.
size_t skip_properties(std::string_view src, size_t pos);

/// Style of the scalar yaml-cpp reports at `pos` (properties skipped).
ScalarStyle scalar_style(std::string_view src, size_t pos);

/// Decodes the scalar whose node starts at `pos` of `src` (the text given to
/// yaml-cpp), mapping each decoded byte to its file offset: verbatim bytes to
/// themselves, escapes (`\n`, `''`, `\u00e9`) to their first byte, folded line
/// breaks to the raw line break. `parent_indent` is the indentation of the
/// collection holding the scalar (the key's column for a mapping value, -1 at
/// the top level); it matters for block scalars and multi-line plain scalars
/// and is only used when the scalar's own line does not show it (a value
/// alone on a line after its key); when it is -1 there, the nearest line
/// above that is indented less is taken for the key. `flow` selects the end
/// rules of a plain
/// scalar inside `[...]` / `{...}`. Returns nullopt when the bytes at `pos`
/// are not a scalar this decoder understands.
std::optional<MappedText> decode_scalar(std::string_view src, size_t pos, int parent_indent = -1,
                                        bool flow = false);

/// The mapped text of a scalar whose decoded value yaml-cpp gave as `value`
/// at `mark`: the exact decoding when it reproduces `value`, otherwise
/// `value` with every byte anchored at `fallback_offset` (inexact, but never
/// on a wrong line).
MappedText map_scalar(std::string_view src, const YAML::Mark& mark, std::string_view value,
                      uint32_t fallback_offset, int parent_indent = -1);

/// The same for a yaml-cpp scalar node (`node.Mark()`, `node.Scalar()`). For
/// an alias, yaml-cpp's Mark is the anchor's definition, which is decoded.
MappedText map_scalar(std::string_view src, const YAML::Node& node, uint32_t fallback_offset,
                      int parent_indent = -1);

}  // namespace pm2guard::lint

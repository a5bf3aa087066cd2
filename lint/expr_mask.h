// CI template expressions (`${{ ... }}`) are substituted by the runner before
// any shell sees the script. They are not shell syntax, so they are masked
// with a same-length shell expansion (`${{ x }}` -> `${______}`): no byte
// moves, every position stays exact, and the parse sees a variable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mapped_text.h"

namespace pm2guard::lint {

struct Expression {
  uint32_t file_begin = 0;  ///< file offsets of `${{` ... `}}`
  uint32_t file_end = 0;
  std::string text;         ///< the original expression, `${{ inputs.app }}`
};

/// Masks every expression in `text` in place and returns them in order. An
/// expression ends at the first `}}` outside a single-quoted expression
/// string ('' escapes a quote). Line breaks inside it are masked too.
std::vector<Expression> mask_expressions(MappedText& text);

/// String literals an expression may evaluate to: the operands of `||` and
/// `&&` (`${{ inputs.app || 'all' }}`, `${{ cond && 'all' || 'web' }}`) and
/// an expression that is a single literal. Comparison operands and function
/// arguments are not results. `expr` is the whole `${{ ... }}` text.
std::vector<std::string> expression_results(std::string_view expr);

/// The bare context reference an expression consists of (`${{ inputs.app }}`
/// -> "inputs.app", lower-case, spaces removed; `${{ github.event.inputs['app'] }}`
/// -> "github.event.inputs.app"), or "" when it is anything else.
std::string expression_reference(std::string_view expr);

/// The references that are operands of `||`/`&&` chains or the whole
/// expression (`${{ inputs.app || env.DEFAULT_APP }}` -> both), in the form
/// expression_reference() gives.
std::vector<std::string> expression_result_references(std::string_view expr);

/// True for the name of a masked expression's expansion (`___...`).
bool is_mask_name(std::string_view name);

}  // namespace pm2guard::lint

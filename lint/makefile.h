// A Makefile as a source of shell scripts: the recipe of every rule, read
// with tree-sitter-make and decoded as make hands each line to the shell,
// with a map back into the file; and the targets and prerequisites that
// link `make TARGET` to the recipes it runs.
//
// Each recipe line is decoded as GNU make does before running it: the
// `@`, `-` and `+` prefixes dropped; a backslash-newline kept (the shell
// reads it as a continuation) and the tab that starts the continued line
// dropped; `$$` read as `$`; `$(VAR)` and `${VAR}` replaced by the value of
// VAR when the file gives it one simple value (`=`, `:=`, `::=`, `?=`, `+=`
// outside conditionals, expanded as make expands it, `$(MAKE)` as `make`),
// `$@`, `$<`, `$^`, `$+` and `$|` by the rule's own names when they are
// known. Anything else (a variable the file does not set, or sets in a
// conditional, per target or with `define`/`!=`; a function such as
// `$(shell ...)`; `$(VAR:a=b)`) becomes a braced shell expansion the shell
// analysis treats as a run-time value: `${VAR}`, `${_make_shell}`.
//
// The lines of one recipe make one script (one line each): make runs each
// line in a shell of its own, which matters only for state a line leaves to
// the next (`cd`, a variable).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

struct MakeRule {
  /// The rule's targets, as make names them; those only known at run time
  /// are left out.
  std::vector<std::string> targets;
  std::vector<std::string> prerequisites;  ///< normal prerequisites, as known
  std::vector<std::string> order_only;     ///< after `|`
  bool double_colon = false;               ///< `target::`: each such rule's recipe runs
  uint32_t offset = 0;                     ///< file offset of the rule's first byte
  size_t recipe = static_cast<size_t>(-1); ///< index into Makefile::recipes; npos without one
};

struct Makefile {
  /// One per rule with a recipe: shell "sh" (or "bash" when the file sets
  /// SHELL to bash), labelled "target NAME..." and anchored at the rule.
  std::vector<ScriptUnit> recipes;
  std::vector<MakeRule> rules;  ///< in file order
  /// The target `make` alone builds: the first rule's first target that does
  /// not start with `.` (and is no pattern); "" when there is none.
  std::string default_goal;

  /// Parts of the file the grammar could not read, outermost first, in file
  /// order. tree-sitter-make does not know all of GNU make (`\$$(`, some
  /// conditionals and continuations), so these are not necessarily errors
  /// of the file; the rules and recipe lines in them are not read.
  struct Unread {
    uint32_t begin = 0;
    uint32_t end = 0;
    std::string message;
  };
  std::vector<Unread> unread;

  /// The recipes `make TARGET` runs for TARGET itself (not for its
  /// prerequisites): the last single-colon rule's with a recipe, or those of
  /// all its double-colon rules, in file order.
  std::vector<size_t> recipes_for(std::string_view target) const;
  /// TARGET's prerequisites over all its rules, normal then order-only, in
  /// file order, each once.
  std::vector<std::string> prerequisites_of(std::string_view target) const;

  static constexpr size_t npos = static_cast<size_t>(-1);
};

/// Reads a Makefile. `command_line` holds variables given as `make
/// VAR=value`, which win over the file's assignments (but not `override`).
Makefile read_makefile(const SourceFile& file, const std::map<std::string, std::string>& command_line = {});

}  // namespace pm2guard::lint

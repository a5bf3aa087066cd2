// The value both front ends reduce their input to: one pm2 invocation, as a
// list of words, each literal or dynamic, each with the place it came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pm2guard {

/// A span in the user's input. The linter fills in 1-based file lines and
/// columns (columns count bytes; reporters convert to characters). The shim
/// uses line 0 and the argv index as column. All zero means "unknown".
struct SourceRange {
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t end_line = 0;
  uint32_t end_col = 0;

  bool known() const { return line != 0; }
  friend bool operator==(const SourceRange& a, const SourceRange& b) {
    return a.line == b.line && a.col == b.col && a.end_line == b.end_line && a.end_col == b.end_col;
  }
};

/// Whether a word's value was produced from a pm2 process listing
/// (`pm2 jlist`, `pm2 ls`, ...), and whether a filtering stage sat in between.
enum class Listing : uint8_t {
  None,        ///< not derived from a process listing
  Unfiltered,  ///< every listed process, passed through unchanged or reshaped
  Filtered,    ///< a listing narrowed by a filtering stage (grep, jq select, ...)
  Unknown,     ///< a listing passed through a stage whose effect on it is not known
};

/// Where a dynamic word's value comes from; literal words are `Literal`.
enum class Origin : uint8_t {
  Literal,
  Variable,       ///< $X, ${X}, "$@" ...
  Expression,     ///< a CI template expression such as ${{ inputs.app }}
  CommandOutput,  ///< $(...), `...`
  Stdin,          ///< targets appended by xargs from its standard input
  Other,          ///< arithmetic, globs of unknown files, ...
};

struct Word {
  /// Literal words: exactly the argument pm2 receives. Dynamic words: the
  /// source spelling, for messages.
  std::string text;
  bool literal = true;
  /// Dynamic words: the statically known leading and trailing parts of the
  /// value ("" when the value starts or ends with an unknown part).
  std::string prefix;
  std::string suffix;
  Origin origin = Origin::Literal;
  Listing listing = Listing::None;
  SourceRange range;
  /// Literal words whose value an expansion produced: the word as written
  /// (`$TARGET`), for messages; "" otherwise.
  std::string source;
  /// Dynamic words: values the word is known to take on some path through
  /// the script (the default of `${APP:-all}`, `T=all` in one branch of an
  /// `if`, `'all'` in `${{ inputs.app || 'all' }}`). Not exhaustive: other
  /// values may be possible too.
  std::vector<std::string> may_be;
  /// `may_be` lists every value the word can take (each path assigns one).
  bool may_be_complete = false;

  static Word lit(std::string value, SourceRange r = {}) {
    Word w;
    w.text = std::move(value);
    w.range = r;
    return w;
  }
  static Word dynamic(std::string spelling, Origin o, SourceRange r = {}, std::string known_prefix = {},
                      std::string known_suffix = {}) {
    Word w;
    w.text = std::move(spelling);
    w.literal = false;
    w.origin = o;
    w.prefix = std::move(known_prefix);
    w.suffix = std::move(known_suffix);
    w.range = r;
    return w;
  }
};

struct Invocation {
  /// The word that named pm2 (`pm2`, `/usr/local/bin/pm2`, `npx pm2` ...).
  Word program;
  /// Everything after the program word, in order.
  std::vector<Word> args;
  /// The wrappers and nested shells the call was found through, outermost
  /// first (e.g. {"ssh", "sudo"}); empty for a direct call or for argv.
  std::vector<std::string> via;

  /// Compact form for tests and debugging: `[pm2][delete][<$APP>]`.
  std::string serialize() const;
  /// The command line as a user would write it, for messages.
  std::string display() const;
};

/// Builds an all-literal invocation from argv (argv[0] is the program).
Invocation invocation_from_argv(const std::vector<std::string>& argv);

}  // namespace pm2guard

// Renders lint results: the default compiler-style text with a source
// excerpt and caret, JSON, GitHub/Gitea workflow commands and SARIF 2.1.0.
//
// Every format reports the same positions: 1-based lines and 1-based
// character columns (Unicode code points; a tab is one column), with an
// exclusive end. A position that is not known is left out (text, github),
// null (JSON) or has no region (SARIF); it is never printed as 0.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lint.h"

namespace pm2guard::lint {

struct Summary {
  size_t files = 0;
  size_t errors = 0;    ///< findings of severity error
  size_t warnings = 0;
  size_t notes = 0;
  size_t file_errors = 0;
};

Summary summarise(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);

struct TextStyle {
  bool color = false;
  bool excerpts = true;
};

/// `path:line:col: severity: message [rule-id]`, the source line and a caret.
/// The excerpt is the part of the line around the finding (ExcerptWindow),
/// with `…` where the line was cut.
void write_text(std::ostream& out, const std::vector<FileReport>& reports,
                const std::vector<FileError>& discovery_errors, const TextStyle& style);

/// {"files": N, "findings": [...], "errors": [...]}
void write_json(std::ostream& out, const std::vector<FileReport>& reports,
                const std::vector<FileError>& discovery_errors);

/// GitHub/Gitea workflow commands (`::error file=...,line=...::message`).
void write_github(std::ostream& out, const std::vector<FileReport>& reports,
                  const std::vector<FileError>& discovery_errors);

/// SARIF 2.1.0, for code-scanning uploads.
void write_sarif(std::ostream& out, const std::vector<FileReport>& reports,
                 const std::vector<FileError>& discovery_errors);

// The write_* functions write each finding as it is rendered, so the memory a
// run needs does not grow with its output; the render_* functions return the
// same bytes as one string (tests, the fuzz target).
std::string render_text(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors,
                        const TextStyle& style);
std::string render_json(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);
std::string render_github(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);
std::string render_sarif(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);

/// How much of a line a text excerpt shows: at most `context` characters
/// before the range and after it, and at most `range` characters of the
/// range itself (the rest of a longer range, and of the line after it, is
/// cut). Characters that are not UTF-8 are escaped byte by byte and may be
/// cut between two escapes: each side is also at most `context_bytes` bytes
/// of the line, the range `range_bytes`.
struct ExcerptWindow {
  uint32_t context = 160;
  uint32_t range = 160;
  size_t context_bytes = 1024;
  size_t range_bytes = 1024;
};

/// The excerpt of one line as the text format shows it, and the caret line
/// under characters [c1, c2) (1-based columns, end exclusive; c2 past the
/// line's text underlines to its end): the line clipped to `window`, with
/// `…` where it was cut (a `~` under the one that cuts the range), every
/// character as output_text shows it for the terminal, one caret cell per
/// terminal cell (display_width; tabs copied). c1 past the line's text puts
/// the caret just after it.
std::pair<std::string, std::string> excerpt(std::string_view line, uint32_t c1, uint32_t c2,
                                            const ExcerptWindow& window = {});

/// A finding's place as the reports give it: 1-based line, 1-based character
/// columns, end exclusive. `line` 0: unknown; `col` 0: only the line is known
/// (and the end is unknown too).
struct CharRange {
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t end_line = 0;
  uint32_t end_col = 0;

  friend bool operator==(const CharRange& a, const CharRange& b) {
    return a.line == b.line && a.col == b.col && a.end_line == b.end_line && a.end_col == b.end_col;
  }
};

/// Converts a byte range of `file` (LintFinding::range) to characters, clipped
/// to the text of its lines: a range that runs past the end of a line (into
/// the line break, a CRLF's '\r', or past the end of the file) ends there. A
/// missing or reversed end becomes one character; a range is never empty.
/// Without a file, the columns are taken as they are.
CharRange char_range(const SourceFile* file, const SourceRange& bytes);

/// Where a text is written.
enum class TextSink {
  Terminal,  ///< the text format, and messages on stderr
  Json,      ///< JSON and SARIF
  Github,    ///< workflow commands (annotations)
};

/// Every text that reaches an output (file names, messages, the words of a
/// script they quote) is made fit for it here, and nowhere else. Bytes that
/// are not UTF-8 are shown escaped (`\xFF`) in every format, so JSON and SARIF
/// always hold valid UTF-8. Terminal and annotations also never receive a
/// raw control character (C0, DEL, C1: ESC could rewrite the terminal, a
/// line break forge an annotation) or a bidirectional embedding, override or
/// isolate (U+202A-U+202E, U+2066-U+2069): C0 and DEL as their visible
/// symbols (U+2400-U+2421), the others as U+FFFD. The terminal keeps tabs;
/// annotations keep CR and LF, which the workflow-command escaping encodes.
std::string output_text(std::string_view s, TextSink sink);

/// Terminal cells a code point takes: 2 for East Asian wide and fullwidth
/// characters and the common emoji, 0 for combining marks and zero-width
/// characters, 1 otherwise. The caret line under an excerpt follows it.
int display_width(char32_t c);

}  // namespace pm2guard::lint

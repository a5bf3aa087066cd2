#include "report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <string_view>

#ifndef PM2GUARD_VERSION
#define PM2GUARD_VERSION "0.0.0"
#endif
#ifndef PM2GUARD_HOMEPAGE_URL
#define PM2GUARD_HOMEPAGE_URL ""
#endif

namespace pm2guard::lint {

namespace {

using json = nlohmann::ordered_json;

const char* kRed = "\x1b[1;31m";
const char* kYellow = "\x1b[1;33m";
const char* kCyan = "\x1b[1;36m";
const char* kBold = "\x1b[1m";
const char* kReset = "\x1b[0m";

std::string_view severity_color(Severity s) {
  switch (s) {
    case Severity::Error: return kRed;
    case Severity::Warning: return kYellow;
    case Severity::Note: return kCyan;
  }
  return kRed;
}

// A character starts at every byte that is not a UTF-8 continuation byte
// (and at the first byte of a line, whatever it is).
bool starts_char(std::string_view s, size_t i) { return i == 0 || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80; }

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Characters that start in the first `bytes` bytes of `s`.
uint32_t chars_in(std::string_view s, size_t bytes) {
  bytes = std::min(bytes, s.size());
  uint32_t n = 0;
  for (size_t i = 0; i < bytes; ++i) n += starts_char(s, i);
  return n;
}

// Byte offset in `s` of the character at 1-based column `col`, or the size
// of `s` when the column is past its text.
size_t byte_of_col(std::string_view s, uint32_t col) {
  uint32_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (starts_char(s, i) && ++n == col) return i;
  }
  return s.size();
}

// The character columns of a file's lines, without a scan from the start of
// a line per question: the characters that start before every kBlock-th
// byte of the text, counted once. chars_in and byte_of each scan at most one
// block, so a finding on a 5 MB line costs what one on a short line costs.
class Columns {
 public:
  explicit Columns(const SourceFile& file) : file_(file) {
    const std::string& t = file.text;
    marks_.reserve(t.size() / kBlock + 2);
    uint32_t n = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      if (i % kBlock == 0) marks_.push_back(n);
      n += !continuation(t[i]);
    }
    if (t.size() % kBlock == 0) marks_.push_back(n);
    total_ = n;
  }

  // chars_in(line_text(line), bytes).
  uint32_t chars_in(uint32_t line, size_t bytes) const {
    std::string_view text = file_.line_text(line);
    bytes = std::min(bytes, text.size());
    if (bytes == 0) return 0;
    size_t start = file_.line_starts[line - 1];
    // The first byte of a line starts a character whatever it is.
    return starts_before(start + bytes) - starts_before(start) + (continuation(text[0]) ? 1 : 0);
  }

  // byte_of_col(line_text(line), col).
  size_t byte_of(uint32_t line, uint32_t col) const {
    std::string_view text = file_.line_text(line);
    if (col <= 1 || text.empty()) return col <= 1 ? 0 : text.size();
    size_t start = file_.line_starts[line - 1];
    // The index, in the whole text, of the non-continuation byte that starts
    // column `col`.
    uint64_t want = uint64_t{starts_before(start)} + col - 1 - (continuation(text[0]) ? 1 : 0);
    if (want >= total_) return text.size();
    size_t block = static_cast<size_t>(std::upper_bound(marks_.begin(), marks_.end(), want) - marks_.begin()) - 1;
    const std::string& t = file_.text;
    uint64_t n = marks_[block];
    for (size_t i = block * kBlock; i < t.size(); ++i) {
      if (continuation(t[i])) continue;
      if (n == want) return std::min(i - start, text.size());
      ++n;
    }
    return text.size();
  }

 private:
  static constexpr size_t kBlock = 256;

  // Non-continuation bytes in the first `offset` bytes of the text.
  uint32_t starts_before(size_t offset) const {
    size_t block = offset / kBlock;
    uint32_t n = marks_[block];
    const std::string& t = file_.text;
    for (size_t i = block * kBlock; i < offset; ++i) n += !continuation(t[i]);
    return n;
  }

  const SourceFile& file_;
  std::vector<uint32_t> marks_;  // marks_[k]: non-continuation bytes before byte k * kBlock
  uint32_t total_ = 0;
};

// Converts a byte range to characters (char_range), asking `chars(line,
// bytes)` for the characters that start in the first `bytes` bytes of a line.
template <class CharsIn>
CharRange char_range_with(const SourceFile& file, const SourceRange& r, const CharsIn& chars) {
  CharRange c;
  c.line = r.line;
  bool end_given = r.end_line > r.line || (r.end_line == r.line && r.end_col > r.col);
  // The column of the character holding 1-based byte column `byte_col`; the
  // one after the last character when the byte is past the line's text.
  auto start_col = [&](uint32_t line, uint32_t byte_col) {
    size_t off = byte_col - 1;
    if (off >= file.line_text(line).size()) return chars(line, SIZE_MAX) + 1;
    return chars(line, off + 1);
  };
  // Exclusive end: the column after the character holding the byte before
  // 1-based byte column `byte_col`, clipped to the line's text.
  auto end_col = [&](uint32_t line, uint32_t byte_col) { return chars(line, byte_col - 1) + 1; };
  uint32_t last = std::max(file.line_count(), 1u);
  if (c.line > last) {
    // Past the end of the file: its end.
    c.line = last;
    c.col = chars(last, SIZE_MAX) + 1;
    end_given = false;
  } else {
    c.col = start_col(c.line, r.col);
  }
  c.end_line = c.line;
  c.end_col = c.col + 1;
  if (!end_given) return c;
  if (r.end_line > last) {
    c.end_line = last;
    c.end_col = chars(last, SIZE_MAX) + 1;
  } else {
    c.end_line = r.end_line;
    c.end_col = r.end_col == 0 ? 1 : end_col(r.end_line, r.end_col);
  }
  if (c.end_line == c.line && c.end_col <= c.col) c.end_col = c.col + 1;
  return c;
}

// char_range, with unknown positions handled here and the columns from `chars`.
template <class CharsIn>
CharRange char_range_of(const SourceFile* file, const SourceRange& r, const CharsIn& chars) {
  CharRange c;
  if (r.line == 0) return c;
  c.line = r.line;
  if (r.col == 0) return c;
  if (!file) {
    bool end_given = r.end_line > r.line || (r.end_line == r.line && r.end_col > r.col);
    c.col = r.col;
    c.end_line = end_given ? r.end_line : r.line;
    c.end_col = end_given ? std::max(r.end_col, 1u) : r.col + 1;
    return c;
  }
  return char_range_with(*file, r, chars);
}

// The code point of the character at byte `i` of a line and its length in
// bytes: the bytes up to the next character start (starts_char, so that the
// columns agree with chars_in). `valid`: they are one well-formed UTF-8
// sequence (utf8_sequence, the reader's definition).
struct Char {
  char32_t cp;
  size_t len;
  bool valid;
};
Char char_at(std::string_view s, size_t i) {
  size_t len = 1;
  while (i + len < s.size() && !starts_char(s, i + len)) ++len;
  unsigned b0 = static_cast<unsigned char>(s[i]);
  if (utf8_sequence(s, i) != len) return {0xFFFD, len, false};
  if (len == 1) return {b0, 1, true};
  char32_t cp = b0 & (0x7Fu >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  return {cp, len, true};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Bytes that are not UTF-8, as `\xFF`: visible, ASCII, and the same in every
// format.
void append_escaped_bytes(std::string& out, std::string_view bytes) {
  static const char* kHex = "0123456789ABCDEF";
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
}

// The one classifier of characters a reader must not be handed raw: what a
// terminal or an annotation is shown for a character. Control characters
// (which could move the cursor, end the line early or change the terminal's
// state) as their visible symbols (U+2400...), C1 controls and the
// bidirectional embeddings, overrides and isolates (which reorder what
// follows them) as U+FFFD. `keep` are the controls that the format itself
// deals with (a tab in an excerpt, a line break the annotation escapes).
char32_t shown_char(char32_t c, std::string_view keep = "\t") {
  if (c < 0x20 && keep.find(static_cast<char>(c)) != std::string_view::npos) return c;
  if (c < 0x20) return 0x2400 + c;
  if (c == 0x7F) return 0x2421;
  if (c >= 0x80 && c < 0xA0) return 0xFFFD;
  if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) return 0xFFFD;
  return c;
}

// Appends character `c`, found at `s.substr(i)`, as shown_char shows it
// (bytes that are not UTF-8 escaped), and returns what was shown: U+FFFD for
// escaped bytes.
char32_t append_shown(std::string& out, std::string_view s, size_t i, Char c, std::string_view keep = "\t") {
  if (!c.valid) {
    append_escaped_bytes(out, s.substr(i, c.len));
    return 0xFFFD;
  }
  char32_t v = shown_char(c.cp, keep);
  if (v == c.cp) out.append(s.substr(i, c.len));
  else append_utf8(out, v);
  return v;
}

// `s` with every character as shown_char shows it.
std::string shown(std::string_view s, std::string_view keep = "\t") {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      append_escaped_bytes(out, s.substr(i, 1));
      ++i;
      continue;
    }
    append_shown(out, s, i, char_at(s.substr(0, i + n), i), keep);
    i += n;
  }
  return out;
}

// `s` as valid UTF-8: well-formed sequences as they are (JSON escapes the
// control characters itself), the other bytes escaped.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      append_escaped_bytes(out, s.substr(i, 1));
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// A character of a line as excerpts show it: the bytes from `i` up to the
// next character start (starts_char, as chars_in counts columns), or up to
// `limit` when the excerpt ends first; `valid` only when they are the whole
// character and one well-formed UTF-8 sequence. Bytes that are not are
// escaped one by one, so a cut between two of them is a cut between two
// escapes.
Char char_in_line(std::string_view line, size_t i, size_t limit) {
  size_t end = i + 1;
  while (end < limit && !starts_char(line, end)) ++end;
  bool whole = end == line.size() || starts_char(line, end);
  // A character that does not start at a character start is the tail of
  // bytes that are not UTF-8 (cut_at cuts nowhere else).
  if (!whole || !starts_char(line, i) || utf8_sequence(line, i) != end - i) return {0xFFFD, end - i, false};
  return char_at(line.substr(0, end), i);
}

// Where an excerpt may be cut at byte `p` of a line: `p` itself at a
// character start or between two escaped bytes (bytes that are not UTF-8),
// else (inside a well-formed character) the start of that character, or its
// end when `forward`.
size_t cut_at(std::string_view line, size_t p, bool forward) {
  if (p >= line.size() || starts_char(line, p)) return p;
  for (size_t g = p; g > 0 && p - g < 4;) {
    --g;
    if (!starts_char(line, g)) continue;
    size_t n = utf8_sequence(line, g);
    if (n > p - g && (g + n == line.size() || starts_char(line, g + n))) return forward ? g + n : g;
    break;
  }
  return p;
}

// The start of the character before byte `i` (a character start), at least
// `floor`: the cut there when the character begins before it.
size_t previous_char(std::string_view line, size_t i, size_t floor) {
  size_t p = i - 1;
  while (p > floor && !starts_char(line, p)) --p;
  return starts_char(line, p) ? p : cut_at(line, p, true);
}

// The start of the character after the one at byte `i`, at most `ceiling`:
// the cut there when the character goes on past it.
size_t next_char(std::string_view line, size_t i, size_t ceiling) {
  size_t p = i + 1;
  while (p < ceiling && p < line.size() && !starts_char(line, p)) ++p;
  return p >= line.size() || starts_char(line, p) ? p : cut_at(line, p, false);
}

// The excerpt of bytes [from, to) of a line and the caret under its bytes
// [b1, b2) (character starts, or cuts): one caret cell per terminal cell (two
// under a wide character, none under a combining mark), tabs copied so the
// caret lines up whatever the tab width. `…` marks a cut at either end, with
// a `~` under it when the range goes on past `to`. The caret is at the end
// when the range is empty (its start past the line's text).
std::pair<std::string, std::string> excerpt_bytes(std::string_view line, size_t from, size_t b1, size_t b2, size_t to,
                                                  bool range_cut) {
  static constexpr std::string_view kCut = "\xE2\x80\xA6";  // U+2026, one cell
  std::string text, caret;
  if (from > 0) {
    text += kCut;
    caret += ' ';
  }
  bool placed = false;
  for (size_t i = from; i < to;) {
    Char c = char_in_line(line, i, to);
    char32_t v = append_shown(text, line, i, c);
    size_t at = i;
    i += c.len;
    if (at >= b2) continue;
    int w = !c.valid ? static_cast<int>(4 * c.len) : v == '\t' ? 1 : display_width(v);
    if (at < b1) {
      if (v == '\t') caret += '\t';
      else caret.append(static_cast<size_t>(w), ' ');
    } else if (placed && v == '\t') {
      caret += '\t';
    } else if (w > 0) {
      caret += placed ? '~' : '^';
      caret.append(static_cast<size_t>(w - 1), '~');
      placed = true;
    }
  }
  if (to < line.size()) {
    text += kCut;
    if (range_cut) {
      caret += placed ? '~' : '^';
      placed = true;
    }
  }
  if (!placed) caret += '^';
  return {text, caret};
}

// The excerpt of a line around a range whose first character starts at byte
// `b1` (the size of the line when the range starts past its text) and that
// is `cols` characters long (to the end of the line when it holds fewer),
// clipped to `window`.
std::pair<std::string, std::string> excerpt_at(std::string_view line, size_t b1, uint64_t cols,
                                               const ExcerptWindow& window) {
  size_t n = line.size();
  b1 = std::min(b1, n);
  // Before the range: `context` characters, `context_bytes` bytes.
  size_t from = b1;
  size_t floor = b1 - std::min(b1, window.context_bytes);
  for (uint32_t k = 0; k < window.context && from > floor; ++k) {
    size_t p = previous_char(line, from, floor);
    if (p == from) break;
    from = p;
  }
  // The range: `range` characters, `range_bytes` bytes (a whole character
  // at least).
  size_t b2 = b1;
  size_t ceiling = b1 + std::min(n - b1, std::max<size_t>(window.range_bytes, 4));
  uint64_t taken = 0;
  for (; taken < cols && taken < window.range && b2 < ceiling; ++taken) {
    size_t p = next_char(line, b2, ceiling);
    if (p == b2) break;
    b2 = p;
  }
  bool range_cut = b2 < n && (taken < cols || !starts_char(line, b2));
  // After it, unless the range was cut: `context` characters again.
  size_t to = b2;
  if (!range_cut) {
    ceiling = b2 + std::min(n - b2, window.context_bytes);
    for (uint32_t k = 0; k < window.context && to < ceiling; ++k) {
      size_t p = next_char(line, to, ceiling);
      if (p == to) break;
      to = p;
    }
  }
  return excerpt_bytes(line, from, b1, b2, to, range_cut);
}

// Workflow-command escaping, as the runners unescape it: a message escapes
// '%', CR and LF; a property value also ':' and ','.
std::string github_data(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '%') o += "%25";
    else if (c == '\r') o += "%0D";
    else if (c == '\n') o += "%0A";
    else o += c;
  }
  return o;
}

std::string github_property(std::string_view s) {
  std::string o;
  for (char c : github_data(s)) {
    if (c == ':') o += "%3A";
    else if (c == ',') o += "%2C";
    else o += c;
  }
  return o;
}

// A path without its leading "./" segments ("./.github/x.yml" is
// ".github/x.yml"), the form code scanning and annotations match against the
// repository's files.
std::string relative_path(std::string_view path) {
  while (path.size() > 2 && path[0] == '.' && path[1] == '/') {
    path.remove_prefix(2);
    while (path.size() > 1 && path[0] == '/') path.remove_prefix(1);
  }
  return std::string(path);
}

// A path as a URI reference: every byte other than an RFC 3986 unreserved
// character or '/' percent-encoded (spaces, '%', '#', '?', ':', non-ASCII).
std::string uri_path(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string o;
  for (char ch : path) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      o += ch;
    } else {
      o += '%';
      o += kHex[c >> 4];
      o += kHex[c & 0xF];
    }
  }
  return o;
}

// Where a file is: a relative path relative to the analysed root (%SRCROOT%),
// an absolute path as a file: URI.
json sarif_artifact(const std::string& path) {
  if (!path.empty() && path[0] == '/') return {{"uri", "file://" + uri_path(path)}};
  return {{"uri", uri_path(relative_path(path))}, {"uriBaseId", "%SRCROOT%"}};
}

// A region only where the line is known: SARIF lines and columns start at 1.
json sarif_physical(const std::string& path, const CharRange& c) {
  json loc = {{"artifactLocation", sarif_artifact(path)}};
  if (!c.line) return loc;
  json region = {{"startLine", c.line}};
  if (c.col) {
    region["startColumn"] = c.col;
    region["endLine"] = c.end_line;
    region["endColumn"] = c.end_col;
  }
  loc["region"] = std::move(region);
  return loc;
}

// A rule's descriptor, from the documentation `pm2guard explain` prints.
json sarif_rule(const Rule& r) {
  json j;
  j["id"] = r.id;
  j["shortDescription"] = {{"text", r.doc.summary}};
  j["fullDescription"] = {{"text", r.doc.what}};
  j["help"] = {
      {"text", fmt::format("{}\n\nWhat it finds\n  {}\n\nWhy\n  {}\n\nExample\n  {}\n\nInstead\n  {}\n", r.doc.summary,
                           r.doc.what, r.doc.why, r.doc.example, r.doc.instead)},
      {"markdown", fmt::format("{}\n\n#### What it finds\n\n{}\n\n#### Why\n\n{}\n\n#### Example\n\n```sh\n{}\n```\n\n"
                               "#### Instead\n\n```sh\n{}\n```\n",
                               r.doc.summary, r.doc.what, r.doc.why, r.doc.example, r.doc.instead)}};
  j["defaultConfiguration"] = {{"level", severity_name(r.severity)}};
  return j;
}

// A message for a workflow command.
std::string annotation(std::string_view message) { return github_data(output_text(message, TextSink::Github)); }

json position(uint32_t v) { return v ? json(v) : json(nullptr); }

std::string location(const std::string& path, uint32_t line, uint32_t col) {
  if (!line) return path;
  if (!col) return fmt::format("{}:{}", path, line);
  return fmt::format("{}:{}:{}", path, line, col);
}

json error_json(const FileError& e) {
  json j;
  j["file"] = output_text(e.path, TextSink::Json);
  j["line"] = position(e.line);
  j["column"] = position(e.line ? e.col : 0);
  j["message"] = output_text(e.message, TextSink::Json);
  return j;
}

// What the reports need of one file: its text and the columns of its lines,
// indexed once for all its findings.
class FileView {
 public:
  explicit FileView(const FileReport& r) : file_(r.source ? &*r.source : nullptr) {
    if (file_ && (!r.findings.empty() || r.error)) columns_.emplace(*file_);
  }
  const SourceFile* file() const { return file_; }

  CharRange range(const SourceRange& bytes) const {
    if (!columns_) return char_range(file_, bytes);
    return char_range_of(file_, bytes, [this](uint32_t line, size_t n) { return columns_->chars_in(line, n); });
  }

  // The source line and the caret under [c.col, c.end_col) of the first
  // line of a range (to its end when the range goes on), when the line has
  // text.
  std::string excerpt_lines(const CharRange& c, Severity severity, const TextStyle& style) const {
    if (!file_ || !style.excerpts || !c.line || !c.col || c.line > file_->line_count()) return {};
    std::string_view line = file_->line_text(c.line);
    if (line.empty()) return {};
    size_t b1 = columns_ ? columns_->byte_of(c.line, c.col) : byte_of_col(line, c.col);
    uint64_t cols = c.end_line == c.line && c.end_col > c.col ? c.end_col - c.col : c.end_line == c.line ? 1 : UINT64_MAX;
    auto [text, caret] = excerpt_at(line, b1, cols, ExcerptWindow{});
    if (style.color) return fmt::format("  {}\n  {}{}{}\n", text, severity_color(severity), caret, kReset);
    return fmt::format("  {}\n  {}\n", text, caret);
  }

 private:
  const SourceFile* file_;
  std::optional<Columns> columns_;
};

std::string error_text(const FileError& e, const FileView* view, const TextStyle& style) {
  std::string where = output_text(location(e.path, e.line, e.col), TextSink::Terminal);
  std::string message = output_text(e.message, TextSink::Terminal);
  std::string out = style.color
                        ? fmt::format("{}{}:{} {}error:{} {}\n", kBold, where, kReset, kRed, kReset, message)
                        : fmt::format("{}: error: {}\n", where, message);
  if (view) out += view->excerpt_lines(CharRange{e.line, e.line ? e.col : 0, e.line, e.col + 1}, Severity::Error, style);
  return out;
}

// `j` as the document's serialiser prints it at `indent` spaces: each line
// break followed by the indentation (a JSON text holds no raw line break
// inside a string, so every one is the layout's). Every text of a document
// went through output_text; should one ever miss it, the serialiser
// replaces what is not UTF-8 rather than throwing: a report is never lost.
void write_indented(std::ostream& out, const json& j, size_t indent) {
  std::string s = j.dump(2, ' ', false, json::error_handler_t::replace);
  std::string pad = "\n" + std::string(indent, ' ');
  size_t from = 0;
  for (size_t nl; (nl = s.find('\n', from)) != std::string::npos; from = nl + 1) {
    out.write(s.data() + from, static_cast<std::streamsize>(nl - from));
    out << pad;
  }
  out.write(s.data() + from, static_cast<std::streamsize>(s.size() - from));
}

// A JSON array written element by element, laid out as dump(2) lays out a
// whole document: `[]` when empty, else one element per line at `indent` + 2.
class ArrayWriter {
 public:
  ArrayWriter(std::ostream& out, size_t indent) : out_(out), indent_(indent) {}
  void add(const json& element) {
    out_ << (first_ ? "[\n" : ",\n") << std::string(indent_ + 2, ' ');
    write_indented(out_, element, indent_ + 2);
    first_ = false;
  }
  void close() {
    if (first_) out_ << "[]";
    else out_ << "\n" << std::string(indent_, ' ') << "]";
  }

 private:
  std::ostream& out_;
  size_t indent_;
  bool first_ = true;
};

// `"key": ` at `indent` spaces, after the previous member's separator.
void write_key(std::ostream& out, size_t indent, std::string_view key, bool first) {
  out << (first ? "{\n" : ",\n") << std::string(indent + 2, ' ') << json(std::string(key)).dump() << ": ";
}

}  // namespace

CharRange char_range(const SourceFile* file, const SourceRange& r) {
  return char_range_of(file, r, [file](uint32_t line, size_t bytes) { return chars_in(file->line_text(line), bytes); });
}

std::pair<std::string, std::string> excerpt(std::string_view line, uint32_t c1, uint32_t c2,
                                            const ExcerptWindow& window) {
  c1 = std::max(c1, 1u);
  return excerpt_at(line, byte_of_col(line, c1), c2 > c1 ? c2 - c1 : 1, window);
}
int display_width(char32_t c) {
  // Zero width: combining marks, zero-width spaces and joiners, variation
  // selectors, the byte order mark.
  static const std::pair<char32_t, char32_t> kZero[] = {
      {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
      {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
      {0x200B, 0x200F}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
      {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
  };
  // Two cells: East Asian Wide and Fullwidth characters and the common emoji
  // blocks (Unicode's EastAsianWidth W/F, in broad ranges).
  static const std::pair<char32_t, char32_t> kWide[] = {
      {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC}, {0x23F0, 0x23F0},
      {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653}, {0x267F, 0x267F},
      {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE}, {0x26C4, 0x26C5},
      {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
      {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B}, {0x2728, 0x2728},
      {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757}, {0x2795, 0x2797},
      {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
      {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
      {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19}, {0xFE30, 0xFE6F},
      {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF},
      {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
      {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF},
      {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
  };
  auto in = [c](const auto& table) {
    for (const auto& [lo, hi] : table)
      if (c >= lo && c <= hi) return true;
    return false;
  };
  if (c < 0x300) return 1;
  if (in(kZero)) return 0;
  return in(kWide) ? 2 : 1;
}

std::string output_text(std::string_view s, TextSink sink) {
  switch (sink) {
    case TextSink::Terminal: return shown(s);
    case TextSink::Json: return valid_utf8(s);
    case TextSink::Github: return shown(s, "\r\n");  // github_data escapes line breaks
  }
  return valid_utf8(s);
}

Summary summarise(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  Summary s;
  s.files = reports.size();
  s.file_errors = discovery_errors.size();
  for (const FileReport& r : reports) {
    if (r.error) ++s.file_errors;
    for (const LintFinding& f : r.findings) {
      if (f.severity == Severity::Error) ++s.errors;
      else if (f.severity == Severity::Warning) ++s.warnings;
      else ++s.notes;
    }
  }
  return s;
}

void write_text(std::ostream& out, const std::vector<FileReport>& reports,
                const std::vector<FileError>& discovery_errors, const TextStyle& style) {
  for (const FileError& e : discovery_errors) out << error_text(e, nullptr, style);
  for (const FileReport& r : reports) {
    FileView view(r);
    if (r.error) out << error_text(*r.error, view.file() ? &view : nullptr, style);
    for (const LintFinding& f : r.findings) {
      CharRange c = view.range(f.range);
      std::string where = output_text(location(r.path, c.line, c.col), TextSink::Terminal);
      std::string message = output_text(f.message, TextSink::Terminal);
      if (style.color)
        out << fmt::format("{}{}:{} {}{}:{} {} {}[{}]{}\n", kBold, where, kReset, severity_color(f.severity),
                           severity_name(f.severity), kReset, message, kCyan, f.rule, kReset);
      else
        out << fmt::format("{}: {}: {} [{}]\n", where, severity_name(f.severity), message, f.rule);
      out << view.excerpt_lines(c, f.severity, style);
    }
  }
}

void write_json(std::ostream& out, const std::vector<FileReport>& reports,
                const std::vector<FileError>& discovery_errors) {
  // {"files": N, "findings": [...], "errors": [...]}, as dump(2) prints it.
  write_key(out, 0, "files", true);
  out << std::to_string(reports.size());  // whatever the stream's locale
  write_key(out, 0, "findings", false);
  ArrayWriter findings(out, 2);
  for (const FileReport& r : reports) {
    FileView view(r);
    for (const LintFinding& f : r.findings) {
      CharRange c = view.range(f.range);
      json j;
      j["file"] = output_text(r.path, TextSink::Json);
      j["line"] = position(c.line);
      j["column"] = position(c.col);
      j["end_line"] = position(c.col ? c.end_line : 0);
      j["end_column"] = position(c.col ? c.end_col : 0);
      j["rule"] = f.rule;
      j["severity"] = severity_name(f.severity);
      j["message"] = output_text(f.message, TextSink::Json);
      json via = json::array();
      for (const std::string& v : f.via) via.push_back(output_text(v, TextSink::Json));
      j["via"] = std::move(via);
      findings.add(j);
    }
  }
  findings.close();
  write_key(out, 0, "errors", false);
  ArrayWriter errors(out, 2);
  for (const FileError& e : discovery_errors) errors.add(error_json(e));
  for (const FileReport& r : reports)
    if (r.error) errors.add(error_json(*r.error));
  errors.close();
  out << "\n}\n";
}

void write_github(std::ostream& out, const std::vector<FileReport>& reports,
                  const std::vector<FileError>& discovery_errors) {
  // file=, and line= and col= when known.
  auto where = [&](const std::string& path, uint32_t line, uint32_t col) {
    std::string o = "file=" + github_property(output_text(relative_path(path), TextSink::Github));
    if (line) o += fmt::format(",line={}", line);
    if (line && col) o += fmt::format(",col={}", col);
    return o;
  };
  for (const FileError& e : discovery_errors)
    out << fmt::format("::error {}::{}\n", where(e.path, e.line, e.col), annotation(e.message));
  for (const FileReport& r : reports) {
    if (r.error)
      out << fmt::format("::error {}::{}\n", where(r.path, r.error->line, r.error->col), annotation(r.error->message));
    FileView view(r);
    for (const LintFinding& f : r.findings) {
      CharRange c = view.range(f.range);
      const char* level = f.severity == Severity::Error ? "error" : f.severity == Severity::Warning ? "warning" : "notice";
      out << fmt::format("::{} {},title={}::{}\n", level, where(r.path, c.line, c.col),
                         github_property(output_text("pm2guard " + f.rule, TextSink::Github)), annotation(f.message));
    }
  }
}

void write_sarif(std::ostream& out, const std::vector<FileReport>& reports,
                 const std::vector<FileError>& discovery_errors) {
  const std::vector<const Rule*>& all = all_rules();
  json rules = json::array();
  for (const Rule* r : all) rules.push_back(sarif_rule(*r));
  json notifications = json::array();
  // A file that could not be read or parsed: a notification, not a result.
  auto notify = [&](const FileError& e) {
    CharRange c{e.line, e.line ? e.col : 0, e.line, e.col + 1};
    notifications.push_back({{"level", "error"},
                             {"message", {{"text", output_text(e.message, TextSink::Json)}}},
                             {"locations", json::array({{{"physicalLocation", sarif_physical(e.path, c)}}})}});
  };
  for (const FileError& e : discovery_errors) notify(e);
  for (const FileReport& r : reports)
    if (r.error) notify(*r.error);
  json driver;
  driver["name"] = "pm2guard";
  driver["version"] = PM2GUARD_VERSION;
  driver["semanticVersion"] = PM2GUARD_VERSION;
  if (std::string_view(PM2GUARD_HOMEPAGE_URL).size()) driver["informationUri"] = PM2GUARD_HOMEPAGE_URL;
  driver["rules"] = std::move(rules);
  json invocation;
  // Exit status 2: a file could not be read or parsed. The results of the
  // other files are all there; the notifications say which file is missing.
  invocation["executionSuccessful"] = notifications.empty();
  invocation["toolExecutionNotifications"] = std::move(notifications);

  // {"$schema", "version", "runs": [{"tool", "invocations", "columnKind",
  // "results": [...]}]}, as dump(2) prints it; the results one by one.
  write_key(out, 0, "$schema", true);
  out << json("https://json.schemastore.org/sarif-2.1.0.json").dump();
  write_key(out, 0, "version", false);
  out << json("2.1.0").dump();
  write_key(out, 0, "runs", false);
  out << "[\n    ";
  write_key(out, 4, "tool", true);
  write_indented(out, json{{"driver", std::move(driver)}}, 6);
  write_key(out, 4, "invocations", false);
  write_indented(out, json::array({std::move(invocation)}), 6);
  // Columns count characters (code points); SARIF's default is UTF-16 units.
  write_key(out, 4, "columnKind", false);
  out << json("unicodeCodePoints").dump();
  write_key(out, 4, "results", false);
  ArrayWriter results(out, 6);
  for (const FileReport& r : reports) {
    FileView view(r);
    for (const LintFinding& f : r.findings) {
      json result;
      result["ruleId"] = f.rule;
      auto it = std::find_if(all.begin(), all.end(), [&](const Rule* x) { return x->id == f.rule; });
      if (it != all.end()) result["ruleIndex"] = it - all.begin();
      result["level"] = severity_name(f.severity);
      result["message"] = {{"text", output_text(f.message, TextSink::Json)}};
      result["locations"] = json::array({{{"physicalLocation", sarif_physical(r.path, view.range(f.range))}}});
      results.add(result);
    }
  }
  results.close();
  out << "\n    }\n  ]\n}\n";
}

std::string render_text(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors,
                        const TextStyle& style) {
  std::ostringstream out;
  write_text(out, reports, discovery_errors, style);
  return std::move(out).str();
}

std::string render_json(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  std::ostringstream out;
  write_json(out, reports, discovery_errors);
  return std::move(out).str();
}

std::string render_github(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  std::ostringstream out;
  write_github(out, reports, discovery_errors);
  return std::move(out).str();
}

std::string render_sarif(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  std::ostringstream out;
  write_sarif(out, reports, discovery_errors);
  return std::move(out).str();
}

}  // namespace pm2guard::lint

#include "yaml_scalar.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <vector>

namespace pm2guard::lint {

namespace {

// Decoded bytes with the file offset of each, trimmed as decoding goes.
struct Buf {
  std::string text;
  std::vector<uint32_t> origin;

  void put(char c, size_t off) {
    text.push_back(c);
    origin.push_back(static_cast<uint32_t>(off));
  }
  void put(std::string_view s, size_t off) {
    for (char c : s) put(c, off);
  }
  void truncate(size_t n) {
    if (n >= text.size()) return;
    text.resize(n);
    origin.resize(n);
  }
  MappedText finish() const {
    MappedText m;
    for (size_t i = 0; i < text.size(); ++i) m.append(text[i], origin[i]);
    return m;
  }
};

// Byte-level views of the source, with yaml-cpp 0.7's notion of a line
// break: "\n" or "\r\n" (a lone '\r' is content).
struct Src {
  std::string_view s;

  char at(size_t i) const { return i < s.size() ? s[i] : '\0'; }
  bool eof(size_t i) const { return i >= s.size(); }
  bool blank(size_t i) const { return i < s.size() && (s[i] == ' ' || s[i] == '\t'); }
  size_t break_len(size_t i) const {
    if (i >= s.size()) return 0;
    if (s[i] == '\n') return 1;
    if (s[i] == '\r' && at(i + 1) == '\n') return 2;
    return 0;
  }
  bool is_break(size_t i) const { return break_len(i) != 0; }
  bool blank_or_break_or_eof(size_t i) const { return eof(i) || blank(i) || is_break(i); }
  size_t line_start(size_t i) const {
    while (i > 0 && s[i - 1] != '\n') --i;
    return i;
  }
  bool doc_indicator(size_t i) const {
    return (s.compare(i, 3, "---") == 0 || s.compare(i, 3, "...") == 0) && blank_or_break_or_eof(i + 3);
  }
  // A '#' that starts a comment: after a blank or a line break.
  bool comment_after(size_t i) const {
    if (blank(i) || at(i) == '\n') return at(i + 1) == '#';
    if (break_len(i) == 2) return at(i + 2) == '#';
    return false;
  }
};

void append_utf8(Buf& out, uint32_t cp, size_t off) {
  if (cp <= 0x7F) {
    out.put(static_cast<char>(cp), off);
  } else if (cp <= 0x7FF) {
    out.put(static_cast<char>(0xC0 | (cp >> 6)), off);
    out.put(static_cast<char>(0x80 | (cp & 0x3F)), off);
  } else if (cp <= 0xFFFF) {
    out.put(static_cast<char>(0xE0 | (cp >> 12)), off);
    out.put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), off);
    out.put(static_cast<char>(0x80 | (cp & 0x3F)), off);
  } else {
    out.put(static_cast<char>(0xF0 | (cp >> 18)), off);
    out.put(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)), off);
    out.put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), off);
    out.put(static_cast<char>(0x80 | (cp & 0x3F)), off);
  }
}

// One escape of a double-quoted scalar at `p` (the backslash), appended to
// `out` at the backslash's offset. Returns the number of source bytes used, 0
// when the escape is invalid.
size_t decode_escape(const Src& src, size_t p, Buf& out) {
  char c = src.at(p + 1);
  auto simple = [&](std::string_view v) {
    out.put(v, p);
    return size_t{2};
  };
  switch (c) {
    case '0': return simple(std::string_view("\0", 1));
    case 'a': return simple("\a");
    case 'b': return simple("\b");
    case 't':
    case '\t': return simple("\t");
    case 'n': return simple("\n");
    case 'v': return simple("\v");
    case 'f': return simple("\f");
    case 'r': return simple("\r");
    case 'e': return simple("\x1B");
    case ' ': return simple(" ");
    case '"': return simple("\"");
    case '\'': return simple("'");  // not YAML 1.2, but yaml-cpp accepts it
    case '\\': return simple("\\");
    case '/': return simple("/");
    // yaml-cpp 0.7 emits NEL and NBSP as single Latin-1 bytes (later
    // versions encode them as UTF-8); the value must match it byte for byte.
    case 'N': return simple("\x85");
    case '_': return simple("\xA0");
    case 'L': return simple("\xE2\x80\xA8");
    case 'P': return simple("\xE2\x80\xA9");
    case 'x':
    case 'u':
    case 'U': {
      size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; ++k) {
        char h = src.at(p + 2 + k);
        uint32_t d;
        if (h >= '0' && h <= '9') d = static_cast<uint32_t>(h - '0');
        else if (h >= 'a' && h <= 'f') d = static_cast<uint32_t>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') d = static_cast<uint32_t>(h - 'A' + 10);
        else return 0;
        if (cp > 0x0FFFFFFF) return 0;
        cp = (cp << 4) | d;
      }
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
      append_utf8(out, cp, p);
      return 2 + digits;
    }
    default: return 0;
  }
}

// Trailing line breaks of a scalar, as the chomping indicator asks. For
// quoted scalars, nothing at or before the last escape is removed.
enum class Chomp { Clip, Strip, Keep };
void chomp(Buf& out, Chomp mode, size_t last_escaped = std::string::npos) {
  if (mode == Chomp::Keep) return;
  size_t pos = out.text.find_last_not_of('\n');
  if (last_escaped != std::string::npos && (pos == std::string::npos || pos < last_escaped)) pos = last_escaped;
  if (pos == std::string::npos) {
    out.truncate(0);
  } else if (mode == Chomp::Clip) {
    if (pos + 1 < out.text.size()) out.truncate(pos + 2);
  } else {
    out.truncate(pos + 1);
  }
}

// Block scalars: `|` and `>` with their chomping and indentation indicators.
// Lines are taken as yaml-cpp takes them: with no indentation indicator the
// first non-blank line sets the indentation (whitespace-only lines before it
// can only raise it), and the first non-empty line indented less ends the
// scalar.
std::optional<Buf> decode_block(const Src& src, size_t p, int parent_indent) {
  const bool folded = src.at(p) == '>';
  ++p;
  Chomp mode = Chomp::Clip;
  size_t indent = 1;
  bool detect = true;
  for (int k = 0; k < 2; ++k) {
    char c = src.at(p);
    if (c == '+' || c == '-') {
      mode = c == '+' ? Chomp::Keep : Chomp::Strip;
    } else if (c >= '1' && c <= '9') {
      indent = static_cast<size_t>(c - '0');
      detect = false;
    } else {
      break;
    }
    ++p;
  }
  while (src.blank(p)) ++p;
  if (src.at(p) == '#') {
    while (!src.eof(p) && !src.is_break(p)) ++p;
  }
  if (!src.eof(p) && !src.is_break(p)) return std::nullopt;
  if (parent_indent >= 0) indent += static_cast<size_t>(parent_indent);

  Buf out;
  bool found_content = false;
  bool past_header = false;
  bool empty_line = false, more_indented = false;
  // Folding state: breaks of the empty lines seen since the last content
  // line (their newlines are emitted once the next content line shows).
  std::vector<size_t> pending;
  bool pending_started_more_indented = false;

  for (;;) {
    if (past_header) {
      size_t begin = p;
      while (!src.eof(p) && !src.is_break(p)) ++p;
      if (p > begin) {
        for (size_t i = begin; i < p; ++i) out.put(src.s[i], i);
        found_content = true;
      }
    }
    if (src.eof(p)) break;

    const size_t brk = p;
    p += src.break_len(p);
    const size_t line = p;
    while (src.at(p) == ' ' && (p - line < indent || (detect && !found_content))) ++p;
    if (detect && !found_content) indent = std::max(indent, p - line);
    const size_t col = p - line;
    if (src.at(p) == '\t' && col < indent) return std::nullopt;  // yaml-cpp refuses tabs as indentation

    const bool next_empty = src.is_break(p);
    const bool next_more = src.blank(p);
    if (past_header) {
      if (!folded) {
        out.put('\n', brk);
      } else {
        if (pending.empty() && next_empty) pending_started_more_indented = more_indented;
        if (!empty_line && !next_empty && !more_indented && !next_more && col >= indent) {
          out.put(' ', brk);
        } else if (next_empty) {
          pending.push_back(brk);
        } else {
          size_t newlines = 1;
          if (!pending.empty()) {
            newlines = pending.size();
            if (pending_started_more_indented || next_more || !found_content) ++newlines;
          }
          // Newlines map to the last `newlines` breaks, in file order.
          pending.push_back(brk);
          for (size_t k = pending.size() - std::min(newlines, pending.size()); k < pending.size(); ++k) {
            out.put('\n', pending[k]);
          }
          pending.clear();
        }
      }
    }
    empty_line = next_empty;
    more_indented = next_more;
    past_header = true;
    if (!empty_line && col < indent) break;
  }
  chomp(out, mode);
  return out;
}

// Plain scalars: lines folded into spaces, empty lines into newlines,
// leading and trailing blanks of each line dropped; the scalar ends at `: `,
// ` #`, a document marker, or a line indented no more than its parent.
std::optional<Buf> decode_plain(const Src& src, size_t p, int parent_indent, bool flow) {
  const size_t indent = flow ? 0 : static_cast<size_t>(parent_indent + 1);
  auto at_end = [&](size_t i) {
    if (src.comment_after(i)) return true;
    char c = src.at(i);
    if (c == ':') {
      if (src.blank_or_break_or_eof(i + 1)) return true;
      if (flow) {
        char d = src.at(i + 1);
        return d == ',' || d == ']' || d == '}';
      }
      return false;
    }
    return flow && (c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}');
  };

  Buf out;
  size_t line = src.line_start(p);
  bool empty_line = false;
  for (;;) {
    size_t last_non_blank = out.text.size();
    bool at_doc_marker = false;
    while (!src.eof(p) && !at_end(p) && !src.is_break(p)) {
      if (p == line && src.doc_indicator(p)) {
        at_doc_marker = true;
        break;
      }
      out.put(src.s[p], p);
      if (!src.blank(p)) last_non_blank = out.text.size();
      ++p;
    }
    if (src.eof(p) || at_doc_marker || at_end(p)) break;
    out.truncate(last_non_blank);

    const size_t brk = p;
    p += src.break_len(p);
    line = p;
    while (src.at(p) == ' ' && p - line < indent && !at_end(p)) ++p;
    while (src.blank(p)) {
      if (src.at(p) == '\t' && p - line < indent) return std::nullopt;
      if (at_end(p)) break;
      ++p;
    }
    const bool next_empty = src.is_break(p);
    if (next_empty) {
      out.put('\n', brk);
    } else if (!empty_line) {
      out.put(' ', brk);
    }
    empty_line = next_empty;
    if (!empty_line && p - line < indent) break;
  }
  size_t last = out.text.find_last_not_of(" \t");
  if (last != std::string::npos) out.truncate(last + 1);
  chomp(out, Chomp::Strip);
  return out;
}

// Quoted scalars: escapes decoded (`''` in single quotes, backslash escapes
// in double quotes), line breaks folded, blanks around them dropped except
// where escaped.
std::optional<Buf> decode_quoted(const Src& src, size_t p) {
  const bool single = src.at(p) == '\'';
  ++p;
  auto at_close = [&](size_t i) {
    if (single) return src.at(i) == '\'' && src.at(i + 1) != '\'';
    return src.at(i) == '"';
  };

  Buf out;
  size_t last_escaped = std::string::npos;
  bool empty_line = false;
  // yaml-cpp 0.7 accepts a quoted scalar left open when the file ends right
  // after a line break, so the loop ends there too.
  while (!src.eof(p)) {
    size_t last_non_blank = out.text.size();
    bool escaped_break = false;
    for (;;) {
      if (src.eof(p)) return std::nullopt;
      if (at_close(p) || src.is_break(p)) break;
      if (!single && src.at(p) == '\\' && src.is_break(p + 1)) {
        ++p;
        last_non_blank = last_escaped = out.text.size();
        escaped_break = true;
        break;
      }
      if (single && src.at(p) == '\'') {  // '' (a lone quote closes the scalar)
        out.put('\'', p);
        p += 2;
        last_non_blank = last_escaped = out.text.size();
        continue;
      }
      if (!single && src.at(p) == '\\') {
        size_t used = decode_escape(src, p, out);
        if (used == 0) return std::nullopt;
        p += used;
        last_non_blank = last_escaped = out.text.size();
        continue;
      }
      out.put(src.s[p], p);
      if (!src.blank(p)) last_non_blank = out.text.size();
      ++p;
    }
    if (at_close(p)) break;
    out.truncate(last_non_blank);

    const size_t brk = p;
    p += src.break_len(p);
    if (src.doc_indicator(p)) return std::nullopt;
    while (src.blank(p)) ++p;
    const bool next_empty = src.is_break(p);
    if (next_empty) {
      out.put('\n', brk);
    } else if (!empty_line && !escaped_break) {
      out.put(' ', brk);
    }
    empty_line = next_empty;
  }
  chomp(out, Chomp::Clip, last_escaped);
  return out;
}

bool is_tag_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-!#;/?:@&=+$_.~*'()%").find(c) != std::string_view::npos;
}

// The indentation of the collection that holds the node at `pos`, read from
// its line: the column of the key before it, or of the `- ` it follows. A
// node alone on its line belongs to the nearest line above that is indented
// less (its key's line), unless the caller knows better.
int infer_parent_indent(const Src& src, size_t pos, int hint) {
  auto key_column = [&](size_t line, size_t limit, int& dash) {
    size_t i = line;
    for (;;) {
      while (src.blank(i) && i < limit) ++i;
      if (i < limit && src.at(i) == '-' && src.blank_or_break_or_eof(i + 1)) {
        dash = static_cast<int>(i - line);
        ++i;
        continue;
      }
      return i;
    }
  };
  size_t line = src.line_start(pos);
  int dash = -1;
  size_t i = key_column(line, pos, dash);
  if (i < pos) return static_cast<int>(i - line);
  if (dash >= 0 || hint >= 0) return dash >= 0 ? dash : hint;

  // Only blank, comment and property lines can sit between a key and its
  // value, so the walk up is short; it is bounded all the same.
  const size_t col = pos - line;
  for (int budget = 1000; line > 0 && col > 0 && budget > 0; --budget) {
    size_t prev = src.line_start(line - 1);
    size_t first = prev;
    while (src.blank(first)) ++first;
    bool blank_or_comment = src.is_break(first) || src.eof(first) || src.at(first) == '#';
    if (!blank_or_comment && first - prev < col) {
      int prev_dash = -1;
      size_t k = key_column(prev, line, prev_dash);
      return src.is_break(k) ? (prev_dash >= 0 ? prev_dash : static_cast<int>(first - prev))
                             : static_cast<int>(k - prev);
    }
    line = prev;
  }
  return hint;
}

}  // namespace

size_t skip_properties(std::string_view text, size_t pos) {
  Src src{text};
  size_t p = pos;
  while (src.at(p) == '!' || src.at(p) == '&') {
    if (src.at(p) == '&') {
      ++p;
      while (!src.blank_or_break_or_eof(p) && std::string_view("[]{},").find(src.at(p)) == std::string_view::npos) ++p;
    } else if (src.at(p + 1) == '<') {  // verbatim tag !<...>
      while (!src.eof(p) && src.at(p) != '>' && !src.is_break(p)) ++p;
      if (src.at(p) == '>') ++p;
    } else {
      // A tag ends at the first byte that cannot be part of it, so `!>` is
      // the non-specific tag followed by a folded scalar.
      ++p;
      while (is_tag_char(src.at(p))) ++p;
    }
    // Blanks, a comment, and whole blank or comment lines may separate the
    // properties from the content.
    for (;;) {
      while (src.blank(p)) ++p;
      if (src.at(p) == '#') {
        while (!src.eof(p) && !src.is_break(p)) ++p;
      }
      if (!src.is_break(p)) break;
      p += src.break_len(p);
    }
  }
  return p;
}

ScalarStyle scalar_style(std::string_view text, size_t pos) {
  size_t p = skip_properties(text, pos);
  char c = p < text.size() ? text[p] : '\0';
  switch (c) {
    case '|': return ScalarStyle::Literal;
    case '>': return ScalarStyle::Folded;
    case '\'': return ScalarStyle::SingleQuoted;
    case '"': return ScalarStyle::DoubleQuoted;
    default: return ScalarStyle::Plain;
  }
}

std::optional<MappedText> decode_scalar(std::string_view text, size_t pos, int parent_indent, bool flow) {
  if (pos > text.size()) return std::nullopt;
  Src src{text};
  size_t p = skip_properties(text, pos);
  std::optional<Buf> out;
  switch (scalar_style(text, pos)) {
    case ScalarStyle::Literal:
    case ScalarStyle::Folded: out = decode_block(src, p, infer_parent_indent(src, pos, parent_indent)); break;
    case ScalarStyle::SingleQuoted:
    case ScalarStyle::DoubleQuoted: out = decode_quoted(src, p); break;
    case ScalarStyle::Plain: out = decode_plain(src, p, infer_parent_indent(src, pos, parent_indent), flow); break;
  }
  if (!out) return std::nullopt;
  return out->finish();
}

MappedText map_scalar(std::string_view src, const YAML::Mark& mark, std::string_view value, uint32_t fallback_offset,
                      int parent_indent) {
  if (mark.pos >= 0 && static_cast<size_t>(mark.pos) <= src.size()) {
    size_t pos = static_cast<size_t>(mark.pos);
    auto exact = decode_scalar(src, pos, parent_indent);
    if (exact && exact->text() == value) return std::move(*exact);
    if (scalar_style(src, pos) == ScalarStyle::Plain) {
      exact = decode_scalar(src, pos, parent_indent, /*flow=*/true);
      if (exact && exact->text() == value) return std::move(*exact);
    }
  }
  return MappedText::anchored(value, fallback_offset);
}

MappedText map_scalar(std::string_view src, const YAML::Node& node, uint32_t fallback_offset, int parent_indent) {
  return map_scalar(src, node.Mark(), node.Scalar(), fallback_offset, parent_indent);
}

}  // namespace pm2guard::lint

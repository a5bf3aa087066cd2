#include "json_document.h"

#include <tree_sitter/api.h>

#include <fmt/format.h>

#include <memory>
#include <unordered_set>

extern "C" const TSLanguage* tree_sitter_json(void);

namespace pm2guard::lint {

namespace {

struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};
struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};

// tree-sitter-json's number token has no sign in its exponent: `1e+5`,
// valid JSON, would be an error. The text given to the grammar has such a
// `+` replaced by `0` (`1e05`, a number of the same length, so every offset
// stays); numbers are checked against the original text. Strings are told
// apart as the grammar tells them (a string ends at its closing quote or at
// a line break), so a `+` inside one is never touched.
std::string mask_exponent_signs(std::string_view text) {
  std::string out(text);
  bool in_string = false;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"' || c == '\n') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '+' && i >= 2 && (out[i - 1] == 'e' || out[i - 1] == 'E') &&
               ((out[i - 2] >= '0' && out[i - 2] <= '9') || out[i - 2] == '.')) {
      out[i] = '0';
    }
  }
  return out;
}

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

// Whether `s` is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t from = i;
    while (i < s.size() && digit(s[i])) ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// The character at `i`, for a message: itself when printable ASCII, else
// its code point.
std::string describe_char(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  if (c >= 0x21 && c < 0x7F) return fmt::format("`{}`", static_cast<char>(c));
  uint32_t cp = c;
  size_t len = 1;
  if (c >= 0xC0 && c < 0xE0) cp = c & 0x1Fu, len = 2;
  else if (c >= 0xE0 && c < 0xF0) cp = c & 0x0Fu, len = 3;
  else if (c >= 0xF0 && c < 0xF8) cp = c & 0x07u, len = 4;
  for (size_t k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
  return fmt::format("U+{:04X}", cp);
}

// A token's text for a message: short ones whole, long ones cut.
std::string describe_token(std::string_view text, uint32_t begin, uint32_t end) {
  std::string_view t = text.substr(begin, end - begin);
  if (t.empty()) return "nothing";
  size_t first = 1;
  while (first < t.size() && (static_cast<unsigned char>(t[first]) & 0xC0) == 0x80) ++first;
  if (first == t.size()) return describe_char(text, begin);  // one character
  if (t.size() > 24) {
    size_t cut = 20;
    while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;  // whole characters
    return fmt::format("`{}...`", t.substr(0, cut));
  }
  return fmt::format("`{}`", t);
}

void append_utf8(MappedText& out, uint32_t cp, uint32_t off) {
  if (cp <= 0x7F) {
    out.append(static_cast<char>(cp), off);
  } else if (cp <= 0x7FF) {
    out.append(static_cast<char>(0xC0 | (cp >> 6)), off);
    out.append(static_cast<char>(0x80 | (cp & 0x3F)), off);
  } else if (cp <= 0xFFFF) {
    out.append(static_cast<char>(0xE0 | (cp >> 12)), off);
    out.append(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), off);
    out.append(static_cast<char>(0x80 | (cp & 0x3F)), off);
  } else {
    out.append(static_cast<char>(0xF0 | (cp >> 18)), off);
    out.append(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)), off);
    out.append(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), off);
    out.append(static_cast<char>(0x80 | (cp & 0x3F)), off);
  }
}

// Four hex digits at `i` of `text` (within `end`), or -1.
long hex4(std::string_view text, size_t i, size_t end) {
  if (i + 4 > end) return -1;
  long v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char h = text[k];
    int d = digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

enum class Tok { LBrace, RBrace, LBracket, RBracket, Colon, Comma, String, Number, True, False, Null };

}  // namespace

// Assembles tokens, in document order, into values by JSON's grammar.
class JsonBuilder {
 public:
  JsonBuilder(JsonDocument& doc, std::string_view text) : doc_(doc), text_(text) {}

  bool failed() const { return doc_.error_.has_value(); }

  // A token at [begin, end). `string` holds a String token's decoded text.
  void token(Tok t, uint32_t begin, uint32_t end, MappedText string = {}) {
    if (failed() || !gap(begin)) return;
    last_end_ = end;
    any_token_ = true;
    switch (expect_) {
      case Expect::End:
        return fail(begin, fmt::format("{} after the end of the JSON value (a file holds one value)",
                                       describe_token(text_, begin, end)));
      case Expect::KeyFirst:
      case Expect::KeyNext:
        if (t == Tok::String) {
          key_ = std::move(string);
          key_begin_ = begin;
          expect_ = Expect::Colon;
        } else if (t == Tok::RBrace && expect_ == Expect::KeyFirst) {
          close(end);
        } else if (t == Tok::RBrace) {
          fail(comma_, "a comma before `}` (JSON allows no trailing comma)");
        } else {
          fail(begin, fmt::format("expected a member name (a double-quoted string){}, found {}",
                                  expect_ == Expect::KeyFirst ? " or `}`" : "", describe_token(text_, begin, end)));
        }
        return;
      case Expect::Colon:
        if (t == Tok::Colon) {
          expect_ = Expect::Value;
        } else {
          fail(begin, fmt::format("expected `:` after the member name, found {}", describe_token(text_, begin, end)));
        }
        return;
      case Expect::CommaOrEnd: {
        bool object = doc_.values_[stack_.back()].kind == JsonDocument::Kind::Object;
        if (t == Tok::Comma) {
          comma_ = begin;
          expect_ = object ? Expect::KeyNext : Expect::ItemNext;
        } else if (t == (object ? Tok::RBrace : Tok::RBracket)) {
          close(end);
        } else {
          fail(begin, fmt::format("expected `,` or `{}`, found {}", object ? '}' : ']',
                                  describe_token(text_, begin, end)));
        }
        return;
      }
      case Expect::ItemFirst:
        if (t == Tok::RBracket) return close(end);
        break;
      case Expect::ItemNext:
        if (t == Tok::RBracket) return fail(comma_, "a comma before `]` (JSON allows no trailing comma)");
        break;
      case Expect::Top:
      case Expect::Value:
        break;
    }
    // A value is expected.
    JsonDocument::Value v;
    v.begin = begin;
    v.end = end;
    switch (t) {
      case Tok::String: v.kind = JsonDocument::Kind::String; v.string = std::move(string); break;
      case Tok::Number: v.kind = JsonDocument::Kind::Number; break;
      case Tok::True: v.kind = JsonDocument::Kind::True; break;
      case Tok::False: v.kind = JsonDocument::Kind::False; break;
      case Tok::Null: v.kind = JsonDocument::Kind::Null; break;
      case Tok::LBrace: v.kind = JsonDocument::Kind::Object; v.closed = false; break;
      case Tok::LBracket: v.kind = JsonDocument::Kind::Array; v.closed = false; break;
      default:
        return fail(begin, fmt::format("expected a value, found {}", describe_token(text_, begin, end)));
    }
    auto index = static_cast<uint32_t>(doc_.values_.size());
    bool container = !v.closed;
    doc_.values_.push_back(std::move(v));
    attach(index);
    if (container) {
      stack_.push_back(index);
      expect_ = t == Tok::LBrace ? Expect::KeyFirst : Expect::ItemFirst;
    } else {
      after_value();
    }
  }

  // Whether a token of kind `t` at `begin` fits where it stands (failing
  // as token() would when not): the grammar is checked before a string's or
  // a number's content, as JSON.parse checks it.
  bool fits(Tok t, uint32_t begin, uint32_t end) {
    if (failed() || !gap(begin)) return false;
    bool value = t == Tok::String || t == Tok::Number || t == Tok::True || t == Tok::False || t == Tok::Null ||
                 t == Tok::LBrace || t == Tok::LBracket;
    bool ok = false;
    switch (expect_) {
      case Expect::End: ok = false; break;
      case Expect::KeyFirst: ok = t == Tok::String || t == Tok::RBrace; break;
      case Expect::KeyNext: ok = t == Tok::String; break;
      case Expect::Colon: ok = t == Tok::Colon; break;
      case Expect::CommaOrEnd:
        ok = t == Tok::Comma ||
             t == (doc_.values_[stack_.back()].kind == JsonDocument::Kind::Object ? Tok::RBrace : Tok::RBracket);
        break;
      case Expect::ItemFirst: ok = value || t == Tok::RBracket; break;
      case Expect::ItemNext:
      case Expect::Top:
      case Expect::Value: ok = value; break;
    }
    if (!ok) token(t, begin, end);  // reports what was expected
    return ok;
  }

  // A token at `begin` that is no JSON (a comment, bytes the grammar could
  // not lex, a string with a bad escape), wrong at `at`.
  void bad(uint32_t begin, std::string message) { bad(begin, begin, std::move(message)); }
  void bad(uint32_t begin, uint32_t at, std::string message) {
    if (failed() || !gap(begin)) return;
    fail(at, std::move(message));
  }

  void fail(uint32_t offset, std::string message) {
    if (failed()) return;
    doc_.error_ = JsonDocument::Error{offset, "invalid JSON: " + message};
    // Containers still open end where the reading stopped.
    for (uint32_t index : stack_) doc_.values_[index].end = offset;
  }

  void finish() {
    if (failed() || !gap(static_cast<uint32_t>(text_.size()))) return;
    if (!any_token_) return fail(0, "the file holds no value (expected a JSON value: an object for a package.json)");
    if (expect_ == Expect::End) return;
    std::string what = stack_.empty() ? "a value"
                       : doc_.values_[stack_.back()].kind == JsonDocument::Kind::Object ? "an object (a `}` is missing)"
                                                                                        : "an array (a `]` is missing)";
    fail(last_end_, "the file ends inside " + what);
  }

 private:
  enum class Expect { Top, Value, KeyFirst, KeyNext, Colon, CommaOrEnd, ItemFirst, ItemNext, End };

  // Bytes between tokens must be JSON whitespace (tree-sitter's /\s/ also
  // takes \v, \f and Unicode spaces).
  bool gap(uint32_t begin) {
    for (uint32_t i = last_end_; i < begin && i < text_.size(); ++i) {
      if (!json_space(text_[i])) {
        fail(i, fmt::format("unexpected {} (JSON whitespace is space, tab, CR and LF)", describe_char(text_, i)));
        return false;
      }
    }
    return true;
  }

  void attach(uint32_t index) {
    if (stack_.empty()) return;  // the root: values_[0]
    JsonDocument::Value& parent = doc_.values_[stack_.back()];
    if (parent.kind == JsonDocument::Kind::Object) {
      parent.members.push_back(JsonDocument::Member{std::move(key_), key_begin_, index});
      key_ = MappedText();
    } else {
      parent.items.push_back(index);
    }
  }

  void close(uint32_t end) {
    JsonDocument::Value& v = doc_.values_[stack_.back()];
    v.end = end;
    v.closed = true;
    stack_.pop_back();
    after_value();
  }

  void after_value() { expect_ = stack_.empty() ? Expect::End : Expect::CommaOrEnd; }

  JsonDocument& doc_;
  std::string_view text_;
  std::vector<uint32_t> stack_;  // open containers, outermost first
  Expect expect_ = Expect::Top;
  MappedText key_;
  uint32_t key_begin_ = 0;
  uint32_t comma_ = 0;     // the last comma, for a trailing-comma error
  uint32_t last_end_ = 0;  // end of the last token
  bool any_token_ = false;
};

namespace {

// Decodes the string token at [begin, end) (quotes included) into `out`.
// Returns the offset and message of the first problem, if any.
std::optional<std::pair<uint32_t, std::string>> decode_string(std::string_view text, uint32_t begin, uint32_t end,
                                                              MappedText& out) {
  out = MappedText::verbatim("", begin + 1);
  for (uint32_t i = begin + 1; i + 1 < end;) {
    char c = text[i];
    if (c == '\\') {
      char e = text[i + 1];
      const char* simple = nullptr;
      switch (e) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': break;
        default:
          return std::pair{i, fmt::format("invalid escape `\\{}` in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r "
                                          "\\t \\uXXXX)",
                                          e)};
      }
      if (simple) {
        out.append(*simple, i);
        i += 2;
        continue;
      }
      long unit = hex4(text, i + 2, end - 1);
      if (unit < 0) return std::pair{i, std::string("invalid `\\u` escape in a string (four hex digits expected)")};
      auto cp = static_cast<uint32_t>(unit);
      uint32_t used = 6;
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 7 < end - 1 && text[i + 6] == '\\' && text[i + 7] == 'u') {
        long low = hex4(text, i + 8, end - 1);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
          used = 12;
        }
      }
      // A lone surrogate is a valid JSON string; Node passes it to the
      // shell as U+FFFD, as it encodes any such string as UTF-8.
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
      append_utf8(out, cp, i);
      i += used;
      continue;
    }
    if (c == '\n' || c == '\r') return std::pair{i, std::string("a line break inside a string (JSON writes it `\\n`)")};
    if (static_cast<unsigned char>(c) < 0x20) {
      return std::pair{i, fmt::format("a raw control character (U+{:04X}) in a string: JSON needs it escaped",
                                      static_cast<unsigned>(static_cast<unsigned char>(c)))};
    }
    out.append(c, i);
    ++i;
  }
  return std::nullopt;
}

}  // namespace

JsonDocument JsonDocument::parse(std::string_view text) {
  JsonDocument doc;
  JsonBuilder builder(doc, text);
  if (text.size() >= UINT32_MAX) {
    builder.fail(0, "the file is too large");
    return doc;
  }
  std::string masked = mask_exponent_signs(text);
  std::unique_ptr<TSParser, ParserDeleter> parser(ts_parser_new());
  if (!ts_parser_set_language(parser.get(), tree_sitter_json())) {
    builder.fail(0, "the JSON grammar could not be loaded");
    return doc;
  }
  std::unique_ptr<TSTree, TreeDeleter> tree(
      ts_parser_parse_string(parser.get(), nullptr, masked.data(), static_cast<uint32_t>(masked.size())));
  if (!tree) {
    builder.fail(0, "the file could not be parsed");
    return doc;
  }

  // Every token in document order: an iterative walk, into ERROR nodes too
  // (tree-sitter's recovery wraps good members in them), treating a string
  // as one token.
  TSTreeCursor cursor = ts_tree_cursor_new(ts_tree_root_node(tree.get()));
  for (;;) {
    TSNode node = ts_tree_cursor_current_node(&cursor);
    bool descend = false;
    std::string_view type = ts_node_type(node);
    auto begin = ts_node_start_byte(node);
    auto end = ts_node_end_byte(node);
    if (ts_node_is_missing(node)) {
      // Inserted by the recovery: the token that is really there comes next.
    } else if (type == "string" && ts_node_is_named(node)) {
      uint32_t count = ts_node_child_count(node);
      TSNode last = count ? ts_node_child(node, count - 1) : node;
      bool closed = count >= 2 && end - begin >= 2 && !ts_node_is_missing(last) && text[end - 1] == '"';
      MappedText decoded;
      if (!closed) {
        builder.bad(begin, "an unterminated string (no closing `\"`)");
      } else if (!builder.fits(Tok::String, begin, end)) {
        // reported
      } else if (auto problem = decode_string(text, begin, end, decoded)) {
        builder.bad(begin, problem->first, std::move(problem->second));
      } else if (ts_node_has_error(node)) {
        builder.bad(begin, "an invalid string");
      } else {
        builder.token(Tok::String, begin, end, std::move(decoded));
      }
    } else if (ts_node_child_count(node) > 0) {
      descend = true;
    } else if (ts_node_is_error(node)) {
      std::string_view what = text.substr(begin, end - begin);
      if (!what.empty() && what.front() == '\'') {
        builder.bad(begin, "a single-quoted string (JSON strings are double-quoted)");
      } else {
        builder.bad(begin, fmt::format("unexpected {}", describe_token(text, begin, end)));
      }
    } else if (type == "\"") {
      // A quote outside a string node: a string the recovery could not close.
      builder.bad(begin, "an unterminated string (no closing `\"`)");
    } else if (type == "comment") {
      builder.bad(begin, "a comment (JSON has none; npm cannot read the file)");
    } else if (type == "number") {
      if (!builder.fits(Tok::Number, begin, end)) {
        // reported
      } else if (json_number(text.substr(begin, end - begin))) {
        builder.token(Tok::Number, begin, end);
      } else {
        builder.bad(begin, fmt::format("an invalid number {}", describe_token(text, begin, end)));
      }
    } else {
      static const std::pair<std::string_view, Tok> kTokens[] = {
          {"{", Tok::LBrace}, {"}", Tok::RBrace}, {"[", Tok::LBracket}, {"]", Tok::RBracket},
          {":", Tok::Colon},  {",", Tok::Comma},  {"true", Tok::True},  {"false", Tok::False},
          {"null", Tok::Null},
      };
      bool known = false;
      for (const auto& [name, tok] : kTokens) {
        if (type == name) {
          builder.token(tok, begin, end);
          known = true;
          break;
        }
      }
      if (!known && end > begin) builder.bad(begin, fmt::format("unexpected {}", describe_token(text, begin, end)));
    }
    if (builder.failed()) break;
    if (descend && ts_tree_cursor_goto_first_child(&cursor)) continue;
    bool more = true;
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        more = false;
        break;
      }
    }
    if (!more) break;
  }
  ts_tree_cursor_delete(&cursor);
  builder.finish();
  return doc;
}

const JsonDocument::Value* JsonDocument::get(const Value& object, std::string_view key) const {
  if (object.kind != Kind::Object) return nullptr;
  for (auto it = object.members.rbegin(); it != object.members.rend(); ++it) {
    if (it->key.text() == key) return &values_[it->value];
  }
  return nullptr;
}

std::vector<const JsonDocument::Member*> JsonDocument::members(const Value& object) const {
  std::vector<const Member*> kept;
  if (object.kind != Kind::Object) return kept;
  std::unordered_set<std::string_view> seen;
  for (auto it = object.members.rbegin(); it != object.members.rend(); ++it) {
    if (seen.insert(it->key.text()).second) kept.push_back(&*it);
  }
  return {kept.rbegin(), kept.rend()};
}

}  // namespace pm2guard::lint

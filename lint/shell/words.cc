// Word expansion: a word's parts (quoting, escapes, parameter expansions,
// command substitutions, brace expansion) evaluated into EvalWords, and
// the words of a command.
#include "shell/analyser.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "command_knowledge.h"
#include "expr_mask.h"

namespace pm2guard::lint::shell {

// ------------------------------------------------------------------ words

std::vector<std::pair<char, uint32_t>> Analyser::decode(const Parse& p, uint32_t b, uint32_t e, char mode) {
  // mode: 'w' unquoted word, 's' double-quoted content, 'r' raw, 'h' heredoc content
  std::vector<std::pair<char, uint32_t>> out;
  const std::string& t = p.text.text();
  for (uint32_t i = b; i < e; ++i) {
    char c = t[i];
    if (c == '\\' && mode != 'r' && i + 1 < e) {
      char d = t[i + 1];
      if (d == '\n') {
        ++i;
        continue;
      }
      bool escapes = mode == 'w' || ((mode == 's' || mode == 'h') && (d == '$' || d == '`' || d == '\\' ||
                                                                          (mode == 's' && d == '"')));
      if (escapes) {
        out.push_back({d, p.text.origin(i + 1)});
        ++i;
        continue;
      }
    }
    out.push_back({c, p.text.origin(i)});
  }
  return out;
}

// The content of $'...' as bash reads it (bash_escapes.h).
std::vector<std::pair<char, uint32_t>> Analyser::decode_ansi_c(const Parse& p, uint32_t b, uint32_t e) {
  std::vector<std::pair<char, uint32_t>> out;
  if (e <= b) return out;
  Unescaped u = unescape(std::string_view(p.text.text()).substr(b, e - b), EscapeDialect::AnsiC);
  out.reserve(u.bytes.size());
  for (size_t k = 0; k < u.bytes.size(); ++k) out.push_back({u.bytes[k], p.text.origin(b + u.from[k])});
  return out;
}

// Appends decoded literal bytes; bytes whose origin is run-time content
// (a CI expression, an unknown variable substituted into this text) turn
// into dynamic parts.
void Analyser::append_bytes(WordBuilder& b, const std::vector<std::pair<char, uint32_t>>& bytes) {
  if (opaque_.empty()) {
    for (auto& [c, o] : bytes) b.literal(c, o);
    return;
  }
  size_t i = 0;
  while (i < bytes.size()) {
    const Opaque* op = opaque_at(bytes[i].second);
    if (!op) {
      b.literal(bytes[i].first, bytes[i].second);
      ++i;
      continue;
    }
    MappedText spelling;
    while (i < bytes.size() && opaque_at(bytes[i].second) == op) {
      spelling.append(bytes[i].first, bytes[i].second);
      ++i;
    }
    bool complete = false;
    std::vector<std::string> values = expression_values(op, complete);
    b.dynamic(spelling, op->origin, Listing::None, false, values, complete);
  }
}

namespace {

// ${X/pat/rep} ${X//pat/rep} ${X#pat} ${X##pat} ${X%pat} ${X%%pat}
// ${X^^} ${X,,} on a known value, with plain patterns (no glob, quote or
// expansion): the result; nullopt for anything else.
std::optional<std::string> transformed(std::string_view spelled, const std::string& name,
                                       const std::string& value) {
  size_t after = 2 + name.size();
  if (spelled.size() < after + 2 || spelled.substr(0, 2) != "${" || spelled.back() != '}') return std::nullopt;
  std::string_view op = spelled.substr(after, spelled.size() - after - 1);
  auto plain = [](std::string_view x) { return x.find_first_of("*?[]$`'\"\\{}()!@+") == std::string_view::npos; };
  if (op == "^^" || op == ",,") {
    std::string out = value;
    for (char& c : out) c = static_cast<char>(op == "^^" ? toupper(static_cast<unsigned char>(c)) : tolower(static_cast<unsigned char>(c)));
    return out;
  }
  if (op.size() >= 2 && op[0] == '/') {
    bool every = op[1] == '/';
    std::string_view rest = op.substr(every ? 2 : 1);
    if (!rest.empty() && (rest[0] == '#' || rest[0] == '%')) return std::nullopt;  // anchored forms
    size_t slash = rest.find('/');
    std::string_view pat = rest.substr(0, slash);
    std::string_view rep = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (pat.empty() || !plain(pat) || !plain(rep) || rep.find('/') != std::string_view::npos) return std::nullopt;
    std::string out = value;
    size_t at = 0;
    while ((at = out.find(pat, at)) != std::string::npos) {
      out.replace(at, pat.size(), rep);
      at += rep.size();
      if (!every) break;
    }
    return out;
  }
  if (!op.empty() && (op[0] == '#' || op[0] == '%')) {
    std::string_view pat = op.substr(op.size() > 1 && op[1] == op[0] ? 2 : 1);
    if (!plain(pat)) return std::nullopt;
    if (op[0] == '#') return value.rfind(pat, 0) == 0 ? value.substr(pat.size()) : value;
    return value.size() >= pat.size() && value.compare(value.size() - pat.size(), pat.size(), pat) == 0
               ? value.substr(0, value.size() - pat.size())
               : value;
  }
  return std::nullopt;
}

// ${X:-w} ${X-w} ${X:=w} ${X=w} ${X:?w} ${X?w}: the value of X when it is
// set and not empty.
bool uses_value_when_set(std::string_view spelled, const std::string& name) {
  size_t after = 2 + name.size();
  if (spelled.size() <= after + 1) return false;
  char c = spelled[after] == ':' ? spelled[after + 1] : spelled[after];
  return c == '-' || c == '=' || c == '?';
}

// The word of ${X:-w} ${X-w} ${X:=w} ${X=w} ${X:+w} ${X+w} when it is a
// plain literal (`all`, "all", 'all').
std::optional<std::string> literal_alternative(std::string_view spelled, const std::string& name) {
  size_t after = 2 + name.size();
  if (spelled.size() < after + 2 || spelled.substr(0, 2) != "${" || spelled.back() != '}') return std::nullopt;
  size_t k = after;
  if (spelled[k] == ':') ++k;
  if (k >= spelled.size() || (spelled[k] != '-' && spelled[k] != '=' && spelled[k] != '+')) return std::nullopt;
  std::string_view w = spelled.substr(k + 1, spelled.size() - k - 2);
  if (w.size() >= 2 && (w.front() == '\'' || w.front() == '"') && w.back() == w.front())
    w = w.substr(1, w.size() - 2);
  if (w.empty() || w.find_first_of("$`\\'\" \t\n{}()") != std::string_view::npos) return std::nullopt;
  return std::string(w);
}

}  // namespace

// Appends an expansion's value. `quoted`: inside "..." (no splitting).
// `words`: the list being built, for splitting; nullptr when not splitting.
void Analyser::expansion(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
                         const Ctx& ctx) {
  std::string_view spelled = src(p, n);
  uint32_t fb = fbegin(p, n), fe = fend(p, n);
  auto dynamic_here = [&](Origin o, Listing l = Listing::None, bool pm2 = false,
                          const std::vector<std::string>& may_be = {}, bool complete = false) {
    add_opaque(fb, fe, o, spelled.size(), may_be, complete);
    b.dynamic(p.text.slice(ts_node_start_byte(n), ts_node_end_byte(n)), o, l, pm2, may_be, complete);
  };
  // Name and shape of the expansion.
  std::string name;
  bool simple = node_type(n) == "simple_expansion";
  bool has_operator = false, has_subscript = false, length = false;
  std::string subscript_index;
  for_each_child(n, [&](TSNode c, const char* field) {
    std::string_view ct = node_type(c);
    if (ct == "variable_name" || ct == "special_variable_name") {
      if (name.empty()) name = std::string(src(p, c));
    } else if (ct == "subscript") {
      has_subscript = true;
      TSNode base = ts_node_child_by_field_name(c, "name", 4);
      TSNode idx = ts_node_child_by_field_name(c, "index", 5);
      if (!ts_node_is_null(base)) name = std::string(src(p, base));
      if (!ts_node_is_null(idx)) subscript_index = std::string(src(p, idx));
    } else if (!ts_node_is_named(c)) {
      std::string_view s = src(p, c);
      if (s == "#" && name.empty()) length = true;
      else if (s != "${" && s != "}" && s != "$") has_operator = true;
      (void)field;
    } else if (ct == "command_substitution" || ct == "process_substitution") {
      has_operator = true;
      scan_substitutions(p, c, ctx);
    } else {
      has_operator = true;
      scan_substitutions(p, c, ctx);
    }
  });
  if (!simple && is_mask_name(name)) {
    add_opaque(fb, fe, Origin::Expression, spelled.size());
    auto it = expressions_.find(fb);
    bool complete = false;
    std::vector<std::string> values;
    if (it != expressions_.end()) values = possible_values(it->second, complete);
    b.dynamic(p.text.slice(ts_node_start_byte(n), ts_node_end_byte(n)), Origin::Expression, Listing::None, false,
              values, complete);
    return;
  }
  if (length || name.empty()) {
    dynamic_here(Origin::Other);
    return;
  }
  // Positional parameters of a function call.
  bool positional_name = name == "@" || name == "*" || (isdigit(static_cast<unsigned char>(name[0])) != 0);
  if (positional_name && !positional_.empty() && has_operator && name != "@" && name != "*") {
    // ${1:-default} with the argument known and not empty: the argument.
    size_t idx = static_cast<size_t>(std::stoul(name));
    const std::vector<EvalWord>& args = positional_.back();
    if (idx >= 1 && idx <= args.size() && args[idx - 1].literal && !args[idx - 1].value.empty() &&
        uses_value_when_set(spelled, name)) {
      append_word(b, args[idx - 1]);
      return;
    }
  }
  if (positional_name && !positional_.empty() && !has_operator) {
    const std::vector<EvalWord>& args = positional_.back();
    if (name == "@" || name == "*") {
      bool separate = name == "@" || !quoted;
      for (size_t i = 0; i < args.size(); ++i) {
        if (i > 0) {
          if (separate && words) {
            words->push_back(b.finish(fb, fe));
          } else {
            b.literal_anchored(" ", fb);
          }
        }
        append_word(b, args[i]);
      }
      if (args.empty() && quoted && name == "@" && words && b.empty()) {
        skip_empty_ = true;  // "$@" with no arguments is no word at all
      }
      return;
    }
    size_t idx = static_cast<size_t>(std::stoul(name));
    if (idx >= 1 && idx <= args.size()) {
      append_word(b, args[idx - 1]);
      return;
    }
    dynamic_here(Origin::Variable);
    return;
  }
  if (name == "#" && !positional_.empty()) {
    b.literal_anchored(std::to_string(positional_.back().size()), fb);
    return;
  }
  const VarValue* v = lookup(name);
  if (!v) {
    // Text expanded by an outer shell and parsed again (`ssh h "pm2 delete
    // $T"`): the outer value's possible values.
    const Opaque* op = opaque_at(fb);
    if (op && op->b == fb && op->e == fe && !op->may_be.empty()) {
      dynamic_here(op->origin, Listing::None, false, op->may_be, op->complete);
      return;
    }
  }
  if (has_subscript) {
    if (v && v->kind == VarValue::Array && !has_operator) {
      if (subscript_index == "@" || subscript_index == "*") {
        for (size_t i = 0; i < v->items.size(); ++i) {
          if (i > 0) {
            if (words && (subscript_index == "@" || !quoted))
              words->push_back(b.finish(fb, fe));
            else
              b.literal_anchored(" ", fb);
          }
          b.literal_anchored(v->items[i], fb);
        }
        return;
      }
      if (!subscript_index.empty() && std::all_of(subscript_index.begin(), subscript_index.end(), ::isdigit)) {
        size_t k = std::stoul(subscript_index);
        if (k < v->items.size()) {
          b.literal_anchored(v->items[k], fb);
          return;
        }
      }
    }
    if (v && v->kind == VarValue::Dynamic) {
      dynamic_here(v->origin, v->listing, v->pm2_path, v->may_be, v->may_be_complete);
      return;
    }
    dynamic_here(Origin::Variable);
    return;
  }
  if (v && !has_operator) {
    if (v->kind == VarValue::Literal) {
      literal_value(b, v->value, fb, quoted, words, fe);
      return;
    }
    if (v->kind == VarValue::Array) {
      literal_value(b, v->items.empty() ? "" : v->items[0], fb, quoted, words, fe);
      return;
    }
    dynamic_here(v->origin, v->listing, v->pm2_path, v->may_be, v->may_be_complete);
    return;
  }
  if (v && has_operator && v->kind == VarValue::Literal && !v->value.empty() && uses_value_when_set(spelled, name)) {
    // ${X:-default} and friends with X set: the value of X.
    literal_value(b, v->value, fb, quoted, words, fe);
    return;
  }
  if (v && has_operator && v->kind == VarValue::Literal) {
    if (auto t = transformed(spelled, name, v->value)) {
      literal_value(b, *t, fb, quoted, words, fe);
      return;
    }
  }
  if (v && has_operator && v->kind == VarValue::Literal && !v->value.empty()) {
    // ${X:+alt} with X set: the alternative.
    std::string_view op = spelled.substr(2 + name.size());
    if (!op.empty() && (op[0] == '+' || op.substr(0, 2) == ":+"))
      if (auto alt = literal_alternative(spelled, name)) {
        literal_value(b, *alt, fb, quoted, words, fe);
        return;
      }
  }
  // ${X:-all}, ${X:=all}, ${X:+all} with X unknown: the literal
  // alternative is one possible value, next to X's own.
  std::vector<std::string> may_be = v && v->kind == VarValue::Dynamic ? v->may_be : std::vector<std::string>{};
  if (!v || v->kind == VarValue::Dynamic || (v->kind == VarValue::Literal && v->value.empty())) {
    if (auto alt = literal_alternative(spelled, name)) {
      if (v && v->kind == VarValue::Literal) {
        // X is known to be empty: ${X:-all} is `all`, ${X-all} is "".
        std::string_view op = spelled.substr(2 + name.size());
        bool colon = !op.empty() && op[0] == ':';
        bool plus = op.size() > (colon ? 1u : 0u) && op[colon ? 1 : 0] == '+';
        if (colon != plus) {
          literal_value(b, *alt, fb, quoted, words, fe);
          return;
        }
      } else if (std::find(may_be.begin(), may_be.end(), *alt) == may_be.end()) {
        may_be.push_back(*alt);
      }
    }
  }
  dynamic_here(v ? v->origin : Origin::Variable, v ? v->listing : Listing::None, v && v->pm2_path, may_be);
}

void Analyser::literal_value(WordBuilder& b, const std::string& value, uint32_t fb, bool quoted,
                             std::vector<EvalWord>* words, uint32_t fe) {
  if (quoted || !words) {
    b.literal_anchored(value, fb);
    return;
  }
  // Unquoted: IFS whitespace splits the value into words.
  for (char c : value) {
    if (is_ifs(c)) {
      if (!b.empty()) words->push_back(b.finish(fb, fe));
    } else {
      b.literal_anchored(std::string_view(&c, 1), fb);
    }
  }
}

void Analyser::append_word(WordBuilder& b, const EvalWord& w) {
  if (w.literal) {
    b.literal_mapped(w.text);
    return;
  }
  b.dynamic(w.text, w.origin, w.listing, w.pm2_path, w.may_be, w.may_be_complete);
}

// Command substitution: runs its commands; the word's value is dynamic,
// unless the output is known literal text ($(echo all)).
void Analyser::substitution(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
                            const Ctx& ctx) {
  Stream s = subshell([&] { return visit_sequence(p, n, Stream{}, ctx); });
  uint32_t fb = fbegin(p, n), fe = fend(p, n);
  bool pm2_path = names_pm2_binary(p, n, ctx);
  if (s.has_text && s.listing == Listing::None && !s.text.empty() && !pm2_path) {
    bool literal = true;
    for (size_t i = 0; i < s.text.size() && literal; ++i)
      if (opaque_at(s.text.origin(i))) literal = false;
    if (literal) {
      std::string v = s.text.text();
      while (!v.empty() && v.back() == '\n') v.pop_back();
      literal_value(b, v, fb, quoted, words, fe);  // unquoted output is split into words
      return;
    }
  }
  add_opaque(fb, fe, Origin::CommandOutput, ts_node_end_byte(n) - ts_node_start_byte(n));
  b.dynamic(p.text.slice(ts_node_start_byte(n), ts_node_end_byte(n)), Origin::CommandOutput, s.listing, pm2_path);
}

// $(which pm2), $(command -v pm2), `npm bin -g`/pm2 ...
bool Analyser::names_pm2_binary(const Parse& p, TSNode n, const Ctx& ctx) {
  bool found = false;
  for_each_child(n, [&](TSNode c, const char*) {
    if (found || node_type(c) != "command") return;
    // Only `which`/`command`/`type` calls are evaluated (evaluating every
    // command here would walk nested substitutions twice per level).
    TSNode name = ts_node_child_by_field_name(c, "name", 4);
    if (ts_node_is_null(name)) return;
    std::string_view written = basename_of(src(p, name));
    if (written != "which" && written != "command" && written != "type") return;
    std::vector<EvalWord> argv = command_words(p, c, ctx, false, /*quiet=*/true);
    if (argv.size() >= 2 && argv[0].literal && argv.back().literal && argv.back().value == "pm2") {
      std::string_view cmd = basename_of(argv[0].value);
      if (cmd == "which" || cmd == "command" || cmd == "type") found = true;
    }
  });
  return found;
}

// Evaluates one part of a word into the builder. Parts nest (a string in
// a concatenation, a substitution in a string ...): bounded, and past the
// bound the part is a run-time value.
void Analyser::part(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
                    const Ctx& ctx) {
  if (word_nesting_ >= kMaxWordNesting || stack_.low()) {
    limit_reached(p, n, word_nesting_ >= kMaxWordNesting
                            ? "word parts nested more than " + std::to_string(kMaxWordNesting) +
                                  " deep; the part is taken as unknown"
                            : "a word nested too deeply for the stack; the part is taken as unknown");
    uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    b.dynamic(p.text.slice(s, e), Origin::Other, Listing::None, false);
    return;
  }
  ++word_nesting_;
  part_node(p, n, quoted, b, words, ctx);
  --word_nesting_;
}

void Analyser::part_node(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
                         const Ctx& ctx) {
  std::string_view t = node_type(n);
  uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
  if (t == "word" || t == "number" || t == "extglob_pattern" || t == "regex" || t == "special_variable_name" ||
      t == "variable_name" || t == "test_operator" || t == "file_descriptor") {
    append_bytes(b, decode(p, s, e, quoted ? 's' : 'w'));
    b.touch();
  } else if (t == "raw_string") {
    append_bytes(b, decode(p, s + 1, e > s + 1 ? e - 1 : e, 'r'));
    b.touch();
  } else if (t == "ansi_c_string") {
    append_bytes(b, decode_ansi_c(p, s + 2, e > s + 2 ? e - 1 : e));
    b.touch();
  } else if (t == "string" || t == "translated_string") {
    b.touch();
    string_parts(p, n, b, words, ctx);
  } else if (t == "string_content") {
    append_bytes(b, decode(p, s, e, 's'));
  } else if (t == "concatenation") {
    uint32_t cursor = s;
    for_each_child(n, [&](TSNode c, const char*) {
      uint32_t cs = ts_node_start_byte(c);
      if (cs > cursor) append_bytes(b, decode(p, cursor, cs, quoted ? 's' : 'w'));
      if (ts_node_is_named(c))
        part(p, c, quoted, b, words, ctx);
      else
        append_bytes(b, decode(p, cs, ts_node_end_byte(c), quoted ? 's' : 'w'));
      cursor = ts_node_end_byte(c);
    });
    if (e > cursor) append_bytes(b, decode(p, cursor, e, quoted ? 's' : 'w'));
  } else if (t == "simple_expansion" || t == "expansion") {
    expansion(p, n, quoted, b, words, ctx);
  } else if (t == "command_substitution") {
    substitution(p, n, quoted, b, words, ctx);
  } else if (t == "process_substitution") {
    Stream st = subshell([&] { return visit_sequence(p, n, Stream{}, ctx); });
    add_opaque(fbegin(p, n), fend(p, n), Origin::CommandOutput, e - s);
    b.dynamic(p.text.slice(s, e), Origin::CommandOutput, st.listing, false);
  } else if (t == "arithmetic_expansion" || t == "brace_expression") {
    scan_substitutions(p, n, ctx);
    add_opaque(fbegin(p, n), fend(p, n), Origin::Other, e - s);
    b.dynamic(p.text.slice(s, e), Origin::Other, Listing::None, false);
  } else if (t == "array") {
    for_each_child(n, [&](TSNode c, const char*) {
      if (ts_node_is_named(c)) part(p, c, quoted, b, words, ctx);
    });
  } else {
    // Unknown shapes: keep their text literal, but run what they contain.
    scan_substitutions(p, n, ctx);
    append_bytes(b, decode(p, s, e, 'r'));
  }
}

void Analyser::string_parts(const Parse& p, TSNode n, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx) {
  uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
  const std::string& t = p.text.text();
  uint32_t cursor = s;
  if (cursor < e && t[cursor] == '$') ++cursor;  // $"..."
  if (cursor < e && t[cursor] == '"') ++cursor;
  uint32_t end = (e > cursor && t[e - 1] == '"') ? e - 1 : e;
  for_each_child(n, [&](TSNode c, const char*) {
    if (!ts_node_is_named(c)) return;
    uint32_t cs = ts_node_start_byte(c), ce = ts_node_end_byte(c);
    if (node_type(c) == "string" && node_type(n) == "translated_string") {
      string_parts(p, c, b, words, ctx);
      cursor = ce;
      return;
    }
    if (cs > cursor) append_bytes(b, decode(p, cursor, cs, 's'));
    part(p, c, true, b, words, ctx);
    cursor = ce;
  });
  if (end > cursor) append_bytes(b, decode(p, cursor, end, 's'));
}

namespace {

// One argument, with word splitting of unquoted expansions.
// Brace expansion of an unquoted word: `{stop,delete}`, `app-{a,b}`,
// nested braces; the first `{` with a top-level ',' before its `}`.
// `truncated`: more words than `limit`, or brace groups nested or in a
// row past kMaxBraceGroups (each is a level of recursion); the words made
// so far are in `out`.
void brace_expand(const MappedText& w, std::vector<MappedText>& out, size_t limit, bool& truncated,
                  size_t groups = 0) {
  if (groups > kMaxBraceGroups) {
    truncated = true;
    return;
  }
  const std::string& s = w.text();
  for (size_t open = 0; open < s.size(); ++open) {
    if (s[open] != '{' || (open > 0 && s[open - 1] == '$')) continue;
    int depth = 0;
    std::vector<size_t> commas;
    size_t close = std::string::npos;
    for (size_t k = open + 1; k < s.size(); ++k) {
      if (s[k] == '{') ++depth;
      else if (s[k] == '}' && depth-- == 0) {
        close = k;
        break;
      } else if (s[k] == ',' && depth == 0) {
        commas.push_back(k);
      }
    }
    if (close == std::string::npos) return out.push_back(w);
    if (commas.empty()) continue;
    size_t from = open + 1;
    commas.push_back(close);
    for (size_t c : commas) {
      MappedText alt = w.slice(0, open);
      alt.append(w, from, c);
      alt.append(w, close + 1, w.size());
      if (out.size() >= limit || truncated) {
        truncated = true;
        return;
      }
      brace_expand(alt, out, limit, truncated, groups + 1);
      from = c + 1;
    }
    return;
  }
  out.push_back(w);
}

}  // namespace

std::vector<EvalWord> Analyser::eval_arg(const Parse& p, TSNode n, const Ctx& ctx) {
  bool plain = node_type(n) == "word";
  if (node_type(n) == "concatenation") {
    plain = true;
    for_each_child(n, [&](TSNode c, const char*) { plain = plain && node_type(c) == "word"; });
  }
  if (plain) {
    std::string_view written = src(p, n);
    if (written.find('{') != std::string_view::npos && written.find(',') != std::string_view::npos &&
        written.find('\\') == std::string_view::npos) {
      std::vector<MappedText> alts;
      bool truncated = false;
      brace_expand(p.text.slice(ts_node_start_byte(n), ts_node_end_byte(n)), alts, kMaxLoopValues, truncated);
      if (alts.size() > 1 || truncated) {
        std::vector<EvalWord> words;
        for (const MappedText& alt : alts) {
          WordBuilder b;
          b.literal_mapped(alt);
          if (alt.empty()) continue;  // an empty alternative is no word
          EvalWord w = b.finish(fbegin(p, n), fend(p, n));
          w.source = std::string(written.substr(0, 120));
          words.push_back(std::move(w));
        }
        if (truncated) {
          // The words not made: one more, unknown.
          limit_reached(p, n, "a brace expansion of more than " + std::to_string(kMaxLoopValues) +
                                  " words or " + std::to_string(kMaxBraceGroups) +
                                  " groups; the words after them are taken as unknown");
          WordBuilder b;
          b.dynamic(p.text.slice(ts_node_start_byte(n), ts_node_end_byte(n)), Origin::Other, Listing::None, false);
          words.push_back(b.finish(fbegin(p, n), fend(p, n)));
        }
        return words;
      }
    }
  }
  std::vector<EvalWord> words;
  WordBuilder b;
  skip_empty_ = false;
  part(p, n, false, b, &words, ctx);
  std::string_view t = node_type(n);
  bool unquoted_expansion = t == "simple_expansion" || t == "expansion" || t == "command_substitution";
  if (!b.empty() || (!unquoted_expansion && !skip_empty_)) {
    EvalWord w = b.finish(fbegin(p, n), fend(p, n));
    // An unquoted expansion of an empty value is no word at all.
    if (!(unquoted_expansion && w.literal && w.value.empty())) words.push_back(std::move(w));
  }
  uint32_t nb = fbegin(p, n), ne = fend(p, n);
  std::string_view written = src(p, n);
  bool expanded = written.find('$') != std::string_view::npos || written.find('`') != std::string_view::npos;
  for (EvalWord& w : words) {
    if (expanded && w.literal) w.source = std::string(written.substr(0, 120));
    if (w.file_begin == 0 && w.file_end == 0) {
      w.file_begin = nb;
      w.file_end = ne;
    }
    // A word made of text from elsewhere (a function's argument at its
    // call site) points there.
    if (!w.text.empty()) {
      uint32_t ob = w.text.origin(0), oe = w.text.origin(w.text.size() - 1) + 1;
      if ((ob < nb || ob >= ne) && oe > ob) {
        w.file_begin = ob;
        w.file_end = oe;
      }
    }
  }
  skip_empty_ = false;
  return words;
}

EvalWord Analyser::eval_word(const Parse& p, TSNode n, const Ctx& ctx) {
  WordBuilder b;
  part(p, n, true, b, nullptr, ctx);
  skip_empty_ = false;
  return b.finish(fbegin(p, n), fend(p, n));
}

// The words of a command: name and arguments (prefix assignments apart).
std::vector<EvalWord> Analyser::command_words(const Parse& p, TSNode cmd, const Ctx& ctx, bool with_assignments,
                                              bool quiet, std::vector<TSNode>* assignments,
                                              std::vector<TSNode>* redirects) {
  std::vector<EvalWord> argv;
  (void)with_assignments;
  bool saved = suppress_;
  if (quiet) suppress_ = true;
  // tree-sitter-bash ends a word at a line continuation (`del\<newline>ete`),
  // where the shell only removes the two bytes, and sometimes inside a
  // word: such a word goes on in the next one.
  uint32_t prev_end = 0;
  auto add = [&](std::vector<EvalWord> ws, TSNode c) {
    const std::string& text = p.text.text();
    uint32_t b = ts_node_start_byte(c);
    // Two argument nodes with nothing between them are one word to the
    // shell too (the grammar splits `/[\s\S]*/` after `[`).
    bool continued = !argv.empty() && !ws.empty() && prev_end > 0 &&
                     ((prev_end + 2 == b && text[prev_end] == '\\' && text[prev_end + 1] == '\n') ||
                      prev_end == b);
    prev_end = ts_node_end_byte(c);
    size_t i = 0;
    if (continued) {
      WordBuilder wb;
      append_word(wb, argv.back());
      append_word(wb, ws[0]);
      wb.touch();
      EvalWord joined = wb.finish(argv.back().file_begin, ws[0].file_end);
      if (!argv.back().source.empty() || !ws[0].source.empty()) joined.source = argv.back().source + ws[0].source;
      argv.back() = std::move(joined);
      i = 1;
    }
    for (; i < ws.size(); ++i) argv.push_back(std::move(ws[i]));
  };
  for_each_child(cmd, [&](TSNode c, const char* field) {
    std::string_view t = node_type(c);
    if (t == "variable_assignment") {
      if (assignments) assignments->push_back(c);
      return;
    }
    if (field && std::strcmp(field, "redirect") == 0) {
      if (redirects) redirects->push_back(c);
      return;
    }
    if (t == "command_name") {
      TSNode inner = ts_node_named_child(c, 0);
      if (!ts_node_is_null(inner)) add(eval_arg(p, inner, ctx), inner);
      return;
    }
    if (field && std::strcmp(field, "argument") == 0) {
      add(eval_arg(p, c, ctx), c);
      return;
    }
    if (t == "herestring_redirect" || t == "file_redirect") {
      if (redirects) redirects->push_back(c);
      return;
    }
    if (t == "subshell") visit(p, c, Stream{}, ctx);  // restores the variables itself
  });
  suppress_ = saved;
  return argv;
}

}  // namespace pm2guard::lint::shell

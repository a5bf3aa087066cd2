#include "makefile.h"

#include <tree_sitter/api.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

extern "C" const TSLanguage* tree_sitter_make(void);

namespace pm2guard::lint {

namespace {

struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};
struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};

// A stretch of make text: literal, a variable reference, an automatic
// variable (`@` for `$@`, `@D` for `$(@D)`) or a part only known at run
// time (spelled as a shell expansion of `text`).
struct Piece {
  enum class Kind { Text, Var, Auto, Dynamic } kind;
  std::string text;
};
using Pieces = std::vector<Piece>;

void add_text(Pieces& out, std::string_view s) {
  if (s.empty()) return;
  if (!out.empty() && out.back().kind == Piece::Kind::Text) {
    out.back().text += s;
  } else {
    out.push_back({Piece::Kind::Text, std::string(s)});
  }
}

bool identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// The shell spelling of a run-time part: `${NAME}`.
std::string spelling(std::string_view name) { return "${" + std::string(identifier(name) ? name : "_make") + "}"; }

std::string auto_spelling(std::string_view a) {
  if (a == "@") return "_make_target";
  if (a == "<") return "_make_prerequisite";
  if (a == "^" || a == "+") return "_make_prerequisites";
  if (a == "*") return "_make_stem";
  if (a == "?") return "_make_newer";
  return "_make";
}

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const std::string& w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

// Visits `root`'s subtree in document order, iteratively; `visit(node,
// depth)` returns whether to enter the node's children.
template <class Visit>
void walk(TSNode root, Visit visit) {
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  uint32_t depth = 0;
  for (;;) {
    bool descend = visit(ts_tree_cursor_current_node(&cursor), depth);
    if (descend && ts_tree_cursor_goto_first_child(&cursor)) {
      ++depth;
      continue;
    }
    for (;;) {
      if (depth > 0 && ts_tree_cursor_goto_next_sibling(&cursor)) break;
      if (depth == 0 || !ts_tree_cursor_goto_parent(&cursor)) {
        ts_tree_cursor_delete(&cursor);
        return;
      }
      --depth;
    }
  }
}

bool is(TSNode n, const char* type) { return std::strcmp(ts_node_type(n), type) == 0; }

// The parts of make text that are no literal bytes.
bool special(TSNode n) {
  for (const char* t : {"escape", "variable_reference", "automatic_variable", "substitution_reference", "function_call",
                        "shell_function"}) {
    if (is(n, t)) return true;
  }
  return false;
}

constexpr size_t kMaxDepth = 16;           // recursive variables expanded within variables
constexpr size_t kMaxExpansion = 1 << 16;  // bytes one reference may expand to
constexpr size_t kMaxFileExpansion = 1 << 22;  // and all references of a file together

enum class Flavor { Recursive, Simple, Unknown };
struct Variable {
  Flavor flavor = Flavor::Unknown;
  Pieces value;
  bool command_line = false;
};

// What the automatic variables of a rule's recipe hold.
struct RuleContext {
  std::vector<std::string> targets, prerequisites, order_only;
  bool targets_known = true, prerequisites_known = true, order_only_known = true;
};

class Reader {
 public:
  Reader(const SourceFile& file, Makefile& out, const std::map<std::string, std::string>& command_line)
      : file_(file), out_(out) {
    src_ = file.text;
    // make ends the last line at the end of the file; the grammar needs the
    // line break.
    if (!src_.empty() && src_.back() != '\n') src_ += '\n';
    vars_["MAKE"] = {Flavor::Simple, {{Piece::Kind::Text, "make"}}, false};
    vars_["RM"] = {Flavor::Simple, {{Piece::Kind::Text, "rm -f"}}, false};
    vars_["SHELL"] = {Flavor::Simple, {{Piece::Kind::Text, "/bin/sh"}}, false};
    for (const auto& [name, value] : command_line) vars_[name] = {Flavor::Simple, {{Piece::Kind::Text, value}}, true};
  }

  void read() {
    std::unique_ptr<TSParser, ParserDeleter> parser(ts_parser_new());
    if (!ts_parser_set_language(parser.get(), tree_sitter_make())) return;
    std::unique_ptr<TSTree, TreeDeleter> tree(
        ts_parser_parse_string(parser.get(), nullptr, src_.data(), static_cast<uint32_t>(src_.size())));
    if (!tree) return;
    TSNode root = ts_tree_root_node(tree.get());

    // What the grammar could not read: the outermost ERROR and MISSING nodes.
    walk(root, [&](TSNode n, uint32_t) {
      if (ts_node_is_missing(n)) {
        unread(n, std::string("the Makefile grammar (tree-sitter-make) expected `") + ts_node_type(n) +
                      "` here; what it could not make out around it is not linted");
        return false;
      }
      if (ts_node_is_error(n)) {
        unread(n, "the Makefile grammar (tree-sitter-make) cannot read this part; what it could not make out in "
                  "it is not linted");
        return false;
      }
      return true;
    });

    // Assignments in file order (`:=` expands at once), the targets and
    // prerequisites of each rule as it is read; recipes once the whole file
    // is (make expands them when they run).
    struct Pending {
      size_t rule;
      TSNode recipe;
      RuleContext context;
    };
    std::vector<Pending> pending;
    std::vector<uint8_t> flags;  // per depth: 1 inside a conditional, 2 inside an ERROR
    walk(root, [&](TSNode n, uint32_t depth) {
      flags.resize(depth + 1);
      uint8_t f = depth ? flags[depth - 1] : 0;
      if (is(n, "conditional")) f |= 1;
      if (ts_node_is_error(n)) f |= 2;
      flags[depth] = f;
      if (is(n, "variable_assignment")) {
        assignment(n, f);
        return false;
      }
      if (is(n, "define_directive") || is(n, "shell_assignment")) {
        unknown(ts_node_child_by_field_name(n, "name", 4));
        return false;
      }
      if (is(n, "undefine_directive")) {
        unknown(ts_node_child_by_field_name(n, "variable", 8));
        return false;
      }
      if (is(n, "rule")) {
        if ((f & 2) && ts_node_has_error(n)) return false;  // a broken rule inside a broken part
        RuleContext context;
        TSNode recipe = rule(n, context);
        if (!ts_node_is_null(recipe)) pending.push_back({out_.rules.size() - 1, recipe, std::move(context)});
        return false;
      }
      return true;
    });

    std::string shell = "sh";
    if (std::optional<std::string> s = literal_value("SHELL")) {
      std::string_view path = *s;
      path = path.substr(0, path.find_first_of(" \t"));
      std::string_view base = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
      if (base == "bash") shell = "bash";
    }
    for (Pending& p : pending) {
      MappedText script = recipe(p.recipe, p.context);
      if (script.empty()) continue;
      MakeRule& r = out_.rules[p.rule];
      ScriptUnit unit;
      unit.text = std::move(script);
      unit.shell = shell;
      unit.origin = ScriptOrigin::ShellFile;
      unit.anchor = r.offset;
      unit.label = "target " + (r.targets.empty() ? target_text_[p.rule] : joined(r.targets));
      r.recipe = out_.recipes.size();
      out_.recipes.push_back(std::move(unit));
    }

    if (std::optional<std::string> goal = literal_value(".DEFAULT_GOAL"); goal && !goal->empty()) {
      out_.default_goal = *goal;
    } else {
      for (const MakeRule& r : out_.rules) {
        if (r.targets.empty()) continue;
        const std::string& t = r.targets.front();
        if ((t[0] == '.' && t.find('/') == std::string::npos) || t.find('%') != std::string::npos) continue;
        out_.default_goal = t;
        break;
      }
    }
  }

 private:
  std::string_view text(TSNode n) const {
    return std::string_view(src_).substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
  }

  void unread(TSNode n, std::string message) {
    auto limit = static_cast<uint32_t>(file_.text.size());
    out_.unread.push_back({std::min(ts_node_start_byte(n), limit), std::min(ts_node_end_byte(n), limit),
                           std::move(message)});
  }

  void unknown(TSNode name) {
    if (ts_node_is_null(name) || !is(name, "word")) return;
    Variable& v = vars_[std::string(text(name))];
    if (v.command_line) return;
    v = {Flavor::Unknown, {}, false};
  }

  // The pieces of one special node (escape, reference, function).
  Pieces special_pieces(TSNode n) const {
    Pieces out;
    std::string_view t = text(n);
    if (is(n, "escape")) {
      add_text(out, t == "$$" ? "$" : t);
    } else if (is(n, "variable_reference")) {
      TSNode name = ts_node_named_child_count(n) == 1 ? ts_node_named_child(n, 0) : TSNode{};
      if (!ts_node_is_null(name) && is(name, "word") && text(name) == "|") {
        out.push_back({Piece::Kind::Auto, "|"});  // `$|`, which the grammar takes for a variable
      } else if (!ts_node_is_null(name) && is(name, "word")) {
        out.push_back({Piece::Kind::Var, std::string(text(name))});
      } else {
        out.push_back({Piece::Kind::Dynamic, "_make"});  // a computed name: $($(ENV)_HOST)
      }
    } else if (is(n, "automatic_variable")) {
      std::string_view a = t.substr(1);  // after `$`
      if (!a.empty() && (a.front() == '(' || a.front() == '{')) a = a.substr(1, a.size() >= 2 ? a.size() - 2 : 0);
      out.push_back({Piece::Kind::Auto, std::string(a)});
    } else if (is(n, "function_call")) {
      TSNode fn = ts_node_child_by_field_name(n, "function", 8);
      std::string name = ts_node_is_null(fn) ? "" : std::string(text(fn));
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      // These print (or stop make, or read make text) and expand to nothing.
      if (name == "info" || name == "warning" || name == "error" || name == "eval") return out;
      out.push_back({Piece::Kind::Dynamic, "_make_" + name});
    } else if (is(n, "shell_function")) {
      out.push_back({Piece::Kind::Dynamic, "_make_shell"});
    } else {
      out.push_back({Piece::Kind::Dynamic, "_make"});  // $(VAR:a=b)
    }
    return out;
  }

  // Make text outside recipes (a variable's value, a target or
  // prerequisite) as pieces: a backslash-newline and the blanks around it
  // read as one space, `\#` as `#`, and an unescaped `#` ending the text
  // (the grammar keeps a comment inside a value).
  Pieces pieces_of(TSNode n) const {
    if (special(n)) return special_pieces(n);
    Pieces out;
    bool done = false;
    uint32_t pos = ts_node_start_byte(n);
    auto literal = [&](uint32_t from, uint32_t to) {
      std::string s;
      for (uint32_t i = from; i < to && !done; ++i) {
        char c = src_[i];
        if (c == '\\' && i + 1 < to && (src_[i + 1] == '\n' || (src_[i + 1] == '\r' && i + 2 < to && src_[i + 2] == '\n'))) {
          while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
          if (s.empty() && !out.empty() && out.back().kind == Piece::Kind::Text) {
            std::string& prev = out.back().text;
            while (!prev.empty() && (prev.back() == ' ' || prev.back() == '\t')) prev.pop_back();
          }
          s += ' ';
          i += src_[i + 1] == '\r' ? 2 : 1;
          while (i + 1 < to && (src_[i + 1] == ' ' || src_[i + 1] == '\t')) ++i;
        } else if (c == '\\' && i + 1 < to && src_[i + 1] == '#') {
          s += '#';
          ++i;
        } else if (c == '#') {
          done = true;
        } else {
          s += c;
        }
      }
      add_text(out, s);
    };
    walk(n, [&](TSNode c, uint32_t depth) {
      if (done) return false;
      if (depth == 0 || !special(c)) return true;
      literal(pos, ts_node_start_byte(c));
      if (!done) {
        for (Piece& p : special_pieces(c)) {
          if (p.kind == Piece::Kind::Text) {
            add_text(out, p.text);
          } else {
            out.push_back(std::move(p));
          }
        }
      }
      pos = ts_node_end_byte(c);
      return false;
    });
    if (!done) literal(pos, ts_node_end_byte(n));
    return out;
  }

  std::optional<std::string> auto_value(std::string_view a, const RuleContext& c) const {
    auto dedup = [](const std::vector<std::string>& v) {
      std::vector<std::string> out;
      std::set<std::string> seen;
      for (const std::string& s : v) {
        if (seen.insert(s).second) out.push_back(s);
      }
      return out;
    };
    if (a == "@" && c.targets_known && c.targets.size() == 1) return c.targets[0];
    if (a == "<" && c.prerequisites_known && !c.prerequisites.empty()) return c.prerequisites[0];
    if (a == "^" && c.prerequisites_known) return joined(dedup(c.prerequisites));
    if (a == "+" && c.prerequisites_known) return joined(c.prerequisites);
    if (a == "|" && c.order_only_known) return joined(dedup(c.order_only));
    return std::nullopt;
  }

  // Expands `in` into text and run-time parts. False when the expansion
  // grows past the budget (every piece visited and every byte made costs
  // one) or a variable refers to itself (make stops there too).
  bool expand(const Pieces& in, const RuleContext* context, std::vector<const std::string*>& active, size_t& budget,
              Pieces& out) const {
    for (const Piece& p : in) {
      if (budget == 0) return false;
      --budget;
      switch (p.kind) {
        case Piece::Kind::Text:
          if (p.text.size() > budget) return false;
          budget -= p.text.size();
          add_text(out, p.text);
          break;
        case Piece::Kind::Dynamic:
          if (p.text.size() > budget) return false;
          budget -= p.text.size();
          out.push_back(p);
          break;
        case Piece::Kind::Auto:
          // Outside a recipe (a `:=` value) an automatic variable is empty.
          if (context) {
            if (std::optional<std::string> v = auto_value(p.text, *context)) {
              if (v->size() > budget) return false;
              budget -= v->size();
              add_text(out, *v);
            } else {
              out.push_back({Piece::Kind::Dynamic, auto_spelling(p.text)});
            }
          }
          break;
        case Piece::Kind::Var: {
          auto it = vars_.find(p.text);
          if (it == vars_.end() || it->second.flavor == Flavor::Unknown) {
            out.push_back({Piece::Kind::Dynamic, p.text});
            break;
          }
          for (const std::string* a : active) {
            if (*a == p.text) return false;
          }
          if (active.size() >= kMaxDepth) return false;
          active.push_back(&it->first);
          bool ok = expand(it->second.value, context, active, budget, out);
          active.pop_back();
          if (!ok) return false;
          break;
        }
      }
    }
    return true;
  }

  // The expansion of `in`, or a run-time part when it cannot be had: named
  // after the variable when `in` is one reference, else `name`.
  Pieces expanded(const Pieces& in, const RuleContext* context, std::string_view name) const {
    Pieces out;
    size_t start = std::min(kMaxExpansion, file_budget_);
    size_t budget = start;
    std::vector<const std::string*> active;
    bool ok = expand(in, context, active, budget, out);
    file_budget_ -= start - budget;
    if (!ok) {
      if (in.size() == 1 && in[0].kind == Piece::Kind::Var) return {{Piece::Kind::Dynamic, in[0].text}};
      return {{Piece::Kind::Dynamic, std::string(name)}};
    }
    return out;
  }

  static std::optional<std::string> all_text(const Pieces& p) {
    std::string s;
    for (const Piece& piece : p) {
      if (piece.kind != Piece::Kind::Text) return std::nullopt;
      s += piece.text;
    }
    return s;
  }

  // A variable's value when the file makes it literal text.
  std::optional<std::string> literal_value(const std::string& name) const {
    return all_text(expanded({{Piece::Kind::Var, name}}, nullptr, name));
  }

  void assignment(TSNode n, uint8_t flags) {
    TSNode name_node = ts_node_child_by_field_name(n, "name", 4);
    if (ts_node_is_null(name_node) || !is(name_node, "word")) return;  // a computed name: not followed
    std::string name(text(name_node));
    TSNode parent = ts_node_parent(n);
    bool override = !ts_node_is_null(parent) && is(parent, "override_directive");
    auto it = vars_.find(name);
    bool exists = it != vars_.end();
    if (exists && it->second.command_line && !override) return;  // `make VAR=x` wins
    // A value per target or pattern, or set in a conditional or a part the
    // grammar could not read: not one value.
    if (flags || !ts_node_is_null(ts_node_child_by_field_name(n, "target_or_pattern", 17))) {
      vars_[name] = {Flavor::Unknown, {}, false};
      return;
    }
    TSNode op_node = ts_node_child_by_field_name(n, "operator", 8);
    std::string_view op = ts_node_is_null(op_node) ? "=" : text(op_node);
    TSNode value_node = ts_node_child_by_field_name(n, "value", 5);
    Pieces raw = ts_node_is_null(value_node) ? Pieces{} : pieces_of(value_node);
    if (op == "?=") {
      if (!exists) vars_[name] = {Flavor::Recursive, std::move(raw), false};
    } else if (op == ":=" || op == "::=") {
      vars_[name] = {Flavor::Simple, expanded(raw, nullptr, name), false};
    } else if (op == "+=") {
      if (!exists) {
        vars_[name] = {Flavor::Recursive, std::move(raw), false};
        return;
      }
      Variable& v = it->second;
      if (v.flavor == Flavor::Unknown) return;
      Pieces more = v.flavor == Flavor::Simple ? expanded(raw, nullptr, name) : std::move(raw);
      if (!v.value.empty() && !more.empty()) add_text(v.value, " ");
      for (Piece& p : more) {
        if (p.kind == Piece::Kind::Text) {
          add_text(v.value, p.text);
        } else {
          v.value.push_back(std::move(p));
        }
      }
      v.command_line = false;
    } else {
      vars_[name] = {Flavor::Recursive, std::move(raw), false};
    }
  }

  // The names of a target or prerequisite list; false when some are only
  // known at run time.
  bool names(TSNode list, std::vector<std::string>& out) const {
    bool known = true;
    std::vector<TSNode> items;
    TSTreeCursor cursor = ts_tree_cursor_new(list);
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      do {
        TSNode c = ts_tree_cursor_current_node(&cursor);
        if (ts_node_is_named(c)) items.push_back(c);
      } while (ts_tree_cursor_goto_next_sibling(&cursor));
    }
    ts_tree_cursor_delete(&cursor);
    for (TSNode item : items) {
      std::optional<std::string> s = all_text(expanded(pieces_of(item), nullptr, "_make"));
      if (!s) {
        known = false;
        continue;
      }
      size_t p = 0;
      while (p < s->size()) {
        size_t b = s->find_first_not_of(" \t", p);
        if (b == std::string::npos) break;
        size_t e = s->find_first_of(" \t", b);
        out.push_back(s->substr(b, e == std::string::npos ? std::string::npos : e - b));
        p = e == std::string::npos ? s->size() : e;
      }
    }
    return known;
  }

  // Reads a rule's targets and prerequisites into a new MakeRule; returns
  // its recipe node (null when it has none).
  TSNode rule(TSNode n, RuleContext& context) {
    MakeRule r;
    r.offset = ts_node_start_byte(n);
    TSNode recipe{};
    std::string target_text;
    TSTreeCursor cursor = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      do {
        TSNode c = ts_tree_cursor_current_node(&cursor);
        const char* field = ts_tree_cursor_current_field_name(&cursor);
        std::string_view f = field ? field : "";
        if (is(c, "targets")) {
          target_text = std::string(text(c));
          while (!target_text.empty() && (target_text.back() == ' ' || target_text.back() == '\t')) target_text.pop_back();
          context.targets_known = !ts_node_has_error(c) && names(c, r.targets);
        } else if (f == "normal") {
          context.prerequisites_known = !ts_node_has_error(c) && names(c, r.prerequisites);
        } else if (f == "order_only") {
          context.order_only_known = !ts_node_has_error(c) && names(c, r.order_only);
        } else if (f == "target" || f == "prerequisite") {
          context.prerequisites_known = false;  // a static pattern rule: per-target prerequisites
        } else if (is(c, "::")) {
          r.double_colon = true;
        } else if (is(c, "recipe")) {
          recipe = c;
        }
      } while (ts_tree_cursor_goto_next_sibling(&cursor));
    }
    ts_tree_cursor_delete(&cursor);
    context.targets = r.targets;
    context.prerequisites = r.prerequisites;
    context.order_only = r.order_only;
    out_.rules.push_back(std::move(r));
    target_text_.push_back(std::move(target_text));
    return recipe;
  }

  // Appends `s`, the expansion of the reference at [begin, end), to `m`:
  // the run-time spelling of the reference itself byte for byte when it has
  // the reference's length, anything else at the reference (its last byte
  // at the reference's last byte, so that a word ending the expansion ends
  // where the reference does).
  static void append_expansion(MappedText& m, const std::string& s, bool own_spelling, uint32_t begin, uint32_t end) {
    if (s.empty()) return;
    if (own_spelling && s.size() == end - begin) {
      m.append(s, begin);
      return;
    }
    m.append_anchored(std::string_view(s).substr(0, s.size() - 1), begin);
    m.append(s.back(), end - 1);
  }

  // One recipe line as make hands it to the shell.
  MappedText recipe_line(TSNode line, const RuleContext& context) const {
    MappedText m = MappedText::verbatim("", ts_node_start_byte(line));
    uint32_t pos = ts_node_start_byte(line);
    auto literal = [&](uint32_t from, uint32_t to) {
      for (uint32_t i = from; i < to; ++i) {
        char c = src_[i];
        bool crlf = c == '\\' && i + 2 < to && src_[i + 1] == '\r' && src_[i + 2] == '\n';
        if (c == '\\' && i + 1 < to && (src_[i + 1] == '\n' || crlf)) {
          // Kept for the shell; the continued line's recipe tab is not.
          m.append('\\', i);
          i += crlf ? 2 : 1;
          m.append('\n', i);
          if (i + 1 < to && src_[i + 1] == '\t') ++i;
          continue;
        }
        m.append(c, i);
      }
    };
    walk(line, [&](TSNode c, uint32_t depth) {
      if (depth == 0 || !special(c)) return true;
      uint32_t b = ts_node_start_byte(c), e = ts_node_end_byte(c);
      literal(pos, b);
      pos = e;
      if (is(c, "escape")) {
        std::string_view t = text(c);
        if (t == "$$") {
          m.append('$', b);
        } else {
          m.append(t, b);
        }
        return false;
      }
      Pieces p = expanded(special_pieces(c), &context, "_make");
      bool own = p.size() == 1 && p[0].kind == Piece::Kind::Dynamic;
      std::string s;
      for (const Piece& piece : p) s += piece.kind == Piece::Kind::Text ? piece.text : spelling(piece.text);
      append_expansion(m, s, own, b, e);
      return false;
    });
    literal(pos, ts_node_end_byte(line));
    // The prefixes make reads itself: `@` (silent), `-` (ignore errors),
    // `+` (run under -n too), with blanks between them.
    size_t start = 0;
    const std::string& t = m.text();
    while (start < t.size() && (t[start] == '@' || t[start] == '-' || t[start] == '+' || t[start] == ' ' || t[start] == '\t'))
      ++start;
    return start ? m.slice(start, m.size()) : m;
  }

  // A recipe's lines (those of conditionals in it included), one per line.
  MappedText recipe(TSNode node, const RuleContext& context) const {
    MappedText script;
    uint32_t previous_end = 0;
    bool first = true;
    walk(node, [&](TSNode c, uint32_t depth) {
      if (depth == 0) return true;
      if (ts_node_is_error(c)) return false;
      if (!is(c, "recipe_line")) return true;
      if (ts_node_has_error(c)) return false;  // reported as unread
      MappedText line = recipe_line(c, context);
      if (line.empty()) return false;
      if (!first) script.append('\n', previous_end);
      script.append(line);
      previous_end = std::min(ts_node_end_byte(c), static_cast<uint32_t>(file_.text.size()));
      first = false;
      return false;
    });
    return script;
  }

  const SourceFile& file_;
  Makefile& out_;
  std::string src_;
  std::map<std::string, Variable> vars_;
  std::vector<std::string> target_text_;  // per rule: its targets as written
  mutable size_t file_budget_ = kMaxFileExpansion;  // what all expansions of the file may still cost
};

}  // namespace

Makefile read_makefile(const SourceFile& file, const std::map<std::string, std::string>& command_line) {
  Makefile out;
  if (file.text.size() >= UINT32_MAX - 1) return out;
  Reader reader(file, out, command_line);
  reader.read();
  return out;
}

std::vector<size_t> Makefile::recipes_for(std::string_view target) const {
  std::vector<size_t> double_colon;
  size_t single = npos;
  for (const MakeRule& r : rules) {
    if (std::find(r.targets.begin(), r.targets.end(), target) == r.targets.end()) continue;
    if (r.double_colon) {
      if (r.recipe != npos) double_colon.push_back(r.recipe);
    } else if (r.recipe != npos) {
      single = r.recipe;  // a later recipe overrides an earlier one
    }
  }
  if (!double_colon.empty()) return double_colon;
  if (single != npos) return {single};
  return {};
}

std::vector<std::string> Makefile::prerequisites_of(std::string_view target) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (bool order_only : {false, true}) {
    for (const MakeRule& r : rules) {
      if (std::find(r.targets.begin(), r.targets.end(), target) == r.targets.end()) continue;
      for (const std::string& p : order_only ? r.order_only : r.prerequisites) {
        if (seen.insert(p).second) out.push_back(p);
      }
    }
  }
  return out;
}

}  // namespace pm2guard::lint

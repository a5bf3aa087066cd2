#include "shell_analysis.h"

#include <tree_sitter/api.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>

#include "bash_escapes.h"
#include "command_knowledge.h"
#include "expr_mask.h"
#include "pm2_cli.h"
#include "stack_budget.h"

extern "C" const TSLanguage* tree_sitter_bash(void);

namespace pm2guard::lint {

namespace {

// How deep nested shells and function calls may go, how many values a loop
// is unrolled over, and how many statements one script may cost: bounds that
// keep pathological input linear without losing real cases. Every bound
// reached is reported where it is reached (a shell-parse-error warning
// naming it), and the analysis goes on as far as it can: a limit never
// turns a finding into silence.
constexpr int kMaxDepth = 32;
constexpr size_t kMaxLoopValues = 32;
constexpr size_t kStatementBudget = 200000;
constexpr int kMaxNesting = 200;  // statements within statements (stack depth)
constexpr size_t kMaxSplits = kStatementBudget;  // statements split where the grammar merged them
constexpr int kMaxWordNesting = 100;   // word parts within word parts
constexpr int kMaxWrappers = 256;      // commands run by commands (`sudo nohup env ... pm2`)
constexpr size_t kMaxBraceGroups = 64;  // brace groups expanded in one word
constexpr size_t kMaxPrintfOutput = 1 << 20;  // bytes of printf output followed
constexpr size_t kMaxLimitReports = 64;  // distinct places a limit is reported at, per script
// Whatever the bounds above, the analysis stops short of the end of the
// thread's stack: this much is kept free.
constexpr size_t kStackReserve = 1 << 20;

// The strongest claim wins: unfiltered, then unknown, then filtered.
Listing merge(Listing a, Listing b) {
  if (a == Listing::Unfiltered || b == Listing::Unfiltered) return Listing::Unfiltered;
  if (a == Listing::Unknown || b == Listing::Unknown) return Listing::Unknown;
  if (a == Listing::Filtered || b == Listing::Filtered) return Listing::Filtered;
  return Listing::None;
}

/// Data flowing into or out of a command: whether it is a process listing,
/// and its exact text when statically known (a heredoc, an echo).
struct Stream {
  Listing listing = Listing::None;
  bool has_text = false;
  MappedText text;
};

struct EvalWord {
  std::string value;  // literal value, or the spelling of a dynamic word
  bool literal = true;
  std::string prefix, suffix;
  Origin origin = Origin::Literal;
  Listing listing = Listing::None;
  bool pm2_path = false;  // the value names the pm2 binary ($(which pm2))
  MappedText text;        // the value for nested shells; dynamic parts as spelled
  uint32_t file_begin = 0, file_end = 0;
  std::string source;     // the word as written, when an expansion made its value
  std::vector<std::string> may_be;  // dynamic: values known to be possible (Word::may_be)
  bool may_be_complete = false;     // ... and no other value is
};

struct VarValue {
  enum Kind { Literal, Dynamic, Array } kind = Dynamic;
  std::string value;             // Literal
  std::vector<std::string> items;  // Array
  std::string spelling;          // Dynamic
  Listing listing = Listing::None;
  Origin origin = Origin::Variable;
  bool pm2_path = false;
  std::vector<std::string> may_be;  // Dynamic: values it takes on some path
  bool may_be_complete = false;     // Dynamic: every path gave it one of may_be
  /// In the environment of child processes (export, declare -x, `X=1 cmd`,
  /// the workflow's env:, set -a); only these reach `bash -c '...'`.
  bool exported = false;
};

/// A shell's variables: the constants a script starts with (the workflow's
/// env:, shared and never copied) under what the script itself sets or
/// unsets. Copying a table, as every subshell, branch and pipeline stage
/// does, costs what the script set, not the size of its environment.
class VarTable {
 public:
  using Map = std::map<std::string, VarValue>;
  VarTable() = default;
  explicit VarTable(std::shared_ptr<const Map> base) : base_(std::move(base)) {}

  const VarValue* find(const std::string& name) const {
    auto it = own_.find(name);
    if (it != own_.end()) return it->second ? &*it->second : nullptr;
    return from_base(name);
  }
  /// The variable to change in place, or null when it is not set.
  VarValue* find_mut(const std::string& name) {
    auto it = own_.find(name);
    if (it != own_.end()) return it->second ? &*it->second : nullptr;
    const VarValue* b = from_base(name);
    return b ? &*own_.emplace(name, *b).first->second : nullptr;
  }
  /// The variable, set (to an unknown value) if it was not.
  VarValue& operator[](const std::string& name) {
    auto it = own_.find(name);
    if (it == own_.end()) {
      const VarValue* b = from_base(name);
      it = own_.emplace(name, b ? *b : VarValue{}).first;
    }
    if (!it->second) it->second.emplace();
    return *it->second;
  }
  void erase(const std::string& name) {
    if (from_base(name))
      own_[name] = std::nullopt;
    else
      own_.erase(name);
  }
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [name, v] : own_)
      if (v) f(name, *v);
    if (base_)
      for (const auto& [name, v] : *base_)
        if (!own_.count(name)) f(name, v);
  }
  const std::shared_ptr<const Map>& base() const { return base_; }
  const std::map<std::string, std::optional<VarValue>>& own() const { return own_; }

 private:
  const VarValue* from_base(const std::string& name) const {
    if (!base_) return nullptr;
    auto b = base_->find(name);
    return b == base_->end() ? nullptr : &b->second;
  }
  std::shared_ptr<const Map> base_;
  std::map<std::string, std::optional<VarValue>> own_;  // nullopt: unset here
};

constexpr size_t kMaxPossibleValues = 16;

bool same_value(const VarValue& a, const VarValue& b) {
  return a.kind == b.kind && a.value == b.value && a.items == b.items && a.spelling == b.spelling &&
         a.listing == b.listing && a.origin == b.origin && a.pm2_path == b.pm2_path && a.may_be == b.may_be &&
         a.may_be_complete == b.may_be_complete;
}

void add_possible(std::vector<std::string>& to, const std::string& v) {
  if (to.size() < kMaxPossibleValues && std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
}

/// The variables after control flow that took one of several paths (the
/// branches of an `if` or `case`, a loop body run or not, the right side of
/// `&&` or `||` run or not). A variable every path leaves the same keeps its
/// value; otherwise it is only known at run time, and the values the paths
/// gave it are its possible values. A path that did not set it leaves it
/// unknown.
// One variable after several paths: `values` are what the paths that set
// it gave it, `everywhere` whether every path did.
std::optional<VarValue> merge_values(const std::string& name, const std::vector<const VarValue*>& values,
                                     bool everywhere) {
  if (values.empty()) return std::nullopt;
  bool exported = false;
  for (const VarValue* v : values) exported = exported || v->exported;
  if (everywhere && std::all_of(values.begin(), values.end(),
                                [&](const VarValue* v) { return same_value(*v, *values[0]); })) {
    VarValue out = *values[0];
    out.exported = exported;
    return out;
  }
  VarValue m;
  m.kind = VarValue::Dynamic;
  m.spelling = "$" + name;
  m.exported = exported;
  m.may_be_complete = everywhere;
  for (const VarValue* v : values) {
    if (v->kind == VarValue::Array || (v->kind == VarValue::Dynamic && !v->may_be_complete))
      m.may_be_complete = false;
    m.listing = merge(m.listing, v->listing);
    m.pm2_path = m.pm2_path || v->pm2_path;
    if (v->kind == VarValue::Literal) add_possible(m.may_be, v->value);
    for (const std::string& item : v->items) add_possible(m.may_be, item);
    for (const std::string& p : v->may_be) add_possible(m.may_be, p);
  }
  if (m.may_be.size() >= kMaxPossibleValues) m.may_be_complete = false;
  return m;
}

/// The variables after control flow that took one of several paths (the
/// branches of an `if` or `case`, a loop body run or not, the right side of
/// `&&` or `||` run or not). A variable every path leaves the same keeps its
/// value; otherwise it is only known at run time, and the values the paths
/// gave it are its possible values. A path that did not set it leaves it
/// unknown. Only the names some path set or unset are merged: the constants
/// the paths share are left as they are.
VarTable merge_paths(const std::vector<VarTable>& paths) {
  if (paths.size() == 1) return paths[0];
  bool shared = std::all_of(paths.begin(), paths.end(),
                            [&](const VarTable& t) { return t.base() == paths[0].base(); });
  std::set<std::string> names;
  for (const VarTable& t : paths) {
    if (shared) {
      for (const auto& [name, v] : t.own()) names.insert(name);
    } else {
      t.for_each([&](const std::string& name, const VarValue&) { names.insert(name); });
    }
  }
  VarTable out = shared ? VarTable(paths[0].base()) : VarTable();
  for (const std::string& name : names) {
    std::vector<const VarValue*> values;
    bool everywhere = true;
    for (const VarTable& t : paths) {
      if (const VarValue* v = t.find(name))
        values.push_back(v);
      else
        everywhere = false;
    }
    if (std::optional<VarValue> m = merge_values(name, values, everywhere))
      out[name] = std::move(*m);
    else
      out.erase(name);
  }
  return out;
}

struct Parse {
  MappedText text;
  TSTree* tree = nullptr;
  std::vector<std::string> via;
  /// A function defined in it may still be called: its tree is kept.
  mutable bool pinned = false;
  Parse() = default;
  Parse(const Parse&) = delete;
  Parse& operator=(const Parse&) = delete;
  ~Parse() {
    if (tree) ts_tree_delete(tree);
  }
};

struct Function {
  const Parse* parse = nullptr;
  TSNode body{};
  bool called = false;
};

struct Ctx {
  std::vector<std::string> via;
  bool remote = false;
};

// Node type names, looked up by symbol once rather than by name at every
// node (ts_node_type + strlen showed up in profiles).
const std::vector<std::string_view>& symbol_names() {
  static const std::vector<std::string_view> names = [] {
    const TSLanguage* lang = tree_sitter_bash();
    std::vector<std::string_view> v(ts_language_symbol_count(lang));
    for (uint32_t i = 0; i < v.size(); ++i) {
      const char* name = ts_language_symbol_name(lang, static_cast<TSSymbol>(i));
      v[i] = name ? name : "";
    }
    return v;
  }();
  return names;
}

std::string_view node_type(TSNode n) {
  if (ts_node_is_null(n)) return {};
  TSSymbol s = ts_node_symbol(n);
  const auto& names = symbol_names();
  return s < names.size() ? names[s] : std::string_view(ts_node_type(n));
}

// Tree cursors, one per level of for_each_child calls in progress, kept
// for the thread's life: a cursor holds a heap-allocated stack, and the
// walk visits children at every node.
class CursorPool {
 public:
  ~CursorPool() {
    for (TSTreeCursor& c : cursors_) ts_tree_cursor_delete(&c);
  }
  TSTreeCursor* take(TSNode n) {
    if (used_ == cursors_.size()) {
      cursors_.push_back(ts_tree_cursor_new(n));
    } else {
      ts_tree_cursor_reset(&cursors_[used_], n);
    }
    return &cursors_[used_++];
  }
  void give_back() { --used_; }

 private:
  std::deque<TSTreeCursor> cursors_;  // stable addresses while the pool grows
  size_t used_ = 0;
};

template <typename F>
void for_each_child(TSNode n, F&& f) {
  static thread_local CursorPool pool;
  TSTreeCursor* c = pool.take(n);
  struct Release {
    CursorPool& p;
    ~Release() { p.give_back(); }
  } release{pool};
  if (ts_tree_cursor_goto_first_child(c)) {
    do {
      f(ts_tree_cursor_current_node(c), ts_tree_cursor_current_field_name(c));
    } while (ts_tree_cursor_goto_next_sibling(c));
  }
}

bool is_statement_type(std::string_view t) {
  return t == "command" || t == "pipeline" || t == "list" || t == "redirected_statement" || t == "subshell" ||
         t == "compound_statement" || t == "if_statement" || t == "while_statement" || t == "for_statement" ||
         t == "c_style_for_statement" || t == "case_statement" || t == "function_definition" ||
         t == "negated_command" || t == "variable_assignment" || t == "variable_assignments" ||
         t == "declaration_command" || t == "unset_command" || t == "test_command" || t == "ERROR";
}

/// Accumulates one word from its parts: literal pieces (each byte with the
/// file offset it came from) and dynamic pieces (a spelling).
class WordBuilder {
 public:
  void literal(char c, uint32_t origin) {
    w_.value += c;
    w_.text.append(c, origin);
    if (!seen_dynamic_) w_.prefix += c;
    tail_ += c;
    ++parts_literal_;
  }
  void literal_anchored(std::string_view s, uint32_t origin) {
    w_.value += s;
    w_.text.append_anchored(s, origin);
    if (!seen_dynamic_) w_.prefix += s;
    tail_ += s;
    parts_literal_ += s.size();
  }
  void literal_mapped(const MappedText& m) {
    for (size_t i = 0; i < m.size(); ++i) literal(m.text()[i], m.origin(i));
  }
  void dynamic(const MappedText& spelling, Origin origin, Listing listing, bool pm2_path,
               const std::vector<std::string>& may_be = {}, bool may_be_complete = false) {
    if (!seen_dynamic_ && parts_literal_ == 0) {
      first_origin_ = origin;
      first_listing_ = listing;
      first_pm2_path_ = pm2_path;
    }
    if (dynamic_parts_ == 0) {
      may_be_ = may_be;
      may_be_complete_ = may_be_complete;
    }
    ++dynamic_parts_;
    seen_dynamic_ = true;
    w_.literal = false;
    w_.text.append(spelling);
    tail_.clear();
  }
  bool empty() const { return w_.text.empty() && parts_literal_ == 0 && dynamic_parts_ == 0 && !touched_; }
  void touch() { touched_ = true; }  // "" is a word
  EvalWord finish(uint32_t fb, uint32_t fe) {
    EvalWord w = std::move(w_);
    w.file_begin = fb;
    w.file_end = fe;
    if (!w.literal) {
      w.suffix = tail_;
      w.value = w.text.text();
      // One unknown part between known text: each possible value of the
      // part, with that text around it.
      if (dynamic_parts_ == 1)
        for (const std::string& v : may_be_) w.may_be.push_back(w.prefix + v + tail_);
      w.may_be_complete = dynamic_parts_ == 1 && may_be_complete_ && !w.may_be.empty();
      if (dynamic_parts_ == 1 && parts_literal_ == 0) {
        w.origin = first_origin_;
        w.listing = first_listing_;
        w.pm2_path = first_pm2_path_;
      } else {
        w.origin = first_origin_ == Origin::Literal ? Origin::Other : first_origin_;
        w.pm2_path = first_pm2_path_ && dynamic_parts_ == 1 && !tail_.empty();
      }
    }
    reset();
    return w;
  }
  void reset() {
    w_ = EvalWord{};
    tail_.clear();
    seen_dynamic_ = false;
    parts_literal_ = 0;
    dynamic_parts_ = 0;
    touched_ = false;
    first_origin_ = Origin::Literal;
    first_listing_ = Listing::None;
    first_pm2_path_ = false;
    may_be_.clear();
    may_be_complete_ = false;
  }

 private:
  std::vector<std::string> may_be_;
  bool may_be_complete_ = false;
  EvalWord w_;
  std::string tail_;
  bool seen_dynamic_ = false;
  size_t parts_literal_ = 0;
  size_t dynamic_parts_ = 0;
  bool touched_ = false;
  Origin first_origin_ = Origin::Literal;
  Listing first_listing_ = Listing::None;
  bool first_pm2_path_ = false;
};

bool is_ifs(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Whether `s` nests unescaped parentheses more than kMaxRegexGroups deep.
constexpr size_t kMaxRegexGroups = 1000;
bool deeply_grouped(const std::string& s) {
  size_t depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '(' && ++depth > kMaxRegexGroups) return true;
    else if (s[i] == ')' && depth > 0) --depth;
  }
  return false;
}

const std::string kDepthLimit = "shells and function calls nested more than " + std::to_string(kMaxDepth) +
                                " deep; pm2 calls inside are not checked";

// One tree-sitter-bash parser per thread, for every script it analyses.
TSParser* thread_parser() {
  struct Holder {
    TSParser* p = ts_parser_new();
    Holder() { ts_parser_set_language(p, tree_sitter_bash()); }
    ~Holder() { ts_parser_delete(p); }
  };
  static thread_local Holder h;
  ts_parser_reset(h.p);
  return h.p;
}

class Analyser {
 public:
  Analyser(const SourceFile& file, ShellSink& sink) : file_(file), sink_(sink) {
    parser_ = thread_parser();
  }

  void run(const ScriptUnit& unit) {
    contexts_ = &unit.contexts.get();
    MappedText text = unit.text;
    for (Expression& e : mask_expressions(text)) {
      add_opaque(e.file_begin, e.file_end, Origin::Expression, e.text.size());
      expressions_[e.file_begin] = e.text;
    }
    // The scripts of a job share one env: its table of variables is made
    // once per thread for as long as they come one after another.
    struct EnvCache {
      SharedMap<EnvMap> env;
      SharedMap<ContextMap> contexts;
      std::shared_ptr<const VarTable::Map> vars;
    };
    static thread_local EnvCache cache;
    if (!(cache.vars && cache.env.shares_with(unit.env) && cache.contexts.shares_with(unit.contexts))) {
      cache = EnvCache{unit.env, unit.contexts, initial_variables(unit.env)};
    }
    vars_ = VarTable(cache.vars);
    Ctx ctx;
    if (!unit.action.empty()) {
      ctx.via.push_back(unit.action);
      ctx.remote = true;
    }
    run_text(std::move(text), ctx, Stream{});
    // Functions never called are still checked once, their arguments
    // unknown; until none is left, as checking one may define more
    // (`f() { g() { pm2 kill; }; }`). Each body is checked once.
    std::set<std::pair<const Parse*, uint32_t>> checked;
    for (bool more = true; more;) {
      more = false;
      std::vector<std::string> uncalled;
      for (const auto& [name, fn] : functions_)
        if (!fn.called) uncalled.push_back(name);
      for (const std::string& name : uncalled) {
        auto it = functions_.find(name);
        if (it == functions_.end() || it->second.called) continue;
        Function f = it->second;  // the visit may redefine it
        it->second.called = true;
        if (!checked.insert({f.parse, ts_node_start_byte(f.body)}).second) continue;
        positional_.push_back({});
        Ctx fctx;
        fctx.via = f.parse->via;
        visit(*f.parse, f.body, Stream{}, fctx);
        positional_.pop_back();
        more = true;
      }
    }
  }

 private:
  // The workflow's env: as the variables a script starts with.
  std::shared_ptr<const VarTable::Map> initial_variables(const EnvMap& unit_env) const {
    auto env = std::make_shared<VarTable::Map>();
    for (const auto& [name, v] : unit_env) {
      VarValue val;
      if (v.literal) {
        val.kind = VarValue::Literal;
        val.value = v.value;
      } else {
        val.kind = VarValue::Dynamic;
        val.spelling = v.value;
        val.origin = Origin::Expression;
        // `env: APP: ${{ inputs.app || 'all' }}`
        if (v.value.rfind("${{", 0) == 0 && v.value.find("${{", 3) == std::string::npos &&
            v.value.size() >= 5 && v.value.compare(v.value.size() - 2, 2, "}}") == 0)
          val.may_be = possible_values(v.value, val.may_be_complete);
      }
      val.exported = true;  // the runner's (or the remote session's) environment
      env->emplace_hint(env->end(), name, std::move(val));
    }
    return env;
  }

  // ------------------------------------------------------------------ parsing

  // Parses and walks a text; returns what its commands write to stdout.
  Stream run_text(MappedText text, const Ctx& ctx, const Stream& in) {
    if (depth_ >= kMaxDepth) {
      limit_reached_at(text.empty() ? 0 : text.origin(0), kDepthLimit);
      return {};
    }
    // A CR before a line break is a stray byte to the shell, but in a script
    // checked out with CRLF line ends it is noise: blank it in place.
    for (size_t i = 0; i + 1 < text.size(); ++i)
      if (text.text()[i] == '\r' && text.text()[i + 1] == '\n') text.set(i, ' ');
    ++depth_;
    Stream out = parse_and_visit(text, ctx, in);
    --depth_;
    return out;
  }

  // ------------------------------------------------------ windowed parsing
  //
  // One tree for a whole script costs tree-sitter about 40 bytes per byte of
  // script, and its GLR parse goes superlinear where tree-sitter-bash runs
  // statements on across line breaks (#347). A text is therefore parsed in
  // windows of whole statements: a window of up to kWindow bytes, ending at
  // a line break, is parsed under an operations budget; its top-level
  // statements are walked, except the last (the window's end may have cut
  // it), and the next window starts where that one starts. A window whose
  // parse runs over its budget is halved; one that holds no whole statement
  // is doubled, up to the rest of the text. The trees of walked windows are
  // freed unless a function defined in them may still be called.

  // Windows start small and double while the text parses as ordinary
  // statements; where the grammar runs statements on across line breaks, its
  // parse costs superlinear time in the window (ts_subtree_compare on ever
  // larger ambiguous subtrees, which no operation count shows), so the
  // windows go back to the smallest size there.
  static constexpr uint32_t kStartWindow = 8 * 1024;
  static constexpr uint32_t kWindow = 64 * 1024;
  static constexpr uint32_t kMinWindow = 2 * 1024;
  static constexpr uint32_t kMaxWindow = 1024 * 1024;
  // tree-sitter calls the progress callback about once per 100 parse
  // operations: ordinary shell takes about 7 calls per KiB, statements the
  // grammar merges about 100. A window over budget is only parsed again in
  // smaller windows: the statements found are the same.
  static constexpr uint64_t kOpsCallsPerKiB = 64;
  static constexpr uint64_t kOpsCallsConstant = 2000;

  struct ParseBudget {
    uint64_t calls = 0, limit = 0;
  };
  static bool over_budget(TSParseState* state) {
    auto* b = static_cast<ParseBudget*>(state->payload);
    return ++b->calls > b->limit;
  }
  static const char* read_text(void* payload, uint32_t at, TSPoint, uint32_t* n) {
    const std::string& t = *static_cast<const std::string*>(payload);
    if (at >= t.size()) {
      *n = 0;
      return "";
    }
    *n = static_cast<uint32_t>(t.size() - at);
    return t.data() + at;
  }
  // Null when the parse ran over its budget.
  TSTree* parse_budgeted(const std::string& text) {
    ParseBudget budget;
    budget.limit = kOpsCallsConstant + kOpsCallsPerKiB * (text.size() / 1024 + 1);
    TSInput input{const_cast<std::string*>(&text), read_text, TSInputEncodingUTF8, nullptr};
    TSParseOptions options{&budget, over_budget};
    TSTree* tree = ts_parser_parse_with_options(parser_, nullptr, input, options);
    if (!tree) ts_parser_reset(parser_);
    return tree;
  }

  // The end of a window starting at `s` of about `w` bytes, past `min_end`:
  // just after the last line break in the window's second half, or else the
  // first within another window's length; on a longer line, at s + w itself
  // (a window's last statement is never taken as whole, so a cut anywhere
  // is safe; a line break is only the likelier end of a statement).
  static uint32_t window_end(const std::string& t, uint32_t s, uint32_t w, uint32_t min_end) {
    uint32_t n = static_cast<uint32_t>(t.size());
    if (n - s <= w) return n;
    uint32_t lo = std::max(min_end, s + w / 2);
    size_t nl = t.rfind('\n', s + w - 1);
    if (nl != std::string::npos && nl >= s && nl + 1 > lo) return static_cast<uint32_t>(nl) + 1;
    uint32_t from = std::max(s + w, min_end);
    nl = t.find('\n', from);
    if (nl != std::string::npos && nl - from < w) return static_cast<uint32_t>(nl) + 1;
    return std::min(n, std::max(s + w, min_end + 1));
  }

  Stream parse_and_visit(const MappedText& text, const Ctx& ctx, const Stream& in) {
    Stream out;
    auto add = [&](const Stream& st) {
      out.listing = merge(out.listing, st.listing);
      if (st.has_text) {
        out.has_text = true;
        out.text.append(st.text);
      }
    };
    const std::string& t = text.text();
    const uint32_t n = static_cast<uint32_t>(t.size());
    uint32_t s = 0, w = kStartWindow, next = kStartWindow;
    bool halved = false;  // a larger window at `s` ran over its budget
    uint32_t min_end = 0;  // a window larger than the last, when that held no whole statement
    bool rest_whole = false;
    while (s < n) {
      uint32_t e = window_end(t, s, w, min_end);
      bool last = e == n;
      auto p = std::make_unique<Parse>();
      p->text = s == 0 && last ? text : text.slice(s, e);
      p->via = ctx.via;
      // The smallest window is parsed whatever it costs: a bounded cost.
      if (e - s <= kMinWindow || rest_whole)
        p->tree = ts_parser_parse_string(parser_, nullptr, p->text.text().data(), e - s);
      else
        p->tree = parse_budgeted(p->text.text());
      if (!p->tree) {
        w = std::max<uint32_t>(kMinWindow, (e - s) / 2);
        min_end = s;
        halved = true;
        continue;
      }
      size_t first_parse = parses_.size();
      parses_.push_back(std::move(p));
      const Parse& parse = *parses_.back();
      TSNode root = ts_tree_root_node(parse.tree);
      uint32_t resume = static_cast<uint32_t>(parse.text.size());  // relative to the window
      if (last) {
        if (ts_node_has_error(root)) report_first_error(parse, root);
        add(visit(parse, root, in, ctx));
      } else {
        // The window's top-level statements but the last, and none from
        // the line of the first parse error on: the cut can disturb what
        // comes before the error on its line (`cat <<EOF` cut after its
        // line parses as `cat` and an ERROR at `<<EOF`).
        uint32_t error_at = UINT32_MAX;
        if (ts_node_has_error(root)) {
          error_at = first_error_byte(root);
          size_t nl = error_at == 0 ? std::string::npos : parse.text.text().rfind('\n', error_at - 1);
          error_at = nl == std::string::npos ? 0 : static_cast<uint32_t>(nl);
        }
        std::vector<TSNode> all;
        for_each_child(root, [&](TSNode c, const char*) {
          if (ts_node_is_named(c)) all.push_back(c);
        });
        std::vector<TSNode> whole(all.begin(), all.empty() ? all.end() : all.end() - 1);
        while (!whole.empty() && ts_node_end_byte(whole.back()) >= error_at) whole.pop_back();
        std::optional<uint32_t> cut;
        if (!whole.empty()) {
          for (TSNode c : whole) add(visit_statement(parse, c, in, ctx));
          resume = ts_node_start_byte(all[whole.size()]);  // after the separator (`;`, `&`)
          next = std::min<uint32_t>(kWindow, std::max(next, e - s) * 2);
        } else if ((cut = merged_prefix(parse, root, error_at))) {
          // One statement the grammar ran on across line breaks: the part
          // up to its last break is whole.
          add(run_pieces(parse, ts_node_start_byte(all.front()), *cut, in, ctx));
          resume = *cut + 1;
          next = kMinWindow;
        } else if (!halved && e - s < kMaxWindow) {
          // No whole statement in the window: a larger one.
          parses_.pop_back();
          w = std::min<uint32_t>(n - s, (e - s) * 2);
          min_end = e;
          continue;
        } else {
          // A statement larger than any window, or one whose windows all ran
          // over their budget: the rest of the text in one parse, whatever
          // it costs (cutting the statement could make its pieces costlier).
          parses_.pop_back();
          rest_whole = true;
          w = n - s;
          continue;
        }
      }
      release_parses(first_parse);
      s += std::max<uint32_t>(resume, 1);
      min_end = s;
      w = next;
      halved = false;
    }
    return out;
  }

  // The last line break, before `limit`, at which the grammar ran a
  // statement (the window's first) on: the start of the rest.
  std::optional<uint32_t> merged_prefix(const Parse& p, TSNode root, uint32_t limit) {
    if (ts_node_named_child_count(root) == 0) return std::nullopt;
    TSNode first = ts_node_named_child(root, 0);
    std::vector<uint32_t> breaks = merged_newlines(p, first, kMaxSplits);
    while (!breaks.empty() && breaks.back() >= limit) breaks.pop_back();
    if (breaks.empty()) return std::nullopt;
    return breaks.back();
  }

  // Frees the trees parsed since `from` that nothing refers to any more.
  void release_parses(size_t from) {
    size_t keep = from;
    for (size_t i = from; i < parses_.size(); ++i)
      if (parses_[i]->pinned) std::swap(parses_[keep++], parses_[i]);
    parses_.resize(keep);
  }

  uint32_t first_error_byte(TSNode root) {
    std::optional<TSNode> first = first_error(root);
    return first ? ts_node_start_byte(*first) : UINT32_MAX;
  }

  // The first ERROR or MISSING node in document order, descending only
  // into subtrees that hold one: iterative, so any nesting depth is fine.
  static std::optional<TSNode> first_error(TSNode root) {
    std::optional<TSNode> first;
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&c);
      if (ts_node_is_error(n) || ts_node_is_missing(n)) {
        first = n;
        break;
      }
      if (ts_node_has_error(n) && ts_tree_cursor_goto_first_child(&c)) continue;
      bool moved = false;
      while (!(moved = ts_tree_cursor_goto_next_sibling(&c)))
        if (!ts_tree_cursor_goto_parent(&c)) break;
      if (!moved) break;
    }
    ts_tree_cursor_delete(&c);
    return first;
  }

  void report_first_error(const Parse& p, TSNode root) {
    std::optional<TSNode> first = first_error(root);
    if (!first) return;
    uint32_t b = ts_node_start_byte(*first);
    uint32_t e = std::max(b + 1, ts_node_end_byte(*first));
    if (e > p.text.size()) e = static_cast<uint32_t>(p.text.size());
    if (b >= p.text.size() && b > 0) b = static_cast<uint32_t>(p.text.size()) - 1;
    std::string what;
    if (ts_node_is_missing(*first)) {
      what = std::string("missing `") + ts_node_type(*first) + "`";
    } else {
      std::string snippet = p.text.text().substr(b, std::min<uint32_t>(e - b, 20));
      size_t nl = snippet.find('\n');
      if (nl != std::string::npos) snippet.resize(nl);
      what = snippet.empty() ? "unexpected end of script" : "cannot parse `" + snippet + "`";
    }
    SourceRange r = range(p.text.origin(b), p.text.origin(b) + 1);
    if (!reported_errors_.insert({r.line, r.col}).second) return;
    std::string where = p.via.empty() ? "" : " (in " + join(p.via, " > ") + ")";
    sink_.parse_problem(r, "shell syntax: " + what + where +
                               "; pm2 calls in the part that does not parse are not checked");
  }

  static std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
  }

  SourceRange range(uint32_t fb, uint32_t fe) const {
    auto [l1, c1] = file_.line_col(fb);
    auto [l2, c2] = file_.line_col(fe > fb ? fe - 1 : fb);
    return SourceRange{l1, c1, l2, c2 + 1};
  }

  uint32_t fbegin(const Parse& p, TSNode n) const { return p.text.origin(ts_node_start_byte(n)); }
  uint32_t fend(const Parse& p, TSNode n) const {
    uint32_t e = ts_node_end_byte(n), b = ts_node_start_byte(n);
    return e > b ? p.text.origin(e - 1) + 1 : p.text.origin(b);
  }

  std::string_view src(const Parse& p, TSNode n) const {
    return std::string_view(p.text.text()).substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
  }

  // -------------------------------------------------------- opaque regions
  //
  // File ranges whose text is only known at run time: CI expressions, and
  // unknown expansions or substitutions spelled into a text that a nested
  // shell parses again. A literal part of a nested word that comes from such
  // a range is dynamic, whatever its quoting in the nested text.

  struct Opaque {
    uint32_t b, e;
    Origin origin;
    std::vector<std::string> may_be;  // the run-time value's possible values
    bool complete = false;
  };

  // Marks [b, e) when that range maps one-to-one onto the node's bytes (an
  // inexact, anchored text would otherwise mark everything).
  void add_opaque(uint32_t b, uint32_t e, Origin o, size_t node_len, const std::vector<std::string>& may_be = {},
                  bool complete = false) {
    if (e <= b || e - b != node_len || e > file_.text.size()) return;
    if (!marked_.insert({b, e}).second) return;
    opaque_.push_back({b, e, o, may_be, complete});
    uint32_t id = static_cast<uint32_t>(opaque_.size());
    // Only the parts of [b, e) no earlier range covers: the first one wins.
    uint32_t at = b;
    auto it = opaque_spans_.upper_bound(b);
    if (it != opaque_spans_.begin() && std::prev(it)->second.end > at) at = std::prev(it)->second.end;
    while (at < e) {
      uint32_t gap_end = it == opaque_spans_.end() ? e : std::min(e, it->first);
      if (gap_end > at) opaque_spans_.emplace_hint(it, at, OpaqueSpan{gap_end, id});
      if (it == opaque_spans_.end() || it->first >= e) break;
      at = std::max(at, it->second.end);
      ++it;
    }
  }
  // The values a CI expression may take: its literal alternatives and what
  // the workflow declares about the references it may evaluate to (a choice
  // input's options, a matrix axis, a constant env). `complete` when the
  // expression is one reference whose values are all known.
  std::vector<std::string> possible_values(const std::string& expr, bool& complete) const {
    std::vector<std::string> out = expression_results(expr);
    complete = false;
    if (!contexts_) return out;
    for (const std::string& ref : expression_result_references(expr)) {
      auto it = contexts_->find(ref);
      if (it == contexts_->end()) continue;
      for (const std::string& v : it->second.values)
        if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    std::string ref = expression_reference(expr);
    if (!ref.empty()) {
      auto it = contexts_->find(ref);
      complete = it != contexts_->end() && it->second.complete && !it->second.values.empty();
    }
    return out;
  }
  // The possible values of a CI expression's opaque range.
  std::vector<std::string> expression_values(const Opaque* op, bool& complete) const {
    complete = false;
    if (op && !op->may_be.empty()) {
      complete = op->complete;
      return op->may_be;
    }
    if (!op || op->origin != Origin::Expression) return {};
    auto it = expressions_.find(op->b);
    return it == expressions_.end() ? std::vector<std::string>{} : possible_values(it->second, complete);
  }
  const Opaque* opaque_at(uint32_t off) const {
    auto it = opaque_spans_.upper_bound(off);
    if (it == opaque_spans_.begin()) return nullptr;
    --it;
    return off < it->second.end ? &opaque_[it->second.id - 1] : nullptr;
  }

  // Appends decoded literal bytes; bytes whose origin is run-time content
  // (a CI expression, an unknown variable substituted into this text) turn
  // into dynamic parts.
  void append_bytes(WordBuilder& b, const std::vector<std::pair<char, uint32_t>>& bytes) {
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

  // ------------------------------------------------------------- statements

  Stream visit(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    if (++statements_ > kStatementBudget) {
      if (!budget_reported_) {
        budget_reported_ = true;
        limit_reached(p, n, "more than " + std::to_string(kStatementBudget) +
                                " statements to analyse in one script; pm2 calls from here on are not checked");
      }
      return {};
    }
    if (nesting_ >= kMaxNesting) {
      limit_reached(p, n, "commands nested more than " + std::to_string(kMaxNesting) +
                              " deep; pm2 calls inside are not checked");
      return {};
    }
    if (stack_exhausted(p, n)) return {};
    // Word parts nest within a statement; a statement inside a word (a
    // substitution) counts as statement nesting.
    int saved_word_nesting = word_nesting_;
    word_nesting_ = 0;
    ++nesting_;
    Stream out = visit_node(p, n, in, ctx);
    --nesting_;
    word_nesting_ = saved_word_nesting;
    return out;
  }

  // An analysis limit is never a silent pass: each limit is reported at
  // each place it is reached (`why` names it and says what is not checked).
  void limit_reached(const Parse& p, TSNode n, const std::string& why) {
    uint32_t b = std::min<uint32_t>(ts_node_start_byte(n), static_cast<uint32_t>(p.text.size()));
    limit_reached_at(p.text.origin(b), why);
  }
  void limit_reached_at(uint32_t file_offset, const std::string& why) {
    if (suppress_) return;
    SourceRange r = range(file_offset, file_offset + 1);
    if (!limits_reported_.insert({r.line, r.col, why}).second) return;
    if (limits_reported_.size() > kMaxLimitReports) {
      if (limits_reported_.size() == kMaxLimitReports + 1)
        sink_.parse_problem(r, fmt_limit("analysis limits were reached at more than " +
                                         std::to_string(kMaxLimitReports) + " places; the others are not listed"));
      return;
    }
    sink_.parse_problem(r, fmt_limit(why));
  }
  static std::string fmt_limit(const std::string& why) { return "analysis limit reached: " + why; }

  // True, and reported at the node, when the thread's stack is nearly used
  // up: a last defence under the explicit bounds, whatever the frames cost.
  bool stack_exhausted(const Parse& p, TSNode n) {
    if (!stack_.low()) return false;
    limit_reached(p, n, "nested too deeply for the stack; pm2 calls inside are not checked");
    return true;
  }

  Stream visit_node(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    std::string_view t = node_type(n);
    if (t == "subshell") return subshell([&] { return visit_sequence(p, n, in, ctx); });
    if (t == "program" || t == "compound_statement" || t == "do_group" || t == "else_clause" || t == "ERROR") {
      return visit_sequence(p, n, in, ctx);
    }
    if (t == "list") return visit_list(p, n, in, ctx);
    if (t == "pipeline") return visit_pipeline(p, n, in, ctx);
    if (t == "command") return visit_command(p, n, in, ctx, {});
    if (t == "redirected_statement") return visit_redirected(p, n, in, ctx);
    if (t == "variable_assignment") {
      assign(p, n, ctx);
      return {};
    }
    if (t == "variable_assignments") {
      for_each_child(n, [&](TSNode c, const char*) {
        if (node_type(c) == "variable_assignment") assign(p, c, ctx);
      });
      return {};
    }
    if (t == "declaration_command") {
      declaration(p, n, ctx);
      return {};
    }
    if (t == "unset_command") {
      for_each_child(n, [&](TSNode c, const char*) {
        if (node_type(c) == "word" || node_type(c) == "variable_name") vars_.erase(std::string(src(p, c)));
      });
      return {};
    }
    if (t == "function_definition") {
      TSNode name = ts_node_child_by_field_name(n, "name", 4);
      TSNode body = ts_node_child_by_field_name(n, "body", 4);
      if (!ts_node_is_null(name) && !ts_node_is_null(body)) {
        Function f;
        f.parse = &p;
        f.body = body;
        p.pinned = true;
        functions_[std::string(src(p, name))] = f;
      }
      return {};
    }
    if (t == "if_statement") return visit_if(p, n, in, ctx);
    if (t == "case_statement") return visit_case(p, n, in, ctx);
    if (t == "elif_clause" || t == "case_item" || t == "c_style_for_statement" || t == "negated_command" ||
        t == "test_command") {
      Stream out;
      for_each_child(n, [&](TSNode c, const char*) {
        if (is_statement_type(node_type(c)) || node_type(c) == "elif_clause" || node_type(c) == "else_clause" ||
            node_type(c) == "case_item" || node_type(c) == "do_group" || node_type(c) == "compound_statement")
          out = visit(p, c, in, ctx);
        else
          scan_substitutions(p, c, ctx);
      });
      return out;
    }
    if (t == "while_statement") return visit_while(p, n, in, ctx);
    if (t == "for_statement") return visit_for(p, n, in, ctx);
    if (t == "comment" || t == "heredoc_body") return {};
    // Anything else (an arithmetic command, a stray word in an ERROR node):
    // commands can still hide in its substitutions.
    scan_substitutions(p, n, ctx);
    return {};
  }

  // tree-sitter-bash sometimes carries a command on across a line break
  // that ends it (a pipeline followed, lines later, by a redirect: upstream
  // issues #347 and #316), silently merging two statements. Such a break
  // shows as an unescaped newline between two children of a node that
  // cannot span lines there.
  // Iterative (an explicit stack): `a && b && ...` nests one list per
  // operator.
  // Every such break in `root`, in document order (at most `max` of them).
  std::vector<uint32_t> merged_newlines(const Parse& p, TSNode root, size_t max) const {
    std::vector<uint32_t> breaks;
    struct Frame {
      TSNode n;
      uint32_t i = 0, count = 0, prev_end = 0;
      bool all_gaps = false, recurse = false, child_entered = false;
    };
    std::vector<Frame> stack;
    // Pushes a frame for `n` when it is a node to check.
    auto enter = [&](TSNode n) {
      std::string_view t = node_type(n);
      bool check_all_gaps = t == "command" || t == "redirected_statement" || t == "file_redirect" ||
                            t == "declaration_command" || t == "unset_command" || t == "negated_command" ||
                            (t == "test_command" && src(p, n).rfind("[[", 0) != 0);
      bool check_before_operators = t == "pipeline" || t == "list";
      if (!check_all_gaps && !check_before_operators) return false;
      // Most statements fit on one line: nothing to look for.
      uint32_t nb = ts_node_start_byte(n), ne = ts_node_end_byte(n);
      if (ne <= nb || !std::memchr(p.text.text().data() + nb, '\n', ne - nb)) return false;
      Frame f;
      f.n = n;
      f.count = ts_node_child_count(n);
      f.all_gaps = check_all_gaps;
      // Words cannot hold statements; only these shapes nest the ones checked.
      f.recurse = t == "redirected_statement" || t == "pipeline" || t == "list" || t == "negated_command";
      stack.push_back(f);
      return true;
    };
    if (!enter(root)) return breaks;
    const std::string& text = p.text.text();
    while (!stack.empty()) {
      size_t top = stack.size() - 1;
      if (stack[top].i >= stack[top].count) {
        stack.pop_back();
        continue;
      }
      TSNode c = ts_node_child(stack[top].n, stack[top].i);
      if (!stack[top].child_entered) {
        Frame& f = stack[top];
        uint32_t cs = ts_node_start_byte(c);
        bool named = ts_node_is_named(c);
        std::string_view ct = named ? node_type(c) : std::string_view();
        if (f.i > 0 && (f.all_gaps || !named) && ct != "heredoc_body" && ct != "heredoc_end") {
          for (uint32_t k = f.prev_end; k < cs && k < text.size(); ++k)
            if (text[k] == '\n' && !(k > 0 && text[k - 1] == '\\')) {
              breaks.push_back(k);
              if (breaks.size() >= max) return breaks;
              break;  // one break per gap: the statement ends there
            }
        }
        f.child_entered = true;
        if (f.recurse && named && ct != "heredoc_redirect" && enter(c)) continue;  // the child first
      }
      Frame& f = stack[top];
      f.child_entered = false;
      f.prev_end = ts_node_end_byte(c);
      ++f.i;
    }
    return breaks;
  }

  // A statement of a block, checked once for line breaks the grammar ran it
  // on across (the check descends into its pipelines, lists and commands):
  // then each piece between them is read again on its own.
  Stream visit_statement(const Parse& p, TSNode c, const Stream& in, const Ctx& ctx) {
    if (!is_statement_type(node_type(c))) return visit(p, c, in, ctx);
    uint32_t b = ts_node_start_byte(c), e = ts_node_end_byte(c);
    std::vector<uint32_t> breaks = merged_newlines(p, c, kMaxSplits);
    while (!breaks.empty() && breaks.back() >= e) breaks.pop_back();
    if (breaks.empty() || breaks.front() <= b) return visit(p, c, in, ctx);
    return run_pieces(p, b, e, in, ctx, std::move(breaks));
  }

  // The text [b, e) of `p` read as statements, split at the merged line
  // breaks in it (found in `p`'s tree when not given).
  Stream run_pieces(const Parse& p, uint32_t b, uint32_t e, const Stream& in, const Ctx& ctx,
                    std::vector<uint32_t> breaks = {}) {
    if (breaks.empty()) {
      // The breaks of every statement of the range.
      TSNode root = ts_tree_root_node(p.tree);
      for_each_child(root, [&](TSNode c, const char*) {
        if (!ts_node_is_named(c) || ts_node_end_byte(c) <= b || ts_node_start_byte(c) >= e) return;
        for (uint32_t k : merged_newlines(p, c, kMaxSplits))
          if (k > b && k < e) breaks.push_back(k);
      });
    }
    std::sort(breaks.begin(), breaks.end());
    if (splits_ + breaks.size() > kMaxSplits) {
      limit_reached_at(p.text.origin(b), "more than " + std::to_string(kMaxSplits) +
                                             " statements the grammar runs on across a line break; these are "
                                             "checked as parsed");
      return run_fragment(p.text.slice(b, e), ctx, in, false);
    }
    // A piece can split again: each split is a level of nesting.
    if (nesting_ >= kMaxNesting) return run_fragment(p.text.slice(b, e), ctx, in, false);
    splits_ += breaks.size();
    ++nesting_;
    Stream out;
    uint32_t from = b;
    breaks.push_back(e);
    for (uint32_t to : breaks) {
      if (to > from) {
        Stream st = run_fragment(p.text.slice(from, to), ctx, in, true);
        out.listing = merge(out.listing, st.listing);
        if (st.has_text) {
          out.has_text = true;
          out.text.append(st.text);
        }
      }
      from = to + 1;
    }
    --nesting_;
    return out;
  }

  // One piece of a statement, parsed on its own (a piece is at most a
  // window). `split`: its statements may be split again.
  Stream run_fragment(MappedText text, const Ctx& ctx, const Stream& in, bool split) {
    auto frag = std::make_unique<Parse>();
    frag->text = std::move(text);
    frag->via = ctx.via;
    frag->tree = ts_parser_parse_string(parser_, nullptr, frag->text.text().data(),
                                        static_cast<uint32_t>(frag->text.size()));
    if (!frag->tree) return {};
    parses_.push_back(std::move(frag));
    const Parse& parse = *parses_.back();
    TSNode root = ts_tree_root_node(parse.tree);
    if (ts_node_has_error(root)) report_first_error(parse, root);
    if (!split) return visit(parse, root, in, ctx);
    return visit_sequence(parse, root, in, ctx);
  }

  Stream visit_sequence(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    Stream out;
    for_each_child(n, [&](TSNode c, const char*) {
      if (!ts_node_is_named(c)) return;
      Stream s = visit_statement(p, c, in, ctx);
      out.listing = merge(out.listing, s.listing);
      if (s.has_text) {
        out.has_text = true;
        out.text.append(s.text);
      }
    });
    return out;
  }

  // `a && b`, `a || b`: b may or may not run.
  Stream visit_list(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    Stream out;
    bool first = true;
    for_each_child(n, [&](TSNode c, const char*) {
      if (!ts_node_is_named(c)) return;
      Stream s;
      if (first) {
        s = visit(p, c, in, ctx);
      } else {
        VarTable before = vars_;
        s = visit(p, c, in, ctx);
        vars_ = merge_paths({std::move(before), std::move(vars_)});
      }
      first = false;
      out.listing = merge(out.listing, s.listing);
      if (s.has_text) {
        out.has_text = true;
        out.text.append(s.text);
      }
    });
    return out;
  }

  // Branches start from the same variables; afterwards each variable is
  // what every branch agrees on (merge_paths).
  struct Branches {
    VarTable base;
    std::vector<VarTable> ends;
    Stream out;
    size_t taken = 0;
  };
  void branch_done(Branches& br, const Stream& s) {
    br.ends.push_back(std::move(vars_));
    vars_ = br.base;
    br.out.listing = merge(br.out.listing, s.listing);
    if (s.has_text && ++br.taken == 1) {
      br.out.has_text = true;
      br.out.text = s.text;
    } else if (s.has_text) {
      br.out.has_text = false;  // several texts: none is certain
    }
  }

  Stream visit_if(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    Branches br;
    bool in_then = false, has_else = false;
    Stream then_out;
    for_each_child(n, [&](TSNode c, const char* field) {
      std::string_view ct = node_type(c);
      if (field && std::strcmp(field, "condition") == 0) {
        if (is_statement_type(ct)) visit(p, c, in, ctx);
        else scan_substitutions(p, c, ctx);
        return;
      }
      if (!ts_node_is_named(c) || ct == "comment") return;
      if (!in_then && ct != "elif_clause" && ct != "else_clause") {
        in_then = true;
        br.base = vars_;
      }
      if (ct == "elif_clause" || ct == "else_clause") {
        if (in_then || br.ends.empty()) {
          if (!in_then) br.base = vars_;
          if (in_then) branch_done(br, then_out);
          else br.ends.push_back(br.base);  // an empty then-part
          in_then = false;
        }
        has_else = has_else || ct == "else_clause";
        Stream s = visit(p, c, in, ctx);
        branch_done(br, s);
        return;
      }
      Stream s = is_statement_type(ct) ? visit(p, c, in, ctx) : Stream{};
      if (!is_statement_type(ct)) scan_substitutions(p, c, ctx);
      then_out = s;
    });
    if (in_then) branch_done(br, then_out);
    if (br.ends.empty()) br.base = vars_;
    if (!has_else) br.ends.push_back(br.base);
    vars_ = merge_paths(br.ends);
    return br.out;
  }

  Stream visit_case(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    Branches br;
    bool base_set = false, catch_all = false;
    for_each_child(n, [&](TSNode c, const char*) {
      if (node_type(c) != "case_item") {
        if (ts_node_is_named(c)) scan_substitutions(p, c, ctx);
        return;
      }
      if (!base_set) {
        br.base = vars_;
        base_set = true;
      }
      TSNode value = ts_node_child_by_field_name(c, "value", 5);
      if (!ts_node_is_null(value) && src(p, value) == "*") catch_all = true;
      Stream s = visit(p, c, in, ctx);
      branch_done(br, s);
    });
    if (!base_set) return {};
    if (!catch_all) br.ends.push_back(br.base);
    vars_ = merge_paths(br.ends);
    return br.out;
  }

  // Every stage of a pipeline runs in a subshell of its own (bash without
  // `lastpipe`): what a stage assigns is gone after the pipeline.
  Stream visit_pipeline(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    Stream s = in;
    for_each_child(n, [&](TSNode c, const char*) {
      if (!ts_node_is_named(c)) return;
      s = subshell([&] { return visit(p, c, s, ctx); });
    });
    return s;
  }

  // Runs `f` with the variable table restored afterwards: a subshell, a
  // pipeline stage, a command or process substitution.
  enum class ShellScope {
    Same,    ///< this shell (eval, source)
    Child,   ///< a new shell on this host: it sees the exported variables
    Remote,  ///< a shell on another host (ssh): none of this script's variables
  };
  template <typename F>
  void in_shell(ShellScope scope, F&& f) {
    if (scope == ShellScope::Same) {
      f();
      return;
    }
    VarTable fresh = scope == ShellScope::Child ? exported_variables() : VarTable{};
    // xargs substitutes its input into the text before any shell runs it.
    if (const VarValue* x = vars_.find("__xargs__")) fresh["__xargs__"] = *x;
    VarTable saved = std::move(vars_);
    vars_ = std::move(fresh);
    bool saved_allexport = allexport_;
    allexport_ = false;
    f();
    vars_ = std::move(saved);
    allexport_ = saved_allexport;
  }

  template <typename F>
  Stream subshell(F&& f) {
    VarTable saved = vars_;
    Stream result = f();
    vars_ = std::move(saved);
    return result;
  }

  struct Redirects {
    std::optional<Stream> in;                 // stdin replaced by a heredoc, herestring or file
    std::vector<std::string> out_files;       // stdout written to these files
    std::vector<TSNode> continuation;         // pipeline stages after a heredoc (`cat <<EOF | ssh h bash`)
    std::vector<TSNode> and_then;             // list continuation after a heredoc (`<<EOF && x`)
  };

  void collect_redirect(const Parse& p, TSNode r, Redirects& rd, const Ctx& ctx) {
    std::string_view t = node_type(r);
    if (t == "heredoc_redirect") {
      bool quoted = false;
      TSNode body{};
      bool have_body = false;
      for_each_child(r, [&](TSNode c, const char* field) {
        std::string_view ct = node_type(c);
        if (ct == "heredoc_start") {
          std::string_view s = src(p, c);
          quoted = s.find_first_of("'\"\\") != std::string_view::npos;
        } else if (ct == "heredoc_body") {
          body = c;
          have_body = true;
        } else if (ct == "pipeline") {
          for_each_child(c, [&](TSNode s, const char*) {
            if (ts_node_is_named(s)) rd.continuation.push_back(s);
          });
        } else if (field && std::strcmp(field, "right") == 0) {
          rd.and_then.push_back(c);
        } else if (ct == "file_redirect" || ct == "herestring_redirect") {
          collect_redirect(p, c, rd, ctx);
        } else if (ts_node_is_named(c) && is_statement_type(ct)) {
          rd.continuation.push_back(c);
        }
      });
      Stream s;
      s.has_text = true;
      if (have_body) s.text = heredoc_text(p, body, quoted, ctx);
      rd.in = s;
    } else if (t == "herestring_redirect") {
      Stream s;
      for_each_child(r, [&](TSNode c, const char*) {
        if (!ts_node_is_named(c)) return;
        EvalWord w = eval_word(p, c, ctx);
        s.listing = w.listing;
        s.has_text = true;
        s.text = w.text;
        s.text.append('\n', w.file_end);
      });
      rd.in = s;
    } else if (t == "file_redirect") {
      std::string op;
      TSNode dest{};
      bool have = false;
      for_each_child(r, [&](TSNode c, const char* field) {
        if (!ts_node_is_named(c))
          op += std::string(src(p, c));
        else if (field && std::strcmp(field, "destination") == 0 && !have) {
          dest = c;  // the grammar lets later words join the destination (upstream #233): only the first is it
          have = true;
        }
      });
      if (!have) return;
      if (op == "<") {
        if (node_type(dest) == "process_substitution") {
          rd.in = subshell([&] { return visit_sequence(p, dest, Stream{}, ctx); });
        } else {
          EvalWord w = eval_word(p, dest, ctx);
          Stream s;
          if (w.literal) s = file_stream(w.value);
          rd.in = s;
        }
      } else if (op == ">" || op == ">>" || op == "&>" || op == "&>>" || op == ">|") {
        EvalWord w = eval_word(p, dest, ctx);
        if (w.literal) rd.out_files.push_back(w.value);
      }
    }
  }

  Stream file_stream(const std::string& path) {
    Stream s;
    auto it = listing_files_.find(path);
    if (it != listing_files_.end()) s.listing = it->second;
    auto ft = file_texts_.find(std::string(basename_of(path)));
    if (ft != file_texts_.end()) {
      s.has_text = true;
      s.text = ft->second;
    }
    return s;
  }

  void record_output(const std::string& path, const Stream& s, const Ctx& ctx) {
    if (s.listing != Listing::None) listing_files_[path] = s.listing;
    if (s.has_text) {
      std::string base(basename_of(path));
      file_texts_[base] = s.text;
      if (base.size() > 8 && base.compare(base.size() - 8, 8, ".service") == 0) systemd_unit(s.text, ctx);
    }
  }

  // A systemd unit written by the script: its Exec*= lines are commands.
  void systemd_unit(const MappedText& unit, const Ctx& ctx) {
    const std::string& t = unit.text();
    size_t pos = 0;
    while (pos < t.size()) {
      size_t eol = t.find('\n', pos);
      if (eol == std::string::npos) eol = t.size();
      size_t b = pos;
      while (b < eol && (t[b] == ' ' || t[b] == '\t')) ++b;
      if (t.compare(b, 4, "Exec") == 0) {
        size_t eq = t.find('=', b);
        if (eq != std::string::npos && eq < eol) {
          size_t v = eq + 1;
          while (v < eol && std::strchr("-@:+!", t[v])) ++v;
          Ctx c = ctx;
          c.via.push_back("systemd unit");
          run_text(unit.slice(v, eol), c, Stream{});
        }
      }
      pos = eol + 1;
    }
  }

  Stream visit_redirected(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    TSNode body = ts_node_child_by_field_name(n, "body", 4);
    Redirects rd;
    for_each_child(n, [&](TSNode c, const char* field) {
      if (field && std::strcmp(field, "redirect") == 0) collect_redirect(p, c, rd, ctx);
      else if (!field && ts_node_is_named(c) && node_type(c) == "herestring_redirect") collect_redirect(p, c, rd, ctx);
    });
    Stream body_in = rd.in ? *rd.in : in;
    Stream out;
    // `cmd <<EOF | next`: the heredoc's command and what follows it are
    // stages of one pipeline, each in its own subshell.
    bool piped = !rd.continuation.empty();
    auto stage = [&](auto&& f) { return piped ? subshell(f) : f(); };
    if (!ts_node_is_null(body)) {
      out = stage([&] {
        return node_type(body) == "command" ? visit_command(p, body, body_in, ctx, {}) : visit(p, body, body_in, ctx);
      });
    }
    for (TSNode next : rd.continuation) out = stage([&] { return visit(p, next, out, ctx); });
    for (const std::string& f : rd.out_files) record_output(f, out, ctx);
    if (!rd.out_files.empty()) out = Stream{};
    for (TSNode next : rd.and_then) out = visit(p, next, in, ctx);
    return out;
  }

  Stream visit_while(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    std::vector<TSNode> cond;
    TSNode body{};
    bool have_body = false;
    for_each_child(n, [&](TSNode c, const char* field) {
      if (!field) return;
      if (std::strcmp(field, "condition") == 0 && ts_node_is_named(c)) cond.push_back(c);
      if (std::strcmp(field, "body") == 0) {
        body = c;
        have_body = true;
      }
    });
    // `while read x; do ...; done <<EOF` over known lines: once per line.
    std::vector<std::string> read_vars;
    if (cond.size() == 1 && node_type(cond[0]) == "command") read_vars = read_targets(p, cond[0], ctx);
    if (!read_vars.empty() && in.has_text && in.listing == Listing::None && !in.text.empty()) {
      std::vector<MappedText> lines;
      const std::string& t = in.text.text();
      size_t pos = 0;
      while (pos < t.size() && lines.size() < kMaxLoopValues) {
        size_t eol = t.find('\n', pos);
        if (eol == std::string::npos) eol = t.size();
        if (eol > pos) lines.push_back(in.text.slice(pos, eol));
        pos = eol + 1;
      }
      bool more = t.find_first_not_of('\n', std::min(pos, t.size())) != std::string::npos;
      bool all_literal = true;
      for (const MappedText& l : lines)
        for (size_t i = 0; i < l.size() && all_literal; ++i)
          if (opaque_at(l.origin(i))) all_literal = false;
      if (all_literal && !lines.empty()) {
        for (const MappedText& line : lines) {
          bind_read_line(read_vars, line);
          if (have_body) visit(p, body, Stream{}, ctx);
        }
        if (!more) return {};
        // Past the bound: the loop runs on with the values unknown.
        limit_reached(p, n, "a `while read` loop over more than " + std::to_string(kMaxLoopValues) +
                                " lines; the lines after them are taken as unknown");
        for (const std::string& name : read_vars) {
          VarValue v;
          v.kind = VarValue::Dynamic;
          v.spelling = "$" + name;
          vars_[name] = v;
        }
        if (have_body) visit(p, body, Stream{}, ctx);
        return {};
      }
    }
    for (TSNode c : cond) visit(p, c, in, ctx);
    if (!have_body) return {};
    VarTable before = vars_;
    Stream out = visit(p, body, Stream{}, ctx);
    vars_ = merge_paths({std::move(before), std::move(vars_)});
    return out;
  }

  // Backslash escapes as echo -e, printf's format or %b read them (the one
  // decoder, bash_escapes.h), each output byte mapped to its escape. Returns
  // false at \c in echo -e and %b: no further output at all.
  static bool decode_printf_escapes(const MappedText& in, MappedText& out, EscapeDialect dialect) {
    Unescaped u = unescape(in.text(), dialect);
    for (size_t k = 0; k < u.bytes.size(); ++k) out.append(u.bytes[k], in.origin(u.from[k]));
    return !u.stop_output;
  }

  // printf FORMAT ARGS: the format reused while arguments remain; %s, %b,
  // %q and the numeric conversions take the next argument as it is.
  // Returns false when the output grew past kMaxPrintfOutput: the
  // arguments from `unused` on were not printed.
  bool printf_output(const MappedText& format, const std::vector<EvalWord>& args, MappedText& out,
                     size_t& unused) const {
    // Escapes first (a `%` spelled as an escape then reads as a directive,
    // where printf would print it: a corner not worth a second pass).
    MappedText fmt;
    decode_printf_escapes(format, fmt, EscapeDialect::PrintfFormat);
    const std::string& f = fmt.text();
    size_t next = 0;
    unused = args.size();
    for (;;) {
      if (out.size() > kMaxPrintfOutput) {
        unused = next;
        return next >= args.size();
      }
      size_t consumed_before = next;
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] != '%') {
          out.append(f[i], fmt.origin(i));
          continue;
        }
        if (i + 1 < f.size() && f[i + 1] == '%') {
          out.append('%', fmt.origin(i));
          ++i;
          continue;
        }
        size_t j = i + 1;
        while (j < f.size() && std::strchr("-+ #0123456789.*'", f[j])) ++j;
        if (j >= f.size()) break;
        char conv = f[j];
        if (next < args.size()) {
          const EvalWord& arg = args[next++];
          if (conv == 'b' && arg.literal) {
            if (!decode_printf_escapes(arg.text, out, EscapeDialect::PrintfB)) return true;
          } else {
            out.append(conv == 'c' ? arg.text.slice(0, std::min<size_t>(1, arg.text.size())) : arg.text);
          }
        } else if (std::strchr("diouxXeEfgG", conv)) {
          out.append('0', fmt.origin(i));
        }
        i = j;
      }
      if (next >= args.size() || next == consumed_before) break;
    }
    return true;
  }

  // printf's output, or when it is too large to follow, what was followed
  // and the arguments not printed, one per line (reported).
  void printf_stream(const MappedText& format, const std::vector<EvalWord>& args, MappedText& out, uint32_t at) {
    size_t unused = 0;
    if (printf_output(format, args, out, unused)) return;
    limit_reached_at(at, "printf output of more than " + std::to_string(kMaxPrintfOutput) +
                             " bytes; the arguments not yet printed are taken one per line");
    for (size_t k = unused; k < args.size(); ++k) {
      out.append('\n', args[k].file_begin);
      out.append(args[k].text);
    }
    if (unused < args.size()) out.append('\n', args.back().file_end);
  }

  // A script file run on this host by a path relative to the checkout
  // (`$GITHUB_WORKSPACE/` and `${{ github.workspace }}/` prefixes dropped).
  void reference_script(const EvalWord& w, const Ctx& ctx) {
    if (ctx.remote || suppress_) return;
    std::string path;
    if (w.literal) {
      path = w.value;
    } else {
      std::string spelled = display(w);
      for (const char* root : {"$GITHUB_WORKSPACE/", "${GITHUB_WORKSPACE}/", "${{ github.workspace }}/",
                               "\"$GITHUB_WORKSPACE\"/", "$PWD/", "${PWD}/", "$(pwd)/"}) {
        std::string r(root);
        if (spelled.rfind(r, 0) == 0 && !w.suffix.empty() && w.suffix.size() == spelled.size() - r.size() + 1) {
          path = w.suffix.substr(1);
          break;
        }
      }
    }
    if (path.empty() || path[0] == '/' || path[0] == '~' || path.find('$') != std::string::npos) return;
    sink_.script_reference(path);
  }

  // A stream whose whole text is known at lint time (no run-time part).
  bool known_text(const Stream& s) const {
    if (!s.has_text || s.listing != Listing::None || s.text.empty()) return false;
    for (size_t i = 0; i < s.text.size(); ++i)
      if (opaque_at(s.text.origin(i))) return false;
    return true;
  }

  // xargs' reading of its input: blank-separated items, '...' and "..."
  // quoting, backslash escapes outside quotes.
  // `truncated`: the input holds more words than are taken.
  static std::vector<EvalWord> xargs_words(const MappedText& t, bool& truncated) {
    std::vector<EvalWord> out;
    WordBuilder b;
    uint32_t fb = 0, fe = 0;
    bool in_word = false;
    const std::string& s = t.text();
    truncated = false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (out.size() >= kMaxLoopValues) {
        truncated = s.find_first_not_of(" \t\n", i) != std::string::npos;
        break;
      }
      char c = s[i];
      if (is_ifs(c)) {
        if (in_word) out.push_back(b.finish(fb, fe));
        in_word = false;
        continue;
      }
      if (!in_word) {
        fb = t.origin(i);
        in_word = true;
        b.touch();
      }
      if (c == '\\' && i + 1 < s.size()) {
        ++i;
        b.literal(s[i], t.origin(i));
      } else if (c == '\'' || c == '"') {
        size_t close = s.find(c, i + 1);
        if (close == std::string::npos) close = s.size();
        for (size_t k = i + 1; k < close; ++k) b.literal(s[k], t.origin(k));
        i = close;
      } else {
        b.literal(c, t.origin(i));
      }
      fe = t.origin(std::min(i, s.size() - 1)) + 1;
    }
    if (in_word) out.push_back(b.finish(fb, fe));
    return out;
  }

  void bind_read_line(const std::vector<std::string>& names, const MappedText& line) {
    // IFS splitting: the last name takes the rest of the line.
    const std::string& t = line.text();
    size_t pos = 0;
    for (size_t k = 0; k < names.size(); ++k) {
      while (pos < t.size() && is_ifs(t[pos])) ++pos;
      size_t end = k + 1 == names.size() ? t.size() : pos;
      if (k + 1 < names.size())
        while (end < t.size() && !is_ifs(t[end])) ++end;
      std::string v = t.substr(pos, end - pos);
      while (!v.empty() && is_ifs(v.back())) v.pop_back();
      VarValue val;
      val.kind = VarValue::Literal;
      val.value = v;
      vars_[names[k]] = val;
      pos = end;
    }
  }

  std::vector<std::string> read_targets(const Parse& p, TSNode cmd, const Ctx& ctx) {
    std::vector<EvalWord> argv = command_words(p, cmd, ctx, false);
    if (argv.empty() || !argv[0].literal || argv[0].value != "read") return {};
    std::vector<std::string> names;
    for (size_t i = 1; i < argv.size(); ++i) {
      const EvalWord& a = argv[i];
      if (!a.literal) continue;
      if (a.value.size() > 1 && a.value[0] == '-') {
        char last = a.value.back();
        if (std::strchr("adinNptu", last) && a.value.find_first_of("adinNptu") == a.value.size() - 1) ++i;
        continue;
      }
      names.push_back(a.value);
    }
    if (names.empty()) names.push_back("REPLY");
    return names;
  }

  Stream visit_for(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
    std::string var;
    std::vector<EvalWord> values;
    bool have_in = false;
    TSNode body{};
    bool have_body = false;
    for_each_child(n, [&](TSNode c, const char* field) {
      if (!field) {
        if (!ts_node_is_named(c) && src(p, c) == "in") have_in = true;
        return;
      }
      if (std::strcmp(field, "variable") == 0) var = std::string(src(p, c));
      if (std::strcmp(field, "value") == 0) {
        have_in = true;
        for (EvalWord& w : eval_arg(p, c, ctx)) values.push_back(std::move(w));
      }
      if (std::strcmp(field, "body") == 0) {
        body = c;
        have_body = true;
      }
    });
    if (!have_in && !positional_.empty()) values = positional_.back();
    if (!have_body) return {};
    std::vector<EvalWord> dynamic;
    std::vector<EvalWord> literal;
    for (EvalWord& w : values) (w.literal ? literal : dynamic).push_back(std::move(w));
    // Unrolled over its first values; past a bound the rest are one run of
    // the body with the variable unknown (their values its possible ones).
    std::vector<std::string> rest;
    size_t keep = statements_ > kStatementBudget / 2 ? 1 : kMaxLoopValues;
    if (literal.size() > keep) {
      limit_reached(p, n, keep == 1 ? "a loop in a script with many statements is unrolled once; the values after the "
                                      "first are taken as unknown"
                                    : "a loop over more than " + std::to_string(kMaxLoopValues) +
                                          " values; the values after them are taken as unknown");
      for (size_t i = keep; i < literal.size(); ++i) rest.push_back(literal[i].value);
      literal.resize(keep);
    }
    for (const EvalWord& w : literal) {
      bind_word(var, w);
      visit(p, body, in, ctx);
    }
    if (!dynamic.empty() || values.empty() || !rest.empty()) {
      VarValue v;
      v.kind = VarValue::Dynamic;
      v.spelling = "$" + var;
      for (const std::string& r : rest) add_possible(v.may_be, r);
      for (const EvalWord& w : dynamic) {
        v.listing = merge(v.listing, w.listing);
        if (w.origin != Origin::Literal) v.origin = w.origin;
      }
      VarTable before = vars_;
      vars_[var] = v;
      visit(p, body, in, ctx);
      if (literal.empty()) vars_ = merge_paths({std::move(before), std::move(vars_)});  // may run no time
    }
    return {};
  }

  static VarValue value_of(const EvalWord& w) {
    VarValue v;
    if (w.literal) {
      v.kind = VarValue::Literal;
      v.value = w.value;
    } else {
      v.kind = VarValue::Dynamic;
      v.spelling = w.value;
      v.listing = w.listing;
      v.origin = w.origin;
      v.pm2_path = w.pm2_path;
      v.may_be = w.may_be;
      v.may_be_complete = w.may_be_complete;
    }
    return v;
  }

  void bind_word(const std::string& var, const EvalWord& w) { vars_[var] = value_of(w); }

  void assign(const Parse& p, TSNode n, const Ctx& ctx) {
    TSNode name = ts_node_child_by_field_name(n, "name", 4);
    TSNode value = ts_node_child_by_field_name(n, "value", 5);
    if (ts_node_is_null(name)) return;
    std::string var(src(p, name));
    if (node_type(name) == "subscript") {
      // arr[N]=x with N and x known: that item; otherwise the array is no
      // longer a known list.
      TSNode base = ts_node_child_by_field_name(name, "name", 4);
      TSNode index = ts_node_child_by_field_name(name, "index", 5);
      EvalWord w;
      if (!ts_node_is_null(value)) w = eval_word(p, value, ctx);
      if (ts_node_is_null(base)) return;
      std::string array(src(p, base));
      std::string idx = ts_node_is_null(index) ? "" : std::string(src(p, index));
      auto it = vars_.find(array);
      bool known = !ts_node_is_null(value) && w.literal && !idx.empty() && idx.size() < 4 &&
                   std::all_of(idx.begin(), idx.end(), ::isdigit) &&
                   (!it || it->kind == VarValue::Array);
      if (!known) {
        vars_.erase(array);
        return;
      }
      VarValue& v = vars_[array];
      v.kind = VarValue::Array;
      size_t k = std::stoul(idx);
      if (v.items.size() <= k) v.items.resize(k + 1);
      v.items[k] = w.value;
      return;
    }
    bool append = false;
    for_each_child(n, [&](TSNode c, const char*) {
      if (!ts_node_is_named(c) && src(p, c) == "+=") append = true;
    });
    VarValue v;
    if (ts_node_is_null(value)) {
      v.kind = VarValue::Literal;
    } else if (node_type(value) == "array") {
      v.kind = VarValue::Array;
      bool all_literal = true;
      for_each_child(value, [&](TSNode c, const char*) {
        if (!ts_node_is_named(c)) return;
        for (EvalWord& w : eval_arg(p, c, ctx)) {
          if (!w.literal) {
            all_literal = false;
            v.listing = merge(v.listing, w.listing);
          }
          v.items.push_back(w.value);
        }
      });
      if (!all_literal) {
        v.kind = VarValue::Dynamic;
        v.spelling = "${" + var + "[@]}";
      }
    } else {
      v = value_of(eval_word(p, value, ctx));
    }
    if (append) {
      const VarValue* it = vars_.find(var);
      if (it && it->kind == VarValue::Literal && v.kind == VarValue::Literal)
        v.value = it->value + v.value;
      else if (!(it && it->kind == VarValue::Array && v.kind == VarValue::Array)) {
        v.kind = VarValue::Dynamic;
        v.spelling = "$" + var;
      } else {
        std::vector<std::string> items = it->items;
        items.insert(items.end(), v.items.begin(), v.items.end());
        v.items = items;
      }
    }
    // A variable keeps its export attribute when it is assigned again.
    const VarValue* old = vars_.find(var);
    v.exported = allexport_ || (old && old->exported);
    vars_[var] = v;
  }

  // export, declare/typeset/local/readonly: `-x` (and `export` itself)
  // puts the variables into the environment of child processes, `+x` or
  // `export -n` takes them out.
  void declaration(const Parse& p, TSNode n, const Ctx& ctx) {
    std::optional<bool> exporting;
    bool first = true;
    for_each_child(n, [&](TSNode c, const char*) {
      std::string_view t = node_type(c);
      if (first) {
        first = false;
        if (src(p, c) == "export") exporting = true;
        return;
      }
      if (t == "word") {
        std::string_view flag = src(p, c);
        if (flag.size() > 1 && (flag[0] == '-' || flag[0] == '+') && flag.find('x') != std::string_view::npos)
          exporting = flag[0] == '-';
        else if (flag.size() > 1 && flag[0] == '-' && flag.find('n') != std::string_view::npos && exporting)
          exporting = false;  // export -n
        return;
      }
      std::string name;
      if (t == "variable_assignment") {
        assign(p, c, ctx);
        TSNode nm = ts_node_child_by_field_name(c, "name", 4);
        if (!ts_node_is_null(nm)) name = std::string(src(p, nm));
      } else if (t == "variable_name") {
        name = std::string(src(p, c));
      }
      if (name.empty() || !exporting) return;
      if (VarValue* it = vars_.find_mut(name)) it->exported = *exporting;
    });
  }

  // The variables a new shell on this host starts with: the exported ones.
  VarTable exported_variables() const {
    // The constants the script starts with are all exported.
    VarTable out(vars_.base());
    for (const auto& [name, v] : vars_.own()) {
      if (v && v->exported)
        out[name] = *v;
      else
        out.erase(name);
    }
    return out;
  }

  // Finds and runs the command substitutions inside a node that is not
  // itself a statement (a test, an arithmetic expression). The walk is
  // iterative (a tree-sitter cursor): `$(( ((((...)))) ))` and `${X:-${X:-...}}`
  // nest as deep as the text is long. What it runs goes through visit(),
  // which bounds the nesting of statements.
  void scan_substitutions(const Parse& p, TSNode root, const Ctx& ctx) {
    TSTreeCursor c = ts_tree_cursor_new(root);
    uint32_t depth = 0;
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&c);
      if (scan_node(p, n, ctx) && ts_tree_cursor_goto_first_child(&c)) {
        ++depth;
        continue;
      }
      bool moved = false;
      while (depth > 0 && !(moved = ts_tree_cursor_goto_next_sibling(&c))) {
        ts_tree_cursor_goto_parent(&c);
        --depth;
      }
      if (!moved) break;
    }
    ts_tree_cursor_delete(&c);
  }

  // One node of scan_substitutions: runs it when it is a substitution or a
  // statement; true when its children are to be scanned.
  bool scan_node(const Parse& p, TSNode n, const Ctx& ctx) {
    std::string_view t = node_type(n);
    if (t == "command_substitution" || t == "process_substitution") {
      subshell([&] { return visit_sequence(p, n, Stream{}, ctx); });
      return false;
    }
    if (is_statement_type(t) && t != "test_command" && t != "ERROR") {
      visit(p, n, Stream{}, ctx);
      return false;
    }
    return true;
  }

  // ------------------------------------------------------------------ words

  std::vector<std::pair<char, uint32_t>> decode(const Parse& p, uint32_t b, uint32_t e, char mode) {
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
  std::vector<std::pair<char, uint32_t>> decode_ansi_c(const Parse& p, uint32_t b, uint32_t e) {
    std::vector<std::pair<char, uint32_t>> out;
    if (e <= b) return out;
    Unescaped u = unescape(std::string_view(p.text.text()).substr(b, e - b), EscapeDialect::AnsiC);
    out.reserve(u.bytes.size());
    for (size_t k = 0; k < u.bytes.size(); ++k) out.push_back({u.bytes[k], p.text.origin(b + u.from[k])});
    return out;
  }

  const VarValue* lookup(const std::string& name) const {
    return vars_.find(name);
  }

  // Appends an expansion's value. `quoted`: inside "..." (no splitting).
  // `words`: the list being built, for splitting; nullptr when not splitting.
  void expansion(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx) {
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

  // ${X/pat/rep} ${X//pat/rep} ${X#pat} ${X##pat} ${X%pat} ${X%%pat}
  // ${X^^} ${X,,} on a known value, with plain patterns (no glob, quote or
  // expansion): the result; nullopt for anything else.
  static std::optional<std::string> transformed(std::string_view spelled, const std::string& name,
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
  static bool uses_value_when_set(std::string_view spelled, const std::string& name) {
    size_t after = 2 + name.size();
    if (spelled.size() <= after + 1) return false;
    char c = spelled[after] == ':' ? spelled[after + 1] : spelled[after];
    return c == '-' || c == '=' || c == '?';
  }

  // The word of ${X:-w} ${X-w} ${X:=w} ${X=w} ${X:+w} ${X+w} when it is a
  // plain literal (`all`, "all", 'all').
  static std::optional<std::string> literal_alternative(std::string_view spelled, const std::string& name) {
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

  void literal_value(WordBuilder& b, const std::string& value, uint32_t fb, bool quoted, std::vector<EvalWord>* words,
                     uint32_t fe) {
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

  void append_word(WordBuilder& b, const EvalWord& w) {
    if (w.literal) {
      b.literal_mapped(w.text);
      return;
    }
    b.dynamic(w.text, w.origin, w.listing, w.pm2_path, w.may_be, w.may_be_complete);
  }

  // Command substitution: runs its commands; the word's value is dynamic,
  // unless the output is known literal text ($(echo all)).
  void substitution(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
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
  bool names_pm2_binary(const Parse& p, TSNode n, const Ctx& ctx) {
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
  void part(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx) {
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

  void part_node(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
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

  void string_parts(const Parse& p, TSNode n, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx) {
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

  // One argument, with word splitting of unquoted expansions.
  // Brace expansion of an unquoted word: `{stop,delete}`, `app-{a,b}`,
  // nested braces; the first `{` with a top-level ',' before its `}`.
  // `truncated`: more words than `limit`, or brace groups nested or in a
  // row past kMaxBraceGroups (each is a level of recursion); the words made
  // so far are in `out`.
  static void brace_expand(const MappedText& w, std::vector<MappedText>& out, size_t limit, bool& truncated,
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

  std::vector<EvalWord> eval_arg(const Parse& p, TSNode n, const Ctx& ctx) {
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

  EvalWord eval_word(const Parse& p, TSNode n, const Ctx& ctx) {
    WordBuilder b;
    part(p, n, true, b, nullptr, ctx);
    skip_empty_ = false;
    return b.finish(fbegin(p, n), fend(p, n));
  }

  MappedText heredoc_text(const Parse& p, TSNode body, bool quoted, const Ctx& ctx) {
    uint32_t s = ts_node_start_byte(body), e = ts_node_end_byte(body);
    if (quoted) return p.text.slice(s, e);
    WordBuilder b;
    uint32_t cursor = s;
    for_each_child(body, [&](TSNode c, const char*) {
      uint32_t cs = ts_node_start_byte(c), ce = ts_node_end_byte(c);
      if (cs > cursor) append_bytes(b, decode(p, cursor, cs, 'h'));
      if (node_type(c) == "heredoc_content")
        append_bytes(b, decode(p, cs, ce, 'h'));
      else if (ts_node_is_named(c))
        part(p, c, true, b, nullptr, ctx);
      cursor = ce;
    });
    if (e > cursor) append_bytes(b, decode(p, cursor, e, 'h'));
    EvalWord w = b.finish(0, 0);
    return w.text;
  }

  // The words of a command: name and arguments (prefix assignments apart).
  std::vector<EvalWord> command_words(const Parse& p, TSNode cmd, const Ctx& ctx, bool with_assignments,
                                      bool quiet = false, std::vector<TSNode>* assignments = nullptr,
                                      std::vector<TSNode>* redirects = nullptr) {
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

  Stream visit_command(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx, const Redirects&) {
    std::vector<TSNode> assigns, redirects;
    std::vector<EvalWord> argv = command_words(p, n, ctx, true, false, &assigns, &redirects);
    if (argv.empty()) {
      for (TSNode a : assigns) assign(p, a, ctx);
      for (TSNode r : redirects) {
        Redirects rd;
        collect_redirect(p, r, rd, ctx);
      }
      return {};
    }
    // Prefix assignments (`X=1 cmd`) reach the command's environment only;
    // nested shells and functions see them.
    std::map<std::string, std::optional<VarValue>> saved;
    for (TSNode a : assigns) {
      TSNode name = ts_node_child_by_field_name(a, "name", 4);
      if (ts_node_is_null(name)) continue;
      std::string var(src(p, name));
      if (!saved.count(var)) {
        const VarValue* old = lookup(var);
        saved[var] = old ? std::optional<VarValue>(*old) : std::nullopt;
      }
      assign(p, a, ctx);
      vars_[var].exported = true;  // in the command's environment
    }
    Redirects rd;
    for (TSNode r : redirects) collect_redirect(p, r, rd, ctx);
    Stream cin = rd.in ? *rd.in : in;
    Stream out = dispatch(p, std::move(argv), cin, ctx, 0);
    for (const std::string& f : rd.out_files) record_output(f, out, ctx);
    if (!rd.out_files.empty()) out = Stream{};
    for (auto& [var, old] : saved) {
      if (old)
        vars_[var] = *old;
      else
        vars_.erase(var);
    }
    return out;
  }

  // ---------------------------------------------------------------- dispatch

  static std::vector<Arg> args_of(const std::vector<EvalWord>& argv, size_t from) {
    std::vector<Arg> out;
    for (size_t i = from; i < argv.size(); ++i) out.push_back(Arg{argv[i].literal ? argv[i].value : argv[i].prefix, argv[i].literal});
    return out;
  }

  bool is_pm2_word(const EvalWord& w) const {
    if (w.literal) {
      std::string_view b = basename_of(w.value);
      return b == "pm2" || b.rfind("pm2@", 0) == 0;
    }
    if (w.pm2_path) return true;
    // `/home/$USER/.npm-global/bin/pm2`, `$PM2_BIN`, `${pm2_path}`
    if (!w.suffix.empty() && basename_of(w.suffix) == "pm2" && w.suffix.find('/') != std::string::npos) return true;
    if (w.origin == Origin::Variable) {
      std::string lower;
      for (char c : w.value) lower += static_cast<char>(tolower(static_cast<unsigned char>(c)));
      if (w.suffix.empty() && w.prefix.empty() && lower.find("pm2") != std::string::npos) return true;
    }
    return false;
  }

  Stream dispatch(const Parse& p, std::vector<EvalWord> argv, const Stream& in, const Ctx& ctx, int hops) {
    if (argv.empty()) return {};
    if (hops > kMaxWrappers || stack_.low()) {
      // `nohup nohup ... pm2 kill`: past the limit the wrappers are not
      // followed, but a pm2 call among the words is still checked, as if
      // run directly.
      limit_reached_at(argv[0].file_begin, hops > kMaxWrappers
                                               ? "more than " + std::to_string(kMaxWrappers) +
                                                     " commands that run commands (`sudo`, `nohup`, `env`, ...) in a "
                                                     "row; a pm2 call after them is checked as if run directly"
                                               : "commands that run commands nested too deeply for the stack; a pm2 "
                                                 "call after them is checked as if run directly");
      for (size_t i = 0; i < argv.size(); ++i)
        if (is_pm2_word(argv[i])) return emit(p, std::vector<EvalWord>(argv.begin() + static_cast<long>(i), argv.end()), ctx, in);
      return {};
    }
    const EvalWord& cmd = argv[0];
    if (is_pm2_word(cmd)) return emit(p, argv, ctx, in);
    if (!cmd.literal && !cmd.may_be.empty() && cmd.prefix.empty() && cmd.suffix.empty()) {
      // `$RUN delete all` with RUN set to `pm2` or `npx pm2` on some path:
      // the command as each value spells it (split into words, unquoted).
      Stream out;
      for (const std::string& value : cmd.may_be) {
        std::vector<EvalWord> alt;
        WordBuilder b;
        for (char c : value) {
          if (is_ifs(c)) {
            if (!b.empty()) alt.push_back(b.finish(cmd.file_begin, cmd.file_end));
          } else {
            b.literal_anchored(std::string_view(&c, 1), cmd.file_begin);
          }
        }
        if (!b.empty()) alt.push_back(b.finish(cmd.file_begin, cmd.file_end));
        if (alt.empty()) continue;
        for (EvalWord& w : alt) w.source = display(cmd);
        alt.insert(alt.end(), argv.begin() + 1, argv.end());
        Stream s = dispatch(p, std::move(alt), in, ctx, hops + 1);
        out.listing = merge(out.listing, s.listing);
      }
      return out;
    }
    if (!cmd.literal) {
      if (cmd.value.find('/') != std::string::npos) reference_script(cmd, ctx);  // $GITHUB_WORKSPACE/x.sh
      return {};
    }
    std::string name(basename_of(cmd.value));

    auto fit = functions_.find(cmd.value);
    if (fit != functions_.end() && depth_ >= kMaxDepth) limit_reached_at(cmd.file_begin, kDepthLimit);
    if (fit != functions_.end() && std::find(call_stack_.begin(), call_stack_.end(), cmd.value) == call_stack_.end() &&
        depth_ < kMaxDepth) {
      Function& fn = fit->second;
      fn.called = true;
      call_stack_.push_back(cmd.value);
      positional_.push_back(std::vector<EvalWord>(argv.begin() + 1, argv.end()));
      ++depth_;
      Stream out = visit(*fn.parse, fn.body, in, ctx);
      --depth_;
      positional_.pop_back();
      call_stack_.pop_back();
      return out;
    }

    // An alias: its text replaces the command word, then it is read again.
    if (auto al = aliases_.find(cmd.value); al != aliases_.end() && expanding_.count(cmd.value) == 0) {
      MappedText text = al->second;
      for (size_t i = 1; i < argv.size(); ++i) {
        text.append(' ', argv[i].file_begin);
        text.append(argv[i].text);
      }
      expanding_.insert(cmd.value);
      run_text(std::move(text), ctx, in);
      expanding_.erase(cmd.value);
      return {};
    }
    if (name == "alias") {
      for (size_t i = 1; i < argv.size(); ++i) {
        const EvalWord& a = argv[i];
        size_t eq = a.value.find('=');
        if (!a.literal || eq == std::string::npos || eq == 0) continue;
        aliases_[a.value.substr(0, eq)] = a.text.slice(eq + 1, a.text.size());
      }
      return {};
    }

    // Keywords and builtins that run the rest of the line: `coproc cmd`,
    // `builtin cmd`, and `{` where the grammar read a one-line group after
    // `time` or `!` as words (`time { pm2 kill; }`).
    if ((name == "coproc" || name == "builtin" || cmd.value == "{") && argv.size() > 1 && cmd.value == name) {
      std::vector<EvalWord> rest(argv.begin() + 1, argv.end());
      if (name == "coproc" && rest.size() > 1 && rest[1].literal && rest[1].value == "{")
        rest.erase(rest.begin());  // coproc NAME { ...; }: the name goes
      if (!rest.empty() && rest[0].literal && rest[0].value == "{") rest.erase(rest.begin());
      return dispatch(p, std::move(rest), in, ctx, hops + 1);
    }
    // `trap 'cmd' EXIT`: the handler runs in this shell, later.
    if (name == "trap" && argv.size() >= 3 && cmd.value == name) {
      size_t i = 1;
      if (argv[i].literal && argv[i].value == "--") ++i;
      if (i + 1 < argv.size() && !(argv[i].literal && argv[i].value.size() > 1 && argv[i].value[0] == '-')) {
        Ctx inner = ctx;
        inner.via.push_back("trap");
        run_text(argv[i].text, inner, Stream{});
      }
      return {};
    }
    // A script this one wrote earlier, run by its path (`./deploy.sh`).
    if (cmd.value.find('/') != std::string::npos) {
      auto ft = file_texts_.find(name);
      if (ft == file_texts_.end()) reference_script(cmd, ctx);
      if (ft != file_texts_.end()) {
        MappedText text = ft->second;
        file_texts_.erase(ft);  // run a written script once
        Ctx inner = ctx;
        inner.via.push_back(name);
        positional_.push_back(std::vector<EvalWord>(argv.begin() + 1, argv.end()));
        Stream out;
        in_shell(ShellScope::Child, [&] { out = run_text(std::move(text), inner, Stream{}); });
        positional_.pop_back();
        return out;
      }
    }
    std::vector<Arg> args = args_of(argv, 0);
    Wrap w = classify_wrapper(args);
    if (w.end < argv.size()) {
      argv.resize(w.end);  // `find -exec cmd ... ;`: the words after `;` are find's
      args.resize(w.end);
    }
    Ctx inner = ctx;
    if (!w.label.empty() && w.kind != WrapKind::None && w.kind != WrapKind::NotACall) inner.via.push_back(w.label);
    if (w.remote) inner.remote = true;
    switch (w.kind) {
      case WrapKind::NotACall:
        return {};
      case WrapKind::Exec: {
        std::vector<EvalWord> rest(argv.begin() + static_cast<long>(w.index), argv.end());
        std::map<std::string, std::optional<VarValue>> saved;
        for (size_t idx : w.assignments) {
          const EvalWord& a = argv[idx];
          size_t eq = a.value.find('=');
          std::string var = a.value.substr(0, eq);
          if (!saved.count(var)) {
            const VarValue* old = lookup(var);
            saved[var] = old ? std::optional<VarValue>(*old) : std::nullopt;
          }
          VarValue v;
          if (a.literal) {
            v.kind = VarValue::Literal;
            v.value = a.value.substr(eq + 1);
          } else {
            v.kind = VarValue::Dynamic;
            v.spelling = a.value.substr(eq + 1);
            v.origin = a.origin;
          }
          v.exported = true;
          vars_[var] = v;
        }
        Stream out = dispatch(p, std::move(rest), in, inner, hops + 1);
        for (auto& [var, old] : saved) {
          if (old) vars_[var] = *old;
          else vars_.erase(var);
        }
        return out;
      }
      case WrapKind::ShellText: {
        if (w.index >= argv.size()) return {};
        MappedText text = argv[w.index].text.slice(std::min(w.text_skip, argv[w.index].text.size()), SIZE_MAX);
        // Arguments after the text are $0, $1 ...
        std::vector<EvalWord> params;
        for (size_t i = w.index + 2; i < argv.size(); ++i) params.push_back(argv[i]);
        positional_.push_back(params);
        Stream out;
        in_shell(w.remote ? ShellScope::Remote : ShellScope::Child, [&] { out = run_text(std::move(text), inner, in); });
        positional_.pop_back();
        return out;
      }
      case WrapKind::JoinedText: {
        MappedText text;
        for (size_t i = w.index; i < argv.size(); ++i) {
          if (i > w.index) text.append(' ', argv[i].file_begin);
          const MappedText& t = argv[i].text;
          size_t skip = i == w.index ? std::min(w.text_skip, t.size()) : 0;
          text.append(t, skip);
        }
        // An ssh session or eval'd text does not see the caller's function
        // arguments. eval runs in this shell; ssh on another host, with an
        // environment of its own; watch and env -S start a new local shell.
        positional_.push_back({});
        ShellScope scope = w.label == "eval" ? ShellScope::Same : w.remote ? ShellScope::Remote : ShellScope::Child;
        Stream out;
        in_shell(scope, [&] { out = run_text(std::move(text), inner, in); });
        positional_.pop_back();
        return out;
      }
      case WrapKind::StdinShell:
        if (in.has_text) {
          positional_.push_back({});
          in_shell(w.remote ? ShellScope::Remote : ShellScope::Child, [&] { run_text(in.text, inner, Stream{}); });
          positional_.pop_back();
        }
        return {};
      case WrapKind::ScriptFile: {
        if (w.index >= argv.size()) return {};
        auto ft = argv[w.index].literal ? file_texts_.find(std::string(basename_of(argv[w.index].value)))
                                        : file_texts_.end();
        if (ft == file_texts_.end()) {
          reference_script(argv[w.index], inner);
          return {};
        }
        std::vector<EvalWord> params(argv.begin() + static_cast<long>(w.index) + 1, argv.end());
        positional_.push_back(params);
        inner.via.back() = std::string(basename_of(argv[w.index].value));
        MappedText text = ft->second;
        file_texts_.erase(ft);  // run a written script once, not at every call
        // `source x` / `. x` run in this shell; `bash x` in a new one.
        ShellScope scope = w.label == "source" || w.label == "." ? ShellScope::Same : ShellScope::Child;
        in_shell(scope, [&] { run_text(std::move(text), inner, Stream{}); });
        positional_.pop_back();
        return {};
      }
      case WrapKind::Xargs: {
        std::vector<EvalWord> rest(argv.begin() + static_cast<long>(std::min(w.index, argv.size())), argv.end());
        if (rest.empty()) return in;  // xargs alone echoes its input
        if (!w.custom_input && known_text(in)) {
          // `echo all | xargs pm2 delete`: the input is known, so are the
          // arguments: its words appended, or each line put in place of the
          // -I string.
          if (w.replace.empty()) {
            bool truncated = false;
            for (EvalWord& word : xargs_words(in.text, truncated)) rest.push_back(std::move(word));
            if (truncated) {
              // The words past the bound: one more, unknown.
              limit_reached_at(cmd.file_begin, "xargs input of more than " + std::to_string(kMaxLoopValues) +
                                                   " words; the words after them are taken as unknown");
              EvalWord more;
              more.literal = false;
              more.origin = Origin::Stdin;
              more.value = "<arguments read from stdin by xargs>";
              more.file_begin = cmd.file_begin;
              more.file_end = cmd.file_end;
              more.text = MappedText::anchored("\"$__xargs__\"", cmd.file_begin);
              rest.push_back(std::move(more));
            }
            return dispatch(p, std::move(rest), Stream{}, inner, hops + 1);
          }
          Stream out;
          size_t lines = 0;
          const std::string& t = in.text.text();
          size_t pos = 0;
          for (; pos < t.size() && lines < kMaxLoopValues;) {
            size_t eol = t.find('\n', pos);
            if (eol == std::string::npos) eol = t.size();
            size_t b = pos;
            while (b < eol && (t[b] == ' ' || t[b] == '\t')) ++b;
            if (b < eol) {
              ++lines;
              MappedText line = in.text.slice(b, eol);
              std::vector<EvalWord> call = rest;
              for (size_t i = 1; i < call.size(); ++i) {
                if (!call[i].literal || call[i].value.find(w.replace) == std::string::npos) continue;
                WordBuilder wb;
                const MappedText& ct = call[i].text;
                for (size_t k = 0; k < ct.size();) {
                  if (ct.text().compare(k, w.replace.size(), w.replace) == 0) {
                    wb.literal_mapped(line);
                    k += w.replace.size();
                  } else {
                    wb.literal(ct.text()[k], ct.origin(k));
                    ++k;
                  }
                }
                wb.touch();
                EvalWord nw = wb.finish(call[i].file_begin, call[i].file_end);
                call[i] = std::move(nw);
              }
              Stream s = dispatch(p, std::move(call), Stream{}, inner, hops + 1);
              out.listing = merge(out.listing, s.listing);
            }
            pos = eol + 1;
          }
          if (t.find_first_not_of(" \t\n", std::min(pos, t.size())) == std::string::npos) return out;
          // Lines past the bound: the command once more, with an unknown line.
          limit_reached_at(cmd.file_begin, "xargs -I input of more than " + std::to_string(kMaxLoopValues) +
                                               " lines; the lines after them are taken as unknown");
        }
        EvalWord stdin_word;
        stdin_word.literal = false;
        stdin_word.origin = Origin::Stdin;
        stdin_word.listing = in.listing;
        stdin_word.value = w.label == "find -exec" ? "<a file name found by find>" : "<arguments read from stdin by xargs>";
        stdin_word.file_begin = cmd.file_begin;
        stdin_word.file_end = cmd.file_end;
        stdin_word.text = MappedText::anchored("\"$__xargs__\"", cmd.file_begin);
        if (!w.replace.empty()) {
          for (size_t i = 1; i < rest.size(); ++i) {
            if (!rest[i].literal || rest[i].value.find(w.replace) == std::string::npos) continue;
            if (rest[i].value == w.replace) {
              EvalWord r = stdin_word;
              r.file_begin = rest[i].file_begin;
              r.file_end = rest[i].file_end;
              rest[i] = r;
              continue;
            }
            // The replacement inside a longer word (`sh -c 'pm2 delete {}'`).
            const MappedText& t = rest[i].text;
            EvalWord r = rest[i];
            r.literal = false;
            r.origin = Origin::Stdin;
            r.text = MappedText{};
            size_t k = 0;
            while (k < t.size()) {
              if (t.text().compare(k, w.replace.size(), w.replace) == 0) {
                r.text.append_anchored("${__xargs__}", t.origin(k));
                k += w.replace.size();
              } else {
                r.text.append(t, k, k + 1);
                ++k;
              }
            }
            r.value = r.text.text();
            rest[i] = r;
          }
        } else {
          rest.push_back(stdin_word);
        }
        // `xargs sh -c 'pm2 delete "$1"' _`: the arguments become $1 ...
        Wrap rw = classify_wrapper(args_of(rest, 0));
        if (rw.kind == WrapKind::ShellText && w.replace.empty()) {
          VarValue v;
          v.kind = VarValue::Dynamic;
          v.spelling = "$1";
          v.listing = in.listing;
          v.origin = Origin::Stdin;
          v.exported = true;
          vars_["__xargs__"] = v;
        } else {
          VarValue v;
          v.kind = VarValue::Dynamic;
          v.spelling = stdin_word.value;
          v.listing = in.listing;
          v.origin = Origin::Stdin;
          v.exported = true;
          vars_["__xargs__"] = v;
        }
        Stream out = dispatch(p, std::move(rest), Stream{}, inner, hops + 1);
        vars_.erase("__xargs__");
        return out;
      }
      case WrapKind::None:
        break;
    }
    interpreter_strings(argv, in, ctx);
    return builtin_or_stage(p, argv, in, ctx);
  }

  // Code given to a script interpreter (`node -e`, `python3 -c`, `perl -e`,
  // `ruby -e`, `php -r`, or a heredoc on its stdin): its string literals
  // that mention pm2 are commands it may hand to a shell
  // (`execSync('pm2 delete all')`, `os.system("pm2 kill")`), read as shell.
  void interpreter_strings(const std::vector<EvalWord>& argv, const Stream& in, const Ctx& ctx) {
    if (argv.empty() || !argv[0].literal) return;
    std::string name(basename_of(argv[0].value));
    while (!name.empty() && (isdigit(static_cast<unsigned char>(name.back())) || name.back() == '.')) name.pop_back();
    static const std::map<std::string, std::vector<std::string>> flags = {
        {"node", {"-e", "--eval", "-p", "--print"}}, {"nodejs", {"-e", "--eval", "-p", "--print"}},
        {"python", {"-c"}}, {"perl", {"-e", "-E"}}, {"ruby", {"-e"}}, {"php", {"-r"}},
        {"bun", {"-e", "--eval"}}, {"deno", {"eval"}}};
    auto it = flags.find(name);
    if (it == flags.end()) return;
    const MappedText* code = nullptr;
    bool script_arg = false;
    for (size_t i = 1; i < argv.size(); ++i) {
      if (!argv[i].literal) continue;
      if (std::find(it->second.begin(), it->second.end(), argv[i].value) != it->second.end() && i + 1 < argv.size()) {
        if (argv[i + 1].literal) code = &argv[i + 1].text;
        break;
      }
      if (argv[i].value.empty() || argv[i].value[0] != '-') {
        script_arg = argv[i].value != "-";
        break;
      }
    }
    if (!code && !script_arg && known_text(in)) code = &in.text;
    if (!code || code->text().find("pm2") == std::string::npos) return;
    Ctx inner = ctx;
    inner.via.push_back(name);
    const std::string& t = code->text();
    for (size_t i = 0; i < t.size(); ++i) {
      char q = t[i];
      if (q != '\'' && q != '"' && q != '`') continue;
      MappedText lit;
      size_t j = i + 1;
      for (; j < t.size() && t[j] != q; ++j) {
        if (t[j] == '\\' && j + 1 < t.size()) {
          char e = t[++j];
          lit.append(e == 'n' ? '\n' : e == 't' ? '\t' : e, code->origin(j));
          continue;
        }
        if (t[j] == '\n' && q != '`') break;  // not a string after all
        lit.append(t[j], code->origin(j));
      }
      if (j >= t.size() || t[j] != q) continue;
      const std::string& v = lit.text();
      size_t at = v.find("pm2");
      bool word = at != std::string::npos && (at == 0 || !isalnum(static_cast<unsigned char>(v[at - 1]))) &&
                  (at + 3 == v.size() || !isalnum(static_cast<unsigned char>(v[at + 3])));
      if (word) in_shell(ShellScope::Child, [&] { run_text(lit, inner, Stream{}); });
      i = j;
    }
  }

  Stream builtin_or_stage(const Parse& p, const std::vector<EvalWord>& argv, const Stream& in, const Ctx& ctx) {
    std::string name(basename_of(argv[0].value));
    (void)p;
    (void)ctx;
    if (name == "read") {
      std::vector<std::string> names;
      std::string array;
      for (size_t i = 1; i < argv.size(); ++i) {
        const EvalWord& a = argv[i];
        if (!a.literal) continue;
        if (a.value.size() > 1 && a.value[0] == '-') {
          if (a.value.find('a') != std::string::npos && i + 1 < argv.size()) array = argv[++i].value;
          else if (std::strchr("dinNptu", a.value.back())) ++i;
          continue;
        }
        names.push_back(a.value);
      }
      if (names.empty() && array.empty()) names.push_back("REPLY");
      if (array.empty() && known_text(in)) {
        // `read -r T <<< all`: the first line of a known input.
        size_t eol = in.text.text().find('\n');
        bind_read_line(names, in.text.slice(0, eol == std::string::npos ? in.text.size() : eol));
        return {};
      }
      if (!array.empty()) names.push_back(array);
      for (const std::string& n : names) {
        VarValue v;
        v.kind = VarValue::Dynamic;
        v.spelling = "$" + n;
        v.listing = in.listing;
        v.origin = Origin::Stdin;
        vars_[n] = v;
      }
      return {};
    }
    if (name == "set") {
      // set -a / set -o allexport: every later assignment is exported.
      for (size_t i = 1; i < argv.size(); ++i) {
        const EvalWord& a = argv[i];
        if (!a.literal || a.value.size() < 2 || (a.value[0] != '-' && a.value[0] != '+') || a.value == "--") break;
        bool on = a.value[0] == '-';
        if (a.value.find('a') != std::string::npos && a.value[1] != '-') allexport_ = on;
        if (a.value.size() == 2 && a.value[1] == 'o' && i + 1 < argv.size() && argv[i + 1].value == "allexport") {
          allexport_ = on;
          ++i;
        }
      }
      return {};
    }
    if (name == "mapfile" || name == "readarray") {
      std::string array = "MAPFILE";
      for (size_t i = 1; i < argv.size(); ++i) {
        const EvalWord& a = argv[i];
        if (!a.literal) continue;
        if (a.value.size() > 1 && a.value[0] == '-') {
          if (std::strchr("dnOsuCc", a.value.back())) ++i;
          continue;
        }
        array = a.value;
      }
      VarValue v;
      v.kind = VarValue::Dynamic;
      v.spelling = "${" + array + "[@]}";
      v.listing = in.listing;
      v.origin = Origin::Stdin;
      vars_[array] = v;
      return {};
    }
    if (name == "echo") {
      Stream out;
      size_t i = 1;
      bool escapes = false;
      // echo's options: a word of -n/-e/-E letters only.
      while (i < argv.size() && argv[i].literal && argv[i].value.size() > 1 && argv[i].value[0] == '-' &&
             argv[i].value.find_first_not_of("neE", 1) == std::string::npos) {
        for (char c : argv[i].value.substr(1)) {
          if (c == 'e') escapes = true;
          if (c == 'E') escapes = false;
        }
        ++i;
      }
      out.has_text = true;
      bool stopped = false;
      for (size_t k = i; k < argv.size() && !stopped; ++k) {
        if (k > i) out.text.append(' ', argv[k].file_begin);
        if (escapes && argv[k].literal) {
          stopped = !decode_printf_escapes(argv[k].text, out.text, EscapeDialect::Echo);  // \c: no further output
        } else {
          out.text.append(argv[k].text);
        }
        out.listing = merge(out.listing, argv[k].listing);
      }
      if (!argv.empty() && !stopped) out.text.append('\n', argv.back().file_end);
      return out;
    }
    if (name == "printf") {
      size_t i = 1;
      if (i + 2 < argv.size() && argv[i].literal && argv[i].value == "-v") {
        // printf -v VAR FORMAT ARGS: the output goes into VAR.
        const std::string var = argv[i + 1].value;
        if (!argv[i + 1].literal) return {};
        size_t f = i + 2;
        if (f < argv.size() && argv[f].literal && argv[f].value == "--") ++f;
        VarValue v;
        v.kind = VarValue::Dynamic;
        v.spelling = "$" + var;
        if (f < argv.size() && argv[f].literal) {
          Stream o;
          o.has_text = true;
          printf_stream(argv[f].text, std::vector<EvalWord>(argv.begin() + static_cast<long>(f) + 1, argv.end()),
                        o.text, argv[f].file_begin);
          if (known_text(o) || o.text.empty()) {
            v.kind = VarValue::Literal;
            v.value = o.text.text();
          }
        }
        const VarValue* old = vars_.find(var);
        v.exported = allexport_ || (old && old->exported);
        vars_[var] = v;
        return {};
      }
      if (i < argv.size() && argv[i].literal && argv[i].value == "-v") return {};  // into a variable
      if (i < argv.size() && argv[i].literal && argv[i].value == "--") ++i;
      if (i >= argv.size()) return {};
      Stream out;
      out.has_text = true;
      for (size_t k = i + 1; k < argv.size(); ++k) out.listing = merge(out.listing, argv[k].listing);
      if (!argv[i].literal) {
        // An unknown format: its arguments, one per line, stand for the output.
        for (size_t k = i; k < argv.size(); ++k) {
          out.text.append(argv[k].text);
          out.text.append('\n', argv[k].file_end);
        }
        return out;
      }
      printf_stream(argv[i].text, std::vector<EvalWord>(argv.begin() + static_cast<long>(i) + 1, argv.end()),
                    out.text, argv[i].file_begin);
      return out;
    }
    if (name == "cat" || name == "tee") {
      Stream out = in;
      std::vector<std::string> files;
      for (size_t i = 1; i < argv.size(); ++i)
        if (argv[i].literal && !(argv[i].value.size() > 1 && argv[i].value[0] == '-')) files.push_back(argv[i].value);
      if (name == "tee") {
        for (const std::string& f : files) record_output(f, in, ctx);
        return in;
      }
      if (!files.empty()) {
        out = Stream{};
        for (const std::string& f : files) {
          if (f == "-") {
            out.listing = merge(out.listing, in.listing);
            continue;
          }
          Stream fs = file_stream(f);
          out.listing = merge(out.listing, fs.listing);
          if (fs.has_text) {
            out.has_text = true;
            out.text.append(fs.text);
          }
        }
        for (size_t i = 1; i < argv.size(); ++i) out.listing = merge(out.listing, argv[i].listing);
      }
      return out;
    }
    // A pipeline stage over a list of names: its input is stdin and any
    // file argument known to hold a listing.
    Listing input = in.listing;
    for (size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].literal) {
        auto it = listing_files_.find(argv[i].value);
        if (it != listing_files_.end()) input = merge(input, it->second);
      } else if (argv[i].origin == Origin::CommandOutput) {
        input = merge(input, argv[i].listing);  // jq ... <(pm2 jlist)
      }
    }
    Stream out;
    if (input == Listing::None) return out;
    switch (classify_stage(args_of(argv, 0))) {
      case StageEffect::Passthrough: out.listing = input; break;
      case StageEffect::Filter: out.listing = Listing::Filtered; break;
      case StageEffect::Drop: out.listing = Listing::None; break;
      case StageEffect::Unknown: out.listing = Listing::Unknown; break;  // may pass every name on
    }
    return out;
  }

  Stream emit(const Parse& p, const std::vector<EvalWord>& argv, const Ctx& ctx, const Stream& in) {
    (void)p;
    Invocation inv;
    auto to_word = [&](const EvalWord& e) {
      Word w;
      w.literal = e.literal;
      w.text = e.literal ? e.value : display(e);
      w.prefix = e.prefix;
      w.suffix = e.suffix;
      w.origin = e.origin;
      w.listing = e.listing;
      w.range = range(e.file_begin, e.file_end);
      w.source = e.source;
      w.may_be = e.may_be;
      w.may_be_complete = e.may_be_complete;
      return w;
    };
    inv.program = to_word(argv[0]);
    for (size_t i = 1; i < argv.size(); ++i) inv.args.push_back(to_word(argv[i]));
    inv.via = ctx.via;
    // The rules read a /regex/ target with a parser that recurses once per
    // group: a word nested deeper than kMaxRegexGroups is handed on as a
    // run-time value (reported), and such possible values are left out.
    for (size_t i = 0; i <= inv.args.size(); ++i) {
      Word& w = i == 0 ? inv.program : inv.args[i - 1];
      const EvalWord& e = argv[i];
      if (deeply_grouped(w.text)) {
        limit_reached_at(e.file_begin, "a word with more than " + std::to_string(kMaxRegexGroups) +
                                           " nested groups; it is taken as unknown");
        Word d = Word::dynamic(w.text.substr(0, 40) + "...", Origin::Other, w.range);
        w = d;
      }
      size_t before = w.may_be.size();
      w.may_be.erase(std::remove_if(w.may_be.begin(), w.may_be.end(), deeply_grouped), w.may_be.end());
      if (w.may_be.size() != before) {
        w.may_be_complete = false;
        limit_reached_at(e.file_begin, "a possible value with more than " + std::to_string(kMaxRegexGroups) +
                                           " nested groups; it is left out");
      }
    }
    Pm2Call call = parse_pm2_call(inv);
    // `pm2 delete -` reads its targets from stdin (a JSON app list): known
    // only at run time, and a process listing when one is piped in.
    bool stdin_target = false;
    for (const Target& t : call.targets) {
      if (t.form != TargetForm::Stdin || t.role != TargetRole::Operate || t.arg < 0) continue;
      Word& w = inv.args[static_cast<size_t>(t.arg)];
      w = Word::dynamic("<apps read from stdin>", Origin::Stdin, w.range);
      w.listing = in.listing;
      stdin_target = true;
    }
    if (stdin_target) call = parse_pm2_call(inv);
    if (call.dynamic_command && call.command_arg >= 0) {
      // `pm2 $ACTION all`: each command the word may be, and the unknown
      // rest unless the values are all there is.
      const Word cmd_word = inv.args[static_cast<size_t>(call.command_arg)];
      for (const std::string& value : cmd_word.may_be) {
        Invocation alt = inv;
        Word& w = alt.args[static_cast<size_t>(call.command_arg)];
        w = Word::lit(value, cmd_word.range);
        w.source = cmd_word.text;
        Pm2Call alt_call = parse_pm2_call(alt);
        if (!suppress_) sink_.invocation(alt, alt_call);
      }
      if (cmd_word.may_be_complete && !cmd_word.may_be.empty()) return {};
    }
    if (!suppress_) sink_.invocation(inv, call);
    Stream out;
    if (is_process_listing(call)) out.listing = Listing::Unfiltered;
    return out;
  }

  // How a dynamic word reads in a message: CI expressions as written.
  std::string display(const EvalWord& e) const {
    std::string out;
    const MappedText& t = e.text;
    size_t i = 0;
    while (i < t.size()) {
      const Opaque* op = opaque_at(t.origin(i));
      if (op && op->origin == Origin::Expression) {
        auto it = expressions_.find(op->b);
        if (it != expressions_.end()) {
          out += it->second;
          while (i < t.size() && opaque_at(t.origin(i)) == op) ++i;
          continue;
        }
      }
      out += t.text()[i];
      ++i;
    }
    if (e.origin == Origin::Stdin && out.find("__xargs__") != std::string::npos) out = e.value;
    if (out.empty()) out = e.value;
    // xargs' input substituted into a nested text (`xargs -I{} ssh h pm2 delete {}`).
    for (const char* spelled : {"\"$__xargs__\"", "${__xargs__}", "$__xargs__"}) {
      size_t at;
      while ((at = out.find(spelled)) != std::string::npos)
        out.replace(at, std::strlen(spelled), "<arguments read from stdin by xargs>");
    }
    return out;
  }

  const SourceFile& file_;
  ShellSink& sink_;
  const ContextMap* contexts_ = nullptr;
  TSParser* parser_ = nullptr;
  std::deque<std::unique_ptr<Parse>> parses_;
  VarTable vars_;
  std::vector<std::vector<EvalWord>> positional_;
  std::map<std::string, Function> functions_;
  std::map<std::string, MappedText> file_texts_;
  std::map<std::string, MappedText> aliases_;
  std::set<std::string> expanding_;
  std::map<std::string, Listing> listing_files_;
  std::vector<Opaque> opaque_;
  struct OpaqueSpan {
    uint32_t end, id;
  };
  std::map<uint32_t, OpaqueSpan> opaque_spans_;  // disjoint file ranges by start: which Opaque holds them
  std::set<std::pair<uint32_t, uint32_t>> marked_;
  std::map<uint32_t, std::string> expressions_;
  std::set<std::pair<uint32_t, uint32_t>> reported_errors_;
  std::vector<std::string> call_stack_;
  int depth_ = 0;
  size_t statements_ = 0;
  size_t splits_ = 0;
  bool skip_empty_ = false;
  bool suppress_ = false;
  int nesting_ = 0;
  std::set<std::tuple<uint32_t, uint32_t, std::string>> limits_reported_;
  bool budget_reported_ = false;
  int word_nesting_ = 0;
  StackBudget stack_{kStackReserve};
  bool allexport_ = false;  // set -a
};

}  // namespace

void analyse_script(const SourceFile& file, const ScriptUnit& unit, ShellSink& sink) {
  Analyser a(file, sink);
  a.run(unit);
}

}  // namespace pm2guard::lint

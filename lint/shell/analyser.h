// The shell stage's internals, shared by its files (lint/shell_analysis.h
// is its public face; nothing here is used outside lint/shell/ and
// lint/shell_analysis.cc):
//
//   control_flow.cc  parsing in windows, statements, control flow and
//                    variable scopes, analysis limits
//   values.cc        variable values and possible values, assignments,
//                    merging the variables of several paths, opaque ranges
//   words.cc         word expansion: parts, quoting, parameter expansion,
//                    substitutions, brace expansion, a command's words
//   streams.cc       redirects, heredocs, files written and read, echo and
//                    printf output, listings, the pm2 calls emitted
//   dispatch.cc      one command: functions, aliases, wrappers, xargs,
//                    interpreters, builtins, pipeline stages
//
// The types below and the Analyser's small accessors are defined here; each
// method of the Analyser is declared here and defined in one of those files.
#pragma once

#include <tree_sitter/api.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "bash_escapes.h"
#include "mapped_text.h"
#include "shell_analysis.h"
#include "stack_budget.h"
#include "workflow.h"

extern "C" const TSLanguage* tree_sitter_bash(void);

namespace pm2guard::lint::shell {

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
inline Listing merge(Listing a, Listing b) {
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

/// The variables a script starts with: the workflow's env, each made a
/// shell value when first read, so that an env of 50,000 keys costs nothing
/// until a script reads one of them. Shared by the tables of one script
/// (one thread).
class EnvBase {
 public:
  using Convert = std::function<VarValue(const EnvValue&)>;
  EnvBase(Env env, Convert convert) : env_(std::move(env)), convert_(std::move(convert)) {}
  const VarValue* find(const std::string& name) const {
    if (auto c = converted_.find(name); c != converted_.end()) return &c->second;
    const EnvValue* e = env_.find(name);
    if (!e) return nullptr;
    return &converted_.emplace(name, convert_(*e)).first->second;
  }
  template <typename F>
  void for_each_name(F&& f) const {
    env_.for_each([&](std::string_view name, const EnvValue&) { f(std::string(name)); });
  }

 private:
  Env env_;
  Convert convert_;
  mutable std::map<std::string, VarValue> converted_;
};

/// A shell's variables: the constants a script starts with (the workflow's
/// env:, shared and never copied) under what the script itself sets or
/// unsets. Copying a table, as every subshell, branch and pipeline stage
/// does, costs what the script set, not the size of its environment.
class VarTable {
 public:
  VarTable() = default;
  explicit VarTable(std::shared_ptr<const EnvBase> base) : base_(std::move(base)) {}

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
      base_->for_each_name([&](const std::string& name) {
        if (!own_.count(name)) f(name, *base_->find(name));
      });
  }
  const std::shared_ptr<const EnvBase>& base() const { return base_; }
  const std::map<std::string, std::optional<VarValue>>& own() const { return own_; }

 private:
  const VarValue* from_base(const std::string& name) const { return base_ ? base_->find(name) : nullptr; }
  std::shared_ptr<const EnvBase> base_;
  std::map<std::string, std::optional<VarValue>> own_;  // nullopt: unset here
};

// values.cc: a possible value added (once, up to a bound); the variables
// after control flow that took one of several paths.
void add_possible(std::vector<std::string>& to, const std::string& v);
VarTable merge_paths(const std::vector<VarTable>& paths);

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
inline const std::vector<std::string_view>& symbol_names() {
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

inline std::string_view node_type(TSNode n) {
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

inline bool is_statement_type(std::string_view t) {
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

inline bool is_ifs(char c) { return c == ' ' || c == '\t' || c == '\n'; }

inline const std::string kDepthLimit = "shells and function calls nested more than " +
                                       std::to_string(kMaxDepth) + " deep; pm2 calls inside are not checked";

class Analyser {
 public:
  Analyser(const SourceFile& file, ShellSink& sink);
  void run(const ScriptUnit& unit);

 private:
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

  // Branches start from the same variables; afterwards each variable is
  // what every branch agrees on (merge_paths).
  struct Branches {
    VarTable base;
    std::vector<VarTable> ends;
    Stream out;
    size_t taken = 0;
  };

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

  // Used everywhere, and defined here so that every file inlines them.
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

  const Opaque* opaque_at(uint32_t off) const {
    auto it = opaque_spans_.upper_bound(off);
    if (it == opaque_spans_.begin()) return nullptr;
    --it;
    return off < it->second.end ? &opaque_[it->second.id - 1] : nullptr;
  }

  const VarValue* lookup(const std::string& name) const {
    return vars_.find(name);
  }

  // control_flow.cc: parsing in windows, statements, control flow, limits.
  Stream run_text(MappedText text, const Ctx& ctx, const Stream& in);
  TSTree* parse_budgeted(const std::string& text);
  Stream parse_and_visit(const MappedText& text, const Ctx& ctx, const Stream& in);
  std::optional<uint32_t> merged_prefix(const Parse& p, TSNode root, uint32_t limit);
  void release_parses(size_t from);
  uint32_t first_error_byte(TSNode root);
  void report_first_error(const Parse& p, TSNode root);
  Stream visit(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  /// Reports a limit at its place. Past kMaxLimitReports places only a
  /// summary is reported, except for a limit that ends the analysis of the
  /// rest of the script (`always`): that one is never left unsaid.
  void limit_reached(const Parse& p, TSNode n, const std::string& why, bool always = false);
  void limit_reached_at(uint32_t file_offset, const std::string& why, bool always = false);
  bool stack_exhausted(const Parse& p, TSNode n);
  Stream visit_node(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  std::vector<uint32_t> merged_newlines(const Parse& p, TSNode root, size_t max) const;
  Stream visit_statement(const Parse& p, TSNode c, const Stream& in, const Ctx& ctx);
  Stream run_pieces(const Parse& p, uint32_t b, uint32_t e, const Stream& in, const Ctx& ctx,
                    std::vector<uint32_t> breaks = {});
  Stream run_fragment(MappedText text, const Ctx& ctx, const Stream& in, bool split);
  Stream visit_sequence(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  Stream visit_list(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  void branch_done(Branches& br, const Stream& s);
  Stream visit_if(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  Stream visit_case(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  Stream visit_pipeline(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  Stream visit_while(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  Stream visit_for(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  void scan_substitutions(const Parse& p, TSNode root, const Ctx& ctx);
  bool scan_node(const Parse& p, TSNode n, const Ctx& ctx);

  // values.cc: variable values, assignments, opaque ranges.
  VarValue initial_variable(const EnvValue& v) const;
  void add_opaque(uint32_t b, uint32_t e, Origin o, size_t node_len, const std::vector<std::string>& may_be = {},
                  bool complete = false);
  std::vector<std::string> possible_values(const std::string& expr, bool& complete) const;
  std::vector<std::string> expression_values(const Opaque* op, bool& complete) const;
  void bind_read_line(const std::vector<std::string>& names, const MappedText& line);
  std::vector<std::string> read_targets(const Parse& p, TSNode cmd, const Ctx& ctx);
  void bind_word(const std::string& var, const EvalWord& w);
  void assign(const Parse& p, TSNode n, const Ctx& ctx);
  void declaration(const Parse& p, TSNode n, const Ctx& ctx);
  VarTable exported_variables() const;

  // words.cc: word expansion.
  std::vector<std::pair<char, uint32_t>> decode(const Parse& p, uint32_t b, uint32_t e, char mode);
  std::vector<std::pair<char, uint32_t>> decode_ansi_c(const Parse& p, uint32_t b, uint32_t e);
  void append_bytes(WordBuilder& b, const std::vector<std::pair<char, uint32_t>>& bytes);
  void expansion(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx);
  void literal_value(WordBuilder& b, const std::string& value, uint32_t fb, bool quoted, std::vector<EvalWord>* words,
                     uint32_t fe);
  void append_word(WordBuilder& b, const EvalWord& w);
  void substitution(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
                    const Ctx& ctx);
  bool names_pm2_binary(const Parse& p, TSNode n, const Ctx& ctx);
  void part(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx);
  void part_node(const Parse& p, TSNode n, bool quoted, WordBuilder& b, std::vector<EvalWord>* words,
                 const Ctx& ctx);
  void string_parts(const Parse& p, TSNode n, WordBuilder& b, std::vector<EvalWord>* words, const Ctx& ctx);
  std::vector<EvalWord> eval_arg(const Parse& p, TSNode n, const Ctx& ctx);
  EvalWord eval_word(const Parse& p, TSNode n, const Ctx& ctx);
  std::vector<EvalWord> command_words(const Parse& p, TSNode cmd, const Ctx& ctx, bool with_assignments,
                                      bool quiet = false, std::vector<TSNode>* assignments = nullptr,
                                      std::vector<TSNode>* redirects = nullptr);

  // streams.cc: redirects, heredocs, files, echo and printf output, emitting pm2 calls.
  void collect_redirect(const Parse& p, TSNode r, Redirects& rd, const Ctx& ctx);
  MappedText heredoc_text(const Parse& p, TSNode body, bool quoted, const Ctx& ctx);
  Stream file_stream(const std::string& path);
  void record_output(const std::string& path, const Stream& s, const Ctx& ctx);
  void systemd_unit(const MappedText& unit, const Ctx& ctx);
  Stream visit_redirected(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx);
  static bool decode_printf_escapes(const MappedText& in, MappedText& out, EscapeDialect dialect);
  bool printf_output(const MappedText& format, const std::vector<EvalWord>& args, MappedText& out,
                     size_t& unused) const;
  void printf_stream(const MappedText& format, const std::vector<EvalWord>& args, MappedText& out, uint32_t at);
  bool known_text(const Stream& s) const;
  Stream emit(const Parse& p, const std::vector<EvalWord>& argv, const Ctx& ctx, const Stream& in);
  std::string display(const EvalWord& e) const;

  // dispatch.cc: one command, through wrappers, functions and builtins.
  Stream visit_command(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx, const Redirects&);
  bool is_pm2_word(const EvalWord& w) const;
  void reference_script(const EvalWord& w, const Ctx& ctx);
  /// `npm run X`, `yarn X`, `pnpm X`, `make T` (and `make -C DIR`, `npm
  /// --prefix DIR`): the package.json or Makefile they read, referenced as
  /// a script is, so that it is linted too.
  void reference_runner_file(const std::string& name, const std::vector<EvalWord>& argv, const Ctx& ctx);
  Stream dispatch(const Parse& p, std::vector<EvalWord> argv, const Stream& in, const Ctx& ctx, int hops);
  void interpreter_strings(const std::vector<EvalWord>& argv, const Stream& in, const Ctx& ctx);
  Stream builtin_or_stage(const Parse& p, const std::vector<EvalWord>& argv, const Stream& in, const Ctx& ctx);

  const SourceFile& file_;
  ShellSink& sink_;
  const ScriptUnit* unit_ = nullptr;  // the script being analysed: its contexts
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

}  // namespace pm2guard::lint::shell

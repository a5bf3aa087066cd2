// The walk over a script's statements: parsing in windows, the statements
// of each window (sequences, lists, if, case, while, for, pipelines,
// subshells), the variable scopes around them, and the analysis limits.
#include "shell/analyser.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>

#include "expr_mask.h"

namespace pm2guard::lint::shell {

namespace {

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

}  // namespace

Analyser::Analyser(const SourceFile& file, ShellSink& sink) : file_(file), sink_(sink) {
  parser_ = thread_parser();
}

void Analyser::run(const ScriptUnit& unit) {
  unit_ = &unit;
  MappedText text = unit.text;
  for (Expression& e : mask_expressions(text)) {
    add_opaque(e.file_begin, e.file_end, Origin::Expression, e.text.size());
    expressions_[e.file_begin] = e.text;
  }
  vars_ = VarTable(std::make_shared<const EnvBase>(unit.env, [this](const EnvValue& v) { return initial_variable(v); }));
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

// ------------------------------------------------------------------ parsing

// Parses and walks a text; returns what its commands write to stdout.
Stream Analyser::run_text(MappedText text, const Ctx& ctx, const Stream& in) {
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

namespace {

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
constexpr uint32_t kStartWindow = 8 * 1024;
constexpr uint32_t kWindow = 64 * 1024;
constexpr uint32_t kMinWindow = 2 * 1024;
constexpr uint32_t kMaxWindow = 1024 * 1024;
// tree-sitter calls the progress callback about once per 100 parse
// operations: ordinary shell takes about 7 calls per KiB, statements the
// grammar merges about 100. A window over budget is only parsed again in
// smaller windows: the statements found are the same.
constexpr uint64_t kOpsCallsPerKiB = 64;
constexpr uint64_t kOpsCallsConstant = 2000;

struct ParseBudget {
  uint64_t calls = 0, limit = 0;
};

bool over_budget(TSParseState* state) {
  auto* b = static_cast<ParseBudget*>(state->payload);
  return ++b->calls > b->limit;
}

const char* read_text(void* payload, uint32_t at, TSPoint, uint32_t* n) {
  const std::string& t = *static_cast<const std::string*>(payload);
  if (at >= t.size()) {
    *n = 0;
    return "";
  }
  *n = static_cast<uint32_t>(t.size() - at);
  return t.data() + at;
}

}  // namespace

// Null when the parse ran over its budget.
TSTree* Analyser::parse_budgeted(const std::string& text) {
  ParseBudget budget;
  budget.limit = kOpsCallsConstant + kOpsCallsPerKiB * (text.size() / 1024 + 1);
  TSInput input{const_cast<std::string*>(&text), read_text, TSInputEncodingUTF8, nullptr};
  TSParseOptions options{&budget, over_budget};
  TSTree* tree = ts_parser_parse_with_options(parser_, nullptr, input, options);
  if (!tree) ts_parser_reset(parser_);
  return tree;
}

namespace {

// The end of a window starting at `s` of about `w` bytes, past `min_end`:
// just after the last line break in the window's second half, or else the
// first within another window's length; on a longer line, at s + w itself
// (a window's last statement is never taken as whole, so a cut anywhere
// is safe; a line break is only the likelier end of a statement).
uint32_t window_end(const std::string& t, uint32_t s, uint32_t w, uint32_t min_end) {
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

}  // namespace

Stream Analyser::parse_and_visit(const MappedText& text, const Ctx& ctx, const Stream& in) {
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
std::optional<uint32_t> Analyser::merged_prefix(const Parse& p, TSNode root, uint32_t limit) {
  if (ts_node_named_child_count(root) == 0) return std::nullopt;
  TSNode first = ts_node_named_child(root, 0);
  std::vector<uint32_t> breaks = merged_newlines(p, first, kMaxSplits);
  while (!breaks.empty() && breaks.back() >= limit) breaks.pop_back();
  if (breaks.empty()) return std::nullopt;
  return breaks.back();
}

// Frees the trees parsed since `from` that nothing refers to any more.
void Analyser::release_parses(size_t from) {
  size_t keep = from;
  for (size_t i = from; i < parses_.size(); ++i)
    if (parses_[i]->pinned) std::swap(parses_[keep++], parses_[i]);
  parses_.resize(keep);
}

namespace {

// The first ERROR or MISSING node in document order, descending only
// into subtrees that hold one: iterative, so any nesting depth is fine.
std::optional<TSNode> first_error(TSNode root) {
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

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

}  // namespace

uint32_t Analyser::first_error_byte(TSNode root) {
  std::optional<TSNode> first = first_error(root);
  return first ? ts_node_start_byte(*first) : UINT32_MAX;
}

void Analyser::report_first_error(const Parse& p, TSNode root) {
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

// ------------------------------------------------------------- statements

Stream Analyser::visit(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
  if (++statements_ > kStatementBudget) {
    if (!budget_reported_ && !suppress_) {  // a quiet evaluation must not use up the report
      budget_reported_ = true;
      limit_reached(p, n,
                    "more than " + std::to_string(kStatementBudget) +
                        " statements to analyse in one script; pm2 calls from here on are not checked",
                    /*always=*/true);
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

namespace {

std::string fmt_limit(const std::string& why) { return "analysis limit reached: " + why; }

}  // namespace

// An analysis limit is never a silent pass: each limit is reported at
// each place it is reached (`why` names it and says what is not checked).
void Analyser::limit_reached(const Parse& p, TSNode n, const std::string& why, bool always) {
  uint32_t b = std::min<uint32_t>(ts_node_start_byte(n), static_cast<uint32_t>(p.text.size()));
  limit_reached_at(p.text.origin(b), why, always);
}

void Analyser::limit_reached_at(uint32_t file_offset, const std::string& why, bool always) {
  if (suppress_) return;
  SourceRange r = range(file_offset, file_offset + 1);
  if (!limits_reported_.insert({r.line, r.col, why}).second) return;
  if (limits_reported_.size() > kMaxLimitReports && !always) {
    if (limits_reported_.size() == kMaxLimitReports + 1)
      sink_.parse_problem(r, fmt_limit("analysis limits were reached at more than " +
                                       std::to_string(kMaxLimitReports) + " places; the others are not listed"));
    return;
  }
  sink_.parse_problem(r, fmt_limit(why));
}

// True, and reported at the node, when the thread's stack is nearly used
// up: a last defence under the explicit bounds, whatever the frames cost.
bool Analyser::stack_exhausted(const Parse& p, TSNode n) {
  if (!stack_.low()) return false;
  limit_reached(p, n, "nested too deeply for the stack; pm2 calls inside are not checked");
  return true;
}

Stream Analyser::visit_node(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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
std::vector<uint32_t> Analyser::merged_newlines(const Parse& p, TSNode root, size_t max) const {
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
Stream Analyser::visit_statement(const Parse& p, TSNode c, const Stream& in, const Ctx& ctx) {
  if (!is_statement_type(node_type(c))) return visit(p, c, in, ctx);
  uint32_t b = ts_node_start_byte(c), e = ts_node_end_byte(c);
  std::vector<uint32_t> breaks = merged_newlines(p, c, kMaxSplits);
  while (!breaks.empty() && breaks.back() >= e) breaks.pop_back();
  if (breaks.empty() || breaks.front() <= b) return visit(p, c, in, ctx);
  return run_pieces(p, b, e, in, ctx, std::move(breaks));
}

// The text [b, e) of `p` read as statements, split at the merged line
// breaks in it (found in `p`'s tree when not given).
Stream Analyser::run_pieces(const Parse& p, uint32_t b, uint32_t e, const Stream& in, const Ctx& ctx,
                            std::vector<uint32_t> breaks) {
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
Stream Analyser::run_fragment(MappedText text, const Ctx& ctx, const Stream& in, bool split) {
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

Stream Analyser::visit_sequence(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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
Stream Analyser::visit_list(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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

void Analyser::branch_done(Branches& br, const Stream& s) {
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

Stream Analyser::visit_if(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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

Stream Analyser::visit_case(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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
Stream Analyser::visit_pipeline(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
  Stream s = in;
  for_each_child(n, [&](TSNode c, const char*) {
    if (!ts_node_is_named(c)) return;
    s = subshell([&] { return visit(p, c, s, ctx); });
  });
  return s;
}

Stream Analyser::visit_while(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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

Stream Analyser::visit_for(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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

// Finds and runs the command substitutions inside a node that is not
// itself a statement (a test, an arithmetic expression). The walk is
// iterative (a tree-sitter cursor): `$(( ((((...)))) ))` and `${X:-${X:-...}}`
// nest as deep as the text is long. What it runs goes through visit(),
// which bounds the nesting of statements.
void Analyser::scan_substitutions(const Parse& p, TSNode root, const Ctx& ctx) {
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
bool Analyser::scan_node(const Parse& p, TSNode n, const Ctx& ctx) {
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

}  // namespace pm2guard::lint::shell

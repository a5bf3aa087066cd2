// Variable values: what the paths of control flow leave in a variable
// (merge_paths), assignments and declarations, the workflow's env: as the
// variables a script starts with, `read` into variables, and the opaque
// file ranges whose text, and possible values, are only known at run time.
#include "shell/analyser.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "expr_mask.h"

namespace pm2guard::lint::shell {

namespace {

constexpr size_t kMaxPossibleValues = 16;

bool same_value(const VarValue& a, const VarValue& b) {
  return a.kind == b.kind && a.value == b.value && a.items == b.items && a.spelling == b.spelling &&
         a.listing == b.listing && a.origin == b.origin && a.pm2_path == b.pm2_path && a.may_be == b.may_be &&
         a.may_be_complete == b.may_be_complete;
}

}  // namespace

void add_possible(std::vector<std::string>& to, const std::string& v) {
  if (to.size() < kMaxPossibleValues && std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
}

namespace {

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

}  // namespace

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

// One variable of the workflow's env: as the script starts with it.
VarValue Analyser::initial_variable(const EnvValue& v) const {
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
  return val;
}

// Opaque regions (Analyser::Opaque, analyser.h).

// Marks [b, e) when that range maps one-to-one onto the node's bytes (an
// inexact, anchored text would otherwise mark everything).
void Analyser::add_opaque(uint32_t b, uint32_t e, Origin o, size_t node_len, const std::vector<std::string>& may_be,
                          bool complete) {
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
std::vector<std::string> Analyser::possible_values(const std::string& expr, bool& complete) const {
  std::vector<std::string> out = expression_results(expr);
  complete = false;
  if (!unit_) return out;
  for (const std::string& ref : expression_result_references(expr)) {
    std::optional<ContextValues> cv = context_values(*unit_, ref);
    if (!cv) continue;
    for (const std::string& v : cv->values)
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  std::string ref = expression_reference(expr);
  if (!ref.empty()) {
    std::optional<ContextValues> cv = context_values(*unit_, ref);
    complete = cv && cv->complete && !cv->values.empty();
  }
  return out;
}

// The possible values of a CI expression's opaque range.
std::vector<std::string> Analyser::expression_values(const Opaque* op, bool& complete) const {
  complete = false;
  if (op && !op->may_be.empty()) {
    complete = op->complete;
    return op->may_be;
  }
  if (!op || op->origin != Origin::Expression) return {};
  auto it = expressions_.find(op->b);
  return it == expressions_.end() ? std::vector<std::string>{} : possible_values(it->second, complete);
}

void Analyser::bind_read_line(const std::vector<std::string>& names, const MappedText& line) {
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

std::vector<std::string> Analyser::read_targets(const Parse& p, TSNode cmd, const Ctx& ctx) {
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

namespace {

VarValue value_of(const EvalWord& w) {
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

}  // namespace

void Analyser::bind_word(const std::string& var, const EvalWord& w) { vars_[var] = value_of(w); }

void Analyser::assign(const Parse& p, TSNode n, const Ctx& ctx) {
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
void Analyser::declaration(const Parse& p, TSNode n, const Ctx& ctx) {
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
VarTable Analyser::exported_variables() const {
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

}  // namespace pm2guard::lint::shell

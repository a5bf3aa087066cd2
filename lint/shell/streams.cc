// What flows between commands: redirects, heredocs and herestrings, files
// the script writes and reads back (a systemd unit's Exec*= lines), echo
// and printf output, process listings, and the pm2 calls handed to the
// sink.
#include "shell/analyser.h"

#include <algorithm>
#include <cstring>

#include "command_knowledge.h"
#include "pm2_cli.h"

namespace pm2guard::lint::shell {

void Analyser::collect_redirect(const Parse& p, TSNode r, Redirects& rd, const Ctx& ctx) {
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

MappedText Analyser::heredoc_text(const Parse& p, TSNode body, bool quoted, const Ctx& ctx) {
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

Stream Analyser::file_stream(const std::string& path) {
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

void Analyser::record_output(const std::string& path, const Stream& s, const Ctx& ctx) {
  if (s.listing != Listing::None) listing_files_[path] = s.listing;
  if (s.has_text) {
    std::string base(basename_of(path));
    file_texts_[base] = s.text;
    if (base.size() > 8 && base.compare(base.size() - 8, 8, ".service") == 0) systemd_unit(s.text, ctx);
  }
}

// A systemd unit written by the script: its Exec*= lines are commands.
void Analyser::systemd_unit(const MappedText& unit, const Ctx& ctx) {
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

Stream Analyser::visit_redirected(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx) {
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

// Backslash escapes as echo -e, printf's format or %b read them (the one
// decoder, bash_escapes.h), each output byte mapped to its escape. Returns
// false at \c in echo -e and %b: no further output at all.
bool Analyser::decode_printf_escapes(const MappedText& in, MappedText& out, EscapeDialect dialect) {
  Unescaped u = unescape(in.text(), dialect);
  for (size_t k = 0; k < u.bytes.size(); ++k) out.append(u.bytes[k], in.origin(u.from[k]));
  return !u.stop_output;
}

// printf FORMAT ARGS: the format reused while arguments remain; %s, %b,
// %q and the numeric conversions take the next argument as it is.
// Returns false when the output grew past kMaxPrintfOutput: the
// arguments from `unused` on were not printed.
bool Analyser::printf_output(const MappedText& format, const std::vector<EvalWord>& args, MappedText& out,
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
void Analyser::printf_stream(const MappedText& format, const std::vector<EvalWord>& args, MappedText& out,
                             uint32_t at) {
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

// A stream whose whole text is known at lint time (no run-time part).
bool Analyser::known_text(const Stream& s) const {
  if (!s.has_text || s.listing != Listing::None || s.text.empty()) return false;
  for (size_t i = 0; i < s.text.size(); ++i)
    if (opaque_at(s.text.origin(i))) return false;
  return true;
}

namespace {

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

}  // namespace

Stream Analyser::emit(const Parse& p, const std::vector<EvalWord>& argv, const Ctx& ctx, const Stream& in) {
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
std::string Analyser::display(const EvalWord& e) const {
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

}  // namespace pm2guard::lint::shell

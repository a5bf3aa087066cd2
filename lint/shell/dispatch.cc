// One command: its prefix assignments and redirects, then what it is:
// pm2, a function, an alias, a wrapper that runs other commands or shell
// text (sudo, ssh, bash -c, xargs, ...), a script interpreter, a builtin
// that sets variables or prints, or a pipeline stage over a listing.
#include "shell/analyser.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "command_knowledge.h"

namespace pm2guard::lint::shell {

namespace {

// ---------------------------------------------------------------- dispatch

std::vector<Arg> args_of(const std::vector<EvalWord>& argv, size_t from) {
  std::vector<Arg> out;
  for (size_t i = from; i < argv.size(); ++i) out.push_back(Arg{argv[i].literal ? argv[i].value : argv[i].prefix, argv[i].literal});
  return out;
}

}  // namespace

Stream Analyser::visit_command(const Parse& p, TSNode n, const Stream& in, const Ctx& ctx, const Redirects&) {
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

bool Analyser::is_pm2_word(const EvalWord& w) const {
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

// A script file run on this host by a path relative to the checkout
// (`$GITHUB_WORKSPACE/` and `${{ github.workspace }}/` prefixes dropped).
void Analyser::reference_script(const EvalWord& w, const Ctx& ctx) {
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

void Analyser::reference_runner_file(const std::string& name, const std::vector<EvalWord>& argv, const Ctx& ctx) {
  if (ctx.remote || suppress_) return;
  std::string file;
  if (name == "npm" || name == "yarn" || name == "pnpm" || name == "bun") file = "package.json";
  if (name == "make" || name == "gmake") file = "Makefile";
  if (file.empty()) return;
  // The directory it reads the file in: `make -C DIR`, `npm --prefix DIR`,
  // `yarn --cwd DIR`, `pnpm -C DIR` / `--dir DIR`.
  std::string dir;
  for (size_t i = 1; i < argv.size(); ++i) {
    const EvalWord& a = argv[i];
    if (!a.literal) continue;
    bool takes_dir = a.value == "-C" || a.value == "--directory" || a.value == "--prefix" || a.value == "--cwd" ||
                     a.value == "--dir";
    if (takes_dir && i + 1 < argv.size()) {
      if (!argv[i + 1].literal) return;  // a directory known at run time
      dir = argv[i + 1].value;
      break;
    }
    for (std::string_view opt : {"--prefix=", "--cwd=", "--dir=", "--directory="}) {
      if (a.value.rfind(opt, 0) == 0) dir = a.value.substr(opt.size());
    }
  }
  if (!dir.empty() && (dir[0] == '/' || dir[0] == '~')) return;
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  sink_.script_reference(dir.empty() || dir == "." ? file : dir + "/" + file);
}

namespace {

// xargs' reading of its input: blank-separated items, '...' and "..."
// quoting, backslash escapes outside quotes.
// `truncated`: the input holds more words than are taken.
std::vector<EvalWord> xargs_words(const MappedText& t, bool& truncated) {
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

}  // namespace

Stream Analyser::dispatch(const Parse& p, std::vector<EvalWord> argv, const Stream& in, const Ctx& ctx, int hops) {
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
  reference_runner_file(name, argv, ctx);
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
void Analyser::interpreter_strings(const std::vector<EvalWord>& argv, const Stream& in, const Ctx& ctx) {
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

Stream Analyser::builtin_or_stage(const Parse& p, const std::vector<EvalWord>& argv, const Stream& in, const Ctx& ctx) {
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

}  // namespace pm2guard::lint::shell

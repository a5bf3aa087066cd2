#include "command_knowledge.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace pm2guard::lint {

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

namespace {

// ---------------------------------------------------------------------------
// A small getopt: which short letters and long names take a value, and the
// options found before the first operand.

struct OptTable {
  std::string_view short_with_value;
  std::vector<std::string_view> long_with_value;
  /// GNU getopt permutes: options may follow operands (su, runuser).
  bool permute = false;
};

struct Opt {
  std::string name;    // "c" or "command"
  std::string value;   // the value when it is a literal
  int value_arg = -1;  // index of the argument holding the value, if separate
  size_t value_skip = 0;  // bytes before the value inside that argument (attached forms)
};

struct Parsed {
  std::vector<Opt> opts;
  std::vector<size_t> operands;  // indexes of operands (all of them when permuting)
  size_t first_operand = 0;      // index of the first operand (argv.size() when none)
  bool dynamic_stop = false;     // stopped at a dynamic argument
  bool has(std::string_view n) const {
    return std::any_of(opts.begin(), opts.end(), [&](const Opt& o) { return o.name == n; });
  }
  const Opt* get(std::string_view a, std::string_view b = {}) const {
    for (const Opt& o : opts)
      if (o.name == a || (!b.empty() && o.name == b)) return &o;
    return nullptr;
  }
};

Parsed getopt(const std::vector<Arg>& argv, size_t from, const OptTable& t) {
  Parsed p;
  p.first_operand = argv.size();
  bool done = false;
  for (size_t i = from; i < argv.size(); ++i) {
    const Arg& a = argv[i];
    if (done || !a.literal || a.text.size() < 2 || a.text[0] != '-') {
      if (!a.literal && !done && !t.permute) p.dynamic_stop = true;
      if (p.first_operand == argv.size()) p.first_operand = i;
      p.operands.push_back(i);
      if (!t.permute) {
        for (size_t k = i + 1; k < argv.size(); ++k) p.operands.push_back(k);
        break;
      }
      continue;
    }
    if (a.text == "--") {
      done = true;
      if (!t.permute) {
        if (i + 1 < argv.size()) {
          p.first_operand = i + 1;
          for (size_t k = i + 1; k < argv.size(); ++k) p.operands.push_back(k);
        }
        break;
      }
      continue;
    }
    if (a.text[1] == '-') {
      std::string body = a.text.substr(2);
      size_t eq = body.find('=');
      Opt o;
      o.name = body.substr(0, eq);
      bool takes = std::find(t.long_with_value.begin(), t.long_with_value.end(), o.name) != t.long_with_value.end();
      if (eq != std::string::npos) {
        o.value = body.substr(eq + 1);
        o.value_arg = static_cast<int>(i);
        o.value_skip = eq + 3;
      } else if (takes && i + 1 < argv.size()) {
        o.value = argv[i + 1].text;
        o.value_arg = static_cast<int>(++i);
      }
      p.opts.push_back(o);
      continue;
    }
    for (size_t k = 1; k < a.text.size(); ++k) {
      Opt o;
      o.name = std::string(1, a.text[k]);
      if (t.short_with_value.find(a.text[k]) != std::string_view::npos) {
        if (k + 1 < a.text.size()) {
          o.value = a.text.substr(k + 1);
          o.value_arg = static_cast<int>(i);
          o.value_skip = k + 1;
        } else if (i + 1 < argv.size()) {
          o.value = argv[i + 1].text;
          o.value_arg = static_cast<int>(++i);
        }
        p.opts.push_back(o);
        break;
      }
      p.opts.push_back(o);
    }
  }
  return p;
}

// NAME=value; for a dynamic word (`PATH="$PATH"`) its known prefix decides.
bool is_assignment(const Arg& a) {
  size_t eq = a.text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = a.text[i];
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return !isdigit(static_cast<unsigned char>(a.text[0]));
}

Wrap exec_at(size_t index, std::string label) {
  Wrap w;
  w.kind = WrapKind::Exec;
  w.index = index;
  w.label = std::move(label);
  return w;
}

// Skips NAME=VALUE words, recording them.
size_t skip_assignments(const std::vector<Arg>& argv, size_t i, Wrap& w) {
  while (i < argv.size() && is_assignment(argv[i])) w.assignments.push_back(i++);
  return i;
}

Wrap finish_exec(const std::vector<Arg>& argv, size_t i, std::string label) {
  Wrap w = exec_at(i, std::move(label));
  w.index = skip_assignments(argv, i, w);
  if (w.index >= argv.size()) w.kind = WrapKind::None;
  return w;
}

bool is_shell_name(std::string_view n) {
  return n == "bash" || n == "sh" || n == "dash" || n == "zsh" || n == "ksh" || n == "ash" || n == "mksh";
}

Wrap classify_shell(const std::vector<Arg>& argv, size_t from, const std::string& name) {
  static const OptTable t{"oO", {"rcfile", "init-file"}, false};
  Parsed p = getopt(argv, from, t);
  Wrap w;
  w.label = name;
  if (p.has("c")) {
    if (p.first_operand >= argv.size()) return w;  // `bash -c` without text: error
    w.kind = WrapKind::ShellText;
    w.index = p.first_operand;
    w.label = name + " -c";
    return w;
  }
  if (p.has("s") || p.first_operand >= argv.size()) {
    w.kind = WrapKind::StdinShell;
    return w;
  }
  w.kind = WrapKind::ScriptFile;
  w.index = p.first_operand;
  return w;
}

// su / runuser: `-c text` anywhere (GNU getopt permutes); `runuser -u user cmd`.
Wrap classify_su(const std::vector<Arg>& argv, const std::string& name) {
  static const OptTable t{"cCsgGwu", {"command", "session-command", "shell", "group", "supp-group",
                                      "whitelist-environment", "user"}, true};
  Parsed p = getopt(argv, 1, t);
  Wrap w;
  w.label = name;
  if (const Opt* c = p.get("c", "command")) {
    if (c->value_arg < 0) return w;
    w.kind = WrapKind::ShellText;
    w.index = static_cast<size_t>(c->value_arg);
    w.label = name + " -c";
    w.text_skip = c->value_skip;
    return w;
  }
  if (name == "runuser" && p.has("u")) {
    // runuser -u user [--] command [args]
    if (p.first_operand < argv.size()) return exec_at(p.first_operand, name);
    return w;
  }
  w.kind = WrapKind::StdinShell;  // `su - user`: a login shell reading stdin
  return w;
}

Wrap classify_ssh(const std::vector<Arg>& argv) {
  // OpenSSH parses options, takes the host, then parses options again.
  static const OptTable t{"BbcDEeFIiJLlmOoPpQRSWw", {}, false};
  Parsed p = getopt(argv, 1, t);
  Wrap w;
  w.label = "ssh";
  w.remote = true;
  if (p.has("N") || p.has("W") || p.has("V") || p.has("G") || p.has("O")) {
    w.kind = WrapKind::NotACall;
    return w;
  }
  if (p.first_operand >= argv.size()) return w;  // no host
  if (p.dynamic_stop && !argv[p.first_operand].literal) {
    // A dynamic host is still a host.
  }
  Parsed after = getopt(argv, p.first_operand + 1, t);
  if (after.first_operand >= argv.size()) {
    w.kind = WrapKind::StdinShell;
    return w;
  }
  w.kind = WrapKind::JoinedText;
  w.index = after.first_operand;
  return w;
}

Wrap classify_xargs(const std::vector<Arg>& argv) {
  static const OptTable t{"adEILnPs", {"arg-file", "delimiter", "eof", "max-lines", "max-args", "max-procs",
                                      "max-chars", "process-slot-var"}, false};
  Parsed p = getopt(argv, 1, t);
  Wrap w;
  w.label = "xargs";
  w.kind = WrapKind::Xargs;
  for (const Opt& o : p.opts) {
    if (o.name == "I") w.replace = o.value;
    if (o.name == "i" || o.name == "replace") w.replace = "{}";
  }
  // `-i` may carry its replacement attached (-iX); getopt above reads it as
  // flags, so look for it directly.
  for (size_t i = 1; i < p.first_operand && i < argv.size(); ++i)
    if (argv[i].literal && argv[i].text.rfind("-i", 0) == 0 && argv[i].text.size() > 2) w.replace = argv[i].text.substr(2);
  w.index = p.first_operand;  // == size(): xargs runs echo
  return w;
}

// npm-style package runners: the first operand is the command, `pkg@ver`
// naming it with a version.
Wrap classify_npx(const std::vector<Arg>& argv, const std::string& name) {
  static const OptTable t{"pc", {"package", "call", "prefix", "registry", "cache", "userconfig", "node-options",
                                 "shell", "workspace", "loglevel"}, false};
  Parsed p = getopt(argv, 1, t);
  Wrap w;
  w.label = name;
  if (const Opt* c = p.get("c", "call")) {
    if (c->value_arg < 0) return w;
    w.kind = WrapKind::ShellText;
    w.index = static_cast<size_t>(c->value_arg);
    w.text_skip = c->value_skip;
    return w;
  }
  if (p.first_operand >= argv.size()) return w;
  return exec_at(p.first_operand, name);
}

Wrap classify_npm(const std::vector<Arg>& argv) {
  // npm exec / npm x: like npx after the subcommand.
  static const OptTable t{"wC", {"prefix", "workspace", "loglevel", "registry", "userconfig", "cache"}, false};
  Parsed p = getopt(argv, 1, t);
  if (p.first_operand >= argv.size()) return {};
  const Arg& sub = argv[p.first_operand];
  if (!sub.literal || (sub.text != "exec" && sub.text != "x")) return {};
  std::vector<Arg> rest(argv.begin() + static_cast<long>(p.first_operand), argv.end());
  Wrap w = classify_npx(rest, "npm exec");
  if (w.kind == WrapKind::Exec || w.kind == WrapKind::ShellText) w.index += p.first_operand;
  return w;
}

Wrap classify_yarn_like(const std::vector<Arg>& argv, const std::string& name) {
  static const std::set<std::string> yarn_builtins = {
      "add", "audit", "autoclean", "bin", "cache", "check", "config", "create", "generate-lock-entry", "global",
      "help", "import", "info", "init", "install", "i", "licenses", "link", "list", "ls", "login", "logout",
      "node", "outdated", "owner", "pack", "policies", "publish", "remove", "rm", "tag", "team", "test", "unlink",
      "unplug", "upgrade", "up", "update", "upgrade-interactive", "version", "versions", "why", "workspace",
      "workspaces", "set", "plugin", "constraints", "npm", "rebuild", "search", "explain", "patch", "stage",
      "dedupe", "prune", "fetch", "import", "root", "store", "env", "setup", "server", "deploy", "doctor",
      "start"};
  static const OptTable t{"C", {"cwd", "dir", "filter", "workspace", "modules-folder", "cache-folder"}, false};
  Parsed p = getopt(argv, 1, t);
  if (p.first_operand >= argv.size()) return {};
  const Arg& sub = argv[p.first_operand];
  if (!sub.literal) return {};
  if (sub.text == "run" || sub.text == "exec" || sub.text == "dlx" || sub.text == "x") {
    Parsed q = getopt(argv, p.first_operand + 1, OptTable{"p", {"package"}, false});
    if (q.first_operand >= argv.size()) return {};
    return exec_at(q.first_operand, name);
  }
  if (yarn_builtins.count(sub.text)) return {};
  return exec_at(p.first_operand, name);
}

Wrap classify_docker(const std::vector<Arg>& argv, const std::string& name) {
  size_t i = 1;
  auto lit = [&](size_t k, std::string_view s) { return k < argv.size() && argv[k].literal && argv[k].text == s; };
  if (lit(i, "compose")) ++i;
  bool compose = name == "docker-compose" || i == 2;
  if (!lit(i, "exec")) return {};
  OptTable t = compose ? OptTable{"uwe", {"user", "workdir", "env", "index"}, false}
                       : OptTable{"euw", {"env", "env-file", "user", "workdir", "detach-keys"}, false};
  Parsed p = getopt(argv, i + 1, t);
  if (p.first_operand + 1 >= argv.size()) return {};
  return exec_at(p.first_operand + 1, name + " exec");
}

Wrap classify_kubectl(const std::vector<Arg>& argv) {
  bool exec = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i].literal && argv[i].text == "exec") exec = true;
    if (exec && argv[i].literal && argv[i].text == "--") {
      if (i + 1 < argv.size()) return exec_at(i + 1, "kubectl exec");
      return {};
    }
  }
  return {};
}

}  // namespace

Wrap classify_wrapper(const std::vector<Arg>& argv) {
  Wrap none;
  if (argv.empty() || !argv[0].literal) return none;
  std::string name(basename_of(argv[0].text));

  if (is_shell_name(name)) return classify_shell(argv, 1, name);
  if (name == "busybox" && argv.size() > 1 && argv[1].literal && is_shell_name(argv[1].text))
    return classify_shell(argv, 2, argv[1].text);
  if (name == "sudo") {
    static const OptTable t{"CDghpRrTtUu", {"user", "group", "prompt", "chdir", "close-from", "role", "type",
                                           "command-timeout", "other-user", "host", "chroot"}, false};
    Parsed p = getopt(argv, 1, t);
    for (std::string_view q : {"l", "v", "k", "K", "e", "V", "list", "validate", "edit", "version", "help"})
      if (p.has(q)) {
        Wrap w;
        w.kind = WrapKind::NotACall;
        return w;
      }
    Wrap w;
    w.label = "sudo";
    size_t i = skip_assignments(argv, p.first_operand, w);
    if (i >= argv.size()) {
      if (p.has("i") || p.has("s") || p.has("login") || p.has("shell")) w.kind = WrapKind::StdinShell;
      return w;
    }
    w.kind = WrapKind::Exec;
    w.index = i;
    return w;
  }
  if (name == "doas") {
    Parsed p = getopt(argv, 1, OptTable{"uC", {}, false});
    if (p.first_operand >= argv.size()) {
      Wrap w;
      w.label = "doas";
      if (p.has("s")) w.kind = WrapKind::StdinShell;
      return w;
    }
    return exec_at(p.first_operand, "doas");
  }
  if (name == "su" || name == "runuser") return classify_su(argv, name);
  if (name == "env") {
    Parsed p = getopt(argv, 1, OptTable{"uCS", {"unset", "chdir", "split-string", "block-signal",
                                              "default-signal", "ignore-signal"}, false});
    if (const Opt* s = p.get("S", "split-string")) {
      Wrap w;
      w.kind = WrapKind::JoinedText;
      w.index = static_cast<size_t>(std::max(0, s->value_arg));
      w.label = "env -S";
      w.text_skip = s->value_skip;
      return w;
    }
    return finish_exec(argv, p.first_operand, "env");
  }
  if (name == "nice") {
    size_t i = 1;
    while (i < argv.size() && argv[i].literal && argv[i].text.size() > 1 && argv[i].text[0] == '-') {
      const std::string& o = argv[i].text;
      if (o == "--") { ++i; break; }
      if (o == "-n" || o == "--adjustment") ++i;
      ++i;
    }
    return i < argv.size() ? exec_at(i, "nice") : none;
  }
  if (name == "nohup" || name == "unbuffer" || name == "chronic" || name == "proxychains" ||
      name == "proxychains4" || name == "catchsegv") {
    size_t i = 1;
    if (i < argv.size() && argv[i].literal && argv[i].text == "--") ++i;
    return i < argv.size() ? exec_at(i, name) : none;
  }
  if (name == "timeout") {
    Parsed p = getopt(argv, 1, OptTable{"sk", {"signal", "kill-after"}, false});
    size_t i = p.first_operand + 1;  // skip DURATION
    return i < argv.size() ? exec_at(i, "timeout") : none;
  }
  if (name == "time") {
    Parsed p = getopt(argv, 1, OptTable{"fo", {"format", "output"}, false});
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "time") : none;
  }
  if (name == "command") {
    Parsed p = getopt(argv, 1, OptTable{"", {}, false});
    if (p.has("v") || p.has("V")) {
      Wrap w;
      w.kind = WrapKind::NotACall;
      return w;
    }
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "command") : none;
  }
  if (name == "exec") {
    Parsed p = getopt(argv, 1, OptTable{"a", {}, false});
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "exec") : none;
  }
  if (name == "builtin") return none;
  if (name == "stdbuf") {
    Parsed p = getopt(argv, 1, OptTable{"ioe", {"input", "output", "error"}, false});
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "stdbuf") : none;
  }
  if (name == "ionice") {
    Parsed p = getopt(argv, 1, OptTable{"cnpPu", {"class", "classdata", "pid", "pgid", "uid"}, false});
    if (p.has("p") || p.has("P") || p.has("u")) {
      Wrap w;
      w.kind = WrapKind::NotACall;
      return w;
    }
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "ionice") : none;
  }
  if (name == "setsid") {
    Parsed p = getopt(argv, 1, OptTable{"", {}, false});
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "setsid") : none;
  }
  if (name == "taskset") {
    Parsed p = getopt(argv, 1, OptTable{"", {}, false});
    if (p.has("p") || p.has("pid")) return none;
    size_t i = p.first_operand + 1;  // skip the mask or cpu list
    return i < argv.size() ? exec_at(i, "taskset") : none;
  }
  if (name == "flock") {
    Parsed p = getopt(argv, 1, OptTable{"cEw", {"command", "conflict-exit-code", "timeout", "wait"}, true});
    if (const Opt* c = p.get("c", "command")) {
      Wrap w;
      if (c->value_arg < 0) return w;
      w.kind = WrapKind::ShellText;
      w.index = static_cast<size_t>(c->value_arg);
      w.label = "flock -c";
      w.text_skip = c->value_skip;
      return w;
    }
    if (p.operands.size() >= 2) return exec_at(p.operands[1], "flock");
    return none;
  }
  if (name == "script") {
    Parsed p = getopt(argv, 1, OptTable{"cEmoTBIO", {"command", "echo", "logging-format", "output-limit",
                                                   "log-timing", "log-io", "log-in", "log-out"}, true});
    if (const Opt* c = p.get("c", "command")) {
      Wrap w;
      if (c->value_arg < 0) return w;
      w.kind = WrapKind::ShellText;
      w.index = static_cast<size_t>(c->value_arg);
      w.label = "script -c";
      w.text_skip = c->value_skip;
      return w;
    }
    return none;
  }
  if (name == "watch") {
    Parsed p = getopt(argv, 1, OptTable{"nq", {"interval", "equexit"}, false});
    if (p.first_operand >= argv.size()) return none;
    if (p.has("x") || p.has("exec")) return exec_at(p.first_operand, "watch");
    Wrap w;
    w.kind = WrapKind::JoinedText;
    w.index = p.first_operand;
    w.label = "watch";
    return w;
  }
  if (name == "xargs") return classify_xargs(argv);
  if (name == "npx" || name == "pnpx" || name == "bunx") return classify_npx(argv, name);
  if (name == "npm") return classify_npm(argv);
  if (name == "yarn" || name == "pnpm") return classify_yarn_like(argv, name);
  if (name == "bun") {
    if (argv.size() > 2 && argv[1].literal && (argv[1].text == "x" || argv[1].text == "run")) return exec_at(2, "bun");
    return none;
  }
  if (name == "sshpass") {
    Parsed p = getopt(argv, 1, OptTable{"pfdP", {}, false});
    return p.first_operand < argv.size() ? exec_at(p.first_operand, "sshpass") : none;
  }
  if (name == "ssh") return classify_ssh(argv);
  if (name == "docker" || name == "podman" || name == "docker-compose") return classify_docker(argv, name);
  if (name == "kubectl" || name == "oc") return classify_kubectl(argv);
  if (name == "cross-env" || name == "cross-env-shell") return finish_exec(argv, 1, name);
  if (name == "dotenv") {
    for (size_t i = 1; i < argv.size(); ++i)
      if (argv[i].literal && argv[i].text == "--") return i + 1 < argv.size() ? exec_at(i + 1, "dotenv") : none;
    return none;
  }
  if (name == "eval") {
    Wrap w;
    if (argv.size() < 2) return w;
    w.kind = WrapKind::JoinedText;
    w.index = 1;
    w.label = "eval";
    return w;
  }
  if (name == "source" || name == ".") {
    Wrap w;
    if (argv.size() < 2) return w;
    w.kind = WrapKind::ScriptFile;
    w.index = 1;
    w.label = name;
    return w;
  }
  if (name == "which" || name == "type" || name == "hash" || name == "whereis") {
    Wrap w;
    w.kind = WrapKind::NotACall;
    return w;
  }
  if (name == "node" || name == "nodejs") {
    // `node /usr/lib/node_modules/pm2/bin/pm2 delete all`
    Parsed p = getopt(argv, 1, OptTable{"er", {"eval", "require", "import", "loader"}, false});
    if (p.has("e") || p.has("p") || p.has("eval") || p.has("print")) return none;
    if (p.first_operand < argv.size() && argv[p.first_operand].literal) {
      const std::string& s = argv[p.first_operand].text;
      if ((s.size() >= 8 && s.compare(s.size() - 8, 8, "/bin/pm2") == 0) ||
          (s.size() >= 11 && s.compare(s.size() - 11, 11, "/bin/pm2.js") == 0)) {
        Wrap w = exec_at(p.first_operand, "node");
        return w;
      }
    }
    return none;
  }
  return none;
}

bool is_printer(std::string_view name) { return name == "echo" || name == "printf"; }

// ---------------------------------------------------------------------------
// Pipeline stages.

namespace {

bool contains_any(std::string_view s, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles)
    if (s.find(n) != std::string_view::npos) return true;
  return false;
}

// Letters of a grep pattern outside regex syntax: `"name":"[^"]*"` -> "name".
std::string pattern_letters(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      ++i;  // \w, \d, \. ...: not a literal letter of a name
      continue;
    }
    if (c == '[') {
      size_t close = p.find(']', i + 2);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') out += c;
    else out += ' ';
  }
  return out;
}

// An extraction pattern names only jlist fields (`"name":"[^"]*"`, `pm_id":[0-9]+`):
// it pulls every entry out of the list rather than picking some.
bool only_field_names(std::string_view pattern) {
  static const std::set<std::string> fields = {"name", "pm_id", "pid", "namespace", "status", "pm2_env", "id",
                                               "online", "stopped", "n", "p", "P", "K", "o"};
  std::string letters = pattern_letters(pattern);
  size_t i = 0;
  while (i < letters.size()) {
    while (i < letters.size() && letters[i] == ' ') ++i;
    size_t b = i;
    while (i < letters.size() && letters[i] != ' ') ++i;
    if (i == b) continue;
    std::string w = letters.substr(b, i - b);
    while (!w.empty() && w.front() == '-') w.erase(0, 1);
    while (!w.empty() && w.back() == '-') w.pop_back();
    if (w.empty()) continue;
    if (!fields.count(w)) return false;
  }
  return true;  // no letters at all (`[0-9]+`) extracts every entry too
}

bool trivially_matches_all(std::string_view p) {
  return p.empty() || p == "." || p == "^" || p == "$" || p == ".*" || p == "^.*" || p == ".*$" || p == "^.*$" ||
         p == ".+" || p == "\\w" || p == "[a-z]" || p == "^[a-z]";
}

StageEffect classify_grep(const std::vector<Arg>& argv) {
  static const OptTable t{"efmABCdD", {"regexp", "file", "max-count", "after-context", "before-context",
                                      "context", "devices", "directories", "label", "binary-files",
                                      "exclude", "include", "color", "colour"}, true};
  Parsed p = getopt(argv, 1, t);
  if (p.has("c") || p.has("q") || p.has("count") || p.has("quiet") || p.has("silent") || p.has("l") ||
      p.has("L"))
    return StageEffect::Drop;
  if (p.has("v") || p.has("invert-match")) return StageEffect::Passthrough;  // an exclusion keeps every other app
  std::string pattern;
  bool have = false;
  if (const Opt* e = p.get("e", "regexp")) {
    pattern = e->value;
    have = true;
  } else if (p.has("f") || p.has("file")) {
    return StageEffect::Filter;
  } else if (!p.operands.empty()) {
    if (!argv[p.operands[0]].literal) return StageEffect::Filter;
    pattern = argv[p.operands[0]].text;
    have = true;
  }
  if (!have) return StageEffect::Unknown;
  if (trivially_matches_all(pattern)) return StageEffect::Passthrough;
  if (p.has("o") || p.has("only-matching")) return only_field_names(pattern) ? StageEffect::Passthrough : StageEffect::Filter;
  return StageEffect::Filter;
}

StageEffect classify_jq(const std::vector<Arg>& argv) {
  // --arg/--argjson/--slurpfile/--rawfile take two values.
  size_t i = 1;
  std::string program;
  bool have = false;
  while (i < argv.size()) {
    const Arg& a = argv[i];
    if (a.literal && (a.text == "--arg" || a.text == "--argjson" || a.text == "--slurpfile" || a.text == "--rawfile")) {
      i += 3;
      continue;
    }
    if (a.literal && (a.text == "--indent" || a.text == "-L" || a.text == "--tab" )) {
      i += a.text == "--tab" ? 1 : 2;
      continue;
    }
    if (a.literal && (a.text == "-f" || a.text == "--from-file")) return StageEffect::Unknown;
    if (a.literal && a.text.size() > 1 && a.text[0] == '-') {
      ++i;
      continue;
    }
    program = a.text;
    have = a.literal;
    break;
  }
  if (!have) return StageEffect::Unknown;
  if (contains_any(program, {"select(", "select (", "index(", "test(", "startswith(", "endswith(", "contains(",
                             "inside(", "match(", "==", "IN("})) {
    if (contains_any(program, {"!=", "| not", "|not", "not)"}) &&
        !contains_any(program, {"==", "startswith(", "test(", "match(", "IN("}))
      return StageEffect::Passthrough;
    return StageEffect::Filter;
  }
  if (contains_any(program, {"length"})) return StageEffect::Drop;
  return StageEffect::Passthrough;
}

StageEffect classify_awk(const std::vector<Arg>& argv) {
  Parsed p = getopt(argv, 1, OptTable{"Fvf", {"field-separator", "assign", "file"}, false});
  if (p.has("f") || p.has("file")) return StageEffect::Unknown;
  if (p.first_operand >= argv.size() || !argv[p.first_operand].literal) return StageEffect::Unknown;
  std::string prog = argv[p.first_operand].text;
  // Drop string literals so that `print "=="` does not read as a test.
  std::string code;
  bool in_str = false;
  for (size_t i = 0; i < prog.size(); ++i) {
    char c = prog[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
      code += "\"\"";
      continue;
    }
    code += c;
  }
  if (contains_any(code, {"!~", "!="}) && !contains_any(code, {"==", " ~", "~/", "index(", "match("}))
    return StageEffect::Passthrough;
  // A pattern before the first action, other than BEGIN/END or a line-number test.
  size_t brace = code.find('{');
  std::string head = code.substr(0, brace == std::string::npos ? code.size() : brace);
  auto trim = [](std::string s) {
    while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
    while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
  };
  head = trim(head);
  bool numeric_only = head.rfind("NR", 0) == 0 || head.rfind("FNR", 0) == 0 || head.rfind("NF", 0) == 0;
  if (!head.empty() && head != "BEGIN" && head != "END" && !numeric_only) return StageEffect::Filter;
  if (contains_any(code, {"~", "==", "index(", "match(", "/ {", "/{"})) {
    // `if ($2 ~ /web/)` inside an action, or another pattern later on.
    if (contains_any(code, {"~", "==", "index(", "match("})) return StageEffect::Filter;
  }
  if (brace != std::string::npos) {
    // Later rules: `{...} /x/ {...}`
    size_t close = code.find('}', brace);
    if (close != std::string::npos && close + 1 < code.size()) {
      std::string rest = trim(code.substr(close + 1));
      if (!rest.empty() && rest[0] == '/') return StageEffect::Filter;
    }
  }
  return StageEffect::Passthrough;
}

StageEffect classify_sed(const std::vector<Arg>& argv) {
  Parsed p = getopt(argv, 1, OptTable{"efl", {"expression", "file", "line-length"}, true});
  bool quiet = p.has("n") || p.has("quiet") || p.has("silent");
  std::vector<std::string> scripts;
  for (const Opt& o : p.opts)
    if (o.name == "e" || o.name == "expression") scripts.push_back(o.value);
  if (p.has("f") || p.has("file")) return StageEffect::Unknown;
  if (scripts.empty() && !p.operands.empty()) {
    if (!argv[p.operands[0]].literal) return StageEffect::Unknown;
    scripts.push_back(argv[p.operands[0]].text);
  }
  for (const std::string& s : scripts) {
    std::string t = s;
    while (!t.empty() && isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    bool regex_address = !t.empty() && (t[0] == '/' || t[0] == '\\');
    if (regex_address) {
      // Find the command after the address.
      char delim = t[0] == '\\' && t.size() > 1 ? t[1] : '/';
      size_t start = t[0] == '\\' ? 2 : 1;
      size_t end = start;
      while (end < t.size() && t[end] != delim) {
        if (t[end] == '\\') ++end;
        ++end;
      }
      std::string cmd = end + 1 < t.size() ? t.substr(end + 1) : "";
      while (!cmd.empty() && (isspace(static_cast<unsigned char>(cmd.front())) || cmd.front() == 'I')) cmd.erase(0, 1);
      bool negated = !cmd.empty() && cmd[0] == '!';
      if (negated) cmd.erase(0, 1);
      char c = cmd.empty() ? 'p' : cmd[0];
      if (c == 'd') return negated ? StageEffect::Filter : StageEffect::Passthrough;
      if (c == 'p' && quiet) return negated ? StageEffect::Passthrough : StageEffect::Filter;
      if (quiet) return StageEffect::Filter;
    } else if (quiet && contains_any(t, {"/p", "/gp", "/pg"})) {
      return StageEffect::Filter;  // prints only the lines where a substitution happened
    }
  }
  return StageEffect::Passthrough;
}

StageEffect classify_script_interpreter(const std::vector<Arg>& argv) {
  std::string code;
  for (size_t i = 1; i < argv.size(); ++i) {
    const Arg& a = argv[i];
    if (!a.literal) continue;
    if ((a.text == "-e" || a.text == "-c" || a.text == "-p" || a.text == "--eval" || a.text == "-ne" ||
         a.text == "-pe" || a.text == "-E" || a.text == "-r" || a.text == "--print") &&
        i + 1 < argv.size()) {
      code = argv[i + 1].text;
      break;
    }
  }
  if (code.empty()) return StageEffect::Unknown;
  if (contains_any(code, {"startsWith", "startswith", "endsWith", "endswith", "includes(", "===", "==", ".match(",
                          ".test(", "indexOf(", "re.search", "re.match", "=~", " in ", "grep"}))
    return StageEffect::Filter;
  if (contains_any(code, {"filter(", "if ", "if("})) return StageEffect::Filter;
  return StageEffect::Passthrough;
}

}  // namespace

StageEffect classify_stage(const std::vector<Arg>& argv) {
  if (argv.empty() || !argv[0].literal) return StageEffect::Unknown;
  std::string name(basename_of(argv[0].text));
  if (name == "grep" || name == "egrep" || name == "fgrep" || name == "rg" || name == "ag" || name == "zgrep")
    return classify_grep(argv);
  if (name == "jq" || name == "gojq" || name == "jaq" || name == "yq") return classify_jq(argv);
  if (name == "awk" || name == "gawk" || name == "mawk" || name == "nawk") return classify_awk(argv);
  if (name == "sed" || name == "gsed") return classify_sed(argv);
  if (name == "node" || name == "nodejs" || name == "python" || name == "python3" || name == "ruby" ||
      name == "perl" || name == "php" || name == "bun" || name == "deno")
    return classify_script_interpreter(argv);
  static const std::set<std::string> pass = {"cut", "tr", "sort", "uniq", "head", "tail", "cat", "tee", "column",
                                             "rev", "paste", "fmt", "fold", "expand", "unexpand", "nl", "tac",
                                             "xargs", "sponge", "dos2unix", "iconv", "col", "strings", "shuf"};
  if (pass.count(name)) return StageEffect::Passthrough;
  if (name == "wc" || name == "true" || name == ":" || name == "test" || name == "[") return StageEffect::Drop;
  return StageEffect::Unknown;
}

}  // namespace pm2guard::lint

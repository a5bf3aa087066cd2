#include "command_knowledge.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
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
  /// Short letters whose value is optional and only ever attached
  /// (`nsenter -m/proc/1/ns/mnt`): the rest of the word is the value.
  std::string_view short_optional = {};
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
      if (t.short_optional.find(a.text[k]) != std::string_view::npos) {
        if (k + 1 < a.text.size()) {
          o.value = a.text.substr(k + 1);
          o.value_arg = static_cast<int>(i);
          o.value_skip = k + 1;
        }
        p.opts.push_back(o);
        break;
      }
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

// A path to pm2's own bin script, run by node: `.../pm2/bin/pm2`,
// `./node_modules/.bin/pm2`, `node_modules/pm2/bin/pm2.js`.
bool is_pm2_script(std::string_view s) {
  auto ends = [&](std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends("/bin/pm2") || ends("/bin/pm2.js") || ends("/.bin/pm2") || s == ".bin/pm2" || s == "bin/pm2";
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
    if (o.name == "0" || o.name == "null" || o.name == "d" || o.name == "delimiter" || o.name == "a" ||
        o.name == "arg-file")
      w.custom_input = true;
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


// ---------------------------------------------------------------------------
// Tool runners, remote shells and job launchers.

bool lit_is(const std::vector<Arg>& argv, size_t k, std::string_view s) {
  return k < argv.size() && argv[k].literal && argv[k].text == s;
}

Wrap not_a_call() {
  Wrap w;
  w.kind = WrapKind::NotACall;
  return w;
}

// A wrapper whose text argument (an option's value) is shell text.
Wrap text_of(const Opt& o, WrapKind kind, std::string label, bool remote) {
  Wrap w;
  if (o.value_arg < 0) return w;
  w.kind = kind;
  w.index = static_cast<size_t>(o.value_arg);
  w.text_skip = o.value_skip;
  w.label = std::move(label);
  w.remote = remote;
  return w;
}

// The index of the first literal `--` at or after `from` (argv.size() when none).
size_t double_dash(const std::vector<Arg>& argv, size_t from) {
  for (size_t i = from; i < argv.size(); ++i)
    if (lit_is(argv, i, "--")) return i;
  return argv.size();
}

// The arguments ssh itself would get after the host (gcloud/vagrant `-- SSH_ARGS`):
// ssh options, then the remote command joined as ssh joins it.
Wrap remote_ssh_args(const std::vector<Arg>& argv, size_t from, std::string label) {
  static const OptTable ssh_t{"BbcDEeFIiJLlmOoPpQRSWw", {}, false};
  Wrap w;
  w.label = std::move(label);
  w.remote = true;
  Parsed p = getopt(argv, from, ssh_t);
  if (p.first_operand >= argv.size()) {
    w.kind = WrapKind::StdinShell;
    return w;
  }
  w.kind = WrapKind::JoinedText;
  w.index = p.first_operand;
  return w;
}

// gcloud compute ssh VM [flags] [--command=TEXT] [-- SSH_ARGS]; also
// `compute tpus tpu-vm ssh`, `cloud-shell ssh`, `workstations ssh`, alpha/beta.
Wrap classify_gcloud(const std::vector<Arg>& argv) {
  size_t ssh_at = 0;
  bool group = false;
  for (size_t i = 1; i < argv.size() && i < 8; ++i) {
    const Arg& a = argv[i];
    if (!a.literal || a.text == "--") break;
    if (a.text.rfind("-", 0) == 0) continue;
    if (a.text == "compute" || a.text == "cloud-shell" || a.text == "tpu-vm" || a.text == "workstations") group = true;
    if (a.text == "ssh") {
      if (group) ssh_at = i;
      break;
    }
  }
  if (ssh_at == 0) return {};
  size_t dash = double_dash(argv, ssh_at + 1);
  for (size_t i = ssh_at + 1; i < dash; ++i) {
    const Arg& a = argv[i];
    if (!a.literal) continue;
    if (a.text == "--dry-run") return not_a_call();
    Opt o;
    if (a.text == "--command" && i + 1 < dash) {
      o.value_arg = static_cast<int>(i + 1);
    } else if (a.text.rfind("--command=", 0) == 0) {
      o.value_arg = static_cast<int>(i);
      o.value_skip = 10;
    } else {
      continue;
    }
    return text_of(o, WrapKind::ShellText, "gcloud compute ssh", true);
  }
  return remote_ssh_args(argv, dash + 1, "gcloud compute ssh");
}

// vagrant ssh [-c TEXT] [name] [-- SSH_ARGS]
Wrap classify_vagrant(const std::vector<Arg>& argv) {
  if (!lit_is(argv, 1, "ssh")) return {};
  size_t dash = double_dash(argv, 2);
  std::vector<Arg> head(argv.begin(), argv.begin() + static_cast<long>(dash));
  Parsed p = getopt(head, 2, OptTable{"c", {"command"}, true});
  if (const Opt* c = p.get("c", "command")) return text_of(*c, WrapKind::ShellText, "vagrant ssh", true);
  return remote_ssh_args(argv, dash + 1, "vagrant ssh");
}

// mosh [options] [--] [user@]host [--] [command...]: Getopt::Long permutes,
// so the command's own options need the `--`.
Wrap classify_mosh(const std::vector<Arg>& argv) {
  static const OptTable t{"p", {"client", "server", "predict", "family", "port", "bind-server", "ssh",
                                "experimental-remote-ip"}, true};
  Parsed p = getopt(argv, 1, t);
  if (p.operands.size() < 2) return {};  // an interactive session
  Wrap w = exec_at(p.operands[1], "mosh");
  w.remote = true;
  return w;
}

// ansible HOSTS [-m command|shell|raw] -a TEXT: the module runs TEXT on each host.
Wrap classify_ansible(const std::vector<Arg>& argv) {
  static const OptTable t{"maiuefBPtMTcl", {"module-name", "args", "inventory", "inventory-file", "user", "extra-vars",
                                            "forks", "limit", "background", "poll", "tree", "module-path", "timeout",
                                            "connection", "private-key", "key-file", "become-user", "become-method",
                                            "become-password-file", "connection-password-file", "ssh-common-args",
                                            "sftp-extra-args", "scp-extra-args", "ssh-extra-args", "vault-id",
                                            "vault-password-file", "vault-pass-file", "playbook-dir", "task-timeout"},
                          true};
  Parsed p = getopt(argv, 1, t);
  const Opt* a = p.get("a", "args");
  if (!a) return {};
  std::string module = "command";
  if (const Opt* m = p.get("m", "module-name")) {
    if (m->value_arg < 0 || !argv[static_cast<size_t>(m->value_arg)].literal) return {};
    module = m->value;
  }
  for (std::string_view ns : {"ansible.builtin.", "ansible.legacy."})
    if (module.rfind(ns, 0) == 0) module = module.substr(ns.size());
  if (module != "command" && module != "shell" && module != "raw") return {};
  return text_of(*a, WrapKind::ShellText, "ansible -m " + module, true);
}

// doppler [global flags] run [flags] [--command=TEXT | [--] command...]
Wrap classify_doppler(const std::vector<Arg>& argv) {
  static const OptTable t{"pct", {"project", "config", "token", "scope", "configuration", "config-dir", "api-host",
                                  "dashboard-host", "timeout", "attempts", "fallback", "fallback-passphrase",
                                  "passphrase", "mount", "mount-format", "mount-template", "mount-max-reads",
                                  "name-transformer", "only-secrets", "command"}, false};
  Parsed g = getopt(argv, 1, t);
  if (!lit_is(argv, g.first_operand, "run")) return {};
  if (lit_is(argv, g.first_operand + 1, "clean")) return {};
  Parsed p = getopt(argv, g.first_operand + 1, t);
  if (const Opt* c = p.get("command")) return text_of(*c, WrapKind::ShellText, "doppler run --command", false);
  return p.first_operand < argv.size() ? exec_at(p.first_operand, "doppler run") : Wrap{};
}

// mise exec|x [flags] [TOOL@VERSION...] (--command TEXT | -- command...)
Wrap classify_mise(const std::vector<Arg>& argv) {
  static const OptTable global{"CEj", {"cd", "env", "jobs", "log-level"}, false};
  Parsed g = getopt(argv, 1, global);
  if (!lit_is(argv, g.first_operand, "exec") && !lit_is(argv, g.first_operand, "x")) return {};
  size_t dash = double_dash(argv, g.first_operand + 1);
  std::vector<Arg> head(argv.begin(), argv.begin() + static_cast<long>(dash));
  Parsed p = getopt(head, g.first_operand + 1,
                    OptTable{"cCj", {"command", "cd", "jobs", "allow-env", "allow-net", "allow-read", "allow-write",
                                     "deny-env", "deny-net", "deny-read", "deny-write"}, true});
  if (const Opt* c = p.get("c", "command")) return text_of(*c, WrapKind::ShellText, "mise exec -c", false);
  return dash + 1 < argv.size() ? exec_at(dash + 1, "mise exec") : Wrap{};
}

// A node version as nvm reads one: `18`, `v20.1`, `node`, `lts/*`, `default`.
bool nvm_version_word(const Arg& a) {
  if (!a.literal) return true;  // `nvm exec "$NODE_VERSION" ...`
  const std::string& s = a.text;
  if (s.empty()) return false;
  if (isdigit(static_cast<unsigned char>(s[0]))) return true;
  if (s.size() > 1 && s[0] == 'v' && isdigit(static_cast<unsigned char>(s[1]))) return true;
  if (s.rfind("lts/", 0) == 0 || s.rfind("iojs", 0) == 0) return true;
  return s == "node" || s == "stable" || s == "unstable" || s == "system" || s == "default";
}

// `nvm exec [--silent] [--lts] [version] command args` runs the command;
// `nvm run [version] args` runs node with args (pm2 when the script is pm2's bin).
Wrap classify_nvm(const std::vector<Arg>& argv) {
  bool exec = lit_is(argv, 1, "exec");
  if (!exec && !lit_is(argv, 1, "run")) return {};
  size_t i = 2;
  while (i < argv.size() && argv[i].literal && argv[i].text.rfind("--", 0) == 0) ++i;  // --silent, --lts[=x]
  if (i + 1 < argv.size() && nvm_version_word(argv[i])) ++i;
  if (i >= argv.size()) return {};
  if (exec) return exec_at(i, "nvm exec");
  while (i < argv.size() && argv[i].literal && argv[i].text.size() > 1 && argv[i].text[0] == '-') ++i;
  if (i < argv.size() && argv[i].literal && is_pm2_script(argv[i].text)) return exec_at(i, "nvm run");
  return {};
}

// find ... -exec|-execdir|-ok|-okdir command args {} (; | +): the command
// runs once per file (or with many), `{}` being a file name known at run
// time. Of several clauses, the first that runs something other than a
// common file command.
Wrap classify_find(const std::vector<Arg>& argv) {
  static const std::set<std::string> plain = {"echo", "printf", "rm", "ls", "cat", "chmod", "chown", "chgrp", "cp",
                                              "mv", "touch", "stat", "du", "file", "grep", "head", "tail", "wc",
                                              "sed", "basename", "dirname", "test", "[", "md5sum", "sha256sum",
                                              "gzip", "tar", "ln", "mkdir", "rmdir", "realpath", "readlink"};
  size_t chosen = 0;
  for (size_t i = 1; i + 1 < argv.size(); ++i) {
    const Arg& a = argv[i];
    if (!a.literal || (a.text != "-exec" && a.text != "-execdir" && a.text != "-ok" && a.text != "-okdir")) continue;
    size_t cmd = i + 1;
    if (chosen == 0) chosen = cmd;
    if (!argv[cmd].literal || !plain.count(std::string(basename_of(argv[cmd].text)))) {
      chosen = cmd;
      break;
    }
  }
  if (chosen == 0) return {};
  Wrap w;
  w.kind = WrapKind::Xargs;
  w.index = chosen;
  w.replace = "{}";
  w.custom_input = true;  // the file names do not come from stdin
  w.label = "find -exec";
  for (size_t i = chosen + 1; i < argv.size(); ++i)
    if (argv[i].literal && (argv[i].text == ";" || argv[i].text == "+")) {
      w.end = i;
      break;
    }
  return w;
}

// GNU parallel [options] command [args] (::: values | :::: files)...
Wrap classify_parallel(const std::vector<Arg>& argv, const std::string& name) {
  static const OptTable t{"aCdEIjLnNPSsW", {"arg-file", "colsep", "delimiter", "eof", "replace", "jobs", "max-procs",
                                            "max-lines", "max-args", "sshlogin", "sshloginfile", "slf", "max-chars",
                                            "workdir", "wd", "results", "res", "joblog", "timeout", "delay",
                                            "tagstring", "basefile", "bf", "return", "transferfile", "tf", "env",
                                            "retries", "memfree", "load", "nice", "block", "block-size", "header",
                                            "halt", "termseq", "tmpdir", "tempdir", "rpl", "ssh", "sshdelay",
                                            "pipepart", "shebang-wrap", "id", "fg", "semaphorename"}, false};
  Parsed p = getopt(argv, 1, t);
  if (p.first_operand >= argv.size()) return {};
  Wrap w;
  w.label = name;
  w.remote = p.has("S") || p.has("sshlogin") || p.has("sshloginfile") || p.has("slf");
  bool semaphore = name == "sem" || p.has("semaphore");
  bool inline_values = false, file_values = p.has("a") || p.has("arg-file");
  bool replaced = false;
  for (size_t i = p.first_operand; i < argv.size(); ++i) {
    const Arg& a = argv[i];
    if (!a.literal) continue;
    if (a.text == ":::" || a.text == ":::+") inline_values = true;
    if (a.text == "::::" || a.text == "::::+") file_values = true;
    if (!inline_values && !file_values && a.text.find('{') != std::string::npos &&
        a.text.find('}') != std::string::npos)
      replaced = true;
  }
  if (semaphore || (inline_values && !file_values)) {
    // The command is shell text; the values after ::: fill in `{}` or are
    // appended: joined, the words hold them as pm2 would see them.
    w.kind = WrapKind::JoinedText;
    w.index = p.first_operand;
    return w;
  }
  // Values read from stdin (or files), like xargs.
  w.kind = WrapKind::Xargs;
  w.index = p.first_operand;
  w.replace = replaced ? "{}" : "";
  w.custom_input = file_values || p.has("d") || p.has("delimiter") || p.has("0") || p.has("null");
  return w;
}

// tmux [-c text] [global options] command [options] [shell-command...]
Wrap classify_tmux(const std::vector<Arg>& argv) {
  Parsed g = getopt(argv, 1, OptTable{"cfLST", {}, false});
  if (const Opt* c = g.get("c")) return text_of(*c, WrapKind::ShellText, "tmux -c", false);
  if (g.first_operand >= argv.size() || !argv[g.first_operand].literal) return {};
  const std::string& cmd = argv[g.first_operand].text;
  std::string_view values;
  std::string label = "tmux " + cmd;
  if (cmd == "new-session" || cmd == "new") values = "cefFnstxy";
  else if (cmd == "new-window" || cmd == "neww") values = "ceFnt";
  else if (cmd == "split-window" || cmd == "splitw") values = "celtFp";
  else if (cmd == "respawn-pane" || cmd == "respawnp" || cmd == "respawn-window" || cmd == "respawnw") values = "cet";
  else if (cmd == "run-shell" || cmd == "run") values = "cdt";
  else if (cmd == "display-popup" || cmd == "popup") values = "bcdehsStTwxy";
  else if (cmd == "send-keys" || cmd == "send") values = "cNt";
  else return {};
  Parsed p = getopt(argv, g.first_operand + 1, OptTable{values, {}, false});
  if ((cmd == "run-shell" || cmd == "run") && p.has("C")) return {};    // a tmux command, not shell text
  if ((cmd == "send-keys" || cmd == "send") && p.has("X")) return {};  // a copy-mode command
  if (p.first_operand >= argv.size()) return {};
  Wrap w;
  w.kind = WrapKind::JoinedText;  // one word: shell text; several: the command and its arguments
  w.index = p.first_operand;
  w.label = label;
  return w;
}

// screen [-dmS name] [options] command [args]: a new window running the command.
Wrap classify_screen(const std::vector<Arg>& argv) {
  Parsed p = getopt(argv, 1, OptTable{"cehpsStTX", {}, false});
  if (p.has("X") || p.has("r") || p.has("R") || p.has("x") || p.has("Q")) return {};  // commands to a session
  if ((p.has("d") || p.has("D")) && !p.has("m")) return {};                          // detach
  return p.first_operand < argv.size() ? exec_at(p.first_operand, "screen") : Wrap{};
}

Wrap classify_systemd_run(const std::vector<Arg>& argv) {
  static const OptTable t{"uHMpEC", {"unit", "property", "description", "slice", "setenv", "uid", "gid", "nice",
                                     "working-directory", "host", "machine", "service-type", "on-active", "on-boot",
                                     "on-startup", "on-unit-active", "on-unit-inactive", "on-calendar",
                                     "timer-property", "path-property", "socket-property", "capsule",
                                     "root-directory", "expand-environment", "json", "job-mode"}, false};
  Parsed p = getopt(argv, 1, t);
  if (p.first_operand >= argv.size()) return {};
  Wrap w = exec_at(p.first_operand, "systemd-run");
  w.remote = p.has("H") || p.has("host") || p.has("M") || p.has("machine");
  return w;
}

Wrap classify_nsenter(const std::vector<Arg>& argv) {
  static const OptTable t{"tGSWN", {"target", "setgid", "setuid", "wdns", "net-socket"}, false, "muinpUCTrw"};
  Parsed p = getopt(argv, 1, t);
  if (p.first_operand < argv.size()) return exec_at(p.first_operand, "nsenter");
  Wrap w;
  w.kind = WrapKind::StdinShell;  // ${SHELL}
  w.label = "nsenter";
  return w;
}

Wrap classify_chroot(const std::vector<Arg>& argv) {
  Parsed p = getopt(argv, 1, OptTable{"", {"groups", "userspec"}, false});
  if (p.first_operand >= argv.size()) return {};
  if (p.first_operand + 1 < argv.size()) return exec_at(p.first_operand + 1, "chroot");
  Wrap w;
  w.kind = WrapKind::StdinShell;  // ${SHELL} -i
  w.label = "chroot";
  return w;
}

// lxc|incus exec [remote:]instance [flags] [--] command...
Wrap classify_lxc(const std::vector<Arg>& argv, const std::string& name) {
  static const OptTable t{"", {"env", "mode", "user", "group", "cwd", "project"}, true};
  Parsed g = getopt(argv, 1, OptTable{"", {"project"}, false});
  if (!lit_is(argv, g.first_operand, "exec")) return {};
  size_t dash = double_dash(argv, g.first_operand + 1);
  std::vector<Arg> head(argv.begin(), argv.begin() + static_cast<long>(dash));
  Parsed p = getopt(head, g.first_operand + 1, t);
  if (p.operands.empty()) return {};  // no instance
  if (p.operands.size() >= 2) return exec_at(p.operands[1], name + " exec");
  return dash + 1 < argv.size() ? exec_at(dash + 1, name + " exec") : Wrap{};
}

// chrt [options] [priority] command: `-p` acts on a running process.
Wrap classify_chrt(const std::vector<Arg>& argv) {
  Parsed p = getopt(argv, 1, OptTable{"TPD", {"sched-runtime", "sched-period", "sched-deadline"}, false});
  if (p.has("p") || p.has("pid") || p.has("m") || p.has("max")) return not_a_call();
  size_t i = p.first_operand;
  if (i < argv.size() && argv[i].literal && !argv[i].text.empty() &&
      std::all_of(argv[i].text.begin(), argv[i].text.end(), [](char c) { return isdigit(static_cast<unsigned char>(c)); }))
    ++i;
  else if (i < argv.size() && !argv[i].literal && i + 1 < argv.size())
    ++i;  // `chrt -f "$PRIO" cmd`
  return i < argv.size() ? exec_at(i, "chrt") : Wrap{};
}

// dotenvx run [options] -- command: -f/-e/--ignore take every following
// word (commander variadics), so without `--` the command is found only
// when none of them is used.
Wrap classify_dotenvx(const std::vector<Arg>& argv) {
  if (!lit_is(argv, 1, "run")) return {};
  size_t dash = double_dash(argv, 2);
  if (dash < argv.size()) return dash + 1 < argv.size() ? exec_at(dash + 1, "dotenvx run") : Wrap{};
  for (size_t i = 2; i < argv.size(); ++i) {
    const Arg& a = argv[i];
    if (!a.literal) return {};
    if (a.text.empty() || a.text[0] != '-') return exec_at(i, "dotenvx run");
    if (a.text == "-f" || a.text == "-fv" || a.text == "-e" || a.text == "--ignore" ||
        a.text.rfind("--env", 0) == 0)
      return {};
    if (a.text == "-fk" || a.text == "--env-keys-file" || a.text == "--convention" || a.text == "-l" ||
        a.text == "--log-level")
      ++i;
  }
  return {};
}

// op [global flags] run [--env-file F] [--no-masking] -- command
Wrap classify_op(const std::vector<Arg>& argv) {
  static const OptTable t{"", {"env-file", "account", "config", "encoding", "session", "cache"}, false};
  Parsed g = getopt(argv, 1, t);
  if (!lit_is(argv, g.first_operand, "run")) return {};
  Parsed p = getopt(argv, g.first_operand + 1, t);
  return p.first_operand < argv.size() ? exec_at(p.first_operand, "op run") : Wrap{};
}

// volta run [--node V] [--npm V] [--yarn V] [--pnpm V] [--env K=V] command args
Wrap classify_volta(const std::vector<Arg>& argv) {
  size_t i = 1;
  while (lit_is(argv, i, "--verbose") || lit_is(argv, i, "--quiet")) ++i;
  if (!lit_is(argv, i, "run")) return {};
  Parsed p = getopt(argv, i + 1, OptTable{"", {"node", "npm", "yarn", "pnpm", "env"}, false});
  return p.first_operand < argv.size() ? exec_at(p.first_operand, "volta run") : Wrap{};
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
  if (name == "builtin") {
    // `builtin command pm2 ...`: only builtins that run a command pass it on.
    if (argv.size() > 2 && argv[1].literal &&
        (argv[1].text == "command" || argv[1].text == "exec" || argv[1].text == "eval" ||
         argv[1].text == "source" || argv[1].text == "." || argv[1].text == "builtin"))
      return exec_at(1, "builtin");
    return none;
  }
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
  if (name == "gcloud") return classify_gcloud(argv);
  if (name == "vagrant") return classify_vagrant(argv);
  if (name == "mosh") return classify_mosh(argv);
  if (name == "ansible") return classify_ansible(argv);
  if (name == "doppler") return classify_doppler(argv);
  if (name == "mise" || name == "rtx") return classify_mise(argv);
  if (name == "nvm") return classify_nvm(argv);
  if (name == "asdf") return lit_is(argv, 1, "exec") && argv.size() > 2 ? exec_at(2, "asdf exec") : none;
  if (name == "volta") return classify_volta(argv);
  if (name == "dotenvx") return classify_dotenvx(argv);
  if (name == "op") return classify_op(argv);
  if (name == "find") return classify_find(argv);
  if (name == "parallel" || name == "sem") return classify_parallel(argv, name);
  if (name == "tmux") return classify_tmux(argv);
  if (name == "screen") return classify_screen(argv);
  if (name == "systemd-run") return classify_systemd_run(argv);
  if (name == "chroot") return classify_chroot(argv);
  if (name == "nsenter") return classify_nsenter(argv);
  if (name == "lxc" || name == "incus") return classify_lxc(argv, name);
  if (name == "chrt") return classify_chrt(argv);
  if (name == "which" || name == "type" || name == "hash" || name == "whereis") {
    Wrap w;
    w.kind = WrapKind::NotACall;
    return w;
  }
  if (name == "node" || name == "nodejs") {
    // `node /usr/lib/node_modules/pm2/bin/pm2 delete all`
    Parsed p = getopt(argv, 1, OptTable{"erC", {"eval", "require", "import", "loader", "experimental-loader",
                                              "conditions", "title", "input-type"}, false});
    if (p.has("e") || p.has("p") || p.has("eval") || p.has("print")) return none;
    if (p.first_operand < argv.size() && argv[p.first_operand].literal && is_pm2_script(argv[p.first_operand].text))
      return exec_at(p.first_operand, "node");
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
  // Words of `pm2 ls`/`jlist` columns other than the name: statuses, exec
  // modes, the user, memory units, watch state. Each picks processes of
  // every application alike.
  static const std::set<std::string> table_words = {
      "online", "stopped", "stopping", "errored", "launching", "waiting", "restart", "one-launch-status",
      "fork", "cluster", "fork_mode", "cluster_mode", "exec_mode", "root", "mb", "kb", "gb", "enabled",
      "disabled", "status", "mode", "user", "mem", "memory", "cpu", "uptime", "watching"};
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
    if (fields.count(w)) continue;
    std::string lower;
    for (char c : w) lower += static_cast<char>(tolower(static_cast<unsigned char>(c)));
    if (!table_words.count(lower)) return false;
  }
  return true;  // no letters at all (`[0-9]+`) extracts every entry too
}

bool trivially_matches_all(std::string_view p) {
  return p.empty() || p == "." || p == "^" || p == "$" || p == ".*" || p == "^.*" || p == ".*$" || p == "^.*$" ||
         p == ".+" || p == "\\w" || p == "[a-z]" || p == "^[a-z]";
}

enum class Syntax { Fixed, Basic, Extended, Perl };
enum class Match { All, Some, Unsure };

// Whether a regex matches every line in an unanchored search, judged from
// its structure: some alternative can match the empty string (`web|`,
// `x*`, `(web)?`, `^`) without needing both ends of the line (`^$`).
// Word boundaries, back-references and Perl extensions make it Unsure.
class RegexReader {
 public:
  RegexReader(std::string_view p, Syntax syn) : p_(p), ere_(syn != Syntax::Basic) {}

  Match judge() {
    Null n = alternation(0);
    if (i_ < p_.size()) unsure_ = true;  // an unbalanced `)`
    if (unsure_) return Match::Unsure;  // syntax not read (Perl groups, unbalanced brackets)
    if (n.nullable && !(n.needs_start && n.needs_end)) return n.unsure ? Match::Unsure : Match::All;
    return Match::Some;
  }

 private:
  struct Null {
    bool nullable = true;
    bool needs_start = false;
    bool needs_end = false;
    bool unsure = false;
  };

  bool at_alt() const {
    if (ere_) return i_ < p_.size() && p_[i_] == '|';
    return i_ + 1 < p_.size() && p_[i_] == '\\' && p_[i_ + 1] == '|';
  }
  bool at_close() const {
    if (ere_) return i_ < p_.size() && p_[i_] == ')';
    return i_ + 1 < p_.size() && p_[i_] == '\\' && p_[i_ + 1] == ')';
  }
  static bool better(const Null& a, const Null& b) {  // a matches every line more surely than b
    auto rank = [](const Null& n) {
      if (!n.nullable) return 0;
      if (n.needs_start && n.needs_end) return 1;
      return n.unsure ? 2 : 3;
    };
    return rank(a) > rank(b);
  }

  // Groups nest by recursion: past kMaxGroups the regex is not read (and
  // so judged Unsure, which callers treat as a filter of unknown effect).
  static constexpr int kMaxGroups = 256;
  int groups_ = 0;
  bool too_deep() {
    if (groups_ < kMaxGroups) return false;
    unsure_ = true;
    i_ = p_.size();
    return true;
  }
  Null group() {
    ++groups_;
    Null n = alternation(1);
    --groups_;
    return n;
  }

  Null alternation(int depth) {
    Null best;
    best.nullable = false;
    bool first = true;
    for (;;) {
      Null b = branch(depth);
      if (first || better(b, best)) best = b;
      first = false;
      if (!at_alt()) break;
      i_ += ere_ ? 1 : 2;
    }
    return best;
  }

  Null branch(int depth) {
    Null acc;
    bool start = true;
    while (i_ < p_.size() && !at_alt() && !(depth > 0 && at_close())) {
      if (depth == 0 && at_close()) {
        unsure_ = true;
        return acc;
      }
      Null atom = read_atom(start);
      start = false;
      quantify(atom);
      acc.nullable = acc.nullable && atom.nullable;
      acc.needs_start = acc.needs_start || atom.needs_start;
      acc.needs_end = acc.needs_end || atom.needs_end;
      acc.unsure = acc.unsure || atom.unsure;
    }
    return acc;
  }

  Null literal() {
    Null n;
    n.nullable = false;
    return n;
  }

  Null read_atom(bool start) {
    char c = p_[i_];
    if (c == '^' && (ere_ || start)) {
      ++i_;
      Null n;
      n.needs_start = true;
      return n;
    }
    if (c == '$') {
      ++i_;
      Null n;
      n.needs_end = true;
      return n;
    }
    if (c == '[') {
      size_t k = i_ + 1;
      if (k < p_.size() && p_[k] == '^') ++k;
      if (k < p_.size() && p_[k] == ']') ++k;
      while (k < p_.size() && p_[k] != ']') {
        if (p_[k] == '[' && k + 1 < p_.size() && (p_[k + 1] == ':' || p_[k + 1] == '.' || p_[k + 1] == '=')) {
          size_t close = p_.find(std::string{p_[k + 1], ']'}, k + 2);
          k = close == std::string_view::npos ? p_.size() : close + 2;
          continue;
        }
        ++k;
      }
      if (k >= p_.size()) unsure_ = true;
      i_ = std::min(k + 1, p_.size());
      return literal();
    }
    if (ere_ && c == '(') {
      ++i_;
      if (i_ < p_.size() && p_[i_] == '?') unsure_ = true;  // Perl extensions
      if (too_deep()) return Null{};
      Null n = group();
      if (at_close()) ++i_;
      else unsure_ = true;
      return n;
    }
    if (c == '\\' && i_ + 1 < p_.size()) {
      char e = p_[i_ + 1];
      i_ += 2;
      if (!ere_ && e == '(') {
        if (too_deep()) return Null{};
        Null n = group();
        if (at_close()) i_ += 2;
        else unsure_ = true;
        return n;
      }
      if (e == '<' || e == '>' || e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G' ||
          e == 'K' || e == '`' || e == '\'' || isdigit(static_cast<unsigned char>(e))) {
        Null n;
        n.unsure = true;  // assertions and back-references
        return n;
      }
      return literal();
    }
    if (c == '*' && start) {  // a literal star at the start of a branch
      ++i_;
      return literal();
    }
    ++i_;
    return literal();
  }

  // `*`, `?`, `{0,n}` make the atom optional; `+`, `{n,}` keep it.
  void quantify(Null& atom) {
    for (;;) {
      if (i_ >= p_.size()) return;
      char c = p_[i_];
      bool bre_escaped = !ere_ && c == '\\' && i_ + 1 < p_.size();
      char q = bre_escaped ? p_[i_ + 1] : c;
      if (c == '*') {
        ++i_;
        atom.nullable = true;
        atom.needs_start = atom.needs_end = false;
        continue;
      }
      if ((ere_ && (q == '?' || q == '+') && !bre_escaped) || (bre_escaped && (q == '?' || q == '+'))) {
        i_ += bre_escaped ? 2 : 1;
        if (q == '?') {
          atom.nullable = true;
          atom.needs_start = atom.needs_end = false;
        }
        if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+') && ere_) ++i_;  // lazy/possessive
        continue;
      }
      if ((ere_ && c == '{') || (bre_escaped && q == '{')) {
        size_t k = i_ + (bre_escaped ? 2 : 1);
        size_t digits = k;
        while (k < p_.size() && isdigit(static_cast<unsigned char>(p_[k]))) ++k;
        if (k < p_.size() && (p_[k] == ',' || p_[k] == '}' || p_[k] == '\\')) {
          bool zero = k == digits || std::all_of(p_.begin() + static_cast<long>(digits), p_.begin() + static_cast<long>(k),
                                                 [](char d) { return d == '0'; });
          size_t close = p_.find('}', k);
          if (close == std::string_view::npos) {
            unsure_ = true;
            i_ = p_.size();
            return;
          }
          i_ = close + 1;
          if (zero) {
            atom.nullable = true;
            atom.needs_start = atom.needs_end = false;
          }
          continue;
        }
        return;  // a literal brace
      }
      return;
    }
  }

  std::string_view p_;
  bool ere_;
  size_t i_ = 0;
  bool unsure_ = false;
};

// The top-level alternatives of a regex (`a|b`, BRE `a\|b`).
std::vector<std::string_view> alternatives(std::string_view p, Syntax syn) {
  std::vector<std::string_view> out;
  if (syn == Syntax::Fixed) return {p};
  bool ere = syn != Syntax::Basic;
  int depth = 0;
  size_t begin = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '[') {
      size_t k = i + 1;
      if (k < p.size() && p[k] == '^') ++k;
      if (k < p.size() && p[k] == ']') ++k;
      size_t close = p.find(']', k);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      if (!ere && e == '(') ++depth;
      if (!ere && e == ')') --depth;
      if (!ere && e == '|' && depth == 0) {
        out.push_back(p.substr(begin, i - begin));
        begin = i + 2;
      }
      ++i;
      continue;
    }
    if (ere && c == '(') ++depth;
    if (ere && c == ')') --depth;
    if (ere && c == '|' && depth == 0) {
      out.push_back(p.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  out.push_back(p.substr(begin));
  return out;
}

// Whether a pattern keeps every entry of a listing: it matches every line
// (`.`, `web|`, `x*`, the empty pattern, each line of a multi-line pattern
// counting on its own), or one of its alternatives only names the listing's
// own fields and column words (`grep name`, `sed -n '/"name"/p'`, `grep errored`).
Match judge_pattern(std::string_view pattern, Syntax syn) {
  Match result = Match::Some;
  size_t pos = 0;
  for (;;) {
    size_t nl = pattern.find('\n', pos);
    std::string_view one = pattern.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (trivially_matches_all(one)) return Match::All;
    if (syn != Syntax::Fixed) {
      Match m = RegexReader(one, syn).judge();
      if (m == Match::All) return Match::All;
      if (m == Match::Unsure) result = Match::Unsure;
    }
    for (std::string_view alt : alternatives(one, syn)) {
      // Without letters (`[0-9]+`) a pattern extracts from every entry,
      // unless it is anchored at both ends (`^$`, `^ *$`: blank lines).
      bool letters = pattern_letters(alt).find_first_not_of(' ') != std::string::npos;
      bool both_anchors = alt.size() >= 2 && alt.front() == '^' && alt.back() == '$' && alt[alt.size() - 2] != '\\';
      if (only_field_names(alt) && (letters || !both_anchors)) return Match::All;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return result;
}

// A pattern known only up to its first run-time part (`"web-$ENV"`): it
// filters when the known prefix is a plain filtering text on its own, one
// that no continuation can turn into a match of everything. `"$APP"`,
// `"^$APP"` and `"\"name\":\"$APP"` match every line when the variable is empty.
Match judge_dynamic_pattern(std::string_view prefix, Syntax syn) {
  if (syn != Syntax::Fixed && prefix.find_first_of("|()?*+{}[\\") != std::string_view::npos) return Match::Unsure;
  Match m = judge_pattern(prefix, syn);
  return m == Match::Some ? Match::Some : Match::Unsure;
}

bool ident_char(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

bool has_word(std::string_view s, std::string_view word) {
  size_t at = 0;
  while ((at = s.find(word, at)) != std::string_view::npos) {
    size_t end = at + word.size();
    if ((at == 0 || !ident_char(s[at - 1])) && (end >= s.size() || !ident_char(s[end]))) return true;
    at = end;
  }
  return false;
}

// Whether code mentions a process's name or namespace as a word of its own:
// `p.name`, `p['name']`, `$_->{name}`, `({name}) =>`, `pm2_env.namespace`.
bool mentions_name(std::string_view code) {
  for (std::string_view word : {"name", "namespace"}) {
    size_t at = 0;
    while ((at = code.find(word, at)) != std::string_view::npos) {
      size_t end = at + word.size();
      bool left = at == 0 || !ident_char(code[at - 1]);
      bool right = end >= code.size() || !ident_char(code[end]);
      if (left && right) return true;
      at = end;
    }
  }
  return false;
}

// The extent of the expression around code[at, at+len): out to the nearest
// separator at the same bracket depth (`;` `,` `&&` `||` `?` `:` `=>` a line
// break) or the bracket that encloses it.
std::string_view expression_around(std::string_view code, size_t at, size_t len) {
  auto opening = [](char c) { return c == '(' || c == '[' || c == '{'; };
  auto closing = [](char c) { return c == ')' || c == ']' || c == '}'; };
  auto separator = [&](size_t i) {
    char c = code[i];
    if (c == ';' || c == ',' || c == '\n' || c == '?') return true;
    if (c == ':' && !(i + 1 < code.size() && code[i + 1] == ':') && !(i > 0 && code[i - 1] == ':')) return true;
    if ((c == '&' || c == '|') && i + 1 < code.size() && code[i + 1] == c) return true;
    if ((c == '&' || c == '|') && i > 0 && code[i - 1] == c) return true;
    if (c == '>' && i > 0 && code[i - 1] == '=') return true;
    if (c == '=' && i + 1 < code.size() && code[i + 1] == '>') return true;
    return false;
  };
  size_t b = at;
  int depth = 0;
  char quote = 0;
  while (b > 0) {
    char c = code[b - 1];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (closing(c)) {
      ++depth;
    } else if (opening(c)) {
      if (depth == 0) break;
      --depth;
    } else if (depth == 0 && separator(b - 1)) {
      break;
    }
    --b;
  }
  size_t e = at + len;
  depth = 0;
  quote = 0;
  while (e < code.size()) {
    char c = code[e];
    if (quote) {
      if (c == '\\') ++e;
      else if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (opening(c)) {
      ++depth;
    } else if (closing(c)) {
      if (depth == 0) break;
      --depth;
    } else if (depth == 0 && separator(e)) {
      break;
    }
    ++e;
  }
  return code.substr(b, e - b);
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Whether script code (JavaScript, Python, Ruby, Perl, PHP) keeps only the
// processes whose name or namespace passes a test: some comparison, match or
// prefix test whose expression reads the name. A test of another field
// (`status === 'online'`), an exclusion (`name !== 'api'`, `!name.startsWith`)
// or a loop (`for p in procs`) is not such a filter.
bool code_tests_name(std::string_view code) {
  static const std::vector<std::string_view> positive = {
      "startsWith(", "startswith(", "endsWith(", "endswith(", "includes(", ".match(", ".test(", "indexOf(",
      "re.search(", "re.match(", "re.fullmatch(", "fnmatch(", ".contains(", "start_with?(", "end_with?(",
      ".include?(", "preg_match(", "str_starts_with(", "str_contains(", "strpos(", "===", "==", "=~", " in ", " eq "};
  for (std::string_view tok : positive) {
    size_t at = 0;
    while ((at = code.find(tok, at)) != std::string_view::npos) {
      size_t here = at;
      at += tok.size();
      // `==` inside `===`/`!==`/`!=`, `=~` inside `!~`-like spellings: judged by the longer token.
      if (tok == "==" && ((here > 0 && (code[here - 1] == '=' || code[here - 1] == '!')) ||
                          (here + 2 < code.size() && code[here + 2] == '=')))
        continue;
      if (tok == "===" && here > 0 && code[here - 1] == '!') continue;
      if (tok == " in " && here >= 4 && code.substr(here - 4, 4) == " not") continue;
      std::string_view expr = expression_around(code, here, tok.size());
      size_t expr_begin = static_cast<size_t>(expr.data() - code.data());
      if (tok == " in ") {
        // `for x in list` iterates; `if name in keep` tests.
        std::string_view head = code.substr(expr_begin, here - expr_begin);
        std::string_view before = trim_view(code.substr(0, expr_begin));
        while (!before.empty() && before.back() == '(') before = trim_view(before.substr(0, before.size() - 1));
        // In `x for x in l if x['name'] in keep`, only what follows the last `if` counts.
        for (size_t k = head.size(); k >= 2; --k)
          if (head.compare(k - 2, 2, "if") == 0 && (k == 2 || !ident_char(head[k - 3])) &&
              (k == head.size() || !ident_char(head[k]))) {
            head = head.substr(k);
            break;
          }
        bool loop = has_word(head, "for") || (before.size() >= 3 && before.substr(before.size() - 3) == "for" &&
                                              (before.size() == 3 || !ident_char(before[before.size() - 4])));
        if (loop) continue;
      }
      // Negated: `!p.name.startsWith(...)`, `if not p['name'].startswith(...)`.
      std::string_view lead = trim_view(expr);
      for (bool stripped = true; stripped;) {
        stripped = false;
        for (std::string_view kw : {"if ", "elif ", "while ", "return ", "and ", "or ", "(", "&&", "||"})
          if (lead.rfind(kw, 0) == 0) {
            lead = trim_view(lead.substr(kw.size()));
            stripped = true;
          }
      }
      if (!lead.empty() && lead.front() == '!') continue;
      if (lead.rfind("not ", 0) == 0 || lead.rfind("unless ", 0) == 0) continue;
      if (mentions_name(expr)) return true;
    }
  }
  return false;
}

// jq: a `select(...)` or `if ... then` whose test reads `.name` or a
// namespace, or that tests a value the program has just narrowed to the
// name (`.[].name | select(startswith("web-"))`). Exclusions alone
// (`select(.name != "api")`) keep every other process.
enum class NameTest { No, Yes, Unknown };

// A jq value known only at run time: an --arg bound to a dynamic word
// (rewritten to `$__dynamic` by classify_jq), the environment (`env.X`,
// `$ENV.X`), positional `$ARGS`.
bool jq_dynamic(std::string_view s) {
  if (contains_any(s, {"$__dynamic", "$ENV", "$ARGS"})) return true;
  size_t at = 0;
  while ((at = s.find("env", at)) != std::string_view::npos) {
    size_t end = at + 3;
    bool left = at == 0 || (!ident_char(s[at - 1]) && s[at - 1] != '.');
    bool right = end >= s.size() || !ident_char(s[end]);
    if (left && right) return true;
    at = end;
  }
  return false;
}

// A jq string literal at the start of `s` (after blanks), decoded; nullopt
// when `s` does not start with one or it is interpolated.
std::optional<std::string> jq_string(std::string_view s) {
  s = trim_view(s);
  if (s.empty() || s[0] != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      std::string_view rest = trim_view(s.substr(i + 1));
      if (rest.empty() || rest[0] == ';') return out;  // `test("re"; "flags")`
      return std::nullopt;
    }
    if (c == '\\' && i + 1 < s.size()) {
      char e = s[++i];
      if (e == '(') return std::nullopt;  // "\(...)"
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      continue;
    }
    out += c;
  }
  return std::nullopt;
}

// Rewrites calls in a jq condition that every string passes
// (`startswith("")`, `contains("")`, `test("")`, `test(".*")`, `test("web|")`)
// to `true`; reports whether there was one and whether a regex was unsure.
std::string jq_strip_match_all(std::string_view cond, bool& any, bool& unsure) {
  std::string out(cond);
  for (std::string_view fn : {"startswith(", "endswith(", "contains(", "ltrimstr(", "test(", "match(", "capture("}) {
    size_t at = 0;
    while ((at = out.find(fn, at)) != std::string::npos) {
      if (at > 0 && ident_char(out[at - 1])) {
        at += fn.size();
        continue;
      }
      size_t open = at + fn.size();
      int depth = 1;
      size_t e = open;
      char quote = 0;
      while (e < out.size() && depth > 0) {
        char c = out[e];
        if (quote) {
          if (c == '\\') ++e;
          else if (c == quote) quote = 0;
        } else if (c == '"') {
          quote = c;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')') {
          --depth;
        }
        ++e;
      }
      std::string_view arg = std::string_view(out).substr(open, (e > open ? e - 1 : e) - open);
      std::optional<std::string> str = jq_string(arg);
      bool all = false;
      if (str) {
        bool regex = fn == "test(" || fn == "match(" || fn == "capture(";
        if (!regex) {
          all = str->empty();
        } else {
          // The test reads a value, not a line of the listing: only the
          // regex's structure counts, not the listing's field names.
          Match m = trivially_matches_all(*str) ? Match::All : RegexReader(*str, Syntax::Perl).judge();
          all = m == Match::All;
          if (m == Match::Unsure) unsure = true;
        }
      }
      if (all) {
        any = true;
        out.replace(at, e - at, "true");
        at += 4;
      } else {
        at = e;
      }
    }
  }
  return out;
}

NameTest jq_tests_name(std::string_view prog) {
  auto jq_mentions = [](std::string_view s) {
    for (std::string_view f : {".name", ".namespace", "\"name\"", "\"namespace\""}) {
      size_t at = 0;
      while ((at = s.find(f, at)) != std::string_view::npos) {
        size_t end = at + f.size();
        if (end >= s.size() || !ident_char(s[end])) return true;
        at = end;
      }
    }
    return false;
  };
  auto positive_test = [&](std::string_view c) {
    std::string_view t = trim_view(c);
    if (t.size() >= 3 && t.substr(t.size() - 3) == "not" && (t.size() == 3 || !ident_char(t[t.size() - 4])))
      return false;  // `select(... | not)`: an exclusion
    for (std::string_view neg : {"==false", "!=true"}) {  // `select((...) == false)`
      std::string squeezed;
      for (size_t k = t.size(); k > 0 && squeezed.size() < neg.size(); --k)
        if (!isspace(static_cast<unsigned char>(t[k - 1]))) squeezed.insert(squeezed.begin(), t[k - 1]);
      if (squeezed == neg) return false;
    }
    return contains_any(c, {"==", "startswith(", "endswith(", "test(", "match(", "IN(", "index(", "contains(",
                            "inside(", "capture(", "scan("});
  };
  // The pipe stage before position `at`, skipping stages that only iterate.
  auto narrowed_to_name = [&](size_t at) {
    std::string_view before = prog.substr(0, at);
    int depth = 0;
    size_t end = before.size();
    for (size_t i = before.size(); i > 0; --i) {
      char c = before[i - 1];
      if (c == ')' || c == ']' || c == '}') ++depth;
      else if (c == '(' || c == '[' || c == '{') {
        if (depth == 0) return false;
        --depth;
      } else if (c == '|' && depth == 0) {
        std::string_view stage = trim_view(before.substr(i, end - i));
        if (!stage.empty() && stage != ".[]" && stage != ".[]?" && stage != "strings" && stage != "values")
          return jq_mentions(stage);
        end = i - 1;
      }
    }
    std::string_view stage = trim_view(before.substr(0, end));
    return jq_mentions(stage);
  };
  NameTest result = NameTest::No;
  for (std::string_view opener : {"select(", "select (", "if "}) {
    size_t at = 0;
    while ((at = prog.find(opener, at)) != std::string_view::npos) {
      size_t here = at;
      at += opener.size();
      if (here > 0 && ident_char(prog[here - 1])) continue;
      std::string_view cond;
      if (opener == "if ") {
        size_t then = prog.find(" then", at);
        cond = prog.substr(at, then == std::string_view::npos ? std::string_view::npos : then - at);
      } else {
        int depth = 1;
        size_t e = at;
        while (e < prog.size() && depth > 0) {
          if (prog[e] == '(') ++depth;
          if (prog[e] == ')') --depth;
          ++e;
        }
        cond = prog.substr(at, (e > at ? e - 1 : e) - at);  // without the closing parenthesis
      }
      bool match_all = false, unsure = false;
      std::string stripped = jq_strip_match_all(cond, match_all, unsure);
      if (!positive_test(cond)) continue;
      if (!(jq_mentions(cond) || narrowed_to_name(here))) continue;
      // A test against a run-time value: `startswith($p)` with p empty,
      // `test(env.P)`, keeps every name; an equality does not.
      if (jq_dynamic(cond) && contains_any(cond, {"startswith(", "endswith(", "test(", "match(", "contains(",
                                                  "inside(", "index(", "capture(", "scan(", "ltrimstr(", "split("})) {
        result = NameTest::Unknown;
        continue;
      }
      if (match_all) {
        // `startswith("") or ...` passes everything; `... and startswith("")`
        // is judged by the rest.
        if (has_word(cond, "or")) continue;
        if (!positive_test(stripped)) continue;
      }
      if (unsure) {
        result = NameTest::Unknown;
        continue;
      }
      return NameTest::Yes;
    }
  }
  return result;
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
  std::string_view name = basename_of(argv[0].text);
  Syntax syn = name == "egrep" || name == "rg" ? Syntax::Extended : name == "ag" ? Syntax::Perl : Syntax::Basic;
  if (name == "fgrep" || p.has("F") || p.has("fixed-strings")) syn = Syntax::Fixed;
  else if (p.has("E") || p.has("extended-regexp")) syn = Syntax::Extended;
  else if (p.has("P") || p.has("perl-regexp")) syn = Syntax::Perl;
  bool whole_line = p.has("x") || p.has("line-regexp");
  bool words = p.has("w") || p.has("word-regexp");
  // Every pattern given: each -e, or the first operand.
  std::vector<Arg> patterns;
  for (const Opt& o : p.opts)
    if ((o.name == "e" || o.name == "regexp") && o.value_arg >= 0)
      patterns.push_back(Arg{o.value, argv[static_cast<size_t>(o.value_arg)].literal});
  if (patterns.empty()) {
    if (p.has("f") || p.has("file")) return StageEffect::Filter;
    if (p.operands.empty()) return StageEffect::Unknown;
    patterns.push_back(argv[p.operands[0]]);
  }
  // A line passes when any pattern matches it: one pattern that matches
  // every line keeps every entry; one that may do so at run time leaves it unknown.
  bool unsure = false;
  for (const Arg& pat : patterns) {
    Match m;
    if (whole_line)  // -x: the pattern must match the whole line
      m = pat.literal && (pat.text == ".*" || pat.text == "^.*$" || pat.text == "^.*" || pat.text == ".*$")
              ? Match::All
              : pat.literal ? Match::Some : judge_dynamic_pattern(pat.text, syn);
    else
      m = pat.literal ? judge_pattern(pat.text, syn) : judge_dynamic_pattern(pat.text, syn);
    if (m == Match::All && words && !only_field_names(pat.text)) m = Match::Unsure;
    if (m == Match::All) return StageEffect::Passthrough;
    if (m == Match::Unsure) unsure = true;
  }
  return unsure ? StageEffect::Unknown : StageEffect::Filter;
}

// `$name` in a jq program replaced by what --arg/--argjson bound it to: a
// string literal, the JSON text, or `$__dynamic` for a run-time value.
std::string jq_bind(std::string_view prog, const std::map<std::string, std::optional<std::string>>& vars) {
  std::string out;
  for (size_t i = 0; i < prog.size(); ++i) {
    if (prog[i] == '$') {
      size_t e = i + 1;
      while (e < prog.size() && (isalnum(static_cast<unsigned char>(prog[e])) || prog[e] == '_')) ++e;
      auto it = vars.find(std::string(prog.substr(i + 1, e - i - 1)));
      if (it != vars.end()) {
        out += it->second ? *it->second : "$__dynamic";
        i = e - 1;
        continue;
      }
    }
    out += prog[i];
  }
  return out;
}

std::string jq_quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

StageEffect classify_jq(const std::vector<Arg>& argv) {
  // --arg/--argjson/--slurpfile/--rawfile take two values.
  size_t i = 1;
  std::string program;
  bool have = false;
  std::map<std::string, std::optional<std::string>> vars;
  while (i < argv.size()) {
    const Arg& a = argv[i];
    if (a.literal && (a.text == "--arg" || a.text == "--argjson" || a.text == "--slurpfile" || a.text == "--rawfile")) {
      if (i + 2 < argv.size() && argv[i + 1].literal) {
        const Arg& v = argv[i + 2];
        std::optional<std::string> bound;
        if (v.literal && a.text == "--arg") bound = jq_quote(v.text);
        if (v.literal && a.text == "--argjson") bound = v.text;
        vars[argv[i + 1].text] = bound;
      }
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
  program = jq_bind(program, vars);
  switch (jq_tests_name(program)) {
    case NameTest::Yes: return StageEffect::Filter;
    case NameTest::Unknown: return StageEffect::Unknown;
    case NameTest::No: break;
  }
  if (contains_any(program, {"length"}) && !contains_any(program, {"select(", "select ("})) return StageEffect::Drop;
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
  // Variables known only at run time (`-v p="$X"`, `p="$X"` operands,
  // ENVIRON): a match against one keeps every line when it is empty.
  std::vector<std::string> dynamic_vars = {"ENVIRON"};
  auto note_assignment = [&](std::string_view text, bool literal) {
    size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    std::string var(text.substr(0, eq));
    if (!std::all_of(var.begin(), var.end(), [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
      return;
    if (!literal || eq + 1 == text.size()) dynamic_vars.push_back(var);
  };
  for (const Opt& o : p.opts)
    if ((o.name == "v" || o.name == "assign") && o.value_arg >= 0)
      note_assignment(o.value, argv[static_cast<size_t>(o.value_arg)].literal);
  for (size_t k = p.first_operand + 1; k < argv.size(); ++k) note_assignment(argv[k].text, argv[k].literal);
  for (const std::string& var : dynamic_vars) {
    size_t at = 0;
    while ((at = code.find(var, at)) != std::string::npos) {
      size_t end = at + var.size();
      bool word = (at == 0 || !ident_char(code[at - 1])) && (end >= code.size() || !ident_char(code[end]));
      if (word) {
        std::string_view expr = expression_around(code, at, var.size());
        bool matches = contains_any(expr, {"match(", "index("});
        // An argument of `match(s, p)` / `index(s, p)`: the call around it.
        int depth = 0;
        for (size_t k = at; k > 0 && !matches; --k) {
          char c = code[k - 1];
          if (c == ')') ++depth;
          if (c == '(' && depth-- == 0) {
            std::string_view callee = std::string_view(code).substr(0, k - 1);
            for (std::string_view fn : {"match", "index"})
              if (callee.size() >= fn.size() && callee.substr(callee.size() - fn.size()) == fn) matches = true;
            break;
          }
        }
        for (size_t k = 0; k < expr.size(); ++k)
          if (expr[k] == '~' && (k == 0 || expr[k - 1] != '!')) matches = true;
        if (matches) return StageEffect::Unknown;
      }
      at = end;
    }
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
  std::string action = brace == std::string::npos ? std::string() : code.substr(brace);
  bool action_tests = contains_any(action, {"~", "==", "index(", "match("});
  // `!/web/`, `!($0 ~ /web/)`: an exclusion keeps every other entry.
  if (!head.empty() && head[0] == '!' && head.rfind("!=", 0) != 0 && head.find("&&") == std::string::npos &&
      !action_tests)
    return StageEffect::Passthrough;
  // `/./`, `/name/`, `/web|/`: a regex pattern that every entry matches;
  // `$2 ~ /.*/` a field test that every value passes.
  bool trivial_regex = false;
  if (head.size() >= 2 && head.front() == '/' && head.back() == '/' && head.find("&&") == std::string::npos &&
      head.find("||") == std::string::npos) {
    Match m = judge_pattern(std::string_view(head).substr(1, head.size() - 2), Syntax::Extended);
    if (m == Match::Unsure) return StageEffect::Unknown;
    trivial_regex = m == Match::All;
  } else if (head.size() >= 2 && head[0] == '$' && head.back() == '/' && head.find("&&") == std::string::npos &&
             head.find("||") == std::string::npos) {
    size_t tilde = head.find('~');
    size_t slash = head.find('/');
    if (tilde != std::string::npos && slash != std::string::npos && tilde < slash && head[tilde - 1] != '!' &&
        trim_view(std::string_view(head).substr(tilde + 1, slash - tilde - 1)).empty()) {
      std::string_view re = std::string_view(head).substr(slash + 1, head.size() - slash - 2);
      Match m = trivially_matches_all(re) ? Match::All : RegexReader(re, Syntax::Extended).judge();
      if (m == Match::Unsure) return StageEffect::Unknown;
      trivial_regex = m == Match::All;
    }
  }
  if (!head.empty() && head != "BEGIN" && head != "END" && !numeric_only && !trivial_regex)
    return StageEffect::Filter;
  // `if ($2 ~ /web/)` inside an action, or another pattern later on (the
  // head's own test is judged above).
  if (contains_any(trivial_regex ? action : code, {"~", "==", "index(", "match("})) return StageEffect::Filter;
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
  Syntax syn = p.has("E") || p.has("r") || p.has("regexp-extended") ? Syntax::Extended : Syntax::Basic;
  std::vector<std::string> scripts;
  for (const Opt& o : p.opts)
    if (o.name == "e" || o.name == "expression") {
      // A script known only at run time (`sed -n "/$APP/p"`): an empty
      // variable gives an address that every line matches.
      if (o.value_arg < 0 || !argv[static_cast<size_t>(o.value_arg)].literal) return StageEffect::Unknown;
      scripts.push_back(o.value);
    }
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
      // `/./p`, `/"name"/p`, `/web\|/p`: the address matches every entry.
      if (end <= t.size()) {
        Match m = judge_pattern(std::string_view(t).substr(start, end - start), syn);
        if (m == Match::All) continue;
        if (m == Match::Unsure) return StageEffect::Unknown;
      }
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
  return code_tests_name(code) ? StageEffect::Filter : StageEffect::Passthrough;
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

#include "pm2_cli.h"

#include <algorithm>
#include <optional>

#include "js_semantics.h"

namespace pm2guard {

namespace {

// ---------------------------------------------------------------------------
// Tables, transcribed from pm2 7.0.4 lib/binaries/CLI.js.

enum class Arity { Bool, Required, Optional };

struct OptionSpec {
  std::string_view short_flag;  // "" when none
  std::string_view long_flag;
  Arity arity;
};

// Root options in declaration order (commander's optionFor returns the first
// match, which matters for `-c`). `-V, --version` comes from .version().
const std::vector<OptionSpec>& root_options() {
  static const std::vector<OptionSpec> k = {
      {"-V", "--version", Arity::Bool},
      {"-v", "--version", Arity::Bool},
      {"-s", "--silent", Arity::Bool},
      {"", "--ext", Arity::Required},
      {"-n", "--name", Arity::Required},
      {"-m", "--mini-list", Arity::Bool},
      {"", "--interpreter", Arity::Required},
      {"", "--interpreter-args", Arity::Required},
      {"", "--node-args", Arity::Required},
      {"-o", "--output", Arity::Required},
      {"-e", "--error", Arity::Required},
      {"-l", "--log", Arity::Optional},
      {"", "--filter-env", Arity::Optional},
      {"", "--log-type", Arity::Required},
      {"", "--log-date-format", Arity::Required},
      {"", "--time", Arity::Bool},
      {"", "--disable-logs", Arity::Bool},
      {"", "--env", Arity::Required},
      {"-a", "--update-env", Arity::Bool},
      {"-f", "--force", Arity::Bool},
      {"-i", "--instances", Arity::Required},
      {"", "--parallel", Arity::Required},
      {"", "--shutdown-with-message", Arity::Bool},
      {"-p", "--pid", Arity::Required},
      {"-k", "--kill-timeout", Arity::Required},
      {"", "--listen-timeout", Arity::Required},
      {"", "--max-memory-restart", Arity::Required},
      {"", "--restart-delay", Arity::Required},
      {"", "--exp-backoff-restart-delay", Arity::Required},
      {"-x", "--execute-command", Arity::Bool},
      {"", "--max-restarts", Arity::Optional},
      {"-u", "--user", Arity::Required},
      {"", "--uid", Arity::Required},
      {"", "--gid", Arity::Required},
      {"", "--namespace", Arity::Required},
      {"", "--cwd", Arity::Required},
      {"", "--hp", Arity::Required},
      {"", "--wait-ip", Arity::Bool},
      {"", "--service-name", Arity::Required},
      {"-c", "--cron", Arity::Required},
      {"-c", "--cron-restart", Arity::Required},
      {"-w", "--write", Arity::Bool},
      {"", "--no-daemon", Arity::Bool},
      {"", "--source-map-support", Arity::Bool},
      {"", "--only", Arity::Required},
      {"", "--disable-source-map-support", Arity::Bool},
      {"", "--wait-ready", Arity::Bool},
      {"", "--merge-logs", Arity::Bool},
      {"", "--watch", Arity::Optional},
      {"", "--ignore-watch", Arity::Required},
      {"", "--watch-delay", Arity::Required},
      {"", "--no-color", Arity::Bool},
      {"", "--no-vizion", Arity::Bool},
      {"", "--no-autostart", Arity::Bool},
      {"", "--no-autorestart", Arity::Bool},
      {"", "--stop-exit-codes", Arity::Required},
      {"", "--no-treekill", Arity::Bool},
      {"", "--no-pmx", Arity::Bool},
      {"", "--no-automation", Arity::Bool},
      {"", "--trace", Arity::Bool},
      {"", "--disable-trace", Arity::Bool},
      {"", "--sort", Arity::Required},
      {"", "--attach", Arity::Bool},
      {"", "--v8", Arity::Bool},
      {"", "--event-loop-inspector", Arity::Bool},
      {"", "--deep-monitoring", Arity::Bool},
  };
  return k;
}

struct ArgSpec {
  bool required;
  bool variadic;
};

struct CommandDef {
  CommandSpec spec;
  std::vector<ArgSpec> args;
  std::vector<OptionSpec> options;
  bool fail_on_unknown = false;  // wrapped in pm2's failOnUnknown()
};

constexpr ArgSpec kReq{true, false};
constexpr ArgSpec kOpt{false, false};
constexpr ArgSpec kReqMany{true, true};
constexpr ArgSpec kOptMany{false, true};

const std::vector<CommandDef>& command_defs() {
  using I = Impact;
  static const std::vector<CommandDef> k = {
      {{"start", "", I::Targets, "start a script or config; restarts matching running processes"},
       {kOptMany},
       {{"", "--watch", Arity::Bool}, {"", "--fresh", Arity::Bool}, {"", "--daemon", Arity::Bool},
        {"", "--container", Arity::Bool}, {"", "--dist", Arity::Bool}, {"", "--image-name", Arity::Optional},
        {"", "--node-version", Arity::Optional}, {"", "--dockerdaemon", Arity::Bool}}},
      {{"trigger", "", I::Targets, "trigger an action exposed by processes"}, {kReq, kReq, kOpt}, {}},
      {{"deploy", "", I::Shared, "run a pm2-deploy environment (its hooks run on other hosts)"}, {kReq}, {}},
      {{"startOrRestart", "", I::Targets, "start or restart the apps of a config file"}, {kReq}, {}},
      {{"startOrReload", "", I::Targets, "start or reload the apps of a config file"}, {kReq}, {}},
      {{"pid", "", I::ReadOnly, "print pids"}, {kOpt}, {}},
      {{"create", "", I::ReadOnly, "write a sample app in the current directory"}, {}, {}},
      {{"startOrGracefulReload", "", I::Targets, "start or reload the apps of a config file"}, {kReq}, {}},
      {{"stop", "", I::Targets, "stop processes"}, {kReqMany}, {{"", "--watch", Arity::Bool}}},
      {{"restart", "", I::Targets, "restart processes"}, {kReqMany}, {{"", "--watch", Arity::Bool}}},
      {{"scale", "", I::Targets, "scale an app; scaling down deletes instances"}, {kReq, kReq}, {}},
      {{"profile:mem", "", I::ReadOnly, "profile pm2's memory"}, {kOpt}, {}},
      {{"profile:cpu", "", I::ReadOnly, "profile pm2's cpu"}, {kOpt}, {}},
      {{"reload", "", I::Targets, "reload processes"}, {kReq}, {}},
      {{"id", "", I::ReadOnly, "print the ids of a name"}, {kReq}, {}},
      {{"inspect", "", I::Targets, "open the inspector of processes (trigger internal:inspect)"}, {kReq}, {}},
      {{"delete", "del", I::Targets, "stop and delete processes"}, {kReqMany}, {}},
      {{"sendSignal", "", I::Targets, "send a signal to processes"}, {kReq, kReq}, {}},
      {{"ping", "", I::ReadOnly, "ping the daemon"}, {}, {}},
      {{"updatePM2", "", I::DaemonWide, "kill the daemon and resurrect its dump"}, {}, {}},
      {{"update", "", I::DaemonWide, "kill the daemon and resurrect its dump"}, {}, {}},
      {{"install", "module:install", I::Targets, "install a module and start its processes"},
       {kReq},
       {{"", "--tarball", Arity::Bool}, {"", "--install", Arity::Bool}, {"", "--docker", Arity::Bool},
        {"", "--v1", Arity::Bool}, {"", "--safe", Arity::Optional}}},
      {{"module:update", "", I::Targets, "update a module and restart its processes"}, {kReq}, {{"", "--tarball", Arity::Bool}}},
      {{"module:generate", "", I::Shared, "generate a sample module"}, {kOpt}, {}},
      {{"uninstall", "module:uninstall", I::Targets, "delete a module and its processes"}, {kReq}, {}},
      {{"package", "", I::ReadOnly, "package a module into a tarball in the current directory"}, {kOpt}, {}},
      {{"publish", "module:publish", I::Shared, "publish a module"}, {kOpt}, {{"", "--npm", Arity::Bool}}},
      {{"set", "", I::Targets, "set a config key; X:key restarts X"}, {kOpt, kOpt}, {}},
      {{"multiset", "", I::Targets, "set config keys; X:key restarts X"}, {kReq}, {}},
      {{"get", "", I::ReadOnly, "print a config key"}, {kOpt}, {}},
      {{"conf", "", I::ReadOnly, "print the module config"}, {kOpt, kOpt}, {}},
      {{"config", "", I::Targets, "get or set a config key; X:key restarts X"}, {kReq, kOpt}, {}},
      {{"unset", "", I::Shared, "clear a config key"}, {kReq}, {}},
      {{"report", "", I::ReadOnly, "print a report"}, {}, {}},
      {{"link", "", I::Channel, "link the daemon to PM2 Plus (remote actions on every process)"}, {kOpt, kOpt, kOpt}, {{"", "--info-node", Arity::Optional}}},
      {{"unlink", "", I::Shared, "unlink the daemon from PM2 Plus"}, {}, {}},
      {{"monitor", "", I::Shared, "monitor a process in PM2 Plus"}, {kOpt}, {}},
      {{"unmonitor", "", I::Shared, "stop monitoring a process in PM2 Plus"}, {kOpt}, {}},
      {{"open", "", I::Shared, "open the PM2 Plus dashboard"}, {}, {}},
      {{"plus", "register", I::Channel, "link the daemon to PM2 Plus (remote actions on every process)"},
       {kOpt, kOpt},
       {{"", "--info-node", Arity::Optional}, {"-d", "--discrete", Arity::Bool}, {"-a", "--install-all", Arity::Bool}}},
      {{"login", "", I::Shared, "log in to PM2 Plus"}, {}, {}},
      {{"logout", "", I::Shared, "log out of PM2 Plus"}, {}, {}},
      {{"dump", "save", I::Shared, "write the process list to the dump file"}, {}, {{"", "--force", Arity::Bool}}, true},
      {{"cleardump", "", I::Shared, "empty the dump file"}, {}, {}, true},
      {{"send", "", I::Targets, "write a line to a process's stdin"}, {kReq, kReq}, {}},
      {{"attach", "", I::Targets, "attach to a process's stdin and stdout"}, {kReq, kOpt}, {}},
      {{"resurrect", "", I::Targets, "start the processes of the dump file that do not run"}, {}, {}, true},
      {{"unstartup", "", I::DaemonWide, "remove the boot service (as root: stops it, which kills pm2)"}, {kOpt}, {}},
      {{"startup", "", I::Channel, "install a boot service (it runs the real pm2: resurrect at boot, kill at stop)"}, {kOpt}, {}},
      {{"logrotate", "", I::Shared, "install a logrotate config"}, {}, {}},
      {{"ecosystem", "init", I::ReadOnly, "write a sample config file in the current directory"}, {kOpt}, {}},
      {{"reset", "", I::Targets, "reset the restart counters of processes"}, {kReq}, {}},
      {{"describe", "", I::ReadOnly, "describe a process"}, {kReq}, {}},
      {{"desc", "", I::ReadOnly, "describe a process"}, {kReq}, {}},
      {{"info", "", I::ReadOnly, "describe a process"}, {kReq}, {}},
      {{"show", "", I::ReadOnly, "describe a process"}, {kReq}, {}},
      {{"env", "", I::ReadOnly, "print a process's environment"}, {kReq}, {}},
      {{"list", "ls", I::ReadOnly, "list processes"}, {}, {}},
      {{"l", "", I::ReadOnly, "list processes"}, {}, {}},
      {{"ps", "", I::ReadOnly, "list processes"}, {}, {}},
      {{"status", "", I::ReadOnly, "list processes"}, {}, {}},
      {{"jlist", "", I::ReadOnly, "list processes as JSON"}, {}, {}},
      {{"slist", "sysinfos", I::ReadOnly, "print system information"}, {}, {{"-t", "--tree", Arity::Bool}}},
      {{"prettylist", "", I::ReadOnly, "list processes as indented JSON"}, {}, {}, true},
      {{"monit", "", I::ReadOnly, "terminal monitor"}, {}, {}},
      {{"imonit", "", I::ReadOnly, "legacy terminal monitor"}, {}, {}},
      {{"dashboard", "dash", I::ReadOnly, "terminal dashboard"}, {}, {}},
      {{"flush", "", I::Targets, "empty log files (every process's without an app)"}, {kOpt}, {}},
      {{"reloadLogs", "", I::Shared, "reopen every process's log files"}, {}, {}},
      {{"logs", "", I::ReadOnly, "stream logs"},
       {kOpt},
       {{"", "--json", Arity::Bool}, {"", "--format", Arity::Bool}, {"", "--raw", Arity::Bool},
        {"", "--err", Arity::Bool}, {"", "--out", Arity::Bool}, {"", "--lines", Arity::Required},
        {"", "--timestamp", Arity::Optional}, {"", "--nostream", Arity::Bool}, {"", "--highlight", Arity::Optional}}},
      {{"kill", "", I::DaemonWide, "kill the daemon and every process"}, {}, {}, true},
      {{"pull", "", I::Targets, "git pull an app's repository and reload it"}, {kReq, kOpt}, {}},
      {{"forward", "", I::Targets, "move an app's repository forward and reload it"}, {kReq}, {}},
      {{"backward", "", I::Targets, "move an app's repository back and reload it"}, {kReq}, {}},
      {{"deepUpdate", "", I::DaemonWide, "npm-install pm2@latest, then update"}, {}, {}},
      {{"serve", "expose", I::Targets, "start a static file server app"},
       {kOpt, kOpt},
       {{"", "--port", Arity::Optional}, {"", "--spa", Arity::Bool}, {"", "--ftp", Arity::Bool},
        {"", "--basic-auth-username", Arity::Optional}, {"", "--basic-auth-password", Arity::Optional},
        {"", "--monitor", Arity::Optional}}},
      {{"autoinstall", "", I::Shared, "install pm2's optional modules"}, {}, {}},
      {{"examples", "", I::ReadOnly, "print examples"}, {}, {}},
      {{"install-otel", "", I::Shared, "install OpenTelemetry packages"}, {}, {}},
      {{"uninstall-otel", "", I::Shared, "remove OpenTelemetry packages"}, {}, {}},
      {{"completion", "", I::ReadOnly, "shell completion (handled before parsing)"}, {}, {}},
  };
  return k;
}

const CommandDef* find_def(std::string_view name) {
  for (const CommandDef& d : command_defs())
    if (d.spec.name == name || (!d.spec.alias.empty() && d.spec.alias == name)) return &d;
  return nullptr;
}

// ---------------------------------------------------------------------------
// A token during commander's parse: the text commander compares (the value
// for literal words, the known prefix for dynamic ones) and its word index.

struct Tok {
  std::string text;
  bool literal = true;
  int arg = -1;
};

const OptionSpec* option_for(const std::vector<OptionSpec>& opts, const Tok& t) {
  if (!t.literal) return nullptr;
  for (const OptionSpec& o : opts)
    if ((!o.short_flag.empty() && o.short_flag == t.text) || o.long_flag == t.text) return &o;
  return nullptr;
}

bool starts_dash(const Tok& t) { return !t.text.empty() && t.text[0] == '-'; }

// Command.prototype.normalize.
std::vector<Tok> normalize(const std::vector<Tok>& in) {
  std::vector<Tok> out;
  for (size_t i = 0; i < in.size(); ++i) {
    const Tok& a = in[i];
    const OptionSpec* last = i > 0 ? option_for(root_options(), in[i - 1]) : nullptr;
    if (a.literal && a.text == "--") {
      out.insert(out.end(), in.begin() + static_cast<long>(i), in.end());
      break;
    }
    if (last && last->arity == Arity::Required) {
      out.push_back(a);
    } else if (a.literal && a.text.size() > 1 && a.text[0] == '-' && a.text[1] != '-') {
      for (size_t k = 1; k < a.text.size(); ++k) out.push_back(Tok{std::string("-") + a.text[k], true, a.arg});
    } else if (a.text.rfind("--", 0) == 0 && a.text.find('=') != std::string::npos) {
      size_t eq = a.text.find('=');
      out.push_back(Tok{a.text.substr(0, eq), true, a.arg});
      out.push_back(Tok{a.text.substr(eq + 1), a.literal, a.arg});
    } else {
      out.push_back(a);
    }
  }
  return out;
}

struct ParsedOptions {
  std::vector<Tok> args;
  std::vector<Tok> unknown;
};

enum class Stop { None, Version, MissingValue };

// Command.prototype.parseOptions; `stop` reports the process.exit()s that
// happen during option parsing.
ParsedOptions parse_options(const std::vector<OptionSpec>& opts, const std::vector<Tok>& argv,
                            std::map<std::string, std::string>& seen, Stop& stop, std::string& stop_flag) {
  ParsedOptions r;
  bool literal = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const Tok& a = argv[i];
    if (literal) {
      r.args.push_back(a);
      continue;
    }
    if (a.literal && a.text == "--") {
      literal = true;
      continue;
    }
    if (const OptionSpec* o = option_for(opts, a)) {
      std::string name(o->long_flag.substr(2));
      if (o->long_flag == "--version") {
        stop = Stop::Version;
        return r;
      }
      if (o->arity == Arity::Required) {
        if (i + 1 >= argv.size()) {
          stop = Stop::MissingValue;
          stop_flag = std::string(o->long_flag);
          return r;
        }
        seen[name] = argv[++i].text;
      } else if (o->arity == Arity::Optional) {
        if (i + 1 < argv.size() && !(starts_dash(argv[i + 1]) && argv[i + 1].text != "-")) {
          seen[name] = argv[++i].text;
        } else {
          seen[name] = "";
        }
      } else {
        seen[name] = "";
      }
      continue;
    }
    if (a.text.size() > 1 && a.text[0] == '-') {
      r.unknown.push_back(a);
      if (i + 1 < argv.size() && !starts_dash(argv[i + 1])) r.unknown.push_back(argv[++i]);
      continue;
    }
    r.args.push_back(a);
  }
  return r;
}

bool has_help(const std::vector<Tok>& unknown) {
  for (const Tok& t : unknown)
    if (t.literal && (t.text == "--help" || t.text == "-h")) return true;
  return false;
}

// ---------------------------------------------------------------------------

void add_target(Pm2Call& call, TargetRole role, const Tok& t) {
  Target tg;
  tg.role = role;
  tg.value = t.text;
  tg.arg = t.arg;
  tg.form = t.literal ? classify_target(t.text) : TargetForm::Dynamic;
  call.targets.push_back(std::move(tg));
}

// `set X:key`, `multiset "X:key v"`, `config X:key v`: the part before ':'
// (or, without ':', before '.') is passed to restart().
void add_config_key_target(Pm2Call& call, const Tok& key) {
  std::string k = key.text;
  size_t colon = k.find(':');
  size_t dot = k.find('.');
  std::string app;
  if (colon != std::string::npos)
    app = k.substr(0, colon);
  else if (dot != std::string::npos)
    app = k.substr(0, dot);
  else if (!key.literal)
    app = k;  // unknown key: it may well hold an app prefix
  else
    return;  // a plain key restarts nothing
  Target tg;
  tg.role = TargetRole::ConfigKey;
  tg.value = app;
  tg.arg = key.arg;
  bool known = key.literal || colon != std::string::npos || dot != std::string::npos;
  tg.form = known ? classify_target(app) : TargetForm::Dynamic;
  call.targets.push_back(std::move(tg));
}

// multiset's words: serial.match(/(?:[^ "]+|"[^"]*")+/g).
std::vector<std::string> multiset_tokens(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    std::string k;
    while (i < s.size() && s[i] != ' ') {
      if (s[i] == '"') {
        size_t close = s.find('"', i + 1);
        if (close == std::string::npos) {  // an unmatched quote ends the word and is skipped
          ++i;
          break;
        }
        k.append(s, i, close - i + 1);
        i = close + 1;
      } else {
        k += s[i++];
      }
    }
    if (!k.empty()) out.push_back(k);
  }
  return out;
}

// pm2's patchCommanderArg: start and restart cut their variadic list at the
// first occurrence of the first token that followed `--` on the raw command
// line (and drop the last element when `--` ends the line).
std::vector<Tok> patch_commander_arg(std::vector<Tok> list, const std::vector<Tok>& raw) {
  auto dd = std::find_if(raw.begin(), raw.end(), [](const Tok& t) { return t.literal && t.text == "--"; });
  if (dd == raw.end()) return list;
  long cut;
  if (dd + 1 == raw.end()) {
    cut = static_cast<long>(list.size()) - 1;  // indexOf(undefined) === -1, slice(0, -1)
  } else {
    const std::string& first = (dd + 1)->text;
    auto it = std::find_if(list.begin(), list.end(), [&](const Tok& t) { return t.text == first; });
    cut = it == list.end() ? static_cast<long>(list.size()) - 1 : static_cast<long>(it - list.begin());
  }
  if (cut < 0) cut = 0;
  list.resize(static_cast<size_t>(std::min<long>(cut, static_cast<long>(list.size()))));
  return list;
}

void derive_targets(Pm2Call& call, const std::vector<Tok>& pos, const std::vector<Tok>& raw) {
  const std::string& c = call.command;
  auto all_pos = [&](TargetRole role) {
    for (const Tok& t : pos) add_target(call, role, t);
  };
  if (c == "start") {
    std::vector<Tok> list = pos;
    if (!(list.size() == 1 && list[0].literal && list[0].text == "-")) list = patch_commander_arg(list, raw);
    if (list.empty()) {
      Target tg;
      tg.role = TargetRole::Start;
      tg.form = TargetForm::ConfigFile;
      tg.value = "ecosystem.config.js";
      call.targets.push_back(tg);
      return;
    }
    for (const Tok& t : list) add_target(call, TargetRole::Start, t);
    // `pm2 start -` reads stdin only when '-' is its one argument; beside
    // others, pm2.start('-') runs _startScript with it, a name or a script.
    if (pos.size() > 1)
      for (Target& t : call.targets)
        if (t.form == TargetForm::Stdin) t.form = TargetForm::Name;
  } else if (c == "stop" || c == "delete") {
    all_pos(TargetRole::Operate);
    // `pm2 delete -` reads stdin only when '-' is the only argument; with
    // other arguments it is looked up as a name.
    if (c == "delete" && call.targets.size() > 1)
      for (Target& t : call.targets)
        if (t.form == TargetForm::Stdin) t.form = TargetForm::Name;
  } else if (c == "restart") {
    for (const Tok& t : patch_commander_arg(pos, raw)) add_target(call, TargetRole::Operate, t);
  } else if (c == "reload" || c == "startOrRestart" || c == "startOrReload" || c == "startOrGracefulReload") {
    if (!pos.empty()) add_target(call, TargetRole::Operate, pos[0]);
    if (!call.targets.empty() && call.targets[0].form != TargetForm::Dynamic) {
      Target& t = call.targets[0];
      if (c != "reload")
        t.form = TargetForm::ConfigFile;  // always read as a config file
      else if (t.form == TargetForm::Stdin)
        t.form = TargetForm::Name;  // reload has no stdin form: '-' is a name
    }
  } else if (c == "scale") {
    if (!pos.empty()) add_target(call, TargetRole::Scale, pos[0]);
  } else if (c == "sendSignal") {
    if (pos.size() >= 2) add_target(call, TargetRole::Signal, pos[1]);
  } else if (c == "set") {
    if (!pos.empty()) add_config_key_target(call, pos[0]);
  } else if (c == "config") {
    if (pos.size() >= 2) add_config_key_target(call, pos[0]);  // conf(key, value) sets only with a value
  } else if (c == "multiset") {
    // Configuration.multiset: serial.match(/(?:[^ "]+|"[^"]*")+/g), taken
    // two at a time as key and value; every key is written to
    // module_conf.json, whose `X:` entries reach app X's environment at its
    // next restart. (The CLI restarts only the first key's app at once.)
    if (!pos.empty()) {
      Tok whole = pos[0];
      std::vector<std::string> tokens = multiset_tokens(whole.text);
      for (size_t k = 0; k < tokens.size(); k += 2) {
        Tok key = whole;
        key.text = tokens[k];
        add_config_key_target(call, key);
        if (!whole.literal) break;  // a dynamic document: its first key stands for all
      }
      if (tokens.empty() && !whole.literal) add_config_key_target(call, whole);
    }
  } else if (c == "reset") {
    if (!pos.empty()) add_target(call, TargetRole::Reset, pos[0]);
  } else if (c == "trigger" || c == "inspect") {
    if (!pos.empty()) {
      add_target(call, TargetRole::Trigger, pos[0]);
      call.targets.back().action = c == "inspect" ? "internal:inspect" : pos.size() >= 2 ? pos[1].text : "";
    }
  } else if (c == "send" || c == "attach") {
    if (!pos.empty()) add_target(call, TargetRole::Id, pos[0]);
  } else if (c == "flush") {
    // `flush` alone empties every process's logs; with an argument (even
    // '') it empties the logs of the processes it matches.
    if (!pos.empty()) add_target(call, TargetRole::Logs, pos[0]);
  } else if (c == "install" || c == "module:update" || c == "uninstall") {
    if (!pos.empty()) add_target(call, TargetRole::Module, pos[0]);
  } else if (c == "resurrect") {
    Target tg;
    tg.role = TargetRole::Dump;
    tg.form = TargetForm::Name;
    tg.value = "dump.pm2";
    call.targets.push_back(tg);
  } else if (c == "serve") {
    Target tg;
    tg.role = TargetRole::NewApp;
    tg.form = TargetForm::Name;
    auto name = call.options.find("name");
    auto port = call.options.find("port");
    std::string p = pos.size() >= 2 ? pos[1].text : port != call.options.end() ? port->second : "8080";
    tg.value = name != call.options.end() && !name->second.empty() ? name->second : "static-page-server-" + p;
    call.targets.push_back(tg);
  } else if (c == "pull" || c == "forward" || c == "backward") {
    if (!pos.empty()) add_target(call, TargetRole::Scale, pos[0]);  // name, path, pid or id; no all/regex
  }
}

}  // namespace

std::vector<std::string> pm2_multiset_words(const std::string& serial) { return multiset_tokens(serial); }

const std::vector<CommandSpec>& pm2_commands() {
  static const std::vector<CommandSpec> k = [] {
    std::vector<CommandSpec> v;
    for (const CommandDef& d : command_defs()) v.push_back(d.spec);
    return v;
  }();
  return k;
}

const CommandSpec* find_pm2_command(std::string_view name) {
  const CommandDef* d = find_def(name);
  if (!d) return nullptr;
  for (const CommandSpec& s : pm2_commands())
    if (s.name == d->spec.name) return &s;
  return nullptr;
}

bool pm2_is_config_file(std::string_view v) {
  for (std::string_view ext : {".json", ".yml", ".yaml", ".config.js", ".config.cjs", ".config.mjs"})
    if (v.find(ext) != std::string_view::npos) return true;
  return false;
}

std::vector<TargetValue> target_values(const Target& t) {
  if (t.form != TargetForm::Dynamic) return {TargetValue{t.value, t.form, true}};
  std::vector<TargetValue> out;
  for (const std::string& v : t.may_be) out.push_back(TargetValue{v, classify_target(v), false});
  return out;
}

TargetForm classify_target(std::string_view v) {
  if (v == "-") return TargetForm::Stdin;
  if (v == "all") return TargetForm::All;
  if (pm2_is_regex_target(v)) return TargetForm::Regex;
  if (pm2_is_config_file(v)) return TargetForm::ConfigFile;
  if (!js_is_nan(v)) return TargetForm::Numeric;
  return TargetForm::Name;
}

namespace {

// The app part of a `set`/`config`/`multiset` key, as add_config_key_target
// reads it; nullopt for a plain key.
std::optional<std::string> config_key_app(const std::string& k) {
  size_t colon = k.find(':');
  size_t dot = k.find('.');
  if (colon != std::string::npos) return k.substr(0, colon);
  if (dot != std::string::npos) return k.substr(0, dot);
  return std::nullopt;
}

Pm2Call parse_call(const Invocation& inv) {
  Pm2Call call;
  std::vector<Tok> raw;
  for (size_t i = 0; i < inv.args.size(); ++i) {
    const Word& w = inv.args[i];
    raw.push_back(Tok{w.literal ? w.text : w.prefix, w.literal, static_cast<int>(i)});
  }
  if (raw.empty()) {
    call.outcome = Outcome::NoCommand;
    return call;
  }

  // CLI.js pre-processing, on the raw argv.
  auto dd = std::find_if(raw.begin(), raw.end(), [](const Tok& t) { return t.literal && t.text == "--"; });
  // Common.printVersion: '-v' before a '--' exits before commander runs.
  if (dd != raw.end() &&
      std::any_of(raw.begin(), dd, [](const Tok& t) { return t.literal && t.text == "-v"; })) {
    call.outcome = Outcome::PrintsVersion;
    return call;
  }
  // The first 'log' before '--' becomes 'logs', wherever it sits.
  for (auto it = raw.begin(); it != dd; ++it)
    if (it->literal && it->text == "log") {
      it->text = "logs";
      break;
    }
  if (raw[0].literal && raw[0].text == "completion") {
    call.outcome = Outcome::Runs;
    call.command = "completion";
    call.spec = find_pm2_command("completion");
    call.command_arg = 0;
    return call;
  }

  Stop stop = Stop::None;
  std::string stop_flag;
  ParsedOptions root = parse_options(root_options(), normalize(raw), call.options, stop, stop_flag);
  if (stop == Stop::Version) {
    call.outcome = Outcome::PrintsVersion;
    return call;
  }
  if (stop == Stop::MissingValue) {
    call.outcome = Outcome::UsageError;
    call.usage_error = "option `" + stop_flag + "' argument missing";
    return call;
  }

  if (root.args.empty()) {
    if (has_help(root.unknown)) {
      call.outcome = Outcome::PrintsHelp;
    } else if (!root.unknown.empty()) {
      call.outcome = Outcome::UsageError;
      call.usage_error = "unknown option `" + root.unknown[0].text + "'";
    } else {
      call.outcome = Outcome::NoCommand;
    }
    return call;
  }

  const Tok name = root.args[0];
  call.command_arg = name.arg;
  if (!name.literal) {
    call.dynamic_command = true;
    call.outcome = Outcome::Runs;
    return call;
  }
  const CommandDef* def = find_def(name.text);
  if (!def) {
    call.outcome = Outcome::UnknownCommand;
    call.command = name.text;
    return call;
  }
  call.spec = find_pm2_command(def->spec.name);
  call.command = std::string(def->spec.name);

  // The command's listener: parse the set-aside unknown options against the
  // command's own options; leftovers go in front of the arguments.
  std::vector<Tok> args(root.args.begin() + 1, root.args.end());
  ParsedOptions sub = parse_options(def->options, root.unknown, call.options, stop, stop_flag);
  if (stop == Stop::MissingValue) {
    call.outcome = Outcome::UsageError;
    call.usage_error = "option `" + stop_flag + "' argument missing";
    return call;
  }
  if (has_help(sub.unknown)) {
    call.outcome = Outcome::PrintsHelp;
    return call;
  }
  if (!sub.unknown.empty()) {
    call.outcome = Outcome::UsageError;
    call.usage_error = "unknown option `" + sub.unknown[0].text + "'";
    return call;
  }
  args.insert(args.begin(), sub.args.begin(), sub.args.end());

  for (size_t i = 0; i < def->args.size(); ++i) {
    if (def->args[i].required && i >= args.size()) {
      call.outcome = Outcome::UsageError;
      call.usage_error = "missing required argument";
      return call;
    }
  }
  std::vector<Tok> pos;
  size_t max_pos = def->args.size();
  bool variadic = !def->args.empty() && def->args.back().variadic;
  for (size_t i = 0; i < args.size(); ++i)
    if (variadic || i < max_pos) pos.push_back(args[i]);
  for (const Tok& t : pos) call.positionals.push_back(t.arg);

  if (def->fail_on_unknown && !args.empty()) {
    call.outcome = Outcome::UsageError;
    call.extra_arguments = true;
    call.usage_error = "unknown command argument `" + args[0].text + "'";
    return call;
  }

  call.outcome = Outcome::Runs;
  derive_targets(call, pos, raw);
  return call;
}

}  // namespace

Pm2Call parse_pm2_call(const Invocation& inv) {
  Pm2Call call = parse_call(inv);
  for (Target& t : call.targets) {
    if (t.form != TargetForm::Dynamic || t.arg < 0) continue;
    for (const std::string& v : inv.args[static_cast<size_t>(t.arg)].may_be) {
      if (t.role != TargetRole::ConfigKey) {
        t.may_be.push_back(v);
      } else if (auto app = config_key_app(v)) {
        t.may_be.push_back(*app);
      }
    }
  }
  return call;
}

bool is_process_listing(const Pm2Call& call) {
  // `pm2 id` without a name stops at "missing required argument", but it is
  // written to list ids: read it as the listing it was meant to be.
  if (call.command == "id" && call.positionals.empty() && call.outcome == Outcome::UsageError) return true;
  if (!call.runs() || !call.spec) return false;
  const std::string& c = call.command;
  if (c == "jlist" || c == "list" || c == "l" || c == "ps" || c == "status" || c == "prettylist") return true;
  // `pm2 pid` with no name prints every pid; `pm2 id <name>` narrows to one
  // name unless the name itself is unknown.
  if (c == "pid") return call.positionals.empty();
  if (c == "id") return call.positionals.empty();
  return false;
}

bool is_known_harmless(const Pm2Call& call) {
  if (call.dynamic_command) return false;
  if (call.outcome == Outcome::UnknownCommand) return false;
  // A failOnUnknown command with extra arguments: pm2 7 refuses it, another
  // version may run it.
  if (call.extra_arguments) return false;
  if (!call.runs()) return true;  // help, version, usage errors: pm2 7 exits before acting
  return call.spec && call.spec->impact == Impact::ReadOnly;
}

bool is_destructive(const Pm2Call& call) {
  if (call.dynamic_command) return true;
  if (!call.spec) return false;
  if (call.spec->impact == Impact::DaemonWide) return call.runs() || call.extra_arguments;
  if (call.spec->impact != Impact::Targets || !call.runs()) return false;
  return !call.targets.empty();
}

std::vector<SecretWord> secret_words(const Invocation& inv, const Pm2Call& call) {
  std::vector<SecretWord> out;
  const std::string& c = call.command;
  if (c == "set" || c == "config" || c == "link") {
    size_t skip = c == "link" ? 0 : 1;  // set and config keep their key
    for (size_t k = skip; k < call.positionals.size(); ++k) out.push_back({call.positionals[k], 0});
  } else if (c == "multiset" && !call.positionals.empty()) {
    const Word& w = inv.args[static_cast<size_t>(call.positionals[0])];
    size_t sp = w.text.find(' ');
    if (sp != std::string::npos) out.push_back({call.positionals[0], sp + 1});
  }
  if (c == "start" || c == "restart" || c == "reload" || c == "startOrRestart" || c == "startOrReload" ||
      c == "startOrGracefulReload") {
    bool after = false;
    for (size_t i = 0; i < inv.args.size(); ++i) {
      if (after) out.push_back({static_cast<int>(i), 0});
      after = after || (inv.args[i].literal && inv.args[i].text == "--");
    }
  }
  return out;
}

std::string display_safe(const Invocation& inv) {
  std::vector<SecretWord> secrets = secret_words(inv, parse_pm2_call(inv));
  if (secrets.empty()) return inv.display();
  Invocation copy = inv;
  for (const SecretWord& s : secrets) {
    Word& w = copy.args[static_cast<size_t>(s.arg)];
    w = Word::lit(w.text.substr(0, std::min(s.keep, w.text.size())) + std::string(kRedacted), w.range);
    w.literal = s.keep != 0;  // shown bare, not shell-quoted, when it is all placeholder
  }
  return copy.display();
}

}  // namespace pm2guard

#include "resolve.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>

#include <fmt/format.h>

#include "js_semantics.h"

namespace pm2guard::shim {

std::string js_path_resolve(const std::string& cwd, const std::string& p) {
  std::string joined = !p.empty() && p[0] == '/' ? p : cwd + "/" + p;
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= joined.size()) {
    size_t j = joined.find('/', i);
    if (j == std::string::npos) j = joined.size();
    std::string part = joined.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

namespace {

// The JavaScript pattern (web-compatible, no flags) as a std::regex
// ECMAScript pattern with the same meaning, or nullopt where libstdc++ reads
// it differently and no rewrite is certain:
// - inside a class, `[` is a plain character in JavaScript, while std::regex
//   reads `[:alpha:]`, `[.a.]` and `[=a=]` as POSIX classes, collating
//   elements and equivalence classes: it is escaped;
// - `\c` (control escapes, and Annex B's readings of `\c` with no letter),
//   backreferences (JavaScript matches a group that did not take part as
//   empty, std::regex fails) and legacy octal escapes are not translated.
std::optional<std::string> to_std_regex(const std::string& source) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\\') {
      if (i + 1 >= source.size()) return std::nullopt;
      char k = source[i + 1];
      if (k == 'c') return std::nullopt;
      if (digit(k) && (k != '0' || (i + 2 < source.size() && digit(source[i + 2])))) return std::nullopt;
      out += c;
      out += k;
      ++i;
      continue;
    }
    if (in_class) {
      if (c == '[') {
        out += "\\[";
        continue;
      }
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < source.size() && source[i + 1] == '^') out += source[++i];
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

constexpr size_t kMaxRegexSubject = 512;

// Whether std::regex's backtracking could take exponential or high
// polynomial time on this pattern: a quantified group that holds a
// quantifier or an alternation (`(a+)+`, `(a|aa)*`), or more than three
// unbounded quantifiers. Such patterns are not judged (nobody names a
// deployment's processes with them, and a name crafted by another team must
// not hang every regex command while the shim holds the deployment lock).
bool backtracks_badly(const std::string& src) {
  struct Group {
    bool inner_quantifier = false;
    bool alternation = false;
  };
  std::vector<Group> open;
  int unbounded = 0;
  bool in_class = false;
  auto quantifier_at = [&](size_t i) { return i < src.size() && (src[i] == '*' || src[i] == '+' || src[i] == '?' || src[i] == '{'); };
  for (size_t i = 0; i < src.size(); ++i) {
    char c = src[i];
    if (c == '\\') {
      ++i;
      if (quantifier_at(i + 1) && !open.empty()) open.back().inner_quantifier = true;
      continue;
    }
    if (in_class) {
      if (c == ']') {
        in_class = false;
        if (quantifier_at(i + 1) && !open.empty()) open.back().inner_quantifier = true;
      }
      continue;
    }
    if (c == '[') {
      in_class = true;
      continue;
    }
    if (c == '*' || c == '+' || (c == '{' && src.find(",}", i) == src.find('}', i) - 1)) ++unbounded;
    if (c == '(') {
      open.push_back({});
    } else if (c == ')') {
      Group g = open.empty() ? Group{} : open.back();
      if (!open.empty()) open.pop_back();
      bool quantified = quantifier_at(i + 1);
      if (quantified && (g.inner_quantifier || g.alternation)) return true;
      if ((quantified || g.inner_quantifier) && !open.empty()) open.back().inner_quantifier = true;
    } else if (c == '|') {
      if (!open.empty()) open.back().alternation = true;
    } else if ((c == '*' || c == '+' || c == '?' || c == '{') && !open.empty()) {
      open.back().inner_quantifier = true;
    }
  }
  return unbounded > 3;
}

std::optional<bool> js_regex_test(const std::string& source, const std::string& name) {
  RegexVerdict v = analyse_js_regex(source);
  if (!v.valid || v.approximate) return std::nullopt;
  // std::regex reads bytes, JavaScript reads UTF-16 code units: the two
  // agree on ASCII only. A non-ASCII pattern, or a non-ASCII name tested by
  // a construct that counts or excludes characters (`.`, `[^..]`, `\W`,
  // `\S`, `\D`, or a `\u`/`\x` escape), is not judged.
  auto non_ascii = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  };
  if (non_ascii(source)) return std::nullopt;
  // libstdc++'s std::regex recurses once per character a quantifier takes:
  // a name of tens of thousands of characters would overflow the stack. No
  // judgement is better than a crash (the command is then refused).
  if (name.size() > kMaxRegexSubject || backtracks_badly(source)) return std::nullopt;
  if (non_ascii(name))
    for (const char* counts : {".", "[^", "\\W", "\\S", "\\D", "\\u", "\\x"})
      if (source.find(counts) != std::string::npos) return std::nullopt;
  std::optional<std::string> translated = to_std_regex(source);
  if (!translated) return std::nullopt;
  try {
    std::regex re(*translated, std::regex::ECMAScript);
    return std::regex_search(name, re);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

std::optional<std::string> pm2_daemon_cwd(const std::string& pid_file) {
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  std::string proc = "/proc/" + std::to_string(pid);
  // The daemon names itself `PM2 v<version>: God Daemon (<home>)` (unless
  // PM2_DAEMON_TITLE says otherwise: then its cwd stays unknown).
  std::ifstream cmd(proc + "/cmdline", std::ios::binary);
  std::string title((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
  if (title.find("God Daemon") == std::string::npos) return std::nullopt;
  char buf[PATH_MAX];
  ssize_t n = readlink((proc + "/cwd").c_str(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  std::string cwd(buf, static_cast<size_t>(n));
  bool deleted = cwd.size() >= 10 && cwd.compare(cwd.size() - 10, 10, " (deleted)") == 0;
  if (cwd.empty() || cwd[0] != '/' || deleted)
    return std::nullopt;
  return cwd;
}

namespace {

class Resolver {
 public:
  Resolver(const Pm2Call& call, const ResolveInput& in) : call_(call), in_(in), procs_(*in.processes) {}

  Resolution run() {
    if (call_.spec && call_.spec->impact == Impact::DaemonWide) {
      for (const ProcessInfo& p : procs_) add(p.pm_id);
      note(fmt::format("{} acts on the daemon: every process, modules included", call_.command));
      return std::move(r_);
    }
    const std::string& c = call_.command;
    bool stops_at_failure = c == "stop" || c == "restart" || c == "delete" || c == "start";
    for (const Target& t : call_.targets) {
      size_t starts_before = r_.starts.size();
      target(t);
      if (contingent_) r_.starts.resize(starts_before);  // not reached: nothing starts
      if (failed_ && stops_at_failure) contingent_ = true;
      failed_ = false;
    }
    renames();
    return std::move(r_);
  }

  // restart/reload (and start of a running name) with --name or
  // --namespace: _handleAttributeUpdate puts them in current_conf, which
  // the daemon mixes into the process's record: the processes are renamed.
  void renames() {
    const std::string& c = call_.command;
    if (c != "restart" && c != "reload" && c != "start") return;
    std::string name = option("name"), ns = option("namespace");
    if (name.empty() && ns.empty()) return;
    bool by_file = std::any_of(call_.targets.begin(), call_.targets.end(), [](const Target& t) {
      return t.form == TargetForm::ConfigFile || t.form == TargetForm::Stdin;
    });
    if (by_file) return;  // a file's apps keep the names the file gives them
    for (int id : r_.ids)
      for (const ProcessInfo& p : procs_)
        if (p.pm_id == id && ((!name.empty() && name != p.name) || (!ns.empty() && ns != p.ns)))
          start(name.empty() ? p.name : name, ns.empty() ? p.ns : ns, "a rename by --name/--namespace");
  }

 private:
  void add(int id) {
    std::vector<int>& into = contingent_ ? r_.contingent : r_.ids;
    if (std::find(into.begin(), into.end(), id) == into.end()) into.push_back(id);
  }
  // pm2's CLI runs stop, restart, delete and start target by target and
  // stops at the first one that fails: what follows it is not reached.
  void fails() { failed_ = true; }
  void note(std::string s) { r_.notes.push_back(std::move(s)); }
  void uncertain(std::string why) {
    if (r_.certain) r_.why = std::move(why);
    r_.certain = false;
  }

  std::vector<int> by_name_or_path(const std::string& name) const {
    std::vector<int> ids;
    std::string full = js_path_resolve(in_.cwd, name);
    for (const ProcessInfo& p : procs_)
      if (p.name == name || p.exec_path == full) ids.push_back(p.pm_id);
    return ids;
  }
  std::vector<int> by_namespace(const std::string& ns) const {
    std::vector<int> ids;
    for (const ProcessInfo& p : procs_)
      if (p.ns == ns) ids.push_back(p.pm_id);
    return ids;
  }

  // API.js _operate(action, value).
  void operate(const std::string& value, const std::string& label) {
    if (value == "all") {
      size_t n = 0;
      for (const ProcessInfo& p : procs_)
        if (!p.is_module) add(p.pm_id), ++n;
      if (n == 0) fails();  // "No process found"
      note(fmt::format("{}: all ({} processes)", label, n));
      return;
    }
    if (pm2_is_regex_target(value)) {
      std::string source = pm2_regex_source(value);
      std::vector<int> hits;
      for (const ProcessInfo& p : procs_) {
        std::optional<bool> hit = js_regex_test(source, p.name);
        if (!hit) {
          uncertain(fmt::format("the regex `{}` cannot be evaluated exactly as JavaScript would", value));
          for (const ProcessInfo& q : procs_) add(q.pm_id);  // assume the worst
          return;
        }
        if (*hit) hits.push_back(p.pm_id);
      }
      for (int id : hits) add(id);
      if (hits.empty()) fails();
      r_.groups.push_back({value, hits});
      note(fmt::format("{}: regex `{}` matches {} process(es)", label, source, hits.size()));
      return;
    }
    std::vector<int> ids = by_name_or_path(value);
    if (!ids.empty()) {
      for (int id : ids) add(id);
      note(fmt::format("{}: name or script path ({} process(es))", label, ids.size()));
      return;
    }
    ids = by_namespace(value);
    if (!ids.empty()) {
      for (int id : ids) add(id);
      r_.groups.push_back({value, ids});
      note(fmt::format("{}: namespace `{}` ({} process(es))", label, value, ids.size()));
      return;
    }
    if (!js_is_nan(value)) {
      for (const ProcessInfo& p : procs_)
        if (std::to_string(p.pm_id) == value) {
          add(p.pm_id);
          note(fmt::format("{}: id {}", label, value));
          return;
        }
    }
    fails();
    note(fmt::format("{}: matches nothing (pm2 reports it not found)", label));
  }

  std::optional<ConfigApps> config(const std::string& path, bool start_json) {
    std::string err;
    std::optional<ConfigApps> apps;
    if (path == "-") {
      if (in_.load_stdin) apps = in_.load_stdin(start_json, err);
      else err = "stdin cannot be read";
    } else if (in_.load_config) {
      apps = in_.load_config(path, start_json, err);
    } else {
      err = "config files cannot be read";
    }
    if (!apps) {
      uncertain(fmt::format("`{}`: {}", path, err));
      return apps;
    }
    for (const std::string& c : apps->code) r_.code_documents.push_back(c);
    for (const std::string& e : apps->reserved_env) r_.reserved_env.push_back(e);
    if (!apps->pin.key.empty()) r_.pins.push_back(apps->pin);
    if (!apps->code.empty()) return std::nullopt;  // judged as code: nothing more to read from it
    return apps;
  }

  void start(std::string name, std::string ns, std::string origin, std::string owner = {}) {
    NewProcess n;
    n.name = std::move(name);
    n.ns = ns.empty() ? "default" : std::move(ns);
    n.origin = std::move(origin);
    n.owner = std::move(owner);
    r_.starts.push_back(std::move(n));
  }
  std::string option(const char* name) const {
    auto it = call_.options.find(name);
    return it == call_.options.end() ? std::string() : it->second;
  }

  // --only for _startJson: a list split on ',' or ' '.
  static std::vector<std::string> split_only(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= s.size()) {
      size_t j = s.find_first_of(", ", i);
      if (j == std::string::npos) j = s.size();
      out.push_back(s.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }

  // stop/delete with a config, and stop/restart/delete with '-':
  // actionFromJson (exact --only, by name or script path, no namespace
  // fallback; apps that do not run are not started).
  void action_from_json(const std::string& path, const std::string& label) {
    std::optional<ConfigApps> apps = config(path, false);
    if (!apps) return;
    if (apps->missing) fails();
    auto only = call_.options.find("only");
    for (const std::string& name : apps->names) {
      if (only != call_.options.end() && only->second != name) continue;
      std::vector<int> ids = by_name_or_path(name);
      for (int id : ids) add(id);
      note(fmt::format("{}: app `{}` ({} process(es))", label, name, ids.size()));
    }
  }

  // start/restart/reload/startOr* with a config, and `start -`: _startJson.
  // Each app (static: entries included) passes --only (split on ',' or ' ')
  // by its own name, then takes `-<env>` when append_env_to_name is set and
  // --env given; the running processes with one of these names are
  // restarted (each name through _operate), the other apps started.
  void start_json(const std::string& path, const std::string& label) {
    std::optional<ConfigApps> apps = config(path, true);
    if (!apps) return;
    if (apps->missing) fails();
    auto only = call_.options.find("only");
    auto env = call_.options.find("env");
    bool with_env = env != call_.options.end() && !env->second.empty();
    std::vector<std::string> list;
    if (only != call_.options.end()) list = split_only(only->second);
    std::vector<std::string> wanted;
    std::vector<std::string> wanted_ns;
    for (size_t i = 0; i < apps->names.size(); ++i) {
      std::string ns = i < apps->namespaces.size() ? apps->namespaces[i] : "";
      ConfigAppFlags f = i < apps->flags.size() ? apps->flags[i] : ConfigAppFlags{};
      std::string name = apps->names[i];
      if (only != call_.options.end() &&
          (!f.name_is_string || std::find(list.begin(), list.end(), name) == list.end()))
        continue;
      if (f.append_env_to_name && with_env) {
        name += "-" + env->second;
        f.name_is_string = true;
      }
      if (!f.name_is_string) {
        r_.new_apps.push_back(name);  // never equals a running process's name
        start(name, ns, path == "-" ? "stdin" : path);
        continue;
      }
      wanted.push_back(name);
      wanted_ns.push_back(ns);
    }
    std::vector<std::string> done;
    for (size_t w = 0; w < wanted.size(); ++w) {
      const std::string& name = wanted[w];
      if (std::find(done.begin(), done.end(), name) != done.end()) continue;
      done.push_back(name);
      bool running = std::any_of(procs_.begin(), procs_.end(), [&](const ProcessInfo& p) { return p.name == name; });
      if (running) {
        operate(name, fmt::format("{}: app `{}`", label, name));
        // A restart through a file moves the process into the file's
        // namespace (pm2 #4809): that is a new place for it.
        if (!wanted_ns[w].empty())
          for (const ProcessInfo& p : procs_)
            if (p.name == name && p.ns != wanted_ns[w]) start(name, wanted_ns[w], path == "-" ? "stdin" : path);
      } else {
        r_.new_apps.push_back(name);
        start(name, wanted_ns[w], path == "-" ? "stdin" : path);
      }
    }
  }

  // start <target> without a config: _startScript.
  void start_script(const std::string& t, const std::string& label) {
    bool numeric = !js_is_nan(t);
    bool pathlike = t.find('/') != std::string::npos || has_extension(t);
    if (!numeric && !pathlike) {
      if (t == "all") {
        operate("all", label);
        return;
      }
      if (!by_name_or_path(t).empty() || !by_namespace(t).empty()) {
        operate(t, label);
        return;
      }
    }
    if (numeric) {
      operate(t, label);
      return;
    }
    // restartExistingProcessPathOrStartNew: the last process with this
    // script path and the app's name decides. Stopped, stopping or errored:
    // pm2 restarts the name through _operate, i.e. every process of that
    // name (or script path) in every namespace. Running: "Script already
    // launched" (nothing happens) unless -f, which starts another one.
    std::string full = js_path_resolve(in_.cwd, t);
    auto name_opt = call_.options.find("name");
    std::string name;
    if (name_opt != call_.options.end() && !name_opt->second.empty())
      name = name_opt->second;
    else if (t.find(' ') != std::string::npos)
      name = t;  // verifyConfs runs it with bash -c and names it after the command
    else
      name = stem(t);
    const ProcessInfo* managed = nullptr;
    for (const ProcessInfo& p : procs_)
      if (p.exec_path == full && p.name == name) managed = &p;
    if (managed && (managed->status == "stopped" || managed->status == "stopping" || managed->status == "errored")) {
      operate(name, fmt::format("{}: restarts stopped `{}`", label, name));
      return;
    }
    if (managed && !call_.has_option("force")) {
      note(fmt::format("{}: `{}` already runs this script (pm2 refuses without -f)", label, name));
      return;
    }
    if (t.find(' ') == std::string::npos && !script_exists(full, t)) {
      fails();  // "Script not found"
      note(fmt::format("{}: no such script (pm2 reports it not found)", label));
      return;
    }
    r_.new_apps.push_back(name);
    start(name, option("namespace"), "--name");
    note(fmt::format("{}: starts a new process", label));
  }

  // Whether pm2 finds a script to start: the path itself, else (a bare
  // word) an executable of that name on PATH, as `which` finds it.
  static bool script_exists(const std::string& full, const std::string& t) {
    if (access(full.c_str(), F_OK) == 0) return true;
    if (t.find('/') != std::string::npos) return false;
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "";
    size_t i = 0;
    while (i <= p.size()) {
      size_t j = p.find(':', i);
      if (j == std::string::npos) j = p.size();
      std::string dir = p.substr(i, j - i);
      if (!dir.empty() && access((dir + "/" + t).c_str(), X_OK) == 0) return true;
      i = j + 1;
    }
    return false;
  }

  // node's path.basename(p) (POSIX): trailing slashes ignored.
  static std::string basename(const std::string& t) {
    size_t end = t.find_last_not_of('/');
    if (end == std::string::npos) return "";
    std::string s = t.substr(0, end + 1);
    size_t slash = s.find_last_of('/');
    return slash == std::string::npos ? s : s.substr(slash + 1);
  }

  // God.findByName in the daemon: name, or pm_exec_path == path.resolve(v)
  // against the daemon's own cwd. When that cwd is unknown, any process
  // whose script path ends in the target's path could be hit: the
  // resolution is then uncertain, with those processes counted.
  void signal_by_name(const std::string& v, const std::string& label) {
    std::vector<int> ids;
    if (!v.empty() && v[0] == '/') {
      ids = by_name_or_path(v);
    } else if (in_.daemon_cwd) {
      std::string full = js_path_resolve(*in_.daemon_cwd, v);
      for (const ProcessInfo& p : procs_)
        if (p.name == v || p.exec_path == full) ids.push_back(p.pm_id);
    } else {
      // The suffix every path.resolve(<some dir>, v) ends with; none when v
      // climbs out with `..` or names the directory itself.
      std::vector<std::string> parts;
      bool unbounded = false;
      size_t i = 0;
      while (i <= v.size()) {
        size_t j = v.find('/', i);
        if (j == std::string::npos) j = v.size();
        std::string part = v.substr(i, j - i);
        if (part == "..") unbounded = true;
        else if (!part.empty() && part != ".") parts.push_back(part);
        i = j + 1;
      }
      if (parts.empty()) unbounded = true;
      std::string suffix;
      for (const std::string& part : parts) suffix += "/" + part;
      std::vector<int> maybe;
      for (const ProcessInfo& p : procs_) {
        if (p.name == v) {
          ids.push_back(p.pm_id);
          continue;
        }
        bool could = !p.exec_path.empty() &&
                     (unbounded || (p.exec_path.size() >= suffix.size() &&
                                    p.exec_path.compare(p.exec_path.size() - suffix.size(), suffix.size(), suffix) == 0));
        if (could) maybe.push_back(p.pm_id);
      }
      if (!maybe.empty()) {
        uncertain(fmt::format("`{}` may name a script relative to the pm2 daemon's working directory, which cannot "
                              "be read",
                              v));
        ids.insert(ids.end(), maybe.begin(), maybe.end());
        std::sort(ids.begin(), ids.end());
      }
    }
    for (int id : ids) add(id);
    note(fmt::format("{}: name or script path ({} process(es))", label, ids.size()));
  }

  // install / module:update: the module's apps, as _startJson reads them
  // (a running name is restarted through the full resolution, the others
  // start under the module's name). uninstall: the processes of that name
  // (a tarball module's apps are deleted by name, namespaces included) and,
  // for an npm module, whatever its pm_id resolves to as a target (pm2
  // passes the id as a word, which a process named like that number wins).
  void module(const Target& t, const std::string& label) {
    if (call_.command == "uninstall") {
      // Modularizer.uninstall: `all` is every registered module; an npm
      // module's first process is deleted by its pm_id, as a word (which a
      // process named like that number wins); a tarball module's apps by
      // name (namespaces included).
      auto npm_uninstall = [&](const std::string& m) {
        for (const ProcessInfo& p : procs_)
          if (p.is_module && p.name == m) {
            operate(std::to_string(p.pm_id), label + " (the module's pm_id)");
            return;
          }
      };
      if (!in_.npm_modules || !in_.tar_modules) {  // the registry is unknown: both readings
        operate(t.value, label);
        npm_uninstall(t.value);
        return;
      }
      std::vector<std::string> npm, tar;
      if (t.value == "all") {
        npm.assign(in_.npm_modules->begin(), in_.npm_modules->end());
        tar.assign(in_.tar_modules->begin(), in_.tar_modules->end());
      } else if (in_.npm_modules->count(t.value)) {
        npm.push_back(t.value);
      } else if (in_.tar_modules->count(t.value)) {
        tar.push_back(t.value);
      } else {
        note(fmt::format("{}: not a registered module (pm2 reports it unknown)", label));
        return;
      }
      for (const std::string& m : npm) npm_uninstall(m);
      for (const std::string& m : tar) operate(m, label);
      return;
    }
    if (!in_.load_module) {
      uncertain(fmt::format("the module `{}` cannot be read", t.value));
      return;
    }
    std::string err;
    std::optional<ModuleApps> m = in_.load_module(t.value, err);
    if (!m) {
      uncertain(fmt::format("the module `{}`: {}", t.value, err));
      return;
    }
    std::string ns = m->ns.empty() ? option("namespace") : m->ns;
    for (const std::string& e : m->reserved_env) r_.reserved_env.push_back(e);
    if (!m->pin.document.empty()) r_.pins.push_back(m->pin);
    for (size_t i = 0; i < m->restart_names.size(); ++i) {
      const std::string& name = m->restart_names[i];
      bool running = std::any_of(procs_.begin(), procs_.end(), [&](const ProcessInfo& p) { return p.name == name; });
      if (running) {
        operate(name, fmt::format("{}: module app `{}` (running: restarted)", label, name));
        continue;
      }
      const std::string& started = i < m->start_names.size() ? m->start_names[i] : name;
      start(started, ns, m->source);
      r_.new_apps.push_back(started);
      note(fmt::format("{}: starts module process `{}`", label, started));
    }
  }

  // resurrect: every dump entry whose name no running process has is
  // started again, under the name, namespace and environment it was saved
  // with (Startup.js resurrect: `tostart`).
  void dump(const std::string& label) {
    if (!in_.load_dump) {
      uncertain("the dump file cannot be read");
      return;
    }
    std::string err;
    std::optional<DumpContents> d = in_.load_dump(err);
    if (!d) {
      uncertain(fmt::format("the dump file: {}", err));
      return;
    }
    if (!d->code.empty()) r_.code_documents.push_back(d->code);
    if (!d->pin.key.empty()) r_.pins.push_back(d->pin);
    size_t n = 0;
    std::vector<std::string> seen;
    for (const DumpEntry& e : d->entries) {
      bool running = std::any_of(procs_.begin(), procs_.end(), [&](const ProcessInfo& p) { return p.name == e.name; });
      if (running) continue;
      start(e.name, e.ns, "the dump", e.owner);
      r_.new_apps.push_back(e.name);
      ++n;
    }
    note(fmt::format("{}: starts {} saved process(es) that do not run now", label, n));
  }

  // A target pm2 looks up as a key of its process table (a pm_id written
  // as pm2 writes it: only the canonical decimal matches).
  void by_id_key(const std::string& v, const std::string& label) {
    for (const ProcessInfo& p : procs_)
      if (std::to_string(p.pm_id) == v) {
        add(p.pm_id);
        note(fmt::format("{}: id {}", label, v));
        return;
      }
    note(fmt::format("{}: no process has the id `{}`", label, v));
  }

  // JavaScript Number(s) for a string; nullopt for NaN.
  static std::optional<double> js_number(const std::string& s) {
    if (js_is_nan(s)) return std::nullopt;
    size_t b = s.find_first_not_of(" \t\n\r\v\f");
    if (b == std::string::npos) return 0.0;
    size_t e = s.find_last_not_of(" \t\n\r\v\f");
    std::string t = s.substr(b, e - b + 1);
    int base = 10;
    size_t skip = 0;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) base = 16, skip = 2;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O')) base = 8, skip = 2;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B')) base = 2, skip = 2;
    if (base != 10) {
      double v = 0;
      for (size_t i = skip; i < t.size(); ++i) {
        char c = t[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
        v = v * base + d;
      }
      return v;
    }
    return std::strtod(t.c_str(), nullptr);
  }

  // path.extname(t) !== ''
  static bool has_extension(const std::string& t) {
    std::string base = basename(t);
    if (base == "..") return false;
    size_t dot = base.find_last_of('.');
    return dot != std::string::npos && dot > 0;
  }
  // Common.renderApplicationName: the basename up to its last dot.
  static std::string stem(const std::string& t) {
    std::string base = basename(t);
    size_t dot = base.find_last_of('.');
    return dot != std::string::npos && dot > 0 ? base.substr(0, dot) : base;
  }

  void target(const Target& t) {
    std::string label = t.arg >= 0 ? fmt::format("`{}`", t.value) : fmt::format("(implicit `{}`)", t.value);
    const std::string& c = call_.command;
    switch (t.role) {
      case TargetRole::Operate:
        if (t.form == TargetForm::Stdin) {
          // stop -, restart -, delete -: API.js hands the document to
          // actionFromJson (reload has no stdin form: pm2_cli reads its '-'
          // as a name).
          action_from_json("-", label);
        } else if (t.form == TargetForm::ConfigFile) {
          if (c == "stop" || c == "delete")
            action_from_json(t.value, label);
          else
            start_json(t.value, label);
        } else {
          operate(t.value, label);
        }
        return;
      case TargetRole::ConfigKey:
        if (pm2_is_config_file(t.value))
          start_json(t.value, label);
        else
          operate(t.value, label);
        return;
      case TargetRole::Start:
        if (t.form == TargetForm::Stdin || t.form == TargetForm::ConfigFile)
          start_json(t.form == TargetForm::Stdin ? "-" : t.value, label);
        else
          start_script(t.value, label);
        return;
      case TargetRole::Signal: {
        if (t.value == "all") {
          for (const ProcessInfo& p : procs_) add(p.pm_id);
          note(fmt::format("{}: all (modules included)", label));
        } else if (js_parse_int_is_nan(t.value)) {
          signal_by_name(t.value, label);
        } else {
          // sendSignalToProcessId(parseInt-ish id)
          long id = std::strtol(t.value.c_str(), nullptr, 0);
          for (const ProcessInfo& p : procs_)
            if (p.pm_id == id) add(p.pm_id);
          note(fmt::format("{}: id", label));
        }
        return;
      }
      case TargetRole::Reset: {
        // API.reset: `all` is every process, modules included; a NaN name
        // goes to getProcessIdByName (name or script path, no namespace
        // fallback); anything numeric is an id, looked up as written.
        if (t.value == "all") {
          for (const ProcessInfo& p : procs_) add(p.pm_id);
          note(fmt::format("{}: all (modules included)", label));
        } else if (js_is_nan(t.value)) {
          std::vector<int> ids = by_name_or_path(t.value);
          for (int id : ids) add(id);
          note(fmt::format("{}: name or script path ({} process(es))", label, ids.size()));
        } else {
          by_id_key(t.value, label);
        }
        return;
      }
      case TargetRole::Trigger: {
        // God.msgProcess: a numeric target is an id; otherwise every
        // process whose script basename, name or namespace equals it (all of
        // them, not a fallback), or every process for `all`, that exposes
        // the action (pm2_env.axm_actions) and is online or launching.
        const std::string& action = t.action;
        auto reachable = [&](const ProcessInfo& p) {
          bool up = p.status == "online" || p.status == "launching";
          return up && std::find(p.actions.begin(), p.actions.end(), action) != p.actions.end();
        };
        if (!js_is_nan(t.value)) {
          for (const ProcessInfo& p : procs_)
            if (std::to_string(p.pm_id) == t.value && reachable(p)) add(p.pm_id);
          note(fmt::format("{}: id {}", label, t.value));
          return;
        }
        std::vector<int> ids;
        for (const ProcessInfo& p : procs_) {
          std::string base = p.exec_path.substr(p.exec_path.find_last_of('/') + 1);
          bool match = t.value == "all" || p.name == t.value || p.ns == t.value || base == t.value;
          if (match && reachable(p)) ids.push_back(p.pm_id);
        }
        for (int id : ids) add(id);
        if (t.value != "all" && !ids.empty()) r_.groups.push_back({t.value, ids});
        note(fmt::format("{}: {} process(es) by name, script or namespace", label, ids.size()));
        return;
      }
      case TargetRole::Id:
        // send / attach: God.clusters_db[pm_id], the word as a property key.
        by_id_key(t.value, label);
        return;
      case TargetRole::Logs: {
        // LogManagement.flush(api): `l.pm2_env.pm_id == api` (loosely, so
        // Number(api): '' and ' 0 ' are 0, '0x1' is 1) or `name === api`.
        std::optional<double> n = js_number(t.value);
        std::vector<int> ids;
        for (const ProcessInfo& p : procs_)
          if ((n && *n == static_cast<double>(p.pm_id)) || p.name == t.value) ids.push_back(p.pm_id);
        for (int id : ids) add(id);
        note(fmt::format("{}: the logs of {} process(es){}", label, ids.size(),
                         t.value.empty() ? " and pm2's own log" : ""));
        return;
      }
      case TargetRole::Module:
        module(t, label);
        return;
      case TargetRole::Dump:
        dump(label);
        return;
      case TargetRole::NewApp:
        r_.new_apps.push_back(t.value);
        start(t.value, option("namespace"), "pm2 serve");
        note(fmt::format("{}: starts a new app `{}`", label, t.value));
        return;
      case TargetRole::Scale: {
        // scale / pull / forward / backward: name or script path (pull and
        // friends also take a pid or an id).
        std::vector<int> ids = by_name_or_path(t.value);
        if (c != "scale" && !js_parse_int_is_nan(t.value)) {
          long n = std::strtol(t.value.c_str(), nullptr, 10);
          for (const ProcessInfo& p : procs_)
            if (p.pm_id == n || p.pid == n) ids.push_back(p.pm_id);
        }
        for (int id : ids) add(id);
        note(fmt::format("{}: {} process(es)", label, ids.size()));
        return;
      }
    }
  }

  const Pm2Call& call_;
  const ResolveInput& in_;
  const std::vector<ProcessInfo>& procs_;
  Resolution r_;
  bool failed_ = false;      ///< the target just resolved makes pm2 stop with an error
  bool contingent_ = false;  ///< past such a target: what pm2 would reach only if it had not failed
};

}  // namespace

Resolution resolve_targets(const Pm2Call& call, const ResolveInput& in) {
  static const std::vector<ProcessInfo> none;
  ResolveInput copy = in;
  if (!copy.processes) copy.processes = &none;
  return Resolver(call, copy).run();
}

}  // namespace pm2guard::shim

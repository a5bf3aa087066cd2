#include "resolve.h"

#include <algorithm>
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
  if (non_ascii(name))
    for (const char* counts : {".", "[^", "\\W", "\\S", "\\D", "\\u", "\\x"})
      if (source.find(counts) != std::string::npos) return std::nullopt;
  try {
    std::regex re(source, std::regex::ECMAScript);
    return std::regex_search(name, re);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
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
    for (const Target& t : call_.targets) target(t);
    return std::move(r_);
  }

 private:
  void add(int id) {
    if (std::find(r_.ids.begin(), r_.ids.end(), id) == r_.ids.end()) r_.ids.push_back(id);
  }
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
    if (!apps) uncertain(fmt::format("`{}`: {}", path, err));
    return apps;
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

  // stop/delete with a config: actionFromJson (exact --only, by name or path).
  void action_from_json(const std::string& path, const std::string& label) {
    std::optional<ConfigApps> apps = config(path, false);
    if (!apps) return;
    auto only = call_.options.find("only");
    for (const std::string& name : apps->names) {
      if (only != call_.options.end() && only->second != name) continue;
      std::vector<int> ids = by_name_or_path(name);
      for (int id : ids) add(id);
      note(fmt::format("{}: app `{}` ({} process(es))", label, name, ids.size()));
    }
  }

  // restart/reload/start with a config: _startJson restarts the running apps
  // by name (each through _operate) and starts the others.
  void start_json(const std::string& path, const std::string& label) {
    std::optional<ConfigApps> apps = config(path, true);
    if (!apps) return;
    auto only = call_.options.find("only");
    std::vector<std::string> wanted;
    for (const std::string& name : apps->names) {
      if (only != call_.options.end()) {
        std::vector<std::string> list = split_only(only->second);
        if (std::find(list.begin(), list.end(), name) == list.end()) continue;
      }
      wanted.push_back(name);
    }
    for (const std::string& name : wanted) {
      bool running = std::any_of(procs_.begin(), procs_.end(), [&](const ProcessInfo& p) { return p.name == name; });
      if (running)
        operate(name, fmt::format("{}: app `{}`", label, name));
      else
        r_.new_apps.push_back(name);
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
    // Same script path and name already managed: a stopped one restarts.
    std::string full = js_path_resolve(in_.cwd, t);
    auto name_opt = call_.options.find("name");
    std::string name = name_opt != call_.options.end() ? name_opt->second : stem(t);
    for (const ProcessInfo& p : procs_)
      if (p.exec_path == full && p.name == name && (p.status == "stopped" || p.status == "stopping" || p.status == "errored")) {
        add(p.pm_id);
        note(fmt::format("{}: restarts stopped `{}`", label, name));
        return;
      }
    r_.new_apps.push_back(name);
    note(fmt::format("{}: starts a new process", label));
  }

  static bool has_extension(const std::string& t) {
    std::string base = t.substr(t.find_last_of('/') == std::string::npos ? 0 : t.find_last_of('/') + 1);
    size_t dot = base.find_last_of('.');
    return dot != std::string::npos && dot > 0;
  }
  static std::string stem(const std::string& t) {
    std::string base = t.substr(t.find_last_of('/') == std::string::npos ? 0 : t.find_last_of('/') + 1);
    size_t dot = base.find_last_of('.');
    return dot != std::string::npos && dot > 0 ? base.substr(0, dot) : base;
  }

  void target(const Target& t) {
    std::string label = t.arg >= 0 ? fmt::format("`{}`", t.value) : fmt::format("(implicit `{}`)", t.value);
    const std::string& c = call_.command;
    switch (t.role) {
      case TargetRole::Operate:
        if (t.form == TargetForm::Stdin || t.form == TargetForm::ConfigFile) {
          std::string path = t.form == TargetForm::Stdin ? "-" : t.value;
          if (c == "stop" || c == "delete")
            action_from_json(path, label);
          else
            start_json(path, label);
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
          std::vector<int> ids = by_name_or_path(t.value);
          for (int id : ids) add(id);
          note(fmt::format("{}: name ({} process(es))", label, ids.size()));
        } else {
          // sendSignalToProcessId(parseInt-ish id)
          long id = std::strtol(t.value.c_str(), nullptr, 0);
          for (const ProcessInfo& p : procs_)
            if (p.pm_id == id) add(p.pm_id);
          note(fmt::format("{}: id", label));
        }
        return;
      }
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
};

}  // namespace

Resolution resolve_targets(const Pm2Call& call, const ResolveInput& in) {
  static const std::vector<ProcessInfo> none;
  ResolveInput copy = in;
  if (!copy.processes) copy.processes = &none;
  return Resolver(call, copy).run();
}

}  // namespace pm2guard::shim

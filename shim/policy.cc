#include "policy.h"

#include "pm2_cli.h"
#include "process_table.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace pm2guard::shim {

bool glob_match(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool Scope::owns(const std::string& process_name, const std::string& ns) const {
  if (!namespaces.empty()) {
    bool ok = false;
    for (const std::string& n : namespaces) ok = ok || glob_match(n, ns);
    if (!ok) return false;
  }
  bool included = false;
  for (const std::string& p : processes) {
    if (!p.empty() && p[0] == '!') {
      if (glob_match(p.substr(1), process_name)) return false;
    } else if (glob_match(p, process_name)) {
      included = true;
    }
  }
  return included;
}

namespace {


struct Reader {
  std::string source;
  std::string error;

  bool fail(const YAML::Node& n, const std::string& msg) {
    if (error.empty()) {
      YAML::Mark m = n.Mark();
      error = m.is_null() ? fmt::format("{}: {}", source, msg)
                          : fmt::format("{}:{}:{}: {}", source, m.line + 1, m.column + 1, msg);
    }
    return false;
  }

  bool boolean(const YAML::Node& n, const std::string& key, bool& out) {
    try {
      out = n.as<bool>();
      return true;
    } catch (const YAML::Exception&) {
      return fail(n, fmt::format("`{}` must be true or false", key));
    }
  }

  bool number(const YAML::Node& n, const std::string& key, double& out, double min) {
    try {
      out = n.as<double>();
    } catch (const YAML::Exception&) {
      return fail(n, fmt::format("`{}` must be a number", key));
    }
    if (!std::isfinite(out)) return fail(n, fmt::format("`{}` must be a finite number", key));
    if (out < min) return fail(n, fmt::format("`{}` must be at least {}", key, min));
    if (out > 1e9) return fail(n, fmt::format("`{}` must be at most 1000000000", key));
    return true;
  }

  bool string(const YAML::Node& n, const std::string& key, std::string& out) {
    if (!n.IsScalar()) return fail(n, fmt::format("`{}` must be a string", key));
    out = n.Scalar();
    return true;
  }

  bool strings(const YAML::Node& n, const std::string& key, std::vector<std::string>& out) {
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return true;
    }
    if (!n.IsSequence()) return fail(n, fmt::format("`{}` must be a list of strings", key));
    for (const YAML::Node& item : n) {
      if (!item.IsScalar()) return fail(item, fmt::format("`{}` must be a list of strings", key));
      out.push_back(item.Scalar());
    }
    return true;
  }

  bool scope(const YAML::Node& n, Scope& s) {
    if (!n.IsMap()) return fail(n, "each scope must be a mapping");
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      bool ok = true;
      if (k == "name") ok = string(v, k, s.name);
      else if (k == "repositories" || k == "repository") ok = strings(v, k, s.repositories);
      else if (k == "workflows" || k == "workflow") ok = strings(v, k, s.workflows);
      else if (k == "refs" || k == "ref") ok = strings(v, k, s.refs);
      else if (k == "processes") ok = strings(v, k, s.processes);
      else if (k == "namespaces") ok = strings(v, k, s.namespaces);
      else ok = fail(kv.first, fmt::format("unknown scope key `{}`", k));
      if (!ok) return false;
    }
    if (s.name.empty()) return fail(n, "a scope needs a `name`");
    if (s.processes.empty()) return fail(n, fmt::format("scope `{}` needs `processes` patterns", s.name));
    return true;
  }
};

}  // namespace

std::optional<Policy> parse_policy(const std::string& text, const std::string& source, std::string& error,
                                   PolicyRole role) {
  Reader r{source, {}};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error = fmt::format("{}:{}:{}: invalid YAML: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg);
    return std::nullopt;
  }
  Policy p;
  p.source = source;
  if (root.IsNull()) return p;  // an empty file keeps the defaults
  if (!root.IsMap()) {
    error = fmt::format("{}: a policy must be a YAML mapping", source);
    return std::nullopt;
  }
  for (const auto& kv : root) {
    std::string k = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    bool ok = true;
    if (role == PolicyRole::Environment && (k == "real_pm2" || k == "audit_log" || k == "syslog")) {
      ok = r.fail(kv.first, fmt::format("`{}` is read from the system policy only", k));
    } else if (k == "version") {
      std::string ver;
      ok = r.string(v, k, ver) && (ver == "1" || r.fail(v, "only `version: 1` is known"));
    } else if (k == "refuse_all") {
      ok = r.boolean(v, k, p.refuse_all);
    } else if (k == "allow") {
      std::vector<std::string> cmds;
      ok = r.strings(v, k, cmds);
      for (const std::string& c : cmds) {
        // Commands that only a policy can open: those that take the daemon
        // down, those that hand control to something outside the shim, and
        // commands pm2 7 does not have (a newer pm2's).
        const CommandSpec* spec = find_pm2_command(c);
        bool allowable = !spec || spec->impact == Impact::DaemonWide || spec->impact == Impact::Channel;
        if (!allowable || c.empty()) {
          ok = r.fail(v, fmt::format("`allow` lists `{}`; only kill, update, updatePM2, deepUpdate, unstartup, "
                                     "startup, link, plus and commands pm2 7 does not have can be allowed",
                                     c));
          break;
        }
        p.allow_daemon_commands.insert(spec ? std::string(spec->name) : c);
      }
    } else if (k == "max_processes") {
      double d = 0;
      ok = r.number(v, k, d, 0);
      if (ok) p.max_processes = static_cast<int>(d);  // number() bounds it first
    } else if (k == "scopes") {
      if (!v.IsSequence()) {
        ok = r.fail(v, "`scopes` must be a list");
      } else {
        for (const YAML::Node& s : v) {
          Scope sc;
          if (!(ok = r.scope(s, sc))) break;
          p.scopes.push_back(std::move(sc));
        }
      }
    } else if (k == "require_scope") {
      ok = r.boolean(v, k, p.require_scope);
    } else if (k == "ownership") {
      ok = r.boolean(v, k, p.ownership);
    } else if (k == "cumulative") {
      ok = r.boolean(v, k, p.cumulative);
    } else if (k == "lock_timeout") {
      ok = r.number(v, k, p.lock_timeout_seconds, 0);
    } else if (k == "overrides") {
      ok = r.boolean(v, k, p.allow_overrides);
    } else if (k == "real_pm2") {
      std::string s;
      ok = r.string(v, k, s);
      if (ok && (s.empty() || s[0] != '/')) ok = r.fail(v, "`real_pm2` must be an absolute path");
      p.real_pm2 = s;
    } else if (k == "audit_log") {
      std::string s;
      ok = r.string(v, k, s);
      if (ok && (s.empty() || s[0] != '/')) ok = r.fail(v, "`audit_log` must be an absolute path");
      p.audit_log = s;
    } else if (k == "syslog") {
      ok = r.boolean(v, k, p.syslog);
    } else {
      ok = r.fail(kv.first, fmt::format("unknown key `{}`", k));
    }
    if (!ok) {
      error = r.error;
      return std::nullopt;
    }
  }
  return p;
}

std::optional<Policy> load_policy(const std::string& path, bool require_trusted, std::string& error,
                                  PolicyRole role) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    error = fmt::format("{}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  if (require_trusted) {
    if (S_ISLNK(st.st_mode)) {
      error = fmt::format("{}: a policy file must not be a symlink", path);
      return std::nullopt;
    }
    std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    struct stat dst {};
    if (dir.empty()) dir = ".";
    if (stat(dir.c_str(), &dst) != 0) {
      error = fmt::format("{}: {}", dir, std::strerror(errno));
      return std::nullopt;
    }
    for (auto [what, s] : {std::pair<const char*, struct stat*>{"file", &st}, {"directory", &dst}}) {
      if (s->st_uid != 0 || (s->st_mode & (S_IWGRP | S_IWOTH))) {
        error = fmt::format("{}: the policy {} must be owned by root and not writable by group or others", path, what);
        return std::nullopt;
      }
    }
  }
  if (!S_ISREG(st.st_mode)) {
    error = fmt::format("{}: not a regular file", path);
    return std::nullopt;
  }
  std::ifstream in(path);
  if (!in) {
    error = fmt::format("{}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_policy(ss.str(), path, error, role);
}

std::vector<const Policy*> PolicySet::all() const {
  std::vector<const Policy*> v{&system};
  if (extra) v.push_back(&*extra);
  return v;
}

namespace {

bool any_glob(const std::vector<std::string>& patterns, const std::string& value) {
  for (const std::string& p : patterns)
    if (glob_match(p, value)) return true;
  return false;
}

bool selectors_match(const Scope& s, const std::map<std::string, std::string>& ci) {
  auto get = [&](const char* k) {
    auto it = ci.find(k);
    return it == ci.end() ? std::string() : it->second;
  };
  if (s.repositories.empty() && s.workflows.empty() && s.refs.empty()) return false;
  if (!s.repositories.empty() && !any_glob(s.repositories, repository_of(ci))) return false;
  if (!s.workflows.empty() && !any_glob(s.workflows, get("GITHUB_WORKFLOW"))) return false;
  if (!s.refs.empty() && !any_glob(s.refs, get("GITHUB_REF"))) return false;
  return true;
}

}  // namespace

const Scope* select_scope(const Policy& p, const std::map<std::string, std::string>& ci,
                          const std::optional<std::string>& scope_name, std::string& why) {
  if (scope_name) {
    for (const Scope& s : p.scopes) {
      if (s.name != *scope_name) continue;
      std::string repo = repository_of(ci);
      if (!s.repositories.empty() && !repo.empty() && !any_glob(s.repositories, repo)) {
        why = fmt::format("scope `{}` does not admit repository {}", s.name, repo);
        return nullptr;
      }
      return &s;
    }
    why = fmt::format("no scope named `{}` in {}", *scope_name, p.source);
    return nullptr;
  }
  for (const Scope& s : p.scopes)
    if (selectors_match(s, ci)) return &s;
  why = "no scope selects this caller";
  return nullptr;
}

}  // namespace pm2guard::shim

#include "pm2_home.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace pm2guard::shim {

namespace {

// A variable counts as set for paths.js when it is truthy: set and not "".
std::optional<std::string> truthy(const EnvLookup& getenv, const std::string& name) {
  std::optional<std::string> v = getenv(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

std::string_view home_source_name(HomeSource s) {
  switch (s) {
    case HomeSource::OverHome: return "OVER_HOME";
    case HomeSource::Pm2HomeVar: return "PM2_HOME";
    case HomeSource::HomeVar: return "HOME";
    case HomeSource::Passwd: return "passwd";
    case HomeSource::EtcFallback: return "/etc fallback";
  }
  return "?";
}

std::optional<std::string> node_path_resolve(const std::vector<std::string_view>& segments,
                                             const std::optional<std::string>& cwd) {
  // Right to left until a segment is absolute; process.cwd() comes last.
  std::vector<std::string_view> used;
  bool absolute = false;
  for (size_t i = segments.size(); i-- > 0 && !absolute;) {
    if (segments[i].empty()) continue;
    used.push_back(segments[i]);
    absolute = segments[i].front() == '/';
  }
  if (!absolute) {
    if (!cwd) return std::nullopt;
    if (!cwd->empty()) {
      used.push_back(*cwd);
      absolute = cwd->front() == '/';
    }
  }
  // normalizeString(): drop empty and '.' segments, fold '..'. Above the
  // root '..' disappears for absolute paths and is kept for relative ones.
  std::vector<std::string_view> parts;
  for (size_t u = used.size(); u-- > 0;) {
    std::string_view s = used[u];
    size_t i = 0;
    while (i <= s.size()) {
      size_t j = s.find('/', i);
      if (j == std::string_view::npos) j = s.size();
      std::string_view part = s.substr(i, j - i);
      i = j + 1;
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty() && parts.back() != "..")
          parts.pop_back();
        else if (!absolute)
          parts.push_back(part);
        continue;
      }
      parts.push_back(part);
    }
  }
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  if (absolute) return "/" + out;
  return out.empty() ? "." : out;
}

std::optional<Pm2Paths> resolve_pm2_paths(const PathInputs& in, std::string& error) {
  Pm2Paths p;
  // constants.js calls paths.js with process.env.OVER_HOME; a truthy value
  // replaces PM2_HOME outright, and $PM2_HOME is then never read.
  if (auto over = truthy(in.getenv, "OVER_HOME")) {
    p.home = *over;
    p.home_source = HomeSource::OverHome;
  } else if (auto env_home = truthy(in.getenv, "PM2_HOME")) {
    p.home = *env_home;
    p.home_source = HomeSource::Pm2HomeVar;
  } else {
    // os.homedir() is libuv's uv_os_homedir(): $HOME whenever it is set, even
    // to "", and only when it is unset the passwd entry of the euid.
    std::optional<std::string> home = in.getenv("HOME");
    HomeSource source = HomeSource::HomeVar;
    if (!home) {
      home = in.passwd_home ? in.passwd_home() : std::nullopt;
      source = HomeSource::Passwd;
      if (!home) {
        error = "cannot determine the home directory: HOME is unset and the user has no passwd entry "
                "(os.homedir() throws, so pm2 cannot start)";
        return std::nullopt;
      }
    }
    if (home->empty()) {
      // paths.js tests the result for truthiness and falls back to /etc.
      p.home = "/etc/.pm2";
      p.home_source = HomeSource::EtcFallback;
    } else {
      std::optional<std::string> r = node_path_resolve({*home, ".pm2"}, in.cwd);
      if (!r) {
        error = "cannot resolve the relative home directory '" + *home + "' without a current directory";
        return std::nullopt;
      }
      p.home = *r;
      p.home_source = source;
    }
  }

  auto file = [&](std::string_view name, std::string& out) -> bool {
    std::optional<std::string> r = node_path_resolve({p.home, name}, in.cwd);
    if (!r) {
      error = "cannot resolve the relative PM2_HOME '" + p.home + "' without a current directory";
      return false;
    }
    out = *r;
    return true;
  };
  if (!file("rpc.sock", p.rpc_socket) || !file("pub.sock", p.pub_socket) || !file("pm2.pid", p.pid_file) ||
      !file("pm2.log", p.log_file) || !file("dump.pm2", p.dump_file))
    return std::nullopt;

  // paths.js lets `PM2_<KEY>` replace any path, but keys that already contain
  // "PM2_" are their own variable name: PM2_PID_FILE_PATH, not
  // PM2_PM2_PID_FILE_PATH. Override values are used verbatim (no resolve).
  struct Override {
    const char* var;
    std::string* path;
  };
  const Override overrides[] = {
      {"PM2_DAEMON_RPC_PORT", &p.rpc_socket}, {"PM2_DAEMON_PUB_PORT", &p.pub_socket},
      {"PM2_PID_FILE_PATH", &p.pid_file},     {"PM2_LOG_FILE_PATH", &p.log_file},
      {"PM2_DUMP_FILE_PATH", &p.dump_file},
  };
  for (const Override& o : overrides) {
    if (auto v = truthy(in.getenv, o.var)) {
      *o.path = *v;
      p.overrides.emplace_back(o.var);
    }
  }
  return p;
}

PathInputs process_path_inputs() {
  PathInputs in;
  in.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = ::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  in.passwd_home = []() -> std::optional<std::string> {
    long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 4096);
    struct passwd pw {};
    struct passwd* result = nullptr;
    int rc;
    // Grow the buffer on ERANGE, as libuv does.
    while ((rc = getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &result)) == ERANGE && buf.size() < (1u << 20))
      buf.resize(buf.size() * 2);
    if (rc != 0 || result == nullptr || pw.pw_dir == nullptr) return std::nullopt;
    return std::string(pw.pw_dir);
  };
  std::vector<char> cwd(4096);
  while (getcwd(cwd.data(), cwd.size()) == nullptr) {
    if (errno != ERANGE || cwd.size() >= (1u << 20)) return in;  // cwd stays unknown
    cwd.resize(cwd.size() * 2);
  }
  in.cwd = std::string(cwd.data());
  return in;
}

std::optional<Pm2Paths> resolve_pm2_paths(std::string& error) {
  return resolve_pm2_paths(process_path_inputs(), error);
}

}  // namespace pm2guard::shim

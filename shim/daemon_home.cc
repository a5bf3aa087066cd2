#include "daemon_home.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "daemon_client.h"

namespace pm2guard::shim {

namespace {

// The pid at the other end of a Unix socket path; 0 when nothing listens.
// -1 when something listens but does not say who it is.
long peer_pid(const std::string& path) {
  for (const std::string& candidate : unix_socket_candidates(path)) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, candidate.data(), std::min(candidate.size(), sizeof addr.sun_path));
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                           std::min(candidate.size(), sizeof addr.sun_path));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      close(fd);
      continue;
    }
    ucred cred{};
    socklen_t cl = sizeof cred;
    long pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 && cred.pid > 0 ? cred.pid : -1;
    close(fd);
    return pid;
  }
  return 0;
}

std::string slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string proc_cwd(long pid) {
  char buf[PATH_MAX];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The home named in a God Daemon's title: `PM2 v7.0.4: God Daemon (/srv/pm2)`.
std::optional<std::string> home_from_title(long pid) {
  std::string cmd = slurp("/proc/" + std::to_string(pid) + "/cmdline");
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  const std::string mark = "God Daemon (";
  size_t at = cmd.find(mark);
  if (at == std::string::npos || cmd.back() != ')') return std::nullopt;
  std::string home = cmd.substr(at + mark.size(), cmd.size() - at - mark.size() - 1);
  if (home.empty()) return std::nullopt;
  return home;
}

// Whether the process runs node (a daemon with a PM2_DAEMON_TITLE of its
// own still does): only then is its environment taken as a daemon's.
bool runs_node(long pid) {
  char buf[PATH_MAX];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  std::string exe(buf, static_cast<size_t>(n));
  std::string base = exe.substr(exe.find_last_of('/') + 1);
  return base.rfind("node", 0) == 0 || base.rfind("bun", 0) == 0;
}

// PM2_HOME from the daemon's environment; nothing else of it is kept.
std::optional<std::string> home_from_environ(long pid) {
  if (!runs_node(pid)) return std::nullopt;
  std::string env = slurp("/proc/" + std::to_string(pid) + "/environ");
  std::optional<std::string> pm2_home, over_home, home;
  size_t i = 0;
  while (i < env.size()) {
    size_t end = env.find('\0', i);
    if (end == std::string::npos) end = env.size();
    std::string_view kv(env.data() + i, end - i);
    if (kv.rfind("PM2_HOME=", 0) == 0) pm2_home = std::string(kv.substr(9));
    if (kv.rfind("OVER_HOME=", 0) == 0) over_home = std::string(kv.substr(10));
    if (kv.rfind("HOME=", 0) == 0) home = std::string(kv.substr(5));
    i = end + 1;
  }
  std::fill(env.begin(), env.end(), '\0');
  // pm2's CLI starts its daemon with PM2_HOME set (Client.launchDaemon); a
  // process without it is not known to be a pm2 daemon, and its HOME says
  // nothing.
  (void)home;
  if (over_home && !over_home->empty()) return over_home;
  if (pm2_home && !pm2_home->empty()) return pm2_home;
  return std::nullopt;
}

std::string canonical(const std::string& p) {
  char buf[PATH_MAX];
  return realpath(p.c_str(), buf) ? std::string(buf) : p;
}

}  // namespace

Pm2Paths with_home(Pm2Paths paths, const std::string& home) {
  paths.home = home;
  return paths;
}

std::optional<BoundHome> bind_daemon_home(const Pm2Paths& paths, std::string& error) {
  BoundHome b;
  b.home = paths.home;
  AxonAddress addr = parse_axon_address(paths.rpc_socket);
  if (!addr.ok) {
    error = addr.error;
    return std::nullopt;
  }
  long pid = peer_pid(addr.path);
  if (pid == 0) {
    b.how = "no daemon listens; pm2 would start one in its PM2_HOME";
    return b;
  }
  b.daemon_pid = pid > 0 ? pid : 0;
  std::optional<std::string> home;
  std::string how;
  if (pid > 0) {
    if ((home = home_from_title(pid))) how = "the daemon's process title";
    else if ((home = home_from_environ(pid))) how = "the daemon's environment";
  }
  if (!home) {
    // The socket is the caller's own home's: whoever listens there is the
    // daemon of that home by construction.
    bool redirected = false;
    for (const std::string& o : paths.overrides)
      if (o == "PM2_DAEMON_RPC_PORT" || o == "PM2_DAEMON_PUB_PORT") redirected = true;
    if (!redirected) {
      b.how = "the socket in PM2_HOME";
      return b;
    }
    error = "PM2_DAEMON_RPC_PORT sends pm2 to a daemon whose own PM2_HOME cannot be established, so its audit log "
            "and lock cannot be found";
    return std::nullopt;
  }
  if (!home->empty() && (*home)[0] != '/') {
    std::string cwd = proc_cwd(pid);
    if (!cwd.empty()) home = cwd + "/" + *home;
  }
  b.home = canonical(*home) == canonical(paths.home) ? paths.home : *home;
  b.how = how;
  return b;
}

}  // namespace pm2guard::shim

#include "pm2_sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef PM2GUARD_SOURCE_DIR
#error "PM2GUARD_SOURCE_DIR must name the source tree (it holds third_party/node_modules/pm2)"
#endif

namespace pm2guard::testing {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool is_executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// A zombie has exited; only its parent's wait is missing.
bool alive(long pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return false;
  std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

}  // namespace

std::optional<std::string> find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  std::string p = path;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find(':', i);
    if (j == std::string::npos) j = p.size();
    std::string dir = p.substr(i, j - i);
    i = j + 1;
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (is_executable(candidate)) return candidate;
  }
  return std::nullopt;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& cwd, std::chrono::milliseconds timeout) {
  CommandResult res;
  const Clock::time_point start = Clock::now();
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return res;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return res;
  }
  // Everything the child needs is prepared before fork: between fork and
  // exec it may only make async-signal-safe calls.
  std::vector<char*> args, envp;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 || ::dup2(err_pipe[1], 2) < 0 ||
        ::chdir(cwd.c_str()) != 0)
      ::_exit(127);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return res;
  }

  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&res.out, &res.err};
  int open_fds = 2;
  int status = 0;
  bool exited = false;
  Clock::time_point exit_seen{};
  char buf[65536];
  for (;;) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        exited = true;
        exit_seen = Clock::now();
      }
    }
    // Done when both pipes are closed, or shortly after the child exited
    // (a grandchild that kept the pipes open must not hang the test).
    if (open_fds == 0 && exited) break;
    if (exited && Clock::now() - exit_seen > std::chrono::milliseconds(200)) break;
    if (!exited && Clock::now() - start > timeout) {
      ::kill(pid, SIGKILL);
      res.timed_out = true;
    }
    int r = ::poll(fds, 2, 20);
    if (r < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[k]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  if (!exited) ::waitpid(pid, &status, 0);
  res.wall = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  if (WIFEXITED(status))
    res.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    res.exit_code = 128 + WTERMSIG(status);
  return res;
}

Pm2Sandbox::Pm2Sandbox() {
  pm2_bin_ = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/pm2/bin/pm2";
  if (!fs::exists(pm2_bin_))
    throw std::runtime_error("pm2 is not installed at " + pm2_bin_ +
                             ": run `npm ci --ignore-scripts --prefix third_party` in the source tree");
  std::optional<std::string> node = find_on_path("node");
  if (!node) throw std::runtime_error("node is not on PATH; the pm2 sandbox needs it");
  node_ = *node;
  path_ = fs::path(node_).parent_path().string() + ":/usr/bin:/bin";

  // /tmp rather than $TMPDIR: the RPC socket path must stay far below the
  // 107 bytes a Unix socket address holds.
  char tmpl[] = "/tmp/pm2g-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  dir_ = tmpl;
  try {
    home_ = dir_ + "/h";
    fs::create_directory(home_);
    // An existing `touch` file keeps pm2 from printing its first-run banner
    // and from phoning home for a version check.
    write_file(home_ + "/touch", "0");
    idle_script_ = dir_ + "/idle.js";
    write_file(idle_script_, "setInterval(() => {}, 1000);\n");
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

Pm2Sandbox::~Pm2Sandbox() {
  stop_all();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<std::string> Pm2Sandbox::environment(const std::map<std::string, std::string>& extra) const {
  std::map<std::string, std::string> env = {{"HOME", dir_}, {"PATH", path_}, {"PM2_HOME", home_}};
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

CommandResult Pm2Sandbox::pm2(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& extra_env) const {
  std::vector<std::string> argv = {node_, pm2_bin_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, environment(extra_env), dir_);
}

CommandResult Pm2Sandbox::pm2_ok(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& extra_env) const {
  CommandResult r = pm2(args, extra_env);
  if (r.exit_code != 0) {
    std::string cmd = "pm2";
    for (const std::string& a : args) cmd += " " + a;
    throw std::runtime_error(fmt::format("`{}` failed (exit {}{}):\n{}\n{}", cmd, r.exit_code,
                                         r.timed_out ? ", timed out" : "", r.out, r.err));
  }
  return r;
}

void Pm2Sandbox::start(const std::vector<Pm2App>& apps, const std::map<std::string, std::string>& cli_env) {
  nlohmann::json eco = {{"apps", nlohmann::json::array()}};
  for (const Pm2App& a : apps) {
    nlohmann::json app = {{"name", a.name}, {"script", idle_script_}, {"namespace", a.ns}, {"cwd", dir_}};
    if (!a.env.empty()) app["env"] = a.env;
    eco["apps"].push_back(app);
  }
  std::string file = fmt::format("{}/apps-{}.json", dir_, ++config_count_);
  write_file(file, eco.dump(2));
  pm2_ok({"start", file}, cli_env);
}

nlohmann::json Pm2Sandbox::jlist(std::chrono::microseconds* wall) const {
  CommandResult r = pm2_ok({"jlist"});
  if (wall) *wall = r.wall;
  // The JSON is the last line starting with '[' (a spawn message or an
  // out-of-date warning may come first).
  size_t at = r.out.rfind("\n[");
  at = at == std::string::npos ? (r.out.rfind('[', 0) == 0 ? 0 : std::string::npos) : at + 1;
  if (at == std::string::npos) throw std::runtime_error("pm2 jlist printed no JSON:\n" + r.out);
  return nlohmann::json::parse(r.out.substr(at));
}

long Pm2Sandbox::daemon_pid() const {
  std::string text = read_file(home_ + "/pm2.pid");
  char* end = nullptr;
  long pid = std::strtol(text.c_str(), &end, 10);
  return pid > 0 ? pid : 0;
}

std::vector<long> Pm2Sandbox::live_processes() const {
  std::vector<long> pids;
  const std::string marker = "PM2_HOME=" + home_;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    long pid = std::strtol(name.c_str(), nullptr, 10);
    if (pid == static_cast<long>(::getpid())) continue;
    std::string environ = read_file("/proc/" + name + "/environ");  // empty when not ours or gone
    size_t pos = 0;
    while (pos < environ.size()) {
      size_t end = environ.find('\0', pos);
      if (end == std::string::npos) end = environ.size();
      if (environ.compare(pos, end - pos, marker) == 0) {
        if (alive(pid)) pids.push_back(pid);
        break;
      }
      pos = end + 1;
    }
  }
  return pids;
}

void Pm2Sandbox::stop_all() noexcept {
  try {
    if (dir_.empty() || !fs::exists(home_)) return;
    // The graceful way first, but only while the daemon lives: `pm2 kill`
    // with no daemon would start one just to kill it.
    long daemon = daemon_pid();
    if (daemon > 0 && alive(daemon)) {
      std::vector<std::string> argv = {node_, pm2_bin_, "kill"};
      run_command(argv, environment(), dir_, std::chrono::milliseconds(15000));
    }
    // Whatever survived: the daemon first, so it cannot restart its apps,
    // then everything else with this PM2_HOME. Repeat until nothing is left.
    for (int round = 0; round < 20; ++round) {
      std::vector<long> pids = live_processes();
      daemon = daemon_pid();
      if (daemon > 0 && alive(daemon) && std::find(pids.begin(), pids.end(), daemon) != pids.end())
        ::kill(static_cast<pid_t>(daemon), SIGKILL);
      if (pids.empty()) break;
      for (long pid : pids) ::kill(static_cast<pid_t>(pid), SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (...) {
    // A destructor path: nothing may escape. remove_all still runs.
  }
}

}  // namespace pm2guard::testing

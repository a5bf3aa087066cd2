// A private, real pm2 for tests: the pinned pm2 from third_party/node_modules
// runs with a minimal environment (HOME, PATH with node, PM2_HOME) and a
// PM2_HOME in its own short temporary directory, so tests never touch
// ~/.pm2, a global pm2 or anybody else's daemon. The destructor always stops
// the daemon and everything it started, then removes the directory.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pm2guard::testing {

struct CommandResult {
  /// Exit status; 128 + signal when killed by one; -1 when it could not run.
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
  std::chrono::microseconds wall{0};
};

/// Runs argv (argv[0] is a path, not searched for) with exactly `env`, in
/// `cwd`, stdin from /dev/null, collecting stdout and stderr. After
/// `timeout` the child is killed with SIGKILL.
CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& cwd,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

/// Looks an executable up on this process's PATH (PATH is only read).
std::optional<std::string> find_on_path(const std::string& name);

/// One idle app (a setInterval script) for Pm2Sandbox::start.
struct Pm2App {
  std::string name;
  std::string ns = "default";
  /// The app's `env` block in the ecosystem file.
  std::map<std::string, std::string> env;
};

class Pm2Sandbox {
 public:
  /// Creates /tmp/pm2g-XXXXXX (PM2_HOME is <dir>/h) and the idle script.
  /// Throws std::runtime_error when pm2 (run `npm ci --ignore-scripts
  /// --prefix third_party`) or node is missing. Starts nothing.
  Pm2Sandbox();
  /// stop_all(), then removes the directory. Never throws.
  ~Pm2Sandbox();
  Pm2Sandbox(const Pm2Sandbox&) = delete;
  Pm2Sandbox& operator=(const Pm2Sandbox&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& pm2_home() const { return home_; }
  std::string rpc_socket() const { return home_ + "/rpc.sock"; }
  const std::string& idle_script() const { return idle_script_; }
  const std::string& pm2_bin() const { return pm2_bin_; }

  /// The environment every pm2 command runs with: HOME=<dir>, PATH=<node's
  /// directory>:/usr/bin:/bin, PM2_HOME, plus `extra` (which may override).
  std::vector<std::string> environment(const std::map<std::string, std::string>& extra = {}) const;

  /// Runs `node <pm2> <args...>` in the sandbox directory. The first call
  /// spawns the daemon.
  CommandResult pm2(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& extra_env = {}) const;
  /// The same, throwing std::runtime_error with pm2's output on failure.
  CommandResult pm2_ok(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& extra_env = {}) const;

  /// Starts `apps` with one `pm2 start <ecosystem>.json`, run with `cli_env`
  /// added to its environment (as a CI job's variables would be). pm2 keys
  /// config-file apps by name in every namespace: a name that is already
  /// running is restarted, not started again.
  void start(const std::vector<Pm2App>& apps, const std::map<std::string, std::string>& cli_env = {});

  /// `pm2 jlist`, parsed (any banner before the JSON is skipped). Sets
  /// `wall` to the command's wall-clock time when given.
  nlohmann::json jlist(std::chrono::microseconds* wall = nullptr) const;

  /// The daemon's pid from pm2.pid; 0 when there is none.
  long daemon_pid() const;
  /// Processes alive now that this sandbox started: those whose environment
  /// holds PM2_HOME=<this sandbox's home> (the daemon, its apps, CLIs).
  std::vector<long> live_processes() const;
  /// `pm2 kill`, then SIGKILL for anything left (daemon first). Idempotent.
  void stop_all() noexcept;

 private:
  std::string dir_;
  std::string home_;
  std::string idle_script_;
  std::string pm2_bin_;
  std::string node_;
  std::string path_;
  int config_count_ = 0;
};

}  // namespace pm2guard::testing

// The pm2 daemon's process list (getMonitorData, what `pm2 jlist` prints),
// reduced while it is parsed to the few fields the shim decides on. Each
// process's pm2_env carries the full environment of the command that started
// it, deploy secrets included: only an allow-list of CI ownership variables
// is kept, everything else is skipped by the parser and never stored.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pm2guard::shim {

struct ProcessInfo {
  int pm_id = -1;
  std::string name;
  std::string ns = "default";  ///< pm2_env.namespace
  std::string status;          ///< pm2_env.status ("online", "stopped", ...; "" when absent)
  long pid = 0;                ///< OS pid; 0 when stopped (or absent)
  std::string exec_path;       ///< pm2_env.pm_exec_path
  std::string cwd;             ///< pm2_env.pm_cwd
  bool is_module = false;      ///< pm2_env.pmx_module == true
  /// pm2_env.restart_time and pm2_env.pm_uptime (ms since the epoch of the
  /// last start): ADR-061 layer 5 compares them to see restarts. 0 when
  /// absent or not an integer (they are never decided on, and left out of
  /// operator==, which compares what the shim decides on).
  long long restart_time = 0;
  long long pm_uptime = 0;
  /// The CI ownership variables (ci_ownership_variables()) the process was
  /// started with. pm2_env's own copy wins over pm2_env.env, as it is what
  /// the daemon hands the process when it spawns it.
  std::map<std::string, std::string> ci;
  /// pm2_env.axm_actions[].action_name: the actions `pm2 trigger` can reach.
  std::vector<std::string> actions;

  friend bool operator==(const ProcessInfo& a, const ProcessInfo& b) {
    return a.pm_id == b.pm_id && a.name == b.name && a.ns == b.ns && a.status == b.status && a.pid == b.pid &&
           a.exec_path == b.exec_path && a.cwd == b.cwd && a.is_module == b.is_module && a.ci == b.ci;
  }
  friend bool operator!=(const ProcessInfo& a, const ProcessInfo& b) { return !(a == b); }

  /// Compact form for tests and messages:
  /// `#0 web@default online pid=42 module? {GITHUB_REPOSITORY=acme/web}`.
  std::string serialize() const;
};
std::ostream& operator<<(std::ostream& os, const ProcessInfo& p);

/// The repository a set of CI variables names (GITHUB_REPOSITORY, which
/// Gitea sets too, then GITEA_REPOSITORY, FORGEJO_REPOSITORY, GitLab's
/// CI_PROJECT_PATH);
/// "" when none. Used for processes' records and for callers alike.
std::string repository_of(const std::map<std::string, std::string>& ci);

/// The environment variables kept in ProcessInfo::ci, sorted.
const std::vector<std::string_view>& ci_ownership_variables();
bool is_ci_ownership_variable(std::string_view name);

/// Parses getMonitorData's result: a JSON array of process objects. Missing
/// optional fields take pm2's defaults; a value of the wrong type in a field
/// the shim reads, a process without pm_id, name or pm2_env, or malformed
/// JSON fails with a message naming the process. Messages never quote the
/// input, which may hold secrets.
std::optional<std::vector<ProcessInfo>> parse_process_list(std::string_view json, std::string& error);

/// How the daemon answered an axon-rpc call.
enum class ReplyKind {
  Ok,           ///< {"args":[<list>, ...]}
  DaemonError,  ///< {"error": ...}: the daemon ran the method and it failed
  Malformed,    ///< anything else
};

struct MonitorReply {
  ReplyKind kind = ReplyKind::Malformed;
  std::vector<ProcessInfo> processes;  ///< Ok
  std::string error;                   ///< DaemonError: the daemon's message; Malformed: what is wrong
};

/// Parses the JSON part of the daemon's reply to getMonitorData.
MonitorReply parse_monitor_reply(std::string_view json);

}  // namespace pm2guard::shim

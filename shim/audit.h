// The shim's audit trail (ADR-061 layers 1, 2, 4 and 5): who ran which pm2
// command from which CI job and workflow file, what the daemon held before
// and after, what the shim decided and why. One JSON line per command in a
// log beside the daemon, a short line in syslog, and a summary on stderr.
//
// Nothing here copies an environment wholesale: CI metadata comes from an
// allow-list of variable names, and processes are recorded by five fields
// that carry no environment (the daemon's pm2_env holds deploy secrets).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm2_home.h"
#include "process_table.h"

namespace pm2guard::shim {

/// The CI job that runs the command, from allow-listed variables only.
struct CiMetadata {
  /// Allow-listed variables that are set and not empty (ci_metadata_variables()),
  /// name -> value. URL values lose any `user:password@` part.
  std::map<std::string, std::string> vars;
  /// The directory searched for the workflow file: GITHUB_WORKSPACE (GitLab:
  /// CI_PROJECT_DIR), else the cwd. Empty when no workflow file was looked for.
  std::string workspace;
  /// The workflow file that was found (absolute, inside `workspace`) and the
  /// SHA-256 of its contents, as `sha256sum` prints it. This is the file in
  /// the job's checkout, which need not be the version the runner executed:
  /// compare it with GITHUB_WORKFLOW_SHA and the forge's copy.
  std::optional<std::string> workflow_file;
  std::optional<std::string> workflow_sha256;
  /// Why no workflow file was hashed although the job names one ("" otherwise).
  std::string workflow_note;

  /// The value of an allow-listed variable, or "" when it is unset.
  std::string get(const std::string& name) const;
  /// The calling repository: GITHUB_REPOSITORY, FORGEJO_REPOSITORY or GitLab's CI_PROJECT_PATH.
  std::string repository() const;
  /// The run: GITHUB_RUN_ID, FORGEJO_RUN_ID or GitLab's CI_PIPELINE_ID.
  std::string run_id() const;
};

/// The variables collect_ci_metadata() reads, sorted. Identifiers of the
/// repository, workflow, ref, commit, actor, run, job, server and event of
/// GitHub Actions, Gitea and Forgejo (their runners set GITHUB_* too) and
/// GitLab. Never a token, a password, a key, or a clone URL.
const std::vector<std::string_view>& ci_metadata_variables();

/// Reads the calling job's metadata and hashes its workflow file: the path
/// in GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/x.yml@refs/...`,
/// also `.gitea/` and `.forgejo/`); without it a bare file name in
/// GITHUB_WORKFLOW looked up where Gitea and Forgejo look; GitLab's
/// CI_CONFIG_PATH. The file must resolve, symlinks included, to a regular
/// file inside the workspace; anything else is left out with a note.
CiMetadata collect_ci_metadata(const EnvLookup& env, const std::string& cwd);

/// A process as the audit trail records it: only these five fields, never
/// ProcessInfo::ci or anything else read from pm2_env.
struct ProcessSnapshot {
  int pm_id = -1;
  std::string name;
  std::string ns = "default";
  std::string status;
  long pid = 0;

  friend bool operator==(const ProcessSnapshot& a, const ProcessSnapshot& b) {
    return a.pm_id == b.pm_id && a.name == b.name && a.ns == b.ns && a.status == b.status && a.pid == b.pid;
  }
};
ProcessSnapshot snapshot_of(const ProcessInfo& p);
std::vector<ProcessSnapshot> snapshot_of(const std::vector<ProcessInfo>& list);

enum class Decision { Allow, Refuse, Override };
/// "allow", "refuse", "override".
std::string_view decision_name(Decision d);

/// Which record of a command a line is. A command pm2 runs for gets two
/// records with the same id: `Start`, written before the real pm2 runs
/// (decision, targets, table before), and `End` after it (exit status, table
/// after, layer 5). A shim killed in between leaves the first. `Final` is
/// the one record of a command that never ran pm2 (a refusal, a fault).
enum class Phase { Start, End, Final };
std::string_view phase_name(Phase p);

/// A fresh record id: 128 random bits as 32 hex digits.
std::string new_record_id();

struct AuditRecord {
  std::string id;          ///< shared by the records of one command
  Phase phase = Phase::Final;
  std::chrono::system_clock::time_point time{};  ///< when the command arrived
  std::string host;
  std::string user;  ///< passwd name of `uid` ("" when it has none)
  long uid = -1;     ///< real uid
  long pid = 0;      ///< the shim's pid (syslog lines carry it too)
  std::string cwd;
  std::vector<std::string> argv;  ///< as given, argv[0] included
  CiMetadata ci;
  std::vector<std::string> policy_sources;
  std::string real_pm2;
  std::string shim_version;

  Decision decision = Decision::Allow;
  std::vector<std::string> rules;  ///< ids of the rules that decided
  std::string message;             ///< the message shown to the caller
  std::optional<std::string> override_reason;

  std::vector<ProcessSnapshot> targets;  ///< recorded as pm_id, name, namespace
  std::vector<ProcessSnapshot> before;
  std::optional<std::vector<ProcessSnapshot>> after;
  /// The PM2_HOME of the daemon the command reaches, when it is not the
  /// caller's (PM2_HOME points elsewhere and a PM2_* variable redirects the
  /// socket): the log, lock and job state are that daemon's.
  std::optional<std::string> daemon_home;
  std::optional<int> exit_code;    ///< the real pm2's exit status
  std::optional<int> exit_signal;  ///< or the signal that ended it
  /// Layer 5: what happened outside the targets (verification_notes()).
  std::vector<std::string> verification;
  std::chrono::microseconds elapsed{0};
};

/// Layer 5: what happened to the processes outside `targets` (pm_ids)
/// between the two listings (matched by pm_id, which pm2 does not reuse):
/// each one that disappeared, was renamed or moved, changed status, or was
/// restarted (a new pid, a higher restart_time, a new pm_uptime). Empty when
/// isolation held. Names are escaped for display.
std::vector<std::string> verification_notes(const std::vector<ProcessInfo>& before,
                                            const std::vector<ProcessInfo>& after, const std::vector<int>& targets);

/// Fills time (now), host, user, uid, pid and cwd from this process.
void fill_local_context(AuditRecord& r);

/// The record as one line of JSON (no newline, none embedded), keys in a
/// fixed order, every key present (null when unknown). Bytes that are not
/// UTF-8 are replaced by U+FFFD. Version marker "v": 1.
std::string audit_json_line(const AuditRecord& r);

/// Appends `line` plus a newline to the log at `path`, whole or not at all
/// as seen by other writers: O_APPEND under flock(LOCK_EX), one write loop.
/// A missing directory is created 0750 when its parent exists; the file is
/// created 0640. Refuses a symlink, anything but a regular file, a file
/// writable by group or others, and a file with other hard links. With
/// `durable`, fsyncs before unlocking. A failed write is cut back off.
bool append_audit_line(const std::string& path, const std::string& line, std::string& error, bool durable = false);

/// Whether append_audit_line() could write to `path` now (same checks, no
/// write): the shim verifies this before it lets a destructive command run.
bool check_audit_log(const std::string& path, std::string& error);

/// <PM2_HOME>/pm2guard-audit.log: beside the daemon it guards.
std::string default_audit_path(const Pm2Paths& paths);

/// The syslog line for a record: decision, rules, command, repository, run.
/// Control characters escaped, bounded in length.
std::string audit_syslog_text(const AuditRecord& r);
/// Sends audit_syslog_text() to syslog (ident pm2guard, LOG_PID,
/// LOG_AUTHPRIV): notice for allow, warning for refuse and override.
void audit_syslog(const AuditRecord& r);

/// What the command is about to touch, for stderr (ADR-061 layer 4):
/// `pm2guard: pm2 delete api: 2 processes: api (online, id 0), api (stopped, id 7, namespace other)`.
/// More than three processes: one per line below the first. Names and
/// arguments are escaped for the terminal. No trailing newline.
std::string human_summary(const std::vector<std::string>& argv, const std::vector<ProcessSnapshot>& targets);
/// The same, one entry per line (the shim writes each with terminal_line()).
std::vector<std::string> human_summary_lines(const std::vector<std::string>& argv,
                                             const std::vector<ProcessSnapshot>& targets);

}  // namespace pm2guard::shim

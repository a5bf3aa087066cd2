// The shim's policy: what a destructive pm2 command may touch. A root-owned
// YAML file under /etc/pm2guard/ sets it; a second file named by the
// environment (PM2GUARD_POLICY) can only add restrictions, because every
// check runs against each policy and a refusal by either one stands.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pm2guard::shim {

/// Which process names a repository (or an environment of it) owns.
struct Scope {
  std::string name;
  /// Selectors, each a list of glob patterns; every selector given must match
  /// the caller's CI variables. No selector: selected only by name.
  std::vector<std::string> repositories;  ///< GITHUB_REPOSITORY / GITEA_REPOSITORY ...
  std::vector<std::string> workflows;     ///< GITHUB_WORKFLOW
  std::vector<std::string> refs;          ///< GITHUB_REF
  /// Process name globs; a leading '!' excludes. At least one must be given.
  std::vector<std::string> processes;
  /// Namespaces the scope may act in (empty: any).
  std::vector<std::string> namespaces;

  /// Whether a process (name, namespace) belongs to the scope.
  bool owns(const std::string& process_name, const std::string& ns) const;
};

struct Policy {
  std::string source = "built-in defaults";  ///< file path, for messages and the audit trail

  // 1. Refuse `all` and the forms that mean every process.
  bool refuse_all = true;
  // 2. Commands that take the daemon down, refused unless listed here.
  std::set<std::string> allow_daemon_commands;  ///< kill, update, updatePM2, deepUpdate, unstartup
  // 3. ADR-061 layer 3: refuse when the targets are every process and there
  //    are more than this many.
  int max_processes = 3;
  // 4. Scopes, and whether a caller that no scope selects may act at all.
  std::vector<Scope> scopes;
  bool require_scope = false;
  // 5. Processes started by another repository's CI job are off limits.
  bool ownership = true;
  // 6. Commands of one CI job that together reach every process.
  bool cumulative = true;
  // 7. Destructive commands on one daemon wait for each other this long.
  double lock_timeout_seconds = 120;
  // 8. Break-glass overrides (PM2GUARD_OVERRIDE="reason") are honoured.
  bool allow_overrides = false;

  // Settings taken from the system policy only.
  std::optional<std::string> real_pm2;   ///< the real pm2 executable
  std::optional<std::string> audit_log;  ///< default: pm2guard-audit.log beside the daemon (in PM2_HOME)
  bool syslog = true;
};

/// Which policy a document is: the system one, or the stricter one the
/// environment names, where the system-only keys (`real_pm2`, `audit_log`,
/// `syslog`) are errors rather than silently ignored.
enum class PolicyRole { System, Environment };

/// Parses a policy document. Unknown keys and wrong types are errors: a
/// typo must not silently switch a safeguard off.
std::optional<Policy> parse_policy(const std::string& yaml_text, const std::string& source, std::string& error,
                                   PolicyRole role = PolicyRole::System);

/// Reads and parses a policy file. With `require_trusted`, the file and its
/// directory must be owned by root and not writable by group or others, and
/// the file must not be a symlink.
std::optional<Policy> load_policy(const std::string& path, bool require_trusted, std::string& error,
                                  PolicyRole role = PolicyRole::System);

/// The policies in force: the system one (or the built-in defaults when
/// there is no system file) and, optionally, a stricter one from the
/// environment.
struct PolicySet {
  Policy system;
  std::optional<Policy> extra;
  bool system_file_present = false;

  /// Each policy that votes on a command (system first).
  std::vector<const Policy*> all() const;
};

/// Finds the scope selected for a caller: PM2GUARD_SCOPE by name (which must
/// still match the caller's repository when the scope lists repositories),
/// else the first scope whose selectors match. nullptr when none.
const Scope* select_scope(const Policy& p, const std::map<std::string, std::string>& ci,
                          const std::optional<std::string>& scope_name, std::string& why);

/// Shell-style glob match (`*`, `?`, `[...]`).
bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace pm2guard::shim

// `pm2guard shim install|uninstall|doctor`: putting the pm2 shim where
// runners really reach it, taking it out again, and reporting every way a
// `pm2` call can still miss it. All paths are explicit options, so the logic
// runs against temporary directories in tests exactly as against /usr/local
// and /etc/pm2guard on a server.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pm2guard::shim::admin {

/// What `--divert` appends to the name of the pm2 it moves aside.
inline constexpr const char* kDivertSuffix = ".pm2guard-diverted";
/// The system policy's file name inside the policy directory.
inline constexpr const char* kPolicyFileName = "policy.yml";
/// The install state (shim, links, diversions) inside the policy directory.
inline constexpr const char* kStateFileName = "shim-state.json";

/// Where an installation lives.
struct Layout {
  std::string prefix = "/usr/local";
  std::string link_dir;  ///< "" means <prefix>/bin
  std::string policy_dir = "/etc/pm2guard";

  std::string shim_path() const;    ///< <prefix>/lib/pm2guard/bin/pm2
  std::string link_path() const;    ///< <link dir>/pm2
  std::string policy_path() const;  ///< <policy dir>/policy.yml
  std::string state_path() const;   ///< <policy dir>/shim-state.json
};

/// A pm2 diverted by `install --divert`: `path` now holds a link to the
/// shim, the original moved to `diverted_to` (path + kDivertSuffix).
struct Diversion {
  std::string path;
  std::string diverted_to;
};

/// The install state file. Doctor and uninstall read it to learn where the
/// shim went and what was diverted, since they get no --prefix of their own.
struct State {
  std::string shim;
  std::vector<std::string> links;
  std::vector<Diversion> diversions;
  std::string real_pm2;
  /// Directories install created (not the policy directory), removed by
  /// uninstall when empty.
  std::vector<std::string> created_dirs;
};

/// Reads <policy dir>/shim-state.json. nullopt when it does not exist;
/// also nullopt with `error` set when it cannot be read or parsed.
std::optional<State> read_state(const std::string& policy_dir, std::string& error);

struct InstallOptions {
  Layout layout;
  /// The shim executable to install (`--shim`, else the one shipped beside
  /// the pm2guard executable).
  std::string shim_source;
  /// `--real-pm2`: overrides the recorded value and PATH detection.
  std::optional<std::string> real_pm2;
  bool divert = false;
  bool dry_run = false;
  /// The PATH searched for the real pm2 (normally the caller's).
  std::string search_path;
  /// Further directories holding npm's global `pm2` link (npm's global bin),
  /// searched after `search_path` and diverted too with `divert`.
  std::vector<std::string> npm_global_bins;
  /// Make what is created root-owned (install runs as root).
  bool chown_root = false;
};

/// Installs the shim, its link, the policy's real_pm2 and, with `divert`,
/// the diversions. Lists every change on `out` (prefixed "would" when
/// dry-running); problems go to `err`. 0 on success, 1 when it refused or
/// failed (changes made before a failure are listed).
int install(const InstallOptions& options, std::ostream& out, std::ostream& err);

struct UninstallOptions {
  Layout layout;
  bool dry_run = false;
  /// PATH directories are searched for diversions the state file lost.
  std::string search_path;
  /// A shim that belongs to the pm2guard installation (the copy `install`
  /// takes by default) and is therefore kept. "" when there is none.
  std::string packaged_shim;
};

/// Restores diversions, removes the links to the shim, the shim and the
/// state file. Keeps the policy and the audit logs (and says so). 0 on
/// success (also when nothing was installed), 1 on failure.
int uninstall(const UninstallOptions& options, std::ostream& out, std::ostream& err);

/// What a command prints and how it exits (`runuser`, `npm`).
struct CommandOutput {
  int exit_code = -1;  ///< -1: could not run or timed out
  std::string out;
  std::string err;
};
using CommandRunner = std::function<CommandOutput(const std::vector<std::string>& argv)>;

/// Runs argv (argv[0] an absolute path) with this process's environment,
/// stdin from /dev/null, and kills it after `timeout_seconds`.
CommandOutput run_command(const std::vector<std::string>& argv, double timeout_seconds = 20);

/// A PATH-like list to resolve `pm2` in, e.g. a service manager's default.
struct NamedPath {
  std::string name;
  std::string path;
};

struct DoctorOptions {
  std::string policy_dir = "/etc/pm2guard";
  /// The shim to recognise when the state file names none.
  std::vector<std::string> shim_candidates;
  /// PATH of the caller: what `pm2` resolves to for the current user.
  std::string path;
  /// Home of the current user ($HOME): nvm, ~/.npm-global and npx cache.
  std::string home;
  /// $NVM_DIR when set.
  std::string nvm_dir;
  /// npm's global prefix (`npm prefix -g`); its bin is a known place and
  /// where `npx` looks for a global pm2. "" when unknown.
  std::string npm_prefix;
  /// Other directories where a stray pm2 is usual (/usr/bin, /usr/local/bin).
  std::vector<std::string> known_dirs = {"/usr/local/bin", "/usr/bin"};
  /// Where `npm run`/`npx` would look for a project-local pm2 (and above).
  std::string project;
  /// Other contexts whose PATH must reach the shim first (systemd's default
  /// PATH for services, cron's default PATH), when they exist on the host.
  std::vector<NamedPath> contexts;
  /// systemd unit directories searched for CI runner units.
  std::vector<std::string> unit_dirs = {"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
                                        "/usr/lib/systemd/system", "/lib/systemd/system"};
  /// The PATH a unit gets without Environment=PATH.
  std::string systemd_default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  /// `--user`: ask this user's shells (with `runuser`, as root) as well.
  std::string user;
  std::string user_home;   ///< that user's home (passwd), for known places
  std::string user_shell;  ///< that user's login shell (passwd)
  std::string runuser = "/usr/sbin/runuser";
  CommandRunner runner;  ///< runs runuser; unset: run_command
  /// Who must own the policy (root; tests use their own uid).
  uid_t trusted_uid = 0;
};

/// What `pm2` resolves to in one context.
struct Resolution {
  std::string context;  ///< e.g. "PATH of this process"
  std::string how;      ///< the PATH searched or the command run
  std::optional<std::string> pm2;
  std::string real_path;  ///< pm2 with every symlink resolved
  bool is_shim = false;
  /// The shim counts as in place only if it is reached here.
  bool required = false;
  /// The check could not be made (why), or does not apply (see `applies`).
  std::string error;
  bool applies = true;
};

/// One way to run pm2 without the shim.
struct Finding {
  /// full-path, project-local, npx, diversion-undone, policy, runner-unit,
  /// context, companion (pm2-runtime or pm2-docker beside the real pm2)
  std::string kind;
  std::string path;
  std::string detail;
};

struct DoctorReport {
  std::string shim;
  bool shim_present = false;
  std::string policy_file;
  bool policy_present = false;
  std::optional<std::string> real_pm2;
  std::vector<Resolution> resolutions;
  std::vector<Finding> bypasses;
  /// Facts worth knowing that are not bypasses (unavoidable ones included).
  std::vector<std::string> notes;

  /// The shim exists and every required context reaches it.
  bool shim_in_place() const;
  /// 0: the shim is in place and no bypass was found; 1 otherwise.
  int exit_code() const;
};

DoctorReport doctor(const DoctorOptions& options);
std::string render_text(const DoctorReport& report);
nlohmann::json render_json(const DoctorReport& report);

/// `pm2` resolved on a PATH-like list: the first executable regular file
/// named pm2 (symlinks followed), as a shell's `command -v` finds it.
/// Relative and empty entries are skipped.
std::optional<std::string> which_pm2(const std::string& path_list);

/// `pm2guard shim ...`: argument parsing and the defaults taken from this
/// host (PATH, /proc/self/exe, `npm prefix -g`). 2 on usage errors.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pm2guard::shim::admin

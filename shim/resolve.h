// Which live processes a pm2 command would act on, resolved exactly as pm2
// 7 resolves its targets (API.js _operate, actionFromJson, _startJson,
// _startScript; Client.js getProcessIdByName and friends).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pm2_cli.h"
#include "process_table.h"
#include "runtime.h"

namespace pm2guard::shim {

/// What _startJson does with an app's name before it compares it with the
/// running processes' names.
struct ConfigAppFlags {
  /// `append_env_to_name` is truthy: with `--env X` the name becomes `<name>-X`.
  bool append_env_to_name = false;
  /// The name is a JavaScript string. _startJson compares names strictly
  /// (indexOf), so a number, `undefined` ... never equals a running
  /// process's name nor an `--only` entry (unless `-X` was appended to it).
  bool name_is_string = true;
  /// An entry of the file's `static:` list (a `pm2 serve` app).
  bool is_static = false;
};

/// A document as the real pm2 must be handed it: the shim judges this and
/// pm2 parses nothing itself (see real_pm2.h: PinnedDocuments).
struct PinnedDocument {
  std::string key;       ///< path.resolve(file) as pm2's parseConfig sees it, "-" for stdin
  std::string document;  ///< the parsed document, as JSON ("" when none was read)
  std::string env_set;   ///< JSON {"set":{...},"unset":[...]}: what reading it changed in process.env
};

/// The apps of an ecosystem file or of a JSON document read from stdin.
struct ConfigApps {
  /// App names as pm2 renders them (name, else script basename without
  /// extension; for `static:` entries, their name or
  /// `static-page-server-<port>`); a name that is not a string as JavaScript
  /// concatenates it.
  std::vector<std::string> names;
  /// Read as _startJson reads: per name, in the same order (empty: defaults).
  std::vector<ConfigAppFlags> flags;
  /// Per name: the namespace the app is started in ("" for pm2's default).
  std::vector<std::string> namespaces;
  /// Per name: the name it starts under (modules: the package's name).
  std::vector<std::string> start_names;
  /// Apps whose env sets a field pm2 keeps for itself ("app `x` (file): env.pm_id").
  std::vector<std::string> reserved_env;
  /// The document is code, not data (why and where); no names are read then.
  std::vector<std::string> code;
  /// The file does not exist: pm2 reports it and stops there.
  bool missing = false;
  PinnedDocument pin;
};

/// Loads a config file's apps as pm2 would, from the file name exactly as
/// given (pm2 decides the format from it and reads it from its cwd).
/// `start_json`: as start/restart/reload of a file and `start -` read it
/// (_startJson: `apps`, else `pm2`, else the document, then `static:`),
/// else as stop/delete of a file and `stop -`, `restart -`, `delete -` do
/// (actionFromJson: `apps`, else the document). nullopt with `error` when
/// pm2's result cannot be known.
using ConfigLoader =
    std::function<std::optional<ConfigApps>(const std::string& file, bool start_json, std::string& error)>;
/// The same for the document pm2 reads from stdin (`pm2 delete -`).
using StdinLoader = std::function<std::optional<ConfigApps>(bool start_json, std::string& error)>;

/// One entry of pm2's dump file (what `pm2 resurrect` starts again).
struct DumpEntry {
  std::string name;
  std::string ns = "default";
  /// The repository recorded in its saved environment ("" when none).
  std::string owner;
};
struct DumpContents {
  std::vector<DumpEntry> entries;
  /// Not empty when the dump is not plain data (pm2 evaluates it as JavaScript).
  std::string code;
  PinnedDocument pin;  ///< key "none": what resurrect's parseConfig is handed
};
using DumpLoader = std::function<std::optional<DumpContents>(std::string& error)>;

/// A module as pm2 would start it, from its package.json (Modules/NPM.js
/// StartModule, TAR.js): _startJson first restarts every running process
/// whose name is one of `restart_names` (through the full target
/// resolution), and starts the other apps as `start_names` (the package's
/// name for npm modules, `<pkg>:<app>` for tarballs).
struct ModuleApps {
  std::vector<std::string> restart_names;
  std::vector<std::string> start_names;  ///< parallel to restart_names
  std::string ns;      ///< the namespace its apps get ("" for the default)
  std::vector<std::string> reserved_env;  ///< as ConfigApps::reserved_env
  PinnedDocument pin;  ///< key "module": the package.json pm2's module code is handed
  /// Where they were read (`./mod/package.json`, `x.tgz:package/package.json`).
  std::string source;
};
using ModuleLoader = std::function<std::optional<ModuleApps>(const std::string& arg, std::string& error)>;

struct ResolveInput {
  const std::vector<ProcessInfo>* processes = nullptr;
  std::string cwd;  ///< the caller's working directory, for path.resolve()
  /// The daemon's working directory: `sendSignal` targets are resolved by
  /// the daemon (God.findByName), whose path.resolve() uses its own cwd.
  /// nullopt when unknown: a relative target that could name a script then
  /// leaves the resolution uncertain.
  std::optional<std::string> daemon_cwd;
  ConfigLoader load_config;
  StdinLoader load_stdin;
  DumpLoader load_dump;
  ModuleLoader load_module;
  /// The modules pm2 has registered (module_conf.json: `module-db-v2` for
  /// npm modules, `tar-modules`); nullopt when unknown. `uninstall X` of a
  /// name in neither is "Unknown module" and touches nothing.
  std::optional<std::set<std::string>> npm_modules, tar_modules;
};

struct Resolution {
  /// pm_ids the command acts on, in pm2's order, without duplicates.
  std::vector<int> ids;
  /// pm_ids of the targets after one that makes pm2 stop with an error
  /// (`pm2 delete no-such-app web`): pm2 does not reach them, but they are
  /// judged too, in case the failing target stops failing before pm2 runs.
  std::vector<int> contingent;
  /// False when pm2's behaviour cannot be established (a regex this
  /// resolver cannot evaluate like JavaScript, a config file that cannot be
  /// read); `why` says what.
  bool certain = true;
  std::string why;
  /// Per target: what it resolved to, for the audit trail and messages.
  std::vector<std::string> notes;
  /// Apps a start or config command would start anew (not destructive).
  std::vector<std::string> new_apps;
  /// Targets that name a group rather than processes (a regex, a
  /// namespace), with the pm_ids each resolved to.
  std::vector<std::pair<std::string, std::vector<int>>> groups;
  /// Processes the command starts, brings back or renames (name collisions
  /// and resurrected owners are judged on these).
  std::vector<NewProcess> starts;
  /// From the documents read: code where data was expected, reserved env keys.
  std::vector<std::string> code_documents;
  std::vector<std::string> reserved_env;
  /// Every document read, as pm2 must be handed it.
  std::vector<PinnedDocument> pins;
};

/// Resolves the call's targets against the live processes.
Resolution resolve_targets(const Pm2Call& call, const ResolveInput& in);

/// JavaScript `path.resolve(cwd, p)` for POSIX paths.
std::string js_path_resolve(const std::string& cwd, const std::string& p);

/// `new RegExp(source).test(name)`; nullopt when the pattern uses what
/// std::regex does not read as JavaScript does, or when non-ASCII text
/// (bytes here, UTF-16 code units there) could make the two disagree.
std::optional<bool> js_regex_test(const std::string& source, const std::string& name);

/// The working directory of the pm2 daemon whose pid `pid_file` holds, when
/// that process is a pm2 God Daemon and its cwd can be read (/proc); else
/// nullopt.
std::optional<std::string> pm2_daemon_cwd(const std::string& pid_file);

}  // namespace pm2guard::shim

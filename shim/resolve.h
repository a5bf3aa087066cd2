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

namespace pm2guard::shim {

/// The apps of an ecosystem file or of a JSON document read from stdin.
struct ConfigApps {
  std::vector<std::string> names;  ///< app names as pm2 renders them (name, else script basename without extension)
};

/// Loads a config file's apps as pm2 would, from the file name exactly as
/// given (pm2 decides the format from it and reads it from its cwd).
/// `start_json`: as start/restart/reload read it (_startJson), else as
/// stop/delete do (actionFromJson). nullopt with `error` when pm2's result
/// cannot be known.
using ConfigLoader =
    std::function<std::optional<ConfigApps>(const std::string& file, bool start_json, std::string& error)>;
/// The same for the document pm2 reads from stdin (`pm2 delete -`).
using StdinLoader = std::function<std::optional<ConfigApps>(bool start_json, std::string& error)>;

struct ResolveInput {
  const std::vector<ProcessInfo>* processes = nullptr;
  std::string cwd;  ///< the caller's working directory, for path.resolve()
  ConfigLoader load_config;
  StdinLoader load_stdin;
};

struct Resolution {
  /// pm_ids the command acts on, in pm2's order, without duplicates.
  std::vector<int> ids;
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
};

/// Resolves the call's targets against the live processes.
Resolution resolve_targets(const Pm2Call& call, const ResolveInput& in);

/// JavaScript `path.resolve(cwd, p)` for POSIX paths.
std::string js_path_resolve(const std::string& cwd, const std::string& p);

/// `new RegExp(source).test(name)`; nullopt when the pattern uses what
/// std::regex does not read as JavaScript does, or when non-ASCII text
/// (bytes here, UTF-16 code units there) could make the two disagree.
std::optional<bool> js_regex_test(const std::string& source, const std::string& name);

}  // namespace pm2guard::shim

// The apps named by a pm2 ecosystem file or by a document piped into
// `pm2 <cmd> -`, read by pm2's own code: its Common.parseConfig (JSON
// evaluated as JavaScript, YAML through js-yaml, JS required) and
// Common.verifyConfs (names from `name`, `script`, `cmd` ...), run with node
// in the caller's directory, with pm2's argv and PM2_USAGE set as pm2's CLI
// would see them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "resolve.h"

namespace pm2guard::shim {

struct Pm2ConfigReader {
  /// The pm2 package directory (holding lib/Common.js).
  std::string pm2_root;
  /// pm2's argv after the program (what process.argv.slice(2) would be).
  std::vector<std::string> args;

  /// `file` exactly as given on the command line. `start_json`: read the way
  /// start/restart/reload do (_startJson: `apps`, else `pm2`, else the
  /// document); otherwise as stop/delete do (actionFromJson: `apps`, else
  /// the document). A file that does not exist yields no apps (pm2 reports
  /// it and acts on nothing).
  std::optional<ConfigApps> file(const std::string& file, bool start_json, std::string& error) const;
  /// The document pm2 reads from stdin: the first chunk it gets (at most
  /// 64 KiB). A longer input is refused: which bytes pm2 parses is not certain.
  std::optional<ConfigApps> stdin_document(const std::string& data, bool start_json, std::string& error) const;
  /// The processes `pm2 install ARG` (module:update) starts and restarts,
  /// from the module's package.json as pm2 reads it: `.`, a directory, an
  /// npm tarball (`package/package.json`), a pm2 tarball (`.tar.gz` or
  /// --tarball: `module/package.json`). A registry name, a git or http
  /// source cannot be read before npm fetches it: nullopt with `error`.
  std::optional<ModuleApps> module(const std::string& arg, bool tarball, std::string& error) const;
};

/// pm2 fields an app's environment overwrites when God.executeApp copies it
/// over the process's record (`Utility.extend(env_copy, env_copy.env)`):
/// its identity, state, paths and credentials. Sorted.
const std::vector<std::string_view>& reserved_env_keys();

/// What `pm2 resurrect` would start: the entries of the dump (or of its
/// backup when the dump is missing or unparsable), with their saved names,
/// namespaces and recorded repositories; a dump that is code is reported.
std::optional<DumpContents> read_dump_file(const std::string& dump, const std::string& backup, std::string& error);

/// The pm2 package directory behind a pm2 executable (bin/pm2 in it), or ""
/// when the layout is not pm2's.
std::string pm2_root_of(const std::string& real_pm2);

}  // namespace pm2guard::shim

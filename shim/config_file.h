// The apps named by a pm2 ecosystem file or by a document piped into
// `pm2 <cmd> -`, read by pm2's own code: its Common.parseConfig (JSON
// evaluated as JavaScript, YAML through js-yaml, JS required) and
// Common.verifyConfs (names from `name`, `script`, `cmd` ...), run with node
// in the caller's directory, with pm2's argv and PM2_USAGE set as pm2's CLI
// would see them.
#pragma once

#include <optional>
#include <string>
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
};

/// The pm2 package directory behind a pm2 executable (bin/pm2 in it), or ""
/// when the layout is not pm2's.
std::string pm2_root_of(const std::string& real_pm2);

}  // namespace pm2guard::shim

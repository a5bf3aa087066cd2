// Where the real pm2 CLI looks for its daemon: PM2_HOME and the files in it,
// resolved exactly as pm2 7's paths.js and constants.js do, from an
// environment the caller supplies. The shim must inspect the daemon the real
// pm2 will reach, so every fallback and override of paths.js is mirrored.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pm2guard::shim {

/// Looks up an environment variable: its value, or nullopt when it is unset.
/// A variable set to the empty string returns "" (pm2 treats "" as unset, but
/// node's os.homedir() does not; see HomeSource::EtcFallback).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Everything pm2's path resolution reads from its process.
struct PathInputs {
  EnvLookup getenv;
  /// The home directory in the passwd entry of the effective uid: what
  /// libuv's os.homedir() returns when HOME is unset. nullopt when the lookup
  /// fails (os.homedir() then throws and pm2 cannot start).
  std::function<std::optional<std::string>()> passwd_home;
  /// process.cwd(), used to resolve relative homes. nullopt when unknown
  /// (process.cwd() throws, e.g. after the directory was deleted).
  std::optional<std::string> cwd;
};

/// Where PM2_HOME came from, in the order paths.js tries them.
enum class HomeSource {
  OverHome,     ///< $OVER_HOME, taken verbatim (constants.js passes it to paths.js)
  Pm2HomeVar,   ///< $PM2_HOME, taken verbatim
  HomeVar,      ///< path.resolve($HOME, '.pm2')
  Passwd,       ///< path.resolve(<passwd home>, '.pm2'): HOME is unset
  EtcFallback,  ///< /etc/.pm2: HOME is set but empty, or the passwd home is empty
};
std::string_view home_source_name(HomeSource s);

/// The files of one pm2 installation, as pm2 holds their names.
struct Pm2Paths {
  /// PM2_HOME. Verbatim when it came from $OVER_HOME or $PM2_HOME (paths.js
  /// does not normalise it); the files below are path.resolve()d against it.
  std::string home;
  HomeSource home_source = HomeSource::HomeVar;
  /// DAEMON_RPC_PORT. Either <home>/rpc.sock, or the verbatim value of
  /// $PM2_DAEMON_RPC_PORT, which pm2-axon may read as a URL (see
  /// daemon_client.h: parse_axon_address).
  std::string rpc_socket;
  std::string pub_socket;  ///< DAEMON_PUB_PORT ($PM2_DAEMON_PUB_PORT)
  std::string pid_file;    ///< PM2_PID_FILE_PATH ($PM2_PID_FILE_PATH)
  std::string log_file;    ///< PM2_LOG_FILE_PATH ($PM2_LOG_FILE_PATH)
  std::string dump_file;   ///< DUMP_FILE_PATH ($PM2_DUMP_FILE_PATH)
  /// The PM2_* variables that replaced one of the paths above, in that order.
  std::vector<std::string> overrides;
};

/// Resolves pm2's paths from `in`. Fails (nullopt, `error` set) only where
/// pm2 itself could not start: no home directory at all, or a relative path
/// with no current directory to resolve it against.
std::optional<Pm2Paths> resolve_pm2_paths(const PathInputs& in, std::string& error);

/// The same for this process: environ, getpwuid_r(geteuid()) and getcwd().
std::optional<Pm2Paths> resolve_pm2_paths(std::string& error);

/// The inputs of this process (reads environ lazily, on each lookup).
PathInputs process_path_inputs();

/// node's path.resolve(...segments) on POSIX: segments are joined right to
/// left until one is absolute, `cwd` is prepended if none is, and the result
/// is normalised ('.', '..', repeated and trailing slashes). nullopt when
/// `cwd` is needed but absent.
std::optional<std::string> node_path_resolve(const std::vector<std::string_view>& segments,
                                             const std::optional<std::string>& cwd);

}  // namespace pm2guard::shim

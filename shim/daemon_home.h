// Which pm2 home the daemon a command will reach really has. The audit log,
// the deployment lock and the CI job state belong to that daemon, not to
// whatever PM2_HOME the caller set: a decoy PM2_HOME whose PM2_DAEMON_RPC_PORT
// points at a shared daemon's socket must not get a private, empty audit
// trail, lock and cumulative record.
#pragma once

#include <optional>
#include <string>

#include "pm2_home.h"

namespace pm2guard::shim {

struct BoundHome {
  /// The home whose pm2guard files apply.
  std::string home;
  /// The pid of the daemon listening on the socket (0: none listens).
  long daemon_pid = 0;
  /// How `home` was found, for the audit trail and messages.
  std::string how;
};

/// Finds the daemon behind `paths.rpc_socket` (the peer of a Unix socket
/// connection, SO_PEERCRED) and its home: the one in its process title
/// (`PM2 v7: God Daemon (<home>)`), else the PM2_HOME its environment holds
/// (pm2 starts its daemon with it; only that variable is read). With no daemon listening,
/// the daemon pm2 would start is the caller's: `paths.home`. nullopt, with
/// `error`, when a daemon listens but its home cannot be established and the
/// caller's paths were redirected (then only refusing is safe).
std::optional<BoundHome> bind_daemon_home(const Pm2Paths& paths, std::string& error);

/// `paths` with its home replaced by `home` (the files pm2guard keeps beside
/// the daemon are then found there).
Pm2Paths with_home(Pm2Paths paths, const std::string& home);

}  // namespace pm2guard::shim

// Finding the real pm2 behind the shim, and running it: replaced in place
// (exec) for what is simply allowed, or as a child for destructive commands,
// with signals forwarded and its exit status, death by a signal included,
// passed on as the shim's own.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pm2guard::shim {

/// Marker compiled into the shim so that a copy of it elsewhere on PATH is
/// never taken for the real pm2.
extern const char kShimMarker[];

/// The real pm2: `configured` (from the system policy) when given, else the
/// first `pm2` on `path_var` that is not this shim. The shim is recognised
/// by real path and inode against /proc/self/exe, and by its marker for a
/// copy, never by an environment variable.
std::optional<std::string> find_real_pm2(const std::optional<std::string>& configured, const std::string& path_var,
                                         std::string& error);

/// Replaces the process with the real pm2: same pid, same stdin, stdout,
/// stderr, terminal and environment. Returns only on failure.
void exec_real_pm2(const std::string& real, char** argv);

struct ChildResult {
  int exit_code = 0;  ///< when it exited
  int signal = 0;     ///< when a signal ended it
};

/// Runs the real pm2 as a child in the shim's own process group, so that
/// whatever kills the group (a CI runner cancelling a job, a terminal's
/// Ctrl-C) reaches pm2 too. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and
/// SIGUSR2 sent to the shim alone are forwarded; those a terminal sends to
/// the whole group are not sent a second time. When
/// `stdin_data` is set, the child reads it from a pipe instead of the
/// shim's stdin.
/// With `pinned` (a JSON object {root, docs: {key: JSON text}, env:
/// {set, unset}}), pm2 is started as `node -e <pinned_launch_code()> --
/// <real> <args>`: in pm2's own process, Common.parseConfig returns the
/// documents the shim judged instead of reading and evaluating them again,
/// and any document it did not judge ends the command (exit 77). The
/// payload reaches node through an inherited memfd, never the environment.
ChildResult run_real_pm2(const std::string& real, char** argv, const std::optional<std::string>& stdin_data,
                         const std::optional<std::string>& pinned = std::nullopt);

/// The bootstrap node runs for a pinned launch, reading the payload from `fd`.
std::string pinned_launch_code(int fd);

/// Ends the shim the way the child ended: the same exit code, or death by
/// the same signal.
[[noreturn]] void exit_like(const ChildResult& r);

}  // namespace pm2guard::shim

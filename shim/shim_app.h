// The pm2 shim, from argv to verdict to exec: what `pm2` does when the
// shim is first on PATH.
#pragma once

namespace pm2guard::shim {

/// Exit codes of the shim's own refusals and failures (pm2 itself uses 0
/// and 1). Documented in the README.
enum ShimExit {
  kRefused = 77,            ///< a policy refused the command
  kPolicyInvalid = 78,      ///< a policy file is invalid or untrusted (destructive commands only)
  kDaemonUnreadable = 69,   ///< the daemon's process list could not be read (destructive commands only)
  kAuditUnwritable = 74,    ///< the audit log cannot be written (destructive commands only)
  kLockTimeout = 75,        ///< another destructive command held the daemon's lock too long
  kExecFailed = 126,        ///< the real pm2 was found but could not be executed
  kNoRealPm2 = 127,         ///< no pm2 other than the shim could be found
};

/// Runs the shim. Returns an exit code, or does not return (exec).
int shim_main(int argc, char** argv);

}  // namespace pm2guard::shim

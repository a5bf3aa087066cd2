// lock-timeout: a fault, not a check. The shim records this id when another
// destructive command held the daemon's lock too long; the doc feeds
// `explain` and the README.
#include "rule.h"

namespace pm2guard {

extern const Rule kLockTimeout = {
    "lock-timeout",
    Severity::Error,
    {
        "another destructive command held the daemon's deployment lock too long",
        "Destructive commands on one pm2 daemon take PM2_HOME/pm2guard.lock in turn. A command that waited "
        "longer than the policy's `lock_timeout` for it is refused (exit 75); the message names the holder. "
        "The refusal is audited.",
        "Two deployments that stop and start processes on one daemon at the same time interleave: each one's "
        "before-and-after check (ADR-061 layers 2 and 5) would see the other's changes as its own.",
        "pm2 reload web-api & pm2 delete web-worker",
        "pm2 reload web-api && pm2 delete web-worker",
    },
    nullptr,
    RuleFront::Shim,
    nullptr,
};

}  // namespace pm2guard

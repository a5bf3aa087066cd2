// daemon-teardown: commands that take the whole daemon, and every process, down.
#include <fmt/format.h>

#include "rule.h"

namespace pm2guard {

extern const Rule kDaemonTeardown;

namespace {

void check(CheckContext& ctx) {
  const Pm2Call& c = ctx.call;
  if (!c.spec || c.spec->impact != Impact::DaemonWide || !(c.runs() || c.extra_arguments)) return;
  std::string what;
  if (c.command == "kill")
    what = "stops every process and the pm2 daemon itself";
  else if (c.command == "update" || c.command == "updatePM2")
    what = "kills the daemon with every process and starts them again from the dump file";
  else if (c.command == "deepUpdate")
    what = "installs the latest pm2, then kills the daemon with every process and starts them again from the dump file";
  else
    what = "stops the pm2 boot service when run as root, and its ExecStop runs `pm2 kill`";
  ctx.report(kDaemonTeardown, c.command_arg,
             fmt::format("{} {}, other applications' included; stop or delete your own processes by name "
                         "(`pm2 delete app-api app-worker`) or through an ecosystem file with `--only`",
                         ctx.quoted(), what));
}

}  // namespace

extern const Rule kDaemonTeardown = {
    "daemon-teardown",
    Severity::Error,
    {
        "a command takes the whole pm2 daemon down",
        "Finds `pm2 kill`, `pm2 update` (alias `updatePM2`), `pm2 deepUpdate` and `pm2 unstartup`, with or "
        "without `|| true`, `sudo` or error suppression around them.",
        "These commands do not take targets: they act on the daemon, so every process of every application "
        "on the server goes down with it (`update` brings them back from a dump that may be stale). A "
        "deployment never needs them to replace its own processes.",
        "pm2 kill",
        "pm2 delete flyer-crawler-api flyer-crawler-worker",
    },
    check,
};

}  // namespace pm2guard

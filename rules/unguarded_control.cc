// unguarded-control: a command that hands control of every process to
// something that does not go through the shim.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kUnguardedControl;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  const Pm2Call* c = f.call;
  if (!c || !c->spec || c->spec->impact != Impact::Channel || !c->runs()) return;
  if (f.allowed_commands.count(c->command)) return;
  std::string what = c->command == "startup"
                         ? "writes a boot service that runs the real pm2 itself (`resurrect` at boot, `kill` when it "
                           "stops), outside the shim"
                         : "links the daemon to PM2 Plus, whose remote actions restart, stop and delete any "
                           "process without passing the shim";
  out.push_back(finding(kUnguardedControl, f,
                        fmt::format("{} {}; an administrator can allow it in the system policy (`allow: [{}]`)",
                                    command_of(f), what, c->command)));
}

}  // namespace

extern const Rule kUnguardedControl = {
    "unguarded-control",
    Severity::Error,
    {
        "a command hands control of every process to something outside the shim",
        "Finds `pm2 startup` (a systemd or init unit that embeds the real pm2's path and runs `pm2 kill` when "
        "it stops) and `pm2 link` / `pm2 plus` / `pm2 register` (PM2 Plus remote actions). They are refused "
        "unless the policy's `allow:` list names them.",
        "Each one creates a second way to act on every team's processes that never reaches the shim: a boot "
        "unit stopped by `systemctl`, a button in a web dashboard. On a shared daemon that is an administrator's "
        "decision, not a deployment's.",
        "pm2 startup systemd",
        "pm2 save",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

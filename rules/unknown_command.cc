// unknown-command: a pm2 command this model does not know, judged as
// destructive (a newer pm2's command may act on every process).
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kUnknownCommand;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!f.call || f.call->outcome != Outcome::UnknownCommand) return;
  if (f.allowed_commands.count(f.call->command)) return;
  out.push_back(finding(kUnknownCommand, f,
                        fmt::format("{}: `{}` is not a pm2 7 command pm2guard knows, so what it acts on cannot be "
                                    "judged; a newer pm2's command may reach every process (a policy's `allow:` "
                                    "list can name it)",
                                    command_of(f), f.call->command)));
}

}  // namespace

extern const Rule kUnknownCommand = {
    "unknown-command",
    Severity::Error,
    {
        "a pm2 command the shim does not know",
        "The shim runs unjudged only the commands known to touch no process and change nothing other teams "
        "share (`jlist`, `list`, `describe`, `logs`, `monit`, `ping`, `-v`, `-h` ...). A command that pm2 7 "
        "does not have is judged as destructive and refused, unless the policy's `allow:` list names it.",
        "pm2 7 itself answers an unknown command with \"Command not found\", but the real pm2 behind the shim "
        "may be newer, and a command pm2guard cannot model could act on every process. Default deny keeps a "
        "pm2 upgrade from opening a way around the shim.",
        "pm2 futurecmd all",
        "pm2 jlist",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

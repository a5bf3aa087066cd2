// unresolved-target: the shim cannot establish what pm2 would act on.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kUnresolvedTarget;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (f.certain) return;
  out.push_back(finding(kUnresolvedTarget, f,
                        fmt::format("{}: cannot tell which processes it would act on ({}), so it is refused",
                                    command_of(f), f.uncertainty)));
}

}  // namespace

extern const Rule kUnresolvedTarget = {
    "unresolved-target",
    Severity::Error,
    {
        "what a destructive command would act on cannot be established",
        "The shim refuses a destructive command when it cannot resolve the targets the way pm2 would: the "
        "daemon's process list cannot be read, a regex uses syntax it cannot evaluate as JavaScript does, a "
        "config file or a document on stdin cannot be read or evaluated.",
        "The shim is the last line of defence; a command it cannot judge is closed, not open. Read-only commands "
        "still pass.",
        "pm2 delete '/(?<=x)y/'",
        "pm2 delete '/^web-/'",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

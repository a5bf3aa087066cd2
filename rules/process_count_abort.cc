// process-count-abort: ADR-061 layer 3, the safety abort.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kProcessCountAbort;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!targets_every_process(f)) return;
  size_t n = live_count(f);
  if (n <= static_cast<size_t>(f.max_processes)) return;
  out.push_back(finding(kProcessCountAbort, f,
                        fmt::format("{} would act on every one of the {} processes of the daemon (more than {}): {}; "
                                    "name only your own processes",
                                    command_of(f), n, f.max_processes, f.describe(f.targets))));
}

}  // namespace

extern const Rule kProcessCountAbort = {
    "process-count-abort",
    Severity::Error,
    {
        "the resolved targets are every process, and there are more than the policy allows",
        "ADR-061's layer 3, checked by the shim against the live process list: whatever the command's spelling "
        "(a name shared by every process, a namespace that holds them all, a regex, a config file listing them), "
        "when its targets resolve to every process of the daemon and there are more than `max_processes` "
        "(default 3), the command is refused.",
        "A filter bug or an unexpected server layout can make a narrow-looking command hit everything; with more "
        "processes than one application runs, that means other applications' processes.",
        "pm2 restart web   # where every one of 5 processes is named web",
        "pm2 restart web-api web-worker",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

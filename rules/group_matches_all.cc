// group-matches-all: a regex or namespace target that is every process.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kGroupMatchesAll;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!f.refuse_all) return;
  size_t live = live_count(f);
  if (live < 2) return;  // one process: naming its group is naming it
  for (const auto& [value, ids] : f.groups) {
    size_t covered = 0;
    for (const LiveProcess& p : f.processes)
      if (!p.module && std::find(ids.begin(), ids.end(), p.id) != ids.end()) ++covered;
    if (covered != live) continue;
    out.push_back(finding(kGroupMatchesAll, f,
                          fmt::format("{}: `{}` resolves to every one of the {} processes of the daemon ({}); name "
                                      "your own processes or anchor the pattern to your own prefix",
                                      command_of(f), value, live, f.describe(ids))));
    return;
  }
}

}  // namespace

extern const Rule kGroupMatchesAll = {
    "group-matches-all",
    Severity::Error,
    {
        "a regex or namespace target resolves to every process",
        "Checked by the shim against the live process list: a target that names a group of processes rather "
        "than processes (a `/regex/`, or a name pm2 falls back to reading as a namespace) and that resolves to "
        "every process of the daemon is refused like `all`, whatever the number of processes.",
        "`/-/` on a server whose every name has a dash, or `default` where every process lives in the default "
        "namespace, is `all` by another spelling; the linter cannot know, the live list does.",
        "pm2 stop default   # every process is in the default namespace",
        "pm2 stop web-api web-worker",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

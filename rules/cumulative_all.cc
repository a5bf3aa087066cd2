// cumulative-all: one CI job's commands that together reach every process.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kCumulativeAll;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!f.cumulative || f.job_hit.empty()) return;
  if (targets_every_process(f) && live_count(f) > static_cast<size_t>(f.max_processes)) return;  // layer 3 says it
  std::set<std::string> seen = f.job_seen, hit = f.job_hit;
  for (const LiveProcess& p : f.processes)
    if (!p.module) seen.insert(p.identity());
  for (int id : f.targets)
    if (const LiveProcess* p = f.process(id)) hit.insert(p->identity());
  if (seen.size() <= static_cast<size_t>(f.max_processes)) return;
  for (const std::string& s : seen)
    if (!hit.count(s)) return;
  out.push_back(finding(kCumulativeAll, f,
                        fmt::format("{} would complete a set that reaches every one of the {} processes this CI job "
                                    "has seen (its earlier commands already hit {}); name only your own processes",
                                    command_of(f), seen.size(), f.job_hit.size())));
}

}  // namespace

extern const Rule kCumulativeAll = {
    "cumulative-all",
    Severity::Error,
    {
        "the commands of one CI job together reach every process",
        "The shim remembers, per CI job (run id, attempt, job), which processes the job's destructive commands "
        "hit. The command that would complete the set of every process the job has seen is refused, when that "
        "set is larger than `max_processes`.",
        "A loop that deletes every name of `pm2 jlist` one at a time is `pm2 delete all` in slow motion, and "
        "each single command looks harmless to layer 3.",
        "for p in $(pm2 jlist | jq -r '.[].name'); do pm2 delete \"$p\"; done",
        "for p in web-api web-worker; do pm2 delete \"$p\"; done",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

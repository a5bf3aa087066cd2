// cumulative-all: one CI job's commands that together reach every process.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kCumulativeAll;
extern const Rule kProcessCountAbort;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!f.cumulative || f.job_hit.empty()) return;
  if (f.inv && f.call && scale_only_adds(*f.inv, *f.call, f.targets.size())) return;  // adds, hits nothing
  if (targets_every_process(f) && live_count(f) > static_cast<size_t>(f.max_processes)) {
    // Layer 3 judges a command that reaches everything by itself; it may
    // let it through (the caller's own processes, one app's instances).
    std::vector<Finding> layer3;
    kProcessCountAbort.runtime_check(f, layer3);
    if (!layer3.empty()) return;
  }
  std::set<std::string> seen = f.job_seen, hit = f.job_hit;
  for (const LiveProcess& p : f.processes)
    if (!p.module) seen.insert(p.identity());
  for (int id : f.targets)
    if (const LiveProcess* p = f.process(id)) hit.insert(p->identity());
  if (seen.size() <= static_cast<size_t>(f.max_processes)) return;
  for (const std::string& s : seen)
    if (!hit.count(s)) return;
  // The set is complete. What is still running is what a refusal protects:
  // nothing to protect when all of it is provably the caller's. Processes
  // are counted as applications, as layer 3 counts them (one that is gone
  // by its name).
  std::set<std::string> apps;
  bool all_owned = true;
  for (const std::string& s : seen) {
    const LiveProcess* live = nullptr;
    for (const LiveProcess& p : f.processes)
      if (!p.module && p.identity() == s) live = &p;
    if (live) {
      apps.insert(application_of(*live));
      all_owned = all_owned && provably_owned(f, *live);
    } else {
      apps.insert("gone:" + s.substr(s.find(':') + 1));
    }
  }
  if (all_owned || apps.size() <= static_cast<size_t>(f.max_processes)) return;
  out.push_back(finding(kCumulativeAll, f,
                        fmt::format("{} would complete a set that reaches every one of the {} processes ({} "
                                    "applications) this CI job has seen (its earlier commands already hit {}), and "
                                    "not all of those still running are provably yours; name only your own processes",
                                    command_of(f), seen.size(), apps.size(), f.job_hit.size())));
}

}  // namespace

extern const Rule kCumulativeAll = {
    "cumulative-all",
    Severity::Error,
    {
        "the commands of one CI job together reach every process",
        "The shim remembers, per CI job (run id, attempt, job), which processes the job's destructive commands "
        "hit. The command that would complete the set of every process the job has seen is refused, when that "
        "set holds more than `max_processes` applications (instances of one app count once) and not every "
        "process still running is provably the caller's (started by its repository's CI job, or in its scope). "
        "Scaling an app up hits nothing.",
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

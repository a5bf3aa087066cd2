// process-count-abort: ADR-061 layer 3, the safety abort.
#include <fmt/format.h>

#include <set>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kProcessCountAbort;

namespace {

// `<config file> --only a,b`: the caller named each app it acts on in the
// command itself, and each of those names is one application on the daemon
// (a name that also belongs to another app, say in another namespace, is
// the collision the layer exists for).
bool named_with_only(const RuntimeFacts& f) {
  using namespace runtime_detail;
  if (!f.call || f.call->targets.empty() || !f.call->has_option("only")) return false;
  for (const Target& t : f.call->targets)
    if (t.form != TargetForm::ConfigFile) return false;
  std::set<std::string> only;
  const std::string& list = f.call->options.at("only");
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    only.insert(list.substr(start, comma - start));
    start = comma + 1;
  }
  for (int id : f.targets) {
    const LiveProcess* p = f.process(id);
    if (!p || !only.count(p->name)) return false;
    for (const LiveProcess& q : f.processes)
      if (q.name == p->name && application_of(q) != application_of(*p)) return false;
  }
  return true;
}

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!targets_every_process(f)) return;
  if (f.inv && f.call && scale_only_adds(*f.inv, *f.call, f.targets.size())) return;
  std::vector<int> not_owned;
  std::set<std::string> apps;
  for (const LiveProcess& p : f.processes) {
    if (p.module) continue;
    apps.insert(application_of(p));
    if (!provably_owned(f, p)) not_owned.push_back(p.id);
  }
  // Every process is the caller's own: acting on all of them hits no one else.
  if (not_owned.empty()) return;
  // One application's instances, or a few applications: what the ADR's
  // threshold lets through.
  if (apps.size() <= static_cast<size_t>(f.max_processes)) return;
  if (named_with_only(f)) return;
  size_t n = live_count(f);
  std::string whose = not_owned.size() == n
                          ? "none of them provably yours"
                          : fmt::format("{} of them not provably yours: {}", not_owned.size(), f.describe(not_owned, 4));
  out.push_back(finding(kProcessCountAbort, f,
                        fmt::format("{} would act on every process of the daemon, {} processes of {} applications "
                                    "(more than {}), {}; name only your own processes, select your apps with "
                                    "`--only`, or start them from your CI job so that they are recorded as yours",
                                    command_of(f), n, apps.size(), f.max_processes, whose)));
}

}  // namespace

extern const Rule kProcessCountAbort = {
    "process-count-abort",
    Severity::Error,
    {
        "the resolved targets are every process, of more applications than the policy allows, and not all of them "
        "are provably the caller's",
        "ADR-061's layer 3, checked by the shim against the live process list: whatever the command's spelling "
        "(a name shared by every process, a namespace that holds them all, a regex, a config file listing them, "
        "a list of every name), when its targets resolve to every process of the daemon and those processes "
        "belong to more than `max_processes` (default 3) applications, the command is refused. Instances of one "
        "app (same name, namespace and script, as `-i 4` or `pm2 scale` make them) count as one application. "
        "It is not refused when the caller provably owns every process (each was started by the caller's "
        "repository's CI job, or the caller's scope owns it), when it only scales an app up, or when a config "
        "file's `--only` names each app and each of those names is one application.",
        "A filter bug or an unexpected server layout can make a narrow-looking command hit everything; with more "
        "applications than one deployment runs, and processes the caller cannot show are its own, that means "
        "other applications' processes. A list of names is no proof: `pm2 jlist | jq -r '.[].name' | xargs pm2 "
        "delete` reaches the shim as exactly such a list.",
        "pm2 restart web   # 5 processes of 5 apps (different scripts) are named web; none started by this repo",
        "pm2 restart web-api web-worker",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

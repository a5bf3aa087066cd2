// foreign-process: a target started by another repository's CI job.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kForeignProcess;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!f.ownership || f.caller_repository.empty()) return;
  std::vector<int> foreign;
  std::string owners;
  for (int id : f.targets) {
    const LiveProcess* p = f.process(id);
    if (!p || p->owner.empty() || p->owner == f.caller_repository) continue;
    foreign.push_back(id);
    if (owners.find(p->owner) == std::string::npos) owners += (owners.empty() ? "" : ", ") + p->owner;
  }
  // Processes the command brings back (resurrect) carry the repository
  // that started them in their saved environment.
  std::string revived, revived_owners;
  for (const NewProcess& n : f.starts) {
    if (n.owner.empty() || n.owner == f.caller_repository) continue;
    revived += (revived.empty() ? "" : ", ") + n.name;
    if (revived_owners.find(n.owner) == std::string::npos)
      revived_owners += (revived_owners.empty() ? "" : ", ") + n.owner;
  }
  if (!revived.empty())
    out.push_back(finding(kForeignProcess, f,
                          fmt::format("{} from {}'s job would start again processes recorded as started by {}: {}",
                                      command_of(f), f.caller_repository, revived_owners, revived)));
  if (foreign.empty()) return;
  out.push_back(finding(kForeignProcess, f,
                        fmt::format("{} from {}'s job would act on processes started by {}: {}", command_of(f),
                                    f.caller_repository, owners, f.describe(foreign))));
}

}  // namespace

extern const Rule kForeignProcess = {
    "foreign-process",
    Severity::Error,
    {
        "a target was started by another repository's CI job",
        "pm2 records the environment of the command that started a process, so a process started by a CI job "
        "carries that job's repository (GITHUB_REPOSITORY and its Gitea/Forgejo/GitLab equivalents). A "
        "destructive command from one repository's job may not touch a process recorded as started by another "
        "repository's job, nor bring one back (`pm2 resurrect` of another repository's saved app). Processes with no recorded repository are left to the scope check.",
        "It needs no configuration: two teams sharing a daemon are protected from each other's deployments "
        "from the first run.",
        "pm2 delete billing-api   # from acme/web's job; billing-api was started by acme/billing's job",
        "pm2 delete web-api       # started by acme/web's job",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

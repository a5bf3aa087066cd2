// outside-scope: targets outside the names the caller's scope owns.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kOutsideScope;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (!f.scope_refusal.empty()) {
    out.push_back(finding(kOutsideScope, f, fmt::format("{}: {}", command_of(f), f.scope_refusal)));
    return;
  }
  if (!f.scope_applies || !f.in_scope) return;
  std::vector<int> outside;
  for (int id : f.targets) {
    const LiveProcess* p = f.process(id);
    if (p && !f.in_scope(*p)) outside.push_back(id);
  }
  if (outside.empty()) return;
  out.push_back(finding(kOutsideScope, f,
                        fmt::format("{} would act on processes outside scope `{}`: {}; the scope's processes are "
                                    "the only ones this job may stop, restart or delete",
                                    command_of(f), f.scope_name, f.describe(outside))));
}

}  // namespace

extern const Rule kOutsideScope = {
    "outside-scope",
    Severity::Error,
    {
        "a target is outside the process names the caller's scope owns",
        "The shim's policy can say which process names (globs, optionally namespaces) a repository or an "
        "environment owns, selected by CI variables (GITHUB_REPOSITORY, GITHUB_WORKFLOW, GITHUB_REF) or by "
        "PM2GUARD_SCOPE. A destructive command whose targets resolve to any process outside that scope is refused.",
        "On a shared daemon a deployment owns a few names. Scopes turn that ownership into a rule the shim "
        "enforces whatever the workflow says, including a cached old copy of it.",
        "pm2 delete stock-alert-api   # from flyer-crawler's job, scope flyer-crawler-*",
        "pm2 delete flyer-crawler-api",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

#include "decide.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "runtime.h"

namespace pm2guard::shim {

namespace {

LiveProcess live(const ProcessInfo& p) {
  LiveProcess l;
  l.id = p.pm_id;
  l.name = p.name;
  l.ns = p.ns;
  l.status = p.status;
  l.module = p.is_module;
  l.owner = repository_of(p.ci);
  l.exec_path = p.exec_path;
  return l;
}

// The rules every pm2 call gets, as this policy applies them: `all` forms
// under refuse_all, daemon-wide commands unless allowed.
void static_findings(const Policy& p, const Invocation& inv, const Pm2Call& call, std::vector<Finding>& out) {
  for (Finding& f : check_invocation(inv, call)) {
    if (f.severity != Severity::Error) continue;
    if ((f.rule == "target-all" || f.rule == "regex-matches-all") && !p.refuse_all) continue;
    if (f.rule == "daemon-teardown" && p.allow_daemon_commands.count(call.command)) continue;
    out.push_back(std::move(f));
  }
}

}  // namespace

Verdict decide(const PolicySet& policies, const Invocation& inv, const Pm2Call& call,
               const std::vector<ProcessInfo>& processes, const Resolution& resolution, const Caller& caller) {
  Verdict v;
  v.targets = resolution.ids;
  std::string repo = repository_of(caller.ci);
  for (const Policy* p : policies.all()) {
    std::vector<Finding> found;
    static_findings(*p, inv, call, found);

    RuntimeFacts f;
    f.inv = &inv;
    f.call = &call;
    for (const ProcessInfo& proc : processes) f.processes.push_back(live(proc));
    // What pm2 would reach only if a failing target stopped failing is
    // judged too (the process list may change before pm2 looks).
    f.targets = resolution.ids;
    for (int id : resolution.contingent)
      if (std::find(f.targets.begin(), f.targets.end(), id) == f.targets.end()) f.targets.push_back(id);
    f.groups = resolution.groups;
    f.refuse_all = p->refuse_all;
    f.certain = resolution.certain;
    f.uncertainty = resolution.why;
    f.max_processes = p->max_processes;
    // A daemon-wide command the policy allows by name is meant to reach
    // everything: the count and cumulative checks are about accidents.
    bool allowed_daemon_wide = call.spec && call.spec->impact == Impact::DaemonWide &&
                               p->allow_daemon_commands.count(call.command);
    if (allowed_daemon_wide) f.max_processes = std::numeric_limits<int>::max();
    f.caller_repository = repo;
    f.ownership = p->ownership;
    f.starts = resolution.starts;
    f.code_documents = resolution.code_documents;
    f.reserved_env = resolution.reserved_env;
    f.allowed_commands = p->allow_daemon_commands;

    std::string why;
    const Scope* scope = nullptr;
    if (!p->scopes.empty()) {
      scope = select_scope(*p, caller.ci, caller.scope_name, why);
      if (scope) {
        f.scope_applies = true;
        f.scope_name = scope->name;
        f.in_scope = [scope](const LiveProcess& lp) { return scope->owns(lp.name, lp.ns); };
      } else if (caller.scope_name) {
        f.scope_refusal = fmt::format("PM2GUARD_SCOPE names `{}`, but {}", *caller.scope_name, why);
      } else if (p->require_scope) {
        f.scope_refusal = fmt::format("the policy ({}) requires a scope and {}", p->source, why);
      }
    }
    if (caller.scope_name && p == policies.all().back()) {
      bool any_scopes = false;
      for (const Policy* q : policies.all()) any_scopes = any_scopes || !q->scopes.empty();
      if (!any_scopes)
        f.scope_refusal = fmt::format("PM2GUARD_SCOPE names `{}`, but no policy in force defines scopes",
                                      *caller.scope_name);
    }
    if (caller.job && p->cumulative && !allowed_daemon_wide) {
      f.cumulative = true;
      f.job_seen = caller.job->first;
      f.job_hit = caller.job->second;
    }
    for (Finding& x : check_runtime(f)) found.push_back(std::move(x));

    for (Finding& x : found) {
      v.findings.push_back(std::move(x));
      v.policies.push_back(p->source);
    }
  }
  if (v.findings.empty()) {
    v.kind = Verdict::Allow;
    return v;
  }
  bool overridable = caller.override_reason && !caller.override_reason->empty();
  for (const Policy* p : policies.all()) overridable = overridable && p->allow_overrides;
  v.kind = overridable ? Verdict::Override : Verdict::Refuse;
  return v;
}

}  // namespace pm2guard::shim

// name-collision: a process started under a name (or in a namespace) that
// makes later commands ambiguous: another repository's name or namespace, or
// a name pm2 cannot address as a name at all.
#include <fmt/format.h>

#include "js_semantics.h"
#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kNameCollision;

namespace {

// Why pm2 can never address `name` as the name of one process: it reads it
// as every process, a regex, a config file, stdin or an id first.
std::string unaddressable(const std::string& name) {
  switch (classify_target(name)) {
    case TargetForm::All: return "`all` means every process to pm2";
    case TargetForm::Regex: return "pm2 reads it as a regular expression over every name";
    case TargetForm::ConfigFile: return "pm2 reads it as a config file name";
    case TargetForm::Stdin: return "pm2 reads `-` as standard input";
    case TargetForm::Numeric: return "pm2 reads it as an id where no process has that name";
    default: return {};
  }
}

// Whether a live process belongs to somebody else: recorded as another
// repository's, or (with a scope) outside the caller's scope.
bool others(const RuntimeFacts& f, const LiveProcess& p) {
  if (provably_owned(f, p)) return false;
  if (f.ownership && !f.caller_repository.empty() && !p.owner.empty() && p.owner != f.caller_repository) return true;
  return f.scope_applies && f.in_scope && !f.in_scope(p);
}

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  for (const NewProcess& n : f.starts) {
    std::string why = unaddressable(n.name);
    if (why.empty()) {
      for (const LiveProcess& p : f.processes) {
        if (!others(f, p)) continue;
        std::string whose = p.owner.empty() ? "outside scope `" + f.scope_name + "`" : p.owner + "'s";
        if (p.name == n.name)
          why = fmt::format("{} process {} (id {}) already has that name", whose, p.name, p.id);
        else if (p.ns == n.name && p.ns != "default")
          why = fmt::format("{} processes use `{}` as their namespace", whose, p.ns);
        else if (n.ns != "default" && (p.ns == n.ns || p.name == n.ns))
          why = fmt::format("namespace `{}` is {} (process {}, id {})", n.ns,
                            p.owner.empty() ? "outside scope `" + f.scope_name + "`" : p.owner + "'s", p.name, p.id);
        if (!why.empty()) break;
      }
    }
    if (why.empty()) continue;
    out.push_back(finding(kNameCollision, f,
                          fmt::format("{} would start `{}`{}{}: {}; every later command on that name would reach "
                                      "both, so give your process a name of your own",
                                      command_of(f), n.name, n.ns == "default" ? "" : " in namespace " + n.ns,
                                      n.origin.empty() ? "" : " (from " + n.origin + ")", why)));
  }
}

}  // namespace

extern const Rule kNameCollision = {
    "name-collision",
    Severity::Error,
    {
        "a new process takes a name or namespace another repository's processes hold",
        "Finds commands that would start, bring back or rename a process to a name that another repository's "
        "processes (recorded in their environment, or outside the caller's scope) already hold as a name or a "
        "namespace, a namespace that is another repository's, and names pm2 can never address as one process "
        "(`all`, `/regex/`, numbers, `*.json`, `-`): `start x.js --name other-app -f`, an ecosystem or module "
        "app named like another repository's app.",
        "pm2 resolves names across every namespace and falls back from a name to a namespace: once two "
        "repositories share a name, each one's `pm2 delete api` deletes the other's process too, and the "
        "owner's every later command becomes ambiguous. That is the collision ADR-061's teams had with `api`.",
        "pm2 start server.js --name billing-api   # from acme/web's job; billing-api is acme/billing's",
        "pm2 start server.js --name web-api",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard

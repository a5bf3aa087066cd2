// The shim's verdict on one pm2 command: the rules every pm2 call gets
// (the linter's), then the run-time rules against the live processes, each
// under every policy in force. A refusal by any policy stands.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "invocation.h"
#include "pm2_cli.h"
#include "policy.h"
#include "process_table.h"
#include "resolve.h"
#include "rule.h"

namespace pm2guard::shim {

/// Who is calling: the CI variables of the job (allow-listed identifiers
/// only) and the shim's own controls.
struct Caller {
  std::map<std::string, std::string> ci;
  std::optional<std::string> scope_name;       ///< PM2GUARD_SCOPE
  std::optional<std::string> override_reason;  ///< PM2GUARD_OVERRIDE
  /// What this CI job's earlier destructive commands saw and hit (none
  /// outside CI).
  std::optional<std::pair<std::set<std::string>, std::set<std::string>>> job;
};

struct Verdict {
  enum Kind { Allow, Refuse, Override } kind = Allow;
  /// Every rule that objected, with the policy it objected under.
  std::vector<Finding> findings;
  std::vector<std::string> policies;  ///< parallel to findings: the policy's source
  std::vector<int> targets;

  /// The first objection, for the one-line refusal message.
  const Finding* first() const { return findings.empty() ? nullptr : &findings.front(); }
};

/// Decides on a destructive command whose targets have been resolved.
Verdict decide(const PolicySet& policies, const Invocation& inv, const Pm2Call& call,
               const std::vector<ProcessInfo>& processes, const Resolution& resolution, const Caller& caller);

}  // namespace pm2guard::shim

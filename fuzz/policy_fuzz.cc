// libFuzzer target: the shim's policy loader, parse_policy (shim/policy.h),
// on any bytes, as the system policy (/etc/pm2guard/policy.yml) and as the
// environment's stricter one (PM2GUARD_POLICY).
//
// Input framing: the whole input is the policy file's contents (what
// load_policy hands parse_policy). fuzz/make_seeds.py writes the seeds.
//
// The invariants (checked with __builtin_trap, so any violation is a crash
// libFuzzer reports and the replay test fails on), besides "no crash, no
// sanitizer report, no exception out of parse_policy":
//   - a refusal says why: the error is not empty;
//   - a policy's numbers are finite and sane: 0 <= max_processes <= 10^9,
//     0 <= lock_timeout <= 10^9 seconds (README "Policy": a negative,
//     infinite or NaN value is an error, never a safeguard switched off);
//   - every scope has a name and at least one process pattern; the allow
//     list names commands (none empty);
//   - real_pm2 and audit_log, when set, are absolute paths;
//   - the environment's role is the system's with the system-only keys
//     (real_pm2, audit_log, syslog) made errors: a document it accepts is one
//     the system role accepts too, read the same, and it never sets them;
//   - the parsed scopes can be used: select_scope and Scope::owns run on a
//     fixed caller and process (glob patterns from the input reach fnmatch).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "policy.h"

using namespace pm2guard::shim;

namespace {

[[noreturn]] void violation() { __builtin_trap(); }

bool absolute(const std::optional<std::string>& p) { return !p || (!p->empty() && (*p)[0] == '/'); }

void check(const Policy& p) {
  if (p.source != "fuzz-policy.yml") violation();
  if (p.max_processes < 0 || p.max_processes > 1000000000) violation();
  if (!std::isfinite(p.lock_timeout_seconds) || p.lock_timeout_seconds < 0 || p.lock_timeout_seconds > 1e9)
    violation();
  for (const std::string& c : p.allow_daemon_commands)
    if (c.empty()) violation();
  for (const Scope& s : p.scopes)
    if (s.name.empty() || s.processes.empty()) violation();
  if (!absolute(p.real_pm2) || !absolute(p.audit_log)) violation();

  // Use the scopes as the shim does.
  static const std::map<std::string, std::string> kCi{{"GITHUB_REPOSITORY", "projectium/flyer-crawler"},
                                                      {"GITHUB_REF", "refs/heads/main"},
                                                      {"GITHUB_WORKFLOW", "deploy"}};
  std::string why;
  const Scope* chosen = select_scope(p, kCi, std::nullopt, why);
  if (!p.scopes.empty()) {
    const Scope* named = select_scope(p, kCi, p.scopes.back().name, why);
    if (named && named->name != p.scopes.back().name) violation();
  }
  for (const Scope& s : p.scopes) (void)s.owns("flyer-crawler-api", "default");
  if (chosen && (chosen < p.scopes.data() || chosen >= p.scopes.data() + p.scopes.size())) violation();
}

bool same(const Policy& a, const Policy& b) {
  auto scope_key = [](const Scope& s) {
    return std::make_tuple(s.name, s.repositories, s.workflows, s.refs, s.processes, s.namespaces);
  };
  if (a.scopes.size() != b.scopes.size()) return false;
  for (size_t i = 0; i < a.scopes.size(); ++i)
    if (scope_key(a.scopes[i]) != scope_key(b.scopes[i])) return false;
  return a.refuse_all == b.refuse_all && a.allow_daemon_commands == b.allow_daemon_commands &&
         a.max_processes == b.max_processes && a.require_scope == b.require_scope && a.ownership == b.ownership &&
         a.cumulative == b.cumulative && a.lock_timeout_seconds == b.lock_timeout_seconds &&
         a.allow_overrides == b.allow_overrides;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  std::string sys_error;
  std::optional<Policy> sys = parse_policy(text, "fuzz-policy.yml", sys_error, PolicyRole::System);
  if (sys) check(*sys);
  else if (sys_error.empty()) violation();

  std::string env_error;
  std::optional<Policy> env = parse_policy(text, "fuzz-policy.yml", env_error, PolicyRole::Environment);
  if (env) {
    check(*env);
    if (env->real_pm2 || env->audit_log || !env->syslog) violation();
    if (!sys || !same(*sys, *env)) violation();
  } else if (env_error.empty()) {
    violation();
  }
  return 0;
}

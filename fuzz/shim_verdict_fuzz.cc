// libFuzzer target: the pm2 shim's whole decision path, from argv and the
// daemon's process list to the verdict, with ADR-061 layer 3 as the oracle.
//
// Input framing (fuzz/make_seeds.py writes it):
//
//   byte 0          selector bits (below)
//   bytes 1 .. k-1  the argv words after `pm2`, separated by NUL bytes
//                   (no words when empty; "a\0\0b" is three words, the middle
//                   one empty)
//   byte k          0xFF, the first one after byte 0 (0xFF is never part of
//                   UTF-8 text, so a word cannot need it)
//   bytes k+1 ..    the daemon's process list as JSON: a bare array, as
//                   `pm2 jlist` prints it (parse_process_list), or the
//                   envelope the daemon answers getMonitorData with,
//                   {"args":[[...]]} (parse_monitor_reply)
//
// No 0xFF: everything after byte 0 is argv, and the process list is empty.
//
// Selector bits of byte 0:
//   bits 0-1  the caller: 0 no CI; 1 a GitHub Actions job of acme/web; 2 one
//             of acme/billing; 3 a GitLab job of acme/web (CI_PROJECT_PATH).
//             A CI caller has a job record (empty), so cumulative-all runs.
//   bits 2-3  the policies: 0 the built-in defaults; 1 a system policy with
//             scopes; 2 a system policy with refuse_all off (so that layer 3
//             is the only guard of `all`) and a stricter environment policy
//             (max_processes 2); 3 scopes, refuse_all off, every daemon-wide
//             command allowed by name, require_scope.
//   bits 4-5  PM2GUARD_SCOPE: unset, `web`, `ops`, `nope` (no such scope).
//   bit 6     the daemon's working directory is known (/srv/pm2demo/apps).
//   bit 7     config files and stdin load (as apps named like every process
//             in the table, plus one that does not run); otherwise loading
//             fails with an error and the resolution is uncertain, which the
//             shim refuses.
//
// The invariant (checked with __builtin_trap, so any violation is a crash
// libFuzzer reports and the replay test fails on), besides "no crash, no
// sanitizer report": a command the shim judges (every command off the
// safe list, shim_app.cc: is_known_harmless) is never allowed when its resolved
// targets cover every non-module process of the daemon, those processes are
// more than `max_processes` applications (instances of one app, with the
// same name, namespace and script, count once), and not every one of them
// is provably the caller's. That is README "Policy" rule 3 as
// rules/process_count_abort.cc implements it, under every policy in force
// (a refusal by any policy stands, so an Allow means none objected). The
// rule's own exceptions are encoded here as the README states them, from
// the facts rather than by calling the rule's helpers:
//   - provably the caller's (rule 3 through rule 5 and 4): recorded as
//     started by the caller's repository's CI job while the policy has
//     `ownership` on, or owned by the scope the policy selects for the
//     caller (select_scope is the definition of which scope that is);
//   - `pm2 scale APP N` that only adds instances (pm2's API.scale: a '+'
//     anywhere adds, a '-' anywhere removes, otherwise parseInt(N) against
//     the instances there are; NaN is "Nothing to do") never deletes;
//   - a config file with `--only a,b` whose targets are each named in the
//     list, each of those names being one application on the daemon;
//   - a daemon-wide command the policy allows by name (rule 2) skips the
//     count.
// Tables with repeated pm_ids, which no pm2 daemon produces (ids are the
// keys of its process map), are run for crashes only: the oracle (like the
// rules) identifies processes by id and cannot say what such a table means.
//
// No I/O, no subprocesses: the loaders are in-memory. Built with
// -DSHIM_VERDICT_FUZZ_TRACE (the replay, for triage), it prints each input's
// argv, table, resolution and verdict to stderr.
#include <cstddef>
#include <cstdint>
#include <cstring>
#ifdef SHIM_VERDICT_FUZZ_TRACE
#include <cstdio>
#endif
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "decide.h"
#include "invocation.h"
#include "pm2_cli.h"
#include "policy.h"
#include "process_table.h"
#include "resolve.h"

using namespace pm2guard;
using namespace pm2guard::shim;

namespace {

constexpr const char* kCwd = "/srv/pm2demo/apps";

[[noreturn]] void violation() { __builtin_trap(); }

Policy must_parse(const char* yaml, const char* source, PolicyRole role) {
  std::string err;
  std::optional<Policy> p = parse_policy(yaml, source, err, role);
  if (!p) violation();  // the fixed policies below are valid
  return *p;
}

constexpr const char* kScopes = R"(
scopes:
  - name: web
    repositories: [acme/web]
    processes: ['flyer-crawler-*', '!flyer-crawler-*-test']
    namespaces: [default]
  - name: billing
    repositories: [acme/billing]
    processes: ['billing-*']
  - name: ops
    processes: ['*']
)";

const std::vector<PolicySet>& policy_sets() {
  static const std::vector<PolicySet> sets = [] {
    std::vector<PolicySet> v(4);
    // 0: no system file, the built-in defaults.
    // 1: scopes.
    v[1].system = must_parse((std::string("version: 1\n") + kScopes).c_str(), "fuzz-scopes.yml", PolicyRole::System);
    v[1].system_file_present = true;
    // 2: refuse_all off, and a stricter environment policy.
    v[2].system = must_parse("version: 1\nrefuse_all: false\n", "fuzz-open.yml", PolicyRole::System);
    v[2].system_file_present = true;
    v[2].extra = must_parse("version: 1\nrefuse_all: false\nmax_processes: 2\n", "fuzz-env.yml", PolicyRole::Environment);
    // 3: scopes, refuse_all off, daemon-wide commands allowed, scopes required.
    v[3].system = must_parse((std::string("version: 1\nrefuse_all: false\nrequire_scope: true\n"
                                          "allow: [kill, update, updatePM2, deepUpdate, unstartup]\n") +
                              kScopes)
                                 .c_str(),
                             "fuzz-allow.yml", PolicyRole::System);
    v[3].system_file_present = true;
    return v;
  }();
  return sets;
}

Caller make_caller(uint8_t sel) {
  Caller c;
  switch (sel & 3) {
    case 0: break;
    case 1:
      c.ci = {{"CI", "true"}, {"GITHUB_ACTIONS", "true"}, {"GITHUB_REPOSITORY", "acme/web"},
              {"GITHUB_REF", "refs/heads/main"}, {"GITHUB_WORKFLOW", "deploy"}, {"GITHUB_RUN_ID", "1"}};
      break;
    case 2:
      c.ci = {{"CI", "true"}, {"GITHUB_ACTIONS", "true"}, {"GITHUB_REPOSITORY", "acme/billing"},
              {"GITHUB_REF", "refs/heads/main"}, {"GITHUB_RUN_ID", "2"}};
      break;
    case 3:
      c.ci = {{"CI", "true"}, {"GITLAB_CI", "true"}, {"CI_PROJECT_PATH", "acme/web"}, {"CI_JOB_ID", "3"}};
      break;
  }
  if (!c.ci.empty()) c.job = std::make_pair(std::set<std::string>{}, std::set<std::string>{});
  static const char* const kScopeNames[] = {nullptr, "web", "ops", "nope"};
  if (const char* s = kScopeNames[(sel >> 4) & 3]) c.scope_name = s;
  return c;
}


ConfigApps apps_like_the_table(const std::vector<ProcessInfo>& procs) {
  ConfigApps a;
  std::set<std::string> seen;
  for (const ProcessInfo& p : procs)
    if (seen.insert(p.name).second) a.names.push_back(p.name);
  a.names.push_back("fuzz-new-app");
  a.flags.resize(a.names.size());
  return a;
}

// --- The oracle: README "Policy" rule 3 ------------------------------------

bool in(const std::vector<int>& ids, int id) {
  for (int x : ids)
    if (x == id) return true;
  return false;
}

// pm2's API.scale(app, n) deletes nothing: a '+' anywhere adds parseInt(n)
// instances (addProcs never deletes, whatever the number), a '-' anywhere
// removes some, else parseInt(n, 10) - instances below zero removes the
// difference. parseInt skips JavaScript white space, which outside ASCII
// cannot be told from bytes here: such a count is taken as deleting.
bool scale_deletes_nothing(const Invocation& inv, const Pm2Call& call, const std::vector<ProcessInfo>& procs) {
  if (call.command != "scale" || call.positionals.size() < 2) return false;
  const std::string& app = inv.args[static_cast<size_t>(call.positionals[0])].text;
  const std::string& n = inv.args[static_cast<size_t>(call.positionals[1])].text;
  if (n.find('+') != std::string::npos) return true;
  if (n.find('-') != std::string::npos) return false;
  size_t i = 0;
  while (i < n.size() && (n[i] == ' ' || (n[i] >= '\t' && n[i] <= '\r'))) ++i;
  size_t d = i;
  while (d < n.size() && n[d] >= '0' && n[d] <= '9') ++d;
  if (d == i) {
    for (char c : n)
      if (static_cast<unsigned char>(c) >= 0x80) return false;  // maybe white space, then digits
    return true;  // NaN: "Nothing to do"
  }
  if (d - i > 9) return true;  // a billion instances or more: more than run
  unsigned long want = std::stoul(n.substr(i, d - i));
  // Client.getProcessByName: name, or script path resolved from the cwd.
  std::string full = js_path_resolve(kCwd, app);
  unsigned long have = 0;
  for (const ProcessInfo& p : procs)
    if (p.name == app || p.exec_path == full) ++have;
  return want >= have;
}

// `<config file>... --only a,b`: every target named in the list (split on
// ','), and each of those names one application on the daemon.
bool only_names_each_app(const Pm2Call& call, const std::vector<ProcessInfo>& procs, const std::vector<int>& ids) {
  auto only = call.options.find("only");
  if (call.targets.empty() || only == call.options.end()) return false;
  for (const Target& t : call.targets)
    if (t.form != TargetForm::ConfigFile) return false;
  std::set<std::string> names;
  const std::string& list = only->second;
  for (size_t s = 0; s <= list.size();) {
    size_t e = list.find(',', s);
    if (e == std::string::npos) e = list.size();
    names.insert(list.substr(s, e - s));
    s = e + 1;
  }
  for (const ProcessInfo& p : procs) {
    if (!in(ids, p.pm_id)) continue;
    if (!names.count(p.name)) return false;
    for (const ProcessInfo& q : procs)
      if (q.name == p.name && (q.ns != p.ns || q.exec_path != p.exec_path)) return false;
  }
  return true;
}

// Whether `policy` must refuse the command under rule 3.
bool rule3_refuses(const Policy& policy, const Caller& caller, const Invocation& inv, const Pm2Call& call,
                   const std::vector<ProcessInfo>& procs, const Resolution& res) {
  size_t live = 0;
  std::set<std::tuple<std::string, std::string, std::string>> apps;
  for (const ProcessInfo& p : procs) {
    if (p.is_module) continue;
    ++live;
    if (!in(res.ids, p.pm_id)) return false;  // not every process
    apps.insert({p.name, p.ns, p.exec_path});
  }
  if (live == 0) return false;
  if (policy.max_processes >= 0 && apps.size() <= static_cast<size_t>(policy.max_processes)) return false;

  // Provably the caller's: the caller's repository's CI job started it
  // (ownership on), or the scope selected for the caller owns it.
  std::string repo = repository_of(caller.ci);
  std::string why;
  const Scope* scope = policy.scopes.empty() ? nullptr : select_scope(policy, caller.ci, caller.scope_name, why);
  bool all_owned = true;
  for (const ProcessInfo& p : procs) {
    if (p.is_module) continue;
    bool owned = (policy.ownership && !repo.empty() && repository_of(p.ci) == repo) || (scope && scope->owns(p.name, p.ns));
    all_owned = all_owned && owned;
  }
  if (all_owned) return false;

  if (scale_deletes_nothing(inv, call, procs)) return false;
  if (only_names_each_app(call, procs, res.ids)) return false;
  if (call.spec && call.spec->impact == Impact::DaemonWide && policy.allow_daemon_commands.count(call.command))
    return false;
  return true;
}

bool repeated_ids(const std::vector<ProcessInfo>& procs) {
  std::set<int> ids;
  for (const ProcessInfo& p : procs)
    if (!ids.insert(p.pm_id).second) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  const char* text = reinterpret_cast<const char*>(data) + 1;
  const size_t rest = size - 1;
  const void* ff = std::memchr(text, 0xFF, rest);
  const size_t argv_len = ff ? static_cast<size_t>(static_cast<const char*>(ff) - text) : rest;
  std::string_view json;
  if (ff) json = std::string_view(text + argv_len + 1, rest - argv_len - 1);

  std::vector<std::string> argv{"pm2"};
  if (argv_len > 0) {
    size_t s = 0;
    while (true) {
      const void* nul = std::memchr(text + s, '\0', argv_len - s);
      size_t e = nul ? static_cast<size_t>(static_cast<const char*>(nul) - text) : argv_len;
      argv.emplace_back(text + s, e - s);
      if (!nul) break;
      s = e + 1;
    }
  }

  // The process list, as the daemon's client reads it. A list that cannot
  // be read makes the shim refuse (exit 69) before anything is decided:
  // the rest still runs on an empty table, for crashes.
  std::vector<ProcessInfo> procs;
  std::string err;
  if (std::optional<std::vector<ProcessInfo>> list = parse_process_list(json, err)) {
    procs = std::move(*list);
  } else {
    MonitorReply reply = parse_monitor_reply(json);
    if (reply.kind == ReplyKind::Ok) procs = std::move(reply.processes);
  }

  // shim_app.cc: argv -> invocation -> pm2 call -> guarded?
  Invocation inv = invocation_from_argv(argv);
  Pm2Call call = parse_pm2_call(inv);
  (void)display_safe(inv);
  // Default deny: everything off the safe list is judged.
  if (is_known_harmless(call)) return 0;  // passed through to pm2 unjudged

  const bool loads = (sel & 0x80) != 0;
  ResolveInput rin;
  rin.processes = &procs;
  rin.cwd = kCwd;
  if (sel & 0x40) rin.daemon_cwd = kCwd;
  rin.load_config = [&](const std::string&, bool, std::string& e) -> std::optional<ConfigApps> {
    if (loads) return apps_like_the_table(procs);
    e = "config files are not read by the fuzzer";
    return std::nullopt;
  };
  rin.load_stdin = [&](bool, std::string& e) -> std::optional<ConfigApps> {
    if (loads) return apps_like_the_table(procs);
    e = "stdin is not read by the fuzzer";
    return std::nullopt;
  };
  Resolution res = resolve_targets(call, rin);

  const PolicySet& policies = policy_sets()[(sel >> 2) & 3];
  const Caller caller = make_caller(sel);
  Verdict v = decide(policies, inv, call, procs, res, caller);
  if (v.kind != Verdict::Allow && v.kind != Verdict::Refuse && v.kind != Verdict::Override) violation();
  if (v.kind == Verdict::Allow && !v.findings.empty()) violation();
  if (v.kind != Verdict::Allow && v.findings.empty()) violation();
  if (v.findings.size() != v.policies.size()) violation();
  if (v.targets != res.ids) violation();
  // Overrides are off in every policy here.
  if (v.kind == Verdict::Override) violation();

#ifdef SHIM_VERDICT_FUZZ_TRACE
  auto esc = [](const std::string& t) {
    std::string o;
    for (unsigned char c : t) {
      char b[8];
      std::snprintf(b, sizeof b, c < 0x20 || c >= 0x7f ? "\\x%02x" : "%c", c);
      o += b;
    }
    return o;
  };
  std::fprintf(stderr, "  argv: %s\n  selector: 0x%02x (policies %d, caller %d)\n", esc(inv.display()).c_str(), sel,
               (sel >> 2) & 3, sel & 3);
  for (const ProcessInfo& p : procs) std::fprintf(stderr, "  process: %s\n", esc(p.serialize()).c_str());
  std::string ids;
  for (int id : res.ids) ids += " " + std::to_string(id);
  std::fprintf(stderr, "  resolved:%s%s%s\n", ids.c_str(), res.certain ? "" : " (uncertain: ", res.certain ? "" : (res.why + ")").c_str());
  std::fprintf(stderr, "  verdict: %s\n", v.kind == Verdict::Allow ? "allow" : v.kind == Verdict::Refuse ? "refuse" : "override");
  for (size_t i = 0; i < v.findings.size(); ++i)
    std::fprintf(stderr, "    [%s] %s: %s\n", v.findings[i].rule.c_str(), v.policies[i].c_str(), esc(v.findings[i].message).c_str());
  for (const Policy* p : policies.all())
    std::fprintf(stderr, "  rule 3 under %s: %s\n", p->source.c_str(),
                 rule3_refuses(*p, caller, inv, call, procs, res) ? "refuse" : "no objection");
#endif
  if (v.kind != Verdict::Allow || repeated_ids(procs)) return 0;
  for (const Policy* p : policies.all())
    if (rule3_refuses(*p, caller, inv, call, procs, res)) violation();
  return 0;
}

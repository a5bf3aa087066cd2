#include "decide.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace pm2guard;
using namespace pm2guard::shim;

namespace {

ProcessInfo proc(int id, const char* name, const char* repo = "") {
  ProcessInfo p;
  p.pm_id = id;
  p.name = name;
  p.status = "online";
  if (*repo) p.ci["GITHUB_REPOSITORY"] = repo;
  return p;
}

struct Case {
  PolicySet policies;
  std::vector<ProcessInfo> procs = {proc(0, "web-api", "acme/web"), proc(1, "web-worker", "acme/web"),
                                    proc(2, "billing-api", "acme/billing"), proc(3, "legacy"), proc(4, "cron")};
  Caller caller;
  Verdict run(const std::string& line) {
    Invocation inv = pm2guard::testing::inv(line);
    Pm2Call call = parse_pm2_call(inv);
    ResolveInput in;
    in.processes = &procs;
    in.cwd = "/";
    Resolution r = resolve_targets(call, in);
    return decide(policies, inv, call, procs, r, caller);
  }
  std::vector<std::string> rules(const std::string& line) {
    std::vector<std::string> out;
    for (const Finding& f : run(line).findings) out.push_back(f.rule);
    return out;
  }
};

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("the linter's rules refuse the forms that mean every process", "[decide]") {
  Case c;
  CHECK(c.rules("pm2 delete all") == V{"target-all", "process-count-abort"});
  CHECK(c.rules("pm2 stop /") == V{"regex-matches-all", "group-matches-all", "process-count-abort"});
  CHECK(c.rules("pm2 kill") == V{"daemon-teardown", "process-count-abort"});
  CHECK(c.rules("pm2 restart web-api").empty());
  CHECK(c.run("pm2 restart web-api").kind == Verdict::Allow);
}

TEST_CASE("the allow list opens the daemon-wide commands, refuse_all can be lifted", "[decide]") {
  Case c;
  c.policies.system.allow_daemon_commands = {"kill"};
  CHECK(c.rules("pm2 kill").empty());  // allowed by name: the count check does not stand in its way
  CHECK(c.rules("pm2 update") == V{"daemon-teardown", "process-count-abort"});
  c.policies.system.refuse_all = false;
  CHECK(c.rules("pm2 restart all") == V{"process-count-abort"});  // layer 3 still counts
  c.policies.system.max_processes = 10;
  CHECK(c.rules("pm2 restart all").empty());
}

TEST_CASE("ownership without configuration", "[decide]") {
  Case c;
  c.caller.ci["GITHUB_REPOSITORY"] = "acme/web";
  CHECK(c.rules("pm2 delete web-api web-worker").empty());
  CHECK(c.rules("pm2 delete billing-api") == V{"foreign-process"});
  CHECK(c.rules("pm2 delete legacy").empty());  // no recorded owner: up to the scope
}

TEST_CASE("scopes and the environment's stricter policy", "[decide]") {
  Case c;
  Scope s;
  s.name = "web";
  s.repositories = {"acme/web"};
  s.processes = {"web-*"};
  c.policies.system.scopes = {s};
  c.caller.ci["GITHUB_REPOSITORY"] = "acme/web";
  CHECK(c.rules("pm2 delete legacy") == V{"outside-scope"});
  CHECK(c.rules("pm2 delete web-api").empty());
  // An extra policy can only add refusals.
  Policy strict;
  strict.source = "env.yml";
  strict.max_processes = 1;
  strict.refuse_all = true;
  Scope only_api = s;
  only_api.processes = {"web-api"};
  strict.scopes = {only_api};
  c.policies.extra = strict;
  CHECK(c.rules("pm2 delete web-worker") == V{"outside-scope"});
  CHECK(c.run("pm2 delete web-worker").policies.at(0) == "env.yml");
  // Naming a scope that does not exist fails closed.
  c.policies.extra.reset();
  c.caller.scope_name = "nope";
  CHECK(c.rules("pm2 delete web-api") == V{"outside-scope"});
}

TEST_CASE("break-glass overrides only where every policy allows them", "[decide]") {
  Case c;
  c.caller.override_reason = "incident 42: restart everything";
  CHECK(c.run("pm2 restart all").kind == Verdict::Refuse);
  c.policies.system.allow_overrides = true;
  CHECK(c.run("pm2 restart all").kind == Verdict::Override);
  Policy strict;
  strict.allow_overrides = false;
  c.policies.extra = strict;
  CHECK(c.run("pm2 restart all").kind == Verdict::Refuse);
  c.policies.extra.reset();
  c.caller.override_reason = "";
  CHECK(c.run("pm2 restart all").kind == Verdict::Refuse);
}

TEST_CASE("a job's commands that together reach every process", "[decide]") {
  Case c;
  c.caller.job = std::make_pair(std::set<std::string>{"0:web-api", "1:web-worker", "2:billing-api", "3:legacy", "4:cron"},
                                std::set<std::string>{"0:web-api", "1:web-worker", "2:billing-api", "3:legacy"});
  CHECK(c.rules("pm2 delete cron") == V{"cumulative-all"});
  CHECK(c.rules("pm2 delete web-api").empty());
}

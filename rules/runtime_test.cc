#include "runtime.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace pm2guard;

namespace {

struct Fixture {
  Invocation inv;
  Pm2Call call;
  RuntimeFacts f;
  explicit Fixture(const std::string& line, std::vector<LiveProcess> procs, std::vector<int> targets) {
    inv = testing::inv(line);
    call = parse_pm2_call(inv);
    f.inv = &inv;
    f.call = &call;
    f.processes = std::move(procs);
    f.targets = std::move(targets);
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const Finding& x : check_runtime(f)) out.push_back(x.rule);
    return out;
  }
};

std::vector<LiveProcess> five() {
  return {{0, "flyer-api", "default", "online", false, "projectium/flyer"},
          {1, "flyer-worker", "default", "online", false, "projectium/flyer"},
          {2, "flyer-api-test", "default", "online", false, "projectium/flyer"},
          {3, "stock-alert-api", "default", "online", false, "projectium/stock-alert"},
          {4, "billing-api", "other", "online", false, ""}};
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("process-count-abort: every process and more than N", "[runtime]") {
  CHECK(Fixture("pm2 restart web", five(), {0, 1, 2, 3, 4}).ids() == V{"process-count-abort"});
  CHECK(Fixture("pm2 restart web", five(), {0, 1, 2, 3}).ids().empty());
  Fixture few("pm2 restart web", {{0, "a", "default", "online", false, ""}, {1, "b", "default", "online", false, ""}, {2, "c", "default", "online", false, ""}}, {0, 1, 2});
  CHECK(few.ids().empty());  // 3 processes: not more than the default 3
  few.f.max_processes = 2;
  CHECK(few.ids() == V{"process-count-abort"});
  // Modules do not count.
  std::vector<LiveProcess> with_module = five();
  with_module.push_back({9, "pm2-logrotate", "default", "online", true, ""});
  CHECK(Fixture("pm2 stop x", with_module, {0, 1, 2, 3, 4}).ids() == V{"process-count-abort"});
}

TEST_CASE("outside-scope: targets the scope does not own", "[runtime]") {
  Fixture fx("pm2 delete stock-alert-api", five(), {3});
  fx.f.scope_applies = true;
  fx.f.scope_name = "flyer";
  fx.f.in_scope = [](const LiveProcess& p) { return p.name.rfind("flyer-", 0) == 0; };
  CHECK(fx.ids() == V{"outside-scope"});
  fx.f.targets = {0, 1};
  CHECK(fx.ids().empty());
  fx.f.scope_refusal = "the policy requires a scope and none selects this caller";
  CHECK(fx.ids() == V{"outside-scope"});
}

TEST_CASE("foreign-process: started by another repository's job", "[runtime]") {
  Fixture fx("pm2 delete stock-alert-api", five(), {3});
  fx.f.caller_repository = "projectium/flyer";
  CHECK(fx.ids() == V{"foreign-process"});
  fx.f.targets = {0, 4};  // own, and unknown owner: left to the scope
  CHECK(fx.ids().empty());
  fx.f.targets = {3};
  fx.f.ownership = false;
  CHECK(fx.ids().empty());
  fx.f.ownership = true;
  fx.f.caller_repository = "";  // not in CI
  CHECK(fx.ids().empty());
}

TEST_CASE("cumulative-all: a job that deletes every process one at a time", "[runtime]") {
  std::vector<LiveProcess> procs = five();
  Fixture fx("pm2 delete billing-api", {procs[4]}, {4});
  fx.f.cumulative = true;
  fx.f.job_seen = {"0:flyer-api", "1:flyer-worker", "2:flyer-api-test", "3:stock-alert-api", "4:billing-api"};
  fx.f.job_hit = {"0:flyer-api", "1:flyer-worker", "2:flyer-api-test", "3:stock-alert-api"};
  CHECK(fx.ids() == V{"cumulative-all"});
  fx.f.job_hit.erase("3:stock-alert-api");
  CHECK(fx.ids().empty());
  fx.f.cumulative = false;
  fx.f.job_hit.insert("3:stock-alert-api");
  CHECK(fx.ids().empty());
}

TEST_CASE("unresolved-target: fail closed", "[runtime]") {
  Fixture fx("pm2 delete /(?<=x)y/", five(), {});
  fx.f.certain = false;
  fx.f.uncertainty = "the regex cannot be evaluated exactly as JavaScript would";
  CHECK(fx.ids() == V{"unresolved-target"});
}

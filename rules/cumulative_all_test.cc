#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

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

TEST_CASE("cumulative-all: splitting the caller's own work is not the accident", "[runtime]") {
  SECTION("one app's instances, one at a time") {
    std::vector<LiveProcess> cluster;
    for (int i = 0; i < 4; ++i) cluster.push_back(lp(i, "api"));
    Fixture fx("pm2 reload 3", cluster, {3});
    fx.f.cumulative = true;
    fx.f.job_seen = {"0:api", "1:api", "2:api", "3:api"};
    fx.f.job_hit = {"0:api", "1:api", "2:api"};
    CHECK(fx.ids().empty());
  }
  SECTION("the repository's own apps, one at a time") {
    std::vector<LiveProcess> procs = {lp(0, "api", "default", "acme/web"), lp(1, "worker", "default", "acme/web"),
                                      lp(2, "cron", "default", "acme/web"), lp(3, "mailer", "default", "acme/web")};
    Fixture fx("pm2 reload mailer", procs, {3});
    fx.f.cumulative = true;
    fx.f.job_seen = {"0:api", "1:worker", "2:cron", "3:mailer"};
    fx.f.job_hit = {"0:api", "1:worker", "2:cron"};
    CHECK(fx.ids() == V{"cumulative-all"});  // outside the repository's job: not provably its own
    fx.f.caller_repository = "acme/web";
    CHECK(fx.ids().empty());
    procs[1].owner = "";  // one that is not provably the caller's still running
    fx.f.processes = procs;
    CHECK(fx.ids() == V{"cumulative-all"});
  }
  SECTION("scaling up adds and completes nothing") {
    std::vector<LiveProcess> procs = five();
    Fixture fx("pm2 scale billing-api 3", {procs[4]}, {4});
    fx.f.cumulative = true;
    fx.f.job_seen = {"0:flyer-api", "1:flyer-worker", "2:flyer-api-test", "3:stock-alert-api", "4:billing-api"};
    fx.f.job_hit = {"0:flyer-api", "1:flyer-worker", "2:flyer-api-test", "3:stock-alert-api"};
    CHECK(fx.ids().empty());
  }
}

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

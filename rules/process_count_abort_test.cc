#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

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

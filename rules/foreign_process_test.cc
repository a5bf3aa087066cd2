#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

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

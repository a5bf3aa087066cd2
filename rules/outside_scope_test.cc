#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

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

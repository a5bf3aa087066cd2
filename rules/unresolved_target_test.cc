#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

TEST_CASE("unresolved-target: fail closed", "[runtime]") {
  Fixture fx("pm2 delete /(?<=x)y/", five(), {});
  fx.f.certain = false;
  fx.f.uncertainty = "the regex cannot be evaluated exactly as JavaScript would";
  CHECK(fx.ids() == V{"unresolved-target"});
}

#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

TEST_CASE("group-matches-all: a regex or namespace that is every process", "[runtime]") {
  Fixture fx("pm2 delete /-/", five(), {0, 1, 2, 3, 4});
  fx.f.groups = {{"/-/", {0, 1, 2, 3, 4}}};
  CHECK(fx.ids() == V{"group-matches-all", "process-count-abort"});
  // Fewer processes than the count check needs: the group form still counts.
  std::vector<LiveProcess> all = five();
  std::vector<LiveProcess> two(all.begin(), all.begin() + 2);
  Fixture small("pm2 stop default", two, {0, 1});
  small.f.groups = {{"default", {0, 1}}};
  CHECK(small.ids() == V{"group-matches-all"});
  small.f.refuse_all = false;
  CHECK(small.ids().empty());
  // A group that leaves a process out, or a daemon with one process.
  Fixture some("pm2 stop /flyer/", five(), {0, 1, 2});
  some.f.groups = {{"/flyer/", {0, 1, 2}}};
  CHECK(some.ids().empty());
  Fixture one("pm2 stop default", {five()[0]}, {0});
  one.f.groups = {{"default", {0}}};
  CHECK(one.ids().empty());
}

#include "runtime_test_support.h"

using namespace pm2guard;
using namespace pm2guard::testing;

TEST_CASE("process-count-abort: every process and more than N", "[runtime]") {
  CHECK(Fixture("pm2 restart web", five(), {0, 1, 2, 3, 4}).ids() == V{"process-count-abort"});
  CHECK(Fixture("pm2 restart web", five(), {0, 1, 2, 3}).ids().empty());
  Fixture few("pm2 restart web", {lp(0, "a"), lp(1, "b"), lp(2, "c")}, {0, 1, 2});
  CHECK(few.ids().empty());  // 3 processes: not more than the default 3
  few.f.max_processes = 2;
  CHECK(few.ids() == V{"process-count-abort"});
  // Modules do not count.
  std::vector<LiveProcess> with_module = five();
  with_module.push_back(lp(9, "pm2-logrotate", "default", "", "", true));
  CHECK(Fixture("pm2 stop x", with_module, {0, 1, 2, 3, 4}).ids() == V{"process-count-abort"});
}

namespace {

// One repository's four apps, the whole daemon.
std::vector<LiveProcess> own_four(const std::string& owner) {
  return {lp(0, "api", "default", owner), lp(1, "worker", "default", owner), lp(2, "cron", "default", owner),
          lp(3, "mailer", "default", owner)};
}

}  // namespace

TEST_CASE("process-count-abort: the caller's own processes are not the accident", "[runtime]") {
  SECTION("every process started by the caller's repository") {
    Fixture fx("pm2 restart api worker cron mailer", own_four("acme/web"), {0, 1, 2, 3});
    CHECK(fx.ids() == V{"process-count-abort"});  // outside CI: nothing is provably the caller's
    fx.f.caller_repository = "acme/web";
    CHECK(fx.ids().empty());
    fx.f.ownership = false;  // the policy does not use the recorded repositories
    CHECK(fx.ids() == V{"process-count-abort"});
  }
  SECTION("one process that is not the caller's keeps the abort, and the message names it") {
    std::vector<LiveProcess> procs = own_four("acme/web");
    procs.push_back(lp(4, "legacy"));
    Fixture fx("pm2 restart /./", procs, {0, 1, 2, 3, 4});
    fx.f.caller_repository = "acme/web";
    std::vector<Finding> found = check_runtime(fx.f);
    REQUIRE(found.size() == 1);
    CHECK(found[0].rule == "process-count-abort");
    CHECK(found[0].message.find("5 processes of 5 applications (more than 3), 1 of them not provably yours: "
                                "legacy (id 4)") != std::string::npos);
  }
  SECTION("the caller's scope owns them") {
    Fixture fx("pm2 restart api worker cron mailer", own_four(""), {0, 1, 2, 3});
    fx.f.scope_applies = true;
    fx.f.in_scope = [](const LiveProcess& p) { return p.name != "mailer"; };
    CHECK(fx.ids() == V{"process-count-abort", "outside-scope"});
    fx.f.in_scope = [](const LiveProcess&) { return true; };
    CHECK(fx.ids().empty());
  }
  SECTION("a list of every name is no proof: xargs over an unfiltered listing looks the same") {
    CHECK(Fixture("pm2 delete flyer-api flyer-worker flyer-api-test stock-alert-api billing-api", five(),
                  {0, 1, 2, 3, 4})
              .ids() == V{"process-count-abort"});
  }
}

TEST_CASE("process-count-abort: instances of one app count once", "[runtime]") {
  std::vector<LiveProcess> cluster;
  for (int i = 0; i < 4; ++i) cluster.push_back(lp(i, "api"));
  CHECK(Fixture("pm2 reload api", cluster, {0, 1, 2, 3}).ids().empty());
  // The same name in another namespace, or with another script, is another app.
  std::vector<LiveProcess> mixed = cluster;
  mixed[3] = lp(3, "api", "other");
  Fixture two("pm2 reload api", mixed, {0, 1, 2, 3});
  CHECK(two.ids().empty());  // two applications: not more than 3
  two.f.max_processes = 1;
  CHECK(two.ids() == V{"process-count-abort"});
  std::vector<LiveProcess> five_webs;
  for (int i = 0; i < 5; ++i) five_webs.push_back(lp(i, "web", "default", "", "/srv/app" + std::to_string(i) + ".js"));
  CHECK(Fixture("pm2 restart web", five_webs, {0, 1, 2, 3, 4}).ids() == V{"process-count-abort"});
}

TEST_CASE("process-count-abort: scaling up hits nothing, scaling down may", "[runtime]") {
  std::vector<LiveProcess> cluster;
  for (int i = 0; i < 4; ++i) cluster.push_back(lp(i, "api", "default", "", "/srv/app" + std::to_string(i) + ".js"));
  // Four processes named api of four scripts: four applications.
  for (const char* up : {"pm2 scale api 8", "pm2 scale api +1", "pm2 scale api 4", "pm2 scale api x"})
    CHECK(Fixture(up, cluster, {0, 1, 2, 3}).ids().empty());
  for (const char* down : {"pm2 scale api 2", "pm2 scale api 0", "pm2 scale api -- -1"}) {
    INFO(down);
    CHECK(Fixture(down, cluster, {0, 1, 2, 3}).ids() == V{"process-count-abort"});
  }
}

TEST_CASE("scale_only_adds reads the count as pm2's API.scale does", "[runtime]") {
  auto adds = [](const std::string& line, size_t n) {
    Invocation i = testing::inv(line);
    return scale_only_adds(i, parse_pm2_call(i), n);
  };
  CHECK(adds("pm2 scale api 8", 4));
  CHECK(adds("pm2 scale api 4", 4));  // "Nothing to do"
  CHECK(adds("pm2 scale api +2", 4));
  CHECK(adds("pm2 scale api 2+", 4));   // a '+' anywhere adds parseInt(n)
  CHECK(adds("pm2 scale api abc", 4));  // NaN: nothing to do
  CHECK(adds("pm2 scale api 12345678901", 4));
  CHECK_FALSE(adds("pm2 scale api 3", 4));
  CHECK_FALSE(adds("pm2 scale api 0", 4));
  CHECK_FALSE(adds("pm2 scale api ' 3'", 4));

  CHECK_FALSE(adds("pm2 scale api -- -1", 4));
  // JavaScript's parseInt skips a newline too; an unknown count is judged destructive.
  auto with_count = [](const Word& w) {
    Invocation i = testing::inv("pm2 scale api 99");
    for (Word& x : i.args)
      if (x.text == "99") x = w;
    return scale_only_adds(i, parse_pm2_call(i), 4);
  };
  CHECK_FALSE(with_count(Word::lit("\n3", SourceRange{})));
  CHECK_FALSE(with_count(Word::dynamic("$N", Origin::Variable, SourceRange{})));
  CHECK(with_count(Word::lit("99", SourceRange{})));
  CHECK_FALSE(adds("pm2 restart api", 4));
}

TEST_CASE("process-count-abort: a config file's --only that names each app", "[runtime]") {
  std::vector<LiveProcess> procs = {lp(0, "api"), lp(1, "worker"), lp(2, "cron"), lp(3, "mailer")};
  CHECK(Fixture("pm2 startOrReload eco.json --only api,worker,cron,mailer", procs, {0, 1, 2, 3}).ids().empty());
  CHECK(Fixture("pm2 startOrReload eco.json", procs, {0, 1, 2, 3}).ids() == V{"process-count-abort"});
  CHECK(Fixture("pm2 restart api worker cron mailer --only api,worker,cron,mailer", procs, {0, 1, 2, 3}).ids() ==
        V{"process-count-abort"});  // --only means something for config files only
  // A name of two applications is the collision the layer exists for.
  procs.push_back(lp(4, "api", "other"));
  CHECK(Fixture("pm2 startOrReload eco.json --only api,worker,cron,mailer", procs, {0, 1, 2, 3, 4}).ids() ==
        V{"process-count-abort"});
}

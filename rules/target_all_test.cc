#include <catch2/catch.hpp>

#include "test_support.h"

using pm2guard::testing::fires;

TEST_CASE("target-all fires on destructive commands aimed at all", "[rule][target-all]") {
  for (const char* line : {"pm2 delete all", "pm2 del all", "pm2 stop all", "pm2 restart all", "pm2 reload all",
                           "pm2 delete 'all'", "pm2 delete \"all\"", "pm2 start all", "pm2 set all:foo bar",
                           "pm2 config all:foo bar", "pm2 multiset 'all:foo bar'", "pm2 sendSignal SIGTERM all",
                           "pm2 delete api all", "pm2 stop api -- all", "pm2 -s stop all", "pm2 restart all --update-env",
                           "pm2 stop all --namespace other", "pm2 set all.foo bar", "pm2 reset all",
                           "pm2 trigger all myaction", "pm2 inspect all", "pm2 multiset 'web:x 1 all:y 2'"}) {
    INFO(line);
    CHECK(fires("target-all", line));
  }
}

TEST_CASE("target-all stays silent on look-alikes", "[rule][target-all]") {
  for (const char* line : {"pm2 delete allocation-service", "pm2 describe all", "pm2 delete api",
                           "pm2 stop -n all api", "pm2 delete all -v", "pm2 delete all --help", "pm2 restart api -- all",
                           "pm2 start app.js --name all", "pm2 logs all", "pm2 flush all", "pm2 scale all 2",
                           "pm2 set pm2:all 1", "pm2 conf all:x y", "pm2 start app.js -- all", "pm2 reload api all",
                           "pm2 send all line", "pm2 uninstall all", "pm2 multiset 'web:all 1'",
                           "pm2 delete alls"}) {
    INFO(line);
    CHECK_FALSE(fires("target-all", line));
  }
}

TEST_CASE("target-all fires on a dynamic target that may be all", "[rule][target-all]") {
  using pm2guard::testing::check_invocation_of;
  for (const char* line : {"pm2 delete $APP?web?all", "pm2 restart $T?all", "pm2 set $K?all:x?web:x v",
                           "pm2 sendSignal SIGINT $T?all", "pm2 start $T?all"}) {
    INFO(line);
    CHECK(fires("target-all", line));
    CHECK_FALSE(fires("dynamic-target", line));
  }
  auto findings = check_invocation_of("pm2 delete $APP?web?all");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].message.find("(`$APP` may be `all`)") != std::string::npos);
}

TEST_CASE("target-all stays silent when no possible value is all", "[rule][target-all]") {
  for (const char* line : {"pm2 delete $APP?web?api", "pm2 describe $T?all", "pm2 set $K?web:x v",
                           "pm2 delete $T?alls"}) {
    INFO(line);
    CHECK_FALSE(fires("target-all", line));
  }
  CHECK(fires("dynamic-target", "pm2 delete $APP?web?api"));
}

TEST_CASE("thousands of targets in one argv: one finding each, with a bounded message", "[rule][target-all]") {
  std::string line = "pm2 delete";
  for (int i = 0; i < 4000; ++i) line += " all";
  auto findings = pm2guard::testing::check_invocation_of(line);
  REQUIRE(findings.size() == 4000);
  for (const auto& f : {findings.front(), findings.back()}) {
    CHECK(f.rule == "target-all");
    CHECK(f.message.size() < 700);
    CHECK(f.message.find("(3954 more words)") != std::string::npos);
  }
}

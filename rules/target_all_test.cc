#include <catch2/catch.hpp>

#include "test_support.h"

using pm2guard::testing::fires;

TEST_CASE("target-all fires on destructive commands aimed at all", "[rule][target-all]") {
  for (const char* line : {"pm2 delete all", "pm2 del all", "pm2 stop all", "pm2 restart all", "pm2 reload all",
                           "pm2 delete 'all'", "pm2 delete \"all\"", "pm2 start all", "pm2 set all:foo bar",
                           "pm2 config all:foo bar", "pm2 multiset 'all:foo bar'", "pm2 sendSignal SIGTERM all",
                           "pm2 delete api all", "pm2 stop api -- all", "pm2 -s stop all", "pm2 restart all --update-env",
                           "pm2 stop all --namespace other", "pm2 set all.foo bar"}) {
    INFO(line);
    CHECK(fires("target-all", line));
  }
}

TEST_CASE("target-all stays silent on look-alikes", "[rule][target-all]") {
  for (const char* line : {"pm2 delete allocation-service", "pm2 reset all", "pm2 describe all", "pm2 delete api",
                           "pm2 stop -n all api", "pm2 delete all -v", "pm2 delete all --help", "pm2 restart api -- all",
                           "pm2 start app.js --name all", "pm2 logs all", "pm2 flush all", "pm2 scale all 2",
                           "pm2 set pm2:all 1", "pm2 conf all:x y", "pm2 start app.js -- all", "pm2 reload api all",
                           "pm2 trigger all myaction", "pm2 delete alls"}) {
    INFO(line);
    CHECK_FALSE(fires("target-all", line));
  }
}

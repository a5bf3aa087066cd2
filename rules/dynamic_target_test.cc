#include <catch2/catch.hpp>

#include "test_support.h"

using pm2guard::testing::fires;

TEST_CASE("dynamic-target warns on run-time targets", "[rule][dynamic-target]") {
  for (const char* line : {"pm2 delete $APP", "pm2 restart ${APP}", "pm2 stop api $OTHER", "pm2 $CMD api",
                           "pm2 reload $X", "pm2 start $APP", "pm2 delete al$X", "pm2 delete /$X/"}) {
    INFO(line);
    CHECK(fires("dynamic-target", line));
  }
}

TEST_CASE("dynamic-target stays silent on constrained or harmless dynamic words", "[rule][dynamic-target]") {
  for (const char* line : {"pm2 delete $APP-worker", "pm2 delete web-$ENV", "pm2 start $DIR/server.js",
                           "pm2 start $DIR/ecosystem.config.js", "pm2 logs $APP", "pm2 describe $APP",
                           "pm2 delete <filtered>", "pm2 delete <listing>", "pm2 start app.js --name $APP",
                           "pm2 delete $APP -v"}) {
    INFO(line);
    CHECK_FALSE(fires("dynamic-target", line));
  }
}

TEST_CASE("dynamic-target warns on a listing passed through an unknown stage", "[rule][dynamic-target]") {
  CHECK(fires("dynamic-target", "pm2 delete <unknown-listing>"));
  CHECK(fires("dynamic-target", "pm2 stop <unknown-listing>"));
  CHECK_FALSE(fires("unfiltered-listing-target", "pm2 delete <unknown-listing>"));
  CHECK_FALSE(fires("dynamic-target", "pm2 describe <unknown-listing>"));
}

TEST_CASE("dynamic-target: a variable with every value known and none all", "[rule][dynamic-target]") {
  using pm2guard::testing::fires;
  CHECK_FALSE(fires("dynamic-target", "pm2 delete $APP!api!web"));
  CHECK(fires("dynamic-target", "pm2 delete $APP?api?web"));
  CHECK(fires("target-all", "pm2 delete $APP!api!all"));
  CHECK_FALSE(fires("dynamic-target", "pm2 delete $APP!api!all"));
}

#include <catch2/catch.hpp>

#include "test_support.h"

using pm2guard::testing::fires;

TEST_CASE("daemon-teardown fires on commands that take the daemon down", "[rule][daemon-teardown]") {
  for (const char* line : {"pm2 kill", "pm2 update", "pm2 updatePM2", "pm2 deepUpdate", "pm2 unstartup",
                           "pm2 unstartup systemd", "pm2 --no-color kill", "pm2 kill --force", "pm2 kill now"}) {
    INFO(line);
    CHECK(fires("daemon-teardown", line));
  }
}

TEST_CASE("daemon-teardown stays silent otherwise", "[rule][daemon-teardown]") {
  for (const char* line : {"pm2 kill -v", "pm2 kill --help", "pm2 startup", "pm2 save", "pm2 delete kill",
                           "pm2 logs kill", "pm2 resurrect", "pm2 describe update"}) {
    INFO(line);
    CHECK_FALSE(fires("daemon-teardown", line));
  }
}

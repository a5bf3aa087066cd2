#include <catch2/catch.hpp>

#include "test_support.h"

using pm2guard::testing::fires;

TEST_CASE("unfiltered-listing-target fires on listing-derived targets", "[rule][unfiltered-listing-target]") {
  for (const char* line : {"pm2 delete <listing>", "pm2 stop <listing>", "pm2 restart <listing>",
                           "pm2 delete api <listing>"}) {
    INFO(line);
    CHECK(fires("unfiltered-listing-target", line));
  }
}

TEST_CASE("unfiltered-listing-target stays silent on filtered lists", "[rule][unfiltered-listing-target]") {
  for (const char* line : {"pm2 delete <filtered>", "pm2 describe <listing>", "pm2 delete api", "pm2 delete $APP",
                           "pm2 logs <listing>"}) {
    INFO(line);
    CHECK_FALSE(fires("unfiltered-listing-target", line));
  }
}

#include <catch2/catch.hpp>

#include "test_support.h"

using pm2guard::testing::fires;

TEST_CASE("regex-matches-all fires on match-everything regexes", "[rule][regex-matches-all]") {
  for (const char* line : {"pm2 stop /", "pm2 stop //", "pm2 delete /.*/", "pm2 delete /*/", "pm2 restart /^/",
                           "pm2 reload /.+/", "pm2 delete '/(.*)/'", "pm2 delete api /.*/", "pm2 set /.*/:k v",
                           "pm2 delete /a|/"}) {
    INFO(line);
    CHECK(fires("regex-matches-all", line));
  }
}

TEST_CASE("regex-matches-all stays silent on narrow regexes and paths", "[rule][regex-matches-all]") {
  for (const char* line : {"pm2 delete /^web-/", "pm2 stop /srv/app/index.js", "pm2 stop /flyer/", "pm2 stop /flyer/i",
                           "pm2 start /.*/", "pm2 describe /.*/", "pm2 sendSignal SIGINT /.*/", "pm2 delete /(/",
                           "pm2 reset /.*/"}) {
    INFO(line);
    CHECK_FALSE(fires("regex-matches-all", line));
  }
}

TEST_CASE("regex-matches-all fires on a dynamic target that may be a match-all regex", "[rule][regex-matches-all]") {
  using pm2guard::testing::fires;
  CHECK(fires("regex-matches-all", "pm2 delete $APP?web?/.*/"));
  CHECK_FALSE(fires("dynamic-target", "pm2 delete $APP?web?/.*/"));
  CHECK_FALSE(fires("regex-matches-all", "pm2 delete $APP?web?/^web-/"));
  CHECK(fires("dynamic-target", "pm2 delete $APP?web?/^web-/"));
}

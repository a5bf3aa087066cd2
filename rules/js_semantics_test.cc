#include "js_semantics.h"

#include <catch2/catch.hpp>

using namespace pm2guard;

TEST_CASE("js_is_nan follows Number() string parsing", "[js]") {
  for (const char* num : {"0", "3", " 0", "0 ", "", "  ", "0x1f", "0X1F", "0b1", "0o7", "1e3", "-1", "+1", "1.5", ".5",
                          "5.", "Infinity", "-Infinity", "\t42\n"})
    CHECK_FALSE(js_is_nan(num));
  for (const char* nan : {"0,1", "1_000", "12abc", "abc", "all", "0x", "0xg", "-0x1", "1e", "e3", ".", "+", "infinity",
                          "/x/", "web-1", "0b2"})
    CHECK(js_is_nan(nan));
}

TEST_CASE("js_parse_int_is_nan follows parseInt", "[js]") {
  CHECK_FALSE(js_parse_int_is_nan("1abc"));
  CHECK_FALSE(js_parse_int_is_nan(" 12"));
  CHECK_FALSE(js_parse_int_is_nan("-3"));
  CHECK_FALSE(js_parse_int_is_nan("0x1f"));
  CHECK(js_parse_int_is_nan("abc"));
  CHECK(js_parse_int_is_nan(""));
  CHECK(js_parse_int_is_nan("all"));
  CHECK(js_parse_int_is_nan("0x"));
}

TEST_CASE("pm2 regex targets start and end with a slash and are not numbers", "[js]") {
  CHECK(pm2_is_regex_target("/"));
  CHECK(pm2_is_regex_target("//"));
  CHECK(pm2_is_regex_target("/^web-/"));
  CHECK_FALSE(pm2_is_regex_target("/srv/app/index.js"));
  CHECK_FALSE(pm2_is_regex_target("/flyer/i"));
  CHECK_FALSE(pm2_is_regex_target("web"));
  CHECK(pm2_regex_source("/fl/yer/") == "flyer");
  CHECK(pm2_regex_source("//") == "");
}

TEST_CASE("regexes that match every name", "[js][regex]") {
  for (const char* src : {"", ".*", "^", "$", ".", ".+", "^.*$", "(.*)", "(?:)", "a|", "|a", "x?", "x*", "[^]",
                          "[\\s\\S]", "[\\w\\W]", "\\w", "\\S", "[^\\n]", "(a|b|)", "^.", ".$", "\\w*", "[a-z0-9A-Z]",
                          "(?=a)?", "^(web)?", ".{1,}", "x{0}", "x{0,3}", "^.+$", "^(.*)$", "^[\\s\\S]*$", "^.*", "(.?)+$", "(?=)", "(?!x)",
                          "(?<=)", "(?<!x)", "\\b", "\\B|\\b", "(?=.*)", "(?!.)"}) {
    INFO(src);
    RegexVerdict v = analyse_js_regex(src);
    CHECK(v.valid);
    CHECK(v.matches_everything);
  }
}

TEST_CASE("regexes that do not match every name", "[js][regex]") {
  for (const char* src : {"^web-", "web", "^flyer-crawler-api$", "^$", "..", "\\d", "[a-z]", "[^x]", "\\bweb",
                          "(?=web)", "x+", "^.$", "x{1}", ".{2,}", "api|worker", "(?!a)b", "^.{2,}$", "^.*-test$", ".*-api", "^.{0,100}$",
                          "\\B", "(?!)", "(?=x)", "\\bweb"}) {
    INFO(src);
    RegexVerdict v = analyse_js_regex(src);
    CHECK(v.valid);
    CHECK_FALSE(v.matches_everything);
  }
}

TEST_CASE("invalid regexes are reported as JavaScript would", "[js][regex]") {
  for (const char* src : {"*", "+a", "a**", "(", ")", "[a", "a{2,1}", "(?x)", "\\", "[z-a]", "^*", "{2}"}) {
    INFO(src);
    CHECK_FALSE(analyse_js_regex(src).valid);
  }
  // Web-compatible JavaScript accepts these.
  for (const char* src : {"{", "a{", "}", "]", "a{x}", "(?=a)*", "[\\d-z]"}) {
    INFO(src);
    CHECK(analyse_js_regex(src).valid);
  }
  CHECK(analyse_js_regex("*").glob_everything);
  CHECK(analyse_js_regex("**").glob_everything);
  CHECK_FALSE(analyse_js_regex("(").glob_everything);
}

TEST_CASE("constructs outside the model are flagged approximate", "[js][regex]") {
  CHECK(analyse_js_regex("(?<=a)b").approximate);
  CHECK(analyse_js_regex("(?<n>a)\\k<n>").approximate);
  CHECK_FALSE(analyse_js_regex("^web-").approximate);
}

TEST_CASE("regexes nested past the analyser's depth are approximate, never a stack overflow", "[js]") {
  std::string deep = std::string(200000, '(') + "a" + std::string(200000, ')');
  pm2guard::RegexVerdict v = pm2guard::analyse_js_regex(deep);
  CHECK(v.valid);
  CHECK(v.approximate);
  CHECK_FALSE(v.matches_everything);
  std::string fine = std::string(50, '(') + "a" + std::string(50, ')');
  CHECK_FALSE(pm2guard::analyse_js_regex(fine).approximate);
}

#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "rule.h"
#include "test_support.h"

using namespace pm2guard;

TEST_CASE("every rule has a stable kebab-case id and a complete doc", "[registry]") {
  std::set<std::string_view> ids;
  const std::regex kebab("^[a-z][a-z0-9]*(-[a-z0-9]+)+$");
  for (const Rule* r : all_rules()) {
    INFO(r->id);
    CHECK(std::regex_match(std::string(r->id), kebab));
    CHECK(ids.insert(r->id).second);
    CHECK_FALSE(r->doc.summary.empty());
    CHECK_FALSE(r->doc.what.empty());
    CHECK_FALSE(r->doc.why.empty());
    CHECK_FALSE(r->doc.example.empty());
    CHECK_FALSE(r->doc.instead.empty());
    CHECK(find_rule(r->id) == r);
  }
  CHECK(find_rule("no-such-rule") == nullptr);
}

TEST_CASE("findings point at the offending word and say what to do instead", "[registry]") {
  auto findings = check_invocation(testing::inv("pm2 stop api all"));
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule == "target-all");
  CHECK(findings[0].severity == Severity::Error);
  CHECK(findings[0].arg == 2);
  CHECK(findings[0].range.col == 3);
  CHECK(findings[0].message.find("--only") != std::string::npos);
}

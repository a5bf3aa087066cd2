// Target resolution on the process table of pm2-semantics.md's experiments.
#include "resolve.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace pm2guard;
using namespace pm2guard::shim;

namespace {

std::vector<ProcessInfo> table() {
  auto p = [](int id, const char* name, const char* ns, const char* path = "") {
    ProcessInfo x;
    x.pm_id = id;
    x.name = name;
    x.ns = ns;
    x.status = "online";
    x.exec_path = path;
    return x;
  };
  std::vector<ProcessInfo> t = {p(0, "flyer-crawler-api", "default", "/srv/flyer/api.js"),
                                p(1, "flyer-crawler-worker", "default"),
                                p(2, "flyer-crawler-api-test", "default"),
                                p(3, "stock-alert-api", "default"),
                                p(4, "billing-api", "other"),
                                p(7, "flyer-crawler-api", "other"),
                                p(8, "logs", "default"),
                                p(9, "3", "0")};
  ProcessInfo mod = p(10, "pm2-logrotate", "default");
  mod.is_module = true;
  t.push_back(mod);
  return t;
}

std::vector<int> resolve(const std::string& line, const ConfigLoader& cfg = {}, bool* certain = nullptr) {
  static const std::vector<ProcessInfo> procs = table();
  Invocation inv = pm2guard::testing::inv(line);
  ResolveInput in;
  in.processes = &procs;
  in.cwd = "/srv/flyer";
  in.load_config = cfg;
  Resolution r = resolve_targets(parse_pm2_call(inv), in);
  if (certain) *certain = r.certain;
  return r.ids;
}

using V = std::vector<int>;

}  // namespace

TEST_CASE("all, regex, name, namespace and id resolve as pm2 7 does", "[resolve]") {
  CHECK(resolve("pm2 stop all") == V{0, 1, 2, 3, 4, 7, 8, 9});                  // modules excluded
  CHECK(resolve("pm2 stop all --namespace other") == V{0, 1, 2, 3, 4, 7, 8, 9});  // --namespace does not narrow
  CHECK(resolve("pm2 stop /flyer/") == V{0, 1, 2, 7});
  CHECK(resolve("pm2 stop /") == V{0, 1, 2, 3, 4, 7, 8, 9, 10});               // regexes include modules
  CHECK(resolve("pm2 stop '/^flyer-crawler-api$/'") == V{0, 7});
  CHECK(resolve("pm2 stop /fl/yer/") == V{0, 1, 2, 7});
  CHECK(resolve("pm2 stop /flyer/i").empty());                                  // flags: a name, not found
  CHECK(resolve("pm2 stop flyer-crawler-api") == V{0, 7});                       // every namespace
  CHECK(resolve("pm2 stop other") == V{4, 7});                                   // no app named other: the namespace
  CHECK(resolve("pm2 stop api.js") == V{0});                                     // script path from the cwd
  CHECK(resolve("pm2 stop log") == V{8});                                        // log -> logs
  CHECK(resolve("pm2 stop 3") == V{9});                                          // numeric: name first
  CHECK(resolve("pm2 stop 0") == V{9});                                          // then namespace `0`
  CHECK(resolve("pm2 stop 4") == V{4});                                          // then the id
  CHECK(resolve("pm2 stop 01").empty());
  CHECK(resolve("pm2 restart 0,1").empty());
  CHECK(resolve("pm2 restart flyer-crawler-worker -- stock-alert-api") == V{1});  // restart drops args after --
  CHECK(resolve("pm2 delete flyer-crawler-worker -- stock-alert-api") == V{1, 3});
  CHECK(resolve("pm2 reload stock-alert-api all") == V{3});                      // extra args ignored
}

TEST_CASE("start restarts what already runs and starts the rest", "[resolve]") {
  CHECK(resolve("pm2 start all") == V{0, 1, 2, 3, 4, 7, 8, 9});
  CHECK(resolve("pm2 start stock-alert-api") == V{3});
  CHECK(resolve("pm2 start other") == V{4, 7});
  CHECK(resolve("pm2 start new-app.js").empty());
  CHECK(resolve("pm2 start 4") == V{4});
}

TEST_CASE("hidden restarts and signals", "[resolve]") {
  CHECK(resolve("pm2 set all:foo bar") == V{0, 1, 2, 3, 4, 7, 8, 9});
  CHECK(resolve("pm2 multiset 'other:x 1'") == V{4, 7});
  CHECK(resolve("pm2 sendSignal SIGTERM all") == V{0, 1, 2, 3, 4, 7, 8, 9, 10});
  CHECK(resolve("pm2 sendSignal SIGTERM billing-api") == V{4});
  CHECK(resolve("pm2 kill") == V{0, 1, 2, 3, 4, 7, 8, 9, 10});
  CHECK(resolve("pm2 scale billing-api 0") == V{4});
}

TEST_CASE("config files: stop/delete by name, restart/start through _startJson with --only", "[resolve]") {
  ConfigLoader cfg = [](const std::string&, bool, std::string&) -> std::optional<ConfigApps> {
    return ConfigApps{{"flyer-crawler-api", "flyer-crawler-worker", "not-running"}};
  };
  CHECK(resolve("pm2 delete ecosystem.config.js", cfg) == V{0, 7, 1});
  CHECK(resolve("pm2 delete ecosystem.config.js --only flyer-crawler-worker", cfg) == V{1});
  CHECK(resolve("pm2 delete ecosystem.config.js --only flyer-crawler-api,flyer-crawler-worker", cfg).empty());
  CHECK(resolve("pm2 restart ecosystem.config.js --only flyer-crawler-api,flyer-crawler-worker", cfg) == V{0, 7, 1});
  CHECK(resolve("pm2 start", cfg) == V{0, 7, 1});  // ecosystem.config.js by default
  ConfigLoader broken = [](const std::string&, bool, std::string& err) -> std::optional<ConfigApps> {
    err = "node could not evaluate it";
    return std::nullopt;
  };
  bool certain = true;
  resolve("pm2 delete ecosystem.config.js", broken, &certain);
  CHECK_FALSE(certain);
}

TEST_CASE("regexes JavaScript reads differently are not guessed", "[resolve]") {
  bool certain = true;
  CHECK(resolve("pm2 stop /(?<=f)lyer/", {}, &certain).size() == 9);  // assumes the worst
  CHECK_FALSE(certain);
  CHECK(js_regex_test("^web-", "web-api") == true);
  CHECK(js_regex_test("^web-", "api-web") == false);
  CHECK_FALSE(js_regex_test("(?<n>x)", "x").has_value());
}

TEST_CASE("non-ASCII text is judged only where bytes and UTF-16 units agree", "[resolve]") {
  // JavaScript: /^.$/.test("é") is true (one code unit); bytes would say false.
  CHECK_FALSE(js_regex_test("^.$", "\xC3\xA9").has_value());
  CHECK_FALSE(js_regex_test("^[^a]$", "\xC3\xA9").has_value());
  CHECK_FALSE(js_regex_test("\\u00e9", "caf\xC3\xA9").has_value());
  CHECK_FALSE(js_regex_test("caf\xC3\xA9", "caf\xC3\xA9").has_value());  // a non-ASCII pattern
  // Literal ASCII parts and anchors read the same either way.
  CHECK(js_regex_test("^web-", "web-caf\xC3\xA9") == true);
  CHECK(js_regex_test("^api", "web-caf\xC3\xA9") == false);
  CHECK(js_regex_test("^.$", "x") == true);
}

TEST_CASE("path.resolve", "[resolve]") {
  CHECK(js_path_resolve("/srv/app", "index.js") == "/srv/app/index.js");
  CHECK(js_path_resolve("/srv/app", "./x/../y.js") == "/srv/app/y.js");
  CHECK(js_path_resolve("/srv/app", "/abs/z.js") == "/abs/z.js");
  CHECK(js_path_resolve("/", "..") == "/");
}

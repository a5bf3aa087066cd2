// Target resolution on the process table of pm2-semantics.md's experiments.
#include "resolve.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace pm2guard;
using namespace pm2guard::shim;

namespace {

ConfigApps config_apps(std::vector<std::string> names, std::vector<ConfigAppFlags> flags) {
  ConfigApps a;
  a.names = std::move(names);
  a.flags = std::move(flags);
  return a;
}

}  // namespace

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
    return config_apps({"flyer-crawler-api", "flyer-crawler-worker", "not-running"}, {});
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

namespace {

struct Case {
  std::vector<ProcessInfo> procs;
  ConfigLoader cfg;
  StdinLoader in;
  std::optional<std::string> daemon_cwd;
  Resolution run(const std::string& line) const {
    ResolveInput input;
    input.processes = &procs;
    input.cwd = "/srv/flyer";
    input.load_config = cfg;
    input.load_stdin = in;
    input.daemon_cwd = daemon_cwd;
    return resolve_targets(parse_pm2_call(pm2guard::testing::inv(line)), input);
  }
  std::vector<int> ids(const std::string& line) const { return run(line).ids; }
};

ProcessInfo proc(int id, const char* name, const char* ns, const char* path, const char* status = "online") {
  ProcessInfo x;
  x.pm_id = id;
  x.name = name;
  x.ns = ns;
  x.status = status;
  x.exec_path = path;
  return x;
}

}  // namespace

TEST_CASE("_startJson appends -<env> to append_env_to_name apps after --only, and reads static entries",
          "[resolve]") {
  Case c;
  c.procs = {proc(0, "stock", "default", "/srv/stock/a.js"), proc(1, "stock-api", "default", "/srv/stock/a.js"),
             proc(2, "stock-api", "other", "/srv/stock/a.js"), proc(3, "static-page-server-8080", "default", "/x.js"),
             proc(4, "docs", "default", "/y.js"), proc(5, "5", "default", "/z.js")};
  ConfigAppFlags append;
  append.append_env_to_name = true;
  ConfigAppFlags stat;
  stat.is_static = true;
  ConfigAppFlags number_name;
  number_name.name_is_string = false;
  c.cfg = [&](const std::string&, bool start_json, std::string&) -> std::optional<ConfigApps> {
    if (!start_json) return config_apps({"stock"}, {});
    return config_apps({"stock", "static-page-server-8080", "docs", "5"}, {append, stat, stat, number_name});
  };
  CHECK(c.ids("pm2 startOrRestart eco.config.js --env api") == V{1, 2, 3, 4});
  CHECK(c.ids("pm2 restart eco.config.js --env api --only stock") == V{1, 2});
  CHECK(c.ids("pm2 reload eco.config.js --env api --only stock-api").empty());  // --only sees the name before -api
  CHECK(c.ids("pm2 startOrReload eco.config.js") == V{0, 3, 4});                // no --env: the name as written
  CHECK(c.ids("pm2 start eco.config.js --only static-page-server-8080") == V{3});
  CHECK(c.ids("pm2 restart eco.config.js --only 5").empty());  // a number never equals a name for _startJson
  // stop and delete (actionFromJson) know neither.
  CHECK(c.ids("pm2 stop eco.config.js --env api") == V{0});
}

TEST_CASE("start <script>: the last process with that script and name decides, a stopped one restarts the name",
          "[resolve]") {
  Case c;
  c.procs = {proc(0, "dup", "default", "/srv/flyer/idle.js"), proc(1, "dup", "jobs", "/srv/flyer/idle.js", "stopped"),
             proc(2, "dup", "other", "/srv/other.js"), proc(3, "idle", "default", "/srv/flyer/idle.js")};
  CHECK(c.ids("pm2 start idle.js --name dup") == V{0, 1, 2});  // _operate('restartProcessId', 'dup')
  CHECK(c.ids("pm2 start ./idle.js -n dup") == V{0, 1, 2});
  CHECK(c.ids("pm2 start idle.js").empty());                   // `idle` runs: "Script already launched"
  CHECK(c.ids("pm2 start idle.js -f").empty());                // -f starts another one
  CHECK(c.ids("pm2 start other.js --name dup").empty());       // another path: a new process
  std::swap(c.procs[0], c.procs[1]);                           // the last match runs: nothing is restarted
  CHECK(c.ids("pm2 start idle.js --name dup").empty());
  CHECK(c.ids("pm2 start dup") == V{1, 0, 2});                 // a name: restartExistingProcessName
}

TEST_CASE("stdin documents: restart/stop/delete - use actionFromJson, start - uses _startJson", "[resolve]") {
  Case c;
  c.procs = {proc(0, "web-api", "default", "/srv/flyer/idle.js"), proc(1, "web-worker", "default", "/srv/flyer/idle.js"),
             proc(2, "jobs-a", "jobs", "/srv/j.js")};
  bool asked_start = false;
  c.in = [&](bool start_json, std::string&) -> std::optional<ConfigApps> {
    asked_start = start_json;
    return config_apps({"web-api", "web-worker", "idle.js", "jobs"}, {});
  };
  // Exact --only, names and script paths (idle.js is every process's script), no namespace fallback.
  CHECK(c.ids("pm2 restart -") == V{0, 1});
  CHECK_FALSE(asked_start);
  CHECK(c.ids("pm2 restart - --only web-api,web-worker").empty());
  CHECK(c.ids("pm2 restart - --only web-worker") == V{1});
  CHECK(c.ids("pm2 stop - --only idle.js") == V{0, 1});
  CHECK(c.ids("pm2 delete -") == V{0, 1});
  CHECK(c.ids("pm2 start - --only web-api,web-worker") == V{0, 1});  // _startJson splits --only
  CHECK(asked_start);
  // `start x.js -` and `reload -` do not read stdin: '-' is a name there.
  Pm2Call start = parse_pm2_call(pm2guard::testing::inv("pm2 start x.js -"));
  REQUIRE(start.targets.size() == 2);
  CHECK(start.targets[1].form == TargetForm::Name);
  CHECK(parse_pm2_call(pm2guard::testing::inv("pm2 start -")).targets[0].form == TargetForm::Stdin);
  CHECK(parse_pm2_call(pm2guard::testing::inv("pm2 reload -")).targets[0].form == TargetForm::Name);
}

TEST_CASE("sendSignal resolves script paths against the daemon's cwd, or fails closed", "[resolve]") {
  Case c;
  c.procs = {proc(0, "api", "default", "/srv/app/server.js"), proc(1, "worker", "default", "/srv/app/lib/worker.js"),
             proc(2, "server.js", "default", "/elsewhere/x.js")};
  Resolution known_abs = c.run("pm2 sendSignal SIGUSR2 /srv/app/server.js");
  CHECK(known_abs.certain);
  CHECK(known_abs.ids == V{0});
  Resolution unknown = c.run("pm2 sendSignal SIGUSR2 server.js");  // the caller's cwd is /srv/flyer
  CHECK_FALSE(unknown.certain);
  CHECK(unknown.ids == V{0, 2});
  Resolution name_only = c.run("pm2 sendSignal SIGUSR2 worker");
  CHECK(name_only.certain);
  CHECK(name_only.ids == V{1});
  CHECK_FALSE(c.run("pm2 sendSignal SIGUSR2 ../x.js").certain);
  c.daemon_cwd = "/srv/app";
  Resolution known = c.run("pm2 sendSignal SIGUSR2 server.js");
  CHECK(known.certain);
  CHECK(known.ids == V{0, 2});
  CHECK(c.ids("pm2 sendSignal SIGUSR2 ./lib/worker.js") == V{1});
  c.daemon_cwd = "/";
  CHECK(c.ids("pm2 sendSignal SIGUSR2 server.js") == V{2});
}

TEST_CASE("regexes are tested with JavaScript's reading, not POSIX brackets", "[resolve]") {
  // JavaScript: [[:alpha:] is the class of '[', ':', 'a', 'l', 'p', 'h', then a literal ']'.
  CHECK(js_regex_test("[[:alpha:]]", "web") == false);
  CHECK(js_regex_test("[[:alpha:]]", "a]") == true);
  CHECK(js_regex_test("[[:alpha:]]", ":]") == true);
  CHECK(js_regex_test("[[.a.]]", "a") == false);
  CHECK(js_regex_test("[[=a=]]", "=]") == true);
  CHECK(js_regex_test("[^[]", "[") == false);
  CHECK(js_regex_test("[]", "a") == false);  // the empty class
  CHECK(js_regex_test("[^]", "a") == true);
  CHECK(js_regex_test("\\[x\\]", "[x]") == true);
  // What std::regex reads otherwise is not judged.
  CHECK_FALSE(js_regex_test("(a)?\\1b", "b").has_value());  // JavaScript: true
  CHECK_FALSE(js_regex_test("\\cA", "\x01").has_value());
  CHECK_FALSE(js_regex_test("[\\1]", "\x01").has_value());
  Case c;
  c.procs = {proc(0, "web", "default", "/a.js"), proc(1, "a]", "default", "/b.js")};
  Resolution r = c.run("pm2 stop '/[[:alpha:]]/'");
  CHECK(r.certain);
  CHECK(r.ids == V{1});
}

TEST_CASE("regexes std::regex could not evaluate safely are not judged", "[resolve]") {
  std::string long_name = "web-" + std::string(100000, 'a');
  CHECK_FALSE(js_regex_test("^web-.*$", long_name).has_value());  // would overflow the stack
  CHECK(js_regex_test("^web-", "web-api") == true);
  CHECK(js_regex_test("a+$", "web-api") == false);
  for (const char* bad : {"(a+)+$", "(a|aa)*b", "(x*)*", "(\\w+\\s?)+$", ".*.*.*.*x", "((ab)+c)+"}) {
    INFO(bad);
    CHECK_FALSE(js_regex_test(bad, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!").has_value());
  }
  for (const char* fine : {"^(web|api)-", "(ab)+", "^web-[a-z]+$", "-(test|staging)$"}) {
    INFO(fine);
    CHECK(js_regex_test(fine, "web-ab").has_value());
  }
}

TEST_CASE("a long name under a regex target fails closed instead of crashing", "[resolve]") {
  std::vector<ProcessInfo> procs(2);
  procs[0].pm_id = 0;
  procs[0].name = "web-" + std::string(30000, 'a');
  procs[1].pm_id = 1;
  procs[1].name = "web-api";
  ResolveInput in;
  in.processes = &procs;
  Resolution r = resolve_targets(parse_pm2_call(invocation_from_argv({"pm2", "restart", "/^web-.*$/"})), in);
  CHECK_FALSE(r.certain);
}

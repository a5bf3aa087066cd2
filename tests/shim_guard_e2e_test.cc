// The pm2 shim against a real pm2 7.0.4 daemon in a private PM2_HOME: what
// other tenants put in names and environments never reaches the caller's
// CI log raw, a repository's normal deploy on a daemon it owns goes
// through, layer 5 notices restarts of processes that were not targets, and
// the commands that rewrite the dump or truncate every log are audited.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit_records.h"
#include "pm2_sandbox.h"
#include "run.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace pm2guard::testing;

namespace {

const std::string kShimDir = fs::path(PM2GUARD_SHIM_TESTABLE).parent_path().string();
const std::string kRealDir = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin";

std::map<std::string, std::string> job(const std::string& repo) {
  return {{"GITHUB_ACTIONS", "true"}, {"GITHUB_REPOSITORY", repo}, {"GITHUB_RUN_ID", "7001"},
          {"GITHUB_RUN_ATTEMPT", "1"}, {"GITHUB_JOB", "deploy"},   {"GITHUB_REF", "refs/heads/main"}};
}

// The shim as built for tests, with a system policy of its own (no syslog).
struct Shim {
  const Pm2Sandbox& box;
  std::map<std::string, std::string> env;

  Shim(const Pm2Sandbox& b, const std::map<std::string, std::string>& ci) : box(b) {
    for (const std::string& kv : b.environment()) {
      size_t eq = kv.find('=');
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    env["PATH"] = kShimDir + ":" + kRealDir + ":" + env["PATH"];
    for (const auto& [k, v] : ci) env[k] = v;
    std::string quiet = b.dir() + "/quiet-system-policy.yml";
    std::ofstream(quiet) << "syslog: false\n";
    env["PM2GUARD_TEST_SYSTEM_POLICY"] = quiet;
  }
  RunResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), kShimDir + "/pm2");
    RunOptions o;
    o.env = env;
    o.cwd = box.dir();
    o.timeout_seconds = 30;
    return run(args, o);
  }
};

std::vector<json> audit_lines(const Pm2Sandbox& box) {
  return completed_audit_records(box.pm2_home() + "/pm2guard-audit.log");
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Nothing in stderr a CI log or a terminal would act on: no line that pm2guard
// did not start, no escape or other control byte.
void check_clean_stderr(const std::string& err) {
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    CHECK(line.rfind("pm2guard:", 0) == 0);
    for (char c : line) {
      unsigned char u = static_cast<unsigned char>(c);
      CHECK((u >= 0x20 && u != 0x7F));
    }
  }
}

std::string write_eco(const Pm2Sandbox& box, const std::string& file, const json& apps) {
  std::string path = box.dir() + "/" + file;
  std::ofstream(path) << json{{"apps", apps}}.dump(2);
  return path;
}

}  // namespace

TEST_CASE("other tenants' names and repositories reach stderr escaped", "[shim][e2e][guard]") {
  Pm2Sandbox box;
  const std::string evil_name = "bad\n::warning::x";
  const std::string evil_repo = "evil/x\n::error::pwned\x1B[2J\x1B]0;t\x07";
  // A process of another repository with a hostile name, one whose name is
  // fine but whose recorded repository is hostile, and a crash-looping one
  // (restarted by pm2 while the shim's command runs) with a hostile name.
  std::ofstream(box.dir() + "/crash.js") << "setTimeout(() => process.exit(1), 150);\n";
  write_eco(box, "tenants.json",
            json::array({{{"name", "flyer-crawler-api"}, {"script", box.idle_script()},
                          {"env", {{"GITHUB_REPOSITORY", "projectium/flyer-crawler"}}}},
                         {{"name", evil_name}, {"script", box.idle_script()}, {"env", {{"GITHUB_REPOSITORY", "evil/x"}}}},
                         {{"name", "plain"}, {"script", box.idle_script()}, {"env", {{"GITHUB_REPOSITORY", evil_repo}}}},
                         {{"name", "loop\n::error::y\x1B[31m"},
                          {"script", box.dir() + "/crash.js"},
                          {"restart_delay", 50},
                          {"max_restarts", 100000},
                          {"min_uptime", 100}}}));
  box.pm2_ok({"start", "tenants.json"});
  Shim pm2(box, job("projectium/flyer-crawler"));

  RunResult all = pm2({"delete", "all"});
  INFO(all.err);
  CHECK(all.code == 77);
  CHECK(has(all.err, "bad\\x0A::warning::x"));
  check_clean_stderr(all.err);

  RunResult foreign = pm2({"stop", "plain"});
  INFO(foreign.err);
  CHECK(foreign.code == 77);
  CHECK(has(foreign.err, "[foreign-process]"));
  CHECK(has(foreign.err, "evil/x\\x0A::error::pwned\\x1B[2J"));
  check_clean_stderr(foreign.err);

  RunResult argv = pm2({"delete", "plain", "x\n::error::argv\x1B[2J"});
  INFO(argv.err);
  CHECK(argv.code == 77);
  CHECK(has(argv.err, "x\\x0A::error::argv\\x1B[2J"));
  check_clean_stderr(argv.err);

  // Layer 5: the crash loop restarted while pm2 ran; its warning is escaped.
  RunResult ok = pm2({"restart", "flyer-crawler-api"});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK(has(ok.err, "pm2guard: warning: loop\\x0A::error::y\\x1B[31m"));
  CHECK(has(ok.err, "restart count"));
  std::istringstream in(ok.err);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    CHECK(line.rfind("::", 0) != 0);
    CHECK(line.find('\x1B') == std::string::npos);
  }
  std::vector<json> lines = audit_lines(box);
  REQUIRE_FALSE(lines.empty());
  CHECK_FALSE(lines.back()["verification"].empty());
}

TEST_CASE("a repository that owns the daemon deploys: reload and scale and startOrReload", "[shim][e2e][guard]") {
  Pm2Sandbox box;
  std::map<std::string, std::string> ci = job("acme/web");
  // Cluster mode; a reload waits for each new worker to listen, which the
  // idle script never does: a short listen timeout keeps the test fast.
  std::vector<std::string> env_start = {"start", box.idle_script(), "--name", "api", "-i", "4", "--listen-timeout", "200"};
  SECTION("four instances of the repository's app") {
    box.pm2_ok(env_start, ci);
    Shim pm2(box, ci);
    for (std::vector<std::string> args : {std::vector<std::string>{"reload", "api"},
                                          std::vector<std::string>{"scale", "api", "6"},
                                          std::vector<std::string>{"scale", "api", "+1"}}) {
      RunResult r = pm2(args);
      INFO(args[0] << " " << args.back() << ": " << r.err);
      CHECK(r.code == 0);
    }
    CHECK(box.jlist().size() == 7);
    CHECK(pm2({"delete", "all"}).code == 77);  // the spelling stays refused
  }
  SECTION("four instances started by hand: one application") {
    box.pm2_ok(env_start);
    Shim pm2(box, ci);
    RunResult r = pm2({"reload", "api"});
    INFO(r.err);
    CHECK(r.code == 0);
    // Split into single ids, the job completes nothing another team had.
    for (const char* id : {"0", "1", "2", "3"}) CHECK(pm2({"restart", id}).code == 0);
  }
  SECTION("the repository's four apps from its ecosystem file, and one that is not provably its") {
    json apps = json::array();
    for (const char* n : {"api", "worker", "cron", "mailer"}) apps.push_back({{"name", n}, {"script", box.idle_script()}});
    std::string eco = write_eco(box, "eco.json", apps);
    box.pm2_ok({"start", eco}, ci);
    Shim pm2(box, ci);
    RunResult r = pm2({"startOrReload", eco});
    INFO(r.err);
    CHECK(r.code == 0);
    box.start({Pm2App{"legacy", "default", {}}});
    // Every name, as `pm2 jlist | jq -r '.[].name' | xargs pm2 restart` gives them.
    RunResult every = pm2({"restart", "api", "worker", "cron", "mailer", "legacy"});
    INFO(every.err);
    CHECK(every.code == 77);
    CHECK(has(every.err, "[process-count-abort]"));
    CHECK(has(every.err, "1 of them not provably yours: legacy"));
  }
}

TEST_CASE("save and cleardump and flush are audited and save warns when the dump loses apps", "[shim][e2e][guard]") {
  Pm2Sandbox box;
  box.start({Pm2App{"web-api", "default", {}}, Pm2App{"billing-api", "default", {}}, Pm2App{"stock-api", "default", {}}});
  box.pm2_ok({"save"});
  box.pm2_ok({"delete", "stock-api"});
  Shim pm2(box, job("acme/web"));

  RunResult save = pm2({"save"});
  INFO(save.err);
  CHECK(save.code == 0);
  CHECK(has(save.err, "pm2guard: warning:"));
  CHECK(has(save.err, "(3 processes) with the 2 running now, without stock-api"));
  RunResult again = pm2({"save", "--force"});
  CHECK(again.code == 0);
  CHECK_FALSE(has(again.err, "warning"));  // nothing lost any more
  CHECK(pm2({"cleardump"}).code == 0);
  CHECK(pm2({"flush"}).code == 0);
  CHECK(pm2({"flush", "web-api"}).code == 0);  // one app's logs: judged by what it empties, and audited

  std::vector<json> lines = audit_lines(box);
  REQUIRE(lines.size() == 5);
  std::vector<std::string> commands;
  for (const json& l : lines) {
    CHECK(l["decision"] == "allow");
    CHECK(l["exit_code"] == 0);
    CHECK(l["before"].size() == 2);
    commands.push_back(l["argv"][1]);
  }
  CHECK(commands == std::vector<std::string>{"save", "save", "cleardump", "flush", "flush"});
  CHECK(has(lines[0]["message"].get<std::string>(), "stock-api"));
  REQUIRE(lines[4]["targets"].size() == 1);
  CHECK(lines[4]["targets"][0]["name"] == "web-api");
}

// The pm2 shim against a real pm2 daemon (pm2 7.0.4 from the npm lock) in a
// private PM2_HOME holding the apps of several repositories: the incident
// and its cousins replayed, transparency, faults, policies, the lock and the
// audit trail.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <regex>
#include <set>
#include <thread>

#include "audit_records.h"
#include "pm2_sandbox.h"
#include "run.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace pm2guard::testing;

namespace {

const std::string kShimDir = fs::path(PM2GUARD_SHIM).parent_path().string();
const std::string kTestableShimDir = fs::path(PM2GUARD_SHIM_TESTABLE).parent_path().string();
const std::string kRealDir = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin";

const std::map<std::string, std::string> kFlyerJob = {
    {"GITHUB_ACTIONS", "true"},        {"GITHUB_REPOSITORY", "projectium/flyer-crawler"},
    {"GITHUB_RUN_ID", "9001"},         {"GITHUB_RUN_ATTEMPT", "1"},
    {"GITHUB_JOB", "deploy"},          {"GITHUB_WORKFLOW", "Deploy to Production"},
    {"GITHUB_REF", "refs/heads/main"}, {"GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"},
    {"GITHUB_ACTOR", "deployer"},      {"SECRET_TOKEN", "hunter2-very-secret"},
};

// The shared server of ADR-061: production and test apps of one company,
// another company's app, and an app in a second namespace.
std::vector<Pm2App> shared_server() {
  auto app = [](const char* name, const char* repo, const char* ns = "default") {
    Pm2App a;
    a.name = name;
    a.ns = ns;
    if (*repo) a.env = {{"GITHUB_REPOSITORY", repo}, {"DB_PASSWORD", "s3cret-db-password"}};
    return a;
  };
  return {app("flyer-crawler-api", "projectium/flyer-crawler"), app("flyer-crawler-worker", "projectium/flyer-crawler"),
          app("flyer-crawler-api-test", "projectium/flyer-crawler"), app("stock-alert-api", "projectium/stock-alert"),
          app("billing-api", "acme/billing", "other")};
}

// The shim as built for tests: the same code as the shipped one, except
// that PM2GUARD_TEST_SYSTEM_POLICY stands in for /etc/pm2guard/policy.yml.
// Tests keep to their own folders: their system policy turns the system log
// off (only a system policy can), and a test that replaces it says so again.
struct Shim {
  Pm2Sandbox& box;
  std::string shim_dir = kTestableShimDir;
  std::map<std::string, std::string> env;

  explicit Shim(Pm2Sandbox& b, const std::map<std::string, std::string>& job = {}) : box(b) {
    for (const std::string& kv : b.environment()) {
      size_t eq = kv.find('=');
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    env["PATH"] = shim_dir + ":" + kRealDir + ":" + env["PATH"];
    for (const auto& [k, v] : job) env[k] = v;
    std::string quiet = b.dir() + "/quiet-system-policy.yml";
    std::ofstream(quiet) << "syslog: false\n";
    env["PM2GUARD_TEST_SYSTEM_POLICY"] = quiet;
  }
  RunResult operator()(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), shim_dir + "/pm2");
    RunOptions o;
    o.env = env;
    o.cwd = box.dir();
    o.input = input;
    return run(args, o);
  }
};

std::map<std::string, std::string> statuses(const Pm2Sandbox& box) {
  std::map<std::string, std::string> out;
  for (const json& p : box.jlist()) out[p["name"]] = p["pm2_env"]["status"];
  return out;
}

std::vector<json> audit_lines(const Pm2Sandbox& box) {
  return completed_audit_records(box.pm2_home() + "/pm2guard-audit.log");
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Starts `exe args...` with exactly `env`, in `cwd`, its output discarded;
// the caller waits for it.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& cwd) {
  std::vector<std::string> envv;
  for (const auto& [k, v] : env) envv.push_back(k + "=" + v);
  std::vector<std::string> argvv{exe};
  argvv.insert(argvv.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> argv, envp;
    for (std::string& a : argvv) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& kv : envv) envp.push_back(kv.data());
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

TEST_CASE("the incident and its cousins are refused, other repositories' apps stay online", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start(shared_server());
  Shim pm2(box, kFlyerJob);

  struct Replay {
    std::vector<std::string> argv;
    std::string rule;
  };
  std::vector<Replay> replays = {
      {{"delete", "all"}, "target-all"},               // the cached workflow
      {{"delete", "/-/"}, "group-matches-all"},        // a filter bug that selects everything
      {{"stop", "/"}, "regex-matches-all"},
      {{"start", "all"}, "target-all"},
      {{"set", "all:x", "hunter2-in-argv"}, "target-all"},  // a secret value: never shown, never logged
      {{"delete", "stock-alert-api"}, "foreign-process"},
      {{"stop", "other"}, "foreign-process"},          // the namespace of another company's app
  };
  for (const Replay& r : replays) {
    RunResult res = pm2(r.argv);
    INFO(r.argv[0] << " " << r.argv[1] << ": " << res.err);
    CHECK(res.code == 77);
    CHECK(has(res.err, "pm2guard: refused"));
    CHECK(has(res.err, "[" + r.rule + "]"));
    CHECK_FALSE(has(res.err, "hunter2"));
    CHECK(res.out.empty());
  }
  for (const auto& [name, status] : statuses(box)) {
    INFO(name);
    CHECK(status == "online");
  }

  // A loop over every name: the job's own processes go, the others stay.
  for (const json& p : box.jlist()) {
    std::string name = p["name"];
    RunResult res = pm2({"delete", name});
    INFO(name << ": " << res.err);
    bool own = name.rfind("flyer-crawler-", 0) == 0;
    CHECK(res.code == (own ? 0 : 77));
  }
  std::map<std::string, std::string> left = statuses(box);
  CHECK(left == std::map<std::string, std::string>{{"billing-api", "online"}, {"stock-alert-api", "online"}});

  // The audit trail says what was refused and why, and what ran.
  std::vector<json> lines = audit_lines(box);
  REQUIRE(lines.size() == replays.size() + 5);
  for (size_t i = 0; i < replays.size(); ++i) {
    CHECK(lines[i]["decision"] == "refuse");
    CHECK(lines[i]["rules"][0] == replays[i].rule);
    CHECK(lines[i]["ci"]["vars"]["GITHUB_REPOSITORY"] == "projectium/flyer-crawler");
    CHECK(lines[i]["before"].size() == 5);
  }
  const json& ran = lines[replays.size()];
  CHECK(ran["decision"] == "allow");
  CHECK(ran["exit_code"] == 0);
  CHECK(ran["targets"].size() == 1);
  CHECK(ran["after"].size() == 4);
  std::ifstream in(box.pm2_home() + "/pm2guard-audit.log");
  std::stringstream all;
  all << in.rdbuf();
  CHECK_FALSE(has(all.str(), "hunter2"));           // the caller's secrets
  CHECK_FALSE(has(all.str(), "s3cret-db-password"));  // the processes' environments

  // A delete that matches nothing still leaves a record, with pm2's failure.
  RunResult none = pm2({"delete", "flyer-crawler-api"});
  CHECK(none.code == 1);
  lines = audit_lines(box);
  REQUIRE(lines.size() == replays.size() + 6);
  CHECK(lines.back()["decision"] == "allow");
  CHECK(lines.back()["targets"].empty());
  CHECK(lines.back()["exit_code"] == 1);
}

TEST_CASE("a job that deletes every process one at a time is stopped at the last one", "[shim][e2e]") {
  Pm2Sandbox box;
  std::vector<Pm2App> apps;
  for (const char* n : {"a1", "a2", "a3", "a4", "a5"}) apps.push_back(Pm2App{n, "default", {}});
  box.start(apps);
  Shim pm2(box, kFlyerJob);
  for (const char* n : {"a1", "a2", "a3", "a4"}) {
    RunResult r = pm2({"delete", n});
    INFO(n << ": " << r.err);
    CHECK(r.code == 0);
  }
  RunResult last = pm2({"delete", "a5"});
  INFO(last.err);
  CHECK(last.code == 77);
  CHECK(has(last.err, "[cumulative-all]"));
  CHECK(statuses(box) == std::map<std::string, std::string>{{"a5", "online"}});
}

TEST_CASE("transparency: same bytes, same exit codes, stdin forms, pid and signals", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start(shared_server());
  Shim pm2(box, kFlyerJob);
  std::map<std::string, std::string> direct_env = pm2.env;
  direct_env["PATH"] = pm2.env["PATH"].substr(pm2.shim_dir.size() + 1);  // the same PATH without the shim
  auto direct = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kRealDir + "/pm2");
    RunOptions o;
    o.env = direct_env;
    o.cwd = box.dir();
    return run(args, o);
  };

  SECTION("byte-identical output and exit codes") {
    box.pm2_ok({"stop", "all"});  // stopped processes: no changing cpu or memory figures
    RunResult a = direct({"jlist"}), b = pm2({"jlist"});
    CHECK(a.code == 0);
    CHECK(b.code == 0);
    CHECK(a.out == b.out);
    for (std::vector<std::string> args : {std::vector<std::string>{"describe", "no-such-app"},
                                          std::vector<std::string>{"describe", "flyer-crawler-api"},
                                          std::vector<std::string>{"stop", "no-such-app"}}) {
      INFO(args[0] << " " << (args.size() > 1 ? args[1] : ""));
      CHECK(direct(args).code == pm2(args).code);
    }
    // A command pm2guard does not know is judged as a newer pm2's
    // destructive one (pm2 7 itself would say "Command not found").
    RunResult unknown = pm2({"frobnicate"});
    CHECK(unknown.code == 77);
    CHECK(has(unknown.err, "[unknown-command]"));
  }
  SECTION("the stdin forms") {
    RunResult own = pm2({"delete", "-"}, R"({"name":"flyer-crawler-worker"})");
    INFO(own.err);
    CHECK(own.code == 0);
    RunResult other = pm2({"stop", "-"}, R"({"apps":[{"name":"stock-alert-api"}]})");
    CHECK(other.code == 77);
    CHECK(has(other.err, "[foreign-process]"));
    std::map<std::string, std::string> s = statuses(box);
    CHECK(s.count("flyer-crawler-worker") == 0);
    CHECK(s["stock-alert-api"] == "online");
  }
  SECTION("allowed commands that only read are the real pm2 in place (same pid)") {
    pid_t pid = spawn(kShimDir + "/pm2", {"logs", "--raw"}, pm2.env, box.dir());
    // The shim's pid becomes node running pm2.
    bool became_node = false;
    for (int i = 0; i < 100 && !became_node; ++i) {
      std::error_code ec;
      fs::path exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
      became_node = !ec && exe.filename().string().rfind("node", 0) == 0;
      if (!became_node) usleep(50000);
    }
    CHECK(became_node);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
  }
  SECTION("a signal reaches pm2 and its death is the shim's") {
    // A restart that waits up to 20 s for a ready signal the app never sends.
    pid_t pid = spawn(pm2.shim_dir + "/pm2", {"restart", "flyer-crawler-api", "--wait-ready", "--listen-timeout", "20000"},
                      pm2.env, box.dir());
    // Wait until the shim has started pm2 as its child, then signal the shim.
    pid_t child = 0;
    for (int i = 0; i < 300 && child == 0; ++i) {
      std::ifstream ch("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
      ch >> child;
      if (child == 0) usleep(10000);
    }
    REQUIRE(child > 0);
    usleep(300000);  // pm2 is now waiting on the daemon
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM));
    // pm2 got the signal too: it is gone long before its 20 s wait is over.
    bool child_gone = false;
    for (int i = 0; i < 100 && !child_gone; ++i) {
      std::ifstream st("/proc/" + std::to_string(child) + "/stat");
      std::string line;
      std::getline(st, line);
      size_t paren = line.rfind(')');
      child_gone = !st || paren == std::string::npos || line.compare(paren + 2, 1, "Z") == 0;
      if (!child_gone) usleep(50000);
    }
    CHECK(child_gone);
  }
}

TEST_CASE("faults: destructive commands fail closed, read-only commands pass", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start({Pm2App{"flyer-crawler-api", "default", {{"GITHUB_REPOSITORY", "projectium/flyer-crawler"}}}});
  Shim pm2(box, kFlyerJob);

  SECTION("the daemon's socket answers garbage") {
    TempDir home;
    std::string sock = home.path() + "/rpc.sock";
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
    REQUIRE(bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(srv, 4) == 0);
    std::atomic<bool> stop{false};
    std::thread t([&] {
      while (!stop) {
        int c = accept(srv, nullptr, nullptr);
        if (c < 0) break;
        const char junk[] = "HTTP/1.1 418 I'm a teapot\r\n\r\n";
        ssize_t n = send(c, junk, sizeof junk - 1, MSG_NOSIGNAL);  // the peer may be gone already
        (void)n;
        close(c);
      }
    });
    Shim g(box, kFlyerJob);
    g.env["PM2_HOME"] = home.path();
    RunResult r = g({"delete", "flyer-crawler-api"});
    CHECK(r.code == 69);
    CHECK(has(r.err, "process list cannot be read"));
    RunResult v = g({"-v", "--"});
    CHECK(v.code == 0);
    CHECK(has(v.out, "7.0.4"));
    stop = true;
    shutdown(srv, SHUT_RDWR);
    close(srv);
    t.join();
  }
  SECTION("an invalid policy") {
    TempDir d;
    pm2.env["PM2GUARD_POLICY"] = d.write("policy.yml", "refuse_al: false\n");  // invalid: the shim says so before any syslog
    RunResult r = pm2({"delete", "flyer-crawler-api"});
    CHECK(r.code == 78);
    CHECK(has(r.err, "unknown key `refuse_al`"));
    std::vector<json> lines = audit_lines(box);
    REQUIRE(lines.size() == 1);  // the refusal is on record
    CHECK(lines[0]["decision"] == "refuse");
    CHECK(lines[0]["rules"] == json::array({"policy-invalid"}));
    CHECK(pm2({"describe", "flyer-crawler-api"}).code == 0);
  }
  SECTION("an audit log that cannot be written") {
    fs::create_directories(box.pm2_home() + "/pm2guard-audit.log");  // a directory in its place
    RunResult r = pm2({"restart", "flyer-crawler-api"});
    CHECK(r.code == 74);
    CHECK(has(r.err, "audit log"));
    CHECK(pm2({"jlist"}).code == 0);
  }
  SECTION("no real pm2 behind the shim") {
    pm2.env["PATH"] = kShimDir + ":/usr/bin:/bin";
    RunResult r = pm2({"jlist"});
    CHECK(r.code == 127);
    CHECK(has(r.err, "no pm2 other than this shim"));
  }
  CHECK(statuses(box) == std::map<std::string, std::string>{{"flyer-crawler-api", "online"}});
}

TEST_CASE("policies: scopes from the environment and overrides and the allow list from the system", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start(shared_server());
  TempDir d;
  SECTION("a scope in the environment's policy") {
    Shim pm2(box, kFlyerJob);
    pm2.env["PM2GUARD_POLICY"] = d.write(
        "scope.yml",
        "scopes:\n  - name: flyer-prod\n    repositories: [projectium/flyer-crawler]\n"
        "    processes: ['flyer-crawler-*', '!flyer-crawler-*-test']\n");
    RunResult r = pm2({"restart", "flyer-crawler-api-test"});
    CHECK(r.code == 77);
    CHECK(has(r.err, "[outside-scope]"));
    CHECK(pm2({"restart", "flyer-crawler-api"}).code == 0);
  }
  SECTION("break-glass, only where the system policy allows it") {
    Shim pm2(box, kFlyerJob);
    pm2.env["PM2GUARD_OVERRIDE"] = "incident 42: restart everything";
    pm2.env["PM2GUARD_TEST_SYSTEM_POLICY"] = d.write("closed.yml", "overrides: false\nsyslog: false\n");
    CHECK(pm2({"restart", "all"}).code == 77);
    pm2.env["PM2GUARD_TEST_SYSTEM_POLICY"] = d.write("open.yml", "overrides: true\nsyslog: false\n");
    RunResult r = pm2({"restart", "all"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(has(r.err, "override"));
    std::vector<json> lines = audit_lines(box);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.back()["decision"] == "override");
    CHECK(lines.back()["override_reason"] == "incident 42: restart everything");
    // The environment can take overrides away again.
    pm2.env["PM2GUARD_POLICY"] = d.write("no-overrides.yml", "overrides: false\n");
    CHECK(pm2({"restart", "all"}).code == 77);
  }
  SECTION("the allow list and the recorded real pm2 come from the system policy") {
    Pm2Sandbox solo;
    solo.start({Pm2App{"only-app", "default", {}}});
    Shim pm2(solo);
    pm2.env["PATH"] = kTestableShimDir + ":/usr/bin:/bin";  // the real pm2 is not on PATH
    std::string node_dir = fs::path(*find_on_path("node")).parent_path().string();
    pm2.env["PATH"] += ":" + node_dir;
    pm2.env["PM2GUARD_TEST_SYSTEM_POLICY"] =
        d.write("allow.yml", "allow: [kill]\nsyslog: false\nreal_pm2: " + fs::canonical(kRealDir + "/pm2").string() + "\n");
    RunResult r = pm2({"kill"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(solo.daemon_pid() == 0);
  }
}

TEST_CASE("the deployment lock serialises destructive commands", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start({Pm2App{"flyer-crawler-api", "default", {}}});
  Shim pm2(box, kFlyerJob);
  TempDir d;
  pm2.env["PM2GUARD_POLICY"] = d.write("fast.yml", "lock_timeout: 0.3\n");
  int fd = open((box.pm2_home() + "/pm2guard.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(fd >= 0);
  std::string holder = "pid " + std::to_string(getpid()) + " since now: a test holding the lock\n";
  REQUIRE(write(fd, holder.data(), holder.size()) == static_cast<ssize_t>(holder.size()));
  REQUIRE(flock(fd, LOCK_EX) == 0);
  RunResult r = pm2({"restart", "flyer-crawler-api"});
  CHECK(r.code == 75);
  CHECK(has(r.err, "[lock-timeout]"));
  CHECK(has(r.err, "a test holding the lock"));
  flock(fd, LOCK_UN);
  close(fd);
  CHECK(pm2({"restart", "flyer-crawler-api"}).code == 0);
}

TEST_CASE("the audit record: metadata, workflow hash, tables before and after", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start(shared_server());
  TempDir ws;
  std::string wf = ws.write(".gitea/workflows/deploy-to-prod.yml", "on: push\njobs: {}\n");
  Shim pm2(box, kFlyerJob);
  pm2.env["GITHUB_WORKSPACE"] = ws.path();
  pm2.env["GITHUB_WORKFLOW_REF"] = "projectium/flyer-crawler/.gitea/workflows/deploy-to-prod.yml@refs/heads/main";
  RunResult r = pm2({"restart", "flyer-crawler-api"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(has(r.err, "flyer-crawler-api (online, id 0)"));  // layer 4 on stderr
  std::vector<json> lines = audit_lines(box);
  REQUIRE(lines.size() == 1);
  const json& a = lines[0];
  for (const char* k : {"time", "host", "user", "cwd", "argv", "ci", "decision", "targets", "before", "after", "exit_code"})
    CHECK(a.contains(k));
  CHECK(a["argv"] == json::array({pm2.shim_dir + "/pm2", "restart", "flyer-crawler-api"}));
  CHECK(a["ci"]["vars"]["GITHUB_RUN_ID"] == "9001");
  CHECK(a["ci"]["vars"]["GITHUB_JOB"] == "deploy");
  RunResult sum = run({"/usr/bin/sha256sum", wf});
  CHECK(a["ci"]["workflow_sha256"] == sum.out.substr(0, 64));
  CHECK(a["before"].size() == 5);
  CHECK(a["after"].size() == 5);
  CHECK_FALSE(a["before"][0].contains("env"));
  CHECK(a["exit_code"] == 0);
  CHECK(a["verification"].empty());
}

// The shim resolves targets the way pm2 does: for each argv, the processes
// the shim's dry run names are exactly those the real pm2 then restarts or
// stops on the same daemon.
TEST_CASE("differential: the shim's targets are the processes real pm2 acts on", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start({Pm2App{"web-api", "default", {}}, Pm2App{"web-worker", "default", {}}, Pm2App{"cron-job", "jobs", {}},
             Pm2App{"other-app", "default", {}}});
  TempDir d;
  std::string eco = d.write("eco.config.js",
                            "module.exports = { apps: [ { name: 'web-api', script: '" + box.idle_script() +
                                "' }, { name: 'web-worker', script: '" + box.idle_script() + "' } ] };\n");
  Shim pm2(box);
  pm2.env["PM2GUARD_DRY_RUN"] = "1";
  pm2.env["PM2GUARD_TEST_SYSTEM_POLICY"] = d.write("open.yml", "syslog: false\nmax_processes: 100\n");

  auto id_of = [&](const std::string& name) {
    for (const json& p : box.jlist())
      if (p["name"] == name) return p["pm_id"].get<int>();
    return -1;
  };
  std::vector<std::vector<std::string>> cases = {
      {"restart", "web-api"},
      {"restart", "web-api", "web-worker"},
      {"restart", std::to_string(id_of("cron-job"))},
      {"restart", std::to_string(id_of("other-app")), "web-worker"},
      {"restart", "/worker/"},
      {"restart", "/^(web|other)-/"},
      {"restart", "jobs"},  // a namespace
      {"restart", "web-api", "--update-env"},
      {"restart", "--update-env", "web-worker"},
      {"restart", "-s", "other-app"},
      {"reload", "web-worker"},
      {"restart", eco, "--only", "web-worker"},
      {"restart", eco},
      {"stop", "cron-job"},
      {"delete", "no-such-app"},
      // JavaScript's number parsing decides what an id is.
      {"restart", "0x1"},
      {"restart", " 2"},
      {"restart", "1e0"},
      {"restart", "3.0"},
      {"restart", "web-api", "web-api"},
      {"restart", "JOBS"},
  };
  // What real pm2 did: processes whose restart count or status changed.
  auto effect = [&](const std::vector<std::string>& args) {
    std::map<int, std::pair<int, std::string>> before;
    for (const json& p : box.jlist())
      before[p["pm_id"]] = {p["pm2_env"]["restart_time"].get<int>(), p["pm2_env"]["status"].get<std::string>()};
    box.pm2(args);
    std::set<int> touched;
    for (const json& p : box.jlist()) {
      auto b = before.find(p["pm_id"].get<int>());
      if (b == before.end() || b->second != std::make_pair(p["pm2_env"]["restart_time"].get<int>(),
                                                         p["pm2_env"]["status"].get<std::string>()))
        touched.insert(p["pm_id"].get<int>());
    }
    return touched;
  };
  // What the shim said it would act on: "(id N" in its dry-run line.
  auto predicted = [&](const std::vector<std::string>& args) {
    RunResult r = pm2(args);
    INFO(r.err);
    CHECK(r.code == 0);
    std::set<int> ids;
    std::regex id_re("\\(id ([0-9]+)");
    for (std::sregex_iterator it(r.err.begin(), r.err.end(), id_re), end; it != end; ++it)
      ids.insert(std::stoi((*it)[1]));
    return ids;
  };
  for (const std::vector<std::string>& args : cases) {
    std::string shown;
    for (const std::string& a : args) shown += " " + a;
    INFO("pm2" << shown);
    std::set<int> said = predicted(args);
    std::set<int> did = effect(args);
    CHECK(said == did);
  }
}

// More of pm2's resolution proved on a real daemon: _startJson's
// append_env_to_name and static: entries, `start <script> --name` over a
// stopped process, the stdin documents of `restart -` (actionFromJson), and
// sendSignal's script paths, which the daemon resolves against its own cwd.
TEST_CASE("differential: config names, static apps, start of a script, stdin and signals", "[shim][e2e]") {
  Pm2Sandbox box;
  TempDir d;
  std::string sub_script = box.dir() + "/sub/w.js";
  fs::create_directories(box.dir() + "/sub");
  std::ofstream(sub_script) << "setInterval(() => {}, 1000);\n";
  box.start({Pm2App{"stock", "default", {}}, Pm2App{"stock-api", "default", {}}, Pm2App{"stock-api", "other", {}},
             Pm2App{"docs", "default", {}}, Pm2App{"static-page-server-8080", "default", {}},
             Pm2App{"dup", "default", {}}, Pm2App{"dup", "jobs", {}}});
  box.pm2_ok({"start", sub_script, "--name", "w"});
  std::string eco = d.write("eco.config.js",
                            "module.exports = { apps: [ { name: 'stock', script: '" + box.idle_script() +
                                "', append_env_to_name: true } ],\n"
                                "  static: [ { name: 'docs', path: '.', port: 8081 }, { path: '.', port: 8080 } ] };\n");
  Shim pm2(box);
  pm2.env["PM2GUARD_DRY_RUN"] = "1";
  pm2.env["PM2GUARD_TEST_SYSTEM_POLICY"] = d.write("open.yml", "syslog: false\nmax_processes: 100\n");
  std::map<std::string, std::string> real_env;
  for (const std::string& kv : box.environment()) real_env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);

  int last_dup = -1;
  for (const json& p : box.jlist())
    if (p["name"] == "dup") last_dup = std::max(last_dup, p["pm_id"].get<int>());
  struct Case {
    std::vector<std::string> args;
    std::string input;
    std::string cwd;  ///< "" = the sandbox's directory (the daemon's cwd)
  };
  std::string both_stock = R"({"apps":[{"name":"stock-api","script":"x.js"},{"name":"docs","script":"x.js"}]})";
  std::vector<Case> cases = {
      {{"startOrRestart", eco, "--env", "api"}, "", ""},  // stock-api (both namespaces), docs, static-page-server-8080
      {{"restart", eco, "--env", "api", "--only", "stock"}, "", ""},
      {{"reload", eco, "--env", "api", "--only", "stock-api"}, "", ""},  // --only sees `stock`: nothing
      {{"start", eco, "--only", "static-page-server-8080"}, "", ""},
      {{"restart", "-", "--only", "stock-api,docs"}, both_stock, ""},  // exact --only: nothing
      {{"restart", "-", "--only", "docs"}, both_stock, ""},
      {{"restart", "-"}, R"([{"name":"w.js","script":"x.js"},{"name":"sub/w.js","script":"x.js"}])", ""},
      {{"sendSignal", "SIGKILL", "sub/w.js"}, "", d.path()},  // the daemon's cwd, not the caller's
      {{"stop", std::to_string(last_dup)}, "", ""},
      {{"start", box.idle_script(), "--name", "dup"}, "", ""},  // restarts every `dup`
  };
  auto snapshot = [&] {
    std::map<int, std::pair<int, std::string>> s;
    for (const json& p : box.jlist())
      s[p["pm_id"]] = {p["pm2_env"]["restart_time"].get<int>(), p["pm2_env"]["status"].get<std::string>()};
    return s;
  };
  // The table after one case is the one before the next (a dry run changes nothing).
  std::map<int, std::pair<int, std::string>> after = snapshot();
  for (const Case& c : cases) {
    std::string shown;
    for (const std::string& a : c.args) shown += " " + a;
    INFO("pm2" << shown);
    // The shim's dry run, in the case's directory.
    std::vector<std::string> argv{pm2.shim_dir + "/pm2"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    RunOptions o;
    o.env = pm2.env;
    o.cwd = c.cwd.empty() ? box.dir() : c.cwd;
    o.input = c.input;
    RunResult said_run = run(argv, o);
    INFO(said_run.err);
    CHECK(said_run.code == 0);
    std::set<int> said;
    std::regex id_re("\\(id ([0-9]+)");
    for (std::sregex_iterator it(said_run.err.begin(), said_run.err.end(), id_re), end; it != end; ++it)
      said.insert(std::stoi((*it)[1]));
    // The real pm2, same directory and input.
    std::map<int, std::pair<int, std::string>> before = after;
    std::vector<std::string> real{box.pm2_bin()};
    real.insert(real.end(), c.args.begin(), c.args.end());
    o.env = real_env;
    RunResult did_run = run(real, o);
    INFO(did_run.out << did_run.err);
    // A killed process comes back through pm2's autorestart.
    for (int i = 0; i < 30; ++i) {
      after = snapshot();
      if (std::all_of(after.begin(), after.end(), [](const auto& kv) {
            return kv.second.second == "online" || kv.second.second == "stopped";
          }))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::set<int> did;
    for (const auto& [id, state] : after)
      if (before.count(id) && before[id] != state) did.insert(id);
    CHECK(said == did);
  }
}

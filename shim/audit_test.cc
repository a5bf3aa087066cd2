#include "audit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "run.h"

using namespace pm2guard::shim;
using nlohmann::json;
using pm2guard::testing::run;
using pm2guard::testing::TempDir;
namespace fs = std::filesystem;

namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(const Env& env, std::set<std::string>* asked = nullptr) {
  return [env, asked](const std::string& name) -> std::optional<std::string> {
    if (asked) asked->insert(name);
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  explicit ScopedEnv(const Env& vars) {
    for (const auto& [k, v] : vars) {
      const char* old = getenv(k.c_str());
      saved_.emplace_back(k, old ? std::optional<std::string>(old) : std::nullopt);
      setenv(k.c_str(), v.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v)
        setenv(k.c_str(), v->c_str(), 1);
      else
        unsetenv(k.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

class Umask {
 public:
  explicit Umask(mode_t m) : old_(umask(m)) {}
  ~Umask() { umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

std::string sha256sum(const std::string& path) {
  auto r = run({"/usr/bin/sha256sum", path});
  REQUIRE(r.code == 0);
  return r.out.substr(0, 64);
}

ProcessInfo process(int id, std::string name, std::string ns, std::string status, long pid) {
  ProcessInfo p;
  p.pm_id = id;
  p.name = std::move(name);
  p.ns = std::move(ns);
  p.status = std::move(status);
  p.pid = pid;
  p.exec_path = "/srv/secret-exec-path/app.js";
  p.cwd = "/srv/secret-cwd";
  p.ci = {{"GITHUB_REPOSITORY", "owner-of-process/repo-from-pm2-env"}};
  return p;
}

AuditRecord sample_record() {
  AuditRecord r;
  fill_local_context(r);
  r.argv = {"/usr/local/bin/pm2", "delete", "api"};
  r.ci.vars = {{"GITHUB_REPOSITORY", "acme/web"}, {"GITHUB_RUN_ID", "4242"}};
  r.ci.workspace = "/w";
  r.ci.workflow_file = "/w/.github/workflows/deploy.yml";
  r.ci.workflow_sha256 = std::string(64, 'a');
  r.policy_sources = {"/etc/pm2guard/policy.yml", "built-in defaults"};
  r.real_pm2 = "/usr/lib/node_modules/pm2/bin/pm2";
  r.shim_version = "0.1.0";
  r.decision = Decision::Refuse;
  r.rules = {"target-all", "ownership"};
  r.message = "refusing: two lines\nof message";
  r.override_reason = "incident 17";
  std::vector<ProcessInfo> table = {process(0, "api", "default", "online", 101),
                                    process(7, "api", "other", "stopped", 0)};
  r.targets = snapshot_of(table);
  r.before = snapshot_of(table);
  r.after = std::vector<ProcessSnapshot>{snapshot_of(table[1])};
  r.exit_code = 0;
  r.verification = {"billing-api (id 4) changed from online to stopped"};
  r.elapsed = std::chrono::microseconds(12345);
  return r;
}

const std::vector<std::string> kRecordKeys = {
    "v",         "id",          "phase",       "time",           "host",        "user",         "uid",
    "pid",       "cwd",         "argv",        "decision",       "rules",       "message",      "override_reason",
    "targets",   "policy_sources", "real_pm2", "shim_version",   "ci",          "daemon_home",  "before",
    "after",     "exit_code",   "exit_signal", "verification",   "elapsed_ms"};

std::vector<std::string> keys_in_order(const std::string& line) {
  // nlohmann's json sorts keys; ordered_json keeps the document's order.
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

// Children of the concurrency test, killed and reaped whatever happens.
struct Children {
  std::vector<pid_t> pids;
  ~Children() {
    for (pid_t p : pids) {
      if (p <= 0) continue;  // reaped already; kill(-1) would signal everything
      kill(p, SIGKILL);
      waitpid(p, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE("the audit line is one line of JSON with every field", "[audit]") {
  AuditRecord r = sample_record();
  r.argv.push_back("with\nnewline");
  std::string line = audit_json_line(r);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(keys_in_order(line) == kRecordKeys);
  json j = json::parse(line);
  CHECK(j["v"] == 1);
  CHECK(j["time"].get<std::string>().size() == 24);
  CHECK(j["time"].get<std::string>().back() == 'Z');
  CHECK(j["host"] == r.host);
  CHECK(j["uid"] == static_cast<long>(getuid()));
  CHECK(j["pid"] == static_cast<long>(getpid()));
  CHECK(j["cwd"] == fs::current_path().string());
  CHECK(j["argv"] == json({"/usr/local/bin/pm2", "delete", "api", "with\nnewline"}));
  CHECK(j["decision"] == "refuse");
  CHECK(j["rules"] == json({"target-all", "ownership"}));
  CHECK(j["message"] == "refusing: two lines\nof message");
  CHECK(j["override_reason"] == "incident 17");
  CHECK(j["targets"] == json::parse(R"([{"pm_id":0,"name":"api","namespace":"default"},
                                        {"pm_id":7,"name":"api","namespace":"other"}])"));
  CHECK(j["before"] == json::parse(R"([{"pm_id":0,"name":"api","namespace":"default","status":"online","pid":101},
                                       {"pm_id":7,"name":"api","namespace":"other","status":"stopped","pid":0}])"));
  CHECK(j["after"] == json::parse(R"([{"pm_id":7,"name":"api","namespace":"other","status":"stopped","pid":0}])"));
  CHECK(j["policy_sources"] == json({"/etc/pm2guard/policy.yml", "built-in defaults"}));
  CHECK(j["real_pm2"] == "/usr/lib/node_modules/pm2/bin/pm2");
  CHECK(j["shim_version"] == "0.1.0");
  CHECK(j["ci"]["vars"]["GITHUB_REPOSITORY"] == "acme/web");
  CHECK(j["ci"]["workspace"] == "/w");
  CHECK(j["ci"]["workflow_file"] == "/w/.github/workflows/deploy.yml");
  CHECK(j["ci"]["workflow_sha256"] == std::string(64, 'a'));
  CHECK(j["ci"]["workflow_note"] == "");
  CHECK(j["exit_code"] == 0);
  CHECK(j["exit_signal"].is_null());
  CHECK(j["verification"].size() == 1);
  CHECK(j["elapsed_ms"] == Approx(12.345));
  // Process environments hold secrets: only the five fields are recorded.
  CHECK(line.find("owner-of-process") == std::string::npos);
  CHECK(line.find("secret-exec-path") == std::string::npos);
  CHECK(line.find("secret-cwd") == std::string::npos);
}

TEST_CASE("optional fields are null and bytes that are not UTF-8 do not break the line", "[audit]") {
  AuditRecord r;
  r.argv = {"pm2", "stop", "\xFF\xFEname", "\x1B[2J"};
  r.decision = Decision::Override;
  r.exit_signal = 9;
  std::string line = audit_json_line(r);
  CHECK(keys_in_order(line) == kRecordKeys);
  json j = json::parse(line);
  CHECK(j["decision"] == "override");
  CHECK(j["override_reason"].is_null());
  CHECK(j["after"].is_null());
  CHECK(j["exit_code"].is_null());
  CHECK(j["exit_signal"] == 9);
  CHECK(j["ci"]["workflow_file"].is_null());
  CHECK(j["ci"]["workflow_sha256"].is_null());
  CHECK(j["argv"][2] == "\xEF\xBF\xBD\xEF\xBF\xBDname");
  CHECK(j["argv"][3] == "\x1B[2J");
  CHECK(line.find('\x1B') == std::string::npos);  // escaped as \u001b
}

TEST_CASE("CI metadata reads only allow-listed variables", "[audit]") {
  for (std::string_view name : ci_metadata_variables()) {
    for (const char* word : {"TOKEN", "SECRET", "PASSWORD", "PASS", "KEY", "CREDENTIAL", "REPOSITORY_URL"})
      CHECK(std::string(name).find(word) == std::string::npos);
  }
  CHECK(std::is_sorted(ci_metadata_variables().begin(), ci_metadata_variables().end()));

  Env env = {
      {"GITHUB_REPOSITORY", "acme/web"},
      {"GITHUB_RUN_ID", "4242"},
      {"GITHUB_RUN_ATTEMPT", "2"},
      {"GITHUB_JOB", "deploy"},
      {"GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"},
      {"GITHUB_SERVER_URL", "https://deployer:SECRET-in-url@git.example.com"},
      {"GITHUB_EVENT_NAME", "push"},
      {"GITHUB_HEAD_REF", ""},
      {"GITEA_ACTIONS", "true"},
      {"CI_PROJECT_URL", "https://u:SECRET-project-url@gitlab.example.com/g/p"},
      {"GITHUB_TOKEN", "ghp_SECRET-github-token"},
      {"GITEA_RUNTIME_TOKEN", "SECRET-gitea-runtime"},
      {"ACTIONS_RUNTIME_TOKEN", "SECRET-actions-runtime"},
      {"FORGEJO_TOKEN", "SECRET-forgejo-token"},
      {"CI_JOB_TOKEN", "SECRET-job-token"},
      {"CI_REPOSITORY_URL", "https://gitlab-ci-token:SECRET-clone@gitlab.example.com/g/p.git"},
      {"DB_PASSWORD", "SECRET-db-password"},
      {"AWS_SECRET_ACCESS_KEY", "SECRET-aws"},
  };
  std::set<std::string> asked;
  TempDir tmp;
  CiMetadata m = collect_ci_metadata(lookup(env, &asked), tmp.path());
  CHECK(m.get("GITHUB_REPOSITORY") == "acme/web");
  CHECK(m.repository() == "acme/web");
  CHECK(m.run_id() == "4242");
  CHECK(m.get("GITHUB_SERVER_URL") == "https://git.example.com");
  CHECK(m.get("CI_PROJECT_URL") == "https://gitlab.example.com/g/p");
  CHECK(m.vars.count("GITHUB_HEAD_REF") == 0);  // empty: left out
  for (const std::string& name : asked) {
    bool listed = std::find(ci_metadata_variables().begin(), ci_metadata_variables().end(), name) !=
                  ci_metadata_variables().end();
    // The workspace is read to find the workflow file, never recorded as a variable.
    if (!listed) CHECK((name == "GITHUB_WORKSPACE" || name == "CI_PROJECT_DIR"));
  }
  AuditRecord r;
  r.ci = m;
  std::string line = audit_json_line(r);
  for (const auto& [k, v] : m.vars) CHECK(v.find("SECRET") == std::string::npos);
  CHECK(line.find("SECRET") == std::string::npos);
  CHECK(line.find("TOKEN") == std::string::npos);
  CHECK(line.find("PASSWORD") == std::string::npos);
}

TEST_CASE("CI metadata from the real environment leaves secrets out", "[audit]") {
  AuditRecord r;
  {
    ScopedEnv env({{"GITHUB_TOKEN", "ghp_SECRET-from-environ"},
                   {"DB_PASSWORD", "SECRET-db-from-environ"},
                   {"GITHUB_RUN_ID", "777"}});
    fill_local_context(r);
    r.ci = collect_ci_metadata(process_path_inputs().getenv, r.cwd);
  }
  std::string line = audit_json_line(r);
  CHECK(r.ci.run_id() == "777");
  CHECK(line.find("SECRET") == std::string::npos);
  CHECK(line.find("GITHUB_TOKEN") == std::string::npos);
  CHECK(line.find("DB_PASSWORD") == std::string::npos);
}

TEST_CASE("the workflow file named by GITHUB_WORKFLOW_REF is hashed like sha256sum", "[audit]") {
  TempDir tmp;
  std::string ws = tmp.path() + "/ws";
  std::string gh = tmp.write("ws/.github/workflows/deploy-to-prod.yml", "name: github\non: push\n");
  std::string gt = tmp.write("ws/.gitea/workflows/deploy-to-prod.yml", "name: gitea\non: push\n");
  std::string fj = tmp.write("ws/.forgejo/workflows/deploy.yaml", "name: forgejo\n");
  struct Case {
    std::string ref;
    std::string file;
  };
  for (const Case& c : {Case{"projectium/flyer/.github/workflows/deploy-to-prod.yml@refs/heads/main", gh},
                        Case{"projectium/flyer/.gitea/workflows/deploy-to-prod.yml@refs/tags/v0.15.0", gt},
                        Case{"projectium/flyer/.forgejo/workflows/deploy.yaml@refs/heads/release@2", fj}}) {
    INFO(c.ref);
    CiMetadata m = collect_ci_metadata(
        lookup({{"GITHUB_WORKFLOW_REF", c.ref}, {"GITHUB_REPOSITORY", "projectium/flyer"}, {"GITHUB_WORKSPACE", ws}}),
        "/");
    REQUIRE(m.workflow_sha256);
    CHECK(*m.workflow_sha256 == sha256sum(c.file));
    CHECK(m.workflow_file == fs::canonical(c.file).string());
    CHECK(m.workspace == ws);
    CHECK(m.workflow_note.empty());
  }
  SECTION("without GITHUB_REPOSITORY the workflow directory is found in the ref") {
    CiMetadata m = collect_ci_metadata(
        lookup({{"GITHUB_WORKFLOW_REF", "o/r/.gitea/workflows/deploy-to-prod.yml@refs/heads/main"}}), ws);
    REQUIRE(m.workflow_sha256);
    CHECK(*m.workflow_sha256 == sha256sum(gt));
    CHECK(m.workspace == ws);  // the cwd stands in for GITHUB_WORKSPACE
  }
  SECTION("Gitea's bare file name in GITHUB_WORKFLOW: .gitea/workflows wins over .github") {
    CiMetadata m = collect_ci_metadata(
        lookup({{"GITEA_ACTIONS", "true"}, {"GITHUB_WORKFLOW", "deploy-to-prod.yml"}, {"GITHUB_WORKSPACE", ws}}), "/");
    REQUIRE(m.workflow_sha256);
    CHECK(*m.workflow_sha256 == sha256sum(gt));
  }
  SECTION("a workflow path in GITHUB_WORKFLOW") {
    CiMetadata m = collect_ci_metadata(
        lookup({{"GITHUB_WORKFLOW", ".forgejo/workflows/deploy.yaml"}, {"GITHUB_WORKSPACE", ws}}), "/");
    REQUIRE(m.workflow_sha256);
    CHECK(*m.workflow_sha256 == sha256sum(fj));
  }
  SECTION("a workflow name that is no file name is not looked up") {
    CiMetadata m = collect_ci_metadata(lookup({{"GITHUB_WORKFLOW", "Deploy to prod"}, {"GITHUB_WORKSPACE", ws}}), "/");
    CHECK_FALSE(m.workflow_sha256);
    CHECK(m.workflow_note.empty());
  }
  SECTION("GitLab's CI_CONFIG_PATH under CI_PROJECT_DIR") {
    std::string gl = tmp.write("ws/.gitlab-ci.yml", "deploy:\n  script: pm2 restart api\n");
    CiMetadata m = collect_ci_metadata(lookup({{"GITLAB_CI", "true"}, {"CI_PROJECT_DIR", ws}}), "/");
    REQUIRE(m.workflow_sha256);
    CHECK(*m.workflow_sha256 == sha256sum(gl));
  }
  SECTION("a missing workflow file is noted") {
    CiMetadata m = collect_ci_metadata(
        lookup({{"GITHUB_WORKFLOW_REF", "o/r/.github/workflows/gone.yml@refs/heads/main"}, {"GITHUB_WORKSPACE", ws}}),
        "/");
    CHECK_FALSE(m.workflow_sha256);
    CHECK(m.workflow_note.find("not found") != std::string::npos);
  }
}

TEST_CASE("a workflow ref names only files in a workflow directory", "[audit]") {
  TempDir tmp;
  tmp.write("ws/package.json", "{}\n");
  CiMetadata m = collect_ci_metadata(lookup({{"GITHUB_WORKFLOW_REF", "o/r/package.json@refs/heads/main"},
                                             {"GITHUB_REPOSITORY", "o/r"},
                                             {"GITHUB_WORKSPACE", tmp.path() + "/ws"}}),
                                     "/");
  CHECK_FALSE(m.workflow_sha256);
  CHECK(m.workflow_note.find("names no file in a workflow directory") != std::string::npos);
}

TEST_CASE("a workflow ref is never followed outside the workspace", "[audit]") {
  TempDir tmp;
  std::string ws = tmp.path() + "/ws";
  tmp.write("ws/.github/workflows/ok.yml", "ok\n");
  std::string outside = tmp.write("outside.yml", "not the workspace's\n");
  auto metadata = [&](const std::string& ref) {
    return collect_ci_metadata(
        lookup({{"GITHUB_WORKFLOW_REF", ref}, {"GITHUB_REPOSITORY", "o/r"}, {"GITHUB_WORKSPACE", ws}}), "/");
  };
  SECTION("../ in the ref") {
    CiMetadata m = metadata("o/r/.github/workflows/../../../outside.yml@refs/heads/main");
    CHECK_FALSE(m.workflow_sha256);
    CHECK_FALSE(m.workflow_file);
    CHECK(m.workflow_note.find("outside the workspace") != std::string::npos);
  }
  SECTION("an absolute path after the repository") {
    CiMetadata m = metadata("o/r/" + outside + "@refs/heads/main");
    CHECK_FALSE(m.workflow_sha256);
  }
  SECTION("a symlink in the workspace pointing out of it") {
    REQUIRE(symlink(outside.c_str(), (ws + "/.github/workflows/link.yml").c_str()) == 0);
    CiMetadata m = metadata("o/r/.github/workflows/link.yml@refs/heads/main");
    CHECK_FALSE(m.workflow_sha256);
    CHECK(m.workflow_note.find("outside the workspace") != std::string::npos);
  }
  SECTION("a symlinked workflow directory pointing out of it") {
    fs::create_directories(tmp.path() + "/elsewhere/workflows");
    tmp.write("elsewhere/workflows/x.yml", "x\n");
    REQUIRE(symlink((tmp.path() + "/elsewhere").c_str(), (ws + "/.gitea").c_str()) == 0);
    CiMetadata m = metadata("o/r/.gitea/workflows/x.yml@refs/heads/main");
    CHECK_FALSE(m.workflow_sha256);
  }
  SECTION("a symlink that stays inside is fine") {
    REQUIRE(symlink("ok.yml", (ws + "/.github/workflows/alias.yml").c_str()) == 0);
    CiMetadata m = metadata("o/r/.github/workflows/alias.yml@refs/heads/main");
    REQUIRE(m.workflow_sha256);
    CHECK(*m.workflow_sha256 == sha256sum(ws + "/.github/workflows/ok.yml"));
  }
}

TEST_CASE("appends from many processes give whole lines", "[audit]") {
  TempDir tmp;
  const std::string log = tmp.path() + "/pm2home/pm2guard-audit.log";
  constexpr int kChildren = 8;
  constexpr int kLines = 200;
  Children children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int failures = 0;
      for (int i = 0; i < kLines; ++i) {
        AuditRecord r;
        r.argv = {"pm2", "delete", "child-" + std::to_string(c)};
        r.message = std::string(static_cast<size_t>(100 + (i * 37 + c * 101) % 3000), static_cast<char>('a' + c));
        r.verification = {std::to_string(c), std::to_string(i)};
        std::string error;
        if (!append_audit_line(log, audit_json_line(r), error)) ++failures;
      }
      _exit(failures == 0 ? 0 : 1);
    }
    children.pids.push_back(pid);
  }
  for (pid_t& pid : children.pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    pid = -1;  // reaped
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  children.pids.clear();

  std::string text = read_file(log);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  std::set<std::pair<int, int>> seen;
  int count = 0;
  while (std::getline(in, line)) {
    ++count;
    json j = json::parse(line, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    int c = std::stoi(j["verification"][0].get<std::string>());
    int i = std::stoi(j["verification"][1].get<std::string>());
    std::string msg = j["message"];
    CHECK(msg == std::string(static_cast<size_t>(100 + (i * 37 + c * 101) % 3000), static_cast<char>('a' + c)));
    seen.insert({c, i});
  }
  CHECK(count == kChildren * kLines);
  CHECK(seen.size() == static_cast<size_t>(kChildren * kLines));
}

TEST_CASE("the audit log is created 0640 in a directory created 0750", "[audit]") {
  Umask pin(022);
  TempDir tmp;
  std::string error;
  const std::string dir = tmp.path() + "/pm2home";
  const std::string log = dir + "/pm2guard-audit.log";
  REQUIRE(append_audit_line(log, "{\"a\":1}", error));
  CHECK(error.empty());
  CHECK(mode_of(dir) == 0750);
  CHECK(mode_of(log) == 0640);
  REQUIRE(append_audit_line(log, "{\"a\":2}", error, true));
  CHECK(read_file(log) == "{\"a\":1}\n{\"a\":2}\n");

  SECTION("a missing directory whose parent is missing is an error") {
    std::string deep = tmp.path() + "/no/such/pm2guard-audit.log";
    CHECK_FALSE(append_audit_line(deep, "{}", error));
    CHECK(error.find(deep) != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.path() + "/no"));
  }
  SECTION("a line holding a newline is refused") {
    CHECK_FALSE(append_audit_line(log, "{}\n{}", error));
    CHECK(read_file(log) == "{\"a\":1}\n{\"a\":2}\n");
  }
}

TEST_CASE("unsafe audit log paths are refused", "[audit]") {
  TempDir tmp;
  std::string error;
  const std::string log = tmp.path() + "/pm2guard-audit.log";
  SECTION("a symlink") {
    std::string target = tmp.write("target", "untouched\n");
    REQUIRE(symlink(target.c_str(), log.c_str()) == 0);
    CHECK_FALSE(append_audit_line(log, "{}", error));
    CHECK(error.find("symbolic link") != std::string::npos);
    CHECK(error.find(log) != std::string::npos);
    CHECK(read_file(target) == "untouched\n");
  }
  SECTION("a dangling symlink is not followed to create its target") {
    REQUIRE(symlink((tmp.path() + "/created-through-link").c_str(), log.c_str()) == 0);
    CHECK_FALSE(append_audit_line(log, "{}", error));
    CHECK_FALSE(fs::exists(tmp.path() + "/created-through-link"));
  }
  SECTION("a world-writable file") {
    tmp.write("pm2guard-audit.log", "");
    REQUIRE(chmod(log.c_str(), 0666) == 0);
    CHECK_FALSE(append_audit_line(log, "{}", error));
    CHECK(error.find("writable by group or others") != std::string::npos);
    CHECK(error.find("0666") != std::string::npos);
    CHECK(read_file(log).empty());
  }
  SECTION("a group-writable file") {
    tmp.write("pm2guard-audit.log", "");
    REQUIRE(chmod(log.c_str(), 0660) == 0);
    CHECK_FALSE(append_audit_line(log, "{}", error));
  }
  SECTION("a FIFO, without hanging") {
    REQUIRE(mkfifo(log.c_str(), 0600) == 0);
    CHECK_FALSE(append_audit_line(log, "{}", error));
    CHECK_FALSE(error.empty());
  }
  SECTION("a directory") {
    fs::create_directory(log);
    CHECK_FALSE(append_audit_line(log, "{}", error));
  }
  SECTION("a file with a second hard link") {
    std::string other = tmp.write("elsewhere", "");
    REQUIRE(chmod(other.c_str(), 0640) == 0);
    REQUIRE(link(other.c_str(), log.c_str()) == 0);
    CHECK_FALSE(append_audit_line(log, "{}", error));
    CHECK(error.find("hard links") != std::string::npos);
  }
}

TEST_CASE("default_audit_path is beside the daemon", "[audit]") {
  Pm2Paths p;
  p.home = "/home/deploy/.pm2";
  CHECK(default_audit_path(p) == "/home/deploy/.pm2/pm2guard-audit.log");
}

TEST_CASE("human_summary names every process about to be touched", "[audit]") {
  std::vector<ProcessInfo> two = {process(0, "api", "default", "online", 1), process(7, "api", "other", "stopped", 0)};
  CHECK(human_summary({"/usr/local/bin/pm2", "delete", "api"}, snapshot_of(two)) ==
        "pm2guard: pm2 delete api: 2 processes: api (online, id 0), api (stopped, id 7, namespace other)");
  CHECK(human_summary({"pm2", "stop", "gone"}, {}) == "pm2guard: pm2 stop gone: no processes");
  CHECK(human_summary({"pm2", "restart", "0"}, {snapshot_of(process(0, "api", "default", "", 0))}) ==
        "pm2guard: pm2 restart 0: 1 process: api (status unknown, id 0)");
  std::vector<ProcessInfo> five = {process(0, "flyer-crawler-api", "default", "online", 1),
                                   process(1, "flyer-crawler-worker", "default", "online", 2),
                                   process(2, "flyer-crawler-api-test", "default", "online", 3),
                                   process(3, "stock-alert-api", "default", "online", 4),
                                   process(4, "billing-api", "other", "errored", 0)};
  CHECK(human_summary({"pm2", "delete", "all"}, snapshot_of(five)) ==
        "pm2guard: pm2 delete all: 5 processes:\n"
        "pm2guard:   flyer-crawler-api (online, id 0)\n"
        "pm2guard:   flyer-crawler-worker (online, id 1)\n"
        "pm2guard:   flyer-crawler-api-test (online, id 2)\n"
        "pm2guard:   stock-alert-api (online, id 3)\n"
        "pm2guard:   billing-api (errored, id 4, namespace other)");
  // A process name is text from the daemon: it must not drive the terminal.
  CHECK(human_summary({"pm2", "stop", "x"},
                      {snapshot_of(process(3, "evil\x1B]0;pwned\x07\nline", "default", "online", 1))}) ==
        "pm2guard: pm2 stop x: 1 process: evil\\x1B]0;pwned\\x07\\x0Aline (online, id 3)");
}

TEST_CASE("verification notes report what happened outside the targets", "[audit]") {
  auto proc = [](int id, std::string name, std::string ns, std::string status, long pid, long long restarts = 0,
                 long long uptime = 1000) {
    ProcessInfo p = process(id, std::move(name), std::move(ns), std::move(status), pid);
    p.restart_time = restarts;
    p.pm_uptime = uptime;
    return p;
  };
  std::vector<ProcessInfo> before = {
      proc(0, "api", "default", "online", 10), proc(1, "worker", "default", "online", 11),
      proc(2, "stock-alert-api", "default", "online", 12), proc(4, "billing-api", "other", "online", 14),
      proc(5, "cron", "default", "online", 15), proc(6, "batch", "default", "errored", 0, 2, 500)};
  std::vector<int> targets = {0, 1};
  SECTION("isolation held") {
    std::vector<ProcessInfo> after = {
        proc(0, "api", "default", "online", 20, 1, 2000), proc(2, "stock-alert-api", "default", "online", 12),
        proc(4, "billing-api", "other", "online", 14),     proc(5, "cron", "default", "online", 15),
        proc(6, "batch", "default", "errored", 0, 2, 500), proc(7, "api-new", "default", "online", 16)};
    CHECK(verification_notes(before, after, targets).empty());
  }
  SECTION("contamination") {
    std::vector<ProcessInfo> after = {proc(2, "stock-alert-api", "default", "stopped", 0),
                                      proc(5, "cron", "default", "online", 25, 1, 3000),
                                      proc(6, "batch", "default", "errored", 0, 3, 900)};
    CHECK(verification_notes(before, after, targets) ==
          std::vector<std::string>{
              "stock-alert-api (online, id 2) is now stopped although it was not a target",
              "billing-api (online, id 4, namespace other) disappeared",
              "cron (online, id 5) was restarted (pid 15 -> 25, restart count 0 -> 1) although it was not a target",
              // errored before and after, pid 0 both times: only the counter shows the restart
              "batch (errored, id 6) was restarted (restart count 2 -> 3) although it was not a target"});
  }
  SECTION("renamed, and restarted with nothing but a new start time") {
    std::vector<ProcessInfo> after = {proc(2, "stock-alert-api-v2", "default", "online", 12),
                                      proc(4, "billing-api", "other", "online", 14, 0, 5000),
                                      proc(5, "cron", "default", "stopped", 0),
                                      proc(6, "batch", "default", "errored", 0, 2, 500)};
    CHECK(verification_notes(before, after, targets) ==
          std::vector<std::string>{
              "stock-alert-api (online, id 2) was renamed to stock-alert-api-v2 although it was not a target",
              "billing-api (online, id 4, namespace other) was restarted (started again) although it was not a target",
              "cron (online, id 5) is now stopped although it was not a target"});
  }
  SECTION("names from the daemon are escaped") {
    std::vector<ProcessInfo> b = {proc(3, "bad\n::warning::x", "default", "online", 10)};
    std::vector<ProcessInfo> a = {proc(3, "x\x1B[2J\n::error::y", "default", "online", 11)};
    std::vector<std::string> notes = verification_notes(b, a, {});
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == "bad\\x0A::warning::x (online, id 3) was renamed to x\\x1B[2J\\x0A::error::y and was restarted "
                      "(pid 10 -> 11) although it was not a target");
  }
}

TEST_CASE("human_summary_lines gives one line per entry, escaped", "[audit]") {
  std::vector<ProcessInfo> five;
  for (int i = 0; i < 5; ++i) five.push_back(process(i, i == 2 ? "evil\n::error::x" : "p" + std::to_string(i), "default", "online", 1));
  std::vector<std::string> lines = human_summary_lines({"pm2", "restart", "x"}, snapshot_of(five));
  REQUIRE(lines.size() == 6);
  for (const std::string& l : lines) CHECK(l.find('\n') == std::string::npos);
  CHECK(lines[3] == "pm2guard:   evil\\x0A::error::x (online, id 2)");
}

TEST_CASE("the syslog line is short and carries decision, rule, command, repository and run", "[audit]") {
  AuditRecord r = sample_record();
  std::string text = audit_syslog_text(r);
  CHECK(text == "refuse target-all,ownership: pm2 delete api (repo acme/web, run 4242)");
  r.decision = Decision::Override;
  r.argv = {"pm2", "delete", std::string(2000, 'x') + "\n"};
  text = audit_syslog_text(r);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.size() < 1000);
  CHECK(text.find("override: incident 17") != std::string::npos);
  r.ci = CiMetadata{};
  r.rules.clear();
  r.decision = Decision::Allow;
  r.argv = {"pm2", "jlist"};
  CHECK(audit_syslog_text(r) == "allow -: pm2 jlist (repo -, run -)");
}

#include "job_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "io_util.h"
#include "run.h"

using namespace pm2guard::shim;
using pm2guard::testing::TempDir;
namespace fs = std::filesystem;

namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(const Env& env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

const Env kGithub = {
    {"GITHUB_ACTIONS", "true"},        {"GITHUB_SERVER_URL", "https://github.com"},
    {"GITHUB_REPOSITORY", "acme/web"}, {"GITHUB_RUN_ID", "9001"},
    {"GITHUB_RUN_ATTEMPT", "1"},       {"GITHUB_JOB", "deploy"},
};

Env with(Env env, const Env& changes) {
  for (const auto& [k, v] : changes) env[k] = v;
  return env;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void set_age(const std::string& path, std::chrono::hours age) {
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = time(nullptr) - static_cast<time_t>(age.count() * 3600);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("job_key identifies the CI job", "[job_state]") {
  std::optional<std::string> key = job_key(lookup(kGithub));
  REQUIRE(key);
  CHECK(*key == "actions https://github.com acme/web run 9001 attempt 1 job deploy");
  CHECK(job_key(lookup(with(kGithub, {{"GITHUB_RUN_ATTEMPT", "2"}}))) != key);
  CHECK(job_key(lookup(with(kGithub, {{"GITHUB_JOB", "migrate"}}))) != key);
  CHECK(job_key(lookup(with(kGithub, {{"GITHUB_REPOSITORY", "acme/other"}}))) != key);
  CHECK(job_key(lookup(with(kGithub, {{"GITHUB_SERVER_URL", "https://gitea.example.com"}}))) != key);
  // Unrelated variables do not move the key.
  CHECK(job_key(lookup(with(kGithub, {{"GITHUB_SHA", "abc"}, {"GITHUB_TOKEN", "t"}}))) == key);
  CHECK(*job_key(lookup(with(kGithub, {{"GITHUB_SERVER_URL", "https://u:pw@git.example.com"}}))) ==
        "actions https://git.example.com acme/web run 9001 attempt 1 job deploy");
  CHECK(*job_key(lookup({{"GITHUB_REPOSITORY", "o/r"}, {"GITHUB_RUN_ID", "5"}})) ==
        "actions - o/r run 5 attempt - job -");
  CHECK(*job_key(lookup({{"FORGEJO_REPOSITORY", "o/r"},
                         {"FORGEJO_RUN_ID", "12"},
                         {"FORGEJO_JOB", "build"},
                         {"FORGEJO_SERVER_URL", "https://code.example.org"}})) ==
        "actions https://code.example.org o/r run 12 attempt - job build");
  CHECK(*job_key(lookup({{"GITLAB_CI", "true"},
                         {"CI_SERVER_URL", "https://gitlab.example.com"},
                         {"CI_PROJECT_PATH", "group/sub/app"},
                         {"CI_JOB_ID", "314"}})) == "gitlab https://gitlab.example.com group/sub/app job 314");
}

TEST_CASE("no job key outside a CI job", "[job_state]") {
  CHECK_FALSE(job_key(lookup({})));
  CHECK_FALSE(job_key(lookup({{"CI", "true"}, {"GITHUB_ACTIONS", "true"}})));
  CHECK_FALSE(job_key(lookup({{"GITHUB_REPOSITORY", "o/r"}})));
  CHECK_FALSE(job_key(lookup({{"GITHUB_RUN_ID", "5"}, {"GITHUB_REPOSITORY", ""}})));
  CHECK_FALSE(job_key(lookup({{"GITLAB_CI", "true"}})));
}

TEST_CASE("job state round trip", "[job_state]") {
  mode_t old = umask(022);
  TempDir tmp;
  const std::string dir = tmp.path() + "/pm2guard-jobs";
  const std::string key = *job_key(lookup(kGithub));
  std::string error;
  JobState s;
  s.seen = {"0:flyer-crawler-api", "1:flyer-crawler-worker", "4:billing-api"};
  s.hit = {"0:flyer-crawler-api"};
  bool saved = save_job_state(dir, key, s, error);
  umask(old);
  INFO(error);
  REQUIRE(saved);
  const std::string path = job_state_path(dir, key);
  CHECK(path == dir + "/" + sha256_hex(key) + ".json");
  CHECK(fs::is_regular_file(path));
  CHECK(mode_of(dir) == 0750);
  CHECK(mode_of(path) == 0640);
  std::optional<JobState> loaded = load_job_state(dir, key, error);
  REQUIRE(loaded);
  CHECK(loaded->seen == s.seen);
  CHECK(loaded->hit == s.hit);
  CHECK(loaded->updated.size() == 24);
  CHECK(loaded->updated.back() == 'Z');

  loaded->hit.insert("1:flyer-crawler-worker");
  REQUIRE(save_job_state(dir, key, *loaded, error));
  std::optional<JobState> again = load_job_state(dir, key, error);
  REQUIRE(again);
  CHECK(again->hit == std::set<std::string>{"0:flyer-crawler-api", "1:flyer-crawler-worker"});
  // No temporary files are left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);

  ProcessInfo p;
  p.pm_id = 3;
  p.name = "stock-alert-api";
  CHECK(process_identity(p) == "3:stock-alert-api");
  Pm2Paths paths;
  paths.home = "/home/deploy/.pm2";
  CHECK(default_job_state_dir(paths) == "/home/deploy/.pm2/pm2guard-jobs");
}

TEST_CASE("a job with no file has an empty state", "[job_state]") {
  TempDir tmp;
  std::string error;
  SECTION("no directory") {
    std::optional<JobState> s = load_job_state(tmp.path() + "/pm2guard-jobs", "k", error);
    REQUIRE(s);
    CHECK(s->seen.empty());
    CHECK(s->hit.empty());
    CHECK(s->updated.empty());
    CHECK_FALSE(fs::exists(tmp.path() + "/pm2guard-jobs"));  // loading creates nothing
  }
  SECTION("no file") {
    fs::create_directory(tmp.path() + "/jobs");
    fs::permissions(tmp.path() + "/jobs", fs::perms(0750));
    std::optional<JobState> s = load_job_state(tmp.path() + "/jobs", "k", error);
    REQUIRE(s);
    CHECK(s->hit.empty());
    CHECK(error.empty());
  }
}

TEST_CASE("a corrupt job state is an error", "[job_state]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/jobs";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms(0750));
  const std::string key = "actions - o/r run 1 attempt 1 job j";
  const std::string path = job_state_path(dir, key);
  std::string error;
  auto corrupt = [&](const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    fs::permissions(path, fs::perms(0640));
    error.clear();
    std::optional<JobState> s = load_job_state(dir, key, error);
    CHECK_FALSE(s);
    CHECK(error.find(path) != std::string::npos);
    return error;
  };
  CHECK(corrupt("").find("not JSON") != std::string::npos);
  CHECK(corrupt("{\"v\":1,\"key\":").find("not JSON") != std::string::npos);
  CHECK(corrupt("[]").find("not a JSON object") != std::string::npos);
  std::string head = "{\"v\":1,\"key\":\"" + key + "\",\"updated\":\"x\",";
  corrupt(head + "\"seen\":[],\"hit\":{}}");
  corrupt(head + "\"seen\":[1],\"hit\":[]}");
  corrupt(head + "\"seen\":[]}");
  corrupt("{\"v\":2,\"key\":\"" + key + "\",\"updated\":\"x\",\"seen\":[],\"hit\":[]}");
  CHECK(corrupt("{\"v\":1,\"key\":\"another\",\"updated\":\"x\",\"seen\":[],\"hit\":[]}").find("another job") !=
        std::string::npos);
  // The well-formed document loads.
  std::ofstream(path, std::ios::binary | std::ios::trunc) << head + "\"seen\":[\"0:a\"],\"hit\":[]}";
  CHECK(load_job_state(dir, key, error));
}

TEST_CASE("job state files others could rewrite are refused", "[job_state]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/jobs";
  const std::string key = "k";
  std::string error;
  JobState s;
  s.hit = {"0:a"};
  REQUIRE(save_job_state(dir, key, s, error));
  const std::string path = job_state_path(dir, key);
  SECTION("a group-writable file") {
    REQUIRE(chmod(path.c_str(), 0660) == 0);
    CHECK_FALSE(load_job_state(dir, key, error));
    CHECK(error.find("writable by group or others") != std::string::npos);
  }
  SECTION("a world-writable directory") {
    REQUIRE(chmod(dir.c_str(), 0777) == 0);
    CHECK_FALSE(load_job_state(dir, key, error));
    CHECK_FALSE(save_job_state(dir, key, s, error));
  }
  SECTION("a symlink in place of the file") {
    std::string elsewhere = tmp.write("elsewhere.json", read_file(path));
    fs::remove(path);
    REQUIRE(symlink(elsewhere.c_str(), path.c_str()) == 0);
    CHECK_FALSE(load_job_state(dir, key, error));
    CHECK(error.find("symbolic link") != std::string::npos);
  }
  SECTION("a symlink in place of the directory") {
    std::string real = tmp.path() + "/real-jobs";
    fs::rename(dir, real);
    REQUIRE(symlink(real.c_str(), dir.c_str()) == 0);
    CHECK_FALSE(load_job_state(dir, key, error));
    CHECK_FALSE(save_job_state(dir, key, s, error));
  }
}

TEST_CASE("saving prunes job files older than 7 days", "[job_state]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/jobs";
  std::string error;
  JobState s;
  REQUIRE(save_job_state(dir, "old job", s, error));
  REQUIRE(save_job_state(dir, "recent job", s, error));
  REQUIRE(save_job_state(dir, "current job", s, error));
  const std::string old_path = job_state_path(dir, "old job");
  const std::string recent_path = job_state_path(dir, "recent job");
  const std::string current_path = job_state_path(dir, "current job");
  const std::string stale_tmp = tmp.write("jobs/." + sha256_hex("x") + ".json.tmp.123.0", "{");
  const std::string foreign = tmp.write("jobs/notes.txt", "not ours");
  set_age(old_path, std::chrono::hours(8 * 24));
  set_age(stale_tmp, std::chrono::hours(8 * 24));
  set_age(foreign, std::chrono::hours(30 * 24));
  set_age(recent_path, std::chrono::hours(6 * 24));
  set_age(current_path, std::chrono::hours(9 * 24));  // rewritten by the save below
  REQUIRE(save_job_state(dir, "current job", s, error));
  CHECK_FALSE(fs::exists(old_path));
  CHECK_FALSE(fs::exists(stale_tmp));
  CHECK(fs::exists(recent_path));
  CHECK(fs::exists(current_path));
  CHECK(fs::exists(foreign));
}

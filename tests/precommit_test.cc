// pm2guard as a pre-commit hook, run by the real pre-commit from Debian in a
// throwaway git repository: a commit adding a dangerous workflow is refused,
// a safe one goes through, and files the hook does not cover are left alone.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/run.h"

namespace fs = std::filesystem;
using pm2guard::testing::run;
using pm2guard::testing::RunOptions;
using pm2guard::testing::RunResult;
using pm2guard::testing::TempDir;

namespace {

struct Env {
  RunOptions opts;
  explicit Env(const TempDir& d, const std::string& cwd) {
    std::string bin = fs::path(PM2GUARD_BINARY).parent_path().string();
    opts.env = std::map<std::string, std::string>{
        {"PATH", bin + ":/usr/local/bin:/usr/bin:/bin"},
        {"HOME", d.path()},
        {"PRE_COMMIT_HOME", d.path() + "/pre-commit-cache"},
        {"GIT_AUTHOR_NAME", "t"},
        {"GIT_AUTHOR_EMAIL", "t@example.com"},
        {"GIT_COMMITTER_NAME", "t"},
        {"GIT_COMMITTER_EMAIL", "t@example.com"},
        {"GIT_CONFIG_NOSYSTEM", "1"},
    };
    opts.cwd = cwd;
    opts.timeout_seconds = 120;
  }
};

RunResult git(const Env& e, std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/git");
  return run(args, e.opts);
}

}  // namespace

TEST_CASE("the pre-commit hook blocks a commit that adds pm2 delete all", "[precommit]") {
  REQUIRE(fs::exists("/usr/bin/pre-commit"));
  TempDir d;
  // The hook repository: the project's own manifest, committed.
  std::string hooks = d.path() + "/hooks";
  fs::create_directories(hooks);
  fs::copy_file(fs::path(PM2GUARD_SOURCE_DIR) / ".pre-commit-hooks.yaml", hooks + "/.pre-commit-hooks.yaml");
  Env he(d, hooks);
  REQUIRE(git(he, {"init", "-q"}).code == 0);
  REQUIRE(git(he, {"add", "-A"}).code == 0);
  REQUIRE(git(he, {"commit", "-q", "-m", "hooks"}).code == 0);
  std::string rev = git(he, {"rev-parse", "HEAD"}).out;
  rev.erase(rev.find_last_not_of("\n") + 1);

  // The project that uses it.
  std::string repo = d.path() + "/repo";
  fs::create_directories(repo);
  Env e(d, repo);
  REQUIRE(git(e, {"init", "-q"}).code == 0);
  d.write("repo/.pre-commit-config.yaml",
          "repos:\n  - repo: " + hooks + "\n    rev: " + rev + "\n    hooks:\n      - id: pm2guard\n");
  RunResult install = run({"/usr/bin/pre-commit", "install"}, e.opts);
  INFO(install.out << install.err);
  REQUIRE(install.code == 0);

  d.write("repo/docker-compose.yml", "services:\n  pm2:\n    command: pm2 delete all\n");
  d.write("repo/.gitea/workflows/deploy.yml",
          "on: push\njobs:\n  d:\n    runs-on: self-hosted\n    steps:\n      - run: pm2 delete all\n");
  REQUIRE(git(e, {"add", "-A"}).code == 0);
  RunResult blocked = git(e, {"commit", "-m", "deploy"});
  INFO(blocked.out << blocked.err);
  CHECK(blocked.code != 0);
  std::string said = blocked.out + blocked.err;  // git hooks may report on either stream
  CHECK(said.find(".gitea/workflows/deploy.yml:6:25: error:") != std::string::npos);
  CHECK(said.find("docker-compose.yml") == std::string::npos);
  CHECK(git(e, {"rev-parse", "--verify", "-q", "HEAD"}).code != 0);  // nothing was committed

  d.write("repo/.gitea/workflows/deploy.yml",
          "on: push\njobs:\n  d:\n    runs-on: self-hosted\n    steps:\n      - run: pm2 delete flyer-api flyer-worker\n");
  d.write("repo/deploy.sh", "#!/bin/sh\npm2 restart flyer-api\n");
  REQUIRE(git(e, {"add", "-A"}).code == 0);
  RunResult ok = git(e, {"commit", "-q", "-m", "deploy"});
  INFO(ok.out << ok.err);
  CHECK(ok.code == 0);
  CHECK(git(e, {"rev-parse", "--verify", "-q", "HEAD"}).code == 0);
}

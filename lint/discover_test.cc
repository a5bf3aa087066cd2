// Which files a directory search finds, and how named files are read.
#include "discover.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "lint.h"
#include "run.h"

using namespace pm2guard::lint;
using pm2guard::testing::TempDir;

namespace {

const char* kWorkflow = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pm2 kill\n";

// Paths relative to the directory, with their kind.
std::vector<std::string> found(const TempDir& d, const std::vector<std::string>& args) {
  std::vector<FileError> errors;
  std::vector<InputFile> in = discover(args, errors);
  CHECK(errors.empty());
  std::vector<std::string> out;
  for (const InputFile& f : in) {
    std::string rel = f.path.rfind(d.path() + "/", 0) == 0 ? f.path.substr(d.path().size() + 1) : f.path;
    const char* kind = f.kind == InputKind::Workflow ? "workflow"
                       : f.kind == InputKind::Action ? "action"
                       : f.kind == InputKind::Shell  ? "shell"
                       : f.kind == InputKind::PackageJson ? "package-json"
                       : f.kind == InputKind::Makefile    ? "makefile"
                       : f.kind == InputKind::GitlabCi    ? "gitlab-ci"
                       : f.kind == InputKind::WoodpeckerDrone ? "woodpecker-drone"
                       : f.kind == InputKind::Bitbucket       ? "bitbucket"
                       : f.kind == InputKind::CircleCi        ? "circleci"
                                                          : "yaml";
    out.push_back(rel + " " + kind);
  }
  return out;
}

}  // namespace

TEST_CASE("workflows are the files directly in a forge's workflows directory", "[discover]") {
  TempDir d;
  d.write(".github/workflows/deploy.yml", kWorkflow);
  d.write(".gitea/workflows/deploy.yaml", kWorkflow);
  d.write(".forgejo/workflows/deploy.yml", kWorkflow);
  d.write(".github/workflows/old/deploy.yml", kWorkflow);
  d.write(".github/workflows/templates/a/b.yaml", kWorkflow);
  d.write(".gitea/workflows/disabled/x.yml", kWorkflow);
  d.write(".github/workflows.yml", kWorkflow);
  d.write("workflows/deploy.yml", kWorkflow);
  d.write("github/workflows/deploy.yml", kWorkflow);
  d.write(".github/other/workflows/deploy.yml", kWorkflow);
  d.write("nested/.github/workflows/ci.yml", kWorkflow);
  CHECK(found(d, {d.path()}) == std::vector<std::string>{".forgejo/workflows/deploy.yml workflow",
                                                          ".gitea/workflows/deploy.yaml workflow",
                                                          ".github/workflows/deploy.yml workflow",
                                                          "nested/.github/workflows/ci.yml workflow"});
  // Named on the command line, a file is linted wherever it lives.
  CHECK(found(d, {d.path() + "/.github/workflows/old/deploy.yml"}) ==
        std::vector<std::string>{".github/workflows/old/deploy.yml yaml"});
  CHECK(found(d, {d.path() + "/.github/workflows/deploy.yml"}) ==
        std::vector<std::string>{".github/workflows/deploy.yml workflow"});
  CHECK(found(d, {d.path() + "/workflows/deploy.yml"}) == std::vector<std::string>{"workflows/deploy.yml yaml"});
}

TEST_CASE("directory search skips .git and node_modules, finds actions anywhere", "[discover]") {
  TempDir d;
  d.write("node_modules/p/.github/workflows/a.yml", kWorkflow);
  d.write(".git/x/.github/workflows/a.yml", kWorkflow);
  d.write("tools/deploy/action.yml", "runs:\n  using: composite\n  steps: []\n");
  d.write("scripts/deploy.sh", "pm2 kill\n");
  CHECK(found(d, {d.path()}) == std::vector<std::string>{"tools/deploy/action.yml action"});
  CHECK(found(d, {d.path() + "/scripts/deploy.sh"}) == std::vector<std::string>{"scripts/deploy.sh shell"});
}

TEST_CASE("scripts a workflow runs by relative path are linted too", "[discover][references]") {
  using namespace pm2guard::lint;
  TempDir d;
  d.write(".github/workflows/deploy.yml",
          "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
          "      - run: bash ./scripts/deploy.sh\n"
          "      - run: $GITHUB_WORKSPACE/scripts/cleanup.sh\n"
          "      - run: ./missing.sh && ssh h 'bash remote.sh'\n");
  d.write("scripts/deploy.sh", "#!/bin/bash\nsource ./lib.sh\npm2 kill\n");
  d.write("scripts/cleanup.sh", "pm2 delete all\n");
  d.write("lib.sh", "pm2 stop all\n");
  d.write("remote.sh", "pm2 reload all\n");
  d.write("notes.txt", "pm2 delete all\n");
  std::vector<FileError> errors;
  LintOptions opts;
  opts.jobs = 1;
  std::vector<FileReport> reports = lint_with_references(discover({d.path()}, errors), opts);
  std::vector<std::string> got;
  for (const FileReport& r : reports)
    for (const LintFinding& f : r.findings)
      got.push_back(r.path.substr(d.path().size() + 1) + ":" + std::to_string(f.range.line) + ":" + f.rule);
  std::sort(got.begin(), got.end());
  // lib.sh is sourced from scripts/deploy.sh relative to the checkout root;
  // remote.sh runs on another host; missing.sh does not exist.
  CHECK(got == std::vector<std::string>{"lib.sh:1:target-all", "scripts/cleanup.sh:1:target-all",
                                        "scripts/deploy.sh:3:daemon-teardown"});
  CHECK(reports.size() == 4);
}

TEST_CASE("named paths and workflows that are not regular files are errors, never read", "[discover][files]") {
  TempDir d;
  std::string good = d.write("good.sh", "pm2 kill\n");
  std::string fifo = d.path() + "/fifo.sh";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  std::string zero = d.path() + "/zero.yml";
  REQUIRE(symlink("/dev/zero", zero.c_str()) == 0);
  // No extension: discover would read its first line for a shebang.
  std::string bare = d.path() + "/script";
  REQUIRE(mkfifo(bare.c_str(), 0600) == 0);
  d.write(".github/workflows/ok.yml", kWorkflow);
  REQUIRE(mkfifo((d.path() + "/.github/workflows/pipe.yml").c_str(), 0600) == 0);
  REQUIRE(symlink("gone.yml", (d.path() + "/.github/workflows/dangling.yml").c_str()) == 0);

  std::vector<FileError> errors;
  std::vector<InputFile> in = discover({fifo, zero, bare, good, d.path()}, errors);
  std::vector<std::string> got;
  for (const FileError& e : errors) got.push_back(e.path.substr(d.path().size() + 1) + ": " + e.message);
  std::sort(got.begin(), got.end());  // a directory is walked in no set order
  CHECK(got == std::vector<std::string>{".github/workflows/dangling.yml: a symbolic link to a file that does not exist",
                                        ".github/workflows/pipe.yml: not a regular file: a FIFO",
                                        "fifo.sh: not a regular file: a FIFO",
                                        "script: not a regular file: a FIFO",
                                        "zero.yml: not a regular file: a character device"});
  REQUIRE(in.size() == 2);  // the others are linted
  CHECK(in[0].path == good);
  CHECK(in[1].path == d.path() + "/.github/workflows/ok.yml");
}

TEST_CASE("worker count: the request, at most 256 and the number of files or CPUs, at least one", "[lint][jobs]") {
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  CHECK(worker_count(4, 10) == 4);
  CHECK(worker_count(100000, 1000) == kMaxJobs);
  CHECK(worker_count(100000, 3) == std::min(kMaxJobs, std::max(3u, cpus)));
  CHECK(worker_count(2, 1) == std::min(2u, cpus));  // the second helps with the file's scripts
  CHECK(worker_count(1, 1) == 1);
  CHECK(worker_count(8, 0) == 1);
  CHECK(worker_count(0, 1000) >= 1);
  CHECK(worker_count(0, 1000) <= kMaxJobs);
  // Whatever the count, every file comes back, in order.
  TempDir d;
  std::vector<InputFile> inputs;
  for (int i = 0; i < 50; ++i) inputs.push_back({d.write("f" + std::to_string(i) + ".sh", i == 42 ? "pm2 kill\n" : ""), InputKind::Shell});
  for (unsigned jobs : {1u, 7u, 256u}) {
    LintOptions o;
    o.jobs = jobs;
    std::vector<FileReport> r = lint_files(inputs, o);
    REQUIRE(r.size() == inputs.size());
    for (size_t i = 0; i < r.size(); ++i) CHECK(r[i].path == inputs[i].path);
    CHECK(r[42].findings.size() == 1);
  }
}

// The scripts of a file are analysed by every worker without a file of its
// own; the report must not depend on which worker took which script.
TEST_CASE("the scripts of one file shared among idle workers give the report of one thread", "[lint][jobs]") {
  TempDir d;
  std::string wf = "on: push\njobs:\n  deploy:\n    runs-on: self-hosted\n    steps:\n";
  for (int i = 0; i < 60; ++i) {
    switch (i % 5) {
      case 0: wf += "      - run: pm2 delete all\n"; break;
      case 1: wf += "      - run: |\n          for a in one two; do pm2 restart \"$a\"; done\n          bash scripts/s" + std::to_string(i) + ".sh\n"; break;
      case 2: wf += "      - run: ssh host 'pm2 kill'\n"; break;
      case 3: wf += "      - run: pm2 jlist | jq -r '.[].name' | xargs pm2 stop\n"; break;
      default: wf += "      - run: echo nothing here " + std::to_string(i) + "\n"; break;
    }
  }
  std::vector<InputFile> inputs{{d.write(".github/workflows/many.yml", wf), InputKind::Workflow},
                                {d.write("small.sh", "pm2 stop all\n"), InputKind::Shell}};
  auto render = [](const std::vector<FileReport>& reports) {
    std::vector<std::string> out;
    for (const FileReport& r : reports) {
      for (const LintFinding& f : r.findings)
        out.push_back(r.path + ":" + std::to_string(f.range.line) + ":" + std::to_string(f.range.col) + " " + f.rule +
                      " " + f.message);
      for (const std::string& ref : r.script_references) out.push_back(r.path + " runs " + ref);
    }
    return out;
  };
  LintOptions one;
  one.jobs = 1;
  std::vector<std::string> expected = render(lint_files(inputs, one));
  REQUIRE(expected.size() > 40);  // 37 findings, 12 scripts run
  CHECK(std::count_if(expected.begin(), expected.end(), [](const std::string& l) {
          return l.find(" runs scripts/s") != std::string::npos;
        }) == 12);
  for (unsigned jobs : {2u, 3u, 8u}) {
    LintOptions o;
    o.jobs = jobs;
    for (int round = 0; round < 5; ++round) CHECK(render(lint_files(inputs, o)) == expected);
    // One file alone: the other workers can only help with its scripts.
    std::vector<InputFile> single{inputs[0]};
    CHECK(render(lint_files(single, o)) == render(lint_files(single, one)));
  }
}

TEST_CASE("a directory search finds package.json, Makefiles and GitLab CI files by name", "[discover][sources]") {
  TempDir d;
  d.write("package.json", "{}");
  d.write("web/package.json", "{}");
  d.write("node_modules/left-pad/package.json", "{}");
  d.write("Makefile", "all:\n\ttrue\n");
  d.write("tools/GNUmakefile", "all:\n\ttrue\n");
  d.write("mk/rules.mk", "all:\n\ttrue\n");
  d.write(".gitlab-ci.yml", "job:\n  script: true\n");
  d.write(".gitlab/ci/deploy.yml", "job:\n  script: true\n");
  d.write("ci/review.gitlab-ci.yml", "job:\n  script: true\n");
  d.write(".git/Makefile", "all:\n\ttrue\n");
  // Look-alikes by name that are no source: never read by a search.
  d.write("package.json.bak", "{}");
  d.write("Makefile.in", "all:\n");
  d.write("docs/gitlab-ci.md", "script: pm2 kill\n");
  d.write("ci/deploy.yml", "job:\n  script: true\n");
  d.write(".drone.yml", "steps: []\n");
  d.write(".woodpecker/deploy.yaml", "steps: []\n");
  d.write(".woodpecker.yml.orig", "steps: []\n");
  d.write(".circleci/config.yml", "jobs: {}\n");
  d.write("config.yml", "jobs: {}\n");
  d.write("bitbucket-pipelines.yml", "pipelines: {}\n");
  CHECK(found(d, {d.path()}) == std::vector<std::string>{".circleci/config.yml circleci", ".drone.yml woodpecker-drone",
                                                          ".gitlab-ci.yml gitlab-ci",
                                                          ".gitlab/ci/deploy.yml gitlab-ci",
                                                          ".woodpecker/deploy.yaml woodpecker-drone",
                                                          "Makefile makefile", "bitbucket-pipelines.yml bitbucket",
                                                          "ci/review.gitlab-ci.yml gitlab-ci",
                                                          "mk/rules.mk makefile", "package.json package-json",
                                                          "tools/GNUmakefile makefile", "web/package.json package-json"});
  // Named, each is read by its name; other YAML is a workflow or action by content.
  CHECK(found(d, {d.path() + "/.gitlab-ci.yml", d.path() + "/web/package.json", d.path() + "/mk/rules.mk",
                  d.path() + "/ci/deploy.yml"}) ==
        std::vector<std::string>{".gitlab-ci.yml gitlab-ci", "web/package.json package-json", "mk/rules.mk makefile",
                                 "ci/deploy.yml yaml"});
}

TEST_CASE("npm, yarn, pnpm and make in a script link the package.json or Makefile they read", "[discover][sources]") {
  TempDir d;
  d.write(".github/workflows/d.yml",
          "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n"
          "      - run: npm run stop\n"
          "      - run: make -C web deploy\n"
          "      - run: yarn --cwd api restart\n");
  d.write("package.json", "{\"scripts\": {\"stop\": \"pm2 delete all\"}}\n");
  d.write("web/Makefile", "deploy:\n\tpm2 kill\n");
  d.write("api/package.json", "{\"scripts\": {\"restart\": \"pm2 restart all\"}}\n");
  d.write("other/package.json", "{\"scripts\": {\"stop\": \"pm2 delete all\"}}\n");  // nothing runs it
  std::vector<FileError> errors;
  std::vector<InputFile> in = discover({d.path() + "/.github/workflows/d.yml"}, errors);
  std::vector<FileReport> reports = lint_with_references(in, LintOptions{});
  std::vector<std::string> got;
  for (const FileReport& r : reports) {
    for (const LintFinding& f : r.findings) got.push_back(r.path.substr(d.path().size() + 1) + ":" + f.rule);
  }
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"api/package.json:target-all", "package.json:target-all",
                                        "web/Makefile:daemon-teardown"});
}

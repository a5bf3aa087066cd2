// Which files a directory search finds, and how named files are read.
#include "discover.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

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

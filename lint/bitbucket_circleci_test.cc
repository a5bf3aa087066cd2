// The Bitbucket and CircleCI readers: where their scripts are, and bad input.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bitbucket.h"
#include "circleci.h"
#include "lint.h"

using namespace pm2guard::lint;

namespace {

std::vector<std::string> findings(InputKind kind, std::string text) {
  FileReport rep = lint_source(SourceFile::from_string("ci.yml", std::move(text)), kind, {});
  std::vector<std::string> out;
  for (const LintFinding& f : rep.findings) out.push_back(std::to_string(f.range.line) + ":" + f.rule);
  if (rep.error) out.push_back("error " + std::to_string(rep.error->line) + ": " + rep.error->message);
  return out;
}

std::vector<std::string> labels(ExtractResult (*read)(const SourceFile&, const ScriptBatchFn&), std::string text) {
  SourceFile f = SourceFile::from_string("ci.yml", std::move(text));
  std::vector<std::string> out;
  read(f, [&](std::vector<ScriptUnit>& batch) {
    for (const ScriptUnit& u : batch) out.push_back(u.label);
  });
  return out;
}

}  // namespace

TEST_CASE("Bitbucket: every step's script and after-script, an anchored step read once", "[sources][bitbucket]") {
  CHECK(labels(read_bitbucket,
               "definitions:\n  steps:\n    - step: &s\n        script: [echo a]\n"
               "pipelines:\n  default:\n    - step: *s\n    - step: *s\n"
               "  custom:\n    go:\n      - stage:\n          steps:\n            - step:\n                script: [echo b]\n"
               "                after-script: [echo c]\n") ==
        std::vector<std::string>{"definitions.steps[0].step.script", "pipelines.custom.go[0].stage.steps[0].step.script",
                                 "pipelines.custom.go[0].stage.steps[0].step.after-script"});
  CHECK(findings(InputKind::Bitbucket, "pipelines:\n  default:\n    - step:\n        script:\n          - pm2 kill\n") ==
        std::vector<std::string>{"5:daemon-teardown"});
  // A pipe is no script; a list is not a pipelines file.
  CHECK(findings(InputKind::Bitbucket,
                 "pipelines:\n  default:\n    - step:\n        script:\n          - pipe: atlassian/ssh-run:0.4.1\n"
                 "            variables: {MODE: command}\n")
            .empty());
  CHECK(findings(InputKind::Bitbucket, "- a\n") ==
        std::vector<std::string>{"error 1: not a Bitbucket pipelines file: expected a mapping with `pipelines:`"});
  // A self-referencing alias ends.
  CHECK(findings(InputKind::Bitbucket, "pipelines: &p\n  default:\n    - step:\n        script: [pm2 kill]\n    - *p\n") ==
        std::vector<std::string>{"4:daemon-teardown"});
}

TEST_CASE("CircleCI: run steps as strings and mappings, in jobs and commands, with environment", "[sources][circleci]") {
  CHECK(labels(read_circleci,
               "jobs:\n  a:\n    steps:\n      - checkout\n      - run: echo a\n      - run:\n          command: echo b\n"
               "commands:\n  c:\n    steps:\n      - run: echo c\n") ==
        std::vector<std::string>{"jobs.a.steps[1].run", "jobs.a.steps[2].run", "commands.c.steps[0].run"});
  CHECK(findings(InputKind::CircleCi,
                 "jobs:\n  a:\n    environment: {T: all}\n    steps:\n      - run: pm2 stop $T\n"
                 "      - run:\n          environment: {T: web}\n          command: pm2 stop $T\n") ==
        std::vector<std::string>{"5:target-all"});
  std::vector<std::string> f = findings(InputKind::CircleCi, "jobs:\n  a:\n    steps:\n      - run: pm2 kill\n  b: [\n");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == "4:daemon-teardown");
  CHECK(f[1].rfind("error 6: invalid YAML", 0) == 0);
}

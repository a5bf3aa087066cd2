// The Woodpecker and Drone reader: step forms, documents, the ssh plugin.
#include "woodpecker_drone.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lint.h"

using namespace pm2guard::lint;

namespace {

// "line:rule" of every finding, then the file error, of `text` as a pipeline.
std::vector<std::string> findings(std::string text) {
  FileReport rep =
      lint_source(SourceFile::from_string(".woodpecker.yml", std::move(text)), InputKind::WoodpeckerDrone, {});
  std::vector<std::string> out;
  for (const LintFinding& f : rep.findings) out.push_back(std::to_string(f.range.line) + ":" + f.rule);
  if (rep.error) out.push_back("error " + std::to_string(rep.error->line) + ": " + rep.error->message);
  return out;
}

std::vector<std::string> labels(std::string text) {
  SourceFile f = SourceFile::from_string(".drone.yml", std::move(text));
  std::vector<std::string> out;
  read_woodpecker_drone(f, [&](std::vector<ScriptUnit>& batch) {
    for (const ScriptUnit& u : batch) out.push_back(u.label + (u.origin == ScriptOrigin::RemoteScript ? " remote" : ""));
  });
  return out;
}

}  // namespace

TEST_CASE("steps as a list, as a map, the old pipeline map, commands as a list or a string", "[sources][woodpecker]") {
  CHECK(labels("steps:\n  - name: a\n    commands: [echo a]\n  - name: b\n    commands: echo b\n") ==
        std::vector<std::string>{"steps[0].commands", "steps[1].commands"});
  CHECK(labels("steps:\n  a:\n    commands: [echo a]\n") == std::vector<std::string>{"steps.a.commands"});
  CHECK(labels("pipeline:\n  old:\n    image: x\n    commands:\n      - echo\n") ==
        std::vector<std::string>{"pipeline.old.commands"});
  CHECK(labels("steps:\n  - name: s\n    image: appleboy/drone-ssh\n    settings:\n      script: [pm2 ls]\n") ==
        std::vector<std::string>{"steps[0].settings.script remote"});
  // An image that only looks like the plugin runs nothing remotely.
  CHECK(labels("steps:\n  - name: s\n    image: appleboy/drone-sshx\n    settings:\n      script: [pm2 ls]\n").empty());
  CHECK(findings("steps:\n  - name: d\n    environment: {T: all, S: {from_secret: s}}\n    commands:\n"
                 "      - pm2 stop $T\n      - pm2 stop web\n") == std::vector<std::string>{"5:target-all"});
}

TEST_CASE("every pipeline document of a Drone file is read, an error keeps what came before it", "[sources][woodpecker]") {
  CHECK(findings("kind: pipeline\nsteps:\n  - name: a\n    commands: [pm2 kill]\n---\nkind: pipeline\nsteps:\n"
                 "  - name: b\n    commands: [pm2 delete all]\n") ==
        std::vector<std::string>{"4:daemon-teardown", "9:target-all"});
  std::vector<std::string> f = findings("steps:\n  - name: a\n    commands: [pm2 kill]\n---\nsteps: [\n");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == "3:daemon-teardown");
  CHECK(f[1].rfind("error 6: invalid YAML", 0) == 0);
  CHECK(findings("- a\n") == std::vector<std::string>{"error 1: not a pipeline: expected a mapping with `steps:`"});
  // Thousands of documents: read in one pass, the ones past the bound reported.
  std::string many;
  for (int i = 0; i < 300; ++i) many += "steps:\n  - name: a\n    commands: [echo]\n---\n";
  f = findings(many);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == std::to_string(256 * 4) + ":shell-parse-error");  // the `---` that starts the 257th
}

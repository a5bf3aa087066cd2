// The GitLab CI reader: which keys are scripts, what they see, where they are.
#include "gitlab_ci.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lint.h"

using namespace pm2guard::lint;

namespace {

struct Read {
  SourceFile file;
  ExtractResult result;
  std::vector<ScriptUnit> units;
};

Read read(std::string text) {
  Read r{SourceFile::from_string(".gitlab-ci.yml", std::move(text)), {}, {}};
  r.result = read_gitlab_ci(r.file, [&](std::vector<ScriptUnit>& batch) {
    for (ScriptUnit& u : batch) r.units.push_back(std::move(u));
  });
  return r;
}

std::vector<std::string> labels(const Read& r) {
  std::vector<std::string> out;
  for (const ScriptUnit& u : r.units) out.push_back(u.label);
  return out;
}

// "line:rule" of every finding of a lint of `text` as a GitLab CI file.
std::vector<std::string> findings(std::string text) {
  FileReport rep = lint_source(SourceFile::from_string(".gitlab-ci.yml", std::move(text)), InputKind::GitlabCi, {});
  std::vector<std::string> out;
  for (const LintFinding& f : rep.findings) out.push_back(std::to_string(f.range.line) + ":" + f.rule);
  if (rep.error) out.push_back("error " + std::to_string(rep.error->line) + ": " + rep.error->message);
  return out;
}

}  // namespace

TEST_CASE("every job's scripts, default's and hidden jobs', in file order", "[sources][gitlab]") {
  Read r = read(
      "stages: [deploy]\n"
      "variables:\n  A: 1\n"
      "before_script: [echo legacy]\n"
      "default:\n  after_script:\n    - echo done\n"
      ".tpl:\n  script: [pm2 list]\n"
      "deploy:\n  before_script: echo a\n  script:\n    - echo b\n  after_script: echo c\n"
      "workflow:\n  rules: [{when: always}]\n"
      "include:\n  - local: ci/x.yml\n"
      "cache: {paths: [node_modules]}\n");
  REQUIRE_FALSE(r.result.error);
  CHECK(labels(r) == std::vector<std::string>{"before_script", "default.after_script", ".tpl.script",
                                              "deploy.before_script", "deploy.script", "deploy.after_script"});
  // Each byte of a script maps to the file byte it came from.
  for (const ScriptUnit& u : r.units) {
    for (size_t i = 0; i < u.text.size(); ++i) {
      if (u.text.text()[i] == '\n') continue;
      INFO(u.label << " byte " << i);
      CHECK(r.file.text[u.text.origin(i)] == u.text.text()[i]);
    }
  }
}

TEST_CASE("list items are lines, nested lists flattened, !reference read where it is written", "[sources][gitlab]") {
  Read r = read(
      ".c:\n  script:\n    - pm2 stop api\n"
      "job:\n  script:\n    - echo one\n    - - echo two\n      - - echo three\n    - !reference [.c, script]\n");
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[1].text.text() == "echo one\necho two\necho three\n");
  CHECK(findings(".c:\n  script:\n    - pm2 delete all\njob:\n  script:\n    - !reference [.c, script]\n") ==
        std::vector<std::string>{"3:target-all"});
}

TEST_CASE("variables: global, the job's, its templates', the {value:} form, expansions known at run time",
          "[sources][gitlab]") {
  Read r = read(
      "variables:\n  T: all\n  U: api\n  V: {value: all, description: x}\n  W: $CI_COMMIT_REF_NAME\n"
      ".base:\n  variables:\n    X: all\n.mid:\n  extends: .base\n  variables:\n    X: mid\n    Y: all\n"
      "job:\n  extends: [.mid]\n  variables:\n    U: web\n  script: pm2 stop $T\n");
  const ScriptUnit& job = r.units.back();
  REQUIRE(job.label == "job.script");
  auto value = [&](const char* name) {
    const EnvValue* v = job.env.find(name);
    return v ? (v->literal ? v->value : "<dynamic>") : "<unset>";
  };
  CHECK(value("T") == "all");
  CHECK(value("U") == "web");
  CHECK(value("V") == "all");
  CHECK(value("W") == "<dynamic>");
  CHECK(value("X") == "mid");  // the nearest template wins
  CHECK(value("Y") == "all");
  CHECK(findings("variables:\n  T: all\njob:\n  script: pm2 stop $T\nsafe:\n  variables:\n    T: api\n  script: pm2 stop $T\n") ==
        std::vector<std::string>{"4:target-all"});
  // A cycle of extends ends.
  CHECK(findings(".a:\n  extends: .b\n.b:\n  extends: .a\n  variables: {T: all}\njob:\n  extends: .a\n  script: pm2 stop $T\n") ==
        std::vector<std::string>{"8:target-all"});
}

TEST_CASE("bad and unusual GitLab files: errors at their place, what was read before still linted", "[sources][gitlab]") {
  // A syntax error after a job: the job is linted, the error has its line.
  std::vector<std::string> f = findings("a:\n  script: pm2 kill\nb:\n  script: [\n");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == "2:daemon-teardown");
  CHECK(f[1].rfind("error 5: invalid YAML", 0) == 0);
  // A `spec:` header: the configuration is the second document.
  CHECK(findings("spec:\n  inputs:\n    env: {default: x}\n---\njob:\n  script: pm2 delete all\n") ==
        std::vector<std::string>{"6:target-all"});
  // A second configuration document is not silently dropped.
  f = findings("job:\n  script: echo\n---\nother:\n  script: pm2 kill\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].rfind("error 3: another YAML document", 0) == 0);
  CHECK(findings("- a\n- b\n") ==
        std::vector<std::string>{"error 1: the document is a list: a GitLab CI file is a mapping of jobs and global keys"});
  // Lists nested past GitLab's limit are reported, not skipped in silence.
  std::string deep = "job:\n  script:\n    - ";
  for (int i = 0; i < 12; ++i) deep += "[";
  deep += "pm2 kill";
  for (int i = 0; i < 12; ++i) deep += "]";
  f = findings(deep + "\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "3:shell-parse-error");
}

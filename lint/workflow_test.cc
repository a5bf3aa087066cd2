#include "workflow.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "lint.h"
#include "yaml_test_support.h"

using pm2guard::lint::ContextMap;
using pm2guard::lint::ContextValues;
using pm2guard::lint::EnvMap;
using pm2guard::lint::FileReport;
using pm2guard::lint::find_ssh_action;
using pm2guard::lint::InputKind;
using pm2guard::lint::lint_source;
using pm2guard::lint::LintFinding;
using pm2guard::lint::LintOptions;
using pm2guard::lint::normalise_docker_image;
using pm2guard::lint::extract_scripts;
using pm2guard::lint::ExtractResult;
using pm2guard::lint::normalise_uses;
using pm2guard::lint::ScriptOrigin;
using pm2guard::lint::ScriptUnit;
using pm2guard::lint::SourceFile;
using pm2guard::lint::ssh_actions;
using pm2guard::lint::YamlKind;
using pm2guard::lint::testing::LineCol;
using pm2guard::lint::testing::where;

namespace {

struct Extracted {
  SourceFile file;
  ExtractResult result;
};

Extracted extract(std::string yaml, YamlKind kind = YamlKind::Auto) {
  Extracted e{SourceFile::from_string(".github/workflows/deploy.yml", std::move(yaml)), {}};
  e.result = extract_scripts(e.file, kind);
  return e;
}

const ScriptUnit* by_label(const Extracted& e, const std::string& label) {
  for (const ScriptUnit& u : e.result.scripts) {
    if (u.label == label) return &u;
  }
  return nullptr;
}

std::vector<std::string> labels(const Extracted& e) {
  std::vector<std::string> out;
  for (const ScriptUnit& u : e.result.scripts) out.push_back(u.label);
  return out;
}

std::string env_value(const pm2guard::lint::Env& env, const std::string& name) {
  const pm2guard::lint::EnvValue* v = env.find(name);
  return v ? v->value : "<unset>";
}

LineCol lc(uint32_t line, uint32_t col) { return {line, col}; }

using Labels = std::vector<std::string>;

}  // namespace

TEST_CASE("a workflow yields the run step of every job, mapped into the file", "[workflow]") {
  auto e = extract(R"(name: deploy
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
  deploy:
    needs: build
    runs-on: self-hosted
    steps:
      - name: restart
        run: |
          cd /srv/app
          pm2 delete all
      - run: >-
          pm2 start ecosystem.config.js
          --env production
)");
  REQUIRE_FALSE(e.result.error);
  CHECK_FALSE(e.result.nothing_to_lint);
  CHECK(labels(e) == Labels{"jobs.build.steps[1].run", "jobs.deploy.steps[0].run", "jobs.deploy.steps[1].run"});

  const ScriptUnit* restart = by_label(e, "jobs.deploy.steps[0].run");
  REQUIRE(restart);
  CHECK(restart->text.text() == "cd /srv/app\npm2 delete all\n");
  CHECK(restart->text.exact());
  CHECK(restart->shell == "bash");
  CHECK(restart->origin == ScriptOrigin::RunStep);
  CHECK(restart->action.empty());
  CHECK(e.file.line_col(restart->anchor) == lc(14, 9));  // the `run` key
  CHECK(where(e.file, restart->text, "pm2") == lc(16, 11));

  const ScriptUnit* start = by_label(e, "jobs.deploy.steps[1].run");
  REQUIRE(start);
  CHECK(start->text.text() == "pm2 start ecosystem.config.js --env production");
  CHECK(where(e.file, start->text, "--env") == lc(19, 11));
}

TEST_CASE("shells: step, then job defaults, then workflow defaults, then bash", "[workflow][shell]") {
  auto e = extract(R"(defaults:
  run:
    shell: sh
jobs:
  a:
    defaults:
      run:
        shell: /bin/bash --noprofile --norc -eo pipefail {0}
    steps:
      - run: echo job-default
      - run: echo step-dash
        shell: dash
      - run: echo step-pwsh
        shell: pwsh
  b:
    steps:
      - run: echo workflow-default
      - run: echo bash-e
        shell: bash -e {0}
)");
  REQUIRE_FALSE(e.result.error);
  CHECK(labels(e) ==
        Labels{"jobs.a.steps[0].run", "jobs.a.steps[1].run", "jobs.b.steps[0].run", "jobs.b.steps[1].run"});
  CHECK(by_label(e, "jobs.a.steps[0].run")->shell == "bash");
  CHECK(by_label(e, "jobs.a.steps[1].run")->shell == "sh");
  CHECK(by_label(e, "jobs.b.steps[0].run")->shell == "sh");
  CHECK(by_label(e, "jobs.b.steps[1].run")->shell == "bash");

  auto no_defaults = extract("jobs:\n  a:\n    steps:\n      - run: pm2 kill\n");
  REQUIRE(no_defaults.result.scripts.size() == 1);
  CHECK(no_defaults.result.scripts[0].shell == "bash");
}

TEST_CASE("which shells are linted and which are skipped", "[workflow][shell]") {
  struct Case {
    const char* shell;
    const char* dialect;  // "" when the step is skipped
  };
  for (const Case& c : {Case{"bash", "bash"}, Case{"sh", "sh"}, Case{"sh -e {0}", "sh"}, Case{"dash", "sh"},
                        Case{"ash", "sh"}, Case{"/usr/bin/zsh {0}", "bash"}, Case{"ksh", "bash"},
                        Case{"/usr/bin/env bash {0}", "bash"}, Case{"${{ matrix.shell }}", "bash"},
                        Case{"C:\\\\tools\\\\bash.exe {0}", "bash"}, Case{"pwsh", ""},
                        Case{"powershell -command . '{0}'", ""}, Case{"python", ""}, Case{"node {0}", ""},
                        Case{"cmd", ""}, Case{"perl {0}", ""},
                        // wrappers the runner's command passes the script file through
                        Case{"sudo -u deploy bash -e {0}", "bash"}, Case{"sudo bash {0}", "bash"},
                        Case{"sudo -iu deploy sh {0}", "sh"}, Case{"sudo --user deploy bash {0}", "bash"},
                        Case{"sudo --user=deploy -E bash {0}", "bash"}, Case{"env FOO=1 bash {0}", "bash"},
                        Case{"env -i PATH=/bin -u HOME sh -e {0}", "sh"}, Case{"nice -n 10 sh -e {0}", "sh"},
                        Case{"nice -10 bash {0}", "bash"}, Case{"timeout 10m bash {0}", "bash"},
                        Case{"timeout -s KILL 10m sudo -u app bash {0}", "bash"},
                        Case{"/usr/bin/sudo /bin/bash {0}", "bash"}, Case{"doas -u app sh {0}", "sh"},
                        Case{"sudo pwsh {0}", ""}, Case{"sudo -u bash python {0}", ""},
                        Case{"nice -n 10 python {0}", ""}, Case{"sudo", ""}, Case{"env", ""},
                        Case{"sudoer bash {0}", ""}}) {
    INFO(c.shell);
    auto e = extract(std::string("jobs:\n  a:\n    steps:\n      - shell: \"") + c.shell +
                     "\"\n        run: pm2 delete all\n");
    REQUIRE_FALSE(e.result.error);
    if (*c.dialect) {
      REQUIRE(e.result.scripts.size() == 1);
      CHECK(e.result.scripts[0].shell == c.dialect);
    } else {
      CHECK(e.result.scripts.empty());
    }
  }
}

TEST_CASE("appleboy/ssh-action scripts are remote scripts, in every spelling of uses", "[workflow][ssh]") {
  for (const char* uses : {"appleboy/ssh-action@v1.0.3", "appleboy/ssh-action@master", "Appleboy/SSH-Action@v1",
                           "https://github.com/appleboy/ssh-action@master",
                           "https://gitea.example.com/appleboy/ssh-action@v1",
                           "appleboy/ssh-action/sub/dir@v1", "appleboy/ssh-action"}) {
    INFO(uses);
    auto e = extract(std::string("jobs:\n  deploy:\n    steps:\n      - uses: ") + uses +
                     "\n        with:\n          host: example.com\n          script_stop: true\n"
                     "          script: |\n            cd /srv/app\n            pm2 delete all\n");
    REQUIRE_FALSE(e.result.error);
    REQUIRE(e.result.scripts.size() == 1);
    const ScriptUnit& u = e.result.scripts[0];
    CHECK(u.label == "jobs.deploy.steps[0].with.script");
    CHECK(u.origin == ScriptOrigin::RemoteScript);
    CHECK(u.action == "appleboy/ssh-action");
    CHECK(u.shell == "bash");
    CHECK(u.text.text() == "cd /srv/app\npm2 delete all\n");
    CHECK(e.file.line_col(u.anchor) == lc(8, 11));
    CHECK(where(e.file, u.text, "pm2") == lc(10, 13));
  }
}

TEST_CASE("other ssh actions and their script inputs", "[workflow][ssh]") {
  auto e = extract(R"(jobs:
  deploy:
    steps:
      - uses: garygrossgarten/github-action-ssh@release
        with:
          command: pm2 restart all
      - uses: easingthemes/ssh-deploy@main
        with:
          SCRIPT_BEFORE: pm2 stop all
          script_after: pm2 start all
      - uses: cross-the-world/ssh-scp-ssh-pipelines@latest
        with:
          first_ssh: pm2 kill
          scp: ./dist => /srv
          last_ssh: pm2 resurrect
      - uses: appleboy/scp-action@v0.1.7
        with:
          script: not an ssh action
      - uses: ./local/ssh-action
        with:
          script: pm2 kill
)");
  REQUIRE_FALSE(e.result.error);
  CHECK(labels(e) == Labels{"jobs.deploy.steps[0].with.command", "jobs.deploy.steps[1].with.SCRIPT_BEFORE",
                            "jobs.deploy.steps[1].with.script_after", "jobs.deploy.steps[2].with.first_ssh",
                            "jobs.deploy.steps[2].with.last_ssh"});
  CHECK(by_label(e, "jobs.deploy.steps[1].with.script_after")->action == "easingthemes/ssh-deploy");
  CHECK(by_label(e, "jobs.deploy.steps[2].with.last_ssh")->text.text() == "pm2 resurrect");

  for (const auto& spec : ssh_actions()) {
    INFO(spec.repository);
    CHECK(normalise_uses(spec.repository) == spec.repository);  // stored normalised
    CHECK_FALSE(spec.script_inputs.empty());
  }
}

TEST_CASE("normalise_uses", "[workflow][ssh]") {
  CHECK(normalise_uses("appleboy/ssh-action@v1.0.3") == "appleboy/ssh-action");
  CHECK(normalise_uses("  Appleboy/SSH-Action@master  ") == "appleboy/ssh-action");
  CHECK(normalise_uses("appleboy/ssh-action/path/to@v1") == "appleboy/ssh-action");
  CHECK(normalise_uses("https://github.com/appleboy/ssh-action@master") == "appleboy/ssh-action");
  CHECK(normalise_uses("http://git.local:3000/Owner/Repo/sub@v2") == "owner/repo");
  CHECK(normalise_uses("actions/checkout") == "actions/checkout");
  CHECK(normalise_uses("./.github/actions/deploy") == "");
  CHECK(normalise_uses("../shared") == "");
  CHECK(normalise_uses("docker://alpine:3.19") == "");
  CHECK(normalise_uses("Docker://alpine") == "");
  CHECK(normalise_uses("justone") == "");
  CHECK(normalise_uses("https://github.com") == "");
  CHECK(normalise_uses("") == "");
}

TEST_CASE("env layers: workflow then job then step and later wins", "[workflow][env]") {
  auto e = extract(R"(env:
  A: wf
  B: wf
  NUM: 3
  FLAG: true
jobs:
  deploy:
    env:
      B: job
      C: job
      SECRET: ${{ secrets.TOKEN }}
    steps:
      - env:
          C: step
          EMPTY:
          QUOTED: "pre-${{ github.sha }}"
        run: pm2 delete $APP
      - run: pm2 list
)");
  REQUIRE(e.result.scripts.size() == 2);
  const pm2guard::lint::Env& env = e.result.scripts[0].env;
  CHECK(env_value(env, "A") == "wf");
  CHECK(env_value(env, "B") == "job");
  CHECK(env_value(env, "C") == "step");
  CHECK(env_value(env, "NUM") == "3");
  CHECK(env_value(env, "FLAG") == "true");
  CHECK(env_value(env, "EMPTY") == "");
  CHECK(env.find("A")->literal);
  CHECK(env.find("EMPTY")->literal);
  CHECK_FALSE(env.find("SECRET")->literal);
  CHECK(env_value(env, "SECRET") == "${{ secrets.TOKEN }}");
  CHECK_FALSE(env.find("QUOTED")->literal);
  CHECK(env_value(env, "QUOTED") == "pre-${{ github.sha }}");

  const pm2guard::lint::Env& next = e.result.scripts[1].env;  // the step env does not leak
  CHECK(env_value(next, "C") == "job");
  CHECK(env_value(next, "EMPTY") == "<unset>");
}

TEST_CASE("an env that is a whole expression supplies no constants", "[workflow][env]") {
  auto e = extract(R"(env: ${{ fromJSON(inputs.env) }}
jobs:
  deploy:
    env:
      A: job
    steps:
      - env: ${{ matrix.env }}
        run: pm2 kill
)");
  REQUIRE(e.result.scripts.size() == 1);
  const pm2guard::lint::Env& env = e.result.scripts[0].env;
  CHECK(env.size() == 1);
  CHECK(env_value(env, "A") == "job");
}

TEST_CASE("ssh actions pass only the variables their envs input lists", "[workflow][env][ssh]") {
  auto e = extract(R"(env:
  APP: api
jobs:
  deploy:
    env:
      TARGET: prod
    steps:
      - uses: appleboy/ssh-action@v1
        env:
          DIR: /srv/app
          HIDDEN: nope
        with:
          envs: APP, DIR,MISSING
          script: cd $DIR && pm2 restart $APP
      - uses: appleboy/ssh-action@v1
        env:
          DIR: /srv/app
        with:
          script: pm2 restart $APP
      - uses: garygrossgarten/github-action-ssh@v0.8.0
        with:
          command: pm2 restart $APP
)");
  REQUIRE(e.result.scripts.size() == 3);
  const pm2guard::lint::Env& listed = e.result.scripts[0].env;
  CHECK(listed.size() == 2);
  CHECK(env_value(listed, "APP") == "api");
  CHECK(env_value(listed, "DIR") == "/srv/app");
  CHECK(e.result.scripts[1].env.empty());  // no envs: nothing reaches the host
  CHECK(e.result.scripts[2].env.empty());  // an action without an env list
}

TEST_CASE("composite actions lint their run steps", "[workflow][action]") {
  auto e = extract(R"(name: restart
description: restart the app
runs:
  using: composite
  steps:
    - run: pm2 restart all
      shell: bash
    - run: Write-Host hi
      shell: pwsh
    - uses: appleboy/ssh-action@v1
      with:
        script: pm2 kill
    - run: |
        pm2 delete all
      shell: sh
)");
  REQUIRE_FALSE(e.result.error);
  CHECK_FALSE(e.result.nothing_to_lint);
  CHECK(labels(e) == Labels{"runs.steps[0].run", "runs.steps[2].with.script", "runs.steps[3].run"});
  CHECK(by_label(e, "runs.steps[3].run")->shell == "sh");
  CHECK(where(e.file, by_label(e, "runs.steps[3].run")->text, "pm2") == lc(14, 9));

  auto forced =
      extract("runs:\n  using: composite\n  steps:\n    - run: pm2 kill\n      shell: bash\n", YamlKind::Action);
  CHECK(forced.result.scripts.size() == 1);
}

TEST_CASE("node and docker actions have nothing to lint", "[workflow][action]") {
  for (const char* using_ : {"node20", "docker", "'node16'"}) {
    INFO(using_);
    auto e = extract(std::string("name: x\nruns:\n  using: ") + using_ + "\n  main: dist/index.js\n");
    CHECK_FALSE(e.result.error);
    CHECK(e.result.nothing_to_lint);
    CHECK(e.result.scripts.empty());
  }
}

TEST_CASE("invalid YAML is reported at yaml-cpp's position", "[workflow][error]") {
  auto e = extract("jobs:\n  deploy:\n    steps: [a, b\n");
  REQUIRE(e.result.error);
  CHECK(e.result.error->path == ".github/workflows/deploy.yml");
  CHECK_THAT(e.result.error->message, Catch::StartsWith("invalid YAML: "));
  CHECK(e.result.error->line == 4);
  CHECK(e.result.error->col == 1);

  auto inline_map = extract("name: x\non: push: x\n");
  REQUIRE(inline_map.result.error);
  CHECK(inline_map.result.error->line == 2);
  CHECK(inline_map.result.error->col == 9);
  CHECK_THAT(inline_map.result.error->message, Catch::Contains("illegal map value"));
}

TEST_CASE("an invalid YAML position counts characters, not bytes", "[workflow][error]") {
  // The same error as above behind two two-byte characters: byte 9, character 7.
  auto e = extract("name: x\non: \xC3\xA9\xC3\xA9: x\n");
  REQUIRE(e.result.error);
  CHECK(e.result.error->line == 2);
  CHECK(e.result.error->col == 7);
  CHECK_THAT(e.result.error->message, Catch::Contains("illegal map value"));

  // A key that holds no mapping is pointed at in characters as well.
  auto key = extract("{\xC3\xA9\xC3\xA9: 1, jobs: 3}\n");
  REQUIRE(key.result.error);
  CHECK_THAT(key.result.error->message, Catch::Contains("is not a mapping"));
  CHECK(key.result.error->line == 1);
  CHECK(key.result.error->col == 9);  // byte 11
}

TEST_CASE("invalid YAML still yields the steps before the error", "[workflow][error]") {
  // A heredoc body at column 0 ends the block scalar early; the runner would
  // reject this file too.
  auto e = extract(R"(jobs:
  deploy:
    steps:
      - run: pm2 stop web
      - run: |
          ssh host <<EOF
          cd /srv
pm2 delete all
EOF
      - run: echo after
)");
  REQUIRE(e.result.error);
  CHECK_THAT(e.result.error->message, Catch::StartsWith("invalid YAML: "));
  CHECK(e.result.error->line == 10);
  CHECK(labels(e) == Labels{"jobs.deploy.steps[0].run", "jobs.deploy.steps[1].run"});
  CHECK(e.result.scripts[1].text.text() == "ssh host <<EOF\ncd /srv\n");
  CHECK(where(e.file, e.result.scripts[0].text, "pm2") == lc(4, 14));
}

TEST_CASE("a pm2 ecosystem file under workflows is not a workflow", "[workflow][error]") {
  auto e = extract(R"(apps:
  - name: api
    script: server.js
    instances: 2
)");
  REQUIRE(e.result.error);
  CHECK(e.result.error->line == 1);
  CHECK(e.result.error->col == 1);
  CHECK_THAT(e.result.error->message, Catch::Contains("pm2 ecosystem file"));
  CHECK_THAT(e.result.error->message, Catch::Contains("jobs:"));
  CHECK(e.result.scripts.empty());
  CHECK_FALSE(e.result.nothing_to_lint);
}

TEST_CASE("documents that are not workflows or actions", "[workflow][error]") {
  struct Case {
    const char* yaml;
    const char* says;
  };
  for (const Case& c : {Case{"", "empty document"}, Case{"# only a comment\n", "empty document"},
                        Case{"- run: pm2 kill\n", "list"}, Case{"just a string\n", "single value"},
                        Case{"name: x\non: push\n", "expected a workflow"}}) {
    INFO(c.yaml);
    auto e = extract(c.yaml);
    REQUIRE(e.result.error);
    CHECK(e.result.error->line == 1);
    CHECK_THAT(e.result.error->message, Catch::Contains(c.says));
    CHECK_THAT(e.result.error->message, Catch::Contains("`jobs:`"));
    CHECK(e.result.scripts.empty());
  }

  auto jobs_list = extract("name: x\njobs:\n  - run: pm2 kill\n");
  REQUIRE(jobs_list.result.error);
  CHECK(jobs_list.result.error->line == 2);  // points at the key that is not a mapping
  CHECK_THAT(jobs_list.result.error->message, Catch::Contains("not a mapping"));

  auto wrong_kind = extract("runs:\n  using: composite\n  steps: []\n", YamlKind::Workflow);
  REQUIRE(wrong_kind.result.error);
  CHECK_THAT(wrong_kind.result.error->message, Catch::Contains("not a workflow"));
  auto wrong_kind2 = extract("jobs:\n  a:\n    steps: []\n", YamlKind::Action);
  REQUIRE(wrong_kind2.result.error);
  CHECK_THAT(wrong_kind2.result.error->message, Catch::Contains("not an action"));
}

TEST_CASE("malformed pieces of a workflow are skipped, the rest is kept", "[workflow][robustness]") {
  auto e = extract(R"(jobs:
  scalar-job: oops
  steps-map:
    steps:
      run: pm2 kill
  steps-scalar:
    steps: nope
  mixed:
    steps:
      - just a string
      - [a, list]
      - run:
          nested: map
      - run: [a, list]
      - run:
      - run: null
      - run: 42
      - run: pm2 delete all
  ? [complex, key]
  : steps:
      - run: pm2 stop all
  reusable:
    uses: ./.github/workflows/other.yml
)");
  REQUIRE_FALSE(e.result.error);
  CHECK(labels(e) == Labels{"jobs.mixed.steps[6].run", "jobs.mixed.steps[7].run"});
  CHECK(e.result.scripts[0].text.text() == "42");
  CHECK(where(e.file, e.result.scripts[1].text, "pm2") == lc(18, 14));
}

TEST_CASE("duplicate keys, anchors, aliases and merge keys", "[workflow][robustness]") {
  auto e = extract(R"(x-scripts:
  restart: &restart |
    pm2 restart all
  step: &step
    shell: sh
    run: pm2 reload all
jobs:
  deploy:
    steps:
      - run: *restart
      - <<: *step
      - <<: *step
        run: pm2 stop all
      - run: pm2 delete a
        run: pm2 delete b
)");
  REQUIRE_FALSE(e.result.error);
  CHECK(labels(e) == Labels{"jobs.deploy.steps[0].run", "jobs.deploy.steps[1].run", "jobs.deploy.steps[2].run",
                            "jobs.deploy.steps[3].run", "jobs.deploy.steps[3].run"});
  const auto& s = e.result.scripts;
  CHECK(s[0].text.text() == "pm2 restart all\n");
  CHECK(s[0].text.exact());
  CHECK(where(e.file, s[0].text, "pm2") == lc(3, 5));  // the anchor's definition
  CHECK(e.file.line_col(s[0].anchor) == lc(10, 9));  // the alias use site's key
  CHECK(s[1].text.text() == "pm2 reload all");
  CHECK(s[1].shell == "sh");  // merged too
  CHECK(where(e.file, s[1].text, "pm2") == lc(6, 10));
  CHECK(s[2].text.text() == "pm2 stop all");  // an explicit key beats the merged one
  CHECK(s[2].shell == "sh");
  CHECK(s[3].text.text() == "pm2 delete a");  // both duplicates are linted
  CHECK(s[4].text.text() == "pm2 delete b");
}

TEST_CASE("recursive aliases do not hang", "[workflow][robustness]") {
  auto e = extract(R"(jobs:
  deploy: &job
    <<: *job
    steps: &steps
      - *steps
      - &m
        <<: *m
        run: pm2 kill
)");
  REQUIRE_FALSE(e.result.error);
  CHECK(labels(e) == Labels{"jobs.deploy.steps[1].run"});
}

TEST_CASE("CRLF and BOM workflows map lines exactly", "[workflow]") {
  auto e = extract(
      "\xEF\xBB\xBFjobs:\r\n  deploy:\r\n    steps:\r\n"
      "      - run: |\r\n          echo a\r\n          pm2 delete all\r\n"
      "      - run: pm2 kill\r\n");
  REQUIRE_FALSE(e.result.error);
  REQUIRE(e.result.scripts.size() == 2);
  CHECK(e.result.scripts[0].text.text() == "echo a\npm2 delete all\n");
  CHECK(where(e.file, e.result.scripts[0].text, "pm2") == lc(6, 11));
  CHECK(where(e.file, e.result.scripts[1].text, "kill") == lc(7, 18));
}

TEST_CASE("a large workflow maps its last step exactly", "[workflow][scale]") {
  std::string yaml = "jobs:\n";
  const int jobs = 200, steps = 10;
  for (int j = 0; j < jobs; ++j) {
    yaml += "  job" + std::to_string(j) + ":\n    runs-on: ubuntu-latest\n    steps:\n";
    for (int s = 0; s < steps; ++s) {
      yaml += "      - name: step " + std::to_string(s) + "\n        run: |\n          echo " + std::to_string(s) +
              "\n          pm2 restart app-" + std::to_string(j) + "\n";
    }
  }
  auto e = extract(yaml);
  REQUIRE_FALSE(e.result.error);
  REQUIRE(e.result.scripts.size() == static_cast<size_t>(jobs * steps));
  const ScriptUnit& last = e.result.scripts.back();
  CHECK(last.label == "jobs.job199.steps[9].run");
  CHECK(last.text.exact());
  // Each job takes 3 header lines and 4 lines per step; the file starts with `jobs:`.
  const uint32_t line = 1 + static_cast<uint32_t>(jobs * (3 + 4 * steps));
  CHECK(where(e.file, last.text, "pm2") == lc(line, 11));
}

// ---------------------------------------------------------------------------
// Context values: what the workflow declares about inputs, matrix and env.

namespace {

// "values|complete" of a context reference, or "<none>".
std::string ctx(const ScriptUnit* u, const std::string& ref) {
  if (!u) return "<no script>";
  std::optional<pm2guard::lint::ContextValues> cv = pm2guard::lint::context_values(*u, ref);
  if (!cv) return "<none>";
  std::string out;
  for (const std::string& v : cv->values) out += (out.empty() ? "" : ",") + v;
  return out + (cv->complete ? "|complete" : "|open");
}

}  // namespace

TEST_CASE("inputs: choice options, booleans and defaults", "[workflow][contexts]") {
  auto e = extract(R"(on:
  push:
  workflow_dispatch:
    inputs:
      Service:
        type: choice
        options: [api, worker, all]
        default: api
      target:
        type: choice
        options:
          - api
          - worker
      free:
        description: anything
        default: all
      nodefault:
        type: string
      dry_run:
        type: boolean
        default: false
      count:
        type: number
        default: 3
      both:
        type: choice
        options: [api, worker]
  workflow_call:
    inputs:
      both:
        type: string
      shared:
        type: string
        default: web
jobs:
  deploy:
    steps:
      - run: pm2 restart ${{ inputs.service }}
)");
  REQUIRE_FALSE(e.result.error);
  const ScriptUnit* u = by_label(e, "jobs.deploy.steps[0].run");
  CHECK(ctx(u, "inputs.service") == "api,worker,all|complete");  // keys are lower-case
  CHECK(ctx(u, "github.event.inputs.service") == "api,worker,all|complete");
  CHECK(ctx(u, "inputs.target") == "api,worker|complete");
  CHECK(ctx(u, "inputs.free") == "all|open");  // callers can pass anything
  CHECK(ctx(u, "inputs.nodefault") == "<none>");
  CHECK(ctx(u, "inputs.dry_run") == "true,false|complete");
  CHECK(ctx(u, "inputs.count") == "3|open");
  // a choice of workflow_dispatch that workflow_call takes as free text
  CHECK(ctx(u, "inputs.both") == "api,worker|open");
  CHECK(ctx(u, "inputs.shared") == "web|open");
  CHECK(ctx(u, "github.event.inputs.shared") == "web|open");
}

TEST_CASE("inputs: nothing when on is a list or a string", "[workflow][contexts]") {
  for (const char* on : {"[push, workflow_dispatch]", "workflow_dispatch", "", "{workflow_dispatch: }"}) {
    INFO(on);
    auto e = extract(std::string("on: ") + on + "\njobs:\n  a:\n    steps:\n      - run: pm2 restart ${{ inputs.x }}\n");
    REQUIRE(e.result.scripts.size() == 1);
    CHECK(e.result.scripts[0].contexts.empty());
  }
}

TEST_CASE("inputs: a choice whose options are not all literal is open", "[workflow][contexts]") {
  auto e = extract(R"(on:
  workflow_dispatch:
    inputs:
      a:
        type: choice
        options: ["${{ vars.APP }}", api]
      b:
        type: choice
jobs:
  x:
    steps:
      - run: pm2 restart ${{ inputs.a }}
)");
  const ScriptUnit* u = by_label(e, "jobs.x.steps[0].run");
  CHECK(ctx(u, "inputs.a") == "api|open");
  CHECK(ctx(u, "inputs.b") == "<none>");
}

TEST_CASE("composite action inputs: the default, never complete", "[workflow][contexts][action]") {
  auto e = extract(R"(inputs:
  apps:
    default: all
  Other:
    description: no default
runs:
  using: composite
  steps:
    - run: pm2 restart ${{ inputs.apps }}
      shell: bash
)");
  REQUIRE_FALSE(e.result.error);
  const ScriptUnit* u = by_label(e, "runs.steps[0].run");
  CHECK(ctx(u, "inputs.apps") == "all|open");
  CHECK(ctx(u, "inputs.other") == "<none>");
  CHECK(ctx(u, "github.event.inputs.apps") == "<none>");
}

TEST_CASE("matrix axes, include and exclude", "[workflow][contexts][matrix]") {
  auto e = extract(R"(jobs:
  plain:
    strategy:
      matrix:
        Target: [api, worker]
        node: [18, 20]
        exclude:
          - target: api
            node: 18
    steps:
      - run: pm2 restart ${{ matrix.target }}
  included:
    strategy:
      matrix:
        target: [api]
        include:
          - target: all
          - target: api
            extra: yes
          - region: eu
    steps:
      - run: pm2 restart ${{ matrix.target }}
  dynamic-include:
    strategy:
      matrix:
        target: [api]
        include: ${{ fromJSON(inputs.more) }}
    steps:
      - run: pm2 restart ${{ matrix.target }}
  dynamic-axis:
    strategy:
      matrix:
        target: ${{ fromJSON(inputs.targets) }}
        other: [a, "${{ inputs.x }}"]
    steps:
      - run: pm2 restart ${{ matrix.target }}
  whole:
    strategy:
      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
    steps:
      - run: pm2 restart ${{ matrix.target }}
  nomatrix:
    steps:
      - run: pm2 restart ${{ matrix.target }}
)");
  REQUIRE_FALSE(e.result.error);
  const ScriptUnit* plain = by_label(e, "jobs.plain.steps[0].run");
  CHECK(ctx(plain, "matrix.target") == "api,worker|complete");
  CHECK(ctx(plain, "matrix.node") == "18,20|complete");
  CHECK(ctx(plain, "matrix.exclude") == "<none>");

  const ScriptUnit* included = by_label(e, "jobs.included.steps[0].run");
  CHECK(ctx(included, "matrix.target") == "api,all|complete");  // literal includes are known values
  CHECK(ctx(included, "matrix.extra") == "yes|open");            // not an axis
  CHECK(ctx(included, "matrix.region") == "eu|open");
  CHECK(ctx(included, "matrix.include") == "<none>");

  CHECK(ctx(by_label(e, "jobs.dynamic-include.steps[0].run"), "matrix.target") == "api|open");
  const ScriptUnit* dyn = by_label(e, "jobs.dynamic-axis.steps[0].run");
  CHECK(ctx(dyn, "matrix.target") == "<none>");
  CHECK(ctx(dyn, "matrix.other") == "a|open");
  CHECK(by_label(e, "jobs.whole.steps[0].run")->contexts.empty());
  CHECK(by_label(e, "jobs.nomatrix.steps[0].run")->contexts.empty());  // one job's matrix stays there
}

TEST_CASE("env contexts: literal values of the step's env, keys lower-case", "[workflow][contexts][env]") {
  auto e = extract(R"(env:
  T: all
  U: wf
jobs:
  deploy:
    env:
      U: job
      SECRET: ${{ secrets.X }}
    steps:
      - env:
          Step: one
          u: lower
        run: pm2 restart ${{ env.T }}
      - uses: appleboy/ssh-action@v1
        with:
          script: pm2 restart ${{ env.t }}
)");
  REQUIRE_FALSE(e.result.error);
  const ScriptUnit* run = by_label(e, "jobs.deploy.steps[0].run");
  CHECK(ctx(run, "env.t") == "all|complete");
  CHECK(ctx(run, "env.step") == "one|complete");
  CHECK(ctx(run, "env.u") == "job,lower|complete");  // `U` and `u`: either may be the one read
  CHECK(ctx(run, "env.secret") == "<none>");
  // an ssh action's script is expanded by the runner with the step's whole
  // env, even though only `envs` reach the host
  const ScriptUnit* remote = by_label(e, "jobs.deploy.steps[1].with.script");
  REQUIRE(remote);
  CHECK(remote->env.empty());
  CHECK(ctx(remote, "env.t") == "all|complete");
  CHECK(ctx(remote, "env.u") == "job|complete");
}

// ---------------------------------------------------------------------------
// Docker images of ssh tools.

TEST_CASE("docker://appleboy/drone-ssh runs as appleboy/ssh-action", "[workflow][ssh]") {
  for (const char* uses : {"docker://appleboy/drone-ssh:1.7.4", "docker://appleboy/drone-ssh",
                           "Docker://AppleBoy/drone-ssh:latest", "docker://docker.io/appleboy/drone-ssh:1.7",
                           "docker://ghcr.io/appleboy/drone-ssh:1.7.4",
                           "docker://appleboy/drone-ssh@sha256:0123456789abcdef"}) {
    INFO(uses);
    auto e = extract(std::string("jobs:\n  deploy:\n    steps:\n      - uses: ") + uses +
                     "\n        env:\n          APP: api\n        with:\n          host: h\n          envs: APP\n"
                     "          script: pm2 delete all\n");
    REQUIRE_FALSE(e.result.error);
    REQUIRE(e.result.scripts.size() == 1);
    const ScriptUnit& u = e.result.scripts[0];
    CHECK(u.label == "jobs.deploy.steps[0].with.script");
    CHECK(u.origin == ScriptOrigin::RemoteScript);
    CHECK_THAT(u.action, Catch::StartsWith("docker://") && Catch::EndsWith("appleboy/drone-ssh"));
    CHECK(env_value(u.env, "APP") == "api");
    CHECK(where(e.file, u.text, "pm2") == lc(10, 19));
  }
  for (const char* uses : {"docker://alpine:3.19", "docker://appleboy/drone-scp:1.6", "docker://quay.io/appleboy/drone-ssh",
                           "docker://appleboy/drone-ssh-extra:1"}) {
    INFO(uses);
    auto e = extract(std::string("jobs:\n  deploy:\n    steps:\n      - uses: ") + uses +
                     "\n        with:\n          script: pm2 delete all\n");
    CHECK(e.result.scripts.empty());
  }
}

TEST_CASE("normalise_docker_image", "[workflow][ssh]") {
  CHECK(normalise_docker_image("docker://appleboy/drone-ssh:1.7.4") == "appleboy/drone-ssh");
  CHECK(normalise_docker_image("docker://index.docker.io/appleboy/drone-ssh") == "appleboy/drone-ssh");
  CHECK(normalise_docker_image("docker://ghcr.io/AppleBoy/drone-ssh:v1") == "ghcr.io/appleboy/drone-ssh");
  CHECK(normalise_docker_image("docker://localhost:5000/team/img:2") == "localhost:5000/team/img");
  CHECK(normalise_docker_image("docker://alpine:3.19") == "alpine");
  CHECK(normalise_docker_image("docker://docker.io/library/alpine@sha256:abc") == "alpine");
  CHECK(normalise_docker_image("appleboy/ssh-action@v1") == "");
  CHECK(normalise_docker_image("") == "");
  CHECK(normalise_uses("docker://appleboy/drone-ssh:1.7.4") == "");  // not a repository
  REQUIRE(find_ssh_action("docker://appleboy/drone-ssh:1"));
  CHECK(find_ssh_action("docker://appleboy/drone-ssh:1")->repository == "appleboy/ssh-action");
  CHECK(find_ssh_action("docker://alpine") == nullptr);
  CHECK(find_ssh_action("./appleboy/ssh-action") == nullptr);
  for (const auto& spec : ssh_actions()) {
    for (std::string_view image : spec.docker_images) {
      INFO(image);
      CHECK(normalise_docker_image("docker://" + std::string(image) + ":1") == image);  // stored normalised
    }
  }
}

// ---------------------------------------------------------------------------
// Multi-document files.

TEST_CASE("a second YAML document is a file error at its start, and the first is still linted", "[workflow][error]") {
  auto e = extract(R"(jobs:
  deploy:
    steps:
      - run: pm2 restart api
---
jobs:
  other:
    steps:
      - run: pm2 delete all
)");
  REQUIRE(e.result.error);
  CHECK(e.result.error->line == 5);
  CHECK(e.result.error->col == 1);
  CHECK_THAT(e.result.error->message, Catch::Contains("second YAML document"));
  CHECK_THAT(e.result.error->message, Catch::Contains("only the first document is linted"));
  CHECK(labels(e) == Labels{"jobs.deploy.steps[0].run"});

  // a trailing separator starts an (empty) second document too
  auto trailing = extract("jobs:\n  a:\n    steps:\n      - run: pm2 kill\n---\n");
  REQUIRE(trailing.result.error);
  CHECK(trailing.result.error->line == 5);
  CHECK(trailing.result.scripts.size() == 1);

  // after an end marker `...`, the next document starts at its content
  auto ended = extract("jobs:\n  a:\n    steps:\n      - run: pm2 kill\n...\n# note\nfoo: bar\n");
  REQUIRE(ended.result.error);
  CHECK(ended.result.error->line == 7);
  CHECK(ended.result.scripts.size() == 1);

  // an empty first document: the workflow in the second is not run by anyone
  auto empty_first = extract("---\n---\njobs:\n  a:\n    steps:\n      - run: pm2 kill\n");
  REQUIRE(empty_first.result.error);
  CHECK(empty_first.result.error->line == 2);
  CHECK_THAT(empty_first.result.error->message, Catch::Contains("second YAML document") &&
                                                    Catch::Contains("the first document: empty document"));
  CHECK(empty_first.result.scripts.empty());

  // a second document that is itself broken: still the multi-document error
  auto broken = extract("jobs:\n  a:\n    steps:\n      - run: pm2 kill\n---\nx: [\n");
  REQUIRE(broken.result.error);
  CHECK(broken.result.error->line == 5);
  CHECK_THAT(broken.result.error->message, Catch::Contains("second YAML document"));
}

TEST_CASE("one document, with explicit markers, is no error", "[workflow][error]") {
  for (const char* yaml : {"---\njobs:\n  a:\n    steps:\n      - run: pm2 kill\n",
                           "jobs:\n  a:\n    steps:\n      - run: pm2 kill\n...\n",
                           "%YAML 1.2\n---\njobs:\n  a:\n    steps:\n      - run: pm2 kill\n...\n# trailing comment\n",
                           "jobs:\n  a:\n    steps:\n      - run: |\n          echo ---\n          pm2 kill\n"}) {
    INFO(yaml);
    auto e = extract(yaml);
    CHECK_FALSE(e.result.error);
    CHECK(e.result.scripts.size() == 1);
  }
}

TEST_CASE("content after the first document that is not a document is invalid YAML", "[workflow][error]") {
  auto e = extract("jobs:\n  a:\n    steps:\n      - run: pm2 kill\n...\n]\n");
  REQUIRE(e.result.error);
  CHECK_THAT(e.result.error->message, Catch::StartsWith("invalid YAML: "));
  CHECK(e.result.error->line == 6);
  CHECK(e.result.scripts.size() == 1);
}

// ---------------------------------------------------------------------------
// End to end: the findings the declared values lead to.

namespace {

// "line:col:rule" for every finding of a workflow (or action) file.
std::vector<std::string> lint_yaml(const std::string& yaml, std::string path = ".github/workflows/deploy.yml") {
  LintOptions opts;
  FileReport r = lint_source(SourceFile::from_string(std::move(path), yaml), InputKind::Yaml, opts);
  std::vector<std::string> out;
  for (const auto& f : r.findings)
    out.push_back(std::to_string(f.range.line) + ":" + std::to_string(f.range.col) + ":" + f.rule);
  if (r.error) out.push_back(std::to_string(r.error->line) + ":" + std::to_string(r.error->col) + ":file-error");
  return out;
}

std::string dispatch(const std::string& input_spec, const std::string& run) {
  return "on:\n  workflow_dispatch:\n    inputs:\n      service:\n" + input_spec +
         "jobs:\n  deploy:\n    runs-on: self-hosted\n    steps:\n      - run: " + run + "\n";
}

}  // namespace

TEST_CASE("end to end: declared values decide expression targets", "[workflow][contexts][e2e]") {
  using L = std::vector<std::string>;
  // The run is the last line; `${{` starts at column 26.
  const std::string restart = "pm2 restart ${{ inputs.service }}";
  CHECK(lint_yaml(dispatch("        type: choice\n        options: [api, worker, all]\n", restart)) ==
        L{"11:26:target-all"});
  CHECK(lint_yaml(dispatch("        type: choice\n        options: [api, worker]\n", restart)).empty());
  CHECK(lint_yaml(dispatch("        type: choice\n        options: [api, worker]\n",
                           "pm2 restart ${{ github.event.inputs.service }}"))
            .empty());
  CHECK(lint_yaml(dispatch("        default: all\n", restart)) == L{"10:26:target-all"});
  CHECK(lint_yaml(dispatch("        default: api\n", restart)) == L{"10:26:dynamic-target"});
  CHECK(lint_yaml(dispatch("        required: true\n", restart)) == L{"10:26:dynamic-target"});
  CHECK(lint_yaml(dispatch("        type: boolean\n", restart)).empty());

  auto matrix = [](const std::string& axis) {
    return "jobs:\n  deploy:\n    strategy:\n      matrix:\n        target: " + axis +
           "\n    steps:\n      - run: pm2 restart ${{ matrix.target }}\n";
  };
  CHECK(lint_yaml(matrix("[api, worker]")).empty());
  CHECK(lint_yaml(matrix("[all]")) == L{"7:26:target-all"});
  CHECK(lint_yaml(matrix("[api, all]")) == L{"7:26:target-all"});
  CHECK(lint_yaml(matrix("${{ fromJSON(inputs.targets) }}")) == L{"7:26:dynamic-target"});

  CHECK(lint_yaml("env:\n  T: all\njobs:\n  d:\n    steps:\n      - run: pm2 delete ${{ env.T }}\n") ==
        L{"6:25:target-all"});
  CHECK(lint_yaml("env:\n  T: api\njobs:\n  d:\n    steps:\n      - run: pm2 delete ${{ env.T }}\n").empty());
  CHECK(lint_yaml("jobs:\n  d:\n    steps:\n      - env:\n          T: all\n        run: pm2 delete ${{ env.t }}\n") ==
        L{"6:25:target-all"});

  // A composite action's default.
  CHECK(lint_yaml("inputs:\n  apps:\n    default: all\nruns:\n  using: composite\n  steps:\n"
                  "    - shell: bash\n      run: pm2 restart ${{ inputs.apps }}\n",
                  "action.yml") == L{"8:24:target-all"});
}

TEST_CASE("end to end: docker ssh images, wrapped shells, multiple documents", "[workflow][e2e]") {
  using L = std::vector<std::string>;
  CHECK(lint_yaml("jobs:\n  d:\n    steps:\n      - uses: docker://appleboy/drone-ssh:1.7.4\n"
                  "        with:\n          script: pm2 delete all\n") == L{"6:30:target-all"});
  CHECK(lint_yaml("jobs:\n  d:\n    steps:\n      - shell: sudo -u deploy bash -e {0}\n"
                  "        run: pm2 kill\n") == L{"5:18:daemon-teardown"});
  CHECK(lint_yaml("jobs:\n  d:\n    steps:\n      - shell: python {0}\n        run: pm2 kill\n").empty());
  CHECK(lint_yaml("jobs:\n  d:\n    steps:\n      - run: pm2 stop all\n---\njobs:\n  e:\n    steps:\n"
                  "      - run: pm2 kill\n") == L{"4:23:target-all", "5:1:file-error"});
}

TEST_CASE("merge keys: cycles and shared sources are followed once, chains to any depth", "[workflow][robustness][limits]") {
  // A mapping merging itself twenty times: each lookup used to follow every
  // path (20^8 of them); each source is now read once.
  std::string cycle = "x: &d\n  <<: [";
  for (int i = 0; i < 20; ++i) cycle += "*d, ";
  cycle += "*d]\n  shell: sh\njobs:\n  a:\n    <<: *d\n    steps:\n      - run: pm2 stop all\n";
  auto start = std::chrono::steady_clock::now();
  auto c = extract(cycle);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  REQUIRE_FALSE(c.result.error);
  REQUIRE(c.result.scripts.size() == 1);
  CHECK(c.result.scripts[0].text.text() == "pm2 stop all");
  CHECK(c.result.limits.empty());

  // A chain of 20 merges (deeper than the 8 once followed): the steps at its end.
  std::string chain = "x0: &a0\n  steps:\n    - run: pm2 kill\n";
  for (int i = 1; i < 20; ++i)
    chain += "x" + std::to_string(i) + ": &a" + std::to_string(i) + "\n  <<: *a" + std::to_string(i - 1) + "\n";
  chain += "jobs:\n  j:\n    <<: *a19\n";
  auto ch = extract(chain);
  REQUIRE(ch.result.scripts.size() == 1);
  CHECK(ch.result.scripts[0].text.text() == "pm2 kill");
  CHECK(ch.result.limits.empty());

  // Precedence: the first source wins over the second, either over its own
  // sources, the mapping over all.
  auto p = extract("a: &a\n  shell: sh\nb: &b\n  shell: pwsh\n  run: pm2 delete b\n"
                   "jobs:\n  j:\n    steps:\n      - <<: [*a, *b]\n");
  REQUIRE(p.result.scripts.size() == 1);
  CHECK(p.result.scripts[0].shell == "sh");
  CHECK(p.result.scripts[0].text.text() == "pm2 delete b");
}

TEST_CASE("merge keys: more sources than are followed is a reported limit", "[workflow][limits]") {
  std::string yaml;
  for (int i = 0; i < 300; ++i) yaml += "m" + std::to_string(i) + ": &m" + std::to_string(i) + "\n  k: v\n";
  yaml += "jobs:\n  j:\n    <<: [";
  for (int i = 0; i < 300; ++i) yaml += std::string(i ? ", " : "") + "*m" + std::to_string(i);
  yaml += "]\n    steps:\n      - run: pm2 kill\n";
  auto e = extract(yaml);
  REQUIRE(e.result.scripts.size() == 1);  // the job's own entries are read
  REQUIRE(e.result.limits.size() == 1);
  CHECK(e.result.limits[0].message.find("more than 256 mappings") != std::string::npos);
  CHECK(e.file.line_col(e.result.limits[0].offset).first == 603);  // the job's mapping
  // The driver reports it as a warning, next to the finding.
  FileReport r = lint_source(SourceFile::from_string(".github/workflows/x.yml", yaml), InputKind::Workflow, LintOptions{});
  std::vector<std::string> rules;
  for (const LintFinding& f : r.findings) rules.push_back(f.rule);
  CHECK(rules == std::vector<std::string>{"shell-parse-error", "daemon-teardown"});
}

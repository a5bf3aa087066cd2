// The `pm2guard` binary as users meet it: exit codes, formats, messages,
// and bad input (each file's problem reported with its position while the
// other files are still linted).
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "rule.h"
#include "support/run.h"

namespace fs = std::filesystem;
using nlohmann::json;
using pm2guard::testing::run;
using pm2guard::testing::RunOptions;
using pm2guard::testing::RunResult;
using pm2guard::testing::TempDir;

namespace {

RunResult pm2guard_cmd(std::vector<std::string> args, const RunOptions& o = {}) {
  args.insert(args.begin(), PM2GUARD_BINARY);
  return run(args, o);
}

json lint_json(const std::vector<std::string>& paths, int expect_code) {
  std::vector<std::string> args = {"lint", "--format", "json"};
  args.insert(args.end(), paths.begin(), paths.end());
  RunResult r = pm2guard_cmd(args);
  INFO(r.err);
  CHECK(r.code == expect_code);
  return json::parse(r.out);
}

const char* kWorkflow =
    "on: push\n"
    "jobs:\n"
    "  deploy:\n"
    "    runs-on: self-hosted\n"
    "    steps:\n"
    "      - run: pm2 delete all\n";

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("exit status follows the worst finding", "[cli]") {
  TempDir d;
  std::string clean = d.write("clean.sh", "pm2 restart api\n");
  std::string warn = d.write("warn.sh", "pm2 restart \"$APP\"\n");
  std::string bad = d.write("bad.sh", "pm2 kill\n");
  CHECK(pm2guard_cmd({"lint", clean}).code == 0);
  CHECK(pm2guard_cmd({"lint", warn}).code == 0);
  CHECK(pm2guard_cmd({"lint", bad}).code == 1);
  CHECK(pm2guard_cmd({"lint", clean, warn, bad}).code == 1);
  CHECK(pm2guard_cmd({"lint", "--disable", "daemon-teardown", bad}).code == 0);
}

TEST_CASE("text output: location, severity, message, rule, excerpt and caret", "[cli]") {
  TempDir d;
  std::string wf = d.write(".gitea/workflows/deploy.yml", kWorkflow);
  RunResult r = pm2guard_cmd({"lint", "--color", "never", wf});
  CHECK(r.code == 1);
  std::string first = r.out.substr(0, r.out.find('\n'));
  CHECK(first.rfind(wf + ":6:25: error: `pm2 delete all` deletes every process", 0) == 0);
  CHECK(contains(first, "[target-all]"));
  CHECK(contains(r.out, "\n        - run: pm2 delete all\n"));
  CHECK(contains(r.out, "\n                          ^~~\n"));
  CHECK(contains(r.err, "1 file checked: 1 error, 0 warnings"));
  // Characters, not bytes: a multi-byte character before the word.
  std::string u = d.write("u.sh", "echo \"d\xC3\xA9ploiement\" && pm2 kill\n");
  RunResult ru = pm2guard_cmd({"lint", "--color", "never", u});
  CHECK(contains(ru.out, u + ":1:27: error:"));  // 28 in bytes
}

TEST_CASE("json output is one object with files, findings and errors", "[cli]") {
  TempDir d;
  std::string wf = d.write(".github/workflows/deploy.yml", kWorkflow);
  std::string broken = d.write(".github/workflows/broken.yml", "jobs:\n  a: [\n");
  json j = lint_json({d.path()}, 2);
  CHECK(j["files"] == 2);
  REQUIRE(j["findings"].size() == 1);
  const json& f = j["findings"][0];
  CHECK(f["file"] == wf);
  CHECK(f["line"] == 6);
  CHECK(f["column"] == 25);
  CHECK(f["end_line"] == 6);
  CHECK(f["end_column"] == 28);
  CHECK(f["rule"] == "target-all");
  CHECK(f["severity"] == "error");
  CHECK(contains(f["message"], "--only"));
  REQUIRE(j["errors"].size() == 1);
  CHECK(j["errors"][0]["file"] == broken);
  CHECK(j["errors"][0]["line"] == 3);
  CHECK(contains(j["errors"][0]["message"], "invalid YAML"));
}

TEST_CASE("github annotations and SARIF", "[cli]") {
  TempDir d;
  std::string wf = d.write(".github/workflows/deploy.yml", kWorkflow);
  RunResult gh = pm2guard_cmd({"lint", "--format", "github", wf});
  CHECK(gh.code == 1);
  CHECK(gh.out.rfind("::error file=" + wf + ",line=6,col=25,title=pm2guard target-all::", 0) == 0);
  RunResult s = pm2guard_cmd({"lint", "--format", "sarif", wf});
  CHECK(s.code == 1);
  json sarif = json::parse(s.out);
  CHECK(sarif["version"] == "2.1.0");
  const json& results = sarif["runs"][0]["results"];
  REQUIRE(results.size() == 1);
  CHECK(results[0]["ruleId"] == "target-all");
  CHECK(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6);
  CHECK(sarif["runs"][0]["tool"]["driver"]["rules"].size() == pm2guard::all_rules().size());
}

TEST_CASE("bad input: each problem named with its position, the other files still linted", "[cli][bad-input]") {
  TempDir d;
  std::string good = d.write("good.sh", "pm2 kill\n");

  SECTION("invalid YAML") {
    std::string p = d.write(".github/workflows/invalid.yml",
                            "jobs:\n  a:\n    steps:\n      - run: |\n          pm2 stop all\nEOF\n      - run: pm2 kill\n");
    RunResult r = pm2guard_cmd({"lint", p, good});
    CHECK(r.code == 2);
    CHECK(contains(r.out, p + ":7:12: error: invalid YAML"));
    CHECK(contains(r.out, p + ":5:20: error:"));  // what parsed before the error is still checked
    CHECK(contains(r.out, good + ":1:5: error:"));
  }
  SECTION("a pm2 ecosystem file stored with the workflows") {
    std::string p = d.write(".github/workflows/ecosystem.yml", "apps:\n  - name: api\n    script: index.js\n");
    RunResult r = pm2guard_cmd({"lint", d.path()});
    CHECK(r.code == 2);
    CHECK(contains(r.out, p + ":1:1: error: looks like a pm2 ecosystem file"));
  }
  SECTION("an empty workflow and an empty script") {
    std::string p = d.write(".github/workflows/empty.yml", "");
    std::string s = d.write("empty.sh", "");
    RunResult r = pm2guard_cmd({"lint", p, s});
    CHECK(r.code == 2);
    CHECK(contains(r.out, p + ":1:1: error: empty document"));
    CHECK_FALSE(contains(r.out, s));
  }
  SECTION("a binary file") {
    std::string p = d.write(".github/workflows/bin.yml", std::string("jobs:\n  a: \x00\x01\x02", 12));
    RunResult r = pm2guard_cmd({"lint", p, good});
    CHECK(r.code == 2);
    CHECK(contains(r.out, p + ":2:6: error: binary content"));
    CHECK(contains(r.out, good + ":1:5:"));
  }
  SECTION("a UTF-8 byte order mark and CRLF line ends") {
    std::string p = d.write(".github/workflows/bom.yml",
                            "\xEF\xBB\xBFon: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - run: pm2 stop all\r\n");
    json j = lint_json({p}, 1);
    REQUIRE(j["findings"].size() == 1);
    CHECK(j["findings"][0]["line"] == 5);
    CHECK(j["findings"][0]["column"] == 23);
    std::string s = d.write("crlf.sh", "#!/bin/sh\r\npm2 ls\r\npm2 delete all\r\n");
    json k = lint_json({s}, 1);
    REQUIRE(k["findings"].size() == 1);
    CHECK(k["findings"][0]["line"] == 3);
    CHECK(k["findings"][0]["column"] == 12);
  }
  SECTION("no trailing newline") {
    std::string p = d.write(".github/workflows/nonl.yml", "jobs:\n  a:\n    steps:\n      - run: pm2 kill");
    json j = lint_json({p}, 1);
    REQUIRE(j["findings"].size() == 1);
    CHECK(j["findings"][0]["line"] == 4);
    CHECK(j["findings"][0]["column"] == 18);
  }
  SECTION("a missing path") {
    RunResult r = pm2guard_cmd({"lint", d.path() + "/nope.yml", good});
    CHECK(r.code == 2);
    CHECK(contains(r.out, d.path() + "/nope.yml: error: No such file or directory"));
    CHECK(contains(r.out, good + ":1:5:"));
  }
  SECTION("an unreadable file") {
    std::string p = d.write(".github/workflows/locked.yml", kWorkflow);
    chmod(p.c_str(), 0);
    chmod(good.c_str(), 0644);
    RunOptions o;
    if (geteuid() == 0) o.uid = 65534;  // root reads everything: check as nobody
    chmod(d.path().c_str(), 0755);
    RunResult r = pm2guard_cmd({"lint", p, good}, o);
    CHECK(r.code == 2);
    CHECK(contains(r.out, p + ": error: Permission denied"));
    CHECK(contains(r.out, good + ":1:5:"));
  }
  SECTION("a directory given where a file is expected is searched, a named non-script is refused") {
    std::string txt = d.write("notes.txt", "pm2 delete all\n");
    RunResult r = pm2guard_cmd({"lint", txt});
    CHECK(r.code == 2);
    CHECK(contains(r.out, txt + ": error: not a file pm2guard reads"));
  }
}

TEST_CASE("directory discovery", "[cli]") {
  TempDir d;
  d.write(".github/workflows/a.yml", kWorkflow);
  d.write(".gitea/workflows/b.yaml", kWorkflow);
  d.write(".forgejo/workflows/c.yml", kWorkflow);
  d.write("sub/project/.github/workflows/d.yml", kWorkflow);
  d.write("actions/x/action.yml", "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: pm2 kill\n");
  d.write("actions/y/action.yaml", "runs:\n  using: node20\n  main: index.js\n");
  d.write("node_modules/pkg/.github/workflows/e.yml", kWorkflow);
  d.write(".git/hooks/.github/workflows/f.yml", kWorkflow);
  d.write("docs/example.yml", kWorkflow);
  d.write("scripts/deploy.sh", "pm2 kill\n");
  json j = lint_json({d.path()}, 1);
  CHECK(j["files"] == 6);
  CHECK(j["findings"].size() == 5);
  for (const json& f : j["findings"]) {
    std::string file = f["file"];
    CHECK_FALSE(contains(file, "node_modules"));
    CHECK_FALSE(contains(file, "/.git/"));
    CHECK_FALSE(contains(file, "docs/"));
  }
}

TEST_CASE("usage errors exit with 2", "[cli]") {
  CHECK(pm2guard_cmd({}).code == 2);
  CHECK(pm2guard_cmd({"frobnicate"}).code == 2);
  CHECK(pm2guard_cmd({"lint", "--bogus"}).code == 2);
  CHECK(pm2guard_cmd({"lint", "--format", "xml", "."}).code == 2);
  CHECK(pm2guard_cmd({"lint", "--disable", "no-such-rule", "."}).code == 2);
  CHECK(pm2guard_cmd({"explain", "no-such-rule"}).code == 2);
  RunResult help = pm2guard_cmd({"lint", "--help"});
  CHECK(help.code == 0);
  CHECK(contains(help.out, "exit status"));
}

TEST_CASE("explain and rules come from each rule's own doc", "[cli]") {
  RunResult list = pm2guard_cmd({"rules"});
  CHECK(list.code == 0);
  for (const pm2guard::Rule* r : pm2guard::all_rules()) {
    INFO(r->id);
    CHECK(contains(list.out, std::string(r->id)));
    RunResult e = pm2guard_cmd({"explain", std::string(r->id)});
    CHECK(e.code == 0);
    CHECK(contains(e.out, std::string(r->doc.why)));
    CHECK(contains(e.out, std::string(r->doc.instead)));
  }
}

TEST_CASE("each rule's documented example fires and its alternative stays silent", "[cli][docs]") {
  TempDir d;
  for (const pm2guard::Rule* r : pm2guard::all_rules()) {
    if (r->front == pm2guard::RuleFront::Shim) continue;  // its examples need a live daemon
    INFO(r->id);
    std::string ex = d.write(std::string(r->id) + "-example.sh", std::string(r->doc.example) + "\n");
    std::string in = d.write(std::string(r->id) + "-instead.sh", std::string(r->doc.instead) + "\n");
    json j = lint_json({ex}, r->severity == pm2guard::Severity::Error ? 1 : 0);
    bool fired = false;
    for (const json& f : j["findings"]) fired = fired || f["rule"] == std::string(r->id);
    CHECK(fired);
    json k = lint_json({in}, 0);
    CHECK(k["findings"].empty());
  }
}

TEST_CASE("cmake --install puts pm2guard in DIR/bin and the shim alone in DIR/lib/pm2guard/bin", "[cli][install]") {
  TempDir d;
  RunResult r = run({"/usr/bin/cmake", "--install", PM2GUARD_BUILD_DIR, "--prefix", d.path()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  std::string bin = d.path() + "/bin/pm2guard";
  REQUIRE(fs::exists(bin));
  RunResult v = run({bin, "version"});
  CHECK(v.code == 0);
  CHECK(contains(v.out, "pm2guard "));
  // The shim, alone in its directory so that the directory can go first on PATH.
  std::string shim_dir = d.path() + "/lib/pm2guard/bin";
  REQUIRE(fs::exists(shim_dir + "/pm2"));
  CHECK(std::distance(fs::directory_iterator(shim_dir), fs::directory_iterator()) == 1);
  CHECK((fs::status(shim_dir + "/pm2").permissions() & fs::perms::owner_exec) != fs::perms::none);
}

TEST_CASE("the README documents every rule", "[cli][docs]") {
  std::ifstream in(std::string(PM2GUARD_SOURCE_DIR) + "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  for (const pm2guard::Rule* r : pm2guard::all_rules()) {
    INFO(r->id);
    CHECK(contains(ss.str(), "| `" + std::string(r->id) + "` |"));
  }
}

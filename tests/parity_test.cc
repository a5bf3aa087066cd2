// One engine, two front ends: every argv of tests/parity/argv-cases.txt goes
// through the linter (as `pm2 <argv>` in a script) and through the shim (its
// argv, as a dry run with no daemon), and both must refuse it for exactly the
// rules the table names.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lint.h"
#include "rule.h"
#include "support/run.h"

namespace fs = std::filesystem;
using namespace pm2guard;
using pm2guard::testing::run;
using pm2guard::testing::RunOptions;
using pm2guard::testing::TempDir;

namespace {

struct Case {
  int line = 0;
  std::vector<std::string> argv;  // after `pm2`
  std::set<std::string> rules;
};

// Splits shell-like words ("..." groups; no other quoting in the table).
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_quotes = false, have = false;
  for (char c : s) {
    if (c == '"') {
      in_quotes = !in_quotes;
      have = true;
    } else if (c == ' ' && !in_quotes) {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (have) out.push_back(cur);
  return out;
}

std::vector<Case> cases() {
  std::ifstream in(std::string(PM2GUARD_SOURCE_DIR) + "/tests/parity/argv-cases.txt");
  std::vector<Case> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    size_t arrow = line.find(" => ");
    REQUIRE(arrow != std::string::npos);
    Case c;
    c.line = n;
    c.argv = words(line.substr(0, arrow));
    for (const std::string& r : words(line.substr(arrow + 4)))
      if (r != "-") c.rules.insert(r);
    out.push_back(c);
  }
  return out;
}

std::string single_quoted(const std::string& w) {
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::set<std::string> lint_rules(const Case& c) {
  std::string script = "pm2";
  for (const std::string& w : c.argv) script += " " + single_quoted(w);
  lint::LintOptions opts;
  lint::FileReport r = lint::lint_source(lint::SourceFile::from_string("case.sh", script + "\n"), lint::InputKind::Shell, opts);
  std::set<std::string> out;
  for (const lint::LintFinding& f : r.findings)
    if (f.severity == Severity::Error) out.insert(f.rule);
  return out;
}

// The rule ids in `[a]` or `[a] (also: b c)` of the shim's refusal line.
std::set<std::string> shim_rules(const std::string& err) {
  std::set<std::string> out;
  size_t b = err.find(" [");
  if (b == std::string::npos) return out;
  size_t e = err.find(']', b);
  out.insert(err.substr(b + 2, e - b - 2));
  size_t also = err.find("(also:", e);
  if (also != std::string::npos && also < err.find(':', e + 1)) {
    size_t close = err.find(')', also);
    std::stringstream ss(err.substr(also + 6, close - also - 6));
    std::string id;
    while (ss >> id) out.insert(id);
  }
  return out;
}

}  // namespace

TEST_CASE("the linter and the shim refuse the same argv for the same rules", "[parity]") {
  TempDir home;
  fs::create_directories(home.path() + "/pm2home");
  std::string shim_dir = fs::path(PM2GUARD_SHIM).parent_path().string();
  std::string real_dir = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin";
  RunOptions o;
  o.env = std::map<std::string, std::string>{
      {"PATH", shim_dir + ":" + real_dir + ":/usr/local/bin:/usr/bin:/bin"},
      {"HOME", home.path()},
      {"PM2_HOME", home.path() + "/pm2home"},
      {"PM2GUARD_DRY_RUN", "1"},
  };
  o.cwd = home.path();
  std::vector<Case> all = cases();
  REQUIRE(all.size() >= 50);
  for (const Case& c : all) {
    std::vector<std::string> argv{PM2GUARD_SHIM};
    argv.insert(argv.end(), c.argv.begin(), c.argv.end());
    testing::RunResult r = run(argv, o);
    INFO("argv-cases.txt:" << c.line << ": pm2 " << r.err);
    std::set<std::string> from_lint = lint_rules(c);
    std::set<std::string> from_shim = r.code == 77 ? shim_rules(r.err) : std::set<std::string>{};
    // Rules that need the live daemon (RuleFront::Shim) are the shim's alone.
    std::set<std::string> lint_expected;
    for (const std::string& id : c.rules)
      if (const Rule* rule = find_rule(id); rule && rule->front != RuleFront::Shim) lint_expected.insert(id);
    CHECK(from_lint == lint_expected);
    CHECK(from_shim == c.rules);
    CHECK((r.code == 0 || r.code == 77));
    CHECK(r.out.empty());  // the shim never writes to stdout
  }
  // A dry run touches nothing: no daemon was started.
  CHECK_FALSE(fs::exists(home.path() + "/pm2home/rpc.sock"));
}

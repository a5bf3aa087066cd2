// Runs the linter over corpus/ and checks every finding against the inline
// `# expect: rule-id[, rule-id]` annotations: no unexpected finding, no
// missing one, and nothing at all in files without annotations.
#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "discover.h"
#include "lint.h"
#include "rule.h"

namespace fs = std::filesystem;
using namespace pm2guard;
using namespace pm2guard::lint;

namespace {

const fs::path kCorpus = fs::path(PM2GUARD_SOURCE_DIR) / "corpus";

std::vector<InputFile> corpus_inputs() {
  std::vector<FileError> errors;
  std::vector<InputFile> inputs = discover({kCorpus.string()}, errors);
  REQUIRE(errors.empty());
  std::vector<std::string> scripts;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
    std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".sh" || ext == ".bash")) scripts.push_back(e.path().string());
  }
  std::sort(scripts.begin(), scripts.end());
  std::vector<InputFile> named = discover(scripts, errors);
  REQUIRE(errors.empty());
  inputs.insert(inputs.end(), named.begin(), named.end());
  return inputs;
}

// line -> expected rule ids
std::map<uint32_t, std::multiset<std::string>> expectations(const std::string& path) {
  std::map<uint32_t, std::multiset<std::string>> out;
  std::ifstream in(path);
  std::string line;
  uint32_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    size_t at = line.find("# expect:");
    if (at == std::string::npos) continue;
    std::string list = line.substr(at + 9);
    std::stringstream ss(list);
    std::string id;
    while (std::getline(ss, id, ',')) {
      // A rule id is lower-case letters, digits and dashes: whatever closes
      // the comment's container (a JSON string's quote) is not part of it.
      id.erase(0, id.find_first_not_of(" \t\r"));
      size_t end = 0;
      while (end < id.size() && (std::islower(static_cast<unsigned char>(id[end])) ||
                                 std::isdigit(static_cast<unsigned char>(id[end])) || id[end] == '-'))
        ++end;
      id.resize(end);
      if (!id.empty()) out[n].insert(id);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every corpus file produces exactly its annotated findings", "[corpus]") {
  std::vector<InputFile> inputs = corpus_inputs();
  LintOptions options;
  std::vector<FileReport> reports = lint_files(inputs, options);
  size_t cases = 0, annotated_files = 0;
  for (const FileReport& r : reports) {
    INFO(r.path);
    CHECK_FALSE(r.error.has_value());
    auto want = expectations(r.path);
    std::map<uint32_t, std::multiset<std::string>> got;
    for (const LintFinding& f : r.findings) got[f.range.line].insert(f.rule);
    if (!want.empty()) ++annotated_files;
    for (const auto& [line, ids] : want) cases += ids.size();
    for (const auto& [line, ids] : got) {
      auto w = want.find(line);
      for (const std::string& id : ids) {
        INFO("line " << line << ": unexpected finding [" << id << "]");
        CHECK((w != want.end() && w->second.count(id) >= ids.count(id)));
      }
    }
    for (const auto& [line, ids] : want) {
      auto g = got.find(line);
      for (const std::string& id : ids) {
        INFO("line " << line << ": missing finding [" << id << "]");
        CHECK((g != got.end() && g->second.count(id) >= ids.count(id)));
      }
    }
  }
  // The corpus stays large enough to mean something.
  CHECK(reports.size() >= 20);
  CHECK(cases >= 80);
  CHECK(annotated_files >= 15);
}

TEST_CASE("the corpus covers every rule and every forge", "[corpus]") {
  std::set<std::string> seen;
  std::vector<InputFile> inputs = corpus_inputs();
  bool gitea = false, forgejo = false, github = false, action = false, script = false;
  std::set<InputKind> kinds;
  for (const InputFile& in : inputs) {
    for (const auto& [line, ids] : expectations(in.path)) seen.insert(ids.begin(), ids.end());
    gitea = gitea || in.path.find(".gitea/workflows") != std::string::npos;
    forgejo = forgejo || in.path.find(".forgejo/workflows") != std::string::npos;
    github = github || in.path.find(".github/workflows") != std::string::npos;
    action = action || in.kind == InputKind::Action;
    script = script || in.kind == InputKind::Shell;
    if (!expectations(in.path).empty()) kinds.insert(in.kind);
  }
  // Every source kind found by a directory search has a file with findings.
  for (InputKind k : {InputKind::PackageJson, InputKind::Makefile, InputKind::GitlabCi, InputKind::WoodpeckerDrone,
                      InputKind::Bitbucket, InputKind::CircleCi}) {
    INFO("source kind " << static_cast<int>(k));
    CHECK(kinds.count(k) == 1);
  }
  for (const Rule* r : all_rules()) {
    if (r->front == RuleFront::Shim) continue;  // needs a live daemon: the shim's tests cover it
    INFO(r->id);
    CHECK(seen.count(std::string(r->id)) == 1);
  }
  CHECK(gitea);
  CHECK(forgejo);
  CHECK(github);
  CHECK(action);
  CHECK(script);
}

// Mangled input never crashes the linter and never yields a position outside
// the file: every corpus file is cut, spliced and sprinkled with shell and
// YAML metacharacters (deterministically), then linted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "lint.h"

namespace fs = std::filesystem;
using namespace pm2guard::lint;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string mangle(std::string s, std::mt19937& rng) {
  static const std::vector<std::string> bits = {"'", "\"", "`", "$(", ")", "${{", "}}", "<<EOF\n", "\nEOF\n", "\\",
                                                "{", "}", "|", "&&", ";;", "\n", "\t", "#", ": ", "- ", "\r\n", "\xff",
                                                "pm2 delete all", "$((", "((", "[[", "]]", "${", "!", "*"};
  std::uniform_int_distribution<int> op(0, 3);
  int edits = 1 + static_cast<int>(rng() % 6);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    size_t at = rng() % s.size();
    switch (op(rng)) {
      case 0: s.insert(at, bits[rng() % bits.size()]); break;          // insert a metacharacter
      case 1: s.erase(at, 1 + rng() % 20); break;                       // delete a run
      case 2: s.resize(at); break;                                      // truncate
      case 3: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 40)); break;  // duplicate a piece
    }
  }
  return s;
}

}  // namespace

TEST_CASE("mangled corpus files are linted without crashing and with positions inside the file", "[robustness]") {
  std::vector<std::pair<fs::path, InputKind>> files;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(PM2GUARD_SOURCE_DIR) / "corpus")) {
    if (!e.is_regular_file()) continue;
    std::string ext = e.path().extension().string();
    if (ext == ".yml" || ext == ".yaml") files.push_back({e.path(), InputKind::Yaml});
    if (ext == ".sh" || ext == ".bash") files.push_back({e.path(), InputKind::Shell});
  }
  REQUIRE(files.size() >= 20);
  std::mt19937 rng(61);
  LintOptions opts;
  size_t runs = 0;
  for (int round = 0; round < 40; ++round) {
    for (const auto& [path, kind] : files) {
      std::string text = mangle(read(path), rng);
      FileReport r = lint_source(SourceFile::from_string(path.string(), text), kind, opts);
      ++runs;
      REQUIRE(r.source.has_value());
      for (const LintFinding& f : r.findings) {
        INFO(path.string() << " round " << round << ": " << f.rule << " at " << f.range.line << ":" << f.range.col);
        CHECK(f.range.line >= 1);
        CHECK(f.range.line <= r.source->line_count());
        CHECK(f.range.col >= 1);
        CHECK_FALSE(f.message.empty());
      }
      if (r.error) {
        CHECK(r.error->line <= r.source->line_count());
        CHECK_FALSE(r.error->message.empty());
      }
    }
  }
  CHECK(runs >= 800);
}

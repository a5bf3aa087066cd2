// JsonDocument against the reader npm uses: node's JSON.parse, on documents
// mutated at random (deterministically) from package.json-like bases.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "json_document.h"
#include "support/pm2_sandbox.h"
#include "support/run.h"

using pm2guard::lint::JsonDocument;

namespace {

std::vector<std::string> mutated_documents(size_t count) {
  const std::vector<std::string> bases = {
      R"({"name":"app","scripts":{"start":"pm2 start x","stop":"pm2 delete \u0061ll"},"n":[1,-2.5e+3,true,false,null]})",
      R"([1, 2.0, -0, 1E5, "a\"b", {"x": {}}, []])",
      R"({"a": "\ud83d\ude00", "b": "\/\b\f\n\r\t", "c": 0.5e-10, "d": "é日"})",
      " \r\n\t{ \"k\" : [ ] , \"l\" : { } } \n",
  };
  const std::vector<std::string> pieces = {"{", "}", "[", "]", ",", ":", "\"", "\\", "1", ".", "e", "+", "-", " ",
                                           "\n", "\t", "x", "true", "nul", "//", "/*", "\xC2\xA0", "\x01", "0",
                                           "'", "\\u", "d83d", "\\ud800", "\r", "\v"};
  uint32_t seed = 12345;
  auto rnd = [&](size_t n) {
    seed = seed * 1103515245u + 12345u;
    return static_cast<size_t>((seed >> 8) % n);
  };
  std::vector<std::string> docs;
  while (docs.size() < count) {
    std::string s = bases[rnd(bases.size())];
    size_t edits = 1 + rnd(3);
    for (size_t e = 0; e < edits; ++e) {
      size_t at = rnd(s.size() + 1);
      size_t op = rnd(3);
      // Whole characters only: every document stays valid UTF-8, as
      // read_source requires of a file.
      bool ascii_at = at < s.size() && static_cast<unsigned char>(s[at]) < 0x80;
      if (op == 0 && ascii_at) {
        s.erase(at, 1);
      } else if (op == 1 || !ascii_at) {
        s.insert(at, pieces[rnd(pieces.size())]);
      } else {
        s.replace(at, 1, pieces[rnd(pieces.size())]);
      }
    }
    docs.push_back(std::move(s));
  }
  return docs;
}

}  // namespace

TEST_CASE("the same verdict as node's JSON.parse, the error never later", "[json][differential]") {
  std::optional<std::string> node = pm2guard::testing::find_on_path("node");
  if (!node) FAIL("node is not on PATH");
  std::vector<std::string> docs = mutated_documents(3000);
  std::string input;
  for (const std::string& d : docs) input += d + '\0';
  // One line per document: "ok", or "err" and the byte offset V8 names (-1
  // when its message names none).
  const char* script = R"(
    const docs = require('fs').readFileSync(0, 'utf8').split('\0'); docs.pop();
    const out = docs.map(s => {
      try { JSON.parse(s); return 'ok'; } catch (e) {
        const m = /position (\d+)/.exec(e.message);
        return 'err ' + (m ? Buffer.byteLength(s.slice(0, +m[1])) : -1);
      }
    });
    process.stdout.write(out.join('\n') + '\n');
  )";
  pm2guard::testing::RunOptions options;
  options.input = input;
  pm2guard::testing::RunResult r = pm2guard::testing::run({*node, "-e", script}, options);
  REQUIRE(r.code == 0);
  std::istringstream lines(r.out);
  size_t valid = 0, compared = 0;
  for (const std::string& doc : docs) {
    std::string verdict;
    REQUIRE(std::getline(lines, verdict));
    JsonDocument parsed = JsonDocument::parse(doc);
    INFO("document: " << doc);
    INFO("JSON.parse: " << verdict);
    if (verdict == "ok") {
      ++valid;
      CHECK_FALSE(parsed.error());
      continue;
    }
    REQUIRE(parsed.error());
    long at = std::stol(verdict.substr(4));
    if (at >= 0) {
      ++compared;
      CHECK(parsed.error()->offset <= static_cast<uint32_t>(at));
    }
  }
  // Enough of each to mean something.
  CHECK(valid > 300);
  CHECK(compared > 1000);
}

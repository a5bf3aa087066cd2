#include "yaml_scalar.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "yaml_test_support.h"

using pm2guard::lint::decode_scalar;
using pm2guard::lint::map_scalar;
using pm2guard::lint::MappedText;
using pm2guard::lint::scalar_style;
using pm2guard::lint::ScalarStyle;
using pm2guard::lint::SourceFile;
using pm2guard::lint::testing::LineCol;
using pm2guard::lint::testing::where;

namespace {

YAML::Node at(const YAML::Node& n, const std::vector<std::string>& path, size_t i = 0) {
  if (i == path.size()) return n;
  const YAML::Node child = n.IsSequence() ? n[std::stoul(path[i])] : n[path[i]];
  return at(child, path, i + 1);
}

struct Mapped {
  SourceFile file;
  std::string value;  // yaml-cpp's decoding
  MappedText text;
};

// Loads `yaml` with yaml-cpp, takes the scalar at `path` (mapping keys;
// numbers index sequences) and maps it; the fallback offset is 0.
Mapped load(std::string yaml, const std::vector<std::string>& path, int parent_indent = -1) {
  Mapped m{SourceFile::from_string("t.yml", std::move(yaml)), {}, {}};
  YAML::Node node = at(YAML::Load(m.file.text), path);
  REQUIRE(node.IsScalar());
  m.value = node.Scalar();
  m.text = map_scalar(m.file.text, node, 0, parent_indent);
  return m;
}

LineCol lc(uint32_t line, uint32_t col) { return {line, col}; }

}  // namespace

TEST_CASE("literal block: every line maps to its own file line", "[yaml-scalar][literal]") {
  auto m = load(R"(jobs:
  deploy:
    steps:
      - name: stop
        run: |
          echo "stopping"
          cd /srv/app
          pm2 delete all
      - run: echo next
)",
                {"jobs", "deploy", "steps", "0", "run"});
  CHECK(m.value == "echo \"stopping\"\ncd /srv/app\npm2 delete all\n");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "pm2") == lc(8, 11));
  CHECK(where(m.file, m.text, "/srv") == lc(7, 14));
  CHECK(where(m.file, m.text, "\n", 2) == lc(8, 25));  // the last line break is the raw one
}

TEST_CASE("literal block with strip chomping and inner blank lines", "[yaml-scalar][literal]") {
  auto m = load("run: |-\n  echo a\n\n  pm2 stop all\n\n\nnext: 1\n", {"run"});
  CHECK(m.value == "echo a\n\npm2 stop all");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "pm2") == lc(4, 3));
}

TEST_CASE("literal block with keep chomping keeps trailing lines", "[yaml-scalar][literal]") {
  auto m = load("run: |+\n  pm2 kill\n\nnext: 1\n", {"run"});
  CHECK(m.value == "pm2 kill\n\n");
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "pm2") == lc(2, 3));
  CHECK(m.file.line_col(m.text.origin(9)) == lc(3, 1));  // the kept empty line
}

TEST_CASE("literal block with an indentation indicator", "[yaml-scalar][literal]") {
  auto m = load("s:\n  run: |2\n      echo indented\n    pm2 restart all\n  other: x\n", {"s", "run"});
  CHECK(m.value == "  echo indented\npm2 restart all\n");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "echo") == lc(3, 7));
  CHECK(where(m.file, m.text, "pm2") == lc(4, 5));

  for (const char* header : {"|2-", "|-2"}) {
    auto n = load(std::string("s:\n  run: ") + header + "\n      a\n    pm2 b\n\n", {"s", "run"});
    CHECK(n.value == "  a\npm2 b");
    CHECK(n.text.text() == n.value);
    CHECK(where(n.file, n.text, "pm2") == lc(4, 5));
  }
}

TEST_CASE("literal block inside a sequence entry with an indentation indicator", "[yaml-scalar][literal]") {
  auto m = load("steps:\n  - |1\n     pm2 kill\n", {"steps", "0"});
  CHECK(m.value == "  pm2 kill\n");  // the entry's `-` is at column 2, so content starts at 3
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "pm2") == lc(3, 6));
}

TEST_CASE("literal block with leading blank lines", "[yaml-scalar][literal]") {
  auto m = load("run: |\n\n  \n  echo a\n  pm2 reload all\n", {"run"});
  CHECK(m.value == "\n\necho a\npm2 reload all\n");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "echo") == lc(4, 3));
  CHECK(where(m.file, m.text, "pm2") == lc(5, 3));
}

TEST_CASE("folded block joins lines and keeps paragraph breaks", "[yaml-scalar][folded]") {
  auto m = load("run: >\n  echo a\n  b c\n\n  pm2 delete all\n  --force\n", {"run"});
  CHECK(m.value == "echo a b c\npm2 delete all --force\n");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "b c") == lc(3, 3));
  CHECK(where(m.file, m.text, "pm2") == lc(5, 3));
  CHECK(where(m.file, m.text, "--force") == lc(6, 3));
  CHECK(where(m.file, m.text, " b c") == lc(2, 9));  // a folded line break maps to the raw one
}

TEST_CASE("folded block keeps more-indented lines as they are", "[yaml-scalar][folded]") {
  auto m = load("run: >\n  echo a\n    more indented\n  pm2 x\n\n\n  last\n", {"run"});
  CHECK(m.value == "echo a\n  more indented\npm2 x\n\nlast\n");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "more") == lc(3, 5));
  CHECK(where(m.file, m.text, "pm2") == lc(4, 3));
  CHECK(where(m.file, m.text, "last") == lc(7, 3));
}

TEST_CASE("folded block with strip chomping", "[yaml-scalar][folded]") {
  auto m = load("run: >-\n  pm2 delete\n  all\n\nother: x\n", {"run"});
  CHECK(m.value == "pm2 delete all");
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "all") == lc(3, 3));
}

TEST_CASE("folded block with leading blank lines", "[yaml-scalar][folded]") {
  auto m = load("run: >\n\n\n  pm2 kill\n  now\n", {"run"});
  CHECK(m.value == "\n\npm2 kill now\n");
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "pm2") == lc(4, 3));
  CHECK(where(m.file, m.text, "now") == lc(5, 3));
}

TEST_CASE("plain multi-line scalar folds its lines", "[yaml-scalar][plain]") {
  auto m = load("s:\n  run: echo a &&\n    pm2 delete\n      all   \n  next: 1\n", {"s", "run"});
  CHECK(m.value == "echo a && pm2 delete all");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "echo") == lc(2, 8));
  CHECK(where(m.file, m.text, "pm2") == lc(3, 5));
  CHECK(where(m.file, m.text, "all") == lc(4, 7));

  auto blank = load("run: a\n\n  pm2 b\nx: 1\n", {"run"});
  CHECK(blank.value == "a\npm2 b");
  CHECK(blank.text.text() == blank.value);
  CHECK(where(blank.file, blank.text, "pm2") == lc(3, 3));
}

TEST_CASE("plain scalar ends before a comment", "[yaml-scalar][plain]") {
  auto m = load("run: pm2 kill   # stop everything\n", {"run"});
  CHECK(m.value == "pm2 kill");
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "kill") == lc(1, 10));
}

TEST_CASE("plain scalar alone on the line after its key", "[yaml-scalar][plain]") {
  auto m = load("s:\n  run:\n    pm2 delete\n    all\n", {"s", "run"}, /*parent_indent=*/2);
  CHECK(m.value == "pm2 delete all");
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "all") == lc(4, 5));

  // Without the parent's indentation, the key's line above tells it.
  auto unhinted = load("s:\n  run:\n    pm2 delete\n    all\n  next: 1\n", {"s", "run"});
  CHECK(unhinted.value == "pm2 delete all");
  CHECK(unhinted.text.text() == unhinted.value);
  CHECK(where(unhinted.file, unhinted.text, "all") == lc(4, 5));

  auto block = load("s:\n  run:\n    |\n    pm2 x\n", {"s", "run"}, 2);
  CHECK(block.value == "pm2 x\n");
  CHECK(block.text.text() == block.value);
  CHECK(where(block.file, block.text, "pm2") == lc(4, 5));
}

TEST_CASE("single-quoted scalar: doubled quotes and folding", "[yaml-scalar][quoted]") {
  auto m = load("run: 'echo ''hi'' &&\n  pm2 delete all'\n", {"run"});
  CHECK(m.value == "echo 'hi' && pm2 delete all");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "'") == lc(1, 12));  // the first quote of the pair
  CHECK(where(m.file, m.text, "hi") == lc(1, 14));
  CHECK(where(m.file, m.text, "pm2") == lc(2, 3));

  auto blank = load("run: 'a  \n\n   pm2 b'\n", {"run"});
  CHECK(blank.value == "a\npm2 b");
  CHECK(blank.text.text() == blank.value);
  CHECK(where(blank.file, blank.text, "pm2") == lc(3, 4));
}

TEST_CASE("double-quoted scalar: escapes map to their backslash", "[yaml-scalar][quoted]") {
  const std::string yaml =
      "run: \"printf \\\"%s\\\\n\\\" \\u00e9\\x41\\t/ \\/ \\\n"
      "  pm2 delete all\\n  pm2 kill\"\n";
  auto m = load(yaml, {"run"});
  CHECK(m.value == "printf \"%s\\n\" \xC3\xA9" "A\t/ / pm2 delete all\n  pm2 kill");
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "\"") == lc(1, 14));
  CHECK(where(m.file, m.text, "\\n") == lc(1, 18));
  CHECK(where(m.file, m.text, "\xC3\xA9") == lc(1, 24));
  CHECK(where(m.file, m.text, "A") == lc(1, 30));
  CHECK(where(m.file, m.text, "\t") == lc(1, 34));
  CHECK(where(m.file, m.text, "/", 1) == lc(1, 38));
  CHECK(where(m.file, m.text, "pm2") == lc(2, 3));
  CHECK(where(m.file, m.text, "pm2", 1) == lc(2, 21));
}

TEST_CASE("double-quoted scalar: every escape yaml-cpp knows", "[yaml-scalar][quoted]") {
  auto m = load(
      "run: \"\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\\"\\'\\\\\\/\\N\\_\\L\\P\\x7e\\u20AC\\U0001F680 pm2\"\n", {"run"});
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "pm2") == lc(1, 66));
}

TEST_CASE("double-quoted scalar folds lines and keeps blank ones", "[yaml-scalar][quoted]") {
  auto m = load("run: \"echo a   \n  \n  pm2 b \\\n   c\"\n", {"run"});
  CHECK(m.value == "echo a\npm2 b c");
  CHECK(m.text.text() == m.value);
  CHECK(where(m.file, m.text, "pm2") == lc(3, 3));
  CHECK(where(m.file, m.text, "c", 1) == lc(4, 4));
}

TEST_CASE("a quote left open at the end of the file decodes as yaml-cpp reads it", "[yaml-scalar][quoted]") {
  auto m = load("run: \"pm2\n  kill\n", {"run"});
  CHECK(m.value == "pm2 kill ");  // the last line break folds into a space
  CHECK(m.text.text() == m.value);
  CHECK(m.text.exact());
  CHECK(where(m.file, m.text, "kill") == lc(2, 3));
}

TEST_CASE("CRLF files map like LF files", "[yaml-scalar][crlf]") {
  const std::string yaml =
      "run: |\r\n  echo a\r\n  pm2 delete all\r\n"
      "folded: >\r\n  a\r\n  pm2 b\r\n"
      "quoted: \"x\r\n  pm2 c\"\r\n"
      "plain: x\r\n  pm2 d\r\n";
  auto lit = load(yaml, {"run"});
  CHECK(lit.value == "echo a\npm2 delete all\n");
  CHECK(lit.text.text() == lit.value);
  CHECK(where(lit.file, lit.text, "pm2") == lc(3, 3));

  auto folded = load(yaml, {"folded"});
  CHECK(folded.value == "a pm2 b\n");
  CHECK(folded.text.text() == folded.value);
  CHECK(where(folded.file, folded.text, "pm2") == lc(6, 3));

  auto quoted = load(yaml, {"quoted"});
  CHECK(quoted.value == "x pm2 c");
  CHECK(quoted.text.text() == quoted.value);
  CHECK(where(quoted.file, quoted.text, "pm2") == lc(8, 3));

  auto plain = load(yaml, {"plain"});
  CHECK(plain.value == "x pm2 d");
  CHECK(plain.text.text() == plain.value);
  CHECK(where(plain.file, plain.text, "pm2") == lc(10, 3));
}

TEST_CASE("a BOM shifts nothing", "[yaml-scalar][bom]") {
  const std::string yaml = "\xEF\xBB\xBFrun: pm2 kill\nx: |\n  pm2 stop all\n";
  auto first = load(yaml, {"run"});
  CHECK(first.text.text() == first.value);
  CHECK(where(first.file, first.text, "pm2") == lc(1, 6));
  auto second = load(yaml, {"x"});
  CHECK(second.text.text() == second.value);
  CHECK(where(second.file, second.text, "pm2") == lc(3, 3));
}

TEST_CASE("scalars that end at the end of the file without a newline", "[yaml-scalar][eof]") {
  auto lit = load("run: |\n  echo\n  pm2 delete all", {"run"});
  CHECK(lit.value == "echo\npm2 delete all");
  CHECK(lit.text.text() == lit.value);
  CHECK(where(lit.file, lit.text, "pm2") == lc(3, 3));

  auto keep = load("run: |+\n  pm2 kill\n\n", {"run"});
  CHECK(keep.value == "pm2 kill\n\n");
  CHECK(keep.text.text() == keep.value);

  auto folded = load("run: >\n  pm2\n  kill", {"run"});
  CHECK(folded.value == "pm2 kill");
  CHECK(folded.text.text() == folded.value);
  CHECK(where(folded.file, folded.text, "kill") == lc(3, 3));

  auto plain = load("run: pm2\n  kill", {"run"});
  CHECK(plain.value == "pm2 kill");
  CHECK(plain.text.text() == plain.value);
  CHECK(where(plain.file, plain.text, "kill") == lc(2, 3));
}

TEST_CASE("tags and anchors before the scalar are skipped", "[yaml-scalar][properties]") {
  const std::string yaml =
      "a: !!str |\n  pm2 a\n"
      "b: &anc |-\n  pm2 b\n"
      "c: &x !!str >\n  pm2\n  c\n"
      "d: *anc\n"
      "e: !!str \"pm2 e\"\n"
      "f: &p pm2 f\n"
      "g: !custom\n  pm2 g\n"
      "h: !>\n  pm2\n  h\n";
  struct Case {
    const char* key;
    const char* value;
    LineCol pm2;
  };
  for (const Case& c : {Case{"a", "pm2 a\n", {2, 3}}, Case{"b", "pm2 b", {4, 3}}, Case{"c", "pm2 c\n", {6, 3}},
                        Case{"d", "pm2 b", {4, 3}},  // an alias maps to its anchor's bytes
                        Case{"e", "pm2 e", {9, 11}}, Case{"f", "pm2 f", {10, 7}}, Case{"g", "pm2 g", {12, 3}},
                        Case{"h", "pm2 h\n", {14, 3}}}) {  // `!>`: the `!` tag, then a folded scalar
    INFO(c.key);
    auto m = load(yaml, {c.key});
    CHECK(m.value == c.value);
    CHECK(m.text.text() == m.value);
    CHECK(m.text.exact());
    CHECK(where(m.file, m.text, "pm2") == c.pm2);
  }
}

TEST_CASE("comments after block indicators", "[yaml-scalar][literal][folded]") {
  const std::string yaml =
      "a: | # the script\n  pm2 a\n"
      "b: >- # folded\n  pm2\n  b\n"
      "c: |2 # explicit\n    pm2 c\n"
      "d: |#tight\n  pm2 d\n";
  auto a = load(yaml, {"a"});
  CHECK(a.text.text() == "pm2 a\n");
  CHECK(where(a.file, a.text, "pm2") == lc(2, 3));
  auto b = load(yaml, {"b"});
  CHECK(b.text.text() == "pm2 b");
  CHECK(where(b.file, b.text, "b") == lc(5, 3));
  auto c = load(yaml, {"c"});
  CHECK(c.text.text() == "  pm2 c\n");
  CHECK(where(c.file, c.text, "pm2") == lc(7, 5));
  auto d = load(yaml, {"d"});
  CHECK(d.text.text() == d.value);
  CHECK(where(d.file, d.text, "pm2") == lc(9, 3));
}

TEST_CASE("tabs inside content are content", "[yaml-scalar][tabs]") {
  auto lit = load("run: |\n  echo\ta\n  \tpm2 delete all\n", {"run"});
  CHECK(lit.value == "echo\ta\n\tpm2 delete all\n");
  CHECK(lit.text.text() == lit.value);
  CHECK(where(lit.file, lit.text, "a\n") == lc(2, 8));
  CHECK(where(lit.file, lit.text, "pm2") == lc(3, 4));

  auto plain = load("run: echo\tpm2 kill\t\n", {"run"});
  CHECK(plain.value == "echo\tpm2 kill");
  CHECK(plain.text.text() == plain.value);
  CHECK(where(plain.file, plain.text, "pm2") == lc(1, 11));

  auto folded = load("run: >\n  a\n  \tpm2 b\n  c\n", {"run"});  // a tab-led line is more indented
  CHECK(folded.value == "a\n\tpm2 b\nc\n");
  CHECK(folded.text.text() == folded.value);
  CHECK(where(folded.file, folded.text, "pm2") == lc(3, 4));
}

TEST_CASE("scalars in flow collections", "[yaml-scalar][flow]") {
  const std::string yaml = "steps: [{run: pm2 delete all}, {run: \"pm2 kill\"}, {run: 'pm2 stop x'}]\n";
  auto plain = load(yaml, {"steps", "0", "run"});
  CHECK(plain.text.text() == "pm2 delete all");
  CHECK(plain.text.exact());
  CHECK(where(plain.file, plain.text, "all") == lc(1, 26));
  auto dq = load(yaml, {"steps", "1", "run"});
  CHECK(dq.text.text() == "pm2 kill");
  CHECK(where(dq.file, dq.text, "kill") == lc(1, 43));
  auto sq = load(yaml, {"steps", "2", "run"});
  CHECK(sq.text.text() == "pm2 stop x");
  CHECK(where(sq.file, sq.text, "x") == lc(1, 67));
}

TEST_CASE("a decoding that does not reproduce yaml-cpp's value falls back to the anchor", "[yaml-scalar][fallback]") {
  auto file = SourceFile::from_string("t.yml", "x: 1\nrun: |\n  pm2 kill\n");
  YAML::Node node = YAML::Load(file.text)["run"];
  auto good = map_scalar(file.text, node.Mark(), node.Scalar(), 5);
  CHECK(good.exact());

  auto bad = map_scalar(file.text, node.Mark(), "pm2 something else\n", 5);
  CHECK(bad.text() == "pm2 something else\n");
  CHECK_FALSE(bad.exact());
  CHECK(bad.origin(0) == 5);
  CHECK(bad.origin(10) == 5);

  YAML::Mark nowhere;
  nowhere.pos = 999;
  auto out_of_range = map_scalar(file.text, nowhere, "pm2 kill\n", 5);
  CHECK_FALSE(out_of_range.exact());
  CHECK(out_of_range.text() == "pm2 kill\n");
}

TEST_CASE("decode_scalar refuses what is not a scalar it understands", "[yaml-scalar]") {
  CHECK_FALSE(decode_scalar("a: |x\n  b\n", 3));         // junk after the indicator
  CHECK_FALSE(decode_scalar("a: \"unterminated", 3));  // no closing quote
  CHECK_FALSE(decode_scalar("a: \"bad \\q escape\"\n", 3));
  CHECK_FALSE(decode_scalar("a: \"\\ud800\"\n", 3));  // a surrogate
  CHECK_FALSE(decode_scalar("a: 1\n", 99));
}

TEST_CASE("scalar_style reads the style past properties", "[yaml-scalar]") {
  CHECK(scalar_style("a: x", 3) == ScalarStyle::Plain);
  CHECK(scalar_style("a: 'x'", 3) == ScalarStyle::SingleQuoted);
  CHECK(scalar_style("a: \"x\"", 3) == ScalarStyle::DoubleQuoted);
  CHECK(scalar_style("a: |\n x", 3) == ScalarStyle::Literal);
  CHECK(scalar_style("a: >-\n x", 3) == ScalarStyle::Folded);
  CHECK(scalar_style("a: !!str &k |\n x", 3) == ScalarStyle::Literal);
  CHECK(scalar_style("a: &k # note\n  'x'", 3) == ScalarStyle::SingleQuoted);
}

TEST_CASE("every scalar of a mixed document decodes exactly", "[yaml-scalar]") {
  // A workflow-shaped document with each style in several contexts; each
  // scalar's decoding must reproduce yaml-cpp's value.
  const std::string yaml = R"(name: "CI ${{ github.ref }}"
on: [push, 'pull_request']
env:
  A: 1
  B: "two\tthree"
jobs:
  deploy:
    runs-on: [self-hosted, linux]
    steps:
      - uses: actions/checkout@v4
      - name: Multi
          line name
        run: |
          set -e
          cat <<'EOF' > /tmp/x
            indented body
          EOF

          pm2 delete all || true
      - run: >-
          pm2 start ecosystem.config.js
          --env production

            --update-env
      - run: 'pm2 ''reload'' all'
      - run: "pm2 \"stop\" all \
          && echo done"
      - script: &s |2
            two
          one
      - again: *s
      - {run: pm2 kill, shell: bash}
      - - nested
        - |
          pm2 list
)";
  auto file = SourceFile::from_string("t.yml", yaml);
  size_t checked = 0;
  std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& n) {
    if (n.IsScalar()) {
      INFO("scalar at line " << n.Mark().line + 1 << ": " << n.Scalar());
      auto m = map_scalar(file.text, n, 0);
      CHECK(m.text() == n.Scalar());
      CHECK(m.exact());
      ++checked;
    } else if (n.IsSequence()) {
      for (const auto& item : n) walk(item);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        walk(kv.first);
        walk(kv.second);
      }
    }
  };
  walk(YAML::Load(file.text));
  CHECK(checked >= 30);
}

// The reporters: positions in characters, clipped to their line; unknown
// positions left out; the text excerpt and caret; GitHub workflow commands;
// JSON; SARIF 2.1.0.
#include "report.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace pm2guard;
using namespace pm2guard::lint;
using nlohmann::json;

namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

SourceRange bytes(uint32_t line, uint32_t col, uint32_t end_line, uint32_t end_col) {
  return SourceRange{line, col, end_line, end_col};
}

LintFinding finding(SourceRange r, std::string rule = "target-all", Severity s = Severity::Error,
                    std::string message = "msg") {
  LintFinding f;
  f.rule = std::move(rule);
  f.severity = s;
  f.range = r;
  f.message = std::move(message);
  return f;
}

// One report over `text`, with the given findings.
FileReport report(const std::string& path, const std::string& text, std::vector<LintFinding> findings) {
  FileReport r;
  r.path = path;
  r.source = SourceFile::from_string(path, text);
  r.findings = std::move(findings);
  return r;
}

std::string plain_text(const std::vector<FileReport>& reports, const std::vector<FileError>& errors = {}) {
  return render_text(reports, errors, TextStyle{false, true});
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// The result of the only finding of a SARIF log.
json sarif_of(const std::vector<FileReport>& reports, const std::vector<FileError>& errors = {}) {
  return json::parse(render_sarif(reports, errors));
}

}  // namespace

TEST_CASE("char_range converts byte columns to character columns", "[report][position]") {
  // "é" is two bytes, "日" three.
  SourceFile f = SourceFile::from_string("t.sh", "x=\xC3\xA9; pm2 delete all\n\xE6\x97\xA5 pm2 kill\n");
  // `all` is bytes 18..20 (end 21), characters 17..19 (end 20).
  CHECK(char_range(&f, bytes(1, 18, 1, 21)) == CharRange{1, 17, 1, 20});
  CHECK(char_range(&f, bytes(2, 5, 2, 8)) == CharRange{2, 3, 2, 6});
  // A byte inside a multi-byte character stands for the whole character.
  CHECK(char_range(&f, bytes(1, 4, 1, 5)) == CharRange{1, 3, 1, 4});
  // Without the file, the columns are taken as given.
  CHECK(char_range(nullptr, bytes(1, 18, 1, 21)) == CharRange{1, 18, 1, 21});
}

TEST_CASE("char_range clips a range to the text of its line", "[report][position]") {
  SourceFile crlf = SourceFile::from_string("w.yml", "a: 1\r\nrun: pm2 delete all\r\nb: 2\r\n");
  // `all` with the '\r' and the '\n' after it.
  CHECK(char_range(&crlf, bytes(2, 17, 2, 22)) == CharRange{2, 17, 2, 20});
  CHECK(char_range(&crlf, bytes(2, 17, 2, 21)) == CharRange{2, 17, 2, 20});
  // Far past the end of the line.
  CHECK(char_range(&crlf, bytes(2, 17, 2, 99)) == CharRange{2, 17, 2, 20});
  // An end past the end of the file stops at the end of the file.
  SourceFile no_nl = SourceFile::from_string("t.sh", "pm2 kill");
  CHECK(char_range(&no_nl, bytes(1, 5, 7, 3)) == CharRange{1, 5, 1, 9});
  // A start past the end of the file is the end of the file.
  CHECK(char_range(&no_nl, bytes(9, 2, 9, 4)) == CharRange{1, 9, 1, 10});
}

TEST_CASE("char_range: a missing or reversed end is one character, a multi-line end is kept", "[report][position]") {
  SourceFile f = SourceFile::from_string("t.sh", "pm2 delete \"a\nll\"\n");
  CHECK(char_range(&f, bytes(1, 5, 0, 0)) == CharRange{1, 5, 1, 6});
  CHECK(char_range(&f, bytes(1, 5, 1, 5)) == CharRange{1, 5, 1, 6});
  CHECK(char_range(&f, bytes(1, 5, 1, 2)) == CharRange{1, 5, 1, 6});
  CHECK(char_range(&f, bytes(1, 12, 2, 4)) == CharRange{1, 12, 2, 4});
  // At the end of a line: the line break, one past the text.
  CHECK(char_range(&f, bytes(1, 14, 1, 15)) == CharRange{1, 14, 1, 15});
}

TEST_CASE("char_range: an unknown line or column stays unknown", "[report][position]") {
  SourceFile f = SourceFile::from_string("t.sh", "pm2 kill\n");
  CHECK(char_range(&f, bytes(0, 0, 0, 0)) == CharRange{});
  CHECK(char_range(&f, bytes(0, 3, 0, 5)) == CharRange{});
  CHECK(char_range(&f, bytes(1, 0, 1, 4)) == CharRange{1, 0, 0, 0});
  CHECK(char_range(nullptr, bytes(0, 0, 0, 0)) == CharRange{});
}

TEST_CASE("text: an unknown position prints no :0", "[report][text][position]") {
  FileReport r = report("a.sh", "pm2 kill\n", {finding(bytes(0, 0, 0, 0), "daemon-teardown")});
  r.findings.push_back(finding(bytes(1, 0, 0, 0), "daemon-teardown", Severity::Error, "line only"));
  std::vector<FileError> errors = {FileError{"missing.yml", 0, 0, "No such file or directory"}};
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 3, 0, "no column"};
  std::string out = plain_text({r, broken}, errors);
  CHECK_FALSE(contains(out, ":0"));
  std::vector<std::string> lines = lines_of(out);
  REQUIRE(lines.size() == 4);  // no excerpt without a column
  CHECK(lines[0] == "missing.yml: error: No such file or directory");
  CHECK(lines[1] == "a.sh: error: msg [daemon-teardown]");
  CHECK(lines[2] == "a.sh:1: error: line only [daemon-teardown]");
  CHECK(lines[3] == "b.yml:3: error: no column");
}

TEST_CASE("text: location in characters, caret clipped to the line", "[report][text][position]") {
  // `all` with the CRLF's '\r' inside its range.
  FileReport r = report("w.yml", "x: \xC3\xA9\r\nrun: pm2 delete all\r\n", {finding(bytes(2, 17, 2, 21))});
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "w.yml:2:17: error: msg [target-all]");
  CHECK(lines[1] == "  run: pm2 delete all");
  CHECK(lines[2] == "                  ^~~");
  // A range over two lines is underlined to the end of the first.
  FileReport multi = report("t.sh", "pm2 delete \"a\nll\"\n", {finding(bytes(1, 12, 2, 4))});
  lines = lines_of(plain_text({multi}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "t.sh:1:12: error: msg [target-all]");
  CHECK(lines[2] == "             ^~");
}

TEST_CASE("json: unknown positions are null, known ones characters", "[report][json][position]") {
  FileReport r = report("a.sh", "\xC3\xA9 pm2 kill\n", {finding(bytes(0, 0, 0, 0), "daemon-teardown"),
                                                      finding(bytes(1, 4, 1, 8), "daemon-teardown")});
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 0, 0, "unreadable"};
  json j = json::parse(render_json({r, broken}, {FileError{"c.yml", 2, 5, "bad"}}));
  REQUIRE(j["findings"].size() == 2);
  const json& unknown = j["findings"][0];
  for (const char* k : {"line", "column", "end_line", "end_column"}) {
    INFO(k);
    CHECK(unknown.contains(k));
    CHECK(unknown[k].is_null());
  }
  const json& known = j["findings"][1];
  CHECK(known["line"] == 1);
  CHECK(known["column"] == 3);
  CHECK(known["end_line"] == 1);
  CHECK(known["end_column"] == 7);
  REQUIRE(j["errors"].size() == 2);
  CHECK(j["errors"][0]["file"] == "c.yml");
  CHECK(j["errors"][0]["line"] == 2);
  CHECK(j["errors"][0]["column"] == 5);
  CHECK(j["errors"][1]["file"] == "b.yml");
  CHECK(j["errors"][1]["line"].is_null());
  CHECK(j["errors"][1]["column"].is_null());
}

TEST_CASE("github: an unknown position has no line or col", "[report][github][position]") {
  FileReport r = report("a.sh", "pm2 kill\n", {finding(bytes(0, 0, 0, 0), "daemon-teardown"),
                                               finding(bytes(1, 0, 0, 0), "daemon-teardown")});
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 0, 0, "unreadable"};
  std::vector<std::string> lines = lines_of(render_github({r, broken}, {}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "::error file=a.sh,title=pm2guard daemon-teardown::msg");
  CHECK(lines[1] == "::error file=a.sh,line=1,title=pm2guard daemon-teardown::msg");
  CHECK(lines[2] == "::error file=b.yml::unreadable");
}

TEST_CASE("sarif: a region only where the line is known, never a 0", "[report][sarif][position]") {
  FileReport r = report("a.sh", "\xC3\xA9 pm2 kill\n", {finding(bytes(0, 0, 0, 0), "daemon-teardown"),
                                                      finding(bytes(1, 0, 0, 0), "daemon-teardown"),
                                                      finding(bytes(1, 4, 1, 8), "daemon-teardown")});
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 0, 0, "unreadable"};
  json s = sarif_of({r, broken}, {FileError{"c.yml", 2, 5, "bad"}});
  const json& results = s["runs"][0]["results"];
  REQUIRE(results.size() == 3);
  CHECK_FALSE(results[0]["locations"][0]["physicalLocation"].contains("region"));
  CHECK(results[1]["locations"][0]["physicalLocation"]["region"] == json{{"startLine", 1}});
  CHECK(results[2]["locations"][0]["physicalLocation"]["region"] ==
        json{{"startLine", 1}, {"startColumn", 3}, {"endLine", 1}, {"endColumn", 7}});
  const json& notes = s["runs"][0]["invocations"][0]["toolExecutionNotifications"];
  REQUIRE(notes.size() == 2);
  CHECK(notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2);
  CHECK(notes[0]["locations"][0]["physicalLocation"]["region"]["startColumn"] == 5);
  CHECK_FALSE(notes[1]["locations"][0]["physicalLocation"].contains("region"));
}

TEST_CASE("display_width: wide, zero-width and ordinary characters", "[report][text][caret]") {
  CHECK(display_width(U'a') == 1);
  CHECK(display_width(U'\u00E9') == 1);   // é
  CHECK(display_width(U'\u2400') == 1);   // ␀, how control characters are shown
  CHECK(display_width(U'\u65E5') == 2);   // 日
  CHECK(display_width(U'\uAC00') == 2);   // 가
  CHECK(display_width(U'\uFF21') == 2);   // fullwidth A
  CHECK(display_width(U'\U0001F680') == 2);  // 🚀
  CHECK(display_width(U'\u0301') == 0);   // combining acute accent
  CHECK(display_width(U'\u200D') == 0);   // zero-width joiner
}

TEST_CASE("caret: tabs are kept, so the caret lines up whatever the tab width", "[report][text][caret]") {
  FileReport r = report("t.sh", "\tpm2\tdelete\tall\n", {finding(bytes(1, 13, 1, 16))});
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "t.sh:1:13: error: msg [target-all]");
  CHECK(lines[1] == "  \tpm2\tdelete\tall");
  CHECK(lines[2] == "  \t   \t      \t^~~");
}

TEST_CASE("caret: one cell per character, two under a wide one, none under a combining mark", "[report][text][caret]") {
  SECTION("multi-byte characters before the word") {
    FileReport r = report("t.sh", "echo \"d\xC3\xA9ploiement\" && pm2 kill\n", {finding(bytes(1, 28, 1, 32))});
    std::vector<std::string> lines = lines_of(plain_text({r}));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "t.sh:1:27: error: msg [target-all]");
    CHECK(lines[2] == std::string(2 + 26, ' ') + "^~~~");
  }
  SECTION("East Asian wide characters before and inside the range") {
    // echo 日本 && pm2 delete 日本: the target is two wide characters.
    std::string line = "echo \xE6\x97\xA5\xE6\x9C\xAC && pm2 delete \xE6\x97\xA5\xE6\x9C\xAC";
    FileReport r = report("t.sh", line + "\n", {finding(bytes(1, 27, 1, 33))});
    std::vector<std::string> lines = lines_of(plain_text({r}));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "t.sh:1:23: error: msg [target-all]");  // characters, not cells
    CHECK(lines[1] == "  " + line);
    // 22 characters, 24 cells before the target, 4 cells under it.
    CHECK(lines[2] == std::string(2 + 24, ' ') + "^~~~");
  }
  SECTION("a combining mark takes no cell") {
    // "e" + U+0301 (decomposed é) before the word.
    FileReport r = report("t.sh", "x=e\xCC\x81; pm2 kill\n", {finding(bytes(1, 12, 1, 16))});
    std::vector<std::string> lines = lines_of(plain_text({r}));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "t.sh:1:11: error: msg [target-all]");
    CHECK(lines[2] == std::string(2 + 9, ' ') + "^~~~");
  }
}

TEST_CASE("caret: a range at the end of a line points just past its text", "[report][text][caret]") {
  FileReport r = report("t.sh", "pm2 delete (\n", {finding(bytes(1, 13, 1, 14), "shell-parse-error")});
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "t.sh:1:13: error: msg [shell-parse-error]");
  CHECK(lines[2] == std::string(2 + 12, ' ') + "^");
}

TEST_CASE("excerpt: CRLF line ends print no carriage return", "[report][text][caret]") {
  FileReport r = report("w.yml", "a: 1\r\nrun: pm2 delete all\r\n", {finding(bytes(2, 17, 2, 22))});
  std::string out = plain_text({r});
  CHECK(out.find('\r') == std::string::npos);
  std::vector<std::string> lines = lines_of(out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "  run: pm2 delete all");
  CHECK(lines[2] == std::string(2 + 16, ' ') + "^~~");
}

TEST_CASE("excerpt: control and bidi characters of the file never reach the terminal", "[report][text][caret]") {
  // An escape sequence, a lone carriage return and a right-to-left override
  // before the word; each is shown as one visible character.
  std::string line = "echo \x1B[2J\r\xE2\x80\xAE; pm2 kill";
  FileReport r = report("t\x1B.sh", line + "\n", {finding(bytes(1, 20, 1, 24), "daemon-teardown", Severity::Error,
                                                           "`pm2 kill\x1B[0m` msg")});
  std::string out = plain_text({r});
  CHECK(out.find('\x1B') == std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
  CHECK_FALSE(contains(out, "\xE2\x80\xAE"));
  std::vector<std::string> lines = lines_of(out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "t\xE2\x90\x9B.sh:1:18: error: `pm2 kill\xE2\x90\x9B[0m` msg [daemon-teardown]");
  CHECK(lines[1] == "  echo \xE2\x90\x9B[2J\xE2\x90\x8D\xEF\xBF\xBD; pm2 kill");
  CHECK(lines[2] == std::string(2 + 17, ' ') + "^~~~");
}

TEST_CASE("excerpt: colour wraps the caret only, and --no-excerpt drops both lines", "[report][text][caret]") {
  FileReport r = report("t.sh", "pm2 kill\n", {finding(bytes(1, 5, 1, 9), "daemon-teardown")});
  std::vector<std::string> colored = lines_of(render_text({r}, {}, TextStyle{true, true}));
  REQUIRE(colored.size() == 3);
  CHECK(colored[1] == "  pm2 kill");
  CHECK(colored[2] == "  \x1B[1;31m    ^~~~\x1B[0m");
  std::vector<std::string> bare = lines_of(render_text({r}, {}, TextStyle{false, false}));
  REQUIRE(bare.size() == 1);
  CHECK(bare[0] == "t.sh:1:5: error: msg [daemon-teardown]");
}

TEST_CASE("excerpt: an invalid YAML error is shown in its line, in characters", "[report][text][caret]") {
  LintOptions options;
  FileReport r = lint_source(SourceFile::from_string(".github/workflows/x.yml", "name: x\non: \xC3\xA9\xC3\xA9: x\n"),
                             InputKind::Workflow, options);
  REQUIRE(r.error);
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == ".github/workflows/x.yml:2:7: error: invalid YAML: illegal map value");
  CHECK(lines[1] == "  on: \xC3\xA9\xC3\xA9: x");
  CHECK(lines[2] == std::string(2 + 6, ' ') + "^");
}

TEST_CASE("excerpt: a real finding after wide characters in a workflow", "[report][text][caret]") {
  std::string wf =
      "on: push\n"
      "jobs:\n"
      "  d:\n"
      "    runs-on: x\n"
      "    steps:\n"
      "      - run: echo \"\xE9\x83\xA8\xE7\xBD\xB2\" && pm2 delete all\n";
  FileReport r = lint_source(SourceFile::from_string(".github/workflows/d.yml", wf), InputKind::Workflow, LintOptions{});
  REQUIRE(r.findings.size() == 1);
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(contains(lines[0], ".github/workflows/d.yml:6:38: error:"));  // column 42 in bytes
  // 37 characters before `all`, two of them wide: 39 cells.
  CHECK(lines[2] == std::string(2 + 39, ' ') + "^~~");
}

TEST_CASE("github: messages escape %, CR and LF, property values also : and ,", "[report][github]") {
  FileReport r = report("./dir/a,b:c%d.sh", "pm2 kill\n",
                        {finding(bytes(1, 5, 1, 9), "daemon-teardown", Severity::Error, "100% sure:\r\nnext, %0A line")});
  FileReport broken;
  broken.path = "x\ny.yml";
  broken.error = FileError{"x\ny.yml", 2, 3, "invalid YAML: a\nb%"};
  std::vector<FileError> discovery = {FileError{"gone,1.yml", 0, 0, "No such file: or directory"}};
  std::string out = render_github({r, broken}, discovery);
  std::vector<std::string> lines = lines_of(out);
  REQUIRE(lines.size() == 3);  // one command per line, whatever the text holds
  CHECK(lines[0] == "::error file=gone%2C1.yml::No such file: or directory");
  CHECK(lines[1] == "::error file=dir/a%2Cb%3Ac%25d.sh,line=1,col=5,title=pm2guard daemon-teardown::"
                    "100%25 sure:%0D%0Anext, %250A line");
  CHECK(lines[2] == "::error file=x%0Ay.yml,line=2,col=3::invalid YAML: a%0Ab%25");
}

TEST_CASE("github: level by severity, columns in characters, ./ dropped from paths", "[report][github]") {
  FileReport r = report("././.github/workflows/d.yml", "run: echo \xC3\xA9 && pm2 kill\nrun: pm2 stop \"$APP\"\n",
                        {finding(bytes(1, 22, 1, 26), "daemon-teardown"),
                         finding(bytes(2, 15, 2, 21), "dynamic-target", Severity::Warning),
                         finding(bytes(2, 5, 2, 8), "target-all", Severity::Note)});
  std::vector<std::string> lines = lines_of(render_github({r}, {}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "::error file=.github/workflows/d.yml,line=1,col=21,title=pm2guard daemon-teardown::msg");
  CHECK(lines[1] == "::warning file=.github/workflows/d.yml,line=2,col=15,title=pm2guard dynamic-target::msg");
  CHECK(lines[2] == "::notice file=.github/workflows/d.yml,line=2,col=5,title=pm2guard target-all::msg");
}

namespace {

// Every region of a SARIF log, wherever it is (results, notifications).
void collect_regions(const json& j, std::vector<json>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "region") out.push_back(it.value());
      collect_regions(it.value(), out);
    }
  } else if (j.is_array()) {
    for (const json& x : j) collect_regions(x, out);
  }
}

}  // namespace

TEST_CASE("sarif: log, run and tool as SARIF 2.1.0 requires", "[report][sarif]") {
  json s = sarif_of({report("a.sh", "pm2 kill\n", {})});
  CHECK(s["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json");
  CHECK(s["version"] == "2.1.0");
  REQUIRE(s["runs"].size() == 1);
  const json& run = s["runs"][0];
  const json& driver = run["tool"]["driver"];
  CHECK(driver["name"] == "pm2guard");
  REQUIRE(driver["version"].is_string());
  CHECK_FALSE(driver["version"].get<std::string>().empty());
  CHECK(driver["semanticVersion"] == driver["version"]);
  // Present only when the build names a home page, and then an absolute URI.
  if (driver.contains("informationUri")) CHECK(contains(driver["informationUri"].get<std::string>(), "://"));
  // Columns count code points, not SARIF's default UTF-16 code units.
  CHECK(run["columnKind"] == "unicodeCodePoints");
  CHECK(run["results"].is_array());
  CHECK(run["results"].empty());
  REQUIRE(run["invocations"].size() == 1);
  CHECK(run["invocations"][0]["executionSuccessful"] == true);
  CHECK(run["invocations"][0]["toolExecutionNotifications"].empty());
}

TEST_CASE("sarif: one descriptor per rule, from its documentation", "[report][sarif]") {
  json s = sarif_of({});
  const json& rules = s["runs"][0]["tool"]["driver"]["rules"];
  const std::vector<const Rule*>& all = all_rules();
  REQUIRE(rules.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const Rule& r = *all[i];
    const json& d = rules[i];
    INFO(r.id);
    CHECK(d["id"] == std::string(r.id));
    CHECK(d["shortDescription"]["text"] == std::string(r.doc.summary));
    CHECK(d["fullDescription"]["text"] == std::string(r.doc.what));
    // GitHub code scanning keeps 1024 characters of each description.
    CHECK(d["shortDescription"]["text"].get<std::string>().size() <= 1024);
    CHECK(d["fullDescription"]["text"].get<std::string>().size() <= 1024);
    std::string text = d["help"]["text"], markdown = d["help"]["markdown"];
    for (std::string_view part : {r.doc.what, r.doc.why, r.doc.example, r.doc.instead}) {
      CHECK(contains(text, std::string(part)));
      CHECK(contains(markdown, std::string(part)));
    }
    CHECK(contains(markdown, "```sh\n" + std::string(r.doc.example) + "\n```"));
    CHECK(contains(markdown, "```sh\n" + std::string(r.doc.instead) + "\n```"));
    CHECK(d["defaultConfiguration"]["level"] == std::string(severity_name(r.severity)));
  }
}

TEST_CASE("sarif: results name their rule by id and index, with level, message and location", "[report][sarif]") {
  FileReport r = report("t.sh", "pm2 kill\npm2 stop \"$APP\"\n",
                        {finding(bytes(1, 5, 1, 9), "daemon-teardown", Severity::Error, "stop that"),
                         finding(bytes(2, 10, 2, 16), "dynamic-target", Severity::Warning, "maybe")});
  json s = sarif_of({r});
  const json& run = s["runs"][0];
  const json& results = run["results"];
  REQUIRE(results.size() == 2);
  for (const json& res : results) {
    REQUIRE(res["ruleIndex"].is_number_unsigned());
    CHECK(run["tool"]["driver"]["rules"][res["ruleIndex"].get<size_t>()]["id"] == res["ruleId"]);
  }
  CHECK(results[0]["ruleId"] == "daemon-teardown");
  CHECK(results[0]["level"] == "error");
  CHECK(results[0]["message"]["text"] == "stop that");
  CHECK(results[1]["ruleId"] == "dynamic-target");
  CHECK(results[1]["level"] == "warning");
  const json& loc = results[1]["locations"][0]["physicalLocation"];
  CHECK(loc["artifactLocation"] == json{{"uri", "t.sh"}, {"uriBaseId", "%SRCROOT%"}});
  CHECK(loc["region"] == json{{"startLine", 2}, {"startColumn", 10}, {"endLine", 2}, {"endColumn", 16}});
}

TEST_CASE("sarif: artifact URIs are percent-encoded, relative to %SRCROOT% or file: URIs", "[report][sarif]") {
  auto uri_of = [](const std::string& path) {
    json s = sarif_of({report(path, "pm2 kill\n", {finding(bytes(1, 5, 1, 9), "daemon-teardown")})});
    return s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
  };
  CHECK(uri_of("./.github/workflows/deploy.yml") ==
        json{{"uri", ".github/workflows/deploy.yml"}, {"uriBaseId", "%SRCROOT%"}});
  CHECK(uri_of("my scripts/d\xC3\xA9ploy #1 (100%).sh") ==
        json{{"uri", "my%20scripts/d%C3%A9ploy%20%231%20%28100%25%29.sh"}, {"uriBaseId", "%SRCROOT%"}});
  CHECK(uri_of("a:b?c.sh") == json{{"uri", "a%3Ab%3Fc.sh"}, {"uriBaseId", "%SRCROOT%"}});
  CHECK(uri_of("../other/x.yml") == json{{"uri", "../other/x.yml"}, {"uriBaseId", "%SRCROOT%"}});
  CHECK(uri_of("/srv/ci repo/x.yml") == json{{"uri", "file:///srv/ci%20repo/x.yml"}});
}

TEST_CASE("sarif: files that could not be used are error notifications, and the run did not succeed", "[report][sarif]") {
  FileReport ok = report("a.sh", "pm2 kill\n", {finding(bytes(1, 5, 1, 9), "daemon-teardown")});
  FileReport broken;
  broken.path = "./.github/workflows/b.yml";
  broken.error = FileError{broken.path, 3, 7, "invalid YAML: oops"};
  json s = sarif_of({ok, broken}, {FileError{"missing dir", 0, 0, "No such file or directory"}});
  const json& run = s["runs"][0];
  CHECK(run["results"].size() == 1);  // the other files' results are all there
  const json& inv = run["invocations"][0];
  CHECK(inv["executionSuccessful"] == false);
  const json& notes = inv["toolExecutionNotifications"];
  REQUIRE(notes.size() == 2);
  CHECK(notes[0]["level"] == "error");
  CHECK(notes[0]["message"]["text"] == "No such file or directory");
  CHECK(notes[0]["locations"][0]["physicalLocation"] ==
        json{{"artifactLocation", {{"uri", "missing%20dir"}, {"uriBaseId", "%SRCROOT%"}}}});
  CHECK(notes[1]["message"]["text"] == "invalid YAML: oops");
  CHECK(notes[1]["locations"][0]["physicalLocation"] ==
        json{{"artifactLocation", {{"uri", ".github/workflows/b.yml"}, {"uriBaseId", "%SRCROOT%"}}},
             {"region", {{"startLine", 3}, {"startColumn", 7}, {"endLine", 3}, {"endColumn", 8}}}});
}

TEST_CASE("sarif: every line and column is at least 1, every end after its start", "[report][sarif][position]") {
  // Unknown, partial, clipped, reversed and multi-line positions together.
  FileReport r = report("t.sh", "pm2 delete \"a\nll\"\r\npm2 kill",
                        {finding(bytes(0, 0, 0, 0), "daemon-teardown"), finding(bytes(1, 0, 0, 0), "daemon-teardown"),
                         finding(bytes(1, 12, 2, 4)), finding(bytes(2, 1, 2, 9)), finding(bytes(3, 5, 3, 2)),
                         finding(bytes(9, 9, 9, 9))});
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 0, 0, "unreadable"};
  json s = sarif_of({r, broken}, {FileError{"c.yml", 4, 0, "no column"}});
  std::vector<json> regions;
  collect_regions(s, regions);
  CHECK(regions.size() == 6);  // five findings and c.yml
  for (const json& region : regions) {
    INFO(region.dump());
    for (const char* k : {"startLine", "startColumn", "endLine", "endColumn"}) {
      if (!region.contains(k)) continue;
      REQUIRE(region[k].is_number_unsigned());
      CHECK(region[k].get<uint32_t>() >= 1);
    }
    REQUIRE(region.contains("startLine"));
    if (region.contains("startColumn")) {
      REQUIRE(region.contains("endLine"));
      REQUIRE(region.contains("endColumn"));
      uint32_t l1 = region["startLine"], c1 = region["startColumn"], l2 = region["endLine"], c2 = region["endColumn"];
      CHECK((l2 > l1 || (l2 == l1 && c2 > c1)));
    }
  }
}

TEST_CASE("json: the documented fields, in order, with via", "[report][json]") {
  LintFinding f = finding(bytes(1, 27, 1, 30), "target-all", Severity::Error, "msg (via ssh > sudo)");
  f.via = {"ssh", "sudo"};
  FileReport r = report("v.sh", "ssh host \"sudo pm2 delete all\"\npm2 kill\n",
                        {f, finding(bytes(2, 5, 2, 9), "daemon-teardown", Severity::Warning)});
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 2, 4, "invalid YAML: x"};
  std::string out = render_json({r, broken}, {});
  // The keys in the documented order.
  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(out);
  std::vector<std::string> keys;
  for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"files", "findings", "errors"});
  REQUIRE(ordered["findings"].size() == 2);
  keys.clear();
  for (auto it = ordered["findings"][0].begin(); it != ordered["findings"][0].end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"file", "line", "column", "end_line", "end_column", "rule", "severity",
                                         "message", "via"});
  json j = json::parse(out);
  CHECK(j["files"] == 2);
  CHECK(j["findings"][0] == json{{"file", "v.sh"}, {"line", 1}, {"column", 27}, {"end_line", 1}, {"end_column", 30},
                                 {"rule", "target-all"}, {"severity", "error"}, {"message", "msg (via ssh > sudo)"},
                                 {"via", {"ssh", "sudo"}}});
  CHECK(j["findings"][1]["severity"] == "warning");
  CHECK(j["findings"][1]["via"] == json::array());
  REQUIRE(j["errors"].size() == 1);
  CHECK(j["errors"][0] == json{{"file", "b.yml"}, {"line", 2}, {"column", 4}, {"message", "invalid YAML: x"}});
}

TEST_CASE("json: via comes from the linter's walk through wrappers", "[report][json]") {
  FileReport r = lint_source(SourceFile::from_string("v.sh", "ssh host \"sudo pm2 delete all\"\npm2 kill\n"),
                             InputKind::Shell, LintOptions{});
  json j = json::parse(render_json({r}, {}));
  REQUIRE(j["findings"].size() == 2);
  CHECK(j["findings"][0]["via"] == json{"ssh", "sudo"});
  CHECK(j["findings"][1]["via"] == json::array());
}

TEST_CASE("every format reports the same character columns", "[report][position]") {
  // Wide and two-byte characters before the target, a CRLF line end after it.
  std::string wf =
      "on: push\r\n"
      "jobs:\r\n"
      "  d:\r\n"
      "    runs-on: x\r\n"
      "    steps:\r\n"
      "      - run: echo \"\xE9\x83\xA8\xE7\xBD\xB2 \xC3\xA9t\xC3\xA9\" && pm2 delete all\r\n";
  FileReport r = lint_source(SourceFile::from_string("d.yml", wf), InputKind::Workflow, LintOptions{});
  REQUIRE(r.findings.size() == 1);
  const uint32_t line = 6, col = 42, end = 45;  // bytes 48..50

  std::string text = plain_text({r});
  CHECK(text.rfind("d.yml:6:42: error:", 0) == 0);

  json j = json::parse(render_json({r}, {}));
  CHECK(j["findings"][0]["line"] == line);
  CHECK(j["findings"][0]["column"] == col);
  CHECK(j["findings"][0]["end_line"] == line);
  CHECK(j["findings"][0]["end_column"] == end);

  CHECK(render_github({r}, {}).rfind("::error file=d.yml,line=6,col=42,", 0) == 0);

  json s = sarif_of({r});
  CHECK(s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] ==
        json{{"startLine", line}, {"startColumn", col}, {"endLine", line}, {"endColumn", end}});
}

TEST_CASE("excerpt: an error column past the line's text puts the caret just after it", "[report][text][caret]") {
  FileReport r = report("x.yml", "jobs: [\n", {});
  r.error = FileError{"x.yml", 1, 40, "invalid YAML: x"};
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "x.yml:1:40: error: invalid YAML: x");
  CHECK(lines[1] == "  jobs: [");
  CHECK(lines[2] == std::string(2 + 7, ' ') + "^");
  // No excerpt for an empty line, or a line past the end of the file.
  r.error = FileError{"x.yml", 2, 1, "invalid YAML: end"};
  CHECK(lines_of(plain_text({r})).size() == 1);
  r.error = FileError{"x.yml", 9, 1, "invalid YAML: far"};
  CHECK(lines_of(plain_text({r})).size() == 1);
}

// ---------------------------------------------------------------------------
// Texts that are not fit for an output: bytes that are not UTF-8 (a word like
// $'\xff', a file name), control and bidirectional characters. output_text is
// the one place that makes each text fit for its format.

namespace {

// Every byte sequence of `s` is well-formed UTF-8.
bool is_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// A raw control byte (C0 but LF, DEL), a C1 control or a bidirectional
// control in `s` (which is valid UTF-8).
bool has_raw_control(const std::string& s, bool allow_tab) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n' && !(allow_tab && c == '\t')) || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return true;  // U+0080-U+009F
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        static_cast<unsigned char>(s[i + 2]) >= 0xAA && static_cast<unsigned char>(s[i + 2]) <= 0xAE)
      return true;
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x81 &&
        static_cast<unsigned char>(s[i + 2]) >= 0xA6 && static_cast<unsigned char>(s[i + 2]) <= 0xA9)
      return true;
  }
  return false;
}

// Not UTF-8: a lone byte, a stray continuation, a truncated sequence, an
// overlong '/', a surrogate, a code point above U+10FFFF.
const std::string kNotUtf8 = "a\xFF" "b\x80" "c\xE2\x82" "d\xC0\xAF" "e\xED\xA0\x80" "f\xF4\x90\x80\x80";
// Controls and bidirectional characters, all valid UTF-8.
const std::string kControls = "\x1B[2J\x07\x7F\xC2\x9B\xE2\x80\xAE\xE2\x81\xA6\t";

}  // namespace

TEST_CASE("output_text: bytes that are not UTF-8 are shown escaped in every format", "[report][bad-text]") {
  for (TextSink sink : {TextSink::Terminal, TextSink::Json, TextSink::Github}) {
    std::string out = output_text(kNotUtf8, sink);
    INFO(out);
    CHECK(is_utf8(out));
    CHECK(out == "a\\xFFb\\x80c\\xE2\\x82d\\xC0\\xAFe\\xED\\xA0\\x80f\\xF4\\x90\\x80\\x80");
  }
  // Valid text is left as it is.
  CHECK(output_text("d\xC3\xA9ploy \xE6\x97\xA5 \xF0\x9F\x9A\x80", TextSink::Json) ==
        "d\xC3\xA9ploy \xE6\x97\xA5 \xF0\x9F\x9A\x80");
}

TEST_CASE("output_text: terminal and annotations never receive a raw control or bidi character", "[report][bad-text]") {
  // JSON escapes the controls itself; the text stays as it is.
  CHECK(output_text(kControls, TextSink::Json) == kControls);
  std::string term = output_text(kControls + "\r\n", TextSink::Terminal);
  CHECK_FALSE(has_raw_control(term, /*allow_tab=*/true));
  CHECK(term == "\xE2\x90\x9B[2J\xE2\x90\x87\xE2\x90\xA1\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\t\xE2\x90\x8D\xE2\x90\x8A");
  std::string gh = output_text(kControls + "\r\n", TextSink::Github);
  // CR and LF stay for github_data to encode; a tab is shown.
  CHECK(gh == "\xE2\x90\x9B[2J\xE2\x90\x87\xE2\x90\xA1\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xE2\x90\x89\r\n");
}

TEST_CASE("json and sarif: a finding and a path that are not UTF-8 still make a valid document", "[report][bad-text]") {
  LintFinding f = finding(bytes(1, 5, 1, 9), "target-all", Severity::Error, "`pm2 delete '" + kNotUtf8 + "'`");
  f.via = {"ssh " + kNotUtf8, "sudo"};
  FileReport r = report(".github/workflows/x" + kNotUtf8 + ".yml", "pm2 delete all\n", {f});
  FileReport broken;
  broken.path = "y" + kNotUtf8 + ".sh";
  broken.error = FileError{broken.path, 0, 0, "cannot read " + kNotUtf8};
  std::vector<FileError> discovery = {FileError{"z\xFF", 0, 0, "No such file or directory"}};

  std::string js;
  REQUIRE_NOTHROW(js = render_json({r, broken}, discovery));
  CHECK(is_utf8(js));
  json j = json::parse(js);  // strict: throws on invalid UTF-8
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["file"] == ".github/workflows/xa\\xFFb\\x80c\\xE2\\x82d\\xC0\\xAFe\\xED\\xA0\\x80f\\xF4\\x90\\x80\\x80.yml");
  CHECK(contains(j["findings"][0]["message"].get<std::string>(), "a\\xFFb\\x80"));
  CHECK(j["findings"][0]["via"][0] == "ssh " + output_text(kNotUtf8, TextSink::Json));
  REQUIRE(j["errors"].size() == 2);
  CHECK(j["errors"][0]["file"] == "z\\xFF");
  CHECK(contains(j["errors"][1]["message"].get<std::string>(), "cannot read a\\xFF"));

  std::string sa;
  REQUIRE_NOTHROW(sa = render_sarif({r, broken}, discovery));
  CHECK(is_utf8(sa));
  json s = json::parse(sa);
  json result = s["runs"][0]["results"][0];
  CHECK(contains(result["message"]["text"].get<std::string>(), "a\\xFFb\\x80"));
  // The URI percent-encodes every byte of the name.
  CHECK(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        ".github/workflows/xa%FFb%80c%E2%82d%C0%AFe%ED%A0%80f%F4%90%80%80.yml");
  CHECK(s["runs"][0]["invocations"][0]["toolExecutionNotifications"].size() == 2);
}

TEST_CASE("github and text: file names and messages with controls, bidi and bad bytes", "[report][bad-text]") {
  std::string name = "w" + kControls + kNotUtf8 + ".yml";
  LintFinding f = finding(bytes(1, 5, 1, 9), "daemon-teardown", Severity::Error, "`pm2 " + kControls + kNotUtf8 + "`");
  FileReport r = report(name, "pm2 kill\n", {f});
  FileReport broken;
  broken.path = name;
  broken.error = FileError{name, 1, 1, "invalid YAML: " + kControls};
  std::vector<FileError> discovery = {FileError{name, 0, 0, "No such file or directory"}};

  std::string gh = render_github({r, broken}, discovery);
  CHECK(is_utf8(gh));
  CHECK_FALSE(has_raw_control(gh, /*allow_tab=*/false));
  std::vector<std::string> lines = lines_of(gh);
  REQUIRE(lines.size() == 3);  // nothing in a name or a message starts a new command
  for (const std::string& l : lines) CHECK(l.rfind("::error file=w\xE2\x90\x9B[2J", 0) == 0);
  CHECK(contains(lines[1], "a\\xFFb\\x80"));

  std::string text = plain_text({r, broken}, discovery);
  CHECK(is_utf8(text));
  CHECK_FALSE(has_raw_control(text, /*allow_tab=*/true));
  CHECK(contains(text, "w\xE2\x90\x9B[2J"));
  CHECK(contains(text, "a\\xFFb\\x80"));
}

TEST_CASE("excerpt: a line that is not UTF-8 is escaped and the caret follows", "[report][text][caret][bad-text]") {
  // read_source refuses such files; a text built in memory can still hold one.
  FileReport r = report("t.sh", "x=\xFF; pm2 kill\n", {finding(bytes(1, 7, 1, 11), "daemon-teardown")});
  std::vector<std::string> lines = lines_of(plain_text({r}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "  x=\\xFF; pm2 kill");
  CHECK(lines[2] == std::string(2 + 9, ' ') + "^~~~");
}

// ---------------------------------------------------------------------------
// Long lines: the excerpt is a window around the range, so the output grows
// with the findings, not with the line.

namespace {

const std::string kEllipsis = "\xE2\x80\xA6";

// Code points of valid UTF-8 `s`: the cells of a text whose characters are
// all one cell wide.
size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A line of distinct ASCII words, `n` characters long.
std::string ascii_line(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "w" + std::to_string(i) + " ";
  s.resize(n);
  return s;
}

}  // namespace

TEST_CASE("excerpt: a long line is shown around the range, each cut marked", "[report][text][excerpt]") {
  std::string line = ascii_line(2000);
  const ExcerptWindow w;
  SECTION("cut on both sides") {
    auto [text, caret] = excerpt(line, 1001, 1004);
    CHECK(text == kEllipsis + line.substr(1000 - w.context, w.context + 3 + w.context) + kEllipsis);
    CHECK(caret == std::string(1 + w.context, ' ') + "^~~");
  }
  SECTION("near the start: cut after the range only") {
    auto [text, caret] = excerpt(line, 11, 14);
    CHECK(text == line.substr(0, 10 + 3 + w.context) + kEllipsis);
    CHECK(caret == std::string(10, ' ') + "^~~");
  }
  SECTION("near the end: cut before the range only") {
    auto [text, caret] = excerpt(line, 1995, 1998);
    CHECK(text == kEllipsis + line.substr(1994 - w.context));
    CHECK(caret == std::string(1 + w.context, ' ') + "^~~");
  }
  SECTION("a line that fits is shown whole") {
    std::string fits = line.substr(0, w.context + 3 + w.context);
    auto [text, caret] = excerpt(fits, w.context + 1, w.context + 4);
    CHECK(text == fits);
    CHECK(caret == std::string(w.context, ' ') + "^~~");
  }
  SECTION("a range past the end of the line: the caret just after its text") {
    auto [text, caret] = excerpt(line, 5000, 5001);
    CHECK(text == kEllipsis + line.substr(2000 - w.context));
    CHECK(caret == std::string(1 + w.context, ' ') + "^");
  }
}

TEST_CASE("excerpt: a long range is cut too, with a ~ under the cut", "[report][text][excerpt]") {
  std::string line = ascii_line(3000);
  const ExcerptWindow w;
  auto [text, caret] = excerpt(line, 501, 2501);
  // The context before it, as much of the range as the window holds, and
  // nothing of the line after it.
  CHECK(text == kEllipsis + line.substr(500 - w.context, w.context + w.range) + kEllipsis);
  CHECK(caret == std::string(1 + w.context, ' ') + "^" + std::string(w.range - 1, '~') + "~");
  // To the end of the line (a range over several lines), the same.
  auto to_end = excerpt(line, 501, UINT32_MAX);
  CHECK(to_end.first == text);
  CHECK(to_end.second == caret);
}

TEST_CASE("excerpt: a window of a given size", "[report][text][excerpt]") {
  ExcerptWindow w;
  w.context = 4;
  w.range = 3;
  auto [text, caret] = excerpt("0123456789abcdefghij", 9, 15, w);
  CHECK(text == kEllipsis + "4567" + "89a" + kEllipsis);
  CHECK(caret == "     ^~~~");
  auto whole = excerpt("0123456789abcdefghij", 9, 11, w);
  CHECK(whole.first == kEllipsis + "4567" + "89" + "abcd" + kEllipsis);
  CHECK(whole.second == "     ^~");
}

TEST_CASE("excerpt: the caret follows wide characters and tabs in the window", "[report][text][excerpt][caret]") {
  const ExcerptWindow w;
  // 1000 wide characters (two cells each), a tab, then the word.
  std::string wide;
  for (int i = 0; i < 1000; ++i) wide += "\xE6\x97\xA5";
  std::string line = wide + "\tpm2 kill " + wide;
  auto [text, caret] = excerpt(line, 1006, 1010);
  // 159 wide characters, the tab and "pm2 " before it; 160 characters after.
  std::string before;
  for (uint32_t i = 0; i < w.context - 5; ++i) before += "\xE6\x97\xA5";
  std::string after = " ";
  for (uint32_t i = 0; i < w.context - 1; ++i) after += "\xE6\x97\xA5";
  CHECK(text == kEllipsis + before + "\tpm2 kill" + after + kEllipsis);
  CHECK(caret == " " + std::string(2 * (w.context - 5), ' ') + "\t    ^~~~");
}

TEST_CASE("excerpt: never cut inside a UTF-8 sequence", "[report][text][excerpt][bad-text]") {
  // Two-, three- and four-byte characters before the word; a byte budget
  // that falls inside one of them keeps it out whole.
  std::string line;
  for (int i = 0; i < 50; ++i) line += "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x9A\x80";
  line += " pm2 kill";
  uint32_t col = 50 * 3 + 6;  // `kill`
  for (size_t budget = 5; budget <= 5 + 24; ++budget) {
    ExcerptWindow w;
    w.context_bytes = budget;  // " pm2 " and what fits of the characters before
    auto [text, caret] = excerpt(line, col, col + 4, w);
    INFO("budget " << budget << ": " << text);
    REQUIRE(starts_with(text, kEllipsis));
    std::string shown = text.substr(kEllipsis.size());
    REQUIRE(ends_with(shown, " pm2 kill"));
    std::string kept = shown.substr(0, shown.size() - 9);
    CHECK(kept.size() <= budget - 5);
    CHECK(kept.size() + 4 > budget - 5);  // as much as fits
    // What is kept is a whole suffix of the characters before the word.
    CHECK(ends_with(line.substr(0, line.size() - 9), kept));
    CHECK((kept.empty() || (static_cast<unsigned char>(kept[0]) & 0xC0) != 0x80));
    // One caret cell per terminal cell: é 1, 日 2, 🚀 2.
    size_t cells = 0;
    for (size_t i = 0; i < kept.size(); i += utf8_sequence(kept, i)) cells += kept[i] == '\xC3' ? 1 : 2;
    CHECK(caret == std::string(1 + cells + 5, ' ') + "^~~~");
  }
}

TEST_CASE("excerpt: escaped characters are cut whole, and the caret follows them", "[report][text][excerpt][bad-text]") {
  const ExcerptWindow w;
  SECTION("control characters, shown as symbols") {
    std::string line = std::string(1000, '\x1B') + "pm2 kill" + std::string(1000, '\x07');
    auto [text, caret] = excerpt(line, 1005, 1009);
    CHECK(text.find('\x1B') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    // Before `kill`: "pm2 " and 156 ESC; after it 160 BEL.
    std::string esc, bel;
    for (uint32_t i = 0; i < w.context - 4; ++i) esc += "\xE2\x90\x9B";
    for (uint32_t i = 0; i < w.context; ++i) bel += "\xE2\x90\x87";
    CHECK(text == kEllipsis + esc + "pm2 kill" + bel + kEllipsis);
    CHECK(caret == std::string(1 + w.context, ' ') + "^~~~");
  }
  SECTION("bytes that are not UTF-8, escaped one by one") {
    std::string line = std::string(1000, '\xFF') + " pm2 kill";
    auto [text, caret] = excerpt(line, 1006, 1010);
    std::string escapes;
    for (uint32_t i = 0; i < w.context - 5; ++i) escapes += "\\xFF";
    CHECK(text == kEllipsis + escapes + " pm2 kill");
    CHECK(caret == std::string(1 + 4 * (w.context - 5) + 5, ' ') + "^~~~");
  }
  SECTION("one character of 5,000 bytes that are not UTF-8: cut between two escapes") {
    // A lead byte and 5,000 continuation bytes count as one column.
    std::string line = "\xC3" + std::string(5000, '\x80') + " pm2 kill " + std::string(5000, '\x80');
    auto [text, caret] = excerpt(line, 7, 11);
    INFO(text.substr(0, 200));
    REQUIRE(starts_with(text, kEllipsis));
    std::string shown = text.substr(kEllipsis.size());
    size_t kill = shown.find(" pm2 kill");
    REQUIRE(kill != std::string::npos);
    std::string escapes = shown.substr(0, kill);
    CHECK(escapes.size() == 4 * (w.context_bytes - 5));  // the byte budget (" pm2 " and escaped bytes)
    for (size_t i = 0; i < escapes.size(); i += 4) CHECK(escapes.substr(i, 4) == "\\x80");
    CHECK(caret == std::string(1 + escapes.size() + 5, ' ') + "^~~~");
    // The character after the word is cut the same way.
    CHECK(ends_with(text, "\\x80" + kEllipsis));
    CHECK(text.size() < 2 * 4 * w.context_bytes + 100);
  }
}

TEST_CASE("text: findings on a long line each show their window", "[report][text][excerpt]") {
  // 400 findings on a line of 400,000 characters: each excerpt is the part
  // of the line around its own range.
  std::string line;
  std::vector<LintFinding> findings;
  for (int i = 0; i < 400; ++i) {
    std::string unit = "pm2 delete all; " + std::string(984, ' ');
    uint32_t col = static_cast<uint32_t>(line.size()) + 12;
    findings.push_back(finding(bytes(1, col, 1, col + 3)));
    line += unit;
  }
  FileReport r = report("long.sh", line + "\npm2 kill\n", findings);
  r.findings.push_back(finding(bytes(2, 5, 2, 9), "daemon-teardown"));
  std::string out = plain_text({r});
  std::vector<std::string> lines = lines_of(out);
  REQUIRE(lines.size() == 3 * 401);
  CHECK(out.size() < 401 * 1000);
  for (size_t i = 0; i < 400; ++i) {
    INFO(i);
    CHECK(lines[3 * i] == "long.sh:1:" + std::to_string(1000 * i + 12) + ": error: msg [target-all]");
    // The caret is under this finding's `all` (every character of the
    // excerpt is one cell wide, `…` too).
    const std::string& text = lines[3 * i + 1];
    const std::string& caret = lines[3 * i + 2];
    CHECK(code_points(text) <= 2 + 1 + 160 + 3 + 160 + 1);
    size_t cells = caret.find('^');
    REQUIRE(cells != std::string::npos);
    CHECK(caret.substr(cells) == "^~~");
    size_t at = 0;
    for (size_t cell = 0; cell < cells && at < text.size(); ++cell) at += utf8_sequence(text, at);
    CHECK(text.compare(at, 3, "all") == 0);
  }
  CHECK(lines[3 * 400] == "long.sh:2:5: error: msg [daemon-teardown]");
  CHECK(lines[3 * 400 + 1] == "  pm2 kill");
}

TEST_CASE("suppression comments: each line's read once, for all of its findings", "[report][suppression]") {
  // A line's comment covers it and the next line; findings of several
  // rules share each line.
  std::string script =
      "# pm2guard disable=daemon-teardown\n"
      "pm2 kill; pm2 delete all; pm2 kill\n"
      "pm2 kill; pm2 delete all  # pm2guard disable=target-all\n"
      "pm2 kill; pm2 delete all\n"
      "pm2 kill; pm2 delete all\n";
  FileReport r = lint_source(SourceFile::from_string("s.sh", script), InputKind::Shell, LintOptions{});
  std::vector<std::string> found;
  for (const LintFinding& f : r.findings) found.push_back(std::to_string(f.range.line) + ":" + f.rule);
  CHECK(found == std::vector<std::string>{"2:target-all", "3:daemon-teardown", "4:daemon-teardown", "5:daemon-teardown",
                                          "5:target-all"});
}

TEST_CASE("json and sarif: written piece by piece, laid out as one document", "[report][json][sarif]") {
  // Several files, findings with and without positions and via, errors of
  // every kind, and empty arrays: the streamed text is what the serialiser
  // prints for the document it parses to.
  LintFinding f = finding(bytes(1, 27, 1, 30), "target-all", Severity::Error, "msg (via ssh > sudo)");
  f.via = {"ssh", "sudo"};
  FileReport a = report("v.sh", "ssh host \"sudo pm2 delete all\"\npm2 kill\n",
                        {f, finding(bytes(2, 5, 2, 9), "daemon-teardown", Severity::Warning),
                         finding(bytes(0, 0, 0, 0), "daemon-teardown", Severity::Note, "tab\there \"quoted\"\n")});
  FileReport empty = report("e.sh", "echo\n", {});
  FileReport broken;
  broken.path = "b.yml";
  broken.error = FileError{"b.yml", 2, 4, "invalid YAML: x"};
  std::vector<FileError> discovery = {FileError{"gone.yml", 0, 0, "No such file or directory"}};
  using ordered = nlohmann::ordered_json;
  auto relaid = [](const std::string& s) { return ordered::parse(s).dump(2) + "\n"; };
  for (const auto& [reports, errors] :
       std::vector<std::pair<std::vector<FileReport>, std::vector<FileError>>>{
           {{a, empty, broken}, discovery}, {{a}, {}}, {{empty}, {}}, {{}, {}}, {{broken}, {}}}) {
    std::string js = render_json(reports, errors);
    CHECK(js == relaid(js));
    std::string sa = render_sarif(reports, errors);
    CHECK(sa == relaid(sa));
  }
}

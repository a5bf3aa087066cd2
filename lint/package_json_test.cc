#include "package_json.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shell_analysis.h"

using pm2guard::lint::PackageScripts;
using pm2guard::lint::read_package_json;
using pm2guard::lint::ScriptOrigin;
using pm2guard::lint::SourceFile;

namespace {

struct Read {
  SourceFile file;
  PackageScripts result;
};

Read read(std::string text) {
  Read r{SourceFile::from_string("package.json", std::move(text)), {}};
  r.result = read_package_json(r.file);
  return r;
}

// The file offset of each byte of a script.
std::vector<uint32_t> origins(const pm2guard::lint::MappedText& m) {
  std::vector<uint32_t> o;
  for (size_t i = 0; i < m.size(); ++i) o.push_back(m.origin(i));
  return o;
}

// Whether every byte of a script maps to the same byte of the file (what
// verbatim script text must do).
bool maps_verbatim(const SourceFile& file, const pm2guard::lint::MappedText& m) {
  for (size_t i = 0; i < m.size(); ++i) {
    if (m.origin(i) >= file.text.size() || file.text[m.origin(i)] != m.text()[i]) return false;
  }
  return true;
}

struct Calls : pm2guard::lint::ShellSink {
  std::vector<pm2guard::Invocation> calls;
  void invocation(const pm2guard::Invocation& inv, const pm2guard::Pm2Call&) override { calls.push_back(inv); }
  void parse_problem(const pm2guard::SourceRange&, const std::string&) override {}
};

}  // namespace

TEST_CASE("one sh script unit per scripts entry, anchored at its key", "[package-json]") {
  std::string text =
      "{\n"
      "  \"name\": \"app\",\n"
      "  \"scripts\": {\n"
      "    \"start\": \"pm2 start ecosystem.config.js\",\n"
      "    \"stop\": \"pm2 delete all\"\n"
      "  },\n"
      "  \"dependencies\": {\"pm2\": \"^5\"}\n"
      "}\n";
  Read r = read(text);
  REQUIRE_FALSE(r.result.error);
  REQUIRE(r.result.scripts.size() == 2);
  CHECK(r.result.names == std::vector<std::string>{"start", "stop"});
  const auto& stop = r.result.scripts[1];
  CHECK(stop.text.text() == "pm2 delete all");
  CHECK(stop.shell == "sh");
  CHECK(stop.origin == ScriptOrigin::ShellFile);
  CHECK(stop.label == "scripts.stop");
  CHECK(stop.anchor == text.find("\"stop\""));
  CHECK(stop.text.origin(0) == text.find("pm2 delete all"));
  CHECK(stop.text.exact());
  CHECK(maps_verbatim(r.file, stop.text));
  CHECK(r.file.line_char_col(stop.text.origin(11)) == std::pair<uint32_t, uint32_t>{5, 25});  // `all`
  CHECK(r.result.scripts[0].anchor == text.find("\"start\""));
}

TEST_CASE("escapes in a script decode with the offset of every byte", "[package-json]") {
  std::string text = R"({"scripts": {"stop": "pm2 delete \u0061ll\t\"x\""}})";
  Read r = read(text);
  REQUIRE_FALSE(r.result.error);
  REQUIRE(r.result.scripts.size() == 1);
  const auto& unit = r.result.scripts[0];
  CHECK(unit.text.text() == "pm2 delete all\t\"x\"");
  std::vector<uint32_t> expected;
  for (uint32_t i = 22; i < 33; ++i) expected.push_back(i);  // "pm2 delete "
  expected.insert(expected.end(), {33, 39, 40, 41, 43, 45, 46});  // \u0061 l l \t \" x \"
  CHECK(origins(unit.text) == expected);

  // Surrogate pairs and non-ASCII raw text.
  std::string emoji = R"({"scripts": {"a": "echo \ud83d\ude80 é && pm2 kill"}})";
  Read e = read(emoji);
  REQUIRE(e.result.scripts.size() == 1);
  const auto& a = e.result.scripts[0].text;
  CHECK(a.text() == "echo \xF0\x9F\x9A\x80 \xC3\xA9 && pm2 kill");
  CHECK(a.origin(5) == emoji.find("\\ud83d"));
  CHECK(a.origin(8) == emoji.find("\\ud83d"));
  CHECK(a.origin(9) == emoji.find("\\ude80") + 6);  // the space after the pair
  CHECK(a.origin(10) == emoji.find("é"));
  CHECK(a.origin(16) == emoji.find("pm2"));
}

TEST_CASE("duplicate names and duplicate scripts objects: the last wins", "[package-json]") {
  std::string text = R"({"scripts": {"stop": "pm2 kill"},
 "scripts": {"stop": "pm2 stop api", "build": "tsc", "stop": "pm2 delete all", "x": "a", "x": 1}})";
  Read r = read(text);
  REQUIRE_FALSE(r.result.error);
  CHECK(r.result.names == std::vector<std::string>{"build", "stop"});  // "x" ends as a number
  REQUIRE(r.result.scripts.size() == 2);
  CHECK(r.result.scripts[1].text.text() == "pm2 delete all");
  CHECK(r.result.scripts[1].anchor == text.rfind("\"stop\""));

  // Keys are compared decoded.
  Read escaped = read(R"({"scripts": {"stop": "pm2 kill", "st\u006fp": "pm2 stop api"}})");
  REQUIRE(escaped.result.scripts.size() == 1);
  CHECK(escaped.result.names[0] == "stop");
  CHECK(escaped.result.scripts[0].text.text() == "pm2 stop api");
  CHECK(escaped.result.scripts[0].label == "scripts.stop");

  // A later `scripts` that is not an object leaves no scripts.
  Read replaced = read(R"({"scripts": {"stop": "pm2 kill"}, "scripts": null})");
  CHECK_FALSE(replaced.result.error);
  CHECK(replaced.result.scripts.empty());
}

TEST_CASE("values npm does not run are ignored", "[package-json]") {
  Read r = read(R"({"scripts": {"a": 1, "b": null, "c": ["pm2 kill"], "d": {"e": "pm2 kill"}, "f": true, "g": ""}})");
  CHECK_FALSE(r.result.error);
  CHECK(r.result.names == std::vector<std::string>{"g"});
  REQUIRE(r.result.scripts.size() == 1);
  CHECK(r.result.scripts[0].text.empty());
  CHECK(r.result.scripts[0].text.origin(0) == r.file.text.find("\"\"") + 1);

  for (const char* text : {"[]", "\"scripts\"", "{}", R"({"scripts": "pm2 kill"})", R"({"scripts": ["pm2 kill"]})",
                           R"({"config": {"scripts": {"a": "pm2 kill"}}})"}) {
    INFO(text);
    Read n = read(text);
    CHECK_FALSE(n.result.error);
    CHECK(n.result.scripts.empty());
  }
}

TEST_CASE("invalid JSON: an error with its line and column, the scripts before it kept", "[package-json]") {
  std::string text =
      "{\n"
      "  \"scripts\": {\n"
      "    \"start\": \"pm2 start app.js\",\n"
      "    \"stop\": \"pm2 delete all\",\n"
      "  },\n"
      "  \"version\": \"1.0.0\"\n"
      "}\n";
  Read r = read(text);
  REQUIRE(r.result.error);
  CHECK(r.result.error->path == "package.json");
  CHECK(r.result.error->line == 4);
  CHECK(r.result.error->col == 29);  // the trailing comma
  CHECK(r.result.error->message == "invalid JSON: a comma before `}` (JSON allows no trailing comma)");
  CHECK(r.result.names == std::vector<std::string>{"start", "stop"});

  // A script cut by the error is not read; the one before it is.
  Read cut = read("{\"scripts\": {\"a\": \"pm2 reload api\", \"b\": \"pm2 delete\n all\"}}");
  REQUIRE(cut.result.error);
  CHECK(cut.result.error->line == 1);
  CHECK(cut.result.error->col == 53);  // the line break inside the string
  CHECK(cut.result.error->message == "invalid JSON: a line break inside a string (JSON writes it `\\n`)");
  CHECK(cut.result.names == std::vector<std::string>{"a"});

  // Columns count characters.
  Read wide = read("{\"name\": \"日本\", \"scripts\": {\"a\": \"x\" \"b\": \"y\"}}");
  REQUIRE(wide.result.error);
  CHECK(wide.result.error->line == 1);
  CHECK(wide.result.error->col == 37);
  CHECK(wide.result.error->message == "invalid JSON: expected `,` or `}`, found `\"b\"`");
  CHECK(wide.result.names == std::vector<std::string>{"a"});

  Read empty = read("");
  REQUIRE(empty.result.error);
  CHECK(empty.result.error->line == 1);
  CHECK(empty.result.error->col == 1);
}

TEST_CASE("a BOM and CRLF line ends", "[package-json]") {
  std::string text = "\xEF\xBB\xBF{\r\n  \"scripts\": {\r\n    \"stop\": \"pm2 kill\"\r\n  }\r\n}\r\n";
  Read r = read(text);
  REQUIRE_FALSE(r.result.error);
  REQUIRE(r.result.scripts.size() == 1);
  CHECK(r.file.line_char_col(r.result.scripts[0].text.origin(0)) == std::pair<uint32_t, uint32_t>{3, 14});
  CHECK(r.file.line_char_col(r.result.scripts[0].anchor) == std::pair<uint32_t, uint32_t>{3, 5});
}

TEST_CASE("deep nesting elsewhere in the file is no problem", "[package-json]") {
  const size_t n = 50000;
  std::string text = "{\"config\": " + std::string(n, '[') + std::string(n, ']') +
                     ", \"scripts\": {\"stop\": \"pm2 kill\"}, \"x\": " + std::string(n, '{') ;
  Read r = read(text);
  REQUIRE(r.result.error);  // the unclosed objects
  CHECK(r.result.names == std::vector<std::string>{"stop"});
}

TEST_CASE("npm run NAME runs preNAME, NAME and postNAME", "[package-json]") {
  Read r = read(R"({"scripts": {"postdeploy": "pm2 save", "deploy": "pm2 reload api", "predeploy": "npm run build",
                   "build": "tsc", "prestop": "echo bye"}})");
  REQUIRE_FALSE(r.result.error);
  const PackageScripts& s = r.result;
  auto names = [&](const std::vector<size_t>& seq) {
    std::vector<std::string> out;
    for (size_t i : seq) out.push_back(s.names[i]);
    return out;
  };
  CHECK(names(s.run_sequence("deploy")) == std::vector<std::string>{"predeploy", "deploy", "postdeploy"});
  CHECK(names(s.run_sequence("build")) == std::vector<std::string>{"build"});
  CHECK(s.run_sequence("stop").empty());  // only prestop: npm fails with "Missing script"
  CHECK(s.run_sequence("nothing").empty());
  CHECK(s.find("build") == 3);
  CHECK(s.find("nothing") == PackageScripts::npos);
}

TEST_CASE("the shell analysis finds a script's pm2 calls at their place in package.json", "[package-json]") {
  std::string text =
      "{\n"
      "  \"scripts\": {\n"
      "    \"stop\": \"pm2 delete \\u0061ll && pm2 save\"\n"
      "  }\n"
      "}\n";
  Read r = read(text);
  REQUIRE(r.result.scripts.size() == 1);
  Calls sink;
  pm2guard::lint::analyse_script(r.file, r.result.scripts[0], sink);
  REQUIRE(sink.calls.size() == 2);
  const auto& del = sink.calls[0];
  CHECK(del.serialize() == "[pm2][delete][all]");
  // `all`, decoded from `\u0061ll`: from the escape's backslash to the end of the word.
  CHECK(del.args[1].range == pm2guard::SourceRange{3, 25, 3, 33});
  CHECK(sink.calls[1].program.range == pm2guard::SourceRange{3, 37, 3, 40});
}

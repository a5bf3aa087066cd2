#include "json_document.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pm2guard::lint::JsonDocument;
using Kind = JsonDocument::Kind;

namespace {

// The file offsets of every byte of a decoded string.
std::vector<uint32_t> origins(const pm2guard::lint::MappedText& m) {
  std::vector<uint32_t> o;
  for (size_t i = 0; i < m.size(); ++i) o.push_back(m.origin(i));
  return o;
}

// Offset and message of the document's error ("" and -1 when none).
std::pair<long, std::string> error_of(const std::string& text) {
  JsonDocument doc = JsonDocument::parse(text);
  if (!doc.error()) return {-1, ""};
  return {static_cast<long>(doc.error()->offset), doc.error()->message};
}

long error_offset(const std::string& text) { return error_of(text).first; }

}  // namespace

TEST_CASE("values, their kinds and their file positions", "[json]") {
  std::string text = "{\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"}}";
  JsonDocument doc = JsonDocument::parse(text);
  REQUIRE_FALSE(doc.error());
  const JsonDocument::Value* root = doc.root();
  REQUIRE(root);
  CHECK(root->kind == Kind::Object);
  CHECK(root->begin == 0);
  CHECK(root->end == text.size());
  CHECK(root->closed);
  REQUIRE(root->members.size() == 2);
  CHECK(root->members[0].key.text() == "a");
  CHECK(root->members[0].key_begin == 1);
  CHECK(root->members[1].key_begin == 38);

  const JsonDocument::Value* a = doc.get(*root, "a");
  REQUIRE(a);
  CHECK(a->kind == Kind::Array);
  REQUIRE(a->items.size() == 5);
  std::vector<Kind> kinds;
  for (uint32_t i : a->items) kinds.push_back(doc.value(i).kind);
  CHECK(kinds == std::vector<Kind>{Kind::Number, Kind::Number, Kind::True, Kind::False, Kind::Null});
  CHECK(doc.value(a->items[1]).begin == 10);
  CHECK(doc.value(a->items[1]).end == 16);

  const JsonDocument::Value* b = doc.get(*root, "b");
  REQUIRE(b);
  const JsonDocument::Value* c = doc.get(*b, "c");
  REQUIRE(c);
  CHECK(c->kind == Kind::String);
  CHECK(c->string.text() == "d");
  CHECK(c->begin == 49);
  CHECK(c->string.origin(0) == 50);
  CHECK(doc.get(*b, "missing") == nullptr);
  CHECK(doc.get(*c, "x") == nullptr);  // not an object
}

TEST_CASE("duplicate keys: the last wins, as JSON.parse keeps it", "[json]") {
  JsonDocument doc = JsonDocument::parse(R"({"a": 1, "b": 2, "a": "three", "c": 4, "b": null})");
  REQUIRE_FALSE(doc.error());
  const auto* root = doc.root();
  REQUIRE(root->members.size() == 5);  // every member read
  CHECK(doc.get(*root, "a")->kind == Kind::String);
  CHECK(doc.get(*root, "b")->kind == Kind::Null);
  auto kept = doc.members(*root);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0]->key.text() == "a");
  CHECK(kept[0]->key_begin == 17);
  CHECK(kept[1]->key.text() == "c");
  CHECK(kept[2]->key.text() == "b");
  // Keys are compared decoded.
  JsonDocument escaped = JsonDocument::parse(R"({"scripts": 1, "scr\u0069pts": 2})");
  CHECK(escaped.get(*escaped.root(), "scripts")->begin == 31);
}

TEST_CASE("string escapes decode with the origin of every decoded byte", "[json]") {
  std::string text = "\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00z\\t\"";
  // the file:        "a\"b\\c\/d\n\u00e9\ud83d\ude00z\t"
  JsonDocument doc = JsonDocument::parse(text);
  REQUIRE_FALSE(doc.error());
  const auto& s = doc.root()->string;
  CHECK(s.text() == "a\"b\\c/d\n\xC3\xA9\xF0\x9F\x98\x80z\t");
  CHECK(origins(s) == std::vector<uint32_t>{1,            // a
                                            2,            // \" -> "
                                            4,            // b
                                            5,            // \\ -> backslash
                                            7,            // c
                                            8,            // \/ -> /
                                            10,           // d
                                            11,           // \n
                                            13, 13,       // \u00e9: both UTF-8 bytes at its backslash
                                            19, 19, 19, 19,  // \ud83d\ude00: one code point, at the first backslash
                                            31,           // z
                                            32});         // \t
  CHECK(s.origin(s.size()) == 33);  // the end: after the last escape's backslash
  CHECK(s.exact());
}

TEST_CASE("lone surrogates decode as U+FFFD, as Node hands them to the shell", "[json]") {
  JsonDocument doc = JsonDocument::parse(R"(["\ud800", "\udc00x", "\ud83d\u0041", "\uD83D\uDE00"])");
  REQUIRE_FALSE(doc.error());
  const auto& items = doc.root()->items;
  REQUIRE(items.size() == 4);
  CHECK(doc.value(items[0]).string.text() == "\xEF\xBF\xBD");
  CHECK(doc.value(items[1]).string.text() == "\xEF\xBF\xBDx");
  CHECK(doc.value(items[2]).string.text() == "\xEF\xBF\xBD" "A");
  CHECK(origins(doc.value(items[2]).string) == std::vector<uint32_t>{23, 23, 23, 29});
  CHECK(doc.value(items[3]).string.text() == "\xF0\x9F\x98\x80");  // upper-case hex
  // Raw UTF-8 is kept byte for byte.
  JsonDocument raw = JsonDocument::parse("\"é日\"");
  CHECK(origins(raw.root()->string) == std::vector<uint32_t>{1, 2, 3, 4, 5});
}

TEST_CASE("numbers as JSON has them", "[json]") {
  for (const char* ok : {"0", "-0", "12", "-1.5", "1e5", "1E+5", "1e-5", "2.5E+10", "[1e+5, 0.5e-3]"}) {
    INFO(ok);
    CHECK(error_offset(ok) == -1);
  }
  CHECK(error_of("1.") == std::pair<long, std::string>{0, "invalid JSON: an invalid number `1.`"});
  CHECK(error_offset("[1, 01]") == 5);  // a second number where `,` or `]` is due
  CHECK(error_offset("[+1]") == 1);
  CHECK(error_offset("[.5]") == 1);
  CHECK(error_offset("{\"a\": 1e}") == 7);
  // A `+` in a string is never taken for an exponent's sign.
  JsonDocument doc = JsonDocument::parse(R"(["1e+5", "a\"1e+5"])");
  REQUIRE_FALSE(doc.error());
  CHECK(doc.value(doc.root()->items[0]).string.text() == "1e+5");
  CHECK(doc.value(doc.root()->items[1]).string.text() == "a\"1e+5");
}

TEST_CASE("invalid JSON: the first error where JSON.parse stops, with a clear message", "[json]") {
  using E = std::pair<long, std::string>;
  CHECK(error_of(R"({"a": 1,})") == E{7, "invalid JSON: a comma before `}` (JSON allows no trailing comma)"});
  CHECK(error_of(R"([1, 2,])") == E{5, "invalid JSON: a comma before `]` (JSON allows no trailing comma)"});
  CHECK(error_of(R"({"a": 1 "b": 2})") == E{8, "invalid JSON: expected `,` or `}`, found `\"b\"`"});
  CHECK(error_of(R"({"a" 1})") == E{5, "invalid JSON: expected `:` after the member name, found `1`"});
  CHECK(error_of(R"({"a": })") == E{6, "invalid JSON: expected a value, found `}`"});
  CHECK(error_of(R"({a: 1})") == E{1, "invalid JSON: unexpected `a`"});
  CHECK(error_of("{'a': 1}") == E{1, "invalid JSON: a single-quoted string (JSON strings are double-quoted)"});
  CHECK(error_of("{\"a\": \"x\n\"}") == E{8, "invalid JSON: a line break inside a string (JSON writes it `\\n`)"});
  CHECK(error_of("{\"a\": \"x\r\n\"}") == E{8, "invalid JSON: a line break inside a string (JSON writes it `\\n`)"});
  CHECK(error_of("{\"a\": \"x") == E{6, "invalid JSON: an unterminated string (no closing `\"`)"});
  CHECK(error_of("{\"a\": \"x\\\"}") == E{6, "invalid JSON: an unterminated string (no closing `\"`)"});
  CHECK(error_of("{\"a\": \"x\ty\"}") ==
        E{8, "invalid JSON: a raw control character (U+0009) in a string: JSON needs it escaped"});
  CHECK(error_of(R"(["a\x"])") ==
        E{3, "invalid JSON: invalid escape `\\x` in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"});
  CHECK(error_of(R"(["\u12G4"])") == E{2, "invalid JSON: invalid `\\u` escape in a string (four hex digits expected)"});
  CHECK(error_of(R"(["\u12"])") == E{2, "invalid JSON: invalid `\\u` escape in a string (four hex digits expected)"});
  CHECK(error_of("{\"a\": 1} // note\n") == E{9, "invalid JSON: a comment (JSON has none; npm cannot read the file)"});
  CHECK(error_of("/* c */ {}") == E{0, "invalid JSON: a comment (JSON has none; npm cannot read the file)"});
  CHECK(error_of("{} {}") == E{3, "invalid JSON: `{` after the end of the JSON value (a file holds one value)"});
  CHECK(error_of("") == E{0, "invalid JSON: the file holds no value (expected a JSON value: an object for a package.json)"});
  CHECK(error_of(" \n\t ").first == 0);
  CHECK(error_of("{\"a\": [1, 2") == E{11, "invalid JSON: the file ends inside an array (a `]` is missing)"});
  CHECK(error_of("{\"a\": 1\n\n") == E{7, "invalid JSON: the file ends inside an object (a `}` is missing)"});
  CHECK(error_of("{\"a\":\xC2\xA0" "1}") == E{5, "invalid JSON: unexpected U+00A0"});
  CHECK(error_of("{\"a\":\v1}") == E{5, "invalid JSON: unexpected U+000B (JSON whitespace is space, tab, CR and LF)"});
  CHECK(error_of(R"({"a": tru})") == E{6, "invalid JSON: unexpected `tru`"});
  CHECK(error_of("[\"a very long string value, longer than twenty-four bytes\" 1]") ==
        E{59, "invalid JSON: expected `,` or `]`, found `1`"});
  CHECK(error_of("{\"a\": 1 \"a very long key, longer than twenty-four bytes\": 2}") ==
        E{8, "invalid JSON: expected `,` or `}`, found `\"a very long key, lo...`"});
  // Whitespace JSON allows, CRLF included.
  CHECK(error_offset("\r\n{\r\n\t\"a\" :\r\n 1 }\r\n") == -1);
}

TEST_CASE("what is read before an error is kept", "[json]") {
  std::string text = R"({"a": "x", "b": {"c": 1, "d": [2, 3}, "e": 4})";
  JsonDocument doc = JsonDocument::parse(text);
  REQUIRE(doc.error());
  CHECK(doc.error()->offset == 35);  // the `}` where `]` or `,` is due
  const auto* root = doc.root();
  REQUIRE(root);
  CHECK_FALSE(root->closed);
  CHECK(root->end == 35);
  CHECK(doc.get(*root, "a")->string.text() == "x");
  const auto* b = doc.get(*root, "b");
  REQUIRE(b);
  CHECK_FALSE(b->closed);
  CHECK(doc.get(*b, "c")->kind == Kind::Number);
  const auto* d = doc.get(*b, "d");
  REQUIRE(d);
  CHECK(d->items.size() == 2);
  CHECK(doc.get(*root, "e") == nullptr);  // after the error

  // A member whose value the error cuts is not read.
  JsonDocument cut = JsonDocument::parse(R"({"a": "x", "b": "y)");
  REQUIRE(cut.error());
  CHECK(cut.error()->offset == 16);
  CHECK(cut.get(*cut.root(), "a"));
  CHECK(cut.get(*cut.root(), "b") == nullptr);
}

TEST_CASE("deep nesting is read without recursion", "[json]") {
  const size_t n = 100000;
  std::string arrays = std::string(n, '[') + std::string(n, ']');
  JsonDocument a = JsonDocument::parse(arrays);
  CHECK_FALSE(a.error());
  REQUIRE(a.root());
  CHECK(a.root()->end == 2 * n);

  std::string objects;
  for (size_t i = 0; i < n; ++i) objects += "{\"k\":";
  objects += "\"deep\"" + std::string(n, '}');
  JsonDocument o = JsonDocument::parse(objects);
  CHECK_FALSE(o.error());
  const JsonDocument::Value* v = o.root();
  for (size_t i = 0; i < n && v; ++i) v = o.get(*v, "k");
  REQUIRE(v);
  CHECK(v->string.text() == "deep");

  JsonDocument unclosed = JsonDocument::parse(std::string(n, '['));
  REQUIRE(unclosed.error());
  CHECK(unclosed.error()->offset == n);
  CHECK(unclosed.error()->message == "invalid JSON: the file ends inside an array (a `]` is missing)");

  JsonDocument broken = JsonDocument::parse(std::string(n, '[') + "x" + std::string(n, ']'));
  REQUIRE(broken.error());
  CHECK(broken.error()->offset == n);
}

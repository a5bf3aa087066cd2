// The escape decoder against bash 5.2 itself: each row is what bash printed
// (LC_ALL=C.UTF-8) for $'IN', `echo -en IN`, `printf IN` and `printf %b IN`.
#include "bash_escapes.h"

#include <catch2/catch.hpp>

#include <string>

using pm2guard::lint::EscapeDialect;
using pm2guard::lint::unescape;

namespace {

struct Row {
  const char* in;
  std::string ansi_c, echo, format, b;
};

std::string hex(const std::string& s) {
  static const char* k = "0123456789abcdef";
  std::string o;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    o += k[c >> 4];
    o += k[c & 15];
  }
  return o;
}

}  // namespace

TEST_CASE("unescape: every dialect decodes as bash 5 does", "[escapes]") {
  const Row rows[] = {
      {"\\u0061ll", std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3)},
      {"\\u61ll", std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3)},
      {"\\u61", std::string("\x61", 1), std::string("\x61", 1), std::string("\x61", 1), std::string("\x61", 1)},
      {"\\U00000061ll", std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3)},
      {"\\U61ll", std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3), std::string("\x61\x6c\x6c", 3)},
      {"\\u", std::string("\x5c\x75", 2), std::string("\x5c\x75", 2), std::string("\x5c\x75", 2), std::string("\x5c\x75", 2)},
      {"\\uZ", std::string("\x5c\x75\x5a", 3), std::string("\x5c\x75\x5a", 3), std::string("\x5c\x75\x5a", 3), std::string("\x5c\x75\x5a", 3)},
      {"\\U", std::string("\x5c\x55", 2), std::string("\x5c\x55", 2), std::string("\x5c\x55", 2), std::string("\x5c\x55", 2)},
      {"\\u00e9", std::string("\xc3\xa9", 2), std::string("\xc3\xa9", 2), std::string("\xc3\xa9", 2), std::string("\xc3\xa9", 2)},
      {"\\u20AC", std::string("\xe2\x82\xac", 3), std::string("\xe2\x82\xac", 3), std::string("\xe2\x82\xac", 3), std::string("\xe2\x82\xac", 3)},
      {"\\U0001F600", std::string("\xf0\x9f\x98\x80", 4), std::string("\xf0\x9f\x98\x80", 4), std::string("\xf0\x9f\x98\x80", 4), std::string("\xf0\x9f\x98\x80", 4)},
      {"\\ud800", std::string("\xed\xa0\x80", 3), std::string("\xed\xa0\x80", 3), std::string("\xed\xa0\x80", 3), std::string("\xed\xa0\x80", 3)},
      {"\\U00110000", std::string("\xf4\x90\x80\x80", 4), std::string("\xf4\x90\x80\x80", 4), std::string("\xf4\x90\x80\x80", 4), std::string("\xf4\x90\x80\x80", 4)},
      {"\\U7fffffff", std::string("\xfd\xbf\xbf\xbf\xbf\xbf", 6), std::string("\xfd\xbf\xbf\xbf\xbf\xbf", 6), std::string("\xfd\xbf\xbf\xbf\xbf\xbf", 6), std::string("\xfd\xbf\xbf\xbf\xbf\xbf", 6)},
      {"\\U80000000", std::string("", 0), std::string("", 0), std::string("", 0), std::string("", 0)},
      {"\\uFFFF", std::string("\xef\xbf\xbf", 3), std::string("\xef\xbf\xbf", 3), std::string("\xef\xbf\xbf", 3), std::string("\xef\xbf\xbf", 3)},
      {"\\x41", std::string("\x41", 1), std::string("\x41", 1), std::string("\x41", 1), std::string("\x41", 1)},
      {"\\x4", std::string("\x04", 1), std::string("\x04", 1), std::string("\x04", 1), std::string("\x04", 1)},
      {"\\x", std::string("\x5c\x78", 2), std::string("\x5c\x78", 2), std::string("\x5c\x78", 2), std::string("\x5c\x78", 2)},
      {"\\xZ", std::string("\x5c\x78\x5a", 3), std::string("\x5c\x78\x5a", 3), std::string("\x5c\x78\x5a", 3), std::string("\x5c\x78\x5a", 3)},
      {"\\x411", std::string("\x41\x31", 2), std::string("\x41\x31", 2), std::string("\x41\x31", 2), std::string("\x41\x31", 2)},
      {"\\x{41}", std::string("\x41", 1), std::string("\x5c\x78\x7b\x34\x31\x7d", 6), std::string("\x5c\x78\x7b\x34\x31\x7d", 6), std::string("\x5c\x78\x7b\x34\x31\x7d", 6)},
      {"\\x{4142}", std::string("\x42", 1), std::string("\x5c\x78\x7b\x34\x31\x34\x32\x7d", 8), std::string("\x5c\x78\x7b\x34\x31\x34\x32\x7d", 8), std::string("\x5c\x78\x7b\x34\x31\x34\x32\x7d", 8)},
      {"\\x{}", std::string("", 0), std::string("\x5c\x78\x7b\x7d", 4), std::string("\x5c\x78\x7b\x7d", 4), std::string("\x5c\x78\x7b\x7d", 4)},
      {"\\x{41", std::string("\x41", 1), std::string("\x5c\x78\x7b\x34\x31", 5), std::string("\x5c\x78\x7b\x34\x31", 5), std::string("\x5c\x78\x7b\x34\x31", 5)},
      {"\\101", std::string("\x41", 1), std::string("\x5c\x31\x30\x31", 4), std::string("\x41", 1), std::string("\x41", 1)},
      {"\\0101", std::string("\x08\x31", 2), std::string("\x41", 1), std::string("\x08\x31", 2), std::string("\x41", 1)},
      {"\\1010", std::string("\x41\x30", 2), std::string("\x5c\x31\x30\x31\x30", 5), std::string("\x41\x30", 2), std::string("\x41\x30", 2)},
      {"\\400", std::string("", 0), std::string("\x5c\x34\x30\x30", 4), std::string("\x00", 1), std::string("\x00", 1)},
      {"\\777", std::string("\xff", 1), std::string("\x5c\x37\x37\x37", 4), std::string("\xff", 1), std::string("\xff", 1)},
      {"\\08", std::string("", 0), std::string("\x00\x38", 2), std::string("\x00\x38", 2), std::string("\x00\x38", 2)},
      {"\\0", std::string("", 0), std::string("\x00", 1), std::string("\x00", 1), std::string("\x00", 1)},
      {"a\\0b", std::string("\x61", 1), std::string("\x61\x00\x62", 3), std::string("\x61\x00\x62", 3), std::string("\x61\x00\x62", 3)},
      {"a\\x00b", std::string("\x61", 1), std::string("\x61\x00\x62", 3), std::string("\x61\x00\x62", 3), std::string("\x61\x00\x62", 3)},
      {"a\\u0000b", std::string("\x61", 1), std::string("\x61\x00\x62", 3), std::string("\x61\x00\x62", 3), std::string("\x61\x00\x62", 3)},
      {"\\ca", std::string("\x01", 1), std::string("", 0), std::string("\x5c\x63\x61", 3), std::string("", 0)},
      {"\\cA", std::string("\x01", 1), std::string("", 0), std::string("\x5c\x63\x41", 3), std::string("", 0)},
      {"\\c?", std::string("\x7f", 1), std::string("", 0), std::string("\x5c\x63\x3f", 3), std::string("", 0)},
      {"\\c@", std::string("", 0), std::string("", 0), std::string("\x5c\x63\x40", 3), std::string("", 0)},
      {"\\c[", std::string("\x1b", 1), std::string("", 0), std::string("\x5c\x63\x5b", 3), std::string("", 0)},
      {"\\c\\\\x", std::string("\x1c\x78", 2), std::string("", 0), std::string("\x5c\x63\x5c\x78", 4), std::string("", 0)},
      {"\\c", std::string("\x5c\x63", 2), std::string("", 0), std::string("\x5c\x63", 2), std::string("", 0)},
      {"\\c1", std::string("\x11", 1), std::string("", 0), std::string("\x5c\x63\x31", 3), std::string("", 0)},
      {"\\z", std::string("\x5c\x7a", 2), std::string("\x5c\x7a", 2), std::string("\x5c\x7a", 2), std::string("\x5c\x7a", 2)},
      {"\\'", std::string("\x27", 1), std::string("\x5c\x27", 2), std::string("\x27", 1), std::string("\x5c\x27", 2)},
      {"\\\"", std::string("\x22", 1), std::string("\x5c\x22", 2), std::string("\x22", 1), std::string("\x5c\x22", 2)},
      {"\\?", std::string("\x3f", 1), std::string("\x5c\x3f", 2), std::string("\x3f", 1), std::string("\x5c\x3f", 2)},
      {"\\\\", std::string("\x5c", 1), std::string("\x5c", 1), std::string("\x5c", 1), std::string("\x5c", 1)},
      {"\\e", std::string("\x1b", 1), std::string("\x1b", 1), std::string("\x1b", 1), std::string("\x1b", 1)},
      {"\\E", std::string("\x1b", 1), std::string("\x1b", 1), std::string("\x1b", 1), std::string("\x1b", 1)},
      {"\\a\\b\\f\\n\\r\\t\\v", std::string("\x07\x08\x0c\x0a\x0d\x09\x0b", 7), std::string("\x07\x08\x0c\x0a\x0d\x09\x0b", 7), std::string("\x07\x08\x0c\x0a\x0d\x09\x0b", 7), std::string("\x07\x08\x0c\x0a\x0d\x09\x0b", 7)},
      {"a\\U80000000b", std::string("\x61\x62", 2), std::string("\x61\x62", 2), std::string("\x61\x62", 2), std::string("\x61\x62", 2)},
      {"a\\U100000000b", std::string("\x61\xfc\x90\x80\x80\x80\x80\x30\x62", 9), std::string("\x61\xfc\x90\x80\x80\x80\x80\x30\x62", 9), std::string("\x61\xfc\x90\x80\x80\x80\x80\x30\x62", 9), std::string("\x61\xfc\x90\x80\x80\x80\x80\x30\x62", 9)},
      {"\\c\xc3" "\xa9" "", std::string("\x03\xa9", 2), std::string("", 0), std::string("\x5c\x63\xc3\xa9", 4), std::string("", 0)},
      {"\\u{41}", std::string("\x5c\x75\x7b\x34\x31\x7d", 6), std::string("\x5c\x75\x7b\x34\x31\x7d", 6), std::string("\x5c\x75\x7b\x34\x31\x7d", 6), std::string("\x5c\x75\x7b\x34\x31\x7d", 6)},
      {"a\\x{0}b", std::string("\x61", 1), std::string("\x61\x5c\x78\x7b\x30\x7d\x62", 7), std::string("\x61\x5c\x78\x7b\x30\x7d\x62", 7), std::string("\x61\x5c\x78\x7b\x30\x7d\x62", 7)},
      {"\\c", std::string("\x5c\x63", 2), std::string("", 0), std::string("\x5c\x63", 2), std::string("", 0)},
      {"\\U0010FFFF", std::string("\xf4\x8f\xbf\xbf", 4), std::string("\xf4\x8f\xbf\xbf", 4), std::string("\xf4\x8f\xbf\xbf", 4), std::string("\xf4\x8f\xbf\xbf", 4)},
      {"\\777", std::string("\xff", 1), std::string("\x5c\x37\x37\x37", 4), std::string("\xff", 1), std::string("\xff", 1)},
      {"\\7777", std::string("\xff\x37", 2), std::string("\x5c\x37\x37\x37\x37", 5), std::string("\xff\x37", 2), std::string("\xff\x37", 2)},
      {"\\xFF", std::string("\xff", 1), std::string("\xff", 1), std::string("\xff", 1), std::string("\xff", 1)},
      {"x\\c\\x", std::string("\x78\x1c\x78", 3), std::string("\x78", 1), std::string("\x78\x5c\x63\x5c\x78", 5), std::string("\x78", 1)},
      {"\\u12345", std::string("\xe1\x88\xb4\x35", 4), std::string("\xe1\x88\xb4\x35", 4), std::string("\xe1\x88\xb4\x35", 4), std::string("\xe1\x88\xb4\x35", 4)},
      {"\\U123456789", std::string("\xfc\x92\x8d\x85\x99\xb8\x39", 7), std::string("\xfc\x92\x8d\x85\x99\xb8\x39", 7), std::string("\xfc\x92\x8d\x85\x99\xb8\x39", 7), std::string("\xfc\x92\x8d\x85\x99\xb8\x39", 7)},
  };
  for (const Row& r : rows) {
    INFO("input: " << r.in);
    CHECK(hex(unescape(r.in, EscapeDialect::AnsiC).bytes) == hex(r.ansi_c));
    CHECK(hex(unescape(r.in, EscapeDialect::Echo).bytes) == hex(r.echo));
    CHECK(hex(unescape(r.in, EscapeDialect::PrintfFormat).bytes) == hex(r.format));
    CHECK(hex(unescape(r.in, EscapeDialect::PrintfB).bytes) == hex(r.b));
  }
}

TEST_CASE("unescape: backslash-c ends all output in echo -e and printf %b only", "[escapes]") {
  CHECK(unescape("a\\cb", EscapeDialect::Echo).stop_output);
  CHECK(unescape("a\\cb", EscapeDialect::PrintfB).stop_output);
  CHECK_FALSE(unescape("a\\cb", EscapeDialect::PrintfFormat).stop_output);
  CHECK_FALSE(unescape("a\\cb", EscapeDialect::AnsiC).stop_output);
}

TEST_CASE("unescape: each byte points at the escape it comes from", "[escapes]") {
  auto u = unescape("a\\u00e9\\nb\\z", EscapeDialect::AnsiC);
  CHECK(u.bytes == "a\xc3\xa9\nb\\z");
  CHECK(u.from == std::vector<uint32_t>{0, 1, 1, 7, 9, 10, 11});
}

#include "mapped_text.h"

#include <catch2/catch.hpp>

using pm2guard::lint::MappedText;

TEST_CASE("verbatim text maps each byte to its own offset", "[mapped-text]") {
  auto m = MappedText::verbatim("pm2 kill", 100);
  CHECK(m.text() == "pm2 kill");
  CHECK(m.exact());
  CHECK(m.origin(0) == 100);
  CHECK(m.origin(4) == 104);
  CHECK(m.origin(8) == 108);   // end position
  CHECK(m.origin(50) == 108);  // clamped to the end

  auto empty = MappedText::verbatim("", 7);
  CHECK(empty.empty());
  CHECK(empty.origin(0) == 7);
}

TEST_CASE("anchored text maps every byte to the anchor and is inexact", "[mapped-text]") {
  auto m = MappedText::anchored("abc", 42);
  CHECK_FALSE(m.exact());
  CHECK(m.origin(0) == 42);
  CHECK(m.origin(2) == 42);
  CHECK(m.origin(3) == 42);
}

TEST_CASE("appending keeps each piece's origins", "[mapped-text]") {
  MappedText m;
  m.append("echo", 10);
  m.append(' ', 30);  // a folded line break
  m.append("pm2", 40);
  CHECK(m.text() == "echo pm2");
  CHECK(m.exact());
  CHECK(m.origin(3) == 13);
  CHECK(m.origin(4) == 30);
  CHECK(m.origin(5) == 40);
  CHECK(m.origin(8) == 43);

  m.append_anchored("xy", 90);
  CHECK_FALSE(m.exact());
  CHECK(m.origin(8) == 90);
  CHECK(m.origin(9) == 90);
  CHECK(m.origin(10) == 90);
}

TEST_CASE("appending a range of another text", "[mapped-text]") {
  auto src = MappedText::verbatim("0123456789", 200);
  MappedText m;
  m.append('>', 0);
  m.append(src, 3, 6);
  CHECK(m.text() == ">345");
  CHECK(m.origin(1) == 203);
  CHECK(m.origin(3) == 205);
  CHECK(m.origin(4) == 206);  // the end continues where the source continues
  m.append(src, 8);           // to the end
  CHECK(m.text() == ">34589");
  CHECK(m.origin(5) == 209);
  CHECK(m.exact());

  m.append(MappedText::anchored("z", 5));
  CHECK_FALSE(m.exact());
}

TEST_CASE("slices and in-place masking keep origins", "[mapped-text]") {
  auto src = MappedText::verbatim("echo ${{ x }}", 50);
  auto s = src.slice(5, 13);
  CHECK(s.text() == "${{ x }}");
  CHECK(s.origin(0) == 55);
  CHECK(s.origin(8) == 63);
  s.set(1, '_');
  CHECK(s.text() == "$_{ x }}");
  CHECK(s.origin(1) == 56);

  auto empty = src.slice(4, 4);
  CHECK(empty.empty());
  CHECK(empty.origin(0) == 54);
  CHECK(src.slice(11, 99).text() == "}}");
  CHECK_FALSE(MappedText::anchored("abc", 1).slice(0, 2).exact());
}

TEST_CASE("origins kept as runs answer like one origin per byte, in any order of lookup", "[mapped-text]") {
  // A reference model: one origin per byte.
  MappedText m;
  std::vector<uint32_t> model;
  uint32_t off = 100;
  for (int i = 0; i < 500; ++i) {
    switch (i % 4) {
      case 0:  // a run of consecutive file bytes
        m.append(std::string(static_cast<size_t>(i % 7 + 1), 'a'), off);
        for (int k = 0; k <= i % 7; ++k) model.push_back(off + static_cast<uint32_t>(k));
        off += static_cast<uint32_t>(i % 7 + 1);
        break;
      case 1:  // single bytes that go on where the last left off, then a jump
        m.append('b', off);
        model.push_back(off);
        off += 3;
        break;
      case 2:  // anchored bytes
        m.append_anchored("ccc", off);
        model.insert(model.end(), 3, off);
        break;
      default: {  // a piece of another text
        MappedText other = MappedText::verbatim("0123456789", 5000 + static_cast<uint32_t>(i));
        m.append(other, 2, 6);
        for (uint32_t k = 2; k < 6; ++k) model.push_back(5000 + static_cast<uint32_t>(i) + k);
      }
    }
  }
  REQUIRE(m.size() == model.size());
  for (size_t i = 0; i < model.size(); ++i) CHECK(m.origin(i) == model[i]);
  for (size_t i = model.size(); i-- > 0;) CHECK(m.origin(i) == model[i]);
  for (size_t i = 0; i < model.size(); i += 37) CHECK(m.origin((i * 7919) % model.size()) == model[(i * 7919) % model.size()]);
  // Slices keep their bytes' origins.
  MappedText s = m.slice(123, 777);
  for (size_t i = 0; i < s.size(); ++i) CHECK(s.origin(i) == model[123 + i]);
}

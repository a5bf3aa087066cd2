#include "source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using pm2guard::lint::char_column;
using pm2guard::lint::FileError;
using pm2guard::lint::read_source;
using pm2guard::lint::SourceFile;

namespace {

// A file in a fresh temporary directory, removed with it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pm2guard-source-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    for (const auto& f : files_) std::remove(f.c_str());
    rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, const std::string& contents) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    files_.push_back(path);
    return path;
  }
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

}  // namespace

TEST_CASE("line_col and offset_of convert both ways", "[source]") {
  auto f = SourceFile::from_string("t", "ab\ncde\n\nf");
  REQUIRE(f.line_count() == 4);
  CHECK(f.line_col(0) == std::make_pair(1u, 1u));
  CHECK(f.line_col(2) == std::make_pair(1u, 3u));  // the '\n' itself
  CHECK(f.line_col(3) == std::make_pair(2u, 1u));
  CHECK(f.line_col(5) == std::make_pair(2u, 3u));
  CHECK(f.line_col(7) == std::make_pair(3u, 1u));
  CHECK(f.line_col(8) == std::make_pair(4u, 1u));
  CHECK(f.line_col(9) == std::make_pair(4u, 2u));   // end of file
  CHECK(f.line_col(99) == std::make_pair(4u, 2u));  // clamped
  for (uint32_t off = 0; off <= 9; ++off) {
    auto [line, col] = f.line_col(off);
    CHECK(f.offset_of(line, col) == off);
  }
  CHECK(f.offset_of(9, 1) == 9);
}

TEST_CASE("a trailing newline starts an empty last line", "[source]") {
  auto f = SourceFile::from_string("t", "a\n");
  CHECK(f.line_count() == 2);
  CHECK(f.line_col(2) == std::make_pair(2u, 1u));
  CHECK(f.line_text(2).empty());
}

TEST_CASE("line_text strips the line break and a carriage return", "[source]") {
  auto f = SourceFile::from_string("t", "one\r\ntwo\nthree\r");
  CHECK(f.line_text(1) == "one");
  CHECK(f.line_text(2) == "two");
  CHECK(f.line_text(3) == "three");
  CHECK(f.line_text(0).empty());
  CHECK(f.line_text(4).empty());
}

TEST_CASE("from_string removes a UTF-8 BOM", "[source]") {
  auto f = SourceFile::from_string("t", "\xEF\xBB\xBFjobs:\n");
  CHECK(f.text == "jobs:\n");
  CHECK(f.line_col(0) == std::make_pair(1u, 1u));
}

TEST_CASE("char_column counts code points", "[source]") {
  std::string line = "h\xC3\xA9llo \xE2\x82\xAC x";  // "héllo € x"
  CHECK(char_column(line, 0) == 0);
  CHECK(char_column(line, 1) == 1);
  CHECK(char_column(line, 3) == 2);   // after "hé"
  CHECK(char_column(line, 10) == 7);  // after "héllo €"
  CHECK(char_column(line, 999) == 9);
}

TEST_CASE("read_source reads a file and strips its BOM", "[source]") {
  TempDir dir;
  std::string path = dir.write("w.yml", "\xEF\xBB\xBFjobs: {}\n# caf\xC3\xA9\n");
  FileError err;
  auto f = read_source(path, err);
  REQUIRE(f);
  CHECK(f->path == path);
  CHECK(f->text == "jobs: {}\n# caf\xC3\xA9\n");
  CHECK(f->line_count() == 3);
}

TEST_CASE("line_char_col counts characters, line_col bytes", "[source]") {
  // "é" is two bytes, "日" three; the last line has no line break.
  auto f = SourceFile::from_string("t", "a\xC3\xA9" "b\n\xE6\x97\xA5" "x\r\nz");
  CHECK(f.line_col(3) == std::make_pair(1u, 4u));  // 'b'
  CHECK(f.line_char_col(3) == std::make_pair(1u, 3u));
  CHECK(f.line_char_col(4) == std::make_pair(1u, 4u));  // the line break
  CHECK(f.line_char_col(8) == std::make_pair(2u, 2u));  // 'x'
  CHECK(f.line_char_col(9) == std::make_pair(2u, 3u));  // the '\r'
  CHECK(f.line_char_col(11) == std::make_pair(3u, 1u));
  CHECK(f.line_char_col(12) == std::make_pair(3u, 2u));  // end of file
}

TEST_CASE("read_source refuses binary content at the first bad byte", "[source]") {
  using namespace std::string_literals;
  TempDir dir;
  FileError err;

  CHECK_FALSE(read_source(dir.write("nul", "a: 1\nbb: x\0y\n"s), err));
  CHECK(err.line == 2);
  CHECK(err.col == 6);
  CHECK_THAT(err.message, Catch::Contains("NUL"));

  // A lone continuation byte, after valid multi-byte characters on the line:
  // the column counts characters (the byte is the 5th, the 3rd character).
  CHECK_FALSE(read_source(dir.write("latin1", "ok\n\xC3\xA9t\xE9\n"), err));
  CHECK(err.line == 2);
  CHECK(err.col == 3);
  CHECK_THAT(err.message, Catch::Contains("UTF-8"));

  // Overlong encodings, surrogates and truncated sequences are invalid too.
  CHECK_FALSE(read_source(dir.write("overlong", "\xC0\xAF"), err));
  CHECK(err.col == 1);
  CHECK_FALSE(read_source(dir.write("surrogate", "x\xED\xA0\x80"), err));
  CHECK(err.col == 2);
  CHECK_FALSE(read_source(dir.write("truncated", "xy\xE2\x82"), err));
  CHECK(err.col == 3);

  // Four-byte characters are fine.
  CHECK(read_source(dir.write("emoji", "x: \xF0\x9F\x9A\x80\n"), err));
}

TEST_CASE("read_source reports I/O errors with the system's words", "[source]") {
  TempDir dir;
  FileError err;
  CHECK_FALSE(read_source(dir.path() + "/missing.yml", err));
  CHECK(err.message == "No such file or directory");
  CHECK(err.path == dir.path() + "/missing.yml");
  CHECK(err.line == 0);

  CHECK_FALSE(read_source(dir.path(), err));
  CHECK(err.message == "Is a directory");

  if (geteuid() != 0) {  // root reads anything
    std::string path = dir.write("secret.yml", "jobs: {}\n");
    chmod(path.c_str(), 0);
    CHECK_FALSE(read_source(path, err));
    CHECK(err.message == "Permission denied");
  }
}

TEST_CASE("read_source accepts an empty file", "[source]") {
  TempDir dir;
  FileError err;
  auto f = read_source(dir.write("empty.yml", ""), err);
  REQUIRE(f);
  CHECK(f->text.empty());
  CHECK(f->line_count() == 1);
}

TEST_CASE("read_source never reads what is not a regular file", "[source][files]") {
  TempDir dir;
  FileError err;
  std::string fifo = dir.write("fifo.sh", "");
  std::remove(fifo.c_str());
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  // No writer: a blocking open would wait forever.
  CHECK_FALSE(read_source(fifo, err));
  CHECK(err.message == "not a regular file: a FIFO");
  CHECK_FALSE(read_source("/dev/zero", err));
  CHECK(err.message == "not a regular file: a character device");
  CHECK_FALSE(pm2guard::lint::read_prefix(fifo, 10));
  CHECK(pm2guard::lint::not_regular_reason(fifo) == "not a regular file: a FIFO");
  CHECK(pm2guard::lint::not_regular_reason("/dev/null") == "not a regular file: a character device");
  std::remove(fifo.c_str());
  std::string file = dir.write("ok.sh", "#!/bin/sh\npm2 kill\n");
  CHECK(pm2guard::lint::not_regular_reason(file).empty());
  CHECK(pm2guard::lint::read_prefix(file, 9) == std::optional<std::string>("#!/bin/sh"));
}

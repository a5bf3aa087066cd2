#include "io_util.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "run.h"

using namespace pm2guard::shim;
using pm2guard::testing::TempDir;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// umask is process-wide; tests that check created modes pin it.
class Umask {
 public:
  explicit Umask(mode_t m) : old_(umask(m)) {}
  ~Umask() { umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

}  // namespace

TEST_CASE("sha256_hex matches the FIPS 180-2 vectors", "[io_util]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("format_utc prints ISO 8601 UTC with milliseconds", "[io_util]") {
  using namespace std::chrono;
  system_clock::time_point t{milliseconds(1771320600123)};
  CHECK(format_utc(t) == "2026-02-17T09:30:00.123Z");
  CHECK(format_utc(system_clock::time_point{milliseconds(1234)}) == "1970-01-01T00:00:01.234Z");
  CHECK(format_utc(system_clock::time_point{milliseconds(-1)}) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("display_text escapes what a terminal would act on", "[io_util]") {
  CHECK(display_text("api-1") == "api-1");
  CHECK(display_text("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(display_text("\x1B[31mred") == "\\x1B[31mred");
  CHECK(display_text("a\nb\tc\x7F") == "a\\x0Ab\\x09c\\x7F");
  CHECK(display_text("\xC2\x9B[2J") == "\\u{009B}[2J");
  CHECK(display_text("\xE2\x80\xAEgpj.exe") == "\\u{202E}gpj.exe");
  CHECK(display_text("\xFF\xC3") == "\\xFF\\xC3");
  CHECK(display_text("\xED\xA0\x80") == "\\xED\\xA0\\x80");  // a UTF-16 surrogate
  CHECK(display_text("\xC0\xAF") == "\\xC0\\xAF");           // overlong '/'
  CHECK(display_text("back\\slash") == "back\\\\slash");
  CHECK(display_text(std::string(100, 'x'), 10) == std::string(10, 'x') + "...");
}

TEST_CASE("terminal_line escapes like display_text and is idempotent", "[io_util]") {
  // A process name and a repository value made to inject workflow commands
  // and escape sequences into a CI log.
  std::string name = "bad\n::warning::x";
  std::string repo = "acme/x\r\n::error file=a::pwned\x1B]0;title\x07\x1B[2J\xC2\x9B";
  std::string line = terminal_line("pm2guard: refused: " + name + " of " + repo);
  CHECK(line == "pm2guard: refused: bad\\x0A::warning::x of acme/x\\x0D\\x0A::error file=a::pwned\\x1B]0;title\\x07"
                "\\x1B[2J\\u{009B}");
  for (char c : line) {
    unsigned char u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 && u != 0x7F));
  }
  CHECK(line.find('\n') == std::string::npos);
  CHECK(terminal_line("\x7F\xFF\xE2\x80\xAE") == "\\x7F\\xFF\\u{202E}");
  // Backslashes stay, so escaped text passes through unchanged.
  CHECK(terminal_line("C:\\dir") == "C:\\dir");
  for (std::string raw : {std::string("a\nb\\c\x1B"), name, repo, std::string("caf\xC3\xA9 \xFF")})
    CHECK(terminal_line(display_text(raw)) == display_text(raw));
  CHECK(terminal_line(std::string(100, 'x'), 10) == std::string(10, 'x') + "...");
}

TEST_CASE("display_command quotes words a shell would split", "[io_util]") {
  CHECK(display_command({"pm2", "delete", "api"}) == "pm2 delete api");
  CHECK(display_command({"pm2", "stop", "/api-.*/", "--namespace=x"}) == "pm2 stop '/api-.*/' --namespace=x");
  CHECK(display_command({"pm2", "delete", "my app", "it's", ""}) == "pm2 delete 'my app' 'it'\\''s' ''");
  CHECK(display_command({"pm2", "stop", "a\nb"}) == "pm2 stop 'a\\x0Ab'");
  CHECK(display_command({"pm2", "stop", std::string(50, 'x')}, 20) == "pm2 stop xxxxxxxxxxx...");
}

TEST_CASE("strip_url_credentials removes user and password only", "[io_util]") {
  CHECK(strip_url_credentials("https://github.com") == "https://github.com");
  CHECK(strip_url_credentials("https://user:pw@git.example.com/o/r") == "https://git.example.com/o/r");
  CHECK(strip_url_credentials("https://a@b:c@host:8443") == "https://host:8443");
  CHECK(strip_url_credentials("https://host/path@x") == "https://host/path@x");
  CHECK(strip_url_credentials("no url@all") == "no url@all");
}

TEST_CASE("parent_directory and pm2_home_file", "[io_util]") {
  CHECK(parent_directory("/a/b/c.log") == "/a/b");
  CHECK(parent_directory("/a//b.log") == "/a");
  CHECK(parent_directory("/a.log") == "/");
  CHECK(parent_directory("a.log") == ".");
  CHECK(parent_directory("a/b/") == "a");
  Pm2Paths p;
  p.home = "/srv/pm2/";
  CHECK(pm2_home_file(p, "pm2guard.lock") == "/srv/pm2/pm2guard.lock");
  p.home = "rel/.pm2";
  CHECK(pm2_home_file(p, "pm2guard.lock") == "rel/.pm2/pm2guard.lock");
}

TEST_CASE("ensure_directory creates one missing level only", "[io_util]") {
  Umask pin(022);
  TempDir tmp;
  std::string error;
  std::string dir = tmp.path() + "/home";
  REQUIRE(ensure_directory(dir, 0750, error));
  CHECK(mode_of(dir) == 0750);
  CHECK(ensure_directory(dir, 0750, error));  // already there
  CHECK_FALSE(ensure_directory(tmp.path() + "/missing/deeper", 0750, error));
  CHECK(error.find("nor does its parent") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp.path() + "/missing"));
  std::string file = tmp.write("file", "x");
  error.clear();
  CHECK_FALSE(ensure_directory(file, 0750, error));
  CHECK(error.find("not a directory") != std::string::npos);
}

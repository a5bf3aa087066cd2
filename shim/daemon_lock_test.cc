#include "daemon_lock.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "run.h"

using namespace pm2guard::shim;
using pm2guard::testing::TempDir;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A child process holding the lock: for `hold` after it got it, or until
// told to let go when `hold` is negative. Killed and reaped in any case.
class Holder {
 public:
  Holder(const std::string& path, const std::string& info, std::chrono::milliseconds hold) {
    int ready[2], go[2];
    REQUIRE(pipe2(ready, O_CLOEXEC) == 0);
    REQUIRE(pipe2(go, O_CLOEXEC) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      close(ready[0]);
      close(go[1]);
      std::string error;
      auto lock = DaemonLock::acquire(path, info, 5s, error);
      if (!lock) _exit(2);
      if (write(ready[1], "L", 1) != 1) _exit(3);
      char c;
      if (hold.count() >= 0)
        std::this_thread::sleep_for(hold);
      else if (read(go[0], &c, 1) < 0)
        _exit(4);
      lock->release();
      _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    go_ = go[1];
    pollfd p{ready[0], POLLIN, 0};
    char c = 0;
    bool got = poll(&p, 1, 5000) == 1 && read(ready[0], &c, 1) == 1 && c == 'L';
    close(ready[0]);
    REQUIRE(got);
  }
  ~Holder() {
    if (go_ >= 0) close(go_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;

  pid_t pid() const { return pid_; }
  void let_go() {
    if (go_ >= 0 && write(go_, "G", 1) != 1) FAIL("cannot signal the holder");
  }
  void kill_hard() { REQUIRE(kill(pid_, SIGKILL) == 0); }
  /// Waits for the child; its exit status, or 128 + signal.
  int wait() {
    int status = 0;
    REQUIRE(waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
};

std::string pid_text(pid_t pid) { return "pid " + std::to_string(pid) + " "; }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a second process waits for the lock and gets it when the first releases it", "[daemon_lock]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/pm2guard.lock";
  Holder first(path, "pm2 delete api (acme/web run 41)", 400ms);
  int waits = 0;
  std::string told;
  std::string error;
  auto start = Clock::now();
  auto lock =
      DaemonLock::acquire(path, "pm2 restart web (acme/web run 42)", 10s, error, [&](const std::string& holder) {
        ++waits;
        told = holder;
      });
  auto waited = Clock::now() - start;
  INFO(error);
  REQUIRE(lock);
  CHECK(lock->held());
  CHECK(waited >= 200ms);
  CHECK(waits == 1);
  CHECK(contains(told, pid_text(first.pid())));
  CHECK(contains(told, "pm2 delete api (acme/web run 41)"));
  CHECK(first.wait() == 0);
  std::string record = read_lock_holder(path);
  CHECK(contains(record, pid_text(getpid())));
  CHECK(contains(record, "since 20"));
  CHECK(contains(record, "pm2 restart web (acme/web run 42)"));
  lock->release();
  CHECK_FALSE(lock->held());
  CHECK(read_lock_holder(path).empty());  // no stale holder once released
}

TEST_CASE("a timeout names the holder", "[daemon_lock]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/pm2guard.lock";
  Holder first(path, "pm2 delete all (acme/web run 7)", -1ms);
  int waits = 0;
  std::string error;
  auto start = Clock::now();
  auto lock = DaemonLock::acquire(path, "second", 300ms, error, [&](const std::string&) { ++waits; });
  auto waited = Clock::now() - start;
  CHECK_FALSE(lock);
  CHECK(waited >= 300ms);
  CHECK(waited < 3s);
  CHECK(waits == 1);
  CHECK(contains(error, "timed out"));
  CHECK(contains(error, path));
  CHECK(contains(error, pid_text(first.pid())));
  CHECK(contains(error, "pm2 delete all (acme/web run 7)"));
  first.let_go();
  CHECK(first.wait() == 0);
  CHECK(DaemonLock::acquire(path, "second", 0ms, error));
}

TEST_CASE("a holder killed with SIGKILL releases the lock", "[daemon_lock]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/pm2guard.lock";
  Holder first(path, "doomed", -1ms);
  std::string error;
  CHECK_FALSE(DaemonLock::acquire(path, "second", 0ms, error));
  first.kill_hard();
  CHECK(first.wait() == 128 + SIGKILL);
  auto start = Clock::now();
  auto lock = DaemonLock::acquire(path, "second", 2s, error);
  INFO(error);
  REQUIRE(lock);
  CHECK(Clock::now() - start < 1s);
  CHECK(contains(read_lock_holder(path), pid_text(getpid())));
}

TEST_CASE("timeout 0 tries once", "[daemon_lock]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/pm2guard.lock";
  std::string error;
  SECTION("free: taken at once") {
    auto lock = DaemonLock::acquire(path, "only", 0ms, error);
    REQUIRE(lock);
  }
  SECTION("held: refused at once, without waiting") {
    Holder first(path, "holder", -1ms);
    int waits = 0;
    auto start = Clock::now();
    auto lock = DaemonLock::acquire(path, "second", 0ms, error, [&](const std::string&) { ++waits; });
    CHECK_FALSE(lock);
    CHECK(Clock::now() - start < 1s);  // one try, no polling
    CHECK(waits == 0);
    CHECK(contains(error, pid_text(first.pid())));
    first.let_go();
    CHECK(first.wait() == 0);
  }
}

TEST_CASE("two descriptors in one process exclude each other too", "[daemon_lock]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/pm2guard.lock";
  std::string error;
  auto a = DaemonLock::acquire(path, "a", 0ms, error);
  REQUIRE(a);
  CHECK_FALSE(DaemonLock::acquire(path, "b", 50ms, error));
  CHECK(contains(error, pid_text(getpid())));
}

TEST_CASE("the lock moves and is released on destruction", "[daemon_lock]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/pm2guard.lock";
  std::string error;
  {
    auto a = DaemonLock::acquire(path, "a", 0ms, error);
    REQUIRE(a);
    DaemonLock moved(std::move(*a));
    CHECK_FALSE(a->held());
    CHECK(moved.held());
    CHECK(moved.path() == path);
    auto b = DaemonLock::acquire(tmp.path() + "/other.lock", "b", 0ms, error);
    REQUIRE(b);
    *b = std::move(moved);  // releases other.lock, takes over pm2guard.lock
    CHECK(b->held());
    CHECK(DaemonLock::acquire(tmp.path() + "/other.lock", "c", 0ms, error));
    CHECK_FALSE(DaemonLock::acquire(path, "c", 0ms, error));
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
  close(fd);
}

TEST_CASE("the lock file is created safely", "[daemon_lock]") {
  TempDir tmp;
  std::string error;
  SECTION("0640, in a directory created 0750 when only it is missing") {
    mode_t old = umask(022);
    const std::string path = tmp.path() + "/pm2home/pm2guard.lock";
    auto lock = DaemonLock::acquire(path, "x", 0ms, error);
    umask(old);
    REQUIRE(lock);
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    REQUIRE(stat((tmp.path() + "/pm2home").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
  }
  SECTION("a symlink is refused") {
    std::string target = tmp.write("target", "keep\n");
    const std::string path = tmp.path() + "/pm2guard.lock";
    REQUIRE(symlink(target.c_str(), path.c_str()) == 0);
    CHECK_FALSE(DaemonLock::acquire(path, "x", 0ms, error));
    CHECK(contains(error, "symbolic link"));
  }
  SECTION("a FIFO is refused") {
    const std::string path = tmp.path() + "/pm2guard.lock";
    REQUIRE(mkfifo(path.c_str(), 0600) == 0);
    CHECK_FALSE(DaemonLock::acquire(path, "x", 0ms, error));
    CHECK(contains(error, "not a regular file"));
  }
  SECTION("holder text is kept to one printable line") {
    const std::string path = tmp.path() + "/pm2guard.lock";
    auto lock = DaemonLock::acquire(path, "two\nlines\x1B[2J", 0ms, error);
    REQUIRE(lock);
    CHECK(contains(read_lock_holder(path), "two lines\\x1B[2J"));
  }
  Pm2Paths paths;
  paths.home = "/root/.pm2";
  CHECK(default_lock_path(paths) == "/root/.pm2/pm2guard.lock");
}

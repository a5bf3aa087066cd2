#include "daemon_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

#include "io_util.h"

namespace pm2guard::shim {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollInterval{20};
// A holder writes its record right after it gets the lock; a waiter that
// arrives in between gives it this long before it reports "unknown".
constexpr milliseconds kRecordGrace{250};
constexpr size_t kMaxRecordBytes = 2048;

const char kUnknownHolder[] = "another process (it has not recorded itself)";

std::string read_record(int fd) {
  char buf[kMaxRecordBytes];
  ssize_t n;
  do {
    n = pread(fd, buf, sizeof buf, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return {};
  std::string_view text(buf, static_cast<size_t>(n));
  text = text.substr(0, text.find('\n'));
  return display_text(text, 1024);
}

bool write_record(int fd, const std::string& record) {
  if (ftruncate(fd, 0) != 0) return false;
  size_t done = 0;
  while (done < record.size()) {
    ssize_t n = pwrite(fd, record.data() + done, record.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Opens (creating) the lock file. `writable` is false when only a read-only
// descriptor could be had: flock() works on it all the same, but the holder
// cannot be recorded (a lock file made by another user, say root).
int open_lock_file(const std::string& path, bool& writable, std::string& error) {
  std::string dir_error;
  if (!ensure_directory(parent_directory(path), 0750, dir_error)) {
    error = fmt::format("pm2guard lock {}: {}", path, dir_error);
    return -1;
  }
  const int flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
  writable = true;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | flags, 0640);
  if (fd < 0 && errno == EACCES) {
    writable = false;
    fd = open(path.c_str(), O_RDONLY | flags);
  }
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP)
      error = fmt::format("pm2guard lock {} is a symbolic link; refusing to use it", path);
    else
      error = fmt::format("cannot open pm2guard lock {}: {}", path, sys_error_text(e));
    return -1;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = fmt::format("pm2guard lock {} is not a regular file; refusing to use it", path);
    close(fd);
    return -1;
  }
  return fd;
}

std::string seconds(Clock::duration d) { return fmt::format("{:.1f} s", std::chrono::duration<double>(d).count()); }

}  // namespace

DaemonLock::DaemonLock(int fd, std::string path, bool recorded)
    : fd_(fd), path_(std::move(path)), recorded_(recorded) {}

DaemonLock::DaemonLock(DaemonLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), recorded_(other.recorded_) {}

DaemonLock& DaemonLock::operator=(DaemonLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    recorded_ = other.recorded_;
  }
  return *this;
}

DaemonLock::~DaemonLock() { release(); }

void DaemonLock::release() {
  if (fd_ < 0) return;
  // A stale record would name a process that no longer holds the lock.
  if (recorded_ && ftruncate(fd_, 0) != 0) {
    // The next holder overwrites it anyway.
  }
  close(fd_);  // releases the flock
  fd_ = -1;
}

std::optional<DaemonLock> DaemonLock::acquire(const std::string& lock_path, const std::string& holder_info,
                                              milliseconds timeout, std::string& error,
                                              const std::function<void(const std::string& holder)>& on_wait) {
  bool writable = true;
  int fd = open_lock_file(lock_path, writable, error);
  if (fd < 0) return std::nullopt;

  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::max(timeout, milliseconds(0));
  const Clock::duration grace = std::min<Clock::duration>(kRecordGrace, timeout / 2);
  bool told = false;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    int e = errno;
    if (e == EINTR) continue;
    if (e != EWOULDBLOCK) {
      error = fmt::format("cannot lock {}: {}", lock_path, sys_error_text(e));
      close(fd);
      return std::nullopt;
    }
    Clock::time_point now = Clock::now();
    if (now >= deadline) {
      std::string holder = read_record(fd);
      error = fmt::format("timed out after {} waiting for the pm2guard lock {}, held by {}", seconds(now - start),
                          lock_path, holder.empty() ? kUnknownHolder : holder);
      close(fd);
      return std::nullopt;
    }
    if (!told && on_wait) {
      std::string holder = read_record(fd);
      if (!holder.empty() || now - start >= grace) {
        told = true;
        on_wait(holder.empty() ? kUnknownHolder : holder);
      }
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, deadline - Clock::now()));
  }

  bool recorded = false;
  if (writable) {
    // One line, kept raw otherwise: read_record() escapes it for display.
    std::string info = holder_info.substr(0, 1024);
    std::replace(info.begin(), info.end(), '\n', ' ');
    std::replace(info.begin(), info.end(), '\r', ' ');
    std::string record =
        fmt::format("pid {} since {}: {}\n", getpid(), format_utc(std::chrono::system_clock::now()), info);
    recorded = write_record(fd, record);
  }
  return DaemonLock(fd, lock_path, recorded);
}

std::string read_lock_holder(const std::string& lock_path) {
  int fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return {};
  struct stat st {};
  std::string record;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) record = read_record(fd);
  close(fd);
  return record;
}

std::string default_lock_path(const Pm2Paths& paths) { return pm2_home_file(paths, "pm2guard.lock"); }

}  // namespace pm2guard::shim

// The deployment lock ADR-061 left for later: destructive commands against
// one pm2 daemon take turns. An flock() on a file beside the daemon, so the
// kernel releases it when the holder exits, however it exits. The file also
// says who holds the lock, for the message of whoever waits.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "pm2_home.h"

namespace pm2guard::shim {

class DaemonLock {
 public:
  /// Takes the lock at `lock_path`, polling flock(LOCK_EX|LOCK_NB) until
  /// `timeout` has passed (0: one try). The file is created 0640 (and its
  /// directory 0750 when only that is missing); a symlink or a non-regular
  /// file is refused. Once held, the file records `pid <n> since <UTC
  /// time>: <holder_info>`; `holder_info` is what the caller wants a waiter
  /// to read (the command, the repository and run id), one line.
  ///
  /// `on_wait` is called once, with what the file says about the holder,
  /// when the first try fails and the call is going to wait. On timeout:
  /// nullopt and `error` naming the holder.
  static std::optional<DaemonLock> acquire(const std::string& lock_path, const std::string& holder_info,
                                           std::chrono::milliseconds timeout, std::string& error,
                                           const std::function<void(const std::string& holder)>& on_wait = {});

  DaemonLock(DaemonLock&& other) noexcept;
  DaemonLock& operator=(DaemonLock&& other) noexcept;
  DaemonLock(const DaemonLock&) = delete;
  DaemonLock& operator=(const DaemonLock&) = delete;
  ~DaemonLock();

  /// Releases the lock now (the destructor does it otherwise). The
  /// descriptor is close-on-exec: exec'ing the real pm2 releases it too.
  void release();
  bool held() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  DaemonLock(int fd, std::string path, bool recorded);
  int fd_ = -1;
  std::string path_;
  bool recorded_ = false;  ///< whether this process wrote the holder record
};

/// What the lock file says about its holder ("" when it says nothing, e.g.
/// the lock is free or the holder has not written it yet). Escaped for display.
std::string read_lock_holder(const std::string& lock_path);

/// <PM2_HOME>/pm2guard.lock.
std::string default_lock_path(const Pm2Paths& paths);

}  // namespace pm2guard::shim

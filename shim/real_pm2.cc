#include "real_pm2.h"

#include <sys/syscall.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace pm2guard::shim {

// Kept in the binary by its use in is_shim_copy().
const char kShimMarker[] = "pm2guard-shim-7d1f0c9e";

namespace {

std::optional<std::string> real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (!realpath(p.c_str(), buf)) return std::nullopt;
  return std::string(buf);
}

bool executable_file(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
}

// An ELF file that carries the marker: a copy of the shim, not pm2 (npm's
// pm2 is a node script).
bool is_shim_copy(const std::string& p) {
  int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool found = false;
  char magic[4] = {0, 0, 0, 0};
  if (fstat(fd, &st) == 0 && st.st_size > 4 && read(fd, magic, 4) == 4 && std::memcmp(magic, "\x7f" "ELF", 4) == 0) {
    void* m = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      found = memmem(m, static_cast<size_t>(st.st_size), kShimMarker, sizeof kShimMarker - 1) != nullptr;
      munmap(m, static_cast<size_t>(st.st_size));
    }
  }
  close(fd);
  return found;
}

bool is_self(const std::string& candidate) {
  struct stat a {}, b {};
  if (stat(candidate.c_str(), &a) != 0) return false;
  if (stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) return true;
  std::optional<std::string> rc = real_path(candidate), rs = real_path("/proc/self/exe");
  if (rc && rs && *rc == *rs) return true;
  return is_shim_copy(candidate);
}

}  // namespace

std::optional<std::string> find_real_pm2(const std::optional<std::string>& configured, const std::string& path_var,
                                         std::string& error) {
  if (configured) {
    if (!executable_file(*configured)) {
      error = fmt::format("the policy's real_pm2 `{}` is not an executable file", *configured);
      return std::nullopt;
    }
    if (is_self(*configured)) {
      error = fmt::format("the policy's real_pm2 `{}` is this shim", *configured);
      return std::nullopt;
    }
    return configured;
  }
  size_t i = 0;
  while (i <= path_var.size()) {
    size_t j = path_var.find(':', i);
    if (j == std::string::npos) j = path_var.size();
    std::string dir = path_var.substr(i, j - i);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/pm2";
    if (executable_file(candidate) && !is_self(candidate)) return candidate;
    i = j + 1;
  }
  error = "no pm2 other than this shim on PATH";
  return std::nullopt;
}

void exec_real_pm2(const std::string& real, char** argv) {
  // argv[0] stays as the caller wrote it; pm2 is a node script and reads
  // only argv[1..].
  execv(real.c_str(), argv);
}

namespace {

std::atomic<pid_t> g_child{0};

void forward(int sig, siginfo_t* info, void*) {
  // A terminal's signals (si_code SI_KERNEL) went to the whole foreground
  // group, the child included.
  if (info && info->si_code == SI_KERNEL) return;
  pid_t c = g_child.load();
  if (c > 0) kill(c, sig);
}

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

}  // namespace

std::string pinned_launch_code(int fd) {
  std::string code = R"JS((function () {
  const fs = require('fs'), path = require('path');
  let pin;
  try { pin = JSON.parse(fs.readFileSync(@FD@, 'utf8')); } finally { try { fs.closeSync(@FD@); } catch (e) {} }
  for (const k of Object.keys(pin.env.set)) process.env[k] = pin.env.set[k];
  for (const k of pin.env.unset) delete process.env[k];
  const Common = require(path.join(pin.root, 'lib', 'Common.js'));
  Common.parseConfig = function (data, filename) {
    const key = !filename || filename === 'pipe' ? '-' : filename === 'none' ? 'none' : path.resolve(filename);
    if (Object.prototype.hasOwnProperty.call(pin.docs, key)) return JSON.parse(pin.docs[key]);
    process.stderr.write('pm2guard: refused: pm2 went to read ' + JSON.stringify(key) +
                         ', a document the shim did not judge\n');
    process.exit(77);
  };
  // A module's package.json, as judged: what pm2's module code requires to
  // start its processes (Modules/NPM.js StartModule, TAR.js).
  if (Object.prototype.hasOwnProperty.call(pin.docs, 'module')) {
    const Module = require('module');
    const load = Module._load;
    const modules = path.join(pin.root, 'lib', 'API', 'Modules') + path.sep;
    Module._load = function (request, parent) {
      if (parent && typeof parent.filename === 'string' && parent.filename.startsWith(modules) &&
          path.basename(String(request)) === 'package.json')
        return JSON.parse(pin.docs.module);
      return load.apply(this, arguments);
    };
  }
  require(process.argv[1]);
})();)JS";
  std::string f = std::to_string(fd);
  for (size_t at; (at = code.find("@FD@")) != std::string::npos;) code.replace(at, 4, f);
  return code;
}

ChildResult run_real_pm2(const std::string& real, char** argv, const std::optional<std::string>& stdin_data,
                         const std::optional<std::string>& pinned) {
  int in[2] = {-1, -1};
  if (stdin_data && pipe2(in, O_CLOEXEC) != 0) return {126, 0};
  // The pinned documents: a memfd the child inherits (its number is written
  // into the bootstrap code), sealed against writes.
  int pin_fd = -1;
  std::vector<std::string> node_argv;
  if (pinned) {
    pin_fd = static_cast<int>(syscall(SYS_memfd_create, "pm2guard-pins", 0u));
    if (pin_fd < 0) return {126, 0};
    size_t off = 0;
    while (off < pinned->size()) {
      ssize_t n = write(pin_fd, pinned->data() + off, pinned->size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(pin_fd);
        return {126, 0};
      }
      off += static_cast<size_t>(n);
    }
    lseek(pin_fd, 0, SEEK_SET);
    node_argv = {"node", "-e", pinned_launch_code(pin_fd), "--", real};
    for (char** a = argv + 1; *a; ++a) node_argv.emplace_back(*a);
  }
  // Block the forwarded signals until the child's pid is known, so none is
  // lost between fork and the handler being able to reach it.
  sigset_t block, old;
  sigemptyset(&block);
  for (int s : kForwarded) sigaddset(&block, s);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t pid = fork();
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    return {126, 0};
  }
  if (pid == 0) {
    if (stdin_data) dup2(in[0], 0);
    sigprocmask(SIG_SETMASK, &old, nullptr);
    if (pinned) {
      std::vector<char*> v;
      for (std::string& a : node_argv) v.push_back(a.data());
      v.push_back(nullptr);
      execvp("node", v.data());
      _exit(127);
    }
    execv(real.c_str(), argv);
    _exit(126);
  }
  g_child = pid;
  if (pin_fd >= 0) close(pin_fd);
  struct sigaction sa {};
  sa.sa_sigaction = forward;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  struct sigaction saved[6];
  for (size_t k = 0; k < 6; ++k) sigaction(kForwarded[k], &sa, &saved[k]);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  if (stdin_data) {
    close(in[0]);
    // A broken pipe means pm2 stopped reading: not the shim's error.
    struct sigaction ign {}, prev {};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &prev);
    size_t off = 0;
    while (off < stdin_data->size()) {
      ssize_t n = write(in[1], stdin_data->data() + off, stdin_data->size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(in[1]);
    sigaction(SIGPIPE, &prev, nullptr);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  for (size_t k = 0; k < 6; ++k) sigaction(kForwarded[k], &saved[k], nullptr);
  ChildResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    r.exit_code = 128 + r.signal;
  }
  return r;
}

void exit_like(const ChildResult& r) {
  if (r.signal) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(r.signal, &dfl, nullptr);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, r.signal);
    sigprocmask(SIG_UNBLOCK, &s, nullptr);
    raise(r.signal);
  }
  _exit(r.exit_code);
}

}  // namespace pm2guard::shim

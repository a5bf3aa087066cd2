#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "unique_fd.h"

namespace pm2guard::shim {

SubprocessResult run_subprocess(const std::vector<std::string>& argv, const std::string& input, double timeout_seconds,
                                bool search_path, size_t max_output) {
  SubprocessResult r;
  if (argv.empty()) return r;
  int p_out[2] = {-1, -1}, p_err[2] = {-1, -1}, p_in[2] = {-1, -1};
  bool ok = pipe2(p_out, O_CLOEXEC) == 0 && pipe2(p_err, O_CLOEXEC) == 0 && (input.empty() || pipe2(p_in, O_CLOEXEC) == 0);
  UniqueFd out_r(p_out[0]), out_w(p_out[1]), err_r(p_err[0]), err_w(p_err[1]), in_r(p_in[0]), in_w(p_in[1]);
  if (!ok) return r;
  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    if (input.empty()) {
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
    } else {
      dup2(in_r.get(), 0);
    }
    dup2(out_w.get(), 1);
    dup2(err_w.get(), 2);
    setpgid(0, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (search_path)
      execvp(args[0], args.data());
    else
      execv(args[0], args.data());
    _exit(127);
  }
  out_w.reset();
  err_w.reset();
  in_r.reset();
  if (!input.empty()) fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (input.empty()) in_w.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  bool out_open = true, err_open = true, killed = false;
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_open) fds.push_back({err_r.get(), POLLIN, 0});
    if (in_w.get() >= 0) fds.push_back({in_w.get(), POLLOUT, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      killed = true;
      break;
    }
    int n = poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) {
      killed = true;
      break;
    }
    for (const pollfd& p : fds) {
      if (!p.revents) continue;
      if (p.fd == in_w.get()) {
        ssize_t w = write(in_w.get(), input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in_w.reset();
        continue;
      }
      char buf[8192];
      ssize_t got = read(p.fd, buf, sizeof buf);
      if (got <= 0) {
        (p.fd == out_r.get() ? out_open : err_open) = false;
        continue;
      }
      std::string& dst = p.fd == out_r.get() ? r.out : r.err;
      dst.append(buf, static_cast<size_t>(got));
      if (dst.size() > max_output) killed = true;
    }
    if (killed) break;
  }
  if (killed) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!killed && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace pm2guard::shim

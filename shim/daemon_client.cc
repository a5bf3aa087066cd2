#include "unique_fd.h"
#include "daemon_client.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>  // explicit_bzero
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace pm2guard::shim {

namespace {

using Clock = std::chrono::steady_clock;

const char* errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EAGAIN: return "EAGAIN";
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    default: return "";
  }
}

std::string errno_text(int e) {
  const char* name = errno_name(e);
  if (*name) return fmt::format("{} ({})", std::strerror(e), name);
  return fmt::format("{} (errno {})", std::strerror(e), e);
}

// Printable, bounded rendering of bytes that came from the peer.
std::string printable(std::string_view s, size_t max = 40) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > max) out += "...";
  return out;
}

using Fd = UniqueFd;

// Milliseconds left until the deadline, rounded up; 0 when it has passed.
int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1000000 ? 1000000 : static_cast<int>(left);
}

// Waits for `events` on fd. Returns true when ready, false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    int ms = remaining_ms(deadline);
    if (ms == 0) return false;
    struct pollfd p {};
    p.fd = fd;
    p.events = events;
    int r = ::poll(&p, 1, ms);
    if (r > 0) return true;  // ready, or an error/hangup the next call reports
    if (r == 0) continue;    // re-check the clock: poll may wake early
    if (errno != EINTR) return true;  // let the following syscall report it
  }
}

struct Connected {
  int fd = -1;
  int err = 0;             // errno of the failed connect
  bool timed_out = false;  // the backlog stayed full until the deadline
};

Connected connect_unix(const std::string& path, Clock::time_point deadline) {
  Connected c;
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  // Candidates are at most sizeof(sun_path) bytes; a path of exactly that
  // length has no NUL, which Linux accepts when the length says so.
  std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof(addr.sun_path)));
  socklen_t len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) +
                                         std::min(path.size(), sizeof(addr.sun_path)));
  for (;;) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c.err = errno;
      return c;
    }
    if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), len) == 0) {
      c.fd = fd;
      return c;
    }
    int e = errno;
    if (e == EINPROGRESS || e == EINTR) {
      // The connection completes in the background; its outcome is SO_ERROR.
      if (!wait_for(fd, POLLOUT, deadline)) {
        ::close(fd);
        c.timed_out = true;
        return c;
      }
      int so = 0;
      socklen_t so_len = sizeof so;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &so_len) == 0 && so == 0) {
        c.fd = fd;
        return c;
      }
      ::close(fd);
      c.err = so != 0 ? so : errno;
      return c;
    }
    ::close(fd);
    if (e != EAGAIN) {
      c.err = e;
      return c;
    }
    // EAGAIN: the listener's backlog is full (the daemon is alive but busy).
    // A Unix socket cannot be polled for that; retry shortly.
    if (remaining_ms(deadline) == 0) {
      c.timed_out = true;
      return c;
    }
    struct timespec ts {0, 5 * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
}

DaemonListing failure(DaemonListing r, std::string message) {
  r.state = DaemonState::Failure;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string_view daemon_state_name(DaemonState s) {
  switch (s) {
    case DaemonState::NoDaemon: return "no daemon";
    case DaemonState::Ok: return "ok";
    case DaemonState::Failure: return "failure";
  }
  return "?";
}

AxonAddress parse_axon_address(std::string_view value) {
  AxonAddress a;
  // WHATWG URL parsing first strips leading/trailing C0 controls and spaces
  // and removes tabs and newlines, then looks for a scheme. Without one,
  // `new URL()` throws and pm2-axon uses the value verbatim as a path.
  std::string t;
  for (char c : value)
    if (c != '\t' && c != '\n' && c != '\r') t += c;
  auto c0_or_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!t.empty() && c0_or_space(t.front())) t.erase(t.begin());
  while (!t.empty() && c0_or_space(t.back())) t.pop_back();
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  size_t i = 0;
  if (!t.empty() && alpha(t[0])) {
    i = 1;
    while (i < t.size() && (alpha(t[i]) || (t[i] >= '0' && t[i] <= '9') || t[i] == '+' || t[i] == '-' || t[i] == '.'))
      ++i;
  }
  if (i == 0 || i >= t.size() || t[i] != ':') {
    if (value.empty()) {
      a.error = "the RPC socket path is empty";
      return a;
    }
    a.ok = true;
    a.path = std::string(value);
    return a;
  }
  std::string scheme = t.substr(0, i);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  if (scheme != "unix") {
    a.error = fmt::format(
        "the RPC socket '{}' reads as a '{}:' URL to pm2, which would then use TCP or fail; not supported",
        printable(value, 200), scheme);
    return a;
  }
  // unix:/path and unix:///path give pathname /path. Other spellings involve
  // hosts, percent-encoding, dot segments, queries or fragments; refuse them
  // rather than guess.
  std::string_view rest = std::string_view(t).substr(i + 1);
  std::string_view p;
  if (rest.substr(0, 3) == "///")
    p = rest.substr(2);
  else if (rest.substr(0, 1) == "/" && rest.substr(0, 2) != "//")
    p = rest;
  bool simple = !p.empty();
  for (char c : p) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || std::strchr("%?#\"<>`{}\\^|", c) != nullptr) simple = false;
  }
  for (size_t s = 0; simple && s < p.size();) {
    size_t e = p.find('/', s + 1);
    if (e == std::string_view::npos) e = p.size();
    std::string_view seg = p.substr(s + 1, e - s - 1);
    if (seg == "." || seg == "..") simple = false;
    s = e;
  }
  if (!simple) {
    a.error = fmt::format("the RPC socket URL '{}' is not of the form unix:/path or unix:///path; not supported",
                          printable(value, 200));
    return a;
  }
  a.ok = true;
  a.path = std::string(p);
  return a;
}

std::vector<std::string> unix_socket_candidates(const std::string& path) {
  constexpr size_t kSunPath = sizeof(sockaddr_un::sun_path);  // 108 on Linux
  if (path.size() < kSunPath) return {path};
  return {path.substr(0, kSunPath), path.substr(0, kSunPath - 1)};
}

std::string encode_amp(const std::vector<std::string>& parts) {
  std::string out;
  out += static_cast<char>((1 << 4) | (parts.size() & 0xF));
  for (const std::string& p : parts) {
    uint32_t n = static_cast<uint32_t>(p.size());
    out += static_cast<char>((n >> 24) & 0xFF);
    out += static_cast<char>((n >> 16) & 0xFF);
    out += static_cast<char>((n >> 8) & 0xFF);
    out += static_cast<char>(n & 0xFF);
    out += p;
  }
  return out;
}

AmpReader::Status AmpReader::feed(const char* data, std::size_t size, std::size_t& used) {
  used = 0;
  auto fail = [&](std::string message) {
    status_ = Status::Error;
    error_ = std::move(message);
    return status_;
  };
  auto part_done = [&]() {
    in_part_ = false;
    if (parts_.size() == static_cast<size_t>(argc_)) status_ = Status::Done;
  };
  while (used < size && status_ == Status::NeedMore) {
    unsigned char byte = static_cast<unsigned char>(data[used]);
    if (argc_ < 0) {
      ++used;
      ++bytes_read_;
      argc_ = byte & 0x0F;
      if ((byte >> 4) != 1) return fail(fmt::format("not an AMP version 1 frame (header byte 0x{:02x})", byte));
      if (argc_ == 0) return fail("an AMP frame without parts");
      parts_.reserve(static_cast<size_t>(argc_));
      continue;
    }
    if (!in_part_) {
      ++used;
      ++bytes_read_;
      len_buf_[len_have_++] = byte;
      if (len_have_ < 4) continue;
      len_have_ = 0;
      part_len_ = (std::size_t{len_buf_[0]} << 24) | (std::size_t{len_buf_[1]} << 16) |
                  (std::size_t{len_buf_[2]} << 8) | std::size_t{len_buf_[3]};
      if (part_len_ > max_bytes_ - payload_)
        return fail(fmt::format("part {} of the frame announces {} bytes, over the {} byte limit for a reply",
                                parts_.size() + 1, part_len_, max_bytes_));
      payload_ += part_len_;
      // Exactly the announced size (bounded above): the part never moves, so
      // wipe() reaches every byte that was received.
      parts_.emplace_back();
      parts_.back().reserve(part_len_);
      in_part_ = true;
      if (part_len_ == 0) part_done();
      continue;
    }
    std::string& part = parts_.back();
    std::size_t take = std::min(part_len_ - part.size(), size - used);
    part.append(data + used, take);
    used += take;
    bytes_read_ += take;
    if (part.size() == part_len_) part_done();
  }
  return status_;
}

void AmpReader::wipe() {
  for (std::string& p : parts_) {
    if (!p.empty()) explicit_bzero(p.data(), p.size());
    p.clear();
  }
  parts_.clear();
}

namespace {

// One connection: connect, send, read, parse. `retryable` is set when the
// daemon went away before sending a byte of its reply (see query()).
DaemonListing attempt(const AxonAddress& address, const DaemonOptions& options, Clock::time_point deadline,
                      bool& retryable) {
  const long long budget_ms = static_cast<long long>(options.deadline.count());
  DaemonListing r;
  retryable = false;

  // Connect. ENOENT (no socket) and ECONNREFUSED (a socket file nobody
  // listens on: the daemon died without cleaning up) mean no daemon, which
  // pm2 would then spawn empty. Anything else is a failure.
  int fd = -1;
  std::vector<std::string> candidates = unix_socket_candidates(address.path);
  int last_err = 0;
  for (const std::string& candidate : candidates) {
    Connected c = connect_unix(candidate, deadline);
    r.socket = candidate;
    if (c.fd >= 0) {
      fd = c.fd;
      break;
    }
    if (c.timed_out)
      return failure(std::move(r), fmt::format("the daemon at {} accepted no connection within {} ms", candidate,
                                               budget_ms));
    if (c.err != ENOENT && c.err != ECONNREFUSED)
      return failure(std::move(r), fmt::format("cannot connect to {}: {}", candidate, errno_text(c.err)));
    last_err = c.err;
  }
  if (fd < 0) {
    r.state = DaemonState::NoDaemon;
    r.socket = address.path;
    r.message = last_err == ENOENT
                    ? fmt::format("no pm2 daemon: {} does not exist", address.path)
                    : fmt::format("no pm2 daemon: nothing listens on {} (a stale socket)", address.path);
    if (candidates.size() > 1)
      r.message += fmt::format(" (the path is {} bytes; tried it cut to {} and {} bytes, as node would)",
                               address.path.size(), candidates[0].size(), candidates[1].size());
    return r;
  }
  Fd sock(fd);

  // Send the request, as pm2-axon's req socket frames it.
  const std::string id = fmt::format("pm2guard-{}:0", static_cast<long>(::getpid()));
  const std::string request =
      encode_amp({R"(j:{"type":"call","method":"getMonitorData","args":[{}]})", "s:" + id});
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!wait_for(fd, POLLOUT, deadline))
        return failure(std::move(r), fmt::format("the daemon did not take the request within {} ms", budget_ms));
      continue;
    }
    retryable = true;
    return failure(std::move(r), fmt::format("the daemon closed the connection while the request was sent: {}",
                                             errno_text(errno)));
  }

  // Read exactly one reply frame.
  AmpReader reader(options.max_reply_bytes);
  char buf[64 * 1024];
  struct WipeBuf {
    char* b;
    size_t n;
    ~WipeBuf() { explicit_bzero(b, n); }
  } wipe_buf{buf, sizeof buf};
  struct WipeReader {
    AmpReader& reader;
    ~WipeReader() { reader.wipe(); }
  } wipe_reader{reader};
  while (reader.status() == AmpReader::Status::NeedMore) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      size_t used = 0;
      reader.feed(buf, static_cast<size_t>(n), used);
      continue;
    }
    if (n == 0) {
      if (reader.bytes_read() == 0) {
        retryable = true;
        return failure(std::move(r), "the daemon closed the connection without replying");
      }
      return failure(std::move(r), fmt::format("the daemon closed the connection after {} bytes of the reply "
                                               "(a truncated frame)",
                                               reader.bytes_read()));
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      if (!wait_for(fd, POLLIN, deadline))
        return failure(std::move(r), fmt::format("no complete reply from the daemon within {} ms ({} bytes received)",
                                                 budget_ms, reader.bytes_read()));
      continue;
    }
    retryable = reader.bytes_read() == 0;
    return failure(std::move(r), fmt::format("reading the reply failed after {} bytes: {}", reader.bytes_read(),
                                             errno_text(errno)));
  }
  if (reader.status() == AmpReader::Status::Error)
    return failure(std::move(r), "malformed reply frame: " + reader.error());

  std::vector<std::string>& parts = reader.parts();
  if (parts.size() != 2)
    return failure(std::move(r), fmt::format("the reply has {} parts, expected 2 (result and message id)",
                                             parts.size()));
  if (parts[1] != "s:" + id)
    return failure(std::move(r), fmt::format("the reply is for message '{}', expected 's:{}'", printable(parts[1]),
                                             id));
  if (parts[0].compare(0, 2, "j:") != 0) {
    std::string head;
    for (size_t k = 0; k < std::min<size_t>(2, parts[0].size()); ++k)
      head += fmt::format(" 0x{:02x}", static_cast<unsigned char>(parts[0][k]));
    return failure(std::move(r), fmt::format("the reply's result is not JSON (it starts with{})",
                                             head.empty() ? " nothing" : head));
  }
  MonitorReply reply = parse_monitor_reply(std::string_view(parts[0]).substr(2));
  switch (reply.kind) {
    case ReplyKind::Ok:
      r.state = DaemonState::Ok;
      r.processes = std::move(reply.processes);
      r.message = fmt::format("{} processes", r.processes.size());
      return r;
    case ReplyKind::DaemonError:
      return failure(std::move(r), "the daemon answered getMonitorData with an error: " + reply.error);
    case ReplyKind::Malformed:
      break;
  }
  return failure(std::move(r), "malformed reply: " + reply.error);
}

DaemonListing query(const std::string& daemon_rpc_port, const DaemonOptions& options, Clock::time_point start) {
  const Clock::time_point deadline = start + options.deadline;
  AxonAddress address = parse_axon_address(daemon_rpc_port);
  if (!address.ok) return failure(DaemonListing{}, address.error);

  // A daemon that is shutting down (`pm2 kill`) or being killed can accept a
  // connection and then reset it. Asking again a moment later then finds the
  // socket gone or refused (no daemon) or a new daemon: both are answers.
  constexpr int kAttempts = 3;
  for (int n = 1;; ++n) {
    bool retryable = false;
    DaemonListing r = attempt(address, options, deadline, retryable);
    if (!retryable || n == kAttempts || remaining_ms(deadline) < 30) {
      if (retryable && n > 1) r.message += fmt::format(" ({} attempts)", n);
      return r;
    }
    struct timespec ts {0, 20 * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
}

}  // namespace

DaemonListing query_process_list(const std::string& daemon_rpc_port, const DaemonOptions& options) {
  const Clock::time_point start = Clock::now();
  DaemonListing r = query(daemon_rpc_port, options, start);
  r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  return r;
}

}  // namespace pm2guard::shim

#include "daemon_client.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "pm2_sandbox.h"

using namespace pm2guard::shim;
using pm2guard::testing::Pm2App;
using pm2guard::testing::Pm2Sandbox;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A private directory for sockets, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/pm2g-t-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// A thread that is joined however the test leaves its scope.
struct JoiningThread {
  std::thread t;
  template <typename F>
  explicit JoiningThread(F f) : t(std::move(f)) {}
  ~JoiningThread() { join(); }
  void join() {
    if (t.joinable()) t.join();
  }
};

int listen_unix(const std::string& path, int backlog = 16) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() <= sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.data(), path.size());
  socklen_t len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + path.size());
  REQUIRE(::bind(fd, reinterpret_cast<struct sockaddr*>(&addr), len) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  return fd;
}

void write_all(int fd, std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; that is its test's business
    off += static_cast<size_t>(n);
  }
}

std::string reply_frame(const std::string& json_text, const std::string& id) {
  return encode_amp({"j:" + json_text, "s:" + id});
}

const char* kTwoApps = R"({"args":[[
  {"pid":11,"name":"web","pm2_env":{"namespace":"default","status":"online","pm_exec_path":"/srv/web.js",
   "pm_cwd":"/srv","GITHUB_REPOSITORY":"acme/web","DB_PASSWORD":"hunter2","env":{"GITHUB_JOB":"deploy"}},
   "pm_id":0,"monit":{"memory":1,"cpu":0}},
  {"pid":0,"name":"billing","pm2_env":{"namespace":"billing","status":"stopped"},"pm_id":1}
]]})";

// A stand-in for the daemon: accepts one connection on `path`, reads the
// request, then hands the connection to a scripted behaviour.
class FakeDaemon {
 public:
  using Behaviour = std::function<void(FakeDaemon&, int fd, const std::string& id)>;

  FakeDaemon(const std::string& path, Behaviour behaviour) : FakeDaemon(path, std::vector<Behaviour>{behaviour}) {}
  /// One behaviour per connection, in order. `stop_listening` closes the
  /// listening socket after the last one, leaving a stale socket file.
  FakeDaemon(const std::string& path, std::vector<Behaviour> behaviours, bool stop_listening = false)
      : path_(path), behaviours_(std::move(behaviours)), stop_listening_(stop_listening) {
    listen_fd_ = listen_unix(path);
    REQUIRE(::pipe2(stop_, O_CLOEXEC) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDaemon() {
    char c = 'x';
    (void)!::write(stop_[1], &c, 1);
    thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
    ::unlink(path_.c_str());
  }
  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;

  std::string request() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_;
  }

  // Waits until the client closes its end or the test ends.
  void wait_for_close(int fd) {
    char buf[256];
    for (;;) {
      struct pollfd p[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno == EINTR) continue;
      if (p[1].revents) return;
      if (p[0].revents) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
      }
    }
  }
  // Sleeps, but wakes up when the test ends.
  void pause(std::chrono::milliseconds d) {
    struct pollfd p = {stop_[0], POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
  }

 private:
  void serve() {
    for (size_t i = 0; i < behaviours_.size(); ++i)
      if (!serve_one(behaviours_[i], stop_listening_ && i + 1 == behaviours_.size())) return;
  }

  bool serve_one(Behaviour& behaviour, bool last) {
    struct pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    while (::poll(p, 2, -1) < 0 && errno == EINTR) {
    }
    if (p[1].revents || !p[0].revents) return false;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return false;
    if (last) {
      // Gone before this connection ends: whoever asks next is refused.
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    std::string id;
    if (behaviour) {
      AmpReader reader(1 << 20);
      std::string raw;
      char buf[4096];
      while (reader.status() == AmpReader::Status::NeedMore) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
        size_t used = 0;
        reader.feed(buf, static_cast<size_t>(n), used);
      }
      if (reader.status() == AmpReader::Status::Done && reader.parts().size() == 2 &&
          reader.parts()[1].rfind("s:", 0) == 0)
        id = reader.parts()[1].substr(2);
      std::lock_guard<std::mutex> lock(mu_);
      request_ = raw;
    }
    // An empty behaviour closes at once, the request unread: the client
    // sees the connection reset.
    if (behaviour) behaviour(*this, fd, id);
    ::close(fd);
    return true;
  }

  std::string path_;
  std::vector<Behaviour> behaviours_;
  bool stop_listening_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  std::mutex mu_;
  std::string request_;
};

DaemonListing query(const std::string& path, std::chrono::milliseconds deadline = 2000ms,
                    size_t max_bytes = DaemonOptions{}.max_reply_bytes) {
  DaemonOptions o;
  o.deadline = deadline;
  o.max_reply_bytes = max_bytes;
  return query_process_list(path, o);
}

// State letter of a process from /proc/<pid>/stat, or 0 when it is gone.
char proc_state(long pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  std::getline(f, stat);
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : 0;
}

// Waits until `pid` has released its files: gone, or a zombie whose other
// threads have exited too (a SIGKILLed thread group leader turns zombie
// while its threads, which share the open sockets, are still exiting).
bool wait_until_dead(long pid) {
  for (int i = 0; i < 300; ++i) {
    if (::kill(static_cast<pid_t>(pid), 0) != 0) return true;
    std::error_code ec;
    auto tasks = std::distance(fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec), fs::directory_iterator());
    if (proc_state(pid) == 'Z' && tasks <= 1) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// What pm2 jlist says, reduced the same way, from the full DOM.
ProcessInfo expected_from_jlist(const json& p) {
  ProcessInfo e;
  const json& env = p.at("pm2_env");
  e.pm_id = p.at("pm_id").get<int>();
  e.name = p.at("name").get<std::string>();
  e.ns = env.value("namespace", std::string("default"));
  e.status = env.value("status", std::string());
  e.pid = p.value("pid", 0L);
  e.exec_path = env.value("pm_exec_path", std::string());
  e.cwd = env.value("pm_cwd", std::string());
  e.is_module = env.contains("pmx_module") && env["pmx_module"] == true;
  for (std::string_view v : ci_ownership_variables()) {
    std::string k(v);
    if (env.contains(k) && env[k].is_string())
      e.ci[k] = env[k].get<std::string>();
    else if (env.contains("env") && env["env"].contains(k) && env["env"][k].is_string())
      e.ci[k] = env["env"][k].get<std::string>();
  }
  return e;
}

}  // namespace

TEST_CASE("AMP frames are read incrementally and bounded", "[daemon_client][amp]") {
  const std::string frame = encode_amp({"j:{\"args\":[[]]}", "s:id:1"});
  REQUIRE(frame.size() == 1 + 4 + 15 + 4 + 6);
  CHECK(static_cast<unsigned char>(frame[0]) == 0x12);

  SECTION("byte by byte") {
    AmpReader r(1024);
    for (size_t i = 0; i < frame.size(); ++i) {
      size_t used = 0;
      AmpReader::Status s = r.feed(frame.data() + i, 1, used);
      CHECK(used == 1);
      CHECK(s == (i + 1 == frame.size() ? AmpReader::Status::Done : AmpReader::Status::NeedMore));
    }
    CHECK(r.parts() == std::vector<std::string>{"j:{\"args\":[[]]}", "s:id:1"});
    CHECK(r.bytes_read() == frame.size());
    r.wipe();
    CHECK(r.parts().empty());
  }
  SECTION("bytes after the frame are left alone") {
    AmpReader r(1024);
    std::string two = frame + "garbage";
    size_t used = 0;
    CHECK(r.feed(two.data(), two.size(), used) == AmpReader::Status::Done);
    CHECK(used == frame.size());
  }
  SECTION("empty parts") {
    AmpReader r(1024);
    std::string f = encode_amp({"", "s:x"});
    size_t used = 0;
    CHECK(r.feed(f.data(), f.size(), used) == AmpReader::Status::Done);
    CHECK(r.parts() == std::vector<std::string>{"", "s:x"});
  }
  SECTION("an absurd length is refused before anything is allocated") {
    AmpReader r(1 << 20);
    const char huge[] = {0x12, '\xff', '\xff', '\xff', '\xff', 'j'};
    size_t used = 0;
    CHECK(r.feed(huge, sizeof huge, used) == AmpReader::Status::Error);
    CHECK(r.error() == "part 1 of the frame announces 4294967295 bytes, over the 1048576 byte limit for a reply");
  }
  SECTION("the bound covers all parts together") {
    AmpReader r(20);
    std::string f = encode_amp({std::string(15, 'a'), std::string(6, 'b')});
    size_t used = 0;
    CHECK(r.feed(f.data(), f.size(), used) == AmpReader::Status::Error);
    CHECK(r.error().find("part 2 ") == 0);
  }
  SECTION("not AMP") {
    AmpReader r(1024);
    size_t used = 0;
    CHECK(r.feed("HTTP/1.1", 8, used) == AmpReader::Status::Error);
    CHECK(r.error() == "not an AMP version 1 frame (header byte 0x48)");
    AmpReader r0(1024);
    const char zero[] = {0x10};
    CHECK(r0.feed(zero, 1, used) == AmpReader::Status::Error);
    CHECK(r0.error() == "an AMP frame without parts");
  }
}

TEST_CASE("DAEMON_RPC_PORT is read the way pm2-axon reads it", "[daemon_client]") {
  auto path = [](std::string_view v) {
    AxonAddress a = parse_axon_address(v);
    return a.ok ? a.path : "ERROR: " + a.error;
  };
  CHECK(path("/root/.pm2/rpc.sock") == "/root/.pm2/rpc.sock");
  CHECK(path("rel/rpc.sock") == "rel/rpc.sock");
  CHECK(path("/srv/a:b/rpc.sock") == "/srv/a:b/rpc.sock");
  CHECK(path(" /x/rpc.sock") == " /x/rpc.sock");  // no scheme: verbatim, like pm2-axon
  CHECK(path("unix:///tmp/x.sock") == "/tmp/x.sock");
  CHECK(path("unix:/tmp/x.sock") == "/tmp/x.sock");
  CHECK(path("UNIX:/tmp/x.sock") == "/tmp/x.sock");
  CHECK(path(" unix:/tmp/x.sock ") == "/tmp/x.sock");
  for (const char* unsupported : {"tcp://127.0.0.1:6666", "a:b", "C:/pm2/rpc.sock", "http:", "file:///tmp/x",
                                  "unix://host/tmp/x", "unix:rel", "unix:", "unix:/tmp/a%20b", "unix:/tmp/a b",
                                  "unix:/tmp/x?y", "unix:/tmp/x#y", "unix:/tmp/../x", "unix:/tmp/./x"}) {
    INFO(unsupported);
    CHECK(path(unsupported).rfind("ERROR: ", 0) == 0);
  }
  CHECK(path("tcp://127.0.0.1:6666") ==
        "ERROR: the RPC socket 'tcp://127.0.0.1:6666' reads as a 'tcp:' URL to pm2, which would then use TCP or "
        "fail; not supported");
  CHECK(path("") == "ERROR: the RPC socket path is empty");
}

TEST_CASE("long socket paths are cut as node cuts them", "[daemon_client]") {
  CHECK(unix_socket_candidates("/short/rpc.sock") == std::vector<std::string>{"/short/rpc.sock"});
  std::string p107(107, 'a'), p108(108, 'b'), p150(150, 'c');
  CHECK(unix_socket_candidates(p107) == std::vector<std::string>{p107});
  CHECK(unix_socket_candidates(p108) == std::vector<std::string>{p108, p108.substr(0, 107)});
  CHECK(unix_socket_candidates(p150) == std::vector<std::string>{p150.substr(0, 108), p150.substr(0, 107)});
}

TEST_CASE("no socket means no daemon", "[daemon_client]") {
  TempDir t;
  DaemonListing r = query(t.path + "/rpc.sock");
  CHECK(r.state == DaemonState::NoDaemon);
  CHECK(r.message == fmt::format("no pm2 daemon: {}/rpc.sock does not exist", t.path));
  CHECK(r.processes.empty());
  CHECK(daemon_state_name(r.state) == "no daemon");
  CHECK(daemon_state_name(DaemonState::Ok) == "ok");
  CHECK(daemon_state_name(DaemonState::Failure) == "failure");

  r = query(t.path + "/missing-dir/rpc.sock");
  CHECK(r.state == DaemonState::NoDaemon);
}

TEST_CASE("a socket file nobody listens on means no daemon", "[daemon_client]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  ::close(listen_unix(sock));  // a daemon that died without cleaning up
  REQUIRE(fs::exists(sock));
  DaemonListing r = query(sock);
  CHECK(r.state == DaemonState::NoDaemon);
  CHECK(r.message == fmt::format("no pm2 daemon: nothing listens on {} (a stale socket)", sock));

  // A plain file where the socket should be: pm2 would replace it.
  const std::string file = t.path + "/file.sock";
  { std::FILE* f = std::fopen(file.c_str(), "w"); REQUIRE(f); std::fclose(f); }
  CHECK(query(file).state == DaemonState::NoDaemon);
}

TEST_CASE("other connect errors are failures", "[daemon_client]") {
  TempDir t;
  const std::string not_dir = t.path + "/plain";
  { std::FILE* f = std::fopen(not_dir.c_str(), "w"); REQUIRE(f); std::fclose(f); }
  DaemonListing r = query(not_dir + "/rpc.sock");
  CHECK(r.state == DaemonState::Failure);
  CHECK(r.message.find("ENOTDIR") != std::string::npos);

  r = query("tcp://127.0.0.1:9");
  CHECK(r.state == DaemonState::Failure);
  CHECK(r.message.find("'tcp:' URL") != std::string::npos);
}

TEST_CASE("a well-formed reply gives the process list", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon&, int fd, const std::string& id) { write_all(fd, reply_frame(kTwoApps, id)); });
  DaemonListing r = query(sock);
  INFO(r.message);
  REQUIRE(r.state == DaemonState::Ok);
  CHECK(r.socket == sock);
  REQUIRE(r.processes.size() == 2);
  CHECK(r.processes[0].serialize() ==
        "#0 web@default online pid=11 exec=/srv/web.js cwd=/srv {GITHUB_JOB=deploy, GITHUB_REPOSITORY=acme/web}");
  CHECK(r.processes[1].serialize() == "#1 billing@billing stopped pid=0");
  CHECK(r.elapsed > 0us);
  // The request is exactly what pm2-axon's req socket would send.
  const std::string id = fmt::format("pm2guard-{}:0", static_cast<long>(::getpid()));
  CHECK(d.request() == encode_amp({R"(j:{"type":"call","method":"getMonitorData","args":[{}]})", "s:" + id}));
}

TEST_CASE("a reply that arrives in pieces is reassembled", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon& self, int fd, const std::string& id) {
    std::string f = reply_frame(kTwoApps, id);
    for (size_t i = 0; i < f.size(); i += 7) {
      write_all(fd, std::string_view(f).substr(i, 7));
      if (i % 70 == 0) self.pause(1ms);
    }
  });
  DaemonListing r = query(sock);
  INFO(r.message);
  REQUIRE(r.state == DaemonState::Ok);
  CHECK(r.processes.size() == 2);
}

TEST_CASE("unix: URLs reach the same socket", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon&, int fd, const std::string& id) { write_all(fd, reply_frame(R"({"args":[[]]})", id)); });
  DaemonListing r = query("unix://" + sock);
  INFO(r.message);
  CHECK(r.state == DaemonState::Ok);
  CHECK(r.socket == sock);
}

TEST_CASE("bad replies fail with a clear message within the deadline", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  struct Case {
    const char* what;
    FakeDaemon::Behaviour behaviour;
    std::string message;  // the start of the expected message
  };
  const std::vector<Case> cases = {
      {"garbage", [](FakeDaemon&, int fd, const std::string&) { write_all(fd, "HTTP/1.1 400 Bad Request\r\n\r\n"); },
       "malformed reply frame: not an AMP version 1 frame (header byte 0x48)"},
      {"truncated frame",
       [](FakeDaemon&, int fd, const std::string& id) {
         std::string f = reply_frame(kTwoApps, id);
         write_all(fd, f.substr(0, f.size() / 2));
       },
       "the daemon closed the connection after "},
      {"huge length",
       [](FakeDaemon& self, int fd, const std::string&) {
         write_all(fd, std::string("\x12\xff\xff\xff\xf0j:", 7));
         self.wait_for_close(fd);
       },
       "malformed reply frame: part 1 of the frame announces 4294967280 bytes, over the 67108864 byte limit"},
      {"closed without a reply", [](FakeDaemon&, int, const std::string&) {},
       "the daemon closed the connection without replying"},
      {"error reply",
       [](FakeDaemon&, int fd, const std::string& id) {
         write_all(fd, reply_frame(R"({"error":"boom","stack":"Error: boom\n at x"})", id));
       },
       "the daemon answered getMonitorData with an error: boom"},
      {"wrong id", [](FakeDaemon&, int fd, const std::string&) { write_all(fd, reply_frame(R"({"args":[[]]})", "77:3")); },
       "the reply is for message 's:77:3', expected 's:pm2guard-"},
      {"three parts",
       [](FakeDaemon&, int fd, const std::string& id) { write_all(fd, encode_amp({"j:{}", "j:{}", "s:" + id})); },
       "the reply has 3 parts, expected 2"},
      {"not JSON", [](FakeDaemon&, int fd, const std::string& id) { write_all(fd, encode_amp({"s:hello", "s:" + id})); },
       "the reply's result is not JSON (it starts with 0x73 0x3a)"},
      {"malformed JSON",
       [](FakeDaemon&, int fd, const std::string& id) {
         write_all(fd, reply_frame(R"({"args":[[{"pm_id":0,"name":"a","pm2_env":{"DB_PASSWORD":"hunter2)", id));
       },
       "malformed reply: malformed JSON at byte "},
      {"not a process list",
       [](FakeDaemon&, int fd, const std::string& id) { write_all(fd, reply_frame(R"({"args":[{"x":1}]})", id)); },
       "malformed reply: the result is not an array of processes"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.what) {
      // Three connections: a hang-up before the reply is retried.
      FakeDaemon d(sock, std::vector<FakeDaemon::Behaviour>(3, c.behaviour));
      DaemonListing r = query(sock, 5000ms);
      INFO(r.message);
      CHECK(r.state == DaemonState::Failure);
      CHECK(r.message.rfind(c.message, 0) == 0);
      CHECK(r.message.find("hunter2") == std::string::npos);
      CHECK(r.processes.empty());
      CHECK(r.elapsed < 4900ms);  // none of these waits for the (5 s) deadline
    }
  }
}

TEST_CASE("a connection reset before the reply is tried again", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  auto answer = [](FakeDaemon&, int fd, const std::string& id) { write_all(fd, reply_frame(kTwoApps, id)); };
  auto close_now = [](FakeDaemon&, int, const std::string&) {};

  SECTION("the daemon answers the second time") {
    FakeDaemon d(sock, {FakeDaemon::Behaviour{}, answer});
    DaemonListing r = query(sock);
    INFO(r.message);
    CHECK(r.state == DaemonState::Ok);
    CHECK(r.processes.size() == 2);
  }
  SECTION("the daemon is gone the second time: no daemon") {
    FakeDaemon d(sock, {FakeDaemon::Behaviour{}}, true);
    DaemonListing r = query(sock);
    INFO(r.message);
    CHECK(r.state == DaemonState::NoDaemon);
    CHECK(r.message.find("stale socket") != std::string::npos);
  }
  SECTION("a peer that keeps hanging up fails after three attempts") {
    FakeDaemon d(sock, {close_now, close_now, close_now});
    DaemonListing r = query(sock);
    CHECK(r.state == DaemonState::Failure);
    CHECK(r.message == "the daemon closed the connection without replying (3 attempts)");
  }
  SECTION("a reset with an unread request") {
    FakeDaemon d(sock, {FakeDaemon::Behaviour{}, FakeDaemon::Behaviour{}, FakeDaemon::Behaviour{}});
    DaemonListing r = query(sock);
    INFO(r.message);
    CHECK(r.state == DaemonState::Failure);
    bool reset = r.message.find("ECONNRESET") != std::string::npos || r.message.find("EPIPE") != std::string::npos ||
                 r.message.find("without replying") != std::string::npos;
    CHECK(reset);
    CHECK(r.message.find("(3 attempts)") != std::string::npos);
  }
}

TEST_CASE("a daemon that never answers times out at the deadline", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon& self, int fd, const std::string&) { self.wait_for_close(fd); });
  DaemonListing r = query(sock, 300ms);
  CHECK(r.state == DaemonState::Failure);
  CHECK(r.message == "no complete reply from the daemon within 300 ms (0 bytes received)");
  CHECK(r.elapsed >= 300ms);
  CHECK(r.elapsed < 5000ms);  // the deadline, plus scheduling on a busy machine: not forever
}

TEST_CASE("a reply cut off mid-frame by silence times out too", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon& self, int fd, const std::string& id) {
    write_all(fd, reply_frame(kTwoApps, id).substr(0, 20));
    self.wait_for_close(fd);
  });
  DaemonListing r = query(sock, 500ms);
  CHECK(r.state == DaemonState::Failure);
  CHECK(r.message == "no complete reply from the daemon within 500 ms (20 bytes received)");
}

TEST_CASE("the reply size limit is configurable", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon& self, int fd, const std::string& id) {
    write_all(fd, reply_frame(kTwoApps, id));
    self.wait_for_close(fd);
  });
  DaemonListing r = query(sock, 1000ms, 100);
  CHECK(r.state == DaemonState::Failure);
  CHECK(r.message.find("over the 100 byte limit") != std::string::npos);
}

TEST_CASE("a full listen backlog is a timeout, not 'no daemon'", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  int lfd = listen_unix(sock, 0);
  // Fill the backlog with connections nobody accepts.
  std::vector<int> fillers;
  bool full = false;
  for (int i = 0; i < 8 && !full; ++i) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, sock.data(), sock.size());
    int rc = ::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    full = rc != 0 && errno == EAGAIN;
    fillers.push_back(fd);
  }
  REQUIRE(full);
  DaemonListing r = query(sock, 200ms);
  CHECK(r.state == DaemonState::Failure);
  CHECK(r.message == fmt::format("the daemon at {} accepted no connection within 200 ms", sock));
  CHECK(r.elapsed >= 200ms);
  for (int fd : fillers) ::close(fd);
  ::close(lfd);
}

namespace {
std::atomic<int> g_signals{0};
void count_signal(int) { g_signals.fetch_add(1); }
}  // namespace

TEST_CASE("signals interrupting the wait do not break the exchange", "[daemon_client][fake]") {
  TempDir t;
  const std::string sock = t.path + "/rpc.sock";
  FakeDaemon d(sock, [](FakeDaemon& self, int fd, const std::string& id) {
    self.pause(150ms);
    write_all(fd, reply_frame(kTwoApps, id));
  });
  // No SA_RESTART: every signal makes poll() and recv() fail with EINTR.
  struct sigaction sa {}, old {};
  sa.sa_handler = count_signal;
  sigemptyset(&sa.sa_mask);
  REQUIRE(::sigaction(SIGUSR1, &sa, &old) == 0);
  g_signals = 0;
  std::atomic<bool> done{false};
  pthread_t main_thread = ::pthread_self();
  JoiningThread pest([&] {
    while (!done) {
      ::pthread_kill(main_thread, SIGUSR1);
      std::this_thread::sleep_for(2ms);
    }
  });
  DaemonListing r = query(sock, 2000ms);
  done = true;
  pest.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  INFO(r.message);
  CHECK(r.state == DaemonState::Ok);
  CHECK(r.processes.size() == 2);
  CHECK(g_signals > 5);
}

// pm2-axon's own rep socket and rpc server, run by node, bound where pm2
// would bind: checks the framing against pm2's code and node's truncation of
// socket paths longer than sun_path.
TEST_CASE("pm2's own axon-rpc server answers the client", "[daemon_client][node]") {
  std::optional<std::string> node = pm2guard::testing::find_on_path("node");
  if (!node) FAIL("node is not on PATH");
  const std::string pm2 = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/pm2";
  TempDir t;
  const std::string script = R"(
const axon = require(process.argv[2] + '/modules/pm2-axon');
const rpc = require(process.argv[2] + '/modules/pm2-axon-rpc');
const rep = axon.socket('rep');
const server = new rpc.Server(rep);
server.expose({ getMonitorData: (env, cb) => cb(null, [{ pid: 7, name: 'n', pm_id: 3,
  pm2_env: { namespace: 'ns', status: 'online', GITHUB_REPOSITORY: 'acme/x', SECRET: 's' } }]) });
rep.bind(process.argv[1]);
rep.on('bind', () => console.log('bound'));
rep.on('message', () => setTimeout(() => process.exit(0), 100));
setTimeout(() => process.exit(3), 30000).unref();
)";
  const std::string node_bin = *node, cwd = t.path;
  auto run_server = [&](const std::string& address) {
    return std::make_unique<JoiningThread>([node_bin, script, address, pm2, cwd] {
      pm2guard::testing::run_command({node_bin, "-e", script, address, pm2}, {"PATH=/usr/bin:/bin"}, cwd, 40000ms);
    });
  };
  // The socket file appears at bind(), before node listens on it: a
  // refused connection right after is the race, not an answer.
  auto query_listening = [](const std::string& address) {
    DaemonListing r;
    for (int i = 0; i < 200; ++i) {
      r = query(address, 10000ms);
      if (r.message.find("nothing listens") == std::string::npos) break;
      std::this_thread::sleep_for(50ms);
    }
    return r;
  };
  auto wait_for = [](const std::string& path) {
    // node can take seconds to start on a loaded machine
    for (int i = 0; i < 1500 && !fs::exists(path); ++i) std::this_thread::sleep_for(10ms);
    return fs::exists(path);
  };

  SECTION("a plain path") {
    const std::string sock = t.path + "/rpc.sock";
    auto server = run_server(sock);
    REQUIRE(wait_for(sock));
    DaemonListing r = query_listening(sock);
    server->join();
    INFO(r.message);
    REQUIRE(r.state == DaemonState::Ok);
    REQUIRE(r.processes.size() == 1);
    CHECK(r.processes[0].serialize() == "#3 n@ns online pid=7 {GITHUB_REPOSITORY=acme/x}");
  }
  SECTION("a path longer than sun_path") {
    std::string dir = t.path + "/" + std::string(60, 'd') + "/" + std::string(60, 'e');
    fs::create_directories(dir);
    const std::string sock = dir + "/rpc.sock";
    REQUIRE(sock.size() > 108);
    auto server = run_server(sock);
    // node binds the first 108 bytes of the path.
    const std::string cut = sock.substr(0, 108);
    bool bound = wait_for(cut);
    DaemonListing r = query_listening(sock);
    server->join();
    REQUIRE(bound);
    INFO(r.message);
    CHECK(r.state == DaemonState::Ok);
    CHECK(r.socket == cut);
  }
  SECTION("a unix: URL, as pm2-axon parses it") {
    const std::string sock = t.path + "/url.sock";
    auto server = run_server("unix://" + sock);
    REQUIRE(wait_for(sock));
    DaemonListing r = query_listening("unix://" + sock);
    server->join();
    INFO(r.message);
    CHECK(r.state == DaemonState::Ok);
  }
}

TEST_CASE("the list from a real pm2 daemon equals `pm2 jlist`", "[daemon_client][pm2]") {
  Pm2Sandbox sb;
  // Two deploys, as two CI jobs would run them: the job's variables reach
  // pm2 through the environment of the pm2 command.
  sb.start({{"web-api", "default", {}}, {"web-worker", "default", {}}, {"web-cron", "default", {}}},
           {{"GITHUB_REPOSITORY", "acme/web"},
            {"GITHUB_RUN_ID", "101"},
            {"GITHUB_WORKFLOW", "deploy"},
            {"DB_PASSWORD", "hunter2-web"}});
  sb.start({{"billing-api", "billing", {{"GITHUB_REPOSITORY", "acme/billing-api"}, {"FORGEJO_REPOSITORY", "acme/billing-api"}}},
            {"billing-cron", "billing", {}}},
           {{"GITHUB_REPOSITORY", "acme/billing"}, {"GITEA_ACTIONS", "true"}, {"API_TOKEN", "tok-billing"}});
  sb.pm2_ok({"stop", "web-worker"});

  DaemonListing r = query_process_list(sb.rpc_socket());
  INFO(r.message);
  REQUIRE(r.state == DaemonState::Ok);
  std::chrono::microseconds jlist_wall{};
  json jl = sb.jlist(&jlist_wall);

  std::vector<ProcessInfo> expected;
  for (const json& p : jl) expected.push_back(expected_from_jlist(p));
  auto by_id = [](const ProcessInfo& a, const ProcessInfo& b) { return a.pm_id < b.pm_id; };
  std::vector<ProcessInfo> got = r.processes;
  std::sort(got.begin(), got.end(), by_id);
  std::sort(expected.begin(), expected.end(), by_id);
  REQUIRE(got.size() == 5);
  CHECK(got == expected);

  std::map<std::string, const ProcessInfo*> by_name;
  for (const ProcessInfo& p : got) by_name[p.name] = &p;
  CHECK(by_name.at("web-api")->ns == "default");
  CHECK(by_name.at("web-api")->status == "online");
  CHECK(by_name.at("web-api")->pid > 0);
  CHECK(by_name.at("web-api")->exec_path == sb.idle_script());
  CHECK(by_name.at("web-api")->ci ==
        std::map<std::string, std::string>{
            {"GITHUB_REPOSITORY", "acme/web"}, {"GITHUB_RUN_ID", "101"}, {"GITHUB_WORKFLOW", "deploy"}});
  CHECK(by_name.at("web-worker")->status == "stopped");
  CHECK(by_name.at("web-worker")->pid == 0);
  CHECK(by_name.at("billing-api")->ns == "billing");
  CHECK(by_name.at("billing-api")->ci.at("GITHUB_REPOSITORY") == "acme/billing-api");  // the app's env wins
  CHECK(by_name.at("billing-api")->ci.at("FORGEJO_REPOSITORY") == "acme/billing-api");
  CHECK(by_name.at("billing-cron")->ci.at("GITHUB_REPOSITORY") == "acme/billing");
  CHECK(by_name.at("billing-cron")->ci.at("GITEA_ACTIONS") == "true");
  for (const ProcessInfo& p : got) {
    CHECK_FALSE(p.is_module);
    CHECK(p.serialize().find("hunter2") == std::string::npos);
    CHECK(p.serialize().find("tok-billing") == std::string::npos);
  }
  // The secrets were really there for the parser to drop.
  CHECK(jl.dump().find("hunter2-web") != std::string::npos);
  CHECK(jl.dump().find("tok-billing") != std::string::npos);

  // Round trip of getMonitorData against the wall time of `pm2 jlist`.
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    DaemonListing again = query_process_list(sb.rpc_socket());
    REQUIRE(again.state == DaemonState::Ok);
    ms.push_back(static_cast<double>(again.elapsed.count()) / 1000.0);
  }
  std::sort(ms.begin(), ms.end());
  WARN(fmt::format("getMonitorData over rpc.sock, {} processes: median {:.2f} ms (min {:.2f}, max {:.2f}, "
                   "{} calls); `pm2 jlist` wall time: {:.0f} ms",
                   got.size(), ms[ms.size() / 2], ms.front(), ms.back(), ms.size(),
                   static_cast<double>(jlist_wall.count()) / 1000.0));

  // A daemon killed without cleaning up leaves a stale socket: no daemon.
  long daemon = sb.daemon_pid();
  REQUIRE(daemon > 0);
  REQUIRE(::kill(static_cast<pid_t>(daemon), SIGKILL) == 0);
  REQUIRE(wait_until_dead(daemon));
  REQUIRE(fs::exists(sb.rpc_socket()));
  DaemonListing stale = query_process_list(sb.rpc_socket());
  CHECK(stale.state == DaemonState::NoDaemon);

  CHECK(stale.message.find("stale socket") != std::string::npos);
  // Its apps outlive it for a moment (until their IPC channel's loss ends
  // them); the sandbox's destructor kills whatever is left.
}

TEST_CASE("the sandbox leaves nothing behind", "[daemon_client][pm2]") {
  std::string home;
  std::vector<long> pids;
  {
    Pm2Sandbox sb;
    home = sb.pm2_home();
    sb.start({{"a", "default", {}}, {"b", "other", {}}});
    pids = sb.live_processes();
    CHECK(pids.size() >= 3);  // the daemon and both apps
    DaemonListing r = query_process_list(sb.rpc_socket());
    CHECK(r.state == DaemonState::Ok);
    CHECK(r.processes.size() == 2);
  }
  CHECK_FALSE(fs::exists(home));
  for (long pid : pids) {
    INFO(pid);
    CHECK(wait_until_dead(pid));
  }
}

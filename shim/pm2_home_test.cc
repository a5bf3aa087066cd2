#include "pm2_home.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "pm2_sandbox.h"

using namespace pm2guard::shim;

namespace {

const std::optional<std::string> kPasswd = std::string("/home/pw");
const std::optional<std::string> kCwd = std::string("/work/dir");

PathInputs inputs(std::map<std::string, std::string> env, std::optional<std::string> passwd = kPasswd,
                  std::optional<std::string> cwd = kCwd) {
  PathInputs in;
  in.getenv = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  in.passwd_home = [passwd]() { return passwd; };
  in.cwd = std::move(cwd);
  return in;
}

Pm2Paths resolve_ok(const PathInputs& in) {
  std::string error;
  std::optional<Pm2Paths> p = resolve_pm2_paths(in, error);
  INFO(error);
  REQUIRE(p);
  CHECK(error.empty());
  return *p;
}

std::string resolve_error(const PathInputs& in) {
  std::string error;
  std::optional<Pm2Paths> p = resolve_pm2_paths(in, error);
  CHECK_FALSE(p);
  return error;
}

}  // namespace

TEST_CASE("node_path_resolve follows path.resolve", "[pm2_home]") {
  auto r = [](std::vector<std::string_view> segs, std::optional<std::string> cwd = kCwd) {
    return node_path_resolve(segs, cwd).value_or("<none>");
  };
  CHECK(r({"/a/b", "rpc.sock"}) == "/a/b/rpc.sock");
  CHECK(r({"/a/b/", "rpc.sock"}) == "/a/b/rpc.sock");
  CHECK(r({"/a//b/./c/..", "x"}) == "/a/b/x");
  CHECK(r({"/..", "x"}) == "/x");
  CHECK(r({"rel", "x"}) == "/work/dir/rel/x");
  CHECK(r({"../up", "x"}) == "/work/up/x");
  CHECK(r({"/a", "/b", "x"}) == "/b/x");
  CHECK(r({"", "x"}) == "/work/dir/x");
  CHECK(r({"/", ".pm2"}) == "/.pm2");
  CHECK(r({"..."}) == "/work/dir/...");
  CHECK(r({"rel"}, std::nullopt) == "<none>");
  CHECK(r({"/abs"}, std::nullopt) == "/abs");
  CHECK(r({"a", ".."}, std::string("rel/cwd")) == "rel/cwd");
  CHECK(r({"../../.."}, std::string("rel")) == "../..");
}

TEST_CASE("PM2_HOME is taken verbatim and the files resolved against it", "[pm2_home]") {
  Pm2Paths p = resolve_ok(inputs({{"PM2_HOME", "/srv/pm2/"}, {"HOME", "/root"}}));
  CHECK(p.home == "/srv/pm2/");
  CHECK(p.home_source == HomeSource::Pm2HomeVar);
  CHECK(p.rpc_socket == "/srv/pm2/rpc.sock");
  CHECK(p.pub_socket == "/srv/pm2/pub.sock");
  CHECK(p.pid_file == "/srv/pm2/pm2.pid");
  CHECK(p.log_file == "/srv/pm2/pm2.log");
  CHECK(p.dump_file == "/srv/pm2/dump.pm2");
  CHECK(p.overrides.empty());
  CHECK(home_source_name(p.home_source) == "PM2_HOME");
  CHECK(home_source_name(HomeSource::OverHome) == "OVER_HOME");
  CHECK(home_source_name(HomeSource::HomeVar) == "HOME");
  CHECK(home_source_name(HomeSource::Passwd) == "passwd");
  CHECK(home_source_name(HomeSource::EtcFallback) == "/etc fallback");

  // Relative: the home stays relative, the files follow the current directory.
  p = resolve_ok(inputs({{"PM2_HOME", "deploy/.pm2"}}));
  CHECK(p.home == "deploy/.pm2");
  CHECK(p.rpc_socket == "/work/dir/deploy/.pm2/rpc.sock");
  CHECK(resolve_error(inputs({{"PM2_HOME", "deploy/.pm2"}}, kPasswd, std::nullopt)).find("current directory") !=
        std::string::npos);
}

TEST_CASE("OVER_HOME replaces PM2_HOME, and empty values count as unset", "[pm2_home]") {
  Pm2Paths p = resolve_ok(inputs({{"OVER_HOME", "/over"}, {"PM2_HOME", "/pm2home"}, {"HOME", "/root"}}));
  CHECK(p.home == "/over");
  CHECK(p.home_source == HomeSource::OverHome);
  CHECK(p.rpc_socket == "/over/rpc.sock");

  p = resolve_ok(inputs({{"OVER_HOME", ""}, {"PM2_HOME", "/pm2home"}}));
  CHECK(p.home == "/pm2home");

  p = resolve_ok(inputs({{"PM2_HOME", ""}, {"HOME", "/root"}}));
  CHECK(p.home == "/root/.pm2");
  CHECK(p.home_source == HomeSource::HomeVar);
}

TEST_CASE("without PM2_HOME: $HOME, then passwd, then /etc", "[pm2_home]") {
  Pm2Paths p = resolve_ok(inputs({{"HOME", "/home/ci/"}}));
  CHECK(p.home == "/home/ci/.pm2");
  CHECK(p.rpc_socket == "/home/ci/.pm2/rpc.sock");

  p = resolve_ok(inputs({{"HOME", "/a//b/../c"}}));
  CHECK(p.home == "/a/c/.pm2");

  p = resolve_ok(inputs({{"HOME", "relhome"}}));
  CHECK(p.home == "/work/dir/relhome/.pm2");
  CHECK(resolve_error(inputs({{"HOME", "relhome"}}, kPasswd, std::nullopt)).find("relhome") != std::string::npos);

  // HOME unset: libuv asks passwd.
  p = resolve_ok(inputs({}));
  CHECK(p.home == "/home/pw/.pm2");
  CHECK(p.home_source == HomeSource::Passwd);

  // HOME set but empty: libuv returns "", paths.js falls back to /etc.
  p = resolve_ok(inputs({{"HOME", ""}}));
  CHECK(p.home == "/etc/.pm2");
  CHECK(p.home_source == HomeSource::EtcFallback);
  CHECK(p.rpc_socket == "/etc/.pm2/rpc.sock");

  p = resolve_ok(inputs({}, std::string("")));
  CHECK(p.home == "/etc/.pm2");

  // No HOME and no passwd entry: os.homedir() throws, pm2 cannot start.
  CHECK(resolve_error(inputs({}, std::nullopt)).find("home directory") != std::string::npos);
  PathInputs no_passwd_fn = inputs({});
  no_passwd_fn.passwd_home = nullptr;
  CHECK_FALSE(resolve_error(no_passwd_fn).empty());
}

TEST_CASE("PM2_* overrides replace single paths verbatim", "[pm2_home]") {
  Pm2Paths p = resolve_ok(inputs({{"PM2_HOME", "/h"},
                                  {"PM2_DAEMON_RPC_PORT", "sock/rpc"},
                                  {"PM2_DAEMON_PUB_PORT", "/p/pub.sock"},
                                  {"PM2_PID_FILE_PATH", "/p/pid"},
                                  {"PM2_LOG_FILE_PATH", "/p//log"},
                                  {"PM2_DUMP_FILE_PATH", "dump"}}));
  CHECK(p.home == "/h");
  CHECK(p.rpc_socket == "sock/rpc");  // not resolved: node connects relative to its cwd
  CHECK(p.pub_socket == "/p/pub.sock");
  CHECK(p.pid_file == "/p/pid");
  CHECK(p.log_file == "/p//log");
  CHECK(p.dump_file == "dump");
  CHECK(p.overrides == std::vector<std::string>{"PM2_DAEMON_RPC_PORT", "PM2_DAEMON_PUB_PORT", "PM2_PID_FILE_PATH",
                                                "PM2_LOG_FILE_PATH", "PM2_DUMP_FILE_PATH"});

  // Keys that contain PM2_ are not prefixed again, and "" is no override.
  p = resolve_ok(inputs({{"PM2_HOME", "/h"},
                         {"PM2_PM2_LOG_FILE_PATH", "/nope"},
                         {"PM2_PM2_PID_FILE_PATH", "/nope"},
                         {"PM2_DAEMON_RPC_PORT", ""},
                         {"DAEMON_RPC_PORT", "/nope"}}));
  CHECK(p.log_file == "/h/pm2.log");
  CHECK(p.pid_file == "/h/pm2.pid");
  CHECK(p.rpc_socket == "/h/rpc.sock");
  CHECK(p.overrides.empty());

  // Overrides apply whatever the home came from.
  p = resolve_ok(inputs({{"OVER_HOME", "/o"}, {"PM2_DAEMON_RPC_PORT", "/r.sock"}}));
  CHECK(p.rpc_socket == "/r.sock");
  CHECK(p.pid_file == "/o/pm2.pid");
}

TEST_CASE("the process overload reads this process's environment", "[pm2_home]") {
  PathInputs in = process_path_inputs();
  REQUIRE(in.cwd);
  char buf[4096];
  REQUIRE(getcwd(buf, sizeof buf) != nullptr);
  CHECK(*in.cwd == buf);
  const char* path = std::getenv("PATH");
  CHECK(in.getenv("PATH") == (path ? std::optional<std::string>(path) : std::nullopt));
  CHECK(in.getenv("PM2GUARD_SURELY_UNSET_VARIABLE") == std::nullopt);
  REQUIRE(in.passwd_home);
  std::optional<std::string> pw = in.passwd_home();
  CHECK(pw.has_value());  // the test user has a passwd entry
  std::string error;
  CHECK(resolve_pm2_paths(error).has_value());
}

// The same inputs through pm2's own paths.js, in one node process: each case
// sets its variables (process.env writes reach libuv's getenv) and calls
// paths.js as constants.js does.
TEST_CASE("resolution matches pm2's paths.js", "[pm2_home][node]") {
  std::optional<std::string> node = pm2guard::testing::find_on_path("node");
  if (!node) FAIL("node is not on PATH");
  const std::string paths_js = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/pm2/paths.js";
  const std::string cwd = "/tmp";

  const std::vector<std::map<std::string, std::string>> cases = {
      {{"HOME", "/tmp/h"}},
      {{"HOME", "/tmp/h/"}, {"PM2_HOME", "/srv/x/"}},
      {{"HOME", "/tmp/h"}, {"PM2_HOME", "rel/home"}},
      {{"HOME", "rel"}},
      {{"HOME", "/a//b/../c/"}},
      {{"HOME", ""}},
      {},  // HOME unset: the passwd entry
      {{"HOME", "/tmp/h"}, {"OVER_HOME", "/over"}, {"PM2_HOME", "/p"}},
      {{"HOME", "/tmp/h"}, {"OVER_HOME", ""}, {"PM2_HOME", "/p"}},
      {{"HOME", "/tmp/h"}, {"PM2_HOME", ""}},
      {{"PM2_HOME", "/p"},
       {"PM2_DAEMON_RPC_PORT", "r.sock"},
       {"PM2_DAEMON_PUB_PORT", "/pub"},
       {"PM2_PID_FILE_PATH", "/pid"},
       {"PM2_LOG_FILE_PATH", "/log"},
       {"PM2_PM2_LOG_FILE_PATH", "/not-this"},
       {"PM2_DUMP_FILE_PATH", "d"}},
  };
  nlohmann::json all = nlohmann::json::array();
  for (const auto& c : cases) all.push_back(c);
  const std::string script = R"(
const cases = JSON.parse(process.argv[1]);
const names = ['HOME', 'PM2_HOME', 'OVER_HOME', 'PM2_DAEMON_RPC_PORT', 'PM2_DAEMON_PUB_PORT',
  'PM2_PID_FILE_PATH', 'PM2_LOG_FILE_PATH', 'PM2_PM2_LOG_FILE_PATH', 'PM2_DUMP_FILE_PATH'];
const out = [];
for (const c of cases) {
  for (const n of names) delete process.env[n];
  Object.assign(process.env, c);
  delete require.cache[require.resolve(process.argv[2])];
  const p = require(process.argv[2])(process.env.OVER_HOME);
  out.push([p.PM2_HOME, p.DAEMON_RPC_PORT, p.DAEMON_PUB_PORT, p.PM2_PID_FILE_PATH, p.PM2_LOG_FILE_PATH, p.DUMP_FILE_PATH]);
}
process.stdout.write(JSON.stringify(out));
)";
  pm2guard::testing::CommandResult r =
      pm2guard::testing::run_command({*node, "-e", script, all.dump(), paths_js}, {}, cwd);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  nlohmann::json got = nlohmann::json::parse(r.out);
  REQUIRE(got.size() == cases.size());

  const PathInputs real = process_path_inputs();
  for (size_t i = 0; i < cases.size(); ++i) {
    PathInputs in = inputs(cases[i], real.passwd_home(), cwd);
    Pm2Paths p = resolve_ok(in);
    INFO("case " << i << ": " << all[i].dump());
    CHECK(got[i][0] == p.home);
    CHECK(got[i][1] == p.rpc_socket);
    CHECK(got[i][2] == p.pub_socket);
    CHECK(got[i][3] == p.pid_file);
    CHECK(got[i][4] == p.log_file);
    CHECK(got[i][5] == p.dump_file);
  }
}

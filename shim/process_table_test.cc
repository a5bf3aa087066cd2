#include "process_table.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace pm2guard::shim;
using nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream f(std::string(PM2GUARD_SOURCE_DIR) + "/tests/fixtures/" + name, std::ios::binary);
  REQUIRE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<ProcessInfo> parse_ok(const std::string& text) {
  std::string error;
  auto list = parse_process_list(text, error);
  INFO(error);
  REQUIRE(list);
  CHECK(error.empty());
  return *list;
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto list = parse_process_list(text, error);
  CHECK_FALSE(list);
  CHECK_FALSE(error.empty());
  return error;
}

// A minimal process as getMonitorData returns it.
json proc(int id, const std::string& name, json env = json::object()) {
  env["name"] = name;
  env["pm_id"] = id;
  if (!env.contains("namespace")) env["namespace"] = "default";
  if (!env.contains("status")) env["status"] = "online";
  return json{{"pid", 1000 + id}, {"name", name}, {"pm2_env", env}, {"pm_id", id}, {"monit", {{"memory", 1}, {"cpu", 0}}}};
}

}  // namespace

TEST_CASE("the jlist sample parses into its five processes", "[process_table]") {
  std::vector<ProcessInfo> list = parse_ok(fixture("jlist-sample.json"));
  REQUIRE(list.size() == 5);
  CHECK(list[0].serialize() ==
        "#0 flyer-crawler-api@default online pid=11657 exec=/srv/pm2demo/apps/api.js cwd=/srv/pm2demo/apps");
  CHECK(list[4].pm_id == 4);
  CHECK(list[4].name == "billing-api");
  CHECK(list[4].ns == "other");
  CHECK(list[4].status == "online");
  CHECK(list[4].pid == 11734);
  CHECK(list[4].exec_path == "/srv/pm2demo/apps/other.js");
  CHECK(list[4].cwd == "/srv/pm2demo/apps");
  for (const ProcessInfo& p : list) {
    CHECK_FALSE(p.is_module);
    CHECK(p.ci.empty());  // started by hand: HOME, PATH, LANG, PM2_* only
  }
}

TEST_CASE("the parse agrees with a full DOM reading of the sample", "[process_table]") {
  const std::string text = fixture("jlist-sample.json");
  std::vector<ProcessInfo> list = parse_ok(text);
  json dom = json::parse(text);
  REQUIRE(list.size() == dom.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const json& d = dom[i];
    CHECK(list[i].pm_id == d["pm_id"].get<int>());
    CHECK(list[i].name == d["name"].get<std::string>());
    CHECK(list[i].ns == d["pm2_env"]["namespace"].get<std::string>());
    CHECK(list[i].status == d["pm2_env"]["status"].get<std::string>());
    CHECK(list[i].pid == d["pid"].get<long>());
    CHECK(list[i].exec_path == d["pm2_env"]["pm_exec_path"].get<std::string>());
    CHECK(list[i].cwd == d["pm2_env"]["pm_cwd"].get<std::string>());
    CHECK(list[i].restart_time == d["pm2_env"]["restart_time"].get<long long>());
    CHECK(list[i].pm_uptime == d["pm2_env"]["pm_uptime"].get<long long>());
  }
}

TEST_CASE("restart_time and pm_uptime are read for layer 5, odd values left at 0", "[process_table]") {
  json list = json::array({proc(0, "a", {{"restart_time", 3}, {"pm_uptime", 1771320600123LL}}),
                           proc(1, "b", {{"restart_time", "x"}, {"pm_uptime", 1.5e12}}), proc(2, "c")});
  std::vector<ProcessInfo> out = parse_ok(list.dump());
  REQUIRE(out.size() == 3);
  CHECK(out[0].restart_time == 3);
  CHECK(out[0].pm_uptime == 1771320600123LL);
  CHECK(out[1].restart_time == 0);
  CHECK(out[1].pm_uptime == 1500000000000LL);
  CHECK(out[2].restart_time == 0);
  CHECK(out[2].pm_uptime == 0);
}

TEST_CASE("only the CI ownership variables are kept, never secrets", "[process_table][secrets]") {
  json dom = json::parse(fixture("jlist-sample.json"));
  const std::vector<std::string> secrets = {"hunter2-db-password", "ghp_TOKENVALUE", "forgejo-token-value",
                                            "glcitoken", "AKIASECRET", "https://user:pw@git.example/x.git"};
  for (json* where : {&dom[0]["pm2_env"], &dom[0]["pm2_env"]["env"], &dom[4]["pm2_env"]["env"]}) {
    (*where)["DB_PASSWORD"] = secrets[0];
    (*where)["GITHUB_TOKEN"] = secrets[1];
    (*where)["FORGEJO_TOKEN"] = secrets[2];
    (*where)["CI_JOB_TOKEN"] = secrets[3];
    (*where)["AWS_SECRET_ACCESS_KEY"] = secrets[4];
    (*where)["CI_REPOSITORY_URL"] = secrets[5];
    (*where)["GITHUB_SERVER_URL"] = secrets[5];
  }
  dom[0]["pm2_env"]["GITHUB_REPOSITORY"] = "acme/web";
  dom[0]["pm2_env"]["GITHUB_RUN_ID"] = "4242";
  dom[0]["pm2_env"]["env"]["GITHUB_REPOSITORY"] = "acme/web";
  dom[4]["pm2_env"]["env"]["FORGEJO_REPOSITORY"] = "acme/billing";
  dom[4]["pm2_env"]["env"]["CI_PROJECT_PATH"] = "acme/billing-gl";
  // A secret-looking value under an allowed name is kept: the name decides.
  const std::string text = dom.dump();

  std::vector<ProcessInfo> list = parse_ok(text);
  REQUIRE(list.size() == 5);
  CHECK(list[0].ci == std::map<std::string, std::string>{{"GITHUB_REPOSITORY", "acme/web"}, {"GITHUB_RUN_ID", "4242"}});
  CHECK(list[4].ci ==
        std::map<std::string, std::string>{{"CI_PROJECT_PATH", "acme/billing-gl"}, {"FORGEJO_REPOSITORY", "acme/billing"}});
  for (const ProcessInfo& p : list) {
    std::string all = p.serialize();
    for (const auto& [k, v] : p.ci) all += k + "=" + v + ";";
    for (const std::string& s : secrets) CHECK(all.find(s) == std::string::npos);
    for (const char* name : {"DB_PASSWORD", "GITHUB_TOKEN", "FORGEJO_TOKEN", "CI_JOB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                             "CI_REPOSITORY_URL", "GITHUB_SERVER_URL"})
      CHECK(p.ci.count(name) == 0);
  }
}

TEST_CASE("the allow-list holds identifiers only", "[process_table][secrets]") {
  const auto& vars = ci_ownership_variables();
  CHECK(std::is_sorted(vars.begin(), vars.end()));
  CHECK(std::adjacent_find(vars.begin(), vars.end()) == vars.end());
  for (std::string_view v : vars) {
    INFO(v);
    CHECK(is_ci_ownership_variable(v));
    for (const char* bad : {"TOKEN", "SECRET", "PASSWORD", "KEY", "URL", "PATH", "ENV", "OUTPUT", "WORKSPACE"}) {
      // CI_PROJECT_PATH is the repository's path (group/project), not a file path.
      if (v == "CI_PROJECT_PATH" && std::string_view(bad) == "PATH") continue;
      CHECK(v.find(bad) == std::string_view::npos);
    }
  }
  for (const char* name : {"GITHUB_REPOSITORY", "FORGEJO_REPOSITORY", "GITHUB_WORKFLOW", "GITHUB_RUN_ID", "GITHUB_JOB",
                           "GITHUB_ACTOR", "CI_PROJECT_PATH", "GITEA_ACTIONS", "GITEA_REPOSITORY"})
    CHECK(is_ci_ownership_variable(name));
  for (const char* name : {"GITHUB_TOKEN", "DB_PASSWORD", "HOME", "PATH", "github_repository", "GITHUB_REPOSITORY ",
                           "", "GITEA_TOKEN"})
    CHECK_FALSE(is_ci_ownership_variable(name));
}

TEST_CASE("pm2_env's own copy of a CI variable wins over pm2_env.env", "[process_table]") {
  json env = {{"GITHUB_REPOSITORY", "new/owner"},
              {"env", {{"GITHUB_REPOSITORY", "old/owner"}, {"GITHUB_JOB", "deploy"}}}};
  std::vector<ProcessInfo> list = parse_ok(json::array({proc(0, "web", env)}).dump());
  REQUIRE(list.size() == 1);
  CHECK(list[0].ci == std::map<std::string, std::string>{{"GITHUB_JOB", "deploy"}, {"GITHUB_REPOSITORY", "new/owner"}});
  // The order of the keys does not matter.
  json reversed = json::parse(R"([{"pm_id":0,"name":"web","pm2_env":{"env":{"GITHUB_REPOSITORY":"old/owner"},
                                   "GITHUB_REPOSITORY":"new/owner"}}])");
  CHECK(parse_ok(reversed.dump())[0].ci.at("GITHUB_REPOSITORY") == "new/owner");
}

TEST_CASE("CI values become text as a child's environment would see them", "[process_table]") {
  json env = {{"GITHUB_RUN_ID", 4242},      {"GITHUB_RUN_NUMBER", 7.5}, {"CI", true},
              {"GITHUB_JOB", nullptr},      {"GITHUB_ACTOR", {{"a", 1}}}, {"GITHUB_WORKFLOW", json::array({"x"})},
              {"env", {{"GITHUB_JOB", "from-env"}, {"GITHUB_SHA", false}, {"GITHUB_REF", nullptr}}}};
  ProcessInfo p = parse_ok(json::array({proc(3, "api", env)}).dump())[0];
  CHECK(p.ci == std::map<std::string, std::string>{{"CI", "true"},
                                                   {"GITHUB_JOB", "from-env"},
                                                   {"GITHUB_RUN_ID", "4242"},
                                                   {"GITHUB_RUN_NUMBER", "7.5"},
                                                   {"GITHUB_SHA", "false"}});
}

TEST_CASE("missing optional fields take pm2's defaults", "[process_table]") {
  std::vector<ProcessInfo> list = parse_ok(R"([
    {"pm_id": 0, "name": "a", "pm2_env": {}},
    {"pm_id": 1, "name": "b", "pid": null, "pm2_env": {"namespace": null, "status": "stopped", "pmx_module": true}},
    {"pm_id": 2, "name": "c", "pid": 0, "pm2_env": {"pmx_module": "true", "env": "not an object"}},
    {"pm2_env": {"pm_id": 3, "name": "from-env", "namespace": "ns"}}
  ])");
  REQUIRE(list.size() == 4);
  CHECK(list[0].serialize() == "#0 a@default ? pid=0");
  CHECK(list[0].status.empty());
  CHECK(list[1].serialize() == "#1 b@default stopped pid=0 module");
  CHECK_FALSE(list[2].is_module);
  CHECK(list[3].pm_id == 3);
  CHECK(list[3].name == "from-env");
  CHECK(list[3].ns == "ns");
  CHECK(parse_ok("[]").empty());
  CHECK(parse_ok(" \n[ ]\n").empty());
}

TEST_CASE("malformed process lists fail with a message naming the problem", "[process_table]") {
  CHECK(parse_error("{}") == "the process list is not a JSON array");
  CHECK(parse_error("42") == "the process list is not a JSON array");
  CHECK(parse_error("null") == "the process list is not a JSON array");
  CHECK(parse_error(R"([{"pm_id":0,"name":"a","pm2_env":{}}, 3])") == "process #1 is not an object");
  CHECK(parse_error(R"([[]])") == "process #0 is not an object");
  CHECK(parse_error(R"([{"name":"a","pm2_env":{}}])") == "process #0 has no pm_id");
  CHECK(parse_error(R"([{"pm_id":5,"pm2_env":{}}])") == "process #0 (pm_id 5) has no name");
  CHECK(parse_error(R"([{"pm_id":5,"name":"a"}])") == "process #0 (pm_id 5) has no pm2_env");
  CHECK(parse_error(R"([{"pm_id":"5","name":"a","pm2_env":{}}])") == "process #0: pm_id is a string");
  CHECK(parse_error(R"([{"pm_id":1.5,"name":"a","pm2_env":{}}])") == "process #0: pm_id is a number");
  CHECK(parse_error(R"([{"pm_id":99999999999,"name":"a","pm2_env":{}}])") == "process #0: pm_id is a number");
  CHECK(parse_error(R"([{"pm_id":1,"name":{},"pm2_env":{}}])") == "process #0 (pm_id 1): name is an object");
  CHECK(parse_error(R"([{"pm_id":1,"name":"a","pid":"12","pm2_env":{}}])") == "process #0 (pm_id 1): pid is a string");
  CHECK(parse_error(R"([{"pm_id":1,"name":"a","pm2_env":[]}])") == "process #0 (pm_id 1): pm2_env is an array");
  CHECK(parse_error(R"([{"pm_id":1,"name":"a","pm2_env":"x"}])") == "process #0 (pm_id 1): pm2_env is a string");
  CHECK(parse_error(R"([{"pm_id":1,"name":"a","pm2_env":{"status":["x"]}}])") ==
        "process #0 (pm_id 1): pm2_env.status is an array");
  CHECK(parse_error(R"([{"pm_id":1,"name":"a","pm2_env":{"pm_exec_path":true}}])") ==
        "process #0 (pm_id 1): pm2_env.pm_exec_path is a boolean");
}

TEST_CASE("names and namespaces that are numbers or booleans read as JavaScript's String() of them",
          "[process_table]") {
  // pm2 lets an ecosystem app's env.name make a name a number; one such
  // process must not fail every other team's commands closed.
  auto list = parse_ok(R"([{"pm_id":0,"name":42,"pm2_env":{"name":42,"namespace":7}},
                           {"pm_id":1,"pm2_env":{"name":1.5}},
                           {"pm_id":2,"name":1e21,"pm2_env":{}},
                           {"pm_id":3,"name":0.000001,"pm2_env":{}},
                           {"pm_id":4,"name":1e-7,"pm2_env":{}},
                           {"pm_id":5,"name":true,"pm2_env":{}},
                           {"pm_id":6,"name":-0.5,"pm2_env":{}},
                           {"pm_id":7,"name":123456789012345680000,"pm2_env":{}},
                           {"pm_id":8,"name":100.0,"pm2_env":{}}])");
  REQUIRE(list.size() == 9);
  CHECK(list[0].name == "42");
  CHECK(list[0].ns == "7");
  CHECK(list[1].name == "1.5");
  CHECK(list[2].name == "1e+21");
  CHECK(list[3].name == "0.000001");
  CHECK(list[4].name == "1e-7");
  CHECK(list[5].name == "true");
  CHECK(list[6].name == "-0.5");
  CHECK(list[7].name == "123456789012345680000");
  CHECK(list[8].name == "100");
}

TEST_CASE("malformed JSON is reported by position without quoting the input", "[process_table][secrets]") {
  std::string e = parse_error(R"([{"pm_id":0,"name":"a","pm2_env":{"DB_PASSWORD":"hunter2)");
  CHECK(e.rfind("malformed JSON at byte ", 0) == 0);
  CHECK(e.find("hunter2") == std::string::npos);

  e = parse_error("[{\"pm_id\":0,\"name\":\"a\",\"pm2_env\":{\"DB_PASSWORD\":\"hunter2\xff\"}}]");
  CHECK(e.find("UTF-8") != std::string::npos);
  CHECK(e.find("hunter2") == std::string::npos);

  e = parse_error(R"([{"pm_id":0,"name":"a","pm2_env":{"X":1e99999}}])");
  CHECK(e.find("malformed JSON") == 0);
  CHECK(e.find("99999") == std::string::npos);

  CHECK(parse_error("[] []").find("malformed JSON") == 0);
  CHECK(parse_error("").find("malformed JSON") == 0);
  CHECK(parse_error("[{\"pm_id\":0,").find("malformed JSON") == 0);
}

TEST_CASE("lone UTF-16 surrogates from JavaScript do not spoil the list", "[process_table]") {
  // JSON.stringify('x\uD800') is "x\ud800": valid JSON for JavaScript, an
  // error for strict UTF-8 readers. The rest of the list must survive.
  std::vector<ProcessInfo> list = parse_ok(R"([
    {"pm_id":0,"name":"lone\ud800high","pm2_env":{"axm_monitor":{"m":{"value":"\udc00"}}}},
    {"pm_id":1,"name":"pair\ud83d\ude00ok","pm2_env":{}},
    {"pm_id":2,"name":"escaped\\ud800text","pm2_env":{"namespace":"high\uDBFF\u0041"}}
  ])");
  REQUIRE(list.size() == 3);
  CHECK(list[0].name == "lone\xEF\xBF\xBDhigh");
  CHECK(list[1].name == "pair\xF0\x9F\x98\x80ok");
  CHECK(list[2].name == "escaped\\ud800text");
  CHECK(list[2].ns == "high\xEF\xBF\xBD" "A");
}

TEST_CASE("deeply nested values the shim skips cost nothing", "[process_table]") {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  std::string text = R"([{"pm_id":0,"name":"a","pm2_env":{"axm_monitor":)" + deep + "}}]";
  std::vector<ProcessInfo> list = parse_ok(text);
  REQUIRE(list.size() == 1);
  CHECK(list[0].name == "a");
}

TEST_CASE("axon-rpc reply envelopes", "[process_table]") {
  MonitorReply r = parse_monitor_reply(R"({"args":[[{"pm_id":0,"name":"a","pm2_env":{}}]]})");
  CHECK(r.kind == ReplyKind::Ok);
  REQUIRE(r.processes.size() == 1);
  CHECK(r.processes[0].name == "a");

  r = parse_monitor_reply(R"({"args":[[]]})");
  CHECK(r.kind == ReplyKind::Ok);
  CHECK(r.processes.empty());

  r = parse_monitor_reply(R"({"error":"method \"getMonitorData\" does not exist"})");
  CHECK(r.kind == ReplyKind::DaemonError);
  CHECK(r.error == "method \"getMonitorData\" does not exist");

  r = parse_monitor_reply(R"({"error":"line1\nline2","stack":"Error: ...\n    at x"})");
  CHECK(r.kind == ReplyKind::DaemonError);
  CHECK(r.error == "line1 line2");

  r = parse_monitor_reply(R"({"error":{"code":"E"}})");
  CHECK(r.kind == ReplyKind::DaemonError);
  CHECK(r.error == "(the error is an object)");

  r = parse_monitor_reply(R"({"error":null})");
  CHECK(r.kind == ReplyKind::DaemonError);
  CHECK(r.error == "null");

  r = parse_monitor_reply(R"({"error":")" + std::string(1000, 'e') + R"("})");
  CHECK(r.error.size() == 303);

  struct Bad {
    const char* json;
    const char* error;
  };
  for (const Bad& b : {
           Bad{R"([])", "the reply is not a JSON object"},
           Bad{R"("x")", "the reply is not a JSON object"},
           Bad{R"({})", "the reply has neither 'args' nor 'error'"},
           Bad{R"({"args":[]})", "the reply carries no result"},
           Bad{R"({"args":{}})", "'args' in the reply is not an array"},
           Bad{R"({"args":5})", "'args' in the reply is not an array"},
           Bad{R"({"args":[null]})", "the result is not an array of processes"},
           Bad{R"({"args":[{}]})", "the result is not an array of processes"},
           Bad{R"({"args":[[1]]})", "process #0 is not an object"},
       }) {
    INFO(b.json);
    r = parse_monitor_reply(b.json);
    CHECK(r.kind == ReplyKind::Malformed);
    CHECK(r.error == b.error);
  }
  // Extra results after the list are ignored, as the CLI ignores them.
  r = parse_monitor_reply(R"({"args":[[], {"x":1}, 3]})");
  CHECK(r.kind == ReplyKind::Ok);
  r = parse_monitor_reply(R"({"args":[[]],)");
  CHECK(r.kind == ReplyKind::Malformed);
  CHECK(r.error.find("malformed JSON") == 0);
}

// The differential method of shim_e2e_test.cc extended to the commands the
// shim now judges: for each argv, the processes the shim's dry run
// (PM2GUARD_DRY_RUN=1) names are compared with what the real pm2 7.0.4 then
// does to the same daemon, in the same directory, with the same stdin.
//
//   reset      the processes whose counters were reset (created_at changes)
//   flush      the processes whose out log was truncated
//   trigger    the processes that received the action (each app records it)
//   multiset   the processes restarted (one-directional, see there)
//   resurrect  the names of the processes that appear
//   documents  `pm2 delete|stop|restart|start -` and .json, .yml, .config.js
//              files: the processes restarted, reloaded, stopped or deleted
//   modules    `pm2 install .` (restarted, and the names that appear) and
//              `pm2 uninstall NAME` (deleted)
//
// The shim is run with a system policy that refuses nothing by itself
// (refuse_all: false, ownership: false, max_processes: 1000) and without CI
// variables, so that its dry run says "would run ...; it would act on NAME
// (id N), ..." rather than refusing. Processes a command starts anew are not
// in that line; the shim only names them in a refusal (foreign-process for
// what `resurrect` brings back, name-collision for a module's new process),
// so those cases run a second dry run as another repository's CI job under
// the default policy, with the daemon's processes set up to provoke exactly
// that refusal, and compare the names it lists with the names that appear.
//
// The real pm2 runs directly (not through the shim), as in shim_e2e_test.cc.
// A case that fails here is a disagreement between the shim and pm2: keep it
// failing until shim/ or rules/ are fixed.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "pm2_sandbox.h"
#include "run.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace pm2guard::testing;

namespace {

const std::string kShimDir = fs::path(PM2GUARD_SHIM_TESTABLE).parent_path().string();
const std::string kRealDir = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin";

// What the test reads of one process (pm2 jlist).
struct Proc {
  std::string name, ns, status, out_log;
  int restarts = 0;
  long long created_at = 0;
  bool module = false;
  std::vector<std::string> actions;
};
using Table = std::map<int, Proc>;

Table table(const Pm2Sandbox& box) {
  Table t;
  for (const json& p : box.jlist()) {
    const json& e = p["pm2_env"];
    Proc x;
    x.name = p["name"].is_string() ? p["name"].get<std::string>() : p["name"].dump();
    x.ns = e.value("namespace", "default");
    x.status = e.value("status", "");
    x.out_log = e.value("pm_out_log_path", "");
    x.restarts = e.value("restart_time", 0);
    x.created_at = e.value("created_at", 0LL);
    x.module = e.value("pmx_module", false);
    if (e.contains("axm_actions") && e["axm_actions"].is_array())
      for (const json& a : e["axm_actions"])
        if (a.contains("action_name") && a["action_name"].is_string()) x.actions.push_back(a["action_name"]);
    t[p["pm_id"].get<int>()] = x;
  }
  return t;
}

std::string shown(const std::vector<std::string>& args) {
  std::string s = "pm2";
  for (const std::string& a : args) s += " '" + a + "'";
  return s;
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// The ids of the dry run's target list: "it would act on a (id 0), ..." when
// allowed, "it would have hit a (id 0), ..." when refused.
std::set<int> named_ids(const std::string& err) {
  size_t at = err.rfind("; it would act on ");
  if (at == std::string::npos) at = err.rfind("; it would have hit ");
  std::set<int> ids;
  if (at == std::string::npos) return ids;
  std::string list = err.substr(at, err.find('\n', at) - at);
  CHECK_FALSE(has(list, " more"));  // the list is cut after 8 processes: keep the cases smaller
  std::regex id_re("\\(id ([0-9]+)");
  for (std::sregex_iterator it(list.begin(), list.end(), id_re), end; it != end; ++it) ids.insert(std::stoi((*it)[1]));
  return ids;
}

std::string ids_text(const std::set<int>& ids, const Table& t) {
  std::string s;
  for (int id : ids) {
    auto p = t.find(id);
    s += (s.empty() ? "" : ", ") + (p == t.end() ? "?" : p->second.name) + " (id " + std::to_string(id) + ")";
  }
  return s.empty() ? "nothing" : s;
}

std::string names_text(const std::multiset<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "nothing" : s;
}

// The processes a restart, reload, stop or delete acted on: a new restart
// count or status, or gone from the list.
std::set<int> changed(const Table& before, const Table& after) {
  std::set<int> out;
  for (const auto& [id, b] : before) {
    auto a = after.find(id);
    if (a == after.end() || a->second.restarts != b.restarts || a->second.status != b.status) out.insert(id);
  }
  return out;
}

// The names of the processes that were not there before.
std::multiset<std::string> appeared(const Table& before, const Table& after) {
  std::multiset<std::string> out;
  for (const auto& [id, a] : after)
    if (!before.count(id)) out.insert(a.name);
  return out;
}

// The shim and the real pm2 on one daemon.
struct Harness {
  Pm2Sandbox& box;
  std::map<std::string, std::string> shim_env;  ///< the dry run, open policy, no CI variables
  std::map<std::string, std::string> real_env;  ///< the real pm2, as the sandbox runs it

  explicit Harness(Pm2Sandbox& b) : box(b) {
    for (const std::string& kv : b.environment()) real_env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    shim_env = real_env;
    shim_env["PATH"] = kShimDir + ":" + kRealDir + ":" + real_env["PATH"];
    shim_env["PM2GUARD_DRY_RUN"] = "1";
    std::string open = b.dir() + "/open-policy.yml";
    std::ofstream(open) << "syslog: false\nrefuse_all: false\nownership: false\nmax_processes: 1000\n";
    shim_env["PM2GUARD_TEST_SYSTEM_POLICY"] = open;
  }

  RunResult dry(const std::vector<std::string>& args, const std::string& input = "", const std::string& cwd = "",
                const std::map<std::string, std::string>& env = {}) const {
    std::vector<std::string> argv{kShimDir + "/pm2"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.env = env.empty() ? shim_env : env;
    o.cwd = cwd.empty() ? box.dir() : cwd;
    o.input = input;
    o.timeout_seconds = 30;
    return run(argv, o);
  }
  // The dry run with the open policy: it must allow, and name its targets.
  std::set<int> said(const std::vector<std::string>& args, const std::string& input = "",
                     const std::string& cwd = "") const {
    RunResult r = dry(args, input, cwd);
    INFO("shim: " << r.err);
    CHECK(r.code == 0);
    CHECK(has(r.err, "pm2guard: dry run: would run"));
    CHECK(r.out.empty());
    return named_ids(r.err);
  }
  RunResult real(const std::vector<std::string>& args, const std::string& input = "", const std::string& cwd = "",
                 double timeout = 30) const {
    std::vector<std::string> argv{box.pm2_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.env = real_env;
    o.cwd = cwd.empty() ? box.dir() : cwd;
    o.input = input;
    o.timeout_seconds = timeout;
    return run(argv, o);
  }
  // The table once every process is online or stopped again (a restart in
  // flight shows as "launching" or "stopping" for a moment).
  Table settled() const {
    Table t;
    for (int i = 0; i < 40; ++i) {
      t = table(box);
      if (std::all_of(t.begin(), t.end(), [](const auto& kv) {
            return kv.second.status == "online" || kv.second.status == "stopped";
          }))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return t;
  }
};

// An app for an ecosystem file the test writes itself.
json app(const std::string& name, const std::string& script, const std::string& ns = "default",
         const std::map<std::string, std::string>& env = {}) {
  json a = {{"name", name}, {"script", script}, {"namespace", ns}};
  if (!env.empty()) a["env"] = env;
  return a;
}

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  REQUIRE(f.good());
}

// The pm_ids that recorded a call of the action (act.js: trig/<pm_id>).
std::set<int> received(const std::string& trig) {
  std::set<int> ids;
  for (const fs::directory_entry& e : fs::directory_iterator(trig)) ids.insert(std::stoi(e.path().filename().string()));
  return ids;
}

long long file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

}  // namespace

// reset, flush, trigger, multiset and resurrect on one daemon. Every app
// runs act.js, which exposes the action `ping` through pm2's IPC protocol
// (what @pm2/io's action() sends: `axm:action` to register, `axm:reply` to
// answer; @pm2/io itself is not in third_party/node_modules) and records
// each call it receives in trig/<pm_id>. The names are chosen to tell pm2's
// lookups apart: `jobs` is both a process and a namespace, `7` is a process
// whose name is a number, and every script is act.js (a script path and a
// script basename).
TEST_CASE("differential: reset, flush, trigger, multiset and resurrect", "[shim][e2e]") {
  Pm2Sandbox box;
  Harness h(box);
  const std::string trig = box.dir() + "/trig";
  fs::create_directories(trig);
  const std::string act = box.dir() + "/act.js";
  write(act,
        "const fs = require('fs'), path = require('path');\n"
        "if (process.send) {\n"
        "  process.send({type: 'axm:action', data: {action_name: 'ping', action_type: 'custom'}});\n"
        "  process.on('message', (m) => {\n"
        "    const name = typeof m === 'string' ? m : m && m.msg;\n"
        "    if (name !== 'ping') return;\n"
        "    fs.appendFileSync(path.join(__dirname, 'trig', String(process.env.pm_id)), 'ping\\n');\n"
        "    process.send({type: 'axm:reply', data: {return: {ok: true}, action_name: 'ping'}});\n"
        "  });\n"
        "}\n"
        "setInterval(() => {}, 1000);\n");
  // Every app records another repository as its starter: `resurrect` below
  // needs that to make the shim name what it brings back.
  const std::map<std::string, std::string> other = {{"GITHUB_REPOSITORY", "acme/other"}};
  json eco = {{"apps", json::array({app("web-api", act, "default", other), app("web-worker", act, "default", other),
                                    app("cron", act, "jobs", other), app("other", act, "default", other),
                                    app("7", act, "default", other), app("jobs", act, "default", other)})}};
  for (json& a : eco["apps"]) a["cwd"] = box.dir();
  write(box.dir() + "/act-apps.json", eco.dump(2));
  box.pm2_ok({"start", box.dir() + "/act-apps.json"});
  box.pm2_ok({"restart", "all"});  // restart counts of 1: `reset` sets them back to 0

  // Every app has registered its action before anything is triggered.
  Table t;
  for (int i = 0; i < 100; ++i) {
    t = table(box);
    if (t.size() == 6 && std::all_of(t.begin(), t.end(), [](const auto& kv) {
          const std::vector<std::string>& a = kv.second.actions;  // pm2's own km:* actions come first
          return kv.second.status == "online" && std::find(a.begin(), a.end(), "ping") != a.end();
        }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(t.size() == 6);
  auto id_of = [&](const std::string& name) {
    for (const auto& [id, p] : t)
      if (p.name == name) return id;
    FAIL("no process " << name);
    return -1;
  };
  const std::string web_worker = std::to_string(id_of("web-worker")), cron = std::to_string(id_of("cron"));
  REQUIRE(id_of("web-api") == 0);  // the hex and padded spellings below are of ids 1 and 3
  REQUIRE(id_of("7") != 7);

  // The open policy only changes the verdict: under the default policy the
  // `all` forms are refused, and the refusal lists the same targets.
  std::map<std::string, std::string> strict = h.shim_env;
  strict["PM2GUARD_TEST_SYSTEM_POLICY"] = box.dir() + "/default-policy.yml";
  std::ofstream(box.dir() + "/default-policy.yml") << "syslog: false\n";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"reset", "all"}, {"trigger", "all", "ping"}, {"multiset", "all:k v"}, {"flush", "act.js"}}) {
    INFO(shown(args));
    RunResult refused = h.dry(args, "", "", strict);
    INFO("shim, default policy: " << refused.err);
    CHECK(refused.code == (args[0] == "flush" ? 0 : 77));
    CHECK(named_ids(refused.err) == h.said(args));
  }

  // API.js reset: `all`; a NaN word by name or script path (getProcessIdByName,
  // no namespace fallback); anything numeric as a key of the process table.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"reset", "web-api"},
           {"reset", cron},
           {"reset", "jobs"},    // the process, not the namespace
           {"reset", "7"},       // an id: no process has id 7, the process named 7 is not it
           {"reset", "0x1"},     // not a key of the table
           {"reset", "act.js"},  // the script path, resolved in the caller's directory: every process
           {"reset", "all"},
       }) {
    INFO(shown(args));
    std::set<int> said = h.said(args);
    Table before = t;
    RunResult r = h.real(args);
    INFO("pm2: " << r.out << r.err);
    Table after = t = table(box);
    std::set<int> did;
    for (const auto& [id, b] : before)
      if (after.count(id) && after[id].created_at != b.created_at) {
        did.insert(id);
        CHECK(after[id].restarts == 0);
      }
    INFO("shim named " << ids_text(said, before) << "; pm2 reset " << ids_text(did, before));
    CHECK(said == did);
  }

  // LogManagement.flush(api): `pm_id == api` (loosely: '' is 0, '0x3' is 3,
  // ' 1' is 1) or `name === api`. Each app's out log gets a line first; a
  // truncated log is one pm2 flushed. (`pm2 flush` with no argument empties
  // every log; the shim records it as a command on what every team shares
  // and names no process, by design: not a case here.)
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"flush", "web-worker"},
           {"flush", cron},
           {"flush", ""},
           {"flush", "jobs"},
           {"flush", "7"},
           {"flush", "0x3"},
           {"flush", " 1"},
       }) {
    INFO(shown(args));
    std::set<std::string> logs;
    for (const auto& [id, p] : t) {
      REQUIRE_FALSE(p.out_log.empty());
      REQUIRE(logs.insert(p.out_log).second);  // one log file per process
      std::ofstream(p.out_log, std::ios::app) << "a line for flush to remove\n";
    }
    std::set<int> said = h.said(args);
    RunResult r = h.real(args);
    INFO("pm2: " << r.out << r.err);
    std::set<int> did;
    for (const auto& [id, p] : t)
      if (file_size(p.out_log) == 0) did.insert(id);
    INFO("shim named " << ids_text(said, t) << "; pm2 flushed " << ids_text(did, t));
    CHECK(said == did);
  }

  // God.msgProcess: a numeric word is an id (a key of the table); otherwise
  // every online process whose name, namespace or script basename is the
  // word, or every one for `all`, that exposes the action. Every process
  // here exposes it and is online, so the shim's count of every process
  // that could is exact.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"trigger", "web-api", "ping"},
           {"trigger", "jobs", "ping"},  // the process named jobs and the namespace jobs
           {"trigger", web_worker, "ping"},
           {"trigger", "0x1", "ping"},
           {"trigger", "act.js", "ping"},  // the script's basename
           {"trigger", "all", "ping"},
       }) {
    INFO(shown(args));
    for (const fs::directory_entry& e : fs::directory_iterator(trig)) fs::remove(e.path());  // a clean slate
    std::set<int> said = h.said(args);
    // pm2 waits for one reply per process it reached, but counts only the
    // replies of processes named like the word (or in that namespace): by a
    // script basename it never ends, so it gets a short timeout there.
    RunResult r = h.real(args, "", "", args[1] == "act.js" ? 3 : 30);
    INFO("pm2: " << r.out << r.err);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::set<int> did = received(trig);
    INFO("shim named " << ids_text(said, t) << "; pm2 reached " << ids_text(did, t));
    CHECK(said == did);
  }

  // multiset: Configuration.multiset writes every key, then the CLI
  // restarts the app of the FIRST key only (API/Configuration.js multiset:
  // `serial.match(...)[0]`). The shim judges every `X:` key as a restart of
  // X, since each one reaches X's environment at its next restart: its
  // targets are a superset of what pm2 restarts at once. So for several
  // keys the check is one-directional (every process pm2 restarts is among
  // the shim's targets); with one key the two must be equal.
  t = h.settled();
  struct Multi {
    std::string serial;
    bool one_key;
  };
  for (const Multi& m : std::vector<Multi>{
           {"web-api:x 1 web-worker:y 2", false},
           {"web-worker.y 3", true},     // a '.' key
           {"jobs:k v", true},           // the process named jobs wins over the namespace
           {"/web/:k v", true},          // a regex before the ':'
           {cron + ":k v", true},        // an id
           {"\"web-api:x\" 1", true},  // the quotes stay in the word: app `"web-api`, which is no process
       }) {
    std::vector<std::string> args{"multiset", m.serial};
    INFO(shown(args));
    std::set<int> said = h.said(args);
    Table before = t;
    RunResult r = h.real(args);
    INFO("pm2: " << r.out << r.err);
    t = h.settled();
    std::set<int> did = changed(before, t);
    INFO("shim named " << ids_text(said, before) << "; pm2 restarted " << ids_text(did, before));
    CHECK(did.empty() == (m.serial[0] == '"'));
    if (m.one_key)
      CHECK(said == did);
    else
      CHECK(std::includes(said.begin(), said.end(), did.begin(), did.end()));
  }

  // resurrect (Startup.js): every dump entry whose NAME no process has now,
  // in any namespace, is started again. The shim's allowed dry run names no
  // process for it (nothing running is acted on); it names what would come
  // back when a CI job of another repository asks (foreign-process), which
  // is what the second dry run provokes.
  // (The process named 7 stays: bringing a numeric name back is refused as
  // a name-collision even under the open policy.)
  box.pm2_ok({"save"});
  box.pm2_ok({"delete", "web-worker", "other"});
  box.pm2_ok({"delete", cron});                                // cron of namespace jobs ...
  box.pm2_ok({"start", box.idle_script(), "--name", "cron"});  // ... and a new cron in default
  box.pm2_ok({"stop", "web-api"});                             // still in the list: not brought back
  std::map<std::string, std::string> mine = strict;
  mine["GITHUB_REPOSITORY"] = "acme/mine";
  for (int round = 0; round < 2; ++round) {  // the second one has nothing left to bring back
    INFO("pm2 resurrect, round " << round);
    std::set<int> said = h.said({"resurrect"});
    CHECK(said.empty());
    RunResult reveal = h.dry({"resurrect"}, "", "", mine);
    INFO("shim as acme/mine: " << reveal.err);
    std::multiset<std::string> said_names;
    const std::string marker = "recorded as started by acme/other: ";
    size_t at = reveal.err.find(marker);
    if (round == 0) {
      CHECK(reveal.code == 77);
      CHECK(has(reveal.err, "[foreign-process]"));
      REQUIRE(at != std::string::npos);
    }
    if (at != std::string::npos) {
      std::string list = reveal.err.substr(at + marker.size());
      list = list.substr(0, list.find_first_of(";\n"));
      std::stringstream ss(list);
      for (std::string n; std::getline(ss, n, ',');) said_names.insert(n.substr(n.find_first_not_of(' ')));
    }
    Table before = table(box);
    RunResult r = h.real({"resurrect"});
    INFO("pm2: " << r.out << r.err);
    Table after = h.settled();
    std::multiset<std::string> did_names = appeared(before, after);
    INFO("shim would bring back " << names_text(said_names) << "; pm2 started " << names_text(did_names));
    CHECK(said_names == did_names);
    CHECK(changed(before, after).empty());
  }

  // trigger once not every process can take the action: web-api is
  // stopped (which also empties its axm_actions), and the new cron runs
  // idle.js, which exposes none. pm2 sends the action only to online (or
  // launching) processes whose axm_actions hold it ("Action doesn't exist"
  // for an id, "Not any process has received a command" for a name);
  // both facts are in the process list the shim reads (pm2_env.status,
  // pm2_env.axm_actions), and the shim reads them.
  for (int i = 0; i < 50; ++i) {
    t = table(box);
    int ready = 0;
    for (const auto& [id, p] : t)
      ready += p.status == "online" && std::find(p.actions.begin(), p.actions.end(), "ping") != p.actions.end();
    if (ready == 4) break;  // jobs, 7 and the two brought back
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(t.at(0).name == "web-api");
  REQUIRE(t.at(0).status == "stopped");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"trigger", "all", "ping"},
           {"trigger", "0", "ping"},
           {"trigger", "web-api", "ping"},
           {"trigger", "cron", "ping"},
       }) {
    INFO(shown(args));
    for (const fs::directory_entry& e : fs::directory_iterator(trig)) fs::remove(e.path());  // a clean slate
    std::set<int> said = h.said(args);
    RunResult r = h.real(args, "", "", 10);
    INFO("pm2: " << r.out << r.err);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::set<int> did = received(trig);
    INFO("shim named " << ids_text(said, t) << "; pm2 reached " << ids_text(did, t));
    CHECK(said == did);
  }
}

// Documents on stdin and ecosystem files. `pm2 delete|stop|restart -` hand
// the document to actionFromJson (exact --only, names or script paths,
// nothing started); `pm2 start -`, and start/restart/reload/startOr* of a
// file, to _startJson (--only split on ',' and ' ' and compared with the
// name as written, then `-<env>` appended with append_env_to_name and
// --env; every running process with a resulting name restarted); stop and
// delete of a file to actionFromJson. pm2 evaluates stdin and .json as
// JavaScript: comments, trailing commas and unquoted keys are data.
TEST_CASE("differential: documents on stdin and ecosystem files", "[shim][e2e]") {
  Pm2Sandbox box;
  box.start({Pm2App{"web", "default", {}}, Pm2App{"web-prod", "default", {}}, Pm2App{"api", "default", {}},
             Pm2App{"api", "jobs", {}}, Pm2App{"worker", "jobs", {}}, Pm2App{"solo", "default", {}}});
  Harness h(box);
  const std::string idle = box.idle_script();
  const std::string d = box.dir() + "/deploy";
  write(d + "/eco.json",
        "// the deploy's apps (pm2 evaluates a .json file as JavaScript)\n"
        "{\n"
        "  \"apps\": [\n"
        "    { \"name\": \"web\", \"script\": \"" + idle + "\", \"append_env_to_name\": true, },  /* web-<env> */\n"
        "    { \"name\": \"api\", \"script\": \"" + idle + "\", },\n"
        "    { \"name\": \"fresh-json\", \"script\": \"" + idle + "\", },\n"
        "  ],\n"
        "}\n");
  write(d + "/eco.yml",
        "base: &base\n"
        "  script: " + idle + "\n"
        "apps:\n"
        "  - <<: *base\n"
        "    name: web\n"
        "    append_env_to_name: true\n"
        "  - <<: *base\n"
        "    name: api\n"
        "  - <<: *base\n"
        "    name: fresh-yml\n"
        "    namespace: jobs\n");
  write(d + "/eco.config.js",
        "const script = '" + idle + "';\n"
        "module.exports = {\n"
        "  apps: [\n"
        "    { name: 'web', script, append_env_to_name: true },\n"
        "    { name: 'api', script },\n"
        "    { name: 'worker', script, namespace: 'jobs' },\n"
        "  ],\n"
        "};\n");
  // A JS config reads pm2's argv (the shim requires it with the same argv).
  write(d + "/dyn.config.js",
        "const i = process.argv.indexOf('--env');\n"
        "const env = i > 0 ? process.argv[i + 1] : 'dev';\n"
        "module.exports = { apps: [ { name: 'web-' + env, script: '" + idle + "' } ] };\n");
  // _startJson's second place for the apps: `pm2`.
  write(d + "/legacy.json", "{ \"pm2\": [ { \"name\": \"solo\", \"script\": \"" + idle + "\" }, ], }\n");
  write(box.dir() + "/implicit/ecosystem.config.js",
        "module.exports = { apps: [ { name: 'worker', script: '" + idle + "', namespace: 'jobs' } ] };\n");

  const std::string web_and_api =
      "// the deploy's apps\n"
      "{\n"
      "  \"apps\": [\n"
      "    {\"name\": \"web\", \"script\": \"" + idle + "\",}, /* one */\n"
      "    {\"name\": \"api\", \"script\": \"" + idle + "\",},\n"
      "  ],\n"
      "}\n";
  const std::string worker_array = "[ {name: 'worker', script: '" + idle + "',}, ]  // a bare array\n";
  const std::string worker_and_fresh = "{\"apps\": [{\"name\": \"worker\", \"script\": \"" + idle +
                                       "\"}, {\"name\": \"fresh-stdin\", \"script\": \"" + idle + "\"},],}\n";
  const std::string web_prod = "{apps: [{name: 'web', script: '" + idle + "', append_env_to_name: true}]}\n";
  const std::string jobs = "{\"name\": \"jobs\", \"script\": \"" + idle + "\"}\n";
  const std::string solo = "{ \"name\": \"solo\", \"script\": \"" + idle + "\" } // the last one\n";

  struct Case {
    std::vector<std::string> args;
    std::string input;
    std::string cwd;  ///< "" = the sandbox's directory
    bool refused;     ///< the shim refuses it even under the open policy (its refusal lists the targets)
    Case(std::vector<std::string> a, std::string in = "", std::string dir = "", bool r = false)
        : args(std::move(a)), input(std::move(in)), cwd(std::move(dir)), refused(r) {}
  };
  const std::string json_file = d + "/eco.json", yml = d + "/eco.yml", js = d + "/eco.config.js";
  std::vector<Case> cases = {
      // stdin, actionFromJson
      {{"restart", "-"}, web_and_api},                      // web, both api
      {{"restart", "-", "--only", "api"}, web_and_api},
      {{"stop", "-", "--only", "web,api"}, web_and_api},    // exact --only: nothing
      {{"stop", "-"}, worker_array},
      // stdin, _startJson
      {{"start", "-"}, worker_and_fresh},                   // worker (stopped) restarted, fresh-stdin started
      {{"start", "-", "--only", "web api"}, web_and_api},
      {{"start", "-", "--only", "web", "--env", "prod"}, web_prod},  // web-prod
      {{"stop", "-"}, jobs},                                // by name or script path only: not the namespace
      // `-` is stdin only as the one argument of delete and start; with a
      // second target pm2 acts on `-` first, which fails (no process `-`,
      // no script `-`), and pm2's CLI stops at the first failing target
      // (CLI.js: forEachLimit(targets, 1, ..., next(err))): `web` is not
      // touched, and the shim names only what pm2 reaches (it still judges
      // the later targets, in case the first stops failing before pm2 runs).
      {{"delete", "-", "web"}, solo},
      {{"start", "-", "web"}, solo},  // `-` is a script here, not found: pm2 stops before web
      // files, _startJson
      {{"start", json_file}},                               // web, both api; fresh-json started
      {{"restart", yml, "--env", "prod"}},                  // web-prod, both api; fresh-yml started in jobs
      {{"reload", js, "--only", "web", "--env", "prod"}},   // web-prod
      {{"startOrRestart", json_file, "--only", "api fresh-json"}},
      {{"startOrReload", yml, "--only", "web,fresh-yml", "--env", "staging"}},  // web-staging started, fresh-yml
      {{"restart", json_file, "web-prod"}},
      {{"start"}, "", box.dir() + "/implicit"},             // ./ecosystem.config.js: worker
      {{"restart", d + "/dyn.config.js", "--env", "prod"}},  // web-prod
      {{"startOrRestart", d + "/legacy.json"}},             // solo
      // files, actionFromJson: no name gets `-<env>`
      {{"stop", js, "--only", "web", "--env", "prod"}},     // web itself
      {{"stop", yml, "--only", "web-prod", "--env", "prod"}},  // nothing
      {{"delete", yml, "--only", "fresh-yml"}},
      // pm2 stops at the first failing target here too: a file that does
      // not exist, a name that matches nothing.
      {{"restart", d + "/missing.json", "web-prod"}},
      {{"restart", "no-such-app", "web-prod"}},
      {{"delete", "-"}, solo},
      {{"delete", js}},                                     // web, both api, worker
  };
  Table after = h.settled();
  for (const Case& c : cases) {
    INFO(shown(c.args) << (c.input.empty() ? "" : " <<< " + c.input) << (c.cwd.empty() ? "" : " in " + c.cwd));
    RunResult dry = h.dry(c.args, c.input, c.cwd);
    INFO("shim: " << dry.err);
    CHECK(dry.code == (c.refused ? 77 : 0));
    CHECK(has(dry.err, c.refused ? "pm2guard: dry run: refused" : "pm2guard: dry run: would run"));
    std::set<int> said = named_ids(dry.err);
    Table before = after;
    RunResult r = h.real(c.args, c.input, c.cwd);
    INFO("pm2: " << r.out << r.err);
    after = h.settled();
    std::set<int> did = changed(before, after);
    INFO("shim named " << ids_text(said, before) << "; pm2 acted on " << ids_text(did, before)
                       << " and started " << names_text(appeared(before, after)));
    CHECK(said == did);
  }
}

// Modules from a local directory. `pm2 install .` (Modularizer.install ->
// NPM.localStart) runs no npm: it reads ./package.json and hands it to
// _startJson with force_name = the package's name and watch on; an app
// whose name runs is restarted, the others start under the package's name.
// The shim's allowed dry run names only what it restarts; the name a module
// starts under it names in a name-collision refusal, provoked here by a
// process of another repository in a namespace of that name. `pm2 uninstall
// NAME` looks NAME up among the modules recorded in module_conf.json
// (module-db-v2, written by an npm install) and deletes the first module
// process of that name. `install .` works offline (no npm runs for `.`);
// installing from npm, a git URL or a tarball is not tested here. The
// first uninstall (of the module `install .` started, which is not in
// module_conf.json: pm2 says "Unknown module" and deletes nothing) fails
// with the shim as it is, which names the module's process.
TEST_CASE("differential: modules from a local directory", "[shim][e2e]") {
  Pm2Sandbox box;
  Harness h(box);
  const std::string quiet = box.dir() + "/quiet";  // the apps' cwd: nothing is written there (watch)
  fs::create_directories(quiet);
  json eco = {{"apps", json::array({app("a", box.idle_script()), app("b", box.idle_script()),
                                    app("ns-holder", box.idle_script(), "mod-two",
                                        {{"GITHUB_REPOSITORY", "acme/other"}})})}};
  for (json& a : eco["apps"]) a["cwd"] = quiet;
  write(box.dir() + "/mod-apps.json", eco.dump(2));
  box.pm2_ok({"start", box.dir() + "/mod-apps.json"});
  for (const char* m : {"mod1", "mod2"}) write(box.dir() + "/" + m + "/idle.js", "setInterval(() => {}, 1000);\n");
  write(box.dir() + "/mod1/package.json",
        R"({"name": "mod-one", "version": "1.0.0", "apps": [{"name": "a", "script": "idle.js"}]})");
  write(box.dir() + "/mod2/package.json",
        R"({"name": "mod-two", "version": "1.0.0", "apps": [{"name": "zz", "script": "idle.js"}]})");

  std::map<std::string, std::string> mine = h.shim_env;
  mine["GITHUB_REPOSITORY"] = "acme/mine";
  mine["PM2GUARD_TEST_SYSTEM_POLICY"] = box.dir() + "/default-policy.yml";
  std::ofstream(box.dir() + "/default-policy.yml") << "syslog: false\n";

  Table after = h.settled();
  struct Case {
    std::vector<std::string> args;
    std::string cwd;
    bool register_module;  ///< record mod-two in module_conf.json first, as `pm2 install mod-two` from npm would
    Case(std::vector<std::string> a, std::string dir, bool reg = false)
        : args(std::move(a)), cwd(std::move(dir)), register_module(reg) {}
  };
  for (const Case& c : std::vector<Case>{
           {{"install", "."}, box.dir() + "/mod1"},  // restarts a
           {{"install", "."}, box.dir() + "/mod2"},  // starts module process mod-two
           // The module `install .` started is not in module_conf.json:
           // pm2 says "Unknown module" and deletes nothing.
           {{"uninstall", "mod-two"}, box.dir()},
           {{"uninstall", "mod-two"}, box.dir(), true},
       }) {
    INFO(shown(c.args) << " in " << c.cwd << (c.register_module ? " (registered)" : ""));
    if (c.register_module) write(box.pm2_home() + "/module_conf.json", R"({"module-db-v2": {"mod-two": {}}})");
    std::set<int> said = h.said(c.args, "", c.cwd);
    // The name the module would start under, as the shim tells another
    // repository's job.
    std::multiset<std::string> said_names;
    RunResult reveal = h.dry(c.args, "", c.cwd, mine);
    INFO("shim as acme/mine: " << reveal.err);
    const std::string marker = "would start `";
    for (size_t at = reveal.err.find(marker); at != std::string::npos; at = reveal.err.find(marker, at + 1)) {
      size_t from = at + marker.size();
      said_names.insert(reveal.err.substr(from, reveal.err.find('`', from) - from));
    }
    CHECK(reveal.code == (said_names.empty() ? 0 : 77));
    if (!said_names.empty()) CHECK(has(reveal.err, "[name-collision]"));
    Table before = after;
    RunResult r = h.real(c.args, "", c.cwd);
    INFO("pm2: " << r.out << r.err);
    after = h.settled();
    std::set<int> did = changed(before, after);
    std::multiset<std::string> did_names = appeared(before, after);
    for (const auto& [id, p] : after)
      if (!before.count(id)) CHECK(p.module);  // pmx_module: what `pm2 install` starts is a module
    INFO("shim named " << ids_text(said, before) << " and would start " << names_text(said_names) << "; pm2 acted on "
                       << ids_text(did, before) << " and started " << names_text(did_names));
    CHECK(said == did);
    CHECK(said_names == did_names);
  }
}

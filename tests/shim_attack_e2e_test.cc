// An attack suite against the pm2 shim and a real pm2 7.0.4 daemon in a
// private PM2_HOME holding the processes of three repositories:
//
//   acme/shop     shop-api, shop-worker          namespace default
//   beta/billing  billing-api, billing-cron      namespace billing
//   gamma/blog    blog-web                       namespace default
//
// each started with its repository's CI variables, so that every process
// records its repository in its environment. The attacker is a CI job of
// acme/shop. After every attack, every process of the other repositories
// must keep its pm_id, pid, status, restart count, name, namespace and
// recorded repository, no process of the attacker may have taken one of
// their names or namespaces (Arena::end checks both), and the audit log
// must hold a record of the attempt ("refuse" for refusals). A failed
// expectation prints the attack, its exit status, stderr, the new audit
// records and one line per problem.
//
// The spellings come from pm2 7.0.4's own source (lib/binaries/CLI.js,
// lib/API.js, lib/API/Extra.js, lib/API/Configuration.js,
// lib/API/LogManagement.js, lib/API/Startup.js, lib/API/Modules/,
// lib/API/pm2-plus/link.js); the comments say where each one acts.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "pm2_sandbox.h"
#include "run.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace pm2guard::testing;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kShimDir = fs::path(PM2GUARD_SHIM_TESTABLE).parent_path().string();
const std::string kRealDir = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin";

const std::string kShop = "acme/shop";
const std::string kBilling = "beta/billing";
const std::string kBlog = "gamma/blog";

// A CI job of `repo` (each repository its own run).
std::map<std::string, std::string> job(const std::string& repo) {
  std::string run = repo == kShop ? "8101" : repo == kBilling ? "8202" : "8303";
  return {{"GITHUB_ACTIONS", "true"},
          {"GITHUB_REPOSITORY", repo},
          {"GITHUB_RUN_ID", run},
          {"GITHUB_RUN_ATTEMPT", "1"},
          {"GITHUB_JOB", "deploy"},
          {"GITHUB_WORKFLOW", "Deploy"},
          {"GITHUB_REF", "refs/heads/main"},
          {"GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"},
          {"GITHUB_ACTOR", "deployer"}};
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string joined(const std::vector<std::string>& args) {
  std::string s = "pm2";
  for (const std::string& a : args) s += a.empty() ? " ''" : " " + a;
  return s;
}

// The shim as built for tests (PM2GUARD_TEST_SYSTEM_POLICY names the system
// policy, which turns syslog off), run as a CI job of `repo` with the shim
// first on PATH and the real pm2 behind it.
struct Shim {
  const Pm2Sandbox& box;
  std::map<std::string, std::string> env;
  std::string cwd;

  Shim(const Pm2Sandbox& b, const std::string& repo) : box(b), cwd(b.dir()) {
    for (const std::string& kv : b.environment()) {
      size_t eq = kv.find('=');
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    env["PATH"] = kShimDir + ":" + kRealDir + ":" + env["PATH"];
    for (const auto& [k, v] : job(repo)) env[k] = v;
    std::string quiet = b.dir() + "/quiet-system-policy.yml";
    std::ofstream(quiet) << "syslog: false\n";
    env["PM2GUARD_TEST_SYSTEM_POLICY"] = quiet;
    // Nothing a command may start reaches the network: npm (pm2 install)
    // stays offline, the PM2+ agent (pm2 link) talks to a closed local port.
    env["npm_config_offline"] = "true";
    env["npm_config_audit"] = "false";
    env["npm_config_fund"] = "false";
    env["npm_config_update_notifier"] = "false";
    env["npm_config_cache"] = b.dir() + "/npm-cache";
    env["KEYMETRICS_NODE"] = "http://127.0.0.1:9";
  }
  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> a{kShimDir + "/pm2"};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  RunResult operator()(const std::vector<std::string>& args, const std::string& input = "",
                       double timeout = 25) const {
    RunOptions o;
    o.env = env;
    o.cwd = cwd;
    o.input = input;
    o.timeout_seconds = timeout;
    // A shim that refuses before it reads stdin closes the pipe under the
    // writer: that must be EPIPE for run(), not SIGPIPE for this test.
    struct sigaction ign {}, old {};
    ign.sa_handler = SIG_IGN;
    if (!input.empty()) sigaction(SIGPIPE, &ign, &old);
    RunResult r = run(argv(args), o);
    if (!input.empty()) sigaction(SIGPIPE, &old, nullptr);
    return r;
  }
};

// ---------------------------------------------------------------------------
// The fleet and its state.

struct App {
  std::string name;
  std::string ns;
  std::string script;  ///< "" = <dir>/<repo's>.js
  json extra;          ///< more keys of the app's ecosystem entry
  explicit App(std::string n, std::string space = "default", std::string s = "", json e = json::object())
      : name(std::move(n)), ns(std::move(space)), script(std::move(s)), extra(std::move(e)) {}
};

std::string script_for(const Pm2Sandbox& box, const std::string& repo) {
  std::string base = repo == kShop ? "shop" : repo == kBilling ? "billing" : "blog";
  return box.dir() + "/" + base + ".js";
}

// Starts `apps` with one `pm2 start <ecosystem>.json` run by the real pm2 as
// a CI job of `repo`: each process records `repo` in its environment.
// `checked`: pm2 must exit 0.
void start_apps(Pm2Sandbox& box, const std::string& repo, const std::vector<App>& apps, bool checked = true) {
  static int count = 0;
  json eco = {{"apps", json::array()}};
  for (const App& a : apps) {
    json app = {{"name", a.name},
                {"script", a.script.empty() ? script_for(box, repo) : a.script},
                {"namespace", a.ns},
                {"cwd", box.dir()}};
    for (const auto& [k, v] : a.extra.items()) app[k] = v;
    eco["apps"].push_back(app);
  }
  std::string file = box.dir() + "/fleet-" + std::to_string(++count) + ".json";
  write_text(file, eco.dump(2));
  if (checked)
    box.pm2_ok({"start", file}, job(repo));
  else
    box.pm2({"start", file}, job(repo));
}

// The three repositories' scripts (idle) and processes. `shop_api_extra`
// goes into shop-api's ecosystem entry.
void start_fleet(Pm2Sandbox& box, const std::string& shop_api_script = "", const json& shop_api_extra = json::object()) {
  // Each app exposes two actions the way @pm2/io's action() does (an
  // `axm:action` message per action, an `axm:reply` per call), so that
  // `pm2 trigger` and `pm2 inspect` reach them.
  const std::string script =
      "if (process.send) {\n"
      "  for (const a of ['my-action', 'internal:inspect'])\n"
      "    process.send({type: 'axm:action', data: {action_name: a, action_type: 'custom'}});\n"
      "  process.on('message', (m) => {\n"
      "    const a = typeof m === 'string' ? m : m && m.msg;\n"
      "    if (a) process.send({type: 'axm:reply', data: {return: '', action_name: a}});\n"
      "  });\n"
      "}\n"
      "setInterval(() => {}, 1000);\n";
  for (const std::string& repo : {kShop, kBilling, kBlog}) write_text(script_for(box, repo), script);
  start_apps(box, kShop, {App{"shop-api", "default", shop_api_script, shop_api_extra}, App{"shop-worker"}});
  start_apps(box, kBilling, {App{"billing-api", "billing"}, App{"billing-cron", "billing"}});
  start_apps(box, kBlog, {App{"blog-web"}});
}

// pm2 keeps what an app's env sets: a process can end up with a name that is
// a JSON number (`"env": {"name": 7}`).
std::string name_of(const json& p) {
  const json& n = p.contains("name") ? p["name"] : json();
  return n.is_string() ? n.get<std::string>() : n.dump();
}

std::string str_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

long num_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return -1;
  return j[key].get<long>();
}

struct ProcState {
  std::string name, ns, status, repo;
  long pid = -1;
  long restarts = -1;
  bool operator==(const ProcState& o) const {
    return name == o.name && ns == o.ns && status == o.status && repo == o.repo && pid == o.pid && restarts == o.restarts;
  }
  bool operator!=(const ProcState& o) const { return !(*this == o); }
};
using Table = std::map<long, ProcState>;  // by pm_id

Table table(const Pm2Sandbox& box) {
  Table t;
  for (const json& p : box.jlist()) {
    const json& e = p.contains("pm2_env") ? p["pm2_env"] : json::object();
    ProcState s;
    s.name = name_of(p);
    s.ns = str_of(e, "namespace");
    s.status = str_of(e, "status");
    s.repo = str_of(e, "GITHUB_REPOSITORY");
    s.pid = num_of(p, "pid");
    s.restarts = num_of(e, "restart_time");
    t[num_of(p, "pm_id")] = s;
  }
  return t;
}

bool other_repo(const ProcState& s) { return s.repo == kBilling || s.repo == kBlog; }

// The other repositories' processes in `all`, plus whatever now holds an id
// that was theirs in `before` (renamed, re-owned, or replaced).
Table others_of(const Table& all, const Table* before = nullptr) {
  Table out;
  for (const auto& [id, s] : all)
    if (other_repo(s) || (before && before->count(id))) out[id] = s;
  return out;
}

const ProcState* find(const Table& t, const std::string& name) {
  for (const auto& [id, s] : t)
    if (s.name == name) return &s;
  return nullptr;
}

long id_of(const Table& t, const std::string& name) {
  for (const auto& [id, s] : t)
    if (s.name == name) return id;
  return -1;
}

long pid_of(const Pm2Sandbox& box, const std::string& name) {
  Table t = table(box);
  const ProcState* s = find(t, name);
  return s ? s->pid : -1;
}

// ---------------------------------------------------------------------------
// The audit log.

std::vector<std::string> audit_raw(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::vector<json> parse_records(const std::vector<std::string>& lines, size_t from) {
  std::vector<json> out;
  for (size_t i = from; i < lines.size(); ++i) {
    json j = json::parse(lines[i], nullptr, false);
    if (j.is_discarded()) j = json{{"unparsable", lines[i]}};
    out.push_back(j);
  }
  return out;
}

bool any_decision(const std::vector<json>& records, const std::string& decision) {
  for (const json& r : records)
    if (r.is_object() && r.value("decision", json()) == decision) return true;
  return false;
}

// Some record's argv names this command (argv[1]; argv[0] is the shim).
bool names_command(const std::vector<json>& records, const std::string& command) {
  for (const json& r : records)
    if (r.is_object() && r.contains("argv") && r["argv"].is_array() && r["argv"].size() > 1 &&
        r["argv"][1] == command)
      return true;
  return false;
}

std::string dump_records(const std::vector<json>& records) {
  std::string s;
  for (const json& r : records) {
    json brief = r;
    if (brief.is_object()) {
      brief.erase("ci");
      brief.erase("before");
      brief.erase("after");
    }
    s += "\n  " + brief.dump();
  }
  return s.empty() ? " (no record)" : s;
}

// What changed in the other repositories' processes, one line each; "" when
// nothing did.
std::string diff(const Table& before, const Table& after) {
  std::string out;
  bool first = true;
  auto field = [&](const std::string& what, const std::string& a, const std::string& b) {
    if (a == b) return;
    out += (first ? "" : ", ") + what + " " + a + " -> " + b;
    first = false;
  };
  for (const auto& [id, b] : before) {
    auto it = after.find(id);
    std::string head = "\n  id " + std::to_string(id) + " " + b.name + " (" + b.repo + ")";
    if (it == after.end()) {
      out += head + ": gone";
      continue;
    }
    const ProcState& a = it->second;
    if (a == b) continue;
    first = true;
    out += head + ":";
    out += " ";
    field("name", b.name, a.name);
    field("namespace", b.ns, a.ns);
    field("status", b.status, a.status);
    field("pid", std::to_string(b.pid), std::to_string(a.pid));
    field("restarts", std::to_string(b.restarts), std::to_string(a.restarts));
    field("repository", b.repo, a.repo);
  }
  for (const auto& [id, a] : after)
    if (!before.count(id))
      out += "\n  id " + std::to_string(id) + " new: " + a.name + " (" + a.repo + ", " + a.status + ")";
  return out;
}

// Processes that are not the other repositories' and that appeared, or were
// renamed or moved, during an attack, and now carry one of their names, or
// sit in one of their namespaces, or are named like one: one line each.
std::string collisions(const Table& all_before, const Table& all_after, const Table& others) {
  std::string out;
  for (const auto& [id, s] : all_after) {
    if (other_repo(s) || others.count(id)) continue;  // theirs, or in diff()
    auto was = all_before.find(id);
    if (was != all_before.end() && was->second.name == s.name && was->second.ns == s.ns) continue;
    std::string head = "\n  collision: id " + std::to_string(id) + " " + s.name + " (" + s.repo + ", namespace " + s.ns + ")";
    for (const auto& [oid, o] : others) {
      std::string whose = o.repo + "'s " + o.name + " (id " + std::to_string(oid) + ")";
      if (s.name == o.name) {
        out += head + " has the name of " + whose;
        break;
      }
      if (s.ns == o.ns && s.ns != "default") {
        out += head + " is in the namespace of " + whose;
        break;
      }
      if (s.name == o.ns) {
        out += head + " is named like the namespace of " + whose;
        break;
      }
    }
  }
  return out;
}

// One attack: what the attacker ran, what it got, what the audit log gained,
// and what it changed in the other repositories' processes.
struct Outcome {
  std::string what;
  RunResult r;
  std::vector<json> records;
  std::string others_changed;  ///< diff(); "" when nothing changed
};

std::string describe(const Outcome& o) {
  std::string out = o.r.out.size() > 600 ? o.r.out.substr(0, 600) + "..." : o.r.out;
  return o.what + "\nexit " + std::to_string(o.r.code) + "\nstderr:\n" + o.r.err + "stdout:\n" + out +
         "\nnew audit records:" + dump_records(o.records);
}

// Runs attacks on one sandbox, each against the state the last one left:
// Arena::end diffs the other repositories' processes against it, and
// reports the attacker's processes that took their names or namespaces.
class Arena {
 public:
  explicit Arena(Pm2Sandbox& b) : box_(b), log_(b.pm2_home() + "/pm2guard-audit.log") { refresh(); }

  /// A new baseline (after a legitimate change by a process's owner).
  void refresh() {
    all_before_ = table(box_);
    before_ = others_of(all_before_);
  }
  const Table& baseline() const { return before_; }

  /// Marks the start of an attack that the caller runs itself.
  void begin() { mark_ = audit_raw(log_).size(); }
  /// Ends it: the audit records written since begin(), and what changed.
  Outcome end(const std::string& what, RunResult r) {
    Outcome o;
    o.what = what;
    o.r = std::move(r);
    o.records = parse_records(audit_raw(log_), mark_);
    Table all = table(box_);
    Table after = others_of(all, &before_);
    o.others_changed = diff(before_, after) + collisions(all_before_, all, before_);
    all_before_ = all;
    before_ = others_of(after);
    return o;
  }
  Outcome attack(const Shim& shim, const std::vector<std::string>& args, const std::string& input = "",
                 double timeout = 25) {
    begin();
    RunResult r = shim(args, input, timeout);
    return end(joined(args) + (input.empty() ? "" : " <<< " + input.substr(0, 200)), std::move(r));
  }

 private:
  Pm2Sandbox& box_;
  std::string log_;
  Table all_before_;  ///< every process
  Table before_;      ///< the other repositories'
  size_t mark_ = 0;
};

size_t lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) ++n;
  return n;
}

// What is wrong with one outcome, one line per problem. Each expectation
// ends with one CHECK that the list is empty, the outcome shown once.
struct Problems {
  std::string list;
  void need(bool ok, const std::string& what) {
    if (!ok) list += "\n  - " + what;
  }
  void unchanged(const Outcome& o) {
    need(o.others_changed.empty(), "other repositories' processes changed, or their names were taken:" + o.others_changed);
  }
  void check(const Outcome& o) const {
    INFO(describe(o));
    CHECK(list == "");
  }
};

// Refused by a rule: exit 77, one `pm2guard: refused` line, nothing on
// stdout, a "refuse" record, nothing of the others changed.
void expect_refused(const Outcome& o) {
  Problems p;
  p.unchanged(o);
  p.need(o.r.code == 77, "exit " + std::to_string(o.r.code) + ", want 77 (refused)");
  p.need(lines_starting(o.r.err, "pm2guard: refused") == 1, "want one `pm2guard: refused` line on stderr");
  p.need(o.r.out.empty(), "want nothing on stdout");
  p.need(any_decision(o.records, "refuse"), "no audit record with decision \"refuse\"");
  p.check(o);
}

// Whatever the decision: nothing of the others changed and the attempt is
// on record.
void expect_recorded(const Outcome& o, const std::string& command) {
  Problems p;
  p.unchanged(o);
  p.need(!o.records.empty() && names_command(o.records, command), "no audit record of `" + command + "`");
  p.check(o);
}

// Nothing of the others changed (a background attack).
void expect_unchanged(const Outcome& o) {
  Problems p;
  p.unchanged(o);
  p.check(o);
}

// The caller's own app was restarted (pid changed) by an allowed command
// that exited 0, and nothing of the others changed.
void expect_restarted_own(const Outcome& o, long pid_after, long pid_before, int want_code = 0) {
  Problems p;
  p.unchanged(o);
  p.need(o.r.code == want_code, "exit " + std::to_string(o.r.code) + ", want " + std::to_string(want_code));
  p.need(pid_after != pid_before && pid_after > 0, "the caller's own app was not restarted");
  p.check(o);
}

// A refusal's record, in the record format: one "final" record with an id,
// the rules, argv with argv[0], the targets and the table before.
void expect_final_record(const Outcome& o, const std::vector<std::string>& args) {
  Problems p;
  p.need(o.records.size() == 1, std::to_string(o.records.size()) + " audit records, want 1");
  if (!o.records.empty()) {
    const json& r = o.records[0];
    p.need(r.contains("id") && r["id"].is_string() && !r["id"].get<std::string>().empty(), "no string \"id\"");
    p.need(r.value("phase", json()) == "final", "\"phase\" is " + r.value("phase", json()).dump() + ", want \"final\"");
    p.need(r.value("decision", json()) == "refuse", "\"decision\" is not \"refuse\"");
    p.need(r.contains("rules") && r["rules"].is_array() && !r["rules"].empty(), "no \"rules\"");
    std::vector<std::string> argv{kShimDir + "/pm2"};
    argv.insert(argv.end(), args.begin(), args.end());
    p.need(r.value("argv", json()) == json(argv), "\"argv\" is not argv[0] and the arguments");
    p.need(r.contains("targets") && r["targets"].is_array(), "no \"targets\" array");
    p.need(r.contains("before") && r["before"].is_array() && !r["before"].empty(), "no \"before\" table");
  }
  p.check(o);
}

// An allowed command's records: a "start" before pm2 ran and an "end" after
// it, with the same id and pm2's exit status.
void expect_start_end(const Outcome& o) {
  Problems p;
  const json* start = nullptr;
  const json* end = nullptr;
  for (const json& r : o.records) {
    if (r.value("phase", json()) == "start") start = &r;
    if (r.value("phase", json()) == "end") end = &r;
  }
  p.need(start != nullptr, "no record with \"phase\": \"start\"");
  p.need(end != nullptr, "no record with \"phase\": \"end\"");
  if (start && end) {
    p.need(start->contains("id") && start->at("id").is_string(), "no string \"id\"");
    p.need(start->value("id", json()) == end->value("id", json()), "\"start\" and \"end\" ids differ");
    p.need(start->value("decision", json()) == "allow", "\"start\" decision is not \"allow\"");
    p.need(end->value("exit_code", json()) == 0, "\"end\" has no exit_code 0");
  }
  p.check(o);
}

// ---------------------------------------------------------------------------
// A background command in a process group of its own, with a stdin pipe
// the test holds open; killed (the whole group) and reaped by the
// destructor even when the test fails.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& cwd, const std::string& log) {
    std::vector<std::string> envv;
    for (const auto& [k, v] : env) envv.push_back(k + "=" + v);
    std::vector<char*> args, envp;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (std::string& kv : envv) envp.push_back(kv.data());
    envp.push_back(nullptr);
    int in[2];
    if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      setpgid(0, 0);
      signal(SIGPIPE, SIG_DFL);
      int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (out < 0 || dup2(in[0], 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || chdir(cwd.c_str()) != 0) _exit(126);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    setpgid(pid_, pid_);  // no race with the child's own call
    close(in[0]);
    stdin_ = in[1];
  }
  ~Background() { stop(); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  void close_stdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }
  /// The first child of the process (pm2, for a shim that runs it), 0 if none.
  pid_t child() const {
    std::ifstream ch("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
    pid_t c = 0;
    ch >> c;
    return c;
  }
  /// Waits up to `seconds` for the process to exit; reaps it.
  bool wait_exit(double seconds, int* status = nullptr) {
    if (reaped_) return true;
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    do {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        if (status) *status = st;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (Clock::now() < deadline);
    return false;
  }
  /// Signals the process alone (not its group).
  void signal_self(int sig) const { kill(pid_, sig); }
  /// Closes stdin, kills the whole group, reaps. Idempotent.
  void stop() noexcept {
    close_stdin();
    if (pid_ <= 0) return;
    kill(-pid_, SIGKILL);
    if (!reaped_) {
      int st = 0;
      waitpid(pid_, &st, 0);
      reaped_ = true;
    }
    kill(-pid_, SIGKILL);  // anything of the group the shim left behind
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  bool reaped_ = false;
};

// Polls `pred` every 100 ms for up to `seconds`.
template <typename Pred>
bool eventually(double seconds, Pred pred) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  do {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (Clock::now() < deadline);
  return pred();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A local directory pm2 can install as a module: `pm2 install <dir>` runs
// `npm install <dir>` and then starts the package as an app named after
// package.json's `name` (NPM.js: StartModule, force_name).
void write_module(const std::string& dir, const std::string& name) {
  write_text(dir + "/package.json", json{{"name", name}, {"version", "1.0.0"}, {"main", "index.js"}}.dump(2));
  write_text(dir + "/index.js", "setInterval(() => {}, 1000);\n");
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("default deny: commands that are not read-only are judged and audited", "[shim][e2e][attack]") {
  Pm2Sandbox box;
  start_fleet(box);
  Shim shop(box, kShop);
  Arena arena(box);
  const std::string billing_id = std::to_string(id_of(arena.baseline(), "billing-api"));

  // Every process at once: `reset` (API.js reset) and `trigger` (Extra.js:
  // msgProcess to every process when the target is `all`).
  {
    Outcome o = arena.attack(shop, {"reset", "all"});
    expect_refused(o);
    expect_final_record(o, {"reset", "all"});
  }
  expect_refused(arena.attack(shop, {"reset", "billing-api"}));
  expect_refused(arena.attack(shop, {"trigger", "all", "my-action"}));
  expect_refused(arena.attack(shop, {"trigger", "billing-api", "my-action"}));

  // X:key restarts X (Configuration.js). pm2 restarts the app of the first
  // multiset key only; every key is judged as a restart of its app. The
  // app part goes to pm2's restart(), which also takes a namespace; `.`
  // splits like `:`.
  expect_refused(arena.attack(shop, {"multiset", "shop-api:x 1 billing-api:y 2"}));
  expect_refused(arena.attack(shop, {"multiset", "a 1 all:b 2"}));
  expect_refused(arena.attack(shop, {"set", "billing-api:k", "v"}));
  expect_refused(arena.attack(shop, {"set", "billing-api.k", "v"}));
  expect_refused(arena.attack(shop, {"set", "billing:k", "v"}));
  expect_refused(arena.attack(shop, {"config", "billing-api:k", "v"}));

  // Another repository's process through its stdin (Extra.js
  // sendLineToStdin) or its inspector (Extra.js inspect: trigger
  // internal:inspect).
  expect_refused(arena.attack(shop, {"send", billing_id, "hello"}));
  expect_refused(arena.attack(shop, {"inspect", "billing-api"}));

  // A newer pm2's command, unknown to pm2 7.0.4, aimed at everything.
  expect_refused(arena.attack(shop, {"futurecmd", "all"}));

  // Modules: uninstall deletes the module's process (Modularizer.uninstall;
  // `all` is every module).
  // No module is registered (module_conf.json): pm2 answers "Unknown
  // module" and touches nothing, and the shim, reading the same registry,
  // lets that through; it is still audited and changes nothing.
  for (const char* name : {"billing-api", "all"}) {
    Outcome o = arena.attack(shop, {"uninstall", name});
    expect_unchanged(o);
    expect_recorded(o, "uninstall");
  }
  // Registered as a tarball module, `billing-api`'s apps are deleted by name
  // (TAR.js uninstall): that is beta/billing's process, refused.
  {
    std::string conf = box.pm2_home() + "/module_conf.json";
    write_text(conf, R"({"module-db-v2":{},"tar-modules":{"billing-api":{}}})");
    expect_refused(arena.attack(shop, {"uninstall", "billing-api"}));
    write_text(conf, "{}");
  }

  // Logs: flush truncates log files (LogManagement.js; `''` also flushes
  // pm2.log, and `pm_id == ''` is true for id 0), reloadLogs reopens every
  // app's logs. Audited, whatever the decision.
  expect_recorded(arena.attack(shop, {"flush", "billing-api"}), "flush");
  expect_recorded(arena.attack(shop, {"flush", ""}), "flush");
  expect_recorded(arena.attack(shop, {"reloadLogs"}), "reloadLogs");

  // resurrect starts every app of the dump that is not running
  // (Startup.js), with the environment it was saved with: here an app its
  // owner deleted after the dump was written.
  box.pm2_ok({"save"});
  {
    Shim billing(box, kBilling);
    RunResult del = billing({"delete", "billing-cron"});
    INFO(del.err);
    CHECK(del.code == 0);  // its owner may
    arena.refresh();
    CHECK(find(arena.baseline(), "billing-cron") == nullptr);
  }
  expect_refused(arena.attack(shop, {"resurrect"}));

  // A module from a local directory is started as an app named after its
  // package.json (StartModule: force_name): a running app of that name is
  // restarted with the installer's environment. `install .` (NPM.js
  // localStart) needs no npm at all. The shim refuses before pm2 (and npm)
  // run.
  write_module(box.dir() + "/mod", "billing-api");
  write_module(box.dir() + "/billing-api", "billing-api");
  write_module(box.dir() + "/all", "all");
  write_module(box.dir() + "/mod-regex", "/.*/");
  expect_refused(arena.attack(shop, {"install", "./mod-regex"}));
  expect_refused(arena.attack(shop, {"install", "./all"}));
  expect_refused(arena.attack(shop, {"install", "./mod"}));
  {
    Shim here = shop;
    here.cwd = box.dir() + "/billing-api";
    expect_refused(arena.attack(here, {"install", "."}));
  }
  expect_refused(arena.attack(shop, {"install", "./billing-api"}));
  expect_refused(arena.attack(shop, {"module:install", "./billing-api"}));
  expect_refused(arena.attack(shop, {"module:update", "./billing-api"}));

  // PM2+ (pm2-plus/link.js): `link <secret> <public>` hands the daemon to
  // remote control; `link stop` and `link kill` stop the agent and then
  // reload('all'). Last: a linked daemon starts an agent.
  expect_recorded(arena.attack(shop, {"link", "k1", "k2"}), "link");
  expect_refused(arena.attack(shop, {"link", "stop"}));
}

TEST_CASE("documents are data: code in documents and borrowed names and reserved keys are refused",
          "[shim][e2e][attack]") {
  Pm2Sandbox box;
  start_fleet(box);
  // More of acme/shop's own apps, one for each attack that renames or moves
  // one (so that a shim that lets one through does not spoil the next).
  start_apps(box, kShop, {App{"shop-mover"}, App{"shop-starter"}});
  Shim shop(box, kShop);
  Arena arena(box);
  const std::string shop_js = script_for(box, kShop);
  const std::string billing_js = script_for(box, kBilling);
  auto eco = [&](const std::string& name, const std::string& text) {
    write_text(box.dir() + "/" + name, text);
    return name;
  };

  // Data: JSON with comments and trailing commas (JSON5) still works, from
  // a file and from stdin. Both restart shop-api (_startJson).
  const std::string data = "// the shop's apps\n{\n  \"apps\": [\n    { \"name\": \"shop-api\", \"script\": \"" + shop_js +
                           "\", },  /* trailing commas */\n  ],\n}\n";
  for (std::string via : {"file", "stdin"}) {
    long before = pid_of(box, "shop-api");
    Outcome o = via == "file" ? arena.attack(shop, {"restart", eco("eco-data.json", data)})
                              : arena.attack(shop, {"start", "-"}, data);
    expect_restarted_own(o, pid_of(box, "shop-api"), before);
    if (via == "file") expect_start_end(o);
  }

  // Code: pm2 evaluates a .json file and stdin as JavaScript
  // (Common.parseConfig: vm.runInThisContext). A document that only works
  // as code is refused, whatever it evaluates to (some of these evaluate
  // to the caller's own shop-api).
  auto app_json = [&](const std::string& name_expr) {
    return "{\"apps\":[{\"name\":" + name_expr + ",\"script\":\"" + shop_js + "\"}]}";
  };
  expect_refused(arena.attack(shop, {"start", eco("eco-index.json", app_json("[\"billing-api\"][0]"))}));
  expect_refused(arena.attack(shop, {"restart", eco("eco-own.json", app_json("[\"shop-api\"][0]"))}));
  expect_refused(arena.attack(
      shop, {"start", eco("eco-iife.json", "(function(){return " + app_json("\"shop-api\"") + "})()")}));
  expect_refused(arena.attack(
      shop, {"restart", eco("eco-env.json", app_json("process.env.GITHUB_REPOSITORY === \"acme/shop\" ? \"shop-api\" : \"billing-api\""))}));
  expect_refused(arena.attack(
      shop, {"restart", eco("eco-require.json", app_json("require(\"os\").hostname() ? \"shop-api\" : \"shop-api\""))}));
  expect_refused(arena.attack(shop, {"start", "-"}, "(function(){return " + app_json("\"shop-api\"") + "})()"));
  expect_refused(arena.attack(shop, {"restart", "-"}, "[{\"name\":[\"shop-worker\"][0],\"script\":\"x.js\"}]"));

  // A JS ecosystem file runs once in the shim and again in pm2: this one
  // names shop-api on its first evaluation and billing-api on every later
  // one. Whatever the shim decides, billing-api is never restarted.
  write_text(box.dir() + "/eco-flip.config.js",
             "const fs = require('fs');\n"
             "const f = __dirname + '/eco-flip.count';\n"
             "let n = 0;\n"
             "try { n = parseInt(fs.readFileSync(f, 'utf8'), 10) || 0; } catch (e) {}\n"
             "fs.writeFileSync(f, String(n + 1));\n"
             "module.exports = { apps: [ { name: n === 0 ? 'shop-api' : 'billing-api', script: '" +
                 shop_js + "' } ] };\n");
  {
    Outcome o = arena.attack(shop, {"restart", "eco-flip.config.js"});
    expect_recorded(o, "restart");
    if (!o.others_changed.empty()) {
      // Its owner puts billing-api back, for the attacks that follow.
      box.pm2({"delete", "billing-api"});
      start_apps(box, kBilling, {App{"billing-api", "billing"}});
      arena.refresh();
    }
  }

  // Names: another repository's app name or namespace, taken by a new
  // process, a renamed one, or an ecosystem app. `restart X --name Y` and
  // `start X --name Y` rename X to Y and `--namespace N` moves it
  // (_operate: _handleAttributeUpdate -> current_conf -> pm2_env).
  expect_refused(arena.attack(
      shop, {"start", eco("eco-collide.json", "{\"apps\":[{\"name\":\"billing-api\",\"script\":\"" + shop_js + "\"}]}")}));
  expect_refused(arena.attack(
      shop, {"start", eco("eco-ns.json",
                          "{\"apps\":[{\"name\":\"shop-ns\",\"namespace\":\"billing\",\"script\":\"" + shop_js + "\"}]}")}));
  expect_refused(arena.attack(shop, {"start", shop_js, "--name", "billing-api", "-f"}));
  expect_refused(arena.attack(shop, {"start", shop_js, "--name", "billing"}));
  expect_refused(arena.attack(shop, {"start", shop_js, "--name", "shop-new", "--namespace", "billing"}));
  expect_refused(arena.attack(shop, {"restart", "shop-mover", "--namespace", "billing"}));
  expect_refused(arena.attack(shop, {"start", "shop-starter", "--name", "billing-api"}));
  expect_refused(arena.attack(shop, {"restart", "shop-api", "--name", "billing-api"}));

  // Reserved keys: an app's env is merged into its pm2_env, so `env` can
  // set the name, the namespace, the script, the status, even the pm_id
  // (the new process then takes another process's slot in the daemon).
  auto env_app = [&](const std::string& name, const std::string& block, const json& env) {
    json app = {{"name", name}, {"script", shop_js}};
    app[block] = env;
    return json{{"apps", json::array({app})}}.dump();
  };
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"name", "billing-api"}, {"namespace", "billing"}, {"pm_exec_path", billing_js}, {"status", "stopped"}}) {
    std::string file = eco("eco-env-" + key + ".json", env_app("shop-env-" + key, "env", {{key, value}}));
    expect_refused(arena.attack(shop, {"start", file}));
  }
  expect_refused(arena.attack(
      shop, {"start", eco("eco-env-prod.json", env_app("shop-env-prod", "env_production", {{"namespace", "billing"}})),
             "--env", "production"}));
  const std::string blog_id = std::to_string(id_of(arena.baseline(), "blog-web"));
  expect_refused(arena.attack(shop, {"start", eco("eco-env-pm_id.json", env_app("shop-env-id", "env", {{"pm_id", blog_id}}))}));

}

TEST_CASE("faults of others never block everyone: numeric names and held stdin and long-running forms",
          "[shim][e2e][attack]") {
  Pm2Sandbox box;
  start_fleet(box);
  Shim shop(box, kShop);
  Shim billing(box, kBilling);
  // beta/billing's own policy: waiting longer than 4 s for the lock is the
  // failure this test looks for.
  billing.env["PM2GUARD_POLICY"] = box.dir() + "/fast-lock.yml";
  write_text(billing.env["PM2GUARD_POLICY"], "lock_timeout: 4\n");
  Arena arena(box);

  auto shop_restart = [&](const std::string& when, int want_code = 0) {
    long before = pid_of(box, "shop-api");
    Outcome o = arena.attack(shop, {"restart", "shop-api"});
    o.what += " (" + when + ")";
    expect_restarted_own(o, pid_of(box, "shop-api"), before, want_code);
  };

  // gamma/blog, with the real pm2: a name that is a number (string "42"),
  // then one that is a JSON number (an app's env sets `name: 7`; pm2 7.0.4
  // itself then crashes while printing its table).
  box.pm2_ok({"start", script_for(box, kBlog), "--name", "42"}, job(kBlog));
  arena.refresh();
  shop_restart("with gamma/blog's process named \"42\"");
  // (pm2 starts it, then fails printing its table: exit 1.)
  start_apps(box, kBlog, {App{"blog-num", "default", "", json{{"env", {{"name", 7}}}}}}, false);
  arena.refresh();
  long numeric = id_of(arena.baseline(), "7");
  CHECK(numeric >= 0);  // pm2 took the env's name
  // The shim judges it and passes pm2's own exit status on: whatever the
  // real pm2 exits with on this daemon (its table printer fails on the
  // number), never a refusal or a fault of the shim's.
  int real_code = box.pm2({"restart", "shop-api"}, job(kShop)).exit_code;
  arena.refresh();
  CHECK(real_code != 69);
  CHECK(real_code != 77);
  shop_restart("with gamma/blog's process named 7 (a JSON number)", real_code);
  // gamma/blog removes it again (by id): what follows is about the lock.
  if (numeric >= 0) box.pm2({"delete", std::to_string(numeric)}, job(kBlog));
  arena.refresh();

  // beta/billing deploys while acme/shop's job is busy: it must get through
  // in a few seconds.
  auto billing_restart = [&](const std::string& when) {
    long before = pid_of(box, "billing-api");
    auto t0 = Clock::now();
    RunResult r = billing({"restart", "billing-api"});
    double took = seconds_since(t0);
    Problems p;
    p.need(r.code == 0, "exit " + std::to_string(r.code) + ", want 0");
    p.need(took < 5.0, "took " + std::to_string(took) + " s, want < 5 s");
    p.need(pid_of(box, "billing-api") != before, "billing-api was not restarted");
    Outcome o;
    o.what = "`pm2 restart billing-api` as beta/billing " + when;
    o.r = r;
    p.check(o);
    arena.refresh();
  };

  // `pm2 delete -` whose stdin stays open: the lock is taken only after
  // stdin was read, and the wait for stdin is bounded.
  {
    arena.begin();
    Background held(shop.argv({"delete", "-"}), shop.env, box.dir(), box.dir() + "/held-stdin.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    billing_restart("while acme/shop's `pm2 delete -` waits on an open stdin");
    held.stop();
    expect_unchanged(arena.end("pm2 delete - (stdin held open, then killed)", RunResult{}));
  }

  // Long-running forms: `restart --attach` streams logs after the restart,
  // `logs` streams forever. Neither holds the lock while it streams.
  {
    long before = pid_of(box, "shop-api");
    arena.begin();
    Background attach(shop.argv({"restart", "shop-api", "--attach"}), shop.env, box.dir(), box.dir() + "/attach.log");
    bool restarted = eventually(10, [&] { return pid_of(box, "shop-api") != before; });
    CHECK(restarted);  // `pm2 restart shop-api --attach` restarted shop-api
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    billing_restart("while acme/shop's `pm2 restart shop-api --attach` streams");
    attach.stop();
    expect_unchanged(arena.end("pm2 restart shop-api --attach (then killed)", RunResult{}));
  }
  {
    arena.begin();
    Background logs(shop.argv({"logs", "shop-api", "--lines", "0"}), shop.env, box.dir(), box.dir() + "/logs.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    billing_restart("while acme/shop's `pm2 logs shop-api --lines 0` streams");
    logs.stop();
    expect_unchanged(arena.end("pm2 logs shop-api --lines 0 (then killed)", RunResult{}));
  }
}

TEST_CASE("the audit trail cannot be lost or redirected: SIGKILL mid-command and a decoy home",
          "[shim][e2e][attack]") {
  Pm2Sandbox box;
  // shop-api ignores SIGINT: `pm2 stop shop-api` waits kill_timeout (8 s)
  // before pm2 sends SIGKILL.
  const std::string stubborn = box.dir() + "/stubborn.js";
  write_text(stubborn, "process.on('SIGINT', () => {});\nsetInterval(() => {}, 1000);\n");
  start_fleet(box, stubborn, json{{"kill_timeout", 8000}});
  Shim shop(box, kShop);
  Arena arena(box);

  // The shim is killed with SIGKILL while the real pm2 runs: the "start"
  // record, written before pm2 ran, is already in the log.
  {
    long shop_pid = pid_of(box, "shop-api");
    arena.begin();
    Background stop(shop.argv({"stop", "shop-api"}), shop.env, box.dir(), box.dir() + "/stop.log");
    Problems p;
    p.need(eventually(10, [&] { return stop.child() != 0; }), "the shim never started pm2");
    p.need(eventually(5,
                      [&] {
                        Table t = table(box);
                        const ProcState* s = find(t, "shop-api");
                        return s && s->status == "stopping";
                      }),
           "shop-api never reached \"stopping\"");
    stop.signal_self(SIGKILL);
    p.need(stop.wait_exit(5), "the shim did not die of SIGKILL");
    stop.stop();  // pm2 too, and the group
    Outcome o = arena.end("pm2 stop shop-api (the shim killed with SIGKILL while pm2 runs)", RunResult{});
    if (shop_pid > 0) kill(static_cast<pid_t>(shop_pid), SIGKILL);  // no 8 s wait for the daemon
    p.unchanged(o);
    const json* start = nullptr;
    for (const json& r : o.records)
      if (r.value("phase", json()) == "start" && r.contains("argv") && r["argv"].size() > 2 &&
          r["argv"][1] == "stop" && r["argv"][2] == "shop-api")
        start = &r;
    p.need(start != nullptr, "no audit record with \"phase\": \"start\" for `pm2 stop shop-api`");
    if (start) {
      p.need(start->contains("id") && start->at("id").is_string(), "no string \"id\"");
      p.need(start->value("decision", json()) == "allow", "decision is not \"allow\"");
      bool names_target = false;
      if (start->contains("targets") && start->at("targets").is_array())
        for (const json& t : start->at("targets")) names_target = names_target || t.value("name", json()) == "shop-api";
      p.need(names_target, "\"targets\" does not name shop-api");
    }
    p.check(o);
  }

  // A decoy PM2_HOME whose sockets are the shared daemon's: pm2 acts on the
  // shared daemon, so the refusal is recorded in the shared daemon's log.
  {
    std::string decoy = box.dir() + "/decoy";
    write_text(decoy + "/touch", "0");
    Shim d = shop;
    d.env["PM2_HOME"] = decoy;
    d.env["PM2_DAEMON_RPC_PORT"] = box.rpc_socket();
    d.env["PM2_DAEMON_PUB_PORT"] = box.pm2_home() + "/pub.sock";
    // Arena reads the shared daemon's log: the refusal must be there.
    expect_refused(arena.attack(d, {"delete", "billing-api"}));
  }
}

#include "shim_app.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit.h"
#include "config_file.h"
#include "daemon_client.h"
#include "daemon_home.h"
#include "daemon_lock.h"
#include "decide.h"
#include "io_util.h"
#include "invocation.h"
#include "job_state.h"
#include "pm2_cli.h"
#include "pm2_home.h"
#include "policy.h"
#include "real_pm2.h"
#include "resolve.h"
#include "runtime.h"

#ifndef PM2GUARD_VERSION
#define PM2GUARD_VERSION "0.0.0"
#endif
#ifndef PM2GUARD_SYSTEM_POLICY
#define PM2GUARD_SYSTEM_POLICY "/etc/pm2guard/policy.yml"
#endif

namespace pm2guard::shim {

namespace {

constexpr size_t kMaxStdin = 16u << 20;

std::optional<std::string> env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

std::string cwd() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

// Every line the shim writes to stderr goes through here: process names,
// repositories from the processes' environments, argv and rule messages
// carry other people's text, which must not end the line, start a CI
// workflow command or reach the terminal as an escape sequence.
void say(const std::string& line) {
  std::string s = terminal_line(line) + "\n";
  ssize_t n = write(STDERR_FILENO, s.data(), s.size());
  (void)n;
}

// The system policy's path. Test builds may point it elsewhere; the shipped
// shim reads /etc/pm2guard only.
std::string system_policy_path() {
#ifdef PM2GUARD_TEST_HOOKS
  if (auto p = env("PM2GUARD_TEST_SYSTEM_POLICY")) return *p;
#endif
  return PM2GUARD_SYSTEM_POLICY;
}

struct Policies {
  PolicySet set;
  std::string error;  ///< a policy that could not be used
};

Policies load_policies() {
  Policies out;
  std::string path = system_policy_path();
  if (access(path.c_str(), F_OK) == 0) {
    std::string err;
    bool trusted = true;
#ifdef PM2GUARD_TEST_HOOKS
    trusted = !env("PM2GUARD_TEST_SYSTEM_POLICY").has_value();
#endif
    if (auto p = load_policy(path, trusted, err)) {
      out.set.system = *p;
      out.set.system_file_present = true;
    } else {
      out.error = err;
    }
  }
  if (auto extra = env("PM2GUARD_POLICY"); extra && !extra->empty()) {
    std::string err;
    if (auto p = load_policy(*extra, false, err, PolicyRole::Environment))
      out.set.extra = *p;
    else if (out.error.empty())
      out.error = err;
  }
  return out;
}

// An environment switch: set, and not "0", "false", "no" or "off".
bool flag_on(const std::string& v) {
  std::string l;
  for (char c : v) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !(l.empty() || l == "0" || l == "false" || l == "no" || l == "off");
}

bool has_stdin_target(const Pm2Call& call) {
  return std::any_of(call.targets.begin(), call.targets.end(),
                     [](const Target& t) { return t.form == TargetForm::Stdin; });
}

// Reads stdin to its end within `timeout`: pm2 acts on the first chunk it
// reads, but the shim judges the whole document, and a writer that never
// closes the pipe must not keep the command waiting for ever.
std::optional<std::string> read_all_stdin(std::string& error, std::chrono::milliseconds timeout) {
  std::string data;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      error = fmt::format("it did not end within {} s", static_cast<double>(timeout.count()) / 1000.0);
      return std::nullopt;
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      error = std::strerror(errno);
      return std::nullopt;
    }
    if (r == 0) continue;
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      error = std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxStdin) {
      error = "more than 16 MB on stdin";
      return std::nullopt;
    }
  }
  return data;
}

// argv for the audit trail, with the values that may be secrets blanked
// (see secret_words()).
std::vector<std::string> redacted_argv(const std::vector<std::string>& args, const Invocation& inv,
                                       const Pm2Call& call) {
  std::vector<std::string> out = args;
  for (const SecretWord& s : secret_words(inv, call)) {
    std::string& w = out[static_cast<size_t>(s.arg) + 1];
    w = w.substr(0, std::min(s.keep, w.size())) + std::string(kRedacted);
  }
  return out;
}

std::vector<ProcessSnapshot> snapshots(const std::vector<ProcessInfo>& procs, const std::vector<int>& ids) {
  std::vector<ProcessSnapshot> out;
  for (int id : ids)
    for (const ProcessInfo& p : procs)
      if (p.pm_id == id) out.push_back(snapshot_of(p));
  return out;
}

// The names in a dump file (a JSON array of pm2_env objects, each with its
// environment: read here, never kept or printed beyond the names).
std::optional<std::vector<std::string>> dump_names(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  std::fill(text.begin(), text.end(), '\0');
  if (!doc.is_array()) return std::nullopt;
  std::vector<std::string> names;
  for (const nlohmann::json& e : doc) {
    if (!e.is_object()) continue;
    auto n = e.find("name");
    names.push_back(n != e.end() && n->is_string() ? n->get<std::string>() : std::string("(unnamed)"));
  }
  return names;
}

class Shim {
 public:
  Shim(int argc, char** argv) : argv_(argv) {
    for (int i = 0; i < argc; ++i) args_.emplace_back(argv[i]);
    inv_ = invocation_from_argv(args_);
    call_ = parse_pm2_call(inv_);
  }

  int run() {
    policies_ = load_policies();
    std::string err;
    std::optional<std::string> configured =
        policies_.set.system_file_present ? policies_.set.system.real_pm2 : std::nullopt;
    std::optional<std::string> real = find_real_pm2(configured, env("PATH").value_or(""), err);
    if (!real) {
      say(fmt::format("pm2guard: cannot run pm2: {}", err));
      return kNoRealPm2;
    }
    real_ = *real;

    dry_run_ = flag_on(env("PM2GUARD_DRY_RUN").value_or(""));
    // Default deny: only the commands known to touch no process and change
    // nothing other teams share run unjudged; everything else (a command
    // this model does not know included) is judged and audited.
    if (is_known_harmless(call_)) return pass_through();

    start_ = std::chrono::steady_clock::now();
    fill_local_context(record_);
    record_.id = new_record_id();
    record_.argv = redacted_argv(args_, inv_, call_);
    record_.real_pm2 = real_;
    record_.shim_version = PM2GUARD_VERSION;
    record_.ci = collect_ci_metadata(env, cwd());
    for (const Policy* p : policies_.set.all()) record_.policy_sources.push_back(p->source);

    // Where the audit trail goes is known before anything can be refused,
    // so that every refusal is recorded: beside the daemon the command will
    // reach, whatever PM2_HOME the caller set.
    std::optional<Pm2Paths> paths = resolve_pm2_paths(err);
    std::string bind_error;
    std::optional<BoundHome> bound;
    if (paths) {
      paths_ = *paths;
      bound = bind_daemon_home(paths_, bind_error);
      if (bound && bound->home != paths_.home) record_.daemon_home = bound->home;
      home_paths_ = bound ? with_home(paths_, bound->home) : paths_;
      audit_path_ = policies_.set.system.audit_log.value_or(default_audit_path(home_paths_));
    } else if (policies_.set.system.audit_log) {
      audit_path_ = *policies_.set.system.audit_log;
    }
    if (!policies_.error.empty()) return fail(kPolicyInvalid, "policy-invalid", policies_.error);
    if (!paths) return fail(kDaemonUnreadable, "unresolved-target", "cannot tell which pm2 daemon pm2 would reach: " + err);
    if (!bound) return fail(kDaemonUnreadable, "unresolved-target", bind_error);

    // stdin first (pm2 reads one chunk of it): a writer that never closes
    // it must not hold the deployment lock of every other team.
    if (has_stdin_target(call_)) {
      stdin_data_ = read_all_stdin(err, stdin_timeout());
      if (!stdin_data_) return fail(kRefused, "unresolved-target", "stdin cannot be read: " + err);
    }

    // Layer 7: one judged command at a time on this daemon (a dry run
    // changes nothing and takes no lock).
    if (!dry_run_) {
      const Policy& sys = policies_.set.system;
      double timeout = sys.lock_timeout_seconds;
      if (policies_.set.extra) timeout = std::min(timeout, policies_.set.extra->lock_timeout_seconds);
      std::string holder = fmt::format("{} ({})", quoted_command(inv_), record_.ci.repository());
      lock_ = DaemonLock::acquire(
          default_lock_path(home_paths_), holder, std::chrono::milliseconds(static_cast<long>(timeout * 1000)), err,
          [](const std::string& h) { say(fmt::format("pm2guard: waiting for the deployment lock held by {}", h)); });
      if (!lock_) return fail(kLockTimeout, "lock-timeout", err);
    }

    DaemonListing listing = query_process_list(paths_.rpc_socket);
    if (listing.state == DaemonState::Failure)
      return fail(kDaemonUnreadable, "unresolved-target",
                  fmt::format("the pm2 daemon's process list cannot be read ({}): {}", listing.socket, listing.message));
    procs_ = listing.processes;
    record_.before = snapshot_of(procs_);

    Pm2ConfigReader reader;
    reader.pm2_root = pm2_root_of(real_);
    reader.args.assign(args_.begin() + 1, args_.end());
    ResolveInput in;
    in.processes = &procs_;
    in.cwd = cwd();
    in.daemon_cwd = pm2_daemon_cwd(paths_.pid_file);
    in.load_config = [&reader](const std::string& file, bool start_json, std::string& e) {
      return reader.file(file, start_json, e);
    };
    in.load_stdin = [this, &reader](bool start_json, std::string& e) -> std::optional<ConfigApps> {
      if (!stdin_data_) {
        e = "stdin was not read";
        return std::nullopt;
      }
      return reader.stdin_document(*stdin_data_, start_json, e);
    };
    in.load_dump = [this](std::string& e) {
      std::string backup = env("PM2_DUMP_BACKUP_FILE_PATH").value_or("");
      if (backup.empty()) backup = paths_.dump_file + ".bak";
      return read_dump_file(paths_.dump_file, backup, e);
    };
    in.load_module = [this, &reader](const std::string& arg, std::string& e) {
      return reader.module(arg, call_.has_option("tarball"), e);
    };
    if (call_.command == "uninstall") read_module_registry(in);
    Resolution res = resolve_targets(call_, in);
    add_environment_facts(res);
    record_.targets = snapshots(procs_, res.ids);

    Caller caller;
    caller.ci = record_.ci.vars;
    caller.scope_name = env("PM2GUARD_SCOPE");
    if (caller.scope_name && caller.scope_name->empty()) caller.scope_name.reset();
    caller.override_reason = env("PM2GUARD_OVERRIDE");
    std::optional<std::string> key = job_key(env);
    std::string job_dir = default_job_state_dir(home_paths_);
    JobState job;
    if (key) {
      std::optional<JobState> loaded = load_job_state(job_dir, *key, err);
      if (!loaded) return fail(kRefused, "cumulative-all", "this CI job's record cannot be read: " + err);
      job = *loaded;
      caller.job = std::make_pair(job.seen, job.hit);
    }

    Verdict v = decide(policies_.set, inv_, call_, procs_, res, caller);
    for (const Finding& f : v.findings) record_.rules.push_back(f.rule);

    if (v.kind == Verdict::Refuse) return refuse(v);
    if (dry_run_) {
      say(fmt::format("pm2guard: dry run: would run {} ({}{}){}", quoted(),
                      v.kind == Verdict::Override ? "override of " : "allowed",
                      v.kind == Verdict::Override ? " [" + v.first()->rule + "]" : "",
                      res.ids.empty() ? "" : "; it would act on " + describe_targets()));
      return 0;
    }

    record_.decision = v.kind == Verdict::Override ? Decision::Override : Decision::Allow;
    if (v.kind == Verdict::Override) {
      record_.override_reason = caller.override_reason;
      record_.message = fmt::format("override: {}", v.first()->message);
      say(fmt::format("pm2guard: override ({}) of [{}]: {}", *caller.override_reason, v.first()->rule,
                      v.first()->message));
    }
    if (call_.command == "dump") {
      if (std::optional<std::string> w = dump_shrinks()) {
        record_.message = *w;
        say("pm2guard: warning: " + *w);
      }
    }
    // Write ahead: the record of what is about to happen is on disk before
    // pm2 runs; if it cannot be written, pm2 does not run.
    record_.phase = Phase::Start;
    finish_record();
    if (!append_audit_line(audit_path_, audit_json_line(record_), err)) {
      say(fmt::format("pm2guard: refused {}: the audit log cannot be written: {}", quoted(), err));
      return kAuditUnwritable;
    }
    if (syslog_enabled()) audit_syslog(record_);
    if (!res.ids.empty())
      for (const std::string& l : human_summary_lines(args_, record_.targets)) say(l);

    if (key) {
      for (const ProcessInfo& p : procs_)
        if (!p.is_module) job.seen.insert(process_identity(p));
      // Scaling up adds instances and hits none.
      if (is_destructive(call_) && !scale_only_adds(inv_, call_, res.ids.size()))
        for (int id : res.ids)
          for (const ProcessInfo& p : procs_)
            if (p.pm_id == id) job.hit.insert(process_identity(p));
      if (!save_job_state(job_dir, *key, job, err)) say(fmt::format("pm2guard: warning: {}", err));
    }

    // `pm2 deepUpdate` runs `pm2 update` itself, through this shim: the
    // lock is let go first, or the two would wait for each other. Forms
    // that stay attached after acting (--attach, --no-daemon, attach) do
    // not hold every other team's deployments while they stream.
    if (call_.command == "deepUpdate" || stays_attached()) lock_.reset();
    std::optional<std::string> pinned = pinned_payload(res, reader.pm2_root);
    ChildResult child = run_real_pm2(real_, argv_, stdin_data_, pinned);
    if (pinned) std::fill(pinned->begin(), pinned->end(), '\0');
    record_.phase = Phase::End;
    record_.exit_code = child.signal ? std::nullopt : std::optional<int>(child.exit_code);
    if (child.signal) record_.exit_signal = child.signal;
    DaemonListing after = query_process_list(paths_.rpc_socket);
    if (after.state != DaemonState::Failure) {
      record_.after = snapshot_of(after.processes);
      record_.verification = verification_notes(procs_, after.processes, res.ids);
      for (const std::string& n : record_.verification) say("pm2guard: warning: " + n);
    } else {
      record_.verification.push_back("the process list after the command could not be read: " + after.message);
    }
    finish_record();
    if (!append_audit_line(audit_path_, audit_json_line(record_), err))
      say(fmt::format("pm2guard: warning: the audit log could not be completed: {}", err));
    lock_.reset();
    exit_like(child);
  }

 private:
  std::string quoted() const { return quoted_command(inv_); }

  // The modules pm2 has registered, from module_conf.json in the caller's
  // PM2_HOME (where pm2's CLI reads it). Left unknown when it cannot be read.
  void read_module_registry(ResolveInput& in) const {
    std::ifstream f(paths_.home + "/module_conf.json", std::ios::binary);
    if (!f) {
      in.npm_modules = std::set<std::string>{};
      in.tar_modules = std::set<std::string>{};
      return;  // no file: pm2 knows no module
    }
    nlohmann::json conf = nlohmann::json::parse(f, nullptr, false);
    if (!conf.is_object()) return;
    auto keys = [&](const char* k) {
      std::set<std::string> out;
      auto it = conf.find(k);
      if (it != conf.end() && it->is_object())
        for (auto e = it->begin(); e != it->end(); ++e) out.insert(e.key());
      return out;
    };
    in.npm_modules = keys("module-db-v2");
    in.tar_modules = keys("tar-modules");
  }

  // How long to wait for stdin to end (pm2 itself would wait forever).
  std::chrono::milliseconds stdin_timeout() const {
    double t = policies_.set.system.lock_timeout_seconds;
    if (policies_.set.extra) t = std::min(t, policies_.set.extra->lock_timeout_seconds);
    return std::chrono::milliseconds(static_cast<long>(std::min(t, 30.0) * 1000));
  }

  // Forms whose pm2 keeps running after it acted: `--attach` streams the
  // logs of what it restarted, `--no-daemon` streams every log, `attach`
  // forwards the caller's terminal.
  bool stays_attached() const {
    return call_.has_option("attach") || call_.has_option("no-daemon") || call_.command == "attach";
  }

  // Facts that come from the caller's own environment and from set/config
  // keys: pm2 copies the CLI's whole environment into the processes it
  // starts (and restarts with --update-env, through a file or `set`), and a
  // `set X:key` value becomes an env key of X: a pm2 bookkeeping field there
  // overwrites the process's record.
  void add_environment_facts(Resolution& res) const {
    const std::string& c = call_.command;
    bool file_or_stdin = std::any_of(call_.targets.begin(), call_.targets.end(), [](const Target& t) {
      return t.form == TargetForm::ConfigFile || t.form == TargetForm::Stdin;
    });
    bool copies_env = c == "start" || c == "serve" || c == "install" || c == "module:update" ||
                      c.rfind("startOr", 0) == 0 || c == "set" || c == "multiset" || c == "config" ||
                      c == "resurrect" || file_or_stdin ||
                      ((c == "restart" || c == "reload") && call_.has_option("update-env"));
    if (copies_env) {
      // Inside a pm2 app (pm_id set) or with PM2_PROGRAMMATIC, pm2's
      // safeExtend drops its own keys from the copy, all but `namespace`.
      bool safe_extend = env("pm_id").has_value() || env("PM2_PROGRAMMATIC").has_value();
      for (std::string_view k : reserved_env_keys()) {
        std::string key(k);
        if (safe_extend && key != "namespace") continue;
        if (env(key)) res.reserved_env.push_back(fmt::format("the caller's environment: {}", key));
      }
    }
    if (c == "set" || c == "config" || c == "multiset") {
      std::set<int> words_seen;  // every multiset key is a target of the same word
      for (const Target& t : call_.targets) {
        if (t.role != TargetRole::ConfigKey || t.arg < 0 || !words_seen.insert(t.arg).second) continue;
        // The key as written: app, then ':' or '.', then the field.
        std::string word = inv_.args[static_cast<size_t>(t.arg)].text;
        std::vector<std::string> keys;
        if (c == "multiset") {
          std::vector<std::string> words = pm2_multiset_words(word);
          for (size_t k = 0; k < words.size(); k += 2) keys.push_back(words[k]);
        } else {
          keys.push_back(word);
        }
        for (const std::string& k : keys) {
          size_t sep = k.find(':');
          if (sep == std::string::npos) sep = k.find('.');
          if (sep == std::string::npos) continue;
          std::string field = k.substr(sep + 1);
          for (std::string_view r : reserved_env_keys())
            if (field == r)
              res.reserved_env.push_back(fmt::format("`{}` (a value set for app `{}`)", k, k.substr(0, sep)));
        }
      }
    }
  }

  // The JSON handed to the pinned launch: every document judged, and what
  // evaluating them changed in the environment. nullopt when none was read.
  std::optional<std::string> pinned_payload(const Resolution& res, const std::string& root) const {
    if (res.pins.empty()) return std::nullopt;
    nlohmann::json p;
    p["root"] = root;
    p["docs"] = nlohmann::json::object();
    nlohmann::json envs = {{"set", nlohmann::json::object()}, {"unset", nlohmann::json::array()}};
    for (const PinnedDocument& d : res.pins) {
      p["docs"][d.key] = d.document;
      nlohmann::json e = nlohmann::json::parse(d.env_set, nullptr, false);
      if (e.is_object()) {
        for (auto it = e["set"].begin(); it != e["set"].end(); ++it) envs["set"][it.key()] = it.value();
        for (const auto& u : e["unset"]) envs["unset"].push_back(u);
      }
    }
    p["env"] = envs;
    return p.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  // The system log is the copy of the trail a CI job cannot edit, so only
  // the system policy may turn it off.
  bool syslog_enabled() const { return policies_.set.system.syslog; }

  // `pm2 save` overwrites the dump that `pm2 resurrect` (and the boot unit)
  // restores, for every team on the daemon. When the processes running now
  // are fewer than the dump holds, or some of its names are not running,
  // those apps will not come back after a reboot. nullopt when nothing is
  // lost, when pm2 would not write (an empty list without --force), or when
  // the dump cannot be read (it may be missing, which loses nothing).
  std::optional<std::string> dump_shrinks() const {
    std::vector<std::string> now;
    for (const ProcessInfo& p : procs_)
      if (!p.is_module) now.push_back(p.name);
    bool force = call_.has_option("force") || !env("FORCE").value_or("").empty();
    if (now.empty() && !force) return std::nullopt;
    std::optional<std::vector<std::string>> saved = dump_names(paths_.dump_file);
    if (!saved) return std::nullopt;
    std::vector<std::string> dropped;
    for (const std::string& n : *saved)
      if (std::find(now.begin(), now.end(), n) == now.end() &&
          std::find(dropped.begin(), dropped.end(), n) == dropped.end())
        dropped.push_back(n);
    if (now.size() >= saved->size() && dropped.empty()) return std::nullopt;
    std::string names;
    for (size_t i = 0; i < dropped.size() && i < 8; ++i) names += (i ? ", " : "") + dropped[i];
    if (dropped.size() > 8) names += fmt::format(" and {} more", dropped.size() - 8);
    return fmt::format("{} replaces the dump {} ({} processes) with the {} running now{}; `pm2 resurrect` and a "
                       "reboot will no longer start {}",
                       quoted(), paths_.dump_file, saved->size(), now.size(),
                       dropped.empty() ? "" : ", without " + names, dropped.empty() ? "the difference" : "those");
  }

  int pass_through() {
    if (dry_run_) {
      say(fmt::format("pm2guard: dry run: would run {} ({})", quoted(), real_));
      return 0;
    }
    exec_real_pm2(real_, argv_);
    say(fmt::format("pm2guard: cannot run {}: {}", real_, std::strerror(errno)));
    return kExecFailed;
  }

  void finish_record() {
    record_.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_);
  }

  int refuse(const Verdict& v) {
    const Finding* f = v.first();
    std::string hit = record_.targets.empty() ? "" : "; it would have hit " + describe_targets();
    std::string more;
    if (v.findings.size() > 1) {
      std::set<std::string> others;
      for (const Finding& x : v.findings)
        if (x.rule != f->rule) others.insert(x.rule);
      if (!others.empty()) {
        more = " (also:";
        for (const std::string& o : others) more += " " + o;
        more += ")";
      }
    }
    std::string line = fmt::format("pm2guard: {}refused {} [{}]{}: {}{}", dry_run_ ? "dry run: " : "", quoted(), f->rule,
                                   more, f->message, hit);
    say(line);
    if (dry_run_) return kRefused;
    record_.decision = Decision::Refuse;
    record_.message = f->message;
    finish_record();
    std::string err;
    if (!append_audit_line(audit_path_, audit_json_line(record_), err))
      say(fmt::format("pm2guard: warning: the refusal could not be written to the audit log: {}", err));
    if (syslog_enabled()) audit_syslog(record_);
    return kRefused;
  }

  std::string describe_targets() const {
    std::string out;
    size_t n = 0;
    for (const ProcessSnapshot& s : record_.targets) {
      if (n == 8) {
        out += fmt::format(" and {} more", record_.targets.size() - 8);
        break;
      }
      out += (n++ ? ", " : "") + fmt::format("{} (id {}{})", s.name, s.pm_id, s.ns == "default" ? "" : ", " + s.ns);
    }
    return out;
  }

  // Fail closed: a destructive command the shim cannot judge is refused.
  int fail(int code, const std::string& rule, const std::string& why) {
    say(fmt::format("pm2guard: {}refused {} [{}]: {}", dry_run_ ? "dry run: " : "", quoted(), rule, why));
    if (dry_run_) return code;
    record_.decision = Decision::Refuse;
    record_.rules = {rule};
    record_.message = why;
    finish_record();
    if (!audit_path_.empty()) {
      std::string err;
      if (!append_audit_line(audit_path_, audit_json_line(record_), err))
        say(fmt::format("pm2guard: warning: the refusal could not be written to the audit log: {}", err));
    }
    if (syslog_enabled()) audit_syslog(record_);
    return code;
  }

  char** argv_;
  std::vector<std::string> args_;
  Invocation inv_;
  Pm2Call call_;
  Policies policies_;
  std::string real_;
  Pm2Paths paths_;
  Pm2Paths home_paths_;  ///< paths_ with the home of the daemon reached
  std::string audit_path_;
  std::optional<DaemonLock> lock_;
  std::vector<ProcessInfo> procs_;
  std::optional<std::string> stdin_data_;
  bool dry_run_ = false;
  AuditRecord record_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

int shim_main(int argc, char** argv) {
  Shim s(argc, argv);
  return s.run();
}

}  // namespace pm2guard::shim

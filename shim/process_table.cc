#include "process_table.h"

#include <fmt/format.h>
#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace pm2guard::shim {

namespace {

// The one list of environment variables the shim keeps from a process. Only
// identifiers of the repository, workflow, run and job that started it, and
// the markers naming the CI system: never tokens, never URLs (clone URLs can
// carry credentials), never file paths. Everything else in pm2_env is
// dropped while parsing.
//
// GitHub Actions, Gitea's act_runner and Forgejo's runner all set GITHUB_*.
// Forgejo's runner also sets FORGEJO_<same suffix> for each of them. Gitea
// sets no GITEA_REPOSITORY (the repository is only GITHUB_REPOSITORY and the
// `gitea.repository` expression), only the GITEA_ACTIONS marker; a workflow
// may still export GITEA_REPOSITORY itself, so it is read when present.
// Keep sorted: is_ci_ownership_variable() binary-searches it.
const std::vector<std::string_view> kCiOwnershipVariables = {
    "BITBUCKET_BUILD_NUMBER",  // Bitbucket Pipelines
    "BITBUCKET_REPO_FULL_NAME",
    "BUILD_NUMBER",  // Jenkins
    "CI",  // set by nearly every CI system
    "CIRCLE_BUILD_NUM",  // CircleCI
    "CIRCLE_PROJECT_REPONAME",
    "CIRCLE_PROJECT_USERNAME",
    "CI_COMMIT_REF_NAME",  // GitLab
    "CI_COMMIT_SHA",
    "CI_JOB_ID",
    "CI_JOB_NAME",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_NUMBER",  // Woodpecker
    "CI_PROJECT_ID",  // GitLab
    "CI_PROJECT_PATH",
    "CI_REPO",  // Woodpecker
    "DRONE_BUILD_NUMBER",  // Drone
    "DRONE_REPO",
    "FORGEJO_ACTIONS",  // Forgejo runner
    "FORGEJO_ACTOR",
    "FORGEJO_JOB",
    "FORGEJO_REF",
    "FORGEJO_REPOSITORY",
    "FORGEJO_REPOSITORY_OWNER",
    "FORGEJO_RUN_ATTEMPT",
    "FORGEJO_RUN_ID",
    "FORGEJO_RUN_NUMBER",
    "FORGEJO_SHA",
    "FORGEJO_WORKFLOW",
    "GITEA_ACTIONS",  // Gitea act_runner
    "GITEA_REPOSITORY",
    "GITHUB_ACTIONS",  // GitHub Actions, Gitea, Forgejo
    "GITHUB_ACTOR",
    "GITHUB_JOB",
    "GITHUB_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_ID",
    "GITHUB_REPOSITORY_OWNER",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_SHA",
    "GITHUB_WORKFLOW",
    "GITLAB_CI",  // GitLab
    "GITLAB_USER_LOGIN",
    "JOB_NAME",  // Jenkins
};

using json = nlohmann::json;

// One JSON scalar as the SAX parser reports it.
struct Scalar {
  enum Type { Null, Bool, Int, Uint, Float, String } type = Null;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string* s = nullptr;

  const char* type_name() const {
    switch (type) {
      case Null: return "null";
      case Bool: return "a boolean";
      case Int:
      case Uint:
      case Float: return "a number";
      case String: return "a string";
    }
    return "?";
  }

  // The text a scalar becomes in a child's environment (child_process turns
  // every value into a string; pm2 leaves out null and undefined).
  std::optional<std::string> env_text() const {
    switch (type) {
      case Null: return std::nullopt;
      case Bool: return std::string(b ? "true" : "false");
      case Int: return std::to_string(i);
      case Uint: return std::to_string(u);
      case Float: return fmt::format("{}", d);
      case String: return *s;
    }
    return std::nullopt;
  }

  // JavaScript's String(value) for a scalar that is not a string: how pm2
  // compares a name that is a number or a boolean with a target (`==`, a
  // property key, RegExp.test all convert it). nullopt for null.
  std::optional<std::string> js_string() const {
    switch (type) {
      case Null: return std::nullopt;
      case Float: return js_number_text(d);
      default: return env_text();
    }
  }

  // Number.prototype.toString() for a double: the shortest round-trip
  // digits, exponent form from 1e21 up and below 1e-6, as JavaScript writes it.
  static std::string js_number_text(double v) {
    if (v != v) return "NaN";
    if (v == 0) return "0";
    if (v > std::numeric_limits<double>::max()) return "Infinity";
    if (v < -std::numeric_limits<double>::max()) return "-Infinity";
    // The shortest digits that round-trip.
    std::string t;
    for (int prec = 1; prec <= 17; ++prec) {
      t = fmt::format("{:.{}e}", v, prec - 1);
      if (std::strtod(t.c_str(), nullptr) == v) break;
    }
    size_t e = t.find('e');
    std::string mant = t.substr(0, e);
    int exp10 = std::atoi(t.c_str() + e + 1);
    std::string sign = mant[0] == '-' ? "-" : "";
    std::string digits;
    for (char c : mant)
      if (c >= '0' && c <= '9') digits += c;
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    int k = static_cast<int>(digits.size()), n = exp10 + 1;
    if (k <= n && n <= 21) return sign + digits + std::string(static_cast<size_t>(n - k), '0');
    if (0 < n && n <= 21) return sign + digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
    if (-6 < n && n <= 0) return sign + "0." + std::string(static_cast<size_t>(-n), '0') + digits;
    std::string m = digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "");
    return sign + m + "e" + (n - 1 >= 0 ? "+" : "-") + std::to_string(n - 1 >= 0 ? n - 1 : 1 - n);
  }

  template <typename T>
  std::optional<T> integer() const {
    if (type == Int && i >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
        i <= static_cast<int64_t>(std::numeric_limits<T>::max()))
      return static_cast<T>(i);
    if (type == Uint && u <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(u);
    return std::nullopt;
  }
};

// A process while its object is being read.
struct Building {
  ProcessInfo info;
  std::optional<int> pm_id, env_pm_id;
  std::optional<std::string> name, env_name;
  bool has_pm2_env = false;
  std::map<std::string, std::string> ci_env;  // from pm2_env.env, the fallback
};

// The part of the document the parser is in. Values outside the fields the
// shim reads are skipped without being copied.
enum class Ctx : uint8_t {
  Envelope,  // {"args": [...], "error": ...}
  Args,      // the args array of the envelope
  List,      // the process array
  Proc,      // one process
  Pm2Env,    // its pm2_env
  EnvVars,   // pm2_env.env
  Actions,   // pm2_env.axm_actions
  Action,    // one of them
};

class MonitorSax {
 public:
  explicit MonitorSax(bool envelope) : envelope_(envelope) {}

  // nlohmann SAX interface.
  bool null() { return scalar(Scalar{}); }
  bool boolean(bool v) {
    Scalar s;
    s.type = Scalar::Bool;
    s.b = v;
    return scalar(s);
  }
  bool number_integer(json::number_integer_t v) {
    Scalar s;
    s.type = Scalar::Int;
    s.i = v;
    return scalar(s);
  }
  bool number_unsigned(json::number_unsigned_t v) {
    Scalar s;
    s.type = Scalar::Uint;
    s.u = v;
    return scalar(s);
  }
  bool number_float(json::number_float_t v, const std::string&) {
    Scalar s;
    s.type = Scalar::Float;
    s.d = v;
    return scalar(s);
  }
  bool string(std::string& v) {
    Scalar s;
    s.type = Scalar::String;
    s.s = &v;
    return scalar(s);
  }
  bool binary(json::binary_t&) { return scalar(Scalar{}); }  // not produced by the JSON reader
  bool start_object(std::size_t) { return open(true); }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    if (skip_ == 0) key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (error.empty()) error = fmt::format("malformed JSON at byte {}: {}", position, describe(ex));
    return false;
  }

  std::vector<ProcessInfo> processes;
  bool saw_args = false;
  bool saw_list = false;
  bool daemon_error = false;
  std::string daemon_message;
  std::string error;

 private:
  // nlohmann's messages end with "; last read: '<input>'", which could quote
  // a secret; keep only the description of the problem.
  static std::string describe(const nlohmann::detail::exception& ex) {
    std::string w = ex.what();
    size_t p = w.find("syntax error");
    if (p != std::string::npos) {
      w.erase(0, p);
      size_t lr = w.find("; last read:");
      if (lr != std::string::npos) w.erase(lr);
      return w;
    }
    p = w.find("] ");
    if (p != std::string::npos) w.erase(0, p + 2);
    size_t q = w.find('\'');
    if (q != std::string::npos) w.erase(q);
    while (!w.empty() && w.back() == ' ') w.pop_back();
    return w;
  }

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }

  std::string where() const {
    if (cur_.pm_id) return fmt::format("process #{} (pm_id {})", index_, *cur_.pm_id);
    return fmt::format("process #{}", index_);
  }

  bool wrong_type(std::string_view field, const char* what) {
    return fail(fmt::format("{}: {} is {}", where(), field, what));
  }

  bool open(bool object) {
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    const char* what = object ? "an object" : "an array";
    if (stack_.empty()) {
      if (envelope_) {
        if (!object) return fail("the reply is not a JSON object");
        stack_.push_back(Ctx::Envelope);
      } else {
        if (object) return fail("the process list is not a JSON array");
        saw_list = true;
        stack_.push_back(Ctx::List);
      }
      return true;
    }
    switch (stack_.back()) {
      case Ctx::Envelope:
        if (key_ == "args") {
          if (object) return fail("'args' in the reply is not an array");
          saw_args = true;
          stack_.push_back(Ctx::Args);
          return true;
        }
        if (key_ == "error") {
          daemon_error = true;
          daemon_message = fmt::format("(the error is {})", what);
        }
        break;
      case Ctx::Args:
        if (args_seen_++ == 0) {
          if (object) return fail("the result is not an array of processes");
          saw_list = true;
          stack_.push_back(Ctx::List);
          return true;
        }
        break;
      case Ctx::List:
        if (!object) return fail(fmt::format("process #{} is not an object", index_));
        cur_ = Building{};
        stack_.push_back(Ctx::Proc);
        return true;
      case Ctx::Proc:
        if (key_ == "pm2_env") {
          if (!object) return wrong_type("pm2_env", what);
          cur_.has_pm2_env = true;
          stack_.push_back(Ctx::Pm2Env);
          return true;
        }
        if (key_ == "pm_id" || key_ == "name" || key_ == "pid") return wrong_type(key_, what);
        break;
      case Ctx::Pm2Env:
        if (key_ == "env" && object) {
          stack_.push_back(Ctx::EnvVars);
          return true;
        }
        if (key_ == "axm_actions" && !object) {
          stack_.push_back(Ctx::Actions);
          return true;
        }
        if (key_ == "namespace" || key_ == "status" || key_ == "pm_exec_path" || key_ == "pm_cwd" ||
            key_ == "name" || key_ == "pm_id")
          return wrong_type("pm2_env." + key_, what);
        // An object or array under a CI variable's name is not an
        // environment value: pm2 does not pass it to the process either.
        break;
      case Ctx::EnvVars:
        break;
      case Ctx::Actions:
        if (object) {
          stack_.push_back(Ctx::Action);
          return true;
        }
        break;
      case Ctx::Action:
        break;
    }
    ++skip_;
    return true;
  }

  bool close() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    Ctx c = stack_.back();
    stack_.pop_back();
    if (c == Ctx::Proc) return finish_process();
    return true;
  }

  bool scalar(const Scalar& v) {
    if (skip_ > 0) return true;
    if (stack_.empty())
      return fail(envelope_ ? "the reply is not a JSON object" : "the process list is not a JSON array");
    switch (stack_.back()) {
      case Ctx::Envelope:
        if (key_ == "error") {
          daemon_error = true;
          std::optional<std::string> t = v.env_text();
          daemon_message = t ? *t : "null";
        } else if (key_ == "args") {
          return fail("'args' in the reply is not an array");
        }
        return true;
      case Ctx::Args:
        if (args_seen_++ == 0) return fail("the result is not an array of processes");
        return true;
      case Ctx::List:
        return fail(fmt::format("process #{} is not an object", index_));
      case Ctx::Proc:
        return proc_field(v);
      case Ctx::Pm2Env:
        return env_field(v);
      case Ctx::EnvVars:
        if (v.type != Scalar::Null && is_ci_ownership_variable(key_)) cur_.ci_env[key_] = *v.env_text();
        return true;
      case Ctx::Actions:
        return true;
      case Ctx::Action:
        if (key_ == "action_name" && v.type == Scalar::String) cur_.info.actions.push_back(*v.s);
        return true;
    }
    return true;
  }

  bool proc_field(const Scalar& v) {
    if (key_ == "pm_id") {
      if (v.type == Scalar::Null) return true;
      cur_.pm_id = v.integer<int>();
      if (!cur_.pm_id) return wrong_type("pm_id", v.type_name());
    } else if (key_ == "name") {
      // pm2 lets a name be a number or a boolean (an ecosystem app's
      // `env.name`); it compares it as String(name) does, and so do we,
      // rather than failing every team's commands on one odd process.
      if (v.type == Scalar::Null) return true;
      cur_.name = v.js_string();
    } else if (key_ == "pid") {
      // pid is 0 for stopped processes and missing while one launches.
      if (v.type == Scalar::Null) return true;
      std::optional<long> pid = v.integer<long>();
      if (!pid) return wrong_type("pid", v.type_name());
      cur_.info.pid = *pid;
    } else if (key_ == "pm2_env") {
      return wrong_type("pm2_env", v.type_name());
    }
    return true;
  }

  bool string_field(const Scalar& v, std::string_view field, std::string& out) {
    if (v.type == Scalar::Null) return true;
    if (v.type != Scalar::String) return wrong_type(fmt::format("pm2_env.{}", field), v.type_name());
    out = *v.s;
    return true;
  }

  bool env_field(const Scalar& v) {
    if (key_ == "namespace") {
      // Compared loosely by pm2 (`pm2_env.namespace == target`), like names.
      if (v.type != Scalar::Null) cur_.info.ns = *v.js_string();
      return true;
    }
    if (key_ == "status") return string_field(v, key_, cur_.info.status);
    if (key_ == "pm_exec_path") return string_field(v, key_, cur_.info.exec_path);
    if (key_ == "pm_cwd") return string_field(v, key_, cur_.info.cwd);
    if (key_ == "restart_time" || key_ == "pm_uptime") {
      // Only compared after a command (layer 5): an odd value is left at 0.
      std::optional<long long> n = v.integer<long long>();
      if (v.type == Scalar::Float && v.d > -9e18 && v.d < 9e18) n = static_cast<long long>(v.d);
      if (n) (key_ == "restart_time" ? cur_.info.restart_time : cur_.info.pm_uptime) = *n;
      return true;
    }
    if (key_ == "pmx_module") {
      cur_.info.is_module = v.type == Scalar::Bool && v.b;
      return true;
    }
    if (key_ == "name") {
      if (v.type != Scalar::Null) cur_.env_name = v.js_string();
      return true;
    }
    if (key_ == "pm_id") {
      if (v.type == Scalar::Null) return true;
      cur_.env_pm_id = v.integer<int>();
      if (!cur_.env_pm_id) return wrong_type("pm2_env.pm_id", v.type_name());
      return true;
    }
    if (v.type != Scalar::Null && is_ci_ownership_variable(key_)) cur_.info.ci[key_] = *v.env_text();
    return true;
  }

  bool finish_process() {
    Building& b = cur_;
    if (!b.pm_id) b.pm_id = b.env_pm_id;
    if (!b.name) b.name = b.env_name;
    if (!b.pm_id) return fail(fmt::format("{} has no pm_id", where()));
    if (!b.name) return fail(fmt::format("{} has no name", where()));
    if (!b.has_pm2_env) return fail(fmt::format("{} has no pm2_env", where()));
    b.info.pm_id = *b.pm_id;
    b.info.name = std::move(*b.name);
    // pm2_env's own copy is what the process was spawned with; env is the
    // record of the starting command's environment.
    for (auto& [k, v] : b.ci_env) b.info.ci.emplace(k, std::move(v));
    processes.push_back(std::move(b.info));
    ++index_;
    return true;
  }

  bool envelope_;
  std::vector<Ctx> stack_;
  size_t skip_ = 0;  // nesting depth inside a skipped value
  std::string key_;
  size_t args_seen_ = 0;
  size_t index_ = 0;  // of the process being read
  Building cur_;
};

// JSON.stringify writes a lone UTF-16 surrogate in a string (an app name or
// metric from JavaScript can hold one) as a \ud800-style escape, which
// nlohmann rejects. One app must not make the whole list unreadable, so such
// escapes become U+FFFD, what any UTF-8 consumer would make of them. Same
// length, so it is done in place.
bool has_surrogate_escape(std::string_view s) {
  for (size_t i = 0; i + 3 < s.size(); ++i)
    if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] == 'd' || s[i + 2] == 'D')) {
      char c = s[i + 3];
      if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) return true;
    }
  return false;
}

int hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void replace_lone_surrogates(std::string& s) {
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!in_string) {
      if (c == '"') in_string = true;
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] != 'u') {
        ++i;  // a two-character escape
        continue;
      }
      int v = hex4(s, i + 2);
      if (v >= 0xD800 && v <= 0xDBFF && i + 8 <= s.size() && s.compare(i + 6, 2, "\\u") == 0) {
        int low = hex4(s, i + 8);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          i += 11;  // a valid pair
          continue;
        }
      }
      if (v >= 0xD800 && v <= 0xDFFF) s.replace(i + 2, 4, "fffd");
      if (v >= 0) i += 5;
    }
  }
}

void wipe(std::string& s) {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
  s.clear();
}

// Runs the SAX parser over `json`, repairing lone surrogates first when there
// are any (on a copy that is wiped afterwards).
void run_parser(std::string_view json_text, MonitorSax& sax) {
  if (!has_surrogate_escape(json_text)) {
    json::sax_parse(json_text.begin(), json_text.end(), &sax);
    return;
  }
  std::string copy(json_text);
  replace_lone_surrogates(copy);
  json::sax_parse(copy.begin(), copy.end(), &sax);
  wipe(copy);
}

}  // namespace

std::string ProcessInfo::serialize() const {
  std::string out = fmt::format("#{} {}@{} {} pid={}", pm_id, name, ns, status.empty() ? "?" : status, pid);
  if (!exec_path.empty()) out += " exec=" + exec_path;
  if (!cwd.empty()) out += " cwd=" + cwd;
  if (is_module) out += " module";
  if (!ci.empty()) {
    out += " {";
    bool first = true;
    for (const auto& [k, v] : ci) {
      out += fmt::format("{}{}={}", first ? "" : ", ", k, v);
      first = false;
    }
    out += "}";
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const ProcessInfo& p) { return os << p.serialize(); }

const std::vector<std::string_view>& ci_ownership_variables() { return kCiOwnershipVariables; }

bool is_ci_ownership_variable(std::string_view name) {
  return std::binary_search(kCiOwnershipVariables.begin(), kCiOwnershipVariables.end(), name);
}

std::optional<std::vector<ProcessInfo>> parse_process_list(std::string_view json_text, std::string& error) {
  MonitorSax sax(false);
  run_parser(json_text, sax);
  if (!sax.error.empty()) {
    error = sax.error;
    return std::nullopt;
  }
  return std::move(sax.processes);
}

MonitorReply parse_monitor_reply(std::string_view json_text) {
  MonitorSax sax(true);
  run_parser(json_text, sax);
  MonitorReply r;
  if (!sax.error.empty()) {
    r.error = sax.error;
  } else if (sax.daemon_error) {
    // The client checks `'error' in msg` before anything else; so do we.
    r.kind = ReplyKind::DaemonError;
    std::string m = std::move(sax.daemon_message);
    // One line, bounded: the message goes to stderr and the audit log.
    std::replace_if(m.begin(), m.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
    if (m.size() > 300) m = m.substr(0, 300) + "...";
    r.error = std::move(m);
  } else if (!sax.saw_args) {
    r.error = "the reply has neither 'args' nor 'error'";
  } else if (!sax.saw_list) {
    r.error = "the reply carries no result";
  } else {
    r.kind = ReplyKind::Ok;
    r.processes = std::move(sax.processes);
  }
  return r;
}

std::string repository_of(const std::map<std::string, std::string>& ci) {
  for (const char* k : {"GITHUB_REPOSITORY", "GITEA_REPOSITORY", "FORGEJO_REPOSITORY", "CI_PROJECT_PATH"}) {
    auto it = ci.find(k);
    if (it != ci.end() && !it->second.empty()) return it->second;
  }
  return {};
}

}  // namespace pm2guard::shim

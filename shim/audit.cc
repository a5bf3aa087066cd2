#include "unique_fd.h"
#include "audit.h"

#include <sys/random.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "io_util.h"

namespace pm2guard::shim {

namespace {

// Keep sorted: the test checks it, and the order is the order of `vars`
// anyway. Names only: identifiers of the job, never what it authenticates
// with. GitHub documents GITHUB_TOKEN as a secret but not as an environment
// variable; Gitea and Forgejo runners set it, and GITEA_RUNTIME_TOKEN /
// ACTIONS_RUNTIME_TOKEN, in the environment: none of them is listed here.
// GitLab's CI_REPOSITORY_URL carries the job token and is left out; its
// other URLs are cleaned of credentials anyway.
const std::vector<std::string_view> kCiMetadataVariables = {
    "CI",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_SHA",
    "CI_COMMIT_TAG",
    "CI_CONFIG_PATH",
    "CI_ENVIRONMENT_NAME",
    "CI_JOB_ID",
    "CI_JOB_NAME",
    "CI_JOB_STAGE",
    "CI_JOB_URL",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_IID",
    "CI_PIPELINE_SOURCE",
    "CI_PIPELINE_URL",
    "CI_PROJECT_ID",
    "CI_PROJECT_PATH",
    "CI_PROJECT_URL",
    "CI_RUNNER_DESCRIPTION",
    "CI_RUNNER_ID",
    "CI_SERVER_URL",
    "FORGEJO_ACTIONS",
    "FORGEJO_ACTOR",
    "FORGEJO_BASE_REF",
    "FORGEJO_EVENT_NAME",
    "FORGEJO_HEAD_REF",
    "FORGEJO_JOB",
    "FORGEJO_REF",
    "FORGEJO_REF_NAME",
    "FORGEJO_REPOSITORY",
    "FORGEJO_REPOSITORY_OWNER",
    "FORGEJO_RUN_ATTEMPT",
    "FORGEJO_RUN_ID",
    "FORGEJO_RUN_NUMBER",
    "FORGEJO_SERVER_URL",
    "FORGEJO_SHA",
    "FORGEJO_WORKFLOW",
    "FORGEJO_WORKFLOW_REF",
    "GITEA_ACTIONS",
    "GITEA_ACTIONS_RUNNER_VERSION",
    "GITEA_REPOSITORY",
    "GITHUB_ACTIONS",
    "GITHUB_ACTOR",
    "GITHUB_ACTOR_ID",
    "GITHUB_BASE_REF",
    "GITHUB_EVENT_NAME",
    "GITHUB_HEAD_REF",
    "GITHUB_JOB",
    "GITHUB_REF",
    "GITHUB_REF_NAME",
    "GITHUB_REF_TYPE",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_ID",
    "GITHUB_REPOSITORY_OWNER",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_SERVER_URL",
    "GITHUB_SHA",
    "GITHUB_TRIGGERING_ACTOR",
    "GITHUB_WORKFLOW",
    "GITHUB_WORKFLOW_REF",
    "GITHUB_WORKFLOW_SHA",
    "GITLAB_CI",
    "GITLAB_USER_ID",
    "GITLAB_USER_LOGIN",
    "RUNNER_ENVIRONMENT",
    "RUNNER_NAME",
};

// A CI variable longer than this is cut: the line must stay a line.
constexpr size_t kMaxVariableBytes = 1024;
// Workflow files are small; anything larger is not hashed.
constexpr off_t kMaxWorkflowBytes = 8 << 20;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

const std::vector<std::string_view> kWorkflowDirs = {".github/workflows/", ".gitea/workflows/", ".forgejo/workflows/"};

bool is_yaml_name(std::string_view s) { return ends_with(s, ".yml") || ends_with(s, ".yaml"); }

// Whether a relative path stays below the directory it is joined to, as far
// as its spelling goes (symlinks are checked on the real path later).
bool stays_below(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return false;
  size_t i = 0;
  while (i <= rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    if (rel.substr(i, j - i) == "..") return false;
    i = j + 1;
  }
  return true;
}

// The repository-relative workflow path in a workflow ref:
// `owner/repo/.github/workflows/x.yml@refs/heads/main`.
std::optional<std::string> path_from_workflow_ref(const std::string& ref, const std::string& repository) {
  size_t at = ref.find("@refs/");
  if (at == std::string::npos) at = ref.rfind('@');
  std::string path = ref.substr(0, at);
  if (!repository.empty() && starts_with(path, repository + "/")) return path.substr(repository.size() + 1);
  size_t best = std::string::npos;
  for (std::string_view dir : kWorkflowDirs) {
    size_t p = path.find("/" + std::string(dir));
    if (p != std::string::npos && (best == std::string::npos || p < best)) best = p;
  }
  if (best == std::string::npos) return std::nullopt;
  return path.substr(best + 1);
}

bool is_directory(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> real_path(const std::string& p, int& err) {
  char buf[PATH_MAX];
  if (!realpath(p.c_str(), buf)) {
    err = errno;
    return std::nullopt;
  }
  return std::string(buf);
}

// Hashes workspace/rel when it is a regular file inside the workspace.
void hash_workflow(CiMetadata& m, const std::string& rel, const std::string& origin) {
  if (!stays_below(rel)) {
    m.workflow_note = fmt::format("{} names {}, outside the workspace; not read", origin, display_text(rel, 256));
    return;
  }
  int err = 0;
  std::optional<std::string> ws = real_path(m.workspace, err);
  if (!ws) {
    m.workflow_note = fmt::format("workspace {}: {}", m.workspace, sys_error_text(err));
    return;
  }
  std::optional<std::string> file = real_path(m.workspace + "/" + rel, err);
  if (!file) {
    m.workflow_note = fmt::format("{} not found in the workspace: {}", display_text(rel, 256), sys_error_text(err));
    return;
  }
  std::string inside = *ws == "/" ? "/" : *ws + "/";
  if (!starts_with(*file, inside)) {
    m.workflow_note = fmt::format("{} resolves to {}, outside the workspace; not read", display_text(rel, 256),
                                  display_text(*file, 256));
    return;
  }
  int fd = open(file->c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    m.workflow_note = fmt::format("cannot open {}: {}", *file, sys_error_text(errno));
    return;
  }
  struct stat st {};
  std::string data;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= kMaxWorkflowBytes;
  if (!ok) {
    m.workflow_note = fmt::format("{} is not a regular file of at most {} bytes; not hashed", *file, kMaxWorkflowBytes);
  } else {
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        m.workflow_note = fmt::format("cannot read {}: {}", *file, sys_error_text(errno));
        ok = false;
        break;
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (data.size() > static_cast<size_t>(kMaxWorkflowBytes)) {
        m.workflow_note = fmt::format("{} grew beyond {} bytes while read; not hashed", *file, kMaxWorkflowBytes);
        ok = false;
        break;
      }
    }
  }
  close(fd);
  if (!ok) return;
  m.workflow_file = *file;
  m.workflow_sha256 = sha256_hex(data);
}

std::string absolute_in(const std::string& dir, const std::string& cwd) {
  if (!dir.empty() && dir.front() == '/') return dir;
  return node_path_resolve({cwd, dir}, std::string("/")).value_or(dir);
}

// Finds the workflow file the job names, if it names one.
void find_workflow(CiMetadata& m, const EnvLookup& env, const std::string& cwd) {
  auto var = [&](const char* name) { return m.get(name); };
  bool gitlab = !var("GITLAB_CI").empty();
  std::string workspace = env(gitlab ? "CI_PROJECT_DIR" : "GITHUB_WORKSPACE").value_or("");
  auto use_workspace = [&]() { m.workspace = absolute_in(workspace.empty() ? cwd : workspace, cwd); };

  std::string ref_var = !var("GITHUB_WORKFLOW_REF").empty() ? "GITHUB_WORKFLOW_REF" : "FORGEJO_WORKFLOW_REF";
  if (std::string ref = var(ref_var.c_str()); !ref.empty()) {
    use_workspace();
    std::optional<std::string> rel = path_from_workflow_ref(ref, m.repository());
    // Only a workflow directory: the ref must not become a way to hash any file.
    bool in_workflow_dir = rel && std::any_of(kWorkflowDirs.begin(), kWorkflowDirs.end(),
                                              [&](std::string_view dir) { return starts_with(*rel, dir); });
    if (!in_workflow_dir) {
      m.workflow_note = fmt::format("{} {} names no file in a workflow directory", ref_var, display_text(ref, 512));
      return;
    }
    hash_workflow(m, *rel, ref_var);
    return;
  }

  std::string name_var = !var("GITHUB_WORKFLOW").empty() ? "GITHUB_WORKFLOW" : "FORGEJO_WORKFLOW";
  std::string name = var(name_var.c_str());
  if (!name.empty() && is_yaml_name(name)) {
    for (std::string_view dir : kWorkflowDirs) {
      if (starts_with(name, dir) && name.find('/', dir.size()) == std::string::npos) {
        use_workspace();
        hash_workflow(m, name, name_var);
        return;
      }
    }
    // Gitea sets GITHUB_WORKFLOW to the file name (its WorkflowID) and no
    // GITHUB_WORKFLOW_REF. It reads .gitea/workflows, or .github/workflows
    // when that does not exist, never both; Forgejo puts .forgejo/workflows
    // in front.
    bool forgejo = !var("FORGEJO_ACTIONS").empty();
    bool gitea = !var("GITEA_ACTIONS").empty();
    if (name.find('/') == std::string::npos && (forgejo || gitea)) {
      use_workspace();
      std::vector<std::string_view> dirs;
      if (forgejo)
        dirs = {".forgejo/workflows/", ".gitea/workflows/", ".github/workflows/"};
      else
        dirs = {".gitea/workflows/", ".github/workflows/"};
      for (std::string_view dir : dirs) {
        if (is_directory(m.workspace + "/" + std::string(dir))) {
          hash_workflow(m, std::string(dir) + name, name_var);
          return;
        }
      }
      m.workflow_note = fmt::format("no workflow directory in the workspace for {}", display_text(name, 256));
    }
    return;
  }

  if (gitlab) {
    std::string config = var("CI_CONFIG_PATH");
    if (config.empty()) config = ".gitlab-ci.yml";
    use_workspace();
    // `file@group/project` and URLs name configurations in other places.
    if (config.find('@') != std::string::npos || config.find("://") != std::string::npos) {
      m.workflow_note = fmt::format("CI_CONFIG_PATH {} is not in the workspace", display_text(config, 256));
      return;
    }
    hash_workflow(m, config, "CI_CONFIG_PATH");
  }
}

std::string first_of(const CiMetadata& m, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    std::string v = m.get(n);
    if (!v.empty()) return v;
  }
  return {};
}

using ojson = nlohmann::ordered_json;

ojson process_json(const ProcessSnapshot& p, bool full) {
  ojson j = ojson::object();
  j["pm_id"] = p.pm_id;
  j["name"] = p.name;
  j["namespace"] = p.ns;
  if (full) {
    j["status"] = p.status;
    j["pid"] = p.pid;
  }
  return j;
}

ojson table_json(const std::vector<ProcessSnapshot>& list, bool full) {
  ojson a = ojson::array();
  for (const ProcessSnapshot& p : list) a.push_back(process_json(p, full));
  return a;
}

template <typename T>
ojson or_null(const std::optional<T>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

// argv with argv[0] shown as `pm2`: the caller typed pm2, whatever path the
// shim was reached by.
std::vector<std::string> as_typed(const std::vector<std::string>& argv) {
  std::vector<std::string> words = {"pm2"};
  if (argv.size() > 1) words.insert(words.end(), argv.begin() + 1, argv.end());
  return words;
}

std::string describe_process(const ProcessSnapshot& p) {
  std::string s = fmt::format("{} ({}, id {}", display_text(p.name, 256),
                              p.status.empty() ? std::string("status unknown") : display_text(p.status, 64), p.pm_id);
  if (p.ns != "default") s += fmt::format(", namespace {}", display_text(p.ns, 256));
  return s + ")";
}

using Fd = UniqueFd;

}  // namespace

std::string CiMetadata::get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

std::string CiMetadata::repository() const { return repository_of(vars); }

std::string CiMetadata::run_id() const {
  return first_of(*this, {"GITHUB_RUN_ID", "FORGEJO_RUN_ID", "CI_PIPELINE_ID"});
}

const std::vector<std::string_view>& ci_metadata_variables() { return kCiMetadataVariables; }

CiMetadata collect_ci_metadata(const EnvLookup& env, const std::string& cwd) {
  CiMetadata m;
  for (std::string_view name : kCiMetadataVariables) {
    std::optional<std::string> v = env(std::string(name));
    if (!v || v->empty()) continue;
    std::string value = std::move(*v);
    if (ends_with(name, "_URL")) value = strip_url_credentials(std::move(value));
    if (value.size() > kMaxVariableBytes) value.resize(kMaxVariableBytes);
    m.vars.emplace(name, std::move(value));
  }
  find_workflow(m, env, cwd);
  return m;
}

ProcessSnapshot snapshot_of(const ProcessInfo& p) {
  ProcessSnapshot s;
  s.pm_id = p.pm_id;
  s.name = p.name;
  s.ns = p.ns;
  s.status = p.status;
  s.pid = p.pid;
  return s;
}

std::vector<ProcessSnapshot> snapshot_of(const std::vector<ProcessInfo>& list) {
  std::vector<ProcessSnapshot> out;
  out.reserve(list.size());
  for (const ProcessInfo& p : list) out.push_back(snapshot_of(p));
  return out;
}

std::string_view decision_name(Decision d) {
  switch (d) {
    case Decision::Allow: return "allow";
    case Decision::Refuse: return "refuse";
    case Decision::Override: return "override";
  }
  return "refuse";
}

void fill_local_context(AuditRecord& r) {
  r.time = std::chrono::system_clock::now();
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) r.host = host;
  uid_t uid = getuid();
  r.uid = static_cast<long>(uid);
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) r.user = found->pw_name;
  r.pid = static_cast<long>(getpid());
  std::vector<char> cwd(PATH_MAX);
  if (getcwd(cwd.data(), cwd.size())) r.cwd = cwd.data();
}

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::Start: return "start";
    case Phase::End: return "end";
    case Phase::Final: return "final";
  }
  return "final";
}

std::string new_record_id() {
  unsigned char b[16] = {};
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < sizeof b) {
    // No entropy source: time, pid and a counter still tell records apart.
    static unsigned counter = 0;
    auto t = std::chrono::system_clock::now().time_since_epoch().count();
    std::string fallback = fmt::format("{:016x}{:08x}{:08x}", static_cast<unsigned long long>(t),
                                       static_cast<unsigned>(getpid()), ++counter);
    return fallback;
  }
  std::string out;
  for (unsigned char c : b) out += fmt::format("{:02x}", c);
  return out;
}

std::string audit_json_line(const AuditRecord& r) {
  ojson j = ojson::object();
  j["v"] = 1;
  j["id"] = r.id;
  j["phase"] = phase_name(r.phase);
  j["time"] = format_utc(r.time);
  j["host"] = r.host;
  j["user"] = r.user;
  j["uid"] = r.uid;
  j["pid"] = r.pid;
  j["cwd"] = r.cwd;
  j["argv"] = r.argv;
  j["decision"] = decision_name(r.decision);
  j["rules"] = r.rules;
  j["message"] = r.message;
  j["override_reason"] = or_null(r.override_reason);
  j["targets"] = table_json(r.targets, false);
  j["policy_sources"] = r.policy_sources;
  j["real_pm2"] = r.real_pm2;
  j["shim_version"] = r.shim_version;
  ojson ci = ojson::object();
  ci["vars"] = ojson::object();
  for (const auto& [k, v] : r.ci.vars) ci["vars"][k] = v;
  ci["workspace"] = r.ci.workspace;
  ci["workflow_file"] = or_null(r.ci.workflow_file);
  ci["workflow_sha256"] = or_null(r.ci.workflow_sha256);
  ci["workflow_note"] = r.ci.workflow_note;
  j["ci"] = std::move(ci);
  j["daemon_home"] = or_null(r.daemon_home);
  j["before"] = table_json(r.before, true);
  j["after"] = r.after ? table_json(*r.after, true) : ojson(nullptr);
  j["exit_code"] = or_null(r.exit_code);
  j["exit_signal"] = or_null(r.exit_signal);
  j["verification"] = r.verification;
  // Rounded to microseconds, so the shortest form nlohmann prints stays short.
  j["elapsed_ms"] = std::round(static_cast<double>(r.elapsed.count())) / 1000.0;
  // dump() escapes control characters, newlines included; argv and names
  // may hold bytes that are not UTF-8, which would otherwise throw.
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

namespace {

// Opens the log for appending and checks it is a private regular file.
Fd open_audit_log(const std::string& path, std::string& error) {
  std::string dir_error;
  if (!ensure_directory(parent_directory(path), 0750, dir_error)) {
    error = fmt::format("audit log {}: {}", path, dir_error);
    return Fd(-1);
  }
  // O_NONBLOCK: a FIFO planted at the path must not hang the open.
  Fd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0640));
  if (fd.get() < 0) {
    int e = errno;
    if (e == ELOOP)
      error = fmt::format("audit log {} is a symbolic link; refusing to write through it", path);
    else
      error = fmt::format("cannot open audit log {}: {}", path, sys_error_text(e));
    return Fd(-1);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    error = fmt::format("cannot examine audit log {}: {}", path, sys_error_text(errno));
    return Fd(-1);
  }
  if (!S_ISREG(st.st_mode)) {
    error = fmt::format("audit log {} is not a regular file; refusing to write to it", path);
    return Fd(-1);
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    error = fmt::format("audit log {} is writable by group or others (mode {:04o}); refusing to write to it", path,
                        st.st_mode & 07777);
    return Fd(-1);
  }
  if (st.st_nlink != 1) {
    error = fmt::format("audit log {} has {} hard links; refusing to write to it", path, st.st_nlink);
    return Fd(-1);
  }
  return fd;
}

}  // namespace

bool check_audit_log(const std::string& path, std::string& error) { return open_audit_log(path, error).get() >= 0; }

bool append_audit_line(const std::string& path, const std::string& line, std::string& error, bool durable) {
  if (line.find('\n') != std::string::npos) {
    error = fmt::format("audit log {}: the line to append holds a newline", path);
    return false;
  }
  const std::string data = line + "\n";
  // A log rotated between open() and flock() is written again through the
  // new file, a few times at most.
  for (int attempt = 0;; ++attempt) {
    Fd fd = open_audit_log(path, error);
    if (fd.get() < 0) return false;
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) {
      error = fmt::format("cannot examine audit log {}: {}", path, sys_error_text(errno));
      return false;
    }
    while (flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) {
        error = fmt::format("cannot lock audit log {}: {}", path, sys_error_text(errno));
        return false;
      }
    }
    struct stat now {};
    if (lstat(path.c_str(), &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      if (attempt < 3) continue;
      error = fmt::format("audit log {} keeps being replaced; not written", path);
      return false;
    }
    if (fstat(fd.get(), &st) != 0) {
      error = fmt::format("cannot examine audit log {}: {}", path, sys_error_text(errno));
      return false;
    }
    const off_t size_before = st.st_size;
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = write(fd.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int e = n < 0 ? errno : EIO;
        // A torn line would corrupt the next one; take it back off.
        if (done > 0 && ftruncate(fd.get(), size_before) != 0) {
        }
        error = fmt::format("cannot write audit log {}: {}", path, sys_error_text(e));
        return false;
      }
      done += static_cast<size_t>(n);
    }
    if (durable) {
      while (fsync(fd.get()) != 0) {
        if (errno != EINTR) {
          error = fmt::format("cannot sync audit log {}: {}", path, sys_error_text(errno));
          return false;
        }
      }
    }
    return true;  // closing the descriptor releases the lock
  }
}

std::vector<std::string> verification_notes(const std::vector<ProcessInfo>& before,
                                            const std::vector<ProcessInfo>& after, const std::vector<int>& targets) {
  std::vector<std::string> notes;
  for (const ProcessInfo& b : before) {
    if (std::find(targets.begin(), targets.end(), b.pm_id) != targets.end()) continue;
    auto a = std::find_if(after.begin(), after.end(), [&](const ProcessInfo& p) { return p.pm_id == b.pm_id; });
    std::string who = describe_process(snapshot_of(b));
    if (a == after.end()) {
      notes.push_back(fmt::format("{} disappeared", who));
      continue;
    }
    std::vector<std::string> changes;
    if (a->name != b.name) changes.push_back(fmt::format("was renamed to {}", display_text(a->name, 256)));
    if (a->ns != b.ns) changes.push_back(fmt::format("moved to namespace {}", display_text(a->ns, 256)));
    if (a->status != b.status)
      changes.push_back(
          fmt::format("is now {}", a->status.empty() ? "without status" : display_text(a->status, 64)));
    // A restart shows as a new pid, a higher restart count or a new start
    // time; a stopped process has pid 0 and no new pid to show.
    std::vector<std::string> evidence;
    if (a->pid != b.pid && a->pid != 0 && b.pid != 0) evidence.push_back(fmt::format("pid {} -> {}", b.pid, a->pid));
    if (a->restart_time != b.restart_time)
      evidence.push_back(fmt::format("restart count {} -> {}", b.restart_time, a->restart_time));
    if (evidence.empty() && a->pm_uptime != b.pm_uptime && a->pm_uptime != 0 && b.pm_uptime != 0)
      evidence.push_back("started again");
    if (!evidence.empty()) {
      std::string e;
      for (const std::string& x : evidence) e += (e.empty() ? "" : ", ") + x;
      changes.push_back(fmt::format("was restarted ({})", e));
    }
    if (changes.empty()) continue;
    std::string text = who;
    for (size_t i = 0; i < changes.size(); ++i)
      text += (i == 0 ? " " : i + 1 == changes.size() ? " and " : ", ") + changes[i];
    notes.push_back(text + " although it was not a target");
  }
  return notes;
}

std::string default_audit_path(const Pm2Paths& paths) { return pm2_home_file(paths, "pm2guard-audit.log"); }

std::string audit_syslog_text(const AuditRecord& r) {
  std::string rules;
  for (const std::string& id : r.rules) rules += (rules.empty() ? "" : ",") + id;
  std::string repo = r.ci.repository();
  std::string run = r.ci.run_id();
  std::string text =
      fmt::format("{} {}: {} (repo {}, run {})", decision_name(r.decision),
                  rules.empty() ? std::string("-") : display_text(rules, 200), display_command(as_typed(r.argv), 400),
                  repo.empty() ? "-" : display_text(repo, 200), run.empty() ? "-" : display_text(run, 64));
  if (r.decision == Decision::Override && r.override_reason)
    text += fmt::format(" override: {}", display_text(*r.override_reason, 200));
  return text;
}

void audit_syslog(const AuditRecord& r) {
  std::string text = audit_syslog_text(r);
  int priority = r.decision == Decision::Allow ? LOG_NOTICE : LOG_WARNING;
  openlog("pm2guard", LOG_PID, LOG_AUTHPRIV);
  syslog(priority, "%s", text.c_str());
  closelog();
}

std::vector<std::string> human_summary_lines(const std::vector<std::string>& argv,
                                             const std::vector<ProcessSnapshot>& targets) {
  std::string head = fmt::format("pm2guard: {}: ", display_command(as_typed(argv), 400));
  if (targets.empty()) return {head + "no processes"};
  std::string count = targets.size() == 1 ? "1 process" : fmt::format("{} processes", targets.size());
  if (targets.size() <= 3) {
    std::string list;
    for (const ProcessSnapshot& p : targets) list += (list.empty() ? "" : ", ") + describe_process(p);
    return {head + count + ": " + list};
  }
  std::vector<std::string> out = {head + count + ":"};
  for (const ProcessSnapshot& p : targets) out.push_back("pm2guard:   " + describe_process(p));
  return out;
}

std::string human_summary(const std::vector<std::string>& argv, const std::vector<ProcessSnapshot>& targets) {
  std::string out;
  for (const std::string& l : human_summary_lines(argv, targets)) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace pm2guard::shim

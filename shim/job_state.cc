#include "unique_fd.h"
#include "job_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "io_util.h"

namespace pm2guard::shim {

namespace {

constexpr off_t kMaxStateBytes = 16 << 20;
constexpr std::chrono::hours kMaxAge{7 * 24};

using Fd = UniqueFd;

std::string value(const EnvLookup& env, const std::string& name) { return env(name).value_or(""); }

std::string file_name(const std::string& key) { return sha256_hex(key) + ".json"; }

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Job files and the temporary files save_job_state() leaves behind when it
// dies mid-write: nothing else in the directory is touched.
bool is_state_file_name(std::string_view n) {
  if (n.size() == 69 && n.substr(64) == ".json") return is_hex64(n.substr(0, 64));
  if (n.size() > 75 && n[0] == '.' && n.substr(65, 10) == ".json.tmp.") return is_hex64(n.substr(1, 64));
  return false;
}

// Opens the state directory without following a symlink, and checks that
// nobody but its owner can replace the files in it.
bool open_state_dir(const std::string& dir, Fd& dfd, bool& missing, std::string& error) {
  missing = false;
  dfd.reset(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (dfd.get() < 0) {
    int e = errno;
    if (e == ENOENT) {
      missing = true;
      return false;
    }
    if (e == ELOOP || e == ENOTDIR)
      error = fmt::format("job state directory {} is not a directory (or is a symbolic link)", dir);
    else
      error = fmt::format("cannot open job state directory {}: {}", dir, sys_error_text(e));
    return false;
  }
  struct stat st {};
  if (fstat(dfd.get(), &st) != 0) {
    error = fmt::format("cannot examine job state directory {}: {}", dir, sys_error_text(errno));
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    error = fmt::format("job state directory {} is writable by group or others (mode {:04o})", dir, st.st_mode & 07777);
    return false;
  }
  return true;
}

std::optional<std::set<std::string>> string_set(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_array()) return std::nullopt;
  std::set<std::string> out;
  for (const nlohmann::json& e : *it) {
    if (!e.is_string()) return std::nullopt;
    out.insert(e.get<std::string>());
  }
  return out;
}

void prune(int dfd, const std::string& keep) {
  int copy = dup(dfd);
  if (copy < 0) return;
  DIR* d = fdopendir(copy);
  if (!d) {
    close(copy);
    return;
  }
  const auto cutoff = std::chrono::system_clock::now() - kMaxAge;
  const time_t cutoff_t = std::chrono::system_clock::to_time_t(cutoff);
  while (dirent* ent = readdir(d)) {
    std::string_view n = ent->d_name;
    if (n == keep || !is_state_file_name(n)) continue;
    struct stat st {};
    if (fstatat(dfd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    // Best effort: a file another job is renaming into place simply stays.
    if (st.st_mtime < cutoff_t) unlinkat(dfd, ent->d_name, 0);
  }
  closedir(d);
}

}  // namespace

std::optional<std::string> job_key(const EnvLookup& env) {
  for (const char* prefix : {"GITHUB_", "FORGEJO_"}) {
    auto var = [&](const char* suffix) { return value(env, std::string(prefix) + suffix); };
    std::string repo = var("REPOSITORY");
    std::string run = var("RUN_ID");
    if (repo.empty() || run.empty()) continue;
    std::string server = strip_url_credentials(var("SERVER_URL"));
    std::string attempt = var("RUN_ATTEMPT");
    std::string job = var("JOB");
    return fmt::format("actions {} {} run {} attempt {} job {}", server.empty() ? "-" : server, repo, run,
                       attempt.empty() ? "-" : attempt, job.empty() ? "-" : job);
  }
  std::string job = value(env, "CI_JOB_ID");
  if (!job.empty()) {
    std::string server = strip_url_credentials(value(env, "CI_SERVER_URL"));
    std::string project = value(env, "CI_PROJECT_PATH");
    return fmt::format("gitlab {} {} job {}", server.empty() ? "-" : server, project.empty() ? "-" : project, job);
  }
  return std::nullopt;
}

std::string process_identity(const ProcessInfo& p) { return fmt::format("{}:{}", p.pm_id, p.name); }

std::string default_job_state_dir(const Pm2Paths& paths) { return pm2_home_file(paths, "pm2guard-jobs"); }

std::string job_state_path(const std::string& dir, const std::string& key) {
  return (dir.empty() || dir.back() == '/' ? dir : dir + "/") + file_name(key);
}

std::optional<JobState> load_job_state(const std::string& dir, const std::string& key, std::string& error) {
  const std::string path = job_state_path(dir, key);
  Fd dfd;
  bool missing = false;
  if (!open_state_dir(dir, dfd, missing, error)) {
    if (missing) return JobState{};
    return std::nullopt;
  }
  Fd fd(openat(dfd.get(), file_name(key).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    int e = errno;
    if (e == ENOENT) return JobState{};
    if (e == ELOOP)
      error = fmt::format("job state {} is a symbolic link", path);
    else
      error = fmt::format("cannot open job state {}: {}", path, sys_error_text(e));
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    error = fmt::format("cannot examine job state {}: {}", path, sys_error_text(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > kMaxStateBytes) {
    error = fmt::format("job state {} is not a regular file of at most {} bytes", path, kMaxStateBytes);
    return std::nullopt;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    error = fmt::format("job state {} is writable by group or others (mode {:04o})", path, st.st_mode & 07777);
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = fmt::format("cannot read job state {}: {}", path, sys_error_text(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxStateBytes)) {
      error = fmt::format("job state {} is larger than {} bytes", path, kMaxStateBytes);
      return std::nullopt;
    }
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto corrupt = [&](const char* what) {
    error = fmt::format("job state {} is corrupt: {}", path, what);
    return std::nullopt;
  };
  if (j.is_discarded()) return corrupt("not JSON");
  if (!j.is_object()) return corrupt("not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<long>() != 1) return corrupt("unknown version");
  auto k = j.find("key");
  if (k == j.end() || !k->is_string() || k->get<std::string>() != key) return corrupt("it belongs to another job");
  auto updated = j.find("updated");
  if (updated == j.end() || !updated->is_string()) return corrupt("no update time");
  std::optional<std::set<std::string>> seen = string_set(j, "seen");
  std::optional<std::set<std::string>> hit = string_set(j, "hit");
  if (!seen || !hit) return corrupt("\"seen\" and \"hit\" must be arrays of strings");
  JobState state;
  state.seen = std::move(*seen);
  state.hit = std::move(*hit);
  state.updated = updated->get<std::string>();
  return state;
}

bool save_job_state(const std::string& dir, const std::string& key, const JobState& state, std::string& error) {
  const std::string path = job_state_path(dir, key);
  std::string dir_error;
  if (!ensure_directory(dir, 0750, dir_error)) {
    error = fmt::format("job state {}: {}", path, dir_error);
    return false;
  }
  Fd dfd;
  bool missing = false;
  if (!open_state_dir(dir, dfd, missing, error)) {
    if (missing) error = fmt::format("job state directory {} disappeared", dir);
    return false;
  }

  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["v"] = 1;
  j["key"] = key;
  j["updated"] = format_utc(std::chrono::system_clock::now());
  j["seen"] = state.seen;
  j["hit"] = state.hit;
  const std::string text = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";

  const std::string name = file_name(key);
  std::string tmp;
  Fd fd;
  for (unsigned n = 0; n < 100 && fd.get() < 0; ++n) {
    tmp = fmt::format(".{}.tmp.{}.{}", name, getpid(), n);
    fd.reset(openat(dfd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640));
    if (fd.get() < 0 && errno != EEXIST) break;
  }
  if (fd.get() < 0) {
    error = fmt::format("cannot create a temporary file in {}: {}", dir, sys_error_text(errno));
    return false;
  }
  auto fail = [&](const char* what, int e) {
    error = fmt::format("cannot {} job state {}: {}", what, path, sys_error_text(e));
    fd.reset();
    unlinkat(dfd.get(), tmp.c_str(), 0);
    return false;
  };
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd.get()) != 0) return fail("sync", errno);
  // close() reports a write error some filesystems defer until then.
  if (close(fd.release()) != 0) return fail("write", errno);
  if (renameat(dfd.get(), tmp.c_str(), dfd.get(), name.c_str()) != 0) return fail("replace", errno);
  fsync(dfd.get());
  prune(dfd.get(), name);
  return true;
}

}  // namespace pm2guard::shim

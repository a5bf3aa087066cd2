#include "subprocess.h"
#include "admin.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "policy.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pm2guard::shim::admin {

// ---------------------------------------------------------------------------
// Files

namespace {

std::string join(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string parent_of(const std::string& p) {
  std::string s = fs::path(p).parent_path().string();
  return s.empty() ? "/" : s;
}

std::string base_of(const std::string& p) { return fs::path(p).filename().string(); }

/// Absolute and lexically normal, without a trailing slash.
std::string absolute_path(const std::string& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  if (ec) a = p;
  std::string s = a.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool lexists(const std::string& p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0;
}

bool is_symlink(const std::string& p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_readable_file(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), R_OK) == 0;
}

bool is_executable_file(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
}

std::optional<std::string> real_path(const std::string& p) {
  char* r = realpath(p.c_str(), nullptr);
  if (!r) return std::nullopt;
  std::string s(r);
  free(r);
  return s;
}

std::optional<std::string> read_link(const std::string& p) {
  std::error_code ec;
  fs::path t = fs::read_symlink(p, ec);
  if (ec) return std::nullopt;
  return t.string();
}

std::optional<std::string> read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
  bool operator<(const FileId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
};

std::optional<FileId> file_id(const std::string& p, bool follow) {
  struct stat st {};
  if ((follow ? stat(p.c_str(), &st) : lstat(p.c_str(), &st)) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

std::string errno_text() { return std::strerror(errno); }

/// PATH entries that name a directory absolutely (relative ones depend on
/// the caller's working directory and are never a place to record).
std::vector<std::string> split_path_list(const std::string& list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t colon = list.find(':', pos);
    std::string e = list.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (!e.empty() && e[0] == '/') out.push_back(e);
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return out;
}

std::optional<std::string> which(const std::string& name, const std::string& path_list) {
  for (const std::string& dir : split_path_list(path_list)) {
    std::string c = join(dir, name);
    if (is_executable_file(c)) return c;
  }
  return std::nullopt;
}

/// Subdirectories of `dir` (sorted), for globs like versions/node/*.
std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_directory(ec2)) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Writes `content` to a temporary file beside `path` and renames it over
/// `path`, so readers (the shim reads the policy on every call) never see a
/// half-written file.
bool write_file_atomic(const std::string& path, const std::string& content, mode_t mode,
                       std::optional<std::pair<uid_t, gid_t>> owner, std::string& error) {
  std::string tmpl = path + ".pm2guard-tmp-XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    error = fmt::format("cannot create a file in {}: {}", parent_of(path), errno_text());
    return false;
  }
  auto fail = [&](const std::string& what) {
    error = fmt::format("{} {}: {}", what, tmpl, errno_text());
    close(fd);
    unlink(tmpl.c_str());
    return false;
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (owner && fchown(fd, owner->first, owner->second) != 0) return fail("cannot chown");
  if (fchmod(fd, mode) != 0) return fail("cannot chmod");
  if (fsync(fd) != 0) return fail("cannot sync");
  if (close(fd) != 0) {
    error = fmt::format("cannot close {}: {}", tmpl, errno_text());
    unlink(tmpl.c_str());
    return false;
  }
  if (rename(tmpl.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot rename {} to {}: {}", tmpl, path, errno_text());
    unlink(tmpl.c_str());
    return false;
  }
  return true;
}

/// Puts a symlink at `path` in one rename, replacing what is there.
bool place_symlink(const std::string& path, const std::string& target, std::string& error) {
  std::string tmp = fmt::format("{}.pm2guard-tmp-{}", path, getpid());
  unlink(tmp.c_str());
  if (symlink(target.c_str(), tmp.c_str()) != 0) {
    error = fmt::format("cannot create symlink {}: {}", tmp, errno_text());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot rename {} to {}: {}", tmp, path, errno_text());
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

std::string mode_text(mode_t m) { return fmt::format("{:04o}", m & 07777); }

// pm2's other executables, installed beside it (npm links them next to
// pm2's). The shim guards `pm2` only.
struct Companion {
  const char* name;
  bool shared_daemon;  // reaches the daemon the shim guards
  const char* what;
};
const std::vector<Companion>& companions() {
  static const std::vector<Companion> list = {
      {"pm2-runtime", true,
       "attaches to the daemon of its PM2_HOME (the shared one when it runs) and on SIGINT or SIGTERM calls "
       "pm2.kill(), which stops every process of every team and the daemon"},
      {"pm2-docker", true, "is pm2-runtime under another name: on SIGINT or SIGTERM it kills the shared daemon"},
      {"pm2-dev", false,
       "is pm2's API without the shim, but runs its own daemon in ~/.pm2-dev, not the shared one"},
  };
  return list;
}

// The directories a pm2 at `p` lives in: where it was found and where its
// symlinks lead.
void add_dirs_of(const std::string& p, std::set<std::string>& dirs) {
  dirs.insert(parent_of(p));
  if (std::optional<std::string> r = real_path(p)) dirs.insert(parent_of(*r));
}

bool link_diverted_by(const std::vector<Diversion>& diversions, const std::string& link) {
  for (const Diversion& v : diversions)
    if (v.path == link) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Recognising the shim

/// The shim as installed, shipped and recorded. A candidate is the shim when
/// it is the same file (symlinks followed), lives in a pm2guard shim
/// directory, or is a byte-identical copy: the shim itself compares by real
/// path and inode, and a second copy must never be recorded as the real pm2.
class ShimIdentity {
 public:
  void add(const std::string& path) {
    if (path.empty()) return;
    paths_.push_back(path);
    if (auto id = file_id(path, true)) ids_.push_back(*id);
  }

  bool matches(const std::string& candidate) const {
    std::optional<FileId> id = file_id(candidate, true);
    if (!id) return false;
    for (const FileId& k : ids_)
      if (k == *id) return true;
    if (auto r = real_path(candidate)) {
      const std::string tail = "/lib/pm2guard/bin/pm2";
      if (r->size() >= tail.size() && r->compare(r->size() - tail.size(), tail.size(), tail) == 0) return true;
    }
    struct stat cs {};
    if (stat(candidate.c_str(), &cs) != 0 || !S_ISREG(cs.st_mode)) return false;
    std::optional<std::string> content;
    for (const std::string& p : paths_) {
      struct stat ps {};
      if (stat(p.c_str(), &ps) != 0 || ps.st_size != cs.st_size) continue;
      if (!content) content = read_file(candidate);
      if (content && read_file(p) == content) return true;
    }
    return false;
  }

  /// A symlink at `link` that points at the shim, even one whose target is
  /// gone (its text names a known shim path).
  bool is_link_to_shim(const std::string& link) const {
    if (!is_symlink(link)) return false;
    std::optional<std::string> t = read_link(link);
    if (t) {
      std::string abs = (*t)[0] == '/' ? absolute_path(*t) : absolute_path(join(parent_of(link), *t));
      for (const std::string& p : paths_)
        if (absolute_path(p) == abs) return true;
    }
    return matches(link);
  }

 private:
  std::vector<std::string> paths_;
  std::vector<FileId> ids_;
};

// ---------------------------------------------------------------------------
// Policy text

/// A YAML scalar for a path: plain when that is unambiguous, else quoted.
std::string yaml_scalar(const std::string& s) {
  bool plain = !s.empty() && s[0] == '/';
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._+@~-", c))) plain = false;
  return plain ? s : json(s).dump();
}

bool is_real_pm2_line(const std::string& line) {
  const std::string key = "real_pm2";
  if (line.compare(0, key.size(), key) != 0) return false;
  size_t i = key.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

struct PolicyText {
  bool exists = false;
  std::string text;
  struct stat st {};
  std::optional<std::string> real_pm2;
  std::set<std::string> keys;
};

/// Reads the policy for editing. Fails when it cannot be edited safely.
std::optional<PolicyText> read_policy_text(const std::string& path, std::string& error) {
  PolicyText p;
  if (lstat(path.c_str(), &p.st) != 0) {
    if (errno == ENOENT) return p;
    error = fmt::format("{}: {}", path, errno_text());
    return std::nullopt;
  }
  if (S_ISLNK(p.st.st_mode) || !S_ISREG(p.st.st_mode)) {
    error = fmt::format("{} is not a regular file (the shim only trusts a plain root-owned file)", path);
    return std::nullopt;
  }
  std::optional<std::string> text = read_file(path);
  if (!text) {
    error = fmt::format("cannot read {}: {}", path, errno_text());
    return std::nullopt;
  }
  p.exists = true;
  p.text = *text;
  try {
    YAML::Node root = YAML::Load(p.text);
    if (!root.IsNull() && !root.IsMap()) {
      error = fmt::format("{} is not a YAML mapping; fix it before installing", path);
      return std::nullopt;
    }
    if (root.IsMap()) {
      for (const auto& kv : root) p.keys.insert(kv.first.Scalar());
      if (root["real_pm2"] && root["real_pm2"].IsScalar()) p.real_pm2 = root["real_pm2"].Scalar();
    }
  } catch (const YAML::Exception& e) {
    error = fmt::format("{} is not valid YAML ({}); fix it before installing", path, e.msg);
    return std::nullopt;
  }
  return p;
}

const char* kPolicyHeader =
    "# pm2guard system policy. The pm2 shim reads it on every call and trusts it\n"
    "# only while it and its directory are root-owned and not group/world-writable.\n"
    "# real_pm2 was recorded by `pm2guard shim install`; see `pm2guard shim doctor`.\n";

/// The policy text with real_pm2 set, every other line kept.
std::optional<std::string> policy_with_real_pm2(const PolicyText& p, const std::string& value, std::string& error) {
  std::string line = "real_pm2: " + yaml_scalar(value);
  std::string out;
  if (!p.exists) {
    out = std::string(kPolicyHeader) + line + "\n";
  } else {
    std::vector<std::string> lines;
    std::istringstream in(p.text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    bool replaced = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!replaced && is_real_pm2_line(lines[i])) {
        out += line + "\n";
        replaced = true;
        // A value continued on indented lines belongs to the old key.
        while (i + 1 < lines.size() && !lines[i + 1].empty() && (lines[i + 1][0] == ' ' || lines[i + 1][0] == '\t'))
          ++i;
        continue;
      }
      out += lines[i] + "\n";
    }
    if (!replaced) out += "# The pm2 the shim runs, recorded by `pm2guard shim install`.\n" + line + "\n";
  }
  // The edit is textual; make sure it means what it should.
  try {
    YAML::Node root = YAML::Load(out);
    std::set<std::string> keys;
    for (const auto& kv : root) keys.insert(kv.first.Scalar());
    std::set<std::string> want = p.keys;
    want.insert("real_pm2");
    if (!root.IsMap() || keys != want || !root["real_pm2"].IsScalar() || root["real_pm2"].Scalar() != value) {
      error = "the edited policy would not read back as intended";
      return std::nullopt;
    }
  } catch (const YAML::Exception& e) {
    error = fmt::format("the edited policy would not parse ({})", e.msg);
    return std::nullopt;
  }
  return out;
}

// ---------------------------------------------------------------------------
// State file

json state_json(const State& s) {
  json d = json::array();
  for (const Diversion& v : s.diversions) d.push_back({{"path", v.path}, {"diverted_to", v.diverted_to}});
  return {{"version", 1},    {"shim", s.shim},         {"links", s.links},
          {"diversions", d}, {"real_pm2", s.real_pm2}, {"created_dirs", s.created_dirs}};
}

bool valid_diversion(const Diversion& d) {
  return !d.path.empty() && d.path[0] == '/' && base_of(d.path) == "pm2" && d.diverted_to == d.path + kDivertSuffix;
}

// ---------------------------------------------------------------------------
// Plans: what install and uninstall change, printed and then applied

struct Step {
  std::string verb;
  std::string text;
  std::function<bool(std::string& error)> apply;  ///< empty: nothing changes
};

int run_steps(const std::string& command, const std::vector<Step>& steps, bool dry_run, std::ostream& out,
              std::ostream& err) {
  size_t changes = 0;
  for (const Step& s : steps) {
    if (!s.apply) {
      out << fmt::format("{:<15} {}\n", s.verb, s.text);
      continue;
    }
    ++changes;
    if (dry_run) {
      out << fmt::format("would {:<9} {}\n", s.verb, s.text);
      continue;
    }
    std::string error;
    if (!s.apply(error)) {
      err << fmt::format("pm2guard shim {}: {} {} failed: {}\n", command, s.verb, s.text, error);
      err << fmt::format("pm2guard shim {}: stopped; the changes listed above were made\n", command);
      return 1;
    }
    out << fmt::format("{:<15} {}\n", s.verb, s.text);
  }
  if (changes == 0) out << "nothing to change\n";
  return 0;
}

std::optional<std::pair<uid_t, gid_t>> root_owner(bool chown_root) {
  if (!chown_root) return std::nullopt;
  return std::make_pair(uid_t{0}, gid_t{0});
}

/// Steps creating `dir` and each missing parent, top-down, mode 0755;
/// `planned` holds the directories earlier steps create.
void mkdir_steps(const std::string& dir, bool chown_root, std::set<std::string>& planned, std::vector<Step>& steps) {
  std::vector<std::string> missing;
  for (std::string d = dir; !lexists(d) && d != "/" && !planned.count(d); d = parent_of(d)) missing.push_back(d);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    std::string d = *it;
    planned.insert(d);
    steps.push_back({"mkdir", d + " (0755" + std::string(chown_root ? ", root" : "") + ")",
                     [d, chown_root](std::string& error) {
                       if (mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
                         error = errno_text();
                         return false;
                       }
                       // mkdir's mode is masked by the umask; the shim and the
                       // policy need exactly 0755.
                       if (chmod(d.c_str(), 0755) != 0 || (chown_root && chown(d.c_str(), 0, 0) != 0)) {
                         error = errno_text();
                         return false;
                       }
                       return true;
                     }});
  }
}

bool validate_absolute(const std::string& what, const std::string& p, std::ostream& err, const std::string& cmd) {
  if (p.empty() || p[0] != '/') {
    err << fmt::format("pm2guard shim {}: {} must be an absolute path, got '{}'\n", cmd, what, p);
    return false;
  }
  return true;
}

bool validate_layout(const Layout& L, std::ostream& err, const std::string& cmd) {
  return validate_absolute("--prefix", L.prefix, err, cmd) &&
         validate_absolute("--policy-dir", L.policy_dir, err, cmd) &&
         (L.link_dir.empty() || validate_absolute("--link-dir", L.link_dir, err, cmd));
}

/// Where a pm2 entry leads, for messages: "-> /real/path" or "".
std::string arrow(const std::string& p) {
  std::optional<std::string> r = real_path(p);
  if (!r || *r == p) return "";
  return " -> " + *r;
}

}  // namespace

// ---------------------------------------------------------------------------
// Layout, state

std::string Layout::shim_path() const { return join(prefix, "lib/pm2guard/bin/pm2"); }
std::string Layout::link_path() const { return join(link_dir.empty() ? join(prefix, "bin") : link_dir, "pm2"); }
std::string Layout::policy_path() const { return join(policy_dir, kPolicyFileName); }
std::string Layout::state_path() const { return join(policy_dir, kStateFileName); }

std::optional<State> read_state(const std::string& policy_dir, std::string& error) {
  std::string path = join(policy_dir, kStateFileName);
  if (!lexists(path)) return std::nullopt;
  std::optional<std::string> text = read_file(path);
  if (!text) {
    error = fmt::format("cannot read {}: {}", path, errno_text());
    return std::nullopt;
  }
  try {
    json j = json::parse(*text);
    State s;
    s.shim = j.value("shim", "");
    s.real_pm2 = j.value("real_pm2", "");
    for (const json& l : j.value("links", json::array())) s.links.push_back(l.get<std::string>());
    for (const json& l : j.value("created_dirs", json::array())) s.created_dirs.push_back(l.get<std::string>());
    for (const json& d : j.value("diversions", json::array())) {
      Diversion v{d.at("path").get<std::string>(), d.at("diverted_to").get<std::string>()};
      if (!valid_diversion(v)) {
        error = fmt::format("{}: ignoring a malformed diversion of '{}'", path, v.path);
        continue;
      }
      s.diversions.push_back(v);
    }
    return s;
  } catch (const json::exception& e) {
    error = fmt::format("{} is not a pm2guard state file ({})", path, e.what());
    return std::nullopt;
  }
}

// ---------------------------------------------------------------------------
// install

int install(const InstallOptions& o, std::ostream& out, std::ostream& err) {
  const std::string cmd = "install";
  const Layout& L = o.layout;
  if (!validate_layout(L, err, cmd)) return 1;
  const std::string shim = L.shim_path();
  const std::string link = L.link_path();
  auto owner = root_owner(o.chown_root);

  if (!is_readable_file(o.shim_source)) {
    err << fmt::format("pm2guard shim install: no shim executable at {} (build it, or pass --shim PATH)\n",
                       o.shim_source);
    return 1;
  }
  std::string state_error;
  std::optional<State> prev = read_state(L.policy_dir, state_error);
  if (!state_error.empty()) err << "pm2guard shim install: warning: " << state_error << "\n";

  ShimIdentity ids;
  ids.add(shim);
  ids.add(o.shim_source);
  if (prev) ids.add(prev->shim);

  std::string policy_error;
  std::optional<PolicyText> policy = read_policy_text(L.policy_path(), policy_error);
  if (!policy) {
    err << "pm2guard shim install: " << policy_error << "\n";
    return 1;
  }

  // The real pm2: --real-pm2, else the recorded one while it still works,
  // else the first pm2 on PATH (then in npm's global bin) that is not a shim.
  auto usable = [&](const std::string& p) { return is_executable_file(p) && !ids.matches(p); };
  std::string real;          // as found
  std::string real_source;   // for the message
  if (o.real_pm2) {
    if (!validate_absolute("--real-pm2", *o.real_pm2, err, cmd)) return 1;
    if (!is_executable_file(*o.real_pm2)) {
      err << fmt::format("pm2guard shim install: --real-pm2 {} is not an executable file\n", *o.real_pm2);
      return 1;
    }
    if (ids.matches(*o.real_pm2)) {
      err << fmt::format("pm2guard shim install: --real-pm2 {} is the shim itself\n", *o.real_pm2);
      return 1;
    }
    real = *o.real_pm2;
    real_source = "--real-pm2";
  } else if (policy->real_pm2 && usable(*policy->real_pm2)) {
    real = *policy->real_pm2;
    real_source = "kept from " + L.policy_path() + "; --real-pm2 changes it";
  } else {
    std::vector<std::pair<std::string, const char*>> dirs;
    for (const std::string& d : split_path_list(o.search_path)) dirs.emplace_back(d, "found on PATH");
    for (const std::string& d : o.npm_global_bins) dirs.emplace_back(d, "found in npm's global bin");
    for (const auto& [d, how] : dirs) {
      std::string c = join(d, "pm2");
      if (usable(c)) {
        real = c;
        real_source = how;
        break;
      }
    }
    if (real.empty() && prev) {
      for (const Diversion& v : prev->diversions)
        if (usable(v.diverted_to)) {
          real = v.diverted_to;
          real_source = "diverted earlier";
          break;
        }
    }
    if (real.empty()) {
      err << fmt::format(
          "pm2guard shim install: cannot find the real pm2: no pm2 other than the shim on PATH ({}){}; "
          "pass --real-pm2 PATH\n",
          o.search_path,
          o.npm_global_bins.empty() ? ""
                                    : fmt::format(" or in npm's global bin ({})", fmt::join(o.npm_global_bins, ", ")));
      return 1;
    }
  }
  std::string real_resolved = real_path(real).value_or(real);

  // What occupies the link path.
  bool link_foreign = lexists(link) && !ids.is_link_to_shim(link);
  if (link_foreign && !o.divert) {
    err << fmt::format(
        "pm2guard shim install: {} already exists and is not the shim{}; refusing to overwrite it.\n"
        "  Re-run with --divert to move it aside to {}{} (and guard that path too), or pick another --link-dir.\n",
        link, arrow(link), link, kDivertSuffix);
    return 1;
  }

  // --divert: npm's global pm2, whatever sits at the link path, and every
  // other pm2 on PATH that leads to the real pm2.
  std::vector<Diversion> new_diversions;
  std::vector<Diversion> kept_diversions = prev ? prev->diversions : std::vector<Diversion>{};
  if (o.divert) {
    std::vector<std::string> dirs = split_path_list(o.search_path);
    dirs.insert(dirs.end(), o.npm_global_bins.begin(), o.npm_global_bins.end());
    dirs.push_back(parent_of(link));
    std::set<std::string> seen;
    for (const std::string& d : dirs) {
      std::string e = join(d, "pm2");
      if (!lexists(e) || ids.is_link_to_shim(e)) continue;
      bool leads_to_real = real_path(e) == std::optional<std::string>(real_resolved);
      bool npm_global = std::find(o.npm_global_bins.begin(), o.npm_global_bins.end(), d) != o.npm_global_bins.end();
      if (!leads_to_real && !npm_global && e != link) continue;
      // /bin/pm2 and /usr/bin/pm2 are one entry on merged-/usr systems.
      std::string key = join(real_path(d).value_or(d), "pm2");
      if (!seen.insert(key).second) continue;
      Diversion v{e, e + kDivertSuffix};
      if (lexists(v.diverted_to) && real_path(v.diverted_to) != real_path(e)) {
        err << fmt::format(
            "pm2guard shim install: {} exists and is not the same pm2 as {}; move it away before diverting\n",
            v.diverted_to, e);
        return 1;
      }
      new_diversions.push_back(v);
      // A pm2 that is a file, not npm's link, moves: record where it goes.
      if (!is_symlink(e) && real_resolved == real_path(e).value_or(e)) real_resolved = v.diverted_to;
    }
  } else if (prev) {
    for (const Diversion& v : prev->diversions)
      if (lexists(v.path) && !ids.is_link_to_shim(v.path))
        err << fmt::format(
            "pm2guard shim install: warning: {} is a pm2 again (npm i -g pm2 recreates its link); "
            "re-run with --divert to guard it\n",
            v.path);
  }

  // As root, a policy the shim will not trust is worth saying before the
  // shim depends on it.
  if (o.chown_root) {
    for (const std::string& p : {L.policy_dir, L.policy_path()}) {
      struct stat st {};
      if (stat(p.c_str(), &st) == 0 && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
        err << fmt::format(
            "pm2guard shim install: warning: {} is not root-owned or is group/world-writable (mode {}); the shim "
            "will not trust the policy until that is fixed\n",
            p, mode_text(st.st_mode));
    }
  }

  std::vector<Step> steps;
  std::set<std::string> planned_dirs;
  out << fmt::format("pm2guard shim install{}\n", o.dry_run ? " (dry run: nothing is changed)" : "");
  out << fmt::format("real pm2: {} ({})\n", real_resolved, real_source);

  // 1. The shim.
  mkdir_steps(parent_of(shim), o.chown_root, planned_dirs, steps);
  {
    struct stat st {};
    bool exists = stat(shim.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    bool same_file = exists && file_id(shim, true) == file_id(o.shim_source, true);
    bool same_content = same_file || (exists && read_file(shim) == read_file(o.shim_source));
    bool mode_ok = exists && (st.st_mode & 07777) == 0755;
    bool owner_ok = exists && (!owner || (st.st_uid == 0 && st.st_gid == 0));
    std::string owner_text = owner ? ", root" : "";
    if (is_symlink(shim) || !same_content) {
      std::string src = o.shim_source;
      steps.push_back({"install", fmt::format("{} from {} (0755{})", shim, src, owner_text),
                       [shim, src, owner](std::string& error) {
                         std::optional<std::string> bytes = read_file(src);
                         if (!bytes) {
                           error = fmt::format("cannot read {}: {}", src, errno_text());
                           return false;
                         }
                         return write_file_atomic(shim, *bytes, 0755, owner, error);
                       }});
    } else if (!mode_ok || !owner_ok) {
      steps.push_back({"chmod", fmt::format("{} (0755{}, was {})", shim, owner_text, mode_text(st.st_mode)),
                       [shim, owner](std::string& error) {
                         if ((owner && chown(shim.c_str(), owner->first, owner->second) != 0) ||
                             chmod(shim.c_str(), 0755) != 0) {
                           error = errno_text();
                           return false;
                         }
                         return true;
                       }});
    } else {
      steps.push_back({"unchanged", fmt::format("{} (the shim, 0755{})", shim, owner_text), nullptr});
    }
  }

  // 2. The policy, before any link makes the shim live: with a diversion the
  // shim cannot find the real pm2 on PATH any more.
  mkdir_steps(L.policy_dir, o.chown_root, planned_dirs, steps);
  if (policy->real_pm2 == std::optional<std::string>(real_resolved)) {
    steps.push_back({"unchanged", fmt::format("{} (real_pm2: {})", L.policy_path(), real_resolved), nullptr});
  } else {
    std::string edit_error;
    std::optional<std::string> text = policy_with_real_pm2(*policy, real_resolved, edit_error);
    if (!text) {
      err << fmt::format("pm2guard shim install: cannot set real_pm2 in {}: {}; add `real_pm2: {}` by hand\n",
                         L.policy_path(), edit_error, real_resolved);
      return 1;
    }
    std::string parse_error;
    if (!parse_policy(*text, L.policy_path(), parse_error))
      err << "pm2guard shim install: warning: the shim will reject this policy: " << parse_error << "\n";
    std::string path = L.policy_path();
    mode_t mode = policy->exists ? (policy->st.st_mode & 07777) : 0644;
    std::optional<std::pair<uid_t, gid_t>> file_owner =
        policy->exists ? std::optional(std::make_pair(policy->st.st_uid, policy->st.st_gid)) : owner;
    steps.push_back({"write",
                     fmt::format("{} (real_pm2: {}{})", path, real_resolved,
                                 policy->exists ? ", other content kept" : fmt::format(", new, {}", mode_text(mode))),
                     [path, content = *text, mode, file_owner](std::string& error) {
                       return write_file_atomic(path, content, mode, file_owner, error);
                     }});
  }

  // 3. The state, before the diversions it records.
  State next;
  next.shim = shim;
  next.real_pm2 = real_resolved;
  next.links = prev ? prev->links : std::vector<std::string>{};
  next.diversions = kept_diversions;
  next.created_dirs = prev ? prev->created_dirs : std::vector<std::string>{};
  auto add_link = [&](const std::string& l) {
    if (std::find(next.links.begin(), next.links.end(), l) == next.links.end()) next.links.push_back(l);
  };
  for (const Diversion& v : new_diversions) {
    add_link(v.path);
    bool known = false;
    for (const Diversion& k : next.diversions) known = known || k.path == v.path;
    if (!known) next.diversions.push_back(v);
  }
  add_link(link);
  // Directories for the link are planned after this step; the shim's before.
  std::set<std::string> link_dirs;
  if (!link_diverted_by(new_diversions, link))
    for (std::string d = parent_of(link); !lexists(d) && d != "/"; d = parent_of(d)) link_dirs.insert(d);
  for (const std::set<std::string>* set : {&planned_dirs, &link_dirs})
    for (const std::string& d : *set) {
      bool policy_side = d == L.policy_dir || L.policy_dir.rfind(d + "/", 0) == 0;
      if (!policy_side && std::find(next.created_dirs.begin(), next.created_dirs.end(), d) == next.created_dirs.end())
        next.created_dirs.push_back(d);
    }
  if (prev && state_json(*prev) == state_json(next)) {
    steps.push_back({"unchanged", L.state_path(), nullptr});
  } else {
    std::string path = L.state_path();
    std::string content = state_json(next).dump(2) + "\n";
    steps.push_back({"write", fmt::format("{} (shim, links{})", path, next.diversions.empty() ? "" : ", diversions"),
                     [path, content, owner](std::string& error) {
                       return write_file_atomic(path, content, 0644, owner, error);
                     }});
  }

  // 4. Diversions: the original stays reachable under its new name at every
  // moment, and its path goes straight from pm2 to the shim.
  for (const Diversion& v : new_diversions) {
    std::string what = is_symlink(v.path) ? fmt::format("a link to {}", real_path(v.path).value_or("nothing"))
                                          : std::string("a file");
    steps.push_back({"divert", fmt::format("{} to {} ({})", v.path, v.diverted_to, what),
                     [v](std::string& error) {
                       std::string tmp = fmt::format("{}.pm2guard-tmp-{}", v.diverted_to, getpid());
                       unlink(tmp.c_str());
                       if (linkat(AT_FDCWD, v.path.c_str(), AT_FDCWD, tmp.c_str(), 0) == 0) {
                         if (rename(tmp.c_str(), v.diverted_to.c_str()) != 0) {
                           error = fmt::format("cannot rename {} to {}: {}", tmp, v.diverted_to, errno_text());
                           unlink(tmp.c_str());
                           return false;
                         }
                         return true;
                       }
                       // No hard links here: a moment without a pm2 at the path.
                       if (rename(v.path.c_str(), v.diverted_to.c_str()) != 0) {
                         error = fmt::format("cannot move {} to {}: {}", v.path, v.diverted_to, errno_text());
                         return false;
                       }
                       return true;
                     }});
    steps.push_back({"link", fmt::format("{} -> {}", v.path, shim),
                     [v, shim](std::string& error) { return place_symlink(v.path, shim, error); }});
  }

  // 5. The link on PATH.
  if (!link_diverted_by(new_diversions, link)) {
    mkdir_steps(parent_of(link), o.chown_root, planned_dirs, steps);
    if (read_link(link) == std::optional<std::string>(shim)) {
      steps.push_back({"unchanged", fmt::format("{} -> {}", link, shim), nullptr});
    } else {
      steps.push_back({"link", fmt::format("{} -> {}", link, shim),
                       [link, shim](std::string& error) { return place_symlink(link, shim, error); }});
    }
  }
  for (const Diversion& v : kept_diversions)
    if (ids.is_link_to_shim(v.path))
      steps.push_back({"unchanged", fmt::format("{} -> {} (diverted to {})", v.path, shim, v.diverted_to), nullptr});

  int rc = run_steps(cmd, steps, o.dry_run, out, err);
  if (rc != 0) return rc;

  // Where the link stands on the caller's PATH: a directory before it that
  // holds another pm2 wins over the shim.
  std::vector<std::string> dirs = split_path_list(o.search_path);
  std::string link_dir = parent_of(link);
  bool on_path = false;
  for (const std::string& d : dirs) {
    if (d == link_dir || real_path(d) == real_path(link_dir)) {
      on_path = true;
      break;
    }
    std::string c = join(d, "pm2");
    bool diverted = false;
    for (const Diversion& v : new_diversions) diverted = diverted || real_path(parent_of(v.path)) == real_path(d);
    if (is_executable_file(c) && !ids.matches(c) && !diverted) {
      err << fmt::format("pm2guard shim install: warning: on this PATH {} comes before {} and holds {}{}, "
                         "so `pm2` still runs that one\n",
                         d, link_dir, c, arrow(c));
      break;
    }
  }
  if (!on_path)
    err << fmt::format("pm2guard shim install: warning: {} is not on this PATH ({})\n", link_dir, o.search_path);
  // pm2-runtime and pm2-docker beside the real pm2 are not the shim's to
  // divert: it only speaks pm2's command line.
  std::set<std::string> real_dirs;
  add_dirs_of(real_resolved, real_dirs);
  for (const std::string& b : o.npm_global_bins) real_dirs.insert(b);
  std::set<std::string> told;
  for (const std::string& d : real_dirs)
    for (const Companion& c : companions()) {
      std::string p = join(d, c.name);
      if (!c.shared_daemon || !is_executable_file(p) || !told.insert(real_path(p).value_or(p)).second) continue;
      err << fmt::format("pm2guard shim install: warning: {}{} is not guarded: it {}; remove it or make it "
                         "executable by root only where no deployment needs it\n",
                         p, arrow(p), c.what);
    }
  out << "run `pm2guard shim doctor` to check every way pm2 is reached\n";
  return 0;
}

// ---------------------------------------------------------------------------
// uninstall

int uninstall(const UninstallOptions& o, std::ostream& out, std::ostream& err) {
  const std::string cmd = "uninstall";
  const Layout& L = o.layout;
  if (!validate_layout(L, err, cmd)) return 1;
  std::string state_error;
  std::optional<State> prev = read_state(L.policy_dir, state_error);
  if (!state_error.empty()) err << "pm2guard shim uninstall: warning: " << state_error << "\n";

  std::vector<std::string> shims = {L.shim_path()};
  if (prev && !prev->shim.empty() && prev->shim != L.shim_path()) shims.push_back(prev->shim);
  ShimIdentity ids;
  for (const std::string& s : shims) ids.add(s);
  if (!o.packaged_shim.empty()) ids.add(o.packaged_shim);

  out << fmt::format("pm2guard shim uninstall{}\n", o.dry_run ? " (dry run: nothing is changed)" : "");
  std::vector<Step> steps;
  std::set<std::string> gone;  // paths the steps remove, for the empty-directory checks
  auto remove_step = [&](const std::string& verb, const std::string& path, const std::string& text) {
    gone.insert(path);
    bool dir = verb == "rmdir";
    steps.push_back({verb, text, [path, dir](std::string& error) {
                       if ((dir ? rmdir(path.c_str()) : unlink(path.c_str())) != 0) {
                         error = errno_text();
                         return false;
                       }
                       return true;
                     }});
  };
  auto empty_after_steps = [&](const std::string& d) {
    std::error_code ec;
    for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
      if (!gone.count(it->path().string())) return false;
    return !ec;
  };

  // 1. Diversions: recorded ones, and any left beside a shim link on PATH.
  std::vector<Diversion> diversions = prev ? prev->diversions : std::vector<Diversion>{};
  std::vector<std::string> dirs = split_path_list(o.search_path);
  dirs.push_back(parent_of(L.link_path()));
  for (const std::string& d : dirs) {
    Diversion v{join(d, "pm2"), join(d, std::string("pm2") + kDivertSuffix)};
    if (!lexists(v.diverted_to) || (lexists(v.path) && !ids.is_link_to_shim(v.path))) continue;
    bool known = false;
    for (const Diversion& k : diversions)
      known = known || k.path == v.path || real_path(parent_of(k.path)) == real_path(d);
    if (!known) diversions.push_back(v);
  }
  std::set<std::string> restored;
  for (const Diversion& v : diversions) {
    bool ours = ids.is_link_to_shim(v.path);
    bool present = lexists(v.path);
    bool saved = lexists(v.diverted_to);
    if ((ours || !present) && saved) {
      restored.insert(v.path);
      gone.insert(v.diverted_to);
      steps.push_back({"restore", fmt::format("{} from {}{}", v.path, v.diverted_to, arrow(v.diverted_to)),
                       [v](std::string& error) {
                         if (rename(v.diverted_to.c_str(), v.path.c_str()) != 0) {
                           error = errno_text();
                           return false;
                         }
                         return true;
                       }});
    } else if (ours) {
      restored.insert(v.path);
      err << fmt::format("pm2guard shim uninstall: warning: {} is gone; nothing to restore at {}\n", v.diverted_to,
                         v.path);
      remove_step("remove", v.path, fmt::format("{} (link to the shim)", v.path));
    } else if (present && saved) {
      if (real_path(v.diverted_to) == real_path(v.path)) {
        remove_step("remove", v.diverted_to,
                    fmt::format("{} ({} was recreated, e.g. by npm i -g pm2, and is kept)", v.diverted_to, v.path));
      } else {
        err << fmt::format("pm2guard shim uninstall: warning: {} was replaced and {} differs from it; both kept\n",
                           v.path, v.diverted_to);
      }
    }
  }

  // 2. Links to the shim.
  std::vector<std::string> links = {L.link_path()};
  if (prev)
    for (const std::string& l : prev->links)
      if (std::find(links.begin(), links.end(), l) == links.end()) links.push_back(l);
  for (const std::string& l : links) {
    if (restored.count(l) || !lexists(l)) continue;
    if (!ids.is_link_to_shim(l)) {
      if (l == L.link_path()) out << fmt::format("{:<15} {} (not a link to the shim){}\n", "kept", l, arrow(l));
      continue;
    }
    remove_step("remove", l, fmt::format("{} -> {}", l, read_link(l).value_or("?")));
  }

  // 3. The state file.
  if (lexists(L.state_path())) remove_step("remove", L.state_path(), L.state_path());

  // 4. The shim, and <prefix>/lib/pm2guard(/bin) when that leaves them empty.
  for (const std::string& s : shims) {
    if (!lexists(s)) continue;
    if (!o.packaged_shim.empty() && file_id(s, false) == file_id(o.packaged_shim, false)) {
      out << fmt::format("{:<15} {} (the copy shipped with this pm2guard; `shim install` installs from it)\n", "kept",
                         s);
      continue;
    }
    remove_step("remove", s, s);
    std::string bin_dir = parent_of(s);
    for (const std::string& d : {bin_dir, parent_of(bin_dir)}) {
      if ((base_of(d) != "bin" && base_of(d) != "pm2guard") || !empty_after_steps(d)) break;
      remove_step("rmdir", d, d);
    }
  }

  // 5. Other directories install created, deepest first, when empty.
  if (prev) {
    std::vector<std::string> made = prev->created_dirs;
    std::sort(made.begin(), made.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& d : made)
      if (!gone.count(d) && is_dir(d) && !is_symlink(d) && empty_after_steps(d)) remove_step("rmdir", d, d);
  }

  int rc = run_steps(cmd, steps, o.dry_run, out, err);
  if (rc != 0) return rc;
  std::string audit = "pm2guard-audit.log in each PM2_HOME";
  std::string ignored;
  if (auto pol = load_policy(L.policy_path(), false, ignored); pol && pol->audit_log) audit = *pol->audit_log;
  out << fmt::format("{:<15} {} (real_pm2 and the rules) and the audit logs ({})\n", "kept", L.policy_path(), audit);
  return 0;
}

// ---------------------------------------------------------------------------
// Running commands (runuser, npm)

CommandOutput run_command(const std::vector<std::string>& argv, double timeout_seconds) {
  SubprocessResult s = run_subprocess(argv, "", timeout_seconds);
  CommandOutput r;
  r.exit_code = s.exit_code;
  r.out = std::move(s.out);
  r.err = std::move(s.err);
  return r;
}

// ---------------------------------------------------------------------------
// doctor

std::optional<std::string> which_pm2(const std::string& path_list) { return which("pm2", path_list); }

bool DoctorReport::shim_in_place() const {
  if (!shim_present) return false;
  for (const Resolution& r : resolutions)
    if (r.required && r.applies && !r.is_shim) return false;
  return true;
}

int DoctorReport::exit_code() const { return shim_in_place() && bypasses.empty() ? 0 : 1; }

namespace {

/// One systemd unit file, reduced to what decides its PATH.
struct UnitInfo {
  std::string name;
  std::vector<std::string> files;  ///< main file, then drop-ins
  std::optional<std::string> path_env;
  std::string path_from;  ///< which setting gave PATH
  std::vector<std::string> exec_start;
  std::string working_directory;
};

/// systemd's Environment= value: space-separated assignments, each maybe
/// quoted.
std::vector<std::pair<std::string, std::string>> parse_assignments(const std::string& v) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    if (i >= v.size()) break;
    std::string word;
    while (i < v.size() && v[i] != ' ' && v[i] != '\t') {
      if (v[i] == '"' || v[i] == '\'') {
        char q = v[i++];
        while (i < v.size() && v[i] != q) {
          if (v[i] == '\\' && q == '"' && i + 1 < v.size()) ++i;
          word += v[i++];
        }
        ++i;
      } else {
        word += v[i++];
      }
    }
    size_t eq = word.find('=');
    if (eq != std::string::npos && eq > 0) out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

/// An EnvironmentFile's PATH, if it sets one.
std::optional<std::string> env_file_path(const std::string& file) {
  std::optional<std::string> text = read_file(file);
  if (!text) return std::nullopt;
  std::optional<std::string> found;
  std::istringstream in(*text);
  for (std::string l; std::getline(in, l);) {
    size_t s = l.find_first_not_of(" \t");
    if (s == std::string::npos || l[s] == '#' || l[s] == ';') continue;
    l = l.substr(s);
    if (l.rfind("export ", 0) == 0) l = l.substr(7);
    if (l.rfind("PATH=", 0) != 0) continue;
    std::string v = l.substr(5);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.pop_back();
    if (v.size() >= 2 && (v[0] == '"' || v[0] == '\'') && v.back() == v[0]) v = v.substr(1, v.size() - 2);
    found = v;
  }
  return found;
}

void read_unit_file(const std::string& file, UnitInfo& u, std::optional<std::string>& env_path,
                    std::optional<std::string>& env_file_path_value, std::string& env_from, std::string& file_from) {
  std::optional<std::string> text = read_file(file);
  if (!text) return;
  u.files.push_back(file);
  std::string section;
  std::istringstream in(*text);
  std::string line, pending;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    line = pending + line;
    pending.clear();
    size_t s = line.find_first_not_of(" \t");
    if (s == std::string::npos || line[s] == '#' || line[s] == ';') continue;
    line = line.substr(s);
    if (line[0] == '[') {
      section = line.substr(0, line.find(']') + 1);
      continue;
    }
    if (section != "[Service]") continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(eq + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    if (key == "Environment") {
      if (value.empty()) env_path.reset();
      for (auto& [k, v] : parse_assignments(value))
        if (k == "PATH") {
          env_path = v;
          env_from = "Environment=PATH in " + file;
        }
    } else if (key == "EnvironmentFile") {
      if (value.empty()) {
        env_file_path_value.reset();
        continue;
      }
      std::string f = value[0] == '-' ? value.substr(1) : value;
      if (auto p = env_file_path(f)) {
        env_file_path_value = *p;
        file_from = "PATH in EnvironmentFile " + f;
      }
    } else if (key == "ExecStart") {
      if (value.empty()) {
        u.exec_start.clear();
        continue;
      }
      size_t i = value.find_first_not_of("@-:+!");
      std::string prog = value.substr(i == std::string::npos ? 0 : i);
      u.exec_start.push_back(prog.substr(0, prog.find_first_of(" \t")));
    } else if (key == "WorkingDirectory") {
      u.working_directory = !value.empty() && value[0] == '-' ? value.substr(1) : value;
    }
  }
}

bool is_runner_unit(const std::string& name) {
  for (const char* k : {"act_runner", "act-runner", "gitea-runner", "forgejo-runner"})
    if (name.find(k) != std::string::npos) return true;
  return name.rfind("actions.runner.", 0) == 0;
}

/// CI runner units (and pm2's own startup units), read from the unit files
/// in priority order: the first directory holding a unit wins, drop-ins from
/// every directory apply in file-name order.
std::vector<UnitInfo> scan_units(const std::vector<std::string>& unit_dirs, bool pm2_units) {
  std::map<std::string, std::string> main_file;
  std::map<std::string, std::map<std::string, std::string>> dropins;
  for (const std::string& dir : unit_dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string fname = it->path().filename().string();
      const std::string suffix = ".service";
      bool is_dropin_dir = fname.size() > suffix.size() + 2 && fname.compare(fname.size() - 2, 2, ".d") == 0;
      std::string unit = is_dropin_dir ? fname.substr(0, fname.size() - 2) : fname;
      if (unit.size() <= suffix.size() || unit.compare(unit.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      std::string name = unit.substr(0, unit.size() - suffix.size());
      bool wanted = pm2_units ? name.rfind("pm2-", 0) == 0 : is_runner_unit(name);
      if (!wanted) continue;
      if (is_dropin_dir) {
        std::error_code ec2;
        for (fs::directory_iterator d(it->path(), ec2), e2; !ec2 && d != e2; d.increment(ec2)) {
          std::string f = d->path().filename().string();
          if (f.size() > 5 && f.compare(f.size() - 5, 5, ".conf") == 0 && !dropins[unit].count(f))
            dropins[unit][f] = d->path().string();
        }
      } else if (!main_file.count(unit)) {
        // A unit masked by a link to /dev/null does not run.
        if (real_path(it->path().string()) == std::optional<std::string>("/dev/null")) {
          main_file[unit] = "";
          continue;
        }
        main_file[unit] = it->path().string();
      }
    }
  }
  std::vector<UnitInfo> units;
  for (const auto& [unit, file] : main_file) {
    if (file.empty()) continue;
    UnitInfo u;
    u.name = unit;
    std::optional<std::string> env_path, file_path;
    std::string env_from, file_from;
    read_unit_file(file, u, env_path, file_path, env_from, file_from);
    for (const auto& [f, p] : dropins[unit]) read_unit_file(p, u, env_path, file_path, env_from, file_from);
    // Variables from EnvironmentFile= override Environment= (systemd.exec).
    if (file_path) {
      u.path_env = file_path;
      u.path_from = file_from;
    } else if (env_path) {
      u.path_env = env_path;
      u.path_from = env_from;
    }
    units.push_back(std::move(u));
  }
  return units;
}

class Doctor {
 public:
  explicit Doctor(const DoctorOptions& o) : o_(o) {}

  DoctorReport run() {
    load_state();
    check_policy();
    resolve_contexts();
    scan_runner_units();
    scan_full_path();
    scan_companions();
    scan_project_and_npx();
    check_diversions();
    scan_pm2_units();
    r_.notes.push_back(
        "Always reachable by a full path, by design: the real pm2" +
        (r_.real_pm2 ? " (" + *r_.real_pm2 + ")" : std::string()) +
        " and any *.pm2guard-diverted copy; likewise `node .../pm2/bin/pm2`, require('pm2') and rpc.sock. "
        "The shim guards `pm2` by name and at the paths it occupies.");
    return r_;
  }

 private:
  void load_state() {
    std::string error;
    state_ = read_state(o_.policy_dir, error);
    if (!error.empty()) r_.notes.push_back("state: " + error);
    std::vector<std::string> candidates;
    if (state_ && !state_->shim.empty()) candidates.push_back(state_->shim);
    candidates.insert(candidates.end(), o_.shim_candidates.begin(), o_.shim_candidates.end());
    for (const std::string& c : candidates) ids_.add(c);
    for (const std::string& c : candidates)
      if (is_executable_file(c)) {
        r_.shim = c;
        r_.shim_present = true;
        break;
      }
    if (!r_.shim_present && !candidates.empty()) r_.shim = candidates.front();
    if (!state_)
      r_.notes.push_back(fmt::format("no {} in {}: `pm2guard shim install` has not run with this --policy-dir",
                                     kStateFileName, o_.policy_dir));
  }

  void bypass(const std::string& kind, const std::string& path, const std::string& detail) {
    for (const Finding& f : r_.bypasses)
      if (f.kind == kind && f.path == path && f.detail == detail) return;
    r_.bypasses.push_back({kind, path, detail});
  }

  void check_policy() {
    std::string file = join(o_.policy_dir, kPolicyFileName);
    r_.policy_file = file;
    struct stat st {};
    if (lstat(file.c_str(), &st) != 0) {
      r_.notes.push_back(fmt::format("no system policy at {}: the shim runs with its built-in defaults and looks for "
                                     "the real pm2 on PATH",
                                     file));
      return;
    }
    r_.policy_present = true;
    if (S_ISLNK(st.st_mode)) {
      bypass("policy", file,
             "the policy is a symlink: whoever controls its target controls the rules (the shim refuses it)");
      return;
    }
    auto check_owner = [&](const std::string& what, const std::string& p, const struct stat& s) {
      if (s.st_uid != o_.trusted_uid)
        bypass("policy", p,
               fmt::format("the policy {} is owned by uid {}, not {}: that user can rewrite the rules", what, s.st_uid,
                           o_.trusted_uid == 0 ? "root" : std::to_string(o_.trusted_uid)));
      if (s.st_mode & (S_IWGRP | S_IWOTH))
        bypass("policy", p,
               fmt::format("the policy {} is {}-writable (mode {}): anyone in it can rewrite the rules", what,
                           (s.st_mode & S_IWOTH) ? "world" : "group", mode_text(s.st_mode)));
    };
    check_owner("file", file, st);
    struct stat dst {};
    if (stat(o_.policy_dir.c_str(), &dst) == 0) check_owner("directory", o_.policy_dir, dst);
    std::string error;
    std::optional<Policy> p = load_policy(file, false, error);
    if (!p) {
      bypass("policy", file, "the shim cannot use this policy: " + error);
      return;
    }
    r_.real_pm2 = p->real_pm2;
    if (!p->real_pm2) {
      r_.notes.push_back("the policy has no real_pm2: the shim takes the first pm2 on PATH that is not itself");
    } else if (!is_executable_file(*p->real_pm2)) {
      bypass("policy", file, fmt::format("real_pm2 {} is not an executable file", *p->real_pm2));
    } else if (ids_.matches(*p->real_pm2)) {
      bypass("policy", file, fmt::format("real_pm2 {} is the shim itself", *p->real_pm2));
    }
  }

  Resolution resolve_in(const std::string& context, const std::string& path_list, bool required) {
    Resolution res;
    res.context = context;
    res.how = "PATH=" + path_list;
    res.required = required;
    fill(res, which_pm2(path_list));
    return res;
  }

  void fill(Resolution& res, const std::optional<std::string>& found) {
    res.pm2 = found;
    if (!found) return;
    res.real_path = real_path(*found).value_or(*found);
    res.is_shim = ids_.matches(*found);
  }

  /// A context where a pm2 other than the shim comes first is a bypass,
  /// reported at `where` (the pm2 reached, or the unit file to fix).
  void context_bypass(const Resolution& res, const std::string& kind, const std::string& subject,
                      const std::string& where = "") {
    if (!res.applies || !res.error.empty() || !res.pm2 || res.is_shim) return;
    bypass(kind, where.empty() ? *res.pm2 : where,
           fmt::format("{} runs {}{} before any shim ({})", subject, *res.pm2,
                       res.real_path != *res.pm2 ? " -> " + res.real_path : "", res.how));
  }

  void resolve_contexts() {
    r_.resolutions.push_back(resolve_in("PATH of this process", o_.path, true));
    path_lists_.push_back(o_.path);
    if (!o_.user.empty()) ask_user();
    for (const NamedPath& c : o_.contexts) {
      Resolution res = resolve_in(c.name, c.path, false);
      context_bypass(res, "context", c.name);
      r_.resolutions.push_back(res);
      path_lists_.push_back(c.path);
    }
  }

  void ask_user() {
    CommandRunner runner = o_.runner ? o_.runner : [](const std::vector<std::string>& argv) {
      return run_command(argv, 20);
    };
    const std::string& u = o_.user;
    struct Shell {
      std::string context;
      std::vector<std::string> argv;
      bool login;
    };
    std::vector<Shell> shells = {
        {fmt::format("user {}, non-login shell", u), {o_.runuser, "-u", u, "--", "sh", "-c", "command -v pm2"}, false},
        {fmt::format("user {}, login shell", u), {o_.runuser, "-l", u, "-c", "command -v pm2"}, true},
    };
    for (const Shell& s : shells) {
      Resolution res;
      res.context = s.context;
      res.how = s.login ? fmt::format("runuser -l {} -c 'command -v pm2'", u)
                        : fmt::format("runuser -u {} -- sh -c 'command -v pm2'", u);
      res.required = true;
      std::string shell_base = base_of(o_.user_shell);
      if (s.login && (shell_base == "nologin" || shell_base == "false")) {
        res.applies = false;
        res.error = fmt::format("{}'s login shell is {}: there are no login sessions", u, o_.user_shell);
        r_.resolutions.push_back(res);
        continue;
      }
      if (geteuid() != 0 && !o_.runner) {
        res.error = "asking another user's shells needs root (runuser)";
        r_.resolutions.push_back(res);
        continue;
      }
      CommandOutput c = runner(s.argv);
      // A login shell may print a banner first: the answer is the last line
      // that is a path.
      std::optional<std::string> found;
      std::istringstream in(c.out);
      for (std::string l; std::getline(in, l);)
        if (!l.empty() && l[0] == '/') found = l;
      if (c.exit_code < 0) {
        res.error = "could not run runuser (or it timed out)";
      } else if (!found && c.exit_code != 1 && c.exit_code != 127) {
        // Nothing found is exit 1 in bash and 127 in dash.
        std::string e = c.err.substr(0, c.err.find('\n'));
        res.error = fmt::format("the shell failed (exit {}){}", c.exit_code, e.empty() ? "" : ": " + e);
      }
      fill(res, found);
      if (res.error.empty()) context_bypass(res, "context", s.context);
      r_.resolutions.push_back(res);
    }
  }

  void scan_full_path() {
    std::vector<std::pair<std::string, std::string>> dirs;  // dir, why it is looked at
    for (const std::string& pl : path_lists_)
      for (const std::string& d : split_path_list(pl)) dirs.emplace_back(d, "on a PATH");
    if (!o_.npm_prefix.empty()) dirs.emplace_back(join(o_.npm_prefix, "bin"), "npm's global bin");
    for (const std::string& d : o_.known_dirs) dirs.emplace_back(d, "a usual place");
    auto home_places = [&](const std::string& home) {
      if (home.empty()) return;
      for (const std::string& v : subdirs(join(home, ".nvm/versions/node"))) dirs.emplace_back(join(v, "bin"), "nvm");
      dirs.emplace_back(join(home, ".npm-global/bin"), "~/.npm-global");
      for (const std::string& v : subdirs(join(home, ".npm/_npx")))
        dirs.emplace_back(join(v, "node_modules/.bin"), "npx's cache");
    };
    home_places(o_.home);
    home_places(o_.user_home);
    if (!o_.nvm_dir.empty())
      for (const std::string& v : subdirs(join(o_.nvm_dir, "versions/node"))) dirs.emplace_back(join(v, "bin"), "nvm");

    std::set<FileId> seen;
    for (const auto& [d, why] : dirs) {
      std::string c = join(d, "pm2");
      std::optional<FileId> id = file_id(c, false);
      if (!id || !seen.insert(*id).second) continue;
      if (!is_executable_file(c) || ids_.matches(c)) continue;
      std::optional<std::string> to = real_path(c);
      bypass("full-path", c,
             fmt::format("{}{}: `{} delete all` runs pm2 without the shim{}", why,
                         to && *to != c ? ", leads to " + *to : "", c,
                         is_symlink(c) && why != "npx's cache" && why != "nvm"
                             ? "; `pm2guard shim install --divert` puts the shim at this path"
                             : ""));
    }
  }

  /// pm2-runtime and pm2-docker that a PATH reaches beside a real pm2 (npm
  /// links all of pm2's executables into one bin directory).
  void scan_companions() {
    std::set<std::string> real_dirs;
    if (r_.real_pm2) add_dirs_of(*r_.real_pm2, real_dirs);
    if (state_) {
      if (!state_->real_pm2.empty()) add_dirs_of(state_->real_pm2, real_dirs);
      for (const Diversion& v : state_->diversions) add_dirs_of(v.diverted_to, real_dirs);
    }
    for (const Finding& f : r_.bypasses)
      if (f.kind == "full-path") add_dirs_of(f.path, real_dirs);
    for (const Resolution& res : r_.resolutions)
      if (res.pm2 && !res.is_shim) add_dirs_of(*res.pm2, real_dirs);
    std::set<std::string> reported;
    for (const Companion& c : companions()) {
      for (const std::string& pl : path_lists_) {
        std::optional<std::string> found = which(c.name, pl);
        if (!found || ids_.matches(*found)) continue;
        std::set<std::string> dirs;
        add_dirs_of(*found, dirs);
        bool beside = false;
        for (const std::string& d : dirs) beside = beside || real_dirs.count(d);
        if (!beside || !reported.insert(real_path(*found).value_or(*found)).second) continue;
        std::string text = fmt::format("`{}` on PATH runs {}{}, beside the real pm2: it {}; the shim does not guard it",
                                       c.name, *found, arrow(*found), c.what);
        if (c.shared_daemon)
          bypass("companion", *found,
                 text + ". `--divert` cannot cover it (the shim speaks pm2's command line only): remove the link, "
                        "or make it executable by root only, where no deployment needs it");
        else
          r_.notes.push_back(text);
      }
    }
  }

  void scan_project_and_npx() {
    std::optional<std::string> local;
    if (!o_.project.empty()) {
      for (std::string d = absolute_path(o_.project);; d = parent_of(d)) {
        std::string c = join(d, "node_modules/.bin/pm2");
        if (is_executable_file(c) && !ids_.matches(c)) {
          if (!local) local = c;
          bypass("project-local", c,
                 fmt::format("`npm run`, `npx` and `yarn` in {} put {}/node_modules/.bin first on PATH, so `pm2` in "
                             "package.json scripts runs {}{}",
                             o_.project, d, c, arrow(c)));
        }
        if (d == "/") break;
      }
    }
    std::optional<std::string> npx = which("npx", o_.path);
    if (!npx) return;
    std::string in = o_.project.empty() ? "" : " in " + o_.project;
    if (local) {
      bypass("npx", *npx, fmt::format("`npx pm2`{} runs the project-local {}", in, *local));
      return;
    }
    if (o_.npm_prefix.empty()) {
      r_.notes.push_back("npm's global prefix is unknown: could not tell what `npx pm2` runs");
      return;
    }
    std::string global = join(o_.npm_prefix, "bin/pm2");
    if (is_executable_file(global)) {
      if (ids_.matches(global)) {
        r_.notes.push_back(fmt::format("`npx pm2` runs {} (npm's global bin), which is the shim", global));
      } else {
        bypass("npx", *npx,
               fmt::format("`npx pm2` runs npm's global {}{}: npx puts npm's global bin ahead of PATH; "
                           "`pm2guard shim install --divert` puts the shim there",
                           global, arrow(global)));
      }
      return;
    }
    bypass("npx", *npx,
           fmt::format("no pm2 in the project or npm's global bin: `npx --yes pm2 ...`{} downloads pm2 from the "
                       "registry and runs it without the shim (npm asks first, and without a TTY or in CI refuses "
                       "unless --yes or npm_config_yes=true)",
                       in));
  }

  void check_diversions() {
    if (!state_) return;
    for (const Diversion& v : state_->diversions) {
      if (!lexists(v.path)) {
        bypass("diversion-undone", v.path,
               fmt::format("{} was diverted but is gone now (npm rm -g pm2 removes it)", v.path));
      } else if (!ids_.is_link_to_shim(v.path)) {
        bypass("diversion-undone", v.path,
               fmt::format("{} is not the shim any more but {}: `npm i -g pm2` recreates npm's link; "
                           "re-run `pm2guard shim install --divert`",
                           v.path, arrow(v.path).empty() ? "a pm2" : "a link to " + real_path(v.path).value_or("?")));
      }
      if (!lexists(v.diverted_to))
        r_.notes.push_back(fmt::format("the diverted {} is missing; uninstall has nothing to restore there",
                                       v.diverted_to));
    }
  }

  void scan_runner_units() {
    for (const UnitInfo& u : scan_units(o_.unit_dirs, false)) {
      if (u.files.empty()) continue;
      std::string path_list = u.path_env.value_or(o_.systemd_default_path);
      std::string from = u.path_env ? u.path_from : "systemd's default PATH";
      // The GitHub runner gives its jobs the PATH saved in <runner>/.path.
      if (u.name.rfind("actions.runner.", 0) == 0) {
        std::string dir = u.working_directory;
        if (dir.empty() && !u.exec_start.empty()) dir = parent_of(u.exec_start.front());
        if (!dir.empty()) {
          if (auto saved = read_file(join(dir, ".path"))) {
            std::string p = saved->substr(0, saved->find('\n'));
            if (!p.empty()) {
              path_list = p;
              from = join(dir, ".path") + " (the PATH its jobs get)";
            }
          }
        }
      }
      Resolution res = resolve_in("runner unit " + u.name, path_list, false);
      res.how = fmt::format("{}: PATH={}", from, path_list);
      path_lists_.push_back(path_list);
      context_bypass(res, "runner-unit", "unit " + u.name, u.files.front());
      r_.resolutions.push_back(res);
    }
  }

  void scan_pm2_units() {
    for (const UnitInfo& u : scan_units(o_.unit_dirs, true)) {
      if (u.files.empty()) continue;
      for (const std::string& prog : u.exec_start) {
        if (base_of(prog) != "pm2" && prog.find("/pm2/bin/pm2") == std::string::npos) continue;
        if (is_executable_file(prog) && ids_.matches(prog)) continue;
        r_.notes.push_back(fmt::format("{} runs {} directly (`pm2 startup` writes the real path): `systemctl stop {}` "
                                       "runs `pm2 kill` without the shim (root only)",
                                       u.files.front(), prog, u.name));
        break;
      }
    }
  }

  const DoctorOptions& o_;
  DoctorReport r_;
  std::optional<State> state_;
  ShimIdentity ids_;
  std::vector<std::string> path_lists_;
};

}  // namespace

DoctorReport doctor(const DoctorOptions& options) { return Doctor(options).run(); }

std::string render_text(const DoctorReport& r) {
  std::string s = "pm2guard shim doctor\n";
  s += fmt::format("shim:     {} ({})\n", r.shim.empty() ? "unknown" : r.shim,
                   r.shim_present ? "present" : "missing");
  s += fmt::format("policy:   {}{}\n", r.policy_file,
                   !r.policy_present ? " (missing)"
                   : r.real_pm2      ? fmt::format(" (real_pm2: {})", *r.real_pm2)
                                     : " (no real_pm2)");
  s += "\nwhat `pm2` runs:\n";
  for (const Resolution& res : r.resolutions) {
    std::string status = !res.applies          ? "n/a"
                         : !res.error.empty()  ? "??"
                         : res.is_shim         ? "ok"
                         : !res.pm2            ? (res.required ? "FAIL" : "-")
                                               : "FAIL";
    std::string what = !res.error.empty() ? res.error
                       : !res.pm2         ? "no pm2"
                       : res.is_shim      ? *res.pm2 + " (the shim)"
                                          : *res.pm2 + (res.real_path != *res.pm2 ? " -> " + res.real_path : "") +
                                           " (not the shim)";
    s += fmt::format("  {:<5} {}: {}\n        {}\n", status, res.context, what, res.how);
  }
  s += fmt::format("\nbypasses ({}):\n", r.bypasses.size());
  if (r.bypasses.empty()) s += "  none found\n";
  for (const Finding& f : r.bypasses) s += fmt::format("  {:<17} {}\n  {:<17} {}\n", f.kind, f.path, "", f.detail);
  if (!r.notes.empty()) {
    s += "\nnotes:\n";
    for (const std::string& n : r.notes) s += "  - " + n + "\n";
  }
  s += "\n";
  if (r.exit_code() == 0) {
    s += "result: the shim is in place and no bypass was found\n";
  } else {
    s += fmt::format("result: {}; {} bypass{} found\n",
                     r.shim_in_place() ? "the shim is in place" : "the shim is NOT in place everywhere it must be",
                     r.bypasses.size(), r.bypasses.size() == 1 ? "" : "es");
  }
  return s;
}

json render_json(const DoctorReport& r) {
  json res = json::array();
  for (const Resolution& x : r.resolutions) {
    json j = {{"context", x.context}, {"how", x.how},       {"pm2", x.pm2 ? json(*x.pm2) : json(nullptr)},
              {"is_shim", x.is_shim}, {"required", x.required}, {"applies", x.applies}};
    if (x.pm2) j["real_path"] = x.real_path;
    if (!x.error.empty()) j["error"] = x.error;
    res.push_back(j);
  }
  json b = json::array();
  for (const Finding& f : r.bypasses) b.push_back({{"kind", f.kind}, {"path", f.path}, {"detail", f.detail}});
  return {{"ok", r.exit_code() == 0},
          {"shim_in_place", r.shim_in_place()},
          {"shim", {{"path", r.shim}, {"present", r.shim_present}}},
          {"policy",
           {{"path", r.policy_file},
            {"present", r.policy_present},
            {"real_pm2", r.real_pm2 ? json(*r.real_pm2) : json(nullptr)}}},
          {"resolutions", res},
          {"bypasses", b},
          {"notes", r.notes}};
}

// ---------------------------------------------------------------------------
// Command line

namespace {

const char* kShimUsage =
    "usage: pm2guard shim <install|uninstall|doctor> [options]\n"
    "\n"
    "  install     put the pm2 shim in front of the real pm2 and record the real pm2 in the policy\n"
    "  uninstall   take the shim out again (the policy and audit logs are kept)\n"
    "  doctor      report what `pm2` runs and every bypass of the shim that can be seen\n"
    "\n"
    "run `pm2guard shim COMMAND --help` for its options\n";

const char* kInstallUsage =
    "usage: pm2guard shim install [options]\n"
    "\n"
    "Installs the shim at DIR/lib/pm2guard/bin/pm2 (0755, root-owned when run as root), records the real pm2\n"
    "as real_pm2 in POLICY_DIR/policy.yml (created 0644 if missing; other content is kept), and links\n"
    "LINK_DIR/pm2 to the shim. The default LINK_DIR, /usr/local/bin, comes before /usr/bin in the default PATH\n"
    "of login shells, of systemd services and of sudo, and non-login shells (`bash -c`) inherit it: unlike a\n"
    "profile.d PATH change it also holds for services. Cron jobs, however, get PATH=/usr/bin:/bin: only\n"
    "--divert guards those. Running it again is harmless; every change is listed.\n"
    "\n"
    "The real pm2 is --real-pm2, else the real_pm2 already recorded (while it still works), else the first pm2\n"
    "on PATH (then in npm's global bin) that is not the shim, with symlinks resolved (npm's /usr/bin/pm2 is a\n"
    "link to /usr/lib/node_modules/pm2/bin/pm2).\n"
    "\n"
    "options:\n"
    "      --prefix DIR       installation prefix (default /usr/local)\n"
    "      --link-dir DIR     where the `pm2` link goes (default DIR/bin); refused if a pm2 that is not the\n"
    "                         shim is there already, unless --divert\n"
    "      --policy-dir DIR   system policy directory (default /etc/pm2guard)\n"
    "      --real-pm2 PATH    the real pm2, instead of detecting it\n"
    "      --shim PATH        the shim executable to install (default: ../lib/pm2guard/bin/pm2 beside pm2guard)\n"
    "      --divert           molly-guard style: move npm's global pm2 link (and any pm2 at the link path) aside\n"
    "                         to NAME.pm2guard-diverted and put a shim link in its place, so full-path calls to\n"
    "                         that path (and cron, and `npx pm2`) are guarded too. Recorded in\n"
    "                         POLICY_DIR/shim-state.json; `shim uninstall` restores it.\n"
    "                         NOTE: `npm i -g pm2` (an upgrade or reinstall) silently recreates npm's link and\n"
    "                         so undoes the diversion, and `npm rm -g pm2` deletes the shim link; `pm2guard shim\n"
    "                         doctor` reports both. Re-run `pm2guard shim install --divert` after either.\n"
    "      --npm-prefix DIR   npm's global prefix (default: `npm prefix -g`), whose bin is searched and diverted\n"
    "      --dry-run          print what would change, change nothing\n"
    "  -h, --help             this help\n"
    "\n"
    "exit status: 0 done (or nothing to do), 1 refused or failed, 2 usage error\n";

const char* kUninstallUsage =
    "usage: pm2guard shim uninstall [--prefix DIR] [--link-dir DIR] [--policy-dir DIR] [--dry-run]\n"
    "\n"
    "Restores every diversion (NAME.pm2guard-diverted back to NAME), removes links to the shim, the shim\n"
    "(unless it is the copy shipped with pm2guard) and POLICY_DIR/shim-state.json. The policy and the audit\n"
    "logs are kept. Takes the same directory options as install.\n"
    "\n"
    "exit status: 0 done (or nothing to do), 1 failed, 2 usage error\n";

const char* kDoctorUsage =
    "usage: pm2guard shim doctor [options]\n"
    "\n"
    "Reports what `pm2` resolves to (for this process's PATH; with --user, for that user's non-login and login\n"
    "shells, asked as root with runuser), whether that is the shim, and every bypass it can see: other pm2\n"
    "executables a full-path call reaches (PATH, npm's global bin, /usr/bin, /usr/local/bin, nvm,\n"
    "~/.npm-global, npx's cache), a project-local node_modules/.bin/pm2 that `npm run`/`npx` prefer, what\n"
    "`npx pm2` runs, a diversion undone by `npm i -g pm2`, a policy not root-owned or group/world-writable,\n"
    "default PATHs of services and cron, and CI runner units (act_runner, gitea-runner, forgejo-runner,\n"
    "actions.runner.*) whose PATH reaches another pm2 first. Unit files are read; systemd need not run.\n"
    "\n"
    "options:\n"
    "      --user NAME        also ask NAME's shells (needs root)\n"
    "      --project DIR      project whose node_modules/.bin npm would use (default: the current directory)\n"
    "      --policy-dir DIR   system policy directory (default /etc/pm2guard)\n"
    "      --format FORMAT    text (default) or json\n"
    "      --shim PATH        the shim to recognise when no install state names one\n"
    "      --npm-prefix DIR   npm's global prefix (default: `npm prefix -g`)\n"
    "      --unit-dir DIR     read runner units from DIR instead of systemd's unit directories (repeatable)\n"
    "  -h, --help             this help\n"
    "\n"
    "exit status: 0 the shim is in place and no bypass was found, 1 otherwise, 2 usage error\n";

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;
  bool help = false;
  std::string error;
};

ParsedArgs parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                      const std::set<std::string>& flags) {
  ParsedArgs p;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    if (with_value.count(a)) {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          p.error = fmt::format("option {} needs a value", a);
          return p;
        }
        value = args[++i];
      }
      if (value.empty()) {
        p.error = fmt::format("option {} needs a non-empty value", a);
        return p;
      }
      p.values[a].push_back(value);
    } else if (flags.count(a) && !has_value) {
      p.flags.insert(a);
    } else {
      p.error = fmt::format("unknown argument '{}'", args[i]);
      return p;
    }
  }
  return p;
}

std::string last(const ParsedArgs& p, const std::string& key, const std::string& fallback) {
  auto it = p.values.find(key);
  return it == p.values.end() ? fallback : it->second.back();
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = getenv(name);
  return v ? std::string(v) : fallback;
}

/// <dir of this executable>/../lib/pm2guard/bin/pm2.
std::string packaged_shim() {
  std::optional<std::string> self = real_path("/proc/self/exe");
  if (!self) return "";
  return absolute_path(join(parent_of(*self), "../lib/pm2guard/bin/pm2"));
}

/// `npm prefix -g` with npm from PATH; "" when npm is not there or fails.
std::string query_npm_prefix(const std::string& path_list) {
  std::optional<std::string> npm = which("npm", path_list);
  if (!npm) return "";
  // --logs-max=0: no debug log left behind in ~/.npm/_logs.
  CommandOutput c = run_command({*npm, "prefix", "-g", "--logs-max=0", "--no-update-notifier"}, 30);
  if (c.exit_code != 0) return "";
  std::string s = c.out.substr(0, c.out.find('\n'));
  return !s.empty() && s[0] == '/' ? s : "";
}

Layout layout_from(const ParsedArgs& p) {
  Layout L;
  L.prefix = absolute_path(last(p, "--prefix", L.prefix));
  if (p.values.count("--link-dir")) L.link_dir = absolute_path(last(p, "--link-dir", ""));
  L.policy_dir = absolute_path(last(p, "--policy-dir", L.policy_dir));
  return L;
}

int usage_error(const std::string& cmd, const std::string& error, const char* usage, std::ostream& err) {
  err << fmt::format("pm2guard shim {}: {}\n{}", cmd, error, usage);
  return 2;
}

int bad_value(const std::string& cmd, const std::string& error, std::ostream& err) {
  err << fmt::format("pm2guard shim {}: {} (see `pm2guard shim {} --help`)\n", cmd, error, cmd);
  return 2;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kShimUsage;
    return 2;
  }
  const std::string& sub = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::string path_env = env_or("PATH", "/usr/local/bin:/usr/bin:/bin");

  if (sub == "-h" || sub == "--help" || sub == "help") {
    out << kShimUsage;
    return 0;
  }
  if (sub == "install") {
    ParsedArgs p = parse_args(rest, {"--prefix", "--link-dir", "--policy-dir", "--real-pm2", "--shim", "--npm-prefix"},
                              {"--divert", "--dry-run"});
    if (p.help) {
      out << kInstallUsage;
      return 0;
    }
    if (!p.error.empty()) return usage_error(sub, p.error, kInstallUsage, err);
    InstallOptions o;
    o.layout = layout_from(p);
    o.shim_source = p.values.count("--shim") ? absolute_path(last(p, "--shim", "")) : packaged_shim();
    if (p.values.count("--real-pm2")) o.real_pm2 = absolute_path(last(p, "--real-pm2", ""));
    o.divert = p.flags.count("--divert") > 0;
    o.dry_run = p.flags.count("--dry-run") > 0;
    o.search_path = path_env;
    std::string npm_prefix =
        p.values.count("--npm-prefix") ? absolute_path(last(p, "--npm-prefix", "")) : query_npm_prefix(path_env);
    if (!npm_prefix.empty()) o.npm_global_bins.push_back(join(npm_prefix, "bin"));
    o.chown_root = geteuid() == 0;
    return install(o, out, err);
  }
  if (sub == "uninstall") {
    ParsedArgs p = parse_args(rest, {"--prefix", "--link-dir", "--policy-dir"}, {"--dry-run"});
    if (p.help) {
      out << kUninstallUsage;
      return 0;
    }
    if (!p.error.empty()) return usage_error(sub, p.error, kUninstallUsage, err);
    UninstallOptions o;
    o.layout = layout_from(p);
    o.dry_run = p.flags.count("--dry-run") > 0;
    o.search_path = path_env;
    std::string packaged = packaged_shim();
    if (lexists(packaged)) o.packaged_shim = packaged;
    return uninstall(o, out, err);
  }
  if (sub == "doctor") {
    ParsedArgs p = parse_args(
        rest, {"--user", "--project", "--policy-dir", "--format", "--shim", "--npm-prefix", "--unit-dir"}, {});
    if (p.help) {
      out << kDoctorUsage;
      return 0;
    }
    if (!p.error.empty()) return usage_error(sub, p.error, kDoctorUsage, err);
    std::string format = last(p, "--format", "text");
    if (format != "text" && format != "json")
      return bad_value(sub, fmt::format("unknown format '{}' (text, json)", format), err);
    DoctorOptions o;
    o.policy_dir = absolute_path(last(p, "--policy-dir", o.policy_dir));
    if (p.values.count("--shim")) o.shim_candidates.push_back(absolute_path(last(p, "--shim", "")));
    std::string packaged = packaged_shim();
    if (!packaged.empty()) o.shim_candidates.push_back(packaged);
    o.shim_candidates.push_back("/usr/local/lib/pm2guard/bin/pm2");
    o.path = path_env;
    o.home = env_or("HOME", "");
    o.nvm_dir = env_or("NVM_DIR", "");
    std::error_code ec;
    o.project = absolute_path(last(p, "--project", fs::current_path(ec).string()));
    if (!is_dir(o.project))
      return bad_value(sub, fmt::format("--project {} is not a directory", o.project), err);
    if (p.values.count("--unit-dir")) {
      o.unit_dirs.clear();
      for (const std::string& d : p.values["--unit-dir"]) o.unit_dirs.push_back(absolute_path(d));
    }
    if (is_dir("/run/systemd/system") || lexists("/usr/lib/systemd/systemd") || lexists("/lib/systemd/systemd"))
      o.contexts.push_back({"systemd services (default PATH)", o.systemd_default_path});
    for (const char* c : {"/usr/sbin/cron", "/usr/sbin/crond", "/usr/bin/crontab"})
      if (lexists(c)) {
        o.contexts.push_back({"cron jobs (default PATH)", "/usr/bin:/bin"});
        break;
      }
    if (p.values.count("--user")) {
      o.user = last(p, "--user", "");
      struct passwd pw {};
      struct passwd* res = nullptr;
      std::vector<char> buf(16384);
      if (getpwnam_r(o.user.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res)
        return bad_value(sub, fmt::format("no user '{}'", o.user), err);
      o.user_home = pw.pw_dir ? pw.pw_dir : "";
      o.user_shell = pw.pw_shell ? pw.pw_shell : "";
      for (const char* r : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"})
        if (is_executable_file(r)) {
          o.runuser = r;
          break;
        }
    }
    o.npm_prefix =
        p.values.count("--npm-prefix") ? absolute_path(last(p, "--npm-prefix", "")) : query_npm_prefix(path_env);
    DoctorReport report = doctor(o);
    if (format == "json")
      out << render_json(report).dump(2) << "\n";
    else
      out << render_text(report);
    return report.exit_code();
  }
  err << fmt::format("pm2guard shim: unknown command '{}'\n{}", sub, kShimUsage);
  return 2;
}

}  // namespace pm2guard::shim::admin

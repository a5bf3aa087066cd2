// `pm2guard shim install|uninstall|doctor` against fake hosts in temporary
// directories: an npm-style global prefix (bin/pm2 linking into
// lib/node_modules/pm2), a stand-in shim, a policy directory, unit files.
// Nothing here touches /etc, /usr/local, a global pm2 or the system PATH.
#include "admin.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "support/run.h"

namespace fs = std::filesystem;
using namespace pm2guard::shim::admin;
using nlohmann::json;
using pm2guard::testing::run;
using pm2guard::testing::RunOptions;
using pm2guard::testing::RunResult;
using pm2guard::testing::TempDir;

namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string link_text(const std::string& p) {
  std::error_code ec;
  return fs::read_symlink(p, ec).string();
}

bool lexists(const std::string& p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0;
}

mode_t mode_of(const std::string& p) {
  struct stat st {};
  REQUIRE(stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string real(const std::string& p) { return fs::canonical(p).string(); }

void make_exec(const std::string& p, const std::string& content) {
  fs::create_directories(fs::path(p).parent_path());
  std::ofstream(p) << content;
  fs::permissions(p, fs::perms(0755));
}

/// Every path under `root` with its type, mode, link target and content.
std::map<std::string, std::string> snapshot(const std::string& root) {
  std::map<std::string, std::string> m;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string p = it->path().string();
    struct stat st {};
    lstat(p.c_str(), &st);
    std::string d = std::to_string(st.st_mode);
    if (S_ISLNK(st.st_mode)) d += " -> " + link_text(p);
    else if (S_ISREG(st.st_mode)) d += " " + slurp(p);
    m[p.substr(root.size())] = d;
  }
  return m;
}

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result do_install(const InstallOptions& o) {
  std::ostringstream out, err;
  int code = install(o, out, err);
  return {code, out.str(), err.str()};
}

Result do_uninstall(const UninstallOptions& o) {
  std::ostringstream out, err;
  int code = uninstall(o, out, err);
  return {code, out.str(), err.str()};
}

const char* kStandIn = "#!/bin/sh\necho \"pm2guard-stand-in $*\"\n";
const char* kRealPm2 = "#!/bin/sh\necho \"real-pm2 $*\"\n";

/// A fake host: npm's global prefix at <root>/g (bin/pm2 ->
/// ../lib/node_modules/pm2/bin/pm2, as npm lays it out), the stand-in shim,
/// the install prefix <root>/usr/local and the policy in <root>/etc/pm2guard.
struct Host {
  TempDir t;
  std::string root = t.path();
  std::string standin = root + "/build/shim-stand-in";
  std::string npm_prefix = root + "/g";
  std::string npm_bin = npm_prefix + "/bin";
  std::string npm_link = npm_bin + "/pm2";
  std::string real_pm2 = npm_prefix + "/lib/node_modules/pm2/bin/pm2";
  std::string prefix = root + "/usr/local";
  std::string link = prefix + "/bin/pm2";
  std::string shim = prefix + "/lib/pm2guard/bin/pm2";
  std::string policy_dir = root + "/etc/pm2guard";
  std::string policy = policy_dir + "/policy.yml";
  std::string state = policy_dir + "/shim-state.json";
  std::string path = prefix + "/bin:" + npm_bin;

  Host() {
    fs::create_directories(fs::path(standin).parent_path());
    std::ofstream(standin) << kStandIn;  // not executable: install sets 0755
    make_exec(real_pm2, kRealPm2);
    fs::create_directories(npm_bin);
    fs::create_symlink("../lib/node_modules/pm2/bin/pm2", npm_link);
    fs::create_directories(root + "/home");
    fs::create_directories(root + "/proj");
    fs::create_directories(root + "/units");
  }

  InstallOptions install_options(bool divert = false) const {
    InstallOptions o;
    o.layout.prefix = prefix;
    o.layout.policy_dir = policy_dir;
    o.shim_source = standin;
    o.divert = divert;
    o.search_path = path;
    o.npm_global_bins = {npm_bin};
    o.chown_root = geteuid() == 0;
    return o;
  }

  UninstallOptions uninstall_options() const {
    UninstallOptions o;
    o.layout.prefix = prefix;
    o.layout.policy_dir = policy_dir;
    o.search_path = path;
    return o;
  }

  DoctorOptions doctor_options() const {
    DoctorOptions d;
    d.policy_dir = policy_dir;
    d.path = path;
    d.home = root + "/home";
    d.npm_prefix = npm_prefix;
    d.known_dirs = {root + "/usr/bin"};
    d.project = root + "/proj";
    d.unit_dirs = {root + "/units"};
    d.systemd_default_path = prefix + "/bin:" + npm_bin;
    d.trusted_uid = geteuid();
    return d;
  }

  void install_ok(bool divert = false) const {
    Result r = do_install(install_options(divert));
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
};

const Finding* find_bypass(const DoctorReport& r, const std::string& kind, const std::string& path) {
  for (const Finding& f : r.bypasses)
    if (f.kind == kind && f.path == path) return &f;
  return nullptr;
}

std::string describe(const DoctorReport& r) { return render_text(r); }

}  // namespace

TEST_CASE("test support: TempDir cleanup leaves what its symlinks point at alone", "[support]") {
  // The runner-unit fixtures link to /dev/null; cleanup must not chmod it.
  TempDir outside;
  std::string target = outside.write("target", "x");
  fs::permissions(target, fs::perms(0600));
  {
    TempDir t;
    fs::create_symlink(target, t.path() + "/link");
    fs::create_directory_symlink(outside.path(), t.path() + "/dir-link");
  }
  CHECK(mode_of(target) == 0600);
  CHECK(mode_of(outside.path()) == 0700);
}

TEST_CASE("install puts the shim, a link before the real pm2 and real_pm2 in the policy", "[install]") {
  Host h;
  Result r = do_install(h.install_options());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);

  CHECK(slurp(h.shim) == kStandIn);
  CHECK(mode_of(h.shim) == 0755);
  CHECK(mode_of(fs::path(h.shim).parent_path().string()) == 0755);
  CHECK(link_text(h.link) == h.shim);
  CHECK(link_text(h.npm_link) == "../lib/node_modules/pm2/bin/pm2");  // npm's link untouched
  if (geteuid() == 0) {
    struct stat st {};
    REQUIRE(stat(h.shim.c_str(), &st) == 0);
    CHECK(st.st_uid == 0);
    CHECK(st.st_gid == 0);
  }

  // The policy: new, 0644 in a 0755 directory, a commented header, and the
  // real pm2 with its symlink resolved.
  std::string policy = slurp(h.policy);
  CHECK(policy.rfind("# pm2guard system policy.", 0) == 0);
  CHECK(contains(policy, "\nreal_pm2: " + h.real_pm2 + "\n"));
  CHECK(mode_of(h.policy) == 0644);
  CHECK(mode_of(h.policy_dir) == 0755);

  json state = json::parse(slurp(h.state));
  CHECK(state["shim"] == h.shim);
  CHECK(state["real_pm2"] == h.real_pm2);
  CHECK(state["diversions"].empty());
  CHECK(state["links"] == json::array({h.link}));

  // Every change is listed.
  CHECK(contains(r.out, "real pm2: " + h.real_pm2 + " (found on PATH)"));
  CHECK(contains(r.out, "install         " + h.shim + " from " + h.standin));
  CHECK(contains(r.out, "write           " + h.policy));
  CHECK(contains(r.out, "write           " + h.state));
  CHECK(contains(r.out, "link            " + h.link + " -> " + h.shim));
  CHECK(r.err.empty());
}

TEST_CASE("with the link directory first on PATH, pm2 is the shim, also in a non-login bash -c", "[install]") {
  Host h;
  h.install_ok();
  CHECK(which_pm2(h.path) == h.link);
  RunOptions o;
  o.env = std::map<std::string, std::string>{{"PATH", h.path}};
  RunResult which = run({"/bin/bash", "-c", "command -v pm2"}, o);
  CHECK(which.code == 0);
  CHECK(which.out == h.link + "\n");
  RunResult call = run({"/bin/bash", "-c", "pm2 delete all"}, o);
  CHECK(call.out == "pm2guard-stand-in delete all\n");
  RunResult sh = run({"/bin/sh", "-c", "pm2 stop api"}, o);
  CHECK(sh.out == "pm2guard-stand-in stop api\n");
  // The real pm2's directory first: the shim is skipped, which install warns about.
  InstallOptions behind = h.install_options();
  behind.search_path = h.npm_bin + ":" + h.prefix + "/bin";
  Result r = do_install(behind);
  CHECK(r.code == 0);
  CHECK(contains(r.err, "on this PATH " + h.npm_bin + " comes before " + h.prefix + "/bin"));
}

TEST_CASE("install twice changes nothing the second time", "[install]") {
  Host h;
  h.install_ok();
  auto before = snapshot(h.root);
  struct stat st1 {};
  stat(h.shim.c_str(), &st1);
  Result r = do_install(h.install_options());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "nothing to change"));
  CHECK(contains(r.out, "unchanged       " + h.shim));
  CHECK(contains(r.out, "(kept from " + h.policy));
  CHECK(snapshot(h.root) == before);
  struct stat st2 {};
  stat(h.shim.c_str(), &st2);
  CHECK(st1.st_ino == st2.st_ino);  // not rewritten

  // A new shim build is installed over the old one.
  std::ofstream(h.standin) << "#!/bin/sh\necho newer\n";
  Result again = do_install(h.install_options());
  CHECK(again.code == 0);
  CHECK(contains(again.out, "install         " + h.shim));
  CHECK(slurp(h.shim) == "#!/bin/sh\necho newer\n");
}

TEST_CASE("dry run lists the changes and makes none", "[install]") {
  Host h;
  auto before = snapshot(h.root);
  InstallOptions o = h.install_options(true);
  o.dry_run = true;
  Result r = do_install(o);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "dry run: nothing is changed"));
  CHECK(contains(r.out, "would install   " + h.shim));
  CHECK(contains(r.out, "would write     " + h.policy));
  CHECK(contains(r.out, "would divert    " + h.npm_link + " to " + h.npm_link + ".pm2guard-diverted"));
  CHECK(contains(r.out, "would link      " + h.npm_link + " -> " + h.shim));
  CHECK(contains(r.out, "would link      " + h.link + " -> " + h.shim));
  CHECK(snapshot(h.root) == before);

  h.install_ok();
  auto installed = snapshot(h.root);
  UninstallOptions u = h.uninstall_options();
  u.dry_run = true;
  Result ur = do_uninstall(u);
  CHECK(ur.code == 0);
  CHECK(contains(ur.out, "would remove    " + h.shim));
  CHECK(snapshot(h.root) == installed);
}

TEST_CASE("an existing policy keeps its content and keys, real_pm2 replaced or added", "[install][policy]") {
  Host h;
  fs::create_directories(h.policy_dir);
  SECTION("replaced") {
    std::string text =
        "# our rules\n"
        "refuse_all: true\n"
        "real_pm2: /old/pm2   # from the last upgrade\n"
        "max_processes: 5\n"
        "scopes:\n"
        "  - name: stock-alert\n"
        "    processes: [\"stock-alert-*\"]\n";
    std::ofstream(h.policy) << text;
    fs::permissions(h.policy, fs::perms(0600));
    h.install_ok();
    std::string after = slurp(h.policy);
    CHECK(after ==
          "# our rules\n"
          "refuse_all: true\n"
          "real_pm2: " +
              h.real_pm2 +
              "\n"
              "max_processes: 5\n"
              "scopes:\n"
              "  - name: stock-alert\n"
              "    processes: [\"stock-alert-*\"]\n");
    CHECK(mode_of(h.policy) == 0600);  // the owner's choice of mode stays
  }
  SECTION("added") {
    std::ofstream(h.policy) << "# our rules\nrefuse_all: true";  // no final newline
    h.install_ok();
    CHECK(slurp(h.policy) == "# our rules\nrefuse_all: true\n"
                             "# The pm2 the shim runs, recorded by `pm2guard shim install`.\n"
                             "real_pm2: " + h.real_pm2 + "\n");
  }
  SECTION("a recorded real_pm2 that still works is kept; --real-pm2 replaces it") {
    std::string other = h.root + "/opt/pm2/bin/pm2";
    make_exec(other, kRealPm2);
    std::ofstream(h.policy) << "real_pm2: " << other << "\n";
    h.install_ok();
    CHECK(slurp(h.policy) == "real_pm2: " + other + "\n");
    InstallOptions o = h.install_options();
    o.real_pm2 = h.npm_link;
    Result r = do_install(o);
    CHECK(r.code == 0);
    CHECK(slurp(h.policy) == "real_pm2: " + h.real_pm2 + "\n");  // resolved through npm's link
  }
  SECTION("not YAML: left alone, install refuses") {
    std::ofstream(h.policy) << "refuse_all: [true\n";
    auto before = snapshot(h.root);
    Result r = do_install(h.install_options());
    CHECK(r.code == 1);
    CHECK(contains(r.err, "is not valid YAML"));
    CHECK(snapshot(h.root) == before);
  }
  SECTION("as root, a policy directory others can write is warned about") {
    if (geteuid() != 0) return;
    fs::permissions(h.policy_dir, fs::perms(0775));
    Result r = do_install(h.install_options());
    CHECK(r.code == 0);
    CHECK(contains(r.err, h.policy_dir + " is not root-owned or is group/world-writable (mode 0775)"));
  }
  SECTION("a symlink is refused") {
    std::string elsewhere = h.root + "/elsewhere.yml";
    std::ofstream(elsewhere) << "refuse_all: true\n";
    fs::create_symlink(elsewhere, h.policy);
    Result r = do_install(h.install_options());
    CHECK(r.code == 1);
    CHECK(contains(r.err, "is not a regular file"));
    CHECK(slurp(elsewhere) == "refuse_all: true\n");
  }
}

TEST_CASE("refuses to overwrite a real pm2 at the link path without --divert", "[install]") {
  Host h;
  InstallOptions o = h.install_options();
  o.layout.link_dir = h.npm_bin;
  auto before = snapshot(h.root);
  Result r = do_install(o);
  CHECK(r.code == 1);
  CHECK(contains(r.err, h.npm_link + " already exists and is not the shim -> " + h.real_pm2));
  CHECK(contains(r.err, "refusing to overwrite it"));
  CHECK(contains(r.err, "--divert"));
  CHECK(snapshot(h.root) == before);

  // A link to the shim from an earlier install is ours to replace.
  Host h2;
  h2.install_ok();
  fs::remove(h2.link);
  fs::create_symlink(h2.shim, h2.link);
  CHECK(do_install(h2.install_options()).code == 0);
}

TEST_CASE("finding the real pm2: symlinks resolved, shims skipped, --real-pm2 checked", "[install]") {
  Host h;
  SECTION("through an absolute link into the pinned pm2") {
    std::string pinned = std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/pm2/bin/pm2";
    REQUIRE(lexists(pinned));
    fs::remove(h.npm_link);
    fs::create_symlink(pinned, h.npm_link);
    h.install_ok();
    CHECK(contains(slurp(h.policy), "real_pm2: " + real(pinned) + "\n"));
  }
  SECTION("a shim earlier on PATH is not the real pm2") {
    std::string other_shim = h.root + "/other/lib/pm2guard/bin/pm2";
    make_exec(other_shim, "#!/bin/sh\n");
    std::string copy = h.root + "/copy/pm2";
    make_exec(copy, kStandIn);  // a byte-identical copy of the shim
    InstallOptions o = h.install_options();
    o.search_path = h.root + "/other/lib/pm2guard/bin:" + h.root + "/copy:" + h.path;
    Result r = do_install(o);
    CHECK(r.code == 0);
    CHECK(contains(slurp(h.policy), "real_pm2: " + h.real_pm2 + "\n"));
  }
  SECTION("in npm's global bin when PATH has none") {
    InstallOptions o = h.install_options();
    o.search_path = h.prefix + "/bin";
    Result r = do_install(o);
    CHECK(r.code == 0);
    CHECK(contains(r.out, "(found in npm's global bin)"));
    CHECK(contains(slurp(h.policy), "real_pm2: " + h.real_pm2 + "\n"));
  }
  SECTION("a link directory missing from PATH is warned about") {
    InstallOptions o = h.install_options();
    o.search_path = h.npm_bin;
    Result r = do_install(o);
    CHECK(r.code == 0);
    CHECK(contains(r.err, h.npm_bin + " comes before " + h.prefix + "/bin"));
    o.search_path = h.root + "/elsewhere";
    CHECK(contains(do_install(o).err, h.prefix + "/bin is not on this PATH"));
  }
  SECTION("none at all") {
    InstallOptions o = h.install_options();
    o.search_path = h.prefix + "/bin";
    o.npm_global_bins.clear();
    Result r = do_install(o);
    CHECK(r.code == 1);
    CHECK(contains(r.err, "cannot find the real pm2"));
    CHECK(contains(r.err, "--real-pm2"));
    CHECK_FALSE(lexists(h.shim));
  }
  SECTION("--real-pm2 must be an executable that is not the shim") {
    InstallOptions o = h.install_options();
    o.real_pm2 = h.root + "/nope/pm2";
    CHECK(contains(do_install(o).err, "is not an executable file"));
    h.install_ok();
    o.real_pm2 = h.link;
    Result r = do_install(o);
    CHECK(r.code == 1);
    CHECK(contains(r.err, "is the shim itself"));
    o.real_pm2 = "relative/pm2";
    CHECK(contains(do_install(o).err, "must be an absolute path"));
  }
  SECTION("a missing shim executable") {
    InstallOptions o = h.install_options();
    o.shim_source = h.root + "/build/missing";
    Result r = do_install(o);
    CHECK(r.code == 1);
    CHECK(contains(r.err, "no shim executable at " + o.shim_source));
  }
}

TEST_CASE("install --divert: moves npm's link aside and puts the shim at its path", "[install][divert]") {
  Host h;
  Result r = do_install(h.install_options(true));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  std::string diverted = h.npm_link + ".pm2guard-diverted";
  CHECK(link_text(diverted) == "../lib/node_modules/pm2/bin/pm2");  // npm's link, moved as it was
  CHECK(link_text(h.npm_link) == h.shim);
  CHECK(link_text(h.link) == h.shim);
  CHECK(contains(r.out, "divert          " + h.npm_link + " to " + diverted + " (a link to " + h.real_pm2 + ")"));
  CHECK(contains(slurp(h.policy), "real_pm2: " + h.real_pm2 + "\n"));
  json state = json::parse(slurp(h.state));
  REQUIRE(state["diversions"].size() == 1);
  CHECK(state["diversions"][0]["path"] == h.npm_link);
  CHECK(state["diversions"][0]["diverted_to"] == diverted);

  // Full-path calls to npm's link are guarded, and so is a PATH with npm's bin first.
  CHECK(run({h.npm_link, "delete", "all"}).out == "pm2guard-stand-in delete all\n");
  RunOptions o;
  o.env = std::map<std::string, std::string>{{"PATH", h.npm_bin + ":/usr/bin:/bin"}};
  CHECK(run({"/bin/bash", "-c", "pm2 kill"}, o).out == "pm2guard-stand-in kill\n");
  CHECK(run({diverted, "ls"}).out == "real-pm2 ls\n");

  auto after = snapshot(h.root);
  Result again = do_install(h.install_options(true));
  CHECK(again.code == 0);
  CHECK(contains(again.out, "nothing to change"));
  CHECK(contains(again.out, "(kept from"));
  CHECK(snapshot(h.root) == after);

  DoctorReport d = doctor(h.doctor_options());
  INFO(describe(d));
  CHECK(d.exit_code() == 0);
}

TEST_CASE("npm i -g pm2 undoing a diversion: doctor reports it, install --divert redoes it", "[install][divert]") {
  Host h;
  h.install_ok(true);
  // What `npm i -g pm2` (an upgrade) does to its bin link.
  fs::remove(h.npm_link);
  fs::create_symlink("../lib/node_modules/pm2/bin/pm2", h.npm_link);

  DoctorReport d = doctor(h.doctor_options());
  INFO(describe(d));
  const Finding* f = find_bypass(d, "diversion-undone", h.npm_link);
  REQUIRE(f);
  CHECK(contains(f->detail, "npm i -g pm2"));
  CHECK(contains(f->detail, "install --divert"));
  CHECK(d.exit_code() == 1);

  Result plain = do_install(h.install_options());
  CHECK(plain.code == 0);
  CHECK(contains(plain.err, h.npm_link + " is a pm2 again"));

  Result r = do_install(h.install_options(true));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(link_text(h.npm_link) == h.shim);
  CHECK(link_text(h.npm_link + ".pm2guard-diverted") == "../lib/node_modules/pm2/bin/pm2");
  CHECK(doctor(h.doctor_options()).exit_code() == 0);

  // `npm rm -g pm2` deletes the shim's link outright.
  fs::remove(h.npm_link);
  DoctorReport gone = doctor(h.doctor_options());
  CHECK(find_bypass(gone, "diversion-undone", h.npm_link));
}

TEST_CASE("install --divert: of a pm2 that is a file records the moved file as real_pm2", "[install][divert]") {
  Host h;
  fs::remove(h.npm_link);
  make_exec(h.npm_link, kRealPm2);  // e.g. a wrapper script, not npm's link
  Result r = do_install(h.install_options(true));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  std::string diverted = h.npm_link + ".pm2guard-diverted";
  CHECK(contains(r.out, "(a file)"));
  CHECK(slurp(diverted) == kRealPm2);
  CHECK(contains(slurp(h.policy), "real_pm2: " + diverted + "\n"));
  CHECK(do_uninstall(h.uninstall_options()).code == 0);
  CHECK(slurp(h.npm_link) == kRealPm2);
  CHECK_FALSE(lexists(diverted));
}

TEST_CASE("install --divert: when the link directory is npm's global bin", "[install][divert]") {
  // npm prefix -g = /usr/local (node from nodejs.org): pm2 is /usr/local/bin/pm2.
  Host h;
  InstallOptions o = h.install_options(true);
  o.layout.link_dir = h.npm_bin;
  Result r = do_install(o);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(link_text(h.npm_link) == h.shim);
  CHECK_FALSE(lexists(h.link));
  json state = json::parse(slurp(h.state));
  CHECK(state["diversions"].size() == 1);
  CHECK(state["links"] == json::array({h.npm_link}));

  // A pm2 at the link path that leads elsewhere is diverted (never lost) and,
  // being first on PATH, is taken as the real pm2; npm's link is diverted too.
  Host h2;
  std::string odd = h2.prefix + "/bin/pm2";
  make_exec(h2.root + "/opt/old-pm2/bin/pm2", kRealPm2);
  fs::create_directories(h2.prefix + "/bin");
  fs::create_symlink(h2.root + "/opt/old-pm2/bin/pm2", odd);
  Result r2 = do_install(h2.install_options(true));
  INFO(r2.out << r2.err);
  REQUIRE(r2.code == 0);
  CHECK(link_text(odd) == h2.shim);
  CHECK(link_text(odd + ".pm2guard-diverted") == h2.root + "/opt/old-pm2/bin/pm2");
  CHECK(link_text(h2.npm_link) == h2.shim);
  CHECK(contains(slurp(h2.policy), "real_pm2: " + h2.root + "/opt/old-pm2/bin/pm2\n"));
  CHECK(json::parse(slurp(h2.state))["diversions"].size() == 2);
}

TEST_CASE("uninstall restores the tree as it was, keeping only the policy", "[uninstall]") {
  Host h;
  auto before = snapshot(h.root);
  bool divert = GENERATE(false, true);
  h.install_ok(divert);
  Result r = do_uninstall(h.uninstall_options());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  auto after = snapshot(h.root);
  CHECK(after.erase("/etc/pm2guard/policy.yml") == 1);
  CHECK(after.erase("/etc/pm2guard") == 1);
  CHECK(after.erase("/etc") == 1);
  CHECK(after == before);
  CHECK(contains(r.out, "kept            " + h.policy + " (real_pm2 and the rules) and the audit logs"));
  if (divert) CHECK(contains(r.out, "restore         " + h.npm_link + " from " + h.npm_link + ".pm2guard-diverted"));

  Result again = do_uninstall(h.uninstall_options());
  CHECK(again.code == 0);
  CHECK(contains(again.out, "nothing to change"));
}

TEST_CASE("uninstall after npm recreated its link keeps npm's link", "[uninstall]") {
  Host h;
  h.install_ok(true);
  fs::remove(h.npm_link);
  fs::create_symlink("../lib/node_modules/pm2/bin/pm2", h.npm_link);
  Result r = do_uninstall(h.uninstall_options());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(link_text(h.npm_link) == "../lib/node_modules/pm2/bin/pm2");
  CHECK_FALSE(lexists(h.npm_link + ".pm2guard-diverted"));
  CHECK(contains(r.out, "was recreated"));
}

TEST_CASE("uninstall without the state file still finds the diversion beside a shim link", "[uninstall]") {
  Host h;
  h.install_ok(true);
  fs::remove(h.state);
  Result r = do_uninstall(h.uninstall_options());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(link_text(h.npm_link) == "../lib/node_modules/pm2/bin/pm2");
  CHECK_FALSE(lexists(h.link));
  CHECK_FALSE(lexists(h.shim));
}

TEST_CASE("uninstall keeps the shim shipped with pm2guard", "[uninstall]") {
  Host h;
  // `cmake --install --prefix DIR` put the shim at DIR/lib/pm2guard/bin/pm2,
  // which is also where install puts it.
  make_exec(h.shim, kStandIn);
  InstallOptions o = h.install_options();
  o.shim_source = h.shim;
  Result r = do_install(o);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "unchanged       " + h.shim));
  UninstallOptions u = h.uninstall_options();
  u.packaged_shim = h.shim;
  Result ur = do_uninstall(u);
  INFO(ur.out << ur.err);
  CHECK(ur.code == 0);
  CHECK(lexists(h.shim));
  CHECK_FALSE(lexists(h.link));
  CHECK(contains(ur.out, "the copy shipped with this pm2guard"));
}

TEST_CASE("doctor: exit 0 when the shim is in place and nothing bypasses it", "[doctor]") {
  Host h;
  DoctorReport none = doctor(h.doctor_options());
  CHECK_FALSE(none.shim_present);
  CHECK_FALSE(none.shim_in_place());
  CHECK(none.exit_code() == 1);

  h.install_ok(true);
  DoctorReport d = doctor(h.doctor_options());
  INFO(describe(d));
  CHECK(d.shim == h.shim);
  CHECK(d.shim_present);
  CHECK(d.real_pm2 == h.real_pm2);
  REQUIRE(!d.resolutions.empty());
  CHECK(d.resolutions[0].context == "PATH of this process");
  CHECK(d.resolutions[0].pm2 == h.link);
  CHECK(d.resolutions[0].is_shim);
  CHECK(d.bypasses.empty());
  CHECK(d.exit_code() == 0);
}

TEST_CASE("doctor: the shim missing from PATH or from its place", "[doctor]") {
  Host h;
  h.install_ok();
  DoctorOptions o = h.doctor_options();
  o.path = h.npm_bin + ":" + h.prefix + "/bin";
  DoctorReport d = doctor(o);
  INFO(describe(d));
  CHECK_FALSE(d.resolutions[0].is_shim);
  CHECK(d.resolutions[0].pm2 == h.npm_link);
  CHECK(d.resolutions[0].real_path == h.real_pm2);
  CHECK_FALSE(d.shim_in_place());
  CHECK(d.exit_code() == 1);

  fs::remove(h.shim);
  DoctorReport gone = doctor(h.doctor_options());
  CHECK_FALSE(gone.shim_present);
  CHECK(gone.exit_code() == 1);
}

TEST_CASE("doctor: pm2 executables a full-path call reaches", "[doctor]") {
  Host h;
  h.install_ok();
  DoctorOptions o = h.doctor_options();
  std::string usr_bin = h.root + "/usr/bin/pm2";
  std::string nvm = h.root + "/home/.nvm/versions/node/v20.11.1/bin/pm2";
  std::string nvm_dir = h.root + "/nvm/versions/node/v18.0.0/bin/pm2";
  std::string npm_global = h.root + "/home/.npm-global/bin/pm2";
  std::string npx_cache = h.root + "/home/.npm/_npx/5f7878ce38f1eb13/node_modules/.bin/pm2";
  for (const std::string& p : {usr_bin, nvm, nvm_dir, npm_global, npx_cache}) make_exec(p, kRealPm2);
  o.nvm_dir = h.root + "/nvm";
  DoctorReport d = doctor(o);
  INFO(describe(d));
  const Finding* npm = find_bypass(d, "full-path", h.npm_link);
  REQUIRE(npm);
  CHECK(contains(npm->detail, "leads to " + h.real_pm2));
  CHECK(contains(npm->detail, "--divert"));
  for (const std::string& p : {usr_bin, nvm, nvm_dir, npm_global, npx_cache}) CHECK(find_bypass(d, "full-path", p));
  CHECK_FALSE(find_bypass(d, "full-path", h.link));  // the shim's link is no bypass
  CHECK(d.shim_in_place());
  CHECK(d.exit_code() == 1);

  // The same entry seen through two directory names is reported once.
  fs::create_directory_symlink(h.npm_bin, h.root + "/bin-alias");
  o.path = h.path + ":" + h.root + "/bin-alias";
  DoctorReport twice = doctor(o);
  CHECK_FALSE(find_bypass(twice, "full-path", h.root + "/bin-alias/pm2"));
}

TEST_CASE("doctor: pm2-runtime and pm2-docker beside the real pm2", "[doctor]") {
  Host h;
  h.install_ok(true);
  std::string pkg_bin = h.npm_prefix + "/lib/node_modules/pm2/bin";
  for (const char* n : {"pm2-runtime", "pm2-docker", "pm2-dev"}) {
    make_exec(pkg_bin + "/" + n, kRealPm2);
    fs::create_symlink(std::string("../lib/node_modules/pm2/bin/") + n, h.npm_bin + "/" + n);
  }
  // An unrelated pm2-runtime elsewhere on PATH is not pm2's.
  make_exec(h.root + "/other/pm2-runtime", kRealPm2);
  DoctorOptions o = h.doctor_options();
  DoctorReport d = doctor(o);
  INFO(describe(d));
  const Finding* rt = find_bypass(d, "companion", h.npm_bin + "/pm2-runtime");
  REQUIRE(rt);
  CHECK(contains(rt->detail, "pm2.kill()"));
  CHECK(contains(rt->detail, pkg_bin + "/pm2-runtime"));
  CHECK(find_bypass(d, "companion", h.npm_bin + "/pm2-docker"));
  CHECK_FALSE(find_bypass(d, "companion", h.npm_bin + "/pm2-dev"));  // its own daemon: a note
  bool dev_note = false;
  for (const std::string& n : d.notes) dev_note = dev_note || contains(n, "~/.pm2-dev");
  CHECK(dev_note);
  CHECK(d.exit_code() == 1);

  o.path = h.root + "/other:" + h.path;
  fs::remove(h.npm_bin + "/pm2-runtime");
  DoctorReport other = doctor(o);
  INFO(describe(other));
  CHECK_FALSE(find_bypass(other, "companion", h.root + "/other/pm2-runtime"));

  // install says so too.
  Result again = do_install(h.install_options(true));
  CHECK(again.code == 0);
  CHECK(contains(again.err, h.npm_bin + "/pm2-docker"));
  CHECK(contains(again.err, "is not guarded"));
}

TEST_CASE("doctor: project-local node_modules/.bin/pm2, in the project and above", "[doctor]") {
  Host h;
  h.install_ok(true);
  DoctorOptions o = h.doctor_options();
  o.project = h.root + "/proj/packages/api";
  fs::create_directories(o.project);
  std::string here = o.project + "/node_modules/.bin/pm2";
  std::string above = h.root + "/proj/node_modules/.bin/pm2";
  make_exec(h.root + "/proj/node_modules/pm2/bin/pm2", kRealPm2);
  fs::create_directories(fs::path(here).parent_path());
  fs::create_directories(fs::path(above).parent_path());
  fs::create_symlink(h.root + "/proj/node_modules/pm2/bin/pm2", here);
  fs::create_symlink("../pm2/bin/pm2", above);
  DoctorReport d = doctor(o);
  INFO(describe(d));
  const Finding* f = find_bypass(d, "project-local", here);
  REQUIRE(f);
  CHECK(contains(f->detail, "npm run"));
  CHECK(find_bypass(d, "project-local", above));
  CHECK(d.exit_code() == 1);
}

TEST_CASE("doctor: what npx pm2 runs", "[doctor]") {
  Host h;
  std::string tools = h.root + "/tools";
  make_exec(tools + "/npx", "#!/bin/sh\n");
  DoctorOptions o = h.doctor_options();
  o.path = h.path + ":" + tools;

  SECTION("npm's global pm2, ahead of the shim link") {
    h.install_ok();
    DoctorReport d = doctor(o);
    INFO(describe(d));
    const Finding* f = find_bypass(d, "npx", tools + "/npx");
    REQUIRE(f);
    CHECK(contains(f->detail, "npm's global " + h.npm_link));
  }
  SECTION("the shim, once npm's global link is diverted") {
    h.install_ok(true);
    DoctorReport d = doctor(o);
    INFO(describe(d));
    CHECK_FALSE(find_bypass(d, "npx", tools + "/npx"));
    CHECK(d.exit_code() == 0);
  }
  SECTION("a project-local pm2") {
    h.install_ok(true);
    make_exec(o.project + "/node_modules/.bin/pm2", kRealPm2);
    DoctorReport d = doctor(o);
    const Finding* f = find_bypass(d, "npx", tools + "/npx");
    REQUIRE(f);
    CHECK(contains(f->detail, "project-local " + o.project + "/node_modules/.bin/pm2"));
  }
  SECTION("no pm2 anywhere: the registry") {
    h.install_ok(true);
    o.npm_prefix = h.root + "/empty-prefix";
    DoctorReport d = doctor(o);
    const Finding* f = find_bypass(d, "npx", tools + "/npx");
    REQUIRE(f);
    CHECK(contains(f->detail, "downloads pm2 from the registry"));
    CHECK(contains(f->detail, "--yes"));
  }
  SECTION("no npx on PATH") {
    h.install_ok(true);
    o.path = h.path;
    CHECK(doctor(o).exit_code() == 0);
  }
}

TEST_CASE("doctor: a policy that is not root-owned, is writable by others, or is unusable", "[doctor][policy]") {
  Host h;
  h.install_ok(true);
  DoctorOptions o = h.doctor_options();
  auto policy_findings = [&](const DoctorOptions& opts) {
    std::vector<std::string> details;
    for (const Finding& f : doctor(opts).bypasses)
      if (f.kind == "policy") details.push_back(f.path + ": " + f.detail);
    return details;
  };
  CHECK(policy_findings(o).empty());

  SECTION("owned by someone else") {
    o.trusted_uid = geteuid() + 1;
    auto f = policy_findings(o);
    REQUIRE(f.size() == 2);  // the file and its directory
    CHECK(contains(f[0], "owned by uid " + std::to_string(geteuid())));
  }
  SECTION("group-writable file") {
    fs::permissions(h.policy, fs::perms(0664));
    auto f = policy_findings(o);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0], "group-writable (mode 0664)"));
  }
  SECTION("world-writable directory") {
    fs::permissions(h.policy_dir, fs::perms(0757));
    auto f = policy_findings(o);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0], h.policy_dir + ": the policy directory is world-writable"));
  }
  SECTION("a symlink") {
    fs::rename(h.policy, h.root + "/policy.yml");
    fs::create_symlink(h.root + "/policy.yml", h.policy);
    auto f = policy_findings(o);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0], "is a symlink"));
  }
  SECTION("a key the shim does not know") {
    std::ofstream(h.policy, std::ios::app) << "refuse_al: false\n";
    auto f = policy_findings(o);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0], "unknown key `refuse_al`"));
  }
  SECTION("real_pm2 that is gone") {
    fs::remove(h.real_pm2);
    auto f = policy_findings(o);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0], "real_pm2 " + h.real_pm2 + " is not an executable file"));
  }
}

TEST_CASE("doctor: CI runner units whose PATH reaches the real pm2 first", "[doctor][units]") {
  Host h;
  h.install_ok();
  DoctorOptions o = h.doctor_options();
  std::string units = h.root + "/units";
  std::string good = h.prefix + "/bin:" + h.npm_bin + ":/usr/bin";
  std::string bad = h.npm_bin + ":" + h.prefix + "/bin:/usr/bin";
  auto unit = [&](const std::string& name, const std::string& service) {
    std::ofstream(units + "/" + name) << "[Unit]\nDescription=runner\n\n[Service]\n" << service << "\n[Install]\n"
                                      << "WantedBy=multi-user.target\n";
  };
  unit("gitea-runner.service", "User=runner\nEnvironment=\"PATH=" + bad + "\" \"HOME=/var/lib/runner\"\n"
                               "ExecStart=/usr/local/bin/act_runner daemon\n");
  unit("act_runner.service", "Environment=PATH=" + good + "\nExecStart=/usr/local/bin/act_runner daemon\n");
  unit("forgejo-runner.service", "Environment=PATH=" + good + "\nExecStart=/usr/bin/forgejo-runner daemon\n");
  fs::create_directories(units + "/forgejo-runner.service.d");
  std::ofstream(units + "/forgejo-runner.service.d/override.conf") << "[Service]\nEnvironment=PATH=" << bad << "\n";
  std::string env_file = h.root + "/etc/runner.env";
  std::ofstream(env_file) << "# runner settings\nPATH=\"" << bad << "\"\n";
  unit("gitea-runner-b.service", "Environment=PATH=" + good + "\nEnvironmentFile=-" + env_file + "\n");
  unit("act_runner-default.service", "ExecStart=/usr/local/bin/act_runner daemon\n");  // systemd's default PATH
  make_exec(h.root + "/runner/runsvc.sh", "#!/bin/sh\n");
  std::ofstream(h.root + "/runner/.path") << bad << "\n";
  unit("actions.runner.org-repo.host1.service",
       "ExecStart=" + h.root + "/runner/runsvc.sh\nWorkingDirectory=" + h.root + "/runner\n");
  unit("nginx.service", "Environment=PATH=" + bad + "\n");  // not a runner
  fs::create_symlink("/dev/null", units + "/forgejo-runner-masked.service");

  DoctorReport d = doctor(o);
  INFO(describe(d));
  std::set<std::string> flagged;
  for (const Finding& f : d.bypasses)
    if (f.kind == "runner-unit") {
      flagged.insert(f.path);
      CHECK(contains(f.detail, "runs " + h.npm_link + " -> " + h.real_pm2));
    }
  CHECK(flagged == std::set<std::string>{units + "/gitea-runner.service", units + "/forgejo-runner.service",
                                         units + "/gitea-runner-b.service",
                                         units + "/actions.runner.org-repo.host1.service"});
  std::map<std::string, bool> shim_by_unit;
  for (const Resolution& r : d.resolutions)
    if (r.context.rfind("runner unit ", 0) == 0) shim_by_unit[r.context.substr(12)] = r.is_shim;
  CHECK(shim_by_unit == std::map<std::string, bool>{{"act_runner.service", true},
                                                    {"act_runner-default.service", true},
                                                    {"actions.runner.org-repo.host1.service", false},
                                                    {"forgejo-runner.service", false},
                                                    {"gitea-runner.service", false},
                                                    {"gitea-runner-b.service", false}});
  for (const Resolution& r : d.resolutions) {
    if (r.context == "runner unit forgejo-runner.service") CHECK(contains(r.how, "override.conf"));
    if (r.context == "runner unit gitea-runner-b.service") CHECK(contains(r.how, "EnvironmentFile " + env_file));
    if (r.context == "runner unit actions.runner.org-repo.host1.service") CHECK(contains(r.how, "/runner/.path"));
    if (r.context == "runner unit act_runner-default.service") CHECK(contains(r.how, "systemd's default PATH"));
  }
  CHECK(d.exit_code() == 1);
}

TEST_CASE("doctor: service and cron default PATHs reaching the real pm2", "[doctor]") {
  Host h;
  h.install_ok();
  DoctorOptions o = h.doctor_options();
  o.contexts = {{"cron jobs (default PATH)", h.npm_bin}, {"systemd services (default PATH)", h.path}};
  DoctorReport d = doctor(o);
  INFO(describe(d));
  const Finding* f = find_bypass(d, "context", h.npm_link);
  REQUIRE(f);
  CHECK(contains(f->detail, "cron jobs (default PATH) runs " + h.npm_link));
  h.install_ok(true);
  CHECK(doctor(o).exit_code() == 0);  // diverted: cron reaches the shim too
}

TEST_CASE("doctor: the user's non-login and login shells, asked with runuser", "[doctor][user]") {
  Host h;
  h.install_ok(true);
  DoctorOptions o = h.doctor_options();
  o.user = "deploy";
  o.user_home = h.root + "/home-deploy";
  o.user_shell = "/bin/bash";
  std::vector<std::vector<std::string>> calls;
  std::map<std::string, CommandOutput> answers;
  o.runner = [&](const std::vector<std::string>& argv) {
    calls.push_back(argv);
    return answers[argv[1]];
  };
  std::string nvm = o.user_home + "/.nvm/versions/node/v20.11.1/bin/pm2";
  make_exec(nvm, kRealPm2);

  SECTION("both reach the shim") {
    answers["-u"] = {0, h.link + "\n", ""};
    answers["-l"] = {0, "Welcome!\n" + h.link + "\n", ""};
    DoctorReport d = doctor(o);
    INFO(describe(d));
    REQUIRE(calls.size() == 2);
    CHECK(calls[0] == std::vector<std::string>{o.runuser, "-u", "deploy", "--", "sh", "-c", "command -v pm2"});
    CHECK(calls[1] == std::vector<std::string>{o.runuser, "-l", "deploy", "-c", "command -v pm2"});
    CHECK(d.shim_in_place());
    // nvm's pm2 in the user's home is still a full-path bypass.
    CHECK(find_bypass(d, "full-path", nvm));
  }
  SECTION("the login shell puts nvm first") {
    answers["-u"] = {0, h.link + "\n", ""};
    answers["-l"] = {0, nvm + "\n", ""};
    DoctorReport d = doctor(o);
    INFO(describe(d));
    CHECK_FALSE(d.shim_in_place());
    const Finding* f = find_bypass(d, "context", nvm);
    REQUIRE(f);
    CHECK(contains(f->detail, "user deploy, login shell"));
    CHECK(d.exit_code() == 1);
  }
  SECTION("no pm2 at all for the user (dash exits 127)") {
    answers["-u"] = {127, "", ""};
    answers["-l"] = {1, "", ""};
    DoctorReport d = doctor(o);
    CHECK_FALSE(d.shim_in_place());
    for (const Resolution& r : d.resolutions)
      if (r.context.rfind("user deploy", 0) == 0) CHECK(r.error.empty());
  }
  SECTION("a service account without a login shell") {
    o.user_shell = "/usr/sbin/nologin";
    answers["-u"] = {0, h.link + "\n", ""};
    DoctorReport d = doctor(o);
    INFO(describe(d));
    CHECK(calls.size() == 1);
    CHECK(d.shim_in_place());
    CHECK(contains(render_text(d), "n/a   user deploy, login shell"));
  }
  SECTION("runuser failing") {
    answers["-u"] = {-1, "", ""};
    answers["-l"] = {125, "", "runuser: cannot set groups\n"};
    DoctorReport d = doctor(o);
    CHECK_FALSE(d.shim_in_place());
    CHECK(contains(render_text(d), "the shell failed (exit 125): runuser: cannot set groups"));
  }
}

TEST_CASE("doctor: text and JSON reports", "[doctor]") {
  Host h;
  h.install_ok();
  DoctorReport d = doctor(h.doctor_options());
  std::string text = render_text(d);
  CHECK(contains(text, "shim:     " + h.shim + " (present)"));
  CHECK(contains(text, "policy:   " + h.policy + " (real_pm2: " + h.real_pm2 + ")"));
  CHECK(contains(text, "  ok    PATH of this process: " + h.link + " (the shim)"));
  CHECK(contains(text, "  full-path         " + h.npm_link + "\n"));
  CHECK(contains(text, "result: the shim is in place; 1 bypass found"));
  json j = render_json(d);
  CHECK(j["ok"] == false);
  CHECK(j["shim_in_place"] == true);
  CHECK(j["shim"]["path"] == h.shim);
  CHECK(j["policy"]["real_pm2"] == h.real_pm2);
  CHECK(j["resolutions"][0]["pm2"] == h.link);
  CHECK(j["resolutions"][0]["is_shim"] == true);
  REQUIRE(j["bypasses"].size() == 1);
  CHECK(j["bypasses"][0]["kind"] == "full-path");
  CHECK(j["bypasses"][0]["path"] == h.npm_link);
}

// The pm2guard binary: argument handling and the whole cycle.

namespace {

RunResult pm2guard_cmd(std::vector<std::string> args, const RunOptions& o = {}) {
  args.insert(args.begin(), PM2GUARD_BINARY);
  return run(args, o);
}

}  // namespace

TEST_CASE("pm2guard shim: usage, help and usage errors", "[cli]") {
  CHECK(contains(pm2guard_cmd({"--help"}).out, "shim install|uninstall|doctor"));
  CHECK(pm2guard_cmd({"shim"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "frobnicate"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "install", "--bogus"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "install", "--prefix"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "uninstall", "--divert"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "doctor", "--format", "xml"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "doctor", "--user", "no-such-user-pm2guard"}).code == 2);
  CHECK(pm2guard_cmd({"shim", "doctor", "--project", "/nonexistent/pm2guard"}).code == 2);
  RunResult help = pm2guard_cmd({"shim", "install", "--help"});
  CHECK(help.code == 0);
  CHECK(contains(help.out, "`npm i -g pm2`"));
  CHECK(contains(help.out, "recreates npm's link"));
  CHECK(contains(help.out, "doctor` reports both"));
  CHECK(pm2guard_cmd({"shim", "doctor", "--help"}).code == 0);
  CHECK(pm2guard_cmd({"shim", "uninstall", "-h"}).code == 0);
}

TEST_CASE("pm2guard shim install, doctor and uninstall end to end", "[cli]") {
  Host h;
  auto before = snapshot(h.root);
  RunOptions o;
  o.env = std::map<std::string, std::string>{{"PATH", h.path}, {"HOME", h.root + "/home"}};
  std::vector<std::string> dirs = {"--prefix", h.prefix, "--policy-dir", h.policy_dir};
  auto with = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  std::vector<std::string> doctor_args = {"shim",         "doctor",   "--policy-dir",      h.policy_dir,
                                          "--project",    h.root + "/proj", "--npm-prefix", h.npm_prefix,
                                          "--unit-dir",   h.root + "/units", "--format",    "json"};

  RunResult dry = pm2guard_cmd(with({"shim", "install", "--shim", h.standin, "--npm-prefix", h.npm_prefix,
                                     "--dry-run"}, dirs), o);
  CHECK(dry.code == 0);
  CHECK(snapshot(h.root) == before);

  RunResult in = pm2guard_cmd(with({"shim", "install", "--shim", h.standin, "--npm-prefix", h.npm_prefix}, dirs), o);
  INFO(in.out << in.err);
  REQUIRE(in.code == 0);
  CHECK(link_text(h.link) == h.shim);

  RunResult doc = pm2guard_cmd(doctor_args, o);
  INFO(doc.out << doc.err);
  CHECK(doc.code == 1);
  json j = json::parse(doc.out);
  CHECK(j["shim_in_place"] == true);
  bool npm_link_flagged = false;
  for (const json& b : j["bypasses"]) npm_link_flagged = npm_link_flagged || b["path"] == h.npm_link;
  CHECK(npm_link_flagged);

  RunResult div =
      pm2guard_cmd(with({"shim", "install", "--shim", h.standin, "--npm-prefix", h.npm_prefix, "--divert"}, dirs), o);
  INFO(div.out << div.err);
  REQUIRE(div.code == 0);
  CHECK(link_text(h.npm_link) == h.shim);
  json after = json::parse(pm2guard_cmd(doctor_args, o).out);
  for (const json& b : after["bypasses"]) CHECK(b["path"] != h.npm_link);

  RunResult un = pm2guard_cmd(with({"shim", "uninstall"}, dirs), o);
  INFO(un.out << un.err);
  CHECK(un.code == 0);
  auto now = snapshot(h.root);
  now.erase("/etc/pm2guard/policy.yml");
  now.erase("/etc/pm2guard");
  now.erase("/etc");
  CHECK(now == before);
}

TEST_CASE("pm2guard shim doctor --user asks that user's shells with runuser", "[cli][user]") {
  // `nobody` has no login shell, so only `sh -c` runs as that user: a real
  // login shell would run the host's profile scripts.
  if (geteuid() != 0 || !lexists("/usr/sbin/runuser") || !getpwnam("nobody")) {
    WARN("needs root, runuser and the user nobody");
    return;
  }
  Host h;
  h.install_ok();
  fs::permissions(h.root, fs::perms(0711));  // let nobody reach the link and the shim
  RunOptions o;
  // runuser -u keeps the environment: the non-login shell searches this PATH.
  o.env = std::map<std::string, std::string>{{"PATH", h.path + ":/usr/bin:/bin"}, {"HOME", h.root + "/home"}};
  RunResult r = pm2guard_cmd({"shim", "doctor", "--user", "nobody", "--policy-dir", h.policy_dir, "--project",
                              h.root + "/proj", "--npm-prefix", h.npm_prefix, "--unit-dir", h.root + "/units",
                              "--format", "json"},
                             o);
  INFO(r.out << r.err);
  json j = json::parse(r.out);
  bool non_login = false, login = false;
  for (const json& res : j["resolutions"]) {
    if (res["context"] == "user nobody, non-login shell") {
      non_login = true;
      CHECK(res["how"] == "runuser -u nobody -- sh -c 'command -v pm2'");
      CHECK(res["pm2"] == h.link);
      CHECK(res["is_shim"] == true);
      CHECK_FALSE(res.contains("error"));
    }
    if (res["context"] == "user nobody, login shell") {
      login = true;
      CHECK(res["how"] == "runuser -l nobody -c 'command -v pm2'");
      CHECK(res["applies"] == false);
    }
  }
  CHECK(non_login);
  CHECK(login);

  // Without a way into the directories, nobody finds no pm2 at all.
  fs::permissions(h.root, fs::perms(0700));
  json denied = json::parse(pm2guard_cmd({"shim", "doctor", "--user", "nobody", "--policy-dir", h.policy_dir,
                                          "--project", h.root + "/proj", "--npm-prefix", h.npm_prefix,
                                          "--unit-dir", h.root + "/units", "--format", "json"},
                                         o)
                                .out);
  CHECK(denied["shim_in_place"] == false);
}

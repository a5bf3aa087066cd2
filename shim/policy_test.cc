#include "policy.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "support/run.h"

using namespace pm2guard::shim;
using pm2guard::testing::TempDir;

TEST_CASE("policy files parse every setting and keep the defaults otherwise", "[policy]") {
  std::string err;
  auto p = parse_policy(
      "version: 1\nrefuse_all: true\nallow: [kill]\nmax_processes: 5\nownership: false\ncumulative: true\n"
      "lock_timeout: 2.5\noverrides: true\nreal_pm2: /usr/lib/node_modules/pm2/bin/pm2\naudit_log: /var/log/pm2guard.log\n"
      "syslog: false\nrequire_scope: true\n"
      "scopes:\n  - name: flyer-prod\n    repositories: [projectium/flyer-crawler]\n    refs: [refs/heads/main]\n"
      "    processes: ['flyer-crawler-*', '!flyer-crawler-*-test']\n    namespaces: [default]\n",
      "p.yml", err);
  REQUIRE(p);
  CHECK(p->allow_daemon_commands == std::set<std::string>{"kill"});
  CHECK(p->max_processes == 5);
  CHECK_FALSE(p->ownership);
  CHECK(p->lock_timeout_seconds == 2.5);
  CHECK(p->allow_overrides);
  CHECK(*p->real_pm2 == "/usr/lib/node_modules/pm2/bin/pm2");
  CHECK_FALSE(p->syslog);
  REQUIRE(p->scopes.size() == 1);
  const Scope& s = p->scopes[0];
  CHECK(s.owns("flyer-crawler-api", "default"));
  CHECK_FALSE(s.owns("flyer-crawler-api-test", "default"));
  CHECK_FALSE(s.owns("stock-alert-api", "default"));
  CHECK_FALSE(s.owns("flyer-crawler-api", "other"));

  auto d = parse_policy("", "empty.yml", err);
  REQUIRE(d);
  CHECK(d->refuse_all);
  CHECK(d->max_processes == 3);
  CHECK(d->ownership);
  CHECK_FALSE(d->allow_overrides);
}

TEST_CASE("a mistyped policy is an error, not a silently disabled safeguard", "[policy]") {
  std::string err;
  CHECK_FALSE(parse_policy("refuse_al: false\n", "p.yml", err));
  CHECK(err.find("p.yml:1:1: unknown key `refuse_al`") != std::string::npos);
  CHECK_FALSE(parse_policy("ownership: maybe\n", "p.yml", err));
  CHECK(err.find("must be true or false") != std::string::npos);
  CHECK_FALSE(parse_policy("allow: [delete]\n", "p.yml", err));
  CHECK_FALSE(parse_policy("max_processes: -1\n", "p.yml", err));
  CHECK_FALSE(parse_policy("scopes:\n  - name: x\n", "p.yml", err));  // no processes
  CHECK_FALSE(parse_policy("real_pm2: pm2\n", "p.yml", err));          // not absolute
  CHECK_FALSE(parse_policy("a: [\n", "p.yml", err));
  CHECK(err.find("invalid YAML") != std::string::npos);
}

TEST_CASE("the environment's policy cannot set what only the system policy may", "[policy]") {
  for (const char* doc : {"syslog: false\n", "audit_log: /tmp/elsewhere.log\n", "real_pm2: /tmp/fake/pm2\n"}) {
    std::string err;
    INFO(doc);
    CHECK(parse_policy(doc, "sys.yml", err, PolicyRole::System));
    CHECK_FALSE(parse_policy(doc, "env.yml", err, PolicyRole::Environment));
    CHECK(err.find("env.yml:1:1:") != std::string::npos);
    CHECK(err.find("system policy only") != std::string::npos);
  }
  std::string err;
  CHECK(parse_policy("max_processes: 1\nownership: true\n", "env.yml", err, PolicyRole::Environment));
}

TEST_CASE("a trusted policy file must be root-owned and not writable by others", "[policy]") {
  TempDir d;
  std::string path = d.write("etc/policy.yml", "max_processes: 2\n");
  chmod((d.path() + "/etc").c_str(), 0755);
  chmod(path.c_str(), 0644);
  std::string err;
  if (geteuid() == 0) {
    CHECK(load_policy(path, true, err));
    chmod(path.c_str(), 0666);
    CHECK_FALSE(load_policy(path, true, err));
    CHECK(err.find("must be owned by root and not writable") != std::string::npos);
    chmod(path.c_str(), 0644);
    REQUIRE(chown(path.c_str(), 65534, 65534) == 0);
    CHECK_FALSE(load_policy(path, true, err));
  }
  std::string link = d.path() + "/etc/link.yml";
  REQUIRE(symlink(path.c_str(), link.c_str()) == 0);
  CHECK_FALSE(load_policy(link, true, err));
  CHECK(err.find("symlink") != std::string::npos);
  CHECK(load_policy(path, false, err));  // untrusted reading (the environment's extra policy)
}

TEST_CASE("scopes are selected by CI variables or by name", "[policy]") {
  std::string err;
  auto p = parse_policy(
      "scopes:\n"
      "  - name: flyer-prod\n    repositories: [projectium/flyer-crawler]\n    refs: [refs/heads/main]\n    processes: ['flyer-crawler-*']\n"
      "  - name: flyer-test\n    repositories: [projectium/flyer-crawler]\n    processes: ['flyer-crawler-*-test']\n"
      "  - name: ops\n    processes: ['*']\n",
      "p.yml", err);
  REQUIRE(p);
  std::string why;
  std::map<std::string, std::string> main_ci{{"GITHUB_REPOSITORY", "projectium/flyer-crawler"}, {"GITHUB_REF", "refs/heads/main"}};
  std::map<std::string, std::string> dev_ci{{"GITHUB_REPOSITORY", "projectium/flyer-crawler"}, {"GITHUB_REF", "refs/heads/dev"}};
  CHECK(select_scope(*p, main_ci, std::nullopt, why)->name == "flyer-prod");
  CHECK(select_scope(*p, dev_ci, std::nullopt, why)->name == "flyer-test");
  CHECK(select_scope(*p, {{"GITHUB_REPOSITORY", "acme/other"}}, std::nullopt, why) == nullptr);
  CHECK(select_scope(*p, {}, std::string("ops"), why)->name == "ops");  // a name-only scope, outside CI
  // A job cannot pick another repository's scope by name.
  CHECK(select_scope(*p, {{"GITHUB_REPOSITORY", "acme/other"}}, std::string("flyer-prod"), why) == nullptr);
  CHECK(why.find("does not admit") != std::string::npos);
  CHECK(select_scope(*p, {}, std::string("nope"), why) == nullptr);
}

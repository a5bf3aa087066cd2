// Config files and stdin documents read by pm2's own code (the pinned pm2).
#include "config_file.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>

#include "support/run.h"

namespace fs = std::filesystem;
using namespace pm2guard::shim;
using pm2guard::testing::TempDir;

using V = std::vector<std::string>;

namespace {

Pm2ConfigReader reader(std::vector<std::string> args = {"stop", "x"}) {
  Pm2ConfigReader r;
  r.pm2_root = pm2_root_of(std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin/pm2");
  r.args = std::move(args);
  return r;
}

// Runs the reader from `dir` (pm2 reads config files from its cwd).
struct InDir {
  fs::path old = fs::current_path();
  explicit InDir(const std::string& d) { fs::current_path(d); }
  ~InDir() { fs::current_path(old); }
};

}  // namespace

TEST_CASE("the pm2 package behind a pm2 executable", "[config]") {
  std::string root = pm2_root_of(std::string(PM2GUARD_SOURCE_DIR) + "/third_party/node_modules/.bin/pm2");
  CHECK(fs::exists(root + "/lib/Common.js"));
  TempDir d;
  CHECK(pm2_root_of(d.write("bin/pm2", "#!/bin/sh\n")).empty());
}

TEST_CASE("JSON, JS-flavoured JSON, YAML and JS ecosystem files, named as pm2 names them", "[config]") {
  TempDir d;
  InDir in(d.path());
  std::string err;
  Pm2ConfigReader r = reader();
  d.write("eco.json", R"({"apps":[{"name":"api","script":"a.js"},{"script":"w.js"},{"cmd":"/x/billing-api.js"}]})");
  auto json = r.file("eco.json", false, err);
  INFO(err);
  REQUIRE(json);
  CHECK(json->names == V{"api", "w", "billing-api"});
  d.write("eco2.json", "{ apps: [ { name: 'api' } /* a comment */ ] }");
  auto js_json = r.file("eco2.json", false, err);
  REQUIRE(js_json);
  CHECK(js_json->names == V{"api"});
  d.write("proto.json", R"({"__proto__":{"name":"billing-api"},"script":"idle.js"})");
  // A prototype is not data JSON keeps: the document is refused as code.
  auto proto = r.file("proto.json", false, err);
  REQUIRE(proto);
  CHECK(proto->names.empty());
  REQUIRE(proto->code.size() == 1);
  CHECK(proto->code[0].find("__proto__") != std::string::npos);
  d.write("eco.yml", "base: &b\n  name: billing-api\napps:\n  - <<: *b\n    script: idle.js\n  - script: node /srv/worker.js\n");
  auto yaml = r.file("eco.yml", false, err);
  INFO(err);
  REQUIRE(yaml);
  CHECK(yaml->names == V{"billing-api", "worker"});
  d.write("ecosystem.config.js", "module.exports = { apps: ['api', 'worker'].map(name => ({ name, script: 'x.js' })) };\n");
  auto js = r.file("ecosystem.config.js", false, err);
  REQUIRE(js);
  CHECK(js->names == V{"api", "worker"});
}

TEST_CASE("start and stop read a config differently, as pm2 does", "[config]") {
  TempDir d;
  InDir in(d.path());
  std::string err;
  d.write("p.json", R"({"pm2":[{"name":"billing-api","script":"x.js"}]})");
  auto start = reader({"restart", "p.json"}).file("p.json", true, err);
  REQUIRE(start);
  CHECK(start->names == V{"billing-api"});  // _startJson knows the `pm2` key
  // A JS config sees pm2's argv.
  d.write("argv.config.js",
          "module.exports = { apps: [{ name: process.argv.includes('stop') ? 'billing-api' : 'flyer-api', script: 'x.js' }] };\n");
  auto stop = reader({"stop", "argv.config.js"}).file("argv.config.js", false, err);
  REQUIRE(stop);
  CHECK(stop->names == V{"billing-api"});
  auto restart = reader({"restart", "argv.config.js"}).file("argv.config.js", true, err);
  REQUIRE(restart);
  CHECK(restart->names == V{"flyer-api"});
}

TEST_CASE("missing, failing and oversized inputs", "[config]") {
  TempDir d;
  InDir in(d.path());
  std::string err;
  Pm2ConfigReader r = reader();
  auto missing = r.file("missing.json", false, err);  // pm2 reports it and acts on nothing
  REQUIRE(missing);
  CHECK(missing->names.empty());
  d.write("bad.config.js", "throw new Error('boom')\n");
  CHECK_FALSE(r.file("bad.config.js", false, err));
  CHECK(err.find("boom") != std::string::npos);
  auto doc = r.stdin_document(R"({"name":"flyer-crawler-worker"})", false, err);
  REQUIRE(doc);
  CHECK(doc->names == V{"flyer-crawler-worker"});
  std::string big = R"([{"name":"billing-api"}])" + std::string(200 * 1024, ' ') + ".slice(1)";
  CHECK_FALSE(r.stdin_document(big, false, err));
  CHECK(err.find("first chunk") != std::string::npos);
  Pm2ConfigReader none;
  CHECK_FALSE(none.file("eco.json", false, err));
  CHECK(err.find("lib/Common.js") != std::string::npos);
}

TEST_CASE("_startJson's view: static entries, append_env_to_name and names that are not strings", "[config]") {
  TempDir d;
  InDir in(d.path());
  std::string err;
  d.write("eco.config.js",
          "module.exports = { apps: [ { name: 'stock', script: 'a.js', append_env_to_name: true }, { script: 'c.js' } ],\n"
          "  static: [ { name: 'docs', path: '.', port: 8081 }, { path: '.', port: 8080 }, { name: 7, port: 9 } ] };\n");
  auto start = reader({"startOrRestart", "eco.config.js"}).file("eco.config.js", true, err);
  INFO(err);
  REQUIRE(start);
  CHECK(start->names == V{"stock", "c", "docs", "static-page-server-8080", "7"});
  REQUIRE(start->flags.size() == 5);
  CHECK(start->flags[0].append_env_to_name);
  CHECK_FALSE(start->flags[1].append_env_to_name);
  CHECK(start->flags[1].name_is_string);
  CHECK_FALSE(start->flags[4].name_is_string);  // static entries are not verified: a number stays one
  CHECK(start->flags[2].is_static);
  CHECK(start->flags[3].is_static);
  CHECK_FALSE(start->flags[0].is_static);
  // actionFromJson (stop, delete, `restart -`) reads no static entries.
  auto stop = reader({"stop", "eco.config.js"}).file("eco.config.js", false, err);
  REQUIRE(stop);
  CHECK(stop->names == V{"stock", "c"});
  for (const ConfigAppFlags& f : stop->flags) CHECK_FALSE(f.is_static);
  // pm2 itself rejects an app whose name is a number.
  d.write("num.json", R"({"apps":[{"name":5,"script":"b.js"}]})");
  CHECK_FALSE(reader({"restart", "num.json"}).file("num.json", true, err));
}

#include "config_file.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include "support/run.h"

using namespace pm2guard::shim;
using pm2guard::testing::TempDir;

using V = std::vector<std::string>;

TEST_CASE("app names as pm2 renders them", "[config]") {
  CHECK(render_app_name("api", "x.js") == "api");
  CHECK(render_app_name("", "/srv/app/server.js") == "server");
  CHECK(render_app_name("", "dist/main.min.js") == "main.min");
  CHECK(render_app_name("", ".hidden") == ".hidden");
  CHECK(render_app_name("", "python worker.py") == "python worker.py");
}

TEST_CASE("JSON, JS-flavoured JSON, YAML and JS ecosystem files", "[config]") {
  TempDir d;
  std::string err;
  auto json = apps_from_file(d.write("eco.json", R"({"apps":[{"name":"api","script":"a.js"},{"script":"w.js"}]})"), err);
  REQUIRE(json);
  CHECK(json->names == V{"api", "w"});
  // pm2 evaluates .json as JavaScript: comments and bare keys are fine.
  auto js_json = apps_from_file(d.write("eco2.json", "{ apps: [ { name: 'api' } /* c */ ] }"), err);
  INFO(err);
  REQUIRE(js_json);
  CHECK(js_json->names == V{"api"});
  auto yaml = apps_from_file(d.write("eco.yml", "apps:\n  - name: api\n  - script: worker.js\n"), err);
  REQUIRE(yaml);
  CHECK(yaml->names == V{"api", "worker"});
  auto js = apps_from_file(
      d.write("ecosystem.config.js", "const n = ['api', 'worker'];\nmodule.exports = { apps: n.map(name => ({ name })) };\n"),
      err);
  INFO(err);
  REQUIRE(js);
  CHECK(js->names == V{"api", "worker"});
  auto single = apps_from_text(R"({"name":"solo"})", false, true, err);
  REQUIRE(single);
  CHECK(single->names == V{"solo"});
}

TEST_CASE("unreadable or failing config files say why", "[config]") {
  TempDir d;
  std::string err;
  auto missing = apps_from_file(d.path() + "/missing.json", err);  // pm2 reports it and acts on nothing
  REQUIRE(missing);
  CHECK(missing->names.empty());
  std::string dir = d.path() + "/dir.json";
  std::filesystem::create_directories(dir);
  CHECK_FALSE(apps_from_file(dir, err));
  CHECK_FALSE(apps_from_file(d.write("bad.config.js", "throw new Error('boom')\n"), err));
  CHECK(err.find("boom") != std::string::npos);
  CHECK_FALSE(apps_from_file(d.write("bad.yml", "apps: [\n"), err));
  CHECK_FALSE(apps_from_text("{ this is not javascript", false, true, err));
}

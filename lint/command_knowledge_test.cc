// What the tables know about commands: pipeline stages over process lists.
#include "command_knowledge.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pm2guard::lint;

namespace {

std::vector<Arg> args(std::initializer_list<const char*> words) {
  std::vector<Arg> out;
  for (const char* w : words) out.push_back(Arg{w, true});
  return out;
}

const char* effect(StageEffect e) {
  switch (e) {
    case StageEffect::Passthrough: return "passthrough";
    case StageEffect::Filter: return "filter";
    case StageEffect::Drop: return "drop";
    case StageEffect::Unknown: return "unknown";
  }
  return "?";
}

std::string stage(std::initializer_list<const char*> words) { return effect(classify_stage(args(words))); }

}  // namespace

TEST_CASE("interpreter code filters only when it tests the name or namespace", "[knowledge][stage]") {
  // Tests of the name or namespace.
  for (const char* code : {
           "const l=JSON.parse(require('fs').readFileSync(0));l.filter(p=>p.name.startsWith('web-')).forEach(p=>console.log(p.name))",
           "JSON.parse(s).filter(({name}) => name.includes('web')).map(p => p.name)",
           "for (const p of l) { if (p.name === 'web-api') console.log(p.pm_id) }",
           "l.filter(p => p.pm2_env.namespace == 'staging').forEach(p => console.log(p.name))",
           "l.filter(p => /^web-/.test(p.name))",
           "l.forEach(p => p.name.indexOf('web') === 0 && console.log(p.name))",
       }) {
    INFO(code);
    CHECK(stage({"node", "-e", code}) == std::string("filter"));
  }
  for (const char* code : {
           "import json,sys\nfor p in json.load(sys.stdin):\n    if p['name'].startswith('web-'):\n        print(p['name'])",
           "import json,sys; print('\\n'.join(p['name'] for p in json.load(sys.stdin) if p['name'] in ('a', 'b')))",
           "import json,sys,re; [print(p['name']) for p in json.load(sys.stdin) if re.match('web', p['name'])]",
           "import json,sys; [print(p['name']) for p in json.load(sys.stdin) if p['pm2_env']['namespace'] == 'ci']",
       }) {
    INFO(code);
    CHECK(stage({"python3", "-c", code}) == std::string("filter"));
  }
  CHECK(stage({"ruby", "-e", "JSON.parse(STDIN.read).select { |p| p['name'].start_with?('web') }"}) ==
        std::string("filter"));
  CHECK(stage({"perl", "-ne", "print if $_->{name} =~ /^web/"}) == std::string("filter"));
  // Loops, conditions on other fields, exclusions and plain reshaping.
  for (const char* code : {
           "for p in json.load(sys.stdin): print(p['name'])",
           "import json,sys\nfor name in [p['name'] for p in json.load(sys.stdin)]:\n    print(name)",
           "import json,sys\nfor p in json.load(sys.stdin):\n    if p['pm2_env']['status'] == 'online':\n        print(p['name'])",
           "import json,sys\nfor p in json.load(sys.stdin):\n    if p['name'] != 'api':\n        print(p['name'])",
           "import json,sys\nfor p in json.load(sys.stdin):\n    if not p['name'].startswith('api'):\n        print(p['name'])",
           "import json,sys\nfor p in json.load(sys.stdin):\n    if p['name'] not in ('api',):\n        print(p['name'])",
           "import json,sys\nfor p in json.load(sys.stdin):\n    if True:\n        print(p['name'])",
       }) {
    INFO(code);
    CHECK(stage({"python3", "-c", code}) == std::string("passthrough"));
  }
  for (const char* code : {
           "l.filter(p => p.pm2_env.status === 'online').forEach(p => console.log(p.name))",
           "l.filter(p => !p.name.startsWith('api')).forEach(p => console.log(p.name))",
           "l.filter(p => p.name !== 'api').forEach(p => console.log(p.name))",
           "l.filter(Boolean).forEach(p => console.log(p.name))",
           "for (const p of l) if (p.pm_id > 2) console.log(p.name)",
           "l.forEach(p => console.log(p.name))",
       }) {
    INFO(code);
    CHECK(stage({"node", "-e", code}) == std::string("passthrough"));
  }
  CHECK(stage({"node", "pick.js"}) == std::string("unknown"));
}

TEST_CASE("jq filters only when select or if tests the name or namespace", "[knowledge][stage]") {
  for (const char* prog : {
           ".[] | select(.name | startswith(\"web-\")) | .name",
           ".[] | select(.name == \"web\") | .pm_id",
           "map(select(.pm2_env.namespace == \"staging\")) | .[].name",
           ".[] | select(.namespace | test(\"^ci\")) | .name",
           ".[].name | select(startswith(\"web-\"))",
           ".[] | .name | select(test(\"^web\"))",
           ".[] | if .name == \"web\" then .name else empty end",
           ".[] | select(.name != \"api\" and .name == \"web\") | .name",
       }) {
    INFO(prog);
    CHECK(stage({"jq", "-r", prog}) == std::string("filter"));
  }
  for (const char* prog : {
           ".[].name",
           ".[] | select(.pm2_env.status == \"online\") | .name",
           ".[] | select(.pm_id > 2) | .name",
           ".[] | select(.name != \"api\") | .name",
           ".[] | select(.name | startswith(\"api\") | not) | .name",
           ".[] | if .pm2_env.status == \"online\" then .name else empty end",
           ".[] | .pm_id | select(. > 3)",
       }) {
    INFO(prog);
    CHECK(stage({"jq", "-r", prog}) == std::string("passthrough"));
  }
  CHECK(stage({"jq", "length"}) == std::string("drop"));
}

TEST_CASE("grep, sed and awk patterns that every entry matches do not filter", "[knowledge][stage]") {
  CHECK(stage({"grep", "name"}) == std::string("passthrough"));
  CHECK(stage({"grep", "\"name\""}) == std::string("passthrough"));
  CHECK(stage({"grep", "-E", "\"name\":\"[^\"]*\""}) == std::string("passthrough"));
  CHECK(stage({"grep", "-o", "\"name\":\"[^\"]*\""}) == std::string("passthrough"));
  CHECK(stage({"grep", "."}) == std::string("passthrough"));
  CHECK(stage({"grep", "web-"}) == std::string("filter"));
  CHECK(stage({"grep", "-o", "\"name\":\"web-[^\"]*\""}) == std::string("filter"));
  CHECK(stage({"grep", "-v", "web"}) == std::string("passthrough"));
  CHECK(stage({"sed", "-n", "/./p"}) == std::string("passthrough"));
  CHECK(stage({"sed", "-n", "/\"name\"/p"}) == std::string("passthrough"));
  CHECK(stage({"sed", "-n", "/^web-/p"}) == std::string("filter"));
  CHECK(stage({"awk", "/./ {print $1}"}) == std::string("passthrough"));
  CHECK(stage({"awk", "/web-/ {print $1}"}) == std::string("filter"));
}

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

namespace {

Wrap wrap(std::initializer_list<const char*> words) { return classify_wrapper(args(words)); }

const char* kind(WrapKind k) {
  switch (k) {
    case WrapKind::None: return "none";
    case WrapKind::Exec: return "exec";
    case WrapKind::ShellText: return "shell-text";
    case WrapKind::JoinedText: return "joined-text";
    case WrapKind::StdinShell: return "stdin-shell";
    case WrapKind::ScriptFile: return "script-file";
    case WrapKind::Xargs: return "xargs";
    case WrapKind::NotACall: return "not-a-call";
  }
  return "?";
}

// "exec@3", "shell-text@2+10" (text_skip), "joined-text@5 remote".
std::string shape(const Wrap& w) {
  std::string s = kind(w.kind);
  if (w.kind == WrapKind::None || w.kind == WrapKind::NotACall || w.kind == WrapKind::StdinShell) {
    if (w.remote) s += " remote";
    return s;
  }
  s += "@" + std::to_string(w.index);
  if (w.text_skip) s += "+" + std::to_string(w.text_skip);
  if (w.remote) s += " remote";
  return s;
}

std::string shape(std::initializer_list<const char*> words) { return shape(wrap(words)); }

std::vector<Arg> mixed(std::initializer_list<std::pair<const char*, bool>> words) {
  std::vector<Arg> out;
  for (auto& [w, lit] : words) out.push_back(Arg{w, lit});
  return out;
}

std::string stage_of(std::initializer_list<std::pair<const char*, bool>> words) {
  return effect(classify_stage(mixed(words)));
}

}  // namespace

TEST_CASE("remote shells of cloud and VM tools", "[knowledge][wrapper]") {
  CHECK(shape({"gcloud", "compute", "ssh", "web-1", "--zone", "europe-west1-b", "--command", "pm2 restart all"}) ==
        "shell-text@7 remote");
  CHECK(shape({"gcloud", "compute", "ssh", "web-1", "--command=pm2 restart all", "--zone=z"}) ==
        "shell-text@4+10 remote");
  CHECK(shape({"gcloud", "beta", "compute", "ssh", "--project", "p", "vm", "--tunnel-through-iap", "--",
               "-o", "ServerAliveInterval=5", "pm2", "kill"}) == "joined-text@11 remote");
  CHECK(shape({"gcloud", "compute", "ssh", "vm"}) == "stdin-shell remote");
  CHECK(shape({"gcloud", "compute", "ssh", "vm", "--dry-run", "--command", "pm2 kill"}) == "not-a-call");
  CHECK(shape({"gcloud", "compute", "instances", "list"}) == "none");
  CHECK(shape({"gcloud", "cloud-shell", "ssh", "--command=pm2 ls"}) == "shell-text@3+10 remote");
  CHECK(shape({"vagrant", "ssh", "-c", "pm2 delete all"}) == "shell-text@3 remote");
  CHECK(shape({"vagrant", "ssh", "web", "--command", "pm2 delete all"}) == "shell-text@4 remote");
  CHECK(shape({"vagrant", "ssh", "web", "--", "-t", "pm2", "kill"}) == "joined-text@5 remote");
  CHECK(shape({"vagrant", "up"}) == "none");
  CHECK(shape({"mosh", "--ssh=ssh -p 2222", "deploy@h", "--", "pm2", "restart", "all"}) == "exec@4 remote");
  CHECK(shape({"mosh", "-p", "60001", "h", "pm2", "kill"}) == "exec@4 remote");
  CHECK(shape({"mosh", "h"}) == "none");
  CHECK(shape({"ansible", "web", "-m", "shell", "-a", "pm2 restart all"}) == "shell-text@5 remote");
  CHECK(shape({"ansible", "web", "-i", "hosts.ini", "-a", "pm2 kill", "--become"}) == "shell-text@5 remote");
  CHECK(shape({"ansible", "web", "--module-name=ansible.builtin.command", "--args=pm2 kill"}) ==
        "shell-text@3+7 remote");
  CHECK(shape({"ansible", "web", "-m", "copy", "-a", "src=a dest=b"}) == "none");
  CHECK(shape({"ansible", "web", "-m", "ping"}) == "none");
}

TEST_CASE("tool version managers and secret injectors run their command", "[knowledge][wrapper]") {
  CHECK(shape({"doppler", "run", "--", "pm2", "restart", "all"}) == "exec@3");
  CHECK(shape({"doppler", "run", "-p", "api", "-c", "prd", "--", "pm2", "kill"}) == "exec@7");
  CHECK(shape({"doppler", "run", "--config", "prd", "pm2", "kill"}) == "exec@4");
  CHECK(shape({"doppler", "run", "--command", "pm2 delete all"}) == "shell-text@3");
  CHECK(shape({"doppler", "secrets", "download"}) == "none");
  CHECK(shape({"mise", "x", "node@20", "--", "pm2", "restart", "all"}) == "exec@4");
  CHECK(shape({"mise", "exec", "-C", "/srv/app", "node@20", "python@3", "--", "pm2", "kill"}) == "exec@7");
  CHECK(shape({"mise", "exec", "node@20", "-c", "pm2 delete all"}) == "shell-text@4");
  CHECK(shape({"mise", "exec", "node@20"}) == "none");
  CHECK(shape({"mise", "install"}) == "none");
  CHECK(shape({"nvm", "exec", "18", "pm2", "restart", "all"}) == "exec@3");
  CHECK(shape({"nvm", "exec", "--silent", "lts/iron", "pm2", "kill"}) == "exec@4");
  CHECK(shape({"nvm", "exec", "pm2", "kill"}) == "exec@2");  // the version from .nvmrc
  CHECK(shape({"nvm", "exec", "default", "pm2", "kill"}) == "exec@3");
  CHECK(shape({"nvm", "run", "18", "app.js"}) == "none");  // node app.js
  CHECK(shape({"nvm", "run", "18", "./node_modules/.bin/pm2", "kill"}) == "exec@3");
  CHECK(shape({"nvm", "use", "18"}) == "none");
  CHECK(shape({"asdf", "exec", "pm2", "delete", "all"}) == "exec@2");
  CHECK(shape({"asdf", "install"}) == "none");
  CHECK(shape({"volta", "run", "--node", "20", "pm2", "kill"}) == "exec@4");
  CHECK(shape({"volta", "run", "--bundled-npm", "--env", "A=1", "pm2", "kill"}) == "exec@5");
  CHECK(shape({"volta", "install", "node"}) == "none");
  CHECK(shape({"dotenvx", "run", "-f", ".env.production", "--", "pm2", "restart", "all"}) == "exec@5");
  CHECK(shape({"dotenvx", "run", "--overload", "pm2", "kill"}) == "exec@3");
  CHECK(shape({"dotenvx", "run", "-f", ".env", "pm2", "kill"}) == "none");  // -f takes every word
  CHECK(shape({"op", "run", "--env-file", "prod.env", "--no-masking", "--", "pm2", "kill"}) == "exec@6");
  CHECK(shape({"op", "--account", "acme", "run", "--", "pm2", "kill"}) == "exec@5");
  CHECK(shape({"op", "read", "op://x"}) == "none");
}

TEST_CASE("job launchers: find -exec, parallel, tmux, screen, systemd-run", "[knowledge][wrapper]") {
  Wrap f = wrap({"find", "/srv", "-name", "*.json", "-exec", "pm2", "delete", "{}", ";"});
  CHECK(shape(f) == "xargs@5");
  CHECK(f.replace == "{}");
  CHECK(f.custom_input);  // not stdin: a known input never becomes the file names
  CHECK(shape({"find", ".", "-execdir", "pm2", "stop", "{}", "+"}) == "xargs@3");
  CHECK(shape({"find", ".", "-exec", "echo", "{}", ";", "-ok", "pm2", "kill", ";"}) == "xargs@7");
  CHECK(shape({"find", ".", "-name", "x"}) == "none");

  CHECK(shape({"parallel", "pm2", "stop", ":::", "all"}) == "joined-text@1");
  CHECK(shape({"parallel", "-j", "4", "pm2 stop {}", ":::", "all"}) == "joined-text@3");
  Wrap pl = wrap({"parallel", "-j2", "pm2", "delete"});
  CHECK(shape(pl) == "xargs@2");
  CHECK(pl.replace.empty());
  CHECK_FALSE(pl.custom_input);
  Wrap pr = wrap({"parallel", "pm2", "delete", "{}"});
  CHECK(pr.replace == "{}");
  CHECK(wrap({"parallel", "pm2", "delete", "::::", "names.txt"}).custom_input);
  CHECK(shape({"parallel", "-S", "h1,h2", "pm2", "kill", ":::", "1"}) == "joined-text@3 remote");
  CHECK(shape({"sem", "-j1", "pm2", "restart", "all"}) == "joined-text@2");

  CHECK(shape({"tmux", "new", "-d", "-s", "deploy", "pm2 restart all"}) == "joined-text@5");
  CHECK(shape({"tmux", "new-session", "-d", "-s", "d", "-c", "/srv", "pm2", "kill"}) == "joined-text@7");
  CHECK(shape({"tmux", "-L", "ci", "new-window", "-t", "d", "pm2 kill"}) == "joined-text@6");
  CHECK(shape({"tmux", "send-keys", "-t", "d:0", "pm2 restart all", "Enter"}) == "joined-text@4");
  CHECK(shape({"tmux", "send-keys", "-X", "cancel"}) == "none");
  CHECK(shape({"tmux", "run-shell", "-b", "pm2 kill"}) == "joined-text@3");
  CHECK(shape({"tmux", "-c", "pm2 kill"}) == "shell-text@2");
  CHECK(shape({"tmux", "attach", "-t", "d"}) == "none");
  CHECK(shape({"tmux", "new", "-d", "-s", "d"}) == "none");

  CHECK(shape({"screen", "-dmS", "deploy", "pm2", "restart", "all"}) == "exec@3");
  CHECK(shape({"screen", "-d", "-m", "-S", "deploy", "-L", "-Logfile", "x.log", "pm2", "kill"}) == "exec@8");
  CHECK(shape({"screen", "-r", "deploy"}) == "none");
  CHECK(shape({"screen", "-S", "deploy", "-X", "quit"}) == "none");

  CHECK(shape({"systemd-run", "--user", "--unit", "deploy", "-p", "MemoryMax=1G", "pm2", "restart", "all"}) ==
        "exec@6");
  CHECK(shape({"systemd-run", "--scope", "--uid=deploy", "pm2", "kill"}) == "exec@3");
  CHECK(shape({"systemd-run", "-H", "deploy@web", "pm2", "kill"}) == "exec@3 remote");
}

TEST_CASE("namespace, root and scheduling wrappers, builtin and node running pm2's bin", "[knowledge][wrapper]") {
  CHECK(shape({"chroot", "/srv/jail", "pm2", "kill"}) == "exec@2");
  CHECK(shape({"chroot", "--userspec", "app:app", "/srv/jail", "pm2", "kill"}) == "exec@4");
  CHECK(shape({"chroot", "/srv/jail"}) == "stdin-shell");
  CHECK(shape({"nsenter", "-t", "1234", "-m", "-u", "-p", "pm2", "kill"}) == "exec@6");
  CHECK(shape({"nsenter", "--target", "1", "--mount=/proc/1/ns/mnt", "-S", "1000", "pm2", "kill"}) == "exec@6");
  CHECK(shape({"nsenter", "-m/var/run/netns/mnt", "pm2", "kill"}) == "exec@2");  // optional value, attached
  CHECK(shape({"nsenter", "-a", "-t", "1"}) == "stdin-shell");
  CHECK(shape({"lxc", "exec", "web", "--", "pm2", "delete", "all"}) == "exec@4");
  CHECK(shape({"lxc", "exec", "web", "--user", "1000", "--env", "HOME=/home/app", "--", "pm2", "kill"}) ==
        "exec@8");
  CHECK(shape({"incus", "exec", "web", "pm2", "kill"}) == "exec@3");
  CHECK(shape({"lxc", "list"}) == "none");
  CHECK(shape({"chrt", "-f", "10", "pm2", "kill"}) == "exec@3");
  CHECK(shape({"chrt", "--other", "0", "pm2", "kill"}) == "exec@3");
  CHECK(shape({"chrt", "-b", "pm2", "kill"}) == "exec@2");
  CHECK(shape({"chrt", "-p", "10", "1234"}) == "not-a-call");
  CHECK(shape({"builtin", "command", "pm2", "kill"}) == "exec@1");
  CHECK(shape({"builtin", "echo", "pm2", "kill"}) == "none");
  CHECK(shape({"node", "./node_modules/.bin/pm2", "kill"}) == "exec@1");
  CHECK(shape({"node", "node_modules/pm2/bin/pm2", "kill"}) == "exec@1");
  CHECK(shape({"node", "--max-old-space-size=512", "-r", "dotenv/config", "/usr/lib/node_modules/pm2/bin/pm2",
               "kill"}) == "exec@4");
  CHECK(shape({"node", "./node_modules/.bin/pm2-dev"}) == "none");
  CHECK(shape({"node", "server.js"}) == "none");
}

TEST_CASE("filters whose pattern is only known at run time are unknown", "[knowledge][stage][dynamic]") {
  // An empty variable makes each of these match every line.
  CHECK(stage_of({{"grep", true}, {"", false}}) == std::string("unknown"));
  CHECK(stage_of({{"grep", true}, {"-E", true}, {"^", false}}) == std::string("unknown"));
  CHECK(stage_of({{"grep", true}, {"-e", true}, {"", false}}) == std::string("unknown"));
  CHECK(stage_of({{"grep", true}, {"-w", true}, {"\"name\":\"", false}}) == std::string("unknown"));
  CHECK(stage_of({{"grep", true}, {"-E", true}, {"web|", false}}) == std::string("unknown"));
  CHECK(stage_of({{"grep", true}, {"(web", false}}) == std::string("unknown"));
  // A known prefix that filters on its own still filters.
  CHECK(stage_of({{"grep", true}, {"web-", false}}) == std::string("filter"));
  CHECK(stage_of({{"grep", true}, {"-F", true}, {"web|", false}}) == std::string("filter"));
  // jq --arg bound to a run-time value, the environment, $ARGS.
  CHECK(stage_of({{"jq", true}, {"-r", true}, {"--arg", true}, {"p", true}, {"", false},
                  {".[] | select(.name | startswith($p)) | .name", true}}) == std::string("unknown"));
  CHECK(stage_of({{"jq", true}, {"--arg", true}, {"p", true}, {"", false},
                  {".[] | select(.name | test($p)) | .pm_id", true}}) == std::string("unknown"));
  CHECK(stage({"jq", "-r", ".[] | select(.name | contains(env.APP)) | .name"}) == std::string("unknown"));
  CHECK(stage({"jq", "-r", ".[] | select(.name | startswith($ENV.APP)) | .name"}) == std::string("unknown"));
  CHECK(stage({"jq", "-r", "--args", ".[] | select(.name | test($ARGS.positional[0])) | .name", "web"}) ==
        std::string("unknown"));
  // Equality with a run-time value matches no name when it is empty.
  CHECK(stage_of({{"jq", true}, {"--arg", true}, {"app", true}, {"", false},
                  {".[] | select(.name == $app) | .pm_id", true}}) == std::string("filter"));
  // Literal --arg values are read as the program would read them.
  CHECK(stage({"jq", "--arg", "p", "web-", ".[] | select(.name | startswith($p)) | .name"}) == std::string("filter"));
  CHECK(stage({"jq", "--arg", "p", "", ".[] | select(.name | startswith($p)) | .name"}) ==
        std::string("passthrough"));
  // .pm2_env is not the environment.
  CHECK(stage({"jq", ".[] | select(.pm2_env.namespace | startswith(\"ci\")) | .name"}) == std::string("filter"));
  // awk with a run-time pattern variable.
  CHECK(stage_of({{"awk", true}, {"-v", true}, {"p=", false}, {"$0 ~ p {print $2}", true}}) ==
        std::string("unknown"));
  CHECK(stage_of({{"awk", true}, {"-v", true}, {"p=", false}, {"match($2, p) {print $2}", true}}) ==
        std::string("unknown"));
  CHECK(stage_of({{"awk", true}, {"$2 ~ p {print $2}", true}, {"p=", false}}) == std::string("unknown"));
  CHECK(stage({"awk", "index($0, ENVIRON[\"APP\"]) {print $2}"}) == std::string("unknown"));
  CHECK(stage({"awk", "-v", "p=", "$2 ~ p {print $2}"}) == std::string("unknown"));
  CHECK(stage({"awk", "-v", "p=web", "$2 ~ p {print $2}"}) == std::string("filter"));
  CHECK(stage_of({{"awk", true}, {"-v", true}, {"p=", false}, {"$2 == p {print $2}", true}}) ==
        std::string("filter"));
  // sed with a run-time script.
  CHECK(stage_of({{"sed", true}, {"-n", true}, {"/", false}}) == std::string("unknown"));
  CHECK(stage_of({{"sed", true}, {"-n", true}, {"-e", true}, {"/", false}}) == std::string("unknown"));
}

TEST_CASE("grep of pm2 table columns other than the name does not filter", "[knowledge][stage]") {
  for (const char* word : {"online", "stopped", "errored", "launching", "stopping", "waiting", "one-launch-status",
                           "fork", "cluster", "fork_mode", "cluster_mode", "root", "mb", "MB", "%", "kb",
                           "waiting restart", "disabled"}) {
    INFO(word);
    CHECK(stage({"grep", word}) == std::string("passthrough"));
    CHECK(stage({"grep", "-w", word}) == std::string("passthrough"));
  }
  CHECK(stage({"grep", "-E", "errored|stopped"}) == std::string("passthrough"));
  CHECK(stage({"awk", "/errored/ {print $4}"}) == std::string("passthrough"));
  CHECK(stage({"grep", "web-errored"}) == std::string("filter"));
  CHECK(stage({"grep", "-E", "web|errored"}) == std::string("passthrough"));  // every errored process
  CHECK(stage({"grep", "rooted"}) == std::string("filter"));
}

TEST_CASE("patterns that match everything and negated tests do not filter", "[knowledge][stage]") {
  for (const char* prog : {
           ".[] | select(.name | startswith(\"\")) | .name",
           ".[] | select(.name | endswith(\"\")) | .name",
           ".[] | select(.name | contains(\"\")) | .name",
           ".[] | select(.name | test(\"\")) | .name",
           ".[] | select(.name | test(\".*\")) | .name",
           ".[] | select(.name | test(\"web|\")) | .name",
           ".[] | select(.name | test(\"^(web)?\")) | .name",
           ".[] | select(.name | startswith(\"web\") or startswith(\"\")) | .name",
           ".[] | select(.name | startswith(\"web\") | not) | .name",
           ".[] | select((.name | startswith(\"web\")) == false) | .name",
           ".[] | select((.name | test(\"^web\")) != true) | .name",
       }) {
    INFO(prog);
    CHECK(stage({"jq", "-r", prog}) == std::string("passthrough"));
  }
  for (const char* prog : {
           ".[] | select(.name | startswith(\"web\") and contains(\"\")) | .name",
           ".[] | select(.name | test(\"^web|^api\")) | .name",
           ".[] | select(.name | test(\"name\")) | .name",  // names containing "name"
           ".[] | select((.name | startswith(\"web\")) == true) | .name",
       }) {
    INFO(prog);
    CHECK(stage({"jq", "-r", prog}) == std::string("filter"));
  }
  CHECK(stage({"jq", "-r", ".[] | select(.name | test(\"\\\\bweb\")) | .name"}) == std::string("filter"));
  CHECK(stage({"jq", "-r", ".[] | select(.name | test(\"(?i)\")) | .name"}) == std::string("unknown"));

  CHECK(stage({"awk", "!/web/"}) == std::string("passthrough"));
  CHECK(stage({"awk", "!/web/ {print $2}"}) == std::string("passthrough"));
  CHECK(stage({"awk", "!/web/ && /api/ {print $2}"}) == std::string("filter"));
  CHECK(stage({"awk", "/web|/ {print $2}"}) == std::string("passthrough"));
  CHECK(stage({"awk", "$2 ~ /.*/ {print $2}"}) == std::string("passthrough"));
  CHECK(stage({"awk", "$2 ~ /^web/ {print $2}"}) == std::string("filter"));
  CHECK(stage({"awk", "$2 !~ /web/ {print $2}"}) == std::string("passthrough"));

  for (const std::vector<const char*>& g : std::vector<std::vector<const char*>>{
           {"grep", "-E", "web|"},
           {"grep", "web\\|"},
           {"grep", ""},
           {"grep", "."},
           {"grep", "-e", "web", "-e", ""},
           {"grep", "-E", "(web)?"},
           {"grep", "-E", "web*|x?"},
           {"grep", "w*"},
           {"grep", "^"},
           {"grep", "-E", "x{0,3}"},
           {"grep", "web\nx*"},
           {"egrep", "|web"},
           {"rg", "web|"},
       }) {
    std::vector<Arg> a;
    for (const char* w : g) a.push_back(Arg{w, true});
    INFO(g.back());
    CHECK(effect(classify_stage(a)) == std::string("passthrough"));
  }
  for (const std::vector<const char*>& g : std::vector<std::vector<const char*>>{
           {"grep", "web|"},  // BRE: a literal bar
           {"grep", "-F", "web|"},
           {"grep", "-E", "web\\|"},
           {"grep", "^$"},
           {"grep", "-E", "^ *$"},
           {"grep", "-e", "web", "-e", "api"},
           {"grep", "-E", "x{1,3}"},
           {"grep", "-E", "(web|api)-[0-9]+"},
           {"grep", "-x", "web|"},
           {"grep", "*web"},
       }) {
    std::vector<Arg> a;
    for (const char* w : g) a.push_back(Arg{w, true});
    INFO(g.back());
    CHECK(effect(classify_stage(a)) == std::string("filter"));
  }
  // Word boundaries and back-references: not judged.
  CHECK(stage({"grep", "-P", "web|(?=x)"}) == std::string("unknown"));
  CHECK(stage({"grep", "-E", "(\\bweb)*|api"}) == std::string("unknown"));
  CHECK(stage({"grep", "-w", "-E", "web|"}) == std::string("unknown"));

  CHECK(stage({"sed", "-n", "/web\\|/p"}) == std::string("passthrough"));
  CHECK(stage({"sed", "-nE", "/web|/p"}) == std::string("passthrough"));
  CHECK(stage({"sed", "-n", "/web|/p"}) == std::string("filter"));
}

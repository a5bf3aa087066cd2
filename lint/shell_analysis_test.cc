// The shell stage, end to end on scripts: which lines produce which rules.
#include "shell_analysis.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lint.h"

using namespace pm2guard;
using namespace pm2guard::lint;

namespace {

// "line:rule" for every finding of a shell script.
std::vector<std::string> findings(const std::string& script) {
  LintOptions opts;
  FileReport r = lint_source(SourceFile::from_string("test.sh", script), InputKind::Shell, opts);
  std::vector<std::string> out;
  for (const LintFinding& f : r.findings) out.push_back(std::to_string(f.range.line) + ":" + f.rule);
  return out;
}

std::vector<Invocation> invocations(const std::string& script) {
  struct Sink : ShellSink {
    std::vector<Invocation> calls;
    void invocation(const Invocation& inv, const Pm2Call&) override { calls.push_back(inv); }
    void parse_problem(const SourceRange&, const std::string&) override {}
  } sink;
  SourceFile f = SourceFile::from_string("test.sh", script);
  ScriptUnit unit;
  unit.text = MappedText::verbatim(f.text, 0);
  analyse_script(f, unit, sink);
  return sink.calls;
}

using L = std::vector<std::string>;

}  // namespace

TEST_CASE("direct calls and their look-alikes", "[shell]") {
  CHECK(findings("pm2 delete all\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete allocation-service\n").empty());
  CHECK(findings("# pm2 delete all\n#pm2 stop all > /dev/null 2>&1\n").empty());
  CHECK(findings("echo \"pm2 delete all\"\necho '  pm2 reload all   # or ...'\nprintf 'pm2 kill\\n'\n").empty());
  CHECK(findings("grep 'pm2 delete all' notes.txt\n").empty());
  CHECK(findings("npm i -g pm2\nyarn global add pm2\ncommand -v pm2\nwhich pm2\ntype pm2\n").empty());
  CHECK(findings("docker pull keymetrics/pm2:18-bullseye\ncat pm2Delete.txt\n").empty());
  CHECK(findings("pm2 reset api\npm2 describe all\npm2 logs all --lines 20\npm2 flush all\n").empty());
  CHECK(findings("pm2 reset all\n") == L{"1:target-all"});
  CHECK(findings("pm2 kill || true\n") == L{"1:daemon-teardown"});
  CHECK(findings("pm2 delete all 2>/dev/null || true\n") == L{"1:target-all"});
  CHECK(findings("(pm2 delete x || pm2 delete all)\n") == L{"1:target-all"});
  CHECK(findings("if true; then\n  pm2 stop all\nfi\n") == L{"2:target-all"});
  CHECK(findings("case $1 in\n  down) pm2 kill ;;\nesac\n") == L{"2:daemon-teardown"});
  CHECK(findings("while false; do pm2 restart all; done\n") == L{"1:target-all"});
  CHECK(findings("x=$(pm2 delete all)\n") == L{"1:target-all"});
  CHECK(findings("echo `pm2 kill`\n") == L{"1:daemon-teardown"});
  CHECK(findings("[ -n \"$(pm2 stop all)\" ]\n") == L{"1:target-all"});
}

TEST_CASE("quoting, escapes and constants", "[shell]") {
  CHECK(findings("pm2 delete 'all'\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete \"all\"\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete a''ll\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete \\all\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete $'all'\n") == L{"1:target-all"});
  CHECK(findings("X=all\npm2 restart $X\n") == L{"2:target-all"});
  CHECK(findings("X=all\npm2 restart \"${X}\"\n") == L{"2:target-all"});
  CHECK(findings("export T=all\npm2 stop $T\n") == L{"2:target-all"});
  CHECK(findings("APPS=\"api all\"\npm2 delete $APPS\n") == L{"2:target-all"});
  CHECK(findings("APPS=\"api all\"\npm2 delete \"$APPS\"\n").empty());  // one word: "api all"
  CHECK(findings("ARR=(api all)\npm2 delete \"${ARR[@]}\"\n") == L{"2:target-all"});
  CHECK(findings("X=api\nX=all\npm2 delete $X\n") == L{"3:target-all"});
  CHECK(findings("pm2 delete $APP\n") == L{"1:dynamic-target"});
  CHECK(findings("pm2 delete ${APP:-all}\n") == L{"1:target-all"});
  CHECK(findings("APP=web\npm2 delete ${APP:-all}\n").empty());
  CHECK(findings("pm2 delete \"$APP-worker\"\n").empty());
  CHECK(findings("X=$(echo all)\npm2 delete $X\n") == L{"2:target-all"});
}

TEST_CASE("wrappers in front of pm2", "[shell]") {
  for (const char* line :
       {"sudo pm2 delete all", "sudo -u deploy pm2 delete all", "sudo -E -H -u deploy -- pm2 delete all",
        "env pm2 delete all", "env -i PATH=/usr/bin HOME=/h pm2 delete all", "NODE_ENV=prod pm2 delete all",
        "npx pm2 delete all", "npx --yes pm2@5.3.0 delete all", "npm exec -- pm2 delete all", "yarn pm2 delete all",
        "pnpm exec pm2 delete all", "timeout 30 pm2 delete all", "timeout -s KILL 5m pm2 delete all",
        "nohup pm2 delete all", "nice -n 10 pm2 delete all", "command pm2 delete all", "exec pm2 delete all",
        "time pm2 delete all", "/usr/local/bin/pm2 delete all", "./node_modules/.bin/pm2 delete all",
        "sudo env X=1 timeout 5 nohup pm2 delete all", "pm2 --no-color delete all", "pm2 -s delete all",
        "node /usr/lib/node_modules/pm2/bin/pm2 delete all", "$PM2 delete all", "${PM2_BIN} delete all",
        "/home/$USER/.npm-global/bin/pm2 delete all", "doas pm2 delete all", "stdbuf -oL pm2 delete all",
        "docker exec app pm2 delete all", "docker compose exec -T web pm2 delete all",
        "kubectl exec -it pod -- pm2 delete all", "flock /tmp/l pm2 delete all", "setsid pm2 delete all"}) {
    INFO(line);
    CHECK(findings(std::string(line) + "\n") == L{"1:target-all"});
  }
  CHECK(findings("PM2=$(which pm2)\n$PM2 stop all\n") == L{"2:target-all"});
  CHECK(findings("P=\"pm2 delete\"\n$P all\n") == L{"2:target-all"});
  CHECK(findings("CMD=(pm2 delete all)\n\"${CMD[@]}\"\n") == L{"2:target-all"});
  CHECK(findings("$(echo pm2) delete all\n") == L{"1:target-all"});
  CHECK(findings("alias p='pm2 delete'\np all\n") == L{"2:target-all"});
  CHECK(findings("alias down='pm2 kill'\ndown\n") == L{"1:daemon-teardown"});  // the word is in the alias
  CHECK(findings("sudo -l pm2\nsudo -v\n").empty());
  CHECK(findings("command -v pm2 && pm2 ls\n").empty());
}

TEST_CASE("nested shells are parsed again with positions in the file", "[shell]") {
  CHECK(findings("bash -c 'pm2 delete all'\n") == L{"1:target-all"});
  CHECK(findings("sh -c \"pm2 stop all\"\n") == L{"1:target-all"});
  CHECK(findings("bash -lc 'cd /app && pm2 kill'\n") == L{"1:daemon-teardown"});
  CHECK(findings("eval \"pm2 delete all\"\n") == L{"1:target-all"});
  CHECK(findings("eval pm2 delete all\n") == L{"1:target-all"});
  CHECK(findings("su deploy -c 'pm2 delete all'\n") == L{"1:target-all"});
  CHECK(findings("su -c \"pm2 delete all\" deploy\n") == L{"1:target-all"});
  CHECK(findings("sudo su - deploy -c 'pm2 delete all'\n") == L{"1:target-all"});
  CHECK(findings("sudo -u deploy bash -c 'pm2 delete all'\n") == L{"1:target-all"});
  CHECK(findings("ssh deploy@host 'pm2 delete all'\n") == L{"1:target-all"});
  CHECK(findings("ssh -i key -p 2222 -o StrictHostKeyChecking=no host \"cd /srv && pm2 stop all\"\n") ==
        L{"1:target-all"});
  CHECK(findings("ssh host pm2 delete all\n") == L{"1:target-all"});
  CHECK(findings("ssh -tt host 'sudo -i -u root bash -c \"pm2 delete all\"'\n") == L{"1:target-all"});
  CHECK(findings("sshpass -p x ssh host 'pm2 kill'\n") == L{"1:daemon-teardown"});
  CHECK(findings("ssh host \"export X=1 && \\\n  pm2 restart all\"\n") == L{"2:target-all"});
  CHECK(findings("X=all\nssh host \"pm2 delete $X\"\n") == L{"2:target-all"});
  CHECK(findings("ssh host \"pm2 delete \\$APP\"\n") == L{"1:dynamic-target"});
  CHECK(findings("ssh host 'echo pm2 delete all'\n").empty());

  // Positions: the `all` inside the nested string, in file coordinates.
  auto calls = invocations("  ssh host 'cd /a && pm2 delete all'\n");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].args.at(1).range.line == 1);
  CHECK(calls[0].args.at(1).range.col == 33);
  CHECK(calls[0].via == std::vector<std::string>{"ssh"});
}

TEST_CASE("heredocs: scripts for shells, data for everything else", "[shell]") {
  CHECK(findings("ssh host <<'EOF'\n  pm2 delete all\nEOF\n") == L{"2:target-all"});
  CHECK(findings("ssh host <<EOF\npm2 kill\nEOF\n") == L{"2:daemon-teardown"});
  CHECK(findings("ssh host bash <<EOF\npm2 kill\nEOF\n") == L{"2:daemon-teardown"});
  CHECK(findings("ssh host 'bash -s' <<'EOF'\npm2 kill\nEOF\n") == L{"2:daemon-teardown"});
  CHECK(findings("bash <<EOF\npm2 kill\nEOF\n") == L{"2:daemon-teardown"});
  CHECK(findings("sudo -u deploy bash <<EOF\npm2 kill\nEOF\n") == L{"2:daemon-teardown"});
  CHECK(findings("cat <<'EOF' | ssh host bash\npm2 delete all\nEOF\n") == L{"2:target-all"});
  CHECK(findings("ssh host <<-EOF\n\tpm2 stop all\n\tEOF\n") == L{"2:target-all"});
  CHECK(findings("ssh a <<'OUT'\n  ssh b <<'IN'\n    pm2 kill\nIN\nOUT\n") == L{"3:daemon-teardown"});
  // Data.
  CHECK(findings("cat > notes.txt <<EOF\npm2 delete all\nEOF\n").empty());
  CHECK(findings("cat <<EOF\npm2 delete all\nEOF\n").empty());
  CHECK(findings("ssh host 'cat > /tmp/x.txt' <<EOF\npm2 kill\nEOF\n").empty());
  CHECK(findings("tee README <<EOF\npm2 kill\nEOF\n").empty());
  // A heredoc written to a script that is run later is a script.
  CHECK(findings("cat > deploy.sh <<'EOF'\npm2 delete all\nEOF\nbash deploy.sh\n") == L{"2:target-all"});
  CHECK(findings("cat > /tmp/d.sh <<'EOF'\npm2 kill\nEOF\nscp /tmp/d.sh h:/tmp/\nssh h 'bash /tmp/d.sh'\n") ==
        L{"2:daemon-teardown"});
  // A systemd unit's Exec lines are commands.
  CHECK(findings("cat > /etc/systemd/system/app.service <<EOF\n[Service]\nExecStop=/usr/bin/pm2 stop all\nEOF\n") ==
        L{"3:target-all"});
  // Unquoted heredocs expand locally.
  CHECK(findings("T=all\nssh host <<EOF\npm2 delete $T\nEOF\n") == L{"3:target-all"});
  CHECK(findings("echo 'pm2 delete all' | ssh host\n") == L{"1:target-all"});
  CHECK(findings("echo 'pm2 delete all' | bash\n") == L{"1:target-all"});
}

TEST_CASE("functions are checked where they are called", "[shell]") {
  CHECK(findings("run_pm2() { sudo su deploy -c \"pm2 $*\"; }\nrun_pm2 delete all\n") == L{"2:target-all"});
  CHECK(findings("p() { pm2 \"$@\"; }\np stop api\np stop all\n") == L{"3:target-all"});
  CHECK(findings("function down {\n  pm2 kill\n}\n") == L{"2:daemon-teardown"});  // never called: still checked
  CHECK(findings("f() { pm2 delete \"$1\"; }\nf api\n").empty());
  CHECK(findings("f() { pm2 delete \"$1\"; }\n") == L{"1:dynamic-target"});
  CHECK(findings("f() { f; pm2 delete all; }\nf\n") == L{"1:target-all"});  // recursion is bounded
}

TEST_CASE("loops over known values", "[shell]") {
  CHECK(findings("for app in api worker all; do\n  pm2 delete \"$app\"\ndone\n") == L{"2:target-all"});
  CHECK(findings("for app in api worker; do\n  pm2 delete \"$app\"\ndone\n").empty());
  CHECK(findings("while read -r app; do pm2 delete \"$app\"; done <<EOF\napi\nall\nEOF\n") == L{"1:target-all"});
  CHECK(findings("for app in $APPS; do pm2 delete $app; done\n") == L{"1:dynamic-target"});
}

TEST_CASE("targets from a process listing", "[shell]") {
  L unfiltered{"1:unfiltered-listing-target"};
  for (const char* line : {
           "pm2 jlist | jq -r '.[].name' | xargs pm2 delete",
           "pm2 jlist | jq -r '.[] | .name' | xargs -r -n1 pm2 delete",
           "pm2 ls | awk '{print $2}' | xargs pm2 stop",
           "pm2 jlist | grep -o '\"name\":\"[^\"]*\"' | cut -d'\"' -f4 | xargs pm2 delete",
           "pm2 id | xargs pm2 delete",
           "pm2 jlist | jq -r '.[].name' | xargs -I{} pm2 delete {}",
           "pm2 jlist | jq -r '.[].name' | xargs -I % sh -c 'pm2 delete %'",
           "pm2 jlist | jq -r '.[].name' | xargs sh -c 'pm2 delete \"$1\"' _",
           "for p in $(pm2 jlist | jq -r '.[].name'); do pm2 delete \"$p\"; done",
           "for p in `pm2 jlist | jq -r '.[].name'`; do pm2 delete $p; done",
           "pm2 jlist | jq -r '.[].name' | while read -r n; do pm2 stop \"$n\"; done",
           "while read -r n; do pm2 delete \"$n\"; done < <(pm2 jlist | jq -r '.[].name')",
           "pm2 delete $(pm2 jlist | jq -r '.[].name')",
           "pm2 ls | grep -v api | awk '{print $4}' | xargs pm2 delete",
           "pm2 jlist | jq -r '.[] | select(.name != \"api\") | .name' | xargs pm2 delete",
       }) {
    INFO(line);
    CHECK(findings(std::string(line) + "\n") == unfiltered);
  }
  CHECK(findings("NAMES=$(pm2 jlist | jq -r '.[].name')\nfor n in $NAMES; do pm2 delete $n; done\n") ==
        L{"2:unfiltered-listing-target"});
  CHECK(findings("mapfile -t a < <(pm2 jlist | jq -r '.[].name')\nfor n in \"${a[@]}\"; do pm2 stop $n; done\n") ==
        L{"2:unfiltered-listing-target"});
  CHECK(findings("pm2 jlist > /tmp/p.json\njq -r '.[].name' /tmp/p.json | xargs pm2 delete\n") ==
        L{"2:unfiltered-listing-target"});
  CHECK(findings("LIST=$(pm2 jlist)\necho \"$LIST\" | jq -r '.[].name' | xargs pm2 delete\n") ==
        L{"2:unfiltered-listing-target"});
  // Filtered: silent.
  for (const char* line : {
           "pm2 jlist | jq -r '.[] | select(.name | startswith(\"web-\")) | .name' | xargs pm2 delete",
           "pm2 ls | grep web- | awk '{print $4}' | xargs pm2 delete",
           "pm2 jlist | jq -r '.[].name' | grep '^web-' | xargs pm2 delete",
           "pm2 ls | awk '/web-/ {print $4}' | xargs pm2 stop",
           "pm2 jlist | jq -r '.[].name' | sed -n '/^web-/p' | xargs pm2 delete",
           "pm2 jlist | node -e \"const l=JSON.parse(require('fs').readFileSync(0));l.filter(p=>p.name.startsWith('web-')).forEach(p=>console.log(p.pm_id))\" | xargs pm2 delete",
           "for p in $(pm2 jlist | jq -r '.[].name' | grep web); do pm2 delete $p; done",
           "echo \"$(pm2 list | grep x)\"",
           "pm2 jlist | jq length",
       }) {
    INFO(line);
    CHECK(findings(std::string(line) + "\n").empty());
  }
  CHECK(findings("cat names.txt | xargs pm2 delete\n") == L{"1:dynamic-target"});
}

TEST_CASE("CI expressions are dynamic values", "[shell]") {
  CHECK(findings("pm2 delete ${{ inputs.app }}\n") == L{"1:dynamic-target"});
  CHECK(findings("pm2 delete \"${{ inputs.app }}\"\n") == L{"1:dynamic-target"});
  CHECK(findings("pm2 delete '${{ inputs.app }}'\n") == L{"1:dynamic-target"});
  CHECK(findings("pm2 restart ${{ github.event_name == 'push' && 'web' || 'all' }}\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete ${{ env.APP }}-worker\n").empty());
  CHECK(findings("ssh host 'pm2 delete ${{ inputs.app }}'\n") == L{"1:dynamic-target"});
  CHECK(findings("echo ${{ secrets.X }}\npm2 ${{ inputs.cmd }} api\n") == L{"2:dynamic-target"});
  auto calls = invocations("pm2 delete '${{ inputs.app }}'\n");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].args.at(1).text == "${{ inputs.app }}");
  CHECK(calls[0].args.at(1).origin == Origin::Expression);
}

TEST_CASE("regexes and hidden forms through the shell", "[shell]") {
  CHECK(findings("pm2 delete /*/\n") == L{"1:regex-matches-all"});
  CHECK(findings("pm2 stop '/.*/'\n") == L{"1:regex-matches-all"});
  CHECK(findings("pm2 stop /srv/app/index.js\n").empty());
  CHECK(findings("pm2 delete /^Staging_Main/\n").empty());
  CHECK(findings("pm2 start all\n") == L{"1:target-all"});
  CHECK(findings("pm2 set all:foo bar\n") == L{"1:target-all"});
  CHECK(findings("pm2 sendSignal SIGUSR2 all\n") == L{"1:target-all"});
  CHECK(findings("pm2 start ecosystem.config.js --only api\npm2 start npm --name npm -- start\n").empty());
  CHECK(findings("pm2 update\npm2 unstartup systemd\n") == L{"1:daemon-teardown", "2:daemon-teardown"});
}

TEST_CASE("shell syntax the grammar cannot read is reported, the rest still checked", "[shell]") {
  L f = findings("pm2 delete all\nif then fi (\npm2 kill\n");
  CHECK(std::count(f.begin(), f.end(), "1:target-all") == 1);
  CHECK(std::any_of(f.begin(), f.end(), [](const std::string& s) { return s.find("shell-parse-error") != std::string::npos; }));
  // A newline after a multi-stage pipeline ends the command even when a
  // later line has a redirect (tree-sitter-bash merges them otherwise).
  CHECK(findings("a | b x | c\nd <f\nssh host <<X\npm2 kill\nX\n") == L{"4:daemon-teardown"});
  CHECK(findings("pm2 jlist | jq -r '.[].name' | xargs pm2 delete\ncat > f <<EOF\nx\nEOF\n") ==
        L{"1:unfiltered-listing-target"});
}

TEST_CASE("CRLF scripts and suppressions", "[shell]") {
  CHECK(findings("pm2 ls\r\npm2 delete all\r\n") == L{"2:target-all"});
  CHECK(findings("pm2 delete all  # pm2guard disable=target-all\n").empty());
  CHECK(findings("pm2 kill  # pm2guard disable=daemon-teardown: nothing else runs here\n").empty());
  CHECK(findings("# pm2guard disable=target-all,daemon-teardown\npm2 delete all\n").empty());
  CHECK(findings("# pm2guard disable=daemon-teardown\npm2 delete all\n") == L{"2:target-all"});
  CHECK(findings("echo 'pm2guard disable=target-all'; pm2 delete all\n") == L{"1:target-all"});
}

TEST_CASE("subshells, pipeline stages and substitutions keep their assignments", "[shell][scope]") {
  // Assignments inside a subshell do not reach the parent...
  CHECK(findings("X=web\n( X=all )\npm2 delete $X\n").empty());
  CHECK(findings("X=web\n(X=all; true)\npm2 delete \"$X\"\n").empty());
  CHECK(findings("X=web\necho hi | X=all\npm2 delete $X\n").empty());
  CHECK(findings("X=web\nX=all | cat\npm2 delete $X\n").empty());
  CHECK(findings("X=web\nprintf 'a\\n' | while read -r X; do :; done\npm2 stop $X\n").empty());
  CHECK(findings("X=web\nY=$(X=all; echo y)\npm2 delete $X\n").empty());
  CHECK(findings("X=web\nY=`X=all`\npm2 delete $X\n").empty());
  CHECK(findings("X=web\ncat <(X=all)\npm2 delete $X\n").empty());
  CHECK(findings("X=web\nwhile read -r l; do :; done < <(X=all)\npm2 delete $X\n").empty());
  CHECK(findings("X=web\ncat <<EOF | X=all\nx\nEOF\npm2 delete $X\n").empty());
  CHECK(findings("X=web\nif [ \"$(X=all)\" ]; then :; fi\npm2 delete $X\n").empty());
  // ...but they count inside it, and a brace group is no subshell.
  CHECK(findings("( X=all; pm2 delete $X )\n") == L{"1:target-all"});
  CHECK(findings("echo | { X=all; pm2 delete $X; }\n") == L{"1:target-all"});
  CHECK(findings("Y=$(X=all; pm2 delete $X)\n") == L{"1:target-all"});
  CHECK(findings("X=web\n{ X=all; }\npm2 delete $X\n") == L{"3:target-all"});
  CHECK(findings("X=web\n( pm2 delete $X )\n").empty());
  CHECK(findings("X=all\n( pm2 delete $X )\n") == L{"2:target-all"});
}

TEST_CASE("child shells see exported variables only, remote shells none", "[shell][scope]") {
  // A new local shell: only the environment crosses.
  CHECK(findings("X=all\nbash -c 'pm2 delete $X'\n") == L{"2:dynamic-target"});
  CHECK(findings("export X=all\nbash -c 'pm2 delete $X'\n") == L{"2:target-all"});
  CHECK(findings("X=all\nexport X\nsh -c 'pm2 delete \"$X\"'\n") == L{"3:target-all"});
  CHECK(findings("declare -x X=all\nsh -c 'pm2 delete $X'\n") == L{"2:target-all"});
  CHECK(findings("export X=all\nexport -n X\nsh -c 'pm2 delete $X'\n") == L{"3:dynamic-target"});
  CHECK(findings("declare -x X=web\nX=all\nsh -c 'pm2 delete $X'\n") == L{"3:target-all"});  // stays exported
  CHECK(findings("set -a\nX=all\nsh -c 'pm2 delete $X'\n") == L{"3:target-all"});
  CHECK(findings("set -a\nset +a\nX=all\nsh -c 'pm2 delete $X'\n") == L{"4:dynamic-target"});
  CHECK(findings("X=all bash -c 'pm2 delete $X'\n") == L{"1:target-all"});
  CHECK(findings("env X=all bash -c 'pm2 delete $X'\n") == L{"1:target-all"});
  CHECK(findings("X=all\nbash -c \"pm2 delete $X\"\n") == L{"2:target-all"});  // expanded by this shell
  CHECK(findings("X=all\nbash <<'EOF'\npm2 delete $X\nEOF\n") == L{"3:dynamic-target"});
  CHECK(findings("X=all\nbash <<EOF\npm2 delete $X\nEOF\n") == L{"3:target-all"});
  CHECK(findings("X=all\necho 'pm2 delete $X' | sh\n") == L{"2:dynamic-target"});
  // What a child assigns stays in the child.
  CHECK(findings("X=web\nbash -c 'X=all'\npm2 delete $X\n").empty());
  CHECK(findings("X=web\nbash -c 'export X=all'\npm2 delete $X\n").empty());
  // eval and source run in this shell.
  CHECK(findings("X=all\neval 'pm2 delete $X'\n") == L{"2:target-all"});
  CHECK(findings("eval 'X=all'\npm2 delete $X\n") == L{"2:target-all"});
  // A script written earlier: `bash f` is a child, `. f` and `source f` are not.
  const std::string written = "X=all\ncat > run.sh <<'EOF'\npm2 delete $X\nEOF\n";
  CHECK(findings(written + "bash run.sh\n") == L{"3:dynamic-target"});
  CHECK(findings("export " + written + "bash run.sh\n") == L{"3:target-all"});
  CHECK(findings(written + ". ./run.sh\n") == L{"3:target-all"});
  CHECK(findings(written + "source run.sh\n") == L{"3:target-all"});
  // ssh: a single-quoted command is expanded by the remote shell, in its own
  // environment; a double-quoted one by this shell first.
  CHECK(findings("X=all\nssh host 'pm2 delete $X'\n") == L{"2:dynamic-target"});
  CHECK(findings("export X=all\nssh host 'pm2 delete $X'\n") == L{"2:dynamic-target"});
  CHECK(findings("X=all\nssh host \"pm2 delete $X\"\n") == L{"2:target-all"});
  CHECK(findings("X=all\nssh host \"pm2 delete \\$X\"\n") == L{"2:dynamic-target"});
  CHECK(findings("X=all\nssh host <<'EOF'\npm2 delete $X\nEOF\n") == L{"3:dynamic-target"});
  CHECK(findings("X=all\nssh host <<EOF\npm2 delete $X\nEOF\n") == L{"3:target-all"});
  CHECK(findings("ssh host 'X=all; pm2 delete $X'\n") == L{"1:target-all"});
  CHECK(findings("ssh host 'export X=all; bash -c \"pm2 delete \\$X\"'\n") == L{"1:target-all"});
}

TEST_CASE("a listing through a stage of unknown effect is a run-time target", "[shell][listing]") {
  for (const char* line : {
           "pm2 jlist | my-selector | xargs pm2 delete",
           "pm2 jlist | jq -r '.[].name' | ./pick-apps.sh | xargs -r pm2 stop",
           "pm2 jlist | jq -r '.[].name' | sort | python3 pick.py | xargs pm2 delete",
           "pm2 jlist | my-selector | while read -r n; do pm2 delete \"$n\"; done",
           "for n in $(pm2 jlist | my-selector); do pm2 delete \"$n\"; done",
           "pm2 delete $(pm2 jlist | my-selector)",
       }) {
    INFO(line);
    CHECK(findings(std::string(line) + "\n") == L{"1:dynamic-target"});
  }
  // A known filter after the unknown stage narrows the list again.
  CHECK(findings("pm2 jlist | my-selector | grep '^web-' | xargs pm2 delete\n").empty());
  // An unknown stage does not hide an unfiltered listing merged in elsewhere.
  CHECK(findings("pm2 jlist | jq -r '.[].name' | xargs pm2 delete\n") == L{"1:unfiltered-listing-target"});
  auto calls = invocations("pm2 jlist | my-selector | xargs pm2 delete\n");
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].args.back().listing == Listing::Unknown);
}

TEST_CASE("a variable set on one path only may hold that value", "[shell][paths]") {
  CHECK(findings("if [ \"$X\" ]; then T=all; else T=web; fi\npm2 delete \"$T\"\n") == L{"2:target-all"});
  CHECK(findings("if [ \"$X\" ]; then T=web; elif [ \"$Y\" ]; then T=all; fi\npm2 delete $T\n") == L{"2:target-all"});
  CHECK(findings("T=web\n[ -n \"$Z\" ] || T=all\npm2 delete $T\n") == L{"3:target-all"});
  CHECK(findings("T=web\ntest \"$Z\" && T=/.*/\npm2 delete $T\n") == L{"3:regex-matches-all"});
  CHECK(findings("case \"$1\" in\n  prod) T=all ;;\n  *) T=api ;;\nesac\npm2 stop $T\n") == L{"5:target-all"});
  CHECK(findings("while read x; do T=all; done\npm2 stop $T\n") == L{"2:target-all"});
  CHECK(findings("for x in $LIST; do T=all; done\npm2 stop $T\n") == L{"2:target-all"});
  CHECK(findings("if [ \"$X\" ]; then T=all; fi\nf() { pm2 stop \"$1\"; }\nf \"$T\"\n") == L{"3:target-all"});
}

TEST_CASE("a variable every path sets to a known name is explicit", "[shell][paths]") {
  CHECK(findings("case \"$1\" in\n  prod) T=api ;;\n  *) T=api-dev ;;\nesac\npm2 stop $T\n").empty());
  CHECK(findings("if [ \"$X\" ]; then T=api; else T=web; fi\npm2 delete \"$T\"\n").empty());
  CHECK(findings("if true; then T=api; else T=api; fi\npm2 delete all-$T\n").empty());
  // Without a catch-all branch the variable may keep a value of unknown
  // origin: only known at run time.
  CHECK(findings("case \"$1\" in\n  prod) T=api ;;\nesac\npm2 stop $T\n") == L{"4:dynamic-target"});
  // Branches that agree leave a constant.
  CHECK(findings("if [ \"$X\" ]; then T=all; else T=all; fi\npm2 delete $T\n") == L{"2:target-all"});
  // A subshell's branch assignments stay in the subshell.
  CHECK(findings("T=web\n( if [ \"$X\" ]; then T=all; fi )\npm2 delete $T\n").empty());
}

TEST_CASE("defaults and alternatives of an expansion are possible values", "[shell][paths]") {
  CHECK(findings("pm2 delete \"${APP:-all}\"\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete ${APP-'all'}\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete ${APP:=all}\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete ${APP:+all}\n") == L{"1:target-all"});
  CHECK(findings("APP=web\npm2 delete ${APP:+all}\n") == L{"2:target-all"});
  CHECK(findings("APP=web\npm2 delete ${APP:-all}\n").empty());
  CHECK(findings("pm2 delete ${APP:-web}\n") == L{"1:dynamic-target"});
  CHECK(findings("pm2 delete \"app-${ENV:-all}\"\n").empty());
  CHECK(findings("f() { pm2 stop \"${1:-all}\"; }\nf web\n").empty());
  CHECK(findings("f() { pm2 stop \"${1:-all}\"; }\nf\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete \"${APP:-/.*/}\"\n") == L{"1:regex-matches-all"});
}

TEST_CASE("a command word set on some path is each of its values", "[shell][paths]") {
  CHECK(findings("if command -v pm2; then P=pm2; else P=\"npx pm2\"; fi\n$P delete all\n") == L{"2:target-all"});
  CHECK(findings("if [ \"$A\" ]; then RUN=pm2; else RUN=echo; fi\n$RUN kill\n") == L{"2:daemon-teardown"});
  CHECK(findings("if [ \"$A\" ]; then RUN=cat; else RUN=echo; fi\n$RUN kill\n").empty());
  CHECK(findings("case $1 in\n  clean) A=delete ;;\n  *) A=describe ;;\nesac\npm2 $A all\n") == L{"5:target-all"});
  CHECK(findings("case $1 in\n  clean) A=logs ;;\n  *) A=describe ;;\nesac\npm2 $A all\n").empty());
  // A may also hold a value from outside: that command stays unknown.
  CHECK(findings("if [ \"$A\" ]; then A=delete; fi\npm2 $A all\n") == L{"2:dynamic-target", "2:target-all"});
}

TEST_CASE("CI expressions with a literal alternative may be that literal", "[shell][paths]") {
  CHECK(findings("pm2 delete ${{ inputs.app || 'all' }}\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete ${{ inputs.app || 'web' }}\n") == L{"1:dynamic-target"});
  CHECK(findings("pm2 delete ${{ inputs.app == 'all' && 'x' || 'web' }}\n") == L{"1:dynamic-target"});
  CHECK(findings("ssh host \"pm2 delete ${{ inputs.app || 'all' }}\"\n") == L{"1:target-all"});
}

TEST_CASE("xargs over a known input runs with its words", "[shell][streams]") {
  CHECK(findings("echo all | xargs pm2 delete\n") == L{"1:target-all"});
  CHECK(findings("printf 'all\\n' | xargs -n1 pm2 stop\n") == L{"1:target-all"});
  CHECK(findings("echo \"web 'all'\" | xargs pm2 stop\n") == L{"1:target-all"});
  CHECK(findings("echo web api | xargs pm2 delete\n").empty());
  CHECK(findings("echo all | xargs -I{} pm2 restart {}\n") == L{"1:target-all"});
  CHECK(findings("printf 'api\\nall\\n' | xargs -I % sh -c 'pm2 restart %'\n") == L{"1:target-all"});
  CHECK(findings("printf 'api\\nweb\\n' | xargs -I % pm2 restart %\n").empty());
  // Items that are not blank-separated words stay unknown.
  CHECK(findings("echo all | xargs -0 pm2 stop\n") == L{"1:dynamic-target"});
  CHECK(findings("echo \"$APP\" | xargs pm2 stop\n") == L{"1:dynamic-target"});
}

TEST_CASE("printf and echo -e output as the shell reading it sees it", "[shell][streams]") {
  CHECK(findings("printf 'pm2 delete all\\n' | bash\n") == L{"1:target-all"});
  CHECK(findings("printf '%s\\n' 'pm2 stop all' | sh\n") == L{"1:target-all"});
  CHECK(findings("printf '%s %s\\n' pm2 kill | bash\n") == L{"1:daemon-teardown"});
  CHECK(findings("printf 'pm2 stop \\x61ll\\n' | bash\n") == L{"1:target-all"});
  CHECK(findings("printf 'pm2 stop \\141ll\\n' | bash\n") == L{"1:target-all"});
  CHECK(findings("echo -e \"pm2 reload all\\\\nexit\" | bash\n") == L{"1:target-all"});
  CHECK(findings("printf '%s\\n' all web | while read n; do pm2 delete \"$n\"; done\n") == L{"1:target-all"});
  CHECK(findings("printf '%s\\n' api web | while read n; do pm2 delete \"$n\"; done\n").empty());
  // \c ends the output of %b and echo -e, not of a format; text that is
  // only printed stays data.
  CHECK(findings("printf '%b' 'pm2 stop api\\c; pm2 kill' | bash\n").empty());
  CHECK(findings("echo -e 'pm2 stop api\\c; pm2 kill' | bash\n").empty());
  CHECK(findings("printf 'pm2 stop api\\c; pm2 kill' | bash\n") == L{"1:daemon-teardown"});
  CHECK(findings("printf 'pm2 kill\\n'\necho -e 'pm2 delete all'\n").empty());
}

TEST_CASE("ANSI-C quoting reads as bash 5 reads it", "[shell][words][escapes]") {
  // \u and \U with four/eight digits or fewer, \x, octal, \c: all `all`.
  for (const char* word : {"$'\\u0061ll'", "$'\\u61ll'", "$'\\U00000061ll'", "$'\\U61\\u6c\\x6c'", "$'\\x61ll'",
                           "$'\\x{61}ll'", "$'\\141ll'", "$'a\\154\\154'", "$'\\u0061\\u006C\\u006c'"}) {
    INFO(word);
    CHECK(findings(std::string("pm2 delete ") + word + "\n") == L{"1:target-all"});
  }
  // What bash does not decode stays: `\q`, `\x`, `\u` without digits.
  CHECK(findings("pm2 delete $'\\all'\n").empty());   // `\all`
  CHECK(findings("pm2 delete $'\\uall'\n").empty());  // `\uall`
  CHECK(findings("pm2 delete $'\\xall'\n").empty());  // \xa and `ll`
  // A NUL ends the string: `$'all\0x'` is `all`, `$'al\x00l'` is `al`.
  CHECK(findings("pm2 delete $'all\\0x'\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete $'all\\x00x'\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete $'all\\u0000x'\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete $'al\\x00l'\n").empty());
  // \c: a control character; `$'\c'` alone stays.
  CHECK(findings("pm2 delete $'all\\c@x'\n") == L{"1:target-all"});  // \c@ is NUL
  CHECK(findings("pm2 delete $'al\\cl'\n").empty());
  // A command word spelled with escapes.
  CHECK(findings("$'\\u0070m2' kill\n") == L{"1:daemon-teardown"});
  CHECK(findings("$'\\x70\\x6d\\x32' delete $'\\U00000061ll'\n") == L{"1:target-all"});
}

TEST_CASE("printf and echo -e decode unicode and octal escapes as bash does", "[shell][streams][escapes]") {
  CHECK(findings("printf 'pm2 stop \\u0061ll\\n' | bash\n") == L{"1:target-all"});
  CHECK(findings("printf '%b' 'pm2 stop \\U61ll' | bash\n") == L{"1:target-all"});
  CHECK(findings("echo -e 'pm2 stop \\u61ll' | bash\n") == L{"1:target-all"});
  // echo -e reads \0nnn only: `\141` stays as it is.
  CHECK(findings("echo -e 'pm2 stop \\0141ll' | bash\n") == L{"1:target-all"});
  CHECK(findings("echo -e 'pm2 stop \\141ll' | bash\n").empty());
  // printf's format takes \0 and two more digits: `\0141` is \014 and `1`.
  CHECK(findings("printf 'pm2 stop \\0141ll' | bash\n").empty());
  CHECK(findings("printf '%b' 'pm2 stop \\0141ll' | bash\n") == L{"1:target-all"});
}

TEST_CASE("brace expansion makes its words", "[shell][words]") {
  CHECK(findings("pm2 {stop,delete} all\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete {all,x}\n") == L{"1:target-all"});
  CHECK(findings("pm2 delete app-{a,{b,all}}\n").empty());
  CHECK(findings("pm2 {stop,restart} app\n").empty());
  CHECK(findings("pm2 delete \"{all,x}\"\n").empty());
  CHECK(findings("pm2 delete '{all,x}'\n").empty());
  auto calls = invocations("pm2 delete app-{api,worker}-{1,2}\n");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].serialize() == "[pm2][delete][app-api-1][app-api-2][app-worker-1][app-worker-2]");
}

TEST_CASE("a line continuation inside a word joins it", "[shell][words]") {
  CHECK(findings("pm2 del\\\nete all\n") == L{"2:target-all"});
  CHECK(findings("pm2 st\\\nop al\\\nl\n") == L{"2:target-all"});
  CHECK(findings("p\\\nm2 kill\n") == L{"2:daemon-teardown"});
  CHECK(findings("pm2 stop \\\n  all\n") == L{"2:target-all"});
  CHECK(findings("pm2 stop \\\n  all-\\\nservices\n").empty());
  auto calls = invocations("pm2 res\\\ntart api\n");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].serialize() == "[pm2][restart][api]");
}

namespace {
std::vector<std::string> rules_with_contexts(const std::string& script, const ContextMap& contexts) {
  struct Sink : ShellSink {
    std::vector<std::string> ids;
    void invocation(const Invocation& inv, const Pm2Call& call) override {
      for (const Finding& f : check_invocation(inv, call)) ids.push_back(f.rule);
    }
    void parse_problem(const SourceRange&, const std::string&) override {}
  } sink;
  SourceFile f = SourceFile::from_string("test.sh", script);
  ScriptUnit unit;
  unit.text = MappedText::verbatim(f.text, 0);
  unit.contexts = contexts;
  analyse_script(f, unit, sink);
  return sink.ids;
}
}  // namespace

TEST_CASE("CI expressions read the values the workflow declares", "[shell][paths]") {
  ContextMap c;
  c["inputs.service"] = {{"all", "api", "worker"}, true};
  c["matrix.target"] = {{"api", "worker"}, true};
  c["inputs.app"] = {{"web"}, false};
  CHECK(rules_with_contexts("pm2 restart ${{ inputs.service }}\n", c) == L{"target-all"});
  CHECK(rules_with_contexts("pm2 restart ${{ matrix.target }}\n", c).empty());
  CHECK(rules_with_contexts("pm2 restart ${{ inputs.app }}\n", c) == L{"dynamic-target"});
  CHECK(rules_with_contexts("pm2 restart ${{ inputs.other || matrix.target }}\n", c) == L{"dynamic-target"});
  CHECK(rules_with_contexts("T=${{ inputs.service }}\nssh h \"pm2 delete $T\"\n", c) == L{"target-all"});
}

TEST_CASE("analysis limits are reported, never a crash or a silent pass", "[shell][limits]") {
  auto nested = [](int levels) {
    std::string s = "echo ";
    for (int i = 0; i < levels; ++i) s += "$(echo ";
    s += "x";
    for (int i = 0; i < levels; ++i) s += ")";
    return s + "\n";
  };
  // Deep but within the limits: everything after it is still checked.
  CHECK(findings(nested(30) + "pm2 kill\n") == L{"2:daemon-teardown"});
  // Far too deep: the findings before it stand, the limit is reported.
  CHECK(findings("pm2 kill\n" + nested(3000)) == L{"1:daemon-teardown", "2:shell-parse-error"});
  // Function call chains: deep ones are followed, deeper ones reported.
  std::string chain = "f0() { pm2 stop \"$@\"; }\n";
  for (int i = 1; i <= 20; ++i)
    chain += "f" + std::to_string(i) + "() { f" + std::to_string(i - 1) + " \"$@\"; }\n";
  CHECK(findings(chain + "f20 all\n") == L{"22:target-all"});
}

namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The messages of the shell-parse-error findings of a script.
std::vector<std::string> limit_messages(const std::string& script) {
  FileReport r = lint_source(SourceFile::from_string("test.sh", script), InputKind::Shell, LintOptions{});
  std::vector<std::string> out;
  for (const LintFinding& f : r.findings)
    if (f.rule == "shell-parse-error") out.push_back(f.message);
  return out;
}

std::vector<std::string> sorted_findings(const std::string& script) {
  std::vector<std::string> f = findings(script);
  std::sort(f.begin(), f.end());
  return f;
}

bool has(const std::vector<std::string>& v, const std::string& rule) {
  return std::find(v.begin(), v.end(), rule) != v.end();
}

}  // namespace

TEST_CASE("nesting as deep as the text is long never overflows the stack", "[shell][limits][depth]") {
  const int n = 19000;
  // Arithmetic, parameter defaults, subscripts, [[ ]] groups: walked without
  // recursion; the command after them is checked.
  CHECK(findings("echo $((" + repeat("(", n) + "1" + repeat(")", n) + "))\npm2 kill\n") == L{"2:daemon-teardown"});
  CHECK(findings("echo " + repeat("${X:-", n) + "x" + repeat("}", n) + "\npm2 kill\n") == L{"2:daemon-teardown"});
  CHECK(findings("[[ " + repeat("( ", n) + "-n x" + repeat(" )", n) + " ]]\npm2 kill\n") == L{"2:daemon-teardown"});
  // Subshells and substitutions: statements nested past the bound are
  // reported, what follows is checked. (`((` would be arithmetic.)
  for (const std::string& open : {std::string("( "), std::string("echo $("), std::string("echo \"$(")}) {
    std::string close = open == "echo \"$(" ? ")\"" : open == "( " ? " )" : ")";
    std::string script = repeat(open, n) + "true" + repeat(close, n) + "\npm2 kill\n";
    INFO(open);
    std::vector<std::string> f = findings(script);
    CHECK(has(f, "2:daemon-teardown"));
    CHECK(has(f, "1:shell-parse-error"));
  }
  // A command list across many lines: the grammar nests one list per `&&`.
  CHECK(has(findings(repeat("true &&\n", n) + "pm2 kill\n"), std::to_string(n + 1) + ":daemon-teardown"));
  // A /regex/ target nested past the bound the rules' regex parser is
  // given: a run-time target, and the limit reported.
  CHECK(findings("pm2 delete '/" + repeat("(", 5000) + "a" + repeat(")", 5000) + "/'\n") ==
        L{"1:dynamic-target", "1:shell-parse-error"});
  CHECK(findings("T='/" + repeat("(", 5000) + "a" + repeat(")", 5000) + "/'\nif x; then T=api; fi\npm2 delete $T\n") ==
        L{"3:dynamic-target", "3:shell-parse-error"});
  // A regular expression nested past the bound is a filter of unknown effect.
  CHECK(findings("pm2 jlist | grep -E '" + repeat("(", n) + "a" + repeat(")", n) + "' | xargs pm2 delete\n") ==
        L{"1:dynamic-target"});
}

TEST_CASE("a limit reached is reported where it is reached, naming it", "[shell][limits]") {
  std::vector<std::string> m = limit_messages("echo " + repeat("$(echo ", 300) + "x" + repeat(")", 300) + "\n");
  REQUIRE(m.size() == 1);
  CHECK(m[0] == "analysis limit reached: commands nested more than 200 deep; pm2 calls inside are not checked");
  // Each place once; two places, two reports.
  std::string deep = "echo " + repeat("$(echo ", 300) + "x" + repeat(")", 300) + "\n";
  CHECK(limit_messages(deep + deep).size() == 2);
}

TEST_CASE("wrappers in a row are followed far, and past the limit the pm2 call is still checked", "[shell][limits]") {
  CHECK(findings(repeat("nohup ", 17) + "pm2 kill\n") == L{"1:daemon-teardown"});
  CHECK(findings(repeat("sudo ", 17) + "pm2 delete all\n") == L{"1:target-all"});
  CHECK(findings(repeat("env ", 200) + "pm2 kill\n") == L{"1:daemon-teardown"});
  // Past the limit: the call is checked as if run directly, and the limit
  // is reported.
  CHECK(sorted_findings(repeat("nohup ", 300) + "pm2 kill\n") == L{"1:daemon-teardown", "1:shell-parse-error"});
  std::vector<std::string> m = limit_messages(repeat("nohup ", 300) + "pm2 kill\n");
  REQUIRE(m.size() == 1);
  CHECK(m[0].find("more than 256 commands that run commands") != std::string::npos);
}

TEST_CASE("values past a loop or input bound are unknown, never dropped", "[shell][limits]") {
  std::string many;
  for (int i = 0; i < 40; ++i) many += " app" + std::to_string(i);
  // Within the bound: each value.
  CHECK(findings("for a in app1 app2 all; do pm2 delete $a; done\n") == L{"1:target-all"});
  // Past it, `all` is the 41st value: the call is a run-time target, and
  // the limit is reported.
  // `all` is among the possible values.
  CHECK(sorted_findings("for a in" + many + " all; do pm2 delete $a; done\n") == L{"1:shell-parse-error", "1:target-all"});
  CHECK(sorted_findings("for a in" + many + " x; do pm2 delete $a; done\n") == L{"1:dynamic-target", "1:shell-parse-error"});
  std::string lines;
  for (int i = 0; i < 40; ++i) lines += "app" + std::to_string(i) + "\n";
  CHECK(sorted_findings("while read n; do pm2 delete \"$n\"; done <<EOF\n" + lines + "all\nEOF\n") ==
        L{"1:dynamic-target", "1:shell-parse-error"});
  CHECK(sorted_findings("echo" + many + " all | xargs pm2 delete\n") == L{"1:dynamic-target", "1:shell-parse-error"});
  CHECK(sorted_findings("printf '%s\\n'" + many + " all | xargs -I{} pm2 delete {}\n") ==
        L{"1:dynamic-target", "1:shell-parse-error"});
  std::string alts;
  for (int i = 0; i < 40; ++i) alts += "app" + std::to_string(i) + ",";
  CHECK(sorted_findings("pm2 delete {" + alts + "all}\n") == L{"1:dynamic-target", "1:shell-parse-error"});
  CHECK(has(findings("pm2 delete " + repeat("{a,b}", 5000) + "\n"), "1:shell-parse-error"));
  // printf output past its bound: the arguments not printed are still read.
  std::string big(300000, 'x');
  CHECK(sorted_findings("printf '%s\\n' " + big + " " + big + " " + big + " " + big + " 'pm2 kill' | bash\n") ==
        L{"1:daemon-teardown", "1:shell-parse-error"});
}

TEST_CASE("functions defined by functions never called are checked too", "[shell][limits]") {
  CHECK(findings("f() { g() { pm2 kill; }; }\n") == L{"1:daemon-teardown"});
  CHECK(findings(repeat("f() { ", 2000) + "pm2 kill; " + repeat("}; ", 2000) + "\nf\n") == L{"1:daemon-teardown"});
}

TEST_CASE("a CI expression spanning lines is one value", "[shell]") {
  CHECK(findings("echo ${{\n  github.sha\n}}\npm2 kill\n") == L{"4:daemon-teardown"});
  CHECK(findings("pm2 delete ${{\n  inputs.app\n}}\n") == L{"1:dynamic-target"});
}

TEST_CASE("commands run by trap, coproc, builtin and one-line groups", "[shell]") {
  CHECK(findings("trap 'pm2 delete all' EXIT\n") == L{"1:target-all"});
  CHECK(findings("trap -- \"pm2 kill\" INT TERM\n") == L{"1:daemon-teardown"});
  CHECK(findings("trap - EXIT\ntrap -p\n").empty());
  CHECK(findings("coproc pm2 kill\n") == L{"1:daemon-teardown"});
  CHECK(findings("coproc W { pm2 stop all; }\n") == L{"1:target-all"});
  CHECK(findings("time { pm2 kill; }\n") == L{"1:daemon-teardown"});
  CHECK(findings("if ! { pm2 stop all; }; then echo; fi\n") == L{"1:target-all"});
  CHECK(findings("builtin command pm2 kill\n") == L{"1:daemon-teardown"});
}

TEST_CASE("a script written earlier and run by its path", "[shell]") {
  CHECK(findings("cat > ./deploy.sh <<EOF\npm2 delete all\nEOF\nchmod +x ./deploy.sh\n./deploy.sh\n") ==
        L{"2:target-all"});
  CHECK(findings("cat > /tmp/d.sh <<'EOF'\npm2 stop \"$1\"\nEOF\n/tmp/d.sh all\n") == L{"4:target-all"});
  CHECK(findings("cat > notes.txt <<EOF\npm2 delete all\nEOF\n").empty());
}

TEST_CASE("targets read from stdin with -", "[shell][streams]") {
  CHECK(findings("pm2 jlist | pm2 delete -\n") == L{"1:unfiltered-listing-target"});
  CHECK(findings("pm2 delete - < apps.json\n") == L{"1:dynamic-target"});
  CHECK(findings("cat ecosystem.json | pm2 start -\n").empty());
}

TEST_CASE("a listing from a remote shell is a listing", "[shell][streams]") {
  CHECK(findings("ssh h pm2 jlist | jq -r '.[].name' | xargs -I{} ssh h pm2 delete {}\n") ==
        L{"1:unfiltered-listing-target"});
  CHECK(findings("for n in $(ssh h 'pm2 jlist' | jq -r '.[].name'); do pm2 stop $n; done\n") ==
        L{"1:unfiltered-listing-target"});
}

TEST_CASE("words the grammar splits without a gap are one word", "[shell][words]") {
  CHECK(findings("pm2 stop /[\\s\\S]*/\n") == L{"1:regex-matches-all"});
  auto calls = invocations("pm2 stop /[\\s\\S]x/\n");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].serialize() == "[pm2][stop][/[sS]x/]");
}

TEST_CASE("values from read, printf -v, array items and transformations", "[shell]") {
  CHECK(findings("read -r T <<< all\npm2 delete \"$T\"\n") == L{"2:target-all"});
  CHECK(findings("read -r A B <<< 'web all'\npm2 delete \"$A\"\n").empty());
  CHECK(findings("read -r A B <<< 'web all'\npm2 delete \"$B\"\n") == L{"2:target-all"});
  CHECK(findings("printf -v T %s all\npm2 delete \"$T\"\n") == L{"2:target-all"});
  CHECK(findings("printf -v T 'app-%s' all\npm2 delete \"$T\"\n").empty());
  CHECK(findings("arr[0]=all\npm2 delete ${arr[0]}\n") == L{"2:target-all"});
  CHECK(findings("arr=(web api)\narr[1]=all\npm2 delete \"${arr[@]}\"\n") == L{"3:target-all"});
  CHECK(findings("APP=web\npm2 delete ${APP/web/all}\n") == L{"2:target-all"});
  CHECK(findings("APP=web-all\npm2 delete ${APP#web-}\n") == L{"2:target-all"});
  CHECK(findings("APP=ALL\npm2 delete ${APP,,}\n") == L{"2:target-all"});
  CHECK(findings("APP=web-api\npm2 delete ${APP%-api}\n").empty());
}

TEST_CASE("find -exec runs the command up to its terminator", "[shell]") {
  auto calls = invocations("find . -name x -exec pm2 delete all \\; -print\n");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].serialize() == "[pm2][delete][all]");
  CHECK(findings("find /srv -exec pm2 stop {} +\n") == L{"1:dynamic-target"});
}

TEST_CASE("shell commands in interpreter code", "[shell][interpreters]") {
  CHECK(findings("node -e \"require('child_process').execSync('pm2 delete all')\"\n") == L{"1:target-all"});
  CHECK(findings("python3 -c 'import os; os.system(\"pm2 kill\")'\n") == L{"1:daemon-teardown"});
  CHECK(findings("perl -e 'system(\"pm2 stop all\")'\n") == L{"1:target-all"});
  CHECK(findings("ruby -e '`pm2 restart all`'\n") == L{"1:target-all"});
  CHECK(findings("python3 <<'EOF'\nimport subprocess\nsubprocess.run(\"pm2 reload all\", shell=True)\nEOF\n") ==
        L{"3:target-all"});
  // Strings that are not pm2 commands, scripts with arguments, filters.
  CHECK(findings("node -e \"console.log('npm2 delete all')\"\n").empty());
  CHECK(findings("node app.js 'pm2 delete all'\n").empty());
  CHECK(findings("pm2 jlist | node -e \"JSON.parse(require('fs').readFileSync(0)).filter(p => "
                 "p.name.startsWith('web-')).forEach(p => console.log(p.name))\" | xargs pm2 delete\n")
            .empty());
}

namespace {

// `lines` lines of filler that reach no pm2 (about 20 bytes each).
std::string filler(int lines) {
  std::string s;
  for (int i = 0; i < lines; ++i) s += "echo filler-" + std::to_string(i) + "\n";
  return s;
}

int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("a long script is read in windows of whole statements, as if in one piece", "[shell][windows]") {
  // Multi-line statements placed across every window end near the first
  // window's size (8 KiB) and far past the largest (64 KiB): each is found
  // exactly where it is, and nothing else is.
  const std::vector<std::pair<std::string, std::vector<int>>> constructs = {
      {"if true; then\n  echo a\n  pm2 delete all\n  echo b\nfi\n", {3}},
      {"ssh deploy@h <<'EOF'\necho one\npm2 kill\necho two\nEOF\n", {3}},
      {"echo \"a\nb\nc\" && pm2 stop all\n", {3}},
      {"pm2 restart \\\n  all \\\n  --update-env\n", {2}},
      {"for a in x y; do\n  echo $a\ndone; pm2 reload all\n", {3}},
      {"cat <<EOF | sh\npm2 delete all\nEOF\n", {2}},
  };
  for (const auto& [construct, lines] : constructs) {
    // Every placement of the construct across the first window's end, and
    // a few far beyond it.
    std::vector<size_t> targets;
    for (size_t k = 0; k <= construct.size() + 24; k += 2) targets.push_back(8192 - k);
    for (size_t t : {30000u, 70000u, 140000u}) targets.push_back(t);
    for (size_t target : targets) {
      std::string head = filler(static_cast<int>(target / 20));
      while (head.size() < target) head += std::string(std::min<size_t>(60, target - head.size()), '#') + "\n";
      std::string script = head + construct + filler(50) + "pm2 kill\n";
      int at = count_lines(head);
      L want;
      for (int l : lines) want.push_back(std::to_string(at + l) + (construct.find("kill") != std::string::npos
                                                                    ? ":daemon-teardown"
                                                                    : ":target-all"));
      want.push_back(std::to_string(count_lines(script)) + ":daemon-teardown");
      INFO(construct << " after " << head.size() << " bytes");
      CHECK(sorted_findings(script) == [&] { L w = want; std::sort(w.begin(), w.end()); return w; }());
    }
  }
}

TEST_CASE("what a window defines is known in the windows after it", "[shell][windows]") {
  // A function defined in the first window, called 200 KB later; a
  // variable set before, used after; an export seen by a nested shell.
  std::string script = "stop_app() { pm2 stop \"$@\"; }\nAPP=all\nexport TARGET=all\n" + filler(10000) +
                       "stop_app all\npm2 delete $APP\nbash -c 'pm2 restart $TARGET'\n";
  int n = count_lines(script);
  CHECK(sorted_findings(script) == L{std::to_string(n - 2) + ":target-all", std::to_string(n - 1) + ":target-all",
                                     std::to_string(n) + ":target-all"});
  // A function never called is still checked once, whatever its window.
  CHECK(findings(filler(10000) + "cleanup() { pm2 kill; }\n" + filler(10000)) ==
        L{std::to_string(10001) + ":daemon-teardown"});
}

TEST_CASE("a line longer than a window is read in pieces at statement ends", "[shell][windows]") {
  std::string line;
  for (int i = 0; i < 4000; ++i) line += "pm2 restart web-" + std::to_string(i) + "; ";
  // 100 KB of statements on one line, then `pm2 delete all` on it, then more.
  CHECK(findings(line + "pm2 delete all; " + line + "\n") == L{"1:target-all"});
  // A single statement longer than the largest window is read whole.
  std::string big = "pm2 describe '";
  big += std::string(2 << 20, 'x');
  CHECK(findings(big + "' && pm2 kill\npm2 delete all\n") == L{"1:daemon-teardown", "2:target-all"});
}

TEST_CASE("statements the grammar runs on across lines are split once, in any number", "[shell][windows]") {
  // tree-sitter-bash #347: a pipeline of three, then a line going on with
  // `&&`. Thousands of such lines: each pm2 call is found on its own line.
  std::string script = "pm2 jlist | jq -r '.[].name' | grep web\n";
  for (int i = 1; i < 3000; ++i)
    script += "echo step-" + std::to_string(i) + " && pm2 describe web-" + std::to_string(i % 50) +
              " | grep online | wc -l\n";
  script += "echo done && pm2 delete all | tee log | wc -l\n";
  CHECK(findings(script) == L{"3001:target-all"});
}

TEST_CASE("variables set in a branch, unset or no longer exported, over a workflow's env", "[shell][vars]") {
  struct Sink : ShellSink {
    std::vector<Invocation> calls;
    void invocation(const Invocation& inv, const Pm2Call&) override { calls.push_back(inv); }
    void parse_problem(const SourceRange&, const std::string&) override {}
  };
  auto run = [](const std::string& script) {
    Sink sink;
    SourceFile f = SourceFile::from_string("test.sh", script);
    ScriptUnit unit;
    unit.text = MappedText::verbatim(f.text, 0);
    unit.env = Env(EnvMap{{"APP", EnvValue{"web-api", true}}, {"OTHER", EnvValue{"all", true}}});
    analyse_script(f, unit, sink);
    return sink.calls;
  };
  auto target = [](const Invocation& inv) {
    const Word& w = inv.args.back();
    return (w.literal ? "=" : "?") + w.text;
  };
  std::vector<Invocation> c = run("pm2 restart $APP\n");
  REQUIRE(c.size() == 1);
  CHECK(target(c[0]) == "=web-api");
  // Unset on one path: unknown after the branch, the env value on the other.
  c = run("if x; then unset APP; fi\npm2 restart $APP\n");
  REQUIRE(c.size() == 1);
  CHECK_FALSE(c[0].args.back().literal);
  // Unset: unknown; the env of a nested shell loses it too.
  c = run("unset OTHER\nbash -c 'pm2 stop $OTHER'\npm2 stop $APP\n");
  REQUIRE(c.size() == 2);
  CHECK_FALSE(c[0].args.back().literal);
  CHECK(target(c[1]) == "=web-api");
  // `export -n`: this shell keeps it, a child does not see it.
  c = run("export -n APP\npm2 restart $APP\nbash -c 'pm2 restart $APP'\n");
  REQUIRE(c.size() == 2);
  CHECK(target(c[0]) == "=web-api");
  CHECK_FALSE(c[1].args.back().literal);
  // Set in both branches to one value: that value.
  c = run("if x; then APP=a; else APP=a; fi\npm2 restart $APP\n");
  REQUIRE(c.size() == 1);
  CHECK(target(c[0]) == "=a");
}

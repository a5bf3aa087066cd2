#!/usr/bin/env python3
"""Writes the seed corpora of the fuzzers (fuzz/corpus/<target>/).

    python3 fuzz/make_seeds.py [TARGET...]     (default: every target)

shim_verdict: each seed is framed as fuzz/shim_verdict_fuzz.cc describes: one
selector byte, the argv words after `pm2` joined by NUL bytes, 0xFF, then the
daemon's process list as JSON. The argv come from tests/parity/argv-cases.txt
(plus a few forms it does not list: scale, namespaces, ids, stdin), the
tables from tests/fixtures/jlist-sample.json, reduced to the fields the shim
reads so that the seeds stay small.

lint_file: framed as fuzz/lint_file_fuzz.cc describes: one selector byte (the
input kind, raw bytes, a path from the input), then the file. Every file of
corpus/ (workflows, composite actions, scripts; the YAML ones also as YAML
whose kind is decided by content), and hand-made hostile files: deep nesting,
`$'...'` escapes, terminal escapes and bidirectional controls in names and
paths, 200 nested `bash -c`.

policy: the policy file itself (fuzz/policy_fuzz.cc): README's example, the
documents shim/policy_test.cc parses, and hostile ones (odd numbers, deep
nesting, aliases, long globs).

Rerunning it replaces each directory's contents with the same files
(libFuzzer's finds go to a scratch directory, never here).
"""
import json
import os
import re
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")

# Selector bits (see shim_verdict_fuzz.cc).
NO_CI, CI_WEB, CI_BILLING, GITLAB_WEB = 0, 1, 2, 3
P_DEFAULT, P_SCOPES, P_OPEN, P_ALLOW = 0 << 2, 1 << 2, 2 << 2, 3 << 2
S_NONE, S_WEB, S_OPS, S_NOPE = 0 << 4, 1 << 4, 2 << 4, 3 << 4
DAEMON_CWD = 0x40
LOADS = 0x80

KEEP_ENV = ("name", "namespace", "status", "pm_exec_path", "pm_cwd", "pm_id", "restart_time", "pm_uptime",
            "pmx_module")


def reduce(proc):
    """A process object with the fields the shim reads."""
    env = proc["pm2_env"]
    small_env = {k: env[k] for k in KEEP_ENV if k in env}
    small_env["env"] = {k: v for k, v in env.get("env", {}).items() if k in ("CI", "GITHUB_REPOSITORY")}
    return {"pid": proc.get("pid", 0), "name": proc["name"], "pm_id": proc["pm_id"], "pm2_env": small_env}


def minimal(proc):
    """A process object with the fields the verdict depends on: small seeds
    leave the fuzzer's mutations for what matters."""
    env = proc["pm2_env"]
    small_env = {k: env[k] for k in ("namespace", "status", "pm_exec_path", "pmx_module", "GITHUB_REPOSITORY")
                 if k in env}
    return {"name": proc["name"], "pm_id": proc["pm_id"], "pm2_env": small_env}


def with_repo(proc, repo):
    p = json.loads(json.dumps(proc))
    p["pm2_env"]["GITHUB_REPOSITORY"] = repo
    return p


def instance(pm_id, name, script, ns="default", repo=None, module=False, status="online"):
    env = {"name": name, "namespace": ns, "status": status, "pm_exec_path": script,
           "pm_cwd": os.path.dirname(script), "pm_id": pm_id, "env": {}}
    if repo:
        env["GITHUB_REPOSITORY"] = repo
    if module:
        env["pmx_module"] = True
    return {"pid": 1000 + pm_id if status == "online" else 0, "name": name, "pm_id": pm_id, "pm2_env": env}


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


def frame(selector, words, table_json):
    return bytes([selector]) + b"\0".join(w.encode() for w in words) + b"\xff" + table_json.encode()


def parity_argv():
    cases = {}
    with open(os.path.join(ROOT, "tests", "parity", "argv-cases.txt")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            argv, _, _ = line.partition(" => ")
            cases[argv] = shlex.split(argv)
    return cases


def shim_verdict_seeds():
    with open(os.path.join(ROOT, "tests", "fixtures", "jlist-sample.json")) as f:
        sample_text = f.read()
    sample = json.loads(sample_text)
    rich = [reduce(p) for p in sample]
    small = [minimal(p) for p in sample]
    # The sample's five processes, four applications in `default` and one in
    # `other`; none recorded as started by a CI job.
    t_sample = compact(small)
    # The same, the flyer-crawler apps started by acme/web's CI job.
    t_owned = compact([with_repo(p, "acme/web") if p["name"].startswith("flyer-crawler") else p for p in small])
    # Every process acme/web's.
    t_all_web = compact([with_repo(p, "acme/web") for p in small])
    # One app's four instances (`-i 4`) and a module.
    t_instances = compact([minimal(instance(i, "api", "/srv/pm2demo/apps/api.js", repo="acme/web"))
                           for i in range(4)] +
                          [minimal(instance(4, "pm2-logrotate", "/root/.pm2/modules/pm2-logrotate/app.js",
                                            module=True))])
    # README's example: five apps (different scripts) all named web.
    t_shared = compact([minimal(instance(i, "web", f"/srv/app{i}/index.js", status="online" if i else "stopped"))
                        for i in range(5)])
    # The daemon's getMonitorData envelope around the sample.
    t_envelope = compact({"args": [small]})
    # The sample with pid, pm_cwd, counters and pm2_env.env (the fallback
    # for CI variables), as the daemon sends them.
    t_rich = compact([dict(p, pm2_env=dict(p["pm2_env"], env={"GITHUB_REPOSITORY": "acme/web"}))
                      if p["name"].startswith("flyer") else p for p in rich])

    parity = parity_argv()
    pick = [
        "delete all", "stop all --namespace other", "restart /^/", "stop /", "delete /^web-/", "kill",
        "sendSignal SIGTERM all", "set all:NODE_ENV production", "multiset \"all:x 1\"",
        "delete flyer-crawler-api flyer-crawler-worker", "start ecosystem.config.js --only api",
        "stop /srv/app/index.js", "reset all", "flush all", "--no-color delete all", "delete all -n -v -- x",
    ]
    seeds = {}
    for i, argv in enumerate(pick):
        words = parity[argv]
        name = "parity-" + "-".join(w.strip("-/\"") or "x" for w in words)[:40]
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        table = [t_sample, t_owned, t_all_web, t_instances][i % 4]
        seeds[name] = frame([P_DEFAULT | CI_WEB, P_OPEN | CI_WEB, P_SCOPES | NO_CI, P_ALLOW | CI_WEB][i % 4],
                            words, table)

    extra = {
        # Layer 3 against shapes the parity table does not have.
        "open-delete-every-name": (P_OPEN | NO_CI, ["delete", "flyer-crawler-api", "flyer-crawler-worker",
                                                     "flyer-crawler-api-test", "stock-alert-api", "billing-api"],
                                   t_sample),
        "open-delete-every-id": (P_OPEN | CI_WEB, ["delete", "0", "1", "2", "3", "4"], t_owned),
        "open-delete-every-id-owned": (P_OPEN | CI_WEB, ["delete", "0", "1", "2", "3", "4"], t_all_web),
        "open-restart-shared-name": (P_OPEN | CI_WEB, ["restart", "web"], t_shared),
        "open-reload-instances": (P_OPEN | CI_WEB, ["reload", "api"], t_instances),
        "open-delete-namespace": (P_OPEN | NO_CI, ["delete", "default"], t_sample),
        "open-scale-up": (P_OPEN | CI_WEB, ["scale", "web", "10"], t_shared),
        "open-scale-plus": (P_OPEN | NO_CI, ["scale", "web", "+2"], t_shared),
        "open-scale-down": (P_OPEN | NO_CI, ["scale", "web", "1"], t_shared),
        "open-delete-stdin": (P_OPEN | LOADS | CI_WEB, ["delete", "-"], t_sample),
        "open-startOrReload-config": (P_OPEN | LOADS | CI_WEB, ["startOrReload", "ecosystem.config.js"], t_sample),
        "open-restart-config-only": (P_OPEN | LOADS | CI_WEB,
                                     ["restart", "ecosystem.config.js", "--only",
                                      "flyer-crawler-api,flyer-crawler-worker,flyer-crawler-api-test,stock-alert-api,"
                                      "billing-api"], t_sample),
        "open-stop-config": (P_OPEN | LOADS | NO_CI, ["stop", "apps.json"], t_sample),
        "open-regex-all": (P_OPEN | NO_CI, ["delete", "/-api/"], t_sample),
        "allow-kill-scoped": (P_ALLOW | CI_WEB, ["kill"], t_owned),
        "allow-update-ops": (P_ALLOW | S_OPS | NO_CI, ["update"], t_sample),
        "scopes-web-restart-flyer": (P_SCOPES | CI_WEB, ["restart", "/^flyer-crawler-/"], t_owned),
        "scopes-name-nope": (P_SCOPES | S_NOPE | CI_WEB, ["delete", "flyer-crawler-api"], t_owned),
        "gitlab-delete-all-owned": (P_OPEN | GITLAB_WEB, ["delete", "all"], t_all_web),
        "signal-relative-script": (P_OPEN | NO_CI, ["sendSignal", "SIGUSR2", "api.js"], t_sample),
        "signal-relative-script-cwd": (P_OPEN | DAEMON_CWD | NO_CI, ["sendSignal", "SIGUSR2", "api.js"], t_sample),
        "start-stopped-script": (P_OPEN | NO_CI, ["start", "/srv/app0/index.js", "--name", "web"], t_shared),
        "envelope-delete-all": (P_OPEN | NO_CI, ["delete", "all"], t_envelope),
        "rich-restart-flyer": (P_OPEN | CI_WEB, ["restart", "flyer-crawler-api", "flyer-crawler-worker"], t_rich),
        "full-fixture-restart-all": (P_OPEN | CI_BILLING, ["restart", "all"], sample_text.strip()),
    }
    for name, (sel, words, table) in extra.items():
        seeds[name] = frame(sel, words, table)

    return seeds


# --- lint_file ----------------------------------------------------------------

# Selector bits (see lint_file_fuzz.cc).
K_WORKFLOW, K_ACTION, K_SHELL, K_YAML = 0, 1, 2, 3
# Bit 4 selects the kinds added later: 0x10 | 0..3.
K_PACKAGE_JSON, K_MAKEFILE, K_GITLAB, K_WOODPECKER = 0x10, 0x11, 0x12, 0x13
K_BITBUCKET, K_CIRCLECI = 0x20, 0x21  # kinds 8 and 9
RAW = 0x04
NAMED = 0x08


def lint_frame(selector, text, path=None):
    data = text if isinstance(text, bytes) else text.encode()
    if path is not None:
        selector |= NAMED
        data = (path if isinstance(path, bytes) else path.encode()) + b"\0" + data
    return bytes([selector]) + data


def corpus_kind(rel):
    """The kind discovery gives a file of corpus/ (lint/discover.cc), or None."""
    name = os.path.basename(rel)
    parts = rel.split("/")
    if name in ("action.yml", "action.yaml"):
        return K_ACTION
    if name.endswith((".yml", ".yaml")) and "workflows" in parts and \
            any(p in (".github", ".gitea", ".forgejo") for p in parts):
        return K_WORKFLOW
    if name.endswith((".sh", ".bash")):
        return K_SHELL
    if name == "package.json":
        return K_PACKAGE_JSON
    if name in ("Makefile", "GNUmakefile", "makefile") or name.endswith(".mk"):
        return K_MAKEFILE
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml") or name.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")):
        return K_GITLAB
    if name in (".woodpecker.yml", ".woodpecker.yaml", ".drone.yml", ".drone.yaml") or \
            (name.endswith((".yml", ".yaml")) and "woodpecker" in parts[:-1] and ".woodpecker" in parts):
        return K_WOODPECKER
    if name in ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml"):
        return K_BITBUCKET
    if name in ("config.yml", "config.yaml") and len(parts) > 1 and parts[-2] == ".circleci":
        return K_CIRCLECI
    return None


def seed_name(prefix, rel):
    name = prefix + "-" + rel.replace("/", "_").lstrip("._")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def workflow(run, name="deploy", job="deploy"):
    """A one-step workflow running `run` as a literal block."""
    body = "".join("          " + line + "\n" if line else "\n" for line in run.split("\n"))
    return (f"name: {name}\non: push\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: |\n{body}")


def nested_bash_heredoc(depth, inner="pm2 delete all"):
    """`bash -c "$(cat <<'E1' ... E1)"`, `depth` deep: each level's script is
    the next level's heredoc, taken literally (a quoted delimiter), so the
    text grows linearly with the depth (quoting would double it each level)."""
    script = inner
    for k in range(depth, 0, -1):
        script = f"bash -c \"$(cat <<'E{k}'\n{script}\nE{k}\n)\""
    return script


def nested_bash_quoted(limit=30000, inner="pm2 delete all"):
    """`bash -c "bash -c \\"...\\""`, as deep as fits in `limit` bytes (the
    escapes double each level): the script and its depth."""
    def dq(x):
        return '"' + "".join("\\" + c if c in '\\"$`' else c for c in x) + '"'
    script, depth = inner, 0
    while len("bash -c " + dq(script)) <= limit:
        script, depth = "bash -c " + dq(script), depth + 1
    return script, depth


def lint_file_seeds():
    seeds = {}
    corpus = os.path.join(ROOT, "corpus")
    for d, _, files in sorted(os.walk(corpus)):
        for f in sorted(files):
            full = os.path.join(d, f)
            rel = os.path.relpath(full, corpus)
            kind = corpus_kind(rel)
            if kind is None:
                continue
            with open(full, "rb") as fh:
                text = fh.read()
            prefix = {K_WORKFLOW: "workflow", K_ACTION: "action", K_SHELL: "shell", K_PACKAGE_JSON: "npm",
                      K_MAKEFILE: "make", K_GITLAB: "gitlab", K_WOODPECKER: "woodpecker",
                      K_BITBUCKET: "bitbucket", K_CIRCLECI: "circleci"}[kind]
            seeds[seed_name(prefix, rel)] = lint_frame(kind, text)
            if kind in (K_WORKFLOW, K_ACTION):  # a YAML file named on the command line: kind from content
                seeds[seed_name("yaml", rel)] = lint_frame(K_YAML, text)

    esc, bidi, c1 = "\x1b", "\u202e", "\u009b"
    hostile = {
        # Nesting: subshells, closed and not, groups, substitutions, arithmetic.
        "shell-deep-subshells": (K_SHELL, "( " * 3000 + "pm2 delete all" + " )" * 3000 + "\n"),
        "shell-unclosed-subshells": (K_SHELL, "( ( ( " * 5000 + "pm2 delete all\n"),
        "shell-deep-groups": (K_SHELL, "{ " * 2000 + "pm2 delete all; " + "}; " * 2000 + "\n"),
        "shell-deep-substitutions": (K_SHELL, "echo " + "$(" * 1000 + "pm2 delete all" + ")" * 1000 + "\n"),
        "shell-deep-arithmetic": (K_SHELL, "echo $((" + "(" * 2000 + "1" + ")" * 2000 + "))\npm2 delete all\n"),
        "shell-deep-parameter-defaults": (K_SHELL, "pm2 delete " + "${a:-" * 1000 + "all" + "}" * 1000 + "\n"),
        "shell-deep-backticks": (K_SHELL, "pm2 delete `echo \\`echo \\\\\\`echo all\\\\\\`\\``\n"),
        "workflow-deep-subshells": (K_WORKFLOW, workflow("( " * 1000 + "pm2 delete all" + " )" * 1000)),
        # $'...' spellings of `all` and of bytes that are not UTF-8.
        "shell-ansi-c-unicode-all": (K_SHELL, "pm2 delete $'\\u0061ll'\npm2 stop $'\\x61ll'\n"
                                              "pm2 restart $'\\141ll'\npm2 reload $'\\U00000061ll'\n"),
        "shell-ansi-c-xff": (K_SHELL, "pm2 delete $'\\xff'\npm2 delete $'\\xff'all\npm2 stop $'\\xc0\\xaf'\n"),
        "shell-raw-xff": (K_SHELL | RAW, b"pm2 delete \xff\npm2 stop 'a\xc0\xafb' all\xed\xa0\x80\n"),
        "shell-read-xff": (K_SHELL, b"# ok\npm2 delete all \xff\n"),
        "workflow-raw-xff": (K_WORKFLOW | RAW, workflow("pm2 delete all").encode() + b"      - run: pm2 stop \xfe\xff\n"),
        # Terminal escapes, C1 and bidirectional controls in what the reports quote.
        "shell-escapes-in-names": (K_SHELL, f"pm2 delete '{esc}[31mweb'\npm2 delete $'\\e[31m'all\n"
                                            f"pm2 restart \"{bidi}web\"\npm2 stop $'\\u202e' all\n"
                                            f"pm2 delete $'\\x9b'31m\npm2 delete {c1}2J\n"
                                            "pm2 delete $'\\e]0;pwned\\a' $'\\r::error::forged' all\n"),
        "workflow-escapes-in-names": (K_WORKFLOW,
                                      f"name: \"\\e[31mDeploy\"\non: push\njobs:\n  \"{esc}[31mdeploy\":\n"
                                      "    runs-on: ubuntu-latest\n    steps:\n"
                                      "      - name: \"\\e]0;pwned\\a\"\n        run: pm2 delete $'\\e[2J'all\n"
                                      f"      - name: {bidi}evil\n        run: pm2 restart \"\\u2066\" all\n"
                                      "      - run: \"pm2 delete \\e[31mall \\x9b \\u202a\"\n"),
        "action-escapes-in-names": (K_ACTION,
                                    "name: \"\\e[1mx\"\nruns:\n  using: composite\n  steps:\n"
                                    f"    - shell: bash\n      run: pm2 delete '{esc}[0m' all {bidi}\n"),
        "yaml-raw-escape-is-invalid": (K_YAML, f"on: push\njobs:\n  a{esc}[31m:\n    steps:\n      - run: pm2 kill\n"),
        "workflow-escape-path": (K_WORKFLOW, workflow("pm2 delete all"),
                                 f".github/workflows/{esc}[31mred{bidi}\u2067.yml"),
        "shell-forging-path": (K_SHELL, "pm2 delete all\n", "a,b:c%0A\r\n::error file=x::forged\t.sh"),
        "action-raw-path": (K_ACTION | RAW, "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: pm2 kill\n",
                            b"./actions/\xff\x9b/action.yml"),
        # 200 nested `bash -c`: with heredocs (linear size), quoted as deep as
        # fits, and unquoted.
        "workflow-bash-c-200-heredocs": (K_WORKFLOW, workflow(nested_bash_heredoc(200))),
        "shell-bash-c-200-heredocs": (K_SHELL, nested_bash_heredoc(200) + "\n"),
        "workflow-bash-c-quoted-deepest": (K_WORKFLOW, workflow(nested_bash_quoted()[0])),
        "workflow-bash-c-200-unquoted": (K_WORKFLOW, workflow("bash -c " * 200 + "'pm2 delete all'")),
        "shell-sudo-ssh-chain": (K_SHELL, "sudo nohup env A=1 " * 100 + "ssh host " * 20 + "pm2 delete all\n"),
        # Heredocs and line ends.
        "shell-heredoc-unterminated": (K_SHELL, "bash <<EOF\npm2 delete all\n" + "cat <<EOF\n" * 500),
        "shell-heredoc-nested": (K_SHELL, "".join(f"bash <<'H{k}'\n" for k in range(100)) + "pm2 delete all\n" +
                                 "".join(f"H{k}\n" for k in reversed(range(100)))),
        "workflow-crlf-bom": (K_WORKFLOW, "\ufeff" + workflow("pm2 delete all\npm2 kill").replace("\n", "\r\n")),
        "shell-cr-only": (K_SHELL, "pm2 delete all\rpm2 kill\r"),
        # YAML nesting and aliases.
        "yaml-deep-flow": (K_YAML, "on: push\njobs:\n  a: " + "[" * 3000 + "\n"),
        "workflow-deep-blocks": (K_WORKFLOW, "jobs:\n" + "".join(" " * k + f"k{k}:\n" for k in range(1, 300))),
        "workflow-alias-fanout": (K_WORKFLOW,
                                  "x: &s [{run: pm2 delete all}, {run: pm2 kill}]\n"
                                  "y: &t [*s, *s, *s, *s, *s, *s, *s, *s]\n"
                                  "z: &u [*t, *t, *t, *t, *t, *t, *t, *t]\n"
                                  "on: push\njobs:\n" + "".join(f"  j{k}:\n    steps: *s\n" for k in range(50))),
        "workflow-expressions": (K_WORKFLOW, workflow("pm2 ${{ inputs.cmd }} ${{ github.event.inputs.app || 'all' }}\n"
                                                      "pm2 delete ${{ '${{' }} }}")),
    }
    for name, spec in hostile.items():
        seeds[name] = lint_frame(spec[0], spec[1], spec[2] if len(spec) > 2 else None)
    return seeds


# --- policy -------------------------------------------------------------------

def cpp_string_runs(source):
    """The C++ string literals of `source`, adjacent ones (only white space
    between them) joined, decoded (the escapes policy_test.cc uses)."""
    runs, cur, last_end = [], None, -1
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', source):
        text = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e.group(1), e.group(1)), m.group(1))
        if cur is not None and source[last_end:m.start()].strip() == "":
            cur += text
        else:
            if cur is not None:
                runs.append(cur)
            cur = text
        last_end = m.end()
    if cur is not None:
        runs.append(cur)
    return runs


def policy_seeds():
    seeds = {}
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "refuse_all:" in b]
    for i, b in enumerate(blocks):
        seeds[f"readme-example-{i}"] = b
    with open(os.path.join(ROOT, "shim", "policy_test.cc")) as f:
        docs = [r for r in cpp_string_runs(f.read()) if ":" in r and "\n" in r]
    for i, d in enumerate(dict.fromkeys(docs)):  # once each, in order
        seeds[f"policy-test-{i:02d}"] = d
    seeds["empty"] = ""

    scope = "scopes:\n  - name: s\n    repositories: [projectium/flyer-crawler]\n    processes: ['flyer-*']\n"
    hostile = {
        "numbers-edges": "max_processes: 1000000000\nlock_timeout: 1e9\n",
        "numbers-too-big": "max_processes: 1000000001\nlock_timeout: 1e308\n",
        "numbers-nan": "lock_timeout: .nan\n",
        "numbers-inf": "lock_timeout: -.inf\n",
        "numbers-negative-zero": "max_processes: -0.0\nlock_timeout: -0\n",
        "numbers-forms": "max_processes: 0x10\nlock_timeout: 1_000\n",
        "numbers-denormal": "max_processes: 0.999999999\nlock_timeout: 4.9e-324\n",
        "numbers-int-limit": "max_processes: 2147483647\n",
        "numbers-quoted": "max_processes: '3'\nlock_timeout: \"2.5\"\n",
        "version-forms": "version: 1.0\n",
        "booleans-yaml11": "refuse_all: off\nownership: no\ncumulative: Y\noverrides: on\nsyslog: NO\n",
        "allow-every-form": "allow: [kill, update, updatePM2, deepUpdate, unstartup, startup, link, plus, frobnicate]\n",
        "allow-empty-name": "allow: ['']\n",
        "allow-scalar": "allow: kill\n",
        "environment-only-keys": "real_pm2: /usr/bin/pm2\naudit_log: /var/log/a.log\nsyslog: false\n",
        "duplicate-keys": "max_processes: 1\nmax_processes: 100\n",
        "scopes-every-key": scope + "    workflow: deploy\n    ref: refs/heads/*\n    namespaces: ['default', 'prod-*']\n",
        "scopes-long-globs": "scopes:\n  - name: g\n    repositories: ['" + "*?" * 12 + "x']\n    processes: ['" +
                             "*a" * 16 + "']\n",
        "scopes-bracket-globs": "scopes:\n  - name: b\n    processes: ['[[:alpha:]-]*', '[!a-z]', '[', '\\\\']\n",
        "scopes-many": "scopes:\n" + "".join(f"  - name: s{k}\n    processes: ['p{k}-*']\n" for k in range(200)),
        "deep-flow": "scopes: " + "[" * 3000 + "\n",
        "deep-block": "scopes:\n" + "".join(" " * k + "- \n" for k in range(0, 600, 2)),
        "aliases-fanout": "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nallow: *c\n",
        "aliases-scopes": "scopes:\n  - &s {name: x, processes: ['*']}\n  - *s\n  - *s\n",
        "merge-key": "base: &b {max_processes: 1}\n<<: *b\n",
        "complex-key": "? [max_processes]\n: 1\n",
        "tags": "max_processes: !!str 3\nlock_timeout: !!float 2\nrefuse_all: !!binary dHJ1ZQ==\n",
        "multi-document": "max_processes: 1\n---\nmax_processes: 2\n...\n",
        "not-a-mapping": "- max_processes: 1\n",
        "bom-crlf": "\ufeffversion: 1\r\nmax_processes: 2\r\n",
        "nul-and-invalid-utf8": "max_processes: 1\n\0\xff: x\n",
    }
    seeds.update(hostile)
    return {k: v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v for k, v in seeds.items()}


# --- main ---------------------------------------------------------------------

TARGETS = {"shim_verdict": shim_verdict_seeds, "lint_file": lint_file_seeds, "policy": policy_seeds}


def write(target, seeds):
    out = os.path.join(CORPUS, target)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):  # the directory holds this script's output only
        os.remove(os.path.join(out, old))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {os.path.relpath(out, ROOT)}")


def main():
    targets = sys.argv[1:] or list(TARGETS)
    for t in targets:
        if t not in TARGETS:
            sys.exit(f"make_seeds.py: unknown target {t} ({', '.join(TARGETS)})")
        write(t, TARGETS[t]())


if __name__ == "__main__":
    main()

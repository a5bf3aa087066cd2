#!/usr/bin/env python3
"""Writes the seed corpus of the shim_verdict fuzzer (fuzz/corpus/shim_verdict/).

    python3 fuzz/make_seeds.py

Each seed is framed as fuzz/shim_verdict_fuzz.cc describes: one selector
byte, the argv words after `pm2` joined by NUL bytes, 0xFF, then the
daemon's process list as JSON. The argv come from tests/parity/argv-cases.txt
(plus a few forms it does not list: scale, namespaces, ids, stdin), the
tables from tests/fixtures/jlist-sample.json, reduced to the fields the shim
reads so that the seeds stay small. Rerunning it replaces the directory's
contents with the same files (libFuzzer's finds go to a scratch directory,
never here).
"""
import json
import os
import shlex

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "corpus", "shim_verdict")

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


def main():
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

    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):  # the directory holds this script's output only
        os.remove(os.path.join(OUT, old))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()

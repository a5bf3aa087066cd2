#!/usr/bin/env python3
"""Generates N pm2-dense deploy workflows (about 6 KB each at --jobs 1): seven
`run:` scripts per deploy job plus an appleboy/ssh-action `script:`, with ssh
heredocs (`ssh host <<'EOF' ... pm2 ... EOF`), `pm2 jlist | jq ... | xargs -r
pm2 restart` pipelines, `${{ }}` expressions, `if`/`for`/`case` in shell,
ecosystem reloads, `pm2 delete all` and other dangerous forms in a fraction of
the files. Heavier on pm2 than gen_workflows.py, which models the average
repository; this one models the deploy workflow itself.

Deterministic for a given seed and N: file i depends only on (seed, i).

  gen_dense_workflows.py N OUT [--seed S] [--jobs J] [--scripts DIR]

writes OUT/.github/workflows/dense-00000.yml ... and, with --scripts, every
script block (`run:` and `script:`) as DIR/dense-00000-NN.sh: the text as the
YAML literal decodes it, with each `${{ ... }}` masked by a same-length
`${___}` as pm2guard masks it before parsing (bench/ts_floor.c parses these
to give the tree-sitter-only floor)."""
import argparse
import os
import random
import re

APPS = ["api", "worker", "web", "scheduler", "billing", "crawler", "notifier", "admin", "gateway", "search"]
ENVS = ["production", "staging", "preview"]
HOSTS = ["PROD_HOST", "STAGING_HOST", "EDGE_HOST", "DEPLOY_HOST"]


def heredoc_deploy(rng, app, env, danger):
    """An ssh heredoc: the remote side does the pm2 work."""
    host = rng.choice(HOSTS)
    quote = rng.choice(["'EOF'", "EOF", "'REMOTE'"])
    end = quote.strip("'")
    body = [
        f"set -euo pipefail",
        f"cd /srv/{app}/current",
        "git fetch --quiet origin && git reset --hard \"origin/${{ github.ref_name }}\"",
        "npm ci --omit=dev --no-audit --no-fund",
        f"if pm2 describe {app}-api > /dev/null 2>&1; then",
        f"  pm2 reload ecosystem.config.js --only {app}-api --env {env} --update-env",
        "else",
        f"  pm2 start ecosystem.config.js --only {app}-api --env {env}",
        "fi",
        f"for svc in worker cron mailer; do pm2 restart \"{app}-$svc\" --update-env || true; done",
        f"pm2 jlist | jq -r '.[] | select(.name|startswith(\"{app}-\")) | .name' | xargs -r pm2 restart",
        "pm2 save --force",
    ]
    if danger == "stop-all":
        body.insert(5, "pm2 stop all")
    if danger == "delete-all":
        body.append("pm2 delete all || true")
    tail = body[9:]
    rng.shuffle(tail)
    body[9:] = tail
    lines = [
        'echo "deploying ${{ github.sha }} to ' + env + '"',
        f'ssh -o StrictHostKeyChecking=no -i ~/.ssh/deploy_key deploy@${{{{ secrets.{host} }}}} <<{quote}',
        *body,
        end,
        'echo "done: $(date -u +%FT%TZ)"',
    ]
    return lines


def jq_restart(rng, app, env, danger):
    """jq filters over pm2's process list, fed to xargs pm2."""
    status = rng.choice(["errored", "stopped", "online"])
    lines = [
        "set -e",
        f'PREFIX="{app}-"',
        f"pm2 jlist | jq -r '.[] | select(.name|startswith(\"{app}-\")) | .name' | xargs -r pm2 restart",
        "pm2 jlist | jq -r --arg p \"$PREFIX\" '.[] | select(.name | startswith($p)) | select(.pm2_env.status == \""
        + status + "\") | .pm_id' | xargs -r -n1 pm2 reload",
        "STALE=$(pm2 jlist | jq -r '.[] | select(.pm2_env.restart_time > 50) | .name')",
        'if [ -n "$STALE" ]; then',
        '  echo "$STALE" | while read -r name; do',
        '    case "$name" in',
        f'      {app}-*) pm2 restart "$name" --update-env ;;',
        '      *) echo "leaving $name alone" ;;',
        "    esac",
        "  done",
        "fi",
        f"pm2 ls --no-color | grep -q {app}-api || pm2 start ecosystem.config.js --only {app}-api --env {env}",
    ]
    if danger == "jq-all":
        lines.append("pm2 jlist | jq -r '.[].name' | xargs -r pm2 delete")
    return lines


def ecosystem_reload(rng, app, env, danger):
    cfg = rng.choice(["ecosystem.config.js", "ecosystem.config.cjs", "deploy/ecosystem.json"])
    lines = [
        f"cd ${{{{ github.workspace }}}}/{app}",
        'export NODE_ENV="${{ inputs.environment || \'' + env + '\' }}"',
        f'APP_NAME="{app}-${{{{ matrix.shard }}}}"',
        f"pm2 reload {cfg} --env {env} --update-env",
        f"pm2 reload {cfg} --only \"$APP_NAME\" --env \"$NODE_ENV\"",
        'if [ "${{ github.event_name }}" = "workflow_dispatch" ] && [ "${{ inputs.restart_workers }}" = "true" ]; then',
        f"  pm2 restart {app}-worker {app}-cron --update-env",
        "fi",
        f"pm2 startOrReload {cfg} --env {env}",
        "pm2 save",
    ]
    if danger == "restart-all":
        lines.append("pm2 restart all --update-env")
    if danger == "env-action":
        lines.append('ACTION="${{ inputs.action }}"')
        lines.append('pm2 "$ACTION" all')
    return lines


def loop_restart(rng, app, env, danger):
    svcs = rng.sample(["api", "worker", "cron", "mailer", "ws", "queue"], 4)
    lines = [
        f'SERVICES="{" ".join(svcs)}"',
        "for svc in $SERVICES; do",
        f'  name="{app}-$svc"',
        '  if pm2 describe "$name" > /dev/null 2>&1; then',
        '    pm2 reload "$name" --update-env',
        "  else",
        f'    pm2 start "dist/$svc.js" --name "$name" -i max --env {env}',
        "  fi",
        "done",
        f"for i in 1 2 3; do pm2 restart {app}-worker-$i --update-env; sleep 2; done",
        'pm2 set pm2-logrotate:max_size 50M',
        "pm2 save",
    ]
    if danger == "loop-all":
        lines.insert(1, "pm2 stop all")
    return lines


def healthcheck(rng, app, env, danger):
    port = rng.choice([3000, 3001, 8080, 8081, 5000])
    lines = [
        "ok=0",
        "for attempt in $(seq 1 10); do",
        f'  if curl -fsS "http://localhost:{port}/health" > /dev/null; then ok=1; break; fi',
        "  sleep 3",
        "done",
        'if [ "$ok" != 1 ]; then',
        f"  pm2 logs {app}-api --lines 200 --nostream",
        f"  pm2 restart {app}-api",
        "  exit 1",
        "fi",
        f"ERRORED=$(pm2 jlist | jq '[.[] | select(.name|startswith(\"{app}-\")) | select(.pm2_env.status != \"online\")] | length')",
        'if [ "$ERRORED" -gt 0 ]; then echo "::warning::$ERRORED processes are not online"; fi',
        f'echo "healthy: ${{{{ github.repository }}}}@${{{{ github.sha }}}} on port {port}"',
    ]
    return lines


def cleanup(rng, app, env, danger):
    lines = [
        f"pm2 delete {app}-old 2>/dev/null || true",
        f"pm2 delete {app}-canary-${{{{ github.run_number }}}} 2>/dev/null || true",
        "pm2 flush " + app + "-api",
        f"OLD=$(pm2 jlist | jq -r '.[] | select(.name|test(\"^{app}-pr-[0-9]+$\")) | .name')",
        'for name in $OLD; do pm2 delete "$name"; done',
        "pm2 save --force",
    ]
    if danger == "delete-all":
        lines.insert(0, "pm2 delete all")
    if danger == "kill":
        lines.append("pm2 kill")
    return lines


def build(rng, app, env, danger):
    lines = [
        "npm ci --no-audit --no-fund",
        "npm run lint",
        "npm test -- --ci --reporters=default",
        "npm run build",
        'if [ -f dist/index.js ]; then echo "built ${{ github.sha }}"; else exit 1; fi',
        f"tar czf {app}-${{{{ github.sha }}}}.tgz dist package.json package-lock.json ecosystem.config.js",
    ]
    return lines


RUN_KINDS = [("Build", build), ("Deploy over an ssh heredoc", heredoc_deploy), ("Restart by jq filter", jq_restart),
             ("Reload the ecosystem", ecosystem_reload), ("Restart the services", loop_restart),
             ("Health check", healthcheck), ("Clean up", cleanup)]
DANGERS = ["delete-all", "stop-all", "restart-all", "jq-all", "loop-all", "env-action", "kill"]


def ssh_action(rng, app, env, danger):
    lines = [
        f"cd /srv/{app}",
        "git pull --ff-only",
        f"pm2 reload ecosystem.config.js --env {env}",
        f"pm2 jlist | jq -r '.[] | select(.name|startswith(\"{app}-\")) | .name' | xargs -r pm2 restart",
        "pm2 save",
        'echo "deployed ${{ github.sha }} by ${{ github.actor }}"',
    ]
    if danger == "delete-all":
        lines.insert(2, "pm2 delete all")
    return lines


def block(out, lines, indent):
    out.extend(" " * indent + l if l else "" for l in lines)


def deploy_job(rng, out, scripts, j, app, env, danger):
    out.append(f"  deploy-{j}:")
    if j:
        out.append(f"    needs: deploy-{j - 1}")
    out.append("    runs-on: self-hosted" if rng.random() < 0.6 else "    runs-on: ${{ matrix.os }}")
    out.append("    environment: " + env)
    out.append("    strategy:")
    out.append("      matrix:")
    out.append("        shard: [a, b]")
    out.append("        os: [self-hosted]")
    out.append("    env:")
    out.append(f"      APP: {app}")
    out.append(f"      PM2_HOME: /home/deploy/.pm2")
    out.append("    steps:")
    out.append("      - uses: actions/checkout@v4")
    out.append("      - uses: actions/setup-node@v4")
    out.append("        with:")
    out.append("          node-version: 20")
    out.append("          cache: npm")
    for title, make in RUN_KINDS:
        lines = make(rng, app, env, danger)
        out.append(f"      - name: {title}")
        if rng.random() < 0.3:
            out.append("        if: ${{ github.ref == 'refs/heads/main' }}")
        out.append("        run: |")
        block(out, lines, 10)
        scripts.append(lines)
    lines = ssh_action(rng, app, env, danger)
    out.append("      - name: Deploy with appleboy/ssh-action")
    out.append("        uses: appleboy/ssh-action@v1.0.3")
    out.append("        with:")
    out.append("          host: ${{ secrets.PROD_HOST }}")
    out.append("          username: deploy")
    out.append("          key: ${{ secrets.SSH_KEY }}")
    out.append("          script: |")
    block(out, lines, 12)
    scripts.append(lines)


def workflow(seed, index, jobs):
    rng = random.Random(f"{seed}:{index}")
    app = rng.choice(APPS)
    env = rng.choice(ENVS)
    # About one file in six carries one dangerous form.
    danger = rng.choice(DANGERS) if rng.random() < 0.17 else None
    out = [f"name: deploy-{app}-{index}", "on:", "  push:", "    branches: [main]", "  workflow_dispatch:",
           "    inputs:", "      environment:", "        type: choice", "        options: [production, staging]",
           "      action:", "        type: string", "        default: reload",
           "      restart_workers:", "        type: boolean", "        default: false",
           "concurrency:", "  group: deploy-${{ github.ref }}", "  cancel-in-progress: false",
           "permissions:", "  contents: read", "  deployments: write",
           "env:", f"  APP: {app}", "  NODE_ENV: production", "  PM2_DEPLOY_REF: ${{ github.sha }}", "jobs:"]
    scripts = []
    for j in range(jobs):
        deploy_job(rng, out, scripts, j, app, env, danger)
    return "\n".join(out) + "\n", scripts


MASK = re.compile(r"\$\{\{.*?\}\}")


def masked(text):
    return MASK.sub(lambda m: "${" + "_" * (len(m.group(0)) - 3) + "}", text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=67)
    ap.add_argument("--jobs", type=int, default=1, help="deploy jobs per file (1: about 6 KB, 2: about 12 KB)")
    ap.add_argument("--scripts", help="also write every script block here as .sh")
    a = ap.parse_args()
    wf = os.path.join(a.out, ".github", "workflows")
    os.makedirs(wf, exist_ok=True)
    if a.scripts:
        os.makedirs(a.scripts, exist_ok=True)
    for i in range(a.n):
        text, scripts = workflow(a.seed, i, a.jobs)
        with open(os.path.join(wf, f"dense-{i:05d}.yml"), "w") as f:
            f.write(text)
        if a.scripts:
            for k, lines in enumerate(scripts):
                with open(os.path.join(a.scripts, f"dense-{i:05d}-{k:02d}.sh"), "w") as f:
                    f.write(masked("\n".join(lines) + "\n"))


if __name__ == "__main__":
    main()

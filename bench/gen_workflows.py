#!/usr/bin/env python3
"""Generates N deploy workflows shaped like the ones pm2 users write
(see design notes on real-world patterns): ssh-action script blocks, heredocs
over ssh, plain run steps on self-hosted runners, ${{ }} expressions, env
blocks, a few large files. Deterministic for a given seed."""
import argparse
import os
import random

APPS = ["api", "worker", "web", "scheduler", "billing", "crawler", "notifier", "admin"]


def deploy_lines(rng, app, indent):
    pad = " " * indent
    lines = [
        f"cd /srv/{app}",
        "git fetch --all && git reset --hard origin/${{ github.ref_name }}",
        "npm ci --omit=dev",
        "npm run build",
        f"pm2 describe {app}-api > /dev/null 2>&1 && pm2 reload {app}-api --update-env || pm2 start ecosystem.config.js --only {app}-api --env production",
        f"pm2 restart {app}-worker || true",
        f"pm2 delete {app}-old 2>/dev/null || true",
        "pm2 save",
        f'echo "deployed {app} at $(date -u)"',
        "pm2 jlist | jq -r '.[] | select(.name | startswith(\"" + app + "-\")) | \"\\(.name) \\(.pm2_env.status)\"'",
    ]
    rng.shuffle(lines)
    if rng.random() < 0.3:
        lines.append("for svc in api worker; do pm2 restart \"" + app + "-$svc\"; done")
    if rng.random() < 0.2:
        lines.append("if [ \"${{ github.event_name }}\" = push ]; then pm2 reload " + app + "-web; fi")
    return [pad + l for l in lines]


def ssh_action_step(rng, app, out):
    out.append("      - name: Deploy over ssh")
    out.append("        uses: appleboy/ssh-action@v1.0.3")
    out.append("        with:")
    out.append("          host: ${{ secrets.HOST }}")
    out.append("          username: deploy")
    out.append("          key: ${{ secrets.SSH_KEY }}")
    out.append("          script: |")
    out.extend(deploy_lines(rng, app, 12))


def heredoc_step(rng, app, out):
    out.append("      - name: Deploy with a heredoc")
    out.append("        run: |")
    out.append("          ssh -o StrictHostKeyChecking=no deploy@${{ secrets.HOST }} << 'EOF'")
    out.extend(deploy_lines(rng, app, 12))
    out.append("          EOF")


def run_steps(rng, app, out):
    out.append("      - uses: actions/checkout@v4")
    out.append("      - uses: actions/setup-node@v4")
    out.append("        with:")
    out.append("          node-version: 20")
    out.append("      - run: npm ci")
    out.append("      - run: npm test -- --ci")
    out.append("      - name: Build")
    out.append("        run: |")
    out.append("          npm run build")
    out.append("          tar czf dist.tgz dist")
    if rng.random() < 0.5:
        out.append("      - name: Restart on the runner")
        out.append("        run: |")
        out.extend(deploy_lines(rng, app, 10))


def workflow(rng, index, big):
    app = rng.choice(APPS)
    out = [f"name: deploy-{app}-{index}", "on:", "  push:", "    branches: [main]", "  workflow_dispatch:",
           "env:", f"  APP: {app}", "  NODE_ENV: production", "jobs:"]
    jobs = rng.randint(8, 20) if big else rng.randint(1, 3)
    for j in range(jobs):
        out.append(f"  deploy-{j}:")
        out.append("    runs-on: ${{ matrix.os }}" if rng.random() < 0.2 else "    runs-on: self-hosted")
        out.append("    steps:")
        run_steps(rng, app, out)
        shape = rng.random()
        if shape < 0.55:
            ssh_action_step(rng, app, out)
        elif shape < 0.8:
            heredoc_step(rng, app, out)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=61)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    wf = os.path.join(a.out, ".github", "workflows")
    os.makedirs(wf, exist_ok=True)
    for i in range(a.n):
        with open(os.path.join(wf, f"deploy-{i:05d}.yml"), "w") as f:
            f.write(workflow(rng, i, big=(i % 50 == 49)))


if __name__ == "__main__":
    main()

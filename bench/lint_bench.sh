#!/usr/bin/env bash
# Benchmark of `pm2guard lint`: throughput over N generated workflows and the
# wall time of a single-file run (the pre-commit case). Reports medians over
# repeated runs (hyperfine when installed: `apt-get install hyperfine`), since
# shared machines are noisy; `/bin/true` is measured alongside as the floor
# of a process start on this machine.
#
#   bench/lint_bench.sh [N=1000] [RUNS=15]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
RUNS=${2:-15}
BIN=${PM2GUARD:-build/lint/pm2guard}
OUT=bench/out/workflows-$N
[ -x "$BIN" ] || { echo "build first: $BIN is missing" >&2; exit 2; }
rm -rf "$OUT" && python3 bench/gen_workflows.py "$N" "$OUT"
bytes=$(find "$OUT" -name '*.yml' -printf '%s\n' | awk '{s+=$1} END {print s}')
one=$(find "$OUT" -name '*.yml' | sort | head -1)

# median_ms CMD... : median wall time in milliseconds
if command -v hyperfine >/dev/null 2>&1; then
  median_ms() {
    local json; json=$(mktemp)
    hyperfine -N -i --warmup 3 --runs "$RUNS" --export-json "$json" "$*" >/dev/null 2>&1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"]*1000)' "$json"
    rm -f "$json"
  }
else
  median_ms() {
    for _ in $(seq "$RUNS"); do
      s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000))
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] / 1000}'
  }
fi

all=$(median_ms "$BIN" lint "$OUT")
single=$(median_ms "$BIN" lint "$one")
floor=$(median_ms /bin/true)
awk -v n="$N" -v b="$bytes" -v t="$all" -v s="$single" -v f="$floor" -v c="$(nproc)" 'BEGIN {
  printf "files: %d (%.1f MB), cores: %d\n", n, b / 1e6, c
  printf "all files:   median %.0f ms  ->  %.0f files/s, %.1f MB/s\n", t, n / (t / 1e3), b / 1e6 / (t / 1e3)
  printf "single file: median %.2f ms  (process start floor, /bin/true: %.2f ms)\n", s, f
}'

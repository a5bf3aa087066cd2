#!/usr/bin/env bash
# Benchmark of `pm2guard lint`: throughput over N generated workflows and the
# wall time of a single-file run (the pre-commit case). Reports medians over
# several runs, since shared machines are noisy.
#
#   bench/lint_bench.sh [N=1000] [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
RUNS=${2:-7}
BIN=${PM2GUARD:-build/lint/pm2guard}
OUT=bench/out/workflows-$N
[ -x "$BIN" ] || { echo "build first: $BIN is missing" >&2; exit 2; }
rm -rf "$OUT" && python3 bench/gen_workflows.py "$N" "$OUT"
bytes=$(find "$OUT" -name '*.yml' -printf '%s\n' | awk '{s+=$1} END {print s}')
one=$(find "$OUT" -name '*.yml' | sort | head -1)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
time_ns() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $((e - s)); }

all=$(for _ in $(seq "$RUNS"); do time_ns "$BIN" lint "$OUT"; done | median)
single=$(for _ in $(seq $((RUNS * 5))); do time_ns "$BIN" lint "$one"; done | median)
awk -v n="$N" -v b="$bytes" -v t="$all" -v s="$single" -v c="$(nproc)" 'BEGIN {
  printf "files: %d (%.1f MB), cores: %d\n", n, b / 1e6, c
  printf "all files: median %.3f s  ->  %.0f files/s, %.2f MB/s\n", t / 1e9, n / (t / 1e9), b / 1e6 / (t / 1e9)
  printf "single file: median %.2f ms\n", s / 1e6
}'

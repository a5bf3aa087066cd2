#!/usr/bin/env bash
# Overhead of the pm2 shim, as ratios against calling the real pm2 directly
# in the same run: a pass-through command (`pm2 jlist`, exec'd in place) and
# a destructive one (`pm2 restart APP`: process list over the RPC socket,
# policy, lock, audit, pm2 as a child, the list again), and a reload through
# an ecosystem file (the file read once by pm2's own code under node, then
# handed to pm2 as judged). Medians of repeated
# runs (hyperfine), on a private daemon that is killed at the end.
#
#   bench/shim_bench.sh [RUNS=20]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
SHIM_DIR=$PWD/build/shim-bin
REAL=$PWD/third_party/node_modules/.bin/pm2
[ -x "$SHIM_DIR/pm2" ] || { echo "build first: $SHIM_DIR/pm2 is missing" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

work=$(mktemp -d /tmp/pm2g-bench-XXXXXX)
export HOME=$work PM2_HOME=$work/h
export PATH="$SHIM_DIR:$(dirname "$REAL"):$PATH"
mkdir -p "$PM2_HOME" && touch "$PM2_HOME/touch"
cleanup() { "$REAL" kill >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
echo 'setInterval(() => {}, 1000)' > "$work/idle.js"
for n in web-api web-worker billing-api stock-alert-api flyer-api; do
  "$REAL" start "$work/idle.js" --name "$n" >/dev/null
done

median() {  # median seconds of each command, in order
  local json; json=$(mktemp)
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json" "$@" >/dev/null 2>&1
  python3 -c 'import json,sys; [print(r["median"]) for r in json.load(open(sys.argv[1]))["results"]]' "$json"
  rm -f "$json"
}
report() {  # label direct shim
  awk -v l="$1" -v d="$2" -v s="$3" 'BEGIN { printf "%-34s direct %7.1f ms   shim %7.1f ms   ratio %.3f\n", l, d * 1e3, s * 1e3, s / d }'
}

mapfile -t t < <(median "$REAL jlist" "$SHIM_DIR/pm2 jlist")
report "pass-through (pm2 jlist)" "${t[0]}" "${t[1]}"
mapfile -t t < <(median "$REAL restart web-api" "$SHIM_DIR/pm2 restart web-api")
report "destructive (pm2 restart web-api)" "${t[0]}" "${t[1]}"
cat > "$work/ecosystem.config.js" <<EOF
module.exports = { apps: [
  { name: 'web-api', script: '$work/idle.js', env_production: { NODE_ENV: 'production' } },
  { name: 'web-worker', script: '$work/idle.js', env_production: { NODE_ENV: 'production' } },
] };
EOF
mapfile -t t < <(cd "$work" && median "$REAL reload ecosystem.config.js --env production" \
                                     "$SHIM_DIR/pm2 reload ecosystem.config.js --env production")
report "ecosystem (pm2 reload FILE --env)" "${t[0]}" "${t[1]}"
echo "audit lines written: $(wc -l < "$PM2_HOME/pm2guard-audit.log")"

#!/usr/bin/env bash
# A typical deploy script run over ssh by a workflow: the dangerous calls
# are here, not in the YAML.
set -euo pipefail

APP_DIR=/srv/flyer-crawler
APP=flyer-crawler

log() { echo "[deploy] $*"; }

log "pulling"
cd "$APP_DIR" && git pull --ff-only

# Old cleanup, kept "just in case".
pm2 delete all || true  # expect: target-all
pm2 delete "$APP-api" "$APP-worker" 2>/dev/null || true

run_pm2() {
  sudo su deploy -c "pm2 $*"
}
run_pm2 restart "$APP-api"
run_pm2 stop all  # expect: target-all

for svc in api worker analytics; do
  pm2 restart "$APP-$svc"
done

TARGETS="api worker all"
for t in $TARGETS; do
  pm2 reload "$t"  # expect: target-all
done

pm2 jlist | jq -r '.[].name' | xargs -r pm2 delete  # expect: unfiltered-listing-target
pm2 jlist | jq -r ".[] | select(.name | startswith(\"$APP-\")) | .name" | xargs -r pm2 delete

pm2 start ecosystem.config.js --only "$APP-api" --env production
pm2 save

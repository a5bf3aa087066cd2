#!/usr/bin/env bash
# ADR-061's five safeguard layers: nothing here may be reported.
set -euo pipefail

echo "=== WORKFLOW METADATA ==="
echo "Git commit: $(git rev-parse HEAD)"
echo "=== PRE-CLEANUP PM2 STATE ==="
pm2 jlist

echo "Stopping all PM2 processes... no: only ours"
pm2 jlist | node -e "
const list = JSON.parse(require('fs').readFileSync(0, 'utf-8'));
const targets = list.filter(p => p.name && p.name.startsWith('flyer-crawler-') && !p.name.endsWith('-test'));
if (targets.length === list.length && list.length > 3) { console.error('SAFETY ABORT'); process.exit(1); }
targets.forEach(p => console.log(p.pm2_env.pm_id));
" | xargs -r -n1 pm2 delete

pm2 delete allocation-service || true
pm2 reset flyer-crawler-api
pm2 flush all
pm2 describe all
pm2 stop /^flyer-crawler-/
pm2 stop /srv/flyer-crawler/index.js
pm2 start ecosystem.config.cjs --only flyer-crawler-api
pm2 logs --lines 50 --nostream
npm i -g pm2
command -v pm2
docker run --rm keymetrics/pm2:18-bullseye pm2-runtime --version
echo "=== POST-CLEANUP VERIFICATION ==="
pm2 jlist | jq -r '.[] | select(.name | startswith("flyer-crawler-")) | .name'

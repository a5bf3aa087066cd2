#!/bin/bash
# Values a variable takes on some path: branches, defaults, conditional
# assignments, CI-style alternatives.
set -euo pipefail

APP="${1:-all}"
pm2 reload "$APP"  # expect: target-all

if [ "${CLEAN:-}" = yes ]; then
  SCOPE=all
else
  SCOPE=shop-api
fi
pm2 delete "$SCOPE"  # expect: target-all

case "${DEPLOY_ENV:-staging}" in
  production) NAME=shop-api ;;
  *) NAME=shop-api-staging ;;
esac
pm2 delete "$NAME"

PATTERN=/^shop-/
[ -n "${BROAD:-}" ] && PATTERN=/.*/
pm2 restart "$PATTERN"  # expect: regex-matches-all

if command -v pm2 >/dev/null; then PM2=pm2; else PM2="npx pm2"; fi
$PM2 startOrReload ecosystem.config.js --only shop-api
$PM2 kill  # expect: daemon-teardown

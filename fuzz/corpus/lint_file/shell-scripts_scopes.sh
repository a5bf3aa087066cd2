#!/bin/bash
# Where a variable is visible: subshells, pipeline stages and substitutions
# keep their assignments to themselves.
TARGET=web-api

( TARGET=all )
echo "switching" | TARGET=all
LOG=$(TARGET=all; date)
pm2 restart "$TARGET"

( TARGET=all; pm2 restart "$TARGET" )  # expect: target-all

# A new shell sees the exported variables only; ssh's remote shell none.
SCOPE=all
bash -c 'pm2 stop "$SCOPE"'  # expect: dynamic-target
ssh deploy@203.0.113.10 'pm2 stop "$SCOPE"'  # expect: dynamic-target
ssh deploy@203.0.113.10 "pm2 stop $SCOPE"  # expect: target-all
export SCOPE
bash -c 'pm2 stop "$SCOPE"'  # expect: target-all
bash -c 'SCOPE=web-api'
pm2 stop "$TARGET"

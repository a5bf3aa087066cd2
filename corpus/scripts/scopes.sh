#!/bin/bash
# Where a variable is visible: subshells, pipeline stages and substitutions
# keep their assignments to themselves.
TARGET=web-api

( TARGET=all )
echo "switching" | TARGET=all
LOG=$(TARGET=all; date)
pm2 restart "$TARGET"

( TARGET=all; pm2 restart "$TARGET" )  # expect: target-all

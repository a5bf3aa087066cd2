#!/bin/bash
# A script the grammar cannot fully read: the error is reported, and the
# calls around it are still checked.
pm2 stop all  # expect: target-all
if [ -f /tmp/flag ]; then
  echo "half an if"
)  # expect: shell-parse-error
pm2 kill  # expect: daemon-teardown

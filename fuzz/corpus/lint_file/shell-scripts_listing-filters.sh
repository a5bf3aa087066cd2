#!/bin/bash
# Process listings through filters that only seem to pick names.
# A status, exec mode, user or memory column picks every application's processes.
pm2 list | grep errored | awk '{print $4}' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 ls | grep -w cluster | awk '{print $4}' | xargs pm2 reload  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[] | select(.pm2_env.status == "errored") | .name' | xargs pm2 delete  # expect: unfiltered-listing-target

# Patterns that match every name.
pm2 jlist | jq -r '.[] | select(.name | startswith("")) | .name' | xargs pm2 stop  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[] | select(.name | test(".*")) | .name' | xargs pm2 stop  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[] | select(.name | startswith("web") | not) | .name' | xargs pm2 stop  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[] | select((.name | startswith("web")) == false) | .name' | xargs pm2 stop  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[].name' | grep -E 'web|' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[].name' | grep 'web\|' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[].name' | grep -e web -e '' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[].name' | awk '!/web/' | xargs pm2 delete  # expect: unfiltered-listing-target

# Patterns known only at run time: an empty variable matches every line.
pm2 jlist | jq -r '.[].name' | grep "$APP" | xargs pm2 delete  # expect: dynamic-target
pm2 jlist | jq -r '.[].name' | grep -E "^$APP" | xargs pm2 delete  # expect: dynamic-target
pm2 jlist | jq -r --arg p "$APP" '.[] | select(.name | startswith($p)) | .name' | xargs pm2 delete  # expect: dynamic-target
pm2 jlist | jq -r '.[] | select(.name | contains(env.APP)) | .name' | xargs pm2 delete  # expect: dynamic-target
pm2 jlist | jq -r '.[].name' | awk -v p="$APP" '$0 ~ p' | xargs pm2 delete  # expect: dynamic-target
pm2 jlist | jq -r '.[].name' | sed -n "/$APP/p" | xargs pm2 delete  # expect: dynamic-target

# Real name filters stay quiet.
pm2 jlist | jq -r --arg app "$APP" '.[] | select(.name == $app) | .name' | xargs pm2 delete
pm2 jlist | jq -r '.[].name' | grep "web-$ENV" | xargs pm2 delete
pm2 jlist | jq -r '.[] | select(.name | startswith("web-")) | .name' | xargs pm2 restart
pm2 jlist | jq -r '.[].name' | grep -E '^(web|api)-' | xargs pm2 delete

#!/bin/bash
# Targets taken from a process listing.
for id in $(pm2 jlist | jq -r '.[].pm_id'); do
  pm2 stop "$id"  # expect: unfiltered-listing-target
done

pm2 ls | awk 'NR>3 {print $4}' | while read -r name; do
  pm2 delete "$name"  # expect: unfiltered-listing-target
done

NAMES=$(pm2 jlist | jq -r '.[].name')
pm2 restart $NAMES  # expect: unfiltered-listing-target

mapfile -t procs < <(pm2 jlist | jq -r '.[].name' | grep -- '-test$')
for p in "${procs[@]}"; do pm2 delete "$p"; done

pm2 jlist > /tmp/procs.json
jq -r '.[].name' /tmp/procs.json | xargs pm2 stop  # expect: unfiltered-listing-target
jq -r '.[] | select(.pm2_env.namespace == "staging") | .name' /tmp/procs.json | xargs pm2 stop

pm2 ls | grep -v flyer | awk '{print $4}' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 ls | grep flyer-crawler | awk '{print $4}' | xargs pm2 delete

# A stage the linter does not know may pass every name on.
pm2 jlist | ./scripts/select-apps | xargs pm2 delete  # expect: dynamic-target
pm2 jlist | ./scripts/select-apps | grep '^flyer-' | xargs pm2 delete

# A condition counts as a filter only when it tests the name or namespace.
pm2 jlist | jq -r '.[] | select(.pm2_env.status == "online") | .name' | xargs pm2 restart  # expect: unfiltered-listing-target
pm2 jlist | node -e 'for (const p of JSON.parse(require("fs").readFileSync(0))) if (p.pm_id >= 0) console.log(p.name)' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 jlist | python3 -c 'import json,sys
for p in json.load(sys.stdin):
    print(p["name"])' | xargs pm2 stop  # expect: unfiltered-listing-target
pm2 ls | grep name | awk '{print $4}' | xargs pm2 stop  # expect: unfiltered-listing-target
pm2 jlist | jq -r '.[].name' | sed -n '/./p' | xargs pm2 delete  # expect: unfiltered-listing-target
pm2 jlist | python3 -c 'import json,sys
for p in json.load(sys.stdin):
    if p["name"].startswith("flyer-"):
        print(p["name"])' | xargs pm2 stop
pm2 jlist | jq -r '.[].name | select(startswith("flyer-"))' | xargs pm2 delete

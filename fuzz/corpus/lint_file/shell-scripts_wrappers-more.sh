#!/bin/bash
# pm2 reached through tool runners, remote shells and job launchers.
gcloud compute ssh web-1 --zone europe-west1-b --command "cd /srv && pm2 restart all"  # expect: target-all
gcloud compute ssh web-1 --command="pm2 kill"  # expect: daemon-teardown
gcloud beta compute ssh web-1 --tunnel-through-iap -- -t pm2 delete all  # expect: target-all
doppler run --project api --config prd -- pm2 reload all  # expect: target-all
doppler run --command "pm2 stop all"  # expect: target-all
mise x node@20 -- pm2 delete all  # expect: target-all
mise exec node@20 --command "pm2 kill"  # expect: daemon-teardown
nvm exec 20 pm2 restart all  # expect: target-all
nvm run 20 ./node_modules/.bin/pm2 kill  # expect: daemon-teardown
asdf exec pm2 stop all  # expect: target-all
volta run --node 20 pm2 delete all  # expect: target-all
dotenvx run -f .env.production -- pm2 reload all  # expect: target-all
op run --env-file prod.env -- pm2 restart all  # expect: target-all
find /srv/apps -name ecosystem.config.js -exec pm2 delete all \;  # expect: target-all
find /srv/apps -name '*.json' -execdir pm2 delete {} +  # expect: dynamic-target
parallel pm2 stop ::: all  # expect: target-all
parallel 'pm2 delete {}' ::: all  # expect: target-all
pm2 jlist | jq -r '.[].name' | parallel pm2 delete  # expect: unfiltered-listing-target
tmux new -d -s deploy 'pm2 restart all'  # expect: target-all
tmux send-keys -t deploy 'pm2 delete all' Enter  # expect: target-all
screen -dmS deploy pm2 kill  # expect: daemon-teardown
systemd-run --user --unit deploy -p MemoryMax=1G pm2 restart all  # expect: target-all
chroot /srv/jail pm2 stop all  # expect: target-all
nsenter -t 1 -m -u pm2 kill  # expect: daemon-teardown
lxc exec web --env HOME=/home/app -- pm2 delete all  # expect: target-all
vagrant ssh -c "pm2 restart all"  # expect: target-all
mosh deploy@web -- pm2 stop all  # expect: target-all
ansible web -m shell -a "pm2 reload all"  # expect: target-all
ansible web -a "pm2 kill"  # expect: daemon-teardown
chrt -f 10 pm2 delete all  # expect: target-all
builtin command pm2 stop all  # expect: target-all
node ./node_modules/.bin/pm2 kill  # expect: daemon-teardown

# Named processes, and commands that only look like these.
gcloud compute ssh web-1 --command "pm2 restart web-api"
mise x node@20 -- pm2 reload web-api
find /srv -name '*.log' -exec rm {} \;
tmux attach -t deploy
screen -r deploy
ansible web -m copy -a "src=ecosystem.config.js dest=/srv/app/"
nvm run 20 server.js all

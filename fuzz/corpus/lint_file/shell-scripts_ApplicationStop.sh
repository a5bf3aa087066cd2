#!/bin/bash
# AWS CodeDeploy ApplicationStop hook.
source /home/ec2-user/.bashrc
export PATH=$PATH:/home/ec2-user/.nvm/versions/node/v20.11.0/bin

if command -v pm2 >/dev/null 2>&1; then
  echo "Stopping all PM2 processes"
  sudo pm2 stop all || true  # expect: target-all
  pm2 kill  # expect: daemon-teardown
fi
# pm2 delete all   <- commented out long ago
exit 0

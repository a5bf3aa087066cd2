#!/bin/bash
# Commands nested in ssh, sudo and bash -c: each layer is parsed again.
HOST=deploy@203.0.113.10

ssh -o StrictHostKeyChecking=no "$HOST" 'cd /srv/app && pm2 delete all'  # expect: target-all
ssh -tt "$HOST" 'sudo -i -u root bash -c "pm2 restart all"'  # expect: target-all
ssh "$HOST" "export NODE_ENV=production && \
  pm2 reload all"  # expect: target-all
ssh "$HOST" pm2 kill  # expect: daemon-teardown
sudo -u deploy bash -c 'pm2 stop /.*/'  # expect: regex-matches-all
eval "pm2 delete all"  # expect: target-all

ssh "$HOST" <<'EOF'
  cd /srv/app
  pm2 delete app-api || true
  pm2 delete all  # expect: target-all
EOF

cat <<'EOF' | ssh "$HOST" bash
pm2 kill  # expect: daemon-teardown
EOF

# Data, not commands.
ssh "$HOST" 'cat > /tmp/notes.txt' <<'EOF'
pm2 delete all
EOF
ssh "$HOST" 'echo "run pm2 delete all to wipe the host"'

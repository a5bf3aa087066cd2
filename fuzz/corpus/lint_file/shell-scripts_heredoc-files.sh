#!/bin/sh
# Heredocs written to files: data, unless the file is run later.
cat > /tmp/README.txt <<EOF
To reset the box: pm2 delete all
EOF

cat > /tmp/cleanup.sh <<'EOF'
#!/bin/sh
pm2 delete all  # expect: target-all
EOF
scp /tmp/cleanup.sh deploy@host:/tmp/cleanup.sh
ssh deploy@host 'sh /tmp/cleanup.sh'

sudo tee /etc/systemd/system/pm2-legacy.service > /dev/null <<EOF
[Unit]
Description=legacy pm2
[Service]
ExecStart=/usr/bin/pm2 resurrect
ExecStop=/usr/bin/pm2 stop all  # expect: target-all
EOF

#!/bin/sh
# Targets only known at run time: warnings, checked by the shim later.
pm2 delete "$1"  # expect: dynamic-target
pm2 restart ${APP_NAME}  # expect: dynamic-target
pm2 reload "$APP_NAME-web"
pm2 start "$APP_DIR/dist/server.js" --name "$APP_NAME"
pm2 stop $(cat /etc/app/names)  # expect: dynamic-target
$PM2 delete all  # expect: target-all
PM2_BIN=/usr/local/bin/pm2
$PM2_BIN kill  # expect: daemon-teardown
pm2 $ACTION web  # expect: dynamic-target

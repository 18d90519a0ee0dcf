#!/usr/bin/env bash
# start_rulebook.sh LOG PIDFILE ARGS...: ansible-rulebook ARGS in the background, its output in LOG, its pid in PIDFILE.
set -euo pipefail
log="$1" pidfile="$2"
shift 2
nohup "$@" > "$log" 2>&1 &
echo $! > "$pidfile"

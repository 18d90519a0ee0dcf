#!/usr/bin/env bash
# stop_rulebook.sh PIDFILE: stop an ansible-rulebook started by start_rulebook.sh and wait for it to end.
set -u
[ -f "$1" ] || exit 0
pid="$(cat "$1")"
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.2
done
kill -9 "$pid" 2>/dev/null
exit 0

#!/usr/bin/env bash
# ensure_java.sh: ansible-rulebook needs Java 17 or newer. Install it from the package registry when it is missing
# and this machine can (root, apt-get); otherwise say what to do.
set -u
version() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
v="$(version)"
if [ -z "$v" ] || [ "$v" -lt 17 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing openjdk-17-jre-headless (found: ${v:-no java})" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >&2 \
            || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >&2; }
        v="$(version)"
    fi
fi
if [ -z "$v" ] || [ "$v" -lt 17 ]; then
    echo "ansible-rulebook needs Java 17 or newer (found: ${v:-none}); install it, e.g. apt-get install openjdk-17-jre-headless" >&2
    exit 1
fi
echo "$v"

#!/usr/bin/env bash
# Measure onboarding N hosts with the collection against the same job written with ansible.builtin.uri,
# and a no-change re-run against one ping task per host. Runs against a fresh simulator.
#
#   bash tests/performance/run.sh [HOSTS] [FORKS]       (defaults 40 and 5)
#
# Prints a Markdown table of wall-clock seconds and simulator request counts.
set -euo pipefail
HOSTS="${1:-40}"
FORKS="${2:-5}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CL_ROOT="$ROOT"
# shellcheck source=/dev/null
source "$ROOT/scripts/setup-venv.sh" --no-run
cl_setup_venv >/dev/null 2>&1
cl_install_collection >/dev/null 2>&1
export PATH="$CL_VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.ansible/collections"
export ANSIBLE_PYTHON_INTERPRETER="$CL_VENV/bin/python"
export ANSIBLE_STDOUT_CALLBACK=ansible.builtin.minimal

RUN="$(mktemp -d "${TMPDIR:-/tmp}/cloutility-perf.XXXXXX")"
python -m cloutility_simulator --host 127.0.0.1 --port 0 --port-file "$RUN/port" --quiet >"$RUN/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null; rm -rf "$RUN"' EXIT
for _ in $(seq 1 100); do [ -s "$RUN/port" ] && break; sleep 0.1; done
SIM_URL="http://127.0.0.1:$(cat "$RUN/port")"
export CLOUTILITY_API_URL="$SIM_URL/v1" CLOUTILITY_CLIENT_ID=ansible-demo CLOUTILITY_ORIGIN=https://ansible.example.com
export CLOUTILITY_USERNAME=ansible@example.com CLOUTILITY_PASSWORD='Sim-Passw0rd!'
export XDG_CACHE_HOME="$RUN/cache"   # a cold token cache for every measurement

{
    echo "all:"
    echo "  vars:"
    echo "    ansible_connection: local"
    echo "    bench_unit: Internal"
    echo "    bench_os: Linux"
    echo "    bench_type: File Server"
    echo "    bench_domain: STANDARD"
    echo "    bench_option_set: DEDUP_AND_COMPRESS"
    echo "    onboard_bunit: Acme Hosting/Internal"
    echo "    onboard_operating_system: '{{ bench_os }}'"
    echo "    onboard_node_type: '{{ bench_type }}'"
    echo "    onboard_domain: '{{ bench_domain }}'"
    echo "    onboard_client_option_set: '{{ bench_option_set }}'"
    echo "  hosts:"
    for i in $(seq -w 1 "$HOSTS"); do echo "    perf-host-$i:"; done
} >"$RUN/inventory.yml"

counters() { python -c "import json,sys,urllib.request; c=json.load(urllib.request.urlopen('$SIM_URL/_sim/counters')); print(c['total'], c['writes'])"; }
reset() { python -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$SIM_URL/_sim/reset', method='POST'))"; rm -rf "$XDG_CACHE_HOME"; }

ROWS=()
measure() {  # measure LABEL PLAYBOOK [EXTRA ansible-playbook ARGS...]
    local label="$1" playbook="$2" start end requests writes
    shift 2
    python -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$SIM_URL/_sim/counters/reset', method='POST'))"
    start=$(date +%s.%N)
    ansible-playbook -i "$RUN/inventory.yml" -f "$FORKS" "$playbook" "$@" >"$RUN/last.log" 2>&1 || { cat "$RUN/last.log"; exit 1; }
    end=$(date +%s.%N)
    read -r requests writes < <(counters)
    ROWS+=("$(printf '| %s | %.1f | %.2f | %s | %s |' "$label" "$(echo "$end - $start" | bc)" "$(echo "($end - $start) / $HOSTS" | bc -l)" "$requests" "$writes")")
}

reset
measure "ping (no-op floor)" tests/performance/ping.yml
measure "uri tasks, first run" tests/performance/onboard_uri.yml
measure "uri tasks, re-run" tests/performance/onboard_uri.yml
reset
measure "collection (onboard role), first run" tests/performance/onboard_collection.yml
measure "collection (onboard role), re-run" tests/performance/onboard_collection.yml
measure "collection, re-run, modules in their own processes" tests/performance/onboard_collection.yml -e cloutility_in_process=false
reset
measure "collection, first run, modules in their own processes" tests/performance/onboard_collection.yml -e cloutility_in_process=false

echo "$HOSTS hosts, $FORKS forks, $(nproc) cores, ansible-core $(ansible --version | head -1 | grep -o '[0-9.]*\]' | tr -d ']')"
echo
echo "| run | seconds | seconds per host | API requests | writes |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"

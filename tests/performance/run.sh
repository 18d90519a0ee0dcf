#!/usr/bin/env bash
# Measure the onboard role and the audit playbook over fleets of hosts against a simulator that answers every
# API request late (as a portal tens to hundreds of milliseconds away does), against Ansible's own floor (one
# debug task per host), and count the requests.
#
#   bash tests/performance/run.sh [--latency-ms MS] [--forks N] [--rounds N] [HOSTS ...]
#        defaults: --latency-ms 100 --forks 16 --rounds 1, HOSTS 100 (e.g. `... 100 1000`)
#
# For every fleet size, against a fresh simulator and a cold token cache: the floor, the role's first run and
# re-run (the onboard playbook: import_role with rolespec_validate false), a re-run of the role in `roles:` (with
# no per-host argument validation task: see roles/onboard/README.md) and the audit (cloutility.cloutility.audit). Prints a Markdown table (and each row as it is measured).
# With --rounds N, all of that N times per fleet size (from an empty portal each time), then every round's ratio to
# its own floor and their median: the machine's speed varies from minute to minute, and one round can fall in a slow one.
set -euo pipefail
LATENCY=100
FORKS=16
ROUNDS=1
SIZES=()
while [ $# -gt 0 ]; do
    case "$1" in
    --latency-ms) LATENCY="$2"; shift 2 ;;
    --forks) FORKS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) SIZES+=("$1"); shift ;;
    esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CL_ROOT="$ROOT"
# shellcheck source=/dev/null
source "$ROOT/scripts/venv.sh"
cl_setup_venv >/dev/null 2>&1
cl_install_collection >/dev/null 2>&1
export PATH="$CL_VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.ansible/collections"
export ANSIBLE_PYTHON_INTERPRETER="$CL_VENV/bin/python"
export ANSIBLE_STDOUT_CALLBACK=ansible.builtin.default

RUN="$(mktemp -d "${TMPDIR:-/tmp}/cloutility-perf.XXXXXX")"
python -m cloutility_simulator --host 127.0.0.1 --port 0 --port-file "$RUN/port" --latency-ms "$LATENCY" --quiet >"$RUN/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null; rm -rf "$RUN"' EXIT
for _ in $(seq 1 100); do [ -s "$RUN/port" ] && break; sleep 0.1; done
SIM_URL="http://127.0.0.1:$(cat "$RUN/port")"
export CLOUTILITY_API_URL="$SIM_URL/v1" CLOUTILITY_CLIENT_ID=ansible-demo CLOUTILITY_ORIGIN=https://ansible.example.com
export CLOUTILITY_USERNAME=ansible@example.com CLOUTILITY_PASSWORD='Sim-Passw0rd!'
export XDG_CACHE_HOME="$RUN/cache"   # a cold token cache for every measurement

inventory() {  # inventory HOSTS: half the hosts in Contoso, half in Fabrikam
    echo "all:"
    echo "  vars:"
    echo "    ansible_connection: local"
    echo "    onboard_operating_system: Linux"
    echo "    onboard_node_type: File Server"
    echo "    onboard_domain: STANDARD"
    echo "    onboard_client_option_set: DEDUP_AND_COMPRESS"
    echo "  children:"
    local unit parity
    for unit in Contoso Fabrikam; do
        parity=0
        if [ "$unit" = Contoso ]; then parity=1; fi
        echo "    ${unit,,}:"
        echo "      vars:"
        echo "        onboard_bunit: Acme Hosting/Customers/$unit"
        echo "      hosts:"
        for i in $(seq -w 1 "$1"); do
            if [ $((10#$i % 2)) -eq "$parity" ]; then echo "        perf-host-$i:"; fi
        done
    done
}

post() { python -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$SIM_URL/_sim/$1', method='POST'))"; }
counters() { python -c "import json,urllib.request; c=json.load(urllib.request.urlopen('$SIM_URL/_sim/counters')); print(c['total'], c['writes'])"; }
reset() { post reset; rm -rf "$XDG_CACHE_HOME"; }

ROWS=()
RATIOS=()  # "HOSTS|KIND|ratio" for every round
FLOOR=0
measure() {  # measure HOSTS PLAYBOOK [EXTRA ansible-playbook ARGS...]: prints "seconds requests writes"
    local hosts="$1" playbook="$2" start end
    shift 2
    post counters/reset
    rm -rf "$XDG_CACHE_HOME"
    start=$(date +%s.%N)
    ansible-playbook -i "$RUN/inventory-$hosts.yml" -f "$FORKS" "$playbook" "$@" >"$RUN/last.log" 2>&1 || { tail -50 "$RUN/last.log" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc) $(counters)"
}
row() {  # row HOSTS LABEL [KIND]: the last measurement as one line of the table, against FLOOR
    local seconds requests writes ratio
    read -r seconds requests writes <"$RUN/measured"
    ratio="$(printf '%.2f' "$(echo "$seconds / $FLOOR" | bc -l)")"
    ROWS+=("$(printf '| %s | %s | %.1f | %s | %s | %.2f | %s |' "$1" "$2" "$seconds" "$ratio" \
        "$requests" "$(echo "$requests / $1" | bc -l)" "$writes")")
    echo "${ROWS[-1]}" >&2
    if [ -n "${3:-}" ]; then RATIOS+=("$1|$3|$ratio"); fi
}

for hosts in "${SIZES[@]}"; do
    inventory "$hosts" >"$RUN/inventory-$hosts.yml"
    for round in $(seq 1 "$ROUNDS"); do
        label=""
        if [ "$ROUNDS" -gt 1 ]; then label="round $round: "; fi
        reset
        # The floor is measured twice and the faster run kept: the first run after the simulator starts reads every
        # file cold, and a slow floor would make every ratio look better than it is.
        measure "$hosts" tests/performance/floor.yml >"$RUN/floor1"
        measure "$hosts" tests/performance/floor.yml >"$RUN/floor2"
        read -r first _ <"$RUN/floor1"
        read -r second _ <"$RUN/floor2"
        if [ "$(echo "$second < $first" | bc)" -eq 1 ]; then cp "$RUN/floor2" "$RUN/measured"; else cp "$RUN/floor1" "$RUN/measured"; fi
        read -r FLOOR _ <"$RUN/measured"
        row "$hosts" "${label}floor (one debug task per host; the faster of $(printf '%.1f' "$first") s and $(printf '%.1f' "$second") s)"
        measure "$hosts" cloutility.cloutility.onboard >"$RUN/measured"
        row "$hosts" "${label}onboard role, first run (cloutility.cloutility.onboard)" "first run|3"
        measure "$hosts" cloutility.cloutility.onboard >"$RUN/measured"
        row "$hosts" "${label}onboard role, re-run (cloutility.cloutility.onboard)" "re-run|2"
        measure "$hosts" tests/performance/onboard_collection.yml >"$RUN/measured"
        row "$hosts" "${label}onboard role, re-run, \`roles:\` (no per-host validation task: the role's meta/argument_specs)" "re-run in roles:|-"
        measure "$hosts" cloutility.cloutility.audit -e "audit_report=$RUN/audit.json" >"$RUN/measured"
        row "$hosts" "${label}audit (cloutility.cloutility.audit)" "audit|2"
    done
done

echo "forks $FORKS, API latency $LATENCY ms, $(nproc) cores, ansible-core $(ansible --version 2>/dev/null | sed -n 1p | grep -o '[0-9.]*\]' | tr -d ']')"
echo
echo "| hosts | run | seconds | x floor | API requests | requests per host | writes |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
if [ "$ROUNDS" -gt 1 ]; then
    echo
    echo "| hosts | run | goal (x floor) | each round (x its floor) | median |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${RATIOS[@]}" | python -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    hosts, kind, goal, ratio = line.strip().split("|")
    rows.setdefault((int(hosts), kind, goal), []).append(float(ratio))
for (hosts, kind, goal), ratios in rows.items():
    print("| %d | %s | %s | %s | %.2f |" % (hosts, kind, goal, ", ".join("%.2f" % r for r in ratios), statistics.median(ratios)))
'
fi

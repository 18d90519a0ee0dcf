#!/usr/bin/env bash
# shellcheck disable=SC2329  # functions are called indirectly (trap, bash -c "step_$name")
# Demo of cloutility.cloutility against the local Cloutility simulator.
#
#   bash scripts/demo.sh
#
# 1. sets up .venv (tools + simulator) and installs the collection into .ansible/collections
# 2. starts the simulator on 127.0.0.1:8180 (stopped again on exit, whatever happens)
# 3. runs demo/site.yml            -> creates the desired state
# 4. runs demo/site.yml again      -> idempotent: the recap shows changed=0
# 5. makes a manual change through the API (demo/make_drift.py)
# 6. runs demo/site.yml --check --diff -> shows the drift it would correct, changes nothing
# 7. runs demo/audit.yml --check --diff -> the drift report in demo/output/ (JSON and Markdown), printed
#
# Environment: DEMO_PORT, the simulator's port (default 8180; DEMO_PORT=8181 bash scripts/demo.sh when 8180 is taken).

# The whole script is one compound command, parsed before it runs: editing or checking out
# this file while it runs cannot change what the running instance does.
{
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${DEMO_PORT:-8180}"
HOST=127.0.0.1

if [ -t 1 ]; then
    BOLD=$'\033[1m' RESET=$'\033[0m'
else
    BOLD='' RESET=''
fi
heading() {
    printf '\n%s==============================================================================\n' "$BOLD"
    printf '== %s\n' "$*"
    printf '==============================================================================%s\n' "$RESET"
}

heading "1/7 Setting up the virtual environment and installing the collection"
export CL_ROOT="$ROOT"
# shellcheck source=/dev/null
source "$ROOT/scripts/venv.sh"
cl_setup_venv
cl_install_collection
export PATH="$CL_VENV/bin:$PATH"
export VIRTUAL_ENV="$CL_VENV"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.ansible/collections"
# Modules run on localhost with the venv's interpreter (requests installed there).
export ANSIBLE_PYTHON_INTERPRETER="$CL_VENV/bin/python"
ansible-galaxy collection list cloutility.cloutility 2>/dev/null | sed -n '/cloutility\.cloutility/p'

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cloutility-demo.XXXXXX")"
SIM_PID=""
cleanup() {
    local rc=$?
    if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
        heading "Stopping the simulator (pid $SIM_PID)"
        kill "$SIM_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SIM_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SIM_PID" 2>/dev/null || true
    fi
    rm -rf "$RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

heading "2/7 Starting the Cloutility simulator (python -m cloutility_simulator)"
python -m cloutility_simulator --host "$HOST" --port "$PORT" --port-file "$RUN_DIR/port" --quiet \
    >"$RUN_DIR/simulator.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 150); do
    [ -s "$RUN_DIR/port" ] && break
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
        echo "The simulator exited early:" >&2
        cat "$RUN_DIR/simulator.log" >&2
        if grep -qi 'in use' "$RUN_DIR/simulator.log"; then
            echo "Port $PORT is taken: pick another with DEMO_PORT, e.g. DEMO_PORT=8181 bash scripts/demo.sh" >&2
        fi
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$RUN_DIR/port" ]; then
    echo "The simulator did not start within 15 s:" >&2
    cat "$RUN_DIR/simulator.log" >&2
    exit 1
fi
PORT="$(cat "$RUN_DIR/port")"
BASE_URL="http://$HOST:$PORT"
echo "simulator running (pid $SIM_PID) at $BASE_URL"

export CLOUTILITY_API_URL="$BASE_URL"
export CLOUTILITY_CLIENT_ID="ansible-demo"
export CLOUTILITY_ORIGIN="https://ansible.example.com"
export CLOUTILITY_USERNAME="ansible@example.com"
export CLOUTILITY_PASSWORD="Sim-Passw0rd!"

PLAYBOOK=(ansible-playbook -i demo/inventory.yml demo/site.yml)

heading "3/7 First run of demo/site.yml: creating the desired state"
"${PLAYBOOK[@]}"

heading "4/7 Second run of demo/site.yml: nothing to do (look for changed=0 in the recap)"
"${PLAYBOOK[@]}" | tee "$RUN_DIR/second-run.log"
if grep -Eq 'changed=[1-9]' "$RUN_DIR/second-run.log"; then
    echo "The second run changed something: the collection is not idempotent here." >&2
    exit 1
fi
echo
echo "Second run: changed=0 for every host."

heading "5/7 Someone changes things by hand through the API (demo/make_drift.py)"
python demo/make_drift.py "$BASE_URL"

heading "6/7 Check mode with diff: what Ansible would put back (nothing is changed)"
"${PLAYBOOK[@]}" --check --diff

heading "7/7 The audit playbook (check mode): drift report"
REPORT="$ROOT/demo/output/cloutility-audit.json"
mkdir -p "$(dirname "$REPORT")"
ansible-playbook -i demo/inventory.yml demo/audit.yml --check --diff -e "audit_report=$REPORT"
echo
echo "The drift report, as written to ${REPORT%.json}.md (JSON beside it):"
echo
cat "${REPORT%.json}.md"
echo
echo "The drift is the two manual changes of step 5. The orphans are units the simulator is seeded with"
echo "(simulator/cloutility_simulator/seed/default.json) that no demo host claims."

heading "Demo finished"
exit
}

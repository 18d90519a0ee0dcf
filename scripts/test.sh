#!/usr/bin/env bash
# Every test of cloutility.cloutility on a fresh machine: the nox sessions of noxfile.py (antsibull-nox), each
# under `timeout`, then a line "N passed, N failed" (CI reads it); the exit status is non-zero when one failed.
#
#   bash scripts/test.sh                                   # the CI set: `nox -s ci-sessions` lists it
#   bash scripts/test.sh units-2.21 sanity-2.16            # these sessions (`nox -l` lists every one)
#   bash scripts/test.sh integration-2.21 -- connection    # arguments after -- go to each session (targets)
#
# It makes .venv-nox (nox + antsibull-nox, scripts/requirements-nox.txt) and runs its nox; nox makes each
# session's venv in .nox/ and finds Python 3.11 and 3.12 itself (noxfile.py, find_python).
# Environment: TEST_TIMEOUT_<SESSION> seconds for a session (TEST_TIMEOUT_SANITY_2_16=...; default by kind below),
# TEST_BUDGET seconds for the whole run (default 5100 = 85 min, under CI's 90: a session gets at most what is left).
{
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
# shellcheck source=/dev/null
source "$ROOT/scripts/venv.sh"

sessions=()
posargs=()
while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then
        shift
        posargs=("$@")
        break
    fi
    sessions+=("$1")
    shift
done

START=$SECONDS
PASSED=0
FAILED=0
RESULTS=()
record() { # NAME RC SECONDS LIMIT
    local status=PASS
    if [ "$2" -eq 0 ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        status="FAIL (exit $2)"
        { [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; } && status="FAIL (timed out after ${4}s)"
    fi
    RESULTS+=("$(printf '%-24s %-30s %5ss' "$1" "$status" "$3")")
    printf '\n>> %s: %s in %ss\n' "$1" "$status" "$3"
}
summary() {
    printf '\n== summary (total %ss)\n' "$((SECONDS - START))"
    printf '%s\n' "${RESULTS[@]}"
    echo
    echo "$PASSED passed, $FAILED failed"
}

printf '== setup: .venv-nox (nox, antsibull-nox)\n'
t0=$SECONDS
timeout 1200 bash -c "source scripts/venv.sh && cl_setup_nox_venv"
rc=$?
record setup $rc $((SECONDS - t0)) 1200
if [ $rc -ne 0 ]; then
    summary
    exit 1
fi
NOX=("$CL_NOX_VENV/bin/nox" --no-color -r)
if [ ${#sessions[@]} -eq 0 ]; then
    mapfile -t sessions < <("${NOX[@]}" -s ci-sessions 2>/dev/null)
fi
echo "sessions: ${sessions[*]}${posargs[*]:+ -- ${posargs[*]}}"

declare -A LIMIT=([registry-check]=60 [simulator]=600 [sanity]=2400 [units]=900 [integration]=2400
    [integration-subset]=1200 [ordinary]=1200 [ansible-lint]=900 [docs-check]=600 [docs-site]=900 [changelog]=300
    [build-import-check]=900 [tarball]=900 [ee]=600)
for s in "${sessions[@]}"; do
    var="TEST_TIMEOUT_${s^^}"
    var="${var//[.-]/_}"
    limit="${!var:-${LIMIT[${s%-[0-9]*}]:-900}}"
    left=$((${TEST_BUDGET:-5100} - (SECONDS - START) - 45))
    [ "$left" -lt "$limit" ] && limit=$left
    printf '\n==============================================================================\n'
    printf '== %s (time limit %ss)\n' "$s" "$limit"
    printf '==============================================================================\n'
    t0=$SECONDS
    if [ "$limit" -le 0 ]; then
        echo "no time left in the run's budget (TEST_BUDGET=${TEST_BUDGET:-5100}s): not run"
        rc=124
    else
        timeout --kill-after=30 "$limit" "${NOX[@]}" -s "$s" ${posargs[@]+-- "${posargs[@]}"}
        rc=$?
    fi
    record "$s" $rc $((SECONDS - t0)) "$limit"
done
summary
[ "$FAILED" -eq 0 ]
exit
}

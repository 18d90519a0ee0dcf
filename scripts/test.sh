#!/usr/bin/env bash
# shellcheck disable=SC2329  # functions are called indirectly (trap, bash -c "step_$name")
# Run every test of the cloutility.cloutility collection, offline, from a fresh clone.
#
#   bash scripts/test.sh                               # all steps
#   bash scripts/test.sh sanity units                  # a subset of steps
#   bash scripts/test.sh integration cloutility_consumer   # integration, only these targets
#
# Steps (in this order): simulator sanity units integration lint docs changelog build
# Any argument that is not a step name is passed to ansible-test integration as a target (and adds the
# integration step when other steps are named).
#
# Every step runs under `timeout` and prints PASS/FAIL and its duration. The last line is
# "N passed, N failed"; the exit status is non-zero when any step failed.
#
# ansible-test needs the collection at .../ansible_collections/cloutility/cloutility and refuses
# symlinks, so the working tree's files (tracked + untracked-but-not-ignored) are copied into a
# fresh `mktemp -d` directory for each run; parallel runs do not collide.
#
# Environment knobs:
#   TEST_TIMEOUT_<STEP>   seconds for a step (e.g. TEST_TIMEOUT_SANITY=2400)
#   TEST_BUDGET           seconds for the whole run (default 5100 = 85 min, under CI's 90 min):
#                         a step gets at most what is left, so the summary line is always printed
#   TEST_KEEP_WORKDIR=1   keep the temporary copy (path is printed) for debugging
#   TEST_VERBOSE=1        pass -v to ansible-test

# The whole script is one compound command, parsed before it runs: editing or checking out
# this file while it runs cannot change what the running instance does.
{
set -u

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export CL_ROOT="$ROOT"
# shellcheck source=/dev/null
source "$ROOT/scripts/setup-venv.sh" --no-run

ALL_STEPS=(simulator sanity units integration lint docs changelog build)

# Default per-step time limits (seconds). Measured times are in docs/development.md.
declare -A LIMIT=(
    [setup]=1200
    [simulator]=600
    [sanity]=2400
    [units]=900
    [integration]=2400
    [lint]=900
    [docs]=600
    [changelog]=300
    [build]=300
)

steps=()
targets=()
for arg in "$@"; do
    case " ${ALL_STEPS[*]} " in
    *" $arg "*) steps+=("$arg") ;;
    *) targets+=("$arg") ;;
    esac
done
if [ ${#steps[@]} -eq 0 ] && [ ${#targets[@]} -eq 0 ]; then
    steps=("${ALL_STEPS[@]}")
elif [ ${#targets[@]} -gt 0 ] && [[ " ${steps[*]} " != *" integration "* ]]; then
    # Targets name integration targets: run them, in the step order, with any steps also named.
    ordered=()
    for step in "${ALL_STEPS[@]}"; do
        [[ " ${steps[*]} integration " == *" $step "* ]] && ordered+=("$step")
    done
    steps=("${ordered[@]}")
fi

PASSED=0
FAILED=0
RESULTS=()
START_ALL=$SECONDS

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloutility-test.XXXXXX")"
cleanup() {
    if [ "${TEST_KEEP_WORKDIR:-0}" = 1 ]; then
        echo "[test] work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

heading() {
    printf '\n==============================================================================\n'
    printf '== %s\n' "$*"
    printf '==============================================================================\n'
}

# run_step NAME COMMAND... : run under timeout, record PASS/FAIL and duration.
run_step() {
    local name="$1" limit left rc start dur status var
    shift
    var="TEST_TIMEOUT_${name^^}"
    limit="${!var:-${LIMIT[$name]:-900}}"
    left=$((${TEST_BUDGET:-5100} - (SECONDS - START_ALL) - 45))
    [ "$left" -lt "$limit" ] && limit=$left
    heading "$name (time limit ${limit}s)"
    start=$SECONDS
    if [ "$limit" -le 0 ]; then
        echo "no time left in the run's budget (TEST_BUDGET=${TEST_BUDGET:-5100}s): not run"
        rc=124
    else
        timeout --kill-after=30 "$limit" "$@"
        rc=$?
    fi
    dur=$((SECONDS - start))
    if [ $rc -eq 0 ]; then
        status=PASS
        PASSED=$((PASSED + 1))
    else
        status=FAIL
        FAILED=$((FAILED + 1))
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            status="FAIL (timed out after ${limit}s)"
        else
            status="FAIL (exit $rc)"
        fi
    fi
    RESULTS+=("$(printf '%-12s %-32s %5ss' "$name" "$status" "$dur")")
    printf '\n>> %s: %s in %ss\n' "$name" "$status" "$dur"
    return $rc
}

summary() {
    heading "summary (total $((SECONDS - START_ALL))s)"
    local line
    for line in "${RESULTS[@]}"; do
        echo "$line"
    done
    echo
    echo "$PASSED passed, $FAILED failed"
}

ansible_test_verbosity=()
[ "${TEST_VERBOSE:-0}" = 1 ] && ansible_test_verbosity=(-v)

# ---------------------------------------------------------------------------------------------
# Step implementations. Each runs in a subshell via `bash -c` style functions exported below.

step_simulator() {
    cd "$ROOT" || return 1
    if [ ! -d simulator/tests ]; then
        echo "simulator/tests does not exist"
        return 1
    fi
    python -m pytest -p no:cacheprovider -q simulator/tests
}

step_sanity() {
    cd "$COLL" || return 1
    ansible-test sanity --python 3.11 --venv --color no "${ansible_test_verbosity[@]}"
}

step_units() {
    cd "$COLL" || return 1
    if [ -z "$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
        echo "no unit tests found under tests/unit"
        return 1
    fi
    ansible-test units --python 3.11 --venv --color no "${ansible_test_verbosity[@]}"
}

step_integration() {
    cd "$COLL" || return 1
    if [ -z "$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]; then
        echo "no integration targets found under tests/integration/targets"
        return 1
    fi
    # --local: the targets start the simulator with the interpreter running the tests, which is
    # the project venv's python (flask + cloutility_simulator installed).
    ansible-test integration --python 3.11 --local --continue-on-error --color no "${ansible_test_verbosity[@]}" "${targets[@]}"
}

step_lint() {
    cd "$COLL" || return 1
    # Let ansible-lint resolve cloutility.cloutility.* from this copy.
    ANSIBLE_COLLECTIONS_PATH="$WORK" ansible-lint --offline
}

step_docs() {
    cd "$COLL" || return 1
    antsibull-docs lint-collection-docs --plugin-docs .
}

step_changelog() {
    cd "$COLL" || return 1
    antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}

step_build() {
    cd "$COLL" || return 1
    local out="$WORK/build"
    mkdir -p "$out"
    ansible-galaxy collection build --force --output-path "$out" . || return 1
    ansible-galaxy collection install --force -p "$WORK/installed" "$out"/cloutility-cloutility-*.tar.gz || return 1
    local bad
    bad="$(tar -tzf "$out"/cloutility-cloutility-*.tar.gz |
        grep -E '(^|/)(\.venv|\.ansible|collections|tests/output|__pycache__)(/|$)|\.tar\.gz$' || true)"
    if [ -n "$bad" ]; then
        echo "generated files ended up in the tarball:"
        echo "$bad" | head -20
        return 1
    fi
    echo "tarball: $(ls "$out"/cloutility-cloutility-*.tar.gz) ($(tar -tzf "$out"/cloutility-cloutility-*.tar.gz | wc -l) entries)"
}

# ---------------------------------------------------------------------------------------------

heading "cloutility.cloutility tests: steps: ${steps[*]}${targets[*]:+; targets: ${targets[*]}}"
echo "repo: $ROOT"
echo "work: $WORK"

export -f cl_log cl_pip cl_find_python cl_requirements_hash cl_install_get_pip_standin cl_setup_venv
export CL_ROOT CL_VENV
if ! run_step setup bash -c cl_setup_venv; then
    summary
    exit 1
fi

export PATH="$CL_VENV/bin:$PATH"
export VIRTUAL_ENV="$CL_VENV"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 NO_COLOR=1

COLL="$(cl_copy_collection "$WORK")" || {
    echo "could not copy the collection into $WORK"
    exit 2
}
echo "collection copy: $COLL ($(find "$COLL" -type f | wc -l) files)"
export COLL WORK ROOT
export -f step_simulator step_sanity step_units step_integration step_lint step_docs step_changelog step_build

for step in "${steps[@]}"; do
    # Arrays cannot be exported: pass them through a declare string.
    run_step "$step" bash -c "$(declare -p targets ansible_test_verbosity); step_$step" || true
done

summary
[ "$FAILED" -eq 0 ]
exit
}

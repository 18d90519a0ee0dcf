#!/usr/bin/env bash
# shellcheck disable=SC2329  # functions are called indirectly (trap, bash -c "step_$name")
# Run every test of the cloutility.cloutility collection, offline, from a fresh clone.
#
#   bash scripts/test.sh                               # all steps
#   bash scripts/test.sh sanity units-2.16             # a subset of steps
#   bash scripts/test.sh integration cloutility_consumer   # integration, only these targets
#
# Steps (in this order); each runs ansible-test with --python of its own venv's interpreter:
#   simulator  pytest of the simulator package
#   sanity units integration   the newest tested ansible-core, 2.21 (.venv, Python 3.12/3.13): every target
#   ordinary ordinary-2.19     integration with the in-process runner off (cloutility_in_process: false in
#                              tests/integration/integration_config.yml of a separate copy): ORDINARY_TARGETS on
#                              2.21, onboard_role on 2.19
#   sanity-2.16 ... sanity-2.20   sanity with every older release (.venv-X.Y); 2.16 (the oldest) and 2.20 in
#                              full, 2.17-2.19 without pylint (SANITY_SKIP_MIDDLE; CI's 90 minutes)
#   units-2.16 ... units-2.20  units with every older release
#   integration-2.16           the oldest supported release: the targets in OLDEST_TARGETS
#   lint docs changelog        ansible-lint (run plainly, as in a clone), plugin docs + the docs site, changelog
#   build      the galaxy tarball: no development files; installed, an integration target runs from it (2.16)
#   ee         ansible-builder create from meta/execution-environment.yml
# Before the steps, a WARNING line (never a failure) when the package registry offers an ansible-core
# release newer than the newest one tested here.
# Any argument that is not a step name is passed to ansible-test integration as a target (and adds the
# integration step when no integration or ordinary step is named).
#
# Every step runs under `timeout` and prints PASS/FAIL and its duration. The last line is
# "N passed, N failed"; the exit status is non-zero when any step failed.
#
# ansible-test needs the collection at .../ansible_collections/cloutility/cloutility and refuses
# symlinks, so the working tree's files (tracked + untracked-but-not-ignored) are copied into a
# fresh `mktemp -d` directory for each run; parallel runs do not collide.
#
# Environment knobs:
#   TEST_TIMEOUT_<STEP>   seconds for a step (e.g. TEST_TIMEOUT_SANITY=2400, TEST_TIMEOUT_SANITY_2_16=...)
#   TEST_BUDGET           seconds for the whole run (default 5100 = 85 min, under CI's 90 min):
#                         a step gets at most what is left, so the summary line is always printed
#   TEST_KEEP_WORKDIR=1   keep the temporary copy (path is printed) for debugging
#   TEST_VERBOSE=1        pass -v to ansible-test
#   TEST_INTEGRATION_OLDEST=all   integration-2.16 runs every target, not the subset in OLDEST_TARGETS
#   TEST_SANITY_FULL=1    sanity-2.17/2.18/2.19 run pylint too

# The whole script is one compound command, parsed before it runs: editing or checking out
# this file while it runs cannot change what the running instance does.
{
set -u

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export CL_ROOT="$ROOT"
# shellcheck source=/dev/null
source "$ROOT/scripts/setup-venv.sh" --no-run

OLDEST=2.16
NEWEST="$(cl_newest_core)"
ALL_STEPS=(simulator sanity units integration ordinary ordinary-2.19
    sanity-2.16 sanity-2.17 sanity-2.18 sanity-2.19 sanity-2.20
    units-2.16 units-2.17 units-2.18 units-2.19 units-2.20
    integration-2.16 lint docs changelog build ee)
# The integration target the build step runs from the installed tarball.
INSTALLED_TARGET=connection
# integration-2.16 runs these targets unless targets are named or TEST_INTEGRATION_OLDEST=all (CI's 90-minute
# budget: every target again would add ~40-60 s each): in-process runner and -vvv, the write engine, the
# node workflow, the generic API module, the role with its lookups and filters, the read side's playbooks.
OLDEST_TARGETS="connection cloutility_bunit cloutility_node cloutility_api onboard_role example_playbooks"
# The ordinary step (in-process runner off) runs these targets on the newest release, ordinary-X.Y ORDINARY_OLDER:
# the role and the fleet task, writes under faults, the node workflow, the example playbooks.
ORDINARY_TARGETS="onboard_role write_faults cloutility_node example_playbooks"
ORDINARY_OLDER="onboard_role"
# sanity-X.Y of the releases between the oldest and the two newest skip these tests (the newest and the oldest
# run them all; TEST_SANITY_FULL=1 runs them all everywhere).
SANITY_SKIP_MIDDLE="pylint"
SANITY_FULL_RELEASES="$OLDEST 2.20"

# Default per-step time limits (seconds), by step name without its -X.Y suffix. Measured times are in
# docs/development.md.
declare -A LIMIT=(
    [setup]=1200
    [simulator]=600
    [sanity]=2400
    [units]=900
    [integration]=2400
    [ordinary]=1200
    [lint]=900
    [docs]=900
    [changelog]=300
    [build]=900
    [ee]=600
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
elif [ ${#targets[@]} -gt 0 ] && [[ " ${steps[*]} " != *" integration"* ]] && [[ " ${steps[*]} " != *" ordinary"* ]]; then
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
    var="${var//[.-]/_}"
    limit="${!var:-${LIMIT[${name%-*}]:-900}}"
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
        FAILED=$((FAILED + 1))
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            status="FAIL (timed out after ${limit}s)"
        else
            status="FAIL (exit $rc)"
        fi
    fi
    RESULTS+=("$(printf '%-17s %-32s %5ss' "$name" "$status" "$dur")")
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
# Step implementations, run by `bash -c`. $CORE is the ansible-core release of a -X.Y step (empty: .venv);
# `core` puts that release's venv first on PATH (the dev venv stays behind it for shellcheck).

core() {
    if [ -n "${CORE:-}" ]; then
        PATH="$ROOT/.venv-$CORE/bin:$PATH" VIRTUAL_ENV="$ROOT/.venv-$CORE" "$@"
    else
        "$@"
    fi
}

# X.Y of the step's venv's Python, for ansible-test --python (else it tries every Python it finds).
pyver() {
    core python -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

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
    local skip=() t
    if [ -n "${CORE:-}" ] && [[ " $SANITY_FULL_RELEASES " != *" $CORE "* ]] && [ "${TEST_SANITY_FULL:-0}" != 1 ]; then
        for t in $SANITY_SKIP_MIDDLE; do skip+=(--skip-test "$t"); done
        echo "ansible-core $CORE: sanity without $SANITY_SKIP_MIDDLE (TEST_SANITY_FULL=1 runs every test)"
    fi
    core ansible-test --version
    core ansible-test sanity --python "$(pyver)" --venv --color no "${skip[@]}" "${ansible_test_verbosity[@]}"
}

step_units() {
    cd "$COLL" || return 1
    if [ -z "$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
        echo "no unit tests found under tests/unit"
        return 1
    fi
    core ansible-test --version
    core ansible-test units --python "$(pyver)" --venv --color no "${ansible_test_verbosity[@]}"
}

step_integration() {
    cd "$COLL" || return 1
    if [ -z "$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]; then
        echo "no integration targets found under tests/integration/targets"
        return 1
    fi
    # --local: the targets start the simulator with the interpreter running the tests (flask installed;
    # the setup_simulator role puts the collection's simulator/ on PYTHONPATH).
    local run=("${targets[@]}")
    if [ -n "${CORE:-}" ] && [ ${#run[@]} -eq 0 ] && [ "${TEST_INTEGRATION_OLDEST:-subset}" != all ]; then
        read -r -a run <<<"$OLDEST_TARGETS"
        echo "ansible-core $CORE: targets ${run[*]} (TEST_INTEGRATION_OLDEST=all runs every target)"
    fi
    core ansible-test --version
    core ansible-test integration --python "$(pyver)" --local --continue-on-error --color no "${ansible_test_verbosity[@]}" "${run[@]}"
}

# Integration with the in-process runner turned off: a separate copy of the collection (other steps never
# see it) whose tests/integration/integration_config.yml sets cloutility_in_process: false; ansible-test adds
# that file to each role target's play as vars_files, and the targets pass it on to the ansible-playbook
# runs they start.
step_ordinary() {
    local copy run
    copy="$(cl_copy_collection "$WORK/ordinary")" || return 1
    cd "$copy" || return 1
    printf '%s\n' '---' '# Written by scripts/test.sh (ordinary step): modules run as ordinary modules.' \
        'cloutility_in_process: false' >tests/integration/integration_config.yml
    if [ ${#targets[@]} -gt 0 ]; then
        run=("${targets[@]}")
    elif [ -n "${CORE:-}" ]; then
        read -r -a run <<<"$ORDINARY_OLDER"
    else
        read -r -a run <<<"$ORDINARY_TARGETS"
    fi
    echo "in-process runner off (tests/integration/integration_config.yml: cloutility_in_process: false): ${run[*]}"
    core ansible-test --version
    core ansible-test integration --python "$(pyver)" --local --continue-on-error --color no "${ansible_test_verbosity[@]}" "${run[@]}"
}

step_lint() {
    local copy
    # Plainly, as in a clone: ansible-lint installs the collection it runs in into .ansible/collections
    # (.ansible-lint has no offline: true) to resolve cloutility.cloutility.*. A copy of its own, so that
    # .ansible/ does not show up in the other steps' copy.
    copy="$(cl_copy_collection "$WORK/lint")" || return 1
    cd "$copy" || return 1
    env -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS ansible-lint
}

step_docs() {
    cd "$COLL" || return 1
    antsibull-docs lint-collection-docs --plugin-docs . || return 1
    ANSIBLE_COLLECTIONS_PATH="$WORK" bash docs/docsite/build.sh "$WORK/docsite"
}

step_changelog() {
    cd "$COLL" || return 1
    antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}

# Files that are for developing the collection, not for using or testing it (ansible-test needs tests/).
DEV_FILES='^(scripts|demo|tests/performance|tests/output|simulator/tests|\.ci|\.github|docs/docsite/build)/|^docs/development\.md$|^docs/docsite/build\.sh$'
DEV_FILES+='|(^|/)(\.venv[^/]*|venv|\.ansible|\.nox|\.tox|collections|__pycache__|\.pytest_cache|\.mypy_cache|[^/]*\.egg-info)(/|$)'
DEV_FILES+='|(^|/)(noxfile\.py|\.gitignore|\.ansible-lint|\.coverage[^/]*|[^/]*\.pyc|[^/]*\.tar\.gz)$|^changelogs/\.plugin-cache\.yaml$'

step_build() {
    cd "$COLL" || return 1
    local out="$WORK/build" tarball bad
    mkdir -p "$out"
    ansible-galaxy collection build --force --output-path "$out" . || return 1
    tarball="$(ls "$out"/cloutility-cloutility-*.tar.gz)"
    echo "== $tarball: $(tar -tzf "$tarball" | wc -l) entries, $(du -k "$tarball" | cut -f1) kB"
    tar -tzf "$tarball" | sed 's|/$||' | sort | sed 's/^/  /'
    bad="$(tar -tzf "$tarball" | grep -E "$DEV_FILES" || true)"
    if [ -n "$bad" ]; then
        echo "development files ended up in the tarball (add them to build_ignore in galaxy.yml):"
        echo "$bad" | head -20
        return 1
    fi
    for f in CHANGELOG.rst meta/runtime.yml meta/execution-environment.yml simulator/cloutility_simulator/__main__.py \
        tests/integration/targets/setup_simulator/tasks/main.yml; do
        tar -tzf "$tarball" | grep -qx "$f" || {
            echo "the tarball lacks $f"
            return 1
        }
    done
    ansible-galaxy collection install --force -p "$WORK/installed" "$tarball" || return 1
    # An integration target from the installed copy, with the oldest supported ansible-core and only
    # the packages users install (no simulator package: the target uses the simulator shipped inside).
    cd "$WORK/installed/ansible_collections/cloutility/cloutility" || return 1
    echo "== ansible-test integration $INSTALLED_TARGET in $PWD (ansible-core $OLDEST)"
    CORE=$OLDEST core ansible-test integration --python "$(CORE=$OLDEST pyver)" --local --color no "$INSTALLED_TARGET"
}

step_ee() {
    local ee="$WORK/ee" tarball cf
    # The EE takes any tested release: ansible-core>=2.16,<2.22.
    local NEXT_CORE="${NEWEST%.*}.$((${NEWEST#*.} + 1))"
    mkdir -p "$ee/files" && cd "$ee" || return 1
    ansible-galaxy collection build --force --output-path "$ee/files" "$COLL" >/dev/null || return 1
    tarball="$(basename "$ee"/files/cloutility-cloutility-*.tar.gz)"
    ansible-galaxy collection install --force -p "$ee/installed" "files/$tarball" >/dev/null || return 1
    # What ansible-builder reads from the collection (meta/execution-environment.yml) inside an image build.
    ansible-builder introspect "$ee/installed" | tee introspect.txt || return 1
    grep -Eq "^ *- '?requests.*cloutility\.cloutility" introspect.txt || {
        echo "ansible-builder does not see the collection's Python requirement (requests)"
        return 1
    }
    if sed -n '/^system:/,$p' introspect.txt | grep -q 'cloutility'; then
        echo "the collection declares system packages; it needs none"
        return 1
    fi
    # An execution environment with the collection from its tarball: the build context a container engine
    # would build (none runs here).
    cat >execution-environment.yml <<EOF
---
version: 3
images:
  base_image:
    name: quay.io/centos/centos:stream9
dependencies:
  python_interpreter:
    package_system: python3.12
    python_path: /usr/bin/python3.12
  ansible_core:
    package_pip: ansible-core>=$OLDEST,<$NEXT_CORE
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: /build/files/$tarball
        type: file
additional_build_files:
  - src: files/$tarball
    dest: files
additional_build_steps:
  prepend_galaxy:
    - COPY _build/files/$tarball /build/files/$tarball
EOF
    ansible-builder create --file execution-environment.yml --context context -v 2 || return 1
    echo "== build context:"
    (cd context && find . -type f | sort | sed 's/^/  /')
    # Containerfile, or Dockerfile when ansible-builder finds the docker client.
    cf=context/Containerfile
    [ -f "$cf" ] || cf=context/Dockerfile
    for f in "${cf#context/}" _build/requirements.yml "_build/files/$tarball" _build/scripts/introspect.py _build/scripts/assemble; do
        [ -s "context/$f" ] || {
            echo "the build context lacks $f"
            return 1
        }
    done
    if ! grep -q "/build/files/$tarball" context/_build/requirements.yml ||
        ! grep -q 'ansible-galaxy collection install' "$cf"; then
        echo "the Containerfile does not install the collection from its tarball"
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------

heading "cloutility.cloutility tests: steps: ${steps[*]}${targets[*]:+; targets: ${targets[*]}}"
echo "repo: $ROOT"
echo "work: $WORK"

# Is there an ansible-core release newer than the newest one tested here? A warning, never a failure; silent
# when the registry cannot be reached. --ignore-requires-python: a release for a newer Python counts too.
registry_newest="$(timeout 20 python3 -m pip --disable-pip-version-check index versions --ignore-requires-python \
    ansible-core 2>/dev/null | sed -n '1s/^ansible-core (\([0-9][0-9.]*\))$/\1/p')"
if [ -n "$registry_newest" ] && [ -n "$NEWEST" ] &&
    [ "$(printf '%s\n' "$NEWEST" "$registry_newest" | sort -V | tail -1)" != "$NEWEST" ] &&
    [ "${registry_newest%.*}" != "$NEWEST" ]; then
    echo "WARNING: ansible-core $registry_newest is on the package registry, newer than the newest release tested" \
        "here ($NEWEST): test it (scripts/requirements-dev.txt, cl_core_python in scripts/setup-venv.sh, ALL_STEPS" \
        "in scripts/test.sh) and add it to the support policy in README.md."
else
    echo "ansible-core on the package registry: ${registry_newest:-(not reachable)}; newest tested: $NEWEST"
fi

# The venvs the chosen steps need: .venv always, .venv-X.Y for each -X.Y step (the build step runs
# a target with the oldest release).
cores=()
for step in "${steps[@]}"; do
    case "$step" in
    *-[0-9]*) cores+=("${step##*-}") ;;
    build) cores+=("$OLDEST") ;;
    esac
done
export -f cl_log cl_pip cl_core_python cl_newest_core cl_python_version cl_find_python cl_requirements_hash \
    cl_install_get_pip_standin cl_make_venv cl_setup_venv cl_setup_core_venv
export CL_ROOT CL_VENV
if ! run_step setup bash -c "cl_setup_venv && for v in $(printf '%s\n' "${cores[@]}" | sort -u | tr '\n' ' '); do cl_setup_core_venv \$v || exit 1; done"; then
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
export COLL WORK ROOT OLDEST NEWEST INSTALLED_TARGET OLDEST_TARGETS ORDINARY_TARGETS ORDINARY_OLDER DEV_FILES \
    SANITY_SKIP_MIDDLE SANITY_FULL_RELEASES
export -f core pyver cl_collection_files cl_copy_collection step_simulator step_sanity step_units step_integration \
    step_ordinary step_lint step_docs step_changelog step_build step_ee

for step in "${steps[@]}"; do
    core_version=""
    [[ "$step" == *-[0-9]* ]] && core_version="${step##*-}"
    # Arrays cannot be exported: pass them through a declare string.
    run_step "$step" bash -c "$(declare -p targets ansible_test_verbosity); CORE='$core_version' step_${step%-[0-9]*}" || true
done

summary
[ "$FAILED" -eq 0 ]
exit
}

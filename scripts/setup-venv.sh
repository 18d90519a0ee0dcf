#!/usr/bin/env bash
# Create / refresh the project's development virtual environment and install the collection.
#
#   bash scripts/setup-venv.sh               # venv + tools + simulator + collection in .ansible/collections
#   bash scripts/setup-venv.sh --venv-only   # venv only
#   bash scripts/setup-venv.sh 2.16          # also .venv-2.16 with ansible-core 2.16 (any X.Y)
#   source scripts/setup-venv.sh --no-run    # only define the cl_* helper functions
#
# .venv has the newest tested ansible-core (scripts/requirements-dev.txt: 2.21) and every tool, on the
# Python that release needs; .venv-X.Y has ansible-core X.Y on the Python cl_core_python names for it.
# A venv whose Python is not one of those is removed and created again.
#
# Idempotent: a stamp file in the venv records a hash of everything that decides what gets
# installed (requirement files, simulator/pyproject.toml, Python version); when it matches,
# nothing is installed again and the run takes well under a second.
#
# Environment:
#   CLOUTILITY_VENV   venv path (default: <repo>/.venv)
#   PYTHON            interpreter to create a venv with, used when its version is one that venv needs
#                     (otherwise python3.X on PATH, pyenv's versions, /usr/bin, /usr/local/bin are searched)

# Helpers are written to work both when this file is sourced and when it is executed.

CL_ROOT="${CL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CL_VENV="${CLOUTILITY_VENV:-$CL_ROOT/.venv}"
CL_COLLECTIONS="$CL_ROOT/.ansible/collections"

cl_log() { printf '[setup] %s\n' "$*" >&2; }

# pip of venv $1, minus the harmless "Location ... is ignored" noise this machine's extra index config causes.
cl_pip() {
    local venv="$1"
    shift
    "$venv/bin/python" -m pip --disable-pip-version-check "$@" 2>&1 |
        grep -v "^WARNING: Location '.*' is ignored: it is neither a file nor a directory"
    return "${PIPESTATUS[0]}"
}

# The controller Python versions each ansible-core release is tested with, preferred first: the one
# table of them (ansible-core 2.20 and later need Python 3.12+).
cl_core_python() {
    case "$1" in
    2.1[0-9]) echo "3.11" ;;
    2.2[0-9] | 2.[3-9][0-9] | [3-9].*) echo "3.12 3.13" ;;
    *)
        cl_log "ERROR: no controller Python known for ansible-core $1 (cl_core_python in scripts/setup-venv.sh)"
        return 1
        ;;
    esac
}

# The newest tested ansible-core release: the one scripts/requirements-dev.txt pins for .venv.
cl_newest_core() {
    sed -n 's/^ansible-core>=\([0-9]*\.[0-9]*\),.*/\1/p' "$CL_ROOT/scripts/requirements-dev.txt" | head -1
}

# X.Y of interpreter $1, or nothing when it does not run (a pyenv shim of a version not enabled, say).
cl_python_version() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# cl_find_python X.Y...: print the path of an interpreter that runs and is one of these versions
# (preferred first): $PYTHON, pythonX.Y on PATH, pyenv's, /usr/local/bin, /usr/bin.
cl_find_python() {
    local want candidate pyenv_prefix
    local -a candidates
    for want in "$@"; do
        candidates=("${PYTHON:-}")
        candidate="$(command -v "python$want" 2>/dev/null)" && candidates+=("$candidate")
        [ "$want" = 3.11 ] && candidates+=("$(command -v python3 2>/dev/null)")
        if command -v pyenv >/dev/null 2>&1; then
            pyenv_prefix="$(pyenv prefix "$want" 2>/dev/null)" && candidates+=("$pyenv_prefix/bin/python$want")
        fi
        candidates+=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want"*/bin/python"$want" \
            "/usr/local/bin/python$want" "/usr/bin/python$want")
        for candidate in "${candidates[@]}"; do
            [ -n "$candidate" ] && [ -x "$candidate" ] || command -v "$candidate" >/dev/null 2>&1 || continue
            if [ "$(cl_python_version "$candidate")" = "$want" ]; then
                # The interpreter itself, not a shim or a link in front of it.
                "$candidate" -c 'import sys; print(sys.executable)'
                return 0
            fi
        done
    done
    cl_log "ERROR: no Python ${*// / or } interpreter found that runs."
    cl_log "  Get one: pyenv install ${1} (https://github.com/pyenv/pyenv), or your distribution's package"
    cl_log "  (apt-get install python${1} python${1}-venv, dnf install python${1}), or python.org;"
    cl_log "  then run this again, or point PYTHON=/path/to/python${1} at it."
    return 1
}

# Hash of everything that decides a venv's content: the Python, the pip arguments and the files they name.
cl_requirements_hash() {
    local venv="$1" arg
    shift
    {
        echo "python=$("$venv/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null)"
        echo "args=$*"
        for arg in "$@"; do
            [ -f "$CL_ROOT/$arg" ] && cat "$CL_ROOT/$arg"
            [ -f "$CL_ROOT/$arg/pyproject.toml" ] && cat "$CL_ROOT/$arg/pyproject.toml"
        done
    } | sha256sum | cut -d' ' -f1
}

# ansible-test --venv downloads get-pip.py from a host that is unreachable here; it uses a cached
# copy when present. Put our stand-in at the cache path for the pip version ansible-test (in venv $1) pins.
cl_install_get_pip_standin() {
    local pip_version cache
    pip_version="$("$1/bin/python" - <<'EOF'
import re, ansible_test, os
path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
m = re.search(r"pip='([0-9.]+)'", open(path).read())
print(m.group(1) if m else '')
EOF
)" || return 1
    if [ -z "$pip_version" ]; then
        cl_log "WARNING: could not find ansible-test's pinned pip version; get-pip stand-in not installed"
        return 0
    fi
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    mkdir -p "$(dirname "$cache")"
    if ! cmp -s "$CL_ROOT/scripts/get_pip_standin.py" "$cache"; then
        cp "$CL_ROOT/scripts/get_pip_standin.py" "$cache"
        cl_log "installed get-pip stand-in for pip $pip_version at $cache"
    fi
}

# cl_make_venv VENV "X.Y..." PIP_INSTALL_ARGS... (paths relative to the repo): create VENV with a Python
# of one of the versions X.Y (preferred first) and install the arguments unless its stamp says they are
# installed already; a VENV on another Python is removed and created again. Concurrent runs are serialised.
cl_make_venv() {
    local venv="$1" pythons="$2" python have stamp want lockfd rc=0
    shift 2
    if [ -e "$venv" ]; then
        have="$(cl_python_version "$venv/bin/python")"
        if [ -z "$have" ] || [[ " $pythons " != *" $have "* ]]; then
            cl_log "$venv has Python ${have:-(none that runs)}, not ${pythons// / or }: creating it again"
            rm -rf "$venv" || return 1
        fi
    fi
    if [ ! -x "$venv/bin/python" ]; then
        # shellcheck disable=SC2086  # a list of versions
        python="$(cl_find_python $pythons)" || return 1
        cl_log "creating $venv with $python ($(cl_python_version "$python"))"
        "$python" -m venv "$venv" || return 1
    fi
    stamp="$venv/.cloutility-setup.stamp"
    exec {lockfd}>"$venv/.cloutility-setup.lock"
    command -v flock >/dev/null 2>&1 && flock "$lockfd"
    want="$(cl_requirements_hash "$venv" "$@")"
    if [ "$want" = "$(cat "$stamp" 2>/dev/null)" ]; then
        cl_log "venv up to date ($venv)"
    elif (cd "$CL_ROOT" && cl_log "installing into $venv: $*" && cl_pip "$venv" install -q "$@"); then
        echo "$want" >"$stamp"
    else
        rc=1
    fi
    if [ $rc -eq 0 ]; then
        cl_install_get_pip_standin "$venv" || rc=1
    fi
    exec {lockfd}>&-
    return $rc
}

# The development venv: the newest tested ansible-core on its Python, every tool, the simulator installed.
cl_setup_venv() {
    local newest pythons
    newest="$(cl_newest_core)"
    if [ -z "$newest" ]; then
        cl_log "ERROR: no 'ansible-core>=X.Y,...' line in scripts/requirements-dev.txt"
        return 1
    fi
    pythons="$(cl_core_python "$newest")" || return 1
    cl_make_venv "$CL_VENV" "$pythons" -r scripts/requirements-dev.txt -r requirements.txt -e simulator
}

# A venv with another ansible-core release (<repo>/.venv-<X.Y>) for ansible-test sanity, units and
# integration: only what a user installs, plus flask for the simulator. The simulator package is NOT
# installed there: the integration targets use the copy shipped in the collection.
cl_setup_core_venv() {
    local pythons
    pythons="$(cl_core_python "$1")" || return 1
    cl_make_venv "$CL_ROOT/.venv-$1" "$pythons" "ansible-core==$1.*" -r requirements.txt -r tests/integration/requirements.txt
}

# List the collection's files: tracked + untracked-but-not-ignored (only those that exist).
cl_collection_files() {
    (
        cd "$CL_ROOT" || exit 1
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
            git ls-files -z --cached --others --exclude-standard |
                while IFS= read -r -d '' f; do
                    [ -f "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
                done
        else
            find . -path ./.git -prune -o -path ./.venv -prune -o -path ./.ansible -prune \
                -o -path ./collections -prune -o -path ./tests/output -prune \
                -o -name __pycache__ -prune -o \( -type f -o -type l \) -printf '%P\0'
        fi
    )
}

# Copy the collection (real files, no symlinks to the repo) to DEST/ansible_collections/cloutility/cloutility.
# Prints the collection path.
cl_copy_collection() {
    local dest="$1/ansible_collections/cloutility/cloutility"
    rm -rf "$dest"
    mkdir -p "$dest"
    cl_collection_files | (cd "$CL_ROOT" && tar --null -T - -cf -) | tar -xf - -C "$dest" || return 1
    printf '%s\n' "$dest"
}

# Install the working tree's collection for the demo into <repo>/.ansible/collections.
cl_install_collection() {
    local tmp path
    mkdir -p "$CL_COLLECTIONS"
    tmp="$(mktemp -d "$CL_ROOT/.ansible/.install.XXXXXX")" || return 1
    path="$(cl_copy_collection "$tmp")" || {
        rm -rf "$tmp"
        return 1
    }
    mkdir -p "$CL_COLLECTIONS/ansible_collections/cloutility"
    rm -rf "$CL_COLLECTIONS/ansible_collections/cloutility/cloutility"
    mv "$path" "$CL_COLLECTIONS/ansible_collections/cloutility/cloutility"
    rm -rf "$tmp"
    cl_log "collection installed in $CL_COLLECTIONS"
}

cl_main() {
    local venv_only=0 arg
    cl_setup_venv || return 1
    for arg in "$@"; do
        case "$arg" in
        --venv-only) venv_only=1 ;;
        [0-9]*) cl_setup_core_venv "$arg" || return 1 ;;
        *) ;;
        esac
    done
    if [ "$venv_only" = 0 ]; then
        cl_install_collection || return 1
    fi
}

case " $* " in
*" --no-run "*) ;;
*)
    if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        set -u
        cl_main "$@"
        exit $?
    else
        cl_main "$@"
    fi
    ;;
esac

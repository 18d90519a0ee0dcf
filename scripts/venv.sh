#!/usr/bin/env bash
# Virtual environments of the project; source it (`source scripts/venv.sh`), then call:
#   cl_setup_venv          .venv: the newest tested ansible-core on Python 3.12/3.13, the tool chain
#                          (scripts/requirements-dev.txt, nox included) and the simulator (the demo, by hand)
#   cl_install_collection  the working tree's collection into .ansible/collections (the demo)
#   cl_setup_nox_venv      .venv-nox: nox + antsibull-nox (scripts/requirements-nox.txt), for scripts/test.sh
# A venv's stamp holds a hash of its Python and requirement files: when it matches, nothing is installed again.
# Callers may run with set -euo pipefail (demo.sh): every command here that may fail is checked.
# PYTHON=/path/to/python3.12 picks the interpreter; else python3.X on PATH, pyenv's, /usr/local/bin, /usr/bin.

CL_ROOT="${CL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CL_VENV="${CLOUTILITY_VENV:-$CL_ROOT/.venv}"
CL_NOX_VENV="$CL_ROOT/.venv-nox"

cl_log() { printf '[setup] %s\n' "$*" >&2; }

# cl_find_python X.Y...: an interpreter of one of these versions that runs (a pyenv shim of a version that is
# not enabled does not), preferred first.
cl_find_python() {
    local want candidate prefix
    for want in "$@"; do
        prefix="$(pyenv prefix "$want" 2>/dev/null)" || prefix=""
        for candidate in "${PYTHON:-}" "$(command -v "python$want" 2>/dev/null)" ${prefix:+"$prefix/bin/python$want"} \
            "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want"*/bin/python"$want" "/usr/local/bin/python$want" \
            "/usr/bin/python$want"; do
            [ -n "$candidate" ] && [ -x "$candidate" ] || continue
            if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
                "$candidate" -c 'import sys; print(sys.executable)'
                return 0
            fi
        done
    done
    cl_log "ERROR: no Python ${*// / or } that runs. Get one: pyenv install $1, or your distribution's package" \
        "(apt-get install python$1 python$1-venv), or python.org; or point PYTHON=/path/to/python$1 at it."
    return 1
}

# cl_make_venv VENV "X.Y ..." PIP_ARGS...: VENV on one of these Pythons with PIP_ARGS installed (paths relative to
# the repository); a venv on another Python is made again. Concurrent runs are serialised with flock.
cl_make_venv() {
    local venv="$1" pythons="$2" python have want lockfd rc=0
    shift 2
    have="$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || have=""
    if [ -e "$venv" ] && [[ -z "$have" || " $pythons " != *" $have "* ]]; then
        cl_log "$venv has Python ${have:-(none that runs)}, not ${pythons// / or }: making it again"
        rm -rf "$venv" || return 1
    fi
    if [ ! -x "$venv/bin/python" ]; then
        # shellcheck disable=SC2086  # a list of versions
        python="$(cl_find_python $pythons)" || return 1
        cl_log "creating $venv with $python"
        "$python" -m venv "$venv" || return 1
    fi
    exec {lockfd}>"$venv/.cloutility-setup.lock"
    command -v flock >/dev/null 2>&1 && flock "$lockfd"
    # (cat also gets the pip options, -r and -e, which it cannot read: "|| true", or a caller's set -e -o pipefail stops here)
    want="$( (cd "$CL_ROOT" && "$venv/bin/python" -VV && echo "$*" && { cat "$@" simulator/pyproject.toml 2>/dev/null || true; }) |
        sha256sum | cut -d' ' -f1)"
    if [ "$want" != "$(cat "$venv/.cloutility-setup.stamp" 2>/dev/null)" ]; then
        cl_log "installing into $venv: $*"
        if (cd "$CL_ROOT" && "$venv/bin/python" -m pip --disable-pip-version-check install -q "$@" 2>&1 |
            grep -v "^WARNING: Location '.*' is ignored"; exit "${PIPESTATUS[0]}"); then
            echo "$want" >"$venv/.cloutility-setup.stamp"
        else
            rc=1
        fi
    fi
    exec {lockfd}>&-
    return $rc
}

cl_setup_venv() {
    cl_make_venv "$CL_VENV" "3.12 3.13" -r scripts/requirements-dev.txt -r requirements.txt -e simulator
}

cl_setup_nox_venv() {
    cl_make_venv "$CL_NOX_VENV" "3.12 3.13 3.11" -r scripts/requirements-nox.txt
}

# The working tree's files (tracked + untracked-but-not-ignored) into .ansible/collections: ansible-core wants
# ansible_collections/cloutility/cloutility and the demo must not see .venv and the like.
cl_install_collection() {
    local dest="$CL_ROOT/.ansible/collections/ansible_collections/cloutility/cloutility"
    rm -rf "$dest" && mkdir -p "$dest" || return 1
    (cd "$CL_ROOT" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) |
        tar -xf - -C "$dest" || return 1
    cl_log "collection installed in $CL_ROOT/.ansible/collections"
}

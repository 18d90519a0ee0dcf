#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measure the read side at scale: the inventory plugin and cloutility_node_info over many consumption units.

    .venv/bin/python tests/performance/inventory.py --units 1000 10000 --latency-ms 50 [--workers 16] [--compare]

For each size: a fresh simulator (its own process, --quiet) gets that many consumption units with activated
nodes in one business unit (Acme Hosting/Customers/Contoso, POST /_sim/bulk), then answers every /v1 request
after ``--latency-ms`` (the simulator's latency injection, /_sim/faults latency_ms). Timed, as a user runs them:
``ansible-inventory --graph`` and ``--list`` of a cloutility.yml source (the whole tree: every unit's node and
latest report; --list adds Ansible's own cost of computing and printing every host's variables), and
``ansible localhost -m cloutility.cloutility.cloutility_node_info -a bunit=...`` over the unit. Prints a Markdown
table with wall-clock seconds and the requests the simulator counted.

``--compare`` also reads the inventory one request at a time (workers: 1) and with the workers, without
latency, and checks that both give the same hosts, variables and groups.

Needs the project's venv (bash scripts/setup-venv.sh); the collection is the working tree this script is in.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
BUNIT_ID = 94
BUNIT = 'Acme Hosting/Customers/Contoso'
CREDENTIALS = dict(CLOUTILITY_CLIENT_ID='ansible-demo', CLOUTILITY_ORIGIN='https://ansible.example.com',
                   CLOUTILITY_USERNAME='ansible@example.com', CLOUTILITY_PASSWORD='Sim-Passw0rd!')


def admin(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method='GET' if body is None else 'POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=600) as answer:
        return json.load(answer)


class Simulator:
    def __init__(self, workdir):
        self.port_file = os.path.join(workdir, 'port')
        self.log = open(os.path.join(workdir, 'simulator.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, '-m', 'cloutility_simulator', '--port', '0', '--port-file', self.port_file, '--quiet'],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _attempt in range(200):
            if os.path.exists(self.port_file):
                break
            time.sleep(0.05)
        with open(self.port_file, encoding='utf-8') as handle:
            self.url = 'http://127.0.0.1:%s' % handle.read().strip()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def environment(sim, workdir):
    collections = os.path.join(workdir, 'collections')
    os.makedirs(os.path.join(collections, 'ansible_collections', 'cloutility'))
    os.symlink(ROOT, os.path.join(collections, 'ansible_collections', 'cloutility', 'cloutility'))  # the working tree as it is
    env = dict(os.environ, **CREDENTIALS)
    env.update(CLOUTILITY_API_URL=sim.url + '/v1', ANSIBLE_COLLECTIONS_PATH=collections,
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, XDG_CACHE_HOME=os.path.join(workdir, 'cache'),
               ANSIBLE_INVENTORY_ENABLED='cloutility.cloutility.cloutility', ANSIBLE_NOCOLOR='1',
               PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''))
    return env


def timed(sim, command, env):
    admin(sim.url, '/_sim/counters/reset', {})
    started = time.monotonic()
    answer = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if answer.returncode != 0:
        raise SystemExit('%s failed:\n%s\n%s' % (' '.join(command), answer.stdout[-3000:], answer.stderr[-3000:]))
    counters = admin(sim.url, '/_sim/counters')
    # Logins left out: the first command logs in, later ones reuse the cached token.
    return seconds, counters['total'] - counters['password_grants'] - counters['refresh_grants'], answer.stdout


def inventory_source(workdir, workers):
    path = os.path.join(workdir, 'w%d.cloutility.yml' % workers)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('plugin: cloutility.cloutility.cloutility\nworkers: %d\n' % workers)
    return path


def measure(units, latency_ms, workers, compare, repeat=1):
    rows = []
    with tempfile.TemporaryDirectory(prefix='cloutility-inventory-perf.') as workdir:
        sim = Simulator(workdir)
        try:
            created = admin(sim.url, '/_sim/bulk', {'bunit': BUNIT_ID, 'consumers': units, 'prefix': 'perf-', 'nodes': True, 'activated': True})
            assert len(created['nodeIds']) == units
            env = environment(sim, workdir)
            hosts = units + 5  # the seed's five nodes
            if compare:
                serial = timed(sim, ['ansible-inventory', '-i', inventory_source(workdir, 1), '--list'], env)
                parallel = timed(sim, ['ansible-inventory', '-i', inventory_source(workdir, workers), '--list'], env)
                same = json.loads(serial[2]) == json.loads(parallel[2])
                print('compare (no latency): workers=1 %.1f s %d requests, workers=%d %.1f s %d requests, same inventory: %s'
                      % (serial[0], serial[1], workers, parallel[0], parallel[1], same), flush=True)
                if not same or serial[1] != parallel[1]:
                    raise SystemExit('the concurrent inventory differs from the one-at-a-time read')
            admin(sim.url, '/_sim/faults', {'latency_ms': latency_ms})
            for _run in range(repeat):
                seconds, requests, output = timed(sim, ['ansible-inventory', '-i', inventory_source(workdir, workers), '--graph'], env)
                assert output.count('|--') >= units, output[-500:]
                rows.append(('inventory plugin (`ansible-inventory --graph`)', units, workers, seconds, requests))
                seconds, requests, output = timed(sim, ['ansible-inventory', '-i', inventory_source(workdir, workers), '--list'], env)
                listed = len(json.loads(output)['_meta']['hostvars'])
                assert listed == hosts, (listed, hosts)
                rows.append(('inventory plugin (`ansible-inventory --list`: also every host variable as JSON)', units, workers, seconds, requests))
                seconds, requests, output = timed(sim, ['ansible', 'localhost', '-m', 'cloutility.cloutility.cloutility_node_info',
                                                        '-a', 'bunit="%s" workers=%d' % (BUNIT, workers)], env)
                assert output.count('"tsmName": "PERF-') == units, output[-500:]
                rows.append(('`cloutility_node_info` over the unit', units, workers, seconds, requests))
        finally:
            sim.stop()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--units', type=int, nargs='+', default=[1000], help='consumption units (with activated nodes) to create')
    parser.add_argument('--latency-ms', type=int, default=50, help='simulator latency per request (default 50)')
    parser.add_argument('--workers', type=int, default=16, help='the workers option (default 16, the default of both)')
    parser.add_argument('--compare', action='store_true', help='check that workers=1 and --workers give the same inventory')
    parser.add_argument('--repeat', type=int, default=1, help='time each command this many times (one row each)')
    args = parser.parse_args(argv)
    rows = []
    for units in args.units:
        rows.extend(measure(units, args.latency_ms, args.workers, args.compare, args.repeat))
    print('| what | consumption units | latency | workers | seconds | API requests (without the login) |')
    print('|---|---|---|---|---|---|')
    for what, units, workers, seconds, requests in rows:
        print('| %s | %d | %d ms | %d | %.1f | %d |' % (what, units, args.latency_ms, workers, seconds, requests))
    return 0


if __name__ == '__main__':
    sys.exit(main())

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job slicing as AWX / Automation Controller does it, with ansible-runner, against the simulator.

An inventory of N hosts is cut into S slices (host i goes to slice i % S, as AWX's job slicing does); every slice
is its own OS process that calls ``ansible_runner.run`` with its own private data folder and its own HOME (so its
own token cache and lock folder: two execution nodes share nothing), and all slices start at once. With
``--overlap`` every slice runs every host: S controllers onboarding the same hosts at once (overlapping schedules,
or two AWX instances).

For each playbook (``onboard``: the role through the shipped playbook; ``node``: one ``cloutility_node`` task with
``activate: true`` per host) and each slice count, against a reset simulator with ``--latency-ms`` latency:

- no failed host (failures + unreachable in every runner's stats, and every runner's status ``successful``);
- no duplicate consumption unit (the units of each business unit, listed through the API, counted by name) and
  none missing;
- every node activated once: one activated node per host, one successful activation per host in the simulator's
  audit log; slices that share no host send no more activation requests than hosts (the simulator's counter of the
  activation route); overlapping slices may send more, which the server refuses (409, counted and shown);
- one password grant per slice (the simulator's ``POST /v1/oauth`` count equals S, and each slice's HOME holds a
  cached token);
- a re-run of every slice, at once again, reports ``changed=0`` for every host and writes nothing.

    python slicing.py run --sim-url http://127.0.0.1:PORT --collections-path PATH --workdir DIR \
        [--hosts 40] [--slices 2,4] [--playbooks onboard,node] [--overlap] [--latency-ms 20] [--forks 10]

Prints one line per check and a JSON summary (also written to ``--summary``); exits 1 when a check failed.
``python slicing.py worker ...`` is what each slice's process runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ORIGIN = 'https://ansible.example.com'
CLIENT_ID = 'ansible-demo'
USERNAME = 'ansible@example.com'
PASSWORD = 'Sim-Passw0rd!'
# Hosts of the first half go to Contoso, the rest to Fabrikam (both in the simulator's seed), so every slice
# writes to both business units whatever S is.
BUNITS = ['Acme Hosting/Customers/Contoso', 'Acme Hosting/Customers/Fabrikam']
ACTIVATE_ROUTE = 'GET /v1/bunits/{id}/consumers/{id}/node/activate'
PLAYBOOKS = {
    'onboard': """---
# The collection's onboard playbook, as an AWX project's playbook would run it.
- name: Onboard
  ansible.builtin.import_playbook: cloutility.cloutility.onboard
""",
    'node': """---
# One cloutility_node task per host, the node activated under the name the server suggests.
- name: A node per host
  hosts: all
  gather_facts: false
  tasks:
    - name: Consumption unit and activated node
      cloutility.cloutility.cloutility_node:
        bunit: "{{ onboard_bunit }}"
        consumer: "{{ inventory_hostname }}"
        operating_system: Linux
        node_type: File Server
        domain: STANDARD
        activate: true
""",
}


def host_name(i):
    return 'sl%03d.example.com' % i


# ---------------------------------------------------------------------------------------------- simulator
def sim_request(url, method='GET', body=None, headers=None, form=None):
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers['Content-Type'] = 'application/x-www-form-urlencoded'
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=60) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None


class Simulator:
    def __init__(self, url):
        self.url = url.rstrip('/')

    def admin(self, path, method='GET', body=None):
        return sim_request(self.url + '/_sim/' + path, method=method, body=body)

    def reset(self, latency_ms, faults=None, config=None):
        self.admin('reset', 'POST')
        self.admin('config', 'POST', dict(config or {}, latency_ms=latency_ms))
        if faults:
            self.admin('faults', 'POST', faults)

    def quiet(self):
        """No faults and no shifting pages while the checks read (the portal's switches stay)."""
        self.admin('faults', 'DELETE')
        self.admin('config', 'POST', {'page_shift_rate': 0})

    def counters(self):
        return self.admin('counters')

    def consumers_by_bunit(self):
        """{business unit path: [consumption unit names]} listed through the API (one password grant: read the
        counters before)."""
        api = self.url + '/v1'
        token = sim_request(api + '/oauth', 'POST', headers={'Origin': ORIGIN},
                            form={'client_id': CLIENT_ID, 'grant_type': 'password', 'username': USERNAME,
                                  'password': PASSWORD})['access_token']
        headers = {'Origin': ORIGIN, 'Authorization': 'Bearer ' + token}
        tree = sim_request(api + '/bunits', headers=headers)
        ids = {}

        def walk(unit, path):
            path = path + [unit['name']]
            ids['/'.join(path)] = unit['id']
            for child in unit.get('businessUnits') or unit.get('children') or []:
                walk(child, path)

        for top in tree if isinstance(tree, list) else [tree]:
            walk(top, [])
        found = {}
        for path in BUNITS:
            names, offset = [], 0
            while True:
                page = sim_request('%s/bunits/%s/consumers?offset=%d&limit=100' % (api, ids[path], offset), headers=headers)
                names += [item['name'] for item in page['items']]
                offset += len(page['items'])
                if not page['items'] or offset >= page['total']:
                    break
            found[path] = names
        return found


# ---------------------------------------------------------------------------------------------- slices
def slice_hosts(n_hosts, n_slices, k, overlap):
    """The hosts of slice k (0-based): AWX gives host i to slice i % S; overlapping slices all run every host."""
    return [i for i in range(n_hosts) if overlap or i % n_slices == k]


def write_inventory(path, hosts, n_hosts, python):
    lines = ['---', 'all:', '  vars:', '    ansible_connection: local', '    ansible_python_interpreter: %s' % python,
             '    onboard_operating_system: Linux', '    onboard_node_type: File Server', '    onboard_domain: STANDARD',
             '  children:']
    for g, bunit in enumerate(BUNITS):
        members = [i for i in hosts if (i * len(BUNITS)) // n_hosts == g]
        if not members:
            continue
        lines += ['    group%d:' % g, '      vars:', '        onboard_bunit: %s' % bunit, '      hosts:']
        lines += ['        %s:' % host_name(i + 1) for i in members]
    with open(path, 'w', encoding='utf-8') as out:
        out.write('\n'.join(lines) + '\n')


def prepare_slice(base, playbook, hosts, n_hosts, args):
    """A private data folder as AWX writes one: project/, inventory/, env/envvars (the credential's injected
    environment, mode 0600), and a HOME of its own."""
    for sub in ('project', 'inventory', 'env', 'home'):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    with open(os.path.join(base, 'project', 'slice.yml'), 'w', encoding='utf-8') as out:
        out.write(PLAYBOOKS[playbook])
    write_inventory(os.path.join(base, 'inventory', 'hosts.yml'), hosts, n_hosts, sys.executable)
    envvars = {
        'CLOUTILITY_API_URL': args.sim_url.rstrip('/') + '/v1',
        'CLOUTILITY_CLIENT_ID': CLIENT_ID,
        'CLOUTILITY_ORIGIN': ORIGIN,
        'CLOUTILITY_USERNAME': USERNAME,
        'CLOUTILITY_PASSWORD': PASSWORD,
        'ANSIBLE_COLLECTIONS_PATH': args.collections_path,
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
    }
    if args.in_process:
        envvars['CLOUTILITY_IN_PROCESS'] = args.in_process
    fd = os.open(os.path.join(base, 'env', 'envvars'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as out:
        json.dump(envvars, out)


def worker_env(base):
    """The slice process's environment: this one's, with HOME the slice's own and no XDG_CACHE_HOME (the
    collection's token cache and locks are then under <HOME>/.cache, as on a separate execution node)."""
    env = {k: v for k, v in os.environ.items() if k != 'XDG_CACHE_HOME' and not k.startswith('CLOUTILITY_')}
    env['HOME'] = os.path.join(base, 'home')
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    return env


def run_slices(bases, ident, forks):
    """Start one process per slice at once; wait for all; their results (worker's JSON) and the wall time."""
    start = time.time()
    procs = []
    for base in bases:
        cmd = [sys.executable, os.path.abspath(__file__), 'worker', '--pdd', base, '--ident', ident, '--forks', str(forks)]
        log = open(os.path.join(base, 'worker-%s.log' % ident), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        procs.append((subprocess.Popen(cmd, env=worker_env(base), stdout=log, stderr=subprocess.STDOUT), log))
    results = []
    for base, (proc, log) in zip(bases, procs):
        try:
            proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        try:
            with open(os.path.join(base, 'result-%s.json' % ident), encoding='utf-8') as src:
                results.append(json.load(src))
        except (OSError, ValueError):
            with open(os.path.join(base, 'worker-%s.log' % ident), encoding='utf-8') as src:
                results.append({'status': 'worker-died', 'rc': proc.returncode, 'stats': {}, 'log': src.read()[-3000:]})
    return results, time.time() - start


def worker(args):
    """One slice: ansible_runner.run in this process (its own private data folder); the result as JSON."""
    import ansible_runner  # pylint: disable=import-outside-toplevel

    start = time.time()
    runner = ansible_runner.run(private_data_dir=args.pdd, playbook='slice.yml',
                                inventory=os.path.join(args.pdd, 'inventory', 'hosts.yml'),
                                ident=args.ident, forks=args.forks, quiet=True, timeout=540)
    tokens = os.path.join(os.environ['HOME'], '.cache', 'cloutility-ansible', 'tokens')
    failed_msgs = []
    for event in runner.events:
        if event.get('event') in ('runner_on_failed', 'runner_on_unreachable') and not event['event_data'].get('ignore_errors'):
            res = event['event_data'].get('res') or {}
            failed_msgs.append('%s: %s' % (event['event_data'].get('host'), str(res.get('msg', res))[:400]))
    result = {
        'status': runner.status, 'rc': runner.rc, 'stats': runner.stats or {}, 'seconds': round(time.time() - start, 1),
        'token_files': len([n for n in os.listdir(tokens) if not n.startswith('.')]) if os.path.isdir(tokens) else 0,
        'failed': failed_msgs[:10],
    }
    with open(os.path.join(args.pdd, 'result-%s.json' % args.ident), 'w', encoding='utf-8') as out:
        json.dump(result, out)
    return 0


# ---------------------------------------------------------------------------------------------- checks
def total(results, key, hosts=None):
    return sum(n for r in results for h, n in (r['stats'].get(key) or {}).items() if hosts is None or h in hosts)


def scenario(sim, args, playbook, n_slices):
    name = '%s-%d-slices%s%s' % (playbook, n_slices, '-overlap' if args.overlap else '', ('-' + args.label) if args.label else '')
    n = args.hosts
    expected = {host_name(i + 1) for i in range(n)}
    sim.reset(args.latency_ms, args.faults, args.config)
    sim.admin('counters/reset', 'POST')
    bases = []
    for k in range(n_slices):
        base = os.path.join(args.workdir, name, 'slice%d' % k)
        prepare_slice(base, playbook, slice_hosts(n, n_slices, k, args.overlap), n, args)
        bases.append(base)

    first, seconds = run_slices(bases, 'first', args.forks)
    counters = sim.counters()
    sim.quiet()
    units = sim.consumers_by_bunit()
    state = sim.admin('state')
    ours = {c['id']: c for c in state['consumers'].values() if c['name'] in expected}
    nodes = [nd for nd in state['nodes'].values() if nd['consumerId'] in ours]
    names = [u for listed in units.values() for u in listed if u in expected]
    # The simulator's audit log: successful activations (a second one of one host would be a second live node),
    # units created and deleted (a controller that lost a race removes what it created).
    audit = [e for e in state['auditLogs'] if e.get('consumerName') in expected]
    activations = [e['consumerName'] for e in audit if e['type'] == 200 and ' activated as ' in e['message']]
    twice = {h for h in activations if activations.count(h) > 1}
    duplicates = {u: names.count(u) for u in set(names) if names.count(u) > 1}
    failed_hosts = total(first, 'failures') + total(first, 'dark')
    grants = counters['by_route'].get('POST /v1/oauth', 0)

    if args.faults:
        sim.admin('faults', 'POST', dict(args.faults, random_seed=args.faults.get('random_seed', 1) + 100))
    if args.config:
        sim.admin('config', 'POST', args.config)
    sim.admin('counters/reset', 'POST')
    rerun, rerun_seconds = run_slices(bases, 'rerun', args.forks)
    after = sim.counters()

    summary = {
        'scenario': name, 'hosts': n, 'slices': n_slices, 'overlap': args.overlap, 'latency_ms': args.latency_ms,
        'seconds': round(seconds, 1), 'slice_seconds': [r.get('seconds') for r in first],
        'statuses': [r['status'] for r in first],
        'failed_hosts': failed_hosts,
        'duplicate_units': sum(c - 1 for c in duplicates.values()), 'duplicated_names': sorted(duplicates)[:10],
        'missing_units': len(expected - set(names)),
        'nodes': len(nodes), 'activated_nodes': len([nd for nd in nodes if nd.get('activatedDate')]),
        'activations': len(activations), 'hosts_activated_twice': len(twice),
        'activation_requests': counters['by_route'].get(ACTIVATE_ROUTE, 0),
        'refused_activations': len([e for e in audit if e['type'] == 400 and 'Activation' in e['message']]),
        'units_created': len([e for e in audit if e['type'] == 100 and e['message'].startswith('Consumption unit')]),
        'units_deleted': len([e for e in audit if e['type'] == 300 and e['message'].startswith('Consumption unit')]),
        'password_grants': grants, 'grants_counter': counters['password_grants'],
        'token_files_per_slice': [r.get('token_files', 0) for r in first],
        'requests': counters['total'], 'writes': counters['writes'],
        'rerun_seconds': round(rerun_seconds, 1), 'rerun_statuses': [r['status'] for r in rerun],
        'rerun_changed': total(rerun, 'changed'), 'rerun_failed_hosts': total(rerun, 'failures') + total(rerun, 'dark'),
        'rerun_writes': after['writes'],
        'failed_messages': [m for r in first + rerun for m in r.get('failed', [])][:10],
        'worker_errors': [r.get('log') for r in first + rerun if r['status'] == 'worker-died'][:2],
    }
    checks = [
        ('every runner successful', all(s == 'successful' for s in summary['statuses'])),
        ('no failed host', failed_hosts == 0),
        ('every host ran', all(set(r['stats'].get('processed') or {}) >= {host_name(i + 1) for i in slice_hosts(n, n_slices, k, args.overlap)}
                               for k, r in enumerate(first))),
        ('no duplicate unit', not duplicates),
        ('no missing unit', summary['missing_units'] == 0),
        ('one activated node per host', summary['nodes'] == n and summary['activated_nodes'] == n),
        ('each node activated once', len(activations) == n and not twice),
    ]
    if not args.overlap:
        # Slices that share no host have no race to settle: not one activation request more than hosts.
        checks.append(('one activation request per host', summary['activation_requests'] == n))
    checks += [
        ('one password grant per slice', grants == n_slices and all(t == 1 for t in summary['token_files_per_slice'])),
        ('re-run of every slice: successful, changed=0, no write',
         all(s == 'successful' for s in summary['rerun_statuses']) and summary['rerun_changed'] == 0
         and summary['rerun_failed_hosts'] == 0 and summary['rerun_writes'] == 0),
    ]
    summary['checks'] = dict(checks)
    summary['passed'] = all(ok for _label, ok in checks)
    return summary


def run(args):
    sim = Simulator(args.sim_url)
    os.makedirs(args.workdir, exist_ok=True)
    summaries = []
    for playbook in args.playbooks.split(','):
        for n_slices in [int(s) for s in args.slices.split(',')]:
            summary = scenario(sim, args, playbook, n_slices)
            summaries.append(summary)
            verdict = 'PASS' if summary['passed'] else 'FAIL'
            print('== %s: %s in %.1f s (re-run %.1f s)' % (summary['scenario'], verdict, summary['seconds'], summary['rerun_seconds']))
            for label, ok in summary['checks'].items():
                print('   %s %s' % ('ok  ' if ok else 'FAIL', label))
            print('   failed hosts %(failed_hosts)d, duplicate units %(duplicate_units)d, missing units %(missing_units)d, '
                  'nodes %(nodes)d (activated %(activated_nodes)d), activations %(activations)d (requests %(activation_requests)d, '
                  'refused %(refused_activations)d), units created %(units_created)d deleted %(units_deleted)d, '
                  'password grants %(password_grants)d, token files %(token_files_per_slice)s, requests %(requests)d, '
                  're-run changed %(rerun_changed)d failed %(rerun_failed_hosts)d writes %(rerun_writes)d' % summary)
            for msg in summary['failed_messages'][:3]:
                print('   failed: %s' % msg)
            sys.stdout.flush()
    if args.summary:
        with open(args.summary, 'w', encoding='utf-8') as out:
            json.dump(summaries, out, indent=1)
    print(json.dumps([{k: v for k, v in s.items() if k not in ('checks', 'worker_errors')} for s in summaries]))
    return 0 if all(s['passed'] for s in summaries) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    r = sub.add_parser('run')
    r.add_argument('--sim-url', required=True)
    r.add_argument('--collections-path', required=True)
    r.add_argument('--workdir', required=True)
    r.add_argument('--hosts', type=int, default=40)
    r.add_argument('--slices', default='2,4')
    r.add_argument('--playbooks', default='onboard,node')
    r.add_argument('--overlap', action='store_true', help='every slice runs every host')
    r.add_argument('--latency-ms', type=int, default=20)
    r.add_argument('--faults', type=json.loads, default=None, help='a /_sim/faults body (JSON) set for each scenario')
    r.add_argument('--config', type=json.loads, default=None,
                   help='a /_sim/config body (JSON) set for each scenario: the portal (page_size, id_order, conflict_status...)')
    r.add_argument('--label', default='', help='added to the scenario names')
    r.add_argument('--forks', type=int, default=10)
    r.add_argument('--in-process', default=os.environ.get('CLOUTILITY_IN_PROCESS', ''),
                   help='CLOUTILITY_IN_PROCESS for the slices (default: this environment\'s)')
    r.add_argument('--summary')
    w = sub.add_parser('worker')
    w.add_argument('--pdd', required=True)
    w.add_argument('--ident', required=True)
    w.add_argument('--forks', type=int, default=10)
    args = parser.parse_args()
    return worker(args) if args.command == 'worker' else run(args)


if __name__ == '__main__':
    sys.exit(main())

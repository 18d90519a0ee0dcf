# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Convergence without a shared lock (issues 22 and 29), against the simulator: controllers that share no lock and create
the same consumption unit keep one, the first created (rivals.py: by createdDate, then id); a lookup that finds several
units of a name takes the one holding the activated node, or the first when the others are young and hold none; a
refused write is re-read. First one race at a time, each played at the exact
moment it matters (a second client writes just before or after this run's request), then real processes at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import DuplicateUnits
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Plan
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import (
    LostRace,
    NodeWorkflow,
    Yielded,
    ensure_node,
    get_node,
    is_activated,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.rivals import Rivals

CONTOSO = 94
CONTOSO_PATH = 'Acme Hosting/Customers/Contoso'
CONSUMERS = 'bunits/94/consumers'
# The node every task here asks for (Linux, File Server, 30DAYS), as a body another controller posts.
NODE_BODY = {'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 15}}

LIST = 'GET /v1/bunits/{id}/consumers'
CREATE_UNIT = 'POST /v1/bunits/{id}/consumers'
DELETE_UNIT = 'DELETE /v1/bunits/{id}/consumers/{id}'
CREATE_NODE = 'POST /v1/bunits/{id}/consumers/{id}/node'
ACTIVATE = 'GET /v1/bunits/{id}/consumers/{id}/node/activate'
WRITES = ('POST', 'PUT', 'DELETE')


@pytest.fixture
def quick(monkeypatch, tmp_path):
    """No real waits between looks (the settling lookup's two looks still happen); locks in a private place."""
    monkeypatch.setattr(api_client.time, 'sleep', lambda seconds: None)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


def _client(sim):
    return CloutilityClient(sim.api_url, token_cache=False, **sim.login)


def _rival(sim):
    """Another controller's client: it shares nothing with this run's (no lock, no token)."""
    return CloutilityClient(sim.api_url, token_cache=False, retries=0, **sim.login)


def _params(name, **changes):
    params = dict(bunit='Customers/Contoso', consumer=name, consumer_id=None, operating_system='Linux', node_type='File Server',
                  domain='30DAYS', client_option_set=None, server=None, contact=None, cpu_count=None, activate=True, tsm_name=None,
                  node_password=None, update_password='on_create', return_password=False, state='present', deletion_comment=None)
    params.update(changes)
    return params


def _spy(client):
    """Record this client's writes: (method, path, params, answer or the exception)."""
    calls = []
    original = client.request

    def request(method, path, *args, **kwargs):
        record = method in WRITES or path.endswith('/node/activate')
        try:
            answer = original(method, path, *args, **kwargs)
        except Exception as exc:
            if record:
                calls.append((method, path, kwargs.get('params'), exc))
            raise
        if record:
            calls.append((method, path, kwargs.get('params'), answer))
        return answer

    client.request = request
    return calls


def _intercept(client, method, path, before=None, on_error=None):
    """Run ``before()`` just before this client's first ``method path`` request, ``on_error()`` when that one fails."""
    original = client.request
    state = dict(done=False)

    def request(this_method, this_path, *args, **kwargs):
        if this_method != method or this_path != path or state['done']:
            return original(this_method, this_path, *args, **kwargs)
        state['done'] = True
        if before is not None:
            before()
        try:
            return original(this_method, this_path, *args, **kwargs)
        except Exception:
            if on_error is not None:
                on_error()
            raise

    client.request = request
    return state


def _units(sim, name):
    """Ids of the units named ``name`` in Contoso now, oldest first."""
    client, _tree = sim.reader()
    return sorted(item['id'] for item in client.get_all(CONSUMERS) if item.get('name') == name)


def _node(sim, consumer_id):
    client, _tree = sim.reader()
    return get_node(client, CONTOSO, consumer_id)


def _create_unit(client, name):
    return client.post(CONSUMERS, json={'name': name})['id']


def _run(client, name, **changes):
    return ensure_node(client, BusinessUnitTree(client), _params(name, **changes))


def _unit_path(consumer_id, *rest):
    return '/'.join((CONSUMERS, str(consumer_id)) + rest)


def _own_creates(calls):
    return [answer['id'] for method, path, _params_, answer in calls if method == 'POST' and path == CONSUMERS and isinstance(answer, dict)]


def _deletes(calls):
    return [(path, params) for method, path, params, _answer in calls if method == 'DELETE']


def _assert_one_activated_unit(sim, name, kept):
    assert _units(sim, name) == [kept]
    node = _node(sim, kept)
    assert is_activated(node) and node.get('tsmName')
    return node


# ---------------------------------------------------------------------------- one race at a time
def test_a_rival_created_just_before_this_runs_create_is_kept(sim, quick):
    """(a) The rival's create reaches the server first: the rival's unit is the oldest. This run's check (before it
    activates) finds it, removes its own unit (with its node, never activated) and activates the rival's."""
    name = 'conv-a'
    client, rival = _client(sim), _rival(sim)
    calls = _spy(client)
    rival_unit = []
    _intercept(client, 'POST', CONSUMERS, before=lambda: rival_unit.append(_create_unit(rival, name)))
    sim.simulator.reset_counters()

    result = _run(client, name)
    routes = sim.routes()  # this run's requests (the checks below read too)

    kept, = rival_unit
    own, = _own_creates(calls)
    assert own > kept
    assert result['changed'] and not result.get('failed')
    assert result['duplicate_removed'] == {'id': own, 'name': name}
    assert result['consumer']['id'] == kept and 'warnings' not in result
    node = _assert_one_activated_unit(sim, name, kept)
    assert result['node']['tsmName'] == node['tsmName']
    assert _deletes(calls) == [(_unit_path(own), {'deleteAssociations': 'true'})]
    assert routes[DELETE_UNIT] == 1 and routes[ACTIVATE] == 1
    # The rival's create and this run's; a node on this run's unit (removed with it), then one on the kept unit.
    assert routes[CREATE_UNIT] == 2 and routes[CREATE_NODE] == 2


def test_b_a_rival_the_first_lookup_missed_is_found_at_the_check(sim, quick):
    """(b) An older unit of the name that the first lookup did not show (a list read before it was committed) is in
    the list the check reads after this run's create: the same outcome as (a)."""
    name = 'conv-b'
    client, rival = _client(sim), _rival(sim)
    kept = _create_unit(rival, name)
    calls = _spy(client)
    original = client.consistent_list
    looks = []

    def consistent_list(path, *args, **kwargs):
        items = original(path, *args, **kwargs)
        if path == CONSUMERS:
            looks.append(path)
            if len(looks) == 1:
                return [item for item in items if item.get('name') != name]
        return items

    client.consistent_list = consistent_list
    sim.simulator.reset_counters()

    result = _run(client, name)
    routes = sim.routes()  # this run's requests (the checks below read too)

    own, = _own_creates(calls)
    assert own > kept and len(looks) >= 2
    assert result['changed'] and result['duplicate_removed'] == {'id': own, 'name': name}
    assert result['consumer']['id'] == kept
    _assert_one_activated_unit(sim, name, kept)
    assert _deletes(calls) == [(_unit_path(own), {'deleteAssociations': 'true'})]
    assert routes[DELETE_UNIT] == 1 and routes[ACTIVATE] == 1 and routes[CREATE_UNIT] == 1


def test_c_this_runs_unit_is_the_oldest_it_goes_on_and_the_rival_yields(sim, quick):
    """(c) The rival's create lands just after this run's: this run's unit is the oldest, it goes on and never
    touches the rival's unit; the rival's run, checking in turn, loses and removes its own."""
    name = 'conv-c'
    client, rival = _client(sim), _rival(sim)
    calls = _spy(client)
    rival_unit = []
    original = client.request

    def request(method, path, *args, **kwargs):
        answer = original(method, path, *args, **kwargs)
        if method == 'POST' and path == CONSUMERS and not rival_unit:
            rival_unit.append(_create_unit(rival, name))
        return answer

    client.request = request
    sim.simulator.reset_counters()

    result = _run(client, name)
    routes = sim.routes()  # this run's requests (the checks below read too)

    other, = rival_unit
    own, = _own_creates(calls)
    assert own < other
    assert result['changed'] and 'duplicate_removed' not in result and 'warnings' not in result
    assert result['consumer']['id'] == own and is_activated(_node(sim, own))
    assert _units(sim, name) == [own, other]
    assert _node(sim, other) is None, 'the rival unit is untouched'
    assert _deletes(calls) == [] and str(other) not in ' '.join(path for _m, path, _p, _a in calls)
    assert DELETE_UNIT not in routes and routes[ACTIVATE] == 1

    # The rival's run looks once before it would activate: it loses to this run's unit and yields.
    workflow = NodeWorkflow(rival, BusinessUnitTree(rival), _params(name))
    workflow.bunit = {'id': CONTOSO}
    workflow.rivals = Rivals(rival, CONTOSO, name)
    created = {'id': other, 'name': name}
    ctx = dict(consumer=created, created_consumer=created, node={}, reread=False, created_at=0)
    with pytest.raises(LostRace) as lost:
        workflow.check_rivals(ctx)
    assert lost.value.keeper['id'] == own
    with pytest.raises(Yielded) as gave_way:
        workflow.give_way(ctx, Plan(), lost.value.keeper)
    assert gave_way.value.kept['id'] == own and gave_way.value.own == {'id': other, 'name': name}
    yielded = workflow.present(gave_way.value.kept, get_node(rival, CONTOSO, own))
    assert yielded['consumer']['id'] == own and yielded['node']['tsmName'] == result['node']['tsmName']
    _assert_one_activated_unit(sim, name, own)
    assert sim.routes()[ACTIVATE] == 1, 'the kept node was activated once, by this run'


@pytest.mark.parametrize('rival_at', ['before', 'after'])
def test_d_a_lost_create_answer_with_a_rival_leaves_one_unit(sim, quick, rival_at):
    """(d) This run's create is committed but its answer is lost, and a rival unit of the name appears just before
    (older) or just after (newer) it: the run cannot tell its own unit and takes the newest; the check keeps the
    oldest and removes the other. One unit is left, its node activated once."""
    name = 'conv-d-%s' % rival_at
    client, rival = _client(sim), _rival(sim)
    rival_unit = []
    drop = {'drop_after_commit': [{'method': 'POST', 'path': r'^/v1/bunits/94/consumers$', 'times': 1}]}

    def rival_creates():
        rival_unit.append(_create_unit(rival, name))

    if rival_at == 'before':
        _intercept(client, 'POST', CONSUMERS, before=lambda: (rival_creates(), sim.simulator.set_faults(drop)))
    else:
        sim.simulator.set_faults(drop)
        _intercept(client, 'POST', CONSUMERS, on_error=rival_creates)
    calls = _spy(client)
    sim.simulator.reset_counters()

    result = _run(client, name)
    routes = sim.routes()  # this run's requests (the checks below read too)

    other, = rival_unit
    assert sim.simulator.counters_copy()['drops'] == 1
    assert [type(answer).__name__ for method, path, _p, answer in calls if path == CONSUMERS] == ['CloutilityApiError']
    assert result['changed'] and not result.get('failed')
    kept = result['consumer']['id']
    if rival_at == 'before':
        assert kept == other and result['duplicate_removed']['id'] > other
    else:
        # The run took the newest unit, the rival's, for its own: that one goes, the run's real (older) unit is kept.
        assert kept < other and result['duplicate_removed'] == {'id': other, 'name': name}
    _assert_one_activated_unit(sim, name, kept)
    assert routes[ACTIVATE] == 1 and routes[DELETE_UNIT] == 1
    assert [params for _path, params in _deletes(calls)] == [{'deleteAssociations': 'true'}]


@pytest.mark.parametrize('other_holds', ['no node', 'a node never activated'])
def test_e_a_leftover_duplicate_without_activated_node_is_named_and_left_alone(sim, quick, other_holds):
    """(e) Two units of the name from before the run (a controller stopped half way): the lookup looks again twice,
    then the task uses the oldest and its result warns naming the other, which it never writes to."""
    name = 'conv-e'
    client, rival = _client(sim), _rival(sim)
    oldest = _create_unit(rival, name)
    other = _create_unit(rival, name)
    if other_holds != 'no node':
        rival.post(_unit_path(other, 'node'), json=NODE_BODY)
    other_before = _node(sim, other)
    calls = _spy(client)
    sim.simulator.reset_counters()

    result = _run(client, name)
    routes = sim.routes()  # this run's requests (the checks below read too)

    assert result['changed'] and result['consumer']['id'] == oldest and 'duplicate_removed' not in result
    warning, = result['warnings']
    assert str(other) in warning and 'this task used id %d (the first created; the others are minutes old' % oldest in warning
    assert is_activated(_node(sim, oldest))
    assert _units(sim, name) == [oldest, other]
    assert _node(sim, other) == other_before, 'no write to the other unit'
    assert all('/%d' % other not in path for _m, path, _p, _a in calls)
    assert routes[LIST] == 4, 'the first look, two more before taking the oldest, one before activating it (it is young)'
    assert DELETE_UNIT not in routes and CREATE_UNIT not in routes and routes[ACTIVATE] == 1

    # Run again: nothing to do, the same warning.
    sim.simulator.reset_counters()
    again = _run(_client(sim), name)
    assert not again['changed'] and again['consumer']['id'] == oldest
    assert again['warnings'] == [warning.replace(warning[warning.index('(the first'):warning.index('; delete')], '(it holds the activated node)')]
    assert sim.simulator.counters_copy()['writes'] == 0


def test_f_a_duplicate_with_an_activated_node_fails_naming_the_business_unit_path_and_writes_nothing(sim, quick):
    """(f) Two units of the name hold an activated node: never a guess between live nodes. The task fails
    (DuplicateUnits) naming the business unit by path, the ids and the first created."""
    name = 'conv-f'
    client, rival = _client(sim), _rival(sim)
    oldest = _create_unit(rival, name)
    other = _create_unit(rival, name)
    for unit in (oldest, other):
        ensure_node(rival, BusinessUnitTree(rival), _params(name, consumer_id=unit))
    assert is_activated(_node(sim, other)) and is_activated(_node(sim, oldest))
    before = (_node(sim, oldest), _node(sim, other))
    sim.simulator.reset_counters()

    with pytest.raises(DuplicateUnits) as caught:
        _run(client, name)

    message = str(caught.value)
    assert 'business unit %s: ids %d, %d' % (CONTOSO_PATH, oldest, other) in message, message
    assert 'the first created, id %d,' % oldest in message, message
    assert sorted(unit['id'] for unit in caught.value.units) == [oldest, other]
    assert sim.simulator.counters_copy()['writes'] == 0
    assert _units(sim, name) == [oldest, other] and (_node(sim, oldest), _node(sim, other)) == before


def test_g_a_node_another_controller_created_meanwhile_is_taken(sim, quick):
    """(g) The node create answers 409 because another controller created the node meanwhile: the re-read finds it,
    the run takes it and activates it; no failure."""
    name = 'conv-g'
    client, rival = _client(sim), _rival(sim)
    unit = _create_unit(rival, name)
    node_path = _unit_path(unit, 'node')
    rival_node = []
    _intercept(client, 'POST', node_path, before=lambda: rival_node.append(rival.post(node_path, json=NODE_BODY)['id']))
    calls = _spy(client)
    sim.simulator.reset_counters()

    result = _run(client, name)
    routes = sim.routes()  # this run's requests (the checks below read too)

    assert not result.get('failed') and result['changed']
    assert result['node']['id'] == rival_node[0] and result['consumer']['id'] == unit
    refused, = [answer for method, path, _p, answer in calls if method == 'POST' and path == node_path]
    assert isinstance(refused, CloutilityError) and refused.status == 409
    node = _assert_one_activated_unit(sim, name, unit)
    assert node['id'] == rival_node[0] and result['node']['tsmName'] == node['tsmName']
    assert routes[CREATE_NODE] == 2 and routes[ACTIVATE] == 1


@pytest.mark.parametrize('tsm_name', [None, 'OWN-H'])
def test_h_an_activation_another_controller_did_meanwhile(sim, quick, tsm_name):
    """(h) The activation answers 409 because another controller activated the node meanwhile, under another name:
    a task that asked for no name takes it (success); a task that asked for another name fails."""
    name = 'conv-h'
    client, rival = _client(sim), _rival(sim)
    unit = _create_unit(rival, name)
    rival.post(_unit_path(unit, 'node'), json=NODE_BODY)
    activate_path = _unit_path(unit, 'node', 'activate')

    def rival_activates():
        rival.request('GET', activate_path, params={'tsmName': 'RIVAL-H'}, retry=False)

    _intercept(client, 'GET', activate_path, before=rival_activates)
    sim.simulator.reset_counters()

    if tsm_name is None:
        result = _run(client, name, tsm_name=tsm_name)
        routes = sim.routes()
        assert not result.get('failed') and result['node']['tsmName'] == 'RIVAL-H' and result['consumer']['id'] == unit
    else:
        with pytest.raises(CloutilityError) as caught:
            _run(client, name, tsm_name=tsm_name)
        routes = sim.routes()
        message = str(caught.value)
        assert 'tsmName=OWN-H' in message and 'HTTP 409' in message and 'already activated as RIVAL-H' in message, message
    assert _node(sim, unit)['tsmName'] == 'RIVAL-H'
    assert routes[ACTIVATE] == 2 and sim.simulator.counters_copy()['writes'] == 2  # the rival's, then this run's refused one


# ---------------------------------------------------------------------------- controllers at once
RACE_UNITS = int(os.environ.get("RACE_UNITS", "10"))
RACE_FAULTS = {'rules': [{'path': '^/v1/', 'status': 429, 'retry_after': 1, 'rate': 0.05},
                         {'path': '^/v1/', 'status': 503, 'rate': 0.10}],
               'drop_after_commit': [{'method': 'WRITE', 'path': '^/v1/', 'rate': 0.03}],
               'latency_ms': 20}
# One controller: a process of its own ensuring every unit in threads (like forks), printing one JSON line of results.
CONTROLLER = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ensure_node
url, login, params = sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
client = CloutilityClient(url, pool_size=8, **login)


def one(entry):
    try:
        result = ensure_node(client, BusinessUnitTree(client), entry)
        return dict(changed=result['changed'], failed=False, id=result['consumer'].get('id'))
    except Exception as exc:
        return dict(failed=True, msg='%s: %s' % (type(exc).__name__, str(exc)[:400]), changed=getattr(exc, 'result', {}).get('changed'))


print(json.dumps(dict(zip([entry['consumer'] for entry in params], map_bounded(one, params, workers=5)))))
'''


def _collections_root():
    """The folder holding the ansible_collections package these tests import (ansible-test's copy or a checkout)."""
    path = os.path.abspath(api_client.__file__)
    for _level in range(6):  # api_client.py, module_utils, plugins, cloutility (collection), cloutility, ansible_collections
        path = os.path.dirname(path)
    return path


def _controllers(sim, count, entries, tmp_path, label):
    processes = []
    for index in range(count):
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / ('%s-%d' % (label, index))))  # no shared lock, no shared token
        processes.append(subprocess.Popen(
            [sys.executable, '-c', CONTROLLER, _collections_root(), sim.api_url, json.dumps(sim.login), json.dumps(entries)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True))
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


# The portals of issue 29: ids growing or in no order, conflicts as 409 or 400, a unit list of several pages that shift
# while they are read (simulator switches, README "Racing controllers").
PORTALS = dict(
    growing=dict(page_size=5),
    any_order_400=dict(page_size=5, id_order='random', conflict_status=400, page_shift_rate=0.05, created_resolution=1),
)


@pytest.mark.parametrize('controllers,portal', [(2, 'growing'), (4, 'growing'), (4, 'any_order_400')])
def test_controllers_without_a_shared_lock_converge(sim, tmp_path, controllers, portal):
    """N processes, each with its own cache folder (no shared lock, no shared token), ensure the same 10 units at once
    against a flaky portal (429, 503, lost answers of writes; 20 ms a request) whose unit list spans pages, with ids in
    order or not, conflicts as 409 or 400: none fails, one unit per name, every node activated; a re-run writes nothing."""
    prefix = 'race%d%s-' % (controllers, portal[0])
    entries = [_params('%s%02d' % (prefix, index)) for index in range(RACE_UNITS)]
    with sim.simulator.lock:
        sim.simulator.config.update(PORTALS[portal])
    sim.simulator.set_faults(dict(RACE_FAULTS, random_seed=controllers))

    first = _controllers(sim, controllers, entries, tmp_path, 'run')

    failures = [(entry, outcome['msg']) for results in first for entry, outcome in results.items() if outcome['failed']]
    assert failures == [], json.dumps(failures, indent=1)
    reader, _tree = sim.reader()
    sim.simulator.set_faults({})
    with sim.simulator.lock:
        sim.simulator.config.update(page_shift_rate=0.0)  # the checks below read plainly
    units = [item for item in reader.get_all(CONSUMERS) if str(item.get('name', '')).startswith(prefix)]
    names = sorted(item['name'] for item in units)
    assert names == sorted(entry['consumer'] for entry in entries), 'one unit per name, no duplicate'
    for item in units:
        assert is_activated(get_node(reader, CONTOSO, item['id'])), item
    kept = dict((item['name'], item['id']) for item in units)
    assert all(outcome['id'] == kept[entry] for results in first for entry, outcome in results.items()), \
        'every controller reports the unit that was kept'

    sim.simulator.set_faults(dict(RACE_FAULTS, random_seed=controllers + 100))
    with sim.simulator.lock:
        sim.simulator.config.update(PORTALS[portal])
    sim.simulator.reset_counters()
    again = _controllers(sim, controllers, entries, tmp_path, 'rerun')
    assert [outcome for results in again for outcome in results.values() if outcome['failed'] or outcome['changed']] == []
    assert sim.simulator.counters_copy()['writes'] == 0

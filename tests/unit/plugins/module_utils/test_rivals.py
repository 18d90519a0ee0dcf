# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The invariants of rivals.py (issue 29, racing controllers), each played against the simulator at the moment it
matters: a second client writes just before or after this run's request, while the portal hands out ids in no order,
shifts pages mid-read or answers conflicts with 400."""

from __future__ import annotations

import datetime
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import PartialWriteError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import DuplicateUnits
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ensure_node, get_node, is_activated
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.audit import find_duplicates

CONTOSO = 94
CONSUMERS = 'bunits/94/consumers'
NODE_BODY = {'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 15}}
PAGE = 5


@pytest.fixture
def sim_config():
    return dict(page_size=PAGE)


@pytest.fixture
def quick(monkeypatch, tmp_path):
    """No real waits (the margin and the settling looks still happen, at once); locks in a private place."""
    monkeypatch.setattr(api_client.time, 'sleep', lambda seconds: None)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


def _client(sim, **options):
    return CloutilityClient(sim.api_url, token_cache=False, **dict(sim.login, **options))


def _rival(sim):
    return CloutilityClient(sim.api_url, token_cache=False, retries=0, **sim.login)


def _params(name, **changes):
    params = dict(bunit='Customers/Contoso', consumer=name, consumer_id=None, operating_system='Linux', node_type='File Server',
                  domain='30DAYS', client_option_set=None, server=None, contact=None, cpu_count=None, activate=True, tsm_name=None,
                  node_password=None, update_password='on_create', return_password=False, state='present', deletion_comment=None)
    params.update(changes)
    return params


def _run(client, name, **changes):
    return ensure_node(client, BusinessUnitTree(client), _params(name, **changes))


def _hook(client, method, path, before=None, after=None, nth=1, query=None):
    """Run ``before()`` just before this client's ``nth`` ``method path`` request (``query``: only those whose params
    hold these), ``after(answer)`` just after it answered."""
    original = client.request
    seen = dict(count=0)

    def request(this_method, this_path, *args, **kwargs):
        params = kwargs.get('params') or {}
        if this_method != method or this_path != path or any(params.get(key) != value for key, value in (query or {}).items()):
            return original(this_method, this_path, *args, **kwargs)
        seen['count'] += 1
        if seen['count'] != nth:
            return original(this_method, this_path, *args, **kwargs)
        if before is not None:
            before()
        answer = original(this_method, this_path, *args, **kwargs)
        if after is not None:
            after(answer)
        return answer

    client.request = request
    return seen


def _config(sim, **values):
    with sim.simulator.lock:
        sim.simulator.config.update(values)


def _units(sim, name):
    reader, _tree = sim.reader()
    return sorted(item['id'] for item in reader.get_all(CONSUMERS) if item.get('name') == name)


def _node(sim, consumer_id):
    reader, _tree = sim.reader()
    return get_node(reader, CONTOSO, consumer_id)


def _create(client, name):
    return client.post(CONSUMERS, json={'name': name})['id']


def _activated_units(sim, name):
    return [unit for unit in _units(sim, name) if is_activated(_node(sim, unit))]


# ---------------------------------------------------------------------------- 1. whole, consistent lists
@pytest.mark.parametrize('mode', ['cancel', 'delete'])
def test_1_a_page_shift_during_the_check_never_hides_the_keeper(sim, quick, mode):
    """The rival's unit, created just before this run's, sits first on a page; while the check reads the list, a unit
    before the offset goes (or goes while another comes, so total stays), so a naive read skips the rival's unit. The
    check reads until the list is whole and consistent: it finds the rival's unit and yields; one unit, one activated
    node. (Before: the rival's unit was missed and both were activated.)"""
    name = 'shift-%s' % mode
    client, rival = _client(sim), _rival(sim)
    existing = len(rival.get_all(CONSUMERS))
    for index in range((-existing) % PAGE):  # the rival's unit lands first on a page
        _create(rival, 'filler-%s-%d' % (mode, index))
    where = len(rival.get_all(CONSUMERS))
    rival_unit = []
    _hook(client, 'POST', CONSUMERS, before=lambda: rival_unit.append(_create(rival, name)),
          after=lambda answer: _config(sim, page_shift_rate=1.0, page_shift_mode=mode))
    # Every page read past the first shifts from this run's create on, as the writes of other controllers do; a naive
    # walk reads the page that should start with the rival's unit one place too far.

    result = _run(client, name)

    _config(sim, page_shift_rate=0.0)
    kept, = rival_unit
    assert where % PAGE == 0 and _units(sim, name)[0] == kept
    assert sim.counters()['page_shifts'] >= 1
    assert _units(sim, name) == [kept] and _activated_units(sim, name) == [kept]
    assert result['consumer']['id'] == kept and result['changed'] and result['duplicate_removed']['id'] != kept


@pytest.mark.parametrize('mode', ['cancel', 'delete', 'create'])
def test_1_a_list_that_shifts_at_every_page_is_still_read_whole(sim, quick, mode):
    """Every page read past the first shifts, for the whole run (lookup and check): the walk still reads every unit, so
    the rival's unit, created just before this run's, is kept. (Before: a naive walk missed units.)"""
    name = 'always-%s' % mode
    client, rival = _client(sim), _rival(sim)
    for index in range(2 * PAGE + 2):
        _create(rival, 'busy-%s-%d' % (mode, index))
    whole = [item['id'] for item in rival.get_all(CONSUMERS)]
    _config(sim, page_shift_rate=1.0, page_shift_mode=mode)
    assert [item['id'] for item in client.consistent_list(CONSUMERS)] == whole
    naive = [item['id'] for item in client.get_all(CONSUMERS)]
    assert naive != whole, 'a plain walk is fooled'
    rival_unit = []
    _hook(client, 'POST', CONSUMERS, before=lambda: rival_unit.append(_create(rival, name)))

    result = _run(client, name)

    _config(sim, page_shift_rate=0.0)
    kept, = rival_unit
    assert _units(sim, name) == [kept] and _activated_units(sim, name) == [kept] and result['consumer']['id'] == kept


def test_1_a_list_that_moves_too_much_is_an_error_not_a_guess(sim, quick):
    """Pages that never overlap what was read (the list moves by more than a page between reads, every time): the walk
    gives up with an error naming the list, and the run writes nothing."""
    rival = _rival(sim)
    for index in range(2 * PAGE):
        _create(rival, 'moving-%d' % index)
    client = _client(sim)
    original = client.request
    fresh = iter(range(100000, 200000))

    def request(method, path, *args, **kwargs):
        answer = original(method, path, *args, **kwargs)
        if method == 'GET' and path == CONSUMERS and (kwargs.get('params') or {}).get('offset'):
            answer['items'] = [dict(item, id=next(fresh)) for item in answer['items']]  # nothing read before is there
        return answer

    client.request = request
    sim.simulator.reset_counters()
    with pytest.raises(CloutilityError) as caught:
        _run(client, 'moving')
    assert 'the list moved too much while it was read' in str(caught.value) and 'GET /v1/%s' % CONSUMERS in str(caught.value)
    assert sim.counters()['writes'] == 0


def test_1_consistent_list_reads_one_page_once_and_pages_with_an_overlap(sim, quick):
    client = _client(sim)
    for index in range(2 * PAGE):
        _create(client, 'paged-%d' % index)
    sim.simulator.reset_counters()
    assert len(client.consistent_list('bunits/131/consumers')) <= PAGE
    assert sim.routes()['GET /v1/bunits/{id}/consumers'] == 1, 'one page is one answer: consistent by itself'
    whole = client.get_all(CONSUMERS)
    pages = -(-len(whole) // PAGE)
    sim.simulator.reset_counters()
    assert [item['id'] for item in client.consistent_list(CONSUMERS)] == [item['id'] for item in whole]
    assert pages < sim.routes()['GET /v1/bunits/{id}/consumers'] <= pages + 2, 'each page a little back: a few reads more'


# ---------------------------------------------------------------------------- 2. the keeper, without id order
def test_2_ids_in_no_order_the_first_created_is_kept(sim, quick):
    """The rival's unit is created (and activated) after this run's lookup and before its create, and the portal hands
    this run's unit a lower id. The keeper is the first created, the rival's: this run yields to it, whatever the ids
    say. (Before: the lowest id won, so this run kept its own and activated it beside the rival's: two live nodes.)"""
    name = 'no-order'
    _config(sim, id_order='random')
    client, rival = _client(sim), _rival(sim)
    ids = iter([9900, 120])  # the rival's, then this run's: lower, though created later
    original_next = sim.simulator.next_id
    sim.simulator.next_id = lambda kind: next(ids, None) or original_next(kind) if kind == 'consumer' else original_next(kind)
    rival_unit = []

    def rival_creates_and_activates():
        unit = _create(rival, name)
        rival.post('%s/%d/node' % (CONSUMERS, unit), json=NODE_BODY)
        rival.request('GET', '%s/%d/node/activate' % (CONSUMERS, unit), params={'tsmName': 'RIVAL-NO-ORDER'}, retry=False)
        rival_unit.append(unit)

    _hook(client, 'POST', CONSUMERS, before=rival_creates_and_activates)

    result = _run(client, name)

    assert rival_unit == [9900] and result['duplicate_removed']['id'] == 120
    assert _units(sim, name) == [9900] and _activated_units(sim, name) == [9900]
    assert result['consumer']['id'] == 9900 and result['node']['tsmName'] == 'RIVAL-NO-ORDER'


def test_2_a_run_that_found_a_young_unit_looks_again_before_activating_it(sim, quick):
    """Two controllers made units of the name moments ago; this run's lookup shows only the later one (the portal's list
    had not shown the first yet). Before it activates the unit it found, it reads again, a margin after its lookup, sees
    the first and goes on with that one, deleting nothing (the later unit is its creator's to remove). (Before: it
    activated the later unit while the first one's controller activated the first: two live nodes.)"""
    name = 'found-young'
    client, rival = _client(sim), _rival(sim)
    first = _create(rival, name)
    later = _create(rival, name)
    looks = []

    def lagging(read):
        def list_read(path, *args, **kwargs):
            items = read(path, *args, **kwargs)
            looks.append(path)
            return [item for item in items if item.get('id') != first] if len(looks) == 1 else items
        return list_read

    for reader in ('consistent_list', 'get_all'):  # whichever the lookup uses
        if hasattr(client, reader):
            setattr(client, reader, lagging(getattr(client, reader)))
    sim.simulator.reset_counters()

    result = _run(client, name)

    assert result['consumer']['id'] == first and _activated_units(sim, name) == [first]
    assert _units(sim, name) == sorted([first, later]) and not is_activated(_node(sim, later))
    assert 'DELETE /v1/bunits/{id}/consumers/{id}' not in sim.routes()


def test_2_the_check_reads_only_after_the_margin(sim, monkeypatch, tmp_path):
    """The read that decides comes race_margin seconds after the create's answer, on the local monotonic clock."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    client = _client(sim, race_margin=0.4)
    stamps = {}
    original = client.request

    def request(method, path, *args, **kwargs):
        answer = original(method, path, *args, **kwargs)
        if method == 'POST' and path == CONSUMERS:
            stamps['created'] = time.monotonic()
        if method == 'GET' and path == CONSUMERS and 'created' in stamps and 'checked' not in stamps:
            stamps['checked'] = time.monotonic()
        return answer

    client.request = request
    result = _run(client, 'margin-wait')
    assert result['changed'] and is_activated(_node(sim, result['consumer']['id']))
    assert stamps['checked'] - stamps['created'] >= 0.4


def test_2_race_margin_is_a_connection_option():
    from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import CONNECTION_SPEC, client_from_options
    assert CONNECTION_SPEC['race_margin'] == dict(type='float', default=2.0, min=0, max=600, env='CLOUTILITY_RACE_MARGIN')
    client = client_from_options(dict(api_url='http://127.0.0.1:9/v1', client_id='c', origin='o', username='u', password='p',
                                      race_margin=0.5))
    assert client.race_margin == 0.5


# ---------------------------------------------------------------------------- 3. judge by state, not status
@pytest.mark.parametrize('step', ['node', 'activation'])
def test_3_a_conflict_answered_400_is_judged_by_state(sim, quick, step):
    """Another controller creates the node (or activates it) just before this run does, and the portal answers 400, not
    409: the step's re-read finds the work done and takes it. (Before: only a 409 was re-read; the host failed.)"""
    name = 'c400-%s' % step
    _config(sim, conflict_status=400)
    client, rival = _client(sim), _rival(sim)
    unit = _create(rival, name)
    node_path = '%s/%d/node' % (CONSUMERS, unit)
    if step == 'node':
        _hook(client, 'POST', node_path, before=lambda: rival.post(node_path, json=NODE_BODY))
    else:
        rival.post(node_path, json=NODE_BODY)
        _hook(client, 'GET', node_path + '/activate',
              before=lambda: rival.request('GET', node_path + '/activate', params={'tsmName': 'RIVAL-400'}, retry=False))
    sim.simulator.reset_counters()

    result = _run(client, name)

    assert not result.get('failed') and result['consumer']['id'] == unit and is_activated(_node(sim, unit))
    assert sim.routes()[('POST /v1/bunits/{id}/consumers/{id}/node' if step == 'node' else
                         'GET /v1/bunits/{id}/consumers/{id}/node/activate')] == 2, 'the rival\'s and this run\'s refused one'


def test_3_a_refusal_the_state_does_not_explain_stands(sim, quick):
    """A 400 the re-read does not explain (the node name is in use by another node) fails the task as before."""
    _config(sim, conflict_status=400)
    client, rival = _client(sim), _rival(sim)
    taken = _create(rival, 'c400-taken')
    rival.post('%s/%d/node' % (CONSUMERS, taken), json=NODE_BODY)
    rival.request('GET', '%s/%d/node/activate' % (CONSUMERS, taken), params={'tsmName': 'IN-USE-400'}, retry=False)
    with pytest.raises(CloutilityError) as caught:
        _run(client, 'c400-wants', tsm_name='IN-USE-400')
    assert 'HTTP 400' in str(caught.value) and 'already in use' in str(caught.value)


# ---------------------------------------------------------------------------- 4. never delete what is not yours, or what is live
def test_4_a_unit_a_person_renamed_is_never_deleted(sim, quick):
    """The rival's unit is created just before this run's; right after this run's create, a person renames this run's
    unit. This run still yields to the rival's, but never deletes the renamed unit; the result and warning give the
    name it has now. (Before: it was deleted with deleteAssociations=true and the result gave its old name.)"""
    name = 'renamed'
    client, rival = _client(sim), _rival(sim)
    rival_unit, own = [], []
    _hook(client, 'POST', CONSUMERS, before=lambda: rival_unit.append(_create(rival, name)))

    def person_renames(answer):
        own.append(answer['id'])
        rival.put('%s/%d' % (CONSUMERS, answer['id']), json={'name': 'laptop-of-eve'})

    _hook(client, 'POST', CONSUMERS, after=person_renames, nth=1)

    result = _run(client, name)

    kept, = rival_unit
    mine, = own
    reader, _tree = sim.reader()
    assert reader.get('%s/%d' % (CONSUMERS, mine))['name'] == 'laptop-of-eve', 'the renamed unit is still there'
    assert result['consumer']['id'] == kept and _activated_units(sim, name) == [kept]
    assert result['duplicate_left'] == {'id': mine, 'name': 'laptop-of-eve'} and 'duplicate_removed' not in result
    assert any("now named 'laptop-of-eve'" in warning for warning in result['warnings'])


def test_4_a_unit_whose_node_another_task_activated_is_never_deleted(sim, quick):
    """This run's unit loses to the rival's, but between its node create and its check another task activated this
    run's node: the unit is not deleted (a live node is never deleted); the task fails naming both units.
    (Before: it was deleted with its activated node.)"""
    name = 'live-own'
    client, rival = _client(sim), _rival(sim)
    rival_unit, own = [], []
    _hook(client, 'POST', CONSUMERS, before=lambda: rival_unit.append(_create(rival, name)), after=lambda answer: own.append(answer['id']))

    def other_task_activates():
        rival.request('GET', '%s/%d/node/activate' % (CONSUMERS, own[0]), params={'tsmName': 'OTHER-TASK'}, retry=False)

    _hook(client, 'GET', CONSUMERS, before=other_task_activates, nth=2)  # the check's read, after the node create

    with pytest.raises(PartialWriteError) as caught:
        _run(client, name)

    kept, = rival_unit
    assert is_activated(_node(sim, own[0])) and _node(sim, own[0])['tsmName'] == 'OTHER-TASK'
    assert _units(sim, name) == sorted([kept, own[0]])
    assert 'an activated node is never deleted' in str(caught.value) and caught.value.result['changed']


# ---------------------------------------------------------------------------- 5. never leave a host with nothing
def test_5_a_keeper_that_vanishes_before_the_yield_leaves_this_runs_unit(sim, quick):
    """The rival's unit is first, but it is deleted just as this run confirms it: this run keeps its own unit, looks
    again and activates it. (Before: it deleted its own first and ended with no unit at all.)"""
    name = 'vanish'
    client, rival = _client(sim), _rival(sim)
    rival_unit = []
    _hook(client, 'POST', CONSUMERS, before=lambda: rival_unit.append(_create(rival, name)))
    state = dict(armed=False)
    original = client.request

    def request(method, path, *args, **kwargs):
        if rival_unit and method == 'GET' and path == '%s/%d' % (CONSUMERS, rival_unit[0]) and not state['armed']:
            state['armed'] = True
            rival.delete(path, params={'deleteAssociations': 'true'})
        return original(method, path, *args, **kwargs)

    client.request = request

    result = _run(client, name)

    units = _units(sim, name)
    assert len(units) == 1 and units[0] != rival_unit[0] and _activated_units(sim, name) == units
    assert result['consumer']['id'] == units[0] and result['changed']


# ---------------------------------------------------------------------------- 6. leftovers
def _age(sim, consumer_id, minutes):
    with sim.simulator.lock:
        when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes)
        sim.simulator.state['consumers'][consumer_id]['createdDate'] = when.strftime('%Y-%m-%dT%H:%M:%S.000Z')


def test_6_a_killed_runs_leftover_the_unit_with_the_activated_node_is_used(sim, quick):
    """An old unit of the name without a node (a killed run's) and, created after it, the unit holding the activated
    node: the task uses the activated one with a warning naming the other, writes nothing, and the audit names the other.
    (Before: the host failed for good once the leftover was 15 minutes old.)"""
    name = 'leftover'
    rival = _rival(sim)
    old = _create(rival, name)
    _age(sim, old, 60)
    live = _create(rival, name)
    rival.post('%s/%d/node' % (CONSUMERS, live), json=NODE_BODY)
    rival.request('GET', '%s/%d/node/activate' % (CONSUMERS, live), params={'tsmName': 'LEFTOVER'}, retry=False)
    client = _client(sim)
    sim.simulator.reset_counters()

    result = _run(client, name)

    assert result['consumer']['id'] == live and not result['changed'] and sim.counters()['writes'] == 0
    warning, = result['warnings']
    assert "id %d ('leftover')" % old in warning and 'this task used id %d (it holds the activated node)' % live in warning
    listed = [dict(id=unit, name=name, bunit_id=CONTOSO, bunit_path='Acme Hosting/Customers/Contoso') for unit in (old, live)]
    duplicate, = find_duplicates(listed, {'host': dict(consumer=name, bunit_id=CONTOSO, consumer_id=live)}, ['host'])
    assert duplicate['kept'] == live and duplicate['others'] == [old] and duplicate['others_activated'] is False


def test_6_old_units_without_an_activated_node_still_fail(sim, quick):
    """The seed's two 'laptop' units of Fabrikam (old, none activated): a person's, never guessed between."""
    client = _client(sim)
    with pytest.raises(DuplicateUnits) as caught:
        ensure_node(client, BusinessUnitTree(client), _params('laptop', bunit='Customers/Fabrikam'))
    assert 'ids 442, 448' in str(caught.value)
    assert sim.counters()['writes'] == 0

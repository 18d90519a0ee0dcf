# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet workflow (cloutility_node_fleet) against the simulator: shared reads, claims, per-entry results."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.node_fleet import claims, ensure_fleet, entry_key
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ReferenceCache, ensure_node

CONTOSO = 'Acme Hosting/Customers/Contoso'
FABRIKAM = 'Customers/Fabrikam'


def _client(sim, workers=8):
    return CloutilityClient(sim.api_url, token_cache=False, pool_size=workers, **sim.login)


def _entry(host, bunit=CONTOSO, **extra):
    entry = dict(host=host, bunit=bunit, consumer=host, consumer_id=None, operating_system='Linux', node_type='File Server',
                 domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None, activate=True,
                 tsm_name=host.upper(), node_password=None, update_password='on_create', return_password=False, state='present',
                 deletion_comment=None)
    entry.update(extra)
    return entry


def _routes(sim):
    return sim.simulator.counters_copy()['by_route']


def test_fleet_reads_shared_data_once_and_matches_single_node_results(sim):
    entries = [_entry('fleet-%02d' % index, CONTOSO if index % 2 else FABRIKAM) for index in range(12)]
    client = _client(sim)
    outcome = ensure_fleet(client, BusinessUnitTree(client), entries, workers=8)
    assert outcome['failed_hosts'] == [] and outcome['changed']
    assert sorted(outcome['hosts']) == sorted(entry['host'] for entry in entries)
    routes = _routes(sim)
    # Once for the fleet: the tree and the global lists; once per business unit: consumers, domains, default server;
    # and the look for units of the same name other controllers created (before activation): one read per business unit
    # that started after an entry's create serves that entry, so at least one more per unit, at most one per entry.
    assert routes['GET /v1/bunits'] == 1
    assert routes['GET /v1/nodeoperatingsystems'] == 1 and routes['GET /v1/nodetypes'] == 1
    assert 2 + 2 <= routes['GET /v1/bunits/{id}/consumers'] <= 2 + 12
    assert routes['GET /v1/bunits/{id}/defaultserver/domains'] == 2
    assert routes['POST /v1/bunits/{id}/consumers'] == 12 and routes['POST /v1/bunits/{id}/consumers/{id}/node'] == 12
    assert routes['GET /v1/bunits/{id}/consumers/{id}/node/activate'] == 12
    first = outcome['hosts']['fleet-01']
    assert first['node']['tsmName'] == 'FLEET-01' and first['changed_keys'][:2] == ['consumer', 'node'] and first['activated']

    # Re-run: one request per node (its node), no write, nothing changed.
    sim.simulator.reset_counters()
    client = _client(sim)
    again = ensure_fleet(client, BusinessUnitTree(client), entries, workers=8)
    assert not again['changed'] and again['failed_hosts'] == []
    counters = sim.simulator.counters_copy()
    assert counters['writes'] == 0
    assert counters['by_route']['GET /v1/bunits/{id}/consumers/{id}/node'] == 12
    assert counters['total'] - counters['password_grants'] == 1 + 2 + 12
    # The same answer as the single-node workflow gives for one of them.
    single = ensure_node(client, BusinessUnitTree(client), entries[3])
    fleet = dict(again['hosts'][entries[3]['host']])
    for key in ('failed', 'bunit_missing'):
        fleet.pop(key)
    assert fleet == single


def test_check_mode_predicts_writes_nothing_and_reports_missing_bunits(sim):
    entries = [_entry('check-a'), _entry('check-b', 'Customers/Nowhere'), _entry('check-c', domain='NO-SUCH-DOMAIN')]
    client = _client(sim)
    outcome = ensure_fleet(client, BusinessUnitTree(client), entries, check_mode=True)
    assert sim.simulator.counters_copy()['writes'] == 0
    results = outcome['hosts']
    assert results['check-a']['changed'] and results['check-a']['changed_keys'][:2] == ['consumer', 'node']
    # The real run fails a host whose business unit does not exist: check mode fails it with the same message.
    assert results['check-b']['bunit_missing'] and results['check-b']['failed'] and not results['check-b']['changed']
    assert results['check-b']['msg'].startswith("Business unit path 'Customers/Nowhere' not found")
    real = ensure_fleet(client, BusinessUnitTree(client), [_entry('check-b', 'Customers/Nowhere')], check_mode=False)
    assert real['hosts']['check-b']['msg'] == results['check-b']['msg'] and sim.simulator.counters_copy()['writes'] == 0
    assert results['check-c']['failed'] and "Domain 'NO-SUCH-DOMAIN' not found" in results['check-c']['msg']
    assert outcome['failed_hosts'] == ['check-b', 'check-c']


def test_check_mode_lists_the_consumption_units_it_read_without_reading_them_again(sim):
    """list_consumers: the units of each business unit whose list the entries read, as the consumers lookup gives
    them, from that one read; not outside check mode (the lists were read before the task's changes)."""
    entries = [_entry('list-a'), _entry('list-b', FABRIKAM), _entry('list-c', 'Customers/Nowhere')]
    client = _client(sim)
    ensure_fleet(client, BusinessUnitTree(client), entries[:1])  # list-a exists now
    sim.simulator.reset_counters()
    client = _client(sim)
    outcome = ensure_fleet(client, BusinessUnitTree(client), entries, check_mode=True, list_consumers=True)
    counters = sim.simulator.counters_copy()
    assert counters['writes'] == 0 and counters['by_route']['GET /v1/bunits/{id}/consumers'] == 2
    expected = []
    for path in (CONTOSO, 'Acme Hosting/' + FABRIKAM):
        bunit = BusinessUnitTree(client).resolve(path)
        expected += [dict(id=item['id'], name=item['name'], bunit_id=bunit['id'], bunit_path=path)
                     for item in client.get_all('bunits/%s/consumers' % bunit['id'])]
    assert sorted(outcome['consumers'], key=lambda item: item['id']) == sorted(expected, key=lambda item: item['id'])
    assert 'list-a' in [item['name'] for item in outcome['consumers']] and len(outcome['consumers']) > 1
    assert 'consumers' not in ensure_fleet(client, BusinessUnitTree(client), entries[:1], list_consumers=True)
    assert 'consumers' not in ensure_fleet(client, BusinessUnitTree(client), entries[:1], check_mode=True)


def test_server_fields_add_the_default_server_only_where_the_node_lacks_them(sim):
    """server_fields: the business unit's default server is read (once per unit) only for entries whose node's
    server lacks one of the fields; a failed read fails the entry but keeps what the node work did."""
    entries = [_entry('srv-a'), _entry('srv-b'), _entry('srv-c'), _entry('srv-d', FABRIKAM)]
    client = _client(sim)
    ensure_fleet(client, BusinessUnitTree(client), entries)
    every = ['name', 'tcpAddress', 'tcpPort']
    sim.simulator.reset_counters()
    client = _client(sim)
    complete = ensure_fleet(client, BusinessUnitTree(client), [dict(entry, server_fields=every) for entry in entries])
    assert sim.simulator.counters_copy()['by_route'].get('GET /v1/bunits/{id}/defaultserver', 0) == 0
    assert not any('default_server' in result for result in complete['hosts'].values())

    # A portal whose server objects have no address (the field names are a guess): only the entries that need one read.
    with sim.simulator.lock:
        server = sim.simulator.state['servers'][3]
        server.pop('tcpAddress')
    sim.simulator.reset_counters()
    client = _client(sim)
    wanted = dict(zip(('srv-a', 'srv-b', 'srv-c', 'srv-d'), (['name', 'tcpAddress'], ['tcpAddress', 'tcpPort'], ['name'], ['tcpAddress'])))
    outcome = ensure_fleet(client, BusinessUnitTree(client), [dict(entry, server_fields=wanted[entry['host']]) for entry in entries])
    assert outcome['failed_hosts'] == [] and not outcome['changed']
    assert sim.simulator.counters_copy()['by_route']['GET /v1/bunits/{id}/defaultserver'] == 2  # Contoso once, Fabrikam once
    results = outcome['hosts']
    assert results['srv-a']['default_server']['name'] == 'tsm01' and 'tcpAddress' not in results['srv-a']['default_server']
    assert results['srv-b']['default_server'] == results['srv-a']['default_server']
    assert 'default_server' not in results['srv-c'] and results['srv-d']['default_server']['tcpPort'] == 1500

    # The read fails after the node was changed: the entry fails, and still says it changed the node.
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/defaultserver$', 'status': 403}]})
    client = _client(sim)
    failed = ensure_fleet(client, BusinessUnitTree(client), [dict(entries[0], domain='30DAYS', server_fields=['tcpAddress'])])
    result = failed['hosts']['srv-a']
    assert failed['failed_hosts'] == ['srv-a'] and result['failed'] and result['changed'] and failed['changed']
    assert result['changed_keys'] == ['domain'] and result['api_error']['status'] == 403
    assert result['msg'].startswith("the node is in place, but its business unit's default backup server could not be read")
    sim.simulator.set_faults({})
    client = _client(sim)
    assert client.get('bunits/%s/consumers/%s/node' % (result['bunit_id'], result['consumer_id']))['domain']['name'] == '30DAYS'


def test_one_failure_leaves_the_others_done(sim):
    entries = [_entry('ok-1'), _entry('bad-1', 'Customers/Nowhere'), _entry('ok-2', FABRIKAM)]
    client = _client(sim)
    outcome = ensure_fleet(client, BusinessUnitTree(client), entries, workers=3)
    assert outcome['failed_hosts'] == ['bad-1']
    assert "Business unit path 'Customers/Nowhere' not found" in outcome['hosts']['bad-1']['msg']
    assert outcome['hosts']['ok-1']['changed'] and outcome['hosts']['ok-2']['changed']


def test_shared_claims_are_refused_before_any_request(sim):
    client = _client(sim)
    tree = BusinessUnitTree(client)
    tree.resolve(None)  # the tree is read on first use
    sim.simulator.reset_counters()
    entries = [_entry('first', CONTOSO, consumer='shared'), _entry('second', 'customers/CONTOSO', consumer='Shared')]
    with pytest.raises(CloutilityError, match=r"would share Cloutility objects.*consumption unit 'shared'.*first, second"):
        ensure_fleet(client, tree, entries)
    with pytest.raises(CloutilityError, match='node name SAME: a, b'):
        claims(tree, [_entry('a', tsm_name='same'), _entry('b', tsm_name='SAME')])
    with pytest.raises(CloutilityError, match='host twice is listed 2 times'):
        claims(tree, [_entry('twice'), _entry('twice', consumer='other', tsm_name='OTHER')])
    assert sim.simulator.counters_copy()['total'] == 0


def test_entry_key():
    assert entry_key({'host': ' web01 ', 'consumer': 'x'}) == 'web01'
    assert entry_key({'host': None, 'consumer': 'x'}) == 'x'
    assert entry_key({'consumer_id': 12}) == '12'
    assert entry_key({}) is None


def test_a_fresh_read_serves_every_caller_whose_write_came_before_it_started():
    cache = ReferenceCache()
    started, release, loads = threading.Event(), threading.Event(), []

    def slow_load():
        loads.append(time.monotonic())
        started.set()
        release.wait(5)
        return ['answer %d' % len(loads)]

    before = time.monotonic()
    first = []
    thread = threading.Thread(target=lambda: first.append(cache.fresh('units', before, slow_load)))
    thread.start()
    started.wait(5)
    # A caller whose write came before the read in flight started waits for that read instead of starting one.
    waiter = []
    other = threading.Thread(target=lambda: waiter.append(cache.fresh('units', before, slow_load)))
    other.start()
    time.sleep(0.05)
    release.set()
    thread.join(5)
    other.join(5)
    assert first == waiter == [['answer 1']] and len(loads) == 1
    # A caller whose write came after it needs a read of its own.
    assert cache.fresh('units', time.monotonic(), lambda: loads.append(1) or ['answer 2']) == ['answer 2'] and len(loads) == 2
    # An error reaches the caller.
    with pytest.raises(CloutilityError, match='down'):
        cache.fresh('units', time.monotonic(), _portal_down)


def _portal_down():
    raise CloutilityError('down')

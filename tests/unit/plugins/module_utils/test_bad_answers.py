# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A 2xx whose body is not the resource (issue 20), against the simulator's fault bodies: never read as "no objects"."""

from __future__ import annotations

import os
import sys

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityBadAnswer, CloutilityClient
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import BusinessUnitTree, find_consumer
from ansible_collections.cloutility.cloutility.plugins.module_utils.node_fleet import ensure_fleet
from ansible_collections.cloutility.cloutility.plugins.module_utils.readside import node_info
from ansible_collections.cloutility.cloutility.plugins.module_utils.workflows import ensure_node

try:
    from cloutility_simulator.testing import running_simulator
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'simulator'))
    try:
        from cloutility_simulator.testing import running_simulator
    except ImportError:  # pragma: no cover - flask missing
        running_simulator = None

SEED = dict(client_id='ansible-demo', origin='https://ansible.example.com', username='ansible@example.com', password='Sim-Passw0rd!')
CONTOSO_LIST = r'^/v1/bunits/94/consumers$'
LIST_ROUTE = 'GET /v1/bunits/{id}/consumers'
RETRIES = 2
# body -> what the message says about it, and a piece of the body's first bytes
BAD_BODIES = {
    'html': ('an HTML page', 'text/html', 'Scheduled maintenance'),
    'truncated': ('JSON cut short', 'application/json', '"total": 25'),
    'empty': ('no body', 'application/json', None),
    'object': ('a JSON object without an items list', 'application/json', '"maintenance"'),
    'no_items': ('a JSON object without an items list', 'application/json', '"total": 25'),
}


@pytest.fixture
def sim():
    if running_simulator is None:
        pytest.skip('cloutility_simulator is not installed')
    with running_simulator(page_size=100) as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def quick(monkeypatch, tmp_path):
    """No real waits between attempts (the budget's attempt count still applies); locks in a private place."""
    monkeypatch.setattr(api_client.time, 'sleep', lambda seconds: None)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


def _client(sim, retries=RETRIES, workers=None):
    return CloutilityClient(sim.api_url, token_cache=False, retries=retries, pool_size=workers, **SEED)


def _faults(sim, body, path=CONTOSO_LIST, times=None, method='GET', query=None, status=None):
    rule = dict(method=method, path=path, body=body, times=times)
    if body == 'html' and status is None:
        status = 200
    if status is not None:
        rule['status'] = status
    if query is not None:
        rule['query'] = query
    sim.simulator.set_faults({'rules': [rule]})


def _count(sim, route=LIST_ROUTE):
    return sim.simulator.counters_copy()['by_route'].get(route, 0)


@pytest.mark.parametrize('body', sorted(BAD_BODIES))
def test_a_bad_list_answer_is_retried_then_fails_naming_method_url_status_type_and_body(sim, body):
    _faults(sim, body)
    client = _client(sim)
    with pytest.raises(CloutilityBadAnswer) as caught:
        client.get_all('bunits/94/consumers')
    problem, content_type, excerpt = BAD_BODIES[body]
    message = str(caught.value)
    assert message.startswith('GET %s/bunits/94/consumers answered HTTP 200 (%s' % (sim.api_url, content_type)), message
    assert problem in message
    if excerpt:
        assert 'the body begins: ' in message and excerpt in message
    assert caught.value.status == 200 and not caught.value.uncertain
    assert _count(sim) == RETRIES + 1, 'sent again like a 5xx, within the budget'


@pytest.mark.parametrize('body', ['html', 'truncated', 'empty'])
def test_a_bad_object_answer_is_retried_then_fails(sim, body):
    _faults(sim, body, path=r'^/v1/bunits/94$')
    with pytest.raises(CloutilityBadAnswer, match=BAD_BODIES[body][0]):
        _client(sim).get('bunits/94')
    assert _count(sim, 'GET /v1/bunits/{id}') == RETRIES + 1


@pytest.mark.parametrize('body', sorted(BAD_BODIES))
def test_one_bad_answer_then_a_good_one_succeeds(sim, body):
    _faults(sim, body, times=1)
    assert [item['name'] for item in _client(sim).get_all('bunits/94/consumers')] == ['web01', 'db01', 'JennysWS']
    assert _count(sim) == 2


@pytest.mark.parametrize('body', sorted(BAD_BODIES))
def test_a_bad_second_page_fails_the_whole_read(sim, body):
    sim.simulator.config['page_size'] = 2
    _faults(sim, body, query=r'(^|&)offset=2(&|$)')
    with pytest.raises(CloutilityBadAnswer, match='offset=2'):
        _client(sim).get_all('bunits/94/consumers')
    assert _count(sim) == 1 + RETRIES + 1, 'the first page once, the second page until the budget is spent'


def test_a_bad_second_page_once_is_read_again(sim):
    sim.simulator.config['page_size'] = 2
    _faults(sim, 'no_items', query=r'(^|&)offset=2(&|$)', times=1)
    assert len(_client(sim).get_all('bunits/94/consumers')) == 3
    assert _count(sim) == 3


def test_without_retries_the_first_bad_answer_fails(sim):
    _faults(sim, 'html', times=1)
    with pytest.raises(CloutilityBadAnswer):
        _client(sim, retries=0).get_all('bunits/94/consumers')
    assert _count(sim) == 1


def test_a_post_with_an_unreadable_answer_is_sent_once_and_uncertain(sim):
    sim.simulator.set_faults({'drop_after_commit': [{'method': 'POST', 'path': CONTOSO_LIST, 'body': 'html', 'status': 200, 'times': 1}]})
    with pytest.raises(CloutilityBadAnswer) as caught:
        _client(sim).post('bunits/94/consumers', json={'name': 'once'})
    assert caught.value.uncertain and 'uncertain whether it took effect' in str(caught.value)
    assert _count(sim, 'POST /v1/bunits/{id}/consumers') == 1
    assert [c['name'] for c in sim.state['consumers'].values() if c['name'] == 'once'] == ['once']


@pytest.mark.parametrize('body', ['html', 'truncated', 'object'])
def test_the_engine_rereads_after_an_unreadable_create_and_creates_once(sim, body):
    """cloutility_node for a new unit: the POST's answer is unreadable; the engine finds the unit it created."""
    sim.simulator.set_faults({'drop_after_commit': [{'method': 'POST', 'path': CONTOSO_LIST, 'body': body, 'status': 200, 'times': 1}]})
    client = _client(sim)
    params = dict(bunit='Customers/Contoso', consumer='new-host', consumer_id=None, operating_system='Linux', node_type='File Server',
                  domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None, activate=False, tsm_name=None,
                  node_password=None, update_password='on_create', return_password=False, state='present', deletion_comment=None)
    result = ensure_node(client, lambda: BusinessUnitTree(client), params)
    assert result['changed'] and result['consumer_id'] is not None
    assert _count(sim, 'POST /v1/bunits/{id}/consumers') == 1, 'not sent twice'
    assert [c['name'] for c in client.get_all('bunits/94/consumers')].count('new-host') == 1


def test_a_bad_consumer_list_creates_nothing_for_an_existing_unit(sim):
    """The issue's first case: cloutility_node re-run for an existing unit with a maintenance page on the list."""
    _faults(sim, 'html')
    client = _client(sim)
    params = dict(bunit='Customers/Contoso', consumer='web01', consumer_id=None, operating_system='Linux', node_type='File Server',
                  domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None, activate=True, tsm_name=None,
                  node_password=None, update_password='on_create', return_password=False, state='present', deletion_comment=None)
    writes = sim.simulator.counters_copy()['writes']
    with pytest.raises(CloutilityBadAnswer, match='HTML page'):
        ensure_node(client, lambda: BusinessUnitTree(client), params)
    assert sim.simulator.counters_copy()['writes'] == writes


def test_fleet_fails_each_entry_of_the_unit_with_a_bad_list_and_writes_nothing(sim):
    _faults(sim, 'no_items')
    client = _client(sim, workers=4)
    entry = dict(host='web01', bunit='Customers/Contoso', consumer='web01', consumer_id=None, operating_system='Linux',
                 node_type='File Server', domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None,
                 activate=True, tsm_name=None, node_password=None, update_password='on_create', return_password=False,
                 state='present', deletion_comment=None)
    outcome = ensure_fleet(client, BusinessUnitTree(client), [entry, dict(entry, host='db01', consumer='db01')], workers=4)
    assert sorted(outcome['failed_hosts']) == ['db01', 'web01']
    assert all('without an items list' in outcome['hosts'][host]['msg'] for host in ('web01', 'db01'))
    assert sim.simulator.counters_copy()['writes'] == 0


def test_find_consumer_never_reads_a_bad_list_as_no_match(sim):
    _faults(sim, 'empty')
    with pytest.raises(CloutilityBadAnswer, match='no body'):
        find_consumer(_client(sim), 94, 'web01')


def test_node_info_fails_instead_of_reporting_no_nodes(sim):
    _faults(sim, 'object')
    client = _client(sim)
    with pytest.raises(CloutilityBadAnswer, match='without an items list'):
        node_info(client, BusinessUnitTree(client), dict(bunit='Customers/Contoso'))


def test_a_delete_without_a_body_still_works(sim):
    client = _client(sim)
    assert client.delete('bunits/94/consumers/423') is None  # the simulator answers 204
    sim.simulator.set_faults({'drop_after_commit': [{'method': 'DELETE', 'path': r'/consumers/463$', 'body': 'empty', 'times': 1}]})
    assert client.delete('bunits/157/consumers/463') is None  # 200 with no body
    assert _count(sim, 'DELETE /v1/bunits/{id}/consumers/{id}') == 2


def test_the_suggested_name_as_a_json_string_still_works(sim):
    assert _client(sim).get('bunits/94/consumers/415/node/spname') == 'CONTOSO-DB01'

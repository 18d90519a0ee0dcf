# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin against the simulator (in-process) when it is installed, and against a fake client."""

from __future__ import annotations


import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

from ansible_collections.cloutility.cloutility.plugins.inventory.cloutility import collect, group_name, host_names, report_status
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityClient

try:
    from cloutility_simulator.testing import running_simulator
except ImportError:  # pragma: no cover - flask missing (the simulator's folder is on the path: ../conftest.py)
    running_simulator = None

needs_simulator = pytest.mark.skipif(running_simulator is None, reason='cloutility_simulator is not installed')

SEED = dict(client_id='ansible-demo', origin='https://ansible.example.com', username='ansible@example.com', password='Sim-Passw0rd!')


# --------------------------------------------------------------------------- fake client
class FakeClient:
    TREE = {'id': 1, 'name': 'Top', 'businessUnits': [
        {'id': 2, 'parentId': 1, 'name': 'Child Unit', 'businessUnits': []}]}

    def __init__(self):
        self.consumers = {1: [{'id': 10, 'name': 'a'}], 2: [{'id': 20, 'name': 'dup'}, {'id': 21, 'name': 'dup'}, {'id': 22, 'name': 'bare'}]}
        self.nodes = {
            10: {'id': 100, 'tsmName': 'A-NODE', 'activatedDate': '2024-01-01T00:00:00Z', 'operatingSystem': {'id': 3, 'name': 'Linux'},
                 'type': {'id': 2, 'name': 'File Server'}, 'domain': {'id': 14, 'name': 'STANDARD'}},
            20: {'id': 200, 'operatingSystem': {'id': 5, 'name': 'Windows'}, 'domain': {'id': 15, 'name': '30DAYS'}},
            21: {'id': 210, 'operatingSystem': {'id': 5, 'name': 'Windows'}},
        }
        self.calls = []

    def get_object(self, path, params=None, what=None, keys=()):  # the real client also checks the shape
        return self.get(path, params)

    def get(self, path, params=None):
        self.calls.append(path)
        parts = path.split('/')
        if path == 'bunits':
            return self.TREE
        consumer_id = int(parts[3])
        if path.endswith('/node'):
            if consumer_id not in self.nodes:
                raise CloutilityApiError('GET', '/v1/' + path, 404, 'no node')
            return self.nodes[consumer_id]
        if path.endswith('/reports/latest'):
            if consumer_id != 10:
                raise CloutilityApiError('GET', '/v1/' + path, 404, 'no report')
            return {'date': '2024-02-01T00:00:00Z', 'status': {'id': 1, 'name': 'Successful'}}
        raise AssertionError(path)

    def get_all(self, path, params=None):
        return list(self.consumers[int(path.split('/')[1])])


def test_collect_with_fake_client():
    records = collect(FakeClient())
    assert [(r['consumer_id'], r['bunit_path']) for r in records] == [(10, 'Top'), (20, 'Top/Child Unit'), (21, 'Top/Child Unit')]
    first = records[0]
    assert first['node_name'] == 'A-NODE' and first['activated'] is True
    assert first['latest_report_status'] == 'Successful' and first['latest_report_date'] == '2024-02-01T00:00:00Z'
    assert records[1]['latest_report_status'] is None and records[1]['activated'] is False
    with_bare = collect(FakeClient(), include_without_node=True, latest_report=False)
    assert [r['consumer_id'] for r in with_bare] == [10, 20, 21, 22]
    assert collect(FakeClient(), bunits=['Top/Child Unit'])[0]['consumer_id'] == 20


def test_filters_apply_before_the_report_reads():
    client = FakeClient()
    assert [r['consumer_id'] for r in collect(client, operating_systems=['WINDOWS'])] == [20, 21]
    assert not [path for path in client.calls if path.endswith('/reports/latest')]  # neither is activated: no report read
    assert [r['consumer_id'] for r in collect(FakeClient(), domains=['30days', 'nothing'])] == [20]
    client = FakeClient()
    assert [r['consumer_id'] for r in collect(client, activation='activated')] == [10]
    assert [path for path in client.calls if path.endswith('/reports/latest')] == ['bunits/1/consumers/10/reports/latest']
    client = FakeClient()
    assert [r['consumer_id'] for r in collect(client, activation='not_activated', include_without_node=True)] == [20, 21]
    assert [path for path in client.calls if path.endswith('/reports/latest')] == []
    assert [r['consumer_id'] for r in collect(FakeClient(), operating_systems=['Linux'], domains=['STANDARD'])] == [10]
    assert collect(FakeClient(), operating_systems=['AIX']) == []


def test_any_number_of_workers_gives_the_same_records():
    expected = collect(FakeClient(), include_without_node=True, workers=1)
    for workers in (2, 8, 64):
        assert collect(FakeClient(), include_without_node=True, workers=workers) == expected


def test_a_missing_route_is_an_error_not_a_unit_without_node():
    class NoNodeRoute(FakeClient):
        def get(self, path, params=None):
            if path.endswith('/node'):
                raise CloutilityApiError('GET', '/v1/' + path, 404, "No HTTP resource was found that matches the request URI '%s'." % path)
            return super().get(path, params)
    with pytest.raises(CloutilityApiError) as err:
        collect(NoNodeRoute(), workers=4)
    assert err.value.route_missing and err.value.path.endswith('/v1/bunits/1/consumers/10/node')


def test_duplicate_names_are_never_merged():
    records = collect(FakeClient())
    names, duplicates = host_names(records, 'consumer_name')
    assert names == ['a', 'dup_20', 'dup_21']
    assert duplicates == {'dup': [20, 21]}
    assert host_names(records, 'node_name')[0] == ['A-NODE', 'dup_20', 'dup_21']


def test_group_name_and_report_status():
    assert group_name('bunit', 'Acme Hosting/Customers') == 'bunit_acme_hosting_customers'
    assert group_name('os', '***') == 'os_unnamed'
    assert report_status({'status': 'Failed'}) == 'Failed'
    assert report_status(None) is None


# --------------------------------------------------------------------------- simulator
@pytest.fixture(params=[False, True], ids=['default', 'strict'])
def simulator(request):
    """The simulator answering the default way, then the strict way (the inventory must not see a difference)."""
    if running_simulator is None:
        pytest.skip('cloutility_simulator is not installed')
    with running_simulator(page_size=4, strict=request.param) as sim:
        yield sim


def _client(sim, pool_size=None):
    return CloutilityClient(sim.api_url, token_cache=False, pool_size=pool_size, **SEED)


def _expected(sim):
    """Consumer id -> (name, bunit id, node) for every consumption unit with a node, from the simulator's state."""
    state = sim.state
    nodes = dict((node['consumerId'], node) for node in state['nodes'].values())
    return dict((cid, (consumer['name'], consumer['businessUnitId'], nodes[cid]))
                for cid, consumer in state['consumers'].items() if cid in nodes)


def _parse(tmp_path, sim, extra=''):
    config = tmp_path / 'test.cloutility.yml'
    config.write_text('plugin: cloutility.cloutility.cloutility\napi_url: %s\nclient_id: %s\norigin: %s\nusername: %s\npassword: "%s"\n'
                      'token_cache: false\n%s' % (sim.api_url, SEED['client_id'], SEED['origin'], SEED['username'], SEED['password'], extra))
    inventory = InventoryData()
    plugin = inventory_loader.get('cloutility.cloutility.cloutility')
    assert plugin.verify_file(str(config))
    plugin.parse(inventory, DataLoader(), str(config), cache=True)
    if getattr(plugin, '_cache', None):  # what the inventory manager does after parse()
        plugin.update_cache_if_changed()
    return inventory


@needs_simulator
def test_matches_simulator_state_across_pages(simulator):
    # Contoso (94) gets more consumers than one page (page size 4): 9 with nodes.
    client = _client(simulator)
    response = client.session.post(simulator.url + '/_sim/bulk', json={'bunit': 94, 'consumers': 9, 'prefix': 'bulk-', 'nodes': True})
    assert response.status_code == 200, response.text
    records = collect(client)
    expected = _expected(simulator)
    assert sorted(r['consumer_id'] for r in records) == sorted(expected)
    for record in records:
        name, bunit_id, node = expected[record['consumer_id']]
        assert (record['consumer_name'], record['bunit_id'], record['node_id']) == (name, bunit_id, node['id'])
        assert record['node_name'] == (node.get('tsmName') or None)
        assert record['activated'] == bool(node.get('activatedDate'))
    contoso = [r for r in records if r['bunit_id'] == 94]
    assert len(contoso) > 4 and len([r for r in contoso if r['consumer_name'].startswith('bulk-')]) == 9


@needs_simulator
def test_concurrent_read_equals_one_at_a_time_and_strict_equals_default(simulator):
    client = _client(simulator)
    for unit in (94, 131, 157):
        response = client.session.post(simulator.url + '/_sim/bulk', json={'bunit': unit, 'consumers': 15, 'prefix': 'b%d-' % unit, 'nodes': True})
        assert response.status_code == 200, response.text
    serial = collect(client, workers=1)
    counters = simulator.counters()['by_route']
    parallel = collect(_client(simulator, pool_size=16), workers=16)
    assert parallel == serial and len(serial) == 5 + 45  # the seed's five nodes and the bulk ones
    after = simulator.counters()['by_route']
    for route in ('GET /v1/bunits/{id}/consumers/{id}/node', 'GET /v1/bunits/{id}/consumers/{id}/reports/latest'):
        assert after[route] == 2 * counters[route]  # the same requests, not more
    # Reports are asked for activated nodes only (the seed's three); the strict portal answers the same.
    assert counters['GET /v1/bunits/{id}/consumers/{id}/reports/latest'] == 3
    assert sorted(r['consumer_id'] for r in serial if r['latest_report_status']) == [408, 431, 456]
    with running_simulator(page_size=4, strict=not simulator.simulator.strict) as other:
        other_client = _client(other, pool_size=8)
        for unit in (94, 131, 157):
            other_client.session.post(other.url + '/_sim/bulk', json={'bunit': unit, 'consumers': 15, 'prefix': 'b%d-' % unit, 'nodes': True})
        assert collect(other_client, workers=8) == serial


@needs_simulator
def test_filters_on_the_simulator(tmp_path, simulator):
    inventory = _parse(tmp_path, simulator, 'operating_systems: [windows]\nactivation: activated\nworkers: 3\n')
    assert sorted(h for h in inventory.hosts if h != 'localhost') == ['fileserver']
    inventory = _parse(tmp_path, simulator, 'domains: [90DAYS, 1year]\n')
    assert sorted(h for h in inventory.hosts if h != 'localhost') == ['backup-proxy', 'db01']


@needs_simulator
def test_inventory_groups_vars_and_constructed(tmp_path, simulator):
    inventory = _parse(tmp_path, simulator, 'keyed_groups:\n  - key: cloutility_node_type\n    prefix: type\n'
                                            'groups:\n  needs_activation: not cloutility_activated\n'
                                            'compose:\n  backup_name: cloutility_node_name\n')
    expected = _expected(simulator)
    assert len([h for h in inventory.hosts if h != 'localhost']) == len(expected)
    web01 = inventory.get_host('web01').get_vars()
    assert web01['cloutility_consumer_id'] == 408 and web01['cloutility_node_id'] == 1201
    assert web01['cloutility_node_name'] == 'CONTOSO-WEB01' and web01['cloutility_activated_date']
    assert web01['cloutility_bunit_path'] == 'Acme Hosting/Customers/Contoso'
    assert web01['backup_name'] == 'CONTOSO-WEB01'
    assert web01['cloutility_latest_report_status'] in ('Successful', 'Failed')
    groups = inventory.groups
    assert 'web01' in [h.name for h in groups['bunit_acme_hosting_customers_contoso'].get_hosts()]
    assert 'web01' in [h.name for h in groups['bunit_acme_hosting'].get_hosts()]  # nested groups
    assert 'db01' in [h.name for h in groups['not_activated'].get_hosts()]
    assert 'db01' in [h.name for h in groups['needs_activation'].get_hosts()]
    assert 'fileserver' in [h.name for h in groups['os_windows'].get_hosts()]
    assert 'web01' in [h.name for h in groups['domain_standard'].get_hosts()]
    assert 'web01' in [h.name for h in groups['type_File_Server'].get_hosts()]


@needs_simulator
def test_hostname_source_and_bunit_filter(tmp_path, simulator):
    inventory = _parse(tmp_path, simulator, 'hostname_source: node_name\nbunits: [Customers/Fabrikam]\nlatest_report: false\n')
    hosts = sorted(h for h in inventory.hosts if h != 'localhost')
    # fileserver is activated as FABRIKAM-FS01; the laptop's node has no name yet and keeps its unit's name.
    assert hosts == ['FABRIKAM-FS01', 'laptop']


@needs_simulator
def test_cache_is_used(tmp_path, simulator):
    cache = 'cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n' % (tmp_path / 'cache')
    first = _parse(tmp_path, simulator, cache)
    calls = simulator.counters()['total']
    second = _parse(tmp_path, simulator, cache)
    assert simulator.counters()['total'] == calls
    assert sorted(first.hosts) == sorted(second.hosts)


@needs_simulator
def test_a_misspelled_option_is_refused_before_any_request(tmp_path, simulator):
    """bunit: for bunits: would otherwise be ignored and give the whole tree without a word."""
    before = simulator.counters()['total']
    with pytest.raises(AnsibleParserError, match=r'unknown option bunit \(did you mean bunits\?\)'):
        _parse(tmp_path, simulator, 'bunit:\n  - Acme Hosting/Customers\n')
    assert simulator.counters()['total'] == before


@needs_simulator
def test_a_wrong_password_is_an_error_not_an_empty_inventory(tmp_path, simulator):
    config = tmp_path / 'wrong.cloutility.yml'
    config.write_text('plugin: cloutility.cloutility.cloutility\napi_url: %s\nclient_id: %s\norigin: %s\nusername: %s\npassword: wrong\n'
                      'token_cache: false\n' % (simulator.api_url, SEED['client_id'], SEED['origin'], SEED['username']))
    plugin = inventory_loader.get('cloutility.cloutility.cloutility')
    with pytest.raises(AnsibleError, match='Cloutility inventory: POST .*/v1/oauth failed with HTTP 4'):
        plugin.parse(InventoryData(), DataLoader(), str(config), cache=False)


@needs_simulator
@pytest.mark.parametrize('extra, problem', [
    ('timeout: 0\n', 'timeout must be from 1 to 3600, not 0'),
    ('timeout: 99999\n', 'timeout must be from 1 to 3600, not 99999'),
    ('retries: -1\n', 'retries must be from 0 to 100, not -1'),
    ('retry_max_time: -5\n', 'retry_max_time must be from 0 to 86400, not -5'),
    ('workers: 0\n', 'workers must be from 1 to 64, not 0'),
    ('workers: 65\n', 'workers must be from 1 to 64, not 65'),
    ('timeout: true\n', 'timeout must be a number, not a boolean'),
    ('timeout: 0\nretries: -1\n', 'timeout must be from 1 to 3600, not 0; retries must be from 0 to 100, not -1'),
])
def test_options_are_checked_like_a_modules_before_any_request(tmp_path, simulator, extra, problem):
    """Measured (issue 29): the plugin accepted timeout 0 and 99999, retries -1, retry_max_time -5 (modules refuse them)."""
    before = simulator.counters()['total']
    with pytest.raises(AnsibleParserError) as raised:
        _parse(tmp_path, simulator, extra)
    assert 'Cloutility inventory %s' % (tmp_path / 'test.cloutility.yml') in str(raised.value)
    assert problem in str(raised.value)
    assert simulator.counters()['total'] == before


@needs_simulator
def test_a_password_in_api_url_is_refused_before_any_request(tmp_path, simulator):
    before = simulator.counters()['total']
    config = tmp_path / 'url.cloutility.yml'
    url = simulator.api_url.replace('://', '://%s:%s@' % (SEED['username'], 'Url-Secret-9'))
    config.write_text('plugin: cloutility.cloutility.cloutility\napi_url: %s\nclient_id: %s\norigin: %s\nusername: %s\npassword: "%s"\n'
                      'token_cache: false\n' % (url, SEED['client_id'], SEED['origin'], SEED['username'], SEED['password']))
    plugin = inventory_loader.get('cloutility.cloutility.cloutility')
    with pytest.raises(AnsibleParserError) as raised:
        plugin.parse(InventoryData(), DataLoader(), str(config), cache=False)
    assert 'api_url must not hold a user name or password' in str(raised.value) and 'Url-Secret-9' not in str(raised.value)
    assert simulator.counters()['total'] == before


@needs_simulator
def test_good_options_still_work_and_env_variables_are_checked_too(tmp_path, simulator, monkeypatch):
    inventory = _parse(tmp_path, simulator, 'workers: 1\ntimeout: "5"\nretries: 0\n')
    assert 'web01' in inventory.hosts
    monkeypatch.setenv('CLOUTILITY_RETRY_MAX_TIME', '-5')
    with pytest.raises(AnsibleParserError, match='retry_max_time must be from 0 to 86400, not -5'):
        _parse(tmp_path, simulator)

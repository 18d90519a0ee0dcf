# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node, proxy and invoice file workflows on a small in-memory API: every step in check mode sends
nothing, uncertain writes are re-read, partial work is reported truthfully."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityClient, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_OPTIONS
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import PartialWriteError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import ensure_consumer
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.invoice_file import ensure_invoice_file
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ensure_node
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.proxy import ensure_proxy

WRITES = ('POST', 'PUT', 'DELETE')
REFS = {
    'nodeoperatingsystems': [{'id': 3, 'name': 'Linux', 'supportedNodeTypes': [{'id': 2}]}],
    'nodetypes': [{'id': 2, 'name': 'File Server'}],
    'bunits/94/defaultserver/domains': [{'id': 14, 'name': 'STANDARD'}, {'id': 15, 'name': '30DAYS'}],
    'bunits/94/defaultserver/clientoptionsets': [],
    'bunits/94/defaultserver': {'id': 3, 'name': 'tsm01'},
}


class FakeApi(CloutilityClient):
    """Consumers, nodes, proxies and invoice files of business unit 94, with scripted faults.

    ``faults`` maps 'METHOD path-suffix' to a list of 'before' (answer 503, do nothing), 'lost' (do it, then
    no answer) or a CloutilityApiError (refuse), consumed in order. The verbs (get, get_object, post, put, delete)
    are the real client's, sending through this request(); no login, no session (the client's __init__ is not run).
    """
    lock_dir = None  # the controller's private lock folder, as a client without lock_dir

    base_url = 'https://portal.example.com/v1/'
    retries = 3

    def __init__(self, consumers=(), nodes=None):
        self.consumers = {c['id']: dict(c) for c in consumers}
        self.nodes = dict(nodes or {})
        self.files = []
        self.calls = []
        self.bodies = []
        self.faults = {}
        self.next_id = 500
        self.spname = None  # what GET .../node/spname answers instead of TOP-<NAME>
        self.delete_keeps_unit = False  # a portal whose node DELETE leaves the consumption unit
        self.delete_does_nothing = False  # a portal that answers a DELETE and keeps everything

    def wait_before_retry(self, attempt, started, response=None):
        return attempt <= self.retries

    def writes(self):
        return [call for call in self.calls if call[0] in WRITES or call[1].endswith('/activate')]

    def _fault(self, method, path):
        for key, queue in self.faults.items():
            kind, suffix = key.split(' ', 1)
            if kind == method and path.endswith(suffix) and queue:
                return queue.pop(0)
        return None

    def _new_id(self):
        self.next_id += 7
        return self.next_id

    # -- the client's interface: one page a collection; request() does not check an answer's shape (expect, what, keys)
    def get_all(self, path, params=None, limit=None):
        answer = self.get(path, params)
        return answer['items'] if isinstance(answer, dict) and 'items' in answer else answer

    def collect(self, path, params=None, limit=None, require=True):
        answer = self.get(path, params)
        return answer['items'], answer

    def request(self, method, path, params=None, json=None, files=None, retry=None, expect=None, what=None, keys=()):
        self.calls.append((method, path, params))
        self.bodies.append((method, path, copy.deepcopy(json)))
        fault = self._fault(method, path)
        safe = method != 'POST' if retry is None else retry
        if fault == 'before':
            if safe:
                return self.request(method, path, params, json, files, retry)
            raise CloutilityApiError(method, '/v1/' + path, 503, uncertain=True)
        if isinstance(fault, Exception):
            raise fault
        answer = self._route(method, path, params, json)
        if fault == 'lost':
            if safe:
                return self.request(method, path, params, json, files, retry)
            raise CloutilityApiError(method, '/v1/' + path, None, reason='no answer', uncertain=True)
        return copy.deepcopy(answer)

    def _route(self, method, path, params, json):
        if path in REFS:
            return REFS[path]
        if path == 'bunits':
            return {'id': 94, 'name': 'Top', 'businessUnits': []}
        parts = path.split('/')
        if path == 'bunits/94/consumers':
            if method == 'POST':
                consumer = {'id': self._new_id(), 'name': json['name']}
                self.consumers[consumer['id']] = consumer
                return consumer
            return {'items': list(self.consumers.values()), 'total': len(self.consumers)}
        if path == 'bunits/94/invoicefiles':
            if method == 'POST':
                entry = {'id': self._new_id(), 'fileName': params['fileName']}
                self.files.append(entry)
                return entry
            return {'items': list(self.files), 'total': len(self.files)}
        consumer_id = int(parts[3])
        if consumer_id not in self.consumers:
            raise CloutilityApiError(method, '/v1/' + path, 404)
        rest = parts[4:]
        if rest == []:
            if method == 'DELETE':
                del self.consumers[consumer_id]
                return None
            return self.consumers[consumer_id]
        node = self.nodes.get(consumer_id)
        if rest == ['node']:
            json = dict((key, _named(value)) for key, value in (json or {}).items())
            if method == 'POST':
                self.nodes[consumer_id] = dict(json, id=self._new_id(), consumer={'id': consumer_id})
                return self.nodes[consumer_id]
            if node is None:
                raise CloutilityApiError(method, '/v1/' + path, 404)
            if method == 'PUT':
                node.update(json)
                return node
            if method == 'DELETE':
                if self.delete_does_nothing:
                    return {'message': 'ok'}
                del self.nodes[consumer_id]
                if not self.delete_keeps_unit:
                    del self.consumers[consumer_id]
                return None
            return node
        if rest == ['node', 'password']:
            node['tsmPassword'] = json['tsmPassword']
            return node
        if rest == ['node', 'spname']:
            return self.spname if self.spname is not None else 'TOP-' + self.consumers[consumer_id]['name'].upper()
        if rest == ['node', 'activate']:
            if node.get('activatedDate'):
                raise CloutilityApiError(method, '/v1/' + path, 409, 'already activated')
            node.update(tsmName=params['tsmName'], activatedDate='now')
            return params['tsmName']
        if rest == ['node', 'possibleproxynodes']:
            return [{'id': n['id'], 'consumer': {'id': c}} for c, n in self.nodes.items() if c != consumer_id]
        if rest == ['node', 'proxyagents']:
            node.setdefault('proxyAgents', []).append({'id': self.nodes[params['proxyAgentId']]['id'],
                                                       'consumer': {'id': params['proxyAgentId']}})
            return None
        if rest[:2] == ['node', 'proxyagents']:
            node['proxyAgents'] = [a for a in node.get('proxyAgents', []) if a['consumer']['id'] != int(rest[2])]
            return None
        raise AssertionError('no route %s %s' % (method, path))


def _named(value):
    """A reference as the API answers it: with its name."""
    if isinstance(value, dict) and 'id' in value:
        for items in REFS.values():
            for item in items if isinstance(items, list) else [items]:
                if item['id'] == value['id']:
                    return {'id': item['id'], 'name': item['name']}
    return value


def params(**changes):
    base = dict((option, spec.get('default')) for option, spec in NODE_OPTIONS.items())
    base.update(consumer='web01', operating_system='Linux', node_type='File Server', domain='STANDARD')
    base.update(changes)
    return base


def run(api, check_mode=False, **changes):
    return ensure_node(api, lambda: BusinessUnitTree(api), params(**changes), check_mode=check_mode)


@pytest.fixture(autouse=True)
def private_locks(tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


EXISTING = [{'id': 408, 'name': 'web01'}]
NODE = {'id': 1201, 'consumer': {'id': 408}, 'operatingSystem': {'id': 3, 'name': 'Linux'}, 'type': {'id': 2, 'name': 'File Server'},
        'domain': {'id': 14, 'name': 'STANDARD'}, 'server': {'id': 3, 'name': 'tsm01'}}


# ---------------------------------------------------------------------------- check mode: every step predicted, nothing sent
@pytest.mark.parametrize('consumers, nodes, changes, keys', [
    ([], {}, dict(node_password='Secret-123', activate=True, tsm_name='web01'),
     ['consumer', 'node', 'domain', 'operatingSystem', 'server', 'type', 'tsmPassword', 'tsmName', 'activatedDate']),
    (EXISTING, {}, {}, ['node', 'domain', 'operatingSystem', 'server', 'type']),
    (EXISTING, {408: NODE}, dict(domain='30DAYS'), ['domain']),
    (EXISTING, {408: NODE}, dict(node_password='Secret-123', update_password='always'), ['tsmPassword']),
    (EXISTING, {408: NODE}, dict(activate=True), ['tsmName', 'activatedDate']),
])
def test_check_mode_predicts_each_step_and_sends_nothing(consumers, nodes, changes, keys):
    api = FakeApi(consumers, copy.deepcopy(nodes))
    result = run(api, check_mode=True, **changes)
    assert api.writes() == []
    assert result['changed'] is True and result['changed_keys'] == keys
    after = result['diff']['after']
    if 'domain' in keys:
        assert after['domain']['name'] in ('STANDARD', '30DAYS')
    if 'tsmPassword' in keys:
        assert after['tsmPassword'] == '********' and 'Secret-123' not in repr(result)
    if 'tsmName' in keys:
        assert result['node']['tsmName'] in ('WEB01', 'TOP-WEB01') and result['activated'] is True


@pytest.mark.parametrize('consumers, nodes, state', [(EXISTING, {408: NODE}, 'absent'), (EXISTING, {}, 'absent')])
def test_check_mode_delete_sends_nothing(consumers, nodes, state):
    api = FakeApi(consumers, copy.deepcopy(nodes))
    result = run(api, check_mode=True, state=state)
    assert api.writes() == [] and result['changed'] is True and 408 in api.consumers


def test_check_mode_proxy_and_invoice_send_nothing(tmp_path):
    active = dict(NODE, tsmName='A', activatedDate='now')
    api = FakeApi([{'id': 408, 'name': 'web01'}, {'id': 456, 'name': 'proxy'}], {408: copy.deepcopy(active), 456: dict(active, id=1240)})
    tree = BusinessUnitTree(api)
    grant = dict(bunit=None, agent='proxy', agent_id=None, target='web01', target_id=None, target_bunit=None, state='present')
    assert ensure_proxy(api, tree, grant, check_mode=True)['changed'] is True
    assert api.writes() == []
    ensure_proxy(api, tree, grant)
    assert ensure_proxy(api, tree, dict(grant, state='absent'), check_mode=True)['changed'] is True
    assert len(api.writes()) == 1
    (tmp_path / 'a.pdf').write_bytes(b'%PDF-1')
    result = ensure_invoice_file(api, tree, dict(bunit=None, src=str(tmp_path / 'a.pdf')), check_mode=True)
    assert result['changed'] and result['invoice_file']['fileName'] == 'a.pdf' and len(api.writes()) == 1


# ---------------------------------------------------------------------------- real runs
def test_create_and_activate_then_no_change():
    api = FakeApi()
    result = run(api, node_password='Secret-123', activate=True, tsm_name='web01')
    assert result['changed'] and result['activated'] and result['node']['tsmName'] == 'WEB01'
    unit = 'bunits/94/consumers/%s' % result['consumer_id']
    assert [call[0] + ' ' + call[1] for call in api.writes()] == [
        'POST bunits/94/consumers', 'POST %s/node' % unit, 'POST %s/node/password' % unit, 'GET %s/node/activate' % unit]
    api.calls = []
    again = run(api, node_password='Secret-123', activate=True, tsm_name='web01')
    assert again['changed'] is False and api.writes() == []
    assert len(api.calls) == 3, 'a no-change run: bunits, consumers, node'


@pytest.mark.parametrize('where, fault', [
    ('POST /consumers', 'before'), ('POST /consumers', 'lost'),
    ('POST /node', 'before'), ('POST /node', 'lost'),
    ('GET /node/activate', 'before'), ('GET /node/activate', 'lost'),
])
def test_uncertain_writes_converge_without_duplicates(where, fault):
    api = FakeApi()
    api.faults[where] = [fault]
    result = run(api, activate=True, tsm_name='web01')
    assert result['changed'] and len(api.consumers) == 1 and len(api.nodes) == 1
    assert api.nodes[result['consumer_id']]['tsmName'] == 'WEB01'
    method, suffix = where.split(' ')
    sent = [call for call in api.calls if call[0] == method and call[1].endswith(suffix)]
    assert len(sent) == (2 if fault == 'before' else 1), 'sent again only when the re-read found no effect'


def test_refused_activation_after_creating_reports_partial_work():
    api = FakeApi()
    api.faults['GET /node/activate'] = [CloutilityApiError('GET', '/v1/x/activate', 409, 'The node name WEB01 is already in use')]
    with pytest.raises(PartialWriteError) as err:
        run(api, activate=True, tsm_name='web01')
    result, text = err.value.result, str(err.value)
    consumer_id = next(iter(api.consumers))
    assert result['changed'] is True and result['consumer_id'] == consumer_id and result['node_id'] == api.nodes[consumer_id]['id']
    assert result['steps_done'] == ['create_consumer', 'create_node'] and result['steps_not_done'] == ['activate']
    assert "create consumption unit 'web01' (id %s)" % consumer_id in text
    assert 'activate the node as WEB01' in text and 'already in use' in text and 'another tsm_name' in text
    assert err.value.cause.status == 409


def test_refused_password_after_creating_reports_partial_work():
    api = FakeApi(EXISTING)
    api.faults['POST /node/password'] = [CloutilityApiError('POST', '/v1/x/password', 400, 'tsmPassword must be 8 to 64 characters')]
    with pytest.raises(PartialWriteError) as err:
        run(api, node_password='short', activate=True)
    assert err.value.result['steps_done'] == ['create_node']
    assert err.value.result['steps_not_done'] == ['set_password', 'activate']
    assert 'update_password: always' in str(err.value) and 'short' not in str(err.value)


def test_refusal_before_any_write_is_a_plain_error():
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    api.faults['GET /node/activate'] = [CloutilityApiError('GET', '/v1/x/activate', 409, 'in use')]
    with pytest.raises(CloutilityApiError):
        run(api, activate=True, tsm_name='web01')


def test_delete_whose_answer_was_lost_is_done():
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    api.faults['DELETE /node'] = ['lost']
    result = run(api, state='absent')
    assert result['changed'] and not api.consumers and result['deletion_requested'] is False


def test_bad_input_refused_before_any_request():
    api = FakeApi()
    for changes in (dict(tsm_name='web01'), dict(state='absent', activate=True), dict(state='absent', node_password='Secret-123')):
        with pytest.raises(CloutilityError):
            run(api, **changes)
    assert api.calls == []


def test_shared_reference_cache_reads_reference_data_once_across_hosts():
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ReferenceCache

    api = FakeApi()
    cache = ReferenceCache()
    tree = BusinessUnitTree(api)
    for name in ('a1', 'a2', 'a3'):
        ensure_node(api, tree, params(consumer=name), refs=cache)
    assert len([call for call in api.calls if call[1] == 'nodeoperatingsystems']) == 1
    assert len([call for call in api.calls if call[1] == 'bunits/94/defaultserver']) == 1


# ---------------------------------------------------------------------------- what the real portal's clients send (issue 23)
def test_node_delete_sends_delete_associations_and_a_second_delete_changes_nothing():
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    result = run(api, state='absent')
    assert result['changed'] and not result['deletion_requested']
    assert api.writes() == [('DELETE', 'bunits/94/consumers/408/node', {'deleteAssociations': 'true'})]
    again = run(api, state='absent')
    assert not again['changed'] and api.writes() == [('DELETE', 'bunits/94/consumers/408/node', {'deleteAssociations': 'true'})]


def test_a_portal_that_deletes_the_node_and_keeps_the_unit_gets_the_unit_deleted_too():
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    api.delete_keeps_unit = True
    result = run(api, state='absent')
    assert result['changed'] and not result['deletion_requested'] and 'msg' not in result
    assert [call[:2] for call in api.writes()] == [('DELETE', 'bunits/94/consumers/408/node'), ('DELETE', 'bunits/94/consumers/408')]
    assert api.consumers == {} and not run(api, state='absent')['changed']


def test_a_delete_that_changed_nothing_is_an_error_not_a_deletion_request():
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    api.delete_does_nothing = True
    with pytest.raises(CloutilityError, match='still there and no deletion request shows'):
        run(api, state='absent')


def test_node_create_sends_cpu_count_1_unless_set_and_an_update_never_sends_the_default():
    api = FakeApi(EXISTING, {})
    run(api, contact='ops@example.com')
    created = [body for method, path, body in api.bodies if method == 'POST' and path.endswith('/node')]
    assert created[0]['cpuCount'] == 1 and created[0]['contact'] == 'ops@example.com'
    api.nodes[408]['cpuCount'] = 4  # changed in the portal: a task that does not set cpu_count leaves it alone
    assert not run(api, contact='ops@example.com')['changed']
    assert run(api, cpu_count=2)['changed_keys'] == ['cpuCount']


@pytest.mark.parametrize('answer, name', [
    ('CONTOSO-WEB01', 'CONTOSO-WEB01'),      # a JSON string, or bare text
    ('contoso-web01\r\n', 'CONTOSO-WEB01'),  # bare, with a line end
    ('"CONTOSO-WEB01"\n', 'CONTOSO-WEB01'),   # quoted, with a line end
    (12345, '12345'),                        # digits only, read as a JSON number
    ({'name': 'web01'}, 'WEB01'),
])
def test_the_suggested_name_is_taken_in_every_form(answer, name):
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    api.spname = answer
    result = run(api, activate=True)
    assert result['changed'] and result['node']['tsmName'] == name


@pytest.mark.parametrize('answer', ['', '  \n', None, True, [1]])
def test_no_suggested_name_says_so(answer):
    api = FakeApi(EXISTING, {408: copy.deepcopy(NODE)})
    api.spname = answer if answer is not None else {}
    with pytest.raises(CloutilityError, match='did not return a suggested node name; set tsm_name'):
        run(api, activate=True)
    assert api.writes() == []


def test_a_consumption_unit_with_a_node_is_deleted_only_with_delete_associations():
    """Checked before any DELETE: a portal may take the node with the unit whatever deleteAssociations says."""
    api = FakeApi(EXISTING, {408: dict(copy.deepcopy(NODE), tsmName='WEB01')})
    absent = dict(name='web01', bunit=None, consumer_id=None, state='absent', delete_associations=False, deletion_comment=None)
    with pytest.raises(CloutilityError, match=r"has a backup node \('WEB01'\) and was not deleted; set delete_associations: true"):
        ensure_consumer(api, BusinessUnitTree(api), absent)
    assert api.writes() == []
    result = ensure_consumer(api, BusinessUnitTree(api), dict(absent, delete_associations=True))
    assert result['changed'] and api.writes() == [('DELETE', 'bunits/94/consumers/408', {'deleteAssociations': 'true'})]
    api = FakeApi(EXISTING, {})
    assert ensure_consumer(api, BusinessUnitTree(api), absent)['changed']  # no node: nothing to protect

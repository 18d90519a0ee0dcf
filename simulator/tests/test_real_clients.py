"""What the real clients (the Go client safespring-community/cloutility-api-client, the older guide) expect: answers with
no line end, {id, name} fields, GET /v1/bunits?bunitID=N, node delete answered with the Node, and the switches for
the behaviours still guessed (node delete needing deleteAssociations, consumer delete ignoring it, the spname form)."""

import json

import pytest
import requests

from conftest import assert_error
from test_nodes import node_body

from cloutility_simulator.testing import running_simulator


def config(sim, **values):
    answer = requests.post(sim.url + '/_sim/config', json=values, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def consumer_with_node(api, unit=94, name='rc-node'):
    cid = api.ok('POST', 'bunits/%d/consumers' % unit, json={'name': name})['id']
    node = api.ok('POST', 'bunits/%d/consumers/%d/node' % (unit, cid), json=node_body(cpuCount=1))
    return cid, node


# ----------------------------------------------------------------- answers without a line end
@pytest.mark.parametrize('path', ['fullVersion', 'bunits', 'bunits/94', 'bunits/94/consumers', 'me',
                                  'bunits/94/consumers/415/node/spname', 'bunits/94/consumers/999/node'])
def test_answers_have_no_trailing_newline(api, path):
    answer = api.get(path)
    assert answer.content and not answer.content.endswith((b'\n', b'\r', b' ')), answer.content[-20:]
    json.loads(answer.content)
    assert b', ' not in answer.content[:40] and b'": ' not in answer.content  # compact, as the portal sends it


def test_text_answers_are_json_strings_without_line_end(api):
    assert api.get('fullVersion').content == b'"1.0.4480.0"'
    assert api.get('bunits/94/consumers/415/node/spname').content == b'"CONTOSO-DB01"'
    assert api.get('bunits/94/consumers/415/node/activate', params={'tsmName': 'contoso-db01'}).content == b'"CONTOSO-DB01"'


def test_admin_and_error_answers_have_no_trailing_newline(sim, api):
    assert not requests.get(sim.url + '/_sim/config', timeout=5).content.endswith(b'\n')
    assert not api.get('bunits/99999').content.endswith(b'\n')


# ----------------------------------------------------------------- field shapes
def _is_ref(value):
    return isinstance(value, dict) and set(value) == {'id', 'name'} and isinstance(value['id'], int) and isinstance(value['name'], str)


def test_node_sync_state_session_security_platform_are_id_name_objects(api):
    node = api.ok('GET', 'bunits/94/consumers/408/node')
    for key in ('syncState', 'sessionSecurity', 'platform'):
        assert _is_ref(node[key]), (key, node[key])
    assert node['syncState']['name'] == 'Synchronized' and node['sessionSecurity']['name'] == 'Transitional'
    assert node['platform'] == {'id': 1, 'name': 'Linux x86-64'}
    assert api.ok('GET', 'bunits/131/consumers/431/node')['platform'] == {'id': 2, 'name': 'WinNT'}
    never_activated = api.ok('GET', 'bunits/94/consumers/415/node')
    assert not {'syncState', 'sessionSecurity', 'platform'} & set(never_activated)


def test_tags_are_id_name_objects_everywhere(api):
    gold = [{'id': 3, 'name': 'gold'}]
    assert api.ok('GET', 'bunits/94')['tags'] == gold
    tree = api.ok('GET', 'bunits')
    contoso = [u for u in tree['businessUnits'][0]['businessUnits'] if u['id'] == 94][0]
    assert contoso['tags'] == gold
    assert api.ok('GET', 'bunits/131/consumers/431')['tags'] == [{'id': 5, 'name': 'critical'}]


def test_tags_written_by_id_by_name_or_as_read_back(api):
    unit = api.ok('GET', 'bunits/94')
    body = {'name': unit['name'], 'timeZone': {'id': 6}, 'tags': unit['tags']}
    assert api.ok('PUT', 'bunits/94', json=body)['tags'] == [{'id': 3, 'name': 'gold'}]  # what was read goes back unchanged
    cid = api.ok('POST', 'bunits/94/consumers', json={'name': 'tagged', 'tags': [{'id': 5}, {'name': 'GOLD'}, {'name': 'new-tag'}]})['id']
    tags = api.ok('GET', 'bunits/94/consumers/%d' % cid)['tags']
    assert tags[:2] == [{'id': 5, 'name': 'critical'}, {'id': 3, 'name': 'gold'}]
    assert tags[2]['name'] == 'new-tag' and tags[2]['id'] not in (3, 5)
    again = api.ok('PUT', 'bunits/94/consumers/%d' % cid, json={'name': 'tagged', 'tags': [{'name': 'new-tag'}]})
    assert again['tags'] == [tags[2]]
    assert_error(api.put('bunits/94/consumers/%d' % cid, json={'name': 'tagged', 'tags': [{'id': 9999}]}), 400)
    assert_error(api.put('bunits/94/consumers/%d' % cid, json={'name': 'tagged', 'tags': 'gold'}), 400)


def test_filespace_sizes_use_the_older_guide_names(api):
    items = api.ok('GET', 'bunits/94/consumers/408/node/filespaces')['items']
    assert items
    for item in items:
        assert isinstance(item['capacityMegaBytes'], int) and isinstance(item['percentageUtilized'], float)
        assert 'capacity' not in item and 'utilization' not in item


# ----------------------------------------------------------------- GET /v1/bunits?bunitID=N
def test_bunit_id_query_answers_that_units_tree(api):
    home = api.ok('GET', 'bunits')
    assert home['id'] == 22
    customers = api.ok('GET', 'bunits', params={'bunitID': 76})
    assert customers['id'] == 76 and customers['name'] == 'Customers' and customers['parentId'] == 22
    assert [u['id'] for u in customers['businessUnits']] == [94, 131]
    assert set(customers) <= {'id', 'parentId', 'name', 'groupName', 'businessUnits', 'tags', 'invoiceDay', 'reportRemotely'}
    leaf = api.ok('GET', 'bunits', params={'bunitid': 94})  # bound case-insensitively
    assert leaf['id'] == 94 and leaf['businessUnits'] == []
    assert api.ok('GET', 'bunits', params={'bunitID': ''})['id'] == 22
    assert_error(api.get('bunits', params={'bunitID': 99999}), 404)
    assert_error(api.get('bunits', params={'bunitID': 'x'}), 400)


def test_bunit_id_query_outside_the_accounts_reach(approver_api):
    assert approver_api.ok('GET', 'bunits')['id'] == 76
    assert approver_api.ok('GET', 'bunits', params={'bunitID': 131})['id'] == 131
    assert_error(approver_api.get('bunits', params={'bunitID': 157}), 403)


# ----------------------------------------------------------------- node delete
def test_node_delete_answers_the_deleted_node(sim, api):
    cid, node = consumer_with_node(api)
    answer = api.delete('bunits/94/consumers/%d/node' % cid, params={'deleteAssociations': 'True'})
    assert answer.status_code == 200 and answer.headers['Content-Type'].startswith('application/json')
    body = answer.json()
    assert body['id'] == node['id'] and body['name'] == 'rc-node' and 'href' in body  # the Go client's Node struct
    assert_error(api.get('bunits/94/consumers/%d' % cid), 404)


@pytest.mark.parametrize('flag', [None, 'false', 'True', 'true'])
def test_node_delete_default_takes_the_unit_whatever_the_flag(sim, api, flag):
    cid = consumer_with_node(api)[0]
    params = {'deleteAssociations': flag} if flag else {}
    assert api.delete('bunits/94/consumers/%d/node' % cid, params=params).status_code == 200
    assert_error(api.get('bunits/94/consumers/%d' % cid), 404)


def test_node_delete_needs_associations_switch(sim, api):
    assert config(sim, node_delete_needs_associations=True)['node_delete_needs_associations'] is True
    cid, node = consumer_with_node(api)
    answer = api.delete('bunits/94/consumers/%d/node' % cid)  # no flag: the node goes, the unit stays
    assert answer.status_code == 200 and answer.json()['id'] == node['id']
    consumer = api.ok('GET', 'bunits/94/consumers/%d' % cid)
    assert 'node' not in consumer and 'dataSourceState' not in consumer
    assert_error(api.get('bunits/94/consumers/%d/node' % cid), 404)
    assert_error(api.delete('bunits/94/consumers/%d/node' % cid), 404)  # a second delete: no node
    api.ok('POST', 'bunits/94/consumers/%d/node' % cid, json=node_body())
    assert api.delete('bunits/94/consumers/%d/node' % cid, params={'deleteAssociations': 'false'}).status_code == 200
    assert api.ok('GET', 'bunits/94/consumers/%d' % cid)['id'] == cid
    api.ok('POST', 'bunits/94/consumers/%d/node' % cid, json=node_body())
    assert api.delete('bunits/94/consumers/%d/node' % cid, params={'deleteAssociations': 'true'}).status_code == 200
    assert_error(api.get('bunits/94/consumers/%d' % cid), 404)
    requests.post(sim.url + '/_sim/reset', timeout=5)
    assert config(sim)['node_delete_needs_associations'] is False


def test_node_delete_needs_associations_keeps_the_approval_workflow(sim, approver_api):
    config(sim, node_delete_needs_associations=True)
    answer = approver_api.delete('bunits/94/consumers/408/node')
    assert answer.status_code == 202 and answer.json()['deletionRequest']['status'] == 'Pending'


# ----------------------------------------------------------------- consumer delete
def test_consumer_delete_default_refuses_without_associations(sim, api):
    cid, _node = consumer_with_node(api)
    assert_error(api.delete('bunits/94/consumers/%d' % cid), 409)
    assert_error(api.delete('bunits/94/consumers/%d' % cid, params={'deleteAssociations': 'false'}), 409)
    assert api.ok('GET', 'bunits/94/consumers/%d/node' % cid)
    assert api.delete('bunits/94/consumers/%d' % cid, params={'deleteAssociations': 'true'}).status_code == 204
    assert_error(api.get('bunits/94/consumers/%d' % cid), 404)


@pytest.mark.parametrize('flag', [None, 'false', 'true'])
def test_consumer_delete_ignores_associations_switch(sim, api, flag):
    assert config(sim, consumer_delete_ignores_associations=True)['consumer_delete_ignores_associations'] is True
    cid, node = consumer_with_node(api)
    params = {'deleteAssociations': flag} if flag else {}
    assert api.delete('bunits/94/consumers/%d' % cid, params=params).status_code == 204
    assert_error(api.get('bunits/94/consumers/%d' % cid), 404)
    assert node['id'] not in {n['id'] for n in sim.state['nodes'].values()}
    assert node['id'] in {n['id'] for n in sim.state['deletedNodes']}


def test_switches_reject_non_booleans_and_unknown_keys(sim):
    for key in ('node_delete_needs_associations', 'consumer_delete_ignores_associations'):
        assert requests.post(sim.url + '/_sim/config', json={key: 'yes'}, timeout=5).status_code == 400
    assert requests.post(sim.url + '/_sim/config', json={'spname_form': 'xml'}, timeout=5).status_code == 400
    assert requests.post(sim.url + '/_sim/config', json={'spname_override': ''}, timeout=5).status_code == 400
    assert requests.post(sim.url + '/_sim/config', json={'node_delete_needs_association': True}, timeout=5).status_code == 400


def test_switches_from_running_simulator():
    with running_simulator(node_delete_needs_associations=True, consumer_delete_ignores_associations=True,
                           spname_form='bare', spname_override='12345') as running:
        current = requests.get(running.url + '/_sim/config', timeout=5).json()
        assert current['node_delete_needs_associations'] is True and current['consumer_delete_ignores_associations'] is True
        assert current['spname_form'] == 'bare' and current['spname_override'] == '12345'
        requests.post(running.url + '/_sim/config', json={'node_delete_needs_associations': False, 'spname_form': 'json'}, timeout=5)
        requests.post(running.url + '/_sim/reset', timeout=5)
        assert requests.get(running.url + '/_sim/config', timeout=5).json() == current  # reset: back to the start values
    with pytest.raises(ValueError):
        with running_simulator(spname_form='xml'):
            pass


# ----------------------------------------------------------------- spname forms
@pytest.mark.parametrize('form, body, content_type', [
    ('json', b'"CONTOSO-DB01"', 'application/json'),
    ('bare', b'CONTOSO-DB01', 'text/plain'),
    ('bare_newline', b'CONTOSO-DB01\r\n', 'text/plain'),
    ('quoted_newline', b'"CONTOSO-DB01"\r\n', 'application/json'),
    ('bare_as_json', b'CONTOSO-DB01', 'application/json'),
])
def test_spname_forms(sim, api, form, body, content_type):
    assert config(sim, spname_form=form)['spname_form'] == form
    answer = api.get('bunits/94/consumers/415/node/spname')
    assert answer.status_code == 200 and answer.content == body
    assert answer.headers['Content-Type'].startswith(content_type)


@pytest.mark.parametrize('form, body', [('json', b'"12345"'), ('bare', b'12345'), ('bare_as_json', b'12345'),
                                        ('quoted_newline', b'"12345"\r\n')])
def test_spname_override_digits_only(sim, api, form, body):
    config(sim, spname_form=form, spname_override='12345')
    assert api.get('bunits/94/consumers/415/node/spname').content == body
    assert api.get('bunits/94/consumers/415/node/activate', params={'tsmName': '12345'}).json() == '12345'
    assert api.ok('GET', 'bunits/94/consumers/415/node')['tsmName'] == '12345'
    requests.post(sim.url + '/_sim/reset', timeout=5)
    assert config(sim)['spname_override'] is None and config(sim)['spname_form'] == 'json'


def test_the_go_clients_activation_works_with_a_bare_name(sim, api):
    """ActivateNode: GET spname, then GET activate?tsmName=<the answer as-is>, then GET node."""
    config(sim, spname_form='bare')
    name = api.get('bunits/94/consumers/415/node/spname').text
    assert api.get('bunits/94/consumers/415/node/activate?tsmName=' + name).status_code == 200
    assert api.ok('GET', 'bunits/94/consumers/415/node')['tsmName'] == 'CONTOSO-DB01'

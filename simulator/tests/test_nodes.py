"""Nodes: create/put/delete, activation rules, password, filespaces, approval workflow, proxies."""

import requests

from conftest import Api, assert_error

LINUX, WINDOWS, MACOS = 3, 5, 8
FILE_SERVER, WORKSTATION, APP_SERVER = 2, 4, 6
STANDARD, DAYS30 = 14, 15
DEDUP, ENCRYPT = 31, 34


def make_consumer(api, unit=94, name='node-test'):
    return api.ok('POST', 'bunits/%d/consumers' % unit, json={'name': name})['id']


def node_body(**extra):
    body = {'operatingSystem': {'id': LINUX}, 'type': {'id': FILE_SERVER}, 'domain': {'id': STANDARD}}
    body.update(extra)
    return body


def test_reference_data(api):
    oses = {o['name']: o for o in api.ok('GET', 'nodeoperatingsystems')['items']}
    assert set(oses) == {'Linux', 'Windows', 'macOS', 'AIX'}
    assert [t['name'] for t in oses['macOS']['supportedNodeTypes']] == ['Workstation']
    assert {t['name'] for t in api.ok('GET', 'nodetypes')['items']} == {'File Server', 'Workstation', 'Application server'}
    assert api.ok('GET', 'nodetypes/%d' % WORKSTATION)['shortName'] == 'WS'
    assert api.ok('GET', 'nodeoperatingsystems/%d' % MACOS)['shortName'] == 'MAC'
    server = api.ok('GET', 'bunits/94/defaultserver')
    assert server['name'] == 'tsm01' and server['tcpAddress'] == 'tsm01.example.com' and server['tcpPort'] == 1500
    assert [d['name'] for d in api.ok('GET', 'bunits/94/defaultserver/domains')['items']] == ['STANDARD', '30DAYS', '90DAYS', '1YEAR']
    assert [o['name'] for o in api.ok('GET', 'bunits/94/defaultserver/clientoptionsets')['items']] == ['DEDUP_AND_COMPRESS', 'FORCE_ENCRYPT']


def test_node_lifecycle(api):
    cid = make_consumer(api)
    assert_error(api.get('bunits/94/consumers/%d/node' % cid), 404)
    assert_error(api.post('bunits/94/consumers/%d/node' % cid, json={'operatingSystem': {'id': LINUX}}), 400)
    assert_error(api.post('bunits/94/consumers/%d/node' % cid, json=node_body(operatingSystem={'id': MACOS})), 400)  # type unsupported
    body = node_body(clientOptionSet={'id': DEDUP}, contact='me', cpuCount=2, server={'id': 3})
    node = api.ok('POST', 'bunits/94/consumers/%d/node' % cid, json=body)
    assert node['id'] != cid and node['consumer']['id'] == cid
    assert node['domain']['name'] == 'STANDARD' and node['domain']['server']['name'] == 'tsm01'
    assert 'tsmName' not in node and 'activatedDate' not in node and 'tsmPassword' not in node and node['locked'] is False
    assert_error(api.post('bunits/94/consumers/%d/node' % cid, json=node_body()), 409)
    consumer = api.ok('GET', 'bunits/94/consumers/%d' % cid)
    assert consumer['node']['id'] == node['id']
    body = {'OperatingSystem': {'Id': WINDOWS}, 'type': {'id': WORKSTATION}, 'domain': {'id': DAYS30}, 'contact': 'you', 'id': 1}
    updated = api.ok('PUT', 'bunits/94/consumers/%d/node' % cid, json=body)
    assert updated['operatingSystem']['name'] == 'Windows' and updated['domain']['name'] == '30DAYS' and updated['id'] == node['id']
    assert 'clientOptionSet' not in updated and 'cpuCount' not in updated and updated['contact'] == 'you'
    assert None not in updated.values()
    deleted = api.delete('bunits/94/consumers/%d/node' % cid)
    assert deleted.status_code == 200 and deleted.json()['id'] == node['id']  # the deleted Node, as the Go client reads it
    assert_error(api.get('bunits/94/consumers/%d' % cid), 404)


def test_activation_rules(api):
    cid = make_consumer(api, name='db02')
    api.ok('POST', 'bunits/94/consumers/%d/node' % cid, json=node_body())
    suggestion = api.ok('GET', 'bunits/94/consumers/%d/node/spname' % cid)
    assert suggestion == 'CONTOSO-DB02'
    body = assert_error(api.get('bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'bad name'}), 400)
    assert 'space' in body['message']
    assert 'invalid character' in assert_error(api.get('bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'a/b'}), 400)['message']
    assert_error(api.get('bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'A' * 65}), 400)
    assert_error(api.get('bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'contoso-web01'}), 409)  # used on the server
    assert api.ok('GET', 'bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'contoso-db02.x+y&z_1'}) == 'CONTOSO-DB02.X+Y&Z_1'
    node = api.ok('GET', 'bunits/94/consumers/%d/node' % cid)
    assert node['tsmName'] == 'CONTOSO-DB02.X+Y&Z_1' and node['tsmNodeId'] and node['activatedDate'] and node['tsmPassword']
    assert api.ok('GET', 'bunits/94/consumers/%d' % cid)['dataSourceState']['name'] == 'Active'
    assert_error(api.get('bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'OTHER'}), 409)  # second activation
    assert len(api.ok('GET', 'bunits/94/consumers/%d/node/filespaces' % cid, params={'tsmSync': 'true'})['items']) == 3
    assert api.ok('GET', 'bunits/94/consumers/415/node/filespaces')['items'] == []


def test_activation_counts_as_write(sim, api):
    api.login()
    before = sim.counters()['writes']
    api.get('bunits/94/consumers/415/node/activate', params={'tsmName': 'CONTOSO-DB01'})
    assert sim.counters()['writes'] == before + 1
    assert sim.counters()['by_route']['GET /v1/bunits/{id}/consumers/{id}/node/activate'] == 1


def test_password(api):
    node = api.ok('POST', 'bunits/94/consumers/415/node/password', json={'tsmPassword': 'N3w-Secret!'})
    assert node['tsmPassword'] == 'N3w-Secret!'
    assert_error(api.post('bunits/94/consumers/415/node/password', json={'tsmPassword': 'short'}), 400)
    assert_error(api.post('bunits/94/consumers/423/node/password', json={'tsmPassword': 'N3w-Secret!'}), 404)


def test_a_server_that_wants_longer_passwords(sim, api):
    assert requests.post(sim.url + '/_sim/config', json={'password_min_length': 12}, timeout=5).json()['password_min_length'] == 12
    refused = api.post('bunits/94/consumers/415/node/password', json={'tsmPassword': 'Ten-chars1'})
    assert_error(refused, 400)
    assert '12 to 64' in refused.json()['message']
    assert api.ok('POST', 'bunits/94/consumers/415/node/password', json={'tsmPassword': 'Twelve-chars'})['tsmPassword'] == 'Twelve-chars'
    assert requests.post(sim.url + '/_sim/config', json={'password_min_length': 0}, timeout=5).status_code == 400
    requests.post(sim.url + '/_sim/reset', timeout=5)  # back to the default rule (and new tokens)
    assert Api(sim.url).ok('POST', 'bunits/94/consumers/415/node/password', json={'tsmPassword': 'Ten-chars1'})['tsmPassword'] == 'Ten-chars1'


def test_approval_user_delete_files_request(approver_api, api):
    answer = approver_api.delete('bunits/131/consumers/431/node', params={'deleteAssociations': 'true', 'deletionComment': 'retire'})
    assert answer.status_code == 202
    assert 'deletion request' in answer.json()['message']
    node = approver_api.ok('GET', 'bunits/131/consumers/431/node')
    assert node['locked'] is True
    assert api.ok('GET', 'bunits/131/consumers/431')['dataSourceState']['name'] == 'Pending deletion'
    assert_error(approver_api.put('bunits/131/consumers/431/node', json=node_body()), 409)
    # the consumer delete of a consumer with a node is also only a request for this user
    assert approver_api.delete('bunits/94/consumers/408', params={'deleteAssociations': 'true'}).status_code == 202
    # a consumer without node is deleted at once
    assert approver_api.delete('bunits/94/consumers/423').status_code == 204


def test_proxy_both_sides(api):
    # seed: ACME-PROXY01 (consumer 456, Internal) is agent for FABRIKAM-FS01 (consumer 431, Fabrikam)
    seeded = api.ok('GET', 'bunits/131/consumers/431/node')
    assert [a['consumer']['id'] for a in seeded['proxyAgents']] == [456]
    possible = api.ok('GET', 'bunits/94/consumers/408/node/possibleproxynodes')['items']
    assert {n['consumer']['id'] for n in possible} == {431, 456}
    # target web01 (Contoso) <- agent backup-proxy (Internal), set from the target side
    node = api.ok('POST', 'bunits/94/consumers/408/node/proxyagents', params={'proxyAgentId': 456})
    assert [a['tsmName'] for a in node['proxyAgents']] == ['ACME-PROXY01']
    agent = api.ok('GET', 'bunits/157/consumers/456/node')
    targets = {t['consumer']['id']: t for t in agent['proxyTargets']}
    assert set(targets) == {408, 431}
    assert targets[408]['businessUnitId'] == 94 and targets[408]['tsmName'] == 'CONTOSO-WEB01' and targets[408]['id'] == 1201
    # removed from the other side
    assert api.delete('bunits/157/consumers/456/node/proxytargets/408').status_code == 204
    assert api.ok('GET', 'bunits/94/consumers/408/node')['proxyAgents'] == []
    assert_error(api.delete('bunits/157/consumers/456/node/proxytargets/408'), 404)
    # set from the agent side, removed from the target side
    api.ok('POST', 'bunits/157/consumers/456/node/proxytargets', params={'proxyTargetId': 408})
    assert [a['consumer']['id'] for a in api.ok('GET', 'bunits/94/consumers/408/node')['proxyAgents']] == [456]
    assert api.delete('bunits/94/consumers/408/node/proxyagents/456').status_code == 204
    assert api.ok('GET', 'bunits/157/consumers/456/node')['proxyTargets'][0]['consumer']['id'] == 431


def test_proxy_errors(api, approver_api):
    assert_error(api.post('bunits/94/consumers/408/node/proxyagents', params={'proxyAgentId': 423}), 404)  # no node
    assert_error(api.post('bunits/94/consumers/408/node/proxyagents', params={'proxyAgentId': 415}), 400)  # not activated
    assert_error(api.post('bunits/94/consumers/415/node/proxyagents', params={'proxyAgentId': 408}), 400)  # this side not activated
    assert_error(api.post('bunits/94/consumers/408/node/proxyagents', params={'proxyAgentId': 408}), 400)  # itself
    assert_error(api.post('bunits/94/consumers/408/node/proxyagents'), 400)
    # the sub-unit user cannot see Internal's node: 404 (not visible), and it is not among its possible proxy nodes
    assert {n['consumer']['id'] for n in approver_api.ok('GET', 'bunits/94/consumers/408/node/possibleproxynodes')['items']} == {431}
    assert_error(approver_api.post('bunits/94/consumers/408/node/proxyagents', params={'proxyAgentId': 456}), 404)

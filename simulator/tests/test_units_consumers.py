"""Business units, consumers, time zones, me: shapes, paging, PUT semantics, visibility."""

import requests

from conftest import assert_error


def walk(tree):
    yield tree
    for child in tree['businessUnits']:
        yield from walk(child)


def test_me_and_tree(api):
    me = api.ok('GET', 'me')
    assert me['businessUnit']['id'] == 22 and me['businessUnit']['name'] == 'Acme Hosting'
    tree = api.ok('GET', 'bunits')
    names = {u['name']: u for u in walk(tree)}
    assert set(names) == {'Acme Hosting', 'Customers', 'Contoso', 'Fabrikam', 'Internal'}
    assert names['Contoso']['parentId'] == names['Customers']['id']
    for unit in walk(tree):
        assert set(unit) <= {'id', 'parentId', 'name', 'groupName', 'businessUnits', 'tags', 'invoiceDay', 'reportRemotely'}


def test_subunit_user_sees_only_its_subtree(approver_api):
    tree = approver_api.ok('GET', 'bunits')
    assert tree['name'] == 'Customers'
    assert {u['name'] for u in walk(tree)} == {'Customers', 'Contoso', 'Fabrikam'}
    assert_error(approver_api.get('bunits/157'), 403)
    assert_error(approver_api.get('bunits/157/consumers'), 403)
    assert_error(approver_api.get('bunits/999999'), 404)


def test_unit_crud_and_put_clears(api):
    created = api.ok('POST', 'bunits/76/bunits', json={'name': 'Northwind', 'registrationNumber': 'NW-1', 'timeZone': {'id': 9, 'name': 'ignored'},
                                                       'note': 'new customer'})
    unit_id = created['id']
    assert created['timeZone']['windowsId'] == 'FLE Standard Time'
    assert created['parentBusinessUnit']['id'] == 76
    full = api.ok('GET', 'bunits/%d' % unit_id)
    assert full['note'] == 'new customer' and full['registrationNumber'] == 'NW-1'
    assert full['storageLimit'] == 0 and full['domainFilter'] == [] and full['useScheduleBindings'] is False  # never set -> default
    updated = api.ok('PUT', 'bunits/%d' % unit_id, json={'NAME': 'Northwind Traders', 'TimeZone': {'Id': 4}, 'id': 1, 'createdDate': 'x'})
    assert updated['name'] == 'Northwind Traders' and updated['id'] == unit_id and updated['timeZone']['id'] == 4
    assert 'note' not in updated and 'registrationNumber' not in updated
    assert None not in updated.values()
    children = api.ok('GET', 'bunits/76/bunits')
    assert unit_id in [c['id'] for c in children['items']]
    assert_error(api.post('bunits/%d/bunits' % unit_id, json={'name': ''}), 400)
    assert_error(api.put('bunits/%d' % unit_id, json={'name': 'x', 'timeZone': {'id': 999}}), 400)
    api.ok('POST', 'bunits/%d/consumers' % unit_id, json={'name': 'c'})
    body = assert_error(api.delete('bunits/%d' % unit_id), 409)
    assert 'consumption unit' in body['message']
    assert 'child business unit' in assert_error(api.delete('bunits/76'), 409)['message']


def test_timezones(api):
    zones = api.ok('GET', 'timezones')
    assert zones['total'] >= 5
    for zone in zones['items']:
        assert {'name', 'windowsId', 'offset', 'id'} <= set(zone)
    assert api.ok('GET', 'timezones/4')['windowsId'] == 'W. Europe Standard Time'
    assert_error(api.get('timezones/5'), 404)


def test_consumer_list_is_incomplete_and_item_is_full(api):
    listing = api.ok('GET', 'bunits/94/consumers')
    assert set(listing) >= {'href', 'total', 'offset', 'first', 'items'}
    for item in listing['items']:
        assert set(item) == {'href', 'id', 'name', 'dataSourceType', 'createdDate'}
    full = api.ok('GET', 'bunits/94/consumers/408')
    assert full['node']['id'] == 1201 and full['dataSourceState']['name'] == 'Active'
    assert full['businessUnit']['id'] == 94 and full['externalReference'] == 'CT-1001'
    bare = api.ok('GET', 'bunits/94/consumers/423')
    assert 'node' not in bare and 'externalReference' not in bare and 'dataSourceState' not in bare


def test_duplicate_names(api):
    names = [c['name'] for c in api.ok('GET', 'bunits/131/consumers')['items']]
    assert names.count('laptop') == 2
    first = api.ok('POST', 'bunits/94/consumers', json={'name': 'twin'})
    second = api.ok('POST', 'bunits/94/consumers', json={'name': 'twin'})
    assert first['id'] != second['id']


def test_consumer_put_replaces_and_ignores_read_only(api):
    created = api.ok('POST', 'bunits/94/consumers', json={'name': 'app01', 'note': 'n', 'externalReference': 'E1', 'limitHighStorage': 50,
                                                          'allowNoActivity': True, 'tags': ['x'], 'billingStartDate': '2024-01-01'})
    cid = created['id']
    assert created['billingStartDate'] == '2024-01-01T00:00:00Z'
    body = {'Name': 'app01', 'Note': 'changed', 'id': 5, 'href': 'x', 'createdDate': '2000-01-01T00:00:00Z', 'businessUnit': {'id': 131}}
    updated = api.ok('PUT', 'bunits/94/consumers/%d' % cid, json=body)
    assert updated['note'] == 'changed' and updated['id'] == cid and updated['businessUnit']['id'] == 94
    for gone in ('externalReference', 'limitHighStorage', 'allowNoActivity', 'tags', 'billingStartDate'):
        assert gone not in updated
    assert updated['createdDate'] == created['createdDate']
    assert_error(api.put('bunits/94/consumers/%d' % cid, json={'note': 'no name'}), 400)
    assert_error(api.put('bunits/94/consumers/%d' % cid, json={'name': 'x', 'limitHighStorage': 'big'}), 400)
    assert_error(api.get('bunits/131/consumers/%d' % cid), 404)


def test_consumer_delete_rules(api):
    body = assert_error(api.delete('bunits/94/consumers/408'), 409)
    assert 'deleteAssociations' in body['message']
    assert api.delete('bunits/94/consumers/423').status_code == 204
    assert_error(api.get('bunits/94/consumers/423'), 404)
    assert api.delete('bunits/94/consumers/408', params={'deleteAssociations': 'true', 'deletionComment': 'bye'}).status_code == 204
    assert_error(api.get('bunits/94/consumers/408'), 404)


def test_paging(sim, api):
    requests.post(sim.url + '/_sim/bulk', json={'bunit': 157, 'consumers': 23, 'prefix': 'p-'}, timeout=5)
    requests.post(sim.url + '/_sim/config', json={'page_size': 10}, timeout=5)
    first = api.ok('GET', 'bunits/157/consumers', params={'limit': 50})
    assert first['total'] == 25 and len(first['items']) == 10 and first['offset'] == 0
    seen = []
    offset = 0
    while offset < first['total']:
        page = api.ok('GET', 'bunits/157/consumers', params={'offset': offset, 'limit': 7})
        assert len(page['items']) <= 7
        seen.extend(i['id'] for i in page['items'])
        offset += len(page['items'])
    assert len(seen) == 25 and len(set(seen)) == 25
    assert api.ok('GET', 'bunits/157/consumers', params={'offset': 100})['items'] == []
    assert_error(api.get('bunits/157/consumers', params={'limit': 'x'}), 400)

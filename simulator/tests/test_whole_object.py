"""The published model (issue 30): business units with every setting and whole-object PUT, their ranges and filter names;
nodes with locked (switch node_locked_read_only); consumption units' tags (switch consumer_tags_read_only)."""

import requests

from conftest import assert_error

EVERY = {'storageLimit': 5000, 'transferLimit': 800, 'nodeLimit': 40, 'passwordExpirationDays': 90, 'requiredApproversOfDeleteRequest': 2,
         'finalDeleteRequestApprover': True, 'usersCanApproveOwnRequests': True, 'supportResponsible': True, 'invoiceDay': 15,
         'reportRemotely': True, 'useScheduleBindings': True, 'domainFilter': ['STANDARD', '30DAYS'], 'clientOptionSetFilter': ['FORCE_ENCRYPT']}
DEFAULTS = {'storageLimit': 0, 'transferLimit': 0, 'nodeLimit': 0, 'passwordExpirationDays': 0, 'requiredApproversOfDeleteRequest': 0,
            'finalDeleteRequestApprover': False, 'usersCanApproveOwnRequests': False, 'supportResponsible': False, 'invoiceDay': 0,
            'reportRemotely': False, 'useScheduleBindings': False, 'domainFilter': [], 'clientOptionSetFilter': []}


def config(sim, **values):
    answer = requests.post(sim.url + '/_sim/config', json=values, timeout=5)
    assert answer.status_code == 200, answer.text


def test_a_unit_holds_every_setting_and_a_put_sends_absent_ones_back_to_their_default(api):
    created = api.ok('POST', 'bunits/76/bunits', json=dict(EVERY, name='Northwind'))
    for key, value in EVERY.items():
        assert created[key] == value, key
    unit_id = created['id']
    cleared = api.ok('PUT', 'bunits/%d' % unit_id, json={'name': 'Northwind', 'note': 'only this'})
    for key, value in DEFAULTS.items():
        assert cleared[key] == value, key
    assert cleared['note'] == 'only this'
    fresh = api.ok('POST', 'bunits/76/bunits', json={'name': 'Bare'})
    assert dict((key, fresh[key]) for key in DEFAULTS) == DEFAULTS


def test_ranges_and_filter_names_are_refused_naming_the_field(api):
    for body, words in (({'invoiceDay': 29}, 'invoiceDay must be a day of the month from 1 to 28'), ({'invoiceDay': -1}, 'invoiceDay'),
                        ({'nodeLimit': -1}, 'nodeLimit must be 0 or more'), ({'storageLimit': -5}, 'storageLimit'),
                        ({'domainFilter': ['GOLD']}, "domainFilter: 'GOLD' is not one of the names"),
                        ({'clientOptionSetFilter': ['STANDARD']}, 'clientOptionSetFilter')):
        message = assert_error(api.post('bunits/76/bunits', json=dict(body, name='Refused')), 400)['message']
        assert words in message, message
        assert_error(api.put('bunits/94', json=dict(body, name='Contoso')), 400)
    assert 'Refused' not in [unit['name'] for unit in api.ok('GET', 'bunits/76/bunits')['items']]


def test_a_node_is_locked_and_unlocked_through_its_put_unless_the_switch_says_read_only(api, sim):
    consumer_id = api.ok('POST', 'bunits/94/consumers', json={'name': 'lock-test'})['id']
    body = {'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 14}}
    path = 'bunits/94/consumers/%d/node' % consumer_id
    assert api.ok('POST', path, json=body)['locked'] is False
    assert api.ok('PUT', path, json=dict(body, locked=True))['locked'] is True
    assert api.ok('POST', path + '/password', json={'tsmPassword': 'N3w-Passw0rd'})['locked'] is True  # a new password while locked
    assert_error(api.get(path + '/activate', params={'tsmName': 'LOCK-TEST'}), 409)  # a locked node is not activated
    assert api.ok('PUT', path, json=body)['locked'] is False  # whole-object PUT: an absent locked is false
    config(sim, node_locked_read_only=True)
    message = assert_error(api.put(path, json=dict(body, locked=True)), 400)['message']
    assert 'locked' in message and 'read-only' in message
    assert api.ok('PUT', path, json=dict(body, locked=False, contact='x'))['contact'] == 'x'  # the value it holds is fine
    second = api.ok('POST', 'bunits/94/consumers', json={'name': 'lock-test-2'})['id']
    assert 'locked' in assert_error(api.post('bunits/94/consumers/%d/node' % second, json=dict(body, locked=True)), 400)['message']


def test_a_consumption_units_tags_by_text_and_the_read_only_switch(api, sim):
    created = api.ok('POST', 'bunits/94/consumers', json={'name': 'tag-test', 'tags': [{'text': 'gold'}, {'text': 'nightly'}]})
    assert sorted(tag['name'] for tag in created['tags']) == ['gold', 'nightly']
    assert [tag['id'] for tag in created['tags'] if tag['name'] == 'gold'] == [3]  # the registered tag of that text
    path = 'bunits/94/consumers/%d' % created['id']
    config(sim, consumer_tags_read_only=True)
    message = assert_error(api.put(path, json={'name': 'tag-test', 'tags': [{'text': 'gold'}]}), 400)['message']
    assert 'tags' in message and 'read-only' in message
    kept = api.ok('PUT', path, json={'name': 'tag-test', 'note': 'n'})  # left out: kept
    assert sorted(tag['name'] for tag in kept['tags']) == ['gold', 'nightly']
    given_back = api.ok('PUT', path, json={'name': 'tag-test', 'tags': list(reversed(created['tags']))})  # the ones it holds: taken
    assert sorted(tag['name'] for tag in given_back['tags']) == ['gold', 'nightly'] and 'note' not in given_back
    assert_error(api.post('bunits/94/consumers', json={'name': 'other', 'tags': [{'text': 'gold'}]}), 400)

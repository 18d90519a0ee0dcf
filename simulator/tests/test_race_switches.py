"""The switches that break what racing controllers could assume (README "Racing controllers"): ids in no order,
pages that shift mid-read, conflicts answered 400, createdDate in whole seconds. Each default off."""

import requests

from conftest import assert_error

CONSUMERS = 'bunits/94/consumers'
NODE_BODY = {'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 15}}


def _config(sim, **values):
    answer = requests.post(sim.url + '/_sim/config', json=values, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _create(api, name):
    return api.ok('POST', CONSUMERS, json={'name': name})


def test_defaults_are_off(sim):
    config = requests.get(sim.url + '/_sim/config', timeout=5).json()
    assert config['id_order'] == 'growing' and config['page_shift_rate'] == 0 and config['conflict_status'] == 409
    assert config['created_resolution'] == 0 and config['page_shift_mode'] == 'any'


def test_ids_in_no_order_are_unique_and_go_below_existing_ones(sim, api):
    existing = set(item['id'] for item in api.ok('GET', CONSUMERS)['items'])
    growing = [_create(api, 'grow-%d' % index)['id'] for index in range(3)]
    assert growing == sorted(growing)
    _config(sim, id_order='random')
    ids = [_create(api, 'any-%d' % index)['id'] for index in range(30)]
    assert len(set(ids)) == len(ids) and not set(ids) & (existing | set(growing))
    assert ids != sorted(ids) and min(ids) < min(growing)
    # Nodes too (ids of every kind), and the unit's item answers under its id.
    node = api.ok('POST', '%s/%d/node' % (CONSUMERS, ids[0]), json=NODE_BODY)
    assert node['id'] not in ids
    assert api.ok('GET', '%s/%d' % (CONSUMERS, ids[1]))['name'] == 'any-1'


def test_bad_race_settings_are_refused(sim):
    for values in ({'id_order': 'sometimes'}, {'page_shift_rate': 2}, {'conflict_status': 200}, {'created_resolution': -1},
                   {'page_shift_mode': 'both'}):
        assert_error(requests.post(sim.url + '/_sim/config', json=values, timeout=5), 400)


def _walk(api, path):
    """Read a listing page by page, as a naive client does: (items, totals seen)."""
    items, totals, offset = [], [], 0
    while True:
        page = api.ok('GET', path, params={'offset': offset})
        totals.append(page['total'])
        items.extend(page['items'])
        if not page['items'] or len(items) >= page['total']:
            return items, totals
        offset += len(page['items'])


def test_pages_shift_mid_read(sim, api):
    _config(sim, page_size=3)
    for index in range(8):
        _create(api, 'page-%d' % index)
    whole = [item['id'] for item in _walk(api, CONSUMERS)[0]]
    assert len(whole) == len(set(whole)) == api.ok('GET', CONSUMERS)['total']
    _config(sim, page_shift_rate=1, page_shift_mode='delete')
    items, totals = _walk(api, CONSUMERS)
    ids = [item['id'] for item in items]
    assert set(ids) < set(whole) and len(set(totals)) > 1  # an item skipped, total went down
    _config(sim, page_shift_mode='create')
    items, totals = _walk(api, CONSUMERS)
    ids = [item['id'] for item in items]
    assert len(ids) > len(set(ids)) and totals[-1] > totals[0]  # an item seen twice, total went up
    _config(sim, page_shift_mode='cancel')
    items, totals = _walk(api, CONSUMERS)
    ids = [item['id'] for item in items]
    assert set(ids) < set(whole) and len(set(totals)) == 1  # an item skipped while total stayed the same
    # The first page never shifts; counted.
    assert api.ok('GET', CONSUMERS)['items'][0]['id'] == whole[0]
    assert sim.counters()['page_shifts'] > 0


def test_conflicts_as_400(sim, api):
    _config(sim, conflict_status=400)
    unit = _create(api, 'conflict-400')
    path = '%s/%d/node' % (CONSUMERS, unit['id'])
    api.ok('POST', path, json=NODE_BODY)
    assert_error(api.post(path, json=NODE_BODY), 400)  # a second node
    api.ok('GET', path + '/activate', params={'tsmName': 'CONFLICT400'})
    assert_error(api.get(path + '/activate', params={'tsmName': 'CONFLICT400'}), 400)  # an activated node
    other = _create(api, 'conflict-400-b')
    api.ok('POST', '%s/%d/node' % (CONSUMERS, other['id']), json=NODE_BODY)
    assert_error(api.get('%s/%d/node/activate' % (CONSUMERS, other['id']), params={'tsmName': 'CONFLICT400'}), 400)  # name in use
    _config(sim, conflict_status=409)
    assert_error(api.post(path, json=NODE_BODY), 409)


def test_created_date_in_whole_seconds(sim, api):
    _config(sim, created_resolution=1)
    dates = [api.ok('GET', '%s/%d' % (CONSUMERS, _create(api, 'tie-%d' % index)['id']))['createdDate'] for index in range(3)]
    assert all(date.endswith('.000Z') for date in dates)

"""Auth, origin, token expiry, counters, config, faults."""

import json
import time

import pytest
import requests

from conftest import CLIENT_ID, ORIGIN, PASSWORD, USER, Api, assert_error


def grant(url, origin=ORIGIN, **data):
    form = {'client_id': CLIENT_ID, 'grant_type': 'password', 'username': USER, 'password': PASSWORD}
    form.update(data)
    return requests.post(url + '/v1/oauth', headers={'Origin': origin} if origin else {}, data=form, timeout=5)


def test_password_grant_shape(sim):
    answer = grant(sim.url)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {'access_token', 'token_type', 'expires_in', 'refresh_token'}
    assert body['token_type'] == 'bearer' and body['expires_in'] == 299


def test_bad_password_and_client(sim):
    assert_error(grant(sim.url, password='nope'), 400)
    assert_error(grant(sim.url, client_id='other'), 400)
    assert_error(grant(sim.url, grant_type='client_credentials'), 400)


def test_origin_required_on_oauth_and_every_call(sim, api):
    assert_error(grant(sim.url, origin=None), 403)
    assert_error(grant(sim.url, origin='https://evil.example.com'), 403)
    api.login()
    assert api.get('me').status_code == 200
    assert_error(api.get('me', headers={'Origin': 'https://evil.example.com'}), 403)


def test_bearer_required(sim, api):
    assert_error(requests.get(sim.url + '/v1/me', headers={'Origin': ORIGIN}, timeout=5), 401)
    assert_error(requests.get(sim.url + '/v1/me', headers={'Origin': ORIGIN, 'Authorization': 'Bearer junk'}, timeout=5), 401)
    assert api.get('fullVersion').json() == '1.0.4480.0'


def test_expire_and_refresh(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/tokens/expire', timeout=5)
    assert_error(api.get('me'), 401)
    answer = requests.post(sim.url + '/v1/oauth', headers={'Origin': ORIGIN},
                           data={'client_id': CLIENT_ID, 'grant_type': 'refresh_token', 'refresh_token': api.refresh}, timeout=5)
    assert answer.status_code == 200
    assert answer.json()['refresh_token'] == api.refresh
    api.token = answer.json()['access_token']
    assert api.get('me').status_code == 200
    counters = sim.counters()
    assert counters['password_grants'] == 1 and counters['refresh_grants'] == 1


def test_token_lifetime_config(sim, api):
    requests.post(sim.url + '/_sim/config', json={'token_lifetime': 1}, timeout=5)
    assert api.login()['expires_in'] == 1
    assert sim.simulator.config['token_lifetime'] == 1


def test_latency_config_is_the_latency_fault(sim, api):
    api.login()
    assert requests.post(sim.url + '/_sim/config', json={'latency_ms': -1}, timeout=5).status_code == 400
    assert requests.post(sim.url + '/_sim/config', json={'latency_ms': 200}, timeout=5).json()['latency_ms'] == 200
    assert sim.simulator.faults['latency_ms'] == 200
    started = time.monotonic()
    api.ok('GET', 'me')
    assert time.monotonic() - started >= 0.2
    # Fault sets without latency_ms of their own, and clearing them, keep the configured latency; their own wins.
    requests.post(sim.url + '/_sim/faults', json={'rules': []}, timeout=5)
    assert sim.simulator.faults['latency_ms'] == 200
    requests.delete(sim.url + '/_sim/faults', timeout=5)
    assert sim.simulator.faults['latency_ms'] == 200
    requests.post(sim.url + '/_sim/faults', json={'latency_ms': 0}, timeout=5)
    started = time.monotonic()
    api.ok('GET', 'me')
    assert time.monotonic() - started < 0.2
    requests.post(sim.url + '/_sim/config', json={'latency_ms': 0}, timeout=5)
    assert sim.simulator.faults['latency_ms'] == 0


def test_counters_shape_and_route_keys(sim, api):
    api.ok('GET', 'bunits/22/consumers')
    api.ok('GET', 'bunits/94/consumers/408')
    api.ok('POST', 'bunits/94/consumers', json={'name': 'c1'})
    counters = requests.get(sim.url + '/_sim/counters', timeout=5).json()
    assert set(counters) == {'total', 'writes', 'password_grants', 'refresh_grants', 'by_route', 'faults', 'drops'}
    assert counters['faults'] == 0 and counters['drops'] == 0
    assert counters['total'] == 4  # oauth included
    assert counters['writes'] == 1
    assert counters['by_route'] == {'POST /v1/oauth': 1, 'GET /v1/bunits/{id}/consumers': 1, 'GET /v1/bunits/{id}/consumers/{id}': 1,
                                    'POST /v1/bunits/{id}/consumers': 1}
    requests.post(sim.url + '/_sim/counters/reset', timeout=5)
    assert requests.get(sim.url + '/_sim/counters', timeout=5).json()['total'] == 0


def test_reset_restores_seed(sim, api):
    api.ok('POST', 'bunits/94/consumers', json={'name': 'temp'})
    requests.post(sim.url + '/_sim/config', json={'page_size': 2}, timeout=5)
    requests.post(sim.url + '/_sim/reset', timeout=5)
    names = [c['name'] for c in Api(sim.url).ok('GET', 'bunits/94/consumers')['items']]
    assert 'temp' not in names and len(names) == 3
    state = requests.get(sim.url + '/_sim/state', timeout=5).json()
    assert 'consumers' in state and 'businessUnits' in state


def test_fault_rules_status_times_retry_after(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/faults', json={'rules': [{'method': 'GET', 'path': r'^/v1/me$', 'status': 429, 'times': 2, 'retry_after': 1}]},
                  timeout=5)
    first = api.get('me')
    assert first.status_code == 429 and first.headers['Retry-After'] == '1'
    assert api.get('me').status_code == 429
    assert api.get('me').status_code == 200
    requests.post(sim.url + '/_sim/faults', json={'rules': [{'path': 'consumers', 'status': 503}]}, timeout=5)
    assert_error(api.post('bunits/94/consumers', json={'name': 'x'}), 503)
    requests.delete(sim.url + '/_sim/faults', timeout=5)
    names = [c['name'] for c in api.ok('GET', 'bunits/94/consumers')['items']]
    assert 'x' not in names  # the fault answered before doing the work


def test_drop_after_commit(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/faults', json={'drop_after_commit': [{'method': 'POST', 'path': 'consumers$', 'times': 1}]}, timeout=5)
    try:
        answer = api.post('bunits/94/consumers', json={'name': 'dropped'})
    except requests.ConnectionError:
        answer = None
    assert answer is None
    names = [c['name'] for c in api.ok('GET', 'bunits/94/consumers')['items']]
    assert 'dropped' in names  # the write was committed
    assert api.post('bunits/94/consumers', json={'name': 'second'}).status_code == 201


def test_error_rate_is_seeded(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/faults', json={'error_rate': 0.5, 'random_seed': 42}, timeout=5)
    first = [api.get('me').status_code for _attempt in range(20)]
    requests.post(sim.url + '/_sim/faults', json={'error_rate': 0.5, 'random_seed': 42}, timeout=5)
    second = [api.get('me').status_code for _attempt in range(20)]
    assert first == second and 503 in first and 200 in first


def test_fault_rates_per_method_are_seeded_and_write_matches_activation(sim, api):
    api.login()
    rules = [{'method': 'GET', 'path': r'^/v1/me$', 'status': 429, 'retry_after': 2, 'rate': 0.3},
             {'method': 'GET|PUT', 'path': r'^/v1/me$', 'status': 503, 'rate': 0.3}]
    spec = {'random_seed': 3, 'rules': rules}
    requests.post(sim.url + '/_sim/faults', json=spec, timeout=5)
    first = [api.get('me').status_code for _attempt in range(40)]
    requests.post(sim.url + '/_sim/faults', json=spec, timeout=5)
    second = [api.get('me').status_code for _attempt in range(40)]
    assert first == second and {200, 429, 503} <= set(first)
    counted = requests.get(sim.url + '/_sim/counters', timeout=5).json()['faults']
    assert counted == len([status for status in first + second if status != 200])
    assert requests.post(sim.url + '/_sim/faults', json={'rules': [{'path': 'x', 'rate': 2}]}, timeout=5).status_code == 400
    # WRITE: every write, including the activation GET, and nothing else
    requests.post(sim.url + '/_sim/faults', json={'rules': [{'method': 'WRITE', 'path': '^/v1/', 'status': 503}]}, timeout=5)
    assert api.get('me').status_code == 200
    assert_error(api.get('bunits/94/consumers/408/node/activate', params={'tsmName': 'X'}), 503)
    assert_error(api.post('bunits/94/consumers', json={'name': 'w'}), 503)


def test_bulk(sim, api):
    answer = requests.post(sim.url + '/_sim/bulk', json={'bunit': 157, 'consumers': 250, 'prefix': 'bulk-', 'nodes': True}, timeout=10).json()
    assert len(answer['ids']) == 250 and len(set(answer['ids'])) == 250 and len(answer['nodeIds']) == 250
    page = api.ok('GET', 'bunits/157/consumers')
    assert page['total'] == 252 and len(page['items']) == 100


@pytest.mark.parametrize('body, content_type, check', [
    ('html', 'text/html', lambda text: 'maintenance' in text and text.lstrip().startswith('<!DOCTYPE html>')),
    ('truncated', 'application/json', lambda text: text.startswith('{"href"') and not text.endswith('}')),
    ('empty', 'application/json', lambda text: text == ''),
    ('object', 'application/json', lambda text: isinstance(json.loads(text), dict) and 'items' not in json.loads(text)),
    ('no_items', 'application/json', lambda text: 'total' in json.loads(text) and 'items' not in json.loads(text)),
    ('list', 'application/json', lambda text: isinstance(json.loads(text), list) and json.loads(text)[0]['name'] == 'maintenance'),
    ('string', 'application/json', lambda text: json.loads(text) == 'maintenance'),
])
def test_fault_bodies_answer_200_with_what_is_not_the_resource(sim, api, body, content_type, check):
    api.login()
    # Only the second page of Contoso's consumption units, once: the first page and the retry are the real thing.
    requests.post(sim.url + '/_sim/config', json={'page_size': 2}, timeout=5)
    first = api.ok('GET', 'bunits/94/consumers')
    assert len(first['items']) == 2 and first['total'] == 3
    rule = {'method': 'GET', 'path': r'^/v1/bunits/94/consumers$', 'body': body, 'times': 1}
    if body == 'html':
        rule['status'] = 200  # the others answer 200 unless told
    assert requests.post(sim.url + '/_sim/faults', json={'rules': [rule]}, timeout=5).json()['rules'][0]['status'] == 200
    broken = api.get('bunits/94/consumers', params={'offset': 2})
    assert broken.status_code == 200 and broken.headers['Content-Type'].startswith(content_type) and check(broken.text)
    again = api.ok('GET', 'bunits/94/consumers', params={'offset': 2})
    assert [item['name'] for item in again['items']] == ['JennysWS']
    assert api.ok('GET', 'bunits/131/consumers')['total'] == 3  # another unit's list: the path regex does not match
    assert requests.get(sim.url + '/_sim/counters', timeout=5).json()['faults'] == 1


def test_fault_rule_query_breaks_only_the_second_page(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/config', json={'page_size': 2}, timeout=5)
    requests.post(sim.url + '/_sim/faults', json={'rules': [{'method': 'GET', 'path': r'/consumers$', 'query': r'(^|&)offset=2(&|$)',
                                                             'body': 'no_items'}]}, timeout=5)
    assert len(api.ok('GET', 'bunits/94/consumers')['items']) == 2
    assert 'items' not in api.ok('GET', 'bunits/94/consumers', params={'offset': 2})
    assert 'items' not in api.ok('GET', 'bunits/94/consumers', params={'limit': 5, 'offset': 2})
    assert len(api.ok('GET', 'bunits/94/consumers', params={'offset': 1})['items']) == 2
    assert requests.post(sim.url + '/_sim/faults', json={'rules': [{'path': 'x', 'query': '('}]}, timeout=5).status_code == 400


def test_fault_body_html_keeps_its_status_and_bodies_are_checked(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/faults', json={'rules': [{'path': r'^/v1/me$', 'body': 'html', 'status': 503, 'times': 1},
                                                            {'path': r'^/v1/me$', 'body': 'html', 'times': 1}]}, timeout=5)
    proxy = api.get('me')
    assert proxy.status_code == 503 and 'nginx' in proxy.text
    assert api.get('me').status_code == 503, 'body html without a status answers 503, as before'
    assert requests.post(sim.url + '/_sim/faults', json={'rules': [{'path': 'x', 'body': 'pdf'}]}, timeout=5).status_code == 400


def test_fault_body_with_a_rate_is_seeded(sim, api):
    api.login()
    spec = {'random_seed': 5, 'rules': [{'method': 'GET', 'path': r'^/v1/me$', 'body': 'truncated', 'rate': 0.5}]}
    requests.post(sim.url + '/_sim/faults', json=spec, timeout=5)
    first = [api.get('me').text.endswith('"na') for _attempt in range(20)]
    requests.post(sim.url + '/_sim/faults', json=spec, timeout=5)
    second = [api.get('me').text.endswith('"na') for _attempt in range(20)]
    assert first == second and True in first and False in first


def test_drop_after_commit_with_a_body_commits_and_answers_it(sim, api):
    api.login()
    requests.post(sim.url + '/_sim/faults', json={'drop_after_commit': [{'method': 'POST', 'path': 'consumers$', 'body': 'html', 'times': 1}]},
                  timeout=5)
    answer = api.post('bunits/94/consumers', json={'name': 'committed'})
    assert answer.status_code == 200 and answer.headers['Content-Type'].startswith('text/html') and 'maintenance' in answer.text
    names = [c['name'] for c in api.ok('GET', 'bunits/94/consumers')['items']]
    assert 'committed' in names
    assert requests.get(sim.url + '/_sim/counters', timeout=5).json()['drops'] == 1

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the HTTP client against a scripted transport (no network, no simulator)."""

from __future__ import annotations

import json
import os
import stat
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    CloutilityApiError,
    CloutilityAuthError,
    CloutilityClient,
    CloutilityError,
    normalize_base_url,
)

PASSWORD = 'very-secret-pw'
ORIGIN = 'https://origin.example.com'


class FakePortal(BaseAdapter):
    """A scripted API: routes map 'METHOD path' to a list of answers, consumed in order (the last repeats)."""

    def __init__(self):
        super().__init__()
        self.routes = {}
        self.calls = []
        self.tokens = 0
        self.valid_tokens = set()
        self.password = PASSWORD

    def on(self, method, path, *answers):
        self.routes['%s %s' % (method, path)] = list(answers)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path[len('/v1/'):] if parts.path.startswith('/v1/') else parts.path
        self.calls.append((request.method, path, parse_qs(parts.query), dict(request.headers), request.body))
        if path == 'oauth':
            return self._oauth(request)
        key = '%s %s' % (request.method, path)
        token = (request.headers.get('Authorization') or '').replace('Bearer ', '')
        if token not in self.valid_tokens:
            return self._response(request, 401, {'code': 'Unauthorized', 'message': 'Token expired'})
        answers = self.routes.get(key)
        if not answers:
            return self._response(request, 404, {'message': 'No route %s' % key})
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(parse_qs(parts.query))
        status, body = answer[0], answer[1]
        headers = answer[2] if len(answer) > 2 else {}
        return self._response(request, status, body, headers)

    def _oauth(self, request):
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        if request.headers.get('Origin') != ORIGIN:
            return self._response(request, 400, {'message': 'Invalid origin'})
        grant = form.get('grant_type', [''])[0]
        if grant == 'password' and form.get('password', [''])[0] != self.password:
            return self._response(request, 400, {'error': 'invalid_grant', 'error_description': 'The user name or password is incorrect.'})
        self.tokens += 1
        token = 'tok-%d' % self.tokens
        self.valid_tokens.add(token)
        return self._response(request, 200, {'access_token': token, 'token_type': 'bearer', 'expires_in': 299,
                                             'refresh_token': 'refresh-%d' % self.tokens})

    @staticmethod
    def _response(request, status, body, headers=None):
        response = requests.Response()
        response.status_code = status
        response.reason = {200: 'OK', 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable'}.get(status, '')
        response.request = request
        response.url = request.url
        if isinstance(body, (dict, list)) or (body is not None and not isinstance(body, str)):
            response._content = json.dumps(body).encode()
            response.headers['Content-Type'] = 'application/json'
        else:
            response._content = (body or '').encode()
        response.headers.update(headers or {})
        return response

    def close(self):
        pass

    def grants(self, kind='password'):
        return [call for call in self.calls if call[1] == 'oauth' and ('grant_type=%s' % kind) in str(call[4])]


@pytest.fixture
def sleeps(monkeypatch):
    waited = []
    monkeypatch.setattr(api_client.time, 'sleep', waited.append)
    monkeypatch.setattr(api_client.random, 'random', lambda: 0.0)  # no jitter: exact waits (test_protocol.py tests jitter)
    return waited


@pytest.fixture
def portal():
    return FakePortal()


@pytest.fixture
def make_client(portal, tmp_path):
    def make(password=PASSWORD, cache=True, **kwargs):
        client = CloutilityClient('https://portal.example.com', 'client-1', ORIGIN, 'alice', password,
                                  token_cache=cache, cache_dir=str(tmp_path / 'cache'), **kwargs)
        client.session.mount('https://', portal)
        return client
    return make


@pytest.mark.parametrize('given', ['https://p.example.com', 'https://p.example.com/', 'https://p.example.com/v1',
                                   'https://p.example.com/v1/', ' https://p.example.com/V1 '])
def test_base_url_with_or_without_v1(given):
    assert normalize_base_url(given).lower() == 'https://p.example.com/v1/'


def test_base_url_must_be_http():
    with pytest.raises(CloutilityError, match='must start with http'):
        normalize_base_url('portal.example.com')


def test_missing_options_are_named():
    with pytest.raises(CloutilityError, match='client_id, password'):
        CloutilityClient('https://p.example.com', None, ORIGIN, 'alice', '')


def test_login_once_and_origin_on_every_call(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    portal.on('GET', 'bunits', (200, {'id': 22, 'name': 'Top'}))
    client = make_client(cache=False)
    assert client.get('me') == {'id': 1}
    assert client.get('/bunits')['id'] == 22
    assert len(portal.grants()) == 1
    assert all(headers.get('Origin') == ORIGIN for _m, _p, _q, headers, _b in portal.calls)
    assert portal.calls[1][3]['Authorization'] == 'Bearer tok-1'


def test_token_cache_reused_by_same_account_only(portal, make_client, tmp_path):
    portal.on('GET', 'me', (200, {'id': 1}))
    make_client().get('me')
    make_client().get('me')
    assert len(portal.grants()) == 1, 'a second task with the same account must reuse the cached token'
    with pytest.raises(CloutilityAuthError, match='password is incorrect'):
        make_client(password='wrong').get('me')
    assert len(portal.grants()) == 2, 'a wrong password must not find the cached token'


def test_token_cache_files_are_private_and_anonymous(portal, make_client, tmp_path):
    portal.on('GET', 'me', (200, {'id': 1}))
    make_client().get('me')
    directory = tmp_path / 'cache'
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    files = [name for name in os.listdir(directory) if name.endswith('.json')]
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(directory / files[0]).st_mode) == 0o600
    content = (directory / files[0]).read_text()
    for secret in ('alice', PASSWORD, 'refresh-1', 'client-1'):
        assert secret not in files[0] and secret not in content
    assert 'tok-1' in content


def test_relogin_once_on_401(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    client = make_client(cache=False)
    client.get('me')
    portal.valid_tokens.clear()  # the server forgot every token
    assert client.get('me') == {'id': 1}
    assert [call[1] for call in portal.calls].count('me') == 3


def test_refresh_when_expired(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    client = make_client(cache=False)
    client.get('me')
    client._expires_at = 0  # the access token has run out
    client.get('me')
    assert len(portal.grants('password')) == 1
    assert len(portal.grants('refresh_token')) == 1


def test_get_retried_with_backoff_and_retry_after(portal, make_client, sleeps):
    portal.on('GET', 'me', (503, 'busy'), (429, {'message': 'slow down'}, {'Retry-After': '2'}), (200, {'id': 1}))
    assert make_client(cache=False).get('me') == {'id': 1}
    assert sleeps == [0.5, 2.0]


def test_retries_are_bounded(portal, make_client, sleeps):
    portal.on('GET', 'me', (503, '<html><body><h1>503 Service Unavailable</h1></body></html>'))
    with pytest.raises(CloutilityApiError) as err:
        make_client(cache=False).get('me')
    assert err.value.status == 503
    assert len(sleeps) == api_client.DEFAULT_RETRIES
    assert str(err.value).startswith('GET /v1/me failed with HTTP 503')
    assert '503 Service Unavailable' in str(err.value) and '<h1>' not in str(err.value)


def test_post_is_never_repeated(portal, make_client, sleeps):
    portal.on('POST', 'bunits/22/consumers', (503, {'message': 'gateway'}))
    with pytest.raises(CloutilityApiError) as err:
        make_client(cache=False).post('bunits/22/consumers', json={'name': 'x'})
    assert err.value.status == 503
    assert [call[1] for call in portal.calls].count('bunits/22/consumers') == 1
    assert sleeps == []


def test_connection_error_is_retried_then_explained(portal, make_client, sleeps):
    portal.on('GET', 'me', requests.exceptions.ConnectionError('refused'), (200, {'id': 1}))
    assert make_client(cache=False).get('me') == {'id': 1}
    portal.on('GET', 'me', requests.exceptions.ConnectionError('refused'))
    with pytest.raises(CloutilityApiError) as err:
        make_client(cache=False).get('me')
    assert err.value.status is None
    assert str(err.value) == ('GET /v1/me failed: could not connect to the API at https://portal.example.com/v1/: '
                              'connection refused; check api_url and that the portal is reachable')


def test_api_error_message_from_body(portal, make_client):
    portal.on('PUT', 'bunits/5', (400, {'code': 'Validation', 'message': 'Name is required',
                                        'developerMessage': 'BusinessUnit.Name empty', 'status': 400}))
    with pytest.raises(CloutilityApiError) as err:
        make_client(cache=False).put('bunits/5', json={})
    assert str(err.value) == 'PUT /v1/bunits/5 failed with HTTP 400: Name is required (BusinessUnit.Name empty)'
    assert err.value.message == 'Name is required'


def test_no_secret_in_errors(portal, make_client):
    portal.on('GET', 'me', (500, {'message': 'boom'}))
    client = make_client(cache=False)
    with pytest.raises(CloutilityApiError) as err:
        client.get('me')
    assert PASSWORD not in str(err.value) and 'tok-' not in str(err.value)
    portal.password = 'changed'
    with pytest.raises(CloutilityAuthError) as err:
        make_client(cache=False, password='guess').get('me')
    assert 'guess' not in str(err.value) and 'POST /v1/oauth' in str(err.value)


def test_wrong_origin_is_reported(portal, tmp_path):
    client = CloutilityClient('https://portal.example.com', 'client-1', 'https://other.example.com', 'alice', PASSWORD,
                              token_cache=False)
    client.session.mount('https://', portal)
    with pytest.raises(CloutilityAuthError, match='Invalid origin'):
        client.get('me')


def test_paging_walks_every_page(portal, make_client):
    items = [{'id': n} for n in range(7)]

    def page(query):
        offset = int(query.get('offset', ['0'])[0])
        return 200, {'href': 'x', 'total': len(items), 'offset': offset, 'items': items[offset:offset + 3]}

    portal.on('GET', 'bunits/22/consumers', page)
    assert make_client(cache=False).get_all('bunits/22/consumers') == items
    assert [call[2].get('offset') for call in portal.calls if call[1] == 'bunits/22/consumers'] == [None, ['3'], ['6']]


def test_paging_stops_when_server_ignores_offset(portal, make_client):
    portal.on('GET', 'things', (200, {'total': 10, 'offset': 0, 'items': [{'id': 1}, {'id': 2}]}))
    assert make_client(cache=False).get_all('things') == [{'id': 1}, {'id': 2}]


def test_paging_with_a_limit_stops_early(portal, make_client):
    items = [{'id': n} for n in range(50)]

    def page(query):
        offset, limit = int(query.get('offset', ['0'])[0]), int(query.get('limit', ['2'])[0])
        return 200, {'total': len(items), 'offset': offset, 'items': items[offset:offset + min(limit, 2)]}

    portal.on('GET', 'auditlogs', page)
    found, first = make_client(cache=False).collect('auditlogs', {'types': [0, 100]}, limit=5)
    assert found == items[:5] and first['total'] == 50
    queries = [call[2] for call in portal.calls if call[1] == 'auditlogs']
    assert len(queries) == 3 and queries[-1]['limit'] == ['1'] and queries[-1]['types'] == ['0', '100']


def test_collect_tells_a_collection_from_other_answers(portal, make_client):
    portal.on('GET', 'fullVersion', (200, '1.0.4480.0'))
    portal.on('GET', 'me', (200, {'id': 1}))
    portal.on('GET', 'list', (200, [1, 2, 3]))
    client = make_client(cache=False)
    assert client.collect('fullVersion') == (None, '1.0.4480.0')
    assert client.collect('me') == (None, {'id': 1})
    assert client.collect('list', limit=2) == ([1, 2], [1, 2, 3])


def test_multipart_upload(portal, make_client):
    portal.on('POST', 'bunits/22/invoicefiles', (201, {'name': 'inv.pdf'}))
    answer = make_client(cache=False).request('POST', 'bunits/22/invoicefiles', params={'erpReference': 'E1'},
                                              files={'file': ('inv.pdf', b'%PDF-1.4', 'application/pdf')})
    assert answer == {'name': 'inv.pdf'}
    method, path, query, headers, body = portal.calls[-1]
    assert headers['Content-Type'].startswith('multipart/form-data') and b'%PDF-1.4' in body
    assert query == {'erpReference': ['E1']}

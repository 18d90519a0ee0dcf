# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the HTTP client against a scripted transport (no network, no simulator)."""

from __future__ import annotations

import json
import os
import stat
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    CloutilityApiError,
    CloutilityAuthError,
    CloutilityBadAnswer,
    CloutilityClient,
    CloutilityError,
    normalize_base_url,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import suggested_name

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
        self.lifetime = 299
        self.oauth_delay = 0
        self.oauth_answer = None  # (status, body) instead of a token
        self.token_format = 'tok-%d'

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
        if self.oauth_delay:
            time.sleep(self.oauth_delay)
        if self.oauth_answer:
            return self._response(request, *self.oauth_answer)
        if request.headers.get('Origin') != ORIGIN:
            return self._response(request, 400, {'message': 'Invalid origin'})
        grant = form.get('grant_type', [''])[0]
        if grant == 'password' and form.get('password', [''])[0] != self.password:
            return self._response(request, 400, {'error': 'invalid_grant', 'error_description': 'The user name or password is incorrect.'})
        self.tokens += 1
        token = self.token_format % self.tokens
        self.valid_tokens.add(token)
        return self._response(request, 200, {'access_token': token, 'token_type': 'bearer', 'expires_in': self.lifetime,
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


def test_every_missing_option_is_named_at_once():
    with pytest.raises(CloutilityError) as err:
        CloutilityClient(None, None, None, None, None)
    assert str(err.value).startswith('Missing connection options: api_url, client_id, origin, username, password ')
    assert 'CLOUTILITY_API_URL' in str(err.value)
    with pytest.raises(CloutilityError, match='api_url'):
        CloutilityClient('  ', 'c', ORIGIN, 'alice', PASSWORD)
    with pytest.raises(CloutilityError, match='timeout'):
        CloutilityClient('https://p.example.com', 'c', ORIGIN, 'alice', PASSWORD, timeout=0)


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
    assert str(err.value).startswith('GET https://portal.example.com/v1/me failed with HTTP 503')
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
    assert err.value.status is None and err.value.tries == 1 + api_client.FAST_FAIL_RETRIES
    assert str(err.value).startswith('GET https://portal.example.com/v1/me failed: connection refused: nothing listens at portal.example.com:443 '
                                     '(after 3 tries over ')
    assert str(err.value).endswith('; check api_url (host and port) and that the portal is running')
    portal.on('GET', 'me', requests.exceptions.ConnectionError('Connection aborted'))
    with pytest.raises(CloutilityApiError) as err:
        make_client(cache=False).get('me')
    assert err.value.tries == 1 + api_client.DEFAULT_RETRIES
    assert str(err.value).startswith('GET https://portal.example.com/v1/me failed: could not connect to the API at https://portal.example.com/v1/: '
                                     'the connection was dropped before an answer came (after 6 tries over ')
    assert str(err.value).endswith('; check api_url and that the portal is reachable')


def test_api_error_message_from_body(portal, make_client):
    portal.on('PUT', 'bunits/5', (400, {'code': 'Validation', 'message': 'Name is required',
                                        'developerMessage': 'BusinessUnit.Name empty', 'status': 400}))
    with pytest.raises(CloutilityApiError) as err:
        make_client(cache=False).put('bunits/5', json={})
    assert str(err.value) == 'PUT https://portal.example.com/v1/bunits/5 failed with HTTP 400: Name is required (BusinessUnit.Name empty)'
    assert err.value.path == '/v1/bunits/5' and err.value.url == 'https://portal.example.com/v1/bunits/5'
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
    assert 'guess' not in str(err.value) and 'POST https://portal.example.com/v1/oauth failed' in str(err.value)


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


def test_a_server_that_ignores_offset_is_a_bad_answer_never_a_short_list(portal, make_client):
    portal.on('GET', 'things', (200, {'total': 10, 'offset': 0, 'items': [{'id': 1}, {'id': 2}]}))
    with pytest.raises(CloutilityBadAnswer) as caught:
        make_client(cache=False).get_all('things')
    assert 'GET https://' in str(caught.value) and 'things?offset=2' in str(caught.value)
    assert 'the items past the first 2 of 10 cannot be read' in str(caught.value)
    assert len([call for call in portal.calls if call[1] == 'things']) == 2   # not sent again and again


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
    # cloutility_api's follow_pages reads any endpoint: an answer that is no collection is its own answer there.
    assert client.collect('fullVersion', require=False) == (None, '1.0.4480.0')
    assert client.collect('me', require=False) == (None, {'id': 1})
    assert client.collect('list', limit=2) == ([1, 2], [1, 2, 3])


def test_multipart_upload(portal, make_client):
    portal.on('POST', 'bunits/22/invoicefiles', (201, {'name': 'inv.pdf'}))
    answer = make_client(cache=False).request('POST', 'bunits/22/invoicefiles', params={'erpReference': 'E1'},
                                              files={'file': ('inv.pdf', b'%PDF-1.4', 'application/pdf')})
    assert answer == {'name': 'inv.pdf'}
    method, path, query, headers, body = portal.calls[-1]
    assert headers['Content-Type'].startswith('multipart/form-data') and b'%PDF-1.4' in body
    assert query == {'erpReference': ['E1']}


# ---------------------------------------------------------------------------- logins
def test_forks_starting_together_make_one_password_grant(portal, tmp_path, run_threads):
    """Separate clients (as forks are) with a cold cache: the first logs in, the others wait and reuse its token."""
    portal.on('GET', 'me', (200, {'id': 1}))
    portal.oauth_delay = 0.2
    errors = []

    def fork():
        try:
            client = CloutilityClient('https://portal.example.com', 'client-1', ORIGIN, 'alice', PASSWORD,
                                      cache_dir=str(tmp_path / 'cache'))
            client.session.mount('https://', portal)
            assert client.get('me') == {'id': 1}
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    run_threads(fork, 12)
    assert not errors
    assert len(portal.grants('password')) == 1
    assert [call[1] for call in portal.calls].count('me') == 12


def test_without_the_cache_there_is_no_lock_to_wait_for(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    make_client(cache=False).get('me')
    make_client(cache=False).get('me')
    assert len(portal.grants('password')) == 2


def test_short_lived_tokens_are_not_renewed_before_every_call(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    portal.lifetime = 20
    client = make_client(cache=False)
    for _n in range(5):
        client.get('me')
    assert len(portal.grants('password')) == 1 and portal.grants('refresh_token') == []
    assert api_client.expiry_margin(20) == 2 and api_client.expiry_margin(299) == api_client.EXPIRY_MARGIN
    assert api_client.expiry_margin(3600) == api_client.EXPIRY_MARGIN


def test_a_short_lived_token_in_the_cache_is_reused(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    portal.lifetime = 15
    make_client().get('me')
    make_client().get('me')
    assert len(portal.grants('password')) == 1


def test_a_garbage_cache_entry_means_a_new_login_never_a_failure(portal, make_client, tmp_path):
    portal.on('GET', 'me', (200, {'id': 1}))
    make_client().get('me')
    directory = tmp_path / 'cache'
    entry = [name for name in os.listdir(str(directory)) if name.endswith('.json')][0]
    (directory / entry).write_text(json.dumps({'access_token': 'tok-1\r\nX-Evil: 1', 'expires_at': time.time() + 300}))
    assert make_client().get('me') == {'id': 1}
    assert len(portal.grants('password')) == 2
    assert 'X-Evil' not in (directory / entry).read_text()


def test_a_token_answer_that_cannot_be_sent_is_refused_without_printing_it(portal, make_client):
    portal.on('GET', 'me', (200, {'id': 1}))
    portal.token_format = 'tok-%d\r\nInjected: yes'
    with pytest.raises(CloutilityAuthError) as err:
        make_client(cache=False).get('me')
    assert 'Injected' not in str(err.value) and 'tok-' not in str(err.value)
    assert 'no usable access_token' in str(err.value) and 'check api_url' in str(err.value)


# ---------------------------------------------------------------------------- messages
@pytest.mark.parametrize('status', [404, 405])
def test_no_token_endpoint_says_check_api_url(portal, make_client, status):
    portal.oauth_answer = (status, '<html><body>Not here</body></html>')
    with pytest.raises(CloutilityAuthError) as err:
        make_client(cache=False).get('me')
    text = str(err.value)
    assert text.startswith('POST https://portal.example.com/v1/oauth failed with HTTP %d' % status)
    assert 'check api_url' in text and PASSWORD not in text


def test_wrong_password_names_the_full_url_and_not_api_url(portal, make_client):
    with pytest.raises(CloutilityAuthError) as err:
        make_client(cache=False, password='guess').get('me')
    assert 'https://portal.example.com/v1/oauth' in str(err.value) and 'check api_url' not in str(err.value)


PLAIN_HTTP_ERRORS = [
    "HTTPSConnectionPool(host='127.0.0.1', port=8180): Max retries exceeded (Caused by SSLError(SSLError(1, "
    "'[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)')))",
    "HTTPSConnectionPool(host='127.0.0.1', port=8180): Max retries exceeded (Caused by SSLError(SSLError(1, "
    "'[SSL: RECORD_LAYER_FAILURE] record layer failure (_ssl.c:1000)')))",
]


def _tls_failure(portal, make_client, text, verify):
    """The message of a GET (with a valid token) whose connection fails with the TLS error ``text``."""
    client = make_client(cache=False, validate_certs=verify)
    portal.on('GET', 'me', requests.exceptions.SSLError(text))
    client._access_token, client._expires_at = 'tok-x', time.time() + 300  # pylint: disable=protected-access
    portal.valid_tokens.add('tok-x')
    with pytest.raises(CloutilityApiError) as err:
        client.get('me')
    return str(err.value)


@pytest.mark.parametrize('text', PLAIN_HTTP_ERRORS)
@pytest.mark.parametrize('verify', [True, False])
def test_tls_against_plain_http_says_so(portal, make_client, sleeps, text, verify):
    portal.oauth_answer = None
    message = _tls_failure(portal, make_client, text, verify)
    assert 'plain HTTP' in message and 'http://' in message and 'api_url' in message
    assert 'validate_certs' not in message


def test_other_tls_errors_advise_validate_certs_only_when_it_is_on(portal, make_client, sleeps):
    text = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"
    for verify, advised in ((True, True), (False, False)):
        message = _tls_failure(portal, make_client, text, verify)
        assert ('validate_certs=false' in message) is advised
        assert 'certificate verify failed' in message


def test_a_header_error_never_prints_the_header(portal, make_client, sleeps):
    client = make_client(cache=False)
    portal.on('GET', 'me', requests.exceptions.InvalidHeader('Invalid return character in header: Bearer tok-secret\r\n'))
    client._access_token, client._expires_at = 'tok-x', time.time() + 300  # pylint: disable=protected-access
    portal.valid_tokens.add('tok-x')
    with pytest.raises(CloutilityApiError) as err:
        client.get('me')
    assert 'tok-secret' not in str(err.value)


def test_proxy_and_ca_bundle_variables_are_read_once_for_the_portal(monkeypatch):
    """requests would read the environment for every request; the client reads it once, with the same rules."""
    for name in ('https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY',
                 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example.com:3128')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/company-ca.pem')
    client = CloutilityClient('https://portal.example.com', 'c', ORIGIN, 'alice', PASSWORD, token_cache=False)
    assert client.session.trust_env is False
    assert client.session.proxies.get('https') == 'http://proxy.example.com:3128'
    assert client.session.verify == '/etc/ssl/company-ca.pem'
    unverified = CloutilityClient('https://portal.example.com', 'c', ORIGIN, 'alice', PASSWORD, validate_certs=False, token_cache=False)
    assert unverified.session.verify is False
    monkeypatch.setenv('NO_PROXY', 'portal.example.com')
    direct = CloutilityClient('https://portal.example.com', 'c', ORIGIN, 'alice', PASSWORD, token_cache=False)
    assert not direct.session.proxies.get('https')


# ---------------------------------------------------------------------------- answers that are not the resource (issue 20)
def test_the_suggested_name_may_come_as_a_bare_string(portal, make_client):
    portal.on('GET', 'bunits/94/consumers/415/node/spname', (200, 'CONTOSO-DB01\n', {'Content-Type': 'text/plain'}))
    client = make_client(cache=False)
    assert suggested_name(client, 94, 415) == 'CONTOSO-DB01'
    portal.on('GET', 'bunits/94/consumers/415/node/spname', (200, '"CONTOSO-DB01"', {'Content-Type': 'application/json'}))
    assert suggested_name(client, 94, 415) == 'CONTOSO-DB01'


@pytest.mark.parametrize('body, content_type, problem', [
    ('<html><body>Maintenance</body></html>', 'text/html', 'HTML page'),
    ('"CONTOSO-D', 'application/json', 'JSON cut short'),
    ('', 'application/json', 'no body'),
])
def test_the_suggested_name_is_no_page_nor_cut_short(portal, make_client, sleeps, body, content_type, problem):
    portal.on('GET', 'bunits/94/consumers/415/node/spname', (200, body, {'Content-Type': content_type}))
    with pytest.raises(CloutilityBadAnswer, match=problem):
        make_client(cache=False, retries=1).get('bunits/94/consumers/415/node/spname')
    assert len([call for call in portal.calls if call[1].endswith('spname')]) == 2


def test_other_endpoints_never_pass_text_off_as_an_answer(portal, make_client, sleeps):
    portal.on('GET', 'bunits/94', (200, 'Service temporarily unavailable', {'Content-Type': 'text/plain'}))
    expected = (r'GET https://portal\.example\.com/v1/bunits/94 answered HTTP 200 \(text/plain\) '
                r"with a body that is not JSON; the body begins: 'Service temporarily")
    with pytest.raises(CloutilityBadAnswer, match=expected):
        make_client(cache=False, retries=1).get('bunits/94')


def test_no_body_where_none_is_due(portal, make_client):
    portal.on('DELETE', 'bunits/94/consumers/423', (204, None))
    portal.on('DELETE', 'bunits/94/consumers/424', (200, ''))
    portal.on('PUT', 'bunits/94', (200, ''))
    client = make_client(cache=False)
    assert client.delete('bunits/94/consumers/423') is None and client.delete('bunits/94/consumers/424') is None
    assert client.put('bunits/94', json={'name': 'x'}) is None
    assert len(portal.calls) == 4  # one login, three calls: none sent again


def test_a_bad_answer_never_shows_a_secret(portal, make_client, sleeps):
    cut_short = '{"id": 1201, "tsmPassword": "Hunter2-secret", "token": "abc", "na'
    portal.on('GET', 'bunits/94/consumers/408/node', (200, cut_short, {'Content-Type': 'application/json'}))
    with pytest.raises(CloutilityBadAnswer) as caught:
        make_client(cache=False, retries=0).get('bunits/94/consumers/408/node')
    assert 'Hunter2' not in str(caught.value) and '"abc"' not in str(caught.value) and '"tsmPassword": "********"' in str(caught.value)
    portal.oauth_answer = (200, '{"access_token": "tok-very-secret", "expires_in": 2', {'Content-Type': 'application/json'})
    with pytest.raises(CloutilityBadAnswer) as caught:
        make_client(cache=False, retries=0).get('me')
    assert 'tok-very-secret' not in str(caught.value) and 'not shown' in str(caught.value) and 'POST' in str(caught.value)


def test_a_page_after_the_first_must_be_a_page(portal, make_client, sleeps):
    def page(query):
        offset = int(query.get('offset', ['0'])[0])
        return (200, {'total': 4, 'offset': 0, 'items': [{'id': 1}, {'id': 2}]}) if not offset else (200, [{'id': 3}, {'id': 4}])

    portal.on('GET', 'things', page)
    with pytest.raises(CloutilityBadAnswer, match='a JSON list, where the next page of a collection is due'):
        make_client(cache=False, retries=1).get_all('things')
    assert [call[2].get('offset') for call in portal.calls if call[1] == 'things'] == [None, ['2'], ['2']]


def test_an_unreadable_activation_answer_is_uncertain_and_sent_once(portal, make_client):
    portal.on('GET', 'bunits/94/consumers/415/node/activate', (200, '<html>maintenance</html>', {'Content-Type': 'text/html'}))
    with pytest.raises(CloutilityBadAnswer) as caught:
        make_client(cache=False).request('GET', 'bunits/94/consumers/415/node/activate', params={'tsmName': 'X'}, retry=False)
    assert caught.value.uncertain
    assert len([call for call in portal.calls if call[1].endswith('activate')]) == 1

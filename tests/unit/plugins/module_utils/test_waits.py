# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Short waits for the hopeless (issue 23 item 4): a refused connection and an unknown host fail in seconds, a silent
server is tried twice, every failure after retries says how many tries over how long, a request that never left is
sent again whatever it is (a POST that may have been sent never is), and long waits are one line for the wait hook."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityClient

ORIGIN = 'https://origin.example.com'
PASSWORD = 'Sim-Passw0rd!'
TOKEN = 'tok-never-shown'


def client_at(url, **kwargs):
    client = CloutilityClient(url, 'c', ORIGIN, 'u', PASSWORD, token_cache=False, **kwargs)
    return client


def logged_in(client):
    """A client that holds a token, so the request under test is the first one sent."""
    client._access_token = TOKEN
    client._expires_at = time.time() + 300
    client._lifetime = 300
    return client


def closed_port():
    """A port nothing listens at: bound, then closed."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class SilentServer:
    """Accepts connections and reads what is sent, never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            conn.settimeout(2)
            try:
                self.received.append(conn.recv(65536))
            except OSError:
                pass

    def requests_seen(self, method):
        return [data for data in self.received if data.startswith(method.encode() + b' ')]

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


# ---------------------------------------------------------------------------- the hopeless fail fast
@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_a_refused_connection_fails_in_seconds_and_says_so(method):
    port = closed_port()
    client = logged_in(client_at('http://127.0.0.1:%d' % port))
    started = time.monotonic()
    with pytest.raises(CloutilityApiError) as err:
        client.request(method, 'bunits', json={} if method == 'POST' else None)
    took = time.monotonic() - started
    assert took < 3.5
    # Never sent, so a POST is sent again like a GET and is certain: nothing was created.
    assert err.value.tries == 1 + api_client.FAST_FAIL_RETRIES and err.value.uncertain is False
    text = str(err.value)
    assert text.startswith('%s http://127.0.0.1:%d/v1/bunits failed: connection refused: nothing listens at 127.0.0.1:%d (after 3 tries over '
                           % (method, port, port))
    assert text.endswith(' s); check api_url (host and port) and that the portal is running')
    assert 'uncertain' not in text and TOKEN not in text and PASSWORD not in text


def test_a_refused_login_fails_in_seconds():
    client = client_at('http://127.0.0.1:%d' % closed_port())
    started = time.monotonic()
    with pytest.raises(CloutilityApiError, match=r'POST http://127\.0\.0\.1:\d+/v1/oauth failed: connection refused.*after 3 tries over'):
        client.get('bunits')
    assert time.monotonic() - started < 3.5


def test_an_unknown_host_fails_in_seconds_and_says_so(monkeypatch):
    real = socket.getaddrinfo
    looked_up = []

    def getaddrinfo(host, *args, **kwargs):
        if host == 'nonexistent.invalid':
            looked_up.append(host)
            raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    client = logged_in(client_at('https://nonexistent.invalid:8443'))
    started = time.monotonic()
    with pytest.raises(CloutilityApiError) as err:
        client.post('bunits/22/consumers', json={'name': 'x'})
    assert time.monotonic() - started < 3.5
    assert len(looked_up) == 3 and err.value.tries == 3 and err.value.uncertain is False
    text = str(err.value)
    assert text.startswith('POST https://nonexistent.invalid:8443/v1/bunits/22/consumers failed: unknown host nonexistent.invalid: '
                           'Name or service not known (after 3 tries over ')
    assert text.endswith('; check api_url (and the DNS settings if the name is right)')


def test_the_hopeless_take_no_more_tries_than_retries_allow():
    client = logged_in(client_at('http://127.0.0.1:%d' % closed_port(), retries=0))
    with pytest.raises(CloutilityApiError) as err:
        client.get('bunits')
    assert err.value.tries == 1 and 'after' not in str(err.value)


# ---------------------------------------------------------------------------- a silent server
def test_a_get_without_answer_is_tried_twice_then_says_so(silent):
    client = logged_in(client_at('http://127.0.0.1:%d' % silent.port, timeout=0.4))
    lines = []
    client.on_wait = lines.append
    started = time.monotonic()
    with pytest.raises(CloutilityApiError) as err:
        client.get('bunits')
    took = time.monotonic() - started
    assert took < 2 * 0.4 + 0.75 + 1.0
    assert err.value.tries == 1 + api_client.TIMEOUT_RETRIES == 2 and err.value.status is None
    assert 'failed: no answer from http://127.0.0.1:%d/v1/ within 0.4 s (after 2 tries over ' % silent.port in str(err.value)
    assert str(err.value).endswith('; raise the timeout option if the portal is slow')
    assert lines == [], 'a try of 0.4 s and a wait of 0.5 s are not long'


def test_a_post_without_answer_is_not_sent_again_and_is_uncertain(silent):
    client = logged_in(client_at('http://127.0.0.1:%d' % silent.port, timeout=0.4))
    with pytest.raises(CloutilityApiError) as err:
        client.post('bunits/22/consumers', json={'name': 'x'})
    time.sleep(0.2)
    assert len(silent.requests_seen('POST')) == 1
    assert err.value.uncertain is True and err.value.tries == 1
    assert 'uncertain whether it took effect' in str(err.value)


def test_a_connect_timeout_is_never_sent_so_a_post_is_tried_again(monkeypatch):
    sent = []

    def refuse_in_time(self, request, **kwargs):
        sent.append(request.method)
        raise requests.exceptions.ConnectTimeout('connect timed out')

    monkeypatch.setattr(requests.adapters.HTTPAdapter, 'send', refuse_in_time)
    monkeypatch.setattr(api_client.time, 'sleep', lambda seconds: None)
    client = logged_in(client_at('https://portal.example.com'))
    with pytest.raises(CloutilityApiError) as err:
        client.post('bunits/22/consumers', json={'name': 'x'})
    assert sent == ['POST', 'POST'] and err.value.uncertain is False
    assert 'no connection to https://portal.example.com/v1/ within 30 s (after 2 tries over ' in str(err.value)


@pytest.mark.parametrize('error, kind, sent', [
    (requests.exceptions.ConnectionError('RemoteDisconnected'), api_client.LOST, True),
    (requests.exceptions.ReadTimeout('read timed out'), api_client.READ_TIMEOUT, True),
    (requests.exceptions.ConnectTimeout('connect timed out'), api_client.CONNECT_TIMEOUT, False),
    (requests.exceptions.ConnectionError('[Errno 111] Connection refused'), api_client.REFUSED, True),
])
def test_only_a_failure_before_connecting_counts_as_never_sent(error, kind, sent):
    """A refusal known only from its text is fast, but not taken as never sent: only urllib3's connection errors are."""
    assert api_client._failure(error) == (kind, sent)


# ---------------------------------------------------------------------------- every failure after retries says so
class Script(BaseAdapter):
    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code, body = answer
        response.request, response.url = request, request.url
        response._content = json.dumps(body).encode()
        response.headers['Content-Type'] = 'application/json'
        return response

    def close(self):
        pass


def scripted(script, url='https://portal.example.com', **kwargs):
    client = logged_in(client_at(url, **kwargs))
    client.session.mount('https://', script)
    return client


def test_a_5xx_after_retries_says_how_many_tries_over_how_long(clock):
    with pytest.raises(CloutilityApiError) as err:
        scripted(Script((503, {'message': 'down'}))).get('bunits')
    assert err.value.tries == 6 and err.value.elapsed == pytest.approx(15.5)
    assert str(err.value) == 'GET https://portal.example.com/v1/bunits failed with HTTP 503: down (after 6 tries over 15.5 s)'


def test_a_single_try_says_nothing_of_tries(clock):
    with pytest.raises(CloutilityApiError) as err:
        scripted(Script((400, {'message': 'bad'}))).get('bunits')
    assert str(err.value) == 'GET https://portal.example.com/v1/bunits failed with HTTP 400: bad'


# ---------------------------------------------------------------------------- the wait hook
def test_only_long_waits_are_told_one_line_each(clock):
    lines = []
    script = Script((503, {}), (503, {}), (503, {}), (503, {}), (200, {'ok': 1}))
    client = scripted(script, on_wait=lines.append)
    assert client.get('bunits', params={'name': 'x'}) == {'ok': 1}
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert lines == ['Cloutility: waiting 2.0 s before retrying GET https://portal.example.com/v1/bunits (HTTP 503, try 4 of 6)',
                     'Cloutility: waiting 4.0 s before retrying GET https://portal.example.com/v1/bunits (HTTP 503, try 5 of 6)']


def test_a_long_try_is_told_even_before_a_short_wait(clock, monkeypatch):
    lines = []

    def slow(*args, **kwargs):
        clock.now += 30
        raise requests.exceptions.ReadTimeout('read timed out')

    client = scripted(Script((200, {})), on_wait=lines.append)
    monkeypatch.setattr(client.session, 'request', slow)
    with pytest.raises(CloutilityApiError, match=r'within 30 s \(after 2 tries over 60\.5 s\)'):
        client.get('bunits')
    assert lines == ['Cloutility: waiting 0.5 s before retrying GET https://portal.example.com/v1/bunits (no answer within 30 s, try 2 of 2)']


def test_the_module_wide_hook_and_no_secret_in_a_line(clock):
    lines, own = [], []
    with api_client.wait_hook(lines.append):
        client = scripted(Script((503, {}), (503, {}), (503, {}), (200, {})), url='https://portal.example.com')
        # The client refuses such an api_url (test_connection_messages); a wait line redacts one all the same.
        client.base_url = 'https://user:S3cret@portal.example.com/v1/'
        client.get('bunits')
        client.on_wait = own.append
        client.session.mount('https://', Script((503, {}), (503, {}), (503, {}), (200, {})))
        client.get('bunits')
    assert api_client._WAIT_HOOK is None
    assert lines == ['Cloutility: waiting 2.0 s before retrying GET https://***@portal.example.com/v1/bunits (HTTP 503, try 4 of 6)']
    assert own == lines, "the client's own hook comes first"
    assert not any(secret in line for line in lines for secret in ('S3cret', 'user', TOKEN, PASSWORD))


def test_a_failing_hook_never_fails_a_request(clock):
    def broken(text):
        raise RuntimeError('display gone')

    assert scripted(Script((503, {}), (503, {}), (503, {}), (200, {'ok': 1})), on_wait=broken).get('bunits') == {'ok': 1}


def test_the_engine_wait_is_told_without_a_request(clock):
    lines = []
    client = scripted(Script((200, {})), on_wait=lines.append)
    assert client.wait_before_retry(3, clock.now)
    assert lines == ['Cloutility: waiting 2.0 s before trying again (try 4 of 6)']

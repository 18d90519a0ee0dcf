"""Billing subscribers (the portal's "Post URL") and POST /_sim/billing/generate, checked with a real listener."""

import contextlib
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time

import pytest
import requests

from conftest import assert_error

SECRET = 'xyz-Secret-42'
TRIGGER = b'{"trigger":"new billing data available"}'
TEST_TRIGGER = b'{"trigger":"test for new billing data available"}'


class Listener(socketserver.ThreadingTCPServer):
    """A billing subscriber endpoint that records what it receives.

    modes: 'continue' (100 Continue, read the body, 200), 'reject' (401 at once, never reads the body; records any
    byte that still arrives), 'silent' (no 100: waits for the body, then 200). ``callback`` runs before the final answer."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode='continue', tls=None, callback=None):
        super().__init__(('127.0.0.1', 0), _Handler)
        self.mode = mode
        self.tls = tls
        self.callback = callback
        self.received = []
        self.errors = []

    @property
    def port(self):
        return self.server_address[1]


def _read_head(conn):
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _sep, rest = data.partition(b'\r\n\r\n')
    return head, rest


def _read_rest(conn, have, length):
    while len(have) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        have += chunk
    return have


class _Handler(socketserver.BaseRequestHandler):

    def handle(self):
        server = self.server
        conn = self.request
        conn.settimeout(5)
        try:
            if server.tls is not None:
                conn = server.tls.wrap_socket(conn, server_side=True)
            head, early = _read_head(conn)
            lines = head.decode('latin-1').split('\r\n')
            record = {'request_line': lines[0], 'headers': [tuple(line.split(': ', 1)) for line in lines[1:]], 'early_body': early,
                      'arrived': time.monotonic()}
            server.received.append(record)
            length = int(dict(record['headers']).get('Content-Length', '0'))
            if server.mode == 'reject':
                conn.sendall(b'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n')
                conn.settimeout(1)
                record['late'] = _read_rest(conn, early, 1 << 20)  # the client closes; the body must never come
                return
            if server.mode == 'continue':
                conn.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
            record['body'] = _read_rest(conn, early, length)
            record['body_at'] = time.monotonic()
            if server.callback is not None:
                record['callback'] = server.callback()
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok')
        except (OSError, ValueError) as exc:
            server.errors.append(repr(exc))


@contextlib.contextmanager
def listening(**kwargs):
    server = Listener(**kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def subscribe(sim, bunit, url):
    answer = requests.post(sim.url + '/_sim/billing/subscribers', json={'bunit': bunit, 'url': url}, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()


def generate(sim, **body):
    answer = requests.post(sim.url + '/_sim/billing/generate', json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer


def test_subscribers_add_list_delete_reset(sim):
    first = subscribe(sim, 22, 'https://invoicing.company.com/baas-report/?code=xyz')
    assert first == {'id': first['id'], 'bunit': 22, 'url': 'https://invoicing.company.com/baas-report/?code=xyz'}
    second = subscribe(sim, 94, 'http://127.0.0.1:9/hook')
    assert second['id'] != first['id']
    listing = requests.get(sim.url + '/_sim/billing/subscribers', timeout=5).json()
    assert listing == {'items': [first, second]}
    for body in ({'bunit': 22, 'url': 'ftp://example.com/x'}, {'bunit': 22, 'url': 'not a url'}, {'bunit': 22, 'url': 'https:///nohost'},
                 {'bunit': 22, 'url': 'http://example.com:99999/'}, {'bunit': 22}, {'bunit': 999999, 'url': 'https://example.com/'},
                 {'bunit': '22', 'url': 'https://example.com/'}, {'url': 'https://example.com/'}):
        assert_error(requests.post(sim.url + '/_sim/billing/subscribers', json=body, timeout=5), 400)
    assert requests.delete(sim.url + '/_sim/billing/subscribers/%d' % first['id'], timeout=5).status_code == 204
    assert_error(requests.delete(sim.url + '/_sim/billing/subscribers/%d' % first['id'], timeout=5), 404)
    assert requests.get(sim.url + '/_sim/billing/subscribers', timeout=5).json() == {'items': [second]}
    requests.post(sim.url + '/_sim/reset', timeout=5)
    assert requests.get(sim.url + '/_sim/billing/subscribers', timeout=5).json() == {'items': []}
    assert requests.get(sim.url + '/_sim/counters', timeout=5).json()['total'] == 0  # admin calls are not counted


def test_generate_posts_the_guide_request_with_100_continue(sim):
    with listening() as listener, listening() as other:
        url = 'http://127.0.0.1:%d/baas-report/?code=%s' % (listener.port, SECRET)
        subscriber = subscribe(sim, 22, url)
        subscribe(sim, 94, 'http://127.0.0.1:%d/other' % other.port)  # another unit: not triggered
        answer = generate(sim, bunit=22, test=True)
        assert answer.json() == {'deliveries': [{'subscriber': subscriber['id'], 'url': 'http://127.0.0.1:%d/baas-report/?code=***' % listener.port,
                                                 'status': 200, 'continued': True, 'error': None}]}
        assert SECRET not in answer.text
        assert other.received == []
        record = listener.received[0]
        assert record['request_line'] == 'POST /baas-report/?code=%s HTTP/1.1' % SECRET
        assert record['headers'] == [('Content-Type', 'application/json; charset=utf-8'), ('Host', '127.0.0.1:%d' % listener.port),
                                     ('Content-Length', '49'), ('Expect', '100-continue')]
        assert record['early_body'] == b''  # nothing after the headers before the 100 Continue
        assert record['body'] == TEST_TRIGGER
        generate(sim, bunit=22)
        assert listener.received[1]['body'] == TRIGGER
        assert dict(listener.received[1]['headers'])['Content-Length'] == str(len(TRIGGER))
        assert listener.errors == []


def test_an_early_401_means_the_body_is_never_sent(sim):
    with listening(mode='reject') as listener:
        subscribe(sim, 22, 'http://127.0.0.1:%d/hook?code=%s&x=1' % (listener.port, SECRET))
        delivery = generate(sim, bunit=22, test=False).json()['deliveries'][0]
        assert (delivery['status'], delivery['continued'], delivery['error']) == (401, False, None)
        assert delivery['url'] == 'http://127.0.0.1:%d/hook?code=***&x=1' % listener.port
        time.sleep(0.2)
        record = listener.received[0]
        assert dict(record['headers'])['Expect'] == '100-continue'
        assert record['late'] == b''


def test_a_server_without_100_continue_gets_the_body_after_the_wait(sim):
    with listening(mode='silent') as listener:
        subscribe(sim, 94, 'http://127.0.0.1:%d/' % listener.port)
        delivery = generate(sim, bunit=94).json()['deliveries'][0]
        assert (delivery['status'], delivery['continued'], delivery['error']) == (200, False, None)
        record = listener.received[0]
        assert record['body'] == TRIGGER
        assert 1.5 < record['body_at'] - record['arrived'] < 5


def test_subscribers_are_called_one_after_the_other_and_may_call_back(sim):
    """The lock is not held during deliveries: a subscriber reads the simulator before it answers."""
    def call_back():
        return requests.get(sim.url + '/_sim/billing/subscribers', timeout=5).status_code

    with listening(callback=call_back) as first, listening() as second:
        ids = [subscribe(sim, 22, 'http://127.0.0.1:%d/a' % first.port)['id'], subscribe(sim, 22, 'http://127.0.0.1:%d/b' % second.port)['id'],
               subscribe(sim, 22, 'http://127.0.0.1:%d/gone' % _free_port())['id']]
        started = time.monotonic()
        deliveries = generate(sim, bunit=22).json()['deliveries']
        assert time.monotonic() - started < 5
        assert [d['subscriber'] for d in deliveries] == ids
        assert [d['status'] for d in deliveries] == [200, 200, None]
        assert first.received[0]['callback'] == 200
        assert first.received[0]['body_at'] <= second.received[0]['arrived']
        assert deliveries[2]['error'] and 'refused' in deliveries[2]['error'].lower()
    assert generate(sim, bunit=131).json() == {'deliveries': []}
    assert_error(requests.post(sim.url + '/_sim/billing/generate', json={'bunit': 999999}, timeout=5), 400)
    assert_error(requests.post(sim.url + '/_sim/billing/generate', json={'bunit': 22, 'test': 'maybe'}, timeout=5), 400)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def self_signed(tmp_path_factory):
    if shutil.which('openssl') is None:
        pytest.skip('openssl is needed to make a self-signed certificate')
    folder = tmp_path_factory.mktemp('tls')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(folder / 'key.pem'), '-out',
                    str(folder / 'cert.pem'), '-days', '2', '-subj', '/CN=localhost'], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(folder / 'cert.pem'), str(folder / 'key.pem'))
    return context


def test_https_with_a_self_signed_certificate(sim, self_signed):
    with listening(tls=self_signed) as listener:
        subscribe(sim, 22, 'https://localhost:%d/baas-report/?code=%s' % (listener.port, SECRET))
        refused = generate(sim, bunit=22).json()['deliveries'][0]
        assert refused['status'] is None and 'certificate' in refused['error'] and SECRET not in refused['error']
        delivered = generate(sim, bunit=22, verify=False, test=True)
        assert delivered.json()['deliveries'][0] == dict(refused, status=200, continued=True, error=None)
        assert SECRET not in delivered.text
        assert listener.received[-1]['body'] == TEST_TRIGGER
        assert dict(listener.received[-1]['headers'])['Host'] == 'localhost:%d' % listener.port
        by_query = requests.post(sim.url + '/_sim/billing/generate?verify=false', json={'bunit': 22}, timeout=30).json()
        assert by_query['deliveries'][0]['status'] == 200
        assert listener.received[-1]['body'] == TRIGGER

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The billing_webhook event source, loaded the way ansible-rulebook loads it (eda_sources.load_source) and spoken
to over a real socket the way the portal speaks: Expect: 100-continue, the code in the query, a JSON body."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from ansible_collections.cloutility.cloutility.tests.unit.eda_sources import load_source, source_path

pytest.importorskip('aiohttp', reason='aiohttp comes with ansible-rulebook (tests/unit/requirements.txt installs it)')

SOURCE = source_path('billing_webhook')
CODE = 'Xy-7f3e9a1c-secret'
BODY = b'{"trigger":"new billing data available"}'


@pytest.fixture(scope='module')
def plugin():
    return load_source(SOURCE)


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _exchange(port, path, body=BODY, content_type='application/json; charset=utf-8', expect=True, method='POST',
              declared_length=None, expect_value='100-continue', pieces=1, chunked=False):
    """Send a request as the portal does; returns (interim status or None, final status, final body, body sent,
    whether the server closed the connection after its answer)."""
    with socket.create_connection(('127.0.0.1', port), timeout=5) as conn:
        head = ['%s %s HTTP/1.1' % (method, path), 'Host: invoicing.example.com', 'Content-Type: %s' % content_type]
        if chunked:
            head.append('Transfer-Encoding: chunked')
        else:
            head.append('Content-Length: %d' % (declared_length if declared_length is not None else len(body)))
        if expect:
            head.append('Expect: %s' % expect_value)
        wire = body
        if chunked:
            step = max(1, len(body) // 3)
            wire = b''.join(b'%x\r\n%s\r\n' % (len(body[i:i + step]), body[i:i + step]) for i in range(0, len(body), step)) + b'0\r\n\r\n'

        def send_body():
            step = max(1, len(wire) // pieces)
            for start in range(0, len(wire), step):
                conn.sendall(wire[start:start + step])
                if pieces > 1:
                    time.sleep(0.2)

        waits = expect and expect_value.lower() == '100-continue'
        conn.sendall(('\r\n'.join(head) + '\r\n\r\n').encode())
        if not waits:
            send_body()
        reader = conn.makefile('rb')
        status = int(reader.readline().split()[1])
        interim, sent = None, not waits
        if status == 100:
            interim = status
            reader.readline()  # the blank line after 100 Continue
            send_body()
            sent = True
            status = int(reader.readline().split()[1])
        length, closing = 0, False
        while True:
            line = reader.readline().strip()
            if not line:
                break
            name, _colon, value = line.decode().partition(':')
            if name.lower() == 'content-length':
                length = int(value)
            if name.lower() == 'connection' and value.strip().lower() == 'close':
                closing = True
        answer = json.loads(reader.read(length) or b'null')
        return interim, status, answer, sent, closing


async def _serve(plugin, args, exchanges):
    """Start the source with ``args``, run the blocking ``exchanges(port)`` in a thread, stop; the events queued."""
    queue = asyncio.Queue()
    port = _free_port()
    task = asyncio.create_task(plugin['main'](queue, dict(args, host='127.0.0.1', port=port)))
    for _attempt in range(100):
        await asyncio.sleep(0.05)
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            continue
    try:
        answers = await asyncio.to_thread(exchanges, port)
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return answers, events


def test_a_notification_with_the_right_code_is_one_event(plugin, caplog):
    caplog.set_level(logging.DEBUG)
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [
        _exchange(port, '/baas-report/?code=%s&bunit=Acme%%20Hosting' % CODE)]))
    assert answers == [(100, 200, {'status': 'accepted'}, True, False)]
    assert len(events) == 1
    event = events[0]
    assert event['payload'] == {'trigger': 'new billing data available'}
    assert event['meta']['endpoint'] == '/baas-report/'
    assert event['meta']['query'] == {'bunit': 'Acme Hosting'}     # the code is not passed on
    assert event['meta']['test'] is False and event['meta']['received_at'].endswith('Z')
    assert CODE not in caplog.text and CODE not in json.dumps(events)


@pytest.mark.parametrize('query, status', [('', 401), ('?code=', 401), ('?code=wrong', 403), ('?code=%s-and-more' % CODE, 403),
                                           ('?bunit=1&Code=%s' % CODE, 401)])
def test_a_missing_or_wrong_code_is_refused_before_the_body_and_makes_no_event(plugin, caplog, query, status):
    caplog.set_level(logging.DEBUG)
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [_exchange(port, '/baas-report/' + query)]))
    interim, final, body, sent, closing = answers[0]
    assert (interim, final, sent) == (None, status, False)   # no 100 Continue: the portal never sends the body
    assert body['status'] == status
    assert closing  # the body was never read: the connection cannot carry another request
    assert events == []
    assert CODE not in caplog.text


def test_without_expect_the_code_is_still_checked(plugin):
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [
        _exchange(port, '/x?code=nope', expect=False), _exchange(port, '/x?code=%s' % CODE, expect=False)]))
    assert [answer[1] for answer in answers] == [403, 200]
    assert len(events) == 1 and events[0]['meta']['endpoint'] == '/x'


def test_what_is_not_a_json_object_is_refused_politely(plugin):
    big = b'{"trigger": "' + b'x' * 200 + b'"}'
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE, max_body=100), lambda port: [
        _exchange(port, '/?code=%s' % CODE, body=b'hello', content_type='text/plain'),
        _exchange(port, '/?code=%s' % CODE, body=b'{"trigger": '),
        _exchange(port, '/?code=%s' % CODE, body=b'["trigger"]'),
        _exchange(port, '/?code=%s' % CODE, body=big),
        _exchange(port, '/?code=%s' % CODE, method='GET', expect=False, body=b''),
    ]))
    assert [answer[1] for answer in answers] == [415, 400, 400, 413, 405]
    assert answers[3][0] is None and answers[3][3] is False   # too big: refused before the body
    assert answers[0][0] is None and answers[0][3] is False   # not JSON: refused before the body too
    assert 'JSON' in answers[0][2]['message'] and 'object' in answers[2][2]['message']
    assert events == []


def test_the_test_button_is_marked(plugin):
    _answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [
        _exchange(port, '/?code=%s' % CODE, body=b'{"trigger":"test for new billing data available"}')]))
    assert [event['meta']['test'] for event in events] == [True]


def test_settings_are_checked_before_listening(plugin, monkeypatch):
    monkeypatch.delenv('CLOUTILITY_WEBHOOK_CODE', raising=False)
    with pytest.raises(ValueError, match='missing arguments: code.*CLOUTILITY_WEBHOOK_CODE'):
        plugin['settings']({}, environ={})
    assert plugin['settings']({}, environ={'CLOUTILITY_WEBHOOK_CODE': ' abc '})['code'] == 'abc'
    with pytest.raises(ValueError, match='certfile and keyfile go together'):
        plugin['settings'](dict(code='a', certfile='/x.pem'))
    with pytest.raises(ValueError, match='port must be'):
        plugin['settings'](dict(code='a', port=70000))
    with pytest.raises(ValueError, match='cannot be loaded'):
        plugin['settings'](dict(code='a', certfile='/nonexistent.pem', keyfile='/nonexistent.key'))


def test_https_with_certfile_and_keyfile(plugin, tmp_path):
    openssl = shutil.which('openssl')
    if openssl is None:
        pytest.skip('openssl is not installed')
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run([openssl, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(key), '-out', str(cert),
                    '-days', '1', '-subj', '/CN=127.0.0.1'], check=True, capture_output=True)

    def post(port):
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with socket.create_connection(('127.0.0.1', port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname='127.0.0.1') as conn:
                conn.sendall(b'POST /tls?code=' + CODE.encode() + b' HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                             b'Content-Length: %d\r\nConnection: close\r\n\r\n' % len(BODY) + BODY)
                answer = b''
                while True:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return answer
                    answer += chunk

    def exchanges(port):
        hello_never = socket.create_connection(('127.0.0.1', port), timeout=5)   # no TLS handshake at all
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        head_never = context.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=5), server_hostname='127.0.0.1')
        answer = post(port)
        started = time.monotonic()
        closed = [_closed_within(hello_never, 5)]
        try:
            closed.append(_closed_within(head_never, 5))
        except ssl.SSLError:
            closed.append(True)
        waited = time.monotonic() - started
        hello_never.close()
        head_never.close()
        return [answer, closed, waited]

    answers, events = asyncio.run(_serve(plugin, dict(code=CODE, certfile=str(cert), keyfile=str(key), head_timeout=1), exchanges))
    assert answers[0].startswith(b'HTTP/1.1 200')
    assert [event['meta']['endpoint'] for event in events] == ['/tls']
    assert answers[1] == [True, True] and answers[2] < 3   # over TLS too, the head timeout closes who shows no code


@pytest.mark.parametrize('expect_value', ['', 'something-else'])
def test_an_empty_or_other_expect_header_does_not_skip_the_code(plugin, expect_value):
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [
        _exchange(port, '/x', expect_value=expect_value), _exchange(port, '/x?code=wrong', expect_value=expect_value)]))
    assert [answer[1] for answer in answers] == [401, 403]
    assert events == []


def test_another_expectation_with_the_right_code_is_417(plugin):
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [
        _exchange(port, '/x?code=%s' % CODE, expect_value='something-else')]))
    assert answers[0][1] == 417 and events == []


def test_a_body_in_pieces_or_chunks_is_read_to_its_end(plugin):
    body = b'{"trigger": "new billing data available", "padding": "' + b'x' * 300 + b'"}'
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), lambda port: [
        _exchange(port, '/a?code=%s' % CODE, body=body, pieces=3),
        _exchange(port, '/b?code=%s' % CODE, body=body, expect=False, pieces=3),
        _exchange(port, '/c?code=%s' % CODE, body=body, chunked=True, pieces=2)]))
    assert [answer[1] for answer in answers] == [200, 200, 200]
    assert [event['meta']['endpoint'] for event in events] == ['/a', '/b', '/c']
    assert all(len(event['payload']['padding']) == 300 for event in events)


def test_a_body_over_the_cap_is_413_with_or_without_a_declared_length(plugin):
    big = b'{"trigger": "' + b'x' * 500 + b'"}'
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE, max_body=100), lambda port: [
        _exchange(port, '/?code=%s' % CODE, body=big, expect=False),
        _exchange(port, '/?code=%s' % CODE, body=big, chunked=True)]))
    assert [answer[1] for answer in answers] == [413, 413]
    assert events == []


def test_a_code_with_a_plus_is_compared_as_sent(plugin):
    code = 'a+b/c=='
    answers, events = asyncio.run(_serve(plugin, dict(code=code), lambda port: [
        _exchange(port, '/?code=a+b%2Fc%3D%3D'), _exchange(port, '/?code=a%20b%2Fc%3D%3D')]))
    assert [answer[1] for answer in answers] == [200, 403]
    assert len(events) == 1


def test_unknown_arguments_and_bad_numbers_are_refused(plugin):
    with pytest.raises(ValueError, match='unknown argument certfle'):
        plugin['settings'](dict(code='a', certfle='/x.pem'))
    with pytest.raises(ValueError, match='max_body must be'):
        plugin['settings'](dict(code='a', max_body=1))
    with pytest.raises(ValueError, match="port.*int"):
        plugin['settings'](dict(code='a', port='http'))


# ------------------------------------------------------------------ issue 29: the listener holds under abuse
def _closed_within(conn, seconds):
    """True when the server closes ``conn`` within ``seconds`` (end of file or reset), False when it is still open."""
    conn.settimeout(seconds)
    try:
        while True:
            if not conn.recv(4096):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def _wait_listening(port, proc=None, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError('the source stopped: %s' % proc.communicate()[1][-2000:])
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError('the source did not listen within %ss' % seconds)


CHILD = r"""
import asyncio, importlib.util, json, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
spec = importlib.util.spec_from_file_location('eda_source_under_test', sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

class Queue:
    async def put(self, event):
        print(json.dumps(event), flush=True)

asyncio.run(module.main(Queue(), dict(code=sys.argv[3], host='127.0.0.1', port=int(sys.argv[2]))))
"""


def test_300_idle_or_half_open_connections_with_256_files_do_not_starve_the_portal():
    """Issue 29: 300 connections that send nothing or half a head, in a listener allowed 256 open files (defaults
    only): the portal's notification is still answered at once, and makes its event."""
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    proc = subprocess.Popen([sys.executable, '-c', CHILD, SOURCE, str(port), CODE], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    idle = []
    try:
        _wait_listening(port, proc)
        for number in range(300):
            try:
                conn = socket.create_connection(('127.0.0.1', port), timeout=2)
            except OSError:
                continue
            idle.append(conn)
            if number % 2:
                conn.sendall(b'POST /cloutility/billing HTTP/1.1\r\nHost: invoicing.example.com\r\nContent-')
        time.sleep(0.5)
        answer = _exchange(port, '/cloutility/billing?code=%s' % CODE)   # 5 s at most for each step
        assert answer[:2] == (100, 200)
    finally:
        for conn in idle:
            conn.close()
        proc.kill()
        out, err = proc.communicate(timeout=10)
    assert [json.loads(line)['meta']['endpoint'] for line in out.splitlines()] == ['/cloutility/billing']
    assert CODE not in out + err


def test_a_connection_that_does_not_show_the_code_in_time_is_closed_and_the_portal_s_is_kept(plugin):
    def exchanges(port):
        silent = socket.create_connection(('127.0.0.1', port), timeout=5)
        slow = socket.create_connection(('127.0.0.1', port), timeout=5)
        slow.sendall(b'POST /x?code=%s HTTP/1.1\r\nHost: a\r\n' % CODE.encode())   # the code, but the head never ends
        portal = socket.create_connection(('127.0.0.1', port), timeout=5)
        request = (b'POST /p?code=%s HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n'
                   % (CODE.encode(), len(BODY)) + BODY)
        portal.sendall(request)
        first = portal.recv(4096)
        started = time.monotonic()
        closed = [_closed_within(silent, 5), _closed_within(slow, 5)]
        waited = time.monotonic() - started
        still_open = not _closed_within(portal, 0.5)   # shown the code: kept alive past the head timeout
        portal.sendall(request)
        second = portal.recv(4096)
        for conn in (silent, slow, portal):
            conn.close()
        return first, closed, waited, still_open, second

    (first, closed, waited, still_open, second), events = asyncio.run(_serve(plugin, dict(code=CODE, head_timeout=1), exchanges))
    assert first.startswith(b'HTTP/1.1 200') and second.startswith(b'HTTP/1.1 200')
    assert closed == [True, True] and waited < 3
    assert still_open
    assert len(events) == 2


def test_over_the_cap_the_oldest_connection_without_the_code_is_closed_at_once(plugin):
    def exchanges(port):
        idle = [socket.create_connection(('127.0.0.1', port), timeout=5) for _number in range(5)]
        time.sleep(0.3)
        closed = [_closed_within(conn, 0.5) for conn in idle]
        answer = _exchange(port, '/?code=%s' % CODE)
        closed.append([_closed_within(conn, 0.5) for conn in idle[2:]])
        for conn in idle:
            conn.close()
        return closed, answer

    (closed, answer), events = asyncio.run(_serve(plugin, dict(code=CODE, max_pending=3, head_timeout=60), exchanges))
    assert closed[:5] == [True, True, False, False, False]
    assert closed[5] == [True, False, False]   # the portal's connection pushed out the oldest left
    assert answer[:2] == (100, 200) and len(events) == 1


def test_an_unparseable_request_line_with_the_code_shows_it_nowhere(plugin, caplog):
    """Issue 29: a raw space after the right code: aiohttp cannot parse the line; it logged it at ERROR and echoed it
    in its 400 answer."""
    caplog.set_level(logging.DEBUG)

    def exchanges(port):
        answers = []
        for line in (b'POST /hook?code=%s x HTTP/1.1' % CODE.encode(), b'POST /hook?bunit=a b&code=%s HTTP/1.1' % CODE.encode(),
                     b'POST /hook?code=%s\x01 HTTP/1.1' % CODE.encode(), b'POST /hook?code=%s HTTP/1.1\r\nX Bad: 1' % CODE.encode()):
            with socket.create_connection(('127.0.0.1', port), timeout=5) as conn:
                conn.sendall(line + b'\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
                answer = b''
                while True:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                answers.append(answer)
        return answers

    answers, events = asyncio.run(_serve(plugin, dict(code=CODE), exchanges))
    assert events == []
    for answer in answers:
        assert answer.startswith(b'HTTP/1.1 400') or answer.startswith(b'HTTP/1.0 400'), answer
        assert CODE.encode() not in answer
        assert json.loads(answer.split(b'\r\n\r\n', 1)[1])['message'].startswith('The request could not be read as HTTP')
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors and 'code=***' in caplog.text   # aiohttp's error is still told, without the code
    assert CODE not in caplog.text


@pytest.mark.parametrize('depth, status', [(30000, 400), (101, 400), (100, 200)])
def test_a_body_nested_too_deep_is_400_without_a_traceback(plugin, caplog, depth, status):
    caplog.set_level(logging.DEBUG)
    body = b'{"trigger": "new billing data available", "x": ' + b'[' * (depth - 1) + b']' * (depth - 1) + b'}'
    answers, events = asyncio.run(_serve(plugin, dict(code=CODE, max_body=len(body) + 10), lambda port: [
        _exchange(port, '/?code=%s' % CODE, body=body)]))
    assert answers[0][1] == status
    if status == 400:
        assert answers[0][2]['message'] == 'The body is nested more than 100 deep' and events == []
    else:
        assert len(events) == 1
    assert 'Traceback' not in caplog.text and 'RecursionError' not in caplog.text


@pytest.mark.parametrize('args, problem', [
    (dict(port=True), 'port must be a number, not a boolean'),
    (dict(port=[5000]), 'port must be a number, not a list'),
    (dict(max_body=False), 'max_body must be a number, not a boolean'),
    (dict(host=['0.0.0.0']), 'host must be a string, not a list'),
    (dict(certfile=True, keyfile='/k.pem'), 'certfile must be a string, not a boolean'),
    (dict(head_timeout=0), 'head_timeout must be from 0.1 to 300, not 0'),
    (dict(head_timeout='soon'), 'head_timeout'),
    (dict(max_pending=0), 'max_pending must be from 1 to 10000, not 0'),
    (dict(max_pending=True), 'max_pending must be a number, not a boolean'),
    (dict(code=['a']), 'code must be a string, not a list'),
    (dict(code=True), 'code must be a string, not a boolean'),
])
def test_arguments_are_checked_like_a_module_s_options(plugin, args, problem):
    """Issue 29, item 7: port: true listened on port 1; every argument goes through checked_settings."""
    given = dict(dict(code=CODE), **args)
    with pytest.raises(ValueError) as caught:
        plugin['settings'](given, environ={})
    assert problem in str(caught.value)
    assert CODE not in str(caught.value)


def test_new_arguments_have_sane_defaults_and_the_code_may_come_from_the_environment(plugin):
    config = plugin['settings'](dict(port='5001'), environ={'CLOUTILITY_WEBHOOK_CODE': CODE})
    assert (config['port'], config['code'], config['head_timeout'], config['max_pending']) == (5001, CODE, 10.0, 64)
    assert plugin['settings'](dict(code=' ', head_timeout=2.5), environ={'CLOUTILITY_WEBHOOK_CODE': CODE})['head_timeout'] == 2.5


def test_a_cap_near_the_open_file_limit_is_warned_of(plugin, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    monkeypatch.setitem(plugin, '_open_file_limit', lambda: 100)
    asyncio.run(_serve(plugin, dict(code=CODE), lambda port: None))
    assert 'max_pending 64 is more than half the open-file limit of this process (100)' in caplog.text
    caplog.clear()
    monkeypatch.setitem(plugin, '_open_file_limit', lambda: 1024)
    asyncio.run(_serve(plugin, dict(code=CODE), lambda port: None))
    assert 'open-file limit' not in caplog.text and 'at most 64 connections without the code' in caplog.text

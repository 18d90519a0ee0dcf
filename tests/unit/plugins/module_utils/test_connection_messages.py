# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Missing connection options are named with what sets them; an empty CLOUTILITY_* variable counts as unset."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import ansible_collections
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import (
    CONNECTION_ENV,
    connection_argument_spec,
    env_setting,
    missing_connection_message,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client

MODULE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'modules', 'cloutility_bunit_info.py')


def _run_module(args, **env):
    """cloutility_bunit_info as Ansible runs a module: its file, its arguments in a file; the answer's JSON."""
    roots = [os.path.dirname(path) for path in ansible_collections.__path__]
    environment = dict((key, value) for key, value in os.environ.items() if not key.startswith('CLOUTILITY_'))
    environment.update(env, PYTHONPATH=os.pathsep.join(roots + [environment.get('PYTHONPATH', '')]))
    done = subprocess.run([sys.executable, MODULE, json.dumps({'ANSIBLE_MODULE_ARGS': args})], env=environment,
                          capture_output=True, text=True, check=False, timeout=120)
    return json.loads(done.stdout[done.stdout.index('{'):])


def test_missing_options_are_named_with_their_environment_variables_and_the_role_variable():
    result = _run_module({'bunit': 'Customers'}, CLOUTILITY_API_URL='http://127.0.0.1:9', CLOUTILITY_CLIENT_ID='x',
                         CLOUTILITY_USERNAME='u')
    assert result['failed']
    message = result['msg']
    assert message.startswith('missing required arguments: ') and 'origin' in message and 'password' in message
    assert 'CLOUTILITY_ORIGIN, CLOUTILITY_PASSWORD' in message and 'onboard_connection' in message and 'module_defaults' in message
    assert 'CLOUTILITY_API_URL' not in message  # only what is missing


def test_an_empty_variable_counts_as_unset():
    """A credential type injects '' for a field left blank: the default applies, not 'unable to convert to int'."""
    result = _run_module({'bunit': 'Customers'}, CLOUTILITY_RETRIES='', CLOUTILITY_TIMEOUT=' ', CLOUTILITY_API_URL='')
    assert 'convert' not in result['msg'] and 'api_url' in result['msg'] and 'CLOUTILITY_API_URL' in result['msg']


def test_env_setting(monkeypatch):
    monkeypatch.setenv('CLOUTILITY_RETRIES', '7')
    assert env_setting('CLOUTILITY_RETRIES') == '7'
    monkeypatch.setenv('CLOUTILITY_RETRIES', '')
    with pytest.raises(Exception) as raised:
        env_setting('CLOUTILITY_RETRIES')
    assert type(raised.value).__name__ == 'AnsibleFallbackNotFound'


def test_every_connection_option_has_its_variable_and_other_messages_pass_untouched():
    assert sorted(CONNECTION_ENV) == sorted(connection_argument_spec())
    assert all(spec['fallback'][1] == [CONNECTION_ENV[name]] for name, spec in connection_argument_spec().items())
    assert missing_connection_message('missing required arguments: name') == 'missing required arguments: name'
    assert missing_connection_message('value of state must be one of: present, absent') == 'value of state must be one of: present, absent'


# ------------------------------------------------------------------ issue 29: credentials never in the URL
SECRET = 'Url-Passw0rd-7'
LOGIN = dict(client_id='c', origin='https://o.example.com', username='u', password='p')


@pytest.fixture
def listener():
    """A socket that accepts nothing: whether a connection came shows whether anything was sent."""
    import socket  # pylint: disable=import-outside-toplevel
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _connected(sock):
    try:
        conn, _address = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def test_a_password_in_api_url_is_refused_by_the_module_before_any_request(listener):
    """Measured: api_url https://user:pass@host/v1 was accepted and the password printed in the module's message."""
    url = 'http://someone:%s@127.0.0.1:%d/v1' % (SECRET, listener.getsockname()[1])
    result = _run_module({'bunit': 'Customers', 'api_url': url, 'client_id': 'c', 'origin': 'https://o.example.com',
                          'username': 'u', 'password': 'Login-Passw0rd', 'timeout': 1, 'retries': 0, 'token_cache': False})
    assert result['failed']
    assert result['msg'].startswith('api_url must not hold a user name or password')
    assert 'put the user in username and the password in password' in result['msg']
    assert SECRET not in json.dumps(result)
    assert not _connected(listener)


def test_a_password_in_the_url_variable_is_refused_too(listener):
    url = 'http://someone:%s@127.0.0.1:%d' % (SECRET, listener.getsockname()[1])
    result = _run_module({'bunit': 'Customers', 'timeout': 1, 'retries': 0, 'token_cache': False}, CLOUTILITY_API_URL=url,
                         CLOUTILITY_CLIENT_ID='c', CLOUTILITY_ORIGIN='https://o.example.com', CLOUTILITY_USERNAME='u',
                         CLOUTILITY_PASSWORD='Login-Passw0rd')
    assert result['failed'] and 'api_url must not hold a user name or password' in result['msg']
    assert SECRET not in json.dumps(result) and not _connected(listener)


@pytest.mark.parametrize('url, problem', [
    ('https://someone:%s@portal.example.net/v1' % SECRET, 'api_url must not hold a user name or password'),
    ('https://%s@portal.example.net' % SECRET, 'api_url must not hold a user name or password'),
    ('someone:%s@portal.example.net/v1' % SECRET, 'api_url must not hold a user name or password'),
    ('portal.example.net/v1', "api_url must start with http:// or https://, got 'portal.example.net/v1'"),
    ('ftp://portal.example.net/v1', 'api_url must start with http:// or https://'),
    ('https:///v1', "api_url has no host, got 'https:///v1'"),
    ('https://portal.example.net/v1?key=%s' % SECRET, 'api_url must not have a query'),
    ('https://portal.example.net/v1#top', 'api_url must not have a fragment'),
    ('https://portal.example.net:99999/v1', 'api_url has no valid port'),
])
def test_the_url_rule_is_on_the_option_for_every_entry_point(url, problem):
    """connection_settings / checked_settings (the event sources, the inventory plugin) and the client itself refuse it."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import connection_settings  # pylint: disable=import-outside-toplevel
    from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (  # pylint: disable=import-outside-toplevel
        CloutilityClient, CloutilityError)
    options, problems = connection_settings(dict(LOGIN, api_url=url), environ={})
    assert [p for p in problems if p.startswith(problem)], problems
    assert SECRET not in ' '.join(problems) or 'query' in problem
    with pytest.raises(CloutilityError) as raised:
        CloutilityClient(url, token_cache=False, **LOGIN)
    assert str(raised.value).startswith(problem)
    if 'query' not in problem:
        assert SECRET not in str(raised.value)


def test_good_urls_pass():
    from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import connection_settings  # pylint: disable=import-outside-toplevel
    for url in ('https://portal.example.net', 'http://127.0.0.1:8080/v1/', 'https://portal.example.net/api/v1', ' https://P.example.net/V1 '):
        assert connection_settings(dict(LOGIN, api_url=url), environ={})[1] == []


def test_no_message_ever_prints_a_url_with_a_password():
    """The second line of defence: every URL an error names goes through the one redaction (api_client.redact_url)."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (  # pylint: disable=import-outside-toplevel
        CloutilityApiError, CloutilityBadAnswer, redact_url)
    url = 'https://someone:%s@portal.example.net/v1/bunits' % SECRET
    for error in (CloutilityApiError('GET', '/v1/bunits', 503, 'down', url=url),
                  CloutilityApiError('GET', '/v1/bunits', reason='connection to %s failed' % url, url=url),
                  CloutilityBadAnswer('GET', '/v1/bunits', 200, problem='an HTML page', url=url)):
        assert SECRET not in str(error) and SECRET not in json.dumps(error.as_result())
        assert 'https://***@portal.example.net/v1/bunits' in str(error)
    assert redact_url('GET http://a:b@c@h:1/x and https://h/y') == 'GET http://***@h:1/x and https://h/y'


@pytest.mark.parametrize('url, secrets', [
    ('https://someone:Url-Passw0rd-7@portal.example.net/v1', {'someone:Url-Passw0rd-7', 'Url-Passw0rd-7'}),
    ('https://someone:p%40ss@portal.example.net/v1', {'someone:p%40ss', 'p%40ss', 'someone:p@ss', 'p@ss'}),
    ('https://token@portal.example.net/v1', {'token'}),
    ('https://portal.example.net/v1', set()),
    (None, set()),
])
def test_the_secrets_of_a_url_are_the_ones_redact_url_hides(url, secrets):
    assert api_client.url_secrets(url) == secrets
    if url:
        assert not any(secret in api_client.redact_url(url) for secret in secrets)

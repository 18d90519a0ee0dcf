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

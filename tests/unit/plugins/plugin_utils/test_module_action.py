# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin base that runs a module's main() in the controller process."""

from __future__ import annotations

import os
import sys
import types
from unittest.mock import MagicMock

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import ModuleAction

ENV_KEY = 'CLOUTILITY_TEST_MODULE_ACTION'


def fake_module_main():
    module = AnsibleModule(argument_spec=dict(
        name=dict(type='str', required=True),
        count=dict(type='int', default=1),
        secret=dict(type='str', no_log=True),
        from_env=dict(type='str', fallback=(lambda *keys: os.environ[keys[0]] if keys[0] in os.environ else None, [ENV_KEY])),
        crash=dict(type='bool', default=False),
    ), supports_check_mode=True)
    if module.params['crash']:
        raise ValueError('unexpected')
    if module.params['name'] == 'fail':
        module.fail_json(msg='failed as asked, secret %s' % module.params['secret'])
    module.exit_json(changed=not module.check_mode, name=module.params['name'], count=module.params['count'],
                     echo=module.params['secret'], from_env=module.params['from_env'])


def make_action(args, environment=None, check_mode=False, transport='local', become=False, async_val=0):
    task = MagicMock()
    task.args = args
    task.action = 'cloutility.cloutility.fake'
    task.environment = environment
    task.async_val = async_val
    task.check_mode = check_mode
    connection = MagicMock()
    connection.transport = transport
    play_context = MagicMock()
    play_context.become = become
    templar = MagicMock()
    templar.template.side_effect = lambda value: value
    action = ModuleAction(task, connection, play_context, loader=MagicMock(), templar=templar, shared_loader_obj=MagicMock())
    action.MODULE = types.SimpleNamespace(main=fake_module_main)

    def update_module_args(module_name, module_args, task_vars):
        # The keys ActionBase adds that AnsibleModule reads; the rest depend on a real connection.
        module_args.update(_ansible_check_mode=check_mode, _ansible_no_log=False, _ansible_diff=False,
                           _ansible_module_name=module_name, _ansible_verbosity=0, _ansible_tracebacks_for=[])

    action._update_module_args = update_module_args
    return action


def test_result_is_parsed_and_secrets_masked():
    data = make_action({'name': 'web01', 'count': '3', 'secret': 'S3cret-value'})._run_in_process({})
    assert data['changed'] is True
    assert data['name'] == 'web01'
    assert data['count'] == 3  # converted by the argument spec, as in a module process
    assert 'S3cret-value' not in repr(data)
    assert data['invocation']['module_args']['secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_check_mode_reaches_the_module():
    assert make_action({'name': 'web01'}, check_mode=True)._run_in_process({})['changed'] is False


def test_failure_is_a_result_and_masks_secrets():
    data = make_action({'name': 'fail', 'secret': 'S3cret-value'})._run_in_process({})
    assert data['failed'] is True
    assert data['msg'].startswith('failed as asked')
    assert 'S3cret-value' not in repr(data)


def test_bad_arguments_fail_like_a_module():
    data = make_action({'count': 2})._run_in_process({})
    assert data['failed'] is True
    assert 'missing required arguments: name' in data['msg']


def test_a_crash_is_a_failure_not_an_exception():
    data = make_action({'name': 'x', 'crash': True})._run_in_process({})
    assert data['failed'] is True
    assert 'ValueError: unexpected' in data['msg']


def test_task_environment_is_seen_and_put_back(monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    data = make_action({'name': 'x'}, environment=[{ENV_KEY: 'from-task'}])._run_in_process({})
    assert data['from_env'] == 'from-task'
    assert ENV_KEY not in os.environ
    monkeypatch.setenv(ENV_KEY, 'outer')
    make_action({'name': 'x'}, environment=[{ENV_KEY: 'from-task'}])._run_in_process({})
    assert os.environ[ENV_KEY] == 'outer'


def test_arguments_do_not_leak_between_runs():
    make_action({'name': 'first', 'count': 7})._run_in_process({})
    assert make_action({'name': 'second'})._run_in_process({})['count'] == 1


@pytest.mark.parametrize('kwargs, task_vars, reason', [
    (dict(), {}, None),
    (dict(transport='ssh'), {}, 'over the ssh connection'),
    (dict(become=True), {}, 'become'),
    (dict(async_val=30), {}, 'async'),
    (dict(), {'cloutility_in_process': 'false'}, 'cloutility_in_process is false'),
])
def test_when_it_runs_in_process(kwargs, task_vars, reason, monkeypatch):
    monkeypatch.setattr(sys, 'platform', 'linux')
    found = make_action({'name': 'x'}, **kwargs)._not_in_process_because(task_vars)
    if reason is None:
        assert found is None
    else:
        assert reason in found


def test_macos_runs_modules_as_processes_unless_asked(monkeypatch):
    monkeypatch.setattr(sys, 'platform', 'darwin')
    assert 'macOS' in make_action({'name': 'x'})._not_in_process_because({})
    assert make_action({'name': 'x'})._not_in_process_because({'cloutility_in_process': True}) is None

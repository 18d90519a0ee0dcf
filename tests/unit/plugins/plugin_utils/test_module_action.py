# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin base that runs a module's main() in the controller process."""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
from unittest.mock import MagicMock

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.release import __version__ as ansible_version

from ansible_collections.cloutility.cloutility.plugins.modules import cloutility_api
from ansible_collections.cloutility.cloutility.plugins.plugin_utils import module_action
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import ModuleAction

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))

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
                           _ansible_module_name=module_name, _ansible_verbosity=0)
        if module_action.PROTOCOL.name == 'profile':
            module_args.update(_ansible_tracebacks_for=[])  # ansible-core 2.19+
        if 'inject_invocation' in PASS_VARS:
            module_args.update(_ansible_inject_invocation=True)  # ansible-core 2.21+: the default of INJECT_INVOCATION

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


def test_a_long_wait_of_the_module_is_one_line_at_v_while_it_runs_in_process(monkeypatch):
    """The module's client tells its long waits to the wait hook; run in-process, the hook is Ansible's -v output."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client

    shown = []
    monkeypatch.setattr(module_action.display, 'v', lambda msg, host=None: shown.append((host, msg)))

    def waiting_main():
        api_client.CloutilityClient('https://portal.example.com', 'c', 'https://o', 'u', 'p', token_cache=False)._tell_wait(
            8.0, 'GET https://portal.example.com/v1/bunits', 'HTTP 503', 3, 6)
        fake_module_main()

    action = make_action({'name': 'web01'})
    action.MODULE = types.SimpleNamespace(main=waiting_main)
    assert action._run_in_process({'inventory_hostname': 'web01'})['name'] == 'web01'
    assert shown == [('web01', 'Cloutility: waiting 8.0 s before retrying GET https://portal.example.com/v1/bunits (HTTP 503, try 3 of 6)')]
    assert api_client._WAIT_HOOK is None, 'put back after the module ran'


def test_arguments_do_not_leak_between_runs():
    make_action({'name': 'first', 'count': 7})._run_in_process({})
    assert make_action({'name': 'second'})._run_in_process({})['count'] == 1


@pytest.mark.parametrize('kwargs, task_vars, reason', [
    (dict(), {}, None),
    (dict(transport='ssh'), {}, 'over the ssh connection'),
    (dict(become=True), {}, 'become'),
    (dict(async_val=30), {}, 'async'),
    (dict(), {'cloutility_in_process': 'false'}, 'cloutility_in_process is false'),
    (dict(), {'cloutility_in_process': False, 'environment': 'true'}, 'cloutility_in_process is false'),
    (dict(), {'environment': 'no'}, 'CLOUTILITY_IN_PROCESS is false'),
    (dict(), {'environment': 'yes'}, None),
    (dict(), {'cloutility_in_process': True, 'environment': 'false'}, None),
])
def test_when_it_runs_in_process(kwargs, task_vars, reason, monkeypatch):
    """The task variable decides; without it the environment variable CLOUTILITY_IN_PROCESS (AWX, an EE) does."""
    monkeypatch.setattr(sys, 'platform', 'linux')
    task_vars = dict(task_vars)
    if 'environment' in task_vars:
        monkeypatch.setenv(module_action.ENV_IN_PROCESS, task_vars.pop('environment'))
    else:
        monkeypatch.delenv(module_action.ENV_IN_PROCESS, raising=False)
    found = make_action({'name': 'x'}, **kwargs)._not_in_process_because(task_vars)
    if reason is None:
        assert found is None
    else:
        assert reason in found


def test_macos_runs_modules_as_processes_unless_asked(monkeypatch):
    monkeypatch.setattr(sys, 'platform', 'darwin')
    assert 'macOS' in make_action({'name': 'x'})._not_in_process_because({})
    assert make_action({'name': 'x'})._not_in_process_because({'cloutility_in_process': True}) is None


def test_the_in_process_interface_of_this_ansible_core_is_known():
    """2.16 to 2.18 read JSON bytes from basic._ANSIBLE_ARGS; 2.19 and later add a serialization profile. The round trip
    at load time found it on every supported release."""
    major_minor = tuple(int(part) for part in ansible_version.split('.')[:2])
    assert module_action.PROTOCOL_PROBLEM is None
    assert module_action.PROTOCOL.name == ('profile' if major_minor >= (2, 19) else 'json')
    assert hasattr(basic, '_ANSIBLE_PROFILE') is (module_action.PROTOCOL.name == 'profile')


def test_module_args_encoding():
    payload = module_action.PROTOCOL.encode({'name': 'x', 'count': 2, '_ansible_check_mode': True})
    assert json.loads(payload.decode('utf-8')) == {'ANSIBLE_MODULE_ARGS': {'name': 'x', 'count': 2, '_ansible_check_mode': True}}


def test_unknown_ansible_core_internals_run_the_module_as_usual(monkeypatch):
    """With internals this collection does not know, the task never fails because of them: it runs as a module."""
    monkeypatch.setattr(sys, 'platform', 'linux')
    monkeypatch.setattr(module_action, 'PROTOCOL', None)
    monkeypatch.setattr(module_action, 'PROTOCOL_PROBLEM', 'the in-process round trip failed (ImportError: gone)')
    messages = []
    monkeypatch.setattr(module_action.display, 'vvv', lambda msg, host=None: messages.append(msg))
    action = make_action({'name': 'x'})
    assert action._not_in_process_because({}) == 'ansible-core %s: the in-process round trip failed (ImportError: gone)' % ansible_version
    action._execute_module = MagicMock(return_value=dict(changed=False, ran='as a module'))
    action._remove_tmp_path = MagicMock()
    action.MODULE = types.SimpleNamespace(main=MagicMock(side_effect=AssertionError('must not run in-process')))
    result = action.run(task_vars={})
    assert result['ran'] == 'as a module'
    action._execute_module.assert_called_once_with(task_vars={}, wrap_async=False)
    assert messages == ['cloutility: running cloutility.cloutility.fake as a module (ansible-core %s: the in-process round '
                        'trip failed (ImportError: gone))' % ansible_version]


def test_in_process_run_says_so(monkeypatch):
    monkeypatch.setattr(sys, 'platform', 'linux')
    messages = []
    monkeypatch.setattr(module_action.display, 'vvv', lambda msg, host=None: messages.append(msg))
    action = make_action({'name': 'web01'})
    action._execute_module = MagicMock(side_effect=AssertionError('must run in-process'))
    result = action.run(task_vars={})
    assert result['name'] == 'web01' and result['changed'] is True
    assert messages == ['cloutility: running cloutility.cloutility.fake in the controller process']


def routed_action(resolved_fqcn):
    action = make_action({'name': 'x'})
    action.MODULE = None
    action._shared_loader_obj = MagicMock()
    action._shared_loader_obj.module_loader.find_plugin_with_context.return_value = MagicMock(resolved=True, resolved_fqcn=resolved_fqcn)
    return action


def test_the_runner_imports_the_module_the_task_names():
    assert routed_action('cloutility.cloutility.cloutility_api')._module() is cloutility_api


def test_the_runner_refuses_other_collections_modules():
    with pytest.raises(Exception, match='runs only modules of cloutility.cloutility, not community.general.foo'):
        routed_action('community.general.foo')._module()


def test_every_module_is_routed_to_an_action_plugin():
    """A module without routing (and without its own action plugin) would silently lose the in-process runner."""
    with open(os.path.join(COLLECTION_ROOT, 'meta', 'runtime.yml')) as handle:
        routing = yaml.safe_load(handle).get('plugin_routing', {}).get('modules', {})
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(COLLECTION_ROOT, 'plugins', 'modules'))
                     if name.endswith('.py') and not name.startswith('_'))
    own_action = set(name[:-3] for name in os.listdir(os.path.join(COLLECTION_ROOT, 'plugins', 'action')))
    assert 'cloutility_api' in own_action and 'cloutility_api' not in routing
    assert len(modules) > 1
    for name in modules:
        if name not in own_action:
            assert routing.get(name, {}).get('action_plugin') == 'cloutility.cloutility.cloutility_api', name


def test_the_runner_plugin_preloads_every_module(monkeypatch):
    """The controller loads the action plugin before it forks a task's worker: the modules must be imported by then."""
    prefix = module_action.MODULES_PACKAGE + '.'
    for name in [name for name in sys.modules if name.startswith(prefix)]:
        monkeypatch.delitem(sys.modules, name)
    import ansible_collections.cloutility.cloutility.plugins.action as action_package  # pylint: disable=import-outside-toplevel
    importlib.reload(action_package)  # what the controller's first look-up of one of the collection's action plugins runs
    loaded = set(name[len(prefix):] for name in sys.modules if name.startswith(prefix))
    assert set(['cloutility_api', 'cloutility_bunit', 'cloutility_node_info']) <= loaded


@pytest.mark.parametrize('value, runs_in_process', [('{{ wanted }}', False), ('{{ other }}', True)])
def test_a_templated_cloutility_in_process_is_templated_first(value, runs_in_process, monkeypatch):
    """Task variables reach an action plugin untemplated: "{{ wanted }}" (false) must not read as a string."""
    monkeypatch.setattr(sys, 'platform', 'linux')
    monkeypatch.delenv(module_action.ENV_IN_PROCESS, raising=False)
    action = make_action({'name': 'x'})
    action._templar.template.side_effect = {'{{ wanted }}': False, '{{ other }}': 'yes'}.get
    found = action._not_in_process_because({'cloutility_in_process': value})
    assert (found is None) is runs_in_process
    action._templar.template.assert_called_with(value)

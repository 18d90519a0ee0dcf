# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two halves of the one home of ansible-core's private details (plugin_utils/ansible_compat.py, the controller's;
module_utils/ansible_compat.py, the modules'), on the release under test.

The units steps run this file with every supported ansible-core (2.16 to 2.21): a release that changes one of these
details fails here, by name, before any user meets it.
"""

from __future__ import annotations

import os
import re
import types
from unittest.mock import MagicMock

import pytest

from ansible.inventory.manager import InventoryManager
from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ansible_version
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.cloutility.cloutility.plugins.module_utils import ansible_compat as module_compat
from ansible_collections.cloutility.cloutility.plugins.plugin_utils import ansible_compat

PLUGINS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins'))

RELEASE = tuple(int(part) for part in ansible_version.split('.')[:2])


def test_the_round_trip_finds_this_release_protocol():
    protocol, problem = ansible_compat.in_process_protocol()
    assert problem is None
    assert protocol.name == ('profile' if RELEASE >= (2, 19) else 'json')


def test_a_release_whose_details_differ_makes_the_runner_step_aside(monkeypatch):
    """Whatever breaks (a name gone, an answer of another shape), the round trip says so instead of raising."""
    monkeypatch.delattr(basic, '_ANSIBLE_ARGS')
    protocol, problem = ansible_compat.in_process_protocol()
    assert protocol is None
    assert problem == 'the in-process round trip failed (AttributeError: ansible.module_utils.basic has no _ANSIBLE_ARGS)'


def test_a_parser_that_answers_differently_fails_the_round_trip(monkeypatch):
    monkeypatch.setattr(ansible_compat.InProcessProtocol, 'parse', lambda *args: dict(changed=False, text='something else'))
    protocol, problem = ansible_compat.in_process_protocol()
    assert protocol is None and problem.startswith('the in-process round trip gave ')


def test_a_parser_that_raises_fails_the_round_trip(monkeypatch):
    def broken(*args):
        raise TypeError('takes 2 positional arguments but 3 were given')
    monkeypatch.setattr(ActionBase, '_parse_returned_data', broken)
    protocol, problem = ansible_compat.in_process_protocol()
    assert protocol is None
    assert problem == 'the in-process round trip failed (TypeError: takes 2 positional arguments but 3 were given)'


def module_returning(**result):
    def main():
        module = AnsibleModule(argument_spec=dict(name=dict(type='str'), secret=dict(type='str', no_log=True)),
                               supports_check_mode=True)
        module.exit_json(**dict(result, name=module.params['name']))
    return main


def test_a_module_result_is_cleaned_as_ansible_core_cleans_it():
    """A "results" that is not a loop's list is renamed as ansible-core renames it for an ordinary module (so a module
    that returned one would differ between the two paths: none of the collection's modules do); internal keys go."""
    protocol, dummy = ansible_compat.in_process_protocol()
    data = ansible_compat.run_module_main(protocol, module_returning(changed=True, results=dict(a=1), _ansible_no_log=False),
                                          dict(name='x', secret='S3cret', _ansible_no_log=False))
    assert data['changed'] is True and data['name'] == 'x'
    assert 'results' not in data or RELEASE >= (2, 21)  # 2.21 keeps it beside the copy
    assert data['ansible_module_results'] == dict(a=1)
    assert '_ansible_no_log' not in data  # the module returned it: Ansible drops it
    assert 'S3cret' not in repr(data)


def test_arguments_are_put_back_after_a_run():
    protocol, dummy = ansible_compat.in_process_protocol()
    before = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
    ansible_compat.run_module_main(protocol, module_returning(changed=False), dict(name='y'))
    assert basic._ANSIBLE_ARGS is before  # pylint: disable=protected-access


def _warning_module(text):
    """A module that returns the warnings it found already made when it started, then warns."""
    def main():
        from ansible.module_utils.common.warnings import get_warning_messages

        module = AnsibleModule(argument_spec=dict(name=dict(type='str')), supports_check_mode=True)
        seen = [str(message) for message in get_warning_messages()]
        module.warn(text)
        module.exit_json(changed=False, seen=seen)
    return main


def test_each_run_starts_with_no_warnings_and_puts_the_workers_back():
    """A loop's items run in one worker: an item must not show the warnings of the items before it (a module process
    starts with none), and the worker's own warnings are put back afterwards. Up to 2.18 the store is a module global
    never cleared (this fails there without ``own_module_messages``); from 2.19 a warning on the controller is shown at
    once and never stored."""
    from ansible.module_utils.common import warnings as module_warnings

    protocol, dummy = ansible_compat.in_process_protocol()
    module_warnings.warn('the worker warned before')
    before = list(module_warnings.get_warning_messages())
    first = ansible_compat.run_module_main(protocol, _warning_module('item one warns'), dict(name='a'))
    second = ansible_compat.run_module_main(protocol, _warning_module('item two warns'), dict(name='b'))
    assert first['seen'] == [] and second['seen'] == []
    assert list(module_warnings.get_warning_messages()) == before


class RecordingModule(module_compat.RecordsGivenParams, AnsibleModule):
    pass


def test_the_options_as_given_are_recorded_before_conversion():
    protocol, dummy = ansible_compat.in_process_protocol()
    seen = {}

    def main():
        module = RecordingModule(argument_spec=dict(name=dict(type='str'), count=dict(type='int')))
        seen.update(given=module.given_params, params=module.params)
        module.exit_json(changed=False)

    ansible_compat.run_module_main(protocol, main, dict(name=dict(a=1), count='3'))
    assert seen['given']['name'] == dict(a=1) and seen['given']['count'] == '3'
    assert seen['params']['name'] == "{'a': 1}" and seen['params']['count'] == 3


@pytest.mark.parametrize('diff', [True, False])
def test_diff_mode(diff):
    protocol, dummy = ansible_compat.in_process_protocol()

    def main():
        module = AnsibleModule(argument_spec={}, supports_check_mode=True)
        module.exit_json(changed=False, diff_mode=module_compat.diff_mode(module))

    assert ansible_compat.run_module_main(protocol, main, dict(_ansible_diff=diff))['diff_mode'] is diff
    assert module_compat.diff_mode(types.SimpleNamespace()) is False


def test_the_variables_of_other_hosts(tmp_path):
    inventory_file = tmp_path / 'hosts.ini'
    inventory_file.write_text('web01 colour=blue\nweb02\n')
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(inventory_file)])
    manager = VariableManager(loader=loader, inventory=inventory)
    found_manager, found_inventory = ansible_compat.play_hosts_variables(HostVars(inventory, manager, loader))
    assert found_manager is manager and found_inventory is inventory
    host = found_inventory.get_host('web01')
    assert found_manager.get_vars(host=host)['colour'] == 'blue'
    assert ansible_compat.play_hosts_variables(MagicMock(spec=[])) == (None, None)
    assert ansible_compat.play_hosts_variables(None) == (None, None)


PRIVATE = re.compile(r'_ANSIBLE_ARGS|_ANSIBLE_PROFILE|remove_internal_keys|_parse_returned_data|_variable_manager|'
                     r'hostvars\._inventory|_load_params|\b\w+\._diff\b|ansible\.vars\.clean|get_module_encoder')


def test_private_names_of_ansible_core_appear_in_the_compat_module_only():
    """A private detail named anywhere else would break unseen on the next release (2.21 removed remove_internal_keys)."""
    offenders = []
    for folder, dummy, files in os.walk(PLUGINS):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith('.py') or name == 'ansible_compat.py':
                continue
            with open(path, encoding='utf-8') as handle:
                for number, line in enumerate(handle, 1):
                    if PRIVATE.search(line):
                        offenders.append('%s:%d: %s' % (os.path.relpath(path, PLUGINS), number, line.strip()))
    assert offenders == []


def test_the_compat_module_imports_where_modules_run():
    """Modules import it on the managed host too: no controller import at load time."""
    with open(module_compat.__file__, encoding='utf-8') as handle:
        top_level = [line for line in handle if line.startswith(('import ', 'from '))]
    assert [line for line in top_level if 'ansible.module_utils' not in line and 'ansible_collections' not in line
            and not line.startswith('from __future__')] == []

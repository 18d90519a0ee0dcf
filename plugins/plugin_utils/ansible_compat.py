# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every private name of ansible-core that the collection touches on the controller, in one place, each access guarded.

ansible-core changes its private details between releases (2.19 added serialization profiles, 2.21 removed
``ansible.vars.clean.remove_internal_keys`` and returns module results as objects). The rest of the collection calls
the functions here and never names a private detail itself, so a new release breaks one file, and the unit tests of
this file say where (tests/unit/plugins/plugin_utils/test_ansible_compat.py, on every release). The module side's
private names (``AnsibleModule._load_params``, ``_diff``) are in plugins/module_utils/ansible_compat.py: ansible-test
lets module_utils import nothing of the controller.

:func:`in_process_protocol` decides whether a module's ``main()`` can run in the controller's worker process (the
in-process runner, plugins/plugin_utils/module_action.py) by exercising the whole protocol once: arguments encoded as
ansible-core encodes them, read by a real ``AnsibleModule``, its output parsed and cleaned as
``ActionBase._execute_module`` does. Any failure makes the runner step aside for the ordinary module path and say why.
:func:`play_hosts_variables` gives the onboard role's settings task the variables of every host of the play.
"""

from __future__ import annotations

import contextlib
import io
import json
import types

from ansible.module_utils import basic
from ansible.plugins.action import ActionBase

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_compat import diff_mode

# The serialization profile Ansible uses for modules that declare none (as this collection's do).
PROFILE = 'legacy'


class InProcessProtocol:
    """How this ansible-core hands a module its arguments and reads its output, for a module run in-process.

    ``profile``: 2.19 and later (``basic._ANSIBLE_ARGS`` and ``basic._ANSIBLE_PROFILE``, arguments encoded with the
    profile's encoder, output decoded with its decoder); ``json``: 2.16 to 2.18 (JSON bytes in ``_ANSIBLE_ARGS``).
    """

    def __init__(self, name, encoder):
        self.name = name
        self._encoder = encoder

    def encode(self, module_args):
        """The bytes a module process would read as its arguments."""
        params = {'ANSIBLE_MODULE_ARGS': module_args}
        if self.name == 'profile':
            return json.dumps(params, cls=self._encoder).encode('utf-8')
        return json.dumps(params, cls=self._encoder, vault_to_text=True).encode('utf-8')

    @contextlib.contextmanager
    def arguments(self, payload):
        """``payload`` where ``AnsibleModule`` reads its arguments; what was there before is put back."""
        names = ('_ANSIBLE_ARGS', '_ANSIBLE_PROFILE') if self.name == 'profile' else ('_ANSIBLE_ARGS',)
        missing = [name for name in names if not hasattr(basic, name)]
        if missing:
            raise AttributeError('ansible.module_utils.basic has no %s' % ', '.join(missing))
        saved = dict((name, getattr(basic, name)) for name in names)
        basic._ANSIBLE_ARGS = payload  # pylint: disable=protected-access
        if self.name == 'profile':
            basic._ANSIBLE_PROFILE = PROFILE  # pylint: disable=protected-access
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(basic, name, value)

    def parse(self, action, stdout):
        """A module's output as ``ActionBase._execute_module`` returns it: parsed, with Ansible's internal keys removed.

        ``action`` is the action plugin running the module (its ``_parse_returned_data`` reports a failure to parse as
        Ansible would); None parses without one.
        """
        owner = action if action is not None else types.SimpleNamespace(_used_interpreter=None)
        res = dict(stdout=stdout, stderr='', rc=0)
        if self.name == 'profile':
            data = ActionBase._parse_returned_data(owner, res, PROFILE)  # pylint: disable=protected-access
        else:
            data = ActionBase._parse_returned_data(owner, res)  # pylint: disable=protected-access
        if isinstance(data, dict):  # up to 2.20
            from ansible.vars.clean import remove_internal_keys  # pylint: disable=import-outside-toplevel

            data.pop('_ansible_suppress_tmpdir_delete', None)
            results = data.get('results')
            if 'results' in data and (not isinstance(results, (list, tuple)) or isinstance(results, str)):
                # What _execute_module does with a module's "results" that is not a loop's list.
                data['ansible_module_results'] = data.pop('results')
            remove_internal_keys(data)
            return data
        # 2.21 and later: a task result object, cleaned and turned into the dictionary action plugins pass on.
        data.remove_internal_keys()
        return data.as_result_dict(for_round_trip=True)


def _protocol():
    try:  # ansible-core 2.19 and later: module arguments are encoded with a serialization profile
        from ansible.module_utils.common.json import Direction, get_module_encoder  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core 2.16 to 2.18
        from ansible.module_utils.common.json import AnsibleJSONEncoder  # pylint: disable=import-outside-toplevel

        return InProcessProtocol('json', AnsibleJSONEncoder)
    return InProcessProtocol('profile', get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE))


PROBE = dict(text='Ünïcode text', number=3, items=['a', 'b'], results={'kept': 'as ansible-core keeps it'})


def _probe_main():
    """A module as small as can be: it returns what it read, converted by its argument spec."""
    module = basic.AnsibleModule(argument_spec=dict(text=dict(type='str'), number=dict(type='int'),
                                                    items=dict(type='list', elements='str'), results=dict(type='dict')),
                                 supports_check_mode=True)
    module.exit_json(changed=False, check_mode=module.check_mode, diff_mode=diff_mode(module), **module.params)


# Where AnsibleModule.warn / deprecate keep their messages until exit_json: module globals of
# ansible.module_utils.common.warnings (a list up to 2.18, a dict from 2.19), which a module process starts empty.
MODULE_MESSAGE_STORES = ('_global_warnings', '_global_deprecations')


@contextlib.contextmanager
def own_module_messages():
    """A module run in this process starts with no warnings nor deprecations, as a module process does, and the
    worker's are put back after it: a loop's items run in one worker, so an item would show the warnings of every item
    before it."""
    from ansible.module_utils.common import warnings as module_warnings  # pylint: disable=import-outside-toplevel

    saved = dict((name, getattr(module_warnings, name)) for name in MODULE_MESSAGE_STORES if hasattr(module_warnings, name))
    for name, store in saved.items():
        setattr(module_warnings, name, type(store)())
    try:
        yield
    finally:
        for name, store in saved.items():
            setattr(module_warnings, name, store)


def run_module_main(protocol, main, module_args, action=None):
    """Run a module's ``main()`` in this process with ``module_args``; its result as an action plugin gets it."""
    stdout = io.StringIO()
    with protocol.arguments(protocol.encode(module_args)), own_module_messages(), contextlib.redirect_stdout(stdout):
        try:
            main()
        except SystemExit:
            pass  # exit_json and fail_json end the module with sys.exit
    return protocol.parse(action, stdout.getvalue())


def in_process_protocol():
    """``(protocol, None)`` when a module can run in this process with this ansible-core, else ``(None, why)``.

    Decided by a round trip, not by looking for names: arguments encoded, read by a real ``AnsibleModule`` (check and
    diff mode, a no_log run: nothing is logged), its output parsed and cleaned; the result must be what went in.
    """
    try:
        protocol = _protocol()
        args = dict(PROBE, _ansible_check_mode=True, _ansible_diff=True, _ansible_no_log=True, _ansible_module_name='probe')
        data = run_module_main(protocol, _probe_main, args)
        got = dict((key, data.get(key)) for key in ('text', 'number', 'items', 'check_mode', 'diff_mode'))
        want = dict(text=PROBE['text'], number=PROBE['number'], items=PROBE['items'], check_mode=True, diff_mode=True)
        if got != want or data.get('failed') or data.get('changed') is not False:
            return None, 'the in-process round trip gave %r' % (dict(data, invocation=None),)
        return protocol, None
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return None, 'the in-process round trip failed (%s: %s)' % (type(exc).__name__, exc)


def play_hosts_variables(hostvars):
    """``(variable_manager, inventory)`` behind the play's ``hostvars``: what the strategy uses to compute a host's
    task variables (``HostVars._variable_manager`` and ``HostVars._inventory``). None for both when this ansible-core
    has them no longer."""
    manager = getattr(hostvars, '_variable_manager', None)
    inventory = getattr(hostvars, '_inventory', None)
    if manager is None or inventory is None or not hasattr(manager, 'get_vars') or not hasattr(inventory, 'get_host'):
        return None, None
    return manager, inventory


def ansible_version():
    """The running ansible-core's version, for messages."""
    try:
        from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    except ImportError:
        return '(unknown version)'
    return __version__

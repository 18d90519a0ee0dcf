# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onboard role's first task (run once): the settings of every host of the play.

For each host: its variables as a task of that host sees them (``VariableManager.get_vars``, as the strategy
computes them), turned into its settings by ``plugin_utils/onboard.py`` ``host_settings`` (checked against the
role's ``meta/argument_specs.yml``); role variables that do not exist are named. Then, once, what the role's
portal tasks take (``fleet_inputs``). A host whose variables are wrong is not failed here: the per-host task does.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.template import Templar
from ansible.utils.display import Display

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.ansible_compat import ansible_version, play_hosts_variables
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import (
    fleet_inputs, host_settings, unknown_variable_warnings, unknown_variables)

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(('entry_point', 'hosts'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        spec = self._argument_spec(task_vars)
        hostvars = task_vars.get('hostvars')
        manager, inventory = play_hosts_variables(hostvars)
        if manager is None:
            raise AnsibleActionFail('cloutility_onboard_settings: ansible-core %s gives no access to the variables of other hosts; '
                                    'the onboard role cannot run with it (please report this)' % ansible_version())
        hosts = self._task.args.get('hosts') or task_vars.get('ansible_play_batch') or [task_vars.get('inventory_hostname')]
        play = self._task.get_play()
        check_mode = bool(self._play_context.check_mode)
        settings, unknown = {}, {}
        validator = ArgumentSpecValidator(spec)
        for name in hosts:
            host = inventory.get_host(name)
            if host is None:
                continue
            host_vars = manager.get_vars(play=play, host=host, task=self._task,
                                         _hosts=task_vars.get('ansible_play_hosts'), _hosts_all=task_vars.get('ansible_play_hosts_all'))
            settings[name] = host_settings(name, host_vars, spec, Templar(loader=self._loader, variables=host_vars), check_mode, validator)
            for variable in unknown_variables(host_vars, spec):
                unknown.setdefault(variable, []).append(name)
        for warning in unknown_variable_warnings(unknown, spec, settings):
            display.warning(warning)
        result.update(changed=False, settings=settings, all=list(settings.values()))
        result.update(fleet_inputs(result['all']))
        return result

    def _argument_spec(self, task_vars):
        """The options of the role's entry point, from the role's meta/argument_specs.yml."""
        role_path = task_vars.get('role_path')
        entry_point = self._task.args.get('entry_point') or 'main'
        if not role_path:
            raise AnsibleActionFail('cloutility_onboard_settings runs in a task of the onboard role (role_path is not set)')
        path = os.path.join(role_path, 'meta', 'argument_specs.yml')
        data = self._loader.load_from_file(path) or {}
        try:
            return dict(data['argument_specs'][entry_point]['options'])
        except (KeyError, TypeError):
            raise AnsibleActionFail('%s has no options for the entry point %s' % (path, entry_point)) from None

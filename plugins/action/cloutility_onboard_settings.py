# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of every host of the play, read and checked in one task (the onboard role's first step).

A task that runs for every host costs about as much as Ansible's own floor (one worker forked per host), whatever
it does, so the role reads the variables of all hosts here, once: for each host, the variables exactly as a task
of that host would see them (role defaults and parameters, play variables, inventory, facts, extra vars, with
Ansible's precedence; ``VariableManager.get_vars``, as the strategy itself computes a host's task variables),
checked against the role's argument spec (``meta/argument_specs.yml``, the checks Ansible's own per-host
validation task makes, with the same validator), and worked out into the host's settings and its
cloutility_node_fleet entry (``plugins/filter/onboard.py`` ``onboard_settings``); then, once for the play, what the
role's portal tasks take (``onboard_fleet_inputs``: the fleet's entries, the business units to create).

A host whose variables are wrong is not failed here: its problems are in its settings, and the role's per-host
result task fails that host alone (or records the error with ``onboard_continue_on_error``).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.template import Templar
from ansible.utils.display import Display

from ansible_collections.cloutility.cloutility.plugins.filter.onboard import onboard_fleet_inputs, onboard_settings, role_message
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.ansible_compat import ansible_version, play_hosts_variables
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import option_problems
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_OPTIONS, validate_node_params

PREFIX = 'onboard_'
# Variables named onboard_* that are not the role's options: its own fact, the playbooks' variables, internal ones.
NOT_OPTIONS = ('onboard_result', 'onboard_hosts', 'onboard_gather_facts')

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
        self._unknown(unknown, spec, settings)
        result.update(changed=False, settings=settings, all=list(settings.values()))
        # What the role's play-wide portal tasks take (the fleet's entries, the units to create...): worked out here
        # once, not by filters over every host's settings in each of those tasks.
        result.update(onboard_fleet_inputs(result['all']))
        return result

    @staticmethod
    def _unknown(unknown, spec, settings):
        """Name each onboard_* variable that is none of the role's, with the nearest known name (a misspelling would
        otherwise be ignored); with onboard_unknown_variables: error, the hosts that have one fail."""
        for variable, hosts in sorted(unknown.items()):
            nearest = difflib.get_close_matches(variable, list(spec), n=1, cutoff=0.6)
            text = '%s is not a variable of the onboard role%s' % (variable, ' (did you mean %s?)' % nearest[0] if nearest else '')
            warned = []
            for host in hosts:
                mode = settings[host].get('unknown_variables') or 'warn'
                if mode == 'error':
                    settings[host]['problems'].append('%s; onboard_unknown_variables is error.' % text)
                elif mode == 'warn':
                    warned.append(host)
            if warned:
                display.warning('%s; it is ignored (hosts: %s%s).' % (text, ', '.join(warned[:5]), ', ...' if len(warned) > 5 else ''))

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


def host_settings(host, host_vars, spec, templar, check_mode, validator=None):
    """One host's settings: its role variables (templated in its own context), checked against ``spec``."""
    values, problems = {}, []
    for name in spec:
        if name not in host_vars:
            continue
        value = host_vars[name]
        if isinstance(value, (bool, int, float)) or value is None or (isinstance(value, str) and '{' not in value):
            values[name] = value  # nothing to template (most values): saves a template call per variable and host
            continue
        reference = _plain_reference(value, host_vars)
        if reference is not None:
            # "{{ inventory_hostname }}" (the role's default consumer name): the variable's own text, as the template
            # would give it, without compiling a template for every host.
            values[name] = reference
            continue
        try:
            values[name] = templar.template(value)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # An undefined variable in one host's value is that host's problem, named after the variable.
            problems.append('%s: %s' % (name, exc))
    # The validator deep-copies what it is given; a plain copy costs a fraction of one of values that carry
    # ansible-core's data tags (2.19 and later: origin and trust on every string read from the inventory).
    validated = (validator or ArgumentSpecValidator(spec)).validate(plain(values), validate_role_argument_spec=True)
    problems.extend('%s (fix the variable of this host).' % message for message in validated.error_messages)
    options = dict((name[len(PREFIX):], value) for name, value in validated.validated_parameters.items() if name.startswith(PREFIX))
    if _true(options.get('audit')) and not check_mode:
        # Compare only, yet the play would write: refused before any request, for this host.
        problems.append('onboard_audit: true compares only, so it needs check mode (the play keyword check_mode, as the '
                        'audit playbook sets it, or --check); without it the role would write to the portal.')
    facts = host_vars.get('ansible_facts') or {}
    options.update(facts_system=facts.get('system', '') if isinstance(facts, dict) else '',
                   check_mode=check_mode or _true(options.get('audit')))
    settings = onboard_settings(options, host)
    settings['problems'] = problems + settings['problems']
    if not settings['problems']:
        # cloutility_node's input rules (a password, a range, combined options), as the fleet would apply them to the
        # whole play's entries: here they fail this host alone, before any request, named by the role's variables.
        settings['problems'] = node_problems(settings['spec'])
    return settings


def node_problems(spec):
    """What cloutility_node's input rules find wrong with a host's node settings, in the role's variables."""
    problems = option_problems(NODE_OPTIONS, spec)
    if not problems:
        try:
            validate_node_params(spec)
        except CloutilityError as exc:
            problems = [str(exc)]
    return ['%s (fix the variable of this host).' % role_message(problem) for problem in problems]


def unknown_variables(host_vars, spec):
    """The host's variables named onboard_* that are not options of the role (nor its fact, the playbooks' or internal)."""
    return [name for name in host_vars if isinstance(name, str) and name.startswith(PREFIX) and not name.startswith(PREFIX + '_')
            and name not in spec and name not in NOT_OPTIONS]


REFERENCE = re.compile(r'^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$')


def _plain_reference(value, host_vars):
    """The value of the variable ``value`` names when it is exactly ``{{ name }}`` and that variable is text with
    nothing to template; else None (the template engine decides, and names any undefined variable)."""
    match = REFERENCE.match(value) if isinstance(value, str) else None
    target = host_vars.get(match.group(1)) if match else None
    return target if isinstance(target, str) and '{' not in target else None


def plain(value):
    """``value`` made of plain Python types: no data tags (ansible-core 2.19+), no AnsibleUnsafe or AnsibleUnicode.

    The settings go into the task's result, which Ansible marks as untrusted (not templated again) in any case.
    """
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _true(value):
    return value is True or str(value).lower() in ('1', 'true', 'yes', 'on')

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onboard role's per-host task: the host's ``onboard_result``, change, diff and failure, and its client options.

Its outcome comes from ``plugins/plugin_utils/onboard.py`` ``host_result`` over what the role registered for the
play (read by variable name). With ``client_config`` it writes the backup client's option files on the host through
Ansible's own ``file``, ``template`` and ``copy`` (as ``template`` runs ``copy``), so ownership, modes, check mode and
diffs are theirs.
"""

from __future__ import annotations

import re

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import created_bunits, host_entry, host_result, registered

# What Ansible shows in place of a no_log value: never written as a password.
MASKED = ('********', 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER')
WINDOWS = ('Win32NT',)
# Options the role's settings carry for every host, so the per-host task templates nothing.
FROM_SETTINGS = ('continue_on_error', 'client_config_dir', 'client_config_owner', 'client_config_group', 'client_password_file')


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(('settings', 'result', 'default_server', 'settings_from', 'results_from', 'bunits_from',
                             'continue_on_error', 'client_config_dir', 'client_config_owner', 'client_config_group',
                             'client_password_file', 'node_password'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = self._task.args
        host = task_vars.get('inventory_hostname')
        settings = dict(args.get('settings') or host_entry(task_vars, args.get('settings_from'), 'settings', host) or {})
        fleet_result = args.get('result') or host_entry(task_vars, args.get('results_from'), 'hosts', host)
        fleet_result = fleet_result if isinstance(fleet_result, dict) else {}
        # Options not given to the task come from the settings (templated once for every host by the settings step).
        args = dict(dict((key, settings[key]) for key in FROM_SETTINGS if key in settings), **args)
        args.setdefault('node_password', (settings.get('spec') or {}).get('node_password'))
        # The fleet adds the business unit's default server where the node's own lacks what the option files need.
        args.setdefault('default_server', fleet_result.get('default_server'))
        outcome = host_result(settings, fleet_result, created_bunits(registered(task_vars, args.get('bunits_from'), 'results')))
        result.update(changed=outcome['changed'], ansible_facts=dict(onboard_result=outcome))
        diffs = []
        if outcome['diff'] and (outcome['changed'] or outcome['diff'].get('before') != outcome['diff'].get('after')):
            diffs.append(dict(outcome['diff'], before_header='%s (portal)' % host, after_header='%s (playbook)' % host))
        if outcome['error'] is not None:
            if not boolean(args.get('continue_on_error', False), strict=False):
                # Ansible sets no fact from a failed task: the result is shown in the task's result instead.
                del result['ansible_facts']
                result.update(failed=True, msg='%s: %s' % (host, outcome['error']), onboard_result=outcome)
        elif settings.get('client_config') and not outcome['bunit_missing']:
            self._client_config(result, diffs, settings, fleet_result, outcome, task_vars, args)
        if diffs and self._play_context.diff:
            result['diff'] = diffs
        return result

    def _client_config(self, result, diffs, settings, fleet_result, outcome, task_vars, args):
        """The IBM Storage Protect client option files (dsm.sys, dsm.opt) and, when asked, the node password file."""
        node_server = (fleet_result.get('node') or {}).get('server') or {}
        default_server = args.get('default_server') or {}
        node_server = node_server if isinstance(node_server, dict) else {}
        default_server = default_server if isinstance(default_server, dict) else {}
        client = dict(
            server_name=re.sub(r'[^A-Z0-9_.-]', '_', str(node_server.get('name') or default_server.get('name') or '').upper()),
            address=str(settings.get('server_address') or node_server.get('tcpAddress') or default_server.get('tcpAddress') or ''),
            port=str(settings.get('server_port') or node_server.get('tcpPort') or default_server.get('tcpPort') or ''),
            node_name=str(outcome.get('node_name') or ''))
        problem = self._client_problem(client, settings, task_vars)
        if problem:
            result.update(failed=True, msg='Cannot write the client options for %s: %s' % (task_vars.get('inventory_hostname'), problem))
            return
        directory = args.get('client_config_dir') or '/opt/tivoli/tsm/client/ba/bin'
        owner = dict((key, args[name]) for key, name in (('owner', 'client_config_owner'), ('group', 'client_config_group')) if args.get(name))
        template_vars = dict(task_vars, onboard__client=client, onboard__settings=settings)
        steps = [
            ('ansible.legacy.file', dict(path=directory, state='directory', mode='0755'), False),
            ('ansible.legacy.template', dict(owner, src='dsm.sys.j2', dest=directory + '/dsm.sys', mode='0640'), False),
            ('ansible.legacy.template', dict(owner, src='dsm.opt.j2', dest=directory + '/dsm.opt', mode='0644'), False),
        ]
        # The password the role set, else the one the portal generated at activation (never one Ansible masked).
        password = args.get('node_password') or (fleet_result.get('node') or {}).get('tsmPassword') or ''
        if args.get('client_password_file') and password and str(password) not in MASKED:
            steps.append(('ansible.legacy.copy', dict(owner, content='%s\n' % password, dest=args['client_password_file'], mode='0600'), True))
        files = []
        try:
            for action, action_args, secret in steps:
                step = self._run_action(action, action_args, template_vars, secret)
                path = action_args.get('dest') or action_args['path']
                files.append(dict(path=path, changed=bool(step.get('changed'))))
                if step.get('diff') and not secret:
                    diffs.extend(step['diff'] if isinstance(step['diff'], list) else [step['diff']])
                if step.get('changed'):
                    result['changed'] = True
                if step.get('failed'):
                    result.update(failed=True, msg='Cannot write %s on %s: %s' % (
                        path, task_vars.get('inventory_hostname'), 'no_log hides why' if secret else _why(step)))
                    break
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result['client_files'] = files

    @staticmethod
    def _client_problem(client, settings, task_vars):
        facts = task_vars.get('ansible_facts') or {}
        system = facts.get('system', '') if isinstance(facts, dict) else ''
        if system in WINDOWS:
            return ('the role writes dsm.sys and dsm.opt for Linux hosts only, and this host runs %s '
                    '(set onboard_client_config to false for it).' % system)
        missing = [name for name in ('address', 'port') if not client[name]]
        if missing:
            return ("the backup server's %s %s not known: set onboard_client_server_address and onboard_client_server_port "
                    '(the portal did not give them).' % (' and '.join(missing), 'is' if len(missing) == 1 else 'are'))
        if not client['server_name']:
            return 'the portal gave no backup server name for %s.' % settings.get('bunit')
        if not client['node_name'] and not settings.get('check_mode'):
            # In check mode a new node has no name yet when the server is to suggest one.
            return 'the node has no name yet (set onboard_node_name or onboard_activate).'
        return None

    def _run_action(self, name, args, task_vars, secret):
        """Run another action (template, copy) or module (file) for this host, as ``template`` runs ``copy``."""
        if name == 'ansible.legacy.file':  # a module without an action plugin
            return self._execute_module(module_name=name, module_args=args, task_vars=task_vars)
        task = self._task.copy()
        task.args.clear()
        task.args.update(args)
        if secret:
            task.no_log = True
        action = self._shared_loader_obj.action_loader.get(
            name, task=task, connection=self._connection, play_context=self._play_context, loader=self._loader,
            templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        step = action.run(task_vars=task_vars)
        if secret:
            return dict(changed=step.get('changed'), failed=step.get('failed'))
        return step


def _why(step):
    """A failed file step's message, with what the module printed when Ansible could not read its answer (such as
    "python3.13: command not found" from a broken interpreter)."""
    printed = ' '.join(str(step.get(key) or '').strip() for key in ('module_stderr', 'module_stdout')).strip()
    message = str(step.get('msg') or 'failed')
    return '%s (the module printed: %s)' % (message, printed[:300]) if printed else message

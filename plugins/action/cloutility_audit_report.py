# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit playbook's report task (run once, in the controller process).

Takes what the onboard role registered for the play (by variable name), every host's ``onboard_result``
(``plugin_utils/onboard.py`` ``host_results``), the consumption units of the covered business units (those the fleet
task listed in this run, and through the ``cloutility.cloutility.consumers`` lookup those it did not), builds the
report (``plugin_utils/audit.py``: host findings, duplicated unit names, orphans) and writes it as JSON and Markdown
on the controller, each file only when it differs.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.audit import build_report, render_json, render_markdown, summary_lines, write_file
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import host_results, registered

CONSUMERS_LOOKUP = 'cloutility.cloutility.consumers'


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(('settings_from', 'results_from', 'hosts', 'connection', 'json_path', 'markdown_path', 'mode'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = self._task.args
        try:
            mode = int(str(args.get('mode') or '0640'), 8)
        except ValueError:
            raise AnsibleActionFail('mode must be an octal string such as 0640, not %r' % args.get('mode')) from None
        paths = [(str(args[key]), render) for key, render in (('json_path', render_json), ('markdown_path', render_markdown)) if args.get(key)]
        if not paths:
            raise AnsibleActionFail('give json_path, markdown_path or both')
        connection = args.get('connection') or {}
        if not isinstance(connection, dict):
            raise AnsibleActionFail('connection must be a dict of connection options (such as onboard_connection), not %s'
                                    % type(connection).__name__)
        settings = registered(task_vars, args.get('settings_from') or 'onboard__hosts', 'all')
        if not isinstance(settings, list):
            raise AnsibleActionFail('%s holds no settings: run the onboard role (its settings step registers them) first'
                                    % (args.get('settings_from') or 'onboard__hosts'))
        fleet_name = args.get('results_from') or 'onboard__fleet'
        fleet = registered(task_vars, fleet_name, 'hosts')
        results = host_results(settings, fleet)
        hosts = args.get('hosts') or task_vars.get('ansible_play_hosts_all') or sorted(results)
        listed = registered(task_vars, fleet_name, 'consumers')
        report = build_report(results, self._consumers(results, listed if isinstance(listed, list) else [], connection, task_vars), hosts)
        files = []
        for path, render in paths:
            try:
                files.append(dict(path=path, changed=write_file(path, render(report), mode, self._play_context.check_mode)))
            except OSError as exc:
                raise AnsibleActionFail('cannot write the audit report to %s: %s' % (path, exc)) from None
        result.update(changed=any(item['changed'] for item in files), files=files, summary=report['summary'],
                      lines=summary_lines(report))
        return result

    def _consumers(self, results, listed, connection, task_vars):
        """The consumption units of the business units the hosts cover: those the fleet task listed as it read them
        in this run (cloutility_node_fleet's ``list_consumers``), and the lists of the others (such as the business
        unit of a host whose variables are wrong) read here, read only, one per business unit."""
        listed_ids = set(entry.get('bunit_id') for entry in listed if isinstance(entry, dict))
        covered_ids, bunits = set(), []
        for entry in results.values():
            if not isinstance(entry, dict) or entry.get('bunit_missing'):
                continue
            if entry.get('bunit_id') in listed_ids:
                covered_ids.add(entry['bunit_id'])
            elif entry.get('bunit') not in bunits:
                bunits.append(entry['bunit'])
        consumers = [entry for entry in listed if isinstance(entry, dict) and entry.get('bunit_id') in covered_ids]
        if not bunits:
            return consumers
        lookup = lookup_loader.get(CONSUMERS_LOOKUP, loader=self._loader, templar=self._templar)
        try:
            read = lookup.run(bunits, variables=task_vars, missing_ok=True, **connection)
        except AnsibleError as exc:
            raise AnsibleActionFail('Cannot read the consumption units of the covered business units: %s' % exc) from None
        known = set(entry.get('id') for entry in consumers)
        return consumers + [entry for entry in read if entry.get('id') not in known]

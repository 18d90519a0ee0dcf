# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit playbook's drift report, built and written in one task, in the controller process.

After the onboard role has compared every host with the portal (in check mode), this task takes what the role
registered for the play (the settings of every host and the fleet's results, read by variable name: nothing of
1,000 hosts is templated), works out every host's ``onboard_result`` (filter ``onboard_results``), takes the
consumption units of the business units the hosts cover from the fleet's result (``list_consumers``: the lists it
read in this run) and reads only those it did not list (the ``cloutility.cloutility.consumers`` lookup), builds
the report (filter ``audit_report``) and writes it as JSON and Markdown on the controller, each file only when it
differs. Four ``set_fact``/``copy`` tasks did the same at several times the cost: a fact of 1,000
hosts passes through Ansible's result handling several times, and a ``copy`` starts a module process per file.
"""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader

from ansible_collections.cloutility.cloutility.plugins.action.cloutility_onboard_result import registered
from ansible_collections.cloutility.cloutility.plugins.filter.onboard import audit_json, audit_markdown, audit_report, onboard_results

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
        paths = [(str(args[key]), render) for key, render in (('json_path', audit_json), ('markdown_path', audit_markdown)) if args.get(key)]
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
        results = onboard_results(settings, fleet if isinstance(fleet, dict) else {})
        hosts = args.get('hosts') or task_vars.get('ansible_play_hosts_all') or sorted(results)
        listed = registered(task_vars, fleet_name, 'consumers')
        report = audit_report(results, self._consumers(results, listed if isinstance(listed, list) else [], connection, task_vars), hosts)
        files = [dict(path=path, changed=write_file(path, render(report), mode, self._play_context.check_mode))
                 for path, render in paths]
        result.update(changed=any(item['changed'] for item in files), files=files, summary=report['summary'])
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


def write_file(path, content, mode, check_mode=False):
    """Write ``content`` to ``path`` (atomically, with ``mode``) unless it holds it already; True when it changed."""
    path = os.path.abspath(os.path.expanduser(path))
    try:
        with open(path, encoding='utf-8') as handle:
            same = handle.read() == content
        same = same and (os.stat(path).st_mode & 0o7777) == mode
    except OSError:
        same = False
    if same or check_mode:
        return not same
    directory = os.path.dirname(path)
    try:
        handle, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path))
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise AnsibleActionFail('cannot write the audit report to %s: %s' % (path, exc)) from None
    return True

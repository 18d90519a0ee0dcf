# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit playbook's drift report: each host's findings from its ``onboard_result`` (a check-mode run of the
onboard role), the consumption units no host claims, and the report as JSON and Markdown."""

from __future__ import annotations

import datetime
import json
import os
import tempfile

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import path_parts

# Node fields that are about activation, reported as "not activated" rather than as settings.
ACTIVATION_KEYS = ('activatedDate', 'tsmName', 'activated', 'tsm_name', 'activate')
# Fields that are not a setting a playbook manages (passwords are actions, never drift).
IGNORED_KEYS = ('tsmPassword', 'password', 'node_password')


def _show(value):
    """A value for people: nested references by name, absent as None."""
    if isinstance(value, dict):
        return value.get('name', value.get('id'))
    return value


def host_findings(result):
    """The findings for one host's onboard_result (from a check-mode run)."""
    if not isinstance(result, dict):
        return [dict(kind='error', detail='no result: the host failed before the onboard role recorded one')]
    if result.get('bunit_missing'):
        return [dict(kind='missing_bunit', detail='business unit %s does not exist' % result.get('bunit'))]
    if result.get('error'):
        return [dict(kind='error', detail=str(result['error']))]
    diff = result.get('diff') or {}
    before = diff.get('before') or {}
    after = diff.get('after') or {}
    keys = list(result.get('changed_keys') or [])
    if result.get('consumer_id') is None or 'consumer' in keys:
        return [dict(kind='missing_unit', detail='consumption unit %s does not exist in %s' % (result.get('consumer'), result.get('bunit'))),
                dict(kind='missing_node', detail='no backup node (its consumption unit is missing)')]
    if 'node' in keys:
        return [dict(kind='missing_node', detail='consumption unit %s has no backup node' % result.get('consumer'))]
    findings = []
    for key in keys:
        if key in ACTIVATION_KEYS or key in IGNORED_KEYS:
            continue
        old, new = _show(before.get(key)), _show(after.get(key))
        findings.append(dict(kind='setting', key=key, old=old, new=new, detail='%s: %s -> %s' % (key, old, new)))
    if result.get('activated') or 'activatedDate' in keys:
        findings.append(dict(kind='not_activated', detail='node is not activated (would activate as %s)' % (result.get('node_name') or 'the suggested name')))
    return findings


def build_report(results, consumers=None, hosts=None):
    """The drift report: per host findings, and the consumption units no host claims (orphans).

    ``results``: {host: onboard_result or None}; ``consumers``: the consumption units of the covered
    business units (cloutility.cloutility.consumers lookup entries); ``hosts``: hosts to list (default: all keys).
    """
    results = dict(results or {})
    hosts = list(hosts or sorted(results))
    report_hosts = {}
    claimed_ids, claimed_names = set(), set()
    for host in hosts:
        result = results.get(host)
        findings = host_findings(result)
        entry = dict(findings=findings, status='ok' if not findings else ('error' if findings[0]['kind'] == 'error' else 'drift'))
        if isinstance(result, dict):
            entry.update(bunit=result.get('bunit'), consumer=result.get('consumer'), consumer_id=result.get('consumer_id'),
                         node_name=result.get('node_name'))
            # ansible-core before 2.19 renders "{{ none }}" as '': no id either.
            if result.get('consumer_id') not in (None, ''):
                claimed_ids.add(int(result['consumer_id']))
            claimed_names.add(('/'.join(path_parts(result.get('bunit', ''))).lower(), str(result.get('consumer', '')).lower()))
            if result.get('bunit_id') not in (None, ''):
                claimed_names.add((int(result['bunit_id']), str(result.get('consumer', '')).lower()))
        report_hosts[host] = entry
    orphans = []
    for consumer in consumers or []:
        if consumer.get('id') in claimed_ids:
            continue
        name = str(consumer.get('name', '')).lower()
        path = path_parts(consumer.get('bunit_path', ''))
        # A host's path may leave out the top unit's name, as the modules allow.
        spellings = ['/'.join(path).lower(), '/'.join(path[1:]).lower()]
        if (consumer.get('bunit_id'), name) in claimed_names or any((spelling, name) in claimed_names for spelling in spellings):
            continue
        orphans.append(dict(id=consumer.get('id'), name=consumer.get('name'), bunit_id=consumer.get('bunit_id'),
                            bunit_path=consumer.get('bunit_path')))
    orphans.sort(key=lambda item: (str(item['bunit_path']), str(item['name']), item['id'] or 0))
    counts = {}
    for entry in report_hosts.values():
        for finding in entry['findings']:
            counts[finding['kind']] = counts.get(finding['kind'], 0) + 1
    return dict(
        generated=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        summary=dict(hosts=len(hosts), in_sync=sum(1 for entry in report_hosts.values() if entry['status'] == 'ok'),
                     drifted=sum(1 for entry in report_hosts.values() if entry['status'] == 'drift'),
                     errors=sum(1 for entry in report_hosts.values() if entry['status'] == 'error'),
                     orphans=len(orphans), findings=counts),
        hosts=report_hosts,
        orphans=orphans,
    )


def _cell(value):
    return str('' if value is None else value).replace('|', '\\|').replace('\n', ' ')


def render_markdown(report):
    """The drift report as a Markdown document with one table of findings and one of orphans."""
    summary = report.get('summary', {})
    lines = ['# Cloutility backup audit', '',
             'Generated %s. Hosts: %s, in sync: %s, drifted: %s, errors: %s, orphaned consumption units: %s.'
             % (report.get('generated'), summary.get('hosts'), summary.get('in_sync'), summary.get('drifted'),
                summary.get('errors'), summary.get('orphans')), '',
             '## Drift', '']
    rows = []
    for host, entry in sorted(report.get('hosts', {}).items()):
        for finding in entry['findings']:
            rows.append('| %s | %s | %s | %s |' % (_cell(host), _cell(entry.get('bunit')), _cell(finding['kind']), _cell(finding['detail'])))
    if rows:
        lines += ['| Host | Business unit | Finding | Details |', '|---|---|---|---|'] + rows
    else:
        lines.append('No drift: every host matches the portal.')
    lines += ['', '## Orphaned consumption units', '']
    if report.get('orphans'):
        lines += ['| Business unit | Consumption unit | Id |', '|---|---|---|']
        lines += ['| %s | %s | %s |' % (_cell(item['bunit_path']), _cell(item['name']), _cell(item['id'])) for item in report['orphans']]
    else:
        lines.append('None: every consumption unit in the covered business units belongs to an inventory host.')
    return '\n'.join(lines) + '\n'


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + '\n'


def write_file(path, content, mode, check_mode=False):
    """Write ``content`` to ``path`` (atomically, with ``mode``) unless it holds it already; True when it changed.
    Raises OSError when it cannot."""
    path = os.path.abspath(os.path.expanduser(path))
    try:
        with open(path, encoding='utf-8') as handle:
            same = handle.read() == content
        same = same and (os.stat(path).st_mode & 0o7777) == mode
    except OSError:
        same = False
    if same or check_mode:
        return not same
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.%s.' % os.path.basename(path))
    with os.fdopen(handle, 'w', encoding='utf-8') as out:
        out.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    return True

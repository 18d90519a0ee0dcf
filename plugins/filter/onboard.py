# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters used by the onboard role and the audit playbook: claims, duplicates and the drift report."""

from __future__ import annotations

import datetime
import json

from ansible.errors import AnsibleFilterError

from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import BusinessUnitTree

# Node fields that are about activation, reported as "not activated" rather than as settings.
ACTIVATION_KEYS = ('activatedDate', 'tsmName', 'activated', 'tsm_name', 'activate')
# Fields that are not a setting a playbook manages (passwords are actions, never drift).
IGNORED_KEYS = ('tsmPassword', 'password', 'node_password')


def onboard_path_parts(path):
    """'Acme Hosting / Customers/Contoso/' -> ['Acme Hosting', 'Customers', 'Contoso']."""
    return [part.strip() for part in str(path).split('/') if part.strip()]


def onboard_claim(settings, kind, tree=None):
    """The key a host claims: its consumption unit within its business unit, or its node name.

    With ``tree`` (the business unit tree from cloutility_bunit_info), a unit is the same however its path is
    written (with or without the top unit's name, by id, in another letter case).
    """
    if kind == 'unit':
        bunit = settings.get('bunit', '')
        where = BusinessUnitTree(None, root=tree).key(bunit) if tree else '/'.join(onboard_path_parts(bunit)).lower()
        return '%s: %s' % (where, str(settings.get('consumer', '')).lower())
    if kind == 'node':
        return str(settings.get('node_name') or '').upper() or None
    raise AnsibleFilterError("onboard_claim: kind must be 'unit' or 'node', got %r" % (kind,))


def onboard_duplicates(pairs):
    """[(key, host), ...] -> {key: [hosts]} for every key claimed by more than one host (None keys ignored)."""
    claims = {}
    for key, host in pairs:
        if key is None:
            continue
        claims.setdefault(key, []).append(host)
    return dict((key, hosts) for key, hosts in claims.items() if len(hosts) > 1)


def onboard_bunit_missing(result, check_mode=True):
    """A cloutility_bunit loop item result says the unit is missing: in check mode it would be created,
    or it (or its parent) could not be found."""
    if not isinstance(result, dict) or result.get('skipped'):
        return False
    return bool(check_mode and result.get('changed')) or not result.get('bunit')


def _show(value):
    """A value for people: nested references by name, absent as None."""
    if isinstance(value, dict):
        return value.get('name', value.get('id'))
    return value


def onboard_drift(result):
    """The findings for one host's onboard_result (from a check-mode run)."""
    if not isinstance(result, dict):
        return [dict(kind='error', detail='no result: the host failed before the onboard role recorded one')]
    if result.get('error'):
        return [dict(kind='error', detail=str(result['error']))]
    if result.get('bunit_missing'):
        return [dict(kind='missing_bunit', detail='business unit %s does not exist' % result.get('bunit'))]
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


def audit_report(results, consumers=None, hosts=None):
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
        findings = onboard_drift(result)
        entry = dict(findings=findings, status='ok' if not findings else ('error' if findings[0]['kind'] == 'error' else 'drift'))
        if isinstance(result, dict):
            entry.update(bunit=result.get('bunit'), consumer=result.get('consumer'), consumer_id=result.get('consumer_id'),
                         node_name=result.get('node_name'))
            # ansible-core before 2.19 renders "{{ none }}" as '': no id either.
            if result.get('consumer_id') not in (None, ''):
                claimed_ids.add(int(result['consumer_id']))
            claimed_names.add(('/'.join(onboard_path_parts(result.get('bunit', ''))).lower(), str(result.get('consumer', '')).lower()))
            if result.get('bunit_id') not in (None, ''):
                claimed_names.add((int(result['bunit_id']), str(result.get('consumer', '')).lower()))
        report_hosts[host] = entry
    orphans = []
    for consumer in consumers or []:
        if consumer.get('id') in claimed_ids:
            continue
        name = str(consumer.get('name', '')).lower()
        path = onboard_path_parts(consumer.get('bunit_path', ''))
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


def audit_markdown(report):
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


def audit_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + '\n'


class FilterModule:
    def filters(self):
        return dict(onboard_path_parts=onboard_path_parts, onboard_claim=onboard_claim, onboard_duplicates=onboard_duplicates,
                    onboard_bunit_missing=onboard_bunit_missing, onboard_drift=onboard_drift, audit_report=audit_report,
                    audit_markdown=audit_markdown, audit_json=audit_json)

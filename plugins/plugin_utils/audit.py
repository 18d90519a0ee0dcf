# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit playbook's drift report: each host's findings from its ``onboard_result`` (a check-mode run of the
onboard role), the names used by more than one consumption unit of a business unit (duplicates), the consumption
units no host claims (orphans), and the report as JSON and Markdown."""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile

from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_OPTIONS
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import PREFIX, ROLE_VARIABLES, path_parts

# Node fields that are about activation, reported as "not activated" rather than as settings.
ACTIVATION_KEYS = ('activatedDate', 'tsmName', 'activated', 'tsm_name', 'activate')
# Fields that are not a setting a playbook manages (passwords are actions, never drift).
IGNORED_KEYS = ('tsmPassword', 'password', 'node_password')
# What the modules fail with when several units of a host's name remain and which is the host's cannot be told
# (module_utils/rivals.py invariant 6; resources/consumer.py find_consumer, node.py keep_one).
DUPLICATE_ERROR = re.compile(r"^Consumption unit name '.*' is used by [0-9]+ units in business unit ")


# A node field of the API (clientOptionSet) -> the onboard role's variable that sets it (onboard_client_option_set).
FIELD_VARIABLES = dict((spec['api'], ROLE_VARIABLES.get(option, PREFIX + option))
                       for option, spec in NODE_OPTIONS.items() if spec.get('api'))
NOT_SET = '(not set)'


def role_variable(key):
    """The onboard role's variable for an API field, or the field's name when no variable sets it."""
    return FIELD_VARIABLES.get(key, key)


def _text(value):
    """A value as text for people: "(not set)" for an absent or empty value."""
    return NOT_SET if value in (None, '') else str(value)


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
        variable = role_variable(key)
        findings.append(dict(kind='setting', key=key, variable=variable, old=old, new=new,
                             detail='%s: %s -> %s' % (variable, _text(old), _text(new))))
    if result.get('activated') or 'activatedDate' in keys:
        findings.append(dict(kind='not_activated', detail='node is not activated (would activate as %s)' % (result.get('node_name') or 'the suggested name')))
    return findings


def build_report(results, consumers=None, hosts=None):
    """The drift report: per host findings, the names used by several consumption units of one business unit
    (duplicates), and the consumption units no host claims (orphans).

    ``results``: {host: onboard_result or None}; ``consumers``: the consumption units of the covered
    business units (cloutility.cloutility.consumers lookup entries); ``hosts``: hosts to list (default: all keys).
    Each unit is reported once: a unit of a duplicated name is under ``duplicates`` only, never an orphan, and a host
    whose unit name is duplicated is no error (the modules use the oldest unit, or stop when another holds an
    activated node: then the host's finding is ``duplicate_unit``).
    """
    results = dict(results or {})
    hosts = list(hosts or sorted(results))
    report_hosts = {}
    claimed_ids, claimed_names = set(), set()
    for host in hosts:
        result = results.get(host)
        findings = host_findings(result)
        entry = dict(findings=findings, status=_status(findings))
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
    duplicates = find_duplicates(consumers, results, hosts)
    for duplicate in duplicates:
        for host in duplicate['hosts']:
            error = (results.get(host) or {}).get('error')
            if error and DUPLICATE_ERROR.match(str(error)):
                # Not an error of the host: the duplicate, reported once under duplicates, stops the modules.
                report_hosts[host]['findings'] = [dict(
                    kind='duplicate_unit', ids=duplicate['ids'], kept=duplicate['kept'],
                    detail='consumption unit name %s is used by units %s and another than the oldest (id %s) holds an activated '
                           'node: the modules stop until one is left (see duplicate consumption units)'
                           % (duplicate['name'], ', '.join(str(item) for item in duplicate['ids']), duplicate['kept']))]
                report_hosts[host]['status'] = 'duplicate'
    duplicated_ids = set(item for duplicate in duplicates for item in duplicate['ids'])
    orphans = []
    for consumer in consumers or []:
        if consumer.get('id') in claimed_ids or consumer.get('id') in duplicated_ids:
            continue
        name = str(consumer.get('name', '')).lower()
        if (consumer.get('bunit_id'), name) in claimed_names or any((spelling, name) in claimed_names for spelling in _spellings(consumer)):
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
                     duplicates=len(duplicates), orphans=len(orphans), findings=counts),
        hosts=report_hosts,
        duplicates=duplicates,
        orphans=orphans,
    )


def _status(findings):
    if not findings:
        return 'ok'
    return 'error' if findings[0]['kind'] == 'error' else 'drift'


def _spellings(consumer):
    """A listed unit's business unit path as a host may spell it: whole, or without the top unit's name (as the
    modules allow)."""
    path = path_parts(consumer.get('bunit_path', ''))
    return ['/'.join(path).lower(), '/'.join(path[1:]).lower()]


def find_duplicates(consumers, results=None, hosts=None):
    """The names used by more than one consumption unit of one business unit, one entry per (business unit, name):
    ``bunit_id``, ``bunit_path``, ``name``, every id (``ids``), ``kept`` (the unit a host's result says the modules used,
    else the lowest id), ``others``, the ``hosts`` that name it, ``others_activated`` and a ``hint``.

    Names compare as the modules compare them (exactly). ``others_activated`` comes from the hosts' results alone
    (no request): False when a host that names the unit was compared without error on the kept unit (the modules
    checked that no other holds an activated node), True when the modules stopped because one does, else None.
    """
    results = results or {}
    groups = {}
    for consumer in consumers or []:
        if not isinstance(consumer, dict) or consumer.get('id') in (None, ''):
            continue
        where = consumer.get('bunit_id') if consumer.get('bunit_id') not in (None, '') else '/'.join(path_parts(consumer.get('bunit_path', ''))).lower()
        group = groups.setdefault((where, str(consumer.get('name', ''))), [])
        if int(consumer['id']) not in [int(item['id']) for item in group]:
            group.append(consumer)
    duplicates = []
    for (_where, name), units in groups.items():
        if len(units) < 2:
            continue
        ids = sorted(int(unit['id']) for unit in units)
        first = units[0]
        spellings = _spellings(first)
        claiming = []
        for host in hosts or sorted(results):
            result = results.get(host)
            if not isinstance(result, dict) or str(result.get('consumer', '')) != name:
                continue
            same_id = result.get('bunit_id') not in (None, '') and first.get('bunit_id') not in (None, '') \
                and int(result['bunit_id']) == int(first['bunit_id'])
            if same_id or '/'.join(path_parts(result.get('bunit', ''))).lower() in spellings:
                claiming.append(host)
        # The unit the modules used for a host (rivals.py invariant 6: the one holding the activated node, or the first
        # created), as its result says; without one, the lowest id stands for it.
        used = [int(results[host]['consumer_id']) for host in claiming if not results[host].get('error')
                and results[host].get('consumer_id') not in (None, '') and int(results[host]['consumer_id']) in ids]
        kept = used[0] if used else ids[0]
        activated = None
        if used:
            activated = False
        elif any(DUPLICATE_ERROR.match(str(results[host].get('error') or '')) for host in claiming):
            activated = True
        entry = dict(bunit_id=first.get('bunit_id'), bunit_path=first.get('bunit_path'), name=name, ids=ids, kept=kept,
                     others=[item for item in ids if item != kept], hosts=claiming, others_activated=activated)
        entry['hint'] = duplicate_hint(entry)
        duplicates.append(entry)
    duplicates.sort(key=lambda item: (str(item['bunit_path']), item['name'], item['kept']))
    return duplicates


def duplicate_hint(entry):
    """How to resolve a duplicated name: the task that deletes each other unit, and what is known of their nodes."""
    def delete(ids):
        return ('cloutility.cloutility.cloutility_consumer with bunit: %s, name: %s, consumer_id: %s, state: absent, '
                'delete_associations: true if it has a node' % (entry['bunit_path'], entry['name'], ids))

    others = ' / '.join(str(item) for item in entry['others'])
    if entry['others_activated'] is True:
        return ('The modules stop rather than guess (another unit than the oldest, id %s, holds an activated node, or the '
                'units are older than what controllers running at once leave): find which unit holds the backups and delete '
                'the others (%s).' % (entry['kept'], delete('<each id you do not keep>')))
    if entry['others_activated'] is False:
        return 'The modules use id %s; the others hold no activated node: delete them (%s).' % (entry['kept'], delete(others))
    if not entry['hosts']:
        return ('No inventory host names it; the oldest is id %s (the modules use it only when the others are minutes old and '
                'hold no activated node, as controllers running at once leave them): delete the others (%s), or every one '
                'when the machine is gone.' % (entry['kept'], delete(others)))
    return ('The oldest is id %s (the modules use it when the others are minutes old and hold no activated node, else they '
            'stop): delete the others (%s).' % (entry['kept'], delete(others)))


def _cell(value):
    return str('' if value is None else value).replace('|', '\\|').replace('\n', ' ')


def render_markdown(report):
    """The drift report as a Markdown document with a table of findings, one of duplicates and one of orphans."""
    summary = report.get('summary', {})
    lines = ['# Cloutility backup audit', '',
             'Generated %s. Hosts: %s, in sync: %s, drifted: %s, errors: %s, duplicated consumption unit names: %s, '
             'orphaned consumption units: %s.'
             % (report.get('generated'), summary.get('hosts'), summary.get('in_sync'), summary.get('drifted'),
                summary.get('errors'), summary.get('duplicates', 0), summary.get('orphans')), '',
             '## Drift', '']
    rows = []
    for host, entry in sorted(report.get('hosts', {}).items()):
        for finding in entry['findings']:
            rows.append('| %s | %s | %s | %s |' % (_cell(host), _cell(entry.get('bunit')), _cell(finding['kind']), _cell(finding['detail'])))
    if rows:
        lines += ['| Host | Business unit | Finding | Details |', '|---|---|---|---|'] + rows
    else:
        lines.append('No drift: every host matches the portal.')
    lines += ['', '## Duplicate consumption units', '']
    if report.get('duplicates'):
        lines += ['| Business unit | Consumption unit | Ids | Kept | Others hold an activated node | Hosts | Resolve |',
                  '|---|---|---|---|---|---|---|']
        lines += ['| %s | %s | %s | %s | %s | %s | %s |'
                  % (_cell(item['bunit_path']), _cell(item['name']), _cell(', '.join(str(each) for each in item['ids'])),
                     _cell(item['kept']), {True: 'yes', False: 'no'}.get(item.get('others_activated'), 'unknown'),
                     _cell(', '.join(item.get('hosts') or [])), _cell(item.get('hint')))
                  for item in report['duplicates']]
    else:
        lines.append('None: no name is used by more than one consumption unit of a covered business unit.')
    lines += ['', '## Orphaned consumption units', '']
    if report.get('orphans'):
        lines += ['| Business unit | Consumption unit | Id |', '|---|---|---|']
        lines += ['| %s | %s | %s |' % (_cell(item['bunit_path']), _cell(item['name']), _cell(item['id'])) for item in report['orphans']]
    else:
        lines.append('None: every consumption unit in the covered business units belongs to an inventory host.')
    return '\n'.join(lines) + '\n'


def summary_lines(report):
    """The report in a few lines of text for the play's output: the counts, each finding as host: detail, and each
    duplicated name (the orphans only counted: the report files list them)."""
    summary = report.get('summary', {})
    lines = ['%s host(s): %s in sync, %s drifted, %s error(s); %s duplicated consumption unit name(s), %s orphaned '
             'consumption unit(s)' % (summary.get('hosts'), summary.get('in_sync'), summary.get('drifted'),
                                      summary.get('errors'), summary.get('duplicates', 0), summary.get('orphans'))]
    for host, entry in sorted(report.get('hosts', {}).items()):
        lines += ['%s: %s' % (host, finding['detail']) for finding in entry['findings']]
    lines += ['duplicate: %s/%s (ids %s)' % (item['bunit_path'], item['name'], ', '.join(str(each) for each in item['ids']))
              for item in report.get('duplicates') or []]
    return lines


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

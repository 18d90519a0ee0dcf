# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters used by the onboard role and the audit playbook: claims, duplicates and the drift report."""

from __future__ import annotations

import datetime
import json
import re

from ansible.errors import AnsibleFilterError

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
        # Imported here: the role's per-host filters run in a new worker process for every host, which must not
        # pay for importing the HTTP client (requests) it does not use.
        from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree

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


OS_FROM_FACTS = {'Linux': 'Linux', 'Win32NT': 'Windows', 'Darwin': 'macOS', 'AIX': 'AIX'}
_NODE_NAME = re.compile(r'^[A-Z0-9_.+&-]{1,64}$')


def _text(value):
    return '' if value is None else str(value).strip()


def _flag(value):
    if isinstance(value, bool):
        return value
    return _text(value).lower() in ('1', 'true', 'yes', 'on', 'y', 't')


def onboard_settings(options, host):
    """One host's settings, worked out from the role's variables (``options``, keys without the ``onboard_`` prefix),
    with the cloutility_node_fleet entry under ``spec`` and what is wrong with them under ``problems``."""
    options = dict(options or {})
    bunit = _text(options.get('bunit'))
    consumer = _text(options.get('consumer_name'))
    operating_system = _text(options.get('operating_system')) or OS_FROM_FACTS.get(_text(options.get('facts_system')), '')
    if _text(options.get('node_name')):
        node_name = _text(options['node_name']).upper()
    elif options.get('node_name_source') == 'server':
        node_name = ''
    else:
        node_name = re.sub(r'[^A-Z0-9_.+&-]', '-', str(host).upper())[:64]
    check_mode = _flag(options.get('check_mode'))
    activate = _flag(options.get('activate', True))
    client_config = _flag(options.get('client_config'))
    password = options.get('node_password') or None
    problems = []
    if not bunit:
        problems.append('onboard_bunit is empty; set the business unit path the host belongs to.')
    if not consumer:
        problems.append('onboard_consumer_name is empty.')
    if not operating_system:
        problems.append('onboard_operating_system is not set and no facts were gathered (ansible_facts.system is %s); set it to '
                        "the portal's name such as Linux or Windows." % (_text(options.get('facts_system')) or 'unknown'))
    if node_name and not _NODE_NAME.match(node_name):
        offending = ' '.join(sorted(set(re.sub(r'[A-Z0-9_.+&-]', '', node_name)))) or 'too long'
        problems.append('Node name %s breaks the Storage Protect naming rules (at most 64 of A-Z 0-9 _ . - + &; offending: %s).'
                        % (node_name, offending))

    def managed(key):
        value = options.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    spec = dict(
        host=str(host), bunit=bunit, consumer=consumer, operating_system=operating_system,
        node_type=managed('node_type'), domain=managed('domain'), client_option_set=managed('client_option_set'),
        contact=options.get('contact'), cpu_count=options.get('cpu_count'), activate=activate,
        tsm_name=node_name if activate and node_name else None, node_password=password,
        # The portal's password is returned only to be written on the host; one the role set is written from its variable.
        return_password=bool(client_config and _text(options.get('client_password_file')) and not check_mode and not password),
        # What the client option files need from the backup server and the variables do not give: the fleet adds the
        # business unit's default server to the result when the node's own server lacks one of them.
        server_fields=_server_fields(client_config, options),
    )
    return dict(host=str(host), bunit=bunit, create_bunit=_flag(options.get('create_bunit')), consumer=consumer,
                operating_system=operating_system, node_name=node_name, activate=activate, client_config=client_config,
                server_address=_text(options.get('client_server_address')), server_port=_text(options.get('client_server_port')),
                # What the role's per-host task needs besides: it reads them from here instead of templating them again.
                continue_on_error=_flag(options.get('continue_on_error')), client_config_dir=_text(options.get('client_config_dir')),
                client_config_owner=_text(options.get('client_config_owner')), client_config_group=_text(options.get('client_config_group')),
                client_password_file=_text(options.get('client_password_file')),
                check_mode=check_mode, problems=problems, spec=spec, unknown_variables=_text(options.get('unknown_variables')) or 'warn')


def onboard_fleet_inputs(all_settings):
    """What the role's play-wide portal tasks take, worked out once from every host's settings (``onboard_settings``).

    - ``nodes``: the cloutility_node_fleet entries of the hosts whose settings have no problems;
    - ``check_mode``: whether any host runs in check mode (then no business unit is created);
    - ``create_bunits``: the business units to create (hosts with ``create_bunit``, outside check mode), once each
      however many hosts name them or however their paths are spelled, as ``{path, name, parent}``; paths given as
      ids are not created;
    - ``secret_results``: whether the fleet's results hold a password the portal generated (``return_password``).

    The role's tasks template these plain values instead of filters over the settings of every host (each of which
    costs time in proportion to the hosts, and the block's variables are templated again wherever they are used).
    """
    all_settings = [settings for settings in (all_settings or []) if isinstance(settings, dict)]
    ready = [settings for settings in all_settings if not settings.get('problems')]
    check_mode = any(settings.get('check_mode') for settings in all_settings)
    create_bunits, seen = [], set()
    for settings in ready if not check_mode else []:
        parts = onboard_path_parts(settings.get('bunit', ''))
        path = '/'.join(parts)
        if not settings.get('create_bunit') or not parts or re.match(r'^[0-9]+$', path) or path.lower() in seen:
            continue
        seen.add(path.lower())
        create_bunits.append(dict(path=path, name=parts[-1], parent='/'.join(parts[:-1])))
    nodes = [settings['spec'] for settings in ready if isinstance(settings.get('spec'), dict)]
    return dict(nodes=nodes, check_mode=check_mode, create_bunits=create_bunits,
                secret_results=any(node.get('return_password') for node in nodes))


def onboard_result(settings, results, created_bunits=()):
    """A host's ``onboard_result`` from its settings (``onboard_settings``) and the results of cloutility_node_fleet.

    ``created_bunits``: the paths of the business units the role created in this run (a host whose unit was created
    is changed, whatever happened to its node). In check mode a host whose business unit does not exist fails with
    the real run's message, unless the role would create it (``onboard_create_bunit``): then it is changed, and its
    diff shows the unit, its consumption unit and its node being created.
    """
    settings = dict(settings or {})
    result = (results or {}).get(settings.get('host')) or {}
    node = result.get('node') or {}
    changed, changed_keys, diff = bool(result.get('changed')), list(result.get('changed_keys') or []), result.get('diff') or {}
    bunit_created = _path_key(settings.get('bunit')) in set(_path_key(path) for path in created_bunits or ())
    if settings.get('problems'):
        error = ' '.join(settings['problems'])
    elif not result:
        error = 'no result from the fleet task (it failed or did not run)'
    elif result.get('bunit_missing') and settings.get('create_bunit'):
        error = None  # check mode: the role creates the business unit before the fleet runs
        changed, changed_keys, diff = True, ['bunit', 'consumer', 'node'], _creation_diff(settings)
    elif result.get('failed'):
        error = role_message(result.get('msg') or 'the node task failed')
    else:
        error = None
    if bunit_created and 'bunit' not in changed_keys:
        changed, changed_keys = True, ['bunit'] + changed_keys
    return dict(
        host=settings.get('host'), bunit=settings.get('bunit'), bunit_id=result.get('bunit_id'),
        bunit_missing=bool(result.get('bunit_missing')), consumer=settings.get('consumer'), consumer_id=result.get('consumer_id'),
        node_name=node.get('tsmName') or settings.get('node_name'), activate=settings.get('activate'),
        activated=result.get('activated'), changed=changed, changed_keys=changed_keys,
        diff=diff, error=error, check_mode=settings.get('check_mode'),
    )


def _path_key(path):
    return '/'.join(onboard_path_parts(path or '')).lower()


# The role variables of the node options that appear in cloutility_node's messages.
ROLE_VARIABLES = dict(activate='onboard_activate', tsm_name='onboard_node_name', node_password='onboard_node_password',
                      operating_system='onboard_operating_system', node_type='onboard_node_type', domain='onboard_domain',
                      client_option_set='onboard_client_option_set', contact='onboard_contact', cpu_count='onboard_cpu_count',
                      consumer='onboard_consumer_name', bunit='onboard_bunit')


def _creation_diff(settings):
    """The diff of a host whose business unit, consumption unit and node the real run would create: the node as
    cloutility_node's diff shows a new one (API keys, references by name), with the business unit to create."""
    # Imported here (check mode, a host in a business unit to create): the per-host task needs no node code otherwise.
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_OPTIONS

    spec = settings.get('spec') or {}
    after = dict(bunit=settings.get('bunit'), consumer=dict(name=settings.get('consumer')))
    for key, option in NODE_OPTIONS.items():
        if option.get('api') and spec.get(key) not in (None, ''):
            after[option['api']] = dict(name=spec[key]) if option.get('kind') == 'ref' else spec[key]
    if spec.get('tsm_name'):
        after['tsmName'] = spec['tsm_name']
    return dict(before={}, after=after)


_RENAME = re.compile(r"tsm_name '([^']*)' differs and a node cannot be renamed\. Set tsm_name to '([^']*)' or leave it out\.")
_NEEDS = re.compile(r'creating one needs ([a-z_, ]+) \(missing: ([a-z_, ]+)\)')


def role_message(message):
    """A cloutility_node message in the role's words: its variables instead of the module's options."""
    def variables(text):
        return ', '.join(ROLE_VARIABLES.get(name.strip(), name.strip()) for name in text.split(','))

    first = message.split(' ', 1)
    if len(first) == 2 and first[0] in ROLE_VARIABLES:  # "node_password must be ...": an input rule of the option
        message = '%s %s' % (ROLE_VARIABLES[first[0]], first[1])
    message = _RENAME.sub(lambda match: (
        "the role's node name '%s' (onboard_node_name, else the host name) differs and a node cannot be renamed. Set "
        "onboard_node_name: '%s' for this host, or onboard_node_name_source: server to keep the name it has" % match.groups()), message)
    return _NEEDS.sub(lambda match: 'creating one needs %s (missing: %s)' % (variables(match.group(1)), variables(match.group(2))), message)


def onboard_results(settings, results):
    """``{host: onboard_result}`` for every host's settings (the onboard role's settings step, a list) at once."""
    return dict((entry.get('host'), onboard_result(entry, results)) for entry in settings or [] if isinstance(entry, dict))


def _server_fields(client_config, options):
    """The keys of the backup server a host's client option files need and its variables do not give."""
    if not client_config:
        return []
    return ['name'] + [key for key, option in (('tcpAddress', 'client_server_address'), ('tcpPort', 'client_server_port'))
                       if not _text(options.get(option))]


def _show(value):
    """A value for people: nested references by name, absent as None."""
    if isinstance(value, dict):
        return value.get('name', value.get('id'))
    return value


def onboard_drift(result):
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
                    onboard_bunit_missing=onboard_bunit_missing,
                    onboard_settings=onboard_settings, onboard_result=onboard_result, onboard_results=onboard_results,
                    onboard_drift=onboard_drift, audit_report=audit_report,
                    audit_markdown=audit_markdown, audit_json=audit_json)

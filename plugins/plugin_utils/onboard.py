# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the onboard role does for one host, in the order it happens (controller side, no HTTP here).

1. ``host_settings``: the host's role variables (as a task of that host sees them) templated, checked against the
   role's ``meta/argument_specs.yml`` and cloutility_node's input rules, and worked out into the host's settings:
   business unit, consumption unit, node name, client options, its cloutility_node_fleet entry (``spec``) and what
   is wrong (``problems``, in the role's variable names).
2. ``fleet_inputs``: once for the play, what the portal tasks take from every host's settings (the fleet's entries,
   the business units to create).
3. ``host_result``: after the fleet task, the host's ``onboard_result`` from its settings and its fleet entry.

The role's action plugins (``plugins/action/cloutility_onboard_settings.py``, ``cloutility_onboard_result.py``) only
read Ansible's variables and call these; ``plugins/plugin_utils/audit.py`` turns the results into the audit report.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import option_problems
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_OPTIONS, validate_node_params

PREFIX = 'onboard_'
# Variables named onboard_* that are not the role's options: its own fact, the playbooks' variables.
NOT_OPTIONS = ('onboard_result', 'onboard_hosts', 'onboard_gather_facts')
OS_FROM_FACTS = {'Linux': 'Linux', 'Win32NT': 'Windows', 'Darwin': 'macOS', 'AIX': 'AIX'}
NODE_NAME = re.compile(r'^[A-Z0-9_.+&-]{1,64}$')
# The node's settings the role passes on as onboard_<option>, derived from the declaration: every field cloutility_node
# writes (NODE_OPTIONS with ``api``) but those the role works out itself (the operating system from facts, a node type of
# its own default) and the server (always the business unit's default). A new field of NODE_OPTIONS is a role variable
# here at once; tests/unit/plugins/plugin_utils/test_declared_once.py fails until the role's argument spec, defaults and
# README (and the fleet's docs) have it too.
ROLE_WORKS_OUT = ('operating_system', 'node_type')
NOT_IN_ROLE = ('server',)
NODE_SETTINGS = tuple(option for option, declared in NODE_OPTIONS.items()
                      if declared.get('api') and option not in ROLE_WORKS_OUT + NOT_IN_ROLE)
# The role variables of the node options that appear in cloutility_node's messages.
ROLE_VARIABLES = dict(dict((option, PREFIX + option) for option in NODE_SETTINGS + ROLE_WORKS_OUT),
                      activate='onboard_activate', tsm_name='onboard_node_name', node_password='onboard_node_password',
                      consumer='onboard_consumer_name', bunit='onboard_bunit')


# 1. The host's settings --------------------------------------------------------------------------------------------

def host_settings(host, host_vars, spec, templar, check_mode, validator=None):
    """One host's settings from its variables (``host_vars``, templated with ``templar`` in the host's context),
    checked against the role's argument spec ``spec`` (its options) and cloutility_node's input rules."""
    values, problems = {}, []
    for name in spec:
        if name not in host_vars:
            continue
        value = host_vars[name]
        if isinstance(value, (bool, int, float)) or value is None or (isinstance(value, str) and '{' not in value):
            values[name] = value  # nothing to template
            continue
        reference = _plain_reference(value, host_vars)
        if reference is not None:
            values[name] = reference  # "{{ inventory_hostname }}": that variable's text, without a template per host
            continue
        try:
            values[name] = templar.template(value)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # An undefined variable in one host's value is that host's problem, named after the variable.
            problems.append('%s: %s' % (name, exc))
    # The validator deep-copies its input: plain types copy much faster than values with ansible-core's data tags.
    validated = (validator or ArgumentSpecValidator(spec)).validate(plain(values), validate_role_argument_spec=True)
    problems.extend('%s (fix the variable of this host).' % message for message in validated.error_messages)
    options = dict((name[len(PREFIX):], value) for name, value in validated.validated_parameters.items() if name.startswith(PREFIX))
    if _flag(options.get('audit')) and not check_mode:
        problems.append('onboard_audit: true compares only, so it needs check mode (the play keyword check_mode, as the '
                        'audit playbook sets it, or --check); without it the role would write to the portal.')
    facts = host_vars.get('ansible_facts') or {}
    options.update(facts_system=facts.get('system', '') if isinstance(facts, dict) else '',
                   check_mode=check_mode or _flag(options.get('audit')))
    settings = settings_from_options(options, host)
    settings['problems'] = problems + settings['problems']
    if not settings['problems']:
        # cloutility_node's input rules, which the fleet would apply to the whole play: here they fail this host alone.
        settings['problems'] = node_problems(settings['spec'])
    return settings


def settings_from_options(options, host):
    """One host's settings from its checked role variables (``options``, keys without the ``onboard_`` prefix), with
    its cloutility_node_fleet entry under ``spec`` and what is wrong with them under ``problems``."""
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
    if node_name and not NODE_NAME.match(node_name):
        offending = ' '.join(sorted(set(re.sub(r'[A-Z0-9_.+&-]', '', node_name)))) or 'too long'
        problems.append('Node name %s breaks the Storage Protect naming rules (at most 64 of A-Z 0-9 _ . - + &; offending: %s).'
                        % (node_name, offending))

    def managed(key):
        value = options.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    spec = dict(
        # A reference left blank is not managed; any other setting as given (an empty contact clears it).
        ((option, managed(option) if NODE_OPTIONS[option].get('kind') == 'ref' else options.get(option)) for option in NODE_SETTINGS),
        host=str(host), bunit=bunit, consumer=consumer, operating_system=operating_system,
        node_type=managed('node_type'), activate=activate,
        tsm_name=node_name if activate and node_name else None, node_password=password,
        # The portal's password is returned only to be written on the host; one the role set is written from its variable.
        return_password=bool(client_config and _text(options.get('client_password_file')) and not check_mode and not password),
        # What the client option files need from the backup server and the variables do not give.
        server_fields=_server_fields(client_config, options),
    )
    return dict(host=str(host), bunit=bunit, create_bunit=_flag(options.get('create_bunit')), consumer=consumer,
                operating_system=operating_system, node_name=node_name, activate=activate, client_config=client_config,
                server_address=_text(options.get('client_server_address')), server_port=_text(options.get('client_server_port')),
                # What the per-host task needs besides, so that it templates nothing.
                continue_on_error=_flag(options.get('continue_on_error')), client_config_dir=_text(options.get('client_config_dir')),
                client_config_owner=_text(options.get('client_config_owner')), client_config_group=_text(options.get('client_config_group')),
                client_password_file=_text(options.get('client_password_file')),
                check_mode=check_mode, problems=problems, spec=spec, unknown_variables=_text(options.get('unknown_variables')) or 'warn')


def node_problems(spec):
    """What cloutility_node's input rules find wrong with a host's fleet entry, in the role's variables."""
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


def unknown_variable_warnings(unknown, spec, settings):
    """Name each onboard_* variable that is none of the role's (``{variable: [hosts]}``) with the nearest known name:
    a problem of the hosts with ``onboard_unknown_variables: error``; the warnings to show for those with ``warn``."""
    warnings = []
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
            warnings.append('%s; it is ignored (hosts: %s%s).' % (text, ', '.join(warned[:5]), ', ...' if len(warned) > 5 else ''))
    return warnings


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


# 2. Once for the play: what the portal tasks take ------------------------------------------------------------------

def fleet_inputs(all_settings):
    """What the role's play-wide portal tasks take, from every host's settings:

    - ``nodes``: the cloutility_node_fleet entries of the hosts whose settings have no problems;
    - ``check_mode``: whether any host runs in check mode (then no business unit is created);
    - ``create_bunits``: the business units to create (hosts with ``create_bunit``, outside check mode), once each
      however many hosts name them or however their paths are spelled, as ``{path, name, parent}``; never a unit
      given by id;
    - ``secret_results``: whether the fleet's results hold a password the portal generated (``return_password``).
    """
    all_settings = [settings for settings in (all_settings or []) if isinstance(settings, dict)]
    ready = [settings for settings in all_settings if not settings.get('problems')]
    check_mode = any(settings.get('check_mode') for settings in all_settings)
    create_bunits, seen = [], set()
    for settings in ready if not check_mode else []:
        parts = path_parts(settings.get('bunit', ''))
        path = '/'.join(parts)
        if not settings.get('create_bunit') or not parts or re.match(r'^[0-9]+$', path) or path.lower() in seen:
            continue
        seen.add(path.lower())
        create_bunits.append(dict(path=path, name=parts[-1], parent='/'.join(parts[:-1])))
    nodes = [settings['spec'] for settings in ready if isinstance(settings.get('spec'), dict)]
    return dict(nodes=nodes, check_mode=check_mode, create_bunits=create_bunits,
                secret_results=any(node.get('return_password') for node in nodes))


# 3. The host's result ----------------------------------------------------------------------------------------------

def host_result(settings, fleet_result, created_bunits=()):
    """A host's ``onboard_result`` from its settings and its entry in cloutility_node_fleet's results (``{}``
    when it has none).

    ``created_bunits``: the paths of the business units the role created in this run (a host whose unit was created
    is changed, whatever happened to its node). In check mode a host whose business unit does not exist fails with
    the real run's message, unless the role would create it (``onboard_create_bunit``): then it is changed, and its
    diff shows the unit, its consumption unit and its node being created.
    """
    settings = dict(settings or {})
    result = fleet_result if isinstance(fleet_result, dict) else {}
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


def host_results(all_settings, fleet_results):
    """``{host: onboard_result}`` for every host's settings (a list) and the fleet's results by host."""
    fleet_results = fleet_results if isinstance(fleet_results, dict) else {}
    return dict((entry.get('host'), host_result(entry, fleet_results.get(entry.get('host'))))
                for entry in all_settings or [] if isinstance(entry, dict))


def _creation_diff(settings):
    """The diff of a host whose business unit, consumption unit and node the real run would create: the node as
    cloutility_node's diff shows a new one (API keys, references by name), with the business unit to create."""
    spec = settings.get('spec') or {}
    after = dict(bunit=settings.get('bunit'), consumer=dict(name=settings.get('consumer')))
    for key, option in NODE_OPTIONS.items():
        if option.get('api') and spec.get(key) not in (None, ''):
            after[option['api']] = dict(name=spec[key]) if option.get('kind') == 'ref' else spec[key]
    if spec.get('tsm_name'):
        after['tsmName'] = spec['tsm_name']
    return dict(before={}, after=after)


# What the role registered for the play, read by variable name ----------------------------------------------------

def registered(task_vars, name, key):
    """``task_vars[name][key]``: part of a result registered once for the play (None when it is not there).

    Read from the variables as they are: templating a result of 1,000 hosts in every host's task would cost time in
    proportion to the hosts, for each of them.
    """
    value = task_vars.get(name) if name else None
    return value.get(key) if isinstance(value, dict) else None


def host_entry(task_vars, name, key, host):
    """``task_vars[name][key][host]``: this host's entry in a result registered once for the play."""
    entries = registered(task_vars, name, key)
    return entries.get(host) if isinstance(entries, dict) else None


def created_bunits(loop_results):
    """The paths of the business units a registered cloutility_bunit loop (the role's, over ``create_bunits``) created."""
    return [item['item'].get('path') for item in loop_results or []
            if isinstance(item, dict) and item.get('changed') and isinstance(item.get('item'), dict)]


# Small helpers -----------------------------------------------------------------------------------------------------

def path_parts(path):
    """'Acme Hosting / Customers/Contoso/' -> ['Acme Hosting', 'Customers', 'Contoso']."""
    return [part.strip() for part in str(path).split('/') if part.strip()]


def _path_key(path):
    return '/'.join(path_parts(path or '')).lower()


def _server_fields(client_config, options):
    """The keys of the backup server a host's client option files need and its variables do not give."""
    if not client_config:
        return []
    return ['name'] + [key for key, option in (('tcpAddress', 'client_server_address'), ('tcpPort', 'client_server_port'))
                       if not _text(options.get(option))]


REFERENCE = re.compile(r'^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$')


def _plain_reference(value, host_vars):
    """The value of the variable ``value`` names when it is exactly ``{{ name }}`` and that variable is text with
    nothing to template; else None (the template engine decides, and names any undefined variable)."""
    match = REFERENCE.match(value) if isinstance(value, str) else None
    target = host_vars.get(match.group(1)) if match else None
    return target if isinstance(target, str) and '{' not in target else None


def plain(value):
    """``value`` made of plain Python types: no data tags (ansible-core 2.19+), no AnsibleUnsafe or AnsibleUnicode."""
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


def _text(value):
    return '' if value is None else str(value).strip()


def _flag(value):
    if isinstance(value, bool):
        return value
    return _text(value).lower() in ('1', 'true', 'yes', 'on', 'y', 't')

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup nodes: name rules, parameter checks, reference resolution, node and proxy reads.

Plain Python (no Ansible). No workflow and no write lives here: workflows.py builds the plans of
cloutility_node and cloutility_proxy from these pieces and the engine (reconcile.py) sends them.
"""

from __future__ import annotations

import copy
import threading

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    CloutilityApiError,
    CloutilityError,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import (
    bunit_problem,
    consumers_path,
    find_consumer,
    find_ref,
    get_optional,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import (
    MASK,
    ResourceSpec,
    split_declaration,
)

# ---------------------------------------------------------------------------- node names
TSM_NAME_MAX = 64
TSM_NAME_SPECIALS = '_.-+&'
_TSM_NAME_CHARS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' + TSM_NAME_SPECIALS)


def _describe_char(char):
    if char == ' ':
        return 'a space'
    if char == '\t':
        return 'a tab'
    if not char.isprintable():
        return 'the control character U+%04X' % ord(char)
    return "'%s'" % char


def validate_tsm_name(name, option='tsm_name'):
    """The node name as IBM Storage Protect stores it (upper case), or a CloutilityError saying what to fix.

    A client node name is 1 to 64 characters from A-Z, 0-9 and ``_ . - + &``; letters are
    case-insensitive.
    """
    if name is None or not str(name):
        raise CloutilityError('%s must not be empty: a node name is 1 to %d characters from A-Z, 0-9 and %s'
                              % (option, TSM_NAME_MAX, ' '.join(TSM_NAME_SPECIALS)))
    text = str(name)
    upper = text.upper()
    for position, (char, upper_char) in enumerate(zip(text, upper), start=1):
        if upper_char not in _TSM_NAME_CHARS or len(char.upper()) != 1:
            raise CloutilityError(
                "%s '%s' is not a valid IBM Storage Protect node name: %s at position %d is not allowed. "
                "Use only letters A-Z, digits 0-9 and %s (no spaces)."
                % (option, text, _describe_char(char), position, ' '.join(TSM_NAME_SPECIALS)))
    if len(text) > TSM_NAME_MAX:
        raise CloutilityError("%s '%s' is %d characters long; an IBM Storage Protect node name has at most %d"
                              % (option, text, len(text), TSM_NAME_MAX))
    return upper


def same_tsm_name(first, second):
    return (first or '').strip().upper() == (second or '').strip().upper()


# ---------------------------------------------------------------------------- paths and state
def node_path(bunit_id, consumer_id, suffix=None):
    path = '%s/node' % consumers_path(bunit_id, consumer_id)
    return path if not suffix else '%s/%s' % (path, suffix.lstrip('/'))


def get_node(client, bunit_id, consumer_id):
    """The node of a consumption unit, or None when the unit has none."""
    return get_optional(client, node_path(bunit_id, consumer_id), what='a backup node')


def is_activated(node):
    return bool(node and (node.get('activatedDate') or node.get('tsmName')))


def ref_id(value):
    if isinstance(value, dict):
        return value.get('id')
    return value


# ---------------------------------------------------------------------------- the node options, declared once
# cloutility_node's argument_spec and the engine's field spec (NODE) both come from this declaration.
def tsm_name_problem(name):
    """What is wrong with a node name (validate_tsm_name), or None: an input rule (ansible_module.option_problems)."""
    try:
        validate_tsm_name(name)
    except CloutilityError as exc:
        text = str(exc)
        return text[len('tsm_name '):] if text.startswith('tsm_name ') else text
    return None


def node_password_problem(password):
    """What is wrong with a node password, or None. 8 to 64 characters without spaces: IBM Storage Protect's default
    rule (a server may ask for more); checked before the first request, since the portal refuses it only after the
    consumption unit and node exist."""
    if not NODE_PASSWORD_MIN <= len(password) <= TSM_NAME_MAX or any(char.isspace() for char in password):
        return ('must be %d to %d characters without spaces (the backup server may require more)'
                % (NODE_PASSWORD_MIN, TSM_NAME_MAX))
    return None


NODE_PASSWORD_MIN = 8

# cloutility_node's options, declared once: the argument spec, the API key each manages (``api``, ``kind``: the engine's
# fields) and the input rules (``not_blank``, ``min``, ``check``: ansible_module.option_problems). cloutility_node_fleet
# takes them for each entry of ``nodes``; the onboard role checks each host's node settings with them.
NODE_OPTIONS = dict(
    bunit=dict(type='str', check=bunit_problem),
    consumer=dict(type='str', not_blank=True),
    consumer_id=dict(type='int', min=1),
    operating_system=dict(type='str', api='operatingSystem', kind='ref', not_blank=True),
    node_type=dict(type='str', api='type', kind='ref', not_blank=True),
    domain=dict(type='str', api='domain', kind='ref', not_blank=True),
    client_option_set=dict(type='str', api='clientOptionSet', kind='ref', not_blank=True),
    server=dict(type='str', api='server', kind='ref', not_blank=True),
    contact=dict(type='str', api='contact'),
    cpu_count=dict(type='int', api='cpuCount', min=1, max=4096),
    activate=dict(type='bool', default=False),
    tsm_name=dict(type='str', check=tsm_name_problem),
    node_password=dict(type='str', no_log=True, check=node_password_problem),
    update_password=dict(type='str', default='on_create', choices=['on_create', 'always'], no_log=False),
    return_password=dict(type='bool', default=False, no_log=False),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    deletion_comment=dict(type='str', only_in_state='absent'),
)
NODE_ARGUMENT_SPEC, _NODE_FIELDS = split_declaration(NODE_OPTIONS)
NODE = ResourceSpec('node', _NODE_FIELDS, secrets=('tsmPassword',), volatile=('syncState',))

# The fields a PUT replaces: everything else of the node is server-managed.
WRITABLE_KEYS = ('operatingSystem', 'type', 'domain', 'clientOptionSet', 'server', 'contact', 'cpuCount')
REQUIRED_ON_CREATE = ('operating_system', 'node_type', 'domain')


def writable_body(node):
    """The PUT/POST body: writable fields only, references by id."""
    body = {}
    for key in WRITABLE_KEYS:
        value = node.get(key)
        if value is None:
            continue
        body[key] = {'id': value['id']} if isinstance(value, dict) and 'id' in value else value
    return body


# ---------------------------------------------------------------------------- reference data
class ReferenceCache:
    """Reference data read once and shared: by the references of one task, or by every host of a play (fleet mode).

    Thread-safe: one loader runs per key; other threads asking for that key wait for its answer.
    """

    def __init__(self):
        self._guard = threading.Lock()
        self._values = {}
        self._locks = {}

    def get(self, key, load):
        with self._guard:
            if key in self._values:
                return self._values[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._values:
                    return self._values[key]
            value = load()
            with self._guard:
                self._values[key] = value
            return value

    def loaded(self, kind):
        """``{rest of key: value}`` of what has been read under keys ``(kind, ...)``, such as ``('consumers', bunit_id)``."""
        with self._guard:
            return dict((key[1:] if len(key) > 2 else key[1], value) for key, value in self._values.items()
                        if isinstance(key, tuple) and key and key[0] == kind)


class References:
    """Name -> object resolution of the node's references, each list fetched at most once.

    Operating systems and node types are global; domains, client option sets and the server
    are those of the business unit's default server.
    """

    KINDS = {
        'operating_system': ('operatingSystem', 'Operating system'),
        'node_type': ('type', 'Node type'),
        'domain': ('domain', 'Domain'),
        'client_option_set': ('clientOptionSet', 'Client option set'),
        'server': ('server', 'Backup server'),
    }

    def __init__(self, client, bunit_id, cache=None):
        self.client = client
        self.bunit_id = bunit_id
        self.cache = cache if cache is not None else ReferenceCache()

    def default_server(self):
        path = 'bunits/%s/defaultserver' % self.bunit_id
        return self.cache.get(('defaultserver', self.bunit_id), lambda: self.client.get_object(path, what='the default backup server'))

    def _load(self, option):
        if option == 'operating_system':
            items = self.client.get_all('nodeoperatingsystems')
        elif option == 'node_type':
            items = self.client.get_all('nodetypes')
        elif option == 'domain':
            items = self.client.get_all('bunits/%s/defaultserver/domains' % self.bunit_id)
        elif option == 'client_option_set':
            items = self.client.get_all('bunits/%s/defaultserver/clientoptionsets' % self.bunit_id)
        elif option == 'server':
            items = [self.default_server()]
        else:
            raise CloutilityError('Unknown node reference %s' % option)
        return [item for item in items if isinstance(item, dict)]

    def items(self, option):
        # Operating systems and node types are the same for every unit; the rest belong to the unit's default server.
        scope = None if option in ('operating_system', 'node_type') else self.bunit_id
        return self.cache.get((option, scope), lambda: self._load(option))

    def resolve(self, option, value, current=None):
        """The object ``value`` (a name or an id) names.

        When the node already refers to an object with that id or name, it is taken without a
        lookup, so a run that changes nothing reads no reference data.
        """
        if isinstance(current, dict) and current.get('id') is not None:
            text = str(value).strip()
            if text.isdigit():
                if int(text) == current['id']:
                    return current
            elif isinstance(current.get('name'), str) and current['name'].strip().lower() == text.lower():
                return current
        key, label = self.KINDS[option]
        found = find_ref(self.items(option), value, label)
        return dict((k, found[k]) for k in ('id', 'name', 'supportedNodeTypes') if k in found)

    def resolve_all(self, params, current=None):
        current = current or {}
        resolved = {}
        for option, (key, label) in self.KINDS.items():
            if params.get(option) is None:
                continue
            existing = current.get(key)
            if option == 'server' and existing is None:
                existing = (current.get('domain') or {}).get('server')
            resolved[option] = self.resolve(option, params[option], existing)
        check_type_supported(resolved.get('operating_system'), resolved.get('node_type'))
        return resolved


def check_type_supported(operating_system, node_type):
    """Refuse an OS / node type pair the portal does not offer, before any write."""
    if not operating_system or not node_type:
        return
    supported = operating_system.get('supportedNodeTypes')
    if not isinstance(supported, list) or not supported:
        return
    ids = [ref_id(item) for item in supported]
    if node_type.get('id') not in ids:
        names = [item.get('name') for item in supported if isinstance(item, dict) and item.get('name')]
        raise CloutilityError("Node type '%s' is not supported for operating system '%s'. Supported: %s"
                              % (node_type.get('name'), operating_system.get('name'),
                                 ', '.join(names) if names else ', '.join(str(i) for i in ids)))


# ---------------------------------------------------------------------------- activation
def plan_activation(node, activate, tsm_name):
    """Decide, before any write, what activation the task needs.

    Returns None (nothing to do) or the validated upper-case name to activate with ('' means: ask
    the server for a suggested name). Raises when the node is active under another name.
    """
    wanted = validate_tsm_name(tsm_name) if tsm_name is not None else None
    if is_activated(node):
        current = node.get('tsmName')
        if wanted is not None and current and not same_tsm_name(current, wanted):
            raise CloutilityError(
                "Node of consumption unit %s is already activated as '%s'; tsm_name '%s' differs and a node cannot be "
                "renamed. Set tsm_name to '%s' or leave it out." % (ref_id(node.get('consumer')) or '?', current, tsm_name, current))
        return None
    if not activate:
        return None
    return wanted or ''


def suggested_name(client, bunit_id, consumer_id):
    name = client.get(node_path(bunit_id, consumer_id, 'spname'))
    if isinstance(name, dict):
        name = name.get('name') or name.get('tsmName') or name.get('value')
    if not isinstance(name, str) or not name.strip():
        raise CloutilityError('GET /v1/%s did not return a suggested node name; set tsm_name'
                              % node_path(bunit_id, consumer_id, 'spname'))
    return validate_tsm_name(name.strip(), option='The server-suggested name')


# ---------------------------------------------------------------------------- cloutility_node
def short(obj, keys=('id', 'name')):
    return dict((key, obj.get(key)) for key in keys if isinstance(obj, dict) and key in obj)


def present_node(node, return_password):
    if node is None:
        return {}
    shown = copy.deepcopy(node)
    if not return_password and shown.get('tsmPassword'):
        shown['tsmPassword'] = MASK
    return shown


def validate_node_params(params):
    """The rules that combine options, checked before the first request."""
    if params.get('consumer') is None and params.get('consumer_id') is None:
        raise CloutilityError('Set consumer (the consumption unit name) or consumer_id')
    if params.get('state') == 'absent':
        given = [option for option in ('activate', 'tsm_name', 'node_password') if params.get(option) not in (None, False)]
        if given:
            raise CloutilityError('%s cannot be used with state: absent (it deletes the node); leave %s out'
                                  % (', '.join(given), 'them' if len(given) > 1 else 'it'))
    if params.get('tsm_name') is not None and not params.get('activate'):
        raise CloutilityError('tsm_name is the name to activate the node with and needs activate: true; on a node that is '
                              'already activated with that name, activate: true changes nothing')
    # The rules of single options (a blank consumer, a node name, a password, a range) are declared with each option in
    # NODE_OPTIONS and checked before this, by ansible_module.option_problems.


def pending_deletion(consumer, node):
    """Whether a deletion request is already waiting for this consumer / node (approval workflow)."""
    for obj in (node, consumer):
        if not isinstance(obj, dict):
            continue
        if obj.get('deletionRequested') or obj.get('deletionRequest') or obj.get('pendingDeletion'):
            return True
        state = obj.get('dataSourceState')
        if isinstance(state, dict) and 'delet' in str(state.get('name', '')).lower():
            return True
    return False


# ---------------------------------------------------------------------------- proxies
def _proxy_ids(items):
    """Consumer ids and node ids of a node's proxyAgents / proxyTargets list."""
    ids = set()
    for item in items or []:
        if not isinstance(item, dict):
            continue
        consumer = item.get('consumer')
        if isinstance(consumer, dict) and consumer.get('id') is not None:
            ids.add(('consumer', consumer['id']))
        if item.get('consumerId') is not None:
            ids.add(('consumer', item['consumerId']))
        if item.get('id') is not None:
            ids.add(('node', item['id']))
    return ids


def in_proxy_list(items, consumer_id, node):
    ids = _proxy_ids(items)
    return ('consumer', consumer_id) in ids or (node is not None and ('node', node.get('id')) in ids)


def proxy_list(node, key):
    return [proxy_summary(item) for item in (node or {}).get(key) or [] if isinstance(item, dict)]


def proxy_summary(item):
    summary = dict((k, item[k]) for k in ('id', 'name', 'tsmName') if k in item)
    consumer = item.get('consumer')
    if isinstance(consumer, dict):
        summary['consumer'] = short(consumer)
        if consumer.get('businessUnit'):
            summary['consumer']['businessUnit'] = short(consumer['businessUnit'])
    return summary


class ProxySide:
    """One end of a proxy relationship: its unit, consumption unit and node."""

    def __init__(self, role, bunit, consumer, node):
        self.role = role
        self.bunit = bunit
        self.consumer = consumer
        self.node = node

    def describe(self):
        return "%s '%s' (consumption unit id %s)" % (self.role, self.consumer.get('name'), self.consumer.get('id'))

    def summary(self):
        out = dict(consumer_id=self.consumer['id'], name=self.consumer.get('name'), bunit_id=self.bunit['id'])
        if self.node:
            out.update(node_id=self.node.get('id'), tsm_name=self.node.get('tsmName'))
        return out


def proxy_side(client, tree, role, bunit_ref, name, consumer_id, required):
    bunit = tree.resolve(bunit_ref)
    if name is None and consumer_id is None:
        raise CloutilityError('Set %s or %s_id' % (role, role))
    try:
        consumer = find_consumer(client, bunit['id'], name, consumer_id)
    except CloutilityApiError:
        raise
    except CloutilityError as exc:
        raise CloutilityError('Proxy %s: %s' % (role, str(exc).replace('Set consumer_id', 'Set %s_id' % role)))
    if consumer is None:
        if not required:
            return None
        raise CloutilityError("Proxy %s %s not found in business unit %s" % (
            role, "'%s'" % name if consumer_id is None else 'id %s' % consumer_id, tree.path(bunit['id'])))
    node = get_node(client, bunit['id'], consumer['id'])
    return ProxySide(role, bunit, consumer, node)


def require_active(side):
    if side.node is None:
        raise CloutilityError('Proxy %s has no backup node; create it with cloutility.cloutility.cloutility_node first'
                              % side.describe())
    if not is_activated(side.node):
        raise CloutilityError('Proxy %s is not activated; activate it (cloutility_node activate=true) before it can take part '
                              'in a proxy relationship' % side.describe())


def proxy_label(item):
    consumer = item.get('consumer') if isinstance(item.get('consumer'), dict) else {}
    return item.get('tsmName') or consumer.get('name') or item.get('name') or str(item.get('id'))

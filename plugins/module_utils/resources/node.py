# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup nodes (cloutility_node, cloutility_node_info, the fleet): the declaration (NODE_OPTIONS), name rules,
reference resolution, reads, and the plan that brings a consumption unit and its node to what a task wants.

Plain Python (no Ansible), no module-level mutable state: ``ensure_node`` may be called from many threads at
once (fleet mode), sharing one ReferenceCache. The unit is created and deleted through consumer.py's steps.
"""

from __future__ import annotations

import copy
import threading
import time

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import DEFAULT_WORKERS, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import mask_keys, short
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import bunit_problem, find_ref
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import (
    PartialWriteError,
    Plan,
    refused,
    ResourceSpec,
    Step,
    StepFailed,
    consumer_lock_key,
    name_refused_fields,
    object_lock,
    split_declaration,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import ENDPOINTS, endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import (
    CONSUMER,
    DuplicateUnits,
    consumers_path,
    find_consumer,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import create as create_consumer, delete as delete_consumer
from ansible_collections.cloutility.cloutility.plugins.module_utils.rivals import (
    MAX_ROUNDS,
    LostRace,
    NoUnitLeft,
    Rivals,
    describe,
    keeper,
    young,
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
def node_path(bunit_id, consumer_id, name='node'):
    """The path of the node endpoint ``name`` (endpoints.py: node, node_spname, node_activate...) of a consumption unit."""
    return endpoint(name, bunit=bunit_id, consumer=consumer_id)


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
    # A reference (``kind='ref'``) names an object of the list at endpoint ``source`` (endpoints.py); ``label`` names
    # its kind in messages; ``on_create``: a node cannot be created without it.
    operating_system=dict(type='str', api='operatingSystem', kind='ref', not_blank=True, label='Operating system',
                          source='operating_systems', on_create=True),
    node_type=dict(type='str', api='type', kind='ref', not_blank=True, label='Node type', source='node_types', on_create=True),
    domain=dict(type='str', api='domain', kind='ref', not_blank=True, label='Domain', source='domains', on_create=True),
    client_option_set=dict(type='str', api='clientOptionSet', kind='ref', not_blank=True, label='Client option set',
                           source='client_option_sets'),
    server=dict(type='str', api='server', kind='ref', not_blank=True, label='Backup server', source='default_server'),
    contact=dict(type='str', api='contact'),
    cpu_count=dict(type='int', api='cpuCount', min=1, max=4096, create_default=1),  # the real clients always send it
    locked=dict(type='bool', api='locked', api_default=False),  # published on Node; sent in its PUT (UNPUBLISHED_WRITES)
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

# The fields a PUT replaces (the declared ones): everything else of the node is server-managed.
WRITABLE_KEYS = tuple(field.key for field in NODE.fields)
REQUIRED_ON_CREATE = tuple(field.option for field in NODE.fields if field.on_create)
# The references, by option: each a Field with its label and source.
REFERENCES = dict((field.option, field) for field in NODE.fields if field.kind == 'ref')


# Fields the published model lists on Node but no document says its PUT takes (no lock / unlock endpoint is published).
UNPUBLISHED_WRITES = ('locked',)


def put_node(client, path, body, changed):
    """The node's PUT of ``body`` (the whole node, writable fields), ``changed`` the keys it changes. A 400 to a PUT that
    changes a field of UNPUBLISHED_WRITES that the portal's message names says that the portal would not take that field."""
    try:
        return client.put(path, json=writable_body(body))
    except CloutilityApiError as exc:
        raise name_refused_fields(exc, changed, UNPUBLISHED_WRITES, "the node's PUT") from None


def password_first(plan):
    """The password step before the node's update when the update locks or unlocks it: a node locked by wrong passwords
    is unlocked only once its new password is set (what the vendor describes), and stays locked when the password fails."""
    names = plan.names()
    if 'update_node' in names and 'set_password' in names:
        update = plan.steps[names.index('update_node')]
        if 'locked' in update.changed_keys:
            password = plan.steps.pop(names.index('set_password'))
            plan.steps.insert(plan.steps.index(update), password)
    return plan


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
        self._fresh = {}

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

    def fresh(self, key, since, load):
        """A value read after ``since`` (a time.monotonic() of the caller's): a read of ``key`` that started at or after it,
        in flight or done, serves this caller too; else a new one starts. Threads that each need a read newer than their
        own write (the fleet's race checks) share few reads instead of one each."""
        with self._guard:
            entry = self._fresh.get(key)
            mine = entry is None or entry['started'] < since
            if mine:
                entry = dict(started=time.monotonic(), done=threading.Event(), value=None, error=None)
                self._fresh[key] = entry
        if mine:
            try:
                entry['value'] = load()
            except Exception as exc:  # pylint: disable=broad-except  # handed to every caller of this read
                entry['error'] = exc
            entry['done'].set()
        else:
            entry['done'].wait()
        if entry['error'] is not None:
            raise entry['error']
        return entry['value']

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

    def __init__(self, client, bunit_id, cache=None):
        self.client = client
        self.bunit_id = bunit_id
        self.cache = cache if cache is not None else ReferenceCache()

    def default_server(self):
        path = endpoint('default_server', bunit=self.bunit_id)
        return self.cache.get(('defaultserver', self.bunit_id), lambda: self.client.get_object(path, what='the default backup server'))

    def _load(self, option):
        source = REFERENCES[option].source
        items = [self.default_server()] if source == 'default_server' else self.client.get_all(endpoint(source, bunit=self.bunit_id))
        return [item for item in items if isinstance(item, dict)]

    def items(self, option):
        # Lists of endpoints without a business unit in their path (operating systems, node types) are the same for
        # every unit; the rest belong to the unit's default server.
        scope = self.bunit_id if '{bunit}' in ENDPOINTS[REFERENCES[option].source] else None
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
        found = find_ref(self.items(option), value, REFERENCES[option].label)
        return dict((k, found[k]) for k in ('id', 'name', 'supportedNodeTypes') if k in found)

    def resolve_all(self, params, current=None):
        current = current or {}
        resolved = {}
        for option, field in REFERENCES.items():
            if params.get(option) is None:
                continue
            existing = current.get(field.key)
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
    name = client.get(node_path(bunit_id, consumer_id, 'node_spname'))
    if isinstance(name, dict):
        name = name.get('name') or name.get('tsmName') or name.get('value')
    if isinstance(name, int) and not isinstance(name, bool):
        name = str(name)  # a bare all-digit name, read as a JSON number
    if isinstance(name, str):
        name = name.strip().strip('"').strip()  # bare, quoted, with line ends
    if not isinstance(name, str) or not name:
        raise CloutilityError('GET /v1/%s did not return a suggested node name; set tsm_name'
                              % node_path(bunit_id, consumer_id, 'node_spname'))
    return validate_tsm_name(name, option='The server-suggested name')


# ---------------------------------------------------------------------------- cloutility_node
def present_node(node, return_password):
    if node is None:
        return {}
    shown = copy.deepcopy(node)
    return shown if return_password else mask_keys(shown, ('tsmPassword',))


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
        if obj.get('deletionRequested') or obj.get('deletionRequest') or obj.get('pendingDeletion') or obj.get('deletionRequestId'):
            return True
        state = obj.get('dataSourceState')
        if isinstance(state, dict) and 'delet' in str(state.get('name', '')).lower():
            return True
    return False


# ----------------------------------------------------------------------------- reads
def read_nodes(client, bunit_id, consumers, filespaces=False, tsm_sync=False, workers=DEFAULT_WORKERS):
    """The node of each consumption unit (None for a unit without one), in the order of ``consumers``.

    At most ``workers`` requests at once (concurrency.map_bounded); with ``filespaces``, an activated
    node's filespaces are read by the same worker right after it.
    """
    def read(consumer):
        node = get_optional(client, node_path(bunit_id, consumer['id']), what='a backup node')  # 404: the unit has no node
        if node is None:
            return None
        entry = present_node(node, False)
        if filespaces:
            query = {'tsmSync': str(bool(tsm_sync)).lower()}
            entry['filespaces'] = client.get_all(node_path(bunit_id, consumer['id'], 'node_filespaces'), params=query) \
                if is_activated(node) else []
        return entry
    return map_bounded(read, consumers, workers=workers)


def node_info(client, tree, params, workers=DEFAULT_WORKERS):
    """One node or every node of a business unit, with proxies and optionally filespaces (cloutility_node_info)."""
    bunit = tree.resolve(params.get('bunit'))
    if params.get('consumer') is not None or params.get('consumer_id') is not None:
        consumer = find_consumer(client, bunit['id'], params.get('consumer'), params.get('consumer_id'))
        if consumer is None:
            raise CloutilityError('Consumption unit %s not found in business unit %s' % (
                "'%s'" % params['consumer'] if params.get('consumer_id') is None else 'id %s' % params['consumer_id'],
                tree.path(bunit['id'])))
        consumers = [consumer]
    else:
        consumers = client.get_all(consumers_path(bunit['id']))
    entries = read_nodes(client, bunit['id'], consumers, params.get('filespaces'), params.get('tsm_sync'), workers)
    nodes = []
    for consumer, entry in zip(consumers, entries):
        if entry is None:
            continue
        entry.setdefault('consumer', dict((key, consumer[key]) for key in ('id', 'name') if key in consumer))
        entry['bunit_id'] = bunit['id']
        entry['consumer_id'] = consumer['id']
        nodes.append(entry)
    return dict(changed=False, nodes=nodes, bunit_id=bunit['id'])


def _has_id(answer):
    return isinstance(answer, dict) and answer.get('id') is not None


def _is_node_of(answer, consumer_id):
    """A write's answer is taken as the node only when it is one of this unit (an answer naming another unit, or
    an object that is no node at all, from a proxy or a broken portal, is not): else the node is read again."""
    return _has_id(answer) and isinstance(answer.get('consumer'), dict) and ref_id(answer['consumer']) == consumer_id


# ---------------------------------------------------------------------------- cloutility_node
class NodeWorkflow:
    """One run of cloutility_node. ``run()`` returns the module result or raises (PartialWriteError after writes)."""

    def __init__(self, client, tree, params, check_mode=False, refs=None):
        self.client = client
        self.tree = tree
        self.params = params
        self.check_mode = check_mode
        self.cache = refs
        self.bunit = None
        self.rivals = None
        self.extra_units = []
        self.leftover_why = None
        self.warnings = []

    def run(self):
        params = self.params
        validate_node_params(params)
        if callable(self.tree):
            self.tree = self.tree()
        self.bunit = self.tree.resolve(params.get('bunit'))
        self.rivals = Rivals(self.client, self.bunit['id'], params.get('consumer'), cache=self.cache)
        key = consumer_lock_key(self.bunit['id'], params.get('consumer') if params.get('consumer_id') is None else None,
                                params.get('consumer_id'))
        # The read that decides (does the unit exist? what does its node hold?) happens under the lock.
        with object_lock(self.client, *key):
            result = self.converge()
        if self.extra_units:
            self.warnings.insert(0, "Consumption units %s are named '%s' too: this task used id %s (%s); delete the others (the "
                                    "audit lists them)" % (describe(self.extra_units), params.get('consumer'),
                                                           result.get('consumer_id') or '?', self.leftover_why))
        if self.warnings:
            result['warnings'] = self.warnings
        return result

    def converge(self):
        """Rounds (rivals.py invariant 7, at most MAX_ROUNDS): look the unit up and bring it to what the task wants; a run
        whose new unit lost to another controller's goes on with the kept unit in the next round, and one whose units
        are all gone looks again."""
        params = self.params
        kept, yielded, left = None, [], None
        for round_ in range(MAX_ROUNDS):
            # A look again reads the list anew: a fleet's shared list is from before this run's writes.
            consumer = kept if kept is not None else self.lookup(shared=round_ == 0)
            if consumer is None and params.get('consumer_id') is not None and params['state'] == 'present':
                raise CloutilityError('Consumption unit id %s not found in business unit %s; leave consumer_id out to create '
                                      'a unit by name' % (params['consumer_id'], self.tree.path(self.bunit['id'])))
            node = get_node(self.client, self.bunit['id'], consumer['id']) if consumer else None
            if params['state'] == 'absent':
                return self.absent(consumer, node)
            try:
                result = self.present(consumer, node)
            except Yielded as done:
                if done.own is None:
                    pass  # a unit found, not this run's: nothing of this run's was removed
                elif done.own.pop('deleted', True):
                    yielded.append(done.own)
                else:
                    left = done.own
                kept = done.kept
                continue
            except NoUnitLeft:
                kept = None
                continue
            except PartialWriteError as exc:
                if yielded:
                    exc.result.update(changed=True, duplicate_removed=yielded[-1])
                raise
            if yielded or self.rivals.removed:
                # This run created and removed a unit: a change, however the kept unit's own result reads.
                result.update(changed=True, duplicate_removed=(yielded or self.rivals.removed)[-1])
            if left is not None:
                result.update(changed=True, duplicate_left=left)  # created by this run, renamed since: never deleted
            return result
        raise CloutilityError("Consumption unit '%s' in business unit %s: controllers running at once did not settle on one "
                              "unit in %d rounds; run again" % (params.get('consumer'), self.tree.path(self.bunit['id']), MAX_ROUNDS))

    def lookup(self, shared=True):
        """The unit of the task, from a consistent read (rivals.py invariant 1); several of the name: keep_one.
        ``shared``: a fleet's list read once for every entry may serve (the first look of a run)."""
        params = self.params
        try:
            return find_consumer(self.client, self.bunit['id'], params.get('consumer'), params.get('consumer_id'),
                                 items=self.shared_consumers() if shared else None, settle=True,
                                 where=self.tree.path(self.bunit['id']))
        except DuplicateUnits as duplicates:
            return self.keep_one(duplicates)

    def keep_one(self, duplicates):
        """Several units of the name, still there after settling (rivals.py invariant 6): the one holding the activated
        node, or the first created when the others are young and hold none; named in a warning. Anything else is the
        error: units a person made (older, or two with a live node) are never guessed between."""
        chosen = self.rivals.leftover(duplicates.units)
        if chosen is None:
            raise duplicates
        unit, self.extra_units, self.leftover_why = chosen
        return self.client.get_object(consumers_path(self.bunit['id'], unit['id']), what=CONSUMER, keys=('id',))

    def shared_consumers(self):
        """Fleet mode (a shared ``refs``): the unit's consumption units, read once for every entry; else None.

        Safe because no two entries of a fleet claim one consumption unit (node_fleet.claims): a unit that one
        entry creates is never looked for by another. Creation re-reads the real list (the steps' verify).
        """
        if self.cache is None or self.params.get('consumer_id') is not None:
            return None
        bunit_id = self.bunit['id']
        return self.cache.get(('consumers', bunit_id), lambda: self.client.consistent_list(consumers_path(bunit_id)))

    # ------------------------------------------------------------------ present
    def plan_present(self, ctx, node, desired, activation):
        """The steps that bring the unit and node from what was read to what the task wants."""
        client, params, bunit_id = self.client, self.params, self.bunit['id']
        name = params.get('consumer')
        plan = Plan()

        def consumer_id(ctx):
            return ctx['consumer']['id']

        if ctx['consumer'] is None:
            def took_consumer(ctx, answer):
                # Only the unit asked for: an answer with an id and another name is not it (a proxy's object).
                if not (_has_id(answer) and answer.get('name') == name):
                    answer = ctx.get('lost_create') or self.after_lost_create(ctx)
                if answer is None:
                    raise CloutilityError("POST /v1/%s answered without the unit '%s' and no unit of the name shows"
                                          % (consumers_path(bunit_id), name))
                ctx['consumer'] = answer
                ctx['created_consumer'] = answer
                ctx['created_at'] = time.monotonic()

            plan.add(Step(
                'create_consumer', lambda ctx: "create consumption unit '%s'%s" % (name, _id_text(ctx['consumer'])),
                send=lambda ctx: create_consumer(client, bunit_id, {'name': name}),
                verify=self.after_lost_create,
                apply=took_consumer,
                predict=lambda ctx: ctx.update(consumer={'name': name}),
                changed_keys=['consumer']))

        if node is None:
            body = NODE.create_body(desired)

            def took_node(ctx, answer):
                ctx['node'] = answer if _is_node_of(answer, consumer_id(ctx)) else get_node(client, bunit_id, consumer_id(ctx))

            plan.add(Step(
                'create_node', lambda ctx: 'create its backup node%s' % _id_text(ctx['node']),
                send=lambda ctx: client.post(node_path(bunit_id, consumer_id(ctx)), json=writable_body(body)),
                verify=lambda ctx: get_node(client, bunit_id, consumer_id(ctx)),
                apply=took_node,
                predict=lambda ctx: ctx.update(node=dict(copy.deepcopy(body), consumer=short(ctx['consumer']))),
                changed_keys=['node'] + sorted(desired)))
        else:
            changed = NODE.differences(node, desired)
            if changed:
                body = NODE.apply(node, desired)

                def took_update(ctx, answer):
                    ctx['node'] = answer if _is_node_of(answer, consumer_id(ctx)) else get_node(client, bunit_id, consumer_id(ctx))

                plan.add(Step(
                    'update_node', 'update the node (%s)' % ', '.join(changed),
                    send=lambda ctx: put_node(client, node_path(bunit_id, consumer_id(ctx)), body, changed),
                    apply=took_update,
                    predict=lambda ctx: ctx.update(node=copy.deepcopy(body)),
                    changed_keys=changed))

        password = params.get('node_password')
        if password is not None and (node is None or params.get('update_password') == 'always'):
            plan.add(Step(
                'set_password', 'set the node password',
                # Setting the same password twice is harmless: the client may send it again after a lost answer.
                send=lambda ctx: client.post(node_path(bunit_id, consumer_id(ctx), 'node_password'), json={'tsmPassword': password},
                                             retry=True),
                apply=lambda ctx, answer: ctx.update(reread=True),
                predict=lambda ctx: ctx['node'].update(tsmPassword=password),
                changed_keys=['tsmPassword'],
                hint='set the password later with node_password and update_password: always'))

        if activation is not None:
            def activate(ctx):
                if ctx.get('created_consumer') and not ctx.get('checked'):
                    ctx['checked'] = True
                    self.check_rivals(ctx)  # never a second live node: the look before the one step that cannot be undone
                elif ctx.get('found_at') is not None and not ctx.get('checked'):
                    ctx['checked'] = True
                    self.check_found(ctx)
                if not ctx.get('tsm_name'):
                    ctx['tsm_name'] = activation or suggested_name(client, bunit_id, consumer_id(ctx))
                return client.request('GET', node_path(bunit_id, consumer_id(ctx), 'node_activate'),
                                      params={'tsmName': ctx['tsm_name']}, retry=False)

            def activated(ctx):
                fresh = get_node(client, bunit_id, consumer_id(ctx))
                # Activated under the name sent; or under any name when the task asked for none (another controller
                # activated it with the name the server suggested to it).
                if is_activated(fresh) and (not activation or same_tsm_name(fresh.get('tsmName'), ctx['tsm_name'])):
                    return fresh
                return None

            def took_activation(ctx, answer):
                ctx['node'] = answer if _is_node_of(answer, consumer_id(ctx)) else get_node(client, bunit_id, consumer_id(ctx))
                ctx['reread'] = False

            def predict_activation(ctx):
                name = activation
                if not name and ctx['consumer'] and ctx['consumer'].get('id') is not None and node is not None:
                    name = suggested_name(client, bunit_id, consumer_id(ctx))  # a read: allowed in check mode
                if name:
                    ctx['node']['tsmName'] = name

            plan.add(Step(
                'activate', lambda ctx: 'activate the node as %s' % (ctx.get('tsm_name') or activation or "the server's suggested name"),
                send=activate, verify=activated, apply=took_activation, predict=predict_activation,
                changed_keys=['tsmName', 'activatedDate'],
                hint=('re-run with another tsm_name (or without tsm_name, to take the name the server suggests); '
                      'the steps already done are not repeated')))
        return password_first(plan)

    def present(self, consumer, node):
        params = self.params
        bunit_id = self.bunit['id']
        if node is None:
            missing = [option for option in REQUIRED_ON_CREATE if params.get(option) is None]
            if missing:
                raise CloutilityError('Consumption unit %s has no backup node; creating one needs %s (missing: %s)'
                                      % ("'%s'" % (consumer or {}).get('name', params.get('consumer')),
                                         ', '.join(REQUIRED_ON_CREATE), ', '.join(missing)))
        activation = plan_activation(node, params['activate'], params.get('tsm_name'))
        refs = References(self.client, bunit_id, cache=self.cache)
        resolved = refs.resolve_all(params, node)
        desired = NODE.desired(params, resolved)
        if node is None and 'server' not in desired:
            desired['server'] = short(refs.default_server())
        ctx = dict(consumer=consumer, node=copy.deepcopy(node) if node else {}, reread=False)
        if consumer is not None and activation is not None and params.get('consumer_id') is None and young(consumer):
            # A unit found (not created by this run) and minutes old, about to be activated: racing controllers may have
            # made an earlier one that the lookup could not show yet (rivals.py invariant 2, for runs that found a unit).
            ctx['found_at'] = time.monotonic()
        plan = self.plan_present(ctx, node, desired, activation)
        before = NODE.project(node) if node else {}
        try:
            plan.run(ctx, self.check_mode, self.client)
        except StepFailed as failure:
            if ctx.get('created_consumer') and refused(failure.cause):
                # The unit this run created may be gone (a 404, or whatever a portal answers for it; the step's re-read
                # found the work not done): a controller that kept another unit of the name removed it.
                try:
                    self.check_rivals(ctx)
                except LostRace as lost:
                    self.give_way(ctx, plan, lost.keeper)
            raise self.partial(ctx, plan, failure, before)
        except LostRace as lost:
            self.give_way(ctx, plan, lost.keeper)
        if ctx.get('created_consumer') and activation is None:
            try:  # no activation to check before: check now
                self.check_rivals(ctx)
            except LostRace as lost:
                self.give_way(ctx, plan, lost.keeper)
        if ctx['reread']:
            ctx['node'] = get_node(self.client, bunit_id, ctx['consumer']['id']) or ctx['node']
        return self.result(ctx, plan, before, activated=activation is not None)

    def after_lost_create(self, ctx):
        """The create's answer was lost (or refused, or was no unit): a consistent read of the name decides. None shows:
        the create did not take. Some show (none did before the create: this run's pre-create read): which is this run's
        cannot be told; the first is taken and the settling removes the others (rivals.py, Rivals.settle)."""
        units = self.rivals.read()
        if not units:
            return None
        ctx['uncertain_create'] = True
        ctx['lost_create'] = keeper(units)
        return ctx['lost_create']

    def check_rivals(self, ctx):
        """Once per unit this run created, before the node is activated (or at the end of the plan when it is not), and
        when a later step finds the unit gone: Rivals.settle (rivals.py invariant 2). Raises LostRace when another unit
        of the name is kept; NoUnitLeft when none is left."""
        own = ctx['consumer']
        if own is None or own.get('id') is None:
            return
        uncertain = ctx.pop('uncertain_create', False)
        self.rivals.settle(own, ctx['created_at'], uncertain=uncertain)

    def check_found(self, ctx):
        """Before activating a young unit this run found: a read race_margin seconds after the lookup shows every unit of
        the name made before it; when one is ordered first, this run goes on with that one (Yielded, nothing deleted:
        the unit found is not this run's; its creator removes it)."""
        found = ctx['consumer']
        self.rivals.wait_margin(ctx['found_at'])
        units = self.rivals.read(since=ctx['found_at'] + self.rivals.margin)
        if not units:
            return
        kept = keeper(units)
        if kept['id'] == found['id']:
            return
        current = self.rivals.confirm(kept['id'])
        if current is not None:
            raise Yielded(current, None)

    def give_way(self, ctx, plan, kept):
        """This run's unit lost to ``kept`` (rivals.py invariants 4, 5): confirm ``kept``, remove this run's unit, and
        go on with ``kept`` in the next round (Yielded), as if it had been found. Always raises."""
        own = ctx['created_consumer']
        try:
            current, outcome = self.rivals.yield_to(own, kept)
        except CloutilityError as exc:
            result = self.result(ctx, plan, {})
            result.update(changed=True, duplicate_left={'id': own['id'], 'name': own.get('name')})
            raise PartialWriteError("Another controller created consumption unit '%s' (id %s) at the same time; this run's "
                                    "unit (id %s) is not activated and could not be removed: %s. The audit lists it; delete "
                                    "it, then run again." % (own.get('name'), kept['id'], own['id'], exc), result, cause=exc)
        if current is None:
            raise NoUnitLeft()  # the keeper is gone: look again, this run's unit untouched
        what, now = outcome
        if what == 'renamed':
            self.warnings.append("Consumption unit id %s, which this run created as '%s', is now named '%s' (renamed since): it was "
                                 "not deleted; this task used unit id %s of the name"
                                 % (own['id'], own.get('name'), now.get('name'), current['id']))
            raise Yielded(current, {'id': own['id'], 'name': now.get('name'), 'deleted': False})
        if what == 'live':
            result = self.result(ctx, plan, {})
            result.update(changed=True, duplicate_left={'id': own['id'], 'name': own.get('name')})
            raise PartialWriteError("Consumption unit '%s' has two units that controllers running at once created: id %s (kept) "
                                    "and id %s, which this run created and whose node another task activated meanwhile; an "
                                    "activated node is never deleted. Choose one (consumer_id) and delete the other"
                                    % (own.get('name'), current['id'], own['id']), result)
        raise Yielded(current, {'id': own['id'], 'name': own.get('name')})

    def result(self, ctx, plan, before, activated=False):
        params = self.params
        final = ctx['node'] or {}
        consumer = ctx['consumer']
        if self.check_mode and not before and plan.changed:
            final['consumer'] = short(consumer) if consumer and consumer.get('id') is not None else {'name': params['consumer']}
        consumer_ref = short(consumer) if consumer else {'name': params['consumer']}
        if not consumer_ref.get('name') and isinstance(final.get('consumer'), dict):
            consumer_ref['name'] = final['consumer'].get('name')
        return dict(
            changed=plan.changed,
            node=present_node(final, params.get('return_password')),
            consumer=consumer_ref,
            consumer_id=consumer_ref.get('id'),
            bunit_id=self.bunit['id'],
            changed_keys=plan.changed_keys,
            activated=activated,
            deletion_requested=False,
            diff={'before': before, 'after': NODE.project(final) if plan.changed else before},
        )

    def partial(self, ctx, plan, failure, before):
        """The truthful result of a run that wrote something and then failed: what exists, what is left."""
        consumer = ctx['consumer']
        if consumer and consumer.get('id') is not None:
            try:
                ctx['node'] = get_node(self.client, self.bunit['id'], consumer['id']) or ctx['node']
            except CloutilityError:
                pass
        result = self.result(ctx, plan, before)
        node = ctx['node'] or {}
        result.update(changed=True, node_id=node.get('id'), activated=is_activated(node),
                      steps_done=[step.name for step in failure.done], failed_step=failure.step.name,
                      steps_not_done=[failure.step.name] + [step.name for step in failure.pending])
        result['changed_keys'] = [key for step in failure.done for key in step.changed_keys]
        return PartialWriteError(str(failure), result, cause=failure.cause)

    # ------------------------------------------------------------------ absent
    def absent(self, consumer, node):
        params, client, bunit_id = self.params, self.client, self.bunit['id']
        base = dict(changed=False, node={}, consumer=short(consumer) if consumer else {}, bunit_id=bunit_id,
                    consumer_id=consumer['id'] if consumer else None, changed_keys=[], activated=False,
                    deletion_requested=False, diff={'before': {}, 'after': {}})
        if consumer is None:
            return base
        before = NODE.project(node) if node else {}
        base['diff']['before'] = before
        if pending_deletion(consumer, node):
            base.update(deletion_requested=True, node=present_node(node, params.get('return_password')), msg=(
                'A deletion request for this node is already waiting for approval; nothing was sent'))
            base['diff']['after'] = before
            return base
        # The node goes with its unit: the real clients send deleteAssociations=true, and a portal that needs the flag
        # would otherwise delete the node and leave the unit.
        query = dict(deleteAssociations='true')
        if params.get('deletion_comment'):
            query['deletionComment'] = params['deletion_comment']
        if node is not None:
            step = Step('delete_node', 'delete the node and its consumption unit', gone_ok=True,
                        send=lambda ctx: client.delete(node_path(bunit_id, consumer['id']), params=query),
                        apply=lambda ctx, answer: ctx.update(answer=answer), changed_keys=['node', 'consumer'])
        else:
            step = Step('delete_consumer', 'delete the consumption unit', gone_ok=True,
                        send=lambda ctx: delete_consumer(client, bunit_id, consumer['id'], False, params.get('deletion_comment')),
                        apply=lambda ctx, answer: ctx.update(answer=answer), changed_keys=['consumer'])
        plan = Plan([step])
        ctx = dict(answer=None)
        plan.run(ctx, self.check_mode, client)
        base.update(changed=True, changed_keys=plan.changed_keys)
        if self.check_mode:
            return base
        return self.after_delete(base, consumer, ctx['answer'])

    def after_delete(self, base, consumer, answer):
        """What the portal shows after the DELETE decides what is reported: gone; a node deleted and its unit left (the
        unit is deleted too); a deletion request really filed (the unit or node says so, or the answer holds one); or
        still there with no request, which is an error, never "requested"."""
        params, client, bunit_id = self.params, self.client, self.bunit['id']
        remaining = get_optional(client, consumers_path(bunit_id, consumer['id']), what=CONSUMER, keys=('id',))
        if remaining is None:
            return base
        left = get_node(client, bunit_id, consumer['id'])
        requested = pending_deletion(remaining, left) or (isinstance(answer, dict) and bool(answer.get('deletionRequest')))
        if left is None and not requested:
            # The node went and its unit stayed (a portal that did not take deleteAssociations): the unit goes too.
            try:
                delete_consumer(client, bunit_id, consumer['id'], False, params.get('deletion_comment'))
            except CloutilityApiError as exc:
                if exc.status != 404:
                    result = dict(base, node={}, diff=dict(base['diff'], after={}))
                    raise PartialWriteError('The node was deleted but its consumption unit (id %s) stayed, and deleting it failed: %s'
                                            % (consumer['id'], exc), result, cause=exc)
            base['changed_keys'] = sorted(set(base['changed_keys']) | set(['consumer']))
            return self.after_delete(base, consumer, None)
        if not requested:
            raise CloutilityError('The portal answered the DELETE of consumption unit %s (id %s) but the unit%s is still there and '
                                  'no deletion request shows; nothing was deleted' % (consumer.get('name'), consumer['id'],
                                                                                      ' and its node' if left else ''))
        base.update(deletion_requested=True, node=present_node(left, params.get('return_password')),
                    msg='The account may only request deletion: a deletion request was filed and the node stays until it is approved')
        if isinstance(answer, dict):
            base['deletion_request'] = answer
        base['diff']['after'] = NODE.project(left) if left else {}
        return base


class Yielded(Exception):
    """This run's new unit lost: ``kept`` (confirmed just now) is the unit to bring to what the task wants next round;
    ``own`` says what became of this run's unit (its id and name now)."""

    def __init__(self, kept, own):
        super().__init__('yielded to consumption unit %s' % kept.get('id'))
        self.kept = kept
        self.own = own


def _id_text(obj):
    return ' (id %s)' % obj['id'] if isinstance(obj, dict) and obj.get('id') is not None else ''


def ensure_node(client, tree, params, check_mode=False, refs=None):
    """cloutility_node as a function: the module result dict.

    ``tree``: a BusinessUnitTree or a callable returning one (called after the checks that need no request).
    ``refs``: an optional ReferenceCache shared by the calls of one play, so reference data is read
    once. Thread-safe. Raises CloutilityError, or PartialWriteError (``.result``) when it failed after writing.
    """
    return NodeWorkflow(client, tree, params, check_mode, refs).run()

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup nodes: name rules, reference resolution, activation, and the node / proxy workflows.

Plain Python (no Ansible): the modules cloutility_node, cloutility_proxy and cloutility_node_info
call the functions here with a CloutilityClient and the business unit tree, and turn the
returned dicts into module results.
"""

from __future__ import annotations

import copy

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    CloutilityApiError,
    CloutilityError,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import (
    consumers_path,
    find_consumer,
    find_ref,
    get_optional,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import (
    MASK,
    Field,
    Reconciler,
    ResourceSpec,
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
    return get_optional(client, node_path(bunit_id, consumer_id))


def is_activated(node):
    return bool(node and (node.get('activatedDate') or node.get('tsmName')))


def ref_id(value):
    if isinstance(value, dict):
        return value.get('id')
    return value


# ---------------------------------------------------------------------------- the node spec
NODE = ResourceSpec('node', [
    Field('operating_system', 'operatingSystem', kind='ref'),
    Field('node_type', 'type', kind='ref'),
    Field('domain', 'domain', kind='ref'),
    Field('client_option_set', 'clientOptionSet', kind='ref'),
    Field('server', 'server', kind='ref'),
    Field('contact', 'contact'),
    Field('cpu_count', 'cpuCount', kind='int'),
], secrets=('tsmPassword',), volatile=('syncState',))

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

    def __init__(self, client, bunit_id):
        self.client = client
        self.bunit_id = bunit_id
        self._lists = {}
        self._default_server = None

    def find_consumer(self, name=None, consumer_id=None):
        """The business unit's consumption unit by name or id, or None (lookups.find_consumer)."""
        return find_consumer(self.client, self.bunit_id, name, consumer_id)

    def default_server(self):
        if self._default_server is None:
            self._default_server = self.client.get('bunits/%s/defaultserver' % self.bunit_id)
        return self._default_server

    def items(self, option):
        if option not in self._lists:
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
            self._lists[option] = [item for item in items if isinstance(item, dict)]
        return self._lists[option]

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


def activate_node(client, bunit_id, consumer_id, name):
    """GET .../node/activate once (it has side effects: never retried), then the node as it is now.

    When no clear answer came (connection lost, 5xx), the node is re-read to see whether the
    activation took effect before failing.
    """
    try:
        client.request('GET', node_path(bunit_id, consumer_id, 'activate'), params={'tsmName': name}, retry=False)
    except CloutilityApiError as exc:
        if exc.status is not None and exc.status < 500:
            raise
        node = get_node(client, bunit_id, consumer_id)
        if not (is_activated(node) and same_tsm_name(node.get('tsmName'), name)):
            raise
        return node
    return get_node(client, bunit_id, consumer_id)


# ---------------------------------------------------------------------------- cloutility_node
def _short(obj, keys=('id', 'name')):
    return dict((key, obj.get(key)) for key in keys if isinstance(obj, dict) and key in obj)


def _present(node, return_password):
    if node is None:
        return {}
    shown = copy.deepcopy(node)
    if not return_password and shown.get('tsmPassword'):
        shown['tsmPassword'] = MASK
    return shown


def validate_node_params(params):
    """Checks that need no API call, made before the first request."""
    if params.get('consumer') is None and params.get('consumer_id') is None:
        raise CloutilityError('Set consumer (the consumption unit name) or consumer_id')
    if params.get('consumer') is not None and not str(params['consumer']).strip():
        raise CloutilityError('consumer must not be empty')
    if params.get('tsm_name') is not None:
        validate_tsm_name(params['tsm_name'])
    password = params.get('node_password')
    if password is not None:
        if not password or any(char.isspace() for char in password) or len(password) > TSM_NAME_MAX:
            raise CloutilityError('node_password must be 1 to %d characters without spaces (the backup server may '
                                  'require more, for example at least 8)' % TSM_NAME_MAX)
    if params.get('cpu_count') is not None and params['cpu_count'] < 1:
        raise CloutilityError('cpu_count must be at least 1, got %s' % params['cpu_count'])


class NodeTask:
    """One run of cloutility_node: ``run()`` returns the module result (without failing itself).

    ``tree`` is a BusinessUnitTree or a callable returning one, called only after the
    parameters passed the checks that need no API call.
    """

    def __init__(self, client, tree, params, check_mode=False, refs=None):
        self.client = client
        self.tree = tree
        self.params = params
        self.check_mode = check_mode
        self.bunit = None
        self.refs = None
        # refs: shared reference data of many tasks (node_fleet.SharedReferences), or None for this task's own.
        self.shared_refs = refs

    def run(self):
        params = self.params
        validate_node_params(params)
        if callable(self.tree):
            self.tree = self.tree()
        self.bunit = self.tree.resolve(params.get('bunit'))
        if self.shared_refs is not None:
            self.refs = self.shared_refs.for_bunit(self.bunit['id'])
        else:
            self.refs = References(self.client, self.bunit['id'])
        consumer = self.refs.find_consumer(params.get('consumer'), params.get('consumer_id'))
        if consumer is None and params.get('consumer_id') is not None and params['state'] == 'present':
            raise CloutilityError('Consumption unit id %s not found in business unit %s; leave consumer_id out to create '
                                  'a unit by name' % (params['consumer_id'], self.tree.path(self.bunit['id'])))
        node = get_node(self.client, self.bunit['id'], consumer['id']) if consumer else None
        if params['state'] == 'absent':
            return self.absent(consumer, node)
        return self.present(consumer, node)

    # ------------------------------------------------------------------ present
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
        resolved = self.refs.resolve_all(params, node)
        desired = NODE.desired(params, resolved)
        if node is None and 'server' not in desired:
            server = self.refs.default_server()
            desired['server'] = _short(server)
        state = {'consumer': consumer, 'consumer_created': False}

        def create(body):
            if state['consumer'] is None:
                created = self.client.post(consumers_path(bunit_id), json={'name': params['consumer']})
                if not isinstance(created, dict) or 'id' not in created:
                    created = find_consumer(self.client, bunit_id, params['consumer'])
                state['consumer'] = created
                state['consumer_created'] = True
            answer = self.client.post(node_path(bunit_id, state['consumer']['id']), json=writable_body(body))
            return answer if isinstance(answer, dict) and answer else get_node(self.client, bunit_id, state['consumer']['id'])

        def recover():
            if state['consumer'] is None:
                state['consumer'] = find_consumer(self.client, bunit_id, params['consumer'])
                if state['consumer'] is None:
                    return None
            return get_node(self.client, bunit_id, state['consumer']['id'])

        def update(body, changed):
            answer = self.client.put(node_path(bunit_id, consumer['id']), json=writable_body(body))
            return answer if isinstance(answer, dict) and answer else get_node(self.client, bunit_id, consumer['id'])

        result = Reconciler(self.check_mode).ensure(NODE, node, desired, 'present', create=create, update=update,
                                                    recover=recover if node is None else None)
        consumer = state['consumer']
        changed_keys = list(result['changed_keys'])
        if node is None:
            changed_keys = ['node'] + changed_keys
            if consumer is None or state['consumer_created']:
                changed_keys = ['consumer'] + changed_keys
        # result['object'] is masked; keep the unmasked object for return_password.
        final = self._unmasked(result, node)
        if self.check_mode and node is None:
            final['consumer'] = {'id': consumer['id'], 'name': consumer.get('name')} if consumer else {'name': params['consumer']}
        changed = result['changed']
        reread = False

        # Password: an action on create or when asked, never compared with the portal's copy.
        password = params.get('node_password')
        if password is not None and (node is None or params.get('update_password') == 'always'):
            changed = True
            changed_keys.append('tsmPassword')
            if not self.check_mode:
                self.client.post(node_path(bunit_id, consumer['id'], 'password'), json={'tsmPassword': password})
                reread = True
            else:
                final['tsmPassword'] = password

        # Activation: a GET with side effects, never in check mode.
        activated = False
        if activation is not None:
            name = activation
            if not name and consumer is not None and (node is not None or not self.check_mode):
                name = suggested_name(self.client, bunit_id, consumer['id'])
            changed = True
            activated = True
            changed_keys.extend(['tsmName', 'activatedDate'])
            if self.check_mode:
                if name:
                    final['tsmName'] = name
            else:
                final = activate_node(self.client, bunit_id, consumer['id'], name) or final
                reread = False
        if reread:
            final = get_node(self.client, bunit_id, consumer['id']) or final

        after = NODE.project(final) if changed else result['diff']['before']
        if changed and self.check_mode and final.get('tsmPassword'):
            after = dict(after, tsmPassword=MASK)
        consumer_ref = _short(consumer) if consumer else {'name': params['consumer']}
        if not consumer_ref.get('name') and isinstance(final.get('consumer'), dict):
            consumer_ref['name'] = final['consumer'].get('name')
        return dict(
            changed=changed,
            node=_present(final, params.get('return_password')),
            consumer=consumer_ref,
            consumer_id=consumer_ref.get('id'),
            bunit_id=bunit_id,
            changed_keys=changed_keys,
            activated=activated,
            deletion_requested=False,
            diff={'before': result['diff']['before'], 'after': after},
        )

    @staticmethod
    def _unmasked(result, node):
        """The reconciled object with its real tsmPassword (the engine masks it)."""
        obj = copy.deepcopy(result['object']) if result['object'] is not None else {}
        if node is not None and obj.get('tsmPassword') == MASK:
            obj['tsmPassword'] = node.get('tsmPassword')
        return obj

    # ------------------------------------------------------------------ absent
    def absent(self, consumer, node):
        params = self.params
        bunit_id = self.bunit['id']
        base = dict(changed=False, node={}, consumer=_short(consumer) if consumer else {}, bunit_id=bunit_id,
                    consumer_id=consumer['id'] if consumer else None, changed_keys=[], activated=False,
                    deletion_requested=False, diff={'before': {}, 'after': {}})
        if consumer is None:
            return base
        before = NODE.project(node) if node else {}
        base['diff']['before'] = before
        if pending_deletion(consumer, node):
            base.update(deletion_requested=True, node=_present(node, params.get('return_password')), msg=(
                'A deletion request for this node is already waiting for approval; nothing was sent'))
            base['diff']['after'] = before
            return base
        base.update(changed=True, changed_keys=['node', 'consumer'] if node else ['consumer'])
        if self.check_mode:
            return base
        query = {}
        if params.get('deletion_comment'):
            query['deletionComment'] = params['deletion_comment']
        if node is not None:
            answer = self.client.delete(node_path(bunit_id, consumer['id']), params=query or None)
        else:
            query['deleteAssociations'] = 'false'
            answer = self.client.delete(consumers_path(bunit_id, consumer['id']), params=query)
        remaining = get_optional(self.client, consumers_path(bunit_id, consumer['id']))
        if remaining is not None:
            left = get_node(self.client, bunit_id, consumer['id'])
            base.update(deletion_requested=True, node=_present(left, params.get('return_password')),
                        msg='The account may only request deletion: a deletion request was filed and the node stays '
                            'until it is approved')
            if isinstance(answer, dict):
                base['deletion_request'] = answer
            base['diff']['after'] = NODE.project(left) if left else {}
        return base


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


def ensure_node(client, tree, params, check_mode=False, refs=None):
    return NodeTask(client, tree, params, check_mode, refs).run()


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


def _in_list(items, consumer_id, node):
    ids = _proxy_ids(items)
    return ('consumer', consumer_id) in ids or (node is not None and ('node', node.get('id')) in ids)


def proxy_list(node, key):
    return [_proxy_summary(item) for item in (node or {}).get(key) or [] if isinstance(item, dict)]


def _proxy_summary(item):
    summary = dict((k, item[k]) for k in ('id', 'name', 'tsmName') if k in item)
    consumer = item.get('consumer')
    if isinstance(consumer, dict):
        summary['consumer'] = _short(consumer)
        if consumer.get('businessUnit'):
            summary['consumer']['businessUnit'] = _short(consumer['businessUnit'])
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


def _side(client, tree, role, bunit_ref, name, consumer_id, required):
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


def _require_active(side):
    if side.node is None:
        raise CloutilityError('Proxy %s has no backup node; create it with cloutility.cloutility.cloutility_node first'
                              % side.describe())
    if not is_activated(side.node):
        raise CloutilityError('Proxy %s is not activated; activate it (cloutility_node activate=true) before it can take part '
                              'in a proxy relationship' % side.describe())


def ensure_proxy(client, tree, params, check_mode=False):
    """Grant or revoke the right of an agent node to act for a target node."""
    state = params['state']
    required = state == 'present'
    agent = _side(client, tree, 'agent', params.get('bunit'), params.get('agent'), params.get('agent_id'), required)
    target_bunit = params.get('target_bunit') if params.get('target_bunit') is not None else params.get('bunit')
    target = _side(client, tree, 'target', target_bunit, params.get('target'), params.get('target_id'), required)
    result = dict(changed=False, agent=agent.summary() if agent else {}, target=target.summary() if target else {},
                  diff={'before': {}, 'after': {}})
    if agent is None or target is None or ((agent.node is None or target.node is None) and state == 'absent'):
        return result
    if state == 'present':
        _require_active(agent)
        _require_active(target)
    if agent.consumer['id'] == target.consumer['id']:
        raise CloutilityError('A node cannot be a proxy agent for itself (%s)' % agent.describe())
    # The node item lists both sides; an absent list is an empty one (unset fields are left out, not null).
    agents = target.node.get('proxyAgents') or []
    present = _in_list(agents, agent.consumer['id'], agent.node)
    if not present:
        # The relationship may have been created from the agent's side.
        targets = agent.node.get('proxyTargets') or []
        present = _in_list(targets, target.consumer['id'], target.node)
    before_names = sorted(_label(item) for item in agents or [] if isinstance(item, dict))
    agent_label = agent.node.get('tsmName') or agent.consumer.get('name')
    if present and agent_label not in before_names:
        before_names = sorted(before_names + [agent_label])
    result['diff']['before'] = {'proxyAgents': before_names}
    result['proxy_agents'] = [_proxy_summary(item) for item in agents or [] if isinstance(item, dict)]
    if (state == 'present') == present:
        result['diff']['after'] = {'proxyAgents': before_names}
        return result
    path = node_path(target.bunit['id'], target.consumer['id'], 'proxyagents')
    if state == 'present':
        possible = client.get_all(node_path(target.bunit['id'], target.consumer['id'], 'possibleproxynodes'))
        if not _in_list(possible, agent.consumer['id'], agent.node):
            raise CloutilityError('%s is not among the possible proxy nodes of %s. Possible: %s' % (
                agent.describe(), target.describe(),
                ', '.join(sorted(_label(item) for item in possible if isinstance(item, dict))) or '(none)'))
        after = sorted(before_names + [agent_label])
        if not check_mode:
            _grant_proxy(client, path, agent, target)
    else:
        after = [name for name in before_names if name != agent_label]
        if not check_mode:
            client.delete('%s/%s' % (path, agent.consumer['id']))
    result['changed'] = True
    result['diff']['after'] = {'proxyAgents': after}
    if not check_mode:
        fresh = get_node(client, target.bunit['id'], target.consumer['id'])
        if fresh is not None and fresh.get('proxyAgents') is not None:
            result['proxy_agents'] = proxy_list(fresh, 'proxyAgents')
    return result


def _grant_proxy(client, path, agent, target):
    """POST the relationship once; after an answer that leaves it unclear (none, or 5xx), read whether it took."""
    try:
        client.post(path, params={'proxyAgentId': agent.consumer['id']})
    except CloutilityApiError as exc:
        if exc.status is not None and exc.status < 500:
            raise
        fresh = get_node(client, target.bunit['id'], target.consumer['id'])
        if not _in_list((fresh or {}).get('proxyAgents') or [], agent.consumer['id'], agent.node):
            raise


def _label(item):
    consumer = item.get('consumer') if isinstance(item.get('consumer'), dict) else {}
    return item.get('tsmName') or consumer.get('name') or item.get('name') or str(item.get('id'))


# ---------------------------------------------------------------------------- info
def node_info(client, tree, params):
    """One node or every node of a business unit, with proxies and optionally filespaces."""
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
    nodes = []
    for consumer in consumers:
        node = get_node(client, bunit['id'], consumer['id'])
        if node is None:
            continue
        entry = _present(node, False)
        entry.setdefault('consumer', _short(consumer))
        entry['bunit_id'] = bunit['id']
        entry['consumer_id'] = consumer['id']
        if params.get('filespaces'):
            query = {'tsmSync': str(bool(params.get('tsm_sync'))).lower()}
            entry['filespaces'] = client.get_all(node_path(bunit['id'], consumer['id'], 'filespaces'), params=query) \
                if is_activated(node) else []
        nodes.append(entry)
    return dict(changed=False, nodes=nodes, bunit_id=bunit['id'])

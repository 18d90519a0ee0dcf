# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxy relationships between backup nodes (cloutility_proxy): the two sides, the lists, the plan.

Plain Python, no Ansible.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Plan, Step, consumer_lock_key, object_lock
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import find_consumer
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import get_node, is_activated, node_path
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import short


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
    summary = short(item, ('id', 'name', 'tsmName'))
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


# ---------------------------------------------------------------------------- cloutility_proxy
def ensure_proxy(client, tree, params, check_mode=False):
    """Grant or revoke the right of an agent node to act for a target node.

    Forks changing the proxies of one target take turns: the lock (the target unit's key, the one cloutility_node
    uses) is taken before the target is read.
    """
    target_bunit = params.get('target_bunit') if params.get('target_bunit') is not None else params.get('bunit')
    key = consumer_lock_key(tree.resolve(target_bunit)['id'], params.get('target') if params.get('target_id') is None else None,
                            params.get('target_id'))
    with object_lock(client, *key):
        return _ensure_proxy(client, tree, params, check_mode)


def _ensure_proxy(client, tree, params, check_mode):
    state = params['state']
    required = state == 'present'
    agent = proxy_side(client, tree, 'agent', params.get('bunit'), params.get('agent'), params.get('agent_id'), required)
    target_bunit = params.get('target_bunit') if params.get('target_bunit') is not None else params.get('bunit')
    target = proxy_side(client, tree, 'target', target_bunit, params.get('target'), params.get('target_id'), required)
    result = dict(changed=False, agent=agent.summary() if agent else {}, target=target.summary() if target else {},
                  diff={'before': {}, 'after': {}})
    if agent is None or target is None or ((agent.node is None or target.node is None) and state == 'absent'):
        return result
    if state == 'present':
        require_active(agent)
        require_active(target)
    if agent.consumer['id'] == target.consumer['id']:
        raise CloutilityError('A node cannot be a proxy agent for itself (%s)' % agent.describe())
    # The node item lists both sides; an absent list is an empty one (unset fields are left out, not null).
    agents = target.node.get('proxyAgents') or []
    present = in_proxy_list(agents, agent.consumer['id'], agent.node)
    if not present:
        # The relationship may have been created from the agent's side.
        present = in_proxy_list(agent.node.get('proxyTargets') or [], target.consumer['id'], target.node)
    before_names = sorted(proxy_label(item) for item in agents if isinstance(item, dict))
    agent_label = agent.node.get('tsmName') or agent.consumer.get('name')
    if present and agent_label not in before_names:
        before_names = sorted(before_names + [agent_label])
    result['diff']['before'] = {'proxyAgents': before_names}
    result['proxy_agents'] = [proxy_summary(item) for item in agents if isinstance(item, dict)]
    if (state == 'present') == present:
        result['diff']['after'] = {'proxyAgents': before_names}
        return result

    def fresh_target(ctx=None):
        return get_node(client, target.bunit['id'], target.consumer['id'])

    if state == 'present':
        possible = client.get_all(node_path(target.bunit['id'], target.consumer['id'], 'possible_proxies'))
        if not in_proxy_list(possible, agent.consumer['id'], agent.node):
            raise CloutilityError('%s is not among the possible proxy nodes of %s. Possible: %s' % (
                agent.describe(), target.describe(),
                ', '.join(sorted(proxy_label(item) for item in possible if isinstance(item, dict))) or '(none)'))
        after = sorted(before_names + [agent_label])

        def granted(ctx):
            fresh = fresh_target()
            return fresh if in_proxy_list((fresh or {}).get('proxyAgents') or [], agent.consumer['id'], agent.node) else None

        step = Step('grant_proxy', 'grant %s the right to act for %s' % (agent.describe(), target.describe()),
                    send=lambda ctx: client.post(node_path(target.bunit['id'], target.consumer['id'], 'proxy_agents'),
                                                 params={'proxyAgentId': agent.consumer['id']}),
                    verify=granted,
                    changed_keys=['proxyAgents'])
    else:
        after = [name for name in before_names if name != agent_label]
        step = Step('revoke_proxy', 'revoke the right of %s to act for %s' % (agent.describe(), target.describe()),
                    send=lambda ctx: client.delete(endpoint('proxy_agent', bunit=target.bunit['id'], consumer=target.consumer['id'],
                                                            agent=agent.consumer['id'])),
                    gone_ok=True,
                    changed_keys=['proxyAgents'])
    Plan([step]).run({}, check_mode, client)
    result['changed'] = True
    result['diff']['after'] = {'proxyAgents': after}
    if not check_mode:
        fresh = fresh_target()
        if fresh is not None and fresh.get('proxyAgents') is not None:
            result['proxy_agents'] = proxy_list(fresh, 'proxyAgents')
    return result

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cloutility_node, cloutility_proxy and cloutility_invoice_file want, as plans of engine steps.

Plain Python (no Ansible), no module-level mutable state: ``ensure_node`` may be called from many
threads at once (fleet mode), sharing one ReferenceCache. Each function reads under the object's
controller lock, builds a Plan (reconcile.py) and lets the engine send it or predict it; name rules and
reference resolution stay in nodes.py.
"""

from __future__ import annotations

import copy

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import CONSUMER, consumers_path, find_consumer, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.nodes import (
    NODE,
    REQUIRED_ON_CREATE,
    References,
    get_node,
    in_proxy_list,
    is_activated,
    node_path,
    pending_deletion,
    plan_activation,
    present_node,
    proxy_label,
    proxy_list,
    proxy_side,
    proxy_summary,
    ref_id,
    require_active,
    same_tsm_name,
    short,
    suggested_name,
    validate_node_params,
    writable_body,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.readside import compare_checksum, file_name_of, upload_file
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import (
    PartialWriteError,
    Plan,
    Step,
    StepFailed,
    consumer_lock_key,
    object_lock,
)


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

    def run(self):
        params = self.params
        validate_node_params(params)
        if callable(self.tree):
            self.tree = self.tree()
        self.bunit = self.tree.resolve(params.get('bunit'))
        key = consumer_lock_key(self.bunit['id'], params.get('consumer') if params.get('consumer_id') is None else None,
                                params.get('consumer_id'))
        # The read that decides (does the unit exist? what does its node hold?) happens under the lock.
        with object_lock(self.client, *key):
            consumer = find_consumer(self.client, self.bunit['id'], params.get('consumer'), params.get('consumer_id'),
                                     items=self.shared_consumers())
            if consumer is None and params.get('consumer_id') is not None and params['state'] == 'present':
                raise CloutilityError('Consumption unit id %s not found in business unit %s; leave consumer_id out to create '
                                      'a unit by name' % (params['consumer_id'], self.tree.path(self.bunit['id'])))
            node = get_node(self.client, self.bunit['id'], consumer['id']) if consumer else None
            if params['state'] == 'absent':
                return self.absent(consumer, node)
            return self.present(consumer, node)

    def shared_consumers(self):
        """Fleet mode (a shared ``refs``): the unit's consumption units, read once for every entry; else None.

        Safe because no two entries of a fleet claim one consumption unit (node_fleet.claims): a unit that one
        entry creates is never looked for by another. Creation re-reads the real list (the steps' verify).
        """
        if self.cache is None or self.params.get('consumer_id') is not None:
            return None
        bunit_id = self.bunit['id']
        return self.cache.get(('consumers', bunit_id), lambda: self.client.get_all(consumers_path(bunit_id)))

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
                ctx['consumer'] = answer if _has_id(answer) and answer.get('name') == name else find_consumer(client, bunit_id, name)

            plan.add(Step(
                'create_consumer', lambda ctx: "create consumption unit '%s'%s" % (name, _id_text(ctx['consumer'])),
                send=lambda ctx: client.post(consumers_path(bunit_id), json={'name': name}),
                verify=lambda ctx: find_consumer(client, bunit_id, name),
                apply=took_consumer,
                predict=lambda ctx: ctx.update(consumer={'name': name}),
                changed_keys=['consumer']))

        if node is None:
            body = NODE.apply({}, desired)

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
                    send=lambda ctx: client.put(node_path(bunit_id, consumer_id(ctx)), json=writable_body(body)),
                    apply=took_update,
                    predict=lambda ctx: ctx.update(node=copy.deepcopy(body)),
                    changed_keys=changed))

        password = params.get('node_password')
        if password is not None and (node is None or params.get('update_password') == 'always'):
            plan.add(Step(
                'set_password', 'set the node password',
                # Setting the same password twice is harmless: the client may send it again after a lost answer.
                send=lambda ctx: client.post(node_path(bunit_id, consumer_id(ctx), 'password'), json={'tsmPassword': password},
                                             retry=True),
                apply=lambda ctx, answer: ctx.update(reread=True),
                predict=lambda ctx: ctx['node'].update(tsmPassword=password),
                changed_keys=['tsmPassword'],
                hint='set the password later with node_password and update_password: always'))

        if activation is not None:
            def activate(ctx):
                if not ctx.get('tsm_name'):
                    ctx['tsm_name'] = activation or suggested_name(client, bunit_id, consumer_id(ctx))
                return client.request('GET', node_path(bunit_id, consumer_id(ctx), 'activate'),
                                      params={'tsmName': ctx['tsm_name']}, retry=False)

            def activated(ctx):
                fresh = get_node(client, bunit_id, consumer_id(ctx))
                if is_activated(fresh) and same_tsm_name(fresh.get('tsmName'), ctx['tsm_name']):
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
        return plan

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
        plan = self.plan_present(ctx, node, desired, activation)
        before = NODE.project(node) if node else {}
        try:
            plan.run(ctx, self.check_mode, self.client)
        except StepFailed as failure:
            raise self.partial(ctx, plan, failure, before)
        if ctx['reread']:
            ctx['node'] = get_node(self.client, bunit_id, ctx['consumer']['id']) or ctx['node']
        return self.result(ctx, plan, before, activated=activation is not None)

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
        query = {}
        if params.get('deletion_comment'):
            query['deletionComment'] = params['deletion_comment']
        if node is not None:
            step = Step('delete_node', 'delete the node and its consumption unit', gone_ok=True,
                        send=lambda ctx: client.delete(node_path(bunit_id, consumer['id']), params=query or None),
                        apply=lambda ctx, answer: ctx.update(answer=answer), changed_keys=['node', 'consumer'])
        else:
            query['deleteAssociations'] = 'false'
            step = Step('delete_consumer', 'delete the consumption unit', gone_ok=True,
                        send=lambda ctx: client.delete(consumers_path(bunit_id, consumer['id']), params=query),
                        apply=lambda ctx, answer: ctx.update(answer=answer), changed_keys=['consumer'])
        plan = Plan([step])
        ctx = dict(answer=None)
        plan.run(ctx, self.check_mode, client)
        base.update(changed=True, changed_keys=plan.changed_keys)
        if self.check_mode:
            return base
        remaining = get_optional(client, consumers_path(bunit_id, consumer['id']), what=CONSUMER, keys=('id',))
        if remaining is not None:
            left = get_node(client, bunit_id, consumer['id'])
            base.update(deletion_requested=True, node=present_node(left, params.get('return_password')),
                        msg='The account may only request deletion: a deletion request was filed and the node stays '
                            'until it is approved')
            if isinstance(ctx['answer'], dict):
                base['deletion_request'] = ctx['answer']
            base['diff']['after'] = NODE.project(left) if left else {}
        return base


def _id_text(obj):
    return ' (id %s)' % obj['id'] if isinstance(obj, dict) and obj.get('id') is not None else ''


def ensure_node(client, tree, params, check_mode=False, refs=None):
    """cloutility_node as a function: the module result dict.

    ``tree``: a BusinessUnitTree or a callable returning one (called after the checks that need no request).
    ``refs``: an optional ReferenceCache (nodes.py) shared by the calls of one play, so reference data is read
    once. Thread-safe. Raises CloutilityError, or PartialWriteError (``.result``) when it failed after writing.
    """
    return NodeWorkflow(client, tree, params, check_mode, refs).run()


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
    path = node_path(target.bunit['id'], target.consumer['id'], 'proxyagents')

    def fresh_target(ctx=None):
        return get_node(client, target.bunit['id'], target.consumer['id'])

    if state == 'present':
        possible = client.get_all(node_path(target.bunit['id'], target.consumer['id'], 'possibleproxynodes'))
        if not in_proxy_list(possible, agent.consumer['id'], agent.node):
            raise CloutilityError('%s is not among the possible proxy nodes of %s. Possible: %s' % (
                agent.describe(), target.describe(),
                ', '.join(sorted(proxy_label(item) for item in possible if isinstance(item, dict))) or '(none)'))
        after = sorted(before_names + [agent_label])

        def granted(ctx):
            fresh = fresh_target()
            return fresh if in_proxy_list((fresh or {}).get('proxyAgents') or [], agent.consumer['id'], agent.node) else None

        step = Step('grant_proxy', 'grant %s the right to act for %s' % (agent.describe(), target.describe()),
                    send=lambda ctx: client.post(path, params={'proxyAgentId': agent.consumer['id']}), verify=granted,
                    changed_keys=['proxyAgents'])
    else:
        after = [name for name in before_names if name != agent_label]
        step = Step('revoke_proxy', 'revoke the right of %s to act for %s' % (agent.describe(), target.describe()),
                    send=lambda ctx: client.delete('%s/%s' % (path, agent.consumer['id'])), gone_ok=True,
                    changed_keys=['proxyAgents'])
    Plan([step]).run({}, check_mode, client)
    result['changed'] = True
    result['diff']['after'] = {'proxyAgents': after}
    if not check_mode:
        fresh = fresh_target()
        if fresh is not None and fresh.get('proxyAgents') is not None:
            result['proxy_agents'] = proxy_list(fresh, 'proxyAgents')
    return result


# ---------------------------------------------------------------------------- cloutility_invoice_file
def ensure_invoice_file(client, tree, params, name, content, checksums, check_mode=False):
    """Upload ``content`` as the invoice file ``name`` of a business unit unless the same file is there."""
    unit = tree.resolve(params.get('bunit'))
    path = 'bunits/%s/invoicefiles' % unit['id']
    result = dict(checksum=checksums['sha256'], bunit_id=unit['id'])

    def same_name():
        items, _answer = client.collect(path)
        return [item for item in items or [] if isinstance(item, dict) and file_name_of(item) == name]

    with object_lock(client, unit['id'], 'invoicefile', name):
        existing = same_name()
        ids_before = set(entry.get('id') for entry in existing)
        match = None
        reason = 'no file of this name yet'
        same = [entry for entry in existing if compare_checksum(entry, checksums)]
        unknown = [entry for entry in existing if compare_checksum(entry, checksums) is None]
        if same:
            match, reason = same[-1], 'a file of this name and content is already uploaded'
        elif unknown and not params.get('force'):
            match = unknown[-1]
            reason = 'a file of this name is already uploaded; its content cannot be read back (force=true uploads anyway)'
        elif unknown:
            reason = 'force=true: a file of this name is uploaded, its content cannot be compared'
        elif existing:
            reason = 'the uploaded file of this name has different content'
        if match is not None:
            result.update(changed=False, uploaded=False, reason=reason, invoice_file=match, diff=dict(before=match, after=match))
            return result

        before = existing[-1] if existing else {}
        query = dict(sendToBillingAddress=str(bool(params.get('send_to_billing_address'))).lower())
        predicted = dict(fileName=name, sendToBillingAddress=bool(params.get('send_to_billing_address')))
        if params.get('erp_reference'):
            query['erpReference'] = params['erp_reference']
            predicted['erpReference'] = params['erp_reference']

        def new_file(ctx=None):
            fresh = [entry for entry in same_name() if entry.get('id') not in ids_before]
            return fresh[-1] if fresh else None

        def took(ctx, answer):
            ctx['file'] = answer if isinstance(answer, dict) and answer else (new_file() or predicted)

        ctx = dict(file=predicted)
        step = Step('upload_file', "upload invoice file '%s'" % name, send=lambda ctx: upload_file(client, path, name, content, params=query),
                    verify=new_file, apply=took, predict=lambda ctx: ctx.update(file=predicted), changed_keys=['invoice_file'])
        Plan([step]).run(ctx, check_mode, client)
    result.update(changed=True, uploaded=True, reason=reason, invoice_file=ctx['file'], diff=dict(before=before, after=ctx['file']))
    return result

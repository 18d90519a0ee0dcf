# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumption units: the declaration of cloutility_consumer, their endpoints, lookup by name or id, their plan.

Plain Python, no Ansible. The node workflow (node.py) creates and deletes units through the steps here.
"""

from __future__ import annotations

import re
import time

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import bunit_problem
from ansible_collections.cloutility.cloutility.plugins.module_utils.rivals import keeper
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import (
    Reconciler,
    ResourceSpec,
    consumer_lock_key,
    name_refused_fields,
    object_lock,
    split_declaration,
    text_of,
)

CONSUMER = 'a consumption unit'
# The options that choose one consumption unit of a business unit (by name or id), as the readers of one unit declare them.
CONSUMER_CHOICE = dict(bunit=dict(type='str', check=bunit_problem), consumer=dict(type='str'), consumer_id=dict(type='int'))


def iso_date_problem(value):
    """A date as ISO 8601 (2026-01-01, or a date-time with its zone), never a relative one ('now', '-7d' would change every
    run): an input rule."""
    if not ISO_DATE.match(value.strip()):
        return 'must be an ISO 8601 date such as 2026-01-01 (or a date-time such as 2026-01-01T00:00:00Z), not %r' % value
    try:
        parse_datetime(value.strip())
    except CloutilityError:
        return 'is not a date: %r' % value
    return None


def tag_texts_problem(texts):
    """Tags' texts: each more than white space: an input rule."""
    if any(not isinstance(text, str) or not text.strip() for text in texts):
        return 'must list texts, none empty or blank'
    return None


ISO_DATE = re.compile(r'^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$')
# Fields the published Consumer model lists but no document says its POST / PUT takes.
UNPUBLISHED_WRITES = ('tags',)

# cloutility_consumer's options, declared once: the argument spec, the API key each manages (``api``), the input rules.
CONSUMER_OPTIONS = dict(
    name=dict(type='str', required=True, not_blank=True, api='name'),
    bunit=dict(type='str', check=bunit_problem),
    consumer_id=dict(type='int', min=1),
    note=dict(type='str', only_in_state='present', api='note'),
    external_reference=dict(type='str', only_in_state='present', api='externalReference'),
    limit_high_storage=dict(type='float', min=0, only_in_state='present', api='limitHighStorage'),
    allow_no_activity=dict(type='bool', only_in_state='present', api='allowNoActivity', api_default=False),
    billing_start_date=dict(type='str', only_in_state='present', check=iso_date_problem, api='billingStartDate', kind='date'),
    # The tags' texts: a set; sent in the unit's body, which nothing published says the portal takes (UNPUBLISHED_WRITES).
    tags=dict(type='list', elements='str', only_in_state='present', check=tag_texts_problem, api='tags', kind='texts'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    delete_associations=dict(type='bool', default=False, only_in_state='absent'),
    deletion_comment=dict(type='str', only_in_state='absent'),
)
CONSUMER_ARGUMENT_SPEC, _CONSUMER_FIELDS = split_declaration(CONSUMER_OPTIONS)
CONSUMER_SPEC = ResourceSpec('consumer', _CONSUMER_FIELDS)


# ---------------------------------------------------------------------------- writes (cloutility_consumer and the node workflow)
def create(client, bunit_id, body):
    try:
        return client.post(consumers_path(bunit_id), json=body)
    except CloutilityApiError as exc:
        raise name_refused_fields(exc, list(body), UNPUBLISHED_WRITES, "the consumption unit's POST") from None


def update(client, bunit_id, consumer_id, body, changed=()):
    try:
        return client.put(consumers_path(bunit_id, consumer_id), json=body)
    except CloutilityApiError as exc:
        raise name_refused_fields(exc, changed, UNPUBLISHED_WRITES, "the consumption unit's PUT") from None


def api_values(current, desired):
    """``desired`` as the unit's body spells it: each tag the unit holds as it holds it (its id kept), a new one as
    ``{"text": ...}`` (the published BusinessUnitTag); a billing start date in the API's form."""
    desired = dict(desired)
    if desired.get('tags') is not None:
        held = dict((text_of(tag).lower(), tag) for tag in (current or {}).get('tags') or [] if text_of(tag))
        desired['tags'] = [held.get(text.strip().lower(), {'text': text.strip()}) for text in desired['tags']]
    if desired.get('billingStartDate'):
        desired['billingStartDate'] = format_datetime(parse_datetime(desired['billingStartDate'].strip()))
    return desired


def delete(client, bunit_id, consumer_id, delete_associations=False, deletion_comment=None):
    query = dict(deleteAssociations=str(bool(delete_associations)).lower())
    if deletion_comment:
        query['deletionComment'] = deletion_comment
    return client.delete(consumers_path(bunit_id, consumer_id), params=query)


def consumers_path(bunit_id, consumer_id=None):
    return endpoint('consumers', bunit=bunit_id) if consumer_id is None else endpoint('consumer', bunit=bunit_id, consumer=consumer_id)


def consumer_listing(tree, bunit_id, consumers):
    """Consumption units of one business unit as the consumers lookup lists them (id, name, bunit_id, bunit_path):
    the lookup and cloutility_node_fleet's ``list_consumers`` give the same shape, which the audit merges by id."""
    path = tree.path(bunit_id)
    return [dict(id=consumer.get('id'), name=consumer.get('name'), bunit_id=bunit_id, bunit_path=path) for consumer in consumers]


class DuplicateUnits(CloutilityError):
    """Several consumption units of one name in one business unit; ``units`` are the list items."""

    def __init__(self, message, units):
        super().__init__(message)
        self.units = units


# How often a lookup that found several units of one name looks again (after 0.5 s, then 1 s, jittered) before it
# reports them: racing controllers remove their extra units within moments.
SETTLE_LOOKS = 2


def same_name(items, name):
    return [item for item in items if isinstance(item, dict) and item.get('name') == name]


def find_consumer(client, bunit_id, name=None, consumer_id=None, full=False, items=None, settle=False, where=None):
    """The consumption unit of a business unit, by id or by (non-unique) name, or None.

    Found by name, it is the list answer's item, which is incomplete: ``full=True`` GETs the item.
    ``items``: the unit's consumption units read before (fleet mode reads each unit's list once), else one GET.
    Two consumers with the same name and no consumer_id is an error (DuplicateUnits) listing their ids; with
    ``settle``, the list is read again first, within the client's retry budget, because controllers racing to create
    the unit remove their extra units within moments (rivals.py), up to SETTLE_LOOKS times. ``where`` names the
    business unit. With ``settle`` (the node workflow, which decides on it whether to create) every read is a consistent
    one (client.consistent_list, rivals.py invariant 1).
    """
    if consumer_id is not None:
        consumer = get_optional(client, consumers_path(bunit_id, consumer_id), what=CONSUMER, keys=('id',))
        if consumer is None:
            return None
        if name is not None and consumer.get('name') != name:
            raise CloutilityError("Consumption unit id %s is named '%s', not '%s'" % (consumer_id, consumer.get('name'), name))
        return consumer
    read = client.consistent_list if settle else client.get_all
    if items is None:
        items = read(consumers_path(bunit_id))
    matches = same_name(items, name)
    started, attempt = time.monotonic(), 0
    while settle and len(matches) > 1 and attempt < SETTLE_LOOKS and client.wait_before_retry(attempt + 1, started):
        attempt += 1
        matches = same_name(read(consumers_path(bunit_id)), name)
    if len(matches) > 1:
        raise DuplicateUnits("Consumption unit name '%s' is used by %d units in business unit %s: ids %s. Set consumer_id to "
                             "choose one, or delete the units that are not needed (the audit lists them; the modules use the one "
                             "holding the activated node, or the first created, id %s, when the others are minutes old and "
                             "hold no activated node)"
                             % (name, len(matches), where or bunit_id, ', '.join(str(item.get('id')) for item in matches),
                                keeper(matches).get('id')), matches)
    if not matches:
        return None
    return client.get_object(consumers_path(bunit_id, matches[0]['id']), what=CONSUMER, keys=('id',)) if full else matches[0]


# ----------------------------------------------------------------------------- lookups
def resolve_consumer(client, tree, bunit, name=None, consumer_id=None):
    """(business unit, consumption unit) for a task's bunit + consumer name or consumer_id.

    Fails listing the unit's consumer names when none matches, and the ids when a name is ambiguous.
    """
    if name is None and consumer_id is None:
        raise CloutilityError('Name the consumption unit with consumer or consumer_id')
    unit = tree.resolve(bunit)
    consumer = find_consumer(client, unit['id'], name=name, consumer_id=consumer_id)
    if consumer is None:
        where = tree.path(unit['id'])
        if consumer_id is not None:
            raise CloutilityError('Consumption unit id %s not found in business unit %s' % (consumer_id, where))
        names = sorted(set(item.get('name') for item in client.get_all(consumers_path(unit['id'])) if item.get('name')))
        raise CloutilityError("Consumption unit '%s' not found in business unit %s. Its units: %s"
                              % (name, where, ', '.join(names) or '(none)'))
    return unit, consumer


def refuse_if_node(client, tree, bunit_id, consumer):
    """A unit with a backup node is deleted only with delete_associations: checked here, before any DELETE, because a
    portal may ignore the flag and take the node with the unit (the vendor's CLI says it deletes "consumer and
    associated backup node")."""
    node = get_optional(client, endpoint('node', bunit=bunit_id, consumer=consumer['id']), what='a backup node')
    if node is not None:
        raise CloutilityError("Consumption unit '%s' (id %s) in business unit %s has a backup node%s and was not deleted; set "
                              "delete_associations: true to delete both, or delete the node with cloutility.cloutility.cloutility_node "
                              "state: absent" % (consumer.get('name'), consumer['id'], tree.path(bunit_id),
                                                 " ('%s')" % node['tsmName'] if node.get('tsmName') else ''))


def ensure_consumer(client, tree, params, check_mode=False):
    """cloutility_consumer: the unit ``name`` (or ``consumer_id``) of ``bunit`` brought to ``state``; the module result."""
    bunit = tree.resolve(params.get('bunit'))
    bunit_id = bunit['id']

    def lookup():
        return find_consumer(client, bunit_id, params['name'], params.get('consumer_id'), full=True, where=tree.path(bunit_id))

    # Forks ensuring the same unit take turns: the read that decides (create? which fields?) happens under the lock,
    # so one unit is created and every fork's update lands on the latest object.
    with object_lock(client, *consumer_lock_key(bunit_id, params['name'])):
        current = lookup()
        if current is None and params.get('consumer_id') is not None and params['state'] == 'present':
            raise CloutilityError('Consumption unit id %s not found in business unit %s' % (params['consumer_id'], tree.path(bunit_id)))
        if current is not None and params['state'] == 'absent' and not params.get('delete_associations'):
            refuse_if_node(client, tree, bunit_id, current)
        result = Reconciler(check_mode, client).ensure(
            CONSUMER_SPEC, current, api_values(current, CONSUMER_SPEC.desired(params)), params['state'],
            create=lambda body: create(client, bunit_id, body),
            update=lambda body, changed: update(client, bunit_id, current['id'], body, changed),
            delete=lambda obj: delete(client, bunit_id, obj['id'], params.get('delete_associations'), params.get('deletion_comment')),
            recover=lookup,
        )
    return result.output('consumer', bunit_id=bunit_id)


def consumer_info(client, tree, params):
    """cloutility_consumer_info: the units of a business unit (and optionally those below it), filtered, optionally in full."""
    unit = tree.resolve(params.get('bunit'))
    units = tree.descendants(unit['id']) if params.get('include_descendants') else [unit]
    found = []
    for item in units:
        for consumer in client.get_all(consumers_path(item['id'])):
            if params.get('name') is not None and consumer.get('name') != params['name']:
                continue
            if params.get('consumer_id') is not None and consumer.get('id') != params['consumer_id']:
                continue
            if params.get('details'):
                consumer = client.get_object(consumers_path(item['id'], consumer['id']), what=CONSUMER, keys=('id',))
            consumer['businessUnitId'] = item['id']
            consumer['businessUnitPath'] = tree.path(item['id'])
            found.append(consumer)
    return dict(changed=False, consumers=found, bunit_id=unit['id'])

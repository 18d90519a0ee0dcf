# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumption units: the declaration of cloutility_consumer, their endpoints, lookup by name or id, their plan.

Plain Python, no Ansible. The node workflow (node.py) creates and deletes units through the steps here.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint


CONSUMER = 'a consumption unit'


def consumers_path(bunit_id, consumer_id=None):
    return endpoint('consumers', bunit=bunit_id) if consumer_id is None else endpoint('consumer', bunit=bunit_id, consumer=consumer_id)


def consumer_listing(tree, bunit_id, consumers):
    """Consumption units of one business unit as the consumers lookup lists them (id, name, bunit_id, bunit_path):
    the lookup and cloutility_node_fleet's ``list_consumers`` give the same shape, which the audit merges by id."""
    path = tree.path(bunit_id)
    return [dict(id=consumer.get('id'), name=consumer.get('name'), bunit_id=bunit_id, bunit_path=path) for consumer in consumers]


def find_consumer(client, bunit_id, name=None, consumer_id=None, full=False, items=None):
    """The consumption unit of a business unit, by id or by (non-unique) name, or None.

    Found by name, it is the list answer's item, which is incomplete: ``full=True`` GETs the item.
    ``items``: the unit's consumption units read before (fleet mode reads each unit's list once), else one GET.
    Two consumers with the same name and no consumer_id is an error listing their ids.
    """
    if consumer_id is not None:
        consumer = get_optional(client, consumers_path(bunit_id, consumer_id), what=CONSUMER, keys=('id',))
        if consumer is None:
            return None
        if name is not None and consumer.get('name') != name:
            raise CloutilityError("Consumption unit id %s is named '%s', not '%s'" % (consumer_id, consumer.get('name'), name))
        return consumer
    if items is None:
        items = client.get_all(consumers_path(bunit_id))
    matches = [item for item in items if item.get('name') == name]
    if len(matches) > 1:
        raise CloutilityError("Consumption unit name '%s' is used by %d units in business unit %s: ids %s. "
                              "Set consumer_id to choose one." % (name, len(matches), bunit_id,
                                                                  ', '.join(str(item.get('id')) for item in matches)))
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


# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve the names a playbook uses (business unit paths, consumers, reference data) to API objects.

Never guesses: a name that matches several objects is an error that lists them.
"""

from __future__ import annotations

import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    CloutilityApiError,
    CloutilityError,
)

PATH_SEPARATOR = '/'


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, str) and value.strip().isdigit())


def bunit_problem(ref):
    """What is wrong with a business unit reference (a path of names, or an id of 1 or more), or None. An input rule
    (ansible_module.option_problems): a negative or zero id would be sent as a path name."""
    text = str(ref).strip()
    if re.match(r'^[-+]?[0-9]+$', text) and int(text) < 1:
        return 'must be a business unit path or an id of 1 or more, not %s' % text
    return None


def _names(items, keys=('name',)):
    names = []
    for item in items:
        for key in keys:
            if item.get(key) and item[key] not in names:
                names.append(item[key])
                break
    return ', '.join(names) if names else '(none)'


def find_one(items, name, kind, keys=('name',), required=True):
    """The single item whose name (or one of ``keys``) equals ``name``.

    Exact matches win over case-insensitive ones. Several matches, or none when ``required``,
    raise a CloutilityError that lists the candidates or the valid names.
    """
    wanted = str(name).strip()
    for compare in (lambda value: value == wanted, lambda value: value.lower() == wanted.lower()):
        matches = [item for item in items
                   if any(isinstance(item.get(key), str) and compare(item[key].strip()) for key in keys)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            listed = ', '.join('%s (id %s)' % (item.get('name'), item.get('id')) for item in matches)
            raise CloutilityError("%s '%s' is ambiguous: %d match (%s). Refer to it by id instead."
                                  % (kind, wanted, len(matches), listed))
    if required:
        raise CloutilityError("%s '%s' not found. Valid names: %s" % (kind, wanted, _names(items, keys)))
    return None


def find_ref(items, value, kind, keys=('name',)):
    """A reference given as a name or an id, resolved against the objects the API offers."""
    if _is_id(value):
        wanted = int(value)
        for item in items:
            if item.get('id') == wanted:
                return item
        raise CloutilityError('%s id %s not found. Valid: %s' % (
            kind, wanted, ', '.join('%s (id %s)' % (item.get('name'), item.get('id')) for item in items) or '(none)'))
    return find_one(items, value, kind, keys=keys)


class BusinessUnitTree:
    """The business units visible to the account, from one GET /v1/bunits.

    Its top is the user's home unit. Units are named by path from the top
    ('Top/Child/Grandchild') or by id.
    """

    def __init__(self, client, root=None):
        """One GET /v1/bunits, or ``root``: a tree read before (cloutility_bunit_info's ``tree``)."""
        self.client = client
        self.root = client.get_object('bunits', what='the business unit tree', keys=('id', 'name')) if root is None else root
        if not isinstance(self.root, dict) or 'id' not in self.root:  # a tree given by the caller
            raise CloutilityError('GET /v1/bunits did not return a business unit tree')
        self.by_id = {}
        self.parent = {}
        self._index(self.root, None)

    def _index(self, unit, parent_id):
        self.by_id[unit['id']] = unit
        self.parent[unit['id']] = parent_id
        for child in unit.get('businessUnits') or []:
            self._index(child, unit['id'])

    def children(self, unit_id):
        return list(self.by_id[unit_id].get('businessUnits') or [])

    def path(self, unit_id):
        names = []
        while unit_id is not None:
            names.append(self.by_id[unit_id]['name'])
            unit_id = self.parent[unit_id]
        return PATH_SEPARATOR.join(reversed(names))

    def descendants(self, unit_id):
        """The unit and every unit below it, top first."""
        found = [self.by_id[unit_id]]
        for child in self.children(unit_id):
            found.extend(self.descendants(child['id']))
        return found

    @staticmethod
    def split(path):
        return [part.strip() for part in str(path).split(PATH_SEPARATOR) if part.strip()]

    def resolve(self, ref, required=True):
        """The unit named by ``ref``: None (the top), an id, or a path of names."""
        if ref is None or (isinstance(ref, str) and not ref.strip()):
            return self.root
        if _is_id(ref):
            unit = self.by_id.get(int(ref))
            if unit is None:
                raise CloutilityError('Business unit id %s is not visible to this account (visible below %s)'
                                      % (ref, self.root['name']))
            return unit
        unit, missing = self._walk(ref)
        if missing:
            if not required:
                return None
            raise CloutilityError("Business unit path '%s' not found: '%s' has no unit '%s' (its units: %s)"
                                  % (ref, self.path(unit['id']), missing[0], _names(self.children(unit['id']))))
        return unit

    def _walk(self, path):
        """Follow a path of names from the top: (the deepest unit reached, the names left over)."""
        parts = self.split(path)
        if parts and parts[0].lower() == self.root['name'].lower() and (
                parts[0] == self.root['name'] or find_one(self.children(self.root['id']), parts[0], 'Business unit', required=False) is None):
            parts = parts[1:]  # the path names the top unit itself
        unit = self.root
        for position, part in enumerate(parts):
            children = self.children(unit['id'])
            child = find_one(children, part, 'Business unit', required=False) if children else None
            if child is None:
                return unit, parts[position:]
            unit = child
        return unit, []

    def key(self, ref):
        """The same text for every way of naming one unit (id, path with or without the top's name, letter case),
        also for a unit that does not exist yet: the id of the deepest existing unit, then the names left over."""
        if ref is None or (isinstance(ref, str) and not ref.strip()):
            return str(self.root['id'])
        if _is_id(ref):
            return str(int(ref))
        unit, missing = self._walk(ref)
        return PATH_SEPARATOR.join([str(unit['id'])] + [part.lower() for part in missing])

    def parent_and_name(self, path, parent=None):
        """For a unit to be created: the parent unit and the new unit's own name."""
        parts = self.split(path)
        if not parts:
            raise CloutilityError('A business unit name is required')
        if parent is not None:
            return self.resolve(parent), parts[-1]
        return (self.resolve(PATH_SEPARATOR.join(parts[:-1])) if len(parts) > 1 else self.root), parts[-1]


CONSUMER = 'a consumption unit'


def consumers_path(bunit_id, consumer_id=None):
    path = 'bunits/%s/consumers' % bunit_id
    return path if consumer_id is None else '%s/%s' % (path, consumer_id)


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


def get_optional(client, path, params=None, what=None, keys=()):
    """GET an object that may not exist: None when the portal answers that it has none (404).

    A 404 saying the route itself does not exist (``CloutilityApiError.route_missing``) is raised:
    a missing endpoint must never pass for missing data. A 2xx must be the object (``client.get_object``:
    ``what`` names it, ``keys`` are members it always has): a list, a string or a number is a
    CloutilityBadAnswer, never None.
    """
    try:
        return client.get_object(path, params=params, what=what, keys=keys)
    except CloutilityApiError as exc:
        if exc.not_found:
            return None
        raise


def collect_optional(client, path, params=None, limit=None):
    """``client.collect`` for a collection a portal may answer with 404 when it holds nothing
    (reports in a range, audit log entries, jobs): ``([], None)`` then. A missing route is raised."""
    try:
        return client.collect(path, params, limit)
    except CloutilityApiError as exc:
        if exc.not_found:
            return [], None
        raise


def get_all_optional(client, path, params=None, limit=None):
    """Every item of such a collection; [] when the portal answers 404 for an empty one."""
    items, _answer = collect_optional(client, path, params, limit)
    return items or []

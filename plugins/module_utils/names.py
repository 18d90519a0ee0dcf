# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve the names a playbook uses (business unit paths, consumers, reference data) to API objects.

Never guesses: a name that matches several objects is an error that lists them.
"""

from __future__ import annotations

import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint

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
        """Read on first use (one GET /v1/bunits), or ``root``: a tree read before (cloutility_bunit_info's ``tree``).

        Nothing is read when it is made, so a module can hand it over before its input is checked."""
        self.client = client
        self._root = root
        self._by_id = None
        self._parent = None

    def _load(self):
        if self._by_id is not None:
            return
        root = self._root
        if root is None:
            root = self.client.get_object(endpoint('bunits'), what='the business unit tree', keys=('id', 'name'))
        if not isinstance(root, dict) or 'id' not in root:  # a tree given by the caller
            raise CloutilityError('GET /v1/bunits did not return a business unit tree')
        self._root, self._by_id, self._parent = root, {}, {}
        self._index(root, None)

    @property
    def root(self):
        self._load()
        return self._root

    @property
    def by_id(self):
        self._load()
        return self._by_id

    @property
    def parent(self):
        self._load()
        return self._parent

    def _index(self, unit, parent_id):
        self._by_id[unit['id']] = unit
        self._parent[unit['id']] = parent_id
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


# The option that names a business unit, as every module but cloutility_bunit declares it (with its input rule).
BUNIT_OPTION = dict(bunit=dict(type='str', check=bunit_problem))

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many backup nodes in one task (module cloutility_node_fleet). Plain Python (no Ansible).

The node workflow is the one of cloutility_node (``nodes.ensure_node``), run for every entry by a bounded pool
of threads (``concurrency.map_bounded``) that share one client (one login, one connection pool), one business
unit tree and one ``SharedReferences``: every reference list and every business unit's list of consumption units
is read once for the whole fleet, not once per node.
"""

from __future__ import annotations

import threading

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import DEFAULT_WORKERS, Failure, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import consumers_path, find_consumer
from ansible_collections.cloutility.cloutility.plugins.module_utils.nodes import References, ensure_node

# Reference lists that are the same for every business unit.
GLOBAL_LISTS = ('operating_system', 'node_type')


class _CachedCollection:
    """A client whose ``get_all`` of one path answers from a list read before; everything else goes to the client."""

    def __init__(self, client, path, items):
        self._client = client
        self._path = path
        self._items = items

    def get_all(self, path, params=None, limit=None):
        if path == self._path and params is None and limit is None:
            return list(self._items)
        return self._client.get_all(path, params=params, limit=limit)

    def __getattr__(self, name):
        return getattr(self._client, name)


class _UnitReferences(References):
    """The references of one business unit, shared by the fleet's threads: each list is read once."""

    def __init__(self, shared, bunit_id):
        super().__init__(shared.client, bunit_id)
        self.shared = shared
        self.lock = threading.RLock()
        self._consumers = None

    def items(self, option):
        if option in GLOBAL_LISTS:
            return self.shared.global_items(option)
        with self.lock:
            return super().items(option)

    def default_server(self):
        with self.lock:
            return super().default_server()

    def find_consumer(self, name=None, consumer_id=None):
        """By name from the unit's consumption units, read once for the fleet; by id with its own GET.

        Safe because no two entries of a fleet claim one consumption unit (``claims``): a unit created by one
        entry is never looked for by another.
        """
        if consumer_id is not None:
            return super().find_consumer(name, consumer_id)
        path = consumers_path(self.bunit_id)
        with self.lock:
            if self._consumers is None:
                self._consumers = self.client.get_all(path)
            consumers = self._consumers
        return find_consumer(_CachedCollection(self.client, path, consumers), self.bunit_id, name)


class SharedReferences:
    """Reference data for many node workflows at once (``ensure_node(..., refs=...)``), thread-safe."""

    def __init__(self, client):
        self.client = client
        self._lock = threading.Lock()
        self._units = {}
        self._global = References(client, None)
        self._global_lock = threading.Lock()

    def for_bunit(self, bunit_id):
        with self._lock:
            refs = self._units.get(bunit_id)
            if refs is None:
                refs = self._units[bunit_id] = _UnitReferences(self, bunit_id)
            return refs

    def global_items(self, option):
        with self._global_lock:
            return self._global.items(option)


def entry_key(entry):
    """The name of an entry in the results: ``host``, else its consumption unit."""
    for key in ('host', 'consumer', 'consumer_id'):
        if entry.get(key) is not None and str(entry[key]).strip():
            return str(entry[key]).strip()
    return None


def claims(tree, entries):
    """Refuse, before any request with a side effect, entries that would share a consumption unit or a node name.

    Units compare however their business unit path is written (``BusinessUnitTree.key``) and by name in any
    letter case; node names (``tsm_name``) in any letter case.
    """
    keys, units, nodes = {}, {}, {}
    for entry in entries:
        key = entry_key(entry)
        if key is None:
            raise CloutilityError('Every entry of nodes needs host, consumer or consumer_id')
        keys.setdefault(key, 0)
        keys[key] += 1
        where = tree.key(entry.get('bunit'))
        if entry.get('consumer_id') is not None:
            unit = '%s: id %s' % (where, entry['consumer_id'])
        else:
            unit = '%s: %s' % (where, str(entry.get('consumer') or '').strip().lower())
        units.setdefault(unit, []).append(key)
        if entry.get('tsm_name'):
            nodes.setdefault(str(entry['tsm_name']).strip().upper(), []).append(key)
    problems = ['host %s is listed %d times' % (key, count) for key, count in keys.items() if count > 1]
    for unit, hosts in units.items():
        if len(hosts) > 1:
            entry = next(item for item in entries if entry_key(item) == hosts[0])
            name = entry.get('consumer') if entry.get('consumer_id') is None else 'id %s' % entry['consumer_id']
            problems.append("consumption unit '%s' in business unit %s: %s" % (name, entry.get('bunit'), ', '.join(hosts)))
    for name, hosts in nodes.items():
        if len(hosts) > 1:
            problems.append('node name %s: %s' % (name, ', '.join(hosts)))
    if problems:
        raise CloutilityError('Hosts would share Cloutility objects (nothing was sent); give each its own consumption unit '
                              'and node name. %s.' % '; '.join(problems))


def _failure(exc):
    result = dict(failed=True, msg=str(exc), changed=False)
    if isinstance(exc, CloutilityApiError):
        result['api_error'] = dict(method=exc.method, path=exc.path, status=exc.status, message=exc.message,
                                   developer_message=exc.developer_message)
    return result


def ensure_fleet(client, tree, entries, check_mode=False, workers=DEFAULT_WORKERS):
    """Reconcile every entry (cloutility_node parameters plus ``host``) concurrently.

    Returns ``{'results': {host: result}, 'changed': bool, 'failed_hosts': [...]}``; a result is what
    ``ensure_node`` returns plus ``failed``, ``msg`` and ``bunit_missing``. A business unit that does not
    exist is a failure, except in check mode, where it is reported as ``bunit_missing`` (nothing to compare).
    """
    entries = list(entries)
    claims(tree, entries)
    refs = SharedReferences(client)

    def one(entry):
        bunit = tree.resolve(entry.get('bunit'), required=False)
        if bunit is None and check_mode:
            return dict(changed=False, failed=False, bunit_missing=True, bunit_id=None, consumer_id=None, node={},
                        changed_keys=[], activated=False, diff={'before': {}, 'after': {}},
                        msg='business unit %s does not exist' % entry.get('bunit'))
        result = ensure_node(client, tree, entry, check_mode=check_mode, refs=refs)
        result.update(failed=False, bunit_missing=False)
        return result

    outcomes = map_bounded(one, entries, workers=workers, capture=True)
    results = {}
    for entry, outcome in zip(entries, outcomes):
        if isinstance(outcome, Failure):
            if not isinstance(outcome.error, CloutilityError):
                raise outcome.error
            outcome = _failure(outcome.error)
            outcome['bunit_missing'] = False
        results[entry_key(entry)] = outcome
    return dict(results=results, changed=any(result.get('changed') for result in results.values()),
                failed_hosts=[key for key, result in results.items() if result.get('failed')])

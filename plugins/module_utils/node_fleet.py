# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many backup nodes in one task (module cloutility_node_fleet). Plain Python (no Ansible).

The node workflow is the one of cloutility_node (``resources.node.ensure_node``), run for every entry by a bounded pool
of threads (``concurrency.map_bounded``) that share one client (one login, one connection pool), one business
unit tree and one ``nodes.ReferenceCache``: every reference list and every business unit's list of consumption
units is read once for the whole fleet, not once per node.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import DEFAULT_WORKERS, Failure, bounded_workers, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import consumer_listing
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ReferenceCache, References
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import PartialWriteError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ensure_node


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
    """A failed entry's result; after a partial write it says what exists now (changed: true, ids, steps)."""
    result = dict(failed=True, msg=str(exc), changed=False)
    cause = exc
    if isinstance(exc, PartialWriteError):
        result.update(exc.result)
        result.update(failed=True, msg=str(exc), changed=True)
        cause = exc.cause
    if isinstance(cause, CloutilityApiError):
        result['api_error'] = cause.as_result()
    return result


def _default_server(client, refs, entry, result):
    """The business unit's default server, when the node's server lacks one of the entry's ``server_fields``."""
    fields = [field for field in entry.get('server_fields') or [] if field]
    server = (result.get('node') or {}).get('server')
    server = server if isinstance(server, dict) else {}
    if not fields or result.get('bunit_id') is None or all(server.get(field) not in (None, '') for field in fields):
        return None
    found = References(client, result['bunit_id'], cache=refs).default_server()
    return found if isinstance(found, dict) else None


def ensure_fleet(client, tree, entries, check_mode=False, workers=DEFAULT_WORKERS, list_consumers=False):
    """Reconcile every entry (cloutility_node parameters plus ``host`` and ``server_fields``) concurrently.

    Returns ``{'hosts': {host: result}, 'changed': bool, 'failed_hosts': [...]}``; a result is what
    ``ensure_node`` returns plus ``failed``, ``msg`` and ``bunit_missing``. A business unit that does not
    exist is a failure, in check mode too (with the real run's message), where ``bunit_missing`` also says so.
    An entry's ``server_fields`` (keys of the backup server object, such as ``name``) its caller needs: when the
    node's server lacks one, its result also has ``default_server``, the business unit's default server (read once
    per business unit, by the same worker, shared with the node workflow's own read).
    With ``list_consumers`` in check mode, also ``consumers``: every consumption unit of each business unit whose
    list the entries read (once for all of them), as the consumers lookup gives them. Not outside check mode: the
    lists are read before the task's changes.
    """
    entries = list(entries)
    claims(tree, entries)
    refs = ReferenceCache()

    def one(entry):
        if check_mode and tree.resolve(entry.get('bunit'), required=False) is None:
            # What the real run would fail with (the same message): check mode predicts it. The caller may create the
            # business unit before the real run (the onboard role with onboard_create_bunit): bunit_missing says so.
            try:
                tree.resolve(entry.get('bunit'))
                message = 'business unit %s does not exist' % entry.get('bunit')
            except CloutilityError as exc:
                message = str(exc)
            return dict(changed=False, failed=True, bunit_missing=True, bunit_id=None, consumer_id=None, node={},
                        changed_keys=[], activated=False, diff={'before': {}, 'after': {}}, msg=message)
        result = ensure_node(client, tree, entry, check_mode=check_mode, refs=refs)
        result.update(failed=False, bunit_missing=False)
        try:
            server = _default_server(client, refs, entry, result)
        except CloutilityError as exc:
            # The node's work is done (and reported as it is): only what the caller wanted besides is missing.
            result.update(_failure(exc), changed=result['changed'], bunit_missing=False)
            result['msg'] = "the node is in place, but its business unit's default backup server could not be read: %s" % exc
            return result
        if server is not None:
            result['default_server'] = server
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
    outcome = dict(hosts=results, changed=any(result.get('changed') for result in results.values()),
                   failed_hosts=[key for key, result in results.items() if result.get('failed')])
    if list_consumers and check_mode:
        outcome['consumers'] = [listed for bunit_id, consumers in sorted(refs.loaded('consumers').items())
                                for listed in consumer_listing(tree, bunit_id, consumers)]
    return outcome


SERVER_KEYS = ('name', 'tcpAddress', 'tcpPort')


def fleet_task(client, tree, params, check_mode=False, diff=False):
    """cloutility_node_fleet: every entry of ``nodes`` ensured; the task's result, with ``failed`` and ``msg`` when
    entries failed and ``fail_on_error`` is set. ``diff``: whether the task shows a diff (each entry keeps its own)."""
    outcome = ensure_fleet(client, tree, params['nodes'], check_mode=check_mode, workers=bounded_workers(params['workers'], params['nodes']),
                           list_consumers=params.get('list_consumers'))
    results = outcome['hosts']
    if params.get('compact'):
        for host, result in results.items():
            results[host] = compact(result)
    if diff:
        # The task's diff only when it is asked for (a task with diff: false must not print one with --diff).
        outcome['diff'] = dict(before={}, after={})
        for host, result in results.items():
            if result.get('changed') and result.get('diff'):
                outcome['diff']['before'][host] = result['diff'].get('before')
                outcome['diff']['after'][host] = result['diff'].get('after')
    if outcome['failed_hosts'] and params.get('fail_on_error'):
        outcome.update(failed=True, msg='%d of %d nodes failed: %s' % (
            len(outcome['failed_hosts']), len(results),
            '; '.join('%s: %s' % (host, results[host]['msg']) for host in outcome['failed_hosts'])))
    return outcome


def _keep(value, keys):
    """A dictionary with only ``keys`` (those it has); anything else as it is."""
    return dict((key, value[key]) for key in keys if key in value) if isinstance(value, dict) else value


def compact(result):
    """An entry's result with only what a caller acts on (option compact)."""
    result = dict(result)
    node = result.get('node')
    if isinstance(node, dict):
        small = _keep(node, ('tsmName', 'tsmPassword'))
        if isinstance(node.get('server'), dict):
            small['server'] = _keep(node['server'], SERVER_KEYS)
        result['node'] = small
    for key, keys in (('default_server', SERVER_KEYS), ('consumer', ('id', 'name'))):
        if key in result:
            result[key] = _keep(result[key], keys)
    diff = result.get('diff')
    if isinstance(diff, dict) and diff:
        keys = result.get('changed_keys') or []
        result['diff'] = dict((side, dict((key, value) for key, value in (diff.get(side) or {}).items() if key in keys))
                              for side in ('before', 'after'))
    return result

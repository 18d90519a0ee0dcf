# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bounded pool of worker threads for many independent API calls. Plain Python (no Ansible).

Every read or write that fans out over many objects (inventory, node lists, fleets of hosts) goes
through ``map_bounded``, so there is one place that decides how many requests are in flight.
The client shares one token and one connection pool between the threads
(``CloutilityClient(..., pool_size=N)``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

DEFAULT_WORKERS = 8
MAX_WORKERS = 64


def bounded_workers(workers, items=None):
    """``workers`` clamped to 1..MAX_WORKERS and to the number of items."""
    try:
        count = int(workers)
    except (TypeError, ValueError):
        count = DEFAULT_WORKERS
    count = max(1, min(count, MAX_WORKERS))
    if items is not None:
        count = max(1, min(count, len(items)))
    return count


class Failure:
    """What ``map_bounded(..., capture=True)`` gives for an item whose call raised."""

    def __init__(self, error):
        self.error = error

    def __repr__(self):
        return 'Failure(%r)' % (self.error,)


def map_bounded(func, items, workers=DEFAULT_WORKERS, capture=False):
    """``[func(item) for item in items]`` with at most ``workers`` calls at once, results in input order.

    With ``capture=False`` the first exception (in input order) is raised once every call has ended;
    with ``capture=True`` a failed item's result is a ``Failure`` holding its exception.
    """
    items = list(items)
    if not items:
        return []
    count = bounded_workers(workers, items)
    if count == 1:
        results = []
        for item in items:
            try:
                results.append(func(item))
            except Exception as exc:  # pylint: disable=broad-except
                if not capture:
                    raise
                results.append(Failure(exc))
        return results
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(func, item) for item in items]
    results = []
    for future in futures:
        error = future.exception()
        if error is not None:
            if not capture:
                raise error
            results.append(Failure(error))
        else:
            results.append(future.result())
    return results

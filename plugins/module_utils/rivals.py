# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Racing controllers: how controllers that share no lock and ensure the same consumption unit at once end with one
unit of the name holding one activated node, whatever the portal does. resources/node.py calls into it; plain Python.

Cloutility has no idempotency key and no lock; controllers that share no lock_dir (AWX execution nodes, job slices)
can create the same unit at once. The invariants (each played at the moment it matters in
tests/unit/plugins/module_utils/test_rivals.py, all at once in test_convergence.py and the racing_controllers target):

1. Whole, consistent lists. Every decision about rivals (keep, yield, delete, "only one") is made on a list read known
   to be whole and consistent: client.consistent_list (every page gives the same total, the items counted equal it, no
   id twice, and a list of several pages is read again until two whole reads agree on its ids; bounded, then an error,
   never a guess). A unit is deleted or yielded to only after a GET of it by id just now.
2. The keeper, without id order. Ids are identities, not clocks: the units of a name are ordered by (createdDate, id)
   and every controller keeps the first (``keeper``). A run that created a unit waits until race_margin seconds after
   the create's answer (local monotonic clock; the time spent on later steps counts) before the read that decides.
   Every unit ordered before its own was stamped before that answer, so under assumption A it is in that read: the run
   whose unit is first sees none before it and goes on; every other run sees the first and yields. Ties of createdDate
   (a portal that stamps whole seconds) are broken by id: both runs read after the margin and see both. A run that
   found a young unit (not its own) reads again race_margin seconds after its lookup before it activates it, and goes
   on with an earlier unit of the name if one shows (NodeWorkflow.check_found): its lookup may have come too early to
   show the first one, and activating the later one would make a second live node.
3. Judge by state, not status. After any refused write (400, 404, 409 or another 4xx but 401, 403, 429), the step's
   verify re-reads and decides: what the step was to do, found done (another controller did it), is taken; else the
   error stands. One rule for every step, in the engine (reconcile.perform).
4. Never delete what is not yours, or what is live. A run deletes a unit only when (a) it created it in this run, or,
   after a lost create answer, the unit appeared after this run's pre-create consistent read showed none of the name
   (a race artefact, not a person's unit) and it is not the keeper; (b) a GET of it by id just now shows it still has
   the name (a unit a person renamed is never deleted; results and messages give the name it has now); and (c) its
   node is absent or not activated (a node never activated holds no data; an activated one is never deleted).
5. Never leave a host with nothing. A run yields only to a keeper it has just confirmed (GET by id, name unchanged),
   before it deletes its own; when the keeper is gone, it looks again (bounded) rather than end with no unit.
6. Leftovers. A lookup that still finds several units of the name after settling: exactly one holding an activated
   node is the host's, used with a warning naming the others; none activated and every other young (createdDate
   within RACE_WINDOW of now) -> the keeper, with a warning; anything else (two or more activated, old units without an
   activated node that a person may have made) fails naming the units. The audit names the others too.
7. Bounded. Yielding is a loop of at most MAX_ROUNDS rounds (NodeWorkflow.run), never a recursion; every wait is.

Assumption A, the one this rests on (its setting: the race_margin connection option): a create shows in the portal's
lists within race_margin seconds of its createdDate, and the portal stamps createdDate from a clock that does not go
back. Nothing rests on ids growing, on a paged list being a snapshot, or on the status of a conflict.
"""

from __future__ import annotations

import datetime
import math
import time

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    DEFAULT_RACE_MARGIN,
    CloutilityApiError,
    CloutilityError,
    get_optional,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import parse_datetime, utcnow
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint

# How recent (seconds, by createdDate, with room for clock skew) an extra unit of a name must be for a lookup to take
# it as one that racing controllers left, rather than one a person made (invariant 6).
RACE_WINDOW = 900
# Rounds of yielding one run makes at most (invariant 7): a keeper that vanishes, a keeper's keeper.
MAX_ROUNDS = 4
# A fleet's threads share their race reads: each waits for the next tick of this many seconds at or after the end of
# its margin, and one read started at that tick serves every thread waiting for it (ReferenceCache.fresh).
SHARE_TICK = 0.25
_NO_DATE = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)


def is_live(node):
    """An activated node (or one that says it is): never deleted, never a reason to guess."""
    return bool(node and (node.get('activatedDate') or node.get('tsmName')))


def created(unit):
    """A unit's createdDate as an aware datetime, or None when it has none that reads as a date."""
    try:
        return parse_datetime(unit.get('createdDate'), 'createdDate')
    except CloutilityError:
        return None


def order_key(unit):
    """(createdDate, id): the order every controller agrees on (invariant 2). A unit without a readable createdDate
    (which the portal publishes) sorts after those with one."""
    return (created(unit) or _NO_DATE, int(unit['id']))


def keeper(units):
    """The unit every controller keeps among units of one name: the first by (createdDate, id)."""
    return min(units, key=order_key)


def young(unit, now=None):
    """Whether a unit was created within RACE_WINDOW seconds of ``now`` (default the controller's clock)."""
    when = created(unit)
    return when is not None and abs(((now or utcnow()) - when).total_seconds()) <= RACE_WINDOW


def describe(units):
    return ', '.join("id %s ('%s')" % (unit.get('id'), unit.get('name')) for unit in units)


class LostRace(Exception):
    """Not a CloutilityError (the engine passes it through untouched): this run's new unit is not the one kept."""

    def __init__(self, kept):
        super().__init__('consumption unit %s is kept' % kept.get('id'))
        self.keeper = kept


class NoUnitLeft(Exception):
    """The units this run settled among are all gone (a person deleted them): the run looks again (invariant 5)."""


class Rivals:
    """The consumption units of one name in one business unit, as racing controllers see and settle them.

    ``cache``: a ReferenceCache shared by a fleet's threads, so one consistent read serves every entry whose margin
    ended before it started (ReferenceCache.fresh).
    """

    def __init__(self, client, bunit_id, name, cache=None):
        self.client = client
        self.bunit_id = bunit_id
        self.name = name
        self.cache = cache
        self.margin = max(float(getattr(client, 'race_margin', DEFAULT_RACE_MARGIN)), 0.0)
        self.removed = []  # {'id', 'name'} of each race artefact a settling after a lost create answer removed

    # ------------------------------------------------------------------ reads (invariant 1)
    def path(self, unit_id=None):
        if unit_id is None:
            return endpoint('consumers', bunit=self.bunit_id)
        return endpoint('consumer', bunit=self.bunit_id, consumer=unit_id)

    def list_all(self):
        """Every unit of the business unit, from a whole and consistent read."""
        return self.client.consistent_list(self.path())

    def read(self, since=None):
        """The units of the name, from a consistent read that started at or after ``since`` (a time.monotonic()), each
        with its createdDate (from its GET when the list item lacks it)."""
        if self.cache is not None and since is not None:
            tick = math.ceil(since / SHARE_TICK) * SHARE_TICK
            remaining = tick - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
            items = self.cache.fresh(('race', self.bunit_id), tick, self.list_all)
        else:
            items = self.list_all()
        units = []
        for item in items:
            if not isinstance(item, dict) or item.get('name') != self.name:
                continue
            if created(item) is None:
                item = self.confirm(item['id']) or item
            units.append(item)
        return units

    def current(self, unit_id):
        """The unit as it is now (GET by id), or None when it is gone."""
        return get_optional(self.client, self.path(unit_id), what='a consumption unit', keys=('id',))

    def confirm(self, unit_id):
        """The unit when a GET of it now shows it with the name (invariants 4b, 5), else None."""
        unit = self.current(unit_id)
        return unit if unit is not None and unit.get('name') == self.name else None

    def node(self, unit_id):
        return get_optional(self.client, endpoint('node', bunit=self.bunit_id, consumer=unit_id), what='a backup node')

    def wait_margin(self, since):
        """Sleep until race_margin seconds after ``since`` (time.monotonic() of the create's answer)."""
        remaining = since + self.margin - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    # ------------------------------------------------------------------ writes (invariant 4)
    def remove(self, unit_id):
        """Delete a unit this settling may delete (invariant 4a is the caller's: its own, or a race artefact), only
        when it still has the name and holds no activated node. Returns what happened: ``('removed', unit)``,
        ``('gone', None)``, ``('renamed', unit as it is now)`` or ``('live', unit)``; a delete that fails raises."""
        unit = self.current(unit_id)
        if unit is None:
            return 'gone', None
        if unit.get('name') != self.name:
            return 'renamed', unit
        if is_live(self.node(unit_id)):
            return 'live', unit
        try:
            # deleteAssociations: its node, never activated, goes with it (a portal may need the flag).
            self.client.delete(self.path(unit_id), params=dict(deleteAssociations='true'))
        except CloutilityApiError as exc:
            if exc.status != 404:
                raise
            return 'gone', None
        return 'removed', unit

    # ------------------------------------------------------------------ the protocol
    def settle(self, own, created_at, uncertain=False):
        """After this run created ``own`` (its answer came at ``created_at``, time.monotonic()): return ``own`` when it is
        the keeper, else raise LostRace with the keeper (invariant 2). ``uncertain``: the create's answer was lost and
        ``own`` is only the first unit of the name seen after it: the keeper is settled on a second read one margin
        after the first (a unit stamped before the first read is in the second), and every other unit of the name (race
        artefacts: the pre-create read showed none) is removed under invariant 4; a run that worked on one of them finds
        it gone and yields. NoUnitLeft when no unit of the name is left at all."""
        self.wait_margin(created_at)
        units = self.read(since=created_at + self.margin)
        if uncertain:
            second = time.monotonic()
            self.wait_margin(second)
            units = self.read(since=second + self.margin)
        if not units:
            raise NoUnitLeft()
        kept = keeper(units)
        if uncertain:
            for unit in units:
                if unit['id'] != kept['id']:
                    what, gone = self.remove(unit['id'])
                    if what == 'removed':
                        self.removed.append({'id': gone['id'], 'name': gone.get('name')})
        if kept['id'] != own.get('id'):
            raise LostRace(kept)
        return own

    def yield_to(self, own, kept):
        """This run's unit ``own`` lost to ``kept``. Confirm ``kept`` (GET by id, name unchanged) before anything is
        deleted (invariant 5), then remove ``own`` (invariant 4). Returns ``(kept as it is now, outcome)``, the outcome
        of remove; ``(None, None)`` when the keeper is gone (the caller looks again; nothing was deleted)."""
        current = self.confirm(kept['id'])
        if current is None:
            return None, None
        return current, self.remove(own['id'])

    def leftover(self, units):
        """A lookup found several units of the name (invariant 6): ``(the host's unit, the others, why)``, or None when it
        cannot be told (the caller fails naming them)."""
        units = [self.confirm(unit['id']) or unit for unit in units] if any(created(unit) is None for unit in units) else units
        live = [unit for unit in units if is_live(self.node(unit['id']))]
        if len(live) == 1:
            chosen = live[0]
            why = 'it holds the activated node'
        elif live:
            return None
        else:
            chosen = keeper(units)
            if not all(young(unit) for unit in units if unit['id'] != chosen['id']):
                return None
            why = 'the first created; the others are minutes old and hold no activated node, as controllers running at once leave them'
        return chosen, [unit for unit in units if unit['id'] != chosen['id']], why

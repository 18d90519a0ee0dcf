# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloutility.cloutility.backup_events: an event source for Event-Driven Ansible (ansible-rulebook).

Polls a Cloutility portal and puts one event on the queue per failed, missed or warning backup job, and per node
that goes over its storage limit, in the business units it is given and every unit below them.

Arguments (every connection option also from its CLOUTILITY_* environment variable, as for the modules), checked
like a module's options before the first request (types strict: a list where a list is due, a number where a number is):
    api_url, client_id, origin, username, password, validate_certs, timeout, token_cache, retries, retry_max_time,
    lock_dir: the connection (doc fragment cloutility.cloutility.connection).
    bunits:   list of business units (paths of names, or ids) to watch, with every unit below them. Required.
    interval: seconds between polls, 1 to 86400 (default 300).
    since:    where the first start looks back to (default -24h; by the portal's clock, kept in the bookmark); later
              starts go on from the bookmark, and a unit never read completely is read from there.
    bookmark: the bookmark file (default ~/.local/state/cloutility/backup_events-<hash>.json). Keep it on a volume that
              outlives the process: a restart neither loses nor repeats events. It must be a plain file of this user,
              writable by no one else (its lock <bookmark>.lock too, never a symbolic link): anything else is refused.
    overlap:  seconds each poll reads again before the last one ended, for jobs the portal lists late (default 3600).
    kinds:    which events: failed_job, missed_job, warning_job, storage_over_limit (default all).
    job_statuses: job status -> kind (default {Failed: failed_job, Missed: missed_job, Warning: warning_job}).
    storage_warning_types: report warning type names or ids meaning "over the limit" (default [HighStorage]).
    workers:  parallel reads, 1 to 32 (default 4).
    once:     poll once and stop (for tests and cron-like use).
    Any other argument is refused before the first request.

Each event: {"cloutility": {"kind", "key", "time", "bunit_id", "bunit_path", "consumer": {"id", "name"}, "node",
"message", "api_url", and "job" or "report"/"storage"}}. Each event is recorded in the bookmark as soon as
ansible-rulebook has taken it. Windows are measured by the portal's clock (the Date header of its answers). A unit
whose read meets an error (an answer that is not the resource, an unreachable portal) is logged with the method, URL
and status, sends only what it is sure of, and is read again from where its last complete read ended.

When the source cannot be sure it saw everything, it says so in an event of its own, kind watch_incomplete, with
"reason" (read_failed: a unit's read failed; list_failed: the units could not be listed; bookmark_in_future: a
unit's bookmark entry was later than the portal's time and was repaired; no_portal_clock: the portal sends no Date
header), "window" {"start", "end"} (what could not be read, by the portal's clock), "since" (when the problem
began), "error", and the unit when there is one. It is sent once when a problem starts and again once a day while
it lasts; a restart does not repeat it. The password is never logged.

Example:
    sources:
      - cloutility.cloutility.backup_events:
          bunits: [Acme Hosting/Customers]
          interval: 300
          bookmark: /var/lib/eda/cloutility-backup-events.json
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

LOGGER = logging.getLogger('cloutility.backup_events')


def _collection_on_path():
    """ansible-rulebook runs this file with runpy: make the collection it belongs to importable."""
    here = os.path.abspath(globals().get('__file__') or '')
    parts = here.split(os.sep)
    if 'ansible_collections' in parts:
        root = os.sep.join(parts[:len(parts) - 1 - parts[::-1].index('ansible_collections')]) or os.sep
        if root in sys.path:  # first, so another copy of the collection on the path is not imported instead
            sys.path.remove(root)
        sys.path.insert(0, root)


_collection_on_path()

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.backup_events import BackupWatch, Settings  # noqa: E402 pylint: disable=wrong-import-position


async def main(queue, args):
    """Poll, put the events on the queue, then move the bookmark; again every ``interval`` seconds."""
    args = dict(args)
    args.pop('eda_feedback_queue', None)
    settings = Settings(args)  # refused before the first request: ValueError naming the argument
    watch = BackupWatch(settings)
    LOGGER.info('watching %s on %s every %ss (bookmark %s)', ', '.join(map(str, settings.bunits)),
                settings.connection['api_url'], int(settings.interval), settings.bookmark)
    try:
        while True:
            outcome = await asyncio.to_thread(watch.poll)
            for event in outcome.events:
                await queue.put(event)
                await asyncio.to_thread(watch.sent, event, outcome)  # taken: never sent again, whatever happens next
            await asyncio.to_thread(watch.commit, outcome)
            for warning in outcome.warnings:
                LOGGER.warning('%s', warning)
            for error in outcome.errors:
                LOGGER.warning('poll at %s incomplete, that time is read again next time: %s', outcome.end.isoformat(), error)
            LOGGER.info('%d events at %s', len(outcome.events), outcome.end.isoformat())
            if settings.once:
                return
            await asyncio.sleep(settings.interval)
    finally:
        watch.close()


if __name__ == '__main__':

    class _PrintQueue:
        async def put(self, event):
            print(event, flush=True)

    asyncio.run(main(_PrintQueue(), dict(bunits=sys.argv[1:] or [''], once=True)))

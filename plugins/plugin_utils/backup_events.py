# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the event source cloutility.cloutility.backup_events sees at each poll: failed, missed and warning backup
jobs, and nodes over their storage limit, in the business units it watches and every unit below them.

No Ansible and no asyncio: the source (extensions/eda/plugins/event_source/backup_events.py) calls ``poll`` in a
thread and puts the events on its queue, then ``commit`` writes the bookmark. The reads are the collection's own
(the client, its token cache and retries; the business unit tree; jobs and reports as the *_info modules read them).

The bookmark (a JSON file) holds the end of the last complete poll, the keys of the events already sent and the
units over their limit. A restart reads it: nothing between the last poll and now is lost, and nothing sent is sent
again. A poll that meets an error (an answer that is not the resource, a 5xx after the retries) sends the events it
is sure of and does not move the bookmark, so the next poll reads that time again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, collect_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import Failure, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import client_from_options, connection_settings
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime, utcnow
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import first_job_completed, job_range, name_report_warnings

KINDS = ('failed_job', 'missed_job', 'warning_job', 'storage_over_limit')
# A job's status -> the kind of event. The guide does not document job statuses: these are the simulator's and the
# portal's seen names; ``job_statuses`` overrides them.
DEFAULT_JOB_STATUSES = {'Failed': 'failed_job', 'Missed': 'missed_job', 'Warning': 'warning_job'}
# The report warning type names that mean "over the storage limit" (GET /v1/nodewarningtypes); ``storage_warning_types``.
DEFAULT_STORAGE_WARNINGS = ('HighStorage',)
BOOKMARK_VERSION = 1
SEEN_KEEP = datetime.timedelta(days=2)  # sent keys kept this long beyond the overlap


def _number(args, name, default, low, high):
    value = args.get(name, default)
    if isinstance(value, bool):
        raise ValueError('%s must be a number from %s to %s, not %r' % (name, low, high, value))
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError('%s must be a number from %s to %s, not %r' % (name, low, high, value))
    if not low <= value <= high:
        raise ValueError('%s must be from %s to %s, not %s' % (name, low, high, value))
    return value


def _list(args, name, default):
    value = args.get(name, default)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError('%s must be a list with at least one item, not %r' % (name, value))
    return list(value)


def default_bookmark(api_url, bunits):
    """Where the bookmark lives when none is given: one file per portal and set of units, in the user's state dir."""
    base = os.environ.get('XDG_STATE_HOME') or os.path.join(os.path.expanduser('~'), '.local', 'state')
    digest = hashlib.sha256(json.dumps([api_url, sorted(str(b) for b in bunits)]).encode('utf-8')).hexdigest()[:16]
    return os.path.join(base, 'cloutility', 'backup_events-%s.json' % digest)


class Settings:
    """The source's arguments, checked before the first request (ValueError naming the argument and the fix)."""

    def __init__(self, args, environ=None):
        connection, problems = connection_settings(args, environ)
        if problems:
            raise ValueError('; '.join(problems))
        self.connection = connection
        self.bunits = _list(args, 'bunits', None)
        self.interval = _number(args, 'interval', 300, 1, 86400)
        self.overlap = datetime.timedelta(seconds=_number(args, 'overlap', 3600, 0, 7 * 86400))
        self.workers = int(_number(args, 'workers', 4, 1, 32))
        self.kinds = _list(args, 'kinds', list(KINDS))
        unknown = [kind for kind in self.kinds if kind not in KINDS]
        if unknown:
            raise ValueError('kinds: %s not known; choose from %s' % (', '.join(map(str, unknown)), ', '.join(KINDS)))
        statuses = args.get('job_statuses', DEFAULT_JOB_STATUSES)
        if not isinstance(statuses, dict) or any(value not in KINDS[:3] for value in statuses.values()):
            raise ValueError('job_statuses must map job status names to one of %s, not %r' % (', '.join(KINDS[:3]), statuses))
        self.job_statuses = dict((str(key).lower(), value) for key, value in statuses.items())
        self.storage_warnings = set(str(name) for name in _list(args, 'storage_warning_types', list(DEFAULT_STORAGE_WARNINGS)))
        try:
            self.since = parse_datetime(args.get('since', '-24h'), 'since')
        except CloutilityError as exc:
            raise ValueError(str(exc))
        self.bookmark = os.path.expanduser(str(args.get('bookmark') or default_bookmark(connection['api_url'], self.bunits)))
        self.once = bool(args.get('once', False))


class Bookmark:
    """The bookmark file: ``until`` (end of the last complete poll), ``sent`` (event key -> time), ``over_limit``
    (consumer ids whose last report was over the limit), ``first_job`` (consumer id -> first job completed)."""

    def __init__(self, path, api_url):
        self.path, self.api_url = path, api_url
        self.until, self.sent, self.over_limit, self.first_job = None, {}, set(), {}
        if os.path.exists(path):
            self._read()

    def _read(self):
        try:
            with open(self.path, encoding='utf-8') as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ValueError('bookmark %s cannot be read (%s); move it away to start afresh' % (self.path, exc))
        if not isinstance(data, dict) or data.get('version') != BOOKMARK_VERSION:
            raise ValueError('bookmark %s is not a bookmark of this source (version %s); move it away to start afresh' % (
                self.path, data.get('version') if isinstance(data, dict) else None))
        if data.get('api_url') != self.api_url:
            raise ValueError('bookmark %s belongs to %s, not %s; give each portal its own bookmark' % (
                self.path, data.get('api_url'), self.api_url))
        self.until = parse_datetime(data.get('until'), 'until') if data.get('until') else None
        self.sent = dict(data.get('sent') or {})
        self.over_limit = set(int(cid) for cid in data.get('over_limit') or [])
        self.first_job = dict((int(cid), value) for cid, value in (data.get('first_job') or {}).items())

    def save(self):
        directory = os.path.dirname(self.path) or '.'
        os.makedirs(directory, mode=0o700, exist_ok=True)
        data = dict(version=BOOKMARK_VERSION, api_url=self.api_url, until=format_datetime(self.until), sent=self.sent,
                    over_limit=sorted(self.over_limit), first_job=dict((str(k), v) for k, v in sorted(self.first_job.items())))
        handle, temporary = tempfile.mkstemp(prefix='.bookmark-', dir=directory)
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                json.dump(data, out, indent=1, sort_keys=True)
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


class Poll:
    """One poll's outcome: the events (oldest first), whether every read succeeded, the errors, the window."""

    def __init__(self, start, end):
        self.start, self.end = start, end
        self.events, self.errors = [], []
        self.keys, self.over, self.under, self.first_job = [], set(), set(), {}

    @property
    def complete(self):
        return not self.errors


def _unit(tree, unit_id):
    return dict(id=unit_id, path=tree.path(unit_id))


class BackupWatch:
    """Polls the portal for backup problems; ``poll`` reads, ``commit`` records what was sent."""

    def __init__(self, settings, client=None):
        self.settings = settings
        self.client = client or client_from_options(settings.connection, pool_size=settings.workers)
        self.bookmark = Bookmark(settings.bookmark, settings.connection['api_url'])

    def window(self, now):
        """The time a poll reads: from the end of the last complete poll (less the overlap, for jobs the portal
        reports late), or from ``since`` on the first start, to now."""
        if self.bookmark.until is None:
            return min(self.settings.since, now), now
        return min(self.bookmark.until - self.settings.overlap, now), now

    def consumers(self, tree):
        """(unit, consumer) of every consumption unit in the watched units and the units below them, once each."""
        seen, found = set(), []
        for ref in self.settings.bunits:
            for unit in tree.descendants(tree.resolve(ref)['id']):
                if unit['id'] in seen:
                    continue
                seen.add(unit['id'])
                for consumer in self.client.get_all(endpoint('consumers', bunit=unit['id'])):
                    found.append((_unit(tree, unit['id']), consumer))
        return found

    def poll(self, now=None):
        now = now or utcnow()
        start, end = self.window(now)
        outcome = Poll(start, end)
        try:
            tree = BusinessUnitTree(self.client)
            units = self.consumers(tree)
        except CloutilityError as exc:
            outcome.errors.append(str(exc))
            return outcome
        results = map_bounded(lambda pair: self._read_consumer(pair[0], pair[1], start, end), units,
                              workers=self.settings.workers, capture=True)
        reports = []
        for (unit, consumer), result in zip(units, results):
            if isinstance(result, Failure):
                outcome.errors.append('%s/%s (consumer id %s): %s' % (unit['path'], consumer.get('name'), consumer.get('id'), result.error))
                continue
            first, jobs, report = result
            if first is not None:
                outcome.first_job[consumer['id']] = first
            for job in jobs:
                self._job_event(outcome, unit, consumer, job)
            if report:
                reports.append((unit, consumer, report))
        if 'storage_over_limit' in self.settings.kinds and reports:
            try:
                name_report_warnings(self.client, [report for _unit_, _consumer, report in reports])
            except CloutilityError as exc:
                outcome.errors.append(str(exc))
                reports = []
            for unit, consumer, report in reports:
                self._storage_event(outcome, unit, consumer, report)
        outcome.events.sort(key=lambda event: event['cloutility']['time'] or '')
        return outcome

    def _read_consumer(self, unit, consumer, start, end):
        """The first job's completion (cached in the bookmark), the jobs of the window, the latest report."""
        ids = dict(bunit=unit['id'], consumer=consumer['id'])
        first = self.bookmark.first_job.get(consumer['id'])
        if first is None:
            completed = first_job_completed(get_optional(self.client, endpoint('first_job', **ids), what='the first job'))
            first = format_datetime(completed)
        jobs = []
        if first is not None and any(kind in self.settings.kinds for kind in KINDS[:3]):
            begin, finish, _adjusted, empty = job_range(start, end, parse_datetime(first, 'completed'))
            if not empty:
                jobs, _answer = collect_optional(self.client, endpoint('jobs', **ids),
                                                 dict(startTime=format_datetime(begin), endTime=format_datetime(finish)))
        report = None
        if first is not None and 'storage_over_limit' in self.settings.kinds:
            report = get_optional(self.client, endpoint('latest_report', **ids), what='a node report')
        return first, jobs, report

    def _job_event(self, outcome, unit, consumer, job):
        if not isinstance(job, dict):
            raise CloutilityError('a job of consumption unit %s is not an object: %r' % (consumer.get('id'), job))
        kind = self.settings.job_statuses.get(str(job.get('status') or '').lower())
        if kind is None or kind not in self.settings.kinds:
            return
        key = 'job:%s:%s' % (consumer['id'], job.get('id'))
        if key in self.bookmark.sent or key in outcome.keys:
            return
        when = job.get('completed') or job.get('started')
        outcome.keys.append(key)
        outcome.events.append(self._event(kind, key, when, unit, consumer, job=job, node=job.get('tsmName'),
                                          message='%s backup job %s of %s/%s (status %s, return code %s)' % (
                                              kind.split('_')[0].capitalize(), job.get('id'), unit['path'], consumer.get('name'),
                                              job.get('status'), job.get('returnCode'))))

    def _storage_event(self, outcome, unit, consumer, report):
        warnings = [warning for warning in report.get('warnings') or [] if isinstance(warning, dict)
                    and warning.get('typeName') in self.settings.storage_warnings]
        if not warnings:
            if consumer['id'] in self.bookmark.over_limit:
                outcome.under.add(consumer['id'])
            return
        outcome.over.add(consumer['id'])
        if consumer['id'] in self.bookmark.over_limit:
            return  # told already; told again once it has been under the limit
        key = 'storage:%s:%s' % (consumer['id'], report.get('date'))
        outcome.keys.append(key)
        outcome.events.append(self._event('storage_over_limit', key, report.get('date'), unit, consumer, report=report,
                                          node=report.get('tsmName'), storage=report.get('storage'),
                                          message='%s/%s is over its storage limit: %s' % (
                                              unit['path'], consumer.get('name'), warnings[0].get('message') or warnings[0].get('typeName'))))

    def _event(self, kind, key, when, unit, consumer, **details):
        body = dict(kind=kind, key=key, time=when, bunit_id=unit['id'], bunit_path=unit['path'],
                    consumer=dict(id=consumer.get('id'), name=consumer.get('name')), api_url=self.settings.connection['api_url'])
        body.update(details)
        return dict(cloutility=body)

    def commit(self, outcome):
        """Record a poll whose events are on the queue: their keys; the window's end when every read succeeded."""
        stamp = format_datetime(outcome.end)
        for key in outcome.keys:
            self.bookmark.sent[key] = stamp
        self.bookmark.first_job.update(outcome.first_job)
        self.bookmark.over_limit = (self.bookmark.over_limit | outcome.over) - outcome.under
        if outcome.complete:
            self.bookmark.until = outcome.end
        horizon = (self.bookmark.until or outcome.end) - self.settings.overlap - SEEN_KEEP
        self.bookmark.sent = dict((key, value) for key, value in self.bookmark.sent.items()
                                  if parse_datetime(value, 'sent') >= horizon)
        self.bookmark.save()

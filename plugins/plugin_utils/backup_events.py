# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the event source cloutility.cloutility.backup_events sees at each poll: failed, missed and warning backup
jobs, and nodes over their storage limit, in the business units it watches and every unit below them.

No Ansible and no asyncio: the source (extensions/eda/plugins/event_source/backup_events.py) calls ``poll`` in a
thread and puts the events on its queue, then ``commit`` writes the bookmark. The reads are the collection's own
(the client, its token cache and retries; the business unit tree; jobs and reports as the *_info modules read them).

The bookmark (a JSON file) holds, per consumption unit, the end of its last complete read, the key of each event
already sent (recorded as soon as ansible-rulebook has taken it) and the units over their limit. A restart reads it:
nothing between the last read and now is lost, and nothing sent is sent again (only the one event being handed over
when the process is killed can be sent twice). A read that meets an error (an answer that is not the resource, a 5xx
after the retries) sends the events it is sure of; that unit's time is read again at the next poll.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import os
import tempfile

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, collect_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import Failure, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import connection_settings
from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import CONNECTION_SPEC, client_from_options
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime, utcnow
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import first_job_completed, job_range, name_report_warnings

KINDS = ('failed_job', 'missed_job', 'warning_job', 'storage_over_limit')
# A job's status -> the kind of event. The guide does not document job statuses: these are the simulator's and the
# portal's seen names; ``job_statuses`` overrides them.
DEFAULT_JOB_STATUSES = {'Failed': 'failed_job', 'Missed': 'missed_job', 'Warning': 'warning_job'}
# The report warning types that mean "over the storage limit": names (GET /v1/nodewarningtypes) or type ids;
# ``storage_warning_types``.
DEFAULT_STORAGE_WARNINGS = ('HighStorage',)
ARGUMENTS = tuple(CONNECTION_SPEC) + ('bunits', 'interval', 'since', 'bookmark', 'overlap', 'workers', 'kinds', 'job_statuses',
                                      'storage_warning_types', 'once')
BOOKMARK_VERSION = 2
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


def _consumer_of_key(key):
    """The consumption unit id of an event key (``job:<id>:...``, ``storage:<id>:...``)."""
    parts = str(key).split(':')
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


class Settings:
    """The source's arguments, checked before the first request (ValueError naming the argument and the fix)."""

    def __init__(self, args, environ=None):
        unknown = sorted(str(name) for name in args if name not in ARGUMENTS)
        if unknown:
            raise ValueError('unknown argument%s %s; the arguments are %s' % ('s' if len(unknown) > 1 else '', ', '.join(unknown),
                                                                              ', '.join(ARGUMENTS)))
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
        types = _list(args, 'storage_warning_types', list(DEFAULT_STORAGE_WARNINGS))
        self.storage_names = set(str(item) for item in types if not str(item).isdigit())
        self.storage_ids = set(int(item) for item in types if str(item).isdigit())
        try:
            self.since = parse_datetime(args.get('since', '-24h'), 'since')
            self.once = boolean(args.get('once', False))
        except (CloutilityError, TypeError) as exc:
            raise ValueError(str(exc))
        self.bookmark = os.path.expanduser(str(args.get('bookmark') or default_bookmark(connection['api_url'], self.bunits)))


class Bookmark:
    """The bookmark file: ``until`` (end of the last poll that listed the units), ``consumers`` (consumption unit id ->
    end of its last complete read), ``sent`` (event key -> time), ``over_limit`` (unit ids whose last report was over
    the limit), ``first_job`` (unit id -> its first job's completion)."""

    def __init__(self, path, api_url):
        self.path, self.api_url = path, api_url
        self.until, self.consumers, self.sent, self.over_limit, self.first_job = None, {}, {}, set(), {}
        self._hold(path)
        if os.path.exists(path):
            try:
                self._read()
            except (CloutilityError, TypeError, AttributeError) as exc:
                raise ValueError('bookmark %s is damaged (%s); move it away to start afresh' % (self.path, exc))
        self.save()  # the place is writable, before the first request and the first event

    def _hold(self, path):
        """One source per bookmark: a second one (another rulebook, another controller on the same volume) would
        send every event again. The lock lasts as long as this process."""
        try:
            os.makedirs(os.path.dirname(path) or '.', mode=0o700, exist_ok=True)
            self._lock = open(path + '.lock', 'a+', encoding='utf-8')  # pylint: disable=consider-using-with
        except OSError as exc:
            raise ValueError('bookmark %s cannot be written (%s); give bookmark a file in a writable folder' % (path, exc))
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise ValueError('bookmark %s is in use by another backup_events source; give each source its own bookmark, '
                             'or stop the other one' % path)

    def release(self):
        """Let another source take the bookmark (the process ending does it too)."""
        if not self._lock.closed:
            self._lock.close()

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
        self.consumers = dict((int(cid), parse_datetime(value, 'consumers')) for cid, value in (data.get('consumers') or {}).items())
        self.sent = dict(data.get('sent') or {})
        self.over_limit = set(int(cid) for cid in data.get('over_limit') or [])
        self.first_job = dict((int(cid), value) for cid, value in (data.get('first_job') or {}).items())

    def save(self):
        directory = os.path.dirname(self.path) or '.'
        data = dict(version=BOOKMARK_VERSION, api_url=self.api_url, until=format_datetime(self.until), sent=self.sent,
                    consumers=dict((str(cid), format_datetime(value)) for cid, value in sorted(self.consumers.items())),
                    over_limit=sorted(self.over_limit), first_job=dict((str(k), v) for k, v in sorted(self.first_job.items())))
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix='.bookmark-', dir=directory)
        except OSError as exc:
            raise ValueError('bookmark %s cannot be written (%s); give bookmark a file in a writable folder' % (self.path, exc))
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                json.dump(data, out, indent=1, sort_keys=True)
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


class Poll:
    """One poll's outcome: the events (oldest first), the units read completely, the errors, the window's end."""

    def __init__(self, end):
        self.end = end
        self.events, self.errors = [], []
        self.keys, self.over, self.under, self.first_job = [], set(), set(), {}
        self.listed, self.read = False, {}   # read: consumer id -> the start of its window, for those read completely

    @property
    def complete(self):
        return not self.errors


def _unit(tree, unit_id):
    return dict(id=unit_id, path=tree.path(unit_id))


def _check_consumer(unit, consumer):
    if not isinstance(consumer, dict) or isinstance(consumer.get('id'), bool) or not isinstance(consumer.get('id'), int):
        raise CloutilityError('GET %s answered a consumption unit without an id: %.200r' % (
            endpoint('consumers', bunit=unit['id']), consumer))
    return consumer


class BackupWatch:
    """Polls the portal for backup problems; ``poll`` reads, ``sent`` and ``commit`` record."""

    def __init__(self, settings, client=None):
        self.settings = settings
        self.bookmark = Bookmark(settings.bookmark, settings.connection['api_url'])
        self.client = client or client_from_options(settings.connection, pool_size=settings.workers)

    def close(self):
        self.bookmark.release()

    def window_start(self, consumer_id, now):
        """Where a unit's read starts: the end of its last complete read (less the overlap, for jobs the portal lists
        late), else of the last poll that listed the units, else ``since`` (the first start)."""
        last = self.bookmark.consumers.get(consumer_id) or self.bookmark.until
        if last is None:
            return min(self.settings.since, now)
        return min(last - self.settings.overlap, now)

    def consumers(self, tree):
        """(unit, consumer) of every consumption unit in the watched units and the units below them, once each."""
        seen, found = set(), []
        for ref in self.settings.bunits:
            for unit in tree.descendants(tree.resolve(ref)['id']):
                if unit['id'] in seen:
                    continue
                seen.add(unit['id'])
                info = _unit(tree, unit['id'])
                for consumer in self.client.get_all(endpoint('consumers', bunit=unit['id'])):
                    found.append((info, _check_consumer(info, consumer)))
        return found

    def poll(self, now=None):
        now = now or utcnow()
        outcome = Poll(now)
        try:
            tree = BusinessUnitTree(self.client)
            units = self.consumers(tree)
        except CloutilityError as exc:
            outcome.errors.append(str(exc))
            return outcome
        outcome.listed = True
        results = map_bounded(lambda pair: self._read_consumer(pair[0], pair[1], now), units,
                              workers=self.settings.workers, capture=True)
        reports = []
        for (unit, consumer), result in zip(units, results):
            if isinstance(result, Failure):
                outcome.errors.append('%s/%s (consumer id %s): %s' % (unit['path'], consumer.get('name'), consumer['id'], result.error))
                continue
            start, first, jobs, report = result
            if first is not None:
                outcome.first_job[consumer['id']] = first
            for kind, job in jobs:
                self._job_event(outcome, unit, consumer, kind, job)
            if report is not None:
                reports.append((unit, consumer, report, start))
            else:
                outcome.read[consumer['id']] = start
        if reports:
            try:
                name_report_warnings(self.client, [entry[2] for entry in reports])
            except CloutilityError as exc:
                outcome.errors.append(str(exc))
                reports = []
            for unit, consumer, report, start in reports:
                problem = self._storage_event(outcome, unit, consumer, report)
                if problem:
                    outcome.errors.append('%s/%s (consumer id %s): %s' % (unit['path'], consumer.get('name'), consumer['id'], problem))
                else:
                    outcome.read[consumer['id']] = start
        outcome.events.sort(key=lambda event: event['cloutility']['time'])
        return outcome

    def _read_consumer(self, unit, consumer, now):
        """The window's start, the first job's completion (kept in the bookmark), the problem jobs of the window as
        (kind, job), the latest report (None when storage is not watched or the unit has no job yet).

        Raises on an answer that is not the resource (a job that is no object or has no id): the unit's poll is
        then incomplete, and its time read again."""
        ids = dict(bunit=unit['id'], consumer=consumer['id'])
        start = self.window_start(consumer['id'], now)
        first = self.bookmark.first_job.get(consumer['id'])
        if first is None:
            completed = first_job_completed(get_optional(self.client, endpoint('first_job', **ids), what='the first job'))
            first = format_datetime(completed)
        problems = []
        if first is not None and any(kind in self.settings.kinds for kind in KINDS[:3]):
            begin, finish, _adjusted, empty = job_range(start, now, parse_datetime(first, 'completed'))
            if not empty:
                jobs, _answer = collect_optional(self.client, endpoint('jobs', **ids),
                                                 dict(startTime=format_datetime(begin), endTime=format_datetime(finish)))
                for job in jobs:
                    if not isinstance(job, dict) or job.get('id') in (None, ''):
                        raise CloutilityError('GET %s answered a job without an id: %.200r' % (endpoint('jobs', **ids), job))
                    kind = self.settings.job_statuses.get(str(job.get('status') or '').lower())
                    if kind in self.settings.kinds:
                        problems.append((kind, job))
        report = None
        if first is not None and 'storage_over_limit' in self.settings.kinds:
            report = get_optional(self.client, endpoint('latest_report', **ids), what='a node report')
            if report is not None and not isinstance(report.get('warnings'), (list, dict)):
                raise CloutilityError('GET %s answered a report without its warnings: %.200r' % (endpoint('latest_report', **ids), report))
        return start, first, problems, report

    def _job_event(self, outcome, unit, consumer, kind, job):
        key = 'job:%s:%s' % (consumer['id'], job['id'])
        if key in self.bookmark.sent or key in outcome.keys:
            return
        when = job.get('completed') or job.get('started') or format_datetime(outcome.end)
        outcome.keys.append(key)
        outcome.events.append(self._event(kind, key, when, unit, consumer, job=job, node=job.get('tsmName'),
                                          message='%s backup job %s of %s/%s (status %s, return code %s)' % (
                                              kind.split('_')[0].capitalize(), job.get('id'), unit['path'], consumer.get('name'),
                                              job.get('status'), job.get('returnCode'))))

    def _storage_event(self, outcome, unit, consumer, report):
        """Over the limit: one event per crossing. Returns what is wrong when the warnings cannot be told apart."""
        warnings = [warning for warning in report.get('warnings') if isinstance(warning, dict)] \
            if isinstance(report.get('warnings'), list) else [w for w in report['warnings'].get('items') or [] if isinstance(w, dict)]
        unknown = [warning for warning in warnings if 'typeName' not in warning and warning.get('typeId') not in self.settings.storage_ids]
        if unknown and self.settings.storage_names:
            return ('its report has warnings whose type the portal does not name (type ids %s); give storage_warning_types '
                    'as type ids' % ', '.join(sorted(set(str(w.get('typeId')) for w in unknown))))
        over = [warning for warning in warnings if warning.get('typeName') in self.settings.storage_names
                or warning.get('typeId') in self.settings.storage_ids]
        if not over:
            if consumer['id'] in self.bookmark.over_limit:
                outcome.under.add(consumer['id'])
            return None
        outcome.over.add(consumer['id'])
        if consumer['id'] in self.bookmark.over_limit:
            return None  # told already; told again once it has been under the limit
        key = 'storage:%s:%s' % (consumer['id'], report.get('date'))
        if key in self.bookmark.sent:
            return None
        outcome.keys.append(key)
        outcome.events.append(self._event('storage_over_limit', key, report.get('date') or format_datetime(outcome.end), unit, consumer,
                                          report=report, node=report.get('tsmName'), storage=report.get('storage'),
                                          message='%s/%s is over its storage limit: %s' % (
                                              unit['path'], consumer.get('name'), over[0].get('message') or over[0].get('typeName'))))
        return None

    def _event(self, kind, key, when, unit, consumer, **details):
        body = dict(kind=kind, key=key, time=when, bunit_id=unit['id'], bunit_path=unit['path'],
                    consumer=dict(id=consumer['id'], name=consumer.get('name')), api_url=self.settings.connection['api_url'])
        body.update(details)
        return dict(cloutility=body)

    def sent(self, event, outcome):
        """Record one event ansible-rulebook has taken, at once: a restart does not send it again."""
        self.bookmark.sent[event['cloutility']['key']] = format_datetime(outcome.end)
        self.bookmark.save()

    def commit(self, outcome):
        """Record a poll whose events are on the queue: each completely read unit's window end, the first jobs, the
        units over the limit; the poll's end when the units were listed. Old sent keys are dropped."""
        for key in outcome.keys:
            self.bookmark.sent.setdefault(key, format_datetime(outcome.end))
        self.bookmark.first_job.update(outcome.first_job)
        self.bookmark.over_limit = (self.bookmark.over_limit | outcome.over) - outcome.under
        for key in [key for key in self.bookmark.sent if key.startswith('storage:') and _consumer_of_key(key) in outcome.under]:
            del self.bookmark.sent[key]  # under the limit again: the next crossing is a new event
        for consumer_id in outcome.read:
            self.bookmark.consumers[consumer_id] = outcome.end
        if outcome.listed:
            self.bookmark.until = outcome.end
        kept = {}
        for key, stamp in self.bookmark.sent.items():
            last = self.bookmark.consumers.get(_consumer_of_key(key)) or self.bookmark.until or outcome.end
            if parse_datetime(stamp, 'sent') >= last - self.settings.overlap - SEEN_KEEP:
                kept[key] = stamp
        self.bookmark.sent = kept
        self.bookmark.save()

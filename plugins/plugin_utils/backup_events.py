# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the event source cloutility.cloutility.backup_events sees at each poll: failed, missed and warning backup
jobs, and nodes over their storage limit, in the business units it watches and every unit below them.

No Ansible and no asyncio: the source (extensions/eda/plugins/event_source/backup_events.py) calls ``poll`` in a
thread and puts the events on its queue, then ``commit`` writes the bookmark. The reads are the collection's own
(the client, its token cache and retries; the business unit tree; jobs and reports as the *_info modules read them).
The arguments are checked like a module's options (OPTIONS, ansible_module.checked_settings).

The bookmark (a JSON file) holds, per consumption unit, the end of its last complete read, the key of each event
already sent (recorded as soon as ansible-rulebook has taken it) and the units over their limit. A restart reads it:
nothing between the last read and now is lost, and nothing sent is sent again (only the one event being handed over
when the process is killed can be sent twice). A read that meets an error (an answer that is not the resource, a 5xx
after the retries) sends the events it is sure of; that unit is read again from where its last complete read ended
(a unit never read completely: from ``since`` of the first start), however long ago.

Invariants (each has a test in tests/unit/plugins/plugin_utils/test_backup_events.py):
- Windows are measured by the portal's clock (the Date header of its answers, CloutilityClient.portal_time), never
  the controller's: a window ends at the portal's time when the units were listed.
- A unit's position moves only after a complete read of it; a unit never read completely is read from the
  bookmark's ``since`` (the first start's ``since``, by the portal's clock).
- A bookmark that is damaged (an entry that is not what it must be), not this user's, writable by others or a
  symbolic link is refused at start, naming the entry or the file and the fix. An entry later than the portal's
  time (more than FUTURE_SLACK) is repaired at the first poll: a unit's position or first job is dropped (that unit
  is read from ``since``), other stamps are set to the poll's end; each repair is a warning, and a unit's repair a
  ``watch_incomplete`` event.
- When the source cannot be sure it saw everything (a unit whose read failed, the unit list unread, a unit's
  position repaired, a portal without a Date header), it says so in a ``watch_incomplete`` event: once when the
  problem starts, again every INCOMPLETE_REPEAT while it lasts (the bookmark keeps what was told: a restart does not
  repeat it).
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, collect_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import Failure, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import checked_settings
from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import CONNECTION_SPEC, client_from_options
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime, utcnow
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import job_range, name_report_warnings, read_first_job

KINDS = ('failed_job', 'missed_job', 'warning_job', 'storage_over_limit')
INCOMPLETE = 'watch_incomplete'   # the source's own event: it cannot be sure it saw everything (always sent)
# A job's status -> the kind of event. The guide does not document job statuses: these are the simulator's and the
# portal's seen names; ``job_statuses`` overrides them.
DEFAULT_JOB_STATUSES = {'Failed': 'failed_job', 'Missed': 'missed_job', 'Warning': 'warning_job'}
# The report warning types that mean "over the storage limit": names (GET /v1/nodewarningtypes) or type ids;
# ``storage_warning_types``.
DEFAULT_STORAGE_WARNINGS = ('HighStorage',)
BOOKMARK_VERSION = 3
READABLE_VERSIONS = (2, 3)   # 2: before ``since`` and ``incomplete``
SEEN_KEEP = datetime.timedelta(days=2)  # sent keys kept this long beyond the overlap
# A bookmark stamp at most this much later than the portal's time is the source's own (the Date header is cut to
# the second): its window is empty, nothing is lost. Later than that, the entry is repaired.
FUTURE_SLACK = datetime.timedelta(minutes=5)
INCOMPLETE_REPEAT = datetime.timedelta(days=1)   # a watch_incomplete problem that lasts is told again this often
FIX = 'correct or delete that entry, or move the bookmark away to start afresh (every unit is then read from since)'


def _items_problem(what):
    def check(value):
        if not value:
            return 'must be a list with at least one item'
        wrong = [item for item in value if isinstance(item, (bool, dict, list)) or not isinstance(item, (str, int))]
        if wrong:
            return 'must be a list of %s, not %s' % (what, ', '.join(repr(item) for item in wrong))
        return None
    return check


def _since_problem(value):
    try:
        when = parse_datetime(value, 'since')
    except CloutilityError as exc:
        return 'is not a time: %s' % exc
    if when is not None and when > utcnow():
        return 'must not be in the future (it is where the first start looks back to), not %s' % value
    return None


def _statuses_problem(value):
    wrong = dict((key, kind) for key, kind in value.items() if kind not in KINDS[:3])
    if wrong:
        return 'must map job status names to one of %s, not %r' % (', '.join(KINDS[:3]), wrong)
    return None


# The source's own arguments, declared like a module's options (plus the connection options of CONNECTION_SPEC).
OPTIONS = dict(
    bunits=dict(type='list', elements='raw', required=True, check=_items_problem('business unit paths or ids')),
    interval=dict(type='float', default=300, min=1, max=86400),
    since=dict(type='str', default='-24h', not_blank=True, check=_since_problem),
    bookmark=dict(type='path', not_blank=True),
    overlap=dict(type='float', default=3600, min=0, max=7 * 86400),
    workers=dict(type='int', default=4, min=1, max=32),
    kinds=dict(type='list', elements='str', default=list(KINDS), choices=list(KINDS),
               check=lambda value: None if value else 'must be a list with at least one of %s' % ', '.join(KINDS)),
    job_statuses=dict(type='dict', default=dict(DEFAULT_JOB_STATUSES), check=_statuses_problem),
    storage_warning_types=dict(type='list', elements='raw', default=list(DEFAULT_STORAGE_WARNINGS),
                               check=_items_problem('warning type names or ids')),
    once=dict(type='bool', default=False),
)
ARGUMENTS = tuple(CONNECTION_SPEC) + tuple(OPTIONS)


def default_bookmark(api_url, bunits):
    """Where the bookmark lives when none is given: one file per portal and set of units, in the user's state dir."""
    base = os.environ.get('XDG_STATE_HOME') or os.path.join(os.path.expanduser('~'), '.local', 'state')
    digest = hashlib.sha256(json.dumps([api_url, sorted(str(b) for b in bunits)]).encode('utf-8')).hexdigest()[:16]
    return os.path.join(base, 'cloutility', 'backup_events-%s.json' % digest)


def _consumer_of_key(key):
    """The consumption unit id of an event key (``job:<id>:...``, ``storage:<id>:...``, ``incomplete:<id>:...``)."""
    parts = str(key).split(':')
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


class Settings:
    """The source's arguments, checked before the first request (ValueError naming the argument and the fix): the
    connection options and OPTIONS, by ansible_module.checked_settings (the modules' validator and input rules)."""

    def __init__(self, args, environ=None):
        options, problems = checked_settings(OPTIONS, dict(args), environ)
        if problems:
            raise ValueError('; '.join(problems))
        self.connection = dict((name, options.get(name)) for name in CONNECTION_SPEC)
        self.bunits = list(options['bunits'])
        self.interval = float(options['interval'])
        self.overlap = datetime.timedelta(seconds=options['overlap'])
        self.workers = int(options['workers'])
        self.kinds = list(options['kinds'])
        self.job_statuses = dict((str(key).lower(), value) for key, value in options['job_statuses'].items())
        types = options['storage_warning_types']
        self.storage_names = set(str(item) for item in types if not str(item).isdigit())
        self.storage_ids = set(int(item) for item in types if str(item).isdigit())
        self.since_text = options['since']
        self.since = parse_datetime(self.since_text, 'since')
        self.once = bool(options['once'])
        self.bookmark = options.get('bookmark') or default_bookmark(self.connection['api_url'], self.bunits)


def _refuse_file(path, info, what):
    """What is wrong with the file the source is to trust (the bookmark, its lock), or None: not a plain file, not
    this user's, writable by others."""
    if not stat.S_ISREG(info.st_mode):
        return '%s %s is not a plain file; give bookmark a file of its own' % (what, path)
    if info.st_uid != os.geteuid():
        return ('%s %s belongs to user id %s, not to this user (%s): another user may have planted it; remove it, or give '
                'bookmark a file in a folder only this user can write' % (what, path, info.st_uid, os.geteuid()))
    if info.st_mode & 0o022:
        return ('%s %s can be written by other users (mode %04o): they could change what the source reads; chmod go-w it '
                'after checking it, or move it away to start afresh' % (what, path, stat.S_IMODE(info.st_mode)))
    return None


def _date_entry(path, name, value, optional=False):
    if value is None and optional:
        return None
    try:
        parsed = parse_datetime(value, name) if isinstance(value, str) and value.strip() else None
    except CloutilityError:
        parsed = None
    if parsed is None:
        raise ValueError('bookmark %s: %s is %.80r, not a date (as 2026-12-07T10:00:00Z); %s' % (path, name, value, FIX))
    return parsed


def _id_entry(path, name, key):
    if isinstance(key, bool) or not str(key).isdigit():
        raise ValueError('bookmark %s: %s has the key %.80r, not a consumption unit id; %s' % (path, name, key, FIX))
    return int(key)


def _mapping(path, name, value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError('bookmark %s: %s is %.80r, not a mapping; %s' % (path, name, value, FIX))
    return value


class Bookmark:
    """The bookmark file: ``since`` (where a unit never read completely is read from: the first start's ``since``),
    ``until`` (end of the last poll that listed the units), ``consumers`` (consumption unit id -> end of its last
    complete read), ``sent`` (event key -> time), ``over_limit`` (unit ids whose last report was over the limit),
    ``first_job`` (unit id -> its first job's completion), ``incomplete`` (problem -> when it began and was last told)."""

    def __init__(self, path, api_url):
        self.path, self.api_url = path, api_url
        self.since, self.until, self.consumers, self.sent, self.over_limit, self.first_job = None, None, {}, {}, set(), {}
        self.incomplete = {}
        self._lock = None
        self._hold(path)
        try:
            self._load()
            self.save()  # the place is writable, before the first request and the first event
        except BaseException:
            self.release()
            raise

    def _hold(self, path):
        """One source per bookmark: a second one (another rulebook, another controller on the same volume) would
        send every event again. The lock lasts as long as this process. Never through a symbolic link, never a file
        of another user (a folder such as /tmp is shared)."""
        lock = path + '.lock'
        try:
            os.makedirs(os.path.dirname(path) or '.', mode=0o700, exist_ok=True)
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0), 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ValueError('bookmark lock %s is a symbolic link (another user may have planted it): never followed; remove it, '
                                 'or give bookmark a file in a folder only this user can write' % lock)
            raise ValueError('bookmark %s cannot be written (%s); give bookmark a file in a writable folder' % (path, exc))
        problem = _refuse_file(lock, os.fstat(descriptor), 'bookmark lock')
        if problem:
            os.close(descriptor)
            raise ValueError(problem)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            raise ValueError('bookmark %s is in use by another backup_events source; give each source its own bookmark, '
                             'or stop the other one' % path)
        self._lock = descriptor

    def release(self):
        """Let another source take the bookmark (the process ending does it too)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _load(self):
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0))
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ValueError('bookmark %s is a symbolic link: never followed (another user may have planted it); give '
                                 'bookmark the real file' % self.path)
            raise ValueError('bookmark %s cannot be read (%s); move it away to start afresh' % (self.path, exc))
        problem = _refuse_file(self.path, os.fstat(descriptor), 'bookmark')
        if problem:
            os.close(descriptor)
            raise ValueError(problem)
        with os.fdopen(descriptor, encoding='utf-8') as handle:
            try:
                data = json.load(handle)
            except (OSError, ValueError) as exc:
                raise ValueError('bookmark %s cannot be read (%s); move it away to start afresh' % (self.path, exc))
        self._read(data)

    def _read(self, data):
        path = self.path
        if not isinstance(data, dict) or data.get('version') not in READABLE_VERSIONS:
            raise ValueError('bookmark %s is not a bookmark of this source (version %s); move it away to start afresh' % (
                path, data.get('version') if isinstance(data, dict) else None))
        if data.get('api_url') != self.api_url:
            raise ValueError('bookmark %s belongs to %s, not %s; give each portal its own bookmark' % (
                path, data.get('api_url'), self.api_url))
        self.since = _date_entry(path, 'since', data.get('since'), optional=True)
        self.until = _date_entry(path, 'until', data.get('until'), optional=True)
        self.consumers = dict((_id_entry(path, 'consumers', cid), _date_entry(path, 'consumers[%r]' % cid, value))
                              for cid, value in _mapping(path, 'consumers', data.get('consumers')).items())
        self.sent = dict((key, format_datetime(_date_entry(path, 'sent[%r]' % key, value)))
                         for key, value in _mapping(path, 'sent', data.get('sent')).items())
        over = data.get('over_limit') or []
        if not isinstance(over, list):
            raise ValueError('bookmark %s: over_limit is %.80r, not a list of consumption unit ids; %s' % (path, over, FIX))
        self.over_limit = set(_id_entry(path, 'over_limit', cid) for cid in over)
        self.first_job = dict((_id_entry(path, 'first_job', cid), format_datetime(_date_entry(path, 'first_job[%r]' % cid, value)))
                              for cid, value in _mapping(path, 'first_job', data.get('first_job')).items())
        self.incomplete = {}
        for problem, told in _mapping(path, 'incomplete', data.get('incomplete')).items():
            told = _mapping(path, 'incomplete[%r]' % problem, told)
            self.incomplete[problem] = dict((name, format_datetime(_date_entry(path, 'incomplete[%r].%s' % (problem, name), told.get(name))))
                                            for name in ('since', 'told'))

    def save(self):
        directory = os.path.dirname(self.path) or '.'
        data = dict(version=BOOKMARK_VERSION, api_url=self.api_url, since=format_datetime(self.since), until=format_datetime(self.until),
                    sent=self.sent, consumers=dict((str(cid), format_datetime(value)) for cid, value in sorted(self.consumers.items())),
                    over_limit=sorted(self.over_limit), first_job=dict((str(k), v) for k, v in sorted(self.first_job.items())),
                    incomplete=self.incomplete)
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
    """One poll's outcome: the events (oldest first), the units read completely, the errors and warnings, the
    window's end (the portal's time when the units were listed) and the problems it could not be sure about."""

    def __init__(self, end=None):
        self.end = end
        self.events, self.errors, self.warnings = [], [], []
        self.keys, self.over, self.under, self.first_job = [], set(), set(), {}
        self.listed, self.read = False, {}   # read: consumer id -> the start of its window, for those read completely
        self.problems = {}   # problem -> {since, told}: what this poll could not be sure about (Bookmark.incomplete)
        self.portal_clock = False

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
        try:
            self.client = client or client_from_options(settings.connection, pool_size=settings.workers)
        except BaseException:
            self.bookmark.release()
            raise

    def close(self):
        self.bookmark.release()

    def window_start(self, consumer_id, end):
        """Where a unit's read starts: the end of its last complete read less the overlap (for jobs the portal lists
        late); a unit never read completely, from the bookmark's ``since`` (the first start's), however long ago."""
        last = self.bookmark.consumers.get(consumer_id)
        if last is None:
            return min(self.bookmark.since or self.settings.since, end)
        return min(last - self.settings.overlap, end)

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

    def _clock(self, outcome, now, answered=True):
        """The poll's end by the portal's clock (the Date header of its last answer); the controller's clock only when
        the portal sends none, which is then a problem of its own (the windows rest on the two clocks agreeing).
        ``answered`` False: the units could not be listed, perhaps without any answer (that is the problem told)."""
        portal = now
        if portal is None:
            reader = getattr(self.client, 'portal_time', None)
            portal = reader() if reader is not None else None
        outcome.portal_clock = portal is not None
        outcome.end = portal or utcnow()
        if self.bookmark.since is None:  # the first start: since by the portal's clock, kept for every later start
            self.bookmark.since = parse_datetime(self.settings.since_text, 'since', outcome.end)
        if answered and not outcome.portal_clock:
            self._incomplete(outcome, 'clock', 'no_portal_clock', None, None, None,
                             'the portal sent no Date header: windows are measured by the controller\'s clock, and jobs are '
                             'lost when it is ahead of the portal\'s by more than overlap')

    def poll(self, now=None):
        """Read every watched unit's window; ``now`` stands for the portal's time (tests)."""
        outcome = Poll()
        try:
            tree = BusinessUnitTree(self.client)
            units = self.consumers(tree)
        except CloutilityError as exc:
            self._clock(outcome, now, answered=False)
            outcome.errors.append(str(exc))
            self._incomplete(outcome, 'units', 'list_failed', None, None, None,
                             'the consumption units could not be listed: no unit was read this poll (%s)' % exc)
            return outcome
        self._clock(outcome, now)
        outcome.listed = True
        if outcome.portal_clock:
            self._repair(outcome, units)
        results = map_bounded(lambda pair: self._read_consumer(pair[0], pair[1], outcome.end), units,
                              workers=self.settings.workers, capture=True)
        reports, failed = [], []
        for (unit, consumer), result in zip(units, results):
            if isinstance(result, Failure):
                failed.append((unit, consumer, result.error))
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
                failed.extend((unit, consumer, exc) for unit, consumer, _report, _start in reports)
                reports = []
            for unit, consumer, report, start in reports:
                problem = self._storage_event(outcome, unit, consumer, report)
                if problem:
                    failed.append((unit, consumer, problem))
                else:
                    outcome.read[consumer['id']] = start
        for unit, consumer, error in failed:
            outcome.errors.append('%s/%s (consumer id %s): %s' % (unit['path'], consumer.get('name'), consumer['id'], error))
            start = self.window_start(consumer['id'], outcome.end)
            self._incomplete(outcome, 'read:%s' % consumer['id'], 'read_failed', unit, consumer, start,
                             '%s/%s could not be read from %s to %s: %s; it is read again from %s at the next poll' % (
                                 unit['path'], consumer.get('name'), format_datetime(start), format_datetime(outcome.end), error,
                                 format_datetime(start)), error=str(error))
        outcome.events.sort(key=lambda event: event['cloutility']['time'])
        return outcome

    def _repair(self, outcome, units):
        """Entries later than the portal's time (more than FUTURE_SLACK): a unit's position or first job is dropped
        (read again from since: its event says so), other stamps are set to this poll's end (a warning)."""
        limit, end, bookmark = outcome.end + FUTURE_SLACK, outcome.end, self.bookmark
        known = dict((consumer['id'], (unit, consumer)) for unit, consumer in units)

        def later(stamp):
            return stamp is not None and parse_datetime(stamp, 'bookmark') > limit

        for name in ('since', 'until'):
            if later(getattr(bookmark, name)):
                outcome.warnings.append('bookmark %s: %s was %s, later than the portal\'s time %s; set to %s' % (
                    bookmark.path, name, format_datetime(getattr(bookmark, name)), format_datetime(end),
                    format_datetime(end if name == 'until' else min(self.settings.since, end))))
                setattr(bookmark, name, end if name == 'until' else min(self.settings.since, end))
        for key in [key for key, stamp in bookmark.sent.items() if later(stamp)]:
            outcome.warnings.append('bookmark %s: sent[%r] was %s, later than the portal\'s time %s; set to it' % (
                bookmark.path, key, bookmark.sent[key], format_datetime(end)))
            bookmark.sent[key] = format_datetime(end)
        for problem in [problem for problem, told in bookmark.incomplete.items() if later(told['since']) or later(told['told'])]:
            del bookmark.incomplete[problem]   # told again
        for name, table in (('first_job', bookmark.first_job), ('consumers', bookmark.consumers)):
            for cid in [cid for cid, stamp in table.items() if later(stamp)]:
                stamp = table[cid]
                bookmark.first_job.pop(cid, None)
                bookmark.consumers.pop(cid, None)
                unit, consumer = known.get(cid, (None, dict(id=cid)))
                message = ('bookmark %s: %s[%r] was %s, later than the portal\'s time %s, which left the unit unread; repaired: '
                           'consumer id %s is read again from since (%s), and jobs before that which were not sent are not '
                           'read' % (bookmark.path, name, str(cid), stamp if isinstance(stamp, str) else format_datetime(stamp),
                                     format_datetime(end), cid, format_datetime(bookmark.since)))
                outcome.warnings.append(message)
                self._incomplete(outcome, None, 'bookmark_in_future', unit, consumer, bookmark.since, message)

    def _incomplete(self, outcome, problem, reason, unit, consumer, start, message, error=None):
        """A ``watch_incomplete`` event, once per problem: when it starts, then every INCOMPLETE_REPEAT while it lasts
        (``problem`` None: a one-time problem, such as a repair)."""
        told = self.bookmark.incomplete.get(problem) if problem else None
        if told and parse_datetime(told['told'], 'told') + INCOMPLETE_REPEAT > outcome.end:
            outcome.problems[problem] = told
            return
        stamp = format_datetime(outcome.end)
        began = told['since'] if told else stamp
        if problem:
            outcome.problems[problem] = dict(since=began, told=stamp)
        key = 'incomplete:%s:%s:%s' % (consumer['id'] if consumer else problem, reason, stamp)
        if key in self.bookmark.sent or key in outcome.keys:
            return
        outcome.keys.append(key)
        details = dict(reason=reason, since=began, window=dict(start=format_datetime(start), end=stamp), error=error)
        if unit is None:
            details.update(bunit_id=None, bunit_path=None)
        outcome.events.append(self._event(INCOMPLETE, key, stamp, unit, consumer, message=message, **details))

    def _read_consumer(self, unit, consumer, end):
        """The window's start, the first job's completion (kept in the bookmark), the problem jobs of the window as
        (kind, job), the latest report (None when storage is not watched or the unit has no job yet).

        Raises on an answer that is not the resource (a first job without a completion date, a job that is no object
        or has no id): the unit's poll is then incomplete, and its time read again."""
        ids = dict(bunit=unit['id'], consumer=consumer['id'])
        start = self.window_start(consumer['id'], end)
        first = self.bookmark.first_job.get(consumer['id'])
        if first is None:
            first = format_datetime(read_first_job(self.client, endpoint('first_job', **ids)))
        problems = []
        if first is not None and any(kind in self.settings.kinds for kind in KINDS[:3]):
            begin, finish, _adjusted, empty = job_range(start, end, parse_datetime(first, 'completed'))
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
        body = dict(kind=kind, key=key, time=when, bunit_id=unit['id'] if unit else None, bunit_path=unit['path'] if unit else None,
                    consumer=dict(id=consumer['id'], name=consumer.get('name')) if consumer else None,
                    api_url=self.settings.connection['api_url'])
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
            self.bookmark.incomplete = dict(outcome.problems)   # a problem not met again is over
        else:
            self.bookmark.incomplete.update(outcome.problems)   # the units were not read: their problems stand
        kept = {}
        for key, stamp in self.bookmark.sent.items():
            last = self.bookmark.consumers.get(_consumer_of_key(key)) or self.bookmark.until or outcome.end
            if parse_datetime(stamp, 'sent') >= last - self.settings.overlap - SEEN_KEEP:
                kept[key] = stamp
        self.bookmark.sent = kept
        self.bookmark.save()

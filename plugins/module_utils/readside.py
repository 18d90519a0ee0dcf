# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared logic of the read-side (_info) modules, cloutility_invoice_file and cloutility_api.

Plain Python, no Ansible: dates (ISO 8601 and relative inputs such as ``-7d``), audit log type
names, the job-range rule, paging with a cap, consumption unit lookup, warning type names,
nodes read with a bounded pool of threads (cloutility_node_info, the inventory plugin),
raw API paths and file uploads.

404 answers are told apart by ``CloutilityApiError.route_missing`` / ``.not_found`` (api_client.py);
``lookups.get_optional`` / ``collect_optional`` turn "no such object / no data" into None / [] and
raise a missing route.
"""

from __future__ import annotations

import datetime
import hashlib
import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError, normalize_path
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import DEFAULT_WORKERS, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import (
    consumers_path,
    find_consumer,
    get_optional,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.nodes import is_activated, node_path
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import MASK

UTC = datetime.timezone.utc

# ----------------------------------------------------------------------------- dates
_RELATIVE = re.compile(r'^([+-])\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)$', re.IGNORECASE)
_UNIT_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
_DATE_ONLY = re.compile(r'^\d{4}-\d{2}-\d{2}$')

DATE_HELP = ("an ISO 8601 date or date-time (2023-11-03, 2023-11-03T08:00:00Z, 2023-11-03T09:00:00+01:00), "
             "'now', 'today', or a relative time such as -7d, -24h, -30m, -2w")


def utcnow():
    return datetime.datetime.now(UTC)


def _unit_seconds(unit):
    unit = unit.lower()
    if unit.startswith('min') or unit == 'm':
        return _UNIT_SECONDS['m']
    return _UNIT_SECONDS[unit[0]]


def parse_datetime(value, option='date', now=None):
    """An aware UTC datetime from a playbook value, or None for None/''.

    Accepts ISO 8601 dates and date-times (naive values are UTC), 'now', 'today' (midnight UTC)
    and relative times: a sign, a number and a unit (s, m, h, d, w), e.g. -7d or +1h.
    Raises CloutilityError naming the option and the accepted forms.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    if not text:
        return None
    now = now or utcnow()
    lowered = text.lower()
    if lowered == 'now':
        return now
    if lowered == 'today':
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    match = _RELATIVE.match(text)
    if match:
        sign, amount, unit = match.groups()
        delta = datetime.timedelta(seconds=int(amount) * _unit_seconds(unit))
        return now - delta if sign == '-' else now + delta
    iso = text
    if iso[-1] in 'zZ':
        iso = iso[:-1] + '+00:00'
    try:
        if _DATE_ONLY.match(iso):
            parsed = datetime.datetime.strptime(iso, '%Y-%m-%d')
        else:
            parsed = datetime.datetime.fromisoformat(iso)
    except ValueError:
        raise CloutilityError("%s: '%s' is not a date; use %s" % (option, text, DATE_HELP))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value):
    """ISO 8601 in UTC with a Z, as the API expects: 2023-11-03T08:00:00Z."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (value.microsecond // 1000)
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_range(start, end, start_option='start', end_option='end', default_start=None, default_end=None, now=None):
    """(start, end) as aware datetimes; either may be None. Refuses a start after the end."""
    now = now or utcnow()
    begin = parse_datetime(start, start_option, now) if start not in (None, '') else parse_datetime(default_start, start_option, now)
    finish = parse_datetime(end, end_option, now) if end not in (None, '') else parse_datetime(default_end, end_option, now)
    if begin is not None and finish is not None and begin > finish:
        raise CloutilityError('%s (%s) is after %s (%s)' % (start_option, format_datetime(begin), end_option, format_datetime(finish)))
    return begin, finish


def parse_day(value, option='date'):
    """A YYYY-MM-DD string (as used by invoices and billing data), validated; None stays None."""
    if value is None or str(value).strip() == '':
        return None
    text = str(value).strip()
    try:
        if not _DATE_ONLY.match(text):
            raise ValueError(text)
        datetime.datetime.strptime(text, '%Y-%m-%d')
    except ValueError:
        raise CloutilityError("%s: '%s' is not a date in the form YYYY-MM-DD (for example 2024-05-01)" % (option, text))
    return text


# ----------------------------------------------------------------------------- audit log types
AUDIT_TYPES = {'info': 0, 'create': 100, 'modify': 200, 'delete': 300, 'error': 400}
AUDIT_TYPE_NAMES = dict((number, name) for name, number in AUDIT_TYPES.items())


def audit_type_numbers(names):
    """The API's numbers for audit log type names, in the API's order; None or [] means all."""
    if not names:
        return sorted(AUDIT_TYPES.values())
    numbers = set()
    for name in names:
        key = str(name).strip().lower()
        if key not in AUDIT_TYPES:
            raise CloutilityError("Unknown audit log type '%s'. Valid types: %s" % (name, ', '.join(AUDIT_TYPES)))
        numbers.add(AUDIT_TYPES[key])
    return sorted(numbers)


def audit_type_name(number):
    """The name of an audit log type number (info, create, modify, delete, error), or None."""
    if isinstance(number, dict):
        number = number.get('id')
    try:
        return AUDIT_TYPE_NAMES.get(int(number))
    except (TypeError, ValueError):
        return None


def name_audit_entries(entries):
    """Add ``typeName`` (info, create, ...) to entries that carry a numeric ``type`` and no name yet."""
    for entry in entries:
        if isinstance(entry, dict) and 'typeName' not in entry:
            name = audit_type_name(entry.get('type'))
            if name is not None:
                entry['typeName'] = name
    return entries


# ----------------------------------------------------------------------------- jobs
def first_job_completed(first_job):
    """The completion time of the first job from GET .../jobs/first, or None when there is none.

    Only ``completed`` is read: the endpoint's other fields are not to be trusted.
    """
    if not isinstance(first_job, dict):
        return None
    value = first_job.get('completed')
    if value in (None, ''):
        return None
    try:
        parsed = parse_datetime(value, 'completed')
    except CloutilityError:
        return None
    if parsed.year < 1971:  # a bogus default such as 0001-01-01 means no job
        return None
    return parsed


def job_range(start, end, first_completed):
    """Apply the job endpoint's rule: the range must not start before the first job completed.

    Returns ``(start, end, adjusted, empty)``: ``start`` raised to ``first_completed`` when it was
    earlier (``adjusted``), and ``empty`` when no job can be in the range (no job at all, or the
    range ends before the first job completed), in which case no range call is needed.
    """
    if first_completed is None:
        return start, end, False, True
    adjusted = start < first_completed
    begin = first_completed if adjusted else start
    if adjusted and begin.microsecond % 1000:
        # Dates go out with milliseconds: round up, or the start would fall just before the first job.
        begin += datetime.timedelta(microseconds=1000 - begin.microsecond % 1000)
    return begin, end, adjusted, end < begin


# ----------------------------------------------------------------------------- lookups
def resolve_consumer(client, tree, bunit, name=None, consumer_id=None):
    """(business unit, consumption unit) for a task's bunit + consumer name or consumer_id.

    Fails listing the unit's consumer names when none matches, and the ids when a name is ambiguous.
    """
    if name is None and consumer_id is None:
        raise CloutilityError('Name the consumption unit with consumer or consumer_id')
    unit = tree.resolve(bunit)
    consumer = find_consumer(client, unit['id'], name=name, consumer_id=consumer_id)
    if consumer is None:
        where = tree.path(unit['id'])
        if consumer_id is not None:
            raise CloutilityError('Consumption unit id %s not found in business unit %s' % (consumer_id, where))
        names = sorted(set(item.get('name') for item in client.get_all(consumers_path(unit['id'])) if item.get('name')))
        raise CloutilityError("Consumption unit '%s' not found in business unit %s. Its units: %s"
                              % (name, where, ', '.join(names) or '(none)'))
    return unit, consumer


def consumer_summary(consumer):
    return dict(id=consumer.get('id'), name=consumer.get('name'))


# ----------------------------------------------------------------------------- warnings
def warning_type_index(types):
    return dict((item.get('id'), item.get('name')) for item in types or [] if isinstance(item, dict))


def _warning_type_id(warning):
    for key in ('typeId', 'warningTypeId', 'nodeWarningTypeId', 'type', 'warningType', 'nodeWarningType'):
        value = warning.get(key)
        if isinstance(value, dict):
            value = value.get('id')
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def _warnings_of(report):
    if not isinstance(report, dict):
        return []
    warnings = report.get('warnings')
    if isinstance(warnings, dict):
        warnings = warnings.get('items')
    return [warning for warning in warnings or [] if isinstance(warning, dict)]


def _embedded_name(warning):
    for key in ('type', 'warningType', 'nodeWarningType'):
        value = warning.get(key)
        if isinstance(value, dict) and isinstance(value.get('name'), str) and value['name']:
            return value['name']
    return None


def name_warnings(report, index):
    """Add ``typeId`` and, when known, ``typeName`` to each warning of a report.

    The name comes from the warning's own type object when the portal embeds it, else from ``index``
    (id -> name from GET /v1/nodewarningtypes); ``index`` may be None when the portal offers no names.
    """
    for warning in _warnings_of(report):
        type_id = _warning_type_id(warning)
        if type_id is not None:
            warning.setdefault('typeId', type_id)
        if 'typeName' in warning:
            continue
        name = _embedded_name(warning) or (index or {}).get(type_id)
        if name is not None:
            warning['typeName'] = name
    return report


def warning_types(client):
    """The node warning types, or None when the portal offers none.

    Warning type names are a bonus: a portal without GET /v1/nodewarningtypes (404, a missing route or
    no data) gives warnings with their type ids only. Any other error is raised.
    """
    try:
        return client.get_all('nodewarningtypes')
    except CloutilityApiError as exc:
        if exc.status == 404:
            return None
        raise


def name_report_warnings(client, reports):
    """Name the warnings of ``reports``; GET /v1/nodewarningtypes only when a warning has a type id and no name.

    Returns how the names were found: 'read' (the warning types were read), 'not_needed' (no warning
    lacked a name, nothing read) or 'unavailable' (the portal has no warning types: type ids only).
    """
    unnamed = [warning for report in reports for warning in _warnings_of(report)
               if 'typeName' not in warning and _embedded_name(warning) is None and _warning_type_id(warning) is not None]
    types = warning_types(client) if unnamed else []
    index = warning_type_index(types)
    for report in reports:
        name_warnings(report, index)
    if not unnamed:
        return 'not_needed'
    return 'read' if types is not None else 'unavailable'


# ----------------------------------------------------------------------------- nodes
def present_node(node):
    """A node for a result: the node password masked."""
    shown = dict(node)
    if shown.get('tsmPassword'):
        shown['tsmPassword'] = MASK
    return shown


def read_nodes(client, bunit_id, consumers, filespaces=False, tsm_sync=False, workers=DEFAULT_WORKERS):
    """The node of each consumption unit (None for a unit without one), in the order of ``consumers``.

    At most ``workers`` requests at once (concurrency.map_bounded); with ``filespaces``, an activated
    node's filespaces are read by the same worker right after it.
    """
    def read(consumer):
        node = get_optional(client, node_path(bunit_id, consumer['id']), what='a backup node')  # 404: the unit has no node
        if node is None:
            return None
        entry = present_node(node)
        if filespaces:
            query = {'tsmSync': str(bool(tsm_sync)).lower()}
            entry['filespaces'] = client.get_all(node_path(bunit_id, consumer['id'], 'filespaces'), params=query) \
                if is_activated(node) else []
        return entry
    return map_bounded(read, consumers, workers=workers)


def node_info(client, tree, params, workers=DEFAULT_WORKERS):
    """One node or every node of a business unit, with proxies and optionally filespaces (cloutility_node_info)."""
    bunit = tree.resolve(params.get('bunit'))
    if params.get('consumer') is not None or params.get('consumer_id') is not None:
        consumer = find_consumer(client, bunit['id'], params.get('consumer'), params.get('consumer_id'))
        if consumer is None:
            raise CloutilityError('Consumption unit %s not found in business unit %s' % (
                "'%s'" % params['consumer'] if params.get('consumer_id') is None else 'id %s' % params['consumer_id'],
                tree.path(bunit['id'])))
        consumers = [consumer]
    else:
        consumers = client.get_all(consumers_path(bunit['id']))
    entries = read_nodes(client, bunit['id'], consumers, params.get('filespaces'), params.get('tsm_sync'), workers)
    nodes = []
    for consumer, entry in zip(consumers, entries):
        if entry is None:
            continue
        entry.setdefault('consumer', dict((key, consumer[key]) for key in ('id', 'name') if key in consumer))
        entry['bunit_id'] = bunit['id']
        entry['consumer_id'] = consumer['id']
        nodes.append(entry)
    return dict(changed=False, nodes=nodes, bunit_id=bunit['id'])


# ----------------------------------------------------------------------------- raw API
API_METHODS = ('GET', 'POST', 'PUT', 'DELETE', 'PATCH')


def api_path(path):
    """A path relative to /v1 from what a playbook gives: 'bunits/22', '/bunits/22' or '/v1/bunits/22'."""
    text = str(path or '').strip()
    if not text:
        raise CloutilityError('path is required, relative to /v1, for example bunits/22/consumers')
    if re.match(r'^[a-z][a-z0-9+.-]*://', text, re.IGNORECASE):
        raise CloutilityError("path must be relative to the API's /v1 (for example bunits/22), not a URL: '%s'" % text)
    if '?' in text or '#' in text:
        raise CloutilityError("path must not carry a query string; put parameters in query: '%s'" % text)
    text = text.lstrip('/')
    if text.lower() == 'v1' or text.lower().startswith('v1/'):
        text = text[3:]
    # Judged on the path the portal serves: %2e%2e, %252e%252e and a backslash for a slash make '..' there too.
    served = normalize_path(text)
    if any(part in ('.', '..') for part in text.split('/')) or '..' in served.split('/'):
        raise CloutilityError("path must not contain '.' or '..' segments, also percent-encoded: '%s'" % path)
    if served.strip('/').lower() == 'oauth':
        raise CloutilityError('path oauth is handled by the connection options; the module logs in itself')
    return text


def query_params(query):
    """Query parameters for requests: booleans as true/false, lists repeated (types=0&types=100)."""
    params = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            params[key] = [str(item).lower() if isinstance(item, bool) else str(item) for item in value]
        elif isinstance(value, bool):
            params[key] = str(value).lower()
        else:
            params[key] = str(value)
    return params


# ----------------------------------------------------------------------------- files
def file_checksums(content):
    return dict(md5=hashlib.md5(content).hexdigest(), sha1=hashlib.sha1(content).hexdigest(),
                sha256=hashlib.sha256(content).hexdigest())


_NAME_KEYS = ('fileName', 'filename', 'name', 'originalFileName')
_CHECKSUM_KEYS = (('sha256', 'sha256'), ('sha1', 'sha1'), ('md5', 'md5'), ('checksum', None), ('hash', None))


def file_name_of(item):
    for key in _NAME_KEYS:
        if isinstance(item.get(key), str) and item[key]:
            return item[key]
    return None


def compare_checksum(item, checksums):
    """True/False when the uploaded file's checksum can be read back and compared, None otherwise."""
    for key, algorithm in _CHECKSUM_KEYS:
        value = item.get(key)
        if not isinstance(value, str) or not value:
            continue
        value = value.strip().lower()
        if ':' in value:
            algorithm, value = value.split(':', 1)
        if algorithm in checksums:
            return checksums[algorithm] == value
        return value in checksums.values()
    return None


def upload_file(client, path, filename, content, params=None, content_type='application/pdf'):
    """POST one file as multipart/form-data (field ``file``).

    Never retried: the caller re-reads the file list to see whether an interrupted upload took effect.
    """
    return client.request('POST', path, params=params, files={'file': (filename, content, content_type)})

# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reports, jobs, audit log entries and warnings of a consumption unit: the reads of cloutility_report_info,
cloutility_job_info and cloutility_auditlog_info (report_info, job_info, auditlog_info) and their rules.

Plain Python, no Ansible. 404 answers are told apart by ``CloutilityApiError.route_missing`` / ``.not_found``
(api_client.py); ``get_optional`` / ``collect_optional`` there turn "no such object / no data" into None / [] and
raise a missing route.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    CloutilityApiError,
    CloutilityError,
    collect_optional,
    get_optional,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime, parse_range
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import short
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import resolve_consumer


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
def first_job_completed(first_job, url='GET .../jobs/first'):
    """The completion time of the first job from GET .../jobs/first, or None when there is none.

    Only ``completed`` is read: the endpoint's other fields are not to be trusted. None (a 404) and the .NET default
    date (0001-01-01, "no job") mean no job; a ``completed`` that is no date (missing, null, empty, text) is an answer
    that is not the first job: CloutilityError naming ``url``, never "no job yet".
    """
    if first_job is None:
        return None
    value = first_job.get('completed') if isinstance(first_job, dict) else None
    try:
        parsed = parse_datetime(value, 'completed') if isinstance(value, str) else None
    except CloutilityError:
        parsed = None
    if parsed is None:
        raise CloutilityError('%s answered a first job whose completed is %.80r, not a date: that is not the first job (a '
                              'maintenance page or a proxy?); its jobs are not read' % (url, value))
    if parsed.year < 1971:  # a bogus default such as 0001-01-01 means no job
        return None
    return parsed


def read_first_job(client, path):
    """GET ``path`` (a unit's ``jobs/first``): the first job's completion time, None when the unit has no job (404).

    Checked like the modules' answers: an object with ``completed`` (client.get_object), whose ``completed`` is a date
    (first_job_completed); anything else is an error, never "no job yet"."""
    first = get_optional(client, path, what='the first job', keys=('completed',))
    return first_job_completed(first, 'GET %s%s' % (re.sub(r'^(\w+://)[^/@]*@', r'\1', client.base_url), path.lstrip('/')))


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
        return client.get_all(endpoint('node_warning_types'))
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


# ----------------------------------------------------------------------------- the reads of the *_info modules
def _consumer_of(client, tree, params):
    return resolve_consumer(client, tree, params.get('bunit'), params.get('consumer'), params.get('consumer_id'))


def report_info(client, tree, params):
    """The result of cloutility_report_info: the latest report (``latest``) or the reports of a date range.

    The range is checked before any request (the tree is read on first use). A 404 meaning "no report" is an empty
    answer ({} or []); the warnings are named when ``warnings`` (name_report_warnings).
    """
    start, end = parse_range(params.get('start'), params.get('end'))  # refused before any call
    unit, consumer = _consumer_of(client, tree, params)
    ids = dict(bunit=unit['id'], consumer=consumer['id'])
    result = dict(changed=False, consumer=short(consumer), bunit_id=unit['id'])
    if params.get('latest'):
        query = dict(userId=params['user_id']) if params.get('user_id') is not None else None
        report = get_optional(client, endpoint('latest_report', **ids), query, what='a node report')  # 404: no report yet
        result['report'] = {} if report is None else report
        reports = [result['report']]
    else:
        query = dict(status=str(params['status']).lower(), warnings=str(params['warnings']).lower())
        if start is not None:
            query['startDate'] = format_datetime(start)
        if end is not None:
            query['endDate'] = format_datetime(end)
        # 404: no report in the range; any other answer a collection
        reports, _answer = collect_optional(client, endpoint('reports', **ids), query)
        result.update(reports=reports, start=format_datetime(start), end=format_datetime(end))
    result['warning_type_names'] = name_report_warnings(client, reports) if params['warnings'] else 'not_needed'
    return result


def job_info(client, tree, params):
    """The result of cloutility_job_info: the jobs of a time range, its start moved up to the first job (job_range).

    Reads ``jobs/first`` (404: no job), then the range only when a job can be in it.
    """
    requested_start, end = parse_range(params.get('start'), params.get('end'), default_start='-24h', default_end='now')  # refused before any call
    unit, consumer = _consumer_of(client, tree, params)
    ids = dict(bunit=unit['id'], consumer=consumer['id'])
    first = read_first_job(client, endpoint('first_job', **ids))  # 404: no job; an answer that is not a job fails
    start, end, adjusted, empty = job_range(requested_start, end, first)
    jobs = []
    if not empty:
        # 404: no job; any other answer is a collection (collect checks each page)
        jobs, _answer = collect_optional(client, endpoint('jobs', **ids), dict(startTime=format_datetime(start), endTime=format_datetime(end)))
    return dict(
        changed=False, jobs=jobs, first_job_completed=format_datetime(first), consumer=short(consumer),
        bunit_id=unit['id'],
        range=dict(start=format_datetime(start), end=format_datetime(end), requested_start=format_datetime(requested_start),
                   adjusted=adjusted, queried=not empty),
    )


def auditlog_info(client, tree, params):
    """The result of cloutility_auditlog_info: the audit log entries of a consumption unit, at most ``limit``.

    The range and the types are checked before any request. ``total`` is the portal's count when it gives one.
    """
    start, end = parse_range(params.get('start'), params.get('end'))  # refused before any call
    types = audit_type_numbers(params.get('types'))
    unit, consumer = _consumer_of(client, tree, params)
    query = dict(includeDescendants=str(params['include_descendants']).lower(),
                 orderDesc=str(params['order'] == 'newest_first').lower(), types=types)
    if start is not None:
        query['startTime'] = format_datetime(start)
    if end is not None:
        query['endTime'] = format_datetime(end)
    path = endpoint('auditlogs', bunit=unit['id'], consumer=consumer['id'])
    items, answer = collect_optional(client, path, query, limit=params.get('limit'))  # 404: no entries
    if items is None:
        items = []
    total = answer.get('total') if isinstance(answer, dict) else None
    return dict(changed=False, entries=name_audit_entries(items), total=len(items) if total is None else int(total),
                types=types, consumer=short(consumer), bunit_id=unit['id'])

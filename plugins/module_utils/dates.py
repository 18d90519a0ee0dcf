# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dates as playbooks give them: ISO 8601 or relative (``-7d``, ``now``), ranges and days. Plain Python, no Ansible.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError


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

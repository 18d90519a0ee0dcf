# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Billing reads of a business unit (cloutility_billing_info): contract, invoices, invoice files, billing data.

Plain Python, no Ansible. A 404 meaning "nothing there" is an empty answer; a missing route is raised
(api_client.get_optional / get_all_optional).

Billing data is named by its INVOICE date (``date``, ``GET .../billing/{invoice_date}``); the usage it bills is a
period before that date. billing_periods says which period each entry covers: from the entry's period keys
(``periodStart`` / ``periodEnd`` by default, names the API guide does not document, so options can rename them), or,
when an entry has neither, the calendar month before its invoice date (with one warning).
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, get_all_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import parse_day
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint

KINDS = ('contract', 'invoices', 'invoice_files', 'billing')

LATEST = 'latest'  # billing_date: the newest final billing data (read from the list)

SOURCE_KEYS = 'period_keys'  # billing_periods[...].source: the entry's period keys
SOURCE_DERIVED = 'derived_from_invoice_date'  # ... the calendar month before the invoice date (the entry has no keys)

DEFAULT_PERIOD_START_KEY = 'periodStart'
DEFAULT_PERIOD_END_KEY = 'periodEnd'

# A date, or a date-time whose date part is taken as written (no conversion to UTC: 2025-01-01T00:00:00+01:00 is the
# first of January on that portal, not the last of December).
_DATE_VALUE = re.compile(r'^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$', re.IGNORECASE)


def data_date(value, key, invoice_date=None):
    """The YYYY-MM-DD of a date or date-time value of key ``key`` of billing data; CloutilityError naming the key and
    the value (and the entry's invoice date, when known) for anything else."""
    match = _DATE_VALUE.match(value.strip()) if isinstance(value, str) else None
    if match:
        try:
            return datetime.datetime.strptime(match.group(1), '%Y-%m-%d').date()
        except ValueError:
            pass
    where = ' of the billing data with invoice date %s' % invoice_date if invoice_date else ' of the billing data'
    hint = ('; set period_start_key / period_end_key to the keys of your portal that hold the start and end of the period'
            if key != 'date' else '')
    raise CloutilityError('%s%s is %r, not a date (YYYY-MM-DD or an ISO 8601 date-time)%s' % (key, where, value, hint))


def _month_before(day):
    """First and last day of the calendar month before the month of ``day``."""
    end = day.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def billing_period(entry, start_key=DEFAULT_PERIOD_START_KEY, end_key=DEFAULT_PERIOD_END_KEY):
    """The usage period of one billing entry: ``{invoice_date, start, end, month, source}`` (dates as YYYY-MM-DD,
    month as YYYY-MM of the start). From ``start_key`` and ``end_key`` when the entry has both; the calendar month
    before the invoice date when it has neither; an error when it has one of them only, or a value that is no date."""
    if not isinstance(entry, dict) or entry.get('date') in (None, ''):
        raise CloutilityError('Billing data without its invoice date (key date): %r' % (entry,))
    invoice_date = data_date(entry['date'], 'date')
    given = [key for key in (start_key, end_key) if entry.get(key) not in (None, '')]
    if len(given) == 2:
        start = data_date(entry[start_key], start_key, invoice_date.isoformat())
        end = data_date(entry[end_key], end_key, invoice_date.isoformat())
        if end < start:
            raise CloutilityError('%s (%s) is before %s (%s) in the billing data with invoice date %s; check period_start_key and '
                                  'period_end_key' % (end_key, entry[end_key], start_key, entry[start_key], invoice_date.isoformat()))
        source = SOURCE_KEYS
    elif given:
        missing = end_key if given == [start_key] else start_key
        raise CloutilityError('The billing data with invoice date %s has %s (%r) but no %s; set period_start_key and period_end_key '
                              'to the keys of your portal that hold the start and end of the period'
                              % (invoice_date.isoformat(), given[0], entry[given[0]], missing))
    else:
        start, end = _month_before(invoice_date)
        source = SOURCE_DERIVED
    return dict(invoice_date=invoice_date.isoformat(), start=start.isoformat(), end=end.isoformat(),
                month=start.isoformat()[:7], source=source)


def billing_periods(entries, start_key=DEFAULT_PERIOD_START_KEY, end_key=DEFAULT_PERIOD_END_KEY, warn=None):
    """``{invoice date: billing_period(entry)}`` of each entry; ``warn(message)`` once when any period is derived."""
    periods = {}
    for entry in entries:
        period = billing_period(entry, start_key, end_key)
        periods[period['invoice_date']] = period
    derived = sorted(date for date, period in periods.items() if period['source'] == SOURCE_DERIVED)
    if derived and warn is not None:
        warn('The billing data with invoice date %s has no %s and %s: billing_periods gives the calendar month before each '
             'invoice date (source %s), an assumption; if your portal names the period with other keys, set period_start_key '
             'and period_end_key' % (', '.join(derived), start_key, end_key, SOURCE_DERIVED))
    return periods


def is_final(entry, period, today):
    """Billing data that is not preliminary (its ``preliminary`` is not true) and whose usage period has ended."""
    return entry.get('preliminary') is not True and period['end'] < today.isoformat()


def _period_key(params, option, default):
    value = params.get(option)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise CloutilityError('%s must name a key of the billing data (default %s), not %r' % (option, default, value))
    return value.strip()


def _billing_date(value):
    if isinstance(value, str) and value.strip().lower() == LATEST:
        return LATEST
    try:
        return parse_day(value, 'billing_date')
    except CloutilityError as exc:
        raise CloutilityError('%s, or %s (the newest final billing data)' % (exc, LATEST))


def billing_info(client, tree, params, warn=None, today=None):
    """The result of cloutility_billing_info: each kind of ``params['include']``, one request each.

    The options are checked before any request (the tree is read on first use). ``include_next`` (0 or more, the
    module's input rule) is sent only for the billing data of every period. ``billing_date`` ``latest`` reads the list
    and keeps the newest final entry (is_final). With billing, ``billing_periods`` says which usage period each returned
    entry covers; ``warn(message)`` is called once when one is derived from the invoice date. ``today`` (a date, UTC
    by default) decides which periods have ended.
    """
    invoice_date = parse_day(params.get('invoice_date'), 'invoice_date')  # refused before any call
    billing_date = _billing_date(params.get('billing_date'))
    start_key = _period_key(params, 'period_start_key', DEFAULT_PERIOD_START_KEY)
    end_key = _period_key(params, 'period_end_key', DEFAULT_PERIOD_END_KEY)
    include = set(params['include'])
    unit = tree.resolve(params.get('bunit'))
    bunit = unit['id']
    result = dict(changed=False, bunit_id=bunit, bunit_path=tree.path(bunit))
    if 'contract' in include:
        contract = get_optional(client, endpoint('contract', bunit=bunit), what='the contract')
        result['contract'] = {} if contract is None else contract  # {}: the portal answered 404, no contract
    if 'invoices' in include:
        if invoice_date:
            invoice = get_optional(client, endpoint('invoice', bunit=bunit, date=invoice_date), what='an invoice')
            result['invoices'] = [] if invoice is None else [invoice]
        else:
            result['invoices'] = get_all_optional(client, endpoint('invoices', bunit=bunit))
    if 'invoice_files' in include:
        result['invoice_files'] = get_all_optional(client, endpoint('invoice_files', bunit=bunit))
    if 'billing' in include:
        if billing_date == LATEST:
            today = today or datetime.datetime.now(datetime.timezone.utc).date()
            entries = get_all_optional(client, endpoint('billing', bunit=bunit))
            final = [(period['invoice_date'], entry) for entry, period in
                     ((entry, billing_period(entry, start_key, end_key)) for entry in entries) if is_final(entry, period, today)]
            result['billing'] = [max(final, key=lambda pair: pair[0])[1]] if final else []
        elif billing_date:
            entry = get_optional(client, endpoint('billing_of', bunit=bunit, date=billing_date), what='billing data')
            result['billing'] = [] if entry is None else [entry]
        else:
            include_next = params.get('include_next')
            query = dict(includeNext=include_next) if include_next is not None else None
            result['billing'] = get_all_optional(client, endpoint('billing', bunit=bunit), params=query)
        result['billing_periods'] = billing_periods(result['billing'], start_key, end_key, warn=warn)
    return result

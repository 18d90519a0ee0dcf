# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Billing reads of a business unit (cloutility_billing_info): contract, invoices, invoice files, billing data.

Plain Python, no Ansible. A 404 meaning "nothing there" is an empty answer; a missing route is raised
(api_client.get_optional / get_all_optional).

Billing data is named by its INVOICE date (``GET .../billing/{invoice_date}``); the usage it bills is a period before
that date. The vendor's resource model (BillingData) publishes the invoice date as ``invoiceDate`` (a date-time) and
``invoiceDateStr`` (text), and no period field; each entry's ``invoices[].lines[]`` carry ``startDate`` / ``endDate``.
billing_periods says which period each entry covers, from the first of:

1. the entry's period keys (``periodStart`` / ``periodEnd`` by default: names no document publishes, options rename them);
2. the ``startDate`` / ``endDate`` of the lines of its invoices (the earliest start, the latest end);
3. the calendar month before its invoice date (an assumption: one warning for all such entries).

An entry whose invoice date or period cannot be told (no invoice date, a value that is no date, one period key without
the other, an end before the start, invoice date keys that disagree) is returned as the portal gave it, without a
period, with a warning naming it: never a failed read of all the billing data, never a guessed month.

Assumptions the code still makes (the simulator can serve each the other way, see simulator/README.md):
- a line's ``endDate`` is the last day of its period (or an instant of it), not the first day after it;
- the date part of a date-time is the portal's own day (no conversion to UTC).
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
SOURCE_LINES = 'invoice_lines'  # ... the startDate / endDate of the lines of the entry's invoices
SOURCE_DERIVED = 'derived_from_invoice_date'  # ... the calendar month before the invoice date (neither of the above)

# The invoice date: the published keys first, then the key earlier versions expected (invoice_date_key: one key only).
DEFAULT_INVOICE_DATE_KEYS = ('invoiceDate', 'invoiceDateStr', 'date')
DEFAULT_PERIOD_START_KEY = 'periodStart'
DEFAULT_PERIOD_END_KEY = 'periodEnd'
LINE_START_KEY = 'startDate'  # InvoiceLine, as published
LINE_END_KEY = 'endDate'

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
    raise CloutilityError('%s%s is %r, not a date (YYYY-MM-DD or an ISO 8601 date-time)' % (key, where, value))


def _month_before(day):
    """First and last day of the calendar month before the month of ``day``."""
    end = day.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def _given(entry, key):
    return entry.get(key) not in (None, '')


def invoice_date_of(entry, key=None):
    """The invoice date of one billing entry (a date) from ``key``, or by default from the first of invoiceDate,
    invoiceDateStr and date it has; CloutilityError when it has none, a value that is no date, or keys that disagree."""
    keys = (key,) if key else DEFAULT_INVOICE_DATE_KEYS
    given = [name for name in keys if _given(entry, name)]
    if not given:
        raise CloutilityError('it has no invoice date (key %s); set invoice_date_key to the key of your portal that holds it'
                              % ' or '.join(keys))
    dates = [(name, data_date(entry[name], name)) for name in given]
    if len(set(day for _name, day in dates)) > 1:
        raise CloutilityError('its invoice date keys disagree (%s); set invoice_date_key to the one that holds the invoice date'
                              % ', '.join('%s %r' % (name, entry[name]) for name in given))
    return dates[0][1]


def _line_period(entry, invoice_date):
    """(start, end) of the lines of the entry's invoices, None when no line carries both dates."""
    invoices = entry.get('invoices')
    lines = [line for invoice in (invoices if isinstance(invoices, list) else []) if isinstance(invoice, dict)
             for line in (invoice.get('lines') if isinstance(invoice.get('lines'), list) else []) if isinstance(line, dict)]
    dated = [line for line in lines if _given(line, LINE_START_KEY) and _given(line, LINE_END_KEY)]
    if not dated:
        return None
    starts = [data_date(line[LINE_START_KEY], 'invoices[].lines[].' + LINE_START_KEY, invoice_date) for line in dated]
    ends = [data_date(line[LINE_END_KEY], 'invoices[].lines[].' + LINE_END_KEY, invoice_date) for line in dated]
    return min(starts), max(ends)


def billing_period(entry, start_key=DEFAULT_PERIOD_START_KEY, end_key=DEFAULT_PERIOD_END_KEY, invoice_date_key=None):
    """The usage period of one billing entry: ``{invoice_date, start, end, month, source}`` (dates as YYYY-MM-DD,
    month as YYYY-MM of the start), from its period keys, else the lines of its invoices, else the calendar month
    before its invoice date (see the top of this file). CloutilityError saying what is wrong when it cannot be told."""
    if not isinstance(entry, dict):
        raise CloutilityError('it is %r, not an object' % (entry,))
    invoice_date = invoice_date_of(entry, invoice_date_key)
    day = invoice_date.isoformat()
    given = [key for key in (start_key, end_key) if _given(entry, key)]
    lines = None
    if len(given) == 2:
        start = data_date(entry[start_key], start_key, day)
        end = data_date(entry[end_key], end_key, day)
        source, keys = SOURCE_KEYS, (start_key, end_key)
    elif given:
        missing = end_key if given == [start_key] else start_key
        raise CloutilityError('it has %s (%r) but no %s; set period_start_key and period_end_key to the keys of your portal '
                              'that hold the start and end of the period' % (given[0], entry[given[0]], missing))
    else:
        lines = _line_period(entry, day)
    if lines:
        (start, end), source, keys = lines, SOURCE_LINES, ('invoices[].lines[].startDate', 'invoices[].lines[].endDate')
    elif not given:
        start, end = _month_before(invoice_date)
        source, keys = SOURCE_DERIVED, ()
    if end < start:
        raise CloutilityError('its %s (%s) is before its %s (%s)' % (keys[1], end.isoformat(), keys[0], start.isoformat()))
    return dict(invoice_date=day, start=start.isoformat(), end=end.isoformat(), month=start.isoformat()[:7], source=source)


def _label(entry, index):
    """How a warning names an entry whose invoice date may be unknown."""
    if isinstance(entry, dict):
        for key in DEFAULT_INVOICE_DATE_KEYS + ('id',):
            if _given(entry, key):
                return '%s %s' % (key, entry[key])
    return 'number %d in the answer' % (index + 1)


def _entry_periods(entries, start_key, end_key, date_key, warn):
    """``[(entry, billing_period(entry) or None)]``; ``warn(message)`` once for each entry whose period cannot be told."""
    pairs = []
    for index, entry in enumerate(entries):
        try:
            period = billing_period(entry, start_key, end_key, date_key)
        except CloutilityError as exc:
            if warn is not None:
                warn('The billing data %s has no usage period in billing_periods: %s. The entry is returned as the portal gave '
                     'it (billing_date latest does not choose it)' % (_label(entry, index), exc))
            period = None
        pairs.append((entry, period))
    return pairs


def _warn_derived(periods, start_key, end_key, warn):
    derived = sorted(date for date, period in periods.items() if period['source'] == SOURCE_DERIVED)
    if derived and warn is not None:
        warn('The billing data with invoice date %s has no %s and %s and no invoice lines with %s and %s: billing_periods gives '
             'the calendar month before each invoice date (source %s), an assumption; if your portal names the period with other '
             'keys, set period_start_key and period_end_key'
             % (', '.join(derived), start_key, end_key, LINE_START_KEY, LINE_END_KEY, SOURCE_DERIVED))


def billing_periods(entries, start_key=DEFAULT_PERIOD_START_KEY, end_key=DEFAULT_PERIOD_END_KEY, warn=None, invoice_date_key=None):
    """``{invoice date: billing_period(entry)}`` of each entry whose period can be told. ``warn(message)`` once for
    each entry whose period cannot be told (it is left out), and once for all entries whose period is derived."""
    periods = dict((period['invoice_date'], period) for _entry, period in
                   _entry_periods(entries, start_key, end_key, invoice_date_key, warn) if period)
    _warn_derived(periods, start_key, end_key, warn)
    return periods


def is_final(entry, period, today):
    """Billing data that is not preliminary (its ``preliminary`` is not true) and whose usage period has ended."""
    return entry.get('preliminary') is not True and period['end'] < today.isoformat()


def _key_option(params, option, default):
    value = params.get(option)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise CloutilityError('%s must name a key of the billing data (default %s), not %r' % (
            option, default or ', then '.join(DEFAULT_INVOICE_DATE_KEYS), value))
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
    module's input rule) is sent only for the billing data of every period, and refused with ``billing_date``.
    ``billing_date`` ``latest`` reads the list and keeps the newest final entry (is_final). With billing,
    ``billing_periods`` says which usage period each returned entry covers; ``warn(message)`` is called for each entry
    whose period cannot be told and once when periods are derived from the invoice date. ``today`` (a date, UTC by
    default) decides which periods have ended.
    """
    invoice_date = parse_day(params.get('invoice_date'), 'invoice_date')  # refused before any call
    billing_date = _billing_date(params.get('billing_date'))
    if billing_date and params.get('include_next') is not None:
        raise CloutilityError('include_next has no effect with billing_date (it adds upcoming periods to the list of all billing '
                              'data): remove include_next, or remove billing_date to read the list')
    start_key = _key_option(params, 'period_start_key', DEFAULT_PERIOD_START_KEY)
    end_key = _key_option(params, 'period_end_key', DEFAULT_PERIOD_END_KEY)
    date_key = _key_option(params, 'invoice_date_key', None)
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
            final = [(period['invoice_date'], entry, period) for entry, period in
                     _entry_periods(entries, start_key, end_key, date_key, warn) if period and is_final(entry, period, today)]
            newest = max(final, key=lambda found: found[0]) if final else None
            result['billing'] = [newest[1]] if newest else []
            result['billing_periods'] = {newest[0]: newest[2]} if newest else {}
            _warn_derived(result['billing_periods'], start_key, end_key, warn)
        elif billing_date:
            entry = get_optional(client, endpoint('billing_of', bunit=bunit, date=billing_date), what='billing data')
            result['billing'] = [] if entry is None else [entry]
        else:
            include_next = params.get('include_next')
            query = dict(includeNext=include_next) if include_next is not None else None
            result['billing'] = get_all_optional(client, endpoint('billing', bunit=bunit), params=query)
        if billing_date != LATEST:
            result['billing_periods'] = billing_periods(result['billing'], start_key, end_key, warn=warn, invoice_date_key=date_key)
    return result
